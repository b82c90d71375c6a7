/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/yaml.c - YAML and JSON documents (libfyaml) into the advise tree.
 *
 * Stage: advise. CloudFormation templates come as YAML or JSON; libfyaml reads
 * both (JSON is YAML 1.2) and keeps positions, so findings in a JSON template
 * point at a line too. Short-form intrinsic tags (!Ref X, !GetAtt a.b, !Sub s)
 * become the one-member objects of the long form ({"Ref": "X"}, {"Fn::GetAtt":
 * "a.b"}), so the mapper sees one shape. Aliases are not expanded (no "billion
 * laughs"): an alias node is an unknown value. Nesting is bounded by
 * OT_HCL_MAX_DEPTH. libfyaml allocates with the C library, not ot_malloc.
 */
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "advise/doc.h"

#include "core/private.h"

struct yx {
    struct ot_arena *ar;
    const char *file;
    struct ot_error *err;
    ot_status st;
};

static void *yfail(struct yx *y, ot_status st, const char *fix, const char *what, unsigned line,
                   unsigned col)
{
    if (y->st == OT_OK) {
        y->st = ot_fail(y->err, st, fix, "%s", what);
        if (y->err != NULL) {
            y->err->line = line;
            y->err->col = col;
        }
    }
    return NULL;
}

static void pos_of(struct fy_node *n, unsigned *line, unsigned *col)
{
    struct fy_token *t = fy_node_get_scalar_token(n);
    if (t == NULL) {
        t = fy_node_get_tag_token(n);
    }
    const struct fy_mark *m = t != NULL ? fy_token_start_mark(t) : NULL;
    if (m != NULL) {
        *line = (unsigned)m->line + 1u;
        *col = (unsigned)m->column + 1u;
    }
}

static bool plain_is(const char *s, size_t n, const char *const *words)
{
    for (; *words != NULL; words++) {
        if (strlen(*words) == n && memcmp(s, *words, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_number(const char *s, size_t n)
{
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    bool digits = false;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits = true;
        } else if (s[i] != '.' && s[i] != 'e' && s[i] != 'E' && s[i] != '-' && s[i] != '+') {
            return false;
        }
    }
    return digits;
}

static struct ot_doc *conv(struct yx *y, struct fy_node *n, unsigned line, unsigned col,
                           unsigned depth);

static struct ot_doc *scalar(struct yx *y, struct fy_node *n, unsigned line, unsigned col)
{
    static const char *const yes[] = { "true", "True", "TRUE", NULL };
    static const char *const no[] = { "false", "False", "FALSE", NULL };
    static const char *const nul[] = { "null", "Null", "NULL", "~", "", NULL };
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    enum fy_node_style style = fy_node_get_style(n);
    struct ot_doc *d = ot_doc_new(y->ar, OT_DOC_STR, y->file, line, col);
    if (d == NULL || (s == NULL && len > 0)) {
        return yfail(y, OT_E_NOMEM, "free memory", "out of memory", line, col);
    }
    if (style == FYNS_ALIAS) {
        d->kind = OT_DOC_UNKNOWN; /* not expanded, see the file comment */
    } else if (style == FYNS_PLAIN && plain_is(s, len, yes)) {
        d->kind = OT_DOC_BOOL;
        d->b = true;
    } else if (style == FYNS_PLAIN && plain_is(s, len, no)) {
        d->kind = OT_DOC_BOOL;
    } else if (style == FYNS_PLAIN && plain_is(s, len, nul)) {
        d->kind = OT_DOC_NULL;
    } else if (style == FYNS_PLAIN && is_number(s, len)) {
        d->kind = OT_DOC_NUM;
    }
    char *t = ot_arena_strdup(y->ar, (struct ot_sv){ s != NULL ? s : "", len });
    if (t == NULL) {
        return yfail(y, OT_E_NOMEM, "free memory", "out of memory", line, col);
    }
    d->text = (struct ot_sv){ t, len };
    return d;
}

/* !Ref X -> {"Ref": X}; !GetAtt a.b -> {"Fn::GetAtt": "a.b"}; !X -> {"Fn::X": ...} */
static struct ot_doc *wrap_tag(struct yx *y, struct ot_doc *d, const char *tag, size_t tlen)
{
    if (tlen < 2 || tag[0] != '!' || tag[1] == '!') {
        return d; /* a standard or verbatim tag: keep the value */
    }
    struct ot_doc *o = ot_doc_new(y->ar, OT_DOC_OBJ, y->file, d->line, d->col);
    char *key = (tlen == 4 && memcmp(tag, "!Ref", 4) == 0) ||
                        (tlen == 10 && memcmp(tag, "!Condition", 10) == 0)
                    ? ot_arena_printf(y->ar, "%.*s", (int)(tlen - 1), tag + 1)
                    : ot_arena_printf(y->ar, "Fn::%.*s", (int)(tlen - 1), tag + 1);
    if (o == NULL || key == NULL) {
        return yfail(y, OT_E_NOMEM, "free memory", "out of memory", d->line, d->col);
    }
    d->key = ot_sv_cstr(key);
    ot_doc_append(o, d);
    return o;
}

static struct ot_doc *conv(struct yx *y, struct fy_node *n, unsigned line, unsigned col,
                           unsigned depth)
{
    if (depth > OT_HCL_MAX_DEPTH) {
        return yfail(y, OT_E_LIMIT, "flatten the template",
                     "collections nest deeper than the limit of 64", line, col);
    }
    pos_of(n, &line, &col);
    struct ot_doc *d = NULL;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR:
        d = scalar(y, n, line, col);
        break;
    case FYNT_SEQUENCE: {
        d = ot_doc_new(y->ar, OT_DOC_LIST, y->file, line, col);
        if (d == NULL) {
            return yfail(y, OT_E_NOMEM, "free memory", "out of memory", line, col);
        }
        void *it = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(n, &it)) != NULL) {
            struct ot_doc *e = conv(y, c, line, col, depth + 1);
            if (e == NULL) {
                return NULL;
            }
            ot_doc_append(d, e);
        }
        break;
    }
    case FYNT_MAPPING: {
        d = ot_doc_new(y->ar, OT_DOC_OBJ, y->file, line, col);
        if (d == NULL) {
            return yfail(y, OT_E_NOMEM, "free memory", "out of memory", line, col);
        }
        void *it = NULL;
        struct fy_node_pair *p;
        bool first = true;
        while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
            struct fy_node *k = fy_node_pair_key(p);
            struct fy_node *v = fy_node_pair_value(p);
            unsigned kl = line, kc = col;
            size_t klen = 0;
            const char *ks = k != NULL ? fy_node_get_scalar(k, &klen) : NULL;
            if (k != NULL) {
                pos_of(k, &kl, &kc);
            }
            if (first) { /* a mapping is where its first key is */
                d->line = kl;
                d->col = kc;
                first = false;
            }
            struct ot_doc *e = v != NULL ? conv(y, v, kl, kc, depth + 1)
                                         : ot_doc_new(y->ar, OT_DOC_NULL, y->file, kl, kc);
            char *key = ot_arena_strdup(y->ar, (struct ot_sv){ ks != NULL ? ks : "", klen });
            if (e == NULL || key == NULL) {
                return y->st != OT_OK
                           ? NULL
                           : yfail(y, OT_E_NOMEM, "free memory", "out of memory", kl, kc);
            }
            if (e->kind == OT_DOC_LIST || e->kind == OT_DOC_OBJ) {
                e->line = kl; /* point at "Key:", not at the first item below it */
                e->col = kc;
            }
            e->key = (struct ot_sv){ key, klen };
            ot_doc_append(d, e);
        }
        break;
    }
    }
    if (d == NULL) {
        return NULL;
    }
    size_t tlen = 0;
    const char *tag = fy_node_get_tag(n, &tlen);
    if (tag != NULL) {
        struct ot_sv keep = d->key;
        d = wrap_tag(y, d, tag, tlen);
        if (d != NULL) {
            d->key = keep;
        }
    }
    return d;
}

/*
 * libfyaml 0.7.12 rejects a tag on its own line followed by a block scalar
 *     Resource:
 *       !Sub |-
 *         arn:aws:s3:::${S3Bucket}
 * which YAML allows and CloudFormation templates use (Checkov's fixtures do).
 * Move such a tag line up onto its key's line and leave an empty line in its
 * place, so every later line keeps its number. The blank line becomes a
 * leading newline of the block scalar, which no rule reads.
 */
static bool tag_line(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }
    if (s == e || *s != '!') {
        return false;
    }
    while (s < e && *s != ' ' && *s != '\t') {
        s++;
    }
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }
    if (s == e || (*s != '|' && *s != '>')) {
        return false;
    }
    for (s++; s < e && (*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')); s++) {
    }
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) {
        s++;
    }
    return s == e;
}

static ot_status join_tag_lines(struct ot_sv src, struct ot_buf *out)
{
    const char *p = src.p, *end = src.p + src.n;
    size_t prev_end = 0; /* in @out: after the previous line's last non-blank byte */
    bool prev_colon = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl != NULL ? nl : end;
        if (prev_colon && tag_line(p, e)) {
            const char *t = p;
            while (*t == ' ' || *t == '\t') {
                t++;
            }
            out->len = prev_end; /* drop the key line's newline (and trailing blanks) */
            if (ot_buf_putc(out, ' ') != OT_OK || ot_buf_append(out, t, (size_t)(e - t)) != OT_OK ||
                ot_buf_append(out, "\n\n", nl != NULL ? 2 : 1) != OT_OK) {
                return OT_E_NOMEM;
            }
            prev_colon = false;
        } else {
            if (ot_buf_append(out, p, (size_t)(e - p)) != OT_OK) {
                return OT_E_NOMEM;
            }
            const char *r = e;
            while (r > p && (r[-1] == ' ' || r[-1] == '\t' || r[-1] == '\r')) {
                r--;
            }
            prev_end = out->len - (size_t)(e - r);
            prev_colon = r > p && r[-1] == ':';
            if (nl != NULL && ot_buf_putc(out, '\n') != OT_OK) {
                return OT_E_NOMEM;
            }
        }
        p = nl != NULL ? nl + 1 : end;
    }
    return OT_OK;
}

/* Offset of the first byte that is not well-formed UTF-8 (RFC 3629), or n.
 * libfyaml 0.7.12 loops forever on some invalid sequences (fuzz_cfn found
 * "%\xac c%"), and YAML and CloudFormation both require UTF-8 anyway. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlongs */
            hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
        } else {
            return i;
        }
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi) {
            return i;
        }
        for (size_t k = 2; k < len; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
                return i;
            }
        }
        i += len;
    }
    return n;
}

static void quiet(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

ot_status ot_yaml_parse(struct ot_arena *ar, const char *file, struct ot_sv src,
                        struct ot_doc **out, struct ot_error *err)
{
    struct yx y = { .ar = ar, .file = file, .err = err };
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = quiet;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    struct fy_document *fyd = NULL;
    struct ot_buf fixed = OT_BUF_INIT(OT_ADVISE_MAX_FILE_BYTES + 2u);
    if (diag == NULL) {
        return ot_fail(err, OT_E_NOMEM, "free memory", "out of memory");
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag };
    if (src.n == 0) {
        yfail(&y, OT_E_PARSE, "give a CloudFormation template", "empty document", 1, 1);
        goto out;
    }
    size_t bad = utf8_bad((const unsigned char *)src.p, src.n);
    if (bad < src.n) {
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            col = src.p[i] == '\n' ? 1 : col + 1;
            line += src.p[i] == '\n';
        }
        yfail(&y, OT_E_PARSE, "save the file as UTF-8", "invalid UTF-8 byte", line, col);
        goto out;
    }
    if (join_tag_lines(src, &fixed) != OT_OK) {
        yfail(&y, OT_E_NOMEM, "free memory", "out of memory", 0, 0);
        goto out;
    }
    fyd = fy_document_build_from_string(&cfg, fixed.data, fixed.len);
    if (fyd == NULL) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        char what[200];
        (void)snprintf(what, sizeof(what), "invalid YAML/JSON: %s",
                       e != NULL && e->msg != NULL ? e->msg : "cannot parse");
        yfail(&y, OT_E_PARSE, "fix the syntax at this position", what,
              e != NULL && e->line > 0 ? (unsigned)e->line : 0, /* 1-based already */
              e != NULL && e->column > 0 ? (unsigned)e->column : 0);
        goto out;
    }
    struct fy_node *root = fy_document_root(fyd);
    if (root == NULL) {
        yfail(&y, OT_E_PARSE, "give a CloudFormation template", "empty document", 1, 1);
        goto out;
    }
    struct ot_doc *d = conv(&y, root, 1, 1, 0);
    if (d != NULL && y.st == OT_OK) {
        *out = d;
    }
out:
    fy_document_destroy(fyd);
    fy_diag_destroy(diag);
    ot_buf_cleanup(&fixed);
    return y.st;
}
