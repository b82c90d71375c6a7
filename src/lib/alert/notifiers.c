/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/notifiers.c - the one list of notifier kinds, and opening, sending
 * and closing a notifier of any kind. Settings are copied and secrets wiped
 * when closed.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static const struct ot_notifier_ops *const kinds[] = {
    &ot_notifier_slack,
    &ot_notifier_webhook,
    &ot_notifier_smtp,
    &ot_notifier_sns,
};

struct ot_notifier {
    const struct ot_notifier_ops *ops;
    struct notifier_conf c;
    char name[320];
};

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        ot_free(s);
    }
}

void ot_notifier_close(struct ot_notifier *n)
{
    if (n == NULL) {
        return;
    }
    char **all[] = { &n->c.type,     &n->c.url,      &n->c.secret, &n->c.mail_from, &n->c.mail_to,
                     &n->c.username, &n->c.password, &n->c.cacert, &n->c.topic_arn };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        wipe_free(*all[i]);
    }
    ot_free(n);
}

static bool dup(const char *s, char **out)
{
    if (s == NULL) {
        return true;
    }
    *out = ot_strndup(s, strlen(s));
    return *out != NULL;
}

ot_status ot_notifier_open(const struct ot_notifier_conf *conf, struct ot_notifier **out,
                           struct ot_error *err)
{
    const struct ot_notifier_ops *ops = NULL;
    for (size_t i = 0; conf->type && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i]->type, conf->type) == 0) {
            ops = kinds[i];
        }
    }
    if (ops == NULL) {
        return ot_fail(err, OT_E_USAGE, "use slack, webhook, smtp or sns",
                       "unknown notifier type '%s'", conf->type ? conf->type : "");
    }
    struct ot_notifier *n = ot_calloc(1, sizeof(*n));
    if (n == NULL || !dup(conf->type, &n->c.type) || !dup(conf->url, &n->c.url) ||
        !dup(conf->secret, &n->c.secret) || !dup(conf->mail_from, &n->c.mail_from) ||
        !dup(conf->mail_to, &n->c.mail_to) || !dup(conf->username, &n->c.username) ||
        !dup(conf->password, &n->c.password) || !dup(conf->cacert, &n->c.cacert) ||
        !dup(conf->topic_arn, &n->c.topic_arn)) {
        ot_notifier_close(n);
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory opening a notifier");
    }
    n->c.timeout_ms = conf->timeout_ms;
    n->ops = ops;
    ot_status st = ops->check(&n->c, err);
    if (st != OT_OK) {
        ot_notifier_close(n);
        return st;
    }
    if (strcmp(ops->type, "smtp") == 0) {
        (void)snprintf(n->name, sizeof(n->name), "smtp mail to %s", n->c.mail_to);
    } else {
        (void)snprintf(n->name, sizeof(n->name), "%s", ops->type); /* URLs may be secrets */
    }
    *out = n;
    return OT_OK;
}

const char *ot_notifier_name(const struct ot_notifier *n)
{
    return n->name;
}

ot_status ot_notifier_send(struct ot_notifier *n, const struct ot_alert *a, int64_t now_ms,
                           struct ot_error *err)
{
    return n->ops->send(&n->c, a, now_ms, err);
}
