/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/error.c - status strings and the ot_error record.
 *
 * The inner layer says what went wrong and how to fix it; the layer that
 * knows the file or key adds where (ot_error_at), and only if nobody did.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opentrail/core.h"

#include "core/private.h"

const char *ot_status_str(ot_status st)
{
    switch (st) { /* no default: -Wswitch flags a code without a message */
    case OT_OK:
        return "ok";
    case OT_E_NOMEM:
        return "out of memory";
    case OT_E_USAGE:
        return "invalid argument or configuration";
    case OT_E_PARSE:
        return "malformed input";
    case OT_E_LIMIT:
        return "input exceeds a size limit";
    case OT_E_IO:
        return "I/O error";
    case OT_E_NOSPC:
        return "no space left on the log volume";
    case OT_E_TAMPER:
        return "integrity check failed";
    case OT_E_RETRY:
        return "temporary failure, try again later";
    }
    return "unknown status";
}

ot_status ot_fail(struct ot_error *err, ot_status st, const char *fix, const char *fmt, ...)
{
    if (err == NULL) {
        return st;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err->what, sizeof(err->what), fmt, ap); /* truncation is fine */
    va_end(ap);
    (void)snprintf(err->fix, sizeof(err->fix), "%s", fix ? fix : "");
    err->where[0] = '\0';
    err->line = 0;
    err->col = 0;
    err->sys_errno = 0;
    return st;
}

void ot_error_at(struct ot_error *err, const char *fmt, ...)
{
    if (err == NULL || err->where[0] != '\0') {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err->where, sizeof(err->where), fmt, ap);
    va_end(ap);
}

void ot_error_clear(struct ot_error *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
}

void ot_error_format(const struct ot_error *err, char *out, unsigned long n)
{
    char pos[48] = "";
    if (err->line > 0 && err->col > 0) {
        (void)snprintf(pos, sizeof(pos), ":%u:%u", err->line, err->col);
    } else if (err->line > 0) {
        (void)snprintf(pos, sizeof(pos), ":%u", err->line);
    }
    const char *what = err->what[0] ? err->what : "unknown error";
    if (err->where[0] && err->fix[0]) {
        (void)snprintf(out, n, "%s%s: %s (%s)", err->where, pos, what, err->fix);
    } else if (err->where[0]) {
        (void)snprintf(out, n, "%s%s: %s", err->where, pos, what);
    } else if (err->fix[0]) {
        (void)snprintf(out, n, "%s (%s)", what, err->fix);
    } else {
        (void)snprintf(out, n, "%s", what);
    }
}
