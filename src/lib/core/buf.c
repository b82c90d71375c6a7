/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/buf.c - bounded growable buffers and string views.
 *
 * Every ot_buf has a hard limit fixed at init (curl's dynbuf): growth past it
 * is OT_E_LIMIT, and any failure frees the buffer so no half value survives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opentrail/core.h"

#include "core/private.h"

static ot_status buf_grow(struct ot_buf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need + 1) { /* +1 keeps room for the NUL */
        if (cap > SIZE_MAX / 2) {
            return OT_E_NOMEM;
        }
        cap *= 2;
    }
    if (b->limit < SIZE_MAX && cap > b->limit + 1) {
        cap = b->limit + 1; /* need <= limit, checked by the caller */
    }
    char *p = ot_realloc(b->data, cap);
    if (p == NULL) {
        return OT_E_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return OT_OK;
}

ot_status ot_buf_reserve(struct ot_buf *b, size_t n)
{
    if (n > b->limit - b->len) { /* compare before adding: nothing can wrap */
        ot_buf_cleanup(b);
        return OT_E_LIMIT;
    }
    if (b->len + n + 1 > b->cap && buf_grow(b, b->len + n) != OT_OK) {
        ot_buf_cleanup(b); /* realloc left the old block with us: free it */
        return OT_E_NOMEM;
    }
    return OT_OK;
}

ot_status ot_buf_append(struct ot_buf *b, const void *src, size_t n)
{
    ot_status st = ot_buf_reserve(b, n);
    if (st != OT_OK) {
        return st;
    }
    if (n > 0) {
        memcpy(b->data + b->len, src, n);
        b->len += n;
    }
    b->data[b->len] = '\0';
    return OT_OK;
}

ot_status ot_buf_append_cstr(struct ot_buf *b, const char *s)
{
    return ot_buf_append(b, s, strlen(s));
}

ot_status ot_buf_putc(struct ot_buf *b, char c)
{
    if (b->len + 1 < b->cap) { /* fast path: room for the byte and the NUL */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return OT_OK;
    }
    return ot_buf_append(b, &c, 1);
}

ot_status ot_buf_printf(struct ot_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        ot_buf_cleanup(b);
        return OT_E_USAGE;
    }
    if ((size_t)n < sizeof(small)) {
        return ot_buf_append(b, small, (size_t)n);
    }
    ot_status st = ot_buf_reserve(b, (size_t)n);
    if (st != OT_OK) {
        return st;
    }
    va_start(ap, fmt);
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (m != n) {
        ot_buf_cleanup(b);
        return OT_E_USAGE;
    }
    b->len += (size_t)n;
    return OT_OK;
}

void ot_buf_reset(struct ot_buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

void ot_buf_cleanup(struct ot_buf *b)
{
    ot_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

struct ot_sv ot_buf_sv(const struct ot_buf *b)
{
    return (struct ot_sv){ b->data ? b->data : "", b->len };
}

ot_status ot_buf_json_str(struct ot_buf *b, struct ot_sv s)
{
    static const char hex[] = "0123456789abcdef";
    ot_status st = ot_buf_putc(b, '"');
    size_t run = 0; /* bytes copied as they are, flushed in one append */

    for (size_t i = 0; i < s.n && st == OT_OK; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        st = ot_buf_append(b, s.p + i - run, run);
        run = 0;
        if (st != OT_OK) {
            break;
        }
        char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        st = ot_buf_append(b, esc, n);
    }
    if (st == OT_OK) {
        st = ot_buf_append(b, s.p + s.n - run, run);
    }
    if (st == OT_OK) {
        st = ot_buf_putc(b, '"');
    }
    return st;
}

struct ot_sv ot_sv_cstr(const char *s)
{
    return (struct ot_sv){ s, strlen(s) };
}

bool ot_sv_eq(struct ot_sv a, struct ot_sv b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool ot_sv_eq_cstr(struct ot_sv a, const char *s)
{
    return ot_sv_eq(a, ot_sv_cstr(s));
}

bool ot_sv_has_prefix(struct ot_sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && memcmp(a.p, prefix, n) == 0;
}

bool ot_sv_has_suffix(struct ot_sv a, const char *suffix)
{
    size_t n = strlen(suffix);
    return a.n >= n && memcmp(a.p + a.n - n, suffix, n) == 0;
}

ot_status ot_parse_u64(struct ot_sv s, uint64_t max, bool allow_suffix, uint64_t *out)
{
    uint64_t v = 0, mult = 1;
    size_t n = s.n;

    if (allow_suffix && n > 0) {
        switch (s.p[n - 1]) {
        case 'K':
        case 'k':
            mult = 1024;
            n--;
            break;
        case 'M':
        case 'm':
            mult = 1024 * 1024;
            n--;
            break;
        case 'G':
        case 'g':
            mult = 1024 * 1024 * 1024;
            n--;
            break;
        default:
            break;
        }
    }
    if (n == 0) {
        return OT_E_PARSE;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9) {
            return OT_E_PARSE;
        }
        if (v > (UINT64_MAX - d) / 10) {
            return OT_E_LIMIT;
        }
        v = v * 10 + d;
    }
    if (v > UINT64_MAX / mult || v * mult > max) {
        return OT_E_LIMIT;
    }
    *out = v * mult;
    return OT_OK;
}
