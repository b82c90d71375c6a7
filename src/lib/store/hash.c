/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/hash.c - the SHA-256 hex that log files and digests are listed by.
 *
 * Stage: store (prove uses it too).
 */
#include <openssl/evp.h>
#include <string.h>

#include "opentrail/store.h"
#include "store/store_int.h"

#include "core/private.h"

void ot_hex(const unsigned char *p, size_t n, char *out)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[p[i] >> 4];
        out[2 * i + 1] = x[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void ot_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned len = 0;
    if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32) {
        memset(out, '0', 64); /* cannot happen with the default provider */
        out[64] = '\0';
        return;
    }
    ot_hex(md, 32, out);
}
