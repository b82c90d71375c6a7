/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/config_show.c - the key tables as output: the effective config
 * (`opentrail config show`, secrets <redacted>), docs/config.md, and the
 * commented default opentrail.yaml written on first start.
 *
 * Stage: capture. Output only; nothing here reads input.
 */
#include <stdio.h>
#include <string.h>

#include "capture/config_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/private.h"

#define AT(obj, off, T) ((const T *)(const void *)((const char *)(obj) + (off)))

static ot_status indent(struct ot_buf *b, unsigned n)
{
    ot_status st = OT_OK;
    for (unsigned i = 0; i < n && st == OT_OK; i++) {
        st = ot_buf_putc(b, ' ');
    }
    return st;
}

static ot_status emit_map(struct ot_buf *b, const struct ot_conf_key *keys, const void *obj,
                          unsigned ind, bool in_list);

static ot_status emit_scalar(struct ot_buf *b, const struct ot_conf_key *k, const void *obj)
{
    switch (k->type) {
    case CFK_STR:
        return ot_buf_json_str(b, ot_sv_cstr(*AT(obj, k->off, char *)));
    case CFK_SECRET:
        return ot_buf_append_cstr(b, "\"<redacted>\"");
    case CFK_BOOL:
        return ot_buf_append_cstr(b, *AT(obj, k->off, bool) ? "true" : "false");
    case CFK_U64:
    case CFK_SIZE:
        return ot_buf_printf(b, "%llu", (unsigned long long)*AT(obj, k->off, uint64_t));
    case CFK_DOUBLE:
        return ot_buf_printf(b, "%.17g", *AT(obj, k->off, double));
    case CFK_ENUM:
        return ot_buf_append_cstr(b, k->choices[*AT(obj, k->off, int)]);
    case CFK_STRS: {
        const struct ot_conf_strs *l = AT(obj, k->off, struct ot_conf_strs);
        ot_status st = ot_buf_putc(b, '[');
        for (uint32_t i = 0; i < l->n && st == OT_OK; i++) {
            st = i ? ot_buf_append_cstr(b, ", ") : OT_OK;
            st = st == OT_OK ? ot_buf_json_str(b, ot_sv_cstr(l->v[i])) : st;
        }
        return st == OT_OK ? ot_buf_putc(b, ']') : st;
    }
    case CFK_MAP: {
        const struct ot_conf_map *m = AT(obj, k->off, struct ot_conf_map);
        ot_status st = ot_buf_putc(b, '{');
        for (uint32_t i = 0; i < m->n && st == OT_OK; i++) {
            st = i ? ot_buf_append_cstr(b, ", ") : OT_OK;
            st = st == OT_OK ? ot_buf_json_str(b, ot_sv_cstr(m->k[i])) : st;
            st = st == OT_OK ? ot_buf_append_cstr(b, ": ") : st;
            st = st == OT_OK ? ot_buf_json_str(b, ot_sv_cstr(m->v[i])) : st;
        }
        return st == OT_OK ? ot_buf_putc(b, '}') : st;
    }
    case CFK_SECTION:
    case CFK_ARRAY:
    case CFK_NODE:
        break;
    }
    return OT_OK;
}

/* Is @k set in @obj (unset optional strings and numbers are left out)? */
static bool is_set(const struct ot_conf_key *k, const void *obj)
{
    if (k->type == CFK_STR || k->type == CFK_SECRET) {
        return *AT(obj, k->off, char *) != NULL;
    }
    if (k->has_off != 0) {
        return *AT(obj, k->has_off - 1, bool);
    }
    if (k->type == CFK_U64 && k->def == NULL) {
        return *AT(obj, k->off, uint64_t) != 0; /* DatapointsToAlarm: 0 means N */
    }
    return true;
}

static ot_status emit_key(struct ot_buf *b, const struct ot_conf_key *k, const void *obj,
                          unsigned ind)
{
    ot_status st = ot_buf_printf(b, "%s:", k->name);
    if (st != OT_OK) {
        return st;
    }
    if (k->type == CFK_SECTION) {
        st = ot_buf_putc(b, '\n');
        return st == OT_OK ? emit_map(b, k->sub, AT(obj, k->off, char), ind + 2, false) : st;
    }
    if (k->type == CFK_ARRAY) {
        const char *arr = *AT(obj, k->off, char *);
        uint32_t n = *AT(obj, k->count_off, uint32_t);
        if (n == 0) {
            return ot_buf_append_cstr(b, " []\n");
        }
        st = ot_buf_putc(b, '\n');
        for (uint32_t i = 0; i < n && st == OT_OK; i++) {
            st = indent(b, ind + 2);
            st = st == OT_OK ? ot_buf_append_cstr(b, "- ") : st;
            st = st == OT_OK ? emit_map(b, k->sub, arr + (size_t)i * k->elem_size, ind + 4, true)
                             : st;
        }
        return st;
    }
    st = ot_buf_putc(b, ' ');
    st = st == OT_OK ? emit_scalar(b, k, obj) : st;
    return st == OT_OK ? ot_buf_putc(b, '\n') : st;
}

/* A trail's selectors, where its EventSelectors key stands: what it keeps. */
static ot_status emit_selectors(struct ot_buf *b, const struct ot_conf_trail *t)
{
    struct ot_buf j = OT_BUF_INIT(OT_SELECT_MAX_FILE_BYTES * 4);
    ot_status st = ot_selectors_json(t->selectors, &j);
    if (st == OT_OK && j.len >= 2) {
        st = ot_buf_append(b, j.data + 1, j.len - 2); /* "EventSelectors":[...] */
        st = st == OT_OK ? ot_buf_putc(b, '\n') : st;
    }
    ot_buf_cleanup(&j);
    return st;
}

static ot_status emit_map(struct ot_buf *b, const struct ot_conf_key *keys, const void *obj,
                          unsigned ind, bool in_list)
{
    ot_status st = OT_OK;
    bool first = true;
    for (const struct ot_conf_key *k = keys; k->name != NULL && st == OT_OK; k++) {
        bool sel = k->type == CFK_NODE && strcmp(k->name, "EventSelectors") == 0;
        if ((k->type == CFK_NODE && !sel) || (k->type != CFK_NODE && !is_set(k, obj)) ||
            strcmp(k->name, "EnableLogFileValidation") == 0) {
            continue; /* the alias: LogFileValidationEnabled holds the value */
        }
        if (!(first && in_list)) {
            st = indent(b, ind);
        }
        first = false;
        if (st == OT_OK) {
            st = sel ? emit_selectors(b, obj) : emit_key(b, k, obj, ind);
        }
    }
    return st;
}

ot_status ot_config_show(const struct ot_config *c, struct ot_buf *out)
{
    ot_status st = ot_buf_append_cstr(out, "# the effective configuration: defaults filled in, "
                                           "secrets redacted\n");
    return st == OT_OK ? emit_map(out, ot_conf_root_keys, c, 0, false) : st;
}

/* ---- docs/config.md ------------------------------------------------------- */

static const char *doc_type(const struct ot_conf_key *k)
{
    switch (k->type) {
    case CFK_STR:
        return "string";
    case CFK_SECRET:
        return "secret";
    case CFK_BOOL:
        return "bool";
    case CFK_U64:
        return "integer";
    case CFK_SIZE:
        return "size";
    case CFK_DOUBLE:
        return "number";
    case CFK_ENUM:
        return "enum";
    case CFK_STRS:
        return "list";
    case CFK_MAP:
        return "mapping";
    case CFK_SECTION:
        return "section";
    case CFK_ARRAY:
        return "list of mappings";
    case CFK_NODE:
        return "selectors";
    }
    return "";
}

static ot_status doc_table(struct ot_buf *b, const char *title, const struct ot_conf_key *keys)
{
    ot_status st = ot_buf_printf(b,
                                 "\n## %s\n\n| Key | Type | Default | Description |\n"
                                 "|---|---|---|---|\n",
                                 title);
    for (const struct ot_conf_key *k = keys; k->name != NULL && st == OT_OK; k++) {
        char range[64] = "";
        if ((k->type == CFK_U64 || k->type == CFK_SIZE) && k->max != 0) {
            (void)snprintf(range, sizeof(range), " (%llu-%llu)", (unsigned long long)k->min,
                           (unsigned long long)k->max);
        }
        st = ot_buf_printf(b, "| `%s` | %s | %s%s%s | %s%s |\n", k->name, doc_type(k),
                           k->required      ? "required"
                           : k->def != NULL ? "`"
                                            : "",
                           k->required      ? ""
                           : k->def != NULL ? k->def
                                            : "-",
                           !k->required && k->def != NULL ? "`" : "", k->help, range);
    }
    for (const struct ot_conf_key *k = keys; k->name != NULL && st == OT_OK; k++) {
        if (k->type == CFK_SECTION || k->type == CFK_ARRAY) {
            char sub[96];
            (void)snprintf(sub, sizeof(sub), "%s%s%s", strcmp(title, "Top level") == 0 ? "" : title,
                           strcmp(title, "Top level") == 0 ? "" : " / ", k->name);
            st = doc_table(b, sub, k->sub);
        }
    }
    return st;
}

ot_status ot_config_doc(struct ot_buf *out)
{
    ot_status st = ot_buf_append_cstr(
        out, "<!-- generated by `opentrail config doc` from src/lib/capture/config_keys.c: "
             "edit the table, not this file -->\n"
             "# opentrail.yaml\n\n"
             "opentrail's configuration, read by `opentrail serve` and checked by\n"
             "`opentrail serve --check-config`. Trails use CloudTrail's field names, metric\n"
             "filters and alarms CloudWatch's, so definitions from AWS documentation paste in.\n"
             "Keys are case-sensitive and unknown keys are errors; every error names the file,\n"
             "line, column and the fix. `Key:` with no value (or `~`) leaves the default.\n"
             "Secrets are never printed: `opentrail config show` writes `<redacted>`.\n\n"
             "Sizes take K, M and G suffixes (powers of 1024). Account ids are 12 digits:\n"
             "quote them (`Account: \"012345678901\"`) so YAML keeps the leading zero.\n"
             "Selectors are described in docs/selectors.md. A list (trails, keys, metric\n"
             "filters, alarms, notifiers, alarm actions) holds at most 1000 entries; the file is\n"
             "at most 4 MB.\n");
    return st == OT_OK ? doc_table(out, "Top level", ot_conf_root_keys) : st;
}

/* ---- the default config ----------------------------------------------------- */

ot_status ot_config_default_text(const char *key_id, const char *secret, struct ot_buf *out)
{
    return ot_buf_printf(
        out,
        "# opentrail.yaml - written by opentrail on first start. Reference: docs/config.md\n"
        "# Check it with: opentrail serve --check-config --config THIS_FILE\n"
        "\n"
        "Listener:\n"
        "  Address: 127.0.0.1      # loopback only; 0.0.0.0 with TLS to serve others\n"
        "  Port: 8080\n"
        "  # TlsCertFile: /etc/opentrail/tls.crt\n"
        "  # TlsKeyFile: /etc/opentrail/tls.key\n"
        "\n"
        "Limits:\n"
        "  MaxBodyBytes: 10M       # larger requests get 413\n"
        "  MaxRecordBytes: 256K    # CloudTrail's own record cap\n"
        "  SpoolMaxBytes: 1G       # past this, ingest answers 503 with Retry-After\n"
        "\n"
        "# Access keys: admin keys do everything, ingest keys only send events for\n"
        "# their Account. The secret below was generated for you and printed once.\n"
        "Keys:\n"
        "  - AccessKeyId: %s\n"
        "    SecretAccessKey: %s\n"
        "    Scope: admin\n"
        "    Description: generated on first start\n"
        "\n"
        "# Trails use CloudTrail's field names (CreateTrail, PutEventSelectors).\n"
        "Trails:\n"
        "  - Name: opentrail\n"
        "    S3BucketName: opentrail-logs   # local backend: <data dir>/buckets/opentrail-logs\n"
        "    HomeRegion: us-east-1\n"
        "    IsMultiRegionTrail: true       # every region\n"
        "    IncludeGlobalServiceEvents: true\n"
        "    LogFileValidationEnabled: true # signed hourly digests (opentrail validate)\n"
        "    # No selectors: all management events, as CloudTrail's default trail.\n"
        "    # EventSelectors:\n"
        "    #   - ReadWriteType: All\n"
        "    #     IncludeManagementEvents: true\n"
        "    #     DataResources:\n"
        "    #       - Type: AWS::S3::Object\n"
        "    #         Values: [\"arn:aws:s3:::my-bucket/\"]\n"
        "\n"
        "# Encrypt log files and digests at rest on the local backend (AES-256-GCM, a\n"
        "# key per object wrapped by <data dir>/keys/kek-*.key: back that folder up).\n"
        "EncryptAtRest: true\n"
        "\n"
        "# The CIS AWS Foundations metric filters and alarms (docs/cis.md) on every trail.\n"
        "CisPack: true\n"
        "\n"
        "# Your own metric filters and alarms, in CloudWatch's field names:\n"
        "MetricFilters: []\n"
        "#  - filterName: console-without-mfa\n"
        "#    filterPattern: '{ $.eventName = \"ConsoleLogin\" && "
        "$.additionalEventData.MFAUsed != \"Yes\" }'\n"
        "#    metricTransformations:\n"
        "#      - {metricName: ConsoleWithoutMFA, metricNamespace: Custom, metricValue: \"1\"}\n"
        "Alarms: []\n"
        "#  - {AlarmName: console-without-mfa, MetricName: ConsoleWithoutMFA, Namespace: Custom,\n"
        "#     Period: 300, EvaluationPeriods: 1, Threshold: 1,\n"
        "#     ComparisonOperator: GreaterThanOrEqualToThreshold, AlarmActions: [log]}\n"
        "Notifiers: []\n",
        key_id, secret);
}

/* @n random characters of @alphabet (64 long: no bias with 6 bits each). */
static bool random_text(char *out, size_t n, const char *alphabet, unsigned mask)
{
    unsigned char r[64];
    if (n > sizeof(r) || RAND_bytes(r, (int)n) != 1) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = alphabet[r[i] & mask];
    }
    out[n] = '\0';
    OPENSSL_cleanse(r, sizeof(r));
    return true;
}

ot_status ot_config_new_key(char id[21], char secret[41])
{
    id[0] = 'O';
    id[1] = 'T';
    id[2] = 'A';
    if (!random_text(id + 3, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 31) ||
        !random_text(secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                     63)) {
        return OT_E_IO;
    }
    return OT_OK;
}
