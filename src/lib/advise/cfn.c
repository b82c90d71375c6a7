/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/cfn.c - CloudFormation templates (YAML or JSON) into the trail model.
 *
 * Stage: advise. Reads AWS::CloudTrail::Trail, AWS::CloudTrail::EventDataStore,
 * AWS::S3::Bucket, AWS::S3::BucketPolicy, AWS::SNS::Topic,
 * AWS::SNS::Subscription, AWS::Logs::MetricFilter and AWS::CloudWatch::Alarm.
 * Values: literals as they are; {"Ref": X} and {"Fn::GetAtt": [X, a]} point at
 * resource X (a Ref to a template parameter or a pseudo parameter is unknown);
 * every other intrinsic (Fn::Sub, Fn::If, Fn::Join, ...) is unknown. One
 * template deploys into one account, so its trail and bucket share one.
 */
#include <string.h>
#include <strings.h>

#include "advise/model.h"

#include "core/private.h"

struct cx {
    struct ot_advise *a;
    const struct ot_doc *params;    /* the template's Parameters, or NULL */
    const struct ot_doc *resources; /* its Resources */
    const char *account;
    bool nomem;
};

static struct ot_loc loc_of(const struct ot_doc *d)
{
    return (struct ot_loc){ d->file, d->line, d->col };
}

static char *dup(struct cx *x, struct ot_sv s)
{
    char *d = ot_arena_strdup(&x->a->ar, s);
    x->nomem |= d == NULL;
    return d;
}

static struct ot_av val(struct cx *x, const struct ot_doc *d, struct ot_loc at)
{
    struct ot_av v = { .kind = OT_AV_ABSENT, .loc = at };
    if (d == NULL) {
        return v;
    }
    v.loc = loc_of(d);
    switch (d->kind) {
    case OT_DOC_NULL:
        return v;
    case OT_DOC_BOOL:
        v.kind = OT_AV_BOOL;
        v.b = d->b;
        return v;
    case OT_DOC_NUM:
    case OT_DOC_STR:
        v.kind = OT_AV_STR;
        v.s = dup(x, d->text);
        if (v.s != NULL && (strcasecmp(v.s, "true") == 0 || strcasecmp(v.s, "false") == 0)) {
            v.kind = OT_AV_BOOL; /* CloudFormation takes "true"/"True" for booleans */
            v.b = (v.s[0] | 0x20) == 't';
        }
        return v;
    case OT_DOC_OBJ:
        if (d->child != NULL && d->child->next == NULL) {
            const struct ot_doc *c = d->child;
            struct ot_sv target = { NULL, 0 };
            if (ot_sv_eq_cstr(c->key, "Ref") && c->kind == OT_DOC_STR) {
                target = c->text;
            } else if (ot_sv_eq_cstr(c->key, "Fn::GetAtt")) {
                if (c->kind == OT_DOC_LIST && c->child != NULL && c->child->kind == OT_DOC_STR) {
                    target = c->child->text;
                } else if (c->kind == OT_DOC_STR) {
                    const char *dot = memchr(c->text.p, '.', c->text.n);
                    target =
                        (struct ot_sv){ c->text.p, dot ? (size_t)(dot - c->text.p) : c->text.n };
                }
            }
            if (target.p != NULL) {
                char *t = dup(x, target);
                if (t != NULL && ot_doc_get(x->resources, t) != NULL) {
                    v.kind = OT_AV_REF;
                    v.s = t;
                    return v;
                }
                v.kind = OT_AV_UNKNOWN;
                v.s = t != NULL && ot_doc_get(x->params, t) != NULL
                          ? ot_arena_printf(&x->a->ar, "Ref %s (a template parameter)", t)
                          : ot_arena_printf(&x->a->ar, "Ref %s", t != NULL ? t : "?");
                x->nomem |= v.s == NULL;
                return v;
            }
            v.kind = OT_AV_UNKNOWN;
            v.s = dup(x, c->key);
            return v;
        }
        v.kind = OT_AV_UNKNOWN;
        v.s = "(an object)";
        return v;
    case OT_DOC_LIST:
    case OT_DOC_BLOCK:
    case OT_DOC_REF:
    case OT_DOC_TMPL:
    case OT_DOC_UNKNOWN:
        v.kind = OT_AV_UNKNOWN;
        v.s = "(not a scalar)";
        return v;
    }
    return v;
}

static struct ot_av prop(struct cx *x, const struct ot_doc *props, const struct ot_doc *res,
                         const char *key)
{
    struct ot_av v = val(x, ot_doc_get(props, key), loc_of(res));
    v.name = key;
    return v;
}

static void map_trail(struct cx *x, const struct ot_doc *res, const struct ot_doc *p,
                      const char *addr, bool store)
{
    struct ot_m_trail *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
    if (t == NULL) {
        x->nomem = true;
        return;
    }
    t->addr = addr;
    t->loc = loc_of(res);
    t->is_store = store;
    t->account = x->account;
    t->name = prop(x, p, res, store ? "Name" : "TrailName");
    t->kms_key = prop(x, p, res, store ? "KmsKeyId" : "KMSKeyId");
    t->multi_region = prop(x, p, res, store ? "MultiRegionEnabled" : "IsMultiRegionTrail");
    t->organization = prop(x, p, res, store ? "OrganizationEnabled" : "IsOrganizationTrail");
    t->global_events = prop(x, p, res, "IncludeGlobalServiceEvents");
    t->validation = prop(x, p, res, "EnableLogFileValidation");
    t->logging = prop(x, p, res, "IsLogging");
    t->cw_group = prop(x, p, res, "CloudWatchLogsLogGroupArn");
    t->sns_topic = prop(x, p, res, "SnsTopicName");
    t->bucket = prop(x, p, res, "S3BucketName");
    const struct ot_doc *ins = ot_doc_get(p, "InsightSelectors");
    t->has_insights = ins != NULL && ins->child != NULL;
    const struct ot_doc *sels = ot_doc_get(p, "EventSelectors");
    for (const struct ot_doc *s = sels != NULL ? sels->child : NULL; s != NULL; s = s->next) {
        struct ot_av mg = prop(x, s, s, "IncludeManagementEvents");
        t->mgmt_off |= mg.kind == OT_AV_BOOL && !mg.b;
        const struct ot_doc *drs = ot_doc_get(s, "DataResources");
        for (const struct ot_doc *dr = drs ? drs->child : NULL; dr != NULL; dr = dr->next) {
            const struct ot_doc *vals = ot_doc_get(dr, "Values");
            for (const struct ot_doc *v = vals ? vals->child : NULL; v != NULL; v = v->next) {
                if (v->kind != OT_DOC_STR) {
                    t->data = t->data == OT_DATA_NONE ? OT_DATA_UNKNOWN : t->data;
                } else if (ot_sv_eq_cstr(v->text, "arn:aws:s3") ||
                           ot_sv_eq_cstr(v->text, "arn:aws:s3:::") ||
                           ot_sv_eq_cstr(v->text, "arn:aws:lambda")) {
                    t->data = OT_DATA_ALL;
                    t->data_what = dup(x, v->text);
                    t->data_loc = loc_of(v);
                } else if (t->data != OT_DATA_ALL) {
                    t->data = OT_DATA_SELECTIVE;
                }
            }
        }
    }
    t->next = x->a->m.trails;
    x->a->m.trails = t;
    x->a->m.ntrails++;
}

static void map_bucket(struct cx *x, const struct ot_doc *res, const struct ot_doc *p,
                       const char *addr)
{
    struct ot_m_bucket *k = ot_arena_alloc(&x->a->ar, sizeof(*k));
    if (k == NULL) {
        x->nomem = true;
        return;
    }
    k->addr = addr;
    k->loc = loc_of(res);
    k->account = x->account;
    k->name = prop(x, p, res, "BucketName");
    k->acl = prop(x, p, res, "AccessControl");
    if (k->acl.kind == OT_AV_STR && k->acl.s != NULL) {
        /* CloudFormation spells canned ACLs PublicRead; compare in the S3 form */
        static const char *const map[][2] = { { "PublicRead", "public-read" },
                                              { "PublicReadWrite", "public-read-write" },
                                              { "AuthenticatedRead", "authenticated-read" } };
        for (size_t i = 0; i < 3; i++) {
            if (strcmp(k->acl.s, map[i][0]) == 0) {
                k->acl.s = map[i][1];
            }
        }
    }
    const struct ot_doc *pab = ot_doc_get(p, "PublicAccessBlockConfiguration");
    if (pab != NULL) {
        static const char *const keys[4] = { "BlockPublicAcls", "BlockPublicPolicy",
                                             "IgnorePublicAcls", "RestrictPublicBuckets" };
        k->pab_seen = true;
        k->pab_loc = loc_of(pab);
        for (int i = 0; i < 4; i++) {
            k->pab[i] = prop(x, pab, pab, keys[i]);
        }
    }
    const struct ot_doc *ver = ot_doc_get(p, "VersioningConfiguration");
    if (ver != NULL) {
        struct ot_av st = prop(x, ver, ver, "Status");
        k->versioning = (struct ot_av){ .kind = OT_AV_BOOL,
                                        .b = st.kind == OT_AV_STR && strcmp(st.s, "Enabled") == 0,
                                        .loc = st.loc };
    }
    k->object_lock = prop(x, p, res, "ObjectLockEnabled");
    k->logging = ot_doc_get(p, "LoggingConfiguration") != NULL;
    const struct ot_doc *lc = ot_doc_get(ot_doc_get(p, "LifecycleConfiguration"), "Rules");
    for (const struct ot_doc *r = lc ? lc->child : NULL; r != NULL; r = r->next) {
        struct ot_av st = prop(x, r, r, "Status");
        if (st.kind == OT_AV_STR && strcmp(st.s, "Enabled") != 0) {
            continue;
        }
        k->lifecycle = true;
        k->lc_loc = loc_of(r);
        k->lc_expire |=
            ot_doc_get(r, "ExpirationInDays") != NULL || ot_doc_get(r, "ExpirationDate") != NULL;
        k->lc_archive |=
            ot_doc_get(r, "Transitions") != NULL || ot_doc_get(r, "Transition") != NULL;
    }
    k->next = x->a->m.buckets;
    x->a->m.buckets = k;
    x->a->m.nbuckets++;
}

static bool statement_public(const struct ot_doc *s)
{
    const struct ot_doc *eff = ot_doc_get(s, "Effect");
    const struct ot_doc *pr = ot_doc_get(s, "Principal");
    if (eff == NULL || eff->kind != OT_DOC_STR || !ot_sv_eq_cstr(eff->text, "Allow") ||
        pr == NULL || ot_doc_get(s, "Condition") != NULL) {
        return false;
    }
    if (pr->kind == OT_DOC_STR) {
        return ot_sv_eq_cstr(pr->text, "*");
    }
    const struct ot_doc *aws = ot_doc_get(pr, "AWS");
    return aws != NULL && aws->kind == OT_DOC_STR && ot_sv_eq_cstr(aws->text, "*");
}

static void map_policy(struct cx *x, const struct ot_doc *res, const struct ot_doc *p)
{
    struct ot_av b = prop(x, p, res, "Bucket");
    struct ot_m_bucket *k = (struct ot_m_bucket *)ot_model_bucket(&x->a->m, &b);
    const struct ot_doc *st = ot_doc_get(ot_doc_get(p, "PolicyDocument"), "Statement");
    if (k == NULL || st == NULL) {
        return;
    }
    for (const struct ot_doc *s = st->kind == OT_DOC_LIST ? st->child : st; s != NULL;
         s = st->kind == OT_DOC_LIST ? s->next : NULL) {
        if (statement_public(s)) {
            k->policy_public = true;
            k->policy_loc = loc_of(s);
        }
    }
}

static void map_other(struct cx *x, const struct ot_doc *res, const struct ot_doc *p,
                      struct ot_sv type, const char *addr)
{
    if (ot_sv_eq_cstr(type, "AWS::SNS::Topic")) {
        struct ot_m_topic *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
        if (t == NULL) {
            x->nomem = true;
            return;
        }
        t->addr = addr;
        t->loc = loc_of(res);
        t->name = prop(x, p, res, "TopicName");
        const struct ot_doc *subs = ot_doc_get(p, "Subscription");
        for (const struct ot_doc *s = subs ? subs->child : NULL; s != NULL; s = s->next) {
            t->inline_subs++;
        }
        t->next = x->a->m.topics;
        x->a->m.topics = t;
        x->a->m.ntopics++;
    } else if (ot_sv_eq_cstr(type, "AWS::SNS::Subscription")) {
        struct ot_m_sub *s = ot_arena_alloc(&x->a->ar, sizeof(*s));
        if (s == NULL) {
            x->nomem = true;
            return;
        }
        s->addr = addr;
        s->loc = loc_of(res);
        s->topic = prop(x, p, res, "TopicArn");
        s->protocol = prop(x, p, res, "Protocol");
        s->next = x->a->m.subs;
        x->a->m.subs = s;
    } else if (ot_sv_eq_cstr(type, "AWS::Logs::MetricFilter")) {
        struct ot_m_filter *f = ot_arena_alloc(&x->a->ar, sizeof(*f));
        if (f == NULL) {
            x->nomem = true;
            return;
        }
        f->addr = addr;
        f->loc = loc_of(res);
        f->log_group = prop(x, p, res, "LogGroupName");
        f->pattern = prop(x, p, res, "FilterPattern");
        const struct ot_doc *mt = ot_doc_get(p, "MetricTransformations");
        const struct ot_doc *m0 = mt != NULL && mt->kind == OT_DOC_LIST ? mt->child : NULL;
        f->metric_name = prop(x, m0, res, "MetricName");
        f->metric_ns = prop(x, m0, res, "MetricNamespace");
        f->next = x->a->m.filters;
        x->a->m.filters = f;
        x->a->m.nfilters++;
    } else if (ot_sv_eq_cstr(type, "AWS::CloudWatch::Alarm")) {
        struct ot_m_alarm *al = ot_arena_alloc(&x->a->ar, sizeof(*al));
        if (al == NULL) {
            x->nomem = true;
            return;
        }
        al->addr = addr;
        al->loc = loc_of(res);
        al->metric_name = prop(x, p, res, "MetricName");
        al->metric_ns = prop(x, p, res, "Namespace");
        const struct ot_doc *acts = ot_doc_get(p, "AlarmActions");
        for (const struct ot_doc *c = acts ? acts->child : NULL; c != NULL; c = c->next) {
            if (al->nactions < OT_ADVISE_MAX_ACTIONS) {
                al->actions[al->nactions++] = val(x, c, loc_of(c));
            }
        }
        al->next = x->a->m.alarms;
        x->a->m.alarms = al;
        x->a->m.nalarms++;
    }
}

ot_status ot_cfn_map(struct ot_advise *a, const struct ot_adv_input *in, struct ot_error *err)
{
    struct cx x = { .a = a, .account = in->path };
    const struct ot_doc *root = in->doc;
    x.resources = ot_doc_get(root, "Resources");
    x.params = ot_doc_get(root, "Parameters");
    if (x.resources == NULL && ot_doc_get(root, "Trails") != NULL) {
        return ot_api_map_config(a, in, err); /* opentrail.yaml: CloudTrail API names */
    }
    if (x.resources == NULL || x.resources->kind != OT_DOC_OBJ) {
        return OT_OK; /* not a template (or one without resources): nothing to audit */
    }
    for (int pass = 0; pass < 2; pass++) { /* buckets first, so policies find them */
        for (const struct ot_doc *r = x.resources->child; r != NULL && !x.nomem; r = r->next) {
            const struct ot_doc *type = ot_doc_get(r, "Type");
            const struct ot_doc *props = ot_doc_get(r, "Properties");
            if (type == NULL || type->kind != OT_DOC_STR) {
                continue;
            }
            char *addr = dup(&x, r->key);
            if (addr == NULL) {
                break;
            }
            bool is_bucket = ot_sv_eq_cstr(type->text, "AWS::S3::Bucket");
            if (pass == 0) {
                if (is_bucket) {
                    map_bucket(&x, r, props, addr);
                }
            } else if (ot_sv_eq_cstr(type->text, "AWS::CloudTrail::Trail")) {
                map_trail(&x, r, props, addr, false);
            } else if (ot_sv_eq_cstr(type->text, "AWS::CloudTrail::EventDataStore")) {
                map_trail(&x, r, props, addr, true);
            } else if (ot_sv_eq_cstr(type->text, "AWS::S3::BucketPolicy")) {
                map_policy(&x, r, props);
            } else if (!is_bucket) {
                map_other(&x, r, props, type->text, addr);
            }
        }
    }
    if (x.nomem) {
        return ot_fail(err, OT_E_NOMEM, "free memory or audit fewer files at once",
                       "out of memory building the trail model");
    }
    return OT_OK;
}
