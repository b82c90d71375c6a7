/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/alerting.c - live alerting in `opentrail serve`: the watcher fed by
 * the delivery thread, the persistent queue, one sender thread per notifier
 * and one thread for response actions.
 *
 * Process concerns only (threads, the clock, the environment, the log); the
 * work is the library's: ot_watcher_* (watch) and ot_alert_queue_*,
 * ot_notifier_send, ot_action_run (alert). The delivery thread calls
 * otd_alerting_offer() for each record right after ot_live_add(); it only
 * evaluates and writes files, so a slow or hanging notifier never holds up
 * ingestion or log delivery: its own sender thread waits for it.
 *
 * Replays: the watcher remembers the spool position it evaluated through
 * (saved with its state before every spool checkpoint, after every state
 * change, and at most each second otherwise), so records replayed after a
 * crash are not counted twice; a change replayed anyway carries the same
 * sequence number and finds its notification queued already.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/alerting.h"
#include "opentrail/alert.h"
#include "opentrail/config.h"

#define SAVE_EVERY_MS   1000
#define IDLE_WAIT_MS    1000
#define MAX_ACTION_ARGS 17u

static const char *const type_names[] = { "log", "slack", "smtp", "webhook", "sns" };

struct otd_alerting {
    struct otd_alerting_opts o;
    char state_path[4200], alerts_dir[4200];
    struct ot_alert_queue *q;
    struct ot_notifier *n[OT_QUEUE_MAX_NOTIFIERS];
    const char *names[OT_QUEUE_MAX_NOTIFIERS]; /* borrowed from the config at start */
    unsigned nn;
    pthread_t senders[OT_QUEUE_MAX_NOTIFIERS], actor;
    unsigned nsenders;
    bool actor_up, curl_up;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping;
    /* the delivery thread's */
    struct ot_watcher *w;
    const struct ot_config *wc;
    struct ot_sv json; /* the record being offered */
    int64_t now, last_save;
    bool changed;
    atomic_ullong changes, in_alarm, save_errors;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3))) static void say(const struct otd_alerting *a, const char *fmt,
                                                      ...)
{
    char m[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    a->o.log(m);
}

static void say_err(const struct otd_alerting *a, const char *what, const struct ot_error *err)
{
    char m[1024];
    ot_error_format(err, m, sizeof(m));
    say(a, "%s: %s", what, m);
}

static void wake(struct otd_alerting *a)
{
    (void)pthread_mutex_lock(&a->lock);
    (void)pthread_cond_broadcast(&a->cond);
    (void)pthread_mutex_unlock(&a->lock);
}

/* Sleep until woken, @until_ms, or the stop; true when stopping. */
static bool wait_until(struct otd_alerting *a, int64_t until_ms)
{
    int64_t cap = now_ms() + IDLE_WAIT_MS;
    until_ms = until_ms < cap ? until_ms : cap;
    struct timespec ts = { (time_t)(until_ms / 1000), (long)(until_ms % 1000) * 1000000L };
    (void)pthread_mutex_lock(&a->lock);
    if (!a->stopping) {
        (void)pthread_cond_timedwait(&a->cond, &a->lock, &ts); /* a timeout is the usual end */
    }
    bool stop = a->stopping;
    (void)pthread_mutex_unlock(&a->lock);
    return stop;
}

/* ---- senders ------------------------------------------------------------- */

struct send_ctx {
    struct ot_notifier *n;
    struct ot_alert *alert;
    ot_status st;
    struct ot_error err;
};

static bool send_with_event(void *ctx, const struct ot_record *rec)
{
    struct send_ctx *s = ctx;
    s->alert->event = rec;
    s->st = ot_notifier_send(s->n, s->alert, now_ms(), &s->err);
    return false; /* one record */
}

static const struct ot_cis_rule *cis_rule(const char *id)
{
    unsigned n;
    const struct ot_cis_rule *r = ot_cis_rules(&n);
    for (unsigned i = 0; id != NULL && i < n; i++) {
        if (strcmp(r[i].id, id) == 0) {
            return &r[i];
        }
    }
    return NULL;
}

static ot_status send_job(struct otd_alerting *a, struct ot_reader *rd,
                          const struct ot_alert_job *j, struct ot_error *err)
{
    const struct ot_cis_rule *rule = cis_rule(j->e.rule_id);
    struct ot_alert alert = { .alarm_name = j->e.alarm_name,
                              .title = j->e.title,
                              .rule_id = j->e.rule_id,
                              .cis = rule ? rule->cis : NULL,
                              .severity = rule ? rule->severity : NULL,
                              .from = j->e.from,
                              .to = j->e.to,
                              .value = j->e.value,
                              .has_value = j->e.has_value,
                              .threshold = j->e.threshold,
                              .period_s = j->e.period_s,
                              .at_ms = j->e.at_ms,
                              .actions = j->actions,
                              .repeats = j->repeats };
    struct send_ctx s = { .n = a->n[j->notifier], .alert = &alert, .st = OT_E_RETRY };
    ot_error_clear(&s.err);
    if (j->e.event.n > 0) {
        struct ot_read_result res;
        ot_status st = ot_reader_read_mem(rd, j->e.event.p, j->e.event.n, "queued alert",
                                          send_with_event, NULL, &s, &res, &s.err);
        if (st != OT_OK || res.records == 0) {
            alert.event = NULL; /* unreadable: still tell the human, without the event */
            s.st = ot_notifier_send(s.n, &alert, now_ms(), &s.err);
        }
    } else {
        s.st = ot_notifier_send(s.n, &alert, now_ms(), &s.err);
    }
    *err = s.err;
    return s.st;
}

struct sender_arg {
    struct otd_alerting *a;
    unsigned k;
};

static void *sender_main(void *arg)
{
    struct otd_alerting *a = ((struct sender_arg *)arg)->a;
    unsigned k = ((struct sender_arg *)arg)->k;
    ot_free(arg);
    struct ot_reader *rd = NULL;
    if (ot_reader_new(NULL, &rd) != OT_OK) {
        say(a, "alerts: out of memory starting the %s sender", a->names[k]);
        return NULL;
    }
    for (;;) {
        struct ot_alert_job *job = NULL;
        int64_t wake_at = INT64_MAX;
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_alert_queue_next(a->q, k, now_ms(), &job, &wake_at, &err) != OT_OK) {
            say_err(a, "alerts: cannot take a notification", &err);
            wake_at = now_ms() + IDLE_WAIT_MS;
        }
        if (job == NULL) {
            if (wait_until(a, wake_at)) {
                break;
            }
            continue;
        }
        char alarm[256];
        (void)snprintf(alarm, sizeof(alarm), "%s", job->e.alarm_name);
        uint64_t seq = job->e.seq;
        ot_status st = send_job(a, rd, job, &err);
        unsigned short jitter = 0;
        (void)RAND_bytes((unsigned char *)&jitter, sizeof(jitter)); /* none: still a backoff */
        ot_status fate = ot_alert_queue_done(a->q, job, st, now_ms(), jitter);
        if (fate == OT_OK) {
            say(a, "alert %s #%llu delivered to %s", alarm, (unsigned long long)seq,
                ot_notifier_name(a->n[k]));
        } else if (fate == OT_E_RETRY) {
            char m[1024];
            ot_error_format(&err, m, sizeof(m));
            say(a, "alert %s #%llu: %s failed (will retry): %s", alarm, (unsigned long long)seq,
                ot_notifier_name(a->n[k]), m);
        } else {
            char m[1024];
            ot_error_format(&err, m, sizeof(m));
            say(a, "alert %s #%llu: %s failed, given up: %s", alarm, (unsigned long long)seq,
                ot_notifier_name(a->n[k]), m);
        }
        pthread_mutex_lock(&a->lock);
        bool stop = a->stopping;
        pthread_mutex_unlock(&a->lock);
        if (stop) {
            break;
        }
    }
    ot_reader_free(rd);
    return NULL;
}

/* ---- response actions ------------------------------------------------------ */

struct planned {
    char name[128];
    char *argv[MAX_ACTION_ARGS + 1];
    long timeout_ms;
};

/* Copy what alarm @alarm runs (under the config lock: a reload may free it). */
static unsigned plan_actions(struct otd_alerting *a, const char *alarm, struct planned *p,
                             unsigned max)
{
    unsigned n = 0;
    (void)pthread_rwlock_rdlock(a->o.cfg_lock);
    const struct ot_config *c = *a->o.cfg;
    const struct ot_conf_strs *names = cis_rule(alarm) ? &c->cis_alarm_actions : NULL;
    for (uint32_t i = 0; i < c->nalarms && names == NULL; i++) {
        if (strcmp(c->alarms[i].alarm_name, alarm) == 0) {
            names = &c->alarms[i].alarm_actions;
        }
    }
    for (uint32_t i = 0; names != NULL && i < names->n; i++) {
        for (uint32_t r = 0; r < c->nresponse_actions && n < max; r++) {
            const struct ot_conf_response_action *ra = &c->response_actions[r];
            if (strcmp(ra->name, names->v[i]) != 0) {
                continue;
            }
            struct planned *pl = &p[n];
            memset(pl, 0, sizeof(*pl));
            (void)snprintf(pl->name, sizeof(pl->name), "%s", ra->name);
            pl->timeout_ms = (long)ra->timeout_ms;
            bool ok = true;
            for (uint32_t k = 0; k < ra->command.n && k < MAX_ACTION_ARGS; k++) {
                pl->argv[k] = ot_strndup(ra->command.v[k], strlen(ra->command.v[k]));
                ok = ok && pl->argv[k] != NULL;
            }
            n += ok ? 1 : 0;
        }
    }
    (void)pthread_rwlock_unlock(a->o.cfg_lock);
    return n;
}

static void run_actions(struct otd_alerting *a, const struct ot_alert_action_job *job,
                        struct ot_buf *report)
{
    struct planned p[8];
    unsigned n = plan_actions(a, job->alarm_name, p, 8);
    for (unsigned i = 0; i < n; i++) {
        struct ot_action_result res;
        struct ot_error err;
        char line[600];
        memset(&res, 0, sizeof(res));
        ot_error_clear(&err);
        ot_status st = ot_action_run(p[i].argv, job->event, p[i].timeout_ms, &res, &err);
        ot_action_report(p[i].name, st, &res, line, sizeof(line));
        say(a, "alarm %s: %s", job->alarm_name, line);
        (void)ot_buf_printf(report, "%s%s", report->len ? "\n" : "", line);
        for (unsigned k = 0; k < MAX_ACTION_ARGS; k++) {
            ot_free(p[i].argv[k]);
        }
    }
    if (n == 0) {
        (void)ot_buf_append_cstr(report, "Action failed: the alarm's response actions are no "
                                         "longer configured");
    }
}

static void *actor_main(void *arg)
{
    struct otd_alerting *a = arg;
    for (;;) {
        struct ot_alert_action_job *job = NULL;
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_alert_queue_action_next(a->q, &job, &err) != OT_OK) {
            say_err(a, "alerts: cannot read a response action", &err);
        }
        if (job == NULL) {
            if (wait_until(a, now_ms() + IDLE_WAIT_MS)) {
                break;
            }
            continue;
        }
        struct ot_buf report = OT_BUF_INIT(OT_ACTION_OUTPUT_MAX * 4);
        if (job->interrupted) {
            (void)ot_buf_append_cstr(&report, "Action failed: the daemon stopped while it ran; "
                                              "not run again (check by hand)");
        } else if (ot_alert_queue_action_started(a->q, job, &err) != OT_OK) {
            say_err(a, "alerts: cannot record that an action starts; not run", &err);
            (void)ot_buf_append_cstr(&report, "Action failed: not run (state not writable)");
        } else {
            run_actions(a, job, &report);
        }
        if (ot_alert_queue_action_done(a->q, job, report.data ? report.data : "", &err) != OT_OK) {
            say_err(a, "alerts: cannot record an action's report", &err);
        }
        ot_buf_cleanup(&report);
        wake(a); /* the notifications that waited for the report */
    }
    return NULL;
}

/* ---- the watcher (delivery thread) ---------------------------------------- */

static bool names_log(const struct ot_config *c, const char *name)
{
    if (strcmp(name, "log") == 0) {
        return true;
    }
    for (uint32_t i = 0; i < c->nnotifiers; i++) {
        if (c->notifiers[i].type == 0 && strcmp(c->notifiers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void log_alert(struct otd_alerting *a, const struct ot_watch_alarm *al,
                      const struct ot_watch_change *chg)
{
    struct ot_alert alert = { .alarm_name = al->name,
                              .title = al->title,
                              .rule_id = al->rule ? al->rule->id : NULL,
                              .cis = al->rule ? al->rule->cis : NULL,
                              .severity = al->rule ? al->rule->severity : NULL,
                              .from = chg->from,
                              .to = chg->to,
                              .value = chg->value,
                              .has_value = chg->has_value,
                              .threshold = al->def.threshold,
                              .period_s = al->def.period_s,
                              .at_ms = chg->at_ms,
                              .event = chg->event };
    struct ot_buf b = OT_BUF_INIT(OT_ALERT_MAX_BYTES);
    if (ot_alert_text(&alert, &b) == OT_OK) {
        say(a, "%.*s", (int)(b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len), b.data);
    }
    ot_buf_cleanup(&b);
}

static ot_status on_change(void *ctx, const struct ot_watch_change *chg, struct ot_error *err)
{
    struct otd_alerting *a = ctx;
    const struct ot_watch_alarm *al = ot_watcher_alarm(a->w, chg->alarm);
    const struct ot_config *c = a->wc;
    a->changed = true;
    atomic_fetch_add(&a->changes, 1);
    say(a, "alarm %s: %s -> %s (#%llu)", al->name, ot_alarm_state_name(chg->from),
        ot_alarm_state_name(chg->to), (unsigned long long)chg->seq);
    char *const *names = chg->to == OT_ALARM_ALARM ? al->alarm_actions
                         : chg->to == OT_ALARM_OK  ? al->ok_actions
                                                   : NULL;
    unsigned nnames = chg->to == OT_ALARM_ALARM ? al->nalarm_actions
                      : chg->to == OT_ALARM_OK  ? al->nok_actions
                                                : 0;
    bool log = al->rule != NULL && nnames == 0 && chg->to == OT_ALARM_ALARM; /* CIS default */
    unsigned which[OT_QUEUE_MAX_NOTIFIERS], nwhich = 0, nactions = 0;
    for (unsigned i = 0; al->actions_enabled && i < nnames; i++) {
        log = log || names_log(c, names[i]);
        for (unsigned k = 0; k < a->nn; k++) {
            if (strcmp(a->names[k], names[i]) == 0 && nwhich < OT_QUEUE_MAX_NOTIFIERS) {
                which[nwhich++] = k;
            }
        }
        for (uint32_t r = 0; chg->to == OT_ALARM_ALARM && r < c->nresponse_actions; r++) {
            nactions += strcmp(c->response_actions[r].name, names[i]) == 0;
        }
    }
    if (log && al->actions_enabled) {
        log_alert(a, al, chg);
    }
    if (nwhich == 0 && nactions == 0) {
        return OT_OK;
    }
    struct ot_alert_entry e = { .seq = chg->seq,
                                .alarm_name = al->name,
                                .title = al->title,
                                .rule_id = al->rule ? al->rule->id : NULL,
                                .from = chg->from,
                                .to = chg->to,
                                .value = chg->value,
                                .has_value = chg->has_value,
                                .threshold = al->def.threshold,
                                .period_s = al->def.period_s,
                                .at_ms = chg->at_ms,
                                .arrived_ms = a->now,
                                .nactions = nactions,
                                .event = chg->event ? a->json : (struct ot_sv){ "", 0 } };
    ot_status st = ot_alert_queue_push(a->q, &e, which, nwhich, err);
    wake(a);
    return st;
}

static void count_alarms(struct otd_alerting *a)
{
    unsigned long long n = 0;
    for (unsigned i = 0; i < ot_watcher_nalarms(a->w); i++) {
        n += ot_watcher_state(a->w, i) == OT_ALARM_ALARM;
    }
    atomic_store(&a->in_alarm, n);
}

ot_status otd_alerting_attach(struct otd_alerting *a, const struct ot_config *c,
                              struct ot_error *err)
{
    ot_status st = ot_watcher_new(c, &a->w, err);
    if (st != OT_OK) {
        return st;
    }
    a->wc = c;
    st = ot_watcher_load(a->w, a->state_path, err);
    if (st == OT_E_PARSE) {
        say_err(a, "alarm state unreadable; alarms start afresh", err);
        ot_watcher_free(a->w);
        st = ot_watcher_new(c, &a->w, err);
    }
    if (st != OT_OK) {
        ot_watcher_free(a->w);
        a->w = NULL;
        return st;
    }
    count_alarms(a);
    a->last_save = now_ms();
    return OT_OK;
}

void otd_alerting_detach(struct otd_alerting *a)
{
    if (a->w == NULL) {
        return;
    }
    struct ot_error err;
    if (ot_watcher_dirty(a->w) && ot_watcher_save(a->w, a->state_path, &err) != OT_OK) {
        say_err(a, "cannot save the alarm state", &err);
    }
    ot_watcher_free(a->w);
    a->w = NULL;
}

static ot_status after(struct otd_alerting *a, ot_status st, struct ot_error *err)
{
    if (st == OT_OK && a->changed) {
        a->changed = false;
        count_alarms(a);
        st = ot_watcher_save(a->w, a->state_path, err);
        a->last_save = a->now;
    }
    return st;
}

ot_status otd_alerting_offer(struct otd_alerting *a, const struct ot_record *rec, struct ot_sv json,
                             uint64_t next, int64_t now, struct ot_error *err)
{
    if (a->w == NULL) {
        return OT_OK;
    }
    a->json = json;
    a->now = now;
    ot_status st = ot_watcher_add(a->w, rec, next, now, on_change, a, err);
    return after(a, st, err);
}

ot_status otd_alerting_tick(struct otd_alerting *a, int64_t now, struct ot_error *err)
{
    if (a->w == NULL) {
        return OT_OK;
    }
    a->now = now;
    a->json = (struct ot_sv){ "", 0 };
    ot_status st = after(a, ot_watcher_tick(a->w, now, on_change, a, err), err);
    if (st == OT_OK && ot_watcher_dirty(a->w) && now - a->last_save >= SAVE_EVERY_MS) {
        st = ot_watcher_save(a->w, a->state_path, err);
        a->last_save = now;
    }
    return st;
}

ot_status otd_alerting_save(struct otd_alerting *a, struct ot_error *err)
{
    if (a->w == NULL || !ot_watcher_dirty(a->w)) {
        return OT_OK;
    }
    a->last_save = now_ms();
    return ot_watcher_save(a->w, a->state_path, err);
}

/* ---- open, close, metrics ---------------------------------------------------- */

static const char *setting(const char *value, const char *env, const char *what, bool *missing,
                           const struct otd_alerting *a, const char *notifier)
{
    if (value != NULL || env == NULL) {
        return value;
    }
    const char *v = getenv(env);
    if (v == NULL || v[0] == '\0') {
        say(a, "notifier %s: environment variable %s (its %s) is not set", notifier, env, what);
        *missing = true;
    }
    return v;
}

static int open_notifiers(struct otd_alerting *a, const struct ot_config *c)
{
    for (uint32_t i = 0; i < c->nnotifiers; i++) {
        const struct ot_conf_notifier *cn = &c->notifiers[i];
        if (cn->type == 0) {
            continue; /* log: written at the change, nothing to queue */
        }
        if (a->nn == OT_QUEUE_MAX_NOTIFIERS) {
            say(a, "at most %u notifiers", OT_QUEUE_MAX_NOTIFIERS);
            return 2;
        }
        bool missing = false;
        struct ot_notifier_conf nc = {
            .type = type_names[cn->type],
            .url = setting(cn->url, cn->url_env, "Url", &missing, a, cn->name),
            .secret = setting(cn->secret, cn->secret_env, "Secret", &missing, a, cn->name),
            .mail_from = cn->from ? cn->from : "opentrail@localhost",
            .mail_to = cn->to,
            .username = cn->username,
            .password = setting(cn->password, cn->password_env, "Password", &missing, a, cn->name),
            .cacert = cn->ca_file,
            .topic_arn = cn->topic_arn,
            .timeout_ms = (long)cn->timeout_ms,
        };
        struct ot_error err;
        ot_error_clear(&err);
        if (missing) {
            return 2;
        }
        if (ot_notifier_open(&nc, &a->n[a->nn], &err) != OT_OK) {
            char m[1024];
            ot_error_format(&err, m, sizeof(m));
            say(a, "notifier %s: %s", cn->name, m);
            return 2;
        }
        a->names[a->nn++] = cn->name;
    }
    return 0;
}

int otd_alerting_open(const struct otd_alerting_opts *o, struct otd_alerting **out)
{
    struct otd_alerting *a = ot_calloc(1, sizeof(*a));
    if (a == NULL) {
        return 4;
    }
    a->o = *o;
    (void)pthread_mutex_init(&a->lock, NULL);
    (void)pthread_cond_init(&a->cond, NULL);
    const struct ot_config *c = *o->cfg;
    int rc = 0;
    if ((size_t)snprintf(a->state_path, sizeof(a->state_path), "%s/alarms.state", o->state_dir) >=
            sizeof(a->state_path) ||
        (size_t)snprintf(a->alerts_dir, sizeof(a->alerts_dir), "%s/alerts", o->state_dir) >=
            sizeof(a->alerts_dir)) {
        say(a, "the data folder path is too long");
        rc = 2;
    }
    if (rc == 0 && mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
        say(a, "cannot create %s: %s", o->state_dir, strerror(errno));
        rc = 4;
    }
    if (rc == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        say(a, "cannot start libcurl");
        rc = 4;
    }
    a->curl_up = rc == 0;
    if (rc == 0) {
        rc = open_notifiers(a, c);
    }
    if (rc == 0) {
        struct ot_alert_queue_opts qo = {
            .dir = a->alerts_dir,
            .notifiers = a->names,
            .nnotifiers = a->nn,
            .max_pending = (unsigned)c->alerting.max_pending,
            .repeat_interval_ms = (int64_t)c->alerting.repeat_interval_seconds * 1000,
            .retry_for_ms = (int64_t)c->alerting.retry_for_seconds * 1000,
            .now_ms = now_ms(),
        };
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_alert_queue_open(&qo, &a->q, &err) != OT_OK) {
            say_err(a, "cannot open the alert queue", &err);
            rc = 4;
        }
    }
    for (unsigned k = 0; rc == 0 && k < a->nn; k++) {
        struct sender_arg *sa = ot_calloc(1, sizeof(*sa));
        if (sa == NULL) {
            rc = 4;
            break;
        }
        *sa = (struct sender_arg){ a, k };
        if (pthread_create(&a->senders[k], NULL, sender_main, sa) != 0) {
            ot_free(sa);
            rc = 4;
            break;
        }
        a->nsenders++;
    }
    if (rc == 0) {
        a->actor_up = pthread_create(&a->actor, NULL, actor_main, a) == 0;
        rc = a->actor_up ? 0 : 4;
    }
    if (rc != 0) {
        otd_alerting_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

void otd_alerting_close(struct otd_alerting *a)
{
    if (a == NULL) {
        return;
    }
    (void)pthread_mutex_lock(&a->lock);
    a->stopping = true;
    (void)pthread_cond_broadcast(&a->cond);
    (void)pthread_mutex_unlock(&a->lock);
    /* a sender inside a send waits for its notifier's timeout (TimeoutMs) at most */
    for (unsigned k = 0; k < a->nsenders; k++) {
        (void)pthread_join(a->senders[k], NULL);
    }
    if (a->actor_up) {
        (void)pthread_join(a->actor, NULL);
    }
    otd_alerting_detach(a);
    ot_alert_queue_close(a->q);
    for (unsigned k = 0; k < a->nn; k++) {
        ot_notifier_close(a->n[k]);
    }
    if (a->curl_up) {
        curl_global_cleanup();
    }
    (void)pthread_cond_destroy(&a->cond);
    (void)pthread_mutex_destroy(&a->lock);
    ot_free(a);
}

ot_status otd_alerting_metrics(struct otd_alerting *a, struct ot_buf *b)
{
    ot_status st = ot_buf_printf(
        b,
        "# HELP opentrail_alarms_in_alarm Alarms in the ALARM state.\n"
        "# TYPE opentrail_alarms_in_alarm gauge\nopentrail_alarms_in_alarm %llu\n"
        "# HELP opentrail_alarm_changes_total Alarm state changes.\n"
        "# TYPE opentrail_alarm_changes_total counter\nopentrail_alarm_changes_total %llu\n",
        (unsigned long long)atomic_load(&a->in_alarm),
        (unsigned long long)atomic_load(&a->changes));
    return st == OT_OK ? ot_alert_queue_metrics(a->q, b) : st;
}
