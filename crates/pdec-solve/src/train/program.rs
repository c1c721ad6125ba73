//! The loss program: what a training step evaluates, built once from the problem, the
//! plan, the analysis and the settings before training. [`LossProgram::new`] sorts the
//! analysis' PDE terms by how they are computed ([`PdeProgram`]: from the IR, as drifts
//! along one direction, through a second-order factor on the exact or the Monte Carlo path,
//! or as Monte Carlo gradient squares), lists the derivatives each condition reads
//! ([`ConditionProgram`]), and fixes the Monte Carlo noise's layout ([`NoiseLayout`]).
//! The residual ([`crate::train::residual`]) and the losses ([`crate::train::loss`]) are
//! further `impl LossProgram` blocks.

use crate::lower::{Columns, Directions, Needs};
use crate::train::noise::{MonteCarlo, NoiseLayout};
use candle_core::{DType, Device};
use pdec_lang::geometry::Layout;
use pdec_lang::ir::{NodeId, Problem};
use pdec_lang::passes::Analysis;
use pdec_lang::passes::gradient_square::GradientSquareTerm;
use pdec_lang::passes::second_order::{Factor, Lower, Path, TermClass};
use pdec_lang::plan::{Plan, Region, TermKind};
use pdec_lang::settings::Settings;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// An invariant's breach as a candle error.
pub(super) fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// A second-order term computed through its factor.
#[derive(Clone, Debug)]
pub(super) struct FactorTerm {
    pub(super) factor: Factor,
    pub(super) path: Path,
}

/// A drift term `coef * sum(i) c_1[i] * ... * d(u, x[i])`: one Jacobian-vector product
/// along `b = coef * c_1 * ...` instead of one tangent per component.
#[derive(Clone, Debug)]
pub(super) struct Drift {
    pub(super) coef: f64,
    pub(super) factors: Vec<NodeId>,
    pub(super) var: usize,
    pub(super) offset: usize,
    /// Components the index ranges over.
    pub(super) len: usize,
}

fn flatten_product(g: &pdec_lang::ir::Graph, n: NodeId, coef: &mut f64, out: &mut Vec<NodeId>) {
    match g.op(n) {
        pdec_lang::ir::Op::Binary(pdec_lang::ir::BinOp::Mul, a, b) => {
            flatten_product(g, *a, coef, out);
            flatten_product(g, *b, coef, out);
        }
        pdec_lang::ir::Op::Unary(pdec_lang::ir::UnOp::Neg, a) => {
            *coef = -*coef;
            flatten_product(g, *a, coef, out);
        }
        pdec_lang::ir::Op::Const(c) if g.ty(n).axes.is_empty() => *coef *= c.0,
        _ => out.push(n),
    }
}

/// Recognises `sum(i in r) coef * c[i] * ... * d(u, x[i])` with coefficients free of `u`.
fn drift_of(p: &Problem, node: NodeId) -> Option<Drift> {
    use pdec_lang::ir::{Comp, Coord, Op, RedOp};
    let g = &p.graph;
    let mut coef = 1.0;
    let mut outer = Vec::new();
    flatten_product(g, node, &mut coef, &mut outer);
    let [reduce] = outer.as_slice() else {
        return None;
    };
    let Op::Reduce(RedOp::Sum, axes, body) = g.op(*reduce) else {
        return None;
    };
    let [axis] = axes.as_slice() else { return None };
    let mut factors = Vec::new();
    flatten_product(g, *body, &mut coef, &mut factors);
    let (u, rest): (Vec<NodeId>, Vec<NodeId>) =
        factors.iter().partition(|f| g.depends_on_unknown(**f));
    let [d] = u.as_slice() else { return None };
    let Op::Deriv(coords) = g.op(*d) else {
        return None;
    };
    let [
        Coord::Space {
            var,
            comp: Comp::Axis(a, offset),
        },
    ] = coords.as_slice()
    else {
        return None;
    };
    if a != axis {
        return None;
    }
    let plain = rest.iter().all(|f| {
        let t = g.ty(*f);
        t.shape == pdec_lang::ir::Shape::Scalar && !t.boolean && t.axes.iter().all(|x| x == axis)
    });
    plain.then(|| Drift {
        coef,
        factors: rest,
        var: *var,
        offset: *offset,
        len: g.axis(*a).len(),
    })
}

/// How the PDE residual is assembled.
pub(super) struct PdeProgram {
    /// Terms evaluated from the IR.
    pub(super) ir_terms: Vec<NodeId>,
    pub(super) drifts: Vec<Drift>,
    pub(super) factors: Vec<FactorTerm>,
    /// Gradient squares on the Monte Carlo path: `(w . grad u)^2 / delta` from one
    /// directional derivative per draw in the base pass (after the drifts' ones).
    pub(super) squares: Vec<GradientSquareTerm>,
    pub(super) dirs: Directions,
    /// The exact-path factor terms are the only second derivatives read: carry their
    /// weighted sum as one channel instead of one channel per direction ([`crate::jet`]).
    pub(super) summed: bool,
}

/// One condition's program.
pub(super) struct ConditionProgram {
    pub(super) needs: Needs,
    pub(super) dirs: Directions,
    /// A periodic condition under an ansatz: the ansatz's derivative across the periodic
    /// coordinate (its value is the term's residual). Both must agree on the two faces, and
    /// the network's own values and slope need not: `x + t * net` is not periodic in `x`
    /// where `net` is.
    pub(super) periodic_slope: Option<NodeId>,
}

/// Everything needed to compute the losses of one problem, built once before training.
pub struct LossProgram<'a> {
    pub problem: &'a Problem,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub cols: Columns,
    pub layout: Layout,
    pub(super) pde: PdeProgram,
    pub(super) conditions: Vec<Option<ConditionProgram>>,
    /// The sign the residual must have where the constraint is active, if known.
    pub(super) active_sign: Option<f64>,
    /// The Monte Carlo estimator and its noise buffer's layout.
    pub(super) noise: NoiseLayout,
    pub device: Device,
    pub dtype: DType,
    /// This process's rank and the number of ranks: it trains on its slice of every
    /// global batch (`distributed`).
    pub shard: (usize, usize),
    /// Threads that each train on a contiguous slice of this rank's rows, their gradients
    /// summed (CPU only; see [`crate::train::step::train_step`]).
    pub workers: usize,
}

/// The analysis' PDE terms sorted by how they are computed: IR terms, drifts, factored
/// second-order terms and Monte Carlo gradient squares.
type SortedTerms = (
    Vec<NodeId>,
    Vec<Drift>,
    Vec<FactorTerm>,
    Vec<GradientSquareTerm>,
);

fn sort_terms(problem: &Problem, analysis: &Analysis) -> Result<SortedTerms, String> {
    let mut ir_terms = Vec::new();
    let mut drifts = Vec::new();
    let mut factors = Vec::new();
    let mut squares = Vec::new();
    let mut so = analysis.second_order.iter();
    for t in &analysis.terms {
        if let Some(q) = analysis
            .gradient_squares
            .iter()
            .find(|q| q.node == t.node && q.path == Path::MonteCarlo)
        {
            squares.push(q.clone());
            continue;
        }
        if t.class == TermClass::SecondOrder {
            let s = so
                .next()
                .ok_or("invariant: one second-order entry per second-order term")?;
            if let Ok(f) = &s.factor {
                factors.push(FactorTerm {
                    factor: f.clone(),
                    path: s.path,
                });
                continue;
            }
        }
        if t.class == TermClass::FirstOrder
            && let Some(d) = drift_of(problem, t.node)
        {
            drifts.push(d);
            continue;
        }
        ir_terms.push(t.node);
    }
    Ok((ir_terms, drifts, factors, squares))
}

/// The PDE's program and the layout of its Monte Carlo noise.
fn pde_program(
    problem: &Problem,
    cols: &Columns,
    analysis: &Analysis,
    settings: &Settings,
) -> Result<(PdeProgram, NoiseLayout), String> {
    let (ir_terms, drifts, factors, squares) = sort_terms(problem, analysis)?;
    let mut needs = Needs::default();
    let mut roots = ir_terms.clone();
    for f in &factors {
        roots.extend(f.factor.scale);
        roots.extend(f.factor.diag.as_ref().map(|d| d.node));
    }
    if let Some(c) = &problem.constraint {
        roots.push(c.obstacle);
        roots.extend(problem.ansatz.as_ref().map(|a| a.node));
    }
    for d in &drifts {
        roots.extend(&d.factors);
    }
    for q in &squares {
        roots.extend(&q.factors);
    }
    needs.scan(problem, cols, &roots)?;
    // Exact-path factors: unit second-order channels (identity, one component) or
    // point-dependent columns of B (Cholesky).
    let mut unit_diag = BTreeSet::new();
    let mut general = 0;
    for f in factors.iter().filter(|f| f.path == Path::Exact) {
        let (off, _) = cols.space[f.factor.var];
        match f.factor.lower {
            Lower::Identity { offset, len } => unit_diag.extend((0..len).map(|k| off + offset + k)),
            Lower::Unit { component } => {
                unit_diag.insert(off + component);
            }
            Lower::Cholesky { rank, .. } => general += rank,
        }
    }
    // Drifts' directions, then one per Monte Carlo draw of each gradient square.
    let monte_carlo = MonteCarlo::new(
        settings,
        factors.iter().any(|f| f.path == Path::MonteCarlo) || !squares.is_empty(),
    );
    let square_jvps = squares.len() * monte_carlo.draws_per_step();
    let dirs = Directions::new(
        &needs,
        cols,
        general,
        &unit_diag,
        drifts.len() + square_jvps,
    );
    let summed = needs.diag.is_empty()
        && needs.mixed.is_empty()
        && factors.iter().any(|f| f.path == Path::Exact);
    let noise = NoiseLayout::new(
        monte_carlo,
        factors
            .iter()
            .filter(|f| f.path == Path::MonteCarlo)
            .map(|f| f.factor.columns())
            .collect(),
        squares.iter().map(|q| q.len).collect(),
    );
    let pde = PdeProgram {
        ir_terms,
        drifts,
        factors,
        squares,
        dirs,
        summed,
    };
    Ok((pde, noise))
}

/// Each plan term's condition program (`None` for the PDE and the constraint).
fn condition_programs(
    problem: &Problem,
    plan: &Plan,
    cols: &Columns,
) -> Result<Vec<Option<ConditionProgram>>, String> {
    let mut conditions = Vec::new();
    for term in &plan.terms {
        conditions.push(match term.kind {
            TermKind::Pde | TermKind::Constraint => None,
            TermKind::Periodic => {
                let mut n = Needs::default();
                let mut periodic_slope = None;
                // Values and the derivative across the periodic coordinate must agree.
                if let Region::Periodic { var, comp } = term.region {
                    let (off, _) = cols.space[var];
                    n.first.insert(off + comp.unwrap_or(0));
                    if let Some(a) = &problem.ansatz {
                        let slope = a
                            .slope(&problem.space, var, comp)
                            .ok_or("invariant: the ansatz's gradient has every component")?;
                        n.scan(problem, cols, &[term.residual, slope])?;
                        periodic_slope = Some(slope);
                    }
                }
                let d = Directions::new(&n, cols, 0, &BTreeSet::new(), 0);
                Some(ConditionProgram {
                    needs: n,
                    dirs: d,
                    periodic_slope,
                })
            }
            _ => {
                let mut n = Needs::default();
                n.scan(problem, cols, &[term.residual])?;
                let d = Directions::new(&n, cols, 0, &BTreeSet::new(), 0);
                Some(ConditionProgram {
                    needs: n,
                    dirs: d,
                    periodic_slope: None,
                })
            }
        });
    }
    Ok(conditions)
}

/// The sign the residual must have where the constraint is active, if the time direction
/// tells it.
fn active_sign(problem: &Problem, analysis: &Analysis) -> Option<f64> {
    problem.constraint.as_ref().and_then(|c| {
        let backward = match analysis.direction {
            pdec_lang::passes::TimeDirection::Backward => Some(true),
            pdec_lang::passes::TimeDirection::Forward => Some(false),
            pdec_lang::passes::TimeDirection::Undetermined => None,
        };
        // u >= g on a backward equation: where the obstacle binds, the residual is <= 0.
        backward.map(|b| if b == c.at_least { -1.0 } else { 1.0 })
    })
}

impl<'a> LossProgram<'a> {
    /// The loss program of a checked problem, its plan and analysis, on `device`: one rank,
    /// one thread (callers set `shard` and `workers`).
    pub fn new(
        problem: &'a Problem,
        plan: &'a Plan,
        analysis: &Analysis,
        settings: &'a Settings,
        device: Device,
    ) -> std::result::Result<LossProgram<'a>, String> {
        let cols = Columns::new(problem);
        let layout = Layout::with_settings(problem, settings);
        let dtype = match settings.dtype {
            pdec_lang::settings::DType::F32 => DType::F32,
            pdec_lang::settings::DType::F64 => DType::F64,
        };
        let (pde, noise) = pde_program(problem, &cols, analysis, settings)?;
        let conditions = condition_programs(problem, plan, &cols)?;
        let active_sign = active_sign(problem, analysis);
        Ok(LossProgram {
            problem,
            plan,
            settings,
            cols,
            layout,
            pde,
            conditions,
            active_sign,
            noise,
            device,
            dtype,
            shard: (0, 1),
            workers: 1,
        })
    }

    /// Rows `lo..hi` of a global batch of `n` rows that this rank trains on.
    pub fn rows(&self, n: usize) -> (usize, usize) {
        let (rank, size) = self.shard;
        (n * rank / size, n * (rank + 1) / size)
    }

    /// The Monte Carlo estimator in force.
    pub fn monte_carlo(&self) -> &MonteCarlo {
        &self.noise.monte_carlo
    }

    /// Monte Carlo noise of one step for the PDE batch: drawn for the global batch and cut
    /// to this rank's rows ([`NoiseLayout::draw`]); `LossProgram::upload` sends it with
    /// the points in one transfer.
    pub fn draw_noise(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let global = self.plan.pde_batch();
        self.noise.draw(rng, global, self.rows(global))
    }
}
