#!/usr/bin/env bash
# The formulations benchmark (issue 38, item 4: no formulation falls off the fast path).
#
# Each problem in bench/formulations/ writes a term as a new user would; drift_linear.pde is
# the reference with the same kind of work on the fast path (one directional derivative for
# the drift). Trains each for FORM_STEPS steps (`pdec solve`, its defaults), rounds
# interleaved, and prints ms per step (steps after the first, from loss.csv's wall_s),
# the base pass's tangent directions (`pdec explain`), and the time over the reference's.
# Goal: every formulation within 1.5x of the reference.
#
# Settings (environment):
#   FORM_STEPS       steps per run                       (default 20)
#   FORM_ROUNDS      rounds over all files, interleaved  (default 2)
#   FORM_SET         one extra `--set` for every run, e.g. second_order=exact (default none)
#   FORM_SKIP_BUILD=1  use the existing binary
#   FORM_PDEC        the binary                          (default target/release/pdec)
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=${FORM_STEPS:-20}
ROUNDS=${FORM_ROUNDS:-2}
EXTRA=()
[ -n "${FORM_SET:-}" ] && EXTRA=(--set "$FORM_SET")
[ "${FORM_SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet
PDEC=${FORM_PDEC:-target/release/pdec}
REF=bench/formulations/drift_linear.pde
FILES=("$REF")
for f in bench/formulations/*.pde; do
    [ "$f" = "$REF" ] || FILES+=("$f")
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ms per step of one run: the wall time from the first logged step to the last, per step.
ms_per_step() {
    rm -rf "$TMP/run"
    "$PDEC" solve "$1" --quiet --no-plots --no-tensorboard --set steps="$STEPS" \
        --set log_every=1 "${EXTRA[@]}" --out "$TMP/run" > /dev/null
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i; next }
             NR == 2 { s0 = $1; w0 = $w } { s1 = $1; w1 = $w }
             END { printf "%.1f", 1000 * (w1 - w0) / (s1 - s0) }' "$TMP/run/loss.csv"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== commit $(git rev-parse --short HEAD), $STEPS steps per run, $ROUNDS rounds ${FORM_SET:+, --set $FORM_SET}" >&2
declare -A times=()
for r in $(seq "$ROUNDS"); do
    for f in "${FILES[@]}"; do
        t=$(ms_per_step "$f")
        echo "   round $r $f: $t ms/step (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        times[$f]="${times[$f]:-} $t"
    done
done

echo "| formulation | ms/step (each round) | tangents per point | median / reference |"
echo "|---|---|---|---|"
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ref_median=$(echo "${times[$REF]}" | median)
for f in "${FILES[@]}"; do
    m=$(echo "${times[$f]}" | median)
    tangents=$("$PDEC" explain "$f" "${EXTRA[@]}" 2>/dev/null | grep -m1 -o '[0-9]* tangent direction' || echo "?")
    echo "| $(basename "$f" .pde) |${times[$f]} | ${tangents% tangent direction} | $(awk -v a="$m" -v b="$ref_median" 'BEGIN { printf "%.2f", a / b }') |"
done
