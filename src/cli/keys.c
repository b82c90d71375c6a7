/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/keys.c - `opentrail keys generate|list|export`: the trail's signing
 * keys in DATA_DIR/keys (private keys 0600, refused when looser).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char help[] =
    "usage: opentrail keys generate [--bits N] [--valid-from T]\n"
    "       opentrail keys list\n"
    "       opentrail keys export [--array]\n"
    "       opentrail keys kek-generate | kek-rotate | kek-list\n"
    "\n"
    "Manage the RSA keys that sign digest files, kept in DATA_DIR/keys: the private\n"
    "key as <fingerprint>.pem (0600) and its public ListPublicKeys entry as\n"
    "<fingerprint>.json. The fingerprint is the lowercase hex MD5 of the PKCS#1 DER\n"
    "public key, as AWS computes it. Rotation never deletes a key: generate ends the\n"
    "current key's validity where the new one's begins, so old digests still validate.\n"
    "\n"
    "  generate            a new key (RSA 2048 by default); prints its fingerprint\n"
    "    --bits N          2048 (AWS's size), 3072 or 4096\n"
    "    --valid-from T    start of validity (default now); for replayed old data\n"
    "  list                fingerprint, validity start and end of every key\n"
    "  export              every public key as `aws cloudtrail list-public-keys`\n"
    "                      prints it: {\"PublicKeyList\":[{Fingerprint, Value (base64\n"
    "                      DER), ValidityStartTime, ValidityEndTime}]}; an offline\n"
    "                      verifier needs nothing else (validate --keys FILE)\n"
    "    --array           the bare list (the shared AWS-CLI driver's KEYS.json)\n"
    "\n"
    "Encryption at rest (docs/encryption.md): key-encryption keys (KEKs) wrap the\n"
    "per-object data keys of the local store; each is kek-<id>.key (0600) and\n"
    "kek-current names the one new objects use. Back the folder up: an object\n"
    "cannot be read without the KEK that sealed it.\n"
    "  kek-generate        the first KEK (refused when one exists); prints its id\n"
    "  kek-rotate          a new KEK becomes current; old ones still open what they\n"
    "                      sealed and are never deleted by opentrail; prints its id\n"
    "  kek-list            id<TAB>current|retired of every KEK\n"
    "\n"
    "exit status: 0 done, 2 usage error or unsafe key files, 4 system error.\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int kek_verb(const char *verb, const struct cli_global *g)
{
    char dir[4096];
    struct ot_kek_ring *ring = NULL;
    struct ot_error err;
    ot_error_clear(&err);
    (void)snprintf(dir, sizeof(dir), "%s/keys", g->data_dir);
    bool gen = strcmp(verb, "kek-generate") == 0, rot = strcmp(verb, "kek-rotate") == 0;
    if (!gen && !rot && strcmp(verb, "kek-list") != 0) {
        return cli_usage_error("keys", "unknown action '%s' (kek-generate, kek-rotate, kek-list)",
                               verb);
    }
    int rc = cli_kek_ring_load(&ring, true);
    if (rc != CLI_OK) {
        return rc;
    }
    size_t n = ot_kek_count(ring);
    if (gen || rot) {
        if (gen && n > 0) {
            (void)fprintf(stderr,
                          "opentrail: %s: a key-encryption key exists already (current %s); "
                          "opentrail keys kek-rotate makes a new one current\n",
                          dir, ot_kek_current(ring));
            ot_kek_ring_free(ring);
            return CLI_USAGE;
        }
        if (rot && n == 0) {
            (void)fprintf(stderr,
                          "opentrail: %s: no key-encryption key to rotate (opentrail keys "
                          "kek-generate makes the first)\n",
                          dir);
            ot_kek_ring_free(ring);
            return CLI_USAGE;
        }
        ot_kek_ring_free(ring);
        char id[17];
        (void)mkdir_data_dir(g->data_dir);
        ot_status st = ot_kek_generate(dir, id, &err);
        if (st != OT_OK) {
            cli_print_error(&err);
            return st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
        }
        (void)printf("%s\n", id);
        return fflush(stdout) == 0 ? CLI_OK : CLI_SYSTEM;
    }
    if (n == 0) {
        (void)fprintf(stderr,
                      "opentrail: no key-encryption keys in %s (opentrail keys "
                      "kek-generate makes one)\n",
                      dir);
    }
    const char *cur = ot_kek_current(ring);
    for (size_t i = 0; i < n; i++) {
        const char *id = ot_kek_id(ring, i);
        (void)printf("%s\t%s\n", id, cur != NULL && strcmp(cur, id) == 0 ? "current" : "retired");
    }
    ot_kek_ring_free(ring);
    return fflush(stdout) == 0 ? CLI_OK : CLI_SYSTEM;
}

int cli_keys(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "bits", required_argument, NULL, 'b' },
        { "valid-from", required_argument, NULL, 'f' },
        { "array", no_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned bits = 0;
    bool array = false;
    int64_t from = now_ms();
    from -= from % 1000;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        uint64_t v;
        switch (opt) {
        case 'b':
            if (ot_parse_u64(ot_sv_cstr(optarg), 16384, false, &v) != OT_OK) {
                return cli_usage_error("keys", "--bits wants 2048, 3072 or 4096, not '%s'", optarg);
            }
            bits = (unsigned)v;
            break;
        case 'f':
            if (ot_time_parse_iso(ot_sv_cstr(optarg), &from) != OT_OK) {
                return cli_usage_error("keys",
                                       "--valid-from wants a time such as "
                                       "2024-01-01T00:00:00Z, not '%s'",
                                       optarg);
            }
            break;
        case 'a':
            array = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("keys", "unknown option");
        }
    }
    if (optind >= argc) {
        return cli_usage_error("keys", "say generate, list or export");
    }
    const char *verb = argv[optind];
    if (optind + 1 < argc) {
        return cli_usage_error("keys", "unexpected argument '%s'", argv[optind + 1]);
    }
    char dir[4096];
    (void)snprintf(dir, sizeof(dir), "%s/keys", g->data_dir);
    struct ot_error err;
    ot_error_clear(&err);
    if (strcmp(verb, "generate") == 0) {
        char fp[33];
        (void)mkdir_data_dir(g->data_dir);
        ot_status st = ot_keys_generate(dir, bits, from, fp, &err);
        if (st != OT_OK) {
            cli_print_error(&err);
            return st == OT_E_USAGE || st == OT_E_TAMPER ? CLI_USAGE : CLI_SYSTEM;
        }
        (void)printf("%s\n", fp);
        return CLI_OK;
    }
    if (strncmp(verb, "kek-", 4) == 0) {
        return kek_verb(verb, g);
    }
    if (strcmp(verb, "list") != 0 && strcmp(verb, "export") != 0) {
        return cli_usage_error("keys",
                               "unknown action '%s' (generate, list, export, kek-generate, "
                               "kek-rotate, kek-list)",
                               verb);
    }
    struct ot_keyring ring = { 0 };
    ot_status st = ot_keys_load_dir(dir, &ring, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_USAGE || st == OT_E_PARSE || st == OT_E_TAMPER ? CLI_USAGE : CLI_SYSTEM;
    }
    int rc = CLI_OK;
    if (strcmp(verb, "list") == 0) {
        if (ring.n == 0) {
            (void)fprintf(stderr,
                          "opentrail: no keys in %s (opentrail keys generate makes "
                          "one)\n",
                          dir);
        }
        for (size_t i = 0; i < ring.n; i++) {
            char a[21] = "-", b[21] = "current";
            if (ring.v[i].valid_from_ms != INT64_MIN) {
                ot_time_iso(ring.v[i].valid_from_ms, a);
            }
            if (ring.v[i].valid_to_ms != INT64_MAX) {
                ot_time_iso(ring.v[i].valid_to_ms, b);
            }
            (void)printf("%s\t%s\t%s\n", ring.v[i].fingerprint, a, b);
        }
    } else {
        struct ot_buf out = OT_BUF_INIT(64u << 20);
        if (ot_keys_format_list(&ring, array, &out) != OT_OK) {
            (void)fprintf(stderr, "opentrail: out of memory\n");
            rc = CLI_SYSTEM;
        } else if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            rc = CLI_SYSTEM;
        }
        ot_buf_cleanup(&out);
    }
    ot_keyring_cleanup(&ring);
    if (fflush(stdout) != 0) {
        rc = CLI_SYSTEM;
    }
    return rc;
}
