/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_keep.c - lifecycle plans on a small local store: key
 * times, the longest prefix, transitions, a digest expiring only with its
 * logs, the retention lock, expired.json, and each allocation failing in turn.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define LOGK                                     \
    "AWSLogs/1/CloudTrail/us-east-1/2023/07/10/" \
    "1_CloudTrail_us-east-1_20230710T1145Z_abcdefghijklmnop.json.gz"
#define OTHK "other/x.json"

static char *tmpdir(void)
{
    char *d = strdup("/tmp/ot-keep.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rm_rf(const char *d)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static void test_key_time(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(ot_keep_key_time(LOGK, &t));
    assert_int_equal(t, 1688989500000LL); /* 2023-07-10T11:45:00Z */
    assert_true(
        ot_keep_key_time("AWSLogs/1/CloudTrail-Digest/us-east-1/2023/07/10/"
                         "1_CloudTrail-Digest_us-east-1_main_us-east-1_20230710T130000Z.json.gz",
                         &t));
    assert_int_equal(t, 1688994000000LL); /* 13:00:00 */
    assert_false(ot_keep_key_time("x.json.gz", &t));
    assert_false(ot_keep_key_time("", &t));
    assert_string_equal(ot_keep_class_name(OT_KEEP_DEEP_ARCHIVE), "DEEP_ARCHIVE");
    assert_string_equal(ot_keep_class_name(99), "?");
}

struct fx {
    char *d, hot[256], arch[256], state[256];
    struct ot_keep_store s;
};

static void fx_init(struct fx *f)
{
    struct ot_backend b = { 0 };
    f->d = tmpdir();
    (void)snprintf(f->hot, sizeof(f->hot), "%s/buckets", f->d);
    (void)snprintf(f->arch, sizeof(f->arch), "%s/archive", f->d);
    (void)snprintf(f->state, sizeof(f->state), "%s/state", f->d);
    f->s = (struct ot_keep_store){ .hot_root = f->hot,
                                   .archive_root = f->arch,
                                   .state_dir = f->state };
    assert_int_equal(ot_store_local_open(f->hot, &b, NULL), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk", LOGK, "x", 1, NULL, 0, NULL), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk", OTHK, "yy", 2, NULL, 0, NULL), OT_OK);
    ot_store_close(&b);
}

static const struct ot_keep_rule rules[] = {
    { .prefix = "", .expire_days = 100000 },
    { .prefix = "AWSLogs/",
      .transition_days = 90,
      .storage_class = OT_KEEP_GLACIER,
      .expire_days = 2555,
      .retain_days = 365 },
};
static const int64_t T0 = 1688989500000LL; /* the log's delivery */

static void test_plan_and_run(void **state)
{
    (void)state;
    struct fx f;
    struct ot_keep_plan p;
    uint64_t done = 0;
    struct ot_error err;
    fx_init(&f);
    /* day 91: the log moves (longest prefix wins), the other object does not */
    assert_int_equal(ot_keep_plan_make(&f.s, "bk", rules, 2, T0 + 91 * OT_DAY_MS, &p, NULL), OT_OK);
    assert_int_equal(p.transitions, 1);
    assert_string_equal(p.v[0].key, LOGK);
    assert_int_equal(p.transition_bytes_by_class[OT_KEEP_GLACIER], 1);
    assert_int_equal(ot_keep_plan_run(&f.s, &p, T0 + 91 * OT_DAY_MS, &done, NULL), OT_OK);
    assert_int_equal(done, 1);
    ot_keep_plan_cleanup(&p);
    /* the backend reads it from the archive tier, and lists it once */
    struct ot_backend b = { 0 };
    struct ot_buf data = OT_BUF_INIT(1024);
    assert_int_equal(ot_store_local_open(f.hot, &b, NULL), OT_OK);
    assert_int_equal(ot_store_local_set_archive(&b, f.arch, NULL), OT_OK);
    assert_int_equal(b.ops->get(b.be, "bk", LOGK, &data, NULL, NULL), OT_OK);
    assert_string_equal(data.data, "x");
    uint64_t size = 0;
    assert_int_equal(b.ops->head(b.be, "bk", LOGK, &size, NULL), OT_OK);
    assert_int_equal(size, 1);
    /* an overwrite of an archived object is refused, as in the hot tier */
    assert_int_equal(b.ops->put(b.be, "bk", LOGK, "z", 1, NULL, 0, &err), OT_E_USAGE);
    ot_buf_cleanup(&data);
    ot_store_close(&b);
    /* the retention lock, then expiry: no digests in this bucket, so the log goes alone */
    assert_int_equal(ot_keep_delete(&f.s, "bk", LOGK, rules, 2, T0 + 364 * OT_DAY_MS, &err),
                     OT_E_USAGE);
    assert_non_null(strstr(err.what, "retention lock"));
    assert_int_equal(ot_keep_plan_make(&f.s, "bk", rules, 2, T0 + 2555 * OT_DAY_MS, &p, NULL),
                     OT_OK);
    assert_int_equal(p.expiries, 1);
    assert_int_equal(p.expiry_archive_bytes, 1);
    assert_int_equal(ot_keep_plan_run(&f.s, &p, T0 + 2555 * OT_DAY_MS, &done, NULL), OT_OK);
    assert_int_equal(ot_keep_plan_run(&f.s, &p, T0 + 2555 * OT_DAY_MS, &done, NULL), OT_OK);
    ot_keep_plan_cleanup(&p);
    struct ot_keep_range *r = NULL;
    size_t n = 0;
    assert_int_equal(ot_keep_expired_load(f.state, "bk", &r, &n, NULL), OT_OK);
    assert_int_equal(n, 1); /* a rerun records it once */
    assert_int_equal(r[0].from_ms, T0);
    assert_int_equal(r[0].logs, 1);
    ot_free(r);
    assert_int_equal(ot_keep_expired_load(f.state, "other", &r, &n, NULL), OT_OK);
    assert_int_equal(n, 0);
    ot_free(r);
    /* after the lock lifts a hand deletion goes through */
    assert_int_equal(ot_keep_delete(&f.s, "bk", OTHK, rules, 2, T0, NULL), OT_OK);
    assert_int_equal(ot_keep_delete(&f.s, "bk", OTHK, rules, 2, T0, &err), OT_E_IO);
    rm_rf(f.d);
    free(f.d);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    bool done = false;
    for (unsigned long i = 1; !done && i < 1000; i++) {
        struct ot_keep_plan p;
        ot_alloc_fail_after(i);
        ot_status st = ot_keep_plan_make(&f.s, "bk", rules, 2, T0 + 91 * OT_DAY_MS, &p, NULL);
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            assert_int_equal(p.transitions, 1);
            ot_keep_plan_cleanup(&p);
            done = true;
        } else {
            assert_int_equal(st, OT_E_NOMEM);
        }
    }
    assert_true(done);
    rm_rf(f.d);
    free(f.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_time),
        cmocka_unit_test(test_plan_and_run),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
