/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_reader.c - the record reader over arbitrary bytes (gzip or plain,
 * any shape), plus a differential check: every record it accepts must also be
 * valid JSON to jansson, and every path lookup must stay inside the record.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"

static struct ot_path *paths[4];

static bool visit(void *ctx, struct ot_value v)
{
    struct ot_buf *b = ctx;
    ot_buf_reset(b);
    (void)ot_value_text(v, b); /* may fail only for memory */
    return true;
}

static bool on_record(void *ctx, const struct ot_record *rec)
{
    (void)ctx;
    json_error_t je;
    json_t *j = json_loadb(rec->json, rec->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (j == NULL) {
        /* jansson refuses what RFC 8259's grammar allows but its types cannot hold: lone
         * surrogates in \u escapes, integers past int64, reals past double, \u0000 in keys */
        if (strstr(je.text, "invalid Unicode") == NULL && strstr(je.text, "too big") == NULL &&
            strstr(je.text, "overflow") == NULL && strstr(je.text, "NUL byte") == NULL) {
            __builtin_trap();
        }
    } else {
        if (!json_is_object(j)) {
            __builtin_trap(); /* the reader hands out objects only */
        }
        json_decref(j);
    }
    struct ot_buf b = OT_BUF_INIT(1 << 20);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (paths[i] != NULL) {
            (void)ot_record_each(rec, paths[i], visit, &b);
        }
    }
    struct ot_buf c = OT_BUF_INIT(1 << 20);
    if (ot_value_compact(ot_record_root(rec), &c) == OT_OK && c.len > rec->len) {
        __builtin_trap(); /* compacting never grows a record */
    }
    ot_buf_cleanup(&c);
    ot_buf_cleanup(&b);
    return true;
}

static void on_error(void *ctx, const struct ot_error *err)
{
    (void)ctx;
    (void)err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ot_reader *r;
    if (r == NULL) {
        struct ot_read_opts o = { .max_file_bytes = 8u << 20, .read_insights = (size & 1) };
        if (ot_reader_new(&o, &r) != OT_OK) {
            return 0;
        }
        const char *p[] = { "userIdentity.sessionContext.sessionIssuer.arn", "resources[*].ARN",
                            "requestParameters", "eventName" };
        for (size_t i = 0; i < 4; i++) {
            (void)ot_path_compile(ot_sv_cstr(p[i]), &paths[i], NULL);
        }
    }
    struct ot_read_result res;
    struct ot_error err;
    (void)ot_reader_read_mem(r, data, size, "fuzz", on_record, on_error, NULL, &res, &err);
    return 0;
}
