/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - where the bytes go: the backend interface (put, get, head, list,
 * delete with S3 semantics), the local backend, the CloudTrail key layout and
 * the log file builder.
 *
 * Stage: store. The local backend keeps <root>/<bucket>/<key> and the S3 user
 * metadata of an object in <root>/<bucket>/<key>.meta.json, the layout the
 * AWS CLI validator driver (shared/tools/aws_offline_validate.py) reads.
 * Writes are atomic and durable; sealed objects are never overwritten.
 */
#ifndef OPENTRAIL_STORE_H
#define OPENTRAIL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One S3 user-metadata pair (x-amz-meta-<name>), names in lower case. */
struct ot_meta {
    const char *name;
    const char *value;
};

/* Called for each key in byte order; return false to stop. @key is borrowed. */
typedef bool (*ot_list_fn)(void *ctx, const char *key);

/*
 * A backend. A missing object is OT_E_IO with err->sys_errno == ENOENT, as
 * S3's NoSuchKey, so callers can tell it from other failures.
 */
struct ot_backend_ops {
    const char *name;
    /* Store @n bytes and @meta under @key; OT_E_USAGE (EEXIST) if it exists. */
    ot_status (*put)(void *be, const char *bucket, const char *key, const void *data, size_t n,
                     const struct ot_meta *meta, size_t nmeta, struct ot_error *err);
    /* Append the object's bytes to @data and, when @meta_json is not NULL,
     * its metadata as a JSON object of strings ("{}" when it has none). */
    ot_status (*get)(void *be, const char *bucket, const char *key, struct ot_buf *data,
                     struct ot_buf *meta_json, struct ot_error *err);
    ot_status (*head)(void *be, const char *bucket, const char *key, uint64_t *size,
                      struct ot_error *err);
    /* Keys that start with @prefix and sort after @start_after (may be NULL). */
    ot_status (*list)(void *be, const char *bucket, const char *prefix, const char *start_after,
                      ot_list_fn fn, void *ctx, struct ot_error *err);
    ot_status (*del)(void *be, const char *bucket, const char *key, struct ot_error *err);
    /* Make every put so far durable (a no-op unless the backend batches). */
    ot_status (*flush)(void *be, struct ot_error *err);
    void (*close)(void *be);
};

struct ot_backend {
    const struct ot_backend_ops *ops;
    void *be;
};

/**
 * ot_store_local_open() - the local backend rooted at @root (created 0750 when
 * missing). On success *@out is the caller's; release with ot_store_close().
 */
OT_API ot_status ot_store_local_open(const char *root, struct ot_backend *out,
                                     struct ot_error *err);
/**
 * ot_store_local_open_batch() - the same, but each put is atomic and its file
 * fsync'd while the folder fsyncs that make the new names durable wait for
 * ops->flush(): one per folder per batch instead of one per object. Callers
 * flush before anything that points at what they put (a digest at its log
 * files) and before they report success.
 */
OT_API ot_status ot_store_local_open_batch(const char *root, struct ot_backend *out,
                                           struct ot_error *err);
OT_API void ot_store_close(struct ot_backend *b);

/* ---- encryption at rest (local backend; docs/encryption.md) ------------ */

/*
 * A sealed object: header, AES-256-GCM ciphertext of the plain bytes, tag.
 *   0  6 magic "\x89OTENC"     6 1 version (1)      7 1 algorithm (1)
 *   8  8 KEK id                16 12 wrap nonce      28 32 wrapped data key
 *  60 16 wrap tag              76 12 data nonce      88 .. ciphertext, 16-byte tag
 * The data key is fresh per object; the header is the ciphertext's AAD.
 */
#define OT_SEAL_HEADER_BYTES 88u
#define OT_SEAL_TAG_BYTES    16u
#define OT_SEAL_OVERHEAD     (OT_SEAL_HEADER_BYTES + OT_SEAL_TAG_BYTES)

/* What the header of a sealed object says (the untrusted part, unchecked). */
struct ot_seal_header {
    unsigned version, algorithm;
    char kek_id[17]; /* lowercase hex */
    uint64_t plain_bytes;
};

/* Key-encryption keys loaded from a keys folder (opaque). */
struct ot_kek_ring;

/**
 * ot_kek_load_dir() - every KEK in @dir (kek-<id>.key, 0600) and which one is
 * current (kek-current). A missing folder gives an empty ring. Refuses a
 * folder or key file that group or others may read (OT_E_USAGE), a damaged
 * key file (OT_E_PARSE). On success *@out is the caller's: ot_kek_ring_free().
 */
OT_API ot_status ot_kek_load_dir(const char *dir, struct ot_kek_ring **out, struct ot_error *err);
/**
 * ot_kek_ring_new() - an empty ring, for keys that do not come from a folder
 * (tests, fuzzing, a caller's own key store); ot_kek_ring_add() puts the
 * 32-byte @key under the 16-hex-digit @id (OT_E_USAGE if not hex or taken)
 * and makes it current when @current.
 */
OT_API ot_status ot_kek_ring_new(struct ot_kek_ring **out);
OT_API ot_status ot_kek_ring_add(struct ot_kek_ring *r, const char *id, const unsigned char key[32],
                                 bool current, struct ot_error *err);
/* Wipes the keys and frees @r; NULL is fine. */
OT_API void ot_kek_ring_free(struct ot_kek_ring *r);
/* The current KEK's id (borrowed from @r), or NULL when there is none. */
OT_API const char *ot_kek_current(const struct ot_kek_ring *r);
/* Number of KEKs, and the id of the @i-th (borrowed), in id order. */
OT_API size_t ot_kek_count(const struct ot_kek_ring *r);
OT_API const char *ot_kek_id(const struct ot_kek_ring *r, size_t i);

/**
 * ot_kek_generate() - a new random 256-bit KEK in @dir (created 0700) as
 * kek-<id>.key (0600), made current by replacing kek-current atomically. Old
 * KEKs stay: they still open what they sealed. @id_out gets the new id.
 */
OT_API ot_status ot_kek_generate(const char *dir, char id_out[17], struct ot_error *err);

/* True when @p starts like a sealed object (OT_SEALED_MAGIC). */
OT_API bool ot_is_sealed(const void *p, size_t n);

/**
 * ot_seal_header_parse() - read the header of the sealed object @p (untrusted;
 * nothing is decrypted). OT_E_PARSE when it is not one we can open.
 */
OT_API ot_status ot_seal_header_parse(const void *p, size_t n, struct ot_seal_header *out,
                                      struct ot_error *err);

/**
 * ot_seal() - append the sealed form of @n plain bytes to @out: a fresh data
 * key wrapped by @r's current KEK (OT_E_USAGE when there is none).
 */
OT_API ot_status ot_seal(const struct ot_kek_ring *r, const void *p, size_t n, struct ot_buf *out,
                         struct ot_error *err);

/**
 * ot_unseal() - append the plain bytes of the sealed object @p to @out.
 * @ring is a const struct ot_kek_ring * (void so it fits ot_read_opts.unseal);
 * NULL means no keys. OT_E_USAGE with sys_errno ENOKEY when its KEK is not in
 * the ring (the message names the id and the fix); OT_E_TAMPER when a GCM tag
 * fails (altered bytes, or a different key under that id); OT_E_PARSE when
 * the header is not ours; OT_E_LIMIT past @out's limit. Nothing is appended
 * unless the whole object authenticates.
 */
OT_API ot_status ot_unseal(const void *ring, const void *p, size_t n, struct ot_buf *out,
                           struct ot_error *err);

/**
 * ot_store_local_encrypt() - make the local backend @b open sealed objects
 * with @ring (borrowed; must outlive @b) and, when @seal_puts, seal every
 * object it puts (the .meta.json sidecar stays plain). OT_E_USAGE for another
 * backend, or @seal_puts with no current KEK.
 */
OT_API ot_status ot_store_local_encrypt(struct ot_backend *b, const struct ot_kek_ring *ring,
                                        bool seal_puts, struct ot_error *err);

/* Where an S3-compatible store is and how to talk to it (docs/s3.md). */
struct ot_s3_opts {
    const char *endpoint;         /* http[s]://host[:port], no path */
    const char *region;           /* SigV4 region; NULL = us-east-1 */
    const char *access_key;       /* required */
    const char *secret_key;       /* required; never copied into an error */
    const char *session_token;    /* or NULL */
    bool virtual_host;            /* bucket.host/key instead of host/bucket/key */
    const char *sse;              /* NULL, "AES256" or "aws:kms" on every put */
    const char *kms_key_id;       /* with aws:kms, or NULL for the bucket's default */
    unsigned timeout_ms;          /* one request, connect included; 0 = 60000 */
    unsigned connect_timeout_ms;  /* 0 = 5000 */
    unsigned retry_for_ms;        /* keep retrying 5xx, throttling, dropped and refused
                                     connections with exponential backoff for this
                                     long; 0 = 60000 */
    uint64_t multipart_min_bytes; /* objects this large go multipart; 0 = 16 MiB */
    uint64_t part_bytes;          /* part size, at least 5 MiB; 0 = 8 MiB */
    unsigned list_page_keys;      /* max-keys of one ListObjectsV2 page; 0 = 1000 */
    /* the clock (SigV4 dates, the retry budget) and the backoff sleep: the
     * library reads no clock by itself */
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, unsigned ms);
    void *clock_ctx;
};

/**
 * ot_store_s3_open() - a backend on an S3-compatible store (S3, Swift s3api,
 * Ceph RGW): SigV4 signed by opentrail, ListObjectsV2, multipart for large
 * objects, retries with backoff. The strings in @o are copied. Safe to use
 * from several threads at once. Release with ot_store_close().
 */
OT_API ot_status ot_store_s3_open(const struct ot_s3_opts *o, struct ot_backend *out,
                                  struct ot_error *err);

/* One object as ListObjectsV2 describes it (strings borrowed for the call). */
struct ot_obj_info {
    const char *key;
    uint64_t bytes;
    int64_t modified_ms;       /* LastModified, 0 when unknown */
    const char *storage_class; /* "STANDARD" when the server names none */
};
typedef bool (*ot_list_info_fn)(void *ctx, const struct ot_obj_info *o);

/* True when @b is an S3 backend (ot_store_s3_open). */
OT_API bool ot_store_is_s3(const struct ot_backend *b);
/**
 * ot_store_s3_list_info() - every object under @prefix with its size, time
 * and storage class, in key order (lifecycle planning). OT_E_USAGE when @b
 * is not an S3 backend.
 */
OT_API ot_status ot_store_s3_list_info(const struct ot_backend *b, const char *bucket,
                                       const char *prefix, ot_list_info_fn fn, void *ctx,
                                       struct ot_error *err);
/**
 * ot_store_s3_set_class() - move @key to @storage_class by CopyObject onto
 * itself (x-amz-metadata-directive COPY: the user metadata, a digest's
 * signature, stays; the bytes and so every hash stay). A server without
 * storage classes (400 InvalidStorageClass, 501) is OT_E_USAGE with sys_errno
 * ENOTSUP and says so; nothing changed then.
 */
OT_API ot_status ot_store_s3_set_class(const struct ot_backend *b, const char *bucket,
                                       const char *key, const char *storage_class,
                                       struct ot_error *err);

/**
 * ot_store_s3_delete_markers() - how many DELETEs through @b the server
 * answered with x-amz-delete-marker: true: on a versioned bucket (S3 Object
 * Lock turns versioning on) a DELETE without a version id only hides the
 * object; its version stays, locked, until someone deletes it by version
 * after its retention. 0 for a backend that is not S3.
 */
OT_API uint64_t ot_store_s3_delete_markers(const struct ot_backend *b);

/* Credentials found in an AWS shared credentials file (owned strings). */
struct ot_s3_creds {
    char *access_key, *secret_key, *session_token;
};
/**
 * ot_s3_creds_parse() - the [@profile] section of an AWS shared credentials
 * (or config) file: aws_access_key_id, aws_secret_access_key and
 * aws_session_token. OT_E_USAGE when the profile or its keys are missing.
 * Free with ot_s3_creds_cleanup().
 */
OT_API ot_status ot_s3_creds_parse(struct ot_sv text, const char *profile, struct ot_s3_creds *out,
                                   struct ot_error *err);
OT_API void ot_s3_creds_cleanup(struct ot_s3_creds *c);
/**
 * ot_s3_creds_load() - read @path (at most 1 MB) and ot_s3_creds_parse() its
 * [@profile]. OT_E_USAGE, with sys_errno, when the file cannot be opened;
 * @err names the file either way, never a secret.
 */
OT_API ot_status ot_s3_creds_load(const char *path, const char *profile, struct ot_s3_creds *out,
                                  struct ot_error *err);

/* Where a trail's files go: the parts of the CloudTrail key layout (spec 2.1). */
struct ot_trail_loc {
    const char *bucket;
    const char *prefix; /* without trailing '/', or NULL */
    const char *org_id; /* o-xxxxxxxxxx, or NULL */
    const char *account;
    const char *region;      /* the region whose logs these are */
    const char *trail_name;  /* digests only */
    const char *home_region; /* digests only */
};

/**
 * ot_logfile_key() - append the key of a log file delivered at @delivery_ms
 * (UTC, to the minute) with the 16-character @unique string to @out.
 */
OT_API ot_status ot_logfile_key(const struct ot_trail_loc *loc, int64_t delivery_ms,
                                const char unique[16], struct ot_buf *out);

/**
 * ot_logfile_prefix() - append "[prefix/]AWSLogs/[org/]acct/CloudTrail/region/".
 */
OT_API ot_status ot_logfile_prefix(const struct ot_trail_loc *loc, struct ot_buf *out);

/**
 * ot_unique_string() - 16 random alphanumeric characters (OpenSSL RAND_bytes).
 */
OT_API ot_status ot_unique_string(char out[16], struct ot_error *err);

/* A log file being built: {"Records":[...]} of compact records. */
struct ot_logfile {
    struct ot_buf json;
    uint64_t records;
    int64_t oldest_ms, newest_ms; /* eventTime range; INT64_MAX/MIN when empty */
};

/**
 * ot_digest_key() - append the key of the digest of @loc ending at @end_ms
 * (spec 2.1: date folders and timestamp of the end, to the second).
 */
OT_API ot_status ot_digest_key(const struct ot_trail_loc *loc, int64_t end_ms, struct ot_buf *out);
/* Append "[prefix/]AWSLogs/[org/]acct/CloudTrail-Digest/region/". */
OT_API ot_status ot_digest_prefix(const struct ot_trail_loc *loc, struct ot_buf *out);

/* Lowercase hex SHA-256 of @n bytes into @out[65]. */
OT_API void ot_sha256_hex(const void *p, size_t n, char out[65]);

/* A sealed log file as a digest lists it. */
struct ot_logfile_info {
    char *key;                    /* owned */
    char hash_hex[65];            /* SHA-256 of the uncompressed bytes */
    int64_t oldest_ms, newest_ms; /* eventTime range of its records */
    int64_t delivery_ms;
    uint64_t bytes_json, bytes_gz, records;
};

/* Start an empty file that may grow to @max_bytes uncompressed. */
OT_API void ot_logfile_init(struct ot_logfile *lf, size_t max_bytes);
/* Add one record (compact JSON bytes) whose eventTime is @event_ms. */
OT_API ot_status ot_logfile_add(struct ot_logfile *lf, struct ot_sv record_json, int64_t event_ms);
/**
 * ot_logfile_seal() - close the JSON, gzip it (one member, mtime 0, level 6),
 * hash it and put it at a fresh key under @loc. On success @info is filled
 * (free info->key with ot_free). The builder is emptied either way.
 */
OT_API ot_status ot_logfile_seal(struct ot_logfile *lf, const struct ot_backend *b,
                                 const struct ot_trail_loc *loc, int64_t delivery_ms,
                                 struct ot_logfile_info *info, struct ot_error *err);
/* The same at @key, chosen (and journaled) by the caller beforehand. */
OT_API ot_status ot_logfile_seal_at(struct ot_logfile *lf, const struct ot_backend *b,
                                    const struct ot_trail_loc *loc, const char *key,
                                    int64_t delivery_ms, struct ot_logfile_info *info,
                                    struct ot_error *err);
OT_API void ot_logfile_cleanup(struct ot_logfile *lf);

#ifdef __cplusplus
}
#endif
#endif
