/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cost.h - the pieces of `opentrail cost`: options, measured volumes
 * (cost_from.c), and the text, JSON, CSV and HTML outputs (cost_out.c,
 * cost_html.c).
 */
#ifndef OT_CLI_COST_H
#define OT_CLI_COST_H

#include "cli.h"
#include "opentrail/account.h"

#define COST_MAX_FROM     16
#define COST_MAX_DAYS     400u      /* distinct days kept in the bytes-per-day table */
#define COST_MAX_SERVICES 16u       /* data-event services kept by name; the rest is "other" */
#define COST_MAX_IDS      50000000u /* eventIDs kept for duplicate detection */
#define COST_MAX_TRAILS   32u       /* trail destinations told apart; the rest share the last */

struct cost_opts {
    const char *scenario;
    const char *from[COST_MAX_FROM];
    int nfrom;
    unsigned days_observed; /* 0 = auto */
    const char *prices;
    const char *region;
    const char *html;
    bool advise, json, csv, print_prices;
    struct cli_read_opts read;
};

enum cost_cat { CAT_MGMT_READ, CAT_MGMT_WRITE, CAT_DATA, CAT_NETWORK, CAT_INSIGHT, CAT_COUNT };

struct cost_day {
    char day[11]; /* YYYY-MM-DD */
    uint64_t records, bytes_in, bytes_json;
};

struct cost_measured {
    uint64_t files, records, bad_files, bad_records;
    uint64_t cat[CAT_COUNT];  /* every copy */
    uint64_t dups[CAT_COUNT]; /* copies beyond the first of an eventID */
    uint64_t no_id;           /* records without eventID (never counted as copies) */
    bool ids_capped;
    uint64_t bytes_in, bytes_json, bytes_in_gzip, bytes_json_gzip;
    size_t nsvc;
    struct {
        char name[64];
        uint64_t n, reads;
    } svc[COST_MAX_SERVICES + 1]; /* last: "other" */
    uint64_t noisy[2];            /* management events of cost_noisy_sources[] */
    size_t ndays;
    struct cost_day days[COST_MAX_DAYS];
    unsigned nregions;
    char first[32], last[32]; /* eventTime range */
    size_t ntrails;
    struct {
        char path[256]; /* what comes before AWSLogs/ (bucket/prefix), else the folder */
        uint64_t records, shared, only_here; /* only_here: eventIDs no other trail has */
    } trails[COST_MAX_TRAILS];
    unsigned days_used; /* days the projection divides by */
    bool days_auto;
};

struct cost_result {
    struct ot_scenario *s;
    struct ot_cost *cost;
    struct ot_advice_list *advice;
    const struct ot_pricebook *pb;
    struct cost_measured *m; /* NULL for a scenario */
};

/* Management sources AWS offers to exclude (kms.amazonaws.com, rdsdata.amazonaws.com). */
extern const char *const cost_noisy_sources[2];

void cost_result_cleanup(struct cost_result *r);
int cost_read_file(const char *path, size_t max, struct ot_buf *b);
int cost_measure(const struct cost_opts *o, struct cost_result *r);
int cost_print_text(const struct cost_opts *o, const struct cost_result *r);
int cost_print_json(const struct cost_opts *o, const struct cost_result *r);
int cost_print_csv(const struct cost_opts *o, const struct cost_result *r);
int cost_write_html(const struct cost_opts *o, const struct cost_result *r);

/* Seconds between two eventTimes "YYYY-MM-DDTHH:MM:SSZ", -1 if either is not one. */
long long cost_window_seconds(const char *first, const char *last);
/* The line that costs most over 3 years, borrowed from @c; NULL if nothing costs. */
const struct ot_cost_line *cost_largest_line(const struct ot_cost *c);
/* "1,234,567" */
void cost_fmt_count(uint64_t n, char *out, size_t cap);
/* quantity of a line in its unit: counts as integers, bytes as GB with 2 decimals */
void cost_fmt_qty(const struct ot_cost_line *l, uint64_t qty, char *out, size_t cap);

#endif
