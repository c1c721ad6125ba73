//! What the training step computes for each loss term, decided once at plan time: the PDE's
//! terms sorted by how they are computed (from the IR, as a drift along one direction,
//! through a second-order factor on the exact or the Monte Carlo path, or as a Monte Carlo
//! gradient square), and the derivatives each pass reads ([`Needs`]). A problem whose
//! derivatives the step cannot carry is refused here, so `pdec check` refuses what
//! `pdec solve` would.

use crate::diag::{Diag, Diags};
use crate::geometry::inputs::InputLayout;
use crate::geometry::region::Region;
use crate::ir::{NodeId, Problem};
use crate::passes::gradient_square::GradientSquareTerm;
use crate::passes::second_order::{Factor, Path, TermClass, TriangularFactor};
use crate::passes::{Analysis, TimeDirection};
use crate::plan::needs::{Beyond, MAX_MIXED, Needs};
use crate::plan::summed::{self, ExactFactor, SummedRead};
use crate::plan::terms::{LossTerm, TermKind};
use std::collections::BTreeSet;

/// A second-order term computed through its factor.
#[derive(Clone, Debug)]
pub struct FactorTerm {
    pub factor: Factor,
    pub path: Path,
    /// The network output whose second derivatives the term holds: the Monte Carlo
    /// estimator's shifted passes read that output.
    pub unknown: usize,
}

/// A drift `s * coef * sum(i) c_1[i] * ... * d(u, x[i])` (coefficients free of `u`, `s` a
/// product of per-point scalars): one Jacobian-vector product along `b = coef * c_1 * ...`
/// instead of one tangent per component, times `s`.
/// A term of the residual by itself, or a node inside a term the IR evaluates (`inside`:
/// `u * sum(i) b[i] * d(u, x[i])`, `max(0, sum(i) ...)`), where the directional derivative
/// stands for the node.
#[derive(Clone, Debug)]
pub struct Drift {
    pub coef: f64,
    /// The direction's factors (free of `u`; the summed index or none).
    pub factors: Vec<NodeId>,
    /// Per-point factors with `u` and without the index (`u` in `u * sum(i) b[i] *
    /// d(u, x[i])`): the directional derivative times their product.
    pub scalars: Vec<NodeId>,
    pub var: usize,
    pub offset: usize,
    /// Components the index ranges over.
    pub len: usize,
    /// The node the drift's value replaces inside an IR term (`None`: a term of its own).
    pub inside: Option<NodeId>,
}

fn flatten_product(g: &crate::ir::Graph, n: NodeId, coef: &mut f64, out: &mut Vec<NodeId>) {
    match g.op(n) {
        crate::ir::Op::Binary(crate::ir::BinOp::Mul, a, b) => {
            flatten_product(g, *a, coef, out);
            flatten_product(g, *b, coef, out);
        }
        crate::ir::Op::Unary(crate::ir::UnOp::Neg, a) => {
            *coef = -*coef;
            flatten_product(g, *a, coef, out);
        }
        // `... / d`, a division by a constant number.
        crate::ir::Op::Binary(crate::ir::BinOp::Div, a, b)
            if g.ty(*b).axes.is_empty()
                && matches!(g.op(*b), crate::ir::Op::Const(c) if c.0 != 0.0) =>
        {
            if let crate::ir::Op::Const(c) = g.op(*b) {
                *coef /= c.0;
            }
            flatten_product(g, *a, coef, out);
        }
        crate::ir::Op::Const(c) if g.ty(n).axes.is_empty() => *coef *= c.0,
        _ => out.push(n),
    }
}

/// Recognises `s_1 * ... * sum(i in r) coef * c[i] * ... * d(u, x[i])` with coefficients
/// `c` free of `u` and per-point scalars `s` (no index; `u`, `d(u, t)`, a parameter), inside
/// the sum or out of it.
fn drift_of(p: &Problem, node: NodeId) -> Option<Drift> {
    use crate::ir::{Comp, Coord, Op, RedOp};
    let g = &p.graph;
    let scalar = |f: &NodeId| {
        let t = g.ty(*f);
        t.shape == crate::ir::Shape::Scalar && !t.boolean && t.axes.is_empty()
    };
    if !scalar(&node) {
        return None;
    }
    let mut coef = 1.0;
    let mut outer = Vec::new();
    flatten_product(g, node, &mut coef, &mut outer);
    let (sums, outside): (Vec<NodeId>, Vec<NodeId>) = outer
        .iter()
        .partition(|f| matches!(g.op(**f), Op::Reduce(RedOp::Sum, ..)));
    let [reduce] = sums.as_slice() else {
        return None;
    };
    let Op::Reduce(RedOp::Sum, axes, body) = g.op(*reduce) else {
        return None;
    };
    let [axis] = axes.as_slice() else { return None };
    if !outside.iter().all(scalar) {
        return None;
    }
    let mut factors = Vec::new();
    flatten_product(g, *body, &mut coef, &mut factors);
    factors.extend(outside);
    let (u, rest): (Vec<NodeId>, Vec<NodeId>) =
        factors.iter().partition(|f| g.depends_on_unknown(**f));
    // One derivative along the summed index; the other factors with `u` are per-point
    // scalars that multiply the directional derivative.
    let mut along = None;
    let mut scalars = Vec::new();
    for f in u {
        match g.op(f) {
            Op::Deriv(_, coords) if along.is_none() => match coords.as_slice() {
                [
                    Coord::Space {
                        var,
                        comp: Comp::Axis(a, offset),
                    },
                ] if a == axis => along = Some((*var, *offset)),
                _ if scalar(&f) => scalars.push(f),
                _ => return None,
            },
            _ if scalar(&f) => scalars.push(f),
            _ => return None,
        }
    }
    let (var, offset) = along?;
    let plain = rest.iter().all(|f| {
        let t = g.ty(*f);
        t.shape == crate::ir::Shape::Scalar && !t.boolean && t.axes.iter().all(|x| x == axis)
    });
    plain.then(|| Drift {
        coef,
        factors: rest,
        scalars,
        var,
        offset,
        len: g.axis(*axis).len(),
        inside: None,
    })
}

/// The drifts inside the IR term at `root` (the largest nodes that are drifts, each once),
/// appended to `out` with their node in `inside`.
fn drifts_inside(p: &Problem, root: NodeId, out: &mut Vec<Drift>) {
    let g = &p.graph;
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if !seen.insert(n) || !g.depends_on_unknown(n) {
            continue;
        }
        if g.ty(n).axes.is_empty()
            && let Some(d) = drift_of(p, n)
        {
            if !out.iter().any(|o| o.inside == Some(n)) {
                out.push(Drift {
                    inside: Some(n),
                    ..d
                });
            }
            continue;
        }
        stack.extend(crate::ir::children(g.op(n)));
    }
}

/// How one equation's residual is computed: the sum of its terms by path.
#[derive(Clone, Debug, Default)]
pub struct EquationProgram {
    /// Terms evaluated from the IR.
    pub ir_terms: Vec<NodeId>,
    pub drifts: Vec<Drift>,
    pub factors: Vec<FactorTerm>,
    /// Gradient squares on the Monte Carlo path: `(w . grad u)^2 / delta` from one
    /// directional derivative per draw in the base pass (after the drifts' ones).
    pub squares: Vec<GradientSquareTerm>,
    /// Under [`PdeProgram::summed`], the unknowns whose summed channel (times a ratio) is
    /// this equation's exact factors' value.
    pub summed: Vec<SummedRead>,
}

/// How the equations' residuals are computed, from one base pass over the interior's points
/// (the network's outputs for every unknown at once). Drifts and gradient squares belong to
/// problems of one unknown (they read its output's channels); a system's Monte Carlo factors
/// each read their own unknown's output, its exact factors the summed channel when one
/// serves them all (`plan::summed`), and its other terms are IR terms.
#[derive(Clone, Debug, Default)]
pub struct PdeProgram {
    /// One per equation, in `Problem::pdes` order.
    pub equations: Vec<EquationProgram>,
    /// The derivatives the base pass reads.
    pub needs: Needs,
    /// Second-order unit directions of the exact-path factors (identity or one component),
    /// by input column.
    pub unit_diag: BTreeSet<usize>,
    /// Point-dependent second-order directions of the exact-path factors (Cholesky columns).
    pub general: usize,
    /// The exact-path factor terms are the only second derivatives read: the step carries
    /// their weighted sum as one channel instead of one channel per direction (the first
    /// (equation, unknown) group's weights; each equation's `summed` reads it).
    pub summed: bool,
}

impl PdeProgram {
    /// Every equation's drifts, in equation order (the order of their directions).
    pub fn drifts(&self) -> impl Iterator<Item = &Drift> {
        self.equations.iter().flat_map(|e| &e.drifts)
    }

    /// Every equation's factored second-order terms, in equation order.
    pub fn factors(&self) -> impl Iterator<Item = &FactorTerm> {
        self.equations.iter().flat_map(|e| &e.factors)
    }

    /// The exact factors whose weights the summed channel carries: the first equation's with
    /// any, of the unknown it reads first (`plan::summed`); the others' are multiples.
    pub fn summed_reference(&self) -> impl Iterator<Item = &FactorTerm> {
        let first = self.equations.iter().find(|e| !e.summed.is_empty());
        let unknown = first.map(|e| e.summed[0].unknown);
        first
            .into_iter()
            .flat_map(|e| &e.factors)
            .filter(move |f| f.path == Path::Exact && Some(f.unknown) == unknown)
    }

    /// Every equation's Monte Carlo gradient squares, in equation order.
    pub fn squares(&self) -> impl Iterator<Item = &GradientSquareTerm> {
        self.equations.iter().flat_map(|e| &e.squares)
    }
}

/// One condition's program.
#[derive(Clone, Debug)]
pub struct ConditionProgram {
    pub needs: Needs,
    /// A periodic condition under an ansatz: the ansatz's derivative across the periodic
    /// coordinate (its value is the term's residual). Both must agree on the two faces, and
    /// the network's own values and slope need not: `x + t * net` is not periodic in `x`
    /// where `net` is.
    pub periodic_slope: Option<NodeId>,
}

/// What the step computes: the PDE's program, one condition program per plan term (`None`
/// for the PDE and the constraint), and the sign the residual must have where the
/// constraint is active, if the time direction tells it.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub pde: PdeProgram,
    pub conditions: Vec<Option<ConditionProgram>>,
    pub active_sign: Option<f64>,
}

/// The program of a problem's loss terms; a derivative the step cannot carry is an error
/// at the derivative's span.
pub fn program(
    problem: &Problem,
    analysis: &Analysis,
    layout: &InputLayout,
    terms: &[LossTerm],
    diags: &mut Diags,
) -> Program {
    let mut refuse = |beyond: Beyond| diags.push(refusal(problem, beyond));
    let pde = pde_program(problem, analysis, layout).unwrap_or_else(|b| {
        refuse(b);
        PdeProgram::default()
    });
    let conditions = terms
        .iter()
        .map(|t| {
            condition_program(problem, layout, t).unwrap_or_else(|b| {
                refuse(b);
                None
            })
        })
        .collect();
    Program {
        pde,
        conditions,
        active_sign: active_sign(problem, analysis),
    }
}

/// The diagnostic of a derivative the step cannot carry.
fn refusal(problem: &Problem, beyond: Beyond) -> Diag {
    match beyond {
        Beyond::TooManyMixed(n) => Diag::error(
            "pdec::plan::too_many_mixed_derivatives",
            format!("the exact path needs more than {MAX_MIXED} mixed second derivatives"),
        )
        .primary(
            problem.graph.node(n).span,
            "each pair of components is one more channel of every network pass",
        )
        .help("write the second-order part in a form `pdec explain` reports as factorable (a diagonal, or `a[i] * M[i, j] * a[j]` with a constant matrix), which takes the exact directions or the Monte Carlo path"),
        // The checker refuses these in the source (the same code); one built by a pass would
        // be refused here.
        Beyond::AboveSecondOrder(n) => Diag::error(
            "pdec::check::derivative_order",
            "a derivative of order three or more cannot be trained",
        )
        .primary(problem.graph.node(n).span, "of order three or more")
        .help("the training step carries first and second derivatives; write the problem as a system of lower order"),
    }
}

/// Each equation's terms sorted by how they are computed: IR terms, drifts, factored
/// second-order terms and Monte Carlo gradient squares.
/// A system's exact-path factors are kept only with `system_exact` (to be served by the
/// summed channel), else they are IR terms.
fn sort_terms(problem: &Problem, analysis: &Analysis, system_exact: bool) -> Vec<EquationProgram> {
    let mut equations = vec![EquationProgram::default(); problem.pdes.len()];
    // As `passes::run`: a problem with unknown coefficients has only IR terms; a system's
    // second-order terms are factors on the Monte Carlo path, and on the exact one factors
    // when the summed channel serves them all, IR terms otherwise (the exact factors'
    // per-direction channels are read from one unknown's output).
    let coefficients = !problem.coefficients.is_empty();
    let single = problem.unknowns.len() == 1 && !coefficients;
    let mut so = analysis.second_order.iter();
    for t in &analysis.terms {
        let e = &mut equations[t.equation];
        if let Some(q) = analysis
            .gradient_squares
            .iter()
            .find(|q| q.node == t.node && q.path == Path::MonteCarlo)
        {
            e.squares.push(q.clone());
            continue;
        }
        if t.class == TermClass::SecondOrder && !coefficients {
            let s = so
                .next()
                .expect("invariant: the analysis has one second-order entry per second-order term");
            if let Ok(f) = &s.factor
                && (single || system_exact || s.path == Path::MonteCarlo)
            {
                e.factors.push(FactorTerm {
                    factor: f.clone(),
                    path: s.path,
                    unknown: s.unknown,
                });
                continue;
            }
        }
        if t.class == TermClass::FirstOrder
            && single
            && let Some(d) = drift_of(problem, t.node)
        {
            e.drifts.push(d);
            continue;
        }
        e.ir_terms.push(t.node);
    }
    // A drift inside an IR term is one directional derivative too, wherever it sits (a
    // system's terms stay whole: drifts read one unknown's output).
    if single {
        for e in equations.iter_mut() {
            let mut inner = Vec::new();
            for t in &e.ir_terms {
                drifts_inside(problem, *t, &mut inner);
            }
            e.drifts.extend(inner);
        }
    }
    equations
}

/// The derivatives the base pass reads for `equations`' terms.
fn equation_needs(
    problem: &Problem,
    layout: &InputLayout,
    equations: &[EquationProgram],
) -> Result<Needs, Beyond> {
    let mut needs = Needs::default();
    // The IR terms read their drifts' directional derivatives, not the nodes' derivatives.
    let ir_terms: Vec<NodeId> = equations.iter().flat_map(|e| e.ir_terms.clone()).collect();
    let inside: BTreeSet<NodeId> = equations
        .iter()
        .flat_map(|e| &e.drifts)
        .filter_map(|d| d.inside)
        .collect();
    needs.scan_except(problem, layout, &ir_terms, &inside)?;
    let mut roots = Vec::new();
    for f in equations.iter().flat_map(|e| &e.factors) {
        roots.extend(f.factor.scale);
        roots.extend(f.factor.diag.as_ref().map(|d| d.node));
    }
    if let Some(c) = &problem.constraint {
        roots.push(c.obstacle);
        roots.extend(problem.unknowns[c.unknown].ansatz.as_ref().map(|a| a.node));
    }
    for e in equations {
        for d in &e.drifts {
            roots.extend(&d.factors);
            roots.extend(&d.scalars);
        }
        for q in &e.squares {
            roots.extend(&q.factors);
        }
    }
    needs.scan(problem, layout, &roots)?;
    Ok(needs)
}

/// The equations' program: their terms by path and the derivatives the base pass reads.
fn pde_program(
    problem: &Problem,
    analysis: &Analysis,
    layout: &InputLayout,
) -> Result<PdeProgram, Beyond> {
    let single = problem.unknowns.len() == 1;
    let mut equations = sort_terms(problem, analysis, !single);
    let mut needs = equation_needs(problem, layout, &equations)?;
    // One summed channel serves the exact factors when no other term reads a second
    // derivative and their weights agree (`plan::summed`); a system's exact factors are IR
    // terms otherwise.
    let second = !needs.diag.is_empty() || !needs.mixed.is_empty();
    let reads = match second {
        true => None,
        false => {
            let exact: Vec<ExactFactor<'_>> = equations
                .iter()
                .enumerate()
                .flat_map(|(e, eq)| {
                    eq.factors
                        .iter()
                        .filter(|f| f.path == Path::Exact)
                        .map(move |f| (e, f.unknown, &f.factor))
                })
                .collect();
            summed::summed_reads(problem, equations.len(), &exact)
        }
    };
    let system_exact = equations
        .iter()
        .any(|e| e.factors.iter().any(|f| f.path == Path::Exact));
    if !single && reads.is_none() && system_exact {
        equations = sort_terms(problem, analysis, false);
        needs = equation_needs(problem, layout, &equations)?;
    }
    let summed = reads.is_some();
    for (e, r) in equations.iter_mut().zip(reads.unwrap_or_default()) {
        e.summed = r;
    }
    let factors: Vec<&FactorTerm> = equations.iter().flat_map(|e| &e.factors).collect();
    // Exact-path factors: unit second-order channels (identity, one component) or
    // point-dependent columns of B (Cholesky).
    let mut unit_diag = BTreeSet::new();
    let mut general = 0;
    for f in factors.iter().filter(|f| f.path == Path::Exact) {
        let (off, _) = layout.space(f.factor.var).unwrap_or((0, 0));
        match f.factor.triangular {
            TriangularFactor::Identity { offset, len } => {
                unit_diag.extend((0..len).map(|k| off + offset + k))
            }
            TriangularFactor::Unit { component } => {
                unit_diag.insert(off + component);
            }
            TriangularFactor::Cholesky { rank, .. } => general += rank,
        }
    }
    Ok(PdeProgram {
        equations,
        needs,
        unit_diag,
        general,
        summed,
    })
}

/// A plan term's condition program (`None` for the PDE and the constraint).
fn condition_program(
    problem: &Problem,
    layout: &InputLayout,
    term: &LossTerm,
) -> Result<Option<ConditionProgram>, Beyond> {
    let mut needs = Needs::default();
    let mut periodic_slope = None;
    match term.kind {
        TermKind::Pde | TermKind::Constraint => return Ok(None),
        TermKind::Periodic => {
            // Values and the derivative across the periodic coordinate must agree.
            if let Region::Periodic { var, comp } = term.region {
                let (off, _) = layout.space(var).unwrap_or((0, 0));
                needs.first.insert(off + comp.unwrap_or(0));
                let ansatz = problem
                    .graph
                    .unknowns_in(term.residual)
                    .first()
                    .and_then(|k| problem.unknowns[*k].ansatz.as_ref());
                if let Some(a) = ansatz {
                    let slope = a
                        .slope(&problem.space, var, comp)
                        .expect("invariant: the ansatz's gradient has every component");
                    needs.scan(problem, layout, &[term.residual, slope])?;
                    periodic_slope = Some(slope);
                }
            }
        }
        _ => needs.scan(problem, layout, &[term.residual])?,
    }
    Ok(Some(ConditionProgram {
        needs,
        periodic_slope,
    }))
}

/// The sign the residual must have where the constraint is active, if the time direction
/// of the constrained unknown's equation tells it.
fn active_sign(problem: &Problem, analysis: &Analysis) -> Option<f64> {
    problem.constraint.as_ref().and_then(|c| {
        let e = problem.pdes.iter().position(|p| p.unknown == c.unknown)?;
        let backward = match analysis.directions[e] {
            TimeDirection::Backward => Some(true),
            TimeDirection::Forward => Some(false),
            TimeDirection::Undetermined => None,
        };
        // u >= g on a backward equation: where the obstacle binds, the residual is <= 0.
        backward.map(|b| if b == c.at_least { -1.0 } else { 1.0 })
    })
}
