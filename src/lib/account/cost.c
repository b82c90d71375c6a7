/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/cost.c - price a scenario: per component, month by month for 36
 * months, with S3 storage growing under the lifecycle rules.
 *
 * Stage: account. First the scenario becomes monthly quantities (events
 * delivered per trail copy, log files, bytes); then each line is priced for
 * each of the 36 months. Flat lines cost the same every month; storage lines
 * follow the cohort model below. Every quantity is checked for overflow
 * (a scenario past OT_SCN_MAX_QUANTITY is refused, not wrapped).
 *
 * Storage model: the logs delivered in month k form cohort k. In month m the
 * cohort is (m - k) * 30 days old, sits in the class of the last rule whose
 * after_days it has reached (Standard before any), and is gone once it reaches
 * expire_after_days. A cohort is billed for the whole month it arrives in, a
 * slight over-estimate a budget can live with. Leaving a class before its
 * minimum storage duration is billed as AWS does: the days left.
 */
#include <stdio.h>
#include <string.h>

#include "opentrail/account.h"

#include "core/private.h"

/* CloudTrail delivers a log file about every 5 minutes per region and account:
 * 288 a day, 30 days; a digest file every hour. */
#define FILES_PER_MONTH   8640u
#define DIGESTS_PER_MONTH 720u
#define DAYS_PER_MONTH    30u

struct qty {
    bool overflow;
    uint64_t mgmt_first, mgmt_additional, network, insights;
    uint64_t data[OT_SCN_MAX_SERVICES];
    uint64_t files, digests; /* S3 objects per month */
    uint64_t s3_bytes;       /* gzip bytes per month to S3 */
    uint64_t events;         /* all deliveries */
    uint64_t cw_events;      /* events delivered to CloudWatch Logs */
    uint64_t kms_requests, sns_publishes;
    bool kms;
};

static uint64_t mul(struct qty *q, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > OT_SCN_MAX_QUANTITY * 10) {
        q->overflow = true;
        return 0;
    }
    return r;
}

static uint64_t add(struct qty *q, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r) || r > OT_SCN_MAX_QUANTITY * 10) {
        q->overflow = true;
        return 0;
    }
    return r;
}

const char *ot_tier_name(enum ot_tier t)
{
    switch (t) {
    case OT_TIER_STANDARD:
        return "standard";
    case OT_TIER_STANDARD_IA:
        return "standard_ia";
    case OT_TIER_GLACIER_IR:
        return "glacier_ir";
    case OT_TIER_GLACIER_FLEXIBLE:
        return "glacier_flexible";
    case OT_TIER_DEEP_ARCHIVE:
        return "deep_archive";
    case OT_TIER_COUNT:
        break;
    }
    return "?";
}

static void quantities(const struct ot_scenario *s, struct qty *q)
{
    uint64_t any_r = 0, any_w = 0, mgmt = 0;
    memset(q, 0, sizeof(*q));
    for (size_t i = 0; i < s->ntrails; i++) {
        const struct ot_scn_trail *t = &s->trails[i];
        uint64_t mr = t->mgmt_read ? s->mgmt_read : 0, mw = t->mgmt_write ? s->mgmt_write : 0;
        uint64_t per_copy = add(q, mr, mw);
        any_r = t->mgmt_read ? s->mgmt_read : any_r;
        any_w = t->mgmt_write ? s->mgmt_write : any_w;
        mgmt = add(q, mgmt, mul(q, t->copies, per_copy));
        for (size_t j = 0; j < s->nservices; j++) {
            const struct ot_scn_service *svc = &s->services[j];
            if (!t->data_all && (t->data_mask & (1u << j)) == 0) {
                continue;
            }
            uint64_t ev = t->data_read ? svc->events
                                       : svc->events / 100 * (100 - svc->read_pct) +
                                             svc->events % 100 * (100 - svc->read_pct) / 100;
            q->data[j] = add(q, q->data[j], mul(q, t->copies, ev));
            per_copy = add(q, per_copy, ev);
        }
        if (t->network_activity) {
            q->network = add(q, q->network, mul(q, t->copies, s->network_activity));
            per_copy = add(q, per_copy, s->network_activity);
        }
        uint64_t analysed =
            add(q, t->insights_call_rate ? mw : 0, t->insights_error_rate ? add(q, mr, mw) : 0);
        q->insights = add(q, q->insights, mul(q, t->copies, analysed));
        uint64_t delivered = mul(q, t->copies, per_copy);
        q->events = add(q, q->events, delivered);
        uint64_t places = mul(q, mul(q, t->copies, t->regions), t->accounts);
        uint64_t files = per_copy > 0 ? mul(q, places, FILES_PER_MONTH) : 0;
        if (t->s3) {
            q->files = add(q, q->files, files);
            q->digests =
                add(q, q->digests, t->log_file_validation ? mul(q, places, DIGESTS_PER_MONTH) : 0);
            q->s3_bytes = add(q, q->s3_bytes, mul(q, delivered, s->bytes_per_event));
        }
        if (t->cloudwatch_logs) {
            q->cw_events =
                add(q, q->cw_events,
                    delivered / 100 * s->cw_ingest_pct + delivered % 100 * s->cw_ingest_pct / 100);
        }
        if (t->kms && t->s3) {
            q->kms = true;
            q->kms_requests = add(q, q->kms_requests, files); /* GenerateDataKey per file */
        }
        if (t->sns && t->s3) {
            q->sns_publishes = add(q, q->sns_publishes, files);
        }
    }
    q->mgmt_first = mgmt < any_r + any_w ? mgmt : any_r + any_w; /* first copy per region */
    bool s3 = false;
    for (size_t i = 0; i < s->ntrails; i++) {
        s3 = s3 || s->trails[i].s3;
    }
    if (s3) { /* copies given directly (measured, usage files) are stored too */
        q->s3_bytes = add(q, q->s3_bytes, mul(q, s->direct_mgmt_additional, s->bytes_per_event));
    }
    q->events = add(q, q->events, s->direct_mgmt_additional);
    q->mgmt_additional = add(q, mgmt - q->mgmt_first, s->direct_mgmt_additional);
    q->insights = add(q, q->insights, s->direct_insights);
    if (q->kms || s->kms_keys > 0) {
        q->kms = true;
        q->kms_requests = add(q, q->kms_requests, s->kms_extra_requests);
    }
}

/* ---- lines --------------------------------------------------------------- */

struct ctx {
    const struct ot_pricebook *pb;
    struct ot_cost *out;
    struct ot_error *err;
    ot_status st;
};

static struct ot_cost_line *line(struct ctx *c, const char *component, const char *item,
                                 const char *price_id, uint64_t qty, bool is_bytes)
{
    if (c->st != OT_OK) {
        return NULL;
    }
    const struct ot_price *p = ot_pricebook_get(c->pb, price_id);
    if (p == NULL) {
        c->st = ot_fail(c->err, OT_E_USAGE,
                        "add it to the price book (--prices FILE) or use the built-in one",
                        "the price book has no price '%s'", price_id);
        return NULL;
    }
    if (c->out->nlines >= OT_COST_MAX_LINES) {
        c->st = ot_fail(c->err, OT_E_LIMIT, "use fewer data services", "more than %u cost lines",
                        OT_COST_MAX_LINES);
        return NULL;
    }
    struct ot_cost_line *l = &c->out->lines[c->out->nlines++];
    memset(l, 0, sizeof(*l));
    (void)snprintf(l->component, sizeof(l->component), "%s", component);
    (void)snprintf(l->item, sizeof(l->item), "%s", item);
    (void)snprintf(l->price_id, sizeof(l->price_id), "%s", price_id);
    (void)snprintf(l->unit, sizeof(l->unit), "%s", p->unit);
    l->quantity = qty;
    l->qty_is_bytes = is_bytes;
    l->price_micros = p->micros;
    l->price_per = p->per;
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        l->month[m] = ot_price_cost(p, qty, is_bytes);
    }
    return l;
}

/* A line whose quantity changes month by month (@qty has OT_COST_MONTHS values). */
static void line_months(struct ctx *c, const char *component, const char *item,
                        const char *price_id, const uint64_t *qty, bool is_bytes)
{
    bool any = false;
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        any = any || qty[m] > 0;
    }
    if (!any) {
        return;
    }
    struct ot_cost_line *l = line(c, component, item, price_id, qty[0], is_bytes);
    const struct ot_price *p = ot_pricebook_get(c->pb, price_id);
    for (unsigned m = 0; l != NULL && m < OT_COST_MONTHS; m++) {
        l->month[m] = ot_price_cost(p, qty[m], is_bytes);
    }
}

static const char *const storage_ids[OT_TIER_COUNT] = {
    "s3.storage.standard",         "s3.storage.standard_ia",  "s3.storage.glacier_ir",
    "s3.storage.glacier_flexible", "s3.storage.deep_archive",
};
static const char *const transition_ids[OT_TIER_COUNT] = {
    NULL,
    "s3.transition.standard_ia",
    "s3.transition.glacier_ir",
    "s3.transition.glacier_flexible",
    "s3.transition.deep_archive",
};
static const char *const storage_items[OT_TIER_COUNT] = {
    "Storage, Standard",         "Storage, Standard-IA",          "Storage, Glacier Instant",
    "Storage, Glacier Flexible", "Storage, Glacier Deep Archive",
};

/* The class a cohort @age_days old sits in, or -1 once expired. */
static int tier_at(const struct ot_scenario *s, unsigned age_days, unsigned *since_days)
{
    int tier = OT_TIER_STANDARD;
    *since_days = 0;
    if (s->expire_days > 0 && age_days >= s->expire_days) {
        return -1;
    }
    for (size_t i = 0; i < s->nrules; i++) {
        if (age_days >= s->rules[i].after_days) {
            tier = (int)s->rules[i].tier;
            *since_days = s->rules[i].after_days;
        }
    }
    return tier;
}

struct storage_series {
    uint64_t bytes[OT_TIER_COUNT][OT_COST_MONTHS];
    uint64_t flat[OT_COST_MONTHS];
    uint64_t transitions[OT_TIER_COUNT][OT_COST_MONTHS];
    uint64_t early[OT_TIER_COUNT][OT_COST_MONTHS]; /* byte-months billed for early removal */
};

static void storage_model(const struct ot_scenario *s, const struct qty *q,
                          const struct ot_pricebook *pb, struct storage_series *ss)
{
    uint64_t objects = q->files + q->digests;
    memset(ss, 0, sizeof(*ss));
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        for (unsigned k = 0; k <= m; k++) {
            unsigned age = (m - k) * DAYS_PER_MONTH, since = 0, prev_since = 0;
            int tier = tier_at(s, age, &since);
            ss->flat[m] += q->s3_bytes;
            if (tier >= 0) {
                ss->bytes[tier][m] += q->s3_bytes;
            }
            if (age == 0) {
                continue;
            }
            int prev = tier_at(s, age - DAYS_PER_MONTH, &prev_since);
            if (prev < 0 || prev == tier) {
                continue;
            }
            if (tier >= 0) {
                ss->transitions[tier][m] += objects;
            }
            /* left class @prev: billed up to its minimum storage duration */
            const struct ot_price *p = ot_pricebook_get(pb, storage_ids[prev]);
            unsigned entered = (prev_since + DAYS_PER_MONTH - 1) / DAYS_PER_MONTH * DAYS_PER_MONTH;
            unsigned stayed = age - entered;
            if (p != NULL && p->min_days > stayed) {
                ss->early[prev][m] += q->s3_bytes / DAYS_PER_MONTH * (p->min_days - stayed);
            }
        }
    }
}

static void s3_lines(struct ctx *c, const struct ot_scenario *s, const struct qty *q)
{
    struct storage_series *ss = ot_malloc(sizeof(*ss));
    if (ss == NULL) {
        c->st = ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory pricing storage");
        return;
    }
    storage_model(s, q, c->pb, ss);
    for (int t = 0; t < OT_TIER_COUNT; t++) {
        line_months(c, "S3", storage_items[t], storage_ids[t], ss->bytes[t], true);
    }
    uint64_t puts = q->files + q->digests;
    if (puts > 0 && c->st == OT_OK) {
        (void)line(c, "S3", "PUT requests (log and digest files)", "s3.requests.put", puts, false);
    }
    if (s->s3_get_requests > 0 && c->st == OT_OK) {
        (void)line(c, "S3", "GET requests (readers)", "s3.requests.get", s->s3_get_requests, false);
    }
    for (int t = 1; t < OT_TIER_COUNT; t++) {
        char item[96];
        (void)snprintf(item, sizeof(item), "Transitions to %s", ot_tier_name(t));
        line_months(c, "S3", item, transition_ids[t], ss->transitions[t], false);
    }
    for (int t = 1; t < OT_TIER_COUNT; t++) {
        char item[96];
        (void)snprintf(item, sizeof(item), "Minimum duration, %s", ot_tier_name(t));
        line_months(c, "S3", item, storage_ids[t], ss->early[t], true);
    }
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        struct ot_growth *g = &c->out->growth[m];
        const struct ot_price *std = ot_pricebook_get(c->pb, storage_ids[0]);
        for (int t = 0; t < OT_TIER_COUNT; t++) {
            const struct ot_price *p = ot_pricebook_get(c->pb, storage_ids[t]);
            g->bytes[t] = ss->bytes[t][m];
            g->storage += p ? ot_price_cost(p, ss->bytes[t][m], true) : 0;
        }
        g->bytes_flat = ss->flat[m];
        g->storage_flat = std ? ot_price_cost(std, ss->flat[m], true) : 0;
    }
    ot_free(ss);
}

static void cloudtrail_lines(struct ctx *c, const struct ot_scenario *s, const struct qty *q)
{
    if (q->mgmt_first > 0) {
        (void)line(c, "CloudTrail", "Management events, first copy (free)",
                   "cloudtrail.management.first_copy", q->mgmt_first, false);
    }
    if (q->mgmt_additional > 0) {
        (void)line(c, "CloudTrail", "Management events, additional copies",
                   "cloudtrail.management.additional_copy", q->mgmt_additional, false);
    }
    for (size_t j = 0; j < s->nservices; j++) {
        char item[96];
        (void)snprintf(item, sizeof(item), "Data events, %s", s->services[j].name);
        if (q->data[j] > 0) {
            (void)line(c, "CloudTrail", item, "cloudtrail.data_events", q->data[j], false);
        }
    }
    if (s->direct_data > 0) {
        (void)line(c, "CloudTrail", "Data events (usage file)", "cloudtrail.data_events",
                   s->direct_data, false);
    }
    if (q->network > 0) {
        (void)line(c, "CloudTrail", "Network activity events", "cloudtrail.network_activity_events",
                   q->network, false);
    }
    if (q->insights > 0) {
        (void)line(c, "CloudTrail", "Insights, events analysed", "cloudtrail.insights", q->insights,
                   false);
    }
}

static void cloudwatch_lines(struct ctx *c, const struct ot_scenario *s, const struct qty *q,
                             struct qty *qc)
{
    if (q->cw_events > 0) {
        uint64_t raw = mul(qc, q->cw_events, s->raw_bytes_per_event);
        uint64_t packed = mul(qc, q->cw_events, s->bytes_per_event);
        uint64_t stored[OT_COST_MONTHS];
        unsigned keep = (s->cw_retention_days + DAYS_PER_MONTH - 1) / DAYS_PER_MONTH;
        if (raw > 0) {
            (void)line(c, "CloudWatch", "Logs ingestion",
                       s->cw_infrequent_access ? "logs.ingest.infrequent_access"
                                               : "logs.ingest.standard",
                       raw, true);
        }
        for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
            unsigned months = (keep == 0 || m + 1 < keep) ? m + 1 : keep;
            stored[m] = mul(qc, packed, months);
        }
        line_months(c, "CloudWatch", "Logs storage", "logs.storage", stored, true);
    }
    if (s->metric_filters > 0) {
        (void)line(c, "CloudWatch", "Custom metrics (metric filters)", "cloudwatch.custom_metric",
                   s->metric_filters, false);
    }
    if (s->alarms > 0) {
        (void)line(c, "CloudWatch", "Alarms",
                   s->alarms_high_resolution ? "cloudwatch.alarm.high_resolution"
                                             : "cloudwatch.alarm.standard",
                   s->alarms, false);
    }
}

/* CloudTrail Lake: each event data store ingests one copy of every event (no
 * dedup across stores), priced per GB of JSON. One-year pricing includes 366
 * days; kept longer, each GB-month past a year is extended retention. Seven-year
 * pricing is tiered on the month's ingestion. */
static void lake_lines(struct ctx *c, const struct ot_scenario *s, struct qty *q)
{
    uint64_t events = add(q, add(q, s->mgmt_read, s->mgmt_write), s->network_activity);
    for (size_t j = 0; j < s->nservices; j++) {
        events = add(q, events, s->services[j].events);
    }
    uint64_t bytes = mul(q, mul(q, events, s->raw_bytes_per_event), s->lake_stores);
    if (bytes > 0 && !s->lake_seven_year) {
        uint64_t ext[OT_COST_MONTHS];
        (void)line(c, "Lake", "Ingestion, one-year retention", "cloudtrail.lake.ingest_1yr", bytes,
                   true);
        for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
            ext[m] = 0;
            for (unsigned k = 0; k <= m; k++) {
                unsigned age = (m - k) * DAYS_PER_MONTH;
                ext[m] += age >= 366 && age < s->lake_retention_days ? bytes : 0;
            }
        }
        line_months(c, "Lake", "Extended retention past one year",
                    "cloudtrail.lake.extended_retention", ext, true);
    } else if (bytes > 0) {
        static const char *const ids[3] = { "cloudtrail.lake.ingest_7yr.first_5tb",
                                            "cloudtrail.lake.ingest_7yr.next_20tb",
                                            "cloudtrail.lake.ingest_7yr.over_25tb" };
        static const char *const items[3] = { "Ingestion 7-year, first 5 TB",
                                              "Ingestion 7-year, next 20 TB",
                                              "Ingestion 7-year, above 25 TB" };
        const uint64_t tb = 1024ull * OT_GIB, caps[3] = { 5 * tb, 20 * tb, UINT64_MAX };
        uint64_t left = bytes;
        for (int i = 0; i < 3 && left > 0; i++) {
            uint64_t part = left < caps[i] ? left : caps[i];
            (void)line(c, "Lake", items[i], ids[i], part, true);
            left -= part;
        }
    }
    if (s->lake_query_gb > 0) {
        (void)line(c, "Lake", "Queries (GB scanned)", "cloudtrail.lake.query",
                   mul(q, s->lake_query_gb, OT_GIB), true);
    }
}

ot_status ot_cost_compute(const struct ot_scenario *s, const struct ot_pricebook *pb,
                          struct ot_cost *out, struct ot_error *err)
{
    struct qty q;
    struct ctx c = { pb, out, err, OT_OK };

    memset(out, 0, sizeof(*out));
    quantities(s, &q);
    if (s->scope & OT_SCOPE_CLOUDTRAIL) {
        cloudtrail_lines(&c, s, &q);
    }
    if ((s->scope & OT_SCOPE_S3) && c.st == OT_OK) {
        s3_lines(&c, s, &q);
    }
    if ((s->scope & OT_SCOPE_CLOUDWATCH) && c.st == OT_OK) {
        cloudwatch_lines(&c, s, &q, &q);
    }
    if ((s->scope & OT_SCOPE_KMS) && q.kms && c.st == OT_OK) {
        (void)line(&c, "KMS", "Customer managed keys", "kms.key", s->kms_keys ? s->kms_keys : 1,
                   false);
        if (q.kms_requests > 0) {
            (void)line(&c, "KMS", "Requests (per log file, readers)", "kms.requests.symmetric",
                       q.kms_requests, false);
        }
    }
    if ((s->scope & OT_SCOPE_LAKE) && s->lake_stores > 0 && c.st == OT_OK) {
        lake_lines(&c, s, &q);
    }
    if ((s->scope & OT_SCOPE_SNS) && q.sns_publishes > 0 && c.st == OT_OK) {
        static const char *const ids[3] = { "sns.delivery.sqs_lambda", "sns.delivery.http",
                                            "sns.delivery.email" };
        (void)line(&c, "SNS", "Notifications of log delivery", "sns.publish", q.sns_publishes,
                   false);
        if (s->sns_delivery > 0) { /* SQS and Lambda deliveries are free: no line */
            (void)line(&c, "SNS", s->sns_delivery == 1 ? "Deliveries, HTTP/S" : "Deliveries, email",
                       ids[s->sns_delivery < 3 ? s->sns_delivery : 0], q.sns_publishes, false);
        }
    }
    if (c.st == OT_OK && q.overflow) {
        c.st = ot_fail(err, OT_E_USAGE, "check the volumes: at most 10^15 a month",
                       "the scenario's volumes are too large to price");
    }
    if (c.st != OT_OK) {
        memset(out, 0, sizeof(*out));
        return c.st;
    }
    for (size_t i = 0; i < out->nlines; i++) {
        struct ot_cost_line *l = &out->lines[i];
        for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
            l->years3 += l->month[m];
            l->year1 += m < 12 ? l->month[m] : 0;
            out->growth[m].total += l->month[m];
        }
        l->month1 = l->month[0];
        out->month1 += l->month1;
        out->year1 += l->year1;
        out->years3 += l->years3;
    }
    out->s3_bytes_month = q.s3_bytes;
    out->log_files_month = q.files;
    out->events_delivered = q.events;
    return OT_OK;
}
