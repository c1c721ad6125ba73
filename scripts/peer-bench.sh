#!/usr/bin/env bash
# pdec against a PyTorch peer on the `pdec bench` problem (issue 4).
#
# Builds pdec (release), runs `pdec bench --format json` and bench/peer/dgm_step.py for the
# same rows, and prints a markdown table with pdec ms/step, PyTorch ms/step, the time ratio
# and pdec's Monte Carlo speed-up over its exact path.
#
# Settings (environment):
#   PEER_D        d values, comma separated         (default 1,10,100,200)
#   PEER_PATHS    exact,mc                          (default exact,mc)
#   PEER_VARIANTS PyTorch variants: autograd,func   (default autograd,func)
#   PEER_DTYPE    f32 or f64                        (default f32)
#   PEER_WIDTH    network width                     (default 50)
#   PEER_BATCH    interior batch                    (default 1024)
#   PEER_STEPS    timed steps per row (median)      (default 5)
#   PEER_WARMUP   untimed steps per row             (default 2)
#   PEER_OUT      where the JSON rows go            (default target/peer-bench)
#   PDEC_PEER_VENV  venv with torch                 (default ~/.cache/pdec-peer; created
#                   and filled with the CPU torch wheel when torch is missing)
#   PEER_SKIP_BUILD=1  use the existing target/release/pdec
#
# Each row runs in its own process, with 2 threads on the PyTorch side
# (torch.set_num_threads(2)) and pdec's defaults (`--threads auto`: one training thread per
# physical core, each on a slice of the batch).
set -euo pipefail
cd "$(dirname "$0")/.."

D=${PEER_D:-1,10,100,200}
PATHS=${PEER_PATHS:-exact,mc}
VARIANTS=${PEER_VARIANTS:-autograd,func}
DTYPE=${PEER_DTYPE:-f32}
WIDTH=${PEER_WIDTH:-50}
BATCH=${PEER_BATCH:-1024}
STEPS=${PEER_STEPS:-5}
WARMUP=${PEER_WARMUP:-2}
OUT=${PEER_OUT:-target/peer-bench}
VENV=${PDEC_PEER_VENV:-$HOME/.cache/pdec-peer}

mkdir -p "$OUT"
if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    echo "== installing PyTorch (CPU) into $VENV" >&2
    python3 -m venv "$VENV"
    # The CPU-only wheel index first; plain PyPI (a larger CUDA build, run here on the CPU)
    # where that index cannot be reached.
    "$VENV/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
        || "$VENV/bin/pip" install --quiet torch
fi
PY="$VENV/bin/python"
TORCH=$("$PY" -c 'import torch; print(torch.__version__)')

if [ "${PEER_SKIP_BUILD:-0}" != 1 ]; then
    echo "== cargo build --release" >&2
    cargo build --release --quiet
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== commit $(git rev-parse --short HEAD), torch $TORCH" >&2

# Rows interleaved (pdec, then the PyTorch variants, for one (path, d) at a time) so that a
# change of load on a shared machine hits both sides of a ratio alike.
: > "$OUT/pdec.jsonl"
: > "$OUT/pytorch.jsonl"
IFS=, read -r -a DS <<< "$D"
IFS=, read -r -a PS <<< "$PATHS"
IFS=, read -r -a VS <<< "$VARIANTS"
for p in "${PS[@]}"; do
    for d in "${DS[@]}"; do
        echo "== d $d $p (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        target/release/pdec bench --format json --d "$d" --path "$p" --dtype "$DTYPE" \
            --width "$WIDTH" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" \
            | tee -a "$OUT/pdec.jsonl" >&2 || true
        for v in "${VS[@]}"; do
            "$PY" -W ignore bench/peer/dgm_step.py --d "$d" --path "$p" --variant "$v" \
                --dtype "$DTYPE" --width "$WIDTH" --batch "$BATCH" --steps "$STEPS" \
                --warmup "$WARMUP" --threads 2 | tee -a "$OUT/pytorch.jsonl" >&2 || true
        done
    done
done

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo
echo "median of $STEPS timed steps after $WARMUP warm-up steps per row; torch $TORCH; commit $(git rev-parse --short HEAD)"
echo
"$PY" bench/peer/table.py "$OUT/pdec.jsonl" "$OUT/pytorch.jsonl"
