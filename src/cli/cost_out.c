/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cost_out.c - `opentrail cost` outputs: a text table for a terminal,
 * one JSON object (jansson) and CSV. Money is printed from integer
 * micro-dollars: cents in tables, micro-dollars as integers in JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cost.h"

void cost_result_cleanup(struct cost_result *r)
{
    ot_free(r->s);
    ot_free(r->cost);
    ot_free(r->advice);
    ot_free(r->m);
    memset(r, 0, sizeof(*r));
}

const struct ot_cost_line *cost_largest_line(const struct ot_cost *c)
{
    const struct ot_cost_line *big = NULL;
    for (size_t i = 0; i < c->nlines; i++) {
        if (c->lines[i].years3 > 0 && (big == NULL || c->lines[i].years3 > big->years3)) {
            big = &c->lines[i];
        }
    }
    return big;
}

void cost_fmt_count(uint64_t n, char *out, size_t cap)
{
    char d[32];
    int nd = snprintf(d, sizeof(d), "%llu", (unsigned long long)n);
    size_t k = 0;
    for (int i = 0; i < nd && k + 2 < cap; i++) {
        if (i > 0 && (nd - i) % 3 == 0) {
            out[k++] = ',';
        }
        out[k++] = d[i];
    }
    out[k < cap ? k : cap - 1] = '\0';
}

void cost_fmt_qty(const struct ot_cost_line *l, uint64_t qty, char *out, size_t cap)
{
    if (l->qty_is_bytes) {
        __extension__ typedef unsigned __int128 u128;
        uint64_t centi = (uint64_t)(((u128)qty * 100 + OT_GIB / 2) / OT_GIB);
        char whole[24];
        cost_fmt_count(centi / 100, whole, sizeof(whole));
        (void)snprintf(out, cap, "%s.%02llu", whole, (unsigned long long)(centi % 100));
        return;
    }
    cost_fmt_count(qty, out, cap);
}

static const char *usd(int64_t micros, char *buf, size_t n)
{
    ot_format_usd(micros, false, buf, n);
    return buf;
}

static const char *qty_unit(const struct ot_cost_line *l)
{
    /* byte lines are shown in GB of the price's unit (GB or GB-month) */
    return l->unit;
}

/* Seconds between two eventTimes "YYYY-MM-DDTHH:MM:SSZ", -1 if either is not one. */
long long cost_window_seconds(const char *first, const char *last)
{
    struct tm a = { 0 }, b = { 0 };
    const char *ea = strptime(first, "%Y-%m-%dT%H:%M:%S", &a);
    const char *eb = strptime(last, "%Y-%m-%dT%H:%M:%S", &b);
    if (ea == NULL || eb == NULL) {
        return -1;
    }
    return (long long)(timegm(&b) - timegm(&a));
}

static void print_measured(const struct cost_measured *m)
{
    static const char *const names[CAT_COUNT] = { "management, read", "management, write", "data",
                                                  "network activity", "Insights" };
    char a[32], b[32], c[32];
    (void)printf("measured: %llu records in %llu files, %s .. %s\n", (unsigned long long)m->records,
                 (unsigned long long)m->files, m->first, m->last);
    (void)printf("projected to a 30-day month from %u day%s (%s)\n\n", m->days_used,
                 m->days_used == 1 ? "" : "s",
                 m->days_auto ? "auto: distinct days of eventTime; --days-observed N to change"
                              : "--days-observed");
    long long span = cost_window_seconds(m->first, m->last);
    if (m->days_auto && span >= 0 && span < 20 * 3600) {
        (void)printf("note: the events span %lld min only, counted as %u whole day%s: if the "
                     "trail was logging all day, the month is right; if this is a sample of a "
                     "busier day, scale with --days-observed\n\n",
                     span / 60, m->days_used, m->days_used == 1 ? "" : "s");
    }
    (void)printf("%-34s %14s %14s %16s\n", "events", "observed", "extra copies", "projected/month");
    for (int i = 0; i < CAT_COUNT; i++) {
        cost_fmt_count(m->cat[i], a, sizeof(a));
        cost_fmt_count(m->dups[i], b, sizeof(b));
        cost_fmt_count(m->cat[i] * 30 / (m->days_used ? m->days_used : 1), c, sizeof(c));
        (void)printf("%-34s %14s %14s %16s\n", names[i], a, b, c);
    }
    for (size_t i = 0; i < m->nsvc; i++) {
        char label[80];
        (void)snprintf(label, sizeof(label), "  data, %s", m->svc[i].name);
        cost_fmt_count(m->svc[i].n, a, sizeof(a));
        cost_fmt_count(m->svc[i].n * 30 / (m->days_used ? m->days_used : 1), c, sizeof(c));
        (void)printf("%-34s %14s %14s %16s\n", label, a, "", c);
    }
    for (int i = 0; i < 2; i++) {
        if (m->noisy[i] > 0) {
            char label[80];
            (void)snprintf(label, sizeof(label), "  management, %s", cost_noisy_sources[i]);
            cost_fmt_count(m->noisy[i], a, sizeof(a));
            cost_fmt_count(m->noisy[i] * 30 / (m->days_used ? m->days_used : 1), c, sizeof(c));
            (void)printf("%-34s %14s %14s %16s\n", label, a, "", c);
        }
    }
    if (m->no_id > 0) {
        (void)printf("(%llu records without eventID are never counted as copies)\n",
                     (unsigned long long)m->no_id);
    }
    if (m->ids_capped) {
        (void)printf("(copies were counted over the first %u eventIDs only)\n", COST_MAX_IDS);
    }
    if (m->ntrails > 1) {
        (void)printf("\n%-40s %12s %14s %12s\n", "trail (where its files are)", "records",
                     "in others too", "only here");
        for (size_t i = 0; i < m->ntrails; i++) {
            cost_fmt_count(m->trails[i].records, a, sizeof(a));
            cost_fmt_count(m->trails[i].shared, b, sizeof(b));
            cost_fmt_count(m->trails[i].only_here, c, sizeof(c));
            (void)printf("%-40s %12s %14s %12s\n", m->trails[i].path, a, b, c);
        }
        (void)printf("(a trail with nothing only here duplicates the others: see --advise)\n");
    }
    (void)printf("\n%-12s %12s %16s %16s\n", "day", "records", "bytes read", "JSON bytes");
    for (size_t i = 0; i < m->ndays; i++) {
        cost_fmt_count(m->days[i].records, a, sizeof(a));
        cost_fmt_count(m->days[i].bytes_in, b, sizeof(b));
        cost_fmt_count(m->days[i].bytes_json, c, sizeof(c));
        (void)printf("%-12s %12s %16s %16s\n", m->days[i].day, a, b, c);
    }
    if (m->bytes_in_gzip > 0) {
        (void)printf("gzip compression measured: %.1fx (%llu JSON bytes in %llu gzip bytes)\n",
                     (double)m->bytes_json_gzip / (double)m->bytes_in_gzip,
                     (unsigned long long)m->bytes_json_gzip, (unsigned long long)m->bytes_in_gzip);
    } else {
        (void)printf("no gzip files: S3 bytes are priced at the JSON size (AWS delivers gzip)\n");
    }
    (void)printf("\n");
}

static void print_growth(const struct ot_cost *c)
{
    bool used[OT_TIER_COUNT] = { false };
    char a[32], b[32], d[32], e[32];
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        for (int t = 0; t < OT_TIER_COUNT; t++) {
            used[t] = used[t] || c->growth[m].bytes[t] > 0;
        }
    }
    if (c->growth[OT_COST_MONTHS - 1].bytes_flat == 0) {
        return;
    }
    (void)printf("\nS3 storage month by month (GB stored with the lifecycle rules; cost with and "
                 "without them)\n%-6s",
                 "month");
    for (int t = 0; t < OT_TIER_COUNT; t++) {
        if (used[t]) {
            (void)printf(" %16s", ot_tier_name((enum ot_tier)t));
        }
    }
    (void)printf(" %13s %16s %13s\n", "storage", "no lifecycle", "all costs");
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        const struct ot_growth *g = &c->growth[m];
        (void)printf("%-6u", m + 1);
        for (int t = 0; t < OT_TIER_COUNT; t++) {
            if (used[t]) {
                struct ot_cost_line gb = { .qty_is_bytes = true };
                cost_fmt_qty(&gb, g->bytes[t], a, sizeof(a));
                (void)printf(" %16s", a);
            }
        }
        (void)printf(" %13s %16s %13s\n", usd(g->storage, b, sizeof(b)),
                     usd(g->storage_flat, d, sizeof(d)), usd(g->total, e, sizeof(e)));
    }
}

static void print_advice(const struct ot_advice_list *al, const struct ot_cost *c)
{
    char a[32], b[32], d[32], e[32];
    (void)printf("\nsavings advice (average per month over 36 months; each re-prices the "
                 "scenario)\n");
    if (al->n == 0) {
        (void)printf("  nothing to save: the trails already log only what they need\n");
    }
    for (size_t i = 0; i < al->n; i++) {
        const struct ot_advice *v = &al->v[i];
        (void)printf("  %12s/month %14s/3y  %s\n", usd(v->save_month, a, sizeof(a)),
                     usd(v->save_years3, b, sizeof(b)), v->title);
        (void)printf("  %12s %18s   gives up: %s\n", "", "", v->gives_up);
    }
    struct ot_cost_line gb = { .qty_is_bytes = true };
    if (al->selfhost_bytes_month == 0) {
        (void)printf("\nself-hosted on opentrail, the %s over 3 years above becomes the cost of "
                     "a disk: give events.bytes_per_event, or measure it with --from, to price "
                     "it\n",
                     usd(c->years3, e, sizeof(e)));
        return;
    }
    cost_fmt_qty(&gb, al->selfhost_bytes_month, a, sizeof(a));
    (void)printf("\nself-hosted on opentrail: %s GB of gzip logs a month on your own disk, %s the "
                 "first month and %s over 3 years at the price book's disk price (%s on AWS)\n",
                 a, usd(al->selfhost_month1, b, sizeof(b)), usd(al->selfhost_years3, d, sizeof(d)),
                 usd(c->years3, e, sizeof(e)));
}

int cost_print_text(const struct cost_opts *o, const struct cost_result *r)
{
    const struct ot_cost *c = r->cost;
    char q[40], a[32], b[32], d[32];
    (void)printf("%s - region %s\n", r->s->name, r->pb->region);
    (void)printf("prices: %s price book %s, %s (opentrail cost --print-prices lists them with "
                 "their sources)\n\n",
                 o->prices ? o->prices : "built-in", r->pb->version, r->pb->currency);
    if (r->m != NULL) {
        print_measured(r->m);
    }
    (void)printf("%-10s %-40s %14s %-13s %11s %12s %12s\n", "component", "item", "quantity/month",
                 "unit", "month 1", "year 1", "3 years");
    for (size_t i = 0; i < c->nlines; i++) {
        const struct ot_cost_line *l = &c->lines[i];
        cost_fmt_qty(l, l->quantity, q, sizeof(q));
        (void)printf("%-10s %-40s %14s %-13s %11s %12s %12s\n", l->component, l->item, q,
                     qty_unit(l), usd(l->month1, a, sizeof(a)), usd(l->year1, b, sizeof(b)),
                     usd(l->years3, d, sizeof(d)));
    }
    (void)printf("%-10s %-40s %14s %-13s %11s %12s %12s\n", "TOTAL", "", "", "",
                 usd(c->month1, a, sizeof(a)), usd(c->year1, b, sizeof(b)),
                 usd(c->years3, d, sizeof(d)));
    const struct ot_cost_line *big = cost_largest_line(c);
    if (big != NULL) {
        (void)printf("\nlargest line: %s, %s: %s of %s over 3 years (%.1f%%)\n", big->component,
                     big->item, usd(big->years3, a, sizeof(a)), usd(c->years3, b, sizeof(b)),
                     100.0 * (double)big->years3 / (double)c->years3);
    }
    /* per component */
    (void)printf("\n%-12s %12s %13s %13s %7s\n", "by component", "month 1", "year 1", "3 years",
                 "share");
    for (size_t i = 0; i < c->nlines; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(c->lines[j].component, c->lines[i].component) == 0;
        }
        if (seen) {
            continue;
        }
        int64_t m1 = 0, y1 = 0, y3 = 0;
        for (size_t j = i; j < c->nlines; j++) {
            if (strcmp(c->lines[j].component, c->lines[i].component) == 0) {
                m1 += c->lines[j].month1;
                y1 += c->lines[j].year1;
                y3 += c->lines[j].years3;
            }
        }
        (void)printf("%-12s %12s %13s %13s %6.1f%%\n", c->lines[i].component, usd(m1, a, sizeof(a)),
                     usd(y1, b, sizeof(b)), usd(y3, d, sizeof(d)),
                     c->years3 > 0 ? 100.0 * (double)y3 / (double)c->years3 : 0.0);
    }
    print_growth(c);
    if (o->advise) {
        print_advice(r->advice, c);
    }
    return CLI_OK;
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *money(int64_t micros)
{
    char s[48];
    ot_format_usd(micros, true, s, sizeof(s));
    /* "$1,234.56" -> "1234.56": a plain decimal string, exact */
    char plain[48];
    size_t k = 0;
    for (const char *p = s; *p != '\0' && k + 1 < sizeof(plain); p++) {
        if (*p != '$' && *p != ',') {
            plain[k++] = *p;
        }
    }
    plain[k] = '\0';
    return json_string(plain);
}

static int emit(json_t *root)
{
    if (root == NULL) {
        (void)fprintf(stderr, "opentrail cost: out of memory writing JSON\n");
        return CLI_SYSTEM;
    }
    int bad = json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    (void)putchar('\n');
    return bad ? CLI_SYSTEM : CLI_OK;
}

static json_t *measured_json(const struct cost_measured *m)
{
    json_t *days = json_array();
    json_t *svc = json_object();
    for (size_t i = 0; i < m->ndays; i++) {
        (void)json_array_append_new(days,
                                    json_pack("{s:s,s:I,s:I,s:I}", "day", m->days[i].day, "records",
                                              (json_int_t)m->days[i].records, "bytes_read",
                                              (json_int_t)m->days[i].bytes_in, "json_bytes",
                                              (json_int_t)m->days[i].bytes_json));
    }
    json_t *reads = json_object(), *noisy = json_object();
    for (size_t i = 0; i < m->nsvc; i++) {
        (void)json_object_set_new(svc, m->svc[i].name, json_integer((json_int_t)m->svc[i].n));
        (void)json_object_set_new(reads, m->svc[i].name, json_integer((json_int_t)m->svc[i].reads));
    }
    for (int i = 0; i < 2; i++) {
        (void)json_object_set_new(noisy, cost_noisy_sources[i],
                                  json_integer((json_int_t)m->noisy[i]));
    }
    json_t *trails = json_array();
    for (size_t i = 0; i < m->ntrails; i++) {
        (void)json_array_append_new(
            trails, json_pack("{s:s,s:I,s:I,s:I}", "path", m->trails[i].path, "records",
                              (json_int_t)m->trails[i].records, "in_other_trails_too",
                              (json_int_t)m->trails[i].shared, "only_here",
                              (json_int_t)m->trails[i].only_here));
    }
    return json_pack(
        "{s:I,s:I,s:I,s:s,s:s,s:i,s:b,s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:I},s:o,s:o,s:o,"
        "s:o,s:I,s:o}",
        "records", (json_int_t)m->records, "files", (json_int_t)m->files, "window_seconds",
        (json_int_t)cost_window_seconds(m->first, m->last), "first_event_time", m->first,
        "last_event_time", m->last, "days_observed", (int)m->days_used, "days_auto", m->days_auto,
        "observed", "management_read", (json_int_t)m->cat[CAT_MGMT_READ], "management_write",
        (json_int_t)m->cat[CAT_MGMT_WRITE], "data", (json_int_t)m->cat[CAT_DATA],
        "network_activity", (json_int_t)m->cat[CAT_NETWORK], "insights",
        (json_int_t)m->cat[CAT_INSIGHT], "extra_copies", "management_read",
        (json_int_t)m->dups[CAT_MGMT_READ], "management_write", (json_int_t)m->dups[CAT_MGMT_WRITE],
        "data", (json_int_t)m->dups[CAT_DATA], "network_activity", (json_int_t)m->dups[CAT_NETWORK],
        "insights", (json_int_t)m->dups[CAT_INSIGHT], "data_by_service", svc,
        "data_reads_by_service", reads, "management_sources", noisy, "trails", trails,
        "without_event_id", (json_int_t)m->no_id, "days", days);
}

/* Lines summed by component, in the order they first appear. */
static json_t *components_json(const struct ot_cost *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < c->nlines; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(c->lines[j].component, c->lines[i].component) == 0;
        }
        if (seen) {
            continue;
        }
        int64_t m1 = 0, y1 = 0, y3 = 0;
        for (size_t j = i; j < c->nlines; j++) {
            if (strcmp(c->lines[j].component, c->lines[i].component) == 0) {
                m1 += c->lines[j].month1;
                y1 += c->lines[j].year1;
                y3 += c->lines[j].years3;
            }
        }
        (void)json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:o}", "component",
                                                   c->lines[i].component, "month_usd", money(m1),
                                                   "year_usd", money(y1), "years3_usd", money(y3)));
    }
    return arr;
}

int cost_print_json(const struct cost_opts *o, const struct cost_result *r)
{
    const struct ot_cost *c = r->cost;
    json_t *lines = json_array(), *growth = json_array(), *advice = NULL;
    (void)o;
    for (size_t i = 0; i < c->nlines; i++) {
        const struct ot_cost_line *l = &c->lines[i];
        (void)json_array_append_new(
            lines, json_pack("{s:s,s:s,s:s,s:I,s:s,s:b,s:o,s:I,s:o,s:o,s:o}", "component",
                             l->component, "item", l->item, "price_id", l->price_id, "quantity",
                             (json_int_t)l->quantity, "unit", l->unit, "quantity_in_bytes",
                             l->qty_is_bytes, "price_usd", money(l->price_micros), "price_per",
                             (json_int_t)l->price_per, "month_usd", money(l->month1), "year_usd",
                             money(l->year1), "years3_usd", money(l->years3)));
    }
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        const struct ot_growth *g = &c->growth[m];
        json_t *tiers = json_object();
        for (int t = 0; t < OT_TIER_COUNT; t++) {
            (void)json_object_set_new(tiers, ot_tier_name((enum ot_tier)t),
                                      json_integer((json_int_t)g->bytes[t]));
        }
        (void)json_array_append_new(
            growth, json_pack("{s:i,s:o,s:I,s:o,s:o,s:o}", "month", (int)m + 1, "bytes", tiers,
                              "bytes_without_lifecycle", (json_int_t)g->bytes_flat, "storage_usd",
                              money(g->storage), "storage_without_lifecycle_usd",
                              money(g->storage_flat), "total_usd", money(g->total)));
    }
    if (o->advise) {
        advice = json_array();
        for (size_t i = 0; i < r->advice->n; i++) {
            const struct ot_advice *v = &r->advice->v[i];
            (void)json_array_append_new(
                advice, json_pack("{s:s,s:s,s:s,s:o,s:o}", "id", v->id, "title", v->title,
                                  "gives_up", v->gives_up, "save_month_usd", money(v->save_month),
                                  "save_years3_usd", money(v->save_years3)));
        }
    }
    json_t *root = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:o,s:{s:o,s:o,s:o},s:o}", "scenario", r->s->name, "region",
        r->pb->region, "price_book", "version", r->pb->version, "currency", r->pb->currency, "file",
        o->prices ? o->prices : "built-in", "lines", lines, "total", "month_usd", money(c->month1),
        "year_usd", money(c->year1), "years3_usd", money(c->years3), "growth", growth);
    if (root != NULL) {
        (void)json_object_set_new(root, "components", components_json(c));
    }
    if (root != NULL && advice != NULL) {
        (void)json_object_set_new(root, "advice", advice);
        (void)json_object_set_new(root, "selfhost",
                                  json_pack("{s:I,s:o,s:o}", "bytes_per_month",
                                            (json_int_t)r->advice->selfhost_bytes_month,
                                            "month_usd", money(r->advice->selfhost_month1),
                                            "years3_usd", money(r->advice->selfhost_years3)));
    }
    if (root != NULL && r->m != NULL) {
        (void)json_object_set_new(root, "measured", measured_json(r->m));
    }
    return emit(root);
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
        (void)fputs(s, stdout);
        return;
    }
    (void)putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"') {
            (void)putchar('"');
        }
        (void)putchar(*s);
    }
    (void)putchar('"');
}

static const char *plain_usd(int64_t micros, char *buf, size_t n)
{
    char s[48];
    size_t k = 0;
    ot_format_usd(micros, true, s, sizeof(s));
    for (const char *p = s; *p != '\0' && k + 1 < n; p++) {
        if (*p != '$' && *p != ',') {
            buf[k++] = *p;
        }
    }
    buf[k] = '\0';
    return buf;
}

int cost_print_csv(const struct cost_opts *o, const struct cost_result *r)
{
    const struct ot_cost *c = r->cost;
    char a[48], b[48], d[48], e[48];
    (void)printf("component,item,price_id,quantity,unit,price_usd,price_per,month_usd,year_usd,"
                 "years3_usd\n");
    for (size_t i = 0; i < c->nlines; i++) {
        const struct ot_cost_line *l = &c->lines[i];
        csv_field(l->component);
        (void)putchar(',');
        csv_field(l->item);
        (void)printf(",%s,%llu,%s%s,%s,%llu,%s,%s,%s\n", l->price_id,
                     (unsigned long long)l->quantity, l->qty_is_bytes ? "bytes of " : "", l->unit,
                     plain_usd(l->price_micros, a, sizeof(a)), (unsigned long long)l->price_per,
                     plain_usd(l->month1, b, sizeof(b)), plain_usd(l->year1, d, sizeof(d)),
                     plain_usd(l->years3, e, sizeof(e)));
    }
    (void)printf("TOTAL,,,,,,,%s,%s,%s\n", plain_usd(c->month1, b, sizeof(b)),
                 plain_usd(c->year1, d, sizeof(d)), plain_usd(c->years3, e, sizeof(e)));
    if (o->advise) {
        for (size_t i = 0; i < r->advice->n; i++) {
            const struct ot_advice *v = &r->advice->v[i];
            (void)printf("ADVICE,");
            csv_field(v->title);
            (void)printf(",%s,,,,,-%s,,-%s\n", v->id, plain_usd(v->save_month, b, sizeof(b)),
                         plain_usd(v->save_years3, e, sizeof(e)));
        }
    }
    return CLI_OK;
}
