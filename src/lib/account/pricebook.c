/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/pricebook.c - the price book: a versioned JSON file of prices,
 * each with its unit, source, date and confidence, plus per-region overrides.
 *
 * Stage: account. Prices are data (data/pricing/ JSON files, compiled in by
 * scripts/embed.sh, or --prices FILE), never constants in code. Amounts are
 * decimal strings ("0.00099") parsed into integer micro-dollars, so no float
 * ever touches money. Input is untrusted: capped at OT_PRICEBOOK_MAX_BYTES
 * and OT_PRICEBOOK_MAX_PRICES; unknown keys are errors so a typo cannot
 * silently drop a price.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "opentrail/account.h"

#include "core/private.h"

__extension__ typedef unsigned __int128 ot_u128;

extern const unsigned char ot_pricebook_json[];
extern const size_t ot_pricebook_json_len;

struct ot_sv ot_pricebook_builtin_json(void)
{
    return (struct ot_sv){ (const char *)ot_pricebook_json, ot_pricebook_json_len };
}

ot_status ot_parse_usd(struct ot_sv s, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    unsigned ndig = 0, nfrac = 0;
    size_t i = 0;
    bool dot = false;

    if (s.n > 0 && s.p[0] == '$') {
        i++;
    }
    for (; i < s.n; i++) {
        char c = s.p[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') {
            return OT_E_PARSE;
        }
        if (dot) {
            if (++nfrac > 6) {
                return OT_E_PARSE; /* finer than a micro-dollar */
            }
            frac = frac * 10 + (c - '0');
        } else {
            if (whole > 100000000) {
                return OT_E_PARSE; /* above $1,000,000,000 */
            }
            whole = whole * 10 + (c - '0');
            ndig++;
        }
    }
    if (ndig == 0 || (dot && nfrac == 0) || whole > 1000000000) {
        return OT_E_PARSE;
    }
    for (unsigned k = nfrac; k < 6; k++) {
        frac *= 10;
    }
    *out = whole * OT_MICROS_PER_USD + frac;
    return OT_OK;
}

void ot_format_usd(int64_t micros, bool exact, char *out, size_t n)
{
    bool neg = micros < 0;
    uint64_t m = neg ? (uint64_t)0 - (uint64_t)micros : (uint64_t)micros;
    uint64_t cents_total = exact ? m / 10000 : (m + 5000) / 10000;
    uint64_t dollars = cents_total / 100, cents = cents_total % 100;
    char digits[32], grouped[48];
    int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)dollars);
    size_t g = 0;
    for (int i = 0; i < nd && g + 2 < sizeof(grouped); i++) {
        if (i > 0 && (nd - i) % 3 == 0) {
            grouped[g++] = ',';
        }
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    if (exact && m % 10000 != 0) {
        /* keep every micro-dollar: $0.000990 */
        (void)snprintf(out, n, "%s$%s.%06llu", neg ? "-" : "", grouped,
                       (unsigned long long)(m % OT_MICROS_PER_USD));
        return;
    }
    (void)snprintf(out, n, "%s$%s.%02llu", neg ? "-" : "", grouped, (unsigned long long)cents);
}

int64_t ot_price_cost(const struct ot_price *p, uint64_t qty, bool qty_is_bytes)
{
    uint64_t free_units = p->free_units;
    if (qty_is_bytes) {
        free_units = free_units > UINT64_MAX / OT_GIB ? UINT64_MAX : free_units * OT_GIB;
    }
    if (qty <= free_units || p->micros <= 0 || p->per == 0) {
        return 0;
    }
    qty -= free_units;
    ot_u128 div = (ot_u128)p->per * (qty_is_bytes ? OT_GIB : 1);
    ot_u128 c = ((ot_u128)qty * (uint64_t)p->micros + div / 2) / div;
    return c > (ot_u128)INT64_MAX ? INT64_MAX : (int64_t)c;
}

void ot_pricebook_free(struct ot_pricebook *pb)
{
    if (pb != NULL) {
        ot_free(pb->v);
        ot_free(pb);
    }
}

const struct ot_price *ot_pricebook_get(const struct ot_pricebook *pb, const char *id)
{
    for (size_t i = 0; pb != NULL && i < pb->n; i++) {
        if (strcmp(pb->v[i].id, id) == 0) {
            return &pb->v[i];
        }
    }
    return NULL;
}

/* ---- reading ----------------------------------------------------------- */

#define PB_FIX "see docs/cost.md, section 'Price book', for the format"

static ot_status copy_str(json_t *obj, const char *key, bool required, char *dst, size_t n,
                          const char *ctx, struct ot_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL && !required) {
        return OT_OK;
    }
    if (!json_is_string(v)) {
        return ot_fail(err, OT_E_USAGE, PB_FIX, "%s: \"%s\" must be a string", ctx, key);
    }
    if (json_string_length(v) >= n) {
        return ot_fail(err, OT_E_LIMIT, PB_FIX, "%s: \"%s\" is longer than %zu bytes", ctx, key,
                       n - 1);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return OT_OK;
}

static ot_status get_u64(json_t *obj, const char *key, uint64_t max, uint64_t *out, const char *ctx,
                         struct ot_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        return OT_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        return ot_fail(err, OT_E_USAGE, PB_FIX, "%s: \"%s\" must be a whole number from 0 to %llu",
                       ctx, key, (unsigned long long)max);
    }
    *out = (uint64_t)json_integer_value(v);
    return OT_OK;
}

static ot_status check_keys(json_t *obj, const char *const *allowed, const char *ctx,
                            struct ot_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++) {
            ok = strcmp(k, allowed[i]) == 0;
        }
        if (!ok) {
            return ot_fail(err, OT_E_USAGE, PB_FIX, "%s: unknown key \"%s\"", ctx, k);
        }
    }
    return OT_OK;
}

/* usd, source, as_of, confidence: shared by prices and region overrides */
static ot_status read_amount(json_t *o, struct ot_price *p, const char *ctx, struct ot_error *err)
{
    json_t *usd = json_object_get(o, "usd");
    if (!json_is_string(usd) || ot_parse_usd(ot_sv_cstr(json_string_value(usd)), &p->micros)) {
        return ot_fail(err, OT_E_USAGE, "write the price as a decimal string such as \"0.023\"",
                       "%s: \"usd\" must be a decimal string with at most 6 decimals", ctx);
    }
    ot_status st = copy_str(o, "source", true, p->source, sizeof(p->source), ctx, err);
    if (st == OT_OK) {
        st = copy_str(o, "as_of", true, p->as_of, sizeof(p->as_of), ctx, err);
    }
    if (st == OT_OK) {
        st = copy_str(o, "confidence", false, p->confidence, sizeof(p->confidence), ctx, err);
    }
    return st;
}

static ot_status read_price(json_t *o, size_t i, struct ot_price *p, struct ot_error *err)
{
    static const char *const keys[] = { "id",   "item",           "usd",      "per",
                                        "unit", "source",         "as_of",    "confidence",
                                        "note", "free_per_month", "min_days", NULL };
    char ctx[64];
    (void)snprintf(ctx, sizeof(ctx), "prices[%zu]", i);
    if (!json_is_object(o)) {
        return ot_fail(err, OT_E_USAGE, PB_FIX, "%s must be an object", ctx);
    }
    uint64_t min_days = 0;
    ot_status st = check_keys(o, keys, ctx, err);
    if (st == OT_OK) {
        st = copy_str(o, "id", true, p->id, sizeof(p->id), ctx, err);
    }
    if (st == OT_OK) {
        (void)snprintf(ctx, sizeof(ctx), "price %s", p->id);
        st = copy_str(o, "item", true, p->item, sizeof(p->item), ctx, err);
    }
    if (st == OT_OK) {
        st = copy_str(o, "unit", true, p->unit, sizeof(p->unit), ctx, err);
    }
    if (st == OT_OK) {
        p->per = 1;
        st = get_u64(o, "per", 1000000000, &p->per, ctx, err);
        if (st == OT_OK && p->per == 0) {
            st = ot_fail(err, OT_E_USAGE, PB_FIX, "%s: \"per\" must be at least 1", ctx);
        }
    }
    if (st == OT_OK) {
        st = get_u64(o, "free_per_month", OT_SCN_MAX_QUANTITY, &p->free_units, ctx, err);
    }
    if (st == OT_OK) {
        st = get_u64(o, "min_days", 3650, &min_days, ctx, err);
        p->min_days = (unsigned)min_days;
    }
    if (st == OT_OK) {
        st = read_amount(o, p, ctx, err);
    }
    return st;
}

static ot_status apply_region(struct ot_pricebook *pb, json_t *root, const char *region,
                              struct ot_error *err)
{
    json_t *regions = json_object_get(root, "regions");
    if (region == NULL || region[0] == '\0' || strcmp(region, pb->region) == 0) {
        return OT_OK;
    }
    json_t *ov = json_object_get(regions, region);
    if (!json_is_object(ov)) {
        return ot_fail(err, OT_E_USAGE,
                       "add the region's prices under \"regions\" in a price book (--prices)",
                       "the price book has no prices for region %s", region);
    }
    const char *id;
    json_t *o;
    json_object_foreach(ov, id, o)
    {
        static const char *const keys[] = { "usd", "source", "as_of", "confidence", "note", NULL };
        char ctx[96];
        (void)snprintf(ctx, sizeof(ctx), "regions.%.32s.%.48s", region, id);
        struct ot_price *p = NULL;
        for (size_t i = 0; i < pb->n && p == NULL; i++) {
            p = strcmp(pb->v[i].id, id) == 0 ? &pb->v[i] : NULL;
        }
        if (p == NULL) {
            return ot_fail(err, OT_E_USAGE, "an override must name a price of \"prices\"",
                           "%s: no such price", ctx);
        }
        if (!json_is_object(o)) {
            return ot_fail(err, OT_E_USAGE, PB_FIX, "%s must be an object", ctx);
        }
        p->confidence[0] = '\0';
        ot_status st = check_keys(o, keys, ctx, err);
        if (st == OT_OK) {
            st = read_amount(o, p, ctx, err);
        }
        if (st != OT_OK) {
            return st;
        }
    }
    (void)snprintf(pb->region, sizeof(pb->region), "%s", region);
    return OT_OK;
}

static ot_status read_book(json_t *root, const char *region, struct ot_pricebook *pb,
                           struct ot_error *err)
{
    static const char *const keys[] = { "format", "version", "region",  "currency",
                                        "about",  "prices",  "regions", NULL };
    if (!json_is_object(root)) {
        return ot_fail(err, OT_E_USAGE, PB_FIX, "a price book is a JSON object");
    }
    ot_status st = check_keys(root, keys, "price book", err);
    json_t *fmt = json_object_get(root, "format");
    if (st == OT_OK &&
        (!json_is_string(fmt) || strcmp(json_string_value(fmt), "opentrail-pricebook/1") != 0)) {
        st = ot_fail(err, OT_E_USAGE, "set \"format\": \"opentrail-pricebook/1\"",
                     "not an opentrail price book (format)");
    }
    if (st == OT_OK) {
        st = copy_str(root, "version", true, pb->version, sizeof(pb->version), "price book", err);
    }
    if (st == OT_OK) {
        st = copy_str(root, "region", true, pb->region, sizeof(pb->region), "price book", err);
    }
    if (st == OT_OK) {
        st =
            copy_str(root, "currency", true, pb->currency, sizeof(pb->currency), "price book", err);
    }
    if (st == OT_OK) {
        st = copy_str(root, "about", false, pb->about, sizeof(pb->about), "price book", err);
    }
    json_t *prices = json_object_get(root, "prices");
    if (st == OT_OK && (!json_is_array(prices) || json_array_size(prices) == 0)) {
        st = ot_fail(err, OT_E_USAGE, PB_FIX, "\"prices\" must be a non-empty array");
    }
    if (st == OT_OK && json_array_size(prices) > OT_PRICEBOOK_MAX_PRICES) {
        st = ot_fail(err, OT_E_LIMIT, "split the book", "more than %u prices",
                     OT_PRICEBOOK_MAX_PRICES);
    }
    if (st == OT_OK) {
        pb->v = ot_calloc(json_array_size(prices), sizeof(*pb->v));
        if (pb->v == NULL) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading the price book");
        }
    }
    for (size_t i = 0; st == OT_OK && i < json_array_size(prices); i++) {
        st = read_price(json_array_get(prices, i), i, &pb->v[i], err);
        for (size_t j = 0; st == OT_OK && j < i; j++) {
            if (strcmp(pb->v[j].id, pb->v[i].id) == 0) {
                st = ot_fail(err, OT_E_USAGE, "give each price its own id",
                             "price %s is listed twice", pb->v[i].id);
            }
        }
        pb->n = i + 1;
    }
    if (st == OT_OK) {
        st = apply_region(pb, root, region, err);
    }
    return st;
}

ot_status ot_pricebook_parse(struct ot_sv json, const char *region, struct ot_pricebook **out,
                             struct ot_error *err)
{
    json_error_t je;
    json_t *root = NULL;
    struct ot_pricebook *pb = NULL;
    ot_status st = OT_OK;

    if (json.n > OT_PRICEBOOK_MAX_BYTES) {
        st = ot_fail(err, OT_E_LIMIT, "a price book is a few KB: is this the right file?",
                     "price book larger than %u bytes", OT_PRICEBOOK_MAX_BYTES);
        goto out;
    }
    root = json_loadb(json.p, json.n, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        st = ot_fail(err, OT_E_PARSE, "fix the JSON syntax", "invalid JSON: %s", je.text);
        if (err != NULL) {
            err->line = je.line > 0 ? (unsigned)je.line : 0;
            err->col = je.column > 0 ? (unsigned)je.column : 0;
        }
        goto out;
    }
    pb = ot_calloc(1, sizeof(*pb));
    if (pb == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading the price book");
        goto out;
    }
    st = read_book(root, region, pb, err);
    if (st != OT_OK) {
        goto out;
    }
    *out = pb;
    pb = NULL;
out:
    ot_pricebook_free(pb);
    json_decref(root);
    return st;
}

ot_status ot_pricebook_builtin(const char *region, struct ot_pricebook **out, struct ot_error *err)
{
    ot_status st = ot_pricebook_parse(ot_pricebook_builtin_json(), region, out, err);
    if (st != OT_OK) {
        ot_error_at(err, "built-in price book");
    }
    return st;
}
