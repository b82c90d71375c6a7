/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sigv4.c - AWS Signature Version 4 for the S3 backend, computed by
 * opentrail with OpenSSL's HMAC-SHA256.
 *
 * Stage: store. libcurl 7.88's CURLOPT_AWS_SIGV4 sorts the canonical headers
 * as "name:value" strings, so x-amz-meta-signature and
 * x-amz-meta-signature-algorithm (a CloudTrail digest's own metadata) come
 * out in the wrong order and S3 answers 403 SignatureDoesNotMatch
 * (shared/servers/README.md). Here headers are sorted by name alone.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "opentrail/store.h"
#include "store/s3_int.h"
#include "store/store_int.h"

#include "core/sigv4.h"

#include "core/private.h"

ot_status ot_s3_uri_encode(struct ot_sv s, bool keep_slash, struct ot_buf *out)
{
    static const char x[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        ot_status st;
        if (plain) {
            st = ot_buf_putc(out, (char)c);
        } else {
            char e[3] = { '%', x[c >> 4], x[c & 15] };
            st = ot_buf_append(out, e, 3);
        }
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

void ot_s3_amz_date(int64_t ms, char out[17])
{
    char iso[21]; /* 2013-05-24T00:00:00Z */
    ot_time_iso(ms, iso);
    size_t j = 0;
    for (size_t i = 0; iso[i] != '\0' && j < 16; i++) {
        if (iso[i] != '-' && iso[i] != ':') {
            out[j++] = iso[i];
        }
    }
    out[j] = '\0';
}

static int cmp_hdr(const void *a, const void *b)
{
    const struct ot_s3_header *x = *(const struct ot_s3_header *const *)a;
    const struct ot_s3_header *y = *(const struct ot_s3_header *const *)b;
    return strcmp(x->name, y->name);
}

/* the value trimmed, inner runs of spaces folded to one (SigV4's Trimall) */
static ot_status put_trimmed(struct ot_buf *b, const char *v)
{
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    bool space = false;
    for (; *v != '\0'; v++) {
        if (*v == ' ' || *v == '\t') {
            space = true;
            continue;
        }
        if (space && ot_buf_putc(b, ' ') != OT_OK) {
            return OT_E_NOMEM;
        }
        space = false;
        if (ot_buf_putc(b, *v) != OT_OK) {
            return OT_E_NOMEM;
        }
    }
    return OT_OK;
}

ot_status ot_sigv4_authorization(const struct ot_sigv4_req *r, struct ot_buf *out)
{
    const struct ot_s3_header *sorted[OT_S3_MAX_HEADERS];
    struct ot_buf creq = OT_BUF_INIT(1u << 20), sts = OT_BUF_INIT(1u << 20),
                  names = OT_BUF_INIT(1u << 16);
    ot_status st = OT_OK;
    if (r->nheaders > OT_S3_MAX_HEADERS) {
        return OT_E_LIMIT;
    }
    for (size_t i = 0; i < r->nheaders; i++) {
        sorted[i] = &r->headers[i];
    }
    qsort(sorted, r->nheaders, sizeof(sorted[0]), cmp_hdr);
    for (size_t i = 0; st == OT_OK && i < r->nheaders; i++) {
        if (i > 0) {
            st = ot_buf_putc(&names, ';');
        }
        if (st == OT_OK) {
            st = ot_buf_append_cstr(&names, sorted[i]->name);
        }
    }
    if (st == OT_OK) {
        st = ot_buf_printf(&creq, "%s\n%s\n%s\n", r->method, r->canonical_uri, r->canonical_query);
    }
    for (size_t i = 0; st == OT_OK && i < r->nheaders; i++) {
        st = ot_buf_printf(&creq, "%s:", sorted[i]->name);
        if (st == OT_OK) {
            st = put_trimmed(&creq, sorted[i]->value);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(&creq, '\n');
        }
    }
    if (st == OT_OK) {
        st = ot_buf_printf(&creq, "\n%s\n%s", names.data ? names.data : "", r->payload_hash);
    }
    char date[9], creq_hash[65];
    (void)memcpy(date, r->amz_date, 8);
    date[8] = '\0';
    if (st == OT_OK) {
        ot_sha256_hex(creq.data, creq.len, creq_hash);
        st = ot_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", r->amz_date,
                           date, r->region, r->service, creq_hash);
    }
    char sig[65];
    if (st == OT_OK) {
        st = ot_sigv4_signature(r->secret_key, (struct ot_sv){ date, 8 }, ot_sv_cstr(r->region),
                                ot_sv_cstr(r->service), ot_buf_sv(&sts), sig);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(
            out,
            "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
            "Signature=%s",
            r->access_key, date, r->region, r->service, names.data ? names.data : "", sig);
    }
    ot_buf_cleanup(&creq);
    ot_buf_cleanup(&sts);
    ot_buf_cleanup(&names);
    return st;
}
