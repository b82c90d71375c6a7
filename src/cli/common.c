/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/common.c - what the subcommands share: exit statuses, one-line errors,
 * and the glue between the library's parallel scanner and a command's output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_for(ot_status st)
{
    switch (st) {
    case OT_OK:
        return CLI_OK;
    case OT_E_USAGE:
        return CLI_USAGE;
    case OT_E_PARSE:
    case OT_E_LIMIT:
        return CLI_BADINPUT;
    case OT_E_TAMPER:
        return CLI_VERDICT;
    case OT_E_NOMEM:
    case OT_E_IO:
    case OT_E_NOSPC:
    case OT_E_RETRY:
        return CLI_SYSTEM;
    }
    return CLI_SYSTEM;
}

static void format_line(const struct ot_error *err, char *line, size_t n)
{
    char msg[900];
    ot_error_format(err, msg, sizeof(msg));
    (void)snprintf(line, n, "opentrail: %s\n", msg);
}

void cli_print_error(const struct ot_error *err)
{
    char line[1024];
    format_line(err, line, sizeof(line));
    (void)fputs(line, stderr); /* nowhere else to report a failing stderr */
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)fprintf(stderr, "opentrail %s: %s (see opentrail %s --help)\n", cmd, msg, cmd);
    return CLI_USAGE;
}

unsigned cli_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > (long)OT_SCAN_MAX_JOBS ? OT_SCAN_MAX_JOBS : (unsigned)n;
}

bool cli_read_opt(const char *cmd, int opt, const char *arg, struct cli_read_opts *o, int *rc)
{
    uint64_t v;
    *rc = CLI_OK;
    switch (opt) {
    case 'j':
    case CLI_OPT_JOBS:
        if (ot_parse_u64(ot_sv_cstr(arg), OT_SCAN_MAX_JOBS, false, &v) != OT_OK || v == 0) {
            *rc = cli_usage_error(cmd, "--jobs wants a number from 1 to %u, not '%s'",
                                  OT_SCAN_MAX_JOBS, arg);
        } else {
            o->jobs = (unsigned)v;
        }
        return true;
    case CLI_OPT_MAX_FILE_BYTES:
        if (ot_parse_u64(ot_sv_cstr(arg), OT_FILE_MAX_BYTES_CEILING, true, &v) != OT_OK || v == 0) {
            *rc = cli_usage_error(cmd,
                                  "--max-file-bytes wants a size such as 512M (at most 16G), "
                                  "not '%s'",
                                  arg);
        } else {
            o->read.max_file_bytes = v;
        }
        return true;
    case CLI_OPT_INSIGHTS:
        o->read.read_insights = true;
        return true;
    case 'q':
    case CLI_OPT_QUIET:
        o->quiet = true;
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------------ */

static void *worker_init(void *ctx, unsigned id)
{
    struct cli_reader *cr = ctx;
    (void)id; /* all workers are alike */
    struct cli_worker *w = ot_calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    w->cr = cr;
    w->out = OT_BUF_INIT(SIZE_MAX);
    w->errs = OT_BUF_INIT(64u * 1024 * 1024);
    w->cmd = cr->cmd_init ? cr->cmd_init(cr->ctx) : NULL;
    return w;
}

static void worker_fini(void *ctx, void *wctx)
{
    struct cli_reader *cr = ctx;
    struct cli_worker *w = wctx;
    if (w == NULL) {
        return;
    }
    if (cr->cmd_fini != NULL) {
        cr->cmd_fini(cr->ctx, w->cmd);
    }
    ot_buf_cleanup(&w->out);
    ot_buf_cleanup(&w->errs);
    ot_free(w);
}

static bool on_record(void *wctx, const struct ot_record *rec)
{
    struct cli_worker *w = wctx;
    if (w == NULL) {
        return false; /* worker_init ran out of memory: reported by on_file */
    }
    return w->cr->on_record(w, rec);
}

static void on_error(void *wctx, const struct ot_error *err)
{
    struct cli_worker *w = wctx;
    char line[1024];
    if (w == NULL) {
        return;
    }
    format_line(err, line, sizeof(line));
    if (ot_buf_append_cstr(&w->errs, line) != OT_OK) {
        w->errs = OT_BUF_INIT(64u * 1024 * 1024); /* too many: drop the excess */
    }
}

static void flush_out(struct cli_reader *cr, struct cli_worker *w)
{
    if (w->out.len > 0 && !cr->rep.output_failed) {
        if (fwrite(w->out.data, 1, w->out.len, stdout) != w->out.len) {
            cr->rep.output_failed = true;
        }
    }
    ot_buf_reset(&w->out);
}

static void on_file(void *ctx, void *wctx, const struct ot_input *in,
                    const struct ot_read_result *res, ot_status st, const struct ot_error *err)
{
    struct cli_reader *cr = ctx;
    struct cli_worker *w = wctx;
    struct cli_report *rep = &cr->rep;

    if (w == NULL) {
        (void)fprintf(stderr, "opentrail: %s: out of memory\n", in->path);
        rep->bad_files++;
        return;
    }
    if (cr->on_commit != NULL) {
        cr->on_commit(cr, w);
    }
    flush_out(cr, w);
    if (w->errs.len > 0) {
        (void)fflush(stdout); /* keep errors after the records they follow */
        (void)fputs(w->errs.data, stderr);
        ot_buf_reset(&w->errs);
    }
    rep->records += res->records;
    rep->bad_records += res->bad;
    rep->bytes_json += res->bytes_json;
    if (st != OT_OK) {
        (void)fflush(stdout);
        cli_print_error(err);
        rep->bad_files++;
        if (st == OT_E_USAGE && err->sys_errno == ENOKEY) {
            rep->missing_key = true;
        }
    }
    switch (res->shape) {
    case OT_SHAPE_DIGEST:
        rep->digests++;
        if (in->named && !cr->opts.quiet) {
            (void)fprintf(stderr,
                          "opentrail: %s: a CloudTrail digest file, not event records; skipped "
                          "(opentrail validate checks digests)\n",
                          in->path);
        }
        break;
    case OT_SHAPE_INSIGHT:
        rep->insights++;
        if (in->named && !cr->opts.quiet) {
            (void)fprintf(stderr,
                          "opentrail: %s: a CloudTrail Insights file; skipped (--insights "
                          "reads it)\n",
                          in->path);
        }
        break;
    default:
        if (st == OT_OK || res->records > 0) {
            rep->files++;
        }
        break;
    }
}

void cli_report_notes(const struct cli_reader *cr)
{
    const struct cli_report *rep = &cr->rep;
    if (cr->opts.quiet || (rep->digests == 0 && rep->insights == 0)) {
        return;
    }
    char d[64] = "", i[96] = "";
    if (rep->digests > 0) {
        (void)snprintf(d, sizeof(d), "%llu digest file%s", rep->digests,
                       rep->digests == 1 ? "" : "s");
    }
    if (rep->insights > 0) {
        (void)snprintf(i, sizeof(i), "%llu Insights file%s (--insights reads them)", rep->insights,
                       rep->insights == 1 ? "" : "s");
    }
    (void)fprintf(stderr, "opentrail: skipped %s%s%s\n", d, (d[0] && i[0]) ? " and " : "", i);
}

static void walk_error(void *ctx, const struct ot_error *err)
{
    struct cli_reader *cr = ctx;
    cli_print_error(err);
    cr->rep.bad_files++;
}

int cli_read_all(struct cli_reader *cr, char **args, int nargs)
{
    struct ot_inputs in = { 0 };
    struct ot_error err;
    int rc = CLI_OK;
    ot_error_clear(&err);

    if (nargs == 0) {
        (void)fprintf(stderr, "opentrail: no input given: name files or folders, or - for "
                              "standard input\n");
        return CLI_USAGE;
    }
    int nstdin = 0;
    for (int i = 0; i < nargs; i++) {
        if (strcmp(args[i], "-") == 0 && ++nstdin > 1) {
            (void)fprintf(stderr, "opentrail: '-' (standard input) given twice\n");
            ot_inputs_cleanup(&in);
            return CLI_USAGE;
        }
        ot_status st = ot_inputs_add(&in, args[i], walk_error, cr, &err);
        if (st == OT_E_NOMEM) {
            cli_print_error(&err);
            ot_inputs_cleanup(&in);
            return CLI_SYSTEM;
        }
        if (st != OT_OK) {
            cli_print_error(&err);
            cr->rep.bad_files++;
            ot_error_clear(&err);
        }
    }
    if (cr->opts.jobs == 0) {
        cr->opts.jobs = cli_ncpu();
    }
    /* objects sealed at rest open with the KEKs of DATA_DIR/keys, whatever the command */
    struct ot_kek_ring *ring = NULL;
    if (cr->opts.read.unseal == NULL && cli_kek_ring_load(&ring, false) == CLI_OK) {
        cr->opts.read.unseal = ot_unseal;
        cr->opts.read.unseal_ctx = ring;
    }
    struct ot_scan_ops ops = {
        .worker_init = worker_init,
        .worker_fini = worker_fini,
        .on_record = on_record,
        .on_error = on_error,
        .on_file = on_file,
    };
    ot_status st = ot_scan_run(&in, cr->opts.jobs, &cr->opts.read, &ops, cr, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = CLI_SYSTEM;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cr->rep.output_failed = true;
    }
    if (cr->rep.output_failed) {
        (void)fprintf(stderr, "opentrail: writing the output failed (disk full or a closed "
                              "pipe?)\n");
        rc = CLI_SYSTEM;
    } else if (rc == CLI_OK && cr->rep.missing_key) {
        rc = CLI_USAGE; /* not bad input: the key to read it is missing */
    } else if (rc == CLI_OK && (cr->rep.bad_files > 0 || cr->rep.bad_records > 0)) {
        rc = CLI_BADINPUT;
    }
    if (ring != NULL) {
        cr->opts.read.unseal = NULL;
        cr->opts.read.unseal_ctx = NULL;
        ot_kek_ring_free(ring);
    }
    ot_inputs_cleanup(&in);
    return rc;
}

static const char *data_dir = "./var";

void cli_set_data_dir(const char *dir)
{
    data_dir = dir;
}

const char *cli_data_dir(void)
{
    return data_dir;
}

int cli_kek_ring_load(struct ot_kek_ring **out, bool loud)
{
    char dir[4096];
    struct ot_error err;
    ot_error_clear(&err);
    (void)snprintf(dir, sizeof(dir), "%s/keys", data_dir);
    ot_status st = ot_kek_load_dir(dir, out, &err);
    if (st != OT_OK) {
        if (loud) {
            cli_print_error(&err);
        }
        return st == OT_E_USAGE || st == OT_E_PARSE ? CLI_USAGE : CLI_SYSTEM;
    }
    return CLI_OK;
}
