//! Stage 6, plan: the serialisable training plan. Everything the solver needs to know and
//! nothing about candle: the network's inputs and their ranges (for rescaling to [-1, 1]),
//! one named loss term per condition with its region, sampler, weight and batch, and for each
//! second-order term its path (exact, or Monte Carlo with its factor `B`).

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::ir::{Comp, Coord, Domain, Face, Input, Op, Problem, Where};
use crate::passes::second_order::{Factor, Path};
use crate::passes::{Analysis, TimeDirection};
use crate::settings::{CoordinateLaw, FreeBoundaryLoss, Settings};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct NetInput {
    pub name: String,
    pub kind: &'static str,
    pub components: usize,
    /// Per-component range: the affine map to [-1, 1] uses it.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    Pde,
    Initial,
    Terminal,
    Boundary,
    Periodic,
    Constraint,
}

impl TermKind {
    pub fn name(self) -> &'static str {
        match self {
            TermKind::Pde => "pde",
            TermKind::Initial => "initial",
            TermKind::Terminal => "terminal",
            TermKind::Boundary => "boundary",
            TermKind::Periodic => "periodic",
            TermKind::Constraint => "constraint",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FacePlan {
    pub face: Face,
    pub name: String,
    /// Share of this term's boundary points drawn on the face (proportional to its area).
    pub share: f64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Region {
    /// The whole space-time-parameter domain.
    Interior,
    TimeSlice {
        at: f64,
    },
    Faces {
        faces: Vec<FacePlan>,
    },
    Periodic {
        var: usize,
        comp: Option<usize>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct LossTerm {
    pub name: String,
    pub kind: TermKind,
    pub region: Region,
    /// How points are drawn, in words.
    pub sampler: String,
    pub weight: f64,
    pub batch: usize,
    /// The residual node in the problem's graph (zero when satisfied).
    pub residual: crate::ir::NodeId,
}

#[derive(Clone, Debug, Serialize)]
pub struct SecondOrderPlan {
    pub term: String,
    pub path: Path,
    pub why: String,
    pub directions: usize,
    pub factor: Option<Factor>,
    pub not_factorable: Option<String>,
}

/// A first-order term `c * |grad u|^2` and how it is computed
/// ([`crate::passes::gradient_square`]).
#[derive(Clone, Debug, Serialize)]
pub struct GradientSquarePlan {
    pub term: String,
    pub path: Path,
    pub why: String,
    /// Gradient components: tangents the exact path carries for it.
    pub components: usize,
}

/// Work per collocation point and step, in network passes.
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// First-order tangent channels carried through the network.
    pub first_order_tangents: usize,
    /// Second-order directions computed exactly (each a tangent and a second-order channel).
    pub exact_second_order_directions: usize,
    /// Jacobian-vector products for Monte Carlo terms: 2 draws x 2 points (x +- v).
    pub monte_carlo_jvps: usize,
    /// Directional derivatives at the point for Monte Carlo gradient squares: one per draw
    /// and term.
    pub gradient_square_jvps: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub problem: String,
    pub inputs: Vec<NetInput>,
    pub input_width: usize,
    pub terms: Vec<LossTerm>,
    pub second_order: Vec<SecondOrderPlan>,
    pub other_second_order: Vec<String>,
    pub gradient_squares: Vec<GradientSquarePlan>,
    pub direction: TimeDirection,
    pub free_boundary: Option<FreeBoundaryLoss>,
    pub mc_delta: Option<f64>,
    pub cost: Cost,
    pub settings: Settings,
}

impl Plan {
    /// Points per step of the PDE term (its `batch.pde`, else `batch`).
    pub fn pde_batch(&self) -> usize {
        self.terms
            .iter()
            .find(|t| t.kind == TermKind::Pde)
            .map_or(self.settings.batch, |t| t.batch)
    }
}

/// How a coordinate law reads in the plan.
fn law_text(law: CoordinateLaw) -> &'static str {
    match law {
        CoordinateLaw::Uniform => "uniform",
        CoordinateLaw::Log => "log-uniform",
        CoordinateLaw::Arcsine => "arcsine (more points at both ends)",
    }
}

fn domain_text(d: &Domain) -> String {
    let f = crate::syntax::print::format_number;
    match d {
        Domain::Interval { lo, hi } => format!("[{}, {}]", f(*lo), f(*hi)),
        Domain::Box { lo, hi } => {
            if lo.iter().all(|v| *v == lo[0]) && hi.iter().all(|v| *v == hi[0]) {
                format!("[{}, {}]^{}", f(lo[0]), f(hi[0]), lo.len())
            } else {
                lo.iter()
                    .zip(hi)
                    .map(|(a, b)| format!("[{}, {}]", f(*a), f(*b)))
                    .collect::<Vec<_>>()
                    .join(" x ")
            }
        }
        Domain::Ball { center, radius } => format!(
            "ball(dim {}, center {}, radius {})",
            center.len(),
            if center.iter().all(|c| *c == 0.0) {
                "0".to_string()
            } else {
                format!("{center:?}")
            },
            f(*radius)
        ),
    }
}

/// Area (measure) of a face, times the volume of the other space variables' domains.
fn face_measure(p: &Problem, face: Face) -> f64 {
    let volume = |d: &Domain| match d {
        Domain::Interval { lo, hi } => hi - lo,
        Domain::Box { lo, hi } => lo.iter().zip(hi).map(|(a, b)| b - a).product(),
        Domain::Ball { center, radius } => {
            let n = center.len() as f64;
            std::f64::consts::PI.powf(n / 2.0) / gamma(n / 2.0 + 1.0) * radius.powf(n)
        }
    };
    let (var, own) = match face {
        Face::Side { var, comp, .. } => {
            let own = match (&p.space[var].domain, comp) {
                (Domain::Box { lo, hi }, Some(k)) => lo
                    .iter()
                    .zip(hi)
                    .enumerate()
                    .filter(|(i, _)| *i != k)
                    .map(|(_, (a, b))| b - a)
                    .product(),
                _ => 1.0,
            };
            (var, own)
        }
        Face::Sphere { var } => {
            let Domain::Ball { center, radius } = &p.space[var].domain else {
                return 1.0;
            };
            let n = center.len() as f64;
            (
                var,
                2.0 * std::f64::consts::PI.powf(n / 2.0) / gamma(n / 2.0) * radius.powf(n - 1.0),
            )
        }
    };
    let others: f64 = p
        .space
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != var)
        .map(|(_, s)| volume(&s.domain))
        .product();
    own * others
}

/// Lanczos approximation of the Gamma function (for ball volumes and sphere areas).
fn gamma(x: f64) -> f64 {
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

/// Warns when redrawing a sampling law's points outside a space variable's domain cuts off
/// the law's tails: when the 1% or 99% quantile of the points' coordinate mean moves by more
/// than [`TAIL_SHIFT_WARNING`] of its standard deviation ([`crate::geometry::LawFit`]). In
/// many dimensions this is easy to miss: the geometric-basket example's `[0, 2]^100` under
/// its log-normal law redrew a fifth of the points and lost every point whose geometric mean
/// is above about 1.3, where the call's value lies.
fn sampling_truncation(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    // A law that widens with time is widest at the end of the interval.
    let elapsed = problem.time.as_ref().map_or(0.0, |t| t.hi - t.lo);
    for s in &problem.space {
        // 4000 draws, fewer in thousands of dimensions (a few million normals at most).
        let dim = s.domain.dim().unwrap_or(1).max(1);
        let draws = (4_000_000 / dim).clamp(400, 4000);
        let Some(fit) = crate::geometry::law_fit(&s.domain, &settings.sampling, elapsed, draws)
        else {
            continue;
        };
        if fit.tail_shift <= TAIL_SHIFT_WARNING {
            continue;
        }
        let pct = format!("{:.0}%", 100.0 * (1.0 - fit.inside));
        let mut d = Diag::warning(
            "pdec::plan::sampling_truncated",
            format!(
                "the sampling law falls outside the domain of `{}` in {pct} of its draws; drawing those again cuts off the law's tails",
                s.name
            ),
        );
        if let Some(span) = settings.key_spans.get("sampling").copied() {
            d = d.primary(
                span,
                format!(
                    "{pct} of its draws fall outside; the tail of its points' mean coordinate moves by {:.1} standard deviations",
                    fit.tail_shift
                ),
            );
        }
        diags.push(
            d.secondary(s.span, "points are drawn only inside this domain")
                .help(format!(
                    "widen the domain of `{}` (without boundary data it only bounds where points are drawn, but the network's inputs are rescaled to it), narrow the law's `sd`, or change variables (log-prices for a log-normal law)",
                    s.name
                )),
        );
    }
}

/// How far (in standard deviations of the points' coordinate mean) redrawing may move the
/// law's 1% or 99% quantile before `pdec::plan::sampling_truncated` warns.
const TAIL_SHIFT_WARNING: f64 = 0.25;

/// The sign conditions of `free_boundary = variational | complementarity` need to know which
/// sign of the residual means "stopping is optimal", which the time direction decides.
fn check_free_boundary_sign(
    problem: &Problem,
    analysis: &Analysis,
    settings: &Settings,
    diags: &mut Diags,
) {
    let Some(c) = &problem.constraint else {
        return;
    };
    // Only a loss the user asked for: the default falls back to the penalty
    // ([`free_boundary_loss`]).
    if settings.free_boundary == FreeBoundaryLoss::Penalty
        || analysis.direction != TimeDirection::Undetermined
        || !settings.key_spans.contains_key("free_boundary")
    {
        return;
    }
    let mut d = Diag::error(
        "pdec::plan::free_boundary_sign",
        "this free-boundary loss needs the equation's time direction, and it is not determined",
    );
    if let Some(span) = settings.key_spans.get("free_boundary").copied() {
        d = d.primary(span, "uses the residual's sign on the obstacle");
    }
    diags.push(
        d.secondary(c.span, "the constraint")
            .secondary(problem.pde.span, "no time derivative with a diffusion of known sign")
            .help("`free_boundary = penalty` needs no sign; the others follow from a forward or backward equation in time"),
    );
}

/// The free-boundary loss the training uses: the setting, except that a default which needs
/// the residual's sign on the obstacle falls back to the penalty where the time direction
/// does not give that sign (an explicit setting is an error there instead).
fn free_boundary_loss(analysis: &Analysis, settings: &Settings) -> FreeBoundaryLoss {
    match analysis.direction {
        TimeDirection::Undetermined => FreeBoundaryLoss::Penalty,
        _ => settings.free_boundary,
    }
}

/// `sampling.NAME` names a parameter, and a log-uniform law needs a positive range.
/// Values (f64) an adaptive pool may hold on the host: 2^27, 1 GiB.
pub const MAX_POOL_VALUES: usize = 1 << 27;

/// The adaptive pool holds `pool * batch` candidates of `width` inputs each on the host.
fn check_adaptive_pool(settings: &Settings, width: usize, diags: &mut Diags) {
    let Some(a) = &settings.adaptive else {
        return;
    };
    let values = a
        .pool
        .saturating_mul(settings.batch)
        .saturating_mul(width.max(1));
    if values <= MAX_POOL_VALUES {
        return;
    }
    let mut d = Diag::error(
        "pdec::plan::adaptive_pool_too_large",
        format!(
            "the adaptive pool would hold {} x {} candidates of {width} inputs: {:.1} GiB, more than the 1 GiB allowed",
            a.pool,
            settings.batch,
            values as f64 * 8.0 / (1u64 << 30) as f64
        ),
    );
    if let Some(span) = settings.key_spans.get("adaptive").copied() {
        d = d.primary(span, "pool too large for this batch");
    }
    let fits = (MAX_POOL_VALUES / (settings.batch.max(1) * width.max(1))).max(1);
    diags.push(d.help(format!(
        "use `pool = {fits}` or less (candidates per PDE batch), or a smaller `batch`"
    )));
}

/// The `sampling.NAME` settings: each names a parameter, the time variable or an interval or
/// box space variable (with uniform `sampling`), and a log law needs a positive range.
fn check_coordinate_laws(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    for (name, law) in &settings.coordinate_laws {
        let span = settings.key_spans.get(&format!("sampling.{name}")).copied();
        // The range the law is drawn on (for a box: lowest lower, highest upper bound) and
        // where it is declared.
        let (lo, hi, declared) = if let Some(p) = problem.params.iter().find(|p| &p.name == name) {
            (p.lo, p.hi, p.span)
        } else if let Some(t) = problem.time.as_ref().filter(|t| &t.name == name) {
            (t.lo, t.hi, t.span)
        } else if let Some(s) = problem.space.iter().find(|s| &s.name == name) {
            let Some((lo, hi)) = check_space_law(s, span, settings, diags) else {
                continue;
            };
            (lo, hi, s.span)
        } else {
            diags.push(unknown_coordinate(problem, name, span));
            continue;
        };
        if *law == CoordinateLaw::Log && lo <= 0.0 {
            let f = crate::syntax::print::format_number;
            let mut d = Diag::error(
                "pdec::plan::log_sampling_range",
                format!(
                    "`sampling.{name} = log` needs a positive range, and `{name}` is in [{}, {}]",
                    f(lo),
                    f(hi)
                ),
            );
            if let Some(span) = span {
                d = d.primary(span, "log-uniform");
            }
            diags.push(d.secondary(declared, "declared here").help(format!(
                "log-uniform draws are uniform in `log {name}`, which needs `0 < lo`: keep `uniform`, or declare `{name}` on a positive range"
            )));
        }
    }
}

/// A coordinate law on a space variable: its domain must be an interval or a box, and its
/// points not drawn from a `sampling` law. The range (for a box: lowest lower, highest upper
/// bound of the components) when it may have one.
fn check_space_law(
    s: &crate::ir::SpaceVar,
    span: Option<crate::source::Span>,
    settings: &Settings,
    diags: &mut Diags,
) -> Option<(f64, f64)> {
    let name = &s.name;
    if let Domain::Ball { .. } = s.domain {
        let mut d = Diag::error(
            "pdec::plan::coordinate_law_on_ball",
            format!(
                "`sampling.{name}` draws each coordinate over its interval, and `{name}` is in a ball"
            ),
        );
        if let Some(span) = span {
            d = d.primary(span, "a law per coordinate");
        }
        diags.push(d.secondary(s.span, "declared in a ball here").help(
            "a ball has no interval per coordinate: remove the setting (points stay uniform in its volume), or use `sampling = normal(...)` to put more points around a centre",
        ));
        return None;
    }
    if settings.sampling != crate::settings::Sampling::Uniform {
        let mut d = Diag::error(
            "pdec::plan::coordinate_law_with_sampling",
            format!("`sampling.{name}` and the `sampling` law both say how `{name}` is drawn"),
        );
        if let Some(span) = span {
            d = d.primary(span, "a law per coordinate");
        }
        if let Some(other) = settings.key_spans.get("sampling").copied() {
            d = d.secondary(other, "a law for the space points");
        }
        diags.push(d.help(format!(
            "keep one: remove `sampling.{name}`, or set `sampling = uniform`"
        )));
        return None;
    }
    let b = s.domain.bounds();
    let lo = b.iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
    let hi = b.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
    Some((lo, hi))
}

/// `sampling.NAME` that names nothing the problem draws.
fn unknown_coordinate(problem: &Problem, name: &str, span: Option<crate::source::Span>) -> Diag {
    let mut d = Diag::error(
        "pdec::plan::unknown_param",
        format!("`sampling.{name}` names no parameter, time or space variable of this problem"),
    );
    if let Some(span) = span {
        d = d.primary(span, "no such variable");
    }
    let mut names: Vec<&str> = problem.params.iter().map(|p| p.name.as_str()).collect();
    names.extend(problem.time.iter().map(|t| t.name.as_str()));
    names.extend(problem.space.iter().map(|s| s.name.as_str()));
    d.help(match did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("did you mean `sampling.{s}`?"),
        None => format!(
            "`sampling.NAME` sets the law of a parameter, the time or a space variable; this problem's: {}",
            names.join(", ")
        ),
    })
}

pub fn plan(
    problem: &Problem,
    analysis: &Analysis,
    settings: &Settings,
    diags: &mut Diags,
) -> Plan {
    let f = crate::syntax::print::format_number;
    let mut inputs = Vec::new();
    for i in &problem.unknown.args {
        match i {
            Input::Time => {
                if let Some(t) = &problem.time {
                    inputs.push(NetInput {
                        name: t.name.clone(),
                        kind: "time",
                        components: 1,
                        lo: vec![t.lo],
                        hi: vec![t.hi],
                    });
                }
            }
            Input::Space(k) => {
                let s = &problem.space[*k];
                let b = s.domain.bounds();
                inputs.push(NetInput {
                    name: s.name.clone(),
                    kind: "space",
                    components: b.len(),
                    lo: b.iter().map(|x| x.0).collect(),
                    hi: b.iter().map(|x| x.1).collect(),
                });
            }
            Input::Param(_) => {}
        }
    }
    for p in &problem.params {
        inputs.push(NetInput {
            name: p.name.clone(),
            kind: "param",
            components: 1,
            lo: vec![p.lo],
            hi: vec![p.hi],
        });
    }
    let input_width = inputs.iter().map(|i| i.components).sum();

    let interior = {
        let mut parts = Vec::new();
        let law_of = |name: &str| settings.coordinate_law(name);
        if let Some(t) = &problem.time {
            let law = law_text(law_of(&t.name));
            parts.push(format!("{} {law} in [{}, {}]", t.name, f(t.lo), f(t.hi)));
        }
        for s in &problem.space {
            parts.push(match law_of(&s.name) {
                CoordinateLaw::Uniform => {
                    space_sampler(problem, &s.name, &s.domain, &settings.sampling)
                }
                l => {
                    let per = if s.domain.dim().is_some() {
                        " per coordinate"
                    } else {
                        ""
                    };
                    format!(
                        "{} {}{per} in {}",
                        s.name,
                        law_text(l),
                        domain_text(&s.domain)
                    )
                }
            });
        }
        let law = |p: &crate::ir::ParamVar| law_of(&p.name);
        let with_law = |l: CoordinateLaw| -> Vec<&str> {
            problem
                .params
                .iter()
                .filter(|p| law(p) == l)
                .map(|p| p.name.as_str())
                .collect()
        };
        for (l, what) in [
            (CoordinateLaw::Uniform, "uniform in their box"),
            (
                CoordinateLaw::Arcsine,
                "arcsine in their box (more points at both ends)",
            ),
        ] {
            let names = with_law(l);
            if !names.is_empty() {
                parts.push(format!("params ({}) {what}", names.join(", ")));
            }
        }
        for p in problem
            .params
            .iter()
            .filter(|p| law(p) == CoordinateLaw::Log)
        {
            parts.push(format!(
                "{} log-uniform in [{}, {}]",
                p.name,
                f(p.lo),
                f(p.hi)
            ));
        }
        parts.join("; ")
    };
    let small = (settings.batch / 4).max(64).min(settings.batch);
    let mut terms = vec![LossTerm {
        name: "pde".into(),
        kind: TermKind::Pde,
        region: Region::Interior,
        sampler: match &settings.adaptive {
            Some(a) => format!(
                "{interior}; adaptive: drawn from {} x batch candidates of that law by |residual|^{} ({}% uniform), rebuilt every {} steps",
                a.pool,
                f(a.power),
                f(a.uniform * 100.0),
                a.every
            ),
            None => interior.clone(),
        },
        weight: 1.0,
        batch: settings.batch,
        residual: problem.pde.residual,
    }];
    for c in &problem.conditions {
        let (kind, region, sampler) = match &c.region {
            Where::TimeSlice { at, terminal } => (
                if *terminal { TermKind::Terminal } else { TermKind::Initial },
                Region::TimeSlice { at: *at },
                format!(
                    "{} = {}; {}",
                    problem.time.as_ref().map(|t| t.name.as_str()).unwrap_or("t"),
                    f(*at),
                    interior.split("; ").filter(|p| !p.starts_with(&format!("{} ", problem.time.as_ref().map(|t| t.name.as_str()).unwrap_or("t")))).collect::<Vec<_>>().join("; ")
                ),
            ),
            Where::Faces { faces } => {
                let measures: Vec<f64> = faces.iter().map(|fc| face_measure(problem, *fc)).collect();
                let total: f64 = measures.iter().sum();
                let plans: Vec<FacePlan> = faces
                    .iter()
                    .zip(&measures)
                    .map(|(fc, m)| FacePlan {
                        face: *fc,
                        name: problem.face_name(*fc),
                        share: if total > 0.0 { m / total } else { 1.0 / faces.len() as f64 },
                    })
                    .collect();
                let sampler = if faces.len() == 1 {
                    match faces[0] {
                        Face::Sphere { .. } => "uniform on the sphere".to_string(),
                        _ => format!("uniform on the face {}", plans[0].name),
                    }
                } else {
                    format!("uniform on {} faces, each chosen in proportion to its area", faces.len())
                };
                (TermKind::Boundary, Region::Faces { faces: plans }, sampler)
            }
            Where::Periodic { var, comp } => (
                TermKind::Periodic,
                Region::Periodic { var: *var, comp: *comp },
                "pairs of points on the two opposite faces (values and normal derivatives must agree)".to_string(),
            ),
        };
        terms.push(LossTerm {
            name: c.name.clone(),
            kind,
            region,
            sampler,
            weight: 1.0,
            batch: small,
            residual: c.residual,
        });
    }
    if let Some(c) = &problem.constraint {
        terms.push(LossTerm {
            name: "constraint".into(),
            kind: TermKind::Constraint,
            region: Region::Interior,
            sampler: format!("{interior} (shared with pde)"),
            weight: 1.0,
            batch: settings.batch,
            residual: c.obstacle,
        });
    }
    // Weights and per-term batches from settings: by exact name, else by kind.
    let names: Vec<String> = terms.iter().map(|t| t.name.clone()).collect();
    let kinds: Vec<&str> = terms.iter().map(|t| t.kind.name()).collect();
    for t in &mut terms {
        if let Some(w) = settings
            .weights
            .get(&t.name)
            .or_else(|| settings.weights.get(t.kind.name()))
        {
            t.weight = *w;
        }
        if let Some(b) = settings
            .batch_per_term
            .get(&t.name)
            .or_else(|| settings.batch_per_term.get(t.kind.name()))
        {
            t.batch = *b;
        }
    }
    for (what, keys) in [
        ("weight", settings.weights.keys().collect::<Vec<_>>()),
        ("batch", settings.batch_per_term.keys().collect()),
    ] {
        for k in keys {
            let span = settings.key_spans.get(&format!("{what}.{k}")).copied();
            if !names.contains(k) && !kinds.contains(&k.as_str()) {
                let candidates: Vec<&str> = names
                    .iter()
                    .map(String::as_str)
                    .chain(kinds.iter().copied())
                    .collect();
                let mut d = Diag::error(
                    "pdec::plan::unknown_term",
                    format!(
                        "`{}` names no loss term of this problem",
                        setting_key(what, k)
                    ),
                );
                if let Some(span) = span {
                    d = d.primary(span, "no such loss term");
                }
                let imposed = problem.imposed.iter().any(|i| i == k)
                    || (k == "boundary"
                        && problem.imposed.iter().any(|i| i.starts_with("boundary")));
                diags.push(d.help(match did_you_mean(k, candidates.iter().copied()) {
                    _ if imposed => format!(
                        "the ansatz imposes `{k}` exactly, so it has no loss term; this problem's loss terms: {}",
                        names.join(", ")
                    ),
                    Some(s) => format!("did you mean `{}`?", setting_key(what, &s)),
                    None => format!("this problem's loss terms: {}", names.join(", ")),
                }));
            }
        }
    }

    if let crate::settings::Sampling::Law {
        spread: crate::settings::Spread::Diffusion,
        ..
    } = settings.sampling
        && problem.time.is_none()
    {
        let mut d = Diag::error(
            "pdec::plan::diffusion_without_time",
            "`spread = diffusion` grows the sampling law with time, and this problem has no time variable",
        );
        if let Some(span) = settings.key_spans.get("sampling").copied() {
            d = d.primary(span, "spread = diffusion");
        }
        diags.push(d.help("use `spread = constant` (the default) for a stationary problem"));
    }
    sampling_truncation(problem, settings, diags);
    check_coordinate_laws(problem, settings, diags);
    check_adaptive_pool(settings, input_width, diags);
    check_free_boundary_sign(problem, analysis, settings, diags);
    let second_order: Vec<SecondOrderPlan> = analysis
        .second_order
        .iter()
        .map(|t| SecondOrderPlan {
            term: t.text.clone(),
            path: t.path,
            why: t.why.clone(),
            directions: t.directions,
            factor: t.factor.clone().ok(),
            not_factorable: t.factor.clone().err(),
        })
        .collect();
    let gradient_squares: Vec<GradientSquarePlan> = analysis
        .gradient_squares
        .iter()
        .map(|t| GradientSquarePlan {
            term: t.text.clone(),
            path: t.path,
            why: t.why.clone(),
            components: t.len,
        })
        .collect();
    let estimated: Vec<crate::ir::NodeId> = analysis
        .gradient_squares
        .iter()
        .filter(|t| t.path == Path::MonteCarlo)
        .map(|t| t.node)
        .collect();
    let cost = Cost {
        first_order_tangents: first_order_tangents(problem, analysis, &estimated),
        exact_second_order_directions: second_order
            .iter()
            .filter(|t| t.path == Path::Exact)
            .map(|t| t.directions)
            .sum::<usize>()
            + analysis.other_second_order.len(),
        monte_carlo_jvps: if second_order.iter().any(|t| t.path == Path::MonteCarlo) {
            4
        } else {
            0
        },
        gradient_square_jvps: 2 * estimated.len(),
    };
    Plan {
        problem: problem.name.clone(),
        inputs,
        input_width,
        terms,
        second_order,
        other_second_order: analysis.other_second_order.clone(),
        gradient_squares,
        direction: analysis.direction,
        free_boundary: problem
            .constraint
            .as_ref()
            .map(|_| free_boundary_loss(analysis, settings)),
        mc_delta: (analysis
            .second_order
            .iter()
            .any(|t| t.path == Path::MonteCarlo)
            || !estimated.is_empty())
        .then(|| settings.mc_delta())
        .flatten(),
        cost,
        settings: settings.clone(),
    }
}

/// How the points of one space variable are drawn, in words.
fn space_sampler(
    problem: &Problem,
    name: &str,
    domain: &Domain,
    law: &crate::settings::Sampling,
) -> String {
    use crate::settings::{LawKind, Sampling, Spread};
    let f = crate::syntax::print::format_number;
    let Sampling::Law {
        kind,
        center,
        sd,
        corr,
        uniform,
        spread,
    } = *law
    else {
        return format!("{name} uniform in {}", domain_text(domain));
    };
    let spread = match (spread, &problem.time) {
        (Spread::Diffusion, Some(t)) => {
            format!("{} * sqrt({} - {})", f(sd), t.name, f(t.lo))
        }
        _ => f(sd),
    };
    let draw = match kind {
        LawKind::Normal => format!("{} + {spread} * z", f(center)),
        LawKind::LogNormal => format!("{} * exp({spread} * z)", f(center)),
    };
    let corr = match corr {
        0.0 => String::new(),
        c => format!(", correlation {} between components", f(c)),
    };
    format!(
        "{name} = {draw} (z standard normal{corr}) in {}, {}% uniform",
        domain_text(domain),
        f(uniform * 100.0)
    )
}

/// `weight.pde` or `weight."boundary x=0"`: quoted only when the name needs it.
fn setting_key(what: &str, term: &str) -> String {
    if term.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{what}.{term}")
    } else {
        format!("{what}.\"{term}\"")
    }
}

/// How many first-derivative directions the residuals need (time, and space components):
/// derivatives reachable from the PDE's terms (except the Monte Carlo gradient squares in
/// `estimated`), the conditions and the constraint.
fn first_order_tangents(
    p: &Problem,
    analysis: &Analysis,
    estimated: &[crate::ir::NodeId],
) -> usize {
    let mut time = false;
    let mut comps: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); p.space.len()];
    let g = &p.graph;
    let mut stack: Vec<crate::ir::NodeId> = analysis
        .terms
        .iter()
        .map(|t| t.node)
        .filter(|n| !estimated.contains(n))
        .chain(p.conditions.iter().map(|c| c.residual))
        .chain(p.constraint.as_ref().map(|c| c.obstacle))
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let n = g.node(id);
        stack.extend(crate::ir::children(&n.op));
        let Op::Deriv(coords) = &n.op else { continue };
        for c in coords {
            match c {
                Coord::Time => time = true,
                Coord::Space { var, comp } => {
                    let len = p.space[*var].domain.dim().unwrap_or(1);
                    match comp {
                        Comp::Scalar => {
                            comps[*var].insert(0);
                        }
                        Comp::Fixed(k) => {
                            comps[*var].insert(*k);
                        }
                        Comp::Axis(a, off) => {
                            for k in 0..g.axis(*a).len() {
                                comps[*var].insert(k + off);
                            }
                        }
                        Comp::Whole => comps[*var].extend(0..len),
                    }
                }
            }
        }
    }
    usize::from(time) + comps.iter().map(|c| c.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn plan_of(src: &str, sets: &[String]) -> (Option<Plan>, bool) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            sets,
        );
        (c.plan, c.diags.has_errors())
    }

    const STATIONARY_OBSTACLE: &str = "space x in [-1, 1]\nunknown u(x)\n\
        pde d(u, x, x) + 1 = 0\nboundary on(x): u = 0\nconstraint u >= 0.1 - x^2\n";

    /// The default free-boundary loss needs the residual's sign on the obstacle; where the
    /// time direction does not give it, the plan falls back to the penalty, and only an
    /// explicit `free_boundary = variational` is an error.
    #[test]
    fn the_default_free_boundary_loss_falls_back_without_a_time_direction() {
        assert_eq!(
            Settings::default().free_boundary,
            FreeBoundaryLoss::Variational
        );
        let (plan, errors) = plan_of(STATIONARY_OBSTACLE, &[]);
        assert!(!errors);
        assert_eq!(
            plan.expect("plan").free_boundary,
            Some(FreeBoundaryLoss::Penalty)
        );
        let (_, errors) = plan_of(STATIONARY_OBSTACLE, &["free_boundary=variational".into()]);
        assert!(errors, "an explicit variational loss without a direction");
        let backward = "time t in [0, 1]\nspace x in [0, 2]\nunknown u(t, x)\n\
            pde d(u, t) + 0.5 * d(u, x, x) = 0\nterminal u = max(x - 1, 0)\n\
            boundary on(x): u = max(x - 1, 0)\nconstraint u >= x - 1\n";
        let (plan, errors) = plan_of(backward, &[]);
        assert!(!errors);
        assert_eq!(
            plan.expect("plan").free_boundary,
            Some(FreeBoundaryLoss::Variational)
        );
    }
}
