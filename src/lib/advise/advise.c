/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/advise.c - the audit session: inputs in, model built, rules run,
 * findings sorted.
 *
 * Stage: advise. The session's arena owns every input copy, tree, model item
 * and finding, so ot_advise_free() is one call and nothing leaks on the
 * error paths in between. An input that fails to parse is reported and left
 * out; the others are still audited.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise/model.h"

#include "core/private.h"

ot_status ot_advise_new(struct ot_advise **out)
{
    struct ot_advise *a = ot_calloc(1, sizeof(*a));
    if (a == NULL) {
        return OT_E_NOMEM;
    }
    ot_arena_init(&a->ar);
    *out = a;
    return OT_OK;
}

void ot_advise_free(struct ot_advise *a)
{
    if (a == NULL) {
        return;
    }
    ot_arena_cleanup(&a->ar);
    ot_free(a);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool is_blank(struct ot_sv s)
{
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] != ' ' && s.p[i] != '\n' && s.p[i] != '\r' && s.p[i] != '\t') {
            return false;
        }
    }
    return true;
}

static ot_status add_kind(struct ot_advise *a, const char *path, const void *data, size_t n,
                          bool is_export, struct ot_error *err)
{
    enum ot_input_kind kind;
    ot_status st = OT_OK;
    if (is_export) {
        kind = OT_IN_EXPORT;
    } else if (ends_with(path, ".tf.json")) {
        st = ot_fail(err, OT_E_USAGE,
                     "audit the plan instead: terraform show -json PLANFILE > plan.json",
                     "Terraform's JSON syntax (.tf.json) is not read");
        goto out;
    } else if (ends_with(path, ".tf")) {
        kind = OT_IN_HCL;
    } else if (ends_with(path, ".tfstate") || ends_with(path, ".tfstate.backup")) {
        kind = OT_IN_STATE;
    } else if (ends_with(path, ".json") || ends_with(path, ".yaml") || ends_with(path, ".yml") ||
               ends_with(path, ".template")) {
        kind = OT_IN_CFN;
    } else {
        st = ot_fail(err, OT_E_USAGE,
                     "name Terraform files *.tf and CloudFormation templates *.yaml, *.yml or "
                     "*.json",
                     "unknown kind of input (not .tf, .tfstate, .json, .yaml, .yml)");
        goto out;
    }
    if (n > OT_ADVISE_MAX_FILE_BYTES) {
        st = ot_fail(err, OT_E_LIMIT, "split the configuration into smaller files",
                     "file is larger than %u bytes", OT_ADVISE_MAX_FILE_BYTES);
        goto out;
    }
    struct ot_adv_input *in = ot_arena_alloc(&a->ar, sizeof(*in));
    char *copy = ot_arena_alloc(&a->ar, n + 1);
    char *name = ot_arena_strdup(&a->ar, ot_sv_cstr(path));
    if (in == NULL || copy == NULL || name == NULL) {
        st = ot_fail(err, OT_E_NOMEM, "free memory or audit fewer files at once", "out of memory");
        goto out;
    }
    if (n > 0) {
        memcpy(copy, data, n);
    }
    in->path = name;
    in->kind = kind;
    struct ot_sv src = { copy, n };
    if (kind == OT_IN_CFN && ends_with(path, ".json") && ot_plan_sniff(src)) {
        kind = OT_IN_PLAN;
        in->kind = kind;
    }
    if (kind == OT_IN_PLAN) {
        st = ot_plan_parse(&a->ar, name, src, &in->doc, err);
    } else if (kind == OT_IN_HCL) {
        st = ot_hcl_parse(&a->ar, name, src, &in->doc, err);
    } else if (kind == OT_IN_EXPORT && is_blank(src)) {
        /* the AWS CLI prints nothing for an empty answer (get-bucket-logging with
         * logging off): that is {} */
        in->doc = ot_doc_new(&a->ar, OT_DOC_OBJ, name, 1, 1);
        if (in->doc == NULL) {
            st = ot_fail(err, OT_E_NOMEM, "free memory", "out of memory");
        }
    } else if (kind == OT_IN_CFN || kind == OT_IN_EXPORT) {
        st = ot_yaml_parse(&a->ar, name, src, &in->doc, err);
    }
    if (st != OT_OK) {
        goto out;
    }
    if (a->inputs_tail == NULL) {
        a->inputs = in;
    } else {
        a->inputs_tail->next = in;
    }
    a->inputs_tail = in;
out:
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
    }
    return st;
}

ot_status ot_advise_add(struct ot_advise *a, const char *path, const void *data, size_t n,
                        struct ot_error *err)
{
    return add_kind(a, path, data, n, false, err);
}

ot_status ot_advise_add_export(struct ot_advise *a, const char *path, const void *data, size_t n,
                               struct ot_error *err)
{
    return add_kind(a, path, data, n, true, err);
}

static int cmp_findings(const void *pa, const void *pb)
{
    const struct ot_finding *x = pa, *y = pb;
    if (x->rule->severity != y->rule->severity) {
        return x->rule->severity > y->rule->severity ? -1 : 1;
    }
    int c = strcmp(x->loc.file != NULL ? x->loc.file : "", y->loc.file != NULL ? y->loc.file : "");
    if (c != 0) {
        return c;
    }
    if (x->loc.line != y->loc.line) {
        return x->loc.line < y->loc.line ? -1 : 1;
    }
    c = strcmp(x->rule->id, y->rule->id);
    return c != 0 ? c : strcmp(x->resource, y->resource);
}

ot_status ot_advise_run(struct ot_advise *a, struct ot_error *err)
{
    ot_status st = OT_OK;
    if (a->ran) {
        return ot_fail(err, OT_E_USAGE, "start a new session", "the audit has already run");
    }
    a->ran = true;
    st = ot_tf_map(a, err);
    if (st == OT_OK) {
        st = ot_api_map_exports(a, err);
    }
    for (const struct ot_adv_input *in = a->inputs; st == OT_OK && in != NULL; in = in->next) {
        if (in->kind == OT_IN_CFN) {
            st = ot_cfn_map(a, in, err);
        }
    }
    if (st == OT_OK) {
        st = ot_rules_run(a, err);
    }
    if (st != OT_OK) {
        return st;
    }
    if (a->nfind > 0) {
        a->findings = ot_arena_alloc(&a->ar, a->nfind * sizeof(*a->findings));
        if (a->findings == NULL) {
            return ot_fail(err, OT_E_NOMEM, "free memory", "out of memory sorting findings");
        }
        size_t i = 0;
        for (const struct ot_fnode *n = a->flist; n != NULL; n = n->next) {
            a->findings[i++] = n->f;
        }
        qsort(a->findings, a->nfind, sizeof(*a->findings), cmp_findings);
    }
    return OT_OK;
}

const struct ot_finding *ot_advise_findings(const struct ot_advise *a, size_t *n)
{
    *n = a->nfind;
    return a->findings;
}

void ot_advise_counts(const struct ot_advise *a, size_t *trails, size_t *buckets, size_t *filters,
                      size_t *alarms, size_t *topics)
{
    if (trails != NULL) {
        *trails = a->m.ntrails;
    }
    if (buckets != NULL) {
        *buckets = a->m.nbuckets;
    }
    if (filters != NULL) {
        *filters = a->m.nfilters;
    }
    if (alarms != NULL) {
        *alarms = a->m.nalarms;
    }
    if (topics != NULL) {
        *topics = a->m.ntopics;
    }
}

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *ot_severity_str(enum ot_severity s)
{
    return (unsigned)s < 5 ? sev_names[s] : "unknown";
}

bool ot_severity_parse(const char *s, enum ot_severity *out)
{
    for (unsigned i = 0; i < 5; i++) {
        if (strcasecmp(s, sev_names[i]) == 0) {
            *out = (enum ot_severity)i;
            return true;
        }
    }
    return false;
}
