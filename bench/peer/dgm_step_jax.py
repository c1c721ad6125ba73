#!/usr/bin/env python3
"""JAX peer of `pdec bench` (issue 38): one jit-compiled DGM training step on the same problem.

The problem, network, points and loss are those of bench/peer/dgm_step.py (the PyTorch peer;
src/bench.rs): `du/dt = 0.5 lap(u)` on t in [0, 1], x in [-1, 1]^d, initial condition
`u(0, x) = |x|^2 / d`, 1024 (`--batch`) interior points and max(64, batch / 4) (capped at
batch) initial points per step, the DGM network (3 layers, width 50, Glorot-uniform weights,
zero biases, the parameters in the PyTorch peer's order), Adam (optax.adam, lr 1e-4, betas
0.9/0.999, eps 1e-8), one host read of the two term values per step. One step is one
`jax.jit`-compiled function: the points drawn (jax.random), both terms, the gradient, the
update.

Paths and variants (`--path`, `--variant`):

  exact / folx      the forward Laplacian (folx.forward_laplacian: value, gradient and
                    Laplacian over the d space inputs carried in one forward pass per point,
                    vmapped over the batch), du/dt by one jvp along t.
  exact / hvp       forward-over-reverse Hessian-vector products (jax.jvp of jax.grad) along
                    the d unit space directions, vmapped over directions and points.
  mc                pdec's default Monte Carlo difference of values (`mc_difference = values`):
                    two independent Rademacher draws w, w~ with entries +-sqrt(delta)
                    (delta 1e-3 in f32, 1e-6 in f64), v = sqrt(0.5) w, the base pass gives
                    u(x) and du/dt (one jvp), Q = (u(x + v) + u(x - v) - 2 u(x)) / delta,
                    A(w) = du/dt - Q(w), loss value mean(A(w) A(w~)), gradient
                    2 mean(stop_gradient(A(w)) grad A(w~)).
  mc_gradients      the PyTorch peer's `mc` (pdec's `mc_difference = gradients`): the same
                    with Q = (grad u(x + v).v - grad u(x - v).v) / (2 delta), the
                    directional derivatives by jax.jvp.

The path names are `pdec bench --path`'s, so that rows of the same problem share a key.

Prints one JSON object per case with the keys of `pdec bench --format json` plus
"impl": "jax", "variant", "jax" (its version), "threads" (the CPUs the process may use: XLA's
CPU client takes them all; `--threads N` narrows the affinity mask before JAX starts),
"compile_ms" (the first step, tracing and compiling included) and "peak_mem_steps_mb" (the
peak resident set of the timed steps alone). "peak_mem_mb" is the peak resident set of the
row from before the network is made, as the PyTorch peer and `pdec bench` measure it
(/proc/self/status VmHWM after a reset through /proc/self/clear_refs); for JAX it includes
XLA's compilation.

`--check` compares, in f64 on the same weights and points, each JAX residual with the
PyTorch peer's (dgm_step.py imported), and the parameter gradient of the exact loss.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def glorot(rng, out, inp):
    a = math.sqrt(6.0 / (out + inp))
    return rng.uniform(-a, a, size=(out, inp))


def init_params(np, n_in, width, layers, seed):
    """The PyTorch peer's parameter list and order: in (W, b), then per layer the four U
    gates (W, b) and the four W gates (W), then out (W, b); float64 numpy arrays."""
    rng = np.random.default_rng(seed)
    ps = [glorot(rng, width, n_in), np.zeros(width)]
    for _ in range(layers):
        for _g in range(4):
            ps += [glorot(rng, width, n_in), np.zeros(width)]
        for _g in range(4):
            ps.append(glorot(rng, width, width))
    ps += [glorot(rng, 1, width), np.zeros(1)]
    return ps


class Peer:
    """The network, the residuals and the step for one (d, dtype, batch, width, layers)."""

    def __init__(self, jax, jnp, d, batch, width, layers, f64):
        self.jax, self.jnp = jax, jnp
        self.d, self.D = d, d + 1
        self.batch = batch
        self.small = min(max(batch // 4, 64), batch)
        self.width, self.layers = width, layers
        self.dtype = jnp.float64 if f64 else jnp.float32
        self.delta = 1e-6 if f64 else 1e-3
        # Inputs rescaled to [-1, 1] inside the network: t in [0, 1] -> 2t - 1, x unchanged.
        self.scale = jnp.array([2.0] + [1.0] * d, dtype=self.dtype)
        self.shift = jnp.array([-1.0] + [0.0] * d, dtype=self.dtype)

    # ---- the network ------------------------------------------------------------------

    def net(self, ps, x):
        """Raw inputs [N, D] -> u [N]."""
        jnp = self.jnp
        z = x * self.scale + self.shift
        s = jnp.tanh(z @ ps[0].T + ps[1])
        k = 2
        for _ in range(self.layers):
            u = [(ps[k + 2 * g], ps[k + 2 * g + 1]) for g in range(4)]
            w = ps[k + 8:k + 12]
            k += 12
            zg = jnp.tanh(z @ u[0][0].T + u[0][1] + s @ w[0].T)
            gg = jnp.tanh(z @ u[1][0].T + u[1][1] + s @ w[1].T)
            rg = jnp.tanh(z @ u[2][0].T + u[2][1] + s @ w[2].T)
            hg = jnp.tanh(z @ u[3][0].T + u[3][1] + (s * rg) @ w[3].T)
            s = (1 - gg) * hg + zg * s
        return (s @ ps[k].T + ps[k + 1])[:, 0]

    def u_point(self, ps, x):
        """One point [D] -> u."""
        return self.net(ps, x[None, :])[0]

    def value_and_ut(self, ps, x):
        """u and du/dt at the points: one forward pass with one tangent."""
        jnp = self.jnp
        et = jnp.zeros_like(x).at[:, 0].set(1.0)
        return self.jax.jvp(lambda y: self.net(ps, y), (x,), (et,))

    # ---- residuals ------------------------------------------------------------------------

    def residual_folx(self, ps, x):
        from folx import forward_laplacian

        jax, jnp = self.jax, self.jnp
        _, ut = self.value_and_ut(ps, x)

        def lap_one(t, xs):
            f = lambda y: self.u_point(ps, jnp.concatenate([t[None], y]))  # noqa: E731
            return forward_laplacian(f)(xs).laplacian

        lap = jax.vmap(lap_one)(x[:, 0], x[:, 1:])
        return ut - 0.5 * lap

    def residual_hvp(self, ps, x):
        jax, jnp = self.jax, self.jnp
        grad_u = jax.grad(lambda y: self.u_point(ps, y))
        eye = jnp.eye(self.D, dtype=x.dtype)[1:]  # [d, D]: the space unit directions

        def one(xp):
            hv = jax.vmap(lambda e: jax.jvp(grad_u, (xp,), (e,))[1])(eye)  # [d, D]
            lap = jnp.trace(hv[:, 1:])
            return grad_u(xp)[0], lap

        ut, lap = jax.vmap(one)(x)
        return ut - 0.5 * lap

    def directions(self, key, n):
        """Two independent Rademacher draws, v = sqrt(0.5) w, w = +-sqrt(delta): [2, N, D]."""
        jax, jnp = self.jax, self.jnp
        sd = math.sqrt(self.delta) * math.sqrt(0.5)
        signs = jax.random.rademacher(key, (2, n, self.d), dtype=self.dtype)
        return jnp.concatenate([jnp.zeros((2, n, 1), self.dtype), signs * sd], axis=2)

    def residuals_mc_values(self, ps, x, v):
        """A(w), A(w~): the difference of values, the first factor without a gradient."""
        jax, jnp = self.jax, self.jnp
        u0, ut = self.value_and_ut(ps, x)
        out = []
        for k in range(2):
            pk = ps if k == 1 else [jax.lax.stop_gradient(p) for p in ps]
            both = self.net(pk, jnp.concatenate([x + v[k], x - v[k]], 0))
            n = x.shape[0]
            q = (both[:n] + both[n:] - 2 * u0) / self.delta
            out.append(ut - q)
        return out

    def residuals_mc_gradients(self, ps, x, v):
        """A(w), A(w~): the difference of directional derivatives (jvp along v)."""
        jax, jnp = self.jax, self.jnp
        _, ut = self.value_and_ut(ps, x)
        out = []
        n = x.shape[0]
        for k in range(2):
            pk = ps if k == 1 else [jax.lax.stop_gradient(p) for p in ps]
            pts = jnp.concatenate([x + v[k], x - v[k]], 0)
            vv = jnp.concatenate([v[k], v[k]], 0)
            _, j = jax.jvp(lambda y: self.net(pk, y), (pts,), (vv,))
            out.append(ut - (j[:n] - j[n:]) / (2 * self.delta))
        return out

    def pde_loss(self, ps, x, path, variant, key):
        jnp, sg = self.jnp, self.jax.lax.stop_gradient
        if path == "exact":
            r = (self.residual_folx if variant == "folx" else self.residual_hvp)(ps, x)
            return jnp.mean(r * r)
        v = self.directions(key, x.shape[0])
        fn = self.residuals_mc_values if path == "mc" else self.residuals_mc_gradients
        a, b = fn(ps, x, v)
        prod = sg(a) * b
        # value mean(a b); gradient 2 mean(a grad b), as pdec's `sq`.
        return jnp.mean(2 * prod - sg(prod))

    def initial_loss(self, ps, x_init):
        jnp = self.jnp
        g = jnp.sum(x_init[:, 1:] ** 2, axis=1) / self.d
        return jnp.mean((self.net(ps, x_init) - g) ** 2)

    def sample(self, key):
        jax, jnp = self.jax, self.jnp
        n, m, d, dt = self.batch, self.small, self.d, self.dtype
        k1, k2, k3 = jax.random.split(key, 3)
        t = jax.random.uniform(k1, (n, 1), dt)
        x = jax.random.uniform(k2, (n, d), dt, -1.0, 1.0)
        xi = jax.random.uniform(k3, (m, d), dt, -1.0, 1.0)
        return jnp.concatenate([t, x], 1), jnp.concatenate([jnp.zeros((m, 1), dt), xi], 1)

    def make_step(self, path, variant, opt):
        jax, jnp = self.jax, self.jnp
        import optax

        def loss(ps, key):
            kp, kn = jax.random.split(key)
            x_int, x_init = self.sample(kp)
            lp = self.pde_loss(ps, x_int, path, variant, kn)
            li = self.initial_loss(ps, x_init)
            return lp + li, jnp.stack([lp, li])

        @jax.jit
        def step(ps, state, key):
            (_, values), g = jax.value_and_grad(loss, has_aux=True)(ps, key)
            updates, state = opt.update(g, state, ps)
            return optax.apply_updates(ps, updates), state, values

        return step


# ---- timing ------------------------------------------------------------------------------

def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_case(jax, d, path, variant, dtype_name, batch, width, layers, steps, warmup, seed):
    import numpy as np
    import optax

    jnp = jax.numpy
    peer = Peer(jax, jnp, d, batch, width, layers, dtype_name == "f64")
    reset_peak_rss()
    ps = [jnp.asarray(p, dtype=peer.dtype) for p in init_params(np, peer.D, width, layers, seed)]
    opt = optax.adam(1e-4, b1=0.9, b2=0.999, eps=1e-8)
    state = opt.init(ps)
    step = peer.make_step(path, variant, opt)
    key = jax.random.PRNGKey(seed)
    times, compile_ms, peak_warmup = [], None, None
    for i in range(warmup + steps):
        if i == warmup:
            peak_warmup = peak_rss_mb()
            reset_peak_rss()
        t0 = time.perf_counter()
        key, sub = jax.random.split(key)
        ps, state, values = step(ps, state, sub)
        values = np.asarray(values).tolist()
        if not all(math.isfinite(v) for v in values):
            raise RuntimeError(f"loss became non-finite at step {i}: {values}")
        ms = (time.perf_counter() - t0) * 1e3
        if i == 0:
            compile_ms = ms
        if i >= warmup:
            times.append(ms)
    peak_steps = peak_rss_mb()
    times.sort()
    return {
        "d": d,
        "path": path,
        "dtype": dtype_name,
        "batch": batch,
        "width": width,
        "layers": layers,
        "device": "cpu",
        "ms_per_step": statistics.median(times),
        "ms_min": times[0],
        "ms_max": times[-1],
        "peak_mem_mb": max(p for p in (peak_warmup, peak_steps, 0.0) if p is not None) or None,
        "peak_mem_steps_mb": peak_steps,
        "compile_ms": compile_ms,
        "steps": steps,
        "impl": "jax",
        "variant": variant,
        "jax": jax.__version__,
        "threads": len(os.sched_getaffinity(0)),
        "loss": values,
    }


# ---- cross-check against the PyTorch peer -------------------------------------------------

def check(jax, d, seed=0):
    """f64, the PyTorch peer's weights and points: each JAX residual against the PyTorch
    peer's, the exact variants against each other, and the exact loss's parameter gradient."""
    import numpy as np
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dgm_step as tp

    jnp = jax.numpy
    prob = tp.Problem(d, 8, torch.float64)
    gen = torch.Generator().manual_seed(seed)
    tnet = tp.DGM(prob.D, 16, 2, prob.lo, prob.hi, gen).to(torch.float64)
    x, _ = prob.sample(gen)
    peer = Peer(jax, jnp, d, 8, 16, 2, True)
    ps = [jnp.asarray(p.detach().numpy()) for p in tnet.parameters()]
    xj = jnp.asarray(x.numpy())
    out = {"d": d}
    r_torch = tp.residual_exact_autograd(tnet, prob, x.clone()).detach().numpy()
    r_folx = np.asarray(peer.residual_folx(ps, xj))
    r_hvp = np.asarray(peer.residual_hvp(ps, xj))
    out["exact_scale"] = float(np.abs(r_torch).max())
    out["folx_vs_pytorch"] = float(np.abs(r_folx - r_torch).max())
    out["hvp_vs_pytorch"] = float(np.abs(r_hvp - r_torch).max())
    out["folx_vs_hvp"] = float(np.abs(r_folx - r_hvp).max())
    # The exact loss's gradient: PyTorch's backward through double autograd against JAX's.
    tnet.zero_grad()
    r = tp.residual_exact_autograd(tnet, prob, x.clone())
    (r * r).mean().backward()
    # (None for the output bias: a constant does not enter the residual.)
    g_torch = [p.grad.numpy() if p.grad is not None else np.zeros(tuple(p.shape))
               for p in tnet.parameters()]
    g_jax = jax.grad(lambda q: peer.pde_loss(q, xj, "exact", "folx", None))(ps)
    out["exact_loss_grad_vs_pytorch"] = max(
        float(np.abs(np.asarray(a) - b).max()) for a, b in zip(g_jax, g_torch))
    out["exact_loss_grad_scale"] = max(float(np.abs(b).max()) for b in g_torch)
    # Monte Carlo on the PyTorch peer's directions (its generator, seeded alike).
    prob.delta = 1e-4
    peer.delta = 1e-4
    g2 = torch.Generator().manual_seed(7)
    a_torch = tp.residual_mc_autograd(tnet, prob, x.clone(), g2)
    g2 = torch.Generator().manual_seed(7)
    v = tp.mc_directions(prob, x.shape[0], g2)
    vj = jnp.asarray(v.numpy())
    a_jax = peer.residuals_mc_gradients(ps, xj, vj)
    out["mc_gradients_vs_pytorch"] = max(
        float(np.abs(np.asarray(p) - q.detach().numpy()).max()) for p, q in zip(a_jax, a_torch))
    # The difference of values: the PyTorch peer's network at the same points and directions.
    with torch.no_grad():
        u0 = tnet(x)
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(tnet(xg).sum(), xg)
    ut = g[:, 0]
    with torch.no_grad():
        a_vals = [(ut - (tnet(x + v[k]) + tnet(x - v[k]) - 2 * u0) / prob.delta).numpy()
                  for k in range(2)]
    b_jax = peer.residuals_mc_values(ps, xj, vj)
    out["mc_values_vs_pytorch"] = max(
        float(np.abs(np.asarray(p) - q).max()) for p, q in zip(b_jax, a_vals))
    out["mc_scale"] = max(float(np.abs(q).max()) for q in a_vals)
    return out


def csv_list(kind):
    return lambda s: [kind(v) for v in s.split(",") if v]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--d", type=csv_list(int), default=[1, 10, 100, 200])
    p.add_argument("--path", type=csv_list(str), default=["exact", "mc", "mc_gradients"])
    p.add_argument("--variant", type=csv_list(str), default=["folx", "hvp"],
                   help="exact path: folx (forward Laplacian) and/or hvp (Hessian-vector "
                        "products); the Monte Carlo paths have one variant, jit")
    p.add_argument("--dtype", type=csv_list(str), default=["f32"])
    p.add_argument("--width", type=csv_list(int), default=[50])
    p.add_argument("--batch", type=csv_list(int), default=[1024])
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0,
                   help="narrow the CPU affinity mask to this many CPUs (0: leave it)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", action="store_true",
                   help="cross-check against the PyTorch peer (f64) instead")
    a = p.parse_args()
    if a.threads > 0:
        cpus = sorted(os.sched_getaffinity(0))[:a.threads]
        os.sched_setaffinity(0, cpus)
    if a.check or "f64" in a.dtype:
        os.environ.setdefault("JAX_ENABLE_X64", "1")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    if a.check:
        for d in a.d:
            print(json.dumps(check(jax, d)), flush=True)
        return 0
    failed = False
    for width in a.width:
        for dt in a.dtype:
            for path in a.path:
                variants = a.variant if path == "exact" else ["jit"]
                for variant in variants:
                    for batch in a.batch:
                        for d in a.d:
                            try:
                                row = run_case(jax, d, path, variant, dt, batch, width,
                                               a.layers, a.steps, a.warmup, a.seed)
                                print(json.dumps(row), flush=True)
                            except Exception as e:  # noqa: BLE001 (report and go on)
                                failed = True
                                print(f"error: d {d} {path} {variant} {dt} width {width}: "
                                      f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
