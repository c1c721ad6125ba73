//! From pest's parse tree to the typed syntax tree. Expressions arrive as flat sequences of
//! operands and operators; the Pratt loop here gives them their precedence (table in
//! [`ast::prec`]) and bounds their depth.

use super::Rule;
use super::ast::*;
use crate::diag::{Diag, Diags};
use crate::source::{FileId, Span};
use pest::iterators::Pair;

type Res<T> = Result<T, Box<Diag>>;

/// Builds the statements of one file, one at a time; `offset` is where the current
/// statement's text starts in the file, `next_name` numbers every identifier.
pub struct Builder {
    file: FileId,
    pub offset: usize,
    pub next_name: u32,
    /// Non-fatal findings (e.g. `==` where an equation needs `=`).
    pub diags: Diags,
}

/// One element of an expression's flat token sequence.
enum Tok<'i> {
    Prefix(Pair<'i, Rule>),
    Primary(Pair<'i, Rule>),
    Postfix(Pair<'i, Rule>),
    Infix(Pair<'i, Rule>),
}

impl Builder {
    /// A builder for `file`, at its start.
    pub fn new(file: FileId) -> Builder {
        Builder {
            file,
            offset: 0,
            next_name: 0,
            diags: Diags::default(),
        }
    }

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&mut self, pair: Pair<Rule>) -> Ident {
        let id = NameId(self.next_name);
        self.next_name += 1;
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
            id,
        }
    }

    /// `const k in [lo, hi] init v log` after `unknown`.
    fn coefficient(&mut self, decl: Pair<Rule>) -> Res<ItemKind> {
        let mut parts = decl
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_in | Rule::kw_const));
        let name = self.ident(child(&mut parts));
        let mut next = child(&mut parts);
        let mut components = None;
        if next.as_rule() == Rule::components {
            components = Some(self.expr(child(&mut next.into_inner()))?);
            next = child(&mut parts);
        }
        let range = self.expr(next)?;
        let (mut init, mut log) = (None, false);
        for p in parts {
            match p.as_rule() {
                Rule::coef_init => {
                    let mut q = p.into_inner().filter(|p| p.as_rule() != Rule::kw_init);
                    init = Some(self.expr(child(&mut q))?);
                }
                _ => log = true,
            }
        }
        Ok(ItemKind::Coefficient {
            name,
            components,
            range,
            init,
            log,
        })
    }

    /// `unknown coef k(x) in [lo, hi] [init v] [log]`: an unknown with a range.
    fn coefficient_function(&mut self, decl: Pair<Rule>) -> Res<ItemKind> {
        let mut parts = decl.into_inner().filter(|p| p.as_rule() != Rule::kw_in);
        let keyword = self.span(&child(&mut parts));
        let name = self.ident(child(&mut parts));
        let mut args = Vec::new();
        let mut range = None;
        let (mut init, mut log) = (None, false);
        for p in parts {
            match p.as_rule() {
                Rule::ident => args.push(self.ident(p)),
                Rule::coef_init => {
                    let mut q = p.into_inner().filter(|p| p.as_rule() != Rule::kw_init);
                    init = Some(self.expr(child(&mut q))?);
                }
                Rule::coef_log => log = true,
                _ => range = Some(self.expr(p)?),
            }
        }
        let range = range.expect("the grammar requires a range");
        Ok(ItemKind::Unknown {
            name,
            args,
            components: None,
            coef: Some(CoefRange {
                keyword,
                range,
                init,
                log,
            }),
        })
    }

    /// Builds one statement (a `*_stmt` pair of the grammar) into its [`Item`]s: one, or one
    /// per unknown of `unknown u(t, x), v(t, x)`.
    pub fn statement(&mut self, pair: Pair<Rule>) -> Res<Vec<Item>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_in);
        let kw = inner
            .next()
            .expect("invariant: every statement starts with its keyword");
        let keyword = self.span(&kw);
        let inner = &mut inner;
        let kind = match rule {
            Rule::problem_stmt => ItemKind::Problem(self.ident(child(inner))),
            Rule::use_stmt => self.use_stmt(inner),
            Rule::const_stmt => self.const_stmt(inner)?,
            Rule::param_stmt | Rule::time_stmt | Rule::space_stmt => {
                let name = self.ident(child(inner));
                let domain = self.expr(child(inner))?;
                match rule {
                    Rule::param_stmt => ItemKind::Param { name, domain },
                    Rule::time_stmt => ItemKind::Time { name, domain },
                    _ => ItemKind::Space { name, domain },
                }
            }
            Rule::unknown_stmt => {
                let first = child(inner);
                if first.as_rule() == Rule::coef_decl {
                    return Ok(vec![Item {
                        kind: self.coefficient(first)?,
                        span,
                        keyword,
                    }]);
                }
                if first.as_rule() == Rule::coef_fn_decl {
                    return Ok(vec![Item {
                        kind: self.coefficient_function(first)?,
                        span,
                        keyword,
                    }]);
                }
                // `unknown u(t, x), v(t, x)`: one item per unknown, each spanning its own
                // declaration after the first.
                let mut items = Vec::new();
                for (i, decl) in std::iter::once(first).chain(inner).enumerate() {
                    let decl_span = self.span(&decl);
                    let mut parts = decl.into_inner();
                    let name = self.ident(child(&mut parts));
                    let mut args = Vec::new();
                    let mut components = None;
                    for p in parts {
                        match p.as_rule() {
                            Rule::components => {
                                components = Some(self.expr(child(&mut p.into_inner()))?)
                            }
                            _ => args.push(self.ident(p)),
                        }
                    }
                    items.push(Item {
                        kind: ItemKind::Unknown {
                            name,
                            args,
                            components,
                            coef: None,
                        },
                        span: if i == 0 { span } else { decl_span },
                        keyword,
                    });
                }
                return Ok(items);
            }
            Rule::fn_stmt => self.fn_stmt(inner)?,
            Rule::pde_stmt => {
                let first = child(inner);
                let (name, eq) = match first.as_rule() {
                    Rule::term_name => {
                        let name = self.ident(child(&mut first.into_inner()));
                        (Some(name), child(inner))
                    }
                    _ => (None, first),
                };
                ItemKind::Pde {
                    name,
                    eq: self.equation(eq, "pde")?,
                }
            }
            Rule::initial_stmt => ItemKind::Initial(self.equation(child(inner), "initial")?),
            Rule::terminal_stmt => ItemKind::Terminal(self.equation(child(inner), "terminal")?),
            Rule::exact_stmt => ItemKind::Exact(self.equation(child(inner), "exact")?),
            Rule::ansatz_stmt => ItemKind::Ansatz(self.equation(child(inner), "ansatz")?),
            Rule::gauge_stmt => ItemKind::Gauge(self.equation(child(inner), "mean")?),
            Rule::boundary_stmt => ItemKind::Boundary(self.boundary_stmt(inner)?),
            Rule::periodic_stmt => ItemKind::Periodic(self.expr(child(inner))?),
            Rule::constraint_stmt => {
                let e = self.expr(child(inner))?;
                constraint(e)?
            }
            Rule::reference_stmt => {
                let p = child(inner);
                let span = self.span(&p);
                let s = p.as_str();
                ItemKind::Reference {
                    path: s[1..s.len() - 1].to_string(),
                    span,
                }
            }
            Rule::observe_stmt => {
                let target = self.expr(child(inner))?;
                let mut at = Vec::new();
                // `at x = 1, ...`, or already the word `from`.
                let next = child(inner);
                if next.as_rule() == Rule::observe_at {
                    for f in next.into_inner().filter(|p| p.as_rule() != Rule::kw_at) {
                        let mut sides = f.into_inner();
                        let lhs = self.expr(child(&mut sides))?;
                        at.push((lhs, self.expr(child(&mut sides))?));
                    }
                    let _from = child(inner);
                }
                let p = child(inner);
                let span = self.span(&p);
                let s = p.as_str();
                let (mut weight, mut noise) = (None, None);
                if let Some(w) = inner.next() {
                    let rule = w.as_rule();
                    let mut parts = w.into_inner();
                    let _kw = child(&mut parts);
                    let e = Some(self.expr(child(&mut parts))?);
                    match rule {
                        Rule::observe_noise => noise = e,
                        _ => weight = e,
                    }
                }
                ItemKind::Observe {
                    target,
                    at,
                    path: s[1..s.len() - 1].to_string(),
                    span,
                    weight,
                    noise,
                }
            }
            Rule::report_stmt => ItemKind::Report(self.expr(child(inner))?),
            Rule::solve_stmt => {
                let mut settings = Vec::new();
                for s in inner {
                    settings.push(self.setting(s)?);
                }
                ItemKind::Solve(settings)
            }
            _ => unreachable!("invariant: statement rules are exhaustive"),
        };
        Ok(vec![Item {
            kind,
            span,
            keyword,
        }])
    }

    /// `use a::b`, `use a::{b, c}`, `use a::*`: the children after the keyword.
    fn use_stmt<'i>(&mut self, inner: &mut impl Iterator<Item = Pair<'i, Rule>>) -> ItemKind {
        let mut path = Vec::new();
        let mut items = UseItems::Module;
        for p in inner {
            match p.as_rule() {
                Rule::ident => path.push(self.ident(p)),
                Rule::use_list => {
                    items = UseItems::List(p.into_inner().map(|i| self.ident(i)).collect())
                }
                _ => items = UseItems::All(self.span(&p)),
            }
        }
        ItemKind::Use(Use { path, items })
    }

    /// `const name = value` or `const name[binders] = value`.
    fn const_stmt<'i>(
        &mut self,
        inner: &mut impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Res<ItemKind> {
        let name = self.ident(child(inner));
        let mut p = child(inner);
        let mut binders = Vec::new();
        if p.as_rule() == Rule::const_binders {
            for b in p.into_inner() {
                binders.push(self.binder(b)?);
            }
            p = child(inner);
        }
        let value = self.expr(p)?;
        Ok(ItemKind::Const {
            name,
            binders,
            value,
        })
    }

    /// `fn name(params) = body`; the parameter list may be absent.
    fn fn_stmt<'i>(&mut self, inner: &mut impl Iterator<Item = Pair<'i, Rule>>) -> Res<ItemKind> {
        let name = self.ident(child(inner));
        let mut p = child(inner);
        let mut params = Vec::new();
        if p.as_rule() == Rule::fn_params {
            params = p.into_inner().map(|i| self.ident(i)).collect();
            p = child(inner);
        }
        let body = self.expr(p)?;
        Ok(ItemKind::Fn { name, params, body })
    }

    /// `boundary none`, or `boundary locus [for binders]: condition`.
    fn boundary_stmt<'i>(
        &mut self,
        inner: &mut impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Res<Boundary> {
        let p = child(inner);
        if p.as_rule() == Rule::kw_none {
            return Ok(Boundary::None(self.span(&p)));
        }
        let locus_span = self.span(&p);
        let mut parts = p.into_inner();
        let lhs = self.expr(parts.next().expect("invariant: locus has an expression"))?;
        let rhs = match parts.next() {
            Some(r) => Some(self.expr(r)?),
            None => None,
        };
        let mut p = child(inner);
        let mut binders = Vec::new();
        if p.as_rule() == Rule::for_clause {
            for b in p.into_inner().filter(|p| p.as_rule() == Rule::binder) {
                binders.push(self.binder(b)?);
            }
            p = child(inner);
        }
        let mut restriction = None;
        if p.as_rule() == Rule::where_clause {
            let e = p
                .into_inner()
                .nth(1)
                .expect("invariant: `where` has an expression");
            restriction = Some(self.expr(e)?);
            p = child(inner);
        }
        let condition = self.equation(p, "boundary")?;
        Ok(Boundary::Locus(Box::new(Locus {
            lhs,
            rhs,
            span: locus_span,
            binders,
            restriction,
            condition,
        })))
    }

    /// One `key = value` of a `solve` block; a key may be a quoted string, a value a bare
    /// keyword (`adam`) kept as a name.
    fn setting(&mut self, s: Pair<Rule>) -> Res<Setting> {
        let mut parts = s.into_inner();
        let key_pair = parts.next().expect("invariant: setting has a key");
        let key_span = self.span(&key_pair);
        let key = key_pair
            .into_inner()
            .map(|k| {
                let t = k.as_str();
                if k.as_rule() == Rule::string {
                    t[1..t.len() - 1].to_string()
                } else {
                    t.to_string()
                }
            })
            .collect();
        let vp = parts.next().expect("invariant: setting has a value");
        let value = if vp.as_rule() == Rule::keyword_value {
            let span = self.span(&vp);
            Expr {
                kind: ExprKind::Name(self.ident(vp)),
                span,
            }
        } else {
            self.expr(vp)?
        };
        Ok(Setting {
            key,
            key_span,
            value,
        })
    }

    fn equation(&mut self, pair: Pair<Rule>, what: &str) -> Res<Equation> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let lhs = self.expr(parts.next().expect("invariant: equation has a left side"))?;
        let rhs = match parts.next() {
            Some(p) => Some(self.expr(p)?),
            None => {
                let d = match &lhs.kind {
                    ExprKind::Binary {
                        op: BinaryOp::Eq,
                        op_span,
                        ..
                    } => Diag::error(
                        "pdec::syntax::double_equals",
                        "an equation is written with a single `=`",
                    )
                    .primary(*op_span, "`==` compares; it does not state an equation")
                    .help("write `lhs = rhs`; `==` is only for conditions inside `if`"),
                    _ => Diag::error(
                        "pdec::syntax::expected_equation",
                        format!("`{what}` needs an equation `lhs = rhs`"),
                    )
                    .primary(lhs.span, "this is an expression, not an equation")
                    .help(if what == "pde" {
                        "write both sides, e.g. `pde d(u, t) = lap(u)` or `... = 0`"
                    } else {
                        "write both sides, e.g. `u = 0`"
                    }),
                };
                self.diags.push(d);
                None
            }
        };
        Ok(Equation { lhs, rhs, span })
    }

    fn binder(&mut self, pair: Pair<Rule>) -> Res<Binder> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_in);
        let name = self.ident(parts.next().expect("invariant: binder has a name"));
        let lo = self.expr(parts.next().expect("invariant: binder has a start"))?;
        let hi = self.expr(parts.next().expect("invariant: binder has an end"))?;
        Ok(Binder { name, lo, hi, span })
    }

    /// Builds one `expr` pair (a flat operand and operator sequence) into a tree.
    pub fn expr(&mut self, pair: Pair<Rule>) -> Res<Expr> {
        Ok(self.expr_depth(pair, 0)?.0)
    }

    fn too_deep(&self, span: Span) -> Box<Diag> {
        Box::new(
            Diag::error(
                "pdec::syntax::too_deep",
                format!(
                    "expression nested more than {} levels deep",
                    super::MAX_EXPR_DEPTH
                ),
            )
            .primary(span, "too deep")
            .help("split the expression with `fn` or `const` definitions, or use `sum(i in 1..n)`"),
        )
    }

    /// Returns the expression and the depth of its tree.
    fn pratt<'i>(
        &mut self,
        p: &mut Pratt<'i, impl Iterator<Item = Tok<'i>>>,
        min_bp: u8,
        depth: u32,
    ) -> Res<(Expr, u32)> {
        let tok = p
            .toks
            .next()
            .expect("invariant: grammar puts an operand after every operator");
        let (mut lhs, mut lhs_depth) = match tok {
            Tok::Prefix(op) => {
                let span = self.span(&op);
                if depth > super::MAX_EXPR_DEPTH {
                    return Err(self.too_deep(span));
                }
                match op.as_rule() {
                    Rule::reduce_op => {
                        let mut parts = op.into_inner();
                        let kind = parts.next().expect("invariant: reduce has a kind");
                        let rop = if kind.as_str().starts_with("sum") {
                            ReduceOp::Sum
                        } else {
                            ReduceOp::Prod
                        };
                        let mut binders = Vec::new();
                        for b in parts {
                            binders.push(self.binder(b)?);
                        }
                        let (body, d) = self.pratt(p, 2 * prec::MUL, depth + 1)?;
                        (
                            Expr {
                                span: span.to(body.span),
                                kind: ExprKind::Reduce {
                                    op: rop,
                                    binders,
                                    body: Box::new(body),
                                },
                            },
                            d + 1,
                        )
                    }
                    rule => {
                        let (uop, bp) = match rule {
                            Rule::neg => (UnaryOp::Neg, prec::NEG),
                            Rule::pos => (UnaryOp::Plus, prec::NEG),
                            _ => (UnaryOp::Not, prec::NOT),
                        };
                        let (operand, d) = self.pratt(p, 2 * bp, depth + 1)?;
                        (
                            Expr {
                                span: span.to(operand.span),
                                kind: ExprKind::Unary {
                                    op: uop,
                                    operand: Box::new(operand),
                                },
                            },
                            d + 1,
                        )
                    }
                }
            }
            Tok::Primary(pair) => self.primary(pair, depth)?,
            Tok::Postfix(_) | Tok::Infix(_) => {
                unreachable!("invariant: grammar puts an operand first")
            }
        };
        loop {
            if lhs_depth > super::MAX_EXPR_DEPTH {
                return Err(self.too_deep(lhs.span));
            }
            match p.toks.peek() {
                Some(Tok::Postfix(_)) => {
                    let Some(Tok::Postfix(ix)) = p.toks.next() else {
                        unreachable!()
                    };
                    let span = self.span(&ix);
                    if ix.as_rule() == Rule::as_name {
                        let name = ix
                            .into_inner()
                            .find(|p| p.as_rule() == Rule::ident)
                            .expect("invariant: `as` names an identifier");
                        lhs = Expr {
                            span: lhs.span.to(span),
                            kind: ExprKind::Named {
                                inner: Box::new(lhs),
                                name: self.ident(name),
                            },
                        };
                        lhs_depth += 1;
                        continue;
                    }
                    let mut indices = Vec::new();
                    let mut d = lhs_depth;
                    for e in ix.into_inner() {
                        let (ie, id) = self.expr_depth(e, depth + 1)?;
                        d = d.max(id);
                        indices.push(ie);
                    }
                    lhs = Expr {
                        span: lhs.span.to(span),
                        kind: ExprKind::Index {
                            base: Box::new(lhs),
                            indices,
                        },
                    };
                    lhs_depth = d + 1;
                }
                Some(Tok::Infix(op)) => {
                    let (bop, l_bp, r_bp) = infix_power(op.as_rule());
                    if l_bp < min_bp {
                        break;
                    }
                    let Some(Tok::Infix(op)) = p.toks.next() else {
                        unreachable!()
                    };
                    let op_span = self.span(&op);
                    if depth > super::MAX_EXPR_DEPTH {
                        return Err(self.too_deep(op_span));
                    }
                    let (rhs, rd) = self.pratt(p, r_bp, depth + 1)?;
                    if bop.is_comparison()
                        && let ExprKind::Binary { op: inner, .. } = &lhs.kind
                        && inner.is_comparison()
                    {
                        return Err(Box::new(
                            Diag::error(
                                "pdec::syntax::chained_comparison",
                                "comparisons cannot be chained",
                            )
                            .primary(op_span, "second comparison")
                            .help("write `a < b and b < c`"),
                        ));
                    }
                    lhs = Expr {
                        span: lhs.span.to(rhs.span),
                        kind: ExprKind::Binary {
                            op: bop,
                            op_span,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                    };
                    lhs_depth = lhs_depth.max(rd) + 1;
                }
                _ => break,
            }
        }
        Ok((lhs, lhs_depth))
    }

    fn expr_depth(&mut self, pair: Pair<Rule>, depth: u32) -> Res<(Expr, u32)> {
        if depth > super::MAX_EXPR_DEPTH {
            return Err(self.too_deep(self.span(&pair)));
        }
        let toks: Vec<Tok> = pair
            .into_inner()
            .map(|p| match p.as_rule() {
                Rule::neg | Rule::pos | Rule::not_op | Rule::reduce_op => Tok::Prefix(p),
                Rule::index | Rule::as_name => Tok::Postfix(p),
                Rule::add
                | Rule::sub
                | Rule::mul
                | Rule::div
                | Rule::pow
                | Rule::le
                | Rule::ge
                | Rule::eq
                | Rule::ne
                | Rule::lt
                | Rule::gt
                | Rule::and_op
                | Rule::or_op => Tok::Infix(p),
                _ => Tok::Primary(p),
            })
            .collect();
        let mut pratt = Pratt {
            toks: toks.into_iter().peekable(),
        };
        self.pratt(&mut pratt, 0, depth)
    }

    fn primary(&mut self, pair: Pair<Rule>, depth: u32) -> Res<(Expr, u32)> {
        let span = self.span(&pair);
        let (kind, d) = match pair.as_rule() {
            Rule::number => {
                let v: f64 = pair.as_str().parse().unwrap_or(f64::INFINITY);
                if !v.is_finite() {
                    return Err(Box::new(
                        Diag::error(
                            "pdec::syntax::number_out_of_range",
                            format!("`{}` is too large for a 64-bit float", pair.as_str()),
                        )
                        .primary(span, "overflows to infinity")
                        .help("numbers must be finite: at most about 1.8e308"),
                    ));
                }
                (ExprKind::Number(v), 1)
            }
            Rule::ident => (ExprKind::Name(self.ident(pair)), 1),
            Rule::paren => {
                let inner = pair
                    .into_inner()
                    .next()
                    .expect("invariant: paren has an expression");
                let (mut e, d) = self.expr_depth(inner, depth + 1)?;
                // Keep the parentheses in the span so labels cover what the user wrote.
                e.span = span;
                return Ok((e, d));
            }
            Rule::list => {
                let mut items = Vec::new();
                let mut d = 0;
                for e in pair.into_inner() {
                    let (ie, id) = self.expr_depth(e, depth + 1)?;
                    d = d.max(id);
                    items.push(ie);
                }
                (ExprKind::List(items), d + 1)
            }
            Rule::if_expr => {
                let mut parts = pair.into_inner().filter(|p| p.as_rule() == Rule::expr);
                let mut next = || parts.next().expect("invariant: if has three parts");
                let (a, b, c) = (next(), next(), next());
                let (cond, d1) = self.expr_depth(a, depth + 1)?;
                let (then, d2) = self.expr_depth(b, depth + 1)?;
                let (otherwise, d3) = self.expr_depth(c, depth + 1)?;
                (
                    ExprKind::If {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    d1.max(d2).max(d3) + 1,
                )
            }
            Rule::reduce_call => {
                let mut parts = pair.into_inner();
                let kind = parts.next().expect("invariant: reduce has a kind");
                let op = if kind.as_str().starts_with("sum") {
                    ReduceOp::Sum
                } else {
                    ReduceOp::Prod
                };
                let (arg, d) = self.expr_depth(
                    parts.next().expect("invariant: reduce has an argument"),
                    depth + 1,
                )?;
                (
                    ExprKind::ReduceVector {
                        op,
                        arg: Box::new(arg),
                    },
                    d + 1,
                )
            }
            Rule::call => {
                let mut parts = pair.into_inner();
                let callee = self.ident(parts.next().expect("invariant: call has a callee"));
                let mut args = Vec::new();
                let mut d = 0;
                for a in parts {
                    let mut ap = a.into_inner();
                    let first = ap.next().expect("invariant: argument is not empty");
                    let (name, value_pair) = if first.as_rule() == Rule::arg_name {
                        let n = first
                            .into_inner()
                            .next()
                            .expect("invariant: arg_name has ident");
                        (
                            Some(self.ident(n)),
                            ap.next().expect("invariant: named argument has a value"),
                        )
                    } else {
                        (None, first)
                    };
                    let word = matches!(
                        value_pair.as_rule(),
                        Rule::keyword_value | Rule::boundary_arg
                    );
                    let (value, vd) = if word {
                        let span = self.span(&value_pair);
                        let kind = ExprKind::Name(self.ident(value_pair));
                        (Expr { kind, span }, 0)
                    } else {
                        self.expr_depth(value_pair, depth + 1)?
                    };
                    d = d.max(vd);
                    args.push(Arg { name, value });
                }
                (ExprKind::Call { callee, args }, d + 1)
            }
            r => unreachable!("invariant: not a primary rule: {r:?}"),
        };
        Ok((Expr { kind, span }, d))
    }
}

/// The next child of a statement; the grammar guarantees it is there.
fn child<'i>(inner: &mut impl Iterator<Item = Pair<'i, Rule>>) -> Pair<'i, Rule> {
    inner
        .next()
        .expect("invariant: grammar guarantees this child")
}

/// A `constraint` statement's expression: `lhs >= rhs` or `lhs <= rhs`; a strict or missing
/// inequality is an error.
fn constraint(e: Expr) -> Res<ItemKind> {
    let span = e.span;
    match e.kind {
        ExprKind::Binary {
            op: op @ (BinaryOp::Ge | BinaryOp::Le),
            op_span,
            lhs,
            rhs,
        } => Ok(ItemKind::Constraint {
            lhs: *lhs,
            op: if op == BinaryOp::Ge {
                ConstraintOp::AtLeast
            } else {
                ConstraintOp::AtMost
            },
            op_span,
            rhs: *rhs,
        }),
        ExprKind::Binary {
            op: op @ (BinaryOp::Gt | BinaryOp::Lt),
            op_span,
            ..
        } => Err(Box::new(
            Diag::error(
                "pdec::syntax::strict_constraint",
                format!("a constraint cannot be strict (`{}`)", op.symbol()),
            )
            .primary(op_span, "strict inequality")
            .help(format!(
                "write `{}=`: the solution may touch the obstacle (that is the exercise region)",
                op.symbol()
            )),
        )),
        _ => Err(Box::new(
            Diag::error(
                "pdec::syntax::expected_constraint",
                "a constraint is written `u >= obstacle` or `u <= obstacle`",
            )
            .primary(span, "not an inequality")
            .help("e.g. `constraint u >= payoff(x)` for an American option"),
        )),
    }
}

struct Pratt<'i, I: Iterator<Item = Tok<'i>>> {
    toks: std::iter::Peekable<I>,
}

/// (operator, left binding power, right binding power). Left-associative operators bind
/// tighter on the right; `^` is right-associative.
fn infix_power(rule: Rule) -> (BinaryOp, u8, u8) {
    let left = |op, p: u8| (op, 2 * p, 2 * p + 1);
    match rule {
        Rule::or_op => left(BinaryOp::Or, prec::OR),
        Rule::and_op => left(BinaryOp::And, prec::AND),
        Rule::lt => left(BinaryOp::Lt, prec::CMP),
        Rule::le => left(BinaryOp::Le, prec::CMP),
        Rule::gt => left(BinaryOp::Gt, prec::CMP),
        Rule::ge => left(BinaryOp::Ge, prec::CMP),
        Rule::eq => left(BinaryOp::Eq, prec::CMP),
        Rule::ne => left(BinaryOp::Ne, prec::CMP),
        Rule::add => left(BinaryOp::Add, prec::ADD),
        Rule::sub => left(BinaryOp::Sub, prec::ADD),
        Rule::mul => left(BinaryOp::Mul, prec::MUL),
        Rule::div => left(BinaryOp::Div, prec::MUL),
        _ => (BinaryOp::Pow, 2 * prec::POW + 1, 2 * prec::POW),
    }
}
