#!/usr/bin/env bash
# scripts/fuzz.sh SECONDS TARGET... - run each libFuzzer target for SECONDS.
# Seeds come from fuzz/corpus/<name>/ (committed); new inputs go to
# build/fuzz/corpus-<name>/. A crash fails the run and is saved under
# build/fuzz/ (copy it into fuzz/corpus/<name>/ once fixed: make test replays it).
set -euo pipefail
secs=$1
shift
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    short=${name#fuzz_}
    work="build/fuzz/corpus-$short"
    mkdir -p "$work"
    dict=()
    [ -f "fuzz/$short.dict" ] && dict=(-dict="fuzz/$short.dict")
    echo "== $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="build/fuzz/$name-" "${dict[@]}" "$work" "fuzz/corpus/$short" \
        2>"build/fuzz/$name.log"; then
        echo "$name: FAILED, see build/fuzz/$name.log"
        tail -30 "build/fuzz/$name.log"
        status=1
    else
        grep -E '^(#[0-9]+|Done)' "build/fuzz/$name.log" | tail -1
    fi
done
exit $status
