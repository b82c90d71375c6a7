#!/usr/bin/env bash
# encryption at rest on the local store: the invictus corpus ingested
# encrypted reads back record for record through cat, validates, and exports
# to plain files the AWS CLI's own validator accepts; an altered byte, a
# missing or unsafe key-encryption key, and rotation (docs/encryption.md).
. "$(dirname "$0")/lib.sh"
AWSV=(/usr/bin/python3 "$SHARED/tools/aws_offline_validate.py")
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
D=$T/data
B=$D/buckets/enc
ACCT=123837392027
ARN=arn:aws:cloudtrail:us-east-1:$ACCT:trail/main
RANGE=(--start-time 2023-07-10T00:00:00Z --end-time 2023-07-10T13:30:00Z)
validate() { "$OT" --data-dir "$D" validate --trail-arn "$ARN" --s3-bucket enc "${RANGE[@]}" "$@"; }

expect_rc "ingest --encrypt" 0 "$OT" --data-dir "$D" ingest --trail main --bucket enc --replay --encrypt "$INV"
expect_grep "a first KEK is generated and named" 'generated key-encryption key [0-9a-f]{16}' "$T/err"
KEK=$(sed -n 's/.*generated key-encryption key \([0-9a-f]\{16\}\).*/\1/p' "$T/err")
expect_eq "KEK file is 0600" "$(stat -c %a "$D/keys/kek-$KEK.key")" 600
expect_eq "kek-current names it" "$(cat "$D/keys/kek-current")" "$KEK"
nobj=$(find "$B" -name '*.json.gz' | wc -l)
nsealed=0
for f in $(find "$B" -name '*.json.gz'); do
    [ "$(head -c 6 "$f" | od -An -tx1 | tr -d ' \n')" = 894f54454e43 ] && nsealed=$((nsealed + 1))
done
expect_eq "every object on disk is sealed, none is gzip ($nobj)" "$nsealed" "$nobj"
ngz=$(find "$B" -name '*.json.gz' -exec sh -c 'gzip -t "$1" 2>/dev/null && echo x' _ {} \; | wc -l)
expect_eq "gzip -t accepts none of them" "$ngz" 0
if zgrep -q ConsoleLogin $(find "$B" -name '*.json.gz' | head -3) 2>/dev/null; then notok "records readable on disk"; else ok "no record readable on disk"; fi
nside=$(find "$B" -name '*.meta.json' | wc -l)
expect_eq "digest sidecars stay plain JSON" "$(find "$B" -name '*.meta.json' -exec jq -r .\"signature-algorithm\" {} \; | sort -u)" SHA256withRSA
expect_rc "cat --count over the encrypted tree" 0 "$OT" --data-dir "$D" cat --count "$B"
enc_count=$(head -1 "$T/out" | cut -d' ' -f1)
"$OT" cat --count "$INV" >"$T/plain" 2>/dev/null
expect_eq "cat --count = the plain corpus's" "$enc_count" "$(cut -d' ' -f1 "$T/plain")"
expect_rc "stats reads it too" 0 "$OT" --data-dir "$D" stats "$B"
expect_rc "validate the encrypted trail" 0 validate
expect_grep "validate: every log file valid" '^12/12 log files valid' "$T/out"
expect_rc "lookup reads it" 0 "$OT" --data-dir "$D" lookup -a EventName=ConsoleLogin "$B"

# export: plain files the AWS CLI's validator accepts
expect_rc "export" 0 "$OT" --data-dir "$D" export --bucket enc --out "$T/plain-out"
expect_eq "export: as many objects" "$(find "$T/plain-out/enc" -name '*.json.gz' | wc -l)" "$nobj"
expect_eq "export: sidecars too" "$(find "$T/plain-out/enc" -name '*.meta.json' | wc -l)" "$nside"
expect_rc "export: gzip -t passes on every file" 0 sh -c "find '$T/plain-out/enc' -name '*.json.gz' -exec gzip -t {} +"
zcat $(find "$T/plain-out/enc" -path '*/CloudTrail/*' -name '*.json.gz') | jq -r '.Records[].eventID' | wc -l >"$T/n"
expect_eq "export: zcat | jq sees every record" "$(cat "$T/n")" "$enc_count"
"$OT" --data-dir "$D" keys export --array >"$T/keys.json"
expect_rc "the AWS CLI's validator accepts the exported trail" 0 "${AWSV[@]}" "$T/plain-out" "$T/keys.json" "$ARN" enc 2023-07-10T00:00:00Z 2023-07-10T13:30:00Z
expect_grep "AWS CLI: every log file valid" '12/12 log files valid' "$T/out"
expect_rc "export refuses to overwrite" 2 "$OT" --data-dir "$D" export --bucket enc --out "$T/plain-out"

# rotation: new objects use the new KEK, the old ones still open
expect_rc "kek-generate refuses a second first key" 2 "$OT" --data-dir "$D" keys kek-generate
expect_rc "kek-rotate" 0 "$OT" --data-dir "$D" keys kek-rotate
KEK2=$(cat "$T/out")
expect_rc "kek-list" 0 "$OT" --data-dir "$D" keys kek-list
expect_eq "kek-list: old retired, new current" "$(sort "$T/out" | tr '\t\n' ' ')" "$(printf '%s\t%s\n%s\t%s\n' "$KEK" retired "$KEK2" current | sort | tr '\t\n' ' ')"
expect_rc "ingest after rotation" 0 "$OT" --data-dir "$D" ingest --trail main --bucket enc2 --replay --encrypt "$INV/$(ls "$INV" | head -1)"
newest=$(find "$D/buckets/enc2" -path '*/CloudTrail/*' -name '*.json.gz' | head -1)
expect_eq "the new log file is sealed with the new KEK" "$(head -c 16 "$newest" | tail -c 8 | od -An -tx1 | tr -d ' \n')" "$KEK2"
expect_rc "the old objects still validate after rotation" 0 validate

# an altered ciphertext byte: the GCM tag fails, validate reports the file
victim=$(find "$B" -path '*/CloudTrail/*' -name '*.json.gz' | sort | head -1)
cp -p "$victim" "$T/victim.bak"
chmod u+w "$victim"
printf '\x5a' | dd of="$victim" bs=1 seek=300 conv=notrunc 2>/dev/null
expect_rc "validate: an altered encrypted log file is INVALID" 1 validate
expect_grep "validate: names the file and says altered" "$(basename "$victim").*INVALID: hash value doesn't match \(encrypted at rest, and its authentication tag fails" "$T/err"
expect_rc "cat: the altered file is bad input" 3 "$OT" --data-dir "$D" cat --count "$B"
expect_grep "cat: says so, no garbage" 'fails its authentication tag' "$T/err"
expect_rc "export stops at the altered object" 1 "$OT" --data-dir "$D" export --bucket enc --out "$T/plain-2"
cp -p "$T/victim.bak" "$victim"

# a missing KEK: a clear error naming it and the fix, exit 2
mkdir -p "$T/aside"
mv "$D/keys/kek-$KEK.key" "$T/aside/"
expect_rc "validate without the KEK: exit 2" 2 validate
expect_grep "validate: names the missing KEK and the fix" "key-encryption key $KEK, which is not in .*restore kek-$KEK.key" "$T/err"
expect_rc "cat without the KEK: exit 2" 2 "$OT" --data-dir "$D" cat --count "$B"
expect_grep "cat: names the missing KEK" "key-encryption key $KEK" "$T/err"
expect_rc "cat with another data dir (no keys at all): exit 2" 2 "$OT" --data-dir "$T/nodata" cat "$victim"
mv "$T/aside/kek-$KEK.key" "$D/keys/"
chmod 644 "$D/keys/kek-$KEK.key"
expect_rc "a KEK others can read is refused" 2 validate
expect_grep "refusal names the file and the fix" "kek-$KEK.key.*chmod 600" "$T/err"
chmod 600 "$D/keys/kek-$KEK.key"

# the config switch: EncryptAtRest in the written default, --no-encrypt wins
D2=$T/d2
expect_rc "config init" 0 "$OT" --data-dir "$D2" config init
expect_grep "the default config turns encryption on" '^EncryptAtRest: true' "$D2/opentrail.yaml"
expect_rc "ingest under the default config" 0 "$OT" --data-dir "$D2" ingest --trail main --bucket b --replay "$INV/$(ls "$INV" | head -1)"
f=$(find "$D2/buckets/b" -path '*/CloudTrail/*' -name '*.json.gz' | head -1)
expect_eq "EncryptAtRest: true seals" "$(head -c 6 "$f" | od -An -tx1 | tr -d ' \n')" 894f54454e43
expect_rc "ingest --no-encrypt" 0 "$OT" --data-dir "$D2" ingest --trail main --bucket p --replay --no-encrypt "$INV/$(ls "$INV" | head -1)"
f=$(find "$D2/buckets/p" -path '*/CloudTrail/*' -name '*.json.gz' | head -1)
expect_rc "--no-encrypt writes gzip" 0 gzip -t "$f"
expect_rc "keys --help lists the KEK verbs" 0 "$OT" keys --help
expect_grep "keys --help: kek-rotate" 'kek-rotate' "$T/out"
expect_rc "export --help" 0 "$OT" export --help
