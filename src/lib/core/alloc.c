/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/alloc.c - the one place that calls the C allocator.
 *
 * Test builds (OT_FAILPOINTS) can fail the Nth allocation, so every parser
 * and builder is run through an allocation-failure loop (STYLE.md). The
 * counter is the library's only global and exists only in those builds.
 */
#define OT_ALLOC_IMPL
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opentrail/core.h"

#include "core/private.h"

#ifdef OT_FAILPOINTS
#include <stdatomic.h>
static atomic_ulong fail_countdown; /* 0: off; 1: the next allocation fails */

static bool should_fail(void)
{
    unsigned long cur = atomic_load(&fail_countdown);
    while (cur > 1) {
        if (atomic_compare_exchange_weak(&fail_countdown, &cur, cur - 1)) {
            return false;
        }
    }
    return cur == 1;
}

bool ot_alloc_fail_after(unsigned long n)
{
    atomic_store(&fail_countdown, n);
    return true;
}
#else
static bool should_fail(void)
{
    return false;
}

bool ot_alloc_fail_after(unsigned long n)
{
    (void)n; /* no fail points in this build */
    return false;
}
#endif

void *ot_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(n ? n : 1);
}

void *ot_calloc(size_t count, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(count ? count : 1, size ? size : 1);
}

void *ot_realloc(void *p, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(p, n ? n : 1);
}

void ot_free(void *p)
{
    free(p);
}

char *ot_strndup(const char *s, size_t n)
{
    char *d = n < SIZE_MAX ? ot_malloc(n + 1) : NULL;
    if (d == NULL) {
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
