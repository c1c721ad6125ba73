"""DeepXDE on viscous Burgers (issue 4: time to accuracy against pdec).

The problem of `examples/burgers.pde`: `u_t + u u_x = (0.01/pi) u_xx` on [-1, 1] x [0, 1],
`u(0, x) = -sin(pi x)`, `u(t, +-1) = 0`, solved as DeepXDE's own Burgers example does it
(deepxde/examples/pinn_forward/Burgers.py: 2540 interior, 80 boundary and 160 initial points
drawn once, Adam at lr 1e-3, then L-BFGS), with pdec's network size (4 hidden tanh layers of
50, Glorot). Every `--every` iterations a callback records the wall time and the relative L2
error against the Cole-Hopf table `examples/burgers_reference.csv` (the 2211 points pdec's
`reference_rel_l2` column uses). Prints one JSON object per record, then a summary.

Run: DDE_BACKEND=pytorch python bench/peer/burgers_deepxde.py --seconds 900
(the venv of scripts/peer-bench.sh with `pip install deepxde`).
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("DDE_BACKEND", "pytorch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import deepxde as dde  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=900.0, help="wall-time budget")
    ap.add_argument("--adam", type=int, default=15000, help="Adam iterations before L-BFGS")
    ap.add_argument("--lbfgs", type=int, default=50000, help="L-BFGS iterations at most")
    ap.add_argument("--every", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reference", default="examples/burgers_reference.csv")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dde.config.set_random_seed(a.seed)
    ref = np.loadtxt(a.reference, delimiter=",", skiprows=1)
    x_ref = np.stack([ref[:, 1], ref[:, 0]], 1)  # DeepXDE's input order: (x, t)
    u_ref = ref[:, 2]

    nu = 0.01 / math.pi
    geom = dde.geometry.Interval(-1, 1)
    timedomain = dde.geometry.TimeDomain(0, 1)
    geomtime = dde.geometry.GeometryXTime(geom, timedomain)

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - nu * dy_xx

    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(
        geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial
    )
    data = dde.data.TimePDE(
        geomtime, pde, [bc, ic], num_domain=2540, num_boundary=80, num_initial=160
    )
    net = dde.nn.FNN([2] + [50] * 4 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)

    start = time.perf_counter()
    records = []

    class Record(dde.callbacks.Callback):
        def __init__(self, phase):
            super().__init__()
            self.phase = phase
            self.n = 0

        def on_epoch_end(self):
            self.n += 1
            it = self.model.train_state.step
            if it % a.every and self.phase == "adam":
                return
            u = self.model.predict(x_ref)[:, 0]
            rel = float(np.linalg.norm(u - u_ref) / np.linalg.norm(u_ref))
            row = {
                "phase": self.phase,
                "iteration": int(it),
                "wall_s": time.perf_counter() - start,
                "rel_l2": rel,
            }
            records.append(row)
            print(json.dumps(row), flush=True)
            if row["wall_s"] >= a.seconds:
                self.model.stop_training = True

    model.compile("adam", lr=1e-3)
    model.train(iterations=a.adam, callbacks=[Record("adam")], display_every=10**9, verbose=0)
    if time.perf_counter() - start < a.seconds:
        dde.optimizers.config.set_LBFGS_options(maxiter=a.lbfgs)
        # DeepXDE fixes L-BFGS's iterations per call (1000) at import: record every `every`.
        opts = dde.optimizers.config.LBFGS_options
        opts["iter_per_step"] = min(a.every, a.lbfgs)
        opts["fun_per_step"] = opts["maxfun"] * opts["iter_per_step"] // opts["maxiter"]
        model.compile("L-BFGS")
        model.train(callbacks=[Record("lbfgs")], display_every=10**9, verbose=0)
    best = min(records, key=lambda r: r["rel_l2"]) if records else None
    first = {}
    for thr in (1e-2, 5e-3, 2e-3, 1e-3):
        hit = next((r for r in records if r["rel_l2"] <= thr), None)
        first[str(thr)] = hit["wall_s"] if hit else None
    print(
        json.dumps(
            {
                "summary": True,
                "deepxde": dde.__version__,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "seconds": time.perf_counter() - start,
                "final_rel_l2": records[-1]["rel_l2"] if records else None,
                "best": best,
                "first_wall_s_at_or_below": first,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
