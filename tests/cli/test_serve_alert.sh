#!/usr/bin/env bash
# Live alerting through the daemon, with real receivers started here: the
# shared webhook sink as a Slack URL, as a signed webhook and as a receiver
# that fails its first 3 requests; aiosmtpd (smtp_sink.py) plain and with
# STARTTLS + AUTH. A root console login POSTed to `opentrail serve` must reach
# every channel within a second with who/what/where/when/rule/event id; a
# response action runs once and is reported; kill -9 with a notification
# pending and a receiver down, then a restart with it up: still delivered;
# alarm state and the replay position survive restarts (nothing counted twice).
. "$(dirname "$0")/lib.sh"
SRV=$SHARED/servers
PY=/usr/bin/python3
PORT=${OT_TEST_ALERT_PORT:-18660}
URL=http://127.0.0.1:$PORT
D=$T/data
TOKEN=alert-test-admin-secret-0123456789abcd
PID=
pids=()
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

wait_ready() { # LOG
    for _ in $(seq 100); do grep -q READY "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "server did not start: $(cat "$1")" >&2
    return 1
}
sink() { # NAME PORT [ARGS]: a webhook sink writing $T/NAME.jsonl; pid in SINK_PID_NAME
    local name=$1 port=$2
    shift 2
    setsid $PY "$SRV/webhook_sink.py" --listen "127.0.0.1:$port" --out "$T/$name.jsonl" "$@" \
        >>"$T/$name.log" 2>&1 </dev/null &
    pids+=($!)
    printf -v "SINK_PID_$name" '%s' "$!"
    wait_ready "$T/$name.log"
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() { # FILE N SECONDS: until FILE has N lines
    local end=$(($(date +%s%N) / 1000000 + $3 * 1000))
    while [ "$(lines "$1")" -lt "$2" ]; do
        [ $(($(date +%s%N) / 1000000)) -gt $end ] && return 1
        sleep 0.02
    done
}
mails() { ls "$1/new" 2>/dev/null | wc -l; }
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
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID"; STOP_RC=$?; PID=; }
post() { curl -s -o "$T/post.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$1" "$URL/v1/events"; }
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# --- receivers ---------------------------------------------------------------
sink slack $((PORT + 1))
sink hook $((PORT + 2))
sink flaky $((PORT + 5)) --fail-first 3
mkdir -p "$T/mail/new" "$T/mail/cur" "$T/mail/tmp" "$T/mail2/new" "$T/mail2/cur" "$T/mail2/tmp"
setsid $PY "$SRV/smtp_sink.py" --listen "127.0.0.1:$((PORT + 3))" --maildir "$T/mail" >"$T/smtp.log" 2>&1 </dev/null &
pids+=($!)
wait_ready "$T/smtp.log"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
setsid $PY "$SRV/smtp_sink.py" --listen "127.0.0.1:$((PORT + 4))" --maildir "$T/mail2" --starttls "$T/cert.pem" "$T/key.pem" \
    --require-starttls --auth alerts:s3cret-pw >"$T/smtp2.log" 2>&1 </dev/null &
pids+=($!)
wait_ready "$T/smtp2.log"

cat >"$T/respond.sh" <<'SH'
#!/bin/sh
# stands in for "terminate the session": reads the event, records each run
id=$(sed 's/.*"eventID":"\([^"]*\)".*/\1/')
echo "$id" >>"$RUNS"
echo "session of $id terminated"
SH
chmod +x "$T/respond.sh"
export RUNS=$T/runs.txt
export OT_SLACK_URL="http://127.0.0.1:$((PORT + 1))/services/T000/B000/SECRETSLACKTOKEN"
export OT_HOOK_SECRET=0123456789abcdef-live-secret
export OT_SMTP_PW=s3cret-pw

mkdir -p "$D"
cat >"$D/opentrail.yaml" <<EOF
Listener: {Address: 127.0.0.1, Port: $PORT}
Limits: {SpaceLeftBytes: 0}
Delivery: {IntervalSeconds: 300}
CisPack: true
CisAlarmActions: [slack, hook, mail, mailtls, flaky, log, reset]
Alerting: {RepeatIntervalSeconds: 60, RetryForSeconds: 600}
Keys:
  - {AccessKeyId: OTATESTADMIN00000001, SecretAccessKey: $TOKEN, Scope: admin}
Trails:
  - {Name: main, S3BucketName: main-logs, HomeRegion: us-east-1, IsMultiRegionTrail: true}
MetricFilters:
  - filterName: denied
    filterPattern: '{ \$.errorCode = "AccessDenied" }'
    metricTransformations:
      - {metricName: Denied, metricNamespace: Test, metricValue: "1"}
Alarms:
  - AlarmName: three-denied
    MetricName: Denied
    Namespace: Test
    Period: 300
    Threshold: 3
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: notBreaching
    AlarmActions: [hook]
Notifiers:
  - {Name: slack, Type: slack, UrlEnv: OT_SLACK_URL}
  - {Name: hook, Type: webhook, Url: "http://127.0.0.1:$((PORT + 2))/alerts", SecretEnv: OT_HOOK_SECRET}
  - {Name: mail, Type: smtp, Url: "smtp://127.0.0.1:$((PORT + 3))", From: opentrail@example.test, To: oncall@example.test}
  - {Name: mailtls, Type: smtp, Url: "smtp://127.0.0.1:$((PORT + 4))", From: opentrail@example.test, To: oncall@example.test,
     Username: alerts, PasswordEnv: OT_SMTP_PW, CaFile: "$T/cert.pem"}
  - {Name: flaky, Type: webhook, Url: "http://127.0.0.1:$((PORT + 5))/", SecretEnv: OT_HOOK_SECRET}
ResponseActions:
  - {Name: reset, Command: ["$T/respond.sh"], TimeoutMs: 5000}
EOF
chmod 600 "$D/opentrail.yaml"
expect_rc "the alerting config checks clean" 0 "$OT" --data-dir "$D" serve --check-config
if start; then ok "serve starts with alerting"; else notok "serve did not start: $(tail -5 "$T/serve.err")"; fi

ROOT_ID=3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43
event() { # ID NAME SOURCE [TYPE] [ERROR]
    printf '{"eventVersion":"1.08","userIdentity":{"type":"%s","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventTime":"2026-11-25T02:13:07Z","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"Mozilla/5.0 (X11)","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},%s"eventID":"%s","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}\n' \
        "${4:-Root}" "$3" "$2" "${5:+\"errorCode\":\"$5\",}" "$1"
}
event "$ROOT_ID" ConsoleLogin signin.amazonaws.com >"$T/root.json"

# --- a root console login: Slack, signed webhook, two mails, within a second ---
t0=$(date +%s%N)
expect_eq "POST root ConsoleLogin: 200" "$(post "$T/root.json")" 200
wait_lines "$T/slack.jsonl" 1 5
t_slack=$((($(date +%s%N) - t0) / 1000000))
wait_lines "$T/hook.jsonl" 1 5
t_hook=$((($(date +%s%N) - t0) / 1000000))
for _ in $(seq 250); do [ "$(mails "$T/mail")" -ge 1 ] && [ "$(mails "$T/mail2")" -ge 1 ] && break; sleep 0.02; done
t_mail=$((($(date +%s%N) - t0) / 1000000))
echo "# ACK-to-receipt: slack ${t_slack} ms, webhook ${t_hook} ms, both mails ${t_mail} ms"
if [ "$t_slack" -le 1000 ] && [ "$t_hook" -le 1000 ]; then ok "Slack and webhook within 1 s"; else notok "too slow: slack $t_slack ms, webhook $t_hook ms"; fi
if [ "$t_mail" -le 1000 ]; then ok "both mails within 1 s"; else notok "mail took $t_mail ms"; fi

J=$(head -1 "$T/slack.jsonl")
expect_eq "Slack: posted to the secret path" "$(jq -r .path <<<"$J")" "/services/T000/B000/SECRETSLACKTOKEN"
expect_eq "Slack: header names the rule" "$(jq -r '.json.blocks[0].text.text' <<<"$J")" "ALERT: Root account usage"
fields=$(jq -r '.json.blocks[1].fields[].text' <<<"$J")
expect_grep "Slack: who (arn from ip, agent)" "arn:aws:iam::111122223333:root from 203.0.113.7 \(Mozilla/5.0 \(X11\)\)" <(echo "$fields")
expect_grep "Slack: where (account)" "111122223333" <(echo "$fields")
expect_grep "Slack: rule CIS 4.3 root_usage" "CIS 4.3 root_usage" <(echo "$fields")
expect_grep "Slack: event id with the lookup command" "opentrail lookup --event-id $ROOT_ID" <(echo "$fields")
expect_grep "Slack: the response action is reported" "Action taken: reset \(exit 0\): session of $ROOT_ID terminated" <(echo "$fields")

tail -1 "$T/hook.jsonl" >"$T/last.json"
verdict=$($PY - "$OT_HOOK_SECRET" "$T/last.json" <<'PYEOF'
import hashlib, hmac, json, sys, time
r = json.load(open(sys.argv[2]))
h = {k.lower(): v for k, v in r["headers"].items()}
ts, sig = h["x-opentrail-timestamp"], h["x-opentrail-signature"]
want = "v1=" + hmac.new(sys.argv[1].encode(), (ts + "." + r["body"]).encode(), hashlib.sha256).hexdigest()
print("ok" if hmac.compare_digest(sig, want) and abs(time.time() - int(ts)) < 300 else "bad")
PYEOF
)
expect_eq "webhook: HMAC-SHA256 over timestamp.body verifies" "$verdict" "ok"
expect_eq "webhook: alarm, transition, rule, event" "$(jq -c '[.json.alarm.name, .json.alarm.from, .json.alarm.to, .json.rule.cis, .json.event.eventID, .json.event.eventName]' "$T/last.json")" \
    "[\"root_usage\",\"INSUFFICIENT_DATA\",\"ALARM\",\"4.3\",\"$ROOT_ID\",\"ConsoleLogin\"]"
expect_eq "webhook: when (eventTime) and where (region)" "$(jq -c '[.json.event.eventTime, .json.event.awsRegion]' "$T/last.json")" '["2026-11-25T02:13:07Z","us-east-1"]'

mailtext() {
    $PY - "$1" <<'PYEOF'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print("SUBJECT", m["Subject"])
print(list(m.iter_parts())[0].get_content())
PYEOF
}
M=$(ls "$T"/mail/new/* 2>/dev/null | head -1)
if [ -n "$M" ]; then mailtext "$M" >"$T/mail.txt"; else echo none >"$T/mail.txt"; fi
expect_grep "mail (plain): subject" "^SUBJECT \[opentrail\] ALERT: Root account usage \(critical\)" "$T/mail.txt"
expect_grep "mail (plain): who and from where" "Who: arn:aws:iam::111122223333:root from 203.0.113.7" "$T/mail.txt"
expect_grep "mail (plain): rule and event" "Rule: CIS 4.3 root_usage.*Event: ConsoleLogin $ROOT_ID" "$T/mail.txt"
expect_grep "mail (plain): when and where" "Account: 111122223333   Region: us-east-1   Time: 2026-11-25T02:13:07Z" "$T/mail.txt"
M2=$(ls "$T"/mail2/new/* 2>/dev/null | head -1)
if [ -n "$M2" ]; then mailtext "$M2" >"$T/mail2.txt"; else echo none >"$T/mail2.txt"; fi
expect_grep "mail (STARTTLS + AUTH): delivered with the action report" "Action taken: reset" "$T/mail2.txt"

# --- retries: the receiver failing its first 3 requests -----------------------
wait_lines "$T/flaky.jsonl" 4 15
expect_eq "flaky receiver: 3 failures then delivered, nothing more" "$(lines "$T/flaky.jsonl")" 4
expect_eq "... every attempt carries the same event" "$(jq -r .json.event.eventID "$T/flaky.jsonl" | sort -u)" "$ROOT_ID"
expect_grep "the retries are logged" "alert root_usage #[0-9]+: webhook failed \(will retry\): .*500" "$T/serve.err"
expect_eq "the response action ran exactly once" "$(cat "$RUNS")" "$ROOT_ID"
expect_grep "AlarmActions log: the alert text is in the daemon log" "opentrail: ALERT: Root account usage" "$T/serve.err"
if grep -q -e SECRETSLACKTOKEN -e "$OT_HOOK_SECRET" -e "$OT_SMTP_PW" "$T/serve.err" "$T/serve.out"; then notok "a secret reached the log"; else ok "no secret in the log"; fi
expect_eq "/metrics: one alarm in ALARM" "$(metric opentrail_alarms_in_alarm)" 1
expect_eq "/metrics: slack sent 1" "$(metric 'opentrail_alert_notifications_sent_total{notifier="slack"}')" 1
expect_eq "/metrics: flaky retried 3" "$(metric 'opentrail_alert_notifications_retried_total{notifier="flaky"}')" 3
expect_eq "/metrics: nothing pending" "$(curl -s "$URL/metrics" | awk '$1 ~ /^opentrail_alert_notifications_pending/ { s += $2 } END { print s }')" 0
expect_eq "/metrics: latency histogram counted 5 deliveries" "$(metric opentrail_alert_latency_seconds_count)" 5

# --- an alarm in ALARM does not notify again ----------------------------------
event 11111111-2222-4333-8444-555555555555 ConsoleLogin signin.amazonaws.com >"$T/root2.json"
post "$T/root2.json" >/dev/null
sleep 1
expect_eq "a second root login while in ALARM: no second notification" "$(lines "$T/slack.jsonl")" 1

# --- restart: the alarm stays in ALARM -------------------------------------------
stop
expect_eq "SIGTERM with alerting: exit 0" "$STOP_RC" 0
expect_grep "the alarm state is on disk" "^alarm 2 .* root_usage$" "$D/state/alarms.state"
start || notok "restart failed: $(tail -5 "$T/serve.err")"
expect_eq "after a restart: still one alarm in ALARM" "$(metric opentrail_alarms_in_alarm)" 1
event 22222222-2222-4333-8444-555555555555 ConsoleLogin signin.amazonaws.com >"$T/root3.json"
post "$T/root3.json" >/dev/null
sleep 1
expect_eq "a root login after the restart: no second notification" "$(lines "$T/slack.jsonl")" 1
expect_eq "... and the action did not run again" "$(wc -l <"$RUNS")" 1

# --- kill -9 with a notification pending (Slack down), restart with it up -------
kill "$SINK_PID_slack"
wait "$SINK_PID_slack" 2>/dev/null
event 33333333-2222-4333-8444-555555555555 DeleteGroupPolicy iam.amazonaws.com IAMUser >"$T/iam.json"
expect_eq "POST an IAM policy change: 200" "$(post "$T/iam.json")" 200
wait_lines "$T/hook.jsonl" 2 5
expect_eq "the webhook got the IAM alarm" "$(tail -1 "$T/hook.jsonl" | jq -r .json.alarm.name)" iam_policy_changes
for _ in $(seq 50); do ls "$D"/state/alerts/slack/*.alert >/dev/null 2>&1 && break; sleep 0.1; done
expect_eq "the Slack notification is pending on disk" "$(ls "$D"/state/alerts/slack/*.alert 2>/dev/null | wc -l)" 1
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
sink slack $((PORT + 1))
start || notok "restart after kill -9 failed: $(tail -5 "$T/serve.err")"
wait_lines "$T/slack.jsonl" 2 10
expect_eq "after kill -9 and restart: the pending alert is delivered" "$(tail -1 "$T/slack.jsonl" | jq -r '.json.blocks[0].text.text')" "ALERT: IAM policy changes"
sleep 1
expect_eq "... once" "$(grep -c 'IAM policy changes' "$T/slack.jsonl")" 1
expect_eq "the webhook is not sent the IAM alert twice (replay after kill -9)" "$(jq -r .json.alarm.name "$T/hook.jsonl" | grep -c iam_policy_changes)" 1
expect_eq "the action ran once per alarm change: root, then IAM; the replay reran none" "$(tr '\n' ' ' <"$RUNS")" "$ROOT_ID 33333333-2222-4333-8444-555555555555 "

# --- replay counts nothing twice: 2 denied, kill -9, replay, 1 more -> ALARM at 3 ---
s=$(($(date +%s) % 300))
if [ "$s" -gt 270 ]; then sleep $((301 - s)); fi # stay inside one 5-minute period
for i in 1 2; do event "44444444-2222-4333-8444-55555555555$i" GetObject s3.amazonaws.com IAMUser AccessDenied; done >"$T/denied2.json"
post "$T/denied2.json" >/dev/null
sleep 1.5
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
start || notok "restart failed: $(tail -5 "$T/serve.err")"
sleep 1
hooks=$(lines "$T/hook.jsonl")
expect_eq "after the replay of 2 denied records: three-denied not in ALARM" "$(jq -r .json.alarm.name "$T/hook.jsonl" | grep -c three-denied)" 0
event 44444444-2222-4333-8444-555555555553 GetObject s3.amazonaws.com IAMUser AccessDenied >"$T/denied1.json"
post "$T/denied1.json" >/dev/null
wait_lines "$T/hook.jsonl" $((hooks + 1)) 5
expect_eq "the third denied record fires three-denied (3 >= 3, not 5)" "$(tail -1 "$T/hook.jsonl" | jq -c '[.json.alarm.name, .json.alarm.value]')" '["three-denied",3]'
stop
expect_eq "final SIGTERM: exit 0" "$STOP_RC" 0
