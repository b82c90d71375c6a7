/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advise/report.c - findings as text (grouped by severity, file:line), JSON,
 * or SARIF 2.1.0 for GitHub code scanning.
 *
 * Stage: advise. Output only: formatting never changes what was found. SARIF
 * follows what GitHub documents it reads: tool.driver.name and rules (with
 * properties.security-severity for the severity column), results with
 * ruleId, ruleIndex, level, message.text and one physicalLocation whose
 * artifactLocation.uri is the path as given and region.startLine >= 1.
 */
#include <stdio.h>
#include <string.h>

#include "advise/model.h"
#include "opentrail/opentrail.h"

#include "core/private.h"

#define CHECK(x)             \
    do {                     \
        ot_status st_ = (x); \
        if (st_ != OT_OK) {  \
            return st_;      \
        }                    \
    } while (0)

static ot_status jstr(struct ot_buf *b, const char *s)
{
    return ot_buf_json_str(b, ot_sv_cstr(s != NULL ? s : ""));
}

static void tally(const struct ot_advise *a, enum ot_severity min, size_t fail[5], size_t *unk)
{
    memset(fail, 0, 5 * sizeof(fail[0]));
    *unk = 0;
    for (size_t i = 0; i < a->nfind; i++) {
        const struct ot_finding *f = &a->findings[i];
        if (f->rule->severity < min) {
            continue;
        }
        if (f->verdict == OT_VERDICT_UNKNOWN) {
            (*unk)++;
        } else {
            fail[f->rule->severity]++;
        }
    }
}

/* ---- text ------------------------------------------------------------------- */

static ot_status text_finding(struct ot_buf *b, const struct ot_finding *f)
{
    if (f->loc.line > 0) {
        CHECK(ot_buf_printf(b, "  %s:%u:%u: ", f->loc.file, f->loc.line, f->loc.col));
    } else {
        CHECK(ot_buf_printf(b, "  %s: ", f->loc.file != NULL ? f->loc.file : "-"));
    }
    CHECK(ot_buf_printf(b, "%s %s: %s\n      %s (fix: opentrail audit --explain %s)\n", f->rule->id,
                        f->resource, f->rule->title, f->message, f->rule->id));
    return OT_OK;
}

static ot_status text(const struct ot_advise *a, enum ot_severity min, struct ot_buf *b)
{
    size_t fail[5], unk;
    tally(a, min, fail, &unk);
    for (int sev = OT_SEV_CRITICAL; sev >= (int)min; sev--) {
        if (fail[sev] == 0) {
            continue;
        }
        CHECK(ot_buf_printf(b, "%s (%zu)\n", ot_severity_str((enum ot_severity)sev), fail[sev]));
        for (size_t i = 0; i < a->nfind; i++) {
            const struct ot_finding *f = &a->findings[i];
            if ((int)f->rule->severity == sev && f->verdict == OT_VERDICT_FAIL) {
                CHECK(text_finding(b, f));
            }
        }
        CHECK(ot_buf_putc(b, '\n'));
    }
    if (unk > 0) {
        CHECK(ot_buf_printf(b, "undetermined: values that are not static (%zu)\n", unk));
        for (size_t i = 0; i < a->nfind; i++) {
            const struct ot_finding *f = &a->findings[i];
            if (f->rule->severity >= min && f->verdict == OT_VERDICT_UNKNOWN) {
                CHECK(text_finding(b, f));
            }
        }
        CHECK(ot_buf_putc(b, '\n'));
    }
    size_t total = fail[0] + fail[1] + fail[2] + fail[3] + fail[4];
    CHECK(ot_buf_printf(b,
                        "%zu trails, %zu buckets, %zu metric filters, %zu alarms, %zu topics: "
                        "%zu findings (%zu critical, %zu high, %zu medium, %zu low, %zu info), "
                        "%zu undetermined\n",
                        a->m.ntrails, a->m.nbuckets, a->m.nfilters, a->m.nalarms, a->m.ntopics,
                        total, fail[4], fail[3], fail[2], fail[1], fail[0], unk));
    return OT_OK;
}

/* ---- JSON ------------------------------------------------------------------- */

static ot_status json_refs(struct ot_buf *b, const struct ot_advise_rule *r)
{
    CHECK(ot_buf_append_cstr(b, "{\"cis\":"));
    CHECK(jstr(b, r->cis));
    CHECK(ot_buf_append_cstr(b, ",\"checkov\":"));
    CHECK(jstr(b, r->checkov));
    CHECK(ot_buf_append_cstr(b, ",\"trivy\":"));
    CHECK(jstr(b, r->trivy));
    CHECK(ot_buf_append_cstr(b, ",\"prowler\":"));
    CHECK(jstr(b, r->prowler));
    return ot_buf_putc(b, '}');
}

static ot_status json(const struct ot_advise *a, enum ot_severity min, struct ot_buf *b)
{
    size_t fail[5], unk;
    tally(a, min, fail, &unk);
    CHECK(ot_buf_printf(b,
                        "{\"summary\":{\"trails\":%zu,\"buckets\":%zu,\"metric_filters\":%zu,"
                        "\"alarms\":%zu,\"topics\":%zu,\"critical\":%zu,\"high\":%zu,"
                        "\"medium\":%zu,\"low\":%zu,\"info\":%zu,\"undetermined\":%zu},"
                        "\"findings\":[",
                        a->m.ntrails, a->m.nbuckets, a->m.nfilters, a->m.nalarms, a->m.ntopics,
                        fail[4], fail[3], fail[2], fail[1], fail[0], unk));
    bool first = true;
    for (size_t i = 0; i < a->nfind; i++) {
        const struct ot_finding *f = &a->findings[i];
        const struct ot_advise_rule *r = f->rule;
        if (r->severity < min) {
            continue;
        }
        CHECK(ot_buf_append_cstr(b, first ? "\n{\"rule\":" : ",\n{\"rule\":"));
        first = false;
        CHECK(jstr(b, r->id));
        CHECK(ot_buf_append_cstr(b, ",\"slug\":"));
        CHECK(jstr(b, r->slug));
        CHECK(ot_buf_printf(b, ",\"severity\":\"%s\",\"verdict\":\"%s\",\"resource\":",
                            ot_severity_str(r->severity),
                            f->verdict == OT_VERDICT_FAIL ? "fail" : "undetermined"));
        CHECK(jstr(b, f->resource));
        CHECK(ot_buf_append_cstr(b, ",\"file\":"));
        CHECK(jstr(b, f->loc.file));
        CHECK(ot_buf_printf(b, ",\"line\":%u,\"col\":%u,\"title\":", f->loc.line, f->loc.col));
        CHECK(jstr(b, r->title));
        CHECK(ot_buf_append_cstr(b, ",\"message\":"));
        CHECK(jstr(b, f->message));
        CHECK(ot_buf_append_cstr(b, ",\"why\":"));
        CHECK(jstr(b, r->why));
        CHECK(ot_buf_append_cstr(b, ",\"fix\":{\"terraform\":"));
        CHECK(jstr(b, r->fix_tf));
        CHECK(ot_buf_append_cstr(b, ",\"config\":"));
        CHECK(jstr(b, r->fix_conf));
        CHECK(ot_buf_append_cstr(b, "},\"references\":"));
        CHECK(json_refs(b, r));
        CHECK(ot_buf_putc(b, '}'));
    }
    return ot_buf_append_cstr(b, "\n]}\n");
}

/* ---- SARIF 2.1.0 -------------------------------------------------------------- */

static const char *sarif_level(enum ot_severity s)
{
    return s >= OT_SEV_HIGH ? "error" : s == OT_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub's severity column: > 9.0 critical, >= 7.0 high, >= 4.0 medium, else low. */
static const char *security_severity(enum ot_severity s)
{
    static const char *const v[] = { "1.0", "3.0", "5.5", "8.0", "9.5" };
    return (unsigned)s < 5 ? v[s] : "1.0";
}

static ot_status sarif_rule(struct ot_buf *b, const struct ot_advise_rule *r)
{
    CHECK(ot_buf_append_cstr(b, "{\"id\":"));
    CHECK(jstr(b, r->id));
    CHECK(ot_buf_append_cstr(b, ",\"name\":"));
    CHECK(jstr(b, r->slug));
    CHECK(ot_buf_append_cstr(b, ",\"shortDescription\":{\"text\":"));
    CHECK(jstr(b, r->title));
    CHECK(ot_buf_append_cstr(b, "},\"fullDescription\":{\"text\":"));
    CHECK(jstr(b, r->why));
    struct ot_buf h = OT_BUF_INIT(64u * 1024u);
    ot_status st = ot_buf_printf(&h,
                                 "%s\n\nTerraform:\n%s\n\nopentrail.yaml:\n%s\n\n"
                                 "CIS: %s; Checkov: %s; Trivy: %s; Prowler: %s",
                                 r->why, r->fix_tf, r->fix_conf, r->cis[0] ? r->cis : "-",
                                 r->checkov[0] ? r->checkov : "-", r->trivy[0] ? r->trivy : "-",
                                 r->prowler[0] ? r->prowler : "-");
    if (st == OT_OK) {
        st = ot_buf_append_cstr(b, "},\"help\":{\"text\":");
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(b, ot_buf_sv(&h));
    }
    ot_buf_cleanup(&h);
    CHECK(st);
    CHECK(ot_buf_printf(b,
                        "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{"
                        "\"security-severity\":\"%s\",\"precision\":\"high\",\"tags\":"
                        "[\"security\",\"cloudtrail\"]}}",
                        sarif_level(r->severity), security_severity(r->severity)));
    return OT_OK;
}

/* A relative path is a relative URI reference (what GitHub wants: run from the
 * repository root); an absolute one becomes file://. Bytes outside the URI
 * unreserved set and '/' are percent-encoded. */
static ot_status sarif_uri(struct ot_buf *b, const char *path)
{
    struct ot_buf u = OT_BUF_INIT(16384);
    ot_status st = path[0] == '/' ? ot_buf_append_cstr(&u, "file://") : OT_OK;
    for (const unsigned char *p = (const unsigned char *)path; st == OT_OK && *p != '\0'; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL;
        st = plain ? ot_buf_putc(&u, (char)*p) : ot_buf_printf(&u, "%%%02X", *p);
    }
    if (st == OT_OK) {
        st = ot_buf_json_str(b, ot_buf_sv(&u));
    }
    ot_buf_cleanup(&u);
    return st;
}

static ot_status sarif(const struct ot_advise *a, enum ot_severity min, struct ot_buf *b)
{
    size_t nrules;
    const struct ot_advise_rule *rules = ot_advise_rules(&nrules);
    CHECK(ot_buf_printf(b,
                        "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                        "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
                        "\"opentrail\",\"version\":\"%s\",\"semanticVersion\":\"%s\","
                        "\"informationUri\":\"https://github.com/opentrail/opentrail\","
                        "\"rules\":[",
                        OPENTRAIL_VERSION, OPENTRAIL_VERSION));
    for (size_t i = 0; i < nrules; i++) {
        if (i > 0) {
            CHECK(ot_buf_putc(b, ','));
        }
        CHECK(sarif_rule(b, &rules[i]));
    }
    CHECK(ot_buf_append_cstr(b, "]}},\"results\":["));
    bool first = true;
    for (size_t i = 0; i < a->nfind; i++) {
        const struct ot_finding *f = &a->findings[i];
        if (f->rule->severity < min) {
            continue;
        }
        CHECK(ot_buf_append_cstr(b, first ? "\n{\"ruleId\":" : ",\n{\"ruleId\":"));
        first = false;
        CHECK(jstr(b, f->rule->id));
        CHECK(ot_buf_printf(
            b,
            ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":", (size_t)(f->rule - rules),
            f->verdict == OT_VERDICT_FAIL ? sarif_level(f->rule->severity) : "note"));
        struct ot_buf m = OT_BUF_INIT(4096);
        ot_status st =
            ot_buf_printf(&m, "%s%s: %s (%s)",
                          f->verdict == OT_VERDICT_FAIL ? "" : "undetermined: ", f->rule->title,
                          f->message, f->resource);
        if (st == OT_OK) {
            st = ot_buf_json_str(b, ot_buf_sv(&m));
        }
        ot_buf_cleanup(&m);
        CHECK(st);
        CHECK(ot_buf_append_cstr(b, "},\"locations\":[{\"physicalLocation\":{"
                                    "\"artifactLocation\":{\"uri\":"));
        CHECK(sarif_uri(b, f->loc.file != NULL ? f->loc.file : "-"));
        CHECK(ot_buf_printf(b, "},\"region\":{\"startLine\":%u,\"startColumn\":%u}}}]}",
                            f->loc.line > 0 ? f->loc.line : 1u, f->loc.col > 0 ? f->loc.col : 1u));
    }
    return ot_buf_append_cstr(b, "\n]}]}\n");
}

ot_status ot_advise_format(const struct ot_advise *a, enum ot_advise_format fmt,
                           enum ot_severity min, struct ot_buf *out)
{
    switch (fmt) {
    case OT_ADVISE_TEXT:
        return text(a, min, out);
    case OT_ADVISE_JSON:
        return json(a, min, out);
    case OT_ADVISE_SARIF:
        return sarif(a, min, out);
    }
    return OT_E_USAGE;
}
