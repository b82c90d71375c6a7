/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/sns.c - SNS-style topics: the notification JSON an SNS topic posts to
 * its HTTP subscribers (Type, MessageId, TopicArn, Subject, Message,
 * Timestamp), with SNS's x-amz-sns-* headers, so receivers written for SNS
 * (and CloudWatch alarm actions) take it unchanged. Not signed with SNS's
 * certificate, which only AWS holds: use the webhook notifier for signatures.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static ot_status sns_check(const struct notifier_conf *c, struct ot_error *err)
{
    if (c->url == NULL || (strncmp(c->url, "https://", 8) != 0 && strncmp(c->url, "http://", 7))) {
        return ot_fail(err, OT_E_USAGE, "give the subscriber's http(s) endpoint",
                       "sns notifier: url missing or not http(s)");
    }
    if (c->topic_arn == NULL || strncmp(c->topic_arn, "arn:", 4) != 0) {
        return ot_fail(err, OT_E_USAGE, "give the topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME",
                       "sns notifier: topic_arn missing or not an ARN");
    }
    return OT_OK;
}

static ot_status sns_send(const struct notifier_conf *c, const struct ot_alert *a, int64_t now_ms,
                          struct ot_error *err)
{
    struct ot_buf msg = OT_BUF_INIT(OT_ALERT_MAX_BYTES), b = OT_BUF_INIT(OT_ALERT_MAX_BYTES);
    unsigned char r[16];
    char id[40], ts[21], subject[128], h_type[] = "x-amz-sns-message-type: Notification";
    char h_id[96], h_topic[320];
    if (RAND_bytes(r, sizeof(r)) != 1) {
        return ot_fail(err, OT_E_RETRY, NULL, "sns: no randomness for a message id");
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* UUID v4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    (void)snprintf(id, sizeof(id),
                   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
                   r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                   r[14], r[15]);
    ot_time_iso(now_ms, ts);
    (void)snprintf(subject, sizeof(subject), "%s: \"%.80s\"", ot_alarm_state_name(a->to),
                   a->alarm_name);
    ot_status st = alert_json(a, now_ms, &msg);
    if (st == OT_OK) {
        st = ot_buf_printf(&b, "{\"Type\":\"Notification\",\"MessageId\":\"%s\",\"TopicArn\":", id);
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_sv_cstr(c->topic_arn));
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, ",\"Subject\":");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_sv_cstr(subject));
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, ",\"Message\":");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_buf_sv(&msg));
    }
    if (st == OT_OK) {
        st = ot_buf_printf(&b, ",\"Timestamp\":\"%s\",\"SignatureVersion\":\"1\"}", ts);
    }
    if (st == OT_OK) {
        (void)snprintf(h_id, sizeof(h_id), "x-amz-sns-message-id: %s", id);
        (void)snprintf(h_topic, sizeof(h_topic), "x-amz-sns-topic-arn: %.280s", c->topic_arn);
        const char *const h[] = { "Content-Type: text/plain; charset=UTF-8", h_type, h_id, h_topic,
                                  NULL };
        st = http_post(c, "sns subscriber", h, ot_buf_sv(&b), err);
    } else {
        st = ot_fail(err, st, NULL, "sns: cannot build the message");
    }
    ot_buf_cleanup(&msg);
    ot_buf_cleanup(&b);
    return st;
}

const struct ot_notifier_ops ot_notifier_sns = { "sns", sns_check, sns_send };
