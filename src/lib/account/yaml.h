/* SPDX-License-Identifier: Apache-2.0 */
/*
 * account/yaml.h - scenario files through the shared YAML tree (core/ytree.h),
 * with the scenario limits (OT_SCENARIO_MAX_*).
 */
#ifndef OT_ACCOUNT_YAML_H
#define OT_ACCOUNT_YAML_H

#include "core/ytree.h"
#include "opentrail/account.h"

static inline ot_status ot_ytree_parse(struct ot_sv yaml, struct ot_ytree *t, struct ot_error *err)
{
    static const struct ot_ylimits lim = {
        .max_bytes = OT_SCENARIO_MAX_BYTES,
        .max_nodes = OT_SCENARIO_MAX_NODES,
        .max_depth = OT_SCENARIO_MAX_DEPTH,
        .kind = "scenario",
        .size_fix = "a scenario is a few KB: is this the right file?",
        .empty_fix = "see docs/examples/seed-scenario.yaml",
    };
    return ot_ytree_parse_lim(yaml, &lim, t, err);
}

#endif
