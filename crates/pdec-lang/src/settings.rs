//! Solver settings: the `solve { ... }` block and `--set key=value` overrides, checked like
//! the rest of the file (unknown keys get a did-you-mean, values their range).
//!
//! The mathematics never depends on these; they only steer training. Every setting has a
//! default chosen for a sound first run, documented in `docs/LANGUAGE.md`.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, Setting, UnaryOp};
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

/// Distribution of the Monte Carlo noise `w` (both have `E[w w^T] = delta I`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McNoise {
    /// `+-sqrt(delta)` per component (Hutchinson): no variance from the diagonal of
    /// `B^T H B`, so much less noise when the Hessian is nearly diagonal.
    Rademacher,
    /// `N(0, delta)` per component, as in the DGM paper.
    Gaussian,
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
/// (both `v^T H v` plus O(delta) in expectation; METHOD.md section 4).
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
        center: f64,
        sd: f64,
        corr: f64,
        uniform: f64,
        spread: Spread,
    },
}

/// How a sampling law's spread depends on time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    /// `sd` at every time.
    Constant,
    /// `sd * sqrt(t - t0)`, `t0` the start of the time interval: the law of a diffusion
    /// started at `center` at `t0` (`center + sd W_(t - t0)`, or its exponential), which is
    /// where the paths that decide `u(t0, center)` go.
    Diffusion,
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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settings {
    pub net: Net,
    pub steps: u64,
    /// Points per step for the PDE term; other terms default to a share of it.
    pub batch: usize,
    /// Per-term batch sizes, keyed by loss-term name or kind (`boundary`, `initial`).
    pub batch_per_term: BTreeMap<String, usize>,
    pub lr: f64,
    pub lr_schedule: Schedule,
    /// Clip the gradient's global norm to this value.
    pub clip: Option<f64>,
    pub second_order: SecondOrder,
    /// A term needs at least this many second-order directions for `auto` to pick
    /// Monte Carlo.
    pub auto_mc_threshold: usize,
    pub mc_noise: McNoise,
    pub mc_difference: McDifference,
    /// Independent noise draws averaged in each of the two factors `A(w)`, `A(w~)`.
    pub mc_draws: usize,
    pub seed: u64,
    pub dtype: DType,
    pub free_boundary: FreeBoundaryLoss,
    /// The law of interior (and time-slice) space points.
    pub sampling: Sampling,
    /// The law of each parameter over its range, and of the time variable and each interval or
    /// box space variable over its interval (per component), by name (`sampling.NAME`);
    /// uniform when absent.
    pub coordinate_laws: BTreeMap<String, CoordinateLaw>,
    /// Loss weights keyed by loss-term name or kind; default 1.
    pub weights: BTreeMap<String, f64>,
    /// Draw fresh points every this many steps.
    pub resample_every: u64,
    /// Residual-based adaptive sampling of the PDE's points (`adaptive = residual(...)`).
    pub adaptive: Option<Adaptive>,
    /// L-BFGS on fixed points after the Adam steps (`polish = lbfgs(...)`).
    pub polish: Option<Polish>,
    /// Stop after this many seconds of training (besides `steps`).
    pub time_limit: Option<f64>,
    pub log_every: u64,
    pub checkpoint_every: u64,
    pub on_nan: OnNan,
    /// The share of the training, at its end, over which the weights are averaged
    /// (Polyak-Ruppert): the reported and saved network is that mean. 0: the last iterate.
    pub average: f64,
    /// Where each key was set (`weight.pde`, ...), for diagnostics of later stages.
    #[serde(skip)]
    pub key_spans: BTreeMap<String, Span>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            net: Net {
                kind: NetKind::Dgm,
                layers: 3,
                width: 50,
            },
            steps: 10_000,
            batch: 1024,
            batch_per_term: BTreeMap::new(),
            lr: 1e-3,
            lr_schedule: Schedule::Cosine { min_lr: 1e-5 },
            clip: None,
            second_order: SecondOrder::Auto,
            auto_mc_threshold: 16,
            mc_noise: McNoise::Rademacher,
            mc_difference: McDifference::Values,
            mc_draws: 1,
            seed: 0,
            dtype: DType::F32,
            free_boundary: FreeBoundaryLoss::Variational,
            sampling: Sampling::Uniform,
            coordinate_laws: BTreeMap::new(),
            weights: BTreeMap::new(),
            resample_every: 1,
            adaptive: None,
            polish: None,
            time_limit: None,
            log_every: 100,
            checkpoint_every: 1000,
            on_nan: OnNan::Stop,
            average: 0.0,
            key_spans: BTreeMap::new(),
        }
    }
}

impl Settings {
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

/// Every key, for did-you-mean and `docs/LANGUAGE.md`.
pub const KEYS: &[&str] = &[
    "net",
    "steps",
    "batch",
    "lr",
    "lr_schedule",
    "clip",
    "second_order",
    "auto_mc_threshold",
    "mc_noise",
    "mc_difference",
    "mc_draws",
    "seed",
    "dtype",
    "free_boundary",
    "sampling",
    "weight",
    "resample_every",
    "adaptive",
    "polish",
    "time_limit",
    "log_every",
    "checkpoint_every",
    "on_nan",
    "average",
];

/// An argument of a setting's call form: `layers = 3`.
type NamedValue<'a> = (Option<&'a str>, Value<'a>);

struct Value<'a> {
    expr: &'a Expr,
}

impl Value<'_> {
    fn number(&self) -> Option<f64> {
        match &self.expr.kind {
            ExprKind::Number(v) => Some(*v),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => match operand.kind {
                ExprKind::Number(v) => Some(-v),
                _ => None,
            },
            _ => None,
        }
    }

    fn word(&self) -> Option<&str> {
        match &self.expr.kind {
            ExprKind::Name(n) => Some(&n.text),
            _ => None,
        }
    }

    /// `name(a = 1, b = 2)` or bare `name`.
    fn call(&self) -> Option<(&str, Vec<NamedValue<'_>>)> {
        match &self.expr.kind {
            ExprKind::Name(n) => Some((&n.text, vec![])),
            ExprKind::Call { callee, args } => Some((
                &callee.text,
                args.iter()
                    .map(|a| {
                        (
                            a.name.as_ref().map(|n| n.text.as_str()),
                            Value { expr: &a.value },
                        )
                    })
                    .collect(),
            )),
            _ => None,
        }
    }
}

fn bad_value(span: Span, key: &str, expected: &str) -> Diag {
    Diag::error(
        "pdec::settings::bad_value",
        format!("invalid value for `{key}`: expected {expected}"),
    )
    .primary(span, "not accepted here")
    .help("the settings, their values and defaults are listed in docs/LANGUAGE.md (section \"Solver settings\")")
}

fn out_of_range(span: Span, key: &str, range: &str) -> Diag {
    Diag::error(
        "pdec::settings::out_of_range",
        format!("`{key}` is out of range: it must be {range}"),
    )
    .primary(span, "out of range")
    .help("the settings, their values and defaults are listed in docs/LANGUAGE.md (section \"Solver settings\")")
}

/// `1e12` rather than `1000000000000` in messages.
fn show(max: f64) -> String {
    if max >= 1e6 {
        format!("{max:e}")
    } else {
        format!("{max}")
    }
}

fn positive_int(v: &Value, key: &str, max: f64, diags: &mut Diags) -> Option<u64> {
    let span = v.expr.span;
    match v.number() {
        Some(x) if x.fract() != 0.0 => {
            diags.push(bad_value(span, key, "a whole number"));
            None
        }
        Some(x) if x < 1.0 || x > max => {
            diags.push(out_of_range(
                span,
                key,
                &format!("between 1 and {}", show(max)),
            ));
            None
        }
        Some(x) => Some(x as u64),
        None => {
            diags.push(bad_value(span, key, "a whole number"));
            None
        }
    }
}

fn positive(v: &Value, key: &str, diags: &mut Diags) -> Option<f64> {
    match v.number() {
        Some(x) if x > 0.0 && x.is_finite() => Some(x),
        Some(_) => {
            diags.push(out_of_range(v.expr.span, key, "a positive number"));
            None
        }
        None => {
            diags.push(bad_value(v.expr.span, key, "a number"));
            None
        }
    }
}

/// Argument `name` of a call form (`None` when absent): its number if `good`, else an
/// out-of-range diagnostic naming `range`, and `ok` turns false.
fn arg_number(
    a: &BTreeMap<&str, &Value>,
    name: &str,
    good: &dyn Fn(f64) -> bool,
    range: &str,
    diags: &mut Diags,
    ok: &mut bool,
) -> Option<f64> {
    let v = a.get(name)?;
    match v.number() {
        Some(x) if good(x) => Some(x),
        _ => {
            diags.push(out_of_range(v.expr.span, name, range));
            *ok = false;
            None
        }
    }
}

/// A whole number in `[lo, hi]`.
fn whole_in(lo: f64, hi: f64) -> impl Fn(f64) -> bool {
    move |x: f64| x.fract() == 0.0 && x >= lo && x <= hi
}

fn args_of<'v>(
    args: &'v [(Option<&'v str>, Value<'v>)],
    allowed: &[&'static str],
    key: &str,
    span: Span,
    diags: &mut Diags,
) -> Option<BTreeMap<&'v str, &'v Value<'v>>> {
    let mut out = BTreeMap::new();
    for (i, (name, v)) in args.iter().enumerate() {
        let name = match name {
            Some(n) => n,
            None => match allowed.get(i).copied() {
                Some(n) => n,
                None => {
                    diags.push(bad_value(v.expr.span, key, "named arguments"));
                    return None;
                }
            },
        };
        if !allowed.contains(&name) {
            diags.push(
                Diag::error(
                    "pdec::settings::unknown_setting",
                    format!("`{key}` has no argument `{name}`"),
                )
                .primary(v.expr.span, "unknown argument")
                .help(match did_you_mean(name, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its arguments are: {}", allowed.join(", ")),
                }),
            );
            return None;
        }
        out.insert(name, v);
    }
    let _ = span;
    Some(out)
}

/// Applies settings in order (the file's block, then command-line overrides).
pub fn apply(settings: &mut Settings, items: &[Setting], diags: &mut Diags) {
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for s in items {
        let full = s.key.join(".");
        if let Some(prev) = seen.insert(full.clone(), s.key_span) {
            diags.push(
                Diag::error(
                    "pdec::settings::duplicate_setting",
                    format!("`{full}` is set twice"),
                )
                .primary(s.key_span, "set again here")
                .secondary(prev, "first set here")
                .help("keep one of them"),
            );
            continue;
        }
        settings.key_spans.insert(full, s.key_span);
        apply_one(settings, s, diags);
    }
}

fn apply_one(st: &mut Settings, s: &Setting, diags: &mut Diags) {
    let key = s.key[0].as_str();
    let v = Value { expr: &s.value };
    let span = s.value.span;
    let sub = s.key.get(1).cloned();
    if s.key.len() > 2 || (sub.is_some() && !matches!(key, "weight" | "batch" | "sampling")) {
        diags.push(
            Diag::error(
                "pdec::settings::unknown_setting",
                format!("unknown setting `{}`", s.key.join(".")),
            )
            .primary(s.key_span, "not a setting")
            .help("only `weight.TERM` and `batch.TERM` (a loss-term name) and `sampling.PARAM` (a parameter) take a name after the dot"),
        );
        return;
    }
    match key {
        "net" => {
            let Some((name, args)) = v.call() else {
                diags.push(bad_value(
                    span,
                    key,
                    "`dgm(layers = 3, width = 50)` or `mlp(...)`",
                ));
                return;
            };
            let kind = match name {
                "dgm" => NetKind::Dgm,
                "mlp" => NetKind::Mlp,
                _ => {
                    diags.push(bad_value(
                        span,
                        key,
                        "`dgm(layers = 3, width = 50)` or `mlp(...)`",
                    ));
                    return;
                }
            };
            let Some(a) = args_of(&args, &["layers", "width"], key, span, diags) else {
                return;
            };
            let mut net = Net {
                kind,
                layers: st.net.layers,
                width: st.net.width,
            };
            if let Some(l) = a.get("layers") {
                match positive_int(l, "layers", 64.0, diags) {
                    Some(l) => net.layers = l as usize,
                    None => return,
                }
            }
            if let Some(w) = a.get("width") {
                match positive_int(w, "width", 65536.0, diags) {
                    Some(w) => net.width = w as usize,
                    None => return,
                }
            }
            st.net = net;
        }
        "steps" => {
            if let Some(n) = positive_int(&v, key, 1e12, diags) {
                st.steps = n
            }
        }
        "batch" => {
            if let Some(n) = positive_int(&v, key, 1e9, diags) {
                match sub {
                    Some(term) => {
                        st.batch_per_term.insert(term, n as usize);
                    }
                    None => st.batch = n as usize,
                }
            }
        }
        "lr" => match v.number() {
            Some(x) if x > 0.0 && x < 10.0 => st.lr = x,
            Some(_) => diags.push(out_of_range(span, key, "in (0, 10)")),
            None => diags.push(bad_value(span, key, "a number such as 1e-3")),
        },
        "lr_schedule" => {
            let expected = "`constant`, `step(every, factor)`, `exponential(every, factor)` or `cosine(min_lr)`";
            let Some((name, args)) = v.call() else {
                diags.push(bad_value(span, key, expected));
                return;
            };
            let sched = match name {
                "constant" => Some(Schedule::Constant),
                "step" | "exponential" => {
                    let Some(a) = args_of(&args, &["every", "factor"], key, span, diags) else {
                        return;
                    };
                    let every = match a.get("every") {
                        Some(e) => positive_int(e, "every", 1e12, diags),
                        None => Some(1000),
                    };
                    let factor = match a.get("factor") {
                        Some(f) => match f.number() {
                            Some(x) if x > 0.0 && x <= 1.0 => Some(x),
                            _ => {
                                diags.push(out_of_range(f.expr.span, "factor", "in (0, 1]"));
                                None
                            }
                        },
                        None => Some(0.5),
                    };
                    match (every, factor) {
                        (Some(every), Some(factor)) if name == "step" => {
                            Some(Schedule::Step { every, factor })
                        }
                        (Some(every), Some(factor)) => {
                            Some(Schedule::Exponential { every, factor })
                        }
                        _ => return,
                    }
                }
                "cosine" => {
                    let Some(a) = args_of(&args, &["min_lr"], key, span, diags) else {
                        return;
                    };
                    match a.get("min_lr") {
                        Some(m) => match m.number() {
                            Some(x) if x >= 0.0 => Some(Schedule::Cosine { min_lr: x }),
                            _ => {
                                diags.push(out_of_range(m.expr.span, "min_lr", "zero or positive"));
                                return;
                            }
                        },
                        None => Some(Schedule::Cosine { min_lr: 0.0 }),
                    }
                }
                _ => None,
            };
            match sched {
                Some(s) => st.lr_schedule = s,
                None => diags.push(bad_value(span, key, expected)),
            }
        }
        "clip" => {
            if v.word() == Some("none") {
                st.clip = None;
            } else if let Some(x) = positive(&v, key, diags) {
                st.clip = Some(x)
            }
        }
        "second_order" => {
            let expected = "`auto`, `exact` or `monte_carlo(delta = ...)`";
            let Some((name, args)) = v.call() else {
                diags.push(bad_value(span, key, expected));
                return;
            };
            st.second_order = match name {
                "auto" => SecondOrder::Auto,
                "exact" => SecondOrder::Exact,
                "monte_carlo" => {
                    let Some(a) = args_of(&args, &["delta"], key, span, diags) else {
                        return;
                    };
                    let delta = match a.get("delta") {
                        Some(d) => match d.number() {
                            Some(x) if x > 0.0 && x < 1.0 => Some(x),
                            _ => {
                                diags.push(out_of_range(d.expr.span, "delta", "in (0, 1)"));
                                return;
                            }
                        },
                        None => None,
                    };
                    SecondOrder::MonteCarlo { delta }
                }
                _ => {
                    diags.push(bad_value(span, key, expected));
                    return;
                }
            };
        }
        "auto_mc_threshold" => {
            if let Some(n) = positive_int(&v, key, 1e9, diags) {
                st.auto_mc_threshold = n as usize
            }
        }
        "mc_noise" => match v.word() {
            Some("rademacher") => st.mc_noise = McNoise::Rademacher,
            Some("gaussian") => st.mc_noise = McNoise::Gaussian,
            _ => diags.push(bad_value(span, key, "`rademacher` or `gaussian`")),
        },
        "mc_difference" => match v.word() {
            Some("values") => st.mc_difference = McDifference::Values,
            Some("gradients") => st.mc_difference = McDifference::Gradients,
            _ => diags.push(bad_value(span, key, "`values` or `gradients`")),
        },
        "mc_draws" => {
            if let Some(n) = positive_int(&v, key, 1024.0, diags) {
                st.mc_draws = n as usize
            }
        }
        "seed" => match v.number() {
            Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53) => st.seed = x as u64,
            Some(x) if x.fract() == 0.0 => {
                diags.push(out_of_range(span, key, "between 0 and 2^53"))
            }
            _ => diags.push(bad_value(span, key, "a whole number >= 0")),
        },
        "dtype" => match v.word() {
            Some("f32") => st.dtype = DType::F32,
            Some("f64") => st.dtype = DType::F64,
            _ => diags.push(bad_value(span, key, "`f32` or `f64`")),
        },
        "sampling" if sub.is_some() => {
            // Which names exist is checked with the problem (`pdec::plan::unknown_param`).
            let name = sub.unwrap_or_default();
            let law = match v.word() {
                Some("uniform") => CoordinateLaw::Uniform,
                Some("log") => CoordinateLaw::Log,
                Some("arcsine") => CoordinateLaw::Arcsine,
                _ => {
                    let key = format!("sampling.{name}");
                    diags.push(bad_value(span, &key, "`uniform`, `log` or `arcsine`"));
                    return;
                }
            };
            st.coordinate_laws.insert(name, law);
        }
        "sampling" => {
            let expected = "`uniform`, `normal(center, sd, corr, uniform, spread)` or `lognormal(center, sd, corr, uniform, spread)`";
            if v.word() == Some("uniform") {
                st.sampling = Sampling::Uniform;
                return;
            }
            let Some((name, args)) = v.call() else {
                diags.push(bad_value(span, key, expected));
                return;
            };
            let kind = match name {
                "normal" => LawKind::Normal,
                "lognormal" => LawKind::LogNormal,
                "uniform" if args.is_empty() => {
                    st.sampling = Sampling::Uniform;
                    return;
                }
                _ => {
                    diags.push(bad_value(span, key, expected));
                    return;
                }
            };
            let names = ["center", "sd", "corr", "uniform", "spread"];
            let Some(a) = args_of(&args, &names, key, span, diags) else {
                return;
            };
            let mut get = |name: &str,
                           default: Option<f64>,
                           ok: &dyn Fn(f64) -> bool,
                           range: &str| {
                match a.get(name) {
                    Some(v) => match v.number() {
                        Some(x) if ok(x) => Some(x),
                        _ => {
                            diags.push(out_of_range(v.expr.span, name, range));
                            None
                        }
                    },
                    None if default.is_some() => default,
                    None => {
                        diags.push(bad_value(
                            span,
                            key,
                            &format!("`{name} = ...` among the arguments, e.g. `lognormal(center = 1, sd = 0.3, corr = 0.75)`"),
                        ));
                        None
                    }
                }
            };
            let center = get(
                "center",
                None,
                &|x: f64| x.is_finite() && (kind == LawKind::Normal || x > 0.0),
                if kind == LawKind::LogNormal {
                    "a number > 0"
                } else {
                    "a finite number"
                },
            );
            let sd = get(
                "sd",
                None,
                &|x: f64| x.is_finite() && x > 0.0,
                "a number > 0",
            );
            let corr = get(
                "corr",
                Some(0.0),
                &|x: f64| (0.0..1.0).contains(&x),
                "in [0, 1)",
            );
            let uniform = get(
                "uniform",
                Some(0.25),
                &|x: f64| (0.0..=1.0).contains(&x),
                "in [0, 1]",
            );
            let spread = match a.get("spread") {
                None => Some(Spread::Constant),
                Some(v) => match v.word() {
                    Some("constant") => Some(Spread::Constant),
                    Some("diffusion") => Some(Spread::Diffusion),
                    _ => {
                        diags.push(bad_value(
                            v.expr.span,
                            "spread",
                            "`constant` (sd at every time) or `diffusion` (sd * sqrt(t - t0))",
                        ));
                        None
                    }
                },
            };
            if let (Some(center), Some(sd), Some(corr), Some(uniform), Some(spread)) =
                (center, sd, corr, uniform, spread)
            {
                st.sampling = Sampling::Law {
                    kind,
                    center,
                    sd,
                    corr,
                    uniform,
                    spread,
                };
            }
        }
        "free_boundary" => match v.word() {
            Some("penalty") => st.free_boundary = FreeBoundaryLoss::Penalty,
            Some("complementarity") => st.free_boundary = FreeBoundaryLoss::Complementarity,
            Some("variational") => st.free_boundary = FreeBoundaryLoss::Variational,
            _ => diags.push(bad_value(
                span,
                key,
                "`penalty`, `variational` or `complementarity`",
            )),
        },
        "weight" => {
            let Some(term) = sub else {
                diags.push(
                    Diag::error(
                        "pdec::settings::bad_value",
                        "`weight` needs a loss-term name",
                    )
                    .primary(s.key_span, "which term?")
                    .help("write `weight.boundary = 10` or `weight.\"boundary x=0\" = 10`"),
                );
                return;
            };
            match v.number() {
                Some(x) if x >= 0.0 && x.is_finite() => {
                    st.weights.insert(term, x);
                }
                Some(_) => diags.push(out_of_range(span, "weight", "zero or positive")),
                None => diags.push(bad_value(span, "weight", "a number")),
            }
        }
        "resample_every" => {
            if let Some(n) = positive_int(&v, key, 1e12, diags) {
                st.resample_every = n
            }
        }
        "adaptive" => {
            let expected = "`none` or `residual(power, uniform, pool, every)`";
            if v.word() == Some("none") {
                st.adaptive = None;
                return;
            }
            let Some(("residual", args)) = v.call() else {
                diags.push(bad_value(span, key, expected));
                return;
            };
            let names = ["power", "uniform", "pool", "every"];
            let Some(a) = args_of(&args, &names, key, span, diags) else {
                return;
            };
            let mut ad = Adaptive::default();
            let mut ok = true;
            if let Some(x) = arg_number(
                &a,
                "power",
                &|x: f64| x.is_finite() && x > 0.0 && x <= 8.0,
                "in (0, 8]",
                diags,
                &mut ok,
            ) {
                ad.power = x;
            }
            if let Some(x) = arg_number(
                &a,
                "uniform",
                &|x: f64| (0.0..=1.0).contains(&x),
                "in [0, 1]",
                diags,
                &mut ok,
            ) {
                ad.uniform = x;
            }
            if let Some(x) = arg_number(
                &a,
                "pool",
                &whole_in(1.0, 1024.0),
                "a whole number from 1 to 1024",
                diags,
                &mut ok,
            ) {
                ad.pool = x as usize;
            }
            if let Some(x) = arg_number(
                &a,
                "every",
                &whole_in(1.0, 1e12),
                "a whole number from 1 to 1e12",
                diags,
                &mut ok,
            ) {
                ad.every = x as u64;
            }
            if ok {
                st.adaptive = Some(ad);
            }
        }
        "polish" => {
            let expected = "`none` or `lbfgs(steps, batches, history, time_limit)`";
            if v.word() == Some("none") {
                st.polish = None;
                return;
            }
            let Some(("lbfgs", args)) = v.call() else {
                diags.push(bad_value(span, key, expected));
                return;
            };
            let names = ["steps", "batches", "history", "time_limit"];
            let Some(a) = args_of(&args, &names, key, span, diags) else {
                return;
            };
            let mut po = Polish::default();
            let mut ok = true;
            if let Some(x) = arg_number(
                &a,
                "steps",
                &whole_in(1.0, 1e9),
                "a whole number from 1 to 1e9",
                diags,
                &mut ok,
            ) {
                po.steps = x as u64;
            }
            if let Some(x) = arg_number(
                &a,
                "batches",
                &whole_in(1.0, 1024.0),
                "a whole number from 1 to 1024",
                diags,
                &mut ok,
            ) {
                po.batches = x as usize;
            }
            if let Some(x) = arg_number(
                &a,
                "history",
                &whole_in(1.0, 1000.0),
                "a whole number from 1 to 1000",
                diags,
                &mut ok,
            ) {
                po.history = x as usize;
            }
            if let Some(x) = arg_number(
                &a,
                "time_limit",
                &|x: f64| x > 0.0 && x <= 1e9,
                "a number of seconds above 0 and at most 1e9",
                diags,
                &mut ok,
            ) {
                po.time_limit = Some(x);
            }
            if ok {
                st.polish = Some(po);
            }
        }
        "time_limit" => {
            if v.word() == Some("none") {
                st.time_limit = None;
            } else if let Some(x) = positive(&v, key, diags) {
                st.time_limit = Some(x)
            }
        }
        "log_every" => {
            if let Some(n) = positive_int(&v, key, 1e12, diags) {
                st.log_every = n
            }
        }
        "checkpoint_every" => {
            if let Some(n) = positive_int(&v, key, 1e12, diags) {
                st.checkpoint_every = n
            }
        }
        "average" => match v.number() {
            Some(x) if (0.0..1.0).contains(&x) => st.average = x,
            Some(_) => diags.push(out_of_range(span, key, "at least 0 and below 1")),
            None => diags.push(bad_value(span, key, "a share of the training, e.g. `0.1`")),
        },
        "on_nan" => match v.word() {
            Some("stop") => st.on_nan = OnNan::Stop,
            Some("rollback") => st.on_nan = OnNan::Rollback,
            _ => diags.push(bad_value(span, key, "`stop` or `rollback`")),
        },
        _ => diags.push(
            Diag::error(
                "pdec::settings::unknown_setting",
                format!("unknown setting `{key}`"),
            )
            .primary(s.key_span, "not a setting")
            .help(match did_you_mean(key, KEYS.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("settings are: {}", KEYS.join(", ")),
            }),
        ),
    }
}
