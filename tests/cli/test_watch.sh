#!/usr/bin/env bash
# scan and test-pattern over the real corpora. Every CIS count is derived in
# this test by an independent jq translation of the benchmark's pattern, run
# over the same records; attack techniques must raise the alarm they exercise.
. "$(dirname "$0")/lib.sh"
C=$SHARED/corpora
INV=$C/invictus-aws-dataset
STR=$C/stratus-red-team/detonation-logs
"$OT" cat "$INV" "$STR" >"$T/all.ndjson"

# jq translations of the CIS patterns (spec section 7). CloudWatch semantics:
# a comparison on an absent field matches nothing, so != needs the field present.
declare -A JQ=(
    [root_usage]='.userIdentity.type == "Root" and (.userIdentity | has("invokedBy") | not) and (.eventType != null and .eventType != "AwsServiceEvent")'
    [unauthorized_api_calls]='(.errorCode // "" | endswith("UnauthorizedOperation")) or (.errorCode // "" | startswith("AccessDenied"))'
    [console_signin_without_mfa]='.eventName == "ConsoleLogin" and (.additionalEventData.MFAUsed? != null) and .additionalEventData.MFAUsed != "Yes"'
    [iam_policy_changes]='.eventName as $e | ["DeleteGroupPolicy","DeleteRolePolicy","DeleteUserPolicy","PutGroupPolicy","PutRolePolicy","PutUserPolicy","CreatePolicy","DeletePolicy","CreatePolicyVersion","DeletePolicyVersion","AttachRolePolicy","DetachRolePolicy","AttachUserPolicy","DetachUserPolicy","AttachGroupPolicy","DetachGroupPolicy"] | index([$e])'
    [cloudtrail_config_changes]='.eventName as $e | ["CreateTrail","UpdateTrail","DeleteTrail","StartLogging","StopLogging"] | index([$e])'
    [console_auth_failures]='.eventName == "ConsoleLogin" and .errorMessage == "Failed authentication"'
    [cmk_disable_or_deletion]='.eventSource == "kms.amazonaws.com" and (.eventName == "DisableKey" or .eventName == "ScheduleKeyDeletion")'
    [s3_bucket_policy_changes]='.eventSource == "s3.amazonaws.com" and (.eventName as $e | ["PutBucketAcl","PutBucketPolicy","PutBucketCors","PutBucketLifecycle","PutBucketReplication","DeleteBucketPolicy","DeleteBucketCors","DeleteBucketLifecycle","DeleteBucketReplication"] | index([$e]))'
    [aws_config_changes]='.eventSource == "config.amazonaws.com" and (.eventName as $e | ["StopConfigurationRecorder","DeleteDeliveryChannel","PutDeliveryChannel","PutConfigurationRecorder"] | index([$e]))'
    [security_group_changes]='.eventName as $e | ["AuthorizeSecurityGroupIngress","AuthorizeSecurityGroupEgress","RevokeSecurityGroupIngress","RevokeSecurityGroupEgress","CreateSecurityGroup","DeleteSecurityGroup"] | index([$e])'
    [nacl_changes]='.eventName as $e | ["CreateNetworkAcl","CreateNetworkAclEntry","DeleteNetworkAcl","DeleteNetworkAclEntry","ReplaceNetworkAclEntry","ReplaceNetworkAclAssociation"] | index([$e])'
    [network_gateway_changes]='.eventName as $e | ["CreateCustomerGateway","DeleteCustomerGateway","AttachInternetGateway","CreateInternetGateway","DeleteInternetGateway","DetachInternetGateway"] | index([$e])'
    [route_table_changes]='.eventName as $e | ["CreateRoute","CreateRouteTable","ReplaceRoute","ReplaceRouteTableAssociation","DeleteRouteTable","DeleteRoute","DisassociateRouteTable"] | index([$e])'
    [vpc_changes]='.eventName as $e | ["CreateVpc","DeleteVpc","ModifyVpcAttribute","AcceptVpcPeeringConnection","CreateVpcPeeringConnection","DeleteVpcPeeringConnection","RejectVpcPeeringConnection","AttachClassicLinkVpc","DetachClassicLinkVpc","DisableVpcClassicLink","EnableVpcClassicLink"] | index([$e])'
    [organizations_changes]='.eventSource == "organizations.amazonaws.com" and (.eventName as $e | ["AcceptHandshake","AttachPolicy","CreateAccount","CreateOrganizationalUnit","CreatePolicy","DeclineHandshake","DeleteOrganization","DeleteOrganizationalUnit","DeletePolicy","DetachPolicy","DisablePolicyType","EnablePolicyType","InviteAccountToOrganization","LeaveOrganization","MoveAccount","RemoveAccountFromOrganization","UpdatePolicy","UpdateOrganizationalUnit"] | index([$e]))'
)

expect_rc "scan --cis --json over invictus and stratus" 0 "$OT" scan --cis --json --events 0 "$INV" "$STR"
cp "$T/out" "$T/cis.json"
expect_eq "scan reports 16 rules" "$(jq '.rules | length' "$T/cis.json")" "16"
expect_eq "scan counts every record" "$(jq .records "$T/cis.json")" "$(wc -l <"$T/all.ndjson")"
nonzero=0
for id in "${!JQ[@]}"; do
    want=$(jq -c "select(${JQ[$id]})" "$T/all.ndjson" | wc -l)
    got=$(jq ".rules[] | select(.id == \"$id\") | .matches" "$T/cis.json")
    expect_eq "CIS $id: $want matches, as jq counts them" "$got" "$want"
    [ "$want" -gt 0 ] && nonzero=$((nonzero + 1))
done
if [ "$nonzero" -ge 8 ]; then ok "the corpora exercise $nonzero of the 15 CIS rules"; else notok "only $nonzero CIS rules matched anything"; fi

# attack technique -> the alarm it must raise
for pair in "aws.defense-evasion.cloudtrail-stop:cloudtrail_config_changes" \
    "aws.defense-evasion.cloudtrail-delete:cloudtrail_config_changes" \
    "aws.initial-access.console-login-without-mfa:console_signin_without_mfa" \
    "aws.persistence.iam-create-admin-user:iam_policy_changes" \
    "aws.defense-evasion.organizations-leave:organizations_changes"; do
    tech=${pair%%:*} rule=${pair##*:}
    [ -f "$STR/$tech.json" ] || { notok "no Stratus file $tech"; continue; }
    n=$("$OT" scan --cis --json --events 0 "$STR/$tech.json" | jq ".rules[] | select(.id == \"$rule\") | .matches")
    if [ "${n:-0}" -ge 1 ]; then ok "$tech raises $rule ($n)"; else notok "$tech does not raise $rule"; fi
done

# the S3 public access rule, on records shaped like AWS's (PutBucketPolicy, PutBucketAcl,
# PutBucketPublicAccessBlock, DeleteBucketPublicAccessBlock), public and not
s3() { printf '{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"%s","eventID":"%s","requestParameters":%s}\n' "$@"; }
{
    s3 PutBucketPolicy pub-policy '{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}'
    s3 PutBucketPolicy pub-policy-aws '{"bucketName":"b","bucketPolicy":{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:*"}}}'
    s3 PutBucketPolicy priv-policy '{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:*"},{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}}'
    s3 PutBucketAcl pub-acl '{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":[{"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}}}'
    s3 PutBucketAcl pub-canned '{"bucketName":"b","x-amz-acl":["public-read"]}'
    s3 PutBucketAcl priv-acl '{"bucketName":"b","x-amz-acl":["private"]}'
    s3 PutBucketPublicAccessBlock weak-pab '{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}'
    s3 PutBucketPublicAccessBlock strong-pab '{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}'
    s3 DeleteBucketPublicAccessBlock del-pab '{"bucketName":"b"}'
} >"$T/s3.ndjson"
expect_rc "scan --cis over S3 changes" 0 "$OT" scan --cis --json "$T/s3.ndjson"
got=$(jq -c '[.rules[] | select(.id == "s3_public_access") | .events[].eventID] | sort' "$T/out")
expect_eq "S3 public access: public policies, ACLs, weakened and deleted blocks only" "$got" '["del-pab","pub-acl","pub-canned","pub-policy","pub-policy-aws","weak-pab"]'

# test-pattern: the issue's root console login, against jq
RL='{ ($.eventName = ConsoleLogin) && ($.userIdentity.type = Root) }'
expect_rc "test-pattern on a record file" 0 "$OT" test-pattern "$RL" - <<<'{"eventName":"ConsoleLogin","userIdentity":{"type":"Root"}}
{"eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser"}}'
expect_eq "matches only the root login" "$(cat "$T/out")" '{"eventName":"ConsoleLogin","userIdentity":{"type":"Root"}}'
expect_grep "and counts on stderr" "matched 1 of 2 records" "$T/err"
P='{ $.errorCode = "AccessDenied" }'
expect_rc "scan -p over invictus" 0 "$OT" scan -p "$P" --json --events -1 "$INV"
got=$(jq -c '.rules[0].events[] | .eventID' "$T/out" | sort)
expect_eq "scan -p finds the AccessDenied events jq finds" "$got" "$(jq -c 'select(.errorCode == "AccessDenied") | .eventID' <("$OT" cat "$INV") | sort)"
expect_rc "--fail-on-match exits 1 when a rule matched" 1 "$OT" scan -p "$P" --fail-on-match "$INV"
expect_rc "--fail-on-match exits 0 when none did" 0 "$OT" scan -p '{ $.errorCode = "NoSuchThing" }' --fail-on-match "$INV"

# --lines: any log, TestMetricFilter's answer shape, with extracted values
printf '%s\n' '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534' \
    '127.0.0.1 Prod frank [10/Oct/2000:13:25:16 -0700] "GET /a.png HTTP/1.0" 200 99' >"$T/access.log"
expect_rc "test-pattern --lines --json" 0 "$OT" test-pattern --lines --json '[ip, user, username, timestamp, request = *.html*, status_code = 4*, bytes]' "$T/access.log"
expect_eq "one match, event 1" "$(jq -c '[.eventNumber, .extractedValues["$request"], .extractedValues["$status_code"]]' "$T/out")" '[1,"GET /index.html HTTP/1.0","404"]'
printf '[ERROR 400] BAD REQUEST\n[SUCCESS 200] AUTHORIZED REQUEST\n' | gzip >"$T/m.log.gz"
expect_rc "terms over gzip lines" 0 "$OT" test-pattern --lines 'ERROR -ARGUMENTS' "$T/m.log.gz"
expect_eq "the ERROR line" "$(cat "$T/out")" "[ERROR 400] BAD REQUEST"

# bad patterns: exit 2, the column and a caret
expect_rc "a bad pattern exits 2" 2 "$OT" test-pattern '{ $.a IS NOT NULL }' "$T/s3.ndjson"
expect_grep "with its column" "column 10: invalid filter pattern: expected NULL, TRUE or FALSE after IS" "$T/err"
expect_grep "and a caret under it" "^           \^" "$T/err"
expect_rc "scan without a pattern exits 2" 2 "$OT" scan "$INV"
for c in scan test-pattern; do
    expect_rc "opentrail $c --help" 0 "$OT" $c --help
done

# --alarms: the CIS alarm replayed over eventTime. Each rule with matches first goes to
# ALARM in the 5-minute period of its earliest match (floor of eventTime to 300 s, by jq).
expect_rc "scan --cis --alarms --json" 0 "$OT" scan --cis --alarms --json --events -1 "$INV"
cp "$T/out" "$T/alarms.json"
for id in iam_policy_changes security_group_changes unauthorized_api_calls organizations_changes; do
    want=$(jq -r ".rules[] | select(.id == \"$id\") | [.events[].eventTime | fromdateiso8601 | . - (. % 300)] | min | todateiso8601" "$T/alarms.json")
    got=$(jq -r "[.alarms[] | select(.rule == \"$id\" and .to == \"ALARM\")][0].time" "$T/alarms.json")
    expect_eq "$id alarms in the period of its first match" "$got" "$want"
done
expect_eq "every rule that matched went to ALARM once at least" \
    "$(jq '[.alarms[] | select(.to == "ALARM") | .rule] | unique | length' "$T/alarms.json")" \
    "$(jq '[.rules[] | select(.matches > 0)] | length' "$T/alarms.json")"
expect_eq "and every ALARM ended in OK after the incident" \
    "$(jq '[.alarms[] | select(.to == "ALARM")] | length' "$T/alarms.json")" \
    "$(jq '[.alarms[] | select(.from == "ALARM" and .to == "OK")] | length' "$T/alarms.json")"
