//! The syntax tree: what the user wrote, with a span on every node and no meaning attached.
//! Names are plain strings here; `resolve` binds them. Each name occurrence carries a
//! [`NameId`], unique within its module, so later stages can look up its resolution.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId(pub u32);

/// A name as written: a declaration or a use.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
    pub id: NameId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Number of [`NameId`]s handed out in this file.
    pub name_count: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    /// The whole statement.
    pub span: Span,
    /// The leading keyword (`pde`, `boundary`, ...).
    pub keyword: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Problem(Ident),
    Use(Use),
    Const {
        name: Ident,
        binders: Vec<Binder>,
        value: Expr,
    },
    Param {
        name: Ident,
        domain: Expr,
    },
    Time {
        name: Ident,
        domain: Expr,
    },
    Space {
        name: Ident,
        domain: Expr,
    },
    Unknown {
        name: Ident,
        args: Vec<Ident>,
        /// `unknown U(t, x)[2]`: the number of components of a vector unknown.
        components: Option<Expr>,
        /// `unknown coef k(x) in [lo, hi] [init v] [log]`: a coefficient function, determined
        /// by data through the equations that read it.
        coef: Option<CoefRange>,
    },
    /// `unknown const k in [lo, hi] [init v] [log]`: a scalar coefficient identified from
    /// data, trained beside the network's weights.
    Coefficient {
        name: Ident,
        /// `unknown const k[3] ...`: a vector of that many coefficients.
        components: Option<Expr>,
        range: Expr,
        init: Option<Expr>,
        log: bool,
    },
    Fn {
        name: Ident,
        params: Vec<Ident>,
        body: Expr,
    },
    /// `pde [NAME:] lhs = rhs`.
    Pde {
        name: Option<Ident>,
        eq: Equation,
    },
    Initial(Equation),
    Terminal(Equation),
    Boundary(Boundary),
    Periodic(Expr),
    Constraint {
        lhs: Expr,
        op: ConstraintOp,
        op_span: Span,
        rhs: Expr,
    },
    Exact(Equation),
    /// `ansatz u = g + h * net`: the unknown as an expression of the network's output.
    Ansatz(Equation),
    Reference {
        path: String,
        span: Span,
    },
    /// `observe TARGET from "data.csv" [weight W]`: measurements of the unknown (or a
    /// component of a vector unknown) as a loss term.
    Observe {
        target: Expr,
        /// `at x = 1, t = 0.5`: inputs fixed for every row (their columns left out).
        at: Vec<(Expr, Expr)>,
        /// `noise 0.01`: the data's noise level, the weight `1 / noise^2` (instead of
        /// `weight`).
        noise: Option<Expr>,
        path: String,
        span: Span,
        weight: Option<Expr>,
    },
    Report(Expr),
    Solve(Vec<Setting>),
    /// `mean p = c`: the gauge of an unknown its equations fix only up to a constant.
    Gauge(Equation),
}

/// The range of `unknown coef k(x) in [lo, hi] [init v] [log]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CoefRange {
    /// The word `coef`.
    pub keyword: Span,
    pub range: Expr,
    pub init: Option<Expr>,
    pub log: bool,
}

impl ItemKind {
    /// The statement keyword, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Problem(_) => "problem",
            ItemKind::Use(_) => "use",
            ItemKind::Const { .. } => "const",
            ItemKind::Param { .. } => "param",
            ItemKind::Time { .. } => "time",
            ItemKind::Space { .. } => "space",
            ItemKind::Unknown { .. } => "unknown",
            ItemKind::Coefficient { .. } => "unknown const",
            ItemKind::Fn { .. } => "fn",
            ItemKind::Pde { .. } => "pde",
            ItemKind::Initial(_) => "initial",
            ItemKind::Terminal(_) => "terminal",
            ItemKind::Boundary(_) => "boundary",
            ItemKind::Periodic(_) => "periodic",
            ItemKind::Constraint { .. } => "constraint",
            ItemKind::Exact(_) => "exact",
            ItemKind::Ansatz(_) => "ansatz",
            ItemKind::Reference { .. } => "reference",
            ItemKind::Observe { .. } => "observe",
            ItemKind::Report(_) => "report",
            ItemKind::Solve(_) => "solve",
            ItemKind::Gauge(_) => "mean",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Use {
    /// `std::finance` in `use std::finance::{call}`.
    pub path: Vec<Ident>,
    pub items: UseItems,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UseItems {
    /// `use std::finance` (only the module: not enough to use anything).
    Module,
    /// `use std::finance::*`.
    All(Span),
    /// `use std::finance::{call, put}`.
    List(Vec<Ident>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintOp {
    /// `u >= g`: the solution stays above the obstacle.
    AtLeast,
    /// `u <= g`.
    AtMost,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub lhs: Expr,
    /// `None` when the user wrote no `=` (a diagnostic has been reported).
    pub rhs: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Boundary {
    /// `boundary none`: the user states that no face carries data.
    None(Span),
    Locus(Box<Locus>),
}

/// `boundary LOCUS for BINDERS: CONDITION`.
#[derive(Clone, Debug, PartialEq)]
pub struct Locus {
    /// `x = 0`, `x[i] = 1`, `on(x)`, `norm(x) = 1`.
    pub lhs: Expr,
    pub rhs: Option<Expr>,
    pub span: Span,
    /// `for i in 1..d`.
    pub binders: Vec<Binder>,
    /// `where x[2] > 0`: the part of the locus the condition is on.
    pub restriction: Option<Expr>,
    pub condition: Equation,
}

/// `i in 1..d`: an index ranging over an inclusive integer range.
#[derive(Clone, Debug, PartialEq)]
pub struct Binder {
    pub name: Ident,
    pub lo: Expr,
    pub hi: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// `weight."boundary x=0"` is `["weight", "boundary x=0"]`.
    pub key: Vec<String>,
    pub key_span: Span,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// The names a constructive domain declares with `as` (`ball(...) as hole`), in order:
    /// those on its operands and set operations, the pieces `boundary NAME` can name.
    pub fn piece_names(&self) -> Vec<&Ident> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Named { inner, name } => {
                    out.push(name);
                    stack.push(inner);
                }
                ExprKind::Binary { lhs, rhs, .. } => stack.extend([&**rhs, &**lhs]),
                _ => {}
            }
        }
        out.sort_by_key(|n| n.span.start);
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Name(Ident),
    Call {
        callee: Ident,
        args: Vec<Arg>,
    },
    Index {
        base: Box<Expr>,
        indices: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `sum(i in 1..d, j in 1..d) body`.
    Reduce {
        op: ReduceOp,
        binders: Vec<Binder>,
        body: Box<Expr>,
    },
    /// `sum(v)`, `prod(v)`: over the components of a vector.
    ReduceVector {
        op: ReduceOp,
        arg: Box<Expr>,
    },
    /// `[a, b]`: an interval, a vector literal.
    List(Vec<Expr>),
    /// `ball(...) as hole`: a piece of a constructive domain and the name it declares.
    Named {
        inner: Box<Expr>,
        name: Ident,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Prod,
}

impl ReduceOp {
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
        }
    }
}

/// Binding powers of the Pratt table, low to high. `sum(...)` binds its body like `*`, so
/// `sum(i in 1..d) a * b + c` is `(sum a * b) + c`, as on paper.
pub mod prec {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const CMP: u8 = 4;
    pub const ADD: u8 = 5;
    pub const MUL: u8 = 6;
    pub const NEG: u8 = 7;
    pub const POW: u8 = 8;
}
