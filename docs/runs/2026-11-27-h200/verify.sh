#!/usr/bin/env bash
# The family on the GPU after the fix of solution_at's device: three 60-step probes
# (reference table evaluated at steps 0, 20, 40, 59 and at the end), ms per step from loss.csv.
set -u
B=.devrun/pdec
[ -x "$B" ] || xz -dk .devrun/pdec.xz
OUT=${OUT:-/tmp/devout}
R=/tmp/devres2; rm -rf $R; mkdir -p $R $OUT /tmp/acc
cp .devrun/burgers_family.pde .devrun/burgers_family_reference.csv /tmp/acc/
libdirs=$(find / -xdev \( -name 'libcublas.so.13*' -o -name 'libcurand.so.10*' -o -name 'libnvrtc.so.13*' -o -name 'libcudart.so.13*' -o -name 'libcublasLt.so.13*' -o -name 'libcuda.so.1' \) 2>/dev/null | grep -v stubs | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
for cfg in "w50_b2048 50 2048" "w50_b16384 50 16384" "w128_b16384 128 16384"; do
  read -r name w b <<< "$cfg"
  t0=$SECONDS
  $B solve /tmp/acc/burgers_family.pde --device cuda --set "net=dgm(layers = 3, width = $w)" --set batch=$b --set steps=60 --set log_every=20 --no-plots --out $R/$name > $R/$name.log 2>&1
  rc=$?
  ms=$(python3 -c "
import csv; r={int(x['step']): float(x['wall_s']) for x in csv.DictReader(open('$R/$name/loss.csv'))}
k=max(r); print(round(1000 * (r[k] - r[20]) / (k - 20), 1))" 2>/dev/null)
  echo "$name: rc $rc, $ms ms/step (steps 20..59, reference table at 40), $((SECONDS - t0)) s in all" | tee -a $R/gpu.txt
  tail -n 3 $R/$name.log
done
tar czf $OUT/results2.tar.gz -C /tmp devres2
