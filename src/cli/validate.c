/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/validate.c - `opentrail validate`: `aws cloudtrail validate-logs` over
 * a local tree (ours or a copy of AWS's), same lines and summary, plus
 * opentrail's extra findings marked "[opentrail]", --json and --jobs.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

static const char help[] =
    "usage: opentrail validate --trail-arn ARN --start-time T [OPTIONS]\n"
    "\n"
    "Validate a trail's log files and signed digest chain as `aws cloudtrail\n"
    "validate-logs` does (same traversal, same lines, same summary), on a local\n"
    "tree: ROOT/<bucket>/<key> with digest signatures in <key>.meta.json, the\n"
    "layout opentrail ingest writes, or straight from the bucket of an\n"
    "S3-compatible store (--s3-endpoint: ListObjectsV2 and GetObject, with the\n"
    "signatures in each digest's x-amz-meta-signature). Then opentrail checks what the AWS CLI "
    "does\n"
    "not, and marks those findings \"[opentrail]\": previousDigestHashValue and\n"
    "previousDigestSignature against the older digest, log files in the bucket\n"
    "that no digest lists (inserted), and a chain that ends an hour or more before\n"
    "--end-time (the newest digests deleted), and digests signed by a key outside\n"
    "its validity window.\n"
    "\n"
    "options:\n"
    "      --trail-arn ARN     arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME\n"
    "      --start-time T      e.g. 2026-11-01T00:00:00Z (required)\n"
    "      --end-time T        default: now\n"
    "      --s3-bucket B       the trail's bucket (required: no trail registry yet)\n"
    "      --s3-prefix P       the trail's key prefix\n"
    "      --account-id A      account in the keys (default: the ARN's)\n"
    "      --org-id O          organization trail: o-xxxxxxxxxx in the keys\n"
    "      --source-region R   region whose digests to validate (default: the ARN's)\n"
    "      --root DIR          the tree (default: DATA_DIR/buckets)\n" CLI_S3_HELP
    "      --keys FILE         public keys: ListPublicKeys JSON (opentrail keys export,\n"
    "                          or aws cloudtrail list-public-keys); default: DATA_DIR/keys\n"
    "  -v, --verbose           print the valid files too, as the AWS CLI's --verbose\n"
    "      --json              one JSON document with every verdict instead of text\n"
    "      --aws-only          only the AWS CLI's checks, none of opentrail's\n"
    "  -j, --jobs N            threads hashing log files (default: all cores)\n"
    "  -h, --help              this help\n"
    "\n"
    "exit status: 0 all valid (also when no digest is in range, as the AWS CLI),\n"
    "1 something INVALID, 2 usage error or no public keys, 4 system error.\n";

enum {
    O_ARN = 2000,
    O_START,
    O_END,
    O_BUCKET,
    O_PREFIX,
    O_ACCOUNT,
    O_ORG,
    O_SRC,
    O_ROOT,
    O_KEYS,
    O_JSON,
    O_AWS_ONLY,
};

static int load_keys(const char *keys_file, const struct cli_global *g, struct ot_keyring *ring)
{
    struct ot_error err;
    ot_error_clear(&err);
    ot_status st;
    if (keys_file != NULL) {
        FILE *f = fopen(keys_file, "rb");
        if (f == NULL) {
            (void)fprintf(stderr, "opentrail: %s: cannot open the keys file\n", keys_file);
            return CLI_USAGE;
        }
        struct ot_buf b = OT_BUF_INIT(16u << 20);
        char chunk[8192];
        size_t n;
        st = OT_OK;
        while (st == OT_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            st = ot_buf_append(&b, chunk, n);
        }
        (void)fclose(f); /* read-only */
        if (st == OT_OK) {
            st = ot_keys_parse_list(b.data ? b.data : "", b.len, ring, &err);
        } else {
            (void)ot_fail(&err, st, NULL, "keys file larger than 16 MB");
        }
        ot_buf_cleanup(&b);
        if (st != OT_OK) {
            ot_error_at(&err, "%s", keys_file);
            cli_print_error(&err);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    char dir[4096];
    (void)snprintf(dir, sizeof(dir), "%s/keys", g->data_dir);
    st = ot_keys_load_dir(dir, ring, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        return cli_exit_for(st) == CLI_SYSTEM ? CLI_SYSTEM : CLI_USAGE;
    }
    return CLI_OK;
}

static const char *kind_name(enum ot_vitem_kind k)
{
    switch (k) {
    case OT_VI_DIGEST:
        return "digest";
    case OT_VI_LOG:
        return "log";
    case OT_VI_GAP:
        return "gap";
    case OT_VI_EXTRA:
        return "opentrail";
    case OT_VI_EXPIRED:
        return "expired";
    }
    return "?";
}

static int print_json(const struct ot_validate_opts *o, const struct ot_validate_result *r, int rc)
{
    char a[21], b[21];
    json_t *root = json_object();
    json_t *items = json_array();
    if (root == NULL || items == NULL) {
        json_decref(root);
        json_decref(items);
        return CLI_SYSTEM;
    }
    ot_time_iso(o->start_ms, a);
    ot_time_iso(o->end_ms, b);
    (void)json_object_set_new(root, "trailArn", json_string(o->trail_arn));
    (void)json_object_set_new(root, "requestedStart", json_string(a));
    (void)json_object_set_new(root, "requestedEnd", json_string(b));
    if (r->found_start_set && r->found_end_set) {
        ot_time_iso(r->found_start_ms, a);
        ot_time_iso(r->found_end_ms, b);
        (void)json_object_set_new(root, "foundStart", json_string(a));
        (void)json_object_set_new(root, "foundEnd", json_string(b));
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct ot_vitem *it = &r->items[i];
        json_t *e = json_object();
        if (e == NULL) {
            continue;
        }
        (void)json_object_set_new(e, "type", json_string(kind_name(it->kind)));
        (void)json_object_set_new(e, "valid", json_boolean(it->valid));
        if (it->bucket != NULL) {
            (void)json_object_set_new(e, "bucket", json_string(it->bucket));
        }
        if (it->key != NULL) {
            (void)json_object_set_new(e, "key", json_string(it->key));
        }
        const char *m = it->message ? it->message : "";
        const char *why = strstr(m, "INVALID");
        if (!it->valid && why != NULL) {
            const char *colon = strchr(why, ':');
            (void)json_object_set_new(e, "reason", json_string(colon ? colon + 2 : why));
        }
        if (it->kind == OT_VI_GAP) {
            ot_time_iso(it->gap_from_ms, a);
            ot_time_iso(it->gap_to_ms, b);
            (void)json_object_set_new(e, "from", json_string(a));
            (void)json_object_set_new(e, "to", json_string(b));
        }
        (void)json_object_set_new(e, "line", json_string(m));
        (void)json_array_append_new(items, e);
    }
    (void)json_object_set_new(root, "items", items);
    json_t *s =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "validDigests", (json_int_t)r->valid_digests,
                  "invalidDigests", (json_int_t)r->invalid_digests, "validBackfillDigests",
                  (json_int_t)r->valid_backfill, "invalidBackfillDigests",
                  (json_int_t)r->invalid_backfill, "validLogs", (json_int_t)r->valid_logs,
                  "invalidLogs", (json_int_t)r->invalid_logs, "opentrailFindings",
                  (json_int_t)r->extra_findings, "bytesHashed", (json_int_t)r->bytes_hashed);
    (void)json_object_set_new(root, "summary", s);
    (void)json_object_set_new(root, "exitStatus", json_integer(rc));
    int ok = json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    json_decref(root);
    (void)putchar('\n');
    return ok ? rc : CLI_SYSTEM;
}

static void ratio(unsigned long v, unsigned long inv, const char *name)
{
    unsigned long t = v + inv;
    if (t > 0) {
        (void)printf("\n%lu/%lu %s files valid", v, t, name);
        if (inv > 0) {
            (void)printf(", %lu/%lu %s files INVALID", inv, t, name);
        }
    }
}

/* The lifecycle's expired ranges that overlap the request, on stdout: expected, not findings. */
static void print_expired(const struct ot_validate_opts *o, const struct ot_keep_range *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].to_ms < o->start_ms || v[i].from_ms > o->end_ms) {
            continue;
        }
        char a[21], b[21];
        ot_time_iso(v[i].from_ms, a);
        ot_time_iso(v[i].to_ms, b);
        (void)printf("[opentrail] expired by lifecycle rule (Prefix \"%s\", ExpireAfterDays %llu): "
                     "%llu digests and %llu log files delivered from %s to %s were deleted on "
                     "purpose (DATA_DIR/state/expired.json)\n",
                     v[i].prefix, (unsigned long long)v[i].expire_days,
                     (unsigned long long)v[i].digests, (unsigned long long)v[i].logs, a, b);
    }
}

static void print_text(const struct ot_validate_opts *o, const struct ot_validate_result *r,
                       bool verbose)
{
    char a[21], b[21];
    bool last_double = true; /* the CLI starts with it set */
    ot_time_iso(o->start_ms, a);
    ot_time_iso(o->end_ms, b);
    (void)printf("Validating log files for trail %s between %s and %s\n\n", o->trail_arn, a, b);
    for (size_t i = 0; i < r->n; i++) {
        const struct ot_vitem *it = &r->items[i];
        if (it->kind == OT_VI_EXTRA || it->kind == OT_VI_EXPIRED) {
            continue; /* after the AWS CLI's output */
        }
        if (it->valid) {
            if (verbose) {
                last_double = false;
                (void)printf("%s\n", it->message);
            }
        } else {
            (void)fflush(stdout);
            (void)fprintf(stderr, last_double ? "%s\n\n" : "\n%s\n\n", it->message);
            last_double = true;
        }
    }
    if (!last_double) {
        (void)putchar('\n');
    }
    (void)printf("Results requested for %s to %s\n", a, b);
    if (r->valid_digests == 0 && r->invalid_digests == 0 && r->valid_backfill == 0 &&
        r->invalid_backfill == 0) {
        (void)printf("No digests found\n");
    } else {
        if (!r->found_start_set || !r->found_end_set) {
            (void)printf("No valid digests found in range\n");
        } else {
            ot_time_iso(r->found_start_ms, a);
            ot_time_iso(r->found_end_ms, b);
            (void)printf("Results found for %s to %s:\n", a, b);
        }
        ratio(r->valid_digests, r->invalid_digests, "digest");
        ratio(r->valid_backfill, r->invalid_backfill, "backfill digest");
        ratio(r->valid_logs, r->invalid_logs, "log");
        (void)putchar('\n');
    }
    if (r->extra_findings > 0) {
        (void)fflush(stdout);
        for (size_t i = 0; i < r->n; i++) {
            if (r->items[i].kind == OT_VI_EXTRA) {
                (void)fprintf(stderr, "%s\n\n", r->items[i].message);
            }
        }
        (void)printf("[opentrail] %lu more finding%s beyond the AWS CLI's checks (on stderr)\n",
                     r->extra_findings, r->extra_findings == 1 ? "" : "s");
    }
}

int cli_validate(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "trail-arn", required_argument, NULL, O_ARN },
        { "start-time", required_argument, NULL, O_START },
        { "end-time", required_argument, NULL, O_END },
        { "s3-bucket", required_argument, NULL, O_BUCKET },
        { "s3-prefix", required_argument, NULL, O_PREFIX },
        { "account-id", required_argument, NULL, O_ACCOUNT },
        { "org-id", required_argument, NULL, O_ORG },
        { "source-region", required_argument, NULL, O_SRC },
        { "root", required_argument, NULL, O_ROOT },
        { "keys", required_argument, NULL, O_KEYS },
        { "json", no_argument, NULL, O_JSON },
        { "aws-only", no_argument, NULL, O_AWS_ONLY },
        { "verbose", no_argument, NULL, 'v' },
        { "jobs", required_argument, NULL, 'j' },
        CLI_S3_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cli_s3 s3 = { 0 };
    struct ot_validate_opts o = { .extra_checks = true };
    const char *start = NULL, *end = NULL, *root = NULL, *keys_file = NULL;
    bool json = false, verbose = false;
    int opt, rc = CLI_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "vj:h", longopts, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case O_ARN:
            o.trail_arn = optarg;
            break;
        case O_START:
            start = optarg;
            break;
        case O_END:
            end = optarg;
            break;
        case O_BUCKET:
            o.bucket = optarg;
            break;
        case O_PREFIX:
            o.prefix = optarg;
            break;
        case O_ACCOUNT:
            o.account_id = optarg;
            break;
        case O_ORG:
            o.org_id = optarg;
            break;
        case O_SRC:
            o.source_region = optarg;
            break;
        case O_ROOT:
            root = optarg;
            break;
        case O_KEYS:
            keys_file = optarg;
            break;
        case O_JSON:
            json = true;
            break;
        case O_AWS_ONLY:
            o.extra_checks = false;
            break;
        case 'v':
            verbose = true;
            break;
        case 'j':
            if (ot_parse_u64(ot_sv_cstr(optarg), OT_SCAN_MAX_JOBS, false, &v) != OT_OK || v == 0) {
                return cli_usage_error("validate", "--jobs wants a number from 1 to %u, not '%s'",
                                       OT_SCAN_MAX_JOBS, optarg);
            }
            o.jobs = (unsigned)v;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (cli_s3_opt("validate", opt, optarg, &s3, &rc)) {
                if (rc != CLI_OK) {
                    return rc;
                }
                break;
            }
            return cli_usage_error("validate", "unknown option");
        }
    }
    if (optind < argc) {
        return cli_usage_error("validate", "unexpected argument '%s'", argv[optind]);
    }
    if (o.trail_arn == NULL || start == NULL) {
        return cli_usage_error("validate", "--trail-arn and --start-time are required");
    }
    if (o.bucket == NULL) {
        return cli_usage_error("validate", "--s3-bucket is required (no trail registry yet)");
    }
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    o.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (ot_time_parse_iso(ot_sv_cstr(start), &o.start_ms) != OT_OK) {
        return cli_usage_error("validate", "Unable to parse date value: %s", start);
    }
    o.end_ms = o.now_ms - o.now_ms % 1000;
    if (end != NULL) {
        o.end_given = true;
        if (ot_time_parse_iso(ot_sv_cstr(end), &o.end_ms) != OT_OK) {
            return cli_usage_error("validate", "Unable to parse date value: %s", end);
        }
    }
    if (o.jobs == 0) {
        o.jobs = cli_ncpu();
    }
    char rootbuf[4096];
    if (root == NULL) {
        (void)snprintf(rootbuf, sizeof(rootbuf), "%s/buckets", g->data_dir);
        root = rootbuf;
    }
    char bdir[4200];
    struct stat sb;
    (void)snprintf(bdir, sizeof(bdir), "%s/%s", root, o.bucket);
    if (s3.endpoint != NULL && root != rootbuf) {
        return cli_usage_error("validate", "--root and --s3-endpoint exclude each other");
    }
    if (s3.endpoint == NULL && (stat(bdir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        /* the AWS CLI stops on NoSuchBucket too: an empty verdict would mislead */
        (void)fprintf(
            stderr, "opentrail: %s: no such bucket folder (check --root and --s3-bucket)\n", bdir);
        return CLI_USAGE;
    }
    struct ot_keyring ring = { 0 };
    rc = load_keys(keys_file, g, &ring);
    if (rc != CLI_OK) {
        return rc;
    }
    struct ot_backend b = { 0 };
    struct ot_error err;
    struct ot_validate_result res = { 0 };
    struct ot_kek_ring *kring = NULL;
    struct ot_keep_range *expired = NULL;
    struct ot_time_range *spans = NULL;
    size_t nexpired = 0;
    ot_error_clear(&err);
    ot_status st = OT_OK;
    if (s3.endpoint != NULL) {
        rc = cli_s3_open(&s3, &b);
        if (rc != CLI_OK) {
            goto out;
        }
    } else {
        /* objects encrypted at rest open with the KEKs of DATA_DIR/keys */
        rc = cli_kek_ring_load(&kring, true);
        if (rc != CLI_OK) {
            goto out;
        }
        st = ot_store_local_open(root, &b, &err);
        if (st == OT_OK) {
            st = ot_store_local_encrypt(&b, kring, false, &err);
        }
        if (st == OT_OK && root == rootbuf) {
            /* DATA_DIR's own store: both lifecycle tiers */
            char adir[4200];
            (void)snprintf(adir, sizeof(adir), "%s/archive", g->data_dir);
            st = ot_store_local_set_archive(&b, adir, &err);
        }
    }
    if (st == OT_OK && (s3.endpoint != NULL || root == rootbuf)) {
        /* what `opentrail lifecycle` expired on purpose, here or in the S3 bucket */
        char sdir[4200];
        (void)snprintf(sdir, sizeof(sdir), "%s/state", g->data_dir);
        st = ot_keep_expired_load(sdir, o.bucket, &expired, &nexpired, &err);
        if (st == OT_OK && nexpired > 0) {
            spans = calloc(nexpired, sizeof(*spans));
            if (spans == NULL) {
                st = ot_fail(&err, OT_E_NOMEM, NULL, "out of memory");
            }
            for (size_t i = 0; spans != NULL && i < nexpired; i++) {
                spans[i] = (struct ot_time_range){ expired[i].from_ms, expired[i].to_ms };
            }
            o.expired = spans;
            o.nexpired = nexpired;
        }
    }
    if (st == OT_OK) {
        st = ot_validate(&b, &ring, &o, &res, &err);
    }
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
        goto out;
    }
    rc = (res.invalid_digests || res.invalid_backfill || res.invalid_logs || res.extra_findings)
             ? CLI_VERDICT
             : CLI_OK;
    if (json) {
        rc = print_json(&o, &res, rc);
    } else {
        print_text(&o, &res, verbose);
        print_expired(&o, expired, nexpired);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        (void)fprintf(stderr, "opentrail: writing the output failed\n");
        rc = CLI_SYSTEM;
    }
out:
    ot_validate_result_cleanup(&res);
    ot_store_close(&b);
    ot_keyring_cleanup(&ring);
    ot_kek_ring_free(kring);
    ot_free(expired);
    free(spans);
    return rc;
}
