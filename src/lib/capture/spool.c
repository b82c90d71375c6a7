/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/spool.c - the durable spool (spool.h): append-only segments of
 * framed records, group commit, a checkpoint, recovery after a crash.
 *
 * Stage: capture. "Nothing acknowledged is lost" is promised here: the daemon
 * answers 2xx only after ot_spool_sync() covered the records' frames. A
 * segment is named after the position of its first byte (16 hex digits), so
 * positions run on across segments without a gap. Only the last segment can
 * end in a torn frame: a segment is fdatasync'd before the next one exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "opentrail/spool.h"
#include "store/store_int.h"

#include "core/private.h"

#define FRAME_HDR    8u
#define MAX_SEGMENTS 65536u
#define PATH_BYTES   4096u
#define READ_BUF_MIN (256u * 1024u)

struct segment {
    uint64_t base, size;
};

struct ot_spool {
    char dir[PATH_BYTES / 2]; /* room for a file name after it */
    struct ot_spool_opts o;
    pthread_mutex_t mu;
    pthread_cond_t synced; /* durable moved, or a sync finished */
    pthread_cond_t fresh;  /* for the reader: durable moved */
    struct segment *segs;  /* segs[nsegs-1] is the one appended to */
    size_t nsegs, cap;
    int wfd; /* the last segment, open for appending */
    uint64_t end, durable, checkpoint, syncs, cut_bytes;
    bool syncing, woken;
    /* reader side (one thread) */
    int rfd;
    uint64_t rbase;
    struct ot_buf rbuf;
};

static ot_status sys_fail(struct ot_error *err, int e, const char *what, const char *path)
{
    ot_status st = ot_fail(err, (e == ENOSPC || e == EDQUOT) ? OT_E_NOSPC : OT_E_IO,
                           (e == ENOSPC || e == EDQUOT) ? "free disk space for the spool" : NULL,
                           "spool: %s: %s", what, strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

static void seg_path(const struct ot_spool *s, uint64_t base, char out[PATH_BYTES])
{
    (void)snprintf(out, PATH_BYTES, "%s/%016" PRIx64 ".seg", s->dir, base);
}

static ot_status fsync_dir(const char *dir, struct ot_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return sys_fail(err, errno, "cannot open folder", dir);
    }
    ot_status st = OT_OK;
    if (fsync(fd) != 0 && errno != EINVAL) {
        st = sys_fail(err, errno, "cannot fsync folder", dir);
    }
    (void)close(fd); /* read-only folder descriptor: nothing to lose */
    return st;
}

static ot_status push_seg(struct ot_spool *s, uint64_t base, uint64_t size, struct ot_error *err)
{
    if (s->nsegs == s->cap) {
        if (s->cap == MAX_SEGMENTS) {
            return ot_fail(err, OT_E_LIMIT, "let delivery catch up, or raise SpoolMaxBytes less",
                           "spool: more than %u segments", MAX_SEGMENTS);
        }
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct segment *nv = ot_realloc(s->segs, nc * sizeof(*nv));
        if (nv == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        s->segs = nv;
        s->cap = nc;
    }
    s->segs[s->nsegs++] = (struct segment){ base, size };
    return OT_OK;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    return x->base < y->base ? -1 : x->base > y->base;
}

static ot_status read_checkpoint(struct ot_spool *s, struct ot_error *err)
{
    char p[PATH_BYTES];
    (void)snprintf(p, sizeof(p), "%s/checkpoint", s->dir);
    FILE *f = fopen(p, "re");
    if (f == NULL) {
        if (errno == ENOENT) {
            s->checkpoint = 0;
            return OT_OK;
        }
        return sys_fail(err, errno, "cannot open", p);
    }
    char line[64] = { 0 };
    bool ok = fgets(line, sizeof(line), f) != NULL;
    (void)fclose(f); /* opened read-only */
    uint64_t v = 0;
    size_t n = ok ? strcspn(line, "\n") : 0;
    if (!ok || ot_parse_u64((struct ot_sv){ line, n }, UINT64_MAX, false, &v) != OT_OK) {
        ot_status st = ot_fail(err, OT_E_PARSE,
                               "the file holds one decimal position; restore it or remove the "
                               "spool folder to start over (records in it are then lost)",
                               "spool checkpoint is damaged");
        ot_error_at(err, "%s", p);
        return st;
    }
    s->checkpoint = v;
    return OT_OK;
}

/* Walk the frames of the last segment; cut at the first torn or bad one. */
static ot_status recover_tail(struct ot_spool *s, struct ot_error *err)
{
    struct segment *last = &s->segs[s->nsegs - 1];
    char p[PATH_BYTES];
    seg_path(s, last->base, p);
    int fd = open(p, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return sys_fail(err, errno, "cannot open segment", p);
    }
    ot_status st = OT_OK;
    uint64_t off = 0;
    unsigned char *buf = NULL;
    size_t bufcap = 0;
    for (;;) {
        unsigned char hdr[FRAME_HDR];
        ssize_t r = pread(fd, hdr, FRAME_HDR, (off_t)off);
        if (r < (ssize_t)FRAME_HDR) {
            break;
        }
        uint32_t len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
                       (uint32_t)hdr[3] << 24;
        uint32_t crc = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 |
                       (uint32_t)hdr[7] << 24;
        if (len == 0 || len > OT_SPOOL_MAX_FRAME) {
            break;
        }
        if (len > bufcap) {
            unsigned char *nb = ot_realloc(buf, len);
            if (nb == NULL) {
                st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                goto out;
            }
            buf = nb;
            bufcap = len;
        }
        r = pread(fd, buf, len, (off_t)(off + FRAME_HDR));
        if (r != (ssize_t)len || (uint32_t)crc32(0L, buf, len) != crc) {
            break;
        }
        off += FRAME_HDR + len;
    }
    if (off != last->size) {
        /* a torn append: it was never synced, so never acknowledged. The bytes are
         * kept aside (as WALs do, cut at the first bad frame) so nothing goes silently */
        char aside[PATH_BYTES + 32];
        (void)snprintf(aside, sizeof(aside), "%s.cut-%" PRIu64, p, off);
        size_t n = (size_t)(last->size - off);
        unsigned char *tail = ot_malloc(n ? n : 1);
        int afd = tail ? open(aside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
        bool saved = afd >= 0 && pread(fd, tail, n, (off_t)off) == (ssize_t)n &&
                     write(afd, tail, n) == (ssize_t)n && fsync(afd) == 0;
        if (afd >= 0) {
            saved = close(afd) == 0 && saved;
        }
        ot_free(tail);
        if (!saved) {
            st = ot_fail(err, OT_E_IO, "free disk space, or move the segment aside by hand",
                         "spool: cannot keep the torn end of a segment aside");
            ot_error_at(err, "%s", aside);
            goto out;
        }
        s->cut_bytes += n;
        if (ftruncate(fd, (off_t)off) != 0 || fdatasync(fd) != 0) {
            st = sys_fail(err, errno, "cannot cut a torn frame", p);
            goto out;
        }
        last->size = off;
    }
out:
    ot_free(buf);
    if (close(fd) != 0 && st == OT_OK) {
        st = sys_fail(err, errno, "cannot close", p);
    }
    return st;
}

static ot_status new_segment(struct ot_spool *s, uint64_t base, struct ot_error *err)
{
    char p[PATH_BYTES];
    seg_path(s, base, p);
    int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        return sys_fail(err, errno, "cannot create segment", p);
    }
    ot_status st = fsync_dir(s->dir, err);
    if (st == OT_OK) {
        st = push_seg(s, base, 0, err);
    }
    if (st != OT_OK) {
        (void)close(fd); /* empty and unused */
        return st;
    }
    s->wfd = fd;
    return OT_OK;
}

ot_status ot_spool_open(const struct ot_spool_opts *o, struct ot_spool **out, struct ot_error *err)
{
    if (o->dir == NULL || strlen(o->dir) >= PATH_BYTES / 2) {
        return ot_fail(err, OT_E_USAGE, NULL, "spool folder missing or too long");
    }
    struct ot_spool *s = ot_calloc(1, sizeof(*s));
    if (s == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    ot_status st = OT_OK;
    DIR *d = NULL;
    (void)snprintf(s->dir, sizeof(s->dir), "%s", o->dir);
    s->o = *o;
    s->o.dir = s->dir;
    if (s->o.segment_bytes == 0) {
        s->o.segment_bytes = OT_SPOOL_SEGMENT_BYTES;
    }
    s->wfd = -1;
    s->rfd = -1;
    s->rbuf = OT_BUF_INIT(OT_SPOOL_SEGMENT_BYTES + OT_SPOOL_MAX_FRAME);
    (void)pthread_mutex_init(&s->mu, NULL);
    (void)pthread_cond_init(&s->synced, NULL);
    /* ot_spool_wait() counts its timeout on the monotonic clock: the condition
     * variable must too, or every wait ends at once (a busy loop) */
    pthread_condattr_t ca;
    (void)pthread_condattr_init(&ca);
    (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    (void)pthread_cond_init(&s->fresh, &ca);
    (void)pthread_condattr_destroy(&ca);
    if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
        st = sys_fail(err, errno, "cannot create folder", s->dir);
        goto fail;
    }
    st = read_checkpoint(s, err);
    if (st != OT_OK) {
        goto fail;
    }
    d = opendir(s->dir);
    if (d == NULL) {
        st = sys_fail(err, errno, "cannot read folder", s->dir);
        goto fail;
    }
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n != 20 || strcmp(e->d_name + 16, ".seg") != 0 ||
            strspn(e->d_name, "0123456789abcdef") != 16) {
            continue;
        }
        char p[PATH_BYTES];
        (void)snprintf(p, sizeof(p), "%s/%s", s->dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0) {
            st = sys_fail(err, errno, "cannot stat", p);
            goto fail;
        }
        st = push_seg(s, strtoull(e->d_name, NULL, 16), (uint64_t)sb.st_size, err);
        if (st != OT_OK) {
            goto fail;
        }
    }
    if (s->nsegs > 1) {
        qsort(s->segs, s->nsegs, sizeof(*s->segs), cmp_seg);
    }
    for (size_t i = 1; i < s->nsegs; i++) {
        if (s->segs[i - 1].base + s->segs[i - 1].size != s->segs[i].base) {
            char p[PATH_BYTES];
            seg_path(s, s->segs[i].base, p);
            st = ot_fail(err, OT_E_PARSE,
                         "a segment was removed or changed by hand; restore it from a backup",
                         "spool segments do not follow on (a gap before this one)");
            ot_error_at(err, "%s", p);
            goto fail;
        }
    }
    if (s->nsegs > 0) {
        st = recover_tail(s, err);
        if (st != OT_OK) {
            goto fail;
        }
        const struct segment *last = &s->segs[s->nsegs - 1];
        s->end = last->base + last->size;
        if (s->segs[0].base > s->checkpoint) {
            st =
                ot_fail(err, OT_E_PARSE, "restore the missing segments from a backup",
                        "spool segments before %016" PRIx64 " are missing (checkpoint %" PRIu64 ")",
                        s->segs[0].base, s->checkpoint);
            ot_error_at(err, "%s", s->dir);
            goto fail;
        }
        char p[PATH_BYTES];
        seg_path(s, last->base, p);
        s->wfd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (s->wfd < 0) {
            st = sys_fail(err, errno, "cannot open segment", p);
            goto fail;
        }
    } else {
        /* an empty spool starts where the checkpoint says, so positions never repeat */
        s->end = s->checkpoint;
        st = new_segment(s, s->end, err);
        if (st != OT_OK) {
            goto fail;
        }
    }
    if (s->checkpoint > s->end) {
        st = ot_fail(err, OT_E_PARSE, "restore the spool segments from a backup",
                     "spool checkpoint %" PRIu64 " lies past the spool's end %" PRIu64,
                     s->checkpoint, s->end);
        ot_error_at(err, "%s", s->dir);
        goto fail;
    }
    s->durable = s->end;
    (void)closedir(d);
    *out = s;
    return OT_OK;
fail:
    if (d != NULL) {
        (void)closedir(d);
    }
    ot_spool_close(s);
    return st;
}

void ot_spool_close(struct ot_spool *s)
{
    if (s == NULL) {
        return;
    }
    if (s->wfd >= 0) {
        (void)fdatasync(s->wfd); /* best effort: what was acknowledged was synced already */
        (void)close(s->wfd);
    }
    if (s->rfd >= 0) {
        (void)close(s->rfd);
    }
    ot_buf_cleanup(&s->rbuf);
    ot_free(s->segs);
    (void)pthread_mutex_destroy(&s->mu);
    (void)pthread_cond_destroy(&s->synced);
    (void)pthread_cond_destroy(&s->fresh);
    ot_free(s);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Under s->mu: fdatasync and close the full segment, start the next. */
static ot_status rotate(struct ot_spool *s, struct ot_error *err)
{
    char p[PATH_BYTES];
    seg_path(s, s->segs[s->nsegs - 1].base, p);
    if (!s->o.no_sync && fdatasync(s->wfd) != 0) {
        return sys_fail(err, errno, "cannot sync segment", p);
    }
    if (close(s->wfd) != 0) {
        s->wfd = -1;
        return sys_fail(err, errno, "cannot close segment", p);
    }
    s->wfd = -1;
    /* what was written before is durable now: the next sync covers only the new file */
    if (s->durable < s->end) {
        s->durable = s->end;
        (void)pthread_cond_broadcast(&s->fresh);
    }
    return new_segment(s, s->end, err);
}

ot_status ot_spool_append(struct ot_spool *s, const struct ot_sv *recs, size_t n, uint64_t *end,
                          struct ot_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].n == 0 || recs[i].n > OT_SPOOL_MAX_FRAME) {
            return ot_fail(err, OT_E_LIMIT, NULL, "spool: a record of %zu bytes", recs[i].n);
        }
        total += FRAME_HDR + recs[i].n;
    }
    if (total > s->o.segment_bytes + OT_SPOOL_MAX_FRAME) {
        return ot_fail(err, OT_E_LIMIT, "send smaller batches", "spool: a batch of %zu bytes",
                       total);
    }
    unsigned char *frames = ot_malloc(total ? total : 1);
    if (frames == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    /* frames and CRCs are built outside the lock: only the write is serial */
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        put_u32(frames + at, (uint32_t)recs[i].n);
        put_u32(frames + at + 4,
                (uint32_t)crc32(0L, (const unsigned char *)recs[i].p, (uInt)recs[i].n));
        memcpy(frames + at + FRAME_HDR, recs[i].p, recs[i].n);
        at += FRAME_HDR + recs[i].n;
    }
    ot_status st = OT_OK;
    (void)pthread_mutex_lock(&s->mu);
    if (s->o.max_bytes != 0 && s->end - s->checkpoint + total > s->o.max_bytes) {
        st = ot_fail(err, OT_E_RETRY, "retry later; raise Limits.SpoolMaxBytes if this lasts",
                     "spool full: %" PRIu64 " bytes wait for delivery", s->end - s->checkpoint);
        goto out;
    }
    struct segment *cur = &s->segs[s->nsegs - 1];
    if (cur->size > 0 && cur->size + total > s->o.segment_bytes) {
        st = rotate(s, err);
        if (st != OT_OK) {
            goto out;
        }
        cur = &s->segs[s->nsegs - 1];
    }
    size_t done = 0;
    while (done < total) {
        ssize_t w = write(s->wfd, frames + done, total - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            char p[PATH_BYTES];
            seg_path(s, cur->base, p);
            st = sys_fail(err, e, "cannot append", p);
            /* all or none: cut what got out, so no half frame is left behind */
            if (done > 0 && ftruncate(s->wfd, (off_t)cur->size) != 0) {
                st = sys_fail(err, errno, "cannot cut a partial append", p);
            }
            goto out;
        }
        done += (size_t)w;
    }
    cur->size += total;
    s->end += total;
    *end = s->end;
out:
    (void)pthread_mutex_unlock(&s->mu);
    ot_free(frames);
    return st;
}

ot_status ot_spool_sync(struct ot_spool *s, uint64_t end, struct ot_error *err)
{
    ot_status st = OT_OK;
    (void)pthread_mutex_lock(&s->mu);
    while (s->durable < end) {
        if (s->syncing) {
            (void)pthread_cond_wait(&s->synced, &s->mu);
            continue;
        }
        /* lead this round: everything appended so far rides along */
        s->syncing = true;
        uint64_t target = s->end;
        int fd = s->o.no_sync ? -1 : dup(s->wfd);
        (void)pthread_mutex_unlock(&s->mu);
        int rc = 0, e = 0;
        if (!s->o.no_sync) {
            rc = fd < 0 ? -1 : fdatasync(fd);
            e = errno;
            if (fd >= 0) {
                (void)close(fd); /* a duplicate: the segment stays open */
            }
        }
        (void)pthread_mutex_lock(&s->mu);
        s->syncing = false;
        s->syncs++;
        if (rc != 0) {
            st = sys_fail(err, e, "cannot sync", s->dir);
            (void)pthread_cond_broadcast(&s->synced);
            break;
        }
        if (target > s->durable) {
            s->durable = target;
        }
        (void)pthread_cond_broadcast(&s->synced);
        (void)pthread_cond_broadcast(&s->fresh);
    }
    (void)pthread_mutex_unlock(&s->mu);
    return st;
}

bool ot_spool_wait(struct ot_spool *s, uint64_t pos, unsigned timeout_ms)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts); /* a wait, not a reading of the time */
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    (void)pthread_mutex_lock(&s->mu);
    while (s->durable <= pos && !s->woken) {
        if (pthread_cond_timedwait(&s->fresh, &s->mu, &ts) != 0) {
            break;
        }
    }
    bool fresh = s->durable > pos;
    s->woken = false;
    (void)pthread_mutex_unlock(&s->mu);
    return fresh;
}

void ot_spool_wake(struct ot_spool *s)
{
    (void)pthread_mutex_lock(&s->mu);
    s->woken = true;
    (void)pthread_cond_broadcast(&s->fresh);
    (void)pthread_mutex_unlock(&s->mu);
}

ot_status ot_spool_read(struct ot_spool *s, uint64_t from, uint64_t max_bytes, ot_spool_fn fn,
                        void *ctx, uint64_t *next, struct ot_error *err)
{
    (void)pthread_mutex_lock(&s->mu);
    uint64_t durable = s->durable;
    struct segment seg = { 0, 0 };
    bool found = false;
    for (size_t i = s->nsegs; i-- > 0;) {
        if (s->segs[i].base <= from) {
            seg = s->segs[i];
            /* a position at the very end of a full segment is the next one's start */
            if (from == seg.base + seg.size && i + 1 < s->nsegs) {
                seg = s->segs[i + 1];
            }
            found = true;
            break;
        }
    }
    (void)pthread_mutex_unlock(&s->mu);
    *next = from;
    if (!found || from >= durable) {
        return found ? OT_OK
                     : ot_fail(err, OT_E_USAGE, NULL, "spool position %" PRIu64 " is gone", from);
    }
    uint64_t stop = seg.base + seg.size < durable ? seg.base + seg.size : durable;
    uint64_t want = stop - from;
    if (want > max_bytes) {
        want = max_bytes < READ_BUF_MIN ? READ_BUF_MIN : max_bytes;
        if (want > stop - from) {
            want = stop - from;
        }
    }
    char p[PATH_BYTES];
    seg_path(s, seg.base, p);
    if (s->rfd < 0 || s->rbase != seg.base) {
        if (s->rfd >= 0) {
            (void)close(s->rfd); /* read-only */
        }
        s->rfd = open(p, O_RDONLY | O_CLOEXEC);
        if (s->rfd < 0) {
            return sys_fail(err, errno, "cannot open segment", p);
        }
        s->rbase = seg.base;
    }
    ot_buf_reset(&s->rbuf);
    ot_status st = ot_buf_reserve(&s->rbuf, want + OT_SPOOL_MAX_FRAME + FRAME_HDR);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    size_t got = 0;
    uint64_t span = stop - from; /* frames never cross a segment's end */
    while (got < want) {
        ssize_t r = pread(s->rfd, s->rbuf.data + got, want - got, (off_t)(from - seg.base + got));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return sys_fail(err, r < 0 ? errno : EIO, "cannot read segment", p);
        }
        got += (size_t)r;
    }
    size_t at = 0;
    while (at + FRAME_HDR <= got) {
        const unsigned char *h = (const unsigned char *)s->rbuf.data + at;
        uint32_t len =
            (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        if (len == 0 || len > OT_SPOOL_MAX_FRAME || at + FRAME_HDR + len > span) {
            return ot_fail(err, OT_E_PARSE, "the spool was changed on disk; restore it",
                           "spool: bad frame at position %" PRIu64, from + at);
        }
        if (at + FRAME_HDR + len > got) {
            /* the frame runs past this read: fetch its tail */
            size_t need = at + FRAME_HDR + len - got;
            ssize_t r = pread(s->rfd, s->rbuf.data + got, need, (off_t)(from - seg.base + got));
            if (r != (ssize_t)need) {
                return sys_fail(err, r < 0 ? errno : EIO, "cannot read segment", p);
            }
            got += need;
        }
        uint32_t crc =
            (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        const char *rec = s->rbuf.data + at + FRAME_HDR;
        if ((uint32_t)crc32(0L, (const unsigned char *)rec, len) != crc) {
            return ot_fail(err, OT_E_PARSE, "the spool was changed on disk; restore it",
                           "spool: frame at position %" PRIu64 " fails its CRC", from + at);
        }
        uint64_t pos = from + at;
        at += FRAME_HDR + len;
        *next = from + at;
        if (!fn(ctx, (struct ot_sv){ rec, len }, pos, from + at)) {
            break;
        }
    }
    return OT_OK;
}

ot_status ot_spool_checkpoint(struct ot_spool *s, uint64_t pos, struct ot_error *err)
{
    char p[PATH_BYTES], tmp[PATH_BYTES], text[32];
    (void)snprintf(p, sizeof(p), "%s/checkpoint", s->dir);
    (void)snprintf(tmp, sizeof(tmp), "%s/.checkpoint.tmp", s->dir);
    int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", pos);
    (void)unlink(tmp); /* left over by a crash, if any */
    ot_status st = ot_durable_write(tmp, p, text, (size_t)n, 0600, true, err);
    if (st != OT_OK) {
        return st;
    }
    /* segments that lie wholly before the checkpoint are delivered: drop them */
    (void)pthread_mutex_lock(&s->mu);
    s->checkpoint = pos;
    size_t drop = 0;
    while (drop + 1 < s->nsegs && s->segs[drop].base + s->segs[drop].size <= pos) {
        drop++;
    }
    uint64_t bases[64];
    size_t nb = drop < 64 ? drop : 64;
    for (size_t i = 0; i < nb; i++) {
        bases[i] = s->segs[i].base;
    }
    memmove(s->segs, s->segs + nb, (s->nsegs - nb) * sizeof(*s->segs));
    s->nsegs -= nb;
    (void)pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < nb; i++) {
        seg_path(s, bases[i], p);
        if (s->rfd >= 0 && s->rbase == bases[i]) {
            (void)close(s->rfd); /* read-only */
            s->rfd = -1;
        }
        if (unlink(p) != 0 && errno != ENOENT) {
            return sys_fail(err, errno, "cannot remove delivered segment", p);
        }
    }
    return OT_OK;
}

uint64_t ot_spool_skip_damaged(struct ot_spool *s, uint64_t pos)
{
    (void)pthread_mutex_lock(&s->mu);
    uint64_t next = s->durable;
    for (size_t i = 0; i < s->nsegs; i++) {
        if (s->segs[i].base > pos) {
            next = s->segs[i].base < next ? s->segs[i].base : next;
            break;
        }
    }
    (void)pthread_mutex_unlock(&s->mu);
    return next;
}

void ot_spool_stats(struct ot_spool *s, struct ot_spool_stats *out)
{
    (void)pthread_mutex_lock(&s->mu);
    *out = (struct ot_spool_stats){ .checkpoint = s->checkpoint,
                                    .durable = s->durable,
                                    .end = s->end,
                                    .syncs = s->syncs,
                                    .pending_bytes = s->end - s->checkpoint,
                                    .cut_bytes = s->cut_bytes };
    (void)pthread_mutex_unlock(&s->mu);
}
