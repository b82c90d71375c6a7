/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/live.c - the live trail writer of the daemon: records read back from
 * the spool -> each trail's selectors -> one open log file per trail, account
 * and region -> sealed every interval (or at a size cap) -> one signed digest
 * per trail, account, region and hour, chained, empty hours included.
 *
 * Stage: prove (drives select and store). Crash safety rests on a journal in
 * the state folder, next to the spool's checkpoint:
 *   G trail account region           a group exists (it gets hourly digests)
 *   I trail account region key ms    a log file is about to be put at key
 *   F trail account region key ms hash oldest newest records json gz
 *                                    that log file is durable
 *   C position                       the spool checkpoint moved there
 * The spool checkpoint moves only after a roll that sealed every open file,
 * so records past it sit in files journaled after the last C (or in an I
 * whose put may have landed). Opening the writer reads those files back and
 * drops their eventIDs from the replay: every acknowledged record ends up in
 * exactly one log file of each trail that keeps it. Which files a digest
 * lists comes from the journal; where each chain stands comes from the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libdeflate.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gzip.h"
#include "opentrail/limits.h"
#include "opentrail/prove.h"
#include "opentrail/select.h"
#include "prove/prove_int.h"
#include "store/store_int.h"

#include "core/private.h"

#define MAX_GROUPS       4096u
#define GROUP_SLOTS      8192u /* power of two, twice MAX_GROUPS */
#define MAX_RECENT       65536u
#define PATH_BYTES       4096u
#define JOURNAL_MAX      (256u * 1024u * 1024u)
#define JOURNAL_COMPACT  (8u * 1024u * 1024u)
#define MAX_CHAIN_HOURS  (2 * 366 * 24)
#define ID_SET_MIN_SLOTS 4096u

struct lgroup {
    uint32_t trail;
    char *account, *region;
    struct ot_logfile lf;
    struct ot_chain_link link;
    bool has_link;
    int64_t chain_start;          /* start of the first digest when there is no link */
    struct ot_logfile_info *pend; /* sealed, not yet in a digest; by delivery time */
    size_t npend, cap;
    bool announced; /* its G line is in the journal */
};

struct recent {
    uint32_t trail, group;
    char *key;
    int64_t delivery_ms;
    bool after_c; /* sealed after the last spool checkpoint */
};

/* A set of 128-bit keyed hashes of (trail, eventID). */
struct idset {
    uint64_t (*slot)[2];
    size_t cap, n;
};

struct ot_live {
    struct ot_live_opts o;
    const struct ot_live_trail *trails;
    size_t ntrails;
    struct lgroup *g[MAX_GROUPS];
    size_t ng;
    uint16_t slots[GROUP_SLOTS]; /* group index + 1, 0 = empty */
    struct recent *recent;
    size_t nrecent, recent_cap;
    struct idset ids_cur, ids_prev;
    int64_t ids_since;
    unsigned char seed[32];
    char journal[PATH_BYTES - 64]; /* room for a suffix */
    int jfd;
    uint64_t jbytes;
    struct ot_buf jline;
    size_t held_bytes;
    int64_t last_roll_ms;
    struct ot_path *p_id, *p_time, *p_acct, *p_region;
    struct ot_signer *signer;
    struct ot_live_stats stats;
    struct libdeflate_decompressor *dec;
    struct ot_reader *reader;
};

/* ---- small helpers ---------------------------------------------------- */

static int64_t floor_to(int64_t t, int64_t unit)
{
    return t >= 0 ? t - t % unit : t - ((t % unit) + unit) % unit;
}

static ot_status sys_fail(struct ot_error *err, int e, const char *what, const char *path)
{
    ot_status st = ot_fail(err, (e == ENOSPC || e == EDQUOT) ? OT_E_NOSPC : OT_E_IO,
                           e == ENOSPC ? "free disk space in the data folder" : NULL, "%s: %s",
                           what, strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

static uint32_t hash_str(uint32_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

static uint32_t group_hash(uint32_t trail, struct ot_sv acct, struct ot_sv region)
{
    uint32_t h = 2166136261u ^ trail;
    h = hash_str(h, acct.p, acct.n);
    h = hash_str(h * 31u, region.p, region.n);
    return h;
}

static void loc_of(const struct ot_live *lv, const struct lgroup *g, struct ot_trail_loc *l)
{
    const struct ot_live_trail *t = &lv->trails[g->trail];
    *l = (struct ot_trail_loc){ .bucket = t->bucket,
                                .prefix = t->prefix,
                                .org_id = t->org_id,
                                .account = g->account,
                                .region = g->region,
                                .trail_name = t->name,
                                .home_region = t->home_region };
}

static ot_status group_get(struct ot_live *lv, uint32_t trail, struct ot_sv acct,
                           struct ot_sv region, bool create, struct lgroup **out,
                           struct ot_error *err)
{
    uint32_t h = group_hash(trail, acct, region) & (GROUP_SLOTS - 1);
    for (;; h = (h + 1) & (GROUP_SLOTS - 1)) {
        uint16_t s = lv->slots[h];
        if (s == 0) {
            break;
        }
        struct lgroup *g = lv->g[s - 1];
        if (g->trail == trail && ot_sv_eq_cstr(acct, g->account) &&
            ot_sv_eq_cstr(region, g->region)) {
            *out = g;
            return OT_OK;
        }
    }
    *out = NULL;
    if (!create) {
        return OT_OK;
    }
    if (lv->ng == MAX_GROUPS) {
        return ot_fail(err, OT_E_LIMIT, "split the accounts over more daemons",
                       "more than %u trail, account and region combinations", MAX_GROUPS);
    }
    struct lgroup *g = ot_calloc(1, sizeof(*g));
    if (g == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    g->trail = trail;
    g->account = ot_strndup(acct.p, acct.n);
    g->region = ot_strndup(region.p, region.n);
    if (g->account == NULL || g->region == NULL) {
        ot_free(g->account);
        ot_free(g->region);
        ot_free(g);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_logfile_init(&g->lf, lv->o.max_file_bytes);
    g->chain_start = INT64_MIN;
    lv->g[lv->ng] = g;
    lv->slots[h] = (uint16_t)(lv->ng + 1);
    lv->ng++;
    *out = g;
    return OT_OK;
}

static void group_free(struct lgroup *g)
{
    ot_free(g->account);
    ot_free(g->region);
    ot_logfile_cleanup(&g->lf);
    ot_chain_link_cleanup(&g->link);
    for (size_t i = 0; i < g->npend; i++) {
        ot_free(g->pend[i].key);
    }
    ot_free(g->pend);
    ot_free(g);
}

static ot_status pend_push(struct lgroup *g, const struct ot_logfile_info *info,
                           struct ot_error *err)
{
    if (g->npend == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16;
        struct ot_logfile_info *nv = ot_realloc(g->pend, nc * sizeof(*nv));
        if (nv == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        g->pend = nv;
        g->cap = nc;
    }
    /* keep delivery order: recovery may add files out of order */
    size_t i = g->npend;
    while (i > 0 && g->pend[i - 1].delivery_ms > info->delivery_ms) {
        g->pend[i] = g->pend[i - 1];
        i--;
    }
    g->pend[i] = *info;
    g->npend++;
    return OT_OK;
}

static ot_status recent_push(struct ot_live *lv, uint32_t trail, uint32_t group, const char *key,
                             int64_t delivery_ms, struct ot_error *err)
{
    if (lv->nrecent == MAX_RECENT) {
        /* the oldest falls out of the restart dedupe window first */
        ot_free(lv->recent[0].key);
        memmove(lv->recent, lv->recent + 1, (lv->nrecent - 1) * sizeof(*lv->recent));
        lv->nrecent--;
    }
    if (lv->nrecent == lv->recent_cap) {
        size_t nc = lv->recent_cap ? lv->recent_cap * 2 : 64;
        struct recent *nv = ot_realloc(lv->recent, nc * sizeof(*nv));
        if (nv == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        lv->recent = nv;
        lv->recent_cap = nc;
    }
    char *k = ot_strndup(key, strlen(key));
    if (k == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    lv->recent[lv->nrecent++] = (struct recent){ trail, group, k, delivery_ms, true };
    return OT_OK;
}

/* ---- the eventID set -------------------------------------------------- */

static void id_hash(const struct ot_live *lv, uint32_t trail, struct ot_sv id, uint64_t out[2])
{
    unsigned char in[32 + 4 + 256], md[SHA256_DIGEST_LENGTH];
    memcpy(in, lv->seed, 32);
    in[32] = (unsigned char)trail;
    in[33] = (unsigned char)(trail >> 8);
    in[34] = (unsigned char)(trail >> 16);
    in[35] = (unsigned char)(trail >> 24);
    size_t n = id.n;
    if (n > 256) {
        (void)SHA256((const unsigned char *)id.p, n, in + 36); /* long ids by their hash */
        n = SHA256_DIGEST_LENGTH;
    } else {
        memcpy(in + 36, id.p, n);
    }
    /* keyed with a secret seed: a caller cannot craft eventIDs that collide
     * with someone else's and so get their events dropped as duplicates */
    (void)SHA256(in, 36 + n, md);
    memcpy(&out[0], md, 8);
    memcpy(&out[1], md + 8, 8);
    out[0] |= 1; /* never the empty slot */
}

static bool idset_has(const struct idset *s, const uint64_t k[2])
{
    if (s->cap == 0) {
        return false;
    }
    for (size_t i = k[1] & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i][0] == 0) {
            return false;
        }
        if (s->slot[i][0] == k[0] && s->slot[i][1] == k[1]) {
            return true;
        }
    }
}

static ot_status idset_add(struct idset *s, const uint64_t k[2])
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : ID_SET_MIN_SLOTS;
        uint64_t(*nv)[2] = ot_calloc(nc, sizeof(*nv));
        if (nv == NULL) {
            return OT_E_NOMEM;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i][0] == 0) {
                continue;
            }
            size_t j = s->slot[i][1] & (nc - 1);
            while (nv[j][0] != 0) {
                j = (j + 1) & (nc - 1);
            }
            nv[j][0] = s->slot[i][0];
            nv[j][1] = s->slot[i][1];
        }
        ot_free(s->slot);
        s->slot = nv;
        s->cap = nc;
    }
    size_t i = k[1] & (s->cap - 1);
    while (s->slot[i][0] != 0) {
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i][0] = k[0];
    s->slot[i][1] = k[1];
    s->n++;
    return OT_OK;
}

static void idset_cleanup(struct idset *s)
{
    ot_free(s->slot);
    *s = (struct idset){ 0 };
}

/* Is (trail, id) new? Remembers it if so. Two generations: the window ages out. */
static ot_status seen_before(struct ot_live *lv, uint32_t trail, struct ot_sv id, int64_t now_ms,
                             bool *dup)
{
    uint64_t k[2];
    id_hash(lv, trail, id, k);
    if (idset_has(&lv->ids_cur, k) || idset_has(&lv->ids_prev, k)) {
        *dup = true;
        return OT_OK;
    }
    *dup = false;
    if (lv->ids_cur.n >= lv->o.dedupe_max / 2 ||
        (now_ms != INT64_MIN && now_ms - lv->ids_since >= lv->o.dedupe_window_ms / 2)) {
        idset_cleanup(&lv->ids_prev);
        lv->ids_prev = lv->ids_cur;
        lv->ids_cur = (struct idset){ 0 };
        lv->ids_since = now_ms == INT64_MIN ? lv->ids_since : now_ms;
    }
    return idset_add(&lv->ids_cur, k);
}

/* ---- the journal ------------------------------------------------------ */

static ot_status j_write(struct ot_live *lv, bool sync, struct ot_error *err)
{
    size_t done = 0;
    while (done < lv->jline.len) {
        ssize_t w = write(lv->jfd, lv->jline.data + done, lv->jline.len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return sys_fail(err, w < 0 ? errno : EIO, "cannot write the delivery journal",
                            lv->journal);
        }
        done += (size_t)w;
    }
    lv->jbytes += lv->jline.len;
    ot_buf_reset(&lv->jline);
    if (sync && fdatasync(lv->jfd) != 0) {
        return sys_fail(err, errno, "cannot sync the delivery journal", lv->journal);
    }
    return OT_OK;
}

static ot_status j_group(struct ot_live *lv, struct lgroup *g)
{
    return ot_buf_printf(&lv->jline, "G %s\t%s\t%s\n", lv->trails[g->trail].name, g->account,
                         g->region);
}

static ot_status j_file(struct ot_live *lv, const struct lgroup *g, const struct ot_logfile_info *f)
{
    return ot_buf_printf(&lv->jline,
                         "F %s\t%s\t%s\t%s\t%" PRId64 "\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRIu64
                         "\t%" PRIu64 "\t%" PRIu64 "\n",
                         lv->trails[g->trail].name, g->account, g->region, f->key, f->delivery_ms,
                         f->hash_hex, f->oldest_ms, f->newest_ms, f->records, f->bytes_json,
                         f->bytes_gz);
}

/* ---- reading a delivered log file back -------------------------------- */

struct readback {
    struct ot_live *lv;
    uint32_t trail;
    ot_status st;
    int64_t lo, hi; /* eventTime range */
};

static bool on_readback(void *ctx, const struct ot_record *rec)
{
    struct readback *rb = ctx;
    struct ot_value t = ot_record_get(rec, rb->lv->p_time);
    int64_t ms;
    if (t.type == OT_STRING && ot_time_parse_iso(ot_value_raw(t), &ms) == OT_OK) {
        rb->lo = ms < rb->lo ? ms : rb->lo;
        rb->hi = ms > rb->hi ? ms : rb->hi;
    }
    struct ot_value v = ot_record_get(rec, rb->lv->p_id);
    if (v.type != OT_STRING) {
        return true;
    }
    bool dup;
    rb->st = seen_before(rb->lv, rb->trail, ot_value_raw(v), INT64_MIN, &dup);
    return rb->st == OT_OK;
}

/* Fetch @key of @g's trail: its eventIDs go into the set; @info (if not
 * NULL) gets its hash and time range. *@exists false when it is not there. */
static ot_status read_back(struct ot_live *lv, struct lgroup *g, const char *key,
                           struct ot_logfile_info *info, bool *exists, struct ot_error *err)
{
    const struct ot_live_trail *t = &lv->trails[g->trail];
    struct ot_buf gz = OT_BUF_INIT(OT_FILE_MAX_BYTES_DEFAULT);
    struct ot_buf raw = OT_BUF_INIT(OT_FILE_MAX_BYTES_DEFAULT);
    struct ot_error e2;
    ot_status st = t->backend->ops->get(t->backend->be, t->bucket, key, &gz, NULL, &e2);
    *exists = st == OT_OK;
    if (st != OT_OK) {
        if (st == OT_E_IO && e2.sys_errno == ENOENT) {
            st = OT_OK;
        } else if (err != NULL) {
            *err = e2;
        }
        goto out;
    }
    struct ot_gunzip_info gi;
    st = ot_gunzip(lv->dec, gz.data, gz.len, &raw, &gi);
    if (st == OT_OK && (gi.members != 1 || gi.truncated || gi.corrupt || gi.trailing_at)) {
        st = ot_fail(err, OT_E_TAMPER, "run opentrail validate on the trail",
                     "a log file delivered before the restart is damaged");
        ot_error_at(err, "%s", key);
        goto out;
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "cannot inflate a delivered log file");
        ot_error_at(err, "%s", key);
        goto out;
    }
    struct readback rb = { lv, g->trail, OT_OK, INT64_MAX, INT64_MIN };
    struct ot_read_result res;
    st = ot_reader_read_mem(lv->reader, raw.data, raw.len, key, on_readback, NULL, &rb, &res, err);
    if (st == OT_OK && rb.st != OT_OK) {
        st = ot_fail(err, rb.st, NULL, "out of memory");
    }
    if (st == OT_OK && info != NULL) {
        ot_sha256_hex(raw.data, raw.len, info->hash_hex);
        info->bytes_json = raw.len;
        info->bytes_gz = gz.len;
        info->records = res.records;
        info->oldest_ms = rb.lo;
        info->newest_ms = rb.hi;
    }
out:
    ot_buf_cleanup(&gz);
    ot_buf_cleanup(&raw);
    return st;
}

/* ---- opening: the journal, the chains, the replay set ------------------ */

struct jfile {
    uint32_t group;
    struct ot_logfile_info info;
    bool after_c; /* journaled after the last checkpoint line */
    bool intent;  /* only an I line so far */
};

static bool split_tabs(char *s, char **f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        f[i] = s;
        char *t = strchr(s, '\t');
        if (i + 1 < n) {
            if (t == NULL) {
                return false;
            }
            *t = '\0';
            s = t + 1;
        } else if (t != NULL) {
            return false;
        }
    }
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

static int trail_index(const struct ot_live *lv, const char *name)
{
    for (size_t i = 0; i < lv->ntrails; i++) {
        if (strcmp(lv->trails[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static ot_status read_journal(struct ot_live *lv, struct jfile **files, size_t *nfiles,
                              struct ot_error *err)
{
    struct ot_buf text = OT_BUF_INIT(JOURNAL_MAX);
    int fd = open(lv->journal, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? OT_OK : sys_fail(err, errno, "cannot open", lv->journal);
    }
    ot_status st = OT_OK;
    for (;;) {
        st = ot_buf_reserve(&text, 1u << 20);
        if (st != OT_OK) {
            st = ot_fail(err, st, "remove the journal only if the spool is empty",
                         "the delivery journal is too large");
            ot_error_at(err, "%s", lv->journal);
            goto out;
        }
        ssize_t r = read(fd, text.data + text.len, text.cap - text.len - 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = sys_fail(err, errno, "cannot read", lv->journal);
            goto out;
        }
        if (r == 0) {
            break;
        }
        text.len += (size_t)r;
    }
    size_t cap = 0;
    char *p = text.data, *end = text.data + text.len;
    while (p != NULL && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            break; /* a torn last line: its action was never relied on */
        }
        *nl = '\0';
        char *f[11];
        char kind = p[0];
        bool ok = p[0] != '\0' && p[1] == ' ';
        if (ok && kind == 'C') {
            for (size_t i = 0; i < *nfiles; i++) {
                (*files)[i].after_c = false;
            }
        } else if (ok && (kind == 'G' || kind == 'I' || kind == 'F')) {
            unsigned n = kind == 'G' ? 3 : kind == 'I' ? 5 : 11;
            ok = split_tabs(p + 2, f, n);
            int ti = ok ? trail_index(lv, f[0]) : -1;
            struct lgroup *g = NULL;
            if (ok && ti >= 0 && ot_prove_name_ok(ot_sv_cstr(f[1])) &&
                ot_prove_name_ok(ot_sv_cstr(f[2]))) {
                st = group_get(lv, (uint32_t)ti, ot_sv_cstr(f[1]), ot_sv_cstr(f[2]), true, &g, err);
                if (st != OT_OK) {
                    goto out;
                }
                g->announced = true;
            }
            if (g != NULL && kind != 'G') {
                /* an F completes the I of the same key */
                size_t i = 0;
                while (i < *nfiles && !(lv->g[(*files)[i].group] == g &&
                                        strcmp((*files)[i].info.key, f[3]) == 0)) {
                    i++;
                }
                if (i == *nfiles) {
                    if (*nfiles == cap) {
                        size_t nc = cap ? cap * 2 : 64;
                        struct jfile *nv = ot_realloc(*files, nc * sizeof(*nv));
                        if (nv == NULL) {
                            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                            goto out;
                        }
                        *files = nv;
                        cap = nc;
                    }
                    struct jfile *jf = &(*files)[(*nfiles)++];
                    *jf = (struct jfile){ 0 };
                    jf->info.key = ot_strndup(f[3], strlen(f[3]));
                    if (jf->info.key == NULL) {
                        (*nfiles)--;
                        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                        goto out;
                    }
                    for (size_t k = 0; k < lv->ng; k++) {
                        if (lv->g[k] == g) {
                            jf->group = (uint32_t)k;
                        }
                    }
                }
                struct jfile *jf = &(*files)[i];
                jf->after_c = true;
                jf->intent = kind == 'I';
                int64_t v[6] = { 0 };
                bool nums = parse_i64(f[4], &jf->info.delivery_ms);
                if (kind == 'F') {
                    nums = nums && strlen(f[5]) == 64 && parse_i64(f[6], &v[0]) &&
                           parse_i64(f[7], &v[1]) && parse_i64(f[8], &v[2]) &&
                           parse_i64(f[9], &v[3]) && parse_i64(f[10], &v[4]);
                    if (nums) {
                        memcpy(jf->info.hash_hex, f[5], 65);
                        jf->info.oldest_ms = v[0];
                        jf->info.newest_ms = v[1];
                        jf->info.records = (uint64_t)v[2];
                        jf->info.bytes_json = (uint64_t)v[3];
                        jf->info.bytes_gz = (uint64_t)v[4];
                    }
                }
                ok = nums;
            }
        }
        if (!ok) {
            st = ot_fail(err, OT_E_PARSE, "the journal is written only by opentrail; restore it",
                         "the delivery journal has a line it cannot read");
            ot_error_at(err, "%s", lv->journal);
            goto out;
        }
        p = nl + 1;
    }
out:
    (void)close(fd); /* read-only */
    ot_buf_cleanup(&text);
    return st;
}

static ot_status signer_for(struct ot_live *lv, int64_t at_ms, struct ot_error *err)
{
    if (lv->signer != NULL && at_ms < ot_signer_valid_to(lv->signer)) {
        return OT_OK;
    }
    ot_signer_free(lv->signer);
    lv->signer = NULL;
    return ot_signer_load(lv->o.keys_dir, at_ms, &lv->signer, err);
}

static const struct ot_logfile_info *pending_file(const struct lgroup *g, const char *key)
{
    for (size_t k = 0; k < g->npend; k++) {
        if (strcmp(g->pend[k].key, key) == 0) {
            return &g->pend[k];
        }
    }
    return NULL;
}

static ot_status recent_line(struct ot_live *lv, const struct recent *r, struct ot_buf *all)
{
    const struct lgroup *g = lv->g[r->group];
    const struct ot_logfile_info *p = pending_file(g, r->key);
    if (p != NULL) {
        ot_buf_reset(&lv->jline);
        ot_status st = j_file(lv, g, p);
        return st == OT_OK ? ot_buf_append(all, lv->jline.data, lv->jline.len) : st;
    }
    /* already in a digest: only the key matters now (the dedupe read-back) */
    return ot_buf_printf(all, "F %s\t%s\t%s\t%s\t%" PRId64 "\t%064d\t0\t0\t0\t0\t0\n",
                         lv->trails[g->trail].name, g->account, g->region, r->key, r->delivery_ms,
                         0);
}

/* Rewrite the journal as what it must still say: groups, pending files, the
 * recent ones (dedupe after a restart) and which of them came after the
 * spool checkpoint. Atomic: a crash leaves the old journal or the new. */
static ot_status compact(struct ot_live *lv, int64_t now_ms, struct ot_error *err)
{
    char tmp[PATH_BYTES];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", lv->journal);
    struct ot_buf all = OT_BUF_INIT(JOURNAL_MAX);
    ot_status st = OT_OK;
    int64_t keep_after = now_ms - lv->o.dedupe_window_ms;
    size_t w = 0;
    for (size_t i = 0; i < lv->nrecent; i++) {
        struct recent *r = &lv->recent[i];
        if (r->delivery_ms < keep_after && !r->after_c &&
            pending_file(lv->g[r->group], r->key) == NULL) {
            ot_free(r->key);
            continue;
        }
        lv->recent[w++] = *r;
    }
    lv->nrecent = w;
    for (size_t i = 0; i < lv->ng && st == OT_OK; i++) {
        const struct lgroup *g = lv->g[i];
        if (!g->announced) {
            continue;
        }
        st =
            ot_buf_printf(&all, "G %s\t%s\t%s\n", lv->trails[g->trail].name, g->account, g->region);
        for (size_t k = 0; k < g->npend && st == OT_OK; k++) {
            ot_buf_reset(&lv->jline);
            st = j_file(lv, g, &g->pend[k]);
            if (st == OT_OK) {
                st = ot_buf_append(&all, lv->jline.data, lv->jline.len);
            }
        }
    }
    for (size_t i = 0; i < lv->nrecent && st == OT_OK; i++) {
        if (!lv->recent[i].after_c &&
            pending_file(lv->g[lv->recent[i].group], lv->recent[i].key) == NULL) {
            st = recent_line(lv, &lv->recent[i], &all);
        }
    }
    if (st == OT_OK) {
        st = ot_buf_printf(&all, "C 0\n"); /* the checkpoint line: what follows is after it */
    }
    for (size_t i = 0; i < lv->nrecent && st == OT_OK; i++) {
        if (lv->recent[i].after_c) {
            st = recent_line(lv, &lv->recent[i], &all);
        }
    }
    ot_buf_reset(&lv->jline);
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto out;
    }
    (void)unlink(tmp);
    st = ot_durable_write(tmp, lv->journal, all.data, all.len, 0600, true, err);
    if (st != OT_OK) {
        goto out;
    }
    if (lv->jfd >= 0) {
        (void)close(lv->jfd); /* everything in it was synced */
    }
    lv->jfd = open(lv->journal, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (lv->jfd < 0) {
        st = sys_fail(err, errno, "cannot open", lv->journal);
        goto out;
    }
    lv->jbytes = all.len;
out:
    ot_buf_cleanup(&all);
    return st;
}

ot_status ot_live_open(const struct ot_live_opts *o, const struct ot_live_trail *trails,
                       size_t ntrails, int64_t now_ms, struct ot_live **out, struct ot_error *err)
{
    struct ot_live *lv = ot_calloc(1, sizeof(*lv));
    struct jfile *files = NULL;
    size_t nfiles = 0;
    if (lv == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_status st = OT_OK;
    lv->o = *o;
    lv->trails = trails;
    lv->ntrails = ntrails;
    lv->jfd = -1;
    lv->jline = OT_BUF_INIT(1u << 20);
    lv->last_roll_ms = now_ms;
    lv->ids_since = now_ms;
    if (lv->o.interval_ms <= 0) {
        lv->o.interval_ms = 5 * OT_MINUTE_MS;
    }
    if (lv->o.max_file_bytes == 0) {
        lv->o.max_file_bytes = 64u << 20;
    }
    if (lv->o.max_held_bytes == 0) {
        lv->o.max_held_bytes = 128u << 20;
    }
    if (lv->o.dedupe_window_ms <= 0) {
        lv->o.dedupe_window_ms = 5 * OT_MINUTE_MS;
    }
    if (lv->o.dedupe_max == 0) {
        lv->o.dedupe_max = 2000000;
    }
    if (o->state_dir == NULL || o->keys_dir == NULL ||
        (size_t)snprintf(lv->journal, sizeof(lv->journal), "%s/delivery.journal", o->state_dir) >=
            sizeof(lv->journal)) {
        st = ot_fail(err, OT_E_USAGE, NULL, "state folder missing or too long");
        goto fail;
    }
    if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
        st = sys_fail(err, errno, "cannot create folder", o->state_dir);
        goto fail;
    }
    if (RAND_bytes(lv->seed, sizeof(lv->seed)) != 1) {
        st = ot_fail(err, OT_E_IO, NULL, "no randomness for the dedupe seed");
        goto fail;
    }
    struct ot_read_opts ro = { 0 };
    lv->dec = libdeflate_alloc_decompressor();
    st = ot_reader_new(&ro, &lv->reader);
    if (st == OT_OK && lv->dec == NULL) {
        st = OT_E_NOMEM;
    }
    if (st == OT_OK) {
        st = ot_path_compile(ot_sv_cstr("eventID"), &lv->p_id, err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(ot_sv_cstr("eventTime"), &lv->p_time, err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(ot_sv_cstr("recipientAccountId"), &lv->p_acct, err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(ot_sv_cstr("awsRegion"), &lv->p_region, err);
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto fail;
    }
    st = read_journal(lv, &files, &nfiles, err);
    if (st != OT_OK) {
        goto fail;
    }
    /* where each chain stands: the store is the truth */
    for (size_t i = 0; i < lv->ng; i++) {
        struct lgroup *g = lv->g[i];
        if (!lv->trails[g->trail].validation) {
            continue;
        }
        struct ot_trail_loc loc;
        loc_of(lv, g, &loc);
        st = ot_chain_find_last(lv->trails[g->trail].backend, &loc, &g->link, &g->has_link, err);
        if (st != OT_OK) {
            goto fail;
        }
    }
    for (size_t i = 0; i < nfiles; i++) {
        struct jfile *jf = &files[i];
        struct lgroup *g = lv->g[jf->group];
        bool exists = true;
        if (jf->intent) {
            /* the put may or may not have landed before the crash: ask the store */
            st = read_back(lv, g, jf->info.key, &jf->info, &exists, err);
            if (st != OT_OK) {
                goto fail;
            }
            lv->stats.recovered_files += exists;
        } else if (jf->after_c || jf->info.delivery_ms >= now_ms - lv->o.dedupe_window_ms) {
            /* its records may come round again from the spool, or from a client's retry */
            st = read_back(lv, g, jf->info.key, NULL, &exists, err);
            if (st != OT_OK) {
                goto fail;
            }
        }
        if (!exists) {
            continue;
        }
        bool pending = lv->trails[g->trail].validation &&
                       !(g->has_link && jf->info.delivery_ms <= g->link.end_ms) &&
                       jf->info.hash_hex[0] != '\0' && strspn(jf->info.hash_hex, "0") != 64;
        st = recent_push(lv, g->trail, jf->group, jf->info.key, jf->info.delivery_ms, err);
        if (st == OT_OK) {
            lv->recent[lv->nrecent - 1].after_c = jf->after_c;
        }
        if (st == OT_OK && pending) {
            st = pend_push(g, &jf->info, err);
            if (st == OT_OK) {
                jf->info.key = NULL; /* taken */
            }
        }
        if (st != OT_OK) {
            goto fail;
        }
    }
    for (size_t i = 0; i < lv->ng; i++) {
        struct lgroup *g = lv->g[i];
        if (!g->has_link && g->npend > 0) {
            g->chain_start = floor_to(g->pend[0].delivery_ms - 1, OT_HOUR_MS);
        } else if (!g->has_link) {
            g->chain_start = floor_to(now_ms - 1, OT_HOUR_MS);
        }
    }
    st = compact(lv, now_ms, err);
    if (st != OT_OK) {
        goto fail;
    }
    for (size_t i = 0; i < nfiles; i++) {
        ot_free(files[i].info.key);
    }
    ot_free(files);
    *out = lv;
    return OT_OK;
fail:
    for (size_t i = 0; i < nfiles; i++) {
        ot_free(files[i].info.key);
    }
    ot_free(files);
    ot_live_close(lv);
    return st;
}

void ot_live_close(struct ot_live *lv)
{
    if (lv == NULL) {
        return;
    }
    for (size_t i = 0; i < lv->ng; i++) {
        group_free(lv->g[i]);
    }
    for (size_t i = 0; i < lv->nrecent; i++) {
        ot_free(lv->recent[i].key);
    }
    ot_free(lv->recent);
    idset_cleanup(&lv->ids_cur);
    idset_cleanup(&lv->ids_prev);
    if (lv->jfd >= 0) {
        (void)close(lv->jfd); /* every line that mattered was synced */
    }
    ot_buf_cleanup(&lv->jline);
    ot_path_free(lv->p_id);
    ot_path_free(lv->p_time);
    ot_path_free(lv->p_acct);
    ot_path_free(lv->p_region);
    ot_signer_free(lv->signer);
    libdeflate_free_decompressor(lv->dec);
    ot_reader_free(lv->reader);
    ot_free(lv);
}

/* ---- sealing and digests --------------------------------------------- */

/* Seal every group in @which (all with records when NULL). */
static ot_status seal_groups(struct ot_live *lv, struct lgroup *only, int64_t now_ms,
                             struct ot_error *err)
{
    ot_status st = OT_OK;
    int64_t delivery = floor_to(now_ms, 1000);
    char(*keys)[1024] = NULL;
    size_t n = 0;
    struct lgroup **gs = ot_calloc(lv->ng ? lv->ng : 1, sizeof(*gs));
    int64_t *dls = ot_calloc(lv->ng ? lv->ng : 1, sizeof(*dls));
    keys = ot_calloc(lv->ng ? lv->ng : 1, sizeof(*keys));
    if (gs == NULL || keys == NULL || dls == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < lv->ng; i++) {
        struct lgroup *g = lv->g[i];
        if ((only != NULL && g != only) || g->lf.records == 0) {
            continue;
        }
        struct ot_trail_loc loc;
        loc_of(lv, g, &loc);
        char unique[16];
        struct ot_buf key = OT_BUF_INIT(sizeof(keys[0]) - 1);
        /* after the chain's last digest, never on its end: each file in exactly one digest */
        dls[n] = g->has_link && delivery <= g->link.end_ms ? g->link.end_ms + 1000 : delivery;
        st = ot_unique_string(unique, err);
        if (st == OT_OK) {
            st = ot_logfile_key(&loc, dls[n], unique, &key);
        }
        if (st != OT_OK) {
            ot_buf_cleanup(&key);
            st = ot_fail(err, st, NULL, "log file key too long");
            goto out;
        }
        memcpy(keys[n], key.data, key.len + 1);
        ot_buf_cleanup(&key);
        gs[n++] = g;
        if (!g->announced) {
            st = j_group(lv, g);
        }
        if (st == OT_OK) {
            st = ot_buf_printf(&lv->jline, "I %s\t%s\t%s\t%s\t%" PRId64 "\n",
                               lv->trails[g->trail].name, g->account, g->region, keys[n - 1],
                               dls[n - 1]);
        }
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL, "out of memory");
            goto out;
        }
    }
    if (n == 0) {
        goto out;
    }
    /* the intents first: after a crash, the store is asked about each key */
    st = j_write(lv, true, err);
    if (st != OT_OK) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        gs[i]->announced = true;
    }
    struct ot_logfile_info *infos = ot_calloc(n, sizeof(*infos));
    if (infos == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    size_t sealed = 0;
    for (size_t i = 0; i < n && st == OT_OK; i++) {
        struct lgroup *g = gs[i];
        struct ot_trail_loc loc;
        loc_of(lv, g, &loc);
        lv->held_bytes -= g->lf.json.len < lv->held_bytes ? g->lf.json.len : lv->held_bytes;
        st = ot_logfile_seal_at(&g->lf, lv->trails[g->trail].backend, &loc, keys[i], dls[i],
                                &infos[i], err);
        sealed += st == OT_OK;
    }
    /* a file is durable only once its folder is: one flush per backend */
    for (size_t t = 0; t < lv->ntrails && st == OT_OK; t++) {
        bool first = true;
        for (size_t u = 0; u < t; u++) {
            first = first && lv->trails[u].backend != lv->trails[t].backend;
        }
        if (first) {
            st = lv->trails[t].backend->ops->flush(lv->trails[t].backend->be, err);
        }
    }
    for (size_t i = 0; i < sealed && st == OT_OK; i++) {
        st = j_file(lv, gs[i], &infos[i]);
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL, "out of memory");
        }
    }
    if (st == OT_OK) {
        st = j_write(lv, true, err);
    }
    for (size_t i = 0; i < sealed; i++) {
        struct lgroup *g = gs[i];
        if (st == OT_OK) {
            lv->stats.log_files++;
            lv->stats.bytes_json += infos[i].bytes_json;
            lv->stats.bytes_gz += infos[i].bytes_gz;
            uint32_t gi = 0;
            while (lv->g[gi] != g) {
                gi++;
            }
            st = recent_push(lv, g->trail, gi, infos[i].key, infos[i].delivery_ms, err);
        }
        if (st == OT_OK && lv->trails[g->trail].validation) {
            if (!g->has_link && g->npend == 0 && g->chain_start == INT64_MIN) {
                g->chain_start = floor_to(infos[i].delivery_ms - 1, OT_HOUR_MS);
            }
            st = pend_push(g, &infos[i], err);
            if (st == OT_OK) {
                infos[i].key = NULL;
            }
        }
        ot_free(infos[i].key);
    }
    ot_free(infos);
out:
    ot_free(gs);
    ot_free(dls);
    ot_free(keys);
    return st;
}

static ot_status write_digests(struct ot_live *lv, struct lgroup *g, int64_t now_ms, bool final,
                               struct ot_error *err)
{
    const struct ot_live_trail *t = &lv->trails[g->trail];
    struct ot_trail_loc loc;
    loc_of(lv, g, &loc);
    if (!g->has_link && g->chain_start == INT64_MIN) {
        g->chain_start = floor_to(now_ms - 1, OT_HOUR_MS);
    }
    int64_t s = g->has_link ? g->link.end_ms : g->chain_start;
    unsigned written = 0;
    for (;;) {
        int64_t e = floor_to(s, OT_HOUR_MS) + OT_HOUR_MS;
        if (e > now_ms) {
            /* logging stops: a last digest covers what was delivered up to now */
            e = floor_to(now_ms, 1000);
            if (!final || e <= s) {
                break;
            }
        }
        if (++written > MAX_CHAIN_HOURS) {
            return ot_fail(err, OT_E_LIMIT, "check the clock",
                           "more than %d hourly digests due at once", MAX_CHAIN_HOURS);
        }
        size_t n = 0;
        while (n < g->npend && g->pend[n].delivery_ms <= e) {
            n++;
        }
        ot_status st = signer_for(lv, e, err);
        if (st == OT_OK) {
            st = t->backend->ops->flush(t->backend->be, err);
        }
        if (st == OT_OK) {
            st = ot_digest_write(t->backend, &loc, lv->signer, s, e, g->pend, n, &g->link,
                                 &g->has_link, err);
        }
        if (st != OT_OK) {
            return st;
        }
        lv->stats.digests++;
        for (size_t k = 0; k < n; k++) {
            ot_free(g->pend[k].key);
        }
        if (n > 0) {
            memmove(g->pend, g->pend + n, (g->npend - n) * sizeof(*g->pend));
            g->npend -= n;
        }
        s = e;
    }
    return OT_OK;
}

/* ---- the public calls -------------------------------------------------- */

ot_status ot_live_add(struct ot_live *lv, const struct ot_record *rec, struct ot_sv json,
                      int64_t now_ms, struct ot_error *err)
{
    struct ot_value vid = ot_record_get(rec, lv->p_id);
    struct ot_value vt = ot_record_get(rec, lv->p_time);
    struct ot_value va = ot_record_get(rec, lv->p_acct);
    struct ot_value vr = ot_record_get(rec, lv->p_region);
    int64_t event_ms = 0;
    struct ot_sv acct = va.type == OT_STRING ? ot_value_raw(va) : (struct ot_sv){ NULL, 0 };
    struct ot_sv region = vr.type == OT_STRING ? ot_value_raw(vr) : (struct ot_sv){ NULL, 0 };
    if (vid.type != OT_STRING || vt.type != OT_STRING ||
        ot_time_parse_iso(ot_value_raw(vt), &event_ms) != OT_OK || !ot_prove_name_ok(region)) {
        lv->stats.undeliverable++;
        return ot_fail(err, OT_E_PARSE, "the intake checks records; this one came from elsewhere",
                       "a spooled record lacks eventID, eventTime or awsRegion");
    }
    lv->stats.records_in++;
    for (size_t t = 0; t < lv->ntrails; t++) {
        const struct ot_live_trail *tr = &lv->trails[t];
        if (!ot_select_keep(tr->selectors, &tr->scope, rec)) {
            continue;
        }
        struct ot_sv a = acct;
        if (!ot_prove_name_ok(a) && tr->account_id != NULL) {
            a = ot_sv_cstr(tr->account_id);
        }
        if (!ot_prove_name_ok(a)) {
            lv->stats.undeliverable++;
            continue;
        }
        bool dup;
        ot_status st = seen_before(lv, (uint32_t)t, ot_value_raw(vid), now_ms, &dup);
        if (st != OT_OK) {
            return ot_fail(err, st, NULL, "out of memory");
        }
        if (dup) {
            lv->stats.duplicates++;
            continue;
        }
        struct lgroup *g;
        st = group_get(lv, (uint32_t)t, a, region, true, &g, err);
        if (st != OT_OK) {
            return st;
        }
        if (g->lf.records > 0 && g->lf.json.len + json.n + 3 > lv->o.max_file_bytes) {
            st = seal_groups(lv, g, now_ms, err);
            if (st != OT_OK) {
                return st;
            }
        }
        st = ot_logfile_add(&g->lf, json, event_ms);
        if (st != OT_OK) {
            ot_logfile_init(&g->lf, lv->o.max_file_bytes);
            return ot_fail(err, st, "raise Delivery.MaxLogFileBytes", "record does not fit");
        }
        lv->held_bytes += json.n + 1;
        lv->stats.records_kept++;
    }
    return OT_OK;
}

static ot_status tick(struct ot_live *lv, int64_t now_ms, bool force, bool final, bool *all_sealed,
                      struct ot_error *err)
{
    ot_status st = OT_OK;
    *all_sealed = false;
    if (force || lv->held_bytes >= lv->o.max_held_bytes ||
        now_ms - lv->last_roll_ms >= lv->o.interval_ms) {
        st = seal_groups(lv, NULL, now_ms, err);
        if (st != OT_OK) {
            return st;
        }
        lv->held_bytes = 0;
        lv->last_roll_ms = now_ms;
        *all_sealed = true;
    }
    for (size_t i = 0; i < lv->ng; i++) {
        struct lgroup *g = lv->g[i];
        if (!g->announced || !lv->trails[g->trail].validation) {
            continue;
        }
        st = write_digests(lv, g, now_ms, final, err);
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

ot_status ot_live_tick(struct ot_live *lv, int64_t now_ms, bool force, bool *all_sealed,
                       struct ot_error *err)
{
    return tick(lv, now_ms, force, false, all_sealed, err);
}

ot_status ot_live_finish(struct ot_live *lv, int64_t now_ms, bool *all_sealed, struct ot_error *err)
{
    return tick(lv, now_ms, true, true, all_sealed, err);
}

ot_status ot_live_checkpointed(struct ot_live *lv, uint64_t pos, int64_t now_ms,
                               struct ot_error *err)
{
    for (size_t i = 0; i < lv->nrecent; i++) {
        lv->recent[i].after_c = false;
    }
    if (lv->jbytes > JOURNAL_COMPACT) {
        return compact(lv, now_ms, err);
    }
    ot_status st = ot_buf_printf(&lv->jline, "C %" PRIu64 "\n", pos);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    return j_write(lv, true, err);
}

bool ot_live_is_empty(const struct ot_live *lv)
{
    return lv->held_bytes == 0;
}

void ot_live_stats(const struct ot_live *lv, struct ot_live_stats *out)
{
    *out = lv->stats;
    out->groups = lv->ng;
    out->held_bytes = lv->held_bytes;
}
