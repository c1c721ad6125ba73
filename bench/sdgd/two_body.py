#!/usr/bin/env python3
"""Writes the SDGD paper's inseparable Poisson problem in the unit ball as a .pde file.

Hu, Shukla, Karniadakis, Kawaguchi, "Tackling the curse of dimensionality with
physics-informed neural networks", section 5.1 (their Section_5.1/Poisson.py): lap(u) = g in
the unit ball, u = 0 on the sphere, exact "two-body" solution
u = (1 - |x|^2) sum(i < d) c_i sin(x_i + cos(x_(i+1)) + x_(i+1) cos(x_i)), c_i ~ N(0, 1).
The c_i here come from Python's random.Random(seed).gauss, not the paper's numpy draw; g is
written out by hand (phi lap(psi) - 4 x . grad(psi) - 2 d psi), and `pdec check` verifies it
against `exact` at random points.

Usage: bench/sdgd/two_body.py D [SEED] > two_body.pde
"""
import random
import sys


def source(d: int, seed: int) -> str:
    r = random.Random(seed)
    c = ", ".join(f"{r.gauss(0, 1):.6f}" for _ in range(d - 1))
    th = "(x[i] + cos(x[i + 1]) + x[i + 1] * cos(x[i]))"
    a = "(1 - x[i + 1] * sin(x[i]))"  # d theta / d x_i
    b = "(cos(x[i]) - sin(x[i + 1]))"  # d theta / d x_(i+1)
    phi = "(1 - sum(x * x))"
    lap_psi = f"(-sin{th} * ({a}^2 + {b}^2) + cos{th} * (-x[i + 1] * cos(x[i]) - cos(x[i + 1])))"
    x_grad_psi = f"cos{th} * (x[i] * {a} + x[i + 1] * {b})"
    return f"""// The SDGD paper's inseparable Poisson problem, d = {d} (bench/sdgd/two_body.py {d} {seed}).
problem poisson_two_body
const d = {d}
const c = [{c}]
space   x in ball(d, center = 0, radius = 1)
unknown u(x)
pde     lap(u) = sum(i in 1..d - 1) c[i] * ({phi} * {lap_psi} - 4 * {x_grad_psi} - 2 * d * sin{th})
boundary on(x): u = 0
ansatz  u = {phi} * net
exact   u = {phi} * sum(i in 1..d - 1) c[i] * sin{th}
solve {{
  dtype = f32
  batch = 256
  mc_noise = coordinates
  mc_draws = 4
}}
"""


if __name__ == "__main__":
    d = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sys.stdout.write(source(d, seed))
