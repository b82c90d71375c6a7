/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/yaml.h - a small read-only YAML tree (libfyaml events) with the
 * line and column of every node, so schema errors can say file:line:col.
 */
#ifndef OT_ACCOUNT_YAML_H
#define OT_ACCOUNT_YAML_H

#include <stdint.h>

#include "opentrail/core.h"

enum ot_ynode_type { OT_Y_SCALAR = 1, OT_Y_SEQ, OT_Y_MAP };

struct ot_ynode {
    uint8_t type;
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

/* Parse @yaml (one document) into @t. OT_E_PARSE with line/col, OT_E_LIMIT, OT_E_NOMEM. */
ot_status ot_ytree_parse(struct ot_sv yaml, struct ot_ytree *t, struct ot_error *err);
void ot_ytree_cleanup(struct ot_ytree *t);

/* A scalar's text, NUL-terminated, borrowed from @t. */
static inline const char *ot_ytext(const struct ot_ytree *t, uint32_t i)
{
    return t->text.data + t->v[i].off;
}

#endif
