# bench/lib.sh - shared by the benchmark scripts: the generated corpus and timing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
OT=${OT:-$ROOT/build/opentrail}
BENCH_MB=${BENCH_MB:-300}
CORPUS=${BENCH_CORPUS:-$ROOT/build/bench-corpus-$BENCH_MB}

# The corpus: gen_cloudtrail.py, deterministic, >= 256 MB of JSON in the CloudTrail layout.
bench_corpus() {
    if [ ! -f "$CORPUS/manifest.json" ]; then
        echo "generating a ${BENCH_MB} MiB corpus in $CORPUS (gen_cloudtrail.py, seed 42)" >&2
        rm -rf "$CORPUS"
        /usr/bin/python3 "$SHARED/tools/gen_cloudtrail.py" --out "$CORPUS" --target-mb "$BENCH_MB" \
            --records-per-file 1500 --jobs "$(nproc)" --quiet >/dev/null
    fi
    JSON_BYTES=$(jq .uncompressed_bytes "$CORPUS/manifest.json")
    GZ_BYTES=$(jq .gzip_bytes "$CORPUS/manifest.json")
    RECORDS=$(jq .counts.records "$CORPUS/manifest.json")
    NFILES=$(jq .files "$CORPUS/manifest.json")
    mapfile -t FILES < <(find "$CORPUS/AWSLogs" -name '*.json.gz' | LC_ALL=C sort)
}

# measure VAR N CMD...: VAR = the least wall time of N runs, in seconds;
# BEST_OUT = the last run's stdout. No subshell, so both stay set.
measure() {
    local var=$1 n=$2 best="" t0 t1 dt
    shift 2
    for _ in $(seq "$n"); do
        t0=$(date +%s.%N)
        BEST_OUT=$("$@")
        t1=$(date +%s.%N)
        dt=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" -eq 1 ]; then best=$dt; fi
    done
    printf -v "$var" '%s' "$best"
}

# row NAME SECONDS REF_SECONDS: one line of the table (MB/s of JSON, records/s, x reference)
row() {
    local mbs rps ratio
    mbs=$(echo "$JSON_BYTES / $2 / 1000000" | bc -l)
    rps=$(echo "$RECORDS / $2" | bc -l)
    ratio=$(echo "$3 / $2" | bc -l)
    printf '%-52s %8.3f s %8.0f MB/s %10.0f rec/s %7.1fx\n' "$1" "$2" "$mbs" "$rps" "$ratio"
}
