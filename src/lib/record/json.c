/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/json.c - validating JSON scanner that builds a record's tape.
 *
 * Stage: record (ingest). This is the hot path of every scan: it runs once per
 * byte of every log file read. It validates as strictly as RFC 8259 (UTF-8,
 * escapes, number grammar) and records one ot_node per value so that field
 * lookups later jump over whole subtrees. Strings, the bulk of CloudTrail
 * bytes, are skipped 16 bytes at a time with SSE2 until a quote, a backslash,
 * a control byte or a non-ASCII byte shows up. Depth is bounded by
 * OT_JSON_MAX_DEPTH so recursion is bounded too.
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "opentrail/limits.h"
#include "record/json.h"

#include "core/private.h"

struct jp {
    const char *base; /* offsets are relative to the value's first byte */
    const char *end;
    struct ot_tape *t;
    bool has_space;
    struct ot_json_err *e;
};

void ot_tape_init(struct ot_tape *t, uint32_t max_nodes)
{
    memset(t, 0, sizeof(*t));
    t->max = max_nodes;
}

void ot_tape_cleanup(struct ot_tape *t)
{
    ot_free(t->nodes);
    t->nodes = NULL;
    t->count = t->cap = 0;
}

static bool fail(struct jp *j, const char *at, const char *msg)
{
    j->e->at = at;
    j->e->msg = msg;
    j->e->incomplete = (at >= j->end);
    return false;
}

/* Returns the index of a new node, or UINT32_MAX when it was not recorded. */
static uint32_t node_add(struct jp *j, uint8_t type, const char *start)
{
    struct ot_tape *t = j->t;
    if (t->count == t->cap) {
        if (t->cap >= t->max) {
            t->overflow = true;
            return UINT32_MAX;
        }
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        if (cap > t->max) {
            cap = t->max;
        }
        struct ot_node *n = ot_realloc(t->nodes, (size_t)cap * sizeof(*n));
        if (n == NULL) {
            t->nomem = true;
            t->overflow = true;
            return UINT32_MAX;
        }
        t->nodes = n;
        t->cap = cap;
    }
    uint32_t i = t->count++;
    struct ot_node *n = &t->nodes[i];
    n->start = (uint32_t)(start - j->base);
    n->len = 0;
    n->next = i + 1;
    n->type = type;
    n->has_escape = 0;
    n->reserved = 0;
    return i;
}

static void node_close(struct jp *j, uint32_t i, const char *end)
{
    if (i != UINT32_MAX) {
        struct ot_node *n = &j->t->nodes[i];
        n->len = (uint32_t)(end - j->base) - n->start;
        n->next = j->t->count;
    }
}

static const char *skip_ws(struct jp *j, const char *p)
{
    const char *q = ot_json_ws(p, j->end);
    if (q != p) {
        j->has_space = true;
    }
    return q;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Validate one UTF-8 sequence at @p (first byte >= 0x80); its length, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0; /* no overlong forms */
        } else if (c == 0xED) {
            hi = 0x9F; /* no UTF-16 surrogates */
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F; /* nothing above U+10FFFF */
        }
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) {
        return 0;
    }
    if (p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* Find the next byte in [p, end) that is '"', '\\', < 0x20 or >= 0x80. */
static inline const char *string_special(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"');
    const __m128i bs = _mm_set1_epi8('\\');
    const __m128i sp = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so one test covers both ends */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmplt_epi8(v, sp));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask != 0) {
            return p + __builtin_ctz(mask);
        }
        p += 16;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
            return p;
        }
        p++;
    }
    return end;
}

/* @p is just past the opening quote. Returns the position of the closing quote. */
static const char *scan_string(struct jp *j, const char *p, bool *has_escape)
{
    const char *end = j->end;
    for (;;) {
        p = string_special(p, end);
        if (p >= end) {
            fail(j, end, "unterminated string");
            return NULL;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            return p;
        }
        if (c == '\\') {
            *has_escape = true;
            if (end - p < 2) {
                fail(j, end, "unterminated string");
                return NULL;
            }
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                p += 2;
                break;
            case 'u':
                if (end - p < 6) {
                    fail(j, end, "unterminated \\u escape");
                    return NULL;
                }
                for (int i = 2; i < 6; i++) {
                    if (hexval((unsigned char)p[i]) < 0) {
                        fail(j, p, "invalid \\u escape: four hex digits expected");
                        return NULL;
                    }
                }
                p += 6;
                break;
            default:
                fail(j, p, "invalid escape in string");
                return NULL;
            }
        } else if (c < 0x20) {
            fail(j, p, "control character in string (must be escaped)");
            return NULL;
        } else {
            size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (n == 0) {
                if (end - p < 4 && (c >= 0xC2 && c <= 0xF4)) {
                    /* may be a sequence cut by the end of the buffer */
                    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                    if ((size_t)(end - p) < need) {
                        fail(j, end, "unterminated string");
                        return NULL;
                    }
                }
                fail(j, p, "invalid UTF-8 in string");
                return NULL;
            }
            p += n;
        }
    }
}

static bool parse_value(struct jp *j, const char *p, const char **endp, unsigned depth);

static bool parse_string_node(struct jp *j, const char *p, const char **endp)
{
    bool esc = false;
    uint32_t i = node_add(j, OT_STRING, p + 1);
    const char *q = scan_string(j, p + 1, &esc);
    if (q == NULL) {
        return false;
    }
    if (i != UINT32_MAX) {
        struct ot_node *n = &j->t->nodes[i];
        n->len = (uint32_t)(q - j->base) - n->start;
        n->has_escape = esc;
    }
    *endp = q + 1;
    return true;
}

static bool parse_number(struct jp *j, const char *p, const char **endp)
{
    const char *s = p, *end = j->end;
    if (p < end && *p == '-') {
        p++;
    }
    if (p >= end) {
        return fail(j, end, "incomplete number");
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    } else {
        return fail(j, p, "invalid number");
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end) {
            return fail(j, end, "incomplete number");
        }
        if (!(*p >= '0' && *p <= '9')) {
            return fail(j, p, "invalid number: digit expected after '.'");
        }
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= end) {
            return fail(j, end, "incomplete number");
        }
        if (!(*p >= '0' && *p <= '9')) {
            return fail(j, p, "invalid number: digit expected in exponent");
        }
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p >= end) {
        /* a number at the very end may continue in the next chunk */
        return fail(j, end, "incomplete number");
    }
    uint32_t i = node_add(j, OT_NUMBER, s);
    node_close(j, i, p);
    *endp = p;
    return true;
}

static bool parse_literal(struct jp *j, const char *p, const char *lit, size_t n, uint8_t type,
                          const char **endp)
{
    size_t have = (size_t)(j->end - p);
    if (memcmp(p, lit, have < n ? have : n) != 0) {
        return fail(j, p,
                    "invalid literal (expected true, false, null, a number, a string, "
                    "an object or an array)");
    }
    if (have < n) {
        return fail(j, j->end, "incomplete literal");
    }
    uint32_t i = node_add(j, type, p);
    node_close(j, i, p + n);
    *endp = p + n;
    return true;
}

static bool parse_object(struct jp *j, const char *p, const char **endp, unsigned depth)
{
    uint32_t self = node_add(j, OT_OBJECT, p);
    p = skip_ws(j, p + 1);
    if (p < j->end && *p == '}') {
        node_close(j, self, p + 1);
        *endp = p + 1;
        return true;
    }
    for (;;) {
        if (p >= j->end) {
            return fail(j, p, "unterminated object");
        }
        if (*p != '"') {
            return fail(j, p, "expected '\"' to start an object key");
        }
        if (!parse_string_node(j, p, &p)) {
            return false;
        }
        p = skip_ws(j, p);
        if (p >= j->end) {
            return fail(j, p, "unterminated object");
        }
        if (*p != ':') {
            return fail(j, p, "expected ':' after object key");
        }
        p = skip_ws(j, p + 1);
        if (!parse_value(j, p, &p, depth + 1)) {
            return false;
        }
        p = skip_ws(j, p);
        if (p >= j->end) {
            return fail(j, p, "unterminated object");
        }
        if (*p == ',') {
            p = skip_ws(j, p + 1);
            continue;
        }
        if (*p == '}') {
            node_close(j, self, p + 1);
            *endp = p + 1;
            return true;
        }
        return fail(j, p, "expected ',' or '}' in object");
    }
}

static bool parse_array(struct jp *j, const char *p, const char **endp, unsigned depth)
{
    uint32_t self = node_add(j, OT_ARRAY, p);
    p = skip_ws(j, p + 1);
    if (p < j->end && *p == ']') {
        node_close(j, self, p + 1);
        *endp = p + 1;
        return true;
    }
    for (;;) {
        if (!parse_value(j, p, &p, depth + 1)) {
            return false;
        }
        p = skip_ws(j, p);
        if (p >= j->end) {
            return fail(j, p, "unterminated array");
        }
        if (*p == ',') {
            p = skip_ws(j, p + 1);
            continue;
        }
        if (*p == ']') {
            node_close(j, self, p + 1);
            *endp = p + 1;
            return true;
        }
        return fail(j, p, "expected ',' or ']' in array");
    }
}

static bool parse_value(struct jp *j, const char *p, const char **endp, unsigned depth)
{
    if (p >= j->end) {
        return fail(j, p, "value expected");
    }
    if (depth >= OT_JSON_MAX_DEPTH) {
        return fail(j, p, "nesting deeper than 128 levels");
    }
    switch (*p) {
    case '"':
        return parse_string_node(j, p, endp);
    case '{':
        return parse_object(j, p, endp, depth);
    case '[':
        return parse_array(j, p, endp, depth);
    case 't':
        return parse_literal(j, p, "true", 4, OT_TRUE, endp);
    case 'f':
        return parse_literal(j, p, "false", 5, OT_FALSE, endp);
    case 'n':
        return parse_literal(j, p, "null", 4, OT_NULL, endp);
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            return parse_number(j, p, endp);
        }
        return fail(j, p, "unexpected character where a JSON value should start");
    }
}

bool ot_json_parse(const char *p, const char *end, struct ot_tape *t, bool *has_space,
                   const char **endp, struct ot_json_err *e)
{
    struct jp j = { .base = p, .end = end, .t = t, .has_space = false, .e = e };
    t->count = 0;
    t->overflow = false;
    t->nomem = false;
    if (!parse_value(&j, p, endp, 0)) {
        return false;
    }
    *has_space = j.has_space;
    return true;
}

/* Decode the escape at @p (validated) into UTF-8 in @out[4]; returns bytes
 * consumed from @p and sets *@n to the bytes written. */
static size_t decode_escape(const char *p, const char *end, char out[4], size_t *n)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *f = memchr(from, p[1], sizeof(from) - 1);
    if (f != NULL) {
        out[0] = to[f - from];
        *n = 1;
        return 2;
    }
    unsigned cp = 0;
    for (int i = 2; i < 6; i++) {
        cp = cp * 16 + (unsigned)hexval((unsigned char)p[i]);
    }
    size_t used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
        unsigned lo = 0;
        bool ok = true;
        for (int i = 8; i < 12; i++) {
            int h = hexval((unsigned char)p[i]);
            ok = ok && h >= 0;
            lo = lo * 16 + (unsigned)(h < 0 ? 0 : h);
        }
        if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
        }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        *n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        *n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        *n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        *n = 4;
    }
    return used;
}

bool ot_json_str_eq(struct ot_sv raw, bool has_escape, struct ot_sv s)
{
    if (!has_escape) {
        return ot_sv_eq(raw, s);
    }
    const char *p = raw.p, *end = raw.p + raw.n;
    size_t k = 0;
    while (p < end) {
        if (*p != '\\') {
            if (k >= s.n || s.p[k] != *p) {
                return false;
            }
            k++;
            p++;
            continue;
        }
        char u[4];
        size_t n;
        p += decode_escape(p, end, u, &n);
        if (n > s.n - k || memcmp(s.p + k, u, n) != 0) {
            return false;
        }
        k += n;
    }
    return k == s.n;
}

ot_status ot_json_str_decode(struct ot_sv raw, struct ot_buf *out)
{
    const char *p = raw.p, *end = raw.p + raw.n;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (bs == NULL) {
            return ot_buf_append(out, p, (size_t)(end - p));
        }
        ot_status st = ot_buf_append(out, p, (size_t)(bs - p));
        if (st != OT_OK) {
            return st;
        }
        char u[4];
        size_t n;
        p = bs + decode_escape(bs, end, u, &n);
        st = ot_buf_append(out, u, n);
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}
