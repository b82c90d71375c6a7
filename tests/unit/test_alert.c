/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_alert.c - alert text and the webhook signature, without a
 * network (the notifiers themselves are tested against real receivers in
 * tests/cli/test_alert.sh).
 */
#include "helpers.h"
#include "record/json.h"

static void test_signature(void **state)
{
    (void)state;
    char sig[68];
    /* python3: hmac.new(b'0123456789abcdef', b'1700000000.{"a":1}', hashlib.sha256).hexdigest() */
    assert_int_equal(ot_webhook_signature(SV("0123456789abcdef"), 1700000000, SV("{\"a\":1}"), sig),
                     OT_OK);
    assert_string_equal(sig, "v1=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23");
}

static void test_text(void **state)
{
    (void)state;
    const char *ev = "{\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::1:root\"},"
                     "\"eventTime\":\"2026-11-25T02:13:07Z\",\"awsRegion\":\"us-east-1\","
                     "\"sourceIPAddress\":\"203.0.113.7\",\"userAgent\":\"UA\","
                     "\"eventName\":\"ConsoleLogin\",\"eventID\":\"3f2a\","
                     "\"recipientAccountId\":\"111122223333\"}";
    struct ot_tape t;
    const char *end;
    bool sp;
    struct ot_json_err je;
    ot_tape_init(&t, 1024);
    assert_true(ot_json_parse(ev, ev + strlen(ev), &t, &sp, &end, &je));
    struct ot_record rec = {
        .json = ev, .len = (uint32_t)strlen(ev), .nnodes = t.count, .nodes = t.nodes
    };
    struct ot_alert a = { .alarm_name = "root-usage",
                          .title = "Root Login Detected",
                          .rule_id = "RootAccountUsage",
                          .cis = "4.3",
                          .from = OT_ALARM_OK,
                          .to = OT_ALARM_ALARM,
                          .value = 1,
                          .has_value = true,
                          .threshold = 1,
                          .period_s = 300,
                          .event = &rec };
    struct ot_buf b = OT_BUF_INIT(1 << 16);
    assert_int_equal(ot_alert_text(&a, &b), OT_OK);
    /* the example alert, line for line */
    assert_string_equal(
        b.data, "ALERT: Root Login Detected\n"
                "Account: 111122223333   Region: us-east-1   Time: 2026-11-25T02:13:07Z\n"
                "Who: arn:aws:iam::1:root from 203.0.113.7 (UA)\n"
                "Rule: CIS 4.3 RootAccountUsage (alarm root-usage, 1 >= 1 in 5 min, OK "
                "-> ALARM)   Event: ConsoleLogin 3f2a -> opentrail lookup --event-id 3f2a\n");
    ot_buf_cleanup(&b);
    ot_tape_cleanup(&t);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct ot_notifier *n = NULL;
    struct ot_error err;
    struct ot_notifier_conf c[] = {
        { .type = "pager" },
        { .type = "slack", .url = "ftp://x" },
        { .type = "webhook", .url = "https://x", .secret = "short" },
        { .type = "smtp", .url = "smtp://x", .mail_from = "a@b", .mail_to = "c@d\r\nBcc: e@f" },
        { .type = "smtp",
          .url = "smtp://x",
          .mail_from = "a@b",
          .mail_to = "c@d",
          .username = "u" },
        { .type = "sns", .url = "https://x", .topic_arn = "alerts" },
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        ot_error_clear(&err);
        assert_int_equal(ot_notifier_open(&c[i], &n, &err), OT_E_USAGE);
        assert_true(err.fix[0] != '\0');
        assert_null(strstr(err.what, "ftp://x")); /* URLs are never echoed */
    }
    struct ot_notifier_conf ok = { .type = "slack", .url = "https://hooks.example/T/B/SECRET" };
    assert_int_equal(ot_notifier_open(&ok, &n, &err), OT_OK);
    assert_string_equal(ot_notifier_name(n), "slack");
    ot_notifier_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
