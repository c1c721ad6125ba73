//! Lowering expressions from the syntax tree to IR nodes: names to inputs and folded
//! constants, `fn` calls inlined, index variables to axes, derivative operators to
//! derivative nodes. Type errors are reported here, against the user's spans.

use super::Checker;
use crate::builtins::{self, Builtin};
use crate::diag::Diag;
use crate::ir::diff::{self, DiffError};
use crate::ir::{
    AxisId, BinOp, Comp, Coord, Input, NodeId, Op, RedOp, Sel, Shape, Ty, TypeError, UnOp, VecRed,
};
use crate::resolve::{ItemRef, Res};
use crate::source::Span;
use crate::syntax::ast::{self, Arg, BinaryOp, Expr, ExprKind, Ident, NameId, UnaryOp};
use std::collections::HashMap;

/// What an expression may refer to, and the diagnostic for what it may not.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub inputs: bool,
    pub unknown: bool,
    /// `dn(u)`: only in boundary conditions.
    pub normal: bool,
    /// `net`, the network's output: only in an `ansatz`.
    pub network: bool,
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
        network: false,
        what: "a constant",
        unknown_code: "pdec::check::not_constant",
    };
    pub const PDE: Ctx = Ctx {
        inputs: true,
        unknown: true,
        normal: false,
        network: false,
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
        network: false,
        what: "the obstacle",
        unknown_code: "pdec::check::obstacle_depends_on_unknown",
    };
    pub const EXACT: Ctx = Ctx {
        what: "the exact solution",
        unknown_code: "pdec::check::exact_depends_on_unknown",
        ..Ctx::OBSTACLE
    };
    /// The unknown as an expression of the network's output `net` (and of the inputs).
    pub const ANSATZ: Ctx = Ctx {
        network: true,
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
            .help("this function reduces the components of a vector"),
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
            .help(format!(
                "at most {} IR nodes and {} elements per constant; share work through `const` definitions",
                crate::ir::MAX_NODES,
                crate::ir::MAX_TENSOR
            )),
        };
        self.diags.push(d);
    }

    /// Wraps a graph constructor: reports its type error (if any) at `span`.
    fn t(&mut self, r: Result<NodeId, TypeError>, span: Span) -> Option<NodeId> {
        match r {
            Ok(n) => Some(n),
            Err(e) => {
                self.type_error(e, span, "in this expression");
                None
            }
        }
    }

    pub fn lower(&mut self, e: &Expr, env: &Env, ctx: Ctx) -> Option<NodeId> {
        let span = e.span;
        match &e.kind {
            ExprKind::Number(v) => Some(self.g.constant(*v, span)),
            ExprKind::Name(n) => self.lower_name(n, env, ctx),
            ExprKind::Unary { op, operand } => {
                let a = self.lower(operand, env, ctx)?;
                match op {
                    UnaryOp::Plus => Some(a),
                    UnaryOp::Neg => {
                        let r = self.g.unary(UnOp::Neg, a, span);
                        self.t(r, span)
                    }
                    UnaryOp::Not => {
                        let r = self.g.unary(UnOp::Not, a, span);
                        self.t(r, span)
                    }
                }
            }
            ExprKind::Binary {
                op,
                lhs,
                rhs,
                op_span,
            } => {
                let a = self.lower(lhs, env, ctx);
                let b = self.lower(rhs, env, ctx);
                let (a, b) = (a?, b?);
                let bop = match op {
                    BinaryOp::Add => BinOp::Add,
                    BinaryOp::Sub => BinOp::Sub,
                    BinaryOp::Mul => BinOp::Mul,
                    BinaryOp::Div => BinOp::Div,
                    BinaryOp::Pow => BinOp::Pow,
                    BinaryOp::Lt => BinOp::Lt,
                    BinaryOp::Le => BinOp::Le,
                    BinaryOp::Gt => BinOp::Gt,
                    BinaryOp::Ge => BinOp::Ge,
                    BinaryOp::Eq => BinOp::Eq,
                    BinaryOp::Ne => BinOp::Ne,
                    BinaryOp::And => BinOp::And,
                    BinaryOp::Or => BinOp::Or,
                };
                if bop == BinOp::Mul
                    && let (Shape::Matrix(..), Shape::Vector(_))
                    | (Shape::Matrix(..), Shape::Matrix(..)) =
                        (self.g.ty(a).shape, self.g.ty(b).shape)
                {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::shape_mismatch",
                            "`*` is elementwise; there is no matrix product operator",
                        )
                        .primary(*op_span, "matrix times vector or matrix")
                        .help(
                            "write the product with an index sum: `sum(j in 1..n) A[i, j] * v[j]`",
                        ),
                    );
                    return None;
                }
                let r = self.g.binary(bop, a, b, span);
                match r {
                    Err(e @ (TypeError::BooleanArithmetic | TypeError::BooleanExpected)) => {
                        // Point at the operand that has the wrong kind.
                        let want_bool = matches!(bop, BinOp::And | BinOp::Or);
                        let culprit = if self.g.ty(a).boolean != want_bool {
                            lhs.span
                        } else {
                            rhs.span
                        };
                        self.type_error(e, culprit, "");
                        None
                    }
                    Err(TypeError::ShapeMismatch(x, y)) => {
                        let habit = match (bop, x, y) {
                            (BinOp::Pow, Shape::Vector(_), _) => {
                                " (`x^2` squares each component; for the squared norm write `norm(x)^2`)"
                            }
                            _ => "",
                        };
                        self.diags.push(
                            Diag::error(
                                "pdec::check::shape_mismatch",
                                format!("cannot combine {} with {} using `{}`", x.describe(), y.describe(), op.symbol()),
                            )
                            .primary(*op_span, "shapes do not match")
                            .secondary(lhs.span, x.describe())
                            .secondary(rhs.span, y.describe())
                            .help(format!(
                                "combine vectors of the same length, or a vector with a scalar; reduce with `sum`, `dot` or `norm`{habit}"
                            )),
                        );
                        None
                    }
                    r => self.t(r, span),
                }
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.lower(cond, env, ctx);
                let a = self.lower(then, env, ctx);
                let b = self.lower(otherwise, env, ctx);
                let (c, a, b) = (c?, a?, b?);
                if !self.g.ty(c).boolean {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::not_boolean",
                            "the condition of `if` must be a comparison",
                        )
                        .primary(cond.span, "a number, not a condition")
                        .help("compare it: `if z > 0 then ... else ...`"),
                    );
                    return None;
                }
                let r = self.g.select(c, a, b, span);
                self.t(r, span)
            }
            ExprKind::Reduce { op, binders, body } => {
                let mut inner = env.clone();
                let mut axes = Vec::new();
                for b in binders {
                    let a = self.binder_axis(b, env)?;
                    inner.locals.insert(b.name.id, Local::Axis(a));
                    axes.push(a);
                }
                let body_node = self.lower(body, &inner, ctx)?;
                let rop = match op {
                    ast::ReduceOp::Sum => RedOp::Sum,
                    ast::ReduceOp::Prod => RedOp::Prod,
                };
                let r = self.g.reduce(rop, &axes, body_node, span);
                match r {
                    Err(e @ TypeError::SumBodyNotScalar(_)) => {
                        self.type_error(e, body.span, "");
                        None
                    }
                    r => self.t(r, span),
                }
            }
            ExprKind::ReduceVector { op, arg } => {
                let v = self.lower(arg, env, ctx)?;
                let vop = match op {
                    ast::ReduceOp::Sum => VecRed::Sum,
                    ast::ReduceOp::Prod => VecRed::Prod,
                };
                let r = self.g.reduce_vec(vop, v, span);
                self.t(r, arg.span)
            }
            ExprKind::List(items) => {
                let mut nodes = Vec::new();
                for i in items {
                    nodes.push(self.lower(i, env, ctx));
                }
                let nodes: Vec<NodeId> = nodes.into_iter().collect::<Option<_>>()?;
                if nodes.is_empty() {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::empty_vector",
                            "a vector needs at least one component",
                        )
                        .primary(span, "empty")
                        .help("write its components: `[1, 2]`"),
                    );
                    return None;
                }
                if let Some(k) = nodes.iter().position(|n| {
                    let t = self.g.ty(*n);
                    t.shape != Shape::Scalar || t.boolean
                }) {
                    let s = self.g.ty(nodes[k]).shape;
                    self.type_error(TypeError::ScalarEntryExpected(s), items[k].span, "");
                    return None;
                }
                let r = self.g.stack(&nodes, span);
                self.t(r, span)
            }
            ExprKind::Index { base, indices } => {
                let b = self.lower(base, env, ctx)?;
                let dims = self.g.ty(b).shape.dims();
                let mut sels = Vec::new();
                for (k, ix) in indices.iter().enumerate() {
                    let len = dims.get(k).copied().unwrap_or(0);
                    sels.push(self.selector(
                        ix,
                        env,
                        len,
                        ast_name(base).unwrap_or("this value"),
                    )?);
                }
                let r = self.g.index(b, &sels, span);
                match r {
                    Err(TypeError::IndexOutOfRange { len, lo, hi }) => {
                        let name = ast_name(base).unwrap_or("this value");
                        self.diags.push(out_of_range(name, len, lo, hi, span));
                        None
                    }
                    r => self.t(r, span),
                }
            }
            ExprKind::Call { callee, args } => self.lower_call(callee, args, span, env, ctx),
        }
    }

    /// An index expression: an index variable (possibly shifted, `i + 1`) or a constant.
    fn selector(&mut self, ix: &Expr, env: &Env, len: usize, name: &str) -> Option<Sel> {
        let n = self.lower(
            ix,
            env,
            Ctx {
                what: "an index",
                ..Ctx::CONST
            },
        )?;
        let bad = |this: &mut Self| {
            this.diags.push(
                Diag::error(
                    "pdec::check::bad_index",
                    "an index must be an index variable or a whole-number constant",
                )
                .primary(ix.span, "cannot index with this")
                .help("write `x[i]` with `i` from `sum(i in 1..d)` or `for i in 1..d`, or `x[1]`"),
            );
            None
        };
        match self.g.op(n).clone() {
            Op::Const(r) => {
                let v = r.0;
                if v.fract() != 0.0 {
                    return bad(self);
                }
                if len > 0 && (v < 1.0 || v > len as f64) {
                    self.diags
                        .push(out_of_range(name, len, v as i64, v as i64, ix.span));
                    return None;
                }
                if v < 1.0 {
                    return bad(self);
                }
                Some(Sel::Fixed(v as usize - 1))
            }
            Op::AxisValue(a) => {
                let (lo, hi) = (self.g.axis(a).lo, self.g.axis(a).hi);
                if lo < 1 || (len > 0 && hi > len as i64) {
                    self.diags.push(out_of_range(name, len, lo, hi, ix.span));
                    return None;
                }
                Some(Sel::Axis(a, (lo - 1) as usize))
            }
            Op::Tensor(k) => {
                // `i + c`: consecutive whole values along one axis.
                let ty = self.g.ty(n).clone();
                if ty.axes.len() != 1 || ty.shape != Shape::Scalar {
                    return bad(self);
                }
                let a = ty.axes[0];
                let data = &self.g.tensors[k].data;
                let first = data[0];
                let consecutive = data.iter().enumerate().all(|(i, v)| *v == first + i as f64);
                if !consecutive || first.fract() != 0.0 {
                    return bad(self);
                }
                let hi = first + data.len() as f64 - 1.0;
                if first < 1.0 || (len > 0 && hi > len as f64) {
                    self.diags
                        .push(out_of_range(name, len, first as i64, hi as i64, ix.span));
                    return None;
                }
                Some(Sel::Axis(a, first as usize - 1))
            }
            _ => bad(self),
        }
    }

    /// Creates the axis of `i in lo..hi` (bounds are whole-number constants).
    pub fn binder_axis(&mut self, b: &ast::Binder, env: &Env) -> Option<AxisId> {
        let lo = self.const_int(&b.lo, env, "an index range bound")?;
        let hi = self.const_int(&b.hi, env, "an index range bound")?;
        if hi < lo {
            self.diags.push(
                Diag::error(
                    "pdec::check::empty_range",
                    format!("the range {lo}..{hi} is empty"),
                )
                .primary(b.lo.span.to(b.hi.span), "no index lies in this range")
                .help("ranges are inclusive and count upwards: `1..d` has d elements"),
            );
            return None;
        }
        if (hi - lo) as u64 >= crate::ir::MAX_TENSOR as u64 {
            self.type_error(TypeError::TooLarge, b.span, "");
            return None;
        }
        Some(self.g.new_axis(&b.name.text, lo, hi))
    }

    /// A whole-number compile-time constant.
    pub fn const_int(&mut self, e: &Expr, env: &Env, what: &'static str) -> Option<i64> {
        let v = self.const_scalar(e, env, what)?;
        if v.fract() != 0.0 || v.abs() > 1e15 {
            self.diags.push(
                Diag::error(
                    "pdec::check::not_integer",
                    format!("{what} must be a whole number, found {v}"),
                )
                .primary(e.span, "not a whole number")
                .help("use a whole number such as `1` or `d`"),
            );
            return None;
        }
        Some(v as i64)
    }

    /// A scalar compile-time constant.
    pub fn const_scalar(&mut self, e: &Expr, env: &Env, what: &'static str) -> Option<f64> {
        let n = self.lower(e, env, Ctx { what, ..Ctx::CONST })?;
        match self.g.op(n) {
            Op::Const(r) if r.0.is_finite() => Some(r.0),
            Op::Const(r) => {
                let v = r.0;
                self.diags.push(
                    Diag::error(
                        "pdec::check::not_finite",
                        format!("{what} evaluates to {v}"),
                    )
                    .primary(e.span, "not a finite number")
                    .help("check for division by zero, `log` of zero or overflow"),
                );
                None
            }
            _ => {
                let s = self.g.ty(n).shape;
                self.diags.push(
                    Diag::error(
                        "pdec::check::expected_scalar",
                        format!("{what} must be a scalar, found {}", s.describe()),
                    )
                    .primary(e.span, "not a scalar constant")
                    .help("give a single number"),
                );
                None
            }
        }
    }

    fn lower_name(&mut self, n: &Ident, env: &Env, ctx: Ctx) -> Option<NodeId> {
        let span = n.span;
        match self.res.get(env.module, n.id)? {
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
                // A binder whose range failed to check: already reported.
                None => None,
            },
            Res::Builtin(Builtin::Pi) => Some(self.g.constant(std::f64::consts::PI, span)),
            Res::Builtin(Builtin::E) => Some(self.g.constant(std::f64::consts::E, span)),
            // Inside an ansatz, `U` stands for the network's output; the ansatz pass then
            // puts the whole expression where the unknown was (passes/ansatz.rs).
            Res::Builtin(Builtin::Net) if ctx.network => {
                Some(self.g.add(Op::U, Ty::scalar(), span))
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
                        self.unknown_name.clone().unwrap_or_else(|| "u".into()),
                        self.unknown_name.clone().unwrap_or_else(|| "u".into())
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
                if Some(r) == self.unknown_item {
                    if !ctx.unknown {
                        self.unknown_not_allowed(span, ctx);
                        return None;
                    }
                    return Some(self.g.add(Op::U, Ty::scalar(), span));
                }
                if self.program.item(r).kind.keyword() == "const" {
                    return self.const_value(r, span);
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

    fn unknown_not_allowed(&mut self, span: Span, ctx: Ctx) {
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

    /// The folded value of a `const` item (evaluated once, on first use).
    pub fn const_value(&mut self, r: ItemRef, span: Span) -> Option<NodeId> {
        match self.consts.get(&r) {
            Some(super::ConstState::Done(v)) => return *v,
            Some(super::ConstState::InProgress) => {
                let name = match &self.program.item(r).kind {
                    ast::ItemKind::Const { name, .. } => name.clone(),
                    _ => return None,
                };
                self.diags.push(
                    Diag::error(
                        "pdec::check::cyclic_const",
                        format!("constant `{}` depends on itself", name.text),
                    )
                    .primary(span, "used here while being defined")
                    .secondary(name.span, "defined here")
                    .help(
                        "give one of the constants in the cycle a value that does not refer back",
                    ),
                );
                self.consts.insert(r, super::ConstState::Done(None));
                return None;
            }
            None => {}
        }
        self.consts.insert(r, super::ConstState::InProgress);
        let v = self.eval_const_item(r);
        self.consts.insert(r, super::ConstState::Done(v));
        v
    }

    fn eval_const_item(&mut self, r: ItemRef) -> Option<NodeId> {
        let program = self.program;
        let ast::ItemKind::Const {
            name,
            binders,
            value,
        } = &program.item(r).kind
        else {
            return None;
        };
        let mut env = Env {
            module: r.module,
            ..Env::default()
        };
        if binders.len() > 2 {
            self.diags.push(
                Diag::error(
                    "pdec::check::too_many_indices",
                    format!(
                        "constant `{}` has {} indices; at most 2 (a matrix)",
                        name.text,
                        binders.len()
                    ),
                )
                .primary(binders[2].span, "third index")
                .help("constants are scalars, vectors or matrices"),
            );
            return None;
        }
        let mut axes = Vec::new();
        for b in binders {
            let a = self.binder_axis(b, &env)?;
            if self.g.axis(a).lo != 1 {
                self.diags.push(
                    Diag::error(
                        "pdec::check::bad_range",
                        format!("the index range of constant `{}` must start at 1", name.text),
                    )
                    .primary(b.lo.span, "starts elsewhere")
                    .help("a constant vector `v[i in 1..n]` has components 1 to n; use `if` for special entries"),
                );
                return None;
            }
            env.locals.insert(b.name.id, Local::Axis(a));
            axes.push(a);
        }
        let v = self.lower(value, &env, Ctx::CONST)?;
        if !self.g.is_constant(v) {
            return None;
        }
        let ty = self.g.ty(v).clone();
        if ty.boolean {
            self.type_error(TypeError::BooleanArithmetic, value.span, "");
            return None;
        }
        if axes.is_empty() {
            return Some(v);
        }
        if ty.shape != Shape::Scalar {
            self.diags.push(
                Diag::error(
                    "pdec::check::entry_not_scalar",
                    format!(
                        "each entry of constant `{}` must be a scalar, found {}",
                        name.text,
                        ty.shape.describe()
                    ),
                )
                .primary(value.span, "not a scalar")
                .help(format!(
                    "`{}[...]` defines one number per index; index the vector, e.g. `v[i]`",
                    name.text
                )),
            );
            return None;
        }
        // The value over the binders' axes becomes a positional vector or matrix.
        let lens: Vec<usize> = axes.iter().map(|a| self.g.axis(*a).len()).collect();
        let total: usize = lens.iter().product();
        if total > crate::ir::MAX_TENSOR {
            self.type_error(TypeError::TooLarge, value.span, "");
            return None;
        }
        let out = crate::ir::eval::Layout {
            axes: axes.iter().copied().zip(lens.iter().copied()).collect(),
            dims: vec![],
        };
        let full = crate::ir::eval::broadcast(crate::ir::eval::leaf(&self.g, v)?, &out);
        let data = full.data.into_owned();
        let shape = match lens.as_slice() {
            [n] => Shape::Vector(*n),
            [n, m] => Shape::Matrix(*n, *m),
            _ => Shape::Scalar,
        };
        self.g.tensors.push(crate::ir::Tensor { data });
        let k = self.g.tensors.len() - 1;
        Some(self.g.add(Op::Tensor(k), Ty::of_shape(shape), name.span))
    }

    fn arity(&mut self, span: Span, name: &str, signature: &str, given: usize) {
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

    fn lower_call(
        &mut self,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        match self.res.get(env.module, callee.id)? {
            Res::Item(r) if Some(r) == self.unknown_item => {
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

    fn inline_fn(
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
        };
        for (p, v) in params.iter().zip(values) {
            inner.locals.insert(p.id, Local::Value(v?));
        }
        self.lower(body, &inner, ctx)
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

    /// The first argument of a derivative operator must be the unknown itself.
    fn expect_unknown(&mut self, args: &[Arg], op: &str, env: &Env) -> bool {
        let ok = matches!(&args.first().map(|a| &a.value.kind),
            Some(ExprKind::Name(n)) if self.res.get(env.module, n.id).is_some_and(|r| matches!(r, Res::Item(i) if Some(i) == self.unknown_item)));
        if !ok && let Some(a) = args.first() {
            let u = self.unknown_name.clone().unwrap_or_else(|| "u".into());
            self.diags.push(
                Diag::error(
                    "pdec::check::derivative_of_non_unknown",
                    format!("`{op}` applies to the unknown `{u}` only"),
                )
                .primary(a.value.span, "not the unknown")
                .help(format!(
                    "derivatives are taken of `{u}`; expand the expression by hand, e.g. `d({u}^2, x)` is `2 * {u} * d({u}, x)`"
                )),
            );
        }
        ok
    }

    /// The space variable an operator acts on: the only one, or the one named.
    fn operator_var(&mut self, args: &[Arg], op: &str, span: Span, env: &Env) -> Option<usize> {
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

    fn lower_builtin(
        &mut self,
        b: Builtin,
        callee: &Ident,
        args: &[Arg],
        span: Span,
        env: &Env,
        ctx: Ctx,
    ) -> Option<NodeId> {
        let info = builtins::info(b);
        let n = args.len();
        let derivative = matches!(
            b,
            Builtin::D | Builtin::Grad | Builtin::Lap | Builtin::Hess | Builtin::Dn
        );
        if derivative && !ctx.unknown {
            self.unknown_not_allowed(span, ctx);
            return None;
        }
        if !matches!(b, Builtin::Ball | Builtin::Sphere) && !self.no_named(&callee.text, args) {
            return None;
        }
        match b {
            Builtin::D => {
                if n < 2 {
                    self.arity(span, "d", info.signature, n);
                    return None;
                }
                if !self.expect_unknown(args, "d", env) {
                    return None;
                }
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
                Some(self.g.deriv(coords, &dims, span))
            }
            Builtin::Grad | Builtin::Hess | Builtin::Lap => {
                if n == 0 || n > 2 {
                    self.arity(span, &callee.text, info.signature, n);
                    return None;
                }
                if !self.expect_unknown(args, &callee.text, env) {
                    return None;
                }
                // `lap(u)` with several space variables sums over all of them.
                let vars: Vec<usize> = if b == Builtin::Lap && n == 1 {
                    let v: Vec<usize> = self
                        .unknown_args
                        .iter()
                        .filter_map(|i| match i {
                            Input::Space(k) => Some(*k),
                            _ => None,
                        })
                        .collect();
                    if v.is_empty() {
                        self.operator_var(args, "lap", span, env)?;
                    }
                    if v.iter().any(|k| self.failed.contains(&Input::Space(*k))) {
                        return None;
                    }
                    v
                } else {
                    vec![self.operator_var(args, &callee.text, span, env)?]
                };
                let mut total: Option<NodeId> = None;
                for var in vars {
                    let dim = self.space[var].domain.dim();
                    let node = match (b, dim) {
                        (Builtin::Grad, None) => self.g.deriv(
                            vec![Coord::Space {
                                var,
                                comp: Comp::Scalar,
                            }],
                            &[],
                            span,
                        ),
                        (Builtin::Grad, Some(d)) => self.g.deriv(
                            vec![Coord::Space {
                                var,
                                comp: Comp::Whole,
                            }],
                            &[d],
                            span,
                        ),
                        (Builtin::Hess, Some(d)) => self.g.deriv(
                            vec![
                                Coord::Space {
                                    var,
                                    comp: Comp::Whole
                                };
                                2
                            ],
                            &[d, d],
                            span,
                        ),
                        // A scalar variable: the Hessian and the Laplacian are d(u, x, x).
                        (_, None) => self.g.deriv(
                            vec![
                                Coord::Space {
                                    var,
                                    comp: Comp::Scalar
                                };
                                2
                            ],
                            &[],
                            span,
                        ),
                        (_, Some(d)) => {
                            // lap(u) = sum(k in 1..d) d(u, x[k], x[k]), kept vectorised.
                            let a = self.g.new_axis("k", 1, d as i64);
                            let c = Coord::Space {
                                var,
                                comp: Comp::Axis(a, 0),
                            };
                            let h = self.g.deriv(vec![c, c], &[], span);
                            let r = self.g.reduce(RedOp::Sum, &[a], h, span);
                            self.t(r, span)?
                        }
                    };
                    total = Some(match total {
                        None => node,
                        Some(t) => {
                            let r = self.g.binary(BinOp::Add, t, node, span);
                            self.t(r, span)?
                        }
                    });
                }
                total
            }
            Builtin::Div => {
                if n == 0 || n > 2 {
                    self.arity(span, "div", info.signature, n);
                    return None;
                }
                let field = self.lower(&args[0].value, env, ctx)?;
                let var = self.operator_var(args, "div", span, env)?;
                let dim = self.space[var].domain.dim();
                let shape = self.g.ty(field).shape;
                let result = match dim {
                    None => {
                        if shape != Shape::Scalar {
                            self.type_error(
                                TypeError::ShapeMismatch(shape, Shape::Scalar),
                                args[0].value.span,
                                "",
                            );
                            return None;
                        }
                        diff::diff(&mut self.g, field, var, Comp::Scalar, span)
                    }
                    Some(d) => {
                        if shape != Shape::Vector(d) {
                            self.diags.push(
                                Diag::error(
                                    "pdec::check::shape_mismatch",
                                    format!(
                                        "`div` needs a vector field of length {d}, found {}",
                                        shape.describe()
                                    ),
                                )
                                .primary(args[0].value.span, "not a vector field")
                                .help("e.g. `div(a * grad(u))`"),
                            );
                            return None;
                        }
                        let a = self.g.new_axis("k", 1, d as i64);
                        let comp = Comp::Axis(a, 0);
                        let fk = self.g.index(field, &[Sel::Axis(a, 0)], span);
                        let fk = self.t(fk, span)?;
                        diff::diff(&mut self.g, fk, var, comp, span).and_then(|dk| {
                            self.g
                                .reduce(RedOp::Sum, &[a], dk, span)
                                .map_err(DiffError::from)
                        })
                    }
                };
                match result {
                    Ok(r) => Some(r),
                    Err(DiffError::Type(e)) => {
                        self.type_error(e, span, "");
                        None
                    }
                    Err(DiffError::OrderTooHigh) => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::derivative_order",
                                "this divergence needs derivatives of order three or more",
                            )
                            .primary(span, "order too high")
                            .help("pdec computes derivatives up to second order"),
                        );
                        None
                    }
                    Err(DiffError::NotDifferentiable(what)) => {
                        self.diags.push(
                            Diag::error(
                                "pdec::check::not_differentiable",
                                format!("cannot differentiate {what} inside `div`"),
                            )
                            .primary(args[0].value.span, "not differentiable")
                            .help("write the divergence out with `d(...)` terms"),
                        );
                        None
                    }
                }
            }
            Builtin::Dn => {
                if n != 1 {
                    self.arity(span, "dn", info.signature, n);
                    return None;
                }
                if !self.expect_unknown(args, "dn", env) {
                    return None;
                }
                if !ctx.normal {
                    self.diags.push(
                        Diag::error(
                            "pdec::check::normal_outside_boundary",
                            "`dn(u)` is only defined on a boundary",
                        )
                        .primary(span, "no outward normal here")
                        .help("use it in a boundary condition: `boundary on(x): dn(u) = 0`"),
                    );
                    return None;
                }
                Some(self.g.add(Op::NormalDeriv, Ty::scalar(), span))
            }
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
            | Builtin::Sign => {
                if n != 1 {
                    self.arity(span, &callee.text, info.signature, n);
                    return None;
                }
                let a = self.lower(&args[0].value, env, ctx)?;
                let op = match b {
                    Builtin::Exp => UnOp::Exp,
                    Builtin::Log => UnOp::Log,
                    Builtin::Sqrt => UnOp::Sqrt,
                    Builtin::Abs => UnOp::Abs,
                    Builtin::Sin => UnOp::Sin,
                    Builtin::Cos => UnOp::Cos,
                    Builtin::Tan => UnOp::Tan,
                    Builtin::Tanh => UnOp::Tanh,
                    Builtin::Sinh => UnOp::Sinh,
                    Builtin::Cosh => UnOp::Cosh,
                    Builtin::Atan => UnOp::Atan,
                    Builtin::Erf => UnOp::Erf,
                    _ => UnOp::Sign,
                };
                let r = self.g.unary(op, a, span);
                self.t(r, span)
            }
            Builtin::Min | Builtin::Max => match n {
                1 => {
                    let v = self.lower(&args[0].value, env, ctx)?;
                    let op = if b == Builtin::Min {
                        VecRed::Min
                    } else {
                        VecRed::Max
                    };
                    let r = self.g.reduce_vec(op, v, span);
                    self.t(r, args[0].value.span)
                }
                2 => {
                    let x = self.lower(&args[0].value, env, ctx);
                    let y = self.lower(&args[1].value, env, ctx);
                    let op = if b == Builtin::Min {
                        BinOp::Min
                    } else {
                        BinOp::Max
                    };
                    let r = self.g.binary(op, x?, y?, span);
                    self.t(r, span)
                }
                _ => {
                    self.arity(span, &callee.text, info.signature, n);
                    None
                }
            },
            Builtin::Norm | Builtin::Mean | Builtin::Len => {
                if n != 1 {
                    self.arity(span, &callee.text, info.signature, n);
                    return None;
                }
                let v = self.lower(&args[0].value, env, ctx)?;
                let shape = self.g.ty(v).shape;
                match (b, shape) {
                    (Builtin::Len, Shape::Vector(len)) => Some(self.g.constant(len as f64, span)),
                    (Builtin::Norm, Shape::Scalar) => {
                        let r = self.g.unary(UnOp::Abs, v, span);
                        self.t(r, span)
                    }
                    (Builtin::Norm, _) => {
                        let sq = self.g.binary(BinOp::Mul, v, v, span);
                        let sq = self.t(sq, span)?;
                        let s = self.g.reduce_vec(VecRed::Sum, sq, span);
                        let s = self.t(s, args[0].value.span)?;
                        let r = self.g.unary(UnOp::Sqrt, s, span);
                        self.t(r, span)
                    }
                    (Builtin::Mean, _) => {
                        let r = self.g.reduce_vec(VecRed::Mean, v, span);
                        self.t(r, args[0].value.span)
                    }
                    (_, s) => {
                        self.type_error(TypeError::VectorExpected(s), args[0].value.span, "");
                        None
                    }
                }
            }
            Builtin::Dot => {
                if n != 2 {
                    self.arity(span, "dot", info.signature, n);
                    return None;
                }
                let x = self.lower(&args[0].value, env, ctx);
                let y = self.lower(&args[1].value, env, ctx);
                let (x, y) = (x?, y?);
                for (node, a) in [(x, &args[0]), (y, &args[1])] {
                    let s = self.g.ty(node).shape;
                    if !matches!(s, Shape::Vector(_)) {
                        self.type_error(TypeError::VectorExpected(s), a.value.span, "");
                        return None;
                    }
                }
                let p = self.g.binary(BinOp::Mul, x, y, span);
                let p = self.t(p, span)?;
                let r = self.g.reduce_vec(VecRed::Sum, p, span);
                self.t(r, span)
            }
            Builtin::On | Builtin::Ball | Builtin::Sphere => {
                self.diags.push(
                    Diag::error(
                        "pdec::check::misplaced_domain",
                        format!(
                            "`{}` describes a region and cannot be used as a value",
                            callee.text
                        ),
                    )
                    .primary(span, "a region, not a number")
                    .help(match b {
                        Builtin::On => "use it as a boundary locus: `boundary on(x): u = 0`",
                        _ => "use it as a domain: `space x in ball(3, center = 0, radius = 1)`",
                    }),
                );
                None
            }
            Builtin::Pi | Builtin::E | Builtin::Net => None,
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
