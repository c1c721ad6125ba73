//! `pdec eval RUN --at ... | --points FILE`: the trained network of a run directory at
//! points. `--at` values are appended to the run's problem as `report` lines and compiled
//! with it, so they are checked like any report; `--points` reads a CSV table of inputs.

use crate::commands::report::{print_diags, print_one, run_result};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use pdec_lang::driver::{self, Compiled};
use std::path::Path;

/// Rebuilds a run's problem with one `report` per `--at` and prints the values; with
/// `--points`, writes the solution at every row of the file.
pub fn execute(
    run: &Path,
    at: &[String],
    points: Option<&Path>,
    output: Option<&Path>,
    format: Format,
) -> i32 {
    if at.is_empty() && points.is_none() {
        print_one(
            Diag::error(
                "pdec::cli::nothing_to_evaluate",
                "`pdec eval` needs `--at` or `--points`",
            )
            .help("e.g. `pdec eval runs/heat --at \"t = 0, x = 0.5\"`"),
            format,
        );
        return 1;
    }
    let problem = run.join("problem.pde");
    let source = match pdec_lang::loader::read_file(&problem) {
        Ok(s) => s,
        Err(d) => {
            print_one(
                Diag::error(
                    "pdec::run::not_a_run",
                    format!("`{}` is not a run directory", run.display()),
                )
                .help(format!(
                    "a run directory holds problem.pde and model.safetensors ({})",
                    d.message
                )),
                format,
            );
            return 1;
        }
    };
    let sets = crate::run::saved_sets::of_run(run);
    let data = crate::run::reference_folder(run);
    let first = driver::compile_in(source.clone(), &sets, Some(&data));
    let Some(checked) = &first.checked else {
        print_diags(&first.diags, &first.program.sources, format, "");
        return 1;
    };
    let before = checked.problem.reports.len();
    // A vector unknown's components (`U[1]`, `U[2]`) are reported by its name: `report
    // U(...)` gives each of them.
    let mut unknowns: Vec<String> = checked
        .problem
        .unknowns
        .iter()
        .map(|u| pdec_lang::ir::declared_name(&u.name).to_string())
        .collect();
    unknowns.dedup();
    let mut text = source.text.clone();
    for a in at {
        // One line each: a value cannot start a new statement. Every unknown at the point.
        let clean: String = a.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
        for u in &unknowns {
            text.push_str(&format!("\nreport {u}({clean})"));
        }
    }
    let compiled = driver::compile_in(
        pdec_lang::source::SourceFile {
            name: format!("{} (with --at)", problem.display()),
            text,
        },
        &sets,
        Some(&data),
    );
    print_diags(&compiled.diags, &compiled.program.sources, format, "");
    if compiled.diags.has_errors() {
        return 1;
    }
    if !at.is_empty() {
        match crate::run::eval_at(&compiled, run) {
            Ok(values) => {
                for (expr, v) in values.into_iter().skip(before) {
                    println!("{expr} = {v:.8}");
                }
            }
            Err(e) => return run_result(Err(e), format),
        }
    }
    match points {
        Some(path) => points_csv(&compiled, run, path, output, format),
        None => 0,
    }
}

/// `--points FILE`: the solution at every row of the CSV file, as CSV (the file's input
/// columns and `u`) into `output` or onto standard output.
fn points_csv(
    compiled: &Compiled,
    run: &Path,
    path: &Path,
    output: Option<&Path>,
    format: Format,
) -> i32 {
    let fail = |d: Diag| {
        print_one(d, format);
        1
    };
    let text = match crate::table::read_points(path) {
        Ok(t) => t,
        Err(d) => return fail(*d),
    };
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return 1;
    };
    let p = &checked.problem;
    let cols = pdec_solve::lower::Columns::new(&plan.layout);
    let table = match crate::table::parse(p, &cols, &path.display().to_string(), &text, false) {
        Ok(t) => t,
        Err(d) => return fail(*d),
    };
    if let Some(d) = crate::table::outside_warning(p, &cols, &table.points, table.rows, "row") {
        print_one(d, format);
    }
    let result = crate::run::load_net(compiled, run).and_then(|(net, dt)| {
        crate::run::solutions_at(p, &cols, &net, &table.points, table.rows, dt)
    });
    let values = match result {
        Ok(v) => v,
        Err(e) => return run_result(Err(e), format),
    };
    let mut out = String::new();
    out.push_str(&crate::table::header(p, &cols).join(","));
    out.push('\n');
    let hc = crate::table::header_columns(p, &cols);
    for i in 0..table.rows {
        let row = &table.points[i * cols.layout.width..(i + 1) * cols.layout.width];
        let mut cells: Vec<String> = hc.iter().map(|c| format!("{}", row[*c])).collect();
        cells.extend(values.iter().map(|u| format!("{}", u[i])));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    match output {
        Some(o) => {
            if let Err(e) = crate::output::guard(o) {
                return fail(*e);
            }
            if let Err(e) = crate::output::write_atomic(o, out.as_bytes()) {
                return fail(crate::output::io_diag("pdec::run::io", "write", o, &e));
            }
        }
        None => print!("{out}"),
    }
    0
}
