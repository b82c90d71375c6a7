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
    "exit status: 0 done, 2 usage error or unsafe key files, 4 system error.\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    if (strcmp(verb, "list") != 0 && strcmp(verb, "export") != 0) {
        return cli_usage_error("keys", "unknown action '%s' (generate, list, export)", verb);
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
