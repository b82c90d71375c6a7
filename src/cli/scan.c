/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/scan.c - `opentrail scan`: filter patterns, or the CIS alarm pack, over
 * CloudTrail files and trees, like grep for CloudTrail: per rule, how many
 * records matched and which (the first --events of each, in input order).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_RULES 64

/* Matches per period of one rule: open addressing on the period's start. */
struct pmap {
    struct ot_series_point *v; /* start_ms INT64_MIN = empty slot */
    size_t cap, used;
};

static bool pmap_add(struct pmap *m, int64_t start, const struct ot_datapoint *dp)
{
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct ot_series_point *v = ot_malloc(cap * sizeof(*v));
        if (v == NULL) {
            return false;
        }
        for (size_t i = 0; i < cap; i++) {
            v[i].start_ms = INT64_MIN;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (m->v[i].start_ms != INT64_MIN) {
                size_t j = (size_t)((uint64_t)m->v[i].start_ms / 1000 * 2654435761u) & (cap - 1);
                while (v[j].start_ms != INT64_MIN) {
                    j = (j + 1) & (cap - 1);
                }
                v[j] = m->v[i];
            }
        }
        ot_free(m->v);
        m->v = v;
        m->cap = cap;
    }
    size_t j = (size_t)((uint64_t)start / 1000 * 2654435761u) & (m->cap - 1);
    while (m->v[j].start_ms != INT64_MIN && m->v[j].start_ms != start) {
        j = (j + 1) & (m->cap - 1);
    }
    if (m->v[j].start_ms == INT64_MIN) {
        m->v[j].start_ms = start;
        memset(&m->v[j].dp, 0, sizeof(m->v[j].dp));
        m->used++;
    }
    struct ot_datapoint *d = &m->v[j].dp;
    if (!d->present) {
        *d = *dp;
    } else {
        d->sum += dp->sum;
        d->count += dp->count;
        d->min = dp->min < d->min ? dp->min : d->min;
        d->max = dp->max > d->max ? dp->max : d->max;
    }
    return true;
}

static void pmap_cleanup(struct pmap *m)
{
    ot_free(m->v);
    memset(m, 0, sizeof(*m));
}

/* The alarm every scan rule gets with --alarms: the CIS recipe (watch/cis.c). */
#define cis_alarm (*ot_cis_alarm())

struct rule {
    char id[32];
    const struct ot_cis_rule *cis; /* NULL for -p patterns */
    struct ot_pattern *pattern;
    unsigned long long matches;
    struct ot_buf events; /* the first max_events, one per line (text or JSON) */
    unsigned long long kept;
    struct pmap series; /* --alarms: matches per period */
};

struct scan {
    struct rule rules[MAX_RULES];
    unsigned nrules;
    long long max_events;
    bool json;
    bool fail_on_match;
    bool alarms;
    bool nomem; /* a worker ran out of memory: the result is incomplete */
    struct ot_pattern *pats[MAX_RULES];
    struct ot_pattern_set *set; /* all rules, sharing field lookups */
    struct ot_path *f_time, *f_name, *f_arn, *f_ip, *f_id, *f_region, *f_acct, *f_err, *f_type;
};

/* What a worker found in the input it is reading: rule index, then the event line. */
struct hit {
    unsigned rule;
    size_t off, len; /* in the worker's hits buffer */
};

struct scan_worker {
    struct ot_matcher *m;
    unsigned long long matches[MAX_RULES]; /* in this input */
    unsigned long long kept[MAX_RULES];
    struct hit *hits;
    size_t nhits, cap;
    struct pmap series[MAX_RULES];
    struct ot_buf text;
    bool nomem;
};

static void put_field(struct ot_buf *b, const struct ot_record *rec, const struct ot_path *p,
                      const char *absent)
{
    struct ot_value v = ot_record_get(rec, p);
    if (v.type == OT_ABSENT || v.type == OT_NULL) {
        (void)ot_buf_append_cstr(b, absent); /* memory failure is caught by the caller */
    } else {
        (void)ot_value_text(v, b);
    }
}

/* One line a responder can act on: when, where, who, what, from where, the id. */
static ot_status event_line(const struct scan *s, const struct ot_record *rec, struct ot_buf *b)
{
    if (s->json) {
        ot_status st = ot_value_compact(ot_record_root(rec), b);
        return st == OT_OK ? ot_buf_putc(b, '\n') : st;
    }
    (void)ot_buf_append_cstr(b, "  ");
    put_field(b, rec, s->f_time, "-");
    (void)ot_buf_append_cstr(b, "  ");
    put_field(b, rec, s->f_region, "-");
    (void)ot_buf_append_cstr(b, "  ");
    put_field(b, rec, s->f_acct, "-");
    (void)ot_buf_append_cstr(b, "  ");
    put_field(b, rec, s->f_name, "-");
    (void)ot_buf_append_cstr(b, "  ");
    struct ot_value arn = ot_record_get(rec, s->f_arn);
    if (arn.type == OT_ABSENT) {
        put_field(b, rec, s->f_type, "?");
    } else {
        (void)ot_value_text(arn, b);
    }
    (void)ot_buf_append_cstr(b, " from ");
    put_field(b, rec, s->f_ip, "?");
    struct ot_value e = ot_record_get(rec, s->f_err);
    if (e.type == OT_STRING) {
        (void)ot_buf_append_cstr(b, "  error ");
        (void)ot_value_text(e, b);
    }
    (void)ot_buf_append_cstr(b, "  eventID ");
    put_field(b, rec, s->f_id, "-");
    return ot_buf_putc(b, '\n');
}

static bool scan_record(struct cli_worker *w, const struct ot_record *rec)
{
    const struct scan *s = w->cr->ctx;
    struct scan_worker *sw = w->cmd;
    if (sw == NULL || sw->nomem) {
        return false;
    }
    bool hits[MAX_RULES];
    if (ot_pattern_set_match(s->set, sw->m, rec, hits) == 0) {
        return true;
    }
    for (unsigned i = 0; i < s->nrules; i++) {
        const struct rule *r = &s->rules[i];
        if (!hits[i]) {
            continue;
        }
        if (r->cis != NULL && r->cis->refine != NULL && !r->cis->refine(rec)) {
            continue;
        }
        sw->matches[i]++;
        if (s->alarms) {
            int64_t ms;
            struct ot_value t = ot_record_get(rec, s->f_time);
            if (t.type == OT_STRING && ot_time_parse_iso(ot_value_raw(t), &ms) == OT_OK) {
                const int64_t p = (int64_t)cis_alarm.period_s * 1000;
                struct ot_datapoint one = { 0 };
                ot_datapoint_add(&one, 1);
                if (!pmap_add(&sw->series[i], ms - ((ms % p) + p) % p, &one)) {
                    sw->nomem = true;
                    return false;
                }
            }
        }
        if (s->max_events >= 0 && (long long)sw->kept[i] >= s->max_events) {
            continue; /* this input alone has enough: the rest are only counted */
        }
        if (sw->nhits == sw->cap) {
            size_t cap = sw->cap ? sw->cap * 2 : 64;
            struct hit *h = ot_realloc(sw->hits, cap * sizeof(*h));
            if (h == NULL) {
                sw->nomem = true;
                return false;
            }
            sw->hits = h;
            sw->cap = cap;
        }
        size_t off = sw->text.len;
        if (event_line(s, rec, &sw->text) != OT_OK) {
            sw->nomem = true;
            return false;
        }
        sw->hits[sw->nhits++] = (struct hit){ i, off, sw->text.len - off };
        sw->kept[i]++;
    }
    return true;
}

/* In input order: move this input's findings into the totals. */
static void scan_commit(struct cli_reader *cr, struct cli_worker *w)
{
    struct scan *s = cr->ctx;
    struct scan_worker *sw = w->cmd;
    if (sw == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->nrules; i++) {
        s->rules[i].matches += sw->matches[i];
        sw->matches[i] = 0;
        sw->kept[i] = 0;
        struct pmap *m = &sw->series[i];
        for (size_t k = 0; k < m->cap; k++) {
            if (m->v[k].start_ms != INT64_MIN &&
                !pmap_add(&s->rules[i].series, m->v[k].start_ms, &m->v[k].dp)) {
                sw->nomem = true;
            }
        }
        pmap_cleanup(m);
    }
    for (size_t k = 0; k < sw->nhits; k++) {
        struct rule *r = &s->rules[sw->hits[k].rule];
        if (s->max_events >= 0 && (long long)r->kept >= s->max_events) {
            continue;
        }
        if (ot_buf_append(&r->events, sw->text.data + sw->hits[k].off, sw->hits[k].len) != OT_OK) {
            sw->nomem = true;
            r->events = OT_BUF_INIT(SIZE_MAX);
        }
        r->kept++;
    }
    sw->nhits = 0;
    ot_buf_reset(&sw->text);
}

static void *scan_init(void *ctx)
{
    (void)ctx; /* per-worker state only */
    struct scan_worker *sw = ot_calloc(1, sizeof(*sw));
    if (sw == NULL) {
        return NULL;
    }
    sw->text = OT_BUF_INIT(SIZE_MAX);
    if (ot_matcher_new(&sw->m) != OT_OK) {
        ot_free(sw);
        return NULL;
    }
    return sw;
}

static void scan_fini(void *ctx, void *cmd)
{
    struct scan *s = ctx;
    struct scan_worker *sw = cmd;
    if (sw == NULL) {
        s->nomem = true;
        return;
    }
    s->nomem = s->nomem || sw->nomem;
    for (unsigned i = 0; i < MAX_RULES; i++) {
        pmap_cleanup(&sw->series[i]);
    }
    ot_matcher_free(sw->m);
    ot_free(sw->hits);
    ot_buf_cleanup(&sw->text);
    ot_free(sw);
}

static int add_rule(struct scan *s, const char *id, const struct ot_cis_rule *cis, const char *text)
{
    if (s->nrules == MAX_RULES) {
        return cli_usage_error("scan", "at most %d patterns", MAX_RULES);
    }
    struct rule *r = &s->rules[s->nrules];
    struct ot_error err;
    ot_error_clear(&err);
    if (ot_pattern_compile(ot_sv_cstr(text), &r->pattern, &err) != OT_OK) {
        (void)fprintf(stderr, "opentrail scan: pattern %s, column %u: %s (%s)\n  %s\n  %*s^\n", id,
                      err.col, err.what, err.fix, text, (int)(err.col ? err.col - 1 : 0), "");
        return CLI_USAGE;
    }
    (void)snprintf(r->id, sizeof(r->id), "%s", id);
    r->cis = cis;
    r->events = OT_BUF_INIT(SIZE_MAX);
    s->nrules++;
    return CLI_OK;
}

struct change {
    int64_t at_ms;
    unsigned rule;
    struct ot_transition t;
};

struct changes {
    struct change *v;
    size_t n, cap;
    unsigned rule;
    bool nomem;
};

static void on_change(void *ctx, const struct ot_transition *t)
{
    struct changes *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct change *v = ot_realloc(c->v, cap * sizeof(*v));
        if (v == NULL) {
            c->nomem = true;
            return;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct change){ t->at_ms, c->rule, *t };
}

static int by_start(const void *a, const void *b)
{
    const struct ot_series_point *x = a, *y = b;
    return x->start_ms < y->start_ms ? -1 : x->start_ms > y->start_ms;
}

static int by_time(const void *a, const void *b)
{
    const struct change *x = a, *y = b;
    if (x->at_ms != y->at_ms) {
        return x->at_ms < y->at_ms ? -1 : 1;
    }
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Replay each rule's alarm over its matches per period; all changes, by time. */
static bool replay(struct scan *s, struct changes *c)
{
    for (unsigned i = 0; i < s->nrules; i++) {
        struct pmap *m = &s->rules[i].series;
        size_t k = 0;
        for (size_t j = 0; j < m->cap; j++) {
            if (m->v[j].start_ms != INT64_MIN) {
                m->v[k++] = m->v[j]; /* compact: the map is not used after this */
            }
        }
        if (k == 0) {
            continue;
        }
        qsort(m->v, k, sizeof(*m->v), by_start);
        c->rule = i;
        if (ot_alarm_replay(&cis_alarm, m->v, k, on_change, c, NULL) != OT_OK) {
            return false;
        }
    }
    if (c->n > 1) {
        qsort(c->v, c->n, sizeof(*c->v), by_time);
    }
    return !c->nomem;
}

static void print_changes(const struct scan *s, const struct changes *c)
{
    (void)printf("\nalarm replay (matches per %u s, Sum >= %g, %u of %u period, quiet periods "
                 "not breaching): %zu state change%s\n",
                 cis_alarm.period_s, cis_alarm.threshold, cis_alarm.datapoints_to_alarm,
                 cis_alarm.evaluation_periods, c->n, c->n == 1 ? "" : "s");
    for (size_t k = 0; k < c->n; k++) {
        char ts[21];
        ot_time_iso(c->v[k].at_ms, ts);
        const struct ot_transition *t = &c->v[k].t;
        (void)printf("  %s  %-28s %s -> %s", ts, s->rules[c->v[k].rule].id,
                     ot_alarm_state_name(t->from), ot_alarm_state_name(t->to));
        if (t->to == OT_ALARM_ALARM && t->has_value) {
            (void)printf("  (%g >= %g in %u min)", t->value, cis_alarm.threshold,
                         cis_alarm.period_s / 60);
        }
        (void)printf("\n");
    }
}

static void print_text(const struct scan *s, const struct cli_reader *cr)
{
    (void)printf("scanned %llu records in %llu files\n\n", cr->rep.records, cr->rep.files);
    (void)printf("%-28s %-5s %-13s %-9s %9s  %s\n", "rule", "CIS", "SecurityHub", "severity",
                 "matches", "title");
    for (unsigned i = 0; i < s->nrules; i++) {
        const struct rule *r = &s->rules[i];
        const struct ot_cis_rule *c = r->cis;
        (void)printf("%-28s %-5s %-13s %-9s %9llu  %s\n", r->id, c && c->cis ? c->cis : "-",
                     c && c->securityhub ? c->securityhub : "-", c ? c->severity : "-", r->matches,
                     c ? c->title : ot_pattern_text(r->pattern).p);
    }
    for (unsigned i = 0; i < s->nrules; i++) {
        const struct rule *r = &s->rules[i];
        if (r->matches == 0 || s->max_events == 0) {
            continue;
        }
        (void)printf("\n%s: %llu match%s\n", r->id, r->matches, r->matches == 1 ? "" : "es");
        (void)fwrite(r->events.data, 1, r->events.len, stdout); /* checked at fflush */
        if (r->matches > r->kept) {
            (void)printf("  ... %llu more (--events N shows more, --events -1 all)\n",
                         r->matches - r->kept);
        }
    }
}

static int print_json(const struct scan *s, const struct cli_reader *cr, const struct changes *ch)
{
    struct ot_buf b = OT_BUF_INIT(SIZE_MAX);
    ot_status st =
        ot_buf_printf(&b, "{\"records\":%llu,\"files\":%llu,", cr->rep.records, cr->rep.files);
    if (st == OT_OK && s->alarms) {
        st = ot_buf_append_cstr(&b, "\"alarms\":[");
        for (size_t k = 0; k < ch->n && st == OT_OK; k++) {
            char ts[21];
            ot_time_iso(ch->v[k].at_ms, ts);
            const struct ot_transition *t = &ch->v[k].t;
            st = ot_buf_printf(&b, "%s{\"time\":\"%s\",\"rule\":", k ? "," : "", ts);
            if (st == OT_OK) {
                st = ot_buf_json_str(&b, ot_sv_cstr(s->rules[ch->v[k].rule].id));
            }
            if (st == OT_OK) {
                st = ot_buf_printf(&b, ",\"from\":\"%s\",\"to\":\"%s\",\"value\":%g}",
                                   ot_alarm_state_name(t->from), ot_alarm_state_name(t->to),
                                   t->value);
            }
        }
        if (st == OT_OK) {
            st = ot_buf_append_cstr(&b, "],");
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "\"rules\":[");
    }
    for (unsigned i = 0; i < s->nrules && st == OT_OK; i++) {
        const struct rule *r = &s->rules[i];
        const struct ot_cis_rule *c = r->cis;
        st = ot_buf_printf(&b, "%s{\"id\":", i ? "," : "");
        if (st == OT_OK) {
            st = ot_buf_json_str(&b, ot_sv_cstr(r->id));
        }
        if (st == OT_OK && c != NULL) {
            st = ot_buf_append_cstr(&b, ",\"cis\":");
            if (st == OT_OK) {
                st = c->cis ? ot_buf_json_str(&b, ot_sv_cstr(c->cis))
                            : ot_buf_append_cstr(&b, "null");
            }
            if (st == OT_OK) {
                st = ot_buf_append_cstr(&b, ",\"securityHub\":");
            }
            if (st == OT_OK) {
                st = c->securityhub ? ot_buf_json_str(&b, ot_sv_cstr(c->securityhub))
                                    : ot_buf_append_cstr(&b, "null");
            }
            if (st == OT_OK) {
                st = ot_buf_append_cstr(&b, ",\"title\":");
            }
            if (st == OT_OK) {
                st = ot_buf_json_str(&b, ot_sv_cstr(c->title));
            }
            if (st == OT_OK) {
                st = ot_buf_append_cstr(&b, ",\"severity\":");
            }
            if (st == OT_OK) {
                st = ot_buf_json_str(&b, ot_sv_cstr(c->severity));
            }
        }
        if (st == OT_OK) {
            st = ot_buf_append_cstr(&b, ",\"pattern\":");
        }
        if (st == OT_OK) {
            st = ot_buf_json_str(&b, ot_pattern_text(r->pattern));
        }
        if (st == OT_OK) {
            st = ot_buf_printf(&b, ",\"matches\":%llu,\"events\":[", r->matches);
        }
        /* events are one compact record per line: join them with commas */
        const char *p = r->events.data, *end = p ? p + r->events.len : NULL;
        for (bool first = true; st == OT_OK && p != NULL && p < end; first = false) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (!first) {
                st = ot_buf_putc(&b, ',');
            }
            if (st == OT_OK) {
                st = ot_buf_append(&b, p, n);
            }
            p += n + 1;
        }
        if (st == OT_OK) {
            st = ot_buf_append_cstr(&b, "]}");
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "]}\n");
    }
    if (st != OT_OK) {
        (void)fprintf(stderr, "opentrail scan: out of memory writing JSON\n");
        return CLI_SYSTEM;
    }
    (void)fwrite(b.data, 1, b.len, stdout); /* checked at fflush */
    ot_buf_cleanup(&b);
    return CLI_OK;
}

static const char help[] =
    "usage: opentrail scan [-p PATTERN]... [--cis] [OPTIONS] INPUT...\n"
    "\n"
    "Run CloudWatch Logs filter patterns over CloudTrail records (files, trees in\n"
    "the CloudTrail S3 layout, - for stdin): per rule, the number of matching\n"
    "records and the first of them, in input order.\n"
    "\n"
    "options:\n"
    "  -p, --pattern PATTERN   a filter pattern (repeat for several), e.g.\n"
    "                          '{ $.errorCode = \"AccessDenied\" }'\n"
    "      --cis               the built-in pack: the 15 CIS metric filters and the\n"
    "                          S3 public access alert (docs/cis.md)\n"
    "      --json              one JSON object; events are the full records\n"
    "  -e, --events N          matched events shown per rule (default 10, -1 all)\n"
    "      --fail-on-match     exit 1 when any rule matched (for CI)\n"
    "      --alarms            replay each rule's alarm over eventTime (CIS recipe: Sum\n"
    "                          of matches per 5 min >= 1) and list its state "
    "changes\n" CLI_READ_HELP "  -h, --help              this help\n"
    "\n"
    "Pattern syntax: docs/filter-patterns.md. Exit status: 0, or 1 with\n"
    "--fail-on-match and a match; 2 bad pattern; 3 some input was bad.\n";

int cli_scan(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "pattern", required_argument, NULL, 'p' },
        { "cis", no_argument, NULL, 'C' },
        { "json", no_argument, NULL, 'J' },
        { "events", required_argument, NULL, 'e' },
        { "fail-on-match", no_argument, NULL, 'F' },
        { "alarms", no_argument, NULL, 'A' },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    static struct scan s; /* large: rule table with buffers */
    struct cli_reader cr = { 0 };
    int rc = CLI_OK, opt;
    bool cis = false;
    char id[32];
    (void)g; /* scan needs no state directory */

    memset(&s, 0, sizeof(s));
    s.max_events = 10;
    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "p:e:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            (void)snprintf(id, sizeof(id), "pattern-%u", s.nrules + 1);
            rc = add_rule(&s, id, NULL, optarg);
            break;
        case 'C':
            cis = true;
            break;
        case 'J':
            s.json = true;
            break;
        case 'F':
            s.fail_on_match = true;
            break;
        case 'A':
            s.alarms = true;
            break;
        case 'e': {
            char *end = NULL;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end != '\0' || v < -1) {
                rc = cli_usage_error("scan", "--events wants a number, or -1 for all, not '%s'",
                                     optarg);
            }
            s.max_events = v;
            break;
        }
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (!cli_read_opt("scan", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    if (rc == CLI_OK && cis) {
        unsigned n;
        const struct ot_cis_rule *rules = ot_cis_rules(&n);
        for (unsigned i = 0; i < n && rc == CLI_OK; i++) {
            rc = add_rule(&s, rules[i].id, &rules[i], rules[i].pattern);
        }
    }
    if (rc == CLI_OK && s.nrules == 0) {
        rc = cli_usage_error("scan", "give a pattern with -p, or --cis");
    }
    const char *names[] = { "eventTime",          "eventName", "userIdentity.arn",
                            "sourceIPAddress",    "eventID",   "awsRegion",
                            "recipientAccountId", "errorCode", "userIdentity.type" };
    struct ot_path **paths[] = { &s.f_time,   &s.f_name, &s.f_arn, &s.f_ip,  &s.f_id,
                                 &s.f_region, &s.f_acct, &s.f_err, &s.f_type };
    for (size_t i = 0; i < 9 && rc == CLI_OK; i++) {
        if (ot_path_compile(ot_sv_cstr(names[i]), paths[i], NULL) != OT_OK) {
            rc = CLI_SYSTEM;
        }
    }
    for (unsigned i = 0; i < s.nrules; i++) {
        s.pats[i] = s.rules[i].pattern;
    }
    if (rc == CLI_OK && ot_pattern_set_new(s.pats, s.nrules, &s.set) != OT_OK) {
        (void)fprintf(stderr, "opentrail scan: out of memory\n");
        rc = CLI_SYSTEM;
    }
    if (rc == CLI_OK) {
        cr.ctx = &s;
        cr.on_record = scan_record;
        cr.on_commit = scan_commit;
        cr.cmd_init = scan_init;
        cr.cmd_fini = scan_fini;
        rc = cli_read_all(&cr, argv + optind, argc - optind);
        if (s.nomem) {
            (void)fprintf(stderr, "opentrail scan: out of memory: the counts are incomplete\n");
            rc = CLI_SYSTEM;
        }
        struct changes changes = { 0 };
        if (rc != CLI_USAGE && s.alarms && !replay(&s, &changes)) {
            (void)fprintf(stderr, "opentrail scan: out of memory replaying alarms\n");
            rc = CLI_SYSTEM;
        }
        if (rc != CLI_USAGE) {
            int prc = CLI_OK;
            if (s.json) {
                prc = print_json(&s, &cr, &changes);
            } else {
                print_text(&s, &cr);
                if (s.alarms) {
                    print_changes(&s, &changes);
                }
            }
            if (prc != CLI_OK) {
                rc = prc;
            }
            if (fflush(stdout) != 0 && rc == CLI_OK) {
                rc = CLI_SYSTEM;
            }
            bool any = false;
            for (unsigned i = 0; i < s.nrules; i++) {
                any = any || s.rules[i].matches > 0;
            }
            if (rc == CLI_OK && any && s.fail_on_match) {
                rc = CLI_VERDICT;
            }
        }
        ot_free(changes.v);
        cli_report_notes(&cr);
    }
    ot_pattern_set_free(s.set);
    for (unsigned i = 0; i < s.nrules; i++) {
        ot_pattern_free(s.rules[i].pattern);
        ot_buf_cleanup(&s.rules[i].events);
        pmap_cleanup(&s.rules[i].series);
    }
    for (size_t i = 0; i < 9; i++) {
        ot_path_free(*paths[i]);
    }
    return rc;
}
