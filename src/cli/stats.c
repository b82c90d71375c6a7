/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/stats.c - `opentrail stats`: how many records by event source, event
 * name, region, day, category, read-only, error code, identity type and event
 * type, as text tables or JSON. Each worker counts alone; the counts are
 * merged once at the end.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct dim {
    const char *title; /* table heading and JSON key */
    const char *path;
    const char *absent; /* label for records without the field */
    bool day;           /* the first 10 bytes (YYYY-MM-DD) of a timestamp */
};

static const struct dim dims[] = {
    { "eventSource", "eventSource", "(absent)", false },
    { "eventName", "eventName", "(absent)", false },
    { "awsRegion", "awsRegion", "(absent)", false },
    { "day", "eventTime", "(absent)", true },
    { "eventCategory", "eventCategory", "(absent: before 1.07)", false },
    { "readOnly", "readOnly", "(absent)", false },
    { "errorCode", "errorCode", "(none)", false },
    { "userIdentity.type", "userIdentity.type", "(absent)", false },
    { "eventType", "eventType", "(absent)", false },
};
#define NDIMS (sizeof(dims) / sizeof(dims[0]))

struct slot {
    char *key; /* owned */
    unsigned long long n;
};

struct table {
    struct slot *s;
    size_t cap, used;
    unsigned long long other; /* past OT_STATS_MAX_KEYS distinct values */
};

struct counts {
    struct table t[NDIMS];
    unsigned long long records;
    char first[32], last[32]; /* eventTime range */
    bool nomem;
};

struct stats {
    struct ot_path *paths[NDIMS];
    struct counts total;
    unsigned top;
    bool json;
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    }
    return h;
}

static bool table_grow(struct table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct slot *s = ot_calloc(cap, sizeof(*s));
    if (s == NULL) {
        return false;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->s[i].key != NULL) {
            size_t j = hash(t->s[i].key, strlen(t->s[i].key)) & (cap - 1);
            while (s[j].key != NULL) {
                j = (j + 1) & (cap - 1);
            }
            s[j] = t->s[i];
        }
    }
    ot_free(t->s);
    t->s = s;
    t->cap = cap;
    return true;
}

static bool table_add(struct table *t, const char *k, size_t n, unsigned long long by)
{
    if ((t->used + 1) * 2 > t->cap && !table_grow(t)) {
        return false;
    }
    size_t j = hash(k, n) & (t->cap - 1);
    while (t->s[j].key != NULL) {
        if (strncmp(t->s[j].key, k, n) == 0 && t->s[j].key[n] == '\0') {
            t->s[j].n += by;
            return true;
        }
        j = (j + 1) & (t->cap - 1);
    }
    if (t->used >= OT_STATS_MAX_KEYS) {
        t->other += by;
        return true;
    }
    t->s[j].key = ot_strndup(k, n);
    if (t->s[j].key == NULL) {
        return false;
    }
    t->s[j].n = by;
    t->used++;
    return true;
}

static void table_cleanup(struct table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        ot_free(t->s[i].key);
    }
    ot_free(t->s);
    memset(t, 0, sizeof(*t));
}

static void range_add(struct counts *c, const char *v, size_t n)
{
    if (n == 0 || n >= sizeof(c->first)) {
        return;
    }
    if (c->first[0] == '\0' || (strncmp(v, c->first, n) < 0)) {
        memcpy(c->first, v, n);
        c->first[n] = '\0';
    }
    if (c->last[0] == '\0' || (strncmp(v, c->last, n) > 0)) {
        memcpy(c->last, v, n);
        c->last[n] = '\0';
    }
}

static bool stats_record(struct cli_worker *w, const struct ot_record *rec)
{
    const struct stats *st = w->cr->ctx;
    struct counts *c = w->cmd;
    struct ot_buf tmp = OT_BUF_INIT(OT_RECORD_MAX_BYTES);
    if (c == NULL) {
        return false;
    }
    c->records++;
    for (size_t i = 0; i < NDIMS; i++) {
        struct ot_value v = ot_record_get(rec, st->paths[i]);
        const char *k = dims[i].absent;
        size_t n = strlen(k);
        if (v.type != OT_ABSENT) {
            ot_buf_reset(&tmp);
            if (ot_value_text(v, &tmp) != OT_OK) {
                c->nomem = true;
                break;
            }
            k = tmp.data ? tmp.data : "";
            n = tmp.len;
            if (dims[i].day) {
                range_add(c, k, n);
                n = n > 10 ? 10 : n;
            }
        }
        if (!table_add(&c->t[i], k, n, 1)) {
            c->nomem = true;
        }
    }
    ot_buf_cleanup(&tmp);
    return !c->nomem;
}

static void *stats_init(void *ctx)
{
    (void)ctx; /* workers count alone */
    return ot_calloc(1, sizeof(struct counts));
}

static void stats_fini(void *ctx, void *cmd)
{
    struct stats *st = ctx;
    struct counts *c = cmd;
    if (c == NULL) {
        st->total.nomem = true;
        return;
    }
    st->total.records += c->records;
    st->total.nomem = st->total.nomem || c->nomem;
    for (size_t i = 0; i < NDIMS; i++) {
        struct table *t = &c->t[i];
        for (size_t j = 0; j < t->cap; j++) {
            if (t->s[j].key != NULL &&
                !table_add(&st->total.t[i], t->s[j].key, strlen(t->s[j].key), t->s[j].n)) {
                st->total.nomem = true;
            }
        }
        st->total.t[i].other += t->other;
        table_cleanup(t);
    }
    if (c->first[0]) {
        range_add(&st->total, c->first, strlen(c->first));
        range_add(&st->total, c->last, strlen(c->last));
    }
    ot_free(c);
}

static int by_count(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    if (x->n != y->n) {
        return x->n > y->n ? -1 : 1;
    }
    return strcmp(x->key, y->key);
}

/* Compact the table's slots to the front, sorted by count. Returns how many. */
static size_t sorted(struct table *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->s[i].key != NULL) {
            t->s[k++] = t->s[i];
        }
    }
    for (size_t i = k; i < t->cap; i++) {
        t->s[i].key = NULL;
    }
    if (k > 1) {
        qsort(t->s, k, sizeof(*t->s), by_count);
    }
    return k;
}

static void print_text(struct stats *st, const struct cli_report *rep)
{
    struct counts *c = &st->total;
    (void)printf("%llu records in %llu files", c->records, rep->files);
    if (c->first[0]) {
        (void)printf(", %s .. %s", c->first, c->last);
    }
    (void)printf("\n");
    for (size_t i = 0; i < NDIMS; i++) {
        struct table *t = &c->t[i];
        size_t n = sorted(t);
        size_t show = (st->top == 0 || st->top > n) ? n : st->top;
        (void)printf("\n%-44s %12s %7s\n", dims[i].title, "records", "%");
        for (size_t j = 0; j < show; j++) {
            (void)printf("%-44s %12llu %6.1f%%\n", t->s[j].key, t->s[j].n,
                         c->records ? 100.0 * (double)t->s[j].n / (double)c->records : 0.0);
        }
        if (show < n) {
            unsigned long long rest = t->other;
            for (size_t j = show; j < n; j++) {
                rest += t->s[j].n;
            }
            char label[48];
            (void)snprintf(label, sizeof(label), "(%zu more values)", n - show);
            (void)printf("%-44s %12llu %6.1f%%\n", label, rest,
                         c->records ? 100.0 * (double)rest / (double)c->records : 0.0);
        } else if (t->other > 0) {
            (void)printf("%-44s %12llu\n", "(other)", t->other);
        }
    }
}

static int print_json(struct stats *st, const struct cli_report *rep)
{
    struct counts *c = &st->total;
    struct ot_buf b = OT_BUF_INIT(SIZE_MAX);
    ot_status s = ot_buf_printf(
        &b, "{\"records\":%llu,\"files\":%llu,\"firstEventTime\":", c->records, rep->files);
    if (s == OT_OK) {
        s = c->first[0] ? ot_buf_json_str(&b, ot_sv_cstr(c->first))
                        : ot_buf_append_cstr(&b, "null");
    }
    if (s == OT_OK) {
        s = ot_buf_append_cstr(&b, ",\"lastEventTime\":");
    }
    if (s == OT_OK) {
        s = c->last[0] ? ot_buf_json_str(&b, ot_sv_cstr(c->last)) : ot_buf_append_cstr(&b, "null");
    }
    for (size_t i = 0; i < NDIMS && s == OT_OK; i++) {
        struct table *t = &c->t[i];
        size_t n = sorted(t);
        size_t show = (st->top == 0 || st->top > n) ? n : st->top;
        s = ot_buf_putc(&b, ',');
        if (s == OT_OK) {
            s = ot_buf_json_str(&b, ot_sv_cstr(dims[i].title));
        }
        if (s == OT_OK) {
            s = ot_buf_append_cstr(&b, ":{");
        }
        for (size_t j = 0; j < show && s == OT_OK; j++) {
            if (j > 0) {
                s = ot_buf_putc(&b, ',');
            }
            if (s == OT_OK) {
                s = ot_buf_json_str(&b, ot_sv_cstr(t->s[j].key));
            }
            if (s == OT_OK) {
                s = ot_buf_printf(&b, ":%llu", t->s[j].n);
            }
        }
        if (s == OT_OK) {
            s = ot_buf_putc(&b, '}');
        }
    }
    if (s == OT_OK) {
        s = ot_buf_append_cstr(&b, "}\n");
    }
    if (s != OT_OK) {
        (void)fprintf(stderr, "opentrail stats: out of memory writing JSON\n");
        return CLI_SYSTEM;
    }
    (void)fwrite(b.data, 1, b.len, stdout); /* checked by the fflush below */
    ot_buf_cleanup(&b);
    return CLI_OK;
}

static const char help[] =
    "usage: opentrail stats [OPTIONS] INPUT...\n"
    "\n"
    "Count the records of INPUT (files, CloudTrail trees, - for stdin) by\n"
    "eventSource, eventName, awsRegion, day, eventCategory, readOnly, errorCode,\n"
    "userIdentity.type and eventType, most frequent first.\n"
    "\n"
    "options:\n"
    "      --json              one JSON object instead of text tables\n"
    "  -n, --top N             values per table (default 10, 0 = all)\n" CLI_READ_HELP
    "  -h, --help              this help\n";

int cli_stats(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "top", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct stats st = { .top = 10 };
    struct cli_reader cr = { 0 };
    int rc = CLI_OK, opt;
    uint64_t v;
    (void)g; /* stats needs no state directory */

    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "n:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'J':
            st.json = true;
            break;
        case 'n':
            if (ot_parse_u64(ot_sv_cstr(optarg), 1000000, false, &v) != OT_OK) {
                rc = cli_usage_error("stats", "--top wants a number, not '%s'", optarg);
            }
            st.top = (unsigned)v;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (!cli_read_opt("stats", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    for (size_t i = 0; i < NDIMS && rc == CLI_OK; i++) {
        struct ot_error err;
        if (ot_path_compile(ot_sv_cstr(dims[i].path), &st.paths[i], &err) != OT_OK) {
            cli_print_error(&err);
            rc = CLI_SYSTEM;
        }
    }
    if (rc == CLI_OK) {
        cr.ctx = &st;
        cr.on_record = stats_record;
        cr.cmd_init = stats_init;
        cr.cmd_fini = stats_fini;
        rc = cli_read_all(&cr, argv + optind, argc - optind);
        if (st.total.nomem) {
            (void)fprintf(stderr, "opentrail stats: out of memory counting\n");
            rc = CLI_SYSTEM;
        } else if (rc != CLI_USAGE) {
            int prc = st.json ? print_json(&st, &cr.rep) : (print_text(&st, &cr.rep), CLI_OK);
            if (prc != CLI_OK) {
                rc = prc;
            }
            if (fflush(stdout) != 0 && rc == CLI_OK) {
                rc = CLI_SYSTEM;
            }
        }
        cli_report_notes(&cr);
    }
    for (size_t i = 0; i < NDIMS; i++) {
        ot_path_free(st.paths[i]);
        table_cleanup(&st.total.t[i]);
    }
    return rc;
}
