/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/verify_floor.c - the floor under validating a trail: for every log
 * file, libdeflate inflate and OpenSSL SHA-256 of the result, in process, and
 * nothing else; or (-z) libdeflate gzip level 6 of the inflated bytes, the
 * floor under writing log files.
 *
 *   verify_floor [-j THREADS] [-z] FILE...
 *
 * Prints: files, inflated bytes, seconds, MB/s (inflated, 10^6 bytes per
 * second). Files are read and (for -z) inflated first; only the measured
 * step is timed.
 */
#include <libdeflate.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
    unsigned char *data;
    size_t len;
    unsigned char *raw; /* -z: the inflated bytes */
    size_t raw_len;
};

static struct file *files;
static size_t nfiles;
static atomic_size_t next_file;
static atomic_ullong total_out;
static int deflate_mode;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t isize(const struct file *f)
{
    const unsigned char *t = f->data + f->len - 4;
    return (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
}

static void *worker(void *arg)
{
    (void)arg;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    size_t cap = 0;
    unsigned char *out = NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&next_file, 1);
        if (i >= nfiles) {
            break;
        }
        struct file *f = &files[i];
        if (deflate_mode) {
            size_t need = libdeflate_gzip_compress_bound(c, f->raw_len);
            if (need > cap) {
                free(out);
                out = malloc(need);
                cap = need;
            }
            if (libdeflate_gzip_compress(c, f->raw, f->raw_len, out, cap) == 0) {
                fprintf(stderr, "verify_floor: gzip failed\n");
                exit(1);
            }
            atomic_fetch_add(&total_out, f->raw_len);
            continue;
        }
        size_t need = isize(f) + 1, got = 0;
        if (need > cap) {
            free(out);
            out = malloc(need);
            cap = need;
        }
        if (libdeflate_gzip_decompress(d, f->data, f->len, out, cap, &got) != LIBDEFLATE_SUCCESS) {
            fprintf(stderr, "verify_floor: file %zu does not inflate\n", i);
            exit(1);
        }
        unsigned char md[32];
        unsigned mdlen = 0;
        EVP_Digest(out, got, md, &mdlen, EVP_sha256(), NULL);
        atomic_fetch_add(&total_out, got);
    }
    free(out);
    libdeflate_free_decompressor(d);
    libdeflate_free_compressor(c);
    return NULL;
}

int main(int argc, char **argv)
{
    int jobs = 1, a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "-j") == 0 && a + 1 < argc) {
            jobs = atoi(argv[++a]);
        } else if (strcmp(argv[a], "-z") == 0) {
            deflate_mode = 1;
        } else {
            fprintf(stderr, "usage: verify_floor [-j THREADS] [-z] FILE...\n");
            return 2;
        }
    }
    nfiles = (size_t)(argc - a);
    files = calloc(nfiles ? nfiles : 1, sizeof(*files));
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    for (size_t i = 0; i < nfiles; i++) {
        FILE *f = fopen(argv[a + i], "rb");
        if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
            fprintf(stderr, "verify_floor: cannot read %s\n", argv[a + i]);
            return 1;
        }
        long n = ftell(f);
        rewind(f);
        files[i].data = malloc((size_t)n);
        files[i].len = fread(files[i].data, 1, (size_t)n, f);
        fclose(f);
        if (deflate_mode) {
            files[i].raw_len = isize(&files[i]);
            files[i].raw = malloc(files[i].raw_len + 1);
            size_t got = 0;
            libdeflate_gzip_decompress(d, files[i].data, files[i].len, files[i].raw,
                                       files[i].raw_len + 1, &got);
            files[i].raw_len = got;
        }
    }
    libdeflate_free_decompressor(d);
    pthread_t th[64];
    if (jobs < 1 || jobs > 64) {
        jobs = 1;
    }
    double t0 = now_s();
    for (int i = 0; i < jobs; i++) {
        pthread_create(&th[i], NULL, worker, NULL);
    }
    for (int i = 0; i < jobs; i++) {
        pthread_join(th[i], NULL);
    }
    double dt = now_s() - t0;
    unsigned long long out = atomic_load(&total_out);
    printf("%zu files, %llu bytes inflated, %.3f s, %.0f MB/s\n", nfiles, out, dt,
           (double)out / dt / 1e6);
    return 0;
}
