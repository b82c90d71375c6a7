/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_digest.c - the digest parser over arbitrary bytes (the inflated
 * digest JSON validate reads from any bucket), plus what validate does next
 * with a parsed digest: its times and the string it signs.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_digest *d = NULL;
    struct ot_error err;
    if (ot_digest_parse(data, size, &d, &err) != OT_OK) {
        return 0;
    }
    int64_t t;
    if (d->start_time != NULL) {
        (void)ot_time_parse_iso(ot_sv_cstr(d->start_time), &t);
    }
    if (d->has_required && d->end_is_str && d->bucket_is_str && d->object_is_str) {
        struct ot_buf b = OT_BUF_INIT(1u << 24);
        char h[65];
        ot_sha256_hex(data, size, h);
        if (ot_digest_string_to_sign(d->end_time, d->bucket, d->object, h, d->prev_signature, &b) ==
                OT_OK &&
            b.len < strlen(d->end_time) + strlen(d->bucket) + strlen(d->object) + 64 + 3) {
            __builtin_trap(); /* the string holds every part */
        }
        ot_buf_cleanup(&b);
    }
    for (size_t i = 0; i < d->nlogs; i++) {
        if (d->logs[i].key != NULL && strlen(d->logs[i].key) > size) {
            __builtin_trap(); /* decoding never grows a string */
        }
    }
    ot_digest_free(d);
    return 0;
}
