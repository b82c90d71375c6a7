#!/usr/bin/env bash
# bench/alert.sh - alert latency (issue 6, 9b): 200 alarm-worthy events, one
# every 100 ms, sent while bench/serve_load.py keeps 10,000 events/s of
# background load on the same daemon; each matches its own metric filter and
# alarm, whose signed webhook goes to a receiver in bench/alert_latency.py.
# Latency: the event's ACK to its notification's arrival. Goal: p99 <= 1 s,
# p50 <= 100 ms. The receiver must see every one (a missing one fails the run).
. "$(dirname "$0")/lib.sh"
PORT=${BENCH_ALERT_PORT:-18720}
URL=http://127.0.0.1:$PORT
N=${BENCH_ALERT_COUNT:-200}
RATE=${BENCH_ALERT_BACKGROUND:-10000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ot-bench-alert.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$W"' EXIT
TOKEN=bench-secret-0123456789abcdefghijklmn

/usr/bin/python3 "$SHARED/tools/gen_cloudtrail.py" --ndjson "$W/gen.ndjson" --files 1 --records-per-file 2000 --quiet >/dev/null
jq -c 'del(.eventID)' "$W/gen.ndjson" >"$W/events.ndjson"
mkdir -p "$W/d"
{
    cat <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {SpoolMaxBytes: 8G, SpaceLeftBytes: 0}
Delivery: {IntervalSeconds: 60}
CisPack: false
Keys:
  - {AccessKeyId: OTABENCH000000000001, SecretAccessKey: $TOKEN, Scope: admin}
Trails:
  - {Name: bench, S3BucketName: bench-logs, HomeRegion: us-east-1, IsMultiRegionTrail: true}
Notifiers:
  - {Name: hook, Type: webhook, Url: "http://127.0.0.1:$((PORT + 1))/alerts", Secret: bench-webhook-secret-0123456789}
Alerting: {MaxPending: 10000}
MetricFilters:
EOF
    for i in $(seq 0 $((N - 1))); do
        echo "  - {filterName: f$i, filterPattern: '{ \$.eventName = \"BenchAlarm$i\" }', metricTransformations: [{metricName: M$i, metricNamespace: Bench, metricValue: \"1\"}]}"
    done
    echo "Alarms:"
    for i in $(seq 0 $((N - 1))); do
        echo "  - {AlarmName: a$i, MetricName: M$i, Namespace: Bench, Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: GreaterThanOrEqualToThreshold, TreatMissingData: notBreaching, AlarmActions: [hook]}"
    done
} >"$W/d/opentrail.yaml"
chmod 600 "$W/d/opentrail.yaml"
"$OT" --data-dir "$W/d" serve >"$W/serve.out" 2>"$W/serve.err" &
PID=$!
for _ in $(seq 1 100); do curl -fs "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

secs=$((N / 10 + 6))
echo "== alert latency: $N alarm-worthy events (one alarm each, signed webhook) in $RATE events/s of background, $(nproc) cores"
/usr/bin/python3 "$ROOT/bench/serve_load.py" "$URL" "$TOKEN" "$W/events.ndjson" --rate "$RATE" --batch 100 --seconds "$secs" >"$W/bg.out" &
BG=$!
sleep 2
/usr/bin/python3 "$ROOT/bench/alert_latency.py" "$URL" "$TOKEN" $((PORT + 1)) "$N" --every-ms 100
rc=$?
wait $BG
echo "background: $(head -1 "$W/bg.out")"
kill -TERM $PID; wait $PID; PID=
exit $rc
