//! `pdec std [MODULE]`: lists the standard library's modules and their functions, or prints
//! one module's source.

use crate::commands::report::print_one;
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use pdec_lang::std_lib;

/// Lists the modules (no `module`) or prints one; an unknown name is a diagnostic.
pub fn execute(module: Option<&str>, format: Format) -> i32 {
    match module {
        None => {
            println!(
                "standard library modules (`use std::NAME::{{...}}`; `prelude` is always in scope):"
            );
            for m in std_lib::MODULES {
                let fns: Vec<String> = m
                    .text
                    .lines()
                    .filter_map(|l| l.strip_prefix("fn "))
                    .map(|l| l.split(" =").next().unwrap_or(l).trim().to_string())
                    .collect();
                println!("\n  std::{}", m.name);
                for f in fns {
                    println!("    {f}");
                }
            }
            0
        }
        Some(name) => match std_lib::find(name.trim_start_matches("std::")) {
            Some(m) => {
                print!("{}", m.text);
                0
            }
            None => {
                let name = name.trim_start_matches("std::");
                print_one(
                    Diag::error(
                        "pdec::cli::unknown_std_module",
                        format!("no module `std::{name}`"),
                    )
                    .help(
                        match pdec_lang::diag::suggest::did_you_mean(name, std_lib::names()) {
                            Some(s) => format!("did you mean `{s}`? `pdec std` lists the modules"),
                            None => "`pdec std` lists the modules".to_string(),
                        },
                    ),
                    format,
                );
                1
            }
        },
    }
}
