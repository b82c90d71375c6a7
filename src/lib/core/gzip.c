/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/gzip.c - whole-buffer gzip inflate with diagnosis of damaged input.
 *
 * The fast path is libdeflate on the whole member (several times zlib's
 * speed; inflate is most of a scan's time). libdeflate only says "bad data",
 * so when it refuses a member we run zlib over it to learn how far the good
 * data goes and why it stopped (truncated, corrupt, bad CRC): the caller can
 * then keep the records before the damage and report the damage precisely.
 * Several members are inflated one after another; the caller decides whether
 * that is an error (for CloudTrail log files it is: AWS writes one).
 */
#include <libdeflate.h>
#include <string.h>
#include <zlib.h>

#include "core/gzip.h"

#include "core/private.h"

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque; /* zlib's hook signature */
    return ot_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque; /* zlib's hook signature */
    ot_free(p);
}

/* Inflate one damaged member with zlib: append what it yields, note why it stopped. */
static ot_status salvage(const unsigned char *in, size_t in_n, size_t base, struct ot_buf *out,
                         struct ot_gunzip_info *info)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    z.zalloc = z_alloc;
    z.zfree = z_free;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return OT_E_NOMEM;
    }
    ot_status st = OT_OK;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = in_n > UINT32_MAX ? UINT32_MAX : (uInt)in_n;
    for (;;) {
        st = ot_buf_reserve(out, 65536 <= out->limit - out->len ? 65536 : out->limit - out->len);
        if (st != OT_OK) {
            break;
        }
        size_t room = out->cap - out->len - 1;
        if (room == 0) {
            st = OT_E_LIMIT;
            break;
        }
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        int rc = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        out->data[out->len] = '\0';
        if (rc == Z_STREAM_END) {
            /* zlib accepted what libdeflate refused: count it as a member */
            info->members++;
            break;
        }
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            info->truncated = true;
            break;
        }
        if (rc == Z_MEM_ERROR) {
            st = OT_E_NOMEM;
            break;
        }
        if (rc != Z_OK) {
            info->corrupt = true;
            info->zmsg = z.msg ? z.msg : "invalid data";
            break;
        }
    }
    info->damaged_at = base + (size_t)(z.next_in - in);
    (void)inflateEnd(&z); /* frees only */
    return st;
}

ot_status ot_gunzip(struct libdeflate_decompressor *d, const void *in, size_t in_n,
                    struct ot_buf *out, struct ot_gunzip_info *info)
{
    const unsigned char *p = in;
    size_t pos = 0;
    memset(info, 0, sizeof(*info));

    while (pos < in_n) {
        if (!ot_is_gzip(p + pos, in_n - pos)) {
            if (info->members == 0) {
                info->corrupt = true;
                info->zmsg = "not gzip data";
                info->damaged_at = pos;
            } else {
                info->trailing_at = pos;
            }
            return OT_OK;
        }
        /* ISIZE (last 4 bytes, mod 2^32) is exact for a single member: start there */
        size_t guess = 0;
        if (in_n - pos >= 18) {
            const unsigned char *t = p + in_n - 4;
            guess = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        }
        if (guess < (in_n - pos) * 2) {
            guess = (in_n - pos) * 4;
        }
        for (;;) {
            size_t room = out->limit - out->len;
            if (guess > room) {
                guess = room;
            }
            ot_status st = ot_buf_reserve(out, guess);
            if (st != OT_OK) {
                return st;
            }
            size_t used_in = 0, got = 0;
            enum libdeflate_result rc = libdeflate_gzip_decompress_ex(
                d, p + pos, in_n - pos, out->data + out->len, guess, &used_in, &got);
            if (rc == LIBDEFLATE_SUCCESS) {
                if (info->members == 0) {
                    info->first_member_in = used_in;
                    info->first_member_out = got;
                }
                info->members++;
                out->len += got;
                out->data[out->len] = '\0';
                pos += used_in;
                break;
            }
            if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
                if (guess >= room) {
                    return OT_E_LIMIT;
                }
                guess = guess > room / 2 ? room : guess * 2;
                continue;
            }
            /* bad data or short input: let zlib find out how much is good */
            return salvage(p + pos, in_n - pos, pos, out, info);
        }
    }
    return OT_OK;
}
