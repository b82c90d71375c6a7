/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/s3_int.h - the pure parts of the S3 backend, apart so they can be unit
 * tested and fuzzed without a server: SigV4 signing and the bounded XML reader
 * of S3 responses.
 */
#ifndef OT_STORE_S3_INT_H
#define OT_STORE_S3_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/status.h"

#define OT_S3_MAX_HEADERS 24   /* headers one request signs */
#define OT_XML_MAX_DEPTH  16   /* element nesting of an S3 response */
#define OT_XML_MAX_TEXT   4096 /* decoded text of one leaf element */
#define OT_XML_MAX_BYTES  (16u << 20)

/* One header to send and sign: name in lower case, value trimmed. */
struct ot_s3_header {
    const char *name;
    const char *value;
};

/* What SigV4 signs (the canonical request's parts, already canonical). */
struct ot_sigv4_req {
    const char *method;                 /* GET, PUT, ... */
    const char *canonical_uri;          /* URI-encoded path, "/" at least */
    const char *canonical_query;        /* sorted, encoded "a=1&b=", or "" */
    const struct ot_s3_header *headers; /* host and x-amz-date included */
    size_t nheaders;
    const char *payload_hash; /* hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
    const char *amz_date;     /* 20130524T000000Z */
    const char *region;
    const char *service; /* "s3" */
    const char *access_key;
    const char *secret_key;
};

/**
 * ot_sigv4_authorization() - append the Authorization header's value for @r to
 * @out: headers sorted by name (not by "name:value", libcurl 7.88's bug),
 * values with runs of spaces folded. OT_E_LIMIT past OT_S3_MAX_HEADERS.
 */
ot_status ot_sigv4_authorization(const struct ot_sigv4_req *r, struct ot_buf *out);

/* Append @s URI-encoded as SigV4 wants (unreserved kept; '/' kept when @keep_slash). */
ot_status ot_s3_uri_encode(struct ot_sv s, bool keep_slash, struct ot_buf *out);

/* YYYYMMDDTHHMMSSZ of @ms into @out[17]. */
void ot_s3_amz_date(int64_t ms, char out[17]);

/**
 * Called for each element that holds text only (a leaf), with the names of
 * its parent ("" at the root) and its own, and the decoded text (NUL
 * terminated, borrowed). Return false to stop the walk (not an error).
 */
typedef bool (*ot_xml_leaf_fn)(void *ctx, struct ot_sv parent, struct ot_sv name,
                               struct ot_sv text);

/**
 * ot_xml_walk() - read an S3 XML response: prolog, comments, elements,
 * attributes (skipped), the five entities and numeric references (ASCII and
 * UTF-8 encoded), CDATA. Nesting past OT_XML_MAX_DEPTH, text past
 * OT_XML_MAX_TEXT or a document past OT_XML_MAX_BYTES is OT_E_LIMIT;
 * mismatched tags or stray bytes are OT_E_PARSE with the offset in err->col.
 */
ot_status ot_xml_walk(struct ot_sv doc, ot_xml_leaf_fn fn, void *ctx, struct ot_error *err);

#endif
