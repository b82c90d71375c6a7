/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_prove.c - the store and prove stages: UTC time text, key
 * fingerprints and signatures checked against the shared digest-chain vector
 * (made and verified by the AWS CLI's code and OpenSSL, not by us), the
 * digest parser on AWS's own digest, the local backend's S3 semantics, and
 * allocation-failure loops over the parsers.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"

#define VEC "/spec/vectors/digest-chain"
#define DIG1                                                                                       \
    "/intact/tree/opentrail-test-bucket/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/" \
    "01/"                                                                                          \
    "123456789012_CloudTrail-Digest_us-east-1_opentrail-test_us-east-1_20240101T010000Z.json.gz"
#define DIG2                                                                                       \
    "/intact/tree/opentrail-test-bucket/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/" \
    "01/"                                                                                          \
    "123456789012_CloudTrail-Digest_us-east-1_opentrail-test_us-east-1_20240101T020000Z.json.gz"

static char *slurp(const char *rel, size_t *n)
{
    char path[1024];
    const char *shared = getenv("SHARED");
    (void)snprintf(path, sizeof(path), "%s%s", shared ? shared : "../shared", rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (set SHARED)", path);
        return NULL;
    }
    struct ot_buf b = OT_BUF_INIT(64u << 20);
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        assert_int_equal(ot_buf_append(&b, chunk, k), OT_OK);
    }
    fclose(f);
    *n = b.len;
    return b.data;
}

/* gunzip with zlib, independently of the library's gzip code */
static char *zcat(const char *rel, size_t *n)
{
    size_t gn;
    char *gz = slurp(rel, &gn);
    static char out[1 << 20];
    z_stream z = { 0 };
    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)gn;
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof(out);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *n = z.total_out;
    inflateEnd(&z);
    ot_free(gz);
    char *r = ot_strndup(out, *n);
    assert_non_null(r);
    return r;
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    char s[21];
    /* `date -u -d 2024-01-01T01:00:00Z +%s` = 1704070800 */
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01T01:00:00Z"), &ms), OT_OK);
    assert_true(ms == 1704070800000LL);
    /* `date -u -d 2000-02-29T12:34:56Z +%s` = 951827696 */
    assert_int_equal(ot_time_parse_iso(SV("2000-02-29T12:34:56Z"), &ms), OT_OK);
    assert_true(ms == 951827696000LL);
    ot_time_iso(ms, s);
    assert_string_equal(s, "2000-02-29T12:34:56Z");
    ot_time_iso(-1000, s);
    assert_string_equal(s, "1969-12-31T23:59:59Z");
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01"), &ms), OT_OK);
    assert_true(ms == 1704067200000LL);
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01T01:00:00.250Z"), &ms), OT_OK);
    assert_true(ms == 1704070800250LL);
    /* the offset is replaced, as the AWS CLI does */
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01T01:00:00+02:00"), &ms), OT_OK);
    assert_true(ms == 1704070800000LL);
    const char *bad[] = {
        "",          "2024",           "2024-13-01", "2024-01-01T25:00", "2024-01-01T01:00:00ZZ",
        "yesterday", "2024-01-01T01:0"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ot_time_parse_iso(SV(bad[i]), &ms) != OT_E_PARSE) {
            fail_msg("should not parse: %s", bad[i]);
        }
    }
}

static void test_keys_vector(void **state)
{
    (void)state;
    size_t n;
    char *js = slurp(VEC "/keys.json", &n);
    struct ot_keyring ring = { 0 };
    struct ot_error err;
    assert_int_equal(ot_keys_parse_list(js, n, &ring, &err), OT_OK);
    assert_int_equal(ring.n, 1);
    /* README: fingerprint a0ce8941fc7adecac7c22caa26d95b3d = md5 of the PKCS#1 DER */
    char fp[33];
    assert_int_equal(ot_key_fingerprint(ring.v[0].der, ring.v[0].der_len, fp), OT_OK);
    assert_string_equal(fp, "a0ce8941fc7adecac7c22caa26d95b3d");
    assert_string_equal(ring.v[0].fingerprint, fp);
    assert_int_equal(ring.v[0].der_len, 270); /* 2048-bit PKCS#1 DER (spec 3.3) */
    int64_t t;
    assert_int_equal(ot_time_parse_iso(SV("2023-12-31T00:00:00Z"), &t), OT_OK);
    assert_true(ring.v[0].valid_from_ms == t);

    /* digest 2's signature over string-to-sign-2.txt (OpenSSL says "Verified OK") */
    size_t sn, mn;
    char *sts = slurp(VEC "/string-to-sign-2.txt", &sn);
    char *meta = slurp(VEC DIG2 ".meta.json", &mn);
    const char *p = strstr(meta, "\"signature\": \"");
    assert_non_null(p);
    p += 14;
    struct ot_sv sig = { p, 512 };
    assert_int_equal(ot_verify_hex(ring.v[0].der, ring.v[0].der_len, sts, sn, sig, &err), OT_OK);
    sts[0] ^= 1; /* one bit of the message */
    assert_int_equal(ot_verify_hex(ring.v[0].der, ring.v[0].der_len, sts, sn, sig, &err),
                     OT_E_TAMPER);
    sts[0] ^= 1;
    struct ot_sv badhex = { "zz", 2 };
    assert_int_equal(ot_verify_hex(ring.v[0].der, ring.v[0].der_len, sts, sn, badhex, &err),
                     OT_E_PARSE);
    assert_int_equal(ot_verify_hex("junk", 4, sts, sn, sig, &err), OT_E_PARSE);

    /* the string to sign of digest 1, rebuilt from its fields and its bytes */
    size_t dn, s1n;
    char *d1 = zcat(VEC DIG1, &dn);
    char *s1 = slurp(VEC "/string-to-sign-1.txt", &s1n);
    struct ot_digest *d = NULL;
    assert_int_equal(ot_digest_parse(d1, dn, &d, &err), OT_OK);
    assert_true(d->has_required);
    assert_null(d->prev_signature);
    assert_false(d->has_prev_bucket);
    assert_int_equal(d->nlogs, 2);
    char h[65];
    ot_sha256_hex(d1, dn, h);
    struct ot_buf b = OT_BUF_INIT(1 << 16);
    assert_int_equal(
        ot_digest_string_to_sign(d->end_time, d->bucket, d->object, h, d->prev_signature, &b),
        OT_OK);
    assert_int_equal(b.len, s1n);
    assert_memory_equal(b.data, s1, s1n);
    /* and the key the writer would give it */
    struct ot_trail_loc loc = { .bucket = "opentrail-test-bucket",
                                .account = "123456789012",
                                .region = "us-east-1",
                                .trail_name = "opentrail-test",
                                .home_region = "us-east-1" };
    struct ot_buf k = OT_BUF_INIT(4096);
    assert_int_equal(ot_time_parse_iso(SV(d->end_time), &t), OT_OK);
    assert_int_equal(ot_digest_key(&loc, t, &k), OT_OK);
    assert_string_equal(k.data, d->object);
    ot_buf_cleanup(&k);
    ot_buf_cleanup(&b);
    ot_digest_free(d);
    ot_free(d1);
    ot_free(s1);
    ot_free(sts);
    ot_free(meta);
    ot_free(js);
    ot_keyring_cleanup(&ring);
}

static void test_real_aws_digest(void **state)
{
    (void)state;
    size_t n;
    char *js = slurp("/corpora/real-digest-llm-guard/digest_body_as_published.raw.json", &n);
    struct ot_digest *d = NULL;
    struct ot_error err;
    assert_int_equal(ot_digest_parse(js, n, &d, &err), OT_OK);
    assert_true(d->has_required);
    assert_true(d->has_prev_bucket);
    assert_string_equal(d->fingerprint, "be2f0b997552f44942837300ba1aba9d");
    /* AWS escapes '/' as "\/": the parsed key has plain slashes */
    assert_non_null(strstr(d->object, "AWSLogs/327878933619/CloudTrail-Digest/ap-northeast-1/"));
    assert_int_equal(d->nlogs, 5); /* grep -o '"hashValue"' | wc -l = 5 */
    assert_int_equal(strlen(d->prev_signature), 512);
    ot_digest_free(d);
    /* and the key layout of that object, rebuilt */
    struct ot_trail_loc loc = { .bucket = "llm-guard-trail",
                                .account = "327878933619",
                                .region = "ap-northeast-1",
                                .trail_name = "llm-guard-trail",
                                .home_region = "us-west-2" };
    struct ot_buf k = OT_BUF_INIT(4096);
    int64_t t;
    assert_int_equal(ot_time_parse_iso(SV("2023-10-15T23:04:04Z"), &t), OT_OK);
    assert_int_equal(ot_digest_key(&loc, t, &k), OT_OK);
    assert_string_equal(k.data, "AWSLogs/327878933619/CloudTrail-Digest/ap-northeast-1/2023/10/15/"
                                "327878933619_CloudTrail-Digest_ap-northeast-1_llm-guard-trail_"
                                "us-west-2_20231015T230404Z.json.gz");
    ot_buf_cleanup(&k);
    /* broken digests: parse errors, never crashes */
    const char *bad[] = { "", "[]", "{", "\"x\"", "{\"logFiles\":7}" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = NULL;
        ot_status st = ot_digest_parse(bad[i], strlen(bad[i]), &d, &err);
        if (st == OT_OK) {
            assert_false(d->has_required);
            assert_false(d->has_log_files);
            ot_digest_free(d);
        }
    }
    ot_free(js);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    size_t n, kn;
    char *js = slurp("/corpora/real-digest-llm-guard/digest_body_as_published.raw.json", &n);
    char *keys = slurp(VEC "/keys.json", &kn);
    struct ot_error err;
    bool done = false;
    for (unsigned long i = 1; i < 10000 && !done; i++) {
        struct ot_digest *d = NULL;
        ot_alloc_fail_after(i);
        ot_status st = ot_digest_parse(js, n, &d, &err);
        ot_alloc_fail_after(0);
        /* jansson often reports a failed allocation as a syntax error, so OT_E_PARSE is
         * allowed too; what matters is no crash and no leak (ASan checks both) */
        assert_true(st == OT_OK || st == OT_E_NOMEM || st == OT_E_PARSE);
        done = st == OT_OK;
        ot_digest_free(d);
    }
    assert_true(done);
    done = false;
    for (unsigned long i = 1; i < 10000 && !done; i++) {
        struct ot_keyring ring = { 0 };
        ot_alloc_fail_after(i);
        ot_status st = ot_keys_parse_list(keys, kn, &ring, &err);
        ot_alloc_fail_after(0);
        assert_true(st == OT_OK || st == OT_E_NOMEM || st == OT_E_PARSE);
        done = st == OT_OK;
        ot_keyring_cleanup(&ring);
    }
    assert_true(done);
    ot_free(js);
    ot_free(keys);
}

static bool collect(void *ctx, const char *key)
{
    struct ot_buf *b = ctx;
    return ot_buf_append_cstr(b, key) == OT_OK && ot_buf_putc(b, '\n') == OT_OK;
}

static void test_local_backend(void **state)
{
    (void)state;
    char root[] = "/tmp/ot-unit-store.XXXXXX";
    assert_non_null(mkdtemp(root));
    struct ot_backend b;
    struct ot_error err;
    assert_int_equal(ot_store_local_open(root, &b, &err), OT_OK);
    struct ot_meta m[1] = { { "signature", "abcd" } };
    const char *keys[] = { "a/b/c.json.gz", "a/b-c", "a/b/a", "z" };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(b.ops->put(b.be, "bk", keys[i], keys[i], strlen(keys[i]), m, 1, &err),
                         OT_OK);
    }
    /* sealed: a second put is refused, the first bytes stay */
    assert_int_equal(b.ops->put(b.be, "bk", "z", "other", 5, NULL, 0, &err), OT_E_USAGE);
    assert_int_equal(err.sys_errno, EEXIST);
    struct ot_buf data = OT_BUF_INIT(1 << 20), meta = OT_BUF_INIT(1 << 20);
    assert_int_equal(b.ops->get(b.be, "bk", "z", &data, &meta, &err), OT_OK);
    assert_string_equal(data.data, "z");
    assert_string_equal(meta.data, "{\"signature\":\"abcd\"}");
    uint64_t size;
    assert_int_equal(b.ops->head(b.be, "bk", "a/b/c.json.gz", &size, &err), OT_OK);
    assert_int_equal(size, 13);
    /* S3 order is byte order over whole keys ('-' 0x2d sorts before '/' 0x2f) */
    struct ot_buf l = OT_BUF_INIT(1 << 20);
    assert_int_equal(b.ops->list(b.be, "bk", "a/", NULL, collect, &l, &err), OT_OK);
    assert_string_equal(l.data, "a/b-c\na/b/a\na/b/c.json.gz\n");
    ot_buf_reset(&l);
    assert_int_equal(b.ops->list(b.be, "bk", "a/b", "a/b/a", collect, &l, &err), OT_OK);
    assert_string_equal(l.data, "a/b/c.json.gz\n");
    /* missing objects are ENOENT, as NoSuchKey */
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, "bk", "nope", &data, NULL, &err), OT_E_IO);
    assert_int_equal(err.sys_errno, ENOENT);
    assert_int_equal(b.ops->del(b.be, "bk", "z", &err), OT_OK);
    assert_int_equal(b.ops->head(b.be, "bk", "z", &size, &err), OT_E_IO);
    /* keys that would leave the bucket on disk are refused */
    assert_int_equal(b.ops->put(b.be, "bk", "../x", "x", 1, NULL, 0, &err), OT_E_USAGE);
    assert_int_equal(b.ops->put(b.be, "..", "x", "x", 1, NULL, 0, &err), OT_E_USAGE);
    assert_int_equal(b.ops->put(b.be, "bk", "x.meta.json", "x", 1, NULL, 0, &err), OT_E_USAGE);
    /* files are sealed read-only */
    char path[512];
    struct stat sb;
    (void)snprintf(path, sizeof(path), "%s/bk/a/b-c", root);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0440);
    assert_int_equal(b.ops->flush(b.be, &err), OT_OK); /* nothing deferred: a no-op */
    ot_store_close(&b);
    /* batch mode: puts land at once, folder fsyncs wait for flush */
    assert_int_equal(ot_store_local_open_batch(root, &b, &err), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk", "n/e/w.gz", "new", 3, m, 1, &err), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk2", "x", "x", 1, NULL, 0, &err), OT_OK);
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, "bk", "n/e/w.gz", &data, NULL, &err), OT_OK);
    assert_string_equal(data.data, "new");
    assert_int_equal(b.ops->flush(b.be, &err), OT_OK);
    assert_int_equal(b.ops->flush(b.be, &err), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk", "n/e/w.gz", "again", 5, NULL, 0, &err), OT_E_USAGE);
    ot_store_close(&b);
    ot_buf_cleanup(&l);
    ot_buf_cleanup(&data);
    ot_buf_cleanup(&meta);
    char cmd[600];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void test_sign_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/ot-unit-keys.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char kd[600], fp[33];
    (void)snprintf(kd, sizeof(kd), "%s/keys", dir);
    struct ot_error err;
    int64_t t0 = 1704067200000LL;
    assert_int_equal(ot_keys_generate(kd, 0, t0, fp, &err), OT_OK);
    struct ot_signer *s = NULL;
    assert_int_equal(ot_signer_load(kd, t0 - 1, &s, &err), OT_E_USAGE); /* before its validity */
    assert_int_equal(ot_signer_load(kd, t0, &s, &err), OT_OK);
    assert_string_equal(ot_signer_fingerprint(s), fp);
    struct ot_buf sig = OT_BUF_INIT(4096);
    assert_int_equal(ot_sign_hex(s, "msg", 3, &sig, &err), OT_OK);
    assert_int_equal(sig.len, 512); /* RSA 2048: 256 bytes */
    struct ot_keyring ring = { 0 };
    assert_int_equal(ot_keys_load_dir(kd, &ring, &err), OT_OK);
    assert_int_equal(ring.n, 1);
    assert_int_equal(
        ot_verify_hex(ring.v[0].der, ring.v[0].der_len, "msg", 3, ot_buf_sv(&sig), &err), OT_OK);
    assert_int_equal(
        ot_verify_hex(ring.v[0].der, ring.v[0].der_len, "msh", 3, ot_buf_sv(&sig), &err),
        OT_E_TAMPER);
    /* a looser private key is refused */
    char pem[700];
    (void)snprintf(pem, sizeof(pem), "%s/%s.pem", kd, fp);
    assert_int_equal(chmod(pem, 0644), 0);
    ot_signer_free(s);
    s = NULL;
    assert_int_equal(ot_signer_load(kd, t0, &s, &err), OT_E_USAGE);
    assert_non_null(strstr(err.fix, "chmod 600"));
    ot_buf_cleanup(&sig);
    ot_keyring_cleanup(&ring);
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* validate over the vector tree with every allocation failing in turn: a clean
 * OT_E_NOMEM (or the full verdict) every time, no crash, no leak */
static void test_validate_alloc_failures(void **state)
{
    (void)state;
    size_t kn;
    char *keys = slurp(VEC "/keys.json", &kn);
    struct ot_keyring ring = { 0 };
    struct ot_error err;
    assert_int_equal(ot_keys_parse_list(keys, kn, &ring, &err), OT_OK);
    char root[1024];
    const char *shared = getenv("SHARED");
    (void)snprintf(root, sizeof(root), "%s" VEC "/log-deleted/tree", shared ? shared : "../shared");
    struct ot_backend b;
    assert_int_equal(ot_store_local_open(root, &b, &err), OT_OK);
    struct ot_validate_opts o = {
        .trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/opentrail-test",
        .bucket = "opentrail-test-bucket",
        .jobs = 2,
        .extra_checks = true,
        .end_given = true
    };
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01T00:00:00Z"), &o.start_ms), OT_OK);
    assert_int_equal(ot_time_parse_iso(SV("2024-01-01T02:00:00Z"), &o.end_ms), OT_OK);
    o.now_ms = o.end_ms;
    bool done = false;
    for (unsigned long i = 1; i < 100000 && !done; i++) {
        struct ot_validate_result res;
        ot_alloc_fail_after(i);
        ot_status st = ot_validate(&b, &ring, &o, &res, &err);
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            /* the AWS CLI's verdict on this tree: expected/log-deleted */
            assert_int_equal(res.valid_digests, 2);
            assert_int_equal(res.valid_logs, 2);
            assert_int_equal(res.invalid_logs, 1);
            done = true;
        } else if (st != OT_E_NOMEM) {
            fail_msg("allocation %lu: status %d (%s)", i, st, err.what);
        }
        ot_validate_result_cleanup(&res);
    }
    assert_true(done);
    ot_store_close(&b);
    ot_keyring_cleanup(&ring);
    ot_free(keys);
}

/* the trail writer with every allocation failing in turn: no crash, no leak, and
 * once it succeeds, the trail it wrote validates clean */
static void test_writer_alloc_failures(void **state)
{
    (void)state;
    char dir[] = "/tmp/ot-unit-writer.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char kd[600], cmd[700];
    (void)snprintf(kd, sizeof(kd), "%s/keys", dir);
    struct ot_error err;
    char fp[33];
    assert_int_equal(ot_keys_generate(kd, 0, 1704067200000LL, fp, &err), OT_OK);
    const char *rec = "{\"eventTime\":\"2024-01-02T00:01:00Z\",\"eventName\":\"x\"}";
    bool done = false;
    unsigned long i = 1;
    for (; i < 100000 && !done; i++) {
        char root[700];
        (void)snprintf(root, sizeof(root), "%s/b%lu", dir, i);
        struct ot_backend b;
        assert_int_equal(ot_store_local_open(root, &b, &err), OT_OK);
        struct ot_trail_opts o = { .bucket = "bk",
                                   .trail_name = "t",
                                   .home_region = "us-east-1",
                                   .account_id = "123456789012",
                                   .keys_dir = kd,
                                   .replay = true };
        struct ot_trail_writer *w = NULL;
        struct ot_trail_stats st;
        ot_alloc_fail_after(i);
        ot_status s = ot_trail_writer_new(&b, &o, &w, &err);
        for (int k = 0; s == OT_OK && k < 3; k++) {
            s = ot_trail_writer_add(w, SV(rec), 1704153660000LL + k * 400000LL, SV("123456789012"),
                                    SV("us-east-1"), &err);
        }
        if (s == OT_OK) {
            s = ot_trail_writer_finish(w, &st, &err);
        }
        ot_alloc_fail_after(0);
        ot_trail_writer_free(w);
        if (s == OT_OK) {
            assert_int_equal(st.records, 3);
            assert_int_equal(st.log_files, 3); /* 00:01, 00:07:40, 00:14:20: three windows */
            assert_int_equal(st.digests, 1);
            done = true;
        } else if (s != OT_E_NOMEM && !(s == OT_E_PARSE && strstr(err.what, "JSON") != NULL)) {
            /* jansson may report its failed allocation as a syntax error (see above) */
            fail_msg("allocation %lu: status %d (%s)", i, s, err.what);
        }
        ot_store_close(&b);
    }
    assert_true(done);
    /* validate the trail the first successful run wrote */
    char root[700];
    (void)snprintf(root, sizeof(root), "%s/b%lu", dir, i - 1);
    struct ot_backend b;
    struct ot_keyring ring = { 0 };
    assert_int_equal(ot_store_local_open(root, &b, &err), OT_OK);
    assert_int_equal(ot_keys_load_dir(kd, &ring, &err), OT_OK);
    struct ot_validate_opts vo = { .trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t",
                                   .bucket = "bk",
                                   .jobs = 1,
                                   .extra_checks = true,
                                   .end_given = true };
    vo.start_ms = 1704153600000LL;       /* 2024-01-02T00:00:00Z */
    vo.end_ms = vo.start_ms + 3600000LL; /* the hour the digest covers */
    vo.now_ms = vo.end_ms;
    struct ot_validate_result res;
    assert_int_equal(ot_validate(&b, &ring, &vo, &res, &err), OT_OK);
    assert_int_equal(res.valid_digests, 1);
    assert_int_equal(res.invalid_digests, 0);
    assert_int_equal(res.valid_logs, 3);
    assert_int_equal(res.invalid_logs, 0);
    assert_int_equal(res.extra_findings, 0);
    ot_validate_result_cleanup(&res);
    ot_keyring_cleanup(&ring);
    ot_store_close(&b);
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_keys_vector),
        cmocka_unit_test(test_real_aws_digest),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_local_backend),
        cmocka_unit_test(test_sign_roundtrip),
        cmocka_unit_test(test_validate_alloc_failures),
        cmocka_unit_test(test_writer_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
