#!/usr/bin/env bash
# scripts/deps.sh - install every build, test and benchmark dependency of opentrail.
#
# scripts/deps.sh --full: only the extra packages of `make test-full` (Ceph).
#
# Idempotent: packages already installed are not touched and apt-get is not
# called at all when nothing is missing. Debian 12 packages only.
set -euo pipefail

PKGS=(
    build-essential pkg-config make gcc clang libclang-rt-14-dev
    libdeflate-dev zlib1g-dev libjansson-dev libssl-dev libcmocka-dev libpcre2-dev
    jq gzip bc python3 clang-format cppcheck
    awscli python3-cryptography
    libfyaml-dev chromium
    python3-jsonschema
    libcurl4-openssl-dev curl openssl python3-aiosmtpd
    swift swift-proxy swift-object swift-container swift-account memcached python3-boto3
    libmicrohttpd-dev libsqlite3-dev wrk
)
# --full (make test-full): Ceph RGW for tests/full (shared/servers/ceph-rgw-s3.sh)
if [ "${1:-}" = --full ]; then
    PKGS=(ceph-mon ceph-osd radosgw ceph-common curl awscli jq)
fi

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Swift and memcached must not start daemons on their default ports when
# installed (tests start them by hand, on their own ports): a policy-rc.d that
# refuses, only while we install and only if there is none already.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ $made_policy = 1 ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
fi
