/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/metric.c - metric filters: a filter pattern plus one metric
 * transformation (name, namespace, value, default, dimensions, unit), checked
 * as PutMetricFilter checks it and applied to each record.
 *
 * Stage: watch. The value and dimensions come from the record: "$.field"
 * reads a JSON field, "$name" a field a space-delimited pattern extracted, a
 * number is itself. A match whose value is absent or not a number publishes
 * nothing, as CloudWatch does; so does one missing a dimension.
 */
#include <stdlib.h>
#include <string.h>

#include "watch/pattern.h"

#include "core/private.h"

enum src_kind { SRC_CONST, SRC_JSON, SRC_FIELD };

struct source {
    enum src_kind kind;
    double num;           /* SRC_CONST */
    struct ot_path *path; /* SRC_JSON, owned */
    char *name;           /* SRC_FIELD: without the '$', owned */
};

struct ot_metric_filter {
    struct ot_pattern *pattern;
    struct source value;
    unsigned ndims;
    char *dim_names[OT_METRIC_MAX_DIMENSIONS];
    struct source dims[OT_METRIC_MAX_DIMENSIONS];
};

static const char *const units[] = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
};

static void source_cleanup(struct source *s)
{
    ot_path_free(s->path);
    ot_free(s->name);
    memset(s, 0, sizeof(*s));
}

void ot_metric_filter_free(struct ot_metric_filter *f)
{
    if (f == NULL) {
        return;
    }
    ot_pattern_free(f->pattern);
    source_cleanup(&f->value);
    for (unsigned i = 0; i < f->ndims; i++) {
        ot_free(f->dim_names[i]);
        source_cleanup(&f->dims[i]);
    }
    ot_free(f);
}

const struct ot_pattern *ot_metric_filter_pattern(const struct ot_metric_filter *f)
{
    return f->pattern;
}

/* metricName / metricNamespace: 1..255 characters, none of ':' '*' '$'. */
static ot_status check_name(const char *field, const char *v, struct ot_error *err)
{
    if (v == NULL || v[0] == '\0' || strlen(v) > 255) {
        return ot_fail(err, OT_E_USAGE, "give 1 to 255 characters", "%s is missing or too long",
                       field);
    }
    if (strpbrk(v, ":*$") != NULL) {
        return ot_fail(err, OT_E_USAGE, "CloudWatch does not allow ':', '*' or '$' there",
                       "%s '%s' holds a forbidden character", field, v);
    }
    return OT_OK;
}

static ot_status compile_source(const char *field, const char *text, enum ot_pattern_kind kind,
                                struct source *out, struct ot_error *err)
{
    if (text == NULL || text[0] == '\0' || strlen(text) > 100) {
        return ot_fail(err, OT_E_USAGE, "give a number, $.field or $name (at most 100 characters)",
                       "%s is missing or too long", field);
    }
    if (text[0] == '$' && text[1] == '.') {
        if (kind != OT_PATTERN_JSON) {
            return ot_fail(err, OT_E_USAGE, "use $.field with a { JSON } filter pattern",
                           "%s '%s' reads a JSON field but the pattern is not a JSON pattern",
                           field, text);
        }
        out->kind = SRC_JSON;
        struct ot_error perr;
        ot_status st = ot_path_compile(ot_sv_cstr(text), &out->path, &perr);
        if (st != OT_OK) {
            return ot_fail(err, st, "write $.name.name[0]", "%s '%s': %s", field, text, perr.what);
        }
        return OT_OK;
    }
    if (text[0] == '$') {
        if (kind != OT_PATTERN_SPACE) {
            return ot_fail(err, OT_E_USAGE, "use $name with a [space-delimited] filter pattern",
                           "%s '%s' names a field but the pattern is not space-delimited", field,
                           text);
        }
        out->kind = SRC_FIELD;
        out->name = ot_strndup(text + 1, strlen(text + 1));
        return out->name ? OT_OK : OT_E_NOMEM;
    }
    char *end = NULL;
    out->kind = SRC_CONST;
    out->num = strtod(text, &end);
    if (end == text || *end != '\0') {
        return ot_fail(err, OT_E_USAGE, "give a number, $.field or $name",
                       "%s '%s' is not a number or a selector", field, text);
    }
    return OT_OK;
}

ot_status ot_metric_filter_new(const struct ot_metric_filter_def *def,
                               struct ot_metric_filter **out, struct ot_error *err)
{
    struct ot_metric_filter *f = ot_calloc(1, sizeof(*f));
    ot_status st;
    if (f == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    st = ot_pattern_compile(ot_sv_cstr(def->filter_pattern ? def->filter_pattern : ""), &f->pattern,
                            err);
    if (st != OT_OK) {
        goto out;
    }
    st = check_name("metricName", def->metric_name, err);
    if (st == OT_OK) {
        st = check_name("metricNamespace", def->metric_namespace, err);
    }
    if (st != OT_OK) {
        goto out;
    }
    enum ot_pattern_kind kind = ot_pattern_kind_of(f->pattern);
    st = compile_source("metricValue", def->metric_value, kind, &f->value, err);
    if (st != OT_OK) {
        goto out;
    }
    if (def->ndimensions > OT_METRIC_MAX_DIMENSIONS) {
        st =
            ot_fail(err, OT_E_USAGE, "use at most 3 dimensions", "%u dimensions", def->ndimensions);
        goto out;
    }
    if (def->ndimensions > 0 && def->has_default_value) {
        st = ot_fail(err, OT_E_USAGE, "drop defaultValue or the dimensions",
                     "defaultValue cannot be used together with dimensions");
        goto out;
    }
    for (unsigned i = 0; i < def->ndimensions; i++) {
        st = check_name("dimension name", def->dimension_names[i], err);
        if (st == OT_OK) {
            f->dim_names[i] = ot_strndup(def->dimension_names[i], strlen(def->dimension_names[i]));
            st = f->dim_names[i] ? OT_OK : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        if (st == OT_OK) {
            f->ndims = i + 1;
            st =
                compile_source("dimension value", def->dimension_values[i], kind, &f->dims[i], err);
        }
        if (st == OT_OK && f->dims[i].kind == SRC_CONST) {
            st = ot_fail(err, OT_E_USAGE, "dimension values are selectors: $.field or $name",
                         "dimension '%s' has a constant value", def->dimension_names[i]);
        }
        if (st != OT_OK) {
            goto out;
        }
    }
    if (def->unit != NULL) {
        bool known = false;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            known = known || strcmp(units[i], def->unit) == 0;
        }
        if (!known) {
            st = ot_fail(err, OT_E_USAGE, "use a CloudWatch StandardUnit such as Count",
                         "unit '%s' is not a CloudWatch unit", def->unit);
            goto out;
        }
    }
    *out = f;
    f = NULL;
out:
    if (st != OT_OK && err != NULL && err->where[0] == '\0' && def->filter_name != NULL) {
        ot_error_at(err, "metric filter %s", def->filter_name);
    }
    ot_metric_filter_free(f);
    return st;
}

/* The text of a source in this record: a JSON scalar's text, or an extracted field. */
static bool source_text(const struct source *s, struct ot_matcher *m, const struct ot_record *rec,
                        struct ot_buf *out)
{
    if (s->kind == SRC_JSON) {
        struct ot_value v = ot_record_get(rec, s->path);
        if (v.type != OT_STRING && v.type != OT_NUMBER && v.type != OT_TRUE && v.type != OT_FALSE) {
            return false;
        }
        return ot_value_text(v, out) == OT_OK;
    }
    for (unsigned i = 0; i < ot_matcher_nextracted(m); i++) {
        struct ot_sv name, value;
        ot_matcher_extracted(m, i, &name, &value);
        if (ot_sv_eq_cstr(name, s->name)) {
            return ot_buf_append(out, value.p, value.n) == OT_OK;
        }
    }
    return false;
}

bool ot_metric_filter_apply(const struct ot_metric_filter *f, struct ot_matcher *m,
                            const struct ot_record *rec, double *value, struct ot_buf *dims)
{
    if (!ot_pattern_match(f->pattern, m, rec)) {
        return false;
    }
    double v = f->value.num;
    if (f->value.kind != SRC_CONST) {
        char tmp[64];
        struct ot_buf b = OT_BUF_INIT(sizeof(tmp) - 1);
        bool ok = source_text(&f->value, m, rec, &b) && b.len > 0;
        char *end = NULL;
        if (ok) {
            memcpy(tmp, b.data, b.len + 1);
            v = strtod(tmp, &end);
            ok = end != tmp && *end == '\0';
        }
        ot_buf_cleanup(&b);
        if (!ok) {
            return false; /* not a number: CloudWatch publishes nothing for this event */
        }
    }
    size_t mark = dims->len;
    for (unsigned i = 0; i < f->ndims; i++) {
        if (ot_buf_printf(dims, "%s=", f->dim_names[i]) != OT_OK ||
            !source_text(&f->dims[i], m, rec, dims) || ot_buf_putc(dims, '\n') != OT_OK) {
            if (dims->data != NULL) {
                dims->len = mark;
                dims->data[mark] = '\0';
            }
            return false;
        }
    }
    *value = v;
    return true;
}
