/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/scan.c - read many inputs on several cores, report them in order.
 *
 * Stage: record (ingest). Each worker owns one ot_reader (its buffers are
 * reused file after file) and takes the next unread input from a shared
 * counter. Results are committed in input order: a worker that finished
 * input i waits until i-1 was committed, so output stays deterministic and
 * each worker holds at most one input's results (bounded memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "opentrail/limits.h"
#include "opentrail/scan.h"

#include "core/private.h"

struct scan {
    const struct ot_inputs *in;
    const struct ot_read_opts *opts;
    const struct ot_scan_ops *ops;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_take;   /* next input to hand out */
    size_t next_commit; /* next input whose results may be reported */
    ot_status fatal;
    struct ot_error fatal_err;
};

struct worker {
    struct scan *s;
    unsigned id;
    void *wctx;
    pthread_t th;
    bool started;
};

static ot_status read_one(struct ot_reader *r, const struct ot_input *in,
                          const struct ot_scan_ops *ops, void *wctx, struct ot_read_result *res,
                          struct ot_error *err)
{
    if (in->is_stdin) {
        return ot_reader_read_fd(r, STDIN_FILENO, "(stdin)", ops->on_record, ops->on_error, wctx,
                                 res, err);
    }
    memset(res, 0, sizeof(*res));
    if (in->by_key == OT_SHAPE_DIGEST) {
        res->shape = OT_SHAPE_DIGEST; /* known by its key: not even opened */
        return OT_OK;
    }
    int fd = open(in->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        ot_fail(err, OT_E_IO, "check the file's permissions", "cannot open: %s", strerror(e));
        err->sys_errno = e;
        ot_error_at(err, "%s", in->path);
        return OT_E_IO;
    }
    ot_status st =
        ot_reader_read_fd(r, fd, in->path, ops->on_record, ops->on_error, wctx, res, err);
    (void)close(fd); /* opened read-only: close cannot lose data */
    return st;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct scan *s = w->s;
    struct ot_reader *r = NULL;

    if (ot_reader_new(s->opts, &r) != OT_OK) {
        pthread_mutex_lock(&s->mu);
        if (s->fatal == OT_OK) {
            s->fatal = ot_fail(&s->fatal_err, OT_E_NOMEM, NULL, "out of memory starting a reader");
        }
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&s->mu);
        size_t i = s->next_take++;
        bool done = i >= s->in->n || s->fatal != OT_OK;
        pthread_mutex_unlock(&s->mu);
        if (done) {
            break;
        }
        struct ot_read_result res;
        struct ot_error err;
        ot_error_clear(&err);
        ot_status st = read_one(r, &s->in->v[i], s->ops, w->wctx, &res, &err);

        pthread_mutex_lock(&s->mu);
        while (s->next_commit != i && s->fatal == OT_OK) {
            pthread_cond_wait(&s->cv, &s->mu);
        }
        bool ok = s->fatal == OT_OK;
        pthread_mutex_unlock(&s->mu);
        if (ok && s->ops->on_file != NULL) {
            s->ops->on_file(s->ctx, w->wctx, &s->in->v[i], &res, st, &err);
        }
        pthread_mutex_lock(&s->mu);
        s->next_commit = i + 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    ot_reader_free(r);
    return NULL;
}

ot_status ot_scan_run(const struct ot_inputs *in, unsigned jobs, const struct ot_read_opts *opts,
                      const struct ot_scan_ops *ops, void *ctx, struct ot_error *err)
{
    struct scan s = { .in = in, .opts = opts, .ops = ops, .ctx = ctx, .fatal = OT_OK };
    struct worker ws[OT_SCAN_MAX_JOBS];
    ot_status st = OT_OK;

    if (jobs == 0) {
        jobs = 1;
    }
    if (jobs > OT_SCAN_MAX_JOBS) {
        jobs = OT_SCAN_MAX_JOBS;
    }
    if (jobs > in->n && in->n > 0) {
        jobs = (unsigned)in->n;
    }
    memset(ws, 0, sizeof(ws));
    if (pthread_mutex_init(&s.mu, NULL) != 0) {
        return ot_fail(err, OT_E_NOMEM, NULL, "cannot create a mutex");
    }
    if (pthread_cond_init(&s.cv, NULL) != 0) {
        pthread_mutex_destroy(&s.mu);
        return ot_fail(err, OT_E_NOMEM, NULL, "cannot create a condition variable");
    }
    for (unsigned k = 0; k < jobs; k++) {
        ws[k].s = &s;
        ws[k].id = k;
        ws[k].wctx = ops->worker_init ? ops->worker_init(ctx, k) : NULL;
    }
    if (jobs == 1) {
        worker_main(&ws[0]);
    } else {
        for (unsigned k = 0; k < jobs; k++) {
            if (pthread_create(&ws[k].th, NULL, worker_main, &ws[k]) != 0) {
                pthread_mutex_lock(&s.mu);
                if (s.fatal == OT_OK) {
                    s.fatal = ot_fail(&s.fatal_err, OT_E_NOMEM, "use --jobs 1",
                                      "cannot start worker thread %u", k);
                }
                pthread_cond_broadcast(&s.cv);
                pthread_mutex_unlock(&s.mu);
                break;
            }
            ws[k].started = true;
        }
        for (unsigned k = 0; k < jobs; k++) {
            if (ws[k].started) {
                (void)pthread_join(ws[k].th, NULL); /* workers return nothing */
            }
        }
    }
    for (unsigned k = 0; k < jobs; k++) {
        if (ops->worker_fini != NULL) {
            ops->worker_fini(ctx, ws[k].wctx);
        }
    }
    if (s.fatal != OT_OK) {
        st = s.fatal;
        if (err != NULL) {
            *err = s.fatal_err;
        }
    }
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return st;
}
