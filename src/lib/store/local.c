/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/local.c - the local backend: S3 semantics on a folder.
 *
 * Stage: store. <root>/<bucket>/<key> holds an object's bytes and
 * <root>/<bucket>/<key>.meta.json its user metadata (a JSON object of
 * strings), the layout shared/tools/aws_offline_validate.py reads. A put is
 * atomic and durable: temporary file (O_EXCL, 0600), fsync, linkat (never
 * overwrites a sealed object), fsync of the folder. The sidecar is put first,
 * so an object that is visible always has its metadata. Listing is S3's: every
 * key under a prefix, in byte order, after an optional start-after key.
 * With encryption at rest (ot_store_local_encrypt, store/crypt.c) objects are
 * sealed on put and opened on get whatever the setting, by their magic; the
 * sidecar stays plain, as the AWS CLI validator driver reads it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opentrail/keep.h"
#include "opentrail/limits.h"
#include "opentrail/record.h"
#include "opentrail/store.h"
#include "store/store_int.h"

#include "core/private.h"

#define PATH_BYTES    4096
#define MAX_LIST_KEYS 10000000u /* keys one listing may hold in memory */

struct local {
    char *root;
    bool defer;                     /* batch mode: folder fsyncs wait for flush() */
    bool seal;                      /* seal every object put (encryption at rest) */
    const struct ot_kek_ring *ring; /* borrowed: opens sealed objects; NULL none */
    char *archive;                  /* the archive tier's root (lifecycle), or NULL */
    char **dirty;                   /* folders whose entries changed since the last flush */
    size_t ndirty, cap;
};

/* Remember @dir (the folder holding @path when @is_file) for the next flush. */
static ot_status note_dirty(struct local *l, const char *path, bool is_file, struct ot_error *err)
{
    char d[PATH_BYTES];
    (void)snprintf(d, sizeof(d), "%s", path);
    if (is_file) {
        char *slash = strrchr(d, '/');
        if (slash == NULL) {
            (void)snprintf(d, sizeof(d), ".");
        } else {
            *slash = '\0';
        }
    }
    for (size_t i = l->ndirty; i > 0; i--) {
        if (strcmp(l->dirty[i - 1], d) == 0) {
            return OT_OK;
        }
    }
    if (l->ndirty == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **nv = ot_realloc(l->dirty, nc * sizeof(*nv));
        if (nv == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        l->dirty = nv;
        l->cap = nc;
    }
    l->dirty[l->ndirty] = ot_strndup(d, strlen(d));
    if (l->dirty[l->ndirty] == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    l->ndirty++;
    return OT_OK;
}

static ot_status sys_fail(struct ot_error *err, int e, const char *what, const char *path)
{
    ot_status st =
        ot_fail(err, (e == ENOSPC || e == EDQUOT) ? OT_E_NOSPC : OT_E_IO,
                e == ENOSPC ? "free some disk space" : NULL, "%s: %s", what, strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

static ot_status fsync_dir_of(const char *path, struct ot_error *err)
{
    char d[PATH_BYTES];
    (void)snprintf(d, sizeof(d), "%s", path);
    char *slash = strrchr(d, '/');
    if (slash == NULL) {
        (void)snprintf(d, sizeof(d), ".");
    } else if (slash == d) {
        d[1] = '\0';
    } else {
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
    (void)close(fd); /* a folder descriptor: nothing buffered */
    return st;
}

static ot_status mkdirs_for(struct local *l, const char *path, struct ot_error *err)
{
    char d[PATH_BYTES];
    if ((size_t)snprintf(d, sizeof(d), "%s", path) >= sizeof(d)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "path too long");
    }
    for (char *p = d + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(d, 0750) == 0) {
            /* a new folder is durable only once its parent's entry is */
            ot_status st = l->defer ? note_dirty(l, d, true, err) : fsync_dir_of(d, err);
            if (st != OT_OK) {
                return st;
            }
        } else if (errno != EEXIST) {
            return sys_fail(err, errno, "cannot create folder", d);
        }
        *p = '/';
    }
    return OT_OK;
}

static ot_status durable_write(const char *tmp, const char *dst, const void *p, size_t n,
                               mode_t mode, bool replace, bool dirsync, struct ot_error *err)
{
    ot_status st = OT_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return sys_fail(err, errno, "cannot create", tmp);
    }
    const char *c = p;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, c, left);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            st = sys_fail(err, errno, "cannot write", tmp);
            break;
        }
        c += w;
        left -= (size_t)w;
    }
    if (st == OT_OK && fchmod(fd, mode) != 0) {
        st = sys_fail(err, errno, "cannot chmod", tmp);
    }
    if (st == OT_OK && fsync(fd) != 0) {
        st = sys_fail(err, errno, "cannot fsync", tmp);
    }
    if (close(fd) != 0 && st == OT_OK) {
        st = sys_fail(err, errno, "cannot close", tmp);
    }
    if (st == OT_OK) {
        if (replace) {
            if (rename(tmp, dst) != 0) {
                st = sys_fail(err, errno, "cannot rename into place", dst);
            }
        } else if (link(tmp, dst) != 0) {
            int e = errno;
            if (e == EEXIST) {
                st = ot_fail(err, OT_E_USAGE, "sealed objects are never overwritten",
                             "object already exists");
                if (err != NULL) {
                    err->sys_errno = EEXIST;
                }
                ot_error_at(err, "%s", dst);
            } else {
                st = sys_fail(err, e, "cannot link into place", dst);
            }
        }
    }
    (void)unlink(tmp); /* after rename it is gone already; after link it is a second name */
    if (st == OT_OK && dirsync) {
        st = fsync_dir_of(dst, err);
    }
    return st;
}

ot_status ot_durable_write(const char *tmp, const char *dst, const void *p, size_t n, mode_t mode,
                           bool replace, struct ot_error *err)
{
    return durable_write(tmp, dst, p, n, mode, replace, true, err);
}

/* Object keys are S3 keys but also paths here: refuse those that escape. */
static ot_status check_key(const char *bucket, const char *key, struct ot_error *err)
{
    if (bucket[0] == '\0' || strchr(bucket, '/') != NULL || strcmp(bucket, ".") == 0 ||
        strcmp(bucket, "..") == 0) {
        return ot_fail(err, OT_E_USAGE, "use an S3 bucket name", "bad bucket name '%s'", bucket);
    }
    const char *s = key;
    if (key[0] == '\0' || key[0] == '/') {
        return ot_fail(err, OT_E_USAGE, NULL, "bad object key '%s'", key);
    }
    while (*s != '\0') {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            return ot_fail(err, OT_E_USAGE, "keys may not hold empty, . or .. segments",
                           "object key not storable on a local disk: '%s'", key);
        }
        s += n + (e != NULL);
    }
    size_t kn = strlen(key);
    if (kn >= 10 && strcmp(key + kn - 10, ".meta.json") == 0) {
        return ot_fail(err, OT_E_USAGE, NULL, "keys ending in .meta.json are reserved: '%s'", key);
    }
    return OT_OK;
}

static ot_status obj_path(const struct local *l, const char *bucket, const char *key,
                          const char *suffix, char *out, struct ot_error *err)
{
    if ((size_t)snprintf(out, PATH_BYTES, "%s/%s/%s%s", l->root, bucket, key, suffix) >=
        PATH_BYTES) {
        return ot_fail(err, OT_E_LIMIT, NULL, "object path too long");
    }
    return OT_OK;
}

/* The archive tier's path of @key, when there is an archive tier. */
static bool arch_path(const struct local *l, const char *bucket, const char *key,
                      const char *suffix, char *out)
{
    return l->archive != NULL && (size_t)snprintf(out, PATH_BYTES, "%s/%s/%s%s", l->archive, bucket,
                                                  key, suffix) < PATH_BYTES;
}

static ot_status put_file(struct local *l, const char *dst, const void *p, size_t n, mode_t mode,
                          struct ot_error *err)
{
    char tmp[PATH_BYTES];
    unsigned char r[8];
    if (RAND_bytes(r, sizeof(r)) != 1) {
        return ot_fail(err, OT_E_IO, NULL, "no randomness for a temporary name");
    }
    const char *slash = strrchr(dst, '/');
    int dn = slash ? (int)(slash - dst) : 0;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s/.tmp.%02x%02x%02x%02x%02x%02x%02x%02x", dn, dst,
                         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) >= sizeof(tmp)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "object path too long");
    }
    ot_status st = durable_write(tmp, dst, p, n, mode, false, !l->defer, err);
    if (st == OT_OK && l->defer) {
        st = note_dirty(l, dst, true, err);
    }
    return st;
}

static ot_status local_put(void *be, const char *bucket, const char *key, const void *data,
                           size_t n, const struct ot_meta *meta, size_t nmeta, struct ot_error *err)
{
    struct local *l = be;
    char path[PATH_BYTES], mpath[PATH_BYTES];
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = obj_path(l, bucket, key, "", path, err);
    }
    if (st == OT_OK) {
        st = obj_path(l, bucket, key, ".meta.json", mpath, err);
    }
    if (st == OT_OK) {
        st = mkdirs_for(l, path, err);
    }
    if (st != OT_OK) {
        return st;
    }
    char apath[PATH_BYTES];
    if (access(path, F_OK) == 0 ||
        (arch_path(l, bucket, key, "", apath) && access(apath, F_OK) == 0)) {
        st = ot_fail(err, OT_E_USAGE, "sealed objects are never overwritten",
                     "object already exists");
        if (err != NULL) {
            err->sys_errno = EEXIST;
        }
        ot_error_at(err, "%s", path);
        return st;
    }
    if (nmeta > 0) {
        json_t *o = json_object();
        char *s = NULL;
        int rc = o == NULL;
        for (size_t i = 0; rc == 0 && i < nmeta; i++) {
            rc = json_object_set_new(o, meta[i].name, json_string(meta[i].value));
        }
        if (rc == 0) {
            s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
        }
        json_decref(o);
        if (s == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        (void)unlink(mpath); /* a stale sidecar of an object that never landed */
        st = put_file(l, mpath, s, strlen(s), 0440, err);
        ot_free(s);
        if (st != OT_OK) {
            return st;
        }
    }
    if (!l->seal) {
        return put_file(l, path, data, n, 0440, err);
    }
    struct ot_buf sealed = OT_BUF_INIT(SIZE_MAX - 1);
    st = ot_seal(l->ring, data, n, &sealed, err);
    if (st == OT_OK) {
        st = put_file(l, path, sealed.data, sealed.len, 0440, err);
    } else {
        ot_error_at(err, "%s", path);
    }
    ot_buf_cleanup(&sealed);
    return st;
}

/* @data[@start..] was read from @path: open it in place when it is sealed. */
static ot_status unseal_tail(const struct local *l, const char *path, struct ot_buf *data,
                             size_t start, struct ot_error *err)
{
    if (!ot_is_sealed(data->data + start, data->len - start)) {
        return OT_OK;
    }
    struct ot_buf plain = OT_BUF_INIT(data->limit);
    ot_status st = ot_unseal(l->ring, data->data + start, data->len - start, &plain, err);
    if (st == OT_OK) {
        data->len = start;
        st = ot_buf_append(data, plain.data ? plain.data : "", plain.len);
        if (st != OT_OK) {
            st = ot_fail(err, st, NULL, "out of memory");
        }
    }
    if (st != OT_OK) {
        if (data->data != NULL) {
            data->len = start; /* never the sealed bytes as if they were the object */
            data->data[start] = '\0';
        }
        ot_error_at(err, "%s", path);
    }
    ot_buf_cleanup(&plain);
    return st;
}

static ot_status read_into(const char *path, struct ot_buf *out, struct ot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return sys_fail(err, errno, errno == ENOENT ? "no such object" : "cannot open", path);
    }
    ot_status st = OT_OK;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if ((uint64_t)sb.st_size > out->limit - out->len) {
            st = ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes", "object too large");
        } else {
            st = ot_buf_reserve(out, (size_t)sb.st_size);
        }
    } else if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        (void)close(fd); /* read-only */
        return sys_fail(err, ENOENT, "no such object", path);
    }
    while (st == OT_OK) {
        st = ot_buf_reserve(out, 65536 <= out->limit - out->len ? 65536 : out->limit - out->len);
        if (st != OT_OK) {
            break;
        }
        size_t room = out->cap - out->len - 1;
        if (room == 0) {
            st = ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes", "object too large");
            break;
        }
        ssize_t r = read(fd, out->data + out->len, room);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = sys_fail(err, errno, "cannot read", path);
            break;
        }
        if (r == 0) {
            break;
        }
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
    if (st == OT_E_NOMEM) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    (void)close(fd); /* read-only */
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
    }
    return st;
}

static ot_status local_get(void *be, const char *bucket, const char *key, struct ot_buf *data,
                           struct ot_buf *meta_json, struct ot_error *err)
{
    struct local *l = be;
    char path[PATH_BYTES];
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = obj_path(l, bucket, key, "", path, err);
    }
    size_t start = data->len;
    if (st == OT_OK && l->archive != NULL && access(path, F_OK) != 0 &&
        arch_path(l, bucket, key, "", path)) {
        /* not in the hot tier: read the archive tier (lifecycle transitions) */
    }
    if (st == OT_OK) {
        st = read_into(path, data, err);
    }
    if (st == OT_OK) {
        st = unseal_tail(l, path, data, start, err);
    }
    if (st == OT_OK && meta_json != NULL) {
        bool archived = l->archive != NULL && strncmp(path, l->archive, strlen(l->archive)) == 0 &&
                        path[strlen(l->archive)] == '/';
        st = archived ? (arch_path(l, bucket, key, ".meta.json", path)
                             ? OT_OK
                             : ot_fail(err, OT_E_LIMIT, NULL, "object path too long"))
                      : obj_path(l, bucket, key, ".meta.json", path, err);
        if (st == OT_OK && access(path, F_OK) == 0) {
            st = read_into(path, meta_json, err);
        } else if (st == OT_OK) {
            st = ot_buf_append_cstr(meta_json, "{}");
        }
    }
    return st;
}

static ot_status local_head(void *be, const char *bucket, const char *key, uint64_t *size,
                            struct ot_error *err)
{
    struct local *l = be;
    char path[PATH_BYTES];
    struct stat sb;
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = obj_path(l, bucket, key, "", path, err);
    }
    if (st != OT_OK) {
        return st;
    }
    if (stat(path, &sb) != 0 && errno == ENOENT && arch_path(l, bucket, key, "", path) &&
        stat(path, &sb) == 0) {
        /* found in the archive tier */
    } else if (stat(path, &sb) != 0) {
        return sys_fail(err, errno, errno == ENOENT ? "no such object" : "cannot stat", path);
    }
    if (!S_ISREG(sb.st_mode)) {
        return sys_fail(err, ENOENT, "no such object", path);
    }
    *size = (uint64_t)sb.st_size;
    if (sb.st_size >= (off_t)OT_SEAL_OVERHEAD) {
        /* a sealed object: its size is the plain size, as S3 reports it */
        char magic[OT_SEALED_MAGIC_LEN];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
            ot_is_sealed(magic, sizeof(magic))) {
            *size -= OT_SEAL_OVERHEAD;
        }
        if (fd >= 0) {
            (void)close(fd); /* read-only */
        }
    }
    return OT_OK;
}

static ot_status local_del(void *be, const char *bucket, const char *key, struct ot_error *err)
{
    struct local *l = be;
    char path[PATH_BYTES];
    ot_status st = check_key(bucket, key, err);
    if (st == OT_OK) {
        st = obj_path(l, bucket, key, "", path, err);
    }
    if (st != OT_OK) {
        return st;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        return sys_fail(err, errno, "cannot delete", path);
    }
    st = obj_path(l, bucket, key, ".meta.json", path, err);
    if (st == OT_OK && unlink(path) != 0 && errno != ENOENT) {
        return sys_fail(err, errno, "cannot delete", path);
    }
    return st;
}

struct keys {
    char **v;
    size_t n, cap;
};

static ot_status keys_push(struct keys *k, const char *s, size_t n)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 256;
        if (nc > MAX_LIST_KEYS) {
            return OT_E_LIMIT;
        }
        char **nv = ot_realloc(k->v, nc * sizeof(*nv));
        if (nv == NULL) {
            return OT_E_NOMEM;
        }
        k->v = nv;
        k->cap = nc;
    }
    k->v[k->n] = ot_strndup(s, n);
    if (k->v[k->n] == NULL) {
        return OT_E_NOMEM;
    }
    k->n++;
    return OT_OK;
}

/* Walk @dir (key @rel so far) and keep the keys that start with @prefix. */
static ot_status walk(const char *dir, char *rel, size_t rel_n, const char *prefix, struct keys *k,
                      unsigned depth)
{
    if (depth > OT_TREE_MAX_DEPTH) {
        return OT_OK;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT || errno == ENOTDIR ? OT_OK : OT_E_IO;
    }
    ot_status st = OT_OK;
    size_t pn = strlen(prefix);
    struct dirent *e;
    while (st == OT_OK && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (nm[0] == '.') {
            continue; /* ., .., temporary files */
        }
        size_t nn = strlen(nm);
        if (rel_n + nn + 2 >= PATH_BYTES) {
            continue;
        }
        memcpy(rel + rel_n, nm, nn + 1);
        size_t kn = rel_n + nn;
        /* prune subtrees whose keys cannot start with the prefix */
        size_t cmp = kn < pn ? kn : pn;
        if (memcmp(rel, prefix, cmp) != 0) {
            continue;
        }
        char path[PATH_BYTES];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, nm) >= sizeof(path)) {
            continue;
        }
        struct stat sb;
        if (stat(path, &sb) != 0) {
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            rel[kn] = '/';
            rel[kn + 1] = '\0';
            st = walk(path, rel, kn + 1, prefix, k, depth + 1);
        } else if (S_ISREG(sb.st_mode) && kn >= pn &&
                   !(nn >= 10 && strcmp(nm + nn - 10, ".meta.json") == 0)) {
            st = keys_push(k, rel, kn);
        }
        rel[rel_n] = '\0';
    }
    (void)closedir(d); /* read-only */
    return st;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b); /* bytes, as S3 orders keys */
}

static ot_status local_list(void *be, const char *bucket, const char *prefix,
                            const char *start_after, ot_list_fn fn, void *ctx, struct ot_error *err)
{
    struct local *l = be;
    struct keys k = { 0 };
    char base[PATH_BYTES], rel[PATH_BYTES];
    ot_status st = check_key(bucket, "x", err);
    if (st != OT_OK) {
        return st;
    }
    if (prefix == NULL) {
        prefix = "";
    }
    /* start the walk at the deepest folder the prefix names */
    const char *slash = strrchr(prefix, '/');
    size_t dn = slash ? (size_t)(slash - prefix + 1) : 0;
    if ((size_t)snprintf(base, sizeof(base), "%s/%s/%.*s", l->root, bucket, (int)dn, prefix) >=
            sizeof(base) ||
        dn >= sizeof(rel)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "prefix too long");
    }
    memcpy(rel, prefix, dn);
    rel[dn] = '\0';
    st = walk(base, rel, dn, prefix, &k, 0);
    if (st == OT_OK && l->archive != NULL) {
        /* both tiers: an object moved to the archive is still in the bucket */
        if ((size_t)snprintf(base, sizeof(base), "%s/%s/%.*s", l->archive, bucket, (int)dn,
                             prefix) >= sizeof(base)) {
            return ot_fail(err, OT_E_LIMIT, NULL, "prefix too long");
        }
        rel[dn] = '\0';
        st = walk(base, rel, dn, prefix, &k, 0);
    }
    if (st == OT_OK && k.n > 1) {
        qsort(k.v, k.n, sizeof(*k.v), cmp_keys);
        size_t w = 1; /* an object caught between the tiers mid-transition is listed once */
        for (size_t i = 1; i < k.n; i++) {
            if (strcmp(k.v[i], k.v[w - 1]) == 0) {
                ot_free(k.v[i]);
            } else {
                k.v[w++] = k.v[i];
            }
        }
        k.n = w;
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, st == OT_E_LIMIT ? "list a narrower prefix" : NULL,
                     "cannot list the bucket");
        ot_error_at(err, "%s/%s", l->root, bucket);
    }
    for (size_t i = 0; st == OT_OK && i < k.n; i++) {
        if (start_after != NULL && strcmp(k.v[i], start_after) <= 0) {
            continue;
        }
        if (!fn(ctx, k.v[i])) {
            break;
        }
    }
    for (size_t i = 0; i < k.n; i++) {
        ot_free(k.v[i]);
    }
    ot_free(k.v);
    return st;
}

static ot_status local_flush(void *be, struct ot_error *err)
{
    struct local *l = be;
    ot_status st = OT_OK;
    size_t i = 0;
    for (; i < l->ndirty && st == OT_OK; i++) {
        int fd = open(l->dirty[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            st = sys_fail(err, errno, "cannot open folder", l->dirty[i]);
            break;
        }
        if (fsync(fd) != 0 && errno != EINVAL) {
            st = sys_fail(err, errno, "cannot fsync folder", l->dirty[i]);
        }
        (void)close(fd); /* a folder descriptor: nothing buffered */
    }
    if (st == OT_OK) {
        for (size_t k = 0; k < l->ndirty; k++) {
            ot_free(l->dirty[k]);
        }
        l->ndirty = 0;
    }
    return st;
}

static void local_close(void *be)
{
    struct local *l = be;
    if (l != NULL) {
        for (size_t k = 0; k < l->ndirty; k++) {
            ot_free(l->dirty[k]);
        }
        ot_free(l->dirty);
        ot_free(l->archive);
        ot_free(l->root);
        ot_free(l);
    }
}

static const struct ot_backend_ops local_ops = {
    .name = "local",
    .put = local_put,
    .get = local_get,
    .head = local_head,
    .list = local_list,
    .del = local_del,
    .flush = local_flush,
    .close = local_close,
};

ot_status ot_store_local_open_batch(const char *root, struct ot_backend *out, struct ot_error *err)
{
    ot_status st = ot_store_local_open(root, out, err);
    if (st == OT_OK) {
        ((struct local *)out->be)->defer = true;
    }
    return st;
}

ot_status ot_store_local_open(const char *root, struct ot_backend *out, struct ot_error *err)
{
    if (mkdir(root, 0750) != 0 && errno != EEXIST) {
        return sys_fail(err, errno, "cannot create the store folder", root);
    }
    struct local *l = ot_calloc(1, sizeof(*l));
    if (l == NULL || (l->root = ot_strndup(root, strlen(root))) == NULL) {
        ot_free(l);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    out->ops = &local_ops;
    out->be = l;
    return OT_OK;
}

ot_status ot_store_local_encrypt(struct ot_backend *b, const struct ot_kek_ring *ring,
                                 bool seal_puts, struct ot_error *err)
{
    if (b == NULL || b->ops != &local_ops) {
        return ot_fail(err, OT_E_USAGE, "use the S3 store's own encryption (--s3-sse)",
                       "encryption at rest by opentrail is for the local backend");
    }
    if (seal_puts && ot_kek_current(ring) == NULL) {
        return ot_fail(err, OT_E_USAGE, "run opentrail keys kek-generate",
                       "encryption at rest is on but there is no current key-encryption key");
    }
    struct local *l = b->be;
    l->ring = ring;
    l->seal = seal_puts;
    return OT_OK;
}

ot_status ot_store_local_set_archive(struct ot_backend *b, const char *archive_root,
                                     struct ot_error *err)
{
    if (b == NULL || b->ops != &local_ops) {
        return ot_fail(err, OT_E_USAGE, NULL, "the archive tier is for the local backend");
    }
    struct local *l = b->be;
    char *a = ot_strndup(archive_root, strlen(archive_root));
    if (a == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_free(l->archive);
    l->archive = a;
    return OT_OK;
}

void ot_store_close(struct ot_backend *b)
{
    if (b != NULL && b->ops != NULL) {
        b->ops->close(b->be);
        b->ops = NULL;
        b->be = NULL;
    }
}
