/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/trail.c - the trail writer: records -> log files by delivery window
 * -> one signed digest per account, region and hour, chained.
 *
 * Stage: prove (drives store). Records are held (bounded by
 * max_total_bytes), then sorted by account, region and delivery time.
 * Delivery time is the end of the record's 5-minute window of eventTime
 * (--replay) or now. A digest covers the log files delivered in (start, end];
 * ends fall on the hour, and every hour gets one, empty or not (spec 3.2).
 * An existing chain in the store is continued: its newest digest is found by
 * listing, hashed and linked; late records are delivered after its end.
 */
#include <stdlib.h>
#include <string.h>

#include "opentrail/prove.h"
#include "prove/prove_int.h"

#include "core/private.h"

#define MAX_GROUPS      4096u
#define WINDOW_MS       (5 * OT_MINUTE_MS)
#define MAX_CHAIN_HOURS (2 * 366 * 24) /* digests one run may write per region */

struct rec_ix {
    uint64_t off;
    uint32_t len;
    uint32_t group;
    int64_t event_ms;
    int64_t delivery_ms;
};

struct group {
    char *account, *region;
    struct ot_chain_link link;
    bool has_link;
    int64_t restart_after; /* end of the chain that a restart left behind, or INT64_MIN */
    int64_t first_delivery, last_delivery;
};

struct ot_trail_writer {
    const struct ot_backend *b;
    struct ot_trail_opts o;
    struct ot_buf data;
    struct rec_ix *v;
    size_t n, cap;
    struct group g[MAX_GROUPS];
    size_t ng;
    struct ot_signer *signer;
};

ot_status ot_trail_writer_new(const struct ot_backend *b, const struct ot_trail_opts *o,
                              struct ot_trail_writer **out, struct ot_error *err)
{
    if (o->bucket == NULL || o->trail_name == NULL || o->home_region == NULL ||
        o->keys_dir == NULL) {
        return ot_fail(err, OT_E_USAGE, "give --bucket and --trail", "trail writer incomplete");
    }
    struct ot_trail_writer *w = ot_calloc(1, sizeof(*w));
    if (w == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    w->b = b;
    w->o = *o;
    if (w->o.max_file_bytes == 0) {
        w->o.max_file_bytes = 64u << 20;
    }
    if (w->o.max_total_bytes == 0) {
        w->o.max_total_bytes = (size_t)4 << 30;
    }
    w->data = OT_BUF_INIT(w->o.max_total_bytes);
    *out = w;
    return OT_OK;
}

void ot_trail_writer_free(struct ot_trail_writer *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; i < w->ng; i++) {
        ot_free(w->g[i].account);
        ot_free(w->g[i].region);
        ot_chain_link_cleanup(&w->g[i].link);
    }
    ot_signer_free(w->signer);
    ot_buf_cleanup(&w->data);
    ot_free(w->v);
    ot_free(w);
}

bool ot_prove_name_ok(struct ot_sv s)
{
    if (s.n == 0 || s.n > 64) {
        return false;
    }
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

ot_status ot_trail_writer_add(struct ot_trail_writer *w, struct ot_sv json, int64_t event_ms,
                              struct ot_sv account, struct ot_sv region, struct ot_error *err)
{
    if (account.n == 0 && w->o.account_id != NULL) {
        account = ot_sv_cstr(w->o.account_id);
    }
    if (!ot_prove_name_ok(account) || !ot_prove_name_ok(region)) {
        return ot_fail(err, OT_E_PARSE,
                       "records need recipientAccountId (or --account-id) and awsRegion",
                       "record has no usable account id or region");
    }
    size_t gi = 0;
    for (; gi < w->ng; gi++) {
        if (ot_sv_eq_cstr(account, w->g[gi].account) && ot_sv_eq_cstr(region, w->g[gi].region)) {
            break;
        }
    }
    if (gi == w->ng) {
        if (w->ng == MAX_GROUPS) {
            return ot_fail(err, OT_E_LIMIT, "ingest fewer accounts and regions at once",
                           "more than %u account and region pairs", MAX_GROUPS);
        }
        struct group *g = &w->g[w->ng];
        g->account = ot_strndup(account.p, account.n);
        g->region = ot_strndup(region.p, region.n);
        if (g->account == NULL || g->region == NULL) {
            ot_free(g->account);
            ot_free(g->region);
            *g = (struct group){ 0 };
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        w->ng++;
    }
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 4096;
        struct rec_ix *nv = ot_realloc(w->v, nc * sizeof(*nv));
        if (nv == NULL) {
            return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        }
        w->v = nv;
        w->cap = nc;
    }
    if (json.n > UINT32_MAX || json.n > w->data.limit - w->data.len) {
        return ot_fail(err, OT_E_LIMIT, "ingest the input in smaller parts",
                       "records held for one ingest exceed %zu bytes", w->data.limit);
    }
    uint64_t off = w->data.len;
    ot_status st = ot_buf_append(&w->data, json.p, json.n);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    w->v[w->n++] = (struct rec_ix){ off, (uint32_t)json.n, (uint32_t)gi, event_ms, 0 };
    return OT_OK;
}

static int cmp_ix(const void *a, const void *b)
{
    const struct rec_ix *x = a, *y = b;
    if (x->group != y->group) {
        return x->group < y->group ? -1 : 1;
    }
    if (x->delivery_ms != y->delivery_ms) {
        return x->delivery_ms < y->delivery_ms ? -1 : 1;
    }
    if (x->event_ms != y->event_ms) {
        return x->event_ms < y->event_ms ? -1 : 1;
    }
    return x->off < y->off ? -1 : x->off > y->off;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
    return t >= 0 ? t - t % unit : t - ((t % unit) + unit) % unit;
}

static void loc_of(const struct ot_trail_writer *w, const struct group *g, struct ot_trail_loc *l)
{
    *l = (struct ot_trail_loc){ .bucket = w->o.bucket,
                                .prefix = w->o.prefix,
                                .org_id = w->o.org_id,
                                .account = g->account,
                                .region = g->region,
                                .trail_name = w->o.trail_name,
                                .home_region = w->o.home_region };
}

static ot_status signer_for(struct ot_trail_writer *w, int64_t at_ms, struct ot_error *err)
{
    if (w->signer != NULL && at_ms < ot_signer_valid_to(w->signer)) {
        return OT_OK;
    }
    ot_signer_free(w->signer);
    w->signer = NULL;
    return ot_signer_load(w->o.keys_dir, at_ms, &w->signer, err);
}

static ot_status write_digests(struct ot_trail_writer *w, struct group *g,
                               const struct ot_logfile_info *files, size_t nfiles,
                               int64_t last_needed, struct ot_trail_stats *stats,
                               struct ot_error *err)
{
    struct ot_trail_loc loc;
    loc_of(w, g, &loc);
    int64_t s = g->has_link ? g->link.end_ms : floor_to(g->first_delivery - 1, OT_HOUR_MS);
    if (last_needed > s && (last_needed - s) / OT_HOUR_MS > MAX_CHAIN_HOURS) {
        return ot_fail(err, OT_E_LIMIT, "ingest into a new trail or bucket",
                       "more than %d hourly digests needed since the trail's last digest",
                       MAX_CHAIN_HOURS);
    }
    size_t fi = 0;
    while (s < last_needed) {
        int64_t e = floor_to(s, OT_HOUR_MS) + OT_HOUR_MS;
        if (!w->o.replay && e > w->o.now_ms) {
            e = floor_to(w->o.now_ms, 1000);
        }
        if (e <= s) {
            break;
        }
        size_t first = fi;
        while (fi < nfiles && files[fi].delivery_ms <= e) {
            fi++;
        }
        ot_status st = signer_for(w, e, err);
        if (st == OT_OK) {
            /* the log files a digest lists are durable before the digest exists */
            st = w->b->ops->flush(w->b->be, err);
        }
        if (st != OT_OK) {
            return st;
        }
        st = ot_digest_write(w->b, &loc, w->signer, s, e, files + first, fi - first, &g->link,
                             &g->has_link, err);
        if (st != OT_OK) {
            return st;
        }
        stats->digests++;
        s = e;
    }
    return OT_OK;
}

ot_status ot_trail_writer_finish(struct ot_trail_writer *w, struct ot_trail_stats *stats,
                                 struct ot_error *err)
{
    ot_status st = OT_OK;
    struct ot_logfile lf;
    struct ot_logfile_info *files = NULL;
    size_t nfiles = 0, files_cap = 0;
    ot_logfile_init(&lf, w->o.max_file_bytes);
    *stats = (struct ot_trail_stats){ 0 };

    /* where each chain stands, then when each record is delivered */
    for (size_t gi = 0; gi < w->ng; gi++) {
        struct ot_trail_loc loc;
        loc_of(w, &w->g[gi], &loc);
        w->g[gi].restart_after = INT64_MIN;
        st = ot_chain_find_last(w->b, &loc, &w->g[gi].link, &w->g[gi].has_link, err);
        if (st != OT_OK) {
            goto out;
        }
        if (w->o.new_chain && w->g[gi].has_link) {
            /* logging restarted: the old chain ends here, a starting digest begins */
            w->g[gi].restart_after = w->g[gi].link.end_ms;
            ot_chain_link_cleanup(&w->g[gi].link);
            w->g[gi].has_link = false;
        }
        w->g[gi].first_delivery = INT64_MAX;
        w->g[gi].last_delivery = INT64_MIN;
        if (!w->o.replay && w->g[gi].has_link && w->o.now_ms <= w->g[gi].link.end_ms) {
            char t[21];
            ot_time_iso(w->g[gi].link.end_ms, t);
            st = ot_fail(err, OT_E_USAGE, "check the clock, or use --replay",
                         "the trail's last digest ends at %s, after now", t);
            goto out;
        }
    }
    int64_t last_needed = w->o.replay ? INT64_MIN : w->o.now_ms;
    for (size_t i = 0; i < w->n; i++) {
        struct rec_ix *r = &w->v[i];
        struct group *g = &w->g[r->group];
        int64_t d = w->o.replay ? floor_to(r->event_ms, WINDOW_MS) + WINDOW_MS
                                : floor_to(w->o.now_ms, 1000);
        if (g->has_link && d <= g->link.end_ms) {
            d = floor_to(g->link.end_ms, OT_MINUTE_MS) + OT_MINUTE_MS; /* late delivery */
        }
        if (!g->has_link && d <= g->restart_after) {
            char t[21];
            ot_time_iso(g->restart_after, t);
            st = ot_fail(err, OT_E_USAGE, "restart only with records after the old chain's end",
                         "a record falls before %s, where the trail's old chain ends", t);
            goto out;
        }
        r->delivery_ms = d;
        g->first_delivery = d < g->first_delivery ? d : g->first_delivery;
        g->last_delivery = d > g->last_delivery ? d : g->last_delivery;
        last_needed = d > last_needed ? d : last_needed;
    }
    if (w->n > 1) {
        qsort(w->v, w->n, sizeof(*w->v), cmp_ix);
    }
    size_t i = 0;
    for (size_t gi = 0; gi < w->ng; gi++) {
        struct group *g = &w->g[gi];
        struct ot_trail_loc loc;
        loc_of(w, g, &loc);
        nfiles = 0;
        while (i < w->n && w->v[i].group == gi) {
            const struct rec_ix *r = &w->v[i];
            struct ot_sv js = { w->data.data + r->off, r->len };
            /* roll at the size cap; "]}" and a comma still have to fit */
            if (lf.records > 0 && lf.json.len + js.n + 3 > w->o.max_file_bytes) {
                goto seal;
            }
            st = ot_logfile_add(&lf, js, r->event_ms);
            if (st != OT_OK) {
                st = ot_fail(err, st, "raise the log file size cap", "record too large");
                goto out;
            }
            stats->records++;
            i++;
            if (i < w->n && w->v[i].group == gi && w->v[i].delivery_ms == r->delivery_ms) {
                continue;
            }
        seal:
            if (nfiles == files_cap) {
                size_t nc = files_cap ? files_cap * 2 : 64;
                struct ot_logfile_info *nv = ot_realloc(files, nc * sizeof(*nv));
                if (nv == NULL) {
                    st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                    goto out;
                }
                files = nv;
                files_cap = nc;
            }
            st = ot_logfile_seal(&lf, w->b, &loc, w->v[i - 1].delivery_ms, &files[nfiles], err);
            if (st != OT_OK) {
                goto out;
            }
            stats->log_files++;
            stats->bytes_json += files[nfiles].bytes_json;
            stats->bytes_gz += files[nfiles].bytes_gz;
            nfiles++;
        }
        st = write_digests(w, g, files, nfiles, last_needed, stats, err);
        for (size_t k = 0; k < nfiles; k++) {
            ot_free(files[k].key);
        }
        nfiles = 0;
        if (st != OT_OK) {
            goto out;
        }
    }
    st = w->b->ops->flush(w->b->be, err); /* everything durable before success */
out:
    for (size_t k = 0; k < nfiles; k++) {
        ot_free(files[k].key);
    }
    ot_free(files);
    ot_logfile_cleanup(&lf);
    return st;
}
