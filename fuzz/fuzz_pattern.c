/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_pattern.c - the filter-pattern compiler over arbitrary text, and
 * each compiled pattern run against JSON records and plain log lines. Any
 * crash, leak, hang or sanitizer report is a bug; a pattern that compiles
 * must also match deterministically (the same answer twice).
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

static const char *const messages[] = {
    "{\"eventName\":\"ConsoleLogin\",\"userIdentity\":{\"type\":\"Root\",\"arn\":\"a\"},"
    "\"errorCode\":\"AccessDenied\",\"n\":5,\"t\":true,\"z\":null,\"a\":[1,[2,3],{\"b\":\"c\"}]}",
    "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
    "[ERROR 400] BAD REQUEST",
    "",
    "{\"x\":\"\\u002a\\ud83d\\ude00\"}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_pattern *p = NULL;
    struct ot_error err;
    if (ot_pattern_compile((struct ot_sv){ (const char *)data, size }, &p, &err) != OT_OK) {
        if (err.col == 0 && err.what[0] == '\0') {
            __builtin_trap(); /* a failure must say what and where */
        }
        return 0;
    }
    struct ot_matcher *m = NULL;
    if (ot_matcher_new(&m) == OT_OK) {
        for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
            bool a = false, b = false;
            struct ot_sv msg = ot_sv_cstr(messages[i]);
            if (ot_pattern_match_message(p, m, msg, &a) == OT_OK &&
                ot_pattern_match_message(p, m, msg, &b) == OT_OK && a != b) {
                __builtin_trap();
            }
        }
        ot_matcher_free(m);
    }
    ot_pattern_free(p);
    return 0;
}
