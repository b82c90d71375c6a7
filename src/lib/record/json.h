/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/json.h - the validating JSON scanner that builds a record's tape.
 */
#ifndef OT_RECORD_JSON_H
#define OT_RECORD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentrail/record.h"

/* The tape of one record, reused from record to record. */
struct ot_tape {
    struct ot_node *nodes;
    uint32_t count;
    uint32_t cap;
    uint32_t max;  /* nodes never exceed this; past it the parse only validates */
    bool overflow; /* more nodes than max: the record is too large to index */
    bool nomem;    /* growing the tape failed */
};

/* Where and why a parse stopped. */
struct ot_json_err {
    const char *at;  /* the offending byte, or end when input ran out */
    const char *msg; /* static text: "expected ':' after object key" */
    bool incomplete; /* the input ended inside the value: more bytes may fix it */
};

void ot_tape_init(struct ot_tape *t, uint32_t max_nodes);
void ot_tape_cleanup(struct ot_tape *t);

/**
 * ot_json_parse() - validate one JSON value starting exactly at @p and record
 * it in @t (reset first), offsets relative to @p. On success returns true and
 * sets *@endp just past the value; *@has_space tells whether whitespace sat
 * between its tokens. Strings must be valid UTF-8 with valid escapes.
 */
bool ot_json_parse(const char *p, const char *end, struct ot_tape *t, bool *has_space,
                   const char **endp, struct ot_json_err *e);

/* Skip JSON whitespace. */
static inline const char *ot_json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
    }
    return p;
}

/**
 * ot_json_str_eq() - compare JSON string contents @raw (escapes undecoded,
 * already validated) with the plain bytes @s.
 */
bool ot_json_str_eq(struct ot_sv raw, bool has_escape, struct ot_sv s);

/* Append the decoded contents of validated JSON string @raw to @out. */
ot_status ot_json_str_decode(struct ot_sv raw, struct ot_buf *out);

#endif
