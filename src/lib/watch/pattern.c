/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/pattern.c - parse CloudWatch Logs filter patterns.
 *
 * Stage: watch. Three languages share one entry point: term patterns
 * (ERROR -ARGUMENTS ?"x y" %re%), JSON patterns ({ $.a = "x" && ... }) and
 * space-delimited patterns ([ip, user, ..., status = 4*]). The grammar and
 * the choices CloudWatch leaves open are written down in
 * docs/filter-patterns.md. Input is untrusted (it comes from config files and
 * the command line): the text is capped at 1,024 bytes as CloudWatch caps it,
 * parentheses nest at most OT_PATTERN_MAX_DEPTH deep, and every error names
 * its column.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/pattern.h"

#include "core/private.h"

#define OT_PATTERN_MAX_DEPTH 32u
#define OT_PATTERN_MAX_NODES OT_PATTERN_MAX_NODES_PUBLIC
#define OT_PATTERN_MAX_TERMS 64u

struct ps {
    const char *s;
    size_t n, i;
    struct ot_pattern *p;
    struct ot_error *err;
    bool space_mode;         /* conditions name a space-delimited field */
    struct ot_sv field_name; /* ... and this is the field */
    unsigned depth;
};

static ot_status perr(struct ps *ps, ot_status st, size_t at, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static ot_status perr(struct ps *ps, ot_status st, size_t at, const char *fix, const char *fmt, ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    ot_fail(ps->err, st, fix, "invalid filter pattern: %s", what);
    if (ps->err != NULL) {
        ps->err->line = 1;
        ps->err->col = (unsigned)(at + 1);
    }
    return st;
}

static void value_cleanup(struct value *v)
{
    ot_free(v->text);
    pcre2_code_free(v->re); /* NULL is fine */
    memset(v, 0, sizeof(*v));
}

void ot_pattern_free(struct ot_pattern *p)
{
    if (p == NULL) {
        return;
    }
    for (unsigned i = 0; i < p->nterms; i++) {
        value_cleanup(&p->terms[i].v);
    }
    for (unsigned i = 0; i < p->nnodes; i++) {
        if (p->nodes[i].kind == N_COND) {
            value_cleanup(&p->nodes[i].v);
        }
        if (p->nodes[i].kind == N_IN) {
            for (unsigned k = 0; k < p->nodes[i].nset; k++) {
                ot_free((void *)(uintptr_t)p->nodes[i].set[k].p);
            }
            ot_free(p->nodes[i].set);
        }
    }
    for (unsigned i = 0; i < p->npaths; i++) {
        ot_path_free(p->paths[i]);
    }
    ot_free(p->paths);
    ot_free(p->nodes);
    ot_free(p->terms);
    ot_free(p->text);
    ot_free(p);
}

enum ot_pattern_kind ot_pattern_kind_of(const struct ot_pattern *p)
{
    return p->kind;
}

struct ot_sv ot_pattern_text(const struct ot_pattern *p)
{
    return (struct ot_sv){ p->text, p->text_len };
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void ws(struct ps *ps)
{
    while (ps->i < ps->n && is_ws(ps->s[ps->i])) {
        ps->i++;
    }
}

static bool take(struct ps *ps, const char *tok)
{
    size_t k = strlen(tok);
    if (ps->n - ps->i >= k && memcmp(ps->s + ps->i, tok, k) == 0) {
        ps->i += k;
        return true;
    }
    return false;
}

/* A keyword: @kw followed by a non-word character. */
static bool take_word(struct ps *ps, const char *kw)
{
    size_t k = strlen(kw);
    if (ps->n - ps->i >= k && memcmp(ps->s + ps->i, kw, k) == 0) {
        size_t e = ps->i + k;
        if (e == ps->n || !(((ps->s[e] | 0x20) >= 'a' && (ps->s[e] | 0x20) <= 'z') ||
                            (ps->s[e] >= '0' && ps->s[e] <= '9') || ps->s[e] == '_')) {
            ps->i = e;
            return true;
        }
    }
    return false;
}

/* Does @s read as a number: [+-]digits[.digits][(e|E)[+-]digits]? */
static bool number_text(const char *s, size_t n, double *out)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        i++;
    }
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i == d) {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == f) {
            return false;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
            i++;
        }
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == e) {
            return false;
        }
    }
    if (i != n || n >= 64) {
        return false;
    }
    char tmp[64];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

static ot_status compile_regex(struct ps *ps, size_t at, const char *re, size_t n, struct value *v)
{
    if (++ps->p->nregex > OT_PATTERN_MAX_REGEX && ps->p->kind != OT_PATTERN_TERMS) {
        return perr(ps, OT_E_LIMIT, at, "CloudWatch allows two regular expressions per pattern",
                    "more than %u regular expressions", OT_PATTERN_MAX_REGEX);
    }
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)re[k];
        if (c == '\\' && k + 1 < n) {
            k++;
            continue;
        }
        if (c == '(' || c == ')') {
            return perr(ps, OT_E_PARSE, at + 1 + k,
                        "CloudWatch regular expressions have no groups: use alternatives "
                        "without parentheses",
                        "parentheses are not allowed in a regular expression");
        }
        if (c >= 0x80) {
            return perr(ps, OT_E_PARSE, at + 1 + k, "use ASCII only in regular expressions",
                        "multi-byte characters are not allowed in a regular expression");
        }
    }
    int code = 0;
    PCRE2_SIZE off = 0;
    v->re = pcre2_compile((PCRE2_SPTR)re, n, 0, &code, &off, NULL);
    if (v->re == NULL) {
        PCRE2_UCHAR msg[160];
        (void)pcre2_get_error_message(code, msg, sizeof(msg)); /* truncates safely */
        return perr(ps, OT_E_PARSE, at + 1 + off, "fix the regular expression",
                    "regular expression: %s", (const char *)msg);
    }
    (void)pcre2_jit_compile(v->re, PCRE2_JIT_COMPLETE); /* the interpreter works without it */
    v->kind = V_REGEX;
    return OT_OK;
}

/* Set @v from decoded text: a number, a glob, '*', or plain text. */
static ot_status value_from_text(struct ps *ps, const char *s, size_t n, bool quoted,
                                 struct value *v)
{
    v->text = ot_strndup(s, n);
    if (v->text == NULL) {
        return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
    }
    v->len = n;
    v->is_number = !quoted && number_text(s, n, &v->num);
    if (n == 1 && s[0] == '*') {
        v->kind = V_ANY;
    } else if (memchr(s, '*', n) != NULL) {
        v->kind = V_GLOB;
    } else {
        v->kind = V_STRING;
    }
    return OT_OK;
}

/* value := "quoted" | %regex% | bare */
static ot_status parse_value(struct ps *ps, struct value *v)
{
    size_t at = ps->i;
    if (ps->i >= ps->n) {
        return perr(ps, OT_E_PARSE, at, "write a value after the operator", "value expected");
    }
    char c = ps->s[ps->i];
    if (c == '"') {
        struct ot_buf b = OT_BUF_INIT(OT_PATTERN_MAX_BYTES);
        size_t k = ps->i + 1;
        ot_status st = OT_OK;
        while (k < ps->n && ps->s[k] != '"' && st == OT_OK) {
            if (ps->s[k] == '\\' && k + 1 < ps->n) {
                k++;
            }
            st = ot_buf_putc(&b, ps->s[k++]);
        }
        if (st != OT_OK) {
            return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
        }
        if (k >= ps->n) {
            ot_buf_cleanup(&b);
            return perr(ps, OT_E_PARSE, at, "close the quoted value with '\"'",
                        "unterminated quoted value");
        }
        ps->i = k + 1;
        st = value_from_text(ps, b.data ? b.data : "", b.len, true, v);
        ot_buf_cleanup(&b);
        return st;
    }
    if (c == '%') {
        const char *e = NULL;
        for (size_t k = ps->i + 1; k < ps->n; k++) {
            if (ps->s[k] == '\\' && k + 1 < ps->n) {
                k++;
            } else if (ps->s[k] == '%') {
                e = ps->s + k;
                break;
            }
        }
        if (e == NULL) {
            return perr(ps, OT_E_PARSE, at, "close the regular expression with '%'",
                        "unterminated regular expression");
        }
        size_t n = (size_t)(e - ps->s) - ps->i - 1;
        ot_status st = compile_regex(ps, at, ps->s + ps->i + 1, n, v);
        if (st == OT_OK) {
            v->text = ot_strndup(ps->s + ps->i + 1, n);
            v->len = n;
            st = v->text ? OT_OK : ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory");
        }
        ps->i = (size_t)(e - ps->s) + 1;
        return st;
    }
    if (strchr("=!<>", c) != NULL) {
        return perr(ps, OT_E_PARSE, at, "write one operator, then the value",
                    "value expected, not '%c'", c);
    }
    size_t k = ps->i;
    while (k < ps->n && !is_ws(ps->s[k]) && ps->s[k] != ')' && ps->s[k] != '}' && ps->s[k] != ',' &&
           ps->s[k] != ']' && ps->s[k] != '(' &&
           !(ps->s[k] == '&' && k + 1 < ps->n && ps->s[k + 1] == '&') &&
           !(ps->s[k] == '|' && k + 1 < ps->n && ps->s[k + 1] == '|')) {
        k++;
    }
    if (k == ps->i) {
        return perr(ps, OT_E_PARSE, at, "write a value after the operator", "value expected");
    }
    const char *s = ps->s + ps->i;
    ps->i = k;
    return value_from_text(ps, s, (size_t)(k - (size_t)(s - ps->s)), false, v);
}

static ot_status node_new(struct ps *ps, enum node_kind kind, unsigned *out)
{
    struct ot_pattern *p = ps->p;
    if (p->nnodes == OT_PATTERN_MAX_NODES) {
        return perr(ps, OT_E_LIMIT, ps->i, "split the pattern", "more than %u conditions",
                    OT_PATTERN_MAX_NODES);
    }
    if (p->nnodes == p->cap_nodes) {
        unsigned cap = p->cap_nodes ? p->cap_nodes * 2 : 16;
        struct node *nn = ot_realloc(p->nodes, cap * sizeof(*nn));
        if (nn == NULL) {
            return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
        }
        p->nodes = nn;
        p->cap_nodes = cap;
    }
    memset(&p->nodes[p->nnodes], 0, sizeof(p->nodes[0]));
    p->nodes[p->nnodes].kind = kind;
    *out = p->nnodes++;
    return OT_OK;
}

static const char *fix_ops = "compare with =, !=, <, <=, >, >=, or test with IS NULL, IS TRUE, "
                             "IS FALSE, NOT EXISTS";

/* The left side of a condition: a $.selector, or in [...] patterns the field name. */
static ot_status parse_left(struct ps *ps, unsigned *field)
{
    size_t at = ps->i;
    if (ps->space_mode) {
        size_t k = ps->i;
        while (k < ps->n && !is_ws(ps->s[k]) && strchr("=!<>,]&|()", ps->s[k]) == NULL) {
            k++;
        }
        struct ot_sv name = { ps->s + ps->i, k - ps->i };
        if (!ot_sv_eq(name, ps->field_name)) {
            return perr(ps, OT_E_PARSE, at,
                        "a condition in [...] tests its own field: repeat the field's name",
                        "condition names '%.*s', not the field '%.*s'", (int)name.n, name.p,
                        (int)ps->field_name.n, ps->field_name.p);
        }
        ps->i = k;
        *field = 0;
        return OT_OK;
    }
    if (ps->i >= ps->n || ps->s[ps->i] != '$') {
        return perr(ps, OT_E_PARSE, at, "start each condition with a selector such as $.eventName",
                    "selector expected");
    }
    size_t k = ps->i + 1;
    while (k < ps->n && !is_ws(ps->s[k]) && strchr("=!<>()&|}%\"", ps->s[k]) == NULL) {
        k++;
    }
    struct ot_path *path = NULL;
    struct ot_error perr_;
    ot_error_clear(&perr_);
    ot_status st = ot_path_compile((struct ot_sv){ ps->s + ps->i, k - ps->i }, &path, &perr_);
    if (st != OT_OK || k == ps->i + 1) {
        ot_path_free(path);
        if (st == OT_E_NOMEM) {
            return ot_fail(ps->err, st, NULL, "out of memory compiling a pattern");
        }
        return perr(ps, OT_E_PARSE, at + (perr_.col ? perr_.col - 1 : 0),
                    "write selectors as $.name.name[0]", "bad selector: %s",
                    perr_.what[0] ? perr_.what + 20 : "nothing after '$'");
    }
    for (unsigned i = 0; i < ps->p->npaths; i++) {
        if (ot_sv_eq(ot_path_text(ps->p->paths[i]), ot_path_text(path))) {
            ot_path_free(path); /* the same selector again: evaluate it once per record */
            *field = i;
            ps->i = k;
            return OT_OK;
        }
    }
    struct ot_path **np = ot_realloc(ps->p->paths, (ps->p->npaths + 1) * sizeof(*np));
    if (np == NULL) {
        ot_path_free(path);
        return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
    }
    ps->p->paths = np;
    np[ps->p->npaths] = path;
    *field = ps->p->npaths++;
    ps->i = k;
    return OT_OK;
}

static ot_status parse_cond(struct ps *ps, unsigned *out)
{
    unsigned field = 0, idx;
    ot_status st = parse_left(ps, &field);
    if (st != OT_OK) {
        return st;
    }
    st = node_new(ps, N_COND, &idx);
    if (st != OT_OK) {
        return st;
    }
    struct node *nd = &ps->p->nodes[idx];
    nd->field = field;
    ws(ps);
    size_t at = ps->i;
    if (take_word(ps, "IS")) {
        ws(ps);
        if (take_word(ps, "NULL")) {
            nd->op = OP_IS_NULL;
        } else if (take_word(ps, "TRUE")) {
            nd->op = OP_IS_TRUE;
        } else if (take_word(ps, "FALSE")) {
            nd->op = OP_IS_FALSE;
        } else {
            return perr(ps, OT_E_PARSE, ps->i,
                        "CloudWatch has IS NULL, IS TRUE and IS FALSE (IS NOT is not supported)",
                        "expected NULL, TRUE or FALSE after IS");
        }
    } else if (take_word(ps, "NOT")) {
        ws(ps);
        if (!take_word(ps, "EXISTS")) {
            return perr(ps, OT_E_PARSE, ps->i, "write NOT EXISTS", "expected EXISTS after NOT");
        }
        nd->op = OP_NOT_EXISTS;
    } else if (take_word(ps, "EXISTS")) {
        return perr(ps, OT_E_PARSE, at, "CloudWatch has no EXISTS: use $.field = \"*\"",
                    "EXISTS is not supported");
    } else {
        if (take(ps, "!=")) {
            nd->op = OP_NE;
        } else if (take(ps, "<=")) {
            nd->op = OP_LE;
        } else if (take(ps, ">=")) {
            nd->op = OP_GE;
        } else if (take(ps, "=")) {
            nd->op = OP_EQ;
        } else if (take(ps, "<")) {
            nd->op = OP_LT;
        } else if (take(ps, ">")) {
            nd->op = OP_GT;
        } else {
            return perr(ps, OT_E_PARSE, at, fix_ops, "operator expected");
        }
        ws(ps);
        size_t vat = ps->i;
        nd = NULL; /* parse_value cannot move nodes, but keep no pointer across calls */
        struct value v = { 0 };
        st = parse_value(ps, &v);
        if (st != OT_OK) {
            value_cleanup(&v);
            return st;
        }
        nd = &ps->p->nodes[idx];
        nd->v = v;
        bool numeric_op = nd->op != OP_EQ && nd->op != OP_NE;
        if (numeric_op && !v.is_number) {
            return perr(ps, OT_E_PARSE, vat,
                        "compare numbers with <, <=, > and >=", "'%s' is not a number",
                        v.text ? v.text : "");
        }
    }
    *out = idx;
    return OT_OK;
}

static ot_status parse_or(struct ps *ps, unsigned *out);

static ot_status parse_unary(struct ps *ps, unsigned *out)
{
    ws(ps);
    if (ps->i < ps->n && ps->s[ps->i] == '(') {
        size_t at = ps->i++;
        if (++ps->depth > OT_PATTERN_MAX_DEPTH) {
            return perr(ps, OT_E_LIMIT, at, "flatten the expression",
                        "parentheses nested deeper than %u", OT_PATTERN_MAX_DEPTH);
        }
        ot_status st = parse_or(ps, out);
        if (st != OT_OK) {
            return st;
        }
        ws(ps);
        if (ps->i >= ps->n || ps->s[ps->i] != ')') {
            return perr(ps, OT_E_PARSE, ps->i, "close the parenthesis opened here",
                        "expected ')' to close the '(' at column %zu", at + 1);
        }
        ps->i++;
        ps->depth--;
        return OT_OK;
    }
    return parse_cond(ps, out);
}

static ot_status parse_binary(struct ps *ps, unsigned *out, bool is_or)
{
    ot_status st = is_or ? parse_binary(ps, out, false) : parse_unary(ps, out);
    while (st == OT_OK) {
        ws(ps);
        if (!take(ps, is_or ? "||" : "&&")) {
            break;
        }
        unsigned r, idx;
        st = is_or ? parse_binary(ps, &r, false) : parse_unary(ps, &r);
        if (st == OT_OK) {
            st = node_new(ps, is_or ? N_OR : N_AND, &idx);
        }
        if (st == OT_OK) {
            ps->p->nodes[idx].left = *out;
            ps->p->nodes[idx].right = r;
            *out = idx;
        }
    }
    return st;
}

static ot_status parse_or(struct ps *ps, unsigned *out)
{
    return parse_binary(ps, out, true);
}

/*
 * Fold `($.f = A) || ($.f = B) || ...` into one N_IN node: the CIS patterns are
 * mostly such chains on eventName, and a sorted set answers them with one
 * lookup and a binary search instead of up to 19 comparisons. Only plain
 * string literals fold (no wildcards, regexes or numbers), so the meaning is
 * unchanged: a string field equal to one of them.
 */
static bool foldable(const struct ot_pattern *p, unsigned i, unsigned *field, unsigned *count)
{
    const struct node *n = &p->nodes[i];
    if (n->kind == N_OR) {
        return foldable(p, n->left, field, count) && foldable(p, n->right, field, count);
    }
    if (n->kind != N_COND || n->op != OP_EQ || n->v.kind != V_STRING || n->v.is_number) {
        return false;
    }
    if (*count > 0 && n->field != *field) {
        return false;
    }
    *field = n->field;
    (*count)++;
    return true;
}

static void collect(struct ot_pattern *p, unsigned i, struct ot_sv *set, unsigned *k)
{
    struct node *n = &p->nodes[i];
    if (n->kind == N_OR) {
        collect(p, n->left, set, k);
        collect(p, n->right, set, k);
        return;
    }
    set[(*k)++] = (struct ot_sv){ n->v.text, n->v.len }; /* moves the text */
    n->v.text = NULL;
}

static int cmp_lit(const void *a, const void *b)
{
    const struct ot_sv *x = a, *y = b;
    if (x->n != y->n) {
        return x->n < y->n ? -1 : 1;
    }
    return memcmp(x->p, y->p, x->n);
}

static ot_status fold(struct ps *ps, unsigned i, unsigned depth)
{
    struct ot_pattern *p = ps->p;
    struct node *n = &p->nodes[i];
    if (depth > OT_PATTERN_MAX_NODES || (n->kind != N_AND && n->kind != N_OR)) {
        return OT_OK;
    }
    unsigned field = 0, count = 0;
    if (n->kind == N_OR && foldable(p, i, &field, &count) && count >= 3) {
        struct ot_sv *set = ot_calloc(count, sizeof(*set));
        if (set == NULL) {
            return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
        }
        unsigned k = 0;
        collect(p, i, set, &k);
        qsort(set, k, sizeof(*set), cmp_lit);
        n = &p->nodes[i];
        n->kind = N_IN;
        n->field = field;
        n->set = set;
        n->nset = k;
        return OT_OK;
    }
    ot_status st = fold(ps, n->left, depth + 1);
    return st == OT_OK ? fold(ps, p->nodes[i].right, depth + 1) : st;
}

static ot_status parse_json(struct ps *ps)
{
    ps->p->kind = OT_PATTERN_JSON;
    ps->i++; /* '{' */
    ot_status st = parse_or(ps, &ps->p->root);
    if (st != OT_OK) {
        return st;
    }
    ws(ps);
    if (ps->i >= ps->n || ps->s[ps->i] != '}') {
        return perr(ps, OT_E_PARSE, ps->i,
                    "join conditions with && or ||, and end the pattern with '}'",
                    ps->i >= ps->n ? "expected '}' at the end" : "expected &&, || or '}'");
    }
    ps->i++;
    ws(ps);
    if (ps->i < ps->n) {
        return perr(ps, OT_E_PARSE, ps->i, "put the whole pattern inside { }",
                    "unexpected text after '}'");
    }
    return fold(ps, ps->p->root, 0);
}

static ot_status parse_space(struct ps *ps)
{
    struct ot_pattern *p = ps->p;
    p->kind = OT_PATTERN_SPACE;
    ps->i++; /* '[' */
    for (;;) {
        ws(ps);
        if (p->nfields == OT_PATTERN_MAX_FIELDS) {
            return perr(ps, OT_E_LIMIT, ps->i, "use fewer fields", "more than %u fields",
                        OT_PATTERN_MAX_FIELDS);
        }
        struct sfield *f = &p->fields[p->nfields];
        f->root = UINT32_MAX;
        if (take(ps, "...")) {
            f->ellipsis = true;
            p->has_ellipsis = true;
        } else {
            size_t k = ps->i;
            while (k < ps->n && !is_ws(ps->s[k]) && strchr("=!<>,]&|()", ps->s[k]) == NULL) {
                k++;
            }
            if (k == ps->i) {
                return perr(ps, OT_E_PARSE, ps->i, "name each field, or write ... for any",
                            "field name expected");
            }
            f->name = (struct ot_sv){ ps->s + ps->i, k - ps->i };
            ps->i = k;
            ws(ps);
            if (ps->i < ps->n && ps->s[ps->i] != ',' && ps->s[ps->i] != ']') {
                ps->i = (size_t)(f->name.p - ps->s); /* the condition restates the name */
                ps->space_mode = true;
                ps->field_name = f->name;
                unsigned root;
                ot_status st = parse_or(ps, &root);
                ps->space_mode = false;
                if (st != OT_OK) {
                    return st;
                }
                f->root = root;
            }
        }
        p->nfields++;
        ws(ps);
        if (take(ps, ",")) {
            continue;
        }
        if (take(ps, "]")) {
            break;
        }
        return perr(ps, OT_E_PARSE, ps->i, "separate fields with ',' and end with ']'",
                    "expected ',' or ']'");
    }
    ws(ps);
    if (ps->i < ps->n) {
        return perr(ps, OT_E_PARSE, ps->i, "put the whole pattern inside [ ]",
                    "unexpected text after ']'");
    }
    return OT_OK;
}

static ot_status parse_terms(struct ps *ps)
{
    struct ot_pattern *p = ps->p;
    p->kind = OT_PATTERN_TERMS;
    p->terms = ot_calloc(OT_PATTERN_MAX_TERMS, sizeof(*p->terms));
    if (p->terms == NULL) {
        return ot_fail(ps->err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
    }
    for (;;) {
        ws(ps);
        if (ps->i >= ps->n) {
            break;
        }
        if (p->nterms == OT_PATTERN_MAX_TERMS) {
            return perr(ps, OT_E_LIMIT, ps->i, "use fewer terms", "more than %u terms",
                        OT_PATTERN_MAX_TERMS);
        }
        struct term *t = &p->terms[p->nterms];
        t->kind = T_AND;
        if (ps->s[ps->i] == '?') {
            t->kind = T_OR;
            ps->i++;
        } else if (ps->s[ps->i] == '-' && ps->i + 1 < ps->n && !is_ws(ps->s[ps->i + 1])) {
            t->kind = T_NOT;
            ps->i++;
        }
        size_t at = ps->i;
        ot_status st;
        if (ps->i < ps->n && (ps->s[ps->i] == '"' || ps->s[ps->i] == '%')) {
            st = parse_value(ps, &t->v);
        } else {
            size_t k = ps->i;
            while (k < ps->n && !is_ws(ps->s[k])) {
                k++;
            }
            if (k == ps->i) {
                return perr(ps, OT_E_PARSE, at, "write a term after ? or -", "empty term");
            }
            st = value_from_text(ps, ps->s + ps->i, k - ps->i, true, &t->v);
            ps->i = k;
        }
        p->nterms++;
        if (st != OT_OK) {
            return st;
        }
        if (t->v.kind != V_REGEX) {
            t->v.kind = V_STRING; /* terms are literal: '*' is not a wildcard here */
        }
        if (t->v.kind == V_STRING && t->v.len == 0 && p->nterms == 1 && t->kind == T_AND) {
            p->nterms = 0; /* "" alone: every event */
            value_cleanup(&t->v);
        }
    }
    p->match_all = (p->nterms == 0);
    return OT_OK;
}

ot_status ot_pattern_compile(struct ot_sv text, struct ot_pattern **out, struct ot_error *err)
{
    struct ps ps = { .s = text.p, .n = text.n, .err = err };
    if (text.n > OT_PATTERN_MAX_BYTES) {
        return perr(&ps, OT_E_LIMIT, OT_PATTERN_MAX_BYTES,
                    "CloudWatch caps filter patterns at 1,024 characters: split it",
                    "longer than 1,024 bytes");
    }
    struct ot_pattern *p = ot_calloc(1, sizeof(*p));
    char *copy = ot_strndup(text.p ? text.p : "", text.n);
    if (p == NULL || copy == NULL) {
        ot_free(p);
        ot_free(copy);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory compiling a pattern");
    }
    p->text = copy;
    p->text_len = text.n;
    ps.p = p;
    ps.s = copy; /* field names and errors point into our own copy */
    ws(&ps);
    ot_status st;
    if (ps.i < ps.n && ps.s[ps.i] == '{') {
        st = parse_json(&ps);
    } else if (ps.i < ps.n && ps.s[ps.i] == '[') {
        st = parse_space(&ps);
    } else {
        st = parse_terms(&ps);
    }
    if (st != OT_OK) {
        ot_pattern_free(p);
        return st;
    }
    *out = p;
    return OT_OK;
}
