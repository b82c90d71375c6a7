/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/slack.c - Slack incoming webhooks: a header, the facts as fields, the
 * rule and a command to see the event, as Block Kit blocks with a text
 * fallback. The webhook URL is a credential: it is never printed.
 */
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static ot_status slack_check(const struct notifier_conf *c, struct ot_error *err)
{
    if (c->url == NULL || (strncmp(c->url, "https://", 8) != 0 && strncmp(c->url, "http://", 7))) {
        return ot_fail(err, OT_E_USAGE, "give the incoming webhook URL Slack shows (https://...)",
                       "slack notifier: url missing or not http(s)");
    }
    return OT_OK;
}

static ot_status field(struct ot_buf *b, const char *name, const char *value, bool comma)
{
    struct ot_buf t = OT_BUF_INIT(OT_RECORD_MAX_BYTES);
    ot_status st = ot_buf_printf(&t, "*%s*\n%s", name, value && value[0] ? value : "-");
    if (st == OT_OK) {
        st = ot_buf_printf(b, "%s{\"type\":\"mrkdwn\",\"text\":", comma ? "," : "");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(b, ot_buf_sv(&t));
    }
    if (st == OT_OK) {
        st = ot_buf_putc(b, '}');
    }
    ot_buf_cleanup(&t);
    return st;
}

static ot_status slack_send(const struct notifier_conf *c, const struct ot_alert *a, int64_t now_ms,
                            struct ot_error *err)
{
    struct ot_buf text = OT_BUF_INIT(OT_ALERT_MAX_BYTES), b = OT_BUF_INIT(OT_ALERT_MAX_BYTES);
    struct alert_facts f;
    char when[21], cond[96], header[320], rule[256], who[1024];
    (void)now_ms; /* Slack stamps messages itself */
    ot_status st = alert_facts_init(a, &f);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "slack: out of memory");
    }
    ot_time_iso(a->at_ms, when);
    alert_condition(a, cond, sizeof(cond));
    (void)snprintf(header, sizeof(header), "%s: %s", a->to == OT_ALARM_ALARM ? "ALERT" : "RESOLVED",
                   a->title ? a->title : a->alarm_name);
    (void)snprintf(rule, sizeof(rule), "%s%s%s%s (alarm %s, %s)", a->cis ? "CIS " : "",
                   a->cis ? a->cis : "", a->cis ? " " : "", a->rule_id ? a->rule_id : "",
                   a->alarm_name, cond);
    (void)snprintf(who, sizeof(who), "%s from %s (%s)", f.who.len ? f.who.data : "-",
                   f.ip.len ? f.ip.data : "-", f.agent.len ? f.agent.data : "-");
    st = ot_alert_text(a, &text);
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "{\"text\":");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_buf_sv(&text));
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, ",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":"
                                    "\"plain_text\",\"text\":");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_sv_cstr(header));
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "}},{\"type\":\"section\",\"fields\":[");
    }
    if (st == OT_OK) {
        st = field(&b, "Account", f.account.data, false);
    }
    if (st == OT_OK) {
        st = field(&b, "Region", f.region.data, true);
    }
    if (st == OT_OK) {
        st = field(&b, "Time", f.time.len ? f.time.data : when, true);
    }
    if (st == OT_OK) {
        st = field(&b, "Severity", a->severity, true);
    }
    if (st == OT_OK) {
        st = field(&b, "Who", who, true);
    }
    if (st == OT_OK) {
        st = field(&b, "Rule", rule, true);
    }
    if (st == OT_OK && f.event_id.len) {
        char ev[512];
        (void)snprintf(ev, sizeof(ev), "%s `%s`\n`opentrail lookup --event-id %s`",
                       f.event_name.len ? f.event_name.data : "-", f.event_id.data,
                       f.event_id.data);
        st = field(&b, "Event", ev, true);
    }
    if (st == OT_OK && a->actions) {
        st = field(&b, "Response", a->actions, true);
    }
    if (st == OT_OK && a->repeats > 0) {
        char rep[64];
        (void)snprintf(rep, sizeof(rep), "%u more, grouped", a->repeats);
        st = field(&b, "Repeats", rep, true);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "]}]}");
    }
    if (st == OT_OK) {
        static const char *const h[] = { "Content-Type: application/json", NULL };
        st = http_post(c, "slack webhook", h, ot_buf_sv(&b), err);
    } else {
        st = ot_fail(err, st, NULL, "slack: cannot build the message");
    }
    alert_facts_cleanup(&f);
    ot_buf_cleanup(&text);
    ot_buf_cleanup(&b);
    return st;
}

const struct ot_notifier_ops ot_notifier_slack = { "slack", slack_check, slack_send };
