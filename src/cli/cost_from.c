/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cost_from.c - `opentrail cost --from DIR`: measure log trees (AWS's or
 * ours) with the library's parallel scanner and turn what was seen into a
 * scenario priced like any other.
 *
 * Each worker counts alone (categories, data events by service, records and
 * bytes per day, the eventIDs it saw); the counts are merged once at the end.
 * Copies are found by sorting every (eventID hash, trail, category) triple:
 * the first of each eventID is the original, the others are copies delivered
 * by other trails. A trail is where its files sit: the path before AWSLogs/
 * (bucket and prefix), else the file's folder. At most COST_MAX_IDS eventIDs
 * are kept (8 bytes each: 56 bits of hash, 5 of trail, 3 of category).
 *
 * Categories: eventCategory (Management / Data / NetworkActivity / Insight);
 * for records older than eventVersion 1.07, eventType AwsCloudTrailInsight is
 * Insights and managementEvent false is data. Management events with
 * readOnly true are reads, every other management event is a write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"

enum { P_CATEGORY, P_READONLY, P_SOURCE, P_TYPE, P_ID, P_TIME, P_MGMT, P_REGION, P_COUNT };
static const char *const paths[P_COUNT] = {
    "eventCategory", "readOnly",  "eventSource",     "eventType",
    "eventID",       "eventTime", "managementEvent", "awsRegion",
};

#define MAX_REGIONS 32u

struct worker {
    struct cost_measured m;
    uint64_t *ids;
    size_t nids, cap;
    size_t file_start; /* first id of the current file: its trail is known at on_file */
    char file_day[11]; /* day of the current file's first record */
    char regions[MAX_REGIONS][24];
    unsigned nregions;
    bool nomem;
};

struct measure {
    struct ot_path *p[P_COUNT];
    struct cost_measured *m;
    uint64_t *ids;
    size_t nids, cap;
    bool nomem, ids_capped;
    char regions[MAX_REGIONS][24];
    unsigned nregions;
};

static uint64_t fnv(struct ot_sv s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.n; i++) {
        h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
    }
    return h;
}

static struct cost_day *day_slot(struct cost_measured *m, const char *day)
{
    for (size_t i = 0; i < m->ndays; i++) {
        if (strcmp(m->days[i].day, day) == 0) {
            return &m->days[i];
        }
    }
    if (m->ndays >= COST_MAX_DAYS) {
        return NULL; /* counted in the totals, not by day */
    }
    struct cost_day *d = &m->days[m->ndays++];
    memset(d, 0, sizeof(*d));
    (void)snprintf(d->day, sizeof(d->day), "%s", day);
    return d;
}

const char *const cost_noisy_sources[2] = { "kms.amazonaws.com", "rdsdata.amazonaws.com" };

static void add_service(struct cost_measured *m, struct ot_sv src, uint64_t n, uint64_t reads)
{
    char name[64];
    size_t len = src.n < sizeof(name) - 1 ? src.n : sizeof(name) - 1;
    while (len < src.n && len > 0 && ((unsigned char)src.p[len] & 0xc0) == 0x80) {
        len--; /* cut before a UTF-8 sequence, not inside it: names go into JSON */
    }
    memcpy(name, src.p, len);
    name[len] = '\0';
    char *dot = strstr(name, ".amazonaws.com");
    if (dot != NULL) {
        *dot = '\0';
    }
    for (size_t i = 0; i < m->nsvc; i++) {
        if (strcmp(m->svc[i].name, name) == 0) {
            m->svc[i].n += n;
            m->svc[i].reads += reads;
            return;
        }
    }
    size_t i = m->nsvc < COST_MAX_SERVICES ? m->nsvc++ : COST_MAX_SERVICES;
    if (i == COST_MAX_SERVICES) {
        (void)snprintf(m->svc[i].name, sizeof(m->svc[i].name), "%s", "(other services)");
        m->nsvc = COST_MAX_SERVICES + 1;
    } else {
        (void)snprintf(m->svc[i].name, sizeof(m->svc[i].name), "%s", name);
    }
    m->svc[i].n += n;
    m->svc[i].reads += reads;
}

static void add_region(char (*set)[24], unsigned *n, struct ot_sv r)
{
    if (r.n == 0 || r.n >= 24) {
        return;
    }
    for (unsigned i = 0; i < *n; i++) {
        if (strlen(set[i]) == r.n && memcmp(set[i], r.p, r.n) == 0) {
            return;
        }
    }
    if (*n < MAX_REGIONS) {
        memcpy(set[*n], r.p, r.n);
        set[(*n)++][r.n] = '\0';
    }
}

static void range_add(struct cost_measured *m, struct ot_sv t)
{
    if (t.n == 0 || t.n >= sizeof(m->first)) {
        return;
    }
    char v[32];
    memcpy(v, t.p, t.n);
    v[t.n] = '\0';
    if (m->first[0] == '\0' || strcmp(v, m->first) < 0) {
        memcpy(m->first, v, t.n + 1);
    }
    if (m->last[0] == '\0' || strcmp(v, m->last) > 0) {
        memcpy(m->last, v, t.n + 1);
    }
}

static int category(const struct measure *ms, const struct ot_record *rec)
{
    struct ot_value c = ot_record_get(rec, ms->p[P_CATEGORY]);
    if (ot_value_str_eq(c, OT_SV_LIT("Data"))) {
        return CAT_DATA;
    }
    if (ot_value_str_eq(c, OT_SV_LIT("NetworkActivity"))) {
        return CAT_NETWORK;
    }
    if (ot_value_str_eq(c, OT_SV_LIT("Insight"))) {
        return CAT_INSIGHT;
    }
    if (c.type == OT_ABSENT) {
        if (ot_value_str_eq(ot_record_get(rec, ms->p[P_TYPE]), OT_SV_LIT("AwsCloudTrailInsight"))) {
            return CAT_INSIGHT;
        }
        if (ot_record_get(rec, ms->p[P_MGMT]).type == OT_FALSE) {
            return CAT_DATA;
        }
    }
    return ot_record_get(rec, ms->p[P_READONLY]).type == OT_TRUE ? CAT_MGMT_READ : CAT_MGMT_WRITE;
}

/* The scanner passes only the worker context to on_record; the worker keeps
 * a pointer to the shared, read-only paths. */
struct worker_ctx {
    struct worker w;
    const struct measure *ms;
};

static bool on_record_ctx(void *wctx, const struct ot_record *rec)
{
    struct worker_ctx *wc = wctx;
    if (wc == NULL || wc->w.nomem) {
        return false;
    }
    struct worker *w = &wc->w;
    const struct measure *ms = wc->ms;
    int cat = category(ms, rec);
    w->m.records++;
    w->m.cat[cat]++;
    struct ot_value src = ot_record_get(rec, ms->p[P_SOURCE]);
    if (cat == CAT_DATA) {
        bool ro = ot_record_get(rec, ms->p[P_READONLY]).type == OT_TRUE;
        add_service(&w->m, src.type == OT_STRING ? ot_value_raw(src) : OT_SV_LIT("(unknown)"), 1,
                    ro);
    } else if (cat == CAT_MGMT_READ || cat == CAT_MGMT_WRITE) {
        for (int i = 0; i < 2; i++) {
            w->m.noisy[i] += ot_value_str_eq(src, ot_sv_cstr(cost_noisy_sources[i]));
        }
    }
    struct ot_value t = ot_record_get(rec, ms->p[P_TIME]);
    if (t.type == OT_STRING) {
        struct ot_sv ts = ot_value_raw(t);
        range_add(&w->m, ts);
        if (ts.n >= 10) {
            char day[11];
            memcpy(day, ts.p, 10);
            day[10] = '\0';
            struct cost_day *d = day_slot(&w->m, day);
            if (d != NULL) {
                d->records++;
            }
            if (w->file_day[0] == '\0') {
                memcpy(w->file_day, day, sizeof(day));
            }
        }
    }
    struct ot_value r = ot_record_get(rec, ms->p[P_REGION]);
    if (r.type == OT_STRING) {
        add_region(w->regions, &w->nregions, ot_value_raw(r));
    }
    struct ot_value id = ot_record_get(rec, ms->p[P_ID]);
    if (id.type != OT_STRING) {
        w->m.no_id++;
        return true;
    }
    if (w->nids == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        uint64_t *v = ot_realloc(w->ids, cap * sizeof(*v));
        if (v == NULL) {
            w->nomem = true;
            return false;
        }
        w->ids = v;
        w->cap = cap;
    }
    w->ids[w->nids++] = (fnv(ot_value_raw(id)) & ~0xffull) | (uint64_t)cat;
    return true;
}

static void *worker_init(void *ctx, unsigned id)
{
    (void)id; /* workers are alike */
    struct worker_ctx *wc = ot_calloc(1, sizeof(*wc));
    if (wc != NULL) {
        wc->ms = ctx;
    }
    return wc;
}

static void on_error(void *wctx, const struct ot_error *err)
{
    (void)wctx; /* counted by on_file through res->bad */
    cli_print_error(err);
}

/* "..._CloudTrail_us-east-1_20230710T1205Z_x.json.gz" -> "2023-07-10" */
static bool day_from_name(const char *path, char day[11])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (const char *p = base; (p = strchr(p, '_')) != NULL; p++) {
        const char *s = p + 1;
        bool ok = strlen(s) >= 15 && s[8] == 'T' && s[13] == 'Z';
        for (int i = 0; ok && i < 8; i++) {
            ok = s[i] >= '0' && s[i] <= '9';
        }
        if (ok) {
            (void)snprintf(day, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
            return true;
        }
    }
    return false;
}

/* The trail a file belongs to: the path before "AWSLogs/", else its folder.
 * Called in input order, one file at a time (scan.h), so the table needs no lock. */
static unsigned trail_of(struct measure *ms, const char *path)
{
    struct cost_measured *m = ms->m;
    const char *cut = strstr(path, "/AWSLogs/");
    size_t n = cut ? (size_t)(cut - path) : strlen(path);
    if (cut == NULL && strncmp(path, "AWSLogs/", 8) == 0) {
        n = 0;
    } else if (cut == NULL) {
        const char *slash = strrchr(path, '/');
        n = slash ? (size_t)(slash - path) : 0;
    }
    char key[256];
    (void)snprintf(key, sizeof(key), "%.*s", (int)(n < 255 ? n : 255), n ? path : ".");
    for (size_t i = 0; i < m->ntrails; i++) {
        if (strcmp(m->trails[i].path, key) == 0) {
            return (unsigned)i;
        }
    }
    if (m->ntrails == COST_MAX_TRAILS) {
        return COST_MAX_TRAILS - 1; /* the last one also holds the rest */
    }
    (void)snprintf(m->trails[m->ntrails].path, sizeof(m->trails[0].path), "%s", key);
    return (unsigned)m->ntrails++;
}

static void on_file(void *ctx, void *wctx, const struct ot_input *in,
                    const struct ot_read_result *res, ot_status st, const struct ot_error *err)
{
    struct measure *ms = ctx;
    struct worker_ctx *wc = wctx;
    if (wc == NULL) {
        ms->nomem = true;
        return;
    }
    struct cost_measured *m = &wc->w.m;
    unsigned trail = trail_of(ms, in->path);
    for (size_t i = wc->w.file_start; i < wc->w.nids; i++) {
        wc->w.ids[i] |= (uint64_t)trail << 3;
    }
    wc->w.file_start = wc->w.nids;
    ms->m->trails[trail].records += res->records;
    if (st != OT_OK) {
        cli_print_error(err);
        m->bad_files++;
    }
    m->bad_records += res->bad;
    if (res->shape == OT_SHAPE_DIGEST || (res->records == 0 && st == OT_OK)) {
        wc->w.file_day[0] = '\0';
        return; /* digests are not events; their bytes are not the trail's logs */
    }
    m->files++;
    m->bytes_in += res->bytes_in;
    m->bytes_json += res->bytes_json;
    if (res->is_gzip) {
        m->bytes_in_gzip += res->bytes_in;
        m->bytes_json_gzip += res->bytes_json;
    }
    char day[11];
    if (!day_from_name(in->path, day)) {
        (void)snprintf(day, sizeof(day), "%s", wc->w.file_day[0] ? wc->w.file_day : "(no date)");
    }
    struct cost_day *d = day_slot(m, day);
    if (d != NULL) {
        d->bytes_in += res->bytes_in;
        d->bytes_json += res->bytes_json;
    }
    wc->w.file_day[0] = '\0';
}

static void worker_fini(void *ctx, void *wctx)
{
    struct measure *ms = ctx;
    struct worker_ctx *wc = wctx;
    if (wc == NULL) {
        ms->nomem = true;
        return;
    }
    struct cost_measured *m = ms->m, *x = &wc->w.m;
    ms->nomem = ms->nomem || wc->w.nomem;
    m->files += x->files;
    m->records += x->records;
    m->bad_files += x->bad_files;
    m->bad_records += x->bad_records;
    m->no_id += x->no_id;
    m->bytes_in += x->bytes_in;
    m->bytes_json += x->bytes_json;
    m->bytes_in_gzip += x->bytes_in_gzip;
    m->bytes_json_gzip += x->bytes_json_gzip;
    for (int i = 0; i < CAT_COUNT; i++) {
        m->cat[i] += x->cat[i];
    }
    m->noisy[0] += x->noisy[0];
    m->noisy[1] += x->noisy[1];
    for (size_t i = 0; i < x->nsvc; i++) {
        add_service(m, ot_sv_cstr(x->svc[i].name), x->svc[i].n, x->svc[i].reads);
    }
    for (size_t i = 0; i < x->ndays; i++) {
        struct cost_day *d = day_slot(m, x->days[i].day);
        if (d != NULL) {
            d->records += x->days[i].records;
            d->bytes_in += x->days[i].bytes_in;
            d->bytes_json += x->days[i].bytes_json;
        }
    }
    if (x->first[0]) {
        range_add(m, ot_sv_cstr(x->first));
        range_add(m, ot_sv_cstr(x->last));
    }
    for (unsigned i = 0; i < wc->w.nregions; i++) {
        add_region(ms->regions, &ms->nregions, ot_sv_cstr(wc->w.regions[i]));
    }
    /* move this worker's eventIDs into the shared list, up to the cap */
    size_t take = wc->w.nids;
    if (take > COST_MAX_IDS - ms->nids) {
        take = COST_MAX_IDS - ms->nids;
        ms->ids_capped = true;
    }
    if (take > 0 && ms->nids + take > ms->cap) {
        size_t cap = ms->nids + take;
        uint64_t *v = ot_realloc(ms->ids, cap * sizeof(*v));
        if (v == NULL) {
            ms->nomem = true;
            take = 0;
        } else {
            ms->ids = v;
            ms->cap = cap;
        }
    }
    if (take > 0) {
        memcpy(ms->ids + ms->nids, wc->w.ids, take * sizeof(*ms->ids));
        ms->nids += take;
    }
    ot_free(wc->w.ids);
    ot_free(wc);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int by_day(const void *a, const void *b)
{
    return strcmp(((const struct cost_day *)a)->day, ((const struct cost_day *)b)->day);
}

/* Count copies: after sorting, equal hashes sit together; all but one are
 * copies. An eventID seen in one trail only counts as only_here there. */
static void count_copies(struct measure *ms)
{
    struct cost_measured *m = ms->m;
    if (ms->nids > 1) {
        qsort(ms->ids, ms->nids, sizeof(*ms->ids), by_u64);
    }
    for (size_t i = 0; i < ms->nids;) {
        size_t j = i + 1;
        bool several = false;
        while (j < ms->nids && (ms->ids[j] & ~0xffull) == (ms->ids[i] & ~0xffull)) {
            m->dups[ms->ids[j] & 7]++;
            several = several || ((ms->ids[j] >> 3) & 31) != ((ms->ids[i] >> 3) & 31);
            j++;
        }
        for (size_t k = i; k < j; k++) {
            unsigned t = (unsigned)((ms->ids[k] >> 3) & 31);
            if (several) {
                m->trails[t].shared++;
            } else {
                m->trails[t].only_here++;
            }
        }
        i = j;
    }
    m->ids_capped = ms->ids_capped;
}

static uint64_t project(uint64_t n, unsigned days)
{
    return n / days * 30 + n % days * 30 / days; /* no overflow below 2^59 */
}

/* The measured month as a scenario: one copy of management events plus the
 * copies seen, every data and network activity event as delivered. */
static void to_scenario(const struct cost_opts *o, const struct measure *ms, struct ot_scenario *s)
{
    const struct cost_measured *m = ms->m;
    unsigned d = m->days_used;
    (void)snprintf(s->name, sizeof(s->name), "measured: %s", o->from[0]);
    s->scope = OT_SCOPE_CLOUDTRAIL | OT_SCOPE_S3;
    s->mgmt_read = project(m->cat[CAT_MGMT_READ] - m->dups[CAT_MGMT_READ], d);
    s->mgmt_write = project(m->cat[CAT_MGMT_WRITE] - m->dups[CAT_MGMT_WRITE], d);
    s->direct_mgmt_additional = project(m->dups[CAT_MGMT_READ] + m->dups[CAT_MGMT_WRITE], d);
    s->network_activity = project(m->cat[CAT_NETWORK], d);
    for (size_t i = 0; i < m->nsvc && s->nservices < OT_SCN_MAX_SERVICES; i++) {
        struct ot_scn_service *v = &s->services[s->nservices++];
        (void)snprintf(v->name, sizeof(v->name), "%s", m->svc[i].name);
        v->events = project(m->svc[i].n, d);
        v->read_pct = (unsigned)((m->svc[i].reads * 100 + m->svc[i].n / 2) / m->svc[i].n);
        v->selected_pct = 100;
    }
    uint64_t mgmt = m->cat[CAT_MGMT_READ] + m->cat[CAT_MGMT_WRITE];
    for (int i = 0; i < 2 && mgmt > 0; i++) {
        unsigned pct = (unsigned)((m->noisy[i] * 100 + mgmt / 2) / mgmt);
        if (pct > 0) {
            struct ot_scn_source *src = &s->sources[s->nsources++];
            (void)snprintf(src->name, sizeof(src->name), "%s", cost_noisy_sources[i]);
            src->pct = pct;
        }
    }
    struct ot_scn_trail *t = &s->trails[s->ntrails++];
    memset(t, 0, sizeof(*t));
    (void)snprintf(t->name, sizeof(t->name), "%s", "measured");
    t->copies = 1;
    t->regions = ms->nregions ? ms->nregions : 1;
    t->accounts = 1;
    t->mgmt_read = t->mgmt_write = true;
    t->data_all = true;
    t->data_read = true;
    t->network_activity = m->cat[CAT_NETWORK] > 0;
    t->log_file_validation = true;
    t->s3 = true;
    if (m->records > 0) {
        s->bytes_per_event = (m->bytes_in + m->records / 2) / m->records;
        s->raw_bytes_per_event = (m->bytes_json + m->records / 2) / m->records;
        s->selfhost_bytes_per_event =
            m->bytes_json_gzip > 0
                ? (m->bytes_in_gzip * s->raw_bytes_per_event + m->bytes_json_gzip / 2) /
                      m->bytes_json_gzip
                : 0;
    }
}

int cost_measure(const struct cost_opts *o, struct cost_result *r)
{
    struct measure ms = { 0 };
    struct ot_inputs in = { 0 };
    struct ot_error err;
    struct cli_read_opts ro = o->read;
    int rc = CLI_OK;

    ot_error_clear(&err);
    ms.m = r->m = ot_calloc(1, sizeof(*r->m));
    if (ms.m == NULL) {
        (void)fprintf(stderr, "opentrail cost: out of memory\n");
        return CLI_SYSTEM;
    }
    for (int i = 0; i < P_COUNT && rc == CLI_OK; i++) {
        if (ot_path_compile(ot_sv_cstr(paths[i]), &ms.p[i], &err) != OT_OK) {
            cli_print_error(&err);
            rc = CLI_SYSTEM;
        }
    }
    for (int i = 0; i < o->nfrom && rc == CLI_OK; i++) {
        ot_status st = ot_inputs_add(&in, o->from[i], on_error, NULL, &err);
        if (st != OT_OK) {
            cli_print_error(&err);
            rc = st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
        }
    }
    if (rc == CLI_OK) {
        struct ot_scan_ops ops = {
            .worker_init = worker_init,
            .worker_fini = worker_fini,
            .on_record = on_record_ctx,
            .on_error = on_error,
            .on_file = on_file,
        };
        ro.read.read_insights = true; /* Insights events are part of the trail's volume */
        if (ot_scan_run(&in, ro.jobs ? ro.jobs : cli_ncpu(), &ro.read, &ops, &ms, &err) != OT_OK) {
            cli_print_error(&err);
            rc = CLI_SYSTEM;
        }
    }
    if (rc == CLI_OK && ms.nomem) {
        (void)fprintf(stderr, "opentrail cost: out of memory measuring the logs\n");
        rc = CLI_SYSTEM;
    }
    if (rc == CLI_OK && ms.m->records == 0) {
        (void)fprintf(stderr,
                      "opentrail cost: %s: no CloudTrail records found (point --from at "
                      "an AWSLogs/ tree or log files)\n",
                      o->from[0]);
        rc = ms.m->bad_files > 0 ? CLI_BADINPUT : CLI_USAGE;
    }
    if (rc == CLI_OK) {
        count_copies(&ms);
        qsort(ms.m->days, ms.m->ndays, sizeof(ms.m->days[0]), by_day);
        unsigned ndays = 0;
        for (size_t i = 0; i < ms.m->ndays; i++) {
            ndays += ms.m->days[i].records > 0;
        }
        ms.m->days_auto = o->days_observed == 0;
        ms.m->days_used = o->days_observed ? o->days_observed : (ndays ? ndays : 1);
        ms.m->nregions = ms.nregions;
        to_scenario(o, &ms, r->s);
        if (ms.m->bad_files > 0 || ms.m->bad_records > 0) {
            rc = CLI_BADINPUT; /* priced what could be read; the errors were printed */
        }
    }
    for (int i = 0; i < P_COUNT; i++) {
        ot_path_free(ms.p[i]);
    }
    ot_free(ms.ids);
    ot_inputs_cleanup(&in);
    return rc;
}
