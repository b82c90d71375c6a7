/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cat.c - `opentrail cat`: every record of files, trees or stdin, one
 * compact JSON per line, exactly as read; or chosen fields as NDJSON or TSV.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define MAX_FIELDS 64
#define MAX_WHERE  16
#define MAX_ALTS   64

struct where {
    struct ot_path *path;
    bool negate;
    unsigned nalts;
    struct ot_sv alts[MAX_ALTS]; /* point into argv */
};

struct cat {
    bool count;
    bool tsv;
    bool header;
    unsigned nfields;
    struct ot_path *fields[MAX_FIELDS];
    unsigned nwhere;
    struct where where[MAX_WHERE];
    unsigned long long matched; /* --count: summed from the workers at the end */
};

static const char help[] =
    "usage: opentrail cat [OPTIONS] INPUT...\n"
    "\n"
    "Print every CloudTrail record of INPUT (files, folders in the CloudTrail S3\n"
    "layout, or - for standard input; gzip or plain; {\"Records\":[...]} log files,\n"
    "JSON arrays, NDJSON or single records) as one compact JSON per line, its bytes\n"
    "exactly as read. Digest and Insights files are recognised and skipped.\n"
    "\n"
    "options:\n"
    "  -c, --count             print \"N records in M files\" instead of records\n"
    "  -f, --fields LIST       only these fields, comma-separated paths such as\n"
    "                          eventTime,userIdentity.arn,resources[0].ARN\n"
    "      --format FMT        with --fields: ndjson (default) or tsv\n"
    "      --no-header         with --format tsv: no header line\n"
    "  -w, --where PATH=V[|V]  only records whose PATH equals one of the values\n"
    "                          (PATH!=V: none of them); repeat to require all\n" CLI_READ_HELP
    "  -h, --help              this help\n"
    "\n"
    "examples:\n"
    "  opentrail cat AWSLogs/ > all.ndjson\n"
    "  opentrail cat --count AWSLogs/\n"
    "  opentrail cat --fields eventTime,eventName,userIdentity.arn --format tsv x.json.gz\n"
    "  opentrail cat --where eventName=ConsoleLogin --where userIdentity.type=Root AWSLogs/\n"
    "  zcat x.json.gz | opentrail cat -\n";

static bool value_matches(struct ot_value v, struct ot_sv want)
{
    if (v.type == OT_STRING) {
        return ot_value_str_eq(v, want);
    }
    return ot_sv_eq(ot_value_raw(v), want); /* true, false, null, numbers as written */
}

struct any_ctx {
    const struct where *w;
    bool hit;
};

static bool any_value(void *ctx, struct ot_value v)
{
    struct any_ctx *a = ctx;
    for (unsigned i = 0; i < a->w->nalts; i++) {
        if (value_matches(v, a->w->alts[i])) {
            a->hit = true;
            return false;
        }
    }
    return true;
}

static bool where_ok(const struct cat *c, const struct ot_record *rec)
{
    for (unsigned i = 0; i < c->nwhere; i++) {
        struct any_ctx a = { &c->where[i], false };
        (void)ot_record_each(rec, c->where[i].path, any_value, &a); /* count not needed */
        if (a.hit == c->where[i].negate) {
            return false;
        }
    }
    return true;
}

static ot_status put_tsv_value(struct ot_buf *out, struct ot_value v)
{
    if (v.type == OT_ABSENT || v.type == OT_NULL) {
        return OT_OK;
    }
    if (v.type != OT_STRING) {
        return ot_value_text(v, out);
    }
    size_t from = out->len;
    ot_status st = ot_value_text(v, out);
    if (st != OT_OK) {
        return st;
    }
    /* escape what would break a TSV row, in place from the end */
    size_t extra = 0;
    for (size_t i = from; i < out->len; i++) {
        char ch = out->data[i];
        extra += (ch == '\t' || ch == '\n' || ch == '\r' || ch == '\\');
    }
    if (extra == 0) {
        return OT_OK;
    }
    size_t old = out->len;
    st = ot_buf_reserve(out, extra);
    if (st != OT_OK) {
        return st;
    }
    out->len += extra;
    out->data[out->len] = '\0';
    size_t w = out->len;
    for (size_t r = old; r > from; r--) {
        char ch = out->data[r - 1];
        const char *esc = ch == '\t'   ? "t"
                          : ch == '\n' ? "n"
                          : ch == '\r' ? "r"
                          : ch == '\\' ? "\\"
                                       : NULL;
        if (esc != NULL) {
            out->data[--w] = esc[0];
            out->data[--w] = '\\';
        } else {
            out->data[--w] = ch;
        }
    }
    return OT_OK;
}

static ot_status project(const struct cat *c, const struct ot_record *rec, struct ot_buf *out)
{
    ot_status st = OT_OK;
    bool first = true;
    if (!c->tsv) {
        st = ot_buf_putc(out, '{');
    }
    for (unsigned i = 0; i < c->nfields && st == OT_OK; i++) {
        struct ot_value v = ot_record_get(rec, c->fields[i]);
        if (c->tsv) {
            if (i > 0) {
                st = ot_buf_putc(out, '\t');
            }
            if (st == OT_OK) {
                st = put_tsv_value(out, v);
            }
            continue;
        }
        if (v.type == OT_ABSENT) {
            continue;
        }
        if (!first) {
            st = ot_buf_putc(out, ',');
        }
        first = false;
        if (st == OT_OK) {
            st = ot_buf_json_str(out, ot_path_text(c->fields[i]));
        }
        if (st == OT_OK) {
            st = ot_buf_putc(out, ':');
        }
        if (st == OT_OK) {
            st = ot_value_compact(v, out);
        }
    }
    if (st == OT_OK && !c->tsv) {
        st = ot_buf_putc(out, '}');
    }
    if (st == OT_OK) {
        st = ot_buf_putc(out, '\n');
    }
    return st;
}

static bool cat_record(struct cli_worker *w, const struct ot_record *rec)
{
    const struct cat *c = w->cr->ctx;
    if (c->nwhere > 0 && !where_ok(c, rec)) {
        return true;
    }
    if (c->count) {
        (*(unsigned long long *)w->cmd)++;
        return true;
    }
    ot_status st;
    if (c->nfields > 0) {
        st = project(c, rec, &w->out);
    } else if (!rec->has_space) {
        st = ot_buf_append(&w->out, rec->json, rec->len);
        if (st == OT_OK) {
            st = ot_buf_putc(&w->out, '\n');
        }
    } else {
        st = ot_value_compact(ot_record_root(rec), &w->out);
        if (st == OT_OK) {
            st = ot_buf_putc(&w->out, '\n');
        }
    }
    if (st != OT_OK) {
        w->out = OT_BUF_INIT(SIZE_MAX);
        w->cr->rep.output_failed = true;
        return false;
    }
    return true;
}

/* --count: each worker counts its matches; summed on the main thread. */
static void *cat_init(void *ctx)
{
    (void)ctx; /* the counter is all a worker needs */
    return ot_calloc(1, sizeof(unsigned long long));
}

static void cat_fini(void *ctx, void *cmd)
{
    if (cmd != NULL) {
        ((struct cat *)ctx)->matched += *(unsigned long long *)cmd;
        ot_free(cmd);
    }
}

static int add_fields(struct cat *c, const char *list)
{
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (c->nfields == MAX_FIELDS) {
            return cli_usage_error("cat", "at most %d fields", MAX_FIELDS);
        }
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_path_compile((struct ot_sv){ p, n }, &c->fields[c->nfields], &err) != OT_OK) {
            return cli_usage_error("cat", "--fields '%.*s': %s (column %u)", (int)n, p, err.what,
                                   err.col);
        }
        c->nfields++;
        p += n + (comma ? 1 : 0);
    }
    if (c->nfields == 0) {
        return cli_usage_error("cat", "--fields wants at least one field");
    }
    return CLI_OK;
}

static int add_where(struct cat *c, char *arg)
{
    if (c->nwhere == MAX_WHERE) {
        return cli_usage_error("cat", "at most %d --where conditions", MAX_WHERE);
    }
    char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg) {
        return cli_usage_error("cat", "--where wants PATH=VALUE or PATH!=VALUE, not '%s'", arg);
    }
    struct where *w = &c->where[c->nwhere];
    char *pend = eq;
    if (eq[-1] == '!') {
        w->negate = true;
        pend = eq - 1;
    }
    struct ot_error err;
    ot_error_clear(&err);
    if (ot_path_compile((struct ot_sv){ arg, (size_t)(pend - arg) }, &w->path, &err) != OT_OK) {
        return cli_usage_error("cat", "--where '%s': %s (column %u)", arg, err.what, err.col);
    }
    const char *v = eq + 1;
    for (;;) {
        const char *bar = strchr(v, '|');
        size_t n = bar ? (size_t)(bar - v) : strlen(v);
        if (w->nalts == MAX_ALTS) {
            return cli_usage_error("cat", "at most %d values in one --where", MAX_ALTS);
        }
        w->alts[w->nalts++] = (struct ot_sv){ v, n };
        if (bar == NULL) {
            break;
        }
        v = bar + 1;
    }
    c->nwhere++;
    return CLI_OK;
}

int cli_cat(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "count", no_argument, NULL, 'c' },
        { "fields", required_argument, NULL, 'f' },
        { "format", required_argument, NULL, 'F' },
        { "no-header", no_argument, NULL, 'H' },
        { "where", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct cat c = { .header = true };
    struct cli_reader cr = { 0 };
    int rc = CLI_OK, opt;
    (void)g; /* cat needs no state directory */

    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "cf:w:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c.count = true;
            break;
        case 'f':
            rc = add_fields(&c, optarg);
            break;
        case 'F':
            if (strcmp(optarg, "tsv") == 0) {
                c.tsv = true;
            } else if (strcmp(optarg, "ndjson") != 0) {
                rc = cli_usage_error("cat", "--format is ndjson or tsv, not '%s'", optarg);
            }
            break;
        case 'H':
            c.header = false;
            break;
        case 'w':
            rc = add_where(&c, optarg);
            break;
        case 'h':
            (void)fputs(help, stdout);
            goto out;
        default:
            if (!cli_read_opt("cat", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE; /* getopt printed the problem */
            }
        }
    }
    if (rc != CLI_OK) {
        goto out;
    }
    if (c.tsv && c.nfields == 0) {
        rc = cli_usage_error("cat", "--format tsv needs --fields");
        goto out;
    }
    if (c.tsv && c.header && !c.count) {
        for (unsigned i = 0; i < c.nfields; i++) {
            struct ot_sv t = ot_path_text(c.fields[i]);
            (void)printf("%s%.*s", i ? "\t" : "", (int)t.n, t.p);
        }
        (void)printf("\n");
    }
    cr.ctx = &c;
    cr.on_record = cat_record;
    if (c.count) {
        cr.cmd_init = cat_init;
        cr.cmd_fini = cat_fini;
    }
    rc = cli_read_all(&cr, argv + optind, argc - optind);
    if (c.count && rc != CLI_USAGE) {
        if (c.nwhere > 0) {
            (void)printf("%llu matching records of %llu in %llu files\n", c.matched, cr.rep.records,
                         cr.rep.files);
        } else {
            (void)printf("%llu records in %llu files\n", cr.rep.records, cr.rep.files);
        }
        if (fflush(stdout) != 0 && rc == CLI_OK) {
            rc = CLI_SYSTEM;
        }
    }
    cli_report_notes(&cr);
out:
    for (unsigned i = 0; i < c.nfields; i++) {
        ot_path_free(c.fields[i]);
    }
    for (unsigned i = 0; i < c.nwhere; i++) {
        ot_path_free(c.where[i].path);
    }
    return rc;
}
