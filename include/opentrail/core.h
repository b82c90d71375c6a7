/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h - the small pieces every stage shares: allocation, string views,
 * bounded growable buffers and checked number parsing.
 */
#ifndef OPENTRAIL_CORE_H
#define OPENTRAIL_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All allocation goes through these, so test builds can fail the Nth call. */
OT_API void *ot_malloc(size_t n);
OT_API void *ot_calloc(size_t count, size_t size);
OT_API void *ot_realloc(void *p, size_t n);
OT_API void ot_free(void *p);
OT_API char *ot_strndup(const char *s, size_t n);

/**
 * ot_alloc_fail_after() - test builds only: make allocation number @n (1-based,
 * counted from this call) and every later one fail; 0 turns failures off.
 * Returns false when the library was built without fail points.
 */
OT_API bool ot_alloc_fail_after(unsigned long n);

/* A borrowed view of bytes; not NUL-terminated. */
struct ot_sv {
    const char *p;
    size_t n;
};

#define OT_SV_LIT(s) ((struct ot_sv){ (s), sizeof(s) - 1 })

OT_API struct ot_sv ot_sv_cstr(const char *s);
OT_API bool ot_sv_eq(struct ot_sv a, struct ot_sv b);
OT_API bool ot_sv_eq_cstr(struct ot_sv a, const char *s);
OT_API bool ot_sv_has_prefix(struct ot_sv a, const char *prefix);
OT_API bool ot_sv_has_suffix(struct ot_sv a, const char *suffix);

/*
 * A growable byte buffer with a hard limit set at init. Any failed append
 * empties and frees it: nobody keeps half a value. data is NUL-terminated
 * after every successful append (the NUL is not counted in len).
 */
struct ot_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
};

#define OT_BUF_INIT(max_bytes) ((struct ot_buf){ NULL, 0, 0, (max_bytes) })

OT_API ot_status ot_buf_append(struct ot_buf *b, const void *src, size_t n);
OT_API ot_status ot_buf_append_cstr(struct ot_buf *b, const char *s);
OT_API ot_status ot_buf_putc(struct ot_buf *b, char c);
OT_API ot_status ot_buf_printf(struct ot_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make room for @n more bytes without changing len. */
OT_API ot_status ot_buf_reserve(struct ot_buf *b, size_t n);
OT_API void ot_buf_reset(struct ot_buf *b); /* len = 0, keeps the memory */
OT_API void ot_buf_cleanup(struct ot_buf *b);
OT_API struct ot_sv ot_buf_sv(const struct ot_buf *b);

/* Append @s as a JSON string literal, quotes included, escaping as RFC 8259 asks. */
OT_API ot_status ot_buf_json_str(struct ot_buf *b, struct ot_sv s);

/**
 * ot_parse_u64() - parse all of @s as a decimal unsigned integer not above @max.
 * Size suffixes K, M, G (powers of 1024) are accepted when @allow_suffix.
 * Returns OT_E_PARSE or OT_E_LIMIT without touching @out on failure.
 */
OT_API ot_status ot_parse_u64(struct ot_sv s, uint64_t max, bool allow_suffix, uint64_t *out);

/* A UTC calendar date and time. */
struct ot_civil {
    int64_t y;
    unsigned m, d, hh, mi, ss;
};

/* @ms (clamped to years 0000-9999) as a UTC calendar date and time. */
OT_API void ot_time_civil(int64_t ms, struct ot_civil *c);

/* "YYYY-MM-DDTHH:MM:SSZ" of @ms (UTC, seconds truncated) into @out[21]. */
OT_API void ot_time_iso(int64_t ms, char out[21]);

/**
 * ot_time_parse_iso() - "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an
 * optional "Z" or "+HH:MM" (the offset is ignored, as the AWS CLI replaces
 * it with UTC; CloudTrail's own times are always Z). OT_E_PARSE when @s is
 * anything else; @ms is then untouched.
 */
OT_API ot_status ot_time_parse_iso(struct ot_sv s, int64_t *ms);

#ifdef __cplusplus
}
#endif
#endif
