/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/keys.c - signing keys (RSA, OpenSSL 3 EVP), fingerprints, the
 * ListPublicKeys JSON, SHA256withRSA signatures, and UTC time text.
 *
 * Stage: prove. A key lives in the keys folder as <fp>.pem (the private key,
 * PKCS#8 PEM, 0600) and <fp>.json (its public ListPublicKeys entry, 0600).
 * The fingerprint is the lowercase hex MD5 of the PKCS#1 DER public key, as
 * AWS computes it (spec 3.4). Rotation never deletes a key: the old one's
 * ValidityEndTime is set, so digests it signed still validate.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opentrail/prove.h"
#include "prove/prove_int.h"

#include "core/private.h"

ot_status ot_key_fingerprint(const void *der, size_t n, char out[33])
{
    unsigned char md[16];
    unsigned len = 0;
    /* MD5 identifies a key here as AWS does (spec 3.4); it protects nothing */
    if (EVP_Digest(der, n, md, &len, EVP_md5(), NULL) != 1 || len != 16) {
        return OT_E_USAGE;
    }
    ot_hex(md, 16, out);
    return OT_OK;
}

static int unhex1(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* ---- PKCS#1 public keys ----------------------------------------------- */

static EVP_PKEY *pkey_from_der(const unsigned char *der, size_t n)
{
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
    if (k != NULL && p == der + n) {
        return k;
    }
    EVP_PKEY_free(k);
    p = der; /* SubjectPublicKeyInfo, which the Debian CLI also accepts */
    k = d2i_PUBKEY(NULL, &p, (long)n);
    if (k != NULL && (p != der + n || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

static ot_status der_of(EVP_PKEY *k, unsigned char **der, size_t *n)
{
    unsigned char *tmp = NULL;
    int len = i2d_PublicKey(k, &tmp); /* PKCS#1 RSAPublicKey for RSA keys */
    if (len <= 0) {
        return OT_E_NOMEM;
    }
    unsigned char *d = ot_malloc((size_t)len);
    if (d == NULL) {
        OPENSSL_free(tmp);
        return OT_E_NOMEM;
    }
    memcpy(d, tmp, (size_t)len);
    OPENSSL_free(tmp);
    *der = d;
    *n = (size_t)len;
    return OT_OK;
}

ot_status ot_verify_hex(const void *der, size_t der_len, const void *msg, size_t n,
                        struct ot_sv sig_hex, struct ot_error *err)
{
    ot_status st = OT_OK;
    unsigned char *sig = NULL;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY *k = pkey_from_der(der, der_len);
    if (k == NULL) {
        st = ot_fail(err, OT_E_PARSE, "check the public key", "cannot load the PKCS#1 key");
        goto out;
    }
    if (sig_hex.n % 2 != 0 || sig_hex.n == 0 || sig_hex.n > 2 * 2048) {
        st = ot_fail(err, OT_E_PARSE, NULL, "the signature is not hex of a plausible length");
        goto out;
    }
    sig = ot_malloc(sig_hex.n / 2);
    if (sig == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sig_hex.n / 2; i++) {
        int hi = unhex1(sig_hex.p[2 * i]), lo = unhex1(sig_hex.p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            st = ot_fail(err, OT_E_PARSE, NULL, "the signature is not hex");
            goto out;
        }
        sig[i] = (unsigned char)(hi << 4 | lo);
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "cannot set up signature verification");
        goto out;
    }
    if (EVP_DigestVerify(ctx, sig, sig_hex.n / 2, msg, n) != 1) {
        st = ot_fail(err, OT_E_TAMPER, NULL, "signature verification failed");
    }
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    ot_free(sig);
    return st;
}

/* ---- signer ----------------------------------------------------------- */

struct ot_signer {
    EVP_PKEY *key;
    char fp[33];
    int64_t valid_to_ms;
};

const char *ot_signer_fingerprint(const struct ot_signer *s)
{
    return s->fp;
}

int64_t ot_signer_valid_to(const struct ot_signer *s)
{
    return s->valid_to_ms;
}

void ot_signer_free(struct ot_signer *s)
{
    if (s != NULL) {
        EVP_PKEY_free(s->key);
        ot_free(s);
    }
}

ot_status ot_sign_hex(const struct ot_signer *s, const void *msg, size_t n, struct ot_buf *hex,
                      struct ot_error *err)
{
    ot_status st = OT_OK;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
        EVP_DigestSign(ctx, NULL, &siglen, msg, n) != 1) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "cannot set up RSA signing");
        goto out;
    }
    sig = ot_malloc(siglen);
    if (sig == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (EVP_DigestSign(ctx, sig, &siglen, msg, n) != 1) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "RSA signing failed");
        goto out;
    }
    st = ot_buf_reserve(hex, 2 * siglen + 1);
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "out of memory");
        goto out;
    }
    ot_hex(sig, siglen, hex->data + hex->len);
    hex->len += 2 * siglen;
out:
    EVP_MD_CTX_free(ctx);
    ot_free(sig);
    return st;
}

/* ---- key files -------------------------------------------------------- */

static ot_status read_small(const char *path, size_t max, struct ot_buf *out, struct stat *sb,
                            struct ot_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        ot_status st = ot_fail(err, OT_E_IO, NULL, "cannot open: %s", strerror(e));
        err->sys_errno = e;
        ot_error_at(err, "%s", path);
        return st;
    }
    ot_status st = OT_OK;
    if (sb != NULL && fstat(fd, sb) != 0) {
        st = ot_fail(err, OT_E_IO, NULL, "cannot stat: %s", strerror(errno));
        goto out;
    }
    *out = OT_BUF_INIT(max);
    char chunk[8192];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = ot_fail(err, OT_E_IO, NULL, "cannot read: %s", strerror(errno));
            break;
        }
        if (r == 0) {
            break;
        }
        st = ot_buf_append(out, chunk, (size_t)r);
        if (st != OT_OK) {
            st = ot_fail(err, st, "a key file is a few KB; check the path",
                         "file larger than %zu bytes", max);
            break;
        }
    }
    if (st == OT_OK && out->data == NULL) {
        st = ot_buf_append(out, "", 0) == OT_OK ? ot_buf_reserve(out, 1) : OT_E_NOMEM;
    }
out:
    (void)close(fd); /* read-only descriptor: nothing to lose */
    if (st != OT_OK) {
        ot_buf_cleanup(out);
        ot_error_at(err, "%s", path);
    }
    return st;
}

static ot_status write_file_0600(const char *dir, const char *name, const void *p, size_t n,
                                 bool replace, struct ot_error *err)
{
    char tmp[4096], dst[4096];
    unsigned char r[8];
    char rh[17];
    if (RAND_bytes(r, sizeof(r)) != 1) {
        return ot_fail(err, OT_E_IO, NULL, "no randomness for a temporary name");
    }
    ot_hex(r, 8, rh);
    if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, name, rh) >= sizeof(tmp)) {
        return ot_fail(err, OT_E_USAGE, "use a shorter --data-dir", "path too long");
    }
    ot_status st = ot_durable_write(tmp, dst, p, n, 0600, replace, err);
    return st;
}

static ot_status pub_entry_json(const struct ot_pubkey *k, json_t **out)
{
    char b64[1024];
    if (k->der_len > 700) {
        return OT_E_LIMIT;
    }
    int bl = EVP_EncodeBlock((unsigned char *)b64, k->der, (int)k->der_len);
    char from[21], to[21];
    json_t *o = json_object();
    if (o == NULL || bl < 0) {
        json_decref(o);
        return OT_E_NOMEM;
    }
    int rc = json_object_set_new(o, "Fingerprint", json_string(k->fingerprint));
    rc |= json_object_set_new(o, "Value", json_stringn(b64, (size_t)bl));
    if (k->valid_from_ms != INT64_MIN) {
        ot_time_iso(k->valid_from_ms, from);
        rc |= json_object_set_new(o, "ValidityStartTime", json_string(from));
    } else {
        rc |= json_object_set_new(o, "ValidityStartTime", json_null());
    }
    if (k->valid_to_ms != INT64_MAX) {
        ot_time_iso(k->valid_to_ms, to);
        rc |= json_object_set_new(o, "ValidityEndTime", json_string(to));
    } else {
        rc |= json_object_set_new(o, "ValidityEndTime", json_null());
    }
    if (rc != 0) {
        json_decref(o);
        return OT_E_NOMEM;
    }
    *out = o;
    return OT_OK;
}

static ot_status time_of_json(json_t *v, int64_t absent, int64_t *out)
{
    if (v == NULL || json_is_null(v)) {
        *out = absent;
        return OT_OK;
    }
    if (json_is_integer(v)) {
        json_int_t s = json_integer_value(v);
        if (s < -100000000000LL || s > 100000000000LL) {
            return OT_E_PARSE;
        }
        *out = (int64_t)s * 1000;
        return OT_OK;
    }
    if (json_is_real(v)) {
        double s = json_real_value(v);
        if (!(s > -1e11 && s < 1e11)) {
            return OT_E_PARSE;
        }
        *out = (int64_t)(s * 1000);
        return OT_OK;
    }
    if (json_is_string(v)) {
        return ot_time_parse_iso((struct ot_sv){ json_string_value(v), json_string_length(v) },
                                 out);
    }
    return OT_E_PARSE;
}

/* One ListPublicKeys entry into @k. */
static ot_status pub_entry_parse(json_t *e, size_t idx, struct ot_pubkey *k, struct ot_error *err)
{
    json_t *fp = json_object_get(e, "Fingerprint");
    json_t *val = json_object_get(e, "Value");
    if (!json_is_object(e) || !json_is_string(fp) || !json_is_string(val)) {
        return ot_fail(err, OT_E_PARSE,
                       "each key needs \"Fingerprint\" and \"Value\" (base64 DER) strings",
                       "key %zu: missing Fingerprint or Value", idx + 1);
    }
    const char *b = json_string_value(val);
    size_t bn = json_string_length(val);
    if (bn == 0 || bn > 8192) {
        return ot_fail(err, OT_E_PARSE, NULL, "key %zu: Value has an implausible length", idx + 1);
    }
    /* strip whitespace, which base64 dumps may carry */
    char *clean = ot_malloc(bn + 1);
    unsigned char *der = ot_malloc(bn);
    size_t cn = 0;
    ot_status st = OT_OK;
    if (clean == NULL || der == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < bn; i++) {
        if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') {
            clean[cn++] = b[i];
        }
    }
    int dl = cn % 4 == 0 && cn > 0 ? EVP_DecodeBlock(der, (unsigned char *)clean, (int)cn) : -1;
    if (dl < 0) {
        st = ot_fail(err, OT_E_PARSE, "Value must be base64 of the DER public key",
                     "key %zu: Value is not base64", idx + 1);
        goto out;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    if (cn >= 1 && clean[cn - 1] == '=') {
        dl--;
    }
    if (cn >= 2 && clean[cn - 2] == '=') {
        dl--;
    }
    if (json_string_length(fp) > 32) {
        st = ot_fail(err, OT_E_PARSE, "a fingerprint is 32 hex characters",
                     "key %zu: Fingerprint too long", idx + 1);
        goto out;
    }
    if (time_of_json(json_object_get(e, "ValidityStartTime"), INT64_MIN, &k->valid_from_ms) !=
            OT_OK ||
        time_of_json(json_object_get(e, "ValidityEndTime"), INT64_MAX, &k->valid_to_ms) != OT_OK) {
        st = ot_fail(err, OT_E_PARSE, "use ISO times such as 2024-01-01T00:00:00Z",
                     "key %zu: bad ValidityStartTime or ValidityEndTime", idx + 1);
        goto out;
    }
    memcpy(k->fingerprint, json_string_value(fp), json_string_length(fp) + 1);
    k->der = der;
    k->der_len = (size_t)dl;
    der = NULL;
out:
    ot_free(clean);
    ot_free(der);
    return st;
}

void ot_prove_json_alloc(void)
{
    json_set_alloc_funcs(ot_malloc, ot_free); /* jansson's hooks: route through ours */
}

ot_status ot_keys_parse_list(const void *json, size_t n, struct ot_keyring *out,
                             struct ot_error *err)
{
    ot_prove_json_alloc();
    json_error_t je;
    struct ot_keyring ring = { 0 };
    ot_status st = OT_OK;
    json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL && json_error_code(&je) == json_error_out_of_memory) {
        return ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
    }
    if (root == NULL) {
        st = ot_fail(err, OT_E_PARSE, "give the output of opentrail keys export",
                     "invalid JSON: %s", je.text);
        if (err != NULL) {
            err->line = (unsigned)(je.line > 0 ? je.line : 0);
            err->col = (unsigned)(je.column > 0 ? je.column : 0);
        }
        return st;
    }
    json_t *arr = json_is_object(root) ? json_object_get(root, "PublicKeyList") : root;
    if (!json_is_array(arr)) {
        st = ot_fail(err, OT_E_PARSE, "give {\"PublicKeyList\":[...]} or a JSON array",
                     "not a ListPublicKeys answer");
        goto out;
    }
    size_t cnt = json_array_size(arr);
    if (cnt > 10000) {
        st = ot_fail(err, OT_E_LIMIT, NULL, "more than 10000 keys");
        goto out;
    }
    if (cnt > 0) {
        ring.v = ot_calloc(cnt, sizeof(*ring.v));
        if (ring.v == NULL) {
            st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        st = pub_entry_parse(json_array_get(arr, i), i, &ring.v[i], err);
        if (st != OT_OK) {
            goto out;
        }
        ring.n++;
    }
    *out = ring;
    ring = (struct ot_keyring){ 0 };
out:
    ot_keyring_cleanup(&ring);
    json_decref(root);
    return st;
}

void ot_keyring_cleanup(struct ot_keyring *ring)
{
    if (ring == NULL) {
        return;
    }
    for (size_t i = 0; i < ring->n; i++) {
        ot_free(ring->v[i].der);
    }
    ot_free(ring->v);
    *ring = (struct ot_keyring){ 0 };
}

ot_status ot_keys_format_list(const struct ot_keyring *ring, bool bare_array, struct ot_buf *out)
{
    ot_prove_json_alloc();
    ot_status st = OT_OK;
    json_t *arr = json_array();
    json_t *root = NULL;
    char *s = NULL;
    if (arr == NULL) {
        return OT_E_NOMEM;
    }
    for (size_t i = 0; i < ring->n; i++) {
        json_t *e = NULL;
        st = pub_entry_json(&ring->v[i], &e);
        if (st != OT_OK || json_array_append_new(arr, e) != 0) {
            st = OT_E_NOMEM;
            goto out;
        }
    }
    if (bare_array) {
        root = arr;
        arr = NULL;
    } else {
        root = json_object();
        if (root == NULL || json_object_set_new(root, "PublicKeyList", arr) != 0) {
            arr = NULL;
            st = OT_E_NOMEM;
            goto out;
        }
        arr = NULL;
    }
    s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s == NULL || ot_buf_append_cstr(out, s) != OT_OK || ot_buf_putc(out, '\n') != OT_OK) {
        st = OT_E_NOMEM;
    }
out:
    ot_free(s);
    json_decref(arr);
    json_decref(root);
    return st;
}

/* Is @name "<32 hex>.json"? Then copy the fingerprint. */
static bool is_key_json(const char *name, char fp[33])
{
    size_t n = strlen(name);
    if (n != 37 || strcmp(name + 32, ".json") != 0) {
        return false;
    }
    for (size_t i = 0; i < 32; i++) {
        if (unhex1(name[i]) < 0 || (name[i] >= 'A' && name[i] <= 'F')) {
            return false;
        }
    }
    memcpy(fp, name, 32);
    fp[32] = '\0';
    return true;
}

static int cmp_from(const void *a, const void *b)
{
    const struct ot_pubkey *x = a, *y = b;
    return x->valid_from_ms < y->valid_from_ms ? -1 : x->valid_from_ms > y->valid_from_ms;
}

ot_status ot_keys_load_dir(const char *dir, struct ot_keyring *out, struct ot_error *err)
{
    struct ot_keyring ring = { 0 };
    size_t cap = 0;
    ot_status st = OT_OK;
    struct stat sb;
    DIR *d = NULL;
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT) {
            *out = ring;
            return OT_OK;
        }
        st = ot_fail(err, OT_E_IO, NULL, "cannot stat: %s", strerror(errno));
        ot_error_at(err, "%s", dir);
        return st;
    }
    if ((sb.st_mode & 077) != 0) {
        st = ot_fail(err, OT_E_USAGE, "chmod 700 the keys folder (it holds private keys)",
                     "keys folder is open to group or others (mode %03o)",
                     (unsigned)(sb.st_mode & 0777));
        ot_error_at(err, "%s", dir);
        return st;
    }
    d = opendir(dir);
    if (d == NULL) {
        st = ot_fail(err, OT_E_IO, NULL, "cannot open: %s", strerror(errno));
        ot_error_at(err, "%s", dir);
        return st;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char fp[33], path[4096];
        if (!is_key_json(e->d_name, fp)) {
            continue;
        }
        (void)snprintf(path, sizeof(path), "%s/%s.pem", dir, fp);
        if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0) {
            st = ot_fail(err, OT_E_USAGE, "chmod 600 the private key file",
                         "private key is readable by group or others (mode %03o)",
                         (unsigned)(sb.st_mode & 0777));
            ot_error_at(err, "%s", path);
            goto out;
        }
        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct ot_buf b;
        st = read_small(path, 64 * 1024, &b, NULL, err);
        if (st != OT_OK) {
            goto out;
        }
        struct ot_keyring one = { 0 };
        st = ot_keys_parse_list(b.data, b.len, &one, err);
        if (st == OT_OK && one.n != 1) {
            st = ot_fail(err, OT_E_PARSE, "restore the file from a backup", "not one key entry");
        }
        if (st == OT_OK) {
            char real[33];
            st = ot_key_fingerprint(one.v[0].der, one.v[0].der_len, real);
            if (st == OT_OK && strcmp(real, fp) != 0) {
                st = ot_fail(err, OT_E_TAMPER, "restore the keys folder from a backup",
                             "the key does not have the fingerprint its file name says");
            }
        }
        ot_buf_cleanup(&b);
        if (st == OT_OK && ring.n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            struct ot_pubkey *nv = ot_realloc(ring.v, nc * sizeof(*nv));
            if (nv == NULL) {
                st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
            } else {
                ring.v = nv;
                cap = nc;
            }
        }
        if (st != OT_OK) {
            ot_keyring_cleanup(&one);
            ot_error_at(err, "%s", path);
            goto out;
        }
        ring.v[ring.n++] = one.v[0];
        ot_free(one.v);
    }
    if (ring.n > 1) {
        qsort(ring.v, ring.n, sizeof(*ring.v), cmp_from);
    }
    *out = ring;
    ring = (struct ot_keyring){ 0 };
out:
    (void)closedir(d); /* read-only */
    ot_keyring_cleanup(&ring);
    return st;
}

static ot_status write_pub(const char *dir, const struct ot_pubkey *k, bool replace,
                           struct ot_error *err)
{
    struct ot_keyring one = { (struct ot_pubkey *)k, 1 };
    struct ot_buf b = OT_BUF_INIT(64 * 1024);
    char name[48];
    ot_status st = ot_keys_format_list(&one, true, &b);
    if (st != OT_OK) {
        return ot_fail(err, st, NULL, "out of memory");
    }
    (void)snprintf(name, sizeof(name), "%s.json", k->fingerprint);
    st = write_file_0600(dir, name, b.data, b.len, replace, err);
    ot_buf_cleanup(&b);
    return st;
}

ot_status ot_keys_generate(const char *dir, unsigned bits, int64_t valid_from_ms, char fp_out[33],
                           struct ot_error *err)
{
    ot_status st = OT_OK;
    EVP_PKEY *k = NULL;
    BIO *bio = NULL;
    struct ot_keyring ring = { 0 };
    struct ot_pubkey pub = { .valid_from_ms = valid_from_ms, .valid_to_ms = INT64_MAX };
    if (bits == 0) {
        bits = 2048;
    }
    if (bits < 2048 || bits > 8192) {
        return ot_fail(err, OT_E_USAGE, "use 2048 (AWS's size), 3072 or 4096",
                       "RSA key size %u out of range", bits);
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        st = ot_fail(err, OT_E_IO, "check --data-dir", "cannot create the keys folder: %s",
                     strerror(errno));
        ot_error_at(err, "%s", dir);
        return st;
    }
    st = ot_keys_load_dir(dir, &ring, err);
    if (st != OT_OK) {
        return st;
    }
    for (size_t i = 0; i < ring.n; i++) {
        if (ring.v[i].valid_from_ms >= valid_from_ms) {
            char t[21];
            ot_time_iso(ring.v[i].valid_from_ms, t);
            st = ot_fail(err, OT_E_USAGE, "give a later --valid-from",
                         "key %s is already valid from %s, not before the new key",
                         ring.v[i].fingerprint, t);
            goto out;
        }
    }
    k = EVP_RSA_gen(bits);
    if (k == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "RSA key generation failed");
        goto out;
    }
    st = der_of(k, &pub.der, &pub.der_len);
    if (st == OT_OK) {
        st = ot_key_fingerprint(pub.der, pub.der_len, pub.fingerprint);
    }
    if (st != OT_OK) {
        st = ot_fail(err, st, NULL, "cannot encode the public key");
        goto out;
    }
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "cannot encode the private key");
        goto out;
    }
    char *pem = NULL;
    long pem_n = BIO_get_mem_data(bio, &pem);
    char name[48];
    (void)snprintf(name, sizeof(name), "%s.pem", pub.fingerprint);
    st = write_file_0600(dir, name, pem, (size_t)pem_n, false, err);
    if (st == OT_OK) {
        st = write_pub(dir, &pub, false, err);
    }
    /* rotation: the keys still open end where the new one begins */
    for (size_t i = 0; st == OT_OK && i < ring.n; i++) {
        if (ring.v[i].valid_to_ms > valid_from_ms) {
            ring.v[i].valid_to_ms = valid_from_ms;
            st = write_pub(dir, &ring.v[i], true, err);
        }
    }
    if (st == OT_OK) {
        memcpy(fp_out, pub.fingerprint, 33);
    }
out:
    BIO_free(bio);
    EVP_PKEY_free(k);
    ot_free(pub.der);
    ot_keyring_cleanup(&ring);
    return st;
}

ot_status ot_signer_load(const char *dir, int64_t at_ms, struct ot_signer **out,
                         struct ot_error *err)
{
    struct ot_keyring ring = { 0 };
    struct ot_buf pem = { 0 };
    BIO *bio = NULL;
    struct ot_signer *s = NULL;
    ot_status st = ot_keys_load_dir(dir, &ring, err);
    if (st != OT_OK) {
        return st;
    }
    const struct ot_pubkey *pick = NULL;
    for (size_t i = 0; i < ring.n; i++) {
        if (ring.v[i].valid_from_ms <= at_ms && at_ms < ring.v[i].valid_to_ms) {
            pick = &ring.v[i]; /* sorted by start: the latest wins */
        }
    }
    if (pick == NULL) {
        char t[21];
        ot_time_iso(at_ms, t);
        st = ot_fail(err, OT_E_USAGE,
                     "run opentrail keys generate (with --valid-from for replayed data)",
                     "no signing key is valid at %s", t);
        ot_error_at(err, "%s", dir);
        goto out;
    }
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/%s.pem", dir, pick->fingerprint);
    struct stat sb;
    st = read_small(path, 64 * 1024, &pem, &sb, err);
    if (st != OT_OK) {
        goto out;
    }
    if ((sb.st_mode & 077) != 0) {
        st = ot_fail(err, OT_E_USAGE, "chmod 600 the private key file",
                     "private key is readable by group or others (mode %03o)",
                     (unsigned)(sb.st_mode & 0777));
        ot_error_at(err, "%s", path);
        goto out;
    }
    s = ot_calloc(1, sizeof(*s));
    bio = BIO_new_mem_buf(pem.data, (int)pem.len);
    if (s == NULL || bio == NULL) {
        st = ot_fail(err, OT_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    s->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (s->key == NULL || EVP_PKEY_get_base_id(s->key) != EVP_PKEY_RSA) {
        st = ot_fail(err, OT_E_PARSE, "restore the key from a backup",
                     "not an RSA private key in PEM");
        ot_error_at(err, "%s", path);
        goto out;
    }
    unsigned char *der = NULL;
    size_t dn = 0;
    st = der_of(s->key, &der, &dn);
    if (st == OT_OK) {
        st = ot_key_fingerprint(der, dn, s->fp);
        ot_free(der);
    }
    if (st == OT_OK && strcmp(s->fp, pick->fingerprint) != 0) {
        st = ot_fail(err, OT_E_TAMPER, "restore the keys folder from a backup",
                     "private key does not match its public entry");
        ot_error_at(err, "%s", path);
    }
    if (st != OT_OK) {
        goto out;
    }
    s->valid_to_ms = pick->valid_to_ms;
    *out = s;
    s = NULL;
out:
    BIO_free(bio);
    if (pem.data != NULL) {
        OPENSSL_cleanse(pem.data, pem.len); /* the private key: leave no copy behind */
    }
    ot_buf_cleanup(&pem);
    ot_signer_free(s);
    ot_keyring_cleanup(&ring);
    return st;
}
