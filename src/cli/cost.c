/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cost.c - `opentrail cost`: what a trail costs per component per month,
 * year and three years, from a scenario (YAML) or from measured logs
 * (--from, cost_from.c), with savings advice, as text, JSON, CSV or an HTML
 * report (cost_report.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cost.h"

static const char help[] =
    "usage: opentrail cost --scenario FILE [OPTIONS]\n"
    "       opentrail cost --from DIR... [--days-observed auto|N] [OPTIONS]\n"
    "\n"
    "What CloudTrail trails cost per component (CloudTrail events, S3 storage,\n"
    "requests and lifecycle, CloudWatch Logs and alarms, KMS, SNS, Lake), for the\n"
    "first month, the first year and three years, with S3 storage growing month by\n"
    "month under the lifecycle rules. Prices come from a versioned price book\n"
    "(built in: AWS us-east-1; every price cites its source and date).\n"
    "\n"
    "input (one of):\n"
    "  -s, --scenario FILE      a scenario in YAML (docs/cost.md), or an Infracost\n"
    "                           usage file (resource_usage: aws_cloudtrail.*)\n"
    "  -f, --from DIR           measure CloudTrail log trees (AWS's or ours; may be\n"
    "                           repeated): events by category, duplicate copies by\n"
    "                           eventID, bytes per day; projected to a month\n"
    "      --days-observed N    days the logs cover (default auto: the distinct UTC\n"
    "                           days of their eventTime)\n"
    "\n"
    "options:\n"
    "      --prices FILE        price book to use instead of the built-in one\n"
    "      --region REGION      apply the price book's overrides for REGION\n"
    "      --advise             savings, each with $/month and the coverage given up\n"
    "      --json               one JSON object\n"
    "      --csv                CSV: one row per cost line and a TOTAL row\n"
    "      --html FILE          also write an HTML report with charts (no network)\n"
    "      --print-prices       print the price book in use and exit\n"
    "  -j, --jobs N             --from: worker threads (default: all cores)\n"
    "      --max-file-bytes N   --from: cap on one input, decompressed (default 1G)\n"
    "  -h, --help               this help\n"
    "\n"
    "Money is exact (integer micro-dollars); a month is 30 days in the storage\n"
    "model. Exit status: 0 ok, 2 usage or scenario error, 3 bad input logs,\n"
    "4 system error.\n";

enum {
    OPT_PRICES = 2000,
    OPT_REGION,
    OPT_ADVISE,
    OPT_JSON,
    OPT_CSV,
    OPT_HTML,
    OPT_DAYS,
    OPT_PRINT_PRICES,
};

/* Read all of @path (at most @max bytes) into @b. */
int cost_read_file(const char *path, size_t max, struct ot_buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    if (f == NULL) {
        (void)fprintf(stderr, "opentrail: %s: %s (check the path)\n", path, strerror(errno));
        return CLI_USAGE;
    }
    *b = OT_BUF_INIT(max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        ot_status st = ot_buf_append(b, chunk, n);
        if (st != OT_OK) {
            (void)fclose(f);
            (void)fprintf(stderr, "opentrail: %s: %s (at most %zu bytes)\n", path,
                          st == OT_E_LIMIT ? "file too large" : "out of memory", max);
            return st == OT_E_LIMIT ? CLI_USAGE : CLI_SYSTEM;
        }
    }
    int bad = ferror(f);
    (void)fclose(f); /* read-only: nothing to lose on close */
    if (bad) {
        (void)fprintf(stderr, "opentrail: %s: read error\n", path);
        ot_buf_cleanup(b);
        return CLI_SYSTEM;
    }
    return CLI_OK;
}

static int load_prices(const struct cost_opts *o, struct ot_pricebook **pb)
{
    struct ot_error err;
    ot_status st;
    ot_error_clear(&err);
    if (o->prices == NULL) {
        st = ot_pricebook_builtin(o->region, pb, &err);
    } else {
        struct ot_buf b;
        int rc = cost_read_file(o->prices, OT_PRICEBOOK_MAX_BYTES, &b);
        if (rc != CLI_OK) {
            return rc;
        }
        st = ot_pricebook_parse(ot_buf_sv(&b), o->region, pb, &err);
        ot_buf_cleanup(&b);
        if (st != OT_OK) {
            ot_error_at(&err, "%s", o->prices);
        }
    }
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
    }
    return CLI_OK;
}

static int load_scenario(const char *path, struct ot_scenario *s)
{
    struct ot_buf b;
    struct ot_error err;
    ot_error_clear(&err);
    int rc = cost_read_file(path, OT_SCENARIO_MAX_BYTES, &b);
    if (rc != CLI_OK) {
        return rc;
    }
    ot_status st = ot_scenario_parse(ot_buf_sv(&b), path, s, &err);
    ot_buf_cleanup(&b);
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
    }
    return CLI_OK;
}

static int parse_args(int argc, char **argv, struct cost_opts *o)
{
    static const struct option longopts[] = {
        { "scenario", required_argument, NULL, 's' },
        { "from", required_argument, NULL, 'f' },
        { "days-observed", required_argument, NULL, OPT_DAYS },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "region", required_argument, NULL, OPT_REGION },
        { "advise", no_argument, NULL, OPT_ADVISE },
        { "json", no_argument, NULL, OPT_JSON },
        { "csv", no_argument, NULL, OPT_CSV },
        { "html", required_argument, NULL, OPT_HTML },
        { "print-prices", no_argument, NULL, OPT_PRINT_PRICES },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    int rc = CLI_OK, opt;
    uint64_t v;
    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "s:f:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            o->scenario = optarg;
            break;
        case 'f':
            if (o->nfrom >= COST_MAX_FROM) {
                return cli_usage_error("cost", "at most %d --from folders", COST_MAX_FROM);
            }
            o->from[o->nfrom++] = optarg;
            break;
        case OPT_DAYS:
            if (strcmp(optarg, "auto") == 0) {
                o->days_observed = 0;
            } else if (ot_parse_u64(ot_sv_cstr(optarg), 3660, false, &v) != OT_OK || v == 0) {
                return cli_usage_error("cost", "--days-observed wants auto or 1 to 3660, not '%s'",
                                       optarg);
            } else {
                o->days_observed = (unsigned)v;
            }
            break;
        case OPT_PRICES:
            o->prices = optarg;
            break;
        case OPT_REGION:
            o->region = optarg;
            break;
        case OPT_ADVISE:
            o->advise = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_CSV:
            o->csv = true;
            break;
        case OPT_HTML:
            o->html = optarg;
            break;
        case OPT_PRINT_PRICES:
            o->print_prices = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return -1;
        default:
            if (!cli_read_opt("cost", opt, optarg, &o->read, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    if (rc != CLI_OK) {
        return rc;
    }
    if (optind < argc) {
        return cli_usage_error("cost", "unexpected argument '%s'", argv[optind]);
    }
    if (o->json && o->csv) {
        return cli_usage_error("cost", "--json and --csv exclude each other");
    }
    if (!o->print_prices && (o->scenario == NULL) == (o->nfrom == 0)) {
        return cli_usage_error("cost", "give either --scenario FILE or --from DIR");
    }
    return CLI_OK;
}

static int print_prices(const struct ot_pricebook *pb)
{
    (void)printf("price book %s, region %s, %s\n%s\n\n", pb->version, pb->region, pb->currency,
                 pb->about);
    (void)printf("%-40s %14s  %-22s %-10s %s\n", "id", "price", "per", "as of", "source");
    for (size_t i = 0; i < pb->n; i++) {
        const struct ot_price *p = &pb->v[i];
        char usd[32], per[80];
        ot_format_usd(p->micros, true, usd, sizeof(usd));
        (void)snprintf(per, sizeof(per), "%llu %s", (unsigned long long)p->per, p->unit);
        (void)printf("%-40s %14s  %-22s %-10s %s [%s]\n", p->id, usd, per, p->as_of, p->source,
                     p->confidence);
    }
    return CLI_OK;
}

int cli_cost(int argc, char **argv, const struct cli_global *g)
{
    struct cost_opts o = { 0 };
    struct cost_result r = { 0 };
    struct ot_pricebook *pb = NULL;
    struct ot_error err;
    int rc;
    (void)g; /* cost needs no state directory */

    ot_error_clear(&err);
    rc = parse_args(argc, argv, &o);
    if (rc != CLI_OK) {
        return rc < 0 ? CLI_OK : rc;
    }
    r.s = ot_malloc(sizeof(*r.s));
    r.cost = ot_malloc(sizeof(*r.cost));
    r.advice = ot_calloc(1, sizeof(*r.advice));
    if (r.s == NULL || r.cost == NULL || r.advice == NULL) {
        (void)fprintf(stderr, "opentrail cost: out of memory\n");
        rc = CLI_SYSTEM;
        goto out;
    }
    ot_scenario_init(r.s);
    if (o.scenario != NULL) {
        rc = load_scenario(o.scenario, r.s);
    } else if (o.nfrom > 0) {
        rc = cost_measure(&o, &r);
    }
    if (rc != CLI_OK && rc != CLI_BADINPUT) {
        goto out;
    }
    int in_rc = rc;
    if (o.region == NULL && (o.scenario != NULL || o.nfrom > 0)) {
        o.region = r.s->region;
    }
    rc = load_prices(&o, &pb);
    if (rc != CLI_OK) {
        goto out;
    }
    if (o.print_prices) {
        rc = print_prices(pb);
        goto out;
    }
    if (ot_cost_compute(r.s, pb, r.cost, &err) != OT_OK ||
        (o.advise && ot_advise(r.s, pb, r.advice, &err) != OT_OK)) {
        ot_error_at(&err, "%s", o.scenario ? o.scenario : o.from[0]);
        cli_print_error(&err);
        rc = CLI_USAGE;
        goto out;
    }
    r.pb = pb;
    if (o.json) {
        rc = cost_print_json(&o, &r);
    } else if (o.csv) {
        rc = cost_print_csv(&o, &r);
    } else {
        rc = cost_print_text(&o, &r);
    }
    if (rc == CLI_OK && o.html != NULL) {
        rc = cost_write_html(&o, &r);
    }
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        (void)fprintf(stderr, "opentrail cost: writing the output failed\n");
        rc = CLI_SYSTEM;
    }
    if (rc == CLI_OK) {
        rc = in_rc;
    }
out:
    ot_pricebook_free(pb);
    cost_result_cleanup(&r);
    return rc;
}
