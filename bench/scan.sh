#!/usr/bin/env bash
# bench/scan.sh - `opentrail scan --cis` beside `zcat | jq` running the same 15
# CIS conditions on the same corpus; and the cost of the 16-rule pack against
# one pattern (goal: <= 1.5x). The CIS counts must agree with jq's.
. "$(dirname "$0")/lib.sh"
bench_corpus
ONE='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
jq_cis() { printf '%s\0' "${FILES[@]}" | xargs -0 zcat | jq -n -c -f "$ROOT/bench/cis.jq"; }

echo "== scan: $NFILES gzip files, $RECORDS records, $((JSON_BYTES / 1000000)) MB of JSON, $(nproc) cores"
measure t_jq 1 jq_cis
jq_counts=$BEST_OUT
measure t_cnt1 3 "$OT" cat --count -j 1 "$CORPUS/AWSLogs"
measure t_one1 3 "$OT" scan --events 0 -j 1 -p "$ONE" "$CORPUS/AWSLogs"
measure t_cis1 3 "$OT" scan --cis --json --events 0 -j 1 "$CORPUS/AWSLogs"
ours=$(echo "$BEST_OUT" | jq -c '[.rules[] | select(.cis != null and .matches > 0) | {(.id): .matches}] | add // {}')
measure t_cis2 3 "$OT" scan --cis --events 0 -j 2 "$CORPUS/AWSLogs"
if [ "$(echo "$jq_counts" | jq -S -c .)" != "$(echo "$ours" | jq -S -c .)" ]; then
    echo "bench: CIS counts differ: jq $jq_counts, opentrail $ours" >&2
    exit 1
fi
printf '%-52s %10s %13s %16s %8s\n' "" "time" "JSON" "records" "vs jq"
row "zcat | jq (15 CIS conditions)" "$t_jq" "$t_jq"
row "opentrail scan --cis -j 1 (16 rules)" "$t_cis1" "$t_jq"
row "opentrail scan --cis -j 2" "$t_cis2" "$t_jq"
row "opentrail scan -p (one pattern) -j 1" "$t_one1" "$t_jq"
row "opentrail cat --count -j 1 (no pattern)" "$t_cnt1" "$t_jq"
printf 'cost of the 16-rule pack over one pattern: %.2fx the time (goal <= 1.5x); counts agree with jq: %s\n' \
    "$(echo "$t_cis1 / $t_one1" | bc -l)" "$ours"
