//! IR expressions printed in the `.pde` notation, for `pdec explain` and snapshots.

use super::*;

/// Prints the nodes of one problem's graph (names of inputs, axes and the unknown come
/// from the problem).
pub struct Printer<'a> {
    pub problem: &'a Problem,
}

impl Printer<'_> {
    fn axis(&self, a: AxisId) -> String {
        self.problem.graph.axis(a).name.clone()
    }

    fn comp(&self, var: usize, comp: Comp) -> String {
        let name = &self.problem.space[var].name;
        match comp {
            Comp::Scalar | Comp::Whole => name.clone(),
            Comp::Fixed(k) => format!("{name}[{}]", k + 1),
            Comp::Axis(a, off) => self.indexed(name, a, off),
        }
    }

    fn indexed(&self, name: &str, a: AxisId, off: usize) -> String {
        let lo = self.problem.graph.axis(a).lo;
        let shift = off as i64 + 1 - lo;
        match shift {
            0 => format!("{name}[{}]", self.axis(a)),
            s if s > 0 => format!("{name}[{} + {s}]", self.axis(a)),
            s => format!("{name}[{} - {}]", self.axis(a), -s),
        }
    }

    fn prec(&self, id: NodeId) -> u8 {
        if self.problem.graph.labels.contains_key(&id) {
            return 10;
        }
        match self.problem.graph.op(id) {
            Op::Binary(op, ..) => match op {
                BinOp::Or => 1,
                BinOp::And => 2,
                BinOp::Add | BinOp::Sub => 5,
                BinOp::Mul | BinOp::Div => 6,
                BinOp::Pow => 8,
                BinOp::Min | BinOp::Max => 10,
                _ => 4,
            },
            Op::Unary(UnOp::Neg, _) => 7,
            Op::Reduce(..) => 5,
            Op::Select(..) => 0,
            Op::Const(r) if r.0 < 0.0 => 7,
            _ => 10,
        }
    }

    fn wrap(&self, id: NodeId, min: u8) -> String {
        let s = self.expr(id);
        if self.prec(id) < min {
            format!("({s})")
        } else {
            s
        }
    }

    /// The expression rooted at `id`, with the parentheses precedence needs.
    pub fn expr(&self, id: NodeId) -> String {
        let g = &self.problem.graph;
        if let Some(l) = g.labels.get(&id) {
            return match l.coords.as_slice() {
                [] => l.text.clone(),
                cs => self.deriv(cs, &l.text),
            };
        }
        let u = |k: usize| self.unknown(k);
        match g.op(id) {
            Op::Const(r) => display_number(r.0),
            Op::Tensor(_) => self.tensor(id),
            Op::Input(i) => self.problem.input_name(*i).to_string(),
            Op::AxisValue(a) => self.axis(*a),
            Op::Coef(k) => self
                .problem
                .coefficients
                .get(*k)
                .map_or_else(|| format!("coef{k}"), |c| c.name.clone()),
            Op::U(k) => u(*k),
            Op::Deriv(k, coords) => self.deriv(coords, &u(*k)),
            Op::NormalDeriv(k) => format!("dn({})", u(*k)),
            Op::Normal(k) => format!("normal({})", self.problem.input_name(Input::Space(*k))),
            Op::Unary(op, a) => self.unary(*op, *a),
            Op::Binary(op, a, b) => self.binary(id, *op, *a, *b),
            Op::Select(c, a, b) => format!(
                "if {} then {} else {}",
                self.expr(*c),
                self.expr(*a),
                self.expr(*b)
            ),
            Op::Index(base, sels) => self.index(*base, sels),
            Op::Reduce(op, axes, body) => self.reduce(*op, axes, *body),
            Op::ReduceVec(op, v) => {
                let name = match op {
                    VecRed::Sum => "sum",
                    VecRed::Prod => "prod",
                    VecRed::Mean => "mean",
                    VecRed::Max => "max",
                    VecRed::Min => "min",
                };
                format!("{name}({})", self.expr(*v))
            }
            Op::Stack(items) => {
                let s: Vec<String> = items.iter().map(|i| self.expr(*i)).collect();
                format!("[{}]", s.join(", "))
            }
        }
    }

    /// A constant tensor: its size, and the index names it is read with.
    fn tensor(&self, id: NodeId) -> String {
        let g = &self.problem.graph;
        let ty = g.ty(id);
        let mut dims: Vec<String> = ty
            .axes
            .iter()
            .map(|a| g.axis(*a).len().to_string())
            .collect();
        dims.extend(ty.shape.dims().iter().map(|d| d.to_string()));
        let constant = format!("<{} constant>", dims.join("x"));
        if ty.axes.is_empty() {
            constant
        } else {
            let names: Vec<String> = ty.axes.iter().map(|a| self.axis(*a)).collect();
            format!("{constant}[{}]", names.join(", "))
        }
    }

    /// `grad(u)`, `hess(u)` or `d(u, t, x[i])`.
    /// Unknown `k`'s name; under an ansatz the residuals are written in the network's
    /// output, `net` (`net_u` with several unknowns).
    fn unknown(&self, k: usize) -> String {
        let p = self.problem;
        let name = p.unknowns.get(k).map_or("u", |u| u.name.as_str());
        match (p.has_ansatz(), p.unknowns.len()) {
            (false, _) => name.to_string(),
            (true, 1) => "net".into(),
            (true, _) => format!("net_{name}"),
        }
    }

    fn deriv(&self, coords: &[Coord], u: &str) -> String {
        let wholes = coords
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    Coord::Space {
                        comp: Comp::Whole,
                        ..
                    }
                )
            })
            .count();
        if wholes == coords.len() && wholes == 1 {
            return format!("grad({u})");
        }
        if wholes == coords.len() && wholes == 2 {
            return format!("hess({u})");
        }
        let cs: Vec<String> = coords
            .iter()
            .map(|c| match c {
                Coord::Time => self.problem.input_name(Input::Time).to_string(),
                Coord::Space { var, comp } => self.comp(*var, *comp),
            })
            .collect();
        format!("d({u}, {})", cs.join(", "))
    }

    /// `-a`, `not a` or a named function `exp(a)`.
    fn unary(&self, op: UnOp, a: NodeId) -> String {
        let name = match op {
            UnOp::Neg => return format!("-{}", self.wrap(a, 8)),
            UnOp::Not => return format!("not {}", self.wrap(a, 4)),
            UnOp::Exp => "exp",
            UnOp::Log => "log",
            UnOp::Sqrt => "sqrt",
            UnOp::Abs => "abs",
            UnOp::Sin => "sin",
            UnOp::Cos => "cos",
            UnOp::Tan => "tan",
            UnOp::Tanh => "tanh",
            UnOp::Sinh => "sinh",
            UnOp::Cosh => "cosh",
            UnOp::Atan => "atan",
            UnOp::Erf => "erf",
            UnOp::Sign => "sign",
            UnOp::Floor => "floor",
        };
        format!("{name}({})", self.expr(a))
    }

    /// `a op b` with the parentheses precedence needs, or `min(a, b)`, `max(a, b)`.
    fn binary(&self, id: NodeId, op: BinOp, a: NodeId, b: NodeId) -> String {
        let sym = match op {
            BinOp::Min => return format!("min({}, {})", self.expr(a), self.expr(b)),
            BinOp::Max => return format!("max({}, {})", self.expr(a), self.expr(b)),
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        };
        let p = self.prec(id);
        let (l, r) = match op {
            BinOp::Pow => (p + 1, p),
            BinOp::Sub | BinOp::Div => (p, p + 1),
            _ if op.is_comparison() => (p + 1, p + 1),
            _ => (p, p),
        };
        format!("{} {sym} {}", self.wrap(a, l), self.wrap(b, r))
    }

    /// `base[i + 1, 2]`: components are printed 1-based.
    fn index(&self, base: NodeId, sels: &[Sel]) -> String {
        let s: Vec<String> = sels
            .iter()
            .map(|s| match s {
                Sel::Fixed(k) => (k + 1).to_string(),
                Sel::Axis(a, off) => {
                    let t = self.indexed("", *a, *off);
                    t[1..t.len() - 1].to_string()
                }
            })
            .collect();
        format!("{}[{}]", self.wrap(base, 10), s.join(", "))
    }

    /// `sum(i in 1..d) body`.
    fn reduce(&self, op: RedOp, axes: &[AxisId], body: NodeId) -> String {
        let g = &self.problem.graph;
        let bs: Vec<String> = axes
            .iter()
            .map(|a| {
                let ax = g.axis(*a);
                format!("{} in {}..{}", self.axis(*a), ax.lo, ax.hi)
            })
            .collect();
        let name = if op == RedOp::Sum { "sum" } else { "prod" };
        format!("{name}({}) {}", bs.join(", "), self.wrap(body, 6))
    }
}

/// A number for people: 12 significant digits, so `0.5 * 0.2^2` prints as `0.02`.
pub fn display_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let rounded: f64 = format!("{v:.11e}").parse().unwrap_or(v);
    if (1e-4..1e7).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}
