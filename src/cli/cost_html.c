/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cost_html.c - `opentrail cost --html FILE`: a self-contained report for
 * a CFO or a security lead: totals, the cost table, a bar chart of cost by
 * component, a line chart of S3 storage cost over 36 months with and without
 * the lifecycle rules, the savings advice and the prices used with their
 * sources. Charts are inline SVG and there is no script, font or image to
 * fetch: the file opens the same offline. Every text from input is escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cost.h"

static void esc(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            (void)fputs("&amp;", f);
            break;
        case '<':
            (void)fputs("&lt;", f);
            break;
        case '>':
            (void)fputs("&gt;", f);
            break;
        case '"':
            (void)fputs("&quot;", f);
            break;
        case '\'':
            (void)fputs("&#39;", f);
            break;
        default:
            (void)fputc(*s, f);
        }
    }
}

static const char *usd(int64_t micros, char *buf, size_t n)
{
    ot_format_usd(micros, false, buf, n);
    return buf;
}

static const char *const colors[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" };

struct comp {
    const char *name;
    int64_t month1, years3;
};

static size_t components(const struct ot_cost *c, struct comp *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nlines; i++) {
        size_t j = 0;
        while (j < n && strcmp(out[j].name, c->lines[i].component) != 0) {
            j++;
        }
        if (j == n) {
            if (n == cap) {
                continue;
            }
            out[n++] = (struct comp){ c->lines[i].component, 0, 0 };
        }
        out[j].month1 += c->lines[i].month1;
        out[j].years3 += c->lines[i].years3;
    }
    return n;
}

/* Horizontal bars: 3-year cost per component. */
static void chart_components(FILE *f, const struct ot_cost *c)
{
    struct comp comp[16];
    size_t n = components(c, comp, 16);
    int64_t max = 1;
    char a[32], b[32];
    for (size_t i = 0; i < n; i++) {
        max = comp[i].years3 > max ? comp[i].years3 : max;
    }
    unsigned h = 40 + 34 * (unsigned)n;
    (void)fprintf(f,
                  "<svg id=\"chart-components\" role=\"img\" width=\"760\" height=\"%u\" "
                  "viewBox=\"0 0 760 %u\" xmlns=\"http://www.w3.org/2000/svg\">\n"
                  "<title>Cost by component over 3 years</title>\n",
                  h, h);
    for (size_t i = 0; i < n; i++) {
        double w = 330.0 * (double)comp[i].years3 / (double)max;
        unsigned y = 20 + 34 * (unsigned)i;
        (void)fprintf(f, "<text x=\"110\" y=\"%u\" text-anchor=\"end\" font-size=\"14\">", y + 17);
        esc(f, comp[i].name);
        (void)fprintf(f,
                      "</text><rect x=\"120\" y=\"%u\" width=\"%.1f\" height=\"24\" fill=\"%s\"/>"
                      "<text x=\"%.1f\" y=\"%u\" font-size=\"13\">%s (3 years) &#183; %s/month"
                      "</text>\n",
                      y, w < 1 ? 1 : w, colors[i % 8], 128 + (w < 1 ? 1 : w), y + 17,
                      usd(comp[i].years3, a, sizeof(a)), usd(comp[i].month1, b, sizeof(b)));
    }
    (void)fprintf(f, "</svg>\n");
}

/* Two lines over 36 months: S3 storage cost with and without the lifecycle rules. */
static void chart_storage(FILE *f, const struct ot_cost *c)
{
    int64_t max = 1;
    char a[32];
    for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
        max = c->growth[m].storage_flat > max ? c->growth[m].storage_flat : max;
        max = c->growth[m].storage > max ? c->growth[m].storage : max;
    }
    const double x0 = 80, y0 = 250, w = 640, h = 220;
    (void)fprintf(f,
                  "<svg id=\"chart-storage\" role=\"img\" width=\"760\" height=\"300\" "
                  "viewBox=\"0 0 760 300\" xmlns=\"http://www.w3.org/2000/svg\">\n"
                  "<title>S3 storage cost per month, with and without lifecycle rules</title>\n"
                  "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>\n"
                  "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>\n",
                  x0, y0, x0 + w, y0, x0, y0, x0, y0 - h);
    for (int k = 0; k <= 4; k++) {
        double y = y0 - h * k / 4.0;
        (void)fprintf(f,
                      "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%s</text>"
                      "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                      x0 - 6, y + 4, usd(max * k / 4, a, sizeof(a)), x0, y, x0 + w, y);
    }
    for (unsigned m = 0; m < OT_COST_MONTHS; m += 6) {
        (void)fprintf(f,
                      "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" font-size=\"12\">%u"
                      "</text>\n",
                      x0 + w * m / (OT_COST_MONTHS - 1), y0 + 18, m + 1);
    }
    (void)fprintf(f,
                  "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" font-size=\"12\">month"
                  "</text>\n",
                  x0 + w / 2, y0 + 36);
    for (int line = 0; line < 2; line++) {
        (void)fprintf(f, "<polyline fill=\"none\" stroke-width=\"3\" stroke=\"%s\" points=\"",
                      line ? "#d62728" : "#2ca02c");
        for (unsigned m = 0; m < OT_COST_MONTHS; m++) {
            int64_t v = line ? c->growth[m].storage_flat : c->growth[m].storage;
            (void)fprintf(f, "%.1f,%.1f ", x0 + w * m / (OT_COST_MONTHS - 1),
                          y0 - h * (double)v / (double)max);
        }
        (void)fprintf(f, "\"/>\n");
    }
    (void)fprintf(f,
                  "<rect x=\"100\" y=\"14\" width=\"14\" height=\"4\" fill=\"#2ca02c\"/>"
                  "<text x=\"120\" y=\"20\" font-size=\"12\">with the lifecycle rules (month 36: "
                  "%s)</text>\n",
                  usd(c->growth[OT_COST_MONTHS - 1].storage, a, sizeof(a)));
    (void)fprintf(f,
                  "<rect x=\"420\" y=\"14\" width=\"14\" height=\"4\" fill=\"#d62728\"/>"
                  "<text x=\"440\" y=\"20\" font-size=\"12\">all in Standard, never expired "
                  "(month 36: %s)</text>\n</svg>\n",
                  usd(c->growth[OT_COST_MONTHS - 1].storage_flat, a, sizeof(a)));
}

static void table_lines(FILE *f, const struct ot_cost *c)
{
    char q[40], a[32], b[32], d[32];
    (void)fputs("<table id=\"lines\"><tr><th>component</th><th>item</th><th>quantity/month</th>"
                "<th>unit</th><th>month 1</th><th>year 1</th><th>3 years</th></tr>\n",
                f);
    for (size_t i = 0; i < c->nlines; i++) {
        const struct ot_cost_line *l = &c->lines[i];
        cost_fmt_qty(l, l->quantity, q, sizeof(q));
        (void)fputs("<tr><td>", f);
        esc(f, l->component);
        (void)fputs("</td><td>", f);
        esc(f, l->item);
        (void)fprintf(f, "</td><td class=\"n\">%s</td><td>", q);
        esc(f, l->unit);
        (void)fprintf(f,
                      "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
                      "</td></tr>\n",
                      usd(l->month1, a, sizeof(a)), usd(l->year1, b, sizeof(b)),
                      usd(l->years3, d, sizeof(d)));
    }
    (void)fprintf(f,
                  "<tr class=\"total\"><td>TOTAL</td><td></td><td></td><td></td><td "
                  "class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n"
                  "</table>\n",
                  usd(c->month1, a, sizeof(a)), usd(c->year1, b, sizeof(b)),
                  usd(c->years3, d, sizeof(d)));
}

static void section_advice(FILE *f, const struct ot_advice_list *al)
{
    char a[32], b[32];
    (void)fputs("<h2>Savings advice</h2>\n<table id=\"advice\"><tr><th>saves / month</th>"
                "<th>over 3 years</th><th>change</th><th>coverage given up</th></tr>\n",
                f);
    for (size_t i = 0; i < al->n; i++) {
        const struct ot_advice *v = &al->v[i];
        (void)fprintf(f, "<tr><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
                      usd(v->save_month, a, sizeof(a)), usd(v->save_years3, b, sizeof(b)));
        esc(f, v->title);
        (void)fputs("</td><td>", f);
        esc(f, v->gives_up);
        (void)fputs("</td></tr>\n", f);
    }
    if (al->n == 0) {
        (void)fputs("<tr><td colspan=\"4\">Nothing to save: the trails log only what they "
                    "need.</td></tr>\n",
                    f);
    }
    if (al->selfhost_bytes_month == 0) {
        (void)fputs("</table>\n<p>Self-hosted on opentrail, the event charges above become the "
                    "cost of a disk: give events.bytes_per_event, or measure the logs with "
                    "--from, to price it.</p>\n",
                    f);
        return;
    }
    (void)fprintf(f,
                  "</table>\n<p>Self-hosted on opentrail: %s the first month, %s over 3 "
                  "years on the price book's disk price.</p>\n",
                  usd(al->selfhost_month1, a, sizeof(a)), usd(al->selfhost_years3, b, sizeof(b)));
}

static void section_measured(FILE *f, const struct cost_measured *m)
{
    (void)fprintf(f, "<h2>Measured</h2>\n<p>%llu records in %llu files, ",
                  (unsigned long long)m->records, (unsigned long long)m->files);
    esc(f, m->first);
    (void)fputs(" .. ", f);
    esc(f, m->last);
    (void)fprintf(f,
                  "; projected to a 30-day month from %u day%s. Management read %llu, write "
                  "%llu, data %llu, network activity %llu, Insights %llu; extra copies of "
                  "management events %llu.</p>\n",
                  m->days_used, m->days_used == 1 ? "" : "s",
                  (unsigned long long)m->cat[CAT_MGMT_READ],
                  (unsigned long long)m->cat[CAT_MGMT_WRITE], (unsigned long long)m->cat[CAT_DATA],
                  (unsigned long long)m->cat[CAT_NETWORK], (unsigned long long)m->cat[CAT_INSIGHT],
                  (unsigned long long)(m->dups[CAT_MGMT_READ] + m->dups[CAT_MGMT_WRITE]));
    if (m->ntrails < 2) {
        return;
    }
    (void)fputs("<table id=\"trails\"><tr><th>trail (where its files are)</th><th>records</th>"
                "<th>in other trails too</th><th>only here</th></tr>\n",
                f);
    for (size_t i = 0; i < m->ntrails; i++) {
        (void)fputs("<tr><td>", f);
        esc(f, m->trails[i].path);
        (void)fprintf(f,
                      "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td "
                      "class=\"n\">%llu</td></tr>\n",
                      (unsigned long long)m->trails[i].records,
                      (unsigned long long)m->trails[i].shared,
                      (unsigned long long)m->trails[i].only_here);
    }
    (void)fputs("</table>\n", f);
}

static void section_prices(FILE *f, const struct cost_result *r)
{
    char a[32];
    (void)fputs("<h2>Prices used</h2>\n<table id=\"prices\"><tr><th>price</th><th>per</th>"
                "<th>as of</th><th>source</th></tr>\n",
                f);
    for (size_t i = 0; i < r->cost->nlines; i++) {
        const struct ot_price *p = ot_pricebook_get(r->pb, r->cost->lines[i].price_id);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(r->cost->lines[j].price_id, r->cost->lines[i].price_id) == 0;
        }
        if (p == NULL || seen) {
            continue;
        }
        ot_format_usd(p->micros, true, a, sizeof(a));
        (void)fputs("<tr><td>", f);
        esc(f, p->item);
        (void)fprintf(f, ": %s</td><td>%llu ", a, (unsigned long long)p->per);
        esc(f, p->unit);
        (void)fputs("</td><td>", f);
        esc(f, p->as_of);
        (void)fputs("</td><td>", f);
        esc(f, p->source);
        (void)fputs(" [", f);
        esc(f, p->confidence);
        (void)fputs("]</td></tr>\n", f);
    }
    (void)fputs("</table>\n", f);
}

static void page(FILE *f, const struct cost_opts *o, const struct cost_result *r)
{
    const struct ot_cost *c = r->cost;
    char a[32], b[32], d[32];
    (void)fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\">\n<title>opentrail cost: ",
                f);
    esc(f, r->s->name);
    (void)fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
                "table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;"
                "padding:4px 10px;text-align:left}td.n{text-align:right;font-variant-numeric:"
                "tabular-nums}tr.total td{font-weight:bold;border-top:2px solid #333}"
                ".cards{display:flex;gap:1em}.card{border:1px solid #ccc;border-radius:6px;"
                "padding:1em 2em}.card b{display:block;font-size:1.8em}</style>\n"
                "</head><body>\n<h1>What the audit trail costs: ",
                f);
    esc(f, r->s->name);
    (void)fputs("</h1>\n<p>Region ", f);
    esc(f, r->pb->region);
    (void)fputs(", prices from the ", f);
    esc(f, o->prices ? o->prices : "built-in");
    (void)fputs(" price book ", f);
    esc(f, r->pb->version);
    (void)fprintf(f,
                  " (%s). Money is exact to the micro-dollar; a month is 30 days.</p>\n"
                  "<div class=\"cards\"><div class=\"card\" id=\"month\">month 1<b>%s</b></div>"
                  "<div class=\"card\" id=\"year\">year 1<b>%s</b></div>"
                  "<div class=\"card\" id=\"years3\">3 years<b>%s</b></div></div>\n",
                  r->pb->currency, usd(c->month1, a, sizeof(a)), usd(c->year1, b, sizeof(b)),
                  usd(c->years3, d, sizeof(d)));
    const struct ot_cost_line *big = cost_largest_line(c);
    if (big != NULL) {
        (void)fputs("<p id=\"largest\">The largest line is <b>", f);
        esc(f, big->component);
        (void)fputs(", ", f);
        esc(f, big->item);
        (void)fprintf(f, "</b>: %s over 3 years, %.1f%% of the total.</p>\n",
                      usd(big->years3, a, sizeof(a)),
                      100.0 * (double)big->years3 / (double)c->years3);
    }
    if (r->m != NULL) {
        section_measured(f, r->m);
    }
    (void)fputs("<h2>Cost by component</h2>\n", f);
    chart_components(f, c);
    table_lines(f, c);
    (void)fputs("<h2>S3 storage over 36 months</h2>\n", f);
    if (c->growth[OT_COST_MONTHS - 1].bytes_flat > 0) {
        chart_storage(f, c);
    } else {
        (void)fputs("<p>No S3 storage in this scenario (no bytes per event, or S3 out of "
                    "scope).</p>\n",
                    f);
    }
    if (o->advise) {
        section_advice(f, r->advice);
    }
    section_prices(f, r);
    (void)fputs("<p>Generated by opentrail cost " OPENTRAIL_VERSION ".</p>\n</body></html>\n", f);
}

int cost_write_html(const struct cost_opts *o, const struct cost_result *r)
{
    FILE *f = fopen(o->html, "w");
    if (f == NULL) {
        (void)fprintf(stderr, "opentrail cost: %s: %s (check the --html path)\n", o->html,
                      strerror(errno));
        return CLI_USAGE;
    }
    page(f, o, r);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        (void)fprintf(stderr, "opentrail cost: %s: writing the report failed\n", o->html);
        return CLI_SYSTEM;
    }
    return CLI_OK;
}
