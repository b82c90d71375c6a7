/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/match.c - evaluate compiled filter patterns on records and messages.
 *
 * Stage: watch. This runs for every record and every pattern, so JSON
 * patterns read fields straight from the record's tape and compare strings in
 * place; only strings holding escapes are decoded, into the matcher's scratch
 * buffer. The rules CloudWatch leaves open are decided in
 * docs/filter-patterns.md: a comparison (=, !=, <, ...) on an absent field,
 * a null, an object or an array matches nothing; terms match as substrings.
 */
#include <stdlib.h>
#include <string.h>

#include "opentrail/limits.h"
#include "watch/pattern.h"

#include "core/private.h"

ot_status ot_matcher_new(struct ot_matcher **out)
{
    struct ot_matcher *m = ot_calloc(1, sizeof(*m));
    if (m == NULL) {
        return OT_E_NOMEM;
    }
    m->md = pcre2_match_data_create(4, NULL);
    if (m->md == NULL) {
        ot_free(m);
        return OT_E_NOMEM;
    }
    m->scratch = OT_BUF_INIT(OT_RECORD_MAX_BYTES);
    ot_tape_init(&m->tape, OT_RECORD_MAX_BYTES + 1);
    *out = m;
    return OT_OK;
}

void ot_matcher_free(struct ot_matcher *m)
{
    if (m == NULL) {
        return;
    }
    ot_free(m->cache);
    ot_free(m->cached);
    pcre2_match_data_free(m->md);
    ot_buf_cleanup(&m->scratch);
    ot_tape_cleanup(&m->tape);
    ot_free(m);
}

unsigned ot_matcher_nextracted(const struct ot_matcher *m)
{
    return m->nex;
}

void ot_matcher_extracted(const struct ot_matcher *m, unsigned i, struct ot_sv *name,
                          struct ot_sv *value)
{
    *name = m->ex_name[i];
    *value = m->ex_value[i];
}

bool ot_glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;
    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < plen && pat[p] == s[i]) {
            p++;
            i++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < plen && pat[p] == '*') {
        p++;
    }
    return p == plen;
}

static bool regex_search(struct ot_matcher *m, const struct value *v, struct ot_sv s)
{
    int rc = pcre2_match(v->re, (PCRE2_SPTR)(s.p ? s.p : ""), s.n, 0, 0, m->md, NULL);
    return rc >= 0;
}

/* Does text @s (a string's decoded contents, or a scalar's JSON text) equal @v? */
static bool text_matches(struct ot_matcher *m, const struct value *v, struct ot_sv s)
{
    switch (v->kind) {
    case V_STRING:
        return s.n == v->len && memcmp(s.p, v->text, s.n) == 0;
    case V_GLOB:
        return ot_glob_match(v->text, v->len, s.p, s.n);
    case V_ANY:
        return true;
    case V_REGEX:
        return regex_search(m, v, s);
    }
    return false;
}

/* The decoded text of a scalar value; strings with escapes go through scratch. */
static struct ot_sv scalar_text(struct ot_matcher *m, struct ot_value f)
{
    struct ot_sv raw = ot_value_raw(f);
    if (f.type != OT_STRING || !f.rec->nodes[f.node].has_escape) {
        return raw;
    }
    ot_buf_reset(&m->scratch);
    if (ot_json_str_decode(raw, &m->scratch) != OT_OK) {
        m->scratch = OT_BUF_INIT(OT_RECORD_MAX_BYTES);
        return raw; /* out of memory: compare undecoded, the closest we can do */
    }
    return ot_buf_sv(&m->scratch);
}

/* @d <, <=, >, >= @num; false for any other operator. */
static bool ordered(enum cond_op op, double d, double num)
{
    switch (op) {
    case OP_LT:
        return d < num;
    case OP_LE:
        return d <= num;
    case OP_GT:
        return d > num;
    case OP_GE:
        return d >= num;
    default:
        return false;
    }
}

/* Evaluate a comparison against a field value (JSON patterns). */
static bool cond_value(struct ot_matcher *m, const struct node *c, struct ot_value f)
{
    switch (c->op) {
    case OP_NOT_EXISTS:
        return f.type == OT_ABSENT;
    case OP_IS_NULL:
        return f.type == OT_NULL;
    case OP_IS_TRUE:
        return f.type == OT_TRUE;
    case OP_IS_FALSE:
        return f.type == OT_FALSE;
    default:
        break;
    }
    if (f.type == OT_ABSENT || f.type == OT_NULL || f.type == OT_OBJECT || f.type == OT_ARRAY) {
        return false; /* docs/filter-patterns.md: comparisons need a present scalar */
    }
    double d;
    if (c->op != OP_EQ && c->op != OP_NE) {
        return ot_value_number(f, &d) && ordered(c->op, d, c->v.num);
    }
    bool eq;
    if (c->v.is_number && f.type == OT_NUMBER && ot_value_number(f, &d)) {
        eq = (d == c->v.num);
    } else if (c->v.kind == V_STRING && f.type == OT_STRING) {
        eq = ot_value_str_eq(f, (struct ot_sv){ c->v.text, c->v.len });
    } else {
        eq = text_matches(m, &c->v, scalar_text(m, f));
    }
    return c->op == OP_EQ ? eq : !eq;
}

/* Does all of @s read as a number? */
static bool number_of(struct ot_sv s, double *out)
{
    char tmp[64];
    if (s.n == 0 || s.n >= sizeof(tmp)) {
        return false;
    }
    for (size_t i = 0; i < s.n; i++) {
        if (strchr("0123456789+-.eE", s.p[i]) == NULL) {
            return false;
        }
    }
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *e = NULL;
    *out = strtod(tmp, &e);
    return e == tmp + s.n;
}

/* Evaluate a comparison against a space-delimited field's text. */
static bool cond_text(struct ot_matcher *m, const struct node *c, struct ot_sv s)
{
    double d;
    if (c->op == OP_EQ || c->op == OP_NE) {
        bool eq;
        if (c->v.is_number && number_of(s, &d)) {
            eq = (d == c->v.num);
        } else {
            eq = text_matches(m, &c->v, s);
        }
        return c->op == OP_EQ ? eq : !eq;
    }
    return number_of(s, &d) && ordered(c->op, d, c->v.num); /* IS ... and NOT EXISTS: false */
}

struct eval {
    const struct ot_pattern *p;
    struct ot_matcher *m;
    const struct ot_record *rec; /* JSON patterns */
    struct ot_sv text;           /* space-delimited: the field's text */
    const unsigned *slots;       /* selector -> cache slot; NULL: no cache */
};

/* The value of selector @k of the pattern in @e's record, looked up once. */
static struct ot_value field_value(const struct eval *e, unsigned k)
{
    if (e->slots == NULL) {
        return ot_record_get(e->rec, e->p->paths[k]);
    }
    unsigned slot = e->slots[k];
    struct ot_matcher *m = e->m;
    if (!m->cached[slot]) {
        m->cache[slot] = ot_record_get(e->rec, e->p->paths[k]);
        m->cached[slot] = 1;
    }
    return m->cache[slot];
}

/* Room for @n cached values, all marked unknown; false if memory ran out. */
static bool cache_prepare(struct ot_matcher *m, unsigned n)
{
    if (n > m->cache_cap) {
        struct ot_value *c = ot_realloc(m->cache, n * sizeof(*c));
        if (c == NULL) {
            return false;
        }
        m->cache = c;
        uint8_t *f = ot_realloc(m->cached, n);
        if (f == NULL) {
            return false;
        }
        m->cached = f;
        m->cache_cap = n;
    }
    if (n > 0) {
        memset(m->cached, 0, n);
    }
    return true;
}

/* Is string field @f one of the sorted literals of @n? */
static bool in_set(struct ot_matcher *m, const struct node *n, struct ot_value f)
{
    if (f.type != OT_STRING) {
        return false;
    }
    struct ot_sv s = scalar_text(m, f);
    unsigned lo = 0, hi = n->nset;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct ot_sv *c = &n->set[mid];
        int d = c->n != s.n ? (c->n < s.n ? -1 : 1) : memcmp(c->p, s.p, s.n);
        if (d == 0) {
            return true;
        }
        if (d < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

static bool eval(const struct eval *e, unsigned i)
{
    const struct node *n = &e->p->nodes[i];
    switch (n->kind) {
    case N_IN:
        return e->rec != NULL && in_set(e->m, n, field_value(e, n->field)); /* JSON only */
    case N_AND:
        return eval(e, n->left) && eval(e, n->right);
    case N_OR:
        return eval(e, n->left) || eval(e, n->right);
    case N_COND:
        if (e->rec != NULL) {
            return cond_value(e->m, n, field_value(e, n->field));
        }
        return cond_text(e->m, n, e->text);
    }
    return false;
}

static bool match_terms(const struct ot_pattern *p, struct ot_matcher *m, struct ot_sv msg)
{
    if (p->match_all) {
        return true;
    }
    bool any_or = false, or_hit = false;
    for (unsigned i = 0; i < p->nterms; i++) {
        const struct term *t = &p->terms[i];
        bool hit;
        if (t->v.kind == V_REGEX) {
            hit = regex_search(m, &t->v, msg);
        } else {
            hit = t->v.len == 0 || memmem(msg.p, msg.n, t->v.text, t->v.len) != NULL;
        }
        if (t->kind == T_AND && !hit) {
            return false;
        }
        if (t->kind == T_NOT && hit) {
            return false;
        }
        if (t->kind == T_OR) {
            any_or = true;
            or_hit = or_hit || hit;
        }
    }
    return !any_or || or_hit;
}

/* Split @msg into space-separated fields; [...] and "..." are one field each. */
static bool split_fields(struct ot_matcher *m, struct ot_sv msg)
{
    const char *s = msg.p, *end = msg.p + msg.n;
    m->nmfields = 0;
    while (s < end) {
        while (s < end && (*s == ' ' || *s == '\t')) {
            s++;
        }
        if (s >= end) {
            break;
        }
        if (m->nmfields == OT_PATTERN_MAX_FIELDS) {
            /* the rest is one field: the last pattern field absorbs it anyway */
            m->mfield[m->nmfields - 1].n = (size_t)(end - m->mfield[m->nmfields - 1].p);
            return true;
        }
        const char *f = s, *fe;
        if (*s == '[' || *s == '"') {
            const char *close = memchr(s + 1, *s == '[' ? ']' : '"', (size_t)(end - s - 1));
            if (close != NULL) {
                f = s + 1;
                fe = close;
                s = close + 1;
                m->mfield[m->nmfields++] = (struct ot_sv){ f, (size_t)(fe - f) };
                continue;
            }
        }
        while (s < end && *s != ' ' && *s != '\t') {
            s++;
        }
        m->mfield[m->nmfields++] = (struct ot_sv){ f, (size_t)(s - f) };
    }
    return true;
}

/* Align pattern fields [pi..] with message fields [mi..]; '...' takes any number. */
static bool align(const struct ot_pattern *p, struct ot_matcher *m, unsigned pi, unsigned mi,
                  const char *msg_end, unsigned budget)
{
    if (budget == 0) {
        return false; /* many '...' on a long message: give up rather than spin */
    }
    if (pi == p->nfields) {
        return mi == m->nmfields;
    }
    const struct sfield *f = &p->fields[pi];
    if (f->ellipsis) {
        for (unsigned k = mi; k <= m->nmfields; k++) {
            if (align(p, m, pi + 1, k, msg_end, budget - 1)) {
                return true;
            }
        }
        return false;
    }
    if (mi >= m->nmfields) {
        return false;
    }
    struct ot_sv v = m->mfield[mi];
    unsigned next = mi + 1;
    if (pi + 1 == p->nfields && mi + 1 < m->nmfields && !p->has_ellipsis) {
        /* without '...', the last field takes the rest of the line (docs/filter-patterns.md) */
        v.n = (size_t)(msg_end - v.p);
        next = m->nmfields;
    }
    if (f->root != UINT32_MAX) {
        struct eval e = { .p = p, .m = m, .text = v };
        if (!eval(&e, f->root)) {
            return false;
        }
    }
    m->ex_name[pi] = f->name;
    m->ex_value[pi] = v;
    return align(p, m, pi + 1, next, msg_end, budget - 1);
}

static bool match_space(const struct ot_pattern *p, struct ot_matcher *m, struct ot_sv msg)
{
    m->nex = 0;
    split_fields(m, msg);
    for (unsigned i = 0; i < p->nfields; i++) {
        m->ex_name[i] = (struct ot_sv){ NULL, 0 };
    }
    if (!align(p, m, 0, 0, msg.p + msg.n, 4096)) {
        return false;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < p->nfields; i++) {
        if (!p->fields[i].ellipsis && m->ex_name[i].p != NULL) {
            m->ex_name[k] = m->ex_name[i];
            m->ex_value[k] = m->ex_value[i];
            k++;
        }
    }
    m->nex = k;
    return true;
}

/* Slot k is selector k: a single pattern's own cache. */
static const unsigned *identity_slots(unsigned n)
{
    static const unsigned ident[OT_PATTERN_MAX_NODES_PUBLIC] = {
#define I4(k)  (k), (k) + 1, (k) + 2, (k) + 3
#define I16(k) I4(k), I4((k) + 4), I4((k) + 8), I4((k) + 12)
#define I64(k) I16(k), I16((k) + 16), I16((k) + 32), I16((k) + 48)
        I64(0), I64(64), I64(128), I64(192), I64(256), I64(320), I64(384), I64(448)
#undef I64
#undef I16
#undef I4
    };
    return n <= OT_PATTERN_MAX_NODES_PUBLIC ? ident : NULL;
}

bool ot_pattern_match(const struct ot_pattern *p, struct ot_matcher *m, const struct ot_record *rec)
{
    struct ot_sv msg = { rec->json, rec->len };
    switch (p->kind) {
    case OT_PATTERN_JSON: {
        struct eval e = { .p = p, .m = m, .rec = rec };
        if (p->npaths > 1 && cache_prepare(m, p->npaths)) {
            e.slots = identity_slots(p->npaths);
        }
        return eval(&e, p->root);
    }
    case OT_PATTERN_TERMS:
        return match_terms(p, m, msg);
    case OT_PATTERN_SPACE:
        return match_space(p, m, msg);
    }
    return false;
}

ot_status ot_pattern_match_message(const struct ot_pattern *p, struct ot_matcher *m,
                                   struct ot_sv msg, bool *matched)
{
    if (p->kind != OT_PATTERN_JSON) {
        *matched = p->kind == OT_PATTERN_TERMS ? match_terms(p, m, msg) : match_space(p, m, msg);
        return OT_OK;
    }
    const char *s = ot_json_ws(msg.p, msg.p + msg.n), *end;
    struct ot_json_err je;
    bool sp;
    *matched = false;
    if (msg.n > OT_RECORD_MAX_BYTES || s >= msg.p + msg.n || *s != '{') {
        return OT_OK; /* JSON patterns match JSON objects only */
    }
    if (!ot_json_parse(s, msg.p + msg.n, &m->tape, &sp, &end, &je)) {
        return m->tape.nomem ? OT_E_NOMEM : OT_OK;
    }
    if (m->tape.nomem) {
        return OT_E_NOMEM;
    }
    struct ot_record rec = {
        .json = s, .len = (uint32_t)(end - s), .nnodes = m->tape.count, .nodes = m->tape.nodes
    };
    *matched = ot_pattern_match(p, m, &rec);
    return OT_OK;
}

ot_status ot_pattern_set_new(struct ot_pattern *const *pats, unsigned n,
                             struct ot_pattern_set **out)
{
    struct ot_pattern_set *s = ot_calloc(1, sizeof(*s));
    if (s == NULL) {
        return OT_E_NOMEM;
    }
    s->pats = pats;
    s->n = n;
    s->slots = ot_calloc(n ? n : 1, sizeof(*s->slots));
    if (s->slots == NULL) {
        ot_pattern_set_free(s);
        return OT_E_NOMEM;
    }
    /* give each distinct selector text one slot, in first-seen order */
    for (unsigned i = 0; i < n; i++) {
        const struct ot_pattern *p = pats[i];
        s->slots[i] = ot_calloc(p->npaths ? p->npaths : 1, sizeof(unsigned));
        if (s->slots[i] == NULL) {
            ot_pattern_set_free(s);
            return OT_E_NOMEM;
        }
        for (unsigned k = 0; k < p->npaths; k++) {
            struct ot_sv t = ot_path_text(p->paths[k]);
            unsigned slot = s->nslots;
            for (unsigned j = 0; j <= i && slot == s->nslots; j++) {
                const struct ot_pattern *q = pats[j];
                for (unsigned l = 0; l < q->npaths && (j < i || l < k); l++) {
                    if (ot_sv_eq(ot_path_text(q->paths[l]), t)) {
                        slot = s->slots[j][l];
                        break;
                    }
                }
            }
            if (slot == s->nslots) {
                s->nslots++;
            }
            s->slots[i][k] = slot;
        }
    }
    *out = s;
    return OT_OK;
}

void ot_pattern_set_free(struct ot_pattern_set *s)
{
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; s->slots != NULL && i < s->n; i++) {
        ot_free(s->slots[i]);
    }
    ot_free(s->slots);
    ot_free(s);
}

unsigned ot_pattern_set_match(const struct ot_pattern_set *s, struct ot_matcher *m,
                              const struct ot_record *rec, bool *hits)
{
    bool cached = cache_prepare(m, s->nslots);
    unsigned count = 0;
    for (unsigned i = 0; i < s->n; i++) {
        const struct ot_pattern *p = s->pats[i];
        if (p->kind == OT_PATTERN_JSON) {
            struct eval e = { .p = p, .m = m, .rec = rec, .slots = cached ? s->slots[i] : NULL };
            hits[i] = eval(&e, p->root);
        } else {
            hits[i] = ot_pattern_match(p, m, rec);
        }
        count += hits[i];
    }
    return count;
}
