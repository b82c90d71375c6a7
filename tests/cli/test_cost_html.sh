#!/usr/bin/env bash
# The HTML report: written by `cost --html`, looked at in headless Debian
# Chromium (no network): a screenshot is taken and is not blank, and the DOM
# Chromium built has the issue's figures, both charts, the advice and no
# reference to anything outside the file.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    notok "chromium is missing: scripts/deps.sh installs it"
    exit 0
fi
chrome() { # $1 = what (--screenshot=FILE or --dump-dom), $2 = page
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
        --window-size=1000,1800 "$1" "file://$2" 2>"$T/chrome.err"
}

expect_rc "seed scenario with --html" 0 "$OT" cost --scenario "$ROOT/docs/examples/seed-scenario.yaml" --advise --html "$T/seed.html"
expect_eq "the table still goes to stdout" "$(awk '$1=="TOTAL"{print $2}' "$T/out")" "\$422.00"
chrome --dump-dom "$T/seed.html" >"$T/seed.dom"
expect_grep "Chromium built a DOM" "</html>" "$T/seed.dom"
for id in "month:422.00" "year:5,064.00" "years3:15,192.00"; do
    expect_grep "card ${id%%:*} = \$${id#*:} (the issue's figure)" "id=\"${id%%:*}\">[^<]*<b>\\\$${id#*:}</b>" "$T/seed.dom"
done
expect_grep "cost-by-component chart is inline SVG" "<svg id=\"chart-components\"" "$T/seed.dom"
expect_grep "the chart labels CloudTrail with its 3-year cost" ">\\\$15,192.00 \\(3 years\\)" "$T/seed.dom"
expect_grep "advice with what it gives up" "Remove duplicate trails.*independent copies" "$T/seed.dom"
expect_grep "the largest line is named" "id=\"largest\">The largest line is <b>CloudTrail, Management events, additional copies</b>: \\\$14,400.00 over 3 years, 94.8%" "$T/seed.dom"
expect_grep "prices with their source" "aws.amazon.com/cloudtrail/pricing" "$T/seed.dom"
expect_eq "no src= or href=: nothing to fetch" "$(grep -c 'src=\|href=' "$T/seed.html")" "0"

expect_rc "full scenario with --html" 0 "$OT" cost --scenario "$ROOT/docs/examples/full-scenario.yaml" --advise --html "$T/full.html"
chrome --screenshot="$T/full.png" "$T/full.html" >/dev/null
if [ -s "$T/full.png" ]; then ok "screenshot taken"; else notok "no screenshot: $(tail -3 "$T/chrome.err")"; fi
# PNG signature and the IHDR size: 1000 x 1800 as asked
expect_eq "a PNG of the window size" "$(od -An -tx1 -N8 "$T/full.png" | tr -d ' ') $(/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24]))' "$T/full.png")" "89504e470d0a1a0a 1000 1800"
# not blank: the decoded rows hold many distinct byte values (a white page has two)
nvals=$(/usr/bin/python3 - "$T/full.png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], "rb").read()
i, idat = 8, b""
while i < len(d):
    n, t = struct.unpack(">I4s", d[i:i + 8])
    if t == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
print(len(set(zlib.decompress(idat))))
PY
)
if [ "$nvals" -gt 50 ]; then ok "screenshot is not blank ($nvals distinct values)"; else notok "screenshot looks blank ($nvals values)"; fi
chrome --dump-dom "$T/full.html" >"$T/full.dom"
expect_grep "storage chart: two lines over 36 months" "<svg id=\"chart-storage\"" "$T/full.dom"
expect_eq "two polylines of 36 points" "$(grep -o '<polyline[^>]*points="[^"]*"' "$T/full.dom" | sed -e 's/.*points="//' -e 's/"$//' | awk '{print NF}' | paste -sd' ')" "36 36"
m36=$("$OT" cost --scenario "$ROOT/docs/examples/full-scenario.yaml" --json | jq -r '.growth[35].storage_usd')
expect_grep "legend has month 36's storage cost from --json (\$$m36)" "month 36: \\\$$(printf '%.2f' "$m36")" "$T/full.dom"

# measured mode: the report says what was measured
mkdir -p "$T/inv"
for f in "$SHARED"/corpora/invictus-aws-dataset/CloudTrail/*.json; do gzip -n -c "$f" >"$T/inv/$(basename "$f").gz"; done
expect_rc "cost --from --html" 0 "$OT" cost --from "$T/inv" --html "$T/m.html"
n=$(cat "$SHARED"/corpora/invictus-aws-dataset/CloudTrail/*.json | jq '.Records | length' | paste -sd+ | bc)
chrome --dump-dom "$T/m.html" >"$T/m.dom"
expect_grep "measured section with the record count jq finds ($n)" "^<p>$n records in [0-9]+ files" "$T/m.dom"

# two trails: the report shows which one only duplicates the other
mkdir -p "$T/two/a" "$T/two/b"
cp "$T"/inv/*.gz "$T/two/a/" && cp "$T"/inv/*.gz "$T/two/b/"
expect_rc "cost --from two trails --html" 0 "$OT" cost --from "$T/two" --html "$T/two.html"
expect_grep "by-trail table: each trail has all $n records in the other too" "<td>$T/two/a</td><td class=\"n\">$n</td><td class=\"n\">$n</td><td class=\"n\">0</td>" "$T/two.html"

# escaping: a name with markup stays text
printf 'name: "<script>alert(1)</script> & co"\nevents: {management: {write: 1000}}\ntrails: [{name: t}]\n' >"$T/x.yaml"
expect_rc "markup in the name" 0 "$OT" cost --scenario "$T/x.yaml" --html "$T/x.html"
expect_eq "no script element" "$(grep -c '<script' "$T/x.html")" "0"
expect_grep "escaped" "&lt;script&gt;alert\\(1\\)&lt;/script&gt; &amp; co" "$T/x.html"
expect_rc "unwritable --html path" 2 "$OT" cost --scenario "$T/x.yaml" --html "$T/no/such/dir/r.html"
