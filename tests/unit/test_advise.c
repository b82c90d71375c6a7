/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/test_advise.c - the advise stage: the HCL2 reader (tree shape,
 * values, positions, errors), the YAML reader's CloudFormation tags, the
 * rules on small models, and an allocation-failure loop over a whole audit.
 */
#include "advise/doc.h"
#include "helpers.h"

static struct ot_doc *hcl(struct ot_arena *ar, const char *src, struct ot_error *err, ot_status *st)
{
    struct ot_doc *d = NULL;
    *st = ot_hcl_parse(ar, "t.tf", ot_sv_cstr(src), &d, err);
    return d;
}

static const struct ot_doc *nth(const struct ot_doc *d, unsigned n)
{
    const struct ot_doc *c = d->child;
    while (c != NULL && n-- > 0) {
        c = c->next;
    }
    return c;
}

static void test_hcl_values(void **state)
{
    (void)state;
    struct ot_arena ar;
    struct ot_error err;
    ot_status st;
    ot_arena_init(&ar);
    const char *src = "# comment\n"
                      "resource \"aws_cloudtrail\" \"main\" { // trailing\n"
                      "  name   = \"a\\tb\\u00e9\"\n"
                      "  n      = -12.5e3\n"
                      "  on     = true\n"
                      "  ref    = aws_s3_bucket.logs.id\n"
                      "  idx    = aws_s3_bucket.logs[0].arn\n"
                      "  one    = \"${var.x}\"\n"
                      "  tmpl   = \"${aws_cloudwatch_log_group.g.arn}:*\"\n"
                      "  lit    = \"$${not} %%{x}\"\n"
                      "  call   = lookup(var.m, \"k\", null)\n"
                      "  cond   = var.a ? 1 : 2\n"
                      "  list   = [1, \"two\",\n    three]\n"
                      "  obj    = { a = 1, \"b\" : 2\n    c = 3 }\n"
                      "  forx   = [for s in var.l : upper(s) if s != \"\"]\n"
                      "  doc    = <<-EOT\n    {\"a\": 1}\n  EOT\n"
                      "  /* block\n comment */ nested \"x\" {\n    y = null\n  }\n"
                      "}\n";
    struct ot_doc *root = hcl(&ar, src, &err, &st);
    assert_int_equal(st, OT_OK);
    const struct ot_doc *r = root->child;
    assert_non_null(r);
    assert_int_equal(r->kind, OT_DOC_BLOCK);
    assert_true(ot_sv_eq_cstr(r->key, "resource"));
    assert_int_equal(r->nlabel, 2);
    assert_true(ot_sv_eq_cstr(r->label[0], "aws_cloudtrail"));
    assert_true(ot_sv_eq_cstr(r->label[1], "main"));
    assert_int_equal(r->line, 2);
    assert_int_equal(r->col, 1);

    const struct ot_doc *a = ot_doc_get(r, "name");
    assert_int_equal(a->kind, OT_DOC_STR);
    assert_true(ot_sv_eq_cstr(a->text, "a\tb\xc3\xa9")); /* escapes decoded */
    assert_int_equal(a->line, 3);
    assert_int_equal(a->col, 12);
    a = ot_doc_get(r, "n");
    assert_int_equal(a->kind, OT_DOC_NUM);
    assert_true(ot_sv_eq_cstr(a->text, "-12.5e3"));
    assert_int_equal(ot_doc_get(r, "on")->kind, OT_DOC_BOOL);
    assert_true(ot_doc_get(r, "on")->b);
    a = ot_doc_get(r, "ref");
    assert_int_equal(a->kind, OT_DOC_REF);
    assert_true(ot_sv_eq_cstr(a->text, "aws_s3_bucket.logs.id"));
    a = ot_doc_get(r, "idx");
    assert_int_equal(a->kind, OT_DOC_REF);
    assert_true(ot_sv_eq_cstr(a->text, "aws_s3_bucket.logs[0].arn"));
    a = ot_doc_get(r, "one"); /* "${x}" is x */
    assert_int_equal(a->kind, OT_DOC_REF);
    assert_true(ot_sv_eq_cstr(a->text, "var.x"));
    a = ot_doc_get(r, "tmpl");
    assert_int_equal(a->kind, OT_DOC_TMPL);
    assert_int_equal(a->child->kind, OT_DOC_REF);
    assert_int_equal(a->child->next->kind, OT_DOC_STR);
    assert_true(ot_sv_eq_cstr(a->child->next->text, ":*"));
    a = ot_doc_get(r, "lit");
    assert_int_equal(a->kind, OT_DOC_STR);
    assert_true(ot_sv_eq_cstr(a->text, "${not} %{x}"));
    a = ot_doc_get(r, "call");
    assert_int_equal(a->kind, OT_DOC_UNKNOWN);
    assert_true(ot_sv_eq_cstr(a->text, "lookup(var.m, \"k\", null)"));
    a = ot_doc_get(r, "cond");
    assert_int_equal(a->kind, OT_DOC_UNKNOWN);
    assert_true(ot_sv_eq_cstr(a->text, "var.a ? 1 : 2"));
    a = ot_doc_get(r, "list");
    assert_int_equal(a->kind, OT_DOC_LIST);
    assert_int_equal(nth(a, 0)->kind, OT_DOC_NUM);
    assert_int_equal(nth(a, 1)->kind, OT_DOC_STR);
    assert_int_equal(nth(a, 2)->kind, OT_DOC_REF);
    assert_null(nth(a, 3));
    a = ot_doc_get(r, "obj");
    assert_int_equal(a->kind, OT_DOC_OBJ);
    assert_non_null(ot_doc_get(a, "a"));
    assert_non_null(ot_doc_get(a, "b"));
    assert_int_equal(ot_doc_get(a, "c")->line, 16); /* "    c = 3 }" */
    assert_int_equal(ot_doc_get(r, "forx")->kind, OT_DOC_UNKNOWN);
    a = ot_doc_get(r, "doc");
    assert_int_equal(a->kind, OT_DOC_STR);
    assert_true(ot_sv_eq_cstr(a->text, "    {\"a\": 1}\n"));
    a = ot_doc_get(r, "nested");
    assert_int_equal(a->kind, OT_DOC_BLOCK);
    assert_int_equal(a->line, 22); /* the line the block comment ends on */
    assert_int_equal(ot_doc_get(a, "y")->kind, OT_DOC_NULL);
    ot_arena_cleanup(&ar);
}

static void test_hcl_errors(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        ot_status st;
        unsigned line, col; /* derived by reading src */
    } cases[] = {
        { "a = \"x\n", OT_E_PARSE, 1, 5 },            /* the string opened at col 5 */
        { "a = \n", OT_E_PARSE, 1, 5 },               /* newline where the value goes */
        { "b {\n", OT_E_PARSE, 2, 1 },                /* end of file inside the block */
        { "a = [1,\n 2\n", OT_E_PARSE, 3, 1 },        /* the list never closes */
        { "a = f(1 2)\n", OT_E_PARSE, 1, 9 },         /* no comma between arguments */
        { "a = x.\n", OT_E_PARSE, 1, 6 },             /* '.' with nothing after it */
        { "b \"l\" x\n", OT_E_PARSE, 1, 8 },          /* labels then no '{' */
        { "a = \"\\u12\"\n", OT_E_PARSE, 1, 6 },      /* short \u escape */
        { "a = \"\\ud800\"\n", OT_E_PARSE, 1, 6 },    /* a surrogate is no code point */
        { "= 1\n", OT_E_PARSE, 1, 1 },                /* no attribute name */
        { "a = {x = 1 y = 2}\n", OT_E_PARSE, 1, 12 }, /* two items on one line */
        { "\xef\xbb\xbf"
          "a = @\n",
          OT_E_PARSE, 1, 5 }, /* after a BOM, columns restart */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ot_arena ar;
        struct ot_error err = { 0 };
        ot_status st;
        ot_arena_init(&ar);
        (void)hcl(&ar, cases[i].src, &err, &st);
        if (st != cases[i].st || err.line != cases[i].line || err.col != cases[i].col ||
            err.fix[0] == '\0') {
            fail_msg("case %zu: status %d at %u:%u (%s), want %d at %u:%u", i, st, err.line,
                     err.col, err.what, cases[i].st, cases[i].line, cases[i].col);
        }
        ot_arena_cleanup(&ar);
    }
}

static void test_yaml_tags(void **state)
{
    (void)state;
    struct ot_arena ar;
    struct ot_error err;
    struct ot_doc *d = NULL;
    ot_arena_init(&ar);
    const char *src = "R:\n  A: !Ref Bucket\n  B: !GetAtt T.Name\n  C:\n    !Sub |-\n"
                      "      arn:${X}\n  D: True\n  E: 'true'\n  F: 12\n";
    assert_int_equal(ot_yaml_parse(&ar, "t.yaml", ot_sv_cstr(src), &d, &err), OT_OK);
    const struct ot_doc *r = ot_doc_get(d, "R");
    const struct ot_doc *a = ot_doc_get(r, "A");
    assert_int_equal(a->kind, OT_DOC_OBJ);
    assert_true(ot_sv_eq_cstr(a->child->key, "Ref"));
    assert_true(ot_sv_eq_cstr(a->child->text, "Bucket"));
    assert_int_equal(a->line, 2);
    assert_true(ot_sv_eq_cstr(ot_doc_get(r, "B")->child->key, "Fn::GetAtt"));
    const struct ot_doc *c = ot_doc_get(r, "C"); /* the tag on its own line (libfyaml 0.7.12) */
    assert_true(ot_sv_eq_cstr(c->child->key, "Fn::Sub"));
    assert_int_equal(ot_doc_get(r, "D")->kind, OT_DOC_BOOL);
    assert_int_equal(ot_doc_get(r, "E")->kind, OT_DOC_STR); /* quoted: a string */
    assert_int_equal(ot_doc_get(r, "F")->kind, OT_DOC_NUM);
    assert_int_equal(ot_doc_get(r, "F")->line, 9); /* lines kept after the tag fix-up */
    ot_arena_cleanup(&ar);
}

static const char *const module_tf =
    "terraform {\n  required_version = \">= 1.5\"\n}\n"
    "variable \"v\" {\n  default = false\n}\n"
    "resource \"aws_cloudtrail\" \"t\" {\n  s3_bucket_name = aws_s3_bucket.b.id\n"
    "  enable_log_file_validation = var.v\n  is_multi_region_trail = true\n}\n"
    "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"logs\"\n  acl = \"public-read\"\n}\n";

static ot_status audit_once(struct ot_buf *out, size_t *nfind)
{
    struct ot_advise *a = NULL;
    struct ot_error err;
    const char *cfn = "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
                      "      IsMultiRegionTrail: false\n      S3BucketName: !Ref B\n"
                      "  B:\n    Type: AWS::S3::Bucket\n";
    const char *plan =
        "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\",\"planned_values\":"
        "{\"root_module\":{\"resources\":[{\"address\":\"aws_cloudtrail.p\",\"mode\":"
        "\"managed\",\"type\":\"aws_cloudtrail\",\"name\":\"p\",\"values\":{\"name\":\"p\","
        "\"event_selector\":[{\"data_resource\":[{\"type\":\"AWS::S3::Object\",\"values\":"
        "[\"arn:aws:s3\"]}]}]}}]}},\"configuration\":{\"root_module\":{\"resources\":[{"
        "\"address\":\"aws_cloudtrail.p\",\"provider_config_key\":\"aws\",\"expressions\":"
        "{\"kms_key_id\":{\"references\":[\"aws_kms_key.k.arn\"]}}}]}}}";
    const char *trails = "{\"trailList\":[{\"Name\":\"e\",\"S3BucketName\":\"b\","
                         "\"TrailARN\":\"arn:aws:cloudtrail:us-east-1:111122223333:trail/e\"}]}";
    const char *pab = "{\"PublicAccessBlockConfiguration\":{\"BlockPublicAcls\":true}}";
    ot_status st = ot_advise_new(&a);
    if (st == OT_OK) {
        st = ot_advise_add(a, "m.tf", module_tf, strlen(module_tf), &err);
    }
    if (st == OT_OK) {
        st = ot_advise_add(a, "plan.json", plan, strlen(plan), &err);
    }
    if (st == OT_OK) {
        st = ot_advise_add_export(a, "x/cloudtrail_describe-trails.json", trails, strlen(trails),
                                  &err);
    }
    if (st == OT_OK) {
        st = ot_advise_add_export(a, "x/s3api_get-public-access-block_b.json", pab, strlen(pab),
                                  &err);
    }
    if (st == OT_OK) {
        st = ot_advise_add_export(a, "x/s3api_get-bucket-logging_b.json", "", 0, &err);
    }
    if (st == OT_OK) {
        st = ot_advise_add(a, "c.yaml", cfn, strlen(cfn), &err);
    }
    if (st == OT_OK) {
        st = ot_advise_run(a, &err);
    }
    if (st == OT_OK) {
        st = ot_advise_format(a, OT_ADVISE_SARIF, OT_SEV_INFO, out);
    }
    if (st == OT_OK) {
        (void)ot_advise_findings(a, nfind);
    }
    ot_advise_free(a);
    return st;
}

static bool has(struct ot_advise *a, const char *rule, const char *resource)
{
    size_t n;
    const struct ot_finding *f = ot_advise_findings(a, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f[i].rule->id, rule) == 0 && strcmp(f[i].resource, resource) == 0 &&
            f[i].verdict == OT_VERDICT_FAIL) {
            return true;
        }
    }
    return false;
}

static void test_rules_small(void **state)
{
    (void)state;
    struct ot_advise *a = NULL;
    struct ot_error err;
    assert_int_equal(ot_advise_new(&a), OT_OK);
    assert_int_equal(ot_advise_add(a, "m.tf", module_tf, strlen(module_tf), &err), OT_OK);
    assert_int_equal(ot_advise_run(a, &err), OT_OK);
    assert_true(has(a, "OT-CT-003", "aws_cloudtrail.t"));  /* var.v defaults to false */
    assert_false(has(a, "OT-CT-001", "aws_cloudtrail.t")); /* multi-region */
    assert_true(has(a, "OT-S3-001", "aws_s3_bucket.b"));   /* public-read ACL */
    assert_true(has(a, "OT-TF-004", "m.tf"));              /* no backend */
    assert_false(has(a, "OT-TF-001", "m.tf"));             /* required_version */
    size_t n;
    const struct ot_finding *f = ot_advise_findings(a, &n);
    for (size_t i = 1; i < n; i++) { /* sorted: severity never rises */
        assert_true(f[i - 1].rule->severity >= f[i].rule->severity);
    }
    assert_int_equal(ot_advise_run(a, &err), OT_E_USAGE); /* runs once */
    ot_advise_free(a);

    enum ot_severity s;
    assert_true(ot_severity_parse("HIGH", &s));
    assert_int_equal(s, OT_SEV_HIGH);
    assert_false(ot_severity_parse("urgent", &s));
    size_t nr;
    const struct ot_advise_rule *r = ot_advise_rules(&nr);
    for (size_t i = 0; i < nr; i++) { /* every row of the table is complete */
        assert_non_null(r[i].id);
        assert_non_null(r[i].title);
        assert_non_null(r[i].why);
        assert_non_null(r[i].fix_tf);
        assert_non_null(r[i].cis);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(r[i].id, r[j].id);
        }
    }
}

static void test_alloc_failures(void **state)
{
    (void)state;
    struct ot_buf ref = OT_BUF_INIT(1u << 24);
    size_t nref = 0;
    assert_int_equal(audit_once(&ref, &nref), OT_OK);
    assert_true(nref > 10);
    /* every input kind reached the model: the plan's trail, the export's trail and bucket */
    assert_non_null(strstr(ref.data, "aws_cloudtrail.p"));
    assert_non_null(strstr(ref.data, "does not set all four settings"));
    if (!ot_alloc_fail_after(0)) {
        skip(); /* a build without fail points cannot run this loop */
    }
    bool done = false;
    for (unsigned long n = 1; n < 100000 && !done; n++) {
        struct ot_buf out = OT_BUF_INIT(1u << 24);
        size_t nf = 0;
        ot_alloc_fail_after(n);
        ot_status st = audit_once(&out, &nf);
        ot_alloc_fail_after(0);
        if (st == OT_OK) {
            assert_int_equal(nf, nref);
            assert_memory_equal(out.data, ref.data, ref.len);
            done = true;
        } else if (st != OT_E_NOMEM) {
            fail_msg("allocation %lu: status %d, want OT_E_NOMEM", n, st);
        }
        ot_buf_cleanup(&out);
    }
    assert_true(done);
    ot_buf_cleanup(&ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hcl_values),     cmocka_unit_test(test_hcl_errors),
        cmocka_unit_test(test_yaml_tags),      cmocka_unit_test(test_rules_small),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
