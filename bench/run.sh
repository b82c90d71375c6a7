#!/usr/bin/env bash
# bench/run.sh - `make bench`: every benchmark script, one after another (never
# two at once: the machine has 2 cores). Each prints opentrail beside the
# reference tool on the same data, as ratios. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in bench/[a-z]*.sh; do
    case "$s" in bench/run.sh | bench/lib.sh) continue ;; esac
    bash "$s"
    echo
done
