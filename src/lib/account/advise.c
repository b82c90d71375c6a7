/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/advise.c - savings advice: each item is a changed copy of the
 * scenario, priced again; the saving is the difference of the two 36-month
 * totals, so it is exact and consistent with the table. Each item says what
 * coverage it gives up, because an audit trail is an insurance layer, not a
 * cost center: the reader decides.
 *
 * Stage: account. Also prices the same events self-hosted on opentrail: one
 * copy of each event, gzip on the price book's disk price.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentrail/account.h"

#include "core/private.h"

struct adv {
    const struct ot_scenario *base;
    const struct ot_pricebook *pb;
    struct ot_advice_list *out;
    struct ot_scenario *s2; /* scratch copy */
    struct ot_cost *c2;     /* scratch result */
    int64_t base_years3;
    struct ot_error *err;
};

typedef bool (*change_fn)(struct ot_scenario *s, char *title, size_t n);

/* ---- the changes: each returns false when it does not apply ------------ */

static bool one_management_trail(struct ot_scenario *s, char *title, size_t n)
{
    bool first = false, changed = s->direct_mgmt_additional > 0;
    for (size_t i = 0; i < s->ntrails; i++) {
        struct ot_scn_trail *t = &s->trails[i];
        if (!t->mgmt_read && !t->mgmt_write) {
            continue;
        }
        if (!first) {
            first = true;
            changed = changed || t->copies > 1;
            t->copies = 1;
            continue;
        }
        t->mgmt_read = t->mgmt_write = false; /* its data events stay */
        changed = true;
    }
    s->direct_mgmt_additional = 0;
    (void)snprintf(title, n,
                   "Remove duplicate trails: log management events in one trail only "
                   "(an organization trail covers every account)");
    return changed;
}

static bool selected_data(struct ot_scenario *s, char *title, size_t n)
{
    bool changed = false;
    size_t k = (size_t)snprintf(title, n,
                                "Log data events only on the resources that matter, "
                                "not every bucket and function:");
    for (size_t j = 0; j < s->nservices; j++) {
        struct ot_scn_service *v = &s->services[j];
        if (v->selected_pct < 100) {
            v->events = v->events / 100 * v->selected_pct + v->events % 100 * v->selected_pct / 100;
            if (k < n) {
                k += (size_t)snprintf(title + k, n - k, " %s %u%%", v->name, v->selected_pct);
            }
            changed = true;
        }
    }
    return changed;
}

static bool write_only_data(struct ot_scenario *s, char *title, size_t n)
{
    bool changed = false, has_reads = false;
    for (size_t j = 0; j < s->nservices; j++) {
        has_reads = has_reads || (s->services[j].read_pct > 0 && s->services[j].events > 0);
    }
    for (size_t i = 0; i < s->ntrails && has_reads; i++) {
        changed = changed || s->trails[i].data_read;
        s->trails[i].data_read = false;
    }
    (void)snprintf(title, n,
                   "Log write-only data events (exclude readOnly data events with an "
                   "advanced event selector)");
    return changed;
}

static bool exclude_sources(struct ot_scenario *s, char *title, size_t n)
{
    unsigned pct = 0;
    size_t k = (size_t)snprintf(title, n,
                                "Exclude high-volume management sources with advanced "
                                "event selectors (eventSource !=):");
    for (size_t i = 0; i < s->nsources; i++) {
        pct += s->sources[i].pct;
        if (k < n) {
            k += (size_t)snprintf(title + k, n - k, " %s %u%%", s->sources[i].name,
                                  s->sources[i].pct);
        }
    }
    pct = pct > 100 ? 100 : pct;
    s->mgmt_read = s->mgmt_read / 100 * (100 - pct) + s->mgmt_read % 100 * (100 - pct) / 100;
    s->mgmt_write = s->mgmt_write / 100 * (100 - pct) + s->mgmt_write % 100 * (100 - pct) / 100;
    return pct > 0;
}

/* Standard while investigations read back (access_days), then the coldest
 * class whose minimum duration fits before expiry. */
static bool lifecycle(struct ot_scenario *s, char *title, size_t n)
{
    unsigned access = s->access_days ? s->access_days : 90;
    unsigned after = (access + 29) / 30 * 30;
    enum ot_tier tier = OT_TIER_DEEP_ARCHIVE;
    if (s->bytes_per_event == 0 || (s->expire_days > 0 && s->expire_days <= after)) {
        return false;
    }
    if (s->expire_days > 0 && s->expire_days - after < 180) {
        tier = s->expire_days - after >= 90 ? OT_TIER_GLACIER_FLEXIBLE : OT_TIER_STANDARD_IA;
    }
    if (s->nrules == 1 && s->rules[0].after_days == after && s->rules[0].tier == tier) {
        return false; /* already so */
    }
    s->nrules = 1;
    s->rules[0] = (struct ot_scn_rule){ after, tier };
    (void)snprintf(title, n,
                   "Lifecycle: move logs to %s after %u days (investigations read back %u days)",
                   ot_tier_name(tier), after, access);
    return true;
}

static bool insights_off(struct ot_scenario *s, char *title, size_t n)
{
    bool changed = s->direct_insights > 0;
    for (size_t i = 0; i < s->ntrails; i++) {
        changed = changed || s->trails[i].insights_call_rate || s->trails[i].insights_error_rate;
        s->trails[i].insights_call_rate = s->trails[i].insights_error_rate = false;
    }
    s->direct_insights = 0;
    (void)snprintf(title, n,
                   "Turn CloudTrail Insights off (opentrail insights computes the same "
                   "baselines from the logs)");
    return changed;
}

static bool cloudwatch_filtered(struct ot_scenario *s, char *title, size_t n)
{
    bool cw = false;
    for (size_t i = 0; i < s->ntrails; i++) {
        cw = cw || s->trails[i].cloudwatch_logs;
    }
    if (!cw || s->cw_filtered_pct >= s->cw_ingest_pct) {
        return false;
    }
    s->cw_ingest_pct = s->cw_filtered_pct;
    (void)snprintf(title, n,
                   "Send to CloudWatch Logs only the events the metric filters need (%u%%)",
                   s->cw_filtered_pct);
    return true;
}

struct change {
    const char *id;
    change_fn fn;
    const char *gives_up;
};

static const struct change changes[] = {
    { "duplicate-trails", one_management_trail,
      "independent copies of management events (a second bucket or account keeps its own record "
      "if the first is deleted or tampered with)" },
    { "selected-data-events", selected_data,
      "data events on the other buckets and functions: reads and writes there are no longer "
      "recorded" },
    { "write-only-data-events", write_only_data,
      "who read which object or invoked which function (GetObject, Invoke): the evidence of data "
      "exfiltration" },
    { "exclude-noisy-sources", exclude_sources,
      "records of those services' calls (e.g. who used which KMS key, RDS Data API queries)" },
    { "lifecycle-archive", lifecycle,
      "instant reads of older logs: restores take minutes to 12 hours and cost per GB" },
    { "insights-off", insights_off,
      "AWS-side detection of unusual API call and error rates (Insights events and their "
      "EventBridge alerts), unless a detector computes the baselines from the logs" },
    { "cloudwatch-filtered", cloudwatch_filtered,
      "Logs Insights queries over the events no metric filter needs (they stay in S3, queryable "
      "with Athena or opentrail)" },
};

static ot_status try_change(struct adv *a, const struct change *ch)
{
    struct ot_advice *v = &a->out->v[a->out->n];
    *a->s2 = *a->base;
    if (!ch->fn(a->s2, v->title, sizeof(v->title))) {
        return OT_OK;
    }
    ot_status st = ot_cost_compute(a->s2, a->pb, a->c2, a->err);
    if (st != OT_OK) {
        return st;
    }
    int64_t saved = a->base_years3 - a->c2->years3;
    if (saved <= 0) {
        return OT_OK;
    }
    (void)snprintf(v->id, sizeof(v->id), "%s", ch->id);
    (void)snprintf(v->gives_up, sizeof(v->gives_up), "%s", ch->gives_up);
    v->save_years3 = saved;
    v->save_month = (saved + OT_COST_MONTHS / 2) / OT_COST_MONTHS;
    a->out->n++;
    return OT_OK;
}

static void selfhost(const struct ot_scenario *s, const struct ot_pricebook *pb,
                     struct ot_advice_list *out)
{
    uint64_t events = s->mgmt_read + s->mgmt_write + s->network_activity;
    for (size_t j = 0; j < s->nservices; j++) {
        events += s->services[j].events; /* each <= 10^15: no overflow in 20 terms */
    }
    uint64_t per = s->selfhost_bytes_per_event ? s->selfhost_bytes_per_event : s->bytes_per_event;
    const struct ot_price *disk = ot_pricebook_get(pb, "opentrail.disk");
    if (per > 0 && events > UINT64_MAX / 36 / per) {
        return; /* beyond any disk: leave it out */
    }
    out->selfhost_bytes_month = events * per;
    unsigned keep = s->expire_days ? (s->expire_days + 29) / 30 : OT_COST_MONTHS;
    for (unsigned m = 1; m <= OT_COST_MONTHS && disk != NULL; m++) {
        int64_t c = ot_price_cost(disk, out->selfhost_bytes_month * (m < keep ? m : keep), true);
        out->selfhost_month1 += m == 1 ? c : 0;
        out->selfhost_years3 += c;
    }
}

static int by_saving(const void *x, const void *y)
{
    const struct ot_advice *a = x, *b = y;
    return a->save_years3 < b->save_years3 ? 1 : a->save_years3 > b->save_years3 ? -1 : 0;
}

ot_status ot_advise(const struct ot_scenario *s, const struct ot_pricebook *pb,
                    struct ot_advice_list *out, struct ot_error *err)
{
    struct adv a = { s, pb, out, NULL, NULL, 0, err };
    ot_status st = OT_OK;

    memset(out, 0, sizeof(*out));
    a.s2 = ot_malloc(sizeof(*a.s2));
    a.c2 = ot_malloc(sizeof(*a.c2));
    if (a.s2 == NULL || a.c2 == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory computing advice");
        goto out;
    }
    st = ot_cost_compute(s, pb, a.c2, err);
    if (st != OT_OK) {
        goto out;
    }
    a.base_years3 = a.c2->years3;
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]) && st == OT_OK; i++) {
        st = try_change(&a, &changes[i]);
    }
    if (st == OT_OK) {
        qsort(out->v, out->n, sizeof(out->v[0]), by_saving);
        selfhost(s, pb, out);
    }
out:
    if (st != OT_OK) {
        memset(out, 0, sizeof(*out));
    }
    ot_free(a.s2);
    ot_free(a.c2);
    return st;
}
