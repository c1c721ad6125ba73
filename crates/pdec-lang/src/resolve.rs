//! Stage 3, resolve: every name bound to what it means.
//!
//! Two namespaces: names in call position are looked up among callables (`fn`s, builtins such
//! as `d` and `lap`, std imports, the unknown), all other names among values (`const`,
//! `param`, `time`, `space`, the unknown, index variables and function parameters). So
//! `const d = 100` and `d(u, t)` live together. The result is a side table: for each module
//! and each [`NameId`] of its syntax tree, the [`Res`] it refers to.

use std::borrow::Cow;

use crate::builtins::{self, Builtin, Namespace};
use crate::diag::suggest::{did_you_mean, notation_habit};
use crate::diag::{Diag, Diags};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::std_lib;
use crate::syntax::{self, ast::*};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemRef {
    pub module: usize,
    pub item: usize,
}

/// What a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Res {
    Item(ItemRef),
    Builtin(Builtin),
    /// A function parameter or index variable, identified by its binding occurrence.
    Local(NameId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleKind {
    User,
    Std,
}

#[derive(Clone, Debug)]
pub struct Module {
    /// `main` for the user's file, the std name otherwise.
    pub name: String,
    pub file: FileId,
    pub kind: ModuleKind,
    pub ast: File,
}

/// All modules of one compilation: the user's file first, then std modules it needs.
#[derive(Clone, Debug)]
pub struct Program {
    pub sources: SourceMap,
    pub modules: Vec<Module>,
}

impl Program {
    pub fn item(&self, r: ItemRef) -> &Item {
        &self.modules[r.module].ast.items[r.item]
    }

    pub fn user(&self) -> &Module {
        &self.modules[0]
    }
}

/// Parses the user's file and every std module it can reach.
pub fn load_program(user: SourceFile, diags: &mut Diags) -> Program {
    let mut sources = SourceMap::default();
    let file = sources.add(user.name.clone(), user.text.clone());
    let ast = syntax::parse(file, &user, diags);
    let mut modules = vec![Module {
        name: "main".into(),
        file,
        kind: ModuleKind::User,
        ast,
    }];
    // The prelude, then every std module named by a `use` (transitively).
    let mut wanted: Vec<String> = vec!["prelude".into()];
    let mut i = 0;
    while i < modules.len() {
        for item in &modules[i].ast.items {
            if let ItemKind::Use(u) = &item.kind
                && let u = normalized(u)
                && u.path.len() == 2
                && u.path[0].text == "std"
                && std_lib::find(&u.path[1].text).is_some()
                && !wanted.contains(&u.path[1].text)
            {
                wanted.push(u.path[1].text.clone());
            }
        }
        while modules.len() - 1 < wanted.len() {
            let name = wanted[modules.len() - 1].clone();
            let m = std_lib::find(&name).expect("invariant: only existing std modules are wanted");
            let sf = SourceFile {
                name: std_lib::display_path(m.name),
                text: m.text.to_string(),
            };
            let file = sources.add(sf.name.clone(), sf.text.clone());
            let ast = syntax::parse(file, &sf, diags);
            modules.push(Module {
                name,
                file,
                kind: ModuleKind::Std,
                ast,
            });
        }
        i += 1;
    }
    Program { sources, modules }
}

/// The resolution of every name in every module.
#[derive(Clone, Debug)]
pub struct Resolution {
    names: Vec<Vec<Option<Res>>>,
}

impl Resolution {
    pub fn get(&self, module: usize, id: NameId) -> Option<Res> {
        self.names
            .get(module)
            .and_then(|m| m.get(id.0 as usize))
            .copied()
            .flatten()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Const,
    Param,
    Time,
    Space,
    Unknown,
    Fn,
}

impl Kind {
    fn of(item: &ItemKind) -> Option<(Kind, &Ident)> {
        Some(match item {
            ItemKind::Const { name, .. } => (Kind::Const, name),
            ItemKind::Param { name, .. } => (Kind::Param, name),
            ItemKind::Time { name, .. } => (Kind::Time, name),
            ItemKind::Space { name, .. } => (Kind::Space, name),
            ItemKind::Unknown { name, .. } => (Kind::Unknown, name),
            ItemKind::Fn { name, .. } => (Kind::Fn, name),
            _ => return None,
        })
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Const => "a constant",
            Kind::Param => "a parameter",
            Kind::Time => "the time variable",
            Kind::Space => "a space variable",
            Kind::Unknown => "the unknown",
            Kind::Fn => "a function",
        }
    }
}

#[derive(Default, Clone)]
struct Scope {
    values: HashMap<String, Res>,
    callables: HashMap<String, Res>,
    /// Names a failed `use` meant to bring in: their uses are not reported again.
    poisoned: HashSet<String>,
    /// A `use` of a missing module with `*`: any unknown name may have come from it.
    poisoned_all: bool,
}

struct Resolver<'p> {
    program: &'p Program,
    scope: Scope,
    locals: Vec<(String, NameId)>,
    table: Vec<Option<Res>>,
    used: &'p mut HashSet<ItemRef>,
    diags: &'p mut Diags,
    unknown_name: Option<String>,
    vector_names: Vec<String>,
}

pub fn resolve(program: &Program, diags: &mut Diags) -> Resolution {
    let mut used = HashSet::new();
    let mut names = Vec::new();
    // Scopes of std modules first: the user's imports refer to them.
    let mut exports: Vec<Scope> = Vec::new();
    for (m, module) in program.modules.iter().enumerate() {
        let mut s = Scope::default();
        for (i, item) in module.ast.items.iter().enumerate() {
            if let Some((kind, name)) = Kind::of(&item.kind) {
                let r = Res::Item(ItemRef { module: m, item: i });
                if kind != Kind::Fn {
                    s.values.insert(name.text.clone(), r);
                }
                if matches!(kind, Kind::Fn | Kind::Unknown) {
                    s.callables.insert(name.text.clone(), r);
                }
            }
        }
        exports.push(s);
    }
    let prelude = program
        .modules
        .iter()
        .position(|m| m.kind == ModuleKind::Std && m.name == "prelude");
    for (m, module) in program.modules.iter().enumerate() {
        let mut scope = Scope::default();
        for b in builtins::BUILTINS {
            let map = match b.namespace {
                Namespace::Callable => &mut scope.callables,
                Namespace::Value => &mut scope.values,
            };
            map.insert(b.name.to_string(), Res::Builtin(b.builtin));
        }
        if let Some(p) = prelude
            && p != m
        {
            scope.values.extend(exports[p].values.clone());
            scope.callables.extend(exports[p].callables.clone());
        }
        let mut imported: HashMap<String, Span> = HashMap::new();
        for item in &module.ast.items {
            if let ItemKind::Use(u) = &item.kind {
                import(program, &exports, u, &mut scope, &mut imported, diags);
            }
        }
        // Own items, with duplicate detection.
        let mut seen: HashMap<(bool, String), Span> = HashMap::new();
        for (i, item) in module.ast.items.iter().enumerate() {
            let Some((kind, name)) = Kind::of(&item.kind) else {
                continue;
            };
            let r = Res::Item(ItemRef { module: m, item: i });
            let is_fn = kind == Kind::Fn;
            if let Some(prev) = seen.get(&(is_fn, name.text.clone())) {
                diags.push(
                    Diag::error(
                        "pdec::resolve::duplicate_definition",
                        format!("`{}` is defined twice", name.text),
                    )
                    .primary(name.span, "defined again here")
                    .secondary(*prev, "first defined here")
                    .help("rename one of them"),
                );
                continue;
            }
            if let Some(prev) = imported.get(&name.text) {
                diags.push(
                    Diag::error(
                        "pdec::resolve::duplicate_definition",
                        format!("`{}` is both imported and defined", name.text),
                    )
                    .primary(name.span, "defined here")
                    .secondary(*prev, "imported here")
                    .help("rename your definition or drop it from the `use` list"),
                );
                continue;
            }
            seen.insert((is_fn, name.text.clone()), name.span);
            if !is_fn {
                scope.values.insert(name.text.clone(), r);
            }
            if matches!(kind, Kind::Fn | Kind::Unknown) {
                scope.callables.insert(name.text.clone(), r);
            }
        }
        let unknown_name = module.ast.items.iter().find_map(|i| match &i.kind {
            ItemKind::Unknown { name, .. } => Some(name.text.clone()),
            _ => None,
        });
        let vector_names = module
            .ast
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Space { name, .. } => Some(name.text.clone()),
                _ => None,
            })
            .collect();
        let mut r = Resolver {
            program,
            scope,
            locals: Vec::new(),
            table: vec![None; module.ast.name_count as usize],
            used: &mut used,
            diags,
            unknown_name,
            vector_names,
        };
        for item in &module.ast.items {
            r.item(item);
        }
        names.push(r.table);
    }
    detect_recursion(program, &names, diags);
    // After a resolution error, "unused" is usually a consequence (a misspelt use).
    if !diags.has_errors() {
        warn_unused(program, &used, diags);
    }
    Resolution { names }
}

/// `use std::finance::call` imports one item, as in Rust: the same as
/// `use std::finance::{call}`. Only for std paths, whose modules are one level deep.
fn normalized(u: &Use) -> Cow<'_, Use> {
    match (&u.items, u.path.as_slice()) {
        (UseItems::Module, [std, module, item]) if std.text == "std" => Cow::Owned(Use {
            path: vec![std.clone(), module.clone()],
            items: UseItems::List(vec![item.clone()]),
        }),
        _ => Cow::Borrowed(u),
    }
}

/// Records the names a failed `use` meant to import.
fn poison(u: &Use, scope: &mut Scope) {
    match &u.items {
        UseItems::List(items) => scope.poisoned.extend(items.iter().map(|i| i.text.clone())),
        UseItems::All(_) => scope.poisoned_all = true,
        UseItems::Module => {}
    }
}

fn import(
    program: &Program,
    exports: &[Scope],
    u: &Use,
    scope: &mut Scope,
    imported: &mut HashMap<String, Span>,
    diags: &mut Diags,
) {
    let u = &*normalized(u);
    let Some(first) = u.path.first() else { return };
    let path_span = first.span.to(u.path[u.path.len() - 1].span);
    if first.text != "std" || u.path.len() != 2 {
        let help = if first.text != "std" {
            format!(
                "the standard library is `std`; its modules are {}",
                std_lib::names()
                    .map(|n| format!("`std::{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            "write `use std::MODULE::{name, ...}` or `use std::MODULE::name`".to_string()
        };
        diags.push(
            Diag::error("pdec::resolve::unknown_module", "no such module")
                .primary(path_span, "not a module")
                .help(help),
        );
        poison(u, scope);
        return;
    }
    let name = &u.path[1];
    let Some(m) = program
        .modules
        .iter()
        .position(|m| m.kind == ModuleKind::Std && m.name == name.text)
    else {
        diags.push(
            Diag::error(
                "pdec::resolve::unknown_module",
                format!("no module `std::{}`", name.text),
            )
            .primary(name.span, "not in the standard library")
            .help(match did_you_mean(&name.text, std_lib::names()) {
                Some(s) => format!("did you mean `std::{s}`?"),
                None => format!(
                    "std modules: {}; `pdec std` lists them",
                    std_lib::names().collect::<Vec<_>>().join(", ")
                ),
            }),
        );
        poison(u, scope);
        return;
    };
    let ex = &exports[m];
    let mut bring = |text: &str, span: Span, scope: &mut Scope, glob: bool| {
        let mut found = false;
        if let Some(r) = ex.callables.get(text) {
            scope.callables.insert(text.to_string(), *r);
            found = true;
        }
        if let Some(r) = ex.values.get(text) {
            scope.values.insert(text.to_string(), *r);
            found = true;
        }
        // Glob imports may be shadowed by the file's own definitions; named ones may not.
        if found && !glob {
            imported.insert(text.to_string(), span);
        }
        found
    };
    match &u.items {
        UseItems::Module => {
            diags.push(
                Diag::error(
                    "pdec::resolve::module_import",
                    format!("`use std::{}` names a module, not items", name.text),
                )
                .primary(path_span, "a whole module")
                .help(format!(
                    "name what you use: `use std::{}::{{...}}`, or `use std::{}::*` for everything",
                    name.text, name.text
                )),
            );
            scope
                .poisoned
                .extend(ex.callables.keys().chain(ex.values.keys()).cloned());
        }
        UseItems::All(span) => {
            let mut names: Vec<&String> = ex.callables.keys().chain(ex.values.keys()).collect();
            names.sort();
            names.dedup();
            for n in names {
                bring(n, *span, scope, true);
            }
        }
        UseItems::List(items) => {
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for it in items {
                if let Some(prev) = seen.insert(&it.text, it.span) {
                    diags.push(
                        Diag::error(
                            "pdec::resolve::duplicate_definition",
                            format!("`{}` is imported twice", it.text),
                        )
                        .primary(it.span, "again here")
                        .secondary(prev, "first here")
                        .help("list each name once"),
                    );
                    continue;
                }
                if !bring(&it.text, it.span, scope, false) {
                    scope.poisoned.insert(it.text.clone());
                    let candidates: Vec<&str> = ex
                        .callables
                        .keys()
                        .chain(ex.values.keys())
                        .map(String::as_str)
                        .collect();
                    diags.push(
                        Diag::error(
                            "pdec::resolve::unknown_import",
                            format!("`std::{}` has no item `{}`", name.text, it.text),
                        )
                        .primary(it.span, "not found in this module")
                        .help(match did_you_mean(&it.text, candidates) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("`pdec std {}` lists its functions", name.text),
                        }),
                    );
                }
            }
        }
    }
}

impl Resolver<'_> {
    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Problem(_) | ItemKind::Use(_) | ItemKind::Reference { .. } => {}
            ItemKind::Solve(_) => {} // settings are interpreted by `check::settings`
            ItemKind::Unknown { args, .. } => {
                for a in args {
                    self.value_name(a);
                }
            }
            ItemKind::Const { binders, value, .. } => {
                let n = self.push_binders(binders);
                self.expr(value);
                self.locals.truncate(self.locals.len() - n);
            }
            ItemKind::Param { domain, .. }
            | ItemKind::Time { domain, .. }
            | ItemKind::Space { domain, .. } => self.expr(domain),
            ItemKind::Fn { params, body, .. } => {
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for p in params {
                    if let Some(prev) = seen.insert(&p.text, p.span) {
                        self.diags.push(
                            Diag::error(
                                "pdec::resolve::duplicate_definition",
                                format!("parameter `{}` appears twice", p.text),
                            )
                            .primary(p.span, "again here")
                            .secondary(prev, "first here")
                            .help("give each parameter its own name"),
                        );
                    }
                    self.locals.push((p.text.clone(), p.id));
                    self.table[p.id.0 as usize] = Some(Res::Local(p.id));
                }
                self.expr(body);
                self.locals.truncate(self.locals.len() - params.len());
            }
            ItemKind::Pde(eq)
            | ItemKind::Initial(eq)
            | ItemKind::Terminal(eq)
            | ItemKind::Exact(eq)
            | ItemKind::Ansatz(eq) => self.equation(eq),
            ItemKind::Boundary(Boundary::None(_)) => {}
            ItemKind::Boundary(Boundary::Locus(locus)) => {
                let Locus {
                    lhs,
                    rhs,
                    binders,
                    condition,
                    ..
                } = &**locus;
                let n = self.push_binders(binders);
                self.expr(lhs);
                if let Some(r) = rhs {
                    self.expr(r);
                }
                self.equation(condition);
                self.locals.truncate(self.locals.len() - n);
            }
            ItemKind::Periodic(e) | ItemKind::Report(e) => self.expr(e),
            ItemKind::Constraint { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
        }
    }

    fn equation(&mut self, eq: &Equation) {
        self.expr(&eq.lhs);
        if let Some(r) = &eq.rhs {
            self.expr(r);
        }
    }

    /// Resolves the ranges, then brings the binders into scope; returns how many.
    fn push_binders(&mut self, binders: &[Binder]) -> usize {
        for b in binders {
            self.expr(&b.lo);
            self.expr(&b.hi);
            self.locals.push((b.name.text.clone(), b.name.id));
            self.table[b.name.id.0 as usize] = Some(Res::Local(b.name.id));
        }
        binders.len()
    }

    fn record(&mut self, id: NameId, r: Res) {
        self.table[id.0 as usize] = Some(r);
        if let Res::Item(i) = r {
            self.used.insert(i);
        }
    }

    fn value_name(&mut self, name: &Ident) {
        if let Some((_, id)) = self.locals.iter().rev().find(|(n, _)| *n == name.text) {
            let id = *id;
            self.record(name.id, Res::Local(id));
            return;
        }
        if let Some(r) = self.scope.values.get(&name.text).copied() {
            self.record(name.id, r);
            return;
        }
        if let Some(r) = self.scope.callables.get(&name.text) {
            let what = match r {
                Res::Builtin(b) => builtins::info(*b).signature.to_string(),
                _ => format!("{}(...)", name.text),
            };
            self.diags.push(
                Diag::error(
                    "pdec::resolve::function_as_value",
                    format!("`{}` is a function, used here as a value", name.text),
                )
                .primary(name.span, "needs arguments")
                .help(format!("call it: `{what}`")),
            );
            return;
        }
        if self.scope.poisoned_all || self.scope.poisoned.contains(&name.text) {
            return;
        }
        let mut candidates: Vec<&str> = self.scope.values.keys().map(String::as_str).collect();
        candidates.extend(self.locals.iter().map(|(n, _)| n.as_str()));
        let help = notation_habit(&name.text, self.unknown_name.as_deref(), &self.vector_names)
            .or_else(|| {
                did_you_mean(&name.text, candidates).map(|s| format!("did you mean `{s}`?"))
            })
            .unwrap_or_else(|| {
                format!(
                    "declare it, e.g. `const {} = ...` or `param {} in [lo, hi]`",
                    name.text, name.text
                )
            });
        self.diags.push(
            Diag::error(
                "pdec::resolve::unknown_name",
                format!("unknown name `{}`", name.text),
            )
            .primary(name.span, "not declared")
            .help(help),
        );
    }

    fn callee(&mut self, name: &Ident) {
        if let Some(r) = self.scope.callables.get(&name.text).copied() {
            self.record(name.id, r);
            return;
        }
        if let Some(r) = self.scope.values.get(&name.text).copied().or_else(|| {
            self.locals
                .iter()
                .rev()
                .find(|(n, _)| *n == name.text)
                .map(|(_, id)| Res::Local(*id))
        }) {
            let what = match r {
                Res::Item(i) => Kind::of(&self.program.item(i).kind)
                    .map(|(k, _)| k.describe())
                    .unwrap_or("a value"),
                Res::Local(_) => "a local value",
                Res::Builtin(_) => "a value",
            };
            self.diags.push(
                Diag::error(
                    "pdec::resolve::not_callable",
                    format!("`{}` is {what}, not a function", name.text),
                )
                .primary(name.span, "called here")
                .help("for multiplication write `*` explicitly: `a * (b + c)`"),
            );
            return;
        }
        if self.scope.poisoned_all || self.scope.poisoned.contains(&name.text) {
            return;
        }
        let candidates: Vec<&str> = self.scope.callables.keys().map(String::as_str).collect();
        let help = match name.text.as_str() {
            "ln" => "the natural logarithm is `log`".to_string(),
            "laplacian" | "laplace" | "Delta" => "the Laplacian is `lap(u)`".to_string(),
            "nabla" | "gradient" => "the gradient is `grad(u)`".to_string(),
            "diff" | "D" | "partial" | "deriv" => {
                "derivatives are written `d(u, x)`, `d(u, x, x)`".to_string()
            }
            "pow" => "powers are written `a ^ b`".to_string(),
            "sum" | "prod" => "write `sum(i in 1..d) expression` or `sum(v)`".to_string(),
            _ => match did_you_mean(&name.text, candidates) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "define it with `fn {}(...) = ...`, or import it from std (`pdec std` lists the modules)",
                    name.text
                ),
            },
        };
        self.diags.push(
            Diag::error(
                "pdec::resolve::unknown_function",
                format!("unknown function `{}`", name.text),
            )
            .primary(name.span, "not defined")
            .help(help),
        );
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(n) => self.value_name(n),
            ExprKind::Call { callee, args } => {
                self.callee(callee);
                for a in args {
                    self.expr(&a.value);
                }
            }
            ExprKind::Index { base, indices } => {
                self.expr(base);
                for i in indices {
                    self.expr(i);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
            ExprKind::Reduce { binders, body, .. } => {
                let n = self.push_binders(binders);
                self.expr(body);
                self.locals.truncate(self.locals.len() - n);
            }
            ExprKind::ReduceVector { arg, .. } => self.expr(arg),
            ExprKind::List(items) => {
                for i in items {
                    self.expr(i);
                }
            }
        }
    }
}

/// `fn f(x) = g(x)` and `fn g(x) = f(x)`: functions are inlined, so cycles are errors.
fn detect_recursion(program: &Program, names: &[Vec<Option<Res>>], diags: &mut Diags) {
    // Edges: fn item -> fn items it calls.
    let mut edges: HashMap<ItemRef, Vec<(ItemRef, Span)>> = HashMap::new();
    for (m, module) in program.modules.iter().enumerate() {
        for (i, item) in module.ast.items.iter().enumerate() {
            if let ItemKind::Fn { body, .. } = &item.kind {
                let mut calls = Vec::new();
                collect_calls(body, &mut |callee: &Ident| {
                    if let Some(Some(Res::Item(r))) = names[m].get(callee.id.0 as usize)
                        && matches!(program.item(*r).kind, ItemKind::Fn { .. })
                    {
                        calls.push((*r, callee.span));
                    }
                });
                edges.insert(ItemRef { module: m, item: i }, calls);
            }
        }
    }
    let mut reported = HashSet::new();
    let mut keys: Vec<ItemRef> = edges.keys().copied().collect();
    keys.sort_by_key(|r| (r.module, r.item));
    for start in keys {
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start, 0usize)];
        let mut on_path = vec![start];
        let mut visited = HashSet::new();
        while let Some((node, next)) = stack.last().copied() {
            let out = edges.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            if next >= out.len() {
                stack.pop();
                on_path.pop();
                continue;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let (to, span) = out[next];
            if to == start {
                // One report per cycle: its other members are not reported again.
                if on_path.iter().all(|r| !reported.contains(r)) && reported.insert(start) {
                    reported.extend(on_path.iter().copied());
                    let ItemKind::Fn { name, .. } = &program.item(start).kind else {
                        continue;
                    };
                    let cycle: Vec<String> = on_path
                        .iter()
                        .map(|r| match &program.item(*r).kind {
                            ItemKind::Fn { name, .. } => name.text.clone(),
                            _ => String::new(),
                        })
                        .collect();
                    let how = if cycle.len() > 1 {
                        format!("calls itself through `{}`", cycle[1..].join("`, `"))
                    } else {
                        "calls itself".to_string()
                    };
                    diags.push(
                        Diag::error(
                            "pdec::resolve::recursive_fn",
                            format!("function `{}` {how}", name.text),
                        )
                        .primary(span, format!("cycle: {} -> {}", cycle.join(" -> "), name.text))
                        .secondary(name.span, "defined here")
                        .help("functions are expanded inline and cannot recurse; write a closed form or a `sum`"),
                    );
                }
                continue;
            }
            if visited.insert(to) {
                stack.push((to, 0));
                on_path.push(to);
            }
        }
    }
}

fn collect_calls(e: &Expr, f: &mut impl FnMut(&Ident)) {
    match &e.kind {
        ExprKind::Call { callee, args } => {
            f(callee);
            for a in args {
                collect_calls(&a.value, f);
            }
        }
        ExprKind::Number(_) | ExprKind::Name(_) => {}
        ExprKind::Index { base, indices } => {
            collect_calls(base, f);
            indices.iter().for_each(|i| collect_calls(i, f));
        }
        ExprKind::Unary { operand, .. } => collect_calls(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_calls(lhs, f);
            collect_calls(rhs, f);
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            collect_calls(cond, f);
            collect_calls(then, f);
            collect_calls(otherwise, f);
        }
        ExprKind::Reduce { binders, body, .. } => {
            for b in binders {
                collect_calls(&b.lo, f);
                collect_calls(&b.hi, f);
            }
            collect_calls(body, f);
        }
        ExprKind::ReduceVector { arg, .. } => collect_calls(arg, f),
        ExprKind::List(items) => items.iter().for_each(|i| collect_calls(i, f)),
    }
}

/// Warnings for the user's params, consts and fns that nothing refers to. A name starting
/// with `_` is exempt, as in Rust.
fn warn_unused(program: &Program, used: &HashSet<ItemRef>, diags: &mut Diags) {
    for (i, item) in program.user().ast.items.iter().enumerate() {
        let r = ItemRef { module: 0, item: i };
        if used.contains(&r) {
            continue;
        }
        let (code, what, help) = match &item.kind {
            ItemKind::Param { name, .. } => (
                "pdec::resolve::unused_param",
                name,
                "an unused parameter still widens the network's input; remove it, or prefix it with `_`",
            ),
            ItemKind::Const { name, .. } => (
                "pdec::resolve::unused_const",
                name,
                "remove it, or prefix its name with `_`",
            ),
            ItemKind::Fn { name, .. } => (
                "pdec::resolve::unused_fn",
                name,
                "remove it, or prefix its name with `_`",
            ),
            _ => continue,
        };
        if what.text.starts_with('_') {
            continue;
        }
        diags.push(
            Diag::warning(code, format!("`{}` is never used", what.text))
                .primary(what.span, "declared here")
                .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_text(text: &str) -> (Program, Resolution, Diags) {
        let mut diags = Diags::default();
        let program = load_program(
            SourceFile {
                name: "t.pde".into(),
                text: text.into(),
            },
            &mut diags,
        );
        let res = resolve(&program, &mut diags);
        (program, res, diags)
    }

    /// Finds the resolution of the n-th occurrence of `name` in the user's file.
    fn res_of(program: &Program, res: &Resolution, name: &str, nth: usize) -> Option<Res> {
        let mut found = Vec::new();
        for item in &program.user().ast.items {
            if let ItemKind::Pde(eq) = &item.kind {
                collect_calls(&eq.lhs, &mut |i: &Ident| {
                    if i.text == name {
                        found.push(i.id)
                    }
                });
                fn names(e: &Expr, f: &mut dyn FnMut(&Ident)) {
                    match &e.kind {
                        ExprKind::Name(n) => f(n),
                        ExprKind::Call { args, .. } => args.iter().for_each(|a| names(&a.value, f)),
                        ExprKind::Binary { lhs, rhs, .. } => {
                            names(lhs, f);
                            names(rhs, f);
                        }
                        _ => {}
                    }
                }
                names(&eq.lhs, &mut |i: &Ident| {
                    if i.text == name {
                        found.push(i.id)
                    }
                });
            }
        }
        found.get(nth).and_then(|id| res.get(0, *id))
    }

    #[test]
    fn callables_and_values_live_in_two_namespaces() {
        let (p, r, d) = resolve_text(
            "const d = 3\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) * d = 0\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        // The call `d(...)` is the derivative builtin; the value `d` is the constant.
        assert_eq!(res_of(&p, &r, "d", 0), Some(Res::Builtin(Builtin::D)));
        assert!(matches!(
            res_of(&p, &r, "d", 1),
            Some(Res::Item(ItemRef { module: 0, item: 0 }))
        ));
    }

    #[test]
    fn std_imports_resolve_into_their_module() {
        let (p, r, d) = resolve_text(
            "use std::finance::{call}\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde call(x, 1) = 0\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        let Some(Res::Item(i)) = res_of(&p, &r, "call", 0) else {
            panic!("call did not resolve to an item")
        };
        assert_eq!(p.modules[i.module].name, "finance");
    }

    #[test]
    fn a_single_item_path_imports_that_item() {
        let (p, r, d) = resolve_text(
            "use std::finance::call\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde call(x, 1) = 0\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        let Some(Res::Item(i)) = res_of(&p, &r, "call", 0) else {
            panic!("call did not resolve to an item")
        };
        assert_eq!(p.modules[i.module].name, "finance");
        // A missing item is reported as such, and its uses are not reported again.
        let (_, _, d) = resolve_text(
            "use std::finance::cal\ntime t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde cal(x, 1) = 0\n",
        );
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["pdec::resolve::unknown_import"], "{d:?}");
    }

    #[test]
    fn shadowing_builtins_and_unused_warnings() {
        let (_, _, d) = resolve_text("const unused = 1\nconst _quiet = 2\nfn exp(z) = z\n");
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["pdec::resolve::unused_const", "pdec::resolve::unused_fn"]
        );
    }
}
