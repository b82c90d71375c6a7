/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/alarm_int.h - what the alarm evaluator shares with the live watcher.
 */
#ifndef OT_WATCH_ALARM_INT_H
#define OT_WATCH_ALARM_INT_H

#include "opentrail/watch.h"

/* The value of @dp under @def's Statistic (Sum, SampleCount, Average, Minimum, Maximum). */
double ot_alarm_statistic(const struct ot_alarm_def *def, const struct ot_datapoint *dp);

#endif
