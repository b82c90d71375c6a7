/* SPDX-License-Identifier: Apache-2.0 */
/*
 * select/parse.c - event selectors from JSON or YAML, validated as
 * PutEventSelectors validates them.
 *
 * Stage: select. Input is untrusted (a config file, an API body): every list
 * is capped by CloudTrail's own limits (OT_SELECT_MAX_*), every error names
 * the selector and field, its line and column, and the fix. JSON is read as
 * YAML (a subset), so both reach one walk over core/ytree.h's tree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "select/select_int.h"

#include "core/private.h"

const char *const ot_sel_rtype_names[3] = { "AWS::S3::Object", "AWS::Lambda::Function",
                                            "AWS::DynamoDB::Table" };

static const char *const op_names[SEL_NOPS] = { "Equals",    "StartsWith",    "EndsWith",
                                                "NotEquals", "NotStartsWith", "NotEndsWith" };

/* Categories a field is allowed in, on trails (spec 4.2). */
enum { CAT_M = 1, CAT_D = 2, CAT_N = 4 };

static const struct field_rule {
    const char *name;
    unsigned cats;
    bool equals_only;
} field_rules[] = {
    { "eventCategory", CAT_M | CAT_D | CAT_N, true },
    { "readOnly", CAT_M | CAT_D, true },
    { "eventSource", CAT_M | CAT_D | CAT_N, false },
    { "eventName", CAT_D | CAT_N, false },
    { "eventType", CAT_D, false },
    { "resources.type", CAT_D, true },
    { "resources.ARN", CAT_D, false },
    { "sessionCredentialFromConsole", CAT_D, false },
    { "userIdentity.arn", CAT_D | CAT_N, false },
    { "errorCode", CAT_N, false },
    { "vpcEndpointId", CAT_N, false },
};

struct walk {
    const struct ot_ytree *t;
    struct ot_error *err;
    uint32_t adv_values;  /* values across all advanced conditions */
    uint32_t data_values; /* DataResources values, "all" forms not counted */
};

/* Fail at node @i: what (printf), fix, line and column. */
static ot_status fail(struct walk *w, uint32_t i, ot_status st, const char *fix, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
static ot_status fail(struct walk *w, uint32_t i, ot_status st, const char *fix, const char *fmt,
                      ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ot_ytree_fail(w->t, i, w->err, st, fix, "%s", n < 0 ? "" : what);
}

/* A scalar's text; "" for anything else (complex YAML keys, missing nodes). */
static const char *text(const struct walk *w, uint32_t i)
{
    return ot_yscalar(w->t, i);
}

static bool is_type(const struct walk *w, uint32_t i, uint8_t type)
{
    return i != 0 && w->t->v[i].type == type;
}

/*
 * libfyaml's event parser does not refuse a key given twice; a selector map
 * holds at most 7 keys, so the first 64 are compared pairwise (bounded work)
 * and a longer map is refused outright.
 */
static ot_status check_keys(struct walk *w, uint32_t m, const char *ctx)
{
    uint32_t seen[64], n = 0;
    for (uint32_t k = w->t->v[m].first; k != 0; k = w->t->v[w->t->v[k].next].next) {
        if (n == 64) {
            return fail(w, k, OT_E_USAGE, "remove the extra keys", "%s has too many keys", ctx);
        }
        for (uint32_t i = 0; i < n; i++) {
            if (w->t->v[k].type == OT_Y_SCALAR && w->t->v[seen[i]].type == OT_Y_SCALAR &&
                strcmp(ot_ytext(w->t, seen[i]), ot_ytext(w->t, k)) == 0) {
                return fail(w, k, OT_E_USAGE, "keep one of them", "%s: key \"%.60s\" appears twice",
                            ctx, ot_ytext(w->t, k));
            }
        }
        seen[n++] = k;
    }
    return OT_OK;
}

static void list_free(struct sel_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        ot_free(l->v[i]);
    }
    ot_free(l->v);
    memset(l, 0, sizeof(*l));
}

void ot_selectors_free(struct ot_selectors *s)
{
    if (s == NULL) {
        return;
    }
    for (uint32_t i = 0; i < s->nbasic; i++) {
        for (uint32_t r = 0; r < s->basic[i].nr; r++) {
            list_free(&s->basic[i].r[r].values);
        }
        ot_free(s->basic[i].r);
    }
    ot_free(s->basic);
    for (uint32_t i = 0; i < s->nadv; i++) {
        for (uint32_t f = 0; f < s->adv[i].nf; f++) {
            for (int o = 0; o < SEL_NOPS; o++) {
                list_free(&s->adv[i].f[f].op[o]);
            }
            ot_free(s->adv[i].f[f].name);
        }
        ot_free(s->adv[i].f);
        ot_free(s->adv[i].name);
    }
    ot_free(s->adv);
    ot_free(s);
}

enum ot_select_kind ot_selectors_kind(const struct ot_selectors *s)
{
    return s->kind;
}

/* A bool scalar as YAML and JSON write it. */
static ot_status get_bool(struct walk *w, uint32_t i, const char *ctx, bool *out)
{
    if (is_type(w, i, OT_Y_SCALAR) && strcmp(text(w, i), "true") == 0) {
        *out = true;
        return OT_OK;
    }
    if (is_type(w, i, OT_Y_SCALAR) && strcmp(text(w, i), "false") == 0) {
        *out = false;
        return OT_OK;
    }
    return fail(w, i, OT_E_USAGE, "write true or false", "%s must be true or false", ctx);
}

/* A list of strings, each 1-@max_chars long, into @out (owned). */
static ot_status get_list(struct walk *w, uint32_t i, const char *ctx, size_t max_chars,
                          uint32_t max_n, struct sel_list *out)
{
    if (!is_type(w, i, OT_Y_SEQ) || w->t->v[i].count == 0) {
        return fail(w, i, OT_E_USAGE, "give a non-empty list of strings, e.g. [\"value\"]",
                    "%s must be a non-empty list of strings", ctx);
    }
    if (w->t->v[i].count > max_n) {
        return fail(w, i, OT_E_LIMIT, "split the values over fewer conditions",
                    "%s has more than %u values", ctx, max_n);
    }
    struct sel_list l = { .v = ot_calloc(w->t->v[i].count, sizeof(char *)) };
    if (l.v == NULL) {
        return fail(w, i, OT_E_NOMEM, NULL, "out of memory reading selectors");
    }
    ot_status st = OT_OK;
    for (uint32_t c = w->t->v[i].first; c != 0; c = w->t->v[c].next) {
        if (!is_type(w, c, OT_Y_SCALAR) || w->t->v[c].len == 0 || w->t->v[c].len > max_chars) {
            st = fail(w, c, OT_E_USAGE, "each value is a string of 1 to 2048 characters",
                      "%s[%u] must be a string of 1 to %zu characters", ctx, l.n, max_chars);
            break;
        }
        l.v[l.n] = ot_strndup(text(w, c), w->t->v[c].len);
        if (l.v[l.n] == NULL) {
            st = fail(w, c, OT_E_NOMEM, NULL, "out of memory reading selectors");
            break;
        }
        l.n++;
    }
    if (st != OT_OK) {
        list_free(&l);
        return st;
    }
    *out = l;
    return OT_OK;
}

/* "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE" with a non-empty service and resource. */
static bool is_arn(const char *s, const char *service)
{
    const char *p = s;
    if (strncmp(p, "arn:", 4) != 0) {
        return false;
    }
    p += 4;
    const char *part[5];
    for (int k = 0; k < 5; k++) {
        part[k] = p;
        if (k < 4) {
            p = strchr(p, ':');
            if (p == NULL) {
                return false;
            }
            p++;
        }
    }
    size_t svc_len = (size_t)(part[2] - part[1]) - 1;
    if (part[1] == part[0] + 1 || svc_len == 0 || *part[4] == '\0') {
        return false; /* empty partition, service or resource */
    }
    return service == NULL ||
           (strlen(service) == svc_len && memcmp(part[1], service, svc_len) == 0);
}

/* "arn:aws:s3" and the like: CloudTrail's "all resources of this type". */
static bool is_all_form(const char *v, const char *service)
{
    if (strncmp(v, "arn:", 4) != 0) {
        return false;
    }
    const char *c = strchr(v + 4, ':');
    if (c == NULL || c == v + 4) {
        return false;
    }
    size_t n = strlen(service);
    if (strncmp(c + 1, service, n) != 0) {
        return false;
    }
    const char *rest = c + 1 + n;
    return *rest == '\0' || strcmp(rest, ":::") == 0 || strcmp(rest, ":") == 0;
}

static ot_status check_data_value(struct walk *w, uint32_t node, enum sel_rtype type, const char *v,
                                  const char *ctx)
{
    static const char *const svc[3] = { "s3", "lambda", "dynamodb" };
    if (is_all_form(v, svc[type])) {
        return OT_OK; /* not counted against the 250 */
    }
    if (++w->data_values > OT_SELECT_MAX_DATA_VALUES) {
        return fail(w, node, OT_E_LIMIT, "use fewer values, or \"arn:aws:s3\" for all",
                    "more than %u DataResources values on the trail", OT_SELECT_MAX_DATA_VALUES);
    }
    bool ok = is_arn(v, svc[type]);
    if (ok && type == SEL_R_S3) {
        /* arn:aws:s3:::BUCKET/[PREFIX]: the slash after the bucket is required */
        const char *res = strstr(v, ":::");
        ok = res != NULL && res[3] != '/' && strchr(res + 3, '/') != NULL;
    } else if (ok && type == SEL_R_LAMBDA) {
        ok = strstr(v, ":function:") != NULL;
    } else if (ok && type == SEL_R_DYNAMODB) {
        ok = strstr(v, ":table/") != NULL;
    }
    if (!ok) {
        static const char *const fix[3] = {
            ("write arn:aws:s3 (all), arn:aws:s3:::BUCKET/ (the slash is required) or "
             "arn:aws:s3:::BUCKET/PREFIX"),
            "write arn:aws:lambda (all) or arn:aws:lambda:REGION:ACCOUNT:function:NAME",
            "write arn:aws:dynamodb (all) or arn:aws:dynamodb:REGION:ACCOUNT:table/NAME",
        };
        return fail(w, node, OT_E_USAGE, fix[type], "%s: \"%.80s\" is not a valid %s value", ctx, v,
                    ot_sel_rtype_names[type]);
    }
    return OT_OK;
}

static ot_status basic_resource(struct walk *w, uint32_t m, const char *ctx, struct sel_resource *r)
{
    uint32_t type = 0, values = 0;
    ot_status st0 = check_keys(w, m, ctx);
    if (st0 != OT_OK) {
        return st0;
    }
    for (uint32_t k = w->t->v[m].first; k != 0; k = w->t->v[w->t->v[k].next].next) {
        uint32_t v = w->t->v[k].next;
        if (strcmp(text(w, k), "Type") == 0) {
            type = v;
        } else if (strcmp(text(w, k), "Values") == 0) {
            values = v;
        } else {
            return fail(w, k, OT_E_USAGE, "a data resource has only Type and Values",
                        "%s: unknown key \"%.60s\"", ctx, text(w, k));
        }
    }
    if (!is_type(w, type, OT_Y_SCALAR)) {
        return fail(w, type ? type : m, OT_E_USAGE,
                    "set Type: AWS::S3::Object, AWS::Lambda::Function or AWS::DynamoDB::Table",
                    "%s: Type is required", ctx);
    }
    int ti = -1;
    for (int i = 0; i < 3; i++) {
        if (strcmp(text(w, type), ot_sel_rtype_names[i]) == 0) {
            ti = i;
        }
    }
    if (ti < 0) {
        return fail(w, type, OT_E_USAGE,
                    "basic selectors take AWS::S3::Object, AWS::Lambda::Function or "
                    "AWS::DynamoDB::Table; use AdvancedEventSelectors for other types",
                    "%s: unknown data resource Type \"%.60s\"", ctx, text(w, type));
    }
    char vctx[128];
    (void)snprintf(vctx, sizeof(vctx), "%s.Values", ctx);
    struct sel_list l = { 0 };
    ot_status st = get_list(w, values ? values : m, vctx, OT_SELECT_MAX_VALUE_CHARS,
                            OT_SELECT_MAX_ADV_VALUES, &l);
    if (st != OT_OK) {
        return st;
    }
    uint32_t c = w->t->v[values].first;
    for (uint32_t i = 0; i < l.n && st == OT_OK; i++, c = w->t->v[c].next) {
        st = check_data_value(w, c, (enum sel_rtype)ti, l.v[i], vctx);
    }
    if (st != OT_OK) {
        list_free(&l);
        return st;
    }
    r->type = (enum sel_rtype)ti;
    r->values = l;
    return OT_OK;
}

static ot_status basic_one(struct walk *w, uint32_t m, unsigned idx, struct sel_basic *b)
{
    char ctx[64];
    (void)snprintf(ctx, sizeof(ctx), "EventSelectors[%u]", idx);
    *b = (struct sel_basic){ .rw = SEL_RW_ALL, .management = true };
    if (!is_type(w, m, OT_Y_MAP)) {
        return fail(w, m, OT_E_USAGE, "write each selector as a mapping of ReadWriteType, ...",
                    "%s must be a mapping", ctx);
    }
    ot_status st = check_keys(w, m, ctx);
    for (uint32_t k = w->t->v[m].first; k != 0 && st == OT_OK; k = w->t->v[w->t->v[k].next].next) {
        uint32_t v = w->t->v[k].next;
        const char *key = text(w, k);
        if (strcmp(key, "ReadWriteType") == 0) {
            const char *s = is_type(w, v, OT_Y_SCALAR) ? text(w, v) : "";
            if (strcmp(s, "All") == 0) {
                b->rw = SEL_RW_ALL;
            } else if (strcmp(s, "ReadOnly") == 0) {
                b->rw = SEL_RW_READ;
            } else if (strcmp(s, "WriteOnly") == 0) {
                b->rw = SEL_RW_WRITE;
            } else {
                st = fail(w, v, OT_E_USAGE, "write ReadOnly, WriteOnly or All",
                          "%s.ReadWriteType must be ReadOnly, WriteOnly or All", ctx);
            }
        } else if (strcmp(key, "IncludeManagementEvents") == 0) {
            st = get_bool(w, v, "IncludeManagementEvents", &b->management);
        } else if (strcmp(key, "ExcludeManagementEventSources") == 0) {
            if (!is_type(w, v, OT_Y_SEQ)) {
                st = fail(w, v, OT_E_USAGE, "write a list, e.g. [kms.amazonaws.com]",
                          "%s.ExcludeManagementEventSources must be a list", ctx);
            }
            for (uint32_t c = st == OT_OK ? w->t->v[v].first : 0; c != 0 && st == OT_OK;
                 c = w->t->v[c].next) {
                const char *s = is_type(w, c, OT_Y_SCALAR) ? text(w, c) : "";
                if (strcmp(s, "kms.amazonaws.com") == 0) {
                    b->exclude_kms = true;
                } else if (strcmp(s, "rdsdata.amazonaws.com") == 0) {
                    b->exclude_rdsdata = true;
                } else {
                    st = fail(w, c, OT_E_USAGE,
                              "only kms.amazonaws.com and rdsdata.amazonaws.com can be excluded",
                              "%s.ExcludeManagementEventSources: \"%.60s\" cannot be excluded", ctx,
                              s);
                }
            }
        } else if (strcmp(key, "DataResources") == 0) {
            if (!is_type(w, v, OT_Y_SEQ)) {
                st = fail(w, v, OT_E_USAGE, "write a list of {Type, Values}",
                          "%s.DataResources must be a list", ctx);
                break;
            }
            b->r = ot_calloc(w->t->v[v].count ? w->t->v[v].count : 1, sizeof(*b->r));
            if (b->r == NULL) {
                st = fail(w, v, OT_E_NOMEM, NULL, "out of memory reading selectors");
                break;
            }
            for (uint32_t c = w->t->v[v].first; c != 0 && st == OT_OK; c = w->t->v[c].next) {
                char rctx[96];
                (void)snprintf(rctx, sizeof(rctx), "%s.DataResources[%u]", ctx, b->nr);
                if (!is_type(w, c, OT_Y_MAP)) {
                    st = fail(w, c, OT_E_USAGE, "write {Type: ..., Values: [...]}",
                              "%s must be a mapping", rctx);
                    break;
                }
                st = basic_resource(w, c, rctx, &b->r[b->nr]);
                if (st == OT_OK) {
                    b->nr++;
                }
            }
        } else {
            st = fail(w, k, OT_E_USAGE,
                      "a basic selector has ReadWriteType, IncludeManagementEvents, "
                      "DataResources and ExcludeManagementEventSources",
                      "%s: unknown key \"%.60s\"", ctx, key);
        }
    }
    return st;
}

static const struct field_rule *rule_for(const char *name)
{
    for (size_t i = 0; i < sizeof(field_rules) / sizeof(field_rules[0]); i++) {
        if (strcmp(field_rules[i].name, name) == 0) {
            return &field_rules[i];
        }
    }
    return NULL;
}

/* Field pattern [\w|\d|\.|_]+ (spec 4.2; the '|' is a regex artefact, but AWS accepts it). */
static bool field_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > OT_SELECT_MAX_NAME_CHARS) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '|')) {
            return false;
        }
    }
    return true;
}

/* One {Field: ..., Equals: [...], ...} of selector @ctx. */
static ot_status adv_field(struct walk *w, uint32_t m, const char *ctx, struct sel_field *f,
                           uint32_t *field_node)
{
    uint32_t name = 0;
    uint32_t opnode[SEL_NOPS] = { 0 };
    if (!is_type(w, m, OT_Y_MAP)) {
        return fail(w, m, OT_E_USAGE, "write {Field: eventCategory, Equals: [Management]}",
                    "%s: each field selector must be a mapping", ctx);
    }
    ot_status st0 = check_keys(w, m, ctx);
    if (st0 != OT_OK) {
        return st0;
    }
    for (uint32_t k = w->t->v[m].first; k != 0; k = w->t->v[w->t->v[k].next].next) {
        uint32_t v = w->t->v[k].next;
        int o = -1;
        for (int i = 0; i < SEL_NOPS; i++) {
            if (strcmp(text(w, k), op_names[i]) == 0) {
                o = i;
            }
        }
        if (strcmp(text(w, k), "Field") == 0) {
            name = v;
        } else if (o >= 0) {
            opnode[o] = v;
        } else {
            return fail(w, k, OT_E_USAGE,
                        "a field selector has Field and Equals, StartsWith, EndsWith, "
                        "NotEquals, NotStartsWith or NotEndsWith",
                        "%s: unknown key \"%.60s\"", ctx, text(w, k));
        }
    }
    if (!is_type(w, name, OT_Y_SCALAR) || !field_name_ok(text(w, name), w->t->v[name].len)) {
        return fail(w, name ? name : m, OT_E_USAGE,
                    "set Field to a name such as eventCategory, eventName or resources.ARN",
                    "%s: Field is required: letters, digits, '.' and '_', 1 to 1000 characters",
                    ctx);
    }
    *field_node = name;
    f->name = ot_strndup(text(w, name), w->t->v[name].len);
    if (f->name == NULL) {
        return fail(w, name, OT_E_NOMEM, NULL, "out of memory reading selectors");
    }
    f->is_resource = strncmp(f->name, "resources.", 10) == 0;
    bool any = false;
    for (int o = 0; o < SEL_NOPS; o++) {
        if (opnode[o] == 0) {
            continue;
        }
        char octx[192];
        (void)snprintf(octx, sizeof(octx), "%s field %.40s: %s", ctx, f->name, op_names[o]);
        ot_status st = get_list(w, opnode[o], octx, OT_SELECT_MAX_VALUE_CHARS,
                                OT_SELECT_MAX_ADV_VALUES, &f->op[o]);
        if (st != OT_OK) {
            return st;
        }
        if (f->op[o].n > OT_SELECT_MAX_ADV_VALUES - w->adv_values) {
            return fail(w, opnode[o], OT_E_LIMIT, "use fewer values or StartsWith prefixes",
                        "more than %u values across the trail's advanced selectors",
                        OT_SELECT_MAX_ADV_VALUES);
        }
        w->adv_values += f->op[o].n;
        any = true;
    }
    if (!any) {
        return fail(w, name, OT_E_USAGE, "add an operator such as Equals: [\"value\"]",
                    "%s field %.60s has no condition", ctx, f->name);
    }
    return OT_OK;
}

static const char *cat_name(unsigned cat)
{
    return cat == CAT_M ? "Management" : cat == CAT_D ? "Data" : "NetworkActivity";
}

/* The rules that depend on the selector's category (spec 4.2, trails). */
static ot_status adv_check_rules(struct walk *w, const struct sel_adv *a, const uint32_t *fnode,
                                 uint32_t sel_node, const char *ctx)
{
    unsigned cat = 0;
    int has_type = -1, has_source = -1;
    for (uint32_t i = 0; i < a->nf; i++) {
        const struct sel_field *f = &a->f[i];
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(a->f[j].name, f->name) == 0) {
                return fail(w, fnode[i], OT_E_USAGE, "merge the conditions into one field selector",
                            "%s: field %.60s appears twice", ctx, f->name);
            }
        }
        const struct field_rule *fr = rule_for(f->name);
        for (int o = 1; fr != NULL && fr->equals_only && o < SEL_NOPS; o++) {
            if (f->op[o].n > 0) {
                return fail(w, fnode[i], OT_E_USAGE, "use Equals with this field",
                            "%s: field %s takes only Equals, not %s", ctx, f->name, op_names[o]);
            }
        }
        if (strcmp(f->name, "eventCategory") == 0) {
            const struct sel_list *eq = &f->op[SEL_EQ];
            const char *v = eq->n == 1 ? eq->v[0] : "";
            cat = strcmp(v, "Management") == 0        ? CAT_M
                  : strcmp(v, "Data") == 0            ? CAT_D
                  : strcmp(v, "NetworkActivity") == 0 ? CAT_N
                                                      : 0;
        }
        if (strcmp(f->name, "resources.type") == 0) {
            has_type = (int)i;
        }
        if (strcmp(f->name, "eventSource") == 0) {
            has_source = (int)i;
        }
    }
    if (cat == 0) {
        return fail(w, sel_node, OT_E_USAGE,
                    "add {Field: eventCategory, Equals: [Management]} (or Data, NetworkActivity)",
                    "%s: eventCategory is required, with Equals and one of Management, Data, "
                    "NetworkActivity",
                    ctx);
    }
    for (uint32_t i = 0; i < a->nf; i++) {
        const struct sel_field *f = &a->f[i];
        const struct field_rule *r = rule_for(f->name);
        if (r == NULL || (r->cats & cat) == 0) {
            return fail(w, fnode[i], OT_E_USAGE,
                        "see docs/selectors.md for the fields of each category",
                        "%s: field %.60s is not allowed for %s events on a trail", ctx, f->name,
                        cat_name(cat));
        }
        if (strcmp(f->name, "readOnly") == 0) {
            for (uint32_t k = 0; k < f->op[SEL_EQ].n; k++) {
                const char *v = f->op[SEL_EQ].v[k];
                if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
                    return fail(w, fnode[i], OT_E_USAGE, "write Equals: [\"true\"] or [\"false\"]",
                                "%s: readOnly takes \"true\" or \"false\", not \"%.40s\"", ctx, v);
                }
            }
        }
        if (has_type == (int)i && f->op[SEL_EQ].n != 1) {
            return fail(w, fnode[i], OT_E_USAGE,
                        "write one type per selector; add selectors for more",
                        "%s: resources.type takes exactly one value", ctx);
        }
        if (cat == CAT_M && strcmp(f->name, "eventSource") == 0) {
            bool ok = f->op[SEL_NE].n > 0;
            for (int o = 0; o < SEL_NOPS; o++) {
                ok = ok && (o == SEL_NE || f->op[o].n == 0);
            }
            for (uint32_t k = 0; ok && k < f->op[SEL_NE].n; k++) {
                const char *v = f->op[SEL_NE].v[k];
                ok = strcmp(v, "kms.amazonaws.com") == 0 || strcmp(v, "rdsdata.amazonaws.com") == 0;
            }
            if (!ok) {
                return fail(w, fnode[i], OT_E_USAGE,
                            "write NotEquals: [kms.amazonaws.com] and/or rdsdata.amazonaws.com",
                            "%s: on Management selectors eventSource takes only NotEquals "
                            "kms.amazonaws.com or rdsdata.amazonaws.com",
                            ctx);
            }
        }
        if (strcmp(f->name, "resources.ARN") == 0 && has_type >= 0) {
            const char *type = a->f[has_type].op[SEL_EQ].v[0];
            const char *svc = NULL;
            for (int t = 0; t < 3; t++) {
                static const char *const s3[3] = { "s3", "lambda", "dynamodb" };
                if (strcmp(type, ot_sel_rtype_names[t]) == 0) {
                    svc = s3[t];
                }
            }
            for (int o = SEL_EQ; o <= SEL_NE; o += SEL_NE - SEL_EQ) {
                for (uint32_t k = 0; k < f->op[o].n; k++) {
                    if (!is_arn(f->op[o].v[k], svc)) {
                        return fail(w, fnode[i], OT_E_USAGE,
                                    "with Equals and NotEquals write a full ARN; use StartsWith "
                                    "for prefixes",
                                    "%s: resources.ARN %s \"%.60s\" is not a valid ARN of %.60s",
                                    ctx, op_names[o], f->op[o].v[k], type);
                    }
                }
            }
        }
    }
    if (cat == CAT_D && has_type < 0) {
        return fail(w, sel_node, OT_E_USAGE,
                    "add {Field: resources.type, Equals: [AWS::S3::Object]} (or another type)",
                    "%s: Data selectors require resources.type", ctx);
    }
    if (cat == CAT_N && has_source < 0) {
        return fail(w, sel_node, OT_E_USAGE,
                    "add {Field: eventSource, Equals: [ec2.amazonaws.com]} (or another source)",
                    "%s: NetworkActivity selectors require eventSource", ctx);
    }
    return OT_OK;
}

static ot_status adv_one(struct walk *w, uint32_t m, unsigned idx, struct sel_adv *a)
{
    char ctx[96];
    uint32_t fs = 0;
    uint32_t *fnode = NULL;
    ot_status st = OT_OK;
    (void)snprintf(ctx, sizeof(ctx), "AdvancedEventSelectors[%u]", idx);
    if (!is_type(w, m, OT_Y_MAP)) {
        return fail(w, m, OT_E_USAGE, "write {Name: ..., FieldSelectors: [...]}",
                    "%s must be a mapping", ctx);
    }
    st = check_keys(w, m, ctx);
    if (st != OT_OK) {
        return st;
    }
    for (uint32_t k = w->t->v[m].first; k != 0; k = w->t->v[w->t->v[k].next].next) {
        uint32_t v = w->t->v[k].next;
        if (strcmp(text(w, k), "Name") == 0) {
            if (!is_type(w, v, OT_Y_SCALAR) || w->t->v[v].len > OT_SELECT_MAX_NAME_CHARS) {
                return fail(w, v, OT_E_USAGE, "give a name of at most 1000 characters",
                            "%s: Name must be a string of at most 1000 characters", ctx);
            }
            a->name = ot_strndup(text(w, v), w->t->v[v].len);
            if (a->name == NULL) {
                return fail(w, v, OT_E_NOMEM, NULL, "out of memory reading selectors");
            }
        } else if (strcmp(text(w, k), "FieldSelectors") == 0) {
            fs = v;
        } else {
            return fail(w, k, OT_E_USAGE, "an advanced selector has Name and FieldSelectors",
                        "%s: unknown key \"%.60s\"", ctx, text(w, k));
        }
    }
    if (a->name != NULL) {
        (void)snprintf(ctx, sizeof(ctx), "AdvancedEventSelectors[%u] \"%.40s\"", idx, a->name);
    }
    if (!is_type(w, fs, OT_Y_SEQ) || w->t->v[fs].count == 0) {
        return fail(w, fs ? fs : m, OT_E_USAGE,
                    "add FieldSelectors: [{Field: eventCategory, Equals: [Management]}]",
                    "%s: FieldSelectors must be a non-empty list", ctx);
    }
    if (w->t->v[fs].count > OT_SELECT_MAX_FIELDS) {
        /* each field at most once, and trails know 11 fields */
        return fail(w, fs, OT_E_LIMIT, "keep one field selector per field",
                    "%s: more than %u field selectors", ctx, OT_SELECT_MAX_FIELDS);
    }
    a->f = ot_calloc(w->t->v[fs].count, sizeof(*a->f));
    fnode = ot_calloc(w->t->v[fs].count, sizeof(*fnode));
    if (a->f == NULL || fnode == NULL) {
        st = fail(w, fs, OT_E_NOMEM, NULL, "out of memory reading selectors");
        goto out;
    }
    for (uint32_t c = w->t->v[fs].first; c != 0 && st == OT_OK; c = w->t->v[c].next) {
        st = adv_field(w, c, ctx, &a->f[a->nf], &fnode[a->nf]);
        a->nf++; /* counted even on failure: its name may need freeing */
    }
    if (st == OT_OK) {
        st = adv_check_rules(w, a, fnode, m, ctx);
    }
out:
    ot_free(fnode);
    return st;
}

ot_status ot_selectors_from_ytree(const struct ot_ytree *t, uint32_t basic, uint32_t adv,
                                  struct ot_selectors **out, struct ot_error *err)
{
    struct walk w = { .t = t, .err = err };
    struct ot_selectors *s = ot_calloc(1, sizeof(*s));
    ot_status st = OT_OK;
    if (s == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading selectors");
    }
    if (basic != 0 && adv != 0) {
        st = fail(&w, adv, OT_E_USAGE, "keep EventSelectors or AdvancedEventSelectors, not both",
                  "a trail uses basic or advanced event selectors, never both");
        goto out;
    }
    if (basic != 0) {
        s->kind = OT_SELECT_BASIC;
        if (!is_type(&w, basic, OT_Y_SEQ) || t->v[basic].count == 0) {
            st = fail(&w, basic, OT_E_USAGE, "give a list of 1 to 5 selectors",
                      "EventSelectors must be a non-empty list");
            goto out;
        }
        if (t->v[basic].count > OT_SELECT_MAX_BASIC) {
            st = fail(&w, basic, OT_E_LIMIT, "merge selectors, or use AdvancedEventSelectors",
                      "more than %u EventSelectors", OT_SELECT_MAX_BASIC);
            goto out;
        }
        s->basic = ot_calloc(t->v[basic].count, sizeof(*s->basic));
        if (s->basic == NULL) {
            st = fail(&w, basic, OT_E_NOMEM, NULL, "out of memory reading selectors");
            goto out;
        }
        for (uint32_t c = t->v[basic].first; c != 0 && st == OT_OK; c = t->v[c].next) {
            st = basic_one(&w, c, s->nbasic, &s->basic[s->nbasic]);
            s->nbasic++; /* counted even on failure: what it holds is freed below */
        }
    } else if (adv != 0) {
        s->kind = OT_SELECT_ADVANCED;
        if (!is_type(&w, adv, OT_Y_SEQ) || t->v[adv].count == 0) {
            st = fail(&w, adv, OT_E_USAGE, "give a list of selectors",
                      "AdvancedEventSelectors must be a non-empty list");
            goto out;
        }
        if (t->v[adv].count > OT_SELECT_MAX_ADV_SELECTORS) {
            st = fail(&w, adv, OT_E_LIMIT, "merge selectors", "more than %u AdvancedEventSelectors",
                      OT_SELECT_MAX_ADV_SELECTORS);
            goto out;
        }
        s->adv = ot_calloc(t->v[adv].count, sizeof(*s->adv));
        if (s->adv == NULL) {
            st = fail(&w, adv, OT_E_NOMEM, NULL, "out of memory reading selectors");
            goto out;
        }
        for (uint32_t c = t->v[adv].first; c != 0 && st == OT_OK; c = t->v[c].next) {
            st = adv_one(&w, c, s->nadv, &s->adv[s->nadv]);
            s->nadv++;
        }
    }
out:
    if (st != OT_OK) {
        ot_selectors_free(s);
        return st;
    }
    *out = s;
    return OT_OK;
}

ot_status ot_selectors_default(struct ot_selectors **out)
{
    struct ot_selectors *s = ot_calloc(1, sizeof(*s));
    if (s == NULL) {
        return OT_E_NOMEM;
    }
    s->kind = OT_SELECT_DEFAULT;
    *out = s;
    return OT_OK;
}

ot_status ot_selectors_parse(struct ot_sv text_in, const char *name, struct ot_selectors **out,
                             struct ot_error *err)
{
    static const struct ot_ylimits lim = {
        .max_bytes = OT_SELECT_MAX_FILE_BYTES,
        .max_nodes = 16u * 1024u,
        .max_depth = 8,
        .kind = "selector file",
        .size_fix = "selectors are a few KB: is this the right file?",
        .empty_fix = "write {\"EventSelectors\": [...]} or {\"AdvancedEventSelectors\": [...]}",
    };
    struct ot_ytree t;
    uint32_t basic = 0, adv = 0;
    ot_status st = ot_ytree_parse_lim(text_in, &lim, &t, err);
    if (st != OT_OK) {
        ot_error_at(err, "%s", name);
        return st;
    }
    struct walk w = { .t = &t, .err = err };
    if (t.v[1].type != OT_Y_MAP) {
        st = fail(&w, 1, OT_E_USAGE, lim.empty_fix, "selectors must be a mapping");
        goto out;
    }
    st = check_keys(&w, 1, "selectors");
    if (st != OT_OK) {
        goto out;
    }
    for (uint32_t k = t.v[1].first; k != 0; k = t.v[t.v[k].next].next) {
        uint32_t v = t.v[k].next;
        if (strcmp(text(&w, k), "EventSelectors") == 0) {
            basic = v;
        } else if (strcmp(text(&w, k), "AdvancedEventSelectors") == 0) {
            adv = v;
        } else if (strcmp(text(&w, k), "TrailARN") != 0) {
            st = fail(&w, k, OT_E_USAGE, lim.empty_fix, "unknown key \"%.60s\"", text(&w, k));
            goto out;
        }
    }
    if (basic == 0 && adv == 0) {
        st = fail(&w, 1, OT_E_USAGE, lim.empty_fix, "no EventSelectors or AdvancedEventSelectors");
        goto out;
    }
    st = ot_selectors_from_ytree(&t, basic, adv, out, err);
out:
    if (st != OT_OK) {
        ot_error_at(err, "%s", name);
    }
    ot_ytree_cleanup(&t);
    return st;
}
