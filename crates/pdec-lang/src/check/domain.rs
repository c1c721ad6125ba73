//! Domains of inputs (`[a, b]`, `[a, b]^d`, products, `ball(...)`) and boundary loci
//! (`x = 0`, `x[i] = 1 for i in 1..d`, `on(x)`, `norm(x) = 1`), each locus proven to be a
//! set of faces of the declared domain.

use super::Checker;
use super::expr::{Env, Local};
use crate::builtins::Builtin;
use crate::diag::Diag;
use crate::ir::{Domain, Face, Input, Side};
use crate::resolve::Res;
use crate::syntax::ast::{BinaryOp, Binder, Expr, ExprKind, Ident};
use crate::syntax::print::format_number;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainUse {
    Param,
    Time,
    Space,
}

impl Checker<'_> {
    fn bad_domain(&mut self, e: &Expr, usage: DomainUse) {
        let help = match usage {
            DomainUse::Param => "a parameter ranges over an interval: `param nu in [0.01, 0.1]`",
            DomainUse::Time => "time ranges over an interval: `time t in [0, 1]`",
            DomainUse::Space => {
                "write an interval `[0, 1]`, a box `[0, 1]^d` or `[0, 1] * [0, 2]`, or `ball(d, center = 0, radius = 1)`"
            }
        };
        self.diags.push(
            Diag::error("pdec::check::bad_domain", "this is not a domain")
                .primary(e.span, "expected a domain")
                .help(help),
        );
    }

    /// A dimension: a whole-number constant between 1 and 100000.
    fn dimension(&mut self, e: &Expr, help: &str) -> Option<i64> {
        let n = self.const_int(e, &Env::default(), "a dimension")?;
        if !(1..=100_000).contains(&n) {
            self.diags.push(
                Diag::error(
                    "pdec::check::bad_dimension",
                    format!("dimension {n} is out of range"),
                )
                .primary(e.span, "must be between 1 and 100000")
                .help(help.to_string()),
            );
            return None;
        }
        Some(n)
    }

    pub fn domain(&mut self, e: &Expr, usage: DomainUse) -> Option<Domain> {
        let env = Env::default();
        match &e.kind {
            ExprKind::List(items) if items.len() == 2 => {
                let lo = self.const_scalar(&items[0], &env, "a domain bound");
                let hi = self.const_scalar(&items[1], &env, "a domain bound");
                let (lo, hi) = (lo?, hi?);
                if lo >= hi {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::empty_interval",
                            format!(
                                "the interval [{}, {}] is empty",
                                format_number(lo),
                                format_number(hi)
                            ),
                        )
                        .primary(e.span, "lower bound not below upper bound")
                        .help(if lo == hi {
                            "a fixed value is a `const`, not a `param`".to_string()
                        } else {
                            format!(
                                "write it as `[{}, {}]`",
                                format_number(hi),
                                format_number(lo)
                            )
                        }),
                    );
                    return None;
                }
                Some(Domain::Interval { lo, hi })
            }
            ExprKind::Binary {
                op: BinaryOp::Pow,
                lhs,
                rhs,
                ..
            } if usage == DomainUse::Space => {
                let base = self.domain(lhs, usage)?;
                let n = self.dimension(
                    rhs,
                    "the dimension is the number of components, e.g. `[0, 1]^3`",
                )?;
                let Domain::Interval { lo, hi } = base else {
                    self.bad_domain(lhs, usage);
                    return None;
                };
                Some(Domain::Box {
                    lo: vec![lo; n as usize],
                    hi: vec![hi; n as usize],
                })
            }
            ExprKind::Binary {
                op: BinaryOp::Mul,
                lhs,
                rhs,
                ..
            } if usage == DomainUse::Space => {
                let a = self.domain(lhs, usage);
                let b = self.domain(rhs, usage);
                let (a, b) = (a?, b?);
                let parts =
                    |d: Domain, this: &mut Self, e: &Expr| -> Option<(Vec<f64>, Vec<f64>)> {
                        match d {
                            Domain::Interval { lo, hi } => Some((vec![lo], vec![hi])),
                            Domain::Box { lo, hi } => Some((lo, hi)),
                            Domain::Ball { .. } => {
                                this.bad_domain(e, usage);
                                None
                            }
                        }
                    };
                let (mut lo, mut hi) = parts(a, self, lhs)?;
                let (lo2, hi2) = parts(b, self, rhs)?;
                lo.extend(lo2);
                hi.extend(hi2);
                Some(Domain::Box { lo, hi })
            }
            ExprKind::Call { callee, args } if usage == DomainUse::Space => {
                let is_ball = matches!(
                    self.res.get(0, callee.id),
                    Some(Res::Builtin(Builtin::Ball))
                );
                if !is_ball {
                    self.bad_domain(e, usage);
                    return None;
                }
                let mut dim = None;
                let mut center = None;
                let mut radius = None;
                for (i, a) in args.iter().enumerate() {
                    match (a.name.as_ref().map(|n| n.text.as_str()), i) {
                        (None, 0) | (Some("dim"), _) => dim = Some(&a.value),
                        (Some("center"), _) | (None, 1) => center = Some(&a.value),
                        (Some("radius"), _) | (None, 2) => radius = Some(&a.value),
                        _ => {
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::named_argument",
                                    "`ball` takes a dimension, `center` and `radius`",
                                )
                                .primary(a.value.span, "unexpected argument")
                                .help("write `ball(d, center = 0, radius = 1)`"),
                            );
                            return None;
                        }
                    }
                }
                let Some(dim) = dim else {
                    self.diags.push(
                        Diag::error("pdec::check::arity", "`ball` needs its dimension")
                            .primary(e.span, "no dimension")
                            .help("write `ball(d, center = 0, radius = 1)`"),
                    );
                    return None;
                };
                let n = self.dimension(
                    dim,
                    "the first argument of `ball` is the number of components",
                )?;
                let r = match radius {
                    Some(r) => self.const_scalar(r, &env, "a radius")?,
                    None => 1.0,
                };
                if r <= 0.0 {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::bad_radius",
                            format!("radius {} is not positive", format_number(r)),
                        )
                        .primary(radius.map(|r| r.span).unwrap_or(e.span), "must be > 0")
                        .help("a ball needs a positive radius"),
                    );
                    return None;
                }
                let c = match center {
                    None => vec![0.0; n as usize],
                    Some(c) => match &c.kind {
                        ExprKind::List(items) => {
                            if items.len() != n as usize {
                                self.diags.push(
                                    Diag::error(
                                        "pdec::check::shape_mismatch",
                                        format!("the center has {} components, the ball {n}", items.len()),
                                    )
                                    .primary(c.span, "wrong length")
                                    .help("give one number (used for every component) or one per component"),
                                );
                                return None;
                            }
                            let mut v = Vec::new();
                            for it in items {
                                v.push(self.const_scalar(it, &env, "a center component")?);
                            }
                            v
                        }
                        _ => vec![self.const_scalar(c, &env, "the center")?; n as usize],
                    },
                };
                Some(Domain::Ball {
                    center: c,
                    radius: r,
                })
            }
            _ => {
                self.bad_domain(e, usage);
                None
            }
        }
    }

    /// The space variable a locus names, if it is one.
    fn space_var(&self, name: &Ident) -> Option<usize> {
        match self.res.get(0, name.id) {
            Some(Res::Item(r)) => match self.inputs.get(&r) {
                Some(Input::Space(k)) => Some(*k),
                _ => None,
            },
            _ => None,
        }
    }

    /// Does this locus or coordinate name a space variable whose declaration failed? Then
    /// it was reported already and nothing more is said.
    fn names_failed_var(&self, e: &Expr) -> bool {
        let mut found = false;
        walk_names(e, &mut |n| {
            if let Some(Res::Item(r)) = self.res.get(0, n.id)
                && let Some(i) = self.inputs.get(&r)
                && self.failed.contains(i)
            {
                found = true;
            }
        });
        found
    }

    fn faces_help(&self, var: usize) -> String {
        let v = &self.space[var];
        let faces = v.domain.faces(var);
        let names: Vec<String> = faces
            .iter()
            .take(4)
            .map(|f| format!("`{}`", self.face_name(*f)))
            .collect();
        let more = if faces.len() > 4 {
            format!(
                " ... ({} faces; `x[i] = c for i in 1..d` names many)",
                faces.len()
            )
        } else {
            String::new()
        };
        format!(
            "the faces of `{}` are {}{more}, or all of them: `on({})`",
            v.name,
            names.join(", "),
            v.name
        )
    }

    pub fn face_name(&self, f: Face) -> String {
        crate::ir::face_name(&self.space, f)
    }

    fn not_a_face(&mut self, span: crate::source::Span, var: Option<usize>, why: &str) {
        let mut d = Diag::error(
            "pdec::check::not_a_face",
            format!("this locus is not a face of the domain: {why}"),
        )
        .primary(span, "not a face");
        if let Some(v) = var {
            d = d
                .secondary(self.space[v].span, "domain declared here")
                .help(self.faces_help(v));
        } else {
            d = d.help("name a face of a space variable: `x = 0`, `x[1] = 1`, `on(x)`");
        }
        self.diags.push(d);
    }

    /// The faces a boundary locus names. `binders` come from `for i in 1..d`.
    pub fn locus(
        &mut self,
        lhs: &Expr,
        rhs: Option<&Expr>,
        binders: &[Binder],
    ) -> Option<Vec<Face>> {
        if self.names_failed_var(lhs) {
            return None;
        }
        let span = match rhs {
            Some(r) => lhs.span.to(r.span),
            None => lhs.span,
        };
        let mut env = Env::default();
        let mut axes = Vec::new();
        for b in binders {
            let a = self.binder_axis(b, &env)?;
            env.locals.insert(b.name.id, Local::Axis(a));
            axes.push(a);
        }
        let Some(rhs) = rhs else {
            // `on(x)`: the whole boundary.
            if let ExprKind::Call { callee, args } = &lhs.kind
                && matches!(self.res.get(0, callee.id), Some(Res::Builtin(Builtin::On)))
            {
                if let [a] = args.as_slice()
                    && let ExprKind::Name(n) = &a.value.kind
                    && let Some(var) = self.space_var(n)
                {
                    return Some(self.space[var].domain.faces(var));
                }
                self.not_a_face(span, None, "`on` takes a space variable");
                return None;
            }
            self.not_a_face(
                span,
                None,
                "expected `on(x)` or an equation such as `x = 0`",
            );
            return None;
        };
        let value = self.const_scalar(rhs, &env, "a boundary position");
        match &lhs.kind {
            ExprKind::Name(n) => {
                if let Some(Res::Item(r)) = self.res.get(0, n.id)
                    && self.inputs.get(&r) == Some(&Input::Time)
                {
                    self.diags.push(
                        Diag::error("pdec::check::time_locus", "a boundary is a place in space, not a time")
                            .primary(span, "a time slice")
                            .help("conditions at a time are written `initial u = ...` or `terminal u = ...`"),
                    );
                    return None;
                }
                let Some(var) = self.space_var(n) else {
                    self.not_a_face(span, None, &format!("`{}` is not a space variable", n.text));
                    return None;
                };
                let value = value?;
                match &self.space[var].domain {
                    Domain::Interval { lo, hi } => {
                        if value == *lo {
                            Some(vec![Face::Side {
                                var,
                                comp: None,
                                side: Side::Lo,
                            }])
                        } else if value == *hi {
                            Some(vec![Face::Side {
                                var,
                                comp: None,
                                side: Side::Hi,
                            }])
                        } else {
                            self.not_a_face(
                                span,
                                Some(var),
                                &format!(
                                    "`{}` is inside the domain",
                                    self.face_like(var, None, value)
                                ),
                            );
                            None
                        }
                    }
                    _ => {
                        self.not_a_face(
                            span,
                            Some(var),
                            &format!("`{}` is a vector; name one component", n.text),
                        );
                        None
                    }
                }
            }
            ExprKind::Index { base, indices } if indices.len() == 1 => {
                let ExprKind::Name(n) = &base.kind else {
                    self.not_a_face(span, None, "expected a space variable");
                    return None;
                };
                let Some(var) = self.space_var(n) else {
                    self.not_a_face(span, None, &format!("`{}` is not a space variable", n.text));
                    return None;
                };
                let value = value?;
                let bounds = self.space[var].domain.bounds();
                if !matches!(self.space[var].domain, Domain::Box { .. }) {
                    self.not_a_face(span, Some(var), "a component of a ball is not a face");
                    return None;
                }
                // The components named: a constant or every value of an index variable.
                let comps: Vec<usize> = {
                    let node = self.lower(
                        &indices[0],
                        &env,
                        super::expr::Ctx {
                            what: "a boundary locus",
                            ..super::expr::Ctx::CONST
                        },
                    )?;
                    let dense = crate::ir::eval::leaf(&self.g, node)?;
                    let mut v = Vec::new();
                    for &x in dense.data.iter() {
                        if x.fract() != 0.0 || x < 1.0 || x > bounds.len() as f64 {
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::index_out_of_range",
                                    format!("component {x} is out of range for `{}`", n.text),
                                )
                                .primary(
                                    indices[0].span,
                                    format!("`{}` has {} components", n.text, bounds.len()),
                                )
                                .help(format!(
                                    "components of `{}` run from 1 to {}",
                                    n.text,
                                    bounds.len()
                                )),
                            );
                            return None;
                        }
                        v.push(x as usize - 1);
                    }
                    v
                };
                let mut faces = Vec::new();
                for k in comps {
                    let (lo, hi) = bounds[k];
                    let side = if value == lo {
                        Side::Lo
                    } else if value == hi {
                        Side::Hi
                    } else {
                        self.not_a_face(
                            span,
                            Some(var),
                            &format!(
                                "`{}` is not on the boundary",
                                self.face_like(var, Some(k), value)
                            ),
                        );
                        return None;
                    };
                    faces.push(Face::Side {
                        var,
                        comp: Some(k),
                        side,
                    });
                }
                faces.sort();
                faces.dedup();
                Some(faces)
            }
            ExprKind::Call { callee, args }
                if matches!(
                    self.res.get(0, callee.id),
                    Some(Res::Builtin(Builtin::Norm))
                ) =>
            {
                let value = value?;
                if let [a] = args.as_slice()
                    && let ExprKind::Name(n) = &a.value.kind
                    && let Some(var) = self.space_var(n)
                {
                    if let Domain::Ball { center, radius } = &self.space[var].domain {
                        if center.iter().all(|c| *c == 0.0) && value == *radius {
                            return Some(vec![Face::Sphere { var }]);
                        }
                        self.not_a_face(
                            span,
                            Some(var),
                            "the sphere of the ball has another center or radius",
                        );
                        return None;
                    }
                    self.not_a_face(span, Some(var), "the domain is not a ball");
                    return None;
                }
                self.not_a_face(span, None, "`norm` takes a space variable");
                None
            }
            _ => {
                self.not_a_face(
                    span,
                    None,
                    "expected `x = c`, `x[i] = c`, `norm(x) = r` or `on(x)`",
                );
                None
            }
        }
    }

    fn face_like(&self, var: usize, comp: Option<usize>, value: f64) -> String {
        let n = &self.space[var].name;
        match comp {
            None => format!("{n} = {}", format_number(value)),
            Some(k) => format!("{n}[{}] = {}", k + 1, format_number(value)),
        }
    }

    /// `periodic x` or `periodic x[k]`: the coordinate and its two faces.
    pub fn periodic(&mut self, e: &Expr) -> Option<(usize, Option<usize>, Vec<Face>)> {
        if self.names_failed_var(e) {
            return None;
        }
        let env = Env::default();
        let (n, comp) = match &e.kind {
            ExprKind::Name(n) => (n, None),
            ExprKind::Index { base, indices } if indices.len() == 1 => match &base.kind {
                ExprKind::Name(n) => {
                    let k = self.const_int(&indices[0], &env, "a component")?;
                    (n, Some(k))
                }
                _ => {
                    self.not_a_face(e.span, None, "`periodic` takes a space coordinate");
                    return None;
                }
            },
            _ => {
                self.not_a_face(e.span, None, "`periodic` takes a space coordinate");
                return None;
            }
        };
        let Some(var) = self.space_var(n) else {
            self.not_a_face(
                e.span,
                None,
                &format!("`{}` is not a space variable", n.text),
            );
            return None;
        };
        match (&self.space[var].domain, comp) {
            (Domain::Interval { .. }, None) => Some((
                var,
                None,
                vec![
                    Face::Side {
                        var,
                        comp: None,
                        side: Side::Lo,
                    },
                    Face::Side {
                        var,
                        comp: None,
                        side: Side::Hi,
                    },
                ],
            )),
            (Domain::Box { lo, .. }, Some(k)) if k >= 1 && (k as usize) <= lo.len() => {
                let c = Some(k as usize - 1);
                Some((
                    var,
                    c,
                    vec![
                        Face::Side {
                            var,
                            comp: c,
                            side: Side::Lo,
                        },
                        Face::Side {
                            var,
                            comp: c,
                            side: Side::Hi,
                        },
                    ],
                ))
            }
            _ => {
                self.not_a_face(
                    e.span,
                    Some(var),
                    "periodicity needs an interval or one box component `x[k]`",
                );
                None
            }
        }
    }
}

fn walk_names(e: &Expr, f: &mut impl FnMut(&Ident)) {
    match &e.kind {
        ExprKind::Name(n) => f(n),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| walk_names(&a.value, f)),
        ExprKind::Index { base, indices } => {
            walk_names(base, f);
            indices.iter().for_each(|i| walk_names(i, f));
        }
        ExprKind::Unary { operand, .. } => walk_names(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_names(lhs, f);
            walk_names(rhs, f);
        }
        _ => {}
    }
}
