//! Interval bounds of IR expressions over the whole input box (time range, space domain's
//! bounding box, parameter ranges; a squared distance over a ball's points, not its box:
//! [`ball`]; a `dist` the construction proves non-negative on the domain's points,
//! `Graph::nonnegative`). Used to prove that a diffusion coefficient keeps one sign,
//! which is what lets the compiler factor it as `B B^T` for the Monte Carlo estimator, and
//! the sign of the time derivative's factor, which gives the time direction. Every bound is
//! rounded outward ([`rounding`]): the interval holds the expression's exact real values, so a
//! sign it shows is proven, not an accident of rounding to nearest.

use super::rounding;
use crate::ir::*;
mod ball;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn point(v: f64) -> Interval {
        Interval { lo: v, hi: v }
    }

    fn new(a: f64, b: f64) -> Interval {
        Interval {
            lo: a.min(b),
            hi: a.max(b),
        }
    }

    pub fn nonnegative(self) -> bool {
        self.lo >= 0.0
    }

    pub fn nonpositive(self) -> bool {
        self.hi <= 0.0
    }

    fn union(self, o: Interval) -> Interval {
        Interval {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
        }
    }

    /// Only the part of `self` inside `[lo, hi]`: what the function's range allows.
    fn clamp(self, lo: f64, hi: f64) -> Interval {
        Interval {
            lo: self.lo.max(lo),
            hi: self.hi.min(hi),
        }
    }

    /// A monotone library function's bounds: its values at the ends, widened by the library's
    /// error unless `exact` says the value is exact there (`exp(0) = 1`).
    fn monotone(self, f: impl Fn(f64) -> f64, exact: impl Fn(f64) -> bool) -> Interval {
        let at = |v: f64| {
            if exact(v) {
                (f(v), f(v))
            } else {
                rounding::libm(f(v))
            }
        };
        let (a, b) = (at(self.lo), at(self.hi));
        Interval {
            lo: a.0.min(b.0),
            hi: a.1.max(b.1),
        }
    }
}

/// Sums, differences, products and quotients with every bound rounded outward.
impl std::ops::Add for Interval {
    type Output = Interval;
    fn add(self, o: Interval) -> Interval {
        Interval {
            lo: rounding::add(self.lo, o.lo).0,
            hi: rounding::add(self.hi, o.hi).1,
        }
    }
}

impl std::ops::Sub for Interval {
    type Output = Interval;
    fn sub(self, o: Interval) -> Interval {
        Interval {
            lo: rounding::sub(self.lo, o.hi).0,
            hi: rounding::sub(self.hi, o.lo).1,
        }
    }
}

impl std::ops::Mul for Interval {
    type Output = Interval;
    fn mul(self, o: Interval) -> Interval {
        corners(self, o, rounding::mul)
    }
}

/// `self / o` for an `o` that does not contain 0.
impl std::ops::Div for Interval {
    type Output = Interval;
    fn div(self, o: Interval) -> Interval {
        corners(self, o, rounding::div)
    }
}

/// The hull of `op` at the four corners, each rounded outward.
fn corners(x: Interval, y: Interval, op: fn(f64, f64) -> (f64, f64)) -> Interval {
    let c = [
        op(x.lo, y.lo),
        op(x.lo, y.hi),
        op(x.hi, y.lo),
        op(x.hi, y.hi),
    ];
    Interval {
        lo: c.iter().map(|v| v.0).fold(f64::INFINITY, f64::min),
        hi: c.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max),
    }
}

/// The most our `erf` (the evaluator's) is off the true function: its rational approximation
/// for `|x| >= 0.5` within this, absolutely ...
const ERF_ERROR: f64 = 3e-7;
/// ... and its series below within this share of the value.
const ERF_SERIES_ERROR: f64 = 1e-14;

/// Bounds of the true `erf(x)` from the evaluator's.
fn erf_bounds(x: f64) -> (f64, f64) {
    let v = crate::ir::eval::erf(x);
    let e = if x.abs() < 0.5 {
        ERF_SERIES_ERROR * v.abs()
    } else {
        ERF_ERROR
    };
    (rounding::sub(v, e).0, rounding::add(v, e).1)
}

/// Integer powers up to this are bounded by outward products; higher ones by `powf`.
const MAX_PRODUCT_POWER: f64 = 64.0;

/// Each component's interval of a domain, rounded outward (a ball's `c +- r`).
fn component_bounds(d: &Domain) -> Vec<Interval> {
    match d {
        Domain::Ball { center, radius } => center
            .iter()
            .map(|c| Interval {
                lo: rounding::sub(*c, *radius).0,
                hi: rounding::add(*c, *radius).1,
            })
            .collect(),
        _ => d
            .bounds()
            .iter()
            .map(|(lo, hi)| Interval::new(*lo, *hi))
            .collect(),
    }
}

const ALL: Interval = Interval {
    lo: f64::NEG_INFINITY,
    hi: f64::INFINITY,
};

pub struct Bounds<'a> {
    problem: &'a Problem,
    memo: HashMap<NodeId, Interval>,
}

impl<'a> Bounds<'a> {
    pub fn new(problem: &'a Problem) -> Bounds<'a> {
        Bounds {
            problem,
            memo: HashMap::new(),
        }
    }

    /// An interval containing every value of the node over the input box (and over all values
    /// of its index axes). Unbounded when the node involves the unknown.
    pub fn of(&mut self, id: NodeId) -> Interval {
        if let Some(i) = self.memo.get(&id) {
            return *i;
        }
        let i = self.compute(id);
        self.memo.insert(id, i);
        i
    }

    fn compute(&mut self, id: NodeId) -> Interval {
        if let Some(i) = ball::squared_distance(self.problem, id) {
            return i;
        }
        let g = &self.problem.graph;
        // A `dist` whose levels the construction proves non-negative on the domain; its
        // arithmetic (`1 / phi` of levels that vanish on the box) says nothing bounded.
        if g.nonnegative.contains(&id) {
            return Interval {
                lo: 0.0,
                hi: f64::INFINITY,
            };
        }
        match g.op(id).clone() {
            Op::Const(r) => Interval::point(r.0),
            // An unknown coefficient stays inside its declared range.
            Op::Coef(k) => match self.problem.coefficients.get(k) {
                Some(c) => Interval::new(c.lo, c.hi),
                None => Interval::new(f64::NEG_INFINITY, f64::INFINITY),
            },
            Op::Tensor(k) => {
                let d = &g.tensors[k].data;
                Interval {
                    lo: d.iter().copied().fold(f64::INFINITY, f64::min),
                    hi: d.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                }
            }
            Op::AxisValue(a) => {
                let ax = g.axis(a);
                Interval::new(ax.lo as f64, ax.hi as f64)
            }
            Op::Input(Input::Time) => match &self.problem.time {
                Some(t) => Interval::new(t.lo, t.hi),
                None => ALL,
            },
            Op::Input(Input::Param(k)) => {
                let p = &self.problem.params[k];
                Interval::new(p.lo, p.hi)
            }
            Op::Input(Input::Space(k)) => component_bounds(&self.problem.space[k].domain)
                .into_iter()
                .reduce(Interval::union)
                .unwrap_or(ALL),
            Op::Index(base, sels) => {
                if let Op::Input(Input::Space(k)) = g.op(base) {
                    let b = component_bounds(&self.problem.space[*k].domain);
                    let comps: Vec<usize> = match sels.first() {
                        Some(Sel::Fixed(c)) => vec![*c],
                        Some(Sel::Axis(a, off)) => (0..g.axis(*a).len()).map(|i| i + off).collect(),
                        None => (0..b.len()).collect(),
                    };
                    return comps
                        .iter()
                        .filter_map(|c| b.get(*c).copied())
                        .reduce(Interval::union)
                        .unwrap_or(ALL);
                }
                self.of(base)
            }
            Op::U(_) | Op::Deriv(..) | Op::NormalDeriv(_) => ALL,
            Op::Normal(_) => Interval::new(-1.0, 1.0),
            Op::Unary(op, a) => {
                let x = self.of(a);
                let zero = |v: f64| v == 0.0;
                match op {
                    UnOp::Neg => Interval::new(-x.hi, -x.lo),
                    UnOp::Exp => x.monotone(f64::exp, zero).clamp(0.0, f64::INFINITY),
                    UnOp::Log if x.lo > 0.0 => x.monotone(f64::ln, |v| v == 1.0),
                    UnOp::Sqrt if x.lo >= 0.0 => Interval {
                        lo: rounding::sqrt(x.lo).0,
                        hi: rounding::sqrt(x.hi).1,
                    }
                    .clamp(0.0, f64::INFINITY),
                    UnOp::Abs => {
                        if x.lo >= 0.0 {
                            x
                        } else if x.hi <= 0.0 {
                            Interval::new(-x.hi, -x.lo)
                        } else {
                            Interval::new(0.0, x.hi.max(-x.lo))
                        }
                    }
                    UnOp::Tanh => x.monotone(f64::tanh, zero).clamp(-1.0, 1.0),
                    UnOp::Atan => x.monotone(f64::atan, zero),
                    UnOp::Erf => Interval {
                        lo: erf_bounds(x.lo).0,
                        hi: erf_bounds(x.hi).1,
                    }
                    .clamp(-1.0, 1.0),
                    UnOp::Sinh => x.monotone(f64::sinh, zero),
                    UnOp::Sin | UnOp::Cos => Interval::new(-1.0, 1.0),
                    UnOp::Sign => Interval::new(-1.0, 1.0),
                    // Exact in floating point: no widening.
                    UnOp::Floor => Interval::new(x.lo.floor(), x.hi.floor()),
                    UnOp::Cosh => Interval::new(1.0, f64::INFINITY),
                    _ => ALL,
                }
            }
            Op::Binary(op, a, b) => {
                let (x, y) = (self.of(a), self.of(b));
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul if a == b => (x * x).clamp(0.0, f64::INFINITY),
                    BinOp::Mul => x * y,
                    BinOp::Div if y.lo > 0.0 || y.hi < 0.0 => x / y,
                    // A denominator that may be 0: nothing is known.
                    BinOp::Div => ALL,
                    BinOp::Pow => match g.as_const(b) {
                        Some(e) if e.fract() == 0.0 && (0.0..=MAX_PRODUCT_POWER).contains(&e) => {
                            let n = e as u32;
                            if n.is_multiple_of(2) {
                                let m = x.lo.abs().max(x.hi.abs());
                                let lo = if x.lo <= 0.0 && x.hi >= 0.0 {
                                    0.0
                                } else {
                                    rounding::powi(x.lo.abs().min(x.hi.abs()), n).0
                                };
                                Interval {
                                    lo,
                                    hi: rounding::powi(m, n).1,
                                }
                            } else {
                                Interval {
                                    lo: rounding::powi(x.lo, n).0,
                                    hi: rounding::powi(x.hi, n).1,
                                }
                            }
                        }
                        Some(e) if x.lo >= 0.0 => x
                            .monotone(
                                |v| v.powf(e),
                                |v| v == 0.0 || v == 1.0 || e == 0.0 || e == 1.0,
                            )
                            .clamp(0.0, f64::INFINITY),
                        _ => ALL,
                    },
                    BinOp::Min => Interval::new(x.lo.min(y.lo), x.hi.min(y.hi)),
                    BinOp::Max => Interval::new(x.lo.max(y.lo), x.hi.max(y.hi)),
                    _ => Interval::new(0.0, 1.0),
                }
            }
            Op::Select(_, a, b) => self.of(a).union(self.of(b)),
            Op::Reduce(RedOp::Sum, axes, body) => {
                let n: usize = axes.iter().map(|a| g.axis(*a).len()).product();
                self.of(body) * Interval::point(n as f64)
            }
            Op::ReduceVec(r, v) => {
                let x = self.of(v);
                let n = match g.ty(v).shape {
                    Shape::Vector(n) => n as f64,
                    _ => 1.0,
                };
                match r {
                    VecRed::Sum => x * Interval::point(n),
                    VecRed::Mean | VecRed::Max | VecRed::Min => x,
                    VecRed::Prod => ALL,
                }
            }
            Op::Stack(items) => items
                .iter()
                .map(|i| self.of(*i))
                .reduce(Interval::union)
                .unwrap_or(ALL),
            Op::Reduce(RedOp::Prod, ..) => ALL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// `0.1 + 0.2` rounds to nearest upwards, so the naive bounds of `0.1 + 0.2 - (0.1 + 0.2)`
    /// are [0, 0] and call it non-negative; the exact real value (of these `f64`s) is -2^-55.
    #[test]
    fn outward_bounds_hold_the_exact_value_rounding_to_nearest_loses() {
        let rounded = 0.1f64 + 0.2;
        let naive = (0.1f64 + 0.2) - rounded;
        assert_eq!(naive, 0.0, "to nearest: a sign it has not proven");
        let exact = -(2f64.powi(-55));
        let i = Interval::point(0.1) + Interval::point(0.2) - Interval::point(rounded);
        assert!(i.lo <= exact && exact <= i.hi, "{i:?}");
        assert!(!i.nonnegative(), "{i:?}");
        // Exact operations keep points: nothing widens without a reason.
        let p = Interval::point(0.5) * Interval::point(4.0) + Interval::point(1.0);
        assert_eq!(p, Interval::point(3.0));
    }

    fn coefficient_sign(coefficient: &str, domain: &str) -> Result<f64, String> {
        let src = format!(
            "time t in [0, 1]\nspace x in {domain}\nunknown u(t, x)\n\
             pde d(u, t) = {coefficient} * d(u, x, x)\ninitial u = 0\nboundary on(x): u = 0\n"
        );
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src,
            },
            &[],
        );
        let a = c.analysis.expect("an analysis");
        a.second_order[0]
            .factor
            .as_ref()
            .map(|f| f.sign)
            .map_err(|e| e.clone())
    }

    /// On `x` in [0.1, 1], `x + 0.2 - 0.30000000000000004` is -2^-55 at `x = 0.1`: rounded to
    /// nearest its bounds start at 0 and "prove" it non-negative; outward they do not.
    #[test]
    fn a_coefficient_that_dips_below_zero_by_rounding_is_not_proven() {
        let why = coefficient_sign("(x + 0.2 - 0.30000000000000004)", "[0.1, 1]")
            .expect_err("not proven");
        assert!(why.contains("may change sign"), "{why}");
        // Clear signs are still proven, squares and exact zeros included (the residual is
        // `d(u, t) - c * d(u, x, x)`: a positive `c` is the sign -1).
        assert_eq!(coefficient_sign("0.5 * 0.04 * x^2", "[0.01, 3]"), Ok(-1.0));
        assert_eq!(coefficient_sign("x * x", "[0, 1]"), Ok(-1.0));
        assert_eq!(coefficient_sign("-(exp(x) - 1)", "[0, 2]"), Ok(1.0));
        assert_eq!(coefficient_sign("sqrt(x) + log(1 + x)", "[0, 2]"), Ok(-1.0));
    }

    /// A quotient whose denominator may vanish is unbounded: `1 / (x - 0.5)` changes sign on
    /// `[0, 1]` (the fall-through once gave it a comparison's `[0, 1]`).
    #[test]
    fn a_quotient_by_what_may_be_zero_is_not_proven() {
        let why = coefficient_sign("(1 / (x - 0.5))", "[0, 1]").expect_err("not proven");
        assert!(why.contains("may change sign"), "{why}");
        assert_eq!(coefficient_sign("(1 / (x + 1))", "[0, 1]"), Ok(-1.0));
    }

    /// The factor of `u = dist(boundary) * net` in front of the network's Laplacian: proven
    /// non-negative on a cube minus a ball (the Monte Carlo path is open), not on a union of
    /// two squares, where neither square contains the domain.
    #[test]
    fn a_dist_ansatz_factor_is_proven_where_the_construction_proves_it() {
        let factor = |domain: &str| {
            let src = format!(
                "space x in {domain}\nunknown u(x)\npde lap(u) = 1\n\
                 boundary on(x): u = 0\nansatz u = dist(boundary) * net\n"
            );
            let c = crate::driver::compile(
                SourceFile {
                    name: "t.pde".into(),
                    text: src,
                },
                &[],
            );
            let a = c.analysis.expect("an analysis");
            a.second_order[0]
                .factor
                .as_ref()
                .map(|f| f.sign)
                .map_err(|e| e.clone())
        };
        assert_eq!(
            factor("[0, 1]^4 - ball(4, center = 0.5, radius = 0.7)"),
            Ok(1.0)
        );
        assert_eq!(factor("[0, 1]^3"), Ok(1.0));
        let why = factor("box([0, 1]^2) or box([2, 3] * [0, 1])").expect_err("unproven");
        assert!(why.contains("may change sign"), "{why}");
    }

    #[test]
    fn library_functions_are_widened_but_keep_their_exact_points() {
        let x = Interval::new(0.0, 1.0);
        let e = x.monotone(f64::exp, |v| v == 0.0);
        assert_eq!(e.lo, 1.0);
        assert!(e.hi > std::f64::consts::E);
        let l = Interval::new(1.0, 2.0).monotone(f64::ln, |v| v == 1.0);
        assert_eq!(l.lo, 0.0);
        assert!(l.hi > std::f64::consts::LN_2);
        let (lo, hi) = erf_bounds(1.0);
        assert!(lo < 0.8427007929497149 && 0.8427007929497149 < hi);
    }
}
