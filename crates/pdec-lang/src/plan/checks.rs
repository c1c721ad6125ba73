//! The plan's checks of the settings against the problem: sampling laws that the domain
//! cuts off or that name no coordinate, a diffusion-shaped spread without time, an adaptive
//! pool too large for the host, a free-boundary loss whose sign the time direction does not
//! give.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::ir::{Domain, Problem};
use crate::passes::{Analysis, TimeDirection};
use crate::settings::{CoordinateLaw, FreeBoundaryLoss, Settings};

/// Every check of this module, in the order their diagnostics are reported.
pub fn check_settings(
    problem: &Problem,
    analysis: &Analysis,
    settings: &Settings,
    input_width: usize,
    diags: &mut Diags,
) {
    check_settings_alone(problem, settings, input_width, diags);
    check_free_boundary_sign(problem, analysis, settings, diags);
    low_acceptance(problem, diags);
}

/// Below this share of the bounding box, rejection sampling of a constructive domain is
/// slow enough to say so.
pub const LOW_ACCEPTANCE: f64 = 0.05;

/// A constructive domain that fills little of its bounding box: each interior point costs
/// `1 / acceptance` draws.
fn low_acceptance(problem: &Problem, diags: &mut Diags) {
    for s in &problem.space {
        let Domain::Csg(c) = &s.domain else { continue };
        if c.acceptance >= LOW_ACCEPTANCE {
            continue;
        }
        diags.push(
            Diag::warning(
                "pdec::plan::low_acceptance",
                format!(
                    "the domain of `{}` fills {:.2}% of its bounding box: each interior point costs about {:.0} draws",
                    s.name,
                    100.0 * c.acceptance,
                    1.0 / c.acceptance
                ),
            )
            .primary(s.span, "points are drawn in its bounding box and kept when inside")
            .help("points stay uniform, only slower to draw; a domain that is mostly empty space in its box (an intersection with a thin slab, a small corner of a ball) is better described by a smaller box around it"),
        );
    }
    // A `where` restriction that keeps a small share of its faces' area.
    for c in &problem.conditions {
        let crate::ir::Where::Faces {
            faces,
            restriction: Some(r),
        } = &c.region
        else {
            continue;
        };
        let areas: Vec<f64> = faces
            .iter()
            .map(|f| super::terms::face_measure(problem, *f))
            .collect();
        let whole: f64 = areas.iter().sum();
        let kept: f64 = areas.iter().zip(&r.shares).map(|(a, s)| a * s).sum();
        if whole <= 0.0 || whole.is_nan() || kept / whole >= LOW_ACCEPTANCE {
            continue;
        }
        let share = kept / whole;
        diags.push(
            Diag::warning(
                "pdec::plan::low_acceptance",
                format!(
                    "the restriction `{}` keeps {:.2}% of its faces: each of the condition's points costs about {:.0} draws",
                    r.text,
                    100.0 * share,
                    1.0 / share
                ),
            )
            .primary(c.span, "points are drawn on the faces and kept where the restriction holds")
            .help("points stay uniform, only slower to draw; name fewer faces in the locus (`x[1] = 0` rather than `on(x)`) so that the restriction keeps more of them"),
        );
    }
}

/// The checks that need the problem and the settings but not the analysis: they run even
/// where the analysis failed (their errors are independent of its).
pub fn check_settings_alone(
    problem: &Problem,
    settings: &Settings,
    input_width: usize,
    diags: &mut Diags,
) {
    if let crate::settings::Sampling::Law {
        spread: crate::settings::Spread::Diffusion,
        ..
    } = settings.plan.sampling
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
    center_dimension(problem, settings, diags);
    sampling_truncation(problem, settings, diags);
    check_coordinate_laws(problem, settings, diags);
    check_adaptive_pool(settings, input_width, diags);
}

/// A point `center = [a, b, ...]` has one value per component of every space variable the
/// law draws.
fn center_dimension(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    let crate::settings::Sampling::Law {
        center: crate::settings::Center::Point(p),
        ..
    } = &settings.plan.sampling
    else {
        return;
    };
    for s in &problem.space {
        let dim = s.domain.dim().unwrap_or(1);
        if dim == p.len() {
            continue;
        }
        let mut d = Diag::error(
            "pdec::plan::center_dimension",
            format!(
                "the sampling law's centre has {} components, and `{}` has {dim}",
                p.len(),
                s.name
            ),
        );
        if let Some(span) = settings.key_spans.get("sampling").copied() {
            d = d.primary(span, format!("a point of dimension {}", p.len()));
        }
        diags.push(d.help(format!(
            "give {dim} values, or one number for every component (`center = 1`)"
        )));
    }
}

fn sampling_truncation(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    // A law that widens with time is widest at the end of the interval.
    let elapsed = problem.time.as_ref().map_or(0.0, |t| t.hi - t.lo);
    for s in &problem.space {
        // 4000 draws, fewer in thousands of dimensions (a few million normals at most).
        let dim = s.domain.dim().unwrap_or(1).max(1);
        let draws = (4_000_000 / dim).clamp(400, 4000);
        let Some(fit) =
            crate::geometry::laws::law_fit(&s.domain, &settings.plan.sampling, elapsed, draws)
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
    if settings.plan.free_boundary == FreeBoundaryLoss::Penalty
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
            .secondary(problem.pdes[0].span, "no time derivative with a diffusion of known sign")
            .help("`free_boundary = penalty` needs no sign; the others follow from a forward or backward equation in time"),
    );
}

/// The free-boundary loss the training uses: the setting, except that a default which needs
/// the residual's sign on the obstacle falls back to the penalty where the time direction
/// does not give that sign (an explicit setting is an error there instead).
pub fn free_boundary_loss(analysis: &Analysis, settings: &Settings) -> FreeBoundaryLoss {
    match analysis.direction {
        TimeDirection::Undetermined => FreeBoundaryLoss::Penalty,
        _ => settings.plan.free_boundary,
    }
}

/// `sampling.NAME` names a parameter, and a log-uniform law needs a positive range.
/// Values (f64) an adaptive pool may hold on the host: 2^27, 1 GiB.
pub const MAX_POOL_VALUES: usize = 1 << 27;

/// The adaptive pool holds `pool * batch` candidates of `width` inputs each on the host.
fn check_adaptive_pool(settings: &Settings, width: usize, diags: &mut Diags) {
    let Some(a) = &settings.plan.adaptive else {
        return;
    };
    let values = a
        .pool
        .saturating_mul(settings.plan.batch)
        .saturating_mul(width.max(1));
    if values <= MAX_POOL_VALUES {
        return;
    }
    let mut d = Diag::error(
        "pdec::plan::adaptive_pool_too_large",
        format!(
            "the adaptive pool would hold {} x {} candidates of {width} inputs: {:.1} GiB, more than the 1 GiB allowed",
            a.pool,
            settings.plan.batch,
            values as f64 * 8.0 / (1u64 << 30) as f64
        ),
    );
    if let Some(span) = settings.key_spans.get("adaptive").copied() {
        d = d.primary(span, "pool too large for this batch");
    }
    let fits = (MAX_POOL_VALUES / (settings.plan.batch.max(1) * width.max(1))).max(1);
    diags.push(d.help(format!(
        "use `pool = {fits}` or less (candidates per PDE batch), or a smaller `batch`"
    )));
}

/// The `sampling.NAME` settings: each names a parameter, the time variable or an interval or
/// box space variable (with uniform `sampling`), and a log law needs a positive range.
fn check_coordinate_laws(problem: &Problem, settings: &Settings, diags: &mut Diags) {
    for (name, law) in &settings.plan.coordinate_laws {
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
    if let Domain::Ball { .. } | Domain::Csg(_) = s.domain {
        let shape = if matches!(s.domain, Domain::Ball { .. }) {
            "a ball"
        } else {
            "a constructive domain"
        };
        let mut d = Diag::error(
            "pdec::plan::coordinate_law_on_ball",
            format!(
                "`sampling.{name}` draws each coordinate over its interval, and `{name}` is in {shape}"
            ),
        );
        if let Some(span) = span {
            d = d.primary(span, "a law per coordinate");
        }
        diags.push(d.secondary(s.span, format!("declared in {shape} here")).help(
            format!("{shape} has no interval per coordinate: remove the setting (points stay uniform in its volume), or use `sampling = normal(...)` to put more points around a centre"),
        ));
        return None;
    }
    if settings.plan.sampling != crate::settings::Sampling::Uniform {
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
