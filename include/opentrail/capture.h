/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture.h - the front door of the daemon: who is calling (SigV4 or a
 * bearer token), what they sent (a batch of records, checked one by one
 * against the record schema), and the durable spool that holds every
 * accepted record before it is acknowledged.
 *
 * Stage: capture (-> select -> store -> prove). Nothing here touches a
 * socket: the daemon (src/daemon) hands in a request already read and sends
 * back what these functions answer, so every check is unit-tested and
 * fuzzed without a server.
 */
#ifndef OPENTRAIL_CAPTURE_H
#define OPENTRAIL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/config.h"
#include "opentrail/core.h"
#include "opentrail/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Authentication                                                           */

/* SigV4's clock window: a request dated further from now is refused. */
#define OT_AUTH_SKEW_MS (5 * 60 * 1000)
/* Headers of one request the verifier looks at. */
#define OT_AUTH_MAX_HEADERS 64u
/* Bytes of an Authorization header. */
#define OT_AUTH_MAX_HEADER_BYTES 4096u
/* Bytes of the request path, and of the query string. */
#define OT_AUTH_MAX_URI_BYTES 16384u
/* Parameters of the query string. */
#define OT_AUTH_MAX_QUERY_PARAMS 256u

/* One request header as received; both borrowed, the name in any case. */
struct ot_http_header {
    struct ot_sv name, value;
};

/* A request as the verifier sees it; everything borrowed for the call. */
struct ot_http_req {
    struct ot_sv method; /* "POST" */
    struct ot_sv path;   /* as sent, percent-encoding kept, without the query */
    struct ot_sv query;  /* raw text after '?', empty when none */
    const struct ot_http_header *headers;
    size_t nheaders;
    struct ot_sv body;
};

/* Why a request was refused: the HTTP status and AWS's error code. */
struct ot_auth_fail {
    int http_status;  /* 400 or 403; 500 with OT_E_NOMEM */
    const char *code; /* "SignatureDoesNotMatch", "InvalidClientTokenId", ... (static) */
};

/**
 * ot_auth_check() - authenticate @r against the access keys of @c: a SigV4
 * Authorization header (canonical request, signed headers, payload hash or
 * x-amz-content-sha256, credential scope, date within OT_AUTH_SKEW_MS of
 * @now_ms) or "Authorization: Bearer <SecretAccessKey>". Secrets and MACs
 * are compared in constant time. On OT_OK *@who is the matching key,
 * borrowed from @c. Otherwise OT_E_USAGE with @fail filled and @err's text
 * safe to send back: it never holds a secret or the expected signature.
 * OT_E_NOMEM comes with @fail = 500 InternalFailure. Codes and statuses are
 * AWS's (docs/api.md): 403 MissingAuthenticationToken, 400
 * IncompleteSignature, 403 InvalidClientTokenId, 403 SignatureDoesNotMatch,
 * 403 RequestExpired, 400 InvalidArgument, 400 XAmzContentSHA256Mismatch,
 * 400 InvalidRequest (a size limit). Thread-safe; reads no clock.
 */
OT_API ot_status ot_auth_check(const struct ot_config *c, const struct ot_http_req *r,
                               int64_t now_ms, const struct ot_conf_access_key **who,
                               struct ot_auth_fail *fail, struct ot_error *err);

/* ------------------------------------------------------------------------ */
/* Intake: a request body -> checked records                                */

enum ot_intake_format {
    OT_INTAKE_EVENTS = 0,       /* POST /v1/events: NDJSON, {"Records":[...]} or [...] */
    OT_INTAKE_PUT_AUDIT_EVENTS, /* CloudTrail Data PutAuditEvents: {"auditEvents":[...]} */
};

struct ot_intake_opts {
    const char *account_id;  /* the caller's account: recipientAccountId when absent */
    size_t max_record_bytes; /* 0 = OT_RECORD_MAX_BYTES */
    size_t max_records;      /* records in one batch; 0 = 10000 */
    int64_t now_ms;          /* reserved for time checks */
    bool account_must_match; /* refuse a recipientAccountId other than account_id */
};

/* One record that was refused, with the reason. */
struct ot_intake_failure {
    uint32_t index;    /* 0-based position in the batch */
    char *id;          /* PutAuditEvents: the caller's id, owned; NULL otherwise */
    const char *code;  /* "InvalidRecord", "InvalidChecksum", "RecordTooLarge", ... (static) */
    char message[256]; /* what is wrong and where: "eventTime: missing" */
};

/* One record that was accepted. */
struct ot_intake_ok {
    uint32_t index;
    char *id;          /* PutAuditEvents: the caller's id, owned; NULL otherwise */
    char event_id[64]; /* the record's eventID, given or assigned */
    uint64_t off;      /* the record's compact JSON in ot_intake.records */
    uint32_t len;
};

struct ot_intake {
    struct ot_buf records; /* accepted records, compact JSON, back to back */
    struct ot_intake_ok *ok;
    size_t nok;
    struct ot_intake_failure *failed;
    size_t nfailed;
};

/**
 * ot_intake_parse() - read @body in @fmt and check each record against the
 * record schema (spec 1.2: required fields and their types, the size cap).
 * A record without eventID gets a UUID v4; without recipientAccountId, the
 * caller's account. Bad records land in @in->failed with their index while
 * the good ones are kept. Returns OT_E_PARSE (malformed body as a whole:
 * nothing accepted), OT_E_LIMIT (more than max_records), OT_E_NOMEM, else
 * OT_OK. On any failure @in is left empty. Free @in with ot_intake_cleanup()
 * in every case.
 */
OT_API ot_status ot_intake_parse(struct ot_sv body, enum ot_intake_format fmt,
                                 const struct ot_intake_opts *o, struct ot_intake *in,
                                 struct ot_error *err);
OT_API void ot_intake_cleanup(struct ot_intake *in);

/**
 * ot_intake_response() - the answer body: {"accepted":N,"failed":[{"index":
 * I,"code":C,"message":M}]} for events, {"successful":[{"id":..,"eventID":..}],
 * "failed":[{"id":..,"errorCode":..,"errorMessage":..}]} for PutAuditEvents.
 */
OT_API ot_status ot_intake_response(const struct ot_intake *in, enum ot_intake_format fmt,
                                    struct ot_buf *out);

/* ------------------------------------------------------------------------ */
/* Replay protection                                                        */

struct ot_replay;

/**
 * ot_replay_new() - a cache of the answers to the last @max_entries signed
 * requests (bodies up to @max_bytes in all), each kept @ttl_ms (the clock
 * window, both ways). Thread-safe. Free with ot_replay_free().
 */
OT_API ot_status ot_replay_new(size_t max_entries, size_t max_bytes, int64_t ttl_ms,
                               struct ot_replay **out);
OT_API void ot_replay_free(struct ot_replay *r);
/**
 * ot_replay_begin() - a request signed with @signature arrives. OT_OK: it is
 * new, handle it and call ot_replay_end(). OT_E_USAGE: seen within the window,
 * and answered: send *@status with @body (appended) again, without handling it.
 * OT_E_RETRY: its twin is being handled right now (answer 503, Retry-After).
 */
OT_API ot_status ot_replay_begin(struct ot_replay *r, struct ot_sv signature, int64_t now_ms,
                                 int *status, struct ot_buf *body);
/* The request begun with @signature was answered @status with @body; only 2xx answers
 * are kept (a refused request may be retried for real). */
OT_API void ot_replay_end(struct ot_replay *r, struct ot_sv signature, int status,
                          struct ot_sv body);

/* A UUID v4 (lower case, 36 characters and a NUL) from OpenSSL's RAND_bytes. */
OT_API ot_status ot_uuid4(char out[37]);

#ifdef __cplusplus
}
#endif
#endif
