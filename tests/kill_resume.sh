#!/usr/bin/env bash
# kill -9 at many moments of `sr pretrain` and of the loop's first stages; the same command run
# again must always finish with the bytes of an uninterrupted run (model, checkpoint, every
# metrics row once). Also: a second process on a folder is refused naming the first, and the
# lock goes with a kill -9; a checkpoint past --steps, an --out that is a file and `sr eval` on
# a missing run are errors that write nothing.
#
# Two kinds of kill: SR_KILL_AT_FILE_OP=k (model/atomic_io.h) makes sr kill itself with SIGKILL
# just before its k-th file operation (a chosen moment inside a checkpoint save), and a plain
# kill -9 from outside, after a delay or as soon as a checkpoint's .tmp folder shows up.
#
# Usage: tests/kill_resume.sh   (after make; a few minutes on a busy 2-core machine; run by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
SR=$PWD/sr
T=$(mktemp -d "$([ -w /dev/shm ] && echo /dev/shm || echo /tmp)/sr_kill_resume.XXXXXX")  # tmpfs: fsync is cheap there
trap 'rm -rf "$T"' EXIT
fails=0
check() {  # check WHAT COMMAND...: prints ok or FAIL
    local what=$1
    shift
    if "$@"; then echo "  ok    $what"; else echo "  FAIL  $what"; fails=$((fails + 1)); fi
}
strip_timing() { sed -E 's/,"tok_per_s":[^,}]*//' "$1"; }
same_files() {  # same_files DIR REF FILE...: equal bytes, metrics equal but for the timing, no .tmp left
    local dir=$1 ref=$2 f
    shift 2
    for f in "$@"; do
        cmp -s "$dir/$f" "$ref/$f" || { echo "        $dir/$f differs"; return 1; }
    done
    diff <(strip_timing "$dir/metrics.jsonl") <(strip_timing "$ref/metrics.jsonl") >/dev/null || { echo "        $dir/metrics.jsonl differs"; return 1; }
    [ -z "$(find "$dir" -name '*.tmp')" ] || { echo "        $dir has .tmp leftovers"; return 1; }
}
killed_at() {  # killed_at RC K: the run must have been killed (exit 137), else the test did not test
    [ "$1" = 137 ] && return 0
    echo "  FAIL  file operation $2: expected a kill (exit 137), got exit $1"
    fails=$((fails + 1))
    return 1
}
kill_after() {  # kill_after SECONDS PID
    sleep "$1"
    kill -9 "$2" 2>/dev/null || true
    wait "$2" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
echo "kill_resume: sr pretrain (tiny, 12 steps, a checkpoint every 3)"
head -c 60000 data/world/corpus.txt >"$T/corpus.txt"  # a small corpus: the tokenizer trains in a moment
PRETRAIN=(pretrain --preset tiny --steps 12 --batch 2 --context 32 --checkpoint-every 3 --log-every 1 --seed 7 --corpus "$T/corpus.txt")
same_run() {
    same_files "$1" "$2" model.safetensors config.json tokenizer.txt checkpoints/ckpt-000012/model.safetensors \
        checkpoints/ckpt-000012/train_state.safetensors checkpoints/ckpt-000012/train_state.json || return 1
    [ "$(ls "$1/checkpoints")" = ckpt-000012 ] || { echo "        $1/checkpoints holds $(ls "$1/checkpoints" | tr '\n' ' ')"; return 1; }
}
"$SR" "${PRETRAIN[@]}" --out "$T/ref" >"$T/ref.log" 2>&1

# A kill just before file operation k. The run makes 181: the output folder (1), then four
# checkpoints of 45: the model files at DIR/ (4 files: create, write, fsync, rename), the
# ckpt-NNNNNN.tmp folder and its 6 files, its fsync, the commit (rename), the parent's fsync,
# and the removal of the previous checkpoint. These k hit each kind of step.
for k in 1 9 19 35 45 46 63 89 91 136 180 181; do
    dir="$T/op$k"
    rc=0
    SR_KILL_AT_FILE_OP=$k "$SR" "${PRETRAIN[@]}" --out "$dir" >"$T/op$k.log" 2>&1 || rc=$?
    killed_at "$rc" "$k" || continue
    "$SR" "${PRETRAIN[@]}" --out "$dir" >>"$T/op$k.log" 2>&1
    check "killed before file operation $k, then the same command: same bytes" same_run "$dir" "$T/ref"
done

# kill -9 from outside: after a delay, and in the middle of a checkpoint save
for delay in 0.5 1.5 3; do
    dir="$T/sleep$delay"
    "$SR" "${PRETRAIN[@]}" --out "$dir" >"$T/sleep$delay.log" 2>&1 &
    kill_after "$delay" $!
    "$SR" "${PRETRAIN[@]}" --out "$dir" >>"$T/sleep$delay.log" 2>&1
    check "kill -9 after ${delay}s, then the same command: same bytes" same_run "$dir" "$T/ref"
done
for n in 1 3; do
    dir="$T/midsave$n"
    "$SR" "${PRETRAIN[@]}" --out "$dir" >"$T/midsave$n.log" 2>&1 &
    pid=$!
    seen=0
    while kill -0 "$pid" 2>/dev/null; do  # wait for the n-th checkpoint folder being written
        if compgen -G "$dir/checkpoints/*.tmp" >/dev/null; then
            seen=$((seen + 1))
            [ "$seen" -ge "$n" ] && break
            while compgen -G "$dir/checkpoints/*.tmp" >/dev/null; do :; done
        fi
    done
    kill_after 0 "$pid"
    "$SR" "${PRETRAIN[@]}" --out "$dir" >>"$T/midsave$n.log" 2>&1
    check "kill -9 while checkpoint $n was being written, then the same command: same bytes" same_run "$dir" "$T/ref"
done

# ---------------------------------------------------------------------------------------------
echo "kill_resume: one writer per folder; resume checks"
dir="$T/locked"
"$SR" "${PRETRAIN[@]}" --steps 100000 --out "$dir" >"$T/locked.log" 2>&1 &
pid=$!
while [ "$(cat "$dir/.lock" 2>/dev/null)" != "$pid" ]; do sleep 0.05; done
rc=0
"$SR" "${PRETRAIN[@]}" --out "$dir" >"$T/second.log" 2>&1 || rc=$?
check "a second process on the folder is refused, naming the first (pid $pid)" \
    bash -c "[ $rc != 0 ] && grep -q 'in use by process $pid' '$T/second.log'"
kill_after 0 "$pid"
check "after a kill -9 of the holder the folder is free again" flock -n "$dir/.lock" true

cp "$T/ref/model.safetensors" "$T/ref_model"
rc=0
"$SR" "${PRETRAIN[@]}" --steps 6 --out "$T/ref" >"$T/past.log" 2>&1 || rc=$?
check "resuming a 12-step checkpoint with --steps 6 is an error that writes nothing" \
    bash -c "[ $rc != 0 ] && grep -q 'past the 6 steps' '$T/past.log' && ! grep -q 'val loss' '$T/past.log' && \
             cmp -s '$T/ref_model' '$T/ref/model.safetensors' && [ \$(ls '$T/ref/checkpoints') = ckpt-000012 ]"
"$SR" "${PRETRAIN[@]}" --out "$T/ref" >"$T/again.log" 2>&1
check "the same command after the run finished does nothing" grep -q "nothing written" "$T/again.log"
touch "$T/a_file"
rc=0
"$SR" "${PRETRAIN[@]}" --out "$T/a_file" >"$T/file.log" 2>&1 || rc=$?
check "--out on a file fails before any work" bash -c "[ $rc != 0 ] && grep -q 'not a folder' '$T/file.log' && ! grep -q 'step ' '$T/file.log'"
rc=0
"$SR" eval --run "$T/no_such_run" >"$T/eval.log" 2>&1 || rc=$?
check "sr eval on a missing run is an error and creates nothing" \
    bash -c "[ $rc != 0 ] && grep -q 'no run at' '$T/eval.log' && [ ! -e '$T/no_such_run' ]"

# ---------------------------------------------------------------------------------------------
echo "kill_resume: the loop's first stages (sr sft --preset quick --data ift: world, M0, SFT baseline)"
LOOP=(sft --preset quick --data ift --threads 2)
same_loop() {
    same_files "$1" "$2" M0/model.safetensors SFT/model.safetensors config.json world/corpus.txt world/manifest.json || return 1
    [ "$(ls "$1/.done")" = "$(ls "$2/.done")" ] || { echo "        $1/.done holds $(ls "$1/.done" | tr '\n' ' ')"; return 1; }
}
"$SR" "${LOOP[@]}" --run "$T/loop_ref" >"$T/loop_ref.log" 2>&1 &
pid=$!
while [ "$(cat "$T/loop_ref/.lock" 2>/dev/null)" != "$pid" ]; do sleep 0.05; done
rc=0
"$SR" loop --run "$T/loop_ref" >"$T/loop_second.log" 2>&1 || rc=$?
check "a second sr on a run folder in use is refused, naming the first (pid $pid)" \
    bash -c "[ $rc != 0 ] && grep -q 'in use by process $pid' '$T/loop_second.log'"
wait "$pid"  # the first goes on undisturbed
# about 240 file operations: the run's config.json, M0's four checkpoints, its marker, the
# SFT baseline's checkpoint and marker
for k in 3 60 150 225; do
    dir="$T/loop_op$k"
    rc=0
    SR_KILL_AT_FILE_OP=$k "$SR" "${LOOP[@]}" --run "$dir" >"$T/loop_op$k.log" 2>&1 || rc=$?
    killed_at "$rc" "$k" || continue
    "$SR" "${LOOP[@]}" --run "$dir" >>"$T/loop_op$k.log" 2>&1
    check "loop killed before file operation $k, then the same command: same bytes" same_loop "$dir" "$T/loop_ref"
done
for delay in 1 3; do
    dir="$T/loop_sleep$delay"
    "$SR" "${LOOP[@]}" --run "$dir" >"$T/loop_sleep$delay.log" 2>&1 &
    kill_after "$delay" $!
    "$SR" "${LOOP[@]}" --run "$dir" >>"$T/loop_sleep$delay.log" 2>&1
    check "loop killed -9 after ${delay}s, then the same command: same bytes" same_loop "$dir" "$T/loop_ref"
done

if [ "$fails" != 0 ]; then
    echo "kill_resume: $fails FAILED (logs kept in $T)"
    trap - EXIT
    exit 1
fi
echo "kill_resume: all passed"
