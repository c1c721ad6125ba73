#!/usr/bin/env python3
"""Where a trained run's error lies at one parameter point of a reference table.

Usage:
  scripts/reference-point-errors.py PDEC RUN REFERENCE.csv --at nu=0.01,alpha=1,a=1,b=-1
      [--band 0.45,0.65] [--late 0.8] [--probe 0.5] [--slice T]

Runs `PDEC eval RUN --points ...` on the table's rows at that point (columns `t`, `x`, the
parameters and `u`, as `pdec reference burgers-family` writes them) and prints: the relative
L2 error there (what `pdec solve` reports for the point), the share of the squared error with
`x` inside `--band` (a front) and with `t >= --late`, the relative error of the `t = 0` slice
(the initial condition), the network's value at `x = --probe` at each time of the table and,
with `--slice T`, the error along `x` at time `T` (at the ends and every 0.1).
Python 3 standard library only.
"""

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdec")
    ap.add_argument("run")
    ap.add_argument("reference")
    ap.add_argument("--at", required=True, help="the parameter point: name=value,...")
    ap.add_argument("--band", default="0.45,0.65", help="x range of the front: lo,hi")
    ap.add_argument("--late", type=float, default=0.8, help="the late times start here")
    ap.add_argument("--probe", type=float, default=0.5, help="x of the printed values")
    ap.add_argument("--slice", type=float, help="print the error along x at this time")
    args = ap.parse_args()

    at = {}
    for part in args.at.split(","):
        name, _, value = part.partition("=")
        at[name.strip()] = float(value)
    lo, hi = (float(v) for v in args.band.split(","))

    with open(args.reference, newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if all(math.isclose(float(r[k]), v, abs_tol=1e-12) for k, v in at.items())
        ]
    if not rows:
        sys.exit(f"no row of {args.reference} at {args.at}")
    inputs = [k for k in rows[0] if k != "u"]

    with tempfile.TemporaryDirectory() as tmp:
        points = os.path.join(tmp, "points.csv")
        values = os.path.join(tmp, "values.csv")
        with open(points, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(inputs)
            w.writerows([r[k] for k in inputs] for r in rows)
        subprocess.run(
            [args.pdec, "eval", args.run, "--points", points, "--output", values],
            check=True,
        )
        with open(values, newline="") as f:
            net = [float(r["u"]) for r in csv.DictReader(f)]

    sq = den = band = late = sq0 = den0 = 0.0
    probe = {}
    along = []
    marks = {0, 1, 2, 98, 99, 100} | set(range(0, 101, 10))
    for r, v in zip(rows, net):
        t, x, u = float(r["t"]), float(r["x"]), float(r["u"])
        d = (v - u) ** 2
        sq += d
        den += u * u
        if lo <= x <= hi:
            band += d
        if t >= args.late:
            late += d
        if t == 0:
            sq0 += d
            den0 += u * u
        if math.isclose(x, args.probe, abs_tol=1e-9):
            probe[t] = (v, u)
        if args.slice is not None and math.isclose(t, args.slice, abs_tol=1e-9):
            if math.isclose(x * 100, round(x * 100), abs_tol=1e-6) and round(x * 100) in marks:
                along.append((x, v - u))
    print(f"relative L2 error {math.sqrt(sq / max(den, 1e-300)):.4f} on {len(rows)} points")
    print(f"share of the squared error with {lo} <= x <= {hi}: {band / max(sq, 1e-300):.2f}")
    print(f"share with t >= {args.late}: {late / max(sq, 1e-300):.2f}")
    if den0 > 0:
        print(f"relative L2 error at t = 0: {math.sqrt(sq0 / den0):.4f}")
    for t in sorted(probe):
        v, u = probe[t]
        print(f"t = {t:g}, x = {args.probe:g}: network {v:+.4f}, reference {u:+.4f}")
    if along:
        print(f"error along x at t = {args.slice:g}:")
        print("  " + "  ".join(f"{x:g}: {e:+.4f}" for x, e in along))


if __name__ == "__main__":
    main()
