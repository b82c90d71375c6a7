/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/s3.c - the --s3-* options of ingest and validate: where the store is,
 * and the credentials, found as the AWS CLI finds them (environment, then the
 * shared credentials file). The library takes them as arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

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

static bool secs(const char *arg, unsigned *out_ms)
{
    uint64_t v;
    if (ot_parse_u64(ot_sv_cstr(arg), 86400, false, &v) != OT_OK || v == 0) {
        return false;
    }
    *out_ms = (unsigned)v * 1000u;
    return true;
}

bool cli_s3_opt(const char *cmd, int opt, const char *arg, struct cli_s3 *o, int *rc)
{
    *rc = CLI_OK;
    switch (opt) {
    case CLI_OPT_S3_ENDPOINT:
        o->endpoint = arg;
        return true;
    case CLI_OPT_S3_REGION:
        o->region = arg;
        return true;
    case CLI_OPT_S3_PROFILE:
        o->profile = arg;
        return true;
    case CLI_OPT_S3_SSE:
        if (strcmp(arg, "AES256") != 0 && strcmp(arg, "aws:kms") != 0) {
            *rc = cli_usage_error(cmd, "--s3-sse is AES256 or aws:kms, not '%s'", arg);
        }
        o->sse = arg;
        return true;
    case CLI_OPT_S3_KMS:
        o->kms_key_id = arg;
        return true;
    case CLI_OPT_S3_VHOST:
        o->virtual_host = true;
        return true;
    case CLI_OPT_S3_TIMEOUT:
    case CLI_OPT_S3_RETRY_FOR:
        if (!secs(arg, opt == CLI_OPT_S3_TIMEOUT ? &o->timeout_ms : &o->retry_for_ms)) {
            *rc =
                cli_usage_error(cmd, "%s wants seconds from 1 to 86400, not '%s'",
                                opt == CLI_OPT_S3_TIMEOUT ? "--s3-timeout" : "--s3-retry-for", arg);
        }
        return true;
    default:
        return false;
    }
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* the [profile] of the shared credentials file, when the environment has no keys */
static int creds_from_file(const char *profile, struct ot_s3_creds *c)
{
    char path[4096];
    const char *f = env("AWS_SHARED_CREDENTIALS_FILE");
    if (f == NULL) {
        const char *home = env("HOME");
        (void)snprintf(path, sizeof(path), "%s/.aws/credentials", home ? home : "");
        f = path;
    }
    struct ot_error err;
    ot_error_clear(&err);
    if (ot_s3_creds_load(f, profile, c, &err) != OT_OK) {
        cli_print_error(&err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_s3_open(const struct cli_s3 *o, struct ot_backend *b)
{
    struct ot_s3_creds c = { 0 };
    struct ot_s3_opts so = {
        .endpoint = o->endpoint,
        .region = o->region                   ? o->region
                  : env("AWS_REGION")         ? env("AWS_REGION")
                  : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION")
                                              : "us-east-1",
        .virtual_host = o->virtual_host,
        .sse = o->sse,
        .kms_key_id = o->kms_key_id,
        .timeout_ms = o->timeout_ms,
        .retry_for_ms = o->retry_for_ms,
        .now_ms = clock_now_ms,
        .sleep_ms = clock_sleep_ms,
    };
    if (o->profile == NULL && env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
        so.access_key = env("AWS_ACCESS_KEY_ID");
        so.secret_key = env("AWS_SECRET_ACCESS_KEY");
        so.session_token = env("AWS_SESSION_TOKEN");
    } else {
        const char *profile = o->profile           ? o->profile
                              : env("AWS_PROFILE") ? env("AWS_PROFILE")
                                                   : "default";
        int rc = creds_from_file(profile, &c);
        if (rc != CLI_OK) {
            return rc;
        }
        so.access_key = c.access_key;
        so.secret_key = c.secret_key;
        so.session_token = c.session_token;
    }
    struct ot_error err;
    ot_error_clear(&err);
    ot_status st = ot_store_s3_open(&so, b, &err);
    ot_s3_creds_cleanup(&c); /* the backend keeps its own copies */
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
    }
    return CLI_OK;
}
