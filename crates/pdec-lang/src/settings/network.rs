//! The parsers of the keys that shape the network, the optimiser and the loss: `net`, `steps`,
//! `batch` (and `batch.TERM`), `lr`, `lr_schedule`, `clip`, `free_boundary`, `weight.TERM`.
//! Each reads one item into `Settings`, pushing a diagnostic instead where the value is not
//! accepted (and leaving the setting as it was); `keys::TABLE` declares them.

use crate::diag::{Diag, Diags};
use crate::settings::values::{Item, args_of, bad_value, out_of_range, positive, positive_int};
use crate::settings::{
    Coordinates, FreeBoundaryLoss, Net, NetKind, NetOverride, Networks, Scaling, Schedule, Settings,
};

/// `net = dgm(layers, width)` or `mlp(layers, width)`: unset arguments keep their value;
/// `net.NAME = ...`: unknown `NAME`'s own network, unset arguments `net`'s.
pub(super) fn net(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
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
    if let Some(name) = it.sub {
        let mut own = NetOverride {
            kind,
            layers: None,
            width: None,
        };
        if let Some(l) = a.get("layers") {
            match positive_int(l, "layers", 64.0, diags) {
                Some(l) => own.layers = Some(l as usize),
                None => return,
            }
        }
        if let Some(w) = a.get("width") {
            match positive_int(w, "width", 65536.0, diags) {
                Some(w) => own.width = Some(w as usize),
                None => return,
            }
        }
        st.plan.net_per_unknown.insert(name.to_string(), own);
        return;
    }
    let mut net = Net {
        kind,
        layers: st.plan.net.layers,
        width: st.plan.net.width,
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
    st.plan.net = net;
}

/// `networks = shared` or `separate`.
pub(super) fn networks(st: &mut Settings, it: &Item, diags: &mut Diags) {
    st.plan.networks = match it.v.word() {
        Some("shared") => Networks::Shared,
        Some("separate") => Networks::Separate,
        _ => return diags.push(bad_value(it.span, it.key, "`shared` or `separate`")),
    };
}

/// `steps = N`, 1 to 1e12.
pub(super) fn steps(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if let Some(n) = positive_int(v, key, 1e12, diags) {
        st.run.steps = n
    }
}

/// `batch = N` (the PDE term) and `batch.TERM = N` (a term by kind or name), 1 to 1e9.
pub(super) fn batch(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, sub) = (it.key, &it.v, it.sub);
    if let Some(n) = positive_int(v, key, 1e9, diags) {
        match sub {
            Some(term) => {
                st.plan.batch_per_term.insert(term.to_string(), n as usize);
            }
            None => st.plan.batch = n as usize,
        }
    }
}

/// `lr = x` in (0, 10), or `auto` (a probe before training chooses it).
pub(super) fn lr(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    if v.word() == Some("auto") {
        (st.run.lr, st.run.lr_auto) = (super::lr_auto::WITHOUT_PROBE, true);
        return;
    }
    match v.number() {
        Some(x) if x > 0.0 && x < 10.0 => (st.run.lr, st.run.lr_auto) = (x, false),
        Some(_) => diags.push(out_of_range(span, key, "in (0, 10)")),
        None => diags.push(bad_value(span, key, "a number such as 1e-3, or `auto`")),
    }
}

/// `lr_schedule = constant`, `step(every, factor)`, `exponential(every, factor)` or
/// `cosine(min_lr)`.
pub(super) fn lr_schedule(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    let expected =
        "`constant`, `step(every, factor)`, `exponential(every, factor)` or `cosine(min_lr)`";
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
                (Some(every), Some(factor)) => Some(Schedule::Exponential { every, factor }),
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
        Some(s) => st.run.lr_schedule = s,
        None => diags.push(bad_value(span, key, expected)),
    }
}

/// `clip = x` (positive) or `none`.
pub(super) fn clip(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v) = (it.key, &it.v);
    if v.word() == Some("none") {
        st.run.clip = None;
    } else if let Some(x) = positive(v, key, diags) {
        st.run.clip = Some(x)
    }
}

/// `free_boundary = penalty`, `variational` or `complementarity`.
pub(super) fn free_boundary(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    match v.word() {
        Some("penalty") => st.plan.free_boundary = FreeBoundaryLoss::Penalty,
        Some("complementarity") => st.plan.free_boundary = FreeBoundaryLoss::Complementarity,
        Some("variational") => st.plan.free_boundary = FreeBoundaryLoss::Variational,
        _ => diags.push(bad_value(
            span,
            key,
            "`penalty`, `variational` or `complementarity`",
        )),
    }
}

/// `weight.TERM = x` (zero or positive); a bare `weight` asks which term.
pub(super) fn weight(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (v, span, sub, key_span) = (&it.v, it.span, it.sub, it.key_span);
    let Some(term) = sub else {
        diags.push(
            Diag::error(
                "pdec::settings::bad_value",
                "`weight` needs a loss-term name",
            )
            .primary(key_span, "which term?")
            .help("write `weight.boundary = 10` or `weight.\"boundary x=0\" = 10`"),
        );
        return;
    };
    match v.number() {
        Some(x) if x >= 0.0 && x.is_finite() => {
            st.plan.weights.insert(term.to_string(), x);
        }
        Some(_) => diags.push(out_of_range(span, "weight", "zero or positive")),
        None => diags.push(bad_value(span, "weight", "a number")),
    }
}

/// `output_scale = auto`, `always` or `none`.
pub(super) fn output_scale(st: &mut Settings, it: &Item, diags: &mut Diags) {
    if let Some(s) = scaling(it, diags) {
        st.plan.output_scale = s;
    }
}

/// `residual_scale = auto`, `always` or `none`.
pub(super) fn residual_scale(st: &mut Settings, it: &Item, diags: &mut Diags) {
    if let Some(s) = scaling(it, diags) {
        st.plan.residual_scale = s;
    }
}

/// `kink_ansatz = auto` or `none`.
pub(super) fn kink_ansatz(st: &mut Settings, it: &Item, diags: &mut Diags) {
    if let Some(on) = auto_or_none(it, diags) {
        st.plan.kink_ansatz = on;
    }
}

/// `time_ansatz = always` or `none`.
pub(super) fn time_ansatz(st: &mut Settings, it: &Item, diags: &mut Diags) {
    st.plan.time_ansatz = match it.v.word() {
        Some("always") => true,
        Some("none") => false,
        _ => return diags.push(bad_value(it.span, it.key, "`always` or `none`")),
    };
}

/// `auto` (on) or `none` (off).
fn auto_or_none(it: &Item, diags: &mut Diags) -> Option<bool> {
    match it.v.word() {
        Some("auto") => Some(true),
        Some("none") => Some(false),
        _ => {
            diags.push(bad_value(it.span, it.key, "`auto` or `none`"));
            None
        }
    }
}

/// `auto`, `always` or `none`.
fn scaling(it: &Item, diags: &mut Diags) -> Option<Scaling> {
    match it.v.word() {
        Some("auto") => Some(Scaling::Auto),
        Some("always") => Some(Scaling::Always),
        Some("none") => Some(Scaling::None),
        _ => {
            diags.push(bad_value(it.span, it.key, "`auto`, `always` or `none`"));
            None
        }
    }
}

/// `hole_inputs = auto` or `none`.
pub(super) fn hole_inputs(st: &mut Settings, it: &Item, diags: &mut Diags) {
    if let Some(on) = auto_or_none(it, diags) {
        st.plan.hole_inputs = on;
    }
}

/// `periodic_inputs = auto` or `none`.
pub(super) fn periodic_inputs(st: &mut Settings, it: &Item, diags: &mut Diags) {
    if let Some(on) = auto_or_none(it, diags) {
        st.plan.periodic_inputs = on;
    }
}

/// `coordinates = as_written` or `log`.
pub(super) fn coordinates(st: &mut Settings, it: &Item, diags: &mut Diags) {
    let (key, v, span) = (it.key, &it.v, it.span);
    st.plan.coordinates = match v.word() {
        Some("log") => Coordinates::Log,
        Some("as_written") => Coordinates::AsWritten,
        _ => return diags.push(bad_value(span, key, "`as_written` or `log`")),
    };
}
