/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_selectors.c - the event selector parser (JSON or YAML) over
 * arbitrary bytes. Every refusal says why; every accepted set is printed
 * back as get-event-selectors JSON, which must parse again, and is matched
 * against a few records (scope included) under ASan and UBSan.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/record.h"
#include "opentrail/select.h"

const char *__lsan_default_suppressions(void);

/* libfyaml 0.7.12 leaks a scanner buffer on some single-quoted scalars; ours are clean. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

static const char records[] =
    "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"readOnly\":false,"
    "\"eventCategory\":\"Data\",\"awsRegion\":\"us-east-1\",\"recipientAccountId\":"
    "\"111122223333\",\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":"
    "\"arn:aws:s3:::b/k\\u00e9\"}],\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/a\"}}\n"
    "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"readOnly\":false,"
    "\"managementEvent\":true,\"awsRegion\":\"us-east-1\"}\n"
    "{\"eventSource\":\"kms.amazonaws.com\",\"eventType\":\"AwsVpceEvent\",\"vpcEndpointId\":"
    "\"vpce-1\",\"errorCode\":\"VpceAccessDenied\",\"awsRegion\":\"eu-west-1\"}\n";

struct ctx {
    const struct ot_selectors *s;
    unsigned kept;
};

static bool on_rec(void *p, const struct ot_record *rec)
{
    struct ctx *c = p;
    const struct ot_trail_scope single = { .home_region = "eu-west-1",
                                           .include_global = true,
                                           .account_id = "111122223333" };
    const struct ot_trail_scope multi = { .home_region = "us-east-1",
                                          .is_multi_region = true,
                                          .include_global = true };
    c->kept += ot_select_keep(c->s, &single, rec);
    c->kept += ot_select_keep(c->s, &multi, rec);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ot_reader *r;
    struct ot_selectors *s = NULL, *again = NULL;
    struct ot_error err = { 0 };
    struct ot_sv in = { (const char *)data, size };
    if (r == NULL && ot_reader_new(NULL, &r) != OT_OK) {
        return 0;
    }
    if (ot_selectors_parse(in, "fuzz", &s, &err) != OT_OK) {
        if (err.what[0] == '\0') {
            __builtin_trap(); /* every refusal says why */
        }
        return 0;
    }
    struct ot_buf b = OT_BUF_INIT(16u << 20);
    if (ot_selectors_json(s, &b) == OT_OK &&
        ot_selectors_parse(ot_buf_sv(&b), "again", &again, &err) == OT_OK &&
        ot_selectors_kind(again) != ot_selectors_kind(s)) {
        __builtin_trap(); /* printed back, it reads as the same kind */
    }
    struct ctx c = { .s = s };
    struct ot_read_result res;
    (void)ot_reader_read_mem(r, records, sizeof(records) - 1, "recs.ndjson", on_rec, NULL, &c, &res,
                             &err);
    ot_buf_cleanup(&b);
    ot_selectors_free(again);
    ot_selectors_free(s);
    return 0;
}
