/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_spool.c - the durable spool and the live trail writer:
 * append, sync, read back, checkpoint and segment removal; a torn last frame
 * cut away on reopen; a changed frame found by its CRC; the spool cap; and
 * the live writer's crash recovery (a replay after a lost checkpoint adds no
 * record twice, files journaled as intents are found in the store), with
 * every allocation failed in turn.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/ot-spool.XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

struct collect {
    unsigned n;
    char last[64];
    uint64_t last_next;
};

static bool on_rec(void *ctx, struct ot_sv rec, uint64_t pos, uint64_t next)
{
    (void)pos;
    struct collect *c = ctx;
    c->n++;
    (void)snprintf(c->last, sizeof(c->last), "%.*s", (int)rec.n, rec.p);
    c->last_next = next;
    return true;
}

static bool on_one(void *ctx, struct ot_sv rec, uint64_t pos, uint64_t next)
{
    (void)on_rec(ctx, rec, pos, next);
    return false;
}

static unsigned read_all(struct ot_spool *s, uint64_t from, struct collect *c)
{
    struct ot_error err;
    struct ot_spool_stats st;
    ot_spool_stats(s, &st);
    uint64_t pos = from;
    while (pos < st.durable) {
        uint64_t next;
        assert_int_equal(ot_spool_read(s, pos, 1 << 20, on_rec, c, &next, &err), OT_OK);
        assert_true(next > pos);
        pos = next;
    }
    return c->n;
}

static unsigned count_segments(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strstr(e->d_name, ".seg") != NULL;
    }
    closedir(d);
    return n;
}

static void test_append_read_checkpoint(void **state)
{
    (void)state;
    char *dir = tmpdir();
    struct ot_spool_opts o = { .dir = dir, .segment_bytes = 1024 };
    struct ot_spool *s = NULL;
    struct ot_error err;
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    char rec[64];
    uint64_t end = 0;
    for (int i = 0; i < 200; i++) {
        int n = snprintf(rec, sizeof(rec), "{\"n\":%d}", i);
        struct ot_sv sv = { rec, (size_t)n };
        assert_int_equal(ot_spool_append(s, &sv, 1, &end, &err), OT_OK);
    }
    assert_int_equal(ot_spool_sync(s, end, &err), OT_OK);
    struct collect c = { 0 };
    assert_int_equal(read_all(s, 0, &c), 200);
    assert_string_equal(c.last, "{\"n\":199}");
    assert_true(count_segments(dir) > 2); /* 200 frames of ~16 bytes over 1 KB segments */
    unsigned before = count_segments(dir);
    /* checkpoint half way: whole segments before it go, the rest replays */
    struct collect half = { 0 };
    uint64_t mid = 0;
    for (uint64_t pos = 0; half.n < 100;) {
        uint64_t next;
        struct collect one = { 0 };
        assert_int_equal(ot_spool_read(s, pos, 1, on_one, &one, &next, &err), OT_OK);
        half.n += one.n;
        pos = next;
        mid = pos;
    }
    assert_int_equal(ot_spool_checkpoint(s, mid, &err), OT_OK);
    assert_true(count_segments(dir) < before);
    ot_spool_close(s);
    s = NULL;
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    struct ot_spool_stats st;
    ot_spool_stats(s, &st);
    assert_int_equal(st.checkpoint, mid);
    struct collect rest = { 0 };
    assert_true(read_all(s, st.checkpoint, &rest) >= 100); /* at least what was not delivered */
    assert_string_equal(rest.last, "{\"n\":199}");
    ot_spool_close(s);
    rm_rf(dir);
    free(dir);
}

static void test_torn_tail_and_crc(void **state)
{
    (void)state;
    char *dir = tmpdir();
    struct ot_spool_opts o = { .dir = dir };
    struct ot_spool *s = NULL;
    struct ot_error err;
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    struct ot_sv recs[3] = { SV("{\"a\":1}"), SV("{\"b\":2}"), SV("{\"c\":3}") };
    uint64_t end;
    assert_int_equal(ot_spool_append(s, recs, 3, &end, &err), OT_OK);
    assert_int_equal(ot_spool_sync(s, end, &err), OT_OK);
    ot_spool_close(s);
    /* a crash in the middle of the last frame: cut it off on open */
    char seg[600];
    (void)snprintf(seg, sizeof(seg), "%s/0000000000000000.seg", dir);
    assert_int_equal(truncate(seg, (off_t)(end - 3)), 0);
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    struct collect c = { 0 };
    assert_int_equal(read_all(s, 0, &c), 2);
    assert_string_equal(c.last, "{\"b\":2}");
    /* appends go on after the cut */
    uint64_t end2;
    assert_int_equal(ot_spool_append(s, &recs[2], 1, &end2, &err), OT_OK);
    assert_int_equal(ot_spool_sync(s, end2, &err), OT_OK);
    struct collect c2 = { 0 };
    assert_int_equal(read_all(s, 0, &c2), 3);
    ot_spool_close(s);
    /* a byte changed inside the last segment: recovery cuts there (as WALs do) and keeps
     * the cut bytes aside, never silently */
    int fd = open(seg, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 10), 1);
    close(fd);
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    struct ot_spool_stats st;
    ot_spool_stats(s, &st);
    assert_int_equal(st.cut_bytes, end2);
    char aside[700];
    (void)snprintf(aside, sizeof(aside), "%s.cut-0", seg);
    struct stat sb;
    assert_int_equal(stat(aside, &sb), 0);
    assert_int_equal((uint64_t)sb.st_size, end2);
    /* in a full segment, the check is at read: OT_E_PARSE names the CRC, and
     * skip_damaged says where reading goes on */
    uint64_t e3;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ot_spool_append(s, recs, 3, &e3, &err), OT_OK);
    }
    assert_int_equal(ot_spool_sync(s, e3, &err), OT_OK);
    ot_spool_close(s);
    struct ot_spool_opts o2 = { .dir = dir, .segment_bytes = 64 };
    assert_int_equal(ot_spool_open(&o2, &s, &err), OT_OK);
    assert_int_equal(ot_spool_append(s, recs, 1, &e3, &err), OT_OK); /* a new segment */
    assert_int_equal(ot_spool_sync(s, e3, &err), OT_OK);
    fd = open(seg, O_RDWR);
    assert_int_equal(pwrite(fd, "X", 1, 10), 1);
    close(fd);
    uint64_t next;
    struct collect c3 = { 0 };
    assert_int_equal(ot_spool_read(s, 0, 1 << 20, on_rec, &c3, &next, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "CRC"));
    uint64_t skip = ot_spool_skip_damaged(s, 0);
    assert_true(skip > 0);
    struct collect c4 = { 0 };
    assert_int_equal(read_all(s, skip, &c4), 1);
    ot_spool_close(s);
    rm_rf(dir);
    free(dir);
}

static void test_cap(void **state)
{
    (void)state;
    char *dir = tmpdir();
    struct ot_spool_opts o = { .dir = dir, .max_bytes = 100 };
    struct ot_spool *s = NULL;
    struct ot_error err;
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_OK);
    struct ot_sv r = SV("0123456789012345678901234567890123456789"); /* 48 bytes framed */
    uint64_t end;
    assert_int_equal(ot_spool_append(s, &r, 1, &end, &err), OT_OK);
    assert_int_equal(ot_spool_append(s, &r, 1, &end, &err), OT_OK);
    assert_int_equal(ot_spool_append(s, &r, 1, &end, &err), OT_E_RETRY);
    assert_non_null(strstr(err.fix, "SpoolMaxBytes"));
    assert_int_equal(ot_spool_checkpoint(s, end, &err), OT_OK);
    assert_int_equal(ot_spool_append(s, &r, 1, &end, &err), OT_OK); /* room again */
    struct ot_sv empty = { "", 0 };
    assert_int_equal(ot_spool_append(s, &empty, 1, &end, &err), OT_E_LIMIT);
    ot_spool_close(s);
    /* a checkpoint past the end is refused, not trusted */
    char cp[600];
    (void)snprintf(cp, sizeof(cp), "%s/checkpoint", dir);
    FILE *f = fopen(cp, "w");
    fputs("999999\n", f);
    fclose(f);
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_E_PARSE);
    f = fopen(cp, "w");
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(ot_spool_open(&o, &s, &err), OT_E_PARSE);
    assert_non_null(strstr(err.what, "damaged"));
    rm_rf(dir);
    free(dir);
}

/* ---- the live writer ------------------------------------------------- */

#define REC_FMT                                                          \
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\"},"   \
    "\"eventTime\":\"2026-01-01T00:00:%02dZ\",\"eventSource\":\"iam."    \
    "amazonaws.com\",\"eventName\":\"GetUser\",\"awsRegion\":\"us-east-" \
    "1\",\"eventID\":\"id-%d\",\"readOnly\":true,\"eventCategory\":"     \
    "\"Management\",\"managementEvent\":true,\"recipientAccountId\":"    \
    "\"111122223333\"}"

struct add_ctx {
    struct ot_live *lv;
    struct ot_sv json;
    int64_t now;
    ot_status st;
};

static bool add_one(void *ctx, const struct ot_record *rec)
{
    struct add_ctx *a = ctx;
    struct ot_error err;
    a->st = ot_live_add(a->lv, rec, a->json, a->now, &err);
    return true;
}

static ot_status add_records(struct ot_live *lv, struct ot_reader *rd, int from, int to,
                             int64_t now)
{
    char js[1024];
    for (int i = from; i < to; i++) {
        int n = snprintf(js, sizeof(js), REC_FMT, i % 60, i);
        struct add_ctx a = { lv, { js, (size_t)n }, now, OT_OK };
        struct ot_read_result res;
        struct ot_error err;
        ot_status st = ot_reader_read_mem(rd, js, (size_t)n, "t", add_one, NULL, &a, &res, &err);
        if (st != OT_OK) {
            return st;
        }
        if (a.st != OT_OK) {
            return a.st;
        }
    }
    return OT_OK;
}

struct live_env {
    char *dir, keys[512], state[512], root[512];
    struct ot_backend b;
    struct ot_selectors *sel;
    struct ot_live_trail trail;
    struct ot_live_opts o;
    struct ot_reader *rd;
};

static void env_init(struct live_env *e)
{
    struct ot_error err;
    memset(e, 0, sizeof(*e));
    e->dir = tmpdir();
    (void)snprintf(e->keys, sizeof(e->keys), "%s/keys", e->dir);
    (void)snprintf(e->state, sizeof(e->state), "%s/state", e->dir);
    (void)snprintf(e->root, sizeof(e->root), "%s/buckets", e->dir);
    char fp[33];
    assert_int_equal(ot_keys_generate(e->keys, 0, 0, fp, &err), OT_OK);
    assert_int_equal(ot_store_local_open_batch(e->root, &e->b, &err), OT_OK);
    assert_int_equal(ot_selectors_default(&e->sel), OT_OK);
    e->trail = (struct ot_live_trail){
        .name = "main",
        .bucket = "b",
        .home_region = "us-east-1",
        .validation = true,
        .selectors = e->sel,
        .scope = { .home_region = "us-east-1", .is_multi_region = true, .include_global = true },
        .backend = &e->b
    };
    e->o = (struct ot_live_opts){ .keys_dir = e->keys, .state_dir = e->state };
    struct ot_read_opts ro = { 0 };
    assert_int_equal(ot_reader_new(&ro, &e->rd), OT_OK);
}

static void env_cleanup(struct live_env *e)
{
    ot_reader_free(e->rd);
    ot_selectors_free(e->sel);
    ot_store_close(&e->b);
    rm_rf(e->dir);
    free(e->dir);
}

struct count {
    unsigned files, digests;
};

static bool count_key(void *ctx, const char *key)
{
    struct count *c = ctx;
    if (strstr(key, ".meta.json") != NULL) {
        return true;
    }
    c->digests += strstr(key, "CloudTrail-Digest/") != NULL;
    c->files += strstr(key, "/CloudTrail/") != NULL;
    return true;
}

static unsigned stored_records(struct live_env *e)
{
    char cmd[1024];
    (void)snprintf(cmd, sizeof(cmd),
                   "gzip -dc $(find '%s/b' -path '*/CloudTrail/*' -name "
                   "'*.json.gz') | grep -o '\"eventID\"' | wc -l",
                   e->root);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned n = 0;
    assert_int_equal(fscanf(p, "%u", &n), 1);
    pclose(p);
    return n;
}

static void test_live_recovery(void **state)
{
    (void)state;
    struct live_env e;
    env_init(&e);
    struct ot_error err;
    struct ot_live *lv = NULL;
    int64_t t0 = 1780000000000LL; /* 2026-05-28T20:26:40Z */
    assert_int_equal(ot_live_open(&e.o, &e.trail, 1, t0, &lv, &err), OT_OK);
    assert_int_equal(add_records(lv, e.rd, 0, 10, t0), OT_OK);
    bool sealed;
    assert_int_equal(ot_live_tick(lv, t0 + 1000, true, &sealed, &err), OT_OK);
    assert_true(sealed);
    /* the spool checkpoint was never journaled: a crash now replays records 0..9 */
    ot_live_close(lv);
    lv = NULL;
    assert_int_equal(ot_live_open(&e.o, &e.trail, 1, t0 + 2000, &lv, &err), OT_OK);
    assert_int_equal(add_records(lv, e.rd, 0, 15, t0 + 2000), OT_OK); /* replay + 5 new */
    struct ot_live_stats ls;
    ot_live_stats(lv, &ls);
    assert_int_equal(ls.duplicates, 10);
    assert_int_equal(ls.records_kept, 5);
    assert_int_equal(ot_live_finish(lv, t0 + 3000, &sealed, &err), OT_OK);
    ot_live_close(lv);
    assert_int_equal(stored_records(&e), 15);
    struct count c = { 0 };
    assert_int_equal(e.b.ops->list(e.b.be, "b", "AWSLogs/", NULL, count_key, &c, &err), OT_OK);
    assert_int_equal(c.files, 2);
    assert_int_equal(c.digests, 1); /* the final digest lists both */
    /* the hour ends: the next digest chains on, empty */
    lv = NULL;
    assert_int_equal(ot_live_open(&e.o, &e.trail, 1, t0 + 2 * OT_HOUR_MS, &lv, &err), OT_OK);
    assert_int_equal(ot_live_tick(lv, t0 + 2 * OT_HOUR_MS, false, &sealed, &err), OT_OK);
    ot_live_close(lv);
    c = (struct count){ 0 };
    assert_int_equal(e.b.ops->list(e.b.be, "b", "AWSLogs/", NULL, count_key, &c, &err), OT_OK);
    assert_int_equal(c.digests, 3); /* to the end of the first hour, and the next hour */
    struct ot_keyring ring = { 0 };
    assert_int_equal(ot_keys_load_dir(e.keys, &ring, &err), OT_OK);
    struct ot_validate_opts vo = { .trail_arn = "arn:aws:cloudtrail:us-east-1:111122223333:trail/"
                                                "main",
                                   .bucket = "b",
                                   .start_ms = t0 - OT_HOUR_MS,
                                   .end_ms = t0 + 3 * OT_HOUR_MS,
                                   .end_given = true,
                                   .now_ms = t0 + 3 * OT_HOUR_MS,
                                   .jobs = 1 };
    struct ot_validate_result res = { 0 };
    assert_int_equal(ot_validate(&e.b, &ring, &vo, &res, &err), OT_OK);
    assert_int_equal(res.invalid_digests, 0);
    assert_int_equal(res.valid_digests, 3);
    assert_int_equal(res.valid_logs, 2);
    ot_validate_result_cleanup(&res);
    ot_keyring_cleanup(&ring);
    env_cleanup(&e);
}

static void test_live_alloc_failures(void **state)
{
    (void)state;
    struct live_env e;
    env_init(&e);
    int64_t t0 = 1780000000000LL;
    bool done = false;
    for (unsigned long i = 1; i < 100000 && !done; i++) {
        struct ot_error err;
        struct ot_live *lv = NULL;
        bool sealed = false;
        ot_alloc_fail_after(i);
        ot_status st = ot_live_open(&e.o, &e.trail, 1, t0, &lv, &err);
        if (st == OT_OK) {
            st = add_records(lv, e.rd, 0, 3, t0);
        }
        if (st == OT_OK) {
            st = ot_live_finish(lv, t0 + 1000, &sealed, &err);
        }
        ot_alloc_fail_after(0);
        if (!(st == OT_OK || st == OT_E_NOMEM || st == OT_E_LIMIT || st == OT_E_PARSE)) {
            fail_msg("allocation %lu: status %d: %s", i, (int)st, err.what);
        }
        done = st == OT_OK;
        ot_live_close(lv);
        /* start again from nothing: a failure may leave a journal behind */
        rm_rf(e.state);
        char cmd[600];
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s/b'", e.root);
        assert_int_equal(system(cmd), 0);
        /* a fresh backend too: the old one may remember folders to sync that are gone */
        ot_store_close(&e.b);
        assert_int_equal(ot_store_local_open_batch(e.root, &e.b, &err), OT_OK);
    }
    assert_true(done);
    env_cleanup(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_read_checkpoint),
        cmocka_unit_test(test_torn_tail_and_crc),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_live_recovery),
        cmocka_unit_test(test_live_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
