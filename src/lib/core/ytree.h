/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/ytree.h - a small read-only YAML tree (libfyaml events) with the line
 * and column of every node, so schema errors can say file:line:col.
 *
 * Stage: core. Shared by account (scenario files) and capture (opentrail.yaml);
 * each caller passes its own limits and the name messages call the file.
 */
#ifndef OT_CORE_YTREE_H
#define OT_CORE_YTREE_H

#include <stdint.h>

#include "opentrail/core.h"

/* The deepest nesting any caller may ask for (the parse stack is this big). */
#define OT_YAML_DEPTH_CAP 32u

enum ot_ynode_type { OT_Y_SCALAR = 1, OT_Y_SEQ, OT_Y_MAP };

struct ot_ynode {
    uint8_t type;
    uint8_t is_plain;   /* scalars: written without quotes (so "true" in quotes is a string) */
    unsigned line, col; /* 1-based */
    uint32_t first;     /* first child (maps: key, value, key, value...), 0 = none */
    uint32_t next;      /* next sibling, 0 = none */
    uint32_t count;     /* children */
    size_t off, len;    /* scalars: text in the tree's arena */
};

struct ot_ytree {
    struct ot_ynode *v; /* v[0] unused; v[1] is the root */
    uint32_t n, cap;
    struct ot_buf text; /* scalar texts, NUL-separated */
};

/* What one kind of file may hold, and the words its messages use. */
struct ot_ylimits {
    size_t max_bytes;
    uint32_t max_nodes;
    unsigned max_depth;    /* <= OT_YAML_DEPTH_CAP */
    const char *kind;      /* "scenario", "config": "YAML aliases are not supported in <kind>s" */
    const char *size_fix;  /* fix text when the file or node count is too big */
    const char *empty_fix; /* fix text for an empty file */
};

/* Parse @yaml (one document) into @t. OT_E_PARSE with line/col, OT_E_LIMIT, OT_E_NOMEM. */
ot_status ot_ytree_parse_lim(struct ot_sv yaml, const struct ot_ylimits *lim, struct ot_ytree *t,
                             struct ot_error *err);
void ot_ytree_cleanup(struct ot_ytree *t);

/* A scalar's text, NUL-terminated, borrowed from @t. */
static inline const char *ot_ytext(const struct ot_ytree *t, uint32_t i)
{
    return t->text.data + t->v[i].off;
}

/* A scalar's text; "" for anything else (complex keys, missing node 0). */
static inline const char *ot_yscalar(const struct ot_ytree *t, uint32_t i)
{
    return i != 0 && t->v[i].type == OT_Y_SCALAR ? ot_ytext(t, i) : "";
}

/**
 * ot_ytree_fail() - fill @err with @st, @fix and the formatted message, at
 * the line and column of @node (none when @node is 0). Returns @st.
 */
ot_status ot_ytree_fail(const struct ot_ytree *t, uint32_t node, struct ot_error *err, ot_status st,
                        const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
