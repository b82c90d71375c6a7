/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_capture.c - the daemon's front door without a server:
 * SigV4 against requests captured from boto3 and aws-cli
 * (../shared/servers/captures/) and against vectors botocore signs at test
 * time (sigv4_vectors.py), every way a signature must fail, bearer tokens;
 * then intake: each body format, bad records beside good ones, assigned
 * fields, checksums, caps, the exact responses, and allocation failures.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "opentrail/capture.h"

/* the intake tests build bodies from tables of shapes */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* ---- raw requests --------------------------------------------------------- */

#define MAX_RAW (64 * 1024)

/* One raw HTTP/1.1 request split into the views ot_auth_check() takes. */
struct raw_req {
    char bytes[MAX_RAW];
    size_t n;
    struct ot_http_header hdr[OT_AUTH_MAX_HEADERS];
    struct ot_http_req req;
};

static void split_req(struct raw_req *w)
{
    char *p = w->bytes, *end = w->bytes + w->n;
    char *eol = strstr(p, "\r\n");
    assert_non_null(eol);
    char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    assert_non_null(sp1);
    char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    assert_non_null(sp2);
    w->req.method = (struct ot_sv){ p, (size_t)(sp1 - p) };
    char *target = sp1 + 1;
    char *q = memchr(target, '?', (size_t)(sp2 - target));
    w->req.path = (struct ot_sv){ target, (size_t)((q ? q : sp2) - target) };
    w->req.query = q ? (struct ot_sv){ q + 1, (size_t)(sp2 - q - 1) } : (struct ot_sv){ sp2, 0 };
    w->req.nheaders = 0;
    p = eol + 2;
    while (p < end && !(p[0] == '\r' && p[1] == '\n')) {
        eol = strstr(p, "\r\n");
        assert_non_null(eol);
        char *colon = memchr(p, ':', (size_t)(eol - p));
        assert_non_null(colon);
        assert_true(w->req.nheaders < OT_AUTH_MAX_HEADERS);
        char *v = colon + 1;
        while (*v == ' ') {
            v++; /* HTTP drops the spaces after the colon: SigV4's trim is then ours to test */
        }
        w->hdr[w->req.nheaders++] =
            (struct ot_http_header){ { p, (size_t)(colon - p) }, { v, (size_t)(eol - v) } };
        p = eol + 2;
    }
    p += 2;
    w->req.headers = w->hdr;
    w->req.body = (struct ot_sv){ p, (size_t)(end - p) };
}

static void load_req(struct raw_req *w, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (set SHARED to the shared/ folder)", path);
    }
    w->n = fread(w->bytes, 1, MAX_RAW - 1, f);
    assert_int_equal(fclose(f), 0);
    w->bytes[w->n] = '\0';
    split_req(w);
}

static void load_capture(struct raw_req *w, const char *name)
{
    const char *shared = getenv("SHARED");
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/servers/captures/%s", shared ? shared : "../shared",
                   name);
    load_req(w, path);
}

static struct ot_sv *header(struct raw_req *w, const char *name)
{
    for (size_t i = 0; i < w->req.nheaders; i++) {
        if (w->hdr[i].name.n == strlen(name) &&
            strncasecmp(w->hdr[i].name.p, name, w->hdr[i].name.n) == 0) {
            return &w->hdr[i].value;
        }
    }
    return NULL;
}

/* The request's own X-Amz-Date as ms: "now" for a captured request. */
static int64_t req_time(struct raw_req *w)
{
    struct ot_sv *d = header(w, "x-amz-date");
    assert_non_null(d);
    char iso[32];
    const char *p = d->p;
    (void)snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", p, p + 4, p + 6, p + 9,
                   p + 11, p + 13);
    int64_t ms = 0;
    assert_int_equal(ot_time_parse_iso(SV(iso), &ms), OT_OK);
    return ms;
}

static struct ot_conf_access_key keys[] = {
    { .access_key_id = "AKIDOTHER", .secret_access_key = "other-secret-value" },
    { .access_key_id = "x", .secret_access_key = "y" },
    { .access_key_id = "ingest", .secret_access_key = "s3cr3t-token-ABCDEFGHIJKLMNOP" },
};
static const struct ot_config cfg = { .keys = keys, .nkeys = 3 };

/* Check @w; return the status and leave the failure in @f and @err. */
static ot_status check(struct raw_req *w, int64_t now, struct ot_auth_fail *f, struct ot_error *err)
{
    const struct ot_conf_access_key *who = NULL;
    *f = (struct ot_auth_fail){ 0, NULL };
    ot_status st = ot_auth_check(&cfg, &w->req, now, &who, f, err);
    if (st == OT_OK) {
        assert_non_null(who);
    }
    return st;
}

static void expect_fail(struct raw_req *w, int64_t now, int status, const char *code)
{
    struct ot_auth_fail f;
    struct ot_error err;
    ot_status st = check(w, now, &f, &err);
    if (st == OT_OK) {
        fail_msg("accepted, expected %d %s", status, code);
    }
    assert_int_equal(st, OT_E_USAGE);
    assert_int_equal(f.http_status, status);
    assert_string_equal(f.code, code);
    assert_null(strstr(err.what, "y\n")); /* never a secret */
}

static void expect_ok(struct raw_req *w, int64_t now, const char *akid)
{
    struct ot_auth_fail f;
    struct ot_error err;
    const struct ot_conf_access_key *who = NULL;
    ot_status st = ot_auth_check(&cfg, &w->req, now, &who, &f, &err);
    if (st != OT_OK) {
        fail_msg("refused: %d %s: %s", f.http_status, f.code, err.what);
    }
    assert_non_null(who);
    assert_string_equal(who->access_key_id, akid);
}

static const char *captures[] = {
    "awscli-LookupEvents.http",
    "boto3-CreateTrail.http",
    "boto3-LookupEvents.http",
};

/* ---- SigV4 over the captures ---------------------------------------------- */

static void test_captures_verify(void **state)
{
    (void)state;
    static struct raw_req w;
    for (size_t i = 0; i < 3; i++) {
        load_capture(&w, captures[i]);
        int64_t t = req_time(&w);
        expect_ok(&w, t, "x");
        expect_ok(&w, t + OT_AUTH_SKEW_MS, "x"); /* the window's edges are inside */
        expect_ok(&w, t - OT_AUTH_SKEW_MS, "x");
        expect_fail(&w, t + OT_AUTH_SKEW_MS + 1000, 403, "RequestExpired");
        expect_fail(&w, t - OT_AUTH_SKEW_MS - 1000, 403, "RequestExpired");
    }
}

static void test_signature_byte_flips(void **state)
{
    (void)state;
    static struct raw_req w;
    for (size_t i = 0; i < 3; i++) {
        load_capture(&w, captures[i]);
        int64_t t = req_time(&w);
        struct ot_sv *a = header(&w, "authorization");
        assert_non_null(a);
        char *sig = strstr((char *)a->p, "Signature=") + 10;
        char orig[65];
        memcpy(orig, sig, 64);
        orig[64] = '\0';
        for (size_t k = 0; k < 64; k++) {
            char c = sig[k];
            sig[k] = c == '0' ? '1' : '0';
            struct ot_auth_fail f;
            struct ot_error err;
            assert_int_equal(check(&w, t, &f, &err), OT_E_USAGE);
            assert_int_equal(f.http_status, 403);
            assert_string_equal(f.code, "SignatureDoesNotMatch");
            assert_null(strstr(err.what, orig)); /* the expected signature never leaks */
            sig[k] = 'G';                        /* not hex */
            expect_fail(&w, t, 403, "SignatureDoesNotMatch");
            sig[k] = c;
        }
        expect_ok(&w, t, "x");
    }
}

static void test_tampering(void **state)
{
    (void)state;
    static struct raw_req w;
    load_capture(&w, "boto3-LookupEvents.http");
    int64_t t = req_time(&w);

    /* a signed header's value */
    struct ot_sv *tg = header(&w, "x-amz-target");
    char *last = (char *)tg->p + tg->n - 1;
    *last = 'X';
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    load_capture(&w, "boto3-LookupEvents.http");
    /* an unsigned header may change */
    struct ot_sv *ua = header(&w, "user-agent");
    ((char *)ua->p)[0] = 'Z';
    expect_ok(&w, t, "x");
    /* the body */
    load_capture(&w, "boto3-LookupEvents.http");
    ((char *)w.req.body.p)[w.req.body.n - 2] = '1';
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    /* the method, the path, a query */
    load_capture(&w, "boto3-LookupEvents.http");
    w.req.method = OT_SV_LIT("PUT");
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    w.req.method = OT_SV_LIT("POST");
    w.req.path = OT_SV_LIT("/x");
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    w.req.path = OT_SV_LIT("/");
    w.req.query = OT_SV_LIT("a=1");
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    w.req.query = OT_SV_LIT("");
    expect_ok(&w, t, "x");
    /* a repeated signed header joins the values: no longer what was signed */
    w.hdr[w.req.nheaders++] =
        (struct ot_http_header){ OT_SV_LIT("Content-Type"), OT_SV_LIT("text/plain") };
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
}

/* Replace the Authorization value of @w by @auth (which must outlive the check). */
static void set_auth(struct raw_req *w, const char *auth)
{
    struct ot_sv *a = header(w, "authorization");
    assert_non_null(a);
    *a = ot_sv_cstr(auth);
}

static void test_authorization_header(void **state)
{
    (void)state;
    static struct raw_req w;
    static char buf[1024];
    load_capture(&w, "boto3-CreateTrail.http");
    int64_t t = req_time(&w);
    struct ot_sv *a = header(&w, "authorization");
    const char *sig = strstr(a->p, "Signature=") + 10;
    const char *sh = "content-type;host;x-amz-date;x-amz-target";

    /* no spaces after the commas, and parts in another order: AWS accepts both */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Signature=%.64s,Credential=x/20261124/us-east-1/cloudtrail/"
                   "aws4_request,SignedHeaders=%s",
                   sig, sh);
    set_auth(&w, buf);
    expect_ok(&w, t, "x");

    /* the unknown key id */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Credential=nobody/20261124/us-east-1/cloudtrail/aws4_request, "
                   "SignedHeaders=%s, Signature=%.64s",
                   sh, sig);
    set_auth(&w, buf);
    expect_fail(&w, t, 403, "InvalidClientTokenId");
    /* another known key: the signature is not its */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20261124/us-east-1/cloudtrail/"
                   "aws4_request, SignedHeaders=%s, Signature=%.64s",
                   sh, sig);
    set_auth(&w, buf);
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    /* another region in the scope */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Credential=x/20261124/eu-west-1/cloudtrail/aws4_request, "
                   "SignedHeaders=%s, Signature=%.64s",
                   sh, sig);
    set_auth(&w, buf);
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    /* the scope's day differs from X-Amz-Date's */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Credential=x/20261123/us-east-1/cloudtrail/aws4_request, "
                   "SignedHeaders=%s, Signature=%.64s",
                   sh, sig);
    set_auth(&w, buf);
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    /* host not signed */
    (void)snprintf(buf, sizeof(buf),
                   "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws4_request, "
                   "SignedHeaders=content-type;x-amz-date;x-amz-target, Signature=%.64s",
                   sig);
    set_auth(&w, buf);
    expect_fail(&w, t, 400, "IncompleteSignature");
    /* unsorted, upper case, repeated, or empty signed-header names */
    const char *bad_sh[] = { "host;content-type;x-amz-date;x-amz-target",
                             "content-type;Host;x-amz-date;x-amz-target",
                             "content-type;host;host;x-amz-date",
                             "content-type;;host",
                             "",
                             "authorization;host" };
    for (size_t i = 0; i < sizeof(bad_sh) / sizeof(bad_sh[0]); i++) {
        (void)snprintf(buf, sizeof(buf),
                       "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws4_request, "
                       "SignedHeaders=%s, Signature=%.64s",
                       bad_sh[i], sig);
        set_auth(&w, buf);
        expect_fail(&w, t, 400, "IncompleteSignature");
    }
    /* malformed headers */
    const char *bad[] = {
        "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws4_request",
        "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws5_request, "
        "SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=x/2026112/us-east-1/cloudtrail/aws4_request, "
        "SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=/20261124/us-east-1/cloudtrail/aws4_request, "
        "SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws4_request, "
        "SignedHeaders=host, Signature=00, Signature=00",
        "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/cloudtrail/aws4_request, "
        "SignedHeaders=host, Signature=00, Extra=1",
        "AWS4-HMAC-SHA256 ,,,",
        "AWS4-HMAC-SHA1 Credential=x/20261124/us-east-1/cloudtrail/aws4_request",
        "Basic eDp5",
        "AWS x:abc",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_auth(&w, bad[i]);
        expect_fail(&w, t, 400, "IncompleteSignature");
    }
    /* no Authorization at all */
    load_capture(&w, "boto3-CreateTrail.http");
    a = header(&w, "authorization");
    for (size_t i = 0; i < w.req.nheaders; i++) {
        if (&w.hdr[i].value == a) {
            w.hdr[i].name = OT_SV_LIT("X-Not-Authorization");
        }
    }
    expect_fail(&w, t, 403, "MissingAuthenticationToken");
}

static void test_dates(void **state)
{
    (void)state;
    static struct raw_req w;
    load_capture(&w, "boto3-CreateTrail.http");
    int64_t t = req_time(&w);
    struct ot_sv *d = header(&w, "x-amz-date");
    /* a different second is a different string to sign */
    ((char *)d->p)[14] = (char)(d->p[14] == '0' ? '1' : '0');
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    *d = OT_SV_LIT("2026-11-24T06:33:33Z"); /* extended ISO is not SigV4's */
    expect_fail(&w, t, 400, "IncompleteSignature");
    *d = OT_SV_LIT("20261324T063333Z");
    expect_fail(&w, t, 400, "IncompleteSignature");
    /* no X-Amz-Date: Date is used instead, here a day off the scope */
    for (size_t i = 0; i < w.req.nheaders; i++) {
        if (&w.hdr[i].value == d) {
            w.hdr[i].name = OT_SV_LIT("Date");
            w.hdr[i].value = OT_SV_LIT("Wed, 25 Nov 2026 06:33:33 GMT");
        }
    }
    expect_fail(&w, t, 403, "SignatureDoesNotMatch");
    for (size_t i = 0; i < w.req.nheaders; i++) {
        if (ot_sv_eq_cstr(w.hdr[i].name, "Date")) {
            w.hdr[i].value = OT_SV_LIT("Wed, 24 Nov 2026 06:33:33 GMT");
            expect_fail(&w, t, 403, "SignatureDoesNotMatch"); /* x-amz-date is signed, absent */
            w.hdr[i].value = OT_SV_LIT("Wed, 24 Nov 2026 6:33:33 GMT");
            expect_fail(&w, t, 400, "IncompleteSignature");
            w.hdr[i].name = OT_SV_LIT("X-Other");
        }
    }
    expect_fail(&w, t, 400, "IncompleteSignature");
}

static void test_payload_hash(void **state)
{
    (void)state;
    static struct raw_req w;
    static char path[1024];
    const char *dir = getenv("OT_SIGV4_VECTORS");
    assert_non_null(dir);
    (void)snprintf(path, sizeof(path), "%s/06-s3-sha256.http", dir);
    load_req(&w, path);
    int64_t t = req_time(&w);
    expect_ok(&w, t, "x");
    /* signed x-amz-content-sha256 that the body does not match */
    ((char *)w.req.body.p)[0] ^= 1;
    expect_fail(&w, t, 400, "XAmzContentSHA256Mismatch");
    ((char *)w.req.body.p)[0] ^= 1;
    struct ot_sv *h = header(&w, "x-amz-content-sha256");
    *h = OT_SV_LIT("not-a-hash");
    expect_fail(&w, t, 400, "InvalidArgument");

    (void)snprintf(path, sizeof(path), "%s/05-s3-unsigned.http", dir);
    load_req(&w, path);
    t = req_time(&w);
    expect_ok(&w, t, "x");
    ((char *)w.req.body.p)[0] ^= 1; /* UNSIGNED-PAYLOAD: the body is not checked */
    expect_ok(&w, t, "x");
}

/* Every vector botocore signed at test time verifies; tampered, none does. */
static void test_botocore_vectors(void **state)
{
    (void)state;
    static struct raw_req w;
    const char *dir = getenv("OT_SIGV4_VECTORS");
    assert_non_null(dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char path[1024];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        load_req(&w, path);
        int64_t t = req_time(&w);
        struct ot_auth_fail f;
        struct ot_error err;
        if (check(&w, t, &f, &err) != OT_OK) {
            fail_msg("%s: %d %s: %s", de->d_name, f.http_status, f.code, err.what);
        }
        if (w.req.query.n > 0) {
            ((char *)w.req.query.p)[0] ^= 0x20;
            assert_int_equal(check(&w, t, &f, &err), OT_E_USAGE);
            ((char *)w.req.query.p)[0] ^= 0x20;
        }
        ((char *)w.req.path.p)[w.req.path.n - 1] ^= 0x01;
        assert_int_equal(check(&w, t, &f, &err), OT_E_USAGE);
        n++;
    }
    assert_int_equal(closedir(d), 0);
    assert_int_equal(n, 9);
}

static void test_bearer(void **state)
{
    (void)state;
    static struct raw_req w;
    load_capture(&w, "boto3-CreateTrail.http");
    set_auth(&w, "Bearer s3cr3t-token-ABCDEFGHIJKLMNOP");
    expect_ok(&w, 0, "ingest");
    set_auth(&w, "bearer   s3cr3t-token-ABCDEFGHIJKLMNOP  ");
    expect_ok(&w, 0, "ingest");
    set_auth(&w, "Bearer y");
    expect_ok(&w, 0, "x");
    const char *bad[] = { "Bearer s3cr3t-token-ABCDEFGHIJKLMNOQ", "Bearer s3cr3t-token", "Bearer ",
                          "Bearer x", "Bearer s3cr3t-token-ABCDEFGHIJKLMNOPQ" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ot_auth_fail f;
        struct ot_error err;
        set_auth(&w, bad[i]);
        assert_int_equal(check(&w, 0, &f, &err), OT_E_USAGE);
        assert_int_equal(f.http_status, 403);
        assert_string_equal(f.code, "InvalidClientTokenId");
        assert_null(strstr(err.what, "s3cr3t"));
    }
}

static void test_limits(void **state)
{
    (void)state;
    static struct raw_req w;
    static char big[OT_AUTH_MAX_HEADER_BYTES + 2];
    load_capture(&w, "boto3-CreateTrail.http");
    int64_t t = req_time(&w);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set_auth(&w, big);
    expect_fail(&w, t, 400, "InvalidRequest");
    load_capture(&w, "boto3-CreateTrail.http");
    w.req.nheaders = OT_AUTH_MAX_HEADERS + 1;
    expect_fail(&w, t, 400, "InvalidRequest");
    load_capture(&w, "boto3-CreateTrail.http");
    static char q[4 * OT_AUTH_MAX_QUERY_PARAMS];
    size_t n = 0;
    for (unsigned i = 0; i <= OT_AUTH_MAX_QUERY_PARAMS; i++) {
        n += (size_t)snprintf(q + n, sizeof(q) - n, "a&");
    }
    w.req.query = (struct ot_sv){ q, n };
    expect_fail(&w, t, 400, "InvalidRequest");
}

static void test_auth_alloc_failures(void **state)
{
    (void)state;
    static struct raw_req w;
    load_capture(&w, "boto3-CreateTrail.http");
    int64_t t = req_time(&w);
    if (!ot_alloc_fail_after(0)) {
        skip(); /* built without fail points: not counted as a pass */
    }
    for (unsigned long k = 1; k < 100; k++) {
        struct ot_auth_fail f;
        struct ot_error err;
        const struct ot_conf_access_key *who = NULL;
        ot_alloc_fail_after(k);
        ot_status st = ot_auth_check(&cfg, &w.req, t, &who, &f, &err);
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            assert_non_null(who);
            return;
        }
        assert_int_equal(st, OT_E_NOMEM);
        assert_int_equal(f.http_status, 500);
    }
    fail_msg("the check never succeeded");
}

/* ---- intake ---------------------------------------------------------------- */

#define GOOD_FIELDS                                                                              \
    "\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\"},\"eventTime\":"           \
    "\"2024-01-02T03:04:05Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"," \
    "\"awsRegion\":\"us-east-1\""
#define GOOD "{" GOOD_FIELDS ",\"eventID\":\"e-%d\",\"recipientAccountId\":\"123456789012\"}"

static const struct ot_intake_opts opts = { .account_id = "123456789012" };

static ot_status parse(const char *body, enum ot_intake_format fmt, const struct ot_intake_opts *o,
                       struct ot_intake *in, struct ot_error *err)
{
    return ot_intake_parse(ot_sv_cstr(body), fmt, o ? o : &opts, in, err);
}

static struct ot_sv rec_json(const struct ot_intake *in, size_t i)
{
    return (struct ot_sv){ in->records.data + in->ok[i].off, in->ok[i].len };
}

static void expect_rec(const struct ot_intake *in, size_t i, const char *json)
{
    struct ot_sv r = rec_json(in, i);
    if (!ot_sv_eq_cstr(r, json)) {
        fail_msg("record %zu:\n got  %.*s\n want %s", i, (int)r.n, r.p, json);
    }
}

static void expect_response(const struct ot_intake *in, enum ot_intake_format fmt, const char *want)
{
    struct ot_buf b = OT_BUF_INIT(1 << 20);
    assert_int_equal(ot_intake_response(in, fmt, &b), OT_OK);
    if (!ot_sv_eq_cstr(ot_buf_sv(&b), want)) {
        fail_msg("response:\n got  %s\n want %s", b.data, want);
    }
    ot_buf_cleanup(&b);
}

static void test_intake_formats(void **state)
{
    (void)state;
    char one[1024], two[1024], body[4096];
    (void)snprintf(one, sizeof(one), GOOD, 1);
    (void)snprintf(two, sizeof(two), GOOD, 2);
    const char *shapes[] = { "%s\n%s\n",
                             "%s\r\n\n  %s",
                             "{\"Records\":[%s,%s]}",
                             " { \"Records\" : [ %s , %s ] } \n",
                             "[%s,%s]",
                             "\n[\n%s,\n%s\n]\n" };
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        struct ot_intake in;
        struct ot_error err;
        (void)snprintf(body, sizeof(body), shapes[k], one, two);
        ot_status st = parse(body, OT_INTAKE_EVENTS, NULL, &in, &err);
        if (st != OT_OK) {
            fail_msg("shape %zu: %s", k, err.what);
        }
        assert_int_equal(in.nok, 2);
        assert_int_equal(in.nfailed, 0);
        expect_rec(&in, 0, one);
        expect_rec(&in, 1, two);
        assert_int_equal(in.ok[1].index, 1);
        assert_string_equal(in.ok[1].event_id, "e-2");
        assert_null(in.ok[0].id);
        expect_response(&in, OT_INTAKE_EVENTS, "{\"accepted\":2,\"failed\":[]}");
        ot_intake_cleanup(&in);
    }
    /* one object, spaced out over lines: compacted, field order kept */
    struct ot_intake in;
    struct ot_error err;
    assert_int_equal(parse("{\n  \"eventVersion\": \"1.08\", \"x\": [1, 2.50, -0e3],\n"
                           "  \"userIdentity\": {\"type\": \"Root\"}, \"eventTime\": "
                           "\"2024-02-29T23:59:59Z\",\n  \"eventSource\": \"a\", \"eventName\": "
                           "\"b\", \"awsRegion\": \"us-gov-west-1\", \"eventID\": \"k\" }\n",
                           OT_INTAKE_EVENTS, NULL, &in, &err),
                     OT_OK);
    assert_int_equal(in.nok, 1);
    expect_rec(&in, 0,
               "{\"eventVersion\":\"1.08\",\"x\":[1,2.50,-0e3],\"userIdentity\":{\"type\":"
               "\"Root\"},\"eventTime\":\"2024-02-29T23:59:59Z\",\"eventSource\":\"a\","
               "\"eventName\":\"b\",\"awsRegion\":\"us-gov-west-1\",\"eventID\":\"k\","
               "\"recipientAccountId\":\"123456789012\"}");
    ot_intake_cleanup(&in);
}

static void test_intake_assigned_fields(void **state)
{
    (void)state;
    struct ot_intake in;
    struct ot_error err;
    assert_int_equal(parse("{" GOOD_FIELDS "}", OT_INTAKE_EVENTS, NULL, &in, &err), OT_OK);
    assert_int_equal(in.nok, 1);
    const char *id = in.ok[0].event_id;
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');
    assert_non_null(strchr("89ab", id[19]));
    char want[1024];
    (void)snprintf(want, sizeof(want),
                   "{" GOOD_FIELDS ",\"eventID\":\"%s\",\"recipientAccountId\":\"123456789012\"}",
                   id);
    expect_rec(&in, 0, want);
    ot_intake_cleanup(&in);

    /* no account to fill in: nothing added but the eventID; a given one is kept */
    struct ot_intake_opts o = { 0 };
    assert_int_equal(
        parse("{" GOOD_FIELDS ",\"eventID\":\"given\"}", OT_INTAKE_EVENTS, &o, &in, &err), OT_OK);
    expect_rec(&in, 0, "{" GOOD_FIELDS ",\"eventID\":\"given\"}");
    assert_string_equal(in.ok[0].event_id, "given");
    ot_intake_cleanup(&in);

    /* another account: kept, unless the key must match */
    const char *other = "{" GOOD_FIELDS ",\"recipientAccountId\":\"999999999999\",\"eventID\":"
                        "\"a\"}";
    assert_int_equal(parse(other, OT_INTAKE_EVENTS, NULL, &in, &err), OT_OK);
    expect_rec(&in, 0, other);
    ot_intake_cleanup(&in);
    o = (struct ot_intake_opts){ .account_id = "123456789012", .account_must_match = true };
    assert_int_equal(parse(other, OT_INTAKE_EVENTS, &o, &in, &err), OT_OK);
    assert_int_equal(in.nok, 0);
    assert_int_equal(in.nfailed, 1);
    assert_string_equal(in.failed[0].code, "AccountMismatch");
    ot_intake_cleanup(&in);

    char a[37], b[37];
    assert_int_equal(ot_uuid4(a), OT_OK);
    assert_int_equal(ot_uuid4(b), OT_OK);
    assert_string_not_equal(a, b);
}

/* Bad records fail alone, with their index; the good ones are kept. */
static void test_intake_mixed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "{\"eventVersion\":\"1.09\"", /* not JSON */
        "[1]",
        "{" GOOD_FIELDS ",\"eventVersion\":\"1.10\"}",
        "{\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\",\"eventSource\":\"a\","
        "\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":1.09,\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":\"me\",\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05.123Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{},\"eventTime\":\"2023-02-29T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"US-EAST-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"useast1\"}",
        "{\"eventVersion\":\"v1\",\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{},\"eventTime\":\"2024-01-02T03:04:05Z\","
        "\"eventSource\":\"\",\"eventName\":\"b\",\"awsRegion\":\"us-east-1\"}",
        "{" GOOD_FIELDS ",\"eventID\":\"has space\"}",
        "{" GOOD_FIELDS ",\"readOnly\":\"true\"}",
        "{" GOOD_FIELDS ",\"requestParameters\":[]}",
        "{" GOOD_FIELDS "} {}",
    };
    size_t nbad = sizeof(bad) / sizeof(bad[0]);
    struct ot_buf body = OT_BUF_INIT(1 << 20);
    /* line i: good when i is even, else bad[i / 2]; blank lines between do not count */
    for (size_t i = 0; i < 2 * nbad + 1; i++) {
        if (i % 2 == 0) {
            assert_int_equal(ot_buf_printf(&body, GOOD "\n\n", (int)i), OT_OK);
        } else {
            assert_int_equal(ot_buf_printf(&body, "%s\n", bad[i / 2]), OT_OK);
        }
    }
    struct ot_intake in;
    struct ot_error err;
    assert_int_equal(ot_intake_parse(ot_buf_sv(&body), OT_INTAKE_EVENTS, &opts, &in, &err), OT_OK);
    assert_int_equal(in.nok, nbad + 1);
    assert_int_equal(in.nfailed, nbad);
    for (size_t i = 0; i < in.nok; i++) {
        assert_int_equal(in.ok[i].index, 2 * i);
    }
    for (size_t i = 0; i < in.nfailed; i++) {
        assert_int_equal(in.failed[i].index, 2 * i + 1);
        if (strcmp(in.failed[i].code, "InvalidRecord") != 0) {
            fail_msg("line %zu: %s", i, in.failed[i].code);
        }
    }
    assert_string_equal(in.failed[2].message, "eventVersion: given twice");
    assert_string_equal(in.failed[3].message, "eventVersion: missing");
    ot_intake_cleanup(&in);
    ot_buf_cleanup(&body);

    /* in an array, schema failures keep their element's index */
    assert_int_equal(parse("["
                           "{" GOOD_FIELDS ",\"eventID\":\"z\"}"
                           ",{},[],{" GOOD_FIELDS ",\"eventID\":\"\\\"q\"}]",
                           OT_INTAKE_EVENTS, NULL, &in, &err),
                     OT_OK);
    assert_int_equal(in.nok, 1);
    assert_int_equal(in.nfailed, 3);
    expect_response(&in, OT_INTAKE_EVENTS,
                    "{\"accepted\":1,\"failed\":[{\"index\":1,\"code\":\"InvalidRecord\","
                    "\"message\":\"eventVersion: missing\"},{\"index\":2,\"code\":"
                    "\"InvalidRecord\",\"message\":\"a record must be a JSON object, not "
                    "array\"},{\"index\":3,\"code\":\"InvalidRecord\",\"message\":\"eventID: 1 "
                    "to 63 characters of [-_.:A-Za-z0-9]\"}]}");
    ot_intake_cleanup(&in);
}

static void test_intake_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        unsigned line, col;
    } cases[] = {
        { "", 1, 1 },
        { "  \n ", 2, 2 },
        { "hello", 1, 1 },
        { "[{\"a\":1},", 1, 10 },
        { "[{\"a\":1} {}]", 1, 10 },
        { "[]x", 1, 3 },
        { "{\"Records\":[{}]", 1, 16 },
        { "{\"Records\":[{}], \"x\":1}", 1, 16 },
        { "{\"a\":", 1, 6 },
        { "{\"a\":1} x", 1, 9 },
        { "\"text\"", 1, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ot_intake in;
        struct ot_error err;
        ot_status st = parse(cases[i].body, OT_INTAKE_EVENTS, NULL, &in, &err);
        if (st != OT_E_PARSE) {
            fail_msg("case %zu: status %d", i, st);
        }
        if (err.line != cases[i].line || err.col != cases[i].col) {
            fail_msg("case %zu: %u:%u, want %u:%u (%s)", i, err.line, err.col, cases[i].line,
                     cases[i].col, err.what);
        }
        ot_intake_cleanup(&in);
    }
}

static void test_intake_caps(void **state)
{
    (void)state;
    char one[1024], body[4096];
    struct ot_intake in;
    struct ot_error err;
    (void)snprintf(one, sizeof(one), GOOD, 1);
    size_t n = strlen(one);
    struct ot_intake_opts o = { .max_record_bytes = n };
    (void)snprintf(body, sizeof(body),
                   "%s\n%s \n{" GOOD_FIELDS
                   ",\"eventID\":\"e-10\",\"recipientAccountId\":\"123456789012\",\"pad\":1}\n",
                   one, one);
    assert_int_equal(parse(body, OT_INTAKE_EVENTS, &o, &in, &err), OT_OK);
    assert_int_equal(in.nok, 2); /* exactly at the cap; trailing blanks are not the record's */
    assert_int_equal(in.nfailed, 1);
    assert_string_equal(in.failed[0].code, "RecordTooLarge");
    ot_intake_cleanup(&in);
    (void)snprintf(body, sizeof(body),
                   "[%s,{" GOOD_FIELDS
                   ",\"eventID\":\"e-1\",\"recipientAccountId\":\"123456789012\",\"pad\":true}]",
                   one);
    assert_int_equal(parse(body, OT_INTAKE_EVENTS, &o, &in, &err), OT_OK);
    assert_int_equal(in.nfailed, 1);
    assert_int_equal(in.failed[0].index, 1);
    assert_string_equal(in.failed[0].code, "RecordTooLarge");
    ot_intake_cleanup(&in);

    o = (struct ot_intake_opts){ .max_records = 2 };
    const char *three[] = { "[%s,%s,%s]", "%s\n%s\n%s" };
    for (size_t k = 0; k < 2; k++) {
        (void)snprintf(body, sizeof(body), three[k], one, one, one);
        assert_int_equal(parse(body, OT_INTAKE_EVENTS, &o, &in, &err), OT_E_LIMIT);
        ot_intake_cleanup(&in);
        (void)snprintf(body, sizeof(body), three[k], one, one, "");
        assert_int_equal(parse(body, OT_INTAKE_EVENTS, &o, &in, &err), k == 0 ? OT_E_PARSE : OT_OK);
        ot_intake_cleanup(&in);
    }
}

static void pae_event(struct ot_buf *b, const char *id, const char *data, const char *sum)
{
    assert_int_equal(
        ot_buf_printf(b, "%s{\"id\":\"%s\",\"eventData\":", b->len > 16 ? "," : "", id), OT_OK);
    assert_int_equal(ot_buf_json_str(b, ot_sv_cstr(data)), OT_OK);
    if (sum != NULL) {
        assert_int_equal(ot_buf_printf(b, ",\"eventDataChecksum\":\"%s\"", sum), OT_OK);
    }
    assert_int_equal(ot_buf_putc(b, '}'), OT_OK);
}

static void test_put_audit_events(void **state)
{
    (void)state;
    struct ot_buf b = OT_BUF_INIT(1 << 20);
    char one[1024];
    (void)snprintf(one, sizeof(one), GOOD, 1);
    assert_int_equal(ot_buf_append_cstr(&b, "{\"auditEvents\":["), OT_OK);
    pae_event(&b, "ok-1", one, NULL);
    /* sha256 of "{}" is 44136fa3...; of @one it is not */
    pae_event(&b, "bad_sum", one,
              "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    pae_event(&b, "lake",
              "{\"version\":\"1.0\",\"UID\":\"lake-uid-1\",\"userIdentity\":{},\"eventTime\":"
              "\"2024-01-02T03:04:05Z\",\"eventSource\":\"app\",\"eventName\":\"Login\","
              "\"awsRegion\":\"eu-west-1\",\"recipientAccountId\":\"123456789012\"}",
              NULL);
    pae_event(&b, "notjson", "{\"a\":", NULL);
    pae_event(&b, "big", "{}", "44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A");
    assert_int_equal(ot_buf_append_cstr(&b, "]}"), OT_OK);
    struct ot_intake in;
    struct ot_error err;
    ot_status st = ot_intake_parse(ot_buf_sv(&b), OT_INTAKE_PUT_AUDIT_EVENTS, &opts, &in, &err);
    if (st != OT_OK) {
        fail_msg("%s at %u:%u", err.what, err.line, err.col);
    }
    assert_int_equal(in.nok, 2);
    assert_int_equal(in.nfailed, 3);
    expect_rec(&in, 0, one);
    expect_rec(&in, 1,
               "{\"version\":\"1.0\",\"UID\":\"lake-uid-1\",\"userIdentity\":{},\"eventTime\":"
               "\"2024-01-02T03:04:05Z\",\"eventSource\":\"app\",\"eventName\":\"Login\","
               "\"awsRegion\":\"eu-west-1\",\"recipientAccountId\":\"123456789012\","
               "\"eventVersion\":\"1.0\",\"eventID\":\"lake-uid-1\"}");
    assert_int_equal(in.ok[1].index, 2);
    expect_response(&in, OT_INTAKE_PUT_AUDIT_EVENTS,
                    "{\"successful\":[{\"id\":\"ok-1\",\"eventID\":\"e-1\"},{\"id\":\"lake\","
                    "\"eventID\":\"lake-uid-1\"}],\"failed\":[{\"id\":\"bad_sum\",\"errorCode\":"
                    "\"InvalidChecksum\",\"errorMessage\":\"eventDataChecksum: not the SHA-256 "
                    "of eventData (lower-case hex)\"},{\"id\":\"notjson\",\"errorCode\":"
                    "\"InvalidRecord\",\"errorMessage\":\"invalid JSON at byte 6: value "
                    "expected\"},{\"id\":\"big\",\"errorCode\":\"InvalidRecord\",\"errorMessage\":"
                    "\"eventVersion: missing\"}]}");
    ot_intake_cleanup(&in);
    ot_buf_cleanup(&b);

    /* the envelope is checked as a whole */
    static const char *bad[] = {
        "[]",
        "{}",
        "{\"auditEvents\":{}}",
        "{\"auditEvents\":[1]}",
        "{\"auditEvents\":[{\"eventData\":\"{}\"}]}",
        "{\"auditEvents\":[{\"id\":\"a b\",\"eventData\":\"{}\"}]}",
        "{\"auditEvents\":[{\"id\":\"\",\"eventData\":\"{}\"}]}",
        "{\"auditEvents\":[{\"id\":\"a\"}]}",
        "{\"auditEvents\":[{\"id\":\"a\",\"eventData\":{}}]}",
        "{\"auditEvents\":[{\"id\":\"a\",\"eventData\":\"{}\",\"x\":1}]}",
        "{\"auditEvents\":[],\"more\":1}",
        "{\"auditEvents\":[]} []",
        "{\"auditEvents\":[",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st = parse(bad[i], OT_INTAKE_PUT_AUDIT_EVENTS, NULL, &in, &err);
        if (st != OT_E_PARSE) {
            fail_msg("case %zu: status %d", i, st);
        }
        ot_intake_cleanup(&in);
    }
    struct ot_intake_opts o = { .max_records = 1 };
    assert_int_equal(parse("{\"auditEvents\":[{\"id\":\"a\",\"eventData\":\"{}\"},{\"id\":\"b\","
                           "\"eventData\":\"{}\"}]}",
                           OT_INTAKE_PUT_AUDIT_EVENTS, &o, &in, &err),
                     OT_E_LIMIT);
    ot_intake_cleanup(&in);
}

static void test_intake_alloc_failures(void **state)
{
    (void)state;
    if (!ot_alloc_fail_after(0)) {
        skip(); /* built without fail points: not counted as a pass */
    }
    const char *bodies[] = {
        "{" GOOD_FIELDS "}\n[1]\n{" GOOD_FIELDS ",\"eventID\":\"x\"}\n",
        "{\"auditEvents\":[{\"id\":\"a\",\"eventData\":\"{\\\"eventVersion\\\":\\\"1.0\\\"}\"},"
        "{\"id\":\"b\",\"eventData\":\"{\\\"eventVersion\\\":\\\"1.0\\\",\\\"userIdentity\\\":{},"
        "\\\"eventTime\\\":\\\"2024-01-02T03:04:05Z\\\",\\\"eventSource\\\":\\\"a\\\","
        "\\\"eventName\\\":\\\"b\\\",\\\"awsRegion\\\":\\\"us-east-1\\\"}\"}]}",
    };
    for (size_t f = 0; f < 2; f++) {
        enum ot_intake_format fmt = f ? OT_INTAKE_PUT_AUDIT_EVENTS : OT_INTAKE_EVENTS;
        unsigned long k;
        for (k = 1; k < 500; k++) {
            struct ot_intake in;
            struct ot_error err;
            struct ot_buf out = OT_BUF_INIT(1 << 16);
            ot_alloc_fail_after(k);
            ot_status st = parse(bodies[f], fmt, NULL, &in, &err);
            if (st == OT_OK) {
                st = ot_intake_response(&in, fmt, &out);
            }
            ot_alloc_fail_after(0);
            ot_intake_cleanup(&in);
            ot_buf_cleanup(&out);
            if (st == OT_OK) {
                break;
            }
            if (st != OT_E_NOMEM) {
                fail_msg("format %zu, allocation %lu: status %d", f, k, st);
            }
        }
        assert_true(k < 500);
        assert_true(k > 2);
    }
}

/* ---- setup ---------------------------------------------------------------- */

static char vec_dir[256];

/* botocore signs the vectors now; a test that needs them finds the folder in OT_SIGV4_VECTORS. */
static int make_vectors(void)
{
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(vec_dir, sizeof(vec_dir), "%s/ot-sigv4.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(vec_dir) == NULL) {
        return -1;
    }
    char cmd[600];
    (void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/unit/sigv4_vectors.py '%s'", vec_dir);
    FILE *p = popen(cmd, "r");
    if (p == NULL || pclose(p) != 0) {
        fprintf(stderr, "sigv4_vectors.py failed (run from the repository root)\n");
        return -1;
    }
    return setenv("OT_SIGV4_VECTORS", vec_dir, 1);
}

static void remove_vectors(void)
{
    DIR *d = opendir(vec_dir);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char path[600];
        if (de->d_name[0] == '.') {
            continue;
        }
        (void)snprintf(path, sizeof(path), "%s/%s", vec_dir, de->d_name);
        (void)unlink(path); /* best effort: a temp dir */
    }
    (void)closedir(d);
    (void)rmdir(vec_dir);
}

/* ---- replay cache ----------------------------------------------------- */

static void test_replay(void **state)
{
    (void)state;
    struct ot_replay *r = NULL;
    assert_int_equal(ot_replay_new(3, 1000, 600000, &r), OT_OK);
    struct ot_buf b = OT_BUF_INIT(4096);
    int status = 0;
    struct ot_sv s1 = SV("aaaa"), s2 = SV("bbbb"), s3 = SV("cccc"), s4 = SV("dddd");
    assert_int_equal(ot_replay_begin(r, s1, 1000, &status, &b), OT_OK);
    /* its twin arrives while the first is handled */
    assert_int_equal(ot_replay_begin(r, s1, 1001, &status, &b), OT_E_RETRY);
    ot_replay_end(r, s1, 200, SV("{\"accepted\":2}"));
    assert_int_equal(ot_replay_begin(r, s1, 2000, &status, &b), OT_E_USAGE);
    assert_int_equal(status, 200);
    assert_string_equal(b.data, "{\"accepted\":2}");
    ot_buf_reset(&b);
    /* a refused request is not kept: its retry is handled for real */
    assert_int_equal(ot_replay_begin(r, s2, 2000, &status, &b), OT_OK);
    ot_replay_end(r, s2, 503, SV("{}"));
    assert_int_equal(ot_replay_begin(r, s2, 2001, &status, &b), OT_OK);
    ot_replay_end(r, s2, 200, SV("{}"));
    /* past the window, the same signature is new again */
    assert_int_equal(ot_replay_begin(r, s1, 1000 + 600000, &status, &b), OT_OK);
    ot_replay_end(r, s1, 200, SV("{}"));
    /* the ring is full: the oldest answered one makes room */
    assert_int_equal(ot_replay_begin(r, s3, 700000, &status, &b), OT_OK);
    ot_replay_end(r, s3, 200, SV("{}"));
    assert_int_equal(ot_replay_begin(r, s4, 700001, &status, &b), OT_OK);
    ot_replay_end(r, s4, 200, SV("{}"));
    assert_int_equal(ot_replay_begin(r, s4, 700002, &status, &b), OT_E_USAGE);
    ot_buf_cleanup(&b);
    ot_replay_free(r);
    assert_int_equal(ot_replay_new(0, 10, 10, &r), OT_E_USAGE);
    for (unsigned long i = 1; i < 20; i++) {
        ot_alloc_fail_after(i);
        ot_status st = ot_replay_new(4, 100, 10, &r);
        ot_alloc_fail_after(0);
        assert_true(st == OT_OK || st == OT_E_NOMEM);
        if (st == OT_OK) {
            ot_replay_free(r);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures_verify),
        cmocka_unit_test(test_signature_byte_flips),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_authorization_header),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_payload_hash),
        cmocka_unit_test(test_botocore_vectors),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_auth_alloc_failures),
        cmocka_unit_test(test_intake_formats),
        cmocka_unit_test(test_intake_assigned_fields),
        cmocka_unit_test(test_intake_mixed),
        cmocka_unit_test(test_intake_malformed),
        cmocka_unit_test(test_intake_caps),
        cmocka_unit_test(test_put_audit_events),
        cmocka_unit_test(test_intake_alloc_failures),
        cmocka_unit_test(test_replay),
    };
    if (make_vectors() != 0) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_vectors();
    return rc;
}
