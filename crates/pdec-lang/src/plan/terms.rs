//! The loss terms of the plan: one per PDE, condition and constraint, each with the region
//! its points come from, how they are drawn (in words, for `pdec explain`), its weight and
//! batch; and the plans of the residual's second-order terms and gradient squares.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::geometry::region::{FacePlan, Region};
use crate::ir::{Domain, Face, Problem, Where};
use crate::passes::second_order::{Factor, Path};
use crate::settings::{CoordinateLaw, Settings};
use crate::syntax::print::format_number;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    Pde,
    Initial,
    Terminal,
    Boundary,
    Periodic,
    Constraint,
    /// `observe`: the mean squared misfit to data rows.
    Data,
    /// `mean p = c`: the unknown's mean over space, at each time, is `c`.
    Gauge,
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
            TermKind::Data => "data",
            TermKind::Gauge => "gauge",
        }
    }
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
    /// The equation's name (its loss term): each equation's terms choose their path.
    pub equation: String,
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

/// The loss terms of the problem with the settings' weights and batches; an unknown term name
/// in `weight.NAME` or `batch.NAME` is an error.
pub fn loss_terms(problem: &Problem, settings: &Settings, diags: &mut Diags) -> Vec<LossTerm> {
    let f = crate::syntax::print::format_number;
    let interior = interior_sampler(problem, settings);
    let small = (settings.plan.batch / 4).max(64).min(settings.plan.batch);
    let mut terms: Vec<LossTerm> = problem
        .pdes
        .iter()
        .map(|pde| LossTerm {
        name: pde.name.clone(),
        kind: TermKind::Pde,
        region: Region::Interior,
        sampler: match &settings.plan.adaptive {
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
        batch: settings.plan.batch,
        residual: pde.residual,
    })
        .collect();
    for c in &problem.conditions {
        let (kind, region, sampler) = condition_region(problem, &c.region, &interior);
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
            batch: settings.plan.batch,
            residual: c.obstacle,
        });
    }
    for (i, o) in problem.observations.iter().enumerate() {
        terms.push(LossTerm {
            name: o.name.clone(),
            kind: TermKind::Data,
            region: Region::Data { set: i },
            sampler: String::new(),
            weight: o.weight,
            batch: settings.plan.batch,
            residual: o.node,
        });
    }
    for g in &problem.gauges {
        let group = gauge_group(problem);
        terms.push(LossTerm {
            name: g.name.clone(),
            kind: TermKind::Gauge,
            region: Region::Gauge { group },
            sampler: gauge_sampler(problem, group),
            weight: 1.0,
            batch: (settings.plan.batch / group).max(8),
            residual: g.residual,
        });
    }
    weights_and_batches(problem, settings, &mut terms, diags);
    // A data term takes every row when there are at most `batch` of them, else `batch` rows
    // drawn afresh with the points.
    for t in terms.iter_mut() {
        if let Region::Data { set } = t.region {
            let o = &problem.observations[set];
            t.batch = t.batch.min(o.rows()).max(1);
            t.sampler = match t.batch == o.rows() {
                true => format!("all {} rows of \"{}\" every step", o.rows(), o.path),
                false => format!(
                    "{} of the {} rows of \"{}\", drawn with the points",
                    t.batch,
                    o.rows(),
                    o.path
                ),
            };
            // What a derived or fixed data set observes, which its name does not say.
            if o.derived || !o.fixed.is_empty() {
                let fixed: Vec<String> = o
                    .fixed
                    .iter()
                    .map(|(i, v)| format!("{} = {}", problem.input_name(*i), format_number(*v)))
                    .collect();
                let at = match fixed.is_empty() {
                    true => String::new(),
                    false => format!(" at {}", fixed.join(", ")),
                };
                t.sampler = format!("{}{at}: {}", o.target, t.sampler);
            }
        }
    }
    terms
}

/// Points per time (and parameter value) of a gauge's groups: more points per time make
/// its estimate less noisy (the products of `k (k - 1) / 2` pairs per row, not one); with
/// no time and no parameters every point of the batch pairs with every other, and two
/// batches suffice.
fn gauge_group(problem: &Problem) -> usize {
    match problem.time.is_none() && problem.params.is_empty() {
        true => 2,
        false => 16,
    }
}

/// How a gauge's points are drawn, in words. Its loss is a U-statistic: the mean of the
/// products `r r'` of the residual `r = u - value` at distinct points with the same time and
/// parameters, unbiased for `(mean over space - value)^2`; the square of a batch mean would
/// add the variance of `u` over the batch, whose gradient pulls `u` towards a constant.
fn gauge_sampler(problem: &Problem, group: usize) -> String {
    let mut shared: Vec<&str> = problem.time.iter().map(|t| t.name.as_str()).collect();
    shared.extend(problem.params.iter().map(|p| p.name.as_str()));
    match shared.is_empty() {
        true => format!(
            "{group} batches of interior points; the loss is the mean of r r' over distinct points (r = residual), an unbiased estimate of (mean - value)^2"
        ),
        false => format!(
            "{group} interior points per row with the same {} and space drawn independently; the loss is the mean of r r' over distinct points of a row (r = residual), an unbiased estimate of (mean over space - value)^2",
            shared.join(", ")
        ),
    }
}

/// How the interior's points are drawn, in words.
fn interior_sampler(problem: &Problem, settings: &Settings) -> String {
    let f = crate::syntax::print::format_number;
    let mut parts = Vec::new();
    let law_of = |name: &str| settings.plan.coordinate_law(name);
    if let Some(t) = &problem.time {
        let law = law_text(law_of(&t.name));
        parts.push(format!("{} {law} in [{}, {}]", t.name, f(t.lo), f(t.hi)));
    }
    for s in &problem.space {
        parts.push(match law_of(&s.name) {
            CoordinateLaw::Uniform => {
                space_sampler(problem, &s.name, &s.domain, &settings.plan.sampling)
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
}

/// A condition's term kind, region and sampler (in words).
fn condition_region(
    problem: &Problem,
    place: &Where,
    interior: &str,
) -> (TermKind, Region, String) {
    let f = crate::syntax::print::format_number;
    match place {
        Where::TimeSlice { at, terminal } => (
            if *terminal {
                TermKind::Terminal
            } else {
                TermKind::Initial
            },
            Region::TimeSlice { at: *at },
            format!(
                "{} = {}; {}",
                problem
                    .time
                    .as_ref()
                    .map(|t| t.name.as_str())
                    .unwrap_or("t"),
                f(*at),
                interior
                    .split("; ")
                    .filter(|p| !p.starts_with(&format!(
                        "{} ",
                        problem
                            .time
                            .as_ref()
                            .map(|t| t.name.as_str())
                            .unwrap_or("t")
                    )))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Where::Faces { faces, restriction } => {
            let kept = |i: usize| restriction.as_ref().map_or(1.0, |r| r.shares[i]);
            let measures: Vec<f64> = faces
                .iter()
                .enumerate()
                .map(|(i, fc)| face_measure(problem, *fc) * kept(i))
                .collect();
            let total: f64 = measures.iter().sum();
            let plans: Vec<FacePlan> = faces
                .iter()
                .zip(&measures)
                .enumerate()
                .map(|(i, (fc, m))| FacePlan {
                    face: *fc,
                    name: problem.face_name(*fc),
                    share: if total > 0.0 {
                        m / total
                    } else {
                        1.0 / faces.len() as f64
                    },
                    restriction: restriction.as_ref().map(|r| r.node),
                    acceptance: kept(i),
                })
                .collect();
            let mut sampler = if faces.len() == 1 {
                match faces[0] {
                    Face::Sphere { .. } => "uniform on the sphere".to_string(),
                    _ => format!("uniform on the face {}", plans[0].name),
                }
            } else {
                format!(
                    "uniform on {} faces, each chosen in proportion to its area",
                    faces.len()
                )
            };
            if let Some(r) = restriction {
                let kept: Vec<String> = plans
                    .iter()
                    .map(|p| format!("{:.1}%", 100.0 * p.acceptance))
                    .collect();
                sampler.push_str(&format!(
                    ", where {}, by rejection (acceptance {})",
                    r.text,
                    kept.join(", ")
                ));
            }
            (TermKind::Boundary, Region::Faces { faces: plans }, sampler)
        }
        Where::Periodic { var, comp } => (
            TermKind::Periodic,
            Region::Periodic {
                var: *var,
                comp: *comp,
            },
            "pairs of points on the two opposite faces (values and normal derivatives must agree)"
                .to_string(),
        ),
    }
}

/// The settings' weights and per-term batches, by exact name, else by kind; a name that is
/// neither is an error.
fn weights_and_batches(
    problem: &Problem,
    settings: &Settings,
    terms: &mut [LossTerm],
    diags: &mut Diags,
) {
    // Weights and per-term batches from settings: by exact name, else by kind.
    let names: Vec<String> = terms.iter().map(|t| t.name.clone()).collect();
    let kinds: Vec<&str> = terms.iter().map(|t| t.kind.name()).collect();
    for t in terms.iter_mut() {
        if let Some(w) = settings
            .plan
            .weights
            .get(&t.name)
            .or_else(|| settings.plan.weights.get(t.kind.name()))
        {
            t.weight = *w;
        }
        if let Some(b) = settings
            .plan
            .batch_per_term
            .get(&t.name)
            .or_else(|| settings.plan.batch_per_term.get(t.kind.name()))
        {
            t.batch = *b;
        }
    }
    for (what, keys) in [
        ("weight", settings.plan.weights.keys().collect::<Vec<_>>()),
        ("batch", settings.plan.batch_per_term.keys().collect()),
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
        Domain::Csg(c) => format!(
            "a constructive domain ({} primitives, {} boundary pieces; drawn in its bounding box, {:.1}% kept)",
            c.prims.len(),
            c.surfaces.len(),
            100.0 * c.acceptance
        ),
    }
}

/// Area (measure) of a face, times the volume of the other space variables' domains.
pub(super) fn face_measure(p: &Problem, face: Face) -> f64 {
    let volume = |d: &Domain| match d {
        Domain::Interval { lo, hi } => hi - lo,
        Domain::Box { lo, hi } => lo.iter().zip(hi).map(|(a, b)| b - a).product(),
        Domain::Ball { center, radius } => {
            let n = center.len() as f64;
            std::f64::consts::PI.powf(n / 2.0) / gamma(n / 2.0 + 1.0) * radius.powf(n)
        }
        Domain::Csg(c) => c.volume(),
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
        Face::Surface { var, surface } => match &p.space[var].domain {
            Domain::Csg(c) => (var, c.surfaces[surface].area),
            _ => return 1.0,
        },
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
/// How the points of one space variable are drawn, in words.
fn space_sampler(
    problem: &Problem,
    name: &str,
    domain: &Domain,
    law: &crate::settings::Sampling,
) -> String {
    use crate::settings::{Center, LawKind, Sampling, Spread};
    let f = crate::syntax::print::format_number;
    let Sampling::Law {
        kind,
        ref center,
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
        (Spread::DiffusionFrom { elapsed }, Some(t)) => {
            format!("{} * sqrt(|{} - {}|)", f(sd), t.name, f(t.lo + elapsed))
        }
        _ => f(sd),
    };
    let center = match center {
        Center::All(c) => f(*c),
        Center::Point(p) => format!(
            "[{}]",
            p.iter().map(|c| f(*c)).collect::<Vec<_>>().join(", ")
        ),
    };
    let draw = match kind {
        LawKind::Normal => format!("{center} + {spread} * z"),
        LawKind::LogNormal => format!("{center} * exp({spread} * z)"),
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
