/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_account.c - the FinOps model: money parsing and rounding,
 * the price book and its region overrides, scenario errors with positions,
 * the seed scenario exactly, storage growth under lifecycle rules worked out
 * by hand, advice, and allocation-failure loops over both parsers.
 */
#include <stdlib.h>

#include "helpers.h"
#include "opentrail/account.h"

static const char seed_yaml[] = "name: seed\n"
                                "scope: [cloudtrail]\n"
                                "events:\n"
                                "  management: {read: 3000000, write: 2000000}\n"
                                "  data: {s3: 10000000, lambda: 5000000}\n"
                                "trails:\n"
                                "  - {name: org, data: [s3, lambda], insights: [api_call_rate]}\n"
                                "  - {name: legacy, copies: 4}\n";

static struct ot_pricebook *builtin(void)
{
    struct ot_pricebook *pb = NULL;
    struct ot_error err;
    assert_int_equal(ot_pricebook_builtin(NULL, &pb, &err), OT_OK);
    return pb;
}

static void test_usd(void **state)
{
    (void)state;
    int64_t v = -1;
    char s[48];
    assert_int_equal(ot_parse_usd(SV("2.00"), &v), OT_OK);
    assert_int_equal(v, 2000000);
    assert_int_equal(ot_parse_usd(SV("0.00099"), &v), OT_OK);
    assert_int_equal(v, 990);
    assert_int_equal(ot_parse_usd(SV("$0.35"), &v), OT_OK);
    assert_int_equal(v, 350000);
    assert_int_equal(ot_parse_usd(SV("0"), &v), OT_OK);
    assert_int_equal(v, 0);
    const char *bad[] = { "", ".", "1.", "1.2345678", "abc", "1,5", "-1", "1e3", "2000000000" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ot_parse_usd(SV(bad[i]), &v) == OT_OK) {
            fail_msg("should not parse: '%s'", bad[i]);
        }
    }
    ot_format_usd(422000000, false, s, sizeof(s));
    assert_string_equal(s, "$422.00");
    ot_format_usd(15192000000ll, false, s, sizeof(s));
    assert_string_equal(s, "$15,192.00");
    ot_format_usd(990, true, s, sizeof(s));
    assert_string_equal(s, "$0.000990");
    ot_format_usd(1234567890, false, s, sizeof(s)); /* $1,234.567890 -> cents, rounded */
    assert_string_equal(s, "$1,234.57");
    ot_format_usd(-5000, false, s, sizeof(s));
    assert_string_equal(s, "-$0.01");
}

static void test_price_cost(void **state)
{
    (void)state;
    struct ot_pricebook *pb = builtin();
    const struct ot_price *add = ot_pricebook_get(pb, "cloudtrail.management.additional_copy");
    const struct ot_price *ins = ot_pricebook_get(pb, "cloudtrail.insights");
    const struct ot_price *sns = ot_pricebook_get(pb, "sns.publish");
    const struct ot_price *std = ot_pricebook_get(pb, "s3.storage.standard");
    assert_non_null(add);
    assert_non_null(ins);
    assert_non_null(sns);
    assert_non_null(std);
    assert_null(ot_pricebook_get(pb, "no.such.price"));
    /* 20,000,000 / 100,000 x $2.00 = $400 */
    assert_int_equal(ot_price_cost(add, 20000000, false), 400000000);
    /* one event: $2.00 / 100,000 = 20 micro-dollars */
    assert_int_equal(ot_price_cost(add, 1, false), 20);
    /* one Insights event: $0.35 / 100,000 = 3.5 micro-dollars, rounded half up to 4 */
    assert_int_equal(ot_price_cost(ins, 1, false), 4);
    /* 300,000 analysed: $1.05 (Infracost golden) */
    assert_int_equal(ot_price_cost(ins, 300000, false), 1050000);
    /* SNS: the first 1,000,000 publishes are free; 3,000,000 -> 2M x $0.50/M = $1.00 */
    assert_int_equal(ot_price_cost(sns, 1000000, false), 0);
    assert_int_equal(ot_price_cost(sns, 3000000, false), 1000000);
    /* one GiB-month of S3 Standard: $0.023 */
    assert_int_equal(ot_price_cost(std, OT_GIB, true), 23000);
    /* huge quantities do not overflow: 3.6 x 10^16 events / 100,000 x $2 = $720,000,000,000 */
    assert_int_equal(ot_price_cost(add, OT_SCN_MAX_QUANTITY * 36, false),
                     720000000000ll * OT_MICROS_PER_USD);
    ot_pricebook_free(pb);
}

static void test_pricebook_errors(void **state)
{
    (void)state;
    struct ot_pricebook *pb = NULL;
    struct ot_error err;
    const char *bad[] = {
        "{",
        "[]",
        "{\"format\":\"x\"}",
        "{\"format\":\"opentrail-pricebook/1\",\"version\":\"1\",\"region\":\"r\",\"currency\":"
        "\"USD\",\"prices\":[]}",
        "{\"format\":\"opentrail-pricebook/1\",\"version\":\"1\",\"region\":\"r\",\"currency\":"
        "\"USD\",\"prices\":[{\"id\":\"a\",\"item\":\"a\",\"unit\":\"u\",\"usd\":\"0.1234567\","
        "\"source\":\"s\",\"as_of\":\"d\"}]}",
        "{\"format\":\"opentrail-pricebook/1\",\"version\":\"1\",\"region\":\"r\",\"currency\":"
        "\"USD\",\"prices\":[{\"id\":\"a\",\"item\":\"a\",\"unit\":\"u\",\"usd\":\"1\","
        "\"source\":\"s\",\"as_of\":\"d\",\"surprise\":1}]}",
        "{\"format\":\"opentrail-pricebook/1\",\"version\":\"1\",\"region\":\"r\",\"currency\":"
        "\"USD\",\"prices\":[{\"id\":\"a\",\"item\":\"a\",\"unit\":\"u\",\"usd\":\"1\","
        "\"source\":\"s\",\"as_of\":\"d\"},{\"id\":\"a\",\"item\":\"a\",\"unit\":\"u\","
        "\"usd\":\"1\",\"source\":\"s\",\"as_of\":\"d\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ot_status st = ot_pricebook_parse(SV(bad[i]), NULL, &pb, &err);
        if (st == OT_OK) {
            fail_msg("should be refused: %s", bad[i]);
        }
        assert_true(err.what[0] != '\0');
    }
    /* the region override of the built-in book: S3 Standard in Sydney is $0.025 */
    assert_int_equal(ot_pricebook_builtin("ap-southeast-2", &pb, &err), OT_OK);
    assert_int_equal(ot_pricebook_get(pb, "s3.storage.standard")->micros, 25000);
    assert_string_equal(pb->region, "ap-southeast-2");
    ot_pricebook_free(pb);
    assert_int_equal(ot_pricebook_builtin("mars-1", &pb, &err), OT_E_USAGE);
}

static ot_status parse(const char *yaml, struct ot_scenario *s, struct ot_error *err)
{
    ot_error_clear(err);
    return ot_scenario_parse(SV(yaml), "t.yaml", s, err);
}

static void test_seed(void **state)
{
    (void)state;
    struct ot_scenario s;
    struct ot_error err;
    struct ot_cost *c = malloc(sizeof(*c));
    struct ot_advice_list *al = malloc(sizeof(*al));
    struct ot_pricebook *pb = builtin();
    assert_int_equal(parse(seed_yaml, &s, &err), OT_OK);
    assert_int_equal(ot_cost_compute(&s, pb, c, &err), OT_OK);
    /* the issue: $400 + $10 + $5 + $7 = $422/month, $5,064/year, $15,192 over 3 years */
    assert_int_equal(c->month1, 422 * OT_MICROS_PER_USD);
    assert_int_equal(c->year1, 5064 * OT_MICROS_PER_USD);
    assert_int_equal(c->years3, 15192 * OT_MICROS_PER_USD);
    assert_int_equal(c->nlines, 5); /* first copy, additional, s3, lambda, insights */
    assert_int_equal(c->lines[0].quantity, 5000000);
    assert_int_equal(c->lines[1].quantity, 20000000);
    /* advice: one management trail saves the $400 of additional copies exactly */
    assert_int_equal(ot_advise(&s, pb, al, &err), OT_OK);
    assert_true(al->n >= 2);
    assert_string_equal(al->v[0].id, "duplicate-trails");
    assert_int_equal(al->v[0].save_month, 400 * OT_MICROS_PER_USD);
    assert_int_equal(al->v[0].save_years3, 14400 * OT_MICROS_PER_USD);
    bool insights = false;
    for (size_t i = 0; i < al->n; i++) {
        if (strcmp(al->v[i].id, "insights-off") == 0) {
            insights = al->v[i].save_month == 7 * OT_MICROS_PER_USD;
        }
        assert_true(al->v[i].gives_up[0] != '\0');
    }
    assert_true(insights);
    ot_pricebook_free(pb);
    free(c);
    free(al);
}

/* 1,048,576 write events x 1,024 bytes = 1 GiB a month; Glacier Flexible after 90
 * days, expired after 180: 3 cohorts in Standard, then 3 in Glacier. */
static void test_growth(void **state)
{
    (void)state;
    static const char yaml[] = "scope: [s3]\n"
                               "events:\n"
                               "  management: {write: 1048576}\n"
                               "  bytes_per_event: 1024\n"
                               "trails: [{name: t}]\n"
                               "storage:\n"
                               "  lifecycle: [{after_days: 90, to: glacier_flexible}]\n"
                               "  expire_after_days: 180\n";
    struct ot_scenario s;
    struct ot_error err;
    struct ot_cost *c = malloc(sizeof(*c));
    struct ot_pricebook *pb = builtin();
    assert_int_equal(parse(yaml, &s, &err), OT_OK);
    assert_int_equal(ot_cost_compute(&s, pb, c, &err), OT_OK);
    assert_int_equal(c->s3_bytes_month, OT_GIB);
    assert_int_equal(c->growth[0].bytes[OT_TIER_STANDARD], OT_GIB);
    assert_int_equal(c->growth[2].bytes[OT_TIER_STANDARD], 3 * OT_GIB);
    assert_int_equal(c->growth[3].bytes[OT_TIER_GLACIER_FLEXIBLE], OT_GIB);
    assert_int_equal(c->growth[35].bytes[OT_TIER_STANDARD], 3 * OT_GIB);
    assert_int_equal(c->growth[35].bytes[OT_TIER_GLACIER_FLEXIBLE], 3 * OT_GIB);
    /* month 1: 1 GiB x $0.023; month 6 on: 3 x $0.023 + 3 x $0.0036 = $0.0798 */
    assert_int_equal(c->growth[0].storage, 23000);
    assert_int_equal(c->growth[5].storage, 79800);
    assert_int_equal(c->growth[35].storage, 79800);
    /* without lifecycle: 36 GiB in Standard by month 36 = $0.828 */
    assert_int_equal(c->growth[35].bytes_flat, 36 * OT_GIB);
    assert_int_equal(c->growth[35].storage_flat, 828000);
    /* transitions: one cohort of 8,640 log + 720 digest files a month from month 4,
     * 9,360 x $0.03 / 1,000 = $0.2808 */
    bool seen = false;
    for (size_t i = 0; i < c->nlines; i++) {
        if (strcmp(c->lines[i].price_id, "s3.transition.glacier_flexible") == 0) {
            assert_int_equal(c->lines[i].month[2], 0);
            assert_int_equal(c->lines[i].month[3], 280800);
            seen = true;
        }
        assert_string_not_equal(c->lines[i].price_id, "s3.storage.standard_ia");
    }
    assert_true(seen);
    ot_pricebook_free(pb);
    free(c);
}

static int64_t line_years3(const struct ot_cost *c, const char *price_id)
{
    for (size_t i = 0; i < c->nlines; i++) {
        if (strcmp(c->lines[i].price_id, price_id) == 0) {
            return c->lines[i].years3;
        }
    }
    return -1;
}

/* CloudTrail Lake worked out by hand: 1 GiB of JSON a month. */
static void test_lake(void **state)
{
    (void)state;
    static const char one[] = "scope: [lake]\n"
                              "events: {management: {write: 1048576}, raw_bytes_per_event: 1024}\n"
                              "lake: {pricing: one_year, retention_days: 730, query_gb: 100}\n";
    static const char seven[] = "scope: [lake]\n"
                                "events: {management: {write: 6442450944}, raw_bytes_per_event: "
                                "1024}\n"
                                "lake: {pricing: seven_year}\n";
    struct ot_scenario s;
    struct ot_error err;
    struct ot_cost *c = malloc(sizeof(*c));
    struct ot_pricebook *pb = builtin();
    assert_int_equal(parse(one, &s, &err), OT_OK);
    assert_int_equal(ot_cost_compute(&s, pb, c, &err), OT_OK);
    /* ingestion: 1 GiB x $0.75 x 36 months = $27 */
    assert_int_equal(line_years3(c, "cloudtrail.lake.ingest_1yr"), 27 * OT_MICROS_PER_USD);
    /* kept 730 days: a cohort is extended from 390 days old (month 14) to 720 (month 25):
     * months 14..24 hold 1..11 GiB, months 25..36 hold 12: 66 + 144 = 210 GiB-months x $0.023 */
    assert_int_equal(line_years3(c, "cloudtrail.lake.extended_retention"), 4830000);
    /* queries: 100 GB x $0.005 = $0.50 a month */
    assert_int_equal(line_years3(c, "cloudtrail.lake.query"), 18 * OT_MICROS_PER_USD);
    assert_int_equal(c->growth[13].total - c->growth[12].total, 23000);
    /* seven-year pricing, 6 TiB a month: 5,120 GiB x $2.50 + 1,024 GiB x $1.00 = $13,824 */
    assert_int_equal(parse(seven, &s, &err), OT_OK);
    assert_int_equal(ot_cost_compute(&s, pb, c, &err), OT_OK);
    assert_int_equal(c->month1, 13824 * OT_MICROS_PER_USD);
    assert_int_equal(line_years3(c, "cloudtrail.lake.ingest_7yr.over_25tb"), -1);
    ot_pricebook_free(pb);
    free(c);
}

/* SNS: one trail, one region and account: 8,640 log files a month, one publish
 * each (under the free million); email deliveries: (8,640 - 1,000 free) x
 * $2.00 / 100,000 = $0.1528. High-resolution alarms: 3 x $0.30 = $0.90. */
static void test_sns_alarms(void **state)
{
    (void)state;
    static const char yaml[] = "scope: [sns, cloudwatch]\n"
                               "events: {management: {write: 10}}\n"
                               "trails: [{sns: true}]\n"
                               "notifications: {delivery: email}\n"
                               "cloudwatch: {alarms: 3, high_resolution_alarms: true}\n";
    struct ot_scenario s;
    struct ot_error err;
    struct ot_cost *c = malloc(sizeof(*c));
    struct ot_pricebook *pb = builtin();
    assert_int_equal(parse(yaml, &s, &err), OT_OK);
    assert_int_equal(ot_cost_compute(&s, pb, c, &err), OT_OK);
    assert_int_equal(line_years3(c, "sns.publish"), 0);
    assert_int_equal(line_years3(c, "sns.delivery.email"), 36 * 152800);
    assert_int_equal(line_years3(c, "cloudwatch.alarm.high_resolution"), 36 * 900000);
    assert_int_equal(c->month1, 152800 + 900000);
    ot_pricebook_free(pb);
    free(c);
}

static void test_scenario_errors(void **state)
{
    (void)state;
    struct ot_scenario s;
    struct ot_error err;
    static const struct {
        const char *yaml;
        unsigned line, col;
        const char *what;
    } cases[] = {
        { "nmae: x\n", 1, 1, "unknown key 'nmae'" },
        { "events:\n  management:\n    read: -3\n", 3, 11, "read must be a whole number" },
        { "trails:\n  - copies: 0\n", 2, 5, "at least 1" },
        { "trails: {a: 1}\n", 1, 9, "trails must be a list" },
        { "trails:\n  - management: some\n", 2, 17, "management must be all" },
        { "events:\n  data:\n    s3: 1\n    s3: 2\n", 0, 0, "" }, /* duplicate key: YAML error */
        { "a: &x 1\nb: *x\n", 2, 5, "aliases" }, /* libfyaml marks the name after '*' */
        { "---\nname: a\n---\nname: b\n", 3, 1, "second YAML document" },
        { "cloudwatch:\n  filtered_pct: 101\n", 2, 17, "from 0 to 100" },
        { "- 1\n", 1, 1, "the scenario must be a mapping" },
        { "name: caf\xc3\xa9\nregion: \xff\n", 2, 9, "not UTF-8" }, /* é is one column */
        { "name: \xed\xa0\x80\n", 1, 7, "not UTF-8" },              /* a surrogate */
        { "%YAML 1.2\n---\nname: x\n", 1, 1, "directives" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ot_status st = parse(cases[i].yaml, &s, &err);
        if (st == OT_OK) {
            fail_msg("case %zu should fail: %s", i, cases[i].yaml);
        }
        assert_string_equal(err.where, "t.yaml");
        if (cases[i].line != 0 && (err.line != cases[i].line || err.col != cases[i].col ||
                                   strstr(err.what, cases[i].what) == NULL)) {
            fail_msg("case %zu: got %u:%u '%s', want %u:%u '%s'", i, err.line, err.col, err.what,
                     cases[i].line, cases[i].col, cases[i].what);
        }
        if (cases[i].line == 0 && err.line == 0) {
            fail_msg("case %zu: no position for '%s'", i, err.what);
        }
    }
}

static void test_scalars(void **state)
{
    (void)state;
    struct ot_scenario s;
    struct ot_error err;
    assert_int_equal(parse("name: 'it''s ours'\nregion: \"eu-\\x41\"\n", &s, &err), OT_OK);
    assert_string_equal(s.name, "it's ours");
    assert_string_equal(s.region, "eu-A");
    assert_int_equal(parse("name: ''\nevents:\n  management:\n    read: 25,000,000\n", &s, &err),
                     OT_OK);
    assert_string_equal(s.name, "");
    assert_int_equal(s.mgmt_read, 25000000);
    assert_int_equal(parse("name: 'a\n  b'\n", &s, &err), OT_OK); /* folded, as YAML says */
    assert_string_equal(s.name, "a b");
}

/* Fail each allocation in turn: only OT_E_NOMEM, never a crash or a leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    if (!ot_alloc_fail_after(0)) {
        skip(); /* built without fail points: not counted as a pass */
    }
    bool done_scn = false, done_pb = false;
    for (unsigned long k = 1; k < 500 && !(done_scn && done_pb); k++) {
        struct ot_scenario s;
        struct ot_error err;
        struct ot_pricebook *pb = NULL;
        ot_alloc_fail_after(k);
        ot_status a = done_scn ? OT_OK : ot_scenario_parse(SV(seed_yaml), "t", &s, &err);
        ot_alloc_fail_after(k);
        ot_status b = done_pb ? OT_OK : ot_pricebook_builtin(NULL, &pb, &err);
        ot_alloc_fail_after(0);
        ot_pricebook_free(pb);
        if ((a != OT_OK && a != OT_E_NOMEM) || (b != OT_OK && b != OT_E_NOMEM)) {
            fail_msg("allocation %lu: statuses %d and %d, %s", k, a, b, err.what);
        }
        done_scn = done_scn || a == OT_OK;
        done_pb = done_pb || b == OT_OK;
    }
    assert_true(done_scn && done_pb);

    /* pricing and advice allocate their scratch space: same loop */
    static const char full[] = "events: {management: {read: 10, write: 5}, bytes_per_event: 100}\n"
                               "trails: [{name: a, insights: [api_call_rate]}, {copies: 2}]\n"
                               "storage: {lifecycle: [{after_days: 30, to: deep_archive}]}\n";
    struct ot_scenario s;
    struct ot_error err;
    struct ot_pricebook *pb = builtin();
    struct ot_cost *c = malloc(sizeof(*c));
    struct ot_advice_list *al = malloc(sizeof(*al));
    assert_int_equal(parse(full, &s, &err), OT_OK);
    bool done = false;
    for (unsigned long k = 1; k < 100 && !done; k++) {
        ot_alloc_fail_after(k);
        ot_status a = ot_cost_compute(&s, pb, c, &err);
        ot_status b = a == OT_OK ? ot_advise(&s, pb, al, &err) : a;
        ot_alloc_fail_after(0);
        if (b != OT_OK && b != OT_E_NOMEM) {
            fail_msg("allocation %lu: status %d, %s", k, b, err.what);
        }
        if (a == OT_OK && b == OT_E_NOMEM) {
            assert_int_equal(al->n, 0); /* nothing half-filled is left behind */
        }
        done = b == OT_OK;
    }
    assert_true(done);
    assert_true(al->n > 0);
    ot_pricebook_free(pb);
    free(c);
    free(al);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usd),
        cmocka_unit_test(test_price_cost),
        cmocka_unit_test(test_pricebook_errors),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_lake),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_sns_alarms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
