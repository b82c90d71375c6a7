#!/usr/bin/env bash
# S3 backend against a REAL OpenStack Swift with s3api (Debian packages),
# started here on loopback by tests/servers/swift-s3.sh on non-default ports
# and stopped on exit: every backend op through our client (test_s3 live
# mode), a trail ingested into Swift, read back by the AWS CLI (s3 ls, cp,
# sync, head-object), validated straight from the bucket by opentrail and,
# after a download, by the AWS CLI's own validator; then faults. Faults come
# from tests/servers/fault_proxy.py, a small Python proxy written for these
# tests (500, 503, dropped connections, a server "down" for seconds) in front
# of the real Swift, and from stopping the proxy outright (refused).
. "$(dirname "$0")/lib.sh"
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
UNIT=$(dirname "$OT")/unit/test_s3
export SWIFT_S3_PORT=${OT_TEST_SWIFT_PORT:-18380}
export SWIFT_S3_DIR=$T/swift
PROXY_PORT=${OT_TEST_PROXY_PORT:-18390}
PROXY_PID=
cleanup() {
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
    "$HERE/tests/servers/swift-s3.sh" stop >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

if ! env_out=$("$HERE/tests/servers/swift-s3.sh" start 2>"$T/swift.err"); then
    notok "Swift s3api starts on 127.0.0.1:$SWIFT_S3_PORT: $(tail -5 "$T/swift.err")"
    exit 1
fi
eval "$env_out"
ok "Swift s3api starts on 127.0.0.1:$SWIFT_S3_PORT"
AWS=(/usr/bin/aws --endpoint-url "$S3_ENDPOINT")
D=$T/data

# --- every backend op through our client, SSE AES256 on -------------------
"${AWS[@]}" s3 mb s3://ot-live >/dev/null
OT_S3_LIVE_ENDPOINT=$S3_ENDPOINT OT_S3_LIVE_BUCKET=ot-live OT_S3_LIVE_SSE=AES256 "$UNIT" >"$T/live.log" 2>&1
expect_eq "backend ops on Swift: put/get/head/list/delete/metadata pair/multipart/SSE (test_s3 live)" "$?" 0
grep -q '^\[       OK \] test_live' "$T/live.log" || notok "test_live ran and passed: $(grep -A3 test_live "$T/live.log" | head -5)"
"${AWS[@]}" s3api head-object --bucket ot-live --key m/big.bin >"$T/head.json"
expect_eq "AWS CLI: our multipart object has 3 parts" "$(jq -r .ETag "$T/head.json" | sed 's/.*-//; s/"//')" 3
# Swift accepts x-amz-server-side-encryption: AES256 (the live test puts every
# object with it) but does not echo it on HEAD; it refuses aws:kms with 501,
# which shows the header really goes out and the refusal is one clear line
"${AWS[@]}" s3 mb s3://ot-kms >/dev/null
expect_rc "--s3-sse aws:kms on Swift: refused" 2 "$OT" --data-dir "$T/kms" ingest --trail main --bucket ot-kms --replay --s3-endpoint "$S3_ENDPOINT" --s3-sse aws:kms --s3-retry-for 2 "$INV"
expect_grep "aws:kms on Swift: 501 NotImplemented, said so" "501 NotImplemented.*does not support" "$T/err"
"${AWS[@]}" s3api head-object --bucket ot-live --key d/digest.json.gz >"$T/head.json"
expect_eq "AWS CLI: digest metadata signature-algorithm" "$(jq -r '.Metadata["signature-algorithm"]' "$T/head.json")" SHA256withRSA
expect_eq "AWS CLI: digest metadata signature (512 hex)" "$(jq -r '.Metadata.signature | length' "$T/head.json")" 512
expect_eq "AWS CLI: Content-Encoding gzip on .json.gz" "$(jq -r .ContentEncoding "$T/head.json")" gzip

# --- a trail into Swift ------------------------------------------------------
"${AWS[@]}" s3 mb s3://ot-trail >/dev/null
expect_rc "ingest --s3-endpoint" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-trail --replay --s3-endpoint "$S3_ENDPOINT" --s3-sse AES256 "$INV"
expect_grep "ingest summary names the endpoint" "2900 records into 12 log files .* 2 digests in $S3_ENDPOINT/ot-trail" "$T/err"
"${AWS[@]}" s3 ls --recursive s3://ot-trail/ >"$T/ls"
expect_eq "AWS CLI s3 ls: 12 log files" "$(grep -c '/CloudTrail/.*\.json\.gz$' "$T/ls")" 12
expect_eq "AWS CLI s3 ls: 2 digests" "$(grep -c '/CloudTrail-Digest/.*\.json\.gz$' "$T/ls")" 2
first=$(awk '/\/CloudTrail\//{print $4; exit}' "$T/ls")
"${AWS[@]}" s3 cp "s3://ot-trail/$first" "$T/first.json.gz" >/dev/null
expect_eq "AWS CLI s3 cp fetches a log file that gunzips to JSON Records" "$(gzip -dc "$T/first.json.gz" | jq '.Records | length > 0')" true
ACCT=123837392027
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/main
VAL=(validate --trail-arn "$ARN" --start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z --s3-bucket ot-trail)
expect_rc "opentrail validate straight from the bucket" 0 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT"
expect_grep "validate over S3: 2/2 digests" "^2/2 digest files valid$" "$T/out"
expect_grep "validate over S3: 12/12 log files" "^12/12 log files valid$" "$T/out"
# the AWS CLI's validator on a download of the bucket (signatures in the sidecars it reads)
"${AWS[@]}" s3 sync --quiet s3://ot-trail "$T/tree/ot-trail"
for k in $(grep -o 'AWSLogs/.*CloudTrail-Digest/.*\.json\.gz$' "$T/ls"); do
    "${AWS[@]}" s3api head-object --bucket ot-trail --key "$k" | jq -c .Metadata >"$T/tree/ot-trail/$k.meta.json"
done
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
"${AWSV[@]}" "$T/tree" "$T/keys.json" "$ARN" ot-trail 2023-07-10T00:00:00Z 2023-07-10T13:30:00Z >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator on the synced bucket: exit 0" "$?" 0
expect_grep "AWS CLI validator: 2/2 digests" "^2/2 digest files valid$" "$T/aws.out"
expect_grep "AWS CLI validator: 12/12 log files" "^12/12 log files valid$" "$T/aws.out"
# tamper with one log file in the bucket: both validators notice
"${AWS[@]}" s3 cp --quiet "$T/first.json.gz" "s3://ot-trail/$first.orig"
printf '{"Records":[]}' | gzip -n | "${AWS[@]}" s3 cp --quiet - "s3://ot-trail/$first"
expect_rc "validate over S3 finds a replaced log file" 1 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT"
expect_grep "validate over S3: 11/12 valid, 1 INVALID" "^11/12 log files valid, 1/12 log files INVALID$" "$T/out"
"${AWS[@]}" s3 cp --quiet "$T/first.json.gz" "s3://ot-trail/$first"

# virtual-host addressing: BUCKET.localhost (curl resolves *.localhost to
# loopback; the harness sets s3api's storage_domain = localhost)
"${AWS[@]}" s3 mb s3://ot-vhost >/dev/null
expect_rc "ingest --s3-virtual-host" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-vhost --replay --s3-endpoint "http://localhost:$SWIFT_S3_PORT" --s3-virtual-host --s3-retry-for 5 "$INV"
expect_eq "virtual-host: the AWS CLI (path style) lists 14 objects" "$("${AWS[@]}" s3 ls --recursive s3://ot-vhost/ | wc -l)" 14
expect_rc "validate --s3-virtual-host" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z --s3-bucket ot-vhost --s3-endpoint "http://localhost:$SWIFT_S3_PORT" --s3-virtual-host
expect_grep "validate --s3-virtual-host: 12/12 log files" "^12/12 log files valid$" "$T/out"
expect_eq "virtual-host: requests reached Swift as /KEY, no bucket in the path" "$(grep -c 'PUT /AWSLogs/' "$SWIFT_S3_DIR/log/proxy.log" | awk '{print ($1 >= 14)}')" 1

# --- bad input: one clear line, non-zero exit --------------------------------
expect_rc "a missing bucket" 4 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --start-time 2023-07-10T00:00:00Z --s3-bucket no-such-bkt --s3-endpoint "$S3_ENDPOINT"
expect_grep "missing bucket: says so" "no such bucket" "$T/err"
expect_rc "a bad endpoint" 2 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "127.0.0.1:$SWIFT_S3_PORT"
expect_grep "bad endpoint: says what to give" "bad S3 endpoint.*http\[s\]://HOST\[:PORT\]" "$T/err"
AWS_SECRET_ACCESS_KEY=wrong-secret-xyz expect_rc "a wrong secret key" 2 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT"
expect_grep "wrong secret: 403 SignatureDoesNotMatch" "403 SignatureDoesNotMatch" "$T/err"
expect_eq "wrong secret: not echoed" "$(grep -c wrong-secret-xyz "$T/err")" 0
expect_eq "bad input: one line on stderr" "$(wc -l <"$T/err")" 1
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; HOME="$T/nohome" expect_rc "no credentials" 2 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT")
expect_grep "no credentials: says where they come from" "no S3 credentials.*AWS_ACCESS_KEY_ID" "$T/err"
mkdir -p "$T/home/.aws"
printf '[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T/home/.aws/credentials"
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; HOME="$T/home" expect_rc "credentials from ~/.aws/credentials (--s3-profile)" 0 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT" --s3-profile ci)
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; HOME="$T/home" expect_rc "a profile not in the file" 2 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "$S3_ENDPOINT" --s3-profile nope)
expect_grep "missing profile: named, with the file" "no profile 'nope'.*credentials" "$T/err"
expect_rc "refused connection: retried, then one clear error" 4 "$OT" --data-dir "$D" "${VAL[@]}" --s3-endpoint "http://127.0.0.1:$PROXY_PORT" --s3-retry-for 1
expect_grep "refused: gave up after N attempts" "Couldn't connect to server \(gave up after [0-9]+ attempts" "$T/err"

# --- faults: 500, 503, dropped connections, a server down -------------------
start_proxy() { # args for fault_proxy.py
    /usr/bin/python3 "$HERE/tests/servers/fault_proxy.py" --listen "127.0.0.1:$PROXY_PORT" \
        --upstream "127.0.0.1:$SWIFT_S3_PORT" --log "$T/faults.log" "$@" >"$T/proxy.out" 2>&1 &
    PROXY_PID=$!
    for _ in $(seq 50); do grep -q READY "$T/proxy.out" && return 0; sleep 0.1; done
    notok "fault proxy started"
}
stop_proxy() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
PX=http://127.0.0.1:$PROXY_PORT
count_records() { # bucket -> records in its log files, read by the AWS CLI
    rm -rf "$T/cnt" && "${AWS[@]}" s3 sync --quiet "s3://$1" "$T/cnt" &&
        find "$T/cnt" -path '*/CloudTrail/*' -name '*.json.gz' -exec sh -c 'gzip -dc "$1" | jq ".Records | length"' _ {} \; |
        awk '{s += $1} END {print s + 0}'
}

"${AWS[@]}" s3 mb s3://ot-faults >/dev/null
: >"$T/faults.log"
start_proxy --every 2 --lose-puts 3
expect_rc "ingest through 500/503/dropped connections/lost answers (every 2nd request)" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-faults --replay --s3-endpoint "$PX" --s3-retry-for 30 "$INV"
expect_eq "faults were injected: 500" "$(grep -c '^500 ' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
expect_eq "faults were injected: 503" "$(grep -c '^503 ' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
expect_eq "faults were injected: dropped" "$(grep -c '^drop ' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
expect_eq "faults were injected: answer lost after the server did the work" "$(grep -c '^lost PUT ' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
expect_rc "validate through the same faults" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z --s3-bucket ot-faults --s3-endpoint "$PX" --s3-retry-for 30
expect_grep "validate through faults: 12/12 log files" "^12/12 log files valid$" "$T/out"
"${AWS[@]}" s3 mb s3://ot-live2 >/dev/null
: >"$T/faults.log"
OT_S3_LIVE_ENDPOINT=$PX OT_S3_LIVE_BUCKET=ot-live2 "$UNIT" >"$T/live.log" 2>&1
expect_eq "every backend op, multipart included, through the same faults (test_s3 live)" "$?" 0
expect_eq "faults hit multipart parts" "$(grep -c 'partNumber=' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
stop_proxy
expect_eq "nothing acknowledged lost: 2900 records in the bucket" "$(count_records ot-faults)" 2900

"${AWS[@]}" s3 mb s3://ot-down >/dev/null
: >"$T/faults.log"
start_proxy --down-after 6 --down-for 3
t0=$(date +%s%N)
expect_rc "ingest while the server is down for 3 s mid-run" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-down --replay --s3-endpoint "$PX" --s3-retry-for 30 "$INV"
t1=$(date +%s%N)
expect_eq "the outage happened (dropped requests logged)" "$(grep -c '^down ' "$T/faults.log" | awk '{print ($1 > 0)}')" 1
expect_eq "the run waited the outage out (>= 3 s)" "$(( (t1 - t0) / 1000000 >= 3000 ))" 1
stop_proxy
expect_eq "nothing lost across the outage: 2900 records" "$(count_records ot-down)" 2900
expect_rc "the trail written across the outage validates" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z --s3-bucket ot-down --s3-endpoint "$S3_ENDPOINT"

# refused connections: the proxy is not there when ingest starts, comes up 2 s later
"${AWS[@]}" s3 mb s3://ot-refused >/dev/null
"$OT" --data-dir "$D" ingest --trail main --bucket ot-refused --replay --s3-endpoint "$PX" --s3-retry-for 30 "$INV" >"$T/out" 2>"$T/err" &
ipid=$!
sleep 2
start_proxy
wait "$ipid"
expect_eq "ingest started with the server down (refused) completes once it is up" "$?" 0
stop_proxy
expect_eq "nothing lost after refused connections: 2900 records" "$(count_records ot-refused)" 2900
