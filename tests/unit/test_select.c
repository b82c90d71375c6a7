/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_select.c - event selectors (spec section 4): one table per rule of
 * the spec, each row's expectation derived from the rule quoted above it,
 * plus validation errors, trail scope and an allocation-failure loop.
 */
#include "helpers.h"

struct keep_ctx {
    const struct ot_selectors *s;
    const struct ot_trail_scope *scope; /* NULL: selectors only */
    int kept;                           /* -1 until the record is seen */
};

static bool on_rec(void *ctx, const struct ot_record *rec)
{
    struct keep_ctx *k = ctx;
    k->kept = k->scope != NULL ? ot_select_keep(k->s, k->scope, rec) : ot_select_match(k->s, rec);
    return true;
}

/* Evaluate @sel (JSON/YAML) on one record @rec (JSON); 1 kept, 0 dropped, -1 error. */
static int keep(const char *sel, const struct ot_trail_scope *scope, const char *rec)
{
    struct ot_selectors *s = NULL;
    struct ot_error err = { 0 };
    struct ot_reader *r = NULL;
    struct ot_read_result res;
    struct keep_ctx k = { .scope = scope, .kept = -1 };
    if (sel == NULL) {
        assert_int_equal(ot_selectors_default(&s), OT_OK);
    } else if (ot_selectors_parse(SV(sel), "t", &s, &err) != OT_OK) {
        fail_msg("selectors rejected: %s (%s) at %u:%u", err.what, err.fix, err.line, err.col);
    }
    k.s = s;
    assert_int_equal(ot_reader_new(NULL, &r), OT_OK);
    assert_int_equal(
        ot_reader_read_mem(r, rec, strlen(rec), "rec.json", on_rec, NULL, &k, &res, &err), OT_OK);
    ot_reader_free(r);
    ot_selectors_free(s);
    return k.kept;
}

struct row {
    const char *sel; /* NULL: the default trail */
    const char *rec;
    int want;
    const char *why;
};

static void run_rows(const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = keep(rows[i].sel, NULL, rows[i].rec);
        if (got != rows[i].want) {
            fail_msg("row %zu (%s): want %d, got %d", i, rows[i].why, rows[i].want, got);
        }
    }
}

/* Records used below. Management: eventCategory Management, readOnly per name. */
#define MGMT_READ                                                                              \
    "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"DescribeInstances\",\"readOnly\":" \
    "true,\"eventCategory\":\"Management\",\"managementEvent\":true,\"awsRegion\":\"us-east-1\"}"
#define MGMT_WRITE                                                                              \
    "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"readOnly\":false," \
    "\"eventCategory\":\"Management\",\"managementEvent\":true,\"awsRegion\":\"us-east-1\"}"
#define KMS_READ                                                                          \
    "{\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"Decrypt\",\"readOnly\":true," \
    "\"eventCategory\":\"Management\",\"managementEvent\":true,\"awsRegion\":\"us-east-1\"}"
#define S3_GET(arn)                                                                           \
    "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"readOnly\":true,"    \
    "\"eventCategory\":\"Data\",\"managementEvent\":false,\"awsRegion\":\"us-east-1\","       \
    "\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":\"" arn "\"},{\"type\":\"AWS::S3::" \
    "Bucket\",\"ARN\":\"arn:aws:s3:::bucket\"}]}"
#define S3_PUT(arn)                                                                         \
    "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"readOnly\":false," \
    "\"eventCategory\":\"Data\",\"managementEvent\":false,\"awsRegion\":\"us-east-1\","     \
    "\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":\"" arn "\"}]}"
#define LAMBDA(arn)                                                                          \
    "{\"eventSource\":\"lambda.amazonaws.com\",\"eventName\":\"Invoke\",\"readOnly\":false," \
    "\"eventCategory\":\"Data\",\"managementEvent\":false,\"awsRegion\":\"us-east-1\","      \
    "\"resources\":[{\"type\":\"AWS::Lambda::Function\",\"ARN\":\"" arn "\"}]}"
#define VPCE                                                                                     \
    "{\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"Decrypt\",\"eventType\":"            \
    "\"AwsVpceEvent\",\"eventCategory\":\"NetworkActivity\",\"errorCode\":\"VpceAccessDenied\"," \
    "\"vpcEndpointId\":\"vpce-1\",\"awsRegion\":\"us-east-1\"}"

/* Spec 4.1: "Default trail = all management events, no data events." */
static void test_default_trail(void **state)
{
    (void)state;
    const struct row rows[] = {
        { NULL, MGMT_READ, 1, "management read is logged by default" },
        { NULL, MGMT_WRITE, 1, "management write is logged by default" },
        { NULL, KMS_READ, 1, "KMS is a management event, not excluded by default" },
        { NULL, S3_GET("arn:aws:s3:::bucket/a"), 0, "no data events by default" },
        { NULL, VPCE, 0, "no network activity by default" },
        /* no eventCategory: managementEvent false means a data event */
        { NULL, "{\"eventSource\":\"s3.amazonaws.com\",\"managementEvent\":false}", 0,
          "inferred data event" },
        { NULL, "{\"eventSource\":\"iam.amazonaws.com\",\"readOnly\":false}", 1,
          "no category and no managementEvent: a management event (older records)" },
    };
    run_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

/* Spec 4.1: management event logged "if IncludeManagementEvents and its eventSource is
 * not in ExcludeManagementEventSources and ReadWriteType accepts its readOnly flag". */
static void test_basic_management(void **state)
{
    (void)state;
    static const char *ro = "{\"EventSelectors\":[{\"ReadWriteType\":\"ReadOnly\"}]}";
    static const char *wo = "{\"EventSelectors\":[{\"ReadWriteType\":\"WriteOnly\"}]}";
    static const char *none = "{\"EventSelectors\":[{\"IncludeManagementEvents\":false}]}";
    static const char *nokms =
        "{\"EventSelectors\":[{\"ExcludeManagementEventSources\":[\"kms.amazonaws.com\"]}]}";
    const struct row rows[] = {
        { ro, MGMT_READ, 1, "ReadOnly keeps readOnly true" },
        { ro, MGMT_WRITE, 0, "ReadOnly drops readOnly false" },
        { wo, MGMT_READ, 0, "WriteOnly drops readOnly true" },
        { wo, MGMT_WRITE, 1, "WriteOnly keeps readOnly false" },
        { wo, "{\"eventSource\":\"ec2.amazonaws.com\"}", 0, "no readOnly: only All keeps it" },
        { none, MGMT_READ, 0, "IncludeManagementEvents false drops management" },
        { nokms, KMS_READ, 0, "KMS excluded" },
        { nokms, MGMT_READ, 1, "other sources stay" },
        /* defaults: ReadWriteType All, IncludeManagementEvents true */
        { "{\"EventSelectors\":[{}]}", MGMT_WRITE, 1, "an empty selector is all management" },
        /* OR across selectors: WriteOnly or ReadOnly covers both */
        { "{\"EventSelectors\":[{\"ReadWriteType\":\"WriteOnly\"},{\"ReadWriteType\":"
          "\"ReadOnly\"}]}",
          MGMT_READ, 1, "any selector matching logs the event" },
    };
    run_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

/* Spec 4.1 Values: S3 prefix match, trailing slash for a whole bucket; Lambda
 * "arn:aws:lambda" all, a full ARN exactly (not helloworld2 for helloworld). */
static void test_basic_data(void **state)
{
    (void)state;
    static const char *all_s3 =
        "EventSelectors:\n  - IncludeManagementEvents: false\n    DataResources:\n"
        "      - Type: AWS::S3::Object\n        Values: [arn:aws:s3]\n";
    static const char *bucket =
        "EventSelectors:\n  - DataResources:\n      - Type: AWS::S3::Object\n"
        "        Values: ['arn:aws:s3:::bucket/']\n";
    static const char *prefix =
        "EventSelectors:\n  - ReadWriteType: WriteOnly\n    DataResources:\n"
        "      - Type: AWS::S3::Object\n        Values: ['arn:aws:s3:::bucket/images']\n";
    static const char *fn =
        "EventSelectors:\n  - DataResources:\n      - Type: AWS::Lambda::Function\n"
        "        Values: ['arn:aws:lambda:us-east-1:111122223333:function:helloworld']\n";
    static const char *all_fn = "EventSelectors:\n  - DataResources:\n"
                                "      - {Type: AWS::Lambda::Function, Values: [arn:aws:lambda]}\n";
    const struct row rows[] = {
        { all_s3, S3_GET("arn:aws:s3:::other/x"), 1, "arn:aws:s3 logs every bucket" },
        { all_s3, MGMT_READ, 0, "IncludeManagementEvents false: no management" },
        { bucket, S3_GET("arn:aws:s3:::bucket/a/b"), 1, "whole bucket with the slash" },
        { bucket, S3_GET("arn:aws:s3:::bucket2/a"), 0, "the slash keeps bucket2 out" },
        { bucket, MGMT_READ, 1, "management still on by default" },
        { prefix, S3_PUT("arn:aws:s3:::bucket/images/cat.png"), 1, "key prefix, write" },
        { prefix, S3_GET("arn:aws:s3:::bucket/images/cat.png"), 0, "WriteOnly drops GetObject" },
        { prefix, S3_PUT("arn:aws:s3:::bucket/docs/a"), 0, "outside the key prefix" },
        { fn, LAMBDA("arn:aws:lambda:us-east-1:111122223333:function:helloworld"), 1,
          "the function itself" },
        { fn, LAMBDA("arn:aws:lambda:us-east-1:111122223333:function:helloworld2"), 0,
          "a full ARN is exact: not helloworld2" },
        { all_fn, LAMBDA("arn:aws:lambda:eu-west-1:1:function:x"), 1, "arn:aws:lambda is all" },
        { all_fn, S3_GET("arn:aws:s3:::bucket/a"), 0, "the type must equal the resource type" },
    };
    run_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

/* Spec 4.2: OR across selectors, AND across fields; positive operators match any
 * value, negative ones none; exact, case-sensitive; resources: any entry. */
static void test_advanced(void **state)
{
    (void)state;
    static const char *mgmt_write =
        "AdvancedEventSelectors:\n  - Name: writes\n    FieldSelectors:\n"
        "      - {Field: eventCategory, Equals: [Management]}\n"
        "      - {Field: readOnly, Equals: ['false']}\n";
    static const char *s3 = "AdvancedEventSelectors:\n  - FieldSelectors:\n"
                            "      - {Field: eventCategory, Equals: [Data]}\n"
                            "      - {Field: resources.type, Equals: ['AWS::S3::Object']}\n"
                            "      - {Field: resources.ARN, StartsWith: ['arn:aws:s3:::bucket/']}\n"
                            "      - {Field: eventName, NotEquals: [GetObject, HeadObject]}\n";
    static const char *ends = "AdvancedEventSelectors:\n  - FieldSelectors:\n"
                              "      - {Field: eventCategory, Equals: [Data]}\n"
                              "      - {Field: resources.type, Equals: ['AWS::S3::Object']}\n"
                              "      - {Field: resources.ARN, EndsWith: ['.png'], NotStartsWith: "
                              "['arn:aws:s3:::bucket/tmp/']}\n";
    static const char *two =
        "AdvancedEventSelectors:\n"
        "  - FieldSelectors: [{Field: eventCategory, Equals: [Management]},\n"
        "                     {Field: eventSource, NotEquals: [kms.amazonaws.com]}]\n"
        "  - FieldSelectors: [{Field: eventCategory, Equals: [NetworkActivity]},\n"
        "                     {Field: eventSource, Equals: [kms.amazonaws.com]},\n"
        "                     {Field: errorCode, Equals: [VpceAccessDenied]}]\n";
    static const char *star = "AdvancedEventSelectors:\n  - FieldSelectors:\n"
                              "      - {Field: eventCategory, Equals: [Data]}\n"
                              "      - {Field: resources.type, Equals: ['AWS::Lambda::Function']}\n"
                              "      - {Field: eventName, Equals: ['Inv*']}\n";
    static const char *uarn =
        "AdvancedEventSelectors:\n  - FieldSelectors:\n"
        "      - {Field: eventCategory, Equals: [Data]}\n"
        "      - {Field: resources.type, Equals: ['AWS::S3::Object']}\n"
        "      - {Field: userIdentity.arn, NotStartsWith: ['arn:aws:iam::1:role/backup']}\n";
    const struct row rows[] = {
        { mgmt_write, MGMT_WRITE, 1, "both fields hold" },
        { mgmt_write, MGMT_READ, 0, "readOnly true is not Equals false (AND)" },
        { mgmt_write, S3_PUT("arn:aws:s3:::bucket/a"), 0, "category Data is not Management" },
        { s3, S3_PUT("arn:aws:s3:::bucket/a"), 1, "type, prefix and a name not excluded" },
        { s3, S3_GET("arn:aws:s3:::bucket/a"), 0, "NotEquals GetObject drops it" },
        { s3, S3_PUT("arn:aws:s3:::bucket2/a"), 0, "StartsWith keeps bucket2 out" },
        { s3, S3_PUT("arn:aws:s3:::Bucket/a"), 0, "comparisons are case-sensitive" },
        { ends, S3_PUT("arn:aws:s3:::bucket/a.png"), 1, "EndsWith and NotStartsWith both hold" },
        { ends, S3_PUT("arn:aws:s3:::bucket/tmp/a.png"), 0, "NotStartsWith excludes tmp/" },
        { ends, S3_PUT("arn:aws:s3:::bucket/a.jpg"), 0, "EndsWith fails" },
        { two, MGMT_READ, 1, "first selector" },
        { two, KMS_READ, 0, "kms excluded by the first, not network activity for the second" },
        { two, VPCE, 1, "second selector (OR)" },
        { star, LAMBDA("arn:aws:lambda:us-east-1:1:function:f"), 0, "'*' is literal" },
        /* the record has no userIdentity: a negative condition on an absent field holds */
        { uarn, S3_PUT("arn:aws:s3:::bucket/a"), 1, "absent field, negative operator" },
        { uarn,
          "{\"eventCategory\":\"Data\",\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":"
          "\"arn:aws:s3:::b/k\"}],\"userIdentity\":{\"arn\":\"arn:aws:iam::1:role/backup-x\"}}",
          0, "userIdentity.arn starts with the excluded prefix" },
        /* escapes are decoded before comparing: \u0062 is 'b' */
        { s3, S3_PUT("arn:aws:s3:::\\u0062ucket/a"), 1, "escaped record strings decoded" },
    };
    run_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

/* Spec 4.2's basic -> advanced equivalents select the same records. */
static void test_equivalents(void **state)
{
    (void)state;
    static const char *basic =
        "{\"EventSelectors\":[{\"ReadWriteType\":\"WriteOnly\",\"ExcludeManagementEventSources\":"
        "[\"kms.amazonaws.com\"]}]}";
    static const char *adv =
        "{\"AdvancedEventSelectors\":[{\"Name\":\"Management\",\"FieldSelectors\":["
        "{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]},"
        "{\"Field\":\"eventSource\",\"NotEquals\":[\"kms.amazonaws.com\"]},"
        "{\"Field\":\"readOnly\",\"Equals\":[\"false\"]}]}]}";
    static const char *recs[] = {
        MGMT_READ,
        MGMT_WRITE,
        KMS_READ,
        "{\"eventSource\":\"kms.amazonaws.com\",\"readOnly\":false,\"eventCategory\":"
        "\"Management\"}",
        S3_PUT("arn:aws:s3:::bucket/a"),
    };
    static const int want[] = { 0, 1, 0, 0, 0 }; /* only the non-KMS write */
    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
        assert_int_equal(keep(basic, NULL, recs[i]), want[i]);
        assert_int_equal(keep(adv, NULL, recs[i]), want[i]);
    }
}

/* Trail scope: multi-region takes every region; single-region its home region
 * plus global service events when IncludeGlobalServiceEvents; non-organization
 * trails only their account. */
static void test_scope(void **state)
{
    (void)state;
    const struct ot_trail_scope multi = { .home_region = "eu-west-1",
                                          .is_multi_region = true,
                                          .include_global = true };
    const struct ot_trail_scope single = { .home_region = "eu-west-1" };
    const struct ot_trail_scope single_g = { .home_region = "eu-west-1", .include_global = true };
    const struct ot_trail_scope acct = { .home_region = "eu-west-1",
                                         .is_multi_region = true,
                                         .account_id = "111122223333" };
    const struct ot_trail_scope org = { .home_region = "eu-west-1",
                                        .is_multi_region = true,
                                        .account_id = "111122223333",
                                        .is_organization = true };
#define REC(src, region, account)                                                                 \
    "{\"eventSource\":\"" src "\",\"awsRegion\":\"" region "\",\"recipientAccountId\":\"" account \
    "\",\"eventCategory\":\"Management\"}"
    assert_int_equal(keep(NULL, &multi, REC("ec2.amazonaws.com", "ap-south-1", "1")), 1);
    assert_int_equal(keep(NULL, &single, REC("ec2.amazonaws.com", "eu-west-1", "1")), 1);
    assert_int_equal(keep(NULL, &single, REC("ec2.amazonaws.com", "us-east-1", "1")), 0);
    assert_int_equal(keep(NULL, &single, REC("iam.amazonaws.com", "us-east-1", "1")), 0);
    assert_int_equal(keep(NULL, &single_g, REC("iam.amazonaws.com", "us-east-1", "1")), 1);
    assert_int_equal(keep(NULL, &single_g, REC("sts.amazonaws.com", "us-east-1", "1")), 1);
    /* STS through a regional endpoint is regional */
    assert_int_equal(keep(NULL, &single_g, REC("sts.amazonaws.com", "ap-south-1", "1")), 0);
    assert_int_equal(keep(NULL, &acct, REC("ec2.amazonaws.com", "eu-west-1", "111122223333")), 1);
    assert_int_equal(keep(NULL, &acct, REC("ec2.amazonaws.com", "eu-west-1", "444455556666")), 0);
    assert_int_equal(keep(NULL, &org, REC("ec2.amazonaws.com", "eu-west-1", "444455556666")), 1);
#undef REC
}

/* Validation as PutEventSelectors does it: the status, the words, and the line. */
static void test_validation(void **state)
{
    (void)state;
    static const struct {
        const char *sel;
        ot_status st;
        unsigned line;
        const char *what;
    } rows[] = {
        { "EventSelectors: [{ReadWriteType: Sometimes}]\n", OT_E_USAGE, 1, "ReadOnly, WriteOnly" },
        { "EventSelectors: []\n", OT_E_USAGE, 1, "non-empty" },
        { "EventSelectors: [{}, {}, {}, {}, {}, {}]\n", OT_E_LIMIT, 1, "more than 5" },
        { "EventSelectors: [{}]\nAdvancedEventSelectors: [{}]\n", OT_E_USAGE, 2, "never both" },
        { "EventSelectors:\n  - Foo: 1\n", OT_E_USAGE, 2, "unknown key \"Foo\"" },
        { "EventSelectors:\n  - ExcludeManagementEventSources: [s3.amazonaws.com]\n", OT_E_USAGE, 2,
          "cannot be excluded" },
        { "EventSelectors:\n  - DataResources:\n      - Type: AWS::S3::Object\n"
          "        Values: ['arn:aws:s3:::bucket']\n",
          OT_E_USAGE, 4, "not a valid AWS::S3::Object" },
        { "EventSelectors:\n  - DataResources:\n      - Type: AWS::SNS::Topic\n"
          "        Values: [arn:aws:sns]\n",
          OT_E_USAGE, 3, "unknown data resource Type" },
        { "EventSelectors:\n  - DataResources:\n      - Type: AWS::Lambda::Function\n"
          "        Values: []\n",
          OT_E_USAGE, 4, "non-empty list" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n      - {Field: readOnly, Equals: "
          "['true']}\n",
          OT_E_USAGE, 2, "eventCategory is required" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n      - {Field: eventCategory, "
          "Equals: [Data]}\n",
          OT_E_USAGE, 2, "require resources.type" },
        { "AdvancedEventSelectors:\n  - Name: x\n    FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [Management]}\n"
          "      - {Field: eventName, Equals: [RunInstances]}\n",
          OT_E_USAGE, 5, "[0] \"x\": field eventName is not allowed for Management" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, StartsWith: [Man]}\n",
          OT_E_USAGE, 3, "takes only Equals" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [Management]}\n"
          "      - {Field: readOnly, Equals: ['yes']}\n",
          OT_E_USAGE, 4, "\"true\" or \"false\"" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [Management]}\n"
          "      - {Field: eventSource, NotEquals: [ec2.amazonaws.com]}\n",
          OT_E_USAGE, 4, "only NotEquals" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [Data]}\n"
          "      - {Field: resources.type, Equals: ['AWS::S3::Object']}\n"
          "      - {Field: resources.ARN, Equals: ['bucket/key']}\n",
          OT_E_USAGE, 5, "not a valid ARN" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [NetworkActivity]}\n",
          OT_E_USAGE, 2, "require eventSource" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: 'event name', Equals: [x]}\n",
          OT_E_USAGE, 3, "Field is required" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: [Management]}\n"
          "      - {Field: eventCategory, Equals: [Management]}\n",
          OT_E_USAGE, 4, "appears twice" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n"
          "      - {Field: eventCategory, Equals: ['']}\n",
          OT_E_USAGE, 3, "1 to 2048" },
        { "AdvancedEventSelectors:\n  - FieldSelectors:\n      - {Field: eventName}\n", OT_E_USAGE,
          3, "no condition" },
        { "Trails: []\n", OT_E_USAGE, 1, "unknown key \"Trails\"" },
        /* libfyaml's event parser lets a key repeat: refused here (found by fuzz_selectors) */
        { "AdvancedEventSelectors:\n  - Name: a\n    Name: b\n", OT_E_USAGE, 3,
          "key \"Name\" appears twice" },
        { "EventSelectors:\n  - DataResources: []\n    DataResources: []\n", OT_E_USAGE, 3,
          "key \"DataResources\" appears twice" },
        { "EventSelectors: [\n", OT_E_PARSE, 2, "invalid YAML" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct ot_selectors *s = NULL;
        struct ot_error err = { 0 };
        ot_status st = ot_selectors_parse(SV(rows[i].sel), "sel.yaml", &s, &err);
        if (st != rows[i].st || err.line != rows[i].line ||
            strstr(err.what, rows[i].what) == NULL || strcmp(err.where, "sel.yaml") != 0 ||
            (st != OT_E_LIMIT && err.fix[0] == '\0')) {
            fail_msg("row %zu: status %d line %u what \"%s\" where \"%s\" fix \"%s\"", i, st,
                     err.line, err.what, err.where, err.fix);
        }
        assert_null(s);
    }
}

/* 250 DataResources values, "all" forms not counted; 500 advanced values. */
static void test_limits(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    struct ot_selectors *s = NULL;
    struct ot_error err = { 0 };
    assert_int_equal(ot_buf_append_cstr(&b, "EventSelectors:\n  - DataResources:\n"
                                            "      - Type: AWS::S3::Object\n        Values:\n"
                                            "          - arn:aws:s3\n"),
                     OT_OK);
    for (int i = 0; i < 250; i++) {
        assert_int_equal(ot_buf_printf(&b, "          - 'arn:aws:s3:::b%d/'\n", i), OT_OK);
    }
    assert_int_equal(ot_selectors_parse(ot_buf_sv(&b), "x", &s, &err), OT_OK); /* 250 + all */
    ot_selectors_free(s);
    s = NULL;
    assert_int_equal(ot_buf_append_cstr(&b, "          - 'arn:aws:s3:::last/'\n"), OT_OK);
    assert_int_equal(ot_selectors_parse(ot_buf_sv(&b), "x", &s, &err), OT_E_LIMIT);
    assert_non_null(strstr(err.what, "250"));
    ot_buf_reset(&b);
    assert_int_equal(ot_buf_append_cstr(&b, "AdvancedEventSelectors:\n  - FieldSelectors:\n"
                                            "      - {Field: eventCategory, Equals: [Data]}\n"
                                            "      - {Field: resources.type, Equals: "
                                            "['AWS::S3::Object']}\n"
                                            "      - Field: eventName\n        Equals:\n"),
                     OT_OK);
    for (int i = 0; i < 498; i++) { /* 2 + 498 = 500 values */
        assert_int_equal(ot_buf_printf(&b, "          - n%d\n", i), OT_OK);
    }
    assert_int_equal(ot_selectors_parse(ot_buf_sv(&b), "x", &s, &err), OT_OK);
    ot_selectors_free(s);
    s = NULL;
    assert_int_equal(ot_buf_append_cstr(&b, "          - one-more\n"), OT_OK);
    assert_int_equal(ot_selectors_parse(ot_buf_sv(&b), "x", &s, &err), OT_E_LIMIT);
    assert_non_null(strstr(err.what, "500"));
    /* more field selectors than fields exist (OT_SELECT_MAX_FIELDS) */
    ot_buf_reset(&b);
    assert_int_equal(ot_buf_append_cstr(&b, "AdvancedEventSelectors:\n  - FieldSelectors:\n"),
                     OT_OK);
    for (unsigned i = 0; i <= OT_SELECT_MAX_FIELDS; i++) {
        assert_int_equal(ot_buf_printf(&b, "      - {Field: f%u, Equals: [x]}\n", i), OT_OK);
    }
    assert_int_equal(ot_selectors_parse(ot_buf_sv(&b), "x", &s, &err), OT_E_LIMIT);
    assert_non_null(strstr(err.what, "more than 20 field selectors"));
    ot_buf_cleanup(&b);
}

/* Fail allocation 1, 2, ... until parsing succeeds: OT_E_NOMEM each time, no leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const char *sel =
        "AdvancedEventSelectors:\n  - Name: s3\n    FieldSelectors:\n"
        "      - {Field: eventCategory, Equals: [Data]}\n"
        "      - {Field: resources.type, Equals: ['AWS::S3::Object']}\n"
        "      - {Field: resources.ARN, StartsWith: ['arn:aws:s3:::b/'], NotEndsWith: [.tmp]}\n"
        "  - FieldSelectors: [{Field: eventCategory, Equals: [Management]}]\n";
    static const char *basic =
        "EventSelectors:\n  - ExcludeManagementEventSources: [kms.amazonaws.com]\n"
        "    DataResources:\n      - {Type: AWS::S3::Object, Values: ['arn:aws:s3:::b/']}\n";
    const char *inputs[] = { sel, basic };
    if (!ot_alloc_fail_after(0)) {
        skip();
    }
    for (size_t k = 0; k < 2; k++) {
        for (unsigned long n = 1;; n++) {
            struct ot_selectors *s = NULL;
            struct ot_error err = { 0 };
            assert_true(ot_alloc_fail_after(n));
            ot_status st = ot_selectors_parse(SV(inputs[k]), "x", &s, &err);
            assert_true(ot_alloc_fail_after(0));
            if (st == OT_OK) {
                ot_selectors_free(s);
                break;
            }
            assert_int_equal(st, OT_E_NOMEM);
            assert_null(s);
            assert_true(n < 10000);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_trail),  cmocka_unit_test(test_basic_management),
        cmocka_unit_test(test_basic_data),     cmocka_unit_test(test_advanced),
        cmocka_unit_test(test_equivalents),    cmocka_unit_test(test_scope),
        cmocka_unit_test(test_validation),     cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
