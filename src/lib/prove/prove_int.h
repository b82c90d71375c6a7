/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/prove_int.h - what the files of the prove stage share.
 */
#ifndef OT_PROVE_INT_H
#define OT_PROVE_INT_H

#include <stdint.h>

#include "opentrail/prove.h"
#include "store/store_int.h"

/* jansson allocates through ot_malloc/ot_free (its hooks are process-wide). */
void ot_prove_json_alloc(void);

#endif
