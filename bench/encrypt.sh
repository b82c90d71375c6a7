#!/usr/bin/env bash
# bench/encrypt.sh - the cost of encryption at rest (docs/encryption.md):
# opentrail ingest --replay and validate of the same generated trail, plain
# (--no-encrypt) beside encrypted (--encrypt), in the same run, as ratios.
# Both validations must find every file valid. Same data as bench/validate.sh:
#   BENCH_VALIDATE_FILES (default 1000) log files of BENCH_VALIDATE_RPF (300).
. "$(dirname "$0")/lib.sh"
NF=${BENCH_VALIDATE_FILES:-1000}
RPF=${BENCH_VALIDATE_RPF:-300}
W=${BENCH_VALIDATE_DIR:-$ROOT/build/bench-validate-$NF-$RPF}
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
E=$W/enc
rm -rf "$E/keydata"
mkdir -p "$E/keydata"
"$OT" --data-dir "$E/keydata" keys generate --valid-from "$START" >/dev/null
"$OT" --data-dir "$E/keydata" keys kek-generate >/dev/null
ingest() { # $1 = --encrypt or --no-encrypt; keys made before (not ingest work)
    rm -rf "$E/data$1"
    mkdir -p "$E/data$1"
    cp -a "$E/keydata/keys" "$E/data$1/keys"
    "$OT" --data-dir "$E/data$1" ingest -q "$1" --trail bench --bucket bench --replay "$W/gen/AWSLogs"
}
validate() {
    "$OT" --data-dir "$E/data$1" validate --aws-only --trail-arn "$ARN" --s3-bucket bench \
        --start-time "$START" --end-time "$END" -j "$2" | grep 'files valid' | paste -sd'|'
}
measure t_ip 3 ingest --no-encrypt
measure t_ie 3 ingest --encrypt
NLOG=$(find "$E/data--encrypt/buckets/bench" -path '*/CloudTrail/*' -name '*.json.gz' | wc -l)
measure t_v1p 3 validate --no-encrypt 1
want=$BEST_OUT
measure t_v1e 3 validate --encrypt 1
[ "$BEST_OUT" = "$want" ] || { echo "bench: encrypted validate says [$BEST_OUT], plain [$want]" >&2; exit 1; }
measure t_v2p 3 validate --no-encrypt 2
measure t_v2e 3 validate --encrypt 2
[ "$BEST_OUT" = "$want" ] || { echo "bench: encrypted validate -j 2 says [$BEST_OUT]" >&2; exit 1; }
echo "== encryption at rest: $RECORDS records, $NLOG log files ($want), $(nproc) cores"
r() { printf '%-46s %8.3f s %8.0f files/s   plain %8.3f s   encrypted/plain %5.2fx\n' "$1" "$2" \
    "$(echo "$NLOG / $2" | bc -l)" "$3" "$(echo "$2 / $3" | bc -l)"; }
r "opentrail ingest --replay --encrypt" "$t_ie" "$t_ip"
r "opentrail validate -j 1 (encrypted trail)" "$t_v1e" "$t_v1p"
r "opentrail validate -j 2 (encrypted trail)" "$t_v2e" "$t_v2p"
