#!/usr/bin/env bash
# bench/s3.sh - log delivery to, and validation from, an S3-compatible store
# (issue 9, point 6), against a REAL OpenStack Swift with s3api started here
# on loopback (tests/servers/swift-s3.sh, port BENCH_S3_PORT, default 18490)
# and stopped on exit. Same data, same run, as ratios:
#   delivery: opentrail ingest --replay --s3-endpoint (gzip, hash, sign, one
#             HEAD + PUT per object) beside /usr/bin/aws s3 cp --recursive of
#             exactly the objects opentrail wrote (upload only);
#   validate: opentrail validate --s3-endpoint (list + GET straight from the
#             bucket) beside the AWS CLI's validator - the offline driver
#             (shared/tools/aws_offline_validate.py, the AWS CLI's own
#             validate-logs code) on a local copy, alone and with the download
#             (aws s3 cp --recursive + head-object for the digest signatures)
#             it needs first, since `aws cloudtrail validate-logs` itself
#             cannot be pointed at Swift (it asks CloudTrail for the trail).
# Both validators must find every digest and log file valid.
#   BENCH_S3_FILES (default 200) log files of BENCH_S3_RPF (300) records.
. "$(dirname "$0")/lib.sh"
NF=${BENCH_S3_FILES:-200}
RPF=${BENCH_S3_RPF:-300}
W=$ROOT/build/bench-s3-$NF-$RPF
export SWIFT_S3_PORT=${BENCH_S3_PORT:-18490}
export SWIFT_S3_DIR=$W/swift
trap '"$ROOT/tests/servers/swift-s3.sh" stop >/dev/null 2>&1' EXIT
if [ ! -f "$W/gen/manifest.json" ]; then
    echo "generating $NF log files of ~$RPF records in $W/gen (gen_cloudtrail.py, seed 42)" >&2
    rm -rf "$W"
    mkdir -p "$W"
    /usr/bin/python3 "$SHARED/tools/gen_cloudtrail.py" --out "$W/gen" --files "$NF" \
        --records-per-file "$RPF" --accounts 1 --regions us-east-1 --interval 300 \
        --jobs "$(nproc)" --quiet >/dev/null
fi
RECORDS=$(jq .counts.records "$W/gen/manifest.json")
ACCT=$(find "$W/gen/AWSLogs" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | head -1)
mapfile -t GEN < <(find "$W/gen/AWSLogs" -name '*.json.gz' | LC_ALL=C sort)
first=$(zcat "${GEN[0]}" | jq -r '[.Records[].eventTime] | min')
last=$(zcat "${GEN[-1]}" | jq -r '[.Records[].eventTime] | max')
START=$(date -u -d "$first - 1 hour" +%Y-%m-%dT%H:00:00Z)
END=$(date -u -d "$last + 2 hours" +%Y-%m-%dT%H:00:00Z)
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/bench
eval "$("$ROOT/tests/servers/swift-s3.sh" start 2>"$W/swift.err")"
AWS=(/usr/bin/aws --endpoint-url "$S3_ENDPOINT")
K=$W/keydata
rm -rf "$K" && mkdir -p "$K"
"$OT" --data-dir "$K" keys generate --valid-from "$START" >/dev/null
"$OT" --data-dir "$K" keys export --array >"$W/keys.json"

# measure runs each command in a subshell: a fresh bucket per run, its name in a file
ingest() {
    local b
    b=ot-bench-$(date +%s%N)
    "${AWS[@]}" s3 mb "s3://$b" >/dev/null
    "$OT" --data-dir "$K" ingest -q --trail bench --bucket "$b" --replay \
        --s3-endpoint "$S3_ENDPOINT" --s3-sse AES256 "$W/gen/AWSLogs"
    echo "$b" >"$W/last-bucket"
}
measure t_ing 2 ingest
B=$(cat "$W/last-bucket")
rm -rf "$W/copy" && mkdir -p "$W/copy/$B"
"${AWS[@]}" s3 cp --recursive --quiet "s3://$B" "$W/copy/$B"
NOBJ=$(find "$W/copy/$B" -type f | wc -l)
NLOG=$(find "$W/copy/$B" -path '*/CloudTrail/*' -type f | wc -l)
BYTES=$(du -sb --apparent-size "$W/copy/$B" | cut -f1)
awscp() {
    local b
    b=aws-bench-$(date +%s%N)
    "${AWS[@]}" s3 mb "s3://$b" >/dev/null
    "${AWS[@]}" s3 cp --recursive --quiet --sse AES256 "$W/copy/$B" "s3://$b"
    echo "$b" >"$W/last-bucket"
}
measure t_cp 2 awscp
[ "$("${AWS[@]}" s3 ls --recursive "s3://$(cat "$W/last-bucket")" | wc -l)" = "$NOBJ" ] ||
    { echo "bench: aws s3 cp did not upload all $NOBJ objects" >&2; exit 1; }

ot_validate() {
    "$OT" --data-dir "$K" validate --aws-only --trail-arn "$ARN" --s3-bucket "$B" --s3-endpoint "$S3_ENDPOINT" \
        --start-time "$START" --end-time "$END" -j "$1" | grep 'files valid' | paste -sd'|'
}
measure t_v1 2 ot_validate 1
want=$BEST_OUT
measure t_v4 2 ot_validate 4
[ "$BEST_OUT" = "$want" ] || { echo "bench: validate -j 4 says [$BEST_OUT], -j 1 [$want]" >&2; exit 1; }
fetch() {
    rm -rf "$W/dl" && mkdir -p "$W/dl/$B"
    "${AWS[@]}" s3 cp --recursive --quiet "s3://$B" "$W/dl/$B"
    for k in $(cd "$W/dl/$B" && find AWSLogs -path '*/CloudTrail-Digest/*' -name '*.json.gz'); do
        "${AWS[@]}" s3api head-object --bucket "$B" --key "$k" | jq -c .Metadata >"$W/dl/$B/$k.meta.json"
    done
}
awsv() {
    /usr/bin/python3 "$SHARED/tools/aws_offline_validate.py" "$W/dl" "$W/keys.json" "$ARN" "$B" \
        "$START" "$END" | grep 'files valid' | paste -sd'|'
}
measure t_fetch 1 fetch
measure t_awsv 2 awsv
[ "$BEST_OUT" = "$want" ] || { echo "bench: AWS CLI validator says [$BEST_OUT], opentrail [$want]" >&2; exit 1; }
t_awsall=$(echo "$t_fetch + $t_awsv" | bc -l)
case "$want" in *INVALID*) echo "bench: not every file valid: $want" >&2; exit 1 ;; esac

echo "== S3 (OpenStack Swift s3api on loopback): $RECORDS records, $NOBJ objects ($NLOG log files), $(echo "$BYTES / 1000000" | bc -l | xargs printf '%.1f') MB gzip, $(nproc) cores"
echo "   both validators: $want"
d() { printf '%-58s %8.3f s %7.1f obj/s %6.2f MB/s   %s\n' "$1" "$2" "$(echo "$NOBJ / $2" | bc -l)" \
    "$(echo "$BYTES / $2 / 1000000" | bc -l)" "$3"; }
d "opentrail ingest --replay --s3-endpoint (build + put)" "$t_ing" "$(printf 'aws s3 cp / opentrail %.2fx' "$(echo "$t_cp / $t_ing" | bc -l)")"
d "aws s3 cp --recursive of the same objects (upload only)" "$t_cp" ""
d "opentrail validate --s3-endpoint -j 1" "$t_v1" "$(printf 'AWS CLI validator+download / opentrail %.2fx' "$(echo "$t_awsall / $t_v1" | bc -l)")"
d "opentrail validate --s3-endpoint -j 4" "$t_v4" "$(printf 'AWS CLI validator+download / opentrail %.2fx' "$(echo "$t_awsall / $t_v4" | bc -l)")"
d "AWS CLI validator, offline driver on a local copy" "$t_awsv" "$(printf 'vs opentrail -j 4 over S3 %.2fx' "$(echo "$t_awsv / $t_v4" | bc -l)")"
d "  + aws s3 cp --recursive and head-object it needs first" "$t_awsall" ""
