/* SPDX-License-Identifier: Apache-2.0 */
/* cli/cost_from.c - measured mode (placeholder). */
#include <stdio.h>

#include "cost.h"
int cost_measure(const struct cost_opts *o, struct cost_result *r)
{
    (void)o;
    (void)r;
    (void)fprintf(stderr, "opentrail cost: --from is not implemented yet (issue 7)\n");
    return CLI_USAGE;
}
int cost_write_html(const struct cost_opts *o, const struct cost_result *r)
{
    (void)o;
    (void)r;
    (void)fprintf(stderr, "opentrail cost: --html is not implemented yet (issue 7)\n");
    return CLI_USAGE;
}
