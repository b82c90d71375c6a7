/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/serve.c - `opentrail serve`: the ingest API over HTTP
 * (libmicrohttpd), the durable spool in front of it, and the delivery thread
 * behind it that turns spooled records into signed CloudTrail log files.
 *
 * Process concerns live here and nowhere else: sockets, threads, signals,
 * the clock and the log. The work is the library's: ot_auth_check and
 * ot_intake_parse (capture), ot_spool_* (capture), ot_live_* (select, store,
 * prove). An HTTP thread answers 2xx only after ot_spool_sync() covered its
 * records; the delivery thread moves the spool checkpoint only after the log
 * files holding them are durable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "daemon/alerting.h"
#include "daemon/daemon.h"
#include "daemon/stores.h"
#include "opentrail/capture.h"
#include "opentrail/config.h"
#include "opentrail/prove.h"
#include "opentrail/record.h"
#include "opentrail/spool.h"
#include "opentrail/store.h"

#define PATH_BYTES       4096u
#define READ_BATCH       (4u * 1024u * 1024u)
#define LAT_BUCKETS      12
#define MAX_ARGS_QUERY   8192u
#define RETRY_AFTER_S    "2"
#define DELIVERY_WAIT_MS 200u

static const double lat_bounds_s[LAT_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,   0.25,   0.5,   1.0,  2.5,   5.0 };

/* Counters for /metrics: written by many threads, read by the scrape. */
struct counters {
    atomic_ullong requests[6]; /* 2xx, 400, 401/403, 413, 503, other */
    atomic_ullong accepted, rejected, spooled_bytes;
    atomic_ullong lat_bucket[LAT_BUCKETS + 1];
    atomic_ullong lat_sum_us, lat_count;
    atomic_ullong delivery_errors;
    atomic_ullong replays;
};

struct daemon {
    const struct otd_opts *o;
    char spool_dir[PATH_BYTES], state_dir[PATH_BYTES], keys_dir[PATH_BYTES],
        buckets_dir[PATH_BYTES];
    pthread_rwlock_t cfg_lock; /* HTTP threads read c; a reload swaps it */
    struct ot_config *c;
    struct ot_spool *spool;
    struct ot_replay *replay; /* answers to signed requests within the clock window */
    struct ot_backend backend;
    struct ot_kek_ring *kek; /* opens sealed objects; seals new ones with EncryptAtRest */
    struct counters n;
    atomic_bool stopping;
    atomic_bool ready;
    atomic_int reload; /* SIGHUP seen */
    /* delivery's view, for /metrics (under stats_lock) */
    pthread_mutex_t stats_lock;
    struct ot_live_stats live;
    bool delivery_ok;
    char delivery_error[512];
    struct otd_alerting *alerting; /* live alarms and notifications (alerting.c) */
};

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        got_hup = 1;
    } else {
        got_term = 1;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 1, 2))) static void logf_(const char *fmt, ...)
{
    char t[21];
    ot_time_iso(now_ms(), t);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    (void)fprintf(stderr, "%s opentrail: %s\n", t, line);
}

static void log_line(const char *line)
{
    logf_("%s", line);
}

static void log_err(const char *what, const struct ot_error *err)
{
    char m[1024];
    ot_error_format(err, m, sizeof(m));
    logf_("%s: %s", what, m);
}

/* ---- first start ------------------------------------------------------ */

/* Write the commented default config with a fresh admin key, printed once. */
static int write_default_config(const char *path)
{
    char id[21] = "OTA", secret[41];
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    int rc = 0;
    if (ot_config_new_key(id, secret) != OT_OK || ot_config_default_text(id, secret, &b) != OT_OK) {
        logf_("cannot make the default config: out of memory or randomness");
        rc = 4;
        goto out;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        logf_("cannot create %s: %s", path, strerror(errno));
        rc = 4;
        goto out;
    }
    bool ok = write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        logf_("cannot write %s: %s", path, strerror(errno));
        (void)unlink(path);
        rc = 4;
        goto out;
    }
    /* the one time the secret is shown: on the terminal, never in the log */
    (void)printf("opentrail: first start: wrote %s\n"
                 "opentrail: admin access key (shown once; kept in that file, mode 0600):\n"
                 "  AccessKeyId:     %s\n"
                 "  SecretAccessKey: %s\n"
                 "  send events:     curl -H 'Authorization: Bearer %s' --data-binary "
                 "@events.json http://127.0.0.1:8080/v1/events\n",
                 path, id, secret, secret);
    (void)fflush(stdout);
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    if (b.data != NULL) {
        OPENSSL_cleanse(b.data, b.len);
    }
    ot_buf_cleanup(&b);
    return rc;
}

static bool dir_has_keys(const char *dir)
{
    struct ot_keyring ring = { 0 };
    struct ot_error err;
    bool has = ot_keys_load_dir(dir, &ring, &err) == OT_OK && ring.n > 0;
    ot_keyring_cleanup(&ring);
    return has;
}

/* ---- delivery --------------------------------------------------------- */

struct trails {
    struct ot_live_trail *v;
    size_t n;
    struct otd_stores stores; /* each trail's backend */
};

static void trails_of(const struct ot_config *c, struct trails *t)
{
    t->n = 0;
    for (uint32_t i = 0; i < c->ntrails; i++) {
        const struct ot_conf_trail *ct = &c->trails[i];
        struct ot_live_trail *lt = &t->v[t->n++];
        *lt = (struct ot_live_trail){ .name = ct->name,
                                      .bucket = ct->s3_bucket_name,
                                      .prefix = ct->s3_key_prefix,
                                      .org_id =
                                          ct->is_organization_trail ? ct->organization_id : NULL,
                                      .home_region = ct->home_region,
                                      .account_id = ct->account,
                                      .validation = ct->log_file_validation_enabled,
                                      .selectors = ct->selectors,
                                      .backend = otd_stores_trail(&t->stores, i) };
        ot_config_trail_scope(ct, &lt->scope);
    }
}

struct feed {
    struct daemon *d;
    struct ot_live *lv;
    struct ot_reader *reader;
    struct ot_sv json;
    int64_t now;
    ot_status st;
    struct ot_error err;
    uint64_t done; /* position after the last record handed to the writer */
    uint64_t next; /* position after the record being read */
};

static bool on_spooled_record(void *ctx, const struct ot_record *rec)
{
    struct feed *f = ctx;
    struct ot_error err;
    ot_status st = ot_live_add(f->lv, rec, f->json, f->now, &err);
    if (st == OT_E_PARSE) {
        return true; /* counted as undeliverable; the intake keeps such records out */
    }
    if (st == OT_OK) {
        /* after the writer, never instead: alarms see what the trails keep */
        st = otd_alerting_offer(f->d->alerting, rec, f->json, f->next, f->now, &err);
    }
    if (st != OT_OK) {
        f->st = st;
        f->err = err;
        return false;
    }
    return true;
}

static bool on_frame(void *ctx, struct ot_sv rec, uint64_t pos, uint64_t next)
{
    (void)pos;
    struct feed *f = ctx;
    struct ot_read_result res;
    struct ot_error err;
    f->json = rec;
    f->next = next;
    ot_status st = ot_reader_read_mem(f->reader, rec.p, rec.n, "spool", on_spooled_record, NULL, f,
                                      &res, &err);
    if (f->st != OT_OK) {
        return false;
    }
    if (st != OT_OK) {
        log_err("a spooled record cannot be read; skipped", &err);
    }
    f->done = next;
    return true;
}

static void publish_stats(struct daemon *d, const struct ot_live *lv, bool ok, const char *why)
{
    (void)pthread_mutex_lock(&d->stats_lock);
    if (lv != NULL) {
        ot_live_stats(lv, &d->live);
    }
    d->delivery_ok = ok;
    (void)snprintf(d->delivery_error, sizeof(d->delivery_error), "%s", why ? why : "");
    (void)pthread_mutex_unlock(&d->stats_lock);
}

static ot_status open_live(struct daemon *d, const struct ot_config *c, struct trails *t,
                           struct ot_live **lv, struct ot_error *err)
{
    otd_stores_close(&t->stores);
    ot_status st = otd_stores_open(c, &d->backend, &t->stores, err);
    if (st != OT_OK) {
        return st;
    }
    trails_of(c, t);
    struct ot_live_opts lo = {
        .keys_dir = d->keys_dir,
        .state_dir = d->state_dir,
        .interval_ms = (int64_t)c->delivery.interval_seconds * 1000,
        .max_file_bytes = c->delivery.max_log_file_bytes,
        .max_held_bytes = c->delivery.max_held_bytes,
        .dedupe_window_ms = (int64_t)c->delivery.dedupe_window_seconds * 1000,
    };
    return ot_live_open(&lo, t->v, t->n, now_ms(), lv, err);
}

static void *delivery_main(void *arg)
{
    struct daemon *d = arg;
    struct ot_live *lv = NULL;
    struct ot_reader *reader = NULL;
    /* spooled records passed the intake checks: no need to ask whether each is an
     * Insights record (the reader would look at every one) */
    struct ot_read_opts ro = { .read_insights = true };
    struct trails t = { 0 };
    const struct ot_config *c = NULL;
    unsigned backoff_ms = 500;
    if (ot_reader_new(&ro, &reader) != OT_OK) {
        logf_("delivery: out of memory");
        atomic_store(&d->stopping, true);
        return NULL;
    }
    for (;;) {
        struct ot_error err;
        ot_status st = OT_OK;
        bool stop = atomic_load(&d->stopping);
        if (lv == NULL) {
            (void)pthread_rwlock_rdlock(&d->cfg_lock);
            c = d->c;
            (void)pthread_rwlock_unlock(&d->cfg_lock);
            ot_free(t.v);
            t.v = ot_calloc(c->ntrails ? c->ntrails : 1, sizeof(*t.v));
            st = t.v == NULL ? OT_E_NOMEM : open_live(d, c, &t, &lv, &err);
            if (st != OT_OK) {
                log_err("delivery cannot start (retrying)", &err);
                publish_stats(d, NULL, false, err.what);
                atomic_fetch_add(&d->n.delivery_errors, 1);
                if (stop) {
                    break;
                }
                struct timespec ts = { backoff_ms / 1000, (long)(backoff_ms % 1000) * 1000000L };
                (void)nanosleep(&ts, NULL);
                backoff_ms = backoff_ms < 30000 ? backoff_ms * 2 : 30000;
                continue;
            }
            if (otd_alerting_attach(d->alerting, c, &err) != OT_OK) {
                log_err("alarms cannot start; running without them", &err);
            }
            publish_stats(d, lv, true, NULL);
            atomic_store(&d->ready, true);
        }
        struct ot_spool_stats ss;
        ot_spool_stats(d->spool, &ss);
        /* replay from the checkpoint: everything after it is not in a sealed file */
        struct feed f = { .d = d, .lv = lv, .reader = reader, .st = OT_OK, .done = ss.checkpoint };
        uint64_t pos = ss.checkpoint;
        bool failed = false;
        for (;;) {
            stop = atomic_load(&d->stopping);
            bool reload = atomic_load(&d->reload) != 0;
            ot_spool_stats(d->spool, &ss);
            while (pos < ss.durable && f.st == OT_OK) {
                uint64_t next;
                f.now = now_ms();
                st = ot_spool_read(d->spool, pos, READ_BATCH, on_frame, &f, &next, &err);
                if (st == OT_E_PARSE && f.st == OT_OK) {
                    /* a frame damaged on disk after it was acknowledged: say so loudly,
                     * deliver the rest rather than stall every trail behind it */
                    uint64_t skip = ot_spool_skip_damaged(d->spool, f.done);
                    log_err("SPOOL DAMAGED: skipping to the next segment", &err);
                    logf_("spool bytes %" PRIu64 " to %" PRIu64 " were not delivered", f.done,
                          skip);
                    atomic_fetch_add(&d->n.delivery_errors, 1);
                    f.done = skip;
                    pos = skip;
                    st = OT_OK;
                    continue;
                }
                if (st == OT_OK && f.st != OT_OK) {
                    st = f.st;
                    err = f.err;
                }
                if (st != OT_OK) {
                    break;
                }
                pos = f.done;
                if (next == pos && pos < ss.durable && f.done == pos) {
                    /* a segment boundary: the read moved on without a record */
                    pos = next;
                }
                publish_stats(d, lv, true, NULL); /* /metrics stays live through a backlog */
            }
            if (f.st != OT_OK) {
                st = f.st;
                err = f.err;
            }
            bool sealed = false;
            if (st == OT_OK && stop) {
                st = ot_live_finish(lv, now_ms(), &sealed, &err);
            } else if (st == OT_OK) {
                st = ot_live_tick(lv, now_ms(), reload, &sealed, &err);
            }
            if (st == OT_OK) {
                st = otd_alerting_tick(d->alerting, now_ms(), &err);
            }
            if (st == OT_OK && sealed && pos > ss.checkpoint) {
                /* the spool forgets what lies before pos: the alarms must have saved it */
                st = otd_alerting_save(d->alerting, &err);
            }
            if (st == OT_OK && sealed && pos > ss.checkpoint) {
                st = ot_spool_checkpoint(d->spool, pos, &err);
                if (st == OT_OK) {
                    st = ot_live_checkpointed(lv, pos, now_ms(), &err);
                }
            }
            if (st != OT_OK) {
                log_err("delivery failed; recovering from the spool", &err);
                publish_stats(d, lv, false, err.what);
                atomic_fetch_add(&d->n.delivery_errors, 1);
                failed = true;
                break;
            }
            publish_stats(d, lv, true, NULL);
            backoff_ms = 500;
            if (stop || reload) {
                break;
            }
            (void)ot_spool_wait(d->spool, pos, DELIVERY_WAIT_MS);
            st = OT_OK;
        }
        otd_alerting_detach(d->alerting);
        ot_live_close(lv);
        lv = NULL;
        otd_stores_close(&t.stores);
        if (atomic_load(&d->stopping) && !failed) {
            break;
        }
        if (atomic_load(&d->reload) != 0) {
            atomic_store(&d->reload, 0);
        }
        if (failed) {
            struct timespec ts = { backoff_ms / 1000, (long)(backoff_ms % 1000) * 1000000L };
            (void)nanosleep(&ts, NULL);
            backoff_ms = backoff_ms < 30000 ? backoff_ms * 2 : 30000;
            if (atomic_load(&d->stopping)) {
                break;
            }
        }
    }
    otd_stores_close(&t.stores);
    ot_free(t.v);
    ot_reader_free(reader);
    return NULL;
}

/* ---- HTTP ------------------------------------------------------------- */

struct request {
    struct ot_buf body;
    bool too_large;
    double started;
    unsigned answer_status; /* a 2xx ingest answer, kept for a replay of its signature */
    struct ot_buf answer;
};

static void count_status(struct daemon *d, unsigned code)
{
    int i = code < 300                     ? 0
            : code == 400                  ? 1
            : (code == 401 || code == 403) ? 2
            : code == 413                  ? 3
            : code == 503                  ? 4
                                           : 5;
    atomic_fetch_add(&d->n.requests[i], 1);
}

static enum MHD_Result respond(struct daemon *d, struct MHD_Connection *conn, unsigned code,
                               const char *ctype, struct ot_buf *body, bool retry_after)
{
    count_status(d, code);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_COPY);
    ot_buf_cleanup(body);
    if (r == NULL) {
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", ctype);
    if (retry_after) {
        (void)MHD_add_response_header(r, "Retry-After", RETRY_AFTER_S);
    }
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_error(struct daemon *d, struct MHD_Connection *conn, unsigned code,
                                     const char *type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum MHD_Result respond_error(struct daemon *d, struct MHD_Connection *conn, unsigned code,
                                     const char *type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct ot_buf b = OT_BUF_INIT(8192);
    /* AWS JSON errors carry __type and message; code is for humans and scripts */
    ot_status st = ot_buf_printf(&b, "{\"__type\":\"%s\",\"code\":\"%s\",\"message\":", type, type);
    if (st == OT_OK) {
        st = ot_buf_json_str(&b, ot_sv_cstr(msg));
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "}\n");
    }
    if (st != OT_OK) {
        ot_buf_cleanup(&b);
    }
    return respond(d, conn, code, "application/json", &b, code == 503);
}

struct hdrs {
    struct ot_http_header v[OT_AUTH_MAX_HEADERS];
    size_t n;
    bool overflow;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct hdrs *h = cls;
    if (h->n == OT_AUTH_MAX_HEADERS) {
        h->overflow = true;
        return MHD_NO;
    }
    h->v[h->n++] = (struct ot_http_header){ ot_sv_cstr(key), ot_sv_cstr(value ? value : "") };
    return MHD_YES;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static ot_status enc(struct ot_buf *b, const char *s)
{
    ot_status st = OT_OK;
    for (; *s != '\0' && st == OT_OK; s++) {
        unsigned char c = (unsigned char)*s;
        st = unreserved(c) ? ot_buf_putc(b, (char)c) : ot_buf_printf(b, "%%%02X", c);
    }
    return st;
}

/* MHD hands over the query decoded: write it back as RFC 3986 text, which is
 * what SigV4 canonicalises anyway. */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct ot_buf *q = cls;
    ot_status st = q->len > 0 ? ot_buf_putc(q, '&') : OT_OK;
    if (st == OT_OK) {
        st = enc(q, key);
    }
    if (st == OT_OK) {
        st = ot_buf_putc(q, '=');
    }
    if (st == OT_OK && value != NULL) {
        st = enc(q, value);
    }
    return st == OT_OK ? MHD_YES : MHD_NO;
}

static bool disk_low(const char *dir, uint64_t min_free)
{
    struct statvfs sv;
    if (min_free == 0 || statvfs(dir, &sv) != 0) {
        return false;
    }
    return (uint64_t)sv.f_bavail * sv.f_frsize < min_free;
}

static void observe_latency(struct daemon *d, double seconds)
{
    int i = 0;
    while (i < LAT_BUCKETS && seconds > lat_bounds_s[i]) {
        i++;
    }
    atomic_fetch_add(&d->n.lat_bucket[i], 1);
    atomic_fetch_add(&d->n.lat_sum_us, (unsigned long long)(seconds * 1e6));
    atomic_fetch_add(&d->n.lat_count, 1);
}

static enum MHD_Result ingest_body(struct daemon *d, struct MHD_Connection *conn,
                                   struct request *rq, enum ot_intake_format fmt,
                                   const struct ot_intake_opts *iop);

static enum MHD_Result ingest(struct daemon *d, struct MHD_Connection *conn, const char *url,
                              const char *method, struct request *rq, enum ot_intake_format fmt)
{
    struct hdrs h = { .n = 0 };
    struct ot_buf query = OT_BUF_INIT(MAX_ARGS_QUERY);
    (void)MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &h);
    (void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
    if (h.overflow) {
        ot_buf_cleanup(&query);
        return respond_error(d, conn, 400, "TooManyHeaders", "more than %u request headers",
                             OT_AUTH_MAX_HEADERS);
    }
    struct ot_http_req req = { .method = ot_sv_cstr(method),
                               .path = ot_sv_cstr(url),
                               .query = ot_buf_sv(&query),
                               .headers = h.v,
                               .nheaders = h.n,
                               .body = ot_buf_sv(&rq->body) };
    if (req.query.p == NULL) {
        req.query = ot_sv_cstr("");
    }
    if (req.body.p == NULL) {
        req.body = ot_sv_cstr("");
    }
    (void)pthread_rwlock_rdlock(&d->cfg_lock);
    const struct ot_config *c = d->c;
    const struct ot_conf_access_key *who = NULL;
    struct ot_auth_fail fail = { 403, "AccessDenied" };
    struct ot_error err;
    ot_status st = ot_auth_check(c, &req, now_ms(), &who, &fail, &err);
    ot_buf_cleanup(&query);
    if (st != OT_OK) {
        (void)pthread_rwlock_unlock(&d->cfg_lock);
        return respond_error(d, conn, (unsigned)fail.http_status, fail.code, "%s", err.what);
    }
    char account[32] = "";
    if (who->account != NULL) {
        /* copied: a reload may free the config once the lock is released */
        (void)snprintf(account, sizeof(account), "%s", who->account);
    }
    /* a SigV4 signature seen within the window gets its first answer again */
    struct ot_sv sig = { NULL, 0 };
    for (size_t i = 0; i < h.n; i++) {
        if (h.v[i].name.n == 13 && strncasecmp(h.v[i].name.p, "authorization", 13) == 0) {
            const char *p = strstr(h.v[i].value.p, "Signature=");
            if (p != NULL && strncmp(h.v[i].value.p, "AWS4-", 5) == 0) {
                sig = ot_sv_cstr(p + 10);
            }
        }
    }
    struct ot_intake_opts io = { .account_id = account[0] ? account : NULL,
                                 .max_record_bytes = c->limits.max_record_bytes,
                                 .max_records = c->limits.max_batch_records,
                                 .now_ms = now_ms(),
                                 .account_must_match = who->scope == OT_SCOPE_INGEST };
    uint64_t space_left = c->limits.space_left_bytes;
    (void)pthread_rwlock_unlock(&d->cfg_lock);
    if (disk_low(d->spool_dir, space_left)) {
        return respond_error(d, conn, 503, "ServiceUnavailable",
                             "disk space is below Limits.SpaceLeftBytes; retry later");
    }
    if (sig.p != NULL) {
        int was = 0;
        struct ot_buf again = OT_BUF_INIT(64u << 20);
        st = ot_replay_begin(d->replay, sig, now_ms(), &was, &again);
        if (st == OT_E_USAGE) {
            atomic_fetch_add(&d->n.replays, 1);
            return respond(d, conn, (unsigned)was, "application/json", &again, false);
        }
        ot_buf_cleanup(&again);
        if (st != OT_OK) {
            return respond_error(d, conn, 503, "ServiceUnavailable",
                                 "the same signed request is being handled; retry later");
        }
    }
    enum MHD_Result ret = ingest_body(d, conn, rq, fmt, &io);
    if (sig.p != NULL) {
        ot_replay_end(d->replay, sig, rq->answer_status, ot_buf_sv(&rq->answer));
    }
    return ret;
}

static enum MHD_Result ingest_body(struct daemon *d, struct MHD_Connection *conn,
                                   struct request *rq, enum ot_intake_format fmt,
                                   const struct ot_intake_opts *iop)
{
    struct ot_intake_opts io = *iop;
    struct ot_error err;
    ot_status st;
    struct ot_intake in = { .records = OT_BUF_INIT(0) };
    st = ot_intake_parse(ot_buf_sv(&rq->body), fmt, &io, &in, &err);
    if (st != OT_OK) {
        ot_intake_cleanup(&in);
        char m[768];
        ot_error_format(&err, m, sizeof(m));
        return st == OT_E_LIMIT ? respond_error(d, conn, 413, "BatchTooLarge", "%s", m)
               : st == OT_E_NOMEM
                   ? respond_error(d, conn, 503, "ServiceUnavailable", "out of memory")
                   : respond_error(d, conn, 400, "InvalidRequest", "%s", m);
    }
    if (in.nok > 0) {
        struct ot_sv *recs = ot_calloc(in.nok, sizeof(*recs));
        uint64_t end = 0;
        if (recs == NULL) {
            ot_intake_cleanup(&in);
            return respond_error(d, conn, 503, "ServiceUnavailable", "out of memory");
        }
        for (size_t i = 0; i < in.nok; i++) {
            recs[i] = (struct ot_sv){ in.records.data + in.ok[i].off, in.ok[i].len };
        }
        st = ot_spool_append(d->spool, recs, in.nok, &end, &err);
        ot_free(recs);
        if (st == OT_OK) {
            st = ot_spool_sync(d->spool, end, &err);
        }
        if (st != OT_OK) {
            ot_intake_cleanup(&in);
            if (st == OT_E_RETRY || st == OT_E_NOSPC) {
                return respond_error(d, conn, 503, "ServiceUnavailable", "%s; retry later",
                                     err.what);
            }
            log_err("spool", &err);
            return respond_error(d, conn, 500, "InternalFailure",
                                 "the spool cannot store the batch; nothing was accepted");
        }
        atomic_fetch_add(&d->n.spooled_bytes, in.records.len);
    }
    atomic_fetch_add(&d->n.accepted, in.nok);
    atomic_fetch_add(&d->n.rejected, in.nfailed);
    struct ot_buf out = OT_BUF_INIT(64u << 20);
    st = ot_intake_response(&in, fmt, &out);
    ot_intake_cleanup(&in);
    observe_latency(d, mono_s() - rq->started);
    if (st != OT_OK) {
        ot_buf_cleanup(&out);
        /* the records are durable: say so even if the full answer cannot be built */
        struct ot_buf b = OT_BUF_INIT(256);
        (void)ot_buf_append_cstr(&b, "{\"accepted\":true}\n");
        return respond(d, conn, 200, "application/json", &b, false);
    }
    rq->answer = OT_BUF_INIT(out.limit);
    if (ot_buf_append(&rq->answer, out.data, out.len) == OT_OK) {
        rq->answer_status = 200;
    }
    return respond(d, conn, 200, "application/json", &out, false);
}

static enum MHD_Result metrics(struct daemon *d, struct MHD_Connection *conn)
{
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    struct ot_spool_stats ss;
    ot_spool_stats(d->spool, &ss);
    (void)pthread_mutex_lock(&d->stats_lock);
    struct ot_live_stats ls = d->live;
    bool ok = d->delivery_ok;
    (void)pthread_mutex_unlock(&d->stats_lock);
    static const char *const classes[6] = { "2xx", "400", "401_403", "413", "503", "other" };
    ot_status st = ot_buf_append_cstr(
        &b, "# HELP opentrail_http_requests_total HTTP requests answered, by status class.\n"
            "# TYPE opentrail_http_requests_total counter\n");
    for (int i = 0; i < 6 && st == OT_OK; i++) {
        st = ot_buf_printf(&b, "opentrail_http_requests_total{code=\"%s\"} %llu\n", classes[i],
                           (unsigned long long)atomic_load(&d->n.requests[i]));
    }
#define METRIC(name, type, help, val)                                                           \
    if (st == OT_OK) {                                                                          \
        st = ot_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, \
                           name, (unsigned long long)(val));                                    \
    }
    METRIC("opentrail_events_accepted_total", "counter", "Records acknowledged (durable).",
           atomic_load(&d->n.accepted));
    METRIC("opentrail_events_rejected_total", "counter", "Records refused with a reason.",
           atomic_load(&d->n.rejected));
    METRIC("opentrail_spooled_bytes_total", "counter", "Record bytes written to the spool.",
           atomic_load(&d->n.spooled_bytes));
    METRIC("opentrail_spool_pending_bytes", "gauge", "Spooled bytes not yet in a durable log file.",
           ss.pending_bytes);
    METRIC("opentrail_spool_syncs_total", "counter", "fdatasync calls of the spool (group commit).",
           ss.syncs);
    METRIC("opentrail_delivery_records_read_total", "counter",
           "Spooled records read back and offered to the trails.", ls.records_in);
    METRIC("opentrail_delivered_records_total", "counter", "Records placed in trails' log files.",
           ls.records_kept);
    METRIC("opentrail_duplicate_records_total", "counter",
           "Records dropped because the trail kept their eventID already.", ls.duplicates);
    METRIC("opentrail_delivered_files_total", "counter", "Log files sealed and durable.",
           ls.log_files);
    METRIC("opentrail_digests_total", "counter", "Signed digest files written.", ls.digests);
    METRIC("opentrail_delivered_bytes_total", "counter", "Compressed bytes of log files written.",
           ls.bytes_gz);
    METRIC("opentrail_delivery_errors_total", "counter", "Delivery failures (each is retried).",
           atomic_load(&d->n.delivery_errors));
    METRIC("opentrail_delivery_ok", "gauge", "1 while delivery works.", ok ? 1 : 0);
    METRIC("opentrail_replayed_requests_total", "counter",
           "Signed requests seen again within the clock window, answered from the first.",
           atomic_load(&d->n.replays));
#undef METRIC
    if (st == OT_OK) {
        st = otd_alerting_metrics(d->alerting, &b);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(&b, "# HELP opentrail_ack_latency_seconds Request to durable "
                                    "ACK.\n# TYPE opentrail_ack_latency_seconds histogram\n");
    }
    unsigned long long cum = 0;
    for (int i = 0; i <= LAT_BUCKETS && st == OT_OK; i++) {
        cum += atomic_load(&d->n.lat_bucket[i]);
        if (i < LAT_BUCKETS) {
            st = ot_buf_printf(&b, "opentrail_ack_latency_seconds_bucket{le=\"%g\"} %llu\n",
                               lat_bounds_s[i], cum);
        } else {
            st = ot_buf_printf(&b,
                               "opentrail_ack_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
                               "opentrail_ack_latency_seconds_sum %.6f\n"
                               "opentrail_ack_latency_seconds_count %llu\n",
                               cum, (double)atomic_load(&d->n.lat_sum_us) / 1e6,
                               (unsigned long long)atomic_load(&d->n.lat_count));
        }
    }
    if (st != OT_OK) {
        ot_buf_cleanup(&b);
        return respond_error(d, conn, 503, "ServiceUnavailable", "out of memory");
    }
    return respond(d, conn, 200, "text/plain; version=0.0.4", &b, false);
}

static enum MHD_Result simple(struct daemon *d, struct MHD_Connection *conn, unsigned code,
                              const char *text)
{
    struct ot_buf b = OT_BUF_INIT(4096);
    if (ot_buf_append_cstr(&b, text) != OT_OK) {
        return MHD_NO;
    }
    return respond(d, conn, code, "application/json", &b, code == 503);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct daemon *d = cls;
    struct request *rq = *con_cls;
    if (rq == NULL) {
        rq = ot_calloc(1, sizeof(*rq));
        if (rq == NULL) {
            return MHD_NO;
        }
        rq->started = mono_s();
        (void)pthread_rwlock_rdlock(&d->cfg_lock);
        rq->body = OT_BUF_INIT(d->c->limits.max_body_bytes);
        (void)pthread_rwlock_unlock(&d->cfg_lock);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > rq->body.limit) {
            rq->too_large = true; /* answered before the body is read */
        }
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!rq->too_large && ot_buf_append(&rq->body, upload_data, *upload_data_size) != OT_OK) {
            rq->too_large = true; /* the buffer freed itself; the rest is dropped */
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_large) {
        return respond_error(d, conn, 413, "RequestEntityTooLarge",
                             "the body exceeds Limits.MaxBodyBytes (%zu bytes); send smaller "
                             "batches",
                             rq->body.limit);
    }
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/healthz") == 0) {
        return simple(d, conn, 200, "{\"status\":\"ok\"}\n");
    }
    if (strcmp(url, "/readyz") == 0) {
        bool ready = atomic_load(&d->ready) && !atomic_load(&d->stopping);
        return simple(d, conn, ready ? 200 : 503,
                      ready ? "{\"status\":\"ready\"}\n" : "{\"status\":\"starting\"}\n");
    }
    if (strcmp(url, "/metrics") == 0) {
        return metrics(d, conn);
    }
    if (post && strcmp(url, "/v1/events") == 0) {
        return ingest(d, conn, url, method, rq, OT_INTAKE_EVENTS);
    }
    if (post && strcmp(url, "/PutAuditEvents") == 0) {
        return ingest(d, conn, url, method, rq, OT_INTAKE_PUT_AUDIT_EVENTS);
    }
    if (strcmp(url, "/v1/events") == 0 || strcmp(url, "/PutAuditEvents") == 0) {
        return respond_error(d, conn, 405, "MethodNotAllowed", "use POST");
    }
    return respond_error(d, conn, 404, "UnknownOperation",
                         "no such endpoint: %.200s (POST /v1/events, POST /PutAuditEvents, GET "
                         "/healthz, /readyz, /metrics)",
                         url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request *rq = *con_cls;
    if (rq != NULL) {
        ot_buf_cleanup(&rq->body);
        ot_buf_cleanup(&rq->answer);
        ot_free(rq);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char m[1024];
    (void)vsnprintf(m, sizeof(m), fmt, ap);
    m[strcspn(m, "\n")] = '\0';
    logf_("http: %s", m);
}

/* ---- the process -------------------------------------------------------- */

static int load_config(const char *path, struct ot_config **out)
{
    struct ot_error err;
    ot_status st = ot_config_load(path, out, &err);
    if (st != OT_OK) {
        char m[1024];
        ot_error_format(&err, m, sizeof(m));
        logf_("config: %s", m);
        return st == OT_E_IO ? 4 : 2;
    }
    return 0;
}

static bool join_path(char *out, const char *dir, const char *name)
{
    return (size_t)snprintf(out, PATH_BYTES, "%s/%s", dir, name) < PATH_BYTES;
}

int otd_serve(const struct otd_opts *o)
{
    struct daemon *d = ot_calloc(1, sizeof(*d));
    if (d == NULL) {
        return 4;
    }
    int rc = 0;
    struct MHD_Daemon *mhd = NULL;
    pthread_t deliverer;
    bool deliverer_up = false;
    struct ot_error err;
    d->o = o;
    (void)pthread_rwlock_init(&d->cfg_lock, NULL);
    (void)pthread_mutex_init(&d->stats_lock, NULL);
    if (!join_path(d->spool_dir, o->data_dir, "spool") ||
        !join_path(d->state_dir, o->data_dir, "state") ||
        !join_path(d->keys_dir, o->data_dir, "keys") ||
        !join_path(d->buckets_dir, o->data_dir, "buckets")) {
        logf_("the data folder path is too long");
        rc = 2;
        goto out;
    }
    if (mkdir(o->data_dir, 0750) != 0 && errno != EEXIST) {
        logf_("cannot create %s: %s", o->data_dir, strerror(errno));
        rc = 4;
        goto out;
    }
    if (access(o->config_path, F_OK) != 0) {
        rc = write_default_config(o->config_path);
        if (rc != 0) {
            goto out;
        }
    }
    rc = load_config(o->config_path, &d->c);
    if (rc != 0) {
        goto out;
    }
    if (!dir_has_keys(d->keys_dir)) {
        char fp[33];
        /* valid from the start of this hour, so the first digest can be signed */
        int64_t from = now_ms();
        from -= from % OT_HOUR_MS;
        if (ot_keys_generate(d->keys_dir, 0, from, fp, &err) != OT_OK) {
            log_err("cannot generate a signing key", &err);
            rc = 4;
            goto out;
        }
        logf_("generated a digest signing key %s in %s (opentrail keys export publishes it)", fp,
              d->keys_dir);
    }
    if (ot_store_local_open_batch(d->buckets_dir, &d->backend, &err) != OT_OK) {
        log_err("cannot open the local store", &err);
        rc = 4;
        goto out;
    }
    if (ot_kek_load_dir(d->keys_dir, &d->kek, &err) != OT_OK) {
        log_err("cannot load the key-encryption keys", &err);
        rc = err.sys_errno == 0 ? 2 : 4;
        goto out;
    }
    if (d->c->encrypt_at_rest && ot_kek_current(d->kek) == NULL) {
        char id[17];
        ot_kek_ring_free(d->kek);
        d->kek = NULL;
        if (ot_kek_generate(d->keys_dir, id, &err) != OT_OK ||
            ot_kek_load_dir(d->keys_dir, &d->kek, &err) != OT_OK) {
            log_err("cannot generate a key-encryption key", &err);
            rc = 4;
            goto out;
        }
        logf_("generated key-encryption key %s in %s (back it up: without it the logs "
              "cannot be read)",
              id, d->keys_dir);
    }
    if (ot_store_local_encrypt(&d->backend, d->kek, d->c->encrypt_at_rest, &err) != OT_OK) {
        log_err("cannot set up encryption at rest", &err);
        rc = 2;
        goto out;
    }
    /* twice the clock window: a request dated 5 minutes ahead stays valid for 10 */
    if (ot_replay_new(65536, 64u << 20, 2 * OT_AUTH_SKEW_MS, &d->replay) != OT_OK) {
        logf_("out of memory");
        rc = 4;
        goto out;
    }
    struct ot_spool_opts so = { .dir = d->spool_dir, .max_bytes = d->c->limits.spool_max_bytes };
    if (ot_spool_open(&so, &d->spool, &err) != OT_OK) {
        log_err("cannot open the spool", &err);
        rc = 4;
        goto out;
    }
    struct ot_spool_stats ss;
    ot_spool_stats(d->spool, &ss);
    if (ss.cut_bytes > 0) {
        logf_("spool: %" PRIu64 " bytes of a torn last append (never acknowledged) were cut and "
              "kept in %s/*.cut-*",
              ss.cut_bytes, d->spool_dir);
    }
    if (ss.pending_bytes > 0) {
        logf_("spool: %" PRIu64 " bytes to replay from position %" PRIu64, ss.pending_bytes,
              ss.checkpoint);
    }
    struct otd_alerting_opts ao = {
        .state_dir = d->state_dir, .cfg_lock = &d->cfg_lock, .cfg = &d->c, .log = log_line
    };
    rc = otd_alerting_open(&ao, &d->alerting);
    if (rc != 0) {
        goto out;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    (void)sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    (void)signal(SIGPIPE, SIG_IGN);
    if (pthread_create(&deliverer, NULL, delivery_main, d) != 0) {
        logf_("cannot start the delivery thread");
        rc = 4;
        goto out;
    }
    deliverer_up = true;

    char addr[256];
    unsigned port = (unsigned)d->c->listener.port;
    (void)snprintf(addr, sizeof(addr), "%s", d->c->listener.address);
    if (o->listen != NULL) {
        const char *colon = strrchr(o->listen, ':');
        if (colon == NULL || (size_t)(colon - o->listen) >= sizeof(addr)) {
            logf_("--listen wants ADDRESS:PORT, not %s", o->listen);
            rc = 2;
            goto out;
        }
        (void)snprintf(addr, sizeof(addr), "%.*s", (int)(colon - o->listen), o->listen);
        port = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || port == 0 || port > 65535) {
        logf_("cannot listen on %s:%u: give an IPv4 address and a port", addr, port);
        rc = 2;
        goto out;
    }
    /* a thread per connection: a handler blocks in the spool's fdatasync, and
     * requests waiting together must reach the spool together to share one */
    mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                               MHD_USE_POLL | MHD_USE_ERROR_LOG,
                           (uint16_t)port, NULL, NULL, on_request, d, MHD_OPTION_EXTERNAL_LOGGER,
                           mhd_log, d, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                           MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->c->limits.max_connections,
                           MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED,
                           on_completed, d, MHD_OPTION_END);
    if (mhd == NULL) {
        logf_("cannot listen on %s:%u: %s (is another opentrail running? set Listener.Port)", addr,
              port, strerror(errno));
        rc = 4;
        goto out;
    }
    logf_("listening on http://%s:%u (POST /v1/events, POST /PutAuditEvents, GET /healthz "
          "/readyz /metrics); data in %s; %u trail(s); encryption at rest %s",
          addr, port, o->data_dir, d->c->ntrails, d->c->encrypt_at_rest ? "on" : "off");
    while (!got_term && !atomic_load(&d->stopping)) {
        struct timespec ts = { 0, 100000000L };
        (void)nanosleep(&ts, NULL);
        if (got_hup) {
            got_hup = 0;
            struct ot_config *nc = NULL;
            if (load_config(o->config_path, &nc) != 0) {
                logf_("reload refused: the running config stays in force");
                continue;
            }
            (void)pthread_rwlock_wrlock(&d->cfg_lock);
            struct ot_config *old = d->c;
            d->c = nc;
            (void)pthread_rwlock_unlock(&d->cfg_lock);
            /* delivery seals what it holds under the old trails, then reopens */
            atomic_store(&d->reload, 1);
            ot_spool_wake(d->spool);
            while (atomic_load(&d->reload) != 0 && !got_term) {
                struct timespec w = { 0, 20000000L };
                (void)nanosleep(&w, NULL);
            }
            ot_config_free(old);
            logf_("config reloaded: %u trail(s), %u key(s)", nc->ntrails, nc->nkeys);
        }
    }
    logf_("stopping: sealing open log files");
out:
    if (mhd != NULL) {
        MHD_stop_daemon(mhd);
    }
    atomic_store(&d->stopping, true);
    if (deliverer_up) {
        ot_spool_wake(d->spool);
        (void)pthread_join(deliverer, NULL);
    }
    otd_alerting_close(d->alerting); /* after delivery: it feeds the watcher */
    ot_spool_close(d->spool);
    ot_replay_free(d->replay);
    if (d->backend.ops != NULL) {
        ot_store_close(&d->backend);
    }
    ot_kek_ring_free(d->kek);
    ot_config_free(d->c);
    (void)pthread_rwlock_destroy(&d->cfg_lock);
    (void)pthread_mutex_destroy(&d->stats_lock);
    ot_free(d);
    return rc;
}
