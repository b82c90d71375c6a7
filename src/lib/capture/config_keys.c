/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/config_keys.c - every key of opentrail.yaml: type, default, help,
 * and the checks that span keys (a trail's selectors, a metric filter as
 * PutMetricFilter checks it, an alarm as PutMetricAlarm does).
 *
 * Stage: capture. This table is the one source of truth: the reader, `config
 * show` and docs/config.md (ot_config_doc) all walk it. Defaults follow
 * CloudTrail's CreateTrail and CloudWatch's PutMetricAlarm where they exist.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/config_int.h"
#include "select/select_int.h"

#include "core/private.h"

#define OFF(T, f) offsetof(T, f)

static const struct ot_conf_key listener_keys[] = {
    { .name = "Address",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_listener, address),
      .def = "127.0.0.1",
      .help = "IP address the ingest API listens on" },
    { .name = "Port",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_listener, port),
      .def = "8080",
      .min = 1,
      .max = 65535,
      .help = "TCP port" },
    { .name = "TlsCertFile",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_listener, tls_cert_file),
      .help = "PEM certificate chain; with TlsKeyFile turns on HTTPS" },
    { .name = "TlsKeyFile",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_listener, tls_key_file),
      .help = "PEM private key of TlsCertFile (mode 0600)" },
    { .name = NULL },
};

static const struct ot_conf_key limits_keys[] = {
    { .name = "MaxBodyBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_limits, max_body_bytes),
      .def = "10M",
      .min = 1024,
      .max = 1ull << 30,
      .help = "largest request body; larger ones get 413" },
    { .name = "MaxRecordBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_limits, max_record_bytes),
      .def = "256K",
      .min = 1024,
      .max = 1ull << 20,
      .help = "largest event record (CloudTrail's cap is 256 KB)" },
    { .name = "MaxBatchRecords",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_limits, max_batch_records),
      .def = "10000",
      .min = 1,
      .max = 1000000,
      .help = "most records in one request" },
    { .name = "MaxConnections",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_limits, max_connections),
      .def = "256",
      .min = 1,
      .max = 65536,
      .help = "concurrent client connections" },
    { .name = "SpoolMaxBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_limits, spool_max_bytes),
      .def = "1G",
      .min = 1ull << 20,
      .max = 1ull << 50,
      .help = "spool size at which ingest answers 503 with Retry-After" },
    { .name = "SpaceLeftBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_limits, space_left_bytes),
      .def = "256M",
      .min = 0,
      .max = 1ull << 50,
      .help = "free disk space below which ingest answers 503" },
    { .name = NULL },
};

static const struct ot_conf_key delivery_keys[] = {
    { .name = "IntervalSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_delivery, interval_seconds),
      .def = "300",
      .min = 1,
      .max = 3600,
      .help = "log files are sealed and delivered this often (CloudTrail: about 5 minutes)" },
    { .name = "MaxLogFileBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_delivery, max_log_file_bytes),
      .def = "64M",
      .min = 1ull << 20,
      .max = 1ull << 30,
      .help = "uncompressed size at which a log file is sealed early" },
    { .name = "MaxHeldBytes",
      .type = CFK_SIZE,
      .off = OFF(struct ot_conf_delivery, max_held_bytes),
      .def = "128M",
      .min = 1ull << 20,
      .max = 1ull << 34,
      .help = "records waiting in open log files before all are sealed early (bounds memory)" },
    { .name = "DedupeWindowSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_delivery, dedupe_window_seconds),
      .def = "300",
      .min = 1,
      .max = 86400,
      .help = "a record whose eventID a trail kept this recently is dropped as a duplicate" },
    { .name = NULL },
};

static const char *const scopes[] = { "ingest", "admin", NULL };

static bool all_digits(const char *s, size_t n)
{
    if (s == NULL || strlen(s) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool chars_in(const char *s, const char *allowed)
{
    return s != NULL && s[strspn(s, allowed)] == '\0';
}

#define UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"

static ot_status key_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_access_key *k = obj;
    size_t n = strlen(k->access_key_id);
    if (n < 16 || n > 128 || !chars_in(k->access_key_id, UPPER_DIGITS)) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "use 16 to 128 upper-case letters and digits, as AWS key ids",
                            "%s.AccessKeyId is not a valid access key id", ctx);
    }
    n = strlen(k->secret_access_key);
    if (n < 16 || n > 128) {
        /* the value is a secret: never echoed */
        return ot_conf_fail(w, node, OT_E_USAGE, "use a random secret of 16 to 128 characters",
                            "%s.SecretAccessKey must be 16 to 128 characters", ctx);
    }
    if (k->scope == OT_SCOPE_INGEST && !all_digits(k->account, 12)) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "add Account: \"123456789012\" (12 digits, quoted)",
                            "%s: an ingest key needs the 12-digit Account it writes for", ctx);
    }
    if (k->account != NULL && !all_digits(k->account, 12)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write the account as 12 digits, quoted",
                            "%s.Account is not a 12-digit account id", ctx);
    }
    for (const struct ot_conf_access_key *p = w->cfg->keys; p < k; p++) {
        if (strcmp(p->access_key_id, k->access_key_id) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each key its own AccessKeyId",
                                "%s: AccessKeyId %s appears twice", ctx, k->access_key_id);
        }
    }
    return OT_OK;
}

static const struct ot_conf_key key_keys[] = {
    { .name = "AccessKeyId",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_access_key, access_key_id),
      .help = "the key id clients sign with (SigV4) or send as a bearer token's id" },
    { .name = "SecretAccessKey",
      .type = CFK_SECRET,
      .required = true,
      .off = OFF(struct ot_conf_access_key, secret_access_key),
      .help = "the secret; never printed (`config show` prints <redacted>)" },
    { .name = "Scope",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_access_key, scope),
      .def = "ingest",
      .choices = scopes,
      .help = "ingest: send events for Account only; admin: everything" },
    { .name = "Account",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_access_key, account),
      .help = "12-digit account id an ingest key writes for (quote it)" },
    { .name = "Description",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_access_key, description),
      .help = "free text" },
    { .name = NULL },
};

/* CloudTrail's trail names: 3-128 of letters, digits, '.', '_', '-'; starting with
 * a letter or digit, ending with one; no "._", "-." ... pairs; not an IP address. */
static bool trail_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 128 || !chars_in(s, LOWER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-")) {
        return false;
    }
    if (strchr("._-", s[0]) != NULL || strchr("._-", s[n - 1]) != NULL) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (strchr("._-", s[i]) != NULL && strchr("._-", s[i - 1]) != NULL) {
            return false;
        }
    }
    return !chars_in(s, "0123456789.");
}

/* S3 bucket names: 3-63 of lower-case letters, digits, '.', '-', starting and ending
 * with a letter or digit. */
static bool bucket_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && n <= 63 && chars_in(s, LOWER_DIGITS ".-") && strchr(".-", s[0]) == NULL &&
           strchr(".-", s[n - 1]) == NULL && strstr(s, "..") == NULL;
}

/* us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4 */
static bool region_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 9 && n <= 25 && chars_in(s, "abcdefghijklmnopqrstuvwxyz0123456789-") &&
           s[n - 2] == '-' && s[n - 1] >= '0' && s[n - 1] <= '9' && s[2] == '-';
}

static ot_status trail_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_trail *t = obj;
    t->line = w->t->v[node].line;
    if (!trail_name_ok(t->name)) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "use 3 to 128 letters, digits, '.', '_' or '-', starting and ending "
                            "with a letter or digit",
                            "%s.Name \"%.60s\" is not a valid trail name", ctx, t->name);
    }
    for (const struct ot_conf_trail *p = w->cfg->trails; p < t; p++) {
        if (strcmp(p->name, t->name) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each trail its own Name",
                                "%s: trail %s is defined twice", ctx, t->name);
        }
    }
    if (!bucket_ok(t->s3_bucket_name)) {
        return ot_conf_fail(
            w, node, OT_E_USAGE, "use 3 to 63 lower-case letters, digits, '.' and '-'",
            "%s.S3BucketName \"%.60s\" is not a valid bucket name", ctx, t->s3_bucket_name);
    }
    if (t->s3_key_prefix != NULL && (strlen(t->s3_key_prefix) > 200 || t->s3_key_prefix[0] == '/' ||
                                     strstr(t->s3_key_prefix, ".."))) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "use at most 200 characters, no leading '/' and no '..'",
                            "%s.S3KeyPrefix is not a valid prefix", ctx);
    }
    if (!region_ok(t->home_region)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a region such as us-east-1",
                            "%s.HomeRegion \"%.40s\" is not a region", ctx, t->home_region);
    }
    if (t->account != NULL && !all_digits(t->account, 12)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write the account as 12 digits, quoted",
                            "%s.Account is not a 12-digit account id", ctx);
    }
    if (t->is_multi_region_trail && !t->include_global_service_events) {
        /* CreateTrail: InvalidParameterCombinationException */
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "set IncludeGlobalServiceEvents: true, or IsMultiRegionTrail: false",
                            "%s: a multi-region trail must include global service events", ctx);
    }
    if (t->is_organization_trail &&
        (t->organization_id == NULL || strncmp(t->organization_id, "o-", 2) != 0 ||
         strlen(t->organization_id) < 12 || strlen(t->organization_id) > 34 ||
         !chars_in(t->organization_id + 2, LOWER_DIGITS))) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "add OrganizationId: o-xxxxxxxxxx (it goes into the log file keys)",
                            "%s: an organization trail needs its OrganizationId", ctx);
    }
    if (t->has_enable_log_file_validation) {
        if (t->log_file_validation_enabled && !t->enable_log_file_validation) {
            return ot_conf_fail(w, node, OT_E_USAGE, "keep LogFileValidationEnabled only",
                                "%s: LogFileValidationEnabled and EnableLogFileValidation "
                                "disagree",
                                ctx);
        }
        t->log_file_validation_enabled = t->enable_log_file_validation;
    }
    ot_status st;
    if (t->basic_node == 0 && t->advanced_node == 0) {
        st = ot_selectors_default(&t->selectors);
        if (st != OT_OK) {
            return ot_conf_fail(w, node, st, NULL, "out of memory reading the config");
        }
        return OT_OK;
    }
    st = ot_selectors_from_ytree(w->t, t->basic_node, t->advanced_node, &t->selectors, w->err);
    if (st != OT_OK && w->err != NULL) {
        char what[sizeof(w->err->what)];
        (void)snprintf(what, sizeof(what), "%.60s: %.180s", ctx, w->err->what);
        memcpy(w->err->what, what, sizeof(what));
    }
    return st;
}

static const char *const storage_backends[] = { "local", "s3", NULL };
static const char *const sse_kinds[] = { "AES256", "aws:kms", NULL }; /* enum ot_storage_sse */

static ot_status storage_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    const struct ot_conf_storage *s = obj;
    if (s->backend == OT_STORAGE_LOCAL) {
        return OT_OK; /* the S3 keys are ignored, so a trail can be switched back and forth */
    }
    if (s->endpoint == NULL ||
        (strncmp(s->endpoint, "http://", 7) != 0 && strncmp(s->endpoint, "https://", 8) != 0)) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "add Endpoint: https://s3.us-east-1.amazonaws.com (or your store's "
                            "http[s]://HOST[:PORT])",
                            "%s: Backend s3 needs an http:// or https:// Endpoint", ctx);
    }
    if ((s->access_key_id == NULL) != (s->secret_access_key == NULL)) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "give AccessKeyId and SecretAccessKey together, or neither (then "
                            "the environment or the shared credentials file is used)",
                            "%s: half a key pair", ctx);
    }
    if (s->session_token != NULL && s->access_key_id == NULL) {
        return ot_conf_fail(w, node, OT_E_USAGE, "give SessionToken with AccessKeyId",
                            "%s: SessionToken without AccessKeyId", ctx);
    }
    if (s->kms_key_id != NULL && !(s->has_sse && s->sse == OT_SSE_KMS)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "add ServerSideEncryption: aws:kms",
                            "%s: KmsKeyId without ServerSideEncryption aws:kms", ctx);
    }
    if (s->region != NULL && s->region[0] == '\0') {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a region such as us-east-1",
                            "%s.Region is empty", ctx);
    }
    return OT_OK;
}

static const struct ot_conf_key storage_keys[] = {
    { .name = "Backend",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_storage, backend),
      .def = "local",
      .choices = storage_backends,
      .help = "local: <data dir>/buckets/<S3BucketName>; s3: the bucket S3BucketName on Endpoint" },
    { .name = "Endpoint",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, endpoint),
      .help = "s3: http[s]://HOST[:PORT] of AWS S3 or an S3-compatible store (Swift, Ceph RGW)" },
    { .name = "Region",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, region),
      .def = "us-east-1",
      .help = "s3: the SigV4 signing region" },
    { .name = "ServerSideEncryption",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_storage, sse),
      .has_off = OFF(struct ot_conf_storage, has_sse) + 1,
      .choices = sse_kinds,
      .help = "s3: AES256 (SSE-S3) or aws:kms (SSE-KMS) on every object; absent: the bucket's "
              "default" },
    { .name = "KmsKeyId",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, kms_key_id),
      .help = "s3: the KMS key with aws:kms; absent: the bucket's default key" },
    { .name = "VirtualHost",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_storage, virtual_host),
      .def = "false",
      .help = "s3: BUCKET.HOST/KEY addressing instead of HOST/BUCKET/KEY" },
    { .name = "AccessKeyId",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, access_key_id),
      .help = "s3: the key id; absent: AWS_ACCESS_KEY_ID, else the shared credentials file" },
    { .name = "SecretAccessKey",
      .type = CFK_SECRET,
      .off = OFF(struct ot_conf_storage, secret_access_key),
      .help = "s3: its secret (never printed; the file must then be mode 0600)" },
    { .name = "SessionToken",
      .type = CFK_SECRET,
      .off = OFF(struct ot_conf_storage, session_token),
      .help = "s3: a temporary credential's token (never printed)" },
    { .name = "CredentialsProfile",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, credentials_profile),
      .help = "s3: read [this profile] of the shared credentials file, before the environment" },
    { .name = "CredentialsFile",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_storage, credentials_file),
      .help = "s3: the shared credentials file (default AWS_SHARED_CREDENTIALS_FILE, else "
              "~/.aws/credentials)" },
    { .name = "StorageClasses",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_storage, storage_classes),
      .def = "true",
      .help = "s3: the store takes x-amz-storage-class (lifecycle transitions); false for "
              "OpenStack Swift" },
    { .name = "TimeoutSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_storage, timeout_seconds),
      .def = "60",
      .min = 1,
      .max = 3600,
      .help = "s3: one request, connecting included" },
    { .name = "RetryForSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_storage, retry_for_seconds),
      .def = "60",
      .min = 1,
      .max = 86400,
      .help = "s3: keep retrying 5xx, throttling and dropped connections this long; then "
              "delivery starts over from the spool" },
    { .name = NULL },
};

static const struct ot_conf_key trail_keys[] = {
    { .name = "Name",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_trail, name),
      .help = "trail name: 3-128 letters, digits, '.', '_', '-'" },
    { .name = "S3BucketName",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_trail, s3_bucket_name),
      .help = "bucket the log files go to (<data>/buckets/<name> on the local backend)" },
    { .name = "S3KeyPrefix",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, s3_key_prefix),
      .help = "key prefix before AWSLogs/" },
    { .name = "HomeRegion",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, home_region),
      .def = "us-east-1",
      .help = "the trail's region; single-region trails keep only its events" },
    { .name = "Account",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, account),
      .help = "owner account (12 digits, quoted); absent: every account's records" },
    { .name = "OrganizationId",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, organization_id),
      .help = "o-... of an organization trail; it appears in the log file keys" },
    { .name = "IsMultiRegionTrail",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_trail, is_multi_region_trail),
      .def = "false",
      .help = "keep events of every region (CreateTrail's default is false)" },
    { .name = "IsOrganizationTrail",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_trail, is_organization_trail),
      .def = "false",
      .help = "keep events of every account of the organization" },
    { .name = "IncludeGlobalServiceEvents",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_trail, include_global_service_events),
      .def = "true",
      .help = "keep IAM, STS (us-east-1), sign-in, CloudFront, Route 53, Organizations, WAF" },
    { .name = "LogFileValidationEnabled",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_trail, log_file_validation_enabled),
      .def = "false",
      .help = "write signed hourly digest files (CreateTrail's default is false)" },
    { .name = "EnableLogFileValidation",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_trail, enable_log_file_validation),
      .has_off = OFF(struct ot_conf_trail, has_enable_log_file_validation) + 1,
      .help = "CreateTrail's name for LogFileValidationEnabled" },
    { .name = "KmsKeyId",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, kms_key_id),
      .help = "encryption key of the log files (local: opentrail's own key)" },
    { .name = "SnsTopicName",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_trail, sns_topic_name),
      .help = "notifier told of each delivered log file" },
    { .name = "EventSelectors",
      .type = CFK_NODE,
      .off = OFF(struct ot_conf_trail, basic_node),
      .help = "basic selectors (docs/selectors.md); none: all management events" },
    { .name = "AdvancedEventSelectors",
      .type = CFK_NODE,
      .off = OFF(struct ot_conf_trail, advanced_node),
      .help = "advanced selectors (docs/selectors.md); not with EventSelectors" },
    { .name = "Storage",
      .type = CFK_SECTION,
      .off = OFF(struct ot_conf_trail, storage),
      .has_off = OFF(struct ot_conf_trail, has_storage) + 1,
      .sub = storage_keys,
      .check = storage_check,
      .help = "this trail's store, replacing the top-level Storage whole" },
    { .name = NULL },
};

static const struct ot_conf_key transformation_keys[] = {
    { .name = "metricName",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_transformation, metric_name),
      .help = "metric to publish" },
    { .name = "metricNamespace",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_transformation, metric_namespace),
      .help = "its namespace" },
    { .name = "metricValue",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_transformation, metric_value),
      .help = "\"1\", or a selector such as $.latency" },
    { .name = "defaultValue",
      .type = CFK_DOUBLE,
      .off = OFF(struct ot_conf_transformation, default_value),
      .has_off = OFF(struct ot_conf_transformation, has_default_value) + 1,
      .help = "published for periods without a match" },
    { .name = "dimensions",
      .type = CFK_MAP,
      .off = OFF(struct ot_conf_transformation, dimensions),
      .help = "up to 3 name: $.selector pairs; not with defaultValue" },
    { .name = "unit",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_transformation, unit),
      .help = "a CloudWatch StandardUnit" },
    { .name = NULL },
};

/* The value node of the key in map @m (or in a map in a list under it) that
 * @what names first; @m itself when it names none. Errors from ot_alarm_check
 * and ot_metric_filter_new name the field: point at it. */
static uint32_t locate(const struct ot_ytree *t, uint32_t m, const char *what, size_t *best_off)
{
    uint32_t best = 0;
    for (uint32_t k = t->v[m].first; t->v[m].type == OT_Y_MAP && k != 0;
         k = t->v[t->v[k].next].next) {
        uint32_t v = t->v[k].next;
        const char *name = t->v[k].type == OT_Y_SCALAR ? ot_ytext(t, k) : "";
        const char *hit = name[0] != '\0' ? strstr(what, name) : NULL;
        size_t n = strlen(name);
        if (hit != NULL && !(hit[n] >= 'a' && hit[n] <= 'z') && !(hit[n] >= 'A' && hit[n] <= 'Z') &&
            (size_t)(hit - what) < *best_off) {
            *best_off = (size_t)(hit - what);
            best = v;
        }
        if (t->v[v].type == OT_Y_SEQ && t->v[v].first != 0) {
            uint32_t in = locate(t, t->v[v].first, what, best_off);
            best = in != 0 ? in : best;
        }
    }
    return best;
}

static uint32_t field_node(const struct ot_ytree *t, uint32_t m, const char *what)
{
    size_t off = SIZE_MAX;
    uint32_t n = locate(t, m, what, &off);
    return n != 0 ? n : m;
}

static ot_status filter_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_metric_filter *f = obj;
    struct ot_metric_filter_def def = { 0 };
    struct ot_error e = { 0 };
    for (const struct ot_conf_metric_filter *p = w->cfg->metric_filters; p < f; p++) {
        if (strcmp(p->filter_name, f->filter_name) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each metric filter its own filterName",
                                "%s: filterName %s appears twice", ctx, f->filter_name);
        }
    }
    if (f->ntransformations != 1) {
        return ot_conf_fail(w, node, OT_E_USAGE, "give exactly one metric transformation",
                            "%s.metricTransformations must hold exactly one entry", ctx);
    }
    const struct ot_conf_transformation *m = &f->transformations[0];
    if (m->dimensions.n > OT_METRIC_MAX_DIMENSIONS) {
        return ot_conf_fail(w, node, OT_E_USAGE, "keep at most 3 dimensions",
                            "%s: more than %u dimensions", ctx, OT_METRIC_MAX_DIMENSIONS);
    }
    def.filter_name = f->filter_name;
    def.filter_pattern = f->filter_pattern != NULL ? f->filter_pattern : "";
    def.metric_name = m->metric_name;
    def.metric_namespace = m->metric_namespace;
    def.metric_value = m->metric_value;
    def.has_default_value = m->has_default_value;
    def.default_value = m->default_value;
    def.ndimensions = m->dimensions.n;
    for (uint32_t i = 0; i < m->dimensions.n; i++) {
        def.dimension_names[i] = m->dimensions.k[i];
        def.dimension_values[i] = m->dimensions.v[i];
    }
    def.unit = m->unit;
    ot_status st = ot_metric_filter_new(&def, &f->compiled, &e);
    if (st != OT_OK) {
        uint32_t at = field_node(w->t, node, e.what);
        if (at == node && strstr(e.what, "pattern") != NULL) {
            /* a pattern error: its column inside the pattern, moved onto the file */
            size_t off = SIZE_MAX;
            at = locate(w->t, node, "filterPattern", &off);
            at = at != 0 ? at : node;
            if (at != node && e.col > 0) {
                (void)ot_conf_fail(w, at, st, e.fix[0] ? e.fix : "see docs/filter-patterns.md",
                                   "%s: %s", ctx, e.what);
                if (w->err != NULL) {
                    w->err->col += e.col - 1;
                }
                return st;
            }
        }
        return ot_conf_fail(w, at, st, e.fix[0] ? e.fix : "see docs/filter-patterns.md", "%s: %s",
                            ctx, e.what);
    }
    return OT_OK;
}

static const struct ot_conf_key filter_keys[] = {
    { .name = "filterName",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_metric_filter, filter_name),
      .help = "unique name" },
    { .name = "filterPattern",
      .type = CFK_STR,
      .def = "",
      .off = OFF(struct ot_conf_metric_filter, filter_pattern),
      .help = "CloudWatch filter pattern (docs/filter-patterns.md); empty matches every event" },
    { .name = "logGroupName",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_metric_filter, log_group_name),
      .help = "accepted for pasted AWS definitions; filters run on every trail's events" },
    { .name = "metricTransformations",
      .type = CFK_ARRAY,
      .required = true,
      .off = OFF(struct ot_conf_metric_filter, transformations),
      .count_off = OFF(struct ot_conf_metric_filter, ntransformations),
      .elem_size = sizeof(struct ot_conf_transformation),
      .sub = transformation_keys,
      .help = "exactly one: what to publish on a match" },
    { .name = NULL },
};

static const char *const comparisons[] = { "GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
                                           "LessThanThreshold", "LessThanOrEqualToThreshold",
                                           NULL };
static const char *const statistics[] = { "Sum",     "SampleCount", "Average",
                                          "Minimum", "Maximum",     NULL };
static const char *const missing[] = { "missing", "ignore", "breaching", "notBreaching", NULL };

static ot_status alarm_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_alarm *a = obj;
    struct ot_error e = { 0 };
    a->line = w->t->v[node].line;
    a->col = w->t->v[node].col;
    for (const struct ot_conf_alarm *p = w->cfg->alarms; p < a; p++) {
        if (strcmp(p->alarm_name, a->alarm_name) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each alarm its own AlarmName",
                                "%s: AlarmName %s appears twice", ctx, a->alarm_name);
        }
    }
    a->def = (struct ot_alarm_def){
        .threshold = a->def.threshold, /* read into place by the table */
        .period_s = (unsigned)a->period,
        .evaluation_periods = (unsigned)a->evaluation_periods,
        .datapoints_to_alarm = (unsigned)a->datapoints_to_alarm,
        .cmp = (enum ot_comparison)a->comparison,
        .stat = (enum ot_statistic)a->statistic,
        .missing = (enum ot_missing_data)a->treat_missing_data,
    };
    ot_status st = ot_alarm_check(&a->def, &e);
    if (st != OT_OK) {
        return ot_conf_fail(w, field_node(w->t, node, e.what), st,
                            e.fix[0] ? e.fix : "see docs/alarms.md", "%s: %s", ctx, e.what);
    }
    return OT_OK;
}

static const struct ot_conf_key alarm_keys[] = {
    { .name = "AlarmName",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_alarm, alarm_name),
      .help = "unique name" },
    { .name = "AlarmDescription",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_alarm, alarm_description),
      .help = "free text" },
    { .name = "MetricName",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_alarm, metric_name),
      .help = "a metricName of a metric filter (or of the CIS pack)" },
    { .name = "Namespace",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_alarm, namespace_),
      .help = "its metricNamespace" },
    { .name = "Period",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alarm, period),
      .def = "300",
      .min = 1,
      .max = 86400 * 7,
      .help = "seconds: 10, 20, 30 or a multiple of 60" },
    { .name = "EvaluationPeriods",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alarm, evaluation_periods),
      .def = "1",
      .min = 1,
      .max = 1440,
      .help = "N periods looked at" },
    { .name = "DatapointsToAlarm",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alarm, datapoints_to_alarm),
      .min = 1,
      .max = 1440,
      .help = "M of the N periods that must breach (default N)" },
    { .name = "Threshold",
      .type = CFK_DOUBLE,
      .required = true,
      .off = OFF(struct ot_conf_alarm, def.threshold),
      .help = "the value compared" },
    { .name = "ComparisonOperator",
      .type = CFK_ENUM,
      .required = true,
      .off = OFF(struct ot_conf_alarm, comparison),
      .choices = comparisons,
      .help = "GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, "
              "LessThanOrEqualToThreshold" },
    { .name = "Statistic",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_alarm, statistic),
      .def = "Sum",
      .choices = statistics,
      .help = "Sum, SampleCount, Average, Minimum, Maximum" },
    { .name = "TreatMissingData",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_alarm, treat_missing_data),
      .def = "missing",
      .choices = missing,
      .help = "missing, ignore, breaching, notBreaching" },
    { .name = "AlarmActions",
      .type = CFK_STRS,
      .off = OFF(struct ot_conf_alarm, alarm_actions),
      .help = "Notifiers and ResponseActions (by Name) run on a change to ALARM; `log` is "
              "built in" },
    { .name = "OKActions",
      .type = CFK_STRS,
      .off = OFF(struct ot_conf_alarm, ok_actions),
      .help = "Notifiers (by Name) told of a change back to OK" },
    { .name = "ActionsEnabled",
      .type = CFK_BOOL,
      .off = OFF(struct ot_conf_alarm, actions_enabled),
      .def = "true",
      .help = "false: evaluate without notifying" },
    { .name = NULL },
};

static const char *const notifier_types[] = { "log", "slack", "smtp", "webhook", "sns", NULL };

static ot_status notifier_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_notifier *n = obj;
    for (const struct ot_conf_notifier *p = w->cfg->notifiers; p < n; p++) {
        if (strcmp(p->name, n->name) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each notifier its own Name",
                                "%s: notifier %s is defined twice", ctx, n->name);
        }
    }
    bool needs_url = n->type != 0;
    if (needs_url && (n->url == NULL || n->url[0] == '\0') && n->url_env == NULL) {
        return ot_conf_fail(w, node, OT_E_USAGE, "add Url: (or UrlEnv: a variable holding it)",
                            "%s: a %s notifier needs Url", ctx, notifier_types[n->type]);
    }
    if (n->type == 2 && (n->to == NULL || strchr(n->to, '@') == NULL)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "add To: security@example.com",
                            "%s: an smtp notifier needs a To address", ctx);
    }
    /* a webhook's Secret and an sns TopicArn are checked when the daemon opens them */
    for (const char *c = n->name; *c != '\0'; c++) {
        bool safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
        if (!safe || n->name[0] == '.' || strlen(n->name) > 64) {
            return ot_conf_fail(w, node, OT_E_USAGE, "use letters, digits, '-', '_' and '.'",
                                "%s: notifier Name \"%.64s\" names its queue folder", ctx, n->name);
        }
    }
    return OT_OK;
}

static const struct ot_conf_key notifier_keys[] = {
    { .name = "Name",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_notifier, name),
      .help = "what AlarmActions call it" },
    { .name = "Type",
      .type = CFK_ENUM,
      .required = true,
      .off = OFF(struct ot_conf_notifier, type),
      .choices = notifier_types,
      .help = "log, slack, smtp, webhook, sns" },
    { .name = "Url",
      .type = CFK_SECRET,
      .off = OFF(struct ot_conf_notifier, url),
      .help = "slack, webhook, sns: the target (a credential: never printed)" },
    { .name = "UrlEnv",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, url_env),
      .help = "or: the environment variable holding Url" },
    { .name = "To",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, to),
      .help = "smtp: the recipient" },
    { .name = "From",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, from),
      .help = "smtp: the sender (default opentrail@localhost)" },
    { .name = "Username",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, username),
      .help = "smtp: AUTH user (needs TLS)" },
    { .name = "Password",
      .type = CFK_SECRET,
      .off = OFF(struct ot_conf_notifier, password),
      .help = "smtp: AUTH password (never printed)" },
    { .name = "PasswordEnv",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, password_env),
      .help = "or: the environment variable holding it" },
    { .name = "Secret",
      .type = CFK_SECRET,
      .off = OFF(struct ot_conf_notifier, secret),
      .help = "webhook: the HMAC-SHA256 key, 16 bytes or more (never printed)" },
    { .name = "SecretEnv",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, secret_env),
      .help = "or: the environment variable holding it" },
    { .name = "CaFile",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, ca_file),
      .help = "trust this CA (PEM) for TLS instead of the system's" },
    { .name = "TopicArn",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_notifier, topic_arn),
      .help = "sns: the topic's ARN" },
    { .name = "TimeoutMs",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_notifier, timeout_ms),
      .def = "10000",
      .min = 100,
      .max = 600000,
      .help = "one delivery attempt's deadline" },
    { .name = NULL },
};

static ot_status action_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    struct ot_conf_response_action *a = obj;
    for (const struct ot_conf_response_action *p = w->cfg->response_actions; p < a; p++) {
        if (strcmp(p->name, a->name) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "give each action its own Name",
                                "%s: response action %s is defined twice", ctx, a->name);
        }
    }
    if (strcmp(a->name, "log") == 0) {
        return ot_conf_fail(w, node, OT_E_USAGE, "rename the action",
                            "%s: log is the built-in notifier's name", ctx);
    }
    if (a->command.n == 0 || a->command.n > 16) {
        return ot_conf_fail(w, node, OT_E_USAGE, "Command: [program, arg, ...] (1 to 16 words)",
                            "%s: response action %s needs a Command", ctx, a->name);
    }
    return OT_OK;
}

static const struct ot_conf_key response_action_keys[] = {
    { .name = "Name",
      .type = CFK_STR,
      .required = true,
      .off = OFF(struct ot_conf_response_action, name),
      .help = "what AlarmActions call it" },
    { .name = "Command",
      .type = CFK_STRS,
      .required = true,
      .off = OFF(struct ot_conf_response_action, command),
      .help = "program and arguments, run without a shell, the event JSON on stdin" },
    { .name = "TimeoutMs",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_response_action, timeout_ms),
      .def = "10000",
      .min = 10,
      .max = 600000,
      .help = "killed after this long (reported as failed)" },
    { .name = NULL },
};

static const struct ot_conf_key alerting_keys[] = {
    { .name = "MaxPending",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alerting, max_pending),
      .def = "1000",
      .min = 1,
      .max = 100000,
      .help = "notifications waiting per notifier; past it the oldest is dropped (counted)" },
    { .name = "RepeatIntervalSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alerting, repeat_interval_seconds),
      .def = "60",
      .min = 0,
      .max = 86400,
      .help = "one notification per alarm, state and notifier this often; repeats are grouped" },
    { .name = "RetryForSeconds",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_alerting, retry_for_seconds),
      .def = "86400",
      .min = 1,
      .max = 30 * 86400,
      .help = "a notification still failing after this long is given up (counted, logged)" },
    { .name = NULL },
};

/* The order of enum ot_keep_class (keep.h): S3's x-amz-storage-class names. */
static const char *const storage_classes[] = { "STANDARD_IA", "GLACIER_IR", "GLACIER",
                                               "DEEP_ARCHIVE", NULL };

static ot_status lc_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    const struct ot_conf_lc_rule *r = obj;
    if (r->transition_after_days == 0 && r->expire_after_days == 0) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "give TransitionAfterDays, ExpireAfterDays or both", "%s does nothing",
                            ctx);
    }
    if ((r->transition_after_days > 0) != r->has_storage_class) {
        return ot_conf_fail(w, node, OT_E_USAGE,
                            "give StorageClass with TransitionAfterDays, and neither without "
                            "the other",
                            "%s: a transition needs both TransitionAfterDays and StorageClass",
                            ctx);
    }
    if (r->expire_after_days > 0 && r->transition_after_days > 0 &&
        r->expire_after_days <= r->transition_after_days) {
        return ot_conf_fail(
            w, node, OT_E_USAGE, "make ExpireAfterDays larger than TransitionAfterDays",
            "%s: objects would expire (day %llu) before they move (day %llu)", ctx,
            (unsigned long long)r->expire_after_days, (unsigned long long)r->transition_after_days);
    }
    if (r->expire_after_days > 0 && r->retain_at_least_days > r->expire_after_days) {
        return ot_conf_fail(w, node, OT_E_USAGE, "make RetainAtLeastDays at most ExpireAfterDays",
                            "%s: the retention lock (%llu days) outlasts expiry (%llu days)", ctx,
                            (unsigned long long)r->retain_at_least_days,
                            (unsigned long long)r->expire_after_days);
    }
    for (const struct ot_conf_lc_rule *p = w->cfg->lifecycle_rules; p < r; p++) {
        if (strcmp(p->prefix, r->prefix) == 0) {
            return ot_conf_fail(w, node, OT_E_USAGE, "merge the two rules",
                                "%s: another rule has Prefix \"%.60s\"", ctx, r->prefix);
        }
    }
    return OT_OK;
}

static const struct ot_conf_key lc_keys[] = {
    { .name = "Prefix",
      .type = CFK_STR,
      .off = OFF(struct ot_conf_lc_rule, prefix),
      .def = "",
      .help = "object keys the rule applies to (the longest matching prefix wins)" },
    { .name = "TransitionAfterDays",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_lc_rule, transition_after_days),
      .def = "0",
      .max = 36500,
      .help = "days after delivery to move objects to the archive tier (0: never)" },
    { .name = "StorageClass",
      .type = CFK_ENUM,
      .off = OFF(struct ot_conf_lc_rule, storage_class),
      .has_off = OFF(struct ot_conf_lc_rule, has_storage_class) + 1,
      .choices = storage_classes,
      .help = "archive storage class: STANDARD_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE" },
    { .name = "ExpireAfterDays",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_lc_rule, expire_after_days),
      .def = "0",
      .max = 36500,
      .help = "days after delivery to delete objects (0: never); a digest goes with its logs" },
    { .name = "RetainAtLeastDays",
      .type = CFK_U64,
      .off = OFF(struct ot_conf_lc_rule, retain_at_least_days),
      .def = "0",
      .max = 36500,
      .help = "retention lock: no deletion or overwrite before this many days" },
    { .name = NULL },
};

static ot_status listener_check(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx)
{
    const struct ot_conf_listener *l = obj;
    if ((l->tls_cert_file == NULL) != (l->tls_key_file == NULL)) {
        return ot_conf_fail(w, node, OT_E_USAGE, "give both TlsCertFile and TlsKeyFile, or neither",
                            "%s: TLS needs a certificate and its key", ctx);
    }
    return OT_OK;
}

const struct ot_conf_key ot_conf_root_keys[] = {
    { .name = "Listener",
      .type = CFK_SECTION,
      .off = OFF(struct ot_config, listener),
      .sub = listener_keys,
      .check = listener_check,
      .help = "where `opentrail serve` listens" },
    { .name = "Limits",
      .type = CFK_SECTION,
      .off = OFF(struct ot_config, limits),
      .sub = limits_keys,
      .help = "request, record, batch, connection and spool caps" },
    { .name = "Delivery",
      .type = CFK_SECTION,
      .off = OFF(struct ot_config, delivery),
      .sub = delivery_keys,
      .help = "how often log files are delivered, their size, and duplicate detection" },
    { .name = "CisPack",
      .type = CFK_BOOL,
      .off = OFF(struct ot_config, cis_pack),
      .def = "true",
      .help = "run the CIS metric filters and alarms (docs/cis.md) on every trail" },
    { .name = "CisAlarmActions",
      .type = CFK_STRS,
      .off = OFF(struct ot_config, cis_alarm_actions),
      .help = "Notifiers and ResponseActions the CIS alarms call (none: `log`)" },
    { .name = "Alerting",
      .type = CFK_SECTION,
      .off = OFF(struct ot_config, alerting),
      .sub = alerting_keys,
      .help = "the daemon's notification queue: bound, grouping of repeats, retries" },
    { .name = "Keys",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, keys),
      .count_off = OFF(struct ot_config, nkeys),
      .elem_size = sizeof(struct ot_conf_access_key),
      .sub = key_keys,
      .check = key_check,
      .help = "access keys of the ingest and control API" },
    { .name = "Trails",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, trails),
      .count_off = OFF(struct ot_config, ntrails),
      .elem_size = sizeof(struct ot_conf_trail),
      .sub = trail_keys,
      .check = trail_check,
      .help = "trails, in CloudTrail's field names" },
    { .name = "MetricFilters",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, metric_filters),
      .count_off = OFF(struct ot_config, nmetric_filters),
      .elem_size = sizeof(struct ot_conf_metric_filter),
      .sub = filter_keys,
      .check = filter_check,
      .help = "metric filters, in CloudWatch Logs' field names" },
    { .name = "Alarms",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, alarms),
      .count_off = OFF(struct ot_config, nalarms),
      .elem_size = sizeof(struct ot_conf_alarm),
      .sub = alarm_keys,
      .check = alarm_check,
      .help = "alarms, in CloudWatch's field names" },
    { .name = "Notifiers",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, notifiers),
      .count_off = OFF(struct ot_config, nnotifiers),
      .elem_size = sizeof(struct ot_conf_notifier),
      .sub = notifier_keys,
      .check = notifier_check,
      .help = "where alarm changes go" },
    { .name = "LifecycleRules",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, lifecycle_rules),
      .count_off = OFF(struct ot_config, nlifecycle_rules),
      .elem_size = sizeof(struct ot_conf_lc_rule),
      .sub = lc_keys,
      .check = lc_check,
      .help = "archive tier, expiry and retention lock by key prefix (docs/lifecycle.md)" },
    { .name = "EncryptAtRest",
      .type = CFK_BOOL,
      .off = OFF(struct ot_config, encrypt_at_rest),
      .def = "false",
      .help = "local backend: encrypt every new object with a per-object key wrapped by the "
              "current key-encryption key in <data dir>/keys (docs/encryption.md)" },
    { .name = "Storage",
      .type = CFK_SECTION,
      .off = OFF(struct ot_config, storage),
      .sub = storage_keys,
      .check = storage_check,
      .help = "where trails' buckets are: local disk or an S3-compatible store (docs/serve.md)" },
    { .name = "ResponseActions",
      .type = CFK_ARRAY,
      .off = OFF(struct ot_config, response_actions),
      .count_off = OFF(struct ot_config, nresponse_actions),
      .elem_size = sizeof(struct ot_conf_response_action),
      .sub = response_action_keys,
      .check = action_check,
      .help = "programs an alarm runs once per change to ALARM (off unless named)" },
    { .name = NULL },
};

/* Is @act a notifier (or `log`), or, when @actions, a response action? */
static bool action_known(const struct ot_config *c, const char *act, bool actions)
{
    bool found = strcmp(act, "log") == 0;
    for (uint32_t n = 0; n < c->nnotifiers && !found; n++) {
        found = strcmp(c->notifiers[n].name, act) == 0;
    }
    for (uint32_t n = 0; actions && n < c->nresponse_actions && !found; n++) {
        found = strcmp(c->response_actions[n].name, act) == 0;
    }
    return found;
}

static ot_status unknown_action(struct cfg_walk *w, const char *where, const char *act,
                                unsigned line, unsigned col)
{
    (void)ot_conf_fail(w, 0, OT_E_USAGE,
                       "add a Notifiers (or ResponseActions) entry with that Name, or use log",
                       "%s: no notifier or action named \"%.60s\"", where, act);
    if (w->err != NULL) {
        w->err->line = line;
        w->err->col = col;
    }
    return OT_E_USAGE;
}

ot_status ot_conf_check_all(struct cfg_walk *w)
{
    const struct ot_config *c = w->cfg;
    char where[64];
    for (uint32_t i = 0; i < c->nalarms; i++) {
        const struct ot_conf_alarm *a = &c->alarms[i];
        for (uint32_t k = 0; k < a->alarm_actions.n; k++) {
            if (!action_known(c, a->alarm_actions.v[k], true)) {
                (void)snprintf(where, sizeof(where), "Alarms[%u].AlarmActions", i);
                return unknown_action(w, where, a->alarm_actions.v[k], a->line, a->col);
            }
        }
        for (uint32_t k = 0; k < a->ok_actions.n; k++) {
            if (!action_known(c, a->ok_actions.v[k], false)) {
                (void)snprintf(where, sizeof(where), "Alarms[%u].OKActions", i);
                return unknown_action(w, where, a->ok_actions.v[k], a->line, a->col);
            }
        }
    }
    for (uint32_t i = 0; i < c->nresponse_actions; i++) {
        if (action_known(c, c->response_actions[i].name, false)) {
            (void)snprintf(where, sizeof(where), "ResponseActions[%u]", i);
            return ot_conf_fail(w, 0, OT_E_USAGE, "give the action a Name no notifier has",
                                "%s: %s is a notifier's Name too", where,
                                c->response_actions[i].name);
        }
    }
    for (uint32_t k = 0; k < c->cis_alarm_actions.n; k++) {
        if (!action_known(c, c->cis_alarm_actions.v[k], true)) {
            return unknown_action(w, "CisAlarmActions", c->cis_alarm_actions.v[k], 0, 0);
        }
    }
    return OT_OK;
}
