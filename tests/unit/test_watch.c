/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_watch.c - filter patterns: every row of the shared cases
 * file (../shared/spec/filter-pattern-cases.tsv) is a test; the rows the spec
 * leaves unspecified are checked against the choice docs/filter-patterns.md
 * makes. Also: extracted values, parse errors with columns, limits, the CIS
 * pack's patterns, and an allocation-failure loop over the compiler.
 */
#include <stdlib.h>

#include "helpers.h"
#include "record/json.h"

static char *slurp_cases(size_t *n)
{
    const char *shared = getenv("SHARED");
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/spec/filter-pattern-cases.tsv",
                   shared ? shared : "../shared");
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (set SHARED to the shared/ folder)", path);
    }
    char *buf = malloc(1 << 20);
    *n = fread(buf, 1, (1 << 20) - 1, f);
    buf[*n] = '\0';
    fclose(f);
    return buf;
}

static bool match_msg(const char *pattern, const char *msg)
{
    struct ot_pattern *p = NULL;
    struct ot_matcher *m = NULL;
    struct ot_error err;
    if (ot_pattern_compile(SV(pattern), &p, &err) != OT_OK) {
        fail_msg("pattern %s: %s (col %u)", pattern, err.what, err.col);
    }
    assert_int_equal(ot_matcher_new(&m), OT_OK);
    bool hit = false;
    assert_int_equal(ot_pattern_match_message(p, m, SV(msg), &hit), OT_OK);
    ot_matcher_free(m);
    ot_pattern_free(p);
    return hit;
}

/* Our documented choices where the spec says "unspecified" (docs/filter-patterns.md):
 * plain terms AND together, ?-terms add "at least one of these". */
static const char *unspecified_choice(const char *id, const char *msg)
{
    if (strcmp(id, "T9") == 0) { /* SUCCESS ?ERROR: SUCCESS and ERROR */
        return (strstr(msg, "SUCCESS") && strstr(msg, "ERROR")) ? "match" : "no";
    }
    return NULL;
}

static void test_shared_cases(void **state)
{
    (void)state;
    size_t n;
    char *buf = slurp_cases(&n);
    int rows = 0, checked = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (rows++ == 0) {
            continue; /* header */
        }
        char *col[7] = { 0 };
        char *p = line;
        for (int i = 0; i < 7; i++) {
            col[i] = p;
            char *tab = p ? strchr(p, '\t') : NULL;
            if (tab != NULL) {
                *tab = '\0';
                p = tab + 1;
            } else {
                p = NULL;
            }
        }
        const char *id = col[0], *pattern = col[1], *msg = col[3], *want = col[4];
        assert_non_null(want);
        if (strcmp(want, "unspecified") == 0) {
            want = unspecified_choice(id, msg);
            if (want == NULL) {
                fail_msg("row %s is unspecified and has no documented choice", id);
            }
        }
        bool got = match_msg(pattern, msg);
        if (got != (strcmp(want, "match") == 0)) {
            fail_msg("%s: pattern %s on %.80s: got %s, want %s", id, pattern, msg,
                     got ? "match" : "no", want);
        }
        checked++;
    }
    assert_int_equal(checked, rows - 1);
    assert_true(checked >= 98);
    free(buf);
}

static void test_extracted(void **state)
{
    (void)state;
    const char *msg = "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html "
                      "HTTP/1.0\" 404 1534";
    struct ot_pattern *p = NULL;
    struct ot_matcher *m = NULL;
    assert_int_equal(ot_pattern_compile(SV("[ip, user, username, timestamp, request = *.html*, "
                                           "status_code = 4*, bytes]"),
                                        &p, NULL),
                     OT_OK);
    assert_int_equal(ot_matcher_new(&m), OT_OK);
    bool hit = false;
    assert_int_equal(ot_pattern_match_message(p, m, SV(msg), &hit), OT_OK);
    assert_true(hit);
    /* S-1's documented extraction */
    const char *want[][2] = { { "ip", "127.0.0.1" },
                              { "user", "Prod" },
                              { "username", "frank" },
                              { "timestamp", "10/Oct/2000:13:25:15 -0700" },
                              { "request", "GET /index.html HTTP/1.0" },
                              { "status_code", "404" },
                              { "bytes", "1534" } };
    assert_int_equal(ot_matcher_nextracted(m), 7);
    for (unsigned i = 0; i < 7; i++) {
        struct ot_sv name, value;
        ot_matcher_extracted(m, i, &name, &value);
        assert_true(ot_sv_eq_cstr(name, want[i][0]));
        if (!ot_sv_eq_cstr(value, want[i][1])) {
            fail_msg("$%s = '%.*s', want '%s'", want[i][0], (int)value.n, value.p, want[i][1]);
        }
    }
    ot_pattern_free(p);
    p = NULL;
    /* '...' in the middle: the fields after it align with the end */
    assert_int_equal(ot_pattern_compile(SV("[ip, ..., status, bytes]"), &p, NULL), OT_OK);
    assert_int_equal(ot_pattern_match_message(p, m, SV(msg), &hit), OT_OK);
    assert_true(hit);
    struct ot_sv name, value;
    ot_matcher_extracted(m, 1, &name, &value);
    assert_true(ot_sv_eq_cstr(value, "404"));
    ot_pattern_free(p);
    ot_matcher_free(m);
}

static void test_errors(void **state)
{
    (void)state;
    struct {
        const char *pattern;
        unsigned col;
        const char *what;
    } cases[] = {
        { "{ $.a = }", 9, "value expected" },
        { "{ $.a == 1 }", 8, "value expected" },
        { "{ $.a IS NOT NULL }", 10, "expected NULL, TRUE or FALSE" },
        { "{ $.a EXISTS }", 7, "EXISTS is not supported" },
        { "{ $.a = 1 ", 11, "expected '}'" },
        { "{ ($.a = 1 }", 12, "expected ')'" },
        { "{ a = 1 }", 3, "selector expected" },
        { "{ $.a > abc }", 9, "not a number" },
        { "{ $.a = \"x }", 9, "unterminated quoted value" },
        { "{ $.a = %ab(c)% }", 12, "parentheses are not allowed" },
        { "{ $.a = %x% && $.b = %y% && $.c = %z% }", 35, "more than 2 regular" },
        { "{ $.a = 1 } x", 13, "unexpected text after '}'" },
        { "{ $.a ~ 1 }", 7, "operator expected" },
        { "[a, b = 1 || c = 2]", 14, "not the field 'b'" },
        { "[a b]", 4, "operator expected" },
        { "%unterminated", 1, "unterminated regular expression" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ot_pattern *p = NULL;
        struct ot_error err;
        ot_error_clear(&err);
        ot_status st = ot_pattern_compile(SV(cases[i].pattern), &p, &err);
        if (st == OT_OK) {
            fail_msg("should not compile: %s", cases[i].pattern);
        }
        assert_null(p);
        if (strstr(err.what, cases[i].what) == NULL || err.col != cases[i].col) {
            fail_msg("%s: got '%s' at column %u, want '%s' at %u", cases[i].pattern, err.what,
                     err.col, cases[i].what, cases[i].col);
        }
        assert_true(err.fix[0] != '\0');
    }
    char big[OT_PATTERN_MAX_BYTES + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct ot_pattern *p = NULL;
    assert_int_equal(ot_pattern_compile(SV(big), &p, NULL), OT_E_LIMIT);
    char deep[200] = "{ ";
    for (int i = 0; i < 40; i++) {
        strcat(deep, "(");
    }
    strcat(deep, "$.a = 1");
    assert_int_equal(ot_pattern_compile(SV(deep), &p, NULL), OT_E_LIMIT);
}

static void test_semantics(void **state)
{
    (void)state;
    const char *rec = "{\"a\":\"x\\u002ay\",\"n\":5,\"s\":\"5\",\"t\":true,\"z\":null,"
                      "\"o\":{\"k\":[1,{\"q\":\"deep\"}]},\"e\":\"\"}";
    /* escapes decoded before comparing: x\u002ay is x*y */
    assert_true(match_msg("{ $.a = \"x*y\" }", rec));
    assert_true(match_msg("{ $.a = x* }", rec));
    /* numbers compare as numbers; text compares as text */
    assert_true(match_msg("{ $.n = 5.0 }", rec));
    assert_true(match_msg("{ $.n >= 5 && $.n < 6 }", rec));
    assert_false(match_msg("{ $.s > 4 }", rec)); /* "5" is a string, not a number */
    assert_true(match_msg("{ $.s = 5 }", rec));  /* but equal as text */
    assert_true(match_msg("{ $.t IS TRUE }", rec));
    assert_false(match_msg("{ $.t IS FALSE }", rec));
    assert_true(match_msg("{ $.z IS NULL }", rec));
    assert_false(match_msg("{ $.nope IS NULL }", rec));
    /* absent, null, objects and arrays match no comparison, = or != */
    assert_false(match_msg("{ $.nope != \"x\" }", rec));
    assert_false(match_msg("{ $.z != \"x\" }", rec));
    assert_false(match_msg("{ $.o != \"x\" }", rec));
    assert_true(match_msg("{ $.o.k[1].q = deep }", rec));
    assert_true(match_msg("{ $.e = \"\" }", rec));
    assert_true(match_msg("{ $.a = %^x.y$% }", rec));
    /* JSON patterns match JSON objects only */
    assert_false(match_msg("{ $.a = 1 }", "[1]"));
    assert_false(match_msg("{ $.a = 1 }", "not json"));
    /* terms are substrings, case-sensitive; '*' is literal in terms */
    /* terms search the message text as sent: the escape itself, not its meaning */
    assert_true(match_msg("\"x\\\\u002ay\"", rec));
    assert_false(match_msg("\"x*y\"", rec));
    assert_true(match_msg("deep", rec));
    assert_false(match_msg("DEEP", rec));
    assert_true(match_msg("-nothere", rec));
    assert_true(match_msg("\"\"", "anything"));
    assert_true(match_msg("   ", "anything"));
}

static void test_cis_pack(void **state)
{
    (void)state;
    unsigned n = 0;
    const struct ot_cis_rule *r = ot_cis_rules(&n);
    assert_int_equal(n, 16); /* the 15 CIS metric filters and the S3 public access rule */
    unsigned cis = 0;
    for (unsigned i = 0; i < n; i++) {
        struct ot_pattern *p = NULL;
        struct ot_error err;
        if (ot_pattern_compile(SV(r[i].pattern), &p, &err) != OT_OK) {
            fail_msg("%s: %s", r[i].id, err.what);
        }
        assert_int_equal(ot_pattern_kind_of(p), OT_PATTERN_JSON);
        ot_pattern_free(p);
        cis += (r[i].cis != NULL);
        assert_non_null(r[i].title);
        assert_non_null(r[i].severity);
    }
    assert_int_equal(cis, 15);
}

/* A pattern set (shared lookups, folded OR chains) answers exactly as each pattern alone. */
static void test_pattern_set(void **state)
{
    (void)state;
    unsigned n = 0;
    const struct ot_cis_rule *r = ot_cis_rules(&n);
    struct ot_pattern *pats[32];
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(ot_pattern_compile(SV(r[i].pattern), &pats[i], NULL), OT_OK);
    }
    struct ot_pattern_set *set = NULL;
    struct ot_matcher *m = NULL;
    assert_int_equal(ot_pattern_set_new(pats, n, &set), OT_OK);
    assert_int_equal(ot_matcher_new(&m), OT_OK);
    const char *recs[] = {
        "{\"eventName\":\"PutUserPolicy\",\"eventSource\":\"iam.amazonaws.com\"}",
        "{\"eventName\":\"Put\\u0055serPolicy\"}",
        "{\"eventName\":\"PutUserPolicyX\"}",
        "{\"eventName\":\"DisableKey\",\"eventSource\":\"kms.amazonaws.com\"}",
        "{\"eventName\":\"DisableKey\",\"eventSource\":\"ec2.amazonaws.com\"}",
        "{\"eventName\":\"CreateAccount\",\"eventSource\":\"organizations.amazonaws.com\"}",
        "{\"eventName\":42}",
        "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"AwsApiCall\",\"eventName\":"
        "\"StopLogging\"}",
        "{\"errorCode\":\"Client.UnauthorizedOperation\",\"eventName\":\"CreateVpc\"}",
    };
    struct ot_tape t;
    ot_tape_init(&t, 1 << 16);
    unsigned total = 0;
    for (size_t k = 0; k < sizeof(recs) / sizeof(recs[0]); k++) {
        const char *end;
        bool sp;
        struct ot_json_err je;
        assert_true(ot_json_parse(recs[k], recs[k] + strlen(recs[k]), &t, &sp, &end, &je));
        struct ot_record rec = {
            .json = recs[k], .len = (uint32_t)strlen(recs[k]), .nnodes = t.count, .nodes = t.nodes
        };
        bool hits[32];
        unsigned c = ot_pattern_set_match(set, m, &rec, hits);
        unsigned c2 = 0;
        for (unsigned i = 0; i < n; i++) {
            bool one = ot_pattern_match(pats[i], m, &rec);
            if (one != hits[i]) {
                fail_msg("record %zu, rule %s: set says %d, alone %d", k, r[i].id, hits[i], one);
            }
            c2 += one;
        }
        assert_int_equal(c, c2);
        total += c;
    }
    /* PutUserPolicy (plain and escaped): IAM; DisableKey in KMS: CMK; CreateAccount: Organizations;
     * root StopLogging: root usage + CloudTrail; unauthorized CreateVpc: unauthorized + VPC */
    assert_int_equal(total, 2 + 1 + 1 + 2 + 2);
    ot_tape_cleanup(&t);
    ot_matcher_free(m);
    ot_pattern_set_free(set);
    for (unsigned i = 0; i < n; i++) {
        ot_pattern_free(pats[i]);
    }
}

static bool apply_msg(const struct ot_metric_filter *f, const char *msg, double *v,
                      struct ot_buf *dims)
{
    struct ot_matcher *m = NULL;
    struct ot_tape t;
    assert_int_equal(ot_matcher_new(&m), OT_OK);
    ot_tape_init(&t, 1 << 16);
    struct ot_record rec = { .json = msg, .len = (uint32_t)strlen(msg) };
    if (msg[0] == '{') {
        const char *end;
        bool sp;
        struct ot_json_err je;
        assert_true(ot_json_parse(msg, msg + strlen(msg), &t, &sp, &end, &je));
        rec.nnodes = t.count;
        rec.nodes = t.nodes;
    }
    bool hit = ot_metric_filter_apply(f, m, &rec, v, dims);
    ot_tape_cleanup(&t);
    ot_matcher_free(m);
    return hit;
}

static void test_metric_filters(void **state)
{
    (void)state;
    struct ot_error err;
    struct ot_buf dims = OT_BUF_INIT(1024);
    double v = 0;
    /* the spec's example: { $.latency = * } publishes $.latency, by requestType */
    struct ot_metric_filter_def d = {
        .filter_name = "latency",
        .filter_pattern = "{ $.latency = * }",
        .metric_name = "Latency",
        .metric_namespace = "App",
        .metric_value = "$.latency",
        .ndimensions = 1,
        .dimension_names = { "requestType" },
        .dimension_values = { "$.requestType" },
        .unit = "Milliseconds",
    };
    struct ot_metric_filter *f = NULL;
    assert_int_equal(ot_metric_filter_new(&d, &f, &err), OT_OK);
    assert_true(apply_msg(f, "{\"latency\":50,\"requestType\":\"GET\"}", &v, &dims));
    assert_true(v == 50);
    assert_string_equal(dims.data, "requestType=GET\n");
    ot_buf_reset(&dims);
    /* a value that is not a number, or a missing dimension: nothing published */
    assert_false(apply_msg(f, "{\"latency\":\"slow\",\"requestType\":\"GET\"}", &v, &dims));
    assert_false(apply_msg(f, "{\"latency\":5}", &v, &dims));
    assert_true(dims.len == 0);
    ot_metric_filter_free(f);

    /* CIS style: a constant 1 per match */
    struct ot_metric_filter_def cis = { .filter_name = "root",
                                        .filter_pattern = "{ $.userIdentity.type = \"Root\" }",
                                        .metric_name = "RootAccountUsage",
                                        .metric_namespace = "CISBenchmark",
                                        .metric_value = "1",
                                        .has_default_value = true,
                                        .default_value = 0 };
    assert_int_equal(ot_metric_filter_new(&cis, &f, &err), OT_OK);
    assert_true(apply_msg(f, "{\"userIdentity\":{\"type\":\"Root\"}}", &v, &dims));
    assert_true(v == 1);
    assert_false(apply_msg(f, "{\"userIdentity\":{\"type\":\"IAMUser\"}}", &v, &dims));
    ot_metric_filter_free(f);

    /* space-delimited: $bytes, by $status */
    struct ot_metric_filter_def sp = { .filter_name = "bytes",
                                       .filter_pattern = "[ip, user, ..., status, bytes]",
                                       .metric_name = "Bytes",
                                       .metric_namespace = "Web",
                                       .metric_value = "$bytes",
                                       .ndimensions = 1,
                                       .dimension_names = { "status" },
                                       .dimension_values = { "$status" } };
    assert_int_equal(ot_metric_filter_new(&sp, &f, &err), OT_OK);
    assert_true(apply_msg(f,
                          "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET / "
                          "HTTP/1.0\" 404 1534",
                          &v, &dims));
    assert_true(v == 1534);
    assert_string_equal(dims.data, "status=404\n");
    ot_metric_filter_free(f);
    ot_buf_cleanup(&dims);

    /* PutMetricFilter's checks */
    struct {
        struct ot_metric_filter_def def;
        const char *what;
    } bad[] = {
        { { .filter_pattern = "x",
            .metric_name = "a:b",
            .metric_namespace = "n",
            .metric_value = "1" },
          "forbidden character" },
        { { .filter_pattern = "x",
            .metric_name = "a",
            .metric_namespace = "n$",
            .metric_value = "1" },
          "forbidden character" },
        { { .filter_pattern = "x",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "$.x" },
          "not a JSON pattern" },
        { { .filter_pattern = "{ $.a = 1 }",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "one" },
          "not a number" },
        { { .filter_pattern = "{ $.a = 1 }",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "1",
            .has_default_value = true,
            .ndimensions = 1,
            .dimension_names = { "d" },
            .dimension_values = { "$.a" } },
          "defaultValue" },
        { { .filter_pattern = "{ $.a = 1 }",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "1",
            .ndimensions = 4 },
          "4 dimensions" },
        { { .filter_pattern = "{ $.a = 1 }",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "1",
            .unit = "Furlongs" },
          "not a CloudWatch unit" },
        { { .filter_pattern = "{ $.a = }",
            .metric_name = "a",
            .metric_namespace = "n",
            .metric_value = "1" },
          "value expected" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f = NULL;
        ot_error_clear(&err);
        if (ot_metric_filter_new(&bad[i].def, &f, &err) == OT_OK) {
            fail_msg("case %zu should be refused", i);
        }
        assert_null(f);
        if (strstr(err.what, bad[i].what) == NULL) {
            fail_msg("case %zu: '%s' lacks '%s'", i, err.what, bad[i].what);
        }
    }
}

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *pat = "{ ($.a = \"x*\") || ($.b.c[0] != %^re$% && $.d NOT EXISTS) }";
    if (!ot_alloc_fail_after(0)) {
        skip();
    }
    for (unsigned long k = 1; k < 200; k++) {
        struct ot_pattern *p = NULL;
        struct ot_error err;
        ot_alloc_fail_after(k);
        ot_status st = ot_pattern_compile(SV(pat), &p, &err);
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            ot_pattern_free(p);
            return;
        }
        if (st != OT_E_NOMEM) {
            fail_msg("allocation %lu: status %d (%s)", k, st, err.what);
        }
    }
    fail_msg("never compiled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_cases),   cmocka_unit_test(test_extracted),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_cis_pack),       cmocka_unit_test(test_pattern_set),
        cmocka_unit_test(test_metric_filters), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
