//! The command line: `pdec check`, `pdec explain`, `pdec std`. Only this module and the
//! loader touch the file system and the terminal.

use clap::{Parser, Subcommand, ValueEnum};
use pdec_lang::diag::render::{self, Format};
use pdec_lang::diag::{Diag, Diags};
use pdec_lang::driver::{self, Compiled};
use pdec_lang::source::SourceMap;
use pdec_lang::std_lib;
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
    /// The DGM paper's parametric Burgers family `u_t = nu u_xx - alpha u u_x` on [0, 1],
    /// `u(0, x) = a + (b - a) x`, `u(t, 0) = a`, `u(t, 1) = b`, by Crank-Nicolson finite
    /// differences with Richardson extrapolation: a CSV table `t,x,nu,alpha,a,b,u` at each
    /// parameter point (for `examples/burgers_family.pde`'s `reference`).
    BurgersFamily {
        /// A parameter point `nu,alpha,a,b` (repeatable); without any, five points spread
        /// over the paper's box (`nu` in [0.01, 0.1], `alpha` in [0.01, 1], `a`, `b` in
        /// [-1, 1]), from a steep front to nearly pure diffusion.
        #[arg(long, value_name = "NU,ALPHA,A,B")]
        at: Vec<String>,
        /// Time levels in [0, 1].
        #[arg(long, default_value_t = 11)]
        nt: usize,
        /// Points in [0, 1].
        #[arg(long, default_value_t = 101)]
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
    /// The HJB equation of Han, Jentzen & E, `u_t + lap u - lambda |grad u|^2 = 0` with
    /// `u(T, x) = ln((1 + |x|^2) / 2)`: `u(t, x)` by Cole-Hopf and Monte Carlo, with a 95%
    /// confidence interval.
    Hjb {
        #[arg(long, default_value_t = 100)]
        d: usize,
        #[arg(long, default_value_t = 1.0)]
        lambda: f64,
        #[arg(long, default_value_t = 1.0)]
        maturity: f64,
        #[arg(long, default_value_t = 0.0)]
        t: f64,
        /// The point: every component equals this value.
        #[arg(long, default_value_t = 0.0)]
        x: f64,
        #[arg(long, default_value_t = 1_000_000)]
        samples: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    Table,
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
    /// Train a network for the problem and report its values and errors.
    Solve {
        /// The problem file (not with `--resume`, which reads the run's copy).
        #[arg(required_unless_present = "resume")]
        file: Option<PathBuf>,
        /// Run directory (default: runs/<problem>-<time>/).
        #[arg(long, conflicts_with = "resume")]
        out: Option<PathBuf>,
        /// Continue a run from its last checkpoint (network, optimizer, step); `--set` may
        /// change settings such as `steps`. The continued run matches an uninterrupted one.
        #[arg(long, value_name = "RUN_DIR", conflicts_with = "file")]
        resume: Option<PathBuf>,
        /// Override a `solve { }` setting, e.g. `--set steps=20000`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Shorthand for `--set seed=N`.
        #[arg(long)]
        seed: Option<u64>,
        /// Where to train: `cpu`, `cuda`, `cuda:N` or `auto` (a GPU when the build has CUDA
        /// and one answers, else the CPU). CUDA needs a build with `--features cuda`.
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Threads that split each step's batch on the CPU (their gradients summed): `auto`
        /// (the physical cores, shared among MPI ranks) or N. The loss does not depend on it
        /// beyond floating-point rounding.
        #[arg(long, default_value = "auto")]
        threads: String,
        /// Print only the final report.
        #[arg(long)]
        quiet: bool,
        /// Plain progress lines every N steps instead of the live bar (also sets
        /// `log_every`, the interval of loss.csv).
        #[arg(long, value_name = "N")]
        log_every: Option<u64>,
        /// Print the resolved settings and the plan, then stop: no training, no run directory.
        #[arg(long)]
        dry_run: bool,
        /// Do not draw loss.png, solution.png, ... at the end (`pdec plot` draws them later).
        #[arg(long)]
        no_plots: bool,
        /// Refuse to train when a step's estimated memory exceeds SIZE (`8G`, `512M`); on
        /// the CPU the machine's available memory is always a limit too.
        #[arg(long, value_name = "SIZE", value_parser = pdec_solve::memory::parse_size)]
        max_memory: Option<u64>,
    },
    /// Write a commented starter problem `NAME.pde` from a template.
    New {
        name: PathBuf,
        #[arg(long, value_enum, default_value_t = crate::templates::Template::Heat)]
        template: crate::templates::Template,
    },
    /// Print a `.pde` file in the canonical layout (comments kept, meaning unchanged).
    Fmt {
        file: PathBuf,
        /// Print nothing; exit 1 naming the first line that differs if the file is not in
        /// the canonical layout.
        #[arg(long)]
        check: bool,
    },
    /// Time training steps of the DGM network on a d-dimensional heat problem: ms per step
    /// and peak memory for the exact and Monte Carlo second-order paths.
    Bench(BenchSpec),
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
                    pdec_lang::explain::explain(
                        &file.display().to_string(),
                        checked,
                        analysis,
                        plan
                    )
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
            resume,
            mut set,
            seed,
            device,
            threads,
            quiet,
            log_every,
            dry_run,
            no_plots,
            max_memory,
        } => {
            let Some(device) = open_device(&device, format) else {
                return 1;
            };
            // Under `mpirun` (and a build with `--features mpi`): this rank of the job.
            let comm = pdec_solve::distributed::Comm::init();
            let threads = match pdec_solve::device::threads(&threads, &device, comm.size()) {
                Ok(n) => n,
                Err(d) => {
                    print_one(*d, format);
                    return 1;
                }
            };
            if let Some(s) = seed {
                set.push(format!("seed={s}"));
            }
            // Before the merge below, so that `--log-every` replaces a resumed run's own.
            if let Some(n) = log_every {
                set.push(format!("log_every={n}"));
            }
            // A resumed run compiles the run's copy of the problem with the run's overrides,
            // then this command's (which replace those of the same key).
            let (file, source) = match (&resume, file) {
                (Some(dir), _) => match resume_inputs(dir, &mut set) {
                    Ok(source) => (dir.join("problem.pde"), source),
                    Err(d) => {
                        print_one(*d, format);
                        return 1;
                    }
                },
                (None, Some(f)) => (f.clone(), Some(f)),
                (None, None) => return 1,
            };
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
            let mut reference_file = None;
            if let Some(checked) = &compiled.checked
                && let Some(rel) = &checked.problem.reference
            {
                let p = &checked.problem;
                // A reference table lives beside its problem file; a resumed run reads the run
                // directory's copy, or the original's where the run predates copies.
                let read = match (&resume, source.as_deref()) {
                    (Some(dir), original) => {
                        let copies = crate::run::reference_folder(dir);
                        pdec_lang::loader::read_reference_copy(&copies, rel)
                            .or_else(|e| match original {
                                Some(o) => pdec_lang::loader::read_reference(o, rel),
                                None => Err(e),
                            })
                            .map_err(|mut d| {
                                // Neither the run's copy nor the original is there.
                                if matches!(
                                    d.code,
                                    "pdec::load::reference_missing"
                                        | "pdec::load::reference_outside_folder"
                                ) {
                                    let beside = original.map_or(String::new(), |o| {
                                        format!(" (or beside the original `{}`)", o.display())
                                    });
                                    d.help = Some(format!(
                                        "the run directory has no copy of its reference table: put `{rel}` under `{}`{beside}",
                                        copies.display()
                                    ));
                                }
                                d
                            })
                    }
                    (None, _) => pdec_lang::loader::read_reference(&file, rel),
                };
                let parsed = read.and_then(|r| {
                    let cols = pdec_solve::lower::Columns::new(p);
                    let table = crate::table::parse(p, &cols, &r.name, &r.text, true)?;
                    Ok((table, r))
                });
                match parsed {
                    Ok((table, r)) => {
                        reference = Some(table);
                        reference_file = Some(r);
                    }
                    Err(d) => {
                        print_one(*d, format);
                        return 1;
                    }
                }
            }
            if dry_run {
                return match crate::dry_run::text(&compiled, &file.display().to_string(), &set) {
                    Ok(t) => {
                        print!("{t}");
                        0
                    }
                    Err(e) => run_result(Err(e), format),
                };
            }
            let opts = crate::run::SolveOptions {
                out,
                reference,
                reference_file,
                sets: set,
                quiet,
                device,
                resume,
                source: source.map(|p| std::path::absolute(&p).unwrap_or(p)),
                log_every,
                comm,
                threads,
            };
            // Refuse a step that cannot fit before anything is allocated.
            if let Some(plan) = &compiled.plan
                && let Err(d) = pdec_solve::memory::guard(plan, max_memory, opts.device.is_cpu())
            {
                let mut diags = Diags::default();
                diags.push(*d);
                print_diags(
                    &diags,
                    &compiled.program.sources,
                    format,
                    "nothing was trained",
                );
                return 1;
            }
            let reference = opts.reference.clone();
            let dir = match crate::run::solve(&compiled, &text, &opts) {
                Ok(dir) => dir,
                Err(e) => return run_result(Err(e), format),
            };
            if !no_plots && opts.comm.is_root() {
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
        Command::Bench(spec) => {
            let Some(device) = open_device(&spec.device, format) else {
                return 1;
            };
            bench_command(&spec, &device, format)
        }
        Command::New { name, template } => crate::templates::new_command(&name, template, format),
        Command::Fmt { file, check } => fmt_command(&file, check, format),
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

fn burgers_csv(nu: f64, nt: usize, nx: usize) -> String {
    use crate::reference as r;
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
    csv
}

/// The Cole-Hopf solution of viscous Burgers on a grid, as a CSV table `t,x,u`.
fn burgers_table(nu: f64, nt: usize, nx: usize, out: &Path) -> i32 {
    if nt < 1 || nx < 2 || !nu.is_finite() || nu <= 0.0 {
        eprintln!("error: need nt >= 1, nx >= 2 and nu > 0");
        return 1;
    }
    let csv = crate::progress::spinner("tabulating the Cole-Hopf solution", || {
        burgers_csv(nu, nt, nx)
    });
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

/// The default parameter points of `pdec reference burgers-family`: `(nu, alpha, a, b)`.
const BURGERS_FAMILY_POINTS: [[f64; 4]; 5] = [
    // Smallest viscosity, largest advection, compressive data: the steepest front.
    [0.01, 1.0, 1.0, -1.0],
    // Same, expanding.
    [0.01, 1.0, -1.0, 1.0],
    // Largest viscosity, almost no advection: nearly the heat equation.
    [0.1, 0.01, -1.0, 1.0],
    // The middle of the box.
    [0.055, 0.5, 0.5, -0.5],
    // An asymmetric interior point.
    [0.03, 0.3, -0.8, 0.2],
];

/// `t,x,nu,alpha,a,b,u` rows of the finite-difference solution at each parameter point.
fn burgers_family_csv(points: &[[f64; 4]], nt: usize, nx: usize) -> String {
    use crate::reference as r;
    let mut csv = String::from("t,x,nu,alpha,a,b,u\n");
    for &[nu, alpha, a, b] in points {
        for i in 0..nt {
            let t = if nt == 1 {
                1.0
            } else {
                i as f64 / (nt - 1) as f64
            };
            // One extrapolated profile per time level, interpolated at the table's x.
            let (x0, h, u) = r::burgers_fd_profile(nu, alpha, a, b, t);
            for j in 0..nx {
                let x = j as f64 / (nx - 1) as f64;
                let v = r::numerics::interp_cubic(x0, h, &u, x);
                csv.push_str(&format!("{t},{x},{nu},{alpha},{a},{b},{v:.12}\n"));
            }
        }
    }
    csv
}

/// Parses `nu,alpha,a,b`; `None` when it is not four finite numbers with `nu > 0`.
fn burgers_family_point(s: &str) -> Option<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()?;
    match v[..] {
        [nu, alpha, a, b] if nu > 0.0 => Some([nu, alpha, a, b]),
        _ => None,
    }
}

fn burgers_family_table(at: &[String], nt: usize, nx: usize, out: &Path) -> i32 {
    let mut points = Vec::new();
    for s in at {
        match burgers_family_point(s) {
            Some(p) => points.push(p),
            None => {
                eprintln!("error: `--at {s}` is not `nu,alpha,a,b` (four numbers, nu > 0)");
                return 1;
            }
        }
    }
    if points.is_empty() {
        points = BURGERS_FAMILY_POINTS.to_vec();
    }
    if nt < 1 || nx < 2 {
        eprintln!("error: need nt >= 1 and nx >= 2");
        return 1;
    }
    let csv = crate::progress::spinner("solving the Burgers family by finite differences", || {
        burgers_family_csv(&points, nt, nx)
    });
    if let Err(e) = crate::run::write_atomic(out, csv.as_bytes()) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return 1;
    }
    println!(
        "wrote {} points at {} parameter points to {}",
        points.len() * nt * nx,
        points.len(),
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
        ReferenceCommand::BurgersFamily { at, nt, nx, out } => {
            return burgers_family_table(&at, nt, nx, &out);
        }
        ReferenceCommand::Hjb {
            d,
            lambda,
            maturity,
            t,
            x,
            samples,
            seed,
        } => {
            let ok = d >= 1
                && samples >= 2
                && lambda.is_finite()
                && lambda > 0.0
                && maturity.is_finite()
                && (0.0..=maturity).contains(&t)
                && x.is_finite();
            if !ok {
                eprintln!(
                    "error: need d >= 1, samples >= 2, lambda > 0 and 0 <= t <= maturity (finite values)"
                );
                return 1;
            }
            let e = crate::progress::spinner("Monte Carlo over the Cole-Hopf transform", || {
                r::hjb_monte_carlo(lambda, maturity, t, &vec![x; d], samples, seed)
            });
            println!(
                "HJB u({t}, x = {x}) in d = {d}, lambda = {lambda}: {:.6} +- {:.6} (95%, {} samples)",
                e.value, e.half_width_95, e.samples
            );
            return 0;
        }
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
            let (v, tree) = crate::progress::spinner(
                "pricing by finite differences and a binomial tree",
                || {
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
                    (v, tree)
                },
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
                crate::progress::spinner("pricing the 1-D reduction", || {
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
                    )
                }),
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
                "  help: lower `lr`, set `clip = 1`, use `dtype = f64`, a smaller Monte Carlo `delta`, or `on_nan = rollback` (back to the last checkpoint with half the learning rate)"
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
        pdec_lang::source::SourceFile {
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
        let cols = pdec_solve::lower::Columns::new(p);
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
    let source = match pdec_lang::loader::read_file(path) {
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

/// `pdec bench`'s options.
#[derive(clap::Args, Debug)]
pub struct BenchSpec {
    /// Dimensions, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 10, 100, 200, 500])]
    d: Vec<usize>,
    /// Second-order paths: `exact`, `mc` (Monte Carlo with the default `mc_difference =
    /// values`; `mc_values` is the same), `mc_gradients` (`mc_difference = gradients`).
    #[arg(long, value_delimiter = ',', default_values_t = ["exact".to_string(), "mc".to_string(), "mc_gradients".to_string()])]
    path: Vec<String>,
    /// Precisions: `f32`, `f64`.
    #[arg(long, value_delimiter = ',', default_values_t = ["f32".to_string(), "f64".to_string()])]
    dtype: Vec<String>,
    /// Points per step (interior and initial batches alike).
    #[arg(long, value_delimiter = ',', default_values_t = [1024usize])]
    batch: Vec<usize>,
    /// DGM widths (3 layers by default).
    #[arg(long, value_delimiter = ',', default_values_t = [50usize, 128])]
    width: Vec<usize>,
    #[arg(long, default_value_t = 3)]
    layers: usize,
    /// Timed steps per row (the median is reported).
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Untimed steps before timing.
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// `cpu`, `cuda`, `cuda:N` or `auto`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Threads per training step (`pdec solve --threads`): `auto` or N.
    #[arg(long, default_value = "auto")]
    threads: String,
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    format: BenchFormat,
    /// Run every row in this process (by default each row runs in a child process, so
    /// that its peak memory is its own and an out-of-memory row cannot end the table).
    #[arg(long)]
    in_process: bool,
}

/// Runs one row in a child `pdec bench --in-process` and reads its JSON row back.
fn bench_child(spec: &BenchSpec, c: &crate::bench::Case) -> Result<crate::bench::Row, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(["bench", "--in-process", "--format", "json"])
        .args([
            "--d",
            &c.d.to_string(),
            "--path",
            c.path.name(),
            "--dtype",
            c.dtype,
        ])
        .args([
            "--batch",
            &c.batch.to_string(),
            "--width",
            &c.width.to_string(),
        ])
        .args([
            "--layers",
            &c.layers.to_string(),
            "--steps",
            &spec.steps.to_string(),
        ])
        .args([
            "--warmup",
            &spec.warmup.to_string(),
            "--device",
            &spec.device,
            "--threads",
            &spec.threads,
        ])
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().find_map(|l| serde_json::from_str(l).ok()) {
        Some(row) if out.status.success() => Ok(row),
        _ => Err(format!(
            "the row's process ended with {} ({})",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

fn bench_command(spec: &BenchSpec, device: &candle_core::Device, format: Format) -> i32 {
    let out = spec.format;
    let threads = match pdec_solve::device::threads(&spec.threads, device, 1) {
        Ok(n) => n,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    use crate::bench::{BenchPath, Case};
    let bad = |what: &str, help: &str| {
        print_one(
            Diag::error("pdec::cli::bad_bench", what.to_string()).help(help.to_string()),
            format,
        );
        1
    };
    let mut paths = Vec::new();
    for p in &spec.path {
        match p.as_str() {
            "exact" => paths.push(BenchPath::Exact),
            "mc" | "monte_carlo" | "mc_values" => paths.push(BenchPath::MonteCarlo),
            "mc_gradients" => paths.push(BenchPath::MonteCarloGradients),
            other => {
                return bad(
                    &format!("`{other}` is not a second-order path"),
                    "use `exact`, `mc` or `mc_gradients`",
                );
            }
        }
    }
    // `mc_values` names the default `mc`: one row each.
    let mut seen = Vec::new();
    paths.retain(|p| {
        let new = !seen.contains(p);
        seen.push(*p);
        new
    });
    let mut dtypes = Vec::new();
    for t in &spec.dtype {
        match t.as_str() {
            "f32" => dtypes.push("f32"),
            "f64" => dtypes.push("f64"),
            other => {
                return bad(
                    &format!("`{other}` is not a precision"),
                    "use `f32` or `f64`",
                );
            }
        }
    }
    let sizes = spec.d.iter().chain(&spec.batch).chain(&spec.width);
    if sizes.clone().any(|&n| n == 0) || spec.layers == 0 || spec.steps == 0 {
        return bad(
            "`--d`, `--batch`, `--width`, `--layers` and `--steps` must be at least 1",
            "e.g. `pdec bench --d 10,100 --steps 5`",
        );
    }
    if spec.d.iter().any(|&d| d > 100_000) {
        return bad(
            "`--d` above 100000",
            "the benchmark builds d directions per point",
        );
    }
    let mut cases = Vec::new();
    for &width in &spec.width {
        for &dtype in &dtypes {
            for &path in &paths {
                for &batch in &spec.batch {
                    for &d in &spec.d {
                        cases.push(Case {
                            d,
                            path,
                            dtype,
                            batch,
                            width,
                            layers: spec.layers,
                        });
                    }
                }
            }
        }
    }
    let mut rows = Vec::new();
    let mut failed = false;
    for c in &cases {
        let result = if spec.in_process || cases.len() == 1 {
            crate::bench::run_case(c, spec.warmup, spec.steps, device, threads)
        } else {
            bench_child(spec, c)
        };
        match result {
            Ok(row) => {
                if out == BenchFormat::Json {
                    println!("{}", serde_json::to_string(&row).unwrap_or_default());
                } else {
                    eprintln!(
                        "d {:>4} {:<5} {} width {:>4}: {:.2} ms/step",
                        row.d, row.path, row.dtype, row.width, row.ms_per_step
                    );
                }
                rows.push(row);
            }
            Err(why) => {
                failed = true;
                eprintln!(
                    "error: d {} {} {} width {} failed: {why}",
                    c.d,
                    c.path.name(),
                    c.dtype,
                    c.width
                );
            }
        }
    }
    if out == BenchFormat::Table {
        print!("{}", crate::bench::table(&rows));
    }
    if failed { 2 } else { 0 }
}

/// The original problem path recorded in a run's settings.json, and the run's `--set`
/// overrides merged in front of `set` (a key given again now wins).
fn resume_inputs(dir: &Path, set: &mut Vec<String>) -> Result<Option<PathBuf>, Box<Diag>> {
    let bad = |why: String| {
        Box::new(
            Diag::error(
                "pdec::run::bad_checkpoint",
                format!("cannot resume `{}`: {why}", dir.display()),
            )
            .help("`--resume` takes a run directory written by `pdec solve` (with problem.pde, settings.json and checkpoint.safetensors)"),
        )
    };
    let text = std::fs::read_to_string(dir.join("settings.json"))
        .map_err(|e| bad(format!("settings.json: {e}")))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("settings.json: {e}")))?;
    let key = |s: &str| s.split('=').next().unwrap_or("").trim().to_string();
    let new_keys: Vec<String> = set.iter().map(|s| key(s)).collect();
    let mut merged: Vec<String> = json["set"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .filter(|s| !new_keys.contains(&key(s)))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    merged.append(set);
    *set = merged;
    if !dir.join("problem.pde").is_file() {
        return Err(bad("it has no problem.pde".into()));
    }
    Ok(json["source"].as_str().map(PathBuf::from))
}

/// `--device`, opened, or its diagnostic printed.
fn open_device(name: &str, format: Format) -> Option<candle_core::Device> {
    match pdec_solve::device::parse(name).and_then(pdec_solve::device::open) {
        Ok(d) => Some(d),
        Err(d) => {
            print_one(*d, format);
            None
        }
    }
}

/// `pdec fmt FILE [--check]`.
pub fn fmt_command(path: &Path, check: bool, format: Format) -> i32 {
    let source = match pdec_lang::loader::read_file(path) {
        Ok(s) => s,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    let mut map = pdec_lang::source::SourceMap::default();
    let id = map.add(source.name.clone(), source.text.clone());
    let mut diags = pdec_lang::diag::Diags::default();
    pdec_lang::syntax::parse(id, map.get(id), &mut diags);
    if diags.has_errors() {
        print_diags(&diags, &map, format, "nothing was formatted");
        return 1;
    }
    let out = match pdec_lang::fmt::format(&source.text) {
        Ok(o) => o,
        Err(why) => {
            eprintln!(
                "error: internal error in pdec fmt: {why} (this is a bug; please report it with the input file)"
            );
            return 2;
        }
    };
    if !check {
        print!("{out}");
        return 0;
    }
    match pdec_lang::fmt::first_difference(&source, &out) {
        None => 0,
        Some((range, expected)) => {
            let mut diags = pdec_lang::diag::Diags::default();
            diags.push(
                pdec_lang::diag::Diag::error(
                    "pdec::fmt::not_formatted",
                    format!("`{}` is not in the canonical layout", source.name),
                )
                .primary(
                    pdec_lang::source::Span::new(id, range.start, range.end),
                    match expected {
                        Some(e) if e.is_empty() => {
                            "the canonical layout has a blank line here".to_string()
                        }
                        Some(e) => format!("the canonical layout has `{e}`"),
                        None => "the canonical layout ends before this line".to_string(),
                    },
                )
                .help(format!(
                    "`pdec fmt {}` prints the file in the canonical layout",
                    path.display()
                )),
            );
            print_diags(&diags, &map, format, "");
            1
        }
    }
}
