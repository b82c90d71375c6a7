/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/http.c - one HTTP POST with libcurl for the HTTP notifiers, and the
 * classification of its outcome: delivered, worth retrying, or not.
 *
 * Stage: alert. TLS verification stays on; the whole request is bounded by
 * the notifier's timeout; error messages name the target, never its URL.
 */
#include <curl/curl.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx; /* answers are not needed: the status says it all */
    return size * n;
}

ot_status http_post(const struct notifier_conf *c, const char *what, const char *const *headers,
                    struct ot_sv body, struct ot_error *err)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    ot_status st = OT_OK;
    if (h == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "%s: cannot start an HTTP request", what);
    }
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (n == NULL) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "%s: out of memory", what);
            goto out;
        }
        hl = n;
    }
    long timeout = c->timeout_ms > 0 ? c->timeout_ms : 10000;
    char errbuf[CURL_ERROR_SIZE] = "";
    if (curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.p) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.n) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        (c->cacert && curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert) != CURLE_OK)) {
        st = ot_fail(err, OT_E_USAGE, "check the notifier's settings", "%s: bad HTTP settings",
                     what);
        goto out;
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        /* network trouble is worth retrying; errbuf may quote the URL, so it is not shown */
        st = ot_fail(err, OT_E_RETRY, "check that the receiver is up and reachable", "%s: %s", what,
                     curl_easy_strerror(rc));
        goto out;
    }
    long code = 0;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code); /* 0 if it cannot tell */
    if (code >= 200 && code < 300) {
        st = OT_OK;
    } else if (code == 429 || code == 408 || code >= 500) {
        st = ot_fail(err, OT_E_RETRY, "the receiver will be tried again with backoff",
                     "%s answered HTTP %ld", what, code);
    } else {
        st = ot_fail(err, OT_E_USAGE, "check the notifier's URL and credentials",
                     "%s refused the notification: HTTP %ld", what, code);
    }
out:
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return st;
}
