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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Call,
    Put,
}

/// Option parameters shared by the reference commands.
#[derive(clap::Args, Debug, Clone)]
pub struct OptionArgs {
    #[arg(long, value_enum, default_value_t = Kind::Put)]
    pub kind: Kind,
    /// Spot price (for a basket: every asset's).
    #[arg(long, default_value_t = 1.0)]
    pub spot: f64,
    #[arg(long, default_value_t = 1.0)]
    pub strike: f64,
    #[arg(long, default_value_t = 0.05)]
    pub rate: f64,
    #[arg(long, default_value_t = 0.0)]
    pub dividend: f64,
    #[arg(long, default_value_t = 0.2)]
    pub sigma: f64,
    #[arg(long, default_value_t = 1.0)]
    pub maturity: f64,
}

#[derive(Subcommand, Debug)]
pub enum ReferenceCommand {
    /// European option price (Black-Scholes-Merton closed form).
    European(OptionArgs),
    /// American option on one asset (finite differences with early exercise, cross-checked
    /// against a binomial tree).
    American(OptionArgs),
    /// Viscous Burgers `u_t + u u_x = nu u_xx` on [-1, 1], `u0 = -sin(pi x)`, by the
    /// Cole-Hopf solution: a CSV table `t,x,u` on a grid (for a problem's `reference`).
    Burgers {
        #[arg(long, default_value_t = 0.01 / std::f64::consts::PI)]
        nu: f64,
        /// Time levels in [0, 1].
        #[arg(long, default_value_t = 11)]
        nt: usize,
        /// Points in [-1, 1].
        #[arg(long, default_value_t = 201)]
        nx: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// American call on the geometric mean of `d` correlated assets, through its exact 1-D
    /// reduction (the DGM paper's basket).
    GeometricBasket {
        #[arg(long)]
        d: usize,
        #[arg(long, default_value_t = 0.75)]
        rho: f64,
        #[command(flatten)]
        option: OptionArgs,
    },
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
    /// Train a network for the problem and report its values and errors.
    Solve {
        file: PathBuf,
        /// Run directory (default: runs/<problem>-<time>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a `solve { }` setting, e.g. `--set steps=20000`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Shorthand for `--set seed=N`.
        #[arg(long)]
        seed: Option<u64>,
        /// Where to train: `cpu` (CUDA needs a build with `--features cuda`).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Print only the final report.
        #[arg(long)]
        quiet: bool,
        /// Do not draw loss.png, solution.png, ... at the end (`pdec plot` draws them later).
        #[arg(long)]
        no_plots: bool,
    },
    /// Independent reference solutions (closed forms, finite differences, trees).
    Reference {
        #[command(subcommand)]
        what: ReferenceCommand,
    },
    /// Evaluate a trained run at points: `--at "t = 0, x = 1, nu = 0.05"` (repeatable), or
    /// every row of `--points FILE.csv` (columns named after the inputs) into `--output`.
    Eval {
        run: PathBuf,
        #[arg(long)]
        at: Vec<String>,
        #[arg(long)]
        points: Option<PathBuf>,
        /// Where to write the values for `--points` (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Draw a run's pictures into its directory: loss.png, solution.png, error.png (with
    /// `exact` or `reference`), exercise.png (free-boundary problems). See docs/OUTPUTS.md.
    Plot {
        run: PathBuf,
        /// Also write SVG files.
        #[arg(long)]
        svg: bool,
        /// Where to look in higher dimensions, e.g. `--slice "x[2..] = 1"` (default: the
        /// diagonal of the box; parameters at the middle of their range).
        #[arg(long)]
        slice: Option<String>,
    },
    /// Write the solution on a grid or at points as CSV, NPZ or VTK. See docs/OUTPUTS.md.
    Export {
        run: PathBuf,
        /// e.g. `--grid "t = 0..1:101, x = -1..1:201, x[2..] = 1"`.
        #[arg(long)]
        grid: Option<String>,
        /// A CSV file of points with a column per input (as for `pdec eval --points`).
        #[arg(long)]
        points: Option<PathBuf>,
        /// Output format (default: from the output's extension, else CSV).
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// Also write the space gradient `du/dx_i` (forward-mode jets through the network).
        #[arg(long)]
        gradient: bool,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Npz,
    Vtk,
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
        Command::Solve {
            file,
            out,
            mut set,
            seed,
            device,
            quiet,
            no_plots,
        } => {
            if device != "cpu" {
                print_one(
                    Diag::error("pdec::cli::no_device", format!("this build of pdec cannot train on `{device}`"))
                        .help("this build trains on the CPU (`--device cpu`); CUDA needs a build with `cargo build --release --features cuda`"), format);
                return 1;
            }
            if let Some(s) = seed {
                set.push(format!("seed={s}"));
            }
            let Some(compiled) = compile_file(&file, &set, format, "nothing was trained") else {
                return 1;
            };
            let text = compiled
                .program
                .sources
                .get(compiled.program.user().file)
                .text
                .clone();
            let mut reference = None;
            if let Some(checked) = &compiled.checked
                && let Some(rel) = &checked.problem.reference
            {
                let p = &checked.problem;
                let read = crate::loader::read_reference(&file, rel).and_then(|(name, text)| {
                    crate::table::parse(p, &crate::lower::Columns::new(p), &name, &text, true)
                });
                match read {
                    Ok(t) => reference = Some(t),
                    Err(d) => {
                        print_one(*d, format);
                        return 1;
                    }
                }
            }
            let opts = crate::run::SolveOptions {
                out,
                reference,
                sets: set,
                quiet,
            };
            let reference = opts.reference.clone();
            let dir = match crate::run::solve(&compiled, &text, &opts) {
                Ok(dir) => dir,
                Err(e) => return run_result(Err(e), format),
            };
            if !no_plots {
                crate::cli_outputs::plot_after_solve(&dir, reference.as_ref(), quiet, format);
            }
            0
        }
        Command::Plot { run, svg, slice } => {
            crate::cli_outputs::plot_command(&run, svg, slice.as_deref(), format)
        }
        Command::Export {
            run,
            grid,
            points,
            format: out,
            gradient,
            output,
        } => crate::cli_outputs::export_command(
            &run,
            grid.as_deref(),
            points.as_deref(),
            out,
            gradient,
            &output,
            format,
        ),
        Command::Reference { what } => reference_command(what),
        Command::Eval {
            run,
            at,
            points,
            output,
        } => {
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
            eval_command(&run, &at, points.as_deref(), output.as_deref(), format)
        }
    }
}

/// The Cole-Hopf solution of viscous Burgers on a grid, as a CSV table `t,x,u`.
fn burgers_table(nu: f64, nt: usize, nx: usize, out: &Path) -> i32 {
    use crate::reference as r;
    if nt < 1 || nx < 2 || !nu.is_finite() || nu <= 0.0 {
        eprintln!("error: need nt >= 1, nx >= 2 and nu > 0");
        return 1;
    }
    let mut csv = String::from("t,x,u\n");
    for i in 0..nt {
        let t = if nt == 1 {
            1.0
        } else {
            i as f64 / (nt - 1) as f64
        };
        for j in 0..nx {
            let x = -1.0 + 2.0 * j as f64 / (nx - 1) as f64;
            csv.push_str(&format!("{t},{x},{:.12}\n", r::burgers_cole_hopf(nu, t, x)));
        }
    }
    if let Err(e) = crate::run::write_atomic(out, csv.as_bytes()) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return 1;
    }
    println!(
        "wrote {} points of the Cole-Hopf solution (nu = {nu}) to {}",
        nt * nx,
        out.display()
    );
    0
}

fn reference_command(what: ReferenceCommand) -> i32 {
    use crate::reference::{self as r, OptionKind};
    let kind = |k: Kind| {
        if k == Kind::Call {
            OptionKind::Call
        } else {
            OptionKind::Put
        }
    };
    let (label, value) = match what {
        ReferenceCommand::Burgers { nu, nt, nx, out } => return burgers_table(nu, nt, nx, &out),
        ReferenceCommand::European(o) => (
            "European",
            r::black_scholes(
                kind(o.kind),
                o.spot,
                o.strike,
                o.rate,
                o.dividend,
                o.sigma,
                o.maturity,
            ),
        ),
        ReferenceCommand::American(o) => {
            let v = r::american(
                kind(o.kind),
                o.spot,
                o.strike,
                o.rate,
                o.dividend,
                o.sigma,
                o.maturity,
            );
            let tree = r::american_binomial(
                kind(o.kind),
                o.spot,
                o.strike,
                o.rate,
                o.dividend,
                o.sigma,
                o.maturity,
                4000,
            );
            println!("binomial tree (4000 steps, cross-check): {tree:.8}");
            ("American", v)
        }
        ReferenceCommand::GeometricBasket { d, rho, option: o } => {
            if let Some((s, c)) = r::american::geometric_basket_params(d, o.dividend, o.sigma, rho)
            {
                println!("1-D reduction: volatility {s:.8}, dividend yield {c:.8}");
            }
            (
                "American geometric basket",
                r::american::geometric_basket_option(
                    kind(o.kind),
                    true,
                    d,
                    o.spot,
                    o.rate,
                    o.dividend,
                    o.sigma,
                    rho,
                    o.strike,
                    o.maturity,
                ),
            )
        }
    };
    if !value.is_finite() {
        eprintln!(
            "error: these parameters have no price (check that volatility, maturity and prices are positive and rho is a valid correlation)"
        );
        return 1;
    }
    println!("{label} price: {value:.8}");
    0
}

pub(crate) fn run_result(r: Result<(), crate::run::RunError>, format: Format) -> i32 {
    match r {
        Ok(()) => 0,
        Err(crate::run::RunError::Diag(d)) => {
            print_one(*d, format);
            1
        }
        Err(crate::run::RunError::NotFinite(msg)) => {
            eprintln!("error: {msg}");
            eprintln!(
                "  help: lower `lr`, set `clip = 1`, use `dtype = f64`, or a smaller Monte Carlo `delta`"
            );
            3
        }
        Err(crate::run::RunError::Internal(msg)) => {
            eprintln!(
                "error: internal error in pdec: {msg} (this is a bug; please report it with the input file)"
            );
            2
        }
    }
}

/// Rebuilds a run's problem with one `report` per `--at` and prints the values.
fn eval_command(
    run: &Path,
    at: &[String],
    points: Option<&Path>,
    output: Option<&Path>,
    format: Format,
) -> i32 {
    let problem = run.join("problem.pde");
    let source = match crate::loader::read_file(&problem) {
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
    let sets: Vec<String> = std::fs::read_to_string(run.join("settings.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("set").and_then(|s| s.as_array()).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
        })
        .unwrap_or_default();
    let first = driver::compile(source.clone(), &sets);
    let Some(checked) = &first.checked else {
        print_diags(&first.diags, &first.program.sources, format, "");
        return 1;
    };
    let before = checked.problem.reports.len();
    let unknown = checked.problem.unknown.name.clone();
    let mut text = source.text.clone();
    for a in at {
        // One line each: a value cannot start a new statement.
        let clean: String = a.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
        text.push_str(&format!("\nreport {unknown}({clean})"));
    }
    let compiled = driver::compile(
        crate::source::SourceFile {
            name: format!("{} (with --at)", problem.display()),
            text,
        },
        &sets,
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
    if let Some(path) = points {
        let fail = |d: Diag| {
            print_one(d, format);
            1
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                return fail(
                    Diag::error(
                        "pdec::load::cannot_read",
                        format!("cannot read `{}`: {e}", path.display()),
                    )
                    .help("give a CSV file of points"),
                );
            }
        };
        let Some(checked) = &compiled.checked else {
            return 1;
        };
        let p = &checked.problem;
        let cols = crate::lower::Columns::new(p);
        let table = match crate::table::parse(p, &cols, &path.display().to_string(), &text, false) {
            Ok(t) => t,
            Err(d) => return fail(*d),
        };
        let result = crate::run::load_net(&compiled, run).and_then(|(net, dt)| {
            crate::run::solution_at(p, &cols, &net, &table.points, table.rows, dt)
        });
        let values = match result {
            Ok(v) => v,
            Err(e) => return run_result(Err(e), format),
        };
        let mut out = String::new();
        out.push_str(&crate::table::header(p, &cols).join(","));
        out.push('\n');
        let hc = crate::table::header_columns(p, &cols);
        for (i, v) in values.iter().enumerate() {
            let row = &table.points[i * cols.width..(i + 1) * cols.width];
            let mut cells: Vec<String> = hc.iter().map(|c| format!("{}", row[*c])).collect();
            cells.push(format!("{v}"));
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        match output {
            Some(o) => {
                if let Err(e) = crate::run::write_atomic(o, out.as_bytes()) {
                    return fail(
                        Diag::error(
                            "pdec::run::io",
                            format!("cannot write `{}`: {e}", o.display()),
                        )
                        .help("check that the folder exists and is writable"),
                    );
                }
            }
            None => print!("{out}"),
        }
    }
    0
}

/// Prints one diagnostic that has no source text (a path, a command-line value).
pub(crate) fn print_one(d: Diag, format: Format) {
    let mut diags = Diags::default();
    diags.push(d);
    print_diags(&diags, &SourceMap::default(), format, "");
}

pub(crate) fn print_diags(diags: &Diags, sources: &SourceMap, format: Format, what: &str) {
    let text = render::render_all(diags, sources, format, what);
    eprint!("{text}");
}

/// Loads and compiles; prints diagnostics. `None` when the file had errors.
fn compile_file(path: &Path, set: &[String], format: Format, what: &str) -> Option<Compiled> {
    let source = match crate::loader::read_file(path) {
        Ok(s) => s,
        Err(d) => {
            // No source to show (the message names the path), so no summary line either.
            print_one(*d, format);
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
                print_one(
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
                    format,
                );
                1
            }
        },
    }
}
