/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_auth.c - the request verifier (capture/auth.c) over arbitrary
 * bytes read as a raw HTTP/1.1 request: the first line gives the method,
 * path and query, then "Name: value" lines up to a blank line, then the
 * body. The clock is the request's own X-Amz-Date day, so the signature
 * code runs rather than stopping at the time window. A refusal must carry a
 * 400 or 403 and a static code; an acceptance must name a configured key.
 */
#include <stdint.h>
#include <string.h>

#include "opentrail/capture.h"
#include "opentrail/opentrail.h"

static struct ot_conf_access_key keys[] = {
    { .access_key_id = "x", .secret_access_key = "y" },
    { .access_key_id = "AKIDEXAMPLE",
      .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
};

static const char *find_line(const char *p, const char *end)
{
    while (p < end && *p != '\n') {
        p++;
    }
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ot_config c = { .keys = keys, .nkeys = 2 };
    struct ot_http_header h[OT_AUTH_MAX_HEADERS + 2];
    struct ot_http_req r = { 0 };
    const char *p = (const char *)data, *end = p + size;
    const char *eol = find_line(p, end);
    const char *line_end = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
    const char *sp = memchr(p, ' ', (size_t)(line_end - p));
    const char *target = sp ? sp + 1 : line_end;
    const char *sp2 = memchr(target, ' ', (size_t)(line_end - target));
    const char *tend = sp2 ? sp2 : line_end;
    const char *q = memchr(target, '?', (size_t)(tend - target));
    r.method = (struct ot_sv){ p, (size_t)((sp ? sp : line_end) - p) };
    r.path = (struct ot_sv){ target, (size_t)((q ? q : tend) - target) };
    r.query = q ? (struct ot_sv){ q + 1, (size_t)(tend - q - 1) } : (struct ot_sv){ tend, 0 };
    p = eol < end ? eol + 1 : end;
    int64_t now = 0;
    while (p < end) {
        eol = find_line(p, end);
        line_end = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
        if (line_end == p) {
            p = eol < end ? eol + 1 : end;
            break; /* the blank line: the body follows */
        }
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon != NULL && r.nheaders < sizeof(h) / sizeof(h[0])) {
            const char *v = colon + 1;
            while (v < line_end && *v == ' ') {
                v++;
            }
            h[r.nheaders++] = (struct ot_http_header){ { p, (size_t)(colon - p) },
                                                       { v, (size_t)(line_end - v) } };
            if (colon - p == 10 && strncasecmp(p, "x-amz-date", 10) == 0 && line_end - v >= 8) {
                char iso[] = "0000-00-00T00:00:00Z";
                memcpy(iso, v, 4);
                memcpy(iso + 5, v + 4, 2);
                memcpy(iso + 8, v + 6, 2);
                if (ot_time_parse_iso(ot_sv_cstr(iso), &now) != OT_OK) {
                    now = 0;
                }
            }
        }
        p = eol < end ? eol + 1 : end;
    }
    r.headers = h;
    r.body = (struct ot_sv){ p, (size_t)(end - p) };
    const struct ot_conf_access_key *who = NULL;
    struct ot_auth_fail f = { 0, NULL };
    struct ot_error err;
    ot_status st = ot_auth_check(&c, &r, now, &who, &f, &err);
    if (st == OT_OK && (who != &keys[0] && who != &keys[1])) {
        __builtin_trap();
    }
    if (st == OT_E_USAGE && (f.code == NULL || (f.http_status != 400 && f.http_status != 403))) {
        __builtin_trap();
    }
    if (st != OT_OK && st != OT_E_USAGE && st != OT_E_NOMEM) {
        __builtin_trap();
    }
    return 0;
}
