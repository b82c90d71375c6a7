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
    const char *end;
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

/* Grow the tape; false when it may not grow (overflow) or memory ran out. */
static bool __attribute__((noinline)) tape_grow(struct ot_tape *t)
{
    if (t->cap >= t->max) {
        t->overflow = true;
        return false;
    }
    uint32_t cap = t->cap ? t->cap * 2 : 1024;
    if (cap > t->max || cap < t->cap) {
        cap = t->max;
    }
    struct ot_node *n = ot_realloc(t->nodes, (size_t)cap * sizeof(*n));
    if (n == NULL) {
        t->nomem = true;
        t->overflow = true;
        return false;
    }
    t->nodes = n;
    t->cap = cap;
    return true;
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
static inline __attribute__((always_inline)) const char *scan_string(struct jp *j, const char *p,
                                                                     bool *has_escape)
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

/*
 * One node for a value starting at @start. Past the tape's limit the parse
 * goes on validating and the node lands in @sink, so callers never branch.
 */
static inline struct ot_node *node_new(struct ot_tape *t, struct ot_node *sink, uint8_t type,
                                       uint32_t start, uint32_t *idx)
{
    if (__builtin_expect(t->count == t->cap, 0) && !tape_grow(t)) {
        *idx = UINT32_MAX;
        return sink;
    }
    *idx = t->count;
    struct ot_node *n = &t->nodes[t->count++];
    *n = (struct ot_node){ .start = start, .next = t->count, .type = type }; /* one store */
    return n;
}

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

/* Skip whitespace; most CloudTrail JSON has none, so test once first. */
#define SKIP_WS()                                        \
    do {                                                 \
        if (p < end && __builtin_expect(IS_WS(*p), 0)) { \
            space = true;                                \
            while (p < end && IS_WS(*p)) {               \
                p++;                                     \
            }                                            \
        }                                                \
    } while (0)

static const char *scan_number(struct jp *j, const char *p)
{
    const char *end = j->end;
    if (p < end && *p == '-') {
        p++;
    }
    if (p >= end) {
        fail(j, end, "incomplete number");
        return NULL;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    } else {
        fail(j, p, "invalid number");
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end) {
            fail(j, end, "incomplete number");
            return NULL;
        }
        if (!(*p >= '0' && *p <= '9')) {
            fail(j, p, "invalid number: digit expected after '.'");
            return NULL;
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
            fail(j, end, "incomplete number");
            return NULL;
        }
        if (!(*p >= '0' && *p <= '9')) {
            fail(j, p, "invalid number: digit expected in exponent");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p >= end) {
        fail(j, end, "incomplete number"); /* a record never ends in a bare number */
        return NULL;
    }
    return p;
}

struct frame {
    uint32_t node; /* UINT32_MAX when the tape overflowed */
    bool is_object;
};

/*
 * The parser is one loop with an explicit stack rather than recursion: it is
 * the hot path of every scan, and this shape keeps the state in registers.
 * Depth is bounded by OT_JSON_MAX_DEPTH.
 */
bool ot_json_parse(const char *p, const char *end, struct ot_tape *t, bool *has_space,
                   const char **endp, struct ot_json_err *e)
{
    struct jp j = { .end = end, .e = e };
    struct frame stack[OT_JSON_MAX_DEPTH];
    unsigned depth = 0;
    bool space = false;
    const char *const base = p;
    struct ot_node sink, *n;
    uint32_t idx;

    t->count = 0;
    t->overflow = false;
    t->nomem = false;

value:
    if (p >= end) {
        return fail(&j, p, "value expected");
    }
    switch (*p) {
    case '"': {
        bool esc = false;
        n = node_new(t, &sink, OT_STRING, (uint32_t)(p + 1 - base), &idx);
        const char *q = scan_string(&j, p + 1, &esc);
        if (q == NULL) {
            return false;
        }
        n->len = (uint32_t)(q - base) - n->start;
        n->has_escape = esc;
        p = q + 1;
        goto after_value;
    }
    case '{':
    case '[': {
        bool is_obj = (*p == '{');
        if (depth >= OT_JSON_MAX_DEPTH) {
            return fail(&j, p, "nesting deeper than 128 levels");
        }
        node_new(t, &sink, is_obj ? OT_OBJECT : OT_ARRAY, (uint32_t)(p - base), &idx);
        stack[depth].node = idx;
        stack[depth].is_object = is_obj;
        depth++;
        p++;
        SKIP_WS();
        if (p < end && *p == (is_obj ? '}' : ']')) {
            goto close;
        }
        if (is_obj) {
            goto key;
        }
        goto value;
    }
    case 't':
    case 'f':
    case 'n': {
        const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t len = *p == 'f' ? 5 : 4;
        size_t have = (size_t)(end - p);
        if (memcmp(p, lit, have < len ? have : len) != 0) {
            return fail(&j, p,
                        "invalid literal (expected true, false, null, a number, a string, an "
                        "object or an array)");
        }
        if (have < len) {
            return fail(&j, end, "incomplete literal");
        }
        n = node_new(t, &sink,
                     *p == 't'   ? OT_TRUE
                     : *p == 'f' ? OT_FALSE
                                 : OT_NULL,
                     (uint32_t)(p - base), &idx);
        n->len = (uint32_t)len;
        p += len;
        goto after_value;
    }
    default: {
        if (*p != '-' && !(*p >= '0' && *p <= '9')) {
            return fail(&j, p, "unexpected character where a JSON value should start");
        }
        const char *q = scan_number(&j, p);
        if (q == NULL) {
            return false;
        }
        n = node_new(t, &sink, OT_NUMBER, (uint32_t)(p - base), &idx);
        n->len = (uint32_t)(q - p);
        p = q;
        goto after_value;
    }
    }

key:
    if (p >= end) {
        return fail(&j, p, "unterminated object");
    }
    if (*p != '"') {
        return fail(&j, p, "expected '\"' to start an object key");
    }
    {
        bool esc = false;
        n = node_new(t, &sink, OT_STRING, (uint32_t)(p + 1 - base), &idx);
        const char *q = scan_string(&j, p + 1, &esc);
        if (q == NULL) {
            return false;
        }
        n->len = (uint32_t)(q - base) - n->start;
        n->has_escape = esc;
        p = q + 1;
    }
    SKIP_WS();
    if (p >= end) {
        return fail(&j, p, "unterminated object");
    }
    if (*p != ':') {
        return fail(&j, p, "expected ':' after object key");
    }
    p++;
    SKIP_WS();
    goto value;

after_value:
    if (depth == 0) {
        *has_space = space;
        *endp = p;
        return true;
    }
    SKIP_WS();
    if (p >= end) {
        return fail(&j, p,
                    stack[depth - 1].is_object ? "unterminated object" : "unterminated array");
    }
    if (*p == ',') {
        p++;
        SKIP_WS();
        if (stack[depth - 1].is_object) {
            goto key;
        }
        goto value;
    }
    if (*p != (stack[depth - 1].is_object ? '}' : ']')) {
        return fail(&j, p,
                    stack[depth - 1].is_object ? "expected ',' or '}' in object"
                                               : "expected ',' or ']' in array");
    }
close:
    depth--;
    if (stack[depth].node != UINT32_MAX) {
        n = &t->nodes[stack[depth].node];
        n->len = (uint32_t)(p + 1 - base) - n->start;
        n->next = t->count;
    }
    p++;
    goto after_value;
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
