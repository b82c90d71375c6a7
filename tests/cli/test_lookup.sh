#!/usr/bin/env bash
# lookup: LookupEvents' attributes over files and over what opentrail stored,
# each answer compared with jq over the same records.
. "$(dirname "$0")/lib.sh"
INV=$SHARED/corpora/invictus-aws-dataset
"$OT" cat "$INV" >"$T/all.ndjson"

id=$(jq -r 'select(.eventName == "PutRolePolicy") | .eventID' "$T/all.ndjson" | head -1)
expect_rc "lookup --event-id in files" 0 "$OT" lookup --event-id "$id" "$INV"
expect_eq "finds exactly that event" "$(jq -r .eventID "$T/out")" "$id"

for a in "EventName=AssumeRole|.eventName == \"AssumeRole\"" \
    "EventSource=iam.amazonaws.com|.eventSource == \"iam.amazonaws.com\"" \
    "ReadOnly=false|.readOnly == false" \
    "Username=bert-jan|(.userIdentity.userName // .userIdentity.sessionContext.sessionIssuer.userName) == \"bert-jan\"" \
    "ResourceType=AWS::IAM::Role|any(.resources[]?; .type == \"AWS::IAM::Role\")"; do
    kv=${a%%|*} sel=${a#*|}
    want=$(jq -c "select($sel) | .eventID" "$T/all.ndjson" | wc -l)
    got=$("$OT" lookup -a "$kv" "$INV" | wc -l)
    expect_eq "lookup -a $kv: $want events, as jq" "$got" "$want"
done
want=$(jq -c 'select(.eventTime >= "2023-07-10T12:00:00Z" and .eventTime <= "2023-07-10T12:05:00Z")' "$T/all.ndjson" | wc -l)
got=$("$OT" lookup --start-time 2023-07-10T12:00:00Z --end-time 2023-07-10T12:05:00Z "$INV" | wc -l)
expect_eq "a time window: $want events" "$got" "$want"

expect_rc "--json gives LookupEvents' shape" 0 "$OT" lookup --json --event-id "$id" "$INV"
expect_eq "EventId, EventName and CloudTrailEvent as a JSON string" \
    "$(jq -c '[.EventId, .EventName, (.CloudTrailEvent | fromjson | .eventID)]' "$T/out")" \
    "[\"$id\",\"PutRolePolicy\",\"$id\"]"

# what opentrail stored: ingest, then lookup without inputs searches DATA-DIR/buckets
D=$T/data
expect_rc "ingest the corpus" 0 "$OT" --data-dir "$D" ingest --trail main --bucket audit --replay "$INV"
expect_rc "lookup in the data dir" 0 "$OT" --data-dir "$D" lookup --event-id "$id"
expect_eq "finds it in the stored log files" "$(jq -r .eventID "$T/out")" "$id"
expect_rc "an empty data dir is a usage error" 2 "$OT" --data-dir "$T/nothing" lookup --event-id "$id"
expect_rc "an unknown attribute exits 2" 2 "$OT" lookup -a Colour=blue "$INV"
expect_rc "a bad time exits 2" 2 "$OT" lookup --start-time yesterday "$INV"
expect_rc "lookup --help" 0 "$OT" lookup --help
