/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_keys.c - the key-file reader (ListPublicKeys JSON, what
 * validate --keys and the keys folder hold) over arbitrary bytes, with a
 * round trip: what it accepts, written back out, reads the same.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_keyring ring = { 0 }, again = { 0 };
    struct ot_error err;
    if (ot_keys_parse_list(data, size, &ring, &err) != OT_OK) {
        return 0;
    }
    for (size_t i = 0; i < ring.n; i++) {
        char fp[33];
        (void)ot_key_fingerprint(ring.v[i].der, ring.v[i].der_len, fp);
        (void)ot_verify_hex(ring.v[i].der, ring.v[i].der_len, "m", 1, OT_SV_LIT("00ff"), &err);
    }
    struct ot_buf b = OT_BUF_INIT(1u << 26);
    if (ot_keys_format_list(&ring, false, &b) == OT_OK) {
        if (ot_keys_parse_list(b.data, b.len, &again, &err) != OT_OK || again.n != ring.n) {
            __builtin_trap();
        }
        for (size_t i = 0; i < ring.n; i++) {
            if (again.v[i].der_len != ring.v[i].der_len ||
                memcmp(again.v[i].der, ring.v[i].der, ring.v[i].der_len) != 0 ||
                strcmp(again.v[i].fingerprint, ring.v[i].fingerprint) != 0) {
                __builtin_trap();
            }
        }
    }
    ot_buf_cleanup(&b);
    ot_keyring_cleanup(&again);
    ot_keyring_cleanup(&ring);
    return 0;
}
