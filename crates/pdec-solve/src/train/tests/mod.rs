//! Tests of the loss program, the residual, the losses and the training step, split by
//! concern; this module holds their shared helpers and problems.

use super::*;
use crate::nn::{Net, Projections};
use crate::train::gradients::gradients;
use crate::train::parallel::{Weighing, sum_passes, worker_passes};
use candle_core::{DType, Device, Tensor};
use pdec_lang::geometry;
use pdec_lang::passes::second_order::Path;
use pdec_lang::plan::{Plan, TermKind};
use pdec_lang::source::SourceFile;

mod coefficients;
mod coordinates;
mod counts;
mod loss;
mod lr_probe;
mod monte_carlo;
mod residual;
mod step;

/// The PDE residual computed by the loss program (jets, input rescaling, exact factor
/// paths, IR lowering) equals the residual from finite differences of the network's
/// plain values, in f64.
type Fd<'a> = &'a dyn Fn(&[f64], &f64, &dyn Fn(usize) -> f64, &dyn Fn(usize, usize) -> f64) -> f64;

/// The checked problem, analysis and plan of a source with `--set` overrides (no errors);
/// `observe` data files are not read (their terms have no rows).
pub(crate) fn compiled(
    src: &str,
    sets: &[String],
) -> (pdec_lang::check::Checked, pdec_lang::passes::Analysis, Plan) {
    let c = pdec_lang::driver::compile_without_data(
        SourceFile {
            name: "t.pde".into(),
            text: src.into(),
        },
        sets,
    );
    assert!(!c.diags.has_errors(), "{:?}", c.diags);
    (
        c.checked.expect("c"),
        c.analysis.expect("a"),
        c.plan.expect("p"),
    )
}

/// The loss program of a compiled problem on the CPU, and a fresh network drawn with
/// `net_seed` in the program's dtype.
pub(crate) fn program_and_net<'a>(
    c: &'a pdec_lang::check::Checked,
    plan: &'a Plan,
    net_seed: u64,
) -> (LossProgram<'a>, Net) {
    let prog = LossProgram::new(&c.problem, plan, Device::Cpu);
    // The columns, then the features (holes', periodic coordinates' cos and sin).
    let net = Net::new(
        &c.settings.plan.net,
        plan.layout.net_width(),
        net_seed,
        prog.dtype,
        &Device::Cpu,
    )
    .expect("net");
    (prog, net)
}

const PROBLEM: &str = "time t in [0, 1]\nspace x in [0.5, 2]^3\nunknown u(t, x)\nboundary none\n\
    const rho[i in 1..3, j in 1..3] = if i == j then 1 else if i + j == 3 then 0.5 else if i + j == 4 then 0.2 else 0.3\n\
    pde d(u, t) + 0.5 * u * d(u, x[1]) + sum(i in 1..3, j in 1..3) 0.1 * rho[i, j] * x[i] * x[j] * d(u, x[i], x[j]) - sum(i in 1..3) (1 + x[i]) * d(u, x[i], x[i]) + 0.3 * sum(i in 1..3) (x[i] - 1) * d(u, x[i]) = 0\n\
    terminal u = 0\n";

/// HJB-type: the Laplacian and two gradient squares (one with a coefficient that varies,
/// over part of the gradient) all estimated.
const HJB5: &str = "time t in [0, 1]\nspace x in [-1, 1]^5\nunknown u(t, x)\nboundary none\npde d(u, t) + lap(u) - 0.7 * norm2(grad(u)) + 0.3 * x[1]^2 * sum(i in 2..5) d(u, x[i])^2 = 0\nterminal u = 0\n";

/// The loss of the first term of `kind` on batches freshly drawn with `seed`: the
/// batches, the term's index and its loss.
fn term_loss(
    prog: &LossProgram,
    net: &Net,
    kind: TermKind,
    seed: u64,
) -> (Vec<Vec<geometry::Batch>>, usize, f64) {
    let batches = sample(prog, None, DrawKey { seed, number: 0 });
    let (uploaded, noise) = prog.upload(&batches, &[]).expect("upload");
    let losses = prog.losses(net, &uploaded, noise.as_ref()).expect("losses");
    let k = prog
        .plan
        .terms
        .iter()
        .position(|t| t.kind == kind)
        .expect("a term of the kind");
    let loss = losses.terms[k].to_scalar::<f64>().expect("scalar");
    (batches, k, loss)
}

/// Flattened parameter gradient of a scalar loss.
fn grad_vector(net: &Net, loss: &Tensor) -> Vec<f64> {
    let g = loss.backward().expect("backward");
    let mut v = Vec::new();
    for (_, p) in &net.params {
        match g.get(p.as_tensor()) {
            Some(t) => v.extend(
                t.to_dtype(DType::F64)
                    .and_then(|t| t.flatten_all())
                    .and_then(|t| t.to_vec1::<f64>())
                    .expect("v"),
            ),
            None => v.extend(std::iter::repeat_n(0.0, p.elem_count())),
        }
    }
    v
}
