/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/auth.c - who is calling: AWS Signature Version 4 verified the way
 * AWS verifies it, or "Authorization: Bearer <secret access key>".
 *
 * Stage: capture (the daemon's front door). Input is untrusted and bounded:
 * OT_AUTH_MAX_HEADERS headers, an Authorization value of at most
 * OT_AUTH_MAX_HEADER_BYTES, a path and a query of at most OT_AUTH_MAX_URI_BYTES
 * and OT_AUTH_MAX_QUERY_PARAMS parameters. The library reads no clock: the
 * daemon passes now_ms.
 *
 * Choices, matching botocore (what aws-cli and boto3 send) and AWS:
 *  - canonical URI: service "s3" signs the path as sent; every other service
 *    removes dot segments and empty segments, then URI-encodes the result
 *    again ('%' becomes %25: AWS's "double encoding").
 *  - canonical query: each name and value is percent-decoded ('+' is a space,
 *    as botocore's encoded params put it on the wire), re-encoded with
 *    RFC 3986's unreserved set, and the pairs sorted by name then value.
 *  - canonical headers: the SignedHeaders list must be lower-case names in
 *    strictly ascending order and must hold "host"; repeated headers are
 *    joined with ',' in the order received; values are trimmed with inner
 *    runs of blanks folded to one space. A signed header that is absent signs
 *    as an empty value (the signature then fails).
 *  - the time is X-Amz-Date (YYYYMMDDTHHMMSSZ) or else Date (RFC 1123);
 *    presigned URLs (X-Amz-Signature in the query) are not accepted.
 * The signature is checked before the body hash, so an unauthenticated caller
 * learns nothing about the body check. Messages hold no secret, no expected
 * signature and no part of the canonical request.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentrail/capture.h"
#include "store/store_int.h"

#include "core/sigv4.h"

#include "core/private.h"

#define ALGO             "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define CREQ_MAX_BYTES   (256u * 1024u) /* the canonical request */
#define MSG_MISMATCH                                                                             \
    "The request signature we calculated does not match the signature you provided. Check your " \
    "AWS Secret Access Key and signing method."

/* Everything the Authorization header names, as views into it. */
struct sigv4_auth {
    struct ot_sv akid, date, region, service; /* the credential scope */
    struct ot_sv signed_headers;              /* "content-type;host;x-amz-date" */
    struct ot_sv signature;                   /* 64 lower-case hex digits */
};

struct qparam {
    size_t name_off, name_len, val_off, val_len; /* into the encoded buffer */
};

static ot_status refuse(struct ot_auth_fail *fail, struct ot_error *err, int http_status,
                        const char *code, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static ot_status refuse(struct ot_auth_fail *fail, struct ot_error *err, int http_status,
                        const char *code, const char *fix, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg[0] = '\0';
    }
    fail->http_status = http_status;
    fail->code = code;
    return ot_fail(err, http_status >= 500 ? OT_E_NOMEM : OT_E_USAGE, fix, "%s", msg);
}

static ot_status nomem(struct ot_auth_fail *fail, struct ot_error *err)
{
    return refuse(fail, err, 500, "InternalFailure", NULL, "out of memory");
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Is @a (any case) equal to the lower-case @b? */
static bool sv_ieq(struct ot_sv a, struct ot_sv b)
{
    if (a.n != b.n) {
        return false;
    }
    for (size_t i = 0; i < a.n; i++) {
        if (lower(a.p[i]) != b.p[i]) {
            return false;
        }
    }
    return true;
}

static struct ot_sv sv_trim(struct ot_sv s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t')) {
        s.n--;
    }
    return s;
}

/* The number of headers named @lname (lower case); the first lands in *@out. */
static size_t find_header(const struct ot_http_req *r, const char *lname, struct ot_sv *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (sv_ieq(r->headers[i].name, ot_sv_cstr(lname))) {
            if (n++ == 0) {
                *out = r->headers[i].value;
            }
        }
    }
    return n;
}

static bool is_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool is_lower_hex(struct ot_sv s, size_t n)
{
    if (s.n != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* ---- the Authorization header ------------------------------------------ */

/* Split "Credential=AKID/date/region/service/aws4_request" at its last 4 slashes. */
static bool parse_credential(struct ot_sv v, struct sigv4_auth *a)
{
    struct ot_sv part[4];
    size_t end = v.n;
    for (int k = 3; k >= 0; k--) {
        size_t i = end;
        while (i > 0 && v.p[i - 1] != '/') {
            i--;
        }
        if (i == 0) {
            return false;
        }
        part[k] = (struct ot_sv){ v.p + i, end - i };
        end = i - 1;
    }
    a->akid = (struct ot_sv){ v.p, end };
    a->date = part[0];
    a->region = part[1];
    a->service = part[2];
    return a->akid.n > 0 && a->date.n == 8 && is_digits(a->date.p, 8) && a->region.n > 0 &&
           a->service.n > 0 && ot_sv_eq_cstr(part[3], "aws4_request");
}

/* "Credential=..., SignedHeaders=..., Signature=..." in any order, spaces after commas. */
static ot_status parse_sigv4(struct ot_sv v, struct sigv4_auth *a, struct ot_auth_fail *fail,
                             struct ot_error *err)
{
    static const char fix[] = "sign the request with SigV4 (an AWS SDK, aws-cli or curl "
                              "--aws-sigv4)";
    bool has_cred = false, has_sh = false, has_sig = false;
    size_t i = 0;
    while (i < v.n) {
        size_t j = i;
        while (j < v.n && v.p[j] != ',') {
            j++;
        }
        struct ot_sv item = sv_trim((struct ot_sv){ v.p + i, j - i });
        i = j + 1;
        const char *eq = memchr(item.p, '=', item.n);
        if (item.n == 0 || eq == NULL) {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "Authorization header: each part must be Name=Value");
        }
        struct ot_sv name = { item.p, (size_t)(eq - item.p) };
        struct ot_sv val = { eq + 1, item.n - name.n - 1 };
        bool *seen = NULL;
        if (ot_sv_eq_cstr(name, "Credential")) {
            seen = &has_cred;
            if (!parse_credential(val, a)) {
                return refuse(fail, err, 400, "IncompleteSignature", fix,
                              "Authorization header: Credential must be "
                              "<AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request");
            }
        } else if (ot_sv_eq_cstr(name, "SignedHeaders")) {
            seen = &has_sh;
            a->signed_headers = val;
        } else if (ot_sv_eq_cstr(name, "Signature")) {
            seen = &has_sig;
            a->signature = val;
        } else {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "Authorization header: unknown part (expected Credential, "
                          "SignedHeaders and Signature)");
        }
        if (*seen) {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "Authorization header: a part is given twice");
        }
        *seen = true;
    }
    if (!has_cred || !has_sh || !has_sig) {
        return refuse(fail, err, 400, "IncompleteSignature", fix,
                      "Authorization header requires 'Credential', 'SignedHeaders' and "
                      "'Signature' parameters");
    }
    return OT_OK;
}

/* SignedHeaders: lower-case names, strictly ascending, "host" among them. */
static ot_status check_signed_headers(struct ot_sv sh, struct ot_auth_fail *fail,
                                      struct ot_error *err)
{
    static const char fix[] = "list the signed headers in lower case, sorted, host included";
    struct ot_sv prev = { NULL, 0 };
    bool has_host = false;
    size_t count = 0, i = 0;
    if (sh.n == 0) {
        return refuse(fail, err, 400, "IncompleteSignature", fix, "SignedHeaders is empty");
    }
    while (i <= sh.n) {
        size_t j = i;
        while (j < sh.n && sh.p[j] != ';') {
            j++;
        }
        struct ot_sv name = { sh.p + i, j - i };
        i = j + 1;
        if (++count > OT_AUTH_MAX_HEADERS) {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "SignedHeaders names more than %u headers", OT_AUTH_MAX_HEADERS);
        }
        if (name.n == 0) {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "SignedHeaders holds an empty name");
        }
        for (size_t k = 0; k < name.n; k++) {
            char c = name.p[k];
            if (c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') || c == ':') {
                return refuse(fail, err, 400, "IncompleteSignature", fix,
                              "SignedHeaders names must be lower-case header names");
            }
        }
        if (prev.p != NULL) {
            size_t m = prev.n < name.n ? prev.n : name.n;
            int c = memcmp(prev.p, name.p, m);
            if (c > 0 || (c == 0 && prev.n >= name.n)) {
                return refuse(fail, err, 400, "IncompleteSignature", fix,
                              "SignedHeaders must be sorted and without repeats");
            }
        }
        if (ot_sv_eq_cstr(name, "authorization")) {
            return refuse(fail, err, 400, "IncompleteSignature", fix,
                          "the Authorization header cannot sign itself");
        }
        has_host |= ot_sv_eq_cstr(name, "host");
        prev = name;
    }
    if (!has_host) {
        return refuse(fail, err, 400, "IncompleteSignature", fix,
                      "'Host' must be a 'SignedHeader' in the AWS Authorization");
    }
    return OT_OK;
}

/* ---- the request time ---------------------------------------------------- */

/* "YYYYMMDDTHHMMSSZ" -> ms; also its canonical form into @basic. */
static bool parse_amz_date(struct ot_sv v, int64_t *ms, char basic[17])
{
    const char *p = v.p;
    if (v.n != 16 || !is_digits(p, 8) || p[8] != 'T' || !is_digits(p + 9, 6) || p[15] != 'Z') {
        return false;
    }
    char iso[21];
    (void)snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", p, p + 4, p + 6, p + 9,
                   p + 11, p + 13);
    if (ot_time_parse_iso(ot_sv_cstr(iso), ms) != OT_OK) {
        return false;
    }
    memcpy(basic, p, 16);
    basic[16] = '\0';
    return true;
}

/* RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT" -> ms and "19941106T084937Z". */
static bool parse_http_date(struct ot_sv v, int64_t *ms, char basic[17])
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p = v.p;
    if (v.n != 29 || p[3] != ',' || p[4] != ' ' || !is_digits(p + 5, 2) || p[7] != ' ' ||
        p[11] != ' ' || !is_digits(p + 12, 4) || p[16] != ' ' || !is_digits(p + 17, 2) ||
        p[19] != ':' || !is_digits(p + 20, 2) || p[22] != ':' || !is_digits(p + 23, 2) ||
        memcmp(p + 25, " GMT", 4) != 0) {
        return false;
    }
    int mon = 0;
    while (mon < 12 && memcmp(months + 3 * mon, p + 8, 3) != 0) {
        mon++;
    }
    if (mon == 12) {
        return false;
    }
    char amz[17];
    (void)snprintf(amz, sizeof(amz), "%.4s%02d%.2sT%.2s%.2s%.2sZ", p + 12, mon + 1, p + 5, p + 17,
                   p + 20, p + 23);
    return parse_amz_date((struct ot_sv){ amz, 16 }, ms, basic);
}

/* ---- the canonical request ---------------------------------------------- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static ot_status put_encoded_byte(struct ot_buf *b, unsigned char c, bool keep_slash)
{
    static const char x[] = "0123456789ABCDEF";
    if (unreserved(c) || (keep_slash && c == '/')) {
        return ot_buf_putc(b, (char)c);
    }
    char e[3] = { '%', x[c >> 4], x[c & 15] };
    return ot_buf_append(b, e, 3);
}

/* @s percent-decoded ('%' without two hex digits stays a '%'), then encoded again. */
static ot_status put_reencoded(struct ot_buf *b, struct ot_sv s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '+') {
            c = ' '; /* form encoding, as AWS reads it: botocore's params go out so */
        } else if (c == '%' && i + 2 < s.n && hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
            c = (unsigned char)(hexval(s.p[i + 1]) * 16 + hexval(s.p[i + 2]));
            i += 2;
        }
        ot_status st = put_encoded_byte(b, c, false);
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

/*
 * Non-S3 services: botocore's remove_dot_segments (RFC 3986 5.2.4, empty
 * segments dropped too), then every byte but unreserved ones and '/' encoded.
 */
static ot_status put_canonical_uri(struct ot_buf *b, struct ot_sv path, bool is_s3)
{
    ot_status st = OT_OK;
    if (path.n == 0) {
        return ot_buf_putc(b, '/');
    }
    if (is_s3) {
        return ot_buf_append(b, path.p, path.n);
    }
    size_t base = b->len, i = 0;
    while (st == OT_OK && i < path.n) {
        size_t j = i;
        while (j < path.n && path.p[j] != '/') {
            j++;
        }
        struct ot_sv seg = { path.p + i, j - i };
        i = j + 1;
        if (seg.n == 0 || ot_sv_eq_cstr(seg, ".")) {
            continue;
        }
        if (ot_sv_eq_cstr(seg, "..")) {
            while (b->len > base && b->data[b->len - 1] != '/') {
                b->len--; /* drop the last kept segment */
            }
            if (b->len > base) {
                b->len--;
            }
            continue;
        }
        st = ot_buf_putc(b, '/');
        for (size_t k = 0; st == OT_OK && k < seg.n; k++) {
            st = put_encoded_byte(b, (unsigned char)seg.p[k], false);
        }
    }
    if (st != OT_OK) {
        return st;
    }
    bool any = b->len > base;
    if (path.p[0] != '/' && any) {
        memmove(b->data + base, b->data + base + 1, b->len - base - 1); /* no leading '/' */
        b->len--;
    }
    if (!any) {
        return path.p[0] == '/' ? ot_buf_putc(b, '/') : OT_OK;
    }
    b->data[b->len] = '\0'; /* keep ot_buf's NUL after the truncations above */
    return path.p[path.n - 1] == '/' ? ot_buf_putc(b, '/') : OT_OK;
}

static int cmp_sv(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0) {
        return c;
    }
    return an < bn ? -1 : an > bn;
}

/* Insertion sort: qsort has no context argument and the library keeps no globals. */
static void sort_params(struct qparam *q, size_t n, const char *base)
{
    for (size_t i = 1; i < n; i++) {
        struct qparam cur = q[i];
        size_t j = i;
        while (j > 0) {
            const struct qparam *p = &q[j - 1];
            int c = cmp_sv(base + p->name_off, p->name_len, base + cur.name_off, cur.name_len);
            if (c == 0) {
                c = cmp_sv(base + p->val_off, p->val_len, base + cur.val_off, cur.val_len);
            }
            if (c <= 0) {
                break;
            }
            q[j] = q[j - 1];
            j--;
        }
        q[j] = cur;
    }
}

/* Names and values re-encoded, sorted by name then value, "a=1&b=". */
static ot_status put_canonical_query(struct ot_buf *b, struct ot_sv query, bool *too_many)
{
    struct qparam q[OT_AUTH_MAX_QUERY_PARAMS];
    struct ot_buf enc = OT_BUF_INIT(3u * OT_AUTH_MAX_URI_BYTES + 1);
    size_t n = 0, i = 0;
    ot_status st = OT_OK;
    while (st == OT_OK && i < query.n) {
        size_t j = i;
        while (j < query.n && query.p[j] != '&') {
            j++;
        }
        struct ot_sv pair = { query.p + i, j - i };
        i = j + 1;
        if (pair.n == 0) {
            continue;
        }
        if (n == OT_AUTH_MAX_QUERY_PARAMS) {
            *too_many = true;
            st = OT_E_LIMIT;
            break;
        }
        const char *eq = memchr(pair.p, '=', pair.n);
        struct ot_sv name = { pair.p, eq ? (size_t)(eq - pair.p) : pair.n };
        struct ot_sv val = eq ? (struct ot_sv){ eq + 1, pair.n - name.n - 1 }
                              : (struct ot_sv){ pair.p + pair.n, 0 };
        q[n].name_off = enc.len;
        st = put_reencoded(&enc, name);
        q[n].name_len = enc.len - q[n].name_off;
        q[n].val_off = enc.len;
        if (st == OT_OK) {
            st = put_reencoded(&enc, val);
        }
        q[n].val_len = enc.len - q[n].val_off;
        n++;
    }
    if (st == OT_OK) {
        sort_params(q, n, enc.data);
    }
    for (size_t k = 0; st == OT_OK && k < n; k++) {
        if (k > 0) {
            st = ot_buf_putc(b, '&');
        }
        if (st == OT_OK) {
            st = ot_buf_append(b, enc.data + q[k].name_off, q[k].name_len);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(b, '=');
        }
        if (st == OT_OK) {
            st = ot_buf_append(b, enc.data + q[k].val_off, q[k].val_len);
        }
    }
    ot_buf_cleanup(&enc);
    return st;
}

/* The value trimmed, inner runs of blanks folded to one space (SigV4's Trimall). */
static ot_status put_trimall(struct ot_buf *b, struct ot_sv v)
{
    v = sv_trim(v);
    bool blank = false;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == ' ' || v.p[i] == '\t') {
            blank = true;
            continue;
        }
        if (blank && ot_buf_putc(b, ' ') != OT_OK) {
            return OT_E_NOMEM;
        }
        blank = false;
        if (ot_buf_putc(b, v.p[i]) != OT_OK) {
            return OT_E_NOMEM;
        }
    }
    return OT_OK;
}

/* "name:v1,v2\n" for each signed name, values in the order received. */
static ot_status put_canonical_headers(struct ot_buf *b, const struct ot_http_req *r,
                                       struct ot_sv sh)
{
    ot_status st = OT_OK;
    size_t i = 0;
    while (st == OT_OK && i <= sh.n) {
        size_t j = i;
        while (j < sh.n && sh.p[j] != ';') {
            j++;
        }
        struct ot_sv name = { sh.p + i, j - i };
        i = j + 1;
        st = ot_buf_append(b, name.p, name.n);
        if (st == OT_OK) {
            st = ot_buf_putc(b, ':');
        }
        bool first = true;
        for (size_t k = 0; st == OT_OK && k < r->nheaders; k++) {
            if (!sv_ieq(r->headers[k].name, name)) {
                continue;
            }
            if (!first) {
                st = ot_buf_putc(b, ',');
            }
            first = false;
            if (st == OT_OK) {
                st = put_trimall(b, r->headers[k].value);
            }
        }
        if (st == OT_OK) {
            st = ot_buf_putc(b, '\n');
        }
    }
    return st;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    (void)SHA256(p, n, md); /* cannot fail: it writes into md */
    ot_hex(md, sizeof(md), out);
}

/* The expected signature (hex) of @sts under @secret and the scope of @a. */
static ot_status sign(const char *secret, const struct sigv4_auth *a, const struct ot_buf *sts,
                      char out[65])
{
    return ot_sigv4_signature(secret, a->date, a->region, a->service, ot_buf_sv(sts), out);
}

/* ---- the two schemes ----------------------------------------------------- */

static ot_status check_bearer(const struct ot_config *c, struct ot_sv token,
                              const struct ot_conf_access_key **who, struct ot_auth_fail *fail,
                              struct ot_error *err)
{
    unsigned char want[SHA256_DIGEST_LENGTH], have[SHA256_DIGEST_LENGTH];
    const struct ot_conf_access_key *found = NULL;
    token = sv_trim(token);
    (void)SHA256((const unsigned char *)token.p, token.n, want);
    /* every key is hashed and compared: the time does not tell which one matched */
    for (uint32_t i = 0; i < c->nkeys; i++) {
        const char *s = c->keys[i].secret_access_key;
        if (s == NULL) {
            continue;
        }
        (void)SHA256((const unsigned char *)s, strlen(s), have);
        bool eq = CRYPTO_memcmp(want, have, sizeof(want)) == 0;
        if (eq && found == NULL && token.n > 0) {
            found = &c->keys[i];
        }
    }
    OPENSSL_cleanse(want, sizeof(want));
    OPENSSL_cleanse(have, sizeof(have));
    if (found == NULL) {
        return refuse(fail, err, 403, "InvalidClientTokenId",
                      "send a secret access key from the config's access keys",
                      "The security token included in the request is invalid.");
    }
    *who = found;
    return OT_OK;
}

static const struct ot_conf_access_key *find_key(const struct ot_config *c, struct ot_sv akid)
{
    for (uint32_t i = 0; i < c->nkeys; i++) {
        const char *id = c->keys[i].access_key_id;
        if (id != NULL && ot_sv_eq_cstr(akid, id) && c->keys[i].secret_access_key != NULL) {
            return &c->keys[i];
        }
    }
    return NULL;
}

/* The request time from X-Amz-Date or Date, checked against the scope and the clock. */
static ot_status check_time(const struct ot_http_req *r, const struct sigv4_auth *a, int64_t now_ms,
                            char amz_date[17], struct ot_auth_fail *fail, struct ot_error *err)
{
    struct ot_sv v;
    int64_t t = 0;
    size_t n = find_header(r, "x-amz-date", &v);
    bool ok;
    if (n > 1) {
        return refuse(fail, err, 400, "IncompleteSignature", NULL,
                      "X-Amz-Date is given more than once");
    }
    if (n == 1) {
        ok = parse_amz_date(sv_trim(v), &t, amz_date);
    } else if ((n = find_header(r, "date", &v)) == 1) {
        ok = parse_http_date(sv_trim(v), &t, amz_date);
    } else {
        return refuse(fail, err, 400, "IncompleteSignature", NULL,
                      "Authorization header requires existence of either a 'X-Amz-Date' or a "
                      "'Date' header.");
    }
    if (!ok) {
        return refuse(fail, err, 400, "IncompleteSignature",
                      "send X-Amz-Date as YYYYMMDDTHHMMSSZ (UTC)",
                      "X-Amz-Date must be in ISO-8601 'basic format'");
    }
    if (memcmp(a->date.p, amz_date, 8) != 0) {
        return refuse(fail, err, 403, "SignatureDoesNotMatch", NULL,
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                      "of date from HTTP: '%.8s' != '%.8s'",
                      a->date.p, amz_date);
    }
    if (t < now_ms - OT_AUTH_SKEW_MS || t > now_ms + OT_AUTH_SKEW_MS) {
        return refuse(fail, err, 403, "RequestExpired", "check the client's clock (NTP)",
                      "Signature expired: %s is more than 5 minutes away from the server's "
                      "time",
                      amz_date);
    }
    return OT_OK;
}

/* The payload hash the client signed: x-amz-content-sha256, or sha256(body). */
static ot_status payload_hash(const struct ot_http_req *r, char out[65], bool *check_body,
                              struct ot_auth_fail *fail, struct ot_error *err)
{
    struct ot_sv v;
    size_t n = find_header(r, "x-amz-content-sha256", &v);
    *check_body = false;
    if (n == 0) {
        sha256_hex(r->body.p, r->body.n, out);
        return OT_OK;
    }
    v = sv_trim(v);
    if (n == 1 && ot_sv_eq_cstr(v, UNSIGNED_PAYLOAD)) {
        memcpy(out, UNSIGNED_PAYLOAD, sizeof(UNSIGNED_PAYLOAD));
        return OT_OK;
    }
    if (n > 1 || !is_lower_hex(v, 64)) {
        return refuse(fail, err, 400, "InvalidArgument",
                      "send the lower-case hex SHA-256 of the body, or UNSIGNED-PAYLOAD",
                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value");
    }
    memcpy(out, v.p, 64);
    out[64] = '\0';
    *check_body = true;
    return OT_OK;
}

static ot_status check_sigv4(const struct ot_config *c, const struct ot_http_req *r,
                             struct ot_sv auth, int64_t now_ms,
                             const struct ot_conf_access_key **who, struct ot_auth_fail *fail,
                             struct ot_error *err)
{
    struct sigv4_auth a = { 0 };
    struct ot_buf creq = OT_BUF_INIT(CREQ_MAX_BYTES), sts = OT_BUF_INIT(1024);
    char amz_date[17], phash[65], creq_hash[65], want[65];
    bool check_body = false, too_many = false;
    const struct ot_conf_access_key *key;
    ot_status st;

    st = parse_sigv4(auth, &a, fail, err);
    if (st == OT_OK) {
        st = check_signed_headers(a.signed_headers, fail, err);
    }
    if (st == OT_OK) {
        st = check_time(r, &a, now_ms, amz_date, fail, err);
    }
    if (st != OT_OK) {
        goto out;
    }
    key = find_key(c, a.akid);
    if (key == NULL) {
        st = refuse(fail, err, 403, "InvalidClientTokenId", "use an access key id from the config",
                    "The security token included in the request is invalid.");
        goto out;
    }
    st = payload_hash(r, phash, &check_body, fail, err);
    if (st != OT_OK) {
        goto out;
    }
    st = ot_buf_append(&creq, r->method.p, r->method.n);
    if (st == OT_OK) {
        st = ot_buf_putc(&creq, '\n');
    }
    if (st == OT_OK) {
        st = put_canonical_uri(&creq, r->path, ot_sv_eq_cstr(a.service, "s3"));
    }
    if (st == OT_OK) {
        st = ot_buf_putc(&creq, '\n');
    }
    if (st == OT_OK) {
        st = put_canonical_query(&creq, r->query, &too_many);
    }
    if (st == OT_OK) {
        st = ot_buf_putc(&creq, '\n');
    }
    if (st == OT_OK) {
        st = put_canonical_headers(&creq, r, a.signed_headers);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(&creq, "\n%.*s\n%s", (int)a.signed_headers.n, a.signed_headers.p, phash);
    }
    if (st == OT_E_LIMIT || too_many) {
        st =
            refuse(fail, err, 400, "InvalidRequest", "send fewer or shorter headers and parameters",
                   "the request is too large to verify");
        goto out;
    }
    if (st != OT_OK) {
        st = nomem(fail, err);
        goto out;
    }
    sha256_hex(creq.data, creq.len, creq_hash);
    st = ot_buf_printf(&sts, ALGO "\n%s\n%.*s/%.*s/%.*s/aws4_request\n%s", amz_date, (int)a.date.n,
                       a.date.p, (int)a.region.n, a.region.p, (int)a.service.n, a.service.p,
                       creq_hash);
    if (st == OT_OK) {
        st = sign(key->secret_access_key, &a, &sts, want);
    }
    if (st != OT_OK) {
        st = nomem(fail, err);
        goto out;
    }
    /* the length of the given signature is public; its bytes are compared in constant time */
    if (!is_lower_hex(a.signature, 64) || CRYPTO_memcmp(want, a.signature.p, 64) != 0) {
        st = refuse(fail, err, 403, "SignatureDoesNotMatch", NULL, MSG_MISMATCH);
        goto out;
    }
    if (check_body) {
        char body_hash[65];
        sha256_hex(r->body.p, r->body.n, body_hash);
        if (memcmp(body_hash, phash, 64) != 0) {
            st = refuse(fail, err, 400, "XAmzContentSHA256Mismatch",
                        "send the SHA-256 of the body as it is sent",
                        "The provided 'x-amz-content-sha256' header does not match what was "
                        "computed.");
            goto out;
        }
    }
    *who = key;
out:
    OPENSSL_cleanse(want, sizeof(want));
    ot_buf_cleanup(&creq);
    ot_buf_cleanup(&sts);
    return st;
}

ot_status ot_auth_check(const struct ot_config *c, const struct ot_http_req *r, int64_t now_ms,
                        const struct ot_conf_access_key **who, struct ot_auth_fail *fail,
                        struct ot_error *err)
{
    struct ot_sv auth = { NULL, 0 };
    if (r->nheaders > OT_AUTH_MAX_HEADERS) {
        return refuse(fail, err, 400, "InvalidRequest", "send fewer headers",
                      "more than %u request headers", OT_AUTH_MAX_HEADERS);
    }
    if (r->path.n > OT_AUTH_MAX_URI_BYTES || r->query.n > OT_AUTH_MAX_URI_BYTES) {
        return refuse(fail, err, 400, "InvalidRequest", "send a shorter path and query",
                      "the path or the query is longer than %u bytes", OT_AUTH_MAX_URI_BYTES);
    }
    size_t n = find_header(r, "authorization", &auth);
    if (n == 0) {
        return refuse(fail, err, 403, "MissingAuthenticationToken",
                      "sign the request with SigV4 or send Authorization: Bearer <secret>",
                      "Request is missing Authentication Token");
    }
    if (n > 1) {
        return refuse(fail, err, 400, "IncompleteSignature", NULL,
                      "the Authorization header is given more than once");
    }
    if (auth.n > OT_AUTH_MAX_HEADER_BYTES) {
        return refuse(fail, err, 400, "InvalidRequest", NULL,
                      "the Authorization header is longer than %u bytes", OT_AUTH_MAX_HEADER_BYTES);
    }
    auth = sv_trim(auth);
    if (auth.n >= 6 && sv_ieq((struct ot_sv){ auth.p, 6 }, OT_SV_LIT("bearer")) &&
        (auth.n == 6 || auth.p[6] == ' ')) {
        return check_bearer(c, (struct ot_sv){ auth.p + 6, auth.n - 6 }, who, fail, err);
    }
    if (auth.n > sizeof(ALGO) && memcmp(auth.p, ALGO " ", sizeof(ALGO)) == 0) {
        return check_sigv4(c, r, (struct ot_sv){ auth.p + sizeof(ALGO), auth.n - sizeof(ALGO) },
                           now_ms, who, fail, err);
    }
    return refuse(fail, err, 400, "IncompleteSignature",
                  "sign with AWS4-HMAC-SHA256 or send Authorization: Bearer <secret>",
                  "unsupported Authorization scheme");
}
