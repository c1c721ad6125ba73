#!/usr/bin/env bash
# Parametric Burgers family on the device machine, three jobs side by side for about T s:
#   gadam: the 110k-step network (docs/RESULTS.md) continued by Adam on the GPU at batch
#          16384 (8x the example's), its step count fitted to T by a speed probe
#   cpol : the same network polished by L-BFGS on 6 CPU threads, 32 fixed batches of 2048
#          points (65k points; the earlier polish had 16k), stopped by SIGINT at T
#   s2   : seed 2 of the example at 50,000 steps on 8 CPU threads, stopped by SIGINT at T
#          (its checkpoint comes back, to be resumed on the 2-core machine)
set -u
B=${B:-.devrun/pdec}
DEV=${DEV:-cuda}
T=${T:-450}
OUT=${OUT:-/tmp/devout}
R=/tmp/devres; rm -rf $R; mkdir -p $R $OUT /tmp/acc
cp .devrun/burgers_family.pde .devrun/burgers_family_reference.csv /tmp/acc/
if [ "$DEV" = cuda ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > $R/gpu.txt
  libdirs=$(find / -xdev \( -name 'libcublas.so.13*' -o -name 'libcurand.so.10*' -o -name 'libnvrtc.so.13*' -o -name 'libcudart.so.13*' -o -name 'libcublasLt.so.13*' -o -name 'libcuda.so.1' \) 2>/dev/null | grep -v stubs | xargs -r -n1 dirname | sort -u | tr '\n' ':')
  export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:-}"
  ldd $B | grep 'not found' >> $R/gpu.txt
fi
lscpu | grep -E 'Model name|^CPU\(s\)' >> $R/gpu.txt
date -u >> $R/gpu.txt
[ -x "$B" ] || xz -dk .devrun/pdec.xz
t0=$SECONDS
# The jobs on the CPU start first: they need no probe.
cp -r .devrun/f110k $R/cpol
timeout -s INT -k 60 $T $B solve --resume $R/cpol --device cpu --threads 6 --set "polish=lbfgs(steps=100000, batches=32)" --set log_every=1000 --no-plots > $R/cpol.log 2>&1 &
timeout -s INT -k 60 $T $B solve /tmp/acc/burgers_family.pde --device cpu --threads 8 --set seed=2 --set steps=50000 --set log_every=2000 --no-plots --out $R/s2 > $R/s2.log 2>&1 &
# The L-BFGS polish on the device (a smoke test: the polish never ran on a GPU before).
$B solve tests/problems/heat1d.pde --device $DEV --set steps=200 --set "polish=lbfgs(steps=20, batches=2)" --no-plots --out $R/smoke > $R/smoke.log 2>&1
echo "polish smoke on $DEV: rc $? at $((SECONDS - t0)) s" | tee -a $R/gpu.txt
# Speed probe: 60 steps of the family at batch 16384 on the device.
$B solve /tmp/acc/burgers_family.pde --device $DEV --threads 1 --set batch=16384 --set steps=60 --set log_every=20 --no-plots --quiet --out $R/probe > $R/probe.log 2>&1
# Seconds per 60 steps from loss.csv's rows at steps 20 and 60 (the first steps load kernels).
wall=$(python3 -c "
import csv; r={int(x['step']): float(x['wall_s']) for x in csv.DictReader(open('$R/probe/loss.csv'))}
k=max(r); print(60 * (r[k] - r[20]) / (k - 20))" 2>/dev/null || echo 0)
left=$((T - (SECONDS - t0) - 45))
n=$(python3 -c "w=float('$wall'); print(int($left / (w / 60)) if w > 0 else 0)")
echo "probe: 60 steps in $wall s; $left s left: $n more steps at $((SECONDS - t0)) s" | tee -a $R/gpu.txt
if [ "$n" -gt 100 ]; then
  cp -r .devrun/f110k $R/gadam
  timeout -s INT -k 60 $((T - (SECONDS - t0))) $B solve --resume $R/gadam --device $DEV --threads 1 --set batch=16384 --set steps=$((110000 + n)) --set log_every=500 --no-plots > $R/gadam.log 2>&1 &
fi
wait
echo "done at $((SECONDS - t0)) s" | tee -a $R/gpu.txt
for n in gadam cpol s2; do [ -d $R/$n ] || continue; [ $n = s2 ] || rm -f $R/$n/checkpoint.safetensors; echo "== $n"; tail -n 14 $R/$n.log; done
tail -n 5 $R/smoke.log
tar czf $OUT/results.tar.gz -C /tmp devres
