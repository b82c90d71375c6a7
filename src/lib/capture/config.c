/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/config.c - opentrail.yaml into struct ot_config, by the key tables.
 *
 * Stage: capture. One walk applies config_keys.c's tables to the YAML tree
 * (core/ytree.h): unknown keys are errors (with the nearest spelling), each
 * value is checked for its type and range, defaults fill what is absent, and
 * each section's hook checks what spans keys. The same tables print the
 * effective config (secrets <redacted>) and docs/config.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/config_int.h"
#include "select/select_int.h"

#include "core/private.h"

#define AT(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))

ot_status ot_conf_fail(struct cfg_walk *w, uint32_t node, ot_status st, const char *fix,
                       const char *fmt, ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ot_ytree_fail(w->t, node, w->err, st, fix, "%s", n < 0 ? "" : what);
}

static const char *ytext(const struct cfg_walk *w, uint32_t i)
{
    return ot_yscalar(w->t, i);
}

/* `Key:`, `Key: ~` and `Key: null` leave the default in place. */
static bool is_null(const struct cfg_walk *w, uint32_t i)
{
    if (i == 0 || w->t->v[i].type != OT_Y_SCALAR || !w->t->v[i].is_plain) {
        return false;
    }
    const char *s = ytext(w, i);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

static const char *type_name(const struct ot_conf_key *k)
{
    switch (k->type) {
    case CFK_STR:
        return "string";
    case CFK_SECRET:
        return "secret string";
    case CFK_BOOL:
        return "true or false";
    case CFK_U64:
        return "whole number";
    case CFK_SIZE:
        return "size (K, M, G suffixes)";
    case CFK_DOUBLE:
        return "number";
    case CFK_ENUM:
        return "one of the values listed";
    case CFK_STRS:
        return "list of strings";
    case CFK_MAP:
        return "mapping of strings";
    case CFK_SECTION:
        return "mapping";
    case CFK_ARRAY:
        return "list of mappings";
    case CFK_NODE:
        return "selectors";
    }
    return "value";
}

static ot_status dup_str(struct cfg_walk *w, uint32_t node, const char *s, size_t n, char **out)
{
    char *d = ot_strndup(s, n);
    if (d == NULL) {
        return ot_conf_fail(w, node, OT_E_NOMEM, NULL, "out of memory reading the config");
    }
    ot_free(*out); /* a default replaced */
    *out = d;
    return OT_OK;
}

static ot_status enum_fix(struct cfg_walk *w, uint32_t node, const struct ot_conf_key *k,
                          const char *ctx, const char *v)
{
    char fix[192];
    size_t n = (size_t)snprintf(fix, sizeof(fix), "write one of:");
    for (size_t i = 0; k->choices[i] != NULL && n < sizeof(fix); i++) {
        int m = snprintf(fix + n, sizeof(fix) - n, " %s", k->choices[i]);
        n += m > 0 ? (size_t)m : 0;
    }
    return ot_conf_fail(w, node, OT_E_USAGE, fix, "%s: \"%.60s\" is not a valid %s", ctx, v,
                        k->name);
}

/* One scalar @s (from @node, or 0 for a default) into @obj per @k. */
static ot_status set_scalar(struct cfg_walk *w, const struct ot_conf_key *k, void *obj,
                            uint32_t node, const char *s, size_t n, const char *ctx)
{
    switch (k->type) {
    case CFK_STR:
    case CFK_SECRET:
        return dup_str(w, node, s, n, AT(obj, k->off, char *));
    case CFK_BOOL:
        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
            *AT(obj, k->off, bool) = s[0] == 't';
            return OT_OK;
        }
        return ot_conf_fail(w, node, OT_E_USAGE, "write true or false",
                            "%s must be true or false, not \"%.60s\"", ctx, s);
    case CFK_U64:
    case CFK_SIZE: {
        uint64_t v = 0;
        ot_status st = ot_parse_u64((struct ot_sv){ s, n }, k->max, k->type == CFK_SIZE, &v);
        if (st != OT_OK || v < k->min) {
            char fix[96];
            (void)snprintf(fix, sizeof(fix), "write a whole number from %llu to %llu%s",
                           (unsigned long long)k->min, (unsigned long long)k->max,
                           k->type == CFK_SIZE ? " (K, M, G suffixes)" : "");
            return ot_conf_fail(w, node, OT_E_USAGE, fix, "%s: \"%.60s\" is out of range", ctx, s);
        }
        *AT(obj, k->off, uint64_t) = v;
        return OT_OK;
    }
    case CFK_DOUBLE: {
        char tmp[64], *end = NULL;
        if (n == 0 || n >= sizeof(tmp)) {
            return ot_conf_fail(w, node, OT_E_USAGE, "write a number such as 0 or 1.5",
                                "%s must be a number", ctx);
        }
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        errno = 0;
        double d = strtod(tmp, &end);
        if (end == tmp || *end != '\0' || errno != 0 || !isfinite(d)) {
            return ot_conf_fail(w, node, OT_E_USAGE, "write a number such as 0 or 1.5",
                                "%s must be a number, not \"%.60s\"", ctx, s);
        }
        *AT(obj, k->off, double) = d;
        if (k->has_off != 0) {
            *AT(obj, k->has_off - 1, bool) = true;
        }
        return OT_OK;
    }
    case CFK_ENUM:
        for (int i = 0; k->choices[i] != NULL; i++) {
            if (strcmp(k->choices[i], s) == 0) {
                *AT(obj, k->off, int) = i;
                return OT_OK;
            }
        }
        return enum_fix(w, node, k, ctx, s);
    case CFK_STRS:
    case CFK_MAP:
    case CFK_SECTION:
    case CFK_ARRAY:
    case CFK_NODE:
        break;
    }
    return ot_conf_fail(w, node, OT_E_USAGE, "see docs/config.md", "%s must be a %s", ctx,
                        type_name(k));
}

static ot_status walk_map(struct cfg_walk *w, const struct ot_conf_key *keys, void *obj,
                          uint32_t node, const char *ctx);

static ot_status set_strs(struct cfg_walk *w, const struct ot_conf_key *k, void *obj, uint32_t node,
                          const char *ctx)
{
    struct ot_conf_strs *l = AT(obj, k->off, struct ot_conf_strs);
    const struct ot_ynode *y = &w->t->v[node];
    if (y->type != OT_Y_SEQ) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a list: [a, b]", "%s must be a list", ctx);
    }
    if (y->count > OT_CONFIG_MAX_ITEMS) {
        return ot_conf_fail(w, node, OT_E_LIMIT, "use fewer entries", "%s has more than %u entries",
                            ctx, OT_CONFIG_MAX_ITEMS);
    }
    l->v = ot_calloc(y->count ? y->count : 1, sizeof(char *));
    if (l->v == NULL) {
        return ot_conf_fail(w, node, OT_E_NOMEM, NULL, "out of memory reading the config");
    }
    for (uint32_t c = y->first; c != 0; c = w->t->v[c].next) {
        if (w->t->v[c].type != OT_Y_SCALAR) {
            return ot_conf_fail(w, c, OT_E_USAGE, "write each entry as a string",
                                "%s[%u] must be a string", ctx, l->n);
        }
        ot_status st = dup_str(w, c, ytext(w, c), w->t->v[c].len, &l->v[l->n]);
        if (st != OT_OK) {
            return st;
        }
        l->n++;
    }
    return OT_OK;
}

static ot_status set_map(struct cfg_walk *w, const struct ot_conf_key *k, void *obj, uint32_t node,
                         const char *ctx)
{
    struct ot_conf_map *m = AT(obj, k->off, struct ot_conf_map);
    const struct ot_ynode *y = &w->t->v[node];
    if (y->type != OT_Y_MAP) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a mapping: {Name: value}",
                            "%s must be a mapping", ctx);
    }
    uint32_t n = y->count / 2;
    m->k = ot_calloc(n ? n : 1, sizeof(char *));
    m->v = ot_calloc(n ? n : 1, sizeof(char *));
    if (m->k == NULL || m->v == NULL) {
        return ot_conf_fail(w, node, OT_E_NOMEM, NULL, "out of memory reading the config");
    }
    for (uint32_t c = y->first; c != 0; c = w->t->v[w->t->v[c].next].next) {
        uint32_t v = w->t->v[c].next;
        if (w->t->v[c].type != OT_Y_SCALAR || w->t->v[v].type != OT_Y_SCALAR) {
            return ot_conf_fail(w, c, OT_E_USAGE, "write name: value pairs",
                                "%s: each entry must be a string name and a string value", ctx);
        }
        ot_status st = dup_str(w, c, ytext(w, c), w->t->v[c].len, &m->k[m->n]);
        if (st == OT_OK) {
            st = dup_str(w, v, ytext(w, v), w->t->v[v].len, &m->v[m->n]);
        }
        m->n += st == OT_OK || m->k[m->n] != NULL;
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

static ot_status set_array(struct cfg_walk *w, const struct ot_conf_key *k, void *obj,
                           uint32_t node, const char *ctx)
{
    const struct ot_ynode *y = &w->t->v[node];
    void **arr = AT(obj, k->off, void *);
    uint32_t *count = AT(obj, k->count_off, uint32_t);
    if (y->type != OT_Y_SEQ) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a list of mappings: - Name: ...",
                            "%s must be a list", ctx);
    }
    if (y->count > OT_CONFIG_MAX_ITEMS) {
        return ot_conf_fail(w, node, OT_E_LIMIT, "split the daemon's work over several configs",
                            "%s has more than %u entries", ctx, OT_CONFIG_MAX_ITEMS);
    }
    *arr = ot_calloc(y->count ? y->count : 1, k->elem_size);
    if (*arr == NULL) {
        return ot_conf_fail(w, node, OT_E_NOMEM, NULL, "out of memory reading the config");
    }
    for (uint32_t c = y->first; c != 0; c = w->t->v[c].next) {
        char ectx[192];
        void *elem = (char *)*arr + (size_t)*count * k->elem_size;
        (void)snprintf(ectx, sizeof(ectx), "%.160s[%u]", ctx, *count);
        ++*count; /* counted before filling: a half-filled element is freed too */
        ot_status st = walk_map(w, k->sub, elem, c, ectx);
        if (st == OT_OK && k->check != NULL) {
            st = k->check(w, elem, c, ectx);
        }
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

/* Edit distance with transpositions (optimal string alignment) of two short
 * strings; anything over 64 bytes counts as far. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    size_t d[65][65];
    if (n > 64 || m > 64) {
        return SIZE_MAX;
    }
    for (size_t i = 0; i <= n; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= m; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j - 1] + cost;
            v = d[i - 1][j] + 1 < v ? d[i - 1][j] + 1 : v;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[n][m];
}

/* The nearest key: same letters in another case, or at most two edits away. */
static const char *nearest(const struct ot_conf_key *keys, const char *s)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (const struct ot_conf_key *k = keys; k->name != NULL; k++) {
        if (strcasecmp(k->name, s) == 0) {
            return k->name;
        }
        size_t dist = distance(k->name, s);
        if (dist < best_d) {
            best_d = dist;
            best = k->name;
        }
    }
    return best;
}

static ot_status unknown_key(struct cfg_walk *w, const struct ot_conf_key *keys, uint32_t node,
                             const char *ctx)
{
    const char *key = ytext(w, node);
    const char *near = nearest(keys, key);
    char fix[192];
    if (near != NULL) {
        (void)snprintf(fix, sizeof(fix), "did you mean %s? (keys are case-sensitive)", near);
    } else {
        size_t n = (size_t)snprintf(fix, sizeof(fix), "the keys here are:");
        for (const struct ot_conf_key *k = keys; k->name != NULL && n < sizeof(fix); k++) {
            int m = snprintf(fix + n, sizeof(fix) - n, " %s", k->name);
            n += m > 0 ? (size_t)m : 0;
        }
    }
    return ot_conf_fail(w, node, OT_E_USAGE, fix, "%s%sunknown key \"%.60s\"", ctx,
                        ctx[0] ? ": " : "", key);
}

static ot_status set_value(struct cfg_walk *w, const struct ot_conf_key *k, void *obj, uint32_t v,
                           const char *ctx)
{
    switch (k->type) {
    case CFK_STRS:
        return set_strs(w, k, obj, v, ctx);
    case CFK_MAP:
        return set_map(w, k, obj, v, ctx);
    case CFK_SECTION: {
        ot_status st = walk_map(w, k->sub, AT(obj, k->off, void), v, ctx);
        return st == OT_OK && k->check != NULL ? k->check(w, AT(obj, k->off, void), v, ctx) : st;
    }
    case CFK_ARRAY:
        return set_array(w, k, obj, v, ctx);
    case CFK_NODE:
        *AT(obj, k->off, uint32_t) = v;
        return OT_OK;
    default:
        if (w->t->v[v].type != OT_Y_SCALAR) {
            return ot_conf_fail(w, v, OT_E_USAGE, "see docs/config.md", "%s must be a %s", ctx,
                                type_name(k));
        }
        if (k->type == CFK_STR && w->t->v[v].len == 0 && k->required) {
            return ot_conf_fail(w, v, OT_E_USAGE, "give it a value", "%s must not be empty", ctx);
        }
        return set_scalar(w, k, obj, v, ytext(w, v), w->t->v[v].len, ctx);
    }
}

static ot_status walk_map(struct cfg_walk *w, const struct ot_conf_key *keys, void *obj,
                          uint32_t node, const char *ctx)
{
    bool seen[48] = { false };
    size_t nkeys = 0;
    while (keys[nkeys].name != NULL) {
        nkeys++;
    }
    if (nkeys > sizeof(seen)) {
        return ot_conf_fail(w, node, OT_E_USAGE, NULL, "internal: key table too long");
    }
    if (node != 0 && !is_null(w, node) && w->t->v[node].type != OT_Y_MAP) {
        return ot_conf_fail(w, node, OT_E_USAGE, "write a mapping of keys (Key: value)",
                            "%s must be a mapping", ctx[0] ? ctx : "the config");
    }
    uint32_t first = node != 0 && w->t->v[node].type == OT_Y_MAP ? w->t->v[node].first : 0;
    for (uint32_t c = first; c != 0; c = w->t->v[w->t->v[c].next].next) {
        uint32_t v = w->t->v[c].next;
        const char *key = ytext(w, c);
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i].name, key) != 0) {
            i++;
        }
        if (i == nkeys) {
            return unknown_key(w, keys, c, ctx);
        }
        if (seen[i]) {
            return ot_conf_fail(w, c, OT_E_USAGE, "keep one of them", "%s%s%s appears twice", ctx,
                                ctx[0] ? "." : "", key);
        }
        seen[i] = true;
        if (is_null(w, v) && keys[i].type != CFK_NODE) {
            continue; /* the default applies */
        }
        char kctx[192];
        (void)snprintf(kctx, sizeof(kctx), "%.120s%s%.60s", ctx, ctx[0] ? "." : "", key);
        if (keys[i].has_off != 0 && keys[i].type != CFK_DOUBLE) {
            *AT(obj, keys[i].has_off - 1, bool) = true;
        }
        ot_status st = set_value(w, &keys[i], obj, v, kctx);
        if (st != OT_OK) {
            return st;
        }
        seen[i] = true;
    }
    for (size_t i = 0; i < nkeys; i++) {
        const struct ot_conf_key *k = &keys[i];
        char kctx[192];
        (void)snprintf(kctx, sizeof(kctx), "%.120s%s%.60s", ctx, ctx[0] ? "." : "", k->name);
        bool present = false;
        for (uint32_t c = first; c != 0; c = w->t->v[w->t->v[c].next].next) {
            if (strcmp(ytext(w, c), k->name) == 0 && !is_null(w, w->t->v[c].next)) {
                present = true;
            }
        }
        if (present) {
            continue;
        }
        if (k->required) {
            char fix[160];
            (void)snprintf(fix, sizeof(fix), "add %s: (%s)", k->name, type_name(k));
            return ot_conf_fail(w, node, OT_E_USAGE, fix, "%s is required", kctx);
        }
        if (k->type == CFK_SECTION) {
            ot_status st = walk_map(w, k->sub, AT(obj, k->off, void), 0, kctx);
            if (st == OT_OK && k->check != NULL) {
                st = k->check(w, AT(obj, k->off, void), node, kctx);
            }
            if (st != OT_OK) {
                return st;
            }
        } else if (k->def != NULL) {
            ot_status st = set_scalar(w, k, obj, 0, k->def, strlen(k->def), kctx);
            if (st != OT_OK) {
                return st;
            }
        }
    }
    return OT_OK;
}

/* ---- freeing ------------------------------------------------------------ */

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        ot_free(s);
    }
}

static void free_obj(const struct ot_conf_key *keys, void *obj)
{
    for (const struct ot_conf_key *k = keys; k->name != NULL; k++) {
        switch (k->type) {
        case CFK_STR:
            ot_free(*AT(obj, k->off, char *));
            break;
        case CFK_SECRET:
            wipe_free(*AT(obj, k->off, char *));
            break;
        case CFK_STRS: {
            struct ot_conf_strs *l = AT(obj, k->off, struct ot_conf_strs);
            for (uint32_t i = 0; i < l->n; i++) {
                ot_free(l->v[i]);
            }
            ot_free(l->v);
            break;
        }
        case CFK_MAP: {
            struct ot_conf_map *m = AT(obj, k->off, struct ot_conf_map);
            for (uint32_t i = 0; i < m->n; i++) {
                ot_free(m->k[i]);
                ot_free(m->v[i]);
            }
            ot_free(m->k);
            ot_free(m->v);
            break;
        }
        case CFK_SECTION:
            free_obj(k->sub, AT(obj, k->off, void));
            break;
        case CFK_ARRAY: {
            char *arr = *AT(obj, k->off, char *);
            uint32_t n = *AT(obj, k->count_off, uint32_t);
            for (uint32_t i = 0; i < n; i++) {
                free_obj(k->sub, arr + (size_t)i * k->elem_size);
            }
            ot_free(arr);
            break;
        }
        default:
            break;
        }
    }
}

void ot_config_free(struct ot_config *c)
{
    if (c == NULL) {
        return;
    }
    for (uint32_t i = 0; i < c->ntrails; i++) {
        ot_selectors_free(c->trails[i].selectors);
    }
    for (uint32_t i = 0; i < c->nmetric_filters; i++) {
        ot_metric_filter_free(c->metric_filters[i].compiled);
    }
    free_obj(ot_conf_root_keys, c);
    ot_free(c);
}

/* ---- reading ------------------------------------------------------------ */

ot_status ot_config_parse(struct ot_sv yaml, const char *path, struct ot_config **out,
                          struct ot_error *err)
{
    static const struct ot_ylimits lim = {
        .max_bytes = OT_CONFIG_MAX_BYTES,
        .max_nodes = OT_CONFIG_MAX_NODES,
        .max_depth = OT_CONFIG_MAX_DEPTH,
        .kind = "config",
        .size_fix = "a config is a few KB: is this the right file?",
        .empty_fix = "write one with `opentrail config init` (docs/config.md)",
    };
    struct ot_ytree t;
    struct ot_config *c = NULL;
    ot_status st = ot_ytree_parse_lim(yaml, &lim, &t, err);
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
        return st;
    }
    struct cfg_walk w = { .t = &t, .err = err };
    c = ot_calloc(1, sizeof(*c));
    if (c == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading the config");
        goto out;
    }
    w.cfg = c;
    st = walk_map(&w, ot_conf_root_keys, c, 1, "");
    if (st == OT_OK) {
        st = ot_conf_check_all(&w);
    }
out:
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
        ot_config_free(c);
        c = NULL;
    }
    ot_ytree_cleanup(&t);
    if (st == OT_OK) {
        *out = c;
    }
    return st;
}

static bool has_secrets(const struct ot_config *c)
{
    bool any = c->nkeys > 0 || c->storage.secret_access_key != NULL;
    for (uint32_t i = 0; i < c->nnotifiers && !any; i++) {
        any = c->notifiers[i].url != NULL || c->notifiers[i].secret != NULL ||
              c->notifiers[i].password != NULL;
    }
    for (uint32_t i = 0; i < c->ntrails && !any; i++) {
        any = c->trails[i].storage.secret_access_key != NULL;
    }
    return any;
}

ot_status ot_config_load(const char *path, struct ot_config **out, struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_CONFIG_MAX_BYTES + 1);
    ot_status st = OT_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        (void)ot_fail(err, OT_E_IO, "write one with `opentrail config init`, or pass --config",
                      "cannot open the config: %s", strerror(e));
        if (err != NULL) {
            err->sys_errno = e;
        }
        ot_error_at(err, "%s", path);
        return OT_E_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = ot_fail(err, OT_E_IO, "check the file", "cannot stat the config: %s", strerror(errno));
    }
    for (; st == OT_OK;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            st = ot_fail(err, OT_E_IO, "check the file", "cannot read the config: %s",
                         strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        st = ot_buf_append(&b, chunk, (size_t)n);
        if (st != OT_OK) {
            st = st == OT_E_LIMIT ? ot_fail(err, st, "a config is a few KB: is this the file?",
                                            "larger than %u bytes", OT_CONFIG_MAX_BYTES)
                                  : ot_fail(err, st, NULL, "out of memory reading the config");
            break;
        }
    }
    if (close(fd) != 0 && st == OT_OK) {
        st = ot_fail(err, OT_E_IO, "check the file", "cannot close the config");
    }
    if (st == OT_OK) {
        struct ot_config *c = NULL;
        st = ot_config_parse(ot_buf_sv(&b), path, &c, err);
        if (st == OT_OK && (sb.st_mode & 077) != 0 && has_secrets(c)) {
            /* as ssh refuses a private key others can read */
            st = ot_fail(err, OT_E_USAGE, "chmod 600 the file (it holds access keys)",
                         "the config holds secrets and is readable by others (mode %03o)",
                         (unsigned)(sb.st_mode & 0777));
            ot_error_at(err, "%s", path);
            ot_config_free(c);
            c = NULL;
        }
        if (st == OT_OK) {
            *out = c;
        }
    } else {
        ot_error_at(err, "%s", path);
    }
    ot_buf_cleanup(&b);
    return st;
}

const struct ot_conf_trail *ot_config_trail(const struct ot_config *c, const char *name)
{
    for (uint32_t i = 0; i < c->ntrails; i++) {
        if (strcmp(c->trails[i].name, name) == 0) {
            return &c->trails[i];
        }
    }
    return NULL;
}

const struct ot_conf_storage *ot_config_trail_storage(const struct ot_config *c,
                                                      const struct ot_conf_trail *t)
{
    return t->has_storage ? &t->storage : &c->storage;
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool ot_config_storage_same(const struct ot_conf_storage *a, const struct ot_conf_storage *b)
{
    if (a->backend != b->backend) {
        return false;
    }
    if (a->backend == OT_STORAGE_LOCAL) {
        return true; /* one local store: <data>/buckets */
    }
    return same_str(a->endpoint, b->endpoint) && same_str(a->region, b->region) &&
           a->has_sse == b->has_sse && (!a->has_sse || a->sse == b->sse) &&
           same_str(a->kms_key_id, b->kms_key_id) && a->virtual_host == b->virtual_host &&
           same_str(a->access_key_id, b->access_key_id) &&
           same_str(a->secret_access_key, b->secret_access_key) &&
           same_str(a->session_token, b->session_token) &&
           same_str(a->credentials_profile, b->credentials_profile) &&
           same_str(a->credentials_file, b->credentials_file) &&
           a->storage_classes == b->storage_classes && a->timeout_seconds == b->timeout_seconds &&
           a->retry_for_seconds == b->retry_for_seconds;
}

void ot_config_trail_scope(const struct ot_conf_trail *t, struct ot_trail_scope *out)
{
    *out = (struct ot_trail_scope){
        .home_region = t->home_region,
        .account_id = t->account,
        .is_multi_region = t->is_multi_region_trail,
        .include_global = t->include_global_service_events,
        .is_organization = t->is_organization_trail,
    };
}
