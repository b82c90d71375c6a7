/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/tf.c - Terraform HCL documents into the trail model.
 *
 * Stage: advise. All .tf inputs of one run form one module, as in Terraform:
 * a variable declared in variables.tf resolves in main.tf. Values are
 * evaluated only where that is static: literals, var.x with a default,
 * local.x, and references to resources (kept as the resource's address, which
 * is enough to know an attribute is set and which resource it points at).
 * Anything else stays OT_AV_UNKNOWN with its source text.
 *
 * Bucket settings live in companion resources since AWS provider v4
 * (aws_s3_bucket_versioning, ..._public_access_block, ...); they are joined to
 * their bucket by reference or by literal name. The inline v3 blocks are read too.
 */
#include <stdio.h>
#include <string.h>

#include "advise/model.h"

#include "core/private.h"

struct sym {
    struct sym *next;
    const char *key; /* "var.x", "local.y", "aws_s3_bucket.b" */
    const struct ot_doc *doc;
    bool has_value; /* a variable with a default */
};

struct tfx {
    struct ot_advise *a;
    struct sym *syms;
    bool nomem;
};

static struct ot_loc loc_of(const struct ot_doc *d)
{
    return (struct ot_loc){ d->file, d->line, d->col };
}

static char *sv_dup(struct tfx *x, struct ot_sv s)
{
    char *d = ot_arena_strdup(&x->a->ar, s);
    if (d == NULL) {
        x->nomem = true;
    }
    return d;
}

static void add_sym(struct tfx *x, const char *key, const struct ot_doc *doc, bool has_value)
{
    struct sym *s = ot_arena_alloc(&x->a->ar, sizeof(*s));
    if (s == NULL || key == NULL) {
        x->nomem = true;
        return;
    }
    s->key = key;
    s->doc = doc;
    s->has_value = has_value;
    s->next = x->syms;
    x->syms = s;
}

static const struct sym *find_sym(const struct tfx *x, struct ot_sv key)
{
    for (const struct sym *s = x->syms; s != NULL; s = s->next) {
        if (ot_sv_eq_cstr(key, s->key)) {
            return s;
        }
    }
    return NULL;
}

/* The first @nsteps dot-separated steps of a traversal ("a.b.c" -> "a.b"). */
static struct ot_sv steps(struct ot_sv t, unsigned nsteps, unsigned *have)
{
    size_t i = 0;
    unsigned n = 0;
    for (; i < t.n; i++) {
        if (t.p[i] == '.' || t.p[i] == '[') {
            if (++n == nsteps) {
                break;
            }
        }
    }
    if (have != NULL) {
        *have = n + (i == t.n ? 1u : 0u);
    }
    return (struct ot_sv){ t.p, i };
}

static struct ot_av eval(struct tfx *x, const struct ot_doc *d, struct ot_loc at, unsigned depth);

static struct ot_av unknown(struct tfx *x, struct ot_sv text, struct ot_loc at)
{
    return (struct ot_av){ .kind = OT_AV_UNKNOWN, .s = sv_dup(x, text), .loc = at };
}

static struct ot_av eval_ref(struct tfx *x, const struct ot_doc *d, struct ot_loc at,
                             unsigned depth)
{
    unsigned n = 0;
    struct ot_sv root = steps(d->text, 1, NULL);
    struct ot_sv two = steps(d->text, 2, &n);
    if (ot_sv_eq_cstr(root, "var") || ot_sv_eq_cstr(root, "local")) {
        const struct sym *s = find_sym(x, two);
        if (two.n != d->text.n || s == NULL || !s->has_value) {
            char why[64];
            (void)snprintf(why, sizeof(why), "%s",
                           s == NULL            ? " (not declared)"
                           : two.n != d->text.n ? " (attribute of a variable)"
                                                : " (no default)");
            struct ot_av v = unknown(x, d->text, at);
            v.s = ot_arena_printf(&x->a->ar, "%.*s%s", (int)d->text.n, d->text.p, why);
            x->nomem |= v.s == NULL;
            return v;
        }
        return eval(x, s->doc, at, depth + 1);
    }
    /* resource references: TYPE.NAME[.attr...] where TYPE is provider_thing */
    if (n >= 2 && memchr(root.p, '_', root.n) != NULL && !ot_sv_eq_cstr(root, "data")) {
        return (struct ot_av){ .kind = OT_AV_REF, .s = sv_dup(x, two), .loc = at };
    }
    return unknown(x, d->text, at); /* data.*, count.index, each.value, path.*, self */
}

static struct ot_av eval_tmpl(struct tfx *x, const struct ot_doc *d, struct ot_loc at,
                              unsigned depth)
{
    struct ot_buf b = OT_BUF_INIT(OT_ADVISE_MAX_FILE_BYTES);
    struct ot_av ref = { 0 };
    bool all_str = true;
    unsigned nref = 0;
    for (const struct ot_doc *p = d->child; p != NULL; p = p->next) {
        struct ot_av v = eval(x, p, at, depth + 1);
        if (v.kind == OT_AV_STR) {
            if (ot_buf_append_cstr(&b, v.s != NULL ? v.s : "") != OT_OK) {
                x->nomem = true;
            }
            continue;
        }
        all_str = false;
        if (v.kind == OT_AV_REF) {
            ref = v;
            nref++;
        } else {
            nref = 99; /* an unknown part: the whole string is unknown */
        }
    }
    struct ot_av out;
    if (all_str) {
        out = (struct ot_av){ .kind = OT_AV_STR, .s = sv_dup(x, ot_buf_sv(&b)), .loc = at };
    } else if (nref == 1) {
        out = ref; /* "${aws_cloudwatch_log_group.x.arn}:*" points at that log group */
    } else {
        out = unknown(x, d->text, at);
    }
    ot_buf_cleanup(&b);
    return out;
}

static struct ot_av eval(struct tfx *x, const struct ot_doc *d, struct ot_loc at, unsigned depth)
{
    if (d == NULL) {
        return (struct ot_av){ .kind = OT_AV_ABSENT, .loc = at };
    }
    if (depth > OT_ADVISE_MAX_RESOLVE) {
        return unknown(x, OT_SV_LIT("(reference chain too long)"), at);
    }
    switch (d->kind) {
    case OT_DOC_NULL:
        return (struct ot_av){ .kind = OT_AV_ABSENT, .loc = at };
    case OT_DOC_BOOL:
        return (struct ot_av){ .kind = OT_AV_BOOL, .b = d->b, .loc = at };
    case OT_DOC_NUM:
    case OT_DOC_STR:
        return (struct ot_av){ .kind = OT_AV_STR, .s = sv_dup(x, d->text), .loc = at };
    case OT_DOC_REF:
        return eval_ref(x, d, at, depth);
    case OT_DOC_TMPL:
        return eval_tmpl(x, d, at, depth);
    case OT_DOC_LIST:
    case OT_DOC_OBJ:
    case OT_DOC_BLOCK:
        return unknown(x, OT_SV_LIT("(a collection)"), at);
    case OT_DOC_UNKNOWN:
        return unknown(x, d->text, at);
    }
    return unknown(x, d->text, at);
}

/* The value of attribute @key of block @b (ABSENT, located at the block, if missing). */
static struct ot_av attr(struct tfx *x, const struct ot_doc *b, const char *key)
{
    const struct ot_doc *d = ot_doc_get(b, key);
    if (d == NULL || d->kind == OT_DOC_BLOCK) {
        return (struct ot_av){ .kind = OT_AV_ABSENT, .loc = loc_of(b), .name = key };
    }
    struct ot_av v = eval(x, d, loc_of(d), 0);
    v.name = key;
    return v;
}

/* Booleans written as strings ("true") are booleans to Terraform. */
static struct ot_av boolish(struct ot_av v)
{
    if (v.kind == OT_AV_STR && v.s != NULL) {
        if (strcmp(v.s, "true") == 0 || strcmp(v.s, "false") == 0) {
            v.b = v.s[0] == 't';
            v.kind = OT_AV_BOOL;
        }
    }
    return v;
}

static bool str_is(const struct ot_av *v, const char *s)
{
    return v->kind == OT_AV_STR && v->s != NULL && strcmp(v->s, s) == 0;
}

static const char *account_of(struct tfx *x, const struct ot_doc *b)
{
    const struct ot_doc *p = ot_doc_get(b, "provider");
    if (p != NULL && p->kind == OT_DOC_REF) {
        return sv_dup(x, p->text);
    }
    return "aws"; /* the default provider configuration */
}

/* ---- trails ------------------------------------------------------------- */

static void data_resource(struct tfx *x, struct ot_m_trail *t, const struct ot_doc *dr)
{
    struct ot_av type = attr(x, dr, "type");
    const struct ot_doc *vals = ot_doc_get(dr, "values");
    if (vals == NULL || vals->kind != OT_DOC_LIST) {
        t->data = t->data == OT_DATA_NONE ? OT_DATA_UNKNOWN : t->data;
        return;
    }
    for (const struct ot_doc *v = vals->child; v != NULL; v = v->next) {
        struct ot_av s = eval(x, v, loc_of(v), 0);
        if (s.kind == OT_AV_REF) {
            /* "${aws_s3_bucket.b.arn}/": one named bucket */
            t->data = t->data == OT_DATA_ALL ? OT_DATA_ALL : OT_DATA_SELECTIVE;
            continue;
        }
        if (s.kind != OT_AV_STR) {
            if (t->data == OT_DATA_NONE) {
                t->data = OT_DATA_UNKNOWN;
            }
            continue;
        }
        /* "arn:aws:s3" / "arn:aws:s3:::" select every bucket; "arn:aws:lambda"
         * every function (AWS docs, data event selectors) */
        bool all = strcmp(s.s, "arn:aws:s3") == 0 || strcmp(s.s, "arn:aws:s3:::") == 0 ||
                   strcmp(s.s, "arn:aws:lambda") == 0 || strcmp(s.s, "arn:aws:dynamodb") == 0;
        if (all) {
            t->data = OT_DATA_ALL;
            t->data_what = ot_arena_printf(&x->a->ar, "%s (%s)",
                                           type.kind == OT_AV_STR ? type.s : "data events", s.s);
            t->data_loc = loc_of(v);
        } else if (t->data != OT_DATA_ALL) {
            t->data = OT_DATA_SELECTIVE;
        }
    }
}

static void advanced_selector(struct tfx *x, struct ot_m_trail *t, const struct ot_doc *sel)
{
    bool data = false, narrowed = false;
    const struct ot_doc *where = sel;
    for (const struct ot_doc *f = sel->child; f != NULL; f = f->next) {
        if (f->kind != OT_DOC_BLOCK || !ot_sv_eq_cstr(f->key, "field_selector")) {
            continue;
        }
        struct ot_av field = attr(x, f, "field");
        if (str_is(&field, "eventCategory")) {
            const struct ot_doc *eq = ot_doc_get(f, "equals");
            if (eq != NULL && eq->child != NULL && eq->child->kind == OT_DOC_STR &&
                ot_sv_eq_cstr(eq->child->text, "Data")) {
                data = true;
                where = f;
            }
        } else if (str_is(&field, "resources.ARN") || str_is(&field, "eventName") ||
                   str_is(&field, "readOnly") || str_is(&field, "eventSource")) {
            narrowed = true;
        }
    }
    if (!data) {
        return;
    }
    if (narrowed) {
        if (t->data != OT_DATA_ALL) {
            t->data = OT_DATA_SELECTIVE;
        }
    } else {
        t->data = OT_DATA_ALL;
        t->data_what = "every data event of the resource type (advanced selector with no ARN, "
                       "event name or readOnly filter)";
        t->data_loc = loc_of(where);
    }
}

static void map_trail(struct tfx *x, const struct ot_doc *b, const char *addr, bool store)
{
    struct ot_m_trail *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
    if (t == NULL) {
        x->nomem = true;
        return;
    }
    t->addr = addr;
    t->loc = loc_of(b);
    t->is_store = store;
    t->account = account_of(x, b);
    t->name = attr(x, b, "name");
    t->kms_key = attr(x, b, "kms_key_id");
    if (store) {
        t->multi_region = boolish(attr(x, b, "multi_region_enabled"));
        t->organization = boolish(attr(x, b, "organization_enabled"));
    } else {
        t->multi_region = boolish(attr(x, b, "is_multi_region_trail"));
        t->organization = boolish(attr(x, b, "is_organization_trail"));
        t->global_events = boolish(attr(x, b, "include_global_service_events"));
        t->validation = boolish(attr(x, b, "enable_log_file_validation"));
        t->logging = boolish(attr(x, b, "enable_logging"));
        t->cw_group = attr(x, b, "cloud_watch_logs_group_arn");
        t->cw_role = attr(x, b, "cloud_watch_logs_role_arn");
        t->sns_topic = attr(x, b, "sns_topic_name");
        t->bucket = attr(x, b, "s3_bucket_name");
    }
    for (const struct ot_doc *c = b->child; c != NULL; c = c->next) {
        if (c->kind != OT_DOC_BLOCK) {
            continue;
        }
        if (ot_sv_eq_cstr(c->key, "dynamic") && c->nlabel == 1) {
            /* dynamic "event_selector" { for_each = ... }: how many, and which, is
             * known only at plan time */
            if (ot_sv_eq_cstr(c->label[0], "insight_selector")) {
                t->insights_unknown = true;
            } else if ((ot_sv_eq_cstr(c->label[0], "event_selector") ||
                        ot_sv_eq_cstr(c->label[0], "advanced_event_selector")) &&
                       t->data == OT_DATA_NONE) {
                t->data = OT_DATA_UNKNOWN;
            }
        } else if (ot_sv_eq_cstr(c->key, "insight_selector")) {
            t->has_insights = true;
        } else if (ot_sv_eq_cstr(c->key, "event_selector")) {
            struct ot_av mg = boolish(attr(x, c, "include_management_events"));
            if (mg.kind == OT_AV_BOOL && !mg.b) {
                t->mgmt_off = true;
            }
            for (const struct ot_doc *dr = c->child; dr != NULL; dr = dr->next) {
                if (dr->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(dr->key, "data_resource")) {
                    data_resource(x, t, dr);
                }
            }
        } else if (ot_sv_eq_cstr(c->key, "advanced_event_selector")) {
            advanced_selector(x, t, c);
        }
    }
    t->next = x->a->m.trails;
    x->a->m.trails = t;
    x->a->m.ntrails++;
}

/* ---- buckets ------------------------------------------------------------ */

static bool policy_is_public(const char *p)
{
    /* A literal policy with an Allow to everyone. jsonencode() and policy
     * documents are not static, so they never get here. */
    char flat[4096];
    size_t n = 0;
    for (; *p != '\0' && n + 1 < sizeof(flat); p++) {
        if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r') {
            flat[n++] = *p;
        }
    }
    flat[n] = '\0';
    return strstr(flat, "\"Effect\":\"Allow\"") != NULL &&
           (strstr(flat, "\"Principal\":\"*\"") != NULL || strstr(flat, "\"AWS\":\"*\"") != NULL) &&
           strstr(flat, "\"Condition\"") == NULL;
}

static void bucket_inline(struct tfx *x, struct ot_m_bucket *k, const struct ot_doc *b);

static void map_bucket(struct tfx *x, const struct ot_doc *b, const char *addr)
{
    struct ot_m_bucket *k = ot_arena_alloc(&x->a->ar, sizeof(*k));
    if (k == NULL) {
        x->nomem = true;
        return;
    }
    k->addr = addr;
    k->loc = loc_of(b);
    k->account = account_of(x, b);
    k->name = attr(x, b, "bucket");
    k->acl = attr(x, b, "acl");
    k->object_lock = boolish(attr(x, b, "object_lock_enabled"));
    struct ot_av pol = attr(x, b, "policy");
    if (pol.kind == OT_AV_STR && policy_is_public(pol.s)) {
        k->policy_public = true;
        k->policy_loc = pol.loc;
    }
    bucket_inline(x, k, b);
    k->next = x->a->m.buckets;
    x->a->m.buckets = k;
    x->a->m.nbuckets++;
}

static const struct ot_doc *sub(const struct ot_doc *b, const char *key)
{
    const struct ot_doc *d = ot_doc_get(b, key);
    return d != NULL && d->kind == OT_DOC_BLOCK ? d : NULL;
}

static void sse_rule(struct tfx *x, struct ot_m_bucket *k, const struct ot_doc *conf)
{
    for (const struct ot_doc *r = conf->child; r != NULL; r = r->next) {
        const struct ot_doc *def = r->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(r->key, "rule")
                                       ? sub(r, "apply_server_side_encryption_by_default")
                                       : NULL;
        if (def != NULL) {
            k->sse = attr(x, def, "sse_algorithm");
        }
    }
}

static void lifecycle_rule(struct tfx *x, struct ot_m_bucket *k, const struct ot_doc *r)
{
    struct ot_av status = attr(x, r, "status");
    struct ot_av enabled = boolish(attr(x, r, "enabled"));
    if ((status.kind == OT_AV_STR && strcmp(status.s, "Enabled") != 0) ||
        (enabled.kind == OT_AV_BOOL && !enabled.b)) {
        return; /* a disabled rule moves and deletes nothing */
    }
    k->lifecycle = true;
    k->lc_loc = loc_of(r);
    for (const struct ot_doc *c = r->child; c != NULL; c = c->next) {
        if (c->kind != OT_DOC_BLOCK) {
            continue;
        }
        if (ot_sv_eq_cstr(c->key, "transition")) {
            struct ot_av sc = attr(x, c, "storage_class");
            if (str_is(&sc, "GLACIER") || str_is(&sc, "DEEP_ARCHIVE") ||
                str_is(&sc, "GLACIER_IR") || str_is(&sc, "STANDARD_IA") ||
                str_is(&sc, "ONEZONE_IA") || str_is(&sc, "INTELLIGENT_TIERING")) {
                k->lc_archive = true;
            }
        } else if (ot_sv_eq_cstr(c->key, "expiration")) {
            k->lc_expire = true;
        }
    }
}

static void bucket_inline(struct tfx *x, struct ot_m_bucket *k, const struct ot_doc *b)
{
    const struct ot_doc *v = sub(b, "versioning");
    if (v != NULL) {
        k->versioning = boolish(attr(x, v, "enabled"));
        k->mfa_delete = boolish(attr(x, v, "mfa_delete"));
    }
    if (sub(b, "logging") != NULL) {
        k->logging = true;
    }
    const struct ot_doc *sse = sub(b, "server_side_encryption_configuration");
    if (sse != NULL) {
        sse_rule(x, k, sse);
    }
    const struct ot_doc *ol = sub(b, "object_lock_configuration");
    if (ol != NULL) {
        struct ot_av e = attr(x, ol, "object_lock_enabled");
        k->object_lock = e;
        k->object_lock.kind = str_is(&e, "Enabled") ? OT_AV_BOOL : e.kind;
        k->object_lock.b = str_is(&e, "Enabled");
    }
    for (const struct ot_doc *c = b->child; c != NULL; c = c->next) {
        if (c->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(c->key, "lifecycle_rule")) {
            lifecycle_rule(x, k, c);
        }
    }
}

const struct ot_m_bucket *ot_model_bucket(const struct ot_model *m, const struct ot_av *ref)
{
    for (struct ot_m_bucket *k = m->buckets; k != NULL; k = k->next) {
        if (ref->kind == OT_AV_REF && ref->s != NULL && strcmp(ref->s, k->addr) == 0) {
            return k;
        }
        if (ref->kind == OT_AV_STR && k->name.kind == OT_AV_STR && ref->s != NULL &&
            strcmp(ref->s, k->name.s) == 0) {
            return k;
        }
    }
    return NULL;
}

/* A companion resource (aws_s3_bucket_*) applied to the bucket it names. */
static void map_companion(struct tfx *x, const struct ot_doc *b, struct ot_sv type)
{
    struct ot_av ref = attr(x, b, "bucket");
    struct ot_m_bucket *k = (struct ot_m_bucket *)ot_model_bucket(&x->a->m, &ref);
    if (k == NULL) {
        return; /* the bucket is not among the inputs */
    }
    if (ot_sv_eq_cstr(type, "aws_s3_bucket_public_access_block")) {
        static const char *const keys[4] = { "block_public_acls", "block_public_policy",
                                             "ignore_public_acls", "restrict_public_buckets" };
        k->pab_seen = true;
        k->pab_loc = loc_of(b);
        for (int i = 0; i < 4; i++) {
            k->pab[i] = boolish(attr(x, b, keys[i]));
        }
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_server_side_encryption_configuration")) {
        sse_rule(x, k, b);
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_versioning")) {
        const struct ot_doc *vc = sub(b, "versioning_configuration");
        if (vc != NULL) {
            struct ot_av st = attr(x, vc, "status");
            struct ot_av mfa = attr(x, vc, "mfa_delete");
            k->versioning = st;
            if (st.kind == OT_AV_STR) {
                k->versioning.kind = OT_AV_BOOL;
                k->versioning.b = strcmp(st.s, "Enabled") == 0;
            }
            k->mfa_delete = mfa;
            if (mfa.kind == OT_AV_STR) {
                k->mfa_delete.kind = OT_AV_BOOL;
                k->mfa_delete.b = strcmp(mfa.s, "Enabled") == 0;
            }
        }
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_logging")) {
        k->logging = true;
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_lifecycle_configuration")) {
        for (const struct ot_doc *c = b->child; c != NULL; c = c->next) {
            if (c->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(c->key, "rule")) {
                lifecycle_rule(x, k, c);
            }
        }
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_object_lock_configuration")) {
        k->object_lock = (struct ot_av){ .kind = OT_AV_BOOL, .b = true, .loc = loc_of(b) };
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_acl")) {
        k->acl = attr(x, b, "acl");
    } else if (ot_sv_eq_cstr(type, "aws_s3_bucket_policy")) {
        struct ot_av pol = attr(x, b, "policy");
        if (pol.kind == OT_AV_STR && policy_is_public(pol.s)) {
            k->policy_public = true;
            k->policy_loc = pol.loc;
        }
    }
}

/* ---- monitoring ----------------------------------------------------------- */

static void map_filter(struct tfx *x, const struct ot_doc *b, const char *addr)
{
    struct ot_m_filter *f = ot_arena_alloc(&x->a->ar, sizeof(*f));
    if (f == NULL) {
        x->nomem = true;
        return;
    }
    f->addr = addr;
    f->loc = loc_of(b);
    f->log_group = attr(x, b, "log_group_name");
    f->pattern = attr(x, b, "pattern");
    const struct ot_doc *mt = sub(b, "metric_transformation");
    if (mt != NULL) {
        f->metric_name = attr(x, mt, "name");
        f->metric_ns = attr(x, mt, "namespace");
    }
    f->next = x->a->m.filters;
    x->a->m.filters = f;
    x->a->m.nfilters++;
}

static void map_alarm(struct tfx *x, const struct ot_doc *b, const char *addr)
{
    struct ot_m_alarm *al = ot_arena_alloc(&x->a->ar, sizeof(*al));
    if (al == NULL) {
        x->nomem = true;
        return;
    }
    al->addr = addr;
    al->loc = loc_of(b);
    al->metric_name = attr(x, b, "metric_name");
    al->metric_ns = attr(x, b, "namespace");
    const struct ot_doc *acts = ot_doc_get(b, "alarm_actions");
    if (acts != NULL && acts->kind == OT_DOC_LIST) {
        for (const struct ot_doc *c = acts->child; c != NULL; c = c->next) {
            if (al->nactions < OT_ADVISE_MAX_ACTIONS) {
                al->actions[al->nactions++] = eval(x, c, loc_of(c), 0);
            }
        }
    } else if (acts != NULL) {
        al->actions[al->nactions++] = eval(x, acts, loc_of(acts), 0);
    }
    al->next = x->a->m.alarms;
    x->a->m.alarms = al;
    x->a->m.nalarms++;
}

static void map_topic(struct tfx *x, const struct ot_doc *b, const char *addr)
{
    struct ot_m_topic *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
    if (t == NULL) {
        x->nomem = true;
        return;
    }
    t->addr = addr;
    t->loc = loc_of(b);
    t->name = attr(x, b, "name");
    t->next = x->a->m.topics;
    x->a->m.topics = t;
    x->a->m.ntopics++;
}

static void map_sub(struct tfx *x, const struct ot_doc *b, const char *addr)
{
    struct ot_m_sub *s = ot_arena_alloc(&x->a->ar, sizeof(*s));
    if (s == NULL) {
        x->nomem = true;
        return;
    }
    s->addr = addr;
    s->loc = loc_of(b);
    s->topic = attr(x, b, "topic_arn");
    s->protocol = attr(x, b, "protocol");
    s->next = x->a->m.subs;
    x->a->m.subs = s;
}

/* ---- module-level hygiene --------------------------------------------------- */

static void add_pin(struct tfx *x, struct ot_m_pin **list, const char *provider, struct ot_av v,
                    struct ot_loc at)
{
    struct ot_m_pin *p = ot_arena_alloc(&x->a->ar, sizeof(*p));
    if (p == NULL || provider == NULL) {
        x->nomem = true;
        return;
    }
    p->provider = provider;
    p->version = v;
    p->loc = at;
    p->next = *list;
    *list = p;
}

static void map_terraform(struct tfx *x, const struct ot_doc *b)
{
    struct ot_m_tf *tf = &x->a->m.tf;
    if (tf->tf_loc.file == NULL) {
        tf->tf_loc = loc_of(b);
    }
    if (ot_doc_get(b, "required_version") != NULL) {
        tf->has_required_version = true;
    }
    for (const struct ot_doc *c = b->child; c != NULL; c = c->next) {
        if (c->kind != OT_DOC_BLOCK) {
            continue;
        }
        if (ot_sv_eq_cstr(c->key, "backend") || ot_sv_eq_cstr(c->key, "cloud")) {
            tf->has_backend = true;
        } else if (ot_sv_eq_cstr(c->key, "required_providers")) {
            for (const struct ot_doc *p = c->child; p != NULL; p = p->next) {
                struct ot_av v;
                if (p->kind == OT_DOC_OBJ) {
                    v = attr(x, p, "version");
                    v.loc = loc_of(p);
                } else {
                    v = eval(x, p, loc_of(p), 0); /* the old `aws = "~> 3.0"` form */
                }
                add_pin(x, &tf->pins, sv_dup(x, p->key), v, loc_of(p));
            }
        }
    }
}

static void map_provider(struct tfx *x, const struct ot_doc *b)
{
    if (b->nlabel < 1) {
        return;
    }
    const struct ot_doc *r = ot_doc_get(b, "region");
    struct ot_av v = attr(x, b, "region");
    if (r != NULL && r->kind != OT_DOC_STR) {
        /* only a literal is hard-coded; var.region with a default is the fix */
        v.kind = OT_AV_UNKNOWN;
    }
    add_pin(x, &x->a->m.tf.regions, sv_dup(x, b->label[0]), v, loc_of(b));
}

/* ---- driver ----------------------------------------------------------------- */

static void index_file(struct tfx *x, const struct ot_doc *root)
{
    for (const struct ot_doc *b = root->child; b != NULL; b = b->next) {
        if (b->kind != OT_DOC_BLOCK) {
            continue;
        }
        if (ot_sv_eq_cstr(b->key, "variable") && b->nlabel == 1) {
            const struct ot_doc *def = ot_doc_get(b, "default");
            add_sym(x, ot_arena_printf(&x->a->ar, "var.%.*s", (int)b->label[0].n, b->label[0].p),
                    def, def != NULL);
        } else if (ot_sv_eq_cstr(b->key, "locals")) {
            for (const struct ot_doc *l = b->child; l != NULL; l = l->next) {
                add_sym(x, ot_arena_printf(&x->a->ar, "local.%.*s", (int)l->key.n, l->key.p), l,
                        true);
            }
        }
    }
}

static bool is_resource(const struct ot_doc *b)
{
    return b->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(b->key, "resource") && b->nlabel == 2;
}

static void map_file(struct tfx *x, const struct ot_doc *root, bool buckets)
{
    for (const struct ot_doc *b = root->child; b != NULL && !x->nomem; b = b->next) {
        if (!buckets && b->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(b->key, "terraform")) {
            map_terraform(x, b);
        } else if (!buckets && b->kind == OT_DOC_BLOCK && ot_sv_eq_cstr(b->key, "provider")) {
            map_provider(x, b);
        }
        if (!is_resource(b)) {
            continue;
        }
        struct ot_sv type = b->label[0];
        const char *addr = ot_arena_printf(&x->a->ar, "%.*s.%.*s", (int)type.n, type.p,
                                           (int)b->label[1].n, b->label[1].p);
        if (addr == NULL) {
            x->nomem = true;
            return;
        }
        if (buckets) {
            if (ot_sv_eq_cstr(type, "aws_s3_bucket")) {
                map_bucket(x, b, addr);
            }
            continue;
        }
        if (ot_sv_eq_cstr(type, "aws_cloudtrail")) {
            map_trail(x, b, addr, false);
        } else if (ot_sv_eq_cstr(type, "aws_cloudtrail_event_data_store")) {
            map_trail(x, b, addr, true);
        } else if (ot_sv_has_prefix(type, "aws_s3_bucket_")) {
            map_companion(x, b, type);
        } else if (ot_sv_eq_cstr(type, "aws_cloudwatch_log_metric_filter")) {
            map_filter(x, b, addr);
        } else if (ot_sv_eq_cstr(type, "aws_cloudwatch_metric_alarm")) {
            map_alarm(x, b, addr);
        } else if (ot_sv_eq_cstr(type, "aws_sns_topic")) {
            map_topic(x, b, addr);
        } else if (ot_sv_eq_cstr(type, "aws_sns_topic_subscription")) {
            map_sub(x, b, addr);
        }
    }
}

ot_status ot_tf_map(struct ot_advise *a, struct ot_error *err)
{
    struct tfx x = { .a = a };
    for (const struct ot_adv_input *in = a->inputs; in != NULL; in = in->next) {
        if (in->kind == OT_IN_STATE) {
            a->m.tf.seen = true;
            add_pin(&x, &a->m.tf.states, in->path, (struct ot_av){ 0 },
                    (struct ot_loc){ in->path, 0, 0 });
        } else if (in->kind == OT_IN_HCL && in->doc != NULL) {
            if (a->m.tf.first.file == NULL) {
                a->m.tf.first = (struct ot_loc){ in->path, 1, 1 };
            }
            a->m.tf.seen = true;
            index_file(&x, in->doc);
        } else if (in->kind == OT_IN_PLAN && in->doc != NULL) {
            index_file(&x, in->doc); /* no hygiene: a plan has no terraform block */
        }
    }
    for (int pass = 0; pass < 2; pass++) { /* buckets first, so companions find them */
        for (const struct ot_adv_input *in = a->inputs; in != NULL; in = in->next) {
            if ((in->kind == OT_IN_HCL || in->kind == OT_IN_PLAN) && in->doc != NULL) {
                map_file(&x, in->doc, pass == 0);
            }
        }
    }
    if (x.nomem) {
        return ot_fail(err, OT_E_NOMEM, "free memory or audit fewer files at once",
                       "out of memory building the trail model");
    }
    return OT_OK;
}
