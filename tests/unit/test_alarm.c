/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_alarm.c - alarm evaluation against every row of the
 * truth tables AWS documents for TreatMissingData (spec 6.6), the premature
 * alarm guard, statistics, comparisons, and definition checks.
 */
#include "helpers.h"

/* "0 - X - X": oldest first; 0 = not breaching (value 0), X = breaching (value 5), - = missing */
static unsigned points(const char *row, struct ot_datapoint *p)
{
    unsigned n = 0;
    for (const char *c = row; *c; c++) {
        if (*c == ' ') {
            continue;
        }
        memset(&p[n], 0, sizeof(p[n]));
        if (*c != '-') {
            ot_datapoint_add(&p[n], *c == 'X' ? 5.0 : 0.0);
        }
        n++;
    }
    return n;
}

static enum ot_alarm_state parse_state(const char *s, enum ot_alarm_state keep)
{
    if (strcmp(s, "keep") == 0) {
        return keep;
    }
    return strcmp(s, "ALARM") == 0 ? OT_ALARM_ALARM
           : strcmp(s, "OK") == 0  ? OT_ALARM_OK
                                   : OT_ALARM_INSUFFICIENT_DATA;
}

static void check_table(unsigned N, unsigned M, const char *const rows[][5], size_t nrows)
{
    static const enum ot_missing_data modes[] = { OT_MISSING, OT_MISSING_IGNORE,
                                                  OT_MISSING_BREACHING, OT_MISSING_NOT_BREACHING };
    for (size_t r = 0; r < nrows; r++) {
        struct ot_datapoint p[8];
        unsigned n = points(rows[r][0], p);
        for (int m = 0; m < 4; m++) {
            struct ot_alarm_def def = { .period_s = 60,
                                        .evaluation_periods = N,
                                        .datapoints_to_alarm = M,
                                        .threshold = 1,
                                        .cmp = OT_CMP_GE,
                                        .stat = OT_STAT_SUM,
                                        .missing = modes[m] };
            assert_int_equal(n, ot_alarm_range(&def));
            /* "keep" must hold whatever the state was: try each */
            for (int cur = 0; cur < 3; cur++) {
                enum ot_alarm_state want = parse_state(rows[r][1 + m], (enum ot_alarm_state)cur);
                enum ot_alarm_state got = ot_alarm_evaluate(&def, p, n, (enum ot_alarm_state)cur);
                if (got != want) {
                    fail_msg("N=%u M=%u '%s' mode %d from %s: got %s, want %s", N, M, rows[r][0], m,
                             ot_alarm_state_name((enum ot_alarm_state)cur),
                             ot_alarm_state_name(got), ot_alarm_state_name(want));
                }
            }
        }
    }
}

/* Columns: missing, ignore, breaching, notBreaching. AWS's table for N = M = 3.
 * The spec transcribes the second row as "0 - - - -"; AWS's page shows "- - - - 0"
 * (newest point OK), the only reading consistent with the other rows and with the
 * M = 2 table's same row: see docs/alarms.md. */
static const char *const table_3_3[][5] = {
    { "0 - X - X", "OK", "OK", "OK", "OK" },
    { "- - - - 0", "OK", "OK", "OK", "OK" },
    { "- - - - -", "INSUFFICIENT_DATA", "keep", "ALARM", "OK" },
    { "0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM" },
    { "- - X - -", "ALARM", "keep", "ALARM", "OK" },
};

/* M = 2 of N = 3 */
static const char *const table_2_3[][5] = {
    { "0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM" },
    { "0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM" },
    { "0 - X - -", "OK", "OK", "ALARM", "OK" },
    { "- - - - 0", "OK", "OK", "ALARM", "OK" },
    { "- - - X -", "ALARM", "keep", "ALARM", "OK" },
};

static void test_truth_tables(void **state)
{
    (void)state;
    check_table(3, 3, table_3_3, sizeof(table_3_3) / sizeof(table_3_3[0]));
    check_table(3, 2, table_2_3, sizeof(table_2_3) / sizeof(table_2_3[0]));
}

/* The premature-alarm guard: N = M = 3, missing data, intermittent points */
static void test_guard(void **state)
{
    (void)state;
    struct ot_alarm_def def = { .period_s = 300,
                                .evaluation_periods = 3,
                                .threshold = 1,
                                .cmp = OT_CMP_GE,
                                .stat = OT_STAT_SUM,
                                .missing = OT_MISSING };
    struct ot_datapoint p[5];
    unsigned n = points("- - - - X", p);
    assert_int_equal(ot_alarm_evaluate(&def, p, n, OT_ALARM_OK), OT_ALARM_OK);
    n = points("- - - X -", p);
    assert_int_equal(ot_alarm_evaluate(&def, p, n, OT_ALARM_OK), OT_ALARM_OK);
    n = points("- - X - -", p);
    assert_int_equal(ot_alarm_evaluate(&def, p, n, OT_ALARM_OK), OT_ALARM_ALARM);
}

static void test_statistics(void **state)
{
    (void)state;
    struct ot_datapoint p[3];
    memset(p, 0, sizeof(p));
    ot_datapoint_add(&p[2], 2);
    ot_datapoint_add(&p[2], 4);
    ot_datapoint_add(&p[2], 9);
    struct {
        enum ot_statistic stat;
        enum ot_comparison cmp;
        double threshold;
        enum ot_alarm_state want;
    } cases[] = {
        { OT_STAT_SUM, OT_CMP_GE, 15, OT_ALARM_ALARM },         /* 15 >= 15 */
        { OT_STAT_SUM, OT_CMP_GT, 15, OT_ALARM_OK },            /* 15 > 15 no */
        { OT_STAT_SAMPLE_COUNT, OT_CMP_GE, 3, OT_ALARM_ALARM }, /* 3 values */
        { OT_STAT_AVERAGE, OT_CMP_LT, 5.01, OT_ALARM_ALARM },   /* 5 < 5.01 */
        { OT_STAT_AVERAGE, OT_CMP_LE, 4.99, OT_ALARM_OK },
        { OT_STAT_MINIMUM, OT_CMP_LE, 2, OT_ALARM_ALARM },
        { OT_STAT_MAXIMUM, OT_CMP_GT, 8, OT_ALARM_ALARM },
        { OT_STAT_MAXIMUM, OT_CMP_GT, 9, OT_ALARM_OK },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ot_alarm_def def = { .period_s = 60,
                                    .evaluation_periods = 1,
                                    .threshold = cases[i].threshold,
                                    .cmp = cases[i].cmp,
                                    .stat = cases[i].stat,
                                    .missing = OT_MISSING };
        assert_int_equal(ot_alarm_evaluate(&def, p, 3, OT_ALARM_OK), cases[i].want);
    }
}

static void test_check(void **state)
{
    (void)state;
    struct ot_error err;
    struct ot_alarm_def ok = { .period_s = 300, .evaluation_periods = 1, .threshold = 1 };
    assert_int_equal(ot_alarm_check(&ok, &err), OT_OK);
    struct ot_alarm_def bad_period = ok;
    bad_period.period_s = 45;
    assert_int_equal(ot_alarm_check(&bad_period, &err), OT_E_USAGE);
    assert_non_null(strstr(err.what, "Period 45"));
    struct ot_alarm_def bad_m = ok;
    bad_m.datapoints_to_alarm = 2;
    assert_int_equal(ot_alarm_check(&bad_m, &err), OT_E_USAGE);
    struct ot_alarm_def too_long = ok;
    too_long.period_s = 3600;
    too_long.evaluation_periods = 25;
    assert_int_equal(ot_alarm_check(&too_long, &err), OT_E_USAGE);
    struct ot_alarm_def zero = ok;
    zero.evaluation_periods = 0;
    assert_int_equal(ot_alarm_check(&zero, &err), OT_E_USAGE);
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    char buf[21];
    /* 2023-07-10T11:42:18Z = 1688989338 s: date -u -d 2023-07-10T11:42:18Z +%s */
    assert_int_equal(ot_time_parse_iso(SV("2023-07-10T11:42:18Z"), &ms), OT_OK);
    assert_true(ms == 1688989338000LL);
    ot_time_iso(ms, buf);
    assert_string_equal(buf, "2023-07-10T11:42:18Z");
    assert_int_equal(ot_time_parse_iso(SV("2023-07-10T11:42:18.250Z"), &ms), OT_OK);
    assert_true(ms == 1688989338250LL);
    assert_int_equal(ot_time_parse_iso(SV("1970-01-01T00:00:00Z"), &ms), OT_OK);
    assert_true(ms == 0);
    assert_int_equal(ot_time_parse_iso(SV("2024-02-29T23:59:59Z"), &ms), OT_OK);
    ot_time_iso(ms, buf);
    assert_string_equal(buf, "2024-02-29T23:59:59Z");
    assert_int_equal(ot_time_parse_iso(SV("2023-13-10T11:42:18Z"), &ms), OT_E_PARSE);
    assert_int_equal(ot_time_parse_iso(SV("2023-07-10T11:42:18Zjunk"), &ms), OT_E_PARSE);
}

struct trail {
    char log[256];
};

static void on_tr(void *ctx, const struct ot_transition *t)
{
    struct trail *tr = ctx;
    char buf[64];
    snprintf(buf, sizeof(buf), "%lld:%s>%s ", (long long)(t->at_ms / 300000),
             ot_alarm_state_name(t->from), ot_alarm_state_name(t->to));
    strncat(tr->log, buf, sizeof(tr->log) - strlen(tr->log) - 1);
}

/* The CIS alarm (Sum >= 1 in 5 min, N = M = 1) replayed over matches in periods 0, 2 and 10 */
static void test_replay(void **state)
{
    (void)state;
    struct ot_series_point pts[3];
    memset(pts, 0, sizeof(pts));
    pts[0].start_ms = 0;
    ot_datapoint_add(&pts[0].dp, 1);
    pts[1].start_ms = 2 * 300000;
    ot_datapoint_add(&pts[1].dp, 1);
    ot_datapoint_add(&pts[1].dp, 1);
    pts[2].start_ms = 10 * 300000;
    ot_datapoint_add(&pts[2].dp, 1);
    struct ot_alarm_def def = { .period_s = 300,
                                .evaluation_periods = 1,
                                .threshold = 1,
                                .cmp = OT_CMP_GE,
                                .stat = OT_STAT_SUM,
                                .missing = OT_MISSING_NOT_BREACHING };
    /* CloudWatch evaluates the most recent N real datapoints of its range (N + 2 = 3
     * periods) whatever TreatMissingData says, so one breach holds ALARM while it is in the
     * range: periods 0..4 (0, then 2 seen through 4), OK at 5 once the range [3,5] is empty;
     * again 10..12, OK at 13. */
    struct trail t = { "" };
    assert_int_equal(ot_alarm_replay(&def, pts, 3, on_tr, &t, NULL), OT_OK);
    assert_string_equal(t.log, "0:INSUFFICIENT_DATA>ALARM 5:ALARM>OK 10:OK>ALARM 13:ALARM>OK ");
    /* with missing data treated as missing, a range of N + 2 = 3 periods keeps the last
     * real datapoint in view for two more periods, then there is no data */
    def.missing = OT_MISSING;
    memset(&t, 0, sizeof(t));
    assert_int_equal(ot_alarm_replay(&def, pts, 3, on_tr, &t, NULL), OT_OK);
    assert_string_equal(t.log, "0:INSUFFICIENT_DATA>ALARM 5:ALARM>INSUFFICIENT_DATA "
                               "10:INSUFFICIENT_DATA>ALARM 13:ALARM>INSUFFICIENT_DATA ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_tables), cmocka_unit_test(test_guard),
        cmocka_unit_test(test_statistics),   cmocka_unit_test(test_check),
        cmocka_unit_test(test_time),         cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
