/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch/live.c - the live watcher: metric filters -> datapoints per period ->
 * alarms evaluated by CloudWatch's rules, record by record and tick by tick.
 *
 * Stage: watch (after select, beside store). The daemon offers each record it
 * reads back from the spool with the spool position after it; the watcher
 * remembers the position it has evaluated through, so a replay after a crash
 * counts nothing twice. Time is the daemon's (now_ms): never the clock, never
 * eventTime (an old or forged eventTime must not hide an event from an alarm).
 *
 * Every alarm keeps a ring of ot_alarm_range() periods, the newest being the
 * one now is in; it is evaluated when a record adds to it (so a CIS alarm
 * fires on its first match, not when the period ends) and when a period
 * boundary passes (so TreatMissingData can move it with no records at all).
 * All metric filters, the config's and the CIS pack's, sit in one pattern set.
 *
 * The state file holds the position, the change counter and per alarm its
 * state and the periods that hold data; it is replaced atomically.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "opentrail/config.h"
#include "opentrail/watch.h"
#include "watch/alarm_int.h"

#include "core/private.h"

#define EMPTY INT64_MIN

struct source {
    const struct ot_cis_rule *rule;    /* CIS pack: value 1 after refine */
    const struct ot_metric_filter *mf; /* config: ot_metric_filter_apply */
    const char *ns, *metric;
    bool has_default;
    double default_value;
};

struct alarm {
    struct ot_watch_alarm pub;
    const char *ns, *metric; /* what feeds it */
    bool has_default;
    double default_value;
    int64_t period_ms;
    unsigned range;
    int64_t cur; /* period number (now / period_ms) of the newest slot; EMPTY before any */
    struct ot_datapoint *ring;
    enum ot_alarm_state state;
    bool touched;
};

struct ot_watcher {
    struct alarm *alarms;
    unsigned nalarms;
    struct source *sources;
    unsigned nsources;
    struct ot_pattern **pats; /* per source; CIS ones owned */
    struct ot_pattern_set *set;
    struct ot_matcher *m;
    bool *hits;
    struct ot_buf dims;
    struct ot_datapoint *scratch; /* the largest range, for evaluation */
    uint64_t pos, seq;
    bool dirty;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static unsigned slot(const struct alarm *a, int64_t k)
{
    int64_t r = k % (int64_t)a->range;
    return (unsigned)(r < 0 ? r + (int64_t)a->range : r);
}

void ot_watcher_free(struct ot_watcher *w)
{
    if (w == NULL) {
        return;
    }
    for (unsigned i = 0; i < w->nalarms; i++) {
        ot_free(w->alarms[i].ring);
    }
    for (unsigned i = 0; w->pats != NULL && i < w->nsources; i++) {
        if (w->sources[i].rule != NULL) {
            ot_pattern_free(w->pats[i]);
        }
    }
    ot_pattern_set_free(w->set);
    ot_matcher_free(w->m);
    ot_buf_cleanup(&w->dims);
    ot_free(w->alarms);
    ot_free(w->sources);
    ot_free(w->pats);
    ot_free(w->hits);
    ot_free(w->scratch);
    ot_free(w);
}

static ot_status add_alarm(struct ot_watcher *w, const struct ot_watch_alarm *pub, const char *ns,
                           const char *metric, struct ot_error *err)
{
    struct alarm *a = &w->alarms[w->nalarms];
    memset(a, 0, sizeof(*a));
    a->pub = *pub;
    a->ns = ns;
    a->metric = metric;
    a->period_ms = (int64_t)pub->def.period_s * 1000;
    a->range = ot_alarm_range(&pub->def);
    a->cur = EMPTY;
    a->state = OT_ALARM_INSUFFICIENT_DATA;
    a->ring = ot_calloc(a->range, sizeof(*a->ring));
    if (a->ring == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    for (unsigned s = 0; s < w->nsources; s++) {
        const struct source *src = &w->sources[s];
        if (strcmp(src->ns, ns) == 0 && strcmp(src->metric, metric) == 0 && src->has_default) {
            a->has_default = true;
            a->default_value = src->default_value;
        }
    }
    w->nalarms++;
    return OT_OK;
}

static ot_status build_sources(struct ot_watcher *w, const struct ot_config *c,
                               struct ot_error *err)
{
    unsigned ncis = 0;
    const struct ot_cis_rule *rules = ot_cis_rules(&ncis);
    if (!c->cis_pack) {
        ncis = 0;
    }
    unsigned max = ncis + c->nmetric_filters;
    w->sources = ot_calloc(max ? max : 1, sizeof(*w->sources));
    w->pats = ot_calloc(max ? max : 1, sizeof(*w->pats));
    w->hits = ot_calloc(max ? max : 1, sizeof(*w->hits));
    if (w->sources == NULL || w->pats == NULL || w->hits == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    for (unsigned i = 0; i < ncis; i++) {
        ot_status st = ot_pattern_compile(ot_sv_cstr(rules[i].pattern), &w->pats[w->nsources], err);
        if (st != OT_OK) {
            return st;
        }
        w->sources[w->nsources++] =
            (struct source){ .rule = &rules[i], .ns = OT_CIS_NAMESPACE, .metric = rules[i].id };
    }
    for (uint32_t i = 0; i < c->nmetric_filters; i++) {
        const struct ot_conf_metric_filter *f = &c->metric_filters[i];
        const struct ot_conf_transformation *t =
            f->ntransformations ? &f->transformations[0] : NULL;
        if (f->compiled == NULL || t == NULL || t->dimensions.n > 0) {
            continue; /* a dimensioned metric is a series of its own: no alarm here reads it */
        }
        /* the set only reads the pattern; it is the config's and stays so */
        w->pats[w->nsources] = (struct ot_pattern *)ot_metric_filter_pattern(f->compiled);
        w->sources[w->nsources++] = (struct source){ .mf = f->compiled,
                                                     .ns = t->metric_namespace,
                                                     .metric = t->metric_name,
                                                     .has_default = t->has_default_value,
                                                     .default_value = t->default_value };
    }
    return ot_pattern_set_new(w->pats, w->nsources, &w->set) == OT_OK
               ? OT_OK
               : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
}

ot_status ot_watcher_new(const struct ot_config *c, struct ot_watcher **out, struct ot_error *err)
{
    struct ot_watcher *w = ot_calloc(1, sizeof(*w));
    ot_status st = OT_OK;
    if (w == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    w->dims = OT_BUF_INIT(4096);
    unsigned ncis = 0;
    const struct ot_cis_rule *rules = ot_cis_rules(&ncis);
    if (!c->cis_pack) {
        ncis = 0;
    }
    unsigned total = ncis + c->nalarms;
    if (total > OT_WATCH_MAX_ALARMS) {
        st = ot_fail(err, OT_E_LIMIT, "define fewer Alarms", "%u alarms (at most %u)", total,
                     OT_WATCH_MAX_ALARMS);
        goto out;
    }
    w->alarms = ot_calloc(total ? total : 1, sizeof(*w->alarms));
    st = w->alarms == NULL ? ot_fail(err, OT_E_NOMEM, NULL, "out of memory") : OT_OK;
    if (st == OT_OK) {
        st = ot_matcher_new(&w->m) == OT_OK ? OT_OK
                                            : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (st == OT_OK) {
        st = build_sources(w, c, err);
    }
    for (unsigned i = 0; i < ncis && st == OT_OK; i++) {
        struct ot_watch_alarm pub = { .name = rules[i].id,
                                      .title = rules[i].title,
                                      .rule = &rules[i],
                                      .def = *ot_cis_alarm(),
                                      .actions_enabled = true,
                                      .alarm_actions = c->cis_alarm_actions.v,
                                      .nalarm_actions = c->cis_alarm_actions.n };
        st = add_alarm(w, &pub, OT_CIS_NAMESPACE, rules[i].id, err);
    }
    for (uint32_t i = 0; i < c->nalarms && st == OT_OK; i++) {
        const struct ot_conf_alarm *ca = &c->alarms[i];
        struct ot_watch_alarm pub = {
            .name = ca->alarm_name,
            .title = ca->alarm_description ? ca->alarm_description : ca->alarm_name,
            .def = ca->def,
            .actions_enabled = ca->actions_enabled,
            .alarm_actions = ca->alarm_actions.v,
            .nalarm_actions = ca->alarm_actions.n,
            .ok_actions = ca->ok_actions.v,
            .nok_actions = ca->ok_actions.n,
        };
        st = add_alarm(w, &pub, ca->namespace_, ca->metric_name, err);
    }
    unsigned maxr = 1;
    for (unsigned i = 0; i < w->nalarms; i++) {
        maxr = w->alarms[i].range > maxr ? w->alarms[i].range : maxr;
    }
    if (st == OT_OK) {
        w->scratch = ot_calloc(maxr, sizeof(*w->scratch));
        st = w->scratch ? OT_OK : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
out:
    if (st != OT_OK) {
        ot_watcher_free(w);
        return st;
    }
    *out = w;
    return OT_OK;
}

unsigned ot_watcher_nalarms(const struct ot_watcher *w)
{
    return w->nalarms;
}

const struct ot_watch_alarm *ot_watcher_alarm(const struct ot_watcher *w, unsigned i)
{
    return i < w->nalarms ? &w->alarms[i].pub : NULL;
}

enum ot_alarm_state ot_watcher_state(const struct ot_watcher *w, unsigned i)
{
    return i < w->nalarms ? w->alarms[i].state : OT_ALARM_INSUFFICIENT_DATA;
}

bool ot_watcher_dirty(const struct ot_watcher *w)
{
    return w->dirty;
}

uint64_t ot_watcher_position(const struct ot_watcher *w)
{
    return w->pos;
}

/* Move the newest slot to the period @now_ms is in; true when a period closed.
 * Closed periods without data get the filter's defaultValue, as CloudWatch
 * publishes it for them. */
static bool advance(struct alarm *a, int64_t now_ms)
{
    int64_t k = floor_div(now_ms, a->period_ms);
    if (a->cur == EMPTY) {
        a->cur = k;
        return false;
    }
    if (k <= a->cur) {
        return false;
    }
    int64_t lo = k - (int64_t)a->range + 1; /* the oldest period still in view */
    for (int64_t j = a->cur + 1 > lo ? a->cur + 1 : lo; j <= k; j++) {
        memset(&a->ring[slot(a, j)], 0, sizeof(a->ring[0])); /* periods that begin */
    }
    for (int64_t j = a->cur > lo ? a->cur : lo; a->has_default && j < k; j++) {
        struct ot_datapoint *dp = &a->ring[slot(a, j)]; /* periods that closed */
        if (!dp->present) {
            ot_datapoint_add(dp, a->default_value);
        }
    }
    a->cur = k;
    return true;
}

static ot_status evaluate(struct ot_watcher *w, unsigned i, int64_t now_ms,
                          const struct ot_record *rec, ot_watch_fn fn, void *ctx,
                          struct ot_error *err)
{
    struct alarm *a = &w->alarms[i];
    for (unsigned k = 0; k < a->range; k++) {
        w->scratch[k] = a->ring[slot(a, a->cur - (int64_t)a->range + 1 + (int64_t)k)];
    }
    enum ot_alarm_state to = ot_alarm_evaluate(&a->pub.def, w->scratch, a->range, a->state);
    if (to == a->state) {
        return OT_OK;
    }
    struct ot_watch_change chg = { .alarm = i, .from = a->state, .to = to, .at_ms = now_ms };
    for (unsigned k = a->range; k-- > 0;) {
        if (w->scratch[k].present) { /* the newest period with data says what crossed */
            chg.value = ot_alarm_statistic(&a->pub.def, &w->scratch[k]);
            chg.has_value = true;
            break;
        }
    }
    chg.seq = ++w->seq;
    chg.event = rec;
    a->state = to;
    w->dirty = true;
    return fn != NULL ? fn(ctx, &chg, err) : OT_OK;
}

ot_status ot_watcher_add(struct ot_watcher *w, const struct ot_record *rec, uint64_t next,
                         int64_t now_ms, ot_watch_fn fn, void *ctx, struct ot_error *err)
{
    if (next <= w->pos) {
        return OT_OK; /* evaluated before the restart: a replay */
    }
    w->pos = next;
    w->dirty = true;
    if (w->nsources == 0 || ot_pattern_set_match(w->set, w->m, rec, w->hits) == 0) {
        return OT_OK;
    }
    for (unsigned s = 0; s < w->nsources; s++) {
        const struct source *src = &w->sources[s];
        double v = 1;
        if (!w->hits[s] ||
            (src->rule != NULL && src->rule->refine != NULL && !src->rule->refine(rec))) {
            continue;
        }
        ot_buf_reset(&w->dims);
        if (src->mf != NULL && !ot_metric_filter_apply(src->mf, w->m, rec, &v, &w->dims)) {
            continue; /* no usable value: CloudWatch publishes nothing */
        }
        for (unsigned i = 0; i < w->nalarms; i++) {
            struct alarm *a = &w->alarms[i];
            if (strcmp(a->metric, src->metric) != 0 || strcmp(a->ns, src->ns) != 0) {
                continue;
            }
            (void)advance(a, now_ms);
            ot_datapoint_add(&a->ring[slot(a, a->cur)], v);
            a->touched = true;
        }
    }
    ot_status st = OT_OK;
    for (unsigned i = 0; i < w->nalarms; i++) {
        if (w->alarms[i].touched) {
            w->alarms[i].touched = false;
            if (st == OT_OK) {
                st = evaluate(w, i, now_ms, rec, fn, ctx, err);
            }
        }
    }
    return st;
}

ot_status ot_watcher_tick(struct ot_watcher *w, int64_t now_ms, ot_watch_fn fn, void *ctx,
                          struct ot_error *err)
{
    ot_status st = OT_OK;
    for (unsigned i = 0; i < w->nalarms && st == OT_OK; i++) {
        if (advance(&w->alarms[i], now_ms)) {
            w->dirty = true;
            st = evaluate(w, i, now_ms, NULL, fn, ctx, err);
        }
    }
    return st;
}

/* ---- the state file ------------------------------------------------------ */

#define STATE_MAGIC "opentrail-watch 1\n"

static ot_status def_text(const struct ot_alarm_def *d, char *out, size_t n)
{
    int k =
        snprintf(out, n, "%u/%u/%u/%.17g/%d/%d/%d", d->period_s, d->evaluation_periods,
                 d->datapoints_to_alarm, d->threshold, (int)d->cmp, (int)d->stat, (int)d->missing);
    return k > 0 && (size_t)k < n ? OT_OK : OT_E_LIMIT;
}

ot_status ot_watcher_save(struct ot_watcher *w, const char *path, struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_WATCH_STATE_MAX_BYTES);
    ot_status st =
        ot_buf_printf(&b, STATE_MAGIC "position %" PRIu64 "\nseq %" PRIu64 "\n", w->pos, w->seq);
    for (unsigned i = 0; i < w->nalarms && st == OT_OK; i++) {
        const struct alarm *a = &w->alarms[i];
        char def[160];
        unsigned n = 0;
        if (strchr(a->pub.name, '\n') != NULL || def_text(&a->pub.def, def, sizeof(def)) != OT_OK) {
            continue; /* cannot be named on one line: starts afresh after a restart */
        }
        for (unsigned k = 0; k < a->range; k++) {
            n += a->ring[k].present;
        }
        st = ot_buf_printf(&b, "alarm %d %" PRId64 " %s %u %s\n", (int)a->state,
                           a->cur == EMPTY ? (int64_t)-1 : a->cur, def, n, a->pub.name);
        for (unsigned k = 0; k < a->range && st == OT_OK && a->cur != EMPTY; k++) {
            int64_t j = a->cur - (int64_t)k;
            const struct ot_datapoint *dp = &a->ring[slot(a, j)];
            if (dp->present) {
                st = ot_buf_printf(&b, "p %" PRId64 " %.17g %.17g %.17g %.17g\n", j, dp->sum,
                                   dp->count, dp->min, dp->max);
            }
        }
    }
    if (st != OT_OK) {
        ot_buf_cleanup(&b);
        return ot_fail(err, st, "define fewer alarms or shorter ranges",
                       "the alarm state does not fit in %u bytes", OT_WATCH_STATE_MAX_BYTES);
    }
    st = ot_file_replace(path, b.data, b.len, false, err);
    ot_buf_cleanup(&b);
    if (st == OT_OK) {
        w->dirty = false;
    }
    return st;
}

static struct alarm *find(struct ot_watcher *w, const char *name, size_t n)
{
    for (unsigned i = 0; i < w->nalarms; i++) {
        if (strlen(w->alarms[i].pub.name) == n && memcmp(w->alarms[i].pub.name, name, n) == 0) {
            return &w->alarms[i];
        }
    }
    return NULL;
}

static ot_status damaged(struct ot_error *err, const char *path, unsigned line)
{
    ot_status st = ot_fail(err, OT_E_PARSE, "remove it: the alarms start afresh",
                           "the alarm state file is damaged");
    ot_error_at(err, "%s", path);
    if (err != NULL) {
        err->line = line;
    }
    return st;
}

ot_status ot_watcher_load(struct ot_watcher *w, const char *path, struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_WATCH_STATE_MAX_BYTES);
    struct ot_error e;
    ot_error_clear(&e);
    ot_status st = ot_file_read(path, &b, &e);
    if (st != OT_OK) {
        ot_buf_cleanup(&b);
        if (st == OT_E_IO && e.sys_errno == 2 /* ENOENT */) {
            return OT_OK; /* a first start */
        }
        if (err != NULL) {
            *err = e;
        }
        return st;
    }
    if (b.len < sizeof(STATE_MAGIC) - 1 || b.data[b.len - 1] != '\n' ||
        memcmp(b.data, STATE_MAGIC, sizeof(STATE_MAGIC) - 1) != 0) {
        ot_buf_cleanup(&b);
        return damaged(err, path, 1);
    }
    uint64_t pos = 0, seq = 0;
    struct alarm *cur = NULL;
    unsigned line = 1;
    st = OT_OK;
    /* lines are NUL-terminated in place so sscanf stops at each end */
    for (char *p = b.data + sizeof(STATE_MAGIC) - 1, *end = b.data + b.len; p < end && st == OT_OK;
         line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        *nl = '\0';
        int used = 0, state = 0;
        int64_t k = 0;
        double sum, cnt, mn, mx;
        char def[160];
        unsigned n;
        if (sscanf(p, "position %" SCNu64 "%n", &pos, &used) == 1 && used == (int)(nl - p)) {
            /* read */
        } else if (sscanf(p, "seq %" SCNu64 "%n", &seq, &used) == 1 && used == (int)(nl - p)) {
            /* read */
        } else if (sscanf(p, "alarm %d %" SCNd64 " %159s %u %n", &state, &k, def, &n, &used) == 4 &&
                   used > 0 && used < (int)(nl - p) && state >= 0 && state <= 2) {
            cur = find(w, p + used, (size_t)(nl - p - used));
            char mine[160];
            if (cur != NULL &&
                (def_text(&cur->pub.def, mine, sizeof(mine)) != OT_OK || strcmp(mine, def) != 0)) {
                cur = NULL; /* redefined: it starts afresh */
            }
            if (cur != NULL) {
                cur->state = (enum ot_alarm_state)state;
                cur->cur = k < 0 ? EMPTY : k;
                memset(cur->ring, 0, cur->range * sizeof(*cur->ring));
            }
        } else if (sscanf(p, "p %" SCNd64 " %lg %lg %lg %lg%n", &k, &sum, &cnt, &mn, &mx, &used) ==
                       5 &&
                   used == (int)(nl - p)) {
            if (cur != NULL && cur->cur != EMPTY && k <= cur->cur &&
                k > cur->cur - (int64_t)cur->range) {
                cur->ring[slot(cur, k)] =
                    (struct ot_datapoint){ .present = true, sum, cnt, mn, mx };
            }
        } else {
            st = damaged(err, path, line + 1);
        }
        p = nl + 1;
    }
    ot_buf_cleanup(&b);
    if (st == OT_OK) {
        w->pos = pos;
        w->seq = seq;
        w->dirty = false;
    }
    return st;
}
