//! Scopes: the kinds of item that declare names ([`Kind`]), the two namespaces a module
//! sees ([`Scope`]: callables and values), and what a `use` brings into them ([`import`]),
//! with the diagnostics of a bad `use`. The entry builds each module's scope from these.

use std::collections::{HashMap, HashSet};

use super::load::normalized;
use super::{ItemRef, ModuleKind, Program, Res};
use crate::builtins;
use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::source::Span;
use crate::std_lib;
use crate::syntax::ast::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Const,
    Param,
    Time,
    Space,
    Unknown,
    Coefficient,
    Fn,
}

impl Kind {
    pub(super) fn of(item: &ItemKind) -> Option<(Kind, &Ident)> {
        Some(match item {
            ItemKind::Const { name, .. } => (Kind::Const, name),
            ItemKind::Param { name, .. } => (Kind::Param, name),
            ItemKind::Time { name, .. } => (Kind::Time, name),
            ItemKind::Space { name, .. } => (Kind::Space, name),
            ItemKind::Unknown { name, .. } => (Kind::Unknown, name),
            ItemKind::Coefficient { name, .. } => (Kind::Coefficient, name),
            ItemKind::Fn { name, .. } => (Kind::Fn, name),
            _ => return None,
        })
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Kind::Const => "a constant",
            Kind::Param => "a parameter",
            Kind::Time => "the time variable",
            Kind::Space => "a space variable",
            Kind::Unknown => "the unknown",
            Kind::Coefficient => "an unknown coefficient",
            Kind::Fn => "a function",
        }
    }
}

#[derive(Default, Clone)]
pub(super) struct Scope {
    pub(super) values: HashMap<String, Res>,
    pub(super) callables: HashMap<String, Res>,
    /// Names a failed `use` meant to bring in: their uses are not reported again.
    pub(super) poisoned: HashSet<String>,
    /// A `use` of a missing module with `*`: any unknown name may have come from it.
    pub(super) poisoned_all: bool,
}

/// Records the names a failed `use` meant to import.
fn poison(u: &Use, scope: &mut Scope) {
    match &u.items {
        UseItems::List(items) => scope.poisoned.extend(items.iter().map(|i| i.text.clone())),
        UseItems::All(_) => scope.poisoned_all = true,
        UseItems::Module => {}
    }
}

pub(super) fn import(
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
                    // The module's items in the order it declares them.
                    let mut candidates = in_declaration_order(&ex.callables);
                    candidates.extend(in_declaration_order(&ex.values));
                    candidates.sort_by_key(|(_, r)| match r {
                        Res::Item(i) => i.item,
                        _ => usize::MAX,
                    });
                    let candidates = candidates.into_iter().map(|(n, _)| n);
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

/// Sort key of a resolution in declaration order: the file's items, std's, the builtins.
fn rank(r: Res) -> (u8, usize, usize) {
    match r {
        Res::Local(id) => (0, 0, id.0 as usize),
        Res::Item(ItemRef { module: 0, item }) => (1, 0, item),
        Res::Item(ItemRef { module, item }) => (2, module, item),
        Res::Builtin(b) => (
            3,
            0,
            builtins::BUILTINS
                .iter()
                .position(|i| i.builtin == b)
                .unwrap_or(usize::MAX),
        ),
    }
}

/// The names of a scope's namespace in declaration order (a hash map has none).
pub(super) fn in_declaration_order(map: &HashMap<String, Res>) -> Vec<(&str, Res)> {
    let mut v: Vec<(&str, Res)> = map.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    v.sort_by_key(|(n, r)| (rank(*r), *n));
    v
}
