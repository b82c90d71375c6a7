/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/validate.c - `validate`: the AWS CLI's validate-logs traversal
 * (spec 3.6, CLI 2.9.19 source), its verdicts and lines, with log files
 * hashed in parallel, plus opentrail's own checks, marked "[opentrail]".
 *
 * Stage: prove. Order of work: (1) list the trail's digest keys in range,
 * (2) walk newest -> oldest, following previousDigestS3Object while digests
 * verify and falling back to the listing after a missing or invalid one,
 * exactly as DigestTraverser does, recording one item per line the CLI would
 * print; (3) hash every log file a valid digest lists, on @jobs threads;
 * (4) the extra checks: previousDigestHashValue and previousDigestSignature
 * against the older digest, log files in the tree that no digest lists, and a
 * chain that stops before the end of the range (the newest digests deleted).
 */
#include <errno.h>
#include <jansson.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gzip.h"
#include "opentrail/prove.h"
#include "prove/prove_int.h"

#include "core/private.h"

#define DIGEST_MAX_GZ   (64u << 20)
#define DIGEST_MAX_JSON (256u << 20)
#define LOG_MAX_JSON    ((size_t)2 << 30)

enum log_verdict {
    LV_VALID = 0,
    LV_NOT_FOUND,
    LV_FORMAT,
    LV_MISMATCH,
    LV_TRAILING,
    LV_SYSTEM,
    LV_SEALED_ALTERED, /* encrypted at rest and its GCM tag fails */
    LV_NOKEY,          /* encrypted with a KEK we do not have: stops the run */
};

struct logtask {
    size_t item;
    const char *bucket, *key, *hash; /* borrowed from the item / digest copies */
    char *hash_copy;
    enum log_verdict v;
    uint64_t bytes;
};

struct strs {
    char **v;
    size_t n, cap;
};

struct window {
    int64_t s, e;
};

struct vctx {
    const struct ot_backend *b;
    const struct ot_keyring *keys;
    const struct ot_validate_opts *o;
    struct ot_validate_result *res;
    struct ot_error *err;
    char *account, *name, *home, *src;
    struct ot_trail_loc loc;
    struct ot_buf dprefix, dname; /* digest prefix, "<acct>_CloudTrail-Digest_<src>_<n>_<h>_" */
    char end_plus_1h[17], start_fmt[17];
    struct strs listing;     /* digest keys in range, oldest first; used as a stack */
    struct strs bf_listing;  /* the same for backfill digests (2026 CLI) */
    bool backfill;           /* the backfill pass is running */
    char listed_bucket[256]; /* the bucket the listings are of */
    struct logtask *tasks;
    size_t ntasks, tasks_cap;
    struct strs listed; /* every log key a parsed digest lists (extra check) */
    struct window *win;
    size_t nwin, win_cap;
    char newest_listed[17];
    struct libdeflate_decompressor *dec;
    bool nomem;
    atomic_bool nokey;         /* a log file sealed with a KEK we do not have */
    struct ot_error nokey_err; /* written by the worker that set nokey */
};

/* ---- small helpers ---------------------------------------------------- */

static ot_status strs_push(struct strs *s, const char *p)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        char **nv = ot_realloc(s->v, nc * sizeof(*nv));
        if (nv == NULL) {
            return OT_E_NOMEM;
        }
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n] = ot_strndup(p, strlen(p));
    if (s->v[s->n] == NULL) {
        return OT_E_NOMEM;
    }
    s->n++;
    return OT_OK;
}

static void strs_cleanup(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        ot_free(s->v[i]);
    }
    ot_free(s->v);
    *s = (struct strs){ 0 };
}

static struct ot_vitem *add_item(struct vctx *c, enum ot_vitem_kind kind, bool valid,
                                 const char *bucket, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static struct ot_vitem *add_item(struct vctx *c, enum ot_vitem_kind kind, bool valid,
                                 const char *bucket, const char *key, const char *fmt, ...)
{
    struct ot_validate_result *r = c->res;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct ot_vitem *nv = ot_realloc(r->items, nc * sizeof(*nv));
        if (nv == NULL) {
            c->nomem = true;
            return NULL;
        }
        r->items = nv;
        r->cap = nc;
    }
    struct ot_vitem *it = &r->items[r->n];
    *it = (struct ot_vitem){ .kind = kind, .valid = valid };
    if (fmt != NULL) {
        struct ot_buf m = OT_BUF_INIT(1 << 16);
        va_list ap;
        va_start(ap, fmt);
        char tmp[4096];
        (void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (ot_buf_append_cstr(&m, tmp) != OT_OK) {
            c->nomem = true;
            return NULL;
        }
        it->message = m.data;
    }
    it->bucket = bucket ? ot_strndup(bucket, strlen(bucket)) : NULL;
    it->key = key ? ot_strndup(key, strlen(key)) : NULL;
    if ((bucket && !it->bucket) || (key && !it->key)) {
        ot_free(it->bucket);
        ot_free(it->key);
        ot_free(it->message);
        c->nomem = true;
        return NULL;
    }
    r->n++;
    return it;
}

static const char *pass_tag(const struct vctx *c)
{
    return c->backfill ? "(backfill) " : "";
}

static void count_digest(struct vctx *c, bool valid)
{
    struct ot_validate_result *r = c->res;
    if (c->backfill) {
        *(valid ? &r->valid_backfill : &r->invalid_backfill) += 1;
    } else {
        *(valid ? &r->valid_digests : &r->invalid_digests) += 1;
    }
}

static void invalid_digest(struct vctx *c, const char *bucket, const char *key, const char *why)
{
    count_digest(c, false);
    (void)add_item(c, OT_VI_DIGEST, false, bucket, key, "%sDigest file\ts3://%s/%s\tINVALID: %s",
                   pass_tag(c), bucket, key, why);
}

static bool is_backfill_key(const char *key)
{
    size_t n = strlen(key);
    return n >= 17 && strcmp(key + n - 17, "_backfill.json.gz") == 0;
}

/* The key's timestamp: key[-24:-8], or key[-33:-17] for a backfill digest. */
static const char *key_date_str(const char *key)
{
    size_t n = strlen(key);
    size_t back = is_backfill_key(key) ? 33 : 24;
    return n >= back ? key + n - back : NULL;
}

static bool key_date(const char *key, int64_t *ms)
{
    const char *d = key_date_str(key); /* YYYYMMDDTHHMMSSZ */
    if (d == NULL) {
        return false;
    }
    char iso[21];
    if (d[8] != 'T' || d[15] != 'Z') {
        return false;
    }
    (void)snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6, d + 9,
                   d + 11, d + 13);
    return ot_time_parse_iso(ot_sv_cstr(iso), ms) == OT_OK;
}

static void fmt_key_date(int64_t ms, char out[17])
{
    char iso[21];
    ot_time_iso(ms, iso);
    (void)snprintf(out, 17, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
                   iso + 17);
}

/* ---- (1) the listing -------------------------------------------------- */

static bool all_digits_dir(const char **p)
{
    const char *s = *p;
    if (*s < '0' || *s > '9') {
        return false;
    }
    while (*s >= '0' && *s <= '9') {
        s++;
    }
    if (*s != '/') {
        return false;
    }
    *p = s + 1;
    return true;
}

/* The CLI's regex: prefix \d+/\d+/\d+/<acct>_CloudTrail-Digest_<src>_<name>_<home>_.+\.json\.gz */
static bool is_trail_digest(const struct vctx *c, const char *key)
{
    if (strncmp(key, c->dprefix.data, c->dprefix.len) != 0) {
        return false;
    }
    const char *p = key + c->dprefix.len;
    if (!all_digits_dir(&p) || !all_digits_dir(&p) || !all_digits_dir(&p)) {
        return false;
    }
    size_t n = strlen(p);
    if (strchr(p, '\n') != NULL || strncmp(p, c->dname.data, c->dname.len) != 0 ||
        n < c->dname.len + 1 + 8 || strcmp(p + n - 8, ".json.gz") != 0) {
        return false;
    }
    return key_date_str(key) != NULL;
}

static bool on_list(void *ctx, const char *key)
{
    struct vctx *c = ctx;
    if (!is_trail_digest(c, key)) {
        return true;
    }
    const char *d = key_date_str(key);
    if (strncmp(d, c->end_plus_1h, 16) > 0) {
        return false; /* lexicographic stop, as the CLI */
    }
    if (strncmp(d, c->start_fmt, 16) >= 0) {
        /* backfill digests form their own chain, validated in a second pass (2026 CLI) */
        bool bf = is_backfill_key(key);
        if (strs_push(bf ? &c->bf_listing : &c->listing, key) != OT_OK) {
            c->nomem = true;
            return false;
        }
        if (!bf) {
            memcpy(c->newest_listed, d, 16);
            c->newest_listed[16] = '\0';
        }
    }
    return true;
}

static ot_status load_listing(struct vctx *c, const char *bucket)
{
    struct ot_buf marker = OT_BUF_INIT(4096);
    strs_cleanup(&c->listing);
    strs_cleanup(&c->bf_listing);
    struct ot_trail_loc l = c->loc;
    l.bucket = bucket;
    (void)snprintf(c->listed_bucket, sizeof(c->listed_bucket), "%s", bucket);
    ot_status st = ot_digest_key(&l, c->o->start_ms - OT_MINUTE_MS, &marker);
    if (st != OT_OK) {
        ot_buf_cleanup(&marker);
        return ot_fail(c->err, st, NULL, "digest key too long");
    }
    st = c->b->ops->list(c->b->be, bucket, c->dprefix.data, marker.data, on_list, c, c->err);
    ot_buf_cleanup(&marker);
    if (st == OT_OK && c->nomem) {
        st = ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory");
    }
    return st;
}

/* _get_last_digest: pop the newest listed key, or the newest older than @before. */
static char *pop_digest(struct vctx *c, const char *before, int64_t *date)
{
    int64_t before_ms = 0;
    if (before != NULL && !key_date(before, &before_ms)) {
        before_ms = INT64_MIN;
    }
    struct strs *l = c->backfill ? &c->bf_listing : &c->listing;
    while (l->n > 0) {
        char *k = l->v[--l->n];
        int64_t d;
        if (!key_date(k, &d)) {
            ot_free(k);
            continue;
        }
        if (before == NULL || d < before_ms) {
            *date = d;
            return k;
        }
        ot_free(k);
    }
    return NULL;
}

static void extra(struct vctx *c, const char *bucket, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- (2) one digest --------------------------------------------------- */

enum dverdict { DV_VALID, DV_MISSING, DV_INVALID };

static const struct ot_pubkey *find_key(const struct vctx *c, const char *fp)
{
    for (size_t i = 0; i < c->keys->n; i++) {
        if (strcmp(c->keys->v[i].fingerprint, fp) == 0) {
            return &c->keys->v[i];
        }
    }
    return NULL;
}

struct loaded {
    struct ot_digest *d;
    char hash[65];
    char *signature;
};

static void loaded_cleanup(struct loaded *l)
{
    ot_digest_free(l->d);
    ot_free(l->signature);
    *l = (struct loaded){ 0 };
}

static enum dverdict load_digest(struct vctx *c, const char *bucket, const char *key,
                                 struct loaded *out, ot_status *fatal)
{
    struct ot_buf gz = OT_BUF_INIT(DIGEST_MAX_GZ), meta = OT_BUF_INIT(1u << 20),
                  raw = OT_BUF_INIT(DIGEST_MAX_JSON), sts = OT_BUF_INIT(1u << 20);
    struct ot_error e2;
    enum dverdict v = DV_INVALID;
    json_t *mj = NULL;
    ot_error_clear(&e2);
    ot_status st = c->b->ops->get(c->b->be, bucket, key, &gz, &meta, &e2);
    if (st == OT_E_IO && e2.sys_errno == ENOENT) {
        v = DV_MISSING;
        goto out;
    }
    if (st == OT_E_TAMPER) {
        /* encrypted at rest, and its bytes do not authenticate */
        invalid_digest(c, bucket, key,
                       "signature verification failed (encrypted at rest, and its "
                       "authentication tag fails: altered on disk)");
        goto out;
    }
    if (st == OT_E_NOMEM || (st != OT_OK && st != OT_E_LIMIT)) {
        *fatal = st;
        *c->err = e2;
        goto out;
    }
    struct ot_gunzip_info gi;
    if (st != OT_OK || ot_gunzip(c->dec, gz.data, gz.len, &raw, &gi) != OT_OK || gi.members == 0) {
        invalid_digest(c, bucket, key, "invalid format");
        goto out;
    }
    raw.len = gi.first_member_out; /* zlib.decompress keeps member 1 */
    ot_prove_json_alloc();
    if (ot_digest_parse(raw.data, raw.len, &out->d, &e2) != OT_OK) {
        invalid_digest(c, bucket, key, "invalid format");
        goto out;
    }
    mj = json_loadb(meta.data, meta.len, 0, NULL);
    json_t *sig = json_object_get(mj, "signature");
    json_t *alg = json_object_get(mj, "signature-algorithm");
    if (sig == NULL || alg == NULL) {
        invalid_digest(c, bucket, key, "signature verification failed");
        goto out;
    }
    if (c->backfill && json_object_get(mj, "backfill-generation-timestamp") == NULL) {
        invalid_digest(c, bucket, key, "invalid format");
        goto out;
    }
    struct ot_digest *d = out->d;
    if (!d->has_required) {
        invalid_digest(c, bucket, key, "invalid format");
        goto out;
    }
    if (!d->bucket_is_str || !d->object_is_str || strcmp(d->bucket, bucket) != 0 ||
        strcmp(d->object, key) != 0) {
        invalid_digest(c, bucket, key, "has been moved from its original location");
        goto out;
    }
    const struct ot_pubkey *pk = d->fp_is_str ? find_key(c, d->fingerprint) : NULL;
    if (pk == NULL) {
        char why[512];
        (void)snprintf(why, sizeof(why), "public key not found in region %s for fingerprint %s",
                       c->home, d->fp_is_str ? d->fingerprint : "None");
        invalid_digest(c, bucket, key, why);
        goto out;
    }
    ot_sha256_hex(raw.data, raw.len, out->hash);
    if (!json_is_string(sig) || !d->end_is_str ||
        ot_digest_string_to_sign(d->end_time, d->bucket, d->object, out->hash,
                                 d->prev_sig_is_str ? d->prev_signature : NULL, &sts) != OT_OK) {
        invalid_digest(c, bucket, key, "signature verification failed");
        goto out;
    }
    st = ot_verify_hex(pk->der, pk->der_len, sts.data, sts.len,
                       (struct ot_sv){ json_string_value(sig), json_string_length(sig) }, &e2);
    if (st == OT_E_PARSE) {
        char why[512];
        (void)snprintf(why, sizeof(why), "Unable to load PKCS #1 key with fingerprint %s",
                       d->fingerprint);
        invalid_digest(c, bucket, key, why);
        goto out;
    }
    if (st != OT_OK) {
        invalid_digest(c, bucket, key, "signature verification failed");
        goto out;
    }
    int64_t t;
    if (!d->start_is_str || ot_time_parse_iso(ot_sv_cstr(d->start_time), &t) != OT_OK ||
        ot_time_parse_iso(ot_sv_cstr(d->end_time), &t) != OT_OK) {
        invalid_digest(c, bucket, key, "invalid format");
        goto out;
    }
    /* extra: the key must have been valid when it signed (an hour of grace for
     * AWS's overlapping windows); the CLI only asks that the key be listed */
    if (c->o->extra_checks &&
        ((pk->valid_from_ms != INT64_MIN && t < pk->valid_from_ms - OT_HOUR_MS) ||
         (pk->valid_to_ms != INT64_MAX && t > pk->valid_to_ms + OT_HOUR_MS))) {
        char a[21] = "-", b[21] = "-";
        if (pk->valid_from_ms != INT64_MIN) {
            ot_time_iso(pk->valid_from_ms, a);
        }
        if (pk->valid_to_ms != INT64_MAX) {
            ot_time_iso(pk->valid_to_ms, b);
        }
        extra(c, bucket, key,
              "%sDigest file\ts3://%s/%s\tINVALID [opentrail]: signed by key %s outside its "
              "validity (%s to %s)",
              pass_tag(c), bucket, key, pk->fingerprint, a, b);
    }
    out->signature = ot_strndup(json_string_value(sig), json_string_length(sig));
    if (out->signature == NULL) {
        c->nomem = true;
        goto out;
    }
    v = DV_VALID;
out:
    if (v != DV_VALID) {
        /* keep the parsed digest of an invalid one only for the listed-keys check */
        if (out->d != NULL && c->o->extra_checks) {
            for (size_t i = 0; i < out->d->nlogs; i++) {
                if (out->d->logs[i].key != NULL && strs_push(&c->listed, out->d->logs[i].key)) {
                    c->nomem = true;
                }
            }
        }
        loaded_cleanup(out);
    }
    json_decref(mj);
    ot_buf_cleanup(&gz);
    ot_buf_cleanup(&meta);
    ot_buf_cleanup(&raw);
    ot_buf_cleanup(&sts);
    return v;
}

static ot_status add_logs(struct vctx *c, const struct ot_digest *d)
{
    for (size_t i = 0; i < d->nlogs; i++) {
        const struct ot_digest_log *l = &d->logs[i];
        if (c->ntasks == c->tasks_cap) {
            size_t nc = c->tasks_cap ? c->tasks_cap * 2 : 256;
            struct logtask *nv = ot_realloc(c->tasks, nc * sizeof(*nv));
            if (nv == NULL) {
                return OT_E_NOMEM;
            }
            c->tasks = nv;
            c->tasks_cap = nc;
        }
        const char *bk = l->bucket ? l->bucket : "None";
        const char *ky = l->key ? l->key : "None";
        struct ot_vitem *it = add_item(c, OT_VI_LOG, true, bk, ky, NULL);
        if (it == NULL) {
            return OT_E_NOMEM;
        }
        struct logtask *t = &c->tasks[c->ntasks];
        *t = (struct logtask){ .item = c->res->n - 1, .bucket = it->bucket, .key = it->key };
        if (l->hash_value != NULL) {
            t->hash_copy = ot_strndup(l->hash_value, strlen(l->hash_value));
            if (t->hash_copy == NULL) {
                return OT_E_NOMEM;
            }
        }
        t->hash = t->hash_copy;
        if (l->bucket == NULL || l->key == NULL) {
            t->v = LV_FORMAT;
            t->bucket = NULL; /* not fetched */
        }
        c->ntasks++;
        if (c->o->extra_checks && l->key != NULL && strs_push(&c->listed, l->key) != OT_OK) {
            return OT_E_NOMEM;
        }
    }
    return OT_OK;
}

static void track_found(struct vctx *c, const struct ot_digest *d)
{
    int64_t s = 0, e = 0;
    (void)ot_time_parse_iso(ot_sv_cstr(d->start_time), &s); /* checked in load_digest */
    (void)ot_time_parse_iso(ot_sv_cstr(d->end_time), &e);
    struct ot_validate_result *r = c->res;
    if (s > c->o->start_ms) { /* the 2.9.19 rule, quirk included (spec 3.7) */
        r->found_start_ms = s;
        r->found_start_set = true;
    }
    if (!r->found_end_set) {
        r->found_end_ms = e < c->o->end_ms ? e : c->o->end_ms;
        r->found_end_set = true;
    }
    if (c->o->extra_checks) {
        if (c->nwin == c->win_cap) {
            size_t nc = c->win_cap ? c->win_cap * 2 : 64;
            struct window *nv = ot_realloc(c->win, nc * sizeof(*nv));
            if (nv == NULL) {
                c->nomem = true;
                return;
            }
            c->win = nv;
            c->win_cap = nc;
        }
        c->win[c->nwin++] = (struct window){ s, e };
    }
}

static void extra(struct vctx *c, const char *bucket, const char *key, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->res->extra_findings++;
    (void)add_item(c, OT_VI_EXTRA, false, bucket, key, "%s", msg);
}

static ot_status walk_chain(struct vctx *c)
{
    const char *bucket0 = c->o->bucket;
    char *bucket = ot_strndup(bucket0, strlen(bucket0));
    char *key = NULL;
    int64_t last_start = 0;
    struct loaded newer = { 0 }; /* the digest whose previousDigest* we follow */
    bool following = false;
    ot_status st = bucket ? OT_OK : OT_E_NOMEM;
    /* the listing is loaded once for both passes, unless a chain changed buckets */
    if (st == OT_OK && (!c->backfill || strcmp(c->listed_bucket, bucket0) != 0)) {
        st = load_listing(c, bucket);
    }
    if (st != OT_OK) {
        goto out;
    }
    if (c->keys->n == 0) {
        char a[21], b[21];
        ot_time_iso(c->o->start_ms, a);
        ot_time_iso(c->o->end_ms, b);
        st = ot_fail(c->err, OT_E_USAGE, "give --keys (opentrail keys export, or AWS's keys)",
                     "No public keys found between %s and %s", a, b);
        goto out;
    }
    key = pop_digest(c, NULL, &last_start);
    while (key != NULL && c->o->start_ms <= last_start && !c->nomem) {
        struct loaded cur = { 0 };
        ot_status fatal = OT_OK;
        enum dverdict v = load_digest(c, bucket, key, &cur, &fatal);
        if (fatal != OT_OK) {
            st = fatal;
            ot_error_at(c->err, "s3://%s/%s", bucket, key);
            goto out;
        }
        int64_t kd = 0;
        bool expired = false;
        for (size_t i = 0; v == DV_MISSING && i < c->o->nexpired && key_date(key, &kd); i++) {
            expired = c->o->expired[i].from_ms <= kd && kd <= c->o->expired[i].to_ms;
            if (expired) {
                break;
            }
        }
        if (expired) {
            c->res->expired_digests++;
            (void)add_item(c, OT_VI_EXPIRED, true, bucket, key,
                           "Digest file\ts3://%s/%s\texpired by lifecycle rule [opentrail]", bucket,
                           key);
        } else if (v == DV_MISSING) {
            count_digest(c, false);
            (void)add_item(c, OT_VI_DIGEST, false, bucket, key,
                           "%sDigest file\ts3://%s/%s\tINVALID: not found", pass_tag(c), bucket,
                           key);
        }
        if (v != DV_VALID) {
            loaded_cleanup(&newer);
            following = false;
            int64_t d;
            char *next = pop_digest(c, key, &d);
            ot_free(key);
            key = next;
            continue;
        }
        /* extra: the link the newer digest claims */
        if (following && c->o->extra_checks) {
            if (newer.d->prev_hash == NULL || strcmp(newer.d->prev_hash, cur.hash) != 0) {
                extra(c, bucket, newer.d->object,
                      "Digest file\ts3://%s/%s\tINVALID [opentrail]: previousDigestHashValue "
                      "does not match the SHA-256 of s3://%s/%s",
                      newer.d->bucket, newer.d->object, bucket, key);
            }
            if (newer.d->prev_signature == NULL ||
                strcmp(newer.d->prev_signature, cur.signature) != 0) {
                extra(c, bucket, newer.d->object,
                      "Digest file\ts3://%s/%s\tINVALID [opentrail]: previousDigestSignature "
                      "does not match the signature of s3://%s/%s",
                      newer.d->bucket, newer.d->object, bucket, key);
            }
        }
        count_digest(c, true);
        (void)add_item(c, OT_VI_DIGEST, true, cur.d->bucket, cur.d->object,
                       "%sDigest file\ts3://%s/%s\tvalid", pass_tag(c), cur.d->bucket,
                       cur.d->object);
        track_found(c, cur.d);
        (void)ot_time_parse_iso(ot_sv_cstr(cur.d->start_time), &last_start);
        st = add_logs(c, cur.d);
        if (st != OT_OK) {
            loaded_cleanup(&cur);
            st = ot_fail(c->err, st, NULL, "out of memory");
            goto out;
        }
        loaded_cleanup(&newer);
        if (!cur.d->has_prev_bucket) {
            int64_t d;
            char *next = pop_digest(c, key, &d);
            if (next != NULL) {
                char a[21], b[21];
                ot_time_iso(d, a);
                ot_time_iso(last_start, b);
                (void)add_item(c, OT_VI_GAP, false, NULL, NULL,
                               "%sNo log files were delivered by CloudTrail between %s and %s",
                               pass_tag(c), a, b);
                c->res->items[c->res->n - 1].gap_from_ms = d;
                c->res->items[c->res->n - 1].gap_to_ms = last_start;
            }
            ot_free(key);
            key = next;
            following = false;
            loaded_cleanup(&cur);
            continue;
        }
        char *next =
            cur.d->prev_object ? ot_strndup(cur.d->prev_object, strlen(cur.d->prev_object)) : NULL;
        if (cur.d->prev_object != NULL && next == NULL) {
            loaded_cleanup(&cur);
            c->nomem = true;
            break;
        }
        if (cur.d->prev_bucket != NULL && strcmp(cur.d->prev_bucket, bucket) != 0) {
            ot_free(bucket);
            bucket = ot_strndup(cur.d->prev_bucket, strlen(cur.d->prev_bucket));
            st = bucket ? load_listing(c, bucket) : OT_E_NOMEM;
            if (st != OT_OK) {
                ot_free(next);
                loaded_cleanup(&cur);
                goto out;
            }
        }
        ot_free(key);
        key = next;
        newer = cur;
        following = true;
    }
    if (c->nomem) {
        st = ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory");
    }
out:
    loaded_cleanup(&newer);
    ot_free(key);
    ot_free(bucket);
    return st;
}

/* ---- (3) log files, in parallel ---------------------------------------- */

struct pool {
    struct vctx *c;
    atomic_size_t next;
    atomic_bool nomem;
};

static void hash_one(struct vctx *c, struct libdeflate_decompressor *dec, struct ot_buf *gz,
                     struct ot_buf *raw, struct logtask *t)
{
    struct ot_error e2;
    ot_error_clear(&e2);
    ot_buf_reset(gz);
    ot_buf_reset(raw);
    ot_status st = c->b->ops->get(c->b->be, t->bucket, t->key, gz, NULL, &e2);
    if (st == OT_E_IO && e2.sys_errno == ENOENT) {
        t->v = LV_NOT_FOUND;
        return;
    }
    if (st == OT_E_NOMEM) {
        t->v = LV_SYSTEM;
        return;
    }
    if (st == OT_E_TAMPER) {
        t->v = LV_SEALED_ALTERED;
        return;
    }
    if (st == OT_E_USAGE && e2.sys_errno == ENOKEY) {
        t->v = LV_NOKEY;
        if (!atomic_exchange(&c->nokey, true)) {
            c->nokey_err = e2; /* the first one; read after the workers are joined */
        }
        return;
    }
    if (st != OT_OK) {
        t->v = LV_FORMAT;
        return;
    }
    struct ot_gunzip_info gi;
    st = ot_gunzip(dec, gz->data, gz->len, raw, &gi);
    if (st == OT_E_NOMEM) {
        t->v = LV_SYSTEM;
        return;
    }
    if (st != OT_OK || (gi.members == 0 && !gi.truncated)) {
        t->v = LV_FORMAT; /* zlib raised: not gzip, or corrupt data */
        return;
    }
    /* the CLI streams member 1 only; a truncated member hashes what came out */
    size_t n = gi.members > 0 ? gi.first_member_out : raw->len;
    char h[65];
    ot_sha256_hex(raw->data, n, h);
    t->bytes = n;
    if (t->hash == NULL || strcmp(h, t->hash) != 0) {
        t->v = LV_MISMATCH;
    } else if (gi.members > 1 || gi.trailing_at != 0 || gi.truncated || gi.corrupt) {
        t->v = LV_TRAILING; /* the 2026 CLI's check */
    } else {
        t->v = LV_VALID;
    }
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct vctx *c = p->c;
    struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
    struct ot_buf gz = OT_BUF_INIT(LOG_MAX_JSON), raw = OT_BUF_INIT(LOG_MAX_JSON);
    if (dec == NULL) {
        atomic_store(&p->nomem, true);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= c->ntasks) {
            break;
        }
        struct logtask *t = &c->tasks[i];
        if (t->bucket != NULL) {
            hash_one(c, dec, &gz, &raw, t);
        }
        if (t->v == LV_SYSTEM) {
            atomic_store(&p->nomem, true);
        }
    }
    ot_buf_cleanup(&gz);
    ot_buf_cleanup(&raw);
    libdeflate_free_decompressor(dec);
    return NULL;
}

static ot_status hash_logs(struct vctx *c)
{
    struct pool p = { .c = c };
    atomic_init(&p.next, 0);
    atomic_init(&p.nomem, false);
    unsigned jobs = c->o->jobs ? c->o->jobs : 1;
    if (jobs > 64) {
        jobs = 64;
    }
    if (jobs > c->ntasks) {
        jobs = c->ntasks ? (unsigned)c->ntasks : 1;
    }
    pthread_t th[64];
    unsigned started = 0;
    for (unsigned i = 1; i < jobs; i++) {
        if (pthread_create(&th[started], NULL, worker, &p) != 0) {
            break; /* fewer threads: the rest is done by those that run */
        }
        started++;
    }
    (void)worker(&p);
    for (unsigned i = 0; i < started; i++) {
        (void)pthread_join(th[i], NULL); /* the workers return nothing */
    }
    if (atomic_load(&p.nomem)) {
        return ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory hashing log files");
    }
    if (atomic_load(&c->nokey)) {
        *c->err = c->nokey_err; /* a verdict without the key would be a guess */
        return OT_E_USAGE;
    }
    for (size_t i = 0; i < c->ntasks; i++) {
        struct logtask *t = &c->tasks[i];
        struct ot_vitem *it = &c->res->items[t->item];
        const char *why = NULL;
        switch (t->v) {
        case LV_VALID:
            break;
        case LV_NOT_FOUND:
            why = "not found";
            break;
        case LV_FORMAT:
        case LV_SYSTEM:
            why = "invalid format";
            break;
        case LV_MISMATCH:
            why = "hash value doesn't match";
            break;
        case LV_TRAILING:
            why = "unexpected data after end of compressed stream";
            break;
        case LV_SEALED_ALTERED:
        case LV_NOKEY:
            why = "hash value doesn't match (encrypted at rest, and its authentication tag "
                  "fails: altered on disk)";
            break;
        }
        char msg[4096];
        if (why == NULL) {
            c->res->valid_logs++;
            (void)snprintf(msg, sizeof(msg), "Log file\ts3://%s/%s\tvalid", it->bucket, it->key);
        } else {
            c->res->invalid_logs++;
            it->valid = false;
            (void)snprintf(msg, sizeof(msg), "Log file\ts3://%s/%s\tINVALID: %s", it->bucket,
                           it->key, why);
        }
        c->res->bytes_hashed += t->bytes;
        it->message = ot_strndup(msg, strlen(msg));
        if (it->message == NULL) {
            return ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    return OT_OK;
}

/* ---- (4) opentrail's extra checks -------------------------------------- */

static int cmp_win(const void *a, const void *b)
{
    const struct window *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct logscan {
    struct vctx *c;
    struct ot_buf base; /* "<acct>_CloudTrail_<src>_" */
    struct strs unlisted;
};

static bool on_log_key(void *ctx, const char *key)
{
    struct logscan *s = ctx;
    struct vctx *c = s->c;
    const char *b = strrchr(key, '/');
    b = b ? b + 1 : key;
    /* <acct>_CloudTrail_<src>_YYYYMMDDTHHMMZ_<16>.json.gz */
    size_t bn = strlen(b);
    if (bn != s->base.len + 14 + 1 + 16 + 8 || strncmp(b, s->base.data, s->base.len) != 0) {
        return true;
    }
    const char *t = b + s->base.len;
    char iso[21];
    (void)snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", t, t + 4, t + 6, t + 9,
                   t + 11);
    int64_t m;
    if (t[8] != 'T' || t[13] != 'Z' || ot_time_parse_iso(ot_sv_cstr(iso), &m) != OT_OK) {
        return true;
    }
    bool covered = false;
    for (size_t i = 0; i < c->nwin && !covered; i++) {
        covered = c->win[i].s <= m && m + OT_MINUTE_MS <= c->win[i].e;
    }
    if (!covered) {
        return true;
    }
    const char *k = key;
    if (bsearch(&k, c->listed.v, c->listed.n, sizeof(char *), cmp_str) == NULL &&
        strs_push(&s->unlisted, key) != OT_OK) {
        c->nomem = true;
        return false;
    }
    return true;
}

static ot_status extra_checks(struct vctx *c)
{
    ot_status st = OT_OK;
    struct logscan s = { .c = c, .base = OT_BUF_INIT(1024) };
    struct ot_buf prefix = OT_BUF_INIT(4096);
    /* a chain that stops an hour or more before the end of the range */
    int64_t newest = 0;
    if (c->newest_listed[0] != '\0') {
        char k[64];
        (void)snprintf(k, sizeof(k), "%s.json.gz", c->newest_listed);
        if (key_date(k, &newest)) {
            int64_t limit = c->o->end_ms;
            if (!c->o->end_given && c->o->now_ms - 15 * OT_MINUTE_MS < limit) {
                limit = c->o->now_ms - 15 * OT_MINUTE_MS; /* the next digest may be on its way */
            }
            if (newest + OT_HOUR_MS <= limit) {
                char a[21], b[21];
                ot_time_iso(newest, a);
                ot_time_iso(c->o->end_ms, b);
                extra(c, NULL, NULL,
                      "Digest files\tINVALID [opentrail]: the newest digest ends at %s, but a "
                      "trail that was logging has a digest for every hour up to %s: digests "
                      "after %s are missing (deleted?)",
                      a, b, a);
            }
        }
    }
    /* log files in the tree that no digest lists */
    if (c->nwin > 1) {
        qsort(c->win, c->nwin, sizeof(*c->win), cmp_win);
        size_t w = 0;
        for (size_t i = 1; i < c->nwin; i++) {
            if (c->win[i].s <= c->win[w].e) {
                c->win[w].e = c->win[i].e > c->win[w].e ? c->win[i].e : c->win[w].e;
            } else {
                c->win[++w] = c->win[i];
            }
        }
        c->nwin = w + 1;
    }
    if (c->listed.n > 1) {
        qsort(c->listed.v, c->listed.n, sizeof(char *), cmp_str);
    }
    st = ot_logfile_prefix(&c->loc, &prefix);
    if (st == OT_OK) {
        st = ot_buf_printf(&s.base, "%s_CloudTrail_%s_", c->account, c->src);
    }
    if (st != OT_OK) {
        st = ot_fail(c->err, st, NULL, "out of memory");
        goto out;
    }
    if (c->nwin > 0) {
        st = c->b->ops->list(c->b->be, c->o->bucket, prefix.data, NULL, on_log_key, &s, c->err);
        if (st == OT_OK && c->nomem) {
            st = ot_fail(c->err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    for (size_t i = 0; st == OT_OK && i < s.unlisted.n; i++) {
        extra(c, c->o->bucket, s.unlisted.v[i],
              "Log file\ts3://%s/%s\tINVALID [opentrail]: in the bucket inside the time a valid "
              "digest covers, but listed in no digest (inserted?)",
              c->o->bucket, s.unlisted.v[i]);
    }
out:
    strs_cleanup(&s.unlisted);
    ot_buf_cleanup(&s.base);
    ot_buf_cleanup(&prefix);
    return st;
}

/* ---- entry ------------------------------------------------------------ */

static char *arn_part(const char *arn, int field, const char *end_at)
{
    const char *p = arn;
    for (int i = 0; i < field; i++) {
        p = strchr(p, ':');
        if (p == NULL) {
            return NULL;
        }
        p++;
    }
    const char *e = strpbrk(p, end_at);
    size_t n = e ? (size_t)(e - p) : strlen(p);
    return ot_strndup(p, n);
}

void ot_validate_result_cleanup(struct ot_validate_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        ot_free(res->items[i].bucket);
        ot_free(res->items[i].key);
        ot_free(res->items[i].message);
    }
    ot_free(res->items);
    *res = (struct ot_validate_result){ 0 };
}

static bool arn_ok(const char *arn)
{
    /* arn:.+:cloudtrail:.+:\d{12}:trail/.+ */
    const char *p = strstr(arn, ":cloudtrail:");
    if (strncmp(arn, "arn:", 4) != 0 || p == NULL || p == arn + 3) {
        return false;
    }
    const char *t = strstr(arn, ":trail/");
    if (t == NULL || t[7] == '\0' || t - arn < 13) {
        return false;
    }
    for (const char *d = t - 12; d < t; d++) {
        if (*d < '0' || *d > '9') {
            return false;
        }
    }
    return t[-13] == ':' && t - 13 > p + 11;
}

ot_status ot_validate(const struct ot_backend *b, const struct ot_keyring *keys,
                      const struct ot_validate_opts *o, struct ot_validate_result *res,
                      struct ot_error *err)
{
    struct vctx c = { .b = b, .keys = keys, .o = o, .res = res, .err = err };
    *res = (struct ot_validate_result){ 0 };
    /* the CLI's found start defaults to the requested start */
    res->found_start_ms = o->start_ms;
    res->found_start_set = true;
    ot_status st = OT_OK;
    if (o->trail_arn == NULL || !arn_ok(o->trail_arn)) {
        return ot_fail(err, OT_E_USAGE,
                       "use arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME (12-digit account)",
                       "Invalid trail ARN provided: %s", o->trail_arn ? o->trail_arn : "");
    }
    if (o->bucket == NULL || o->bucket[0] == '\0') {
        return ot_fail(err, OT_E_USAGE, "give --s3-bucket", "no bucket given");
    }
    if (o->start_ms > o->end_ms) {
        return ot_fail(err, OT_E_USAGE, "give a --start-time before --end-time",
                       "Invalid time range specified: start-time must occur before end-time");
    }
    const char *slash = strrchr(o->trail_arn, '/');
    c.name = ot_strndup(slash + 1, strlen(slash + 1));
    c.home = arn_part(o->trail_arn, 3, ":");
    c.account = o->account_id ? ot_strndup(o->account_id, strlen(o->account_id))
                              : arn_part(o->trail_arn, 4, ":");
    c.src = o->source_region ? ot_strndup(o->source_region, strlen(o->source_region))
                             : arn_part(o->trail_arn, 3, ":");
    c.dprefix = OT_BUF_INIT(4096);
    c.dname = OT_BUF_INIT(4096);
    c.dec = libdeflate_alloc_decompressor();
    if (c.name == NULL || c.home == NULL || c.account == NULL || c.src == NULL || c.dec == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    c.loc = (struct ot_trail_loc){ .bucket = o->bucket,
                                   .prefix = o->prefix,
                                   .org_id = o->org_id,
                                   .account = c.account,
                                   .region = c.src,
                                   .trail_name = c.name,
                                   .home_region = c.home };
    fmt_key_date(o->start_ms, c.start_fmt);
    fmt_key_date(o->end_ms + OT_HOUR_MS, c.end_plus_1h);
    st = ot_digest_prefix(&c.loc, &c.dprefix);
    if (st == OT_OK) {
        st = ot_buf_printf(&c.dname, "%s_CloudTrail-Digest_%s_%s_%s_", c.account, c.src, c.name,
                           c.home);
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "trail names too long");
        goto out;
    }
    st = walk_chain(&c);
    if (st == OT_OK) {
        c.backfill = true; /* the 2026 CLI's second pass */
        st = walk_chain(&c);
        c.backfill = false;
    }
    if (st == OT_OK) {
        st = hash_logs(&c);
    }
    if (st == OT_OK && o->extra_checks) {
        st = extra_checks(&c);
    }
    if (st == OT_OK && c.nomem) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
out:
    for (size_t i = 0; i < c.ntasks; i++) {
        ot_free(c.tasks[i].hash_copy);
    }
    ot_free(c.tasks);
    ot_free(c.win);
    strs_cleanup(&c.listing);
    strs_cleanup(&c.bf_listing);
    strs_cleanup(&c.listed);
    ot_buf_cleanup(&c.dprefix);
    ot_buf_cleanup(&c.dname);
    libdeflate_free_decompressor(c.dec);
    ot_free(c.name);
    ot_free(c.home);
    ot_free(c.account);
    ot_free(c.src);
    if (st != OT_OK) {
        ot_validate_result_cleanup(res);
    }
    return st;
}
