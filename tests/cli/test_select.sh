#!/usr/bin/env bash
# opentrail select over the real corpora. Every expected count is derived by
# an independent jq translation of the spec section 4 rule over the same
# records, never copied from our own output.
. "$(dirname "$0")/lib.sh"
C=$SHARED/corpora
"$OT" cat "$C/invictus-aws-dataset" "$C/stratus-red-team/detonation-logs" >"$T/all.ndjson" 2>/dev/null
total=$(wc -l <"$T/all.ndjson")
[ "$total" -gt 100 ] && ok "corpus has $total records" || notok "corpus too small: $total"

# a record's category: eventCategory, else AwsVpceEvent -> NetworkActivity,
# managementEvent false -> Data, else Management (docs/selectors.md)
CAT='(.eventCategory // (if .eventType == "AwsVpceEvent" then "NetworkActivity" elif .managementEvent == false then "Data" else "Management" end))'
jqcount() { jq -c "select($1)" "$T/all.ndjson" | wc -l; }

# 1. the default trail: all management events
want=$(jqcount "$CAT == \"Management\"")
printf 'EventSelectors: [{}]\n' >"$T/all-mgmt.yaml"
expect_rc "select --selectors (all management)" 0 "$OT" select --selectors "$T/all-mgmt.yaml" "$T/all.ndjson"
expect_eq "all management events kept" "$(wc -l <"$T/out")" "$want"
expect_grep "counts on stderr" "kept $want, dropped $((total - want))" "$T/err"

# 2. basic: write-only management, KMS excluded
want=$(jqcount "$CAT == \"Management\" and .readOnly == false and .eventSource != \"kms.amazonaws.com\"")
cat >"$T/wo.json" <<'J'
{"EventSelectors":[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true,"ExcludeManagementEventSources":["kms.amazonaws.com"]}]}
J
expect_rc "basic WriteOnly without KMS" 0 "$OT" select --selectors "$T/wo.json" --count "$T/all.ndjson"
expect_grep "WriteOnly without KMS count ($want)" "kept $want," "$T/err"
expect_eq "--count prints no records" "$(wc -c <"$T/out")" "0"

# 3. its advanced equivalent (spec 4.2) keeps the same records
cat >"$T/wo-adv.yaml" <<'J'
AdvancedEventSelectors:
  - Name: Management
    FieldSelectors:
      - {Field: eventCategory, Equals: [Management]}
      - {Field: eventSource, NotEquals: [kms.amazonaws.com]}
      - {Field: readOnly, Equals: ["false"]}
J
expect_rc "advanced equivalent" 0 "$OT" select --selectors "$T/wo-adv.yaml" --count "$T/all.ndjson"
expect_grep "advanced equivalent count ($want)" "kept $want," "$T/err"

# 4. advanced: events whose name starts with Describe or ends with Policy, errors excluded
want=$(jqcount "$CAT == \"Data\" and ((.resources // []) | map(select(.type == \"AWS::S3::Object\")) | length > 0)")
cat >"$T/s3.yaml" <<'J'
AdvancedEventSelectors:
  - FieldSelectors:
      - {Field: eventCategory, Equals: [Data]}
      - {Field: resources.type, Equals: ["AWS::S3::Object"]}
J
expect_rc "advanced S3 data events" 0 "$OT" select --selectors "$T/s3.yaml" --count "$T/all.ndjson"
expect_grep "S3 object data events ($want)" "kept $want," "$T/err"

# 5. scope: single-region us-east-1 without global events
want=$(jqcount "$CAT == \"Management\" and .awsRegion == \"us-east-1\" and ((.eventSource | IN(\"iam.amazonaws.com\",\"signin.amazonaws.com\",\"cloudfront.amazonaws.com\",\"route53.amazonaws.com\",\"organizations.amazonaws.com\",\"waf.amazonaws.com\",\"sts.amazonaws.com\")) | not)")
expect_rc "single-region scope" 0 "$OT" select --selectors "$T/all-mgmt.yaml" --single-region --no-global-events --home-region us-east-1 --count "$T/all.ndjson"
expect_grep "single-region us-east-1 without global events ($want)" "kept $want," "$T/err"

# 6. a trail of the config, by name
cat >"$T/opentrail.yaml" <<'J'
Trails:
  - Name: writes
    S3BucketName: audit-logs
    IsMultiRegionTrail: true
    EventSelectors: [{ReadWriteType: WriteOnly, ExcludeManagementEventSources: [kms.amazonaws.com]}]
J
want=$(jqcount "$CAT == \"Management\" and .readOnly == false and .eventSource != \"kms.amazonaws.com\"")
expect_rc "select --trail from the config" 0 "$OT" --config "$T/opentrail.yaml" select --trail writes "$T/all.ndjson"
expect_eq "--trail keeps the same records as its selectors" "$(wc -l <"$T/out")" "$want"
expect_rc "unknown trail" 2 "$OT" --config "$T/opentrail.yaml" select --trail nope "$T/all.ndjson"
expect_grep "unknown trail named" "no trail named 'nope'" "$T/err"

# bad selectors: one line with file:line:col, what and fix; exit 2
cat >"$T/bad.yaml" <<'J'
AdvancedEventSelectors:
  - FieldSelectors:
      - {Field: eventCategory, Equals: [Management]}
      - {Field: eventName, Equals: [RunInstances]}
J
expect_rc "selector not allowed for the category" 2 "$OT" select --selectors "$T/bad.yaml" "$T/all.ndjson"
# "      - {Field: " is 16 characters: the field name starts at column 17
expect_grep "error names line:col, selector, field and fix" "bad.yaml:4:17: AdvancedEventSelectors\[0\]: field eventName is not allowed for Management events on a trail \(see docs/selectors.md" "$T/err"
expect_eq "one line" "$(wc -l <"$T/err")" "1"
printf '{"EventSelectors": [' >"$T/trunc.json"
expect_rc "truncated JSON" 2 "$OT" select --selectors "$T/trunc.json" "$T/all.ndjson"
expect_grep "truncated JSON has a position" "trunc.json:[0-9]+:[0-9]+: invalid YAML" "$T/err"
expect_rc "both --trail and --selectors" 2 "$OT" select --trail a --selectors "$T/wo.json" x
expect_rc "--no-global-events without --single-region" 2 "$OT" select --selectors "$T/wo.json" --no-global-events x
expect_rc "select --help" 0 "$OT" select --help
expect_grep "help names the rules doc" "docs/selectors.md" "$T/out"
