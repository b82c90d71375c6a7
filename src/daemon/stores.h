/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/stores.h - the backends of the daemon's trails: the local store for
 * trails on local disk, one S3 backend per distinct Storage (docs/serve.md,
 * "A trail on S3"), with credentials found as the AWS CLI finds them.
 */
#ifndef OTD_STORES_H
#define OTD_STORES_H

#include <stddef.h>
#include <stdint.h>

#include "opentrail/config.h"
#include "opentrail/store.h"

#define OTD_MAX_STORES 64u /* distinct Storage sections one config may use */

struct otd_stores {
    struct ot_backend s3[OTD_MAX_STORES]; /* owned */
    const struct ot_conf_storage *conf[OTD_MAX_STORES];
    size_t n;
    const struct ot_backend *local; /* borrowed */
    int *of_trail;                  /* owned: index into s3, or -1 for local */
    uint32_t ntrails;
};

/* The backend of trail @i (borrowed from @s). */
const struct ot_backend *otd_stores_trail(const struct otd_stores *s, uint32_t i);

/**
 * otd_stores_open() - a backend for each trail of @c: @local (borrowed; must
 * outlive @out) for local trails, a new S3 backend per distinct S3 Storage.
 * Nothing is sent to a server here. On failure nothing is left open and @err
 * names the trail (never a secret).
 */
ot_status otd_stores_open(const struct ot_config *c, const struct ot_backend *local,
                          struct otd_stores *out, struct ot_error *err);
/**
 * otd_store_open_s3() - the S3 backend of one Storage section, credentials
 * found as described above (also used by `opentrail lifecycle` for trails on
 * S3). Release with ot_store_close().
 */
ot_status otd_store_open_s3(const struct ot_conf_storage *s, struct ot_backend *out,
                            struct ot_error *err);
/* Closes what otd_stores_open() opened; a zeroed @s is fine. */
void otd_stores_close(struct otd_stores *s);

#endif
