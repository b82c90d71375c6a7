/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove.h - signing keys, digest files, the digest chain, the trail writer
 * (records -> log files -> hourly signed digests) and validation.
 *
 * Stage: prove (after store). Everything here follows spec/cloudtrail-
 * formats.md section 3 so that digests we write validate under the AWS CLI's
 * own code and AWS's digests validate under ours.
 */
#ifndef OPENTRAIL_PROVE_H
#define OPENTRAIL_PROVE_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/core.h"
#include "opentrail/record.h"
#include "opentrail/select.h"
#include "opentrail/status.h"
#include "opentrail/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OT_HOUR_MS   3600000LL
#define OT_MINUTE_MS 60000LL

/* ---- keys ------------------------------------------------------------- */

/* A public key as ListPublicKeys returns it. */
struct ot_pubkey {
    char fingerprint[33]; /* lowercase hex MD5 of der */
    unsigned char *der;   /* PKCS#1 RSAPublicKey, owned */
    size_t der_len;
    int64_t valid_from_ms; /* INT64_MIN: unknown */
    int64_t valid_to_ms;   /* INT64_MAX: still current */
};

struct ot_keyring {
    struct ot_pubkey *v;
    size_t n;
};

/**
 * ot_keys_generate() - a new RSA key of @bits (2048 by default when 0) in
 * @dir (created 0700): <fp>.pem (PKCS#8, 0600) and <fp>.json (the public
 * ListPublicKeys entry). The current key's validity ends at @valid_from_ms,
 * where the new key's begins. @fp_out receives the fingerprint.
 */
OT_API ot_status ot_keys_generate(const char *dir, unsigned bits, int64_t valid_from_ms,
                                  char fp_out[33], struct ot_error *err);

/**
 * ot_keys_load_dir() - the public keys kept in @dir, oldest first. Refuses a
 * directory or a private key file readable by group or others.
 */
OT_API ot_status ot_keys_load_dir(const char *dir, struct ot_keyring *out, struct ot_error *err);

/**
 * ot_keys_parse_list() - a ListPublicKeys answer: {"PublicKeyList":[...]} or
 * the bare array; Value is base64 of the DER key, times ISO strings or epoch
 * seconds. The fingerprint given is kept (AWS's word), not recomputed.
 */
OT_API ot_status ot_keys_parse_list(const void *json, size_t n, struct ot_keyring *out,
                                    struct ot_error *err);

/* Append @ring as ListPublicKeys JSON ({"PublicKeyList":[...]}, or the bare array). */
OT_API ot_status ot_keys_format_list(const struct ot_keyring *ring, bool bare_array,
                                     struct ot_buf *out);
OT_API void ot_keyring_cleanup(struct ot_keyring *ring);

/* MD5 hex of @der: the fingerprint AWS gives a public key (spec 3.4). */
OT_API ot_status ot_key_fingerprint(const void *der, size_t n, char out[33]);

struct ot_signer; /* a private key loaded for signing */

/**
 * ot_signer_load() - the private key that was valid at @at_ms in @dir.
 * OT_E_USAGE when none is valid then (fix: keys generate --valid-from).
 */
OT_API ot_status ot_signer_load(const char *dir, int64_t at_ms, struct ot_signer **out,
                                struct ot_error *err);
OT_API void ot_signer_free(struct ot_signer *s);
OT_API const char *ot_signer_fingerprint(const struct ot_signer *s);
/* Latest validity end of the key (INT64_MAX: current). */
OT_API int64_t ot_signer_valid_to(const struct ot_signer *s);

/* SHA256withRSA (PKCS#1 v1.5) of @msg; appends the lowercase hex signature to @hex. */
OT_API ot_status ot_sign_hex(const struct ot_signer *s, const void *msg, size_t n,
                             struct ot_buf *hex, struct ot_error *err);
/* OT_OK if @sig_hex is a valid signature of @msg by PKCS#1 DER @der;
 * OT_E_TAMPER if not; OT_E_PARSE if the key or the hex cannot be loaded. */
OT_API ot_status ot_verify_hex(const void *der, size_t der_len, const void *msg, size_t n,
                               struct ot_sv sig_hex, struct ot_error *err);

/* ---- digest files ----------------------------------------------------- */

/* A digest as parsed: strings are owned NUL-terminated copies, NULL for JSON null. */
struct ot_digest_log {
    char *bucket, *key, *hash_value, *hash_algorithm, *newest, *oldest;
};

struct ot_digest {
    bool has_required; /* the 6 keys the AWS CLI requires are all present */
    bool bucket_is_str, object_is_str, fp_is_str, prev_sig_is_str, end_is_str, start_is_str;
    char *account, *start_time, *end_time, *bucket, *object, *fingerprint, *sig_algorithm;
    char *newest, *oldest;
    bool has_prev_bucket; /* previousDigestS3Bucket present and not null */
    char *prev_bucket, *prev_object, *prev_hash, *prev_hash_alg, *prev_signature;
    bool has_log_files; /* logFiles is an array */
    struct ot_digest_log *logs;
    size_t nlogs;
};

/**
 * ot_digest_parse() - parse inflated digest JSON. OT_E_PARSE when it is not
 * a JSON object; missing fields are not errors here (see has_required), so
 * the validator can report what the AWS CLI reports. On success *@out is the
 * caller's, free with ot_digest_free().
 */
OT_API ot_status ot_digest_parse(const void *json, size_t n, struct ot_digest **out,
                                 struct ot_error *err);
OT_API void ot_digest_free(struct ot_digest *d);

/* The string that is signed (spec 3.3). @prev_sig NULL means JSON null. */
OT_API ot_status ot_digest_string_to_sign(const char *end_time, const char *bucket, const char *key,
                                          const char hash_hex[65], const char *prev_sig,
                                          struct ot_buf *out);

/* The link to the previous digest of a chain; all NULL for a starting digest. */
struct ot_chain_link {
    char *bucket, *key;
    char hash_hex[65];
    char *signature;
    int64_t end_ms;
};

/**
 * ot_digest_write() - write and sign the digest of @loc for (@start_ms,
 * @end_ms] listing @logs, chained to @prev (NULL: a starting digest), and put
 * it with its signature metadata. On success @prev is updated to point at the
 * new digest (the next one's predecessor).
 */
OT_API ot_status ot_digest_write(const struct ot_backend *b, const struct ot_trail_loc *loc,
                                 const struct ot_signer *signer, int64_t start_ms, int64_t end_ms,
                                 const struct ot_logfile_info *logs, size_t nlogs,
                                 struct ot_chain_link *prev, bool *has_prev, struct ot_error *err);

/**
 * ot_chain_find_last() - the newest digest of @loc's trail in the store, as
 * a link to continue from; *@found false when the trail has none.
 */
OT_API ot_status ot_chain_find_last(const struct ot_backend *b, const struct ot_trail_loc *loc,
                                    struct ot_chain_link *out, bool *found, struct ot_error *err);
OT_API void ot_chain_link_cleanup(struct ot_chain_link *l);

/* ---- validation ------------------------------------------------------- */

struct ot_validate_opts {
    const char *trail_arn;
    const char *bucket;
    const char *prefix;        /* NULL or "" for none */
    const char *account_id;    /* NULL: from the ARN */
    const char *org_id;        /* NULL: not an organization trail */
    const char *source_region; /* NULL: the trail's home region */
    int64_t start_ms, end_ms;
    bool end_given; /* --end-time given (else end_ms = now) */
    int64_t now_ms;
    unsigned jobs;     /* log-file hashing threads */
    bool extra_checks; /* opentrail's checks beyond the AWS CLI's */
};

enum ot_vitem_kind {
    OT_VI_DIGEST = 0, /* a digest: valid or INVALID */
    OT_VI_LOG,        /* a log file listed by a valid digest */
    OT_VI_GAP,        /* "No log files were delivered ... between A and B" */
    OT_VI_EXTRA,      /* an opentrail finding the AWS CLI does not make */
};

/* One line of the result, in the AWS CLI's order. */
struct ot_vitem {
    enum ot_vitem_kind kind;
    bool valid;
    char *bucket, *key; /* owned */
    char *message;      /* owned: the whole line as printed */
    int64_t gap_from_ms, gap_to_ms;
};

struct ot_validate_result {
    struct ot_vitem *items;
    size_t n, cap;
    unsigned long valid_digests, invalid_digests, valid_logs, invalid_logs, extra_findings;
    unsigned long valid_backfill, invalid_backfill; /* the backfill pass (2026 CLI) */
    bool found_start_set, found_end_set;
    int64_t found_start_ms, found_end_ms;
    uint64_t bytes_hashed; /* inflated log bytes */
};

/**
 * ot_validate() - `aws cloudtrail validate-logs` over @b with @keys: the same
 * traversal, verdicts and lines (CLI 2.9.19, plus the 2026 trailing-data
 * check), then opentrail's extra checks when asked. Returns OT_OK with the
 * verdicts in @res, or an error for what stopped the whole run (no keys, a
 * backend failure other than a missing object).
 */
OT_API ot_status ot_validate(const struct ot_backend *b, const struct ot_keyring *keys,
                             const struct ot_validate_opts *o, struct ot_validate_result *res,
                             struct ot_error *err);
OT_API void ot_validate_result_cleanup(struct ot_validate_result *res);

/* ---- the trail writer ------------------------------------------------- */

struct ot_trail_writer;

struct ot_trail_opts {
    const char *bucket, *prefix, *org_id, *trail_name, *home_region;
    const char *account_id; /* records without recipientAccountId get this */
    const char *keys_dir;
    bool replay;    /* delivery times from eventTime; else now_ms */
    bool new_chain; /* logging restarted: a starting digest, not a link to the last */
    int64_t now_ms;
    size_t max_file_bytes;  /* uncompressed cap of one log file */
    size_t max_total_bytes; /* records held before writing */
};

struct ot_trail_stats {
    uint64_t records, log_files, digests, bytes_json, bytes_gz;
};

OT_API ot_status ot_trail_writer_new(const struct ot_backend *b, const struct ot_trail_opts *o,
                                     struct ot_trail_writer **out, struct ot_error *err);
/* Add one record (its compact JSON, eventTime, account and region). */
OT_API ot_status ot_trail_writer_add(struct ot_trail_writer *w, struct ot_sv json, int64_t event_ms,
                                     struct ot_sv account, struct ot_sv region,
                                     struct ot_error *err);
/* Write the log files and the hourly digests. */
OT_API ot_status ot_trail_writer_finish(struct ot_trail_writer *w, struct ot_trail_stats *st,
                                        struct ot_error *err);
OT_API void ot_trail_writer_free(struct ot_trail_writer *w);

/* ---- the live trail writer (the daemon) -------------------------------- */

/* One trail as the live writer needs it; everything borrowed for its life. */
struct ot_live_trail {
    const char *name, *bucket, *prefix, *org_id, *home_region;
    const char *account_id; /* records without recipientAccountId, or NULL */
    bool validation;        /* LogFileValidationEnabled: hourly signed digests */
    const struct ot_selectors *selectors;
    struct ot_trail_scope scope;
    const struct ot_backend *backend;
};

struct ot_live_opts {
    const char *keys_dir;     /* signing keys */
    const char *state_dir;    /* the delivery journal */
    int64_t interval_ms;      /* log files are sealed this often; 0 = 5 minutes */
    size_t max_file_bytes;    /* uncompressed cap of one log file; 0 = 64 MiB */
    size_t max_held_bytes;    /* records held in open files before an early seal; 0 = 128 MiB */
    int64_t dedupe_window_ms; /* eventIDs remembered this long; 0 = 5 minutes */
    size_t dedupe_max;        /* at most this many (per generation pair); 0 = 2M */
};

struct ot_live_stats {
    uint64_t records_in, records_kept, duplicates, undeliverable;
    uint64_t log_files, digests, bytes_json, bytes_gz, recovered_files;
    uint64_t groups, held_bytes;
};

struct ot_live;

/**
 * ot_live_open() - open the live writer of @trails (borrowed for its life)
 * and recover what a crash left: the journal in @o->state_dir says which log
 * files wait for a digest and which may hold records the spool will replay;
 * their eventIDs are read back so the replay adds none twice. Each chain is
 * continued from the store's newest digest.
 */
OT_API ot_status ot_live_open(const struct ot_live_opts *o, const struct ot_live_trail *trails,
                              size_t ntrails, int64_t now_ms, struct ot_live **out,
                              struct ot_error *err);
OT_API void ot_live_close(struct ot_live *lv);

/**
 * ot_live_add() - offer one record (its compact JSON @json, parsed as @rec)
 * to every trail: kept by the trails whose scope and selectors take it,
 * unless that trail saw its eventID within the dedupe window. A file that
 * reaches its size cap is sealed at once.
 */
OT_API ot_status ot_live_add(struct ot_live *lv, const struct ot_record *rec, struct ot_sv json,
                             int64_t now_ms, struct ot_error *err);

/**
 * ot_live_tick() - seal every open log file when the interval has passed,
 * the held bytes reached their cap, or @force; then write every digest that
 * is due (hour ends at or before @now_ms). *@all_sealed says every record
 * added so far is in a durable log file: the spool checkpoint may move to
 * the position after the last record added; then call ot_live_checkpointed().
 * After an error the writer must be closed and opened again (it recovers).
 */
OT_API ot_status ot_live_tick(struct ot_live *lv, int64_t now_ms, bool force, bool *all_sealed,
                              struct ot_error *err);
/**
 * ot_live_finish() - logging stops: seal every open log file and write the
 * digests due, the last one ending at @now_ms (to the second), as CloudTrail
 * does at StopLogging. The chain continues from it when logging resumes.
 */
OT_API ot_status ot_live_finish(struct ot_live *lv, int64_t now_ms, bool *all_sealed,
                                struct ot_error *err);
/* The spool checkpoint is durable at @pos: journal it. */
OT_API ot_status ot_live_checkpointed(struct ot_live *lv, uint64_t pos, int64_t now_ms,
                                      struct ot_error *err);
/* No record waits in an open log file. */
OT_API bool ot_live_is_empty(const struct ot_live *lv);
OT_API void ot_live_stats(const struct ot_live *lv, struct ot_live_stats *out);

#ifdef __cplusplus
}
#endif
#endif
