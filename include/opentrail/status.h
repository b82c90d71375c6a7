/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h - the status codes and the error record every library call uses.
 *
 * Codes are few, stable and append-only: logs and JSON carry their numbers.
 * Detail goes into struct ot_error (what, where, how to fix), never into more
 * codes. The CLI maps codes onto exit statuses in one place (src/cli/main.c).
 */
#ifndef OPENTRAIL_STATUS_H
#define OPENTRAIL_STATUS_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OT_API __attribute__((visibility("default")))

typedef enum ot_status {
    OT_OK = 0,
    OT_E_NOMEM = 1,  /* out of memory */
    OT_E_USAGE = 2,  /* invalid argument or configuration */
    OT_E_PARSE = 3,  /* malformed input */
    OT_E_LIMIT = 4,  /* input exceeds a size limit */
    OT_E_IO = 5,     /* I/O error */
    OT_E_NOSPC = 6,  /* log volume is full */
    OT_E_TAMPER = 7, /* digest, signature or chain does not verify */
    OT_E_RETRY = 8,  /* temporary failure, try again later */
} ot_status;

/* Filled only on failure. Each part is one line a user can act on. */
struct ot_error {
    int sys_errno;      /* errno behind OT_E_IO or OT_E_NOSPC, else 0 */
    char what[256];     /* "invalid JSON: expected ',' or ']'" */
    char where[256];    /* a path, object key, config key or request id */
    unsigned line, col; /* 1-based position inside @where, 0 if none */
    char fix[192];      /* "re-export the file; ..." */
};

/**
 * ot_status_str() - a short constant description of @st. Never NULL.
 */
OT_API const char *ot_status_str(ot_status st);

/**
 * ot_fail() - fill @err (may be NULL) with @st's message and return @st.
 * @fix: how to fix it, or NULL. The message is formatted from @fmt.
 * @where is cleared: the layer that knows the file adds it with ot_error_at().
 */
OT_API ot_status ot_fail(struct ot_error *err, ot_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * ot_error_at() - set @err->where unless an inner layer already did.
 */
OT_API void ot_error_at(struct ot_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * ot_error_clear() - reset @err to "no error".
 */
OT_API void ot_error_clear(struct ot_error *err);

/**
 * ot_error_format() - one line: "where: what (fix)" into @out of @n bytes.
 */
OT_API void ot_error_format(const struct ot_error *err, char *out, unsigned long n);

#ifdef __cplusplus
}
#endif
#endif
