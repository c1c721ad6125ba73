//! The names of a program by position, for editors (`pdec lsp`): every name written in a
//! module with what it refers to ([`names`]), the name at a byte offset ([`name_at`]) and the
//! span of the name that declares a resolution ([`declaration`]).
//!
//! The walk's table is the resolver's, with what the resolver does not record: a declaring
//! name refers to its own item, a name in a `use` list to the std item it imports, and a name
//! in a `solve { }` block is looked up by its text, as `check` reads settings.

use super::load::normalized;
use super::scope::Kind;
use super::{ItemRef, ModuleKind, Program, Res, Resolution};
use crate::source::{FileId, Span};
use crate::syntax::ast::*;

/// A name as written, and what it refers to (`None`: nothing, or not known).
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    pub module: usize,
    pub text: String,
    pub span: Span,
    pub res: Option<Res>,
}

/// Every name written in `module`, in source order within each statement.
pub fn names(program: &Program, res: &Resolution, module: usize) -> Vec<Named> {
    let mut w = Walk {
        program,
        res,
        module,
        settings: false,
        out: Vec::new(),
    };
    if let Some(m) = program.modules.get(module) {
        for (i, item) in m.ast.items.iter().enumerate() {
            w.item(i, item);
        }
    }
    w.out
}

/// The name at byte `offset` of `file` (a cursor just after a name's last character is on
/// it): the innermost, when one name's span holds another's.
pub fn name_at(program: &Program, res: &Resolution, file: FileId, offset: usize) -> Option<Named> {
    let module = program.modules.iter().position(|m| m.file == file)?;
    names(program, res, module)
        .into_iter()
        .filter(|n| n.span.start as usize <= offset && offset <= n.span.end as usize)
        .min_by_key(|n| n.span.len())
}

/// The span of the name that declares `r`, seen from `module` (where a local lives); `None`
/// for a built-in.
pub fn declaration(program: &Program, r: Res, module: usize) -> Option<Span> {
    match r {
        Res::Item(ItemRef { module, item }) => {
            let item = program.modules.get(module)?.ast.items.get(item)?;
            Kind::of(&item.kind).map(|(_, name)| name.span)
        }
        // A local's id is its binding name's, unique within the module.
        Res::Local(id) => {
            let mut found = None;
            for item in &program.modules.get(module)?.ast.items {
                idents(item, &mut |i| {
                    if i.id == id {
                        found = Some(i.span);
                    }
                });
            }
            found
        }
        Res::Builtin(_) => None,
    }
}

/// The binding names of an item's locals: function parameters and index variables.
fn idents(item: &Item, f: &mut dyn FnMut(&Ident)) {
    let mut push = |i: &Ident| f(i);
    match &item.kind {
        ItemKind::Fn { params, .. } => params.iter().for_each(&mut push),
        ItemKind::Const { binders, .. } => binders.iter().for_each(|b| push(&b.name)),
        ItemKind::Boundary(Boundary::Locus(l)) => l.binders.iter().for_each(|b| push(&b.name)),
        _ => {}
    }
    let mut exprs: Vec<&Expr> = Vec::new();
    item_exprs(item, &mut exprs);
    while let Some(e) = exprs.pop() {
        if let ExprKind::Reduce { binders, .. } = &e.kind {
            binders.iter().for_each(|b| push(&b.name));
        }
        children(e, &mut exprs);
    }
}

/// The top-level expressions of an item.
fn item_exprs<'a>(item: &'a Item, out: &mut Vec<&'a Expr>) {
    let eq = |e: &'a Equation, out: &mut Vec<&'a Expr>| {
        out.push(&e.lhs);
        out.extend(e.rhs.as_ref());
    };
    match &item.kind {
        ItemKind::Const { binders, value, .. } => {
            binders.iter().for_each(|b| out.extend([&b.lo, &b.hi]));
            out.push(value);
        }
        ItemKind::Param { domain, .. }
        | ItemKind::Time { domain, .. }
        | ItemKind::Space { domain, .. } => out.push(domain),
        ItemKind::Fn { body, .. } => out.push(body),
        ItemKind::Pde { eq: e, .. }
        | ItemKind::Initial(e)
        | ItemKind::Terminal(e)
        | ItemKind::Exact(e)
        | ItemKind::Ansatz(e)
        | ItemKind::Gauge(e) => eq(e, out),
        ItemKind::Boundary(Boundary::Locus(l)) => {
            l.binders.iter().for_each(|b| out.extend([&b.lo, &b.hi]));
            out.push(&l.lhs);
            out.extend(l.rhs.as_ref());
            out.extend(l.restriction.as_ref());
            eq(&l.condition, out);
        }
        ItemKind::Periodic(e) | ItemKind::Report(e) => out.push(e),
        ItemKind::Constraint { lhs, rhs, .. } => out.extend([lhs, rhs]),
        ItemKind::Solve(settings) => out.extend(settings.iter().map(|s| &s.value)),
        ItemKind::Unknown {
            components, coef, ..
        } => {
            out.extend(components.as_ref());
            if let Some(c) = coef {
                out.push(&c.range);
                out.extend(c.init.as_ref());
            }
        }
        ItemKind::Coefficient {
            components,
            range,
            init,
            ..
        } => {
            out.extend(components.as_ref());
            out.push(range);
            out.extend(init.as_ref());
        }
        ItemKind::Observe {
            target,
            weight,
            at,
            noise,
            ..
        } => {
            out.push(target);
            out.extend(noise.as_ref());
            at.iter().for_each(|(a, b)| out.extend([a, b]));
            out.extend(weight.as_ref());
        }
        ItemKind::Problem(_)
        | ItemKind::Use(_)
        | ItemKind::Boundary(Boundary::None(_))
        | ItemKind::Reference { .. } => {}
    }
}

/// The direct sub-expressions of `e`.
fn children<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Name(_) => {}
        ExprKind::Call { args, .. } => out.extend(args.iter().map(|a| &a.value)),
        ExprKind::Index { base, indices } => {
            out.push(base);
            out.extend(indices);
        }
        ExprKind::Unary { operand, .. } => out.push(operand),
        ExprKind::Binary { lhs, rhs, .. } => out.extend([&**lhs, &**rhs]),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => out.extend([&**cond, &**then, &**otherwise]),
        ExprKind::Reduce { binders, body, .. } => {
            binders.iter().for_each(|b| out.extend([&b.lo, &b.hi]));
            out.push(body);
        }
        ExprKind::ReduceVector { arg, .. } => out.push(arg),
        ExprKind::List(items) => out.extend(items),
        ExprKind::Named { inner, .. } => out.push(inner),
    }
}

struct Walk<'p> {
    program: &'p Program,
    res: &'p Resolution,
    module: usize,
    /// Inside a `solve { }` block, whose names `check` looks up by their text.
    settings: bool,
    out: Vec<Named>,
}

impl Walk<'_> {
    fn push(&mut self, i: &Ident, res: Option<Res>) {
        self.out.push(Named {
            module: self.module,
            text: i.text.clone(),
            span: i.span,
            res,
        });
    }

    /// A name in value position.
    fn value(&mut self, i: &Ident) {
        let r = match self.res.get(self.module, i.id) {
            None if self.settings && self.module == 0 => self.res.top_value(&i.text),
            r => r,
        };
        self.push(i, r);
    }

    /// A name in call position.
    fn callee(&mut self, i: &Ident) {
        let r = match self.res.get(self.module, i.id) {
            None if self.settings && self.module == 0 => self.res.top_callable(&i.text),
            r => r,
        };
        self.push(i, r);
    }

    fn item(&mut self, index: usize, item: &Item) {
        if let Some((_, name)) = Kind::of(&item.kind) {
            let me = Res::Item(ItemRef {
                module: self.module,
                item: index,
            });
            self.push(name, Some(me));
        }
        match &item.kind {
            ItemKind::Use(u) => self.use_items(u),
            ItemKind::Unknown { args, .. } => args.iter().for_each(|a| self.value(a)),
            ItemKind::Fn { params, .. } => params
                .iter()
                .for_each(|p| self.push(p, Some(Res::Local(p.id)))),
            _ => {}
        }
        self.settings = matches!(item.kind, ItemKind::Solve(_));
        let binders: &[Binder] = match &item.kind {
            ItemKind::Const { binders, .. } => binders,
            ItemKind::Boundary(Boundary::Locus(l)) => &l.binders,
            _ => &[],
        };
        for b in binders {
            self.push(&b.name, Some(Res::Local(b.name.id)));
        }
        let mut exprs = Vec::new();
        item_exprs(item, &mut exprs);
        for e in exprs {
            self.expr(e);
        }
        self.settings = false;
    }

    /// `use std::M::{a, b}`: each listed name refers to the std item it imports.
    fn use_items(&mut self, u: &Use) {
        let u = normalized(u);
        let module = match u.path.as_slice() {
            [std, m] if std.text == "std" => self
                .program
                .modules
                .iter()
                .position(|x| x.kind == ModuleKind::Std && x.name == m.text),
            _ => None,
        };
        for p in &u.path {
            self.push(p, None);
        }
        let UseItems::List(items) = &u.items else {
            return;
        };
        for it in items {
            let r = module.and_then(|m| {
                let items = &self.program.modules[m].ast.items;
                items
                    .iter()
                    .position(|x| Kind::of(&x.kind).is_some_and(|(_, n)| n.text == it.text))
                    .map(|item| Res::Item(ItemRef { module: m, item }))
            });
            self.push(it, r);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(i) => self.value(i),
            ExprKind::Call { callee, args } => {
                self.callee(callee);
                for a in args {
                    if let Some(n) = &a.name {
                        self.push(n, None);
                    }
                    self.expr(&a.value);
                }
                return;
            }
            ExprKind::Reduce { binders, .. } => {
                for b in binders {
                    self.push(&b.name, Some(Res::Local(b.name.id)));
                }
            }
            ExprKind::Named { name, .. } => self.push(name, Some(Res::Local(name.id))),
            _ => {}
        }
        let mut kids = Vec::new();
        children(e, &mut kids);
        for k in kids {
            self.expr(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diags;
    use crate::source::SourceFile;

    fn program(text: &str) -> (Program, Resolution) {
        let mut diags = Diags::default();
        let program = super::super::load_program(
            SourceFile {
                name: "t.pde".into(),
                text: text.into(),
            },
            &mut diags,
        );
        let res = super::super::resolve(&program, &mut diags);
        (program, res)
    }

    const SRC: &str = "use std::finance::{call}\nconst K = 1\nparam nu in [0.1, 1]\n\
        time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
        fn g(z) = call(z, K) + sum(i in 1..2) i * z\n\
        pde d(u, t) = nu * d(u, x, x)\ninitial u = g(x)\nboundary on(x): u = 0\n\
        solve { steps = 10 * K }\n";

    fn offset(text: &str, needle: &str, nth: usize) -> usize {
        text.match_indices(needle).nth(nth).expect("in the text").0
    }

    /// A use and a declaration of each kind point at the declaring name.
    #[test]
    fn uses_lead_to_their_declarations() {
        let (p, r) = program(SRC);
        let decl = |needle: &str, nth: usize| {
            let n = name_at(&p, &r, FileId(0), offset(SRC, needle, nth) + 1).expect("a name");
            let span = declaration(&p, n.res.expect("resolved"), n.module).expect("declared");
            (n.text, span.file, span.start as usize)
        };
        // `K` in the fn body, `nu` in the pde, `g` in the initial condition, `z` in a body.
        assert_eq!(
            decl("K)", 0),
            ("K".into(), FileId(0), offset(SRC, "K =", 0))
        );
        assert_eq!(
            decl("nu *", 0),
            ("nu".into(), FileId(0), offset(SRC, "nu in", 0))
        );
        assert_eq!(
            decl("g(x)", 0),
            ("g".into(), FileId(0), offset(SRC, "g(z)", 0))
        );
        assert_eq!(
            decl("z, K", 0),
            ("z".into(), FileId(0), offset(SRC, "z)", 0))
        );
        assert_eq!(
            decl("i * z", 0),
            ("i".into(), FileId(0), offset(SRC, "i in", 0))
        );
        // A declaring name is its own declaration; `K` in the settings is found by its text.
        assert_eq!(decl("K =", 0).2, offset(SRC, "K =", 0));
        assert_eq!(decl("K }", 0).2, offset(SRC, "K =", 0));
        // `call` (its use and its import) is declared in std::finance.
        let (_, file, _) = decl("call(z", 0);
        assert_ne!(file, FileId(0));
        assert_eq!(decl("call}", 0).1, file);
    }

    #[test]
    fn builtins_and_blanks_have_no_declaration() {
        let (p, r) = program(SRC);
        let n = name_at(&p, &r, FileId(0), offset(SRC, "d(u, t)", 0)).expect("`d`");
        assert_eq!(n.text, "d");
        assert!(matches!(n.res, Some(Res::Builtin(_))));
        assert_eq!(declaration(&p, n.res.expect("res"), 0), None);
        assert_eq!(name_at(&p, &r, FileId(0), offset(SRC, " = nu", 0)), None);
        assert_eq!(name_at(&p, &r, FileId(0), SRC.len() + 10), None);
    }
}
