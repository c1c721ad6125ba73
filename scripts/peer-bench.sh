#!/usr/bin/env bash
# pdec against its peers on the `pdec bench` problem (issues 4 and 38): PyTorch
# (bench/peer/dgm_step.py) and JAX (bench/peer/dgm_step_jax.py).
#
# Builds pdec (release), runs `pdec bench --format json` and the peers for the same rows, and
# prints a markdown table with pdec's ms/step and peak memory and each peer variant's, and the
# time ratios.
#
# Settings (environment):
#   PEER_D        d values, comma separated         (default 1,10,100,200)
#   PEER_PATHS    exact,mc,mc_gradients, in the order run (default exact,mc,mc_gradients;
#                 mc is pdec's default difference of values, mc_gradients the difference of
#                 directional derivatives)
#   PEER_IMPLS    peers: pytorch,jax                (default pytorch,jax)
#   PEER_VARIANTS PyTorch variants: autograd,func   (default autograd,func)
#   PEER_JAX_VARIANTS  JAX's exact variants: folx,hvp (default folx,hvp; its Monte Carlo
#                 paths have one, `jit`)
#   PEER_DTYPE    f32 or f64                        (default f32)
#   PEER_WIDTH    network width                     (default 50)
#   PEER_BATCH    interior batch                    (default 1024)
#   PEER_STEPS    timed steps per row (median)      (default 5)
#   PEER_WARMUP   untimed steps per row             (default 2; JAX compiles in the first)
#   PEER_ROW_TIMEOUT  seconds a row may take        (default 900)
#   PEER_MAX_RSS_MB   resident memory a row may reach before it is stopped (default 12000:
#                 this machine is shared)
#   PEER_OUT      where the JSON rows go            (default target/peer-bench)
#   PDEC_PEER_VENV  venv with torch, jax, folx, optax (default ~/.cache/pdec-peer; created
#                   and filled when a package is missing: the CPU torch wheel, jax[cpu])
#   PEER_SKIP_BUILD=1  use the existing target/release/pdec
#
# Each row runs in its own process, with 2 threads on the PyTorch side
# (torch.set_num_threads(2)), JAX on 2 CPUs (`--threads 2`: its affinity mask) and pdec's
# defaults (`--threads auto`: one training thread per physical core it may use, each on a
# slice of the batch). A row that runs out of time or memory is stopped and said so
# (a line `{"impl": ..., "failed": ...}` in its JSON file); the same implementation, variant and
# path are not run at larger d.
set -euo pipefail
cd "$(dirname "$0")/.."

D=${PEER_D:-1,10,100,200}
PATHS=${PEER_PATHS:-exact,mc,mc_gradients}
IMPLS=${PEER_IMPLS:-pytorch,jax}
VARIANTS=${PEER_VARIANTS:-autograd,func}
JAX_VARIANTS=${PEER_JAX_VARIANTS:-folx,hvp}
DTYPE=${PEER_DTYPE:-f32}
WIDTH=${PEER_WIDTH:-50}
BATCH=${PEER_BATCH:-1024}
STEPS=${PEER_STEPS:-5}
WARMUP=${PEER_WARMUP:-2}
ROW_TIMEOUT=${PEER_ROW_TIMEOUT:-900}
MAX_RSS_MB=${PEER_MAX_RSS_MB:-12000}
OUT=${PEER_OUT:-target/peer-bench}
VENV=${PDEC_PEER_VENV:-$HOME/.cache/pdec-peer}

mkdir -p "$OUT"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [[ ,$IMPLS, == *,pytorch,* ]] && ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    echo "== installing PyTorch (CPU) into $VENV" >&2
    # The CPU-only wheel index first; plain PyPI (a larger CUDA build, run here on the CPU)
    # where that index cannot be reached.
    "$VENV/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
        || "$VENV/bin/pip" install --quiet torch
fi
if [[ ,$IMPLS, == *,jax,* ]] && ! "$VENV/bin/python" -c 'import jax, folx, optax' 2>/dev/null; then
    echo "== installing JAX (CPU), folx and optax into $VENV" >&2
    "$VENV/bin/pip" install --quiet "jax[cpu]" folx optax
fi
PY="$VENV/bin/python"
VERSIONS=$("$PY" -c '
import importlib.metadata as m
out = []
for p in ("torch", "jax", "folx", "optax"):
    try:
        out.append(p + " " + m.version(p))
    except m.PackageNotFoundError:
        pass
print(", ".join(out))')

if [ "${PEER_SKIP_BUILD:-0}" != 1 ]; then
    echo "== cargo build --release" >&2
    cargo build --release --quiet
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== commit $(git rev-parse --short HEAD), $VERSIONS" >&2

# Runs one row: the command's JSON lines go to FILE; a row past ROW_TIMEOUT seconds or
# MAX_RSS_MB of resident memory is stopped, and a line saying so is written instead.
# Returns 1 when the row gave no result.
row() {
    local file=$1 label=$2
    shift 2
    local tmp
    tmp=$(mktemp)
    "$@" > "$tmp" 2> "$tmp.err" &
    local pid=$! start=$SECONDS why="" peak=0
    while kill -0 "$pid" 2>/dev/null; do
        local rss
        rss=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)
        rss=${rss:-0}
        [ "$rss" -gt "$peak" ] && peak=$rss
        if [ "$rss" -gt "$MAX_RSS_MB" ]; then
            why="memory: over $MAX_RSS_MB MB resident"
        elif [ $((SECONDS - start)) -gt "$ROW_TIMEOUT" ]; then
            why="time: over $ROW_TIMEOUT s for $((WARMUP + STEPS)) steps"
        fi
        if [ -n "$why" ]; then
            kill "$pid" 2>/dev/null || true
            sleep 1
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    wait "$pid" 2>/dev/null || true
    cat "$tmp.err" >&2
    if grep -q '^{' "$tmp"; then
        grep '^{' "$tmp" | tee -a "$file" >&2
        rm -f "$tmp" "$tmp.err"
        return 0
    fi
    [ -n "$why" ] || why="error: $(tail -n 1 "$tmp.err" | cut -c1-200)"
    local line
    line=$(printf '{%s, "failed": "%s", "seconds": %d, "peak_seen_mb": %d}' \
        "$label" "${why//\"/\'}" $((SECONDS - start)) "$peak")
    echo "$line" | tee -a "$file" >&2
    rm -f "$tmp" "$tmp.err"
    return 1
}

# Rows interleaved (pdec, then each peer variant, for one (path, d) at a time) so that a
# change of load on a shared machine hits both sides of a ratio alike.
: > "$OUT/pdec.jsonl"
: > "$OUT/pytorch.jsonl"
: > "$OUT/jax.jsonl"
IFS=, read -r -a DS <<< "$D"
IFS=, read -r -a PS <<< "$PATHS"
IFS=, read -r -a VS <<< "$VARIANTS"
IFS=, read -r -a JVS <<< "$JAX_VARIANTS"
declare -A gave_up=()
for p in "${PS[@]}"; do
    for d in "${DS[@]}"; do
        echo "== d $d $p (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        key="pdec/$p"
        common="\"d\": $d, \"path\": \"$p\", \"dtype\": \"$DTYPE\", \"batch\": $BATCH, \"width\": $WIDTH"
        if [ -n "${gave_up[$key]:-}" ]; then
            echo "   skipped $key: stopped at d ${gave_up[$key]}" >&2
        else
            row "$OUT/pdec.jsonl" "$common, \"impl\": \"pdec\"" \
                target/release/pdec bench --format json --d "$d" --path "$p" --dtype "$DTYPE" \
                --width "$WIDTH" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" \
                || gave_up[$key]=$d
        fi
        if [[ ,$IMPLS, == *,pytorch,* ]]; then
            for v in "${VS[@]}"; do
                key="pytorch/$v/$p"
                if [ -n "${gave_up[$key]:-}" ]; then
                    echo "   skipped $key: stopped at d ${gave_up[$key]}" >&2
                    continue
                fi
                row "$OUT/pytorch.jsonl" "$common, \"impl\": \"pytorch\", \"variant\": \"$v\"" \
                    "$PY" -W ignore bench/peer/dgm_step.py --d "$d" --path "$p" --variant "$v" \
                    --dtype "$DTYPE" --width "$WIDTH" --batch "$BATCH" --steps "$STEPS" \
                    --warmup "$WARMUP" --threads 2 || gave_up[$key]=$d
            done
        fi
        if [[ ,$IMPLS, == *,jax,* ]]; then
            if [ "$p" = exact ]; then jvs=("${JVS[@]}"); else jvs=(jit); fi
            for v in "${jvs[@]}"; do
                key="jax/$v/$p"
                if [ -n "${gave_up[$key]:-}" ]; then
                    echo "   skipped $key: stopped at d ${gave_up[$key]}" >&2
                    continue
                fi
                row "$OUT/jax.jsonl" "$common, \"impl\": \"jax\", \"variant\": \"$v\"" \
                    "$PY" -W ignore bench/peer/dgm_step_jax.py --d "$d" --path "$p" \
                    --variant "$v" --dtype "$DTYPE" --width "$WIDTH" --batch "$BATCH" \
                    --steps "$STEPS" --warmup "$WARMUP" --threads 2 || gave_up[$key]=$d
            done
        fi
    done
done

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo
echo "median of $STEPS timed steps after $WARMUP warm-up steps per row; $VERSIONS; commit $(git rev-parse --short HEAD)"
echo
"$PY" bench/peer/table.py "$OUT/pdec.jsonl" "$OUT/pytorch.jsonl" "$OUT/jax.jsonl"
