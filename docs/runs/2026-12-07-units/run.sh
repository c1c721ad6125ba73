#!/bin/bash
# Issue 40 part 1 (residual_scale): each problem in other units, 3 seeds, with and without.
# Run from the repository root: bash docs/runs/2026-12-07-units/run.sh OUTDIR
set -e
out=${1:-/tmp/units}
P=${PDEC:-target/release/pdec}
D=docs/runs/2026-12-07-units
for f in call_days poisson_mm poisson_unit; do
  for s in auto none; do
    $P solve $D/$f.pde --seeds 0,1,2 --threads 1 --quiet --no-plots --set residual_scale=$s --out $out/$f-$s > $out/$f-$s.log 2>&1
  done
done
