#!/usr/bin/env python3
"""PyTorch peer of `pdec bench` (issue 4): one DGM training step on the same problem.

The problem (src/bench.rs): `du/dt = 0.5 lap(u)` on t in [0, 1], x in [-1, 1]^d, initial
condition `u(0, x) = |x|^2 / d`, no boundary data. One step:

  * draws 1024 (`--batch`) interior points (t ~ U[0, 1], x ~ U[-1, 1]^d) and
    max(64, batch / 4) (capped at batch) initial points (t = 0, x ~ U[-1, 1]^d), as pdec's
    plan does for its other terms;
  * the DGM network of src/nn/mod.rs: inputs (t, x) rescaled to [-1, 1] inside the network
    (z = 2t - 1, x unchanged), S1 = tanh(W1 z + b1), then per layer
    Z, G, R = tanh(U z + b + W S), H = tanh(Uh z + bh + Wh (S * R)),
    S <- (1 - G) * H + Z * S, output W S + b; Glorot-uniform weights, zero biases, the W gate
    matrices without bias, 3 layers, width 50 by default;
  * the PDE residual A = du/dt - 0.5 lap(u) and the initial term mean((u(0, x) - |x|^2/d)^2),
    weights 1, Adam (lr 1e-4, betas 0.9/0.999, eps 1e-8), one host read of the two term values
    per step (pdec reads them to check for NaN), backward, update.

Second-order paths:

  exact / autograd  du/dt and grad u by one `torch.autograd.grad(..., create_graph=True)`;
                    the Laplacian by one more `autograd.grad` per space dimension (double
                    autograd, the standard PINN way): d backward passes.
  exact / func      torch.func: forward-over-reverse Hessian-vector products along the d unit
                    space directions, batched with vmap (one pass with d x N rows).
  mc / autograd     pdec's estimator (crates/pdec-solve/src/train/residual.rs, docs/METHOD.md section 4): two independent
                    Rademacher draws w, w~ with entries +-sqrt(delta) (delta = 1e-3 in f32,
                    1e-6 in f64 as pdec's defaults), v = sqrt(0.5) w (the factor of
                    `0.5 lap`), all four point sets [x + v, x - v, x + v~, x - v~] in one
                    network pass, first derivatives along v by reverse autograd
                    (create_graph), Q = (grad u(x+v).v - grad u(x-v).v) / (2 delta),
                    A(w) = du/dt - Q(w), loss value mean(A(w) A(w~)) with gradient
                    2 mean(detach(A(w)) grad A(w~)).
  mc / func         the same with forward-mode JVPs (torch.func.jvp) for du/dt and the four
                    directional derivatives.

`--path mc_gradients` is this estimator under `pdec bench`'s name for it (`mc_difference =
gradients`); rows print the path as asked. Rows before run 6 of docs/RESULTS.md name it `mc`;
since then `--path mc` is pdec's default difference of values (`mc_difference = values`),
`Q = (u(x + v) + u(x - v) - 2 u(x)) / delta` with u(x) and du/dt from the base pass
(autograd: reverse mode; func: one jvp), the shifted points by plain forward passes, the
first factor's without a graph.

Prints one JSON object per case, with the keys of `pdec bench --format json` plus
"impl": "pytorch", "variant", "torch" and "threads".
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn


def glorot_(w: torch.Tensor, gen: torch.Generator) -> None:
    out, inp = w.shape
    a = math.sqrt(6.0 / (out + inp))
    with torch.no_grad():
        w.copy_(torch.rand(w.shape, generator=gen, dtype=torch.float64).mul_(2 * a).sub_(a))


class Dense(nn.Module):
    """`z W^T + b` with pdec's layout: weight [out, in]."""

    def __init__(self, out, inp, bias, gen):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out, inp, dtype=torch.float64))
        glorot_(self.weight, gen)
        self.bias = nn.Parameter(torch.zeros(out, dtype=torch.float64)) if bias else None

    def forward(self, z):
        return torch.nn.functional.linear(z, self.weight, self.bias)


class DGM(nn.Module):
    def __init__(self, n_in, width, layers, lo, hi, gen):
        super().__init__()
        # Same parameter order as pdec's Net::new: in, then per layer for g in z, g, r, h:
        # U_g (weight, bias), W_g (weight); then out.
        self.inp = Dense(width, n_in, True, gen)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            m = nn.Module()
            m.u = nn.ModuleList()
            m.w = nn.ModuleList()
            for _g in range(4):
                m.u.append(Dense(width, n_in, True, gen))
                m.w.append(Dense(width, width, False, gen))
            self.layers.append(m)
        self.out = Dense(1, width, True, gen)
        half = [(h - l) / 2 for l, h in zip(lo, hi)]
        self.register_buffer("scale", torch.tensor([1 / h for h in half], dtype=torch.float64))
        self.register_buffer(
            "shift", torch.tensor([-(l + h) / 2 / hf for l, h, hf in zip(lo, hi, half)], dtype=torch.float64)
        )

    def forward(self, x):
        """Raw inputs [N, D] -> u [N]."""
        z = x * self.scale + self.shift
        s = torch.tanh(self.inp(z))
        for m in self.layers:
            uz, ug, ur, uh = m.u
            wz, wg, wr, wh = m.w
            zg = torch.tanh(uz(z) + wz(s))
            gg = torch.tanh(ug(z) + wg(s))
            rg = torch.tanh(ur(z) + wr(s))
            hg = torch.tanh(uh(z) + wh(s * rg))
            s = (1 - gg) * hg + zg * s
        return self.out(s).squeeze(-1)


class Problem:
    def __init__(self, d, batch, dtype):
        self.d = d
        self.D = d + 1  # column 0 is t
        self.batch = batch
        self.small = min(max(batch // 4, 64), batch)
        self.dtype = dtype
        self.lo = [0.0] + [-1.0] * d
        self.hi = [1.0] + [1.0] * d
        # pdec's default Monte Carlo delta per precision (Settings::mc_delta).
        self.delta = 1e-3 if dtype == torch.float32 else 1e-6

    def sample(self, gen):
        n, m, d = self.batch, self.small, self.d
        t = torch.rand(n, 1, generator=gen, dtype=self.dtype)
        x = torch.rand(n, d, generator=gen, dtype=self.dtype) * 2 - 1
        xi = torch.rand(m, d, generator=gen, dtype=self.dtype) * 2 - 1
        x_int = torch.cat([t, x], 1)
        x_init = torch.cat([torch.zeros(m, 1, dtype=self.dtype), xi], 1)
        return x_int, x_init

    def initial_loss(self, net, x_init):
        g = (x_init[:, 1:] ** 2).sum(1) / self.d
        return ((net(x_init) - g) ** 2).mean()


# ---- PDE residuals ---------------------------------------------------------------------

def residual_exact_autograd(net, prob, x):
    x = x.requires_grad_(True)
    u = net(x)
    (g,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    ut = g[:, 0]
    lap = torch.zeros_like(ut)
    for i in range(1, prob.D):
        (h,) = torch.autograd.grad(g[:, i].sum(), x, create_graph=True)
        lap = lap + h[:, i]
    return ut - 0.5 * lap


def residual_exact_func(net, prob, x):
    from torch.func import grad, jvp, vmap

    def grad_u(xx):
        return grad(lambda y: net(y).sum())(xx)

    d, n = prob.d, x.shape[0]
    eye = torch.eye(prob.D, dtype=x.dtype)[1:]  # [d, D]: the space unit directions
    dirs = eye.unsqueeze(1).expand(d, n, prob.D)

    def hvp(e):
        return jvp(grad_u, (x,), (e,))

    g, hv = vmap(hvp)(dirs)  # [d, N, D] each; g is the same gradient in every row
    ut = g[0][:, 0]
    idx = torch.arange(1, prob.D)
    lap = hv[torch.arange(d), :, idx].sum(0)  # sum_i (H e_i)_i
    return ut - 0.5 * lap


def mc_directions(prob, n, gen):
    """Two independent Rademacher draws, v = sqrt(0.5) * w, w = +-sqrt(delta): [2, N, D]."""
    sd = math.sqrt(prob.delta) * math.sqrt(0.5)
    signs = torch.randint(0, 2, (2, n, prob.d), generator=gen).to(prob.dtype) * 2 - 1
    v = torch.zeros(2, n, prob.D, dtype=prob.dtype)
    v[:, :, 1:] = signs * sd
    return v


def mc_combine(prob, ut, jv, n):
    # jv: [4N] directional derivatives at [x + v1, x - v1, x + v2, x - v2].
    a = []
    for k in range(2):
        plus = jv[(2 * k) * n:(2 * k + 1) * n]
        minus = jv[(2 * k + 1) * n:(2 * k + 2) * n]
        q = (plus - minus) / (2 * prob.delta)
        a.append(ut - q)
    return a


def residual_mc_autograd(net, prob, x, gen):
    n = x.shape[0]
    v = mc_directions(prob, n, gen)
    x = x.requires_grad_(True)
    (g,) = torch.autograd.grad(net(x).sum(), x, create_graph=True)
    ut = g[:, 0]
    jv = []
    for k in range(2):
        # One pass per factor: the loss detaches the first, so its derivative needs no graph
        # (pdec does the same).
        pts = torch.cat([x.detach() + v[k], x.detach() - v[k]], 0)
        pts.requires_grad_(True)
        (gk,) = torch.autograd.grad(net(pts).sum(), pts, create_graph=(k == 1))
        vv = torch.cat([v[k], v[k]], 0)
        jv.append((gk * vv).sum(1))
    return mc_combine(prob, ut, torch.cat(jv, 0), n)


def residual_mc_func(net, prob, x, gen):
    from torch.func import jvp

    n = x.shape[0]
    v = mc_directions(prob, n, gen)
    et = torch.zeros_like(x)
    et[:, 0] = 1.0
    _, ut = jvp(net, (x,), (et,))
    jv = []
    for k in range(2):
        pts = torch.cat([x + v[k], x - v[k]], 0)
        vv = torch.cat([v[k], v[k]], 0)
        if k == 0:
            with torch.no_grad():
                _, j = jvp(net, (pts,), (vv,))
        else:
            _, j = jvp(net, (pts,), (vv,))
        jv.append(j)
    return mc_combine(prob, ut, torch.cat(jv, 0), n)


def residual_mc_values(net, prob, x, gen, variant):
    """The difference of values (pdec's `mc_difference = values`)."""
    n = x.shape[0]
    v = mc_directions(prob, n, gen)
    if variant == "autograd":
        x = x.requires_grad_(True)
        u0 = net(x)
        (g,) = torch.autograd.grad(u0.sum(), x, create_graph=True)
        ut = g[:, 0]
    else:
        from torch.func import jvp

        et = torch.zeros_like(x)
        et[:, 0] = 1.0
        u0, ut = jvp(net, (x,), (et,))
    a = []
    for k in range(2):
        pts = torch.cat([x.detach() + v[k], x.detach() - v[k]], 0)
        if k == 0:
            with torch.no_grad():
                both = net(pts)
        else:
            both = net(pts)
        a.append(ut - (both[:n] + both[n:] - 2 * u0) / prob.delta)
    return a


def pde_loss(net, prob, x, path, variant, gen):
    if path == "exact":
        r = (residual_exact_autograd if variant == "autograd" else residual_exact_func)(net, prob, x)
        return (r * r).mean()
    if path == "mc":
        a, b = residual_mc_values(net, prob, x, gen, variant)
        prod = a.detach() * b
        return (2 * prod - prod.detach()).mean()
    fn = residual_mc_autograd if variant == "autograd" else residual_mc_func
    a, b = fn(net, prob, x, gen)
    prod = a.detach() * b
    # value mean(a b); gradient 2 mean(a grad b), as pdec's `sq`.
    return (2 * prod - prod.detach()).mean()


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


def run_case(d, path, variant, dtype_name, batch, width, layers, steps, warmup, seed):
    dtype = torch.float32 if dtype_name == "f32" else torch.float64
    prob = Problem(d, batch, dtype)
    gen = torch.Generator().manual_seed(seed)
    reset_peak_rss()
    net = DGM(prob.D, width, layers, prob.lo, prob.hi, gen).to(dtype)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    times = []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        x_int, x_init = prob.sample(gen)
        l_pde = pde_loss(net, prob, x_int, path, variant, gen)
        l_init = prob.initial_loss(net, x_init)
        values = torch.stack([l_pde.detach(), l_init.detach()]).tolist()
        if not all(math.isfinite(v) for v in values):
            raise RuntimeError(f"loss became non-finite at step {step}: {values}")
        opt.zero_grad(set_to_none=True)
        (l_pde + l_init).backward()
        opt.step()
        if step >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
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
        "peak_mem_mb": peak_rss_mb(),
        "steps": steps,
        "impl": "pytorch",
        "variant": variant,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "loss": values,
    }


# ---- cross-check -------------------------------------------------------------------------

def check(d, seed=0):
    """f64: exact residual by double autograd, by torch.func, and by central finite
    differences of the plain network; the Monte Carlo residual averaged over many draws."""
    dtype = torch.float64
    prob = Problem(d, 8, dtype)
    gen = torch.Generator().manual_seed(seed)
    net = DGM(prob.D, 16, 2, prob.lo, prob.hi, gen).to(dtype)
    x, _ = prob.sample(gen)
    ra = residual_exact_autograd(net, prob, x.clone()).detach()
    rf = residual_exact_func(net, prob, x.clone()).detach()
    h = 1e-4
    with torch.no_grad():
        u0 = net(x)
        e = torch.zeros(prob.D, dtype=dtype)
        e[0] = h
        ut = (net(x + e) - net(x - e)) / (2 * h)
        lap = torch.zeros_like(u0)
        for i in range(1, prob.D):
            e = torch.zeros(prob.D, dtype=dtype)
            e[i] = h
            lap += (net(x + e) - 2 * u0 + net(x - e)) / (h * h)
        rfd = ut - 0.5 * lap
    prob.delta = 1e-4
    samples = []
    draws = 400
    for _ in range(draws // 2):
        a, b = residual_mc_autograd(net, prob, x.clone(), gen)
        samples += [a.detach(), b.detach()]
    samples = torch.stack(samples)
    rmc = samples.mean(0)
    se = samples.std(0) / math.sqrt(draws)
    out = {
        "d": d,
        "autograd_vs_fd": (ra - rfd).abs().max().item(),
        "func_vs_autograd": (rf - ra).abs().max().item(),
        "mc_mean_vs_exact": (rmc - ra).abs().max().item(),
        # Largest |mean - exact| in units of the standard error of the mean (about 2-3 for
        # 8 points when unbiased).
        # (None at d = 1, where Rademacher noise makes the estimator exact up to O(delta).)
        "mc_mean_vs_exact_in_se": ((rmc - ra).abs() / se).max().item() if se.min() > 1e-12 else None,
        "exact_scale": ra.abs().max().item(),
        "mc_draws": draws,
    }
    # The two MC variants draw differently; compare them on the same directions instead.
    g2 = torch.Generator().manual_seed(7)
    a1 = residual_mc_autograd(net, prob, x.clone(), g2)
    g2 = torch.Generator().manual_seed(7)
    a2 = residual_mc_func(net, prob, x.clone(), g2)
    out["mc_func_vs_autograd"] = max((p.detach() - q.detach()).abs().max().item() for p, q in zip(a1, a2))
    return out


def csv_list(kind):
    return lambda s: [kind(v) for v in s.split(",") if v]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--d", type=csv_list(int), default=[1, 10, 100, 200])
    p.add_argument("--path", type=csv_list(str), default=["exact", "mc", "mc_gradients"],
                   help="exact, mc (difference of values), mc_gradients (of directional "
                        "derivatives)")
    p.add_argument("--variant", type=csv_list(str), default=["autograd"],
                   help="autograd (double autograd / reverse JVPs) and/or func (torch.func)")
    p.add_argument("--dtype", type=csv_list(str), default=["f32"])
    p.add_argument("--width", type=csv_list(int), default=[50])
    p.add_argument("--batch", type=csv_list(int), default=[1024])
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", action="store_true", help="cross-check the derivatives instead")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        for d in a.d:
            print(json.dumps(check(d)), flush=True)
        return 0
    failed = False
    for width in a.width:
        for dt in a.dtype:
            for path in a.path:
                for variant in a.variant:
                    for batch in a.batch:
                        for d in a.d:
                            try:
                                row = run_case(d, path, variant, dt, batch, width, a.layers,
                                               a.steps, a.warmup, a.seed)
                                print(json.dumps(row), flush=True)
                            except Exception as e:  # noqa: BLE001 (report and go on)
                                failed = True
                                print(f"error: d {d} {path} {variant} {dt} width {width}: "
                                      f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
