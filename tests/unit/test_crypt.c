/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_crypt.c - encryption at rest (store/crypt.c and the local
 * backend): round trips, a wrong or missing KEK, every altered region,
 * rotation through real key files, unsafe modes, and each allocation failing
 * in turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static const char *ID1 = "0102030405060708", *ID2 = "1112131415161718";

static struct ot_kek_ring *ring_with(const char *id, unsigned char fill)
{
    struct ot_kek_ring *r = NULL;
    unsigned char key[32];
    memset(key, fill, sizeof(key));
    assert_int_equal(ot_kek_ring_new(&r), OT_OK);
    assert_int_equal(ot_kek_ring_add(r, id, key, true, NULL), OT_OK);
    return r;
}

static void seal_text(const struct ot_kek_ring *r, const char *text, struct ot_buf *out)
{
    assert_int_equal(ot_seal(r, text, strlen(text), out, NULL), OT_OK);
    assert_int_equal(out->len, strlen(text) + OT_SEAL_OVERHEAD);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct ot_kek_ring *r = ring_with(ID1, 7);
    struct ot_buf s = OT_BUF_INIT(1u << 20), p = OT_BUF_INIT(1u << 20);
    const char *text = "{\"Records\":[{\"eventName\":\"ConsoleLogin\"}]}";
    seal_text(r, text, &s);
    assert_true(ot_is_sealed(s.data, s.len));
    assert_null(memmem(s.data, s.len, "ConsoleLogin", 12)); /* not in clear */
    struct ot_seal_header h;
    assert_int_equal(ot_seal_header_parse(s.data, s.len, &h, NULL), OT_OK);
    assert_string_equal(h.kek_id, ID1);
    assert_int_equal(h.plain_bytes, strlen(text));
    assert_int_equal(ot_unseal(r, s.data, s.len, &p, NULL), OT_OK);
    assert_int_equal(p.len, strlen(text));
    assert_memory_equal(p.data, text, p.len);
    /* two seals of the same bytes differ: fresh data key and nonces */
    struct ot_buf s2 = OT_BUF_INIT(1u << 20);
    seal_text(r, text, &s2);
    assert_memory_not_equal(s.data + 8, s2.data + 8, s.len - 8);
    /* empty objects too */
    ot_buf_reset(&p);
    struct ot_buf e = OT_BUF_INIT(1024);
    assert_int_equal(ot_seal(r, "", 0, &e, NULL), OT_OK);
    assert_int_equal(ot_unseal(r, e.data, e.len, &p, NULL), OT_OK);
    assert_int_equal(p.len, 0);
    ot_buf_cleanup(&e);
    ot_buf_cleanup(&s);
    ot_buf_cleanup(&s2);
    ot_buf_cleanup(&p);
    ot_kek_ring_free(r);
}

static void test_wrong_and_missing_key(void **state)
{
    (void)state;
    struct ot_kek_ring *r = ring_with(ID1, 7), *wrong = ring_with(ID1, 8),
                       *other = ring_with(ID2, 7);
    struct ot_buf s = OT_BUF_INIT(1u << 20), p = OT_BUF_INIT(1u << 20);
    struct ot_error err;
    seal_text(r, "secret log bytes", &s);
    /* same id, other bytes: the wrapped key does not authenticate */
    assert_int_equal(ot_unseal(wrong, s.data, s.len, &p, &err), OT_E_TAMPER);
    assert_non_null(strstr(err.what, ID1));
    assert_int_equal(p.len, 0);
    /* the KEK is not there: named, with the fix, and ENOKEY */
    assert_int_equal(ot_unseal(other, s.data, s.len, &p, &err), OT_E_USAGE);
    assert_int_equal(err.sys_errno, ENOKEY);
    assert_non_null(strstr(err.what, ID1));
    assert_non_null(strstr(err.fix, "kek-0102030405060708.key"));
    assert_int_equal(ot_unseal(NULL, s.data, s.len, &p, &err), OT_E_USAGE);
    assert_int_equal(p.len, 0);
    /* no current KEK: sealing is refused */
    struct ot_kek_ring *empty = NULL;
    assert_int_equal(ot_kek_ring_new(&empty), OT_OK);
    assert_int_equal(ot_seal(empty, "x", 1, &p, &err), OT_E_USAGE);
    assert_null(ot_kek_current(empty));
    unsigned char k32[32] = { 0 };
    assert_int_equal(ot_kek_ring_add(empty, "nothex!!nothex!!", k32, false, &err), OT_E_USAGE);
    ot_kek_ring_free(empty);
    ot_buf_cleanup(&s);
    ot_buf_cleanup(&p);
    ot_kek_ring_free(r);
    ot_kek_ring_free(wrong);
    ot_kek_ring_free(other);
}

static void test_every_byte_altered(void **state)
{
    (void)state;
    struct ot_kek_ring *r = ring_with(ID1, 3);
    struct ot_buf s = OT_BUF_INIT(1u << 20), p = OT_BUF_INIT(1u << 20);
    seal_text(r, "{\"Records\":[]}", &s);
    for (size_t i = 0; i < s.len; i++) {
        struct ot_error err;
        s.data[i] ^= 0x01;
        ot_status st = ot_unseal(r, s.data, s.len, &p, &err);
        s.data[i] ^= 0x01;
        if (i < 8) {
            assert_int_equal(st, OT_E_PARSE); /* magic, version, algorithm */
        } else if (i < 16) {
            assert_int_equal(st, OT_E_USAGE); /* another KEK id: not in the ring */
        } else {
            assert_int_equal(st, OT_E_TAMPER); /* nonce, wrapped key, tags, ciphertext */
        }
        assert_int_equal(p.len, 0);
    }
    /* cut short, and cut to nothing */
    assert_int_equal(ot_unseal(r, s.data, s.len - 1, &p, NULL), OT_E_TAMPER);
    assert_int_equal(ot_unseal(r, s.data, 90, &p, NULL), OT_E_PARSE);
    assert_int_equal(ot_unseal(r, s.data, 0, &p, NULL), OT_E_PARSE);
    assert_false(ot_is_sealed("\x1f\x8b", 2));
    ot_buf_cleanup(&s);
    ot_buf_cleanup(&p);
    ot_kek_ring_free(r);
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/ot-crypt.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rm_rf(const char *d)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static void test_rotation_and_files(void **state)
{
    (void)state;
    char *d = tmpdir(), keys[256], path[320], id1[17], id2[17];
    struct ot_error err;
    struct ot_kek_ring *r = NULL;
    (void)snprintf(keys, sizeof(keys), "%s/keys", d);
    assert_int_equal(ot_kek_load_dir(keys, &r, NULL), OT_OK); /* no folder: empty */
    assert_int_equal(ot_kek_count(r), 0);
    ot_kek_ring_free(r);
    assert_int_equal(ot_kek_generate(keys, id1, NULL), OT_OK);
    struct stat sb;
    (void)snprintf(path, sizeof(path), "%s/kek-%s.key", keys, id1);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(keys, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(ot_kek_load_dir(keys, &r, NULL), OT_OK);
    assert_string_equal(ot_kek_current(r), id1);
    struct ot_buf old = OT_BUF_INIT(1u << 20), p = OT_BUF_INIT(1u << 20);
    seal_text(r, "sealed before the rotation", &old);
    ot_kek_ring_free(r);
    /* rotate: the new KEK is current, the old one still opens what it sealed */
    assert_int_equal(ot_kek_generate(keys, id2, NULL), OT_OK);
    assert_string_not_equal(id1, id2);
    assert_int_equal(ot_kek_load_dir(keys, &r, NULL), OT_OK);
    assert_int_equal(ot_kek_count(r), 2);
    assert_string_equal(ot_kek_current(r), id2);
    assert_int_equal(ot_unseal(r, old.data, old.len, &p, NULL), OT_OK);
    struct ot_buf fresh = OT_BUF_INIT(1u << 20);
    seal_text(r, "sealed after", &fresh);
    struct ot_seal_header h;
    assert_int_equal(ot_seal_header_parse(fresh.data, fresh.len, &h, NULL), OT_OK);
    assert_string_equal(h.kek_id, id2);
    ot_kek_ring_free(r);
    /* a key file others can read is refused, naming it */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(ot_kek_load_dir(keys, &r, &err), OT_E_USAGE);
    assert_non_null(strstr(err.where, id1));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(chmod(keys, 0750), 0);
    assert_int_equal(ot_kek_load_dir(keys, &r, &err), OT_E_USAGE);
    assert_int_equal(chmod(keys, 0700), 0);
    /* a damaged key file is a parse error, not a different key */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs("not a key\n", f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(ot_kek_load_dir(keys, &r, &err), OT_E_PARSE);
    ot_buf_cleanup(&old);
    ot_buf_cleanup(&fresh);
    ot_buf_cleanup(&p);
    rm_rf(d);
    free(d);
}

static void test_local_backend(void **state)
{
    (void)state;
    char *d = tmpdir(), path[512];
    struct ot_backend b = { 0 };
    struct ot_kek_ring *r = ring_with(ID1, 9);
    struct ot_error err;
    assert_int_equal(ot_store_local_open(d, &b, NULL), OT_OK);
    assert_int_equal(b.ops->put(b.be, "bk", "plain/a.json", "{\"a\":1}", 7, NULL, 0, NULL), OT_OK);
    assert_int_equal(ot_store_local_encrypt(&b, r, true, NULL), OT_OK);
    struct ot_meta m = { "signature", "abc" };
    assert_int_equal(b.ops->put(b.be, "bk", "enc/b.json", "{\"b\":22}", 8, &m, 1, NULL), OT_OK);
    /* on disk: sealed object, plain sidecar */
    (void)snprintf(path, sizeof(path), "%s/bk/enc/b.json", d);
    FILE *f = fopen(path, "rb");
    unsigned char head[8];
    assert_non_null(f);
    assert_int_equal(fread(head, 1, 8, f), 8);
    assert_int_equal(fclose(f), 0);
    assert_true(ot_is_sealed(head, 8));
    struct ot_buf data = OT_BUF_INIT(1u << 20), meta = OT_BUF_INIT(1u << 20);
    assert_int_equal(b.ops->get(b.be, "bk", "enc/b.json", &data, &meta, NULL), OT_OK);
    assert_string_equal(data.data, "{\"b\":22}");
    assert_string_equal(meta.data, "{\"signature\":\"abc\"}");
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, "bk", "plain/a.json", &data, NULL, NULL), OT_OK);
    assert_string_equal(data.data, "{\"a\":1}"); /* plain objects still read */
    uint64_t size = 0;
    assert_int_equal(b.ops->head(b.be, "bk", "enc/b.json", &size, NULL), OT_OK);
    assert_int_equal(size, 8);
    /* without the ring: a clear error, never the sealed bytes */
    assert_int_equal(ot_store_local_encrypt(&b, NULL, false, NULL), OT_OK);
    ot_buf_reset(&data);
    assert_int_equal(b.ops->get(b.be, "bk", "enc/b.json", &data, NULL, &err), OT_E_USAGE);
    assert_int_equal(err.sys_errno, ENOKEY);
    assert_non_null(strstr(err.where, "enc/b.json"));
    assert_int_equal(data.len, 0);
    assert_int_equal(ot_store_local_encrypt(&b, NULL, true, &err), OT_E_USAGE);
    ot_buf_cleanup(&data);
    ot_buf_cleanup(&meta);
    ot_store_close(&b);
    ot_kek_ring_free(r);
    rm_rf(d);
    free(d);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    char *d = tmpdir(), keys[256], id[17];
    (void)snprintf(keys, sizeof(keys), "%s/keys", d);
    assert_int_equal(ot_kek_generate(keys, id, NULL), OT_OK);
    assert_int_equal(ot_kek_generate(keys, id, NULL), OT_OK);
    bool done = false;
    for (unsigned long i = 1; !done && i < 1000; i++) {
        struct ot_kek_ring *r = NULL;
        struct ot_buf s = OT_BUF_INIT(1u << 20), p = OT_BUF_INIT(1u << 20);
        struct ot_backend b = { 0 };
        ot_alloc_fail_after(i);
        ot_status st = ot_kek_load_dir(keys, &r, NULL);
        if (st == OT_OK) {
            st = ot_seal(r, "hello", 5, &s, NULL);
        }
        if (st == OT_OK) {
            st = ot_unseal(r, s.data, s.len, &p, NULL);
        }
        if (st == OT_OK) {
            st = ot_store_local_open(d, &b, NULL);
        }
        if (st == OT_OK) {
            st = ot_store_local_encrypt(&b, r, true, NULL);
        }
        char key[32];
        (void)snprintf(key, sizeof(key), "k%lu", i);
        if (st == OT_OK) {
            st = b.ops->put(b.be, "bk", key, "hello", 5, NULL, 0, NULL);
        }
        if (st == OT_OK) {
            ot_buf_reset(&p);
            st = b.ops->get(b.be, "bk", key, &p, NULL, NULL);
        }
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            assert_int_equal(p.len, 5);
            done = true;
        } else {
            assert_int_equal(st, OT_E_NOMEM);
        }
        ot_store_close(&b);
        ot_buf_cleanup(&s);
        ot_buf_cleanup(&p);
        ot_kek_ring_free(r);
    }
    assert_true(done);
    rm_rf(d);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),         cmocka_unit_test(test_wrong_and_missing_key),
        cmocka_unit_test(test_every_byte_altered), cmocka_unit_test(test_rotation_and_files),
        cmocka_unit_test(test_local_backend),      cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
