/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/select.c - `opentrail select`: which records would a trail keep?
 *
 * Front end: the trail comes from opentrail.yaml (--trail NAME) or from a
 * selectors file as get-event-selectors prints it (--selectors FILE, with
 * the scope in options). Kept records go to stdout as NDJSON, the counts to
 * stderr; the decision is the library's ot_select_keep().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct sel_cmd {
    const struct ot_selectors *sel;
    struct ot_trail_scope scope;
    bool count_only;
    unsigned long long kept, dropped;
};

struct sel_worker {
    unsigned long long kept, dropped;
    bool nomem;
};

static bool sel_record(struct cli_worker *w, const struct ot_record *rec)
{
    const struct sel_cmd *s = w->cr->ctx;
    struct sel_worker *sw = w->cmd;
    if (sw == NULL) {
        return false;
    }
    if (!ot_select_keep(s->sel, &s->scope, rec)) {
        sw->dropped++;
        return true;
    }
    sw->kept++;
    if (!s->count_only) {
        ot_status st = ot_value_compact(ot_record_root(rec), &w->out);
        if (st == OT_OK) {
            st = ot_buf_putc(&w->out, '\n');
        }
        if (st != OT_OK) {
            sw->nomem = true;
            return false;
        }
    }
    return true;
}

static void sel_commit(struct cli_reader *cr, struct cli_worker *w)
{
    struct sel_cmd *s = cr->ctx;
    struct sel_worker *sw = w->cmd;
    if (sw != NULL) {
        s->kept += sw->kept;
        s->dropped += sw->dropped;
        sw->kept = sw->dropped = 0;
    }
}

static void *sel_init(void *ctx)
{
    (void)ctx;
    return ot_calloc(1, sizeof(struct sel_worker));
}

static void sel_fini(void *ctx, void *cmd)
{
    (void)ctx;
    ot_free(cmd);
}

/* Read @path (at most OT_SELECT_MAX_FILE_BYTES) into @b. */
static int read_small(const char *path, struct ot_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        (void)fprintf(stderr, "opentrail select: %s: %s\n", path, strerror(errno));
        return CLI_USAGE;
    }
    int rc = CLI_OK;
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n < 0 ? CLI_SYSTEM : CLI_OK;
            break;
        }
        if (ot_buf_append(b, chunk, (size_t)n) != OT_OK) {
            (void)fprintf(stderr, "opentrail select: %s: larger than %u bytes\n", path,
                          OT_SELECT_MAX_FILE_BYTES);
            rc = CLI_USAGE;
            break;
        }
    }
    (void)close(fd); /* read-only: nothing to lose */
    return rc;
}

static const char help[] =
    "usage: opentrail select (--trail NAME [--config FILE] | --selectors FILE [scope])\n"
    "                        [--count] INPUT...\n"
    "\n"
    "Print the records a trail keeps (NDJSON on stdout) and count kept and dropped\n"
    "ones (stderr). INPUTs are files, directory trees or '-' for stdin, in any shape\n"
    "`opentrail cat` reads.\n"
    "\n"
    "  -t, --trail NAME        a trail of the config (its selectors and scope)\n"
    "      --config FILE       the config (default: global --config, DIR/opentrail.yaml)\n"
    "  -s, --selectors FILE    selectors as JSON or YAML: {\"EventSelectors\": [...]} or\n"
    "                          {\"AdvancedEventSelectors\": [...]} (get-event-selectors)\n"
    "scope with --selectors (default: multi-region, every account):\n"
    "      --home-region R     the trail's region (default us-east-1)\n"
    "      --single-region     keep only the home region's events (and global ones)\n"
    "      --no-global-events  single-region: drop IAM, STS, sign-in, CloudFront...\n"
    "      --account ID        keep only this recipientAccountId\n"
    "      --organization      with --account: keep every account (organization trail)\n"
    "  -c, --count             print only the counts\n" CLI_READ_HELP
    "  -h, --help              this help\n"
    "\n"
    "Rules: docs/selectors.md. Exit status: 0, 2 bad selectors or config (file:line:col),\n"
    "3 some input was bad (the rest was read), 4 system error.\n";

enum {
    OPT_HOME = 2000,
    OPT_SINGLE,
    OPT_NOGLOBAL,
    OPT_ACCOUNT,
    OPT_ORG,
    OPT_CONFIG,
};

int cli_select(int argc, char **argv, const struct cli_global *g)
{
    static const struct option longopts[] = {
        { "trail", required_argument, NULL, 't' },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "selectors", required_argument, NULL, 's' },
        { "home-region", required_argument, NULL, OPT_HOME },
        { "single-region", no_argument, NULL, OPT_SINGLE },
        { "no-global-events", no_argument, NULL, OPT_NOGLOBAL },
        { "account", required_argument, NULL, OPT_ACCOUNT },
        { "organization", no_argument, NULL, OPT_ORG },
        { "count", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct sel_cmd s = {
        .scope = { .home_region = "us-east-1", .is_multi_region = true, .include_global = true }
    };
    struct cli_reader cr = { 0 };
    struct ot_config *cfg = NULL;
    struct ot_selectors *own = NULL;
    const char *trail = NULL, *selfile = NULL, *config = g->config;
    bool scope_opt = false;
    int rc = CLI_OK, opt;
    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "t:s:cj:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            trail = optarg;
            break;
        case OPT_CONFIG:
            config = optarg;
            break;
        case 's':
            selfile = optarg;
            break;
        case OPT_HOME:
            s.scope.home_region = optarg;
            scope_opt = true;
            break;
        case OPT_SINGLE:
            s.scope.is_multi_region = false;
            scope_opt = true;
            break;
        case OPT_NOGLOBAL:
            s.scope.include_global = false;
            scope_opt = true;
            break;
        case OPT_ACCOUNT:
            s.scope.account_id = optarg;
            scope_opt = true;
            break;
        case OPT_ORG:
            s.scope.is_organization = true;
            scope_opt = true;
            break;
        case 'c':
            s.count_only = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (!cli_read_opt("select", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    if (rc != CLI_OK) {
        return rc;
    }
    if ((trail == NULL) == (selfile == NULL)) {
        return cli_usage_error("select", "give --trail NAME or --selectors FILE (one of them)");
    }
    if (trail != NULL && scope_opt) {
        return cli_usage_error("select", "the scope of --trail comes from the config; scope "
                                         "options go with --selectors");
    }
    if (s.scope.is_multi_region && !s.scope.include_global) {
        return cli_usage_error("select", "--no-global-events needs --single-region (a "
                                         "multi-region trail includes global events)");
    }
    if (trail != NULL) {
        char buf[4096];
        struct ot_error err = { 0 };
        if (config == NULL) {
            int n = snprintf(buf, sizeof(buf), "%s/opentrail.yaml", g->data_dir);
            if (n < 0 || (size_t)n >= sizeof(buf)) {
                return cli_usage_error("select", "the data directory path is too long");
            }
            config = buf;
        }
        ot_status st = ot_config_load(config, &cfg, &err);
        if (st != OT_OK) {
            cli_print_error(&err);
            return st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
        }
        const struct ot_conf_trail *t = ot_config_trail(cfg, trail);
        if (t == NULL) {
            (void)fprintf(stderr,
                          "opentrail select: %s: no trail named '%s' (see `opentrail "
                          "config show`)\n",
                          config, trail);
            ot_config_free(cfg);
            return CLI_USAGE;
        }
        s.sel = t->selectors;
        ot_config_trail_scope(t, &s.scope);
    } else {
        struct ot_buf b = OT_BUF_INIT(OT_SELECT_MAX_FILE_BYTES);
        struct ot_error err = { 0 };
        rc = read_small(selfile, &b);
        if (rc == CLI_OK) {
            ot_status st = ot_selectors_parse(ot_buf_sv(&b), selfile, &own, &err);
            if (st != OT_OK) {
                cli_print_error(&err);
                rc = st == OT_E_NOMEM ? CLI_SYSTEM : CLI_USAGE;
            }
        }
        ot_buf_cleanup(&b);
        if (rc != CLI_OK) {
            return rc;
        }
        s.sel = own;
    }
    cr.ctx = &s;
    cr.on_record = sel_record;
    cr.on_commit = sel_commit;
    cr.cmd_init = sel_init;
    cr.cmd_fini = sel_fini;
    rc = cli_read_all(&cr, argv + optind, argc - optind);
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        rc = CLI_SYSTEM;
    }
    (void)fprintf(stderr, "opentrail select: kept %llu, dropped %llu\n", s.kept, s.dropped);
    cli_report_notes(&cr);
    ot_selectors_free(own);
    ot_config_free(cfg);
    return rc;
}
