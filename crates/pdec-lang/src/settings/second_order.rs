//! The parsers of the keys of second-order terms, the Monte Carlo estimator and the number
//! type: `second_order`, `auto_mc_threshold`, `mc_noise`, `mc_difference`, `mc_draws`,
//! `dtype`. Each reads one item into `Settings`, pushing a diagnostic instead where the value
//! is not accepted; `keys::TABLE` declares them.

use crate::diag::Diags;
use crate::settings::values::{Item, args_of, bad_value, out_of_range, positive_int};
use crate::settings::{DType, McDifference, McNoise, SecondOrder, Settings};

/// `second_order = auto`, `exact` or `monte_carlo(delta)` (no `delta`: the dtype's default).
pub(super) fn second_order(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected = "`auto`, `exact` or `monte_carlo(delta = ...)`";
    let Some((name, args)) = v.call() else {
        diags.push(bad_value(span, key, expected));
        return;
    };
    st.plan.second_order = match name {
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

/// `auto_mc_threshold = N`, 1 to 1e9.
pub(super) fn auto_mc_threshold(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1e9, diags) {
        st.plan.auto_mc_threshold = n as usize
    }
}

/// `mc_noise = rademacher`, `gaussian` or `coordinates`.
pub(super) fn mc_noise(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("rademacher") => st.plan.mc_noise = McNoise::Rademacher,
        Some("gaussian") => st.plan.mc_noise = McNoise::Gaussian,
        Some("coordinates") => st.plan.mc_noise = McNoise::Coordinates,
        _ => diags.push(bad_value(
            span,
            key,
            "`rademacher`, `gaussian` or `coordinates`",
        )),
    }
}

/// `mc_difference = values` or `gradients`.
pub(super) fn mc_difference(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("values") => st.plan.mc_difference = McDifference::Values,
        Some("gradients") => st.plan.mc_difference = McDifference::Gradients,
        _ => diags.push(bad_value(span, key, "`values` or `gradients`")),
    }
}

/// `mc_draws = N`, 1 to 1024.
pub(super) fn mc_draws(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1024.0, diags) {
        st.plan.mc_draws = n as usize
    }
}

/// `dtype = f32` or `f64`.
pub(super) fn dtype(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("f32") => st.plan.dtype = DType::F32,
        Some("f64") => st.plan.dtype = DType::F64,
        _ => diags.push(bad_value(span, key, "`f32` or `f64`")),
    }
}
