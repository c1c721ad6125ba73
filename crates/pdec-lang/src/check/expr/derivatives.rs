//! Derivatives: `d(u, x)`, `d(u, t, x[i])`. Their coordinates are checked here, for every
//! derivative operator: only the unknown is differentiated, only along its arguments, up to
//! second order; `x[i]` names one component of a vector variable (or one per index value).

use super::{Env, out_of_range};
use crate::builtins::{self, Builtin};
use crate::check::vector_unknowns::Named;
use crate::check::{Checker, UnknownRef};
use crate::diag::Diag;
use crate::ir::{Comp, Coord, Input, NodeId, Sel, Shape, TypeError};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::{Arg, Expr, ExprKind};

impl Checker<'_> {
    /// `d(u, c1)` or `d(u, c1, c2)`: a first or second derivative of the unknown.
    pub(super) fn lower_d(&mut self, args: &[Arg], span: Span, env: &Env) -> Option<NodeId> {
        let info = builtins::info(Builtin::D);
        let n = args.len();
        if n < 2 {
            self.arity(span, "d", info.signature, n);
            return None;
        }
        let unknown = self.expect_unknown(args, "d", env)?;
        let mut coords = Vec::new();
        for a in &args[1..] {
            coords.push(self.coord(&a.value, env));
        }
        let coords: Vec<Coord> = coords.into_iter().collect::<Option<_>>()?;
        if coords.len() > 2 {
            self.diags.push(
                Diag::error(
                    "pdec::check::derivative_order",
                    format!("derivatives of order {} are not supported", coords.len()),
                )
                .primary(span, "order too high")
                .help("pdec computes derivatives up to second order; rewrite the problem as a system of lower order"),
            );
            return None;
        }
        for c in &coords {
            let input = match c {
                Coord::Time => Input::Time,
                Coord::Space { var, .. } => Input::Space(*var),
            };
            if !self.unknown_args.contains(&input) {
                let name = self.input_name(input).to_string();
                self.diags.push(
                    Diag::error(
                        "pdec::check::derivative_wrt_non_input",
                        format!("the unknown does not depend on `{name}`"),
                    )
                    .primary(span, format!("`{name}` is not an argument of the unknown"))
                    .help(format!(
                        "add it to the unknown's arguments, e.g. `unknown u(..., {name})`"
                    )),
                );
                return None;
            }
        }
        let dims: Vec<usize> = coords
            .iter()
            .filter_map(|c| match c {
                Coord::Space {
                    var,
                    comp: Comp::Whole,
                } => self.space[*var].domain.dim(),
                _ => None,
            })
            .collect();
        match unknown {
            UnknownRef::Scalar(k) => Some(self.g.deriv(k, coords, &dims, span)),
            // `d(U, t)`: the vector of its components' derivatives; `d(U, x)` along a vector
            // `x` the Jacobian (row `i` is `d(U[i], x)`); along `x` twice, three indices.
            UnknownRef::Vector { first, .. } => {
                if dims.len() > 1 {
                    self.vector_unknown_operator("d", first, span);
                    return None;
                }
                let items: Vec<NodeId> = unknown
                    .numbers()
                    .map(|k| self.g.deriv(k, coords.clone(), &dims, span))
                    .collect();
                let r = self.g.stack(&items, span);
                self.t(r, span)
            }
        }
    }

    /// An operator whose value on a vector unknown would have three indices (`hess(U)`,
    /// `d(U, x, x)` along a vector `x`): the IR's values are at most matrices.
    pub(super) fn vector_unknown_operator(&mut self, op: &str, first: usize, span: Span) {
        let u = self.base_name(first);
        self.diags.push(
            Diag::error(
                "pdec::check::vector_unknown_operator",
                format!(
                    "`{op}` of the vector unknown `{u}` would have three indices (component, and two of space)"
                ),
            )
            .primary(span, "a component's Hessian for each component")
            .help(format!(
                "apply it to one component (`{op}({u}[1], ...)`), or use `lap({u})` (componentwise) or the Jacobian `grad({u})`"
            )),
        );
    }

    /// Resolves a derivative coordinate argument: `t`, `x`, `x[i]`, `x[1]`.
    fn coord(&mut self, e: &Expr, env: &Env) -> Option<Coord> {
        let bad = |this: &mut Self, what: String, help: String| {
            this.diags.push(
                Diag::error(
                    "pdec::check::derivative_wrt_non_input",
                    format!("cannot differentiate with respect to {what}"),
                )
                .primary(e.span, "not an input of the unknown")
                .help(help),
            );
            None
        };
        let (name, index) = match &e.kind {
            ExprKind::Name(n) => (n, None),
            ExprKind::Index { base, indices } if indices.len() == 1 => match &base.kind {
                ExprKind::Name(n) => (n, Some(&indices[0])),
                _ => return bad(self, "an expression".into(), self.inputs_help()),
            },
            _ => return bad(self, "an expression".into(), self.inputs_help()),
        };
        let r = match self.res.get(env.module, name.id) {
            Some(Res::Item(r)) => r,
            Some(_) => return bad(self, format!("`{}`", name.text), self.inputs_help()),
            None => return None,
        };
        if self.inputs.get(&r).is_some_and(|i| self.failed.contains(i)) {
            return None;
        }
        match self.inputs.get(&r).copied() {
            Some(Input::Param(_)) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::derivative_wrt_param",
                        format!(
                            "cannot differentiate with respect to the parameter `{}`",
                            name.text
                        ),
                    )
                    .primary(e.span, "a parameter, not an argument of the unknown")
                    .help(self.inputs_help()),
                );
                None
            }
            Some(Input::Time) => {
                if index.is_some() {
                    self.type_error(TypeError::NotIndexable(Shape::Scalar), e.span, "");
                    return None;
                }
                Some(Coord::Time)
            }
            Some(Input::Space(var)) => {
                let dim = self.space[var].domain.dim();
                match (index, dim) {
                    (None, None) => Some(Coord::Space {
                        var,
                        comp: Comp::Scalar,
                    }),
                    (None, Some(_)) => Some(Coord::Space {
                        var,
                        comp: Comp::Whole,
                    }),
                    (Some(_), None) => {
                        self.type_error(TypeError::NotIndexable(Shape::Scalar), e.span, "");
                        None
                    }
                    (Some(ix), Some(n)) => {
                        let sel = self.selector(ix, env, n, &name.text)?;
                        let comp = match sel {
                            Sel::Fixed(k) if k < n => Comp::Fixed(k),
                            Sel::Axis(a, off) if off + self.g.axis(a).len() <= n => {
                                Comp::Axis(a, off)
                            }
                            _ => {
                                let (lo, hi) = match sel {
                                    Sel::Axis(a, _) => (self.g.axis(a).lo, self.g.axis(a).hi),
                                    Sel::Fixed(k) => (k as i64 + 1, k as i64 + 1),
                                };
                                self.diags
                                    .push(out_of_range(&name.text, n, lo, hi, ix.span));
                                return None;
                            }
                        };
                        Some(Coord::Space { var, comp })
                    }
                }
            }
            None => bad(self, format!("`{}`", name.text), self.inputs_help()),
        }
    }

    /// Which coordinates a derivative may take, for help texts.
    fn inputs_help(&self) -> String {
        let names: Vec<String> = self
            .unknown_args
            .iter()
            .map(|i| format!("`{}`", self.input_name(*i)))
            .collect();
        if names.is_empty() {
            "derivatives are taken along the unknown's arguments (declare them with `unknown u(t, x)`)".into()
        } else {
            format!(
                "derivatives are taken along the unknown's arguments: {}",
                names.join(", ")
            )
        }
    }

    /// The first argument of a derivative operator must be an unknown itself (or a vector
    /// unknown's component, `U[2]`): which.
    pub(super) fn expect_unknown(
        &mut self,
        args: &[Arg],
        op: &str,
        env: &Env,
    ) -> Option<UnknownRef> {
        let found = match args.first().map(|a| self.named_unknown(&a.value, env)) {
            Some(Named::Unknown(u)) => Some(u),
            Some(Named::Failed) => return None,
            _ => None,
        };
        if found.is_none()
            && let Some(a) = args.first()
        {
            let u = self.unknown_name();
            let (which, label, of) = match self.unknowns.len() {
                0 | 1 => (
                    format!("the unknown `{u}`"),
                    "not the unknown",
                    format!("`{u}`"),
                ),
                _ => (
                    "an unknown".to_string(),
                    "not an unknown",
                    "an unknown".to_string(),
                ),
            };
            self.diags.push(
                Diag::error(
                    "pdec::check::derivative_of_non_unknown",
                    format!("`{op}` applies to {which} only"),
                )
                .primary(a.value.span, label)
                .help(format!(
                    "derivatives are taken of {of}; expand the expression by hand, e.g. `d({u}^2, x)` is `2 * {u} * d({u}, x)`"
                )),
            );
        }
        found
    }

    /// The space variable an operator acts on: the only one, or the one named.
    pub(super) fn operator_var(
        &mut self,
        args: &[Arg],
        op: &str,
        span: Span,
        env: &Env,
    ) -> Option<usize> {
        match args.get(1) {
            Some(a) => match self.coord(&a.value, env)? {
                Coord::Space {
                    var,
                    comp: Comp::Scalar | Comp::Whole,
                } => Some(var),
                _ => {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::derivative_wrt_non_input",
                            format!("`{op}` acts on a whole space variable"),
                        )
                        .primary(a.value.span, "not a space variable")
                        .help(format!("write `{op}(u)` or `{op}(u, x)`")),
                    );
                    None
                }
            },
            None => {
                let vars: Vec<usize> = self
                    .unknown_args
                    .iter()
                    .filter_map(|i| match i {
                        Input::Space(k) => Some(*k),
                        _ => None,
                    })
                    .collect();
                if vars.iter().any(|v| self.failed.contains(&Input::Space(*v))) {
                    return None;
                }
                match vars.as_slice() {
                    [v] => Some(*v),
                    [] => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::derivative_wrt_non_input",
                                format!("`{op}` needs a space variable, and the unknown has none"),
                            )
                            .primary(span, "no space variable")
                            .help("declare one with `space x in [0, 1]` and add it to `unknown u(t, x)`"),
                        );
                        None
                    }
                    _ => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::ambiguous_operator",
                                format!("`{op}(u)` is ambiguous: the unknown has several space variables"),
                            )
                            .primary(span, "which variable?")
                            .help(format!("name it: `{op}(u, {})`", self.space[vars[0]].name)),
                        );
                        None
                    }
                }
            }
        }
    }
}
