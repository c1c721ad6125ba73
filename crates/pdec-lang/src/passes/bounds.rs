//! Interval bounds of IR expressions over the whole input box (time range, space domain's
//! bounding box, parameter ranges). Used to prove that a diffusion coefficient keeps one sign,
//! which is what lets the compiler factor it as `B B^T` for the Monte Carlo estimator.

use crate::ir::*;
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

    fn mul(self, o: Interval) -> Interval {
        let c = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        let c = c.map(|v| if v.is_nan() { 0.0 } else { v });
        Interval {
            lo: c.iter().copied().fold(f64::INFINITY, f64::min),
            hi: c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    fn monotone(self, f: impl Fn(f64) -> f64) -> Interval {
        Interval::new(f(self.lo), f(self.hi))
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
        let g = &self.problem.graph;
        match g.op(id).clone() {
            Op::Const(r) => Interval::point(r.0),
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
            Op::Input(Input::Space(k)) => {
                let b = self.problem.space[k].domain.bounds();
                b.iter()
                    .map(|(lo, hi)| Interval::new(*lo, *hi))
                    .reduce(Interval::union)
                    .unwrap_or(ALL)
            }
            Op::Index(base, sels) => {
                if let Op::Input(Input::Space(k)) = g.op(base) {
                    let b = self.problem.space[*k].domain.bounds();
                    let comps: Vec<usize> = match sels.first() {
                        Some(Sel::Fixed(c)) => vec![*c],
                        Some(Sel::Axis(a, off)) => (0..g.axis(*a).len()).map(|i| i + off).collect(),
                        None => (0..b.len()).collect(),
                    };
                    return comps
                        .iter()
                        .filter_map(|c| b.get(*c))
                        .map(|(lo, hi)| Interval::new(*lo, *hi))
                        .reduce(Interval::union)
                        .unwrap_or(ALL);
                }
                self.of(base)
            }
            Op::U | Op::Deriv(_) | Op::NormalDeriv => ALL,
            Op::Normal(_) => Interval::new(-1.0, 1.0),
            Op::Unary(op, a) => {
                let x = self.of(a);
                match op {
                    UnOp::Neg => Interval::new(-x.hi, -x.lo),
                    UnOp::Exp => x.monotone(f64::exp),
                    UnOp::Log if x.lo > 0.0 => x.monotone(f64::ln),
                    UnOp::Sqrt if x.lo >= 0.0 => x.monotone(f64::sqrt),
                    UnOp::Abs => {
                        if x.lo >= 0.0 {
                            x
                        } else if x.hi <= 0.0 {
                            Interval::new(-x.hi, -x.lo)
                        } else {
                            Interval::new(0.0, x.hi.max(-x.lo))
                        }
                    }
                    UnOp::Tanh => x.monotone(f64::tanh),
                    UnOp::Atan => x.monotone(f64::atan),
                    UnOp::Erf => x.monotone(super::super::ir::eval::erf),
                    UnOp::Sinh => x.monotone(f64::sinh),
                    UnOp::Sin | UnOp::Cos => Interval::new(-1.0, 1.0),
                    UnOp::Sign => Interval::new(-1.0, 1.0),
                    UnOp::Floor => x.monotone(f64::floor),
                    UnOp::Cosh => Interval::new(1.0, f64::INFINITY),
                    _ => ALL,
                }
            }
            Op::Binary(op, a, b) => {
                let (x, y) = (self.of(a), self.of(b));
                match op {
                    BinOp::Add => Interval::new(x.lo + y.lo, x.hi + y.hi),
                    BinOp::Sub => Interval::new(x.lo - y.hi, x.hi - y.lo),
                    BinOp::Mul if a == b => {
                        let sq = x.mul(x);
                        Interval::new(sq.lo.max(0.0), sq.hi)
                    }
                    BinOp::Mul => x.mul(y),
                    BinOp::Div if y.lo > 0.0 || y.hi < 0.0 => {
                        x.mul(Interval::new(1.0 / y.lo, 1.0 / y.hi))
                    }
                    BinOp::Pow => match g.as_const(b) {
                        Some(e) if e.fract() == 0.0 && e >= 0.0 => {
                            let p = |v: f64| v.powf(e);
                            if e as i64 % 2 == 0 {
                                let m = x.lo.abs().max(x.hi.abs());
                                let lo = if x.lo <= 0.0 && x.hi >= 0.0 {
                                    0.0
                                } else {
                                    p(x.lo.abs().min(x.hi.abs()))
                                };
                                Interval::new(lo, p(m))
                            } else {
                                x.monotone(p)
                            }
                        }
                        Some(e) if x.lo >= 0.0 => x.monotone(|v| v.powf(e)),
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
                let x = self.of(body);
                Interval::new(x.lo * n as f64, x.hi * n as f64)
            }
            Op::ReduceVec(r, v) => {
                let x = self.of(v);
                let n = match g.ty(v).shape {
                    Shape::Vector(n) => n as f64,
                    _ => 1.0,
                };
                match r {
                    VecRed::Sum => Interval::new(x.lo * n, x.hi * n),
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
