/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/daemon.h - `opentrail serve`: the process around the library (the
 * HTTP listener, the delivery thread, signals, the log).
 */
#ifndef OTD_DAEMON_H
#define OTD_DAEMON_H

#include <stdbool.h>

struct otd_opts {
    const char *data_dir;    /* spool/, state/, keys/, buckets/ live here */
    const char *config_path; /* opentrail.yaml; written with defaults when missing */
    const char *listen;      /* "ADDR:PORT" overriding the config, or NULL */
    bool quiet;              /* no per-request log lines */
};

/* Run until SIGTERM or SIGINT; returns an exit status (0 clean, 2 config, 4 system). */
int otd_serve(const struct otd_opts *o);

#endif
