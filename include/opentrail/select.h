/* SPDX-License-Identifier: Apache-2.0 */
/*
 * select.h - event selectors: does this trail keep this record?
 *
 * Stage: select (capture -> select -> store -> prove). A trail keeps a record
 * when the record is in the trail's scope (region, account) and one of its
 * selectors matches it. Selectors are CloudTrail's own, validated as
 * PutEventSelectors validates them (spec section 4): basic EventSelectors or
 * AdvancedEventSelectors, never both; no selectors means "all management
 * events", CloudTrail's default trail. docs/selectors.md has the rules.
 */
#ifndef OPENTRAIL_SELECT_H
#define OPENTRAIL_SELECT_H

#include <stdbool.h>

#include "opentrail/core.h"
#include "opentrail/record.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CloudTrail's limits (spec 4.1, 4.2). */
#define OT_SELECT_MAX_BASIC         5u    /* basic selectors per trail */
#define OT_SELECT_MAX_DATA_VALUES   250u  /* DataResources values, "all" forms not counted */
#define OT_SELECT_MAX_ADV_VALUES    500u  /* values across all advanced conditions */
#define OT_SELECT_MAX_NAME_CHARS    1000u /* advanced selector Name, Field */
#define OT_SELECT_MAX_VALUE_CHARS   2048u /* one condition value */
#define OT_SELECT_MAX_ADV_SELECTORS 500u  /* bounded by the value cap: each needs one */
#define OT_SELECT_MAX_FILE_BYTES    (1024u * 1024u)
#define OT_SELECT_MAX_FIELDS        20u /* field selectors in one selector (11 fields exist) */

enum ot_select_kind {
    OT_SELECT_DEFAULT = 0, /* none given: all management events */
    OT_SELECT_BASIC,       /* EventSelectors */
    OT_SELECT_ADVANCED,    /* AdvancedEventSelectors */
};

/* Where a trail collects from. Strings are borrowed for the call. */
struct ot_trail_scope {
    const char *home_region; /* the trail's region */
    const char *account_id;  /* the trail's account; NULL keeps every account */
    bool is_multi_region;    /* IsMultiRegionTrail */
    bool include_global;     /* IncludeGlobalServiceEvents */
    bool is_organization;    /* IsOrganizationTrail: every account of the organization */
};

struct ot_selectors; /* one trail's compiled selectors */

/**
 * ot_selectors_parse() - read selectors from @text, JSON or YAML: an object
 * with "EventSelectors" or "AdvancedEventSelectors" (what get-event-selectors
 * prints and put-event-selectors takes; "TrailARN" is ignored). @name is what
 * errors call the input. On OT_OK *@out is the caller's, free with
 * ot_selectors_free(). OT_E_PARSE or OT_E_USAGE with line, column and the fix
 * in @err; OT_E_LIMIT; OT_E_NOMEM.
 */
OT_API ot_status ot_selectors_parse(struct ot_sv text, const char *name, struct ot_selectors **out,
                                    struct ot_error *err);
/* CloudTrail's default (all management events, read and write). OT_E_NOMEM. */
OT_API ot_status ot_selectors_default(struct ot_selectors **out);
/* Frees @s and every string it holds; NULL is fine. */
OT_API void ot_selectors_free(struct ot_selectors *s);
/* Basic, advanced, or the default trail's (none given). */
OT_API enum ot_select_kind ot_selectors_kind(const struct ot_selectors *s);

/**
 * ot_select_in_scope() - is @rec from a region and account @scope collects?
 * Multi-region trails take every region; single-region ones their home
 * region, plus global service events (IAM, STS in us-east-1, sign-in,
 * CloudFront, Route 53, Organizations, WAF) when include_global. Non-
 * organization trails take only their own account's records.
 */
OT_API bool ot_select_in_scope(const struct ot_trail_scope *scope, const struct ot_record *rec);

/**
 * ot_select_match() - does one of @s's selectors match @rec? Pure: no
 * allocation, no state; safe from any number of threads.
 */
OT_API bool ot_select_match(const struct ot_selectors *s, const struct ot_record *rec);

/**
 * ot_selectors_json() - append @s as get-event-selectors prints it:
 * {"EventSelectors":[...]} or {"AdvancedEventSelectors":[...]}; the default
 * trail as its one basic selector. OT_E_NOMEM or OT_E_LIMIT from @out.
 */
OT_API ot_status ot_selectors_json(const struct ot_selectors *s, struct ot_buf *out);

/* Does the trail keep @rec: in scope and matched. */
OT_API bool ot_select_keep(const struct ot_selectors *s, const struct ot_trail_scope *scope,
                           const struct ot_record *rec);

/* Is @event_source (with @region, for STS) a global service's? */
OT_API bool ot_select_is_global(struct ot_sv event_source, struct ot_sv region);

#ifdef __cplusplus
}
#endif
#endif
