//! Loading: the user's file and every std module it reaches through `use` (the prelude
//! always), parsed into one [`Program`]. `normalized` reads a one-item `use` path as a list,
//! for the loader here and for the imports of `scope`.

use std::borrow::Cow;

use super::{Module, ModuleKind, Program};
use crate::diag::Diags;
use crate::source::{SourceFile, SourceMap};
use crate::std_lib;
use crate::syntax::{self, ast::*};

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

/// `use std::finance::call` imports one item, as in Rust: the same as
/// `use std::finance::{call}`. Only for std paths, whose modules are one level deep.
pub(super) fn normalized(u: &Use) -> Cow<'_, Use> {
    match (&u.items, u.path.as_slice()) {
        (UseItems::Module, [std, module, item]) if std.text == "std" => Cow::Owned(Use {
            path: vec![std.clone(), module.clone()],
            items: UseItems::List(vec![item.clone()]),
        }),
        _ => Cow::Borrowed(u),
    }
}
