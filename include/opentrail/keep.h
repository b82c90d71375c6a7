/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keep.h - lifecycle rules on the local store: transition to the archive
 * tier, expiry, and the retention lock (docs/lifecycle.md).
 *
 * Stage: keep (beside the flow; it reads what store and prove wrote). This
 * code deletes data, so the whole decision is one plan that can be printed
 * (`lifecycle plan`) before it is carried out (`lifecycle run`). A digest is
 * expired only together with every log file it lists, and every expiry is
 * recorded in <state>/expired.json before anything is deleted, so validate
 * reports expired ranges as expired, never as missing or tampered. The
 * library never reads the clock: callers pass now_ms.
 */
#ifndef OPENTRAIL_KEEP_H
#define OPENTRAIL_KEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"
#include "opentrail/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OT_DAY_MS           86400000LL
#define OT_KEEP_MAX_OBJECTS 10000000u /* objects one plan may hold */
#define OT_KEEP_MAX_RANGES  100000u   /* ranges expired.json may hold */

/* Archive storage classes, S3's names; the order of the config's choices. */
enum ot_keep_class {
    OT_KEEP_STANDARD_IA = 0,
    OT_KEEP_GLACIER_IR,
    OT_KEEP_GLACIER,
    OT_KEEP_DEEP_ARCHIVE,
    OT_KEEP_CLASS_COUNT
};
/* "GLACIER", ...; "?" when out of range. */
OT_API const char *ot_keep_class_name(int c);
/* The price book id of a class's storage ("s3.storage.glacier_flexible"). */
OT_API const char *ot_keep_class_price_id(int c);

/* A rule; days 0 = never. Strings borrowed. */
struct ot_keep_rule {
    const char *prefix;
    uint64_t transition_days;
    int storage_class; /* enum ot_keep_class */
    uint64_t expire_days;
    uint64_t retain_days;
};

/* Where the local store keeps its tiers and its state. Strings borrowed. */
struct ot_keep_store {
    const char *hot_root;           /* <data>/buckets */
    const char *archive_root;       /* <data>/archive: same bucket/key layout */
    const char *state_dir;          /* <data>/state: expired.json */
    const struct ot_kek_ring *ring; /* opens sealed digests; may be NULL */
    /* An S3 store instead of the folders above (borrowed; state_dir still
     * holds expired.json): tiers are storage classes, a transition is a
     * CopyObject onto the same key, expiry a DELETE. */
    const struct ot_backend *backend;
    bool storage_classes; /* the server takes x-amz-storage-class (Swift: no) */
};

enum ot_keep_action { OT_KEEP_TRANSITION = 1, OT_KEEP_EXPIRE };

struct ot_keep_item {
    char *key; /* owned */
    int action;
    bool is_digest, archived;
    uint64_t bytes; /* on disk */
    int64_t delivery_ms;
    size_t rule;
    int storage_class; /* a transition's target (enum ot_keep_class) */
};

/* An expired range of one bucket, as expired.json records it. */
struct ot_keep_range {
    char prefix[256];
    int64_t from_ms, to_ms; /* delivery times of what was expired */
    uint64_t expire_days, digests, logs;
    int64_t expired_at_ms;
};

struct ot_keep_plan {
    char bucket[256];
    struct ot_keep_item *v; /* transitions first, then expiry: logs before their digests */
    size_t n, cap;
    uint64_t transitions, transition_bytes, expiries, expiry_bytes;
    uint64_t transition_bytes_by_class[OT_KEEP_CLASS_COUNT];
    uint64_t expiry_hot_bytes, expiry_archive_bytes;
    uint64_t held; /* log files due to expire but kept for the digest that lists them */
    struct ot_keep_range range; /* what the expiries cover (digests + logs 0: none) */
};

/**
 * ot_keep_plan_make() - what @rules do to @bucket of @s at @now_ms: objects
 * in the hot tier older than TransitionAfterDays move to the archive tier;
 * objects older than ExpireAfterDays (and RetainAtLeastDays) are deleted,
 * a digest only with all the log files it lists, a log file only with the
 * digest that lists it (or when the bucket has no digests). Ages count from
 * the delivery time in the key name, else the file's mtime. The longest
 * matching Prefix picks the rule. On OT_OK *@out is the caller's:
 * ot_keep_plan_cleanup(). OT_E_TAMPER when a digest cannot be read.
 */
OT_API ot_status ot_keep_plan_make(const struct ot_keep_store *s, const char *bucket,
                                   const struct ot_keep_rule *rules, size_t nrules, int64_t now_ms,
                                   struct ot_keep_plan *out, struct ot_error *err);

/**
 * ot_keep_plan_run() - carry @p out: transitions (link into the archive,
 * sidecar first, fsync, then unlink from the hot tier), then expiry: the
 * range is appended to <state>/expired.json (atomic, durable) before the
 * first deletion. Idempotent and resumable: a rerun after a crash finishes
 * what was left (a plan made again sees what is done). @done counts objects.
 */
OT_API ot_status ot_keep_plan_run(const struct ot_keep_store *s, const struct ot_keep_plan *p,
                                  int64_t now_ms, uint64_t *done, struct ot_error *err);
OT_API void ot_keep_plan_cleanup(struct ot_keep_plan *p);

/**
 * ot_keep_delete() - delete @key of @bucket (either tier) unless the
 * retention lock of its rule holds it: OT_E_USAGE naming the day it lifts.
 */
OT_API ot_status ot_keep_delete(const struct ot_keep_store *s, const char *bucket, const char *key,
                                const struct ot_keep_rule *rules, size_t nrules, int64_t now_ms,
                                struct ot_error *err);

/**
 * ot_keep_expired_load() - the ranges expired.json records for @bucket
 * (none when the file is missing). *@out is the caller's (ot_free).
 */
OT_API ot_status ot_keep_expired_load(const char *state_dir, const char *bucket,
                                      struct ot_keep_range **out, size_t *n, struct ot_error *err);

/* Delivery time from a CloudTrail log or digest key; false if it has none. */
OT_API bool ot_keep_key_time(const char *key, int64_t *ms);

/**
 * ot_store_local_set_archive() - make the local backend @b read @archive_root
 * too (the archive tier, same bucket/key layout): get and head fall back to
 * it, list shows both tiers. The string is copied.
 */
OT_API ot_status ot_store_local_set_archive(struct ot_backend *b, const char *archive_root,
                                            struct ot_error *err);

#ifdef __cplusplus
}
#endif
#endif
