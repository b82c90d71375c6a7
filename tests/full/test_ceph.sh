#!/usr/bin/env bash
# tests/full/test_ceph.sh - what OpenStack Swift's s3api lacks, against a REAL
# Ceph RGW 16.2 (Debian packages) started here on private loopback ports by
# shared/servers/ceph-rgw-s3.sh and stopped on exit (`make test-full`; not part
# of `make test`: Ceph takes ~14 s to start and ~100 MB of packages):
#   1. SSE-KMS: a trail ingested with ServerSideEncryption aws:kms + KmsKeyId;
#      every object carries it (HEAD), and validate over S3 passes;
#   2. storage classes: Ceph 16 cannot CopyObject an SSE-KMS object (501), and
#      opentrail lifecycle run says exactly that and moves nothing; on a trail
#      without SSE, lifecycle plan|run moves every object to GLACIER (the recipe
#      adds that class to the default placement) by CopyObject; HEAD shows the
#      class, the digest's signature metadata survives, validate still passes;
#   3. object lock: a bucket with a default COMPLIANCE retention; the server
#      refuses to delete a locked version before its retention, and a DELETE by
#      opentrail only adds a delete marker, the locked version stays.
# awscli 2.9.19 crashes on some Ceph error bodies (empty <Message/>): curl there.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export OT=${OT:-$HERE/build/test/opentrail}
export SHARED=${SHARED:-$(cd "$HERE/.." && pwd)/shared}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
. "$HERE/tests/cli/lib.sh"
RECIPE=${CEPH_RECIPE:-$SHARED/servers/ceph-rgw-s3.sh}
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
export CEPH_S3_PORT=${OT_TEST_CEPH_PORT:-17680}
export CEPH_MON_PORT=${OT_TEST_CEPH_MON_PORT:-16989}
export CEPH_S3_DIR=$T/ceph
cleanup() {
    "$RECIPE" stop >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
t0=$(date +%s)
if ! env_out=$("$RECIPE" start 2>"$T/ceph.err"); then
    notok "Ceph RGW starts on 127.0.0.1:$CEPH_S3_PORT: $(tail -5 "$T/ceph.err")"
    exit 1
fi
eval "$env_out"
ok "Ceph RGW starts on 127.0.0.1:$CEPH_S3_PORT ($(($(date +%s) - t0)) s)"
AWS=(/usr/bin/aws --endpoint-url "$S3_ENDPOINT")
# curl with SigV4 (the payload hash header is ours to send): s3c METHOD PATH [curl args]
s3c() {
    local m=$1 p=$2
    shift 2
    curl -sS -X "$m" --aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:s3" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
        "$@" "$S3_ENDPOINT$p"
}
D=$T/data
ACCT=123837392027
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/main
START=2023-07-10T00:00:00Z
END=2023-07-10T13:30:00Z
validate() { # validate BUCKET
    "$OT" --data-dir "$D" validate --trail-arn "$ARN" --start-time "$START" --end-time "$END" \
        --s3-bucket "$1" --s3-endpoint "$S3_ENDPOINT"
}

# --- 1. SSE-KMS --------------------------------------------------------------
"${AWS[@]}" s3 mb s3://ot-kms >/dev/null
expect_rc "ingest into Ceph with --s3-sse aws:kms --s3-kms-key-id $S3_KMS_KEY_ID" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-kms --replay --s3-endpoint "$S3_ENDPOINT" --s3-sse aws:kms --s3-kms-key-id "$S3_KMS_KEY_ID" "$INV"
expect_grep "ingest summary: 12 log files, 2 digests into Ceph" "2900 records into 12 log files .* 2 digests in $S3_ENDPOINT/ot-kms" "$T/err"
"${AWS[@]}" s3 ls --recursive s3://ot-kms/ | awk '{print $4}' >"$T/keys"
nobj=$(wc -l <"$T/keys")
expect_eq "AWS CLI s3 ls: 14 objects" "$nobj" 14
nkms=0
nkey=0
while read -r k; do
    "${AWS[@]}" s3api head-object --bucket ot-kms --key "$k" >"$T/h.json" || continue
    [ "$(jq -r .ServerSideEncryption "$T/h.json")" = aws:kms ] && nkms=$((nkms + 1))
    [ "$(jq -r .SSEKMSKeyId "$T/h.json")" = "$S3_KMS_KEY_ID" ] && nkey=$((nkey + 1))
done <"$T/keys"
expect_eq "head-object: every object ServerSideEncryption aws:kms" "$nkms" "$nobj"
expect_eq "head-object: every object SSEKMSKeyId $S3_KMS_KEY_ID" "$nkey" "$nobj"
dk=$(grep -m1 'CloudTrail-Digest/' "$T/keys")
"${AWS[@]}" s3api head-object --bucket ot-kms --key "$dk" >"$T/dhead.json"
expect_eq "digest: signature metadata (512 hex) on the KMS object" "$(jq -r '.Metadata.signature | length' "$T/dhead.json")" 512
# the bytes at rest are not the bytes served: curl with the x-amz-server-side-encryption
# answer header, and a GET that works (Ceph decrypts with the testing KMS backend)
lk=$(grep -m1 '/CloudTrail/' "$T/keys")
s3c GET "/ot-kms/$lk" -D "$T/get.hdr" -o "$T/get.gz"
expect_grep "curl GET: x-amz-server-side-encryption: aws:kms in the answer" "^x-amz-server-side-encryption: aws:kms" "$T/get.hdr"
expect_eq "curl GET: the KMS object gunzips to JSON Records" "$(gzip -dc "$T/get.gz" | jq '.Records | length > 0')" true
expect_rc "opentrail validate straight from the KMS bucket" 0 validate ot-kms
expect_grep "validate over S3 (KMS): 2/2 digests" "^2/2 digest files valid$" "$T/out"
expect_grep "validate over S3 (KMS): 12/12 log files" "^12/12 log files valid$" "$T/out"
# a KMS key the server does not know: one clear line, nothing stored
"${AWS[@]}" s3 mb s3://ot-kms-bad >/dev/null
expect_rc "an unknown KmsKeyId: refused" 2 "$OT" --data-dir "$D" ingest --trail main --bucket ot-kms-bad --replay --s3-endpoint "$S3_ENDPOINT" --s3-sse aws:kms --s3-kms-key-id no-such-key --s3-retry-for 2 "$INV"
expect_eq "... one line on stderr" "$(wc -l <"$T/err")" 1
expect_grep "... pointing at the KMS key id, not at the credentials" "kms-keyid: no-such-key \(check the KMS key id" "$T/err"
expect_eq "... nothing stored" "$("${AWS[@]}" s3 ls --recursive s3://ot-kms-bad/ | wc -l)" 0

# --- 2. lifecycle: transition to GLACIER by CopyObject -------------------------
cat >"$D/opentrail.yaml" <<YAML
Storage:
  Backend: s3
  Endpoint: $S3_ENDPOINT
  Region: us-east-1
  ServerSideEncryption: aws:kms
  KmsKeyId: $S3_KMS_KEY_ID
  StorageClasses: true
  TimeoutSeconds: 10
  RetryForSeconds: 5
Trails:
  - {Name: main, S3BucketName: ot-kms, IsMultiRegionTrail: true, LogFileValidationEnabled: true}
  - Name: plain
    S3BucketName: ot-plain
    IsMultiRegionTrail: true
    LogFileValidationEnabled: true
    Storage: {Backend: s3, Endpoint: $S3_ENDPOINT, StorageClasses: true, RetryForSeconds: 5}
  - {Name: locked, S3BucketName: ot-lock, IsMultiRegionTrail: true, LogFileValidationEnabled: true}
LifecycleRules:
  - {Prefix: AWSLogs/, TransitionAfterDays: 30, StorageClass: GLACIER, ExpireAfterDays: 2555, RetainAtLeastDays: 365}
YAML
chmod 600 "$D/opentrail.yaml"
expect_rc "config check: Storage aws:kms + StorageClasses + a GLACIER rule" 0 "$OT" --data-dir "$D" config check
expect_rc "lifecycle plan on the KMS trail" 0 "$OT" --data-dir "$D" lifecycle plan --bucket ot-kms
expect_grep "plan: all $nobj objects would move to GLACIER" "transition: $nobj objects, [0-9]+ bytes \(([0-9]+) bytes to GLACIER\)" "$T/out"
expect_eq "plan: no 'unsupported' note (StorageClasses: true)" "$(grep -c unsupported "$T/out")" 0
# Ceph 16 cannot CopyObject an SSE-KMS object (501 NotImplemented, with or
# without SSE headers on the copy): opentrail says exactly that, nothing moves
expect_rc "lifecycle run on the KMS trail: Ceph 16 cannot copy SSE-KMS objects, refused" 2 "$OT" --data-dir "$D" lifecycle run --bucket ot-kms
expect_grep "... says so: encrypted copy not implemented (501), not 'no storage classes'" "CopyObject of an object with server-side encryption aws:kms to storage class GLACIER not implemented by this server \(501 NotImplemented\)" "$T/err"
expect_grep "... stopped before any step" "bucket ot-kms: stopped after 0 of $nobj steps" "$T/out"
code=$(s3c PUT "/ot-kms/$lk" -H "x-amz-copy-source: /ot-kms/$lk" -H "x-amz-metadata-directive: COPY" -H "x-amz-storage-class: GLACIER" -o /dev/null -w '%{http_code}')
expect_eq "curl CopyObject of a KMS object to GLACIER, no SSE headers: Ceph 501 too" "$code" 501
"${AWS[@]}" s3api list-objects-v2 --bucket ot-kms >"$T/lo.json"
expect_eq "... every KMS object still STANDARD" "$(jq '[.Contents[] | select(.StorageClass == "STANDARD")] | length' "$T/lo.json")" "$nobj"
expect_rc "... and the KMS trail still validates" 0 validate ot-kms

# the same trail without SSE: the transition works
"${AWS[@]}" s3 mb s3://ot-plain >/dev/null
expect_rc "ingest into ot-plain (no SSE)" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-plain --replay --s3-endpoint "$S3_ENDPOINT" "$INV"
"${AWS[@]}" s3 ls --recursive s3://ot-plain/ | awk '{print $4}' >"$T/pkeys"
pdk=$(grep -m1 'CloudTrail-Digest/' "$T/pkeys")
"${AWS[@]}" s3api head-object --bucket ot-plain --key "$pdk" >"$T/dhead.json"
expect_rc "lifecycle plan on ot-plain" 0 "$OT" --data-dir "$D" lifecycle plan --bucket ot-plain
expect_grep "plan: all $nobj objects would move to GLACIER" "transition: $nobj objects, [0-9]+ bytes \(([0-9]+) bytes to GLACIER\)" "$T/out"
expect_rc "lifecycle run: CopyObject to GLACIER" 0 "$OT" --data-dir "$D" lifecycle run --bucket ot-plain
expect_grep "run: $nobj moved, 0 expired" "bucket ot-plain: $nobj moved to the archive tier, 0 expired" "$T/out"
"${AWS[@]}" s3api list-objects-v2 --bucket ot-plain >"$T/lo.json"
expect_eq "list-objects-v2: every object GLACIER" "$(jq '[.Contents[] | select(.StorageClass == "GLACIER")] | length' "$T/lo.json")" "$nobj"
nglacier=0
while read -r k; do
    "${AWS[@]}" s3api head-object --bucket ot-plain --key "$k" >"$T/h.json" || continue
    [ "$(jq -r .StorageClass "$T/h.json")" = GLACIER ] && nglacier=$((nglacier + 1))
done <"$T/pkeys"
expect_eq "head-object: StorageClass GLACIER on every object" "$nglacier" "$nobj"
"${AWS[@]}" s3api head-object --bucket ot-plain --key "$pdk" >"$T/dhead2.json"
expect_eq "digest signature metadata kept by the copy" "$(jq -r .Metadata.signature "$T/dhead2.json")" "$(jq -r .Metadata.signature "$T/dhead.json")"
expect_eq "digest signature-algorithm kept by the copy" "$(jq -r '.Metadata["signature-algorithm"]' "$T/dhead2.json")" SHA256withRSA
expect_eq "digest Content-Encoding kept by the copy" "$(jq -r .ContentEncoding "$T/dhead2.json")" gzip
expect_eq "digest ETag (bytes) unchanged by the copy" "$(jq -r .ETag "$T/dhead2.json")" "$(jq -r .ETag "$T/dhead.json")"
expect_rc "validate over S3 after the transition (GLACIER on Ceph is readable)" 0 validate ot-plain
expect_grep "... 2/2 digests" "^2/2 digest files valid$" "$T/out"
expect_grep "... 12/12 log files" "^12/12 log files valid$" "$T/out"
expect_rc "lifecycle run again: idempotent" 0 "$OT" --data-dir "$D" lifecycle run --bucket ot-plain
expect_grep "... nothing to do" "bucket ot-plain: 0 moved to the archive tier, 0 expired" "$T/out"

# --- 3. object lock -------------------------------------------------------------
"${AWS[@]}" s3api create-bucket --bucket ot-lock --object-lock-enabled-for-bucket >/dev/null
"${AWS[@]}" s3api put-object-lock-configuration --bucket ot-lock --object-lock-configuration \
    '{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"COMPLIANCE","Days":1}}}'
expect_eq "bucket ot-lock: object lock, default COMPLIANCE 1 day" "$("${AWS[@]}" s3api get-object-lock-configuration --bucket ot-lock | jq -r '.ObjectLockConfiguration.Rule.DefaultRetention | "\(.Mode) \(.Days)"')" "COMPLIANCE 1"
expect_rc "ingest into the locked bucket" 0 "$OT" --data-dir "$D" ingest --trail main --bucket ot-lock --replay --s3-endpoint "$S3_ENDPOINT" --s3-sse aws:kms --s3-kms-key-id "$S3_KMS_KEY_ID" "$INV"
lk=$("${AWS[@]}" s3 ls --recursive s3://ot-lock/ | awk '/\/CloudTrail\//{print $4; exit}')
"${AWS[@]}" s3api head-object --bucket ot-lock --key "$lk" >"$T/lh.json"
expect_eq "head-object: ObjectLockMode COMPLIANCE" "$(jq -r .ObjectLockMode "$T/lh.json")" COMPLIANCE
ver=$(jq -r .VersionId "$T/lh.json")
code=$(s3c DELETE "/ot-lock/$lk?versionId=$ver" -o "$T/del.xml" -w '%{http_code}')
expect_eq "DELETE of the locked version before its retention: refused by Ceph (403)" "$code" 403
expect_grep "... AccessDenied, forbidden by object lock" "<Code>AccessDenied</Code>" "$T/del.xml"
echo "# Ceph said: $(grep -o '<Message>[^<]*</Message>' "$T/del.xml")"
# opentrail's own retention lock refuses first (RetainAtLeastDays 365)
expect_rc "opentrail lifecycle delete inside RetainAtLeastDays: refused by opentrail" 2 "$OT" --data-dir "$D" lifecycle delete --bucket ot-lock --now 2023-08-01T00:00:00Z "$lk"
expect_grep "... naming the lock" "retention lock: rule Prefix \"AWSLogs/\" keeps this object 365 days" "$T/err"
# without opentrail's lock, a DELETE (no version id, as opentrail sends) is a
# delete marker: S3 answers 204, the locked version stays
printf 'LifecycleRules:\n  - {Prefix: AWSLogs/, ExpireAfterDays: 30}\n' >"$T/rule"
sed '/^LifecycleRules:/,$d' "$D/opentrail.yaml" >"$T/y" && cat "$T/y" "$T/rule" >"$D/opentrail.yaml"
expect_rc "opentrail lifecycle delete without opentrail's lock" 0 "$OT" --data-dir "$D" lifecycle delete --bucket ot-lock "$lk"
expect_grep "... opentrail says the DELETE only left a delete marker, the version stays" "bucket ot-lock: 1 deletions only left a delete marker: .*Object Lock.*versions stay on the server" "$T/out"
"${AWS[@]}" s3api list-object-versions --bucket ot-lock --prefix "$lk" >"$T/v.json"
expect_eq "... Ceph kept the locked version" "$(jq -r --arg v "$ver" '[.Versions[] | select(.VersionId == $v)] | length' "$T/v.json")" 1
expect_eq "... behind a delete marker" "$(jq -r '[.DeleteMarkers[]? | select(.IsLatest)] | length' "$T/v.json")" 1
# lifecycle run (expiry) on the locked bucket: every DELETE a marker, said so
expect_rc "lifecycle run: expiry on the locked bucket" 0 "$OT" --data-dir "$D" lifecycle run --bucket ot-lock
expect_grep "... the deletions that only left markers are counted" "bucket ot-lock: 13 deletions only left a delete marker" "$T/out"
"${AWS[@]}" s3api list-object-versions --bucket ot-lock >"$T/v.json"
expect_eq "... Ceph kept all 14 locked versions" "$(jq '[.Versions[]] | length' "$T/v.json")" 14
echo "# Ceph part done in $(($(date +%s) - t0)) s"
