#!/usr/bin/env bash
# A trail on S3 in the daemon: opentrail serve with Storage: {Backend: s3}
# delivering to a REAL OpenStack Swift with s3api, started here on loopback
# (tests/servers/swift-s3.sh, ports 18480-18484) and stopped on exit. Events
# POSTed to the daemon (port 18690) land in the bucket as log files and
# digests, sent with SSE AES256; the AWS CLI lists and fetches them; opentrail
# validate (over S3) and the AWS CLI's validator (on a download, signatures
# from head-object) accept them. Then Swift's S3 endpoint is stopped for
# 20 s while events keep coming: every one is acknowledged (the spool holds
# it), delivery resumes when Swift is back, and nothing is lost or doubled.
# A trail with its own Storage (local disk; another bucket with credentials
# from a profile) shows per-trail stores.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
export SWIFT_S3_PORT=${OT_TEST_SWIFT_PORT:-18480}
export SWIFT_S3_DIR=$T/swift
PORT=${OT_TEST_SERVE_S3_PORT:-18690}
URL=http://127.0.0.1:$PORT
D=$T/data
TOKEN=admin-secret-0123456789abcdefghij
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
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
"${AWS[@]}" s3 mb s3://ot-serve >/dev/null
"${AWS[@]}" s3 mb s3://ot-serve-prof >/dev/null

start() {
    "$OT" --data-dir "$D" serve --listen "127.0.0.1:$PORT" >>"$T/serve.out" 2>>"$T/serve.err" &
    PID=$!
    for _ in $(seq 1 100); do
        curl -fs "$URL/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
stop() {
    kill -TERM "$PID" 2>/dev/null
    wait "$PID"
    STOP_RC=$?
    PID=
}
post() { # post FILE: prints the number accepted
    curl -s -H "Authorization: Bearer $TOKEN" --data-binary @"$1" "$URL/v1/events" | jq '.accepted'
}
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# --- the config: the default Storage is Swift; two trails bring their own ---------
mkdir -p "$D/home/.aws"
printf '[swift]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T/creds"
cat >"$D/opentrail.yaml" <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {SpoolMaxBytes: 64M, SpaceLeftBytes: 0}
Delivery: {IntervalSeconds: 1}
CisPack: false
Keys:
  - {AccessKeyId: OTATESTADMIN00000001, SecretAccessKey: $TOKEN, Scope: admin}
Storage:
  Backend: s3
  Endpoint: $S3_ENDPOINT
  Region: us-east-1
  ServerSideEncryption: AES256
  StorageClasses: false
  TimeoutSeconds: 5
  RetryForSeconds: 3
Trails:
  - {Name: main, S3BucketName: ot-serve, IsMultiRegionTrail: true, LogFileValidationEnabled: true}
  - Name: ondisk
    S3BucketName: disk-logs
    IsMultiRegionTrail: true
    LogFileValidationEnabled: true
    Storage: {Backend: local}
  - Name: profiled
    S3BucketName: ot-serve-prof
    IsMultiRegionTrail: true
    LogFileValidationEnabled: true
    Storage: {Backend: s3, Endpoint: $S3_ENDPOINT, CredentialsProfile: swift, CredentialsFile: $T/creds,
              ServerSideEncryption: AES256, RetryForSeconds: 3, TimeoutSeconds: 5}
EOF
chmod 600 "$D/opentrail.yaml"
expect_rc "serve --check-config takes Storage" 0 "$OT" --data-dir "$D" serve --check-config
expect_rc "config show" 0 "$OT" --data-dir "$D" config show
expect_grep "config show: the top-level Storage" "^  Backend: s3$" "$T/out"
expect_grep "config show: a trail's own Storage" "^      Backend: local$" "$T/out"
# bad Storage sections: one clear line each
cp "$D/opentrail.yaml" "$T/good.yaml"
sed 's|^  Endpoint: .*|  Endpoint: 127.0.0.1:9|' "$T/good.yaml" >"$D/opentrail.yaml"
expect_rc "Backend s3 without an http(s) Endpoint: refused" 2 "$OT" --data-dir "$D" serve --check-config
expect_grep "... naming the key and the fix" "Storage: Backend s3 needs an http:// or https:// Endpoint" "$T/err"
sed 's|^  StorageClasses: false|  KmsKeyId: k1|' "$T/good.yaml" >"$D/opentrail.yaml"
expect_rc "KmsKeyId without aws:kms: refused" 2 "$OT" --data-dir "$D" serve --check-config
sed 's|^  StorageClasses: false|  SecretAccessKey: sk-0123456789abcdef|' "$T/good.yaml" >"$D/opentrail.yaml"
expect_rc "half a key pair: refused" 2 "$OT" --data-dir "$D" serve --check-config
sed 's|^  StorageClasses: false|  AccessKeyId: "test:tester"\n  SecretAccessKey: not-shown-0123456789|' "$T/good.yaml" >"$D/opentrail.yaml"
chmod 644 "$D/opentrail.yaml"
expect_rc "a Storage secret in a world-readable config: refused" 2 "$OT" --data-dir "$D" serve --check-config
chmod 600 "$D/opentrail.yaml"
"$OT" --data-dir "$D" config show >"$T/show" 2>&1
expect_grep "config show redacts Storage.SecretAccessKey" 'SecretAccessKey: "<redacted>"' "$T/show"
expect_eq "... the secret is not printed" "$(grep -c not-shown-0123456789 "$T/show")" 0
cp "$T/good.yaml" "$D/opentrail.yaml"

# --- events in, log files and digests out, in Swift --------------------------------
if start; then ok "serve starts with trails on Swift"; else notok "serve did not start: $(tail -5 "$T/serve.err")"; fi
files=("$INV"/*.json)
half=$(( ${#files[@]} / 2 ))
want=0
acc=0
for f in "${files[@]:0:$half}"; do
    want=$((want + $(jq '.Records | length' "$f")))
    acc=$((acc + $(post "$f")))
done
expect_eq "first half of the corpus acknowledged" "$acc" "$want"
for _ in $(seq 1 100); do
    [ "$(metric opentrail_spool_pending_bytes)" = 0 ] && break
    sleep 0.2
done
expect_eq "delivered: nothing pending in the spool" "$(metric opentrail_spool_pending_bytes)" 0
"${AWS[@]}" s3 ls --recursive s3://ot-serve/ >"$T/ls1"
n1=$(grep -c '/CloudTrail/.*\.json\.gz$' "$T/ls1")
if [ "$n1" -gt 0 ]; then ok "AWS CLI s3 ls: $n1 log files in the Swift bucket"; else notok "no log files in s3://ot-serve: $(tail -5 "$T/serve.err")"; fi
expect_eq "nothing of trail main on local disk" "$(find "$D/buckets" -path '*ot-serve*' 2>/dev/null | wc -l)" 0

# --- Swift's S3 endpoint down for 20 s while events keep coming ----------------
PROXY_PIDF=$SWIFT_S3_DIR/run/proxy.pid
kill "$(cat "$PROXY_PIDF")"
for _ in $(seq 50); do curl -s -o /dev/null "$S3_ENDPOINT" || break; sleep 0.1; done
if curl -s -o /dev/null "$S3_ENDPOINT"; then notok "Swift's proxy stopped"; else ok "Swift's S3 endpoint stopped (connections refused)"; fi
t0=$(date +%s)
acc=0
want2=0
for f in "${files[@]:$half}"; do
    want2=$((want2 + $(jq '.Records | length' "$f")))
    acc=$((acc + $(post "$f")))
    sleep 0.3
done
expect_eq "while Swift is down: every event acknowledged (the spool holds them)" "$acc" "$want2"
sleep $(( 20 - ($(date +%s) - t0) > 0 ? 20 - ($(date +%s) - t0) : 0 ))
if [ "$(metric opentrail_spool_pending_bytes)" -gt 0 ]; then ok "... and held: not yet delivered"; else notok "pending bytes 0 while Swift was down"; fi
expect_grep "delivery failure logged, recovering from the spool" "delivery (failed|cannot start).*(Couldn't connect|connect)" "$T/serve.err"
expect_eq "/metrics: delivery_ok 0 while Swift is down" "$(metric opentrail_delivery_ok)" 0
# Swift back: the same launcher, config and port
setsid /usr/bin/python3 "$SWIFT_S3_DIR/etc/launch.py" "$(command -v swift-proxy-server)" "$SWIFT_S3_DIR/etc/proxy-server.conf" -v \
    >>"$SWIFT_S3_DIR/log/proxy.log" 2>&1 </dev/null &
echo $! >"$PROXY_PIDF"
for _ in $(seq 100); do curl -s -o /dev/null "$S3_ENDPOINT" && break; sleep 0.1; done
t1=$(date +%s)
for _ in $(seq 1 300); do
    [ "$(metric opentrail_spool_pending_bytes)" = 0 ] && [ "$(metric opentrail_delivery_ok)" = 1 ] && break
    sleep 0.2
done
expect_eq "Swift back: delivery resumes, nothing pending" "$(metric opentrail_spool_pending_bytes)" 0
echo "# delivery caught up $(( $(date +%s) - t1 )) s after Swift came back"
# the SSE header really goes out: Swift refuses aws:kms with 501 (a reload to it)
sed 's|^  ServerSideEncryption: AES256|  ServerSideEncryption: aws:kms|' "$T/good.yaml" >"$D/opentrail.yaml"
kill -HUP "$PID"
echo '{"Records":[]}' >/dev/null
jq -c '.Records[0] | .eventID = "kms-probe-1"' "${files[0]}" >"$T/probe.ndjson"
expect_eq "an event after the reload to aws:kms: acknowledged" "$(post "$T/probe.ndjson")" 1
for _ in $(seq 1 50); do grep -q "501 NotImplemented" "$T/serve.err" && break; sleep 0.2; done
expect_grep "aws:kms on Swift: 501 NotImplemented, logged (the SSE header is sent)" "501 NotImplemented" "$T/serve.err"
cp "$T/good.yaml" "$D/opentrail.yaml"
kill -HUP "$PID"
for _ in $(seq 1 300); do
    [ "$(metric opentrail_spool_pending_bytes)" = 0 ] && [ "$(metric opentrail_delivery_ok)" = 1 ] && break
    sleep 0.2
done
expect_eq "back on AES256: the held event delivered" "$(metric opentrail_spool_pending_bytes)" 0
stop
expect_eq "SIGTERM: clean exit" "$STOP_RC" 0
if grep -q "$AWS_SECRET_ACCESS_KEY\|$TOKEN" "$T/serve.err"; then notok "a secret reached the log"; else ok "no secret in the log"; fi

# --- what is in the bucket: read by the AWS CLI ---------------------------------------
total=$((want + want2 + 1))
rm -rf "$T/tree" && mkdir -p "$T/tree"
"${AWS[@]}" s3 cp --recursive --quiet s3://ot-serve "$T/tree/ot-serve"
"${AWS[@]}" s3 ls --recursive s3://ot-serve/ >"$T/ls"
expect_eq "AWS CLI s3 cp --recursive fetched every object" "$(find "$T/tree/ot-serve" -type f | wc -l)" "$(wc -l <"$T/ls")"
find "$T/tree/ot-serve" -path '*/CloudTrail/*' -name '*.json.gz' -exec gzip -dc {} \; | jq -r '.Records[].eventID' | sort >"$T/ids"
expect_eq "trail main on Swift: every acknowledged event, once" "$(wc -l <"$T/ids")" "$total"
expect_eq "... no eventID twice" "$(uniq -d "$T/ids" | wc -l)" 0
expect_eq "... the corpus is all there" "$(jq -r '.Records[].eventID' "$INV"/*.json | sort | comm -23 - "$T/ids" | wc -l)" 0
nd=$(grep -c '/CloudTrail-Digest/.*\.json\.gz$' "$T/ls")
if [ "$nd" -gt 0 ]; then ok "AWS CLI s3 ls: $nd digests"; else notok "no digests in s3://ot-serve"; fi
dk=$(grep -o 'AWSLogs/.*CloudTrail-Digest/.*\.json\.gz$' "$T/ls" | head -1)
"${AWS[@]}" s3api head-object --bucket ot-serve --key "$dk" >"$T/head.json"
expect_eq "head-object: digest signature-algorithm metadata" "$(jq -r '.Metadata["signature-algorithm"]' "$T/head.json")" SHA256withRSA
for k in $(grep -o 'AWSLogs/.*CloudTrail-Digest/.*\.json\.gz$' "$T/ls"); do
    "${AWS[@]}" s3api head-object --bucket ot-serve --key "$k" | jq -c .Metadata >"$T/tree/ot-serve/$k.meta.json"
done
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
START=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
ARN=arn:aws:cloudtrail:us-east-1:123837392027:trail/main
expect_rc "opentrail validate over S3 (the daemon's trail on Swift)" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket ot-serve --start-time "$START" --end-time "$END" --s3-endpoint "$S3_ENDPOINT"
expect_grep "... digests valid" "^[1-9][0-9]*/[1-9][0-9]* digest files valid$" "$T/out"
expect_grep "... log files valid" "^[1-9][0-9]*/[1-9][0-9]* log files valid$" "$T/out"
"${AWSV[@]}" "$T/tree" "$T/keys.json" "$ARN" ot-serve "$START" "$END" >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator on the downloaded bucket: exit 0" "$?" 0
expect_grep "... log files valid" "^[1-9][0-9]*/[1-9][0-9]* log files valid$" "$T/aws.out"
expect_eq "... nothing INVALID across the outage" "$(grep -c INVALID "$T/aws.out")" 0

# --- the trails with their own Storage ------------------------------------------------
expect_eq "trail ondisk (Storage: local): every event on local disk" "$("$OT" --data-dir "$D" cat --count "$D/buckets/disk-logs" 2>/dev/null | awk '{print $1}')" "$total"
expect_rc "trail ondisk validates on local disk" 0 "$OT" --data-dir "$D" validate --trail-arn arn:aws:cloudtrail:us-east-1:123837392027:trail/ondisk --s3-bucket disk-logs --start-time "$START" --end-time "$END"
expect_rc "trail profiled (credentials from a profile) validates over S3" 0 "$OT" --data-dir "$D" validate --trail-arn arn:aws:cloudtrail:us-east-1:123837392027:trail/profiled --s3-bucket ot-serve-prof --start-time "$START" --end-time "$END" --s3-endpoint "$S3_ENDPOINT"
expect_grep "... log files valid" "^[1-9][0-9]*/[1-9][0-9]* log files valid$" "$T/out"

# --- lifecycle on the S3 trail (Swift: no storage classes) ---------------------------------
LATER=$(date -u -d '+100 days' +%Y-%m-%dT%H:%M:%SZ)
nobj=$(wc -l <"$T/ls")
lc_cfg() { # lc_cfg STORAGE_CLASSES RULE
    sed "s|^  StorageClasses: false|  StorageClasses: $1|" "$T/good.yaml" >"$D/opentrail.yaml"
    printf 'LifecycleRules:\n  - %s\n' "$2" >>"$D/opentrail.yaml"
}
lc_cfg false '{Prefix: AWSLogs/, TransitionAfterDays: 30, StorageClass: GLACIER, ExpireAfterDays: 2555, RetainAtLeastDays: 365}'
expect_rc "lifecycle plan on the S3 trail" 0 "$OT" --data-dir "$D" lifecycle plan --bucket ot-serve --now "$LATER"
expect_grep "plan: every object would move to GLACIER" "transition: $nobj objects, [0-9]+ bytes \(([0-9]+) bytes to GLACIER\)" "$T/out"
expect_grep "plan: says the server cannot" "transition: unsupported by this server \(Storage.StorageClasses: false\)" "$T/out"
expect_rc "lifecycle run with StorageClasses: false: refused" 2 "$OT" --data-dir "$D" lifecycle run --bucket ot-serve --now "$LATER"
expect_grep "... 'unsupported by this server', nothing done" "transition of $nobj objects unsupported by this server .*nothing done" "$T/err"
lc_cfg true '{Prefix: AWSLogs/, TransitionAfterDays: 30, StorageClass: GLACIER, ExpireAfterDays: 2555, RetainAtLeastDays: 365}'
expect_rc "lifecycle run, StorageClasses: true on Swift: CopyObject answered 400, refused" 2 "$OT" --data-dir "$D" lifecycle run --bucket ot-serve --now "$LATER"
expect_grep "... storage class GLACIER unsupported by this server (400 InvalidStorageClass)" "storage class GLACIER unsupported by this server \(400 InvalidStorageClass\)" "$T/err"
"${AWS[@]}" s3api list-objects-v2 --bucket ot-serve >"$T/lo.json"
expect_eq "... every object still there, STANDARD" "$(jq '[.Contents[] | select(.StorageClass == "STANDARD")] | length' "$T/lo.json")" "$nobj"
"${AWS[@]}" s3api head-object --bucket ot-serve --key "$dk" >"$T/head2.json"
expect_eq "... the digest's signature metadata untouched" "$(jq -r .Metadata.signature "$T/head2.json")" "$(jq -r .Metadata.signature "$T/head.json")"
expect_rc "... and the trail still validates over S3" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket ot-serve --start-time "$START" --end-time "$END" --s3-endpoint "$S3_ENDPOINT"
# expiry on S3: DELETE, digests with their logs, the range recorded first
lc_cfg false '{Prefix: AWSLogs/, ExpireAfterDays: 30, RetainAtLeastDays: 10}'
lk=$(grep -o 'AWSLogs/.*/CloudTrail/.*\.json\.gz$' "$T/ls" | head -1)
expect_rc "lifecycle delete inside the retention lock: refused" 2 "$OT" --data-dir "$D" lifecycle delete --bucket ot-serve "$lk"
expect_grep "... naming the lock and when it lifts" "retention lock: rule Prefix \"AWSLogs/\" keeps this object 10 days, until" "$T/err"
expect_eq "... the object is still in the bucket" "$("${AWS[@]}" s3 ls "s3://ot-serve/$lk" | wc -l)" 1
expect_rc "lifecycle run: expiry on S3 40 days on" 0 "$OT" --data-dir "$D" lifecycle run --bucket ot-serve --now "$(date -u -d '+40 days' +%Y-%m-%dT%H:%M:%SZ)"
expect_grep "... everything expired" "bucket ot-serve: 0 moved to the archive tier, $nobj expired" "$T/out"
expect_eq "AWS CLI: the bucket is empty" "$("${AWS[@]}" s3 ls --recursive s3://ot-serve/ | wc -l)" 0
expect_eq "expired.json records the range" "$(jq -r '.ExpiredRanges[0].Bucket' "$D/state/expired.json")" ot-serve
expect_rc "validate over S3 after expiry: exit 0" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket ot-serve --start-time "$START" --end-time "$END" --s3-endpoint "$S3_ENDPOINT"
expect_grep "... reports the range as expired, not as tampering" "^\[opentrail\] expired by lifecycle rule \(Prefix \"AWSLogs/\", ExpireAfterDays 30\)" "$T/out"
cp "$T/good.yaml" "$D/opentrail.yaml"

# --- credentials that do not work: one clear line, delivery waits --------------------
sed 's|CredentialsProfile: swift|CredentialsProfile: nope|' "$T/good.yaml" >"$D/opentrail.yaml"
: >"$T/serve.err"
if start; then notok "serve became ready with a missing profile"; else ok "a missing credentials profile: delivery does not start"; fi
for _ in $(seq 1 30); do grep -q "no profile 'nope'" "$T/serve.err" && break; sleep 0.2; done
expect_grep "... logged with the trail and the file" "Trails\[2\] \(profiled\)\.Storage: .*creds.*no profile 'nope'" "$T/serve.err"
[ -n "$PID" ] && stop
