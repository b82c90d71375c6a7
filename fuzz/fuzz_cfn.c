/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_cfn.c - CloudFormation templates (YAML/JSON through libfyaml and
 * our tag fix-up) over arbitrary bytes, then the audit and JSON output.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_advise *a = NULL;
    struct ot_error err = { 0 };
    if (ot_advise_new(&a) != OT_OK) {
        return 0;
    }
    ot_status st = ot_advise_add(a, (size & 1) ? "fuzz.yaml" : "fuzz.json", data, size, &err);
    if (st == OT_E_PARSE && err.line == 0 && size > 0 && err.what[0] == '\0') {
        __builtin_trap(); /* a parse error always says what */
    }
    if (st == OT_OK && ot_advise_run(a, &err) == OT_OK) {
        struct ot_buf out = OT_BUF_INIT(64u << 20);
        (void)ot_advise_format(a, OT_ADVISE_JSON, OT_SEV_INFO, &out);
        ot_buf_cleanup(&out);
    }
    ot_advise_free(a);
    return 0;
}
