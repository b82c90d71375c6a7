#!/usr/bin/env bash
# lifecycle on the local store (docs/lifecycle.md): the invictus trail,
# encrypted, planned and run with --now across the 90-day transition, the
# 365-day retention lock and the 2555-day (7-year) expiry; validate passes
# across tiers, and after expiry reports the expired ranges (exit 0), never
# missing or tampered files; a run cut short finishes on rerun.
. "$(dirname "$0")/lib.sh"
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
D=$T/data
ARN=arn:aws:cloudtrail:us-east-1:123837392027:trail/main
V() { "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket b1 --start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z "$@"; }
LC() { "$OT" --data-dir "$D" lifecycle "$@"; }
expect_rc "ingest (encrypted)" 0 "$OT" --data-dir "$D" ingest --trail main --bucket b1 --replay --encrypt "$INV"
cat >"$D/opentrail.yaml" <<'Y'
LifecycleRules:
  - { Prefix: AWSLogs/, TransitionAfterDays: 90, StorageClass: GLACIER, ExpireAfterDays: 2555,
      RetainAtLeastDays: 365 }
Y
chmod 600 "$D/opentrail.yaml"
nall=$(find "$D/buckets/b1" -name '*.json.gz' | wc -l)

# day 89: nothing to do
expect_rc "plan at day 89" 0 LC plan --now 2023-10-07T00:00:00Z --json
expect_eq "day 89: nothing moves" "$(jq -c '.buckets[0] | [.transition.objects,.expire.objects]' "$T/out")" "[0,0]"
# day 91: everything moves to GLACIER
expect_rc "plan at day 91" 0 LC plan --now 2023-10-10T00:00:00Z --json
expect_eq "day 91: every object moves" "$(jq '.buckets[0].transition.objects' "$T/out")" "$nall"
expect_eq "day 91: plan prices the move" "$(jq '.buckets[0].monthlyStorageSavedMicroUsd > 0' "$T/out")" true
expect_rc "plan as text" 0 LC plan --now 2023-10-10T00:00:00Z
expect_grep "text plan names the class" "transition: $nall objects, [0-9]+ bytes \([0-9]+ bytes to GLACIER\)" "$T/out"

# a run cut short: half the objects already linked into the archive (as a crash would leave them)
first=$(cd "$D/buckets/b1" && find . -name '*.json.gz' | sort | head -1 | sed 's|^\./||')
mkdir -p "$D/archive/b1/$(dirname "$first")"
ln "$D/buckets/b1/$first" "$D/archive/b1/$first"
expect_rc "run at day 91 (over a half-done transition)" 0 LC run --now 2023-10-10T00:00:00Z
expect_eq "hot tier empty" "$(find "$D/buckets/b1" -name '*.json.gz' | wc -l)" 0
expect_eq "archive tier holds every object" "$(find "$D/archive/b1" -name '*.json.gz' | wc -l)" "$nall"
expect_eq "sidecars moved with their digests" "$(find "$D/archive/b1" -name '*.meta.json' | wc -l)" 2
expect_rc "rerun: nothing left to do" 0 LC run --now 2023-10-10T00:00:00Z
expect_grep "rerun: idempotent" '0 moved to the archive tier, 0 expired' "$T/out"
expect_rc "validate across tiers" 0 V
expect_grep "validate: every log file valid from the archive" '^12/12 log files valid' "$T/out"
expect_rc "cat reads the archive tier" 0 "$OT" --data-dir "$D" cat --count "$D/archive/b1"

# the retention lock: no deletion before day 365
victim=$(cd "$D/archive/b1" && find . -path '*CloudTrail/*' -name '*.json.gz' | sort | head -1 | sed 's|^\./||')
expect_rc "retention lock refuses deletion at day 200" 2 LC delete --bucket b1 --now 2024-01-26T00:00:00Z "$victim"
expect_grep "refusal says until when" 'retention lock: rule Prefix "AWSLogs/" keeps this object 365 days, until 2024-07-09' "$T/err"
expect_eq "the object is still there" "$(test -f "$D/archive/b1/$victim" && echo yes)" yes
expect_rc "nothing expires at day 2554" 0 LC plan --now 2030-07-07T00:00:00Z --json
expect_eq "day 2554: nothing expires" "$(jq '.buckets[0].expire.objects' "$T/out")" 0

# day 2555 (7 years), mid-day: the first hour's digest goes with its log files, the rest is held
expect_rc "plan at 2030-07-08T12:30" 0 LC plan --now 2030-07-08T12:30:00Z --json
expect_eq "a digest and its logs expire together" "$(jq -c '.buckets[0].expire | [.digests,.logFiles]' "$T/out")" "[1,4]"
expect_eq "logs whose digest is not due are held" "$(jq '.buckets[0].heldLogFiles' "$T/out")" 6
expect_rc "run at 2030-07-08T12:30" 0 LC run --now 2030-07-08T12:30:00Z
expect_grep "expired.json records the range" '"From": "2023-07-10T11:00:00Z"' "$D/state/expired.json"
expect_rc "validate after partial expiry: exit 0" 0 V
expect_grep "validate: the expired range is reported as expired" '^\[opentrail\] expired by lifecycle rule \(Prefix "AWSLogs/", ExpireAfterDays 2555\): 1 digests and 4 log files delivered from 2023-07-10T11:00:00Z' "$T/out"
if grep -q INVALID "$T/out" "$T/err"; then notok "validate: nothing INVALID"; else ok "validate: nothing INVALID"; fi
expect_grep "validate: the surviving digest and its logs are valid" '^8/8 log files valid' "$T/out"
expect_rc "validate --json after expiry" 0 V --json
expect_eq "--json: the expired digest is typed expired" "$(jq -r '[.items[] | select(.type=="expired")] | length' "$T/out")" 1
expect_rc "run the next day: the rest expires" 0 LC run --now 2030-07-09T00:00:00Z
expect_eq "nothing is left" "$(find "$D/buckets/b1" "$D/archive/b1" -name '*.json.gz' | wc -l)" 0
expect_eq "expired.json holds both ranges" "$(jq '.ExpiredRanges | length' "$D/state/expired.json")" 2
expect_rc "validate after full expiry: exit 0" 0 V
expect_eq "validate: both ranges reported" "$(grep -c '^\[opentrail\] expired by lifecycle rule' "$T/out")" 2
expect_rc "rerun after expiry: idempotent" 0 LC run --now 2030-07-09T00:00:00Z
expect_eq "expired.json not duplicated" "$(jq '.ExpiredRanges | length' "$D/state/expired.json")" 2

# config checks, with file:line:col
cat >"$T/bad.yaml" <<'Y'
LifecycleRules:
  - Prefix: AWSLogs/
    TransitionAfterDays: 365
    StorageClass: GLACIER
    ExpireAfterDays: 90
Y
expect_rc "expire before transition is refused" 2 "$OT" config check --config "$T/bad.yaml"
expect_grep "with file:line:col and the fix" 'bad.yaml:2:5: LifecycleRules\[0\]: objects would expire \(day 90\) before they move \(day 365\) \(make ExpireAfterDays larger' "$T/err"
printf 'LifecycleRules:\n  - { Prefix: a/, ExpireAfterDays: 30, RetainAtLeastDays: 365 }\n' >"$T/bad2.yaml"
expect_rc "a lock longer than expiry is refused" 2 "$OT" config check --config "$T/bad2.yaml"
expect_grep "says so" 'retention lock \(365 days\) outlasts expiry \(30 days\)' "$T/err"
printf 'LifecycleRules:\n  - { Prefix: a/, TransitionAfterDays: 30, StorageClass: TAPE }\n' >"$T/bad3.yaml"
expect_rc "an unknown storage class is refused" 2 "$OT" config check --config "$T/bad3.yaml"
printf 'LifecycleRules:\n  - { Prefix: a/, TransitionAfterDays: 30 }\n' >"$T/bad4.yaml"
expect_rc "a transition without a class is refused" 2 "$OT" config check --config "$T/bad4.yaml"
expect_rc "lifecycle with no rules: exit 2" 2 "$OT" --data-dir "$T/empty" --config "$T/bad.yaml" lifecycle plan
expect_rc "lifecycle --help" 0 "$OT" lifecycle --help
