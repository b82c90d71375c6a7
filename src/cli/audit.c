/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/audit.c - `opentrail audit`: check audit-trail configuration (Terraform
 * .tf files, CloudFormation templates) against the best practices, and print
 * the findings as text, JSON or SARIF. Exit 1 when a finding is at or above
 * --min-severity, 3 when an input could not be read (the rest was audited).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opentrail/advise.h"

/* Inputs named on one command line, directories expanded. */
#define CLI_AUDIT_MAX_FILES 4096u

static void help(FILE *f)
{
    (void)fprintf(
        f, "usage: opentrail audit [OPTIONS] FILE|DIR...\n"
           "\n"
           "Audit the configuration of an audit trail against the best practices (CIS AWS\n"
           "Foundations, and the checks of Checkov, Trivy and Prowler): trails, their S3\n"
           "bucket, CloudWatch metric filters and alarms, SNS topics, Terraform hygiene.\n"
           "\n"
           "inputs:\n"
           "  *.tf                    Terraform HCL; all .tf files of a run form one module\n"
           "  DIR                     every *.tf and *.tfstate file in DIR (not recursive)\n"
           "  *.yaml *.yml *.json     CloudFormation templates (AWS::CloudTrail::Trail, ...)\n"
           "  *.tfstate               reported: state files do not belong in a repository\n"
           "  *.json                  CloudFormation, or `terraform show -json` output\n"
           "  opentrail.yaml          opentrail's own config (CloudTrail API field names)\n"
           "  --aws-export DIR        AWS CLI exports written by the script in docs/audit.md\n"
           "\n"
           "options:\n"
           "  -f, --format FMT        text (default; grouped by severity, file:line), json,\n"
           "                          or sarif (SARIF 2.1.0 for GitHub code scanning)\n"
           "  -s, --min-severity S    info, low (default), medium, high or critical: show\n"
           "                          only findings at or above S, and exit 1 if there is one\n"
           "  -o, --output FILE       write the report to FILE instead of standard output\n"
           "      --aws-export DIR    also read the AWS CLI JSON exports in DIR\n"
           "      --list-rules        print the rule table (id, severity, name, references)\n"
           "      --explain ID        why a rule matters and how to fix it (Terraform and\n"
           "                          opentrail.yaml snippets), by id or name\n"
           "  -h, --help              this help\n"
           "\n"
           "Values Terraform computes at plan time (variables without a default, function\n"
           "calls, conditionals) are reported as undetermined, never guessed.\n"
           "\n"
           "exit status: 0 no finding at or above S; 1 findings at or above S; 2 usage;\n"
           "3 an input could not be read or parsed (the others were audited); 4 system error.\n"
           "See docs/audit.md.\n");
}

/* --explain ID: everything the table knows about one rule. */
static int explain(const char *id)
{
    size_t n;
    const struct ot_advise_rule *r = ot_advise_rules(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r[i].id, id) == 0 || strcmp(r[i].slug, id) == 0) {
            (void)printf("%s %s (%s)\n%s\n\nWhy: %s\n\nFix in Terraform:\n%s\n\n"
                         "Fix in opentrail.yaml / the CloudTrail API:\n%s\n\n"
                         "References: CIS %s | Checkov %s | Trivy %s | Prowler %s\n",
                         r[i].id, r[i].slug, ot_severity_str(r[i].severity), r[i].title, r[i].why,
                         r[i].fix_tf, r[i].fix_conf[0] ? r[i].fix_conf : "-",
                         r[i].cis[0] ? r[i].cis : "-", r[i].checkov[0] ? r[i].checkov : "-",
                         r[i].trivy[0] ? r[i].trivy : "-", r[i].prowler[0] ? r[i].prowler : "-");
            return CLI_OK;
        }
    }
    return cli_usage_error("audit", "no rule '%s' (see --list-rules)", id);
}

static int list_rules(void)
{
    size_t n;
    const struct ot_advise_rule *r = ot_advise_rules(&n);
    for (size_t i = 0; i < n; i++) {
        (void)printf("%-10s %-8s %-34s %s\n           CIS %s | Checkov %s | Trivy %s | "
                     "Prowler %s\n",
                     r[i].id, ot_severity_str(r[i].severity), r[i].slug, r[i].title,
                     r[i].cis[0] ? r[i].cis : "-", r[i].checkov[0] ? r[i].checkov : "-",
                     r[i].trivy[0] ? r[i].trivy : "-", r[i].prowler[0] ? r[i].prowler : "-");
    }
    return CLI_OK;
}

/* Read all of @path into @b (at most its limit). */
static ot_status slurp(const char *path, struct ot_buf *b, struct ot_error *err);

/* Read all of @path (at most OT_ADVISE_MAX_FILE_BYTES + 1 bytes, so the library
 * sees that it is too big) and give it to the session. */
static ot_status add_file(struct ot_advise *a, const char *path, bool is_export,
                          struct ot_error *err)
{
    struct ot_buf b = OT_BUF_INIT(OT_ADVISE_MAX_FILE_BYTES + 1u);
    ot_status st = slurp(path, &b, err);
    if (st == OT_OK) {
        st = is_export ? ot_advise_add_export(a, path, b.data != NULL ? b.data : "", b.len, err)
                       : ot_advise_add(a, path, b.data != NULL ? b.data : "", b.len, err);
    }
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
    }
    ot_buf_cleanup(&b);
    return st;
}

static ot_status slurp(const char *path, struct ot_buf *bp, struct ot_error *err)
{
    struct ot_buf b = *bp;
    ot_status st = OT_OK;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        st = ot_fail(err, OT_E_IO, "check the path and its permissions", "cannot open: %s",
                     strerror(errno));
        ot_error_at(err, "%s", path);
        return st;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        size_t room = b.limit - b.len;
        if (ot_buf_append(&b, chunk, n < room ? n : room) != OT_OK) {
            st = ot_fail(err, OT_E_NOMEM, "free memory", "out of memory reading the file");
            break;
        }
        if (b.len == b.limit) {
            break;
        }
    }
    if (st == OT_OK && ferror(f)) {
        st = ot_fail(err, OT_E_IO, "check the file", "read error");
    }
    if (fclose(f) != 0 && st == OT_OK) {
        st = ot_fail(err, OT_E_IO, "check the file", "close failed");
    }
    if (st != OT_OK) {
        ot_error_at(err, "%s", path);
        ot_buf_cleanup(&b);
    }
    *bp = b;
    return st;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* DIR: its *.tf and *.tfstate files (or *.json for exports), sorted, so output
 * order is stable. */
static int expand_dir(const char *dir, char ***list, size_t *n, bool json)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        (void)fprintf(stderr, "opentrail: %s: cannot open directory: %s\n", dir, strerror(errno));
        return CLI_BADINPUT;
    }
    struct dirent *e;
    size_t start = *n;
    int rc = CLI_OK;
    while ((e = readdir(d)) != NULL) {
        if (json ? !has_suffix(e->d_name, ".json")
                 : !has_suffix(e->d_name, ".tf") && !has_suffix(e->d_name, ".tfstate")) {
            continue;
        }
        if (*n >= CLI_AUDIT_MAX_FILES) {
            (void)fprintf(stderr, "opentrail: %s: more than %u files (audit fewer at once)\n", dir,
                          CLI_AUDIT_MAX_FILES);
            rc = CLI_BADINPUT;
            break;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = ot_malloc(len);
        if (p == NULL) {
            rc = CLI_SYSTEM;
            break;
        }
        (void)snprintf(p, len, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", e->d_name);
        (*list)[(*n)++] = p;
    }
    (void)closedir(d); /* read-only directory handle: nothing to lose */
    qsort(*list + start, *n - start, sizeof(char *), cmp_str);
    return rc;
}

/* A terraform.tfstate beside audited .tf files is in the repository too. */
static void add_state_beside(char **list, size_t *n, const char *tf)
{
    const char *slash = strrchr(tf, '/');
    size_t dl = slash != NULL ? (size_t)(slash - tf + 1) : 0;
    char path[4096];
    if (dl + sizeof("terraform.tfstate") > sizeof(path)) {
        return;
    }
    (void)snprintf(path, sizeof(path), "%.*sterraform.tfstate", (int)dl, tf);
    struct stat sb;
    if (stat(path, &sb) != 0 || *n >= CLI_AUDIT_MAX_FILES) {
        return;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(list[i], path) == 0) {
            return;
        }
    }
    list[*n] = ot_strndup(path, strlen(path));
    if (list[*n] != NULL) {
        (*n)++;
    }
}

int cli_audit(int argc, char **argv, const struct cli_global *g)
{
    (void)g;
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "min-severity", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "list-rules", no_argument, NULL, 'L' },
        { "aws-export", required_argument, NULL, 'E' },
        { "explain", required_argument, NULL, 'X' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum ot_advise_format fmt = OT_ADVISE_TEXT;
    enum ot_severity min = OT_SEV_LOW;
    const char *output = NULL;
    const char *export_dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:s:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                fmt = OT_ADVISE_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                fmt = OT_ADVISE_JSON;
            } else if (strcmp(optarg, "sarif") == 0) {
                fmt = OT_ADVISE_SARIF;
            } else {
                return cli_usage_error("audit", "--format is text, json or sarif, not '%s'",
                                       optarg);
            }
            break;
        case 's':
            if (!ot_severity_parse(optarg, &min)) {
                return cli_usage_error(
                    "audit", "--min-severity is info, low, medium, high or critical, not '%s'",
                    optarg);
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'L':
            return list_rules();
        case 'E':
            export_dir = optarg;
            break;
        case 'X':
            return explain(optarg);
        case 'h':
            help(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("audit", "unknown option");
        }
    }
    if (optind >= argc && export_dir == NULL) {
        return cli_usage_error("audit", "name at least one file or directory to audit");
    }

    int rc = CLI_OK;
    struct ot_advise *a = NULL;
    struct ot_buf out = OT_BUF_INIT(256u * 1024u * 1024u);
    struct ot_error err;
    size_t nfiles = 0;
    char **files = ot_calloc(CLI_AUDIT_MAX_FILES, sizeof(char *));
    if (files == NULL || ot_advise_new(&a) != OT_OK) {
        (void)fprintf(stderr, "opentrail: out of memory\n");
        rc = CLI_SYSTEM;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            int r = expand_dir(argv[i], &files, &nfiles, false);
            rc = r > rc ? r : rc;
        } else if (nfiles >= CLI_AUDIT_MAX_FILES) {
            (void)fprintf(stderr, "opentrail: %s: more than %u files (audit fewer at once)\n",
                          argv[i], CLI_AUDIT_MAX_FILES);
            rc = CLI_BADINPUT;
        } else {
            files[nfiles] = ot_strndup(argv[i], strlen(argv[i]));
            if (files[nfiles] == NULL) {
                rc = CLI_SYSTEM;
                goto out;
            }
            nfiles++;
        }
    }
    for (size_t i = 0, n0 = nfiles; i < n0; i++) {
        if (has_suffix(files[i], ".tf")) {
            add_state_beside(files, &nfiles, files[i]);
        }
    }
    size_t nplain = nfiles;
    if (export_dir != NULL) {
        int r = expand_dir(export_dir, &files, &nfiles, true);
        rc = r > rc ? r : rc;
    }
    bool bad = rc != CLI_OK;
    for (size_t i = 0; i < nfiles; i++) {
        ot_status st = add_file(a, files[i], i >= nplain, &err);
        if (st == OT_E_NOMEM) {
            cli_print_error(&err);
            rc = CLI_SYSTEM;
            goto out;
        }
        if (st != OT_OK) {
            cli_print_error(&err);
            bad = true;
        }
    }
    ot_status st = ot_advise_run(a, &err);
    if (st == OT_OK) {
        st = ot_advise_format(a, fmt, min, &out);
        if (st != OT_OK) {
            (void)ot_fail(&err, st, "free memory", "cannot format the report");
        }
    }
    if (st != OT_OK) {
        cli_print_error(&err);
        rc = cli_exit_for(st);
        goto out;
    }
    FILE *o = output != NULL ? fopen(output, "w") : stdout;
    if (o == NULL) {
        (void)fprintf(stderr, "opentrail: %s: cannot create: %s\n", output, strerror(errno));
        rc = CLI_SYSTEM;
        goto out;
    }
    size_t wrote = fwrite(out.data != NULL ? out.data : "", 1, out.len, o);
    int closed;
    if (output != NULL) {
        closed = fclose(o);
    } else {
        closed = fflush(stdout);
    }
    if (wrote != out.len || closed != 0) {
        (void)fprintf(stderr, "opentrail: cannot write the report\n");
        rc = CLI_SYSTEM;
        goto out;
    }
    size_t nf;
    const struct ot_finding *f = ot_advise_findings(a, &nf);
    bool verdict = false;
    for (size_t i = 0; i < nf; i++) {
        verdict |= f[i].verdict == OT_VERDICT_FAIL && f[i].rule->severity >= min;
    }
    /* an unreadable input means the audit is incomplete: that outranks findings */
    rc = bad ? CLI_BADINPUT : verdict ? CLI_VERDICT : CLI_OK;
out:
    for (size_t i = 0; files != NULL && i < nfiles; i++) {
        ot_free(files[i]);
    }
    ot_free(files);
    ot_buf_cleanup(&out);
    ot_advise_free(a);
    return rc;
}
