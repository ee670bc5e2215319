# model/bench_common.sh: what model/bench_vs_torch.sh and model/bench_busy.sh share, sourced by
# both from the repository root: the peer and interpreter settings, the checks that ./sr_bench,
# the peer and PyTorch are there (NAME: the calling script, for its messages), and two helpers.
PEER=${TORCH_GPT:-../shared/bench/torch_gpt.py}
PY=${PYTHON:-/usr/bin/python3}
[ -x ./sr_bench ] || { echo "$NAME: ./sr_bench not built. HINT: run make" >&2; exit 1; }
[ -f "$PEER" ] || { echo "$NAME: $PEER not found. HINT: set TORCH_GPT=path/to/torch_gpt.py" >&2; exit 1; }
"$PY" -c "import torch" 2>/dev/null || { echo "$NAME: PyTorch not importable by $PY. HINT: apt-get install python3-torch" >&2; exit 1; }

tps() { grep -o '"tokens_per_s": [0-9.]*' | awk '{print $2}'; }  # a benchmark's JSON line -> its tokens/s
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
