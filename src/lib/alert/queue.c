/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/queue.c - the persistent delivery queue: one folder per notifier, one
 * file per notification, written (fsync'd) before the first attempt and
 * removed after success, so an alert survives a crash and a restart.
 *
 * Stage: alert. The daemon's sender threads (one per notifier, so one that
 * hangs holds up only itself) take due notifications here and report the
 * outcome; the library never sleeps or reads the clock: times are passed in.
 *
 *   <dir>/<notifier>/<seq>.alert   a notification waiting for that notifier
 *   <dir>/actions/<seq>.act        response actions still to run for alert seq
 *   <dir>/actions/<seq>.run        ... started (a restart reports, never reruns)
 *   <dir>/actions/<seq>.done       ... their report, read into the notifications
 *
 * seq is the watcher's change counter, so a change replayed after a crash
 * names files that exist already and is not queued twice. Policies: retry with
 * exponential back-off and jitter until retry_for_ms; per notifier, alarm and
 * state at most one notification per repeat interval, later ones grouped into
 * the next ("and 3 more"); at most max_pending waiting per notifier, past it
 * the oldest is dropped (counted): the newest says where the alarm stands.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "opentrail/alert.h"

#include "core/private.h"

#define PATH_MAX_BYTES 4200
#define ENTRY_MAGIC    "opentrail-alert 1\n"

static const double lat_bounds_s[OT_QUEUE_LAT_BUCKETS] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,    2.5,   5,    10,  30,   60 };

struct item {
    uint64_t seq;
    char *alarm; /* owned */
    int to;
    bool has_actions;
    bool busy; /* taken by a sender */
    unsigned attempts;
    int64_t next_ms, first_ms;
};

struct recent {
    char *alarm; /* owned */
    int to;
    int64_t sent_ms;
};

struct nq {
    char dir[PATH_MAX_BYTES];
    struct item *v;
    size_t n, cap;
    struct recent *rec;
    size_t nrec;
    unsigned long long sent, failed, retried, dropped;
};

struct action {
    uint64_t seq;
    bool busy, interrupted;
};

struct ot_alert_queue {
    pthread_mutex_t lock;
    char dir[PATH_MAX_BYTES], adir[PATH_MAX_BYTES];
    struct nq *nq;
    unsigned nnq;
    const char *const *names;
    unsigned max_pending;
    int64_t repeat_ms, retry_for_ms;
    struct action *acts;
    size_t nacts, capacts;
    unsigned long long lat[OT_QUEUE_LAT_BUCKETS + 1];
    double lat_sum;
    unsigned long long lat_count;
};

struct ot_alert_job_priv {
    struct ot_alert_job pub;
    struct ot_buf file, report;
    uint64_t *group; /* seqs sent with it */
    unsigned ngroup;
};

static ot_status path_of(char *out, const char *dir, uint64_t seq, const char *ext,
                         struct ot_error *err)
{
    if ((size_t)snprintf(out, PATH_MAX_BYTES, "%s/%016" PRIx64 ".%s", dir, seq, ext) >=
        PATH_MAX_BYTES) {
        return ot_fail(err, OT_E_LIMIT, "use a shorter data folder path", "path too long");
    }
    return OT_OK;
}

static ot_status make_dir(const char *d, struct ot_error *err)
{
    if (mkdir(d, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        ot_status st = ot_fail(err, OT_E_IO, "check the data folder's permissions",
                               "cannot create the folder: %s", strerror(e));
        ot_error_at(err, "%s", d);
        return st;
    }
    return OT_OK;
}

static void item_free(struct item *it)
{
    ot_free(it->alarm);
}

/* ---- entry files --------------------------------------------------------- */

static ot_status put_line(struct ot_buf *b, const char *key, const char *v)
{
    ot_status st = ot_buf_printf(b, "%s ", key);
    for (const char *p = v ? v : "-"; *p != '\0' && st == OT_OK; p++) {
        st = ot_buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p); /* one line each */
    }
    return st == OT_OK ? ot_buf_putc(b, '\n') : st;
}

static ot_status entry_format(const struct ot_alert_entry *e, struct ot_buf *b)
{
    ot_status st = ot_buf_printf(b, ENTRY_MAGIC "seq %" PRIu64 "\n", e->seq);
    if (st == OT_OK) {
        st = put_line(b, "alarm", e->alarm_name);
    }
    if (st == OT_OK) {
        st = put_line(b, "title", e->title);
    }
    if (st == OT_OK) {
        st = put_line(b, "rule", e->rule_id);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(b,
                           "from %d\nto %d\nvalue %.17g %d\nthreshold %.17g\nperiod %u\n"
                           "at %" PRId64 "\narrived %" PRId64 "\nactions %u\nevent %zu\n",
                           (int)e->from, (int)e->to, e->value, e->has_value ? 1 : 0, e->threshold,
                           e->period_s, e->at_ms, e->arrived_ms, e->nactions, e->event.n);
    }
    if (st == OT_OK) {
        st = ot_buf_append(b, e->event.p, e->event.n);
    }
    return st;
}

/* The text after "key " on the line at *p, NUL-terminated in place; NULL if
 * the line is not that key. Advances *p past the line. */
static char *take(char **p, char *end, const char *key)
{
    size_t k = strlen(key);
    char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL || (size_t)(nl - *p) < k + 1 || memcmp(*p, key, k) != 0 || (*p)[k] != ' ') {
        return NULL;
    }
    *nl = '\0';
    char *v = *p + k + 1;
    *p = nl + 1;
    return v;
}

/* Parse @b (an entry file, modified in place) into @e; strings point into @b. */
static bool entry_parse(struct ot_buf *b, struct ot_alert_entry *e)
{
    if (b->len < sizeof(ENTRY_MAGIC) - 1 || memcmp(b->data, ENTRY_MAGIC, sizeof(ENTRY_MAGIC) - 1)) {
        return false;
    }
    char *p = b->data + sizeof(ENTRY_MAGIC) - 1, *end = b->data + b->len, *v;
    int from, to, hv;
    size_t n;
    memset(e, 0, sizeof(*e));
    if ((v = take(&p, end, "seq")) == NULL || sscanf(v, "%" SCNu64, &e->seq) != 1 ||
        (e->alarm_name = take(&p, end, "alarm")) == NULL ||
        (e->title = take(&p, end, "title")) == NULL ||
        (e->rule_id = take(&p, end, "rule")) == NULL || (v = take(&p, end, "from")) == NULL ||
        sscanf(v, "%d", &from) != 1 || (v = take(&p, end, "to")) == NULL ||
        sscanf(v, "%d", &to) != 1 || (v = take(&p, end, "value")) == NULL ||
        sscanf(v, "%lg %d", &e->value, &hv) != 2 || (v = take(&p, end, "threshold")) == NULL ||
        sscanf(v, "%lg", &e->threshold) != 1 || (v = take(&p, end, "period")) == NULL ||
        sscanf(v, "%u", &e->period_s) != 1 || (v = take(&p, end, "at")) == NULL ||
        sscanf(v, "%" SCNd64, &e->at_ms) != 1 || (v = take(&p, end, "arrived")) == NULL ||
        sscanf(v, "%" SCNd64, &e->arrived_ms) != 1 || (v = take(&p, end, "actions")) == NULL ||
        sscanf(v, "%u", &e->nactions) != 1 || (v = take(&p, end, "event")) == NULL ||
        sscanf(v, "%zu", &n) != 1 || n != (size_t)(end - p) || from < 0 || from > 2 || to < 0 ||
        to > 2) {
        return false;
    }
    if (strcmp(e->rule_id, "-") == 0) {
        e->rule_id = NULL;
    }
    e->from = (enum ot_alarm_state)from;
    e->to = (enum ot_alarm_state)to;
    e->has_value = hv != 0;
    e->event = (struct ot_sv){ p, n };
    return true;
}

/* ---- the in-memory index -------------------------------------------------- */

static ot_status index_add(struct nq *nq, const struct ot_alert_entry *e, int64_t now_ms)
{
    if (nq->n == nq->cap) {
        size_t cap = nq->cap ? nq->cap * 2 : 16;
        struct item *v = ot_realloc(nq->v, cap * sizeof(*v));
        if (v == NULL) {
            return OT_E_NOMEM;
        }
        nq->v = v;
        nq->cap = cap;
    }
    char *alarm = ot_strndup(e->alarm_name, strlen(e->alarm_name));
    if (alarm == NULL) {
        return OT_E_NOMEM;
    }
    nq->v[nq->n++] = (struct item){ .seq = e->seq,
                                    .alarm = alarm,
                                    .to = (int)e->to,
                                    .has_actions = e->nactions > 0,
                                    .next_ms = now_ms,
                                    .first_ms = now_ms };
    return OT_OK;
}

static void index_remove(struct nq *nq, size_t i)
{
    item_free(&nq->v[i]);
    nq->v[i] = nq->v[--nq->n];
}

static bool action_pending(const struct ot_alert_queue *q, uint64_t seq)
{
    for (size_t i = 0; i < q->nacts; i++) {
        if (q->acts[i].seq == seq) {
            return true;
        }
    }
    return false;
}

static bool seq_queued(const struct ot_alert_queue *q, uint64_t seq)
{
    for (unsigned k = 0; k < q->nnq; k++) {
        for (size_t i = 0; i < q->nq[k].n; i++) {
            if (q->nq[k].v[i].seq == seq) {
                return true;
            }
        }
    }
    return false;
}

/* Forget the report of @seq once no notification needs it. */
static void drop_report(struct ot_alert_queue *q, uint64_t seq)
{
    char p[PATH_MAX_BYTES];
    if (!seq_queued(q, seq) && path_of(p, q->adir, seq, "done", NULL) == OT_OK) {
        (void)unlink(p); /* ENOENT when the alert had no actions */
    }
}

static void unlink_item(struct ot_alert_queue *q, struct nq *nq, size_t i)
{
    char p[PATH_MAX_BYTES];
    uint64_t seq = nq->v[i].seq;
    if (path_of(p, nq->dir, seq, "alert", NULL) == OT_OK) {
        (void)unlink(p); /* a failure leaves it to be sent again: at least once */
    }
    index_remove(nq, i);
    drop_report(q, seq);
}

static ot_status action_add(struct ot_alert_queue *q, uint64_t seq, bool interrupted)
{
    if (q->nacts == q->capacts) {
        size_t cap = q->capacts ? q->capacts * 2 : 16;
        struct action *v = ot_realloc(q->acts, cap * sizeof(*v));
        if (v == NULL) {
            return OT_E_NOMEM;
        }
        q->acts = v;
        q->capacts = cap;
    }
    q->acts[q->nacts++] = (struct action){ .seq = seq, .interrupted = interrupted };
    return OT_OK;
}

/* ---- open, recover, close ---------------------------------------------------- */

static ot_status recover_notifier(struct ot_alert_queue *q, struct nq *nq, int64_t now_ms,
                                  struct ot_error *err)
{
    DIR *d = opendir(nq->dir);
    if (d == NULL) {
        return ot_fail(err, OT_E_IO, NULL, "cannot read %s: %s", nq->dir, strerror(errno));
    }
    ot_status st = OT_OK;
    struct dirent *de;
    while (st == OT_OK && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 7 || strcmp(de->d_name + len - 6, ".alert") != 0) {
            continue;
        }
        char p[PATH_MAX_BYTES];
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", nq->dir, de->d_name) >= sizeof(p)) {
            continue; /* not a name we wrote */
        }
        struct ot_buf b = OT_BUF_INIT(OT_QUEUE_MAX_FILE_BYTES);
        struct ot_alert_entry e;
        if (ot_file_read(p, &b, NULL) != OT_OK || !entry_parse(&b, &e)) {
            /* a file we did not write whole cannot be sent; keep it for a human */
            char bad[PATH_MAX_BYTES + 8];
            (void)snprintf(bad, sizeof(bad), "%s.bad", p);
            (void)rename(p, bad);
        } else {
            st = index_add(nq, &e, now_ms);
        }
        ot_buf_cleanup(&b);
    }
    (void)closedir(d); /* read-only */
    (void)q;
    return st == OT_OK ? OT_OK : ot_fail(err, st, NULL, "out of memory");
}

static ot_status recover_actions(struct ot_alert_queue *q, struct ot_error *err)
{
    DIR *d = opendir(q->adir);
    if (d == NULL) {
        return ot_fail(err, OT_E_IO, NULL, "cannot read %s: %s", q->adir, strerror(errno));
    }
    ot_status st = OT_OK;
    struct dirent *de;
    while (st == OT_OK && (de = readdir(d)) != NULL) {
        uint64_t seq;
        char ext[8];
        int used = 0;
        if (sscanf(de->d_name, "%16" SCNx64 ".%7s%n", &seq, ext, &used) != 2 ||
            (size_t)used != strlen(de->d_name)) {
            continue;
        }
        char run[PATH_MAX_BYTES];
        if (strcmp(ext, "act") == 0 && path_of(run, q->adir, seq, "run", err) == OT_OK) {
            st = action_add(q, seq, access(run, F_OK) == 0);
        } else if (strcmp(ext, "done") == 0 && !seq_queued(q, seq)) {
            drop_report(q, seq);
        }
    }
    (void)closedir(d); /* read-only */
    return st == OT_OK ? OT_OK : ot_fail(err, st, NULL, "out of memory");
}

void ot_alert_queue_close(struct ot_alert_queue *q)
{
    if (q == NULL) {
        return;
    }
    for (unsigned k = 0; q->nq != NULL && k < q->nnq; k++) {
        for (size_t i = 0; i < q->nq[k].n; i++) {
            item_free(&q->nq[k].v[i]);
        }
        for (size_t i = 0; i < q->nq[k].nrec; i++) {
            ot_free(q->nq[k].rec[i].alarm);
        }
        ot_free(q->nq[k].v);
        ot_free(q->nq[k].rec);
    }
    ot_free(q->nq);
    ot_free(q->acts);
    (void)pthread_mutex_destroy(&q->lock);
    ot_free(q);
}

ot_status ot_alert_queue_open(const struct ot_alert_queue_opts *o, struct ot_alert_queue **out,
                              struct ot_error *err)
{
    if (o->nnotifiers > OT_QUEUE_MAX_NOTIFIERS) {
        return ot_fail(err, OT_E_LIMIT, "define fewer Notifiers", "%u notifiers (at most %u)",
                       o->nnotifiers, OT_QUEUE_MAX_NOTIFIERS);
    }
    struct ot_alert_queue *q = ot_calloc(1, sizeof(*q));
    if (q == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    (void)pthread_mutex_init(&q->lock, NULL);
    q->nq = ot_calloc(o->nnotifiers ? o->nnotifiers : 1, sizeof(*q->nq));
    ot_status st = q->nq ? OT_OK : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    q->nnq = q->nq ? o->nnotifiers : 0;
    q->names = o->notifiers;
    q->max_pending = o->max_pending ? o->max_pending : 1;
    q->repeat_ms = o->repeat_interval_ms;
    q->retry_for_ms = o->retry_for_ms;
    if (st == OT_OK &&
        ((size_t)snprintf(q->dir, sizeof(q->dir), "%s", o->dir) >= sizeof(q->dir) - 80 ||
         (size_t)snprintf(q->adir, sizeof(q->adir), "%s/actions", o->dir) >= sizeof(q->adir))) {
        st = ot_fail(err, OT_E_LIMIT, "use a shorter data folder path", "path too long");
    }
    if (st == OT_OK) {
        st = make_dir(q->dir, err);
    }
    if (st == OT_OK) {
        st = make_dir(q->adir, err);
    }
    for (unsigned k = 0; k < q->nnq && st == OT_OK; k++) {
        if ((size_t)snprintf(q->nq[k].dir, sizeof(q->nq[k].dir), "%s/%.64s", q->dir,
                             o->notifiers[k]) >= sizeof(q->nq[k].dir)) {
            st = ot_fail(err, OT_E_LIMIT, "use a shorter data folder path", "path too long");
            break;
        }
        st = make_dir(q->nq[k].dir, err);
        if (st == OT_OK) {
            st = recover_notifier(q, &q->nq[k], o->now_ms, err);
        }
    }
    if (st == OT_OK) {
        st = recover_actions(q, err);
    }
    if (st != OT_OK) {
        ot_alert_queue_close(q);
        return st;
    }
    *out = q;
    return OT_OK;
}

/* ---- push ---------------------------------------------------------------------- */

ot_status ot_alert_queue_push(struct ot_alert_queue *q, const struct ot_alert_entry *e,
                              const unsigned *which, unsigned n, struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_QUEUE_MAX_FILE_BYTES);
    char p[PATH_MAX_BYTES];
    ot_status st = entry_format(e, &b);
    if (st != OT_OK) {
        return ot_fail(err, st, "the event is too large to queue", "cannot queue the alert");
    }
    (void)pthread_mutex_lock(&q->lock);
    if (e->nactions > 0 && (st = path_of(p, q->adir, e->seq, "act", err)) == OT_OK) {
        char done[PATH_MAX_BYTES];
        bool ran = path_of(done, q->adir, e->seq, "done", NULL) == OT_OK && access(done, F_OK) == 0;
        st = ran ? OT_OK : ot_file_replace(p, b.data, b.len, true, err);
        if (st == OT_OK && !ran) {
            st = action_add(q, e->seq, false);
        } else if (st == OT_E_USAGE) {
            st = OT_OK; /* queued before a restart: it is in the list already */
        }
    }
    for (unsigned k = 0; k < n && st == OT_OK; k++) {
        struct nq *nq = &q->nq[which[k]];
        st = path_of(p, nq->dir, e->seq, "alert", err);
        if (st == OT_OK) {
            st = ot_file_replace(p, b.data, b.len, true, err);
        }
        if (st == OT_E_USAGE) {
            st = OT_OK; /* a replay: this notification is waiting already */
            continue;
        }
        if (st == OT_OK && nq->n >= q->max_pending) {
            size_t oldest = SIZE_MAX;
            for (size_t i = 0; i < nq->n; i++) {
                if (!nq->v[i].busy && (oldest == SIZE_MAX || nq->v[i].seq < nq->v[oldest].seq)) {
                    oldest = i;
                }
            }
            if (oldest != SIZE_MAX) {
                unlink_item(q, nq, oldest);
                nq->dropped++;
            }
        }
        if (st == OT_OK) {
            st = index_add(nq, e, e->at_ms);
            if (st != OT_OK) {
                st = ot_fail(err, st, NULL, "out of memory");
            }
        }
    }
    (void)pthread_mutex_unlock(&q->lock);
    ot_buf_cleanup(&b);
    return st;
}

/* ---- taking and finishing -------------------------------------------------------- */

static struct recent *recent_of(struct nq *nq, const char *alarm, int to)
{
    for (size_t i = 0; i < nq->nrec; i++) {
        if (nq->rec[i].to == to && strcmp(nq->rec[i].alarm, alarm) == 0) {
            return &nq->rec[i];
        }
    }
    return NULL;
}

static void remember_sent(struct nq *nq, const char *alarm, int to, int64_t now_ms)
{
    struct recent *r = recent_of(nq, alarm, to);
    if (r != NULL) {
        r->sent_ms = now_ms;
        return;
    }
    if (nq->nrec == OT_QUEUE_MAX_RECENT) {
        ot_free(nq->rec[0].alarm); /* the table is full: forget one (its next send is early) */
        nq->rec[0] = nq->rec[--nq->nrec];
    }
    if (nq->rec == NULL) {
        nq->rec = ot_calloc(OT_QUEUE_MAX_RECENT, sizeof(*nq->rec));
    }
    char *a = ot_strndup(alarm, strlen(alarm));
    if (nq->rec == NULL || a == NULL) {
        ot_free(a); /* no memory: no rate limit for this one, never a lost alert */
        return;
    }
    nq->rec[nq->nrec++] = (struct recent){ a, to, now_ms };
}

/* When item @it may be sent at the earliest. */
static int64_t due_at(const struct ot_alert_queue *q, struct nq *nq, const struct item *it)
{
    int64_t t = it->next_ms;
    const struct recent *r = q->repeat_ms > 0 ? recent_of(nq, it->alarm, it->to) : NULL;
    if (r != NULL && r->sent_ms + q->repeat_ms > t) {
        t = r->sent_ms + q->repeat_ms;
    }
    return t;
}

static void job_free(struct ot_alert_job_priv *j)
{
    if (j != NULL) {
        ot_buf_cleanup(&j->file);
        ot_buf_cleanup(&j->report);
        ot_free(j->group);
        ot_free(j);
    }
}

static ot_status load_job(struct ot_alert_queue *q, unsigned k, size_t i,
                          struct ot_alert_job_priv **out, struct ot_error *err)
{
    struct nq *nq = &q->nq[k];
    struct ot_alert_job_priv *j = ot_calloc(1, sizeof(*j));
    char p[PATH_MAX_BYTES];
    if (j == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    j->file = OT_BUF_INIT(OT_QUEUE_MAX_FILE_BYTES);
    j->report = OT_BUF_INIT(OT_ACTION_OUTPUT_MAX * 4);
    ot_status st = path_of(p, nq->dir, nq->v[i].seq, "alert", err);
    if (st == OT_OK) {
        st = ot_file_read(p, &j->file, err);
    }
    if (st == OT_OK && !entry_parse(&j->file, &j->pub.e)) {
        st = ot_fail(err, OT_E_PARSE, "the file was moved aside as .bad", "a damaged notification");
        char bad[PATH_MAX_BYTES + 8];
        (void)snprintf(bad, sizeof(bad), "%s.bad", p);
        (void)rename(p, bad);
    }
    if (st == OT_OK && nq->v[i].has_actions &&
        path_of(p, q->adir, nq->v[i].seq, "done", err) == OT_OK &&
        ot_file_read(p, &j->report, NULL) == OT_OK && j->report.len > 0) {
        j->pub.actions = j->report.data;
    }
    if (st != OT_OK) {
        job_free(j);
        return st;
    }
    j->pub.notifier = k;
    *out = j;
    return OT_OK;
}

ot_status ot_alert_queue_next(struct ot_alert_queue *q, unsigned notifier, int64_t now_ms,
                              struct ot_alert_job **job, int64_t *wake_ms, struct ot_error *err)
{
    struct nq *nq = &q->nq[notifier];
    ot_status st = OT_OK;
    *job = NULL;
    *wake_ms = INT64_MAX;
    (void)pthread_mutex_lock(&q->lock);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < nq->n; i++) {
        const struct item *it = &nq->v[i];
        if (it->busy || (it->has_actions && action_pending(q, it->seq))) {
            continue;
        }
        int64_t t = due_at(q, nq, it);
        if (t > now_ms) {
            *wake_ms = t < *wake_ms ? t : *wake_ms;
        } else if (best == SIZE_MAX || it->seq < nq->v[best].seq) {
            best = i;
        }
    }
    if (best != SIZE_MAX) {
        struct ot_alert_job_priv *j = NULL;
        st = load_job(q, notifier, best, &j, err);
        if (st == OT_E_PARSE) {
            index_remove(nq, best);
            nq->failed++;
        }
        if (st == OT_OK) {
            /* group: the other waiting notifications of this alarm and state go with it */
            const struct item *b = &nq->v[best];
            j->group = ot_calloc(nq->n, sizeof(*j->group));
            for (size_t i = 0; i < nq->n && j->group != NULL; i++) {
                struct item *it = &nq->v[i];
                if (!it->busy && it->to == b->to && strcmp(it->alarm, b->alarm) == 0 &&
                    !(it->has_actions && action_pending(q, it->seq))) {
                    it->busy = true;
                    j->group[j->ngroup++] = it->seq;
                }
            }
            if (j->group == NULL) {
                nq->v[best].busy = true;
                j->group = NULL;
                j->ngroup = 0;
            }
            j->pub.repeats = j->ngroup > 1 ? j->ngroup - 1 : 0;
            *job = &j->pub;
        }
    }
    (void)pthread_mutex_unlock(&q->lock);
    return st;
}

static void observe(struct ot_alert_queue *q, double s)
{
    unsigned i = 0;
    while (i < OT_QUEUE_LAT_BUCKETS && s > lat_bounds_s[i]) {
        i++;
    }
    q->lat[i]++;
    q->lat_sum += s;
    q->lat_count++;
}

ot_status ot_alert_queue_done(struct ot_alert_queue *q, struct ot_alert_job *job, ot_status outcome,
                              int64_t now_ms, unsigned jitter)
{
    struct ot_alert_job_priv *j = (struct ot_alert_job_priv *)job;
    struct nq *nq = &q->nq[job->notifier];
    ot_status result = outcome;
    (void)pthread_mutex_lock(&q->lock);
    uint64_t only = job->e.seq;
    const uint64_t *group = j->ngroup ? j->group : &only;
    unsigned ngroup = j->ngroup ? j->ngroup : 1;
    for (size_t i = nq->n; i-- > 0;) {
        struct item *it = &nq->v[i];
        bool member = false;
        for (unsigned g = 0; g < ngroup && !member; g++) {
            member = group[g] == it->seq;
        }
        if (!member || !it->busy) {
            continue;
        }
        it->busy = false;
        if (outcome == OT_E_RETRY && now_ms - it->first_ms < q->retry_for_ms) {
            /* 500 ms, 1 s, 2 s ... 60 s, each spread over +-25% so senders do not march */
            unsigned shift = it->attempts < 7 ? it->attempts : 7;
            int64_t base = (int64_t)500 << shift;
            base = base > 60000 ? 60000 : base;
            it->next_ms = now_ms + base * 3 / 4 + base / 2 * (int64_t)(jitter & 0xffff) / 65536;
            it->attempts++;
            continue;
        }
        if (outcome == OT_OK && it->seq == job->e.seq) {
            observe(q, (double)(now_ms - job->e.arrived_ms) / 1000.0);
        }
        if (outcome == OT_E_RETRY) {
            result = OT_E_USAGE; /* retried for too long: given up */
        }
        unlink_item(q, nq, i);
    }
    if (outcome == OT_OK) {
        nq->sent++;
        remember_sent(nq, job->e.alarm_name, (int)job->e.to, now_ms);
    } else if (result == OT_E_RETRY) {
        nq->retried++;
    } else {
        nq->failed++;
    }
    (void)pthread_mutex_unlock(&q->lock);
    job_free(j);
    return result;
}

/* ---- response actions -------------------------------------------------------------- */

struct action_job_priv {
    struct ot_alert_action_job pub;
    struct ot_buf file;
    struct ot_alert_entry e;
};

ot_status ot_alert_queue_action_next(struct ot_alert_queue *q, struct ot_alert_action_job **job,
                                     struct ot_error *err)
{
    *job = NULL;
    ot_status st = OT_OK;
    (void)pthread_mutex_lock(&q->lock);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < q->nacts; i++) {
        if (!q->acts[i].busy && (best == SIZE_MAX || q->acts[i].seq < q->acts[best].seq)) {
            best = i;
        }
    }
    if (best != SIZE_MAX) {
        struct action_job_priv *j = ot_calloc(1, sizeof(*j));
        char p[PATH_MAX_BYTES];
        st = j ? path_of(p, q->adir, q->acts[best].seq, "act", err)
               : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        if (st == OT_OK) {
            j->file = OT_BUF_INIT(OT_QUEUE_MAX_FILE_BYTES);
            st = ot_file_read(p, &j->file, err);
        }
        if (st == OT_OK && !entry_parse(&j->file, &j->e)) {
            st = ot_fail(err, OT_E_PARSE, NULL, "a damaged action record");
        }
        if (st == OT_OK) {
            j->pub.seq = q->acts[best].seq;
            j->pub.alarm_name = j->e.alarm_name;
            j->pub.event = j->e.event;
            j->pub.interrupted = q->acts[best].interrupted;
            q->acts[best].busy = true;
            *job = &j->pub;
        } else if (j != NULL) {
            ot_buf_cleanup(&j->file);
            ot_free(j);
        }
    }
    (void)pthread_mutex_unlock(&q->lock);
    return st;
}

ot_status ot_alert_queue_action_started(struct ot_alert_queue *q,
                                        const struct ot_alert_action_job *job, struct ot_error *err)
{
    char p[PATH_MAX_BYTES];
    ot_status st = path_of(p, q->adir, job->seq, "run", err);
    return st == OT_OK ? ot_file_replace(p, "", 0, false, err) : st;
}

ot_status ot_alert_queue_action_done(struct ot_alert_queue *q, struct ot_alert_action_job *job,
                                     const char *report, struct ot_error *err)
{
    struct action_job_priv *j = (struct action_job_priv *)job;
    char p[PATH_MAX_BYTES];
    ot_status st = path_of(p, q->adir, job->seq, "done", err);
    if (st == OT_OK) {
        st = ot_file_replace(p, report, strlen(report), false, err);
    }
    (void)pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < q->nacts; i++) {
        if (q->acts[i].seq == job->seq) {
            if (st == OT_OK) {
                q->acts[i] = q->acts[--q->nacts];
            } else {
                q->acts[i].busy = false;
            }
            break;
        }
    }
    if (st == OT_OK) {
        /* the report is durable: the action is done whatever happens next */
        if (path_of(p, q->adir, job->seq, "act", NULL) == OT_OK) {
            (void)unlink(p);
        }
        if (path_of(p, q->adir, job->seq, "run", NULL) == OT_OK) {
            (void)unlink(p);
        }
        drop_report(q, job->seq);
    }
    (void)pthread_mutex_unlock(&q->lock);
    ot_buf_cleanup(&j->file);
    ot_free(j);
    return st;
}

/* ---- metrics ----------------------------------------------------------------------- */

ot_status ot_alert_queue_metrics(struct ot_alert_queue *q, struct ot_buf *out)
{
    static const char *const names[5] = { "sent", "failed", "retried", "dropped", "pending" };
    static const char *const help[5] = {
        "Notifications delivered.", "Notifications given up (permanent error or retried too long).",
        "Delivery attempts that will be retried.",
        "Notifications dropped because the queue was full (oldest first).",
        "Notifications waiting (on disk)."
    };
    ot_status st = OT_OK;
    (void)pthread_mutex_lock(&q->lock);
    for (int m = 0; m < 5 && st == OT_OK; m++) {
        const char *type = m == 4 ? "gauge" : "counter";
        st = ot_buf_printf(out,
                           "# HELP opentrail_alert_notifications_%s%s %s\n"
                           "# TYPE opentrail_alert_notifications_%s%s %s\n",
                           names[m], m == 4 ? "" : "_total", help[m], names[m],
                           m == 4 ? "" : "_total", type);
        for (unsigned k = 0; k < q->nnq && st == OT_OK; k++) {
            const struct nq *nq = &q->nq[k];
            unsigned long long v = m == 0   ? nq->sent
                                   : m == 1 ? nq->failed
                                   : m == 2 ? nq->retried
                                   : m == 3 ? nq->dropped
                                            : (unsigned long long)nq->n;
            st = ot_buf_printf(out, "opentrail_alert_notifications_%s%s{notifier=\"%s\"} %llu\n",
                               names[m], m == 4 ? "" : "_total", q->names[k], v);
        }
    }
    if (st == OT_OK) {
        st = ot_buf_printf(out,
                           "# HELP opentrail_alert_actions_pending Alerts whose response "
                           "actions have not run yet.\n# TYPE opentrail_alert_actions_pending "
                           "gauge\nopentrail_alert_actions_pending %zu\n",
                           q->nacts);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(out,
                                "# HELP opentrail_alert_latency_seconds From reading the record "
                                "that changed an alarm to the notification's success.\n"
                                "# TYPE opentrail_alert_latency_seconds histogram\n");
    }
    unsigned long long cum = 0;
    for (unsigned i = 0; i <= OT_QUEUE_LAT_BUCKETS && st == OT_OK; i++) {
        cum += q->lat[i];
        if (i < OT_QUEUE_LAT_BUCKETS) {
            st = ot_buf_printf(out, "opentrail_alert_latency_seconds_bucket{le=\"%g\"} %llu\n",
                               lat_bounds_s[i], cum);
        } else {
            st = ot_buf_printf(out,
                               "opentrail_alert_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
                               "opentrail_alert_latency_seconds_sum %.6f\n"
                               "opentrail_alert_latency_seconds_count %llu\n",
                               cum, q->lat_sum, q->lat_count);
        }
    }
    (void)pthread_mutex_unlock(&q->lock);
    return st;
}
