/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keep/keep.c - lifecycle rules on the local store: plan, run, the
 * retention lock and the record of expired ranges.
 *
 * Stage: keep. The hot tier is <data>/buckets/<bucket>/<key>, the archive
 * tier <data>/archive/<bucket>/<key>; the local backend reads both
 * (ot_store_local_set_archive), so validate passes across tiers. A
 * transition links the object (sidecar first) into the archive, fsyncs, and
 * only then unlinks it from the hot tier: a crash leaves it in one tier or
 * both (same inode), and a rerun finishes. Expiry writes the range to
 * <state>/expired.json first, then deletes log files, then their digest, so
 * a crash never leaves a digest whose logs are gone without a record of why.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gzip.h"
#include "opentrail/keep.h"
#include "opentrail/limits.h"
#include "opentrail/prove.h"
#include "store/store_int.h"

#include "core/private.h"

#define PATH_BYTES 4096

static const char *const class_names[] = { "STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE" };
static const char *const class_prices[] = { "s3.storage.standard_ia", "s3.storage.glacier_ir",
                                            "s3.storage.glacier_flexible",
                                            "s3.storage.deep_archive" };

const char *ot_keep_class_name(int c)
{
    return c >= 0 && c < OT_KEEP_CLASS_COUNT ? class_names[c] : "?";
}

const char *ot_keep_class_price_id(int c)
{
    return c >= 0 && c < OT_KEEP_CLASS_COUNT ? class_prices[c] : "s3.storage.standard";
}

static ot_status sys_fail(struct ot_error *err, int e, const char *what, const char *path)
{
    ot_status st = ot_fail(err, (e == ENOSPC || e == EDQUOT) ? OT_E_NOSPC : OT_E_IO, NULL, "%s: %s",
                           what, strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

/* ..._YYYYMMDDTHHMMZ_<16>.json.gz (log) or ..._YYYYMMDDTHHMMSSZ.json.gz (digest) */
bool ot_keep_key_time(const char *key, int64_t *ms)
{
    const char *b = strrchr(key, '/');
    b = b ? b + 1 : key;
    size_t n = strlen(b);
    char iso[21];
    const char *t = NULL;
    bool secs = false;
    if (n > 8 + 16 + 8 && strcmp(b + n - 8, ".json.gz") == 0) {
        const char *u = b + n - 8 - 16 - 1; /* '_' before the unique string */
        if (u - b >= 15 && *u == '_' && u[-1] == 'Z' && u[-15] == '_') {
            t = u - 14; /* YYYYMMDDTHHMMZ */
        } else if (n >= 8 + 16 && b[n - 8 - 1] == 'Z' && b[n - 8 - 17] == '_') {
            t = b + n - 8 - 16;
            secs = true;
        }
    }
    if (t == NULL || t[8] != 'T') {
        return false;
    }
    (void)snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", t, t + 4, t + 6, t + 9,
                   t + 11, secs ? t + 13 : "00");
    return ot_time_parse_iso(ot_sv_cstr(iso), ms) == OT_OK;
}

static bool is_digest_key(const char *key)
{
    return strstr(key, "/CloudTrail-Digest/") != NULL;
}

static const struct ot_keep_rule *rule_for(const struct ot_keep_rule *rules, size_t n,
                                           const char *key, size_t *idx)
{
    const struct ot_keep_rule *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t pn = strlen(rules[i].prefix);
        if (strncmp(key, rules[i].prefix, pn) == 0 && (best == NULL || pn > strlen(best->prefix))) {
            best = &rules[i];
            *idx = i;
        }
    }
    return best;
}

/* ---- the object list ---------------------------------------------------- */

struct obj {
    char *key;
    bool archived;
    uint64_t bytes;
    int64_t delivery_ms;
};

struct objs {
    struct obj *v;
    size_t n, cap;
};

static void objs_cleanup(struct objs *o)
{
    for (size_t i = 0; i < o->n; i++) {
        ot_free(o->v[i].key);
    }
    ot_free(o->v);
    *o = (struct objs){ 0 };
}

static ot_status walk(const char *dir, char *rel, size_t rel_n, bool archived, struct objs *o,
                      unsigned depth)
{
    if (depth > OT_TREE_MAX_DEPTH) {
        return OT_OK;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? OT_OK : OT_E_IO;
    }
    ot_status st = OT_OK;
    struct dirent *e;
    while (st == OT_OK && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        size_t nn = strlen(nm);
        char path[PATH_BYTES];
        struct stat sb;
        if (nm[0] == '.' || rel_n + nn + 2 >= PATH_BYTES ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, nm) >= sizeof(path) ||
            lstat(path, &sb) != 0) {
            continue;
        }
        memcpy(rel + rel_n, nm, nn + 1);
        if (S_ISDIR(sb.st_mode)) {
            rel[rel_n + nn] = '/';
            rel[rel_n + nn + 1] = '\0';
            st = walk(path, rel, rel_n + nn + 1, archived, o, depth + 1);
        } else if (S_ISREG(sb.st_mode) && !(nn >= 10 && strcmp(nm + nn - 10, ".meta.json") == 0)) {
            if (o->n == o->cap) {
                size_t nc = o->cap ? o->cap * 2 : 256;
                struct obj *nv =
                    nc > OT_KEEP_MAX_OBJECTS ? NULL : ot_realloc(o->v, nc * sizeof(*nv));
                if (nv == NULL) {
                    st = nc > OT_KEEP_MAX_OBJECTS ? OT_E_LIMIT : OT_E_NOMEM;
                    break;
                }
                o->v = nv;
                o->cap = nc;
            }
            struct obj *x = &o->v[o->n];
            x->key = ot_strndup(rel, rel_n + nn);
            if (x->key == NULL) {
                st = OT_E_NOMEM;
                break;
            }
            x->archived = archived;
            x->bytes = (uint64_t)sb.st_size;
            if (!ot_keep_key_time(x->key, &x->delivery_ms)) {
                x->delivery_ms = (int64_t)sb.st_mtim.tv_sec * 1000;
            }
            o->n++;
        }
        rel[rel_n] = '\0';
    }
    (void)closedir(d); /* read-only */
    return st;
}

static int cmp_obj(const void *a, const void *b)
{
    const struct obj *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (int)x->archived - (int)y->archived; /* hot first */
}

static int cmp_obj_key(const void *a, const void *b)
{
    return strcmp(((const struct obj *)a)->key, ((const struct obj *)b)->key);
}

struct s3_walk {
    struct objs *o;
    ot_status st;
};

static bool on_s3_obj(void *ctx, const struct ot_obj_info *i)
{
    struct s3_walk *w = ctx;
    struct objs *o = w->o;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 256;
        struct obj *nv = nc > OT_KEEP_MAX_OBJECTS ? NULL : ot_realloc(o->v, nc * sizeof(*nv));
        if (nv == NULL) {
            w->st = nc > OT_KEEP_MAX_OBJECTS ? OT_E_LIMIT : OT_E_NOMEM;
            return false;
        }
        o->v = nv;
        o->cap = nc;
    }
    struct obj *x = &o->v[o->n];
    x->key = ot_strndup(i->key, strlen(i->key));
    if (x->key == NULL) {
        w->st = OT_E_NOMEM;
        return false;
    }
    x->archived = strcmp(i->storage_class, "STANDARD") != 0;
    x->bytes = i->bytes;
    if (!ot_keep_key_time(x->key, &x->delivery_ms)) {
        x->delivery_ms = i->modified_ms;
    }
    o->n++;
    return true;
}

static ot_status list_objects(const struct ot_keep_store *s, const char *bucket, struct objs *o,
                              struct ot_error *err)
{
    char dir[PATH_BYTES], rel[PATH_BYTES] = "";
    ot_status st = OT_OK;
    if (s->backend != NULL) {
        struct s3_walk w = { .o = o, .st = OT_OK };
        st = ot_store_s3_list_info(s->backend, bucket, "", on_s3_obj, &w, err);
        if (st == OT_OK && w.st != OT_OK) {
            st = ot_fail(err, w.st, w.st == OT_E_LIMIT ? "split the bucket" : NULL,
                         "cannot list bucket %s", bucket);
        }
        return st; /* ListObjectsV2 answers in key order, each key once */
    }
    for (int tier = 0; tier < 2 && st == OT_OK; tier++) {
        const char *root = tier ? s->archive_root : s->hot_root;
        if (root == NULL) {
            continue;
        }
        (void)snprintf(dir, sizeof(dir), "%s/%s", root, bucket);
        rel[0] = '\0';
        st = walk(dir, rel, 0, tier == 1, o, 0);
    }
    if (st != OT_OK) {
        return ot_fail(err, st, st == OT_E_LIMIT ? "split the bucket" : NULL,
                       "cannot list bucket %s", bucket);
    }
    if (o->n > 1) {
        qsort(o->v, o->n, sizeof(*o->v), cmp_obj);
    }
    /* an object in both tiers (a transition cut short) counts once, as hot */
    size_t w = o->n ? 1 : 0;
    for (size_t i = 1; i < o->n; i++) {
        if (strcmp(o->v[i].key, o->v[w - 1].key) == 0) {
            ot_free(o->v[i].key);
        } else {
            o->v[w++] = o->v[i];
        }
    }
    o->n = w;
    return OT_OK;
}

static struct obj *find_obj(const struct objs *o, const char *key)
{
    struct obj k = { .key = (char *)key };
    return bsearch(&k, o->v, o->n, sizeof(*o->v), cmp_obj_key);
}

/* ---- the plan ----------------------------------------------------------- */

static ot_status plan_push(struct ot_keep_plan *p, const struct obj *x, int action, bool digest,
                           size_t rule)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        struct ot_keep_item *nv = ot_realloc(p->v, nc * sizeof(*nv));
        if (nv == NULL) {
            return OT_E_NOMEM;
        }
        p->v = nv;
        p->cap = nc;
    }
    struct ot_keep_item *it = &p->v[p->n];
    it->key = ot_strndup(x->key, strlen(x->key));
    if (it->key == NULL) {
        return OT_E_NOMEM;
    }
    it->action = action;
    it->is_digest = digest;
    it->archived = x->archived;
    it->bytes = x->bytes;
    it->delivery_ms = x->delivery_ms;
    it->rule = rule;
    p->n++;
    return OT_OK;
}

/* The log keys @digest_key lists (owned strings into @logs). */
static ot_status digest_logs(const struct ot_backend *b, struct libdeflate_decompressor *dec,
                             const char *bucket, const char *digest_key, struct ot_digest **out,
                             struct ot_error *err)
{
    struct ot_buf gz = OT_BUF_INIT(64u << 20), raw = OT_BUF_INIT(256u << 20);
    struct ot_gunzip_info gi;
    ot_status st = b->ops->get(b->be, bucket, digest_key, &gz, NULL, err);
    if (st == OT_OK && (ot_gunzip(dec, gz.data, gz.len, &raw, &gi) != OT_OK || gi.members == 0 ||
                        gi.corrupt || gi.truncated)) {
        st = ot_fail(err, OT_E_TAMPER, "run opentrail validate on this trail first",
                     "digest is not readable gzip");
    }
    if (st == OT_OK) {
        st = ot_digest_parse(raw.data, gi.first_member_out, out, err);
    }
    if (st != OT_OK) {
        ot_error_at(err, "s3://%s/%s", bucket, digest_key);
    }
    ot_buf_cleanup(&gz);
    ot_buf_cleanup(&raw);
    return st;
}

static void range_add(struct ot_keep_range *r, int64_t from, int64_t to)
{
    if (r->digests + r->logs == 0 || from < r->from_ms) {
        r->from_ms = from;
    }
    if (r->digests + r->logs == 0 || to > r->to_ms) {
        r->to_ms = to;
    }
}

/* Due to expire at @now_ms under @r: past ExpireAfterDays and the lock. */
static bool due_expire(const struct ot_keep_rule *r, int64_t delivery_ms, int64_t now_ms)
{
    uint64_t days = r->expire_days > r->retain_days ? r->expire_days : r->retain_days;
    return r->expire_days > 0 && now_ms - delivery_ms >= (int64_t)days * OT_DAY_MS;
}

struct planner {
    const struct ot_keep_store *s;
    const char *bucket;
    const struct ot_keep_rule *rules;
    size_t nrules;
    int64_t now_ms;
    struct objs objs;
    char *doomed; /* per object: 1 = expires with a digest */
    struct ot_backend b;
    struct libdeflate_decompressor *dec;
};

/* Mark the logs of each due digest; a digest whose logs are not all due (or gone) waits. */
static ot_status plan_digests(struct planner *pl, struct ot_keep_plan *p, bool *any_digest,
                              struct ot_error *err)
{
    ot_status st = OT_OK;
    for (size_t i = 0; st == OT_OK && i < pl->objs.n; i++) {
        const struct obj *x = &pl->objs.v[i];
        size_t ri = 0;
        if (!is_digest_key(x->key)) {
            continue;
        }
        *any_digest = true;
        const struct ot_keep_rule *r = rule_for(pl->rules, pl->nrules, x->key, &ri);
        if (r == NULL || !due_expire(r, x->delivery_ms, pl->now_ms)) {
            continue;
        }
        struct ot_digest *d = NULL;
        st = digest_logs(&pl->b, pl->dec, pl->bucket, x->key, &d, err);
        if (st != OT_OK) {
            break;
        }
        bool all_due = true;
        for (size_t k = 0; k < d->nlogs && all_due; k++) {
            const struct obj *lx = d->logs[k].key ? find_obj(&pl->objs, d->logs[k].key) : NULL;
            size_t lri = 0;
            const struct ot_keep_rule *lr =
                lx ? rule_for(pl->rules, pl->nrules, lx->key, &lri) : NULL;
            all_due = lx == NULL || (lr != NULL && due_expire(lr, lx->delivery_ms, pl->now_ms));
        }
        for (size_t k = 0; k < d->nlogs && all_due; k++) {
            const struct obj *lx = d->logs[k].key ? find_obj(&pl->objs, d->logs[k].key) : NULL;
            if (lx != NULL) {
                pl->doomed[lx - pl->objs.v] = 1;
            }
        }
        if (all_due) {
            int64_t start = x->delivery_ms - OT_HOUR_MS, end = x->delivery_ms;
            if (d->start_time != NULL) {
                (void)ot_time_parse_iso(ot_sv_cstr(d->start_time), &start);
            }
            range_add(&p->range, start, end);
            p->range.digests++;
            pl->doomed[i] = 2;
        }
        ot_digest_free(d);
    }
    return st;
}

ot_status ot_keep_plan_make(const struct ot_keep_store *s, const char *bucket,
                            const struct ot_keep_rule *rules, size_t nrules, int64_t now_ms,
                            struct ot_keep_plan *out, struct ot_error *err)
{
    struct ot_keep_plan p = { 0 };
    struct planner pl = {
        .s = s, .bucket = bucket, .rules = rules, .nrules = nrules, .now_ms = now_ms
    };
    bool any_digest = false;
    (void)snprintf(p.bucket, sizeof(p.bucket), "%s", bucket);
    ot_status st = list_objects(s, bucket, &pl.objs, err);
    if (st == OT_OK) {
        pl.doomed = ot_calloc(pl.objs.n + 1, 1);
        pl.dec = libdeflate_alloc_decompressor();
        if (pl.doomed == NULL || pl.dec == NULL) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    if (st == OT_OK && s->backend != NULL) {
        pl.b = *s->backend; /* borrowed: not closed below */
    } else if (st == OT_OK) {
        st = ot_store_local_open(s->hot_root, &pl.b, err);
        if (st == OT_OK && s->archive_root != NULL) {
            st = ot_store_local_set_archive(&pl.b, s->archive_root, err);
        }
        if (st == OT_OK) {
            st = ot_store_local_encrypt(&pl.b, s->ring, false, err);
        }
    }
    if (st == OT_OK) {
        st = plan_digests(&pl, &p, &any_digest, err);
    }
    /* transitions first; then expiry, log files before the digests that list them */
    for (int pass = 0; st == OT_OK && pass < 3; pass++) {
        for (size_t i = 0; st == OT_OK && i < pl.objs.n; i++) {
            const struct obj *x = &pl.objs.v[i];
            size_t ri = 0;
            const struct ot_keep_rule *r = rule_for(rules, nrules, x->key, &ri);
            bool digest = is_digest_key(x->key);
            if (r == NULL) {
                continue;
            }
            bool due = due_expire(r, x->delivery_ms, now_ms);
            bool expires = digest ? pl.doomed[i] == 2 : due && (pl.doomed[i] == 1 || !any_digest);
            if (pass == 0 && !expires && !x->archived && r->transition_days > 0 &&
                now_ms - x->delivery_ms >= (int64_t)r->transition_days * OT_DAY_MS) {
                st = plan_push(&p, x, OT_KEEP_TRANSITION, digest, ri) == OT_OK
                         ? OT_OK
                         : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                if (st == OT_OK) {
                    p.v[p.n - 1].storage_class = r->storage_class;
                }
                p.transitions++;
                p.transition_bytes += x->bytes;
                p.transition_bytes_by_class[r->storage_class] += x->bytes;
            } else if (pass == 1 && !digest && due && !expires) {
                p.held++; /* its digest is not due yet: they go together */
            } else if ((pass == 1 && !digest && expires) || (pass == 2 && digest && expires)) {
                st = plan_push(&p, x, OT_KEEP_EXPIRE, digest, ri) == OT_OK
                         ? OT_OK
                         : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                p.expiries++;
                p.expiry_bytes += x->bytes;
                *(x->archived ? &p.expiry_archive_bytes : &p.expiry_hot_bytes) += x->bytes;
                if (!digest) {
                    if (!any_digest) {
                        range_add(&p.range, x->delivery_ms, x->delivery_ms);
                    }
                    p.range.logs++;
                }
                if (p.range.prefix[0] == '\0') {
                    (void)snprintf(p.range.prefix, sizeof(p.range.prefix), "%s", r->prefix);
                    p.range.expire_days = r->expire_days;
                }
            }
        }
    }
    p.range.expired_at_ms = now_ms;
    if (s->backend == NULL && pl.b.ops != NULL) {
        ot_store_close(&pl.b);
    }
    libdeflate_free_decompressor(pl.dec);
    ot_free(pl.doomed);
    objs_cleanup(&pl.objs);
    if (st != OT_OK) {
        ot_keep_plan_cleanup(&p);
        return st;
    }
    *out = p;
    return OT_OK;
}

void ot_keep_plan_cleanup(struct ot_keep_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        ot_free(p->v[i].key);
    }
    ot_free(p->v);
    memset(p, 0, sizeof(*p));
}

/* ---- carrying it out ---------------------------------------------------- */

static ot_status fsync_dir(const char *file, struct ot_error *err)
{
    char d[PATH_BYTES];
    (void)snprintf(d, sizeof(d), "%s", file);
    char *slash = strrchr(d, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return sys_fail(err, errno, "cannot open folder", d);
    }
    ot_status st = OT_OK;
    if (fsync(fd) != 0 && errno != EINVAL) {
        st = sys_fail(err, errno, "cannot fsync folder", d);
    }
    (void)close(fd); /* a folder: nothing buffered */
    return st;
}

static ot_status mkdirs_for(const char *path, struct ot_error *err)
{
    char d[PATH_BYTES];
    (void)snprintf(d, sizeof(d), "%s", path);
    for (char *q = d + 1; *q != '\0'; q++) {
        if (*q != '/') {
            continue;
        }
        *q = '\0';
        if (mkdir(d, 0750) == 0) {
            ot_status st = fsync_dir(d, err);
            if (st != OT_OK) {
                return st;
            }
        } else if (errno != EEXIST) {
            return sys_fail(err, errno, "cannot create folder", d);
        }
        *q = '/';
    }
    return OT_OK;
}

/* Link @from to @to; an existing @to that is the same file is fine (a rerun). */
static ot_status link_same(const char *from, const char *to, bool *moved, struct ot_error *err)
{
    struct stat a, b;
    *moved = false;
    if (link(from, to) == 0) {
        *moved = true;
        return OT_OK;
    }
    int e = errno;
    if (e == ENOENT && stat(from, &a) != 0) {
        return OT_OK; /* nothing in the hot tier: moved already */
    }
    if (e == EEXIST && stat(from, &a) == 0 && stat(to, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
        *moved = true;
        return OT_OK;
    }
    if (e == EEXIST) {
        return ot_fail(err, OT_E_USAGE, "compare the two copies and remove the wrong one",
                       "a different object is already in the archive tier under this key");
    }
    return sys_fail(err, e, "cannot link into the archive tier", to);
}

static ot_status transition(const struct ot_keep_store *s, const char *bucket, const char *key,
                            int storage_class, struct ot_error *err)
{
    if (s->backend != NULL) {
        return ot_store_s3_set_class(s->backend, bucket, key, ot_keep_class_name(storage_class),
                                     err);
    }
    char hot[PATH_BYTES], arch[PATH_BYTES], hm[PATH_BYTES + 16], am[PATH_BYTES + 16];
    bool moved = false, mmoved = false;
    (void)snprintf(hot, sizeof(hot), "%s/%s/%s", s->hot_root, bucket, key);
    (void)snprintf(arch, sizeof(arch), "%s/%s/%s", s->archive_root, bucket, key);
    (void)snprintf(hm, sizeof(hm), "%s.meta.json", hot);
    (void)snprintf(am, sizeof(am), "%s.meta.json", arch);
    ot_status st = mkdirs_for(arch, err);
    if (st == OT_OK) {
        st = link_same(hm, am, &mmoved, err); /* the sidecar first, as a put does */
    }
    if (st == OT_OK) {
        st = link_same(hot, arch, &moved, err);
    }
    if (st == OT_OK) {
        st = fsync_dir(arch, err); /* durable in the archive before it leaves the hot tier */
    }
    if (st == OT_OK && moved && unlink(hot) != 0 && errno != ENOENT) {
        st = sys_fail(err, errno, "cannot remove from the hot tier", hot);
    }
    if (st == OT_OK && mmoved && unlink(hm) != 0 && errno != ENOENT) {
        st = sys_fail(err, errno, "cannot remove from the hot tier", hm);
    }
    if (st == OT_OK && moved) {
        st = fsync_dir(hot, err);
    }
    return st;
}

static ot_status remove_object(const struct ot_keep_store *s, const char *bucket, const char *key,
                               struct ot_error *err)
{
    ot_status st = OT_OK;
    if (s->backend != NULL) {
        return s->backend->ops->del(s->backend->be, bucket, key, err);
    }
    for (int tier = 0; tier < 2 && st == OT_OK; tier++) {
        const char *root = tier ? s->archive_root : s->hot_root;
        char path[PATH_BYTES], meta[PATH_BYTES + 16];
        if (root == NULL) {
            continue;
        }
        (void)snprintf(path, sizeof(path), "%s/%s/%s", root, bucket, key);
        (void)snprintf(meta, sizeof(meta), "%s.meta.json", path);
        bool had = access(path, F_OK) == 0;
        if (unlink(path) != 0 && errno != ENOENT) {
            st = sys_fail(err, errno, "cannot delete", path);
        } else if (unlink(meta) != 0 && errno != ENOENT) {
            st = sys_fail(err, errno, "cannot delete", meta);
        } else if (had) {
            st = fsync_dir(path, err);
        }
    }
    return st;
}

/* ---- expired.json ------------------------------------------------------- */

static json_t *range_json(const char *bucket, const struct ot_keep_range *r)
{
    char a[21], b[21], c[21];
    ot_time_iso(r->from_ms, a);
    ot_time_iso(r->to_ms, b);
    ot_time_iso(r->expired_at_ms, c);
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "Bucket", bucket, "Prefix", r->prefix,
                     "From", a, "To", b, "ExpireAfterDays", (json_int_t)r->expire_days, "Digests",
                     (json_int_t)r->digests, "LogFiles", (json_int_t)r->logs, "ExpiredAt", c);
}

static ot_status expired_append(const char *state_dir, const char *bucket,
                                const struct ot_keep_range *r, struct ot_error *err)
{
    char path[PATH_BYTES], tmp[PATH_BYTES];
    (void)snprintf(path, sizeof(path), "%s/expired.json", state_dir);
    (void)snprintf(tmp, sizeof(tmp), "%s/.tmp.expired.json", state_dir);
    if (mkdir(state_dir, 0750) != 0 && errno != EEXIST) {
        return sys_fail(err, errno, "cannot create the state folder", state_dir);
    }
    json_error_t je;
    json_t *root = access(path, F_OK) == 0 ? json_load_file(path, 0, &je) : json_object();
    json_t *ranges = json_object_get(root, "ExpiredRanges");
    ot_status st = OT_OK;
    if (root == NULL || (ranges != NULL && !json_is_array(ranges))) {
        json_decref(root);
        return ot_fail(err, OT_E_PARSE, "restore it from a backup: it records what was deleted",
                       "expired.json is damaged");
    }
    if (ranges == NULL) {
        ranges = json_array();
        if (ranges == NULL || json_object_set_new(root, "ExpiredRanges", ranges) != 0) {
            json_decref(root);
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
    }
    json_t *nr = range_json(bucket, r);
    size_t i;
    json_t *v;
    bool seen = false; /* a rerun of the same plan records it once */
    json_array_foreach(ranges, i, v)
    {
        json_t *x = json_deep_copy(v), *y = json_deep_copy(nr);
        if (x != NULL && y != NULL) {
            (void)json_object_del(x, "ExpiredAt");
            (void)json_object_del(y, "ExpiredAt");
            seen = seen || json_equal(x, y);
        }
        json_decref(x);
        json_decref(y);
    }
    if (json_array_size(ranges) >= OT_KEEP_MAX_RANGES) {
        st = ot_fail(err, OT_E_LIMIT, "archive expired.json and start a new one",
                     "expired.json holds %u ranges", OT_KEEP_MAX_RANGES);
    } else if (nr == NULL || (!seen && json_array_append(ranges, nr) != 0)) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    char *text = st == OT_OK ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    if (st == OT_OK && text == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (st == OT_OK && !seen) {
        st = ot_durable_write(tmp, path, text, strlen(text), 0640, true, err);
    }
    ot_free(text);
    json_decref(nr);
    json_decref(root);
    return st;
}

ot_status ot_keep_expired_load(const char *state_dir, const char *bucket,
                               struct ot_keep_range **out, size_t *n, struct ot_error *err)
{
    char path[PATH_BYTES];
    json_error_t je;
    (void)snprintf(path, sizeof(path), "%s/expired.json", state_dir);
    *out = NULL;
    *n = 0;
    if (access(path, F_OK) != 0) {
        return OT_OK;
    }
    json_t *root = json_load_file(path, 0, &je);
    json_t *ranges = json_object_get(root, "ExpiredRanges");
    if (!json_is_array(ranges) || json_array_size(ranges) > OT_KEEP_MAX_RANGES) {
        json_decref(root);
        ot_status st = ot_fail(err, OT_E_PARSE, "restore it from a backup",
                               "expired.json is damaged or too large");
        ot_error_at(err, "%s", path);
        return st;
    }
    struct ot_keep_range *v = ot_calloc(json_array_size(ranges) + 1, sizeof(*v));
    size_t k = 0, i;
    json_t *e;
    if (v == NULL) {
        json_decref(root);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    json_array_foreach(ranges, i, e)
    {
        const char *b = json_string_value(json_object_get(e, "Bucket"));
        const char *f = json_string_value(json_object_get(e, "From"));
        const char *t = json_string_value(json_object_get(e, "To"));
        const char *pfx = json_string_value(json_object_get(e, "Prefix"));
        struct ot_keep_range *r = &v[k];
        if (b == NULL || strcmp(b, bucket) != 0 || f == NULL || t == NULL ||
            ot_time_parse_iso(ot_sv_cstr(f), &r->from_ms) != OT_OK ||
            ot_time_parse_iso(ot_sv_cstr(t), &r->to_ms) != OT_OK) {
            continue;
        }
        (void)snprintf(r->prefix, sizeof(r->prefix), "%s", pfx ? pfx : "");
        r->expire_days = (uint64_t)json_integer_value(json_object_get(e, "ExpireAfterDays"));
        r->digests = (uint64_t)json_integer_value(json_object_get(e, "Digests"));
        r->logs = (uint64_t)json_integer_value(json_object_get(e, "LogFiles"));
        k++;
    }
    json_decref(root);
    *out = v;
    *n = k;
    return OT_OK;
}

ot_status ot_keep_plan_run(const struct ot_keep_store *s, const struct ot_keep_plan *p,
                           int64_t now_ms, uint64_t *done, struct ot_error *err)
{
    ot_status st = OT_OK;
    (void)now_ms;
    *done = 0;
    if (s->backend != NULL && !s->storage_classes && p->transitions > 0) {
        /* never pretend: nothing is done, the plan stands */
        st = ot_fail(err, OT_E_USAGE,
                     "remove the transition from LifecycleRules, or use a store with storage "
                     "classes (Ceph RGW, AWS S3); expiry alone still works",
                     "transition of %llu objects unsupported by this server "
                     "(Storage.StorageClasses: false): nothing done",
                     (unsigned long long)p->transitions);
        if (err != NULL) {
            err->sys_errno = ENOTSUP;
        }
        ot_error_at(err, "s3://%s", p->bucket);
        return st;
    }
    if (p->expiries > 0) {
        /* recorded before the first deletion: validate can always explain a gap */
        st = expired_append(s->state_dir, p->bucket, &p->range, err);
    }
    for (size_t i = 0; st == OT_OK && i < p->n; i++) {
        const struct ot_keep_item *it = &p->v[i];
        if (it->action == OT_KEEP_TRANSITION) {
            st = transition(s, p->bucket, it->key, it->storage_class, err);
        } else {
            st = remove_object(s, p->bucket, it->key, err);
        }
        if (st == OT_OK) {
            (*done)++;
        }
    }
    return st;
}

ot_status ot_keep_delete(const struct ot_keep_store *s, const char *bucket, const char *key,
                         const struct ot_keep_rule *rules, size_t nrules, int64_t now_ms,
                         struct ot_error *err)
{
    size_t ri = 0;
    int64_t t = 0;
    const struct ot_keep_rule *r = rule_for(rules, nrules, key, &ri);
    char path[PATH_BYTES];
    struct stat sb = { 0 };
    if (s->backend != NULL) {
        uint64_t size = 0;
        ot_status hst = s->backend->ops->head(s->backend->be, bucket, key, &size, err);
        if (hst != OT_OK) {
            return hst;
        }
        sb.st_mtim.tv_sec = (time_t)(now_ms / 1000); /* no time in the key: the lock holds */
    } else {
        (void)snprintf(path, sizeof(path), "%s/%s/%s", s->hot_root, bucket, key);
        if (stat(path, &sb) != 0) {
            (void)snprintf(path, sizeof(path), "%s/%s/%s", s->archive_root ? s->archive_root : "",
                           bucket, key);
            if (s->archive_root == NULL || stat(path, &sb) != 0) {
                return sys_fail(err, ENOENT, "no such object", key);
            }
        }
    }
    if (!ot_keep_key_time(key, &t)) {
        t = (int64_t)sb.st_mtim.tv_sec * 1000;
    }
    if (r != NULL && r->retain_days > 0 && now_ms - t < (int64_t)r->retain_days * OT_DAY_MS) {
        char until[21];
        ot_time_iso(t + (int64_t)r->retain_days * OT_DAY_MS, until);
        ot_status st =
            ot_fail(err, OT_E_USAGE, "wait until the lock lifts; the rule is in opentrail.yaml",
                    "retention lock: rule Prefix \"%.60s\" keeps this object %llu days, until %s",
                    r->prefix, (unsigned long long)r->retain_days, until);
        ot_error_at(err, "s3://%s/%s", bucket, key);
        return st;
    }
    return remove_object(s, bucket, key, err);
}
