/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account.h - the FinOps model of trails: a price book (data, not code), a
 * scenario (YAML) or measured volumes, and what they cost per component per
 * month, year and three years, with storage growing under lifecycle rules
 * and savings advice.
 *
 * Stage: account (beside the flow). Money is integer micro-dollars
 * (int64_t, 1 USD = 1,000,000), so sums are exact: every line is rounded to
 * the micro-dollar once, and totals are sums of lines. Prices are stated
 * per a number of units ("$2.00 per 100,000 events"), which keeps them exact
 * in micro-dollars too. Byte quantities are priced per GiB (2^30 bytes), the
 * "GB" of AWS bills. A month is 30 days in the storage model.
 */
#ifndef OPENTRAIL_ACCOUNT_H
#define OPENTRAIL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OT_MICROS_PER_USD 1000000ll
#define OT_GIB            1073741824ull

/* Ceilings of the model (a scenario past them is refused with a clear error). */
#define OT_PRICEBOOK_MAX_BYTES  (1024u * 1024u)
#define OT_PRICEBOOK_MAX_PRICES 128u
#define OT_SCENARIO_MAX_BYTES   (1024u * 1024u)
#define OT_SCENARIO_MAX_NODES   4096u
#define OT_SCENARIO_MAX_DEPTH   16u
#define OT_SCN_MAX_TRAILS       32u
#define OT_SCN_MAX_SERVICES     16u
#define OT_SCN_MAX_SOURCES      8u
#define OT_SCN_MAX_RULES        4u
#define OT_SCN_NAME_MAX         64u
#define OT_COST_MONTHS          36u
#define OT_COST_MAX_LINES       48u
#define OT_ADVICE_MAX           16u
/* Quantities above this are refused: 10^15 events or bytes a month keeps every product in range. */
#define OT_SCN_MAX_QUANTITY 1000000000000000ull

/* ---- price book ------------------------------------------------------- */

struct ot_price {
    char id[48];         /* "cloudtrail.management.additional_copy" */
    char item[128];      /* what a bill calls it */
    char unit[48];       /* "events", "GB-month", "requests", ... */
    uint64_t per;        /* the price is for this many units */
    int64_t micros;      /* price of @per units, micro-dollars */
    uint64_t free_units; /* free each month (free tier), in units */
    unsigned min_days;   /* minimum storage duration of a storage tier, else 0 */
    char source[200];    /* URL or document the price comes from */
    char as_of[16];      /* date the price was seen, YYYY-MM-DD */
    char confidence[16]; /* DOC, 3P, MEM, ... as in the spec */
};

struct ot_pricebook {
    char version[32];   /* the file's version, a date */
    char region[32];    /* the region applied (after overrides) */
    char currency[8];   /* "USD" */
    char about[256];    /* where the file comes from */
    size_t n;           /* prices */
    struct ot_price *v; /* owned */
};

/**
 * ot_pricebook_parse() - read a price book (JSON, see data/pricing/) and
 * apply the overrides of @region (NULL or "" = the book's own region).
 * On success *@out is the caller's; free it with ot_pricebook_free().
 * Returns OT_E_PARSE (line and column in @err), OT_E_USAGE (unknown region,
 * a price that is not a decimal, a duplicate id), OT_E_LIMIT or OT_E_NOMEM.
 */
OT_API ot_status ot_pricebook_parse(struct ot_sv json, const char *region,
                                    struct ot_pricebook **out, struct ot_error *err);

/**
 * ot_pricebook_builtin() - the price book compiled into the library
 * (data/pricing/aws-us-east-1.json at build time), for @region.
 */
OT_API ot_status ot_pricebook_builtin(const char *region, struct ot_pricebook **out,
                                      struct ot_error *err);

/* The built-in price book's JSON, borrowed from the library (static). */
OT_API struct ot_sv ot_pricebook_builtin_json(void);

OT_API void ot_pricebook_free(struct ot_pricebook *pb);

/* The price @id in @pb, borrowed from @pb; NULL if the book has none. */
OT_API const struct ot_price *ot_pricebook_get(const struct ot_pricebook *pb, const char *id);

/**
 * ot_price_cost() - what @qty units cost at @p, after the free tier,
 * rounded to the nearest micro-dollar. @qty_is_bytes: @qty is bytes and the
 * price is per GiB (byte-months for a GB-month price). Never overflows for
 * quantities up to OT_SCN_MAX_QUANTITY * 36.
 */
OT_API int64_t ot_price_cost(const struct ot_price *p, uint64_t qty, bool qty_is_bytes);

/**
 * ot_parse_usd() - parse a decimal dollar amount ("2.00", "0.00099") into
 * micro-dollars. At most 6 decimals, at most $1,000,000,000. OT_E_PARSE else.
 */
OT_API ot_status ot_parse_usd(struct ot_sv s, int64_t *out);

/**
 * ot_format_usd() - "$1,234.56" (cents, thousands separators) into @out;
 * @exact keeps every non-zero micro-dollar digit ("$0.000990").
 */
OT_API void ot_format_usd(int64_t micros, bool exact, char *out, size_t n);

/* ---- scenario ----------------------------------------------------------- */

enum ot_tier {
    OT_TIER_STANDARD = 0,
    OT_TIER_STANDARD_IA,
    OT_TIER_GLACIER_IR,
    OT_TIER_GLACIER_FLEXIBLE,
    OT_TIER_DEEP_ARCHIVE,
    OT_TIER_COUNT
};

/* The scenario name of a tier ("glacier_flexible"), and the price ids it uses. */
OT_API const char *ot_tier_name(enum ot_tier t);

/* Data events of one service per month (one copy). */
struct ot_scn_service {
    char name[32];         /* s3, lambda, dynamodb, ... */
    uint64_t events;       /* per month */
    unsigned read_pct;     /* share of read-only events (GetObject, ...) */
    unsigned selected_pct; /* share on the resources that matter (for advice); 100 = all */
};

/* A management event source worth excluding (kms.amazonaws.com, rdsdata...). */
struct ot_scn_source {
    char name[64];
    unsigned pct; /* share of all management events */
};

struct ot_scn_trail {
    char name[OT_SCN_NAME_MAX];
    uint32_t copies;   /* identical trails (e.g. one per member account) */
    uint32_t regions;  /* regions delivering log files (multi-region trails) */
    uint32_t accounts; /* accounts delivering log files (organization trails) */
    bool mgmt_read, mgmt_write;
    bool data_all;      /* data events of every service in the scenario */
    uint32_t data_mask; /* else bit i = services[i] */
    bool data_read;     /* read-only data events too (default true) */
    bool network_activity;
    bool insights_call_rate, insights_error_rate;
    bool cloudwatch_logs;     /* delivers to a CloudWatch Logs group */
    bool kms;                 /* SSE-KMS on the log files */
    bool sns;                 /* an SNS notification per log file */
    bool log_file_validation; /* one digest file per region and hour */
    bool s3;                  /* delivers to S3 (default true) */
};

struct ot_scn_rule {
    unsigned after_days;
    enum ot_tier tier;
};

/* Components a scenario prices (scope:), bit flags. */
#define OT_SCOPE_CLOUDTRAIL 1u
#define OT_SCOPE_S3         2u
#define OT_SCOPE_CLOUDWATCH 4u
#define OT_SCOPE_KMS        8u
#define OT_SCOPE_SNS        16u
#define OT_SCOPE_LAKE       32u
#define OT_SCOPE_ALL        63u

struct ot_scenario {
    char name[128];
    unsigned scope; /* OT_SCOPE_* bits; default all */
    char region[32];
    uint64_t mgmt_read, mgmt_write; /* management events per month, one copy */
    uint64_t network_activity;      /* network activity events per month */
    size_t nservices;
    struct ot_scn_service services[OT_SCN_MAX_SERVICES];
    size_t nsources;
    struct ot_scn_source sources[OT_SCN_MAX_SOURCES];
    size_t ntrails;
    struct ot_scn_trail trails[OT_SCN_MAX_TRAILS];
    uint64_t bytes_per_event;     /* average gzip bytes per event in S3 */
    uint64_t raw_bytes_per_event; /* average JSON bytes (CloudWatch Logs ingestion) */
    size_t nrules;
    struct ot_scn_rule rules[OT_SCN_MAX_RULES]; /* sorted by after_days */
    unsigned expire_days;                       /* 0 = keep forever */
    unsigned access_days;                       /* how far back investigations read */
    unsigned cw_retention_days;                 /* 0 = never expire */
    bool cw_infrequent_access;
    unsigned cw_filtered_pct; /* share of events the metric filters need (advice) */
    unsigned cw_ingest_pct;   /* share of a trail's events sent to CloudWatch Logs (100) */
    unsigned metric_filters;
    unsigned alarms;
    unsigned kms_keys;
    uint64_t kms_extra_requests;       /* decrypts by readers per month */
    uint64_t selfhost_bytes_per_event; /* opentrail's own gzip bytes per event, 0 = as S3 */
    uint64_t s3_get_requests;          /* GETs by readers (SIEM, Athena) per month */
    unsigned sns_delivery;             /* 0 SQS/Lambda (free), 1 HTTP/S, 2 email */
    bool alarms_high_resolution;       /* alarms on 10-second metrics */
    unsigned lake_stores;              /* CloudTrail Lake event data stores, 0 = no Lake */
    bool lake_seven_year;              /* seven-year retention pricing, else one-year */
    unsigned lake_retention_days;      /* one-year pricing: days kept (past 366 is extended) */
    uint64_t lake_query_gb;            /* GB scanned by Lake queries per month */
    /* Quantities given directly (an Infracost usage file), added to the derived ones. */
    uint64_t direct_mgmt_additional, direct_data, direct_insights;
};

/* Defaults: one trail-less scenario in us-east-1 with no volumes. */
OT_API void ot_scenario_init(struct ot_scenario *s);

/**
 * ot_scenario_parse() - read a scenario from YAML (the format is in
 * docs/cost.md; an Infracost usage file with resource_usage is read too).
 * @name is what messages call the input. Unknown keys, wrong types and
 * out-of-range numbers are errors with line and column in @err. @out is
 * written only on OT_OK. Returns OT_E_PARSE, OT_E_USAGE, OT_E_LIMIT or
 * OT_E_NOMEM.
 */
OT_API ot_status ot_scenario_parse(struct ot_sv yaml, const char *name, struct ot_scenario *out,
                                   struct ot_error *err);

/* ---- cost ------------------------------------------------------------- */

struct ot_cost_line {
    char component[32]; /* "CloudTrail", "S3", "CloudWatch", "KMS", "SNS" */
    char item[96];      /* "Management events, additional copies" */
    char price_id[48];
    char unit[48];     /* unit of @quantity: "events", "GB-month", ... */
    uint64_t quantity; /* month 1, in @unit (GB-month quantities in bytes) */
    bool qty_is_bytes;
    int64_t price_micros; /* price of @price_per units */
    uint64_t price_per;
    int64_t month[OT_COST_MONTHS]; /* cost of each month */
    int64_t month1, year1, years3;
};

struct ot_growth {
    uint64_t bytes[OT_TIER_COUNT]; /* S3 bytes stored in each tier (with lifecycle) */
    uint64_t bytes_flat;           /* without lifecycle: all in Standard, never expired */
    int64_t storage;               /* S3 storage cost with lifecycle, this month */
    int64_t storage_flat;          /* without lifecycle */
    int64_t total;                 /* everything, this month */
};

struct ot_cost {
    size_t nlines;
    struct ot_cost_line lines[OT_COST_MAX_LINES];
    int64_t month1, year1, years3;
    struct ot_growth growth[OT_COST_MONTHS];
    uint64_t s3_bytes_month;   /* gzip bytes delivered to S3 each month, all copies */
    uint64_t log_files_month;  /* log files delivered each month */
    uint64_t events_delivered; /* events delivered each month, all trails and copies */
};

/**
 * ot_cost_compute() - price @s with @pb. Fills @out (caller's storage, big:
 * allocate it). Returns OT_E_USAGE when @pb lacks a price the scenario needs
 * (the id is in @err) or a quantity is out of range.
 */
OT_API ot_status ot_cost_compute(const struct ot_scenario *s, const struct ot_pricebook *pb,
                                 struct ot_cost *out, struct ot_error *err);

/* ---- advice ------------------------------------------------------------ */

struct ot_advice {
    char id[32];         /* "duplicate-trails" */
    char title[128];     /* what to do */
    char gives_up[256];  /* the coverage given up */
    int64_t save_month;  /* average monthly saving over 36 months, micro-dollars */
    int64_t save_years3; /* over 36 months */
};

struct ot_advice_list {
    size_t n;
    struct ot_advice v[OT_ADVICE_MAX];
    /* what the same trails cost self-hosted on opentrail (bytes on disk) */
    uint64_t selfhost_bytes_month;
    int64_t selfhost_month1, selfhost_years3;
};

/**
 * ot_advise() - savings for @s, most valuable first; each item re-prices a
 * changed copy of @s with @pb, so the saving is exactly the difference of two
 * totals. Items that save nothing are left out.
 */
OT_API ot_status ot_advise(const struct ot_scenario *s, const struct ot_pricebook *pb,
                           struct ot_advice_list *out, struct ot_error *err);

#ifdef __cplusplus
}
#endif
#endif
