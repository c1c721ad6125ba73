#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: `pdec bench` on the GPU, then American-basket trainings
# (d = 100 and d = 20) on the GPU. Writes its results into $OUT (default gpu-results/).
#
# Usage: scripts/gpu-run.sh [PDEC_BINARY]    (a binary built with `--features cuda`)
# The CUDA runtime libraries (cuBLAS, cuRAND, NVRTC, cudart 13) are searched in the usual
# places, pip's nvidia packages included, and put on LD_LIBRARY_PATH.
set -uo pipefail
BIN=${1:-target/release/pdec}
OUT=${OUT:-gpu-results}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-200}
TRAIN_SECONDS=${TRAIN_SECONDS:-240}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"

libdirs=$(find / -xdev \( -name 'libcublas.so.13*' -o -name 'libcurand.so.10*' -o -name 'libnvrtc.so.13*' -o -name 'libcudart.so.13*' -o -name 'libcublasLt.so.13*' -o -name 'libcuda.so.1' \) 2>/dev/null \
    | grep -v stubs | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" | tee -a "$OUT/gpu.txt"
if ldd "$BIN" | grep 'not found'; then
    echo "missing libraries (above)"; exit 1
fi
"$BIN" solve tests/problems/heat1d.pde --device cuda --set steps=200 --quiet --out /tmp/pdec-smoke \
    | tee -a "$OUT/gpu.txt" || { echo "smoke training failed"; exit 1; }

# Benchmark: both paths, f32 at every d and width 50; f64 and width 128 at d = 100, 200, 500.
{
    timeout "$BENCH_TIMEOUT" "$BIN" bench --device cuda --format json --steps 5 --warmup 2 \
        --d 1,10,100,200,500 --dtype f32 --width 50
    timeout "$BENCH_TIMEOUT" "$BIN" bench --device cuda --format json --steps 5 --warmup 2 \
        --d 100,200,500 --dtype f64 --width 50
    timeout "$BENCH_TIMEOUT" "$BIN" bench --device cuda --format json --steps 5 --warmup 2 \
        --d 100,200,500 --dtype f32 --width 128
} > "$OUT/bench.jsonl" 2> "$OUT/bench.log"
cat "$OUT/bench.jsonl"

# American basket, d = 100 and d = 20, side by side on the one GPU, each with a time budget.
law='sampling=lognormal(center = 1, sd = 0.35, corr = 0.75, uniform = 0.25)'
for d in 100 20; do
    sed "s/^const d .*/const d = $d/" examples/american_basket.pde > "/tmp/american_basket_d$d.pde"
    timeout $((TRAIN_SECONDS + 60)) "$BIN" solve "/tmp/american_basket_d$d.pde" --device cuda \
        --set "$law" --set steps=40000 --set "time_limit=$TRAIN_SECONDS" \
        --set log_every=500 --out "/tmp/basket$d" > "$OUT/basket$d.log" 2>&1 &
done
wait
for d in 100 20; do
    tail -n 8 "$OUT/basket$d.log"
    cp "/tmp/basket$d/summary.json" "$OUT/basket${d}_summary.json" 2>/dev/null
done
