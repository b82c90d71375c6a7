/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/inflate_floor.c - the floor under any scan of gzip'd CloudTrail logs:
 * inflate every file with libdeflate, in process, and nothing else.
 *
 *   inflate_floor [-j THREADS] FILE...
 *
 * Prints: files, compressed bytes, inflated bytes, seconds, MB/s (inflated,
 * 10^6 bytes per second). Files are read into memory first; only the inflate
 * is timed.
 */
#include <libdeflate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
    unsigned char *data;
    size_t len;
    size_t out_len;
};

static struct file *files;
static size_t nfiles;
static atomic_size_t next_file;
static atomic_ullong total_out;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    (void)arg;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t cap = 0;
    unsigned char *out = NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&next_file, 1);
        if (i >= nfiles) {
            break;
        }
        struct file *f = &files[i];
        size_t need = f->out_len + 1;
        if (need > cap) {
            free(out);
            cap = need;
            out = malloc(cap);
        }
        size_t got = 0;
        if (libdeflate_gzip_decompress(d, f->data, f->len, out, cap, &got) != LIBDEFLATE_SUCCESS) {
            fprintf(stderr, "inflate failed on file %zu\n", i);
            exit(1);
        }
        atomic_fetch_add(&total_out, got);
    }
    free(out);
    libdeflate_free_decompressor(d);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 1, i = 1;
    if (argc > 2 && strcmp(argv[1], "-j") == 0) {
        threads = atoi(argv[2]);
        i = 3;
    }
    nfiles = (size_t)(argc - i);
    files = calloc(nfiles ? nfiles : 1, sizeof(*files));
    unsigned long long in_bytes = 0;
    for (size_t k = 0; k < nfiles; k++) {
        FILE *fp = fopen(argv[i + (int)k], "rb");
        if (fp == NULL) {
            perror(argv[i + (int)k]);
            return 1;
        }
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        files[k].data = malloc((size_t)n);
        files[k].len = fread(files[k].data, 1, (size_t)n, fp);
        fclose(fp);
        const unsigned char *t = files[k].data + files[k].len - 4;
        files[k].out_len =
            (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        in_bytes += files[k].len;
    }
    pthread_t th[64];
    double t0 = now_s();
    for (int k = 0; k < threads; k++) {
        pthread_create(&th[k], NULL, worker, NULL);
    }
    for (int k = 0; k < threads; k++) {
        pthread_join(th[k], NULL);
    }
    double dt = now_s() - t0;
    unsigned long long out = atomic_load(&total_out);
    printf("%zu files, %llu gzip bytes, %llu bytes inflated, %.3f s, %.0f MB/s\n", nfiles, in_bytes,
           out, dt, (double)out / dt / 1e6);
    return 0;
}
