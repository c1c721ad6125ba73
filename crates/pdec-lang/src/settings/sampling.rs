//! The parsers of the sampling keys: `sampling` (the law of space points), `sampling.NAME`
//! (a coordinate's law), `resample_every`, `adaptive`. Each reads one item into `Settings`,
//! pushing a diagnostic instead where the value is not accepted; `keys::TABLE` declares them.

use crate::diag::Diags;
use crate::settings::values::{
    Item, Value, arg_number, args_of, bad_value, out_of_range, positive_int, whole_in,
};
use crate::settings::{
    Adaptive, Center, CoordinateLaw, LawKind, Sampling, Sequence, Settings, Spread,
};

/// `sampling = LAW` (space points) and `sampling.NAME = LAW` (one coordinate).
pub(super) fn sampling(st: &mut Settings, it: &Item, diags: &mut Diags) {
    match it.sub {
        Some(_) => coordinate_law(st, it, diags),
        None => space_law(st, it, diags),
    }
}

/// `sampling = uniform`, `normal(center, sd, corr, uniform, spread)` or `lognormal(...)`:
/// the law of space points; `sobol` or `halton`: the default law, drawn from that
/// low-discrepancy sequence instead of pseudo-random numbers.
fn space_law(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected = "`uniform`, `sobol`, `halton`, `normal(center, sd, corr, uniform, spread)` or `lognormal(center, sd, corr, uniform, spread)`";
    let sequence = match v.word() {
        Some("uniform") => Some(Sequence::Random),
        Some("sobol") => Some(Sequence::Sobol),
        Some("halton") => Some(Sequence::Halton),
        _ => None,
    };
    if let Some(sequence) = sequence {
        st.plan.sampling = Sampling::Uniform;
        st.plan.sequence = sequence;
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
            st.plan.sampling = Sampling::Uniform;
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
    let center = center(&a, kind, key, span, diags);
    let mut get = |name: &str, default: Option<f64>, ok: &dyn Fn(f64) -> bool, range: &str| match a
        .get(name)
    {
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
    };
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
        st.plan.sampling = Sampling::Law {
            kind,
            center,
            sd,
            corr,
            uniform,
            spread,
        };
    }
}

/// The law's `center`: a number for every component or a point `[c1, c2, ...]` (its length
/// is checked against the space variables with the problem, `pdec::plan::center_dimension`);
/// each component finite, and positive for `lognormal`.
fn center(
    a: &std::collections::BTreeMap<&str, &Value>,
    kind: LawKind,
    key: &str,
    span: crate::source::Span,
    diags: &mut Diags,
) -> Option<Center> {
    let Some(v) = a.get("center") else {
        diags.push(bad_value(
            span,
            key,
            "`center = ...` among the arguments, e.g. `lognormal(center = 1, sd = 0.3, corr = 0.75)`",
        ));
        return None;
    };
    let ok = |x: f64| x.is_finite() && (kind == LawKind::Normal || x > 0.0);
    let center = match (v.number(), v.numbers()) {
        (Some(c), _) => Some(Center::All(c)),
        (_, Some(p)) if !p.is_empty() => Some(Center::Point(p)),
        _ => None,
    };
    match center {
        Some(c) if ok(c.min()) && ok(c.max()) => Some(c),
        _ => {
            let range = if kind == LawKind::LogNormal {
                "a number > 0 or a point `[a, b, ...]` of them"
            } else {
                "a finite number or a point `[a, b, ...]`"
            };
            diags.push(out_of_range(v.expr.span, "center", range));
            None
        }
    }
}

/// `sampling.NAME = uniform`, `log` or `arcsine`: the law of one coordinate.
fn coordinate_law(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (v, span, sub) = (&it.v, it.span, it.sub);
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
    st.plan.coordinate_laws.insert(name.to_string(), law);
}

/// `resample_every = N`, 1 to 1e12.
pub(super) fn resample_every(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1e12, diags) {
        st.run.resample_every = n
    }
}

/// `adaptive = none` or `residual(power, uniform, pool, every)`, unset arguments at
/// `Adaptive::default()`.
pub(super) fn adaptive(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected = "`none` or `residual(power, uniform, pool, every)`";
    if v.word() == Some("none") {
        st.plan.adaptive = None;
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
        st.plan.adaptive = Some(ad);
    }
}
