/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/stores.c - one backend per distinct Storage of the config, and the
 * S3 credentials: the Storage's own key pair, else its CredentialsProfile,
 * else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
 * [AWS_PROFILE or default] of the shared credentials file, as the AWS CLI
 * looks. Process concerns (the environment, the clock) stay here; the
 * library takes them as arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/stores.h"

static int64_t clock_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clock_sleep_ms(void *ctx, unsigned ms)
{
    (void)ctx;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

ot_status otd_store_open_s3(const struct ot_conf_storage *s, struct ot_backend *out,
                            struct ot_error *err)
{
    static const char *const sse[] = { "AES256", "aws:kms" }; /* enum ot_storage_sse */
    struct ot_s3_creds c = { 0 };
    struct ot_s3_opts so = {
        .endpoint = s->endpoint,
        .region = s->region,
        .virtual_host = s->virtual_host,
        .sse = s->has_sse ? sse[s->sse == OT_SSE_KMS] : NULL,
        .kms_key_id = s->kms_key_id,
        .timeout_ms = (unsigned)s->timeout_seconds * 1000u,
        .retry_for_ms = (unsigned)s->retry_for_seconds * 1000u,
        .now_ms = clock_now_ms,
        .sleep_ms = clock_sleep_ms,
    };
    if (s->access_key_id != NULL) {
        so.access_key = s->access_key_id;
        so.secret_key = s->secret_access_key;
        so.session_token = s->session_token;
    } else if (s->credentials_profile == NULL && env("AWS_ACCESS_KEY_ID") &&
               env("AWS_SECRET_ACCESS_KEY")) {
        so.access_key = env("AWS_ACCESS_KEY_ID");
        so.secret_key = env("AWS_SECRET_ACCESS_KEY");
        so.session_token = env("AWS_SESSION_TOKEN");
    } else {
        char path[4096];
        const char *f =
            s->credentials_file ? s->credentials_file : env("AWS_SHARED_CREDENTIALS_FILE");
        if (f == NULL) {
            const char *home = env("HOME");
            if ((size_t)snprintf(path, sizeof(path), "%s/.aws/credentials", home ? home : "") >=
                sizeof(path)) {
                return ot_fail(err, OT_E_USAGE, "set CredentialsFile", "HOME is too long");
            }
            f = path;
        }
        const char *profile = s->credentials_profile ? s->credentials_profile
                              : env("AWS_PROFILE")   ? env("AWS_PROFILE")
                                                     : "default";
        ot_status st = ot_s3_creds_load(f, profile, &c, err);
        if (st != OT_OK) {
            return st;
        }
        so.access_key = c.access_key;
        so.secret_key = c.secret_key;
        so.session_token = c.session_token;
    }
    ot_status st = ot_store_s3_open(&so, out, err);
    ot_s3_creds_cleanup(&c); /* the backend keeps its own copies */
    return st;
}

ot_status otd_stores_open(const struct ot_config *c, const struct ot_backend *local,
                          struct otd_stores *out, struct ot_error *err)
{
    struct otd_stores s = { .ntrails = c->ntrails, .local = local };
    ot_status st = OT_OK;
    s.of_trail = ot_calloc(c->ntrails ? c->ntrails : 1, sizeof(*s.of_trail));
    if (s.of_trail == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    for (uint32_t i = 0; i < c->ntrails && st == OT_OK; i++) {
        const struct ot_conf_storage *cs = ot_config_trail_storage(c, &c->trails[i]);
        if (cs->backend == OT_STORAGE_LOCAL) {
            s.of_trail[i] = -1;
            continue;
        }
        size_t k = 0;
        while (k < s.n && !ot_config_storage_same(s.conf[k], cs)) {
            k++;
        }
        if (k == s.n) {
            if (s.n == OTD_MAX_STORES) {
                st = ot_fail(err, OT_E_LIMIT, "let trails share Storage sections",
                             "more than %u distinct S3 stores", OTD_MAX_STORES);
                break;
            }
            st = otd_store_open_s3(cs, &s.s3[k], err);
            if (st != OT_OK && err != NULL) {
                char where[sizeof(err->where)];
                (void)snprintf(where, sizeof(where), "Trails[%u] (%.64s).Storage%s%.100s", i,
                               c->trails[i].name, err->where[0] ? ": " : "", err->where);
                memcpy(err->where, where, sizeof(where));
            }
            if (st != OT_OK) {
                break;
            }
            s.conf[k] = cs;
            s.n++;
        }
        s.of_trail[i] = (int)k;
    }
    if (st != OT_OK) {
        otd_stores_close(&s);
        return st;
    }
    *out = s;
    return OT_OK;
}

const struct ot_backend *otd_stores_trail(const struct otd_stores *s, uint32_t i)
{
    return i < s->ntrails && s->of_trail[i] >= 0 ? &s->s3[s->of_trail[i]] : s->local;
}

void otd_stores_close(struct otd_stores *s)
{
    for (size_t i = 0; i < s->n; i++) {
        ot_store_close(&s->s3[i]);
    }
    ot_free(s->of_trail);
    *s = (struct otd_stores){ 0 };
}
