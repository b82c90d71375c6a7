/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/doc.c - the arena and the document tree shared by every advise input.
 *
 * Stage: advise. One arena per audit session owns the copied inputs, the
 * parsed trees and the model; it is bounded by OT_ARENA_MAX_BYTES and freed
 * in one call, so parsers never free a node on an error path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "advise/doc.h"

#include "core/private.h"

struct ot_arena_chunk {
    struct ot_arena_chunk *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
};

void ot_arena_init(struct ot_arena *ar)
{
    ar->head = NULL;
    ar->used_bytes = 0;
}

void ot_arena_cleanup(struct ot_arena *ar)
{
    struct ot_arena_chunk *c = ar->head;
    while (c != NULL) {
        struct ot_arena_chunk *next = c->next;
        ot_free(c);
        c = next;
    }
    ar->head = NULL;
    ar->used_bytes = 0;
}

void *ot_arena_alloc(struct ot_arena *ar, size_t n)
{
    if (n > OT_ARENA_MAX_BYTES) {
        return NULL;
    }
    n = (n + 15u) & ~(size_t)15u;
    struct ot_arena_chunk *c = ar->head;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > OT_ARENA_CHUNK_BYTES ? n : OT_ARENA_CHUNK_BYTES;
        if (cap > OT_ARENA_MAX_BYTES - ar->used_bytes) {
            return NULL;
        }
        struct ot_arena_chunk *nc = ot_malloc(sizeof(*nc) + cap);
        if (nc == NULL) {
            return NULL;
        }
        nc->cap = cap;
        nc->used = 0;
        ar->used_bytes += cap;
        if (c != NULL && n > OT_ARENA_CHUNK_BYTES) {
            /* a big one-off: keep filling the current chunk afterwards */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            ar->head = nc;
        }
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ot_arena_strdup(struct ot_arena *ar, struct ot_sv s)
{
    if (s.n >= OT_ARENA_MAX_BYTES) {
        return NULL;
    }
    char *d = ot_arena_alloc(ar, s.n + 1);
    if (d != NULL && s.n > 0) {
        memcpy(d, s.p, s.n);
    }
    return d;
}

char *ot_arena_printf(struct ot_arena *ar, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return NULL;
    }
    char *d = ot_arena_alloc(ar, (size_t)n + 1);
    if (d == NULL) {
        return NULL;
    }
    va_start(ap, fmt);
    (void)vsnprintf(d, (size_t)n + 1, fmt, ap); /* sized above: cannot truncate */
    va_end(ap);
    return d;
}

struct ot_doc *ot_doc_new(struct ot_arena *ar, enum ot_doc_kind kind, const char *file,
                          unsigned line, unsigned col)
{
    struct ot_doc *d = ot_arena_alloc(ar, sizeof(*d));
    if (d != NULL) {
        d->kind = kind;
        d->file = file;
        d->line = line;
        d->col = col;
    }
    return d;
}

void ot_doc_append(struct ot_doc *parent, struct ot_doc *child)
{
    if (parent->tail == NULL) {
        parent->child = child;
    } else {
        parent->tail->next = child;
    }
    parent->tail = child;
}

const struct ot_doc *ot_doc_get(const struct ot_doc *d, const char *key)
{
    if (d == NULL) {
        return NULL;
    }
    for (const struct ot_doc *c = d->child; c != NULL; c = c->next) {
        if (ot_sv_eq_cstr(c->key, key)) {
            return c;
        }
    }
    return NULL;
}
