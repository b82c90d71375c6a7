/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/export.c - `opentrail export`: a bucket's objects, opened if they were
 * sealed at rest, into OUT/<bucket>/<key> with their .meta.json sidecars, the
 * layout the AWS CLI validator driver, zcat and jq read (docs/encryption.md).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: opentrail export --bucket B --out DIR [--prefix P] [--root DIR]\n"
    "\n"
    "Copy every object of bucket B (under key prefix P) from the local store to\n"
    "DIR/B/<key>, decrypted when it was encrypted at rest, with its S3 metadata in\n"
    "DIR/B/<key>.meta.json: plain gzip log files and digests in the same key\n"
    "layout, for tools that cannot open opentrail's encrypted objects (zcat, jq,\n"
    "the AWS CLI's validate-logs through shared/tools/aws_offline_validate.py).\n"
    "Each object is authenticated while it is opened: an altered one stops the\n"
    "export. Objects already in DIR are never overwritten.\n"
    "\n"
    "options:\n"
    "      --bucket B          bucket name\n"
    "      --prefix P          only keys starting with P\n"
    "      --out DIR           where to write (created when missing)\n"
    "      --root DIR          the store (default: DATA_DIR/buckets)\n"
    "  -h, --help              this help\n"
    "\n"
    "exit status: 0 done, 1 an object failed its authentication (altered),\n"
    "2 usage error, missing key-encryption key or object already in DIR,\n"
    "4 system error.\n";

struct exp {
    struct ot_backend *src, *dst;
    const char *bucket;
    struct ot_buf data, meta;
    unsigned long long objects, bytes;
    ot_status st;
    struct ot_error err;
};

static ot_status put_with_meta(struct exp *x, const char *key)
{
    json_t *mj =
        json_loadb(x->meta.data ? x->meta.data : "{}", x->meta.len ? x->meta.len : 2, 0, NULL);
    struct ot_meta m[16];
    size_t nm = 0;
    const char *name;
    json_t *v;
    json_object_foreach(mj, name, v)
    {
        if (nm < sizeof(m) / sizeof(m[0]) && json_is_string(v)) {
            m[nm++] = (struct ot_meta){ name, json_string_value(v) };
        }
    }
    ot_status st = x->dst->ops->put(x->dst->be, x->bucket, key, x->data.data ? x->data.data : "",
                                    x->data.len, m, nm, &x->err);
    json_decref(mj);
    return st;
}

static bool on_key(void *ctx, const char *key)
{
    struct exp *x = ctx;
    ot_buf_reset(&x->data);
    ot_buf_reset(&x->meta);
    x->st = x->src->ops->get(x->src->be, x->bucket, key, &x->data, &x->meta, &x->err);
    if (x->st == OT_OK) {
        x->st = put_with_meta(x, key);
    }
    if (x->st != OT_OK) {
        return false;
    }
    x->objects++;
    x->bytes += x->data.len;
    return true;
}

int cli_export(int argc, char **argv, const struct cli_global *g)
{
    enum { O_BUCKET = 4000, O_PREFIX, O_OUT, O_ROOT };
    static const struct option longopts[] = {
        { "bucket", required_argument, NULL, O_BUCKET },
        { "prefix", required_argument, NULL, O_PREFIX },
        { "out", required_argument, NULL, O_OUT },
        { "root", required_argument, NULL, O_ROOT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *bucket = NULL, *prefix = NULL, *out = NULL, *root = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_BUCKET:
            bucket = optarg;
            break;
        case O_PREFIX:
            prefix = optarg;
            break;
        case O_OUT:
            out = optarg;
            break;
        case O_ROOT:
            root = optarg;
            break;
        case 'h':
            (void)fputs(help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("export", "unknown option");
        }
    }
    if (optind < argc) {
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    }
    if (bucket == NULL || out == NULL) {
        return cli_usage_error("export", "--bucket and --out are required");
    }
    char rootbuf[4096];
    if (root == NULL) {
        (void)snprintf(rootbuf, sizeof(rootbuf), "%s/buckets", g->data_dir);
        root = rootbuf;
    }
    struct ot_kek_ring *ring = NULL;
    struct ot_backend src = { 0 }, dst = { 0 };
    struct exp x = { .src = &src,
                     .dst = &dst,
                     .bucket = bucket,
                     .data = OT_BUF_INIT((size_t)OT_FILE_MAX_BYTES_CEILING),
                     .meta = OT_BUF_INIT(1u << 20) };
    ot_error_clear(&x.err);
    int rc = cli_kek_ring_load(&ring, true);
    if (rc != CLI_OK) {
        return rc;
    }
    ot_status st = ot_store_local_open(root, &src, &x.err);
    if (st == OT_OK) {
        st = ot_store_local_encrypt(&src, ring, false, &x.err);
    }
    if (st == OT_OK) {
        st = ot_store_local_open_batch(out, &dst, &x.err);
    }
    if (st == OT_OK) {
        st = src.ops->list(src.be, bucket, prefix, NULL, on_key, &x, &x.err);
    }
    if (st == OT_OK) {
        st = x.st;
    }
    if (st == OT_OK) {
        st = dst.ops->flush(dst.be, &x.err);
    }
    if (st != OT_OK) {
        cli_print_error(&x.err);
        rc = st == OT_E_TAMPER ? CLI_VERDICT : st == OT_E_USAGE ? CLI_USAGE : CLI_SYSTEM;
    } else {
        (void)fprintf(stderr, "opentrail: exported %llu objects (%llu bytes) of %s to %s/%s\n",
                      x.objects, x.bytes, bucket, out, bucket);
    }
    ot_buf_cleanup(&x.data);
    ot_buf_cleanup(&x.meta);
    ot_store_close(&src);
    ot_store_close(&dst);
    ot_kek_ring_free(ring);
    return rc;
}
