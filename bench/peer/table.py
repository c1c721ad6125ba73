#!/usr/bin/env python3
"""Reads `pdec bench --format json` rows and bench/peer/dgm_step.py rows (JSON lines, in any
files given) and prints a markdown table: pdec ms/step, PyTorch ms/step per variant, the time
ratio pdec / PyTorch, and pdec's Monte Carlo speed-up over its exact path.

Usage: table.py PDEC.jsonl PYTORCH.jsonl
"""

import json
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def main():
    pdec = load(sys.argv[1])
    peer = load(sys.argv[2])
    variants = sorted({r.get("variant", "autograd") for r in peer})
    key = lambda r: (r["d"], r["path"], r["dtype"], r["batch"], r["width"])  # noqa: E731
    mine = {key(r): r for r in pdec}
    theirs = {(key(r), r.get("variant", "autograd")): r for r in peer}
    keys = sorted(set(mine) | {k for k, _ in theirs}, key=lambda k: (k[2], k[4], k[1], k[0], k[3]))
    head = ["d", "path", "dtype", "batch", "width", "pdec ms/step (min..max)"]
    for v in variants:
        head += [f"PyTorch {v} ms/step (min..max)", f"pdec / PyTorch {v}"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    fmt = lambda r: f"{r['ms_per_step']:.1f} ({r['ms_min']:.1f}..{r['ms_max']:.1f})" if r else "-"  # noqa: E731
    for k in keys:
        m = mine.get(k)
        cells = [str(k[0]), k[1], k[2], str(k[3]), str(k[4]), fmt(m)]
        for v in variants:
            t = theirs.get((k, v))
            cells.append(fmt(t))
            cells.append(f"{m['ms_per_step'] / t['ms_per_step']:.2f}" if m and t else "-")
        print("| " + " | ".join(cells) + " |")
    print()
    for (d, path, dtype, batch, width), ex in sorted(mine.items()):
        if path != "exact":
            continue
        mc = mine.get((d, "mc", dtype, batch, width))
        if mc:
            line = (f"d = {d} {dtype} width {width} batch {batch}: pdec Monte Carlo "
                    f"{ex['ms_per_step'] / mc['ms_per_step']:.1f}x faster than pdec exact")
            for v in variants:
                te, tm = theirs.get(((d, "exact", dtype, batch, width), v)), theirs.get(((d, "mc", dtype, batch, width), v))
                if te and tm:
                    line += f"; PyTorch {v}: {te['ms_per_step'] / tm['ms_per_step']:.1f}x"
            print(line)


if __name__ == "__main__":
    main()
