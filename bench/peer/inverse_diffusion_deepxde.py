"""DeepXDE on its own diffusion inverse example (issue 35: identified value and wall time).

The problem of `examples/inverse_diffusion.pde`: `u_t = C u_xx - exp(-t) (sin(pi x) - pi^2
sin(pi x))` on [-1, 1] x [0, 1], `u = exp(-t) sin(pi x)` when `C = 1`, Dirichlet data on
both faces, the initial data, and ten values of `u` at `t = 1`, `x = linspace(-1, 1, 10)`;
`C` trained from 2. Set up as DeepXDE's `examples/pinn_inverse/diffusion_1d_inverse.py`
does it: 40 interior, 20 boundary and 10 initial points drawn once (the observation points
added as anchors), a tanh network 3 x 32 (Glorot uniform), Adam at lr 1e-3 for 50,000
iterations, `C` an external trainable variable. Every `--every` iterations a callback
records the wall time and `C`; the summary gives the first wall time after which `C` stays
within 0.5% (and 1%) of 1 at every later record, and the final value.

Run: DDE_BACKEND=pytorch python bench/peer/inverse_diffusion_deepxde.py --threads 2
(a venv with `pip install torch deepxde`).
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


def exact(x):
    """`exp(-t) sin(pi x)` at rows `(x, t)` (DeepXDE's input order)."""
    return np.sin(np.pi * x[:, 0:1]) * np.exp(-x[:, 1:2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=50000)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dde.config.set_random_seed(a.seed)
    c = dde.Variable(2.0)

    def pde(x, y):
        u_t = dde.grad.jacobian(y, x, i=0, j=1)
        u_xx = dde.grad.hessian(y, x, i=0, j=0)
        s = torch.sin(math.pi * x[:, 0:1])
        return u_t - c * u_xx + torch.exp(-x[:, 1:2]) * (s - math.pi**2 * s)

    geomtime = dde.geometry.GeometryXTime(
        dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1)
    )
    faces = dde.icbc.DirichletBC(geomtime, exact, lambda _, on: on)
    initial = dde.icbc.IC(geomtime, exact, lambda _, on: on)
    seen = np.stack([np.linspace(-1, 1, 10), np.ones(10)], 1)
    observed = dde.icbc.PointSetBC(seen, exact(seen), component=0)
    data = dde.data.TimePDE(
        geomtime,
        pde,
        [faces, initial, observed],
        num_domain=40,
        num_boundary=20,
        num_initial=10,
        anchors=seen,
        solution=exact,
        num_test=10000,
    )
    model = dde.Model(data, dde.nn.FNN([2] + [32] * 3 + [1], "tanh", "Glorot uniform"))

    start = time.perf_counter()
    records = []

    class Record(dde.callbacks.Callback):
        def on_epoch_end(self):
            it = self.model.train_state.step
            if it % a.every:
                return
            row = {
                "iteration": int(it),
                "wall_s": time.perf_counter() - start,
                "C": float(c.detach().cpu().numpy()),
            }
            records.append(row)
            print(json.dumps(row), flush=True)

    model.compile("adam", lr=1e-3, external_trainable_variables=c)
    model.train(iterations=a.iterations, callbacks=[Record()], display_every=10**9, verbose=0)
    seconds = time.perf_counter() - start

    def settled(tol):
        """The first record after which every record is within `tol` of 1."""
        hit = None
        for r in records:
            if abs(r["C"] - 1.0) <= tol:
                hit = hit or r
            else:
                hit = None
        return hit

    print(
        json.dumps(
            {
                "summary": True,
                "deepxde": dde.__version__,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "seed": a.seed,
                "seconds": seconds,
                "final_C": float(c.detach().cpu().numpy()),
                "settled_within_0.5%": settled(5e-3),
                "settled_within_1%": settled(1e-2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
