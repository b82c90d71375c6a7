#!/usr/bin/env bash
# bench/read.sh - reading CloudTrail logs: opentrail cat --count and a field
# filter, beside zcat | jq doing the same and the in-process libdeflate floor,
# on the same generated corpus in the same run. Counts are checked against the
# generator's manifest, so a fast wrong answer fails the benchmark.
. "$(dirname "$0")/lib.sh"
bench_corpus
FLOOR=$ROOT/build/bench/inflate_floor
IAM='DeleteGroupPolicy|DeleteRolePolicy|DeleteUserPolicy|PutGroupPolicy|PutRolePolicy|PutUserPolicy|CreatePolicy|DeletePolicy|CreatePolicyVersion|DeletePolicyVersion|AttachRolePolicy|DetachRolePolicy|AttachUserPolicy|DetachUserPolicy|AttachGroupPolicy|DetachGroupPolicy'
JQ_IAM='["DeleteGroupPolicy","DeleteRolePolicy","DeleteUserPolicy","PutGroupPolicy","PutRolePolicy","PutUserPolicy","CreatePolicy","DeletePolicy","CreatePolicyVersion","DeletePolicyVersion","AttachRolePolicy","DetachRolePolicy","AttachUserPolicy","DetachUserPolicy","AttachGroupPolicy","DetachGroupPolicy"]'
want_root=$(jq .counts.root_console_login "$CORPUS/manifest.json")
want_iam=$(jq .counts.iam_policy_change "$CORPUS/manifest.json")

check() { # NAME GOT WANT
    if [ "$2" != "$3" ]; then
        echo "bench: $1 counted $2, the manifest says $3" >&2
        exit 1
    fi
}

zcat_all() { printf '%s\0' "${FILES[@]}" | xargs -0 zcat; }
jq_count() { zcat_all | jq -c '.Records[]' | wc -l; }
jq_root() { zcat_all | jq -c '.Records[] | select(.eventName == "ConsoleLogin" and .userIdentity.type == "Root")' | wc -l; }
jq_iam() { zcat_all | jq -c --argjson n "$JQ_IAM" '.Records[] | select(.eventName as $e | $n | index($e))' | wc -l; }
zcat_only() { zcat_all | wc -c; }

echo "== reading: $NFILES gzip files, $RECORDS records, $((JSON_BYTES / 1000000)) MB of JSON ($((GZ_BYTES / 1000000)) MB gzip), $(nproc) cores"
measure t_jq_count 1 jq_count; check "jq count" "$BEST_OUT" "$RECORDS"
measure t_jq_root 1 jq_root; check "jq root logins" "$BEST_OUT" "$want_root"
measure t_jq_iam 1 jq_iam; check "jq IAM changes" "$BEST_OUT" "$want_iam"
measure t_zcat 1 zcat_only
measure t_floor1 3 "$FLOOR" "${FILES[@]}"
measure t_floor2 3 "$FLOOR" -j 2 "${FILES[@]}"
measure t_cnt1 3 "$OT" cat --count -j 1 "$CORPUS/AWSLogs"; check "count" "${BEST_OUT%% *}" "$RECORDS"
measure t_cnt2 3 "$OT" cat --count -j 2 "$CORPUS/AWSLogs"; check "count" "${BEST_OUT%% *}" "$RECORDS"
measure t_root1 3 "$OT" cat --count -j 1 --where eventName=ConsoleLogin --where userIdentity.type=Root "$CORPUS/AWSLogs"; check "root logins" "${BEST_OUT%% *}" "$want_root"
measure t_root2 3 "$OT" cat --count -j 2 --where eventName=ConsoleLogin --where userIdentity.type=Root "$CORPUS/AWSLogs"; check "root logins" "${BEST_OUT%% *}" "$want_root"
measure t_iam1 3 "$OT" cat --count -j 1 --where "eventName=$IAM" "$CORPUS/AWSLogs"; check "IAM changes" "${BEST_OUT%% *}" "$want_iam"
measure t_iam2 3 "$OT" cat --count -j 2 --where "eventName=$IAM" "$CORPUS/AWSLogs"; check "IAM changes" "${BEST_OUT%% *}" "$want_iam"

printf '%-52s %10s %13s %16s %8s\n' "" "time" "JSON" "records" "vs jq"
row "zcat | jq -c '.Records[]' | wc -l" "$t_jq_count" "$t_jq_count"
row "opentrail cat --count -j 1" "$t_cnt1" "$t_jq_count"
row "opentrail cat --count -j 2" "$t_cnt2" "$t_jq_count"
row "zcat | jq select(root console login)" "$t_jq_root" "$t_jq_root"
row "opentrail cat --count --where (root login) -j 1" "$t_root1" "$t_jq_root"
row "opentrail cat --count --where (root login) -j 2" "$t_root2" "$t_jq_root"
row "zcat | jq select(IAM policy change, 16 names)" "$t_jq_iam" "$t_jq_iam"
row "opentrail cat --count --where (IAM change) -j 1" "$t_iam1" "$t_jq_iam"
row "opentrail cat --count --where (IAM change) -j 2" "$t_iam2" "$t_jq_iam"
row "zcat > /dev/null (not a floor: slow inflate)" "$t_zcat" "$t_jq_root"
row "floor: libdeflate inflate in-process, 1 thread" "$t_floor1" "$t_jq_root"
row "floor: libdeflate inflate in-process, 2 threads" "$t_floor2" "$t_jq_root"
printf 'opentrail filter vs the inflate floor: %.0f%% of floor speed on 1 core, %.0f%% on 2\n' \
    "$(echo "100 * $t_floor1 / $t_root1" | bc -l)" "$(echo "100 * $t_floor2 / $t_root2" | bc -l)"
