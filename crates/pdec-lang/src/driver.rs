//! The front end as one call: source text to checked problem, analysis and plan.
//! `pdec check`, `explain` and the tests use it.
//!
//! Every independent error of a file is reported in one run, with an honest count: a syntax
//! error stops at the parse (what follows a statement that did not parse is guesswork), but
//! after name-resolution errors the problem is still checked (settings included) and only
//! what the broken statements would cause is held back (`independent_of`); after errors in
//! the analysis passes the plan's checks of the settings against the problem still run.

use crate::check::{self, Checked};
use crate::diag::Diags;
use crate::passes::{self, Analysis};
use crate::plan::{self, Plan};
use crate::resolve::{self, Program};
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Item, ItemKind, Setting};
use std::path::{Path, PathBuf};

/// Everything the front end produced. `plan` is `Some` only when there were no errors.
pub struct Compiled {
    pub program: Program,
    pub diags: Diags,
    pub checked: Option<Checked>,
    pub analysis: Option<Analysis>,
    pub plan: Option<Plan>,
}

impl Compiled {
    /// The user's problem file as it was read (what a run directory keeps as problem.pde).
    pub fn user_text(&self) -> &str {
        &self.program.sources.get(self.program.user().file).text
    }
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

/// Stages 1-6 on a problem's text; its `observe` data files are read from the folder of
/// `source.name` (see [`compile_in`]).
pub fn compile(source: SourceFile, sets: &[String]) -> Compiled {
    compile_in(source, sets, None)
}

/// [`compile`], with the data files of `observe` read under `data` (a run directory's copies)
/// instead of the problem file's folder.
pub fn compile_in(source: SourceFile, sets: &[String], data: Option<&Path>) -> Compiled {
    let folder: PathBuf = match data {
        Some(d) => d.to_path_buf(),
        None => Path::new(&source.name)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    compile_with(source, sets, Some(&folder))
}

/// [`compile`] without reading the `observe` data files: their terms have no rows. For what
/// needs only the problem's equations and `exact` (`pdec reference exact`, which writes the
/// data a problem then observes).
pub fn compile_without_data(source: SourceFile, sets: &[String]) -> Compiled {
    compile_with(source, sets, None)
}

fn compile_with(source: SourceFile, sets: &[String], folder: Option<&Path>) -> Compiled {
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
    let mut check_diags = Diags::default();
    let checked = check::check(&out.program, &res, &overrides, &mut check_diags);
    if diags.has_errors() {
        diags.extend(independent_of(&diags, check_diags, &out.program));
        out.diags = diags;
        return out;
    }
    diags.extend(check_diags);
    let Some(mut checked) = checked else {
        debug_assert!(
            diags.has_errors(),
            "check rejected the problem without a diagnostic"
        );
        out.diags = diags;
        return out;
    };
    if let Some(folder) = folder {
        read_observations(&mut out.program, &mut checked.problem, folder, &mut diags);
    }
    if diags.has_errors() {
        out.checked = Some(checked);
        out.diags = diags;
        return out;
    }
    // The problem as written, before the ansatz rewrites its conditions in the network.
    passes::consistency::run(&checked.problem, &mut diags);
    passes::kink_ansatz::run(&mut checked.problem, &checked.settings.plan);
    passes::time_ansatz::run(&mut checked.problem, &checked.settings.plan);
    passes::ansatz::run(&mut checked.problem, &mut diags);
    if !diags.has_errors() {
        passes::ansatz_scale::run(&mut checked.problem, checked.settings.plan.output_scale);
    }
    let analysis = passes::run(&mut checked.problem, &checked.settings.plan, &mut diags);
    if diags.has_errors() {
        plan::check_alone(&checked.problem, &checked.settings, &mut diags);
    } else {
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

/// Reads every `observe` data file under `folder` (inside it, as `reference` tables), each
/// a source file of its own so that the rows' diagnostics point into it, and checks its
/// rows (`plan::data`).
fn read_observations(
    program: &mut Program,
    p: &mut crate::ir::Problem,
    folder: &Path,
    diags: &mut Diags,
) {
    for k in 0..p.observations.len() {
        let o = &p.observations[k];
        match crate::loader::read_data_in(folder, &o.path) {
            Ok(f) => {
                let file = program.sources.add(o.path.clone(), f.text.clone());
                plan::data::read_rows(p, k, file, &f.text, diags);
                p.observations[k].text = f.text;
            }
            Err(d) => diags.push(d.primary(o.span, "named here")),
        }
    }
}

/// The diagnostics of the check that do not follow from the name-resolution errors in
/// `resolved`: none from a statement holding such an error (its names are missing, so what
/// the check says of it is a guess) or using a function or constant whose definition holds
/// one, none at all but the settings' when a declaration holds one (every use of the input
/// or unknown it declares is then in doubt), and no "too deep" inlining after a recursive
/// function was reported.
fn independent_of(resolved: &Diags, checked: Diags, program: &Program) -> Diags {
    let items = &program.user().ast.items;
    let inside = |span: Span, item: &Item| {
        span.file == item.span.file && item.span.start <= span.start && span.end <= item.span.end
    };
    let broken: Vec<&Item> = items
        .iter()
        .filter(|item| {
            resolved
                .iter()
                .any(|d| d.is_error() && d.primary_span().is_some_and(|s| inside(s, item)))
        })
        .collect();
    let declaration_broken = broken.iter().any(|i| {
        matches!(
            i.kind,
            ItemKind::Time { .. }
                | ItemKind::Space { .. }
                | ItemKind::Param { .. }
                | ItemKind::Unknown { .. }
                | ItemKind::Coefficient { .. }
        )
    });
    // The functions and constants a broken item defines: a statement that uses one is in
    // doubt too (a repeated parameter changes every call's arity).
    let broken_names: Vec<&str> = broken
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Fn { name, .. } | ItemKind::Const { name, .. } => Some(name.text.as_str()),
            _ => None,
        })
        .collect();
    let uses_broken = |item: &Item| {
        let text = program.sources.text(item.span);
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|word| broken_names.contains(&word))
    };
    let recursion = resolved
        .iter()
        .any(|d| d.code == "pdec::resolve::recursive_fn");
    let mut kept = Diags::default();
    for d in checked.into_vec() {
        let follows = match d.primary_span() {
            Some(span) => {
                let in_settings = span.file != program.user().file
                    || items
                        .iter()
                        .any(|i| matches!(i.kind, ItemKind::Solve(_)) && inside(span, i));
                let item = items.iter().find(|i| inside(span, i));
                item.is_some_and(|i| broken.contains(&i) || uses_broken(i))
                    || (declaration_broken && !in_settings)
            }
            None => declaration_broken,
        } || (recursion && d.code == "pdec::check::too_deep");
        if !follows {
            kept.push(d);
        }
    }
    kept
}
