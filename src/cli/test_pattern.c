/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/test_pattern.c - `opentrail test-pattern`: which records (or, with
 * --lines, which lines of any log) a filter pattern matches, as CloudWatch's
 * TestMetricFilter answers it, extracted values included.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"

struct tp {
    struct ot_pattern *p;
    bool json;
    bool nomem;
    unsigned long long matched;
    unsigned long long seen;
};

struct tp_worker {
    struct ot_matcher *m;
    unsigned long long matched;
};

/* {"eventNumber":N,"eventMessage":"...","extractedValues":{"$name":"value"}} */
static ot_status put_match(struct ot_buf *b, struct ot_matcher *m, unsigned long long n,
                           struct ot_sv msg, bool space)
{
    ot_status st = ot_buf_printf(b, "{\"eventNumber\":%llu,\"eventMessage\":", n);
    if (st == OT_OK) {
        st = ot_buf_json_str(b, msg);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, ",\"extractedValues\":{");
    }
    unsigned k = space ? ot_matcher_nextracted(m) : 0;
    for (unsigned i = 0; i < k && st == OT_OK; i++) {
        struct ot_sv name, value;
        ot_matcher_extracted(m, i, &name, &value);
        st = ot_buf_printf(b, "%s\"$%.*s\":", i ? "," : "", (int)name.n, name.p);
        if (st == OT_OK) {
            st = ot_buf_json_str(b, value);
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "}}\n");
    }
    return st;
}

static bool tp_record(struct cli_worker *w, const struct ot_record *rec)
{
    struct tp *t = w->cr->ctx;
    struct tp_worker *tw = w->cmd;
    if (tw == NULL) {
        return false;
    }
    if (!ot_pattern_match(t->p, tw->m, rec)) {
        return true;
    }
    tw->matched++;
    ot_status st;
    if (t->json) {
        struct ot_buf c = OT_BUF_INIT(OT_RECORD_MAX_BYTES * 2);
        st = ot_value_compact(ot_record_root(rec), &c);
        if (st == OT_OK) {
            st = put_match(&w->out, tw->m, rec->index + 1, ot_buf_sv(&c),
                           ot_pattern_kind_of(t->p) == OT_PATTERN_SPACE);
        }
        ot_buf_cleanup(&c);
    } else {
        st = ot_value_compact(ot_record_root(rec), &w->out);
        if (st == OT_OK) {
            st = ot_buf_putc(&w->out, '\n');
        }
    }
    if (st != OT_OK) {
        w->out = OT_BUF_INIT(SIZE_MAX);
        t->nomem = true;
        return false;
    }
    return true;
}

static void *tp_init(void *ctx)
{
    (void)ctx; /* a matcher per worker */
    struct tp_worker *tw = ot_calloc(1, sizeof(*tw));
    if (tw != NULL && ot_matcher_new(&tw->m) != OT_OK) {
        ot_free(tw);
        tw = NULL;
    }
    return tw;
}

static void tp_fini(void *ctx, void *cmd)
{
    struct tp *t = ctx;
    struct tp_worker *tw = cmd;
    if (tw == NULL) {
        t->nomem = true;
        return;
    }
    t->matched += tw->matched;
    ot_matcher_free(tw->m);
    ot_free(tw);
}

/* --lines: every line of every input (plain or gzip) is one log event. */
static int run_lines(struct tp *t, char **args, int nargs)
{
    struct ot_matcher *m = NULL;
    char *line = ot_malloc(OT_RECORD_MAX_BYTES + 2);
    struct ot_buf out = OT_BUF_INIT(SIZE_MAX);
    int rc = CLI_OK;
    if (line == NULL || ot_matcher_new(&m) != OT_OK) {
        ot_free(line);
        (void)fprintf(stderr, "opentrail test-pattern: out of memory\n");
        return CLI_SYSTEM;
    }
    for (int i = 0; i < nargs; i++) {
        const char *name = strcmp(args[i], "-") == 0 ? "(stdin)" : args[i];
        gzFile f = strcmp(args[i], "-") == 0 ? gzdopen(dup(0), "rb") : gzopen(args[i], "rb");
        if (f == NULL) {
            (void)fprintf(stderr, "opentrail: %s: cannot open: %s\n", name, strerror(errno));
            rc = CLI_BADINPUT;
            continue;
        }
        unsigned long long n = 0;
        while (gzgets(f, line, (int)OT_RECORD_MAX_BYTES + 2) != NULL) {
            size_t len = strlen(line);
            n++;
            if (len > 0 && line[len - 1] == '\n') {
                line[--len] = '\0';
            } else if (!gzeof(f)) {
                (void)fprintf(stderr, "opentrail: %s:%llu: line over 256 KB; skipped\n", name, n);
                rc = CLI_BADINPUT;
                int c;
                while ((c = gzgetc(f)) != -1 && c != '\n') {
                }
                continue;
            }
            t->seen++;
            bool hit = false;
            if (ot_pattern_match_message(t->p, m, (struct ot_sv){ line, len }, &hit) != OT_OK) {
                rc = CLI_SYSTEM;
                break;
            }
            if (!hit) {
                continue;
            }
            t->matched++;
            ot_buf_reset(&out);
            ot_status st = t->json ? put_match(&out, m, t->seen, (struct ot_sv){ line, len },
                                               ot_pattern_kind_of(t->p) == OT_PATTERN_SPACE)
                                   : ot_buf_printf(&out, "%s\n", line);
            if (st != OT_OK) {
                rc = CLI_SYSTEM;
                break;
            }
            (void)fwrite(out.data, 1, out.len, stdout); /* checked at fflush */
        }
        int errnum = 0;
        const char *zerr = gzerror(f, &errnum);
        if (errnum != Z_OK && errnum != Z_STREAM_END) {
            (void)fprintf(stderr, "opentrail: %s: %s\n", name, zerr);
            rc = CLI_BADINPUT;
        }
        (void)gzclose(f); /* read-only */
    }
    ot_buf_cleanup(&out);
    ot_matcher_free(m);
    ot_free(line);
    return rc;
}

static const char help[] =
    "usage: opentrail test-pattern [OPTIONS] PATTERN INPUT...\n"
    "\n"
    "Show the records of INPUT (CloudTrail files, trees, - for stdin) that the\n"
    "CloudWatch Logs filter PATTERN matches, one compact JSON per line; the count\n"
    "goes to stderr. With --lines, each line of INPUT is one log event instead.\n"
    "\n"
    "options:\n"
    "      --json              TestMetricFilter's shape: eventNumber, eventMessage,\n"
    "                          extractedValues ($field for [...] patterns)\n"
    "      --lines             every line is a log event (plain text or gzip)\n" CLI_READ_HELP
    "  -h, --help              this help\n"
    "\n"
    "examples:\n"
    "  opentrail test-pattern '{ ($.eventName = ConsoleLogin) && ($.userIdentity.type = Root) }' "
    "AWSLogs/\n"
    "  opentrail test-pattern --lines --json '[ip, user, ..., status = 4*, bytes]' access.log\n"
    "\n"
    "Pattern syntax: docs/filter-patterns.md.\n";

int cli_test_pattern(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "lines", no_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct tp t = { 0 };
    struct cli_reader cr = { 0 };
    bool lines = false;
    int rc = CLI_OK, opt;
    (void)g; /* no state directory needed */

    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "+j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'J':
            t.json = true;
            break;
        case 'L':
            lines = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (!cli_read_opt("test-pattern", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    if (rc != CLI_OK) {
        return rc;
    }
    if (optind >= argc) {
        return cli_usage_error("test-pattern", "give a pattern and at least one input");
    }
    const char *text = argv[optind++];
    struct ot_error err;
    ot_error_clear(&err);
    if (ot_pattern_compile(ot_sv_cstr(text), &t.p, &err) != OT_OK) {
        (void)fprintf(stderr, "opentrail test-pattern: column %u: %s (%s)\n  %s\n  %*s^\n", err.col,
                      err.what, err.fix, text, (int)(err.col ? err.col - 1 : 0), "");
        return cli_exit_for(err.what[0] ? OT_E_USAGE : OT_E_NOMEM);
    }
    if (lines) {
        if (optind >= argc) {
            rc = cli_usage_error("test-pattern", "give at least one input (- for stdin)");
        } else {
            rc = run_lines(&t, argv + optind, argc - optind);
        }
    } else {
        cr.ctx = &t;
        cr.on_record = tp_record;
        cr.cmd_init = tp_init;
        cr.cmd_fini = tp_fini;
        rc = cli_read_all(&cr, argv + optind, argc - optind);
        t.seen = cr.rep.records;
        cli_report_notes(&cr);
    }
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        rc = CLI_SYSTEM;
    }
    if (t.nomem) {
        rc = CLI_SYSTEM;
    }
    if (rc != CLI_USAGE) {
        (void)fprintf(stderr, "opentrail: the pattern matched %llu of %llu %s\n", t.matched, t.seen,
                      lines ? "lines" : "records");
    }
    ot_pattern_free(t.p);
    return rc;
}
