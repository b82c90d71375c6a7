/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/alerting.h - live alerting inside `opentrail serve` (alerting.c):
 * the delivery thread offers records and ticks; sender and action threads
 * deliver from the persistent queue in <data>/state/alerts/.
 */
#ifndef OTD_ALERTING_H
#define OTD_ALERTING_H

#include <pthread.h>

#include "opentrail/opentrail.h"

struct otd_alerting;

struct otd_alerting_opts {
    const char *state_dir;      /* <data>/state: alarms.state and alerts/ */
    pthread_rwlock_t *cfg_lock; /* guards *cfg, which a reload swaps */
    struct ot_config *const *cfg;
    void (*log)(const char *line); /* the daemon's log; never given a secret */
};

/* Open notifiers (secrets from the config or the environment), the queue, and
 * start the threads. Returns 0, 2 (config) or 4 (system); logs why. */
int otd_alerting_open(const struct otd_alerting_opts *o, struct otd_alerting **out);
/* Stop the threads (a send in progress ends at its timeout), save, free. */
void otd_alerting_close(struct otd_alerting *a);

/* Delivery thread only: build the watcher for @c (borrowed until detach) and
 * restore the alarm state; detach saves it and frees the watcher. */
ot_status otd_alerting_attach(struct otd_alerting *a, const struct ot_config *c,
                              struct ot_error *err);
void otd_alerting_detach(struct otd_alerting *a);
/* A record read from the spool (@next: the position after it) at @now. */
ot_status otd_alerting_offer(struct otd_alerting *a, const struct ot_record *rec, struct ot_sv json,
                             uint64_t next, int64_t now, struct ot_error *err);
ot_status otd_alerting_tick(struct otd_alerting *a, int64_t now, struct ot_error *err);
/* Save the alarm state now (before the spool checkpoint moves past it). */
ot_status otd_alerting_save(struct otd_alerting *a, struct ot_error *err);
/* /metrics: alarms in ALARM, changes, the queue's counters and latency. */
ot_status otd_alerting_metrics(struct otd_alerting *a, struct ot_buf *b);

#endif
