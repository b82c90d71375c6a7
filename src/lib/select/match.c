/* SPDX-License-Identifier: Apache-2.0 */
/*
 * select/match.c - does a trail keep a record: scope, then selectors.
 *
 * Stage: select. Pure functions over struct ot_record: no allocation, no
 * state, so the daemon's delivery threads share one compiled trail. String
 * comparisons are exact and case-sensitive on the decoded JSON string; a
 * record string holding escapes is decoded into a bounded stack buffer
 * (SEL_DECODE_MAX), and one longer than that counts as absent.
 */
#include <string.h>

#include "select/select_int.h"

#include "core/private.h"

#define SEL_DECODE_MAX 4096u

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) {
            return false;
        }
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

/* Decode JSON string bytes @in into @buf (SEL_DECODE_MAX); false if too long or malformed. */
static bool decode(struct ot_sv in, char *buf, struct ot_sv *out)
{
    size_t n = 0;
    const char *p = in.p, *end = in.p + in.n;
    while (p < end) {
        char tmp[4];
        size_t k = 1;
        if (*p != '\\') {
            tmp[0] = *p++;
        } else if (end - p < 2) {
            return false;
        } else {
            char c = p[1];
            p += 2;
            if (c == 'u') {
                unsigned cp = 0, lo = 0;
                if (!hex4(p, end, &cp)) {
                    return false;
                }
                p += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                    hex4(p + 2, end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
                if (cp < 0x80) {
                    tmp[0] = (char)cp;
                } else if (cp < 0x800) {
                    tmp[0] = (char)(0xc0 | (cp >> 6));
                    tmp[1] = (char)(0x80 | (cp & 0x3f));
                    k = 2;
                } else if (cp < 0x10000) {
                    tmp[0] = (char)(0xe0 | (cp >> 12));
                    tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    tmp[2] = (char)(0x80 | (cp & 0x3f));
                    k = 3;
                } else {
                    tmp[0] = (char)(0xf0 | (cp >> 18));
                    tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                    tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    tmp[3] = (char)(0x80 | (cp & 0x3f));
                    k = 4;
                }
            } else {
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                const char *q = strchr(from, c);
                if (q == NULL || c == '\0') {
                    return false;
                }
                tmp[0] = to[q - from];
            }
        }
        if (k > SEL_DECODE_MAX - n) {
            return false;
        }
        memcpy(buf + n, tmp, k);
        n += k;
    }
    *out = (struct ot_sv){ buf, n };
    return true;
}

/*
 * @v as the text selectors compare: decoded strings; true/false as "true" /
 * "false" (readOnly is a JSON boolean). False when absent or not comparable.
 */
static bool value_text(struct ot_value v, char *buf, struct ot_sv *out)
{
    if (v.type == OT_TRUE) {
        *out = OT_SV_LIT("true");
        return true;
    }
    if (v.type == OT_FALSE) {
        *out = OT_SV_LIT("false");
        return true;
    }
    if (v.type != OT_STRING) {
        return false;
    }
    struct ot_sv raw = ot_value_raw(v);
    if (!v.rec->nodes[v.node].has_escape) {
        *out = raw;
        return true;
    }
    return decode(raw, buf, out);
}

static struct ot_value member(struct ot_value obj, const char *key)
{
    return ot_value_member(obj, ot_sv_cstr(key));
}

/* The record's category as selectors see it: eventCategory, else inferred. */
static struct ot_sv category(const struct ot_record *rec, char *buf)
{
    struct ot_value root = ot_record_root(rec);
    struct ot_sv s;
    if (value_text(member(root, "eventCategory"), buf, &s)) {
        return s;
    }
    /* older records have no eventCategory: managementEvent tells, VPC endpoint
     * events are network activity */
    struct ot_value mgmt = member(root, "managementEvent");
    if (ot_value_str_eq(member(root, "eventType"), OT_SV_LIT("AwsVpceEvent"))) {
        return OT_SV_LIT("NetworkActivity");
    }
    if (mgmt.type == OT_FALSE) {
        return OT_SV_LIT("Data");
    }
    return OT_SV_LIT("Management");
}

/* "true", "false", or absent. */
static bool read_only(const struct ot_record *rec, char *buf, struct ot_sv *out)
{
    return value_text(member(ot_record_root(rec), "readOnly"), buf, out);
}

static bool op_test(enum sel_op op, struct ot_sv s, const char *v)
{
    size_t n = strlen(v);
    switch (op) {
    case SEL_EQ:
    case SEL_NE:
        return s.n == n && memcmp(s.p, v, n) == 0;
    case SEL_SW:
    case SEL_NSW:
        return s.n >= n && memcmp(s.p, v, n) == 0;
    case SEL_EW:
    case SEL_NEW:
        return s.n >= n && memcmp(s.p + s.n - n, v, n) == 0;
    case SEL_NOPS:
        return false;
    }
    return false;
}

/* All conditions of @f on one value (@has false: the field is absent). */
static bool conds_hold(const struct sel_field *f, bool has, struct ot_sv s)
{
    for (int o = 0; o < SEL_NOPS; o++) {
        const struct sel_list *l = &f->op[o];
        if (l->n == 0) {
            continue;
        }
        bool any = false;
        for (uint32_t i = 0; has && i < l->n && !any; i++) {
            any = op_test((enum sel_op)o, s, l->v[i]);
        }
        bool positive = o < SEL_NE;
        /* positive: any value matches; negative: none does (an absent field
         * equals, starts and ends with nothing) */
        if (positive ? !any : any) {
            return false;
        }
    }
    return true;
}

static bool field_matches(const struct sel_field *f, const struct ot_record *rec)
{
    char buf[SEL_DECODE_MAX];
    struct ot_sv s = { NULL, 0 };
    struct ot_value root = ot_record_root(rec);
    if (f->is_resource) {
        /* any entry of resources[] satisfying every condition */
        struct ot_value arr = member(root, "resources"), e;
        const char *key = f->name + 10;
        uint32_t it = 0;
        bool seen = false;
        while (arr.type == OT_ARRAY && ot_value_next(arr, &it, NULL, &e)) {
            seen = true;
            bool has = value_text(member(e, key), buf, &s);
            if (conds_hold(f, has, s)) {
                return true;
            }
        }
        return !seen && conds_hold(f, false, s);
    }
    bool has;
    if (strcmp(f->name, "eventCategory") == 0) {
        s = category(rec, buf);
        has = true;
    } else {
        /* a dotted path of plain keys: userIdentity.arn */
        struct ot_value v = root;
        const char *p = f->name;
        while (v.type == OT_OBJECT) {
            const char *dot = strchr(p, '.');
            size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
            v = ot_value_member(v, (struct ot_sv){ p, n });
            if (dot == NULL) {
                break;
            }
            p = dot + 1;
        }
        has = v.type != OT_OBJECT && value_text(v, buf, &s);
    }
    return conds_hold(f, has, s);
}

static bool adv_matches(const struct sel_adv *a, const struct ot_record *rec)
{
    for (uint32_t i = 0; i < a->nf; i++) {
        if (!field_matches(&a->f[i], rec)) {
            return false;
        }
    }
    return true;
}

static bool rw_accepts(enum sel_rw rw, const struct ot_record *rec)
{
    char buf[SEL_DECODE_MAX];
    struct ot_sv ro;
    if (rw == SEL_RW_ALL) {
        return true;
    }
    /* a record without readOnly is neither read nor write: only All keeps it */
    if (!read_only(rec, buf, &ro)) {
        return false;
    }
    return ot_sv_eq_cstr(ro, rw == SEL_RW_READ ? "true" : "false");
}

/* A basic DataResources value against a resource ARN (spec 4.1). */
static bool data_value_matches(enum sel_rtype type, const char *v, struct ot_sv arn)
{
    size_t n = strlen(v);
    if (type == SEL_R_S3) {
        return arn.n >= n && memcmp(arn.p, v, n) == 0; /* prefix */
    }
    /* Lambda and DynamoDB: "arn:aws:lambda" (all) is a prefix, a full ARN exact */
    unsigned colons = 0;
    for (size_t i = 0; i < n; i++) {
        colons += v[i] == ':';
    }
    if (colons <= 2 || (colons == 3 && v[n - 1] == ':')) {
        return arn.n >= n && memcmp(arn.p, v, n) == 0 &&
               (arn.n == n || arn.p[n] == ':' || v[n - 1] == ':');
    }
    return arn.n == n && memcmp(arn.p, v, n) == 0;
}

static bool basic_data_matches(const struct sel_basic *b, const struct ot_record *rec)
{
    char buf[SEL_DECODE_MAX];
    struct ot_value arr = member(ot_record_root(rec), "resources"), e;
    uint32_t it = 0;
    while (arr.type == OT_ARRAY && ot_value_next(arr, &it, NULL, &e)) {
        struct ot_value type = member(e, "type");
        struct ot_sv arn;
        if (!value_text(member(e, "ARN"), buf, &arn)) {
            continue;
        }
        for (uint32_t r = 0; r < b->nr; r++) {
            if (!ot_value_str_eq(type, ot_sv_cstr(ot_sel_rtype_names[b->r[r].type]))) {
                continue;
            }
            for (uint32_t k = 0; k < b->r[r].values.n; k++) {
                if (data_value_matches(b->r[r].type, b->r[r].values.v[k], arn)) {
                    return true;
                }
            }
        }
    }
    return false;
}

static bool basic_matches(const struct sel_basic *b, const struct ot_record *rec)
{
    char buf[SEL_DECODE_MAX];
    struct ot_sv cat = category(rec, buf);
    if (ot_sv_eq_cstr(cat, "Management")) {
        struct ot_value src = member(ot_record_root(rec), "eventSource");
        if (!b->management ||
            (b->exclude_kms && ot_value_str_eq(src, OT_SV_LIT("kms.amazonaws.com"))) ||
            (b->exclude_rdsdata && ot_value_str_eq(src, OT_SV_LIT("rdsdata.amazonaws.com")))) {
            return false;
        }
        return rw_accepts(b->rw, rec);
    }
    if (ot_sv_eq_cstr(cat, "Data")) {
        return rw_accepts(b->rw, rec) && basic_data_matches(b, rec);
    }
    return false; /* network activity and Insights need advanced selectors */
}

bool ot_select_match(const struct ot_selectors *s, const struct ot_record *rec)
{
    if (s->kind == OT_SELECT_DEFAULT) {
        static const struct sel_basic all_management = { .rw = SEL_RW_ALL, .management = true };
        return basic_matches(&all_management, rec);
    }
    for (uint32_t i = 0; i < s->nbasic; i++) {
        if (basic_matches(&s->basic[i], rec)) {
            return true;
        }
    }
    for (uint32_t i = 0; i < s->nadv; i++) {
        if (adv_matches(&s->adv[i], rec)) {
            return true;
        }
    }
    return false;
}

/* Services whose events CloudTrail calls global (delivered with us-east-1). */
bool ot_select_is_global(struct ot_sv src, struct ot_sv region)
{
    static const char *const global[] = {
        "iam.amazonaws.com",     "signin.amazonaws.com",        "cloudfront.amazonaws.com",
        "route53.amazonaws.com", "organizations.amazonaws.com", "waf.amazonaws.com",
    };
    for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
        if (ot_sv_eq_cstr(src, global[i])) {
            return true;
        }
    }
    /* STS's global endpoint logs in us-east-1; its regional endpoints are regional */
    return ot_sv_eq_cstr(src, "sts.amazonaws.com") && ot_sv_eq_cstr(region, "us-east-1");
}

bool ot_select_in_scope(const struct ot_trail_scope *scope, const struct ot_record *rec)
{
    char b1[SEL_DECODE_MAX], b2[SEL_DECODE_MAX];
    struct ot_value root = ot_record_root(rec);
    struct ot_sv src = { "", 0 }, region = { "", 0 }, acct;
    if (!scope->is_organization && scope->account_id != NULL) {
        if (!value_text(member(root, "recipientAccountId"), b2, &acct) ||
            !ot_sv_eq_cstr(acct, scope->account_id)) {
            return false;
        }
    }
    if (scope->is_multi_region) {
        return true;
    }
    (void)value_text(member(root, "eventSource"), b1, &src);  /* absent: "" */
    (void)value_text(member(root, "awsRegion"), b2, &region); /* absent: "" */
    if (ot_select_is_global(src, region)) {
        return scope->include_global;
    }
    return scope->home_region != NULL && ot_sv_eq_cstr(region, scope->home_region);
}

bool ot_select_keep(const struct ot_selectors *s, const struct ot_trail_scope *scope,
                    const struct ot_record *rec)
{
    return ot_select_in_scope(scope, rec) && ot_select_match(s, rec);
}
