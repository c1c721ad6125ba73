//! `pdec bench`: milliseconds per training step and peak memory of the DGM network on a
//! `d`-dimensional heat problem, for the exact and Monte Carlo second-order paths.
//!
//! Each row compiles a generated `.pde` problem (so the step timed is the one `pdec solve`
//! runs, through [`train::train_step`]), runs `warmup` untimed steps and then `steps` timed
//! ones, and reports the median. Peak memory is the process's peak resident set during the
//! row on the CPU (Linux resets it per row through `/proc/self/clear_refs`), and the GPU
//! memory in use after the row on CUDA.

use candle_core::Device;
use pdec_lang::driver;
use pdec_lang::source::SourceFile;
use pdec_solve::nn::Net;
use pdec_solve::train::{self, Adam, LossProgram, StepOutcome};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One configuration to time.
#[derive(Clone, Debug)]
pub struct Case {
    pub d: usize,
    pub path: BenchPath,
    pub dtype: &'static str,
    pub batch: usize,
    pub width: usize,
    pub layers: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchPath {
    Exact,
    /// The Monte Carlo path with the default difference (`mc_difference = values`).
    MonteCarlo,
    /// The Monte Carlo path with `mc_difference = gradients` (the DGM paper's difference of
    /// directional derivatives).
    MonteCarloGradients,
    /// The Monte Carlo path with `mc_noise = coordinates` (sampled coordinates, SDGD) and the
    /// default difference of values.
    MonteCarloCoordinates,
}

impl BenchPath {
    pub fn name(self) -> &'static str {
        match self {
            BenchPath::Exact => "exact",
            BenchPath::MonteCarlo => "mc",
            BenchPath::MonteCarloGradients => "mc_gradients",
            BenchPath::MonteCarloCoordinates => "mc_coordinates",
        }
    }
}

/// One measured row (`--format json` prints these, one object per line).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub d: usize,
    pub path: String,
    pub dtype: String,
    pub batch: usize,
    pub width: usize,
    pub layers: usize,
    pub device: String,
    /// Threads per step (`--threads`).
    #[serde(default)]
    pub threads: usize,
    pub ms_per_step: f64,
    /// Fastest and slowest timed step, to show the spread on a noisy machine.
    pub ms_min: f64,
    pub ms_max: f64,
    pub peak_mem_mb: Option<f64>,
    /// The resource guard's estimate for this row (`memory::estimate`), to compare with the
    /// measured peak.
    #[serde(default)]
    pub estimated_mb: Option<f64>,
    /// The work per point, as the plan counts it for `pdec explain` and the memory estimate:
    /// the base pass's channels (value, tangent directions, second-order channels)
    /// and the Monte Carlo path's network passes at shifted points `x +- v`.
    #[serde(default)]
    pub channels: usize,
    #[serde(default)]
    pub shifted: usize,
    pub steps: usize,
}

/// The benchmark problem: `du/dt = 1/2 lap(u)` on `[-1, 1]^d` from `|x|^2 / d`, no
/// boundary data. Its PDE term has d second-order directions on the exact path and two
/// draws on the Monte Carlo path: the cost that grows with d is the second-order term.
pub fn problem_source(c: &Case, steps: usize) -> String {
    let second_order = match c.path {
        BenchPath::Exact => "exact",
        BenchPath::MonteCarlo => "monte_carlo()",
        BenchPath::MonteCarloGradients => "monte_carlo()\n  mc_difference = gradients",
        BenchPath::MonteCarloCoordinates => "monte_carlo()\n  mc_noise = coordinates",
    };
    format!(
        "problem bench\n\
         const d = {d}\n\
         time    t in [0, 1]\n\
         space   x in [-1, 1]^d\n\
         unknown u(t, x)\n\
         boundary none\n\
         pde     d(u, t) = 0.5 * lap(u)\n\
         initial u = sum(i in 1..d) x[i]^2 / d\n\
         solve {{\n  net = dgm(layers = {layers}, width = {width})\n  batch = {batch}\n  \
         steps = {steps}\n  lr = 1e-4\n  second_order = {second_order}\n  dtype = {dtype}\n  \
         lr_schedule = constant\n}}\n",
        d = c.d,
        layers = c.layers,
        width = c.width,
        batch = c.batch,
        dtype = c.dtype,
    )
}

/// Times one case. Errors are strings: the cases are generated, so a failure is a bug (or
/// an out-of-memory on a large case), reported in the table rather than aborting it.
pub fn run_case(
    c: &Case,
    warmup: usize,
    steps: usize,
    device: &Device,
    threads: usize,
) -> Result<Row, String> {
    let text = problem_source(c, warmup + steps);
    let compiled = driver::compile(
        SourceFile {
            name: format!("bench_d{}.pde", c.d),
            text,
        },
        &[],
    );
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(format!(
            "the benchmark problem did not compile: {:?}",
            compiled.diags
        ));
    };
    let st = &checked.settings;
    let dt = match st.plan.dtype {
        pdec_lang::settings::DType::F32 => candle_core::DType::F32,
        pdec_lang::settings::DType::F64 => candle_core::DType::F64,
    };
    let e = |e: candle_core::Error| e.to_string();
    let mut program = LossProgram::new(&checked.problem, plan, device.clone());
    program.workers = threads;
    let mem_before = pdec_solve::device::gpu_memory_used(device);
    reset_peak_rss();
    pdec_solve::device::tune_cpu_matmul(st.plan.net.width, threads);
    let net = Net::for_plan(plan, st.run.seed, dt, device).map_err(e)?;
    let mut adam = Adam::new(&net.params).map_err(e)?;
    let mut points = train::CarriedPoints::default();
    let mut balance = train::TermBalance::for_plan(st.run.balance, plan);
    let mut times = Vec::with_capacity(steps);
    let comm = pdec_solve::distributed::Comm::single();
    for step in 0..(warmup + steps) as u64 {
        let start = Instant::now();
        let control = train::Control {
            stop: false,
            elapsed: 0.0,
        };
        let stepped = train::train_step(
            &program,
            &st.run,
            &net,
            &mut adam,
            step,
            &mut points,
            &mut balance,
            &comm,
            control,
            |_| st.run.lr,
        )
        .map_err(e)?;
        if let StepOutcome::NotFinite { term, .. } = stepped.outcome {
            return Err(format!("loss term {term} became NaN at step {step}"));
        }
        device.synchronize().map_err(e)?;
        if step as usize >= warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let peak_mem_mb = if device.is_cuda() {
        match (mem_before, pdec_solve::device::gpu_memory_used(device)) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / 1048576.0),
            _ => None,
        }
    } else {
        peak_rss_mb()
    };
    Ok(Row {
        d: c.d,
        path: c.path.name().to_string(),
        dtype: c.dtype.to_string(),
        batch: c.batch,
        width: c.width,
        layers: c.layers,
        device: pdec_solve::device::name(device),
        threads: program.effective_workers(&points.batches),
        ms_per_step: median(&times),
        ms_min: times.first().copied().unwrap_or(f64::NAN),
        ms_max: times.last().copied().unwrap_or(f64::NAN),
        peak_mem_mb,
        estimated_mb: Some(
            pdec_solve::memory::estimate(plan, st.run.polish.as_ref()).bytes / 1048576.0,
        ),
        channels: 1 + plan.cost.tangents + plan.cost.second_order_channels,
        shifted: plan.cost.monte_carlo_shifted_points,
        steps,
    })
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    }
}

/// Resets the kernel's peak-RSS counter (VmHWM) so each row reports its own peak.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The human table, followed by how step time grows with d and the Monte Carlo speed-up.
pub fn table(rows: &[Row]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<5}  {:<5}  {:>5}  {:>5}  {:>8}  {:>7}  {:>8}  {:>7}  {:>12}  {:>17}  {:>12}  {:>10}",
        "d",
        "path",
        "dtype",
        "batch",
        "width",
        "device",
        "threads",
        "channels",
        "shifted",
        "ms/step",
        "min..max",
        "peak MB",
        "est. MB"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>5}  {:<5}  {:<5}  {:>5}  {:>5}  {:>8}  {:>7}  {:>8}  {:>7}  {:>12.2}  {:>17}  {:>12}  {:>10}",
            r.d,
            r.path,
            r.dtype,
            r.batch,
            r.width,
            r.device,
            r.threads,
            r.channels,
            r.shifted,
            r.ms_per_step,
            format!("{:.1}..{:.1}", r.ms_min, r.ms_max),
            r.peak_mem_mb
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "-".into()),
            r.estimated_mb
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "-".into()),
        );
    }
    // Growth with d and the Monte Carlo speed-up, per (dtype, width).
    let mut groups: Vec<(&str, usize)> = rows.iter().map(|r| (r.dtype.as_str(), r.width)).collect();
    groups.sort();
    groups.dedup();
    for (dtype, width) in groups {
        for path in ["exact", "mc", "mc_gradients", "mc_coordinates"] {
            let mut g: Vec<&Row> = rows
                .iter()
                .filter(|r| r.dtype == dtype && r.width == width && r.path == path)
                .collect();
            g.sort_by_key(|r| r.d);
            if let (Some(a), Some(b)) = (g.first(), g.last())
                && a.d != b.d
            {
                let _ = writeln!(
                    s,
                    "{path} {dtype} width {width}: d {} -> {}: step time x{:.1}",
                    a.d,
                    b.d,
                    b.ms_per_step / a.ms_per_step
                );
            }
        }
        let mut ds: Vec<usize> = rows.iter().map(|r| r.d).collect();
        ds.sort();
        ds.dedup();
        for d in ds {
            let find = |p: &str| {
                rows.iter()
                    .find(|r| r.dtype == dtype && r.width == width && r.d == d && r.path == p)
            };
            for (path, what) in [
                ("mc", "Monte Carlo"),
                ("mc_gradients", "Monte Carlo (gradients)"),
                ("mc_coordinates", "Monte Carlo (coordinates)"),
            ] {
                if let (Some(ex), Some(mc)) = (find("exact"), find(path)) {
                    let _ = writeln!(
                        s,
                        "d {d} {dtype} width {width}: {what} {:.1}x faster than exact",
                        ex.ms_per_step / mc.ms_per_step
                    );
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(path: BenchPath) -> Case {
        Case {
            d: 3,
            path,
            dtype: "f32",
            batch: 16,
            width: 8,
            layers: 1,
        }
    }

    #[test]
    fn the_benchmark_problem_compiles_on_both_paths() {
        for path in [
            BenchPath::Exact,
            BenchPath::MonteCarlo,
            BenchPath::MonteCarloGradients,
            BenchPath::MonteCarloCoordinates,
        ] {
            let row = run_case(&case(path), 1, 2, &Device::Cpu, 2).expect("row");
            assert_eq!(row.d, 3);
            assert_eq!(row.steps, 2);
            assert!(row.ms_per_step > 0.0 && row.ms_min <= row.ms_max);
        }
    }

    #[test]
    fn the_path_setting_reaches_the_plan() {
        use pdec_lang::passes::second_order::Path;
        use pdec_lang::settings::McDifference;
        for (path, want, difference) in [
            (BenchPath::Exact, Path::Exact, McDifference::Values),
            (
                BenchPath::MonteCarlo,
                Path::MonteCarlo,
                McDifference::Values,
            ),
            (
                BenchPath::MonteCarloGradients,
                Path::MonteCarlo,
                McDifference::Gradients,
            ),
            (
                BenchPath::MonteCarloCoordinates,
                Path::MonteCarlo,
                McDifference::Values,
            ),
        ] {
            let c = driver::compile(
                SourceFile {
                    name: "b.pde".into(),
                    text: problem_source(&case(path), 3),
                },
                &[],
            );
            assert_eq!(
                c.checked.as_ref().expect("c").settings.plan.mc_difference,
                difference
            );
            let plan = c.plan.expect("plan");
            assert!(plan.second_order.iter().all(|t| t.path == want));
            assert!(!plan.second_order.is_empty());
        }
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), 2.5);
    }
}
