/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/main.c - the opentrail command: global options and the subcommand table.
 *
 * Front end only: each subcommand parses its options, calls the library and
 * prints. Exit statuses: 0 clean, 1 negative verdict, 2 usage or config
 * error, 3 some input was bad (the rest was processed), 4 system error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
};

static const struct cli_cmd commands[] = {
    { "cat", cli_cat, "print CloudTrail records as NDJSON or TSV (files, trees, stdin)" },
    { "stats", cli_stats, "count records by source, name, region, day, category, error" },
    { "scan", cli_scan, "run filter patterns or the CIS alarm pack over records" },
    { "test-pattern", cli_test_pattern,
      "show which records or log lines a filter pattern matches" },
    { "lookup", cli_lookup, "find events as LookupEvents does: by id, name, user, resource, time" },
    { "notify", cli_notify, "send an alert through Slack, e-mail, signed webhooks or SNS" },
    { "ingest", cli_ingest, "records into a trail: log files, hourly signed digests" },
    { "keys", cli_keys, "digest signing keys and encryption keys: generate, list, rotate" },
    { "export", cli_export, "write a bucket's objects decrypted, for other tools" },
    { "lifecycle", cli_lifecycle, "archive tier, expiry and retention lock: plan, run, delete" },
    { "validate", cli_validate, "validate log files and digests as aws cloudtrail validate-logs" },
    { "cost", cli_cost, "what trails cost and could save: from a scenario or measured logs" },
    { "audit", cli_audit,
      "audit trail configuration (Terraform, CloudFormation) against best practice" },
    { "select", cli_select, "print the records a trail's event selectors keep" },
    { "config", cli_config, "opentrail.yaml: init, show (secrets redacted), check, doc" },
    { "serve", cli_serve, "the daemon; --check-config checks opentrail.yaml" },
};

static void usage(FILE *f)
{
    (void)fprintf(f, "usage: opentrail [--data-dir DIR] [--config FILE] COMMAND [ARGS...]\n"
                     "\n"
                     "opentrail is a self-hosted, CloudTrail-compatible audit trail. It reads\n"
                     "AWS CloudTrail log files and trees as AWS writes them.\n"
                     "\n"
                     "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        (void)fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    }
    (void)fprintf(f, "\n"
                     "global options:\n"
                     "  --data-dir DIR   state directory (env OPENTRAIL_DATA_DIR, default ./var)\n"
                     "  --config FILE    configuration (default DIR/opentrail.yaml)\n"
                     "  -h, --help       this help; opentrail COMMAND --help for a command's\n"
                     "  --version        print the version\n"
                     "\n"
                     "exit status: 0 clean, 1 negative verdict, 2 usage or config error,\n"
                     "3 some input was bad (the rest was processed), 4 system error.\n");
}

int main(int argc, char **argv)
{
    struct cli_global g = { 0 };
    const char *env = getenv("OPENTRAIL_DATA_DIR");
    g.data_dir = (env != NULL && env[0] != '\0') ? env : "./var";

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return CLI_OK;
        }
        if (strcmp(a, "--version") == 0) {
            (void)printf("opentrail %s\n", OPENTRAIL_VERSION);
            return CLI_OK;
        }
        if (strcmp(a, "--data-dir") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                (void)fprintf(stderr, "opentrail: %s needs a value\n", a);
                return CLI_USAGE;
            }
            if (a[2] == 'd') {
                g.data_dir = argv[++i];
            } else {
                g.config = argv[++i];
            }
            continue;
        }
        if (strncmp(a, "--data-dir=", 11) == 0) {
            g.data_dir = a + 11;
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0) {
            g.config = a + 9;
            continue;
        }
        (void)fprintf(stderr, "opentrail: unknown option '%s' (see opentrail --help)\n", a);
        return CLI_USAGE;
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    cli_set_data_dir(g.data_dir);
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(argv[i], commands[k].name) == 0) {
            return commands[k].fn(argc - i, argv + i, &g);
        }
    }
    (void)fprintf(stderr, "opentrail: unknown command '%s' (see opentrail --help)\n", argv[i]);
    return CLI_USAGE;
}
