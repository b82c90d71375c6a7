/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/lifecycle.c - `opentrail lifecycle plan|run|delete`: the LifecycleRules
 * of opentrail.yaml on the local store (docs/lifecycle.md). The library plans
 * and acts; this file reads the config, passes the clock and prints.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "daemon/stores.h"

static const char help[] =
    "usage: opentrail lifecycle plan [--bucket B] [--now T] [--json]\n"
    "       opentrail lifecycle run [--bucket B] [--now T]\n"
    "       opentrail lifecycle delete --bucket B [--now T] KEY...\n"
    "\n"
    "Apply the LifecycleRules of opentrail.yaml (--config, else DATA_DIR/opentrail.yaml)\n"
    "to the local store: objects older than TransitionAfterDays move from\n"
    "DATA_DIR/buckets to the archive tier DATA_DIR/archive (same keys; every\n"
    "opentrail reader and validate see both tiers); objects older than\n"
    "ExpireAfterDays are deleted, a digest only together with the log files it\n"
    "lists, and each expired range is recorded in DATA_DIR/state/expired.json\n"
    "first, so validate reports it as expired, not as missing. Ages count from the\n"
    "delivery time in the key name (else the file's mtime).\n"
    "\n"
    "  plan                what would move and expire now: objects, bytes, and the\n"
    "                      monthly storage it saves at S3 prices (built-in price book)\n"
    "  run                 do it; idempotent: run it again after a crash to finish\n"
    "  delete KEY...       delete objects by hand; refused while RetainAtLeastDays\n"
    "                      (the retention lock) holds them\n"
    "\n"
    "options:\n"
    "      --bucket B          one bucket (default: every bucket of DATA_DIR/buckets)\n"
    "      --now T             the time to plan for, e.g. 2031-01-01T00:00:00Z\n"
    "                          (default: now)\n"
    "      --json              plan as JSON\n"
    "  -h, --help              this help\n"
    "\n"
    "Trails whose Storage is Backend: s3 are handled in their bucket on the store:\n"
    "a transition is a CopyObject onto the same key with x-amz-storage-class (the\n"
    "digest signature metadata is kept), expiry a DELETE, expired.json stays in\n"
    "DATA_DIR/state. A store without storage classes (Storage.StorageClasses:\n"
    "false, or a 400 InvalidStorageClass answer, as OpenStack Swift gives) is\n"
    "reported as unsupported and nothing is done.\n"
    "\n"
    "exit status: 0 done, 2 usage or config error, a retention lock refusal or a\n"
    "transition the store does not support, 4 system error.\n";

struct lc {
    struct ot_keep_rule *rules;
    size_t nrules;
    struct ot_keep_store store;
    char hot[4096], arch[4096], state[4096];
    struct ot_pricebook *pb;
    int64_t now_ms;
    bool json;
};

static int load_rules(const struct cli_global *g, struct ot_config **cfg, struct lc *x)
{
    char path[4096];
    struct ot_error err;
    ot_error_clear(&err);
    if (g->config != NULL) {
        (void)snprintf(path, sizeof(path), "%s", g->config);
    } else {
        (void)snprintf(path, sizeof(path), "%s/opentrail.yaml", g->data_dir);
    }
    if (ot_config_load(path, cfg, &err) != OT_OK) {
        cli_print_error(&err);
        return CLI_USAGE;
    }
    const struct ot_config *c = *cfg;
    if (c->nlifecycle_rules == 0) {
        (void)fprintf(stderr, "opentrail: %s has no LifecycleRules (docs/lifecycle.md)\n", path);
        return CLI_USAGE;
    }
    x->rules = calloc(c->nlifecycle_rules, sizeof(*x->rules));
    if (x->rules == NULL) {
        return CLI_SYSTEM;
    }
    for (uint32_t i = 0; i < c->nlifecycle_rules; i++) {
        const struct ot_conf_lc_rule *r = &c->lifecycle_rules[i];
        x->rules[i] = (struct ot_keep_rule){ .prefix = r->prefix,
                                             .transition_days = r->transition_after_days,
                                             .storage_class = r->storage_class,
                                             .expire_days = r->expire_after_days,
                                             .retain_days = r->retain_at_least_days };
    }
    x->nrules = c->nlifecycle_rules;
    return CLI_OK;
}

static int64_t monthly(const struct lc *x, const char *id, uint64_t bytes)
{
    const struct ot_price *p = x->pb ? ot_pricebook_get(x->pb, id) : NULL;
    return p != NULL && bytes > 0 ? ot_price_cost(p, bytes, true) : 0;
}

/* Monthly storage saved by @p at S3 prices: moved bytes now cost the class's
 * price instead of Standard's; expired bytes cost nothing. */
static int64_t savings(const struct lc *x, const struct ot_keep_plan *p)
{
    int64_t s = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct ot_keep_item *it = &p->v[i];
        const char *cls = ot_keep_class_price_id(x->rules[it->rule].storage_class);
        if (it->action == OT_KEEP_TRANSITION) {
            s += monthly(x, "s3.storage.standard", it->bytes) - monthly(x, cls, it->bytes);
        } else {
            s += monthly(x, it->archived ? cls : "s3.storage.standard", it->bytes);
        }
    }
    return s;
}

static void print_plan(const struct lc *x, const struct ot_keep_plan *p, json_t *arr)
{
    char usd[48], a[21] = "", b[21] = "";
    int64_t save = savings(x, p);
    ot_format_usd(save, false, usd, sizeof(usd));
    if (p->range.digests + p->range.logs > 0) {
        ot_time_iso(p->range.from_ms, a);
        ot_time_iso(p->range.to_ms, b);
    }
    if (arr != NULL) {
        json_t *o = json_pack(
            "{s:s,s:{s:I,s:I},s:{s:I,s:I,s:I,s:I},s:I,s:s,s:I}", "bucket", p->bucket, "transition",
            "objects", (json_int_t)p->transitions, "bytes", (json_int_t)p->transition_bytes,
            "expire", "objects", (json_int_t)p->expiries, "bytes", (json_int_t)p->expiry_bytes,
            "digests", (json_int_t)p->range.digests, "logFiles", (json_int_t)p->range.logs,
            "heldLogFiles", (json_int_t)p->held, "monthlyStorageSavedUsd", usd,
            "monthlyStorageSavedMicroUsd", (json_int_t)save);
        if (o != NULL && a[0] != '\0') {
            (void)json_object_set_new(json_object_get(o, "expire"), "from", json_string(a));
            (void)json_object_set_new(json_object_get(o, "expire"), "to", json_string(b));
        }
        (void)json_array_append_new(arr, o);
        return;
    }
    (void)printf("bucket %s:\n", p->bucket);
    (void)printf("  transition: %llu objects, %llu bytes", (unsigned long long)p->transitions,
                 (unsigned long long)p->transition_bytes);
    for (int c = 0; c < OT_KEEP_CLASS_COUNT; c++) {
        if (p->transition_bytes_by_class[c] > 0) {
            (void)printf(" (%llu bytes to %s)", (unsigned long long)p->transition_bytes_by_class[c],
                         ot_keep_class_name(c));
        }
    }
    (void)printf("\n  expire: %llu objects, %llu bytes (%llu digests, %llu log files",
                 (unsigned long long)p->expiries, (unsigned long long)p->expiry_bytes,
                 (unsigned long long)p->range.digests, (unsigned long long)p->range.logs);
    if (a[0] != '\0') {
        (void)printf(", delivered %s to %s", a, b);
    }
    (void)printf(")\n");
    if (p->held > 0) {
        (void)printf("  held: %llu log files past ExpireAfterDays wait for the digest that lists "
                     "them\n",
                     (unsigned long long)p->held);
    }
    (void)printf("  monthly storage saved at S3 prices: %s\n", usd);
}

/* A DELETE on a versioned bucket (S3 Object Lock) only hides the object: say so. */
static void note_markers(const struct ot_backend *b, const char *bucket, uint64_t before)
{
    uint64_t n = b != NULL ? ot_store_s3_delete_markers(b) - before : 0;
    if (n > 0) {
        (void)printf("bucket %s: %llu deletions only left a delete marker: the bucket is "
                     "versioned (S3 Object Lock?), so the versions stay on the server, hidden, "
                     "until their retention ends and they are deleted by version id\n",
                     bucket, (unsigned long long)n);
    }
}

static int one_bucket(struct lc *x, const struct ot_keep_store *store, const char *bucket,
                      const char *verb, json_t *arr)
{
    struct ot_keep_plan p;
    struct ot_error err;
    ot_error_clear(&err);
    ot_status st = ot_keep_plan_make(store, bucket, x->rules, x->nrules, x->now_ms, &p, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_USAGE ? CLI_USAGE : st == OT_E_TAMPER ? CLI_VERDICT : CLI_SYSTEM;
    }
    int rc = CLI_OK;
    if (strcmp(verb, "plan") == 0) {
        print_plan(x, &p, arr);
        if (store->backend != NULL && !store->storage_classes && p.transitions > 0 && arr == NULL) {
            (void)printf("  transition: unsupported by this server (Storage.StorageClasses: "
                         "false): `lifecycle run` refuses it\n");
        }
    } else {
        uint64_t done = 0;
        uint64_t markers0 = store->backend != NULL ? ot_store_s3_delete_markers(store->backend) : 0;
        st = ot_keep_plan_run(store, &p, x->now_ms, &done, &err);
        note_markers(store->backend, bucket, markers0);
        if (st != OT_OK) {
            cli_print_error(&err);
            rc = st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
        }
        if (st == OT_OK) {
            (void)printf("bucket %s: %llu moved to the archive tier, %llu expired (%llu of %zu "
                         "steps done)\n",
                         bucket, (unsigned long long)p.transitions, (unsigned long long)p.expiries,
                         (unsigned long long)done, p.n);
        } else {
            (void)printf("bucket %s: stopped after %llu of %zu steps\n", bucket,
                         (unsigned long long)done, p.n);
        }
    }
    ot_keep_plan_cleanup(&p);
    return rc;
}

/* @t's S3 store into *@b (the caller closes it) and @ks. */
static int open_s3_store(const struct ot_config *c, const struct ot_conf_trail *t,
                         struct ot_backend *b, struct ot_keep_store *ks)
{
    struct ot_error err;
    ot_error_clear(&err);
    const struct ot_conf_storage *cs = ot_config_trail_storage(c, t);
    ot_status st = otd_store_open_s3(cs, b, &err);
    if (st != OT_OK) {
        ot_error_at(&err, "trail %s: Storage", t->name);
        cli_print_error(&err);
        return st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
    }
    ks->backend = b;
    ks->storage_classes = cs->storage_classes;
    return CLI_OK;
}

int cli_lifecycle(int argc, char **argv, const struct cli_global *g)
{
    enum { O_BUCKET = 5000, O_NOW, O_JSON };
    static const struct option longopts[] = {
        { "bucket", required_argument, NULL, O_BUCKET },
        { "now", required_argument, NULL, O_NOW },
        { "json", no_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *bucket = NULL, *now = NULL;
    struct lc x = { 0 };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_BUCKET:
            bucket = optarg;
            break;
        case O_NOW:
            now = optarg;
            break;
        case O_JSON:
            x.json = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("lifecycle", "unknown option");
        }
    }
    if (optind >= argc) {
        return cli_usage_error("lifecycle", "say plan, run or delete");
    }
    const char *verb = argv[optind++];
    bool del = strcmp(verb, "delete") == 0;
    if (!del && strcmp(verb, "plan") != 0 && strcmp(verb, "run") != 0) {
        return cli_usage_error("lifecycle", "unknown action '%s' (plan, run, delete)", verb);
    }
    if (del ? (bucket == NULL || optind >= argc) : optind < argc) {
        return cli_usage_error(
            "lifecycle", del ? "delete wants --bucket B and keys" : "unexpected argument '%s'",
            del ? "" : argv[optind]);
    }
    if (now != NULL) {
        if (ot_time_parse_iso(ot_sv_cstr(now), &x.now_ms) != OT_OK) {
            return cli_usage_error("lifecycle",
                                   "--now wants a time such as "
                                   "2031-01-01T00:00:00Z, not '%s'",
                                   now);
        }
    } else {
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
        x.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    struct ot_config *cfg = NULL;
    struct ot_kek_ring *ring = NULL;
    struct ot_backend s3 = { 0 };
    json_t *arr = NULL;
    struct ot_error err;
    ot_error_clear(&err);
    int rc = load_rules(g, &cfg, &x);
    if (rc == CLI_OK) {
        rc = cli_kek_ring_load(&ring, true);
    }
    if (rc != CLI_OK) {
        goto out;
    }
    (void)snprintf(x.hot, sizeof(x.hot), "%s/buckets", g->data_dir);
    (void)snprintf(x.arch, sizeof(x.arch), "%s/archive", g->data_dir);
    (void)snprintf(x.state, sizeof(x.state), "%s/state", g->data_dir);
    x.store = (struct ot_keep_store){
        .hot_root = x.hot, .archive_root = x.arch, .state_dir = x.state, .ring = ring
    };
    /* a trail on S3: its bucket on its store (opened lazily, one at a time) */
    const struct ot_conf_trail *bt = NULL;
    for (uint32_t i = 0; bucket != NULL && i < cfg->ntrails; i++) {
        const struct ot_conf_trail *t = &cfg->trails[i];
        if (strcmp(t->s3_bucket_name, bucket) == 0 &&
            ot_config_trail_storage(cfg, t)->backend == OT_STORAGE_S3) {
            bt = t;
        }
    }
    struct ot_keep_store bstore = x.store;
    if (bt != NULL) {
        rc = open_s3_store(cfg, bt, &s3, &bstore);
        if (rc != CLI_OK) {
            goto out;
        }
    }
    if (del) {
        for (; optind < argc && rc == CLI_OK; optind++) {
            ot_status st =
                ot_keep_delete(&bstore, bucket, argv[optind], x.rules, x.nrules, x.now_ms, &err);
            if (st != OT_OK) {
                cli_print_error(&err);
                rc = st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
            }
        }
        note_markers(bt != NULL ? &s3 : NULL, bucket, 0);
        goto out;
    }
    if (ot_pricebook_builtin("us-east-1", &x.pb, &err) != OT_OK) {
        x.pb = NULL; /* no dollars, still the plan */
    }
    arr = x.json ? json_array() : NULL;
    if (bucket != NULL) {
        rc = one_bucket(&x, &bstore, bucket, verb, arr);
    } else {
        DIR *d = opendir(x.hot);
        struct dirent *e;
        while (d != NULL && rc == CLI_OK && (e = readdir(d)) != NULL) {
            if (e->d_name[0] != '.') {
                rc = one_bucket(&x, &x.store, e->d_name, verb, arr);
            }
        }
        if (d != NULL) {
            (void)closedir(d); /* read-only */
        }
        for (uint32_t i = 0; i < cfg->ntrails && rc == CLI_OK; i++) {
            const struct ot_conf_trail *t = &cfg->trails[i];
            bool seen = ot_config_trail_storage(cfg, t)->backend != OT_STORAGE_S3;
            for (uint32_t k = 0; k < i && !seen; k++) { /* each bucket once */
                seen = strcmp(cfg->trails[k].s3_bucket_name, t->s3_bucket_name) == 0 &&
                       ot_config_storage_same(ot_config_trail_storage(cfg, &cfg->trails[k]),
                                              ot_config_trail_storage(cfg, t));
            }
            if (seen) {
                continue;
            }
            struct ot_keep_store ts = x.store;
            rc = open_s3_store(cfg, t, &s3, &ts);
            if (rc == CLI_OK) {
                rc = one_bucket(&x, &ts, t->s3_bucket_name, verb, arr);
            }
            if (s3.ops != NULL) {
                ot_store_close(&s3);
                s3.ops = NULL;
            }
        }
    }
    if (arr != NULL && rc == CLI_OK) {
        json_t *root = json_pack("{s:o}", "buckets", arr);
        arr = NULL;
        if (root == NULL || json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
            rc = CLI_SYSTEM;
        }
        (void)putchar('\n');
        json_decref(root);
    }
    if (fflush(stdout) != 0) {
        rc = CLI_SYSTEM;
    }
out:
    if (s3.ops != NULL) {
        ot_store_close(&s3);
    }
    json_decref(arr);
    ot_pricebook_free(x.pb);
    free(x.rules);
    ot_kek_ring_free(ring);
    ot_config_free(cfg);
    return rc;
}
