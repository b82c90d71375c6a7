/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/doc.h - the document tree every advise input is parsed into, and the
 * arena that owns it.
 *
 * Stage: advise. HCL bodies, CloudFormation YAML/JSON all become the same
 * tree of struct ot_doc, each node with its file:line:col, so one mapper per
 * format turns documents into the trail model and every finding can point at
 * the line that caused it. Nodes and decoded strings live in a struct
 * ot_arena freed in one call (nginx pools); nothing in a tree is freed alone.
 */
#ifndef OT_ADVISE_DOC_H
#define OT_ADVISE_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "opentrail/core.h"
#include "opentrail/limits.h"

struct ot_arena_chunk;

struct ot_arena {
    struct ot_arena_chunk *head;
    size_t used_bytes; /* over all chunks, checked against OT_ARENA_MAX_BYTES */
};

void ot_arena_init(struct ot_arena *ar);
void ot_arena_cleanup(struct ot_arena *ar);
/* Zeroed, 16-byte aligned; NULL when out of memory or past the arena's limit. */
void *ot_arena_alloc(struct ot_arena *ar, size_t n);
/* A NUL-terminated copy of @s in the arena, or NULL. */
char *ot_arena_strdup(struct ot_arena *ar, struct ot_sv s);
/* A NUL-terminated printf into the arena, or NULL. */
char *ot_arena_printf(struct ot_arena *ar, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

enum ot_doc_kind {
    OT_DOC_NULL = 0,
    OT_DOC_BOOL,
    OT_DOC_NUM,     /* text: the number as written */
    OT_DOC_STR,     /* text: the decoded string */
    OT_DOC_REF,     /* text: a static traversal, "aws_s3_bucket.logs.id", "var.region" */
    OT_DOC_TMPL,    /* a string with interpolations; children are STR and expression parts */
    OT_DOC_LIST,    /* children in order */
    OT_DOC_OBJ,     /* children carry their key */
    OT_DOC_BLOCK,   /* HCL block: key = type, labels, children = attributes and blocks */
    OT_DOC_UNKNOWN, /* text: the source of an expression that is not static */
};

struct ot_doc {
    enum ot_doc_kind kind;
    bool b;
    struct ot_sv key;  /* member name in the parent object or body */
    struct ot_sv text; /* see the kinds */
    struct ot_sv label[OT_HCL_MAX_LABELS];
    unsigned nlabel;
    unsigned line, col;
    const char *file; /* the session's copy of the input's name */
    struct ot_doc *child, *tail, *next;
};

/* A new node of @kind at @line:@col of @file, or NULL. */
struct ot_doc *ot_doc_new(struct ot_arena *ar, enum ot_doc_kind kind, const char *file,
                          unsigned line, unsigned col);
void ot_doc_append(struct ot_doc *parent, struct ot_doc *child);
/* The first child named @key, or NULL. */
const struct ot_doc *ot_doc_get(const struct ot_doc *d, const char *key);

/**
 * ot_hcl_parse() - parse one HCL2 file (Terraform's native syntax) into a BLOCK
 * node whose children are the file's attributes and blocks.
 * @src: the bytes (borrowed; string views in the tree point into an arena copy
 * the caller made, so @src must outlive @ar's use of the tree).
 * Expressions that are not literals, static references or templates of them
 * become OT_DOC_UNKNOWN nodes holding their source text.
 * Returns OT_OK; OT_E_PARSE or OT_E_LIMIT with line and col set in @err; OT_E_NOMEM.
 */
ot_status ot_hcl_parse(struct ot_arena *ar, const char *file, struct ot_sv src, struct ot_doc **out,
                       struct ot_error *err);

/**
 * ot_yaml_parse() - parse a YAML or JSON document (libfyaml) into OBJ/LIST/
 * scalar nodes with positions. CloudFormation short tags (!Ref, !GetAtt, !Sub,
 * ...) become one-member objects ("Ref": …, "Fn::GetAtt": …) as in JSON form.
 * Same statuses as ot_hcl_parse().
 */
ot_status ot_yaml_parse(struct ot_arena *ar, const char *file, struct ot_sv src,
                        struct ot_doc **out, struct ot_error *err);

/**
 * ot_plan_parse() - `terraform show -json` output (jansson) into the tree an
 * HCL file gives: one `resource "TYPE" "NAME"` block per managed resource of
 * every module. Nodes carry no line (0): the JSON has none. Same statuses as
 * ot_hcl_parse().
 */
ot_status ot_plan_parse(struct ot_arena *ar, const char *file, struct ot_sv src,
                        struct ot_doc **out, struct ot_error *err);

/* Does this JSON look like `terraform show -json` output (format_version and
 * terraform_version in its first 4 KiB)? */
bool ot_plan_sniff(struct ot_sv src);

#endif
