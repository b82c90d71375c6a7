/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_s3xml.c - the S3 response reader (store/xml.c) over arbitrary
 * bytes: whatever a server or a man in the middle sends back to ListObjectsV2,
 * CreateMultipartUpload or an error. Each leaf's text must be NUL-terminated
 * and within OT_XML_MAX_TEXT; the credentials-file parser gets the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/opentrail.h"
#include "store/s3_int.h"

static bool on_leaf(void *ctx, struct ot_sv parent, struct ot_sv name, struct ot_sv text)
{
    size_t *n = ctx;
    if (text.n > OT_XML_MAX_TEXT || text.p[text.n] != '\0' || name.n == 0) {
        __builtin_trap();
    }
    (void)parent;
    return ++*n < 100000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    struct ot_error err;
    (void)ot_xml_walk((struct ot_sv){ (const char *)data, size }, on_leaf, &n, &err);
    struct ot_s3_creds c = { 0 };
    if (ot_s3_creds_parse((struct ot_sv){ (const char *)data, size }, "default", &c, &err) ==
        OT_OK) {
        if (c.access_key == NULL || c.secret_key == NULL) {
            __builtin_trap();
        }
        ot_s3_creds_cleanup(&c);
    }
    return 0;
}
