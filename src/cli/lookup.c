/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/lookup.c - `opentrail lookup`: CloudTrail's LookupEvents over local
 * trees: find events by EventId, EventName, ReadOnly, Username, EventSource,
 * AccessKeyId, ResourceType or ResourceName, in a time window. Without
 * inputs it searches the trails opentrail stored under <data-dir>/buckets.
 * This is a scan, not an index (the query stage brings one).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct attr {
    const char *name;     /* LookupEvents' AttributeKey */
    const char *paths[2]; /* where the value may be, first match wins */
};

static const struct attr attrs[] = {
    { "EventId", { "eventID", NULL } },
    { "EventName", { "eventName", NULL } },
    { "ReadOnly", { "readOnly", NULL } },
    { "Username",
      { "userIdentity.userName", "userIdentity.sessionContext.sessionIssuer.userName" } },
    { "EventSource", { "eventSource", NULL } },
    { "AccessKeyId", { "userIdentity.accessKeyId", NULL } },
    { "ResourceType", { "resources[*].type", NULL } },
    { "ResourceName", { "resources[*].ARN", NULL } },
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

struct lookup {
    const struct attr *attr;
    struct ot_path *paths[2];
    const char *value;
    int64_t start_ms, end_ms;
    bool has_start, has_end;
    struct ot_path *time;
    long long max;
    bool json;
    unsigned long long found;
};

struct hit_ctx {
    const char *want;
    bool hit;
};

static bool is_want(void *ctx, struct ot_value v)
{
    struct hit_ctx *h = ctx;
    if ((v.type == OT_STRING && ot_value_str_eq(v, ot_sv_cstr(h->want))) ||
        ((v.type == OT_TRUE || v.type == OT_FALSE) && ot_sv_eq_cstr(ot_value_raw(v), h->want))) {
        h->hit = true;
        return false;
    }
    return true;
}

static bool matches(const struct lookup *l, const struct ot_record *rec)
{
    if (l->has_start || l->has_end) {
        int64_t ms;
        struct ot_value t = ot_record_get(rec, l->time);
        if (t.type != OT_STRING || ot_time_parse_iso(ot_value_raw(t), &ms) != OT_OK ||
            (l->has_start && ms < l->start_ms) || (l->has_end && ms > l->end_ms)) {
            return false;
        }
    }
    if (l->attr == NULL) {
        return true;
    }
    for (int i = 0; i < 2 && l->paths[i] != NULL; i++) {
        struct hit_ctx h = { l->value, false };
        (void)ot_record_each(rec, l->paths[i], is_want, &h); /* the count is not needed */
        if (h.hit) {
            return true;
        }
    }
    return false;
}

static ot_status put_str(struct ot_buf *b, const char *key, const struct ot_record *rec,
                         const char *path, bool comma)
{
    struct ot_path *p = NULL;
    ot_status st = ot_path_compile(ot_sv_cstr(path), &p, NULL);
    if (st != OT_OK) {
        return st;
    }
    struct ot_value v = ot_record_get(rec, p);
    st = ot_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (st == OT_OK && v.type == OT_STRING) {
        st = ot_buf_append(b, ot_value_json(v).p, ot_value_json(v).n);
    } else if (st == OT_OK && (v.type == OT_TRUE || v.type == OT_FALSE)) {
        st = ot_buf_printf(b, "\"%.*s\"", (int)ot_value_raw(v).n, ot_value_raw(v).p);
    } else if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "null");
    }
    ot_path_free(p);
    return st;
}

/* One event in LookupEvents' shape. */
static ot_status put_event(struct ot_buf *b, const struct ot_record *rec)
{
    ot_status st = ot_buf_putc(b, '{');
    const char *keys[][2] = { { "EventId", "eventID" },
                              { "EventName", "eventName" },
                              { "ReadOnly", "readOnly" },
                              { "AccessKeyId", "userIdentity.accessKeyId" },
                              { "EventTime", "eventTime" },
                              { "EventSource", "eventSource" },
                              { "Username", "userIdentity.userName" } };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && st == OT_OK; i++) {
        st = put_str(b, keys[i][0], rec, keys[i][1], i > 0);
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, ",\"Resources\":[");
    }
    struct ot_path *res = NULL;
    if (st == OT_OK) {
        st = ot_path_compile(OT_SV_LIT("resources"), &res, NULL);
    }
    if (st == OT_OK) {
        struct ot_value arr = ot_record_get(rec, res), e;
        uint32_t it = 0;
        for (bool first = true; st == OT_OK && ot_value_next(arr, &it, NULL, &e); first = false) {
            struct ot_value ty = ot_value_member(e, OT_SV_LIT("type"));
            struct ot_value arn = ot_value_member(e, OT_SV_LIT("ARN"));
            st = ot_buf_printf(b, "%s{\"ResourceType\":", first ? "" : ",");
            if (st == OT_OK) {
                st = ty.type == OT_STRING
                         ? ot_buf_append(b, ot_value_json(ty).p, ot_value_json(ty).n)
                         : ot_buf_append_cstr(b, "null");
            }
            if (st == OT_OK) {
                st = ot_buf_append_cstr(b, ",\"ResourceName\":");
            }
            if (st == OT_OK) {
                st = arn.type == OT_STRING
                         ? ot_buf_append(b, ot_value_json(arn).p, ot_value_json(arn).n)
                         : ot_buf_append_cstr(b, "null");
            }
            if (st == OT_OK) {
                st = ot_buf_putc(b, '}');
            }
        }
    }
    ot_path_free(res);
    struct ot_buf c = OT_BUF_INIT(OT_RECORD_MAX_BYTES * 2);
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "],\"CloudTrailEvent\":");
    }
    if (st == OT_OK) {
        st = ot_value_compact(ot_record_root(rec), &c);
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(b, ot_buf_sv(&c)); /* a JSON string, as LookupEvents returns it */
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "}\n");
    }
    ot_buf_cleanup(&c);
    return st;
}

static bool lookup_record(struct cli_worker *w, const struct ot_record *rec)
{
    struct lookup *l = w->cr->ctx;
    if (!matches(l, rec)) {
        return true;
    }
    ot_status st;
    if (l->json) {
        st = put_event(&w->out, rec);
    } else {
        st = ot_value_compact(ot_record_root(rec), &w->out);
        if (st == OT_OK) {
            st = ot_buf_putc(&w->out, '\n');
        }
    }
    if (st != OT_OK) {
        w->out = OT_BUF_INIT(SIZE_MAX);
        w->cr->rep.output_failed = true;
        return false;
    }
    return true;
}

static const char help[] =
    "usage: opentrail lookup [OPTIONS] [INPUT...]\n"
    "\n"
    "Find events as CloudTrail's LookupEvents does, in INPUT (files, trees, - for\n"
    "stdin) or, without INPUT, in the trails stored under DATA-DIR/buckets.\n"
    "\n"
    "options:\n"
    "      --event-id ID            shorthand for --attribute EventId=ID\n"
    "  -a, --attribute KEY=VALUE    EventId, EventName, ReadOnly, Username, EventSource,\n"
    "                               AccessKeyId, ResourceType or ResourceName\n"
    "      --start-time TIME        eventTime at or after TIME (ISO 8601)\n"
    "      --end-time TIME          eventTime at or before TIME\n"
    "      --json                   LookupEvents' Events shape, one per line\n" CLI_READ_HELP
    "  -h, --help                   this help\n"
    "\n"
    "examples:\n"
    "  opentrail lookup --event-id 3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43\n"
    "  opentrail lookup -a Username=alice --start-time 2026-11-25T00:00:00Z AWSLogs/\n";

int cli_lookup(int argc, char **argv, const struct cli_global *g)
{
    enum { O_EVENT = 1, O_START, O_END, O_JSON };
    static const struct option longopts[] = {
        { "event-id", required_argument, NULL, O_EVENT },
        { "attribute", required_argument, NULL, 'a' },
        { "start-time", required_argument, NULL, O_START },
        { "end-time", required_argument, NULL, O_END },
        { "json", no_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' },
        CLI_READ_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct lookup l = { 0 };
    struct cli_reader cr = { 0 };
    int rc = CLI_OK, opt;
    const char *attr = NULL;

    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "a:j:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case O_EVENT:
            l.attr = &attrs[0];
            l.value = optarg;
            break;
        case 'a':
            attr = optarg;
            break;
        case O_START:
        case O_END: {
            int64_t ms;
            if (ot_time_parse_iso(ot_sv_cstr(optarg), &ms) != OT_OK) {
                rc = cli_usage_error("lookup",
                                     "'%s' is not an ISO 8601 time such as "
                                     "2026-11-25T02:00:00Z",
                                     optarg);
            } else if (opt == O_START) {
                l.start_ms = ms;
                l.has_start = true;
            } else {
                l.end_ms = ms;
                l.has_end = true;
            }
            break;
        }
        case O_JSON:
            l.json = true;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            if (!cli_read_opt("lookup", opt, optarg, &cr.opts, &rc)) {
                rc = CLI_USAGE;
            }
        }
    }
    if (rc == CLI_OK && attr != NULL) {
        const char *eq = strchr(attr, '=');
        for (size_t i = 0; eq != NULL && i < NATTRS; i++) {
            if (strlen(attrs[i].name) == (size_t)(eq - attr) &&
                strncmp(attrs[i].name, attr, (size_t)(eq - attr)) == 0) {
                l.attr = &attrs[i];
                l.value = eq + 1;
            }
        }
        if (l.attr == NULL) {
            rc = cli_usage_error("lookup",
                                 "--attribute wants KEY=VALUE with KEY one of EventId, EventName, "
                                 "ReadOnly, Username, EventSource, AccessKeyId, ResourceType, "
                                 "ResourceName; not '%s'",
                                 attr);
        }
    }
    if (rc == CLI_OK && l.attr == NULL && !l.has_start && !l.has_end) {
        rc = cli_usage_error("lookup", "give --event-id, --attribute or a time window");
    }
    for (int i = 0; rc == CLI_OK && l.attr != NULL && i < 2 && l.attr->paths[i] != NULL; i++) {
        if (ot_path_compile(ot_sv_cstr(l.attr->paths[i]), &l.paths[i], NULL) != OT_OK) {
            rc = CLI_SYSTEM;
        }
    }
    if (rc == CLI_OK && ot_path_compile(OT_SV_LIT("eventTime"), &l.time, NULL) != OT_OK) {
        rc = CLI_SYSTEM;
    }
    if (rc == CLI_OK) {
        char def[4096];
        char *defargs[1] = { def };
        char **args = argv + optind;
        int nargs = argc - optind;
        if (nargs == 0) {
            struct stat sb;
            (void)snprintf(def, sizeof(def), "%s/buckets", g->data_dir);
            if (stat(def, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                (void)fprintf(stderr,
                              "opentrail lookup: no trails stored in %s (give files or folders, "
                              "or --data-dir)\n",
                              def);
                rc = CLI_USAGE;
            }
            args = defargs;
            nargs = 1;
        }
        if (rc == CLI_OK) {
            cr.ctx = &l;
            cr.on_record = lookup_record;
            rc = cli_read_all(&cr, args, nargs);
            cli_report_notes(&cr);
        }
    }
    ot_path_free(l.paths[0]);
    ot_path_free(l.paths[1]);
    ot_path_free(l.time);
    return rc;
}
