/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record/record.c - field paths and typed values over a record's tape.
 *
 * Stage: record. Everything here reads the tape built by json.c and the
 * record's own bytes; nothing is copied. A path is compiled once (by the CLI,
 * a selector or a filter pattern) and evaluated on millions of records, so
 * evaluation is a walk over object keys that jumps over whole subtrees.
 */
#include <stdlib.h>
#include <string.h>

#include "opentrail/limits.h"
#include "opentrail/record.h"
#include "record/json.h"

#include "core/private.h"

enum step_kind { STEP_KEY, STEP_INDEX, STEP_ANY };

struct step {
    enum step_kind kind;
    uint32_t index;
    struct ot_sv key; /* points into path->text */
};

struct ot_path {
    char *text; /* owned copy of the source text; keys point into it */
    size_t text_len;
    unsigned nsteps;
    struct step steps[OT_PATH_MAX_STEPS];
    char *keybuf; /* decoded ["quoted"] keys, owned */
};

const char *ot_type_name(enum ot_type t)
{
    switch (t) {
    case OT_ABSENT:
        return "absent";
    case OT_NULL:
        return "null";
    case OT_FALSE:
    case OT_TRUE:
        return "boolean";
    case OT_NUMBER:
        return "number";
    case OT_STRING:
        return "string";
    case OT_OBJECT:
        return "object";
    case OT_ARRAY:
        return "array";
    }
    return "unknown";
}

void ot_path_free(struct ot_path *p)
{
    if (p != NULL) {
        ot_free(p->text);
        ot_free(p->keybuf);
        ot_free(p);
    }
}

struct ot_sv ot_path_text(const struct ot_path *p)
{
    return (struct ot_sv){ p->text, p->text_len };
}

static bool is_key_char(char c)
{
    return c != '.' && c != '[' && c != ']' && c != '\0';
}

static ot_status path_err(struct ot_error *err, ot_status st, size_t col, const char *what)
{
    ot_fail(err, st,
            "write keys separated by '.', indexes as [0], any element as [*], "
            "e.g. userIdentity.arn or resources[0].ARN",
            "invalid field path: %s", what);
    if (err != NULL) {
        err->col = (unsigned)col;
        err->line = 1;
    }
    return st;
}

ot_status ot_path_compile(struct ot_sv text, struct ot_path **out, struct ot_error *err)
{
    if (text.n == 0) {
        return path_err(err, OT_E_PARSE, 1, "empty path");
    }
    if (text.n > OT_PATH_MAX_BYTES) {
        return path_err(err, OT_E_LIMIT, OT_PATH_MAX_BYTES, "longer than 1024 bytes");
    }
    struct ot_path *p = ot_calloc(1, sizeof(*p));
    char *kb = ot_malloc(text.n + 1); /* decoded quoted keys never exceed the text */
    char *t = ot_strndup(text.p, text.n);
    if (p == NULL || t == NULL || kb == NULL) {
        ot_free(p);
        ot_free(t);
        ot_free(kb);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory compiling a field path");
    }
    p->text = t;
    p->text_len = text.n;
    p->keybuf = kb;
    size_t kbn = 0;
    size_t i = 0, n = text.n;
    ot_status st = OT_OK;

    if (n >= 2 && t[0] == '$' && (t[1] == '.' || t[1] == '[')) {
        i = t[1] == '.' ? 2 : 1;
    }
    bool need_key = true;
    while (i < n) {
        if (p->nsteps == OT_PATH_MAX_STEPS) {
            st = path_err(err, OT_E_LIMIT, i + 1, "more than 32 steps");
            goto out;
        }
        struct step *s = &p->steps[p->nsteps];
        if (t[i] == '[') {
            size_t j = i + 1;
            if (j < n && t[j] == '*' && j + 1 < n && t[j + 1] == ']') {
                s->kind = STEP_ANY;
                i = j + 2;
            } else if (j < n && t[j] == '"') {
                size_t start = kbn;
                j++;
                while (j < n && t[j] != '"') {
                    if (t[j] == '\\' && j + 1 < n) {
                        j++;
                    }
                    kb[kbn++] = t[j++];
                }
                if (j + 1 >= n || t[j + 1] != ']') {
                    st = path_err(err, OT_E_PARSE, i + 1, "unterminated [\"key\"]");
                    goto out;
                }
                s->kind = STEP_KEY;
                s->key = (struct ot_sv){ kb + start, kbn - start };
                i = j + 2;
            } else {
                size_t k = j;
                while (k < n && t[k] >= '0' && t[k] <= '9') {
                    k++;
                }
                uint64_t v = 0;
                if (k == j || k >= n || t[k] != ']' ||
                    ot_parse_u64((struct ot_sv){ t + j, k - j }, UINT32_MAX, false, &v) != OT_OK) {
                    st = path_err(err, OT_E_PARSE, i + 1, "expected [N], [*] or [\"key\"]");
                    goto out;
                }
                s->kind = STEP_INDEX;
                s->index = (uint32_t)v;
                i = k + 1;
            }
            p->nsteps++;
            need_key = false;
            continue;
        }
        if (t[i] == '.') {
            if (need_key || i + 1 >= n) {
                st = path_err(err, OT_E_PARSE, i + 1, "empty key");
                goto out;
            }
            i++;
        } else if (!need_key) {
            st = path_err(err, OT_E_PARSE, i + 1, "expected '.' or '['");
            goto out;
        }
        size_t k = i;
        while (k < n && is_key_char(t[k])) {
            k++;
        }
        if (k == i) {
            st = path_err(err, OT_E_PARSE, i + 1, "empty key");
            goto out;
        }
        s->kind = STEP_KEY;
        s->key = (struct ot_sv){ t + i, k - i };
        p->nsteps++;
        i = k;
        need_key = false;
    }
    if (p->nsteps == 0) {
        st = path_err(err, OT_E_PARSE, 1, "no field named");
        goto out;
    }
    *out = p;
    p = NULL;
out:
    ot_path_free(p);
    return st;
}

struct ot_value ot_record_root(const struct ot_record *rec)
{
    struct ot_value v = { rec, 0, rec->nnodes > 0 ? rec->nodes[0].type : OT_ABSENT };
    return v;
}

static struct ot_value absent(const struct ot_record *rec)
{
    struct ot_value v = { rec, 0, OT_ABSENT };
    return v;
}

static bool key_eq(const struct ot_record *rec, const struct ot_node *k, struct ot_sv key)
{
    if (!k->has_escape) {
        return k->len == key.n && memcmp(rec->json + k->start, key.p, key.n) == 0;
    }
    return ot_json_str_eq((struct ot_sv){ rec->json + k->start, k->len }, true, key);
}

struct ot_value ot_value_member(struct ot_value obj, struct ot_sv key)
{
    if (obj.type != OT_OBJECT) {
        return absent(obj.rec);
    }
    const struct ot_node *nodes = obj.rec->nodes;
    uint32_t end = nodes[obj.node].next;
    uint32_t i = obj.node + 1;
    while (i < end) {
        uint32_t v = i + 1; /* the key's value follows it */
        if (key_eq(obj.rec, &nodes[i], key)) {
            struct ot_value r = { obj.rec, v, nodes[v].type };
            return r;
        }
        i = nodes[v].next;
    }
    return absent(obj.rec);
}

struct ot_value ot_value_index(struct ot_value arr, uint32_t idx)
{
    if (arr.type != OT_ARRAY) {
        return absent(arr.rec);
    }
    const struct ot_node *nodes = arr.rec->nodes;
    uint32_t end = nodes[arr.node].next;
    uint32_t i = arr.node + 1;
    for (uint32_t k = 0; i < end; k++) {
        if (k == idx) {
            struct ot_value r = { arr.rec, i, nodes[i].type };
            return r;
        }
        i = nodes[i].next;
    }
    return absent(arr.rec);
}

bool ot_value_next(struct ot_value c, uint32_t *it, struct ot_sv *key, struct ot_value *out)
{
    if (c.type != OT_OBJECT && c.type != OT_ARRAY) {
        return false;
    }
    const struct ot_node *nodes = c.rec->nodes;
    uint32_t i = *it == 0 ? c.node + 1 : *it;
    if (i >= nodes[c.node].next) {
        return false;
    }
    if (c.type == OT_OBJECT) {
        if (key != NULL) {
            *key = (struct ot_sv){ c.rec->json + nodes[i].start, nodes[i].len };
        }
        i++;
    } else if (key != NULL) {
        *key = (struct ot_sv){ NULL, 0 };
    }
    out->rec = c.rec;
    out->node = i;
    out->type = nodes[i].type;
    *it = nodes[i].next;
    return true;
}

/* Walk steps [from, nsteps) under @v; calls @fn for each match. */
struct walk {
    const struct ot_path *path;
    ot_value_fn fn;
    void *ctx;
    unsigned long calls;
    bool stop;
};

static void walk(struct walk *w, struct ot_value v, unsigned from)
{
    for (unsigned s = from; s < w->path->nsteps && v.type != OT_ABSENT; s++) {
        const struct step *st = &w->path->steps[s];
        if (st->kind == STEP_KEY) {
            v = ot_value_member(v, st->key);
        } else if (st->kind == STEP_INDEX) {
            v = ot_value_index(v, st->index);
        } else {
            if (v.type != OT_ARRAY) {
                return;
            }
            uint32_t it = 0;
            struct ot_value e;
            while (!w->stop && ot_value_next(v, &it, NULL, &e)) {
                walk(w, e, s + 1);
            }
            return;
        }
    }
    if (v.type != OT_ABSENT && !w->stop) {
        w->calls++;
        if (!w->fn(w->ctx, v)) {
            w->stop = true;
        }
    }
}

unsigned long ot_record_each(const struct ot_record *rec, const struct ot_path *path,
                             ot_value_fn fn, void *ctx)
{
    struct walk w = { path, fn, ctx, 0, false };
    walk(&w, ot_record_root(rec), 0);
    return w.calls;
}

static bool take_first(void *ctx, struct ot_value v)
{
    *(struct ot_value *)ctx = v;
    return false;
}

struct ot_value ot_record_get(const struct ot_record *rec, const struct ot_path *path)
{
    struct ot_value v = ot_record_root(rec);
    for (unsigned s = 0; s < path->nsteps; s++) {
        const struct step *st = &path->steps[s];
        if (st->kind == STEP_KEY) {
            v = ot_value_member(v, st->key);
        } else if (st->kind == STEP_INDEX) {
            v = ot_value_index(v, st->index);
        } else {
            struct ot_value first = absent(rec);
            ot_record_each(rec, path, take_first, &first);
            return first;
        }
        if (v.type == OT_ABSENT) {
            break;
        }
    }
    return v;
}

struct ot_sv ot_value_raw(struct ot_value v)
{
    if (v.type == OT_ABSENT) {
        return (struct ot_sv){ "", 0 };
    }
    const struct ot_node *n = &v.rec->nodes[v.node];
    return (struct ot_sv){ v.rec->json + n->start, n->len };
}

struct ot_sv ot_value_json(struct ot_value v)
{
    struct ot_sv s = ot_value_raw(v);
    if (v.type == OT_STRING) {
        s.p--;
        s.n += 2;
    }
    return s;
}

bool ot_value_str_eq(struct ot_value v, struct ot_sv s)
{
    if (v.type != OT_STRING) {
        return false;
    }
    return ot_json_str_eq(ot_value_raw(v), v.rec->nodes[v.node].has_escape, s);
}

ot_status ot_value_text(struct ot_value v, struct ot_buf *out)
{
    if (v.type == OT_STRING) {
        return ot_json_str_decode(ot_value_raw(v), out);
    }
    if (v.type == OT_OBJECT || v.type == OT_ARRAY) {
        return ot_value_compact(v, out);
    }
    struct ot_sv s = ot_value_raw(v);
    return ot_buf_append(out, s.p, s.n);
}

ot_status ot_value_compact(struct ot_value v, struct ot_buf *out)
{
    struct ot_sv s = ot_value_json(v);
    const char *p = s.p, *end = s.p + s.n, *run = p;
    ot_status st = OT_OK;
    while (p < end && st == OT_OK) {
        char c = *p;
        if (c == '"') { /* copy strings whole: their spaces are content */
            p++;
            while (p < end && *p != '"') {
                p += (*p == '\\') ? 2 : 1;
            }
            p++;
        } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            st = ot_buf_append(out, run, (size_t)(p - run));
            while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
                p++;
            }
            run = p;
        } else {
            p++;
        }
    }
    if (st == OT_OK && run < end) {
        st = ot_buf_append(out, run, (size_t)(end - run));
    }
    return st;
}

bool ot_value_number(struct ot_value v, double *out)
{
    if (v.type != OT_NUMBER) {
        return false;
    }
    struct ot_sv s = ot_value_raw(v);
    char tmp[64];
    if (s.n >= sizeof(tmp)) {
        return false; /* longer than any number a CloudTrail field holds */
    }
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *endp = NULL;
    double d = strtod(tmp, &endp);
    if (endp != tmp + s.n) {
        return false;
    }
    *out = d;
    return true;
}
