/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/gzip.h - whole-buffer gzip inflate (libdeflate) with precise diagnosis
 * of damaged input (zlib), shared by the reader and the validator.
 */
#ifndef OT_CORE_GZIP_H
#define OT_CORE_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/core.h"

struct libdeflate_decompressor;

struct ot_gunzip_info {
    unsigned members;       /* complete gzip members inflated */
    size_t first_member_in; /* compressed bytes of member 1 */
    size_t first_member_out;
    size_t trailing_at; /* offset of bytes after the last member that are not gzip, else 0 */
    bool truncated;     /* the stream ended inside a member */
    bool corrupt;       /* bad deflate data, CRC or length */
    size_t damaged_at;  /* compressed offset where truncation or corruption was found */
    const char *zmsg;   /* zlib's word on the damage, static */
};

static inline bool ot_is_gzip(const void *p, size_t n)
{
    const unsigned char *b = p;
    return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/**
 * ot_gunzip() - inflate every member of @in into @out (appended; @out's limit
 * caps the size, OT_E_LIMIT past it). Damage is not an error here: what could
 * be inflated is in @out and @info says what was wrong, so callers can salvage
 * the records before the damage and still report it. Returns OT_E_NOMEM,
 * OT_E_LIMIT, or OT_OK.
 */
ot_status ot_gunzip(struct libdeflate_decompressor *d, const void *in, size_t in_n,
                    struct ot_buf *out, struct ot_gunzip_info *info);

#endif
