/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_pricebook.c - the price book parser (JSON) over arbitrary bytes,
 * with and without a region override; every price it accepts is used.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_pricebook *pb = NULL;
    struct ot_error err;
    struct ot_sv in = { (const char *)data, size };
    const char *region = (size & 1) ? "ap-southeast-2" : NULL;
    if (ot_pricebook_parse(in, region, &pb, &err) != OT_OK) {
        return 0;
    }
    for (size_t i = 0; i < pb->n; i++) {
        if (ot_price_cost(&pb->v[i], OT_SCN_MAX_QUANTITY * 36, true) < 0 ||
            ot_price_cost(&pb->v[i], OT_SCN_MAX_QUANTITY * 36, false) < 0) {
            __builtin_trap();
        }
    }
    ot_pricebook_free(pb);
    return 0;
}
