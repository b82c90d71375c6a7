/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/logfile.c - CloudTrail log files: the S3 key layout (spec 2.1) and
 * the builder that gathers compact records into {"Records":[...]}, gzips it
 * as one member (libdeflate level 6, mtime 0) and puts it on a backend.
 *
 * Stage: store. The SHA-256 a digest lists is taken over exactly the
 * uncompressed bytes written here, before compression.
 */
#include <libdeflate.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "opentrail/store.h"
#include "store/store_int.h"

#include "core/private.h"

static ot_status loc_head(const struct ot_trail_loc *loc, const char *kind, struct ot_buf *out)
{
    ot_status st = OT_OK;
    if (loc->prefix != NULL && loc->prefix[0] != '\0') {
        st = ot_buf_printf(out, "%s/", loc->prefix);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(out, "AWSLogs/");
    }
    if (st == OT_OK && loc->org_id != NULL && loc->org_id[0] != '\0') {
        st = ot_buf_printf(out, "%s/", loc->org_id);
    }
    if (st == OT_OK) {
        st = ot_buf_printf(out, "%s/%s/%s/", loc->account, kind, loc->region);
    }
    return st;
}

ot_status ot_logfile_prefix(const struct ot_trail_loc *loc, struct ot_buf *out)
{
    return loc_head(loc, "CloudTrail", out);
}

ot_status ot_digest_prefix(const struct ot_trail_loc *loc, struct ot_buf *out)
{
    return loc_head(loc, "CloudTrail-Digest", out);
}

ot_status ot_logfile_key(const struct ot_trail_loc *loc, int64_t delivery_ms, const char unique[16],
                         struct ot_buf *out)
{
    struct ot_civil c;
    ot_time_civil(delivery_ms, &c);
    int y = (int)(c.y % 10000);
    ot_status st = loc_head(loc, "CloudTrail", out);
    if (st == OT_OK) {
        st = ot_buf_printf(out,
                           "%04d/%02u/%02u/%s_CloudTrail_%s_%04d%02u%02uT%02u%02uZ_%.16s.json.gz",
                           y, c.m, c.d, loc->account, loc->region, y, c.m, c.d, c.hh, c.mi, unique);
    }
    return st;
}

ot_status ot_digest_key(const struct ot_trail_loc *loc, int64_t end_ms, struct ot_buf *out)
{
    struct ot_civil c;
    ot_time_civil(end_ms, &c);
    int y = (int)(c.y % 10000);
    ot_status st = loc_head(loc, "CloudTrail-Digest", out);
    if (st == OT_OK) {
        st = ot_buf_printf(out,
                           "%04d/%02u/%02u/%s_CloudTrail-Digest_%s_%s_%s_%04d%02u%02uT%02u%02u%02uZ"
                           ".json.gz",
                           y, c.m, c.d, loc->account, loc->region, loc->trail_name,
                           loc->home_region, y, c.m, c.d, c.hh, c.mi, c.ss);
    }
    return st;
}

ot_status ot_unique_string(char out[16], struct ot_error *err)
{
    static const char an[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[32];
    size_t k = 0;
    while (k < 16) {
        if (RAND_bytes(r, sizeof(r)) != 1) {
            return ot_fail(err, OT_E_IO, NULL, "no randomness for a file name");
        }
        for (size_t i = 0; i < sizeof(r) && k < 16; i++) {
            if (r[i] < 248) { /* 248 = 4 * 62: no modulo bias */
                out[k++] = an[r[i] % 62];
            }
        }
    }
    return OT_OK;
}

void ot_logfile_init(struct ot_logfile *lf, size_t max_bytes)
{
    lf->json = OT_BUF_INIT(max_bytes);
    lf->records = 0;
    lf->oldest_ms = INT64_MAX;
    lf->newest_ms = INT64_MIN;
}

ot_status ot_logfile_add(struct ot_logfile *lf, struct ot_sv record_json, int64_t event_ms)
{
    ot_status st = ot_buf_append(&lf->json, lf->records == 0 ? "{\"Records\":[" : ",",
                                 lf->records == 0 ? 12 : 1);
    if (st == OT_OK) {
        st = ot_buf_append(&lf->json, record_json.p, record_json.n);
    }
    if (st != OT_OK) {
        return st; /* the buffer was emptied: the caller drops the builder */
    }
    lf->records++;
    if (event_ms < lf->oldest_ms) {
        lf->oldest_ms = event_ms;
    }
    if (event_ms > lf->newest_ms) {
        lf->newest_ms = event_ms;
    }
    return OT_OK;
}

void ot_logfile_cleanup(struct ot_logfile *lf)
{
    ot_buf_cleanup(&lf->json);
    lf->records = 0;
}

ot_status ot_logfile_seal(struct ot_logfile *lf, const struct ot_backend *b,
                          const struct ot_trail_loc *loc, int64_t delivery_ms,
                          struct ot_logfile_info *info, struct ot_error *err)
{
    return ot_logfile_seal_at(lf, b, loc, NULL, delivery_ms, info, err);
}

ot_status ot_logfile_seal_at(struct ot_logfile *lf, const struct ot_backend *b,
                             const struct ot_trail_loc *loc, const char *at_key,
                             int64_t delivery_ms, struct ot_logfile_info *info,
                             struct ot_error *err)
{
    ot_status st = OT_OK;
    size_t limit = lf->json.limit;
    struct libdeflate_compressor *c = NULL;
    unsigned char *gz = NULL;
    struct ot_buf key = OT_BUF_INIT(4096);
    if (lf->records == 0) {
        st = ot_buf_append_cstr(&lf->json, "{\"Records\":[");
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&lf->json, "]}");
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, "lower the file size cap", "log file too large");
        goto out;
    }
    c = libdeflate_alloc_compressor(6);
    size_t bound = c ? libdeflate_gzip_compress_bound(c, lf->json.len) : 0;
    gz = bound ? ot_malloc(bound) : NULL;
    if (gz == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    size_t gz_n = libdeflate_gzip_compress(c, lf->json.data, lf->json.len, gz, bound);
    if (gz_n == 0) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "gzip failed");
        goto out;
    }
    if (at_key != NULL) {
        st = ot_buf_append_cstr(&key, at_key); /* buffers stay NUL-terminated */
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL, "key too long");
        }
    } else {
        char unique[16];
        st = ot_unique_string(unique, err);
        if (st == OT_OK) {
            st = ot_logfile_key(loc, delivery_ms, unique, &key);
            if (st != OT_OK) {
                st = ot_fail(err, st, NULL, "key too long");
            }
        }
    }
    if (st == OT_OK) {
        st = b->ops->put(b->be, loc->bucket, key.data, gz, gz_n, NULL, 0, err);
    }
    if (st != OT_OK) {
        goto out;
    }
    ot_sha256_hex(lf->json.data, lf->json.len, info->hash_hex);
    info->key = key.data;
    key = OT_BUF_INIT(0);
    info->oldest_ms = lf->oldest_ms;
    info->newest_ms = lf->newest_ms;
    info->delivery_ms = delivery_ms;
    info->bytes_json = lf->json.len;
    info->bytes_gz = gz_n;
    info->records = lf->records;
out:
    libdeflate_free_compressor(c);
    ot_free(gz);
    ot_buf_cleanup(&key);
    ot_logfile_cleanup(lf);
    ot_logfile_init(lf, limit);
    return st;
}
