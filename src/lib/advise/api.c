/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/api.c - CloudTrail API shapes into the trail model: AWS CLI JSON
 * exports (`opentrail audit --aws-export DIR`) and opentrail.yaml, which uses
 * the same field names (DESIGN.md section 4).
 *
 * Stage: advise. Export files are named SERVICE_COMMAND[_NAME].json, as the
 * export script in docs/audit.md writes them (NAME is the trail, bucket or
 * topic name). They are parsed by yaml.c (JSON is YAML), so findings point at
 * lines. Trails come from cloudtrail_describe-trails.json; every other file
 * attaches to the trail, bucket or topic its NAME says. A bucket whose s3api
 * files are all missing was not exported: it is reported as not audited,
 * never assumed good. An export file holding {} stands for an API error such
 * as NoSuchPublicAccessBlockConfiguration: the setting is absent.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "advise/model.h"

#include "core/private.h"

struct ax {
    struct ot_advise *a;
    bool nomem;
};

static struct ot_loc loc_of(const struct ot_doc *d)
{
    return (struct ot_loc){ d->file, d->line, d->col };
}

static struct ot_av val(struct ax *x, const struct ot_doc *parent, const char *key)
{
    const struct ot_doc *d = ot_doc_get(parent, key);
    struct ot_av v = { .kind = OT_AV_ABSENT,
                       .loc = parent != NULL ? loc_of(parent) : (struct ot_loc){ 0 },
                       .name = key };
    if (d == NULL || d->kind == OT_DOC_NULL) {
        return v;
    }
    v.loc = loc_of(d);
    if (d->kind == OT_DOC_BOOL) {
        v.kind = OT_AV_BOOL;
        v.b = d->b;
    } else if (d->kind == OT_DOC_STR || d->kind == OT_DOC_NUM) {
        v.kind = OT_AV_STR;
        v.s = ot_arena_strdup(&x->a->ar, d->text);
        x->nomem |= v.s == NULL;
        if (v.s != NULL && (strcasecmp(v.s, "true") == 0 || strcasecmp(v.s, "false") == 0)) {
            v.kind = OT_AV_BOOL;
            v.b = (v.s[0] | 0x20) == 't';
        }
    } else {
        v.kind = OT_AV_UNKNOWN;
        v.s = "(not a scalar)";
    }
    return v;
}

/* arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME -> ACCOUNT */
static const char *arn_account(struct ax *x, const struct ot_av *arn)
{
    if (arn->kind != OT_AV_STR) {
        return NULL;
    }
    const char *p = arn->s;
    for (int i = 0; i < 4 && p != NULL; i++) {
        p = strchr(p, ':');
        p = p != NULL ? p + 1 : NULL;
    }
    const char *e = p != NULL ? strchr(p, ':') : NULL;
    if (e == NULL || e == p) {
        return NULL;
    }
    char *acct = ot_arena_strdup(&x->a->ar, (struct ot_sv){ p, (size_t)(e - p) });
    x->nomem |= acct == NULL;
    return acct;
}

static void selectors(struct ot_m_trail *t, const struct ot_doc *sels)
{
    for (const struct ot_doc *s = sels != NULL ? sels->child : NULL; s != NULL; s = s->next) {
        const struct ot_doc *mg = ot_doc_get(s, "IncludeManagementEvents");
        t->mgmt_off |= mg != NULL && mg->kind == OT_DOC_BOOL && !mg->b;
        const struct ot_doc *drs = ot_doc_get(s, "DataResources");
        for (const struct ot_doc *dr = drs ? drs->child : NULL; dr != NULL; dr = dr->next) {
            const struct ot_doc *vals = ot_doc_get(dr, "Values");
            for (const struct ot_doc *v = vals ? vals->child : NULL; v != NULL; v = v->next) {
                if (v->kind == OT_DOC_STR && (ot_sv_eq_cstr(v->text, "arn:aws:s3") ||
                                              ot_sv_eq_cstr(v->text, "arn:aws:s3:::") ||
                                              ot_sv_eq_cstr(v->text, "arn:aws:lambda"))) {
                    t->data = OT_DATA_ALL;
                    t->data_what = "every bucket or function (DataResources Values)";
                    t->data_loc = loc_of(v);
                } else if (t->data != OT_DATA_ALL) {
                    t->data = OT_DATA_SELECTIVE;
                }
            }
        }
    }
}

/* One trail in CloudTrail API field names (describe-trails, opentrail.yaml). */
static struct ot_m_trail *api_trail(struct ax *x, const struct ot_doc *d, const char *account)
{
    struct ot_m_trail *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
    if (t == NULL) {
        x->nomem = true;
        return NULL;
    }
    t->name = val(x, d, "Name");
    t->addr = t->name.kind == OT_AV_STR ? t->name.s : "(unnamed trail)";
    t->loc = loc_of(d);
    struct ot_av arn = val(x, d, "TrailARN");
    t->account = arn_account(x, &arn);
    if (t->account == NULL) {
        t->account = account;
    }
    t->multi_region = val(x, d, "IsMultiRegionTrail");
    t->organization = val(x, d, "IsOrganizationTrail");
    t->global_events = val(x, d, "IncludeGlobalServiceEvents");
    t->validation = val(x, d, "LogFileValidationEnabled");
    if (t->validation.kind == OT_AV_ABSENT) {
        t->validation = val(x, d, "EnableLogFileValidation"); /* CreateTrail's name */
    }
    t->logging = val(x, d, "IsLogging");
    t->kms_key = val(x, d, "KmsKeyId");
    t->cw_group = val(x, d, "CloudWatchLogsLogGroupArn");
    t->cw_role = val(x, d, "CloudWatchLogsRoleArn");
    t->sns_topic = val(x, d, "SnsTopicName");
    if (t->sns_topic.kind == OT_AV_ABSENT) {
        t->sns_topic = val(x, d, "SnsTopicARN");
        t->sns_topic.name = "SnsTopicName";
    }
    t->bucket = val(x, d, "S3BucketName");
    const struct ot_doc *ins = ot_doc_get(d, "InsightSelectors");
    struct ot_av has_ins = val(x, d, "HasInsightSelectors");
    t->has_insights =
        (ins != NULL && ins->child != NULL) || (has_ins.kind == OT_AV_BOOL && has_ins.b);
    selectors(t, ot_doc_get(d, "EventSelectors"));
    t->next = x->a->m.trails;
    x->a->m.trails = t;
    x->a->m.ntrails++;
    return t;
}

static void api_filters(struct ax *x, const struct ot_doc *list)
{
    for (const struct ot_doc *d = list != NULL ? list->child : NULL; d != NULL; d = d->next) {
        struct ot_m_filter *f = ot_arena_alloc(&x->a->ar, sizeof(*f));
        if (f == NULL) {
            x->nomem = true;
            return;
        }
        struct ot_av name = val(x, d, "filterName");
        f->addr = name.kind == OT_AV_STR ? name.s : "(unnamed filter)";
        f->loc = loc_of(d);
        f->log_group = val(x, d, "logGroupName");
        f->pattern = val(x, d, "filterPattern");
        const struct ot_doc *mt = ot_doc_get(d, "metricTransformations");
        const struct ot_doc *m0 = mt != NULL ? mt->child : NULL;
        if (m0 != NULL) {
            f->metric_name = val(x, m0, "metricName");
            f->metric_ns = val(x, m0, "metricNamespace");
        }
        f->next = x->a->m.filters;
        x->a->m.filters = f;
        x->a->m.nfilters++;
    }
}

/* Alarm actions are SNS topic ARNs (exports) or notifier names (opentrail.yaml);
 * either way they point at the topic of that name: "arn:...:NAME" -> NAME. */
static struct ot_av topic_ref(struct ax *x, const struct ot_doc *d)
{
    struct ot_av v = { .kind = OT_AV_UNKNOWN, .s = "(not a string)", .loc = loc_of(d) };
    if (d->kind != OT_DOC_STR) {
        return v;
    }
    const char *colon = memrchr(d->text.p, ':', d->text.n);
    struct ot_sv name =
        colon != NULL ? (struct ot_sv){ colon + 1, d->text.n - (size_t)(colon + 1 - d->text.p) }
                      : d->text;
    v.kind = OT_AV_REF;
    v.s = ot_arena_strdup(&x->a->ar, name);
    x->nomem |= v.s == NULL;
    return v;
}

static void api_alarms(struct ax *x, const struct ot_doc *list)
{
    for (const struct ot_doc *d = list != NULL ? list->child : NULL; d != NULL; d = d->next) {
        struct ot_m_alarm *al = ot_arena_alloc(&x->a->ar, sizeof(*al));
        if (al == NULL) {
            x->nomem = true;
            return;
        }
        struct ot_av name = val(x, d, "AlarmName");
        al->addr = name.kind == OT_AV_STR ? name.s : "(unnamed alarm)";
        al->loc = loc_of(d);
        al->metric_name = val(x, d, "MetricName");
        al->metric_ns = val(x, d, "Namespace");
        const struct ot_doc *acts = ot_doc_get(d, "AlarmActions");
        for (const struct ot_doc *c = acts ? acts->child : NULL; c != NULL; c = c->next) {
            if (al->nactions < OT_ADVISE_MAX_ACTIONS) {
                al->actions[al->nactions++] = topic_ref(x, c);
            }
        }
        al->next = x->a->m.alarms;
        x->a->m.alarms = al;
        x->a->m.nalarms++;
    }
}

static struct ot_m_topic *topic(struct ax *x, const char *name, struct ot_loc at)
{
    for (struct ot_m_topic *t = x->a->m.topics; t != NULL; t = t->next) {
        if (strcmp(t->addr, name) == 0) {
            return t;
        }
    }
    struct ot_m_topic *t = ot_arena_alloc(&x->a->ar, sizeof(*t));
    if (t == NULL) {
        x->nomem = true;
        return NULL;
    }
    t->addr = name;
    t->loc = at;
    t->next = x->a->m.topics;
    x->a->m.topics = t;
    x->a->m.ntopics++;
    return t;
}

/* ---- opentrail.yaml ---------------------------------------------------------- */

ot_status ot_api_map_config(struct ot_advise *a, const struct ot_adv_input *in,
                            struct ot_error *err)
{
    struct ax x = { .a = a };
    const struct ot_doc *root = in->doc;
    const struct ot_doc *trails = ot_doc_get(root, "Trails");
    for (const struct ot_doc *t = trails != NULL ? trails->child : NULL; t != NULL; t = t->next) {
        struct ot_m_trail *m = api_trail(&x, t, "opentrail");
        if (m != NULL && m->logging.kind == OT_AV_ABSENT) {
            m->logging = (struct ot_av){ .kind = OT_AV_BOOL, .b = true }; /* daemon default */
        }
        if (m != NULL && m->cw_group.kind == OT_AV_ABSENT) {
            /* opentrail's watch stage runs the metric filters on every event of
             * its trails: what CloudWatch Logs delivery gives on AWS */
            m->cw_group = (struct ot_av){ .kind = OT_AV_STR, .s = "opentrail watch" };
        }
    }
    api_filters(&x, ot_doc_get(root, "MetricFilters"));
    api_alarms(&x, ot_doc_get(root, "Alarms"));
    /* a notifier with a target is a subscribed topic of that name */
    const struct ot_doc *ns = ot_doc_get(root, "Notifiers");
    for (const struct ot_doc *n = ns != NULL ? ns->child : NULL; n != NULL; n = n->next) {
        struct ot_av name = val(&x, n, "Name");
        if (name.kind == OT_AV_STR) {
            struct ot_m_topic *t = topic(&x, name.s, loc_of(n));
            if (t != NULL) {
                t->inline_subs++;
            }
        }
    }
    if (x.nomem) {
        return ot_fail(err, OT_E_NOMEM, "free memory", "out of memory reading the config");
    }
    return OT_OK;
}

/* ---- AWS CLI exports ----------------------------------------------------------- */

/* "s3api_get-bucket-versioning_logs.json" with @prefix "s3api_get-bucket-versioning_"
 * -> "logs" */
static bool named(const struct ot_adv_input *in, const char *prefix, struct ot_sv *name)
{
    const char *base = strrchr(in->path, '/');
    base = base != NULL ? base + 1 : in->path;
    size_t pl = strlen(prefix), bl = strlen(base);
    if (bl < pl + 5 || strncmp(base, prefix, pl) != 0 || strcmp(base + bl - 5, ".json") != 0) {
        return false;
    }
    *name = (struct ot_sv){ base + pl, bl - pl - 5 };
    return true;
}

static struct ot_m_trail *trail_named(struct ot_advise *a, struct ot_sv name)
{
    for (struct ot_m_trail *t = a->m.trails; t != NULL; t = t->next) {
        if (t->name.kind == OT_AV_STR && ot_sv_eq_cstr(name, t->name.s)) {
            return t;
        }
    }
    return NULL;
}

static struct ot_m_bucket *bucket_named(struct ax *x, struct ot_sv name, struct ot_loc at)
{
    for (struct ot_m_bucket *k = x->a->m.buckets; k != NULL; k = k->next) {
        if (k->name.kind == OT_AV_STR && ot_sv_eq_cstr(name, k->name.s)) {
            return k;
        }
    }
    struct ot_m_bucket *k = ot_arena_alloc(&x->a->ar, sizeof(*k));
    char *n = ot_arena_strdup(&x->a->ar, name);
    if (k == NULL || n == NULL) {
        x->nomem = true;
        return NULL;
    }
    k->addr = n;
    k->loc = at;
    k->unseen = true; /* until one of its exports says something */
    k->name = (struct ot_av){ .kind = OT_AV_STR, .s = n, .loc = at };
    k->next = x->a->m.buckets;
    x->a->m.buckets = k;
    x->a->m.nbuckets++;
    return k;
}

static void bucket_file(struct ax *x, struct ot_m_bucket *k, const char *cmd,
                        const struct ot_doc *d)
{
    if (strcmp(cmd, "get-public-access-block") == 0) {
        const struct ot_doc *c = ot_doc_get(d, "PublicAccessBlockConfiguration");
        static const char *const keys[4] = { "BlockPublicAcls", "BlockPublicPolicy",
                                             "IgnorePublicAcls", "RestrictPublicBuckets" };
        if (c != NULL) {
            k->pab_seen = true;
            k->pab_loc = loc_of(c);
            for (int i = 0; i < 4; i++) {
                k->pab[i] = val(x, c, keys[i]);
            }
        }
    } else if (strcmp(cmd, "get-bucket-encryption") == 0) {
        const struct ot_doc *r =
            ot_doc_get(ot_doc_get(d, "ServerSideEncryptionConfiguration"), "Rules");
        const struct ot_doc *def = r != NULL && r->child != NULL
                                       ? ot_doc_get(r->child, "ApplyServerSideEncryptionByDefault")
                                       : NULL;
        k->sse = val(x, def, "SSEAlgorithm");
    } else if (strcmp(cmd, "get-bucket-versioning") == 0) {
        struct ot_av st = val(x, d, "Status"), mfa = val(x, d, "MFADelete");
        k->versioning = (struct ot_av){ .kind = OT_AV_BOOL,
                                        .b = st.kind == OT_AV_STR && strcmp(st.s, "Enabled") == 0,
                                        .loc = st.loc };
        k->mfa_delete = (struct ot_av){ .kind = OT_AV_BOOL,
                                        .b = mfa.kind == OT_AV_STR && strcmp(mfa.s, "Enabled") == 0,
                                        .loc = mfa.loc };
    } else if (strcmp(cmd, "get-bucket-logging") == 0) {
        k->logging = ot_doc_get(d, "LoggingEnabled") != NULL;
    } else if (strcmp(cmd, "get-object-lock-configuration") == 0) {
        struct ot_av e = val(x, ot_doc_get(d, "ObjectLockConfiguration"), "ObjectLockEnabled");
        k->object_lock = (struct ot_av){ .kind = OT_AV_BOOL,
                                         .b = e.kind == OT_AV_STR && strcmp(e.s, "Enabled") == 0,
                                         .loc = e.loc };
    } else if (strcmp(cmd, "get-bucket-lifecycle-configuration") == 0) {
        const struct ot_doc *rules = ot_doc_get(d, "Rules");
        for (const struct ot_doc *r = rules ? rules->child : NULL; r != NULL; r = r->next) {
            struct ot_av st = val(x, r, "Status");
            if (st.kind == OT_AV_STR && strcmp(st.s, "Enabled") != 0) {
                continue;
            }
            k->lifecycle = true;
            k->lc_loc = loc_of(r);
            k->lc_archive |= ot_doc_get(r, "Transitions") != NULL;
            k->lc_expire |= ot_doc_get(r, "Expiration") != NULL;
        }
    } else if (strcmp(cmd, "get-bucket-policy") == 0) {
        struct ot_av pol = val(x, d, "Policy"); /* the policy is a JSON string inside JSON */
        if (pol.kind == OT_AV_STR) {
            char flat[8192];
            size_t n = 0;
            for (const char *p = pol.s; *p != '\0' && n + 1 < sizeof(flat); p++) {
                if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r') {
                    flat[n++] = *p;
                }
            }
            flat[n] = '\0';
            if (strstr(flat, "\"Effect\":\"Allow\"") != NULL &&
                (strstr(flat, "\"Principal\":\"*\"") != NULL ||
                 strstr(flat, "\"AWS\":\"*\"") != NULL) &&
                strstr(flat, "\"Condition\"") == NULL) {
                k->policy_public = true;
                k->policy_loc = pol.loc;
            }
        }
    }
}

static const char *const bucket_cmds[] = {
    "get-bucket-policy",
    "get-public-access-block",
    "get-bucket-encryption",
    "get-bucket-versioning",
    "get-bucket-lifecycle-configuration",
    "get-bucket-logging",
    "get-object-lock-configuration",
};

ot_status ot_api_map_exports(struct ot_advise *a, struct ot_error *err)
{
    struct ax x = { .a = a };
    const char *account = NULL;
    struct ot_sv name;
    for (const struct ot_adv_input *in = a->inputs; in != NULL; in = in->next) {
        if (in->kind == OT_IN_EXPORT && named(in, "sts_get-caller-identity", &name)) {
            struct ot_av acct = val(&x, in->doc, "Account");
            account = acct.kind == OT_AV_STR ? acct.s : NULL;
        }
    }
    for (const struct ot_adv_input *in = a->inputs; in != NULL; in = in->next) {
        if (in->kind == OT_IN_EXPORT && named(in, "cloudtrail_describe-trails", &name)) {
            const struct ot_doc *list = ot_doc_get(in->doc, "trailList");
            for (const struct ot_doc *t = list ? list->child : NULL; t != NULL; t = t->next) {
                (void)api_trail(&x, t, account);
            }
        }
    }
    for (const struct ot_adv_input *in = a->inputs; in != NULL && !x.nomem; in = in->next) {
        if (in->kind != OT_IN_EXPORT) {
            continue;
        }
        const struct ot_doc *d = in->doc;
        struct ot_m_trail *t;
        if (named(in, "cloudtrail_get-trail-status_", &name)) {
            if ((t = trail_named(a, name)) != NULL) {
                t->logging = val(&x, d, "IsLogging");
            }
        } else if (named(in, "cloudtrail_get-event-selectors_", &name)) {
            if ((t = trail_named(a, name)) != NULL) {
                selectors(t, ot_doc_get(d, "EventSelectors"));
            }
        } else if (named(in, "cloudtrail_get-insight-selectors_", &name)) {
            const struct ot_doc *ins = ot_doc_get(d, "InsightSelectors");
            if ((t = trail_named(a, name)) != NULL && ins != NULL && ins->child != NULL) {
                t->has_insights = true;
            }
        } else if (named(in, "logs_describe-metric-filters", &name)) {
            api_filters(&x, ot_doc_get(d, "metricFilters"));
        } else if (named(in, "cloudwatch_describe-alarms", &name)) {
            api_alarms(&x, ot_doc_get(d, "MetricAlarms"));
        } else if (named(in, "sns_list-subscriptions-by-topic_", &name)) {
            const struct ot_doc *subs = ot_doc_get(d, "Subscriptions");
            char *n = ot_arena_strdup(&a->ar, name);
            struct ot_m_topic *tp = n != NULL ? topic(&x, n, loc_of(d)) : NULL;
            x.nomem |= n == NULL;
            for (const struct ot_doc *s = subs ? subs->child : NULL; tp != NULL && s != NULL;
                 s = s->next) {
                tp->inline_subs++;
            }
        } else {
            for (size_t i = 0; i < sizeof(bucket_cmds) / sizeof(bucket_cmds[0]); i++) {
                char prefix[64];
                (void)snprintf(prefix, sizeof(prefix), "s3api_%s_", bucket_cmds[i]);
                if (named(in, prefix, &name)) {
                    struct ot_m_bucket *k = bucket_named(&x, name, loc_of(d));
                    if (k != NULL) {
                        k->unseen &= d->child == NULL;
                        bucket_file(&x, k, bucket_cmds[i], d);
                    }
                    break;
                }
            }
        }
    }
    if (x.nomem) {
        return ot_fail(err, OT_E_NOMEM, "free memory", "out of memory reading the exports");
    }
    return OT_OK;
}
