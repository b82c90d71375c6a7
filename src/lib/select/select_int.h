/* SPDX-License-Identifier: Apache-2.0 */
/*
 * select/select_int.h - the compiled form of a trail's selectors, shared by
 * parse.c (which builds and validates it) and match.c (which reads it), and
 * the entry point the config reader uses on its own YAML tree.
 */
#ifndef OT_SELECT_INT_H
#define OT_SELECT_INT_H

#include "core/ytree.h"
#include "opentrail/select.h"

/* Advanced operators, positive ones first. */
enum sel_op { SEL_EQ = 0, SEL_SW, SEL_EW, SEL_NE, SEL_NSW, SEL_NEW, SEL_NOPS };

struct sel_list {
    char **v; /* owned strings */
    uint32_t n;
};

struct sel_field {
    char *name;       /* "eventName", "resources.ARN", "userIdentity.arn" */
    bool is_resource; /* resources.*: any entry of resources[] */
    struct sel_list op[SEL_NOPS];
};

struct sel_adv {
    char *name; /* may be NULL */
    struct sel_field *f;
    uint32_t nf;
};

enum sel_rtype { SEL_R_S3 = 0, SEL_R_LAMBDA, SEL_R_DYNAMODB };
enum sel_rw { SEL_RW_ALL = 0, SEL_RW_READ, SEL_RW_WRITE };

struct sel_resource {
    enum sel_rtype type;
    struct sel_list values;
};

struct sel_basic {
    enum sel_rw rw;
    bool management;
    bool exclude_kms, exclude_rdsdata;
    struct sel_resource *r;
    uint32_t nr;
};

struct ot_selectors {
    enum ot_select_kind kind;
    struct sel_basic *basic;
    uint32_t nbasic;
    struct sel_adv *adv;
    uint32_t nadv;
};

/* The resource types basic selectors take, by enum sel_rtype. */
extern const char *const ot_sel_rtype_names[3];

/**
 * ot_selectors_from_ytree() - build selectors from the value nodes of
 * "EventSelectors" (@basic, 0 if absent) and "AdvancedEventSelectors" (@adv,
 * 0 if absent) of @t. Errors carry the line and column; where is left to
 * the caller.
 */
ot_status ot_selectors_from_ytree(const struct ot_ytree *t, uint32_t basic, uint32_t adv,
                                  struct ot_selectors **out, struct ot_error *err);

#endif
