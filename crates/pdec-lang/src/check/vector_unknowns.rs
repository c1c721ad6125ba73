//! Vector unknowns: `unknown U(t, x)[2]` declares a group of scalar unknowns, its
//! components `U[1]`, `U[2]`, each its own network output, `exact`, conditions and
//! columns, as a scalar unknown of a system. `U` alone is the vector of its components
//! (`Op::Stack` of their `Op::U(k)`), `U[2]` one of them. This file expands the
//! declarations into components, and finds which unknown (or component) an expression
//! names, with the errors of a component that does not exist.

use super::expr::{Ctx, Env};
use super::{Checker, DeclaredUnknown, UnknownRef};
use crate::diag::Diag;
use crate::ir::{NodeId, Op, Ty};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, ItemKind};

/// Most components of one vector unknown: each is a network output with its own loss
/// terms, plots and columns; more is a mistake, not a field.
pub(super) const MAX_COMPONENTS: i64 = 64;

/// What an expression names, as the left side of `exact` or the first argument of `d`.
pub(crate) enum Named {
    /// Not an unknown (nor a component of one).
    Other,
    Unknown(UnknownRef),
    /// A component that does not exist, or an index that is not a constant: reported.
    Failed,
}

impl Checker<'_> {
    /// Each vector unknown replaced by its components, named `U[1]`, `U[2]`, ...
    pub(super) fn vector_unknowns(&mut self) {
        let program = self.program;
        let declared = std::mem::take(&mut self.unknowns);
        for u in declared {
            let ItemKind::Unknown {
                components: Some(n),
                ..
            } = &program.item(u.item).kind
            else {
                self.unknowns.push(u);
                continue;
            };
            let count = self.const_int(n, &Env::default(), "the number of components");
            let count = match count {
                Some(c) if (1..=MAX_COMPONENTS).contains(&c) => c as usize,
                Some(c) => {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::bad_component_count",
                            format!("a vector unknown has 1 to {MAX_COMPONENTS} components, not {c}"),
                        )
                        .primary(n.span, "number of components")
                        .help(format!(
                            "declare its components' number, e.g. `unknown {}(...)[2]` for a 2-D velocity; a scalar unknown has no `[...]`",
                            u.name
                        )),
                    );
                    self.unknowns.push(u);
                    continue;
                }
                // Reported by `const_int`.
                None => {
                    self.unknowns.push(u);
                    continue;
                }
            };
            for j in 0..count {
                self.unknowns.push(DeclaredUnknown {
                    name: format!("{}[{}]", u.name, j + 1),
                    component: Some(j),
                    ..u.clone()
                });
            }
        }
    }

    /// Does the problem declare a vector unknown?
    pub(super) fn has_vector_unknown(&self) -> bool {
        self.unknowns.iter().any(|u| u.component.is_some())
    }

    /// The vector unknown's name (`U` for `U[1]`), or the scalar unknown's.
    pub(super) fn base_name(&self, k: usize) -> String {
        let u = &self.unknowns[k];
        match u.component {
            Some(j) => u.name[..u.name.len() - format!("[{}]", j + 1).len()].to_string(),
            None => u.name.clone(),
        }
    }

    /// The value of an unknown: `Op::U(k)`, or the vector of a vector unknown's components.
    pub(super) fn unknown_value(&mut self, u: UnknownRef, span: Span) -> Option<NodeId> {
        match u {
            UnknownRef::Scalar(k) => Some(self.g.add(Op::U(k), Ty::scalar(), span)),
            UnknownRef::Vector { .. } => {
                let items: Vec<NodeId> = u
                    .numbers()
                    .map(|k| self.g.add(Op::U(k), Ty::scalar(), span))
                    .collect();
                let r = self.g.stack(&items, span);
                self.t(r, span)
            }
        }
    }

    /// The unknown (or component) `e` names by itself: `u`, `U`, or `U[2]` with a constant
    /// index (in `module`'s names).
    pub(super) fn named_unknown(&mut self, e: &Expr, env: &Env) -> Named {
        let by_name = |this: &Self, e: &Expr| match &e.kind {
            ExprKind::Name(n) => match this.res.get(env.module, n.id) {
                Some(Res::Item(r)) => this.unknown_ref(r),
                _ => None,
            },
            _ => None,
        };
        match &e.kind {
            ExprKind::Name(_) => by_name(self, e).map_or(Named::Other, Named::Unknown),
            ExprKind::Index { base, indices } => {
                let Some(UnknownRef::Vector { first, len }) = by_name(self, base) else {
                    return Named::Other;
                };
                match self.component_index(base, indices, len, env) {
                    Some(j) => Named::Unknown(UnknownRef::Scalar(first + j)),
                    None => Named::Failed,
                }
            }
            _ => Named::Other,
        }
    }

    /// `U[j]` with a constant `j` in `1..=len`: `j - 1`. Anything else is reported.
    fn component_index(
        &mut self,
        base: &Expr,
        indices: &[Expr],
        len: usize,
        env: &Env,
    ) -> Option<usize> {
        let name = match &base.kind {
            ExprKind::Name(n) => n.text.clone(),
            _ => "U".into(),
        };
        let span = indices
            .first()
            .map_or(base.span, |i| i.span.to(indices[indices.len() - 1].span));
        let value = match indices {
            [ix] => self.const_scalar_quiet(ix, env),
            _ => None,
        };
        match value {
            Some(v) if v.fract() == 0.0 && v >= 1.0 && v <= len as f64 => Some(v as usize - 1),
            Some(v) if v.fract() == 0.0 && indices.len() == 1 => {
                self.component_out_of_range(&name, len, &format!("{v}"), span);
                None
            }
            _ => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::bad_index",
                        format!("a component of `{name}` here must be one whole-number constant"),
                    )
                    .primary(span, "not one fixed component")
                    .help(format!(
                        "name the component, `{name}[1]` to `{name}[{len}]`, or apply the operator to all of `{name}`"
                    )),
                );
                None
            }
        }
    }

    /// `U[j]` with a constant `j` that is no component of the vector unknown `U`: reported
    /// (true). Index variables are checked against the length as for any vector.
    pub(super) fn missing_component(&mut self, base: &Expr, indices: &[Expr], env: &Env) -> bool {
        let (ExprKind::Name(n), [ix]) = (&base.kind, indices) else {
            return false;
        };
        if env.by_name {
            return false;
        }
        let Some(Res::Item(r)) = self.res.get(env.module, n.id) else {
            return false;
        };
        let Some(UnknownRef::Vector { len, .. }) = self.unknown_ref(r) else {
            return false;
        };
        match self.const_scalar_quiet(ix, env) {
            Some(v) if v.fract() == 0.0 && (v < 1.0 || v > len as f64) => {
                self.component_out_of_range(&n.text, len, &format!("{v}"), ix.span);
                true
            }
            _ => false,
        }
    }

    /// A constant index's value, or `None` for anything else (an index variable); only an
    /// error of the expression itself is reported.
    fn const_scalar_quiet(&mut self, ix: &Expr, env: &Env) -> Option<f64> {
        let ctx = Ctx {
            what: "an index",
            ..Ctx::CONST
        };
        let n = self.lower(ix, env, ctx)?;
        self.g.as_const(n)
    }

    /// `U[3]` of a vector unknown of 2 components.
    pub(super) fn component_out_of_range(
        &mut self,
        name: &str,
        len: usize,
        index: &str,
        span: Span,
    ) {
        let decl = self
            .unknowns
            .iter()
            .find(|u| u.component.is_some() && u.name.starts_with(&format!("{name}[")))
            .map(|u| u.span);
        let mut d = Diag::error(
            "pdec::check::component_out_of_range",
            format!("`{name}` has no component {index}"),
        )
        .primary(span, format!("`{name}` has {len} components"))
        .help(format!(
            "its components are `{name}[1]` to `{name}[{len}]`; declare more with `unknown {name}(...)[n]`"
        ));
        if let Some(s) = decl {
            d = d.secondary(s, "declared here");
        }
        self.diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::Problem;
    use crate::ir::print::Printer;
    use crate::source::SourceFile;

    /// The checked problem of `text`, or the codes of its errors.
    fn check(text: &str) -> Result<Problem, Vec<&'static str>> {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: text.into(),
            },
            &[],
        );
        match c.checked {
            Some(checked) if !c.diags.has_errors() => Ok(checked.problem),
            _ => Err(c.diags.iter().map(|d| d.code).collect()),
        }
    }

    const HEAD: &str = "time t in [0, 1]\nspace x in [0, 1]^2\nunknown U(t, x)[2], p(t, x)\n";

    /// Each equation's name, unknown solved for and residual.
    fn equations(p: &Problem) -> Vec<(String, String, String)> {
        let pr = Printer { problem: p };
        p.pdes
            .iter()
            .map(|e| {
                let u = p.unknowns[e.unknown].name.clone();
                (e.name.clone(), u, pr.expr(e.residual))
            })
            .collect()
    }

    #[test]
    fn a_vector_unknown_is_its_components_and_a_vector_equation_its_rows() {
        let p = check(&format!(
            "{HEAD}pde momentum: d(U, t) + convect(U, U) + grad(p) = lap(U)\n\
             pde div(U) = 0\ninitial U = [0, 0]\nboundary on(x): U = [t, 2 * t]\n\
             exact U = [t, 2 * t]\nexact p = -(x[1] + 2 * x[2])\n"
        ))
        .expect("checks");
        let names: Vec<&str> = p.unknowns.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["U[1]", "U[2]", "p"]);
        let eqs = equations(&p);
        let rows: Vec<(&str, &str)> = eqs
            .iter()
            .map(|(n, u, _)| (n.as_str(), u.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("momentum[1]", "p"),
                ("momentum[2]", "U[2]"),
                ("pde U[1]", "U[1]")
            ]
        );
        // Each row holds only its own component's derivatives.
        assert!(!eqs[0].2.contains("d(U[2]"), "{}", eqs[0].2);
        assert!(eqs[0].2.contains("U[2] * d(U[1], x[2])"), "{}", eqs[0].2);
        assert!(eqs[2].2.contains("d(U[1], x[1])") && eqs[2].2.contains("d(U[2], x[2])"));
        let conditions: Vec<&str> = p.conditions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            conditions,
            [
                "initial U[1]",
                "initial U[2]",
                "boundary on(x): U[1]",
                "boundary on(x): U[2]"
            ]
        );
        let pr = Printer { problem: &p };
        let exact: Vec<String> = p
            .unknowns
            .iter()
            .map(|u| pr.expr(u.exact.expect("exact")))
            .collect();
        assert_eq!(exact, ["t", "2 * t", "-(x[1] + 2 * x[2])"]);
    }

    #[test]
    fn curl_is_a_scalar_in_2d_and_a_vector_in_3d() {
        let p = check(
            "space x in [0, 1]^2\nunknown U(x)[2], w(x)\npde w = curl(U)\npde lap(U) = 0\n\
             boundary on(x): U = 0\n",
        )
        .expect("checks");
        let pr = Printer { problem: &p };
        assert_eq!(
            pr.expr(p.pdes[0].residual),
            "w - (d(U[2], x[1]) - d(U[1], x[2]))"
        );
        let p = check(
            "space x in [0, 1]^3\nunknown U(x)[3]\npde curl(U) = [1, 2, 3]\n\
             boundary on(x): U = 0\n",
        )
        .expect("checks");
        let eqs = equations(&p);
        assert_eq!(eqs.len(), 3);
        assert_eq!(eqs[0].2, "d(U[3], x[2]) - d(U[2], x[3]) - 1");
        assert_eq!(eqs[2].2, "d(U[2], x[1]) - d(U[1], x[2]) - 3");
    }

    #[test]
    fn convect_moves_scalars_and_vectors() {
        let p = check(
            "time t in [0, 1]\nspace x in [0, 1]\nunknown c(t, x)\n\
             pde d(c, t) + convect(2, c) = 0\ninitial c = x\nboundary on(x): c = 0\n",
        )
        .expect("checks");
        let pr = Printer { problem: &p };
        assert_eq!(pr.expr(p.pdes[0].residual), "d(c, t) + 2 * d(c, x)");
    }

    #[test]
    fn normal_derivatives_and_reports_are_per_component() {
        let p = check(
            "space x in [0, 1]\nunknown U(x)[2]\npde lap(U) = [1, 2]\n\
             boundary x = 0: U = 0\nboundary x = 1: dn(U) + U = [0, 1]\nreport U(0.5)\n",
        )
        .expect("checks");
        let pr = Printer { problem: &p };
        let last: Vec<(String, String)> = p.conditions[2..]
            .iter()
            .map(|c| (c.name.clone(), pr.expr(c.residual)))
            .collect();
        assert_eq!(
            last,
            [
                (
                    "boundary x=1: (dn(U)+U)[1]".to_string(),
                    "dn(U[1]) + U[1]".to_string()
                ),
                (
                    "boundary x=1: (dn(U)+U)[2]".to_string(),
                    "dn(U[2]) + U[2] - 1".to_string()
                )
            ]
        );
        let reports: Vec<(usize, &str)> = p
            .reports
            .iter()
            .map(|r| (r.unknown, r.text.as_str()))
            .collect();
        assert_eq!(reports, [(0, "U[1](0.5)"), (1, "U[2](0.5)")]);
    }

    /// The Jacobian's entries are read against the Taylor-Green vortex, a solution of the
    /// Navier-Stokes equations: a transposed Jacobian (`grad(U)[j, i]`) is no solution.
    #[test]
    fn the_jacobian_is_the_matrix_of_the_components_gradients() {
        let problem = |momentum: &str| {
            format!(
                "const nu = 0.1\ntime t in [0, 1]\nspace x in [0, 2 * pi]^2\nunknown U(t, x)[2], p(t, x)\n\
                 pde {momentum}\npde div(U) = 0\n\
                 initial U = [-cos(x[1]) * sin(x[2]), sin(x[1]) * cos(x[2])]\n\
                 periodic x[1]\nperiodic x[2]\nmean p = 0\n\
                 exact U = [-cos(x[1]) * sin(x[2]) * exp(-2 * nu * t), sin(x[1]) * cos(x[2]) * exp(-2 * nu * t)]\n\
                 exact p = -(cos(2 * x[1]) + cos(2 * x[2])) / 4 * exp(-4 * nu * t)\n"
            )
        };
        for jacobian in [
            "d(U, t) + convect(U, U) + grad(p) = nu * lap(U)",
            "d(U, t) + [sum(j in 1..2) U[j] * grad(U)[1, j], sum(j in 1..2) U[j] * d(U, x)[2, j]] + grad(p) = div(nu * grad(U))",
            "d(U, t) + [dot(U, grad(U)[1]), dot(U, grad(U)[2])] + grad(p) = nu * div(grad(U))",
        ] {
            assert!(check(&problem(jacobian)).is_ok(), "{jacobian}");
        }
        let transposed = "d(U, t) + [sum(j in 1..2) U[j] * grad(U)[j, 1], sum(j in 1..2) U[j] * grad(U)[j, 2]] + grad(p) = nu * lap(U)";
        let e = check(&problem(transposed)).expect_err("not a solution");
        assert!(e.contains(&"pdec::passes::exact_not_solution"), "{e:?}");
        // A diagonal (an index variable used twice) is the divergence.
        let diagonal = problem("d(U, t) + convect(U, U) + grad(p) = nu * lap(U)")
            .replace("pde div(U) = 0", "pde sum(i in 1..2) grad(U)[i, i] = 0");
        assert!(check(&diagonal).is_ok());
        // A row under an index variable keeps the matrix in the graph (its own evaluation).
        assert!(check(&diagonal.replace("grad(U)[i, i]", "grad(U)[i][i]")).is_ok());
        let e = check(&diagonal.replace("grad(U)[i, i]", "grad(U)[i][1]")).expect_err("not zero");
        assert!(e.contains(&"pdec::passes::exact_not_solution"), "{e:?}");
        let trace_of_square = diagonal.replace("grad(U)[i, i]", "grad(U)[i, i]^2");
        let e = check(&trace_of_square).expect_err("not a solution");
        assert!(e.contains(&"pdec::passes::exact_not_solution"), "{e:?}");
    }

    #[test]
    fn shapes_and_components_are_checked() {
        let code = |body: &str| check(&format!("{HEAD}{body}")).expect_err("an error");
        let rest = "pde div(U) = 0\ninitial U = 0\nboundary on(x): U = 0\n";
        assert!(
            code(&format!("pde d(U, t) = p\n{rest}"))
                .contains(&"pdec::check::vector_equation_shape")
        );
        assert!(
            code(&format!("pde d(U, t) = U[3]\n{rest}"))
                .contains(&"pdec::check::component_out_of_range")
        );
        // The Jacobian is a matrix, not a vector; a Hessian of `U` would have three indices.
        assert!(
            code(&format!("pde d(U, t) = grad(U)\n{rest}"))
                .contains(&"pdec::check::shape_mismatch")
        );
        assert!(
            code(&format!(
                "pde d(U, t) = sum(i in 1..2) hess(U)[i, i]\n{rest}"
            ))
            .contains(&"pdec::check::vector_unknown_operator")
        );
        assert!(
            code(&format!(
                "pde d(U, t) = sum(i in 1..2) d(U, x, x)[i, i]\n{rest}"
            ))
            .contains(&"pdec::check::vector_unknown_operator")
        );
        assert!(
            code(&format!("pde d(U, t) = lap(U)\n{rest}exact U[0] = 1\n"))
                .contains(&"pdec::check::component_out_of_range")
        );
        assert!(
            code(&format!("pde d(U, t) = lap(U)\n{rest}exact U = 1\n"))
                .contains(&"pdec::check::vector_equation_shape")
        );
        // Without a vector unknown, vector equations are refused as before.
        let e = check("time t in [0, 1]\nspace x in [0, 1]^2\nunknown u(t, x)\npde d(u, t) = x\n")
            .expect_err("an error");
        assert!(e.contains(&"pdec::check::equation_not_scalar"), "{e:?}");
    }
}
