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
    unsigned repeats; /* further changes of this alarm to the same state grouped into this one */
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

/* ------------------------------------------------------------------------ */
/* The delivery queue (the daemon's; docs/notifiers.md)                     */

/* Notifiers one queue serves. */
#define OT_QUEUE_MAX_NOTIFIERS 64u
/* Bytes of one queued notification file (the event is at most 256 KB). */
#define OT_QUEUE_MAX_FILE_BYTES (1024u * 1024u)
/* Alarm-and-state pairs remembered per notifier for rate limiting. */
#define OT_QUEUE_MAX_RECENT 4096u
/* Upper bounds of the alert latency histogram, seconds. */
#define OT_QUEUE_LAT_BUCKETS 12u

struct ot_alert_queue;

struct ot_alert_queue_opts {
    const char *dir;              /* <data>/state/alerts: created 0700 */
    const char *const *notifiers; /* names (safe as folder names), one sender each */
    unsigned nnotifiers;          /* at most OT_QUEUE_MAX_NOTIFIERS */
    unsigned max_pending;         /* per notifier; past it the oldest is dropped */
    int64_t repeat_interval_ms;   /* per notifier, alarm and state: one send this often */
    int64_t retry_for_ms;         /* give up after retrying this long */
    int64_t now_ms;               /* recovered notifications are due now */
};

/* One notification: what is written before the first attempt. Strings borrowed. */
struct ot_alert_entry {
    uint64_t seq; /* the watcher's change number: a replayed change is not queued twice */
    const char *alarm_name, *title, *rule_id;
    enum ot_alarm_state from, to;
    double value;
    bool has_value;
    double threshold;
    unsigned period_s;
    int64_t at_ms;      /* the state change */
    int64_t arrived_ms; /* when the daemon read the record behind it (about its ACK) */
    unsigned nactions;  /* response actions to run (once) before it is sent */
    struct ot_sv event; /* the record's JSON, or empty */
};

/* A notification taken for sending (ot_alert_queue_next); owned by the queue. */
struct ot_alert_job {
    unsigned notifier;
    struct ot_alert_entry e; /* strings and event point into the job */
    const char *actions;     /* the response actions' report, or NULL */
    unsigned repeats;        /* others of the same alarm and state sent with it */
};

/**
 * ot_alert_queue_open() - open the queue in @o->dir and recover it: every
 * notification file left by an earlier run is pending again (due at once), an
 * action that was running when the daemon stopped is reported, never rerun.
 * *@out is the caller's (ot_alert_queue_close). All calls are thread-safe.
 */
OT_API ot_status ot_alert_queue_open(const struct ot_alert_queue_opts *o,
                                     struct ot_alert_queue **out, struct ot_error *err);
OT_API void ot_alert_queue_close(struct ot_alert_queue *q);

/**
 * ot_alert_queue_push() - write @e durably for each of the @n notifiers
 * @which (indexes into opts.notifiers) and, when @e->nactions, the action
 * record, before anything is attempted. A notification of the same seq that is
 * queued already is kept as it is (a replay). Past max_pending the oldest
 * waiting notification of that notifier is dropped (counted).
 */
OT_API ot_status ot_alert_queue_push(struct ot_alert_queue *q, const struct ot_alert_entry *e,
                                     const unsigned *which, unsigned n, struct ot_error *err);

/**
 * ot_alert_queue_next() - the oldest notification of @notifier that is due at
 * @now_ms (its back-off passed, its actions ran, the alarm's repeat interval
 * passed), with any others of the same alarm and state grouped into it.
 * *@job is NULL when none is due; *@wake_ms then says when one will be (or
 * INT64_MAX). OT_E_NOMEM, OT_E_IO.
 */
OT_API ot_status ot_alert_queue_next(struct ot_alert_queue *q, unsigned notifier, int64_t now_ms,
                                     struct ot_alert_job **job, int64_t *wake_ms,
                                     struct ot_error *err);

/**
 * ot_alert_queue_done() - the outcome of sending @job (which is freed): OT_OK
 * removes it (and the ones grouped into it); OT_E_RETRY backs off
 * exponentially from 500 ms to 60 s, spread by @jitter (0..65535), until
 * retry_for_ms passes; anything else gives it up. Returns what became of it:
 * OT_OK sent, OT_E_RETRY will retry, other: given up.
 */
OT_API ot_status ot_alert_queue_done(struct ot_alert_queue *q, struct ot_alert_job *job,
                                     ot_status outcome, int64_t now_ms, unsigned jitter);

/* A response action run to do: the alert's seq, alarm and event (owned by the queue). */
struct ot_alert_action_job {
    uint64_t seq;
    const char *alarm_name;
    struct ot_sv event;
    bool interrupted; /* it was running when the daemon stopped: report, do not rerun */
};

/**
 * ot_alert_queue_action_next() - the oldest alert whose response actions have
 * not run; *@job NULL when there is none. The caller then calls
 * ot_alert_queue_action_started() (durable: from then on a restart reports
 * instead of rerunning), runs them and calls ot_alert_queue_action_done().
 */
OT_API ot_status ot_alert_queue_action_next(struct ot_alert_queue *q,
                                            struct ot_alert_action_job **job, struct ot_error *err);
OT_API ot_status ot_alert_queue_action_started(struct ot_alert_queue *q,
                                               const struct ot_alert_action_job *job,
                                               struct ot_error *err);
/* Record @report (what the notifications will say) and free @job. */
OT_API ot_status ot_alert_queue_action_done(struct ot_alert_queue *q,
                                            struct ot_alert_action_job *job, const char *report,
                                            struct ot_error *err);

/**
 * ot_alert_queue_metrics() - append the queue's counters in Prometheus text:
 * notifications sent, failed, retried, dropped and pending per notifier, and
 * the latency histogram from a record's arrival to its notification's success.
 */
OT_API ot_status ot_alert_queue_metrics(struct ot_alert_queue *q, struct ot_buf *out);

#ifdef __cplusplus
}
#endif
#endif
