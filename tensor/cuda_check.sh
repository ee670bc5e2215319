#!/usr/bin/env bash
# The CUDA lab in one command, for a machine with an NVIDIA GPU (built for sm_90: H100/H200).
# Builds with CUDA, runs the [cuda] tests, runs `./sr_bench cuda`, then (optionally) the tests
# under compute-sanitizer; everything goes under $OUT:
#   env.txt       GPU, driver, nvcc, commit
#   build.log     make output (check that it says "---> CUDA: nvcc found")
#   tests.log     ./sr_tests "[cuda]"
#   bench.log     everything ./sr_bench cuda printed; bench.jsonl: its JSON lines only
#   bench.md      the JSON lines as Markdown tables (for tutorial/ch16_cuda/README.md)
#   offload.jsonl ./sr_bench train/generate with --device cpu and --device cuda (offload mode)
#   memcheck.log, racecheck.log   compute-sanitizer runs (SANITIZE=0 skips them)
#   summary.txt   one line per step; the script exits non-zero if any step failed
# Usage (from anywhere):  OUT=/tmp/cuda_out bash tensor/cuda_check.sh
# Knobs: JOBS (make -j, default 16), BENCH_ARGS (e.g. "--repeats 5"), SANITIZE (default 1).
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/sr_cuda_check}"
JOBS="${JOBS:-16}"
BENCH_ARGS="${BENCH_ARGS:-}"
SANITIZE="${SANITIZE:-1}"
mkdir -p "$OUT"
: > "$OUT/summary.txt"
failed=0
say() { echo "$*" | tee -a "$OUT/summary.txt"; }

# ---- environment
{
    date -u
    git log -1 --oneline 2>/dev/null
    nvidia-smi 2>&1 || echo "nvidia-smi: not found"
    (command -v nvcc >/dev/null && nvcc --version) || /usr/local/cuda/bin/nvcc --version 2>&1 ||
        echo "nvcc: not found"
} > "$OUT/env.txt" 2>&1
say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"

# ---- build (the Makefile finds nvcc in PATH or /usr/local/cuda/bin)
start=$(date +%s)
if make -j"$JOBS" sr_tests sr_bench > "$OUT/build.log" 2>&1; then
    say "build: ok ($(( $(date +%s) - start )) s)"
else
    say "build: FAILED (see build.log; last lines below)"
    tail -40 "$OUT/build.log"
    exit 1
fi
if ! grep -q -- "---> CUDA: nvcc found" "$OUT/build.log"; then
    say "build: WARNING: the Makefile did not compile the CUDA kernels (no nvcc?): CPU-only build"
    failed=1
fi

# ---- tests
timeout 600 ./sr_tests "[cuda]" > "$OUT/tests.log" 2>&1
rc=$?
say "tests [cuda]: rc=$rc: $(grep -E '^(All tests passed|test cases:)' "$OUT/tests.log" | tail -1)"
[ $rc -ne 0 ] && failed=1
if grep -q "no CUDA device: skipped" "$OUT/tests.log"; then
    say "tests [cuda]: WARNING: kernel tests SKIPPED: no device ($(head -1 "$OUT/tests.log"))"
    failed=1
fi

# ---- benchmark (only if the lead has wired bench_cuda into ./sr_bench as `cuda`)
if ./sr_bench cuda --help 2>&1 | grep -q -- "--repeats"; then
    # shellcheck disable=SC2086
    timeout 900 ./sr_bench cuda $BENCH_ARGS > "$OUT/bench.log" 2>&1
    rc=$?
    grep '^{' "$OUT/bench.log" > "$OUT/bench.jsonl"
    say "bench cuda: rc=$rc, $(wc -l < "$OUT/bench.jsonl") JSON lines, $(grep -c '"valid":false' "$OUT/bench.jsonl") failed validation"
    [ $rc -ne 0 ] && failed=1
    if command -v python3 >/dev/null; then
        python3 - "$OUT/bench.jsonl" > "$OUT/bench.md" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
dev = [r for r in rows if r.get("op") == "device"]
if dev:
    d = dev[0]
    print(f"Device: {d['name']} (sm {d['sm']}, {d['sms']} SMs, L2 {d['l2_mib']} MiB, "
          f"peak {d['peak_gbs']} GB/s); median of {d['repeats']} runs after {d['warmup']} warm-up.\n")
print("| matmul case | batch x M x N x K | kernel | ms | GFLOP/s | vs cuBLAS | valid |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("op") == "matmul":
        shape = f"{r['batch']} x {r['m']} x {r['n']} x {r['k']}"
        if "skipped" in r:
            print(f"| {r['case']} | {shape} | {r['kernel']} | - | - | - | {r['skipped']} |")
        else:
            print(f"| {r['case']} | {shape} | {r['kernel']} | {r['ms']:.4f} | {r['gflops']:.0f} | "
                  f"{r['vs_cublas']:.2f} | {r['valid']} |")
print()
print("| softmax | case | rows x cols | kernel | ms | GB/s | of peak | dispatch uses | valid |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("op", "").startswith("softmax"):
        print(f"| {r['op'][8:]} | {r['case']} | {r['rows']} x {r['cols']} | {r['kernel']} | "
              f"{r['ms']:.4f} | {r['gbs']:.0f} | {r['of_peak']:.2f} | {r['dispatch_uses']} | {r['valid']} |")
PY
        say "bench cuda: tables in bench.md"
    fi
else
    say "bench cuda: skipped: ./sr_bench has no 'cuda' subcommand yet (it should call sr::cuda::bench_cuda)"
fi

# ---- offload mode (--device cuda): the model's training step and batched generation, CPU vs GPU
{
    for preset in tiny small; do
        for dev in cpu cuda; do
            timeout 120 ./sr_bench train --preset "$preset" --steps 5 --device "$dev" 2>&1 | grep '^{'
        done
        timeout 120 ./sr_bench generate --preset "$preset" --batch 16 --steps 3 --device cuda 2>&1 | grep '^{'
    done
} > "$OUT/offload.jsonl"
say "offload (--device cuda): $(grep -c '"device": "cuda"' "$OUT/offload.jsonl") GPU lines in offload.jsonl"

# ---- compute-sanitizer: out-of-bounds accesses (memcheck) and shared-memory races (racecheck)
SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
if [ "$SANITIZE" = "1" ] && [ -n "$SANITIZER" ]; then
    timeout 300 "$SANITIZER" --tool memcheck --error-exitcode 9 ./sr_tests "[cuda]" > "$OUT/memcheck.log" 2>&1
    rc=$?
    say "memcheck: rc=$rc: $(grep -E 'ERROR SUMMARY' "$OUT/memcheck.log" | tail -1)"
    [ $rc -ne 0 ] && failed=1
    timeout 300 "$SANITIZER" --tool racecheck --error-exitcode 9 ./sr_tests \
        "cuda matmul: batched with batch strides" > "$OUT/racecheck.log" 2>&1
    rc=$?
    say "racecheck (matmul batched test): rc=$rc: $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' "$OUT/racecheck.log" | tail -1)"
    [ $rc -ne 0 ] && failed=1
else
    say "sanitizers: skipped (SANITIZE=$SANITIZE, compute-sanitizer: ${SANITIZER:-not found})"
fi

say "done: $([ $failed -eq 0 ] && echo ALL OK || echo SOMETHING FAILED, see above); files in $OUT"
exit $failed
