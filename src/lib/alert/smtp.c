/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/smtp.c - e-mail over SMTP with libcurl: smtp:// upgrades with
 * STARTTLS when offered (and must, when credentials are sent), smtps:// is
 * TLS from the start. The mail has proper RFC 5322 headers, the alert as
 * text, and the alert with its event as a JSON attachment.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "alert/notifier.h"

#include "core/private.h"

static bool header_safe(const char *s)
{
    return s != NULL && s[0] != '\0' && strpbrk(s, "\r\n") == NULL && strlen(s) < 256;
}

static ot_status smtp_check(const struct notifier_conf *c, struct ot_error *err)
{
    if (c->url == NULL || (strncmp(c->url, "smtp://", 7) != 0 && strncmp(c->url, "smtps://", 8))) {
        return ot_fail(err, OT_E_USAGE, "give smtp://HOST[:PORT] or smtps://HOST[:PORT]",
                       "smtp notifier: url missing or not smtp(s)");
    }
    if (!header_safe(c->mail_from) || strchr(c->mail_from, '@') == NULL) {
        return ot_fail(err, OT_E_USAGE, "give one sender address, such as opentrail@example.com",
                       "smtp notifier: from address missing or invalid");
    }
    if (!header_safe(c->mail_to) || strchr(c->mail_to, '@') == NULL) {
        return ot_fail(err, OT_E_USAGE, "give one recipient address, such as oncall@example.com",
                       "smtp notifier: to address missing or invalid");
    }
    if ((c->username == NULL) != (c->password == NULL)) {
        return ot_fail(err, OT_E_USAGE, "give both the user and the password, or neither",
                       "smtp notifier: half of the credentials");
    }
    return OT_OK;
}

struct reader {
    const char *p;
    size_t left;
};

static size_t feed(char *buf, size_t size, size_t n, void *ctx)
{
    struct reader *r = ctx;
    size_t k = size * n < r->left ? size * n : r->left;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

/* Append @in as base64 in lines of 76 characters: SMTP refuses lines over 998. */
static ot_status base64_lines(struct ot_buf *m, struct ot_sv in)
{
    for (size_t off = 0; off < in.n; off += 57) {
        unsigned char line[80];
        size_t n = in.n - off < 57 ? in.n - off : 57;
        int k = EVP_EncodeBlock(line, (const unsigned char *)in.p + off, (int)n);
        ot_status st = ot_buf_append(m, line, (size_t)k);
        if (st == OT_OK) {
            st = ot_buf_append(m, "\r\n", 2);
        }
        if (st != OT_OK) {
            return st;
        }
    }
    return OT_OK;
}

/* "Wed, 25 Nov 2026 05:40:00 +0000" */
static void rfc5322_date(int64_t ms, char out[40])
{
    static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct ot_civil c;
    ot_time_civil(ms, &c);
    int64_t days = (ms >= 0 ? ms : ms - 86399999) / 86400000;
    unsigned w = (unsigned)(((days % 7) + 7) % 7);
    (void)snprintf(out, 40, "%s, %02u %s %04u %02u:%02u:%02u +0000", wd[w], c.d % 100,
                   mo[(c.m - 1) % 12], (unsigned)(c.y % 10000), c.hh % 100, c.mi % 100, c.ss % 100);
}

static ot_status build(const struct notifier_conf *c, const struct ot_alert *a, int64_t now_ms,
                       struct ot_buf *m)
{
    struct ot_buf text = OT_BUF_INIT(OT_ALERT_MAX_BYTES), json = OT_BUF_INIT(OT_ALERT_MAX_BYTES);
    unsigned char r[12];
    char date[40], boundary[40], subject[200];
    if (RAND_bytes(r, sizeof(r)) != 1) {
        return OT_E_RETRY;
    }
    (void)snprintf(boundary, sizeof(boundary), "ot-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1],
                   r[2], r[3], r[4], r[5], r[6], r[7]);
    rfc5322_date(now_ms, date);
    (void)snprintf(subject, sizeof(subject), "[opentrail] %s: %.120s%s%s%s",
                   a->to == OT_ALARM_ALARM ? "ALERT" : "RESOLVED",
                   a->title ? a->title : a->alarm_name, a->severity ? " (" : "",
                   a->severity ? a->severity : "", a->severity ? ")" : "");
    for (char *s = subject; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            *s = ' '; /* no header injection from a title */
        }
    }
    ot_status st = ot_alert_text(a, &text);
    if (st == OT_OK) {
        st = alert_json(a, now_ms, &json);
    }
    if (st == OT_OK) {
        st =
            ot_buf_printf(m,
                          "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
                          "Message-ID: <%02x%02x%02x%02x%02x%02x%02x%02x.%lld@opentrail>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
                          "X-Opentrail-Alarm: %.120s\r\n\r\n"
                          "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n",
                          date, c->mail_from, c->mail_to, subject, r[4], r[5], r[6], r[7], r[8],
                          r[9], r[10], r[11], (long long)now_ms, boundary, a->alarm_name, boundary);
    }
    if (st == OT_OK) {
        st = base64_lines(m, ot_buf_sv(&text)); /* a user agent alone may pass 998 bytes */
    }
    if (st == OT_OK) {
        st = ot_buf_printf(m,
                           "\r\n--%s\r\nContent-Type: application/json; name=\"alert.json\"\r\n"
                           "Content-Disposition: attachment; filename=\"alert.json\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n",
                           boundary);
    }
    if (st == OT_OK) {
        st = base64_lines(m, ot_buf_sv(&json));
    }
    if (st == OT_OK) {
        st = ot_buf_printf(m, "\r\n--%s--\r\n", boundary);
    }
    ot_buf_cleanup(&text);
    ot_buf_cleanup(&json);
    return st;
}

static ot_status smtp_send(const struct notifier_conf *c, const struct ot_alert *a, int64_t now_ms,
                           struct ot_error *err)
{
    struct ot_buf m = OT_BUF_INIT(OT_ALERT_MAX_BYTES * 2);
    ot_status st = build(c, a, now_ms, &m);
    if (st != OT_OK) {
        ot_buf_cleanup(&m);
        return ot_fail(err, st, NULL, "smtp: cannot build the mail");
    }
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, c->mail_to);
    char from[300], what[300], errbuf[CURL_ERROR_SIZE] = "";
    (void)snprintf(from, sizeof(from), "<%s>", c->mail_from);
    (void)snprintf(what, sizeof(what), "smtp mail to %s", c->mail_to);
    struct reader rd = { m.data, m.len };
    long timeout = c->timeout_ms > 0 ? c->timeout_ms : 10000;
    bool tls = strncmp(c->url, "smtps://", 8) == 0;
    if (h == NULL || rcpt == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "%s: out of memory", what);
        goto out;
    }
    if (curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_READFUNCTION, feed) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_READDATA, &rd) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m.len) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
        /* credentials only ever travel encrypted; without them, encrypt when offered */
        (!tls &&
         curl_easy_setopt(h, CURLOPT_USE_SSL,
                          c->username ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY) != CURLE_OK) ||
        (c->username && curl_easy_setopt(h, CURLOPT_USERNAME, c->username) != CURLE_OK) ||
        (c->password && curl_easy_setopt(h, CURLOPT_PASSWORD, c->password) != CURLE_OK) ||
        (c->cacert && curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert) != CURLE_OK)) {
        st = ot_fail(err, OT_E_USAGE, "check the smtp settings", "%s: bad settings", what);
        goto out;
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        st = OT_OK;
    } else if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED ||
               rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
        st = ot_fail(err, OT_E_USAGE, "check the user, password, TLS and CA settings", "%s: %s",
                     what, curl_easy_strerror(rc));
    } else {
        st = ot_fail(err, OT_E_RETRY, "the mail server will be tried again", "%s: %s", what,
                     curl_easy_strerror(rc));
    }
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    ot_buf_cleanup(&m);
    return st;
}

const struct ot_notifier_ops ot_notifier_smtp = { "smtp", smtp_check, smtp_send };
