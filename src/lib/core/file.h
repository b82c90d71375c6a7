/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/file.h - small state files written whole and atomically (alarm state,
 * queued notifications): a crash leaves the old file or the new one, never a
 * mix. Shared by watch and alert.
 */
#ifndef OT_CORE_FILE_H
#define OT_CORE_FILE_H

#include "opentrail/core.h"
#include "opentrail/status.h"

/*
 * ot_file_replace() - write @n bytes of @data to @path (mode 0600) under a
 * temporary name, fsync, rename over @path and fsync the folder. With
 * @exclusive, an existing @path is kept and OT_E_USAGE returned (the caller
 * already wrote it). OT_E_IO or OT_E_NOSPC with errno otherwise.
 */
ot_status ot_file_replace(const char *path, const void *data, size_t n, bool exclusive,
                          struct ot_error *err);

/* Read all of @path (at most @out->limit bytes) into @out. OT_E_IO (errno ENOENT
 * when it does not exist), OT_E_LIMIT, OT_E_NOMEM. */
ot_status ot_file_read(const char *path, struct ot_buf *out, struct ot_error *err);

#endif
