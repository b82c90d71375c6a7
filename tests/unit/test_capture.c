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
    };
    if (make_vectors() != 0) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_vectors();
    return rc;
}
