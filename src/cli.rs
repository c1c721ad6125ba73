//! The command line: `pdec check`, `pdec explain`, `pdec std`. Only this module and the
//! loader touch the file system and the terminal.

use crate::diag::render::{self, Format};
use crate::diag::{Diag, Diags};
use crate::driver::{self, Compiled};
use crate::source::SourceMap;
use crate::std_lib;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "pdec",
    version,
    about = "A compiler and solver for partial differential equations (Deep Galerkin Method)"
)]
pub struct Cli {
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    pub message_format: MessageFormat,
    /// Colour in diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check problem files: diagnostics only, no training.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override a `solve { }` setting, e.g. `--set steps=20000`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Print the training plan: inputs, loss terms, second-order paths and why.
    Explain {
        file: PathBuf,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// List the standard library's modules, or print one.
    Std { module: Option<String> },
}

/// Exit codes: 0 accepted, 1 the input has errors, 2 internal error (a bug).
pub fn run(cli: Cli) -> i32 {
    let format = match cli.message_format {
        MessageFormat::Json => Format::Json,
        MessageFormat::Human => Format::Human {
            color: match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            },
            width: 100,
        },
    };
    match cli.command {
        Command::Check { files, set } => {
            let mut code = 0;
            for f in files {
                code = code.max(check_one(&f, &set, format));
            }
            code
        }
        Command::Explain {
            file,
            set,
            format: out,
        } => {
            let Some(compiled) = compile_file(&file, &set, format, "nothing to explain") else {
                return 1;
            };
            let (Some(checked), Some(analysis), Some(plan)) =
                (&compiled.checked, &compiled.analysis, &compiled.plan)
            else {
                return 1;
            };
            match out {
                ExplainFormat::Text => print!(
                    "{}",
                    crate::explain::explain(&file.display().to_string(), checked, analysis, plan)
                ),
                ExplainFormat::Json => match serde_json::to_string_pretty(plan) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("internal error: cannot serialise the plan: {e}");
                        return 2;
                    }
                },
            }
            0
        }
        Command::Std { module } => std_command(module.as_deref(), format),
    }
}

fn print_diags(diags: &Diags, sources: &SourceMap, format: Format, what: &str) {
    let text = render::render_all(diags, sources, format, what);
    eprint!("{text}");
}

/// Loads and compiles; prints diagnostics. `None` when the file had errors.
fn compile_file(path: &Path, set: &[String], format: Format, what: &str) -> Option<Compiled> {
    let source = match crate::loader::read_file(path) {
        Ok(s) => s,
        Err(d) => {
            // No source to show (the message names the path), so no summary line either.
            let mut diags = Diags::default();
            diags.push(*d);
            print_diags(&diags, &SourceMap::default(), format, "");
            return None;
        }
    };
    let compiled = driver::compile(source, set);
    print_diags(&compiled.diags, &compiled.program.sources, format, what);
    if compiled.diags.has_errors() {
        return None;
    }
    Some(compiled)
}

fn check_one(path: &Path, set: &[String], format: Format) -> i32 {
    let Some(c) = compile_file(path, set, format, "nothing was trained") else {
        return 1;
    };
    if format != Format::Json
        && let (Some(checked), Some(plan)) = (&c.checked, &c.plan)
    {
        let p = &checked.problem;
        let mc = plan
            .second_order
            .iter()
            .filter(|t| t.path == crate::passes::second_order::Path::MonteCarlo)
            .count();
        println!(
            "ok: {} (problem {}: {} loss terms, {} network inputs, {} second-order term(s), {} on the Monte Carlo path)",
            path.display(),
            p.name,
            plan.terms.len(),
            plan.input_width,
            plan.second_order.len(),
            mc
        );
    }
    0
}

fn std_command(module: Option<&str>, format: Format) -> i32 {
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
                let mut diags = Diags::default();
                diags.push(
                    Diag::error(
                        "pdec::cli::unknown_std_module",
                        format!("no module `std::{name}`"),
                    )
                    .help(
                        match crate::diag::suggest::did_you_mean(name, std_lib::names()) {
                            Some(s) => format!("did you mean `{s}`? `pdec std` lists the modules"),
                            None => "`pdec std` lists the modules".to_string(),
                        },
                    ),
                );
                print_diags(&diags, &SourceMap::default(), format, "");
                1
            }
        },
    }
}
