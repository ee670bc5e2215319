#!/usr/bin/env bash
# tests/mpi_check.sh: the MPI build, checked with `mpirun -np 2` on this machine (about 3 min on 2 cores).
# Run from the repository root after `make MPI=1` (.ci/run does). In a build without MPI it says so
# and exits 0: there is nothing to check.
#   1. [mpi] unit tests under 2 ranks (sums in rank order, gathers, a data-parallel step)
#   2. sr pretrain: 2 ranks x 1 thread give the same losses and weights, bit for bit, as 1 process
#      x 2 threads (the same split of each batch), the same bits on a second run, and losses within
#      1e-6 of 1 process x 1 thread (where rounding differs: one pass instead of two halves)
#   3. a rank that dies stops the run with a message naming it; the checkpoint stays valid and the
#      run resumes from it with a different number of processes, to the same weights
#   4. ranks whose data differ (same command line, another corpus.txt) stop with a clear error
#   5. the quick loop: every generated file (prompts, candidates, judgements, pairs) and every model
#      identical for 1 process and for 2 ranks
set -euo pipefail
cd "$(dirname "$0")/.."

banner=$(./sr --help 2>&1 >/dev/null || true)  # the banner is on stderr
if [[ "${banner%%$'\n'*}" != *"MPI on"* ]]; then
  echo "mpi_check: SKIPPED: ./sr was built without MPI (build with: make MPI=1; needs apt-get install libopenmpi-dev openmpi-bin)"
  exit 0
fi
command -v mpirun >/dev/null || { echo "mpi_check: FAILED: mpirun not found (apt-get install openmpi-bin)"; exit 1; }

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
export OMPI_MCA_rmaps_base_oversubscribe=1                         # 2 ranks even on a 1-core runner
MPIRUN="mpirun -np 2"
W=/tmp/sr_mpi_check
rm -rf "$W" && mkdir -p "$W"
fail() { echo "mpi_check: FAILED: $*"; exit 1; }
losses() { python3 -c "import json,sys; print('\n'.join(repr(r['loss']) for r in map(json.loads, open(sys.argv[1])) if 'loss' in r))" "$1"; }

echo "mpi_check: 1. [mpi] unit tests on 2 ranks"
$MPIRUN ./sr_tests "[mpi]" >"$W/unit.log" 2>&1 || { cat "$W/unit.log"; fail "[mpi] tests"; }

echo "mpi_check: 2. sr pretrain --preset tiny, 30 steps: 1 process (1 and 2 threads) and 2 ranks (1 thread each, twice)"
PRE="pretrain --preset tiny --steps 30 --log-every 1 --checkpoint-every 10"
./sr $PRE --threads 1 --out "$W/t1" >"$W/t1.log" 2>&1 || { tail "$W/t1.log"; fail "1 process, 1 thread"; }
./sr $PRE --threads 2 --out "$W/t2" >"$W/t2.log" 2>&1 || { tail "$W/t2.log"; fail "1 process, 2 threads"; }
$MPIRUN ./sr $PRE --threads 1 --out "$W/r2" >"$W/r2.log" 2>&1 || { tail "$W/r2.log"; fail "2 ranks"; }
$MPIRUN ./sr $PRE --threads 1 --out "$W/r2b" >"$W/r2b.log" 2>&1 || { tail "$W/r2b.log"; fail "2 ranks, again"; }
[ "$(losses "$W/r2/metrics.jsonl" | wc -l)" = 30 ] || fail "expected 30 losses in $W/r2/metrics.jsonl"
cmp -s <(losses "$W/r2/metrics.jsonl") <(losses "$W/t2/metrics.jsonl") || fail "2 ranks x 1 thread and 1 process x 2 threads: losses differ"
cmp -s "$W/r2/model.safetensors" "$W/t2/model.safetensors" || fail "2 ranks x 1 thread and 1 process x 2 threads: weights differ"
cmp -s <(losses "$W/r2/metrics.jsonl") <(losses "$W/r2b/metrics.jsonl") || fail "2 ranks: two runs gave different losses"
cmp -s "$W/r2/model.safetensors" "$W/r2b/model.safetensors" || fail "2 ranks: two runs gave different weights"
python3 - "$W/r2/metrics.jsonl" "$W/t1/metrics.jsonl" <<'EOF' || fail "2 ranks vs 1 process x 1 thread: losses differ by more than 1e-6"
import json, sys
a, b = ([r["loss"] for r in map(json.loads, open(p)) if "loss" in r] for p in sys.argv[1:])
worst = max(abs(x - y) for x, y in zip(a, b))
print(f"mpi_check:    2 ranks vs 1 process x 1 thread: {len(a)} losses, largest difference {worst:.1e}")
sys.exit(0 if len(a) == len(b) == 30 and worst <= 1e-6 else 1)
EOF
echo "mpi_check:    2 ranks = 1 process x 2 threads (losses and weights, bit for bit); the same bits on a second run"

echo "mpi_check: 3. a rank killed during training: the run stops naming it; resume with 1 process"
$MPIRUN ./sr $PRE --threads 1 --out "$W/k" >"$W/k.log" 2>&1 &
MPIPID=$!
for _ in $(seq 1 600); do  # wait for the checkpoint at step 10 (at most 60 s)
  [ -d "$W/k/checkpoints/ckpt-000010" ] && break  # a committed checkpoint folder is complete
  sleep 0.1
done
[ -d "$W/k/checkpoints/ckpt-000010" ] || { kill $MPIPID; fail "no checkpoint at step 10 in $W/k"; }
RANK1=""
for p in $(pgrep -P $MPIPID); do
  tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && RANK1=$p
done
[ -n "$RANK1" ] || { kill $MPIPID; fail "cannot find rank 1's process (children of mpirun $MPIPID)"; }
kill -9 "$RANK1"
if wait $MPIPID; then fail "mpirun exited 0 although rank 1 was killed"; fi
grep -q "rank 1" "$W/k.log" || { tail "$W/k.log"; fail "the message does not name rank 1"; }
echo "mpi_check:    mpirun said: $(grep -m1 'rank 1' "$W/k.log" | sed 's/^ *//')"
./sr $PRE --threads 2 --out "$W/k" >"$W/k2.log" 2>&1 || { tail "$W/k2.log"; fail "resume after the killed rank"; }
grep -q "resuming from $W/k at step" "$W/k2.log" || fail "the run did not resume from its checkpoint"
cmp -s "$W/k/model.safetensors" "$W/t2/model.safetensors" || fail "resumed run (2 ranks, then 1 process x 2 threads): weights differ from the uninterrupted run"
echo "mpi_check:    $(grep -m1 resuming "$W/k2.log"); final weights = the uninterrupted run's"

echo "mpi_check: 4. ranks with different data (same command line) refuse to train together"
mkdir -p "$W/a" "$W/b"
head -c 300000 data/world/corpus.txt >"$W/a/corpus.txt"
head -c 300000 data/world/corpus.txt | tr 'a' 'e' >"$W/b/corpus.txt"
if mpirun -np 1 --wdir "$W/a" "$PWD/sr" pretrain --preset micro --steps 2 --out m --corpus corpus.txt : \
          -np 1 --wdir "$W/b" "$PWD/sr" pretrain --preset micro --steps 2 --out m --corpus corpus.txt >"$W/mix.log" 2>&1; then
  fail "ranks with different corpora trained together"
fi
grep -q "differs between rank 0 and rank(s) 1" "$W/mix.log" || { tail "$W/mix.log"; fail "no clear message for different data"; }
echo "mpi_check:    $(grep -m1 -o 'error: .*differs between rank 0 and rank(s) 1' "$W/mix.log")"

echo "mpi_check: 5. the quick loop: 1 process vs 2 ranks"
rm -rf runs/mpi_check_1 runs/mpi_check_2
./sr_demo --preset quick --name mpi_check_1 --threads 2 >"$W/q1.log" 2>&1 || { tail "$W/q1.log"; fail "quick loop, 1 process"; }
$MPIRUN ./sr_demo --preset quick --name mpi_check_2 --threads 1 >"$W/q2.log" 2>&1 || { tail "$W/q2.log"; fail "quick loop, 2 ranks"; }
n=0
for f in $(cd runs/mpi_check_1 && find . -path './round*' -name '*.jsonl' -o -name '*.safetensors' | sort); do
  cmp -s "runs/mpi_check_1/$f" "runs/mpi_check_2/$f" || fail "quick loop: $f differs between 1 process and 2 ranks"
  n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "quick loop: only $n files compared"
echo "mpi_check:    $n files (round*/*.jsonl, every model) identical"
rm -rf runs/mpi_check_1 runs/mpi_check_2 "$W"
echo "mpi_check: all passed"
