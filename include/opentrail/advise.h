/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise.h - audit of audit-trail configuration against the best practices.
 *
 * Stage: advise (beside the flow). Inputs (Terraform HCL, CloudFormation
 * templates) are parsed into documents, all documents of one run are mapped
 * into ONE trail model (trails, buckets, metric filters, alarms, topics,
 * subscriptions, accounts), and a const table of rules runs over the model.
 * Every model item and every finding carries its source location (file:line).
 *
 * A value the inputs cannot decide statically (a variable without a default,
 * a function call, a conditional) is kept as "unknown" with its source text:
 * a rule that depends on it reports "undetermined", it never guesses.
 *
 * Not thread-safe per session; independent sessions may run in parallel.
 */
#ifndef OPENTRAIL_ADVISE_H
#define OPENTRAIL_ADVISE_H

#include <stdbool.h>
#include <stddef.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Severities, lowest first. */
enum ot_severity {
    OT_SEV_INFO = 0,
    OT_SEV_LOW = 1,
    OT_SEV_MEDIUM = 2,
    OT_SEV_HIGH = 3,
    OT_SEV_CRITICAL = 4,
};

/* A position in an input file; @file is borrowed from the session. */
struct ot_loc {
    const char *file;
    unsigned line, col; /* 1-based, 0 when not known */
};

/* What a rule reports about one resource. */
enum ot_verdict {
    OT_VERDICT_FAIL = 0,    /* the resource breaks the rule */
    OT_VERDICT_UNKNOWN = 1, /* an input the rule needs is not static */
};

/* One row of the rule table. Every string is constant. */
struct ot_advise_rule {
    const char *id;   /* "OT-CT-003" */
    const char *slug; /* "log-file-validation" */
    enum ot_severity severity;
    const char *title;    /* one line */
    const char *why;      /* why an auditor cares */
    const char *fix_tf;   /* a Terraform snippet */
    const char *fix_conf; /* an opentrail.yaml / CloudTrail API snippet */
    const char *cis;      /* CIS AWS Foundations ids, "" when none */
    const char *checkov;  /* equivalent Checkov ids, "" when none */
    const char *trivy;    /* equivalent Trivy (AVD) ids, "" when none */
    const char *prowler;  /* equivalent Prowler check ids, "" when none */
};

/* One finding; every pointer is borrowed from the session until ot_advise_free(). */
struct ot_finding {
    const struct ot_advise_rule *rule;
    enum ot_verdict verdict;
    const char *resource; /* "aws_cloudtrail.main", or the file for file-level rules */
    const char *message;  /* what exactly is wrong with this resource */
    struct ot_loc loc;
};

enum ot_advise_format {
    OT_ADVISE_TEXT = 0,
    OT_ADVISE_JSON = 1,
    OT_ADVISE_SARIF = 2,
};

struct ot_advise;

/**
 * ot_advise_new() - start an audit session.
 * @out: on OT_OK, the caller's; free with ot_advise_free().
 * Returns OT_OK or OT_E_NOMEM.
 */
OT_API ot_status ot_advise_new(struct ot_advise **out);

/**
 * ot_advise_free() - release a session and everything borrowed from it. NULL is fine.
 */
OT_API void ot_advise_free(struct ot_advise *a);

/**
 * ot_advise_add() - parse one input and keep it for ot_advise_run().
 * @path: names the input in locations and errors (copied).
 * @data, @n: the bytes, borrowed for the call (the session copies what it keeps).
 * The kind is chosen from the name: *.tf is Terraform HCL, *.tfstate is a state
 * file (reported by a hygiene rule, never read), *.json / *.yaml / *.yml /
 * *.template are CloudFormation templates.
 * Returns OT_OK; OT_E_PARSE with file:line:col in @err for malformed input;
 * OT_E_LIMIT past a size, depth or count limit; OT_E_USAGE for an unknown
 * kind; OT_E_NOMEM. A failed input leaves the session usable.
 */
OT_API ot_status ot_advise_add(struct ot_advise *a, const char *path, const void *data, size_t n,
                               struct ot_error *err);

/**
 * ot_advise_add_export() - parse one AWS CLI export file (JSON) and keep it.
 * @path: its name must be SERVICE_COMMAND[_NAME].json as the export script in
 * docs/audit.md writes it (cloudtrail_describe-trails.json,
 * s3api_get-bucket-versioning_BUCKET.json, ...); other names are ignored.
 * Same statuses as ot_advise_add().
 */
OT_API ot_status ot_advise_add_export(struct ot_advise *a, const char *path, const void *data,
                                      size_t n, struct ot_error *err);

/**
 * ot_advise_run() - map every added input into the trail model and run every rule.
 * Call once, after the last ot_advise_add(). Returns OT_OK or OT_E_NOMEM/OT_E_LIMIT.
 */
OT_API ot_status ot_advise_run(struct ot_advise *a, struct ot_error *err);

/**
 * ot_advise_findings() - the findings of the run, sorted by severity (highest
 * first), then file and line. Borrowed from @a. @n receives the count.
 */
OT_API const struct ot_finding *ot_advise_findings(const struct ot_advise *a, size_t *n);

/**
 * ot_advise_counts() - how many trails, buckets, metric filters, alarms and
 * topics the model holds (for the summary line). Any pointer may be NULL.
 */
OT_API void ot_advise_counts(const struct ot_advise *a, size_t *trails, size_t *buckets,
                             size_t *filters, size_t *alarms, size_t *topics);

/**
 * ot_advise_format() - append the findings at or above @min to @out.
 * Text groups by severity with file:line; JSON is one object; SARIF is a
 * SARIF 2.1.0 log for GitHub code scanning. Returns OT_OK, OT_E_NOMEM or OT_E_LIMIT.
 */
OT_API ot_status ot_advise_format(const struct ot_advise *a, enum ot_advise_format fmt,
                                  enum ot_severity min, struct ot_buf *out);

/**
 * ot_advise_rules() - the rule table (constant, never freed). @n receives its length.
 */
OT_API const struct ot_advise_rule *ot_advise_rules(size_t *n);

/**
 * ot_severity_parse() - "info", "low", "medium", "high" or "critical" (any case).
 * Returns false and leaves @out alone for anything else.
 */
OT_API bool ot_severity_parse(const char *s, enum ot_severity *out);

/** ot_severity_str() - the lower-case name of @s. Never NULL. */
OT_API const char *ot_severity_str(enum ot_severity s);

#ifdef __cplusplus
}
#endif
#endif
