#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: `pdec bench` on the GPU, then American-basket trainings on
# the GPU, side by side. Writes its results into $OUT (default gpu-results/).
#
# Usage: scripts/gpu-run.sh [PDEC_BINARY]    (a binary built with `--features cuda`)
#
# Environment (all optional):
#   BENCH           "full" (default: both paths, f32 at d = 1..500, f64 and width 128 at
#                   d = 100..500), "short" (both paths, f32, width 50, d = 100, 200, 500) or "none"
#   BENCH_TIMEOUT   seconds per bench invocation (default 200)
#   TRAIN_SECONDS   time budget of each training (default 240)
#   RUNS            trainings, separated by ';', each "NAME D [key=value ...]" with extra
#                   `--set`s (default "d100 100;d20 20"); the word `example=FILE` picks the
#                   problem (default examples/american_basket.pde, `const d` set to D) and
#                   `device=cpu` trains on the machine's CPU cores instead of the GPU;
#                   `steps=N` stops at N steps (the time budget still caps it)
#   KEEP_RUNS       when set, each training's run folder is copied to $OUT/run_NAME
#
# The CUDA runtime libraries (cuBLAS, cuRAND, NVRTC, cudart 13) are searched in the usual
# places, pip's nvidia packages included, and put on LD_LIBRARY_PATH.
set -uo pipefail
BIN=${1:-target/release/pdec}
OUT=${OUT:-gpu-results}
BENCH=${BENCH:-full}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-200}
TRAIN_SECONDS=${TRAIN_SECONDS:-240}
RUNS=${RUNS:-"d100 100;d20 20"}
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
# A reference table (evaluated at every logged step) and the L-BFGS polish on the GPU: the
# table's points were once built on the CPU beside a GPU network (a device mismatch).
"$BIN" solve examples/burgers_family.pde --device cuda --set steps=40 --set log_every=20 \
    --set "polish=lbfgs(steps=10, batches=2)" --quiet --no-plots --out /tmp/pdec-smoke-table \
    | tee -a "$OUT/gpu.txt" || { echo "smoke training with a reference table failed"; exit 1; }

bench() {
    timeout "$BENCH_TIMEOUT" "$BIN" bench --device cuda --format json --steps 5 --warmup 2 "$@"
}
case "$BENCH" in
    full)
        {
            bench --d 1,10,100,200,500 --dtype f32 --width 50
            bench --d 100,200,500 --dtype f64 --width 50
            bench --d 100,200,500 --dtype f32 --width 128
        } > "$OUT/bench.jsonl" 2>> "$OUT/gpu.txt" ;;
    short)
        bench --d 100,200,500 --dtype f32 --width 50 > "$OUT/bench.jsonl" 2>> "$OUT/gpu.txt" ;;
    none) ;;
    *) echo "BENCH must be full, short or none"; exit 1 ;;
esac
[ -f "$OUT/bench.jsonl" ] && cat "$OUT/bench.jsonl"

# The trainings, side by side, each with the same time budget (the sampling law and network
# are the example's own).
names=()
IFS=';' read -ra runs <<< "$RUNS"
for run in "${runs[@]}"; do
    read -ra words <<< "$run"
    name=${words[0]}; d=${words[1]}
    example=examples/american_basket.pde
    device=(--device cuda)
    steps=1000000
    sets=(--set "time_limit=$TRAIN_SECONDS" --set log_every=500)
    for kv in "${words[@]:2}"; do
        case "$kv" in
            example=*) example=${kv#example=} ;;
            device=cpu) device=(--device cpu --threads 2) ;;
            steps=*) steps=${kv#steps=} ;;
            *) sets+=(--set "$kv") ;;
        esac
    done
    sets+=(--set "steps=$steps")
    sed "s/^const d .*/const d = $d/" "$example" > "/tmp/basket_$name.pde"
    echo "run $name: $example, d = $d ${words[*]:2}" | tee -a "$OUT/gpu.txt"
    timeout $((TRAIN_SECONDS + 90)) "$BIN" solve "/tmp/basket_$name.pde" "${device[@]}" \
        "${sets[@]}" --no-plots --out "/tmp/basket_$name" > "$OUT/basket_$name.log" 2>&1 &
    names+=("$name")
done
wait
for name in "${names[@]}"; do
    echo "== $name"; tail -n 8 "$OUT/basket_$name.log"
    cp "/tmp/basket_$name/summary.json" "$OUT/basket_${name}_summary.json" 2>/dev/null
    cp "/tmp/basket_$name/loss.csv" "$OUT/basket_${name}_loss.csv" 2>/dev/null
    # The whole run folder (weights included) for `pdec eval` elsewhere.
    [ -n "${KEEP_RUNS:-}" ] && cp -r "/tmp/basket_$name" "$OUT/run_$name"
done
