#!/usr/bin/env bash
# Cost tests: the seed scenario and the Infracost golden come out exactly as
# the issue, shared/spec/pricing.json and the golden file say (values read
# from those files, not typed from our output); bad scenarios and price books
# give one line with file:line:col and exit 2; every output format agrees.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SEED=$ROOT/docs/examples/seed-scenario.yaml
PJ=$SHARED/spec/pricing.json
IC=$SHARED/corpora/infracost

usd() { # 422 -> $422.00, 5064 -> $5,064.00 (the issue's figures, formatted)
    LC_ALL=C printf '%.2f' "$1" | sed -e 's/^/$/' -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\([.,]\)/\1,\2\3/;ta'
}

# --- the seed scenario: $422/month, $5,064/year, $15,192 over 3 years -------
m=$(jq '.seed_scenario.total_usd_per_month' "$PJ")
expect_eq "pricing.json's seed total is the issue's \$422" "$m" "422"
want_m=$(usd "$m")
want_y=$(usd "$(echo "$m * 12" | bc)")
want_3=$(usd "$(echo "$m * 36" | bc)")
expect_eq "yearly and 3-year figures of the issue" "$want_y $want_3" "\$5,064.00 \$15,192.00"
expect_rc "cost --scenario seed" 0 "$OT" cost --scenario "$SEED"
expect_eq "seed TOTAL line: month, year, 3 years" "$(awk '$1=="TOTAL"{print $2, $3, $4}' "$T/out")" "$want_m $want_y $want_3"
# each line of pricing.json's seed: quantity x price
for row in "additional copies:400.0" "Data events, s3:10.0" "Data events, lambda:5.0" "Insights:7.0"; do
    name=${row%%:*}
    jqv=$(jq --arg v "${row##*:}" '[.seed_scenario.lines[] | select((.cost_usd|tostring) == ($v|tonumber|tostring))] | length' "$PJ")
    got=$(grep "^CloudTrail " "$T/out" | grep "$name" | awk '{print $(NF-2)}')
    expect_eq "seed line '$name' = pricing.json's \$${row##*:} ($jqv line)" "$got" "$(usd "${row##*:}")"
done
# 14,400 / 15,192 = 94.8%
expect_grep "largest line named with its share" "largest line: CloudTrail, Management events, additional copies: \\\$14,400.00 of \\\$15,192.00 over 3 years \(94.8%\)" "$T/out"
expect_grep "first copy is free and shown" 'first copy \(free\) +5,000,000 events +\$0\.00' "$T/out"

"$OT" cost --scenario "$SEED" --json >"$T/seed.json"
expect_eq "JSON totals" "$(jq -r '.total | "\(.month_usd) \(.year_usd) \(.years3_usd)"' "$T/seed.json")" "422.00 5064.00 15192.00"
expect_eq "JSON lines sum to the total (micro-exact)" "$(jq '[.lines[].month_usd|tonumber]|add' "$T/seed.json")" "422"
"$OT" cost --scenario "$SEED" --csv >"$T/seed.csv"
expect_eq "CSV TOTAL row" "$(grep '^TOTAL,' "$T/seed.csv" | cut -d, -f8-10)" "422.00,5064.00,15192.00"
expect_eq "CSV has a header and one row per JSON line" "$(($(wc -l <"$T/seed.csv") - 2))" "$(jq '.lines|length' "$T/seed.json")"

# --- Infracost's golden: $2.00 + $0.20 + $1.05 = $3.25 ----------------------
golden=$(grep 'OVERALL TOTAL' "$IC/cloudtrail_test.golden" | grep -o '\$[0-9.]*')
expect_eq "golden file's total" "$golden" "\$3.25"
expect_rc "cost of the Infracost usage file" 0 "$OT" cost --scenario "$IC/cloudtrail_test.usage.yml"
expect_eq "Infracost golden total" "$(awk '$1=="TOTAL"{print $2}' "$T/out")" "$golden"
for item in "Management events (additional copies):additional copies" "Data events:Data events" "Insight events:Insights"; do
    g=$(grep -F "${item%%:*}" "$IC/cloudtrail_test.golden" | head -1 | grep -o '\$[0-9.]*' | tail -1)
    o=$(grep "^CloudTrail " "$T/out" | grep -F "${item##*:}" | awk '{print $(NF-2)}')
    expect_eq "golden line ${item%%:*}" "$o" "$g"
done

# --- bad scenarios: one line, file:line:col, exit 2 --------------------------
printf 'name: x\nevents:\n  management:\n    raed: 5\n' >"$T/typo.yaml"
expect_rc "unknown key" 2 "$OT" cost --scenario "$T/typo.yaml"
expect_eq "unknown key: file:4:5, what and fix" "$(cat "$T/err")" "opentrail: $T/typo.yaml:4:5: unknown key 'raed' in events.management (see docs/cost.md for the scenario format)"
printf 'events:\n  management:\n    read: lots\n' >"$T/num.yaml"
expect_rc "not a number" 2 "$OT" cost --scenario "$T/num.yaml"
expect_grep "not a number: line 3 col 11" "num.yaml:3:11: read must be a whole number" "$T/err"
printf 'trails:\n  - name: a\n    data: [s3]\n' >"$T/svc.yaml"
expect_rc "data service without volume" 2 "$OT" cost --scenario "$T/svc.yaml"
# '    data: [s3]': s3 starts at column 12
expect_grep "service without volume: 3:12" "svc.yaml:3:12: service 's3' has no volume" "$T/err"
printf 'events: {management: {read: 1}\n' >"$T/syntax.yaml"
expect_rc "YAML syntax error" 2 "$OT" cost --scenario "$T/syntax.yaml"
# the flow mapping opened on line 1 is not closed when the input ends (line 2, column 1)
expect_grep "syntax error has a position" "syntax.yaml:2:1: invalid YAML" "$T/err"
expect_eq "one line of error" "$(wc -l <"$T/err")" "1"
printf 'storage:\n  lifecycle:\n    - {after_days: 30, to: glacier}\n' >"$T/tier.yaml"
expect_rc "unknown storage class" 2 "$OT" cost --scenario "$T/tier.yaml"
# '    - {after_days: 30, to: glacier}': glacier starts at column 28
expect_grep "unknown class: 3:28" "tier.yaml:3:28: unknown storage class 'glacier'" "$T/err"
: >"$T/empty.yaml"
expect_rc "empty file" 2 "$OT" cost --scenario "$T/empty.yaml"
expect_grep "empty file said so" "empty" "$T/err"
expect_rc "missing file" 2 "$OT" cost --scenario "$T/nope.yaml"
# libfyaml 0.7.12 loops forever on '%' and invalid UTF-8 (found by fuzz_scenario): refused first
expect_rc "the input that hung libfyaml is refused at once" 2 timeout 20 "$OT" cost --scenario "$ROOT/fuzz/corpus/scenario/hang_directive_utf8.yaml"
expect_grep "directive refused with its position" "hang_directive_utf8.yaml:1:1: YAML directives" "$T/err"
head -c 3000 /dev/urandom >"$T/bin.yaml"
expect_rc "binary garbage is refused, no crash" 2 "$OT" cost --scenario "$T/bin.yaml"

# --- price books ----------------------------------------------------------
expect_rc "--print-prices" 0 "$OT" cost --print-prices
n=$(jq '.prices|length' "$ROOT/data/pricing/aws-us-east-1.json")
expect_eq "every price of the data file is listed" "$(grep -c '^[a-z0-9_.]* \+\$' "$T/out")" "$n"
expect_eq "every price cites a source and a date" "$(jq '[.prices[] | select(.source != "" and (.as_of|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))] | length' "$ROOT/data/pricing/aws-us-east-1.json")" "$n"
# pricing.json and our price book agree on every CloudTrail price
for id in management.additional_copy data_events insights network_activity_events; do
    a=$(jq -r --arg id "cloudtrail.$id" '.items[] | select(.id == $id) | .price_usd' "$PJ")
    b=$(jq -r --arg id "cloudtrail.$id" '.prices[] | select(.id == $id) | .usd | tonumber' "$ROOT/data/pricing/aws-us-east-1.json")
    expect_eq "price book = pricing.json for $id" "$b" "$a"
done
jq '(.prices[] | select(.id == "cloudtrail.management.additional_copy") | .usd) = "1.00"' "$ROOT/data/pricing/aws-us-east-1.json" >"$T/half.json"
expect_rc "--prices FILE" 0 "$OT" cost --scenario "$SEED" --prices "$T/half.json"
# 20M additional copies at $1.00/100k = $200; 10 + 5 + 7 unchanged
expect_eq "--prices changes the additional-copy price" "$(awk '$1=="TOTAL"{print $2}' "$T/out")" "\$222.00"
printf '{"format": "opentrail-pricebook/1",\n "version": 3}\n' >"$T/badpb.json"
expect_rc "bad price book" 2 "$OT" cost --scenario "$SEED" --prices "$T/badpb.json"
expect_grep "bad price book: what and where" "badpb.json: price book: \"version\" must be a string" "$T/err"
printf '{"format": \n' >"$T/synpb.json"
expect_rc "price book JSON syntax" 2 "$OT" cost --scenario "$SEED" --prices "$T/synpb.json"
expect_grep "price book syntax: names line 2" "synpb.json:2(:[0-9]+)?: invalid JSON" "$T/err"
expect_rc "unknown region" 2 "$OT" cost --scenario "$SEED" --region mars-1
expect_grep "unknown region said" "no prices for region mars-1" "$T/err"

# --- usage -----------------------------------------------------------------
expect_rc "cost --help" 0 "$OT" cost --help
expect_grep "help names the modes" "--scenario FILE.*|--from DIR" "$T/out"
expect_rc "no input is a usage error" 2 "$OT" cost
expect_rc "--json with --csv" 2 "$OT" cost --scenario "$SEED" --json --csv

# --- advice on the full example --------------------------------------------
FULL=$ROOT/docs/examples/full-scenario.yaml
expect_rc "full scenario --advise --json" 0 "$OT" cost --scenario "$FULL" --advise --json
cp "$T/out" "$T/full.json"
# Insights: api_call_rate analyses the 2M writes, api_error_rate the 5M reads and writes:
# 7,000,000 / 100,000 x $0.35 = $24.50 a month, $882.00 over 36 months
expect_eq "Insights line by hand" "$(jq -r '.lines[] | select(.price_id == "cloudtrail.insights") | "\(.quantity) \(.month_usd) \(.years3_usd)"' "$T/full.json")" "7000000 24.50 882.00"
expect_eq "insights-off saves exactly the Insights line" "$(jq -r '.advice[] | select(.id == "insights-off") | "\(.save_month_usd) \(.save_years3_usd)"' "$T/full.json")" "24.50 882.00"
expect_eq "components sum to the total (3 years, micro-exact)" "$(jq '[.components[].years3_usd|tonumber*1000000|round]|add' "$T/full.json")" "$(jq '.total.years3_usd|tonumber*1000000|round' "$T/full.json")"
expect_eq "components in order" "$(jq -r '[.components[].component]|join(",")' "$T/full.json")" "CloudTrail,S3,CloudWatch,KMS,SNS"
expect_eq "every item saves money and says what it gives up" "$(jq '[.advice[] | select((.save_years3_usd|tonumber) > 0 and (.gives_up|length) > 20)] | length' "$T/full.json")" "$(jq '.advice|length' "$T/full.json")"
expect_eq "largest saving first" "$(jq '[.advice[].save_years3_usd|tonumber] | . == (sort|reverse)' "$T/full.json")" "true"
expect_eq "the duplicate-trails item is there" "$(jq -r '.advice[0].id' "$T/full.json")" "duplicate-trails"
"$OT" cost --scenario "$FULL" --advise --csv >"$T/full.csv"
expect_eq "CSV: one ADVICE row per item" "$(grep -c '^ADVICE,' "$T/full.csv")" "$(jq '.advice|length' "$T/full.json")"
expect_eq "36 months of growth in JSON" "$(jq '.growth|length' "$T/full.json")" "36"
expect_eq "growth totals add up to the 3-year total" "$(jq '[.growth[].total_usd|tonumber]|add*100|round' "$T/full.json")" "$(jq '.total.years3_usd|tonumber*100|round' "$T/full.json")"

# --- region overrides ----------------------------------------------------------
PB=$ROOT/data/pricing/aws-us-east-1.json
syd=$(jq -r '.regions["ap-southeast-2"]["s3.storage.standard"].usd' "$PB")
expect_eq "the book overrides S3 Standard in ap-southeast-2" "$syd" "0.025"
expect_rc "--region ap-southeast-2" 0 "$OT" cost --scenario "$FULL" --region ap-southeast-2 --json
bytes=$(jq '.lines[] | select(.price_id == "s3.storage.standard") | .quantity' "$T/out")
# month 1: bytes / 2^30 x $0.025, rounded to the micro-dollar
want=$(echo "$bytes * 25000 / 1073741824" | bc -l | awk '{printf "%.6f", int($1 + 0.5) / 1000000}')
got=$(jq -r '.lines[] | select(.price_id == "s3.storage.standard") | .month_usd' "$T/out" | awk '{printf "%.6f", $1}')
expect_eq "Standard storage priced at Sydney's \$0.025" "$got" "$want"
expect_eq "region reported" "$(jq -r .region "$T/out")" "ap-southeast-2"
expect_eq "CloudTrail prices unchanged in Sydney" "$(jq -r '.lines[] | select(.price_id == "cloudtrail.management.additional_copy") | .month_usd' "$T/out")" "400.00"

# --- advice = the difference with the changed scenario, priced on its own ------
micro() { awk '{split($0, a, "."); print a[1] * 1000000 + substr(a[2] "000000", 1, 6)}'; }
cat >"$T/big.yaml" <<'Y'
events:
  management: {read: 60_000_000, write: 40_000_000, sources: {kms.amazonaws.com: 30}}
  bytes_per_event: 500
trails: [{name: main}]
storage: {access_days: 80}
Y
# what the advice describes: Standard for 90 days (80 rounded up to 30-day months), then
# Deep Archive (no expiry, so the coldest class fits); KMS excluded: 70% of the events
sed 's/storage: {access_days: 80}/storage: {access_days: 80, lifecycle: [{after_days: 90, to: deep_archive}]}/' "$T/big.yaml" >"$T/big-lc.yaml"
sed 's/read: 60_000_000, write: 40_000_000/read: 42_000_000, write: 28_000_000/' "$T/big.yaml" >"$T/big-kms.yaml"
"$OT" cost --scenario "$T/big.yaml" --advise --json >"$T/big.json"
base=$(jq -r .total.years3_usd "$T/big.json" | micro)
lc=$("$OT" cost --scenario "$T/big-lc.yaml" --json | jq -r .total.years3_usd | micro)
kms=$("$OT" cost --scenario "$T/big-kms.yaml" --json | jq -r .total.years3_usd | micro)
expect_eq "lifecycle advice: after 90 days to deep_archive" "$(jq -r '.advice[] | select(.id == "lifecycle-archive") | .title' "$T/big.json" | grep -o 'deep_archive after 90 days')" "deep_archive after 90 days"
expect_eq "lifecycle saving = base - the scenario with that rule" "$(jq -r '.advice[] | select(.id == "lifecycle-archive") | .save_years3_usd' "$T/big.json" | micro)" "$((base - lc))"
expect_eq "KMS exclusion saving = base - the scenario with 30% fewer events" "$(jq -r '.advice[] | select(.id == "exclude-noisy-sources") | .save_years3_usd' "$T/big.json" | micro)" "$((base - kms))"
