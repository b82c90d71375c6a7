/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_config.c - the opentrail.yaml reader over arbitrary bytes. Every
 * refusal must say why and where; every accepted config is printed by
 * `config show`, which must never print a secret it read.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/config.h"

const char *__lsan_default_suppressions(void);

/* libfyaml 0.7.12 leaks a scanner buffer on some single-quoted scalars; ours are clean. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_config *c = NULL;
    struct ot_error err = { 0 };
    struct ot_sv in = { (const char *)data, size };
    if (ot_config_parse(in, "fuzz.yaml", &c, &err) != OT_OK) {
        if (err.what[0] == '\0' || strcmp(err.where, "fuzz.yaml") != 0) {
            __builtin_trap(); /* every refusal says what and where */
        }
        return 0;
    }
    struct ot_buf b = OT_BUF_INIT(64u << 20);
    if (ot_config_show(c, &b) == OT_OK) {
        for (uint32_t i = 0; i < c->nkeys; i++) {
            if (strstr(b.data, c->keys[i].secret_access_key) != NULL &&
                strstr("<redacted>", c->keys[i].secret_access_key) == NULL) {
                __builtin_trap(); /* a secret in the output */
            }
        }
    }
    ot_buf_cleanup(&b);
    ot_config_free(c);
    return 0;
}
