/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.h - inputs (files, CloudTrail S3-layout trees, stdin) and the parallel
 * scanner that reads them with one ot_reader per worker thread.
 */
#ifndef OPENTRAIL_SCAN_H
#define OPENTRAIL_SCAN_H

#include <stddef.h>

#include "opentrail/record.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ot_input {
    char *path;           /* owned; "-" for stdin */
    enum ot_shape by_key; /* what the file name says (digest, insight) */
    bool is_stdin;
    bool named; /* given on the command line, not found in a tree */
};

struct ot_inputs {
    struct ot_input *v;
    size_t n, cap;
    unsigned long skipped_names; /* files in trees not named like CloudTrail data */
};

/**
 * ot_inputs_add() - add @arg: "-" (stdin), a file, or a directory walked in
 * name order (CloudTrail's key layout sorts by time that way). In trees only
 * *.json, *.json.gz, *.jsonl, *.ndjson (and .gz) are taken; hidden entries and
 * *.meta.json sidecars are not. Unreadable entries go to @on_error and the
 * walk goes on. Returns OT_E_IO for a missing @arg (in @err), OT_E_NOMEM.
 */
OT_API ot_status ot_inputs_add(struct ot_inputs *in, const char *arg, ot_read_error_fn on_error,
                               void *ctx, struct ot_error *err);
OT_API void ot_inputs_cleanup(struct ot_inputs *in);

struct ot_scan_ops {
    /* per worker thread: returns its context (NULL is allowed) */
    void *(*worker_init)(void *ctx, unsigned worker);
    /* after all workers stopped, in worker order, on the calling thread */
    void (*worker_fini)(void *ctx, void *wctx);
    ot_record_fn on_record;    /* (wctx, rec) on the worker's thread */
    ot_read_error_fn on_error; /* (wctx, err) on the worker's thread */
    /* once per input, in input order, one call at a time; @err is set when st != OT_OK */
    void (*on_file)(void *ctx, void *wctx, const struct ot_input *in,
                    const struct ot_read_result *res, ot_status st, const struct ot_error *err);
};

/**
 * ot_scan_run() - read every input with @jobs worker threads (1 = on the
 * calling thread). Returns OT_OK unless the scan itself failed (threads,
 * memory); per-file problems go to on_file.
 */
OT_API ot_status ot_scan_run(const struct ot_inputs *in, unsigned jobs,
                             const struct ot_read_opts *opts, const struct ot_scan_ops *ops,
                             void *ctx, struct ot_error *err);

#ifdef __cplusplus
}
#endif
#endif
