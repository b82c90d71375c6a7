/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_plan.c - `terraform show -json` input (jansson, then our walk into
 * the HCL-shaped tree) over arbitrary bytes, then the audit and SARIF output.
 */
#include <stdint.h>
#include <string.h>

#include "advise/doc.h"
#include "opentrail/opentrail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_arena ar;
    struct ot_error err = { 0 };
    struct ot_doc *root = NULL;
    ot_arena_init(&ar);
    ot_status st =
        ot_plan_parse(&ar, "fuzz.json", (struct ot_sv){ (const char *)data, size }, &root, &err);
    if (st == OT_OK && (root == NULL || root->kind != OT_DOC_BLOCK)) {
        __builtin_trap();
    }
    ot_arena_cleanup(&ar);

    struct ot_advise *a = NULL;
    if (ot_advise_new(&a) != OT_OK) {
        return 0;
    }
    if (ot_advise_add(a, "fuzz.json", data, size, &err) == OT_OK &&
        ot_advise_run(a, &err) == OT_OK) {
        struct ot_buf out = OT_BUF_INIT(64u << 20);
        (void)ot_advise_format(a, OT_ADVISE_SARIF, OT_SEV_INFO, &out);
        ot_buf_cleanup(&out);
    }
    ot_advise_free(a);
    return 0;
}
