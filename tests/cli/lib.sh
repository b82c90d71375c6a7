# tests/cli/lib.sh - assertions for the CLI tests; each prints "ok - " or
# "not ok - " so tests/run.sh can count them.
set -u
: "${OT:?OT must name the opentrail binary under test}"
: "${SHARED:?SHARED must name the shared/ folder}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ot-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else notok "$1: got [$2], want [$3]"; fi
}

# expect_rc NAME WANT_RC CMD... : runs CMD, stdout to $T/out, stderr to $T/err
expect_rc() {
    local name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name (exit $rc)"; else
        notok "$name: exit $rc, want $want; stderr: $(head -c 600 "$T/err")"
    fi
}

# expect_grep NAME PATTERN FILE
expect_grep() {
    if grep -qE -- "$2" "$3"; then ok "$1"; else notok "$1: /$2/ not in $3: $(head -c 600 "$3")"; fi
}
