/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h - telling a human: Slack incoming webhooks, e-mail over SMTP,
 * signed webhooks and SNS-style HTTP notifications, each a const ops table.
 *
 * Stage: alert (after watch). A notifier formats one alarm change, with the
 * event that caused it, into what its channel wants and sends it once; it
 * answers OT_OK, OT_E_RETRY (try again later: 5xx, 429, network) or a
 * permanent error. Retrying and queueing belong to the caller.
 */
#ifndef OPENTRAIL_ALERT_H
#define OPENTRAIL_ALERT_H

#include "opentrail/limits.h"
#include "opentrail/record.h"
#include "opentrail/watch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one notification body (the event JSON is at most 256 KB). */
#define OT_ALERT_MAX_BYTES (512u * 1024u)

/* One alarm state change and what a responder needs to act on it. */
struct ot_alert {
    const char *alarm_name; /* "root-usage" */
    const char *title;      /* "Root account usage" */
    const char *rule_id;    /* "root_usage", or NULL */
    const char *cis;        /* "4.3", or NULL */
    const char *severity;   /* "critical", or NULL */
    enum ot_alarm_state from, to;
    double value; /* the statistic that crossed, when has_value */
    bool has_value;
    double threshold;
    unsigned period_s;
    int64_t at_ms;                 /* when the state changed */
    const struct ot_record *event; /* the event that caused it, or NULL; borrowed */
    const char *actions;           /* "Action taken: ..." lines, or NULL */
};

struct ot_notifier_conf {
    const char *type;                /* "slack", "webhook", "smtp", "sns" */
    const char *url;                 /* a secret for Slack: never printed */
    const char *secret;              /* webhook HMAC key */
    const char *mail_from, *mail_to; /* smtp */
    const char *username, *password; /* smtp AUTH */
    const char *cacert;              /* a CA file for TLS, or NULL for the system's */
    const char *topic_arn;           /* sns */
    long timeout_ms;                 /* whole request; 0 = 10 s */
};

struct ot_notifier;

/**
 * ot_notifier_open() - check @conf and prepare a notifier of its type. The
 * strings are copied. OT_E_USAGE names the missing or bad setting.
 */
OT_API ot_status ot_notifier_open(const struct ot_notifier_conf *conf, struct ot_notifier **out,
                                  struct ot_error *err);
OT_API void ot_notifier_close(struct ot_notifier *n);
/* The notifier's name for messages: "slack", "smtp mail to ops@x", never a URL. */
OT_API const char *ot_notifier_name(const struct ot_notifier *n);

/**
 * ot_notifier_send() - deliver @a once. @now_ms stamps webhook signatures
 * and mail dates. Returns OT_OK, OT_E_RETRY, or a permanent error; @err never
 * holds a secret.
 */
OT_API ot_status ot_notifier_send(struct ot_notifier *n, const struct ot_alert *a, int64_t now_ms,
                                  struct ot_error *err);

/**
 * ot_alert_text() - the plain-text alert (mail body, logs):
 *   ALERT: <title> / Account ... Region ... Time ... / Who: <arn> from <ip> (<agent>) / Rule ...
 */
OT_API ot_status ot_alert_text(const struct ot_alert *a, struct ot_buf *out);

/**
 * ot_webhook_signature() - the signed webhook's signature: "v1=" and the hex
 * HMAC-SHA256 under @secret of "<unix seconds>.<body>". Receivers recompute it
 * (docs/notifiers.md) and compare in constant time.
 */
OT_API ot_status ot_webhook_signature(struct ot_sv secret, int64_t unix_s, struct ot_sv body,
                                      char out[68]);

/* ------------------------------------------------------------------------ */
/* Response actions                                                         */

/* Bytes of an action's output kept for the report. */
#define OT_ACTION_OUTPUT_MAX 4096u

struct ot_action_result {
    bool ran;                          /* the program started */
    bool timed_out;                    /* killed at the deadline */
    int exit_code;                     /* when it exited */
    int signal;                        /* when a signal ended it */
    char output[OT_ACTION_OUTPUT_MAX]; /* stdout and stderr, NUL-terminated, cut if longer */
};

/**
 * ot_action_run() - run @argv[0] (found in PATH) with @argv, no shell, with
 * @input on its standard input and its output captured, killed after
 * @timeout_ms. Returns OT_OK when it ran to the end and exited 0; OT_E_RETRY
 * never; another status (and @res says why) otherwise. Waits on a monotonic
 * clock: the one place the library does.
 */
OT_API ot_status ot_action_run(char *const *argv, struct ot_sv input, long timeout_ms,
                               struct ot_action_result *res, struct ot_error *err);

/* "Action taken: NAME (exit 0): first line" or "Action failed: NAME (...): ..." into @out. */
OT_API void ot_action_report(const char *name, ot_status st, const struct ot_action_result *res,
                             char *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
