/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_record.c - the record engine: JSON validation, the tape,
 * field paths and typed values, the reader's shapes and errors, and an
 * allocation-failure loop over the reader.
 */
#include <zlib.h>

#include "helpers.h"
#include "record/json.h"

/* ---- JSON validation -------------------------------------------------- */

static bool parses(const char *s)
{
    struct ot_tape t;
    struct ot_json_err e;
    const char *end;
    bool sp;
    ot_tape_init(&t, 1 << 20);
    bool ok = ot_json_parse(s, s + strlen(s), &t, &sp, &end, &e) && end == s + strlen(s);
    ot_tape_cleanup(&t);
    return ok;
}

static void test_json_valid(void **state)
{
    (void)state;
    const char *good[] = {
        "{}",
        "[]",
        "{\"a\":1}",
        "[1,-2,3.5,4e10,5E-3,-0.0,0]",
        "\"\\u00e9\\n\\t\\\\\\/\"",
        "{\"a\":{\"b\":[true,false,null]}}",
        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
        "{ \"a\" : [ 1 , 2 ] }",
        "\"\\ud83d\\ude00\"",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!parses(good[i])) {
            fail_msg("should parse: %s", good[i]);
        }
    }
}

static void test_json_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "[1,]",
        "[01]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[-]",
        "\"abc",
        "\"\\x\"",
        "\"\\u12g4\"",
        "\"a\tb\"",
        "\"\xff\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "tru",
        "nul",
        "{\"a\":1,}",
        "{'a':1}",
        "[1 2]",
        "{\"a\" 1}",
        "\"\xe2\x82\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parses(bad[i])) {
            fail_msg("should not parse: %s", bad[i]);
        }
    }
}

static void test_json_depth(void **state)
{
    (void)state;
    char deep[600];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[599] = '\0';
    deep[299] = '1'; /* 299 '[' then 1 then 299 ']' + one extra: keep it balanced */
    memset(deep + 300, ']', 299);
    deep[599] = '\0';
    assert_false(parses(deep)); /* deeper than OT_JSON_MAX_DEPTH */
    char ok[200];
    memset(ok, '[', 50);
    ok[50] = '1';
    memset(ok + 51, ']', 50);
    ok[101] = '\0';
    assert_true(parses(ok));
}

/* ---- paths and values ------------------------------------------------- */

static const char rec_json[] =
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\","
    "\"arn\":\"arn:aws:sts::1:assumed-role/R/s\",\"sessionContext\":{\"sessionIssuer\":"
    "{\"type\":\"Role\",\"arn\":\"arn:aws:iam::1:role/R\"},\"attributes\":{\"mfaAuthenticated\":"
    "\"false\"}}},\"eventName\":\"Get\\u004fbject\",\"readOnly\":true,\"requestParameters\":"
    "{\"bucketName\":\"b1\",\"n\":42.5},\"responseElements\":null,\"resources\":[{\"ARN\":"
    "\"arn:aws:s3:::b1\",\"type\":\"AWS::S3::Bucket\"},{\"ARN\":\"arn:aws:s3:::b1/k\"}],"
    "\"path\\/x\":\"slash\"}";

struct fixture {
    struct ot_tape t;
    struct ot_record rec;
};

static int setup_rec(void **state)
{
    struct fixture *f = ot_calloc(1, sizeof(*f));
    struct ot_json_err e;
    const char *end;
    bool sp;
    ot_tape_init(&f->t, 1 << 16);
    if (!ot_json_parse(rec_json, rec_json + strlen(rec_json), &f->t, &sp, &end, &e)) {
        return -1;
    }
    f->rec = (struct ot_record){ .json = rec_json,
                                 .len = (uint32_t)strlen(rec_json),
                                 .nnodes = f->t.count,
                                 .nodes = f->t.nodes };
    *state = f;
    return 0;
}

static int teardown_rec(void **state)
{
    struct fixture *f = *state;
    ot_tape_cleanup(&f->t);
    ot_free(f);
    return 0;
}

static struct ot_value get(const struct ot_record *r, const char *path)
{
    struct ot_path *p = NULL;
    struct ot_error err;
    if (ot_path_compile(SV(path), &p, &err) != OT_OK) {
        fail_msg("path %s: %s", path, err.what);
    }
    struct ot_value v = ot_record_get(r, p);
    ot_path_free(p);
    return v;
}

static void test_paths(void **state)
{
    struct fixture *f = *state;
    const struct ot_record *r = &f->rec;
    assert_true(ot_value_str_eq(get(r, "userIdentity.sessionContext.sessionIssuer.arn"),
                                SV("arn:aws:iam::1:role/R")));
    assert_true(ot_value_str_eq(get(r, "$.userIdentity.type"), SV("AssumedRole")));
    assert_true(ot_value_str_eq(get(r, "resources[0].ARN"), SV("arn:aws:s3:::b1")));
    assert_true(ot_value_str_eq(get(r, "resources[1].ARN"), SV("arn:aws:s3:::b1/k")));
    assert_int_equal(get(r, "resources[2].ARN").type, OT_ABSENT);
    assert_int_equal(get(r, "resources[1].type").type, OT_ABSENT);
    assert_true(ot_value_str_eq(get(r, "resources[*].ARN"), SV("arn:aws:s3:::b1")));
    assert_true(ot_value_str_eq(get(r, "requestParameters.bucketName"), SV("b1")));
    assert_int_equal(get(r, "readOnly").type, OT_TRUE);
    assert_int_equal(get(r, "responseElements").type, OT_NULL);
    assert_int_equal(get(r, "responseElements.x").type, OT_ABSENT);
    assert_int_equal(get(r, "nothere").type, OT_ABSENT);
    assert_int_equal(get(r, "userIdentity").type, OT_OBJECT);
    assert_int_equal(get(r, "resources").type, OT_ARRAY);
    double d = 0;
    assert_true(ot_value_number(get(r, "requestParameters.n"), &d));
    assert_true(d == 42.5);
    assert_false(ot_value_number(get(r, "eventName"), &d));
    /* escapes are decoded for comparison, in values and in keys */
    assert_true(ot_value_str_eq(get(r, "eventName"), SV("GetObject")));
    assert_false(ot_value_str_eq(get(r, "eventName"), SV("GetObjec")));
    assert_true(ot_value_str_eq(get(r, "[\"path/x\"]"), SV("slash")));
    struct ot_buf b = OT_BUF_INIT(1024);
    assert_int_equal(ot_value_text(get(r, "eventName"), &b), OT_OK);
    assert_string_equal(b.data, "GetObject");
    ot_buf_reset(&b);
    assert_int_equal(ot_value_text(get(r, "resources[0]"), &b), OT_OK);
    assert_string_equal(b.data, "{\"ARN\":\"arn:aws:s3:::b1\",\"type\":\"AWS::S3::Bucket\"}");
    ot_buf_cleanup(&b);
}

static bool count_fn(void *ctx, struct ot_value v)
{
    (void)v;
    (*(int *)ctx)++;
    return true;
}

static void test_each(void **state)
{
    struct fixture *f = *state;
    struct ot_path *p = NULL;
    int n = 0;
    assert_int_equal(ot_path_compile(SV("resources[*].ARN"), &p, NULL), OT_OK);
    assert_int_equal(ot_record_each(&f->rec, p, count_fn, &n), 2);
    assert_int_equal(n, 2);
    ot_path_free(p);
}

static void test_path_errors(void **state)
{
    (void)state;
    const char *bad[] = { "", ".a", "a.", "a..b", "a[", "a[x]", "a[1", "a]b", "[\"x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ot_path *p = NULL;
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_path_compile(SV(bad[i]), &p, &err) == OT_OK) {
            fail_msg("path should not compile: '%s'", bad[i]);
        }
        assert_null(p);
        assert_true(err.what[0] != '\0');
        assert_true(err.fix[0] != '\0');
    }
}

/* ---- the reader ---------------------------------------------------------- */

struct collect {
    int records;
    int errors;
    char last_error[512];
    char names[16][32];
};

static bool collect_rec(void *ctx, const struct ot_record *rec)
{
    struct collect *c = ctx;
    struct ot_path *p = NULL;
    if (ot_path_compile(SV("eventName"), &p, NULL) == OT_OK) {
        struct ot_value v = ot_record_get(rec, p);
        if (c->records < 16 && v.type == OT_STRING) {
            struct ot_sv s = ot_value_raw(v);
            snprintf(c->names[c->records], 32, "%.*s", (int)s.n, s.p);
        }
        ot_path_free(p);
    }
    c->records++;
    return true;
}

static void collect_err(void *ctx, const struct ot_error *err)
{
    struct collect *c = ctx;
    c->errors++;
    ot_error_format(err, c->last_error, sizeof(c->last_error));
}

static ot_status read_str(const char *s, size_t n, const char *name, struct collect *c,
                          struct ot_read_result *res, struct ot_error *err)
{
    struct ot_reader *r = NULL;
    memset(c, 0, sizeof(*c));
    assert_int_equal(ot_reader_new(NULL, &r), OT_OK);
    ot_status st = ot_reader_read_mem(r, s, n, name, collect_rec, collect_err, c, res, err);
    ot_reader_free(r);
    return st;
}

#define READ(s, c, res, err) read_str((s), sizeof(s) - 1, "t.json", (c), (res), (err))

static void test_reader_shapes(void **state)
{
    (void)state;
    struct collect c;
    struct ot_read_result res;
    struct ot_error err;

    assert_int_equal(
        READ("{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}", &c, &res, &err), OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_RECORDS);
    assert_int_equal(c.records, 2);
    assert_string_equal(c.names[1], "B");

    assert_int_equal(
        READ("{\"x\":{\"Records\":1},\"Records\":[{\"eventName\":\"L\"}]}", &c, &res, &err), OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_RECORDS);
    assert_int_equal(c.records, 1);
    assert_string_equal(c.names[0], "L");

    assert_int_equal(READ("[{\"eventName\":\"A\"}, {\"eventName\":\"B\"}]", &c, &res, &err), OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_ARRAY);
    assert_int_equal(c.records, 2);

    assert_int_equal(READ("{\"eventName\":\"A\"}\n{\"eventName\":\"B\"}\n{\"eventName\":\"C\"}\n",
                          &c, &res, &err),
                     OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_NDJSON);
    assert_int_equal(c.records, 3);

    assert_int_equal(READ("\xEF\xBB\xBF {\"eventName\":\"A\"} \n", &c, &res, &err), OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_SINGLE);
    assert_int_equal(c.records, 1);

    assert_int_equal(READ("  \n", &c, &res, &err), OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_EMPTY);

    assert_int_equal(
        READ("{\"awsAccountId\":\"1\",\"digestS3Object\":\"k\",\"logFiles\":[]}", &c, &res, &err),
        OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_DIGEST);
    assert_int_equal(c.records, 0);

    assert_int_equal(READ("{\"Records\":[{\"eventType\":\"AwsCloudTrailInsight\",\"eventCategory\":"
                          "\"Insight\"}]}",
                          &c, &res, &err),
                     OT_OK);
    assert_int_equal(res.shape, OT_SHAPE_INSIGHT);
    assert_int_equal(c.records, 0);
}

static void test_reader_by_key(void **state)
{
    (void)state;
    assert_int_equal(
        ot_shape_from_key("AWSLogs/1/CloudTrail-Digest/us-east-1/2023/01/01/x.json.gz"),
        OT_SHAPE_DIGEST);
    assert_int_equal(
        ot_shape_from_key("1_CloudTrail-Digest_us-east-1_t_us-east-1_20231015T230404Z.json.gz"),
        OT_SHAPE_DIGEST);
    assert_int_equal(
        ot_shape_from_key("AWSLogs/o-1/1/CloudTrail-Insight/ca-central-1/2020/09/23/f.json.gz"),
        OT_SHAPE_INSIGHT);
    assert_int_equal(ot_shape_from_key("AWSLogs/1/CloudTrail/us-east-1/2023/01/01/f.json.gz"),
                     OT_SHAPE_UNKNOWN);
}

static void test_reader_errors(void **state)
{
    (void)state;
    struct collect c;
    struct ot_read_result res;
    struct ot_error err;

    /* a bad record in an array: the rest cannot be found, the error has a position */
    assert_int_equal(READ("[{\"eventName\":\"A\"},\n{\"eventName\":\"B\" x}]", &c, &res, &err),
                     OT_E_PARSE);
    assert_int_equal(c.records, 1);
    assert_non_null(strstr(err.what, "expected ',' or '}'"));
    assert_non_null(strstr(err.what, "record 1"));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 18);
    assert_string_equal(err.where, "t.json");

    /* NDJSON: a bad line is reported and skipped, the others are read */
    assert_int_equal(
        READ("{\"eventName\":\"A\"}\n{\"eventName\":\"B\n{\"eventName\":\"C\"}\n", &c, &res, &err),
        OT_OK);
    assert_int_equal(c.records, 2);
    assert_int_equal(c.errors, 1);
    assert_int_equal(res.bad, 1);
    assert_string_equal(c.names[1], "C");
    assert_non_null(strstr(c.last_error, "t.json:2:"));

    /* a non-object record is skipped */
    assert_int_equal(READ("[1,{\"eventName\":\"A\"},\"s\"]", &c, &res, &err), OT_OK);
    assert_int_equal(c.records, 1);
    assert_int_equal(c.errors, 2);
    assert_non_null(strstr(c.last_error, "not an object"));

    /* invalid UTF-8 */
    assert_int_equal(READ("{\"Records\":[{\"eventName\":\"\xff\"}]}", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "invalid UTF-8"));
    assert_int_equal(err.col, 27);

    /* trailing data */
    assert_int_equal(READ("{\"Records\":[]} x", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "after the end"));

    /* not JSON at all, and other compression */
    assert_int_equal(READ("hello", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "not CloudTrail JSON"));
    assert_int_equal(READ("BZh91AY&SY", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "bzip2"));
}

static void test_reader_big_record(void **state)
{
    (void)state;
    size_t big = OT_RECORD_MAX_BYTES + 100;
    char *s = ot_malloc(big + 200);
    size_t n = 0;
    n += (size_t)snprintf(s, 200, "[{\"eventName\":\"A\"},{\"eventName\":\"");
    memset(s + n, 'x', big);
    n += big;
    n += (size_t)snprintf(s + n, 200, "\"},{\"eventName\":\"C\"}]");
    struct collect c;
    struct ot_read_result res;
    struct ot_error err;
    assert_int_equal(read_str(s, n, "big.json", &c, &res, &err), OT_OK);
    assert_int_equal(c.records, 2);
    assert_int_equal(c.errors, 1);
    assert_non_null(strstr(c.last_error, "256 KB"));
    assert_non_null(strstr(c.last_error, "record 1"));
    ot_free(s);
}

static size_t gz(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    return len;
}

static void test_reader_gzip(void **state)
{
    (void)state;
    const char doc[] = "{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}";
    unsigned char buf[4096];
    size_t n = gz(doc, sizeof(doc) - 1, buf, sizeof(buf));
    struct collect c;
    struct ot_read_result res;
    struct ot_error err;

    assert_int_equal(read_str((char *)buf, n, "a.json.gz", &c, &res, &err), OT_OK);
    assert_true(res.is_gzip);
    assert_int_equal(c.records, 2);
    assert_int_equal(res.bytes_json, sizeof(doc) - 1);

    /* truncated */
    assert_int_equal(read_str((char *)buf, n - 10, "a.json.gz", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "truncated gzip"));

    /* two members: both read, and reported */
    memcpy(buf + n, buf, n);
    assert_int_equal(read_str((char *)buf, 2 * n, "a.json.gz", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "multi-member"));

    /* garbage after the member */
    memcpy(buf + n, "JUNK", 4);
    assert_int_equal(read_str((char *)buf, n + 4, "a.json.gz", &c, &res, &err), OT_E_PARSE);
    assert_int_equal(c.records, 2);
    assert_non_null(strstr(err.what, "after the end of the gzip stream"));

    /* a flipped byte in the deflate data or CRC */
    n = gz(doc, sizeof(doc) - 1, buf, sizeof(buf));
    buf[n - 6] ^= 0xFF;
    assert_int_equal(read_str((char *)buf, n, "a.json.gz", &c, &res, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "corrupt gzip"));
}

static void test_reader_cap(void **state)
{
    (void)state;
    struct ot_read_opts o = { .max_file_bytes = 16 };
    struct ot_reader *r = NULL;
    struct ot_read_result res;
    struct ot_error err;
    struct collect c = { 0 };
    const char doc[] = "{\"Records\":[{\"eventName\":\"A\"}]}";
    assert_int_equal(ot_reader_new(&o, &r), OT_OK);
    assert_int_equal(
        ot_reader_read_mem(r, doc, sizeof(doc) - 1, "x", collect_rec, collect_err, &c, &res, &err),
        OT_E_LIMIT);
    assert_non_null(strstr(err.fix, "--max-file-bytes"));
    unsigned char buf[256];
    size_t n = gz(doc, sizeof(doc) - 1, buf, sizeof(buf));
    assert_int_equal(
        ot_reader_read_mem(r, buf, n, "x.gz", collect_rec, collect_err, &c, &res, &err),
        OT_E_LIMIT);
    ot_reader_free(r);
}

/* Fail each allocation in turn: never a crash or a leak, only OT_E_NOMEM. */
static void test_reader_alloc_failures(void **state)
{
    (void)state;
    const char doc[] = "{\"Records\":[{\"eventName\":\"A\",\"x\":[1,2,{\"y\":null}]},"
                       "{\"eventName\":\"B\"}]}";
    unsigned char buf[512];
    size_t n = gz(doc, sizeof(doc) - 1, buf, sizeof(buf));
    if (!ot_alloc_fail_after(0)) {
        skip(); /* built without fail points: not counted as a pass */
    }
    for (unsigned long k = 1; k < 200; k++) {
        struct ot_reader *r = NULL;
        struct collect c = { 0 };
        struct ot_read_result res;
        struct ot_error err;
        ot_alloc_fail_after(k);
        ot_status st = ot_reader_new(NULL, &r);
        if (st == OT_OK) {
            st = ot_reader_read_mem(r, buf, n, "x.gz", collect_rec, collect_err, &c, &res, &err);
            ot_reader_free(r);
        }
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            assert_int_equal(c.records, 2);
            return; /* k allocations are all the read needs */
        }
        if (st != OT_E_NOMEM) {
            fail_msg("allocation %lu failed: status %d, %s", k, st, err.what);
        }
    }
    fail_msg("the read never succeeded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_valid),
        cmocka_unit_test(test_json_invalid),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test_setup_teardown(test_paths, setup_rec, teardown_rec),
        cmocka_unit_test_setup_teardown(test_each, setup_rec, teardown_rec),
        cmocka_unit_test(test_path_errors),
        cmocka_unit_test(test_reader_shapes),
        cmocka_unit_test(test_reader_by_key),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_big_record),
        cmocka_unit_test(test_reader_gzip),
        cmocka_unit_test(test_reader_cap),
        cmocka_unit_test(test_reader_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
