//! Names in expressions: index variables and function parameters, `pi`, `e`, `net`, the
//! inputs, the unknown and `const` items, each checked against what the [`Ctx`] allows.

use super::{Ctx, Env, Local};
use crate::builtins::Builtin;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::{Input, NodeId, Op, Shape, Ty};
use crate::resolve::Res;
use crate::source::Span;
use crate::syntax::ast::Ident;

impl Checker<'_> {
    /// A name: its local binding, built-in constant, input, the unknown or a `const`.
    pub(super) fn lower_name(&mut self, n: &Ident, env: &Env, ctx: Ctx) -> Option<NodeId> {
        let span = n.span;
        let res = if env.by_name {
            self.setting_name(n, false)
        } else {
            self.res.get(env.module, n.id)
        };
        match res? {
            Res::Local(id) => match env.locals.get(&id).copied() {
                Some(Local::Value(v)) => Some(v),
                Some(Local::Axis(a)) => Some(self.g.add(
                    Op::AxisValue(a),
                    Ty {
                        axes: vec![a],
                        shape: Shape::Scalar,
                        boolean: false,
                    },
                    span,
                )),
                // A piece of a constructive domain (`ball(...) as hole`) is a place.
                None if env.module == 0 && self.is_piece(id) => {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::misplaced_domain",
                            format!(
                                "`{}` is a piece of the boundary and cannot be used as a value",
                                n.text
                            ),
                        )
                        .primary(span, "a region, not a number")
                        .help(format!(
                            "use it as a boundary locus: `boundary {}: u = 0`",
                            n.text
                        )),
                    );
                    None
                }
                // A binder whose range failed to check: already reported.
                None => None,
            },
            Res::Builtin(Builtin::Pi) => Some(self.g.constant(std::f64::consts::PI, span)),
            Res::Builtin(Builtin::E) => Some(self.g.constant(std::f64::consts::E, span)),
            // Inside an ansatz, `U` stands for the network's output; the ansatz pass then
            // puts the whole expression where the unknown was (passes/ansatz.rs).
            Res::Builtin(Builtin::Net) if ctx.network.is_some() => {
                let (k, n) = ctx.network.unwrap_or((0, 1));
                let outputs: Vec<NodeId> = (k..k + n)
                    .map(|j| self.g.add(Op::U(j), Ty::scalar(), span))
                    .collect();
                match outputs.as_slice() {
                    [one] => Some(*one),
                    // A vector unknown's ansatz: `net` is the vector of its outputs.
                    _ => {
                        let v = self.g.stack(&outputs, span);
                        self.t(v, span)
                    }
                }
            }
            Res::Builtin(Builtin::Net) => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::net_outside_ansatz",
                        "`net` is the network's output and appears only in an `ansatz`",
                    )
                    .primary(span, format!("used in {}", ctx.what))
                    .help(format!(
                        "write the problem in terms of the unknown `{}`; `ansatz {} = ... net ...` says how the unknown is made from the network",
                        self.unknown_name(),
                        self.unknown_name()
                    )),
                );
                None
            }
            Res::Builtin(_) => None,
            Res::Item(r) => {
                if let Some(input) = self.inputs.get(&r).copied() {
                    if self.failed.contains(&input) {
                        return None;
                    }
                    if !ctx.inputs {
                        self.input_not_allowed(n, ctx);
                        return None;
                    }
                    let shape = match input {
                        Input::Space(k) => match self.space[k].domain.dim() {
                            Some(d) => Shape::Vector(d),
                            None => Shape::Scalar,
                        },
                        _ => Shape::Scalar,
                    };
                    return Some(self.g.add(Op::Input(input), Ty::of_shape(shape), span));
                }
                if let Some(c) = self.coef_items.get(&r).copied() {
                    if !ctx.unknown {
                        self.coefficient_not_allowed(n, ctx);
                        return None;
                    }
                    return self.coefficient_value(c, span);
                }
                if let Some(u) = self.unknown_ref(r) {
                    if !ctx.unknown {
                        self.unknown_not_allowed(span, ctx);
                        return None;
                    }
                    return self.unknown_value(u, span);
                }
                match self.program.item(r).kind.keyword() {
                    "const" => return self.const_value(r, span),
                    // A function of no arguments named without `()` (resolve allows only those).
                    "fn" => return self.inline_fn(r, n, &[], span, env, ctx),
                    _ => {}
                }
                // A declaration that failed (e.g. a bad domain): already reported.
                None
            }
        }
    }

    fn input_not_allowed(&mut self, n: &Ident, ctx: Ctx) {
        self.diags.push(
            Diag::error(
                "pdec::check::not_constant",
                format!(
                    "{} must be known before training, but it uses `{}`",
                    ctx.what, n.text
                ),
            )
            .primary(n.span, "a network input, not a constant")
            .help("constants, domains and index ranges may use only numbers and other constants"),
        );
    }

    /// An unknown coefficient where only known values may stand.
    fn coefficient_not_allowed(&mut self, n: &Ident, ctx: Ctx) {
        self.diags.push(
            Diag::error(
                "pdec::check::coefficient_not_allowed",
                format!(
                    "{} must be known before training, but it uses the unknown coefficient `{}`",
                    ctx.what, n.text
                ),
            )
            .primary(n.span, "identified by training")
            .help("an unknown coefficient may appear in equations and conditions, where the unknown may"),
        );
    }

    pub(super) fn unknown_not_allowed(&mut self, span: Span, ctx: Ctx) {
        let code = if ctx.unknown_code.is_empty() {
            "pdec::check::not_constant"
        } else {
            ctx.unknown_code
        };
        self.diags.push(
            Diag::error(code, format!("{} cannot depend on the unknown", ctx.what))
                .primary(span, "the unknown is used here")
                .help(match code {
                    "pdec::check::obstacle_depends_on_unknown" => {
                        "the obstacle must be a given function of the inputs, e.g. a payoff `max(K - x, 0)`"
                    }
                    "pdec::check::exact_depends_on_unknown" => {
                        "`exact` gives the closed-form solution as a function of the inputs only"
                    }
                    "pdec::check::ansatz_depends_on_unknown" => {
                        "the ansatz defines the unknown: write it with `net`, the network's output, e.g. `ansatz u = g + t * net`"
                    }
                    _ => "only numbers and other constants are allowed here",
                }),
        );
    }
}
