/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h - the CloudTrail record model and the reader of every shape
 * CloudTrail data comes in.
 *
 * Stage: record (ingest). A record is a view on its own JSON bytes plus a
 * tape: one node per JSON value, in document order, each knowing where its
 * subtree ends. Fields are reached by path (userIdentity.sessionContext.
 * sessionIssuer.arn, resources[0].ARN) without copying the record; selectors,
 * filter patterns and the index are built on ot_record_get/ot_record_each.
 */
#ifndef OPENTRAIL_RECORD_H
#define OPENTRAIL_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ot_type {
    OT_ABSENT = 0, /* the path names nothing in this record */
    OT_NULL,
    OT_FALSE,
    OT_TRUE,
    OT_NUMBER,
    OT_STRING,
    OT_OBJECT,
    OT_ARRAY,
};

/* One JSON value, or one object key, of a record. */
struct ot_node {
    uint32_t start;     /* byte offset in the record; strings: just after the opening quote */
    uint32_t len;       /* bytes; strings: between the quotes, escapes not decoded */
    uint32_t next;      /* index of the first node after this node's subtree */
    uint8_t type;       /* enum ot_type; object keys are OT_STRING */
    uint8_t has_escape; /* strings: holds at least one backslash escape */
    uint16_t reserved;
};

/* A record borrowed from the reader: valid only during the callback. */
struct ot_record {
    const char *json; /* the record's bytes, not NUL-terminated */
    uint32_t len;
    uint32_t nnodes;
    const struct ot_node *nodes; /* nodes[0] is the record's object */
    bool has_space;              /* whitespace between tokens: compact before writing NDJSON */
    uint64_t index;              /* 0-based position in its file */
    uint64_t offset;             /* byte offset in the file's decompressed bytes */
};

/* A typed value inside a record; type OT_ABSENT when the path found nothing. */
struct ot_value {
    const struct ot_record *rec;
    uint32_t node;
    uint8_t type;
};

struct ot_path; /* a compiled field path */

/**
 * ot_path_compile() - compile @text: dotted keys, [N] indexes and [*] (any
 * element), with an optional leading "$." as in filter patterns. Keys that
 * need other characters are written ["key"]. On success *@out is the
 * caller's, free with ot_path_free(). OT_E_PARSE or OT_E_LIMIT otherwise,
 * with the column in @err.
 */
OT_API ot_status ot_path_compile(struct ot_sv text, struct ot_path **out, struct ot_error *err);
OT_API void ot_path_free(struct ot_path *p);
/* The text the path was compiled from, borrowed from @p. */
OT_API struct ot_sv ot_path_text(const struct ot_path *p);

/**
 * ot_record_get() - the first value @path names in @rec (document order when
 * the path holds [*]); type OT_ABSENT if none. No allocation, no copy.
 */
OT_API struct ot_value ot_record_get(const struct ot_record *rec, const struct ot_path *path);

typedef bool (*ot_value_fn)(void *ctx, struct ot_value v); /* return false to stop */
/**
 * ot_record_each() - call @fn for every value @path names (several when it
 * holds [*]). Returns the number of calls.
 */
OT_API unsigned long ot_record_each(const struct ot_record *rec, const struct ot_path *path,
                                    ot_value_fn fn, void *ctx);

/* Field @key (a plain top-level or nested key, no path syntax) of object @obj. */
OT_API struct ot_value ot_value_member(struct ot_value obj, struct ot_sv key);
/* Element @i of array @arr. */
OT_API struct ot_value ot_value_index(struct ot_value arr, uint32_t i);
/* Iteration over an array or object: start with *@it = 0; false at the end. */
OT_API bool ot_value_next(struct ot_value container, uint32_t *it, struct ot_sv *key,
                          struct ot_value *out);

/* The value's own JSON bytes (strings without their quotes and undecoded). */
OT_API struct ot_sv ot_value_raw(struct ot_value v);
/* The value's JSON text as it appears in the record, quotes included. */
OT_API struct ot_sv ot_value_json(struct ot_value v);
/* Is @v a string equal to @s once its escapes are decoded? Never allocates. */
OT_API bool ot_value_str_eq(struct ot_value v, struct ot_sv s);
/* Append @v's decoded string (strings) or its JSON text (other types) to @out. */
OT_API ot_status ot_value_text(struct ot_value v, struct ot_buf *out);
/* Append @v's JSON text with whitespace between tokens removed. */
OT_API ot_status ot_value_compact(struct ot_value v, struct ot_buf *out);
/* @v as a double; false unless @v is a number. */
OT_API bool ot_value_number(struct ot_value v, double *out);
/* The record itself as a value. */
OT_API struct ot_value ot_record_root(const struct ot_record *rec);

/* Name of a type for messages: "string", "absent", ... */
OT_API const char *ot_type_name(enum ot_type t);

/* ------------------------------------------------------------------------ */
/* Reading files                                                            */

/* What an input turned out to be, by its key (path) or by its shape. */
enum ot_shape {
    OT_SHAPE_UNKNOWN = 0,
    OT_SHAPE_RECORDS, /* {"Records":[...]}: a CloudTrail log file */
    OT_SHAPE_ARRAY,   /* [record, ...]: exports, Stratus/Grimoire */
    OT_SHAPE_NDJSON,  /* one record per line: SIEM exports */
    OT_SHAPE_SINGLE,  /* one record */
    OT_SHAPE_EMPTY,   /* nothing but whitespace */
    OT_SHAPE_DIGEST,  /* a CloudTrail digest file: not event records */
    OT_SHAPE_INSIGHT, /* a CloudTrail Insights file: read only on request */
};

OT_API const char *ot_shape_name(enum ot_shape s);

/*
 * The first bytes of an object the local store sealed at rest (envelope
 * encryption, docs/encryption.md). The reader opens such input through
 * ot_read_opts.unseal, the store's ot_unseal(), and reports it otherwise.
 */
#define OT_SEALED_MAGIC     "\x89OTENC"
#define OT_SEALED_MAGIC_LEN 6

/* Append the plain bytes of the sealed object @in to @out (store's ot_unseal). */
typedef ot_status (*ot_unseal_fn)(const void *ctx, const void *in, size_t n, struct ot_buf *out,
                                  struct ot_error *err);

struct ot_read_opts {
    uint64_t max_file_bytes; /* decompressed; 0 = OT_FILE_MAX_BYTES_DEFAULT */
    bool read_insights;      /* read Insights files as records instead of skipping them */
    ot_unseal_fn unseal;     /* opens sealed input; NULL: it is reported as unreadable */
    const void *unseal_ctx;  /* borrowed: the key ring, for the whole life of the reader */
};

struct ot_read_result {
    enum ot_shape shape;
    uint64_t records;    /* records handed to the callback */
    uint64_t bad;        /* records or lines skipped with an error */
    uint64_t bytes_in;   /* bytes read from the file */
    uint64_t bytes_json; /* decompressed bytes */
    bool is_gzip;
    bool is_encrypted; /* sealed at rest, opened with ot_read_opts.unseal */
};

/* Return false to stop reading (the read ends with OT_OK). */
typedef bool (*ot_record_fn)(void *ctx, const struct ot_record *rec);
/* A problem the reader stepped over and carried on after; @err is borrowed. */
typedef void (*ot_read_error_fn)(void *ctx, const struct ot_error *err);

struct ot_reader; /* reusable buffers; one per thread */

OT_API ot_status ot_reader_new(const struct ot_read_opts *opts, struct ot_reader **out);
OT_API void ot_reader_free(struct ot_reader *r);

/**
 * ot_reader_read_fd() - read every record of one input from @fd (a file or
 * a pipe; gzip or plain, any shape above). @name is what messages call it and
 * is also the key that classifies it (CloudTrail-Digest/, CloudTrail-Insight/).
 * @on_record sees each record; @on_error, which may be NULL, each record or
 * line skipped. Returns OT_OK when the whole input was read (even if some
 * records were skipped: see @res->bad), or the error that ended it early,
 * with the position in @err. @res is filled in both cases.
 */
OT_API ot_status ot_reader_read_fd(struct ot_reader *r, int fd, const char *name,
                                   ot_record_fn on_record, ot_read_error_fn on_error, void *ctx,
                                   struct ot_read_result *res, struct ot_error *err);

/**
 * ot_reader_read_mem() - the same over bytes in memory (gzip or plain).
 */
OT_API ot_status ot_reader_read_mem(struct ot_reader *r, const void *data, size_t len,
                                    const char *name, ot_record_fn on_record,
                                    ot_read_error_fn on_error, void *ctx,
                                    struct ot_read_result *res, struct ot_error *err);

/* What a file name or S3 key says the object is (OT_SHAPE_UNKNOWN: nothing). */
OT_API enum ot_shape ot_shape_from_key(const char *key);

#ifdef __cplusplus
}
#endif
#endif
