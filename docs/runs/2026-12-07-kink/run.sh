#!/bin/bash
# Three seeds of each problem with kink_ansatz none and auto; price error of the report and
# rel-L2 per seed. Run from the repository root after `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")"
for f in put.pde call2.pde ../../../examples/black_scholes.pde; do
  for k in none auto; do
    out=$(mktemp -d)
    ../../../target/release/pdec solve "$f" --seeds 0,1,2 --threads 1 --quiet --out "$out/run" --set kink_ansatz=$k > /dev/null
    python3 - "$out/run" "$f" "$k" <<'PY'
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + '/seed-*/summary.json')):
    s = json.load(open(path))
    r = s['reports'][0]
    print(sys.argv[2], sys.argv[3], path.split('/')[-2],
          '%+.3f%%' % ((r['value'] / r['exact'] - 1) * 100), 'rel-L2 %.2e' % s['metrics']['rel_l2'])
PY
    rm -rf "$out"
  done
done
