#!/usr/bin/env bash
# validate on the shared digest-chain vectors: every variant must give exactly
# the AWS CLI's recorded stdout, stderr and exit status (expected/ was made by
# the AWS CLI's own code, shared/tools/aws_offline_validate.py, not by us).
# With opentrail's extra checks on, only newest-digest-deleted (which the CLI
# cannot see) may differ, and only by lines marked [opentrail].
. "$(dirname "$0")/lib.sh"
V=$SHARED/spec/vectors/digest-chain
ARN=arn:aws:cloudtrail:us-east-1:123456789012:trail/opentrail-test
run() { # $1 variant, rest: extra options
    local v=$1
    shift
    "$OT" validate --root "$V/$v/tree" --keys "$V/keys.json" --trail-arn "$ARN" \
        --s3-bucket opentrail-test-bucket --start-time 2024-01-01T00:00:00Z \
        --end-time 2024-01-01T02:00:00Z --verbose "$@" >"$T/$v.out" 2>"$T/$v.err"
    echo $? >"$T/$v.rc"
}
for v in intact log-byte-changed log-deleted digest-deleted newest-digest-deleted; do
    run "$v" --aws-only
    if cmp -s "$T/$v.out" "$V/expected/$v.stdout"; then ok "$v: stdout = AWS CLI's (--aws-only)"; else
        notok "$v: stdout differs: $(diff "$V/expected/$v.stdout" "$T/$v.out" | head -5)"; fi
    if cmp -s "$T/$v.err" "$V/expected/$v.stderr"; then ok "$v: stderr = AWS CLI's (--aws-only)"; else
        notok "$v: stderr differs: $(diff "$V/expected/$v.stderr" "$T/$v.err" | head -5)"; fi
    expect_eq "$v: exit status = AWS CLI's (--aws-only)" "$(cat "$T/$v.rc")" "$(cat "$V/expected/$v.rc")"
    run "$v" --jobs 2
    if [ "$v" != newest-digest-deleted ]; then
        if cmp -s "$T/$v.out" "$V/expected/$v.stdout" && cmp -s "$T/$v.err" "$V/expected/$v.stderr"; then
            ok "$v: extra checks add nothing"; else notok "$v: extra checks changed the output"; fi
        expect_eq "$v: exit status with extra checks" "$(cat "$T/$v.rc")" "$(cat "$V/expected/$v.rc")"
    else
        if grep -v '\[opentrail\]' "$T/$v.out" | cmp -s - "$V/expected/$v.stdout"; then
            ok "$v: the AWS CLI's lines unchanged"; else notok "$v: AWS lines changed"; fi
        expect_grep "$v: the deleted newest digest is noticed" \
            'INVALID \[opentrail\]: the newest digest ends at 2024-01-01T01:00:00Z' "$T/$v.err"
        expect_eq "$v: and the exit status says so" "$(cat "$T/$v.rc")" 1
    fi
done

# --json carries the same verdicts
run log-deleted --json
expect_eq "--json: summary" "$(jq -c '.summary | [.validDigests,.invalidDigests,.validLogs,.invalidLogs]' "$T/log-deleted.out")" "[2,0,2,1]"
expect_eq "--json: the missing log" "$(jq -r '.items[] | select(.valid==false) | .reason' "$T/log-deleted.out")" "not found"
expect_eq "--json: exit status" "$(cat "$T/log-deleted.rc")" 1

# no keys, bad arguments: one-line errors, usage status
echo '[]' >"$T/nokeys.json"
expect_rc "no public keys: exit 2" 2 "$OT" validate --root "$V/intact/tree" --keys "$T/nokeys.json" \
    --trail-arn "$ARN" --s3-bucket opentrail-test-bucket --start-time 2024-01-01T00:00:00Z --end-time 2024-01-01T02:00:00Z
expect_grep "no public keys: the CLI's words" 'No public keys found between 2024-01-01T00:00:00Z and 2024-01-01T02:00:00Z' "$T/err"
expect_rc "bad ARN: exit 2" 2 "$OT" validate --root "$V/intact/tree" --keys "$V/keys.json" \
    --trail-arn arn:aws:s3:::x --s3-bucket opentrail-test-bucket --start-time 2024-01-01T00:00:00Z
expect_grep "bad ARN: says so" 'Invalid trail ARN' "$T/err"
expect_rc "bad date: exit 2" 2 "$OT" validate --keys "$V/keys.json" --trail-arn "$ARN" --s3-bucket b --start-time yesterday
expect_rc "start after end: exit 2" 2 "$OT" validate --root "$V/intact/tree" --keys "$V/keys.json" \
    --trail-arn "$ARN" --s3-bucket b --start-time 2024-01-02T00:00:00Z --end-time 2024-01-01T00:00:00Z
echo '{"PublicKeyList": [{"Fingerprint": 1}]}' >"$T/badkeys.json"
expect_rc "malformed keys file: exit 2" 2 "$OT" validate --root "$V/intact/tree" --keys "$T/badkeys.json" \
    --trail-arn "$ARN" --s3-bucket opentrail-test-bucket --start-time 2024-01-01T00:00:00Z
expect_grep "malformed keys file: names the file" "badkeys.json" "$T/err"
expect_rc "empty range: No digests found, exit 0 as the CLI" 0 "$OT" validate --root "$V/intact/tree" \
    --keys "$V/keys.json" --trail-arn "$ARN" --s3-bucket opentrail-test-bucket \
    --start-time 2025-01-01T00:00:00Z --end-time 2025-01-01T02:00:00Z
expect_grep "empty range: says so" '^No digests found$' "$T/out"
expect_rc "a missing bucket folder: exit 2, not an empty verdict" 2 "$OT" validate --root "$V/intact/tree" \
    --keys "$V/keys.json" --trail-arn "$ARN" --s3-bucket no-such-bucket --start-time 2024-01-01T00:00:00Z
expect_grep "a missing bucket folder: says which" 'no-such-bucket: no such bucket folder' "$T/err"
expect_rc "validate --help" 0 "$OT" validate --help
