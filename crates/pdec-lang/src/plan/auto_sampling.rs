//! The sampling law the compiler chooses for a truncated domain. Where a problem is posed on
//! an unbounded space cut to a box (`boundary none`), asks for values at a point (`report`)
//! and gives no `sampling` law, uniform points in the box rarely come near what decides the
//! answer: in 100 dimensions a uniform point of `[-5, 5]^100` lies about 29 from the centre,
//! and the paths that decide `u(0, x = 0)` spread like a diffusion from it. The law chosen
//! here puts the points there: centred at the report's point, with the operator's own
//! spread (`sqrt(2 C_kk / |a|)` for `a u_t + ... + sum C_ij u_ij`) growing like a diffusion
//! from the report's time, `lognormal` where the diffusion is proportional to the price
//! (`x_k^2 u_kk`, Black-Scholes-type), and the coefficients' correlation. A quarter of the
//! points stay uniform. The drift is not followed (the centre stays at the report point).
//!
//! The coefficients are read by probing the PDE residual with the IR's evaluator at the
//! report point: the residual with one second derivative set to 1 (every other derivative
//! and the unknown 0), minus the residual with all 0, is that derivative's coefficient.
//! `sampling = uniform` (or any law) in `solve { }` turns the choice off.
//!
//! The same probe checks the time's units ([`time_scale`]): a Black-Scholes-type equation
//! whose log-price spreads implausibly far over the time interval is warned about.

use crate::geometry::Layout;
use crate::ir::eval::{Dense, Layout as DenseLayout, eval_at};
use crate::ir::{Comp, Coord, Domain, Graph, Op, Problem, Ty, Where};
use crate::passes::{Analysis, TimeDirection};
use crate::settings::{Center, LawKind, Sampling, Settings, Spread};
use std::borrow::Cow;

/// The share of points that stay uniform in the box.
const UNIFORM_SHARE: f64 = 0.25;

/// A law the compiler chose, and why (for `pdec explain`).
#[derive(Clone, Debug)]
pub struct ChosenLaw {
    pub law: Sampling,
    pub why: String,
}

/// The law for `problem` when the compiler chooses one (see the module's comment); `None`
/// when the user set a law, the domain is bounded by conditions, or the problem does not
/// say where its answer is wanted.
pub fn choose(problem: &Problem, analysis: &Analysis, settings: &Settings) -> Option<ChosenLaw> {
    // `sampling = sobol | halton` chooses the numbers, not the law: the compiler may still
    // choose the law they are turned into.
    let user_set = settings.key_spans.keys().any(|k| {
        (k == "sampling" && settings.plan.sequence.is_random())
            || problem
                .space
                .iter()
                .any(|s| k == &format!("sampling.{}", s.name))
    });
    let truncated = !problem
        .conditions
        .iter()
        .any(|c| matches!(c.region, Where::Faces { .. } | Where::Periodic { .. }));
    let [space] = problem.space.as_slice() else {
        return None;
    };
    if user_set
        || !truncated
        // The user's ansatz may impose faces (their conditions are then gone from the list
        // above); the compiler's impose time data only, and read as the problem does: in
        // `g + h * net` the coefficients of `net`'s derivatives are the equation's times `h`.
        || problem
            .single()
            .is_none_or(|u| u.ansatz.as_ref().is_some_and(|a| a.chosen.is_none()))
        || matches!(space.domain, Domain::Ball { .. })
        || analysis.direction == TimeDirection::Undetermined
    {
        return None;
    }
    let time = problem.time.as_ref()?;
    let first = problem.reports.first()?;
    let point = first.space.first()?.clone();
    let at_time = first.time?;
    if problem
        .reports
        .iter()
        .any(|r| r.space.first() != Some(&point) || r.time != Some(at_time))
    {
        return None;
    }
    let probe = Probe::new(problem, at_time, &first.params);
    let comps = probed_components(point.len());
    let diffusion = probe.diffusion(&point, &comps)?;
    let lognormal = proportional_to_price(&probe, &space.domain, &point, &comps, &diffusion);
    let per_component: Vec<f64> = diffusion
        .iter()
        .zip(&comps)
        .map(|(d, &k)| {
            if lognormal {
                d.sqrt() / point[k]
            } else {
                d.sqrt()
            }
        })
        .collect();
    let n = per_component.len() as f64;
    // Three significant digits: a law to read in `pdec explain`, not a measurement.
    let sd = significant((per_component.iter().map(|s| s * s).sum::<f64>() / n).sqrt());
    let corr = significant(probe.correlation(&point).unwrap_or(0.0).clamp(0.0, 0.99));
    if !(sd.is_finite() && sd > 0.0) {
        return None;
    }
    let center = match point.as_slice() {
        [c] => Center::All(*c),
        p if p.iter().all(|c| *c == p[0]) => Center::All(p[0]),
        p => Center::Point(p.to_vec()),
    };
    let spread = if at_time == time.lo {
        Spread::Diffusion
    } else {
        Spread::DiffusionFrom {
            elapsed: at_time - time.lo,
        }
    };
    let kind = if lognormal {
        LawKind::LogNormal
    } else {
        LawKind::Normal
    };
    let why = format!(
        "chosen by the compiler (`boundary none`, no `sampling` set): points spread from the report {} like the equation's diffusion{}; `sampling = uniform` turns this off",
        first.text,
        if lognormal {
            " (proportional to the price: lognormal)"
        } else {
            ""
        }
    );
    Some(ChosenLaw {
        law: Sampling::Law {
            kind,
            center,
            sd,
            corr,
            uniform: UNIFORM_SHARE,
            spread,
        },
        why,
    })
}

/// Whether the diffusion of each component grows like its square (Black-Scholes-type:
/// `x_k^2 d(u, x[k], x[k])`), on a domain of positive prices: the diffusion at `1.5 x` is
/// `2.25` times the one at `x`.
fn proportional_to_price(
    probe: &Probe,
    domain: &Domain,
    point: &[f64],
    comps: &[usize],
    diffusion: &[f64],
) -> bool {
    let positive =
        point.iter().all(|p| *p > 0.0) && domain.bounds().iter().all(|(lo, _)| *lo >= 0.0);
    positive && {
        let wider: Vec<f64> = point.iter().map(|p| 1.5 * p).collect();
        probe.diffusion(&wider, comps).is_some_and(|d2| {
            d2.iter()
                .zip(diffusion)
                .all(|(b, a)| (b / 2.25 - a).abs() <= 1e-6 * a.abs())
        })
    }
}

/// Beyond this spread of the log-price over the whole time interval (`sigma sqrt(T)`), the
/// units are suspect: a volatility of 100% a year over four years is 2; 20% a year over 365
/// "years" (a maturity in days) is 3.8.
const LOG_SPREAD_WARNING: f64 = 2.5;

/// A warning when a Black-Scholes-type equation spreads the log-price implausibly far over
/// its time interval (`pdec::plan::time_scale`): a maturity in days with yearly rates and
/// volatilities. Read at the first report's point, or the middle of the domain.
pub fn time_scale(problem: &Problem, diags: &mut crate::diag::Diags) {
    let Some(time) = &problem.time else {
        return;
    };
    // The first and the last component: a warning needs no more (and this runs on every
    // problem with time, so it stays cheap in a thousand dimensions).
    let Some(PriceDiffusion {
        space,
        point,
        comps,
        diffusion,
    }) = price_diffusion(problem, |d| {
        let mut comps = vec![0, d.saturating_sub(1)];
        comps.dedup();
        comps
    })
    else {
        return;
    };
    let sigma = diffusion
        .iter()
        .zip(&comps)
        .map(|(d, &k)| d.sqrt() / point[k])
        .fold(0.0, f64::max);
    let length = time.hi - time.lo;
    let spread = sigma * length.sqrt();
    if spread <= LOG_SPREAD_WARNING {
        return;
    }
    let f = crate::syntax::print::format_number;
    diags.push(
        crate::diag::Diag::warning(
            "pdec::plan::time_scale",
            format!(
                "over the time interval (length {}) the log of `{}` spreads by {}: a volatility of {} per unit of time",
                f(length),
                space.name,
                f(significant(spread)),
                f(significant(sigma))
            ),
        )
        .primary(time.span, "time declared here")
        .help("is the time in days and the rates and volatilities per year? State both in the same unit: a maturity of three months is `t in [0, 0.25]` in years"),
    );
}

/// The diffusion of an equation that is Black-Scholes-type in its one space variable.
pub(super) struct PriceDiffusion<'a> {
    pub space: &'a crate::ir::SpaceVar,
    /// Where it was read: the first report's point, or the middle of the domain.
    pub point: Vec<f64>,
    /// The components read, and the diffusion `2 |C_kk / a|` of each.
    pub comps: Vec<usize>,
    pub diffusion: Vec<f64>,
}

/// The diffusion of the components `components(d)` when the equation is Black-Scholes-type
/// in its one space variable (`x_k^2 d(u, x[k], x[k])` on positive prices: see
/// [`proportional_to_price`]), read at the first report's point (time and parameters too) or
/// the middle of the domain and the start of time; `None` otherwise.
pub(super) fn price_diffusion(
    problem: &Problem,
    components: impl Fn(usize) -> Vec<usize>,
) -> Option<PriceDiffusion<'_>> {
    let (Some(time), [space]) = (&problem.time, problem.space.as_slice()) else {
        return None;
    };
    let report = problem.reports.first();
    let point = match report.and_then(|r| r.space.first()) {
        Some(p) => p.clone(),
        None => space
            .domain
            .bounds()
            .iter()
            .map(|(lo, hi)| (lo + hi) / 2.0)
            .collect(),
    };
    let params: Vec<f64> = match report {
        Some(r) => r.params.clone(),
        None => problem.params.iter().map(|p| (p.lo + p.hi) / 2.0).collect(),
    };
    let at = report.and_then(|r| r.time).unwrap_or(time.lo);
    let probe = Probe::new(problem, at, &params);
    let comps = components(point.len());
    let diffusion = probe.diffusion(&point, &comps)?;
    proportional_to_price(&probe, &space.domain, &point, &comps, &diffusion).then_some(
        PriceDiffusion {
            space,
            point,
            comps,
            diffusion,
        },
    )
}

/// `x` rounded to three significant digits.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The PDE residual evaluated at one time and parameter point with chosen derivative values.
struct Probe<'a> {
    problem: &'a Problem,
    layout: Layout,
    row: Vec<f64>,
}

/// At most this many components are probed: each probe is one evaluation of the residual,
/// itself quadratic in the dimension for a correlated sum (`pdec check` of a 1000-D basket
/// spends about half a second here).
const PROBED: usize = 8;

/// The components whose coefficients are read: all up to [`PROBED`], else that many spread
/// evenly (the law has one `sd` for every component: their root mean square).
pub(super) fn probed_components(d: usize) -> Vec<usize> {
    if d <= PROBED {
        (0..d).collect()
    } else {
        (0..PROBED).map(|i| i * (d - 1) / (PROBED - 1)).collect()
    }
}

/// Which derivative is set to 1 in a probe.
#[derive(Clone, Copy, PartialEq)]
enum Probed {
    Nothing,
    Time,
    Second(usize, usize),
}

impl<'a> Probe<'a> {
    fn new(problem: &'a Problem, time: f64, params: &[f64]) -> Probe<'a> {
        let layout = Layout::new(problem);
        let mut row = vec![0.0; layout.width()];
        if let Some(c) = layout.columns.time() {
            row[c] = time;
        }
        for (k, v) in params.iter().enumerate() {
            if let Some(c) = layout.columns.param(k) {
                row[c] = *v;
            }
        }
        Probe {
            problem,
            layout,
            row,
        }
    }

    /// The residual at space point `x` with the derivative `probed` set to 1.
    fn residual(&self, x: &[f64], probed: Probed) -> Option<f64> {
        let mut row = self.row.clone();
        let (o, l) = self.layout.columns.space(0)?;
        if l != x.len() {
            return None;
        }
        row[o..o + l].copy_from_slice(x);
        let g = &self.problem.graph;
        let value_of = |op: &Op, ty: &Ty| -> Option<Dense<'static>> {
            let layout = DenseLayout::of(g, ty);
            let data = match op {
                Op::Input(i) => row.get(self.layout.columns(*i)?)?.to_vec(),
                Op::U(_) => vec![0.0],
                Op::Deriv(_, coords) => derivative_values(g, ty, coords, probed, layout.numel()),
                _ => return None,
            };
            (data.len() == layout.numel()).then_some(Dense {
                layout,
                data: Cow::Owned(data),
            })
        };
        let v = eval_at(g, self.problem.pdes[0].residual, &value_of)?;
        (v.data.len() == 1 && v.data[0].is_finite()).then(|| v.data[0])
    }

    /// `2 |C_kk / a|` at `x` for each component `k` of `comps`: the diffusion
    /// of the equation's paths.
    fn diffusion(&self, x: &[f64], comps: &[usize]) -> Option<Vec<f64>> {
        let base = self.residual(x, Probed::Nothing)?;
        let a = self.residual(x, Probed::Time)? - base;
        if a == 0.0 {
            return None;
        }
        comps
            .iter()
            .copied()
            .map(|k| {
                let c = self.residual(x, Probed::Second(k, k))? - base;
                let d = 2.0 * (c / a).abs();
                (d > 0.0).then_some(d)
            })
            .collect()
    }

    /// The coefficients' correlation between the first two components: `C_01 / sqrt(C_00
    /// C_11)` (the probe sets both `u_01` and `u_10`, so it reads `2 C_01`).
    fn correlation(&self, x: &[f64]) -> Option<f64> {
        if x.len() < 2 {
            return None;
        }
        let base = self.residual(x, Probed::Nothing)?;
        let c = |k, l| Some(self.residual(x, Probed::Second(k, l))? - base);
        let (c00, c11, c01) = (c(0, 0)?, c(1, 1)?, c(0, 1)? / 2.0);
        let r = c01 / (c00 * c11).abs().sqrt();
        r.is_finite().then_some(r)
    }
}

/// The values of a derivative node `d(u, coords...)` of type `ty` (every component, over its
/// index axes and positional dimensions): 1 where it is the probed derivative, else 0.
fn derivative_values(g: &Graph, ty: &Ty, coords: &[Coord], probed: Probed, n: usize) -> Vec<f64> {
    let layout = DenseLayout::of(g, ty);
    let mut out = vec![0.0; n];
    // Only a derivative of the probed order can hold the 1.
    let order = match probed {
        Probed::Nothing => return out,
        Probed::Time => 1,
        Probed::Second(..) => 2,
    };
    if coords.len() != order {
        return out;
    }
    let extents: Vec<usize> = layout
        .axes
        .iter()
        .map(|(_, len)| *len)
        .chain(layout.dims.iter().copied())
        .collect();
    let mut idx = vec![0usize; extents.len()];
    for v in out.iter_mut() {
        // Each coordinate's component at this multi-index (no allocation: a probe of a
        // correlated sum in 1000 dimensions visits a million entries).
        let mut whole = layout.axes.len();
        let mut comps = [None; 2];
        for (slot, c) in comps.iter_mut().zip(coords) {
            *slot = match c {
                Coord::Time => None,
                Coord::Space { comp, .. } => Some(match comp {
                    Comp::Scalar => 0,
                    Comp::Fixed(k) => *k,
                    Comp::Axis(a, offset) => {
                        let pos = layout.axes.iter().position(|(b, _)| b == a).unwrap_or(0);
                        idx.get(pos).copied().unwrap_or(0) + offset
                    }
                    Comp::Whole => {
                        whole += 1;
                        idx.get(whole - 1).copied().unwrap_or(0)
                    }
                }),
            };
        }
        *v = match (probed, order, comps) {
            (Probed::Time, 1, [None, _]) => 1.0,
            (Probed::Second(k, l), 2, [Some(a), Some(b)])
                if (a, b) == (k, l) || (a, b) == (l, k) =>
            {
                1.0
            }
            _ => 0.0,
        };
        // The next multi-index, last dimension fastest.
        for d in (0..extents.len()).rev() {
            idx[d] += 1;
            if idx[d] < extents[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::settings::{Center, LawKind, Sampling, Spread};
    use crate::source::SourceFile;

    /// The plan's law and whether the compiler chose it.
    fn law(text: &str) -> (Sampling, bool) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: text.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let plan = c.plan.expect("a plan");
        (plan.settings.sampling, plan.sampling_chosen.is_some())
    }

    const HJB: &str = "const d = 10\ntime t in [0, 1]\nspace x in [-5, 5]^d\nunknown u(t, x)\n\
        boundary none\npde d(u, t) + 0.5 * lap(u) - norm2(grad(u)) = 0\n\
        terminal u = log((1 + norm(x)^2) / 2)\nreport u(0, x = 0)\n";

    #[test]
    fn a_backward_diffusion_spreads_from_the_report_with_its_own_coefficient() {
        // u_t + 0.5 lap(u): paths x + W_t, sd 1 per unit of sqrt(time).
        let (l, chosen) = law(HJB);
        assert!(chosen);
        assert_eq!(
            l,
            Sampling::Law {
                kind: LawKind::Normal,
                center: Center::All(0.0),
                sd: 1.0,
                corr: 0.0,
                uniform: 0.25,
                spread: Spread::Diffusion,
            }
        );
    }

    #[test]
    fn black_scholes_type_diffusion_is_lognormal_with_its_correlation() {
        let (l, _) = law(
            "const d = 4\nconst sigma = 0.3\nconst rho[i in 1..d, j in 1..d] = if i == j then 1 else 0.5\n\
             time t in [0, 1]\nspace x in [0, 4]^d\nunknown u(t, x)\nboundary none\n\
             pde d(u, t) + 0.5 * sum(i in 1..d, j in 1..d) rho[i, j] * sigma^2 * x[i] * x[j] * d(u, x[i], x[j]) - 0.05 * u = 0\n\
             terminal u = max(mean(x) - 1, 0)\nreport u(0, x = [1, 1.2, 0.8, 1])\n",
        );
        let Sampling::Law {
            kind,
            center,
            sd,
            corr,
            ..
        } = l
        else {
            panic!("a law")
        };
        assert_eq!(kind, LawKind::LogNormal);
        assert_eq!(center, Center::Point(vec![1.0, 1.2, 0.8, 1.0]));
        assert_eq!((sd, corr), (0.3, 0.5));
    }

    #[test]
    fn a_forward_equation_spreads_back_from_the_report_time() {
        let (l, _) = law(
            "time t in [0, 0.5]\nspace x in [-4, 4]^3\nunknown u(t, x)\nboundary none\n\
             pde 2 * d(u, t) = lap(u) + u - u^3\ninitial u = 1 / (2 + norm2(x))\nreport u(0.5, x = 0)\n",
        );
        let Sampling::Law { sd, spread, .. } = l else {
            panic!("a law")
        };
        // 2 u_t = lap(u): diffusion 2 * 1 / 2 = 1.
        assert_eq!((sd, spread), (1.0, Spread::DiffusionFrom { elapsed: 0.5 }));
    }

    #[test]
    fn the_users_law_bounded_domains_and_reportless_problems_stay_as_written() {
        let (l, chosen) = law(&format!("{HJB}solve {{ sampling = uniform }}\n"));
        assert_eq!((l, chosen), (Sampling::Uniform, false));
        let bounded = HJB.replace("boundary none", "boundary on(x): u = 0");
        assert!(!law(&bounded).1);
        let reportless = HJB.replace("report u(0, x = 0)\n", "");
        assert!(!law(&reportless).1);
    }

    #[test]
    fn a_maturity_in_days_with_yearly_volatility_is_warned_about() {
        let call = |t: &str| {
            let c = crate::driver::compile(
                SourceFile {
                    name: "t.pde".into(),
                    text: format!(
                        "time t in [0, {t}]\nspace s in [0.01, 3]\nunknown u(t, s)\n\
                         pde d(u, t) + 0.5 * 0.2^2 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
                         terminal u = max(s - 1, 0)\nboundary s = 0.01: u = 0\nboundary s = 3: u = 2\n\
                         report u(0, s = 1)\n"
                    ),
                },
                &[],
            );
            c.diags
                .iter()
                .filter(|d| d.code == "pdec::plan::time_scale")
                .count()
        };
        assert_eq!(call("365"), 1);
        assert_eq!(call("1"), 0);
    }
}
