#!/usr/bin/env bash
# opentrail config init/show/check/doc and serve --check-config: the default
# config is written once, mode 0600, checks clean; secrets never printed;
# errors are one line with file:line:col, what and fix, exit 2.
. "$(dirname "$0")/lib.sh"
D=$T/data
expect_rc "config init" 0 "$OT" --data-dir "$D" config init
expect_grep "init says where" "wrote $D/opentrail.yaml" "$T/out"
id=$(sed -n 's/^  AccessKeyId: *//p' "$T/out")
secret=$(sed -n 's/^  SecretAccessKey: *//p' "$T/out")
expect_eq "secret printed once, 40 characters" "${#secret}" "40"
expect_eq "config is mode 0600" "$(stat -c %a "$D/opentrail.yaml")" "600"
expect_grep "the file holds the printed key id" "AccessKeyId: $id" "$D/opentrail.yaml"
expect_rc "init again keeps the file" 2 "$OT" --data-dir "$D" config init
expect_grep "init again says it is kept" "kept as it is" "$T/err"
expect_rc "serve --check-config on the default" 0 "$OT" --data-dir "$D" serve --check-config
expect_grep "check summary" "OK: 1 trail, 1 key, 0 metric filters, 0 alarms, CIS pack on" "$T/out"
expect_rc "config show" 0 "$OT" --data-dir "$D" config show
if grep -qF -- "$secret" "$T/out"; then notok "config show prints the secret"; else ok "config show hides the secret"; fi
expect_grep "config show redacts" "SecretAccessKey: \"<redacted>\"" "$T/out"
expect_grep "default trail is multi-region" "IsMultiRegionTrail: true" "$T/out"
expect_grep "default trail validates" "LogFileValidationEnabled: true" "$T/out"
expect_rc "serve with a port that is not a port" 2 "$OT" --data-dir "$D" serve --listen 127.0.0.1:99999
expect_grep "serve says what to give" "give an IPv4 address and a port" "$T/err"
expect_rc "config doc" 0 "$OT" config doc
# docs/config.md starts with the generated reference; hand-written sections follow
if head -c "$(wc -c <"$T/out")" "$(dirname "$0")/../../docs/config.md" | cmp -s - "$T/out"; then
    ok "docs/config.md starts with config doc's output"
else notok "docs/config.md differs from opentrail config doc: regenerate it"; fi

cat >"$T/bad.yaml" <<'Y'
Trails:
  - Name: main
    S3BucketName: logs
    IsMultiRegionTrial: true
Y
expect_rc "unknown key" 2 "$OT" serve --check-config --config "$T/bad.yaml"
expect_eq "unknown key: one line with position and fix" "$(cat "$T/err")" \
    "opentrail: $T/bad.yaml:4:5: Trails[0]: unknown key \"IsMultiRegionTrial\" (did you mean IsMultiRegionTrail? (keys are case-sensitive))"
printf 'Keys:\n  - {AccessKeyId: AKIAEXAMPLEKEY000001, SecretAccessKey: SEKRITSEKRITSEKRIT}\n' >"$T/key.yaml"
expect_rc "ingest key without account" 2 "$OT" config check --config "$T/key.yaml"
if grep -q SEKRIT "$T/err" "$T/out"; then notok "a secret in an error"; else ok "no secret in the error"; fi
expect_grep "ingest key error" "key.yaml:2:5: Keys\[0\]: an ingest key needs the 12-digit Account" "$T/err"
printf 'Listener:\n  Port: [\n' >"$T/syntax.yaml"
expect_rc "YAML syntax error" 2 "$OT" config check --config "$T/syntax.yaml"
expect_grep "syntax error position" "syntax.yaml:[0-9]+:[0-9]+: invalid YAML" "$T/err"
expect_rc "missing config" 2 "$OT" config check --config "$T/none.yaml"
expect_grep "missing config says how to make one" "config init" "$T/err"
head -c 5000000 /dev/zero | tr '\0' '#' >"$T/big.yaml"
expect_rc "oversized config" 2 "$OT" config check --config "$T/big.yaml"
expect_rc "config --help" 0 "$OT" config --help
expect_rc "serve --help" 0 "$OT" serve --help
expect_rc "config with no subcommand" 2 "$OT" config
# the example in docs/config.md is a valid config
sed -n '/^## Example/,/^```$/p' "$(dirname "$0")/../../docs/config.md" | sed '1,3d;$d' >"$T/example.yaml"
chmod 600 "$T/example.yaml" # it holds a secret
expect_rc "docs/config.md example checks clean" 0 "$OT" serve --check-config --config "$T/example.yaml"
expect_grep "example summary" "OK: 1 trail, 1 key, 1 metric filter, 1 alarm" "$T/out"
# a config holding secrets that others can read is refused, as ssh refuses such a key
chmod 644 "$T/example.yaml"
expect_rc "secrets in a world-readable config" 2 "$OT" serve --check-config --config "$T/example.yaml"
expect_grep "says why and how to fix" "example.yaml: the config holds secrets and is readable by others \(mode 644\) \(chmod 600" "$T/err"
chmod 644 "$D/opentrail.yaml"
expect_rc "the default config made readable is refused too" 2 "$OT" --data-dir "$D" config show
# no secrets: any mode is fine
printf 'Trails:\n  - {Name: main, S3BucketName: b12}\n' >"$T/nosecret.yaml"
chmod 644 "$T/nosecret.yaml"
expect_rc "a config without secrets may be readable" 0 "$OT" serve --check-config --config "$T/nosecret.yaml"
