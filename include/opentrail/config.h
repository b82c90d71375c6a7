/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - opentrail.yaml: trails, listener, limits, access keys, metric
 * filters, alarms and notifiers, read and checked in one call.
 *
 * Stage: capture (the daemon's configuration; the CLI reads it too). Field
 * names are CloudTrail's for trails and CloudWatch's for metric filters and
 * alarms, so snippets from AWS documentation paste in. Every key comes from
 * one const table (type, default, help) that also writes docs/config.md.
 * Unknown keys are errors; every error has the file, line, column and fix.
 * Secrets (SecretAccessKey, notifier Url) are never printed: <redacted>.
 */
#ifndef OPENTRAIL_CONFIG_H
#define OPENTRAIL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/select.h"
#include "opentrail/status.h"
#include "opentrail/watch.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OT_CONFIG_MAX_BYTES (4u * 1024u * 1024u)
#define OT_CONFIG_MAX_NODES (256u * 1024u)
#define OT_CONFIG_MAX_DEPTH 12u
#define OT_CONFIG_MAX_ITEMS 1000u /* entries of one list: trails, keys, filters, alarms */

/* A list of owned strings. */
struct ot_conf_strs {
    char **v;
    uint32_t n;
};

/* A mapping of owned strings (metric dimensions). */
struct ot_conf_map {
    char **k, **v;
    uint32_t n;
};

struct ot_conf_listener {
    char *address;
    uint64_t port;
    char *tls_cert_file; /* both or neither */
    char *tls_key_file;
};

struct ot_conf_limits {
    uint64_t max_body_bytes;
    uint64_t max_record_bytes;
    uint64_t max_batch_records;
    uint64_t max_connections;
    uint64_t spool_max_bytes;
    uint64_t space_left_bytes;
};

struct ot_conf_delivery {
    uint64_t interval_seconds;      /* log files sealed this often */
    uint64_t max_log_file_bytes;    /* uncompressed cap of one log file */
    uint64_t max_held_bytes;        /* records in open log files before an early seal */
    uint64_t dedupe_window_seconds; /* eventIDs remembered per trail */
};

enum ot_key_scope { OT_SCOPE_INGEST = 0, OT_SCOPE_ADMIN };

struct ot_conf_access_key {
    char *access_key_id;
    char *secret_access_key; /* a secret: never printed */
    int scope;               /* enum ot_key_scope */
    char *account;           /* ingest keys: the account they write for */
    char *description;
};

/*
 * Where a trail's bucket is (docs/serve.md, "A trail on S3"): the top-level
 * Storage is every trail's default; a trail's own Storage replaces it whole.
 * The bucket is always the trail's S3BucketName.
 */
enum ot_storage_backend { OT_STORAGE_LOCAL = 0, OT_STORAGE_S3 };
enum ot_storage_sse { OT_SSE_AES256 = 0, OT_SSE_KMS };

struct ot_conf_storage {
    int backend; /* enum ot_storage_backend */
    char *endpoint;
    char *region;
    int sse; /* enum ot_storage_sse, with has_sse */
    bool has_sse;
    char *kms_key_id;
    bool virtual_host;
    char *access_key_id;       /* with secret_access_key, or neither */
    char *secret_access_key;   /* a secret: never printed */
    char *session_token;       /* a secret: never printed */
    char *credentials_profile; /* [profile] of the shared credentials file */
    char *credentials_file;    /* default AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials */
    bool storage_classes;      /* the server takes x-amz-storage-class (Swift: false) */
    uint64_t timeout_seconds, retry_for_seconds;
};

struct ot_conf_trail {
    char *name;
    char *s3_bucket_name;
    char *s3_key_prefix;
    char *home_region;
    char *account;
    char *organization_id;
    char *kms_key_id;
    char *sns_topic_name;
    bool is_multi_region_trail;
    bool is_organization_trail;
    bool include_global_service_events;
    bool log_file_validation_enabled;
    bool enable_log_file_validation; /* CreateTrail's spelling of the same switch */
    bool has_enable_log_file_validation;
    uint32_t basic_node, advanced_node; /* while reading only */
    struct ot_selectors *selectors;     /* owned; the default when none given */
    struct ot_conf_storage storage;     /* valid with has_storage */
    bool has_storage;
    unsigned line;
};

struct ot_conf_transformation {
    char *metric_name;
    char *metric_namespace;
    char *metric_value;
    bool has_default_value;
    double default_value;
    struct ot_conf_map dimensions;
    char *unit;
};

struct ot_conf_metric_filter {
    char *filter_name;
    char *filter_pattern;
    char *log_group_name;
    struct ot_conf_transformation *transformations;
    uint32_t ntransformations;
    struct ot_metric_filter *compiled; /* owned */
};

struct ot_conf_alarm {
    char *alarm_name;
    char *alarm_description;
    char *metric_name;
    char *namespace_;
    bool actions_enabled;
    struct ot_conf_strs alarm_actions; /* notifiers and response actions, by Name */
    struct ot_conf_strs ok_actions;    /* notifiers told of a change back to OK */
    struct ot_alarm_def def; /* Period, EvaluationPeriods, ... as ot_alarm_check checks them */
    uint64_t period, evaluation_periods, datapoints_to_alarm;
    int comparison, statistic, treat_missing_data;
    unsigned line, col; /* where it is defined, for checks across the file */
};

struct ot_conf_notifier {
    char *name;
    int type;  /* index into "log", "slack", "smtp", "webhook", "sns" */
    char *url; /* a secret: a Slack URL is a credential */
    char *to;
    char *url_env;      /* or the URL from this environment variable */
    char *secret;       /* webhook HMAC key: a secret */
    char *secret_env;   /* or from this environment variable */
    char *from;         /* smtp: the sender */
    char *username;     /* smtp AUTH */
    char *password;     /* a secret */
    char *password_env; /* or from this environment variable */
    char *ca_file;      /* trust this CA for TLS */
    char *topic_arn;    /* sns */
    uint64_t timeout_ms;
};

/* A response action: a program run (no shell) with the event JSON on stdin. */
struct ot_conf_response_action {
    char *name;
    struct ot_conf_strs command; /* argv; [0] found in PATH */
    uint64_t timeout_ms;
};

/* The live alert queue of the daemon (docs/notifiers.md). */
struct ot_conf_alerting {
    uint64_t max_pending;             /* per notifier; past it the oldest is dropped */
    uint64_t repeat_interval_seconds; /* one notification per alarm and state this often */
    uint64_t retry_for_seconds;       /* give a notification up after retrying this long */
};

/* One lifecycle rule (docs/lifecycle.md); days are 0 when not given. */
struct ot_conf_lc_rule {
    char *prefix; /* object keys it applies to; "" for all */
    uint64_t transition_after_days;
    int storage_class; /* index into ot_keep_class_name() order */
    bool has_storage_class;
    uint64_t expire_after_days;
    uint64_t retain_at_least_days;
};

struct ot_config {
    struct ot_conf_listener listener;
    struct ot_conf_limits limits;
    struct ot_conf_delivery delivery;
    bool cis_pack;
    struct ot_conf_strs cis_alarm_actions; /* what the CIS pack's alarms call */
    struct ot_conf_alerting alerting;
    struct ot_conf_response_action *response_actions;
    uint32_t nresponse_actions;
    struct ot_conf_access_key *keys;
    uint32_t nkeys;
    struct ot_conf_trail *trails;
    uint32_t ntrails;
    struct ot_conf_metric_filter *metric_filters;
    uint32_t nmetric_filters;
    struct ot_conf_alarm *alarms;
    uint32_t nalarms;
    struct ot_conf_notifier *notifiers;
    uint32_t nnotifiers;
    bool encrypt_at_rest; /* local backend: seal new objects (docs/encryption.md) */
    struct ot_conf_lc_rule *lifecycle_rules;
    uint32_t nlifecycle_rules;
    struct ot_conf_storage storage; /* every trail's, unless it has its own */
};

/**
 * ot_config_parse() - read and check @yaml (the text of @path, used in
 * errors). On OT_OK *@out is the caller's, free with ot_config_free().
 * OT_E_PARSE (YAML), OT_E_USAGE (a wrong key or value), OT_E_LIMIT or
 * OT_E_NOMEM otherwise, with file, line, column and fix in @err.
 */
OT_API ot_status ot_config_parse(struct ot_sv yaml, const char *path, struct ot_config **out,
                                 struct ot_error *err);
/*
 * Read @path (at most OT_CONFIG_MAX_BYTES) and parse it; OT_E_IO if it cannot
 * be read. A config holding secrets (Keys, notifier Urls) that group or others
 * may read is refused (OT_E_USAGE), as ssh refuses such a private key.
 */
OT_API ot_status ot_config_load(const char *path, struct ot_config **out, struct ot_error *err);
/* Frees @c, wiping secrets first. NULL is fine. */
OT_API void ot_config_free(struct ot_config *c);

/* The trail named @name, or NULL. Borrowed from @c. */
OT_API const struct ot_conf_trail *ot_config_trail(const struct ot_config *c, const char *name);
/* The scope of @t for ot_select_keep(); strings borrowed from @t. */
OT_API void ot_config_trail_scope(const struct ot_conf_trail *t, struct ot_trail_scope *out);

/* Where @t's bucket is: its own Storage, else the top-level one. Borrowed. */
OT_API const struct ot_conf_storage *ot_config_trail_storage(const struct ot_config *c,
                                                             const struct ot_conf_trail *t);
/* True when @a and @b name the same store with the same settings (one backend serves both). */
OT_API bool ot_config_storage_same(const struct ot_conf_storage *a,
                                   const struct ot_conf_storage *b);

/**
 * ot_config_show() - append the effective configuration (defaults filled in)
 * to @out as YAML, secrets as <redacted>.
 */
OT_API ot_status ot_config_show(const struct ot_config *c, struct ot_buf *out);

/* Append docs/config.md, generated from the key tables, to @out. */
OT_API ot_status ot_config_doc(struct ot_buf *out);

/**
 * ot_config_default_text() - the commented default opentrail.yaml: one
 * multi-region trail on the local backend, validation on, the CIS pack on,
 * and one admin key @key_id / @secret (borrowed; printed once by the caller).
 */
/**
 * ot_config_new_key() - a fresh access key: an AWS-like id ("OTA" and 17
 * base32 characters) and a 40-character secret (letters, digits, - and _),
 * from OpenSSL's RAND_bytes. OT_E_IO when no randomness is to be had.
 */
OT_API ot_status ot_config_new_key(char id[21], char secret[41]);

OT_API ot_status ot_config_default_text(const char *key_id, const char *secret, struct ot_buf *out);

#ifdef __cplusplus
}
#endif
#endif
