#!/usr/bin/env python3
"""Reads `pdec bench --format json` rows and the peers' rows (bench/peer/dgm_step.py,
bench/peer/dgm_step_jax.py; JSON lines, in any files given) and prints one markdown table per
path: per d, pdec's ms/step and peak memory, each peer variant's, and pdec's time over the
fastest peer's. A row that scripts/peer-bench.sh stopped (`"failed"`) shows why.

Usage: table.py PDEC.jsonl PEER.jsonl [PEER.jsonl ...]
"""

import json
import sys

NAMES = {"pytorch": "PyTorch", "jax": "JAX", "pdec": "pdec"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def column(r):
    impl = r.get("impl", "pdec")
    if impl == "pdec":
        return ("pdec", "")
    return (impl, r.get("variant", "autograd"))


def cell(r):
    if r is None:
        return "-", "-"
    if "failed" in r:
        return f"stopped ({r['failed'].split(':')[0]}, {r.get('seconds', '?')} s)", \
            f">{r['peak_seen_mb']}" if r.get("peak_seen_mb") else "-"
    mem = r.get("peak_mem_mb")
    return (f"{r['ms_per_step']:.1f} ({r['ms_min']:.1f}..{r['ms_max']:.1f})",
            f"{mem:.0f}" if mem else "-")


def main():
    rows = []
    for path in sys.argv[1:]:
        rows += load(path)
    key = lambda r: (r["path"], r["dtype"], r["width"], r["batch"], r["d"])  # noqa: E731
    by = {}
    for r in rows:
        by[(key(r), column(r))] = r
    groups = sorted({k[:4] for k, _ in by}, key=lambda g: (g[1], g[2], g[3], g[0] != "exact", g[0]))
    for g in groups:
        path, dtype, width, batch = g
        cols = sorted({c for k, c in by if k[:4] == g},
                      key=lambda c: (c[0] != "pdec", c[0], c[1]))
        head = ["d"]
        for c in cols:
            name = NAMES.get(c[0], c[0]) + (f" {c[1]}" if c[1] else "")
            head += [f"{name} ms/step (min..max)", f"{name} MB"]
        head.append("pdec / fastest peer")
        print(f"path `{path}`, {dtype}, width {width}, batch {batch}:")
        print()
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for d in sorted({k[4] for k, _ in by if k[:4] == g}):
            cells = [str(d)]
            for c in cols:
                cells += cell(by.get(((path, dtype, width, batch, d), c)))
            mine = by.get(((path, dtype, width, batch, d), ("pdec", "")))
            peers = [by.get(((path, dtype, width, batch, d), c)) for c in cols if c[0] != "pdec"]
            peers = [p for p in peers if p and "failed" not in p]
            if mine and "failed" not in mine and peers:
                best = min(peers, key=lambda p: p["ms_per_step"])
                cells.append(f"{mine['ms_per_step'] / best['ms_per_step']:.2f} "
                             f"({NAMES[best['impl']]} {best.get('variant', '')})")
            else:
                cells.append("-")
            print("| " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
