/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/intake.c - a request body -> records checked one by one.
 *
 * Stage: capture (-> select -> store -> prove). Two wire formats:
 *  - OT_INTAKE_EVENTS (POST /v1/events): NDJSON (one record per line), a
 *    CloudTrail log file's {"Records":[...]}, a JSON array, or one object;
 *  - OT_INTAKE_PUT_AUDIT_EVENTS (CloudTrail Data): {"auditEvents":[{"id",
 *    "eventData", "eventDataChecksum"}]}, eventData a JSON string holding
 *    one record.
 * Records are read with the record scanner (record/json.c): numbers and
 * strings are kept byte for byte, as an audit trail should, and the accepted
 * record is the compact form of what was sent with eventID and
 * recipientAccountId appended when absent. A body that is not one of the
 * shapes fails as a whole (OT_E_PARSE, nothing accepted); a record that
 * breaks the schema fails alone and the others are kept. Every record is
 * capped at max_record_bytes and a batch at max_records; nesting is capped
 * by the scanner (OT_JSON_MAX_DEPTH). docs/api.md states the rules.
 */
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opentrail/capture.h"
#include "opentrail/limits.h"
#include "record/json.h"
#include "store/store_int.h"

#include "core/private.h"

#define DEFAULT_MAX_RECORDS 10000u
#define ID_MAX_BYTES        128u /* PutAuditEvents' id */
#define EVENT_ID_MAX_BYTES  63u  /* fits struct ot_intake_ok's event_id */
#define ENVELOPE_MAX_NODES  (1u << 20)

/* JSON types as bits, for the schema table. */
#define T_NULL   (1u << OT_NULL)
#define T_BOOL   ((1u << OT_FALSE) | (1u << OT_TRUE))
#define T_STRING (1u << OT_STRING)
#define T_OBJECT (1u << OT_OBJECT)
#define T_ARRAY  (1u << OT_ARRAY)

/* The top-level fields opentrail reads or checks (spec 1.2); others are kept as sent. */
enum field_id {
    F_EVENT_VERSION,
    F_USER_IDENTITY,
    F_EVENT_TIME,
    F_EVENT_SOURCE,
    F_EVENT_NAME,
    F_AWS_REGION,
    F_SOURCE_IP,
    F_USER_AGENT,
    F_ERROR_CODE,
    F_ERROR_MESSAGE,
    F_REQUEST_PARAMETERS,
    F_RESPONSE_ELEMENTS,
    F_ADDITIONAL_EVENT_DATA,
    F_REQUEST_ID,
    F_EVENT_ID,
    F_EVENT_TYPE,
    F_API_VERSION,
    F_MANAGEMENT_EVENT,
    F_READ_ONLY,
    F_RESOURCES,
    F_RECIPIENT_ACCOUNT_ID,
    F_SERVICE_EVENT_DETAILS,
    F_SHARED_EVENT_ID,
    F_VPC_ENDPOINT_ID,
    F_EVENT_CATEGORY,
    F_TLS_DETAILS,
    F_UID,     /* CloudTrail Lake integrations (PutAuditEvents only): eventID */
    F_VERSION, /* and eventVersion, when those are absent */
    F_COUNT
};

static const struct field {
    const char *name;
    unsigned types;
    bool required;
} fields[F_COUNT] = {
    [F_EVENT_VERSION] = { "eventVersion", T_STRING, true },
    [F_USER_IDENTITY] = { "userIdentity", T_OBJECT, true },
    [F_EVENT_TIME] = { "eventTime", T_STRING, true },
    [F_EVENT_SOURCE] = { "eventSource", T_STRING, true },
    [F_EVENT_NAME] = { "eventName", T_STRING, true },
    [F_AWS_REGION] = { "awsRegion", T_STRING, true },
    [F_SOURCE_IP] = { "sourceIPAddress", T_STRING, false },
    [F_USER_AGENT] = { "userAgent", T_STRING, false },
    [F_ERROR_CODE] = { "errorCode", T_STRING, false },
    [F_ERROR_MESSAGE] = { "errorMessage", T_STRING, false },
    [F_REQUEST_PARAMETERS] = { "requestParameters", T_OBJECT | T_NULL, false },
    [F_RESPONSE_ELEMENTS] = { "responseElements", T_OBJECT | T_NULL, false },
    [F_ADDITIONAL_EVENT_DATA] = { "additionalEventData", T_OBJECT | T_NULL, false },
    [F_REQUEST_ID] = { "requestID", T_STRING, false },
    [F_EVENT_ID] = { "eventID", T_STRING, false },
    [F_EVENT_TYPE] = { "eventType", T_STRING, false },
    [F_API_VERSION] = { "apiVersion", T_STRING, false },
    [F_MANAGEMENT_EVENT] = { "managementEvent", T_BOOL, false },
    [F_READ_ONLY] = { "readOnly", T_BOOL, false },
    [F_RESOURCES] = { "resources", T_ARRAY, false },
    [F_RECIPIENT_ACCOUNT_ID] = { "recipientAccountId", T_STRING, false },
    [F_SERVICE_EVENT_DETAILS] = { "serviceEventDetails", T_OBJECT, false },
    [F_SHARED_EVENT_ID] = { "sharedEventID", T_STRING, false },
    [F_VPC_ENDPOINT_ID] = { "vpcEndpointId", T_STRING, false },
    [F_EVENT_CATEGORY] = { "eventCategory", T_STRING, false },
    [F_TLS_DETAILS] = { "tlsDetails", T_OBJECT, false },
    [F_UID] = { "UID", T_STRING, false },
    [F_VERSION] = { "version", T_STRING, false },
};

/* One parse: the options with defaults applied, the tape reused per record. */
struct run {
    const struct ot_intake_opts *o;
    enum ot_intake_format fmt;
    size_t max_bytes, max_records;
    size_t seen; /* records met so far, good or bad */
    struct ot_intake *in;
    size_t cap_ok, cap_failed;
    struct ot_tape tape;
    struct ot_buf data; /* PutAuditEvents: the decoded eventData */
};

/* A record's verdict: NULL code when accepted. */
struct verdict {
    const char *code;
    char message[256];
};

static void verdict_set(struct verdict *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict_set(struct verdict *v, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
    if (n < 0) {
        v->message[0] = '\0';
    }
    v->code = code;
}

/* 1-based line and column of @at in @body. */
static void line_col(struct ot_sv body, const char *at, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (const char *p = body.p; p < at && p < body.p + body.n; p++) {
        if (*p == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static ot_status parse_fail(struct ot_sv body, const char *at, struct ot_error *err,
                            const char *what)
{
    ot_status st = ot_fail(err, OT_E_PARSE,
                           "send NDJSON, {\"Records\":[...]}, a JSON array or "
                           "one object (docs/api.md)",
                           "request body: %s", what);
    if (err != NULL) {
        line_col(body, at, &err->line, &err->col);
    }
    return st;
}

/* ---- the ok and failed lists ---------------------------------------------- */

static ot_status grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return OT_OK;
    }
    size_t nc = *cap == 0 ? 16 : *cap * 2;
    if (nc > SIZE_MAX / size) {
        return OT_E_NOMEM;
    }
    void *p = ot_realloc(*arr, nc * size);
    if (p == NULL) {
        return OT_E_NOMEM;
    }
    *arr = p;
    *cap = nc;
    return OT_OK;
}

static ot_status add_failure(struct run *r, uint32_t index, struct ot_sv id,
                             const struct verdict *v)
{
    struct ot_intake *in = r->in;
    if (grow((void **)&in->failed, &r->cap_failed, in->nfailed, sizeof(in->failed[0])) != OT_OK) {
        return OT_E_NOMEM;
    }
    struct ot_intake_failure *f = &in->failed[in->nfailed];
    *f = (struct ot_intake_failure){ .index = index, .code = v->code };
    if (id.p != NULL) {
        f->id = ot_strndup(id.p, id.n);
        if (f->id == NULL) {
            return OT_E_NOMEM;
        }
    }
    memcpy(f->message, v->message, sizeof(f->message));
    in->nfailed++;
    return OT_OK;
}

/* ---- the schema ------------------------------------------------------------ */

static bool all_digits(struct ot_sv s)
{
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return false;
        }
    }
    return s.n > 0;
}

/* "1.08": digits, a dot, digits. */
static bool is_version(struct ot_sv s)
{
    const char *dot = memchr(s.p, '.', s.n);
    return dot != NULL && s.n <= 16 && all_digits((struct ot_sv){ s.p, (size_t)(dot - s.p) }) &&
           all_digits((struct ot_sv){ dot + 1, s.n - (size_t)(dot - s.p) - 1 });
}

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v;
}

/* Exactly YYYY-MM-DDTHH:MM:SSZ, UTC, a real calendar date. */
static bool is_event_time(struct ot_sv s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (s.n != sizeof(shape) - 1) {
        return false;
    }
    for (size_t i = 0; i < s.n; i++) {
        bool ok = shape[i] == 'd' ? (s.p[i] >= '0' && s.p[i] <= '9') : s.p[i] == shape[i];
        if (!ok) {
            return false;
        }
    }
    unsigned y = num(s.p, 4), mo = num(s.p + 5, 2), d = num(s.p + 8, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || num(s.p + 11, 2) > 23 ||
        num(s.p + 14, 2) > 59 || num(s.p + 17, 2) > 59) {
        return false;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(mo == 2 && d == 29 && !leap);
}

/* Region-shaped: us-east-1, us-gov-west-1, ap-southeast-2, cn-north-1. */
static bool is_region(struct ot_sv s)
{
    size_t parts = 0, i = 0;
    if (s.n > 32) {
        return false;
    }
    while (i <= s.n) {
        size_t j = i;
        while (j < s.n && s.p[j] != '-') {
            j++;
        }
        struct ot_sv part = { s.p + i, j - i };
        bool last = j >= s.n;
        parts++;
        if (last) {
            return parts >= 3 && part.n <= 2 && all_digits(part);
        }
        if (part.n == 0 || (parts == 1 && part.n != 2)) {
            return false;
        }
        for (size_t k = 0; k < part.n; k++) {
            if (part.p[k] < 'a' || part.p[k] > 'z') {
                return false;
            }
        }
        i = j + 1;
    }
    return false;
}

/* eventID and PutAuditEvents ids: [-_A-Za-z0-9] (eventID also '.' and ':'). */
static bool is_id(struct ot_sv s, size_t max, bool event_id)
{
    if (s.n == 0 || s.n > max) {
        return false;
    }
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (event_id && (c == '.' || c == ':'));
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool key_is(const struct ot_record *rec, struct ot_value v, struct ot_sv key,
                   const char *name)
{
    bool esc = rec->nodes[v.node - 1].has_escape; /* the key's node sits just before */
    return ot_json_str_eq(key, esc, ot_sv_cstr(name));
}

/*
 * Check one parsed record against the schema; on success append its compact
 * form, with the fields it lacks, to in->records and fill @ok.
 */
static ot_status check_record(struct run *r, const struct ot_record *rec, struct verdict *v,
                              struct ot_intake_ok *ok)
{
    struct ot_value root = ot_record_root(rec), val, at[F_COUNT];
    struct ot_sv key;
    uint32_t it = 0;
    size_t nfields = r->fmt == OT_INTAKE_PUT_AUDIT_EVENTS ? F_COUNT : F_UID;
    struct ot_buf *out = &r->in->records;

    if (root.type != OT_OBJECT) {
        verdict_set(v, "InvalidRecord", "a record must be a JSON object, not %s",
                    ot_type_name(root.type));
        return OT_OK;
    }
    memset(at, 0, sizeof(at));
    while (ot_value_next(root, &it, &key, &val)) {
        for (size_t f = 0; f < nfields; f++) {
            if (!key_is(rec, val, key, fields[f].name)) {
                continue;
            }
            if (at[f].type != OT_ABSENT) {
                verdict_set(v, "InvalidRecord", "%s: given twice", fields[f].name);
                return OT_OK;
            }
            if (((1u << val.type) & fields[f].types) == 0) {
                verdict_set(v, "InvalidRecord", "%s: expected %s, got %s", fields[f].name,
                            (fields[f].types & T_STRING)  ? "a string"
                            : (fields[f].types & T_BOOL)  ? "a boolean"
                            : (fields[f].types & T_ARRAY) ? "an array"
                                                          : "an object",
                            ot_type_name(val.type));
                return OT_OK;
            }
            at[f] = val;
        }
    }
    /* CloudTrail Lake's integration schema names two fields its own way */
    bool version_from_v = at[F_EVENT_VERSION].type == OT_ABSENT && nfields == F_COUNT &&
                          at[F_VERSION].type == OT_STRING;
    bool id_from_uid =
        at[F_EVENT_ID].type == OT_ABSENT && nfields == F_COUNT && at[F_UID].type == OT_STRING;
    if (version_from_v) {
        at[F_EVENT_VERSION] = at[F_VERSION];
    }
    if (id_from_uid) {
        at[F_EVENT_ID] = at[F_UID];
    }
    for (size_t f = 0; f < F_UID; f++) {
        if (fields[f].required && at[f].type == OT_ABSENT) {
            verdict_set(v, "InvalidRecord", "%s: missing", fields[f].name);
            return OT_OK;
        }
    }
    struct ot_sv s = ot_value_raw(at[F_EVENT_VERSION]);
    if (!is_version(s)) {
        verdict_set(v, "InvalidRecord",
                    "eventVersion: expected \"<major>.<minor>\" such as "
                    "\"1.09\"");
        return OT_OK;
    }
    if (!is_event_time(ot_value_raw(at[F_EVENT_TIME]))) {
        verdict_set(v, "InvalidRecord", "eventTime: expected UTC YYYY-MM-DDTHH:MM:SSZ");
        return OT_OK;
    }
    if (ot_value_raw(at[F_EVENT_SOURCE]).n == 0 || ot_value_raw(at[F_EVENT_NAME]).n == 0) {
        verdict_set(v, "InvalidRecord", "%s: empty",
                    ot_value_raw(at[F_EVENT_SOURCE]).n == 0 ? "eventSource" : "eventName");
        return OT_OK;
    }
    if (!is_region(ot_value_raw(at[F_AWS_REGION]))) {
        verdict_set(v, "InvalidRecord", "awsRegion: expected a region such as us-east-1");
        return OT_OK;
    }
    if (at[F_EVENT_ID].type != OT_ABSENT &&
        !is_id(ot_value_raw(at[F_EVENT_ID]), EVENT_ID_MAX_BYTES, true)) {
        verdict_set(v, "InvalidRecord", "%s: 1 to %u characters of [-_.:A-Za-z0-9]",
                    id_from_uid ? "UID" : "eventID", EVENT_ID_MAX_BYTES);
        return OT_OK;
    }
    const char *acct = r->o->account_id;
    bool add_acct = at[F_RECIPIENT_ACCOUNT_ID].type == OT_ABSENT && acct != NULL;
    if (r->o->account_must_match && acct != NULL && !add_acct &&
        !ot_value_str_eq(at[F_RECIPIENT_ACCOUNT_ID], ot_sv_cstr(acct))) {
        verdict_set(v, "AccountMismatch", "recipientAccountId: not the account of this key");
        return OT_OK;
    }

    /* accepted: its compact JSON, then what it lacked, before the closing brace */
    if (at[F_EVENT_ID].type == OT_ABSENT) {
        if (ot_uuid4(ok->event_id) != OT_OK) {
            return OT_E_IO;
        }
    } else {
        s = ot_value_raw(at[F_EVENT_ID]);
        memcpy(ok->event_id, s.p, s.n);
        ok->event_id[s.n] = '\0';
    }
    size_t start = out->len;
    ot_status st = ot_value_compact(root, out);
    if (st == OT_OK) {
        out->len--; /* the '}' (a record holds its required fields, so never "{}") */
    }
    if (st == OT_OK && version_from_v) {
        st = ot_buf_append_cstr(out, ",\"eventVersion\":");
        if (st == OT_OK) {
            st = ot_value_compact(at[F_VERSION], out);
        }
    }
    if (st == OT_OK && at[F_EVENT_ID].type == OT_ABSENT) {
        st = ot_buf_printf(out, ",\"eventID\":\"%s\"", ok->event_id);
    } else if (st == OT_OK && id_from_uid) {
        st = ot_buf_printf(out, ",\"eventID\":\"%s\"", ok->event_id);
    }
    if (st == OT_OK && add_acct) {
        st = ot_buf_append_cstr(out, ",\"recipientAccountId\":");
        if (st == OT_OK) {
            st = ot_buf_json_str(out, ot_sv_cstr(acct));
        }
    }
    if (st == OT_OK) {
        st = ot_buf_putc(out, '}');
    }
    if (st == OT_OK && out->len - start > UINT32_MAX) {
        st = OT_E_LIMIT;
    }
    if (st != OT_OK) {
        return st == OT_E_LIMIT ? OT_E_LIMIT : OT_E_NOMEM;
    }
    ok->off = start;
    ok->len = (uint32_t)(out->len - start);
    return OT_OK;
}

/*
 * One record in @p..@p+@n (an array element, an NDJSON line, a decoded
 * eventData). @parsed: the tape already holds it. Lands in ok or failed.
 */
static ot_status take(struct run *r, const char *p, size_t n, bool parsed, struct ot_sv id,
                      struct verdict *pre)
{
    struct verdict v = { NULL, { 0 } };
    struct ot_intake_ok ok = { 0 };
    uint32_t index = (uint32_t)r->seen;
    ot_status st;
    if (r->seen >= r->max_records) {
        return OT_E_LIMIT;
    }
    r->seen++;
    if (pre != NULL && pre->code != NULL) {
        v = *pre;
    } else if (n > r->max_bytes) {
        verdict_set(&v, "RecordTooLarge", "the record is %zu bytes; the cap is %zu", n,
                    r->max_bytes);
    } else {
        if (!parsed) {
            struct ot_json_err je;
            const char *end = NULL;
            bool sp;
            bool good = ot_json_parse(p, p + n, &r->tape, &sp, &end, &je);
            if (r->tape.nomem) {
                return OT_E_NOMEM;
            }
            if (!good) {
                verdict_set(&v, "InvalidRecord", "invalid JSON at byte %zu: %s",
                            (size_t)(je.at - p) + 1, je.msg);
            } else if (ot_json_ws(end, p + n) != p + n) {
                verdict_set(&v, "InvalidRecord", "invalid JSON at byte %zu: text after the record",
                            (size_t)(end - p) + 1);
            }
        }
        if (v.code == NULL) {
            struct ot_record rec = {
                .json = p, .len = (uint32_t)n, .nnodes = r->tape.count, .nodes = r->tape.nodes
            };
            st = check_record(r, &rec, &v, &ok);
            if (st != OT_OK) {
                return st;
            }
        }
    }
    if (v.code != NULL) {
        return add_failure(r, index, id, &v);
    }
    struct ot_intake *in = r->in;
    if (grow((void **)&in->ok, &r->cap_ok, in->nok, sizeof(in->ok[0])) != OT_OK) {
        return OT_E_NOMEM;
    }
    ok.index = index;
    if (id.p != NULL) {
        ok.id = ot_strndup(id.p, id.n);
        if (ok.id == NULL) {
            return OT_E_NOMEM;
        }
    }
    in->ok[in->nok++] = ok;
    return OT_OK;
}

/* ---- OT_INTAKE_EVENTS ------------------------------------------------------- */

/* Elements of the array whose '[' is at *@pp; each is a record. */
static ot_status take_array(struct run *r, struct ot_sv body, const char **pp, struct ot_error *err)
{
    const char *p = *pp + 1, *end = body.p + body.n;
    p = ot_json_ws(p, end);
    if (p < end && *p == ']') {
        *pp = p + 1;
        return OT_OK;
    }
    for (;;) {
        struct ot_json_err je;
        const char *q = NULL;
        bool sp;
        if (!ot_json_parse(p, end, &r->tape, &sp, &q, &je)) {
            if (r->tape.nomem) {
                return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            }
            return parse_fail(body, je.at, err, je.msg);
        }
        ot_status st =
            take(r, p, (size_t)(q - p), !r->tape.overflow, (struct ot_sv){ NULL, 0 }, NULL);
        if (st == OT_E_LIMIT) {
            return ot_fail(err, OT_E_LIMIT, "send smaller batches",
                           "more than %zu records in one request", r->max_records);
        }
        if (st != OT_OK) {
            return ot_fail(err, st, NULL, "out of memory");
        }
        p = ot_json_ws(q, end);
        if (p < end && *p == ',') {
            p = ot_json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']') {
            *pp = p + 1;
            return OT_OK;
        }
        return parse_fail(body, p, err, "expected ',' or ']' after a record");
    }
}

/* '{' ws '"Records"' ws ':' ws '[': where the '[' is, or NULL. */
static const char *records_wrapper(const char *p, const char *end)
{
    p = ot_json_ws(p + 1, end);
    if ((size_t)(end - p) < 9 || memcmp(p, "\"Records\"", 9) != 0) {
        return NULL;
    }
    p = ot_json_ws(p + 9, end);
    if (p == end || *p != ':') {
        return NULL;
    }
    p = ot_json_ws(p + 1, end);
    return p < end && *p == '[' ? p : NULL;
}

/* One record per line; blank lines are skipped and do not count. */
static ot_status take_lines(struct run *r, struct ot_sv body, struct ot_error *err)
{
    const char *p = body.p, *end = body.p + body.n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *a = ot_json_ws(p, eol), *b = eol;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) {
            b--;
        }
        if (b > a) {
            ot_status st = take(r, a, (size_t)(b - a), false, (struct ot_sv){ NULL, 0 }, NULL);
            if (st == OT_E_LIMIT) {
                return ot_fail(err, OT_E_LIMIT, "send smaller batches",
                               "more than %zu records in one request", r->max_records);
            }
            if (st != OT_OK) {
                return ot_fail(err, st, NULL, "out of memory");
            }
        }
        p = eol + (nl != NULL);
    }
    return OT_OK;
}

static ot_status parse_events(struct run *r, struct ot_sv body, struct ot_error *err)
{
    const char *end = body.p + body.n, *p = ot_json_ws(body.p, end);
    ot_status st;
    if (p == end) {
        return parse_fail(body, p, err, "empty");
    }
    if (*p == '[') {
        st = take_array(r, body, &p, err);
        if (st == OT_OK && ot_json_ws(p, end) != end) {
            st = parse_fail(body, ot_json_ws(p, end), err, "text after the array");
        }
        return st;
    }
    if (*p != '{') {
        return parse_fail(body, p, err, "expected a JSON object or array");
    }
    const char *arr = records_wrapper(p, end);
    if (arr != NULL) {
        st = take_array(r, body, &arr, err);
        if (st != OT_OK) {
            return st;
        }
        p = ot_json_ws(arr, end);
        if (p == end || *p != '}' || ot_json_ws(p + 1, end) != end) {
            return parse_fail(body, p, err, "expected '}' after the Records array");
        }
        return OT_OK;
    }
    struct ot_json_err je;
    const char *q = NULL;
    bool sp;
    bool whole = ot_json_parse(p, end, &r->tape, &sp, &q, &je);
    if (r->tape.nomem) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (whole && ot_json_ws(q, end) == end) {
        return take(r, p, (size_t)(q - p), !r->tape.overflow, (struct ot_sv){ NULL, 0 }, NULL);
    }
    /* more than one line holding something: NDJSON, where a bad line fails alone */
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl != NULL && ot_json_ws(nl, end) != end) {
        return take_lines(r, body, err);
    }
    return parse_fail(body, whole ? ot_json_ws(q, end) : je.at, err,
                      whole ? "text after the record" : je.msg);
}

/* ---- OT_INTAKE_PUT_AUDIT_EVENTS --------------------------------------------- */

static ot_status pae_fail(struct ot_sv body, const char *at, struct ot_error *err, const char *what)
{
    ot_status st = ot_fail(err, OT_E_PARSE,
                           "send {\"auditEvents\":[{\"id\":...,\"eventData\":...}]} (docs/api.md)",
                           "request body: %s", what);
    if (err != NULL) {
        line_col(body, at, &err->line, &err->col);
    }
    return st;
}

/* Decode the string @v into @out (reset first). */
static ot_status decode_str(struct ot_value v, struct ot_buf *out)
{
    ot_buf_reset(out);
    return ot_value_text(v, out);
}

/* One auditEvents element: its id, eventData and checksum, then the record. */
static ot_status take_audit_event(struct run *r, struct ot_sv body, struct ot_value ev,
                                  struct ot_error *err)
{
    struct ot_value val, id = { 0 }, data = { 0 }, sum = { 0 };
    struct ot_sv key;
    uint32_t it = 0;
    const char *at = ev.rec->json + ev.rec->nodes[ev.node].start;
    if (ev.type != OT_OBJECT) {
        return pae_fail(body, at, err, "each auditEvents element must be an object");
    }
    while (ot_value_next(ev, &it, &key, &val)) {
        struct ot_value *slot = key_is(ev.rec, val, key, "id")                  ? &id
                                : key_is(ev.rec, val, key, "eventData")         ? &data
                                : key_is(ev.rec, val, key, "eventDataChecksum") ? &sum
                                                                                : NULL;
        if (slot == NULL) {
            return pae_fail(body, at, err, "unknown member in an auditEvents element");
        }
        if (slot->type != OT_ABSENT || val.type != OT_STRING) {
            return pae_fail(body, at, err,
                            "id, eventData and eventDataChecksum are strings, given once");
        }
        *slot = val;
    }
    struct ot_sv ids = ot_value_raw(id);
    if (id.type == OT_ABSENT || data.type == OT_ABSENT || !is_id(ids, ID_MAX_BYTES, false)) {
        return pae_fail(body, at, err,
                        "each auditEvents element needs an id (1-128 characters of "
                        "[-_A-Za-z0-9]) and eventData");
    }
    ot_status st = decode_str(data, &r->data);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    struct verdict pre = { NULL, { 0 } };
    if (sum.type != OT_ABSENT) {
        unsigned char md[SHA256_DIGEST_LENGTH];
        char hex[65];
        (void)SHA256((const unsigned char *)(r->data.data ? r->data.data : ""), r->data.len, md);
        ot_hex(md, sizeof(md), hex);
        struct ot_sv given = ot_value_raw(sum);
        bool same = given.n == 64;
        for (size_t i = 0; same && i < 64; i++) {
            char c = given.p[i];
            same = (c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c) == hex[i];
        }
        if (!same) {
            verdict_set(&pre, "InvalidChecksum",
                        "eventDataChecksum: not the SHA-256 of eventData (lower-case hex)");
        }
    }
    st = take(r, r->data.data ? r->data.data : "", r->data.len, false, ids, &pre);
    if (st == OT_E_LIMIT) {
        return ot_fail(err, OT_E_LIMIT, "send smaller batches",
                       "more than %zu audit events in one request", r->max_records);
    }
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    return OT_OK;
}

static ot_status parse_audit_events(struct run *r, struct ot_sv body, struct ot_error *err)
{
    struct ot_tape env;
    struct ot_json_err je;
    const char *end = body.p + body.n, *p = ot_json_ws(body.p, end), *q = NULL;
    bool sp;
    ot_status st = OT_OK;
    ot_tape_init(&env, ENVELOPE_MAX_NODES);
    bool good = ot_json_parse(p, end, &env, &sp, &q, &je);
    if (env.nomem) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (!good) {
        st = pae_fail(body, je.at, err, je.msg);
        goto out;
    }
    if (ot_json_ws(q, end) != end) {
        st = pae_fail(body, ot_json_ws(q, end), err, "text after the object");
        goto out;
    }
    if (env.overflow) {
        st = ot_fail(err, OT_E_LIMIT, "send smaller batches",
                     "request body: more than %u JSON "
                     "values",
                     ENVELOPE_MAX_NODES);
        goto out;
    }
    struct ot_record rec = {
        .json = p, .len = (uint32_t)(q - p), .nnodes = env.count, .nodes = env.nodes
    };
    struct ot_value root = ot_record_root(&rec), val, events = { 0 };
    struct ot_sv key;
    uint32_t it = 0;
    if (root.type != OT_OBJECT) {
        st = pae_fail(body, p, err, "expected an object");
        goto out;
    }
    while (ot_value_next(root, &it, &key, &val)) {
        if (!key_is(&rec, val, key, "auditEvents") || events.type != OT_ABSENT ||
            val.type != OT_ARRAY) {
            st = pae_fail(body, p, err, "expected one member, auditEvents, an array");
            goto out;
        }
        events = val;
    }
    if (events.type == OT_ABSENT) {
        st = pae_fail(body, p, err, "auditEvents: missing");
        goto out;
    }
    it = 0;
    while (st == OT_OK && ot_value_next(events, &it, NULL, &val)) {
        st = take_audit_event(r, body, val, err);
    }
out:
    ot_tape_cleanup(&env);
    return st;
}

/* ---- public ------------------------------------------------------------------ */

ot_status ot_intake_parse(struct ot_sv body, enum ot_intake_format fmt,
                          const struct ot_intake_opts *o, struct ot_intake *in,
                          struct ot_error *err)
{
    struct run r = { .o = o, .fmt = fmt, .in = in, .data = OT_BUF_INIT(OT_FILE_MAX_BYTES_CEILING) };
    ot_status st;
    *in = (struct ot_intake){ .records = OT_BUF_INIT(OT_FILE_MAX_BYTES_CEILING) };
    r.max_bytes = o->max_record_bytes ? o->max_record_bytes : OT_RECORD_MAX_BYTES;
    r.max_records = o->max_records ? o->max_records : DEFAULT_MAX_RECORDS;
    if (r.max_bytes > UINT32_MAX - 1 || r.max_records > UINT32_MAX) {
        return ot_fail(err, OT_E_USAGE, NULL, "max_record_bytes or max_records out of range");
    }
    if (body.n > UINT32_MAX) {
        return ot_fail(err, OT_E_LIMIT, "send smaller batches", "request body over 4 GiB");
    }
    ot_tape_init(&r.tape, (uint32_t)r.max_bytes + 1); /* a node holds at least one byte */
    st = fmt == OT_INTAKE_PUT_AUDIT_EVENTS ? parse_audit_events(&r, body, err)
                                           : parse_events(&r, body, err);
    if (st == OT_E_NOMEM || st == OT_E_IO) {
        st = ot_fail(err, st, NULL,
                     st == OT_E_IO ? "no random bytes for an eventID" : "out of memory");
    }
    if (st != OT_OK) {
        ot_intake_cleanup(in); /* a batch is taken whole or not at all */
    }
    ot_tape_cleanup(&r.tape);
    ot_buf_cleanup(&r.data);
    return st;
}

void ot_intake_cleanup(struct ot_intake *in)
{
    if (in == NULL) {
        return;
    }
    for (size_t i = 0; i < in->nok; i++) {
        ot_free(in->ok[i].id);
    }
    for (size_t i = 0; i < in->nfailed; i++) {
        ot_free(in->failed[i].id);
    }
    ot_free(in->ok);
    ot_free(in->failed);
    ot_buf_cleanup(&in->records);
    *in = (struct ot_intake){ .records = OT_BUF_INIT(0) };
}

static ot_status put_str_member(struct ot_buf *out, const char *name, const char *v)
{
    ot_status st = ot_buf_printf(out, "\"%s\":", name);
    if (st == OT_OK) {
        st = v ? ot_buf_json_str(out, ot_sv_cstr(v)) : ot_buf_append_cstr(out, "null");
    }
    return st;
}

ot_status ot_intake_response(const struct ot_intake *in, enum ot_intake_format fmt,
                             struct ot_buf *out)
{
    ot_status st;
    bool pae = fmt == OT_INTAKE_PUT_AUDIT_EVENTS;
    if (pae) {
        st = ot_buf_append_cstr(out, "{\"successful\":[");
        for (size_t i = 0; st == OT_OK && i < in->nok; i++) {
            st = ot_buf_append_cstr(out, i ? ",{" : "{");
            if (st == OT_OK) {
                st = put_str_member(out, "id", in->ok[i].id);
            }
            if (st == OT_OK) {
                st = ot_buf_putc(out, ',');
            }
            if (st == OT_OK) {
                st = put_str_member(out, "eventID", in->ok[i].event_id);
            }
            if (st == OT_OK) {
                st = ot_buf_putc(out, '}');
            }
        }
        if (st == OT_OK) {
            st = ot_buf_append_cstr(out, "],\"failed\":[");
        }
    } else {
        st = ot_buf_printf(out, "{\"accepted\":%zu,\"failed\":[", in->nok);
    }
    for (size_t i = 0; st == OT_OK && i < in->nfailed; i++) {
        const struct ot_intake_failure *f = &in->failed[i];
        st = ot_buf_append_cstr(out, i ? ",{" : "{");
        if (st == OT_OK && pae) {
            st = put_str_member(out, "id", f->id);
            if (st == OT_OK) {
                st = ot_buf_putc(out, ',');
            }
        } else if (st == OT_OK) {
            st = ot_buf_printf(out, "\"index\":%u,", (unsigned)f->index);
        }
        if (st == OT_OK) {
            st = put_str_member(out, pae ? "errorCode" : "code", f->code);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(out, ',');
        }
        if (st == OT_OK) {
            st = put_str_member(out, pae ? "errorMessage" : "message", f->message);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(out, '}');
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(out, "]}");
    }
    return st;
}

ot_status ot_uuid4(char out[37])
{
    unsigned char b[16];
    char hex[33];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        return OT_E_IO;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    ot_hex(b, sizeof(b), hex);
    (void)snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                   hex + 20);
    return OT_OK;
}
