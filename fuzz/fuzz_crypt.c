/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_crypt.c - a sealed object's header and its opening over
 * arbitrary bytes (the local store reads them from disk, where anyone with
 * write access could have put anything). The ring holds one fixed KEK, id
 * 0102030405060708, key bytes 0..31, which sealed the committed seeds.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_kek_ring *r = NULL;
    struct ot_seal_header h;
    struct ot_error err;
    unsigned char key[32];
    for (unsigned i = 0; i < sizeof(key); i++) {
        key[i] = (unsigned char)i;
    }
    if (ot_seal_header_parse(data, size, &h, &err) == OT_OK && h.plain_bytes + 104 != size) {
        __builtin_trap(); /* the header's size arithmetic */
    }
    if (ot_kek_ring_new(&r) != OT_OK) {
        return 0;
    }
    if (ot_kek_ring_add(r, "0102030405060708", key, true, &err) == OT_OK) {
        struct ot_buf out = OT_BUF_INIT(1u << 24);
        ot_status st = ot_unseal(r, data, size, &out, &err);
        if (st == OT_OK && out.len + 104 != size) {
            __builtin_trap(); /* what opens is exactly the ciphertext's length */
        }
        if (st != OT_OK && out.len != 0) {
            __builtin_trap(); /* nothing unauthenticated is handed out */
        }
        ot_buf_cleanup(&out);
    }
    ot_kek_ring_free(r);
    return 0;
}
