/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/s3.c - the S3 backend: the store's ops table over any S3-compatible
 * object store (AWS S3, OpenStack Swift s3api, Ceph RGW), with libcurl.
 *
 * Stage: store. Every request is signed by sigv4.c (never CURLOPT_AWS_SIGV4,
 * whose header sort breaks the digest's metadata pair) and carries
 * x-amz-content-sha256, which the server checks against the body. A put is
 * acknowledged only after the server's 200, so flush() has nothing to do.
 * 5xx (but 501), 429, SlowDown/RequestTimeout and dropped, refused or timed
 * out connections are retried with exponential backoff and jitter until
 * retry_for_ms runs out; the same request is sent again, which S3 makes
 * idempotent for PUT, GET, HEAD, DELETE and each multipart step. Objects of
 * multipart_min_bytes and more go as multipart uploads (aborted on failure).
 * Easy handles are pooled under a mutex so validate's threads share
 * connections.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "opentrail/store.h"
#include "store/s3_int.h"
#include "store/store_int.h"

#include "core/private.h"

#define POOL_MAX         16
#define MAX_KEY_BYTES    1024
#define MAX_META_BYTES   2048 /* S3's limit on all user metadata of an object */
#define MAX_XML_RESP     (4u << 20)
#define MAX_ERR_BODY     (64u << 10)
#define MAX_PARTS        10000u
#define MIN_PART_BYTES   (5u << 20)
#define BACKOFF_FIRST_MS 100u
#define BACKOFF_MAX_MS   5000u
#define EMPTY_SHA256     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3 {
    char *scheme; /* "http" or "https" */
    char *host;   /* host[:port] */
    char *region, *ak, *sk, *token, *sse, *kms;
    bool vhost;
    unsigned timeout_ms, connect_ms, retry_for_ms;
    uint64_t mp_min, part;
    unsigned page_keys;
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, unsigned ms);
    void *clock_ctx;
    pthread_mutex_t mu;
    CURL *pool[POOL_MAX];
    size_t npool;
    uint64_t delete_markers; /* DELETEs answered with x-amz-delete-marker: true (under mu) */
};

struct req {
    const char *method;
    const char *bucket;
    const char *key;   /* "" for the bucket itself */
    const char *query; /* canonical, or "" */
    struct ot_s3_header extra[OT_S3_MAX_HEADERS - 5];
    size_t nextra;
    const void *body;
    size_t body_n;
};

struct resp {
    long code;
    struct ot_buf *body; /* the caller's; restored to body_len0 before each attempt */
    size_t body_len0;
    struct ot_buf *meta; /* JSON object of x-amz-meta-*, or NULL */
    bool too_large;
    ot_status fail_st; /* why too_large: OT_E_LIMIT or OT_E_NOMEM */
    char etag[128];
    uint64_t content_length;
    bool have_length;
    bool delete_marker; /* x-amz-delete-marker: true */
    char err_code[64], err_msg[160];
};

/* ---- small helpers ---------------------------------------------------- */

static char *dup_or_null(const char *s, bool *fail)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = ot_strndup(s, strlen(s));
    if (d == NULL) {
        *fail = true;
    }
    return d;
}

static void free_secret(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        ot_free(s);
    }
}

static CURL *take_handle(struct s3 *s)
{
    CURL *h = NULL;
    if (pthread_mutex_lock(&s->mu) == 0) {
        if (s->npool > 0) {
            h = s->pool[--s->npool];
        }
        (void)pthread_mutex_unlock(&s->mu); /* locked just above */
    }
    return h != NULL ? h : curl_easy_init();
}

static void give_handle(struct s3 *s, CURL *h)
{
    if (h == NULL) {
        return;
    }
    if (pthread_mutex_lock(&s->mu) == 0) {
        if (s->npool < POOL_MAX) {
            s->pool[s->npool++] = h;
            h = NULL;
        }
        (void)pthread_mutex_unlock(&s->mu); /* locked just above */
    }
    curl_easy_cleanup(h); /* NULL when pooled: a no-op */
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb;
    if (r->body == NULL) {
        return n;
    }
    ot_status st = ot_buf_append(r->body, p, n);
    if (st != OT_OK) {
        r->too_large = true;
        r->fail_st = st;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    return n;
}

static bool hname_is(const char *p, size_t n, const char *name)
{
    size_t len = strlen(name);
    return n == len && strncasecmp(p, name, len) == 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb;
    const char *colon = memchr(p, ':', n);
    if (colon == NULL) {
        return n; /* the status line or the blank line */
    }
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) {
        vl--;
    }
    if (hname_is(p, nl, "etag")) {
        (void)snprintf(r->etag, sizeof(r->etag), "%.*s", (int)vl, v);
    } else if (hname_is(p, nl, "x-amz-delete-marker")) {
        r->delete_marker = vl == 4 && strncasecmp(v, "true", 4) == 0;
    } else if (hname_is(p, nl, "content-length")) {
        r->have_length =
            ot_parse_u64((struct ot_sv){ v, vl }, UINT64_MAX, false, &r->content_length) == OT_OK;
    } else if (r->meta != NULL && nl > 11 && strncasecmp(p, "x-amz-meta-", 11) == 0) {
        char name[128];
        size_t k = nl - 11 < sizeof(name) - 1 ? nl - 11 : sizeof(name) - 1;
        for (size_t i = 0; i < k; i++) {
            char c = p[11 + i];
            name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        name[k] = '\0';
        struct ot_buf *m = r->meta;
        ot_status st = ot_buf_putc(m, m->len > 1 ? ',' : '{');
        if (st == OT_OK) {
            st = ot_buf_json_str(m, ot_sv_cstr(name));
        }
        if (st == OT_OK) {
            st = ot_buf_putc(m, ':');
        }
        if (st == OT_OK) {
            st = ot_buf_json_str(m, (struct ot_sv){ v, vl });
        }
        if (st != OT_OK) {
            r->too_large = true;
            r->fail_st = st;
            return 0;
        }
    }
    return n;
}

static bool on_error_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    struct resp *r = ctx;
    if (ot_sv_eq_cstr(parent, "Error") && ot_sv_eq_cstr(name, "Code")) {
        (void)snprintf(r->err_code, sizeof(r->err_code), "%.*s", (int)text.n, text.p);
    } else if (ot_sv_eq_cstr(parent, "Error") && ot_sv_eq_cstr(name, "Message")) {
        (void)snprintf(r->err_msg, sizeof(r->err_msg), "%.*s", (int)text.n, text.p);
    }
    return true;
}

/* ---- one request, with retries --------------------------------------- */

static ot_status build_url(const struct s3 *s, const struct req *q, struct ot_buf *url,
                           struct ot_buf *path, struct ot_buf *host)
{
    ot_status st = OT_OK;
    if (s->vhost) {
        st = ot_buf_printf(host, "%s.%s", q->bucket, s->host);
        if (st == OT_OK) {
            st = ot_buf_putc(path, '/');
        }
    } else {
        st = ot_buf_append_cstr(host, s->host);
        if (st == OT_OK) {
            st = ot_buf_putc(path, '/');
        }
        if (st == OT_OK) {
            st = ot_s3_uri_encode(ot_sv_cstr(q->bucket), false, path);
        }
        if (st == OT_OK && q->key[0] != '\0') {
            st = ot_buf_putc(path, '/');
        }
    }
    if (st == OT_OK) {
        st = ot_s3_uri_encode(ot_sv_cstr(q->key), true, path);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(url, "%s://%s%s%s%s", s->scheme, host->data, path->data,
                           q->query[0] ? "?" : "", q->query);
    }
    return st;
}

/* One attempt. *curl_rc and r->code tell what happened. */
static ot_status attempt(struct s3 *s, CURL *h, const struct req *q, const char *url,
                         const char *path, const char *host, const char *payload_hash,
                         struct resp *r, CURLcode *curl_rc)
{
    struct ot_s3_header hs[OT_S3_MAX_HEADERS];
    size_t nh = 0;
    char date[17];
    ot_s3_amz_date(s->now_ms(s->clock_ctx), date);
    hs[nh++] = (struct ot_s3_header){ "host", host };
    hs[nh++] = (struct ot_s3_header){ "x-amz-content-sha256", payload_hash };
    hs[nh++] = (struct ot_s3_header){ "x-amz-date", date };
    if (s->token != NULL) {
        hs[nh++] = (struct ot_s3_header){ "x-amz-security-token", s->token };
    }
    for (size_t i = 0; i < q->nextra && nh < OT_S3_MAX_HEADERS; i++) {
        hs[nh++] = q->extra[i];
    }
    struct ot_sigv4_req sr = {
        .method = q->method,
        .canonical_uri = path,
        .canonical_query = q->query,
        .headers = hs,
        .nheaders = nh,
        .payload_hash = payload_hash,
        .amz_date = date,
        .region = s->region,
        .service = "s3",
        .access_key = s->ak,
        .secret_key = s->sk,
    };
    struct ot_buf auth = OT_BUF_INIT(8192), line = OT_BUF_INIT(8192);
    struct curl_slist *list = NULL;
    ot_status st = ot_sigv4_authorization(&sr, &auth);
    for (size_t i = 0; st == OT_OK && i <= nh; i++) {
        ot_buf_reset(&line);
        st = i < nh ? ot_buf_printf(&line, "%s: %s", hs[i].name, hs[i].value)
                    : ot_buf_printf(&line, "authorization: %s", auth.data);
        struct curl_slist *nl = st == OT_OK ? curl_slist_append(list, line.data) : NULL;
        if (nl == NULL) {
            st = OT_E_NOMEM;
        } else {
            list = nl;
        }
    }
    /* no "Expect: 100-continue" round trip, no form content type on bodies */
    static const char *const quiet[] = { "expect:", "accept:" };
    for (size_t i = 0; st == OT_OK && i < 2; i++) {
        struct curl_slist *nl = curl_slist_append(list, quiet[i]);
        if (nl == NULL) {
            st = OT_E_NOMEM;
        } else {
            list = nl;
        }
    }
    if (st == OT_OK) {
        curl_easy_reset(h);
        bool head = strcmp(q->method, "HEAD") == 0;
        CURLcode c = curl_easy_setopt(h, CURLOPT_URL, url);
        (void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
        (void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        (void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
        (void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_ms);
        (void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        (void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        (void)curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
        (void)curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        (void)curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
        if (head) {
            (void)curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (q->body != NULL) {
            (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_n);
            (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
            (void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
        } else if (strcmp(q->method, "GET") != 0) {
            (void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
        }
        *curl_rc = c == CURLE_OK ? curl_easy_perform(h) : c;
        r->code = 0;
        (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    }
    curl_slist_free_all(list);
    if (auth.data != NULL) {
        OPENSSL_cleanse(auth.data, auth.len);
    }
    ot_buf_cleanup(&auth);
    ot_buf_cleanup(&line);
    return st;
}

static bool curl_retryable(CURLcode c)
{
    return c == CURLE_COULDNT_CONNECT || c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR ||
           c == CURLE_GOT_NOTHING || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_PARTIAL_FILE;
}

static bool http_retryable(const struct resp *r)
{
    if ((r->code >= 500 && r->code != 501) || r->code == 429) {
        return true;
    }
    return strcmp(r->err_code, "SlowDown") == 0 || strcmp(r->err_code, "RequestTimeout") == 0 ||
           strcmp(r->err_code, "Throttling") == 0 || strcmp(r->err_code, "InternalError") == 0 ||
           strcmp(r->err_code, "ServiceUnavailable") == 0;
}

static void reset_resp(struct resp *r, struct ot_buf *errbody)
{
    r->code = 0;
    r->too_large = false;
    r->fail_st = OT_OK;
    r->etag[0] = '\0';
    r->have_length = false;
    r->delete_marker = false;
    r->content_length = 0;
    r->err_code[0] = r->err_msg[0] = '\0';
    if (r->body != NULL && r->body != errbody) {
        r->body->len = r->body_len0;
        if (r->body->data != NULL) {
            r->body->data[r->body->len] = '\0';
        }
    }
    ot_buf_reset(errbody);
    if (r->meta != NULL) {
        ot_buf_reset(r->meta);
    }
}

static unsigned jitter(unsigned ms)
{
    unsigned char b[2] = { 0, 0 };
    if (RAND_bytes(b, 2) != 1) {
        return ms;
    }
    unsigned half = ms / 2;
    return half + (half ? ((unsigned)b[0] << 8 | b[1]) % half : 0);
}

/*
 * Send @q until it succeeds (2xx, or the codes in @ok_codes), fails for good
 * or the retry budget runs out. On success r->body holds the answer.
 */
static ot_status request(struct s3 *s, const struct req *q, struct resp *r, struct ot_error *err)
{
    struct ot_buf url = OT_BUF_INIT(8192), path = OT_BUF_INIT(8192), host = OT_BUF_INIT(512);
    struct ot_buf errbody = OT_BUF_INIT(MAX_ERR_BODY);
    struct ot_buf *caller_body = r->body;
    char payload_hash[65];
    ot_status st = build_url(s, q, &url, &path, &host);
    CURL *h = NULL;
    if (st != OT_OK) {
        st = st == OT_E_NOMEM ? ot_fail(err, st, NULL, "out of memory")
                              : ot_fail(err, OT_E_LIMIT, NULL, "S3 request URL too long");
        goto out;
    }
    if (q->body != NULL) {
        ot_sha256_hex(q->body, q->body_n, payload_hash);
    } else {
        (void)snprintf(payload_hash, sizeof(payload_hash), "%s", EMPTY_SHA256);
    }
    h = take_handle(s);
    if (h == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory (curl handle)");
        goto out;
    }
    r->body_len0 = caller_body != NULL ? caller_body->len : 0;
    int64_t start = s->now_ms(s->clock_ctx);
    unsigned delay = BACKOFF_FIRST_MS, attempts = 0;
    for (;;) {
        CURLcode c = CURLE_OK;
        r->body = caller_body != NULL ? caller_body : &errbody;
        reset_resp(r, &errbody);
        attempts++;
        st = attempt(s, h, q, url.data, path.data, host.data, payload_hash, r, &c);
        if (st != OT_OK) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        bool ok = c == CURLE_OK && r->code >= 200 && r->code < 300;
        size_t from = r->body == caller_body ? r->body_len0 : 0;
        if (c == CURLE_OK && !ok && r->body->data != NULL && r->body->len > from) {
            /* read the error body as an S3 Error */
            struct ot_sv e = { r->body->data + from, r->body->len - from };
            (void)ot_xml_walk(e, on_error_leaf, r, NULL); /* a non-XML body: code only */
        }
        if (r->too_large && r->fail_st == OT_E_NOMEM) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        if (r->too_large && caller_body != NULL) {
            st = ot_fail(err, OT_E_LIMIT, NULL, "S3 %s answer larger than allowed", q->method);
            goto out;
        }
        if (ok) {
            st = OT_OK;
            goto out;
        }
        bool again = (c != CURLE_OK && curl_retryable(c)) || (c == CURLE_OK && http_retryable(r));
        int64_t spent = s->now_ms(s->clock_ctx) - start;
        if (again && spent + delay <= (int64_t)s->retry_for_ms) {
            s->sleep_ms(s->clock_ctx, jitter(delay));
            delay = delay >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : delay * 2;
            continue;
        }
        char tail[96] = "";
        if (again) {
            (void)snprintf(tail, sizeof(tail), " (gave up after %u attempts in %lld ms)", attempts,
                           (long long)spent);
        }
        if (c != CURLE_OK) {
            st = ot_fail(err, OT_E_IO, "check --s3-endpoint and that the server is up",
                         "S3 %s: %s%s", q->method, curl_easy_strerror(c), tail);
        } else if (r->code == 404) {
            bool nobucket = strcmp(r->err_code, "NoSuchBucket") == 0;
            st = ot_fail(err, OT_E_IO, nobucket ? "check the bucket name" : NULL, "S3 %s: %s%s",
                         q->method, nobucket ? "no such bucket" : "no such object", tail);
            if (err != NULL && !nobucket) {
                err->sys_errno = ENOENT;
            }
        } else if (r->code == 403) {
            /* Ceph answers an unknown KMS key with 403 InvalidAccessKeyId "...kms-keyid..." */
            bool kms = strcasestr(r->err_msg, "kms") != NULL || strncmp(r->err_code, "KMS", 3) == 0;
            st = ot_fail(err, OT_E_USAGE,
                         kms ? "check the KMS key id (--s3-kms-key-id, Storage.KmsKeyId): the "
                               "server's KMS does not know it or will not use it"
                             : "check the access key, secret key, region and the clock",
                         "S3 %s: 403 %s%s%s", q->method, r->err_code[0] ? r->err_code : "Forbidden",
                         r->err_msg[0] ? ": " : "", r->err_msg);
        } else if (r->code == 501 || r->code == 400 || r->code == 405) {
            st = ot_fail(err, OT_E_USAGE,
                         r->code == 501 ? "this server does not support the feature" : NULL,
                         "S3 %s: %ld %s%s%s", q->method, r->code, r->err_code[0] ? r->err_code : "",
                         r->err_msg[0] ? ": " : "", r->err_msg);
        } else {
            st = ot_fail(err, OT_E_IO, NULL, "S3 %s: HTTP %ld %s%s", q->method, r->code,
                         r->err_code, tail);
        }
        goto out;
    }
out:
    r->body = caller_body;
    if (st != OT_OK && caller_body != NULL) {
        caller_body->len = r->body_len0 <= caller_body->len ? r->body_len0 : caller_body->len;
        if (caller_body->data != NULL) {
            caller_body->data[caller_body->len] = '\0';
        }
    }
    if (st != OT_OK && err != NULL) {
        ot_error_at(err, "s3://%s/%s", q->bucket, q->key);
    }
    give_handle(s, h);
    ot_buf_cleanup(&url);
    ot_buf_cleanup(&path);
    ot_buf_cleanup(&host);
    ot_buf_cleanup(&errbody);
    return st;
}

/* ---- the ops ---------------------------------------------------------- */

static ot_status check_key(const char *bucket, const char *key, struct ot_error *err)
{
    size_t bl = strlen(bucket), kl = strlen(key);
    if (bl < 3 || bl > 63 || strchr(bucket, '/') != NULL) {
        return ot_fail(err, OT_E_USAGE, "bucket names are 3-63 characters without '/'",
                       "bad bucket name '%s'", bucket);
    }
    if (kl == 0 || kl > MAX_KEY_BYTES) {
        return ot_fail(err, OT_E_USAGE, NULL, "object keys are 1-%u bytes", MAX_KEY_BYTES);
    }
    return OT_OK;
}

static ot_status s3_head(void *be, const char *bucket, const char *key, uint64_t *size,
                         struct ot_error *err)
{
    struct req q = { .method = "HEAD", .bucket = bucket, .key = key, .query = "" };
    struct resp r = { 0 };
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = request(be, &q, &r, err);
    }
    if (st == OT_OK) {
        *size = r.content_length;
    }
    return st;
}

static void add_hdr(struct req *q, const char *name, const char *value)
{
    if (q->nextra < sizeof(q->extra) / sizeof(q->extra[0])) {
        q->extra[q->nextra++] = (struct ot_s3_header){ name, value };
    }
}

/* the headers of a new object: type, encoding, SSE, metadata */
static ot_status object_headers(const struct s3 *s, struct req *q, const char *key,
                                const struct ot_meta *meta, size_t nmeta, char names[][80],
                                struct ot_error *err)
{
    size_t kl = strlen(key), total = 0;
    bool gz = kl > 3 && strcmp(key + kl - 3, ".gz") == 0;
    bool json = kl > 8 && strcmp(key + kl - 8, ".json.gz") == 0;
    add_hdr(q, "content-type", json ? "application/json" : "application/octet-stream");
    if (gz) {
        add_hdr(q, "content-encoding", "gzip");
    }
    if (s->sse != NULL) {
        add_hdr(q, "x-amz-server-side-encryption", s->sse);
        if (s->kms != NULL) {
            add_hdr(q, "x-amz-server-side-encryption-aws-kms-key-id", s->kms);
        }
    }
    if (nmeta > 8) {
        return ot_fail(err, OT_E_LIMIT, NULL, "more than 8 metadata pairs");
    }
    for (size_t i = 0; i < nmeta; i++) {
        size_t nl = strlen(meta[i].name), vl = strlen(meta[i].value);
        bool ok = nl > 0 && nl < 64;
        for (size_t k = 0; ok && k < nl; k++) {
            char c = meta[i].name[k];
            ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }
        for (size_t k = 0; ok && k < vl; k++) {
            unsigned char c = (unsigned char)meta[i].value[k];
            ok = c >= 0x20 && c < 0x7f;
        }
        total += nl + vl;
        if (!ok || total > MAX_META_BYTES) {
            return ot_fail(err, OT_E_USAGE,
                           "metadata names are lower-case [a-z0-9_-], values printable ASCII, "
                           "2 KB in all",
                           "metadata '%s' cannot be sent to S3", meta[i].name);
        }
        (void)snprintf(names[i], 80, "x-amz-meta-%s", meta[i].name);
        add_hdr(q, names[i], meta[i].value);
    }
    return OT_OK;
}

struct mp_leaf {
    char upload_id[512];
    bool error;
};

static bool on_mp_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    struct mp_leaf *m = ctx;
    if (ot_sv_eq_cstr(name, "UploadId") && text.n < sizeof(m->upload_id)) {
        (void)memcpy(m->upload_id, text.p, text.n);
        m->upload_id[text.n] = '\0';
    }
    if (ot_sv_eq_cstr(parent, "Error")) {
        m->error = true;
    }
    return true;
}

static ot_status put_multipart(struct s3 *s, struct req *q, const void *data, size_t n,
                               struct ot_error *err)
{
    struct ot_buf body = OT_BUF_INIT(MAX_XML_RESP), query = OT_BUF_INIT(2048),
                  done = OT_BUF_INIT((size_t)MAX_PARTS * 200 + 256);
    struct mp_leaf m = { 0 };
    struct resp r = { .body = &body };
    uint64_t part = s->part;
    ot_status st;
    while ((n + part - 1) / part > MAX_PARTS) {
        part *= 2;
    }
    q->method = "POST";
    q->query = "uploads=";
    q->body = "";
    q->body_n = 0;
    st = request(s, q, &r, err);
    if (st == OT_OK) {
        st = ot_xml_walk(ot_buf_sv(&body), on_mp_leaf, &m, err);
    }
    if (st == OT_OK && m.upload_id[0] == '\0') {
        st = ot_fail(err, OT_E_PARSE, NULL, "S3 CreateMultipartUpload: no UploadId");
    }
    if (st != OT_OK) {
        goto out;
    }
    struct ot_buf enc_id = OT_BUF_INIT(2048);
    st = ot_s3_uri_encode(ot_sv_cstr(m.upload_id), false, &enc_id);
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&done, "<CompleteMultipartUpload>");
    }
    /* the parts carry no object headers */
    struct req pq = { .method = "PUT", .bucket = q->bucket, .key = q->key };
    unsigned num = 0;
    for (size_t off = 0; st == OT_OK && off < n; off += part) {
        num++;
        ot_buf_reset(&query);
        st = ot_buf_printf(&query, "partNumber=%u&uploadId=%s", num, enc_id.data);
        if (st != OT_OK) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            break;
        }
        pq.query = query.data;
        pq.body = (const char *)data + off;
        pq.body_n = n - off < part ? n - off : part;
        struct resp pr = { 0 };
        st = request(s, &pq, &pr, err);
        if (st == OT_OK && pr.etag[0] == '\0') {
            st = ot_fail(err, OT_E_PARSE, NULL, "S3 UploadPart %u: no ETag", num);
        }
        if (st == OT_OK &&
            ot_buf_printf(&done, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", num,
                          pr.etag) != OT_OK) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    if (st == OT_OK && ot_buf_append_cstr(&done, "</CompleteMultipartUpload>") != OT_OK) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_buf_reset(&query);
    if (ot_buf_printf(&query, "uploadId=%s", enc_id.data ? enc_id.data : "") != OT_OK &&
        st == OT_OK) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_buf_cleanup(&enc_id);
    if (st == OT_OK) {
        struct req cq = { .method = "POST",
                          .bucket = q->bucket,
                          .key = q->key,
                          .query = query.data,
                          .body = done.data,
                          .body_n = done.len };
        add_hdr(&cq, "content-type", "application/xml");
        ot_buf_reset(&body);
        m.error = false;
        struct ot_error ce;
        ot_error_clear(&ce);
        st = request(s, &cq, &r, &ce);
        uint64_t size = 0;
        if (st != OT_OK && ce.sys_errno == ENOENT &&
            s3_head(s, q->bucket, q->key, &size, err) == OT_OK && size == n) {
            /* NoSuchUpload on a retry: the first try completed, its answer was lost */
            st = OT_OK;
            ot_buf_reset(&body);
            (void)ot_buf_append_cstr(&body, "<CompleteMultipartUploadResult/>");
        } else if (st != OT_OK && err != NULL) {
            *err = ce;
        }
        if (st == OT_OK) {
            st = ot_xml_walk(ot_buf_sv(&body), on_mp_leaf, &m, err);
        }
        if (st == OT_OK && m.error) {
            /* S3 may answer 200 with an Error inside */
            st = ot_fail(err, OT_E_IO, NULL, "S3 CompleteMultipartUpload failed");
        }
    }
    if (st != OT_OK && query.data != NULL) {
        struct ot_error e2;
        struct req aq = {
            .method = "DELETE", .bucket = q->bucket, .key = q->key, .query = query.data
        };
        struct resp ar = { 0 };
        (void)request(s, &aq, &ar, &e2); /* best effort: the first failure is the news */
    }
out:
    ot_buf_cleanup(&body);
    ot_buf_cleanup(&query);
    ot_buf_cleanup(&done);
    return st;
}

static ot_status s3_put(void *be, const char *bucket, const char *key, const void *data, size_t n,
                        const struct ot_meta *meta, size_t nmeta, struct ot_error *err)
{
    struct s3 *s = be;
    char names[8][80];
    uint64_t size = 0;
    struct ot_error e2;
    ot_error_clear(&e2);
    ot_status st = check_key(bucket, key, err);
    if (st != OT_OK) {
        return st;
    }
    /* sealed objects are never overwritten */
    st = s3_head(be, bucket, key, &size, &e2);
    if (st == OT_OK) {
        st = ot_fail(err, OT_E_USAGE, "sealed objects are never overwritten",
                     "object already exists");
        if (err != NULL) {
            err->sys_errno = EEXIST;
        }
        ot_error_at(err, "s3://%s/%s", bucket, key);
        return st;
    }
    if (e2.sys_errno != ENOENT) {
        if (err != NULL) {
            *err = e2;
        }
        return st;
    }
    struct req q = { .method = "PUT",
                     .bucket = bucket,
                     .key = key,
                     .query = "",
                     .body = n ? data : "",
                     .body_n = n };
    st = object_headers(s, &q, key, meta, nmeta, names, err);
    if (st != OT_OK) {
        ot_error_at(err, "s3://%s/%s", bucket, key);
        return st;
    }
    if (n >= s->mp_min) {
        st = put_multipart(s, &q, data, n, err);
        if (st != OT_OK) {
            ot_error_at(err, "s3://%s/%s", bucket, key);
        }
        return st;
    }
    struct resp r = { 0 };
    return request(s, &q, &r, err);
}

static ot_status s3_get(void *be, const char *bucket, const char *key, struct ot_buf *data,
                        struct ot_buf *meta_json, struct ot_error *err)
{
    struct req q = { .method = "GET", .bucket = bucket, .key = key, .query = "" };
    struct resp r = { .body = data, .meta = meta_json };
    size_t m0 = meta_json != NULL ? meta_json->len : 0;
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK && meta_json != NULL && m0 != 0) {
        st = ot_fail(err, OT_E_USAGE, NULL, "metadata buffer must start empty");
    }
    if (st == OT_OK) {
        st = request(be, &q, &r, err);
    }
    if (st == OT_OK && r.too_large) {
        st = ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes", "object too large");
    }
    if (st == OT_OK && meta_json != NULL) {
        st = ot_buf_append_cstr(meta_json, meta_json->len == 0 ? "{}" : "}");
        if (st != OT_OK) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    return st;
}

static ot_status s3_del(void *be, const char *bucket, const char *key, struct ot_error *err)
{
    struct req q = { .method = "DELETE", .bucket = bucket, .key = key, .query = "" };
    struct resp r = { 0 };
    struct ot_error e2;
    ot_error_clear(&e2);
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = request(be, &q, &r, &e2);
        if (st == OT_OK && r.delete_marker) {
            /* a versioned bucket (Object Lock): the version stays, hidden */
            struct s3 *s = be;
            (void)pthread_mutex_lock(&s->mu);
            s->delete_markers++;
            (void)pthread_mutex_unlock(&s->mu);
        }
        if (st != OT_OK && e2.sys_errno == ENOENT) {
            st = OT_OK; /* S3's DELETE of a missing key succeeds */
        } else if (st != OT_OK && err != NULL) {
            *err = e2;
        }
    }
    return st;
}

struct list_ctx {
    ot_list_fn fn;
    ot_list_info_fn info_fn; /* instead of fn: key, size and storage class */
    void *ctx;
    bool stopped, truncated;
    char *token;
    size_t keys;
    ot_status st;
    /* the <Contents> being read (Key comes first in every server's answer) */
    bool pending;
    char *key;
    uint64_t bytes;
    int64_t modified_ms;
    char cls[32];
};

/* hand the <Contents> read so far to info_fn; false when it says stop */
static bool flush_info(struct list_ctx *l)
{
    if (!l->pending) {
        return true;
    }
    l->pending = false;
    struct ot_obj_info o = { .key = l->key,
                             .bytes = l->bytes,
                             .modified_ms = l->modified_ms,
                             .storage_class = l->cls[0] ? l->cls : "STANDARD" };
    bool go = l->info_fn(l->ctx, &o);
    ot_free(l->key);
    l->key = NULL;
    if (!go) {
        l->stopped = true;
    }
    return go;
}

static bool on_list_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    struct list_ctx *l = ctx;
    if (ot_sv_eq_cstr(parent, "Contents") && ot_sv_eq_cstr(name, "Key")) {
        l->keys++;
        if (l->info_fn != NULL) {
            if (!flush_info(l)) {
                return false;
            }
            l->key = ot_strndup(text.p, text.n);
            if (l->key == NULL) {
                l->st = OT_E_NOMEM;
                return false;
            }
            l->pending = true;
            l->bytes = 0;
            l->modified_ms = 0;
            l->cls[0] = '\0';
            return true;
        }
        if (!l->fn(l->ctx, text.p)) { /* text is NUL-terminated */
            l->stopped = true;
            return false;
        }
    } else if (l->pending && ot_sv_eq_cstr(parent, "Contents") && ot_sv_eq_cstr(name, "Size")) {
        (void)ot_parse_u64(text, UINT64_MAX, false, &l->bytes); /* 0 when odd: only a number */
    } else if (l->pending && ot_sv_eq_cstr(parent, "Contents") &&
               ot_sv_eq_cstr(name, "LastModified")) {
        /* 2023-07-10T12:00:00.000Z: the seconds are enough */
        struct ot_sv t = { text.p, text.n >= 19 ? 19 : text.n };
        char iso[21];
        (void)snprintf(iso, sizeof(iso), "%.*sZ", (int)t.n, t.p);
        if (ot_time_parse_iso(ot_sv_cstr(iso), &l->modified_ms) != OT_OK) {
            l->modified_ms = 0;
        }
    } else if (l->pending && ot_sv_eq_cstr(parent, "Contents") &&
               ot_sv_eq_cstr(name, "StorageClass")) {
        (void)snprintf(l->cls, sizeof(l->cls), "%.*s", (int)text.n, text.p);
    } else if (ot_sv_eq_cstr(name, "IsTruncated")) {
        l->truncated = ot_sv_eq_cstr(text, "true");
    } else if (ot_sv_eq_cstr(name, "NextContinuationToken")) {
        ot_free(l->token);
        l->token = ot_strndup(text.p, text.n);
        if (l->token == NULL) {
            l->st = OT_E_NOMEM;
            return false;
        }
    }
    return true;
}

static ot_status list_impl(void *be, const char *bucket, const char *prefix,
                           const char *start_after, ot_list_fn fn, ot_list_info_fn info_fn,
                           void *ctx, struct ot_error *err)
{
    struct ot_buf body = OT_BUF_INIT(MAX_XML_RESP), query = OT_BUF_INIT(8192);
    struct list_ctx l = { .fn = fn, .info_fn = info_fn, .ctx = ctx };
    ot_status st = OT_OK;
    for (;;) {
        ot_buf_reset(&query);
        ot_buf_reset(&body);
        /* sorted by name, values encoded: SigV4 signs the query verbatim */
        if (l.token != NULL) {
            st = ot_buf_append_cstr(&query, "continuation-token=");
            if (st == OT_OK) {
                st = ot_s3_uri_encode(ot_sv_cstr(l.token), false, &query);
            }
            if (st == OT_OK) {
                st = ot_buf_putc(&query, '&');
            }
        }
        if (st == OT_OK) {
            st = ot_buf_printf(&query,
                               "list-type=2&max-keys=%u&prefix=", ((struct s3 *)be)->page_keys);
        }
        if (st == OT_OK) {
            st = ot_s3_uri_encode(ot_sv_cstr(prefix ? prefix : ""), false, &query);
        }
        if (st == OT_OK && start_after != NULL && start_after[0] != '\0') {
            st = ot_buf_append_cstr(&query, "&start-after=");
            if (st == OT_OK) {
                st = ot_s3_uri_encode(ot_sv_cstr(start_after), false, &query);
            }
        }
        if (st != OT_OK) {
            st = st == OT_E_NOMEM ? ot_fail(err, st, NULL, "out of memory")
                                  : ot_fail(err, OT_E_LIMIT, NULL, "S3 list query too long");
            break;
        }
        struct req q = { .method = "GET", .bucket = bucket, .key = "", .query = query.data };
        struct resp r = { .body = &body };
        st = request(be, &q, &r, err);
        if (st != OT_OK) {
            break;
        }
        l.truncated = false;
        ot_free(l.token);
        l.token = NULL;
        size_t before = l.keys;
        st = ot_xml_walk(ot_buf_sv(&body), on_list_leaf, &l, err);
        if (st == OT_OK && l.st == OT_OK && info_fn != NULL) {
            (void)flush_info(&l); /* the page's last <Contents> */
        }
        if (st == OT_OK && l.st != OT_OK) {
            st = ot_fail(err, l.st, NULL, "out of memory");
        }
        if (st != OT_OK || l.stopped || !l.truncated) {
            break;
        }
        if (l.token == NULL || l.keys == before) {
            st = ot_fail(err, OT_E_PARSE, NULL,
                         "S3 ListObjectsV2: truncated page without a continuation token");
            break;
        }
    }
    if (st != OT_OK) {
        ot_error_at(err, "s3://%s/%s", bucket, prefix ? prefix : "");
    }
    ot_free(l.token);
    ot_free(l.key);
    ot_buf_cleanup(&body);
    ot_buf_cleanup(&query);
    return st;
}

static ot_status s3_list(void *be, const char *bucket, const char *prefix, const char *start_after,
                         ot_list_fn fn, void *ctx, struct ot_error *err)
{
    return list_impl(be, bucket, prefix, start_after, fn, NULL, ctx, err);
}

static ot_status s3_flush(void *be, struct ot_error *err)
{
    (void)be; /* every put was acknowledged by the server before it returned */
    (void)err;
    return OT_OK;
}

static void s3_close(void *be)
{
    struct s3 *s = be;
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->npool; i++) {
        curl_easy_cleanup(s->pool[i]);
    }
    (void)pthread_mutex_destroy(&s->mu); /* no thread holds it any more */
    ot_free(s->scheme);
    ot_free(s->host);
    ot_free(s->region);
    ot_free(s->ak);
    free_secret(s->sk);
    free_secret(s->token);
    ot_free(s->sse);
    ot_free(s->kms);
    ot_free(s);
}

static const struct ot_backend_ops s3_ops = {
    .name = "s3",
    .put = s3_put,
    .get = s3_get,
    .head = s3_head,
    .list = s3_list,
    .del = s3_del,
    .flush = s3_flush,
    .close = s3_close,
};

ot_status ot_store_s3_open(const struct ot_s3_opts *o, struct ot_backend *out, struct ot_error *err)
{
    const char *ep = o->endpoint;
    const char *rest = NULL;
    const char *scheme = NULL;
    if (ep != NULL && strncmp(ep, "http://", 7) == 0) {
        scheme = "http";
        rest = ep + 7;
    } else if (ep != NULL && strncmp(ep, "https://", 8) == 0) {
        scheme = "https";
        rest = ep + 8;
    }
    size_t hl = rest ? strcspn(rest, "/?#@ ") : 0;
    if (rest == NULL || hl == 0 || hl > 255 || (rest[hl] != '\0' && strcmp(rest + hl, "/") != 0)) {
        return ot_fail(err, OT_E_USAGE, "give http[s]://HOST[:PORT], no path",
                       "bad S3 endpoint '%s'", ep ? ep : "");
    }
    if (o->access_key == NULL || o->secret_key == NULL || o->access_key[0] == '\0' ||
        o->secret_key[0] == '\0') {
        return ot_fail(err, OT_E_USAGE,
                       "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a credentials file",
                       "no S3 credentials");
    }
    if (o->now_ms == NULL || o->sleep_ms == NULL) {
        return ot_fail(err, OT_E_USAGE, NULL, "the S3 backend needs a clock and a sleep");
    }
    if (o->sse != NULL && strcmp(o->sse, "AES256") != 0 && strcmp(o->sse, "aws:kms") != 0) {
        return ot_fail(err, OT_E_USAGE, "use AES256 or aws:kms",
                       "unknown server-side encryption '%s'", o->sse);
    }
    if (o->part_bytes != 0 && o->part_bytes < MIN_PART_BYTES) {
        return ot_fail(err, OT_E_USAGE, NULL, "S3 parts are at least 5 MiB");
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return ot_fail(err, OT_E_NOMEM, NULL, "cannot initialise libcurl");
    }
    struct s3 *s = ot_calloc(1, sizeof(*s));
    if (s == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        ot_free(s);
        return ot_fail(err, OT_E_NOMEM, NULL, "cannot create a mutex");
    }
    bool fail = false;
    s->scheme = dup_or_null(scheme, &fail);
    s->host = ot_strndup(rest, hl);
    fail = fail || s->host == NULL;
    s->region = dup_or_null(o->region ? o->region : "us-east-1", &fail);
    s->ak = dup_or_null(o->access_key, &fail);
    s->sk = dup_or_null(o->secret_key, &fail);
    s->token =
        o->session_token && o->session_token[0] ? dup_or_null(o->session_token, &fail) : NULL;
    s->sse = dup_or_null(o->sse, &fail);
    s->kms = dup_or_null(o->kms_key_id, &fail);
    s->vhost = o->virtual_host;
    s->timeout_ms = o->timeout_ms ? o->timeout_ms : 60000;
    s->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 5000;
    s->retry_for_ms = o->retry_for_ms ? o->retry_for_ms : 60000;
    s->mp_min = o->multipart_min_bytes ? o->multipart_min_bytes : (16u << 20);
    s->part = o->part_bytes ? o->part_bytes : (8u << 20);
    s->page_keys = o->list_page_keys ? o->list_page_keys : 1000;
    s->now_ms = o->now_ms;
    s->sleep_ms = o->sleep_ms;
    s->clock_ctx = o->clock_ctx;
    if (fail) {
        s3_close(s);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    out->ops = &s3_ops;
    out->be = s;
    return OT_OK;
}

/* ---- lifecycle: listing with sizes and classes, CopyObject ------------ */

bool ot_store_is_s3(const struct ot_backend *b)
{
    return b != NULL && b->ops == &s3_ops;
}

ot_status ot_store_s3_list_info(const struct ot_backend *b, const char *bucket, const char *prefix,
                                ot_list_info_fn fn, void *ctx, struct ot_error *err)
{
    if (!ot_store_is_s3(b)) {
        return ot_fail(err, OT_E_USAGE, NULL, "not an S3 backend");
    }
    return list_impl(b->be, bucket, prefix, NULL, NULL, fn, ctx, err);
}

/* <CopyObjectResult> or, with a 200, an <Error> inside */
uint64_t ot_store_s3_delete_markers(const struct ot_backend *b)
{
    if (!ot_store_is_s3(b)) {
        return 0;
    }
    struct s3 *s = b->be;
    (void)pthread_mutex_lock(&s->mu);
    uint64_t n = s->delete_markers;
    (void)pthread_mutex_unlock(&s->mu);
    return n;
}

static bool on_copy_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    (void)name;
    (void)text;
    if (ot_sv_eq_cstr(parent, "Error")) {
        *(bool *)ctx = true;
        return false;
    }
    return true;
}

ot_status ot_store_s3_set_class(const struct ot_backend *b, const char *bucket, const char *key,
                                const char *storage_class, struct ot_error *err)
{
    if (!ot_store_is_s3(b)) {
        return ot_fail(err, OT_E_USAGE, NULL, "not an S3 backend");
    }
    struct s3 *s = b->be;
    struct ot_buf src = OT_BUF_INIT(4096), body = OT_BUF_INIT(MAX_ERR_BODY);
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = ot_buf_putc(&src, '/');
        st = st == OT_OK ? ot_s3_uri_encode(ot_sv_cstr(bucket), false, &src) : st;
        st = st == OT_OK ? ot_buf_putc(&src, '/') : st;
        st = st == OT_OK ? ot_s3_uri_encode(ot_sv_cstr(key), true, &src) : st;
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL, "copy source too long");
        }
    }
    struct req q = {
        .method = "PUT", .bucket = bucket, .key = key, .query = "", .body = "", .body_n = 0
    };
    struct resp r = { .body = &body };
    if (st == OT_OK) {
        /* same key, new class; COPY keeps the user metadata (a digest's signature) */
        add_hdr(&q, "x-amz-copy-source", src.data);
        add_hdr(&q, "x-amz-metadata-directive", "COPY");
        add_hdr(&q, "x-amz-storage-class", storage_class);
        if (s->sse != NULL) {
            add_hdr(&q, "x-amz-server-side-encryption", s->sse);
            if (s->kms != NULL) {
                add_hdr(&q, "x-amz-server-side-encryption-aws-kms-key-id", s->kms);
            }
        }
        st = request(s, &q, &r, err);
    }
    if (st != OT_OK && r.code == 501 && s->sse != NULL) {
        /* Ceph RGW 16 supports storage classes but cannot copy an encrypted object */
        st = ot_fail(err, OT_E_USAGE,
                     "servers such as Ceph RGW 16 cannot copy encrypted objects: use the bucket's "
                     "own lifecycle configuration for the transition",
                     "CopyObject of an object with server-side encryption %s to storage class %s "
                     "not implemented by this server (501 %s)",
                     s->sse, storage_class, r.err_code[0] ? r.err_code : "NotImplemented");
        if (err != NULL) {
            err->sys_errno = ENOTSUP;
        }
    } else if (st != OT_OK && (strcmp(r.err_code, "InvalidStorageClass") == 0 || r.code == 501)) {
        st = ot_fail(err, OT_E_USAGE,
                     "this server does not support storage classes: set "
                     "Storage.StorageClasses: false, or use its own lifecycle",
                     "storage class %s unsupported by this server (%ld %s)", storage_class, r.code,
                     r.err_code[0] ? r.err_code : "NotImplemented");
        if (err != NULL) {
            err->sys_errno = ENOTSUP;
        }
    }
    bool failed = false;
    if (st == OT_OK && body.data != NULL &&
        ot_xml_walk(ot_buf_sv(&body), on_copy_leaf, &failed, NULL) == OT_OK && failed) {
        st = ot_fail(err, OT_E_IO, "run lifecycle run again", "S3 CopyObject failed (200 Error)");
    }
    if (st != OT_OK) {
        ot_error_at(err, "s3://%s/%s", bucket, key);
    }
    ot_buf_cleanup(&src);
    ot_buf_cleanup(&body);
    return st;
}

/* ---- the shared credentials file ------------------------------------ */

static struct ot_sv trim(struct ot_sv s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r')) {
        s.n--;
    }
    return s;
}

void ot_s3_creds_cleanup(struct ot_s3_creds *c)
{
    free_secret(c->access_key);
    free_secret(c->secret_key);
    free_secret(c->session_token);
    c->access_key = c->secret_key = c->session_token = NULL;
}

ot_status ot_s3_creds_parse(struct ot_sv text, const char *profile, struct ot_s3_creds *out,
                            struct ot_error *err)
{
    struct ot_s3_creds c = { 0 };
    bool in = false, seen = false;
    size_t i = 0;
    unsigned line = 0;
    ot_status st = OT_OK;
    if (text.n > (1u << 20)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "credentials file larger than 1 MB");
    }
    while (st == OT_OK && i < text.n) {
        size_t e = i;
        while (e < text.n && text.p[e] != '\n') {
            e++;
        }
        struct ot_sv l = trim((struct ot_sv){ text.p + i, e - i });
        i = e + 1;
        line++;
        if (l.n == 0 || l.p[0] == '#' || l.p[0] == ';') {
            continue;
        }
        if (l.p[0] == '[') {
            if (l.p[l.n - 1] != ']') {
                st = ot_fail(err, OT_E_PARSE, NULL, "credentials file: bad section header");
                break;
            }
            struct ot_sv name = trim((struct ot_sv){ l.p + 1, l.n - 2 });
            if (ot_sv_has_prefix(name, "profile ")) { /* the config file's spelling */
                name = trim((struct ot_sv){ name.p + 8, name.n - 8 });
            }
            in = ot_sv_eq_cstr(name, profile);
            seen = seen || in;
            continue;
        }
        if (!in) {
            continue;
        }
        const char *eq = memchr(l.p, '=', l.n);
        if (eq == NULL) {
            continue; /* nested settings of other tools */
        }
        struct ot_sv k = trim((struct ot_sv){ l.p, (size_t)(eq - l.p) });
        struct ot_sv v = trim((struct ot_sv){ eq + 1, l.n - (size_t)(eq - l.p) - 1 });
        char **dst = ot_sv_eq_cstr(k, "aws_access_key_id")       ? &c.access_key
                     : ot_sv_eq_cstr(k, "aws_secret_access_key") ? &c.secret_key
                     : ot_sv_eq_cstr(k, "aws_session_token")     ? &c.session_token
                                                                 : NULL;
        if (dst != NULL) {
            free_secret(*dst);
            *dst = ot_strndup(v.p, v.n);
            if (*dst == NULL) {
                st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            }
        }
    }
    if (st == OT_OK && !seen) {
        st = ot_fail(err, OT_E_USAGE, "check AWS_PROFILE or --s3-profile",
                     "no profile '%s' in the credentials file", profile);
    } else if (st == OT_OK && (c.access_key == NULL || c.secret_key == NULL)) {
        st = ot_fail(err, OT_E_USAGE, NULL,
                     "profile '%s' has no aws_access_key_id and aws_secret_access_key", profile);
    }
    if (st != OT_OK) {
        ot_s3_creds_cleanup(&c);
        return st;
    }
    (void)line;
    *out = c;
    return OT_OK;
}

ot_status ot_s3_creds_load(const char *path, const char *profile, struct ot_s3_creds *out,
                           struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    ot_status st = OT_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        st = ot_fail(err, OT_E_USAGE,
                     "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write the file",
                     "no S3 credentials: cannot open the credentials file: %s", strerror(e));
        if (err != NULL) {
            err->sys_errno = e;
        }
        goto out;
    }
    for (;;) {
        char chunk[8192];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            st = ot_fail(err, OT_E_IO, NULL, "cannot read the credentials file: %s",
                         strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        st = ot_buf_append(&b, chunk, (size_t)n);
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL,
                         st == OT_E_LIMIT ? "credentials file larger than 1 MB" : "out of memory");
            break;
        }
    }
    (void)close(fd); /* read-only: nothing to lose */
    if (st == OT_OK) {
        st = ot_s3_creds_parse(ot_buf_sv(&b), profile, out, err);
    }
out:
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
    }
    if (b.data != NULL) {
        OPENSSL_cleanse(b.data, b.len);
    }
    ot_buf_cleanup(&b);
    return st;
}
