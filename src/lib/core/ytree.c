/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/ytree.c - YAML text into a small tree of nodes with positions.
 *
 * Stage: core (scenario files for account, opentrail.yaml for capture).
 * libfyaml parses; we keep only what a schema walk needs: node kinds, scalar
 * texts and the 1-based line and column of each node. Input is untrusted: the
 * size, node count and nesting depth are capped by the caller's limits;
 * aliases, tags and several documents are refused rather than half-understood.
 */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ytree.h"

#include "core/private.h"

#define YAML_FIX "fix the YAML syntax at that position"

void ot_ytree_cleanup(struct ot_ytree *t)
{
    ot_free(t->v);
    ot_buf_cleanup(&t->text);
    memset(t, 0, sizeof(*t));
}

static ot_status fail_at(struct ot_error *err, ot_status st, const struct fy_mark *m,
                         const char *fix, const char *what)
{
    (void)ot_fail(err, st, fix, "%s", what);
    if (err != NULL && m != NULL) {
        err->line = (unsigned)m->line + 1;
        err->col = (unsigned)m->column + 1;
    }
    return st;
}

static ot_status new_node(struct ot_ytree *t, const struct ot_ylimits *lim, uint8_t type,
                          const struct fy_mark *m, uint32_t *out, struct ot_error *err)
{
    if (t->n + 1 >= lim->max_nodes) {
        return fail_at(err, OT_E_LIMIT, m, lim->size_fix, "too many YAML nodes");
    }
    if (t->n + 1 >= t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        struct ot_ynode *v = ot_realloc(t->v, (size_t)cap * sizeof(*v));
        if (v == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading YAML");
        }
        if (t->v == NULL) {
            memset(&v[0], 0, sizeof(v[0])); /* node 0: "none", all links zero */
        }
        t->v = v;
        t->cap = cap;
    }
    if (t->n == 0) {
        t->n = 1; /* index 0 means "none" */
    }
    uint32_t i = t->n++;
    memset(&t->v[i], 0, sizeof(t->v[i]));
    t->v[i].type = type;
    t->v[i].line = m ? (unsigned)m->line + 1 : 0;
    t->v[i].col = m ? (unsigned)m->column + 1 : 0;
    *out = i;
    return OT_OK;
}

struct open {
    uint32_t node, last;
};

/* Link @i under the innermost open container. */
static void attach(struct ot_ytree *t, struct open *stack, unsigned depth, uint32_t i)
{
    if (depth == 0) {
        return; /* the root */
    }
    struct open *o = &stack[depth - 1];
    if (o->last == 0) {
        t->v[o->node].first = i;
    } else {
        t->v[o->last].next = i;
    }
    o->last = i;
    t->v[o->node].count++;
}

/*
 * A scalar's text into @out. Single-quoted scalars are decoded here from the
 * input ('' is '): libfyaml 0.7.12 leaks the text it builds for them when they
 * hold several '' escapes, and its chunk iterator decodes them wrongly.
 * Folded (multi-line) ones are rare and left to libfyaml.
 */
static ot_status scalar_text(struct ot_sv yaml, struct fy_event *ev, struct ot_buf *out,
                             struct ot_error *err)
{
    const struct fy_mark *s = fy_event_start_mark(ev), *e = fy_event_end_mark(ev);
    ot_status st = OT_OK;
    if (fy_token_scalar_style(ev->scalar.value) == FYSS_SINGLE_QUOTED && s != NULL && e != NULL &&
        s->input_pos < e->input_pos && e->input_pos <= yaml.n && yaml.p[s->input_pos] == '\'' &&
        yaml.p[e->input_pos - 1] == '\'' &&
        memchr(yaml.p + s->input_pos, '\n', e->input_pos - s->input_pos) == NULL) {
        const char *p = yaml.p + s->input_pos + 1, *end = yaml.p + e->input_pos - 1;
        for (; p < end && st == OT_OK; p++) {
            st = ot_buf_putc(out, *p);
            p += (*p == '\'' && p + 1 < end && p[1] == '\''); /* '' is one quote */
        }
    } else {
        size_t len = 0;
        const char *txt = fy_token_get_text(ev->scalar.value, &len);
        st = txt == NULL ? OT_E_NOMEM : ot_buf_append(out, txt, len);
    }
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory reading YAML");
    }
    return OT_OK;
}

static ot_status on_event(struct ot_sv yaml, const struct ot_ylimits *lim, struct ot_ytree *t,
                          struct fy_event *ev, struct open *stack, unsigned *depth, unsigned *docs,
                          struct ot_error *err)
{
    const struct fy_mark *m = fy_event_start_mark(ev);
    uint32_t i = 0;
    ot_status st = OT_OK;

    switch (ev->type) {
    case FYET_DOCUMENT_START:
        if (++*docs > 1) {
            return fail_at(err, OT_E_PARSE, m, "keep one document per file",
                           "a second YAML document");
        }
        return OT_OK;
    case FYET_ALIAS:
        (void)fail_at(err, OT_E_PARSE, m, "write the value out instead of an alias",
                      "YAML aliases are not supported");
        if (err != NULL) {
            (void)snprintf(err->what, sizeof(err->what), "YAML aliases are not supported in %ss",
                           lim->kind);
        }
        return OT_E_PARSE;
    case FYET_SCALAR:
        st = new_node(t, lim, OT_Y_SCALAR, m, &i, err);
        if (st == OT_OK) {
            t->v[i].off = t->text.len;
            t->v[i].is_plain = fy_token_scalar_style(ev->scalar.value) == FYSS_PLAIN;
            st = scalar_text(yaml, ev, &t->text, err);
        }
        if (st == OT_OK) {
            t->v[i].len = t->text.len - t->v[i].off;
            st = ot_buf_putc(&t->text, '\0');
            if (st != OT_OK) {
                return ot_fail(err, st, NULL, "out of memory reading YAML");
            }
            attach(t, stack, *depth, i);
        }
        return st;
    case FYET_MAPPING_START:
    case FYET_SEQUENCE_START:
        if (*depth >= lim->max_depth || *depth >= OT_YAML_DEPTH_CAP) {
            return fail_at(err, OT_E_LIMIT, m, "flatten the nesting: these files nest a few levels",
                           "YAML nested too deeply");
        }
        st = new_node(t, lim, ev->type == FYET_MAPPING_START ? OT_Y_MAP : OT_Y_SEQ, m, &i, err);
        if (st == OT_OK) {
            attach(t, stack, *depth, i);
            stack[*depth] = (struct open){ i, 0 };
            ++*depth;
        }
        return st;
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        if (*depth > 0) {
            --*depth;
        }
        return OT_OK;
    default:
        return OT_OK;
    }
}

/* libfyaml's first diagnostic, "<input>:LINE:COL: error: MESSAGE", captured
 * instead of printed (collecting errors leaks in libfyaml 0.7). */
struct diag_capture {
    char text[512];
    size_t len;
};

static void diag_capture(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    struct diag_capture *c = user;
    (void)diag;
    if (len > sizeof(c->text) - 1 - c->len) {
        len = sizeof(c->text) - 1 - c->len;
    }
    memcpy(c->text + c->len, buf, len);
    c->len += len;
    c->text[c->len] = '\0';
}

static unsigned digits_before(const char *start, const char **p)
{
    unsigned v = 0, mul = 1;
    while (*p > start && (*p)[-1] >= '0' && (*p)[-1] <= '9' && mul <= 100000000) {
        --*p;
        v += (unsigned)(**p - '0') * mul;
        mul *= 10;
    }
    return v;
}

static ot_status parser_error(const struct diag_capture *c, struct ot_error *err)
{
    const char *e = strstr(c->text, ": error: ");
    const char *msg = e ? e + 9 : "syntax error";
    size_t n = strcspn(msg, "\n");
    (void)ot_fail(err, OT_E_PARSE, YAML_FIX, "invalid YAML: %.*s", (int)n, msg);
    if (e != NULL && err != NULL) {
        const char *p = e;
        unsigned col = digits_before(c->text, &p);
        if (p > c->text && p[-1] == ':') {
            p--;
            unsigned line = digits_before(c->text, &p);
            err->line = line;
            err->col = line > 0 ? col : 0;
        }
    }
    return OT_E_PARSE;
}

/* Length of the UTF-8 sequence at @p (RFC 3629: no overlongs, no surrogates), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || (size_t)(end - p) < n || c == 0xc0 || c == 0xc1 || c > 0xf4) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f)) {
        return 0; /* overlong, surrogate or above U+10FFFF */
    }
    return n;
}

/*
 * Files are UTF-8 text without YAML directives or control characters. Checked before
 * libfyaml sees them: libfyaml 0.7.12 loops forever on a '%' directive
 * followed by invalid UTF-8 (found by fuzz_scenario, kept in its corpus).
 */
static ot_status check_text(struct ot_sv yaml, const struct ot_ylimits *lim, struct ot_error *err)
{
    const unsigned char *p = (const unsigned char *)yaml.p, *end = p + yaml.n;
    unsigned line = 1, col = 1;
    while (p < end) {
        size_t n = utf8_len(p, end);
        if (n == 0 || *p == '\0') {
            (void)ot_fail(err, OT_E_PARSE, "save the file as UTF-8 text",
                          "not UTF-8 text (byte 0x%02x)", *p);
            break;
        }
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
            /* YAML 1.2 allows no other C0 control; libfyaml 0.7.12 crashes
             * formatting its own error about some (found by fuzz_config) */
            (void)ot_fail(err, OT_E_PARSE, "remove the control character",
                          "control character 0x%02x (YAML allows tab, newline and carriage "
                          "return only)",
                          *p);
            break;
        }
        if (*p == '%' && col == 1) {
            (void)ot_fail(err, OT_E_PARSE, "remove the directive line",
                          "YAML directives (%%YAML, %%TAG) are not supported in %ss", lim->kind);
            break;
        }
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        p += n;
    }
    if (p == end) {
        return OT_OK;
    }
    if (err != NULL) {
        err->line = line;
        err->col = col;
    }
    return OT_E_PARSE;
}

ot_status ot_ytree_parse_lim(struct ot_sv yaml, const struct ot_ylimits *lim, struct ot_ytree *t,
                             struct ot_error *err)
{
    struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
    struct diag_capture cap = { .len = 0 };
    struct fy_diag_cfg dcfg;
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct open stack[OT_YAML_DEPTH_CAP];
    unsigned depth = 0, docs = 0;
    ot_status st = OT_OK;

    memset(t, 0, sizeof(*t));
    t->text = OT_BUF_INIT(2u * lim->max_bytes);
    if (yaml.n > lim->max_bytes) {
        return ot_fail(err, OT_E_LIMIT, lim->size_fix, "larger than %zu bytes", lim->max_bytes);
    }
    if (check_text(yaml, lim, err) != OT_OK) {
        return OT_E_PARSE;
    }
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_capture;
    dcfg.user = &cap;
    dcfg.colorize = false;
    diag = fy_diag_create(&dcfg);
    if (diag == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory creating the YAML parser");
    }
    cfg.diag = diag;
    fyp = fy_parser_create(&cfg);
    if (fyp == NULL) {
        fy_diag_unref(diag);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory creating the YAML parser");
    }
    if (fy_parser_set_string(fyp, yaml.n ? yaml.p : "", yaml.n) != 0) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading YAML");
        goto out;
    }
    for (;;) {
        struct fy_event *ev = fy_parser_parse(fyp);
        if (ev == NULL) {
            if (fy_parser_get_stream_error(fyp)) {
                st = parser_error(&cap, err);
            }
            break;
        }
        st = on_event(yaml, lim, t, ev, stack, &depth, &docs, err);
        fy_parser_event_free(fyp, ev);
        if (st != OT_OK) {
            break;
        }
    }
    if (st == OT_OK && t->n < 2) {
        st = ot_fail(err, OT_E_PARSE, lim->empty_fix, "the file is empty: no %s in it", lim->kind);
    }
out:
    fy_parser_destroy(fyp);
    fy_diag_unref(diag);
    if (st != OT_OK) {
        ot_ytree_cleanup(t);
    }
    return st;
}

ot_status ot_ytree_fail(const struct ot_ytree *t, uint32_t node, struct ot_error *err, ot_status st,
                        const char *fix, const char *fmt, ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (n < 0) {
        what[0] = '\0';
    }
    (void)ot_fail(err, st, fix, "%s", what);
    if (err != NULL && node != 0) {
        err->line = t->v[node].line;
        err->col = t->v[node].col;
    }
    return st;
}
