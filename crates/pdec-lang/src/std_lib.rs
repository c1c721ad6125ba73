//! The standard library: `.pde` modules embedded in the binary with `include_str!`.
//! A std module holds only `fn` and `const` items. `prelude` is visible in every file;
//! the others are brought in with `use std::NAME::{...}`.

pub struct StdModule {
    pub name: &'static str,
    pub text: &'static str,
}

pub const MODULES: &[StdModule] = &[
    StdModule {
        name: "prelude",
        text: include_str!("../../../std/prelude.pde"),
    },
    StdModule {
        name: "finance",
        text: include_str!("../../../std/finance.pde"),
    },
];

pub fn find(name: &str) -> Option<&'static StdModule> {
    MODULES.iter().find(|m| m.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|m| m.name)
}

/// Path shown in diagnostics for a std module.
pub fn display_path(name: &str) -> String {
    format!("std/{name}.pde")
}
