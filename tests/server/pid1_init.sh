#!/usr/bin/env bash
# chainacceld as PID 1 of its own PID namespace, as in a container started without an init
# (server/init_process.h): an orphan that ends under it is reaped (no zombie left), the
# daemon answers, SIGTERM to PID 1 reaches the daemon (graceful shutdown, exit 0), and
# PID 1 exits with the daemon's status when the daemon is killed (137).
# Needs util-linux's unshare and nsenter, procps' pgrep and the privilege to make a PID
# namespace (root, as CI runs); exits 77 (skipped) without them.
# Usage: CHAINACCELD=<chainacceld> CHAINACCEL_CLI=<chainaccel> tests/server/pid1_init.sh
set -uo pipefail
daemon="${CHAINACCELD:?set CHAINACCELD}"
cli="${CHAINACCEL_CLI:?set CHAINACCEL_CLI}"
if ! command -v unshare > /dev/null || ! command -v nsenter > /dev/null ||
  ! command -v pgrep > /dev/null; then
  echo "SKIP: unshare, nsenter or pgrep missing"
  exit 77
fi
if ! unshare --pid --fork --mount-proc true 2> /dev/null; then
  echo "SKIP: this user cannot make a PID namespace here"
  exit 77
fi
work="$(mktemp -d)"
outer=""
cleanup() {
  [ -n "$outer" ] && kill -KILL "$outer" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- daemon log"
  cat "$work/daemon.log"
  exit 1
}

# Starts the daemon as PID 1 of a new PID namespace; sets outer (unshare), init (PID 1's
# pid out here), daemon_pid (its child) and address.
start() {
  rm -f "$work/ready"
  unshare --pid --fork --mount-proc --kill-child "$daemon" --listen 127.0.0.1:0 \
    --metrics-listen "" --data-dir "$work/data" --ready-file "$work/ready" \
    --log-level info > "$work/daemon.log" 2>&1 &
  outer=$!
  for _ in $(seq 1 300); do
    [ -s "$work/ready" ] && break
    sleep 0.1
  done
  [ -s "$work/ready" ] || fail "the daemon did not get ready"
  address="$(sed -n 's/^grpc=//p' "$work/ready")"
  init="$(pgrep -P "$outer")"
  [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$init/status")" = 1 ] || fail "unshare's child is not PID 1"
  daemon_pid="$(pgrep -P "$init")"
  [ -n "$daemon_pid" ] || fail "PID 1 has no child: the daemon did not split off its init"
  [ "$(readlink "/proc/$daemon_pid/exe")" = "$(readlink -f "$daemon")" ] ||
    fail "PID 1's child is not chainacceld"
}

# The zombies whose parent is $1.
zombies_of() {
  for stat in /proc/[0-9]*/stat; do
    # pid (comm) state ppid ...: the fields after the last ')'.
    read -r state ppid _ < <(sed 's/.*) //' "$stat" 2> /dev/null) || continue
    [ "$state" = Z ] && [ "$ppid" = "$1" ] && echo "${stat//[^0-9]/}"
  done
}

start
echo "PID 1 is $init out here, the daemon $daemon_pid"
"$cli" --address "$address" --timeout 5 health > /dev/null || fail "the daemon does not answer"

# An orphan: a shell inside the namespace starts `sleep` and exits, so sleep's parent
# becomes the namespace's PID 1; when sleep ends, PID 1 must reap it.
nsenter --target "$init" --pid -- /bin/sh -c 'sleep 1 & exit 0'
sleep 0.3
orphans="$(pgrep -P "$init" -x sleep)"
[ -n "$orphans" ] || fail "the orphan was not adopted by PID 1"
sleep 1.7
left="$(zombies_of "$init")"
[ -z "$left" ] || fail "zombies left under PID 1: $left"
echo "ok: an orphan adopted by PID 1 ($orphans) was reaped"

kill -TERM "$init"
wait "$outer"
status=$?
outer=""
[ "$status" = 0 ] || fail "SIGTERM to PID 1: exit status $status, expected 0"
grep -q "received SIGTERM" "$work/daemon.log" || fail "the daemon did not receive SIGTERM"
echo "ok: SIGTERM to PID 1 reached the daemon, which shut down and exited 0"

start
kill -KILL "$daemon_pid"
wait "$outer"
status=$?
outer=""
[ "$status" = 137 ] || fail "the daemon killed: exit status $status, expected 137"
echo "ok: the daemon killed by SIGKILL: PID 1 exited 137"
