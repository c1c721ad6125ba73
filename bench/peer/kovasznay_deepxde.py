"""DeepXDE on its own Kovasznay example (issue 34: error and wall time beside pdec's).

The problem of `examples/kovasznay.pde`: steady incompressible Navier-Stokes at Re = 20 on
[-0.5, 1] x [-0.5, 1.5] with Kovasznay's closed form. Set up as DeepXDE's
`examples/pinn_forward/Kovasznay_flow.py` does it: 2,601 interior and 400 boundary points
drawn once, velocity Dirichlet data on the whole boundary and pressure data on the outflow
x = 1, a tanh network 4 x 50 with three outputs (Glorot normal), Adam at lr 1e-3 for 30,000
iterations, then DeepXDE's L-BFGS (its default options). Every `--every` iterations a
callback records the wall time and the relative L2 errors of u, v and p on 10,000 uniform
points (p as is, its constant fixed by the outflow data; also with the mean removed, as
pdec's gauged p is measured), so pdec's time to the same error can be read off.

Run: DDE_BACKEND=pytorch python bench/peer/kovasznay_deepxde.py --threads 1 --seed 0
(a venv with `pip install torch deepxde`).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("DDE_BACKEND", "pytorch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import deepxde as dde  # noqa: E402

RE = 20
NU = 1 / RE
LAM = 1 / (2 * NU) - np.sqrt(1 / (4 * NU**2) + 4 * np.pi**2)


def exact(x):
    """(u, v, p) of Kovasznay's flow at rows `(x, y)`."""
    e = np.exp(LAM * x[:, 0:1])
    u = 1 - e * np.cos(2 * np.pi * x[:, 1:2])
    v = LAM / (2 * np.pi) * e * np.sin(2 * np.pi * x[:, 1:2])
    p = 0.5 * (1 - np.exp(2 * LAM * x[:, 0:1]))
    return u, v, p


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=30000)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dde.config.set_random_seed(a.seed)

    def pde(x, y):
        u, v = y[:, 0:1], y[:, 1:2]
        u_x = dde.grad.jacobian(y, x, i=0, j=0)
        u_y = dde.grad.jacobian(y, x, i=0, j=1)
        v_x = dde.grad.jacobian(y, x, i=1, j=0)
        v_y = dde.grad.jacobian(y, x, i=1, j=1)
        p_x = dde.grad.jacobian(y, x, i=2, j=0)
        p_y = dde.grad.jacobian(y, x, i=2, j=1)
        u_xx = dde.grad.hessian(y, x, component=0, i=0, j=0)
        u_yy = dde.grad.hessian(y, x, component=0, i=1, j=1)
        v_xx = dde.grad.hessian(y, x, component=1, i=0, j=0)
        v_yy = dde.grad.hessian(y, x, component=1, i=1, j=1)
        return [
            u * u_x + v * u_y + p_x - NU * (u_xx + u_yy),
            u * v_x + v * v_y + p_y - NU * (v_xx + v_yy),
            u_x + v_y,
        ]

    domain = dde.geometry.Rectangle(xmin=[-0.5, -0.5], xmax=[1, 1.5])
    bcs = [
        dde.icbc.DirichletBC(domain, lambda x: exact(x)[0], lambda _, on: on, component=0),
        dde.icbc.DirichletBC(domain, lambda x: exact(x)[1], lambda _, on: on, component=1),
        dde.icbc.DirichletBC(
            domain,
            lambda x: exact(x)[2],
            lambda x, on: on and np.isclose(x[0], 1),
            component=2,
        ),
    ]
    data = dde.data.PDE(domain, pde, bcs, num_domain=2601, num_boundary=400, num_test=1000)
    model = dde.Model(data, dde.nn.FNN([2] + 4 * [50] + [3], "tanh", "Glorot normal"))

    rng = np.random.default_rng(12345)
    probe = np.stack([rng.uniform(-0.5, 1, 10000), rng.uniform(-0.5, 1.5, 10000)], 1)
    truth = exact(probe)
    start = time.perf_counter()
    records = []

    def errors():
        out = model.predict(probe)
        p = out[:, 2:3]
        return {
            "u": rel_l2(out[:, 0:1], truth[0]),
            "v": rel_l2(out[:, 1:2], truth[1]),
            "p": rel_l2(p, truth[2]),
            "p_mean_removed": rel_l2(p - p.mean(), truth[2] - truth[2].mean()),
        }

    def record(phase):
        row = {
            "phase": phase,
            "iteration": int(model.train_state.step),
            "wall_s": time.perf_counter() - start,
        }
        row.update(errors())
        records.append(row)
        print(json.dumps(row), flush=True)

    class Record(dde.callbacks.Callback):
        def __init__(self, phase):
            super().__init__()
            self.phase = phase

        def on_epoch_end(self):
            if self.model.train_state.step % a.every == 0:
                record(self.phase)

    model.compile("adam", lr=1e-3)
    model.train(iterations=a.iterations, callbacks=[Record("adam")], display_every=10**9, verbose=0)
    record("adam_end")
    model.compile("L-BFGS")
    model.train(callbacks=[Record("lbfgs")], display_every=10**9, verbose=0)
    record("lbfgs_end")
    print(
        json.dumps(
            {
                "summary": True,
                "deepxde": dde.__version__,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "seed": a.seed,
                "seconds": time.perf_counter() - start,
                "final": records[-1],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
