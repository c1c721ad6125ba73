//! The coordinates the network reads (`coordinates`). A Black-Scholes-type operator
//! (`x_k^2 d(u, x[k], x[k])`, `x_k d(u, x[k])`) has constant coefficients in the log-prices
//! `ln x_k`, and its solutions are smooth functions of them: a geometric basket's payoff is a
//! function of `sum_k ln x_k`, one direction in log-prices and a curved surface in prices.
//! Where the compiler recognises such an operator it lets the network read `ln(x + offset)`
//! instead of `x` ([`InputMap::Log`]). Nothing else changes: the equation, the conditions,
//! the sampling laws, the reports, eval, export and plots stay in the coordinates as written,
//! and the solver carries the map's derivatives through the network's jets (the residual is
//! the one the user wrote, exactly). `coordinates = log` asks for it.
//!
//! Measured (docs/RESULTS.md, "Accuracy out of the box"): a geometric basket at d = 20 trains
//! a little better and with less spread between seeds in log-prices; a European call on one
//! asset trains worse (its far field is linear in the price and exponential in the
//! log-price, and the log stretches the cheap out-of-the-money range over half the network's
//! input interval), and so does the 100-D basket at 1,500 steps (3 seeds). So the map is
//! opt-in, `coordinates = log`, until a measurement says where it helps.
//!
//! Recognised by the same probe of the residual that chooses a truncated domain's law
//! ([`super::auto_sampling`]): the diffusion of each probed component at 1.5 times the point
//! is 2.25 times the one at the point, on a range of positive prices.

use super::auto_sampling::{price_diffusion, probed_components};
use crate::diag::{Diag, Diags};
use crate::geometry::inputs::{InputLayout, InputMap};
use crate::ir::{Input, Problem};
use crate::settings::{Coordinates, Settings};

/// Below this share of its range's end, a range's start is treated as zero: `ln` would
/// stretch the last sliver next to zero over most of the network's input interval, so the
/// logarithm is taken of `x + offset` with `offset` bringing the start up to this share.
const START_SHARE: f64 = 0.01;

/// The offset of the logarithm on `[lo, hi]` (`lo >= 0`): 0 where `lo` is at least
/// [`START_SHARE`] of `hi`, else what lifts `lo` to that share (to three significant digits:
/// a number to read in `pdec explain`).
pub fn log_offset(lo: f64, hi: f64) -> f64 {
    let offset = START_SHARE * hi - lo;
    if offset <= 0.0 || !offset.is_finite() {
        return 0.0;
    }
    let scale = 10f64.powi(2 - offset.log10().floor() as i32);
    (offset * scale).round() / scale
}

/// Sets the log map on the space variable's columns of `layout` where the equation is
/// Black-Scholes-type in it and the setting allows; returns why, for `pdec explain`. An
/// explicit `coordinates = log` that finds nothing to map is a warning
/// (`pdec::plan::coordinates_not_log`): the user expected log-prices and gets prices.
pub fn choose(
    problem: &Problem,
    settings: &Settings,
    layout: &mut InputLayout,
    diags: &mut Diags,
) -> Option<String> {
    if settings.plan.coordinates != Coordinates::Log {
        return None;
    }
    let chosen = choose_map(problem, layout);
    if chosen.is_none() {
        let mut d = Diag::warning(
            "pdec::plan::coordinates_not_log",
            "`coordinates = log`, but no space variable has log-prices to read: the network reads the coordinates as written",
        )
        .help("log-prices need one space variable whose diffusion grows like the square of the coordinate (`x^2 d(u, x, x)`, Black-Scholes-type) on a range of positive prices, and a time");
        if let Some(span) = settings.key_spans.get("coordinates").copied() {
            d = d.primary(span, "asked for here");
        }
        diags.push(d);
    }
    chosen
}

fn choose_map(problem: &Problem, layout: &mut InputLayout) -> Option<String> {
    let input = layout
        .inputs
        .iter_mut()
        .find(|i| i.input == Input::Space(0))?;
    let found = price_diffusion(problem, probed_components)?;
    let valid = input
        .lo
        .iter()
        .zip(&input.hi)
        .all(|(lo, hi)| *lo >= 0.0 && hi > lo && hi.is_finite());
    if !valid {
        return None;
    }
    let offset: Vec<f64> = input
        .lo
        .iter()
        .zip(&input.hi)
        .map(|(lo, hi)| log_offset(*lo, *hi))
        .collect();
    let shifted = offset.iter().any(|o| *o > 0.0);
    input.map = InputMap::Log { offset };
    Some(format!(
        "the network reads the log-prices `ln({}{})`: the diffusion of `{}` grows like its square (Black-Scholes-type), so the equation has constant coefficients in them; the equation, points and reports stay in `{}` (`coordinates = log`)",
        found.space.name,
        if shifted { " + offset" } else { "" },
        found.space.name,
        found.space.name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn map_of(text: &str, sets: &[String]) -> (InputMap, bool) {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: text.into(),
            },
            sets,
        );
        assert!(!c.diags.has_errors(), "{:#?}", c.diags);
        let plan = c.plan.expect("a plan");
        let space = plan
            .layout
            .inputs
            .iter()
            .find(|i| i.kind == "space")
            .expect("a space input");
        (space.map.clone(), plan.coordinates_chosen.is_some())
    }

    const CALL: &str = "time t in [0, 1]\nspace s in [0.5, 3]\nunknown u(t, s)\n\
        pde d(u, t) + 0.02 * s^2 * d(u, s, s) + 0.05 * s * d(u, s) - 0.05 * u = 0\n\
        terminal u = max(s - 1, 0)\nboundary on(s): u = max(s - 1, 0)\nreport u(0, s = 1)\n";

    const BASKET: &str = "time t in [0, 1]\nspace x in [0, 4]^3\nunknown u(t, x)\n\
        boundary none\n\
        pde d(u, t) + 0.5 * sum(i in 1..3, j in 1..3) 0.04 * x[i] * x[j] * d(u, x[i], x[j]) = 0\n\
        terminal u = max(mean(x) - 1, 0)\nreport u(0, x = 1)\n";

    #[test]
    fn a_black_scholes_operator_is_read_in_log_prices() {
        assert_eq!(
            map_of(CALL, &[]),
            (InputMap::Affine, false),
            "not by default"
        );
        assert_eq!(
            map_of(BASKET, &[]),
            (InputMap::Affine, false),
            "not by default"
        );
        assert_eq!(
            map_of(CALL, &["coordinates=log".into()]),
            (InputMap::Log { offset: vec![0.0] }, true)
        );
        assert_eq!(
            map_of(BASKET, &["coordinates=log".into()]),
            (
                InputMap::Log {
                    offset: vec![0.04; 3]
                },
                true
            )
        );
    }

    #[test]
    fn other_operators_and_the_setting_keep_the_coordinates() {
        let heat = CALL.replace("s^2 * d(u, s, s)", "d(u, s, s)");
        assert_eq!(
            map_of(&heat, &["coordinates=log".into()]),
            (InputMap::Affine, false)
        );
        assert_eq!(
            map_of(BASKET, &["coordinates=as_written".into()]),
            (InputMap::Affine, false)
        );
        // A range reaching below zero has no log-price.
        let negative = CALL.replace("[0.5, 3]", "[-0.5, 3]");
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: negative,
            },
            &["coordinates=log".into()],
        );
        let plan = c.plan.expect("a plan");
        assert!(plan.layout.inputs.iter().all(|i| i.map.is_affine()));
    }

    #[test]
    fn the_offset_lifts_a_start_near_zero() {
        assert_eq!(log_offset(0.5, 3.0), 0.0);
        assert_eq!(log_offset(0.0, 4.0), 0.04);
        assert_eq!(log_offset(0.01, 3.0), 0.02);
    }
}
