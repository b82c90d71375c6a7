/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/alarm.c - CloudWatch alarm evaluation: M out of N datapoints against
 * a threshold, and what missing datapoints mean (TreatMissingData).
 *
 * Stage: watch. Pure functions: the caller keeps the datapoints and the state
 * and asks for the next state each period. AWS documents the rules as truth
 * tables (spec 6.6); docs/alarms.md derives the algorithm below from them and
 * tests/unit/test_alarm.c checks every documented row.
 */
#include <string.h>

#include "opentrail/watch.h"
#include "watch/alarm_int.h"

#include "core/private.h"

const char *ot_alarm_state_name(enum ot_alarm_state s)
{
    switch (s) {
    case OT_ALARM_INSUFFICIENT_DATA:
        return "INSUFFICIENT_DATA";
    case OT_ALARM_OK:
        return "OK";
    case OT_ALARM_ALARM:
        return "ALARM";
    }
    return "INSUFFICIENT_DATA";
}

unsigned ot_alarm_range(const struct ot_alarm_def *def)
{
    return def->evaluation_periods + 2;
}

ot_status ot_alarm_check(const struct ot_alarm_def *def, struct ot_error *err)
{
    unsigned p = def->period_s;
    if (!(p == 10 || p == 20 || p == 30 || (p >= 60 && p % 60 == 0))) {
        return ot_fail(err, OT_E_USAGE, "use 10, 20, 30 or a multiple of 60 seconds",
                       "Period %u is not valid", p);
    }
    if (def->evaluation_periods < 1) {
        return ot_fail(err, OT_E_USAGE, "evaluate at least one period",
                       "EvaluationPeriods must be at least 1");
    }
    if ((unsigned long)def->evaluation_periods * p > 86400ul) {
        return ot_fail(err, OT_E_USAGE, "shorten Period or EvaluationPeriods",
                       "EvaluationPeriods x Period is over one day");
    }
    if (def->datapoints_to_alarm > def->evaluation_periods) {
        return ot_fail(err, OT_E_USAGE,
                       "DatapointsToAlarm (M) must be at most EvaluationPeriods (N)",
                       "DatapointsToAlarm %u > EvaluationPeriods %u", def->datapoints_to_alarm,
                       def->evaluation_periods);
    }
    return OT_OK;
}

void ot_datapoint_add(struct ot_datapoint *dp, double value)
{
    if (!dp->present) {
        dp->present = true;
        dp->sum = dp->count = 0;
        dp->min = dp->max = value;
    }
    dp->sum += value;
    dp->count += 1;
    dp->min = value < dp->min ? value : dp->min;
    dp->max = value > dp->max ? value : dp->max;
}

double ot_alarm_statistic(const struct ot_alarm_def *def, const struct ot_datapoint *dp)
{
    switch (def->stat) {
    case OT_STAT_SUM:
        return dp->sum;
    case OT_STAT_SAMPLE_COUNT:
        return dp->count;
    case OT_STAT_AVERAGE:
        return dp->count > 0 ? dp->sum / dp->count : 0;
    case OT_STAT_MINIMUM:
        return dp->min;
    case OT_STAT_MAXIMUM:
        return dp->max;
    }
    return dp->sum;
}

static bool breaches(const struct ot_alarm_def *def, const struct ot_datapoint *dp)
{
    double v = ot_alarm_statistic(def, dp);
    switch (def->cmp) {
    case OT_CMP_GE:
        return v >= def->threshold;
    case OT_CMP_GT:
        return v > def->threshold;
    case OT_CMP_LT:
        return v < def->threshold;
    case OT_CMP_LE:
        return v <= def->threshold;
    }
    return false;
}

enum ot_alarm_state ot_alarm_evaluate(const struct ot_alarm_def *def,
                                      const struct ot_datapoint *points, unsigned n,
                                      enum ot_alarm_state current)
{
    unsigned N = def->evaluation_periods;
    unsigned M = def->datapoints_to_alarm ? def->datapoints_to_alarm : N;
    unsigned real = 0, real_breaching = 0;
    if (N == 0 || n == 0) {
        return current;
    }
    for (unsigned i = 0; i < n; i++) {
        if (points[i].present) {
            real++;
            real_breaching += breaches(def, &points[i]);
        }
    }
    /* 1. enough real datapoints in the range: the most recent N decide, missing data does not */
    if (real >= N) {
        unsigned seen = 0, b = 0;
        for (unsigned i = n; i-- > 0 && seen < N;) {
            if (points[i].present) {
                seen++;
                b += breaches(def, &points[i]);
            }
        }
        return b >= M ? OT_ALARM_ALARM : OT_ALARM_OK;
    }
    /* 2. breaching / notBreaching: fill the last N slots and count */
    if (def->missing == OT_MISSING_BREACHING || def->missing == OT_MISSING_NOT_BREACHING) {
        unsigned b = 0;
        unsigned first = n > N ? n - N : 0;
        for (unsigned i = first; i < n; i++) {
            b += points[i].present ? breaches(def, &points[i])
                                   : def->missing == OT_MISSING_BREACHING;
        }
        return b >= M ? OT_ALARM_ALARM : OT_ALARM_OK;
    }
    /* 3. missing / ignore, nothing real at all: no data (missing), or no change (ignore) */
    if (real == 0) {
        return def->missing == OT_MISSING_IGNORE ? current : OT_ALARM_INSUFFICIENT_DATA;
    }
    /* 4. missing / ignore with a few real points: they decide if enough breach ... */
    if (real_breaching >= M) {
        return OT_ALARM_ALARM;
    }
    /* ... or, when every real point breaches, CloudWatch alarms once the oldest breaching
     * point of the last N is at least M periods old and nothing newer is OK (its guard
     * against alarming early on intermittent data); `ignore` keeps its state instead */
    if (real_breaching == real) {
        unsigned first = n > N ? n - N : 0;
        for (unsigned i = first; i < n; i++) {
            if (points[i].present) { /* the oldest breaching point in the last N */
                if (n - i >= M) {
                    return def->missing == OT_MISSING_IGNORE ? current : OT_ALARM_ALARM;
                }
                break;
            }
        }
        return current; /* a breach too recent to judge: no change yet */
    }
    return OT_ALARM_OK;
}

ot_status ot_alarm_replay(const struct ot_alarm_def *def, const struct ot_series_point *pts,
                          size_t n, ot_transition_fn fn, void *ctx, struct ot_error *err)
{
    ot_status st = ot_alarm_check(def, err);
    if (st != OT_OK || n == 0) {
        return st;
    }
    const int64_t period = (int64_t)def->period_s * 1000;
    const unsigned range = ot_alarm_range(def);
    struct ot_datapoint win[64 + 2]; /* N <= 1 day / 10 s would be more: cap below */
    if (range > sizeof(win) / sizeof(win[0])) {
        return ot_fail(err, OT_E_LIMIT, "use at most 64 evaluation periods to replay",
                       "EvaluationPeriods %u is too many to replay", def->evaluation_periods);
    }
    enum ot_alarm_state state = OT_ALARM_INSUFFICIENT_DATA;
    size_t next = 0; /* the first point not yet inside the window */
    int64_t end = pts[n - 1].start_ms + (int64_t)range * period; /* until it leaves the range */
    for (int64_t t = pts[0].start_ms; t <= end;) {
        /* the window's periods: t - (range-1)*period .. t */
        for (unsigned i = 0; i < range; i++) {
            int64_t ps = t - (int64_t)(range - 1 - i) * period;
            memset(&win[i], 0, sizeof(win[i]));
            for (size_t k = next > range ? next - range : 0; k < n && pts[k].start_ms <= ps; k++) {
                if (pts[k].start_ms == ps) {
                    win[i] = pts[k].dp;
                }
            }
        }
        while (next < n && pts[next].start_ms <= t) {
            next++;
        }
        enum ot_alarm_state to = ot_alarm_evaluate(def, win, range, state);
        if (to != state) {
            struct ot_transition tr = { .at_ms = t,
                                        .from = state,
                                        .to = to,
                                        .value = win[range - 1].present
                                                     ? ot_alarm_statistic(def, &win[range - 1])
                                                     : 0,
                                        .has_value = win[range - 1].present };
            fn(ctx, &tr);
            state = to;
        }
        /* an empty window gives the same state again and again: jump to the first
         * window that holds the next point */
        bool empty = true;
        for (unsigned i = 0; i < range; i++) {
            empty = empty && !win[i].present;
        }
        int64_t step = t + period;
        if (empty && next < n) {
            int64_t first = pts[next].start_ms - (int64_t)(range - 1) * period;
            if (first > step) {
                step = first;
            }
        } else if (empty) {
            break; /* no points left and nothing in the window: nothing more can change */
        }
        t = step;
    }
    return OT_OK;
}
