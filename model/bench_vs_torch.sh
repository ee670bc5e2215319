#!/bin/bash
# model/bench_vs_torch.sh: ./sr_bench against the PyTorch peer (../shared/bench/torch_gpt.py),
# the same presets and timing rule, run alternately in this one script so that both see the
# same machine (on a shared VM the speed drifts by 20-30% over minutes: back-to-back alternation
# and medians over rounds are what make the ratio meaningful).
#
#   bash model/bench_vs_torch.sh [rounds]        (default 3; needs: apt-get install python3-torch)
#   CASES="train:tiny gen:tiny:1" bash model/bench_vs_torch.sh
#
# For each case and engine, every thread count in THREADS is tried each round; an engine's
# number is the median over rounds of its best thread setting, and the ratio is the median of
# the rounds' ratios (each round's two numbers were measured minutes apart at most).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
THREADS=${THREADS:-"1 2"}
CASES=${CASES:-"train:tiny train:small gen:tiny:1 gen:tiny:16 gen:small:1 gen:small:16"}
NAME=bench_vs_torch source model/bench_common.sh

printf "%-16s %12s %12s %8s %6s\n" case "sr tok/s" "torch tok/s" ratio goal
for c in $CASES; do
    IFS=: read -r what preset batch <<<"$c"
    if [ "$what" = train ]; then
        steps=$([ "$preset" = small ] && echo 5 || echo 15)
        ours_args="train --preset $preset --steps $steps"; peer_args="train --preset $preset --steps $steps"
        goal=2
    else
        ours_args="generate --preset $preset --batch $batch --steps 10"; peer_args="generate --preset $preset --batch $batch --steps 10"
        goal=$([ "$batch" = 1 ] && echo 10 || echo 3)
    fi
    ours=(); peer=(); ratios=()
    for r in $(seq "$ROUNDS"); do
        best_o=0; best_p=0
        for t in $THREADS; do
            o=$(./sr_bench $ours_args --threads "$t" 2>/dev/null | tps)
            p=$("$PY" "$PEER" $peer_args --threads "$t" 2>/dev/null | tps)
            best_o=$(awk -v a="$best_o" -v b="$o" 'BEGIN {print (b > a ? b : a)}')
            best_p=$(awk -v a="$best_p" -v b="$p" 'BEGIN {print (b > a ? b : a)}')
        done
        ours+=("$best_o"); peer+=("$best_p")
        ratios+=("$(awk -v a="$best_o" -v b="$best_p" 'BEGIN {print a / b}')")
    done
    mo=$(printf "%s\n" "${ours[@]}" | median); mp=$(printf "%s\n" "${peer[@]}" | median)
    mr=$(printf "%s\n" "${ratios[@]}" | median)
    name="$what $preset${batch:+ b$batch}"
    printf "%-16s %12.0f %12.0f %7.2fx %5sx\n" "$name" "$mo" "$mp" "$mr" "$goal"
done
