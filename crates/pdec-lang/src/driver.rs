//! The front end as one call: source text to checked problem, analysis and plan, stopping
//! after the first stage that reports errors. `pdec check`, `explain` and the tests use it.

use crate::check::{self, Checked};
use crate::diag::Diags;
use crate::passes::{self, Analysis};
use crate::plan::{self, Plan};
use crate::resolve::{self, Program};
use crate::source::SourceFile;
use crate::syntax::ast::{ItemKind, Setting};

/// Everything the front end produced. `plan` is `Some` only when there were no errors.
pub struct Compiled {
    pub program: Program,
    pub diags: Diags,
    pub checked: Option<Checked>,
    pub analysis: Option<Analysis>,
    pub plan: Option<Plan>,
}

/// `--set key=value` overrides, parsed as a `solve { }` block of their own file so that
/// their errors are shown against what was typed.
fn overrides(program: &mut Program, sets: &[String], diags: &mut Diags) -> Vec<Setting> {
    if sets.is_empty() {
        return Vec::new();
    }
    let mut text = String::from("solve {\n");
    for s in sets {
        // One per line; a value cannot smuggle in a closing brace or a new statement.
        let clean: String = s
            .chars()
            .map(|c| if c == '\n' || c == '}' { ' ' } else { c })
            .collect();
        text.push_str(&clean);
        text.push('\n');
    }
    text.push('}');
    let file = program.sources.add("--set", text.clone());
    let parsed = crate::syntax::parse(
        file,
        &SourceFile {
            name: "--set".into(),
            text,
        },
        diags,
    );
    parsed
        .items
        .into_iter()
        .filter_map(|i| match i.kind {
            ItemKind::Solve(s) => Some(s),
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn compile(source: SourceFile, sets: &[String]) -> Compiled {
    let mut diags = Diags::default();
    let mut program = resolve::load_program(source, &mut diags);
    let overrides = overrides(&mut program, sets, &mut diags);
    let mut out = Compiled {
        program,
        diags: Diags::default(),
        checked: None,
        analysis: None,
        plan: None,
    };
    if diags.has_errors() {
        out.diags = diags;
        return out;
    }
    let res = resolve::resolve(&out.program, &mut diags);
    if diags.has_errors() {
        out.diags = diags;
        return out;
    }
    let Some(mut checked) = check::check(&out.program, &res, &overrides, &mut diags) else {
        debug_assert!(
            diags.has_errors(),
            "check rejected the problem without a diagnostic"
        );
        out.diags = diags;
        return out;
    };
    // The problem as written, before the ansatz rewrites its conditions in the network.
    passes::consistency::run(&checked.problem, &mut diags);
    passes::ansatz::run(&mut checked.problem, &mut diags);
    let analysis = passes::run(&mut checked.problem, &checked.settings.plan, &mut diags);
    if !diags.has_errors() {
        let plan = plan::plan(&checked.problem, &analysis, &checked.settings, &mut diags);
        if !diags.has_errors() {
            out.plan = Some(plan);
        }
    }
    out.checked = Some(checked);
    out.analysis = Some(analysis);
    out.diags = diags;
    out
}
