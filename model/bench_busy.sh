#!/bin/bash
# model/bench_busy.sh: speed on a busy machine, as a student's laptop with a browser open.
# With 0, 1 and 2 other busy processes (shell loops at normal priority) beside it, each round
# runs, back to back: ./sr_bench with its default (automatic) thread count, with --threads 1
# and with --threads 2, and the PyTorch peer (../shared/bench/torch_gpt.py) with 1 and 2
# threads (the better of the two is reported: the peer at its best setting for that load).
# Numbers are medians over the rounds (this VM drifts by 20-30% over minutes).
#
#   bash model/bench_busy.sh [rounds]        (default 3; needs: apt-get install python3-torch)
#   BUSY="0 1" CASES="gen:tiny:1" bash model/bench_busy.sh 5
#
# The question it answers: does our default degrade gracefully, never below our own 1-thread
# speed and ahead of PyTorch under the same load? (tensor/runtime.h: adapt_threads.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BUSY=${BUSY:-"0 1 2"}
CASES=${CASES:-"train:tiny gen:tiny:1"}
NAME=bench_busy source model/bench_common.sh
max2() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > a ? b : a)}'; }

busy_pids=()
stop_busy() { for p in "${busy_pids[@]}"; do kill "$p" 2>/dev/null || true; done; busy_pids=(); }
trap stop_busy EXIT

printf "%-14s %5s %10s %10s %10s %10s %14s\n" case busy "sr auto" "sr 1 thr" "sr 2 thr" "torch best" "auto/1 thr"
for n in $BUSY; do
    stop_busy
    for _ in $(seq "$n"); do (while :; do :; done) & busy_pids+=($!); done
    sleep 1  # let the load settle
    for c in $CASES; do
        IFS=: read -r what preset batch <<<"$c"
        if [ "$what" = train ]; then
            args="train --preset $preset --steps 15"
        else
            args="generate --preset $preset --batch $batch --steps 30"
        fi
        auto=(); one=(); two=(); peer=()
        for r in $(seq "$ROUNDS"); do
            auto+=("$(./sr_bench $args 2>/dev/null | tps)")
            one+=("$(./sr_bench $args --threads 1 2>/dev/null | tps)")
            two+=("$(./sr_bench $args --threads 2 2>/dev/null | tps)")
            p1=$("$PY" "$PEER" $args --threads 1 2>/dev/null | tps)
            p2=$("$PY" "$PEER" $args --threads 2 2>/dev/null | tps)
            peer+=("$(max2 "$p1" "$p2")")
        done
        ma=$(printf "%s\n" "${auto[@]}" | median); m1=$(printf "%s\n" "${one[@]}" | median)
        m2=$(printf "%s\n" "${two[@]}" | median); mp=$(printf "%s\n" "${peer[@]}" | median)
        printf "%-14s %5s %10.0f %10.0f %10.0f %10.0f %13.2fx\n" "$what $preset${batch:+ b$batch}" "$n" \
            "$ma" "$m1" "$m2" "$mp" "$(awk -v a="$ma" -v b="$m1" 'BEGIN {print a / b}')"
    done
done
