/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/hcl.c - a reader for HCL2 native syntax (Terraform's .tf files).
 *
 * Stage: advise. Input is untrusted: it is read through a cursor that knows
 * its line and column, nesting is bounded by OT_HCL_MAX_DEPTH, and every
 * failure names file:line:col and how to fix it.
 *
 * Grammar (the parts Terraform uses; HCL native syntax specification):
 *   body      := ( attribute | block )*
 *   attribute := IDENT '=' expr NEWLINE
 *   block     := IDENT ( STRING | IDENT )* '{' body '}' NEWLINE
 *   expr      := binary ( '?' expr ':' expr )?
 *   binary    := unary ( OP unary )*
 *   unary     := ( '!' | '-' ) unary | primary postfix*
 *   primary   := NUMBER | true | false | null | STRING | HEREDOC | tuple | object
 *              | '(' expr ')' | IDENT '(' args ')' | IDENT | for-expression
 *   postfix   := '.' IDENT | '.' NUMBER | '.*' | '[' expr ']' | '[*]'
 * Literals, static traversals (var.x, aws_s3_bucket.b.id, a[0].b) and strings
 * whose interpolations are static become typed nodes. Operators, calls,
 * conditionals, for-expressions and template directives are parsed (so
 * errors are still found) but kept only as OT_DOC_UNKNOWN with their source:
 * the reader never evaluates what Terraform would compute at plan time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "advise/doc.h"

#include "core/private.h"

struct hc {
    const char *p, *end;
    const char *line_start;
    unsigned line;
    unsigned depth;
    ot_status st; /* OT_OK until the first failure */
    struct ot_arena *ar;
    const char *file;
    struct ot_error *err;
    struct ot_buf lit; /* scratch for decoding string literals */
};

static unsigned col_of(const struct hc *c, const char *at)
{
    return (unsigned)(at - c->line_start) + 1u;
}

static void *failv(struct hc *c, ot_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *failv(struct hc *c, ot_status st, const char *fix, const char *fmt, ...)
{
    if (c->st != OT_OK) {
        return NULL; /* keep the first, innermost error */
    }
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    c->st = ot_fail(c->err, st, fix, "%s", what);
    if (c->err != NULL) {
        c->err->line = c->line;
        c->err->col = col_of(c, c->p);
    }
    return NULL;
}

static void *nomem(struct hc *c)
{
    return failv(c, OT_E_NOMEM, "free memory or audit fewer files at once", "out of memory");
}

static void bump(struct hc *c)
{
    if (*c->p == '\n') {
        c->line++;
        c->line_start = c->p + 1;
    }
    c->p++;
}

static bool at(const struct hc *c, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

static void skip_n(struct hc *c, size_t n)
{
    while (n-- > 0 && c->p < c->end) {
        bump(c);
    }
}

static bool is_ident_start(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch >= 0x80;
}

static bool is_ident_char(unsigned char ch)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '-';
}

static bool is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Spaces, tabs, CRs and comments; newlines too when @nl (inside brackets). A
 * line comment stops before its newline, which still ends an attribute. */
static bool skip_ws(struct hc *c, bool nl)
{
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch == ' ' || ch == '\t' || ch == '\r' || (nl && ch == '\n')) {
            bump(c);
        } else if (ch == '#' || at(c, "//")) {
            while (c->p < c->end && *c->p != '\n') {
                c->p++;
            }
        } else if (at(c, "/*")) {
            const char *open = c->p, *open_line = c->line_start;
            unsigned line = c->line;
            skip_n(c, 2);
            while (c->p < c->end && !at(c, "*/")) {
                bump(c);
            }
            if (c->p >= c->end) {
                c->line = line;
                c->line_start = open_line;
                c->p = open;
                failv(c, OT_E_PARSE, "close the comment with */", "unterminated /* comment");
                return false;
            }
            skip_n(c, 2);
        } else {
            break;
        }
    }
    return true;
}

static struct ot_doc *node(struct hc *c, enum ot_doc_kind kind, unsigned line, unsigned col)
{
    struct ot_doc *d = ot_doc_new(c->ar, kind, c->file, line, col);
    if (d == NULL) {
        return nomem(c);
    }
    return d;
}

static struct ot_sv ident(struct hc *c)
{
    const char *s = c->p;
    while (c->p < c->end && is_ident_char((unsigned char)*c->p)) {
        c->p++;
    }
    return (struct ot_sv){ s, (size_t)(c->p - s) };
}

static struct ot_sv trim(const char *s, const char *e)
{
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) {
        e--;
    }
    return (struct ot_sv){ s, (size_t)(e - s) };
}

/* Turn @d (or a fresh node) into UNKNOWN holding the source from @s to here. */
static struct ot_doc *unknown_from(struct hc *c, const char *s, unsigned line, unsigned col)
{
    struct ot_doc *d = node(c, OT_DOC_UNKNOWN, line, col);
    if (d != NULL) {
        d->text = trim(s, c->p);
    }
    return d;
}

static struct ot_doc *parse_expr(struct hc *c, bool nl);

/* ---- strings -------------------------------------------------------------- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

static bool put_utf8(struct hc *c, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return ot_buf_append(&c->lit, b, n) == OT_OK;
}

/* Errors point at the backslash: the escape, not its n-th byte, is wrong. */
static bool escape(struct hc *c)
{
    const char *bs = c->p;
    c->p++;
    if (c->p >= c->end) {
        c->p = bs;
        failv(c, OT_E_PARSE, "close the string with \"", "unterminated string");
        return false;
    }
    char e = *c->p;
    const char *simple = "n\nr\rt\t\"\"\\\\";
    for (const char *s = simple; *s != '\0'; s += 2) {
        if (e == s[0]) {
            c->p++;
            return ot_buf_putc(&c->lit, s[1]) == OT_OK || nomem(c) != NULL;
        }
    }
    if (e == 'u' || e == 'U') {
        int digits = e == 'u' ? 4 : 8;
        unsigned long cp = 0;
        if (c->end - c->p <= digits) {
            c->p = bs;
            failv(c, OT_E_PARSE, "write \\u with 4 hex digits or \\U with 8",
                  "incomplete unicode escape");
            return false;
        }
        for (int i = 1; i <= digits; i++) {
            int v = hexval(c->p[i]);
            if (v < 0) {
                c->p = bs;
                failv(c, OT_E_PARSE, "write \\u with 4 hex digits or \\U with 8",
                      "invalid unicode escape");
                return false;
            }
            cp = cp * 16u + (unsigned long)v;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            c->p = bs;
            failv(c, OT_E_PARSE, "use a Unicode scalar value", "invalid code point U+%lX", cp);
            return false;
        }
        c->p += digits + 1;
        return put_utf8(c, cp) || nomem(c) != NULL;
    }
    c->p = bs;
    failv(c, OT_E_PARSE, "valid escapes are \\n \\r \\t \\\" \\\\ \\uNNNN \\UNNNNNNNN",
          "invalid escape \\%c", e);
    return false;
}

static struct ot_doc *flush_lit(struct hc *c, struct ot_doc *tmpl, unsigned line, unsigned col)
{
    struct ot_doc *s = node(c, OT_DOC_STR, line, col);
    if (s == NULL) {
        return NULL;
    }
    char *t = ot_arena_strdup(c->ar, ot_buf_sv(&c->lit));
    if (t == NULL) {
        return nomem(c);
    }
    s->text = (struct ot_sv){ t, c->lit.len };
    ot_buf_reset(&c->lit);
    if (tmpl != NULL) {
        ot_doc_append(tmpl, s);
    }
    return s;
}

/* %{ if x }, %{ else }, %{ endif }, %{ for a, b in x }, %{ endfor } */
static bool directive(struct hc *c)
{
    skip_n(c, 2);
    if (c->p < c->end && *c->p == '~') {
        c->p++;
    }
    for (;;) {
        if (!skip_ws(c, true)) {
            return false;
        }
        if (c->p >= c->end) {
            failv(c, OT_E_PARSE, "close the directive with }", "unterminated %%{ directive");
            return false;
        }
        if (*c->p == '}' || at(c, "~}")) {
            skip_n(c, *c->p == '~' ? 2 : 1);
            return true;
        }
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (parse_expr(c, true) == NULL) {
            return false;
        }
    }
}

/* A quoted template at '"'. No interpolation: STR. Exactly one "${x}": x.
 * Otherwise TMPL of parts, or UNKNOWN when it holds a directive. */
static struct ot_doc *quoted(struct hc *c)
{
    const char *s = c->p;
    unsigned line = c->line, col = col_of(c, c->p);
    struct ot_doc *tmpl = node(c, OT_DOC_TMPL, line, col);
    unsigned nparts = 0, nexpr = 0;
    bool has_directive = false;
    struct ot_doc *only = NULL;
    if (tmpl == NULL) {
        return NULL;
    }
    ot_buf_reset(&c->lit);
    c->p++;
    for (;;) {
        if (c->p >= c->end || *c->p == '\n') {
            c->p = s;
            return failv(c, OT_E_PARSE,
                         "close the string with \" on the same line, or use a <<EOT heredoc",
                         "unterminated string");
        }
        char ch = *c->p;
        if (ch == '"') {
            c->p++;
            break;
        }
        if (ch == '\\') {
            if (!escape(c)) {
                return NULL;
            }
        } else if (at(c, "$${") || at(c, "%%{")) {
            if (ot_buf_append(&c->lit, c->p + 1, 2) != OT_OK) {
                return nomem(c);
            }
            c->p += 3;
        } else if (at(c, "${")) {
            if (c->lit.len > 0) {
                if (flush_lit(c, tmpl, line, col) == NULL) {
                    return NULL;
                }
                nparts++;
            }
            skip_n(c, 2);
            if (c->p < c->end && *c->p == '~') {
                c->p++;
            }
            if (!skip_ws(c, true)) {
                return NULL;
            }
            struct ot_doc *e = parse_expr(c, true);
            if (e == NULL || !skip_ws(c, true)) {
                return NULL;
            }
            if (c->p < c->end && *c->p == '~') {
                c->p++;
            }
            if (c->p >= c->end || *c->p != '}') {
                return failv(c, OT_E_PARSE, "close the interpolation with }",
                             "expected '}' after the interpolated expression");
            }
            c->p++;
            ot_doc_append(tmpl, e);
            only = e;
            nparts++;
            nexpr++;
        } else if (at(c, "%{")) {
            has_directive = true;
            if (!directive(c)) {
                return NULL;
            }
        } else {
            if (ot_buf_putc(&c->lit, ch) != OT_OK) {
                return nomem(c);
            }
            c->p++;
        }
    }
    if (has_directive) {
        return unknown_from(c, s, line, col);
    }
    if (nexpr == 0) {
        return flush_lit(c, NULL, line, col);
    }
    if (c->lit.len > 0) {
        if (flush_lit(c, tmpl, line, col) == NULL) {
            return NULL;
        }
        nparts++;
    }
    if (nparts == 1) {
        return only; /* "${x}" is x itself, as in HCL */
    }
    tmpl->text = (struct ot_sv){ s, (size_t)(c->p - s) };
    return tmpl;
}

/* <<EOT or <<-EOT, a newline, lines, then a line holding only EOT. */
static struct ot_doc *heredoc(struct hc *c)
{
    const char *s = c->p, *s_line = c->line_start;
    unsigned line = c->line, col = col_of(c, c->p);
    skip_n(c, 2);
    if (c->p < c->end && *c->p == '-') {
        c->p++;
    }
    struct ot_sv tag = ident(c);
    if (tag.n == 0 || c->p >= c->end || (*c->p != '\n' && !at(c, "\r\n"))) {
        return failv(c, OT_E_PARSE, "write <<EOT, then the text on the next lines, then EOT",
                     "invalid heredoc opener");
    }
    while (*c->p != '\n') {
        c->p++;
    }
    bump(c);
    const char *body = c->p;
    for (;;) {
        if (c->p >= c->end) {
            c->p = s;
            c->line = line;
            c->line_start = s_line;
            return failv(c, OT_E_PARSE, "end the heredoc with a line holding only its tag",
                         "unterminated heredoc <<%.*s", (int)tag.n, tag.p);
        }
        const char *ls = c->p;
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
            c->p++;
        }
        struct ot_sv t = ident(c);
        const char *after = c->p;
        while (c->p < c->end && (*c->p == '\r' || *c->p == ' ')) {
            c->p++;
        }
        if (ot_sv_eq(t, tag) && (c->p >= c->end || *c->p == '\n')) {
            struct ot_doc *d = node(c, OT_DOC_STR, line, col);
            if (d == NULL) {
                return NULL;
            }
            d->text = (struct ot_sv){ body, (size_t)(ls - body) };
            struct ot_sv content = d->text;
            for (size_t i = 0; i + 1 < content.n; i++) {
                if ((content.p[i] == '$' || content.p[i] == '%') && content.p[i + 1] == '{' &&
                    (i == 0 || content.p[i - 1] != content.p[i])) {
                    d->kind = OT_DOC_UNKNOWN; /* interpolated: not evaluated */
                    break;
                }
            }
            (void)after;
            return d;
        }
        while (c->p < c->end && *c->p != '\n') {
            c->p++;
        }
        if (c->p < c->end) {
            bump(c);
        }
    }
}

/* ---- collections ---------------------------------------------------------- */

static bool at_for(const struct hc *c)
{
    return (size_t)(c->end - c->p) > 3 && memcmp(c->p, "for", 3) == 0 &&
           !is_ident_char((unsigned char)c->p[3]);
}

/* [for ...] and {for ...}: parsed as a run of expressions and separators. */
static struct ot_doc *for_expr(struct hc *c, const char *s, char close, unsigned line, unsigned col)
{
    for (;;) {
        if (!skip_ws(c, true)) {
            return NULL;
        }
        if (c->p >= c->end) {
            return failv(c, OT_E_PARSE, "close the for expression", "expected '%c'", close);
        }
        if (*c->p == close) {
            c->p++;
            return unknown_from(c, s, line, col);
        }
        if (at(c, "=>") || at(c, "...")) {
            skip_n(c, *c->p == '=' ? 2 : 3);
        } else if (*c->p == ',' || *c->p == ':') {
            c->p++;
        } else if (parse_expr(c, true) == NULL) {
            return NULL;
        }
    }
}

static struct ot_doc *tuple(struct hc *c)
{
    const char *s = c->p;
    unsigned line = c->line, col = col_of(c, c->p);
    c->p++;
    if (!skip_ws(c, true)) {
        return NULL;
    }
    if (at_for(c)) {
        return for_expr(c, s, ']', line, col);
    }
    struct ot_doc *l = node(c, OT_DOC_LIST, line, col);
    if (l == NULL) {
        return NULL;
    }
    for (;;) {
        if (!skip_ws(c, true)) {
            return NULL;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return l;
        }
        struct ot_doc *e = parse_expr(c, true);
        if (e == NULL || !skip_ws(c, true)) {
            return NULL;
        }
        ot_doc_append(l, e);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p >= c->end || *c->p != ']') {
            return failv(c, OT_E_PARSE, "separate list items with ',' and close with ']'",
                         "expected ',' or ']' in a list");
        }
    }
}

static struct ot_doc *object(struct hc *c)
{
    const char *s = c->p;
    unsigned line = c->line, col = col_of(c, c->p);
    c->p++;
    if (!skip_ws(c, true)) {
        return NULL;
    }
    if (at_for(c)) {
        return for_expr(c, s, '}', line, col);
    }
    struct ot_doc *o = node(c, OT_DOC_OBJ, line, col);
    if (o == NULL) {
        return NULL;
    }
    for (;;) {
        if (!skip_ws(c, true)) {
            return NULL;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return o;
        }
        /* newlines separate items here, so they end a key or a value */
        struct ot_doc *k = parse_expr(c, false);
        if (k == NULL || !skip_ws(c, false)) {
            return NULL;
        }
        if (c->p >= c->end || (*c->p != '=' && *c->p != ':') || at(c, "==")) {
            return failv(c, OT_E_PARSE, "write key = value", "expected '=' or ':' after a key");
        }
        c->p++;
        if (!skip_ws(c, true)) {
            return NULL;
        }
        struct ot_doc *v = parse_expr(c, false);
        if (v == NULL || !skip_ws(c, false)) {
            return NULL;
        }
        v->key = k->text; /* an identifier (a one-step REF) or a string */
        ot_doc_append(o, v);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p < c->end && *c->p != '\n' && *c->p != '}') {
            return failv(c, OT_E_PARSE, "separate object items with ',' or a new line",
                         "expected ',', a new line or '}' in an object");
        }
    }
}

/* ---- expressions ---------------------------------------------------------- */

static struct ot_doc *number(struct hc *c)
{
    unsigned line = c->line, col = col_of(c, c->p);
    const char *s = c->p;
    while (c->p < c->end && is_digit((unsigned char)*c->p)) {
        c->p++;
    }
    if (c->end - c->p > 1 && *c->p == '.' && is_digit((unsigned char)c->p[1])) {
        c->p++;
        while (c->p < c->end && is_digit((unsigned char)*c->p)) {
            c->p++;
        }
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        const char *e = c->p + 1;
        if (e < c->end && (*e == '+' || *e == '-')) {
            e++;
        }
        if (e < c->end && is_digit((unsigned char)*e)) {
            c->p = e;
            while (c->p < c->end && is_digit((unsigned char)*c->p)) {
                c->p++;
            }
        }
    }
    struct ot_doc *d = node(c, OT_DOC_NUM, line, col);
    if (d != NULL) {
        d->text = (struct ot_sv){ s, (size_t)(c->p - s) };
    }
    return d;
}

static struct ot_doc *call(struct hc *c, const char *s, unsigned line, unsigned col)
{
    c->p++; /* '(' */
    for (;;) {
        if (!skip_ws(c, true)) {
            return NULL;
        }
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            return unknown_from(c, s, line, col);
        }
        if (parse_expr(c, true) == NULL || !skip_ws(c, true)) {
            return NULL;
        }
        if (at(c, "...")) {
            c->p += 3;
            if (!skip_ws(c, true)) {
                return NULL;
            }
        }
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p >= c->end || *c->p != ')') {
            return failv(c, OT_E_PARSE, "separate arguments with ',' and close with ')'",
                         "expected ',' or ')' in a function call");
        }
    }
}

static struct ot_doc *primary(struct hc *c)
{
    unsigned line = c->line, col = col_of(c, c->p);
    const char *s = c->p;
    if (c->p >= c->end) {
        return failv(c, OT_E_PARSE, "give the attribute a value", "expected an expression");
    }
    unsigned char ch = (unsigned char)*c->p;
    if (ch == '"') {
        return quoted(c);
    }
    if (at(c, "<<")) {
        return heredoc(c);
    }
    if (is_digit(ch)) {
        return number(c);
    }
    if (ch == '[') {
        return tuple(c);
    }
    if (ch == '{') {
        return object(c);
    }
    if (ch == '(') {
        c->p++;
        if (!skip_ws(c, true)) {
            return NULL;
        }
        struct ot_doc *e = parse_expr(c, true);
        if (e == NULL || !skip_ws(c, true)) {
            return NULL;
        }
        if (c->p >= c->end || *c->p != ')') {
            return failv(c, OT_E_PARSE, "close the parenthesis", "expected ')'");
        }
        c->p++;
        return e;
    }
    if (!is_ident_start(ch)) {
        return failv(c, OT_E_PARSE, "give the attribute a value", "unexpected character '%c'",
                     ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    struct ot_sv id = ident(c);
    if (c->p < c->end && *c->p == '(') {
        return call(c, s, line, col);
    }
    struct ot_doc *d;
    if (ot_sv_eq_cstr(id, "true") || ot_sv_eq_cstr(id, "false")) {
        d = node(c, OT_DOC_BOOL, line, col);
        if (d != NULL) {
            d->b = id.n == 4;
            d->text = id;
        }
    } else if (ot_sv_eq_cstr(id, "null")) {
        d = node(c, OT_DOC_NULL, line, col);
    } else {
        d = node(c, OT_DOC_REF, line, col);
        if (d != NULL) {
            d->text = id;
        }
    }
    return d;
}

/* .attr .0 .* [expr] [*] directly after @d. A static traversal stays a REF
 * (text grows to cover it); anything else becomes UNKNOWN. */
static struct ot_doc *postfix(struct hc *c, struct ot_doc *d, const char *s)
{
    bool is_static = d->kind == OT_DOC_REF;
    bool any = false;
    for (;;) {
        if (c->end - c->p >= 2 && *c->p == '.' &&
            (is_ident_start((unsigned char)c->p[1]) || is_digit((unsigned char)c->p[1]) ||
             c->p[1] == '*')) {
            c->p++;
            if (*c->p == '*') {
                c->p++;
            } else if (is_digit((unsigned char)*c->p)) {
                while (c->p < c->end && is_digit((unsigned char)*c->p)) {
                    c->p++;
                }
            } else {
                (void)ident(c);
            }
        } else if (c->p < c->end && *c->p == '[') {
            c->p++;
            if (!skip_ws(c, true)) {
                return NULL;
            }
            if (c->p < c->end && *c->p == '*') {
                c->p++;
            } else {
                struct ot_doc *ix = parse_expr(c, true);
                if (ix == NULL) {
                    return NULL;
                }
                if (ix->kind != OT_DOC_NUM && ix->kind != OT_DOC_STR) {
                    is_static = false;
                }
            }
            if (!skip_ws(c, true)) {
                return NULL;
            }
            if (c->p >= c->end || *c->p != ']') {
                return failv(c, OT_E_PARSE, "close the index with ]", "expected ']'");
            }
            c->p++;
        } else {
            break;
        }
        any = true;
    }
    if (!any) {
        return d;
    }
    if (is_static) {
        d->text = (struct ot_sv){ s, (size_t)(c->p - s) };
        return d;
    }
    return unknown_from(c, s, d->line, d->col);
}

static struct ot_doc *unary(struct hc *c, bool nl)
{
    if (++c->depth > OT_HCL_MAX_DEPTH) {
        return failv(c, OT_E_LIMIT, "simplify the expression",
                     "blocks and expressions nest deeper than %u levels", OT_HCL_MAX_DEPTH);
    }
    unsigned line = c->line, col = col_of(c, c->p);
    const char *s = c->p;
    struct ot_doc *d;
    if (c->p < c->end && (*c->p == '!' || *c->p == '-')) {
        c->p++;
        if (!skip_ws(c, nl)) {
            return NULL;
        }
        d = unary(c, nl);
        if (d != NULL) {
            if (*s == '-' && d->kind == OT_DOC_NUM) {
                d->text = (struct ot_sv){ s, (size_t)(c->p - s) };
                d->line = line;
                d->col = col;
            } else {
                d = unknown_from(c, s, line, col);
            }
        }
    } else {
        d = primary(c);
        if (d != NULL) {
            d = postfix(c, d, s);
        }
    }
    c->depth--;
    return d;
}

static size_t binary_op(const struct hc *c)
{
    static const char *const ops[] = { "==", "!=", "<=", ">=", "&&", "||", "<",
                                       ">",  "+",  "-",  "*",  "/",  "%" };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (at(c, ops[i])) {
            return strlen(ops[i]);
        }
    }
    return 0;
}

static struct ot_doc *parse_expr(struct hc *c, bool nl)
{
    unsigned line = c->line, col = col_of(c, c->p);
    const char *s = c->p;
    struct ot_doc *d = unary(c, nl);
    bool computed = false;
    for (;;) {
        if (d == NULL || !skip_ws(c, nl)) {
            return NULL;
        }
        size_t n = binary_op(c);
        if (n == 0) {
            break;
        }
        c->p += n;
        if (!skip_ws(c, true)) {
            return NULL;
        }
        d = unary(c, nl);
        computed = true;
    }
    if (c->p < c->end && *c->p == '?') {
        c->p++;
        if (!skip_ws(c, true) || parse_expr(c, true) == NULL || !skip_ws(c, true)) {
            return NULL;
        }
        if (c->p >= c->end || *c->p != ':') {
            return failv(c, OT_E_PARSE, "write cond ? a : b", "expected ':' in a conditional");
        }
        c->p++;
        if (!skip_ws(c, true) || parse_expr(c, nl) == NULL) {
            return NULL;
        }
        computed = true;
    }
    return computed ? unknown_from(c, s, line, col) : d;
}

/* ---- bodies --------------------------------------------------------------- */

/* After an attribute or a block: a newline, a comment, '}' or the end. */
static bool end_of_item(struct hc *c)
{
    if (!skip_ws(c, false)) {
        return false;
    }
    if (c->p < c->end && *c->p != '\n' && *c->p != '}') {
        failv(c, OT_E_PARSE, "put each attribute and block on its own line",
              "expected a new line after the item");
        return false;
    }
    return true;
}

static bool body(struct hc *c, struct ot_doc *blk, bool closed)
{
    if (++c->depth > OT_HCL_MAX_DEPTH) {
        failv(c, OT_E_LIMIT, "flatten the configuration",
              "blocks and expressions nest deeper than %u levels", OT_HCL_MAX_DEPTH);
        return false;
    }
    for (;;) {
        if (!skip_ws(c, true)) {
            return false;
        }
        if (c->p >= c->end) {
            if (closed) {
                failv(c, OT_E_PARSE, "close the block opened at line %u with }",
                      "unexpected end of file inside a block");
                if (c->err != NULL) {
                    (void)snprintf(c->err->fix, sizeof(c->err->fix),
                                   "close the block opened at line %u with }", blk->line);
                }
                return false;
            }
            break;
        }
        if (*c->p == '}') {
            if (!closed) {
                failv(c, OT_E_PARSE, "remove the extra }", "unexpected '}'");
                return false;
            }
            c->p++;
            break;
        }
        unsigned line = c->line, col = col_of(c, c->p);
        if (!is_ident_start((unsigned char)*c->p)) {
            unsigned char ch = (unsigned char)*c->p;
            failv(c, OT_E_PARSE, "start each line with an attribute name or a block type",
                  "unexpected character '%c'", ch >= 0x20 && ch < 0x7f ? ch : '?');
            return false;
        }
        struct ot_sv name = ident(c);
        if (!skip_ws(c, false)) {
            return false;
        }
        if (c->p < c->end && *c->p == '=' && !at(c, "==")) {
            c->p++;
            if (!skip_ws(c, false)) {
                return false;
            }
            struct ot_doc *v = parse_expr(c, false);
            if (v == NULL) {
                return false;
            }
            v->key = name;
            ot_doc_append(blk, v);
            if (!end_of_item(c)) {
                return false;
            }
            continue;
        }
        struct ot_doc *b = node(c, OT_DOC_BLOCK, line, col);
        if (b == NULL) {
            return false;
        }
        b->key = name;
        for (;;) {
            if (!skip_ws(c, false)) {
                return false;
            }
            if (c->p < c->end && *c->p == '{') {
                c->p++;
                break;
            }
            struct ot_doc *lab = NULL;
            if (c->p < c->end && *c->p == '"') {
                lab = quoted(c);
                if (lab == NULL) {
                    return false;
                }
                if (lab->kind != OT_DOC_STR) {
                    failv(c, OT_E_PARSE, "write block labels as plain strings",
                          "block labels cannot be interpolated");
                    return false;
                }
            } else if (c->p < c->end && is_ident_start((unsigned char)*c->p)) {
                struct ot_sv id = ident(c);
                lab = node(c, OT_DOC_STR, c->line, col_of(c, id.p));
                if (lab == NULL) {
                    return false;
                }
                lab->text = id;
            } else {
                failv(c, OT_E_PARSE, "write name = value, or type \"label\" { ... }",
                      "expected '=' or '{' after '%.*s'", (int)(name.n > 64 ? 64 : name.n), name.p);
                return false;
            }
            if (b->nlabel >= OT_HCL_MAX_LABELS) {
                failv(c, OT_E_LIMIT, "Terraform blocks have at most two labels",
                      "more than %u block labels", OT_HCL_MAX_LABELS);
                return false;
            }
            b->label[b->nlabel++] = lab->text;
        }
        if (!body(c, b, true)) {
            return false;
        }
        ot_doc_append(blk, b);
        if (!end_of_item(c)) {
            return false;
        }
    }
    c->depth--;
    return true;
}

ot_status ot_hcl_parse(struct ot_arena *ar, const char *file, struct ot_sv src, struct ot_doc **out,
                       struct ot_error *err)
{
    struct hc c = {
        .p = src.p,
        .end = src.p + src.n,
        .line_start = src.p,
        .line = 1,
        .ar = ar,
        .file = file,
        .err = err,
        .lit = OT_BUF_INIT(OT_ADVISE_MAX_FILE_BYTES),
    };
    if (src.n >= 3 && memcmp(src.p, "\xef\xbb\xbf", 3) == 0) {
        c.p += 3; /* a UTF-8 byte order mark */
        c.line_start = c.p;
    }
    struct ot_doc *root = node(&c, OT_DOC_BLOCK, 1, 1);
    if (root != NULL && body(&c, root, false) && c.st == OT_OK) {
        *out = root;
    } else if (c.st == OT_OK) {
        nomem(&c); /* cannot happen: every false path sets st; stay safe in release */
    }
    ot_buf_cleanup(&c.lit);
    return c.st;
}
