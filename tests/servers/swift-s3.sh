#!/usr/bin/env bash
# Provenance: copied from shared/servers/swift-s3.sh (the team's reference
# recipe, tried on Debian 12) and adapted for opentrail's tests: every Swift
# server starts through a small launcher that reads the constraints from
# $DIR/etc/swift.conf, where max_meta_value_length is raised from Swift's 256
# to S3's 2 KB - a CloudTrail digest's x-amz-meta-signature is 512 hex
# characters (RSA-2048), and stock Swift answers its PUT with 500
# "Metadata value longer than 256". /etc/swift/swift.conf is left alone.
# s3api also gets storage_domain = localhost, so BUCKET.localhost:PORT
# (virtual-host addressing) works next to path style.
#
# swift-s3.sh - a REAL S3-compatible object store for tests: OpenStack Swift 2.30
# (Debian bookworm packages) as a single-node "all in one" on 127.0.0.1, with the
# built-in s3api middleware (AWS SigV2/SigV4) and tempauth.  Storage lives in a
# temp dir (ext4/xfs/tmpfs>=6.6 with user xattrs; mount_check=false).
#
# Usage (as root, Debian 12):
#   eval "$(../shared/servers/swift-s3.sh start)"      # installs if needed, starts, prints env
#   ... tests use $S3_ENDPOINT $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY ...
#   ../shared/servers/swift-s3.sh stop                 # kills by PID, deletes the data dir
#   ../shared/servers/swift-s3.sh install              # only apt-get install
#
# Env knobs (all optional):
#   SWIFT_S3_DIR   state dir (default $TMPDIR/swift-s3, else /tmp/swift-s3; wiped on start)
#   SWIFT_S3_PORT  S3/Swift proxy port (default 18080); backends use PORT+1..+3,
#                  memcached PORT+4
#   SWIFT_S3_MIN_SEGMENT  s3api min multipart part size (default 5242880, as AWS)
#   SWIFT_S3_SKIP_INSTALL=1  don't touch apt
#
# Credentials: tempauth user "test:tester" / "testing".  NOTE the access key
# contains a colon: libcurl is fine with CURLOPT_USERNAME="test:tester", but the
# curl CLI's --user splits at the first colon - put the creds in the URL instead:
#   curl --aws-sigv4 aws:amz:us-east-1:s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
#        "http://test%3Atester:testing@127.0.0.1:18080/bkt/key"
# (curl/libcurl 7.88 in bookworm does NOT add x-amz-content-sha256 itself; s3api
#  - like AWS S3 - rejects SigV4 requests without it: 400 InvalidRequest.  When
#  the header is given, curl signs with its value as the payload hash.)
set -euo pipefail

DIR=${SWIFT_S3_DIR:-${TMPDIR:-/tmp}/swift-s3}
PORT=${SWIFT_S3_PORT:-18080}
OBJ_PORT=$((PORT + 1)); CONT_PORT=$((PORT + 2)); ACCT_PORT=$((PORT + 3)); MC_PORT=$((PORT + 4))
MIN_SEG=${SWIFT_S3_MIN_SEGMENT:-5242880}
ACCESS_KEY="test:tester"; SECRET_KEY="testing"
PKGS="swift swift-proxy swift-object swift-container swift-account memcached curl"

log() { echo "swift-s3: $*" >&2; }

do_install() {
  if [ "${SWIFT_S3_SKIP_INSTALL:-0}" = 1 ]; then return 0; fi
  if command -v swift-proxy-server >/dev/null && command -v swift-object-server >/dev/null \
     && command -v swift-container-server >/dev/null && command -v swift-account-server >/dev/null \
     && command -v memcached >/dev/null; then
    return 0
  fi
  log "installing $PKGS"
  # policy-rc.d keeps the packages' own init scripts from starting daemons on
  # the default ports (6200-6202/8080); harmless if one is already there.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS >&2
  if [ $made_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# only signal a PID whose command line still names our state dir (PID reuse guard)
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$DIR"; }
do_stop() {
  local f pid
  for f in "$DIR"/run/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    ours "$pid" && kill "$pid" 2>/dev/null || true
  done
  for f in "$DIR"/run/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ours "$pid" && kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  if [ "${1:-}" != keep ]; then rm -rf "$DIR"; fi
}

write_configs() {
  local run_user; run_user=$(id -un)
  mkdir -p "$DIR/etc" "$DIR/srv/d1" "$DIR/run" "$DIR/log"
  # Swift always reads hash prefix/suffix + storage policies from
  # /etc/swift/swift.conf (hard-coded); the Debian package ships a valid one.
  if [ ! -s /etc/swift/swift.conf ]; then
    mkdir -p /etc/swift
    cat > /etc/swift/swift.conf <<'EOF'
[swift-hash]
swift_hash_path_suffix = ci-suffix
swift_hash_path_prefix = ci-prefix
[storage-policy:0]
name = Policy-0
default = yes
EOF
  fi
  local common="devices = $DIR/srv
mount_check = false
disable_fallocate = true
bind_ip = 127.0.0.1
workers = 0
user = $run_user
swift_dir = $DIR/etc
log_level = INFO
log_name = swift"
  local t
  for t in account container object; do
    local p
    case $t in account) p=$ACCT_PORT;; container) p=$CONT_PORT;; object) p=$OBJ_PORT;; esac
    cat > "$DIR/etc/$t-server.conf" <<EOF
[DEFAULT]
$common
bind_port = $p

[pipeline:main]
pipeline = healthcheck $t-server

[app:$t-server]
use = egg:swift#$t

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  done
  cat > "$DIR/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 0
user = $run_user
swift_dir = $DIR/etc
log_level = INFO
log_name = swift-proxy

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink keymaster encryption proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
storage_domain = localhost
use = egg:swift#s3api
location = us-east-1
s3_acl = false
allow_multipart_uploads = true
min_segment_size = $MIN_SEG
allowable_clock_skew = 900

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
# tempauth refuses to work without a memcache client; without a reachable
# memcached it still works but logs 2 errors per request, so we run one.
memcache_servers = 127.0.0.1:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
# keymaster+encryption: at-rest encryption; also makes s3api ACCEPT
# "x-amz-server-side-encryption: AES256" (SSE-S3).  aws:kms stays NotImplemented.
[filter:keymaster]
use = egg:swift#keymaster
encryption_root_secret = $(printf 'ci-only-not-a-secret-0123456789abcdef' | base64 -w0)
[filter:encryption]
use = egg:swift#encryption
EOF
}

build_rings() {
  # Same as `swift-ring-builder X.builder create 8 1 1; add r1z1-127.0.0.1:PORT/d1 100;
  # rebalance` for X in account/container/object, but in one python process
  # (9 swift-ring-builder runs cost ~8.5 s on 2 cores; this costs ~1 s).
  /usr/bin/python3 - "$DIR/etc" "$ACCT_PORT" "$CONT_PORT" "$OBJ_PORT" <<'PY'
import sys
from swift.common.ring import RingBuilder
d = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), sys.argv[2:5]):
    b = RingBuilder(8, 1, 1)          # part_power 8, 1 replica, min_part_hours 1
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1',
               'port': int(port), 'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.save('%s/%s.builder' % (d, name))
    b.get_ring().save('%s/%s.ring.gz' % (d, name))
PY
  local t
  for t in account container object; do
    [ -s "$DIR/etc/$t.ring.gz" ] || { log "ring $t not built"; exit 1; }
  done
}

write_launcher() {
  # Swift reads constraints only from /etc/swift/swift.conf, when
  # swift.common.constraints is first imported: point utils at our copy first.
  { grep -v '^\[swift-constraints\]' /etc/swift/swift.conf | sed '/^max_meta_/d'
    printf '\n[swift-constraints]\nmax_meta_value_length = 2048\nmax_meta_overall_size = 8192\n'
  } > "$DIR/etc/swift.conf"
  cat > "$DIR/etc/launch.py" <<'PY'
import os, runpy, sys
import swift.common.utils as u
u.SWIFT_CONF_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'swift.conf')
import swift.common.constraints as c
c.reload_constraints()
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name='__main__')
PY
}

start_one() { # name cmd conf
  local name=$1 cmd=$2 conf=$3
  # -v also logs to stdout; setsid -> own session so CI can kill it cleanly.
  setsid /usr/bin/python3 "$DIR/etc/launch.py" "$(command -v "$cmd")" "$conf" -v >"$DIR/log/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/run/$name.pid"
}

wait_ready() {
  local i code
  for i in $(seq 1 300); do   # up to 30 s
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
      --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
      "http://test%3Atester:$SECRET_KEY@127.0.0.1:$PORT/" 2>/dev/null || true)
    if [ "$code" = 200 ]; then return 0; fi
    for f in "$DIR"/run/*.pid; do
      kill -0 "$(cat "$f")" 2>/dev/null || { log "$(basename "$f" .pid) died:"; tail -20 "$DIR/log/$(basename "$f" .pid).log" >&2; return 1; }
    done
    sleep 0.1
  done
  log "not ready after 30 s (last HTTP code $code)"; return 1
}

do_start() {
  do_install
  do_stop >/dev/null 2>&1 || true
  write_configs
  write_launcher
  build_rings
  setsid memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 -u "$(id -un)" -P "$DIR/run/mc.unused" \
    >"$DIR/log/memcached.log" 2>&1 < /dev/null &
  echo $! > "$DIR/run/memcached.pid"
  start_one account   swift-account-server   "$DIR/etc/account-server.conf"
  start_one container swift-container-server "$DIR/etc/container-server.conf"
  start_one object    swift-object-server    "$DIR/etc/object-server.conf"
  start_one proxy     swift-proxy-server     "$DIR/etc/proxy-server.conf"
  wait_ready || { do_stop keep; exit 1; }
  cat > "$DIR/env" <<EOF
export S3_ENDPOINT=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export SWIFT_S3_DIR=$DIR
export SWIFT_S3_PORT=$PORT
EOF
  cat "$DIR/env"
}

case "${1:-start}" in
  install) do_install ;;
  start)   do_start ;;
  stop)    do_stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
