#!/usr/bin/env bash
# bench/serve.sh - opentrail serve: sustained events/s with durable ACKs (wrk
# posting batches as fast as the daemon answers), ACK latency at a fixed
# 10,000 events/s (bench/serve_load.py, latency from the scheduled send), and
# the daemon's memory over a soak; beside the reference: the same events
# written with gzip to a file by a shell pipeline (no HTTP, no fsync per batch).
# Every accepted count is checked against the daemon's /metrics.
. "$(dirname "$0")/lib.sh"
PORT=${BENCH_SERVE_PORT:-18700}
URL=http://127.0.0.1:$PORT
BATCH=${BENCH_SERVE_BATCH:-500}
SECONDS_SAT=${BENCH_SERVE_SECONDS:-20}
SOAK=${BENCH_SERVE_SOAK:-60}
RATE=${BENCH_SERVE_RATE:-10000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ot-bench-serve.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$W"' EXIT
TOKEN=bench-secret-0123456789abcdefghijklmn

# events: the generator's records without eventIDs (the daemon assigns them)
/usr/bin/python3 "$SHARED/tools/gen_cloudtrail.py" --ndjson "$W/gen.ndjson" --files 2 --records-per-file 20000 --quiet >/dev/null
jq -c 'del(.eventID)' "$W/gen.ndjson" >"$W/events.ndjson"
head -n "$BATCH" "$W/events.ndjson" >"$W/batch.ndjson"
EV_BYTES=$(wc -c <"$W/events.ndjson")
EV_N=$(wc -l <"$W/events.ndjson")

mkdir -p "$W/d"
cat >"$W/d/opentrail.yaml" <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {SpoolMaxBytes: 8G, SpaceLeftBytes: 0, MaxBatchRecords: 10000}
Delivery: {IntervalSeconds: 60}
CisPack: false
Keys:
  - {AccessKeyId: OTABENCH000000000001, SecretAccessKey: $TOKEN, Scope: admin}
Trails:
  - {Name: bench, S3BucketName: bench-logs, HomeRegion: us-east-1, IsMultiRegionTrail: true, LogFileValidationEnabled: true}
EOF
chmod 600 "$W/d/opentrail.yaml"
"$OT" --data-dir "$W/d" serve >"$W/serve.out" 2>"$W/serve.err" &
PID=$!
for _ in $(seq 1 100); do curl -fs "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$PID/status"; }

echo "== serve: batches of $BATCH events ($((EV_BYTES / EV_N)) bytes each), $(nproc) cores, client on the same machine"
# the reference: the same events through gzip into a file
t0=$(date +%s.%N)
gzip -6 <"$W/events.ndjson" >"$W/ref.gz"
t1=$(date +%s.%N)
ref_eps=$(echo "$EV_N / ($t1 - $t0)" | bc -l)

# sustained: wrk, 2 connections per core
rss0=$(rss_kb)
a0=$(metric opentrail_events_accepted_total)
t_start=$(date +%s.%N)
OT_BENCH_BODY=$W/events.ndjson OT_BENCH_BATCH=$BATCH OT_BENCH_TOKEN=$TOKEN wrk -t 1 -c "${BENCH_SERVE_CONNS:-8}" -d "${SECONDS_SAT}s" -s "$ROOT/bench/post.lua" "$URL/v1/events" >"$W/wrk.out"
a1=$(metric opentrail_events_accepted_total)
reqs=$(awk '/^Requests\/sec/{print $2}' "$W/wrk.out")
bad=$(awk '/^non-200/{print $3}' "$W/wrk.out")
eps=$(echo "$reqs * $BATCH" | bc -l)
got=$((a1 - a0))
wrk_lat=$(grep '^latency p50' "$W/wrk.out")
syncs=$(metric opentrail_spool_syncs_total)
if [ "$bad" != 0 ]; then echo "bench: $bad answers were not 200" >&2; exit 1; fi
printf '%-58s %10.0f events/s  (%s accepted per /metrics; %s fdatasyncs; %s)\n' "opentrail serve, durable ACKs (wrk -c${BENCH_SERVE_CONNS:-8})" "$eps" "$got" "$syncs" "$wrk_lat"
printf '%-58s %10.0f events/s  (%.2fx of it)\n' "reference: gzip -6 of the same NDJSON to a file" "$ref_eps" "$(echo "$eps / $ref_eps" | bc -l)"

# delivery behind the spool: the time until every accepted record was offered to the trail
# (the trail keeps the management events among them) and the open files are sealed
for _ in $(seq 1 3000); do
    [ "$(metric opentrail_delivery_records_read_total)" -ge "$a1" ] && break
    sleep 0.2
done
t_done=$(date +%s.%N)
if [ "$(metric opentrail_delivery_records_read_total)" -lt "$a1" ]; then
    echo "bench: delivery did not catch up within 600 s" >&2
    exit 1
fi
printf '%-58s %10.0f events/s  (every record read back and placed %.1f s after the load stopped)\n' \
    "opentrail serve, end to end (ACK + read back and placed)" "$(echo "$got / ($t_done - $t_start)" | bc -l)" \
    "$(echo "$t_done - $t_start - $SECONDS_SAT" | bc -l)"

# latency at a fixed rate, then the soak
/usr/bin/python3 "$ROOT/bench/serve_load.py" "$URL" "$TOKEN" "$W/events.ndjson" --rate "$RATE" --batch 100 --seconds 20 >"$W/lat.out"
sed 's/^/fixed rate '"$RATE"' events\/s: /' "$W/lat.out"
rss1=$(rss_kb)
/usr/bin/python3 "$ROOT/bench/serve_load.py" "$URL" "$TOKEN" "$W/events.ndjson" --rate "$RATE" --batch 100 --seconds "$SOAK" >"$W/soak.out" &
LP=$!
samples=()
for _ in $(seq 1 "$SOAK"); do sleep 1; samples+=("$(rss_kb)"); done
wait $LP
n=${#samples[@]}
q=$((n / 4 > 0 ? n / 4 : 1))
first=$(printf '%s\n' "${samples[@]:0:$q}" | sort -n | tail -1)
last=$(printf '%s\n' "${samples[@]:$((n - q)):$q}" | sort -n | tail -1)
echo "soak ${SOAK} s at $RATE events/s: $(head -1 "$W/soak.out")"
echo "daemon RSS: idle $((rss0 / 1024)) MB, after the saturation run $((rss1 / 1024)) MB, soak first quarter max $((first / 1024)) MB, last quarter max $((last / 1024)) MB"
kill -TERM $PID; wait $PID; PID=
echo "delivered: $(ls "$W/d/buckets/bench-logs/AWSLogs"/*/CloudTrail/*/*/*/*/ | wc -l) log files; spool left: $(du -sh "$W/d/spool" | cut -f1)"
