#!/usr/bin/env bash
# On the GPU machine (device tool), from a carry/ bundle made by
#   scripts/device-bundle.sh --xz build/server/chainacceld build/client/chainaccel
# runs each daemon of $DAEMONS (binaries, default carry/bin/chainacceld; several: builds
# side by side, each after the other in the order given) under `chainaccel bench` (4
# channels, AUTO): SHA-256, Ed25519 at 256 clients x 64 items, Ed25519 at 64 x 1,024, 4 s
# each, and prints the rate and where the daemon's CPU time went, by thread name
# (/proc/<pid>/task/*/comm: gRPC's threads by gRPC's names, ours by core/thread_name.h's).
# Usage: DAEMONS="carry/bin/chainacceld other/chainacceld" bash scripts/device-daemon-threads.sh
set -uo pipefail
DAEMONS="${DAEMONS:-carry/bin/chainacceld}"
export LD_LIBRARY_PATH="$PWD/carry/lib:/usr/local/cuda/lib64"
out="${OUT:-out}"; mkdir -p "$out"; work=$(mktemp -d)
# Each thread's name and user + system ticks (stat's fields 14 and 15, counted after the
# ")" that closes the name, which may hold spaces).
snap() { for t in /proc/$1/task/*; do printf '%s\t%s\n' "$(cat $t/comm)" "$(sed 's/.*) //' $t/stat | awk '{print $12 + $13}')"; done; }
for daemon in $DAEMONS; do
  rm -f $work/ready
  $daemon --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir $work/d-$(basename $daemon) --ready-file $work/ready --log-level warn > $out/daemon_$(basename $daemon).log 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [ -s $work/ready ] && break; sleep 0.1; done
  address="$(sed -n 's/^grpc=//p' $work/ready)"; sleep 4
  for run in "sha256 64 256" "ed25519 64 256" "ed25519 1024 64"; do
    read -r op batch conc <<< "$run"
    snap $pid > $work/before.tsv
    carry/bin/chainaccel --address "$address" bench --channels 4 --json --quiet --op $op --batch $batch --concurrency $conc --duration 4 --warmup 0 > $work/r.json
    snap $pid > $work/after.tsv
    python3 - "$(basename $daemon)" "$op $batch x $conc" $work/r.json $work/before.tsv $work/after.tsv <<'PY'
import json,sys,collections
name,what,r,b,a=sys.argv[1:6]
r=json.loads(open(r).read().strip().splitlines()[-1])
def load(f):
    d=collections.defaultdict(int); n=collections.Counter()
    for line in open(f):
        c,t=line.rstrip('\n').split('\t'); d[c]+=int(t); n[c]+=1
    return d,n
bd,_=load(b); ad,an=load(a)
secs=r['duration_s']
print(f"{name} {what}: {r['items_per_s']/1e6:.3f} M/s, {r['requests_per_s']:.0f} req/s, p50 {r['p50_ms']:.2f} ms")
rows=sorted(((ad[c]-bd.get(c,0))/100/secs, c, an[c]) for c in ad)
for cpu,c,n in reversed(rows):
    if cpu>=0.05: print(f"   {cpu:5.2f} CPUs  {c} (x{n})")
PY
  done
  kill -TERM $pid; wait $pid
done
