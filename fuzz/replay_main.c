/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/replay_main.c - run a fuzz target over every file of a corpus folder
 * without libFuzzer, so `make test` replays each committed corpus (and every
 * past crash saved in it) under ASan+UBSan.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            (void)fclose(f);
            return 1;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            break;
        }
        cap *= 2;
        uint8_t *nb = realloc(buf, cap);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            continue;
        }
        buf = nb;
    }
    (void)fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, ran = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            bad |= run_file(argv[i]);
            ran++;
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            (void)snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            bad |= run_file(path);
            ran++;
        }
        (void)closedir(d);
    }
    printf("replayed %d inputs\n", ran);
    return bad || ran == 0;
}
