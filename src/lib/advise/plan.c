/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/plan.c - `terraform show -json` output (plans and states) into the
 * same tree an HCL file gives, so tf.c maps both the same way.
 *
 * Stage: advise. Read with jansson. Each managed resource of planned_values
 * (or values, for a state), in the root module and every child module,
 * becomes `resource "TYPE" "NAME" { ... }`: scalars stay scalars, arrays of
 * objects become nested blocks (that is how the JSON renders them), other
 * arrays lists. An attribute the plan leaves unknown ("known after apply")
 * becomes a reference when the configuration section says what it refers to
 * (s3_bucket_name = aws_s3_bucket.logs.id), and unknown otherwise. The
 * provider configuration key (aws.log_archive) becomes `provider`, so
 * accounts are told apart as for HCL. The JSON has no source lines: findings
 * name the resource address and the plan file.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "advise/doc.h"

#include "core/private.h"

struct px {
    struct ot_arena *ar;
    const char *file;
    bool nomem;
    bool limit;
    json_t *config_root; /* configuration.root_module, borrowed */
    json_t *changes;     /* resource_changes, borrowed */
};

static struct ot_doc *mk(struct px *x, enum ot_doc_kind k, const char *key)
{
    struct ot_doc *d = ot_doc_new(x->ar, k, x->file, 0, 0);
    if (d == NULL) {
        x->nomem = true;
        return NULL;
    }
    if (key != NULL) {
        char *kc = ot_arena_strdup(x->ar, ot_sv_cstr(key));
        if (kc == NULL) {
            x->nomem = true;
            return NULL;
        }
        d->key = ot_sv_cstr(kc);
    }
    return d;
}

static bool all_objects(json_t *a)
{
    size_t i;
    json_t *v;
    if (json_array_size(a) == 0) {
        return false;
    }
    json_array_foreach(a, i, v)
    {
        if (!json_is_object(v)) {
            return false;
        }
    }
    return true;
}

static void members(struct px *x, struct ot_doc *parent, json_t *obj, unsigned depth);

static struct ot_doc *value(struct px *x, const char *key, json_t *v, unsigned depth)
{
    if (depth > OT_HCL_MAX_DEPTH) {
        x->limit = true;
        return NULL;
    }
    struct ot_doc *d = NULL;
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        d = mk(x, OT_DOC_STR, key);
        if (d != NULL) {
            char *s = ot_arena_strdup(
                x->ar, (struct ot_sv){ json_string_value(v), json_string_length(v) });
            x->nomem |= s == NULL;
            d->text = (struct ot_sv){ s, s != NULL ? json_string_length(v) : 0 };
        }
        return d;
    case JSON_INTEGER:
    case JSON_REAL:
        if (json_is_integer(v)) {
            (void)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        } else {
            (void)snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        }
        d = mk(x, OT_DOC_NUM, key);
        if (d != NULL) {
            char *s = ot_arena_strdup(x->ar, ot_sv_cstr(num));
            x->nomem |= s == NULL;
            d->text = ot_sv_cstr(s != NULL ? s : "");
        }
        return d;
    case JSON_TRUE:
    case JSON_FALSE:
        d = mk(x, OT_DOC_BOOL, key);
        if (d != NULL) {
            d->b = json_is_true(v);
        }
        return d;
    case JSON_NULL:
        return mk(x, OT_DOC_NULL, key);
    case JSON_OBJECT:
        d = mk(x, OT_DOC_OBJ, key);
        if (d != NULL) {
            members(x, d, v, depth + 1);
        }
        return d;
    case JSON_ARRAY: {
        d = mk(x, OT_DOC_LIST, key);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            struct ot_doc *c = d != NULL ? value(x, NULL, e, depth + 1) : NULL;
            if (c == NULL) {
                return NULL;
            }
            ot_doc_append(d, c);
        }
        return d;
    }
    }
    return NULL;
}

/* An object's members as attributes, arrays of objects as repeated blocks. */
static void members(struct px *x, struct ot_doc *parent, json_t *obj, unsigned depth)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (x->nomem || x->limit) {
            return;
        }
        if (parent->kind == OT_DOC_BLOCK && json_is_array(v) && all_objects(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                struct ot_doc *b = mk(x, OT_DOC_BLOCK, k);
                if (b == NULL) {
                    return;
                }
                members(x, b, e, depth + 1);
                ot_doc_append(parent, b);
            }
            continue;
        }
        struct ot_doc *c = value(x, k, v, depth + 1);
        if (c == NULL) {
            return;
        }
        ot_doc_append(parent, c);
    }
}

/* The configuration entry of @address in module @mod (recursing into module_calls). */
static json_t *config_of(json_t *mod, const char *address, unsigned depth)
{
    size_t i;
    json_t *r;
    if (mod == NULL || depth > OT_HCL_MAX_DEPTH) {
        return NULL;
    }
    json_array_foreach(json_object_get(mod, "resources"), i, r)
    {
        const char *a = json_string_value(json_object_get(r, "address"));
        if (a != NULL && strcmp(a, address) == 0) {
            return r;
        }
    }
    /* child module configs list resources without the module. prefix */
    const char *k;
    json_t *call;
    json_object_foreach(json_object_get(mod, "module_calls"), k, call)
    {
        size_t pl = strlen("module.") + strlen(k) + 1;
        if (strncmp(address, "module.", 7) == 0 && strlen(address) > pl &&
            strncmp(address + 7, k, strlen(k)) == 0 && address[pl - 1] == '.') {
            json_t *hit = config_of(json_object_get(call, "module"), address + pl, depth + 1);
            if (hit != NULL) {
                return hit;
            }
        }
    }
    return NULL;
}

static json_t *after_unknown(struct px *x, const char *address)
{
    size_t i;
    json_t *c;
    json_array_foreach(x->changes, i, c)
    {
        const char *a = json_string_value(json_object_get(c, "address"));
        if (a != NULL && strcmp(a, address) == 0) {
            return json_object_get(json_object_get(c, "change"), "after_unknown");
        }
    }
    return NULL;
}

static void resource(struct px *x, struct ot_doc *root, json_t *r)
{
    const char *mode = json_string_value(json_object_get(r, "mode"));
    const char *type = json_string_value(json_object_get(r, "type"));
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *address = json_string_value(json_object_get(r, "address"));
    json_t *values = json_object_get(r, "values");
    if (mode == NULL || strcmp(mode, "managed") != 0 || type == NULL || name == NULL ||
        address == NULL || !json_is_object(values)) {
        return;
    }
    struct ot_doc *b = mk(x, OT_DOC_BLOCK, "resource");
    char *t = ot_arena_strdup(x->ar, ot_sv_cstr(type));
    char *n = ot_arena_strdup(x->ar, ot_sv_cstr(name));
    if (b == NULL || t == NULL || n == NULL) {
        x->nomem = true;
        return;
    }
    b->label[0] = ot_sv_cstr(t);
    b->label[1] = ot_sv_cstr(n);
    b->nlabel = 2;
    members(x, b, values, 1);
    json_t *conf = config_of(x->config_root, address, 0);
    json_t *exprs = json_object_get(conf, "expressions");
    json_t *unknown = after_unknown(x, address);
    const char *k;
    json_t *e;
    /* attributes the plan does not know: what does the configuration say? */
    json_object_foreach(exprs, k, e)
    {
        const struct ot_doc *have = ot_doc_get(b, k);
        if (have != NULL && have->kind != OT_DOC_NULL) {
            continue;
        }
        const char *ref = json_string_value(json_array_get(json_object_get(e, "references"), 0));
        if (ref == NULL) {
            continue;
        }
        char *rc = ot_arena_strdup(x->ar, ot_sv_cstr(ref));
        struct ot_doc *d = have != NULL ? (struct ot_doc *)have : mk(x, OT_DOC_REF, k);
        if (d == NULL || rc == NULL) {
            x->nomem = true;
            return;
        }
        d->kind = OT_DOC_REF; /* a null in the values becomes what the config refers to */
        d->text = ot_sv_cstr(rc);
        if (have == NULL) {
            ot_doc_append(b, d);
        }
    }
    json_object_foreach(unknown, k, e)
    {
        if (json_is_true(e) && ot_doc_get(b, k) == NULL) {
            struct ot_doc *d = mk(x, OT_DOC_UNKNOWN, k);
            if (d == NULL) {
                return;
            }
            d->text = OT_SV_LIT("(known after apply)");
            ot_doc_append(b, d);
        }
    }
    const char *pk = json_string_value(json_object_get(conf, "provider_config_key"));
    if (pk != NULL && ot_doc_get(b, "provider") == NULL) {
        const char *colon = strrchr(pk, ':'); /* child modules: "mod:aws.alias" */
        struct ot_doc *d = mk(x, OT_DOC_REF, "provider");
        char *pc = ot_arena_strdup(x->ar, ot_sv_cstr(colon != NULL ? colon + 1 : pk));
        if (d == NULL || pc == NULL) {
            x->nomem = true;
            return;
        }
        d->text = ot_sv_cstr(pc);
        ot_doc_append(b, d);
    }
    ot_doc_append(root, b);
}

static void module(struct px *x, struct ot_doc *root, json_t *m, unsigned depth)
{
    size_t i;
    json_t *r;
    if (m == NULL || depth > OT_HCL_MAX_DEPTH) {
        x->limit |= m != NULL;
        return;
    }
    json_array_foreach(json_object_get(m, "resources"), i, r)
    {
        resource(x, root, r);
    }
    json_array_foreach(json_object_get(m, "child_modules"), i, r)
    {
        module(x, root, r, depth + 1);
    }
}

bool ot_plan_sniff(struct ot_sv src)
{
    size_t n = src.n < 4096 ? src.n : 4096;
    struct ot_sv head = { src.p, n };
    bool fv = false, tv = false;
    for (size_t i = 0; i + 16 <= head.n; i++) {
        fv |= memcmp(head.p + i, "\"format_version\"", 16) == 0;
        tv |= i + 19 <= head.n && memcmp(head.p + i, "\"terraform_version\"", 19) == 0;
    }
    return fv && tv;
}

ot_status ot_plan_parse(struct ot_arena *ar, const char *file, struct ot_sv src,
                        struct ot_doc **out, struct ot_error *err)
{
    json_error_t je;
    ot_status st = OT_OK;
    struct px x = { .ar = ar, .file = file };
    json_t *j = json_loadb(src.p, src.n, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        st = ot_fail(err, OT_E_PARSE, "give the output of terraform show -json PLANFILE",
                     "invalid JSON: %s", je.text);
        if (err != NULL) {
            err->line = je.line > 0 ? (unsigned)je.line : 0;
            err->col = je.column > 0 ? (unsigned)je.column : 0;
        }
        return st;
    }
    json_t *pv = json_object_get(j, "planned_values");
    if (pv == NULL) {
        pv = json_object_get(j, "values"); /* terraform show -json of a state */
    }
    struct ot_doc *root = mk(&x, OT_DOC_BLOCK, NULL);
    if (!json_is_object(j) || !json_is_object(pv)) {
        st = ot_fail(err, OT_E_PARSE, "give the output of terraform show -json PLANFILE",
                     "no planned_values or values object");
        goto out;
    }
    x.config_root = json_object_get(json_object_get(j, "configuration"), "root_module");
    x.changes = json_object_get(j, "resource_changes");
    if (root != NULL) {
        module(&x, root, json_object_get(pv, "root_module"), 0);
    }
    if (x.nomem) {
        st = ot_fail(err, OT_E_NOMEM, "free memory", "out of memory reading the plan");
    } else if (x.limit) {
        st = ot_fail(err, OT_E_LIMIT, "flatten the modules", "plan nests deeper than %u levels",
                     OT_HCL_MAX_DEPTH);
    } else {
        *out = root;
    }
out:
    json_decref(j);
    return st;
}
