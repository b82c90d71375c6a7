/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opentrail.h - the umbrella header of libopentrail.
 */
#ifndef OPENTRAIL_H
#define OPENTRAIL_H

#define OPENTRAIL_VERSION "0.1.0"

#include "opentrail/account.h"
#include "opentrail/advise.h"
#include "opentrail/alert.h"
#include "opentrail/capture.h"
#include "opentrail/config.h"
#include "opentrail/core.h"
#include "opentrail/keep.h"
#include "opentrail/limits.h"
#include "opentrail/prove.h"
#include "opentrail/record.h"
#include "opentrail/scan.h"
#include "opentrail/select.h"
#include "opentrail/spool.h"
#include "opentrail/status.h"
#include "opentrail/store.h"
#include "opentrail/watch.h"

#endif
