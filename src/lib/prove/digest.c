/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/digest.c - digest files: parse (any digest, AWS's or ours), write
 * with every field of spec 3.1 in AWS's order, the string to sign (spec 3.3)
 * and the chain (each digest names, hashes and copies the signature of its
 * predecessor; a starting digest has five JSON nulls).
 *
 * Stage: prove. Parsing goes through jansson, whose allocations are routed
 * through ot_malloc; a digest is at most OT_DIGEST_MAX_BYTES inflated.
 */
#include <errno.h>
#include <jansson.h>
#include <libdeflate.h>
#include <string.h>

#include "core/gzip.h"
#include "opentrail/prove.h"
#include "prove/prove_int.h"

#include "core/private.h"

static char *dup_str(json_t *v, bool *is_str)
{
    if (is_str != NULL) {
        *is_str = json_is_string(v);
    }
    if (!json_is_string(v)) {
        return NULL;
    }
    return ot_strndup(json_string_value(v), json_string_length(v));
}

/* Copy a field that must be a string or null; false only for memory. */
static bool take(json_t *o, const char *name, char **out, bool *is_str)
{
    json_t *v = json_object_get(o, name);
    *out = dup_str(v, is_str);
    return !json_is_string(v) || *out != NULL;
}

void ot_digest_free(struct ot_digest *d)
{
    if (d == NULL) {
        return;
    }
    char **f[] = { &d->account,       &d->start_time,    &d->end_time,      &d->bucket,
                   &d->object,        &d->fingerprint,   &d->sig_algorithm, &d->newest,
                   &d->oldest,        &d->prev_bucket,   &d->prev_object,   &d->prev_hash,
                   &d->prev_hash_alg, &d->prev_signature };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        ot_free(*f[i]);
    }
    for (size_t i = 0; i < d->nlogs; i++) {
        struct ot_digest_log *l = &d->logs[i];
        ot_free(l->bucket);
        ot_free(l->key);
        ot_free(l->hash_value);
        ot_free(l->hash_algorithm);
        ot_free(l->newest);
        ot_free(l->oldest);
    }
    ot_free(d->logs);
    ot_free(d);
}

ot_status ot_digest_parse(const void *json, size_t n, struct ot_digest **out, struct ot_error *err)
{
    ot_prove_json_alloc();
    json_error_t je;
    ot_status st = OT_OK;
    struct ot_digest *d = NULL;
    json_t *root = json_loadb(json, n, 0, &je);
    if (root == NULL && json_error_code(&je) == json_error_out_of_memory) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (root == NULL) {
        st = ot_fail(err, OT_E_PARSE, NULL, "digest is not JSON: %s", je.text);
        if (err != NULL) {
            err->line = je.line > 0 ? (unsigned)je.line : 0;
            err->col = je.column > 0 ? (unsigned)je.column : 0;
        }
        return st;
    }
    if (!json_is_object(root)) {
        st = ot_fail(err, OT_E_PARSE, NULL, "digest is not a JSON object");
        goto out;
    }
    d = ot_calloc(1, sizeof(*d));
    if (d == NULL) {
        goto nomem;
    }
    static const char *const required[] = {
        "digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object",
        "previousDigestSignature",    "digestEndTime",  "digestStartTime"
    };
    d->has_required = true;
    for (size_t i = 0; i < 6; i++) {
        if (json_object_get(root, required[i]) == NULL) {
            d->has_required = false;
        }
    }
    if (!take(root, "awsAccountId", &d->account, NULL) ||
        !take(root, "digestStartTime", &d->start_time, &d->start_is_str) ||
        !take(root, "digestEndTime", &d->end_time, &d->end_is_str) ||
        !take(root, "digestS3Bucket", &d->bucket, &d->bucket_is_str) ||
        !take(root, "digestS3Object", &d->object, &d->object_is_str) ||
        !take(root, "digestPublicKeyFingerprint", &d->fingerprint, &d->fp_is_str) ||
        !take(root, "digestSignatureAlgorithm", &d->sig_algorithm, NULL) ||
        !take(root, "newestEventTime", &d->newest, NULL) ||
        !take(root, "oldestEventTime", &d->oldest, NULL) ||
        !take(root, "previousDigestS3Bucket", &d->prev_bucket, NULL) ||
        !take(root, "previousDigestS3Object", &d->prev_object, NULL) ||
        !take(root, "previousDigestHashValue", &d->prev_hash, NULL) ||
        !take(root, "previousDigestHashAlgorithm", &d->prev_hash_alg, NULL) ||
        !take(root, "previousDigestSignature", &d->prev_signature, &d->prev_sig_is_str)) {
        goto nomem;
    }
    json_t *pb = json_object_get(root, "previousDigestS3Bucket");
    d->has_prev_bucket = pb != NULL && !json_is_null(pb);
    json_t *logs = json_object_get(root, "logFiles");
    d->has_log_files = json_is_array(logs);
    size_t nl = json_array_size(logs);
    if (nl > 1000000) {
        st = ot_fail(err, OT_E_LIMIT, NULL, "digest lists more than 1000000 log files");
        goto out;
    }
    if (nl > 0) {
        d->logs = ot_calloc(nl, sizeof(*d->logs));
        if (d->logs == NULL) {
            goto nomem;
        }
    }
    for (size_t i = 0; i < nl; i++) {
        json_t *e = json_array_get(logs, i);
        struct ot_digest_log *l = &d->logs[i];
        d->nlogs++;
        if (!take(e, "s3Bucket", &l->bucket, NULL) || !take(e, "s3Object", &l->key, NULL) ||
            !take(e, "hashValue", &l->hash_value, NULL) ||
            !take(e, "hashAlgorithm", &l->hash_algorithm, NULL) ||
            !take(e, "newestEventTime", &l->newest, NULL) ||
            !take(e, "oldestEventTime", &l->oldest, NULL)) {
            goto nomem;
        }
    }
    *out = d;
    d = NULL;
    goto out;
nomem:
    st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
out:
    ot_digest_free(d);
    json_decref(root);
    return st;
}

ot_status ot_digest_string_to_sign(const char *end_time, const char *bucket, const char *key,
                                   const char hash_hex[65], const char *prev_sig,
                                   struct ot_buf *out)
{
    /* "null" for a JSON null, to match the Java implementation (spec 3.3) */
    return ot_buf_printf(out, "%s\n%s/%s\n%s\n%s", end_time, bucket, key, hash_hex,
                         prev_sig != NULL ? prev_sig : "null");
}

static ot_status field(struct ot_buf *b, const char *name, const char *val, bool first)
{
    ot_status st = ot_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
    if (st != OT_OK) {
        return st;
    }
    if (val == NULL) {
        return ot_buf_append_cstr(b, "null");
    }
    return ot_buf_json_str(b, ot_sv_cstr(val));
}

void ot_chain_link_cleanup(struct ot_chain_link *l)
{
    ot_free(l->bucket);
    ot_free(l->key);
    ot_free(l->signature);
    *l = (struct ot_chain_link){ 0 };
}

ot_status ot_digest_write(const struct ot_backend *b, const struct ot_trail_loc *loc,
                          const struct ot_signer *signer, int64_t start_ms, int64_t end_ms,
                          const struct ot_logfile_info *logs, size_t nlogs,
                          struct ot_chain_link *prev, bool *has_prev, struct ot_error *err)
{
    struct ot_buf key = OT_BUF_INIT(4096), js = OT_BUF_INIT(SIZE_MAX), sts = OT_BUF_INIT(16384),
                  sig = OT_BUF_INIT(4096);
    char t_start[21], t_end[21], t1[21], t2[21], hash[65];
    ot_status st = ot_digest_key(loc, end_ms, &key);
    ot_time_iso(start_ms, t_start);
    ot_time_iso(end_ms, t_end);
    int64_t newest = INT64_MIN, oldest = INT64_MAX;
    for (size_t i = 0; i < nlogs; i++) {
        newest = logs[i].newest_ms > newest ? logs[i].newest_ms : newest;
        oldest = logs[i].oldest_ms < oldest ? logs[i].oldest_ms : oldest;
    }
    ot_time_iso(newest, t1);
    ot_time_iso(oldest, t2);
    bool p = *has_prev;
    if (st == OT_OK) {
        st = ot_buf_putc(&js, '{');
    }
    if (st == OT_OK) {
        st = field(&js, "awsAccountId", loc->account, true);
    }
    if (st == OT_OK) {
        st = field(&js, "digestStartTime", t_start, false);
    }
    if (st == OT_OK) {
        st = field(&js, "digestEndTime", t_end, false);
    }
    if (st == OT_OK) {
        st = field(&js, "digestS3Bucket", loc->bucket, false);
    }
    if (st == OT_OK) {
        st = field(&js, "digestS3Object", key.data, false);
    }
    if (st == OT_OK) {
        st = field(&js, "digestPublicKeyFingerprint", ot_signer_fingerprint(signer), false);
    }
    if (st == OT_OK) {
        st = field(&js, "digestSignatureAlgorithm", "SHA256withRSA", false);
    }
    if (st == OT_OK) {
        st = field(&js, "newestEventTime", nlogs ? t1 : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "oldestEventTime", nlogs ? t2 : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "previousDigestS3Bucket", p ? prev->bucket : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "previousDigestS3Object", p ? prev->key : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "previousDigestHashValue", p ? prev->hash_hex : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "previousDigestHashAlgorithm", p ? "SHA-256" : NULL, false);
    }
    if (st == OT_OK) {
        st = field(&js, "previousDigestSignature", p ? prev->signature : NULL, false);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&js, ",\"logFiles\":[");
    }
    for (size_t i = 0; st == OT_OK && i < nlogs; i++) {
        ot_time_iso(logs[i].newest_ms, t1);
        ot_time_iso(logs[i].oldest_ms, t2);
        st = ot_buf_append_cstr(&js, i ? ",{" : "{");
        if (st == OT_OK) {
            st = field(&js, "s3Bucket", loc->bucket, true);
        }
        if (st == OT_OK) {
            st = field(&js, "s3Object", logs[i].key, false);
        }
        if (st == OT_OK) {
            st = field(&js, "hashValue", logs[i].hash_hex, false);
        }
        if (st == OT_OK) {
            st = field(&js, "hashAlgorithm", "SHA-256", false);
        }
        if (st == OT_OK) {
            st = field(&js, "newestEventTime", t1, false);
        }
        if (st == OT_OK) {
            st = field(&js, "oldestEventTime", t2, false);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(&js, '}');
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&js, "]}");
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto out;
    }
    ot_sha256_hex(js.data, js.len, hash);
    st = ot_digest_string_to_sign(t_end, loc->bucket, key.data, hash, p ? prev->signature : NULL,
                                  &sts);
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto out;
    }
    st = ot_sign_hex(signer, sts.data, sts.len, &sig, err);
    if (st != OT_OK) {
        goto out;
    }
    /* gzip: one member, mtime 0 */
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    size_t bound = c ? libdeflate_gzip_compress_bound(c, js.len) : 0;
    unsigned char *gz = bound ? ot_malloc(bound) : NULL;
    size_t gz_n = gz ? libdeflate_gzip_compress(c, js.data, js.len, gz, bound) : 0;
    libdeflate_free_compressor(c);
    if (gz_n == 0) {
        ot_free(gz);
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    struct ot_meta meta[2] = { { "signature", sig.data },
                               { "signature-algorithm", "SHA256withRSA" } };
    st = b->ops->put(b->be, loc->bucket, key.data, gz, gz_n, meta, 2, err);
    ot_free(gz);
    if (st != OT_OK) {
        goto out;
    }
    char *nb = ot_strndup(loc->bucket, strlen(loc->bucket));
    if (nb == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    ot_chain_link_cleanup(prev);
    prev->bucket = nb;
    prev->key = key.data;
    prev->signature = sig.data;
    memcpy(prev->hash_hex, hash, 65);
    prev->end_ms = end_ms;
    key = OT_BUF_INIT(0);
    sig = OT_BUF_INIT(0);
    *has_prev = true;
out:
    ot_buf_cleanup(&key);
    ot_buf_cleanup(&js);
    ot_buf_cleanup(&sts);
    ot_buf_cleanup(&sig);
    return st;
}

/* ---- finding where a trail's chain ends --------------------------------- */

struct find_last {
    struct ot_buf name; /* "<acct>_CloudTrail-Digest_<region>_<name>_<home>_" */
    char *best;
    char best_date[17];
    bool nomem;
};

static bool on_digest_key(void *ctx, const char *key)
{
    struct find_last *f = ctx;
    size_t n = strlen(key);
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    size_t bn = strlen(base);
    /* <name><YYYYMMDDTHHMMSSZ>.json.gz, and not a backfill digest */
    if (bn != f->name.len + 16 + 8 || memcmp(base, f->name.data, f->name.len) != 0 ||
        strcmp(key + n - 8, ".json.gz") != 0) {
        return true;
    }
    const char *date = key + n - 24;
    if (f->best == NULL || memcmp(date, f->best_date, 16) > 0) {
        char *k = ot_strndup(key, n);
        if (k == NULL) {
            f->nomem = true;
            return false;
        }
        ot_free(f->best);
        f->best = k;
        memcpy(f->best_date, date, 16);
        f->best_date[16] = '\0';
    }
    return true;
}

ot_status ot_chain_find_last(const struct ot_backend *b, const struct ot_trail_loc *loc,
                             struct ot_chain_link *out, bool *found, struct ot_error *err)
{
    struct find_last f = { .name = OT_BUF_INIT(1024) };
    struct ot_buf prefix = OT_BUF_INIT(4096), gz = OT_BUF_INIT(64u << 20),
                  meta = OT_BUF_INIT(1u << 20), raw = OT_BUF_INIT(256u << 20);
    struct ot_digest *d = NULL;
    struct libdeflate_decompressor *dec = NULL;
    json_t *mj = NULL;
    ot_status st = ot_digest_prefix(loc, &prefix);
    if (st == OT_OK) {
        st = ot_buf_printf(&f.name, "%s_CloudTrail-Digest_%s_%s_%s_", loc->account, loc->region,
                           loc->trail_name, loc->home_region);
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto out;
    }
    *found = false;
    st = b->ops->list(b->be, loc->bucket, prefix.data, NULL, on_digest_key, &f, err);
    if (st == OT_OK && f.nomem) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (st != OT_OK || f.best == NULL) {
        goto out;
    }
    st = b->ops->get(b->be, loc->bucket, f.best, &gz, &meta, err);
    if (st != OT_OK) {
        goto out;
    }
    dec = libdeflate_alloc_decompressor();
    struct ot_gunzip_info gi;
    if (dec == NULL || ot_gunzip(dec, gz.data, gz.len, &raw, &gi) != OT_OK) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "cannot inflate the last digest");
        goto out;
    }
    if (gi.members != 1 || gi.trailing_at || gi.truncated || gi.corrupt) {
        st = ot_fail(err, OT_E_TAMPER, "run opentrail validate on this trail",
                     "the trail's newest digest is damaged; refusing to chain to it");
        goto out;
    }
    st = ot_digest_parse(raw.data, raw.len, &d, err);
    if (st != OT_OK) {
        goto out;
    }
    ot_prove_json_alloc();
    mj = json_loadb(meta.data, meta.len, 0, NULL);
    json_t *sig = json_object_get(mj, "signature");
    int64_t end_ms = 0;
    if (!json_is_string(sig) || d->end_time == NULL ||
        ot_time_parse_iso(ot_sv_cstr(d->end_time), &end_ms) != OT_OK) {
        st = ot_fail(err, OT_E_TAMPER, "run opentrail validate on this trail",
                     "the trail's newest digest has no signature or end time");
        goto out;
    }
    out->bucket = ot_strndup(loc->bucket, strlen(loc->bucket));
    out->key = f.best;
    f.best = NULL;
    out->signature = ot_strndup(json_string_value(sig), json_string_length(sig));
    if (out->bucket == NULL || out->signature == NULL) {
        ot_chain_link_cleanup(out);
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    ot_sha256_hex(raw.data, raw.len, out->hash_hex);
    out->end_ms = end_ms;
    *found = true;
out:
    if (st != OT_OK && f.best != NULL) {
        ot_error_at(err, "%s", f.best);
    }
    json_decref(mj);
    libdeflate_free_decompressor(dec);
    ot_digest_free(d);
    ot_free(f.best);
    ot_buf_cleanup(&f.name);
    ot_buf_cleanup(&prefix);
    ot_buf_cleanup(&gz);
    ot_buf_cleanup(&meta);
    ot_buf_cleanup(&raw);
    return st;
}
