/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/xml.c - a small bounded reader for the XML that S3 answers with
 * (ListBucketResult, InitiateMultipartUploadResult, Error, ...).
 *
 * Stage: store. S3 responses are shallow documents of text-only leaves, so
 * the reader hands each leaf to a callback with its parent's name and never
 * builds a tree. Untrusted bytes are read through a string view and a
 * cursor; depth, leaf text and document size are bounded; DOCTYPE (and with
 * it every entity definition) is refused. fuzz/fuzz_s3xml.c drives it.
 */
#include <string.h>

#include "opentrail/core.h"
#include "store/s3_int.h"

#include "core/private.h"

struct xml {
    struct ot_sv d;
    size_t i;
    struct ot_sv stack[OT_XML_MAX_DEPTH];
    bool kids[OT_XML_MAX_DEPTH];
    size_t depth;
    bool root_done;
    char text[OT_XML_MAX_TEXT + 1];
    size_t tlen;
};

static ot_status bad(struct xml *x, struct ot_error *err, const char *what)
{
    ot_status st = ot_fail(err, OT_E_PARSE, "the server's answer is not the XML S3 sends",
                           "XML response: %s", what);
    if (err != NULL) {
        err->col = (unsigned)(x->i + 1 > 0xffffffffu ? 0xffffffffu : x->i + 1);
    }
    return st;
}

static bool starts(const struct xml *x, const char *s)
{
    size_t n = strlen(s);
    return x->d.n - x->i >= n && memcmp(x->d.p + x->i, s, n) == 0;
}

/* move past the next @end; false when it never comes */
static bool skip_past(struct xml *x, const char *end)
{
    size_t n = strlen(end);
    for (size_t j = x->i; x->d.n - j >= n; j++) {
        if (memcmp(x->d.p + j, end, n) == 0) {
            x->i = j + n;
            return true;
        }
    }
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(struct xml *x)
{
    while (x->i < x->d.n && is_space(x->d.p[x->i])) {
        x->i++;
    }
}

static struct ot_sv read_name(struct xml *x)
{
    size_t s = x->i;
    while (x->i < x->d.n) {
        char c = x->d.p[x->i];
        if (is_space(c) || c == '>' || c == '/' || c == '=' || c == '<' || c == '"' || c == '\'' ||
            c == '&') {
            break;
        }
        x->i++;
    }
    return (struct ot_sv){ x->d.p + s, x->i - s };
}

static bool collecting(const struct xml *x)
{
    return x->depth > 0 && !x->kids[x->depth - 1];
}

static ot_status add_text(struct xml *x, const char *p, size_t n, struct ot_error *err)
{
    if (!collecting(x)) {
        return OT_OK;
    }
    if (n > OT_XML_MAX_TEXT - x->tlen) {
        return ot_fail(err, OT_E_LIMIT, NULL, "XML response: text longer than %u bytes",
                       OT_XML_MAX_TEXT);
    }
    (void)memcpy(x->text + x->tlen, p, n);
    x->tlen += n;
    return OT_OK;
}

/* &...; at x->i: decode into the text */
static ot_status entity(struct xml *x, struct ot_error *err)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' }
    };
    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
        if (starts(x, named[k].name)) {
            x->i += strlen(named[k].name);
            return add_text(x, &named[k].c, 1, err);
        }
    }
    if (!starts(x, "&#")) {
        return bad(x, err, "unknown entity");
    }
    x->i += 2;
    unsigned base = 10;
    if (x->i < x->d.n && x->d.p[x->i] == 'x') {
        base = 16;
        x->i++;
    }
    unsigned long cp = 0;
    size_t digits = 0;
    while (x->i < x->d.n && x->d.p[x->i] != ';') {
        char c = x->d.p[x->i];
        unsigned v;
        if (c >= '0' && c <= '9') {
            v = (unsigned)(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            v = (unsigned)(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            v = (unsigned)(c - 'A' + 10);
        } else {
            return bad(x, err, "bad character reference");
        }
        cp = cp * base + v;
        if (cp > 0x10ffff || ++digits > 8) {
            return bad(x, err, "character reference out of range");
        }
        x->i++;
    }
    if (x->i >= x->d.n || digits == 0 || cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
        return bad(x, err, "bad character reference");
    }
    x->i++; /* ; */
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return add_text(x, u, n, err);
}

static ot_status open_tag(struct xml *x, bool *stop, ot_xml_leaf_fn fn, void *ctx,
                          struct ot_error *err)
{
    x->i++; /* < */
    if (x->root_done) {
        return bad(x, err, "a second root element");
    }
    struct ot_sv name = read_name(x);
    if (name.n == 0) {
        return bad(x, err, "element without a name");
    }
    bool empty = false;
    for (;;) {
        skip_ws(x);
        if (x->i >= x->d.n) {
            return bad(x, err, "truncated tag");
        }
        if (starts(x, "/>")) {
            x->i += 2;
            empty = true;
            break;
        }
        if (x->d.p[x->i] == '>') {
            x->i++;
            break;
        }
        struct ot_sv an = read_name(x);
        skip_ws(x);
        if (an.n == 0 || x->i >= x->d.n || x->d.p[x->i] != '=') {
            return bad(x, err, "bad attribute");
        }
        x->i++;
        skip_ws(x);
        if (x->i >= x->d.n || (x->d.p[x->i] != '"' && x->d.p[x->i] != '\'')) {
            return bad(x, err, "attribute value without quotes");
        }
        char q[2] = { x->d.p[x->i], '\0' };
        x->i++;
        if (!skip_past(x, q)) {
            return bad(x, err, "unterminated attribute value");
        }
    }
    if (x->depth > 0) {
        x->kids[x->depth - 1] = true;
    }
    if (empty) {
        x->text[0] = '\0';
        struct ot_sv parent = x->depth > 0 ? x->stack[x->depth - 1] : OT_SV_LIT("");
        *stop = !fn(ctx, parent, name, (struct ot_sv){ x->text, 0 });
        x->root_done = x->depth == 0;
        return OT_OK;
    }
    if (x->depth == OT_XML_MAX_DEPTH) {
        return ot_fail(err, OT_E_LIMIT, NULL, "XML response: nested deeper than %u",
                       OT_XML_MAX_DEPTH);
    }
    x->stack[x->depth] = name;
    x->kids[x->depth] = false;
    x->depth++;
    x->tlen = 0;
    return OT_OK;
}

static ot_status close_tag(struct xml *x, bool *stop, ot_xml_leaf_fn fn, void *ctx,
                           struct ot_error *err)
{
    x->i += 2; /* </ */
    struct ot_sv name = read_name(x);
    skip_ws(x);
    if (x->depth == 0 || !ot_sv_eq(name, x->stack[x->depth - 1])) {
        return bad(x, err, "closing tag does not match");
    }
    if (x->i >= x->d.n || x->d.p[x->i] != '>') {
        return bad(x, err, "truncated closing tag");
    }
    x->i++;
    x->depth--;
    if (!x->kids[x->depth]) {
        x->text[x->tlen] = '\0';
        struct ot_sv parent = x->depth > 0 ? x->stack[x->depth - 1] : OT_SV_LIT("");
        *stop = !fn(ctx, parent, name, (struct ot_sv){ x->text, x->tlen });
    }
    x->tlen = 0;
    x->root_done = x->depth == 0;
    return OT_OK;
}

ot_status ot_xml_walk(struct ot_sv doc, ot_xml_leaf_fn fn, void *ctx, struct ot_error *err)
{
    if (doc.n > OT_XML_MAX_BYTES) {
        return ot_fail(err, OT_E_LIMIT, NULL, "XML response larger than %u bytes",
                       OT_XML_MAX_BYTES);
    }
    struct xml *x = ot_calloc(1, sizeof(*x));
    if (x == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    x->d = doc;
    ot_status st = OT_OK;
    bool stop = false;
    while (st == OT_OK && !stop && x->i < x->d.n) {
        char c = x->d.p[x->i];
        if (c != '<') {
            if (c == '&') {
                st = x->depth > 0 ? entity(x, err) : bad(x, err, "text outside the root");
            } else if (x->depth == 0 && !is_space(c)) {
                st = bad(x, err, "text outside the root");
            } else {
                size_t s = x->i;
                while (x->i < x->d.n && x->d.p[x->i] != '<' && x->d.p[x->i] != '&') {
                    if (x->depth == 0 && !is_space(x->d.p[x->i])) {
                        break;
                    }
                    x->i++;
                }
                st = add_text(x, x->d.p + s, x->i - s, err);
            }
        } else if (starts(x, "<?")) {
            st = skip_past(x, "?>") ? OT_OK : bad(x, err, "unterminated <?");
        } else if (starts(x, "<!--")) {
            st = skip_past(x, "-->") ? OT_OK : bad(x, err, "unterminated comment");
        } else if (starts(x, "<![CDATA[")) {
            if (x->depth == 0) {
                st = bad(x, err, "CDATA outside the root");
            } else {
                size_t s = x->i + 9;
                st = skip_past(x, "]]>") ? add_text(x, x->d.p + s, x->i - 3 - s, err)
                                         : bad(x, err, "unterminated CDATA");
            }
        } else if (starts(x, "<!")) {
            st = bad(x, err, "DOCTYPE and declarations are not accepted");
        } else if (starts(x, "</")) {
            st = close_tag(x, &stop, fn, ctx, err);
        } else {
            st = open_tag(x, &stop, fn, ctx, err);
        }
    }
    if (st == OT_OK && !stop && (x->depth > 0 || !x->root_done)) {
        st = bad(x, err, x->root_done ? "truncated document" : "no root element");
    }
    ot_free(x);
    return st;
}
