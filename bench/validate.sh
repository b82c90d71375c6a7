#!/usr/bin/env bash
# bench/validate.sh - proving: opentrail ingest (records -> gzip log files ->
# signed hourly digests) beside gzip -6 and libdeflate level 6, and opentrail
# validate beside the AWS CLI's own validator (shared/tools/aws_offline_
# validate.py, Debian awscli) on the same generated trail in the same run,
# with the floor: libdeflate inflate + OpenSSL SHA-256 in process. Both
# validators must find every file valid, so a fast wrong answer fails.
#   BENCH_VALIDATE_FILES (default 1000) log files of BENCH_VALIDATE_RPF
#   (default 300) records, one account and region: one chain of hourly digests.
. "$(dirname "$0")/lib.sh"
NF=${BENCH_VALIDATE_FILES:-1000}
RPF=${BENCH_VALIDATE_RPF:-300}
W=${BENCH_VALIDATE_DIR:-$ROOT/build/bench-validate-$NF-$RPF}
FLOOR=$ROOT/build/bench/verify_floor
[ -x "$FLOOR" ] || make -s -C "$ROOT" build/bench/verify_floor
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")

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

# --- ingest ------------------------------------------------------------------
rm -rf "$W/keydata"
"$OT" --data-dir "$W/keydata" keys generate --valid-from "$START" >/dev/null
ingest() { # the key is made before: RSA key generation is not ingest work
    rm -rf "$W/data"
    mkdir -p "$W/data"
    cp -a "$W/keydata/keys" "$W/data/keys"
    "$OT" --data-dir "$W/data" ingest -q --trail bench --bucket bench --replay "$W/gen/AWSLogs"
}
measure t_ingest 1 ingest
mapfile -t LOGS < <(find "$W/data/buckets/bench" -path '*/CloudTrail/*' -name '*.json.gz' | LC_ALL=C sort)
NDIG=$(find "$W/data/buckets/bench" -path '*/CloudTrail-Digest/*' -name '*.json.gz' | wc -l)
JSON_BYTES=$(printf '%s\0' "${LOGS[@]}" | xargs -0 zcat | wc -c)
gzip6() { printf '%s\0' "${LOGS[@]}" | xargs -0 zcat | gzip -6 | wc -c; }
measure t_gzip 1 gzip6
measure t_zfloor 3 "$FLOOR" -z "${LOGS[@]}"

# --- validate ------------------------------------------------------------------
"$OT" --data-dir "$W/data" keys export --array >"$W/keys.json"
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/bench
awscli() { "${AWSV[@]}" "$W/data/buckets" "$W/keys.json" "$ARN" bench "$START" "$END" | tail -3; }
ot_validate() { "$OT" --data-dir "$W/data" validate --aws-only --trail-arn "$ARN" --s3-bucket bench \
    --start-time "$START" --end-time "$END" -j "$1" | tail -3; }
measure t_aws 1 awscli
want="$NDIG/$NDIG digest files valid|${#LOGS[@]}/${#LOGS[@]} log files valid"
got=$(echo "$BEST_OUT" | grep valid | paste -sd'|')
[ "$got" = "$want" ] || { echo "bench: the AWS CLI says [$got], want [$want]" >&2; exit 1; }
measure t_ot1 3 ot_validate 1
[ "$(echo "$BEST_OUT" | grep valid | paste -sd'|')" = "$want" ] || { echo "bench: opentrail -j 1: $BEST_OUT" >&2; exit 1; }
measure t_ot2 3 ot_validate 2
[ "$(echo "$BEST_OUT" | grep valid | paste -sd'|')" = "$want" ] || { echo "bench: opentrail -j 2: $BEST_OUT" >&2; exit 1; }
measure t_floor1 3 "$FLOOR" "${LOGS[@]}"
measure t_floor2 3 "$FLOOR" -j 2 "${LOGS[@]}"

vrow() { # NAME SECONDS REF
    printf '%-50s %8.3f s %8.0f files/s %7.0f MB/s %7.1fx\n' "$1" "$2" \
        "$(echo "${#LOGS[@]} / $2" | bc -l)" "$(echo "$JSON_BYTES / $2 / 1000000" | bc -l)" \
        "$(echo "$3 / $2" | bc -l)"
}
echo "== ingest: $RECORDS records -> ${#LOGS[@]} log files + $NDIG digests, $((JSON_BYTES / 1000000)) MB of JSON, $(nproc) cores"
printf '%-50s %8.3f s %8.0f rec/s %9.0f MB/s\n' "opentrail ingest --replay (1 thread)" "$t_ingest" \
    "$(echo "$RECORDS / $t_ingest" | bc -l)" "$(echo "$JSON_BYTES / $t_ingest / 1000000" | bc -l)"
printf '%-50s %8.3f s %18s %7.0f MB/s\n' "gzip -6 of the same JSON" "$t_gzip" "" "$(echo "$JSON_BYTES / $t_gzip / 1000000" | bc -l)"
printf '%-50s %8.3f s %18s %7.0f MB/s\n' "floor: libdeflate level 6 in-process, 1 thread" "$t_zfloor" "" "$(echo "$JSON_BYTES / $t_zfloor / 1000000" | bc -l)"
echo "== validate: ${#LOGS[@]} log files, $NDIG digests ($START to $END)"
printf '%-50s %10s %14s %12s %8s\n' "" "time" "files" "MB/s" "vs CLI"
vrow "AWS CLI validator (awscli 2.9.19, offline driver)" "$t_aws" "$t_aws"
vrow "opentrail validate -j 1" "$t_ot1" "$t_aws"
vrow "opentrail validate -j 2" "$t_ot2" "$t_aws"
vrow "floor: libdeflate + SHA-256 in-process, 1 thread" "$t_floor1" "$t_aws"
vrow "floor: libdeflate + SHA-256 in-process, 2 threads" "$t_floor2" "$t_aws"
printf 'opentrail validate vs the floor: %.0f%% of floor speed on 1 core, %.0f%% on 2\n' \
    "$(echo "100 * $t_floor1 / $t_ot1" | bc -l)" "$(echo "100 * $t_floor2 / $t_ot2" | bc -l)"
