#!/usr/bin/env bash
# keys and ingest: key files and their modes, the ListPublicKeys shape, the
# trail ingest writes (key layout, one gzip member, every record kept), and
# the AWS CLI's own validator (shared/tools/aws_offline_validate.py, Debian
# awscli) accepting every trail we write, including a chain continued by a
# second run and a key rotation.
. "$(dirname "$0")/lib.sh"
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
D=$T/data

# --- keys ------------------------------------------------------------------
expect_rc "keys generate" 0 "$OT" --data-dir "$D" keys generate --valid-from 2023-01-01T00:00:00Z
FP1=$(cat "$T/out")
expect_grep "keys generate prints a 32-hex fingerprint" '^[0-9a-f]{32}$' "$T/out"
expect_eq "private key is 0600" "$(stat -c %a "$D/keys/$FP1.pem")" 600
expect_eq "keys folder is 0700" "$(stat -c %a "$D/keys")" 700
# fingerprint = MD5 of the PKCS#1 DER public key, recomputed here with openssl
der_md5=$(openssl rsa -in "$D/keys/$FP1.pem" -RSAPublicKey_out -outform DER 2>/dev/null | md5sum | cut -d' ' -f1)
expect_eq "fingerprint = md5(PKCS#1 DER) per openssl" "$FP1" "$der_md5"
expect_rc "keys export" 0 "$OT" --data-dir "$D" keys export
expect_eq "export: ListPublicKeys shape" "$(jq -c '.PublicKeyList[0] | keys_unsorted' "$T/out")" '["Fingerprint","Value","ValidityStartTime","ValidityEndTime"]'
expect_eq "export: Value is base64 of that DER" "$(jq -r '.PublicKeyList[0].Value' "$T/out" | base64 -d | md5sum | cut -d' ' -f1)" "$FP1"
expect_eq "export: validity start" "$(jq -r '.PublicKeyList[0].ValidityStartTime' "$T/out")" 2023-01-01T00:00:00Z
chmod 644 "$D/keys/$FP1.pem"
expect_rc "a private key readable by others is refused" 2 "$OT" --data-dir "$D" keys list
expect_grep "refusal names the file and the fix" "$FP1.pem.*chmod 600" "$T/err"
chmod 600 "$D/keys/$FP1.pem"
expect_rc "keys list" 0 "$OT" --data-dir "$D" keys list
expect_eq "keys list line" "$(cat "$T/out")" "$FP1	2023-01-01T00:00:00Z	current"
expect_rc "keys --help" 0 "$OT" keys --help
expect_rc "keys with no action: usage" 2 "$OT" --data-dir "$D" keys

# --- ingest --replay of the invictus log files -----------------------------
expect_rc "ingest --replay" 0 "$OT" --data-dir "$D" ingest --trail main --bucket b1 --replay "$INV"
B=$D/buckets/b1
ACCT=$(jq -r '.Records[].recipientAccountId' "$INV"/*.json | sort -u)
expect_eq "one account in the corpus" "$(echo "$ACCT" | wc -l)" 1
nlog=$(find "$B" -path '*/CloudTrail/*' -name '*.json.gz' | wc -l)
bad_keys=$(find "$B" -path '*/CloudTrail/*' -name '*.json.gz' | sed "s|^$B/||" |
    grep -Evc "^AWSLogs/$ACCT/CloudTrail/us-east-1/[0-9]{4}/[0-9]{2}/[0-9]{2}/${ACCT}_CloudTrail_us-east-1_[0-9]{8}T[0-9]{4}Z_[A-Za-z0-9]{16}\.json\.gz$")
expect_eq "every log key follows spec 2.1" "$bad_keys" 0
[ "$nlog" -gt 0 ] && ok "log files written ($nlog)" || notok "no log files"
members=0
for f in $(find "$B" -path '*/CloudTrail/*' -name '*.json.gz'); do
    # gzip -lv lists one line per member only with -N? use python: count members
    m=$(/usr/bin/python3 -c 'import sys,zlib
d=open(sys.argv[1],"rb").read();n=0
while d:
    o=zlib.decompressobj(31);o.decompress(d);d=o.unused_data;n+=1
print(n)' "$f")
    [ "$m" -ne 1 ] && members=$((members + 1))
done
expect_eq "every log file is one gzip member" "$members" 0
# every record kept, byte for byte (compact), none added
"$OT" cat -q "$INV" | jq -c . | sort >"$T/in.sorted"
"$OT" cat -q "$B/AWSLogs" | jq -c . | sort >"$T/out.sorted"
if cmp -s "$T/in.sorted" "$T/out.sorted"; then ok "the trail holds exactly the input records"; else
    notok "records differ: $(diff "$T/in.sorted" "$T/out.sorted" | head -c 300)"; fi
# each log file's records fall in the 5 minutes before its delivery minute (--replay)
late=0
for f in $(find "$B" -path '*/CloudTrail/*' -name '*.json.gz'); do
    n=$(basename "$f" | sed -E 's/.*_([0-9]{8}T[0-9]{4}Z)_.*/\1/')
    dm=$(date -u -d "${n:0:4}-${n:4:2}-${n:6:2} ${n:9:2}:${n:11:2}" +%s)
    bad=$(zcat "$f" | jq --argjson dm "$dm" '[.Records[].eventTime | fromdate | select(. >= $dm or . < $dm - 300)] | length')
    late=$((late + bad))
done
expect_eq "records lie in their file's delivery window" "$late" 0
# digests: one per hour, first one a starting digest, then a chain
DG=$(find "$B" -path '*/CloudTrail-Digest/*' -name '*.json.gz' | sort)
first=$(echo "$DG" | head -1)
expect_eq "the first digest starts a chain (5 nulls)" "$(zcat "$first" | jq -c '[.previousDigestS3Bucket,.previousDigestS3Object,.previousDigestHashValue,.previousDigestHashAlgorithm,.previousDigestSignature]')" "[null,null,null,null,null]"
second=$(echo "$DG" | sed -n 2p)
expect_eq "the second links the first by SHA-256 of its inflated bytes" "$(zcat "$second" | jq -r .previousDigestHashValue)" "$(zcat "$first" | sha256sum | cut -d' ' -f1)"
expect_eq "... and copies its signature" "$(zcat "$second" | jq -r .previousDigestSignature)" "$(jq -r .signature "$first.meta.json")"
expect_eq "digest fields as spec 3.1, in AWS's order" "$(zcat "$first" | jq -c 'keys_unsorted')" '["awsAccountId","digestStartTime","digestEndTime","digestS3Bucket","digestS3Object","digestPublicKeyFingerprint","digestSignatureAlgorithm","newestEventTime","oldestEventTime","previousDigestS3Bucket","previousDigestS3Object","previousDigestHashValue","previousDigestHashAlgorithm","previousDigestSignature","logFiles"]'
# log hashes in digests = sha256 of the inflated files (recomputed with zcat)
mism=0
for d in $DG; do
    zcat "$d" | jq -r '.logFiles[] | .s3Object + " " + .hashValue' >"$T/lf"
    while read -r k h; do
        [ "$(zcat "$B/$k" | sha256sum | cut -d' ' -f1)" = "$h" ] || mism=$((mism + 1))
    done <"$T/lf"
done
expect_eq "every listed hashValue = sha256(zcat file)" "$mism" 0
listed=$(for d in $DG; do zcat "$d" | jq -r '.logFiles[].s3Object'; done | sort -u | wc -l)
expect_eq "every log file is listed in a digest" "$listed" "$nlog"
# signature checked with openssl, independently of our code and the CLI's
openssl rsa -in "$D/keys/$FP1.pem" -pubout -out "$T/pub.pem" 2>/dev/null
k=${second#$B/}
printf '%s\n%s/%s\n%s\n%s' "$(zcat "$second" | jq -r .digestEndTime)" b1 "$k" \
    "$(zcat "$second" | sha256sum | cut -d' ' -f1)" "$(zcat "$second" | jq -r .previousDigestSignature)" >"$T/sts"
jq -r .signature "$second.meta.json" | xxd -r -p >"$T/sig"
expect_rc "openssl verifies the signature over the spec 3.3 string" 0 openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/sts"

# the AWS CLI's own validator accepts it
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/main
S=$(echo "$DG" | head -1 | sed -E 's/.*_([0-9]{8})T([0-9]{2}).*/\1/')
START=$(date -u -d "$S" +%Y-%m-%dT00:00:00Z)
END=$(date -u -d "$S + 1 day" +%Y-%m-%dT00:00:00Z)
"${AWSV[@]}" "$D/buckets" "$T/keys.json" "$ARN" b1 "$START" "$END" >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator: exit 0 on our trail" "$?" 0
expect_grep "AWS CLI validator: all digests valid" "^$(echo "$DG" | wc -l)/$(echo "$DG" | wc -l) digest files valid$" "$T/aws.out"
expect_grep "AWS CLI validator: all log files valid" "^$nlog/$nlog log files valid$" "$T/aws.out"
expect_eq "AWS CLI validator: nothing INVALID" "$(wc -c <"$T/aws.err")" 0
"$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket b1 --start-time "$START" --end-time "$END" -v --aws-only >"$T/ot.out" 2>"$T/ot.err"
expect_eq "opentrail validate: exit 0" "$?" 0
if cmp -s "$T/ot.out" "$T/aws.out"; then ok "opentrail validate prints what the AWS CLI prints"; else
    notok "output differs: $(diff "$T/aws.out" "$T/ot.out" | head -5)"; fi

# --- a second run continues the chain, with a rotated key --------------------
lastend=$(zcat "$(echo "$DG" | tail -1)" | jq -r .digestEndTime)
expect_rc "keys generate (rotation)" 0 "$OT" --data-dir "$D" keys generate --valid-from "$lastend"
FP2=$(cat "$T/out")
expect_eq "rotation ends the old key's validity" "$("$OT" --data-dir "$D" keys list | head -1 | cut -f3)" "$lastend"
jq -c --arg t "$(date -u -d "$lastend + 90 min" +%Y-%m-%dT%H:%M:%SZ)" '.Records[0] | .eventTime = $t | .eventID = "later-1"' "$(ls "$INV"/*.json | head -1)" >"$T/later.json"
expect_rc "ingest --replay, later record" 0 "$OT" --data-dir "$D" ingest --trail main --bucket b1 --replay "$T/later.json"
DG2=$(find "$B" -path '*/CloudTrail-Digest/*' -name '*.json.gz' | sort)
expect_eq "two more hourly digests (one empty)" "$(($(echo "$DG2" | wc -l) - $(echo "$DG" | wc -l)))" 2
new1=$(echo "$DG2" | sed -n "$(($(echo "$DG" | wc -l) + 1))p")
expect_eq "the empty hour's digest has no log files and null times" "$(zcat "$new1" | jq -c '[(.logFiles|length),.newestEventTime,.oldestEventTime]')" "[0,null,null]"
expect_eq "the new digest continues the old chain" "$(zcat "$new1" | jq -r .previousDigestS3Object)" "$(echo "$DG" | tail -1 | sed "s|^$B/||")"
expect_eq "the new digests are signed by the new key" "$(zcat "$new1" | jq -r .digestPublicKeyFingerprint)" "$FP2"
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
"${AWSV[@]}" "$D/buckets" "$T/keys.json" "$ARN" b1 "$START" "$END" >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator: the continued chain with two keys is valid" "$?" 0
expect_eq "AWS CLI validator: no gap notice, nothing invalid" "$(wc -c <"$T/aws.err")" 0

# --- ingest without --replay: delivered now ----------------------------------
expect_rc "ingest now" 0 "$OT" --data-dir "$D" ingest --trail live --bucket b2 "$INV/$(ls "$INV" | head -1)"
now_dg=$(find "$D/buckets/b2" -path '*/CloudTrail-Digest/*' -name '*.json.gz' | wc -l)
expect_eq "ingest now: one digest closing now" "$now_dg" 1
ARN2=arn:aws:cloudtrail:us-east-1:$ACCT:trail/live
"${AWSV[@]}" "$D/buckets" "$T/keys.json" "$ARN2" b2 "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)" >"$T/aws.out" 2>"$T/aws.err"
expect_eq "AWS CLI validator: the live trail is valid" "$?" 0
expect_grep "AWS CLI validator: its log file is valid" '^1/1 log files valid$' "$T/aws.out"

# --- bad input ---------------------------------------------------------------
expect_rc "a trail name with a slash: usage" 2 "$OT" --data-dir "$D" ingest --trail a/b --bucket b3 "$INV"
expect_grep "... says what a trail name may hold" "trail names are 3-128" "$T/err"
expect_rc "ingest without --trail: usage" 2 "$OT" --data-dir "$D" ingest --bucket b3 "$INV"
printf '{"eventName":"x","awsRegion":"us-east-1","recipientAccountId":"123456789012"}\n' >"$T/notime.ndjson"
expect_rc "a record without eventTime: exit 3" 3 "$OT" --data-dir "$D" ingest --trail tr3 --bucket b3 --replay "$T/notime.ndjson"
expect_grep "... with a one-line reason" 'no eventTime' "$T/err"
expect_rc "ingest --help" 0 "$OT" ingest --help
