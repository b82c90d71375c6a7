/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/config.c - `opentrail config init|show|check|doc` and `opentrail serve
 * --check-config`: write the commented default opentrail.yaml, print the
 * effective config with secrets redacted, check a config, print its reference.
 *
 * Front end: the library (capture/config*.c) reads, checks and prints; this
 * file finds the file, generates the first admin key and writes the default.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon/daemon.h"

/* --config, else <data dir>/opentrail.yaml, into @out[@n]. */
static const char *config_path(const struct cli_global *g, const char *local, char *out, size_t n)
{
    if (local != NULL) {
        return local;
    }
    if (g->config != NULL) {
        return g->config;
    }
    int m = snprintf(out, n, "%s/opentrail.yaml", g->data_dir);
    return m > 0 && (size_t)m < n ? out : NULL;
}

/* Config problems are exit 2 (usage or configuration error), memory 4. */
static int load(const char *path, struct ot_config **out)
{
    struct ot_error err = { 0 };
    ot_status st = ot_config_load(path, out, &err);
    if (st != OT_OK) {
        cli_print_error(&err);
        return st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
    }
    return CLI_OK;
}

static int check(const char *path)
{
    struct ot_config *c = NULL;
    int rc = load(path, &c);
    if (rc == CLI_OK) {
        (void)printf("%s: OK: %u trail%s, %u key%s, %u metric filter%s, %u alarm%s, CIS pack %s\n",
                     path, c->ntrails, c->ntrails == 1 ? "" : "s", c->nkeys,
                     c->nkeys == 1 ? "" : "s", c->nmetric_filters,
                     c->nmetric_filters == 1 ? "" : "s", c->nalarms, c->nalarms == 1 ? "" : "s",
                     c->cis_pack ? "on" : "off");
    }
    ot_config_free(c);
    return rc;
}

static int print_buf(struct ot_buf *b, ot_status st)
{
    if (st != OT_OK) {
        (void)fprintf(stderr, "opentrail config: out of memory\n");
        ot_buf_cleanup(b);
        return CLI_SYSTEM;
    }
    bool ok = fwrite(b->data, 1, b->len, stdout) == b->len && fflush(stdout) == 0;
    ot_buf_cleanup(b);
    return ok ? CLI_OK : CLI_SYSTEM;
}

static int show(const char *path)
{
    struct ot_config *c = NULL;
    struct ot_buf b = OT_BUF_INIT(64u << 20);
    int rc = load(path, &c);
    if (rc == CLI_OK) {
        rc = print_buf(&b, ot_config_show(c, &b));
    }
    ot_config_free(c);
    return rc;
}

static int init(const char *path, const char *data_dir)
{
    char id[21] = "OTA", secret[41];
    struct ot_buf b = OT_BUF_INIT(1u << 20);
    int rc = CLI_OK;
    if (!mkdir_data_dir(data_dir)) {
        (void)fprintf(stderr, "opentrail config: cannot create %s: %s\n", data_dir,
                      strerror(errno));
        return CLI_SYSTEM;
    }
    if (ot_config_new_key(id, secret) != OT_OK) {
        (void)fprintf(stderr, "opentrail config: no random bytes from OpenSSL\n");
        return CLI_SYSTEM;
    }
    if (ot_config_default_text(id, secret, &b) != OT_OK) {
        (void)fprintf(stderr, "opentrail config: out of memory\n");
        rc = CLI_SYSTEM;
        goto out;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        (void)fprintf(stderr, "opentrail config: %s: %s (%s)\n", path, strerror(e),
                      e == EEXIST ? "it is kept as it is; remove it to start over"
                                  : "check the data directory");
        rc = e == EEXIST ? CLI_USAGE : CLI_SYSTEM;
        goto out;
    }
    bool ok = write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        (void)fprintf(stderr, "opentrail config: cannot write %s: %s\n", path, strerror(errno));
        (void)unlink(path); /* best effort: a half-written config must not stay */
        rc = CLI_SYSTEM;
        goto out;
    }
    (void)printf("wrote %s\n"
                 "admin access key (shown once, kept in the file with mode 0600):\n"
                 "  AccessKeyId:     %s\n"
                 "  SecretAccessKey: %s\n",
                 path, id, secret);
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    if (b.data != NULL) {
        OPENSSL_cleanse(b.data, b.len);
    }
    ot_buf_cleanup(&b);
    return rc;
}

static const char config_help[] =
    "usage: opentrail [--data-dir DIR] config init|show|check|doc [--config FILE]\n"
    "\n"
    "  init    write the commented default config (DIR/opentrail.yaml, mode 0600): one\n"
    "          multi-region trail on the local backend, validation on, the CIS pack on,\n"
    "          and a generated admin access key, printed once. An existing file is kept.\n"
    "  show    print the effective config: defaults filled in, secrets <redacted>\n"
    "  check   check the config (same as `opentrail serve --check-config`)\n"
    "  doc     print the config reference (docs/config.md) from the key table\n"
    "\n"
    "  --config FILE  the config (default: the global --config, else DIR/opentrail.yaml)\n"
    "  -h, --help     this help\n"
    "\n"
    "Exit status: 0 clean, 2 the config has an error (file:line:col: what (fix)),\n"
    "4 system error. Reference: docs/config.md.\n";

int cli_config(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *local = NULL;
    char buf[4096];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            local = optarg;
            break;
        case 'h':
            (void)fputs(config_help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("config", "unknown option");
        }
    }
    if (optind != argc - 1) {
        return cli_usage_error("config", "give one of init, show, check, doc");
    }
    const char *sub = argv[optind];
    if (strcmp(sub, "doc") == 0) {
        struct ot_buf b = OT_BUF_INIT(1u << 20);
        return print_buf(&b, ot_config_doc(&b));
    }
    const char *path = config_path(g, local, buf, sizeof(buf));
    if (path == NULL) {
        return cli_usage_error("config", "the data directory path is too long");
    }
    if (strcmp(sub, "init") == 0) {
        return init(path, g->data_dir);
    }
    if (strcmp(sub, "show") == 0) {
        return show(path);
    }
    if (strcmp(sub, "check") == 0) {
        return check(path);
    }
    return cli_usage_error("config", "unknown subcommand '%s': give init, show, check or doc", sub);
}

static const char serve_help[] =
    "usage: opentrail [--data-dir DIR] serve [--config FILE] [--listen ADDR:PORT]\n"
    "       opentrail [--data-dir DIR] serve --check-config [--config FILE]\n"
    "\n"
    "Run the daemon: the authenticated ingest API (POST /v1/events, the CloudTrail\n"
    "Data API's PutAuditEvents), the durable spool (every acknowledged record is\n"
    "fsync'd first), delivery into each trail's signed CloudTrail log files and\n"
    "hourly digests, and GET /healthz, /readyz, /metrics (Prometheus).\n"
    "\n"
    "On first start, with no config, a commented default DIR/opentrail.yaml is\n"
    "written with a generated admin access key (printed once), and a digest\n"
    "signing key is generated in DIR/keys. SIGHUP reloads the config (a bad one\n"
    "is refused and the running one kept); SIGTERM seals open log files and stops.\n"
    "\n"
    "  --config FILE       the config (default: the global --config, else DIR/opentrail.yaml)\n"
    "  --listen ADDR:PORT  listen here instead of the config's Listener\n"
    "  --check-config      read and check the config, print a summary, exit 0 or 2\n"
    "  -h, --help          this help\n"
    "\n"
    "API and formats: docs/api.md; config: docs/config.md.\n"
    "exit status: 0 stopped cleanly, 2 config or usage error, 4 system error.\n";

int cli_serve(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "check-config", no_argument, NULL, 'k' },
        { "config", required_argument, NULL, 'c' },
        { "listen", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *local = NULL, *listen = NULL;
    bool check_only = false;
    char buf[4096];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            check_only = true;
            break;
        case 'c':
            local = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'h':
            (void)fputs(serve_help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("serve", "unknown option");
        }
    }
    if (optind != argc) {
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    }
    const char *path = config_path(g, local, buf, sizeof(buf));
    if (path == NULL) {
        return cli_usage_error("serve", "the data directory path is too long");
    }
    if (check_only) {
        return check(path);
    }
    struct otd_opts o = { .data_dir = g->data_dir, .config_path = path, .listen = listen };
    return otd_serve(&o);
}
