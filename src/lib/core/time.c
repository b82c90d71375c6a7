/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/time.c - CloudTrail timestamps to and from ms since the epoch (UTC),
 * without the C library's time zone state. Days from a civil date follow
 * Howard Hinnant's well-known algorithm (public domain arithmetic).
 */
#include <stdio.h>

#include "opentrail/core.h"

#include "core/private.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return true;
}

bool ot_time_parse(struct ot_sv s, int64_t *out_ms)
{
    unsigned y, mo, d, h, mi, se, ms = 0;
    const char *p = s.p;
    if (s.n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' ||
        p[16] != ':' || !digits(p, 4, &y) || !digits(p + 5, 2, &mo) || !digits(p + 8, 2, &d) ||
        !digits(p + 11, 2, &h) || !digits(p + 14, 2, &mi) || !digits(p + 17, 2, &se)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
        return false;
    }
    size_t i = 19;
    if (i < s.n && p[i] == '.') {
        unsigned scale = 100;
        for (i++; i < s.n && p[i] >= '0' && p[i] <= '9'; i++) {
            ms += (unsigned)(p[i] - '0') * scale;
            scale /= 10;
        }
    }
    int64_t off_min = 0;
    if (i < s.n && p[i] == 'Z') {
        i++;
    } else if (i + 6 <= s.n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
        unsigned oh, om;
        if (!digits(p + i + 1, 2, &oh) || !digits(p + i + 4, 2, &om) || oh > 23 || om > 59) {
            return false;
        }
        off_min = (int64_t)(oh * 60 + om) * (p[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != s.n) {
        return false;
    }
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se - off_min * 60;
    *out_ms = secs * 1000 + ms;
    return true;
}

void ot_time_format(int64_t ms, char out[21])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        y = y < 0 ? 0 : 9999; /* outside ISO 8601's four digits: clamp, never overflow */
    }
    (void)snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u, m % 100u,
                   d % 100u, (unsigned)(rem / 3600) % 100u, (unsigned)(rem / 60 % 60) % 100u,
                   (unsigned)(rem % 60) % 100u);
}
