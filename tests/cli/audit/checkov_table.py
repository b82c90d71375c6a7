#!/usr/bin/python3
# tests/cli/audit/checkov_table.py - every Checkov fixture in ../shared/corpora/checkov
# gives the pass/fail Checkov expects, for the opentrail rule that checks the same thing.
#
# Expected verdicts come from Checkov, never from our output:
#   * Terraform resource checks: expected_results.json ("passing"/"failing" resource lists)
#     for tests/terraform/.../test_<X>.py, whose fixture folder is example_<X>/;
#   * the graph check CloudtrailHasCloudwatch: its expected.yaml (pass:/fail: lists);
#   * CloudFormation checks: the file name (-PASSED / -FAILED), for every
#     AWS::CloudTrail::Trail in the template (Checkov's own convention).
# A resource passes when opentrail reports no failing finding of the mapped rule for it.
# Prints "ok - ..." / "not ok - ..." lines for tests/run.sh.
import json
import os
import subprocess
import sys

OT = os.environ["OT"]
C = os.path.join(os.environ["SHARED"], "corpora", "checkov")

# Checkov check module -> the opentrail rule testing the same property (docs/audit.md)
RULE = {
    "CloudtrailDefinesSNSTopic": "OT-CT-007",   # CKV_AWS_252
    "CloudtrailEnableLogging": "OT-CT-005",     # CKV_AWS_251
    "CloudtrailEncryptionWithCMK": "OT-CT-004", # CKV_AWS_35
    "CloudtrailEncryption": "OT-CT-004",        # CKV_AWS_35 (CloudFormation)
    "CloudtrailEventDataStoreUsesCMK": "OT-CT-012",  # CKV_AWS_294
    "CloudtrailLogValidation": "OT-CT-003",     # CKV_AWS_36
    "CloudtrailMultiRegion": "OT-CT-001",       # CKV_AWS_67
    "CloudtrailHasCloudwatch": "OT-CT-006",     # CKV2_AWS_10
}

n_ok = n_bad = 0


def report(good, msg):
    global n_ok, n_bad
    if good:
        n_ok += 1
        print("ok - " + msg)
    else:
        n_bad += 1
        print("not ok - " + msg)


def audit(paths):
    p = subprocess.run([OT, "audit", "--format", "json", "--min-severity", "info"] + paths,
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        report(False, "audit %s exited %d: %s" % (paths, p.returncode, p.stderr[:300]))
        return None
    return json.loads(p.stdout)


def failing(doc, rule):
    return {f["resource"] for f in doc["findings"] if f["rule"] == rule and f["verdict"] == "fail"}


def check(name, paths, rule, passing, failing_want):
    doc = audit(paths)
    if doc is None:
        return
    got = failing(doc, rule)
    for r in passing:
        report(r not in got, "%s: %s passes %s" % (name, r, rule))
    for r in failing_want:
        report(r in got, "%s: %s fails %s" % (name, r, rule))


expected = json.load(open(os.path.join(C, "expected_results.json")))
tf_cases = 0
for test, e in sorted(expected.items()):
    if not test.startswith("tests/terraform/") or e["passing"] is None:
        continue  # CloudFormation and the two empty Terraform entries are handled below
    mod = e["check_module"]
    fixture = os.path.basename(test)[len("test_"):-len(".py")]
    d = os.path.join(C, "terraform/checks/resource/aws", "example_" + fixture)
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".tf"))
    check(mod, files, RULE[mod], e["passing"], e["failing"])
    tf_cases += 1
report(tf_cases == 4, "4 Terraform resource checks with expected lists (got %d)" % tf_cases)

# graph check: expected.yaml is two flat lists; read without a YAML library
g = os.path.join(C, "terraform/graph/checks/resources/CloudtrailHasCloudwatch")
want = {"pass": [], "fail": []}
key = None
for line in open(os.path.join(g, "expected.yaml")):
    s = line.strip()
    if s.endswith(":"):
        key = s[:-1]
    elif s.startswith("- ") and key in want:
        want[key].append(s[2:].strip().strip('"'))
report(len(want["pass"]) == 1 and len(want["fail"]) == 1, "CloudtrailHasCloudwatch expected.yaml read")
check("CloudtrailHasCloudwatch", [os.path.join(g, "main.tf")], RULE["CloudtrailHasCloudwatch"],
      want["pass"], want["fail"])

# CloudFormation: the verdict is in the file name and applies to every trail in it
cfn = os.path.join(C, "cloudformation/checks/resource/aws")
n_cfn = 0
for d in sorted(os.listdir(cfn)):
    mod = d[len("example_"):]
    for f in sorted(os.listdir(os.path.join(cfn, d))):
        path = os.path.join(cfn, d, f)
        doc = audit([path])
        if doc is None:
            continue
        n_cfn += 1
        report(doc["summary"]["trails"] >= 1, "%s: at least one trail read" % f)
        got = failing(doc, RULE[mod])
        if "-FAILED" in f:
            report(len(got) == doc["summary"]["trails"], "%s: every trail fails %s (%s)" % (f, RULE[mod], sorted(got)))
        else:
            report(len(got) == 0, "%s: no trail fails %s (%s)" % (f, RULE[mod], sorted(got)))
report(n_cfn == 7, "7 CloudFormation fixtures audited (got %d)" % n_cfn)
sys.exit(0)
