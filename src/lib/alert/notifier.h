/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/notifier.h - what each notifier kind provides (a const ops table per
 * kind, listed once in notifiers.c), and the helpers they share.
 */
#ifndef OT_ALERT_NOTIFIER_H
#define OT_ALERT_NOTIFIER_H

#include "opentrail/alert.h"

/* The owned copy of a notifier's settings. */
struct notifier_conf {
    char *type, *url, *secret, *mail_from, *mail_to, *username, *password, *cacert, *topic_arn;
    long timeout_ms;
};

struct ot_notifier_ops {
    const char *type; /* `type: slack` in the config */
    /* check the settings this kind needs; OT_E_USAGE names what is missing */
    ot_status (*check)(const struct notifier_conf *c, struct ot_error *err);
    /* send() returns OT_OK, OT_E_RETRY (requeue, back off) or a permanent error */
    ot_status (*send)(const struct notifier_conf *c, const struct ot_alert *a, int64_t now_ms,
                      struct ot_error *err);
};

extern const struct ot_notifier_ops ot_notifier_slack;
extern const struct ot_notifier_ops ot_notifier_webhook;
extern const struct ot_notifier_ops ot_notifier_smtp;
extern const struct ot_notifier_ops ot_notifier_sns;

/* What an alert says about its event, each "" when absent. Strings are owned by @f. */
struct alert_facts {
    struct ot_buf account, region, time, who, ip, agent, event_id, event_name, event_json;
};
ot_status alert_facts_init(const struct ot_alert *a, struct alert_facts *f);
void alert_facts_cleanup(struct alert_facts *f);
/* "1 >= 1 in 5 min" */
void alert_condition(const struct ot_alert *a, char *out, size_t n);

/* The JSON document webhooks and SNS carry: version, alarm, rule, event. */
ot_status alert_json(const struct ot_alert *a, int64_t now_ms, struct ot_buf *out);

/* POST @body to @url; 2xx is OT_OK, 429/5xx/network OT_E_RETRY, else permanent.
 * @headers is a NULL-terminated list of "Name: value". @what names the target
 * in errors (never the URL: a Slack URL is a credential). */
ot_status http_post(const struct notifier_conf *c, const char *what, const char *const *headers,
                    struct ot_sv body, struct ot_error *err);

#endif
