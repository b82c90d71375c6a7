/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/format.c - what an alert says, in text and JSON: who did what, where,
 * when, which rule fired, and how to see the event.
 *
 * Stage: alert. Shared by every notifier so a Slack message, a mail and a
 * webhook carry the same facts.
 */
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static ot_status put(struct ot_buf *b, const struct ot_record *rec, const char *path)
{
    struct ot_path *p = NULL;
    ot_status st = ot_path_compile(ot_sv_cstr(path), &p, NULL);
    if (st != OT_OK) {
        return st;
    }
    struct ot_value v = ot_record_get(rec, p);
    if (v.type == OT_STRING || v.type == OT_NUMBER) {
        st = ot_value_text(v, b);
    }
    ot_path_free(p);
    return st;
}

ot_status alert_facts_init(const struct ot_alert *a, struct alert_facts *f)
{
    struct ot_buf *all[] = { &f->account, &f->region,   &f->time,       &f->who,       &f->ip,
                             &f->agent,   &f->event_id, &f->event_name, &f->event_json };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        *all[i] = OT_BUF_INIT(OT_RECORD_MAX_BYTES);
    }
    const struct ot_record *r = a->event;
    if (r == NULL) {
        return OT_OK;
    }
    ot_status st = put(&f->account, r, "recipientAccountId");
    if (st == OT_OK && f->account.len == 0) {
        st = put(&f->account, r, "userIdentity.accountId");
    }
    if (st == OT_OK) {
        st = put(&f->region, r, "awsRegion");
    }
    if (st == OT_OK) {
        st = put(&f->time, r, "eventTime");
    }
    if (st == OT_OK) {
        st = put(&f->who, r, "userIdentity.arn");
    }
    if (st == OT_OK && f->who.len == 0) {
        st = put(&f->who, r, "userIdentity.invokedBy");
    }
    if (st == OT_OK && f->who.len == 0) {
        st = put(&f->who, r, "userIdentity.type");
    }
    if (st == OT_OK) {
        st = put(&f->ip, r, "sourceIPAddress");
    }
    if (st == OT_OK) {
        st = put(&f->agent, r, "userAgent");
    }
    if (st == OT_OK) {
        st = put(&f->event_id, r, "eventID");
    }
    if (st == OT_OK) {
        st = put(&f->event_name, r, "eventName");
    }
    if (st == OT_OK) {
        st = ot_value_compact(ot_record_root(r), &f->event_json);
    }
    if (st != OT_OK) {
        alert_facts_cleanup(f);
    }
    return st;
}

void alert_facts_cleanup(struct alert_facts *f)
{
    struct ot_buf *all[] = { &f->account, &f->region,   &f->time,       &f->who,       &f->ip,
                             &f->agent,   &f->event_id, &f->event_name, &f->event_json };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        ot_buf_cleanup(all[i]);
    }
}

static const char *or_dash(const struct ot_buf *b)
{
    return b->len ? b->data : "-";
}

void alert_condition(const struct ot_alert *a, char *out, size_t n)
{
    if (a->has_value) {
        (void)snprintf(out, n, "%g >= %g in %u min", a->value, a->threshold, a->period_s / 60);
    } else {
        (void)snprintf(out, n, "threshold %g per %u min", a->threshold, a->period_s / 60);
    }
}

ot_status ot_alert_text(const struct ot_alert *a, struct ot_buf *out)
{
    struct alert_facts f;
    char when[21], cond[96];
    ot_status st = alert_facts_init(a, &f);
    if (st != OT_OK) {
        return st;
    }
    ot_time_iso(a->at_ms, when);
    alert_condition(a, cond, sizeof(cond));
    const char *verb = a->to == OT_ALARM_ALARM ? "ALERT" : "RESOLVED";
    st = ot_buf_printf(
        out,
        "%s: %s\n"
        "Account: %s   Region: %s   Time: %s\n"
        "Who: %s from %s (%s)\n"
        "Rule: %s%s%s%s (alarm %s, %s, %s -> %s)",
        verb, a->title ? a->title : a->alarm_name, or_dash(&f.account), or_dash(&f.region),
        f.time.len ? f.time.data : when, or_dash(&f.who), or_dash(&f.ip), or_dash(&f.agent),
        a->cis ? "CIS " : "", a->cis ? a->cis : "", a->cis ? " " : "", a->rule_id ? a->rule_id : "",
        a->alarm_name, cond, ot_alarm_state_name(a->from), ot_alarm_state_name(a->to));
    if (st == OT_OK && f.event_id.len) {
        st = ot_buf_printf(out, "   Event: %s %s -> opentrail lookup --event-id %s",
                           or_dash(&f.event_name), f.event_id.data, f.event_id.data);
    }
    if (st == OT_OK && a->severity) {
        st = ot_buf_printf(out, "\nSeverity: %s", a->severity);
    }
    if (st == OT_OK && a->actions) {
        st = ot_buf_printf(out, "\n%s", a->actions);
    }
    if (st == OT_OK && a->repeats > 0) {
        st = ot_buf_printf(out, "\nRepeats: %u more change%s of this alarm to %s grouped here",
                           a->repeats, a->repeats == 1 ? "" : "s", ot_alarm_state_name(a->to));
    }
    if (st == OT_OK) {
        st = ot_buf_putc(out, '\n');
    }
    alert_facts_cleanup(&f);
    return st;
}

static ot_status kv(struct ot_buf *b, const char *k, const char *v, bool comma)
{
    ot_status st = ot_buf_printf(b, "%s\"%s\":", comma ? "," : "", k);
    if (st == OT_OK) {
        st = v ? ot_buf_json_str(b, ot_sv_cstr(v)) : ot_buf_append_cstr(b, "null");
    }
    return st;
}

ot_status alert_json(const struct ot_alert *a, int64_t now_ms, struct ot_buf *out)
{
    struct alert_facts f;
    char when[21], sent[21];
    ot_status st = alert_facts_init(a, &f);
    if (st != OT_OK) {
        return st;
    }
    ot_time_iso(a->at_ms, when);
    ot_time_iso(now_ms, sent);
    st = ot_buf_printf(out, "{\"version\":\"1\",\"sentAt\":\"%s\",\"alarm\":{", sent);
    if (st == OT_OK) {
        st = kv(out, "name", a->alarm_name, false);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(out, ",\"from\":\"%s\",\"to\":\"%s\",\"time\":\"%s\"",
                           ot_alarm_state_name(a->from), ot_alarm_state_name(a->to), when);
    }
    if (st == OT_OK) {
        st = a->has_value ? ot_buf_printf(out, ",\"value\":%g", a->value)
                          : ot_buf_append_cstr(out, ",\"value\":null");
    }
    if (st == OT_OK) {
        st = ot_buf_printf(out, ",\"threshold\":%g,\"periodSeconds\":%u},\"rule\":{", a->threshold,
                           a->period_s);
    }
    if (st == OT_OK) {
        st = kv(out, "id", a->rule_id, false);
    }
    if (st == OT_OK) {
        st = kv(out, "title", a->title, true);
    }
    if (st == OT_OK) {
        st = kv(out, "cis", a->cis, true);
    }
    if (st == OT_OK) {
        st = kv(out, "severity", a->severity, true);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(out, "},\"actions\":");
    }
    if (st == OT_OK) {
        st = a->actions ? ot_buf_json_str(out, ot_sv_cstr(a->actions))
                        : ot_buf_append_cstr(out, "null");
    }
    if (st == OT_OK) {
        st = ot_buf_printf(out, ",\"repeats\":%u,\"event\":", a->repeats);
    }
    if (st == OT_OK) {
        st = f.event_json.len ? ot_buf_append(out, f.event_json.data, f.event_json.len)
                              : ot_buf_append_cstr(out, "null");
    }
    if (st == OT_OK) {
        st = ot_buf_putc(out, '}');
    }
    alert_facts_cleanup(&f);
    return st;
}
