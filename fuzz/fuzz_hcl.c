/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_hcl.c - the HCL2 reader over arbitrary bytes, then the whole audit
 * (model, rules, SARIF) over what it accepts. Any error must carry a position
 * inside the input; every accepted tree must have positions inside it too.
 */
#include <stdint.h>
#include <string.h>

#include "advise/doc.h"
#include "opentrail/opentrail.h"

static unsigned lines_in(const uint8_t *data, size_t size)
{
    unsigned n = 1;
    for (size_t i = 0; i < size; i++) {
        n += data[i] == '\n';
    }
    return n;
}

static void walk(const struct ot_doc *d, unsigned max_line, unsigned depth)
{
    if (d->line < 1 || d->line > max_line || depth > 4 * OT_HCL_MAX_DEPTH) {
        __builtin_trap();
    }
    for (const struct ot_doc *c = d->child; c != NULL; c = c->next) {
        walk(c, max_line, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_arena ar;
    struct ot_error err = { 0 };
    struct ot_doc *root = NULL;
    unsigned max_line = lines_in(data, size);
    ot_arena_init(&ar);
    ot_status st =
        ot_hcl_parse(&ar, "fuzz.tf", (struct ot_sv){ (const char *)data, size }, &root, &err);
    if (st == OT_OK) {
        walk(root, max_line, 0);
    } else if (st == OT_E_PARSE && (err.line < 1 || err.line > max_line + 1 || err.col < 1)) {
        __builtin_trap(); /* a parse error always says where */
    }
    ot_arena_cleanup(&ar);

    struct ot_advise *a = NULL;
    if (ot_advise_new(&a) != OT_OK) {
        return 0;
    }
    if (ot_advise_add(a, "fuzz.tf", data, size, &err) == OT_OK && ot_advise_run(a, &err) == OT_OK) {
        struct ot_buf out = OT_BUF_INIT(64u << 20);
        (void)ot_advise_format(a, OT_ADVISE_SARIF, OT_SEV_INFO, &out);
        ot_buf_cleanup(&out);
    }
    ot_advise_free(a);
    return 0;
}
