#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine (Debian's slurm-wlm: slurmctld + slurmd on
# localhost, authenticated by munge), used to check the cluster cache build end to end: submits
# data-scripts/build-cache.sbatch as a 4-task job array, waits, merges the parts, and checks the
# result is byte-identical to a single-process build of the same corpus (manifest.json equal but
# for its "created" time). Everything the cluster writes (config, keys, sockets, state, logs) lives
# in one temp folder; the daemons it starts are stopped at the end, by the pids they wrote.
#
#   scripts/slurm-check.sh            # installs slurmctld slurmd slurm-client munge with apt-get if missing (root)
#   KEEP=1 scripts/slurm-check.sh     # keep the temp folder (logs) afterwards
#   ROWS=50000 scripts/slurm-check.sh # corpus size (default 20000)
#
# Exits 0 and prints "slurm check: ok" when the merged cache equals the single-process one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rows=${ROWS:-20000}
started=$(date +%s)
log() { echo "[slurm-check $(( $(date +%s) - started ))s] $*"; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurmctld slurmd slurm-client munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

work=$(mktemp -d /tmp/freshcache-slurm.XXXXXX)
chmod 755 "$work"
stop() {
  local code=$?
  for d in slurmd slurmctld munged; do
    if [[ -s "$work/$d.pid" ]]; then
      local pid
      pid=$(cat "$work/$d.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  if [[ $code -ne 0 ]]; then
    for f in slurmctld.log slurmd.log munged.log; do [[ -f "$work/$f" ]] && { echo "--- $f (tail)"; tail -n 15 "$work/$f"; }; done
    for f in "$work"/out/*.log; do [[ -f "$f" ]] && { echo "--- $(basename "$f")"; tail -n 15 "$f"; }; done
  fi
  if [[ -n "${KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
  exit $code
}
trap stop EXIT

# munge: its own key, socket and files under $work (root runs it, hence --force)
mkdir -p "$work/munge"
chmod 711 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
sock="$work/munge/munge.socket"
munged --force --socket="$sock" --key-file="$work/munge/munge.key" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/seed" --num-threads=2
for _ in $(seq 50); do [[ -S "$sock" ]] && break; sleep 0.1; done
munge -n -S "$sock" | unmunge -S "$sock" >/dev/null
log "munged up ($(cat "$work/munged.pid"))"

# slurm: one node (this machine) with every CPU, one partition; ports away from the defaults
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool" "$work/out"
cat > "$work/slurm.conf" <<EOF
ClusterName=freshcache-check
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
InactiveLimit=0
KillWait=5
NodeName=freshcache-node NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=check Nodes=freshcache-node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N freshcache-node
for _ in $(seq 120); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [[ "$state" == idle* ]] && break
  sleep 0.5
done
[[ "$state" == idle* ]] || { echo "slurm check: the node did not come up (state '$state')" >&2; exit 1; }
log "slurmctld ($(cat "$work/slurmctld.pid")) and slurmd ($(cat "$work/slurmd.pid")) up; node idle, $cpus CPUs"

# a corpus, and the reference: one process builds the whole cache
corpus="$work/corpus.jsonl"
node -e '
const n = Number(process.argv[1]);
const words = ["cache", "stale", "embedding", "corrector", "query", "passage", "index", "shard", "cluster", "array"];
const out = [];
for (let i = 0; i < n; i++) out.push(JSON.stringify({ _id: `d${i}`, title: words[i % 10], text: `passage ${i} on ${words[(i * 7) % 10]} and ${words[(i * 3) % 10]}` }));
require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");
' "$rows" "$corpus"
flags=(--encoder random --dim 32 --shard-rows 1000 --dtype f16)
node bin/freshcache.js build-cache --quiet --corpus "$corpus" --out "$work/whole" "${flags[@]}"
log "single-process build of $rows rows done"

# the array: 4 tasks, each one part; sbatch --wait returns when all have ended (non-zero if one failed)
sbatch --wait --array=0-3 --cpus-per-task=1 --output="$work/out/task-%a.log" \
  --export=ALL,FRESHCACHE_ROOT="$root",TF_NUM_INTRAOP_THREADS=1 \
  data-scripts/build-cache.sbatch "$corpus" "$work/array" "${flags[@]}"
for i in 0 1 2 3; do grep -q "part $i/4 from SLURM_ARRAY_TASK_ID" "$work/out/task-$i.log" || { echo "slurm check: task $i did not take part $i/4 from its environment" >&2; cat "$work/out/task-$i.log" >&2; exit 1; }; done
log "array of 4 tasks done"
node bin/freshcache.js merge-cache --quiet --out "$work/merged" "$work"/array.part*

# byte-identical: every file, and manifest.json but for "created"
node -e '
const fs = require("fs"), path = require("path");
const [a, b] = process.argv.slice(1);
const files = (d) => fs.readdirSync(d).sort();
const fa = files(a), fb = files(b);
if (fa.join() !== fb.join()) { console.error(`files differ: ${fa.length} vs ${fb.length}`); process.exit(1); }
for (const f of fa) {
  let x = fs.readFileSync(path.join(a, f)), y = fs.readFileSync(path.join(b, f));
  if (f === "manifest.json") {
    const mx = JSON.parse(x), my = JSON.parse(y);
    delete mx.created; delete my.created;
    x = Buffer.from(JSON.stringify(mx)); y = Buffer.from(JSON.stringify(my));
  }
  if (!x.equals(y)) { console.error(`${f} differs`); process.exit(1); }
}
console.log(`${fa.length} files identical`);
' "$work/merged" "$work/whole"
node bin/freshcache.js cache-info "$work/merged" --verify | tail -n 1
log "slurm check: ok ($rows rows, 4 array tasks, merged = single-process build)"
