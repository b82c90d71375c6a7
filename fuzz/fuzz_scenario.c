/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_scenario.c - the cost scenario parser (YAML) over arbitrary
 * bytes; every scenario it accepts is priced and advised on, so the money
 * arithmetic runs under UBSan on whatever volumes the fuzzer finds. Totals
 * must equal the sum of their lines and never go negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opentrail/account.h"

const char *__lsan_default_suppressions(void);

/* libfyaml 0.7.12 leaks a scanner buffer on single-quoted scalars holding runs
 * of '' escapes ('a''b'); ours are clean, so only its leaks are ignored. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ot_pricebook *pb;
    static struct ot_cost *c;
    static struct ot_advice_list *al;
    struct ot_scenario s;
    struct ot_error err;

    if (pb == NULL && ot_pricebook_builtin(NULL, &pb, &err) != OT_OK) {
        return 0;
    }
    if (c == NULL && (c = malloc(sizeof(*c))) == NULL) {
        return 0;
    }
    if (al == NULL && (al = malloc(sizeof(*al))) == NULL) {
        return 0;
    }
    struct ot_sv in = { (const char *)data, size };
    if (ot_scenario_parse(in, "fuzz", &s, &err) != OT_OK) {
        if (err.what[0] == '\0') {
            __builtin_trap(); /* every refusal says why */
        }
        return 0;
    }
    if (ot_cost_compute(&s, pb, c, &err) != OT_OK) {
        return 0;
    }
    int64_t sum = 0;
    for (size_t i = 0; i < c->nlines; i++) {
        if (c->lines[i].years3 < 0) {
            __builtin_trap();
        }
        sum += c->lines[i].years3;
    }
    if (sum != c->years3) {
        __builtin_trap();
    }
    (void)ot_advise(&s, pb, al, &err);
    return 0;
}
