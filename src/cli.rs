//! The command line: the clap definition of `pdec` and its subcommands, and [`run`], which
//! dispatches each to its file under [`crate::commands`]. A subcommand's own option types
//! live beside its code there (`SolveArgs`, `BenchSpec`, `ReferenceCommand`, ...); this file
//! holds the top level and the variants whose options are few.

use crate::commands::bench::BenchSpec;
use crate::commands::explain::ExplainFormat;
use crate::commands::export::ExportFormat;
use crate::commands::new::Template;
use crate::commands::reference::ReferenceCommand;
use crate::commands::report;
use crate::commands::solve::SolveArgs;
use crate::commands::{
    bench, check, eval, explain, export, fmt, lsp, new, plot, reference, solve, std as std_cmd,
};
use clap::{Parser, Subcommand, ValueEnum};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use std::io::IsTerminal;
use std::path::PathBuf;

// `pdec`'s command line. A plain comment: clap would take a doc comment here for help text.
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
    /// Change a size limit on inputs and the work they ask for, e.g. `--limit
    /// table_bytes=1GiB`, `--limit grid_points=5e7` (the limits: docs/RELIABILITY.md).
    #[arg(long = "limit", value_name = "NAME=VALUE", global = true)]
    pub limits: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// How diagnostics are printed: `--message-format`, and in human form `--color` (auto:
    /// standard error is a terminal and `NO_COLOR` is unset).
    pub fn format(&self) -> Format {
        match self.message_format {
            MessageFormat::Json => Format::Json,
            MessageFormat::Human => Format::Human {
                color: match self.color {
                    Color::Always => true,
                    Color::Never => false,
                    Color::Auto => {
                        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                    }
                },
                width: 100,
            },
        }
    }
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
    Solve(SolveArgs),
    /// Write a commented starter problem `NAME.pde` from a template.
    New {
        name: PathBuf,
        #[arg(long, value_enum, default_value_t = Template::Heat)]
        template: Template,
    },
    /// Print a `.pde` file in the canonical layout (comments kept, meaning unchanged).
    Fmt {
        file: PathBuf,
        /// Print nothing; exit 1 naming the first line that differs if the file is not in
        /// the canonical layout.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server for editors (the Language Server Protocol over standard input
    /// and output): diagnostics as you type, hover, completion, go to definition, formatting.
    Lsp {
        /// Speak over standard input and output: the default and only transport (clients
        /// such as VS Code's may pass it).
        #[arg(long)]
        stdio: bool,
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

/// Reads every `--limit NAME=VALUE` and sets them for the process, or refuses the first
/// that is not one (`pdec::cli::bad_limit`), before any command runs.
fn install_limits(given: &[String]) -> Result<(), Box<Diag>> {
    use pdec_lang::limits::{self, ALL};
    let mut parsed = Vec::new();
    for text in given {
        let limit = limits::parse(text).map_err(|why| {
            let names: Vec<&str> = ALL.iter().map(|l| l.name()).collect();
            Box::new(
                Diag::error("pdec::cli::bad_limit", format!("`--limit {text}`: {why}"))
                    .help(format!(
                        "e.g. `--limit table_bytes=1GiB` or `--limit grid_points=5e7`; the limits are {}",
                        names.join(", ")
                    )),
            )
        })?;
        parsed.push(limit);
    }
    limits::install(&parsed);
    Ok(())
}

/// Runs the command line; exit codes: 0 accepted, 1 the input has errors, 2 internal error
/// (a bug), 3 training diverged, 4 a training-health finding under `pdec solve --strict`.
pub fn run(cli: Cli) -> i32 {
    let format = cli.format();
    // Tests only: a panic on demand, to prove that a bug is reported as a diagnostic in both
    // message formats (`main`'s panic hook; docs/RELIABILITY.md).
    if std::env::var_os("PDEC_FAULT_PANIC").is_some() {
        panic!("PDEC_FAULT_PANIC is set");
    }
    if let Err(d) = install_limits(&cli.limits) {
        report::print_one(*d, format);
        return 1;
    }
    match cli.command {
        Command::Check { files, set } => check::execute(&files, &set, format),
        Command::Explain {
            file,
            set,
            format: out,
        } => explain::execute(&file, &set, out, format),
        Command::Std { module } => std_cmd::execute(module.as_deref(), format),
        Command::Solve(args) => solve::execute(args, format),
        Command::Plot { run, svg, slice } => plot::execute(&run, svg, slice.as_deref(), format),
        Command::Export {
            run,
            grid,
            points,
            format: out,
            gradient,
            output,
        } => export::execute(
            &run,
            grid.as_deref(),
            points.as_deref(),
            out,
            gradient,
            &output,
            format,
        ),
        Command::Reference { what } => reference::execute(what, format),
        Command::Bench(spec) => bench::execute(&spec, format),
        Command::New { name, template } => new::execute(&name, template, format),
        Command::Fmt { file, check } => fmt::execute(&file, check, format),
        Command::Lsp { stdio: _ } => lsp::execute(),
        Command::Eval {
            run,
            at,
            points,
            output,
        } => eval::execute(&run, &at, points.as_deref(), output.as_deref(), format),
    }
}
