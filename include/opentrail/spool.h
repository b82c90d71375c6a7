/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.h - the durable spool: where an accepted record is written, and
 * fsync'd, before the daemon acknowledges it.
 *
 * Stage: capture. The spool is a run of append-only segment files holding
 * frames ([u32 length][u32 CRC-32][record bytes]); a position is a byte
 * offset in the whole run, never reused. Appends from many threads share one
 * fdatasync (group commit). Delivery reads behind the durable end and moves
 * the checkpoint once what it read is in durable log files; whole segments
 * below the checkpoint are deleted. Opening the spool after a crash cuts a
 * torn last frame away and replays from the checkpoint.
 */
#ifndef OPENTRAIL_SPOOL_H
#define OPENTRAIL_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One segment file grows to about this size before the next one starts. */
#define OT_SPOOL_SEGMENT_BYTES (64u * 1024u * 1024u)
/* Bytes of one frame's record (the HTTP layer caps records far below). */
#define OT_SPOOL_MAX_FRAME (1024u * 1024u)

struct ot_spool;

struct ot_spool_opts {
    const char *dir;        /* created 0700 when missing */
    uint64_t max_bytes;     /* spooled bytes not yet checkpointed; 0 = no cap */
    uint64_t segment_bytes; /* 0 = OT_SPOOL_SEGMENT_BYTES */
    bool no_sync;           /* benchmarks of the rest of the path only: never fsync */
};

/**
 * ot_spool_open() - open (or create) the spool in @o->dir and recover it:
 * the checkpoint is read and a torn frame at the end is cut away. On OT_OK
 * *@out is the caller's; close it with ot_spool_close().
 */
OT_API ot_status ot_spool_open(const struct ot_spool_opts *o, struct ot_spool **out,
                               struct ot_error *err);
OT_API void ot_spool_close(struct ot_spool *s);

/**
 * ot_spool_append() - write @n records as frames, all or none, and return the
 * position after the last in *@end. Not durable yet: call ot_spool_sync().
 * OT_E_RETRY when the spool holds max_bytes already (answer 503), OT_E_NOSPC
 * when the disk is full (the partial write is cut off again), OT_E_IO.
 * Thread-safe.
 */
OT_API ot_status ot_spool_append(struct ot_spool *s, const struct ot_sv *recs, size_t n,
                                 uint64_t *end, struct ot_error *err);

/**
 * ot_spool_sync() - return once everything up to @end is on disk. Threads
 * waiting together share one fdatasync. Thread-safe.
 */
OT_API ot_status ot_spool_sync(struct ot_spool *s, uint64_t end, struct ot_error *err);

/* Called for each frame read: @rec is borrowed for the call, @next is the
 * position after it. Return false to stop after this one. */
typedef bool (*ot_spool_fn)(void *ctx, struct ot_sv rec, uint64_t pos, uint64_t next);

/**
 * ot_spool_read() - call @fn for the durable frames from @from on, at most
 * @max_bytes of them (at least one); *@next is where to go on. Reading is
 * for one thread (delivery).
 */
OT_API ot_status ot_spool_read(struct ot_spool *s, uint64_t from, uint64_t max_bytes,
                               ot_spool_fn fn, void *ctx, uint64_t *next, struct ot_error *err);

/**
 * ot_spool_checkpoint() - everything before @pos is delivered: remember it
 * durably and delete the segments that lie wholly before it.
 */
OT_API ot_status ot_spool_checkpoint(struct ot_spool *s, uint64_t pos, struct ot_error *err);

struct ot_spool_stats {
    uint64_t checkpoint;    /* replay starts here */
    uint64_t durable;       /* everything before this is on disk */
    uint64_t end;           /* where the next append goes */
    uint64_t syncs;         /* fdatasync calls so far */
    uint64_t pending_bytes; /* end - checkpoint */
};
OT_API void ot_spool_stats(struct ot_spool *s, struct ot_spool_stats *out);

/**
 * ot_spool_wait() - block until the durable end passes @pos or @timeout_ms
 * passes (or ot_spool_wake() is called); true when there is something new.
 */
OT_API bool ot_spool_wait(struct ot_spool *s, uint64_t pos, unsigned timeout_ms);
OT_API void ot_spool_wake(struct ot_spool *s);

#ifdef __cplusplus
}
#endif
#endif
