/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.h - every ceiling opentrail enforces, with its unit.
 *
 * A configurable limit names its option in the error's fix text.
 */
#ifndef OPENTRAIL_LIMITS_H
#define OPENTRAIL_LIMITS_H

/* CloudTrail's own cap on one record since eventVersion 1.05 (spec 1.1). */
#define OT_RECORD_MAX_BYTES (256u * 1024u)

/* Default cap on one input file after decompression (--max-file-bytes). */
#define OT_FILE_MAX_BYTES_DEFAULT (1024ull * 1024u * 1024u)

/* Hard ceiling for --max-file-bytes: offsets in the reader are 32-bit safe below this. */
#define OT_FILE_MAX_BYTES_CEILING (16ull * 1024u * 1024u * 1024u)

/* A reader keeps its buffers between inputs up to this size (bytes). */
#define OT_READER_KEEP_BYTES (64u * 1024u * 1024u)

/* JSON nesting depth; CloudTrail requestParameters rarely pass 20. */
#define OT_JSON_MAX_DEPTH 128u

/* Directory levels followed below an input directory. */
#define OT_TREE_MAX_DEPTH 32u

/* Bytes read from a stream or a file in one step. */
#define OT_READ_CHUNK_BYTES (1024u * 1024u)

/* A field path such as userIdentity.sessionContext.sessionIssuer.arn. */
#define OT_PATH_MAX_BYTES 1024u
#define OT_PATH_MAX_STEPS 32u

/* Distinct values kept per `stats` table before the rest is counted as "(other)". */
#define OT_STATS_MAX_KEYS 100000u

/* Worker threads of the parallel file scanner. */
#define OT_SCAN_MAX_JOBS 64u

/* opentrail audit (advise): */
/* Bytes of one arena chunk; bigger requests get a chunk of their own. */
#define OT_ARENA_CHUNK_BYTES (64u * 1024u)
/* Everything one audit session may hold: inputs, trees and the model. */
#define OT_ARENA_MAX_BYTES (512u * 1024u * 1024u)
/* One audited input file. */
#define OT_ADVISE_MAX_FILE_BYTES (16u * 1024u * 1024u)
/* Nesting of HCL blocks and expressions, and of YAML/JSON collections. */
#define OT_HCL_MAX_DEPTH 64u
/* Labels of one HCL block (`resource "type" "name"` has two). */
#define OT_HCL_MAX_LABELS 4u
/* var -> local -> var chains followed when resolving a reference. */
#define OT_ADVISE_MAX_RESOLVE 16u
/* Findings one run may report. */
#define OT_ADVISE_MAX_FINDINGS 100000u
/* Alarm actions kept per alarm. */
#define OT_ADVISE_MAX_ACTIONS 8u

#endif
