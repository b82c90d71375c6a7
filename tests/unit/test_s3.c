/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_s3.c - the S3 backend: SigV4 against AWS's published
 * example (S3 docs, "Example: GET Object"), URI encoding, the XML reader on
 * S3's documented responses and on broken ones, the credentials file, the
 * open-time checks, allocation-failure loops over the parsers.
 *
 * With OT_S3_LIVE_ENDPOINT, OT_S3_LIVE_BUCKET (an existing bucket) and the
 * AWS_* credentials set (tests/cli/test_s3.sh does this against a real Swift
 * s3api it starts), it also drives every backend op against that server:
 * put, get, head, list with prefix, start-after and continuation, delete,
 * the digest's metadata pair, multipart and SSE AES256. Without them the
 * live test is skipped, never faked.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "helpers.h"
#include "store/s3_int.h"

static void test_sigv4_aws_example(void **state)
{
    (void)state;
    /* docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html */
    struct ot_s3_header hs[] = {
        { "host", "examplebucket.s3.amazonaws.com" },
        { "range", "bytes=0-9" },
        { "x-amz-content-sha256",
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "x-amz-date", "20130524T000000Z" },
    };
    struct ot_sigv4_req r = {
        .method = "GET",
        .canonical_uri = "/test.txt",
        .canonical_query = "",
        .headers = hs,
        .nheaders = 4,
        .payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        .amz_date = "20130524T000000Z",
        .region = "us-east-1",
        .service = "s3",
        .access_key = "AKIAIOSFODNN7EXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    };
    struct ot_buf out = OT_BUF_INIT(4096);
    assert_int_equal(ot_sigv4_authorization(&r, &out), OT_OK);
    assert_string_equal(
        out.data, "AWS4-HMAC-SHA256 "
                  "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                  "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    /* order of the input does not matter: sorted by name */
    struct ot_s3_header rev[] = { hs[3], hs[2], hs[1], hs[0] };
    r.headers = rev;
    struct ot_buf out2 = OT_BUF_INIT(4096);
    assert_int_equal(ot_sigv4_authorization(&r, &out2), OT_OK);
    assert_string_equal(out.data, out2.data);
    ot_buf_cleanup(&out);
    ot_buf_cleanup(&out2);
}

static void test_sigv4_prefix_names(void **state)
{
    (void)state;
    /* the pair libcurl 7.88 orders wrongly: sorted by name, -algorithm comes second */
    struct ot_s3_header hs[] = {
        { "x-amz-meta-signature-algorithm", "SHA256withRSA" },
        { "x-amz-meta-signature", "00ff" },
        { "host", "h" },
    };
    struct ot_sigv4_req r = {
        .method = "PUT",
        .canonical_uri = "/b/k",
        .canonical_query = "",
        .headers = hs,
        .nheaders = 3,
        .payload_hash = "UNSIGNED-PAYLOAD",
        .amz_date = "20240101T000000Z",
        .region = "us-east-1",
        .service = "s3",
        .access_key = "a",
        .secret_key = "s",
    };
    struct ot_buf out = OT_BUF_INIT(4096);
    assert_int_equal(ot_sigv4_authorization(&r, &out), OT_OK);
    assert_non_null(strstr(
        out.data, "SignedHeaders=host;x-amz-meta-signature;x-amz-meta-signature-algorithm,"));
    ot_buf_cleanup(&out);
    struct ot_s3_header many[OT_S3_MAX_HEADERS + 1];
    for (size_t i = 0; i < OT_S3_MAX_HEADERS + 1; i++) {
        many[i] = hs[2];
    }
    r.headers = many;
    r.nheaders = OT_S3_MAX_HEADERS + 1;
    assert_int_equal(ot_sigv4_authorization(&r, &out), OT_E_LIMIT);
    ot_buf_cleanup(&out);
}

static void test_uri_encode_and_date(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1024);
    assert_int_equal(ot_s3_uri_encode(SV("AWSLogs/a b+c~_.-é"), true, &b), OT_OK);
    assert_string_equal(b.data, "AWSLogs/a%20b%2Bc~_.-%C3%A9");
    ot_buf_reset(&b);
    assert_int_equal(ot_s3_uri_encode(SV("a/b"), false, &b), OT_OK);
    assert_string_equal(b.data, "a%2Fb");
    ot_buf_cleanup(&b);
    char d[17];
    ot_s3_amz_date(1369353600000LL, d);
    assert_string_equal(d, "20130524T000000Z");
}

struct leaves {
    char seen[2048];
    int n;
    int stop_after;
};

static bool on_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    struct leaves *l = ctx;
    size_t len = strlen(l->seen);
    (void)snprintf(l->seen + len, sizeof(l->seen) - len, "%.*s/%.*s=%.*s;", (int)parent.n, parent.p,
                   (int)name.n, name.p, (int)text.n, text.p);
    l->n++;
    return l->stop_after == 0 || l->n < l->stop_after;
}

static const char list_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>AWSLogs/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>AWSLogs/a&amp;b&#x20;&#233;</Key><Size>3</Size>"
    "<Owner><ID>x</ID></Owner></Contents>"
    "<Contents><Key><![CDATA[AWSLogs/<c>]]></Key><Size/></Contents>"
    "<!-- a comment --><NextContinuationToken>tok+/=</NextContinuationToken>"
    "</ListBucketResult>\n";

static void test_xml_walk(void **state)
{
    (void)state;
    struct leaves l = { 0 };
    struct ot_error err;
    assert_int_equal(ot_xml_walk(SV(list_doc), on_leaf, &l, &err), OT_OK);
    assert_string_equal(l.seen, "ListBucketResult/Name=b;ListBucketResult/Prefix=AWSLogs/;"
                                "ListBucketResult/KeyCount=2;ListBucketResult/MaxKeys=2;"
                                "ListBucketResult/IsTruncated=true;Contents/Key=AWSLogs/a&b é;"
                                "Contents/Size=3;Owner/ID=x;Contents/Key=AWSLogs/<c>;"
                                "Contents/Size=;ListBucketResult/NextContinuationToken=tok+/=;");
    /* the callback can stop the walk */
    struct leaves l2 = { .stop_after = 2 };
    assert_int_equal(ot_xml_walk(SV(list_doc), on_leaf, &l2, &err), OT_OK);
    assert_int_equal(l2.n, 2);

    static const char *const bad[] = {
        "",
        "<a>",
        "<a></b>",
        "<a>x</a><b/>",
        "x<a/>",
        "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        "<a>&bogus;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#x110000;</a>",
        "<a b=c></a>",
        "<a b=\"c></a>",
        "<a><![CDATA[x</a>",
        "<a><!-- x</a>",
        "< a/>",
        "<a>text",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct leaves lb = { 0 };
        ot_status st = ot_xml_walk(SV(bad[i]), on_leaf, &lb, &err);
        if (st != OT_E_PARSE) {
            fail_msg("'%s' gave %d", bad[i], st);
        }
    }
    char deep[OT_XML_MAX_DEPTH * 8 + 16] = "";
    for (int i = 0; i <= OT_XML_MAX_DEPTH; i++) {
        strcat(deep, "<a>");
    }
    struct leaves ld = { 0 };
    assert_int_equal(ot_xml_walk(SV(deep), on_leaf, &ld, &err), OT_E_LIMIT);
    size_t big = OT_XML_MAX_TEXT + 16;
    char *t = malloc(big + 16);
    assert_non_null(t);
    memcpy(t, "<a>", 3);
    memset(t + 3, 'x', big);
    memcpy(t + 3 + big, "</a>", 5);
    assert_int_equal(ot_xml_walk(SV(t), on_leaf, &ld, &err), OT_E_LIMIT);
    free(t);
    /* an error body, as S3 sends it */
    struct leaves le = { 0 };
    assert_int_equal(ot_xml_walk(SV("<Error><Code>SlowDown</Code><Message>m</Message></Error>"),
                                 on_leaf, &le, &err),
                     OT_OK);
    assert_string_equal(le.seen, "Error/Code=SlowDown;Error/Message=m;");
}

static void test_creds_parse(void **state)
{
    (void)state;
    const char *f = "# comment\n[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n\n"
                    "[profile ci]\r\naws_access_key_id=test:tester\r\n"
                    "aws_secret_access_key = testing\r\naws_session_token = TOK\r\n"
                    "s3 =\n  addressing_style = path\n[empty]\n";
    struct ot_s3_creds c = { 0 };
    struct ot_error err;
    assert_int_equal(ot_s3_creds_parse(SV(f), "default", &c, &err), OT_OK);
    assert_string_equal(c.access_key, "AK1");
    assert_string_equal(c.secret_key, "SK1");
    assert_null(c.session_token);
    ot_s3_creds_cleanup(&c);
    assert_int_equal(ot_s3_creds_parse(SV(f), "ci", &c, &err), OT_OK);
    assert_string_equal(c.access_key, "test:tester");
    assert_string_equal(c.secret_key, "testing");
    assert_string_equal(c.session_token, "TOK");
    ot_s3_creds_cleanup(&c);
    assert_int_equal(ot_s3_creds_parse(SV(f), "nope", &c, &err), OT_E_USAGE);
    assert_non_null(strstr(err.what, "no profile 'nope'"));
    assert_int_equal(ot_s3_creds_parse(SV(f), "empty", &c, &err), OT_E_USAGE);
    assert_int_equal(ot_s3_creds_parse(SV("[a\nx=y\n"), "a", &c, &err), OT_E_PARSE);
}

static int64_t fake_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fake_sleep(void *ctx, unsigned ms)
{
    (void)ctx;
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void test_open_checks(void **state)
{
    (void)state;
    struct ot_backend b = { 0 };
    struct ot_error err;
    struct ot_s3_opts o = { .endpoint = "http://127.0.0.1:1",
                            .access_key = "a",
                            .secret_key = "s",
                            .now_ms = fake_now,
                            .sleep_ms = fake_sleep };
    static const char *const eps[] = { "127.0.0.1:9000", "ftp://h", "http://", "http://h/path",
                                       "http://u@h" };
    for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
        o.endpoint = eps[i];
        assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_E_USAGE);
        assert_non_null(strstr(err.what, "bad S3 endpoint"));
    }
    o.endpoint = "http://127.0.0.1:1/";
    o.secret_key = "";
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_E_USAGE);
    o.secret_key = "s";
    o.sse = "aws:nope";
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_E_USAGE);
    o.sse = NULL;
    o.part_bytes = 1024;
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_E_USAGE);
    o.part_bytes = 0;
    /* nothing listens on port 1: refused, retried for 300 ms, then one clear error */
    o.retry_for_ms = 300;
    o.secret_key = "TOPSECRET";
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_OK);
    uint64_t size;
    assert_int_equal(b.ops->head(b.be, "bkt", "k", &size, &err), OT_E_IO);
    assert_non_null(strstr(err.what, "gave up after"));
    assert_null(strstr(err.what, "TOPSECRET"));
    assert_string_equal(err.where, "s3://bkt/k");
    assert_int_equal(b.ops->put(b.be, "b", "k", "x", 1, NULL, 0, &err), OT_E_USAGE);
    struct ot_buf tiny = OT_BUF_INIT(10);
    assert_int_equal(b.ops->get(b.be, "bkt", "", &tiny, NULL, &err), OT_E_USAGE);
    /* a failed DELETE left no delete marker; not an S3 backend: none either */
    assert_int_equal(b.ops->del(b.be, "bkt", "k", &err), OT_E_IO);
    assert_int_equal(ot_store_s3_delete_markers(&b), 0);
    struct ot_backend none = { 0 };
    assert_int_equal(ot_store_s3_delete_markers(&none), 0);
    ot_store_close(&b);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    for (unsigned long n = 0; n < 200; n++) {
        struct leaves l = { 0 };
        struct ot_error err;
        ot_alloc_fail_after(n);
        ot_status st = ot_xml_walk(SV(list_doc), on_leaf, &l, &err);
        struct ot_s3_creds c = { 0 };
        ot_status st2 = ot_s3_creds_parse(SV("[d]\naws_access_key_id=a\naws_secret_access_key=b\n"),
                                          "d", &c, &err);
        ot_alloc_fail_after(0);
        assert_true(st == OT_OK || st == OT_E_NOMEM);
        assert_true(st2 == OT_OK || st2 == OT_E_NOMEM);
        ot_s3_creds_cleanup(&c);
        if (st == OT_OK && st2 == OT_OK) {
            break;
        }
    }
}

/* ---- live, against a real server ---------------------------------------- */

struct keys {
    char all[4096];
    int n;
};

static bool on_key(void *ctx, const char *key)
{
    struct keys *k = ctx;
    size_t len = strlen(k->all);
    (void)snprintf(k->all + len, sizeof(k->all) - len, "%s,", key);
    k->n++;
    return true;
}

static void test_live(void **state)
{
    (void)state;
    const char *ep = getenv("OT_S3_LIVE_ENDPOINT");
    const char *bucket = getenv("OT_S3_LIVE_BUCKET");
    if (ep == NULL || bucket == NULL) {
        skip();
    }
    struct ot_s3_opts o = {
        .endpoint = ep,
        .access_key = getenv("AWS_ACCESS_KEY_ID"),
        .secret_key = getenv("AWS_SECRET_ACCESS_KEY"),
        .sse = getenv("OT_S3_LIVE_SSE"),
        .retry_for_ms = 20000,
        .multipart_min_bytes = 6u << 20,
        .part_bytes = 5u << 20,
        .list_page_keys = 2, /* continuation tokens on every listing below */
        .now_ms = fake_now,
        .sleep_ms = fake_sleep,
    };
    struct ot_backend b = { 0 };
    struct ot_error err;
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_OK);
    /* put, existing put refused, get with metadata, head */
    const char *names[] = { "t/a", "t/b b", "t/c+d", "t/d&e", "t/e/é", "u/x" };
    for (size_t i = 0; i < 6; i++) {
        if (b.ops->put(b.be, bucket, names[i], names[i], strlen(names[i]), NULL, 0, &err) !=
            OT_OK) {
            fail_msg("put %s: %s (%s)", names[i], err.what, err.where);
        }
    }
    assert_int_equal(b.ops->put(b.be, bucket, "t/a", "x", 1, NULL, 0, &err), OT_E_USAGE);
    assert_int_equal(err.sys_errno, EEXIST);
    struct ot_buf data = OT_BUF_INIT(64u << 20), meta = OT_BUF_INIT(1u << 16);
    assert_int_equal(b.ops->get(b.be, bucket, "t/c+d", &data, &meta, &err), OT_OK);
    assert_string_equal(data.data, "t/c+d");
    assert_string_equal(meta.data, "{}");
    uint64_t size = 0;
    assert_int_equal(b.ops->head(b.be, bucket, "t/e/é", &size, &err), OT_OK);
    assert_int_equal(size, strlen("t/e/é"));
    /* list: prefix, start-after, continuation (2 keys a page) */
    struct keys k = { 0 };
    assert_int_equal(b.ops->list(b.be, bucket, "t/", NULL, on_key, &k, &err), OT_OK);
    assert_string_equal(k.all, "t/a,t/b b,t/c+d,t/d&e,t/e/é,");
    struct keys k2 = { 0 };
    assert_int_equal(b.ops->list(b.be, bucket, "t/", "t/b b", on_key, &k2, &err), OT_OK);
    assert_string_equal(k2.all, "t/c+d,t/d&e,t/e/é,");
    /* delete; a missing key: ENOENT on get and head, delete still fine */
    assert_int_equal(b.ops->del(b.be, bucket, "t/a", &err), OT_OK);
    assert_int_equal(b.ops->del(b.be, bucket, "t/a", &err), OT_OK);
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, bucket, "t/a", &data, NULL, &err), OT_E_IO);
    assert_int_equal(err.sys_errno, ENOENT);
    assert_int_equal(b.ops->head(b.be, bucket, "t/a", &size, &err), OT_E_IO);
    assert_int_equal(err.sys_errno, ENOENT);
    /* exactly the digest's metadata pair, with a 512-hex signature as RSA-2048 gives */
    char sig[513];
    for (int i = 0; i < 512; i++) {
        sig[i] = "0123456789abcdef"[i % 16];
    }
    sig[512] = '\0';
    struct ot_meta m[2] = { { "signature", sig }, { "signature-algorithm", "SHA256withRSA" } };
    if (b.ops->put(b.be, bucket, "d/digest.json.gz", "{}", 2, m, 2, &err) != OT_OK) {
        fail_msg("digest put: %s", err.what);
    }
    ot_buf_reset(&data);
    ot_buf_reset(&meta);
    assert_int_equal(b.ops->get(b.be, bucket, "d/digest.json.gz", &data, &meta, &err), OT_OK);
    assert_non_null(strstr(meta.data, "\"signature-algorithm\":\"SHA256withRSA\""));
    char want[600];
    snprintf(want, sizeof(want), "\"signature\":\"%s\"", sig);
    assert_non_null(strstr(meta.data, want));
    /* multipart: 11 MiB + 3 bytes in 5 MiB parts, read back byte for byte */
    size_t big = (11u << 20) + 3;
    unsigned char *p = malloc(big);
    assert_non_null(p);
    for (size_t i = 0; i < big; i++) {
        p[i] = (unsigned char)(i * 2654435761u >> 13);
    }
    if (b.ops->put(b.be, bucket, "m/big.bin", p, big, NULL, 0, &err) != OT_OK) {
        fail_msg("multipart put: %s", err.what);
    }
    assert_int_equal(b.ops->head(b.be, bucket, "m/big.bin", &size, &err), OT_OK);
    assert_int_equal(size, big);
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, bucket, "m/big.bin", &data, NULL, &err), OT_OK);
    assert_int_equal(data.len, big);
    assert_memory_equal(data.data, p, big);
    /* a buffer too small for the object: a limit error, the buffer as it was */
    struct ot_buf small = OT_BUF_INIT(1024);
    assert_int_equal(b.ops->get(b.be, bucket, "m/big.bin", &small, NULL, &err), OT_E_LIMIT);
    assert_int_equal(small.len, 0);
    free(p);
    ot_buf_cleanup(&small);
    ot_buf_cleanup(&data);
    ot_buf_cleanup(&meta);
    /* each of our allocations fails in turn (libcurl's own are not ours to fail):
     * OT_E_NOMEM or success, never a crash or a leak, and the backend works after */
    bool all_ok = false;
    for (unsigned long n = 1; n < 400 && !all_ok; n++) {
        char key[32];
        snprintf(key, sizeof(key), "af/%lu", n);
        struct ot_buf g = OT_BUF_INIT(1u << 20), gm = OT_BUF_INIT(1u << 16);
        struct keys kl = { 0 };
        ot_alloc_fail_after(n);
        ot_status s1 = b.ops->put(b.be, bucket, key, "v", 1, m, 2, &err);
        int e1 = err.sys_errno;
        ot_status s2 = b.ops->get(b.be, bucket, "d/digest.json.gz", &g, &gm, &err);
        ot_status s3 = b.ops->list(b.be, bucket, "t/", NULL, on_key, &kl, &err);
        ot_alloc_fail_after(0);
        assert_true(s1 == OT_OK || s1 == OT_E_NOMEM || (s1 == OT_E_USAGE && e1 == EEXIST));
        assert_true(s2 == OT_OK || s2 == OT_E_NOMEM);
        assert_true(s3 == OT_OK || s3 == OT_E_NOMEM);
        all_ok = s1 == OT_OK && s2 == OT_OK && s3 == OT_OK;
        ot_buf_cleanup(&g);
        ot_buf_cleanup(&gm);
    }
    assert_true(all_ok);
    ot_store_close(&b);
    /* a wrong secret: 403, no retries, no secret in the message */
    o.secret_key = "WRONGSECRET";
    assert_int_equal(ot_store_s3_open(&o, &b, &err), OT_OK);
    assert_int_equal(b.ops->head(b.be, bucket, "u/x", &size, &err), OT_E_USAGE);
    assert_non_null(strstr(err.what, "403"));
    assert_null(strstr(err.what, "WRONGSECRET"));
    ot_store_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_aws_example),   cmocka_unit_test(test_sigv4_prefix_names),
        cmocka_unit_test(test_uri_encode_and_date), cmocka_unit_test(test_xml_walk),
        cmocka_unit_test(test_creds_parse),         cmocka_unit_test(test_open_checks),
        cmocka_unit_test(test_alloc_failures),      cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
