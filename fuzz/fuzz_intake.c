/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_intake.c - the intake parser (capture/intake.c) over arbitrary
 * request bodies, in both formats. Every accepted record must be one compact
 * JSON object that jansson parses back (numbers past its range and lone
 * surrogate escapes aside, which jansson refuses and JSON allows), with an
 * eventID; every index must be in the batch; the response must be JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "opentrail/capture.h"
#include "opentrail/opentrail.h"

static void check_json(const char *p, size_t n, bool is_record)
{
    json_error_t je;
    json_t *v = json_loadb(p, n, JSON_ALLOW_NUL, &je);
    if (v == NULL) {
        if (is_record && (json_error_code(&je) == json_error_numeric_overflow ||
                          strstr(je.text, "Unicode") != NULL)) {
            return;
        }
        __builtin_trap();
    }
    if (is_record && (!json_is_object(v) || !json_is_string(json_object_get(v, "eventID")))) {
        __builtin_trap();
    }
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ot_intake_opts o = { .account_id = "123456789012", .max_records = 1000 };
    for (int f = 0; f < 2; f++) {
        enum ot_intake_format fmt = f ? OT_INTAKE_PUT_AUDIT_EVENTS : OT_INTAKE_EVENTS;
        struct ot_intake in;
        struct ot_error err;
        o.account_must_match = f == 1;
        ot_status st =
            ot_intake_parse((struct ot_sv){ (const char *)data, size }, fmt, &o, &in, &err);
        if (st == OT_OK) {
            for (size_t i = 0; i < in.nok; i++) {
                const char *rec = in.records.data + in.ok[i].off;
                if (in.ok[i].off + in.ok[i].len > in.records.len || in.ok[i].index >= 1000 ||
                    memchr(rec, '\n', in.ok[i].len) != NULL) {
                    __builtin_trap();
                }
                check_json(rec, in.ok[i].len, true);
            }
            for (size_t i = 0; i < in.nfailed; i++) {
                if (in.failed[i].code == NULL || in.failed[i].index >= 1000) {
                    __builtin_trap();
                }
            }
            struct ot_buf out = OT_BUF_INIT(64u << 20);
            if (ot_intake_response(&in, fmt, &out) == OT_OK) {
                check_json(out.data, out.len, false);
            }
            ot_buf_cleanup(&out);
        } else if (in.nok > 0 || in.nfailed > 0) {
            __builtin_trap(); /* a batch is taken whole or not at all */
        }
        ot_intake_cleanup(&in);
    }
    return 0;
}
