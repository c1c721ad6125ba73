//! Checks over the bound names of every module: recursion among `fn`s (an error, since
//! functions are inlined) and the user's items that nothing refers to (warnings).

use std::collections::{HashMap, HashSet};

use super::{ItemRef, Program, Res};
use crate::diag::{Diag, Diags};
use crate::source::Span;
use crate::syntax::ast::*;

/// `fn f(x) = g(x)` and `fn g(x) = f(x)`: functions are inlined, so cycles are errors.
pub(super) fn detect_recursion(program: &Program, names: &[Vec<Option<Res>>], diags: &mut Diags) {
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

pub(super) fn collect_calls(e: &Expr, f: &mut impl FnMut(&Ident)) {
    visit_names(e, &mut |name, callee| {
        if callee {
            f(name)
        }
    });
}

/// Every name in `e`, with whether it is called (`f(x)`: `f` called, `x` not).
pub(super) fn visit_names(e: &Expr, f: &mut impl FnMut(&Ident, bool)) {
    match &e.kind {
        ExprKind::Call { callee, args } => {
            f(callee, true);
            for a in args {
                visit_names(&a.value, f);
            }
        }
        ExprKind::Name(n) => f(n, false),
        ExprKind::Number(_) => {}
        ExprKind::Index { base, indices } => {
            visit_names(base, f);
            indices.iter().for_each(|i| visit_names(i, f));
        }
        ExprKind::Unary { operand, .. } => visit_names(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            visit_names(lhs, f);
            visit_names(rhs, f);
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            visit_names(cond, f);
            visit_names(then, f);
            visit_names(otherwise, f);
        }
        ExprKind::Reduce { binders, body, .. } => {
            for b in binders {
                visit_names(&b.lo, f);
                visit_names(&b.hi, f);
            }
            visit_names(body, f);
        }
        ExprKind::ReduceVector { arg, .. } => visit_names(arg, f),
        ExprKind::List(items) => items.iter().for_each(|i| visit_names(i, f)),
        // The name after `as` is declared here, not used.
        ExprKind::Named { inner, .. } => visit_names(inner, f),
    }
}

/// Warnings for the user's params, consts and fns that nothing refers to. A name starting
/// with `_` is exempt, as in Rust.
pub(super) fn warn_unused(program: &Program, used: &HashSet<ItemRef>, diags: &mut Diags) {
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
