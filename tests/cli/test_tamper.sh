#!/usr/bin/env bash
# The tamper matrix (issue 4, point 6). A trail is generated with opentrail
# ingest; each case damages a copy of it; the AWS CLI's own validator
# (shared/tools/aws_offline_validate.py, Debian awscli 2.9.19) and opentrail
# validate then run on the same tree. opentrail's output, with its lines
# marked [opentrail] taken out, must equal the CLI's line for line (stdout and
# stderr), and each case must show the verdict the damage calls for. The one
# known difference: an appended gzip member, which 2.9.19 calls valid and the
# 2026 CLI (and opentrail) INVALID.
. "$(dirname "$0")/lib.sh"
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
D=$T/data
ACCT=123456789012
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/ttt
START=2024-03-01T00:00:00Z
END=2024-03-01T06:00:00Z

# 36 records, one every 10 minutes from 00:03 to 05:53: 36 log files, 6 hourly digests
jq -c '.Records[]' "$INV"/*.json | head -36 |
    jq -c --slurp 'to_entries[] | .value + {eventTime: ((1709251380 + .key * 600) | todate),
        recipientAccountId: "123456789012", awsRegion: "us-east-1"}' >"$T/recs.ndjson"
"$OT" --data-dir "$D" keys generate --valid-from 2024-01-01T00:00:00Z >/dev/null
"$OT" --data-dir "$D" ingest -q --trail ttt --bucket bk --replay "$T/recs.ndjson" 2>"$T/ingest.err" ||
    notok "ingest of the matrix trail: $(cat "$T/ingest.err")"
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
BASE=$D/buckets
DIG=AWSLogs/$ACCT/CloudTrail-Digest/us-east-1/2024/03/01
LOG=AWSLogs/$ACCT/CloudTrail/us-east-1/2024/03/01
dkey() { echo "$DIG/${ACCT}_CloudTrail-Digest_us-east-1_ttt_us-east-1_20240301T0${1}0000Z.json.gz"; }
logs() { (cd "$1/bk" && ls $LOG/*.json.gz | sort); }
expect_eq "matrix trail: 36 log files" "$(logs "$BASE" | wc -l)" 36
expect_eq "matrix trail: 6 digests" "$(ls "$BASE/bk/$DIG"/*.json.gz | wc -l)" 6

strip() { # drop [opentrail] lines and the blank line after each
    awk '/\[opentrail\]/ {skip=1; next} skip && $0=="" {skip=0; next} {skip=0; print}' "$1"
}

# case NAME KEYS_FILE AWS_LINE_REGEX OT_EXTRA_REGEX(or -) ; tree in $T/c/NAME
check() {
    local name=$1 keys=$2 want=$3 extra=$4 root=$T/c/$1
    "${AWSV[@]}" "$root" "$keys" "$ARN" bk "$START" "$END" >"$T/$name.aws.out" 2>"$T/$name.aws.err"
    local arc=$?
    "$OT" validate --root "$root" --keys "$keys" --trail-arn "$ARN" --s3-bucket bk \
        --start-time "$START" --end-time "$END" --verbose --jobs 2 >"$T/$name.ot.out" 2>"$T/$name.ot.err"
    local orc=$?
    if [ "$want" = - ]; then
        [ -s "$T/$name.aws.err" ] && notok "$name: the AWS CLI was expected to see nothing: $(head -3 "$T/$name.aws.err")" ||
            ok "$name: the AWS CLI sees nothing (rc $arc)"
    else
        expect_grep "$name: the AWS CLI reports it" "$want" "$T/$name.aws.err"
    fi
    if strip "$T/$name.ot.out" | cmp -s - "$T/$name.aws.out"; then ok "$name: stdout = AWS CLI's"; else
        notok "$name: stdout differs: $(strip "$T/$name.ot.out" | diff "$T/$name.aws.out" - | head -6)"; fi
    if strip "$T/$name.ot.err" | cmp -s - "$T/$name.aws.err"; then ok "$name: stderr = AWS CLI's"; else
        notok "$name: stderr differs: $(strip "$T/$name.ot.err" | diff "$T/$name.aws.err" - | head -6)"; fi
    if [ "$extra" = - ]; then
        expect_eq "$name: no [opentrail] finding" "$(grep -c '\[opentrail\]' "$T/$name.ot.err")" 0
        expect_eq "$name: exit status = AWS CLI's" "$orc" "$arc"
    else
        expect_grep "$name: [opentrail] finding" "$extra" "$T/$name.ot.err"
        expect_eq "$name: exit status 1" "$orc" 1
    fi
}
fresh() { rm -rf "$T/c/$1"; mkdir -p "$T/c/$1"; cp -a "$BASE/bk" "$T/c/$1/"; chmod -R u+w "$T/c/$1"; echo "$T/c/$1/bk"; }
L3=$(logs "$BASE" | sed -n 3p)
L4=$(logs "$BASE" | sed -n 4p)
L20=$(logs "$BASE" | sed -n 20p)

R=$(fresh intact)
check intact "$T/keys.json" - -
expect_grep "intact: all valid" '^6/6 digest files valid$' "$T/intact.aws.out"

R=$(fresh log-byte-changed)
zcat "$R/$L3" | sed 's/"eventName":"/"eventName":"X/' | gzip -n >"$R/$L3.new" && mv "$R/$L3.new" "$R/$L3"
check log-byte-changed "$T/keys.json" "$L3.*INVALID: hash value doesn't match" -

R=$(fresh log-deleted)
rm "$R/$L20"
check log-deleted "$T/keys.json" "$L20.*INVALID: not found" -

R=$(fresh log-inserted)
cp "$R/$L3" "$R/${L3%_*}_InSeRtEdInSeRtEd.json.gz"
check log-inserted "$T/keys.json" - 'InSeRtEdInSeRtEd.json.gz.*INVALID \[opentrail\]: .*listed in no digest'

R=$(fresh log-replaced)
cp "$R/$L4" "$R/$L3"
check log-replaced "$T/keys.json" "$L3.*INVALID: hash value doesn't match" -

R=$(fresh digest-deleted)
rm "$R/$(dkey 3)" "$R/$(dkey 3).meta.json"
check digest-deleted "$T/keys.json" "$(dkey 3).*INVALID: not found" -

R=$(fresh two-digests-deleted)
rm "$R/$(dkey 3)" "$R/$(dkey 3).meta.json" "$R/$(dkey 4)" "$R/$(dkey 4).meta.json"
check two-digests-deleted "$T/keys.json" "$(dkey 4).*INVALID: not found" -

R=$(fresh digest-moved)
moved=$(dkey 3 | sed 's/T030000Z/T025959Z/')
mv "$R/$(dkey 3)" "$R/$moved"
mv "$R/$(dkey 3).meta.json" "$R/$moved.meta.json"
check digest-moved "$T/keys.json" "T025959Z.json.gz.*INVALID: has been moved from its original location" -

R=$(fresh digest-edited)
k=$(dkey 2)
chmod u+w "$R/$k"
zcat "$R/$k" | sed 's/"hashAlgorithm":"SHA-256"/"hashAlgorithm":"SHA-257"/' | gzip -n >"$R/$k.new" && mv "$R/$k.new" "$R/$k"
check digest-edited "$T/keys.json" "$k.*INVALID: signature verification failed" -

R=$(fresh signature-forged)
k=$(dkey 5)
jq -c '.signature |= (if .[0:1] == "0" then "1" else "0" end) + .[1:]' "$R/$k.meta.json" >"$T/m" && cp "$T/m" "$R/$k.meta.json"
check signature-forged "$T/keys.json" "$k.*INVALID: signature verification failed" -

R=$(fresh wrong-key)
D2=$T/other
"$OT" --data-dir "$D2" keys generate --valid-from 2024-01-01T00:00:00Z >/dev/null
"$OT" --data-dir "$D2" keys export --array >"$T/wrong.json"
check wrong-key "$T/wrong.json" "INVALID: public key not found in region us-east-1 for fingerprint" -

R=$(fresh wrong-key-same-fingerprint)
jq -c --slurpfile o "$T/wrong.json" '.[0].Value = $o[0][0].Value' "$T/keys.json" >"$T/samefp.json"
check wrong-key-same-fingerprint "$T/samefp.json" "INVALID: signature verification failed" -

R=$(fresh log-truncated)
head -c 200 "$R/$L4" >"$T/tr" && cp "$T/tr" "$R/$L4"
check log-truncated "$T/keys.json" "$L4.*INVALID: hash value doesn't match" -

R=$(fresh digest-truncated)
k=$(dkey 4)
head -c 300 "$R/$k" >"$T/tr" && cp "$T/tr" "$R/$k"
check digest-truncated "$T/keys.json" "$k.*INVALID: invalid format" -

# an appended gzip member: 2.9.19 hashes member 1 only and says valid; the 2026 CLI and opentrail
# say INVALID. Compared here with that one line removed.
R=$(fresh gzip-member-appended)
echo '{"Records":[]}' | gzip -n >>"$R/$L3"
"${AWSV[@]}" "$R/.." "$T/keys.json" "$ARN" bk "$START" "$END" >"$T/gz.aws.out" 2>"$T/gz.aws.err"
expect_eq "gzip-member-appended: 2.9.19 says valid (the known 2026 difference)" "$?" 0
"$OT" validate --root "$R/.." --keys "$T/keys.json" --trail-arn "$ARN" --s3-bucket bk \
    --start-time "$START" --end-time "$END" --verbose >"$T/gz.ot.out" 2>"$T/gz.ot.err"
expect_eq "gzip-member-appended: opentrail exit 1" "$?" 1
expect_grep "gzip-member-appended: the 2026 verdict" "$L3	INVALID: unexpected data after end of compressed stream" "$T/gz.ot.err"
grep -v "$L3" "$T/gz.aws.out" | grep -v '^.*log files valid' >"$T/a"
grep -v "$L3" "$T/gz.ot.out" | grep -v '^.*log files valid' | awk 'NR==1 || !(prev=="" && $0=="") {print} {prev=$0}' >"$T/b"
grep -v "$L3" "$T/gz.aws.out" | grep -v '^.*log files valid' | awk 'NR==1 || !(prev=="" && $0=="") {print} {prev=$0}' >"$T/a"
if cmp -s "$T/a" "$T/b"; then ok "gzip-member-appended: every other line = AWS CLI's"; else
    notok "gzip-member-appended: other lines differ: $(diff "$T/a" "$T/b" | head -5)"; fi

# a logging gap: the trail stopped after 02:00 and was restarted at 04:00 (--restart)
R=$(fresh logging-gap)
D3=$T/gapdata
cp -a "$D/keys" "$D3.keys.tmp" && mkdir -p "$D3" && mv "$D3.keys.tmp" "$D3/keys"
head -11 "$T/recs.ndjson" >"$T/part1.ndjson"
sed -n '25,36p' "$T/recs.ndjson" >"$T/part2.ndjson"
"$OT" --data-dir "$D3" ingest -q --trail ttt --bucket bk --replay "$T/part1.ndjson"
"$OT" --data-dir "$D3" ingest -q --trail ttt --bucket bk --replay --restart "$T/part2.ndjson"
rm -rf "$T/c/logging-gap" && mkdir -p "$T/c/logging-gap" && cp -a "$D3/buckets/bk" "$T/c/logging-gap/"
check logging-gap "$T/keys.json" "No log files were delivered by CloudTrail between 2024-03-01T02:00:00Z and 2024-03-01T04:00:00Z" -

# the newest digest deleted: the AWS CLI cannot notice; opentrail must
R=$(fresh newest-digest-deleted)
rm "$R/$(dkey 6)" "$R/$(dkey 6).meta.json"
check newest-digest-deleted "$T/keys.json" - 'INVALID \[opentrail\]: the newest digest ends at 2024-03-01T05:00:00Z'

# a digest whose previousDigestHashValue is wrong but re-signed with the trail's own key
# (an insider with the key): the CLI does not look at the field; opentrail does
R=$(fresh prev-hash-forged)
k=$(dkey 3)
zcat "$R/$k" | jq -c '.previousDigestHashValue = ("0" * 64)' | tr -d '\n' >"$T/dj"
FP=$(ls "$D/keys" | grep pem | sed 's/.pem//')
printf '%s\n%s/%s\n%s\n%s' "$(jq -r .digestEndTime "$T/dj")" bk "$k" "$(sha256sum <"$T/dj" | cut -d' ' -f1)" \
    "$(jq -r .previousDigestSignature "$T/dj")" >"$T/sts"
openssl dgst -sha256 -sign "$D/keys/$FP.pem" -out "$T/sig" "$T/sts"
gzip -n <"$T/dj" >"$R/$k"
jq -c --arg s "$(xxd -p "$T/sig" | tr -d '\n')" '.signature = $s' "$R/$k.meta.json" >"$T/m" && cp "$T/m" "$R/$k.meta.json"
check prev-hash-forged "$T/keys.json" - 'INVALID \[opentrail\]: previousDigestHashValue does not match'

# a digest re-signed (by someone holding a key the verifier trusts) with a key whose validity
# starts in 2030: the CLI only asks that the key be listed; opentrail checks when it was valid
R=$(fresh key-outside-validity)
D4=$T/future
"$OT" --data-dir "$D4" keys generate --valid-from 2030-01-01T00:00:00Z >"$T/fp4"
FP4=$(cat "$T/fp4")
k=$(dkey 4)
zcat "$R/$k" | jq -c --arg f "$FP4" '.digestPublicKeyFingerprint = $f' | tr -d '\n' >"$T/dj"
printf '%s\n%s/%s\n%s\n%s' "$(jq -r .digestEndTime "$T/dj")" bk "$k" "$(sha256sum <"$T/dj" | cut -d' ' -f1)" \
    "$(jq -r .previousDigestSignature "$T/dj")" >"$T/sts"
openssl dgst -sha256 -sign "$D4/keys/$FP4.pem" -out "$T/sig" "$T/sts"
gzip -n <"$T/dj" >"$R/$k"
jq -c --arg s "$(xxd -p "$T/sig" | tr -d '\n')" '.signature = $s' "$R/$k.meta.json" >"$T/m" && cp "$T/m" "$R/$k.meta.json"
"$OT" --data-dir "$D4" keys export --array | jq -c --slurpfile a "$T/keys.json" '$a[0] + .' >"$T/keys2.json"
check key-outside-validity "$T/keys2.json" - "INVALID \[opentrail\]: signed by key $FP4 outside its validity \(2030-01-01T00:00:00Z to -\)"

# backfill digests (2026 CLI: a second chain, lines marked "(backfill) ", its own ratio). A log
# file delivered late is listed by a signed backfill digest; 2.9.19 cannot read such trees, so
# this is checked against the 2026 behaviour as the spec describes it (spec 3.2, 3.6).
R=$(fresh backfill)
late="${L3%_*}_LaTeDeLiVeReD0001.json.gz"
cp "$R/$L3" "$R/$late"
bk=$(dkey 3 | sed 's/\.json\.gz$/_backfill.json.gz/')
zcat "$R/$(dkey 3)" | jq -c --arg k "$bk" --arg l "$late" --arg h "$(zcat "$R/$late" | sha256sum | cut -d' ' -f1)" \
    '.digestS3Object = $k | .previousDigestS3Bucket = null | .previousDigestS3Object = null
     | .previousDigestHashValue = null | .previousDigestHashAlgorithm = null | .previousDigestSignature = null
     | .logFiles = [.logFiles[0] | .s3Object = $l | .hashValue = $h]' | tr -d '\n' >"$T/bf"
printf '%s\n%s/%s\n%s\nnull' "$(jq -r .digestEndTime "$T/bf")" bk "$bk" "$(sha256sum <"$T/bf" | cut -d' ' -f1)" >"$T/sts"
openssl dgst -sha256 -sign "$D/keys/$FP.pem" -out "$T/sig" "$T/sts"
gzip -n <"$T/bf" >"$R/$bk"
printf '{"signature":"%s","signature-algorithm":"SHA256withRSA","backfill-generation-timestamp":"2024-03-01T05:30:00Z"}' \
    "$(xxd -p "$T/sig" | tr -d '\n')" >"$R/$bk.meta.json"
bfv() { "$OT" validate --root "$R/.." --keys "$T/keys.json" --trail-arn "$ARN" --s3-bucket bk \
    --start-time "$START" --end-time "$END" --verbose >"$T/bf.out" 2>"$T/bf.err"; }
bfv
expect_eq "backfill: all valid, exit 0" "$?" 0
expect_grep "backfill: its digest line" "^\(backfill\) Digest file	s3://bk/$bk	valid$" "$T/bf.out"
expect_grep "backfill: the late log file it lists" "^Log file	s3://bk/$late	valid$" "$T/bf.out"
expect_grep "backfill: its own ratio" '^1/1 backfill digest files valid$' "$T/bf.out"
expect_grep "backfill: the standard chain untouched" '^6/6 digest files valid$' "$T/bf.out"
expect_eq "backfill: the late file is not called inserted" "$(grep -c 'opentrail' "$T/bf.err")" 0
jq -c 'del(."backfill-generation-timestamp")' "$R/$bk.meta.json" >"$T/m" && cp "$T/m" "$R/$bk.meta.json"
bfv
expect_eq "backfill without its generation timestamp: exit 1" "$?" 1
expect_grep "backfill without its generation timestamp: invalid format" "^\(backfill\) Digest file	s3://bk/$bk	INVALID: invalid format$" "$T/bf.err"
expect_grep "backfill without its generation timestamp: its ratio" '^0/1 backfill digest files valid, 1/1 backfill digest files INVALID$' "$T/bf.out"
