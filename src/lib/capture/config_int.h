/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/config_int.h - the config-key tables and the walk that applies
 * them: config.c walks, show and doc read the same tables, config_keys.c
 * holds them with the checks that span several keys.
 */
#ifndef OT_CAPTURE_CONFIG_INT_H
#define OT_CAPTURE_CONFIG_INT_H

#include <stddef.h>

#include "core/ytree.h"
#include "opentrail/config.h"

enum cfk_type {
    CFK_STR = 0,
    CFK_SECRET, /* a string never printed */
    CFK_BOOL,
    CFK_U64,     /* min..max */
    CFK_SIZE,    /* bytes, K/M/G suffixes, min..max */
    CFK_DOUBLE,  /* sets the bool at has_off too */
    CFK_ENUM,    /* int index into choices */
    CFK_STRS,    /* struct ot_conf_strs */
    CFK_MAP,     /* struct ot_conf_map */
    CFK_SECTION, /* a mapping of sub keys, the struct at off */
    CFK_ARRAY,   /* a list of mappings of sub keys: T * at off, uint32_t at count_off */
    CFK_NODE,    /* uint32_t node index, checked by the element's hook */
};

struct cfg_walk {
    const struct ot_ytree *t;
    struct ot_error *err;
    struct ot_config *cfg;
};

struct ot_conf_key {
    const char *name;
    enum cfk_type type;
    size_t off;
    const char *def; /* default as text; NULL for none */
    bool required;
    const char *help;
    uint64_t min, max;
    const char *const *choices;    /* CFK_ENUM, NULL-terminated */
    const struct ot_conf_key *sub; /* CFK_SECTION, CFK_ARRAY: terminated by name NULL */
    size_t elem_size;              /* CFK_ARRAY */
    size_t count_off;              /* CFK_ARRAY */
    size_t has_off;                /* offset + 1 of a bool set when the key is present; 0 none */
    /* CFK_SECTION and CFK_ARRAY: checks across the keys of one element */
    ot_status (*check)(struct cfg_walk *w, void *obj, uint32_t node, const char *ctx);
};

/* The top-level keys. */
extern const struct ot_conf_key ot_conf_root_keys[];

/* Fail at @node with what (printf) and fix. */
ot_status ot_conf_fail(struct cfg_walk *w, uint32_t node, ot_status st, const char *fix,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks across the whole file (unique names, alarm actions naming notifiers). */
ot_status ot_conf_check_all(struct cfg_walk *w);

#endif
