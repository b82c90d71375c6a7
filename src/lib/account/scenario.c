/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/scenario.c - a cost scenario from YAML: event volumes, trails,
 * storage lifecycle, CloudWatch, KMS (format in docs/cost.md).
 *
 * Stage: account. The YAML tree (yaml.c) is walked against tables of keys:
 * an unknown key, a wrong type or a number out of range is an error with the
 * node's line and column, so a typo never silently prices nothing. An
 * Infracost usage file (version + resource_usage) is read too: its monthly
 * quantities are added as given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "account/yaml.h"
#include "opentrail/account.h"
#include "opentrail/limits.h"

#include "core/private.h"

#define SCN_FIX "see docs/cost.md for the scenario format"

struct walk {
    const struct ot_ytree *t;
    uint32_t data_node[OT_SCN_MAX_TRAILS]; /* each trail's data: node, resolved at the end */
    struct ot_scenario *s;
    struct ot_error *err;
};

static ot_status at(struct walk *w, uint32_t node, ot_status st, const char *fix, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static ot_status at(struct walk *w, uint32_t node, ot_status st, const char *fix, const char *fmt,
                    ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)ot_fail(w->err, st, fix, "%s", msg);
    if (w->err != NULL && node != 0) {
        w->err->line = w->t->v[node].line;
        w->err->col = w->t->v[node].col;
    }
    return st;
}

static const char *kind(const struct walk *w, uint32_t n)
{
    switch (w->t->v[n].type) {
    case OT_Y_MAP:
        return "a mapping";
    case OT_Y_SEQ:
        return "a list";
    default:
        return "a scalar";
    }
}

static ot_status want(struct walk *w, uint32_t n, uint8_t type, const char *key)
{
    static const char *const names[] = { "", "a single value", "a list", "a mapping" };
    if (w->t->v[n].type == type) {
        return OT_OK;
    }
    char msg[96];
    (void)snprintf(msg, sizeof(msg), "%s, not %s", names[type], kind(w, n));
    return at(w, n, OT_E_USAGE, SCN_FIX, "%s must be %s", key, msg);
}

static ot_status get_u64(struct walk *w, uint32_t n, const char *key, uint64_t max, uint64_t *out)
{
    ot_status st = want(w, n, OT_Y_SCALAR, key);
    if (st != OT_OK) {
        return st;
    }
    const char *s = ot_ytext(w->t, n);
    char digits[32];
    size_t k = 0;
    for (; *s != '\0'; s++) {
        if (*s == '_' || *s == ',') {
            continue; /* 25_000_000 and 25,000,000 read as written */
        }
        if (k + 1 >= sizeof(digits)) {
            break;
        }
        digits[k++] = *s;
    }
    digits[k] = '\0';
    uint64_t v;
    if (*s != '\0' || ot_parse_u64(ot_sv_cstr(digits), max, false, &v) != OT_OK) {
        char m[48];
        (void)snprintf(m, sizeof(m), "%llu", (unsigned long long)max);
        return at(w, n, OT_E_USAGE, "write a whole number such as 25000000 or 25_000_000",
                  "%s must be a whole number from 0 to %s", key, m);
    }
    *out = v;
    return OT_OK;
}

static ot_status get_uint(struct walk *w, uint32_t n, const char *key, unsigned max, unsigned *out)
{
    uint64_t v;
    ot_status st = get_u64(w, n, key, max, &v);
    if (st == OT_OK) {
        *out = (unsigned)v;
    }
    return st;
}

static ot_status get_bool(struct walk *w, uint32_t n, const char *key, bool *out)
{
    ot_status st = want(w, n, OT_Y_SCALAR, key);
    if (st != OT_OK) {
        return st;
    }
    const char *s = ot_ytext(w->t, n);
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0) {
        *out = true;
    } else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0) {
        *out = false;
    } else {
        return at(w, n, OT_E_USAGE, "write true or false", "%s must be true or false, not '%s'",
                  key, s);
    }
    return OT_OK;
}

static ot_status get_str(struct walk *w, uint32_t n, const char *key, char *dst, size_t cap)
{
    ot_status st = want(w, n, OT_Y_SCALAR, key);
    if (st != OT_OK) {
        return st;
    }
    if (w->t->v[n].len >= cap) {
        char m[24];
        (void)snprintf(m, sizeof(m), "%zu", cap - 1);
        return at(w, n, OT_E_LIMIT, "shorten it", "%s is longer than %s bytes", key, m);
    }
    memcpy(dst, ot_ytext(w->t, n), w->t->v[n].len + 1);
    return OT_OK;
}

/* ---- tables of keys ---------------------------------------------------- */

enum ktype { K_U64, K_UINT, K_PCT, K_BOOL, K_STR, K_SECTION };

struct key {
    const char *name;
    enum ktype type;
    size_t off; /* into struct ot_scenario or struct ot_scn_trail */
    uint64_t max;
    ot_status (*section)(struct walk *w, uint32_t node, void *obj);
};

#define SCN(f) offsetof(struct ot_scenario, f)
#define TRL(f) offsetof(struct ot_scn_trail, f)

static ot_status walk_map(struct walk *w, uint32_t map, const char *what, const struct key *keys,
                          void *obj)
{
    ot_status st = want(w, map, OT_Y_MAP, what);
    for (uint32_t k = w->t->v[map].first; st == OT_OK && k != 0;
         k = w->t->v[w->t->v[k].next].next) {
        uint32_t v = w->t->v[k].next;
        if (w->t->v[k].type != OT_Y_SCALAR) {
            return at(w, k, OT_E_USAGE, SCN_FIX, "%s%s: keys must be plain words", what, "");
        }
        const char *name = ot_ytext(w->t, k);
        const struct key *key = NULL;
        for (size_t i = 0; keys[i].name != NULL && key == NULL; i++) {
            key = strcmp(keys[i].name, name) == 0 ? &keys[i] : NULL;
        }
        if (key == NULL) {
            return at(w, k, OT_E_USAGE, SCN_FIX, "unknown key '%s' in %s", name, what);
        }
        char *p = (char *)obj + key->off;
        uint64_t u = 0;
        switch (key->type) {
        case K_U64:
            st = get_u64(w, v, name, key->max, (uint64_t *)(void *)p);
            break;
        case K_UINT:
        case K_PCT:
            st = get_u64(w, v, name, key->type == K_PCT ? 100 : key->max, &u);
            *(unsigned *)(void *)p = (unsigned)u;
            break;
        case K_BOOL:
            st = get_bool(w, v, name, (bool *)(void *)p);
            break;
        case K_STR:
            st = get_str(w, v, name, p, key->max);
            break;
        case K_SECTION:
            st = key->section(w, v, obj);
            break;
        }
    }
    return st;
}

/* ---- events ------------------------------------------------------------ */

static ot_status sources(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_MAP, "sources");
    for (uint32_t k = w->t->v[n].first; st == OT_OK && k != 0; k = w->t->v[w->t->v[k].next].next) {
        if (s->nsources >= OT_SCN_MAX_SOURCES) {
            return at(w, k, OT_E_LIMIT, "list the largest sources only", "%s%s: too many sources",
                      "sources", "");
        }
        struct ot_scn_source *src = &s->sources[s->nsources];
        st = get_str(w, k, "a source name", src->name, sizeof(src->name));
        if (st == OT_OK) {
            st = get_uint(w, w->t->v[k].next, src->name, 100, &src->pct);
        }
        s->nsources += st == OT_OK;
    }
    return st;
}

static ot_status management(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "read", K_U64, SCN(mgmt_read), OT_SCN_MAX_QUANTITY, NULL },
        { "write", K_U64, SCN(mgmt_write), OT_SCN_MAX_QUANTITY, NULL },
        { "sources", K_SECTION, 0, 0, sources },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "events.management", keys, obj);
}

static ot_status service(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "events", K_U64, offsetof(struct ot_scn_service, events), OT_SCN_MAX_QUANTITY, NULL },
        { "read_pct", K_PCT, offsetof(struct ot_scn_service, read_pct), 100, NULL },
        { "selected_pct", K_PCT, offsetof(struct ot_scn_service, selected_pct), 100, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    struct ot_scn_service *svc = obj;
    if (w->t->v[n].type == OT_Y_SCALAR) {
        return get_u64(w, n, svc->name, OT_SCN_MAX_QUANTITY, &svc->events); /* s3: 10000000 */
    }
    return walk_map(w, n, "a data service", keys, obj);
}

static ot_status data(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_MAP, "events.data");
    for (uint32_t k = w->t->v[n].first; st == OT_OK && k != 0; k = w->t->v[w->t->v[k].next].next) {
        if (s->nservices >= OT_SCN_MAX_SERVICES) {
            return at(w, k, OT_E_LIMIT, "group the smaller services", "%s%s: too many services",
                      "events.data", "");
        }
        struct ot_scn_service *svc = &s->services[s->nservices];
        memset(svc, 0, sizeof(*svc));
        svc->selected_pct = 100;
        st = get_str(w, k, "a service name", svc->name, sizeof(svc->name));
        for (size_t i = 0; st == OT_OK && i < s->nservices; i++) {
            if (strcmp(s->services[i].name, svc->name) == 0) {
                st = at(w, k, OT_E_USAGE, "list each service once",
                        "service '%s' is listed twice%s", svc->name, "");
            }
        }
        if (st == OT_OK) {
            st = service(w, w->t->v[k].next, svc);
        }
        s->nservices += st == OT_OK;
    }
    return st;
}

static ot_status events(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "management", K_SECTION, 0, 0, management },
        { "data", K_SECTION, 0, 0, data },
        { "network_activity", K_U64, SCN(network_activity), OT_SCN_MAX_QUANTITY, NULL },
        { "bytes_per_event", K_U64, SCN(bytes_per_event), OT_RECORD_MAX_BYTES, NULL },
        { "raw_bytes_per_event", K_U64, SCN(raw_bytes_per_event), OT_RECORD_MAX_BYTES, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "events", keys, obj);
}

/* ---- trails ------------------------------------------------------------ */

static ot_status trail_management(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scn_trail *t = obj;
    char v[16];
    ot_status st = get_str(w, n, "management", v, sizeof(v));
    if (st != OT_OK) {
        return st;
    }
    t->mgmt_read = strcmp(v, "all") == 0 || strcmp(v, "read") == 0;
    t->mgmt_write = strcmp(v, "all") == 0 || strcmp(v, "write") == 0;
    if (!t->mgmt_read && !t->mgmt_write && strcmp(v, "none") != 0) {
        return at(w, n, OT_E_USAGE, "write all, read, write or none",
                  "management must be all, read, write or none, not '%s'%s", v, "");
    }
    return OT_OK;
}

static ot_status trail_data(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scn_trail *t = obj;
    w->data_node[t - w->s->trails] = n; /* names are checked once events.data is known */
    return OT_OK;
}

static ot_status trail_insights(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scn_trail *t = obj;
    if (w->t->v[n].type == OT_Y_SCALAR && strcmp(ot_ytext(w->t, n), "none") == 0) {
        return OT_OK;
    }
    ot_status st = want(w, n, OT_Y_SEQ, "insights");
    for (uint32_t i = w->t->v[n].first; st == OT_OK && i != 0; i = w->t->v[i].next) {
        char v[32];
        st = get_str(w, i, "an Insights type", v, sizeof(v));
        if (st == OT_OK && strcmp(v, "api_call_rate") == 0) {
            t->insights_call_rate = true;
        } else if (st == OT_OK && strcmp(v, "api_error_rate") == 0) {
            t->insights_error_rate = true;
        } else if (st == OT_OK) {
            st = at(w, i, OT_E_USAGE, "write api_call_rate or api_error_rate",
                    "unknown Insights type '%s'%s", v, "");
        }
    }
    return st;
}

static ot_status trail(struct walk *w, uint32_t n, struct ot_scn_trail *t)
{
    static const struct key keys[] = {
        { "name", K_STR, TRL(name), OT_SCN_NAME_MAX, NULL },
        { "copies", K_UINT, TRL(copies), 10000, NULL },
        { "regions", K_UINT, TRL(regions), 64, NULL },
        { "accounts", K_UINT, TRL(accounts), 100000, NULL },
        { "management", K_SECTION, 0, 0, trail_management },
        { "data", K_SECTION, 0, 0, trail_data },
        { "data_read", K_BOOL, TRL(data_read), 0, NULL },
        { "network_activity", K_BOOL, TRL(network_activity), 0, NULL },
        { "insights", K_SECTION, 0, 0, trail_insights },
        { "cloudwatch_logs", K_BOOL, TRL(cloudwatch_logs), 0, NULL },
        { "kms", K_BOOL, TRL(kms), 0, NULL },
        { "sns", K_BOOL, TRL(sns), 0, NULL },
        { "log_file_validation", K_BOOL, TRL(log_file_validation), 0, NULL },
        { "s3", K_BOOL, TRL(s3), 0, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    memset(t, 0, sizeof(*t));
    t->copies = 1;
    t->regions = 1;
    t->accounts = 1;
    t->mgmt_read = t->mgmt_write = true; /* CloudTrail's default selector */
    t->data_read = true;
    t->log_file_validation = true;
    t->s3 = true;
    ot_status st = walk_map(w, n, "a trail", keys, t);
    if (st == OT_OK && (t->copies == 0 || t->regions == 0 || t->accounts == 0)) {
        st = at(w, n, OT_E_USAGE, "remove the trail instead",
                "copies, regions and accounts of a trail must be at least 1%s%s", "", "");
    }
    return st;
}

static ot_status trails(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_SEQ, "trails");
    for (uint32_t i = w->t->v[n].first; st == OT_OK && i != 0; i = w->t->v[i].next) {
        if (s->ntrails >= OT_SCN_MAX_TRAILS) {
            return at(w, i, OT_E_LIMIT, "use copies: N for identical trails",
                      "more than 32 trails%s%s", "", "");
        }
        st = trail(w, i, &s->trails[s->ntrails]);
        if (st == OT_OK && s->trails[s->ntrails].name[0] == '\0') {
            (void)snprintf(s->trails[s->ntrails].name, OT_SCN_NAME_MAX, "trail-%zu",
                           s->ntrails + 1);
        }
        s->ntrails += st == OT_OK;
    }
    return st;
}

/* Resolve each trail's data: all | none | [service, ...] against events.data. */
static ot_status resolve_data(struct walk *w)
{
    struct ot_scenario *s = w->s;
    for (size_t i = 0; i < s->ntrails; i++) {
        uint32_t n = w->data_node[i];
        struct ot_scn_trail *t = &s->trails[i];
        if (n == 0) {
            continue;
        }
        if (w->t->v[n].type == OT_Y_SCALAR) {
            const char *v = ot_ytext(w->t, n);
            t->data_all = strcmp(v, "all") == 0;
            if (!t->data_all && strcmp(v, "none") != 0) {
                return at(w, n, OT_E_USAGE, "write all, none or a list of services",
                          "data must be all, none or a list, not '%s'%s", v, "");
            }
            continue;
        }
        ot_status st = want(w, n, OT_Y_SEQ, "data");
        for (uint32_t k = w->t->v[n].first; st == OT_OK && k != 0; k = w->t->v[k].next) {
            char v[32];
            size_t j = 0;
            st = get_str(w, k, "a service name", v, sizeof(v));
            while (st == OT_OK && j < s->nservices && strcmp(s->services[j].name, v) != 0) {
                j++;
            }
            if (st == OT_OK && j == s->nservices) {
                st = at(w, k, OT_E_USAGE, "add its volume under events.data",
                        "service '%s' has no volume in events.data%s", v, "");
            }
            if (st == OT_OK) {
                t->data_mask |= 1u << j;
            }
        }
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

/* ---- storage, CloudWatch, KMS ----------------------------------------- */

static ot_status tier_of(struct walk *w, uint32_t n, enum ot_tier *out)
{
    char v[32];
    ot_status st = get_str(w, n, "to", v, sizeof(v));
    for (int i = 0; st == OT_OK && i < OT_TIER_COUNT; i++) {
        if (strcmp(v, ot_tier_name((enum ot_tier)i)) == 0) {
            *out = (enum ot_tier)i;
            return OT_OK;
        }
    }
    return st != OT_OK ? st
                       : at(w, n, OT_E_USAGE,
                            "write standard_ia, glacier_ir, glacier_flexible or deep_archive",
                            "unknown storage class '%s'%s", v, "");
}

static ot_status lifecycle(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_SEQ, "lifecycle");
    for (uint32_t i = w->t->v[n].first; st == OT_OK && i != 0; i = w->t->v[i].next) {
        struct ot_scn_rule r = { 0, OT_TIER_STANDARD };
        bool has_after = false, has_to = false;
        if (s->nrules >= OT_SCN_MAX_RULES) {
            return at(w, i, OT_E_LIMIT, "S3 needs at most one rule per class",
                      "more than 4 lifecycle rules%s%s", "", "");
        }
        st = want(w, i, OT_Y_MAP, "a lifecycle rule");
        for (uint32_t k = w->t->v[i].first; st == OT_OK && k != 0;
             k = w->t->v[w->t->v[k].next].next) {
            const char *key = ot_ytext(w->t, k);
            uint32_t v = w->t->v[k].next;
            if (strcmp(key, "after_days") == 0) {
                st = get_uint(w, v, key, 36500, &r.after_days);
                has_after = true;
            } else if (strcmp(key, "to") == 0) {
                st = tier_of(w, v, &r.tier);
                has_to = true;
            } else {
                st = at(w, k, OT_E_USAGE, "a rule has after_days and to", "unknown key '%s' in %s",
                        key, "a lifecycle rule");
            }
        }
        if (st == OT_OK && (!has_after || !has_to || r.tier == OT_TIER_STANDARD)) {
            st = at(w, i, OT_E_USAGE, "e.g. {after_days: 90, to: glacier_flexible}",
                    "a lifecycle rule needs after_days and to (not standard)%s%s", "", "");
        }
        if (st == OT_OK) {
            size_t j = s->nrules++;
            while (j > 0 && s->rules[j - 1].after_days > r.after_days) {
                s->rules[j] = s->rules[j - 1]; /* keep them sorted by age */
                j--;
            }
            s->rules[j] = r;
        }
    }
    return st;
}

static ot_status storage(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "lifecycle", K_SECTION, 0, 0, lifecycle },
        { "expire_after_days", K_UINT, SCN(expire_days), 36500, NULL },
        { "access_days", K_UINT, SCN(access_days), 36500, NULL },
        { "get_requests", K_U64, SCN(s3_get_requests), OT_SCN_MAX_QUANTITY, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "storage", keys, obj);
}

static ot_status lake_retention(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    char v[32];
    ot_status st = get_str(w, n, "pricing", v, sizeof(v));
    if (st == OT_OK) {
        s->lake_seven_year = strcmp(v, "seven_year") == 0;
        if (!s->lake_seven_year && strcmp(v, "one_year") != 0) {
            st = at(w, n, OT_E_USAGE, "write one_year or seven_year",
                    "unknown Lake pricing option '%s'", v);
        }
    }
    return st;
}

static ot_status lake(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "event_data_stores", K_UINT, SCN(lake_stores), 100, NULL },
        { "pricing", K_SECTION, 0, 0, lake_retention },
        { "retention_days", K_UINT, SCN(lake_retention_days), 3653, NULL },
        { "query_gb", K_U64, SCN(lake_query_gb), OT_SCN_MAX_QUANTITY, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    struct ot_scenario *s = obj;
    s->lake_stores = 1; /* a lake: section means one store unless told */
    return walk_map(w, n, "lake", keys, obj);
}

static ot_status cw_class(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    char v[32];
    ot_status st = get_str(w, n, "class", v, sizeof(v));
    if (st == OT_OK) {
        s->cw_infrequent_access = strcmp(v, "infrequent_access") == 0;
        if (!s->cw_infrequent_access && strcmp(v, "standard") != 0) {
            st = at(w, n, OT_E_USAGE, "write standard or infrequent_access",
                    "unknown log class '%s'%s", v, "");
        }
    }
    return st;
}

static ot_status cloudwatch(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "retention_days", K_UINT, SCN(cw_retention_days), 36500, NULL },
        { "class", K_SECTION, 0, 0, cw_class },
        { "metric_filters", K_UINT, SCN(metric_filters), 100000, NULL },
        { "alarms", K_UINT, SCN(alarms), 100000, NULL },
        { "filtered_pct", K_PCT, SCN(cw_filtered_pct), 100, NULL },
        { "high_resolution_alarms", K_BOOL, SCN(alarms_high_resolution), 0, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "cloudwatch", keys, obj);
}

static ot_status sns_delivery(struct walk *w, uint32_t n, void *obj)
{
    static const char *const names[] = { "sqs", "http", "email" };
    struct ot_scenario *s = obj;
    char v[16];
    ot_status st = get_str(w, n, "delivery", v, sizeof(v));
    for (unsigned i = 0; st == OT_OK && i < 3; i++) {
        if (strcmp(v, names[i]) == 0) {
            s->sns_delivery = i;
            return OT_OK;
        }
    }
    return st != OT_OK ? st
                       : at(w, n, OT_E_USAGE, "write sqs, http or email",
                            "unknown SNS delivery '%s' (sqs and lambda are alike)", v);
}

static ot_status notifications(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "delivery", K_SECTION, 0, 0, sns_delivery },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "notifications", keys, obj);
}

static ot_status kms(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "keys", K_UINT, SCN(kms_keys), 10000, NULL },
        { "extra_requests", K_U64, SCN(kms_extra_requests), OT_SCN_MAX_QUANTITY, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "kms", keys, obj);
}

static ot_status selfhost(struct walk *w, uint32_t n, void *obj)
{
    static const struct key keys[] = {
        { "bytes_per_event", K_U64, SCN(selfhost_bytes_per_event), OT_RECORD_MAX_BYTES, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    return walk_map(w, n, "selfhost", keys, obj);
}

static ot_status scope(struct walk *w, uint32_t n, void *obj)
{
    static const char *const names[] = { "cloudtrail", "s3", "cloudwatch", "kms", "sns", "lake" };
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_SEQ, "scope");
    s->scope = 0;
    for (uint32_t i = w->t->v[n].first; st == OT_OK && i != 0; i = w->t->v[i].next) {
        char v[32];
        size_t j = 0;
        st = get_str(w, i, "a component", v, sizeof(v));
        while (st == OT_OK && j < sizeof(names) / sizeof(names[0]) && strcmp(names[j], v) != 0) {
            j++;
        }
        if (st == OT_OK && j == sizeof(names) / sizeof(names[0])) {
            st = at(w, i, OT_E_USAGE, "write cloudtrail, s3, cloudwatch, kms, sns or lake",
                    "unknown component '%s' in scope", v);
        }
        if (st == OT_OK) {
            s->scope |= 1u << j;
        }
    }
    return st;
}

/* ---- Infracost usage files ---------------------------------------------- */

static ot_status infracost_resource(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    uint64_t a = 0, d = 0, in = 0;
    struct ot_scenario tmp;
    memset(&tmp, 0, sizeof(tmp));
    static const struct key keys[] = {
        { "monthly_additional_management_events", K_U64, SCN(direct_mgmt_additional),
          OT_SCN_MAX_QUANTITY, NULL },
        { "monthly_data_events", K_U64, SCN(direct_data), OT_SCN_MAX_QUANTITY, NULL },
        { "monthly_insight_events", K_U64, SCN(direct_insights), OT_SCN_MAX_QUANTITY, NULL },
        { NULL, K_U64, 0, 0, NULL },
    };
    ot_status st = walk_map(w, n, "an aws_cloudtrail usage", keys, &tmp);
    a = tmp.direct_mgmt_additional;
    d = tmp.direct_data;
    in = tmp.direct_insights;
    s->direct_mgmt_additional += a; /* each term is capped at 10^15: no overflow */
    s->direct_data += d;
    s->direct_insights += in;
    return st;
}

static ot_status resource_usage(struct walk *w, uint32_t n, void *obj)
{
    struct ot_scenario *s = obj;
    ot_status st = want(w, n, OT_Y_MAP, "resource_usage");
    if (strcmp(s->name, "scenario") == 0) {
        (void)snprintf(s->name, sizeof(s->name), "%s", "Infracost usage file");
    }
    for (uint32_t k = w->t->v[n].first; st == OT_OK && k != 0; k = w->t->v[w->t->v[k].next].next) {
        const char *name = ot_ytext(w->t, k);
        if (strncmp(name, "aws_cloudtrail.", 15) != 0) {
            continue; /* other resources of the usage file are not ours to price */
        }
        st = infracost_resource(w, w->t->v[k].next, obj);
    }
    return st;
}

static ot_status ignore(struct walk *w, uint32_t n, void *obj)
{
    (void)w;
    (void)n;
    (void)obj;
    return OT_OK;
}

/* ---- the whole file ------------------------------------------------------ */

void ot_scenario_init(struct ot_scenario *s)
{
    memset(s, 0, sizeof(*s));
    (void)snprintf(s->name, sizeof(s->name), "%s", "scenario");
    (void)snprintf(s->region, sizeof(s->region), "%s", "us-east-1");
    s->cw_filtered_pct = 100;
    s->cw_ingest_pct = 100;
    s->lake_retention_days = 366;
    s->scope = OT_SCOPE_ALL;
}

ot_status ot_scenario_parse(struct ot_sv yaml, const char *name, struct ot_scenario *out,
                            struct ot_error *err)
{
    static const struct key keys[] = {
        { "name", K_STR, SCN(name), sizeof(((struct ot_scenario *)0)->name), NULL },
        { "region", K_STR, SCN(region), sizeof(((struct ot_scenario *)0)->region), NULL },
        { "events", K_SECTION, 0, 0, events },
        { "trails", K_SECTION, 0, 0, trails },
        { "storage", K_SECTION, 0, 0, storage },
        { "cloudwatch", K_SECTION, 0, 0, cloudwatch },
        { "kms", K_SECTION, 0, 0, kms },
        { "selfhost", K_SECTION, 0, 0, selfhost },
        { "scope", K_SECTION, 0, 0, scope },
        { "lake", K_SECTION, 0, 0, lake },
        { "notifications", K_SECTION, 0, 0, notifications },
        { "version", K_SECTION, 0, 0, ignore }, /* Infracost usage file */
        { "resource_usage", K_SECTION, 0, 0, resource_usage },
        { NULL, K_U64, 0, 0, NULL },
    };
    struct ot_ytree t;
    struct ot_scenario *s = ot_malloc(sizeof(*s));
    struct walk w = { .t = &t, .s = s, .err = err };
    ot_status st;

    if (s == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory reading the scenario");
        ot_error_at(err, "%s", name);
        return st;
    }
    ot_scenario_init(s);
    st = ot_ytree_parse(yaml, &t, err);
    if (st == OT_OK) {
        st = walk_map(&w, 1, "the scenario", keys, s);
        if (st == OT_OK) {
            st = resolve_data(&w);
        }
        ot_ytree_cleanup(&t);
    }
    if (st == OT_OK) {
        *out = *s;
    } else {
        ot_error_at(err, "%s", name);
    }
    ot_free(s);
    return st;
}
