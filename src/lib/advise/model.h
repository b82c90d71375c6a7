/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/model.h - the one trail model every advise input maps into, and the
 * audit session that owns it.
 *
 * Stage: advise. Mappers (tf.c for Terraform, cfn.c for CloudFormation) fill
 * the model; rules.c reads it and never looks at a document. Every item and
 * every attribute value carries the location it came from. All memory is in
 * the session's arena.
 */
#ifndef OT_ADVISE_MODEL_H
#define OT_ADVISE_MODEL_H

#include "advise/doc.h"
#include "opentrail/advise.h"

/* A configuration value as far as the inputs decide it. */
enum ot_av_kind {
    OT_AV_ABSENT = 0, /* not set: the provider's default applies */
    OT_AV_BOOL,
    OT_AV_STR,     /* s: the value */
    OT_AV_REF,     /* s: the address of the resource it points at ("aws_kms_key.k") */
    OT_AV_UNKNOWN, /* s: the expression's source; decided only at plan time */
};

struct ot_av {
    enum ot_av_kind kind;
    bool b;
    const char *s;
    struct ot_loc loc;
    const char *name; /* the attribute as the input spells it (kms_key_id, KMSKeyId), or NULL */
};

enum ot_data_scope {
    OT_DATA_NONE = 0,
    OT_DATA_SELECTIVE, /* named buckets, prefixes or functions */
    OT_DATA_ALL,       /* every bucket or every function */
    OT_DATA_UNKNOWN,
};

struct ot_m_trail {
    struct ot_m_trail *next;
    const char *addr; /* "aws_cloudtrail.main", "myTrail" */
    struct ot_loc loc;
    const char *account; /* provider alias or account id; NULL when unknown */
    bool is_store;       /* a CloudTrail Lake event data store, not a trail */
    struct ot_av name, multi_region, organization, global_events, validation, logging;
    struct ot_av kms_key, cw_group, cw_role, sns_topic, bucket;
    bool has_insights;
    bool insights_unknown; /* a dynamic "insight_selector" block: decided at plan time */
    enum ot_data_scope data;
    const char *data_what; /* "every S3 bucket (arn:aws:s3)" */
    struct ot_loc data_loc;
    bool mgmt_off; /* selectors exclude management events */
};

struct ot_m_bucket {
    struct ot_m_bucket *next;
    const char *addr;
    struct ot_loc loc;
    const char *account;
    struct ot_av name;
    struct ot_av acl; /* canned ACL */
    bool policy_public;
    struct ot_loc policy_loc;
    bool pab_seen;
    struct ot_av pab[4]; /* block_public_acls, block_public_policy, ignore_public_acls,
                            restrict_public_buckets */
    struct ot_loc pab_loc;
    struct ot_av sse; /* algorithm: AES256, aws:kms, aws:kms:dsse */
    struct ot_av versioning, mfa_delete, object_lock;
    bool logging;
    bool lifecycle, lc_archive, lc_expire;
    struct ot_loc lc_loc;
    bool audited; /* set by the rules: two trails sharing a bucket report it once */
    bool unseen;  /* exports only: every s3api answer for it was empty (access denied) */
};

struct ot_m_filter {
    struct ot_m_filter *next;
    const char *addr;
    struct ot_loc loc;
    struct ot_av log_group, pattern, metric_name, metric_ns;
};

struct ot_m_alarm {
    struct ot_m_alarm *next;
    const char *addr;
    struct ot_loc loc;
    struct ot_av metric_name, metric_ns;
    struct ot_av actions[OT_ADVISE_MAX_ACTIONS];
    unsigned nactions;
};

struct ot_m_topic {
    struct ot_m_topic *next;
    const char *addr;
    struct ot_loc loc;
    struct ot_av name;
    unsigned inline_subs; /* subscriptions declared inside the topic (CloudFormation) */
};

struct ot_m_sub {
    struct ot_m_sub *next;
    const char *addr;
    struct ot_loc loc;
    struct ot_av topic, protocol;
};

/* Terraform hygiene facts about one module (the .tf files of one run). */
struct ot_m_pin {
    struct ot_m_pin *next;
    const char *provider;
    struct ot_av version;
    struct ot_loc loc;
};

struct ot_m_tf {
    bool seen;           /* at least one .tf file */
    struct ot_loc first; /* where to point module-wide findings */
    bool has_required_version, has_backend;
    struct ot_loc tf_loc;
    struct ot_m_pin *pins;
    struct ot_m_pin *regions; /* provider blocks, version = their region value */
    struct ot_m_pin *states;  /* *.tfstate files among the inputs */
};

struct ot_model {
    struct ot_m_trail *trails;
    struct ot_m_bucket *buckets;
    struct ot_m_filter *filters;
    struct ot_m_alarm *alarms;
    struct ot_m_topic *topics;
    struct ot_m_sub *subs;
    struct ot_m_tf tf;
    size_t ntrails, nbuckets, nfilters, nalarms, ntopics;
};

enum ot_input_kind {
    OT_IN_HCL = 0,
    OT_IN_STATE,
    OT_IN_CFN,
    OT_IN_PLAN,   /* terraform show -json */
    OT_IN_EXPORT, /* an AWS CLI export file, SERVICE_COMMAND[_NAME].json */
};

struct ot_adv_input {
    struct ot_adv_input *next;
    const char *path;
    enum ot_input_kind kind;
    struct ot_doc *doc;
};

struct ot_fnode {
    struct ot_fnode *next;
    struct ot_finding f;
};

struct ot_advise {
    struct ot_arena ar;
    struct ot_adv_input *inputs, *inputs_tail;
    struct ot_model m;
    struct ot_fnode *flist;
    size_t nfind;
    struct ot_finding *findings; /* sorted array, after ot_advise_run() */
    bool ran;
};

/* Mappers: add what @in holds to the model. OT_E_NOMEM is the only failure. */
ot_status ot_tf_map(struct ot_advise *a, struct ot_error *err);
ot_status ot_cfn_map(struct ot_advise *a, const struct ot_adv_input *in, struct ot_error *err);

/* CloudTrail API shapes (api.c): opentrail.yaml, and every OT_IN_EXPORT input. */
ot_status ot_api_map_config(struct ot_advise *a, const struct ot_adv_input *in,
                            struct ot_error *err);
ot_status ot_api_map_exports(struct ot_advise *a, struct ot_error *err);

/* Run every rule over the model, filling a->flist. */
ot_status ot_rules_run(struct ot_advise *a, struct ot_error *err);

/* The resource a bucket reference names, or NULL. */
const struct ot_m_bucket *ot_model_bucket(const struct ot_model *m, const struct ot_av *ref);

#endif
