/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/time.c - UTC calendar arithmetic and ISO 8601 text: CloudTrail's
 * eventTime, the key layout's date folders and timestamps, digest times.
 *
 * No clock reads, no gmtime or time zone state: dates come from milliseconds
 * since the epoch by Howard Hinnant's civil-date algorithm.
 */
#include <stdio.h>
#include <string.h>

#include "opentrail/core.h"

#include "core/private.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ot_time_civil(int64_t ms, struct ot_civil *c)
{
    /* years 0000-9999 are all a digest or a key can carry */
    const int64_t lo = -62167219200000LL, hi = 253402300799000LL;
    ms = ms < lo ? lo : ms > hi ? hi : ms;
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t rem = s - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    c->d = doy - (153 * mp + 2) / 5 + 1;
    c->m = mp < 10 ? mp + 3 : mp - 9;
    c->y = (int64_t)yoe + era * 400 + (c->m <= 2);
    c->hh = (unsigned)(rem / 3600);
    c->mi = (unsigned)(rem % 3600 / 60);
    c->ss = (unsigned)(rem % 60);
}

void ot_time_iso(int64_t ms, char out[21])
{
    struct ot_civil c;
    ot_time_civil(ms, &c);
    char tmp[64]; /* room for any value the compiler imagines */
    (void)snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)(c.y % 10000),
                   c.m % 100, c.d % 100, c.hh % 100, c.mi % 100, c.ss % 100);
    memcpy(out, tmp, 20);
    out[20] = '\0';
}

static bool digits(const char *p, size_t n, unsigned *v)
{
    unsigned x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        x = x * 10 + (unsigned)(p[i] - '0');
    }
    *v = x;
    return true;
}

ot_status ot_time_parse_iso(struct ot_sv s, int64_t *ms)
{
    unsigned y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    const char *p = s.p;
    size_t n = s.n;
    if (n < 10 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
        !digits(p + 8, 2, &d)) {
        return OT_E_PARSE;
    }
    size_t i = 10;
    if (i < n && (p[i] == 'T' || p[i] == ' ')) {
        if (n - i < 6 || !digits(p + i + 1, 2, &h) || p[i + 3] != ':' ||
            !digits(p + i + 4, 2, &mi)) {
            return OT_E_PARSE;
        }
        i += 6;
        if (i < n && p[i] == ':') {
            if (n - i < 3 || !digits(p + i + 1, 2, &sec)) {
                return OT_E_PARSE;
            }
            i += 3;
            if (i < n && p[i] == '.') {
                size_t k = i + 1;
                unsigned scale = 100;
                while (k < n && p[k] >= '0' && p[k] <= '9') {
                    frac += (unsigned)(p[k] - '0') * scale;
                    scale /= 10;
                    k++;
                }
                if (k == i + 1) {
                    return OT_E_PARSE;
                }
                i = k;
            }
        }
    }
    if (i < n && p[i] == 'Z') {
        i++;
    } else if (i < n && (p[i] == '+' || p[i] == '-')) {
        unsigned oh, om;
        if (n - i != 6 || !digits(p + i + 1, 2, &oh) || p[i + 3] != ':' ||
            !digits(p + i + 4, 2, &om)) {
            return OT_E_PARSE;
        }
        i += 6; /* replaced by UTC, as the AWS CLI does */
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return OT_E_PARSE;
    }
    int64_t days = days_from_civil(y, mo, d);
    *ms = ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + frac;
    return OT_OK;
}
