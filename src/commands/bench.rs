//! `pdec bench`: the command-line side of the training-step benchmark in [`crate::bench`]
//! (its options, the rows they span, one child process per row, the table or JSON lines).

use crate::commands::report::{open_device, print_one};
use clap::ValueEnum;
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;

/// `--format`: a table at the end, or one JSON line per row as it is timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    Table,
    Json,
}

/// `pdec bench`'s options.
#[derive(clap::Args, Debug)]
pub struct BenchSpec {
    /// Dimensions, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 10, 100, 200, 500])]
    d: Vec<usize>,
    /// Second-order paths: `exact`, `mc` (Monte Carlo with the default `mc_difference =
    /// values`; `mc_values` is the same), `mc_gradients` (`mc_difference = gradients`),
    /// `mc_coordinates` (`mc_noise = coordinates`: sampled coordinates, SDGD).
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

/// Opens `--device` and runs the benchmark; 2 when a row failed.
pub fn execute(spec: &BenchSpec, format: Format) -> i32 {
    let Some(device) = open_device(&spec.device, format) else {
        return 1;
    };
    bench_command(spec, &device, format)
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
        // The child's first line says why (an allocation that failed, a diagnostic).
        _ => Err(format!(
            "the row's process ended with {} ({})",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("nothing on standard error")
                .trim()
        )),
    }
}

/// Builds the table's rows from the lists in `spec` and times each, in a child process
/// unless `--in-process` or a single row.
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
            "mc_coordinates" => paths.push(BenchPath::MonteCarloCoordinates),
            other => {
                return bad(
                    &format!("`{other}` is not a second-order path"),
                    "use `exact`, `mc`, `mc_gradients` or `mc_coordinates`",
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
                } else if matches!(format, Format::Json) {
                    crate::progress::json_event(
                        "",
                        "progress",
                        serde_json::to_value(&row).unwrap_or_default(),
                    );
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
                print_one(
                    Diag::error(
                        "pdec::bench::case_failed",
                        format!(
                            "the row d {} {} {} width {} batch {} failed: {why}",
                            c.d,
                            c.path.name(),
                            c.dtype,
                            c.width,
                            c.batch
                        ),
                    )
                    .help("a row fails when its step does not fit the machine (memory, the device): lower `--batch`, `--d` or `--width`; the other rows are measured and printed"),
                    format,
                );
            }
        }
    }
    if out == BenchFormat::Table {
        print!("{}", crate::bench::table(&rows));
    }
    i32::from(failed)
}
