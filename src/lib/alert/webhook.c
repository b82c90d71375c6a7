/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/webhook.c - a generic webhook whose receiver can trust it: the alert
 * as JSON, signed with HMAC-SHA256 over "<unix seconds>.<body>" under a shared
 * secret (headers X-Opentrail-Timestamp and X-Opentrail-Signature: v1=<hex>).
 * docs/notifiers.md shows a receiver checking it, with a replay window.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

ot_status ot_webhook_signature(struct ot_sv secret, int64_t unix_s, struct ot_sv body, char out[68])
{
    char ts[24];
    int n = snprintf(ts, sizeof(ts), "%lld.", (long long)unix_s);
    unsigned char mac[32];
    size_t len = 0;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *h = alg ? EVP_MAC_CTX_new(alg) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                            OSSL_PARAM_construct_end() };
    bool ok = h != NULL && n > 0 &&
              EVP_MAC_init(h, (const unsigned char *)secret.p, secret.n, params) == 1 &&
              EVP_MAC_update(h, (const unsigned char *)ts, (size_t)n) == 1 &&
              EVP_MAC_update(h, (const unsigned char *)body.p, body.n) == 1 &&
              EVP_MAC_final(h, mac, &len, sizeof(mac)) == 1 && len == 32;
    EVP_MAC_CTX_free(h);
    EVP_MAC_free(alg);
    if (!ok) {
        return OT_E_NOMEM;
    }
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "v1=", 3);
    for (unsigned i = 0; i < 32; i++) {
        out[3 + 2 * i] = hex[mac[i] >> 4];
        out[4 + 2 * i] = hex[mac[i] & 15];
    }
    out[67] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
    return OT_OK;
}

static ot_status webhook_check(const struct notifier_conf *c, struct ot_error *err)
{
    if (c->url == NULL || (strncmp(c->url, "https://", 8) != 0 && strncmp(c->url, "http://", 7))) {
        return ot_fail(err, OT_E_USAGE, "give the receiver's http(s) URL",
                       "webhook notifier: url missing or not http(s)");
    }
    if (c->secret == NULL || strlen(c->secret) < 16) {
        return ot_fail(err, OT_E_USAGE,
                       "set a shared secret of at least 16 characters (from the environment)",
                       "webhook notifier: signing secret missing or too short");
    }
    return OT_OK;
}

static ot_status webhook_send(const struct notifier_conf *c, const struct ot_alert *a,
                              int64_t now_ms, struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_ALERT_MAX_BYTES);
    ot_status st = alert_json(a, now_ms, &b);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "webhook: cannot build the message");
    }
    char sig[68], h_ts[64], h_sig[96];
    int64_t unix_s = now_ms / 1000;
    st = ot_webhook_signature(ot_sv_cstr(c->secret), unix_s, ot_buf_sv(&b), sig);
    if (st == OT_OK) {
        (void)snprintf(h_ts, sizeof(h_ts), "X-Opentrail-Timestamp: %lld", (long long)unix_s);
        (void)snprintf(h_sig, sizeof(h_sig), "X-Opentrail-Signature: %s", sig);
        const char *const h[] = { "Content-Type: application/json", h_ts, h_sig,
                                  "User-Agent: opentrail", NULL };
        st = http_post(c, "webhook", h, ot_buf_sv(&b), err);
    } else {
        st = ot_fail(err, st, NULL, "webhook: cannot sign the message");
    }
    ot_buf_cleanup(&b);
    return st;
}

const struct ot_notifier_ops ot_notifier_webhook = { "webhook", webhook_check, webhook_send };
