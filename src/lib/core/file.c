/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/file.c - whole small files written atomically (see file.h).
 *
 * Write under "<path>.tmp" (O_EXCL after removing a leftover of a crash),
 * fsync, then rename, or link for an exclusive write so an existing file is
 * never replaced, and fsync the folder so the name is durable too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

#include "core/private.h"

static ot_status io_fail(struct ot_error *err, const char *what, const char *path)
{
    int e = errno;
    ot_status st = ot_fail(err, (e == ENOSPC || e == EDQUOT) ? OT_E_NOSPC : OT_E_IO,
                           "check the state folder's space and permissions", "cannot %s: %s", what,
                           strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

static ot_status sync_dir_of(const char *path, struct ot_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : (size_t)(slash - path);
    if (n >= sizeof(dir)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "path too long");
    }
    memcpy(dir, slash == NULL ? "." : path, n ? n : 1);
    dir[n ? n : 1] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return io_fail(err, "open the folder", dir);
    }
    bool ok = fsync(fd) == 0;
    ot_status st = ok ? OT_OK : io_fail(err, "fsync the folder", dir);
    (void)close(fd); /* read-only descriptor: nothing to lose */
    return st;
}

ot_status ot_file_replace(const char *path, const void *data, size_t n, bool exclusive,
                          struct ot_error *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        return ot_fail(err, OT_E_LIMIT, NULL, "path too long: %.100s", path);
    }
    if (exclusive && access(path, F_OK) == 0) {
        return ot_fail(err, OT_E_USAGE, NULL, "exists already");
    }
    (void)unlink(tmp); /* a leftover of a crash; ENOENT is the usual answer */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return io_fail(err, "create", tmp);
    }
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            ot_status st = io_fail(err, "write", tmp);
            (void)close(fd);
            (void)unlink(tmp);
            return st;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        ot_status st = io_fail(err, "fsync", tmp);
        (void)close(fd);
        (void)unlink(tmp);
        return st;
    }
    if (close(fd) != 0) {
        ot_status st = io_fail(err, "close", tmp);
        (void)unlink(tmp);
        return st;
    }
    if (exclusive) {
        if (link(tmp, path) != 0) {
            ot_status st = errno == EEXIST ? ot_fail(err, OT_E_USAGE, NULL, "exists already")
                                           : io_fail(err, "link", path);
            (void)unlink(tmp);
            return st;
        }
        (void)unlink(tmp); /* the name that matters is linked */
    } else if (rename(tmp, path) != 0) {
        ot_status st = io_fail(err, "rename", path);
        (void)unlink(tmp);
        return st;
    }
    return sync_dir_of(path, err);
}

ot_status ot_file_read(const char *path, struct ot_buf *out, struct ot_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return io_fail(err, "open", path);
    }
    ot_status st = OT_OK;
    char chunk[8192];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = io_fail(err, "read", path);
            break;
        }
        if (r == 0) {
            break;
        }
        st = ot_buf_append(out, chunk, (size_t)r);
        if (st != OT_OK) {
            st =
                ot_fail(err, st, NULL, "%s", st == OT_E_LIMIT ? "file too large" : "out of memory");
            ot_error_at(err, "%s", path);
            break;
        }
    }
    (void)close(fd); /* read-only */
    return st;
}
