/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - opentrail.yaml: defaults from the key table, every kind of
 * error with its line and column, secrets never shown, the default config
 * valid, docs/config.md in step with the table, allocation failures.
 */
#include "helpers.h"

static const char good[] =
    "Listener: {Address: 0.0.0.0, Port: 9443, TlsCertFile: c.pem, TlsKeyFile: k.pem}\n" /* 1 */
    "Limits:\n"                                                                         /* 2 */
    "  MaxBodyBytes: 2M\n"                                                              /* 3 */
    "Keys:\n"                                                                           /* 4 */
    "  - AccessKeyId: AKIAEXAMPLEKEY000001\n"                                           /* 5 */
    "    SecretAccessKey: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n"                     /* 6 */
    "    Account: '111122223333'\n"                                                     /* 7 */
    "Trails:\n"                                                                         /* 8 */
    "  - Name: main\n"                                                                  /* 9 */
    "    S3BucketName: audit-logs\n"                                                    /* 10 */
    "    IsMultiRegionTrail: true\n"                                                    /* 11 */
    "    EnableLogFileValidation: true\n"                                               /* 12 */
    "  - Name: eu-only\n"                                                               /* 13 */
    "    S3BucketName: audit-logs\n"                                                    /* 14 */
    "    HomeRegion: eu-west-1\n"                                                       /* 15 */
    "    IncludeGlobalServiceEvents: false\n"                                           /* 16 */
    "    EventSelectors: [{ReadWriteType: WriteOnly}]\n"                                /* 17 */
    "MetricFilters:\n"                                                                  /* 18 */
    "  - filterName: root\n"                                                            /* 19 */
    "    filterPattern: '{ $.userIdentity.type = \"Root\" }'\n"                         /* 20 */
    "    metricTransformations:\n"                                                      /* 21 */
    "      - {metricName: Root, metricNamespace: CIS, metricValue: '1', defaultValue: 0}\n"
    "Alarms:\n"
    "  - AlarmName: root\n"
    "    MetricName: Root\n"
    "    Namespace: CIS\n"
    "    Threshold: 1.5\n"
    "    ComparisonOperator: GreaterThanThreshold\n"
    "    EvaluationPeriods: 3\n"
    "    DatapointsToAlarm: 2\n"
    "    AlarmActions: [sec, log]\n"
    "Notifiers:\n"
    "  - {Name: sec, Type: webhook, Url: 'https://example.com/hook?token=SEKRIT'}\n";

static struct ot_config *parse_ok(const char *text)
{
    struct ot_config *c = NULL;
    struct ot_error err = { 0 };
    if (ot_config_parse(SV(text), "opentrail.yaml", &c, &err) != OT_OK) {
        fail_msg("rejected: %u:%u %s (%s)", err.line, err.col, err.what, err.fix);
    }
    return c;
}

static void test_values_and_defaults(void **state)
{
    (void)state;
    struct ot_config *c = parse_ok(good);
    assert_string_equal(c->listener.address, "0.0.0.0");
    assert_int_equal(c->listener.port, 9443);
    assert_int_equal(c->limits.max_body_bytes, 2u << 20);       /* 2M = 2 * 1024^2 */
    assert_int_equal(c->limits.max_record_bytes, 256u * 1024u); /* the table's 256K */
    assert_int_equal(c->limits.max_batch_records, 10000);
    assert_true(c->cis_pack);
    assert_int_equal(c->nkeys, 1);
    assert_int_equal(c->keys[0].scope, OT_SCOPE_INGEST); /* Scope's default */
    assert_int_equal(c->ntrails, 2);
    const struct ot_conf_trail *t = ot_config_trail(c, "main");
    assert_non_null(t);
    assert_string_equal(t->home_region, "us-east-1");
    assert_true(t->log_file_validation_enabled); /* through CreateTrail's spelling */
    assert_true(t->include_global_service_events);
    assert_int_equal(ot_selectors_kind(t->selectors), OT_SELECT_DEFAULT);
    t = ot_config_trail(c, "eu-only");
    assert_false(t->is_multi_region_trail); /* CreateTrail's default */
    assert_false(t->log_file_validation_enabled);
    assert_int_equal(ot_selectors_kind(t->selectors), OT_SELECT_BASIC);
    struct ot_trail_scope sc;
    ot_config_trail_scope(t, &sc);
    assert_string_equal(sc.home_region, "eu-west-1");
    assert_false(sc.include_global);
    assert_null(ot_config_trail(c, "nope"));
    assert_int_equal(c->nmetric_filters, 1);
    assert_non_null(c->metric_filters[0].compiled);
    assert_true(c->metric_filters[0].transformations[0].has_default_value);
    assert_int_equal(c->nalarms, 1);
    assert_true(c->alarms[0].def.threshold == 1.5);
    assert_int_equal(c->alarms[0].def.cmp, OT_CMP_GT);
    assert_int_equal(c->alarms[0].def.evaluation_periods, 3);
    assert_int_equal(c->alarms[0].def.datapoints_to_alarm, 2);
    assert_int_equal(c->alarms[0].def.period_s, 300); /* PutMetricAlarm has no default; ours */
    assert_int_equal(c->alarms[0].def.stat, OT_STAT_SUM);
    ot_config_free(c);
}

static void test_show_redacts(void **state)
{
    (void)state;
    struct ot_config *c = parse_ok(good);
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    assert_int_equal(ot_config_show(c, &b), OT_OK);
    assert_null(strstr(b.data, "wJalrXUtnFEMI"));
    assert_null(strstr(b.data, "SEKRIT"));
    assert_non_null(strstr(b.data, "SecretAccessKey: \"<redacted>\""));
    assert_non_null(strstr(b.data, "Url: \"<redacted>\""));
    assert_non_null(strstr(b.data, "\"EventSelectors\":[{\"ReadWriteType\":\"WriteOnly\""));
    assert_non_null(strstr(b.data, "Threshold: 1.5"));
    ot_buf_cleanup(&b);
    ot_config_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        unsigned line, col;
        const char *what, *fix;
    } rows[] = {
        { "Trail: []\n", 1, 1, "unknown key \"Trail\"", "did you mean Trails?" },
        { "trails: []\n", 1, 1, "unknown key \"trails\"", "did you mean Trails?" },
        { "Bogus: 1\n", 1, 1, "unknown key \"Bogus\"", "the keys here are: Listener" },
        { "Listener:\n  Port: 70000\n", 2, 9, "Listener.Port", "from 1 to 65535" },
        { "Listener:\n  Port: eighty\n", 2, 9, "out of range", "whole number" },
        { "Listener: {TlsCertFile: a.pem}\n", 1, 11, "TLS needs", "both" },
        { "Limits: {MaxBodyBytes: 5G}\n", 1, 24, "MaxBodyBytes", "K, M, G" },
        { "CisPack: yes\n", 1, 10, "true or false", "write true or false" },
        { "Trails:\n  - S3BucketName: b12\n", 2, 5, "Trails[0].Name is required", "add Name:" },
        { "Trails:\n  - {Name: ab, S3BucketName: b12}\n", 2, 5, "not a valid trail name",
          "3 to 128" },
        { "Trails:\n  - {Name: main, S3BucketName: Bad_Bucket}\n", 2, 5, "bucket name",
          "lower-case" },
        { "Trails:\n  - {Name: main, S3BucketName: b12}\n  - {Name: main, S3BucketName: b12}\n", 3,
          5, "defined twice", "own Name" },
        { "Trails:\n  - {Name: main, S3BucketName: b12, HomeRegion: mars}\n", 2, 5, "not a region",
          "us-east-1" },
        { "Trails:\n  - {Name: main, S3BucketName: b12, Account: 1234}\n", 2, 5, "12-digit",
          "12 digits" },
        { "Trails:\n  - Name: main\n    S3BucketName: b12\n    IsMultiRegionTrail: true\n"
          "    IncludeGlobalServiceEvents: false\n",
          2, 5, "must include global service events", "IncludeGlobalServiceEvents: true" },
        { "Trails:\n  - {Name: main, S3BucketName: b12, IsOrganizationTrail: true}\n", 2, 5,
          "OrganizationId", "o-" },
        { "Trails:\n  - Name: main\n    S3BucketName: b12\n    EventSelectors:\n"
          "      - ReadWriteType: Both\n",
          /* "      - ReadWriteType: " is 23 characters: the value starts at column 24 */
          5, 24, "Trails[0]: EventSelectors[0].ReadWriteType", "ReadOnly, WriteOnly or All" },
        /* "  - {Name: main, S3BucketName: b12, " is 36 characters: the key is at column 37;
         * IsMultiRegion is 5 edits from IsMultiRegionTrail, too far to suggest */
        { "Trails:\n  - {Name: main, S3BucketName: b12, IsMultiRegion: true}\n", 2, 37,
          "unknown key \"IsMultiRegion\"", "the keys here are" },
        { "Keys:\n  - {AccessKeyId: short, SecretAccessKey: 0123456789abcdef}\n", 2, 5,
          "not a valid access key id", "16 to 128" },
        { "Keys:\n  - {AccessKeyId: AKIAEXAMPLEKEY000001, SecretAccessKey: tooshort}\n", 2, 5,
          "16 to 128 characters", "random secret" },
        { "Keys:\n  - {AccessKeyId: AKIAEXAMPLEKEY000001, SecretAccessKey: 0123456789abcdef}\n", 2,
          5, "ingest key needs", "Account" },
        { "Keys:\n  - {AccessKeyId: AKIAEXAMPLEKEY000001, SecretAccessKey: 0123456789abcdef, "
          "Scope: root}\n",
          /* 5 + 35 + 35 + "Scope: " (7) = 82 characters before the value */
          2, 83, "not a valid Scope", "ingest admin" },
        { "MetricFilters:\n  - filterName: x\n", 2, 5, "metricTransformations is required",
          "add metricTransformations" },
        { "MetricFilters:\n  - filterName: x\n    filterPattern: '{ $.a = '\n"
          "    metricTransformations: [{metricName: m, metricNamespace: n, metricValue: '1'}]\n",
          /* the pattern's own column 9 (its end), moved onto the file: the quote is at column
           * 20, so the pattern starts at 21 and column 9 of it is column 29 */
          3, 29, "MetricFilters[0]: invalid filter pattern", "" },
        { "Alarms:\n  - {AlarmName: a, MetricName: m, Namespace: n, Threshold: 1, "
          "ComparisonOperator: Bigger}\n",
          /* 5 + 14 + 15 + 14 + 14 + "ComparisonOperator: " (20) = 82 characters before it */
          2, 83, "not a valid ComparisonOperator", "GreaterThanThreshold" },
        { "Alarms:\n  - {AlarmName: a, MetricName: m, Namespace: n, Threshold: 1, "
          "ComparisonOperator: LessThanThreshold, EvaluationPeriods: 2, DatapointsToAlarm: 3}\n",
          /* named first: DatapointsToAlarm, whose value follows 62 + 39 + 22 + 19 = 142 characters
           */
          2, 143, "Alarms[0]: DatapointsToAlarm", "" },
        /* ot_alarm_check names Period: the error points at its value, after
         * 5 + 14 + 15 + 14 + 14 + 39 + "Period: " (8) = 109 characters */
        { "Alarms:\n  - {AlarmName: a, MetricName: m, Namespace: n, Threshold: 1, "
          "ComparisonOperator: LessThanThreshold, Period: 45}\n",
          2, 110, "Alarms[0]: Period 45 is not valid", "multiple of 60" },
        { "Listener: [1]\n", 1, 11, "must be a mapping", "mapping" },
        { "Listener:\n  Port: 1\n  Port: 2\n", 0, 0, "", "" }, /* libfyaml: duplicate key */
        /* libfyaml marks an alias at its name, just after the '*' at column 9 */
        { "Trails: &a []\nAlarms: *a\n", 2, 10, "aliases are not supported in configs", "alias" },
        /* libfyaml 0.7.12 crashed formatting its error on such input (fuzz_config) */
        { "Trails: []\x1d\n", 1, 11, "control character 0x1d", "remove the control" },
        { "", 0, 0, "empty", "config init" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct ot_config *c = NULL;
        struct ot_error err = { 0 };
        ot_status st = ot_config_parse(SV(rows[i].yaml), "x.yaml", &c, &err);
        bool ok = st != OT_OK && c == NULL && strstr(err.what, rows[i].what) != NULL &&
                  strstr(err.fix, rows[i].fix) != NULL && strcmp(err.where, "x.yaml") == 0;
        if (rows[i].line != 0) {
            ok = ok && err.line == rows[i].line && err.col == rows[i].col;
        }
        if (!ok) {
            fail_msg("row %zu: st %d at %u:%u what \"%s\" fix \"%s\" where \"%s\"", i, st, err.line,
                     err.col, err.what, err.fix, err.where);
        }
    }
}

/* The secret never reaches an error message. */
static void test_secret_not_in_errors(void **state)
{
    (void)state;
    static const char *bad[] = {
        "Keys:\n  - {AccessKeyId: AKIAEXAMPLEKEY000001, SecretAccessKey: SEKRITSEKRIT}\n",
        "Notifiers:\n  - {Name: n, Type: smtp, Url: 'https://SEKRITSEKRIT'}\n",
    };
    for (size_t i = 0; i < 2; i++) {
        struct ot_config *c = NULL;
        struct ot_error err = { 0 };
        char line[1024];
        assert_int_not_equal(ot_config_parse(SV(bad[i]), "x", &c, &err), OT_OK);
        ot_error_format(&err, line, sizeof(line));
        assert_null(strstr(line, "SEKRIT"));
    }
}

static void test_default_config(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    assert_int_equal(ot_config_default_text("OTAEXAMPLEEXAMPLE123",
                                            "0123456789abcdef0123456789abcdef01234567", &b),
                     OT_OK);
    struct ot_config *c = parse_ok(b.data);
    /* the issue: one multi-region trail, validation on, the CIS pack on, an admin key */
    assert_int_equal(c->ntrails, 1);
    assert_true(c->trails[0].is_multi_region_trail);
    assert_true(c->trails[0].log_file_validation_enabled);
    assert_int_equal(ot_selectors_kind(c->trails[0].selectors), OT_SELECT_DEFAULT);
    assert_true(c->cis_pack);
    assert_int_equal(c->nkeys, 1);
    assert_int_equal(c->keys[0].scope, OT_SCOPE_ADMIN);
    assert_string_equal(c->listener.address, "127.0.0.1");
    assert_int_equal(c->listener.port, 8080);
    ot_config_free(c);
    ot_buf_cleanup(&b);
}

/* docs/config.md is what the table generates (run `opentrail config doc`). */
static void test_doc_in_step(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    char file[65536];
    FILE *f = fopen("docs/config.md", "rb");
    assert_non_null(f);
    size_t n = fread(file, 1, sizeof(file) - 1, f);
    assert_int_equal(fclose(f), 0);
    file[n] = '\0';
    assert_int_equal(ot_config_doc(&b), OT_OK);
    assert_true(n >= b.len);
    if (memcmp(file, b.data, b.len) != 0) {
        fail_msg("docs/config.md does not start with `opentrail config doc`'s output: "
                 "regenerate it");
    }
    assert_non_null(strstr(b.data, "| `S3BucketName` | string | required |"));
    assert_non_null(strstr(b.data, "| `Port` | integer | `8080` |"));
    ot_buf_cleanup(&b);
}

/* A list longer than OT_CONFIG_MAX_ITEMS is refused before any work per entry. */
static void test_item_cap(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    struct ot_config *c = NULL;
    struct ot_error err = { 0 };
    assert_int_equal(ot_buf_append_cstr(&b, "Trails:\n"), OT_OK);
    for (unsigned i = 0; i <= OT_CONFIG_MAX_ITEMS; i++) {
        assert_int_equal(ot_buf_printf(&b, "  - {Name: t%u, S3BucketName: b12}\n", i + 100), OT_OK);
    }
    assert_int_equal(ot_config_parse(ot_buf_sv(&b), "x", &c, &err), OT_E_LIMIT);
    assert_non_null(strstr(err.what, "more than 1000 entries"));
    assert_int_equal(err.line, 2); /* the list starts on line 2 */
    ot_buf_cleanup(&b);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    if (!ot_alloc_fail_after(0)) {
        skip();
    }
    for (unsigned long n = 1;; n++) {
        struct ot_config *c = NULL;
        struct ot_error err = { 0 };
        assert_true(ot_alloc_fail_after(n));
        ot_status st = ot_config_parse(SV(good), "x", &c, &err);
        assert_true(ot_alloc_fail_after(0));
        if (st == OT_OK) {
            ot_config_free(c);
            break;
        }
        assert_int_equal(st, OT_E_NOMEM);
        assert_null(c);
        assert_true(n < 100000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_defaults),
        cmocka_unit_test(test_show_redacts),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_secret_not_in_errors),
        cmocka_unit_test(test_default_config),
        cmocka_unit_test(test_doc_in_step),
        cmocka_unit_test(test_item_cap),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
