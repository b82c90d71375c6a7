#!/usr/bin/env bash
# Bad input: each kind gets one precise line (what, where, how to fix), the
# reader carries on with the next record or file, and the exit status says
# some input was bad (3); usage errors exit 2. Never a crash: this runs the
# ASan+UBSan build, which aborts on any memory error.
. "$(dirname "$0")/lib.sh"
INV=$SHARED/corpora/invictus-aws-dataset/CloudTrail
good=$(ls "$INV"/*.json | head -1)
good_n=$(jq '.Records | length' "$good")
gzip -n -c "$good" >"$T/good.json.gz"
gz_size=$(stat -c %s "$T/good.json.gz")

# truncated gzip: records before the cut are read, the cut is reported
head -c $((gz_size / 2)) "$T/good.json.gz" >"$T/trunc.json.gz"
expect_rc "truncated gzip exits 3" 3 "$OT" cat "$T/trunc.json.gz" "$T/good.json.gz"
expect_grep "truncated gzip is named" "trunc.json.gz: truncated gzip: the stream ends at byte $((gz_size / 2))" "$T/err"
expect_grep "and says how to fix it" "fetch it again" "$T/err"
n_out=$(wc -l <"$T/out")
if [ "$n_out" -gt "$good_n" ] && [ "$n_out" -lt $((2 * good_n)) ]; then
    ok "records before the cut are kept and the next file is read ($n_out lines)"
else notok "records before the cut: $n_out lines, want between $good_n and $((2 * good_n))"; fi

# multi-member gzip: every member read, the extra member reported
cat "$T/good.json.gz" "$T/good.json.gz" >"$T/multi.json.gz"
expect_rc "multi-member gzip exits 3" 3 "$OT" cat --count "$T/multi.json.gz"
expect_grep "multi-member gzip is named" "multi-member gzip: 2 members, the second at compressed byte $gz_size" "$T/err"
expect_eq "both members were read" "$(cat "$T/out")" "$((2 * good_n)) records in 1 files"

# garbage after the gzip stream
{ cat "$T/good.json.gz"; printf 'GARBAGE'; } >"$T/tail.json.gz"
expect_rc "trailing bytes after gzip exit 3" 3 "$OT" cat --count "$T/tail.json.gz"
expect_grep "trailing bytes are named" "unexpected data after the end of the gzip stream at byte $gz_size \(7 bytes ignored\)" "$T/err"

# corrupt deflate data
cp "$T/good.json.gz" "$T/corrupt.json.gz"
printf '\xff\xff\xff\xff' | dd of="$T/corrupt.json.gz" bs=1 seek=$((gz_size / 3)) conv=notrunc 2>/dev/null
expect_rc "corrupt gzip exits 3" 3 "$OT" cat --count "$T/corrupt.json.gz"
expect_grep "corrupt gzip is named" "corrupt gzip data near compressed byte [0-9]+" "$T/err"

# invalid UTF-8 inside a string: line and column of the bad byte
printf '{"Records":[\n{"eventName":"A"},\n{"eventName":"B\xff"}]}' >"$T/utf8.json"
expect_rc "invalid UTF-8 exits 3" 3 "$OT" cat "$T/utf8.json"
expect_grep "invalid UTF-8 with line:col, record and byte" "utf8.json:3:16: invalid JSON: invalid UTF-8 in string \(record 1, byte 47\)" "$T/err"
expect_eq "records before it are printed" "$(cat "$T/out")" '{"eventName":"A"}'

# invalid JSON
printf '{"Records":[{"eventName":"A",}]}' >"$T/bad.json"
expect_rc "invalid JSON exits 3" 3 "$OT" cat "$T/bad.json" "$good"
expect_grep "invalid JSON with the position" "bad.json:1:30: invalid JSON: expected '\"' to start an object key \(record 0, byte 29\)" "$T/err"
expect_eq "the next file is still read" "$(wc -l <"$T/out")" "$good_n"

# NDJSON: a bad line is skipped, the others are read
printf '{"eventName":"A"}\n{"eventName":\n{"eventName":"C"}\n' >"$T/lines.ndjson"
expect_rc "a bad NDJSON line exits 3" 3 "$OT" cat "$T/lines.ndjson"
expect_eq "the other lines are read" "$(cut -c1-20 "$T/out" | tr '\n' ' ')" '{"eventName":"A"} {"eventName":"C"} '
expect_grep "the bad line is named" "lines.ndjson:2:14: invalid JSON: value expected \(record 1, byte 31\)" "$T/err"

# a record over 256 KB is skipped, its neighbours are read
/usr/bin/python3 -c '
import json
recs = [{"eventName": "A"}, {"eventName": "B", "pad": "x" * (256 * 1024)}, {"eventName": "C"}]
print(json.dumps({"Records": recs}))' >"$T/big.json"
expect_rc "an oversized record exits 3" 3 "$OT" cat --count "$T/big.json"
expect_grep "its size and the limit are named" "record is 262[0-9]{3} bytes, over CloudTrail's 256 KB record limit; skipped \(record 1, byte 33\)" "$T/err"
expect_eq "its neighbours are read" "$(cat "$T/out")" "2 records in 1 files"

# a file over the cap, plain and gzip
expect_rc "a plain file over --max-file-bytes exits 3" 3 "$OT" cat --count --max-file-bytes 1K "$good" "$T/lines.ndjson"
expect_grep "the cap is named with its option" "over the file size cap of 1024 .*--max-file-bytes" "$T/err"
expect_rc "a gzip file inflating past the cap exits 3" 3 "$OT" cat --count --max-file-bytes 8K "$T/good.json.gz"
expect_grep "inflating past the cap is named" "inflates to more than 8192 bytes" "$T/err"

# not JSON, other compression, a directory with an unreadable file, a missing path
printf 'hello' >"$T/hello.json"
expect_rc "not JSON exits 3" 3 "$OT" cat "$T/hello.json"
expect_grep "not JSON is named" "hello.json:1:1: not CloudTrail JSON: expected '\{' or '\[' \(byte 0\)" "$T/err"
printf 'BZh91AY&SY' >"$T/x.json.bz2"
expect_rc "bzip2 exits 3" 3 "$OT" cat "$T/x.json.bz2"
expect_grep "bzip2 is named, with the fix" "bzip2-compressed input is not supported .*decompress it first" "$T/err"
expect_rc "a missing path exits 3" 3 "$OT" cat "$T/nope.json" "$good"
expect_grep "the missing path is named" "nope.json: No such file or directory" "$T/err"
expect_eq "the other input is still read" "$(wc -l <"$T/out")" "$good_n"
expect_rc "a non-object record is skipped" 3 "$OT" cat --count - <<<'[1, {"eventName":"A"}]'
expect_grep "non-object record named" "record is a JSON number, not an object; skipped \(record 0" "$T/err"
expect_eq "the object record is read" "$(cat "$T/out")" "1 records in 1 files"
expect_rc "empty input is fine" 0 "$OT" cat --count - </dev/null
expect_eq "and has no records" "$(cat "$T/out")" "0 records in 1 files"

# usage errors exit 2 with one line
expect_rc "unknown option exits 2" 2 "$OT" cat --bogus "$good"
expect_rc "bad --fields exits 2" 2 "$OT" cat --fields 'a..b' "$good"
expect_grep "bad --fields names the problem and column" "invalid field path: empty key \(column 3\)" "$T/err"
expect_rc "bad --jobs exits 2" 2 "$OT" cat --jobs 0 "$good"
expect_rc "bad --max-file-bytes exits 2" 2 "$OT" cat --max-file-bytes 12X "$good"
expect_rc "no input exits 2" 2 "$OT" cat
expect_rc "unknown command exits 2" 2 "$OT" frobnicate
expect_rc "tsv without fields exits 2" 2 "$OT" cat --format tsv "$good"
expect_eq "usage errors are one line" "$(wc -l <"$T/err")" "1"

# --help everywhere, exit 0
for c in "" cat stats; do
    expect_rc "opentrail $c --help" 0 "$OT" $c --help
    expect_grep "opentrail $c --help shows usage" "^usage: opentrail" "$T/out"
done

# a closed pipe or full disk is a system error, not silence
if [ -w /dev/full ]; then
    expect_rc "writing to a full device exits 4" 4 sh -c "'$OT' cat '$good' >/dev/full"
fi
