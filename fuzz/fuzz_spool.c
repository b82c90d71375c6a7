/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/fuzz_spool.c - what the daemon reads back from its own disk after a
 * crash, over arbitrary bytes: the first byte picks the file. Either a spool
 * segment (recovery cuts a torn or damaged tail and keeps it aside; every
 * frame left must read back and pass its CRC) or the delivery journal (the
 * live writer opens over it against an empty store: a damaged journal is
 * refused with a reason, never a crash). Files go to a private temp folder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opentrail/prove.h"
#include "opentrail/spool.h"
#include "opentrail/store.h"

static char base[64];

static void setup(void)
{
    if (base[0] != '\0') {
        return;
    }
    char tmpl[] = "/tmp/ot-fuzz-spool.XXXXXX";
    if (mkdtemp(tmpl) == NULL) {
        abort();
    }
    (void)snprintf(base, sizeof(base), "%s", tmpl);
}

static void put_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        abort();
    }
}

static bool count(void *ctx, struct ot_sv rec, uint64_t pos, uint64_t next)
{
    (void)rec;
    if (next <= pos) {
        abort(); /* positions only move forward */
    }
    (*(unsigned long *)ctx)++;
    return true;
}

static void clean(void)
{
    char cmd[160];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", base);
    if (system(cmd) != 0) {
        abort();
    }
}

static void fuzz_segment(const uint8_t *data, size_t size)
{
    char dir[128], seg[192];
    (void)snprintf(dir, sizeof(dir), "%s/spool", base);
    (void)snprintf(seg, sizeof(seg), "%s/0000000000000000.seg", dir);
    if (mkdir(dir, 0700) != 0) {
        abort();
    }
    put_file(seg, data, size);
    struct ot_spool_opts o = { .dir = dir };
    struct ot_spool *s = NULL;
    struct ot_error err;
    if (ot_spool_open(&o, &s, &err) != OT_OK) {
        return;
    }
    struct ot_spool_stats st;
    ot_spool_stats(s, &st);
    if (st.end + st.cut_bytes != size) {
        abort(); /* every byte is either kept or cut aside */
    }
    unsigned long n = 0;
    uint64_t pos = 0;
    while (pos < st.durable) {
        uint64_t next;
        if (ot_spool_read(s, pos, 1u << 20, count, &n, &next, &err) != OT_OK) {
            abort(); /* after recovery, what is left must read clean */
        }
        if (next <= pos) {
            abort();
        }
        pos = next;
    }
    ot_spool_close(s);
}

static void fuzz_journal(const uint8_t *data, size_t size)
{
    char state[128], keys[128], root[128], journal[192];
    (void)snprintf(state, sizeof(state), "%s/state", base);
    (void)snprintf(keys, sizeof(keys), "%s/keys", base);
    (void)snprintf(root, sizeof(root), "%s/buckets", base);
    (void)snprintf(journal, sizeof(journal), "%s/delivery.journal", state);
    if (mkdir(state, 0700) != 0) {
        abort();
    }
    put_file(journal, data, size);
    struct ot_backend b;
    struct ot_error err;
    struct ot_selectors *sel = NULL;
    if (ot_store_local_open_batch(root, &b, &err) != OT_OK || ot_selectors_default(&sel) != OT_OK) {
        abort();
    }
    struct ot_live_trail t = { .name = "main",
                               .bucket = "b",
                               .home_region = "us-east-1",
                               .validation = true,
                               .selectors = sel,
                               .scope = { .home_region = "us-east-1", .is_multi_region = true },
                               .backend = &b };
    struct ot_live_opts o = { .keys_dir = keys, .state_dir = state };
    struct ot_live *lv = NULL;
    if (ot_live_open(&o, &t, 1, 1780000000000LL, &lv, &err) == OT_OK) {
        ot_live_close(lv);
    }
    ot_selectors_free(sel);
    ot_store_close(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    clean();
    if (size == 0) {
        return 0;
    }
    if (data[0] & 1) {
        fuzz_journal(data + 1, size - 1);
    } else {
        fuzz_segment(data + 1, size - 1);
    }
    return 0;
}
