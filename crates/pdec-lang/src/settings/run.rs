//! The parsers of the run-control keys: `seed`, `polish`, `time_limit`, `log_every`,
//! `checkpoint_every`, `on_nan`, `on_divergence`, `average`, `balance`, `extrapolate`. Each reads one item into `Settings`, pushing a
//! diagnostic instead where the value is not accepted; `keys::TABLE` declares them.

use crate::diag::Diags;
use crate::settings::values::{
    Item, arg_number, args_of, bad_value, out_of_range, positive, positive_int, whole_in,
};
use crate::settings::{Balance, OnDivergence, OnNan, Polish, Settings};

/// `seed = N`, a whole number below 2^53 (exactly representable in the f64 it is read as).
pub(super) fn seed(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.number() {
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53) => st.run.seed = x as u64,
        Some(x) if x.fract() == 0.0 => diags.push(out_of_range(span, key, "between 0 and 2^53")),
        _ => diags.push(bad_value(span, key, "a whole number >= 0")),
    }
}

/// `polish = none` or `lbfgs(steps, batches, history, time_limit)`, unset arguments at
/// `Polish::default()`.
pub(super) fn polish(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected = "`none` or `lbfgs(steps, batches, history, time_limit)`";
    if v.word() == Some("none") {
        st.run.polish = None;
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
    // `time_limit = none` (the default) says there is none.
    let limited = a
        .get("time_limit")
        .is_some_and(|v| v.word() != Some("none"));
    if limited
        && let Some(x) = arg_number(
            &a,
            "time_limit",
            &|x: f64| x > 0.0 && x <= 1e9,
            "a number of seconds above 0 and at most 1e9",
            diags,
            &mut ok,
        )
    {
        po.time_limit = Some(x);
    }
    if ok {
        st.run.polish = Some(po);
    }
}

/// `time_limit = seconds` (positive) or `none`.
pub(super) fn time_limit(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if v.word() == Some("none") {
        st.run.time_limit = None;
    } else if let Some(x) = positive(v, key, diags) {
        st.run.time_limit = Some(x)
    }
}

/// `log_every = N`, 1 to 1e12.
pub(super) fn log_every(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1e12, diags) {
        st.run.log_every = n
    }
}

/// `checkpoint_every = N`, 1 to 1e12.
pub(super) fn checkpoint_every(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1e12, diags) {
        st.run.checkpoint_every = n
    }
}

/// `on_nan = stop` or `rollback`.
pub(super) fn on_nan(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("stop") => st.run.on_nan = OnNan::Stop,
        Some("rollback") => st.run.on_nan = OnNan::Rollback,
        _ => diags.push(bad_value(span, key, "`stop` or `rollback`")),
    }
}

/// `on_divergence = rollback` or `continue`.
pub(super) fn on_divergence(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("rollback") => st.run.on_divergence = OnDivergence::Rollback,
        Some("continue") => st.run.on_divergence = OnDivergence::Continue,
        _ => diags.push(bad_value(span, key, "`rollback` or `continue`")),
    }
}

/// `extrapolate = true` or `false`.
pub(super) fn extrapolate(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("true") => st.run.extrapolate = true,
        Some("false") => st.run.extrapolate = false,
        _ => diags.push(bad_value(span, key, "`true` or `false`")),
    }
}

/// `average = share`, at least 0 and below 1.
pub(super) fn average(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.number() {
        Some(x) if (0.0..1.0).contains(&x) => st.run.average = x,
        Some(_) => diags.push(out_of_range(span, key, "at least 0 and below 1")),
        None => diags.push(bad_value(span, key, "a share of the training, e.g. `0.1`")),
    }
}

/// `balance = auto`, `none`, `gradients(every, alpha)` or `relobralo(temperature, alpha, lookback)`,
/// unset arguments at their defaults.
pub(super) fn balance(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected =
        "`auto`, `none`, `gradients(every, alpha)` or `relobralo(temperature, alpha, lookback)`";
    let word = match v.word() {
        Some("none") => Some(Balance::None),
        Some("auto") => Some(Balance::Auto),
        _ => None,
    };
    if let Some(b) = word {
        st.run.balance = b;
        return;
    }
    let Some((name, args)) = v.call() else {
        diags.push(bad_value(span, key, expected));
        return;
    };
    let unit = |x: f64| (0.0..1.0).contains(&x);
    let mut ok = true;
    let balance = match name {
        "gradients" => {
            let Some(a) = args_of(&args, &["every", "alpha"], key, span, diags) else {
                return;
            };
            let whole = whole_in(1.0, 1e9);
            let every = arg_number(
                &a,
                "every",
                &whole,
                "a whole number from 1 to 1e9",
                diags,
                &mut ok,
            );
            let alpha = arg_number(&a, "alpha", &unit, "at least 0 and below 1", diags, &mut ok);
            Balance::Gradients {
                every: every.map_or(10, |x| x as u64),
                alpha: alpha.unwrap_or(0.9),
            }
        }
        "relobralo" => {
            let names = ["temperature", "alpha", "lookback"];
            let Some(a) = args_of(&args, &names, key, span, diags) else {
                return;
            };
            let positive = |x: f64| x.is_finite() && x > 0.0 && x <= 1e3;
            let temperature = arg_number(
                &a,
                "temperature",
                &positive,
                "above 0 and at most 1e3",
                diags,
                &mut ok,
            );
            let alpha = arg_number(
                &a,
                "alpha",
                &|x: f64| (0.0..=1.0).contains(&x),
                "in [0, 1]",
                diags,
                &mut ok,
            );
            let lookback = arg_number(
                &a,
                "lookback",
                &|x: f64| (0.0..=1.0).contains(&x),
                "in [0, 1]",
                diags,
                &mut ok,
            );
            Balance::Relobralo {
                temperature: temperature.unwrap_or(0.1),
                alpha: alpha.unwrap_or(0.999),
                lookback: lookback.unwrap_or(0.999),
            }
        }
        _ => {
            diags.push(bad_value(span, key, expected));
            return;
        }
    };
    if ok {
        st.run.balance = balance;
    }
}
