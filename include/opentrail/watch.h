/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.h - CloudWatch Logs filter patterns over CloudTrail records, and the
 * CIS benchmark pack.
 *
 * Stage: watch (after select). A pattern is compiled once and evaluated on
 * every record: JSON patterns read fields through the record model without
 * copying; term and space-delimited patterns read the record's JSON text, as
 * CloudWatch Logs sees each CloudTrail record as one log event.
 */
#ifndef OPENTRAIL_WATCH_H
#define OPENTRAIL_WATCH_H

#include "opentrail/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CloudWatch's own cap on filterPattern. */
#define OT_PATTERN_MAX_BYTES 1024u
/* Regular expressions in one JSON or space-delimited pattern (CloudWatch: 2). */
#define OT_PATTERN_MAX_REGEX 2u
/* Fields of a space-delimited pattern, and of a message it splits. */
#define OT_PATTERN_MAX_FIELDS 64u

enum ot_pattern_kind {
    OT_PATTERN_TERMS, /* ERROR -ARGUMENTS ?"phrase" %re% ; "" matches everything */
    OT_PATTERN_JSON,  /* { $.a = "x" && ($.b > 1 || $.c NOT EXISTS) } */
    OT_PATTERN_SPACE, /* [ip, user, ..., status = 4*, bytes > 1000] */
};

struct ot_pattern; /* compiled; immutable, shareable between threads */
struct ot_matcher; /* per-thread scratch for matching; not shareable */

/**
 * ot_pattern_compile() - compile filter pattern @text (at most 1,024 bytes).
 * On success *@out is the caller's (ot_pattern_free). On OT_E_PARSE or
 * OT_E_LIMIT, @err->col is the 1-based column of the problem.
 */
OT_API ot_status ot_pattern_compile(struct ot_sv text, struct ot_pattern **out,
                                    struct ot_error *err);
OT_API void ot_pattern_free(struct ot_pattern *p);
OT_API enum ot_pattern_kind ot_pattern_kind_of(const struct ot_pattern *p);
OT_API struct ot_sv ot_pattern_text(const struct ot_pattern *p);

OT_API ot_status ot_matcher_new(struct ot_matcher **out);
OT_API void ot_matcher_free(struct ot_matcher *m);

/**
 * ot_pattern_match() - does @rec match @p? Term and space-delimited patterns
 * see the record's JSON text; JSON patterns see its fields. Never allocates
 * after the matcher has warmed up.
 */
OT_API bool ot_pattern_match(const struct ot_pattern *p, struct ot_matcher *m,
                             const struct ot_record *rec);

/**
 * ot_pattern_match_message() - does the log event text @msg match @p? (what
 * CloudWatch's TestMetricFilter answers). JSON patterns need @msg to be a JSON
 * object and match nothing else. OT_E_NOMEM is the only failure.
 */
OT_API ot_status ot_pattern_match_message(const struct ot_pattern *p, struct ot_matcher *m,
                                          struct ot_sv msg, bool *matched);

struct ot_pattern_set; /* several patterns evaluated together */

/**
 * ot_pattern_set_new() - group @n compiled patterns so that each distinct
 * selector is looked up once per record however many patterns use it (the 15
 * CIS patterns test eventName 90 times). The patterns are borrowed and must
 * outlive the set. *@out is the caller's (ot_pattern_set_free).
 */
OT_API ot_status ot_pattern_set_new(struct ot_pattern *const *pats, unsigned n,
                                    struct ot_pattern_set **out);
OT_API void ot_pattern_set_free(struct ot_pattern_set *s);

/**
 * ot_pattern_set_match() - evaluate every pattern of @s on @rec; @hits[i]
 * tells whether pattern i matched. Returns the number that matched.
 */
OT_API unsigned ot_pattern_set_match(const struct ot_pattern_set *s, struct ot_matcher *m,
                                     const struct ot_record *rec, bool *hits);

/* After a space-delimited match: the number of named fields extracted, and each
 * name and value (borrowed from the pattern and the message, valid until the
 * next match with @m). */
OT_API unsigned ot_matcher_nextracted(const struct ot_matcher *m);
OT_API void ot_matcher_extracted(const struct ot_matcher *m, unsigned i, struct ot_sv *name,
                                 struct ot_sv *value);

/* ------------------------------------------------------------------------ */
/* Metric filters (PutMetricFilter's model, spec 6.5)                       */

#define OT_METRIC_MAX_DIMENSIONS 3u

struct ot_metric_filter_def {
    const char *filter_name;      /* filterName */
    const char *filter_pattern;   /* filterPattern */
    const char *metric_name;      /* metricTransformations[0].metricName */
    const char *metric_namespace; /* metricNamespace */
    const char *metric_value;     /* "1", "$.latency" (JSON) or "$bytes" (space-delimited) */
    bool has_default_value;       /* defaultValue: published for periods without a match */
    double default_value;
    unsigned ndimensions; /* at most 3; not together with defaultValue */
    const char *dimension_names[OT_METRIC_MAX_DIMENSIONS];
    const char *dimension_values[OT_METRIC_MAX_DIMENSIONS]; /* selectors, like metric_value */
    const char *unit; /* a CloudWatch StandardUnit, or NULL for None */
};

struct ot_metric_filter; /* compiled; immutable, shareable between threads */

/**
 * ot_metric_filter_new() - check @def as PutMetricFilter does and compile it.
 * *@out is the caller's (ot_metric_filter_free). OT_E_USAGE names the field.
 */
OT_API ot_status ot_metric_filter_new(const struct ot_metric_filter_def *def,
                                      struct ot_metric_filter **out, struct ot_error *err);
OT_API void ot_metric_filter_free(struct ot_metric_filter *f);
OT_API const struct ot_pattern *ot_metric_filter_pattern(const struct ot_metric_filter *f);

/**
 * ot_metric_filter_apply() - run @f on @rec. On a match that yields a value,
 * returns true with the value in *@value and the dimensions appended to @dims
 * as "name=value" lines (empty without dimensions). A match whose value or a
 * dimension is absent or not usable publishes nothing (false), as CloudWatch.
 */
OT_API bool ot_metric_filter_apply(const struct ot_metric_filter *f, struct ot_matcher *m,
                                   const struct ot_record *rec, double *value, struct ot_buf *dims);

/* ------------------------------------------------------------------------ */
/* Alarms (CloudWatch's model, spec 6.6)                                    */

enum ot_alarm_state { OT_ALARM_INSUFFICIENT_DATA = 0, OT_ALARM_OK, OT_ALARM_ALARM };
enum ot_missing_data {
    OT_MISSING = 0,
    OT_MISSING_IGNORE,
    OT_MISSING_BREACHING,
    OT_MISSING_NOT_BREACHING
};
enum ot_comparison { OT_CMP_GE = 0, OT_CMP_GT, OT_CMP_LT, OT_CMP_LE };
enum ot_statistic {
    OT_STAT_SUM = 0,
    OT_STAT_SAMPLE_COUNT,
    OT_STAT_AVERAGE,
    OT_STAT_MINIMUM,
    OT_STAT_MAXIMUM
};

struct ot_alarm_def {
    unsigned period_s;            /* Period: 10, 20, 30 or a multiple of 60 */
    unsigned evaluation_periods;  /* N >= 1 */
    unsigned datapoints_to_alarm; /* M, 1..N (0 means N) */
    double threshold;
    enum ot_comparison cmp;
    enum ot_statistic stat;
    enum ot_missing_data missing;
};

/* One period's aggregate of metric values; present = at least one value. */
struct ot_datapoint {
    bool present;
    double sum, count, min, max;
};

/* The number of periods an evaluation looks at: N + 2, as CloudWatch's range does for N = 3. */
OT_API unsigned ot_alarm_range(const struct ot_alarm_def *def);

/**
 * ot_alarm_check() - validate @def as PutMetricAlarm does; OT_E_USAGE with the
 * field named in @err otherwise.
 */
OT_API ot_status ot_alarm_check(const struct ot_alarm_def *def, struct ot_error *err);

/**
 * ot_alarm_evaluate() - the state an alarm moves to, given the last @n
 * periods of datapoints (@points[0] oldest; @n = ot_alarm_range) and its
 * current state, by CloudWatch's rules for M of N and TreatMissingData
 * (docs/alarms.md).
 */
OT_API enum ot_alarm_state ot_alarm_evaluate(const struct ot_alarm_def *def,
                                             const struct ot_datapoint *points, unsigned n,
                                             enum ot_alarm_state current);

/* Add one metric value to a period's aggregate. */
OT_API void ot_datapoint_add(struct ot_datapoint *dp, double value);

OT_API const char *ot_alarm_state_name(enum ot_alarm_state s);

/* One period of a metric series: its start (ms since the epoch, a multiple of the period). */
struct ot_series_point {
    int64_t start_ms;
    struct ot_datapoint dp;
};

/* A state change found by ot_alarm_replay(). */
struct ot_transition {
    int64_t at_ms; /* start of the period evaluated */
    enum ot_alarm_state from, to;
    double value; /* the statistic of the newest period, 0 when it had no data */
    bool has_value;
};
typedef void (*ot_transition_fn)(void *ctx, const struct ot_transition *t);

/**
 * ot_alarm_replay() - evaluate @def period by period over a series, as
 * CloudWatch would have while it arrived, and report each state change.
 * @pts are sorted by start_ms with no two in the same period. Evaluation runs
 * from the first period until the last has left the evaluation range, starting from
 * INSUFFICIENT_DATA. Returns OT_E_USAGE if @def is invalid.
 */
OT_API ot_status ot_alarm_replay(const struct ot_alarm_def *def, const struct ot_series_point *pts,
                                 size_t n, ot_transition_fn fn, void *ctx, struct ot_error *err);

/* ------------------------------------------------------------------------ */
/* The CIS pack                                                             */

struct ot_cis_rule {
    const char *id;          /* "root_usage" */
    const char *cis;         /* CIS v1.4+ number: "4.3"; NULL when not a CIS control */
    const char *cis_v12;     /* CIS v1.2 number: "3.3" */
    const char *securityhub; /* "CloudWatch.1" */
    const char *title;       /* "Root account usage" */
    const char *severity;    /* "critical", "high", "medium", "low" */
    const char *pattern;     /* exactly as the benchmark prints it */
    /* an extra check after the pattern matched, for rules CloudWatch patterns cannot
     * express (arrays of grants and policy statements); NULL for pure patterns */
    bool (*refine)(const struct ot_record *rec);
};

/* The built-in rules: the 15 CIS metric filters, then opentrail's own. */
OT_API const struct ot_cis_rule *ot_cis_rules(unsigned *count);

/* The alarm every CIS rule gets: Sum >= 1 in 5 min, 1 of 1, quiet periods not breaching. */
OT_API const struct ot_alarm_def *ot_cis_alarm(void);

/* The namespace of the metrics the CIS pack publishes (metricName = the rule's id). */
#define OT_CIS_NAMESPACE "CISBenchmark"

/* ------------------------------------------------------------------------ */
/* The live watcher (the daemon's metric filters, datapoints and alarms)    */

struct ot_config;  /* opentrail/config.h */
struct ot_watcher; /* one thread at a time */

/* Most alarms one watcher holds: the config's and the CIS pack's. */
#define OT_WATCH_MAX_ALARMS 1100u
/* The state file's size cap (alarm states and their datapoints). */
#define OT_WATCH_STATE_MAX_BYTES (64u * 1024u * 1024u)

/* One alarm as the alert side sees it; strings borrowed from the config. */
struct ot_watch_alarm {
    const char *name;
    const char *title;              /* the CIS title, AlarmDescription, or the name */
    const struct ot_cis_rule *rule; /* CIS pack alarms, else NULL */
    struct ot_alarm_def def;
    bool actions_enabled;
    char *const *alarm_actions; /* notifier and response action names */
    unsigned nalarm_actions;
    char *const *ok_actions;
    unsigned nok_actions;
};

/* A state change. @event is borrowed for the call (NULL when a timer tick
 * changed the state); @seq numbers changes across restarts, so a replayed
 * change names the same notification. */
struct ot_watch_change {
    unsigned alarm;
    enum ot_alarm_state from, to;
    double value;
    bool has_value;
    int64_t at_ms;
    uint64_t seq;
    const struct ot_record *event;
};
/* Return OT_OK, or a failure that stops ot_watcher_add / _tick (they return it). */
typedef ot_status (*ot_watch_fn)(void *ctx, const struct ot_watch_change *c, struct ot_error *err);

/**
 * ot_watcher_new() - a watcher for @c's MetricFilters and Alarms, and the CIS
 * pack's filters and alarms when CisPack is on. @c is borrowed and must
 * outlive the watcher. All alarms start INSUFFICIENT_DATA until
 * ot_watcher_load() restores them. *@out is the caller's (ot_watcher_free).
 */
OT_API ot_status ot_watcher_new(const struct ot_config *c, struct ot_watcher **out,
                                struct ot_error *err);
OT_API void ot_watcher_free(struct ot_watcher *w);
OT_API unsigned ot_watcher_nalarms(const struct ot_watcher *w);
OT_API const struct ot_watch_alarm *ot_watcher_alarm(const struct ot_watcher *w, unsigned i);
OT_API enum ot_alarm_state ot_watcher_state(const struct ot_watcher *w, unsigned i);

/**
 * ot_watcher_add() - offer one record, read from spool position @pos (the
 * position after it is @next) at @now_ms: each matching metric filter adds a
 * value to its period, the alarms fed by it are evaluated, and each state
 * change is passed to @fn. A record whose @next is not past the position
 * already evaluated (a replay after a restart) is ignored: nothing counts twice.
 */
OT_API ot_status ot_watcher_add(struct ot_watcher *w, const struct ot_record *rec, uint64_t next,
                                int64_t now_ms, ot_watch_fn fn, void *ctx, struct ot_error *err);

/**
 * ot_watcher_tick() - let time pass to @now_ms without records: alarms whose
 * period closed are evaluated (TreatMissingData decides empty periods).
 */
OT_API ot_status ot_watcher_tick(struct ot_watcher *w, int64_t now_ms, ot_watch_fn fn, void *ctx,
                                 struct ot_error *err);

/* Changed since the last save? */
OT_API bool ot_watcher_dirty(const struct ot_watcher *w);
/* The spool position through which records have been evaluated. */
OT_API uint64_t ot_watcher_position(const struct ot_watcher *w);

/**
 * ot_watcher_save() - write the alarms' states, datapoints, the position and
 * the change counter to @path atomically (tmp, fsync, rename, fsync folder).
 */
OT_API ot_status ot_watcher_save(struct ot_watcher *w, const char *path, struct ot_error *err);

/**
 * ot_watcher_load() - restore what ot_watcher_save() wrote. Alarms are matched
 * by name; one whose definition changed starts afresh, one no longer
 * configured is forgotten. A missing file is not an error (a first start).
 * OT_E_PARSE for a damaged file (the caller may start afresh).
 */
OT_API ot_status ot_watcher_load(struct ot_watcher *w, const char *path, struct ot_error *err);

#ifdef __cplusplus
}
#endif
#endif
