//! Boundary loci (`x = 0`, `x[i] = 1 for i in 1..d`, `on(x)`, `norm(x) = 1`) and
//! `periodic` coordinates, each proven to be a set of faces of the declared domain. A face
//! is one side of an interval or of one box component, or the sphere of a ball centered at 0
//! (`ir::Face`).

use super::Checker;
use super::expr::{Ctx, Env, Local};
use crate::builtins::Builtin;
use crate::diag::Diag;
use crate::ir::{Domain, Face, Input, Side};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{Arg, Binder, Expr, ExprKind, Ident};
use crate::syntax::print::format_number;

impl Checker<'_> {
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

    /// The faces of a space variable, for help texts.
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

    fn not_a_face(&mut self, span: Span, var: Option<usize>, why: &str) {
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
        if rhs.is_none()
            && let ExprKind::Name(n) = &lhs.kind
            && let Some(Res::Local(id)) = self.res.get(0, n.id)
            && let Some(&(var, piece)) = self.pieces.get(&id)
        {
            return self.piece_faces(var, piece, span);
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
            ExprKind::Name(n) => self.coordinate_face(n, span, value),
            ExprKind::Index { base, indices } if indices.len() == 1 => {
                self.component_faces(base, indices, span, value, &env)
            }
            ExprKind::Call { callee, args }
                if matches!(
                    self.res.get(0, callee.id),
                    Some(Res::Builtin(Builtin::Norm))
                ) =>
            {
                self.sphere_face(args, span, value)
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

    /// `x = c`: a side of the interval of a scalar space variable `x`.
    fn coordinate_face(&mut self, n: &Ident, span: Span, value: Option<f64>) -> Option<Vec<Face>> {
        if let Some(Res::Item(r)) = self.res.get(0, n.id)
            && self.inputs.get(&r) == Some(&Input::Time)
        {
            self.diags.push(
                Diag::error(
                    "pdec::check::time_locus",
                    "a boundary is a place in space, not a time",
                )
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

    /// `x[k] = c`, or `x[i] = c for i in lo..hi`: a side of each named box component.
    fn component_faces(
        &mut self,
        base: &Expr,
        indices: &[Expr],
        span: Span,
        value: Option<f64>,
        env: &Env,
    ) -> Option<Vec<Face>> {
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
        if let Domain::Csg(_) = self.space[var].domain {
            let k = self.const_int(&indices[0], env, "a component")?;
            return self.csg_component_faces(var, k, value, indices[0].span, span);
        }
        if !matches!(self.space[var].domain, Domain::Box { .. }) {
            self.not_a_face(span, Some(var), "a component of a ball is not a face");
            return None;
        }
        // The components named: a constant or every value of an index variable.
        let comps: Vec<usize> = {
            let node = self.lower(
                &indices[0],
                env,
                Ctx {
                    what: "a boundary locus",
                    ..Ctx::CONST
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

    /// `norm(x) = r`: the sphere of a ball of radius `r` centered at 0.
    fn sphere_face(&mut self, args: &[Arg], span: Span, value: Option<f64>) -> Option<Vec<Face>> {
        let value = value?;
        if let [a] = args
            && let ExprKind::Name(n) = &a.value.kind
            && let Some(var) = self.space_var(n)
        {
            if let Domain::Csg(_) = &self.space[var].domain {
                return self.csg_sphere_faces(var, value, span);
            }
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

    /// `x = c` or `x[k] = c` as written, for messages.
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
