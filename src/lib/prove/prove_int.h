/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prove/prove_int.h - what the files of the prove stage share.
 */
#ifndef OT_PROVE_INT_H
#define OT_PROVE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "opentrail/prove.h"
#include "store/store_int.h"

/* jansson allocates through ot_malloc/ot_free (its hooks are process-wide). */
void ot_prove_json_alloc(void);

/* Is @s usable as an account id or region in a key: 1-64 of [A-Za-z0-9_-]? */
bool ot_prove_name_ok(struct ot_sv s);

#endif
