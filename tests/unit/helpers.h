/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/helpers.h - cmocka includes and small helpers shared by unit tests. */
#ifndef OT_TEST_HELPERS_H
#define OT_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "opentrail/opentrail.h"

#define SV(s) ot_sv_cstr(s)

#endif
