/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/ingest.c - `opentrail ingest`: records (any shape the reader takes, or
 * a whole AWS log tree) into a trail in the local store: log files by
 * delivery window, one signed digest per account, region and hour.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

static const char help[] =
    "usage: opentrail ingest --trail NAME --bucket B [OPTIONS] INPUT...\n"
    "\n"
    "Write the CloudTrail records of INPUT (files, AWS log trees, - for stdin; any\n"
    "shape opentrail cat reads) into trail NAME in DATA_DIR/buckets/B (or bucket B\n"
    "of the S3-compatible store at --s3-endpoint), exactly as\n"
    "CloudTrail delivers to S3: gzip log files under AWSLogs/ACCOUNT/CloudTrail/\n"
    "REGION/YYYY/MM/DD/, one per account, region and delivery window, and one\n"
    "signed digest per account, region and hour under CloudTrail-Digest/, empty\n"
    "hours included, chained to the trail's previous digest when there is one.\n"
    "`aws cloudtrail validate-logs` and opentrail validate accept the result.\n"
    "\n"
    "options:\n"
    "      --trail NAME        trail name (in digest keys and the trail ARN)\n"
    "      --bucket B          bucket name\n"
    "      --prefix P          S3 key prefix\n"
    "      --org-id O          organization trail: o-xxxxxxxxxx in the keys\n"
    "      --home-region R     the trail's home region (default us-east-1)\n"
    "      --account-id A      account for records without recipientAccountId\n"
    "      --replay            delivery times from each record's eventTime (5-minute\n"
    "                          windows), so old data lands in old hours with the key\n"
    "                          valid then; default: delivered now\n"
    "      --restart           logging was off: begin a new chain (a starting digest)\n"
    "                          instead of linking to the trail's last digest\n"
    "      --max-log-bytes N   uncompressed cap of one log file (default 64M)\n"
    "      --max-total-bytes N records held for one run (default 4G)\n"
    "      --encrypt           encrypt the new objects at rest (local store; AES-256-GCM\n"
    "                          under a key wrapped by DATA_DIR/keys/kek-*.key, one\n"
    "                          generated when there is none; docs/encryption.md)\n"
    "      --no-encrypt        write them plain; default: EncryptAtRest of the config\n"
    "                          (--config or DATA_DIR/opentrail.yaml), else plain\n" CLI_S3_HELP
        CLI_READ_HELP "  -h, --help              this help\n"
    "\n"
    "With no key in DATA_DIR/keys, a first key is generated (valid from the first\n"
    "hour needed) and its fingerprint printed on stderr.\n"
    "\n"
    "exit status: 0 done, 2 usage error, 3 some input was bad (the rest was\n"
    "written), 4 system error.\n";

struct ingest {
    struct ot_trail_writer *w;
    struct ot_path *p_time, *p_acct, *p_region;
    struct ot_buf json;
    unsigned long long bad;
    int64_t min_event;
    bool failed;
    ot_status fatal;
    struct ot_error fatal_err;
};

static bool trail_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 3 || len > 128 ||
        !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
          (n[0] >= '0' && n[0] <= '9'))) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

bool mkdir_data_dir(const char *dir)
{
    return mkdir(dir, 0750) == 0 || errno == EEXIST;
}

static bool on_record(struct cli_worker *wk, const struct ot_record *rec)
{
    struct ingest *in = wk->cr->ctx;
    struct ot_error err;
    ot_error_clear(&err);
    struct ot_value t = ot_record_get(rec, in->p_time);
    struct ot_value a = ot_record_get(rec, in->p_acct);
    struct ot_value r = ot_record_get(rec, in->p_region);
    int64_t ms;
    if (t.type != OT_STRING || ot_time_parse_iso(ot_value_raw(t), &ms) != OT_OK) {
        (void)fprintf(stderr,
                      "opentrail: record %llu: no eventTime such as 2024-01-01T00:00:00Z; "
                      "skipped\n",
                      (unsigned long long)rec->index + 1);
        in->bad++;
        return true;
    }
    struct ot_sv acct = a.type == OT_STRING ? ot_value_raw(a) : (struct ot_sv){ "", 0 };
    struct ot_sv reg = r.type == OT_STRING ? ot_value_raw(r) : (struct ot_sv){ "", 0 };
    ot_buf_reset(&in->json);
    ot_status st = ot_value_compact(ot_record_root(rec), &in->json);
    if (st == OT_OK) {
        st = ot_trail_writer_add(in->w, ot_buf_sv(&in->json), ms, acct, reg, &err);
    } else {
        (void)ot_fail(&err, st, NULL, "out of memory");
    }
    if (st == OT_E_PARSE) {
        (void)fprintf(stderr, "opentrail: record %llu: %s (%s); skipped\n",
                      (unsigned long long)rec->index + 1, err.what, err.fix);
        in->bad++;
        return true;
    }
    if (st != OT_OK) {
        in->fatal = st;
        in->fatal_err = err;
        return false;
    }
    if (ms < in->min_event) {
        in->min_event = ms;
    }
    return true;
}

/* EncryptAtRest of the config (--config, else DATA_DIR/opentrail.yaml if it
 * exists): 1 or 0, or -1 having printed why the config cannot be read. */
static int config_encrypt(const struct cli_global *g)
{
    char path[4096];
    struct stat sb;
    if (g->config != NULL) {
        (void)snprintf(path, sizeof(path), "%s", g->config);
    } else {
        (void)snprintf(path, sizeof(path), "%s/opentrail.yaml", g->data_dir);
        if (stat(path, &sb) != 0) {
            return 0; /* no config: plain, as before there was a setting */
        }
    }
    struct ot_config *c = NULL;
    struct ot_error err;
    ot_error_clear(&err);
    if (ot_config_load(path, &c, &err) != OT_OK) {
        cli_print_error(&err);
        return -1;
    }
    int on = c->encrypt_at_rest ? 1 : 0;
    ot_config_free(c);
    return on;
}

/* The KEKs, with a first one generated when there is none. */
static int kek_for_ingest(struct ot_kek_ring **ring)
{
    int rc = cli_kek_ring_load(ring, true);
    if (rc != CLI_OK || ot_kek_current(*ring) != NULL) {
        return rc;
    }
    ot_kek_ring_free(*ring);
    *ring = NULL;
    char dir[4096], id[17];
    struct ot_error err;
    ot_error_clear(&err);
    (void)snprintf(dir, sizeof(dir), "%s/keys", cli_data_dir());
    if (ot_kek_generate(dir, id, &err) != OT_OK) {
        cli_print_error(&err);
        return CLI_SYSTEM;
    }
    (void)fprintf(stderr,
                  "opentrail: generated key-encryption key %s in %s (back it up: encrypted "
                  "objects cannot be read without it)\n",
                  id, dir);
    return cli_kek_ring_load(ring, true);
}

int cli_ingest(int argc, char **argv, const struct cli_global *g)
{
    enum {
        O_TRAIL = 3000,
        O_BUCKET,
        O_PREFIX,
        O_ORG,
        O_HOME,
        O_ACCT,
        O_REPLAY,
        O_MAXLOG,
        O_MAXTOTAL,
        O_RESTART,
        O_ENCRYPT,
        O_NO_ENCRYPT,
    };
    static const struct option longopts[] = {
        { "trail", required_argument, NULL, O_TRAIL },
        { "bucket", required_argument, NULL, O_BUCKET },
        { "prefix", required_argument, NULL, O_PREFIX },
        { "org-id", required_argument, NULL, O_ORG },
        { "home-region", required_argument, NULL, O_HOME },
        { "account-id", required_argument, NULL, O_ACCT },
        { "replay", no_argument, NULL, O_REPLAY },
        { "restart", no_argument, NULL, O_RESTART },
        { "encrypt", no_argument, NULL, O_ENCRYPT },
        { "no-encrypt", no_argument, NULL, O_NO_ENCRYPT },
        { "max-log-bytes", required_argument, NULL, O_MAXLOG },
        { "max-total-bytes", required_argument, NULL, O_MAXTOTAL },
        CLI_READ_LONGOPTS,
        CLI_S3_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ot_trail_opts to = { .home_region = "us-east-1" };
    struct cli_reader cr = { 0 };
    struct cli_s3 s3 = { 0 };
    struct ingest in = { .json = OT_BUF_INIT(OT_RECORD_MAX_BYTES * 4), .min_event = INT64_MAX };
    int opt, rc = CLI_OK, encrypt = -1;
    struct ot_kek_ring *kring = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case O_TRAIL:
            to.trail_name = optarg;
            break;
        case O_BUCKET:
            to.bucket = optarg;
            break;
        case O_PREFIX:
            to.prefix = optarg;
            break;
        case O_ORG:
            to.org_id = optarg;
            break;
        case O_HOME:
            to.home_region = optarg;
            break;
        case O_ACCT:
            to.account_id = optarg;
            break;
        case O_REPLAY:
            to.replay = true;
            break;
        case O_RESTART:
            to.new_chain = true;
            break;
        case O_ENCRYPT:
        case O_NO_ENCRYPT:
            encrypt = opt == O_ENCRYPT;
            break;
        case O_MAXLOG:
        case O_MAXTOTAL:
            if (ot_parse_u64(ot_sv_cstr(optarg), (uint64_t)1 << 40, true, &v) != OT_OK ||
                v < 4096) {
                return cli_usage_error("ingest", "a size such as 64M (at least 4K), not '%s'",
                                       optarg);
            }
            if (opt == O_MAXLOG) {
                to.max_file_bytes = v;
            } else {
                to.max_total_bytes = v;
            }
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (cli_s3_opt("ingest", opt, optarg, &s3, &rc) ||
                cli_read_opt("ingest", opt, optarg, &cr.opts, &rc)) {
                if (rc != CLI_OK) {
                    return rc;
                }
                break;
            }
            return cli_usage_error("ingest", "unknown option");
        }
    }
    if (to.trail_name == NULL || to.bucket == NULL) {
        return cli_usage_error("ingest", "--trail and --bucket are required");
    }
    if (!trail_name_ok(to.trail_name)) {
        /* CloudTrail's rule; the name also becomes part of every digest key */
        return cli_usage_error("ingest",
                               "trail names are 3-128 letters, digits, '.', '_' or '-', starting "
                               "with a letter or digit, not '%s'",
                               to.trail_name);
    }
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    to.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char keys[4096], root[4096];
    (void)snprintf(keys, sizeof(keys), "%s/keys", g->data_dir);
    (void)snprintf(root, sizeof(root), "%s/buckets", g->data_dir);
    to.keys_dir = keys;
    if (!mkdir_data_dir(g->data_dir)) {
        (void)fprintf(stderr, "opentrail: %s: cannot create the data folder: %s\n", g->data_dir,
                      strerror(errno));
        return CLI_SYSTEM;
    }
    struct ot_backend b = { 0 };
    struct ot_error err;
    ot_error_clear(&err);
    ot_status st = OT_OK;
    if (s3.endpoint != NULL) {
        rc = cli_s3_open(&s3, &b);
        if (rc != CLI_OK) {
            goto out;
        }
        (void)snprintf(root, sizeof(root), "%s", s3.endpoint); /* for the summary line */
    } else {
        if (encrypt < 0) {
            encrypt = config_encrypt(g);
            if (encrypt < 0) {
                rc = CLI_USAGE;
                goto out;
            }
        }
        /* the KEKs open the trail's sealed last digest even when new objects go plain */
        rc = encrypt ? kek_for_ingest(&kring) : cli_kek_ring_load(&kring, true);
        if (rc != CLI_OK) {
            goto out;
        }
        st = ot_store_local_open_batch(root, &b, &err);
        if (st == OT_OK) {
            st = ot_store_local_encrypt(&b, kring, encrypt == 1, &err);
        }
    }
    if (encrypt == 1 && s3.endpoint != NULL) {
        (void)fprintf(stderr, "opentrail: --encrypt is for the local store; on S3 use --s3-sse\n");
        rc = CLI_USAGE;
        goto out;
    }
    if (st == OT_OK) {
        st = ot_trail_writer_new(&b, &to, &in.w, &err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(OT_SV_LIT("eventTime"), &in.p_time, &err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(OT_SV_LIT("recipientAccountId"), &in.p_acct, &err);
    }
    if (st == OT_OK) {
        st = ot_path_compile(OT_SV_LIT("awsRegion"), &in.p_region, &err);
    }
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = CLI_SYSTEM;
        goto out;
    }
    cr.opts.jobs = 1; /* one writer: records come in input order */
    cr.ctx = &in;
    cr.on_record = on_record;
    int read_rc = cli_read_all(&cr, argv + optind, argc - optind);
    if (read_rc == CLI_USAGE || read_rc == CLI_SYSTEM) {
        rc = read_rc;
        goto out;
    }
    if (in.fatal != OT_OK) {
        cli_print_error(&in.fatal_err);
        rc = cli_exit_for(in.fatal);
        goto out;
    }
    /* a first key, valid from the first hour the trail needs */
    struct ot_keyring ring = { 0 };
    st = ot_keys_load_dir(keys, &ring, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = CLI_USAGE;
        goto out;
    }
    size_t nkeys = ring.n;
    ot_keyring_cleanup(&ring);
    if (nkeys == 0) {
        int64_t from = to.now_ms - to.now_ms % 1000;
        if (to.replay && in.min_event != INT64_MAX) {
            from = in.min_event - in.min_event % OT_HOUR_MS - OT_HOUR_MS;
        }
        char fp[33];
        st = ot_keys_generate(keys, 0, from, fp, &err);
        if (st != OT_OK) {
            cli_print_error(&err);
            rc = CLI_SYSTEM;
            goto out;
        }
        (void)fprintf(stderr, "opentrail: generated signing key %s in %s\n", fp, keys);
    }
    struct ot_trail_stats stats;
    st = ot_trail_writer_finish(in.w, &stats, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = cli_exit_for(st) == CLI_BADINPUT ? CLI_BADINPUT
             : st == OT_E_USAGE               ? CLI_USAGE
                                              : CLI_SYSTEM;
        goto out;
    }
    if (!cr.opts.quiet) {
        (void)fprintf(stderr,
                      "opentrail: %llu records into %llu log files (%llu bytes, %llu gzip), "
                      "%llu digests in %s/%s\n",
                      (unsigned long long)stats.records, (unsigned long long)stats.log_files,
                      (unsigned long long)stats.bytes_json, (unsigned long long)stats.bytes_gz,
                      (unsigned long long)stats.digests, root, to.bucket);
    }
    rc = (read_rc == CLI_BADINPUT || in.bad > 0) ? CLI_BADINPUT : CLI_OK;
out:
    ot_trail_writer_free(in.w);
    ot_path_free(in.p_time);
    ot_path_free(in.p_acct);
    ot_path_free(in.p_region);
    ot_buf_cleanup(&in.json);
    ot_store_close(&b);
    ot_kek_ring_free(kring);
    return rc;
}
