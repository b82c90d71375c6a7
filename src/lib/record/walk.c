/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/walk.c - turn command-line arguments into an ordered list of inputs.
 *
 * Stage: record (ingest). Directories are walked in byte order of names,
 * which for the CloudTrail key layout (AWSLogs/<acct>/CloudTrail/<region>/
 * YYYY/MM/DD/..._YYYYMMDDTHHMMZ_...) is delivery order. Symbolic links to
 * directories are not followed (no loops) and depth is capped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opentrail/limits.h"
#include "opentrail/scan.h"

#include "core/private.h"

void ot_inputs_cleanup(struct ot_inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        ot_free(in->v[i].path);
    }
    ot_free(in->v);
    memset(in, 0, sizeof(*in));
}

static ot_status push(struct ot_inputs *in, const char *path, bool named, struct ot_error *err)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        struct ot_input *v = ot_realloc(in->v, cap * sizeof(*v));
        if (v == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory listing inputs");
        }
        in->v = v;
        in->cap = cap;
    }
    char *p = ot_strndup(path, strlen(path));
    if (p == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory listing inputs");
    }
    struct ot_input *e = &in->v[in->n++];
    e->path = p;
    e->is_stdin = strcmp(path, "-") == 0;
    e->by_key = e->is_stdin ? OT_SHAPE_UNKNOWN : ot_shape_from_key(path);
    e->named = named;
    return OT_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool looks_like_data(const char *name)
{
    if (ends_with(name, ".meta.json")) {
        return false; /* our local backend's S3 metadata sidecars */
    }
    static const char *const ext[] = { ".json",   ".json.gz",   ".jsonl", ".jsonl.gz",
                                       ".ndjson", ".ndjson.gz", ".gz" };
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        if (ends_with(name, ext[i])) {
            return true;
        }
    }
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void report(ot_read_error_fn on_error, void *ctx, const char *path, int e, const char *what)
{
    struct ot_error er;
    ot_fail(&er, OT_E_IO, "check the permissions of the directory", "%s: %s", what, strerror(e));
    er.sys_errno = e;
    (void)snprintf(er.where, sizeof(er.where), "%s", path);
    if (on_error != NULL) {
        on_error(ctx, &er);
    }
}

static ot_status walk_dir(struct ot_inputs *in, const char *dir, unsigned depth,
                          ot_read_error_fn on_error, void *ctx, struct ot_error *err)
{
    if (depth > OT_TREE_MAX_DEPTH) {
        struct ot_error er;
        ot_fail(&er, OT_E_LIMIT, "give a deeper folder directly",
                "directory nesting deeper than %u levels; not descended", OT_TREE_MAX_DEPTH);
        (void)snprintf(er.where, sizeof(er.where), "%s", dir);
        if (on_error != NULL) {
            on_error(ctx, &er);
        }
        return OT_OK;
    }
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        report(on_error, ctx, dir, errno, "cannot open directory");
        return OT_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    ot_status st = OT_OK;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.') {
            continue; /* ., .., and hidden files such as editors' temporaries */
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = ot_realloc(names, cap * sizeof(*nn));
            if (nn == NULL) {
                st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory listing %s", dir);
                goto out;
            }
            names = nn;
        }
        names[n] = ot_strndup(de->d_name, strlen(de->d_name));
        if (names[n] == NULL) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory listing %s", dir);
            goto out;
        }
        n++;
    }
    if (n > 1) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    struct ot_buf path = OT_BUF_INIT(4096);
    for (size_t i = 0; i < n && st == OT_OK; i++) {
        ot_buf_reset(&path);
        bool slash = dir[0] != '\0' && dir[strlen(dir) - 1] == '/';
        if (ot_buf_printf(&path, "%s%s%s", dir, slash ? "" : "/", names[i]) != OT_OK) {
            path = OT_BUF_INIT(4096);
            continue; /* a path over 4 KB cannot be opened anyway */
        }
        struct stat sb;
        if (lstat(path.data, &sb) != 0) {
            report(on_error, ctx, path.data, errno, "cannot stat");
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            st = walk_dir(in, path.data, depth + 1, on_error, ctx, err);
        } else if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) {
            if (S_ISLNK(sb.st_mode) && (stat(path.data, &sb) != 0 || !S_ISREG(sb.st_mode))) {
                continue; /* links are followed to files only */
            }
            if (looks_like_data(names[i])) {
                st = push(in, path.data, false, err);
            } else {
                in->skipped_names++;
            }
        }
    }
    ot_buf_cleanup(&path);
out:
    for (size_t i = 0; i < n; i++) {
        ot_free(names[i]);
    }
    ot_free(names);
    (void)closedir(dh); /* read-only handle: nothing to lose */
    return st;
}

ot_status ot_inputs_add(struct ot_inputs *in, const char *arg, ot_read_error_fn on_error, void *ctx,
                        struct ot_error *err)
{
    if (strcmp(arg, "-") == 0) {
        return push(in, arg, true, err);
    }
    struct stat sb;
    if (stat(arg, &sb) != 0) {
        int e = errno;
        ot_fail(err, OT_E_IO, "check the path", "%s", strerror(e));
        err->sys_errno = e;
        ot_error_at(err, "%s", arg);
        return OT_E_IO;
    }
    if (S_ISDIR(sb.st_mode)) {
        return walk_dir(in, arg, 0, on_error, ctx, err);
    }
    return push(in, arg, true, err);
}
