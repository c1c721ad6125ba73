//! `pdec check FILE...`: compiles each problem file through stage 6 and prints its
//! diagnostics, or a one-line summary of the training plan; nothing is trained.

use crate::commands::report::compile_file;
use pdec_lang::diag::render::Format;
use std::path::{Path, PathBuf};

/// Checks every file; the exit code is the worst of theirs.
pub fn execute(files: &[PathBuf], set: &[String], format: Format) -> i32 {
    let mut code = 0;
    for f in files {
        code = code.max(check_one(f, set, format));
    }
    code
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
            .filter(|t| t.path == pdec_lang::passes::second_order::Path::MonteCarlo)
            .count();
        println!(
            "ok: {} (problem {}: {} loss terms, {} network inputs, {} second-order term(s), {} on the Monte Carlo path)",
            path.display(),
            p.name,
            plan.terms.len(),
            plan.layout.width,
            plan.second_order.len(),
            mc
        );
    }
    0
}
