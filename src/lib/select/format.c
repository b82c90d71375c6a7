/* SPDX-License-Identifier: Apache-2.0 */
/*
 * select/format.c - a trail's selectors back as get-event-selectors JSON.
 *
 * Stage: select. `opentrail config show` prints what a trail will keep; the
 * control API's GetEventSelectors will answer with the same text. The
 * default trail prints as CloudTrail prints it: one basic selector, All.
 */
#include <string.h>

#include "select/select_int.h"

#include "core/private.h"

static const char *const op_names[SEL_NOPS] = { "Equals",    "StartsWith",    "EndsWith",
                                                "NotEquals", "NotStartsWith", "NotEndsWith" };

static ot_status list_json(struct ot_buf *b, const struct sel_list *l)
{
    ot_status st = ot_buf_putc(b, '[');
    for (uint32_t i = 0; i < l->n && st == OT_OK; i++) {
        if (i > 0) {
            st = ot_buf_putc(b, ',');
        }
        if (st == OT_OK) {
            st = ot_buf_json_str(b, ot_sv_cstr(l->v[i]));
        }
    }
    return st == OT_OK ? ot_buf_putc(b, ']') : st;
}

static ot_status basic_json(struct ot_buf *b, const struct sel_basic *s)
{
    static const char *const rw[] = { "All", "ReadOnly", "WriteOnly" };
    ot_status st = ot_buf_printf(b,
                                 "{\"ReadWriteType\":\"%s\",\"IncludeManagementEvents\":%s,"
                                 "\"DataResources\":[",
                                 rw[s->rw], s->management ? "true" : "false");
    for (uint32_t r = 0; r < s->nr && st == OT_OK; r++) {
        st = ot_buf_printf(b, "%s{\"Type\":\"%s\",\"Values\":", r ? "," : "",
                           ot_sel_rtype_names[s->r[r].type]);
        if (st == OT_OK) {
            st = list_json(b, &s->r[r].values);
        }
        if (st == OT_OK) {
            st = ot_buf_putc(b, '}');
        }
    }
    if (st == OT_OK) {
        st = ot_buf_printf(b, "],\"ExcludeManagementEventSources\":[%s%s%s]}",
                           s->exclude_kms ? "\"kms.amazonaws.com\"" : "",
                           s->exclude_kms && s->exclude_rdsdata ? "," : "",
                           s->exclude_rdsdata ? "\"rdsdata.amazonaws.com\"" : "");
    }
    return st;
}

static ot_status adv_json(struct ot_buf *b, const struct sel_adv *a)
{
    ot_status st = ot_buf_append_cstr(b, "{");
    if (a->name != NULL && st == OT_OK) {
        st = ot_buf_append_cstr(b, "\"Name\":");
        if (st == OT_OK) {
            st = ot_buf_json_str(b, ot_sv_cstr(a->name));
        }
        if (st == OT_OK) {
            st = ot_buf_putc(b, ',');
        }
    }
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "\"FieldSelectors\":[");
    }
    for (uint32_t i = 0; i < a->nf && st == OT_OK; i++) {
        st = ot_buf_append_cstr(b, i ? ",{\"Field\":" : "{\"Field\":");
        if (st == OT_OK) {
            st = ot_buf_json_str(b, ot_sv_cstr(a->f[i].name));
        }
        for (int o = 0; o < SEL_NOPS && st == OT_OK; o++) {
            if (a->f[i].op[o].n == 0) {
                continue;
            }
            st = ot_buf_printf(b, ",\"%s\":", op_names[o]);
            if (st == OT_OK) {
                st = list_json(b, &a->f[i].op[o]);
            }
        }
        if (st == OT_OK) {
            st = ot_buf_putc(b, '}');
        }
    }
    return st == OT_OK ? ot_buf_append_cstr(b, "]}") : st;
}

ot_status ot_selectors_json(const struct ot_selectors *s, struct ot_buf *b)
{
    ot_status st;
    if (s->kind == OT_SELECT_ADVANCED) {
        st = ot_buf_append_cstr(b, "{\"AdvancedEventSelectors\":[");
        for (uint32_t i = 0; i < s->nadv && st == OT_OK; i++) {
            st = i ? ot_buf_putc(b, ',') : OT_OK;
            if (st == OT_OK) {
                st = adv_json(b, &s->adv[i]);
            }
        }
    } else if (s->kind == OT_SELECT_BASIC) {
        st = ot_buf_append_cstr(b, "{\"EventSelectors\":[");
        for (uint32_t i = 0; i < s->nbasic && st == OT_OK; i++) {
            st = i ? ot_buf_putc(b, ',') : OT_OK;
            if (st == OT_OK) {
                st = basic_json(b, &s->basic[i]);
            }
        }
    } else {
        static const struct sel_basic all = { .rw = SEL_RW_ALL, .management = true };
        st = ot_buf_append_cstr(b, "{\"EventSelectors\":[");
        if (st == OT_OK) {
            st = basic_json(b, &all);
        }
    }
    return st == OT_OK ? ot_buf_append_cstr(b, "]}") : st;
}
