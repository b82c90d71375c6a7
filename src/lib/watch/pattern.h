/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/pattern.h - the compiled form of a filter pattern, shared by the
 * parser (pattern.c) and the evaluator (match.c). Grammar: docs/filter-patterns.md.
 */
#ifndef OT_WATCH_PATTERN_H
#define OT_WATCH_PATTERN_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "opentrail/watch.h"
#include "record/json.h"

enum val_kind {
    V_STRING, /* exact text */
    V_GLOB,   /* text with '*' wildcards */
    V_ANY,    /* '*' alone: any value present */
    V_REGEX,  /* %...% */
};

struct value {
    enum val_kind kind;
    char *text; /* owned, decoded; for V_GLOB the '*' are wildcards */
    size_t len;
    bool is_number; /* the literal reads as a number: */
    double num;     /* its value */
    pcre2_code *re; /* V_REGEX, owned */
};

enum cond_op {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IS_NULL,
    OP_IS_TRUE,
    OP_IS_FALSE,
    OP_NOT_EXISTS,
};

enum node_kind {
    N_AND,
    N_OR,
    N_COND,
    N_IN, /* an OR of `field = "literal"` folded into one sorted set (docs/internals) */
};

/* An expression tree in one array; children are indexes. */
struct node {
    enum node_kind kind;
    unsigned left, right; /* N_AND, N_OR */
    enum cond_op op;      /* N_COND */
    unsigned field;       /* N_COND: JSON: index into paths; space: unused */
    struct value v;       /* N_COND */
    struct ot_sv *set;    /* N_IN: literals sorted by length then bytes, owned */
    unsigned nset;
};

/* A term of a term pattern. */
struct term {
    enum { T_AND, T_OR, T_NOT } kind;
    struct value v; /* V_STRING (substring) or V_REGEX */
};

/* A field of a space-delimited pattern. */
struct sfield {
    bool ellipsis;
    struct ot_sv name; /* points into pattern->text */
    unsigned root;     /* expression over this field, or UINT32_MAX for none */
};

struct ot_pattern {
    enum ot_pattern_kind kind;
    char *text; /* owned copy of the source */
    size_t text_len;
    bool match_all; /* "" or whitespace */
    /* terms */
    struct term *terms;
    unsigned nterms;
    /* JSON and space-delimited expressions */
    struct node *nodes;
    unsigned nnodes, cap_nodes;
    unsigned root;
    struct ot_path **paths; /* JSON selectors, owned */
    unsigned npaths;
    /* space-delimited */
    struct sfield fields[OT_PATTERN_MAX_FIELDS];
    unsigned nfields;
    bool has_ellipsis;
    unsigned nregex;
};

/* Patterns evaluated together share one lookup per distinct selector. */
struct ot_pattern_set {
    struct ot_pattern *const *pats; /* borrowed */
    unsigned n;
    unsigned **slots; /* slots[i][k]: the set-wide slot of pattern i's selector k */
    unsigned nslots;
};

struct ot_matcher {
    pcre2_match_data *md;
    /* field values already looked up in the record being matched, by slot */
    struct ot_value *cache;
    uint8_t *cached;
    unsigned cache_cap;
    struct ot_buf scratch; /* decoded strings */
    struct ot_tape tape;   /* messages parsed as JSON */
    /* space-delimited: message fields, and what the last match extracted */
    struct ot_sv mfield[OT_PATTERN_MAX_FIELDS + 1];
    unsigned nmfields;
    struct ot_sv ex_name[OT_PATTERN_MAX_FIELDS];
    struct ot_sv ex_value[OT_PATTERN_MAX_FIELDS];
    unsigned nex;
};

/* Conditions in one pattern (and so distinct selectors). */
#define OT_PATTERN_MAX_NODES_PUBLIC 512u

/* Glob match: '*' matches any run of bytes; everything else is literal. */
bool ot_glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif
