//! Stage 3, resolve: every name bound to what it means.
//!
//! Two namespaces: names in call position are looked up among callables (`fn`s, builtins such
//! as `d` and `lap`, std imports, the unknown), all other names among values (`const`,
//! `param`, `time`, `space`, the unknown, index variables and function parameters). So
//! `const d = 100` and `d(u, t)` live together. The result is a side table: for each module
//! and each [`NameId`] of its syntax tree, the [`Res`] it refers to.
//!
//! This file holds the stage's types (`Program`, `Res`, `Resolution`) and its entry
//! ([`resolve`]: each module's scope, then the walk, then the checks); the steps live beside
//! it, each importing only earlier ones: `load` (the user's file and the std modules it
//! reaches), `scope` (item kinds, the two namespaces, what a `use` brings in), `bind` (the
//! walk that binds every name), `hints` (what to suggest for an undeclared name, by the kind
//! its position takes, in declaration order) and `checks` (recursion among `fn`s, unused
//! items). `index` reads the result by position, for editors: the name at an offset and
//! where what it refers to is declared.

mod bind;
mod checks;
mod hints;
pub mod index;
mod load;
mod scope;

use crate::builtins::{self, Builtin, Namespace};
use crate::diag::{Diag, Diags};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

use bind::Resolver;
use checks::{detect_recursion, warn_unused};
pub use load::load_program;
use scope::{Kind, Scope, import};

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

/// The resolution of every name in every module.
#[derive(Clone, Debug)]
pub struct Resolution {
    names: Vec<Vec<Option<Res>>>,
    /// The user file's top-level names (its items, imports and the built-ins), for what is
    /// looked up by text: the values of settings (check/setting_values.rs).
    top_values: HashMap<String, Res>,
    top_callables: HashMap<String, Res>,
}

impl Resolution {
    /// A value name of the user's file (a `const`, an input, the unknown, `pi`), by its text.
    pub fn top_value(&self, name: &str) -> Option<Res> {
        self.top_values.get(name).copied()
    }

    /// A function of the user's file or a built-in one, by its text.
    pub fn top_callable(&self, name: &str) -> Option<Res> {
        self.top_callables.get(name).copied()
    }

    pub fn get(&self, module: usize, id: NameId) -> Option<Res> {
        self.names
            .get(module)
            .and_then(|m| m.get(id.0 as usize))
            .copied()
            .flatten()
    }
}

pub fn resolve(program: &Program, diags: &mut Diags) -> Resolution {
    let mut used = HashSet::new();
    let mut names = Vec::new();
    let (mut top_values, mut top_callables) = (HashMap::new(), HashMap::new());
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
        // The pieces a constructive domain names (`ball(...) as hole`): values that name
        // their binding occurrence, for `boundary hole: ...`.
        for item in &module.ast.items {
            if let ItemKind::Space { domain, .. } = &item.kind {
                for name in domain.piece_names() {
                    if let Some(prev) = seen.get(&(false, name.text.clone())) {
                        diags.push(
                            Diag::error(
                                "pdec::resolve::duplicate_definition",
                                format!("`{}` is defined twice", name.text),
                            )
                            .primary(name.span, "defined again here")
                            .secondary(*prev, "first defined here")
                            .help("give each piece of the domain its own name"),
                        );
                        continue;
                    }
                    seen.insert((false, name.text.clone()), name.span);
                    scope.values.insert(name.text.clone(), Res::Local(name.id));
                }
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
        if m == 0 {
            top_values = r.scope.values.clone();
            top_callables = r.scope.callables.clone();
        }
        names.push(r.table);
    }
    detect_recursion(program, &names, diags);
    // After a resolution error, "unused" is usually a consequence (a misspelt use).
    if !diags.has_errors() {
        warn_unused(program, &used, diags);
    }
    Resolution {
        names,
        top_values,
        top_callables,
    }
}

#[cfg(test)]
mod tests {
    use super::checks::collect_calls;
    use super::*;
    use crate::source::SourceFile;

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
            if let ItemKind::Pde { eq, .. } = &item.kind {
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
