/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store_int.h - helpers the store shares with the prove stage.
 */
#ifndef OT_STORE_INT_H
#define OT_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opentrail/store.h"

/**
 * ot_durable_write() - write @n bytes to @tmp (created O_EXCL with @mode),
 * fsync it, move it to @dst (rename when @replace, else linkat so an existing
 * @dst is never overwritten: OT_E_USAGE with sys_errno EEXIST), and fsync the
 * folder. @tmp is gone afterwards whatever happened.
 */
/* A UTC calendar time. */
/* Lowercase hex of @n bytes into @out (2n + 1 bytes, NUL-terminated). */
void ot_hex(const unsigned char *p, size_t n, char *out);

ot_status ot_durable_write(const char *tmp, const char *dst, const void *p, size_t n, mode_t mode,
                           bool replace, struct ot_error *err);

#endif
