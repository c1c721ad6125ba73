//! The derivative-aware IR: expressions over the network inputs `(t, x, params)` and the
//! unknowns `u, v, ...` with their derivatives.
//!
//! Invariants: no names and no unevaluated constants (constant sub-expressions are folded as
//! nodes are built); every node has a known type and keeps a source span. Sums over index
//! ranges stay vectorised: an index variable is a named *axis* of a node's type, so
//! `sum(i in 1..d, j in 1..d) rho[i, j] * x[i] * x[j] * d(u, x[i], x[j])` is a handful of
//! nodes whatever `d` is. Nodes are hash-consed: building the same expression twice returns
//! the same node. The IR knows nothing about neural networks.

mod construct;
pub mod csg;
pub mod diff;
pub mod eval;
pub mod print;
pub(crate) mod replace;
pub mod restrict;
mod vectors;

use crate::source::Span;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct NodeId(pub u32);

/// One instance of an index variable (each `sum(i in ...)` and each inlining gets its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AxisId(pub u32);

#[derive(Clone, Debug, Serialize)]
pub struct Axis {
    pub name: String,
    /// Inclusive 1-based range `lo..hi`.
    pub lo: i64,
    pub hi: i64,
}

impl Axis {
    pub fn len(&self) -> usize {
        (self.hi - self.lo + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.hi < self.lo
    }
}

/// The positional part of a type: what a value is at one point, for one choice of indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Shape {
    Scalar,
    Vector(usize),
    Matrix(usize, usize),
}

impl Shape {
    pub fn dims(self) -> Vec<usize> {
        match self {
            Shape::Scalar => vec![],
            Shape::Vector(n) => vec![n],
            Shape::Matrix(n, m) => vec![n, m],
        }
    }

    pub fn describe(self) -> String {
        match self {
            Shape::Scalar => "a scalar".into(),
            Shape::Vector(n) => format!("a vector of length {n}"),
            Shape::Matrix(n, m) => format!("a {n}x{m} matrix"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Ty {
    /// Free index variables, sorted.
    pub axes: Vec<AxisId>,
    pub shape: Shape,
    /// A truth value (from a comparison); only `if` conditions and `and`/`or`/`not` take it.
    pub boolean: bool,
}

impl Ty {
    pub fn scalar() -> Ty {
        Ty {
            axes: vec![],
            shape: Shape::Scalar,
            boolean: false,
        }
    }

    pub fn of_shape(shape: Shape) -> Ty {
        Ty {
            axes: vec![],
            shape,
            boolean: false,
        }
    }
}

/// A network input variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Input {
    Time,
    /// Index into [`Problem::space`].
    Space(usize),
    /// Index into [`Problem::params`].
    Param(usize),
}

/// Which component of a space variable a derivative or index refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Comp {
    /// The variable is a scalar.
    Scalar,
    /// A fixed 0-based component.
    Fixed(usize),
    /// Component `offset + k` for the k-th value of an index axis (0-based).
    Axis(AxisId, usize),
    /// All components: a positional dimension (gradient, Hessian).
    Whole,
}

/// A coordinate to differentiate along.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Coord {
    Time,
    Space { var: usize, comp: Comp },
}

/// How a positional vector dimension is indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Sel {
    Fixed(usize),
    Axis(AxisId, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum UnOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sinh,
    Cosh,
    Atan,
    Erf,
    Sign,
    Floor,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Min,
    Max,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RedOp {
    Sum,
    Prod,
}

/// Reductions of a positional vector to a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum VecRed {
    Sum,
    Prod,
    Mean,
    Max,
    Min,
}

/// `f64` compared and hashed by its bits, for hash-consing.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Real(pub f64);

impl PartialEq for Real {
    fn eq(&self, o: &Real) -> bool {
        self.0.to_bits() == o.0.to_bits()
    }
}
impl Eq for Real {}
impl std::hash::Hash for Real {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.to_bits().hash(h)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    Const(Real),
    /// A folded constant with more than one element: index into [`Graph::tensors`].
    Tensor(usize),
    Input(Input),
    /// The 1-based value of an index variable.
    AxisValue(AxisId),
    /// Unknown number `k` (in declaration order).
    U(usize),
    /// Partial derivative of unknown `k` along the coordinates, in order.
    Deriv(usize, Vec<Coord>),
    /// Outward normal derivative of unknown `k` (boundary conditions only).
    NormalDeriv(usize),
    /// The outward unit normal of a boundary point's face in the components of space
    /// variable `k` (zero on the faces of the others); made by the ansatz pass, which writes
    /// `dn(u)` as the normal dotted with the ansatz's gradient.
    Normal(usize),
    Unary(UnOp, NodeId),
    Binary(BinOp, NodeId, NodeId),
    Select(NodeId, NodeId, NodeId),
    Index(NodeId, Vec<Sel>),
    Reduce(RedOp, Vec<AxisId>, NodeId),
    ReduceVec(VecRed, NodeId),
    /// `[a, b, c]` with scalar entries.
    Stack(Vec<NodeId>),
    /// Unknown coefficient `k` ([`Problem::coefficients`]): a scalar the solver trains
    /// beside the network's weights; before training its initial value.
    Coef(usize),
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub op: Op,
    pub ty: Ty,
    pub span: Span,
}

/// A dense constant. Layout: the type's axes (sorted) then its positional dims, row-major.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tensor {
    pub data: Vec<f64>,
}

/// Nodes, folded constants and axes of one problem.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub tensors: Vec<Tensor>,
    pub axes: Vec<Axis>,
    #[serde(skip)]
    interned: HashMap<(Op, Ty), NodeId>,
    /// Names that print in place of a node's expression: `dist(boundary)` stands for the
    /// arithmetic it is built from, and its derivatives for theirs (`d(dist(boundary),
    /// x[1])`). Printing only: the nodes keep their arithmetic.
    #[serde(skip)]
    pub labels: HashMap<NodeId, Label>,
    /// Nodes proven non-negative at every point of the space domain by how they were built
    /// (a `dist` whose levels the construction proves, `csg::distance::sign`), which interval
    /// bounds over the bounding box cannot see. Read by `passes::bounds`.
    #[serde(skip)]
    pub nonnegative: std::collections::HashSet<NodeId>,
}

/// A printed name of a node: `text`, differentiated along `coords`.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub text: String,
    pub coords: Vec<Coord>,
}

/// Upper bound on IR nodes: a hostile file (functions calling functions twice, 40 deep)
/// could otherwise grow without limit.
pub fn max_nodes() -> usize {
    crate::limits::Limit::ExpressionNodes.get_usize()
}
/// Upper bound on the elements of one folded constant (a 3000 x 3000 matrix by default).
pub fn max_tensor() -> usize {
    crate::limits::Limit::ConstantElements.get_usize()
}

impl Graph {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn op(&self, id: NodeId) -> &Op {
        &self.nodes[id.0 as usize].op
    }

    pub fn ty(&self, id: NodeId) -> &Ty {
        &self.nodes[id.0 as usize].ty
    }

    pub fn axis(&self, a: AxisId) -> &Axis {
        &self.axes[a.0 as usize]
    }

    pub fn new_axis(&mut self, name: &str, lo: i64, hi: i64) -> AxisId {
        self.axes.push(Axis {
            name: name.to_string(),
            lo,
            hi,
        });
        AxisId(self.axes.len() as u32 - 1)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Drops every node and constant not reachable from `roots`, renumbering the rest
    /// (children keep coming before parents). Folding leaves dead intermediates behind, such
    /// as the boolean `i == j` matrix of a correlation constant; at d = 1000 each is 8 MB.
    pub fn compact(&mut self, roots: &mut [&mut NodeId]) {
        let mut live = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = roots.iter().map(|r| **r).collect();
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut live[n.0 as usize], true) {
                continue;
            }
            stack.extend(children(&self.nodes[n.0 as usize].op));
        }
        let old_nodes = std::mem::take(&mut self.nodes);
        let mut old_tensors: Vec<Option<Tensor>> = std::mem::take(&mut self.tensors)
            .into_iter()
            .map(Some)
            .collect();
        self.interned.clear();
        let mut map = vec![NodeId(u32::MAX); old_nodes.len()];
        let m = |map: &[NodeId], n: &NodeId| map[n.0 as usize];
        for (i, node) in old_nodes.into_iter().enumerate() {
            if !live[i] {
                continue;
            }
            let op = match node.op {
                Op::Tensor(k) => {
                    let t = old_tensors[k].take().unwrap_or(Tensor { data: Vec::new() });
                    self.tensors.push(t);
                    Op::Tensor(self.tensors.len() - 1)
                }
                Op::Unary(u, a) => Op::Unary(u, m(&map, &a)),
                Op::Binary(b, x, y) => Op::Binary(b, m(&map, &x), m(&map, &y)),
                Op::Select(c, x, y) => Op::Select(m(&map, &c), m(&map, &x), m(&map, &y)),
                Op::Index(a, sels) => Op::Index(m(&map, &a), sels),
                Op::Reduce(r, axes, a) => Op::Reduce(r, axes, m(&map, &a)),
                Op::ReduceVec(r, a) => Op::ReduceVec(r, m(&map, &a)),
                Op::Stack(items) => Op::Stack(items.iter().map(|n| m(&map, n)).collect()),
                op => op,
            };
            map[i] = self.add(op, node.ty, node.span);
        }
        for r in roots.iter_mut() {
            **r = map[r.0 as usize];
        }
        self.labels = std::mem::take(&mut self.labels)
            .into_iter()
            .filter(|(n, _)| live[n.0 as usize])
            .map(|(n, l)| (map[n.0 as usize], l))
            .collect();
        self.nonnegative = std::mem::take(&mut self.nonnegative)
            .into_iter()
            .filter(|n| live[n.0 as usize])
            .map(|n| map[n.0 as usize])
            .collect();
    }

    /// Adds a node (or returns the existing identical one). Does not fold.
    pub fn add(&mut self, op: Op, ty: Ty, span: Span) -> NodeId {
        let key = (op, ty);
        if let Some(id) = self.interned.get(&key) {
            return *id;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            op: key.0.clone(),
            ty: key.1.clone(),
            span,
        });
        self.interned.insert(key, id);
        id
    }

    pub fn constant(&mut self, v: f64, span: Span) -> NodeId {
        self.add(Op::Const(Real(v)), Ty::scalar(), span)
    }

    pub fn as_const(&self, id: NodeId) -> Option<f64> {
        match self.op(id) {
            Op::Const(r) => Some(r.0),
            _ => None,
        }
    }

    /// True when the node's value is known at compile time.
    pub fn is_constant(&self, id: NodeId) -> bool {
        matches!(self.op(id), Op::Const(_) | Op::Tensor(_) | Op::AxisValue(_))
    }

    /// Does the node depend on an unknown (its value or a derivative)?
    pub fn depends_on_unknown(&self, id: NodeId) -> bool {
        self.any(id, &mut |op| {
            matches!(op, Op::U(_) | Op::Deriv(..) | Op::NormalDeriv(_))
        })
    }

    /// Does the node read an unknown coefficient (`Op::Coef`)?
    pub fn depends_on_coefficient(&self, id: NodeId) -> bool {
        self.any(id, &mut |op| matches!(op, Op::Coef(_)))
    }

    /// Does the node depend on unknown `k` (its value or a derivative)?
    pub fn depends_on(&self, id: NodeId, k: usize) -> bool {
        self.any(id, &mut |op| op.unknown() == Some(k))
    }

    /// The unknowns the node depends on, in declaration order.
    pub fn unknowns_in(&self, id: NodeId) -> Vec<usize> {
        let mut found = std::collections::BTreeSet::new();
        self.any(id, &mut |op| {
            if let Some(k) = op.unknown() {
                found.insert(k);
            }
            false
        });
        found.into_iter().collect()
    }

    /// Does the node depend on a network input?
    pub fn depends_on_input(&self, id: NodeId, input: Input) -> bool {
        self.any(id, &mut |op| *op == Op::Input(input))
    }

    /// Is `pred` true of any node reachable from `id`? (Iterative: graphs can be deep.)
    pub fn any(&self, id: NodeId, pred: &mut impl FnMut(&Op) -> bool) -> bool {
        let mut stack = vec![id];
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let op = self.op(n);
            if pred(op) {
                return true;
            }
            stack.extend(children(op));
        }
        false
    }

    /// Every node reachable from `id`, each once, children before their parents (`id` last).
    /// Iterative: graphs can be deep.
    pub fn reachable(&self, id: NodeId) -> Vec<NodeId> {
        let mut order = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![(id, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                order.push(n);
            } else if seen.insert(n) {
                stack.push((n, true));
                stack.extend(children(self.op(n)).into_iter().map(|c| (c, false)));
            }
        }
        order
    }

    /// The highest total derivative order of any unknown in the expression.
    pub fn derivative_order(&self, id: NodeId) -> usize {
        let mut best = 0;
        self.any(id, &mut |op| {
            let o = match op {
                Op::Deriv(_, c) => c.len(),
                Op::NormalDeriv(_) => 1,
                _ => 0,
            };
            best = best.max(o);
            false
        });
        best
    }

    /// Number of elements of a node's value: product of axis lengths and positional dims.
    pub fn numel(&self, ty: &Ty) -> usize {
        let a: usize = ty.axes.iter().map(|a| self.axis(*a).len()).product();
        a * ty.shape.dims().iter().product::<usize>()
    }
}

impl Op {
    /// The unknown a value or derivative of an unknown is of.
    pub fn unknown(&self) -> Option<usize> {
        match self {
            Op::U(k) | Op::Deriv(k, _) | Op::NormalDeriv(k) => Some(*k),
            _ => None,
        }
    }
}

pub fn children(op: &Op) -> Vec<NodeId> {
    match op {
        Op::Unary(_, a) | Op::Index(a, _) | Op::Reduce(_, _, a) | Op::ReduceVec(_, a) => vec![*a],
        Op::Binary(_, a, b) => vec![*a, *b],
        Op::Select(c, a, b) => vec![*c, *a, *b],
        Op::Stack(v) => v.clone(),
        _ => vec![],
    }
}

/// Domain of a space variable.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Domain {
    Interval {
        lo: f64,
        hi: f64,
    },
    Box {
        lo: Vec<f64>,
        hi: Vec<f64>,
    },
    Ball {
        center: Vec<f64>,
        radius: f64,
    },
    /// A constructive domain: unions, intersections and differences of primitives.
    Csg(csg::Csg),
}

impl Domain {
    /// `None` for a scalar variable.
    pub fn dim(&self) -> Option<usize> {
        match self {
            Domain::Interval { .. } => None,
            Domain::Box { lo, .. } => Some(lo.len()),
            Domain::Ball { center, .. } => Some(center.len()),
            Domain::Csg(c) => Some(c.dim()),
        }
    }

    /// Per-component bounding box `(lo, hi)` (for input normalisation and bounds).
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        match self {
            Domain::Interval { lo, hi } => vec![(*lo, *hi)],
            Domain::Box { lo, hi } => lo.iter().zip(hi).map(|(a, b)| (*a, *b)).collect(),
            Domain::Ball { center, radius } => {
                center.iter().map(|c| (c - radius, c + radius)).collect()
            }
            Domain::Csg(c) => c.bounds(),
        }
    }

    pub fn faces(&self, var: usize) -> Vec<Face> {
        match self {
            Domain::Interval { .. } => vec![
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
            Domain::Box { lo, .. } => (0..lo.len())
                .flat_map(|k| {
                    [Side::Lo, Side::Hi].map(|side| Face::Side {
                        var,
                        comp: Some(k),
                        side,
                    })
                })
                .collect(),
            Domain::Ball { .. } => vec![Face::Sphere { var }],
            Domain::Csg(c) => (0..c.surfaces.len())
                .map(|surface| Face::Surface { var, surface })
                .collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Lo,
    Hi,
}

/// A piece of the boundary of the space domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Face {
    /// `x = lo` / `x = hi` (scalar x, `comp` None) or `x[k] = lo/hi` (0-based k).
    Side {
        var: usize,
        comp: Option<usize>,
        side: Side,
    },
    /// The surface of a ball.
    Sphere { var: usize },
    /// A piece of the boundary of a constructive domain: index into its
    /// [`csg::Csg::surfaces`].
    Surface { var: usize, surface: usize },
}

impl Face {
    /// The space variable whose boundary the face is part of.
    pub fn var(self) -> usize {
        match self {
            Face::Side { var, .. } | Face::Sphere { var } | Face::Surface { var, .. } => var,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Var {
    pub name: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimeVar {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpaceVar {
    pub name: String,
    pub domain: Domain,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParamVar {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    #[serde(skip)]
    pub span: Span,
}

/// `unknown const k in [lo, hi] init v log`: a scalar identified from data. The solver trains
/// `theta` and reads `lo + (hi - lo) * sigmoid(theta)` (under `log`, the same of `ln lo`
/// and `ln hi`, then `exp`), so the value never leaves `(lo, hi)`.
#[derive(Clone, Debug, Serialize)]
pub struct Coefficient {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    /// The initial value: written, or the middle of the range (the geometric middle under
    /// `log`).
    pub init: f64,
    pub log: bool,
    #[serde(skip)]
    pub span: Span,
}

impl Coefficient {
    /// The range's ends on the trained scale (their logarithms under `log`).
    fn ends(&self) -> (f64, f64) {
        match self.log {
            true => (self.lo.ln(), self.hi.ln()),
            false => (self.lo, self.hi),
        }
    }

    /// The value of the trained parameter `theta`.
    pub fn value(&self, theta: f64) -> f64 {
        let (a, b) = self.ends();
        let v = a + (b - a) / (1.0 + (-theta).exp());
        // `exp(ln hi)` may round above `hi`.
        let v = if self.log { v.exp() } else { v };
        v.clamp(self.lo, self.hi)
    }

    /// The trained parameter that gives the initial value.
    pub fn theta0(&self) -> f64 {
        let (a, b) = self.ends();
        let v = if self.log { self.init.ln() } else { self.init };
        let s = ((v - a) / (b - a)).clamp(1e-12, 1.0 - 1e-12);
        (s / (1.0 - s)).ln()
    }
}

/// `observe u from "data.csv" weight w`: measured values of an unknown at points, one loss
/// term (the weighted mean squared misfit). The rows are read and checked by the front end
/// (`driver::compile`, `check::observe`), in the network's input columns.
#[derive(Clone, Debug, Serialize)]
pub struct Observation {
    /// The loss term's name: `data`, or `data_NAME` when there are several.
    pub name: String,
    /// What is observed, as written (`u`, `U[1]`): the data column's name.
    pub target: String,
    /// The observed quantity: `Op::U(k)` of the unknown or component, or an expression of
    /// the unknowns (`d(u, x)`), whose column is then `value`.
    pub node: NodeId,
    /// Whether `node` is more than an unknown's value (its data column is named `value`).
    pub derived: bool,
    /// `at x = 1, t = 0.5`: inputs fixed for every row, their columns absent from the file.
    pub fixed: Vec<(Input, f64)>,
    pub path: String,
    pub weight: f64,
    /// Rows in the network's input columns (`width` each), and the observed values.
    pub width: usize,
    #[serde(skip)]
    pub points: Vec<f64>,
    #[serde(skip)]
    pub values: Vec<f64>,
    /// The file's text as read (a run directory keeps a copy).
    #[serde(skip)]
    pub text: String,
    /// The data file's own source file, once read (diagnostics point into it).
    #[serde(skip)]
    pub span: Span,
}

impl Observation {
    pub fn rows(&self) -> usize {
        self.values.len()
    }
}

/// An unknown function, with what the problem says of it alone.
#[derive(Clone, Debug, Serialize)]
pub struct Unknown {
    pub name: String,
    /// The declared arguments, in order (time and space variables).
    pub args: Vec<Input>,
    /// `exact NAME = ...`: the solution, for the error after training.
    pub exact: Option<NodeId>,
    /// The `exact` statement (the node's own span may be an identical expression's
    /// elsewhere: nodes are shared).
    #[serde(skip)]
    pub exact_span: Option<Span>,
    /// `ansatz NAME = ...`: the unknown as an expression of its network output. After the
    /// ansatz pass every residual is written in the network's outputs (`Op::U(k)` is then
    /// output `k`, not the unknown), and this node is how the solution is made from it.
    pub ansatz: Option<Ansatz>,
    /// `unknown coef k(x) in [lo, hi]`: a coefficient function, no equation of its own,
    /// determined by data; its range (its `ansatz` keeps it inside).
    pub coefficient: Option<Coefficient>,
    #[serde(skip)]
    pub span: Span,
}

/// One equation as `residual = lhs - rhs = 0`, one loss term.
#[derive(Clone, Debug, Serialize)]
pub struct Pde {
    /// The loss term's name: `pde` for a problem's only equation, else the name written
    /// (`pde momentum: ...`) or the unknown it is solved for (`pde u`).
    pub name: String,
    /// The unknown it is solved for (the checker's match of equations to unknowns).
    pub unknown: usize,
    pub residual: NodeId,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Where {
    /// The time slice `t = at` (initial or terminal condition).
    TimeSlice { at: f64, terminal: bool },
    /// Faces of the space domain (for all times and parameters), or the part of them a
    /// `where` restriction keeps.
    Faces {
        faces: Vec<Face>,
        #[serde(skip_serializing_if = "Option::is_none")]
        restriction: Option<restrict::Restriction>,
    },
    /// Periodicity in one coordinate: `u` equal on its two opposite faces.
    Periodic { var: usize, comp: Option<usize> },
}

/// A condition besides the PDE, each one named loss term.
#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    /// `initial`, `boundary x=0`, `boundary on(x)`, ... (keys for loss weights).
    pub name: String,
    pub region: Where,
    /// Zero when the condition holds. For periodic conditions: the unknown's expression
    /// whose values on the two faces must agree.
    pub residual: NodeId,
    #[serde(skip)]
    pub span: Span,
}

/// `mean p = value`: the gauge of an unknown its equations fix only up to a constant (a
/// pressure). Its loss term asks that the unknown's mean over the space domain, at each
/// time and parameter value, be `value`; the metrics compare it with the mean removed.
#[derive(Clone, Debug, Serialize)]
pub struct Gauge {
    /// The loss term's name: `mean p`.
    pub name: String,
    pub unknown: usize,
    pub value: f64,
    /// `Op::U(unknown) - value`: its mean over the space domain is zero when the gauge holds.
    pub residual: NodeId,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Constraint {
    /// The constrained unknown.
    pub unknown: usize,
    /// `u >= obstacle` (true) or `u <= obstacle`.
    pub at_least: bool,
    pub obstacle: NodeId,
    #[serde(skip)]
    pub span: Span,
}

/// An unknown as an expression of its network output (`Op::U(k)` inside `node`).
#[derive(Clone, Debug, Serialize)]
pub struct Ansatz {
    pub node: NodeId,
    /// `d(ansatz) / d(x_k)` for each space column in column order (the gradient that
    /// `pdec eval --gradient` and the plots read); filled by the ansatz pass.
    pub space_gradient: Vec<NodeId>,
    #[serde(skip)]
    pub span: Span,
    /// Why the compiler wrote it (`passes::kink_ansatz`); `None` for the user's `ansatz`.
    pub chosen: Option<String>,
    /// Why the network's output in it is multiplied by a constant (`passes::ansatz_scale`).
    pub scaled: Option<String>,
    /// Whether `passes::ansatz_scale` may scale it: not the compiler's time ansatz, whose
    /// remainder is the solution's rate of change (of the network's own order), and whose
    /// fixed uniform points miss where a truncated domain's law puts the training points.
    #[serde(skip)]
    pub rescale: bool,
}

impl Ansatz {
    /// `d(ansatz) / d(x)` along space variable `var`'s component `comp` (`None` for a scalar
    /// variable): `space_gradient` lists the variables in order, each by its components.
    pub fn slope(&self, space: &[SpaceVar], var: usize, comp: Option<usize>) -> Option<NodeId> {
        let before: usize = space
            .get(..var)?
            .iter()
            .map(|s| s.domain.dim().unwrap_or(1))
            .sum();
        self.space_gradient.get(before + comp.unwrap_or(0)).copied()
    }
}

/// A point at which to print the solution: values for every input and every param.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The unknown reported.
    pub unknown: usize,
    pub text: String,
    pub time: Option<f64>,
    /// One vector of values per space variable.
    pub space: Vec<Vec<f64>>,
    pub params: Vec<f64>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub name: String,
    pub graph: Graph,
    pub time: Option<TimeVar>,
    pub space: Vec<SpaceVar>,
    pub params: Vec<ParamVar>,
    /// The unknowns in declaration order (`Op::U(k)` is `unknowns[k]`); the network has
    /// one output per unknown.
    pub unknowns: Vec<Unknown>,
    /// The equations in source order, one loss term each.
    pub pdes: Vec<Pde>,
    pub conditions: Vec<Condition>,
    pub constraint: Option<Constraint>,
    /// Conditions an ansatz satisfies whatever the network: no loss term (names, as in
    /// [`Condition::name`]).
    pub imposed: Vec<String>,
    pub reference: Option<String>,
    pub reports: Vec<Report>,
    /// `unknown const`: scalars trained with the network (`Op::Coef(k)` is `coefficients[k]`).
    pub coefficients: Vec<Coefficient>,
    /// `observe`: data terms.
    pub observations: Vec<Observation>,
    /// `mean p = 0`: at most one per unknown.
    pub gauges: Vec<Gauge>,
}

impl Problem {
    /// The only unknown of a one-unknown problem; `None` with several (the callers that
    /// have not learnt several unknowns refuse them by this).
    pub fn single(&self) -> Option<&Unknown> {
        match self.unknowns.as_slice() {
            [u] => Some(u),
            _ => None,
        }
    }

    /// Does any unknown have an `exact`?
    pub fn has_exact(&self) -> bool {
        self.unknowns.iter().any(|u| u.exact.is_some())
    }

    /// Unknown `k`'s gauge, if it has one.
    pub fn gauge(&self, k: usize) -> Option<&Gauge> {
        self.gauges.iter().find(|g| g.unknown == k)
    }

    /// Does any unknown have an `ansatz`?
    pub fn has_ansatz(&self) -> bool {
        self.unknowns.iter().any(|u| u.ansatz.is_some())
    }

    /// The problem's time and space inputs: every unknown's arguments, the first unknown's
    /// in its order, then those of the others that it does not take (`unknown p(x)` beside
    /// `u(t, x)`), in declaration order.
    pub fn args(&self) -> Vec<Input> {
        let mut out: Vec<Input> = Vec::new();
        for u in &self.unknowns {
            for a in &u.args {
                if !out.contains(a) {
                    out.push(*a);
                }
            }
        }
        out
    }

    pub fn input_name(&self, i: Input) -> &str {
        match i {
            Input::Time => self.time.as_ref().map(|t| t.name.as_str()).unwrap_or("t"),
            Input::Space(k) => &self.space[k].name,
            Input::Param(k) => &self.params[k].name,
        }
    }

    pub fn face_name(&self, f: Face) -> String {
        face_name(&self.space, f)
    }
}

/// A face as the locus that names it: `x = 0`, `x[2] = 1`, `norm(x) = 1`.
pub fn face_name(space: &[SpaceVar], f: Face) -> String {
    let num = crate::syntax::print::format_number;
    match f {
        Face::Side { var, comp, side } => {
            let v = &space[var];
            let (lo, hi) = v.domain.bounds()[comp.unwrap_or(0)];
            let at = num(if side == Side::Lo { lo } else { hi });
            match comp {
                None => format!("{} = {at}", v.name),
                Some(k) => format!("{}[{}] = {at}", v.name, k + 1),
            }
        }
        Face::Sphere { var } => match &space[var].domain {
            Domain::Ball { radius, .. } => format!("norm({}) = {}", space[var].name, num(*radius)),
            _ => format!("on({})", space[var].name),
        },
        Face::Surface { var, surface } => match &space[var].domain {
            Domain::Csg(c) => c.surface_name(&space[var].name, surface),
            _ => format!("on({})", space[var].name),
        },
    }
}
pub use construct::TypeError;
pub use vectors::{VectorUnknown, component_of, declared_name};
