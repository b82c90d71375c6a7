#!/usr/bin/env bash
# opentrail serve under faults: kill -9 at random moments while a client
# posts without pause (>= 20 kills), a spool at its configured cap, and a
# disk that really fills up (a small tmpfs). After each: every acknowledged
# event is in exactly one log file of the trail, and the trail validates
# under opentrail validate and the AWS CLI's own validator.
. "$(dirname "$0")/lib.sh"
PORT=${OT_TEST_CRASH_PORT:-18640}
URL=http://127.0.0.1:$PORT
CLIENT=(/usr/bin/python3 "$(dirname "$0")/serve_client.py")
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
SECRET=crash-secret-0123456789abcdefghijkl
KILLS=${OT_TEST_KILLS:-20}
PID=
CPID=
MNT=
cleanup() {
    [ -n "$CPID" ] && kill "$CPID" 2>/dev/null
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

config() { # config DIR INTERVAL SPOOL_MAX HELD_MAX
    mkdir -p "$1"
    cat >"$1/opentrail.yaml" <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {SpoolMaxBytes: $3, SpaceLeftBytes: 0}
Delivery: {IntervalSeconds: $2, MaxHeldBytes: $4}
CisPack: false
Keys:
  - {AccessKeyId: OTATESTCRASH00000001, SecretAccessKey: $SECRET, Scope: admin}
Trails:
  - {Name: main, S3BucketName: crash-logs, HomeRegion: us-east-1, IsMultiRegionTrail: true, LogFileValidationEnabled: true}
EOF
    chmod 600 "$1/opentrail.yaml"
}
start() { # start DIR
    "$OT" --data-dir "$1" serve >>"$T/serve.out" 2>>"$T/serve.err" &
    PID=$!
    for _ in $(seq 1 200); do
        curl -fs "$URL/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
stop() {
    kill -TERM "$PID" 2>/dev/null
    wait "$PID"
    STOP_RC=$?
    PID=
}
# check NAME DIR ACKED: exactly once, and both validators agree it is intact
check() {
    local name=$1 dir=$2 acked=$3
    "$OT" cat --fields eventID --format tsv "$dir/buckets/crash-logs" 2>/dev/null | tail -n +2 | sort >"$T/got.ids"
    sort -u "$acked" >"$T/acked.ids"
    local nacked missing twice
    nacked=$(wc -l <"$T/acked.ids")
    missing=$(comm -23 "$T/acked.ids" "$T/got.ids" | wc -l)
    twice=$(uniq -d "$T/got.ids" | wc -l)
    if [ "$nacked" -gt 0 ]; then ok "$name: $nacked events acknowledged"; else notok "$name: nothing was acknowledged"; fi
    expect_eq "$name: every acknowledged event delivered" "$missing" 0
    expect_eq "$name: no event in two log files" "$twice" 0
    "$OT" --data-dir "$dir" keys export --array >"$T/keys.json"
    local start end arn
    start=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
    end=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
    arn=arn:aws:cloudtrail:us-east-1:111122223333:trail/main
    expect_rc "$name: opentrail validate" 0 "$OT" --data-dir "$dir" validate --trail-arn "$arn" --s3-bucket crash-logs --start-time "$start" --end-time "$end"
    expect_grep "$name: opentrail validate checked digests" "^[1-9][0-9]*/[1-9][0-9]* digest files valid" "$T/out"
    "${AWSV[@]}" "$dir/buckets" "$T/keys.json" "$arn" crash-logs "$start" "$end" >"$T/aws.out" 2>"$T/aws.err"
    expect_eq "$name: AWS CLI validator exit" "$?" 0
    expect_grep "$name: AWS CLI validator found digests and logs" "^[1-9][0-9]*/[1-9][0-9]* log files valid" "$T/aws.out"
    expect_eq "$name: AWS CLI validator: nothing INVALID" "$(grep -c INVALID "$T/aws.out")" 0
}

# --- kill -9 at random moments while posting ---------------------------------------
D=$T/kill
config "$D" 1 256M 128M
if start "$D"; then ok "daemon starts"; else notok "daemon did not start: $(tail -3 "$T/serve.err")"; fi
"${CLIENT[@]}" post-loop "$URL" "$SECRET" "$T/acked" "$T/stop" --batch 40 &
CPID=$!
restarts=0
for i in $(seq 1 "$KILLS"); do
    sleep "$(awk -v s="$RANDOM" 'BEGIN{srand(s); printf "%.2f", 0.2 + rand() * 1.3}')"
    kill -9 "$PID"
    wait "$PID" 2>/dev/null
    PID=
    if start "$D"; then restarts=$((restarts + 1)); fi
done
expect_eq "$KILLS kill -9 and restarts" "$restarts" "$KILLS"
sleep 1
touch "$T/stop"
wait "$CPID"
CPID=
stop
expect_eq "graceful stop after the kills" "$STOP_RC" 0
expect_grep "replays happened (the spool had acknowledged records to deliver)" "to replay from position" "$T/serve.err"
check "kill -9" "$D" "$T/acked"
if grep -q "runtime error\|AddressSanitizer" "$T/serve.err"; then notok "sanitizers: $(grep -m1 "runtime error\|AddressSanitizer" "$T/serve.err")"; else ok "no sanitizer report across the kills"; fi

# --- the spool at its configured cap: 503 + Retry-After, nothing lost ------------------
D=$T/cap
: >"$T/acked2"
config "$D" 3600 1M 64M
start "$D" || notok "cap: daemon did not start"
jq -nc '[range(0;200)] | .[] | {eventVersion:"1.08",userIdentity:{type:"Root"},eventTime:"2026-01-01T00:00:00Z",eventSource:"iam.amazonaws.com",eventName:"GetUser",awsRegion:"us-east-1",recipientAccountId:"111122223333",requestParameters:{pad:("x" * 200)}}' >"$T/batch.ndjson"
saw503=0
for i in $(seq 1 40); do
    sed "s/\"eventVersion\"/\"eventID\":\"cap-$i-RN\",\"eventVersion\"/" "$T/batch.ndjson" | awk '{sub(/RN/, NR); print}' >"$T/b.ndjson"
    code=$(curl -s -D "$T/h" -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $SECRET" --data-binary @"$T/b.ndjson" "$URL/v1/events")
    if [ "$code" = 200 ]; then
        jq -r .eventID "$T/b.ndjson" >>"$T/acked2"
    elif [ "$code" = 503 ]; then
        saw503=1
        break
    fi
done
expect_eq "spool at SpoolMaxBytes: 503" "$saw503" 1
expect_grep "... with Retry-After" "^Retry-After: [0-9]+" "$T/h"
expect_grep "... and a JSON reason" '"message":"spool full' "$T/r"
stop
expect_eq "cap: graceful stop" "$STOP_RC" 0
check "spool cap" "$D" "$T/acked2"

# --- a disk that fills up: a 6 MB tmpfs ----------------------------------------------------
MNT=$T/small
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=6m tmpfs "$MNT" 2>"$T/mount.err"; then
    MNT=
    echo "# disk-full part not run: cannot mount a tmpfs here ($(cat "$T/mount.err")); not counted"
else
    D=$MNT/data
    : >"$T/acked3"
    config "$D" 1 256M 64M
    start "$D" || notok "disk full: daemon did not start"
    dd if=/dev/zero of="$MNT/filler" bs=1M count=2 2>/dev/null
    full=0
    for i in $(seq 1 200); do
        sed "s/\"eventVersion\"/\"eventID\":\"full-$i-RN\",\"eventVersion\"/" "$T/batch.ndjson" | awk '{sub(/RN/, NR); print}' >"$T/b.ndjson"
        code=$(curl -s -D "$T/h" -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $SECRET" --data-binary @"$T/b.ndjson" "$URL/v1/events")
        if [ "$code" = 200 ]; then
            jq -r .eventID "$T/b.ndjson" >>"$T/acked3"
        elif [ "$code" = 503 ]; then
            full=1
            break
        else
            notok "disk full: unexpected $code: $(head -c 300 "$T/r")"
            break
        fi
    done
    expect_eq "disk full: 503 instead of a crash" "$full" 1
    expect_grep "... with Retry-After" "^Retry-After: [0-9]+" "$T/h"
    if kill -0 "$PID" 2>/dev/null; then ok "disk full: the daemon is still up"; else notok "disk full: the daemon died"; fi
    rm -f "$MNT/filler" # space comes back: delivery resumes by itself
    sleep 3
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" --data-binary @<(head -1 "$T/batch.ndjson" | jq -c '.eventID = "after-full-1"') "$URL/v1/events")
    expect_eq "disk has room again: 200" "$code" 200
    [ "$code" = 200 ] && echo after-full-1 >>"$T/acked3"
    stop
    expect_eq "disk full: graceful stop" "$STOP_RC" 0
    check "disk full" "$D" "$T/acked3"
fi
