//! Solver settings: the `solve { ... }` block and `--set key=value` overrides, checked like
//! the rest of the file (unknown keys get a did-you-mean, values their range).
//!
//! The mathematics never depends on these; they only steer training. Every setting has a
//! default chosen for a sound first run, documented in `docs/LANGUAGE.md`.
//!
//! This file holds `Settings` and the types of its values. `Settings` is two halves: what
//! shapes the plan (`PlanSettings`: networks, batches, estimators, sampling, weights; the plan
//! keeps it) and what only the run loop reads (`RunSettings`: steps, learning rate, seed,
//! logging, checkpoints, NaNs, polish, averaging; handed to the loop beside the plan).
//! Each key is declared once, in `keys::TABLE` (name, default and doc as the docs show them,
//! parser), from which `apply`, the did-you-mean of an unknown key and the settings table of
//! `docs/LANGUAGE.md` come; the parsers sit in `network`, `second_order`, `sampling` and
//! `run`, on the value readers of `values`. Adding a setting: a field with its default in
//! `PlanSettings` or `RunSettings` (as it shapes the plan or not), an entry in `keys::TABLE`
//! with its parser and the same `Shapes` tag (a test keeps tags and halves in step).

mod keys;
pub mod lr_auto;
mod network;
mod run;
mod sampling;
mod second_order;
mod values;

pub use keys::{Dot, KEYS, Key, Row, Shapes, TABLE, apply, docs_table};

use crate::source::Span;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetKind {
    Dgm,
    Mlp,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Net {
    pub kind: NetKind,
    pub layers: usize,
    pub width: usize,
}

/// `networks`: how the unknowns are grouped into networks (`plan::networks`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Networks {
    /// One multi-output network for the unknowns that take the same arguments.
    #[default]
    Shared,
    /// One network per unknown (a vector unknown's components share theirs).
    Separate,
}

impl Networks {
    pub fn is_shared(&self) -> bool {
        *self == Networks::Shared
    }
}

/// `net.NAME = mlp(layers = 2)`: one unknown's own network, its arguments unset falling back
/// to `net`'s (whatever the order the two are written in).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetOverride {
    pub kind: NetKind,
    pub layers: Option<usize>,
    pub width: Option<usize>,
}

impl NetOverride {
    /// The network it gives over `base` (the `net` setting).
    pub fn over(&self, base: &Net) -> Net {
        Net {
            kind: self.kind,
            layers: self.layers.unwrap_or(base.layers),
            width: self.width.unwrap_or(base.width),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    Constant,
    /// Multiply the rate by `factor` every `every` steps.
    Step {
        every: u64,
        factor: f64,
    },
    /// Multiply the rate by `factor` over each `every` steps, smoothly.
    Exponential {
        every: u64,
        factor: f64,
    },
    /// Cosine decay from `lr` to `min_lr` over the run.
    Cosine {
        min_lr: f64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecondOrder {
    /// Monte Carlo where it pays (many directions) and is possible, exact elsewhere.
    Auto,
    Exact,
    /// `delta`: variance of the Gaussian step; `None` picks the default for the dtype.
    MonteCarlo {
        delta: Option<f64>,
    },
}

/// Distribution of the Monte Carlo noise `w` (`E[w w^T] = delta I`; for coordinates
/// `(delta / n) I`, and the estimate is weighted by `n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McNoise {
    /// `+-sqrt(delta)` per component (Hutchinson): no variance from the diagonal of
    /// `B^T H B`, so much less noise when the Hessian is nearly diagonal.
    Rademacher,
    /// `N(0, delta)` per component, as in the DGM paper.
    Gaussian,
    /// One coordinate per draw, `sqrt(delta)` on one of the `n` columns of the factor `B`
    /// (or of the gradient), `mc_draws` distinct ones per estimate, the estimate weighted by
    /// `n`: stochastic dimension gradient descent (SDGD, Hu, Shukla, Karniadakis and
    /// Kawaguchi), `(n / k) sum` over `k` sampled columns of `b_i^T H b_i`.
    Coordinates,
}

/// How a parameter, the time variable or a coordinate of an interval or box space variable
/// is drawn over its range (`sampling.NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoordinateLaw {
    Uniform,
    /// Log-uniform: uniform in `log p` (a positive range), as many points per decade; for
    /// scale parameters such as a viscosity, whose small values are the hard ones.
    Log,
    /// The arcsine law, density `1 / (pi sqrt((p - lo) (hi - p)))`: more points at both ends
    /// of the range (a fifth within its outer tenth at each end, where uniform draws put a
    /// tenth). Corners of a parameter box, where a family is often hardest, get the most.
    Arcsine,
}

/// The difference the Monte Carlo estimator of a second-order term takes along `v = B w`
/// (both `v^T H v` plus O(delta) in expectation; docs/METHOD.md section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McDifference {
    /// `(u(x + v) + u(x - v) - 2 u(x)) / delta`: values at the antithetic pair, no tangent
    /// there (a fifth to a quarter shorter step); half the O(delta) bias of `gradients`, more
    /// rounding (a difference of values, not of directional derivatives).
    Values,
    /// `(grad u(x + v) . v - grad u(x - v) . v) / (2 delta)`: the DGM paper's antithetic
    /// form, one directional derivative at each point of the pair.
    Gradients,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    F32,
    F64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FreeBoundaryLoss {
    /// The DGM paper's: PDE residual where `u > g`, plus `max(g - u, 0)^2`.
    Penalty,
    /// `(L u * (u - g))^2 + max(L u, 0)^2 + max(g - u, 0)^2` (signs per time direction).
    Complementarity,
    /// The variational inequality: the penalty's terms, plus the residual's sign condition
    /// where the network is on the obstacle (`u_t + L u <= 0` there for `u >= g` backward in
    /// time). Without it, a too-large contact region costs nothing and the exercise boundary
    /// comes too early.
    Variational,
}

/// `adaptive = residual(power, uniform, pool, every)`: the PDE's points are drawn from a pool
/// of `pool * batch` candidates of the sampling law, each with probability
/// `(1 - uniform) |r|^power / sum |r|^power + uniform / M`, `|r|` the candidate's residual
/// (its pointwise loss, square-rooted); the pool is rebuilt every `every` steps and at each
/// checkpoint (RAD, Wu et al. 2023).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Adaptive {
    pub power: f64,
    pub uniform: f64,
    pub pool: usize,
    pub every: u64,
}

impl Default for Adaptive {
    fn default() -> Adaptive {
        // RAD's recommended k = 1, c = 1 (half the mass uniform).
        Adaptive {
            power: 1.0,
            uniform: 0.5,
            pool: 16,
            every: 100,
        }
    }
}

/// `polish = lbfgs(steps, batches, history, time_limit)`: after the Adam steps, L-BFGS (strong
/// Wolfe line search) on a fixed set of `batches` training batches, for at most `steps`
/// iterations and `time_limit` seconds, keeping the last `history` pairs (PINN practice: Adam
/// to a good basin, then a quasi-Newton method on a fixed loss to reach accuracies Adam's
/// noise keeps it from).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Polish {
    pub steps: u64,
    pub batches: usize,
    pub history: usize,
    /// Seconds of polishing (its own budget: the run's `time_limit` bounds the Adam steps).
    pub time_limit: Option<f64>,
}

impl Default for Polish {
    fn default() -> Polish {
        Polish {
            steps: 500,
            batches: 8,
            history: 20,
            time_limit: None,
        }
    }
}

/// `balance = ...`: adaptive multipliers of the loss terms' weights, so that no term's
/// gradient swamps the others' (a random network's Laplacian in 100 dimensions dwarfs the
/// conditions' misfit, and Adam then fits the PDE alone). The multipliers times `weight.NAME`
/// weigh each term; they are logged in loss.csv (`balance.NAME` columns).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Balance {
    /// The weights as written.
    None,
    /// `gradients()` where a condition's gradient is swamped by the PDE's at the start
    /// (measured once on the first step's points: `pdec_solve::train::auto_balance`), else
    /// `none`. The run resolves it before training; the loop never sees `Auto`.
    Auto,
    /// Gradient-norm balancing (after learning-rate annealing, Wang, Teng and Perdikaris
    /// 2021, in L2 norms): every `every` steps each term's gradient norm `|g_i|` is measured
    /// (one backward per term on that step) and its multiplier moves to `alpha * lambda_i +
    /// (1 - alpha) * max(1, |g_pde| / |g_i|)` (the first time: straight to it; the PDE's
    /// stays 1). One-sided: raising only, since lowering a condition that cannot be met
    /// exactly (the kinked payoff of a call) traded its fit for the PDE's and doubled the
    /// call's error (docs/RESULTS.md).
    Gradients { every: u64, alpha: f64 },
    /// ReLoBRaLo (Bischof and Kraus 2021), from the loss values alone (no extra backward):
    /// `lambda_i = alpha (rho lambda_i + (1 - rho) s_i(t, 0)) + (1 - alpha) s_i(t, t - 1)`,
    /// `s_i(t, t') = K softmax_i(L_i(t) / (temperature L_i(t')))`, `rho` a Bernoulli draw of
    /// mean `lookback` each step.
    Relobralo {
        temperature: f64,
        alpha: f64,
        lookback: f64,
    },
}

/// How space points are drawn inside their domains (boundary faces stay uniform).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "law")]
pub enum Sampling {
    /// Uniform in the domain's volume.
    Uniform,
    /// Every component `center + sd * z` (`normal`) or `center * exp(sd * z)` (`lognormal`),
    /// `z` standard normal with pairwise correlation `corr` between components; a share
    /// `uniform` of the points stays uniform so that the whole domain is still covered.
    /// Draws outside the domain are redrawn (16 times, then a uniform point).
    Law {
        kind: LawKind,
        center: Center,
        sd: f64,
        corr: f64,
        uniform: f64,
        spread: Spread,
    },
}

/// Where a sampling law is centred: one value for every component (`center = 1`) or a point
/// (`center = [1, 0.5]`, one value per component, as long as the space variable).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Center {
    All(f64),
    Point(Vec<f64>),
}

impl Center {
    /// The centre of component `k`.
    pub fn at(&self, k: usize) -> f64 {
        match self {
            Center::All(c) => *c,
            Center::Point(p) => p.get(k).or(p.last()).copied().unwrap_or(0.0),
        }
    }

    /// The largest component's centre.
    pub fn max(&self) -> f64 {
        match self {
            Center::All(c) => *c,
            Center::Point(p) => p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// The smallest component's centre.
    pub fn min(&self) -> f64 {
        match self {
            Center::All(c) => *c,
            Center::Point(p) => p.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }
}

/// When a scale read from the problem is applied: the network's output mapped to the data's
/// scale (`output_scale`), an equation's residual divided by its size (`residual_scale`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Where the scale is an order of magnitude or more from one (the output's mean or
    /// spread beyond 10, or a spread under 0.01: `plan::output::far_from_unit`; an
    /// equation's size beyond 10 or under 0.1: `plan::residual_scale`).
    Auto,
    /// Always.
    Always,
    /// Never: the network's output is the unknown.
    None,
}

/// Which coordinates the network reads (`coordinates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coordinates {
    /// The coordinates as written (the default: log-prices measured worse on a call and no
    /// better on the 100-D basket, docs/RESULTS.md).
    AsWritten,
    /// Log-prices wherever the operator is Black-Scholes-type (`plan::coordinates`).
    Log,
}

/// Which numbers in `[0, 1)` the sampling laws turn into points (`sampling = sobol`,
/// `sampling = halton`; `geometry::sequence`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sequence {
    /// Pseudo-random numbers (ChaCha8 keyed by seed and step): the default.
    #[default]
    Random,
    /// An Owen-scrambled Sobol sequence (256 dimensions, padded with pseudo-random numbers).
    Sobol,
    /// A Halton sequence with random linear digit scrambling (256 dimensions, padded).
    Halton,
}

impl Sequence {
    pub fn is_random(&self) -> bool {
        *self == Sequence::Random
    }
}

/// How a sampling law's spread depends on time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    /// `sd` at every time.
    Constant,
    /// `sd * sqrt(t - t0)`, `t0` the start of the time interval: the law of a diffusion
    /// started at `center` at `t0` (`center + sd W_(t - t0)`, or its exponential), which is
    /// where the paths that decide `u(t0, center)` go.
    Diffusion,
    /// `sd * sqrt(|t - t0 - elapsed|)`: a diffusion from `center` at the time `t0 + elapsed`,
    /// both ways (where `u` at that time and point is decided, for a forward or a backward
    /// equation). Chosen by the compiler (plan/auto_sampling.rs), not written.
    #[serde(rename = "diffusion_from")]
    DiffusionFrom { elapsed: f64 },
}

impl Spread {
    /// The law's spread `elapsed` after the start of the time interval.
    pub fn sd_at(self, sd: f64, elapsed: f64) -> f64 {
        match self {
            Spread::Constant => sd,
            Spread::Diffusion => sd * elapsed.max(0.0).sqrt(),
            Spread::DiffusionFrom { elapsed: from } => sd * (elapsed - from).abs().sqrt(),
        }
    }

    /// The widest spread over a time interval of length `length`.
    pub fn widest(self, sd: f64, length: f64) -> f64 {
        self.sd_at(sd, length).max(self.sd_at(sd, 0.0))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LawKind {
    Normal,
    LogNormal,
}

/// What a NaN or infinite loss does to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnNan {
    /// Stop with exit code 3, naming the term; the last checkpoint is kept.
    Stop,
    /// Go back to the last checkpoint with half the learning rate (at most 8 times).
    Rollback,
}

/// What the loss terms jumping far above their best does to the run
/// (`pdec::run::divergence`'s guard).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDivergence {
    /// Back to the state of the best window with half the learning rate (at most 3 times).
    Rollback,
    /// Train on.
    Continue,
}

/// Every setting of a run: what shapes the plan and what only the run loop reads, kept apart
/// so that the plan (the contract training is built from) holds the first alone. Serialised
/// flat, as the `solve { }` block writes them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Settings {
    #[serde(flatten)]
    pub plan: PlanSettings,
    #[serde(flatten)]
    pub run: RunSettings,
    /// Where each key was set (`weight.pde`, ...), for diagnostics of later stages.
    #[serde(skip)]
    pub key_spans: BTreeMap<String, Span>,
}

/// The settings that shape the plan: its networks, terms, points and estimators
/// (`Shapes::Plan` in `keys::TABLE`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanSettings {
    pub net: Net,
    /// `networks`: one network per argument list (`shared`) or per unknown (`separate`).
    pub networks: Networks,
    /// `net.NAME`: an unknown's own network, by the unknown's name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub net_per_unknown: BTreeMap<String, NetOverride>,
    /// Points per step for the PDE term; other terms default to a share of it.
    pub batch: usize,
    /// Per-term batch sizes, keyed by loss-term name or kind (`boundary`, `initial`).
    pub batch_per_term: BTreeMap<String, usize>,
    pub second_order: SecondOrder,
    /// A term needs at least this many second-order directions for `auto` to pick
    /// Monte Carlo.
    pub auto_mc_threshold: usize,
    pub mc_noise: McNoise,
    pub mc_difference: McDifference,
    /// Independent noise draws averaged in each of the two factors `A(w)`, `A(w~)`.
    pub mc_draws: usize,
    pub dtype: DType,
    pub free_boundary: FreeBoundaryLoss,
    /// The law of interior (and time-slice) space points.
    pub sampling: Sampling,
    /// The numbers every law draws from (pseudo-random unless `sampling = sobol | halton`).
    #[serde(skip_serializing_if = "Sequence::is_random")]
    pub sequence: Sequence,
    /// The law of each parameter over its range, and of the time variable and each interval or
    /// box space variable over its interval (per component), by name (`sampling.NAME`);
    /// uniform when absent.
    pub coordinate_laws: BTreeMap<String, CoordinateLaw>,
    /// Loss weights keyed by loss-term name or kind; default 1.
    pub weights: BTreeMap<String, f64>,
    /// Residual-based adaptive sampling of the PDE's points (`adaptive = residual(...)`).
    pub adaptive: Option<Adaptive>,
    /// `output_scale`: when the network's output is shifted and scaled to the data's mean
    /// and spread (`plan::OutputScale`).
    pub output_scale: Scaling,
    /// `residual_scale`: when an equation's PDE term is weighted by its residual's size
    /// (`plan::residual_scale`).
    pub residual_scale: Scaling,
    /// `kink_ansatz`: whether the compiler imposes kinked time data `max(f, 0)` by an
    /// ansatz smoothed by the equation's diffusion (`passes::kink_ansatz`).
    pub kink_ansatz: bool,
    /// `time_ansatz`: whether the compiler imposes smooth time data `u = f` by the ansatz
    /// `f + tau * net` (`passes::time_ansatz`).
    pub time_ansatz: bool,
    /// `coordinates`: whether the network may read a price's logarithm (`plan::coordinates`).
    pub coordinates: Coordinates,
    /// `hole_inputs`: whether the network reads an inverse distance per hole of a
    /// constructive domain (`geometry::features`).
    pub hole_inputs: bool,
    /// `periodic_inputs`: whether the network reads cos and sin of a periodic coordinate
    /// instead of the coordinate, making it exactly periodic (`geometry::periodic`).
    pub periodic_inputs: bool,
}

/// The settings only the run loop reads: how long and how fast it steps, its seed, what it
/// logs and saves, what a NaN does, and the polish and averaging after the steps
/// (`Shapes::Run` in `keys::TABLE`). Changing one never changes the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSettings {
    pub steps: u64,
    /// The peak learning rate; under `lr_auto` the run's probe replaces it before the first
    /// step (it is then `lr_auto::WITHOUT_PROBE`, what a run too short to probe takes).
    pub lr: f64,
    /// `lr = auto` (the default): the learning rate is chosen by a probe at the start of
    /// training (`pdec_solve::train::lr_probe`). Not a key of its own (the `lr` key sets it),
    /// so not serialised here: settings.json records it beside the rate the run took.
    #[serde(skip)]
    pub lr_auto: bool,
    pub lr_schedule: Schedule,
    /// Clip the gradient's global norm to this value.
    pub clip: Option<f64>,
    pub seed: u64,
    /// Draw fresh points every this many steps.
    pub resample_every: u64,
    /// L-BFGS on fixed points after the Adam steps (`polish = lbfgs(...)`).
    pub polish: Option<Polish>,
    /// Stop after this many seconds of training (besides `steps`).
    pub time_limit: Option<f64>,
    pub log_every: u64,
    pub checkpoint_every: u64,
    pub on_nan: OnNan,
    pub on_divergence: OnDivergence,
    /// The share of the training, at its end, over which the weights are averaged
    /// (Polyak-Ruppert): the reported and saved network is that mean. 0: the last iterate.
    pub average: f64,
    /// Adaptive multipliers of the terms' weights.
    pub balance: Balance,
    /// `extrapolate = true`: a `report` outside the declared ranges is a warning, not an
    /// error (the check reads it; the run prints such reports like the others).
    pub extrapolate: bool,
}

impl Default for PlanSettings {
    fn default() -> PlanSettings {
        PlanSettings {
            net: Net {
                kind: NetKind::Dgm,
                layers: 3,
                width: 50,
            },
            networks: Networks::Shared,
            net_per_unknown: BTreeMap::new(),
            batch: 1024,
            batch_per_term: BTreeMap::new(),
            second_order: SecondOrder::Auto,
            auto_mc_threshold: 16,
            mc_noise: McNoise::Rademacher,
            mc_difference: McDifference::Values,
            mc_draws: 1,
            dtype: DType::F32,
            free_boundary: FreeBoundaryLoss::Variational,
            sampling: Sampling::Uniform,
            sequence: Sequence::Random,
            coordinate_laws: BTreeMap::new(),
            weights: BTreeMap::new(),
            adaptive: None,
            output_scale: Scaling::Auto,
            residual_scale: Scaling::Auto,
            kink_ansatz: true,
            time_ansatz: false,
            coordinates: Coordinates::AsWritten,
            hole_inputs: true,
            periodic_inputs: true,
        }
    }
}

impl Default for RunSettings {
    fn default() -> RunSettings {
        RunSettings {
            steps: 10_000,
            lr: lr_auto::WITHOUT_PROBE,
            lr_auto: true,
            lr_schedule: Schedule::Cosine { min_lr: 1e-5 },
            clip: None,
            seed: 0,
            resample_every: 1,
            polish: None,
            time_limit: None,
            log_every: 100,
            checkpoint_every: 1000,
            on_nan: OnNan::Stop,
            on_divergence: OnDivergence::Rollback,
            average: 0.0,
            balance: Balance::Auto,
            extrapolate: false,
        }
    }
}

impl PlanSettings {
    /// The `sampling.NAME` law of a parameter, the time or a space variable (uniform unless
    /// set).
    pub fn coordinate_law(&self, name: &str) -> CoordinateLaw {
        let law = self.coordinate_laws.get(name).copied();
        law.unwrap_or(CoordinateLaw::Uniform)
    }

    /// The Monte Carlo `delta` in effect: sound defaults against cancellation in each dtype.
    pub fn mc_delta(&self) -> Option<f64> {
        match &self.second_order {
            SecondOrder::MonteCarlo { delta: Some(d) } => Some(*d),
            _ => Some(match self.dtype {
                DType::F32 => 1e-3,
                DType::F64 => 1e-4,
            }),
        }
    }
}
