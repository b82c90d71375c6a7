#!/usr/bin/env bash
# `opentrail audit`: Checkov's fixtures give Checkov's verdicts, the guide's
# main.tf gives exactly the findings predicted in docs/audit.md, SARIF passes a
# schema check, exit codes work in CI, and malformed input gets file:line:col.
. "$(dirname "$0")/lib.sh"
A=$(cd "$(dirname "$0")/audit" && pwd)
PY=/usr/bin/python3

expect_rc "audit --help" 0 "$OT" audit --help
expect_grep "--help names the formats" "text.*json.*sarif|sarif" "$T/out"
expect_rc "audit with no input is a usage error" 2 "$OT" audit
expect_rc "unknown --format is a usage error" 2 "$OT" audit --format xml "$A/good.tf"
expect_rc "unknown --min-severity is a usage error" 2 "$OT" audit --min-severity urgent "$A/good.tf"
expect_rc "--list-rules" 0 "$OT" audit --list-rules
expect_eq "--list-rules: 15 CIS metric-filter rules" "$(grep -c '^OT-CW-0[01][0-9] ' "$T/out" | tr -d ' ')" "16"

# --- Checkov fixtures (table test; expectations read from Checkov's files) ---
OT="$OT" SHARED="$SHARED" $PY "$A/checkov_table.py" >"$T/checkov.log" 2>&1
cat "$T/checkov.log"
expect_eq "checkov table ran" "$(grep -c '^ok - ' "$T/checkov.log" | tr -d ' ')" "29"

# --- the guide's "production ready" main.tf ------------------------------------
# Predicted by reading ../shared/corpora/guide/main.tf (reasoning in docs/audit.md):
# the trail (line 30) is multi-region, validated, logging (default) and takes
# global events, so OT-CT-001/003/005/008 pass; it has no is_organization_trail,
# kms_key_id, cloud_watch_logs_group_arn, sns_topic_name or insight_selector
# (OT-CT-002/004/006/007/011); with no CloudWatch delivery none of the 15 CIS
# filter+alarm pairs can exist (OT-CW-001..015, reported at the trail). The
# bucket (line 16) has AES256 encryption but no public access block, no access
# logging, no lifecycle, no versioning/MFA delete/object lock, and is declared
# with the trail's own provider (OT-S3-002/003/004/005/006); nothing makes it
# public (OT-S3-001 passes). The terraform block (line 1) has required_version
# and a pinned aws provider, the region comes from a variable, but there is no
# backend (OT-TF-004).
want="OT-CT-002 aws_cloudtrail.main 30
OT-CT-004 aws_cloudtrail.main 30
OT-CT-006 aws_cloudtrail.main 30
OT-CT-007 aws_cloudtrail.main 30
OT-CT-011 aws_cloudtrail.main 30"
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15; do
    want="$want
OT-CW-0$i aws_cloudtrail.main 30"
done
want="$want
OT-S3-002 aws_s3_bucket.cloudtrail_logs 16
OT-S3-003 aws_s3_bucket.cloudtrail_logs 16
OT-S3-004 aws_s3_bucket.cloudtrail_logs 16
OT-S3-005 aws_s3_bucket.cloudtrail_logs 16
OT-S3-006 aws_s3_bucket.cloudtrail_logs 16
OT-TF-004 $SHARED/corpora/guide/main.tf 1"
expect_rc "guide main.tf: findings exit 1" 1 "$OT" audit --format json --min-severity info "$SHARED/corpora/guide/main.tf"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]: print(f["rule"], f["resource"], f["line"], f["verdict"])
' "$T/out" | sort)
expect_eq "guide main.tf: exactly the predicted findings" "$got" "$(echo "$want" | sed 's/$/ fail/' | sort)"
expect_rc "guide main.tf: nothing critical (exit 0 at --min-severity critical)" 0 "$OT" audit --min-severity critical "$SHARED/corpora/guide/main.tf"
expect_rc "guide main.tf: high findings (exit 1 at --min-severity high)" 1 "$OT" audit --min-severity high "$SHARED/corpora/guide/main.tf"
expect_grep "text is grouped by severity, high first" "^high \(3\)" "$T/out"
expect_grep "text names file:line:col" "guide/main.tf:16:1: OT-S3-002 aws_s3_bucket.cloudtrail_logs" "$T/out"
if grep -q '^medium' "$T/out"; then notok "--min-severity high hides medium"; else ok "--min-severity high hides medium"; fi

# --- a module split over files, with references, locals and var defaults -----
expect_rc "good module: only the 14 CIS pairs it lacks (exit 1)" 1 "$OT" audit --format json --min-severity info "$A/good.tf" "$A/vars.tf"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(sorted(f["rule"] for f in d["findings"])))' "$T/out")
# good.tf wires CloudTrail changes (CIS 4.5, OT-CW-005) to a subscribed topic; every other
# best practice is set, the bucket uses the log_archive provider, var.multi_region defaults to true
expect_eq "good module findings" "$got" "OT-CW-001 OT-CW-002 OT-CW-003 OT-CW-004 OT-CW-006 OT-CW-007 OT-CW-008 OT-CW-009 OT-CW-010 OT-CW-011 OT-CW-012 OT-CW-013 OT-CW-014 OT-CW-015"
sed 's/aws_sns_topic_subscription" "oncall/aws_sns_topic_policy" "oncall/' "$A/good.tf" >"$T/nosub.tf"
"$OT" audit --format json "$T/nosub.tf" "$A/vars.tf" >"$T/nosub.json"
expect_eq "alarm whose topic has no subscriber fails CIS 4.5 and OT-CW-016" "$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(sorted(f["rule"]+":"+f["resource"] for f in d["findings"] if f["rule"] in ("OT-CW-005","OT-CW-016"))))' "$T/nosub.json")" "OT-CW-005:aws_cloudwatch_metric_alarm.trail_changes OT-CW-016:aws_cloudwatch_metric_alarm.trail_changes"

# --- unknown values are reported, never guessed; hygiene --------------------
expect_rc "directory input" 1 "$OT" audit --format json --min-severity info "$A/unknown"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["verdict"]=="undetermined" or f["rule"].startswith("OT-TF"): print(f["rule"], f["verdict"], f["line"])' "$T/out" | sort)
# main.tf: line 7 a conditional, line 8 a variable without default, line 9 a function call,
# line 10 a bucket not among the inputs; provider region literal (line 14), no
# required_version/backend, provider not in required_providers (line 13), a state file beside it
expect_eq "undetermined and hygiene findings" "$got" "$(printf '%s\n' 'OT-CT-001 undetermined 7' 'OT-CT-003 undetermined 8' 'OT-CT-004 undetermined 9' 'OT-S3-007 undetermined 10' 'OT-TF-001 fail 1' 'OT-TF-002 fail 13' 'OT-TF-003 fail 14' 'OT-TF-004 fail 1' 'OT-TF-005 fail 0' | sort)"
expect_grep "the unknown expression is quoted" 'var.multi \? true : false' "$T/out"

# --- SARIF ------------------------------------------------------------------------
expect_rc "sarif output" 1 "$OT" audit --format sarif --min-severity info -o "$T/g.sarif" "$SHARED/corpora/guide/main.tf" "$A/unknown"
"$OT" audit --format json --min-severity info "$SHARED/corpora/guide/main.tf" "$A/unknown" >"$T/g.json"
# The schema is a subset written from the SARIF 2.1.0 spec and GitHub's upload
# requirements: the official OASIS schema is not on this machine nor in Debian.
if $PY - "$A/sarif-2.1.0-github.schema.json" "$T/g.sarif" "$T/g.json" >"$T/sarif.log" 2>&1 <<'PYEOF'
import json, sys
import jsonschema
schema, sarif, js = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.validate(sarif, schema)
run = sarif["runs"][0]
rules = run["tool"]["driver"]["rules"]
assert len({r["id"] for r in rules}) == len(rules), "rule ids unique"
for res in run["results"]:
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"], res
assert len(run["results"]) == len(js["findings"]), (len(run["results"]), len(js["findings"]))
levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
for res, f in zip(run["results"], js["findings"]):
    assert res["ruleId"] == f["rule"]
    want = levels[f["severity"]] if f["verdict"] == "fail" else "note"
    assert res["level"] == want, (res, f)
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == max(f["line"], 1)
bad = json.loads(json.dumps(sarif)); bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
try:
    jsonschema.validate(bad, schema); raise SystemExit("schema accepted startLine 0")
except jsonschema.ValidationError:
    pass
print("sarif valid:", len(run["results"]), "results,", len(rules), "rules")
PYEOF
then ok "SARIF validates and matches the JSON findings ($(cat "$T/sarif.log"))"; else notok "SARIF: $(cat "$T/sarif.log")"; fi

# --- malformed input: one line with file:line:col, exit 3, others still audited --
bad() { # NAME CONTENT WANT_POS  (WANT_POS derived by reading CONTENT)
    printf '%b' "$2" >"$T/bad.tf"
    "$OT" audit "$T/bad.tf" "$SHARED/corpora/guide/main.tf" >"$T/bo" 2>"$T/be"
    local rc=$?
    if [ $rc -eq 3 ] && grep -q "bad.tf:$3: " "$T/be" && [ "$(wc -l <"$T/be")" -eq 1 ] && grep -q "1 trails" "$T/bo"; then
        ok "malformed: $1 -> bad.tf:$3, exit 3"
    else
        notok "malformed: $1: rc $rc, stderr $(cat "$T/be")"
    fi
}
bad "unterminated string" 'resource "a" "b" {\n  name = "abc\n}\n' "2:10"
bad "missing value" 'x =\n' "1:4"
bad "unclosed block" 'resource "a" "b" {\n  x = 1\n' "3:1"
bad "stray brace" 'x = 1\n}\n' "2:1"
bad "two items on a line" 'a = 1 b = 2\n' "1:7"
bad "bad escape (points at the backslash)" 'a = "x\\qy"\n' "1:7"
bad "unterminated comment" 'a = 1\n/* open\n' "2:1"
bad "list without comma" 'a = [1 2]\n' "1:8"
deep=$(printf '%.0s[' $(seq 1 200))
# the file body is level 1, so the 64th '[' (column 4 + 64) is level 65: past OT_HCL_MAX_DEPTH
bad "nesting past the limit" "a = $deep\n" "1:68"
printf 'Resources:\n  T:\n    Type: [unclosed\n' >"$T/bad.yaml"
expect_rc "malformed YAML exits 3" 3 "$OT" audit "$T/bad.yaml"
expect_grep "YAML error has line:col" "bad.yaml:[0-9]+:[0-9]+: invalid YAML" "$T/err"
expect_rc "unknown file kind" 3 "$OT" audit "$A/checkov_table.py"
expect_rc "missing file" 3 "$OT" audit "$T/nope.tf"
expect_grep "missing file names the path" "nope.tf: cannot open" "$T/err"
bad "unterminated heredoc" 'a = 1\nb = <<EOT\nline\n' "2:5"

# --- terraform show -json --------------------------------------------------------
# plan/guide-plan.json is the plan the guide's main.tf would give (written by hand in
# Terraform 1.5's format): the same resources and values, s3_bucket_name "known after
# apply" with the configuration naming aws_s3_bucket.cloudtrail_logs. So: the guide's
# findings, by resource address, minus OT-TF-004 (a plan has no terraform block).
expect_rc "plan JSON" 1 "$OT" audit --format json --min-severity info "$A/plan/guide-plan.json"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]: print(f["rule"], f["resource"])' "$T/out" | sort)
expect_eq "plan: the guide's findings without the hygiene one" "$got" "$(echo "$want" | grep -v OT-TF-004 | cut -d' ' -f1,2 | sort)"
printf '{"format_version": "1.2", "terraform_version": "1.5.7",\n  "planned_values": {,}}\n' >"$T/badplan.json"
expect_rc "malformed plan exits 3" 3 "$OT" audit "$T/badplan.json"
expect_grep "plan error has line:col" "badplan.json:2:22: invalid JSON" "$T/err"

# --- AWS CLI exports (--aws-export) ----------------------------------------------
# exports/ holds what the script in docs/audit.md writes for one account. Read by hand:
# org-trail is multi-region, organization, validated, KMS, CloudWatch, SNS, global events,
# but get-trail-status says IsLogging false (OT-CT-005), its selector logs data events for
# every bucket ("arn:aws:s3", OT-CT-009) and get-insight-selectors is {} (OT-CT-011).
# eu-trail is single-region, no validation, no KMS/CloudWatch/SNS, no global events, not
# an organization trail (OT-CT-001/002/003/004/006/007/008/011) and its bucket eu-logs was
# not exported (OT-S3-007, undetermined). org-trail-logs: public access block complete,
# KMS, lifecycle to GLACIER with expiry, policy only for cloudtrail.amazonaws.com, but
# get-bucket-logging empty, as the CLI prints it when logging is off (OT-S3-004) and MFADelete Disabled without object lock (OT-S3-006). The one
# metric filter covers CIS 4.5 and its alarm notifies the subscribed topic "security", so
# the other 14 CIS pairs fail (at org-trail, the first trail).
expect_rc "--aws-export" 1 "$OT" audit --format json --min-severity info --aws-export "$A/exports"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]: print(f["rule"], f["resource"], f["verdict"])' "$T/out" | sort)
want_exp="OT-CT-005 org-trail fail
OT-CT-009 org-trail fail
OT-CT-011 org-trail fail
OT-CT-001 eu-trail fail
OT-CT-002 eu-trail fail
OT-CT-003 eu-trail fail
OT-CT-004 eu-trail fail
OT-CT-006 eu-trail fail
OT-CT-007 eu-trail fail
OT-CT-008 eu-trail fail
OT-CT-011 eu-trail fail
OT-S3-007 eu-trail undetermined
OT-S3-004 org-trail-logs fail
OT-S3-006 org-trail-logs fail"
for i in 01 02 03 04 06 07 08 09 10 11 12 13 14 15; do
    want_exp="$want_exp
OT-CW-0$i org-trail fail"
done
expect_eq "exports: exactly the predicted findings" "$got" "$(echo "$want_exp" | sort)"
expect_grep "logging-off finding points at get-trail-status" "cloudtrail_get-trail-status_org-trail.json\",\"line\":2" "$T/out"
mkdir -p "$T/exp"
printf '{"trailList": [\n  {"Name": "a" "b"}\n]}\n' >"$T/exp/cloudtrail_describe-trails.json"
expect_rc "malformed export exits 3" 3 "$OT" audit --aws-export "$T/exp"
expect_grep "export error has line:col" "cloudtrail_describe-trails.json:2:[0-9]+: invalid YAML/JSON" "$T/err"

# --- opentrail.yaml -----------------------------------------------------------------
# Read by hand: trail main is multi-region, validated, global events, KMS; logging and
# metric filters are built into the daemon (IsLogging and watch default on), so OT-CT-005/006
# pass. No IsOrganizationTrail (OT-CT-002), no SnsTopicName (OT-CT-007), no InsightSelectors
# (OT-CT-011). The root-usage filter (CIS 4.3) has an alarm whose action names the notifier
# "security", so OT-CW-003 passes and the other 14 fail. No S3 bucket: no bucket rules.
expect_rc "opentrail.yaml" 1 "$OT" audit --format json --min-severity info "$A/opentrail.yaml"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(sorted(f["rule"] for f in d["findings"])))' "$T/out")
expect_eq "opentrail.yaml: exactly the predicted findings" "$got" "OT-CT-002 OT-CT-007 OT-CT-011 OT-CW-001 OT-CW-002 OT-CW-004 OT-CW-005 OT-CW-006 OT-CW-007 OT-CW-008 OT-CW-009 OT-CW-010 OT-CW-011 OT-CW-012 OT-CW-013 OT-CW-014 OT-CW-015"

# --- risky/main.tf: the rules that the other fixtures pass --------------------------
# Read by hand: trail "first" (line 10) is set up well but logs data events of every
# Lambda function (values = ["arn:aws:lambda"], line 28: OT-CT-009); trail "second"
# (line 33) records management events a second time (OT-CT-010). Both use bucket
# "public" (line 47, audited once): canned ACL public-read (line 49) and a policy
# allowing Principal "*" (line 71) are OT-S3-001 twice; its public access block (line 84)
# leaves block_public_policy false (OT-S3-002); same default provider as the trails
# (OT-S3-003); the lifecycle rule (line 60) archives but never expires (OT-S3-005);
# versioning has mfa_delete and logging is on, so OT-S3-004/006 pass. required_version,
# the old-style pin aws = "~> 5.0" and backend "s3" {} pass the hygiene rules. Both
# trails deliver to CloudWatch but there are no metric filters: the 15 CIS pairs fail
# at "first".
expect_rc "risky module" 1 "$OT" audit --format json --min-severity info "$A/risky/main.tf"
got=$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]:
    if not f["rule"].startswith("OT-CW"): print(f["rule"], f["resource"], f["line"])
print(sum(1 for f in d["findings"] if f["rule"].startswith("OT-CW") and f["resource"] == "aws_cloudtrail.first" and f["line"] == 10))' "$T/out" | sort)
expect_eq "risky module: exactly the predicted findings" "$got" "$(printf '%s\n' 15 'OT-CT-009 aws_cloudtrail.first 28' 'OT-CT-010 aws_cloudtrail.second 33' 'OT-S3-001 aws_s3_bucket.public 49' 'OT-S3-001 aws_s3_bucket.public 71' 'OT-S3-002 aws_s3_bucket.public 84' 'OT-S3-003 aws_s3_bucket.public 47' 'OT-S3-005 aws_s3_bucket.public 60' | sort)"
expect_rc "risky module: critical findings (public bucket) exit 1 at critical" 1 "$OT" audit --min-severity critical "$A/risky/main.tf"

# A CIS filter on another log group does not watch the trail: good.tf's CloudTrail-changes
# filter moved to aws_cloudwatch_log_group.other makes CIS 4.5 (OT-CW-005) fail too.
sed 's/log_group_name = aws_cloudwatch_log_group.trail.name/log_group_name = aws_cloudwatch_log_group.other.name/' "$A/good.tf" >"$T/othergroup.tf"
"$OT" audit --format json "$T/othergroup.tf" "$A/vars.tf" >"$T/og.json"
expect_eq "filter on another log group: CIS 4.5 fails" "$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(sum(1 for f in d["findings"] if f["rule"].startswith("OT-CW")), [f["resource"] for f in d["findings"] if f["rule"] == "OT-CW-005"])' "$T/og.json")" "15 ['aws_cloudtrail.org']"
"$OT" audit --format sarif "$SHARED/corpora/guide/main.tf" >"$T/abs.sarif"
expect_grep "absolute paths become file:// URIs in SARIF" '"uri":"file:///' "$T/abs.sarif"

# Two CloudFormation templates deploy to two accounts: a trail in each is no duplicate.
# The CloudtrailMultiRegion-FAILED template alone holds two logging trails (MyTrail0
# line 3, MyTrail1 line 9): MyTrail1 is the second copy.
C=$SHARED/corpora/checkov/cloudformation/checks/resource/aws
"$OT" audit --format json --min-severity info "$C/example_CloudtrailMultiRegion/CloudtrailMultiRegion-FAILED.yaml" "$C/example_CloudtrailMultiRegion/CloudtrailMultiRegion-PASSED.yaml" >"$T/dup.json"
expect_eq "duplicate trails only within one account" "$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print([(f["resource"], f["file"].rsplit("/",1)[1]) for f in d["findings"] if f["rule"] == "OT-CT-010"])' "$T/dup.json")" "[('MyTrail1', 'CloudtrailMultiRegion-FAILED.yaml')]"

# dynamic blocks are decided at plan time: undetermined, not guessed
printf 'resource "aws_cloudtrail" "d" {\n  name = "d"\n  dynamic "insight_selector" {\n    for_each = var.insights\n    content {\n      insight_type = insight_selector.value\n    }\n  }\n  dynamic "event_selector" {\n    for_each = var.selectors\n    content {\n      read_write_type = "All"\n    }\n  }\n}\n' >"$T/dyn.tf"
"$OT" audit --format json --min-severity info "$T/dyn.tf" >"$T/dyn.json"
expect_eq "dynamic selector blocks are undetermined" "$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(sorted(f["rule"] for f in d["findings"] if f["verdict"] == "undetermined"))' "$T/dyn.json")" "['OT-CT-009', 'OT-CT-011']"

# A bucket in another account: every s3api call refused, so every export is {} (the
# script's fallback). That is "not exported" (OT-S3-007), not seven missing settings.
mkdir -p "$T/xacct"
cp "$A/exports/cloudtrail_describe-trails.json" "$T/xacct/"
for c in get-bucket-policy get-public-access-block get-bucket-encryption get-bucket-versioning get-bucket-lifecycle-configuration get-bucket-logging get-object-lock-configuration; do
    echo '{}' >"$T/xacct/s3api_${c}_org-trail-logs.json"
done
"$OT" audit --format json --min-severity info --aws-export "$T/xacct" >"$T/xacct.json"
expect_eq "bucket whose exports are all empty is not audited" "$($PY -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(sorted((f["rule"], f["verdict"]) for f in d["findings"] if f["rule"].startswith("OT-S3") and f["resource"] in ("org-trail", "org-trail-logs")))' "$T/xacct.json")" "[('OT-S3-007', 'undetermined')]"

expect_rc "--explain a rule" 0 "$OT" audit --explain OT-CT-004
expect_grep "--explain gives the Terraform fix" "kms_key_id = aws_kms_key" "$T/out"
expect_grep "--explain gives the references" "CKV_AWS_35" "$T/out"
expect_rc "--explain by name" 0 "$OT" audit --explain log-file-validation
expect_rc "--explain an unknown rule" 2 "$OT" audit --explain OT-XX-999

printf '{"resource": {}}\n' >"$T/x.tf.json"
expect_rc "Terraform JSON syntax is refused with a fix" 3 "$OT" audit "$T/x.tf.json"
expect_grep "the fix names terraform show -json" "terraform show -json" "$T/err"
head -c $((16 * 1024 * 1024 + 10)) /dev/zero | tr '\0' '#' >"$T/huge.tf"
expect_rc "a file over 16 MiB is refused" 3 "$OT" audit "$T/huge.tf"
expect_grep "the size limit is named" "larger than 16777216 bytes" "$T/err"

# docs/audit.md's rule table lists the same rules, severities and names as the binary
DOC="$(dirname "$0")/../../docs/audit.md"
got=$("$OT" audit --list-rules | awk 'NR % 2 == 1 { print $1, $2, $3 }')
want_doc=$(grep '^| OT-' "$DOC" | awk -F' [|] ' '{ gsub(/^[|] /, "", $1); gsub(/`/, "", $3); print $1, $2, $3 }')
expect_eq "docs/audit.md rule table matches --list-rules" "$got" "$want_doc"
