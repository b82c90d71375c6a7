/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/crypt.c - encryption at rest for the local backend: envelope
 * encryption per object and the key-encryption keys (KEKs) that wrap the
 * data keys.
 *
 * Stage: store. Every sealed object gets a fresh random 256-bit data key;
 * the object is AES-256-GCM under it with the whole header as AAD, and the
 * data key is AES-256-GCM under the current KEK with magic, version,
 * algorithm and KEK id as AAD (store.h draws the layout). A KEK lives in
 * <keys>/kek-<16 hex id>.key (64 hex characters, 0600) and kek-current names
 * the one new objects use; rotation adds a KEK and moves kek-current, old
 * KEKs keep opening what they sealed. Nothing decrypted is handed out before
 * its tag verifies, so a wrong key or an altered byte is an error, never
 * garbage. Sealed bytes are untrusted input (fuzz/fuzz_crypt.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opentrail/record.h"
#include "opentrail/store.h"
#include "store/store_int.h"

#include "core/private.h"

#define KEK_BYTES     32u
#define KEK_ID_BYTES  8u
#define NONCE_BYTES   12u
#define WRAP_AAD      16u   /* magic, version, algorithm, KEK id */
#define MAX_KEKS      4096u /* KEKs one keys folder may hold */
#define SEAL_VERSION  1u
#define SEAL_ALG_GCM  1u
#define KEK_FILE_TEXT (KEK_BYTES * 2 + 1) /* hex and a newline */

struct kek {
    char id[17];
    unsigned char key[KEK_BYTES];
};

struct ot_kek_ring {
    struct kek *v; /* sorted by id */
    size_t n;
    size_t current; /* index, or SIZE_MAX */
    char dir[1024]; /* for messages: where a missing KEK belongs */
};

bool ot_is_sealed(const void *p, size_t n)
{
    return n >= OT_SEALED_MAGIC_LEN && memcmp(p, OT_SEALED_MAGIC, OT_SEALED_MAGIC_LEN) == 0;
}

ot_status ot_seal_header_parse(const void *p, size_t n, struct ot_seal_header *out,
                               struct ot_error *err)
{
    const unsigned char *b = p;
    if (!ot_is_sealed(p, n)) {
        return ot_fail(err, OT_E_PARSE, NULL, "not an object sealed by opentrail");
    }
    if (n < OT_SEAL_OVERHEAD) {
        return ot_fail(err, OT_E_PARSE, "the file was cut short: restore it from a backup",
                       "sealed object of %zu bytes is shorter than its %u-byte header and tag", n,
                       OT_SEAL_OVERHEAD);
    }
    if (b[6] != SEAL_VERSION || b[7] != SEAL_ALG_GCM) {
        return ot_fail(err, OT_E_PARSE, "open it with the opentrail version that sealed it",
                       "sealed object of format version %u, algorithm %u: this opentrail reads "
                       "version %u, algorithm %u",
                       b[6], b[7], SEAL_VERSION, SEAL_ALG_GCM);
    }
    struct ot_seal_header h = { .version = b[6], .algorithm = b[7] };
    ot_hex(b + 8, KEK_ID_BYTES, h.kek_id);
    h.plain_bytes = n - OT_SEAL_OVERHEAD;
    *out = h;
    return OT_OK;
}

static const struct kek *find_kek(const struct ot_kek_ring *r, const char *id)
{
    for (size_t i = 0; r != NULL && i < r->n; i++) {
        if (strcmp(r->v[i].id, id) == 0) {
            return &r->v[i];
        }
    }
    return NULL;
}

/* AES-256-GCM one shot. @decrypt checks @tag (in), else fills it (out). */
static bool gcm(bool decrypt, const unsigned char key[KEK_BYTES],
                const unsigned char nonce[NONCE_BYTES], const unsigned char *aad, size_t aad_n,
                const unsigned char *in, size_t n, unsigned char *out, unsigned char tag[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, ok = x != NULL;
    if (n > (size_t)INT32_MAX) {
        ok = 0; /* EVP counts in int; the callers' limits keep objects far below */
    }
    ok = ok && EVP_CipherInit_ex(x, EVP_aes_256_gcm(), NULL, NULL, NULL, decrypt ? 0 : 1) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(x, NULL, NULL, key, nonce, -1) == 1;
    ok = ok && EVP_CipherUpdate(x, NULL, &len, aad, (int)aad_n) == 1;
    if (ok && n > 0) {
        ok = EVP_CipherUpdate(x, out, &len, in, (int)n) == 1;
    }
    if (ok && decrypt) {
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
    }
    ok = ok && EVP_CipherFinal_ex(x, out + (n > 0 ? (size_t)len : 0), &len) == 1;
    if (ok && !decrypt) {
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    }
    EVP_CIPHER_CTX_free(x);
    return ok != 0;
}

ot_status ot_seal(const struct ot_kek_ring *r, const void *p, size_t n, struct ot_buf *out,
                  struct ot_error *err)
{
    unsigned char dek[KEK_BYTES], *h = NULL;
    ot_status st = OT_OK;
    if (r == NULL || r->current == SIZE_MAX) {
        return ot_fail(err, OT_E_USAGE, "run opentrail keys kek-generate",
                       "encryption at rest is on but there is no current key-encryption key");
    }
    const struct kek *k = &r->v[r->current];
    if (n > out->limit - out->len || OT_SEAL_OVERHEAD > out->limit - out->len - n ||
        n > (size_t)INT32_MAX) {
        return ot_fail(err, OT_E_LIMIT, NULL, "object too large to seal (%zu bytes)", n);
    }
    st = ot_buf_reserve(out, n + OT_SEAL_OVERHEAD);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory sealing an object");
    }
    h = (unsigned char *)out->data + out->len;
    memcpy(h, OT_SEALED_MAGIC, OT_SEALED_MAGIC_LEN);
    h[6] = SEAL_VERSION;
    h[7] = SEAL_ALG_GCM;
    for (unsigned i = 0; i < KEK_ID_BYTES; i++) {
        unsigned v;
        (void)sscanf(k->id + 2 * i, "%2x", &v); /* the id was checked as hex on load */
        h[8 + i] = (unsigned char)v;
    }
    if (RAND_bytes(dek, sizeof(dek)) != 1 || RAND_bytes(h + 16, NONCE_BYTES) != 1 ||
        RAND_bytes(h + 76, NONCE_BYTES) != 1) {
        st = ot_fail(err, OT_E_IO, NULL, "no random bytes from OpenSSL for a data key");
        goto out;
    }
    if (!gcm(false, k->key, h + 16, h, WRAP_AAD, dek, sizeof(dek), h + 28, h + 60) ||
        !gcm(false, dek, h + 76, h, OT_SEAL_HEADER_BYTES, p, n, h + OT_SEAL_HEADER_BYTES,
             h + OT_SEAL_HEADER_BYTES + n)) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "OpenSSL could not encrypt (out of memory?)");
        goto out;
    }
    out->len += n + OT_SEAL_OVERHEAD;
    out->data[out->len] = '\0';
out:
    OPENSSL_cleanse(dek, sizeof(dek));
    return st;
}

ot_status ot_unseal(const void *ring, const void *p, size_t n, struct ot_buf *out,
                    struct ot_error *err)
{
    const struct ot_kek_ring *r = ring;
    const unsigned char *b = p;
    unsigned char dek[KEK_BYTES], tag[16];
    struct ot_seal_header h;
    ot_status st = ot_seal_header_parse(p, n, &h, err);
    if (st != OT_OK) {
        return st;
    }
    const struct kek *k = find_kek(r, h.kek_id);
    if (k == NULL) {
        char fix[160];
        (void)snprintf(fix, sizeof(fix),
                       "restore kek-%s.key from your key backup into the keys folder, or give "
                       "the --data-dir that holds it",
                       h.kek_id);
        st = ot_fail(err, OT_E_USAGE, fix,
                     "encrypted at rest with key-encryption key %s, which is not in %s", h.kek_id,
                     r != NULL && r->dir[0] ? r->dir : "the keys folder (none loaded)");
        if (err != NULL) {
            err->sys_errno = ENOKEY;
        }
        return st;
    }
    if (h.plain_bytes > out->limit - out->len) {
        return ot_fail(err, OT_E_LIMIT, "raise --max-file-bytes", "object too large");
    }
    st = ot_buf_reserve(out, (size_t)h.plain_bytes);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory opening a sealed object");
    }
    memcpy(tag, b + 60, sizeof(tag));
    if (!gcm(true, k->key, b + 16, b, WRAP_AAD, b + 28, KEK_BYTES, dek, tag)) {
        st = ot_fail(err, OT_E_TAMPER,
                     "restore the object (or the key file) from a backup: opentrail validate "
                     "tells which objects are affected",
                     "the data key does not authenticate under key-encryption key %s: the object "
                     "header was altered, or kek-%s.key is not the key that sealed it",
                     h.kek_id, h.kek_id);
        goto out;
    }
    memcpy(tag, b + n - OT_SEAL_TAG_BYTES, sizeof(tag));
    unsigned char *dst = (unsigned char *)out->data + out->len;
    if (!gcm(true, dek, b + 76, b, OT_SEAL_HEADER_BYTES, b + OT_SEAL_HEADER_BYTES,
             (size_t)h.plain_bytes, dst, tag)) {
        OPENSSL_cleanse(dst, (size_t)h.plain_bytes); /* never hand out unauthenticated bytes */
        st = ot_fail(err, OT_E_TAMPER, "restore the object from a backup",
                     "encrypted object fails its authentication tag: its bytes were altered");
        goto out;
    }
    out->len += (size_t)h.plain_bytes;
    out->data[out->len] = '\0';
out:
    OPENSSL_cleanse(dek, sizeof(dek));
    return st;
}

/* ---- KEK files ---------------------------------------------------------- */

static ot_status dir_fail(struct ot_error *err, int e, const char *what, const char *path)
{
    ot_status st = ot_fail(err, OT_E_IO, NULL, "%s: %s", what, strerror(e));
    if (err != NULL) {
        err->sys_errno = e;
    }
    ot_error_at(err, "%s", path);
    return st;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* kek-<16 hex>.key: the id into @id. */
static bool kek_name(const char *nm, char id[17])
{
    if (strlen(nm) != 4 + 16 + 4 || strncmp(nm, "kek-", 4) != 0 || strcmp(nm + 20, ".key") != 0 ||
        !is_hex(nm + 4, 16)) {
        return false;
    }
    memcpy(id, nm + 4, 16);
    id[16] = '\0';
    return true;
}

/* Read at most @max bytes of the small file @path into @buf (NUL-terminated). */
static ot_status read_small(const char *path, char *buf, size_t max, size_t *n, bool secret,
                            struct ot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return dir_fail(err, errno, "cannot open", path);
    }
    struct stat sb;
    ot_status st = OT_OK;
    if (fstat(fd, &sb) != 0) {
        st = dir_fail(err, errno, "cannot stat", path);
    } else if (secret && (sb.st_mode & 077) != 0) {
        st = ot_fail(err, OT_E_USAGE, "chmod 600 the key file",
                     "key-encryption key is readable by group or others (mode %03o)",
                     (unsigned)(sb.st_mode & 0777));
        ot_error_at(err, "%s", path);
    }
    size_t got = 0;
    while (st == OT_OK && got < max) {
        ssize_t r = read(fd, buf + got, max - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = dir_fail(err, errno, "cannot read", path);
        } else if (r == 0) {
            break;
        } else {
            got += (size_t)r;
        }
    }
    (void)close(fd); /* read-only */
    if (st == OT_OK) {
        buf[got] = '\0';
        *n = got;
    }
    return st;
}

static int cmp_kek(const void *a, const void *b)
{
    return strcmp(((const struct kek *)a)->id, ((const struct kek *)b)->id);
}

static ot_status load_one(struct ot_kek_ring *r, const char *dir, const char *id,
                          struct ot_error *err)
{
    char path[1200], text[KEK_FILE_TEXT + 2];
    size_t n = 0;
    (void)snprintf(path, sizeof(path), "%s/kek-%s.key", dir, id);
    ot_status st = read_small(path, text, sizeof(text) - 1, &n, true, err);
    if (st != OT_OK) {
        return st;
    }
    if (n > 0 && text[n - 1] == '\n') {
        n--;
    }
    struct kek *k = &r->v[r->n];
    if (n != KEK_BYTES * 2 || !is_hex(text, n)) {
        st = ot_fail(err, OT_E_PARSE, "restore the key file from your key backup",
                     "not a key-encryption key (64 lowercase hex characters)");
        ot_error_at(err, "%s", path);
    } else {
        for (unsigned i = 0; i < KEK_BYTES; i++) {
            unsigned v;
            (void)sscanf(text + 2 * i, "%2x", &v); /* checked as hex above */
            k->key[i] = (unsigned char)v;
        }
        memcpy(k->id, id, 17);
        r->n++;
    }
    OPENSSL_cleanse(text, sizeof(text));
    return st;
}

ot_status ot_kek_load_dir(const char *dir, struct ot_kek_ring **out, struct ot_error *err)
{
    struct ot_kek_ring *r = ot_calloc(1, sizeof(*r));
    DIR *d = NULL;
    ot_status st = OT_OK;
    size_t cap = 0;
    struct stat sb;
    if (r == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    r->current = SIZE_MAX;
    (void)snprintf(r->dir, sizeof(r->dir), "%s", dir);
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT) {
            st = dir_fail(err, errno, "cannot stat", dir);
        }
        goto out; /* no folder: no keys */
    }
    if ((sb.st_mode & 077) != 0) {
        st = ot_fail(err, OT_E_USAGE, "chmod 700 the keys folder (it holds private keys)",
                     "keys folder is open to group or others (mode %03o)",
                     (unsigned)(sb.st_mode & 0777));
        ot_error_at(err, "%s", dir);
        goto out;
    }
    d = opendir(dir);
    if (d == NULL) {
        st = dir_fail(err, errno, "cannot open", dir);
        goto out;
    }
    struct dirent *e;
    while (st == OT_OK && (e = readdir(d)) != NULL) {
        char id[17];
        if (!kek_name(e->d_name, id)) {
            continue;
        }
        if (r->n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            struct kek *nv = nc > MAX_KEKS ? NULL : ot_realloc(r->v, nc * sizeof(*nv));
            if (nv == NULL) {
                st = nc > MAX_KEKS ? ot_fail(err, OT_E_LIMIT, "move retired keys elsewhere",
                                             "more than %u key-encryption keys", MAX_KEKS)
                                   : ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
                break;
            }
            r->v = nv;
            cap = nc;
        }
        st = load_one(r, dir, id, err);
    }
    if (st == OT_OK && r->n > 1) {
        qsort(r->v, r->n, sizeof(*r->v), cmp_kek);
    }
    if (st == OT_OK && r->n > 0) {
        char path[1200], text[40];
        size_t n = 0;
        (void)snprintf(path, sizeof(path), "%s/kek-current", dir);
        st = read_small(path, text, sizeof(text) - 1, &n, false, err);
        if (st == OT_OK) {
            if (n > 0 && text[n - 1] == '\n') {
                text[--n] = '\0';
            }
            for (size_t i = 0; i < r->n; i++) {
                if (strcmp(r->v[i].id, text) == 0) {
                    r->current = i;
                }
            }
            if (r->current == SIZE_MAX) {
                st = ot_fail(err, OT_E_PARSE,
                             "write the id of the current key into it (opentrail keys kek-list)",
                             "names no key-encryption key of this folder");
                ot_error_at(err, "%s", path);
            }
        }
    }
out:
    if (d != NULL) {
        (void)closedir(d); /* read-only */
    }
    if (st != OT_OK) {
        ot_kek_ring_free(r);
        return st;
    }
    *out = r;
    return OT_OK;
}

ot_status ot_kek_ring_new(struct ot_kek_ring **out)
{
    struct ot_kek_ring *r = ot_calloc(1, sizeof(*r));
    if (r == NULL) {
        return OT_E_NOMEM;
    }
    r->current = SIZE_MAX;
    *out = r;
    return OT_OK;
}

ot_status ot_kek_ring_add(struct ot_kek_ring *r, const char *id, const unsigned char key[32],
                          bool current, struct ot_error *err)
{
    if (strlen(id) != 16 || !is_hex(id, 16) || find_kek(r, id) != NULL) {
        return ot_fail(err, OT_E_USAGE, "give a new id of 16 lowercase hex digits",
                       "bad or repeated key-encryption key id");
    }
    if (r->n >= MAX_KEKS) {
        return ot_fail(err, OT_E_LIMIT, NULL, "more than %u key-encryption keys", MAX_KEKS);
    }
    struct kek *nv = ot_realloc(r->v, (r->n + 1) * sizeof(*nv));
    if (nv == NULL) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    r->v = nv;
    memcpy(nv[r->n].id, id, 17);
    memcpy(nv[r->n].key, key, KEK_BYTES);
    if (current) {
        r->current = r->n;
    }
    r->n++;
    return OT_OK;
}

void ot_kek_ring_free(struct ot_kek_ring *r)
{
    if (r == NULL) {
        return;
    }
    if (r->v != NULL) {
        OPENSSL_cleanse(r->v, r->n * sizeof(*r->v));
    }
    ot_free(r->v);
    ot_free(r);
}

const char *ot_kek_current(const struct ot_kek_ring *r)
{
    return r != NULL && r->current != SIZE_MAX ? r->v[r->current].id : NULL;
}

size_t ot_kek_count(const struct ot_kek_ring *r)
{
    return r != NULL ? r->n : 0;
}

const char *ot_kek_id(const struct ot_kek_ring *r, size_t i)
{
    return r != NULL && i < r->n ? r->v[i].id : NULL;
}

ot_status ot_kek_generate(const char *dir, char id_out[17], struct ot_error *err)
{
    unsigned char key[KEK_BYTES], idb[KEK_ID_BYTES];
    char id[17], text[KEK_FILE_TEXT + 1], path[1200], tmp[1200];
    ot_status st = OT_OK;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return dir_fail(err, errno, "cannot create the keys folder", dir);
    }
    if (RAND_bytes(key, sizeof(key)) != 1 || RAND_bytes(idb, sizeof(idb)) != 1) {
        return ot_fail(err, OT_E_IO, NULL, "no random bytes from OpenSSL for a key");
    }
    ot_hex(idb, sizeof(idb), id);
    ot_hex(key, sizeof(key), text);
    text[KEK_BYTES * 2] = '\n';
    (void)snprintf(path, sizeof(path), "%s/kek-%s.key", dir, id);
    (void)snprintf(tmp, sizeof(tmp), "%s/.tmp.kek-%s", dir, id);
    /* the key first, durable and never overwriting; only then does it become current */
    st = ot_durable_write(tmp, path, text, KEK_FILE_TEXT, 0600, false, err);
    if (st == OT_OK) {
        char cur[24];
        (void)snprintf(cur, sizeof(cur), "%s\n", id);
        (void)snprintf(path, sizeof(path), "%s/kek-current", dir);
        (void)snprintf(tmp, sizeof(tmp), "%s/.tmp.kek-current-%s", dir, id);
        st = ot_durable_write(tmp, path, cur, strlen(cur), 0600, true, err);
    }
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(text, sizeof(text));
    if (st == OT_OK) {
        memcpy(id_out, id, 17);
    }
    return st;
}
