/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture/replay.c - replay protection for SigV4 requests, made idempotent:
 * the answer to each signed request is remembered for the clock window, and
 * the same signature again gets the same answer instead of a second intake.
 *
 * Stage: capture. A SigV4 signature covers the method, path, query, signed
 * headers, body and the time to the second, so within the ±5 minute window a
 * captured request could be sent again and its events recorded twice. A
 * client retrying after a lost answer sends the very same bytes; both get the
 * first answer. While the first is still being handled, a twin waits for it
 * (OT_E_RETRY: answer 503 with Retry-After). Bounded by entries and bytes;
 * the oldest go first. Keys are SHA-256 of the signature, compared whole.
 */
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

#include "opentrail/capture.h"

#include "core/private.h"

struct entry {
    unsigned char key[SHA256_DIGEST_LENGTH];
    int64_t expires_ms;
    int status; /* 0 while the first request is in flight */
    char *body;
    size_t len;
    bool used;
    int32_t next; /* the next entry in its hash chain, -1 at the end */
};

struct ot_replay {
    pthread_mutex_t mu;
    struct entry *v; /* a ring in arrival order */
    int32_t *chains; /* hash of the key -> first entry, -1 when none */
    size_t cap, head, n;
    size_t bytes, max_bytes;
    int64_t ttl_ms;
};

ot_status ot_replay_new(size_t max_entries, size_t max_bytes, int64_t ttl_ms,
                        struct ot_replay **out)
{
    struct ot_replay *r = ot_calloc(1, sizeof(*r));
    if (r == NULL || max_entries == 0) {
        ot_free(r);
        return max_entries == 0 ? OT_E_USAGE : OT_E_NOMEM;
    }
    if (max_entries > INT32_MAX) {
        ot_free(r);
        return OT_E_USAGE;
    }
    r->v = ot_calloc(max_entries, sizeof(*r->v));
    r->chains = ot_malloc(max_entries * sizeof(*r->chains));
    if (r->v == NULL || r->chains == NULL) {
        ot_free(r->v);
        ot_free(r->chains);
        ot_free(r);
        return OT_E_NOMEM;
    }
    for (size_t i = 0; i < max_entries; i++) {
        r->chains[i] = -1;
        r->v[i].next = -1;
    }
    (void)pthread_mutex_init(&r->mu, NULL);
    r->cap = max_entries;
    r->max_bytes = max_bytes;
    r->ttl_ms = ttl_ms;
    *out = r;
    return OT_OK;
}

void ot_replay_free(struct ot_replay *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->cap; i++) {
        ot_free(r->v[i].body);
    }
    ot_free(r->v);
    ot_free(r->chains);
    (void)pthread_mutex_destroy(&r->mu);
    ot_free(r);
}

static size_t chain_of(const struct ot_replay *r, const unsigned char *key)
{
    uint64_t h;
    memcpy(&h, key, sizeof(h)); /* a SHA-256: any 8 bytes are uniform */
    return (size_t)(h % r->cap);
}

static void unlink_entry(struct ot_replay *r, int32_t idx)
{
    int32_t *p = &r->chains[chain_of(r, r->v[idx].key)];
    while (*p != -1 && *p != idx) {
        p = &r->v[*p].next;
    }
    if (*p == idx) {
        *p = r->v[idx].next;
    }
    r->v[idx].next = -1;
}

static void drop_oldest(struct ot_replay *r)
{
    struct entry *e = &r->v[r->head];
    unlink_entry(r, (int32_t)r->head);
    r->bytes -= e->len;
    ot_free(e->body);
    *e = (struct entry){ .next = -1 };
    r->head = (r->head + 1) % r->cap;
    r->n--;
}

static struct entry *find(struct ot_replay *r, const unsigned char key[SHA256_DIGEST_LENGTH])
{
    for (int32_t i = r->chains[chain_of(r, key)]; i != -1; i = r->v[i].next) {
        if (r->v[i].used && memcmp(r->v[i].key, key, SHA256_DIGEST_LENGTH) == 0) {
            return &r->v[i];
        }
    }
    return NULL;
}

ot_status ot_replay_begin(struct ot_replay *r, struct ot_sv signature, int64_t now_ms, int *status,
                          struct ot_buf *body)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    (void)SHA256((const unsigned char *)signature.p, signature.n, key);
    ot_status st = OT_OK;
    (void)pthread_mutex_lock(&r->mu);
    while (r->n > 0 && r->v[r->head].expires_ms <= now_ms && r->v[r->head].status != 0) {
        drop_oldest(r);
    }
    struct entry *e = find(r, key);
    if (e != NULL && e->expires_ms > now_ms) {
        if (e->status == 0) {
            st = OT_E_RETRY; /* its twin is being handled: ask to come back */
        } else {
            *status = e->status;
            st = ot_buf_append(body, e->body, e->len);
            st = st == OT_OK ? OT_E_USAGE : st; /* "seen": the caller answers from @body */
        }
        goto out;
    }
    if (e != NULL) {
        /* expired but not yet aged out of the ring: treat as new */
        e->used = false;
    }
    if (r->n == r->cap) {
        if (r->v[r->head].status == 0) {
            st = OT_E_RETRY; /* every slot in flight: the server is saturated anyway */
            goto out;
        }
        drop_oldest(r);
    }
    size_t idx = (r->head + r->n) % r->cap;
    e = &r->v[idx];
    *e = (struct entry){ .expires_ms = now_ms + r->ttl_ms, .used = true };
    memcpy(e->key, key, sizeof(key));
    size_t c = chain_of(r, key);
    e->next = r->chains[c];
    r->chains[c] = (int32_t)idx;
    r->n++;
out:
    (void)pthread_mutex_unlock(&r->mu);
    return st;
}

void ot_replay_end(struct ot_replay *r, struct ot_sv signature, int status, struct ot_sv body)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    (void)SHA256((const unsigned char *)signature.p, signature.n, key);
    (void)pthread_mutex_lock(&r->mu);
    struct entry *e = find(r, key);
    if (e != NULL && e->status == 0) {
        /* only answers worth repeating are kept: a failure may be retried for real */
        bool keep = status >= 200 && status < 300 && body.n <= r->max_bytes;
        char *copy = keep ? ot_strndup(body.p, body.n) : NULL;
        if (copy == NULL) {
            e->used = false;
            e->status = -1; /* a dead slot: ages out with the ring */
        } else {
            while (r->n > 1 && r->bytes + body.n > r->max_bytes && &r->v[r->head] != e &&
                   r->v[r->head].status != 0) {
                drop_oldest(r);
            }
            e->body = copy;
            e->len = body.n;
            e->status = status;
            r->bytes += body.n;
        }
    }
    (void)pthread_mutex_unlock(&r->mu);
}
