/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/notify.c - `opentrail notify`: send an alert through the configured
 * channels now, to check they work (--test) or to raise one by hand for an
 * event (--event FILE). Retries with exponential backoff and jitter when a
 * channel answers "try again"; secrets come from the environment.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_NOTIFIERS 8

/* A root console login as AWS documents it (spec 1.7), for --test. */
static const char sample_event[] =
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\",\"principalId\":"
    "\"111122223333\",\"arn\":\"arn:aws:iam::111122223333:root\",\"accountId\":\"111122223333\","
    "\"accessKeyId\":\"\"},\"eventTime\":\"2026-11-25T02:13:07Z\",\"eventSource\":"
    "\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":\"us-east-1\","
    "\"sourceIPAddress\":\"203.0.113.7\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\","
    "\"requestParameters\":null,\"responseElements\":{\"ConsoleLogin\":\"Success\"},"
    "\"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/console/home\","
    "\"MobileVersion\":\"No\",\"MFAUsed\":\"No\"},\"eventID\":"
    "\"3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43\",\"eventType\":\"AwsConsoleSignIn\","
    "\"managementEvent\":true,\"recipientAccountId\":\"111122223333\",\"eventCategory\":"
    "\"Management\"}";

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *env_secret(const char *cmd, const char *var, int *rc)
{
    const char *v = getenv(var);
    if (v == NULL || v[0] == '\0') {
        *rc = cli_usage_error(cmd, "environment variable %s is not set", var);
        return NULL;
    }
    return v;
}

struct pick {
    const struct ot_cis_rule *rule;
};

/* The first built-in rule whose pattern (and check) matches @rec. */
static bool pick_rule(void *ctx, const struct ot_record *rec)
{
    struct pick *p = ctx;
    unsigned n;
    const struct ot_cis_rule *rules = ot_cis_rules(&n);
    struct ot_matcher *m = NULL;
    if (ot_matcher_new(&m) != OT_OK) {
        return false;
    }
    for (unsigned i = 0; i < n && p->rule == NULL; i++) {
        struct ot_pattern *pat = NULL;
        if (ot_pattern_compile(ot_sv_cstr(rules[i].pattern), &pat, NULL) == OT_OK &&
            ot_pattern_match(pat, m, rec) && (rules[i].refine == NULL || rules[i].refine(rec))) {
            p->rule = &rules[i];
        }
        ot_pattern_free(pat);
    }
    ot_matcher_free(m);
    return true;
}

struct sender {
    char **action; /* argv of the response action, or NULL */
    long action_timeout_ms;
    struct ot_notifier **n;
    unsigned count;
    unsigned retries;
    const char *alarm;
    int rc;
};

static void jitter_sleep(unsigned attempt)
{
    unsigned char r = 0;
    (void)RAND_bytes(&r, 1); /* no randomness: no jitter, still a backoff */
    useconds_t base = (useconds_t)(200000u << (attempt < 5 ? attempt : 5));
    (void)usleep(base + (useconds_t)r * (base / 512));
}

static bool send_all(void *ctx, const struct ot_record *rec)
{
    struct sender *s = ctx;
    struct pick p = { NULL };
    (void)pick_rule(&p, rec);
    const struct ot_cis_rule *r = p.rule;
    struct ot_alert a = {
        .alarm_name = s->alarm ? s->alarm : (r ? r->id : "manual"),
        .title = r ? r->title : "Event raised by hand",
        .rule_id = r ? r->id : NULL,
        .cis = r ? r->cis : NULL,
        .severity = r ? r->severity : NULL,
        .from = OT_ALARM_OK,
        .to = OT_ALARM_ALARM,
        .value = 1,
        .has_value = true,
        .threshold = 1,
        .period_s = 300,
        .at_ms = now_ms(),
        .event = rec,
    };
    char report[512];
    if (s->action != NULL) {
        /* once per alert, before anyone is told, so the notification says what was done */
        struct ot_action_result res = { 0 };
        struct ot_error err;
        struct ot_buf json = OT_BUF_INIT(OT_RECORD_MAX_BYTES * 2);
        ot_error_clear(&err);
        ot_status st = ot_value_compact(ot_record_root(rec), &json);
        if (st == OT_OK) {
            st = ot_action_run(s->action, ot_buf_sv(&json), s->action_timeout_ms, &res, &err);
        }
        ot_buf_cleanup(&json);
        ot_action_report(s->action[0], st, &res, report, sizeof(report));
        (void)fprintf(stderr, "opentrail notify: %s\n", report);
        a.actions = report;
    }
    for (unsigned i = 0; i < s->count; i++) {
        struct ot_error err;
        ot_status st = OT_E_RETRY;
        for (unsigned k = 0; k <= s->retries && st == OT_E_RETRY; k++) {
            if (k > 0) {
                jitter_sleep(k - 1);
            }
            ot_error_clear(&err);
            st = ot_notifier_send(s->n[i], &a, now_ms(), &err);
            if (st == OT_E_RETRY && k < s->retries) {
                (void)fprintf(stderr, "opentrail notify: %s (attempt %u, retrying)\n", err.what,
                              k + 1);
            }
        }
        if (st == OT_OK) {
            (void)fprintf(stderr, "opentrail notify: delivered to %s\n", ot_notifier_name(s->n[i]));
        } else {
            cli_print_error(&err);
            s->rc = CLI_SYSTEM;
        }
    }
    return false; /* one alert: the first record */
}

static const char help[] =
    "usage: opentrail notify CHANNELS (--test | --event FILE) [OPTIONS]\n"
    "\n"
    "Send one alert through each channel: --test sends a sample root console login\n"
    "alert; --event sends one for the first record of FILE (- for stdin), titled by\n"
    "the built-in rule it matches. Secrets are read from environment variables.\n"
    "\n"
    "channels:\n"
    "      --slack-env VAR          Slack incoming webhook URL, from $VAR\n"
    "      --webhook URL            signed webhook (HMAC-SHA256, docs/notifiers.md) ...\n"
    "      --webhook-secret-env VAR ... with its shared secret from $VAR\n"
    "      --smtp URL               smtp://HOST:PORT (STARTTLS when offered) or smtps://\n"
    "      --mail-from ADDR --mail-to ADDR\n"
    "      --smtp-user USER --smtp-password-env VAR   AUTH (requires TLS)\n"
    "      --sns URL --topic-arn ARN SNS-style notification to an HTTP subscriber\n"
    "options:\n"
    "      --cacert FILE            trust this CA for TLS\n"
    "      --alarm NAME             the alarm name shown (default: the rule's id)\n"
    "      --retries N              retries on 5xx, 429 or network errors (default 3)\n"
    "      --timeout-ms N           per attempt (default 10000)\n"
    "      --action PROGRAM         a response action, run once before notifying, with\n"
    "                               the event JSON on stdin (no shell); the notification\n"
    "                               says \"Action taken: ...\" or \"Action failed: ...\"\n"
    "      --action-arg ARG         an argument for it (repeat)\n"
    "      --action-timeout-ms N    kill it after N ms (default 10000)\n"
    "  -h, --help                   this help\n"
    "\n"
    "Exit status: 0 delivered everywhere, 2 usage, 4 a channel failed.\n";

int cli_notify(int argc, char **argv, const struct cli_global *g)
{
    enum {
        O_SLACK = 1,
        O_ACTION,
        O_ACTION_ARG,
        O_ACTION_TIMEOUT,
        O_WEBHOOK,
        O_WSECRET,
        O_SMTP,
        O_FROM,
        O_TO,
        O_USER,
        O_PASS,
        O_SNS,
        O_TOPIC,
        O_CACERT,
        O_ALARM,
        O_RETRIES,
        O_TIMEOUT,
        O_TEST,
        O_EVENT
    };
    static const struct option longopts[] = {
        { "slack-env", required_argument, NULL, O_SLACK },
        { "webhook", required_argument, NULL, O_WEBHOOK },
        { "webhook-secret-env", required_argument, NULL, O_WSECRET },
        { "smtp", required_argument, NULL, O_SMTP },
        { "mail-from", required_argument, NULL, O_FROM },
        { "mail-to", required_argument, NULL, O_TO },
        { "smtp-user", required_argument, NULL, O_USER },
        { "smtp-password-env", required_argument, NULL, O_PASS },
        { "sns", required_argument, NULL, O_SNS },
        { "topic-arn", required_argument, NULL, O_TOPIC },
        { "cacert", required_argument, NULL, O_CACERT },
        { "alarm", required_argument, NULL, O_ALARM },
        { "retries", required_argument, NULL, O_RETRIES },
        { "timeout-ms", required_argument, NULL, O_TIMEOUT },
        { "test", no_argument, NULL, O_TEST },
        { "event", required_argument, NULL, O_EVENT },
        { "action", required_argument, NULL, O_ACTION },
        { "action-arg", required_argument, NULL, O_ACTION_ARG },
        { "action-timeout-ms", required_argument, NULL, O_ACTION_TIMEOUT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ot_notifier_conf slack = { .type = "slack" }, hook = { .type = "webhook" },
                            smtp = { .type = "smtp" }, sns = { .type = "sns" };
    const char *cacert = NULL, *event = NULL, *alarm = NULL;
    bool test = false;
    unsigned retries = 3;
    char *action[18] = { NULL };
    unsigned naction = 0;
    long action_timeout = 10000;
    long timeout = 0;
    int rc = CLI_OK, opt;
    uint64_t v;
    (void)g; /* no state needed */

    optind = 1;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_SLACK:
            slack.url = env_secret("notify", optarg, &rc);
            break;
        case O_WEBHOOK:
            hook.url = optarg;
            break;
        case O_WSECRET:
            hook.secret = env_secret("notify", optarg, &rc);
            break;
        case O_SMTP:
            smtp.url = optarg;
            break;
        case O_FROM:
            smtp.mail_from = optarg;
            break;
        case O_TO:
            smtp.mail_to = optarg;
            break;
        case O_USER:
            smtp.username = optarg;
            break;
        case O_PASS:
            smtp.password = env_secret("notify", optarg, &rc);
            break;
        case O_SNS:
            sns.url = optarg;
            break;
        case O_TOPIC:
            sns.topic_arn = optarg;
            break;
        case O_CACERT:
            cacert = optarg;
            break;
        case O_ALARM:
            alarm = optarg;
            break;
        case O_RETRIES:
            if (ot_parse_u64(ot_sv_cstr(optarg), 10, false, &v) != OT_OK) {
                rc = cli_usage_error("notify", "--retries wants 0 to 10, not '%s'", optarg);
            }
            retries = (unsigned)v;
            break;
        case O_TIMEOUT:
            if (ot_parse_u64(ot_sv_cstr(optarg), 600000, false, &v) != OT_OK || v == 0) {
                rc = cli_usage_error("notify", "--timeout-ms wants 1 to 600000, not '%s'", optarg);
            }
            timeout = (long)v;
            break;
        case O_TEST:
            test = true;
            break;
        case O_ACTION:
            action[0] = optarg;
            naction = naction ? naction : 1;
            break;
        case O_ACTION_ARG:
            if (naction == 0 || naction >= 17) {
                rc = cli_usage_error("notify", "--action-arg follows --action (at most 16)");
            } else {
                action[naction++] = optarg;
            }
            break;
        case O_ACTION_TIMEOUT:
            if (ot_parse_u64(ot_sv_cstr(optarg), 600000, false, &v) != OT_OK || v == 0) {
                rc = cli_usage_error("notify", "--action-timeout-ms wants 1 to 600000");
            }
            action_timeout = (long)v;
            break;
        case O_EVENT:
            event = optarg;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            rc = CLI_USAGE;
        }
    }
    if (rc != CLI_OK) {
        return rc;
    }
    if (test == (event != NULL)) {
        return cli_usage_error("notify", "give --test or --event FILE (one of them)");
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        (void)fprintf(stderr, "opentrail notify: cannot start libcurl\n");
        return CLI_SYSTEM;
    }
    struct ot_notifier *n[MAX_NOTIFIERS];
    struct sender s = { .action = action[0] ? action : NULL,
                        .action_timeout_ms = action_timeout,
                        .n = n,
                        .retries = retries,
                        .alarm = alarm,
                        .rc = CLI_OK };
    struct ot_notifier_conf *all[] = { &slack, &hook, &smtp, &sns };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && rc == CLI_OK; i++) {
        struct ot_notifier_conf *c = all[i];
        bool wanted = c->url || c->secret || c->mail_from || c->mail_to || c->topic_arn;
        if (!wanted) {
            continue;
        }
        c->cacert = cacert;
        c->timeout_ms = timeout;
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_notifier_open(c, &n[s.count], &err) != OT_OK) {
            cli_print_error(&err);
            rc = cli_exit_for(err.what[0] ? OT_E_USAGE : OT_E_NOMEM);
        } else {
            s.count++;
        }
    }
    if (rc == CLI_OK && s.count == 0) {
        rc = cli_usage_error("notify", "name at least one channel (--slack-env, --webhook, "
                                       "--smtp, --sns)");
    }
    if (rc == CLI_OK) {
        struct ot_reader *r = NULL;
        struct ot_read_result res;
        struct ot_error err;
        ot_error_clear(&err);
        if (ot_reader_new(NULL, &r) != OT_OK) {
            rc = CLI_SYSTEM;
        } else if (test) {
            (void)ot_reader_read_mem(r, sample_event, sizeof(sample_event) - 1, "(sample)",
                                     send_all, NULL, &s, &res, &err);
            rc = s.rc;
        } else {
            FILE *f = strcmp(event, "-") == 0 ? stdin : fopen(event, "rb");
            ot_status st = OT_E_IO;
            if (f != NULL) {
                st = ot_reader_read_fd(r, fileno(f), event, send_all, NULL, &s, &res, &err);
                if (f != stdin) {
                    (void)fclose(f); /* read-only */
                }
            } else {
                (void)snprintf(err.what, sizeof(err.what), "cannot open %s", event);
            }
            if (st != OT_OK) {
                cli_print_error(&err);
                rc = cli_exit_for(st);
            } else if (res.records == 0) {
                (void)fprintf(stderr, "opentrail notify: %s holds no record\n", event);
                rc = CLI_BADINPUT;
            } else {
                rc = s.rc;
            }
        }
        ot_reader_free(r);
    }
    for (unsigned i = 0; i < s.count; i++) {
        ot_notifier_close(n[i]);
    }
    curl_global_cleanup();
    return rc;
}
