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

#ifdef __cplusplus
}
#endif
#endif
