//! Calls: the unknown evaluated at a point (an error), `fn` items inlined at their call
//! (arguments lowered in the caller's environment, the body in the function's), and
//! built-ins dispatched by kind to `functions`, `derivatives` and `vector_calculus`.

use super::{Ctx, Env, Local, MAX_INLINE_DEPTH};
use crate::builtins::Builtin;
use crate::check::Checker;
use crate::diag::Diag;
use crate::ir::NodeId;
use crate::resolve::{ItemRef, Res};
use crate::source::Span;
use crate::syntax::ast::{self, Arg, Ident};
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn arity(&mut self, span: Span, name: &str, signature: &str, given: usize) {
        self.diags.push(
            Diag::error(
                "pdec::check::arity",
                format!("wrong number of arguments to `{name}`: {given} given"),
            )
            .primary(span, format!("expected `{signature}`"))
            .help(format!("call it as `{signature}`")),
        );
    }

    fn no_named(&mut self, name: &str, args: &[Arg]) -> bool {
        for a in args {
            if let Some(n) = &a.name {
                self.diags.push(
                    Diag::error(
                        "pdec::check::named_argument",
                        format!("`{name}` takes no named arguments"),
                    )
                    .primary(n.span, "named argument")
                    .help(format!("pass it by position: `{name}(...)`")),
                );
                return false;
            }
        }
        true
    }

    /// `callee(args)`: a `fn` item or a built-in.
    pub(super) fn lower_call(
        &mut self,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let res = if env.by_name {
            self.setting_name(callee, true)
        } else {
            self.res.get(env.module, callee.id)
        };
        match res? {
            Res::Item(r) if self.unknown_of(r).is_some() => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::unknown_call",
                        format!("the unknown `{}` cannot be evaluated at another point here", callee.text),
                    )
                    .primary(span, "point evaluation")
                    .help(format!(
                        "in equations write `{}` for its value at the current point; values at given points belong in `report {}(...)`",
                        callee.text, callee.text
                    )),
                );
                None
            }
            Res::Item(r) => self.inline_fn(r, callee, args, span, env, ctx),
            Res::Builtin(b) => self.lower_builtin(b, callee, args, span, env, ctx),
            Res::Local(_) => None,
        }
    }

    pub(super) fn inline_fn(
        &mut self,
        r: ItemRef,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let program = self.program;
        let ast::ItemKind::Fn { name, params, body } = &program.item(r).kind else {
            return None;
        };
        if env.inline_depth >= MAX_INLINE_DEPTH {
            self.diags.push(
                Diag::error(
                    "pdec::check::too_deep",
                    format!("functions call each other more than {MAX_INLINE_DEPTH} deep"),
                )
                .primary(span, "this call goes too deep")
                .help("flatten the chain of functions"),
            );
            return None;
        }
        let signature = format!(
            "{}({})",
            name.text,
            params
                .iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut values: Vec<Option<NodeId>> = vec![None; params.len()];
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let slot = match &a.name {
                None => {
                    if i >= params.len() {
                        self.arity(callee.span.to(span), &name.text, &signature, args.len());
                        return None;
                    }
                    i
                }
                Some(n) => match params.iter().position(|p| p.text == n.text) {
                    Some(k) => k,
                    None => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::named_argument",
                                format!("`{}` has no parameter `{}`", name.text, n.text),
                            )
                            .primary(n.span, "unknown parameter")
                            .secondary(name.span, "function defined here")
                            .help(format!("its parameters: `{signature}`")),
                        );
                        return None;
                    }
                },
            };
            let v = self.lower(&a.value, env, ctx);
            ok &= v.is_some();
            values[slot] = v;
        }
        if !ok {
            return None;
        }
        if values.iter().any(Option::is_none) {
            self.arity(callee.span.to(span), &name.text, &signature, args.len());
            return None;
        }
        let mut inner = Env {
            module: r.module,
            locals: HashMap::new(),
            inline_depth: env.inline_depth + 1,
            by_name: false,
        };
        for (p, v) in params.iter().zip(values) {
            inner.locals.insert(p.id, Local::Value(v?));
        }
        self.lower(body, &inner, ctx)
    }

    /// A built-in call, after the checks every built-in shares: derivatives only where the
    /// unknown may appear, named arguments only for regions.
    fn lower_builtin(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let derivative = matches!(
            b,
            Builtin::D | Builtin::Grad | Builtin::Lap | Builtin::Hess | Builtin::Dn
        );
        if derivative && !ctx.unknown {
            self.unknown_not_allowed(span, ctx);
            return None;
        }
        if !matches!(
            b,
            Builtin::Ball | Builtin::Sphere | Builtin::HalfSpace | Builtin::Box | Builtin::Polygon
        ) && !self.no_named(&callee.text, args)
        {
            return None;
        }
        match b {
            Builtin::D => self.lower_d(args, span, env),
            Builtin::Grad | Builtin::Hess | Builtin::Lap => {
                self.lower_grad_hess_lap(b, callee, args, span, env)
            }
            Builtin::Div => self.lower_div(args, span, env, ctx),
            Builtin::Dn => self.lower_dn(args, span, env, ctx),
            Builtin::Curl => self.lower_curl(args, span, env, ctx),
            Builtin::Convect => self.lower_convect(args, span, env, ctx),
            Builtin::Exp
            | Builtin::Log
            | Builtin::Sqrt
            | Builtin::Abs
            | Builtin::Sin
            | Builtin::Cos
            | Builtin::Tan
            | Builtin::Tanh
            | Builtin::Sinh
            | Builtin::Cosh
            | Builtin::Atan
            | Builtin::Erf
            | Builtin::Sign
            | Builtin::Floor
            | Builtin::Ceil => self.lower_elementwise(b, callee, args, span, env, ctx),
            Builtin::Mod => self.lower_mod(callee, args, span, env, ctx),
            Builtin::Min | Builtin::Max => self.lower_min_max(b, callee, args, span, env, ctx),
            Builtin::Norm | Builtin::Mean | Builtin::Len => {
                self.lower_vector_reduction(b, callee, args, span, env, ctx)
            }
            Builtin::Dot => self.lower_dot(args, span, env, ctx),
            Builtin::On
            | Builtin::Ball
            | Builtin::Sphere
            | Builtin::Box
            | Builtin::HalfSpace
            | Builtin::Polygon => {
                self.misplaced_region(b, callee, span);
                None
            }
            Builtin::Dist => self.lower_dist(callee, args, span, env, ctx),
            Builtin::Pi | Builtin::E | Builtin::Net => None,
        }
    }
}
