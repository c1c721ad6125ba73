//! The trained solution at explicit points: the network's values (or its ansatz), projected
//! onto the free-boundary constraint, and network-free nodes such as an exact solution.

use crate::lower::{self, Columns, Directions};
use crate::nn::Net;
use candle_core::{Result, Tensor};
use pdec_lang::ir::{NodeId, Problem};

/// Every unknown at explicit points `[M, D]` (no derivatives), one `[M]` each: the
/// network's values, or the unknown's ansatz made from them.
pub fn all_values(net: &Net, p: &Problem, cols: &Columns, x: &Tensor) -> Result<Vec<Tensor>> {
    let out = lower::forward(net, cols, x, &Directions::default(), None, None, None)?;
    let f: Vec<Tensor> = out.iter().map(|o| o.f.clone()).collect();
    // An ansatz may read the unknown coefficients (the kink ansatz smoothed in them).
    let coefs = net.coefficients()?;
    p.unknowns
        .iter()
        .zip(&f)
        .map(|(u, fk)| match &u.ansatz {
            Some(a) => lower::eval_with_values(p, cols, a.node, x, (&f, &coefs)),
            None => Ok(fk.clone()),
        })
        .collect()
}

/// Unknown `k` at explicit points `[M, D]` (no derivatives): [`all_values`]' `k`-th.
pub fn values_of(net: &Net, p: &Problem, cols: &Columns, x: &Tensor, k: usize) -> Result<Tensor> {
    all_values(net, p, cols, x)?
        .into_iter()
        .nth(k)
        .ok_or_else(|| candle_core::Error::Msg("invariant: an output per unknown".into()))
}

/// The first unknown at explicit points (the only one of most problems).
pub fn values(net: &Net, p: &Problem, cols: &Columns, x: &Tensor) -> Result<Tensor> {
    values_of(net, p, cols, x, 0)
}

/// Unknown `k` at explicit points: the network's values, projected onto the free-boundary
/// constraint when it bounds `k` (`max(u, g)` for `u >= g`). The exact solution satisfies
/// the constraint, so the projection can only move a value closer to it; for an American
/// option it is the early-exercise rule itself.
pub fn solution_of(net: &Net, p: &Problem, cols: &Columns, x: &Tensor, k: usize) -> Result<Tensor> {
    let u = values_of(net, p, cols, x, k)?;
    match &p.constraint {
        Some(c) if c.unknown == k => {
            let g = eval_free(p, cols, c.obstacle, x)?.to_dtype(u.dtype())?;
            if c.at_least {
                u.maximum(&g)
            } else {
                u.minimum(&g)
            }
        }
        _ => Ok(u),
    }
}

/// The first unknown's solution at explicit points ([`solution_of`]).
pub fn solution(net: &Net, p: &Problem, cols: &Columns, x: &Tensor) -> Result<Tensor> {
    solution_of(net, p, cols, x, 0)
}

/// A point of the input space as a row, from a report.
pub fn report_row(p: &Problem, cols: &Columns, r: &pdec_lang::ir::Report) -> Vec<f64> {
    let mut row = vec![0.0; cols.layout.width];
    if let (Some(c), Some(t)) = (cols.layout.time(), r.time) {
        row[c] = t;
    }
    for (k, vals) in r.space.iter().enumerate() {
        // Every space variable is an argument of the unknown (checked), so has columns.
        if let Some((off, _)) = cols.layout.space(k) {
            for (j, v) in vals.iter().enumerate() {
                row[off + j] = *v;
            }
        }
    }
    for (c, v) in cols.layout.params().zip(&r.params) {
        row[c] = *v;
    }
    let _ = p;
    row
}

/// Evaluates a network-free node (an exact solution) on points.
pub fn eval_free(p: &Problem, cols: &Columns, node: NodeId, x: &Tensor) -> Result<Tensor> {
    let zero = Tensor::zeros(x.dim(0)?, x.dtype(), x.device())?;
    let zeros = vec![zero; p.unknowns.len().max(1)];
    lower::eval_with_values(p, cols, node, x, (&zeros, &[]))
}
