#!/usr/bin/env bash
# tests/run.sh - run every test of opentrail and print one closing line:
#   "N passed, N failed"
# Unit tests are cmocka binaries; fuzz corpora are replayed through each fuzz
# target (so every past crash stays a regression test); CLI tests are bash
# scripts that print "ok - ..." / "not ok - ..." per assertion.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export OT="$PWD/$BUILD/test/opentrail"
export OT_REL="$PWD/$BUILD/opentrail"
export SHARED="${SHARED:-$(cd .. && pwd)/shared}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TMPDIR=${TMPDIR:-/tmp}

passed=0
failed=0
failures=()

count_cmocka() { # $1 = name, $2 = log
    local p f
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
}

logdir=$(mktemp -d "$TMPDIR/ot-tests.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

for t in "$BUILD"/test/unit/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    log="$logdir/$name.log"
    if "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
    count_cmocka "$name" "$log"
    if [ $rc -ne 0 ]; then
        if ! grep -q '^\[  FAILED  \]' "$log"; then failed=$((failed + 1)); fi
        failures+=("$name")
        cat "$log"
    else
        echo "ok - $name ($(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1) tests)"
    fi
done

for t in "$BUILD"/test/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    dir="fuzz/corpus/${name#fuzz_}"
    log="$logdir/$name.log"
    if "$t" "$dir" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok - $name replays $(ls "$dir" | wc -l) corpus inputs"
    else
        failed=$((failed + 1))
        failures+=("$name")
        cat "$log"
    fi
done

for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    log="$logdir/$name.log"
    if bash "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
    p=$(grep -c '^ok - ' "$log")
    f=$(grep -c '^not ok - ' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ] || [ $rc -ne 0 ]; then
        [ "$f" -eq 0 ] && failed=$((failed + 1))
        failures+=("$name")
        cat "$log"
    else
        echo "ok - $name ($p checks)"
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
