#!/usr/bin/env bash
# Corpus tests: the real public CloudTrail data in ../shared/corpora is read
# exactly (counts recomputed with jq in the test, not typed in), records come
# out byte for byte as read, and every shape and place works: plain and gzip,
# CloudTrail S3 layout trees, stdin, JSON arrays, NDJSON, single records.
. "$(dirname "$0")/lib.sh"
C=$SHARED/corpora
INV=$C/invictus-aws-dataset
STR=$C/stratus-red-team/detonation-logs

# --- invictus: {"Records":[...]} log files ----------------------------------
want_n=$(cat "$INV"/CloudTrail/*.json | jq '.Records | length' | paste -sd+ | bc)
want_f=$(ls "$INV"/CloudTrail/*.json | wc -l)
expect_eq "jq agrees with the corpus README (2900 records, 55 files)" "$want_n $want_f" "2900 55"
expect_rc "cat --count invictus" 0 "$OT" cat --count "$INV"
expect_eq "invictus count line" "$(cat "$T/out")" "$want_n records in $want_f files"

"$OT" cat "$INV" >"$T/inv.ndjson"
for f in $(ls "$INV"/CloudTrail/*.json | LC_ALL=C sort); do jq -c '.Records[]' "$f"; done >"$T/inv.jq"
expect_eq "cat writes one line per record" "$(wc -l <"$T/inv.ndjson")" "$want_n"
jq -c . "$T/inv.ndjson" >"$T/inv.norm"
if cmp -s "$T/inv.norm" "$T/inv.jq"; then ok "cat records equal jq's, in file order"; else notok "cat records differ from jq's"; fi
# bytes exactly as read: every output line occurs verbatim in the source files
expect_eq "numbers kept as written (1.688560107857E9, which jq rewrites)" "$(grep -c '"FromTime":1.688560107857E9' "$T/inv.ndjson")" "$(grep -o '"FromTime":1.688560107857E9' "$INV"/CloudTrail/*.json | wc -l)"

# the delivered form: gzip in the CloudTrail S3 key layout
mk_tree() { # $1 = root
    local f name d
    for f in "$INV"/CloudTrail/*.json; do
        name=$(basename "$f")
        d="$1/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10"
        mkdir -p "$d"
        gzip -6 -n -c "$f" >"$d/$name.gz"
    done
}
mk_tree "$T/s3"
expect_rc "cat --count on a gzip AWSLogs tree" 0 "$OT" cat --count "$T/s3/AWSLogs/"
expect_eq "gzip tree count" "$(cat "$T/out")" "$want_n records in $want_f files"
"$OT" cat "$T/s3/AWSLogs" >"$T/s3.ndjson"
if cmp -s "$T/s3.ndjson" "$T/inv.ndjson"; then ok "gzip tree reads the same records"; else notok "gzip tree output differs"; fi
"$OT" cat --jobs 1 "$T/s3/AWSLogs" >"$T/s3.j1"
if cmp -s "$T/s3.j1" "$T/inv.ndjson"; then ok "--jobs 1 gives the same output as all cores"; else notok "--jobs 1 output differs"; fi

# stdin, plain and gzip
one=$(ls "$T"/s3/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/*.gz | head -1)
zcat "$one" | "$OT" cat - >"$T/stdin.out"
"$OT" cat "$one" >"$T/file.out"
if cmp -s "$T/stdin.out" "$T/file.out"; then ok "zcat | cat - equals cat FILE"; else notok "stdin output differs"; fi
"$OT" cat - <"$one" >"$T/stdin.gz.out"
if cmp -s "$T/stdin.gz.out" "$T/file.out"; then ok "gzip on stdin is inflated"; else notok "gzip stdin differs"; fi

# --- fields: typed values, NDJSON and TSV, checked against jq ----------------
F=eventTime,eventName,userIdentity.arn,sourceIPAddress
"$OT" cat --fields $F --format tsv --no-header "$INV" >"$T/f.tsv"
jq -r '[.eventTime, .eventName, .userIdentity.arn, .sourceIPAddress] | @tsv' "$T/inv.ndjson" >"$T/f.jq.tsv"
if cmp -s "$T/f.tsv" "$T/f.jq.tsv"; then ok "--fields TSV equals jq @tsv"; else notok "--fields TSV differs from jq: $(diff "$T/f.tsv" "$T/f.jq.tsv" | head -3)"; fi
"$OT" cat --fields $F --format tsv "$one" | head -1 >"$T/hdr"
expect_eq "TSV header names the fields" "$(cat "$T/hdr")" "$(echo $F | tr , '\t')"
"$OT" cat --fields 'eventName,userIdentity.sessionContext.sessionIssuer.arn,resources[0].ARN,readOnly,requestParameters.bucketName' "$INV" >"$T/p.ndjson"
jq -c '{eventName} + (if .userIdentity.sessionContext.sessionIssuer.arn != null then {"userIdentity.sessionContext.sessionIssuer.arn": .userIdentity.sessionContext.sessionIssuer.arn} else {} end)
      + (if .resources[0].ARN != null then {"resources[0].ARN": .resources[0].ARN} else {} end)
      + (if has("readOnly") then {readOnly} else {} end)
      + (if .requestParameters.bucketName != null then {"requestParameters.bucketName": .requestParameters.bucketName} else {} end)' "$T/inv.ndjson" >"$T/p.jq"
if cmp -s "$T/p.ndjson" "$T/p.jq"; then ok "--fields NDJSON with nested, indexed and boolean paths equals jq"; else notok "--fields NDJSON differs: $(diff "$T/p.ndjson" "$T/p.jq" | head -4)"; fi
n_bool=$(jq -r 'select(.readOnly == false) | .eventName' "$T/inv.ndjson" | wc -l)
got=$("$OT" cat --count --where readOnly=false "$INV" | cut -d' ' -f1)
expect_eq "--where on a boolean field counts like jq" "$got" "$n_bool"
n_s3=$(jq -r 'select(.eventSource == "ec2.amazonaws.com" and .errorCode == "Client.UnauthorizedOperation") | .eventID' "$T/inv.ndjson" | wc -l)
got=$("$OT" cat --count --where eventSource=ec2.amazonaws.com --where errorCode=Client.UnauthorizedOperation "$INV" | cut -d' ' -f1)
expect_eq "--where AND of two fields counts like jq ($n_s3)" "$got" "$n_s3"

# --- stratus: JSON arrays, pretty-printed, fake regions ----------------------
want_s=$(jq 'length' "$STR"/*.json | paste -sd+ | bc)
expect_rc "cat --count stratus" 0 "$OT" cat --count "$STR"
expect_eq "stratus count (README: 310 in 35)" "$(cat "$T/out")" "$want_s records in $(ls "$STR" | wc -l) files"
"$OT" cat "$STR" >"$T/str.ndjson"
for f in $(ls "$STR"/*.json | LC_ALL=C sort); do jq -c '.[]' "$f"; done >"$T/str.jq"
jq -c . "$T/str.ndjson" >"$T/str.norm"
if cmp -s "$T/str.norm" "$T/str.jq"; then ok "pretty-printed arrays come out compact, same records"; else notok "stratus records differ"; fi
expect_eq "compact output: one line per record, none indented" "$(wc -l <"$T/str.ndjson") $(grep -c '^ ' "$T/str.ndjson")" "$want_s 0"
v110=$("$OT" cat --count --where eventVersion=1.10 "$STR" | cut -d' ' -f1)
expect_eq "eventVersion 1.10 records (README: 7)" "$v110" "$(jq -c '.[] | select(.eventVersion == "1.10")' "$STR"/*.json | wc -l)"

# NDJSON of the same records, plain and gzip
cp "$T/str.ndjson" "$T/str.jsonl"
expect_rc "NDJSON file" 0 "$OT" cat --count "$T/str.jsonl"
expect_eq "NDJSON count" "$(cat "$T/out")" "$want_s records in 1 files"
gzip -c "$T/str.ndjson" >"$T/str.ndjson.gz"
"$OT" cat "$T/str.ndjson.gz" >"$T/str2"
if cmp -s "$T/str2" "$T/str.ndjson"; then ok "gzip NDJSON round-trips"; else notok "gzip NDJSON differs"; fi

# --- AWS doc examples: single records, Records files, Insights, digests ------
A=$T/docs
mkdir -p "$A"
i=0
while IFS= read -r line; do
    i=$((i + 1))
    echo "$line" | jq -c .json >"$A/block$(printf %02d $i).json"
done <"$C/aws-docs-examples/cloudtrail_user_guide_json_blocks.ndjson"
n_ins=$(jq -c '.json | if .Records then .Records[] else . end | select(.eventType == "AwsCloudTrailInsight")' "$C/aws-docs-examples/cloudtrail_user_guide_json_blocks.ndjson" | wc -l)
expect_eq "the doc examples hold 3 Insights records" "$n_ins" "3"
expect_rc "doc examples, Insights skipped" 0 "$OT" cat --count "$A"
expect_eq "doc examples without Insights" "$(cat "$T/out")" "19 records in 19 files"
expect_grep "skipped digests and Insights are reported" "skipped 2 digest files and 2 Insights files" "$T/err"
expect_rc "doc examples with --insights" 0 "$OT" cat --count --insights "$A"
expect_eq "doc examples with Insights (README: 22)" "$(cat "$T/out")" "22 records in 21 files"

# --- digests and Insights by key and by shape --------------------------------
D=$C/real-digest-llm-guard
expect_rc "a digest named like one is skipped" 0 "$OT" cat "$D/327878933619_CloudTrail-Digest_ap-northeast-1_llm-guard-trail_us-west-2_20231015T230404Z.json"
expect_grep "and said to be a digest" "a CloudTrail digest file" "$T/err"
expect_eq "and prints no records" "$(wc -c <"$T/out")" "0"
expect_rc "a digest recognised by shape" 0 "$OT" cat "$D/digest_body_as_published.raw.json"
expect_grep "by shape too" "a CloudTrail digest file" "$T/err"
mkdir -p "$T/ins/AWSLogs/1/CloudTrail-Insight/us-east-1/2020/09/23"
jq -c '.json' <(sed -n 18p "$C/aws-docs-examples/cloudtrail_user_guide_json_blocks.ndjson") |
    gzip >"$T/ins/AWSLogs/1/CloudTrail-Insight/us-east-1/2020/09/23/1_CloudTrail-Insight_us-east-1_20200923T0516Z_KL5e9VCV2SS7IqzB.json.gz"
expect_rc "an Insights file by key" 0 "$OT" cat --count "$T/ins"
expect_eq "is not read as events" "$(cat "$T/out")" "0 records in 0 files"
expect_grep "and is reported" "1 Insights file" "$T/err"

# --- stats ---------------------------------------------------------------------
expect_rc "stats --json" 0 "$OT" stats --json --top 0 "$INV"
cp "$T/out" "$T/stats.json"
for dim in eventSource eventName awsRegion errorCode eventCategory; do
    got=$(jq -c ".\"$dim\" | to_entries | map(select(.key | startswith(\"(\") | not)) | sort_by(.key)" "$T/stats.json")
    want=$(jq -s -c "map(select(.$dim != null)) | group_by(.$dim) | map({key: .[0].$dim, value: length}) | sort_by(.key)" "$T/inv.ndjson")
    expect_eq "stats by $dim equals jq's group_by" "$got" "$want"
done
got=$(jq -c '.readOnly' "$T/stats.json" | jq -c 'to_entries | sort_by(.key)')
want=$(jq -s -c 'group_by(.readOnly) | map({key: (.[0].readOnly | tostring), value: length}) | sort_by(.key)' "$T/inv.ndjson")
expect_eq "stats by readOnly" "$got" "$want"
got=$(jq -c '.day' "$T/stats.json")
want=$(jq -s -c 'group_by(.eventTime[0:10]) | map({(.[0].eventTime[0:10]): length}) | add' "$T/inv.ndjson")
expect_eq "stats by day" "$got" "$want"
expect_eq "stats records" "$(jq .records "$T/stats.json")" "$want_n"
expect_rc "stats text" 0 "$OT" stats "$INV"
expect_grep "text tables start with the totals" "^2900 records in 55 files, 2023-07-10T11:42:18Z .. 2023-07-10T12:37:50Z" "$T/out"
expect_grep "text tables have an errorCode table" "^errorCode +records" "$T/out"
