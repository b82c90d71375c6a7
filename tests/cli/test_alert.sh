#!/usr/bin/env bash
# Notifiers against real receivers on 127.0.0.1, started here: the shared
# Slack-style webhook sink (python http.server) and an aiosmtpd SMTP server
# (plain, and STARTTLS + AUTH with a throwaway certificate). A root console
# login must reach each channel with who, what, where, when and the rule.
. "$(dirname "$0")/lib.sh"
SRV=$SHARED/servers
PY=/usr/bin/python3
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { # LOG: until the server printed READY (10 s)
    for _ in $(seq 100); do grep -q READY "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "server did not start: $(cat "$1")" >&2
    return 1
}
sink() { # NAME [ARGS]: a webhook sink; sets PORT_<NAME>
    local name=$1 port
    shift
    port=$(free_port)
    setsid $PY "$SRV/webhook_sink.py" --listen "127.0.0.1:$port" --out "$T/$name.jsonl" "$@" \
        >"$T/$name.log" 2>&1 </dev/null &
    pids+=($!)
    wait_ready "$T/$name.log"
    printf -v "PORT_$name" '%s' "$port"
}

cat >"$T/root.json" <<'JSON'
{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventTime":"2026-11-25T02:13:07Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"Mozilla/5.0 (X11)","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"eventID":"3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}
JSON

# --- Slack ----------------------------------------------------------------------
sink slack
export SLACK_URL="http://127.0.0.1:$PORT_slack/services/T000/B000/SECRETTOKEN"
expect_rc "notify --slack-env delivers" 0 "$OT" notify --slack-env SLACK_URL --event "$T/root.json"
expect_eq "one request" "$(wc -l <"$T/slack.jsonl")" "1"
J=$(head -1 "$T/slack.jsonl")
expect_eq "posted to the webhook's path" "$(jq -r .path <<<"$J")" "/services/T000/B000/SECRETTOKEN"
expect_eq "header block names the rule" "$(jq -r '.json.blocks[0].text.text' <<<"$J")" "ALERT: Root account usage"
fields=$(jq -r '.json.blocks[1].fields[].text' <<<"$J")
expect_grep "account field" "111122223333" <(echo "$fields")
expect_grep "who field: arn from ip (agent)" "arn:aws:iam::111122223333:root from 203.0.113.7 \(Mozilla/5.0 \(X11\)\)" <(echo "$fields")
expect_grep "rule field: CIS 4.3 root_usage" "CIS 4.3 root_usage" <(echo "$fields")
expect_grep "event field with the lookup command" "opentrail lookup --event-id 3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43" <(echo "$fields")
expect_grep "text fallback" "^ALERT: Root account usage" <(jq -r .json.text <<<"$J")
if grep -q SECRETTOKEN "$T/err"; then notok "the Slack URL leaked into the output"; else ok "the Slack URL is not printed"; fi

# --- signed webhook, and retries --------------------------------------------------
sink hook --fail-first 2
export HOOK_SECRET=0123456789abcdef-test-secret
t0=$(date +%s)
expect_rc "webhook delivered after two 500s" 0 "$OT" notify --webhook "http://127.0.0.1:$PORT_hook/alerts" --webhook-secret-env HOOK_SECRET --event "$T/root.json"
expect_eq "three attempts, nothing duplicated" "$(wc -l <"$T/hook.jsonl")" "3"
expect_grep "the retries are reported" "HTTP 500 \(attempt 1, retrying\)" "$T/err"
last=$(tail -1 "$T/hook.jsonl")
tail -1 "$T/hook.jsonl" >"$T/last.json"
verdict=$($PY - "$HOOK_SECRET" "$T/last.json" <<'PYEOF'
import hashlib, hmac, json, sys, time
r = json.load(open(sys.argv[2]))
h = {k.lower(): v for k, v in r["headers"].items()}
ts, sig = h["x-opentrail-timestamp"], h["x-opentrail-signature"]
want = "v1=" + hmac.new(sys.argv[1].encode(), (ts + "." + r["body"]).encode(), hashlib.sha256).hexdigest()
fresh = abs(time.time() - int(ts)) < 300
print("ok" if hmac.compare_digest(sig, want) and fresh else "bad %s %s" % (sig, want))
PYEOF
)
expect_eq "HMAC-SHA256 signature over timestamp.body verifies" "$verdict" "ok"
expect_eq "the body carries the event" "$(jq -r '.json.event.eventID' <<<"$last")" "3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43"
expect_eq "and the alarm transition" "$(jq -c '[.json.alarm.from, .json.alarm.to, .json.rule.cis]' <<<"$last")" '["OK","ALARM","4.3"]'
sink down --fail-first 100
expect_rc "a receiver that keeps failing: exit 4" 4 "$OT" notify --retries 1 --webhook "http://127.0.0.1:$PORT_down/" --webhook-secret-env HOOK_SECRET --test
expect_eq "tried once plus one retry" "$(wc -l <"$T/down.jsonl")" "2"
sink gone --status 404
expect_rc "a 404 is not retried" 4 "$OT" notify --webhook "http://127.0.0.1:$PORT_gone/" --webhook-secret-env HOOK_SECRET --test
expect_eq "one attempt only" "$(wc -l <"$T/gone.jsonl")" "1"
export SHORT=abc
expect_rc "a short secret is refused" 2 "$OT" notify --webhook "http://127.0.0.1:1/" --webhook-secret-env SHORT --test

# --- response actions: run once per alert, even when delivery is retried -------------
sink act --fail-first 1
cat >"$T/respond.sh" <<'SH'
#!/bin/sh
# a stand-in for "disable the access key": reads the event, records that it ran
id=$(sed 's/.*"eventID":"\([^"]*\)".*/\1/')
echo "$id" >>"$RUNS"
echo "session of $id terminated"
SH
chmod +x "$T/respond.sh"
export RUNS=$T/runs.txt
expect_rc "an alert with a response action" 0 "$OT" notify --webhook "http://127.0.0.1:$PORT_act/" --webhook-secret-env HOOK_SECRET --action "$T/respond.sh" --event "$T/root.json"
expect_eq "the action ran once though delivery was retried" "$(cat "$RUNS")" "3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43"
expect_eq "two deliveries, both reporting it" "$(jq -r .json.actions "$T/act.jsonl" | sort -u)" "Action taken: $T/respond.sh (exit 0): session of 3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43 terminated"
expect_rc "a failing action is reported, the alert still goes out" 0 "$OT" notify --webhook "http://127.0.0.1:$PORT_act/" --webhook-secret-env HOOK_SECRET --action /bin/sh --action-arg -c --action-arg 'echo no such key; exit 3' --test
expect_eq "reported as failed with its exit code" "$(tail -1 "$T/act.jsonl" | jq -r .json.actions)" "Action failed: /bin/sh (exit 3): no such key"
expect_rc "a hanging action is killed at its deadline" 0 "$OT" notify --webhook "http://127.0.0.1:$PORT_act/" --webhook-secret-env HOOK_SECRET --action /bin/sleep --action-arg 30 --action-timeout-ms 200 --test
expect_eq "and reported as timed out" "$(tail -1 "$T/act.jsonl" | jq -r .json.actions)" "Action failed: /bin/sleep (timed out)"

# --- SNS-style ------------------------------------------------------------------------
sink sns
expect_rc "sns delivered" 0 "$OT" notify --sns "http://127.0.0.1:$PORT_sns/" --topic-arn arn:aws:sns:us-east-1:111122223333:alerts --test
S=$(head -1 "$T/sns.jsonl")
expect_eq "SNS notification shape" "$(jq -c '[.json.Type, .json.TopicArn, (.json.Message | fromjson | .alarm.to)]' <<<"$S")" '["Notification","arn:aws:sns:us-east-1:111122223333:alerts","ALARM"]'
expect_eq "SNS message-type header" "$(jq -r '.headers | with_entries(.key |= ascii_downcase) | .["x-amz-sns-message-type"]' <<<"$S")" "Notification"

# --- SMTP, plain ------------------------------------------------------------------------
SP=$(free_port)
mkdir -p "$T/mail/new" "$T/mail/cur" "$T/mail/tmp"
setsid $PY "$SRV/smtp_sink.py" --listen "127.0.0.1:$SP" --maildir "$T/mail" >"$T/smtp.log" 2>&1 </dev/null &
pids+=($!)
wait_ready "$T/smtp.log"
expect_rc "smtp delivered" 0 "$OT" notify --smtp "smtp://127.0.0.1:$SP" --mail-from opentrail@example.test --mail-to oncall@example.test --event "$T/root.json"
for _ in $(seq 50); do [ -n "$(ls "$T/mail/new" 2>/dev/null)" ] && break; sleep 0.1; done
M=$(ls "$T"/mail/new/* 2>/dev/null | head -1)
if [ -n "$M" ]; then
    $PY - "$M" >"$T/mail.txt" <<'PYEOF'
import email, json, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print("SUBJECT", m["Subject"]); print("FROM", m["From"]); print("TO", m["To"])
print("DATE", "ok" if email.utils.parsedate_to_datetime(m["Date"]) else "bad")
print("MSGID", "ok" if m["Message-ID"] else "bad")
parts = list(m.iter_parts())
print("TEXT", parts[0].get_content().replace("\n", " | "))
print("JSON", json.loads(parts[1].get_content())["event"]["eventID"])
PYEOF
    expect_grep "subject" "^SUBJECT \[opentrail\] ALERT: Root account usage \(critical\)$" "$T/mail.txt"
    expect_grep "from and to" "^FROM <?opentrail@example.test>?$" "$T/mail.txt"
    expect_grep "a valid RFC 5322 date and a Message-ID" "^DATE ok" "$T/mail.txt"
    expect_grep "message id" "^MSGID ok" "$T/mail.txt"
    expect_grep "text body: who, from where" "Who: arn:aws:iam::111122223333:root from 203.0.113.7" "$T/mail.txt"
    expect_grep "text body: the rule" "Rule: CIS 4.3 root_usage" "$T/mail.txt"
    expect_grep "the event JSON attached" "^JSON 3f2a9c1e-7b4d-4e8a-9f06-2c5d8e1b7a43$" "$T/mail.txt"
else
    notok "no mail arrived: $(cat "$T/smtp.log")"
fi

# --- SMTP with STARTTLS and AUTH ----------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
TP=$(free_port)
mkdir -p "$T/mail2/new" "$T/mail2/cur" "$T/mail2/tmp"
setsid $PY "$SRV/smtp_sink.py" --listen "127.0.0.1:$TP" --maildir "$T/mail2" --starttls "$T/cert.pem" "$T/key.pem" \
    --require-starttls --auth alerts:s3cret-pw >"$T/smtp2.log" 2>&1 </dev/null &
pids+=($!)
wait_ready "$T/smtp2.log"
export SMTP_PW=s3cret-pw
expect_rc "STARTTLS + AUTH delivered" 0 "$OT" notify --smtp "smtp://127.0.0.1:$TP" --mail-from opentrail@example.test --mail-to oncall@example.test --smtp-user alerts --smtp-password-env SMTP_PW --cacert "$T/cert.pem" --test
for _ in $(seq 50); do [ -n "$(ls "$T/mail2/new" 2>/dev/null)" ] && break; sleep 0.1; done
expect_eq "one mail over TLS" "$(ls "$T/mail2/new" | wc -l)" "1"
export BAD_PW=wrong
expect_rc "a wrong password is a failure, not retried" 4 "$OT" notify --retries 2 --smtp "smtp://127.0.0.1:$TP" --mail-from opentrail@example.test --mail-to oncall@example.test --smtp-user alerts --smtp-password-env BAD_PW --cacert "$T/cert.pem" --test
expect_grep "named as a login problem" "Login denied" "$T/err"
if grep -q wrong "$T/err"; then notok "the password leaked"; else ok "the password is not printed"; fi
expect_rc "notify without a channel exits 2" 2 "$OT" notify --test
expect_rc "notify --help" 0 "$OT" notify --help
