#!/usr/bin/env bash
# Measured mode: `cost --from` on the real invictus corpus (gzip, in the
# CloudTrail key layout) counts what jq counts, finds the copies a second and
# third trail deliver, sums the bytes of each day as the files hold them, and
# prices the projected month with the arithmetic written out here.
. "$(dirname "$0")/lib.sh"
INV=$SHARED/corpora/invictus-aws-dataset

mk_tree() { # $1 = root: the invictus files gzip'd under the S3 key layout
    local f d="$1/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10"
    mkdir -p "$d"
    for f in "$INV"/CloudTrail/*.json; do gzip -6 -n -c "$f" >"$d/$(basename "$f").gz"; done
}
mk_tree "$T/one"
all=$(cat "$INV"/CloudTrail/*.json | jq '.Records | length' | paste -sd+ | bc)
read=$(cat "$INV"/CloudTrail/*.json | jq '[.Records[] | select(.readOnly == true)] | length' | paste -sd+ | bc)
mgmt=$(cat "$INV"/CloudTrail/*.json | jq '[.Records[] | select(.eventCategory == "Management")] | length' | paste -sd+ | bc)
write=$((all - read))
days=$(cat "$INV"/CloudTrail/*.json | jq -r '.Records[].eventTime[0:10]' | sort -u | wc -l)
gzbytes=$(cat "$T"/one/AWSLogs/*/CloudTrail/*/*/*/*/*.gz | wc -c)
jsonbytes=$(cat "$INV"/CloudTrail/*.json | wc -c)
expect_eq "jq: every invictus record is a management event (README)" "$mgmt" "$all"

expect_rc "cost --from one trail" 0 "$OT" cost --from "$T/one/AWSLogs" --json
cp "$T/out" "$T/one.json"
expect_eq "records and files" "$(jq -r '.measured | "\(.records) \(.files)"' "$T/one.json")" "$all $(ls "$INV"/CloudTrail/*.json | wc -l)"
expect_eq "management read/write as jq counts readOnly" "$(jq -r '.measured.observed | "\(.management_read) \(.management_write) \(.data) \(.network_activity) \(.insights)"' "$T/one.json")" "$read $write 0 0 0"
expect_eq "no copies in one trail" "$(jq '[.measured.extra_copies[]] | add' "$T/one.json")" "0"
expect_eq "days observed (auto) = distinct eventTime days by jq" "$(jq '.measured.days_observed' "$T/one.json")" "$days"
expect_eq "bytes of the day = the gzip files' sizes; JSON bytes = the JSON's" "$(jq -r '.measured.days[] | "\(.day) \(.bytes_read) \(.json_bytes) \(.records)"' "$T/one.json")" "2023-07-10 $gzbytes $jsonbytes $all"
kms=$(cat "$INV"/CloudTrail/*.json | jq '[.Records[] | select(.eventSource == "kms.amazonaws.com")] | length' | paste -sd+ | bc)
expect_eq "KMS management events counted (an exclusion candidate)" "$(jq '.measured.management_sources["kms.amazonaws.com"]' "$T/one.json")" "$kms"
# 11:42:18 .. 12:37:50 in the corpus README: 55 min 32 s
expect_eq "window in seconds" "$(jq '.measured.window_seconds' "$T/one.json")" "$(( (12 * 3600 + 37 * 60 + 50) - (11 * 3600 + 42 * 60 + 18) ))"
"$OT" cost --from "$T/one" >"$T/one.txt"
expect_grep "a short window is pointed out" "note: the events span 55 min only" "$T/one.txt"
expect_eq "window" "$(jq -r '.measured | "\(.first_event_time) \(.last_event_time)"' "$T/one.json")" "$(cat "$INV"/CloudTrail/*.json | jq -r '.Records[].eventTime' | sort | sed -n '1p;$p' | paste -sd' ')"
# one copy only: the first copy is free; projected month = observed x 30 / days
expect_eq "first copy free, projected x30/$days" "$(jq -r '.lines[] | select(.price_id == "cloudtrail.management.first_copy") | "\(.quantity) \(.month_usd)"' "$T/one.json")" "$((all * 30 / days)) 0.00"
expect_eq "no additional copies priced" "$(jq '[.lines[] | select(.price_id == "cloudtrail.management.additional_copy")] | length' "$T/one.json")" "0"
# S3: projected bytes a month = gzip bytes x 30 / days
expect_eq "S3 bytes a month from the measured gzip size" "$(jq '.lines[] | select(.price_id == "s3.storage.standard") | .quantity' "$T/one.json")" "$(( (gzbytes + all / 2) / all * all * 30 / days ))"

# --- three trails deliver the same events: two copies of each ------------------
mkdir -p "$T/three"
for t in org security audit; do mk_tree "$T/three/$t"; done
expect_rc "cost --from three trails" 0 "$OT" cost --from "$T/three" --json
cp "$T/out" "$T/three.json"
expect_eq "extra copies = 2 x jq's counts" "$(jq -r '.measured.extra_copies | "\(.management_read) \(.management_write)"' "$T/three.json")" "$((2 * read)) $((2 * write))"
# additional copies: 2 x 2900 x 30 = 174,000 events; at $2.00 per 100,000: $3.48
add=$((2 * all * 30 / days))
want=$(echo "scale=2; $add * 2 / 100000" | bc | sed 's/^\./0./')
expect_eq "additional copies priced: $add events = \$$want" "$(jq -r '.lines[] | select(.price_id == "cloudtrail.management.additional_copy") | "\(.quantity) \(.month_usd)"' "$T/three.json")" "$add $want"
# removing the two extra trails leaves exactly the one-trail tree: the saving is
# the difference of the two 3-year totals, to the micro-dollar
"$OT" cost --from "$T/three" --advise --json >"$T/adv.json"
y3() { jq -r "$1" "$2" | awk '{split($0, a, "."); print a[1] * 1000000 + substr(a[2] "000000", 1, 6)}'; } # decimal USD -> micro-dollars
saved=$(( $(y3 .total.years3_usd "$T/three.json") - $(y3 .total.years3_usd "$T/one.json") ))
expect_eq "advice: duplicate trails save three-trail minus one-trail totals" "$(y3 '.advice[] | select(.id == "duplicate-trails") | .save_years3_usd' "$T/adv.json")" "$saved"
"$OT" cost --from "$T/three" >"$T/three.txt"
commas() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'; }
expect_grep "text shows observed and copies" "management, read +$(commas $((3 * read))) +$(commas $((2 * read)))" "$T/three.txt"

# --- --days-observed divides by what the user says -------------------------
expect_rc "--days-observed 10" 0 "$OT" cost --from "$T/one" --days-observed 10 --json
expect_eq "projection over 10 days" "$(jq '.lines[] | select(.price_id == "cloudtrail.management.first_copy") | .quantity' "$T/out")" "$((all * 30 / 10))"
expect_rc "--days-observed 0 is a usage error" 2 "$OT" cost --from "$T/one" --days-observed 0
expect_rc "--days-observed abc is a usage error" 2 "$OT" cost --from "$T/one" --days-observed abc

# --- data, network activity and Insights events by category --------------------
f=$(ls "$INV"/CloudTrail/*.json | head -1)
jq -c '.Records[0:10][] | .eventCategory = "Data" | .managementEvent = false | .eventSource = "s3.amazonaws.com"' "$f" >"$T/mixed.ndjson"
jq -c '.Records[10:15][] | .eventCategory = "Data" | .eventSource = "lambda.amazonaws.com"' "$f" >>"$T/mixed.ndjson"
jq -c '.Records[15:18][] | .eventCategory = "NetworkActivity" | .eventType = "AwsVpceEvent"' "$f" >>"$T/mixed.ndjson"
jq -c '.Records[18:20][] | del(.eventCategory) | .eventType = "AwsCloudTrailInsight"' "$f" >>"$T/mixed.ndjson"
mkdir -p "$T/mixed" && cp "$T/mixed.ndjson" "$T/mixed/"
expect_rc "cost --from NDJSON with every category" 0 "$OT" cost --from "$T/mixed" --json
expect_eq "categories: data 15, network 3, insights 2" "$(jq -r '.measured.observed | "\(.data) \(.network_activity) \(.insights)"' "$T/out")" "15 3 2"
expect_eq "data by service" "$(jq -c '.measured.data_by_service' "$T/out")" '{"s3":10,"lambda":5}'
expect_eq "read-only data events by service (readOnly kept from the source records)" "$(jq -c '.measured.data_reads_by_service.s3' "$T/out")" "$(jq '[.Records[0:10][] | select(.readOnly == true)] | length' "$f")"
# 10 s3 data events x 30 / 1 day = 300 at $0.10/100,000 = $0.0003
expect_eq "data events priced per service" "$(jq -r '.lines[] | select(.item == "Data events, s3") | "\(.quantity) \(.month_usd)"' "$T/out")" "300 0.000300"

# --- bad input: the rest is priced, exit 3 -------------------------------------
cp -r "$T/one" "$T/bad"
g=$(ls "$T"/bad/AWSLogs/*/CloudTrail/*/*/*/*/*.gz | head -1)
head -c 200 "$g" >"$g.cut" && mv "$g.cut" "$g"
expect_rc "a truncated gzip file: exit 3" 3 "$OT" cost --from "$T/bad"
expect_grep "the damaged file is named" "$(basename "$g")" "$T/err"
expect_grep "the rest is priced" "^TOTAL" "$T/out"
expect_rc "missing folder" 2 "$OT" cost --from "$T/nope"
mkdir -p "$T/empty"
expect_rc "no records" 2 "$OT" cost --from "$T/empty"
expect_grep "no records said" "no CloudTrail records found" "$T/err"

# a long non-ASCII eventSource is cut between characters, so it stays valid in JSON
e=$(printf 'é%.0s' $(seq 41))
echo "{\"eventVersion\":\"1.08\",\"eventCategory\":\"Data\",\"eventSource\":\"$e.amazonaws.com\",\"eventID\":\"x\",\"eventTime\":\"2024-01-01T00:00:00Z\"}" >"$T/u8.json"
expect_rc "cost --from a record with a long UTF-8 eventSource" 0 "$OT" cost --from "$T/u8.json" --json
# 63 bytes fit; 'é' is 2 bytes: 31 of them (62 bytes)
expect_eq "service name cut at a character boundary" "$(jq -r '.measured.data_by_service | keys[0]' "$T/out")" "$(printf 'é%.0s' $(seq 31))"

# --- which trail duplicates which -------------------------------------------------
expect_eq "three full trails: all shared, nothing only here" "$(jq -r '[.measured.trails[] | "\(.records)/\(.in_other_trails_too)/\(.only_here)"] | join(" ")' "$T/three.json")" "$all/$all/0 $all/$all/0 $all/$all/0"
expect_eq "trails named by the path before AWSLogs/" "$(jq -r '[.measured.trails[].path | sub(".*/"; "")] | join(" ")' "$T/three.json")" "audit org security"
mkdir -p "$T/part"
mk_tree "$T/part/org"
d="$T/part/acct/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10"
mkdir -p "$d"
for f in $(ls "$INV"/CloudTrail/*.json | LC_ALL=C sort | head -10); do gzip -n -c "$f" >"$d/$(basename "$f").gz"; done
n10=$(for f in $(ls "$INV"/CloudTrail/*.json | LC_ALL=C sort | head -10); do jq '.Records | length' "$f"; done | paste -sd+ | bc)
expect_rc "cost --from org + a partial account trail" 0 "$OT" cost --from "$T/part" --json
expect_eq "acct: $n10 records, all also in org; org: $((all - n10)) only here" "$(jq -r '[.measured.trails[] | "\(.path | sub(".*/"; "")):\(.records)/\(.in_other_trails_too)/\(.only_here)"] | join(" ")' "$T/out")" "acct:$n10/$n10/0 org:$all/$n10/$((all - n10))"
