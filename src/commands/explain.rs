//! `pdec explain FILE`: the training plan (stage 6's output) as text for a person (inputs,
//! loss terms, second-order paths and why) or as the plan's JSON.

use crate::commands::report::{compile_file, internal, print_one};
use clap::ValueEnum;
use pdec_lang::diag::render::Format;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// Prints the plan of `file` (after the `--set` overrides) in the format `out`.
pub fn execute(file: &Path, set: &[String], out: ExplainFormat, format: Format) -> i32 {
    let Some(compiled) = compile_file(file, set, format, "nothing to explain") else {
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
            pdec_lang::explain::explain(&file.display().to_string(), checked, analysis, plan)
        ),
        ExplainFormat::Json => match serde_json::to_string_pretty(plan) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                print_one(internal(&format!("cannot serialise the plan: {e}")), format);
                return 2;
            }
        },
    }
    0
}
