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
int cli_notify(int argc, char **argv, const struct cli_global *g);
int cli_lookup(int argc, char **argv, const struct cli_global *g);
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

int cli_export(int argc, char **argv, const struct cli_global *g);
int cli_lifecycle(int argc, char **argv, const struct cli_global *g);
/* DATA_DIR, for what every command shares (the KEKs of DATA_DIR/keys). */
void cli_set_data_dir(const char *dir);
const char *cli_data_dir(void);
/* The KEKs of DATA_DIR/keys into *@out (free with ot_kek_ring_free); prints
 * the error when @loud. Returns CLI_OK or the exit status. */
int cli_kek_ring_load(struct ot_kek_ring **out, bool loud);

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
    bool missing_key; /* an input sealed with a KEK that is not in DATA_DIR/keys */
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

/* --s3-* options of ingest and validate (cli/s3.c, docs/s3.md) */
struct cli_s3 {
    const char *endpoint, *region, *profile, *sse, *kms_key_id;
    bool virtual_host;
    unsigned timeout_ms, retry_for_ms;
};
enum {
    CLI_OPT_S3_ENDPOINT = 1100,
    CLI_OPT_S3_REGION,
    CLI_OPT_S3_PROFILE,
    CLI_OPT_S3_SSE,
    CLI_OPT_S3_KMS,
    CLI_OPT_S3_VHOST,
    CLI_OPT_S3_TIMEOUT,
    CLI_OPT_S3_RETRY_FOR,
};
#define CLI_S3_LONGOPTS                                                \
    { "s3-endpoint", required_argument, NULL, CLI_OPT_S3_ENDPOINT },   \
        { "s3-region", required_argument, NULL, CLI_OPT_S3_REGION },   \
        { "s3-profile", required_argument, NULL, CLI_OPT_S3_PROFILE }, \
        { "s3-sse", required_argument, NULL, CLI_OPT_S3_SSE },         \
        { "s3-kms-key-id", required_argument, NULL, CLI_OPT_S3_KMS },  \
        { "s3-virtual-host", no_argument, NULL, CLI_OPT_S3_VHOST },    \
        { "s3-timeout", required_argument, NULL, CLI_OPT_S3_TIMEOUT }, \
    {                                                                  \
        "s3-retry-for", required_argument, NULL, CLI_OPT_S3_RETRY_FOR  \
    }
#define CLI_S3_HELP                                                                           \
    "      --s3-endpoint URL   use the S3-compatible store at URL (http[s]://HOST[:PORT])\n"  \
    "                          instead of DATA_DIR/buckets; credentials from\n"               \
    "                          AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]\n" \
    "                          or the shared credentials file (docs/s3.md)\n"                 \
    "      --s3-region R       SigV4 region (default AWS_REGION, AWS_DEFAULT_REGION or\n"     \
    "                          us-east-1)\n"                                                  \
    "      --s3-profile P      profile in ~/.aws/credentials (default AWS_PROFILE or\n"       \
    "                          default)\n"                                                    \
    "      --s3-sse S          server-side encryption of new objects: AES256 or aws:kms\n"    \
    "      --s3-kms-key-id K   the KMS key with --s3-sse aws:kms\n"                           \
    "      --s3-virtual-host   BUCKET.HOST/KEY addressing (default: HOST/BUCKET/KEY)\n"       \
    "      --s3-timeout SECS   one request (default 60)\n"                                    \
    "      --s3-retry-for SECS keep retrying 5xx, throttling and dropped connections\n"       \
    "                          with backoff this long (default 60)\n"
/* Handle one --s3-* option: true when @opt was one (then *rc is CLI_OK or CLI_USAGE). */
bool cli_s3_opt(const char *cmd, int opt, const char *arg, struct cli_s3 *o, int *rc);
/* Open the S3 backend @o describes; prints the error and returns its exit status. */
int cli_s3_open(const struct cli_s3 *o, struct ot_backend *b);

#endif
