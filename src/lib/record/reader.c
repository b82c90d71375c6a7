/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/reader.c - read every shape CloudTrail data comes in.
 *
 * Stage: record (ingest). One input (a file, a pipe, bytes in memory) is read
 * whole, inflated if gzip (core/gzip.c), and framed: {"Records":[...]} log
 * files, JSON arrays, NDJSON, single records. Digest and Insights files are
 * recognised by key and by shape and reported as such, never read as events.
 *
 * Memory is bounded per input: the decompressed bytes are capped by
 * max_file_bytes and one record's tape by OT_RECORD_MAX_BYTES. A damaged
 * record is reported through on_error and skipped whenever the reader can
 * find where the next one starts (every record of an array or Records file,
 * every line of NDJSON); damage it cannot step over ends the input with an
 * error that names the byte offset, line and column.
 */
#include <errno.h>
#include <libdeflate.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gzip.h"
#include "opentrail/limits.h"
#include "opentrail/record.h"
#include "record/json.h"

#include "core/private.h"

struct ot_reader {
    struct ot_read_opts opts;
    struct libdeflate_decompressor *dec;
    struct ot_buf raw;  /* the input's bytes as read */
    struct ot_buf text; /* inflated bytes when the input is gzip */
    struct ot_buf open; /* plain bytes of an input sealed at rest */
    struct ot_tape tape;
};

/* State of one read. */
struct rd {
    struct ot_reader *r;
    const char *name;
    const char *base; /* decompressed bytes */
    const char *end;
    bool gz;
    ot_record_fn on_record;
    ot_read_error_fn on_error;
    void *ctx;
    struct ot_read_result *res;
    struct ot_error *err;
    bool stopped; /* the callback asked to stop */
    ot_status st; /* of the last rd_fail(): what a false return means */
    /* line counting for messages, advanced monotonically */
    const char *line_pos;
    unsigned long line_no;
};

const char *ot_shape_name(enum ot_shape s)
{
    switch (s) {
    case OT_SHAPE_UNKNOWN:
        return "unknown";
    case OT_SHAPE_RECORDS:
        return "log file";
    case OT_SHAPE_ARRAY:
        return "JSON array";
    case OT_SHAPE_NDJSON:
        return "NDJSON";
    case OT_SHAPE_SINGLE:
        return "single record";
    case OT_SHAPE_EMPTY:
        return "empty";
    case OT_SHAPE_DIGEST:
        return "digest file";
    case OT_SHAPE_INSIGHT:
        return "Insights file";
    }
    return "unknown";
}

enum ot_shape ot_shape_from_key(const char *key)
{
    if (strstr(key, "/CloudTrail-Digest/") != NULL || strstr(key, "_CloudTrail-Digest_") != NULL ||
        strncmp(key, "CloudTrail-Digest/", 18) == 0) {
        return OT_SHAPE_DIGEST;
    }
    if (strstr(key, "/CloudTrail-Insight/") != NULL ||
        strstr(key, "_CloudTrail-Insight_") != NULL ||
        strncmp(key, "CloudTrail-Insight/", 19) == 0) {
        return OT_SHAPE_INSIGHT;
    }
    return OT_SHAPE_UNKNOWN;
}

ot_status ot_reader_new(const struct ot_read_opts *opts, struct ot_reader **out)
{
    struct ot_reader *r = ot_calloc(1, sizeof(*r));
    if (r == NULL) {
        return OT_E_NOMEM;
    }
    if (opts != NULL) {
        r->opts = *opts;
    }
    if (r->opts.max_file_bytes == 0) {
        r->opts.max_file_bytes = OT_FILE_MAX_BYTES_DEFAULT;
    }
    if (r->opts.max_file_bytes > OT_FILE_MAX_BYTES_CEILING) {
        r->opts.max_file_bytes = OT_FILE_MAX_BYTES_CEILING;
    }
    r->dec = libdeflate_alloc_decompressor();
    if (r->dec == NULL) {
        ot_free(r);
        return OT_E_NOMEM;
    }
    /* a record of N bytes has at most N nodes (each takes one byte or more) */
    ot_tape_init(&r->tape, OT_RECORD_MAX_BYTES + 1);
    *out = r;
    return OT_OK;
}

void ot_reader_free(struct ot_reader *r)
{
    if (r == NULL) {
        return;
    }
    libdeflate_free_decompressor(r->dec);
    ot_buf_cleanup(&r->raw);
    ot_buf_cleanup(&r->text);
    ot_buf_cleanup(&r->open);
    ot_tape_cleanup(&r->tape);
    ot_free(r);
}

/* ------------------------------------------------------------------------ */
/* Positions and errors                                                     */

/* Line and column of @at, counting forward from the last position asked. */
static void line_col(struct rd *d, const char *at, unsigned *line, unsigned *col)
{
    if (at < d->line_pos) { /* asked backwards: recount from the start */
        d->line_pos = d->base;
        d->line_no = 1;
    }
    const char *p = d->line_pos;
    while (p < at) {
        const char *nl = memchr(p, '\n', (size_t)(at - p));
        if (nl == NULL) {
            break;
        }
        d->line_no++;
        p = nl + 1;
    }
    d->line_pos = p;
    const char *ls = at;
    while (ls > d->base && ls[-1] != '\n') {
        ls--;
    }
    *line = d->line_no > UINT32_MAX ? UINT32_MAX : (unsigned)d->line_no;
    size_t c = (size_t)(at - ls) + 1;
    *col = c > UINT32_MAX ? UINT32_MAX : (unsigned)c;
}

/* Fill d->err for a problem at @at (NULL: no position) in record @idx (-1: none). */
static ot_status rd_fail(struct rd *d, ot_status st, const char *at, long long idx, const char *fix,
                         const char *what)
{
    struct ot_error *err = d->err;
    char pos[96] = "";
    d->st = st;
    if (at != NULL && idx >= 0) {
        (void)snprintf(pos, sizeof(pos), " (record %lld, byte %zu%s)", idx, (size_t)(at - d->base),
                       d->gz ? " of the inflated data" : "");
    } else if (at != NULL) {
        (void)snprintf(pos, sizeof(pos), " (byte %zu%s)", (size_t)(at - d->base),
                       d->gz ? " of the inflated data" : "");
    } else if (idx >= 0) {
        (void)snprintf(pos, sizeof(pos), " (record %lld)", idx);
    }
    ot_fail(err, st, fix, "%s%s", what, pos);
    if (err != NULL) {
        (void)snprintf(err->where, sizeof(err->where), "%s", d->name);
        if (at != NULL) {
            line_col(d, at, &err->line, &err->col);
        }
    }
    return st;
}

static const char *fix_json = "the file is damaged or is not CloudTrail JSON; fetch a fresh copy";

/* Report a record-level problem and carry on. */
static void rd_skip(struct rd *d, const char *at, long long idx, const char *fix, const char *what)
{
    struct ot_error e;
    ot_error_clear(&e);
    struct ot_error *saved = d->err;
    d->err = &e;
    rd_fail(d, OT_E_PARSE, at, idx, fix, what);
    d->err = saved;
    d->res->bad++;
    if (d->on_error != NULL) {
        d->on_error(d->ctx, &e);
    }
}

/* ------------------------------------------------------------------------ */
/* Records                                                                  */

/*
 * Parse the value at @p as record @idx and hand it to the callback.
 * Returns false when the input cannot be read further (the error is in
 * d->err); *@endp is past the value when it could be parsed.
 */
static ot_status take_record(struct rd *d, const char *p, uint64_t idx, const char **endp,
                             bool *skipped)
{
    struct ot_tape *t = &d->r->tape;
    struct ot_json_err je = { 0 };
    bool has_space = false;
    char msg[192];
    *skipped = false;

    if (!ot_json_parse(p, d->end, t, &has_space, endp, &je)) {
        if (t->nomem) {
            return rd_fail(d, OT_E_NOMEM, p, (long long)idx, NULL,
                           "out of memory indexing a record");
        }
        (void)snprintf(msg, sizeof(msg), "invalid JSON: %s", je.msg);
        return rd_fail(d, OT_E_PARSE, je.at, (long long)idx, fix_json, msg);
    }
    size_t len = (size_t)(*endp - p);
    if (t->nomem) {
        return rd_fail(d, OT_E_NOMEM, p, (long long)idx, NULL, "out of memory indexing a record");
    }
    if (len > OT_RECORD_MAX_BYTES || t->overflow) {
        (void)snprintf(msg, sizeof(msg),
                       "record is %zu bytes, over CloudTrail's 256 KB record limit; skipped", len);
        rd_skip(d, p, (long long)idx,
                "CloudTrail never delivers records over 256 KB: check what produced it", msg);
        *skipped = true;
        return OT_OK;
    }
    if (t->nodes[0].type != OT_OBJECT) {
        (void)snprintf(msg, sizeof(msg), "record is a JSON %s, not an object; skipped",
                       ot_type_name((enum ot_type)t->nodes[0].type));
        rd_skip(d, p, (long long)idx, "each record must be a JSON object", msg);
        *skipped = true;
        return OT_OK;
    }
    struct ot_record rec = {
        .json = p,
        .len = (uint32_t)len,
        .nnodes = t->count,
        .nodes = t->nodes,
        .has_space = has_space,
        .index = idx,
        .offset = (uint64_t)(p - d->base),
    };
    d->res->records++;
    if (!d->on_record(d->ctx, &rec)) {
        d->stopped = true;
    }
    return OT_OK;
}

/* Is record @rec (just parsed) an Insights record? */
static bool is_insight(const struct ot_record *rec)
{
    struct ot_value root = ot_record_root(rec);
    return ot_value_str_eq(ot_value_member(root, OT_SV_LIT("eventType")),
                           OT_SV_LIT("AwsCloudTrailInsight")) ||
           ot_value_str_eq(ot_value_member(root, OT_SV_LIT("eventCategory")), OT_SV_LIT("Insight"));
}

struct probe_ctx {
    struct rd *d;
    bool insight;
};

/* The elements of an array at @p ('['); used for JSON arrays and "Records". */
static bool read_array(struct rd *d, const char *p, const char **endp, bool check_insight)
{
    const char *end = d->end;
    uint64_t idx = 0;
    p = ot_json_ws(p + 1, end);
    if (p < end && *p == ']') {
        *endp = p + 1;
        return true;
    }
    for (;;) {
        bool skipped = false;
        const char *q;
        if (check_insight && idx == 0 && !d->r->opts.read_insights) {
            /* look at the first record before handing it out */
            struct ot_json_err je = { 0 };
            bool sp;
            if (ot_json_parse(p, end, &d->r->tape, &sp, &q, &je) && !d->r->tape.overflow &&
                d->r->tape.nodes[0].type == OT_OBJECT) {
                struct ot_record rec = { .json = p,
                                         .len = (uint32_t)(q - p),
                                         .nnodes = d->r->tape.count,
                                         .nodes = d->r->tape.nodes };
                if (is_insight(&rec)) {
                    d->res->shape = OT_SHAPE_INSIGHT;
                    d->stopped = true;
                    return true;
                }
            }
        }
        if (take_record(d, p, idx, &q, &skipped) != OT_OK) {
            return false;
        }
        idx++;
        if (d->stopped) {
            return true;
        }
        p = ot_json_ws(q, end);
        if (p >= end) {
            rd_fail(d, OT_E_PARSE, p, -1, fix_json, "invalid JSON: unterminated array");
            return false;
        }
        if (*p == ',') {
            p = ot_json_ws(p + 1, end);
            continue;
        }
        if (*p == ']') {
            *endp = p + 1;
            return true;
        }
        rd_fail(d, OT_E_PARSE, p, (long long)idx, fix_json,
                "invalid JSON: expected ',' or ']' after a record");
        return false;
    }
}

/* Skip one JSON value (not a record) at @p. */
static bool skip_value(struct rd *d, const char *p, const char **endp)
{
    struct ot_json_err je = { 0 };
    bool sp;
    char msg[192];
    if (!ot_json_parse(p, d->end, &d->r->tape, &sp, endp, &je)) {
        if (d->r->tape.nomem) {
            rd_fail(d, OT_E_NOMEM, p, -1, NULL, "out of memory");
            return false;
        }
        (void)snprintf(msg, sizeof(msg), "invalid JSON: %s", je.msg);
        rd_fail(d, OT_E_PARSE, je.at, -1, fix_json, msg);
        return false;
    }
    return true;
}

/* {"Records":[...], ...}: walk the wrapper's keys; records come from "Records". */
static bool read_wrapper(struct rd *d, const char *p, const char **endp)
{
    const char *end = d->end;
    bool seen_records = false;
    d->res->shape = OT_SHAPE_RECORDS;
    p = ot_json_ws(p + 1, end);
    if (p < end && *p == '}') {
        *endp = p + 1;
        return true;
    }
    for (;;) {
        if (p >= end || *p != '"') {
            rd_fail(d, OT_E_PARSE, p, -1, fix_json, "invalid JSON: expected an object key");
            return false;
        }
        const char *kq;
        if (!skip_value(d, p, &kq)) {
            return false;
        }
        bool is_records = (kq - p == 9 && memcmp(p, "\"Records\"", 9) == 0);
        p = ot_json_ws(kq, end);
        if (p >= end || *p != ':') {
            rd_fail(d, OT_E_PARSE, p, -1, fix_json, "invalid JSON: expected ':' after a key");
            return false;
        }
        p = ot_json_ws(p + 1, end);
        if (is_records && p < end && *p == '[' && !seen_records) {
            seen_records = true;
            if (!read_array(d, p, &p, true)) {
                return false;
            }
            if (d->stopped) {
                return true;
            }
        } else if (!skip_value(d, p, &p)) {
            return false;
        }
        p = ot_json_ws(p, end);
        if (p < end && *p == ',') {
            p = ot_json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            *endp = p + 1;
            return true;
        }
        rd_fail(d, OT_E_PARSE, p, -1, fix_json, "invalid JSON: expected ',' or '}'");
        return false;
    }
}

/* Does the object just parsed into the tape have top-level key @key? */
static struct ot_value top_member(const char *p, const struct ot_tape *t, const char *key,
                                  struct ot_record *tmp)
{
    *tmp = (struct ot_record){ .json = p, .nnodes = t->count, .nodes = t->nodes };
    return ot_value_member(ot_record_root(tmp), ot_sv_cstr(key));
}

/*
 * NDJSON from @p: one record per line, each parsed within its line so an
 * error points at the line it is on; a bad line is reported and skipped.
 */
static bool read_ndjson(struct rd *d, const char *p, uint64_t idx)
{
    const char *const end = d->end;
    bool ok = true;
    d->res->shape = OT_SHAPE_NDJSON;
    while (ok && !d->stopped) {
        p = ot_json_ws(p, end);
        if (p >= end) {
            break;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *q;
        bool skipped = false;
        struct ot_error *saved = d->err, e;
        ot_error_clear(&e);
        d->err = &e;
        d->end = eol;
        ot_status st = take_record(d, p, idx, &q, &skipped);
        if (st == OT_OK) {
            q = ot_json_ws(q, eol);
            if (q < eol) {
                rd_fail(d, OT_E_PARSE, q, (long long)idx, "put one JSON object on each line",
                        "invalid NDJSON: unexpected data after the record on this line");
                st = OT_E_PARSE;
            }
        }
        d->end = end;
        d->err = saved;
        if (st == OT_E_NOMEM) {
            *d->err = e;
            d->st = OT_E_NOMEM;
            ok = false;
        } else if (st != OT_OK) {
            d->res->bad++;
            if (d->on_error != NULL) {
                d->on_error(d->ctx, &e);
            }
        }
        idx++;
        p = eol;
    }
    return ok;
}

/* A top-level object at @p: a Records wrapper, a digest, a record or NDJSON. */
static ot_status frame_object(struct rd *d, const char *p, const char **endp)
{
    const char *end = d->end;
    struct ot_tape *t = &d->r->tape;
    const char *k = ot_json_ws(p + 1, end);

    if (end - k >= 9 && memcmp(k, "\"Records\"", 9) == 0) {
        return read_wrapper(d, p, endp) ? OT_OK : d->st; /* the AWS log file */
    }
    struct ot_json_err je = { 0 };
    bool sp;
    const char *q;
    if (!ot_json_parse(p, end, t, &sp, &q, &je)) {
        if (t->nomem) {
            return rd_fail(d, OT_E_NOMEM, p, -1, NULL, "out of memory");
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl != NULL && je.at > nl) {
            /* the first line is whole: NDJSON with a bad line later on */
            *endp = end;
            return read_ndjson(d, p, 0) ? OT_OK : d->st;
        }
        char msg[192];
        (void)snprintf(msg, sizeof(msg), "invalid JSON: %s", je.msg);
        return rd_fail(d, OT_E_PARSE, je.at, -1, fix_json, msg);
    }
    if (!t->overflow) {
        struct ot_record tmp;
        if (top_member(p, t, "Records", &tmp).type == OT_ARRAY) {
            return read_wrapper(d, p, endp) ? OT_OK : d->st;
        }
        if (top_member(p, t, "digestS3Object", &tmp).type != OT_ABSENT ||
            top_member(p, t, "digestPublicKeyFingerprint", &tmp).type != OT_ABSENT) {
            d->res->shape = OT_SHAPE_DIGEST;
            d->stopped = true;
            return OT_OK;
        }
    }
    const char *after = ot_json_ws(q, end);
    if (after < end && *after == '{' && memchr(p, '\n', (size_t)(q - p)) == NULL) {
        *endp = end; /* a one-line record followed by another: NDJSON */
        return read_ndjson(d, p, 0) ? OT_OK : d->st;
    }
    d->res->shape = OT_SHAPE_SINGLE;
    if (!d->r->opts.read_insights && !t->overflow && t->nodes[0].type == OT_OBJECT) {
        struct ot_record rec = { .json = p, .nnodes = t->count, .nodes = t->nodes };
        if (is_insight(&rec)) {
            d->res->shape = OT_SHAPE_INSIGHT;
            d->stopped = true;
            return OT_OK;
        }
    }
    bool skipped;
    return take_record(d, p, 0, endp, &skipped);
}

/* Frame the decompressed bytes [base, end). */
static ot_status frame(struct rd *d)
{
    const char *p = d->base, *end = d->end;
    ot_status st;

    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* a UTF-8 byte order mark, as some Windows exports carry */
    }
    p = ot_json_ws(p, end);
    if (p >= end) {
        d->res->shape = OT_SHAPE_EMPTY;
        return OT_OK;
    }
    /* one document, or several back to back (gzip members, `cat a.json b.json`) */
    for (unsigned ndocs = 0; p < end && !d->stopped; ndocs++) {
        const char *q = end;
        if (*p == '[') {
            if (ndocs == 0) {
                d->res->shape = OT_SHAPE_ARRAY;
            }
            st = read_array(d, p, &q, false) ? OT_OK : d->st;
        } else if (*p == '{') {
            enum ot_shape first = d->res->shape;
            st = frame_object(d, p, &q);
            if (ndocs > 0) {
                if (first == OT_SHAPE_SINGLE) {
                    first = OT_SHAPE_NDJSON; /* concatenated records */
                }
                d->res->shape = first;
            }
        } else if (ndocs == 0) {
            return rd_fail(d, OT_E_PARSE, p, -1,
                           "give a CloudTrail log file, a JSON array of records or NDJSON",
                           "not CloudTrail JSON: expected '{' or '['");
        } else {
            return rd_fail(d, OT_E_PARSE, p, -1, fix_json,
                           "invalid JSON: unexpected data after the end of the document");
        }
        if (st != OT_OK) {
            return st;
        }
        p = ot_json_ws(q, end);
    }
    return OT_OK;
}

static const char *compression_name(const unsigned char *b, size_t n)
{
    if (n >= 3 && memcmp(b, "BZh", 3) == 0) {
        return "bzip2";
    }
    if (n >= 6 && memcmp(b,
                         "\xFD"
                         "7zXZ\0",
                         6) == 0) {
        return "xz";
    }
    if (n >= 4 && memcmp(b, "\x28\xB5\x2F\xFD", 4) == 0) {
        return "zstd";
    }
    if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0) {
        return "zip";
    }
    return NULL;
}

/*
 * Empty @b for the next input but keep its memory: fresh pages for every
 * file cost the kernel more than the parse (page faults, zeroing). Only an
 * unusually large buffer is given back, so one huge file does not pin it.
 */
static void reuse(struct ot_buf *b, size_t limit)
{
    if (b->cap > OT_READER_KEEP_BYTES) {
        ot_buf_cleanup(b);
    }
    ot_buf_reset(b);
    b->limit = limit;
}

/* Inflate @in into r->text; reports damage through the error callback. */
static ot_status inflate_input(struct rd *d, const void *in, size_t in_n, bool *damaged)
{
    struct ot_reader *r = d->r;
    struct ot_gunzip_info gi;
    char msg[224];

    *damaged = false;
    reuse(&r->text, r->opts.max_file_bytes);
    ot_status st = ot_gunzip(r->dec, in, in_n, &r->text, &gi);
    if (st == OT_E_LIMIT) {
        (void)snprintf(msg, sizeof(msg), "inflates to more than %llu bytes, over the file size cap",
                       (unsigned long long)r->opts.max_file_bytes);
        return rd_fail(d, OT_E_LIMIT, NULL, -1, "raise --max-file-bytes to read it", msg);
    }
    if (st != OT_OK) {
        return rd_fail(d, st, NULL, -1, NULL, "out of memory inflating the file");
    }
    d->res->bytes_json = r->text.len;
    struct ot_error e;
    ot_error_clear(&e);
    if (gi.truncated) {
        (void)snprintf(msg, sizeof(msg),
                       "truncated gzip: the stream ends at byte %zu of %zu before its "
                       "end marker; %zu bytes inflated before the cut were read",
                       in_n, in_n, r->text.len);
        ot_fail(&e, OT_E_PARSE, "the file was cut short (interrupted copy?): fetch it again", "%s",
                msg);
    } else if (gi.corrupt) {
        (void)snprintf(msg, sizeof(msg),
                       "corrupt gzip data near compressed byte %zu (%s); %zu bytes inflated "
                       "before it were read",
                       gi.damaged_at, gi.zmsg ? gi.zmsg : "invalid data", r->text.len);
        ot_fail(&e, OT_E_PARSE, "the file is damaged: fetch it again", "%s", msg);
    } else if (gi.members > 1) {
        (void)snprintf(msg, sizeof(msg),
                       "multi-member gzip: %u members, the second at compressed byte %zu; "
                       "CloudTrail writes one member and AWS validation reads only the first "
                       "(all members were read)",
                       gi.members, gi.first_member_in);
        ot_fail(&e, OT_E_PARSE,
                "data was appended to this log file after delivery: run opentrail validate", "%s",
                msg);
    } else if (gi.trailing_at != 0) {
        (void)snprintf(msg, sizeof(msg),
                       "unexpected data after the end of the gzip stream at byte %zu "
                       "(%zu bytes ignored)",
                       gi.trailing_at, in_n - gi.trailing_at);
        ot_fail(&e, OT_E_PARSE, "data was appended to this file: run opentrail validate", "%s",
                msg);
    } else {
        return OT_OK;
    }
    (void)snprintf(e.where, sizeof(e.where), "%s", d->name);
    *damaged = true;
    d->res->bad++;
    if (d->on_error != NULL) {
        d->on_error(d->ctx, &e);
    }
    *d->err = e;
    return OT_OK;
}

ot_status ot_reader_read_mem(struct ot_reader *r, const void *data, size_t len, const char *name,
                             ot_record_fn on_record, ot_read_error_fn on_error, void *ctx,
                             struct ot_read_result *res, struct ot_error *err)
{
    struct ot_error scratch = { 0 };
    struct rd d = { .r = r,
                    .name = name,
                    .on_record = on_record,
                    .on_error = on_error,
                    .ctx = ctx,
                    .res = res,
                    .err = err ? err : &scratch,
                    .line_no = 1 };
    memset(res, 0, sizeof(*res));
    ot_error_clear(d.err);
    res->bytes_in = len;

    enum ot_shape by_key = ot_shape_from_key(name);
    if (by_key == OT_SHAPE_DIGEST || (by_key == OT_SHAPE_INSIGHT && !r->opts.read_insights)) {
        res->shape = by_key;
        return OT_OK;
    }
    if (len >= OT_SEALED_MAGIC_LEN && memcmp(data, OT_SEALED_MAGIC, OT_SEALED_MAGIC_LEN) == 0) {
        /* sealed at rest by opentrail's store: open it, then read the plain bytes */
        d.base = data;
        if (r->opts.unseal == NULL) {
            return rd_fail(&d, OT_E_USAGE, NULL, -1,
                           "read it with the --data-dir whose keys/ folder holds its "
                           "key-encryption key, or opentrail export it first",
                           "encrypted at rest by opentrail, and no key-encryption keys are loaded");
        }
        reuse(&r->open, r->opts.max_file_bytes);
        struct ot_error e;
        ot_error_clear(&e);
        ot_status st = r->opts.unseal(r->opts.unseal_ctx, data, len, &r->open, &e);
        if (st != OT_OK) {
            if (st == OT_E_LIMIT) {
                return rd_fail(&d, st, NULL, -1, "raise --max-file-bytes to read it",
                               "over the file size cap");
            }
            d.st = st;
            *d.err = e;
            (void)snprintf(d.err->where, sizeof(d.err->where), "%s", name);
            return st;
        }
        data = r->open.data ? r->open.data : "";
        len = r->open.len;
        res->is_encrypted = true;
    }
    const char *cname = compression_name(data, len);
    if (cname != NULL) {
        char msg[128];
        (void)snprintf(msg, sizeof(msg), "%s-compressed input is not supported", cname);
        d.base = data;
        return rd_fail(&d, OT_E_PARSE, NULL, -1,
                       "decompress it first, or pipe it in: xz -dc FILE | opentrail cat -", msg);
    }
    bool damaged = false;
    if (ot_is_gzip(data, len)) {
        res->is_gzip = true;
        d.gz = true;
        d.base = data;
        ot_status st = inflate_input(&d, data, len, &damaged);
        if (st != OT_OK) {
            return st;
        }
        d.base = r->text.data ? r->text.data : "";
        d.end = d.base + r->text.len;
    } else {
        if (len > r->opts.max_file_bytes) {
            d.base = data;
            char msg[128];
            (void)snprintf(msg, sizeof(msg), "%zu bytes, over the file size cap of %llu", len,
                           (unsigned long long)r->opts.max_file_bytes);
            return rd_fail(&d, OT_E_LIMIT, NULL, -1, "raise --max-file-bytes to read it", msg);
        }
        d.base = data;
        d.end = d.base + len;
        res->bytes_json = len;
    }
    d.line_pos = d.base;
    struct ot_error saved = *d.err;
    ot_status st = frame(&d);
    if (damaged) {
        /* the damage explains any parse error at the cut: report the damage */
        *d.err = saved;
        return OT_E_PARSE;
    }
    return st;
}

/* Read all of @fd into r->raw, at most @max bytes. */
static ot_status slurp(struct ot_reader *r, int fd, uint64_t max, const char *name,
                       struct ot_error *err)
{
    struct stat sb;
    reuse(&r->raw, max);
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        if ((uint64_t)sb.st_size > max) {
            ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes to read it",
                    "file is %llu bytes, over the file size cap of %llu",
                    (unsigned long long)sb.st_size, (unsigned long long)max);
            ot_error_at(err, "%s", name);
            return OT_E_LIMIT;
        }
        if (ot_buf_reserve(&r->raw, (size_t)sb.st_size) != OT_OK) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading %s", name);
        }
    }
    for (;;) {
        if (r->raw.cap - r->raw.len < OT_READ_CHUNK_BYTES / 4 + 1) {
            size_t want = OT_READ_CHUNK_BYTES;
            if (want > r->raw.limit - r->raw.len) {
                want = r->raw.limit - r->raw.len;
            }
            if (want == 0) {
                /* at the cap: one more byte means too much */
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n > 0) {
                    ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes to read it",
                            "input is larger than the file size cap of %llu bytes",
                            (unsigned long long)max);
                    ot_error_at(err, "%s", name);
                    return OT_E_LIMIT;
                }
                return OT_OK;
            }
            ot_status st = ot_buf_reserve(&r->raw, want);
            if (st != OT_OK) {
                r->raw = OT_BUF_INIT(max);
                return ot_fail(err, st, NULL, "out of memory reading %s", name);
            }
        }
        size_t room = r->raw.cap - r->raw.len - 1;
        if (room > r->raw.limit - r->raw.len) {
            room = r->raw.limit - r->raw.len;
        }
        ssize_t n = read(fd, r->raw.data + r->raw.len, room);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            ot_fail(err, OT_E_IO, "check the file's permissions and the disk", "read failed: %s",
                    strerror(e));
            err->sys_errno = e;
            ot_error_at(err, "%s", name);
            return OT_E_IO;
        }
        if (n == 0) {
            return OT_OK;
        }
        r->raw.len += (size_t)n;
        r->raw.data[r->raw.len] = '\0';
    }
}

ot_status ot_reader_read_fd(struct ot_reader *r, int fd, const char *name, ot_record_fn on_record,
                            ot_read_error_fn on_error, void *ctx, struct ot_read_result *res,
                            struct ot_error *err)
{
    memset(res, 0, sizeof(*res));
    enum ot_shape by_key = ot_shape_from_key(name);
    if (by_key == OT_SHAPE_DIGEST || (by_key == OT_SHAPE_INSIGHT && !r->opts.read_insights)) {
        res->shape = by_key; /* known by its key: not even opened for reading */
        return OT_OK;
    }
    /* compressed input may inflate up to the cap; a compressed file over it cannot fit */
    ot_status st = slurp(r, fd, r->opts.max_file_bytes, name, err);
    if (st != OT_OK) {
        return st;
    }
    const char *data = r->raw.data ? r->raw.data : "";
    return ot_reader_read_mem(r, data, r->raw.len, name, on_record, on_error, ctx, res, err);
}
