//! Lowering expressions from the syntax tree to IR nodes: names to inputs and folded
//! constants, `fn` calls inlined, index variables to axes, derivative operators to
//! derivative nodes. Type errors are reported here, against the user's spans.
//!
//! This file holds the terms every construct shares, the [`Ctx`] (what an expression may
//! refer to) and the [`Env`] (the names bound around it), and [`Checker::lower`], which hands
//! each kind of expression to its room: `operators` (unary and binary operators, `if`, index
//! sums, vector literals), `index` (`v[i]`, index ranges), `names` (names to inputs, the
//! unknown, `net`, constants), `consts` (compile-time constants and `const` items), `calls`
//! (`fn` inlining and the dispatch of built-ins), `functions` (elementwise built-ins and
//! reductions), `derivatives` (`d` and its coordinates), `vector_calculus` (`grad`,
//! `hess`, `lap`, `div`, `dn`), `vector_fields` (`curl`, `convect`, the divergence of
//! several unknowns) and `dist` (distances to boundary pieces).

mod calls;
mod consts;
mod derivatives;
mod dist;
mod functions;
mod index;
mod names;
mod operators;
mod vector_calculus;
mod vector_fields;

use super::Checker;
use crate::diag::Diag;
use crate::ir::{AxisId, NodeId, TypeError};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, NameId};
use std::collections::HashMap;

/// What an expression may refer to, and the diagnostic for what it may not.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub inputs: bool,
    pub unknown: bool,
    /// `dn(u)`: only in boundary conditions.
    pub normal: bool,
    /// `net`, the network's output for unknown `k` (`(k, 1)`), or the vector of the outputs
    /// of a vector unknown's `n` components from `k` on (`(k, n)`): only in its `ansatz`.
    pub network: Option<(usize, usize)>,
    /// Describes the place, for messages: "a constant", "the obstacle".
    pub what: &'static str,
    /// Code used when the unknown appears where it may not.
    pub unknown_code: &'static str,
}

impl Ctx {
    pub const CONST: Ctx = Ctx {
        inputs: false,
        unknown: false,
        normal: false,
        network: None,
        what: "a constant",
        unknown_code: "pdec::check::not_constant",
    };
    pub const PDE: Ctx = Ctx {
        inputs: true,
        unknown: true,
        normal: false,
        network: None,
        what: "the equation",
        unknown_code: "",
    };
    pub const BOUNDARY: Ctx = Ctx {
        normal: true,
        what: "a boundary condition",
        ..Ctx::PDE
    };
    pub const OBSTACLE: Ctx = Ctx {
        inputs: true,
        unknown: false,
        normal: false,
        network: None,
        what: "the obstacle",
        unknown_code: "pdec::check::obstacle_depends_on_unknown",
    };
    pub const EXACT: Ctx = Ctx {
        what: "the exact solution",
        unknown_code: "pdec::check::exact_depends_on_unknown",
        ..Ctx::OBSTACLE
    };
    /// The unknown as an expression of the network's output `net` (and of the inputs); the
    /// caller sets `network` to the unknown's number (and its components).
    pub const ANSATZ: Ctx = Ctx {
        network: Some((0, 1)),
        what: "the ansatz",
        unknown_code: "pdec::check::ansatz_depends_on_unknown",
        ..Ctx::OBSTACLE
    };
}

/// A name bound locally: a function parameter (already lowered) or an index variable.
#[derive(Clone, Copy, Debug)]
pub enum Local {
    Value(NodeId),
    Axis(AxisId),
}

/// The environment an expression is lowered in.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub module: usize,
    pub locals: HashMap<NameId, Local>,
    /// How many `fn` bodies are being inlined around this one.
    pub inline_depth: usize,
    /// Names are looked up by their text among the user file's top-level names (a
    /// setting's value, which is not resolved with the file), not by their resolution.
    pub by_name: bool,
}

/// Deepest chain of `fn` calls inside `fn` calls.
const MAX_INLINE_DEPTH: usize = 64;

impl Checker<'_> {
    pub(super) fn type_error(&mut self, e: TypeError, span: Span, what: &str) {
        let d = match e {
            TypeError::ShapeMismatch(a, b) => Diag::error(
                "pdec::check::shape_mismatch",
                format!("{what}: cannot combine {} with {}", a.describe(), b.describe()),
            )
            .primary(span, "shapes do not match")
            .help(
                "vectors combine elementwise only with vectors of the same length or with scalars; \
                 write sums over components with `sum(i in 1..n) ...` or use `dot`/`norm`",
            ),
            TypeError::NotIndexable(s) => Diag::error(
                "pdec::check::not_indexable",
                format!("{} cannot be indexed", s.describe()),
            )
            .primary(span, "indexed here")
            .help("only vectors and matrices have components"),
            TypeError::WrongIndexCount { shape, given } => Diag::error(
                "pdec::check::wrong_index_count",
                format!(
                    "{} takes {}, {given} given",
                    shape.describe(),
                    if shape.dims().len() == 1 { "1 index".to_string() } else { format!("{} indices", shape.dims().len()) }
                ),
            )
            .primary(span, "wrong number of indices")
            .help("a vector takes `v[i]`, a matrix `m[i, j]`"),
            TypeError::IndexOutOfRange { len, lo, hi } => Diag::error(
                "pdec::check::index_out_of_range",
                if lo == hi {
                    format!("index {lo} is out of range")
                } else {
                    format!("index range {lo}..{hi} is out of range")
                },
            )
            .primary(span, format!("valid indices are 1..{len}"))
            .help(format!("indices start at 1 and end at the length ({len})")),
            TypeError::BooleanExpected => Diag::error(
                "pdec::check::not_boolean",
                "expected a condition (a comparison)",
            )
            .primary(span, "not a condition")
            .help("conditions compare values: `x[1] > 0.5`, `i == j`"),
            TypeError::BooleanArithmetic => Diag::error(
                "pdec::check::boolean_arithmetic",
                "a condition is used as a number",
            )
            .primary(span, "this is true or false, not a number")
            .help("turn it into a number with `if condition then 1 else 0`"),
            TypeError::SumBodyNotScalar(s) => Diag::error(
                "pdec::check::sum_body_not_scalar",
                format!("the body of an index sum must be a scalar, found {}", s.describe()),
            )
            .primary(span, "not a scalar")
            .help("index the vector with the sum's variable: `sum(i in 1..d) x[i]`; for a whole vector use `sum(x)`"),
            TypeError::VectorExpected(s) => Diag::error(
                "pdec::check::vector_expected",
                format!("expected a vector, found {}", s.describe()),
            )
            .primary(span, "not a vector")
            .help(match s {
                // The Jacobian `grad(U)` is the matrix users meet most; `dot(U, grad(U))`
                // would not be the convective term, so no matrix product is guessed.
                crate::ir::Shape::Matrix(..) => "this function takes a vector: take a row (`A[1]`, `grad(U)[1]` is `grad(U[1])`) or sum over entries (`sum(j in 1..n) A[i, j] * v[j]`); `(a . grad) U` is `convect(a, U)`",
                _ => "this function reduces the components of a vector",
            }),
            TypeError::ScalarEntryExpected(s) => Diag::error(
                "pdec::check::entry_not_scalar",
                format!("vector entries must be scalars, found {}", s.describe()),
            )
            .primary(span, "not a scalar")
            .help("write each component as a number or scalar expression"),
            TypeError::TooLarge => Diag::error(
                "pdec::check::too_large",
                "the problem expands to too many expression nodes or constant elements",
            )
            .primary(span, "expands too far")
            .help({
                use crate::limits::Limit::{ConstantElements, ExpressionNodes};
                format!(
                    "share work through `const` definitions; the limits are {} expression nodes and {} elements per constant: `--limit {}={}` and `--limit {}={}` raise them",
                    ExpressionNodes.shown(),
                    ConstantElements.shown(),
                    ExpressionNodes.name(),
                    4 * ExpressionNodes.get(),
                    ConstantElements.name(),
                    4 * ConstantElements.get(),
                )
            }),
        };
        self.diags.push(d);
    }

    /// Wraps a graph constructor: reports its type error (if any) at `span`.
    pub(in crate::check) fn t(
        &mut self,
        r: Result<NodeId, TypeError>,
        span: Span,
    ) -> Option<NodeId> {
        match r {
            Ok(n) => Some(n),
            Err(e) => {
                self.type_error(e, span, "in this expression");
                None
            }
        }
    }

    /// Lowers an expression in `env`; `ctx` says what it may refer to. Errors are reported
    /// and give `None`.
    pub fn lower(&mut self, e: &Expr, env: &Env, ctx: Ctx) -> Option<NodeId> {
        let span = e.span;
        match &e.kind {
            ExprKind::Number(v) => Some(self.g.constant(*v, span)),
            ExprKind::Name(n) => self.lower_name(n, env, ctx),
            ExprKind::Unary { op, operand } => self.lower_unary(op, operand, span, env, ctx),
            ExprKind::Binary { .. } => self.lower_binary(e, env, ctx),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.lower_if(cond, then, otherwise, span, env, ctx),
            ExprKind::Reduce { op, binders, body } => {
                self.lower_reduce(op, binders, body, span, env, ctx)
            }
            ExprKind::ReduceVector { op, arg } => self.lower_reduce_vector(op, arg, span, env, ctx),
            ExprKind::List(items) => self.lower_list(items, span, env, ctx),
            ExprKind::Named { name, .. } => {
                self.misplaced_piece_name(name, span);
                None
            }
            ExprKind::Index { base, indices } => self.lower_index(base, indices, span, env, ctx),
            ExprKind::Call { callee, args } => self.lower_call(callee, args, span, env, ctx),
        }
    }
}

/// `index 3 is out of range for `x`` / `index range 0..2 ...`, labelled with the length.
fn out_of_range(name: &str, len: usize, lo: i64, hi: i64, span: Span) -> Diag {
    let what = if lo == hi {
        format!("index {lo}")
    } else {
        format!("index range {lo}..{hi}")
    };
    Diag::error(
        "pdec::check::index_out_of_range",
        format!("{what} is out of range for `{name}`"),
    )
    .primary(span, format!("`{name}` has {len} components"))
    .help(if lo == hi {
        format!("indices of `{name}` run from 1 to {len}")
    } else {
        format!("indices of `{name}` run from 1 to {len}; adjust the range of the index variable")
    })
}

fn ast_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n) => Some(&n.text),
        _ => None,
    }
}
