/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_live.c - the live watcher (watch/live.c: periods, alarm
 * evaluation on records and ticks, replay positions, the state file) and the
 * delivery queue (alert/queue.c: durable push, retry back-off, grouping,
 * drop-oldest, recovery), with allocation-failure loops.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static const char yaml[] = "CisPack: false\n"
                           "MetricFilters:\n"
                           "  - filterName: denied\n"
                           "    filterPattern: '{ $.errorCode = \"AccessDenied\" }'\n"
                           "    metricTransformations:\n"
                           "      - {metricName: Denied, metricNamespace: T, metricValue: \"1\"}\n"
                           "Alarms:\n"
                           "  - {AlarmName: two, MetricName: Denied, Namespace: T, Period: 60,\n"
                           "     Threshold: 2, ComparisonOperator: GreaterThanOrEqualToThreshold,\n"
                           "     TreatMissingData: notBreaching}\n";

static const char denied[] = "{\"eventVersion\":\"1.08\",\"eventName\":\"GetObject\","
                             "\"errorCode\":\"AccessDenied\",\"eventID\":\"e1\"}";

struct seen {
    unsigned n;
    enum ot_alarm_state last;
    uint64_t seq;
};

static ot_status on_change(void *ctx, const struct ot_watch_change *c, struct ot_error *err)
{
    (void)err;
    struct seen *s = ctx;
    s->n++;
    s->last = c->to;
    s->seq = c->seq;
    return OT_OK;
}

struct feed {
    struct ot_watcher *w;
    uint64_t next;
    int64_t now;
    struct seen *s;
};

static bool feed_one(void *ctx, const struct ot_record *rec)
{
    struct feed *f = ctx;
    assert_int_equal(ot_watcher_add(f->w, rec, f->next, f->now, on_change, f->s, NULL), OT_OK);
    return true;
}

static void add(struct ot_watcher *w, uint64_t next, int64_t now, struct seen *s)
{
    struct ot_reader *r = NULL;
    struct ot_read_result res;
    struct feed f = { w, next, now, s };
    assert_int_equal(ot_reader_new(NULL, &r), OT_OK);
    assert_int_equal(
        ot_reader_read_mem(r, denied, sizeof(denied) - 1, "t", feed_one, NULL, &f, &res, NULL),
        OT_OK);
    ot_reader_free(r);
}

static struct ot_config *config(void)
{
    struct ot_config *c = NULL;
    struct ot_error err;
    if (ot_config_parse(SV(yaml), "t.yaml", &c, &err) != OT_OK) {
        fail_msg("%s (%s)", err.what, err.fix);
    }
    return c;
}

static void test_periods_and_replay(void **state)
{
    (void)state;
    struct ot_config *c = config();
    struct ot_watcher *w = NULL;
    struct seen s = { 0 };
    char path[] = "/tmp/ot-live-XXXXXX";
    assert_non_null(mkdtemp(path));
    char file[64];
    (void)snprintf(file, sizeof(file), "%s/alarms.state", path);
    const int64_t t0 = 1700000040000; /* the start of a minute */
    assert_int_equal(ot_watcher_new(c, &w, NULL), OT_OK);
    assert_int_equal(ot_watcher_load(w, file, NULL), OT_OK); /* none yet: a first start */
    add(w, 10, t0, &s);
    assert_int_equal(s.n, 1); /* 1 < 2: INSUFFICIENT_DATA -> OK */
    assert_int_equal(s.last, OT_ALARM_OK);
    add(w, 10, t0 + 1, &s); /* a replay of the same position: ignored */
    assert_int_equal(s.n, 1);
    add(w, 20, t0 + 2, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.last, OT_ALARM_ALARM);
    assert_int_equal(ot_watcher_state(w, 0), OT_ALARM_ALARM);
    /* the period closes; the breach stays in view for N + 2 = 3 periods */
    assert_int_equal(ot_watcher_tick(w, t0 + 25000, on_change, &s, NULL), OT_OK);
    assert_int_equal(ot_watcher_tick(w, t0 + 85000, on_change, &s, NULL), OT_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(ot_watcher_save(w, file, NULL), OT_OK);
    assert_false(ot_watcher_dirty(w));
    /* a restart: the state, the position and the change counter come back */
    struct ot_watcher *w2 = NULL;
    assert_int_equal(ot_watcher_new(c, &w2, NULL), OT_OK);
    assert_int_equal(ot_watcher_load(w2, file, NULL), OT_OK);
    assert_int_equal(ot_watcher_state(w2, 0), OT_ALARM_ALARM);
    assert_int_equal(ot_watcher_position(w2), 20);
    add(w2, 20, t0 + 90000, &s); /* replayed from the spool: not counted again */
    assert_int_equal(s.n, 2);
    assert_int_equal(ot_watcher_tick(w2, t0 + 185000, on_change, &s, NULL), OT_OK);
    assert_int_equal(s.n, 3); /* out of view now: notBreaching -> OK */
    assert_int_equal(s.last, OT_ALARM_OK);
    assert_int_equal(s.seq, 3); /* numbering went on across the restart */
    /* a damaged file is refused with its line */
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    (void)fputs("opentrail-watch 1\nposition x\n", f);
    assert_int_equal(fclose(f), 0);
    struct ot_error err;
    assert_int_equal(ot_watcher_load(w2, file, &err), OT_E_PARSE);
    assert_int_equal(err.line, 2);
    ot_watcher_free(w);
    ot_watcher_free(w2);
    ot_config_free(c);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(path), 0);
}

static struct ot_alert_entry entry(uint64_t seq, const char *alarm, int64_t at)
{
    return (struct ot_alert_entry){ .seq = seq,
                                    .alarm_name = alarm,
                                    .title = "T",
                                    .from = OT_ALARM_OK,
                                    .to = OT_ALARM_ALARM,
                                    .threshold = 1,
                                    .period_s = 300,
                                    .at_ms = at,
                                    .arrived_ms = at,
                                    .event = SV("{\"eventID\":\"x\"}") };
}

static void rm_tree(const char *dir)
{
    char cmd[256];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0); /* test cleanup only */
}

static void test_queue(void **state)
{
    (void)state;
    char dir[] = "/tmp/ot-queue-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *names[] = { "a", "b" };
    struct ot_alert_queue_opts o = { .dir = dir,
                                     .notifiers = names,
                                     .nnotifiers = 2,
                                     .max_pending = 3,
                                     .repeat_interval_ms = 60000,
                                     .retry_for_ms = 10000,
                                     .now_ms = 1000 };
    struct ot_alert_queue *q = NULL;
    struct ot_alert_job *job = NULL;
    int64_t wake;
    const unsigned both[] = { 0, 1 };
    assert_int_equal(ot_alert_queue_open(&o, &q, NULL), OT_OK);
    struct ot_alert_entry e = entry(1, "x", 1000);
    assert_int_equal(ot_alert_queue_push(q, &e, both, 2, NULL), OT_OK);
    assert_int_equal(ot_alert_queue_push(q, &e, both, 2, NULL), OT_OK); /* a replay: kept once */
    assert_int_equal(ot_alert_queue_next(q, 0, 1000, &job, &wake, NULL), OT_OK);
    assert_non_null(job);
    assert_int_equal(job->e.seq, 1);
    assert_string_equal(job->e.alarm_name, "x");
    assert_int_equal(job->repeats, 0);
    /* a retry backs off 375..625 ms */
    assert_int_equal(ot_alert_queue_done(q, job, OT_E_RETRY, 1000, 0), OT_E_RETRY);
    assert_int_equal(ot_alert_queue_next(q, 0, 1100, &job, &wake, NULL), OT_OK);
    assert_null(job);
    assert_int_equal(wake, 1375);
    assert_int_equal(ot_alert_queue_next(q, 0, 1400, &job, &wake, NULL), OT_OK);
    assert_non_null(job);
    assert_int_equal(ot_alert_queue_done(q, job, OT_OK, 1400, 0), OT_OK);
    /* two more changes of x: held by the repeat interval, then sent as one */
    e = entry(2, "x", 2000);
    assert_int_equal(ot_alert_queue_push(q, &e, both, 1, NULL), OT_OK);
    e = entry(3, "x", 3000);
    assert_int_equal(ot_alert_queue_push(q, &e, both, 1, NULL), OT_OK);
    assert_int_equal(ot_alert_queue_next(q, 0, 3000, &job, &wake, NULL), OT_OK);
    assert_null(job);
    assert_int_equal(wake, 61400);
    assert_int_equal(ot_alert_queue_next(q, 0, 61400, &job, &wake, NULL), OT_OK);
    assert_non_null(job);
    assert_int_equal(job->e.seq, 2);
    assert_int_equal(job->repeats, 1);
    assert_int_equal(ot_alert_queue_done(q, job, OT_OK, 61500, 0), OT_OK);
    assert_int_equal(ot_alert_queue_next(q, 0, 200000, &job, &wake, NULL), OT_OK);
    assert_null(job);
    /* notifier b: still one waiting; past max_pending the oldest is dropped */
    for (uint64_t s = 10; s < 13; s++) {
        e = entry(s, "y", 4000);
        assert_int_equal(ot_alert_queue_push(q, &e, both + 1, 1, NULL), OT_OK);
    }
    struct ot_buf m = OT_BUF_INIT(1 << 20);
    assert_int_equal(ot_alert_queue_metrics(q, &m), OT_OK);
    assert_non_null(
        strstr(m.data, "opentrail_alert_notifications_dropped_total{notifier=\"b\"} 1"));
    assert_non_null(strstr(m.data, "opentrail_alert_notifications_pending{notifier=\"b\"} 3"));
    assert_non_null(strstr(m.data, "opentrail_alert_notifications_sent_total{notifier=\"a\"} 2"));
    ot_buf_cleanup(&m);
    ot_alert_queue_close(q);
    /* recovery: what waited is due again, oldest first; seq 1 was dropped */
    assert_int_equal(ot_alert_queue_open(&o, &q, NULL), OT_OK);
    assert_int_equal(ot_alert_queue_next(q, 1, 1000, &job, &wake, NULL), OT_OK);
    assert_non_null(job);
    assert_int_equal(job->e.seq, 10);
    assert_int_equal(job->repeats, 2); /* y three times: grouped */
    /* given up when retried past retry_for_ms */
    assert_int_equal(ot_alert_queue_done(q, job, OT_E_RETRY, 20000, 0), OT_E_USAGE);
    assert_int_equal(ot_alert_queue_next(q, 1, 30000, &job, &wake, NULL), OT_OK);
    assert_null(job);
    ot_alert_queue_close(q);
    rm_tree(dir);
}

static void test_actions(void **state)
{
    (void)state;
    char dir[] = "/tmp/ot-queue-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *names[] = { "a" };
    struct ot_alert_queue_opts o = {
        .dir = dir, .notifiers = names, .nnotifiers = 1, .max_pending = 10, .retry_for_ms = 1000
    };
    struct ot_alert_queue *q = NULL;
    struct ot_alert_job *job = NULL;
    struct ot_alert_action_job *aj = NULL;
    int64_t wake;
    const unsigned one[] = { 0 };
    assert_int_equal(ot_alert_queue_open(&o, &q, NULL), OT_OK);
    struct ot_alert_entry e = entry(7, "x", 0);
    e.nactions = 1;
    assert_int_equal(ot_alert_queue_push(q, &e, one, 1, NULL), OT_OK);
    assert_int_equal(ot_alert_queue_next(q, 0, 0, &job, &wake, NULL), OT_OK);
    assert_null(job); /* waits for its action's report */
    assert_int_equal(ot_alert_queue_action_next(q, &aj, NULL), OT_OK);
    assert_non_null(aj);
    assert_false(aj->interrupted);
    assert_int_equal(ot_alert_queue_action_started(q, aj, NULL), OT_OK);
    struct ot_alert_queue *dead = q; /* the daemon dies while the action runs ... */
    assert_int_equal(ot_alert_queue_open(&o, &q, NULL), OT_OK);
    struct ot_alert_action_job *again = NULL;
    assert_int_equal(ot_alert_queue_action_next(q, &again, NULL), OT_OK);
    assert_non_null(again);
    assert_true(again->interrupted); /* ... so it is reported, never rerun */
    assert_int_equal(ot_alert_queue_action_done(q, again, "Action failed: interrupted", NULL),
                     OT_OK);
    assert_int_equal(ot_alert_queue_next(q, 0, 0, &job, &wake, NULL), OT_OK);
    assert_non_null(job);
    assert_string_equal(job->actions, "Action failed: interrupted");
    assert_int_equal(ot_alert_queue_done(q, job, OT_OK, 0, 0), OT_OK);
    ot_alert_queue_close(q);
    assert_int_equal(ot_alert_queue_action_done(dead, aj, "", NULL), OT_OK); /* frees it */
    ot_alert_queue_close(dead);
    rm_tree(dir);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    if (!ot_alloc_fail_after(0)) {
        skip();
    }
    struct ot_config *c = config();
    bool done = false;
    for (unsigned long k = 1; k < 500 && !done; k++) {
        struct ot_watcher *w = NULL;
        ot_alloc_fail_after(k);
        ot_status st = ot_watcher_new(c, &w, NULL);
        ot_alloc_fail_after(0);
        assert_true(st == OT_OK || st == OT_E_NOMEM);
        done = st == OT_OK;
        ot_watcher_free(w);
    }
    assert_true(done);
    ot_config_free(c);
    char dir[] = "/tmp/ot-queue-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *names[] = { "a" };
    struct ot_alert_queue_opts o = {
        .dir = dir, .notifiers = names, .nnotifiers = 1, .max_pending = 10, .retry_for_ms = 1000
    };
    const unsigned one[] = { 0 };
    done = false;
    for (unsigned long k = 1; k < 500 && !done; k++) {
        struct ot_alert_queue *q = NULL;
        struct ot_alert_entry e = entry(k, "x", 0);
        ot_alloc_fail_after(k);
        ot_status st = ot_alert_queue_open(&o, &q, NULL);
        if (st == OT_OK) {
            st = ot_alert_queue_push(q, &e, one, 1, NULL);
        }
        ot_alloc_fail_after(0);
        assert_true(st == OT_OK || st == OT_E_NOMEM);
        done = st == OT_OK;
        ot_alert_queue_close(q);
    }
    assert_true(done);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periods_and_replay),
        cmocka_unit_test(test_queue),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
