/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/sigv4.h - the one SigV4 signature computation, shared by the S3
 * client (store: signing requests) and the ingest API (capture: verifying
 * them), so both derive the signing key the same way.
 */
#ifndef OT_CORE_SIGV4_H
#define OT_CORE_SIGV4_H

#include "opentrail/core.h"
#include "opentrail/status.h"

/**
 * ot_sigv4_signature() - lowercase hex HMAC-SHA256 of @string_to_sign under
 * the key derived from @secret, the scope's @date (YYYYMMDD), @region and
 * @service. Wipes every intermediate key. OT_E_NOMEM when OpenSSL cannot
 * allocate.
 */
ot_status ot_sigv4_signature(const char *secret, struct ot_sv date, struct ot_sv region,
                             struct ot_sv service, struct ot_sv string_to_sign, char out[65]);

#endif
