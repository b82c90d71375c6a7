/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cli.h - what the subcommands of the opentrail CLI share: exit statuses,
 * error printing, and reading inputs through the library's parallel scanner.
 */
#ifndef OT_CLI_H
#define OT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "opentrail/opentrail.h"

/* Exit statuses, documented in docs/cli.md and `opentrail --help`. */
enum cli_exit {
    CLI_OK = 0,       /* clean */
    CLI_VERDICT = 1,  /* a negative verdict: invalid files, findings */
    CLI_USAGE = 2,    /* usage or configuration error */
    CLI_BADINPUT = 3, /* some input was bad; the rest was processed */
    CLI_SYSTEM = 4,   /* system error: memory, I/O, threads */
};

struct cli_global {
    const char *data_dir;
    const char *config;
};

typedef int (*cli_cmd_fn)(int argc, char **argv, const struct cli_global *g);

int cli_cat(int argc, char **argv, const struct cli_global *g);
int cli_stats(int argc, char **argv, const struct cli_global *g);
int cli_scan(int argc, char **argv, const struct cli_global *g);
int cli_test_pattern(int argc, char **argv, const struct cli_global *g);
int cli_keys(int argc, char **argv, const struct cli_global *g);
int cli_ingest(int argc, char **argv, const struct cli_global *g);
int cli_validate(int argc, char **argv, const struct cli_global *g);
/* Create the data folder (0750) if missing; false when it cannot be. */
bool mkdir_data_dir(const char *dir);
int cli_cost(int argc, char **argv, const struct cli_global *g);
int cli_audit(int argc, char **argv, const struct cli_global *g);
int cli_select(int argc, char **argv, const struct cli_global *g);
int cli_config(int argc, char **argv, const struct cli_global *g);
int cli_serve(int argc, char **argv, const struct cli_global *g);

/* Map a library status onto an exit status. */
int cli_exit_for(ot_status st);
/* Print "opentrail: <where>:<line>:<col>: <what> (<fix>)" on stderr. */
void cli_print_error(const struct ot_error *err);
/* Print "opentrail <cmd>: <message>" and a pointer to --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Number of online CPUs, at least 1. */
unsigned cli_ncpu(void);

/* Options every command that reads records shares. */
struct cli_read_opts {
    unsigned jobs;
    struct ot_read_opts read;
    bool quiet; /* no notes about skipped digest and Insights files */
};

/* Handle one of the shared options; true when @opt was one of them. */
enum { CLI_OPT_JOBS = 1000, CLI_OPT_MAX_FILE_BYTES, CLI_OPT_INSIGHTS, CLI_OPT_QUIET };
bool cli_read_opt(const char *cmd, int opt, const char *arg, struct cli_read_opts *o, int *rc);
#define CLI_READ_LONGOPTS                                                      \
    { "jobs", required_argument, NULL, CLI_OPT_JOBS },                         \
        { "max-file-bytes", required_argument, NULL, CLI_OPT_MAX_FILE_BYTES }, \
        { "insights", no_argument, NULL, CLI_OPT_INSIGHTS },                   \
    {                                                                          \
        "quiet", no_argument, NULL, CLI_OPT_QUIET                              \
    }
#define CLI_READ_HELP                                                                     \
    "  -j, --jobs N            worker threads (default: all cores)\n"                     \
    "      --max-file-bytes N  cap on one input after decompression, K/M/G suffixes\n"    \
    "                          (default 1G); larger inputs are reported and skipped\n"    \
    "      --insights          read CloudTrail Insights files too (skipped by default)\n" \
    "  -q, --quiet             no note about skipped digest and Insights files\n"

struct cli_reader;

/* Per-worker state of a command that reads records. */
struct cli_worker {
    struct cli_reader *cr;
    struct ot_buf out;  /* this input's output, written when it is committed */
    struct ot_buf errs; /* this input's error lines */
    void *cmd;          /* the command's own per-worker state */
};

/* Totals over all inputs, printed at the end. */
struct cli_report {
    unsigned long long files; /* inputs read as event records */
    unsigned long long records;
    unsigned long long bad_files;
    unsigned long long bad_records;
    unsigned long long digests;
    unsigned long long insights;
    unsigned long long bytes_json;
    bool output_failed;
};

struct cli_reader {
    struct cli_read_opts opts;
    struct cli_report rep;
    bool (*on_record)(struct cli_worker *w, const struct ot_record *rec);
    /* called once per input, in input order, before its output is written */
    void (*on_commit)(struct cli_reader *cr, struct cli_worker *w);
    void *(*cmd_init)(void *ctx);
    void (*cmd_fini)(void *ctx, void *cmd);
    void *ctx;
};

/*
 * Expand @args (files, trees, "-") and scan them; returns the exit status for
 * what happened to the inputs (0, 3 or 4), having printed every problem.
 */
int cli_read_all(struct cli_reader *cr, char **args, int nargs);

/* Print the skipped-files note (unless quiet). */
void cli_report_notes(const struct cli_reader *cr);

#endif
