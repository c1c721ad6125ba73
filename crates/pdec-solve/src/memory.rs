//! The resource guard (issue 6): before `pdec solve` allocates anything, estimate the memory
//! of one training step from the plan and the settings, and refuse with
//! `pdec::run::too_much_memory`, naming the setting to lower, when the estimate exceeds the
//! memory this process may take on a CPU run (the host's `MemAvailable`, or less where a
//! cgroup memory limit leaves less: [`crate::host::memory_available`]) or the
//! `--max-memory SIZE` limit.
//!
//! The model (docs/RELIABILITY.md has its calibration): a step keeps, for every network layer,
//! a fixed number of `[N, width]` tensors per jet channel for the backward pass, so
//!
//! ```text
//! bytes = BASE + PARAM_COPIES * params * b + ALPHA(kind) * b * width * (layers + 1) * sum_terms(points * channels)
//!       + b * inputs * (ROWS_PER_POINT * sum_terms(points) + ROWS_PER_SHIFTED * shifted rows)
//! ```
//!
//! `BASE` = 45 MiB, `ALPHA` = 36 for DGM (a DGM layer is four gates, each a jet through
//! `tanh`, with products of jets) and 5 for the MLP, fitted to the peak RSS of 24 `pdec bench`
//! rows (within 16%) and checked on `pdec solve` runs (within -31% .. +9%). The last line, the
//! `[N, inputs]` tensors (the points on the device and the host's f64 draw, the Monte Carlo
//! noise, directions and shifted points), and `PARAM_COPIES` were fitted to the Monte Carlo
//! rows at d = 1,000 to 100,000 (docs/RELIABILITY.md): there the input layer holds almost all
//! the parameters and the points' rows are as wide as the input, which the `[N, width]` model
//! leaves out (it was 5.7x under the measured peak at d = 100,000).
//!
//! with `b` the dtype's size, `params` the network's parameter count (value, gradient, two Adam
//! moments, the checkpoint and the divergence guard's best state, the stacked input weights and
//! their product's gradient, Adam's temporaries) and, per loss term, its batch times its jet channels: the PDE
//! term carries the value, its tangent directions and one second-order channel per exact
//! direction; the Monte Carlo path adds a batch for each of its shifted points `x +- v`
//! (`plan::MonteCarloPlan::shifted_points`), each with one tangent for a difference of
//! directional derivatives and none for a difference of values; boundary, initial and periodic terms carry the value and about one tangent.

use pdec_lang::diag::Diag;
use pdec_lang::plan::{Plan, TermKind};
use pdec_lang::settings::{DType, NetKind, Polish, Settings};

/// Resident memory of the process besides the step (binary, allocator, front end), in bytes.
pub const BASE: f64 = 45.0 * MIB;
/// Stored `[N, width]` tensors per layer and channel (calibrated, see docs/RELIABILITY.md).
pub const ALPHA_DGM: f64 = 36.0;
pub const ALPHA_MLP: f64 = 5.0;
/// Parameter-sized tensors alive at a step's peak (fitted at d = 100,000, where the input
/// weights are 99.9% of the parameters).
pub const PARAM_COPIES: f64 = 17.0;
/// `[N, inputs]` tensors per point of a loss term (fitted on `mc_noise = coordinates`, whose
/// shifted points add no such rows).
pub const ROWS_PER_POINT: f64 = 7.0;
/// `[N, inputs]` tensors per shifted point `x +- v` under dense Monte Carlo noise (the noise,
/// the directions and the shifted points themselves).
pub const ROWS_PER_SHIFTED: f64 = 3.3;

const MIB: f64 = 1024.0 * 1024.0;

/// The estimate and what it is made of.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub bytes: f64,
    pub params: f64,
    /// Jet channels of the PDE term per point (value, tangents, second-order channels).
    pub pde_channels: f64,
    /// Point-channels of one step over all terms.
    pub point_channels: f64,
    /// Exact second-order directions of the PDE term.
    pub exact_directions: usize,
    /// `[N, inputs]` rows of one step: every term's points, and the Monte Carlo path's shifted
    /// points where its noise is dense, weighted as in the model.
    pub input_rows: f64,
}

/// Parameters of the network for `input` columns.
pub fn parameters(kind: NetKind, layers: usize, width: usize, input: usize) -> f64 {
    let (l, w, d) = (layers as f64, width as f64, input as f64);
    match kind {
        // Input layer, then per layer 4 gates of (U: w x d + bias, W: w x w), then the output.
        NetKind::Dgm => (w * d + w) + l * 4.0 * (w * d + w + w * w) + (w + 1.0),
        NetKind::Mlp => (d * w + w) + (l - 1.0).max(0.0) * (w * w + w) + (w + 1.0),
    }
}

/// The peak memory of a training step of `plan`, with the host memory of a `polish`.
pub fn estimate(plan: &Plan, polish: Option<&Polish>) -> Estimate {
    let s = &plan.settings;
    let b = match s.dtype {
        DType::F32 => 4.0,
        DType::F64 => 8.0,
    };
    // Each network's parameters and activations (several: `plan::networks`).
    let nets: Vec<&pdec_lang::settings::Net> = match plan.networks.len() > 1 {
        true => plan.networks.iter().map(|n| &n.net).collect(),
        false => vec![&s.net],
    };
    let params: f64 = nets
        .iter()
        .map(|n| parameters(n.kind, n.layers, n.width, plan.layout.net_width()))
        .sum();
    // The base pass's tangent directions and second-order channels, as the step lays them
    // out (the plan counts them); at least one tangent, as calibrated.
    let c = &plan.cost;
    let exact = c.second_order_directions;
    let tangents = c.tangents.max(1);
    let channels = c.second_order_channels;
    let pde_channels = 1.0 + tangents as f64 + channels as f64;
    let mut point_channels = 0.0;
    let mut points = 0.0;
    for t in &plan.terms {
        let n = t.batch as f64;
        points += match t.kind {
            TermKind::Constraint => 0.0,
            TermKind::Periodic => 2.0 * n,
            TermKind::Gauge => match t.region {
                pdec_lang::geometry::region::Region::Gauge { group } => group as f64 * n,
                _ => n,
            },
            _ => n,
        };
        point_channels += match t.kind {
            TermKind::Pde => n * pde_channels,
            // Shares the PDE term's pass.
            TermKind::Constraint => 0.0,
            // Two passes (both faces) with one tangent each.
            TermKind::Periodic => 4.0 * n,
            // A value at each of the group's points.
            TermKind::Gauge => match t.region {
                pdec_lang::geometry::region::Region::Gauge { group } => group as f64 * n,
                _ => n,
            },
            _ => 2.0 * n,
        };
    }
    let mut input_rows = ROWS_PER_POINT * points;
    if let Some(mc) = &plan.monte_carlo {
        // The shifted points x +- v of every draw, each a value and, for a difference of
        // directional derivatives, one tangent.
        let channels = 1.0 + f64::from(u8::from(mc.shifted_tangent()));
        let shifted = mc.shifted_points() as f64 * plan.pde_batch() as f64;
        point_channels += shifted * channels;
        // Sampled coordinates move one input column: no `[N, inputs]` noise or shifted rows.
        if mc.noise != pdec_lang::settings::McNoise::Coordinates {
            input_rows += ROWS_PER_SHIFTED * shifted;
        }
    }

    // The L-BFGS polish keeps its fixed points on the host (f64, with normals on faces: at
    // most twice the columns) and `history` pairs of weight-sized f64 vectors.
    let polish = polish.map_or(0.0, |po| {
        let points: f64 = plan.terms.iter().map(|t| t.batch as f64).sum();
        po.batches as f64 * points * 2.0 * plan.layout.width as f64 * 8.0
            + (2.0 * po.history as f64 + 8.0) * params * 8.0
    });
    let activations: f64 = nets
        .iter()
        .map(|n| {
            let alpha = match n.kind {
                NetKind::Dgm => ALPHA_DGM,
                NetKind::Mlp => ALPHA_MLP,
            };
            let (w, l) = (n.width as f64, n.layers as f64);
            alpha * b * w * (l + 1.0) * point_channels
        })
        .sum();
    let bytes = BASE
        + PARAM_COPIES * params * b
        + activations
        + b * plan.layout.width as f64 * input_rows
        + polish;
    Estimate {
        bytes,
        params,
        pde_channels,
        point_channels,
        exact_directions: exact,
        input_rows,
    }
}

/// `8G`, `512M`, `64k`, `1.5GiB`, `2GB`, `1000000` (bytes): binary units, case-insensitive.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. `8G`, `512M`)"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => MIB * 1024.0,
        "t" | "tb" | "tib" => MIB * MIB,
        u => return Err(format!("unknown unit `{u}` in `{text}` (use K, M, G or T)")),
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes < 1.0 {
        return Err(format!("`{text}` is not a positive size"));
    }
    Ok(bytes.min(u64::MAX as f64) as u64)
}

pub fn human(bytes: f64) -> String {
    if bytes >= 1024.0 * MIB * 1024.0 {
        format!("{:.1} TiB", bytes / (MIB * MIB))
    } else if bytes >= 1024.0 * MIB {
        format!("{:.1} GiB", bytes / (1024.0 * MIB))
    } else {
        format!("{:.0} MiB", (bytes / MIB).max(1.0))
    }
}

/// Refuses a plan whose step would not fit: `limit` from `--max-memory`, and the memory this
/// process may take when `cpu` (host and cgroup; a GPU's memory is its own: only
/// `--max-memory` applies).
pub fn guard(
    plan: &Plan,
    settings: &Settings,
    limit: Option<u64>,
    cpu: bool,
) -> Result<Estimate, Box<Diag>> {
    guard_runs(plan, settings, limit, cpu, 1)
}

/// [`guard`] for `runs` trainings of the plan side by side in one process (`pdec solve
/// --seeds`): their steps together must fit.
pub fn guard_runs(
    plan: &Plan,
    settings: &Settings,
    limit: Option<u64>,
    cpu: bool,
    runs: usize,
) -> Result<Estimate, Box<Diag>> {
    let mut e = estimate(plan, settings.run.polish.as_ref());
    e.bytes *= runs.max(1) as f64;
    let avail = if cpu {
        crate::host::memory_available()
    } else {
        None
    };
    let (cap, what) = match (limit.map(|l| l as f64), avail) {
        (Some(l), Some((a, bound))) if a < l => (a, bound.describe()),
        (Some(l), _) => (l, "the `--max-memory` limit"),
        (None, Some((a, bound))) => (a, bound.describe()),
        (None, None) => return Ok(e),
    };
    if e.bytes <= cap {
        return Ok(e);
    }
    let s = &plan.settings;
    let mut d = Diag::error(
        "pdec::run::too_much_memory",
        format!(
            "{} about {}, more than {what} ({})",
            match runs {
                0 | 1 => "a training step needs".to_string(),
                n => format!("{n} training steps side by side (`--seeds`) need"),
            },
            human(e.bytes),
            human(cap)
        ),
    );
    let span = ["batch", "net", "second_order", "mc_draws"]
        .iter()
        .find_map(|k| settings.key_spans.get(*k).copied());
    if let Some(span) = span {
        d = d.primary(span, "this setting decides the memory of a step");
    }
    // The largest lever first.
    let mut levers = Vec::new();
    if runs > 1 {
        levers.push(format!(
            "train fewer seeds at once (`--threads` sets how many: now {runs})"
        ));
    }
    if e.exact_directions >= 8 {
        levers.push(format!(
            "`second_order = exact` carries {} second-order directions per point: use `second_order = monte_carlo()` (or `auto`)",
            e.exact_directions
        ));
    }
    let biggest = plan
        .terms
        .iter()
        .max_by_key(|t| t.batch)
        .map(|t| (t.name.clone(), t.batch));
    if let Some((name, batch)) = biggest {
        levers.push(format!(
            "lower `batch` (the `{name}` term draws {batch} points per step)"
        ));
    }
    levers.push(format!(
        "a smaller `net` (now {} layers of width {}, {:.0} parameters)",
        s.net.layers, s.net.width, e.params
    ));
    if s.mc_draws > 1 {
        levers.push(format!("fewer `mc_draws` (now {})", s.mc_draws));
    }
    if s.dtype == DType::F64 {
        levers.push("`dtype = f32` halves it".into());
    }
    if let Some(po) = settings.run.polish {
        levers.push(format!(
            "fewer `polish` batches (now {}, held on the host)",
            po.batches
        ));
    }
    Err(Box::new(d.help(levers.join("; "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("8X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn dgm_parameters_match_the_network() {
        // 1 input, width 2, 1 layer: in 2*1+2, gates 4*(2*1+2+4), out 3.
        assert_eq!(parameters(NetKind::Dgm, 1, 2, 1), 4.0 + 32.0 + 3.0);
        assert_eq!(parameters(NetKind::Mlp, 2, 3, 2), 9.0 + 12.0 + 4.0);
    }
}
