/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/sigv4.c - the SigV4 signing key chain and signature (core/sigv4.h).
 *
 * Stage: core (store signs with it, capture verifies with it).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/sigv4.h"
#include "store/store_int.h"

#include "core/private.h"

static bool hmac(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32])
{
    unsigned len = 0;
    return HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len) != NULL && len == 32;
}

ot_status ot_sigv4_signature(const char *secret, struct ot_sv date, struct ot_sv region,
                             struct ot_sv service, struct ot_sv string_to_sign, char out[65])
{
    struct ot_buf kb = OT_BUF_INIT(64u * 1024u);
    unsigned char k[32], k2[32];
    ot_status st = ot_buf_printf(&kb, "AWS4%s", secret);
    bool ok = st == OT_OK && hmac(kb.data, kb.len, date.p, date.n, k) &&
              hmac(k, 32, region.p, region.n, k2) && hmac(k2, 32, service.p, service.n, k) &&
              hmac(k, 32, "aws4_request", 12, k2) &&
              hmac(k2, 32, string_to_sign.p, string_to_sign.n, k);
    if (kb.data != NULL) {
        OPENSSL_cleanse(kb.data, kb.len); /* the secret */
    }
    ot_buf_cleanup(&kb);
    if (st == OT_OK && !ok) {
        st = OT_E_NOMEM; /* HMAC fails only when OpenSSL cannot allocate */
    }
    if (st == OT_OK) {
        ot_hex(k, 32, out);
    }
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(k2, sizeof(k2));
    return st;
}
