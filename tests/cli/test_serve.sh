#!/usr/bin/env bash
# opentrail serve, end to end on loopback: the daemon started here, real
# clients (curl with a bearer token, curl --aws-sigv4, botocore's SigV4
# signer for PutAuditEvents), every error answer, /metrics, SIGHUP reload,
# first start with the default config, and what arrived checked at the end by
# opentrail validate and by the AWS CLI's own validator.
. "$(dirname "$0")/lib.sh"
PORT=${OT_TEST_SERVE_PORT:-18620}
URL=http://127.0.0.1:$PORT
D=$T/data
CLIENT=(/usr/bin/python3 "$(dirname "$0")/serve_client.py")
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
ADMIN_ID=OTATESTADMIN00000001
ADMIN_SECRET=admin-secret-0123456789abcdefghij
INGEST_ID=OTATESTINGEST0000001
INGEST_SECRET=ingest-secret-0123456789abcdefghi
PID=

start() { # start [extra serve args...]: waits for /readyz
    "$OT" --data-dir "$D" serve --listen "127.0.0.1:$PORT" "$@" >>"$T/serve.out" 2>>"$T/serve.err" &
    PID=$!
    for _ in $(seq 1 100); do
        curl -fs "$URL/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
stop() { # stop: SIGTERM, wait, exit status in $STOP_RC
    kill -TERM "$PID" 2>/dev/null
    wait "$PID"
    STOP_RC=$?
    PID=
}
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$T"' EXIT

# --- first start: a commented default config, an admin key printed once -----
expect_rc "serve --help" 0 "$OT" serve --help
expect_grep "serve --help names the endpoints" "/v1/events.*PutAuditEvents|PutAuditEvents" "$T/out"
D0=$T/first
"$OT" --data-dir "$D0" serve --listen "127.0.0.1:$PORT" >"$T/first.out" 2>"$T/first.err" &
PID=$!
for _ in $(seq 1 100); do curl -fs "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
expect_grep "first start prints the admin key once" "SecretAccessKey: [A-Za-z0-9_-]{40}" "$T/first.out"
expect_eq "default config is 0600" "$(stat -c %a "$D0/opentrail.yaml")" 600
expect_eq "a signing key was generated" "$(ls "$D0/keys"/*.pem 2>/dev/null | wc -l)" 1
SECRET0=$(sed -n 's/.*SecretAccessKey: *//p' "$T/first.out")
if grep -q "$SECRET0" "$T/first.err"; then notok "the secret reached the log"; else ok "the secret is not in the log"; fi
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $SECRET0" --data-binary @"$INV/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json" "$URL/v1/events")
expect_eq "the printed key works at once" "$code" 200
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
expect_eq "SIGTERM: exit 0" "$rc" 0
expect_eq "first start's config passes --check-config" "$("$OT" --data-dir "$D0" serve --check-config >/dev/null 2>&1; echo $?)" 0
# the default config encrypts at rest: nothing on disk is gzip, every reader still reads it
lf=$(find "$D0/buckets" -path '*/CloudTrail/*' -name '*.json.gz' | head -1)
if [ -n "$lf" ] && [ "$(head -c 2 "$lf" | od -An -tx1 | tr -d ' ')" != "1f8b" ]; then ok "first start: log files are sealed at rest"; else notok "first start: $lf is not sealed"; fi
expect_eq "first start: a key-encryption key was generated" "$(ls "$D0/keys"/kek-*.key 2>/dev/null | wc -l)" 1
expect_rc "first start: opentrail cat reads the sealed files" 0 "$OT" --data-dir "$D0" cat --count "$D0/buckets/opentrail-logs"
expect_grep "... all 29 records" "^29 records" "$T/out"
expect_rc "first start: the sealed trail validates" 0 "$OT" --data-dir "$D0" validate --trail-arn arn:aws:cloudtrail:us-east-1:123837392027:trail/opentrail --s3-bucket opentrail-logs --start-time "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
expect_grep "... its digest and log file checked" "^1/1 log files valid" "$T/out"

# --- a config of our own: two trails, an ingest key, 1 s delivery ------------
mkdir -p "$D"
cat >"$D/opentrail.yaml" <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {MaxBodyBytes: 2M, MaxBatchRecords: 5000, SpoolMaxBytes: 64M, SpaceLeftBytes: 0, MaxConnections: 8}
Delivery: {IntervalSeconds: 1}
CisPack: false
Keys:
  - {AccessKeyId: $ADMIN_ID, SecretAccessKey: $ADMIN_SECRET, Scope: admin}
  - {AccessKeyId: $INGEST_ID, SecretAccessKey: $INGEST_SECRET, Scope: ingest, Account: "111122223333"}
Trails:
  - {Name: main, S3BucketName: main-logs, HomeRegion: us-east-1, IsMultiRegionTrail: true,
     IsOrganizationTrail: false, LogFileValidationEnabled: true}
  - {Name: org, S3BucketName: org-logs, S3KeyPrefix: audit, HomeRegion: eu-west-1, IsMultiRegionTrail: false,
     IncludeGlobalServiceEvents: false, IsOrganizationTrail: true, OrganizationId: o-a1b2c3d4e5, LogFileValidationEnabled: true}
  - Name: writes
    S3BucketName: write-logs
    HomeRegion: us-east-1
    IsMultiRegionTrail: true
    LogFileValidationEnabled: true
    AdvancedEventSelectors:
      - Name: writes only
        FieldSelectors:
          - {Field: eventCategory, Equals: [Management]}
          - {Field: readOnly, Equals: ["false"]}
EOF
chmod 600 "$D/opentrail.yaml"
if start; then ok "serve starts and answers /readyz"; else notok "serve did not start: $(tail -5 "$T/serve.err")"; fi
expect_eq "GET /healthz" "$(curl -s "$URL/healthz")" '{"status":"ok"}'

# --- bearer: the whole invictus corpus as {"Records":[...]} bodies -------------
want=0
acc=0
for f in "$INV"/*.json; do
    n=$(jq '.Records | length' "$f")
    want=$((want + n))
    got=$(curl -s -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @"$f" "$URL/v1/events" | jq '.accepted')
    acc=$((acc + got))
done
expect_eq "every invictus record accepted (bearer, Records bodies)" "$acc" "$want"

# --- NDJSON with bad records in the middle: the good ones are kept ----------------
jq -c '.Records[]' "$INV"/*.json | head -5 >"$T/five.ndjson"
{ head -2 "$T/five.ndjson"; echo '{"eventVersion":"1.08","eventTime":"yesterday"}'; echo '{not json'; sed -n 3,5p "$T/five.ndjson"; } >"$T/mixed.ndjson"
curl -s -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @"$T/mixed.ndjson" "$URL/v1/events" >"$T/r"
expect_eq "mixed batch: 5 accepted" "$(jq .accepted "$T/r")" 5
expect_eq "mixed batch: failed indexes 2 and 3" "$(jq -c '[.failed[].index]' "$T/r")" "[2,3]"
expect_grep "a failure says what is wrong" "userIdentity: missing" "$T/r"
expect_grep "a JSON error says where" "invalid JSON at byte" "$T/r"

# --- an ingest key writes for its own account only --------------------------------
jq -c '.Records[0] | del(.eventID) | .recipientAccountId = "111122223333"' "$INV"/*.json | head -3 >"$T/own.ndjson"
jq -c '.Records[0] | del(.eventID) | .recipientAccountId = "999999999999"' "$INV"/*.json | head -1 >>"$T/own.ndjson"
curl -s -H "Authorization: Bearer $INGEST_SECRET" --data-binary @"$T/own.ndjson" "$URL/v1/events" >"$T/r"
expect_eq "ingest key: own account accepted" "$(jq .accepted "$T/r")" 3
expect_eq "ingest key: another account refused" "$(jq -r '.failed[0].code' "$T/r")" AccountMismatch

# --- two more accounts in eu-west-1 (for the single-region organization trail) -----
jq -c '.Records[] | select(.eventSource == "ec2.amazonaws.com") | .awsRegion = "eu-west-1"' "$INV"/*.json | head -4 |
    jq -c --slurp 'to_entries[] | .value.eventID = "org-\(.key)" | .value.recipientAccountId = (if .key % 2 == 0 then "111122223333" else "444455556666" end) | .value' >"$T/eu.ndjson"
curl -s -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @"$T/eu.ndjson" "$URL/v1/events" >"$T/r"
expect_eq "eu-west-1 records of two accounts accepted" "$(jq .accepted "$T/r")" 4

# --- SigV4: curl --aws-sigv4 and botocore's signer ----------------------------------
code=$(curl -s -o "$T/r" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:cloudtrail-data" --user "$INGEST_ID:$INGEST_SECRET" \
    -H 'Content-Type: application/x-ndjson' --data-binary @<(head -2 "$T/own.ndjson") "$URL/v1/events")
expect_eq "curl --aws-sigv4: 200" "$code" 200
expect_eq "curl --aws-sigv4: 2 accepted" "$(jq .accepted "$T/r")" 2
code=$(curl -s -o "$T/r" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:cloudtrail-data" --user "$INGEST_ID:wrong-secret-0123456789" \
    --data-binary @<(head -1 "$T/own.ndjson") "$URL/v1/events")
expect_eq "SigV4 with a wrong secret: 403" "$code" 403
expect_eq "... SignatureDoesNotMatch" "$(jq -r .__type "$T/r")" SignatureDoesNotMatch
head -3 "$T/own.ndjson" >"$T/pae.ndjson"
"${CLIENT[@]}" put-audit-events "$URL" "$INGEST_ID" "$INGEST_SECRET" "$T/pae.ndjson" --bad-checksum 1 >"$T/r"
expect_eq "botocore-signed PutAuditEvents: 200" "$(head -1 "$T/r")" 200
expect_eq "PutAuditEvents: successful ids" "$(tail -n +2 "$T/r" | jq -c '[.successful[].id]')" '["ev-0","ev-2"]'
expect_eq "PutAuditEvents: a bad checksum fails that event" "$(tail -n +2 "$T/r" | jq -r '.failed[0].id + " " + .failed[0].errorCode')" "ev-1 InvalidChecksum"
expect_grep "PutAuditEvents: each success carries its eventID" '"eventID":"[0-9a-f-]{36}"' "$T/r"

# --- a signed request sent twice (a retry, or a replay): answered once, recorded once --
# (not the bytes curl sent above: a request identical to it within the same second has the
# same signature, and is rightly taken for a replay of it)
sed -n 2,3p "$T/own.ndjson" | jq -c '.requestParameters = {"replayTest": true}' >"$T/replay.ndjson"
"${CLIENT[@]}" replay "$URL" "$INGEST_ID" "$INGEST_SECRET" "$T/replay.ndjson" >"$T/r"
expect_eq "replayed signed request: both answered 200, the same answer" "$(cut -d' ' -f1 "$T/r" | tr '\n' ' ')" "200 200 "
expect_eq "... the second is the first's answer" "$(sed -n 1p "$T/r")" "$(sed -n 2p "$T/r")"
expect_eq "... which accepted 2" "$(sed -n 1p "$T/r" | cut -d' ' -f2- | jq .accepted)" 2

# --- error answers: status, JSON body, the reason ------------------------------------
code=$(curl -s -o "$T/r" -w '%{http_code}' --data-binary @"$T/five.ndjson" "$URL/v1/events")
expect_eq "no credentials: 403" "$code" 403
expect_eq "... MissingAuthenticationToken" "$(jq -r .__type "$T/r")" MissingAuthenticationToken
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer not-a-real-token-at-all" --data-binary @"$T/five.ndjson" "$URL/v1/events")
expect_eq "unknown bearer token: 403" "$code" 403
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_SECRET" --data-binary '{"Records": [' "$URL/v1/events")
expect_eq "malformed JSON body: 400" "$code" 400
expect_grep "... with a JSON error naming the problem" '"message":".*(JSON|json|line|column)' "$T/r"
head -c 3000000 /dev/zero | tr '\0' ' ' >"$T/big"
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @"$T/big" "$URL/v1/events")
expect_eq "body over MaxBodyBytes: 413" "$code" 413
expect_grep "... naming the limit" "MaxBodyBytes" "$T/r"
for i in $(seq 1 5001); do echo '{"eventVersion":"1.08"}'; done >"$T/many.ndjson"
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @"$T/many.ndjson" "$URL/v1/events")
expect_eq "batch over MaxBatchRecords: 413" "$code" 413
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_SECRET" "$URL/v1/events")
expect_eq "GET /v1/events: 405" "$code" 405
code=$(curl -s -o "$T/r" -w '%{http_code}' "$URL/nope")
expect_eq "unknown path: 404" "$code" 404

# --- the connection cap: idle connections past MaxConnections are turned away ---------
/usr/bin/python3 - "$PORT" >"$T/conn.out" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for _ in range(40):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
print("holding", len(socks), flush=True)
time.sleep(3)
PY
HOLD=$!
sleep 1
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$URL/healthz")
if [ "$code" != 200 ]; then ok "with 40 idle connections held, a new one is turned away (MaxConnections 8)"; else notok "MaxConnections 8 did not cap 40 idle connections"; fi
wait "$HOLD"
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$URL/healthz")
expect_eq "once they close, requests are served again" "$code" 200

# --- metrics -----------------------------------------------------------------------------
sleep 2 # one delivery interval and then some
curl -s "$URL/metrics" >"$T/metrics"
total=$((want + 5 + 3 + 4 + 2 + 2 + 2))
expect_eq "/metrics: accepted total" "$(awk '/^opentrail_events_accepted_total /{print $2}' "$T/metrics")" "$total"
expect_grep "/metrics: rejected counted" '^opentrail_events_rejected_total [1-9]' "$T/metrics"
expect_grep "/metrics: log files delivered" '^opentrail_delivered_files_total [1-9]' "$T/metrics"
expect_grep "/metrics: ACK latency histogram" '^opentrail_ack_latency_seconds_count [1-9]' "$T/metrics"
expect_grep "/metrics: the replay counted" '^opentrail_replayed_requests_total 1$' "$T/metrics"
expect_grep "/metrics: duplicates dropped (the mixed batch resent 5 known eventIDs)" '^opentrail_duplicate_records_total [1-9]' "$T/metrics"

# --- SIGHUP: a bad config is refused, a good one applied ----------------------------
cp "$D/opentrail.yaml" "$T/good.yaml"
echo "Bogus: 1" >>"$D/opentrail.yaml"
kill -HUP "$PID"; sleep 0.5
expect_grep "bad reload refused, running config kept" "reload refused" "$T/serve.err"
expect_grep "... the error names the key and the line" "Bogus" "$T/serve.err"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
expect_eq "still serving after a bad reload" "$code" 200
sed 's/^Keys:/Keys:\n  - {AccessKeyId: OTATESTNEWKEY0000001, SecretAccessKey: new-secret-0123456789abcdefghijk, Scope: admin}/' "$T/good.yaml" >"$D/opentrail.yaml"
kill -HUP "$PID"; sleep 1
expect_grep "good reload applied" "config reloaded" "$T/serve.err"
code=$(curl -s -o "$T/r" -w '%{http_code}' -H "Authorization: Bearer new-secret-0123456789abcdefghijk" --data-binary @<(head -1 "$T/five.ndjson" | jq -c '.eventID = "reload-test-1"') "$URL/v1/events")
expect_eq "a key added by reload works" "$code" 200
total=$((total + 1))

stop
expect_eq "SIGTERM: clean exit" "$STOP_RC" 0
if grep -q "$ADMIN_SECRET\|$INGEST_SECRET" "$T/serve.err"; then notok "a secret reached the log"; else ok "no secret in the log"; fi

# --- what arrived: exactly once per trail, valid under both validators -------------------
"$OT" cat --fields eventID --format tsv "$D/buckets/main-logs" 2>/dev/null | tail -n +2 | sort >"$T/main.ids"
# the mixed batch's 5 good records repeat corpus eventIDs: acknowledged, kept once
delivered=$((total - 5))
expect_eq "trail main: every accepted record delivered, repeats once" "$(wc -l <"$T/main.ids")" "$delivered"
expect_eq "trail main: the corpus is all there" "$(jq -r '.Records[].eventID' "$INV"/*.json | sort | comm -23 - "$T/main.ids" | wc -l)" 0
expect_eq "trail main: no eventID twice" "$(uniq -d "$T/main.ids" | wc -l)" 0
# trail writes keeps what its advanced selector asks for: the write events of trail main
wr=$("$OT" cat "$D/buckets/main-logs" 2>/dev/null | jq -c 'select(.readOnly == false and .eventCategory == "Management")' | wc -l)
ww=$("$OT" cat --count "$D/buckets/write-logs" 2>/dev/null | awk '{print $1}')
expect_eq "trail writes: exactly main's management write events" "$ww" "$wr"
if [ "$wr" -gt 0 ] && [ "$wr" -lt "$delivered" ]; then ok "... a real subset ($wr of $delivered)"; else notok "writes subset is $wr of $delivered"; fi
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
START=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
# each account's digests per region: 444455556666 wrote only in eu-west-1
for ar in 123837392027:us-east-1 111122223333:us-east-1 111122223333:eu-west-1 444455556666:eu-west-1; do
    acct=${ar%%:*}
    region=${ar#*:}
    ARN=arn:aws:cloudtrail:us-east-1:$acct:trail/main
    expect_rc "opentrail validate trail main, account $acct, $region" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket main-logs --source-region "$region" --start-time "$START" --end-time "$END"
    expect_grep "... digests valid, none invalid" "^[1-9][0-9]*/[1-9][0-9]* digest files valid" "$T/out"
    "${AWSV[@]}" "$D/buckets" "$T/keys.json" "$ARN" main-logs "$START" "$END" "" "$region" >"$T/aws.out" 2>"$T/aws.err"
    rc=$?
    expect_eq "AWS CLI validator: trail main, account $acct, $region" "$rc" 0
    expect_grep "... says the log files are valid" "log files valid" "$T/aws.out"
done

# single-region organization trail: eu-west-1 only, every account, org id in the key layout
org_all=$("$OT" cat --count "$D/buckets/org-logs" 2>/dev/null | awk '{print $1}')
org_want=$("$OT" cat "$D/buckets/main-logs" 2>/dev/null | jq -c 'select(.awsRegion == "eu-west-1")' | wc -l)
expect_eq "org trail: exactly main's eu-west-1 records" "$org_all" "$org_want"
bad_keys=$(find "$D/buckets/org-logs" -name '*.json.gz' | sed "s|^$D/buckets/org-logs/||" | grep -cv '^audit/AWSLogs/o-a1b2c3d4e5/[0-9]\{12\}/CloudTrail\(-Digest\)\?/eu-west-1/')
expect_eq "org trail: keys are prefix/AWSLogs/o-id/account/..." "$bad_keys" 0
expect_eq "org trail: both accounts' eu-west-1 records" "$org_want" 4
expect_eq "org trail: a folder per account" "$(ls "$D/buckets/org-logs/audit/AWSLogs/o-a1b2c3d4e5" | tr '\n' ' ')" "111122223333 444455556666 "

# --- a restart continues the chain ----------------------------------------------------------
if start; then ok "restart on the same data"; else notok "restart failed: $(tail -5 "$T/serve.err")"; fi
curl -s -H "Authorization: Bearer $ADMIN_SECRET" --data-binary @<(jq -c '.Records[] | .eventID = ("r2-" + .eventID)' "$INV"/*.json | head -50) "$URL/v1/events" >"$T/r"
expect_eq "after restart: 50 more accepted" "$(jq .accepted "$T/r")" 50
stop
END=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
ARN=arn:aws:cloudtrail:us-east-1:123837392027:trail/main
expect_rc "validate across the restart" 0 "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket main-logs --start-time "$START" --end-time "$END"
"${AWSV[@]}" "$D/buckets" "$T/keys.json" "$ARN" main-logs "$START" "$END" >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator across the restart" "$?" 0
expect_eq "no digest chain broken (AWS CLI finds no INVALID)" "$(grep -c INVALID "$T/aws.out")" 0
expect_grep "... and it found the digests of both runs" "^([2-9]|[1-9][0-9]+)/[0-9]+ digest files valid" "$T/aws.out"
