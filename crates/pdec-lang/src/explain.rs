//! `pdec explain`: the plan in words and numbers.

use crate::check::Checked;
use crate::geometry::inputs::InputMap;
use crate::geometry::region::Region;
use crate::ir::print::Printer;
use crate::passes::second_order::{Factor, Path, TermClass, TriangularFactor};
use crate::passes::{Analysis, TimeDirection};
use crate::plan::{LossTerm, MonteCarloPlan, Plan, TermKind};
use crate::settings::{DType, McDifference, McNoise, NetKind, Scaling, Schedule, SecondOrder};
use crate::source::Span;
use crate::syntax::print::format_number as num;
use std::fmt::Write;

fn factor_text(checked: &Checked, f: &Factor) -> String {
    let p = &checked.problem;
    let pr = Printer { problem: p };
    let var = &p.space[f.var].name;
    let s = f.scale.map(|s| pr.expr(s)).unwrap_or_else(|| "1".into());
    let d = match &f.diag {
        None => "I".to_string(),
        Some(dg) => {
            let e = pr.expr(dg.node);
            if dg.sqrt {
                format!("diag(sqrt({e}))")
            } else {
                format!("diag({e})")
            }
        }
    };
    let l = match f.triangular {
        TriangularFactor::Identity { len: 1, .. } if p.space[f.var].domain.dim().is_none() => {
            "1".to_string()
        }
        TriangularFactor::Identity { offset, len } => {
            format!("I on {var}[{}..{}]", offset + 1, offset + len)
        }
        TriangularFactor::Unit { component } => format!("e_{}", component + 1),
        TriangularFactor::Cholesky { len, rank, .. } => {
            format!(
                "Cholesky factor of a constant {len}x{len} matrix (rank {rank}, computed at compile time)"
            )
        }
    };
    let sign = if f.sign < 0.0 { "-" } else { "" };
    format!(
        "C = {sign}s * D L L^T D with s = {s}, D = {d}, L = {l}; B = sqrt(s) D L has {} column(s)",
        f.columns()
    )
}

/// `pdec explain`: the plan in words, section by section.
pub fn explain(file: &str, checked: &Checked, analysis: &Analysis, plan: &Plan) -> String {
    let c = Sources {
        file,
        checked,
        analysis,
        plan,
    };
    let mut o = String::new();
    header(&mut o, &c);
    terms(&mut o, &c);
    coefficients(&mut o, &c);
    ansatz(&mut o, &c);
    output_scale(&mut o, &c);
    residual_scale(&mut o, &c);
    if let Some(why) = &c.plan.sampling_chosen {
        let _ = writeln!(o, "\nsampling law of the points: {why}");
    }
    let sequence = match c.plan.settings.sequence {
        crate::settings::Sequence::Random => None,
        crate::settings::Sequence::Sobol => Some(("sobol", "an Owen-scrambled Sobol sequence")),
        crate::settings::Sequence::Halton => Some((
            "halton",
            "a Halton sequence with random linear digit scrambling",
        )),
    };
    if let Some((name, what)) = sequence {
        let _ = writeln!(
            o,
            "\npoints: sampling = {name}: every term's points are the next batch of {what} of its own (its first {} coordinates, the rest pseudo-random), keyed by seed and step",
            crate::geometry::sequence::DIMENSIONS
        );
    }
    free_boundary(&mut o, &c);
    if let Some(why) = &c.plan.coordinates_chosen {
        let _ = writeln!(o, "\ncoordinates: {why}");
    }
    pde_terms(&mut o, &c);
    second_order(&mut o, &c);
    gradient_squares(&mut o, &c);
    direction(&mut o, &c);
    work(&mut o, &c);
    settings(&mut o, &c);
    o
}

/// What `explain` reads.
struct Sources<'a> {
    file: &'a str,
    checked: &'a Checked,
    analysis: &'a Analysis,
    plan: &'a Plan,
}

/// The problem's name and the network's inputs.
fn header(o: &mut String, c: &Sources) {
    let file = c.file;
    let p = &c.checked.problem;
    let plan = c.plan;
    let _ = writeln!(o, "problem {} ({file})", p.name);
    let _ = writeln!(o);
    let logs = plan.layout.inputs.iter().any(|i| !i.map.is_affine());
    let _ = writeln!(
        o,
        "network inputs ({} columns, each rescaled {}to [-1, 1]):",
        plan.layout.net_width(),
        if logs { "" } else { "affinely " }
    );
    for i in &plan.layout.inputs {
        let range = if i.components == 1 {
            format!("[{}, {}]", num(i.lo[0]), num(i.hi[0]))
        } else if i.lo.iter().all(|v| *v == i.lo[0]) && i.hi.iter().all(|v| *v == i.hi[0]) {
            format!("[{}, {}]^{}", num(i.lo[0]), num(i.hi[0]), i.components)
        } else {
            format!("{} components, per-component box", i.components)
        };
        let read = match &i.map {
            InputMap::Affine => String::new(),
            InputMap::Log { offset } => match offset.iter().all(|v| *v == offset[0]) {
                true if offset[0] == 0.0 => format!("  read as ln({})", i.name),
                true => format!("  read as ln({} + {})", i.name, num(offset[0])),
                false => format!("  read as ln({} + offset), per component", i.name),
            },
        };
        let _ = writeln!(o, "  {:<10} {:<6} {range}{read}", i.name, i.kind);
    }
    for f in &plan.layout.features {
        let c: Vec<String> = f.center.iter().map(|v| num(*v)).collect();
        let _ = writeln!(
            o,
            "  {:<10} {:<6} a / sqrt(|{} - c|^2 + (a/2)^2), c = [{}], a = {}: the hole (primitive {}) enclosed by the domain, which the network spans without points (geometry::features)",
            "hole",
            "input",
            f.var,
            c.join(", "),
            num(f.radius),
            f.prim + 1
        );
    }
    for f in &plan.layout.periodic {
        let _ = writeln!(
            o,
            "  {:<10} {:<6} cos and sin of 2 pi ({} - {}) / {}, read instead of {}: `periodic {}` is imposed by the inputs, exactly (periodic_inputs = auto; its pair terms are dropped, an ansatz's kept)",
            f.var,
            "inputs",
            f.var,
            num(f.lo),
            num(f.hi - f.lo),
            f.var,
            f.var
        );
    }
}

/// The loss terms with their weights, batches and samplers.
fn terms(o: &mut String, c: &Sources) {
    let _ = writeln!(o);
    let _ = writeln!(o, "loss terms (mean squared residuals, weighted):");
    for t in &c.plan.terms {
        term(o, t);
    }
}

/// The unknown coefficients: range, scale and initial value.
fn coefficients(o: &mut String, c: &Sources) {
    if c.plan.coefficients.is_empty() {
        return;
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "unknown coefficients (trained with the network's weights by the same Adam steps; the value is lo + (hi - lo) * sigmoid(theta), of ln lo and ln hi on a log scale, so it never leaves its range):"
    );
    for k in &c.plan.coefficients {
        let _ = writeln!(
            o,
            "  {:<24} in [{}, {}]  {} scale  init {}",
            k.name,
            num(k.lo),
            num(k.hi),
            if k.log { "log" } else { "linear" },
            num(k.init)
        );
    }
}

/// One loss term's line (and its faces').
fn term(o: &mut String, t: &LossTerm) {
    let _ = writeln!(
        o,
        "  {:<24} weight {:<6} batch {:<6} {}",
        t.name,
        num(t.weight),
        t.batch,
        t.sampler
    );
    if let Region::Faces { faces } = &t.region
        && faces.len() > 1
        && faces.len() <= 8
    {
        for f in faces {
            let _ = writeln!(o, "  {:<24}   face {:<14} share {:.3}", "", f.name, f.share);
        }
    }
}

/// What `pdec explain` says of one statement of the user's file, the one whose whole text is
/// `statement` (for an editor's hover, `pdec lsp`): for the `pde`, its loss term, its terms,
/// the path and factor of each second-order term and gradient square, and the work per point;
/// for a condition, its loss term; for the constraint, its loss term and loss form. `None`
/// for a statement that is no loss term (a declaration, a condition an ansatz imposes).
pub fn statement(
    checked: &Checked,
    analysis: &Analysis,
    plan: &Plan,
    statement: Span,
) -> Option<String> {
    let c = Sources {
        file: "",
        checked,
        analysis,
        plan,
    };
    let p = &checked.problem;
    let inside =
        |s: Span| s.file == statement.file && statement.start <= s.start && s.end <= statement.end;
    let name = if let Some(pde) = p.pdes.iter().find(|x| inside(x.span)) {
        pde.name.as_str()
    } else if let Some(cond) = p.conditions.iter().find(|x| inside(x.span)) {
        cond.name.as_str()
    } else if p.constraint.as_ref().is_some_and(|x| inside(x.span)) {
        "constraint"
    } else {
        return None;
    };
    let t = plan.terms.iter().find(|t| t.name == name)?;
    let mut o = String::from("loss term:\n");
    term(&mut o, t);
    match t.kind {
        TermKind::Pde => {
            pde_terms(&mut o, &c);
            second_order(&mut o, &c);
            gradient_squares(&mut o, &c);
            work(&mut o, &c);
        }
        TermKind::Constraint => free_boundary(&mut o, &c),
        _ => {}
    }
    Some(o)
}

/// The ansatz and the conditions it imposes exactly.
fn ansatz(o: &mut String, c: &Sources) {
    let p = &c.checked.problem;
    if !p.has_ansatz() {
        return;
    }
    for u in &p.unknowns {
        let Some(a) = &u.ansatz else { continue };
        let _ = writeln!(
            o,
            "  ansatz: {} = {}  (net: the network's output, in which the PDE terms below are written)",
            u.name,
            Printer { problem: p }.expr(a.node)
        );
        if let Some(why) = &a.chosen {
            let _ = writeln!(o, "    chosen by the compiler: {why}");
        }
        if let Some(why) = &a.scaled {
            let _ = writeln!(o, "    scaled by the compiler: {why}");
        }
    }
    {
        let imposed = match p.imposed.is_empty() {
            true => "none".to_string(),
            false => p.imposed.join(", "),
        };
        let _ = writeln!(
            o,
            "    imposed exactly, no loss term (checked at random points and network outputs): {imposed}"
        );
        if !p.conditions.is_empty() {
            let kept: Vec<&str> = p.conditions.iter().map(|c| c.name.as_str()).collect();
            let _ = writeln!(
                o,
                "    not imposed by the ansatz, kept as loss terms: {}",
                kept.join(", ")
            );
        }
    }
}

/// The network's output scale and where it was read (`output_scale`).
fn output_scale(o: &mut String, c: &Sources) {
    let name = &c.checked.problem.unknowns[0].name;
    match (&c.plan.output, c.plan.settings.output_scale) {
        (Some(s), _) => {
            let _ = writeln!(
                o,
                "\noutput scale: {name} = {} + {} * net (mean and spread of the values read from {})",
                significant(s.shift),
                significant(s.scale),
                s.from.join(", ")
            );
        }
        (None, Scaling::Always) => {
            let _ = writeln!(
                o,
                "\noutput scale: none ({name} = net): no value condition or `exact` to read, or an ansatz"
            );
        }
        // `auto` maps the output only where the data are far from unit scale.
        (None, _) => {}
    }
}

/// Each equation's residual size and the weight it gives its term (`residual_scale`): shown
/// where applied, or for every equation when `always` asks.
fn residual_scale(o: &mut String, c: &Sources) {
    let always = c.plan.settings.residual_scale == Scaling::Always;
    for s in c.plan.residual_scales.iter().flatten() {
        if !(s.applied || always) {
            continue;
        }
        let _ = writeln!(
            o,
            "\nresidual scale: `{}` is about {} for a unit change of the unknown (its term {}, with each derivative over its coordinate's range length): {}",
            s.term,
            readable(s.scale),
            s.from,
            match s.applied {
                true => format!(
                    "its weight is multiplied by 1 / {}^2 = {} (`residual_scale = none` keeps the written weight)",
                    readable(s.scale),
                    readable(s.factor())
                ),
                false => "weight left as written".to_string(),
            }
        );
    }
}

/// `x` to four significant digits, in scientific notation when far from one (`1.000e-6`).
fn readable(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        return format!("{x:.3e}");
    }
    significant(x)
}

/// `x` to four significant digits (`1000.5`, `0.6666`).
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}

/// The free boundary and its loss form.
fn free_boundary(o: &mut String, c: &Sources) {
    let p = &c.checked.problem;
    let plan = c.plan;
    if let Some(fb) = plan.free_boundary {
        let c = p.constraint.as_ref();
        let op = if c.is_some_and(|c| c.at_least) {
            ">="
        } else {
            "<="
        };
        let obstacle = c
            .map(|c| Printer { problem: p }.expr(c.obstacle))
            .unwrap_or_default();
        let u = c.map_or("u", |c| p.unknowns[c.unknown].name.as_str());
        let _ = writeln!(o, "  free boundary: {u} {op} {obstacle}");
        let _ = writeln!(
            o,
            "    loss: {}",
            match fb {
                crate::settings::FreeBoundaryLoss::Penalty =>
                    "penalty (DGM paper): PDE residual only where the network is off the obstacle, plus the squared violation",
                crate::settings::FreeBoundaryLoss::Variational =>
                    "variational inequality: PDE residual where the network is off the obstacle, the residual's sign condition where it is on it, plus the squared violation",
                crate::settings::FreeBoundaryLoss::Complementarity =>
                    "complementarity: (residual * gap)^2 + one-sided residual^2 + violation^2",
            }
        );
    }
}

/// The PDE's additive terms, classified.
fn pde_terms(o: &mut String, c: &Sources) {
    let analysis = c.analysis;
    let _ = writeln!(o);
    let p = &c.checked.problem;
    let _ = writeln!(o, "PDE terms (residual = sum of these):");
    for (k, t) in analysis.terms.iter().enumerate() {
        // A system: each equation's terms under its loss term's name.
        if p.pdes.len() > 1 && (k == 0 || analysis.terms[k - 1].equation != t.equation) {
            let e = &p.pdes[t.equation];
            let _ = writeln!(
                o,
                "  {} (solved for {}):",
                e.name, p.unknowns[e.unknown].name
            );
        }
        let class = match t.class {
            TermClass::Source => "source (no unknown)",
            TermClass::FirstOrder => {
                if t.order == 0 {
                    "zeroth order"
                } else {
                    "first order"
                }
            }
            TermClass::SecondOrder => "second order, linear",
            TermClass::OtherSecondOrder => "second order, computed exactly",
        };
        let _ = writeln!(o, "  {:<22} {}", class, shortened(&t.text));
    }
}

/// Longest term printed whole: an ansatz's derivatives expand into terms of thousands of
/// characters, which say nothing a reader can check.
const LONGEST_TERM: usize = 240;

/// `text`, or its start and its length when longer than [`LONGEST_TERM`].
fn shortened(text: &str) -> String {
    if text.chars().count() <= LONGEST_TERM {
        return text.to_string();
    }
    let start: String = text.chars().take(LONGEST_TERM - 40).collect();
    format!("{start} ... ({} characters in all)", text.chars().count())
}

/// Each second-order term's factor and path.
fn second_order(o: &mut String, c: &Sources) {
    let plan = c.plan;
    let checked = c.checked;
    if !plan.second_order.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "second-order terms:");
        let several = checked.problem.pdes.len() > 1;
        for (k, t) in plan.second_order.iter().enumerate() {
            let _ = writeln!(o, "  {}. {}", k + 1, t.term);
            if several {
                let _ = writeln!(o, "     equation: {}", t.equation);
            }
            match (&t.factor, &t.not_factorable) {
                (Some(f), _) => {
                    let _ = writeln!(o, "     Monte Carlo-eligible: {}", factor_text(checked, f));
                }
                (None, Some(why)) => {
                    let _ = writeln!(o, "     not factorable as B B^T: {why}");
                }
                _ => {}
            }
            let path = match t.path {
                Path::Exact => format!(
                    "exact, {} second-order direction(s) through forward-mode jets",
                    t.directions
                ),
                Path::MonteCarlo => match &plan.monte_carlo {
                    Some(mc) => format!(
                        "monte_carlo, antithetic difference of {} along v = B w, {}, delta = {}",
                        match mc.difference {
                            McDifference::Values => "values (mc_difference = values)",
                            McDifference::Gradients =>
                                "directional derivatives (mc_difference = gradients)",
                        },
                        estimates_text(mc),
                        num(mc.delta)
                    ),
                    None => "monte_carlo".to_string(),
                },
            };
            let _ = writeln!(o, "     path: {path}");
            let _ = writeln!(o, "     why:  {}", t.why);
        }
    }
    for t in &plan.other_second_order {
        let p = &c.checked.problem;
        let why = match p.coefficients.is_empty() {
            true => "not linear in second space derivatives",
            false => "with unknown coefficients every term is computed exactly from the IR",
        };
        let _ = writeln!(o, "  exact ({why}): {t}");
    }
}

/// Each gradient square's path.
fn gradient_squares(o: &mut String, c: &Sources) {
    let plan = c.plan;
    if !plan.gradient_squares.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "gradient squares (first order, quadratic in grad u):");
        for (k, t) in plan.gradient_squares.iter().enumerate() {
            let _ = writeln!(o, "  {}. {}", k + 1, t.term);
            let path = match t.path {
                Path::Exact => format!("exact, {} first-order tangent(s)", t.components),
                Path::MonteCarlo => format!(
                    "monte_carlo, (w . grad u)^2 / delta with E[w w^T] = delta I on its {} component(s), one directional derivative per draw, {}, delta = {}",
                    t.components,
                    plan.monte_carlo
                        .as_ref()
                        .map(estimates_text)
                        .unwrap_or_default(),
                    plan.monte_carlo
                        .as_ref()
                        .map(|mc| num(mc.delta))
                        .unwrap_or_default()
                ),
            };
            let _ = writeln!(o, "     path: {path}");
            let _ = writeln!(o, "     why:  {}", t.why);
        }
    }
}

/// The time direction.
fn direction(o: &mut String, c: &Sources) {
    let analysis = c.analysis;
    let words = |d: TimeDirection| match d {
        TimeDirection::Forward => "forward (initial condition)",
        TimeDirection::Backward => "backward (terminal condition)",
        TimeDirection::Undetermined => "not determined by the signs of the terms",
    };
    let _ = writeln!(o);
    let p = &c.checked.problem;
    if p.pdes.len() > 1 {
        let _ = writeln!(o, "time direction, per equation:");
        for (e, d) in p.pdes.iter().zip(&analysis.directions) {
            let _ = writeln!(o, "  {:<22} {}", e.name, words(*d));
        }
        return;
    }
    let _ = writeln!(o, "time direction: {}", words(analysis.direction));
}

/// The work per point the training step does, as the plan counts it.
fn work(o: &mut String, c: &Sources) {
    let plan = c.plan;
    let _ = writeln!(o);
    let c = &plan.cost;
    let _ = writeln!(o, "work per collocation point and step:");
    let channels = match (c.second_order_directions, c.second_order_channels) {
        (0, _) => String::new(),
        (1, _) => ", 1 with a second-order channel".to_string(),
        (k, 1) => format!(", {k} with second-order channels summed into one"),
        (k, _) => format!(", {k} with a second-order channel each"),
    };
    let mut jvps = Vec::new();
    if c.drift_jvps > 0 {
        jvps.push(format!("{} for drifts", c.drift_jvps));
    }
    if c.gradient_square_jvps > 0 {
        jvps.push(format!("{} for gradient squares", c.gradient_square_jvps));
    }
    let jvps = match jvps.is_empty() {
        true => String::new(),
        false => format!("; directional derivatives among them: {}", jvps.join(", ")),
    };
    let _ = writeln!(
        o,
        "  base pass: one forward pass at the point carrying 1 value + {} tangent direction(s){channels}{jvps}",
        c.tangents
    );
    if let Some(mc) = plan.monte_carlo.as_ref() {
        monte_carlo_work(o, plan, mc);
    }
}

/// The settings that shape the run.
fn settings(o: &mut String, c: &Sources) {
    let st = &c.checked.settings;
    let plan = c.plan;
    let _ = writeln!(o);
    let net = match st.plan.net.kind {
        NetKind::Dgm => "dgm",
        NetKind::Mlp => "mlp",
    };
    let sched = match &st.run.lr_schedule {
        Schedule::Constant => "constant".to_string(),
        Schedule::Step { every, factor } => {
            format!("step(every = {every}, factor = {})", num(*factor))
        }
        Schedule::Exponential { every, factor } => {
            format!("exponential(every = {every}, factor = {})", num(*factor))
        }
        Schedule::Cosine { min_lr } => format!("cosine(min_lr = {})", num(*min_lr)),
    };
    let so = match &st.plan.second_order {
        SecondOrder::Auto => "auto".to_string(),
        SecondOrder::Exact => "exact".to_string(),
        SecondOrder::MonteCarlo { delta } => match delta {
            Some(d) => format!("monte_carlo(delta = {})", num(*d)),
            None => "monte_carlo".to_string(),
        },
    };
    let _ = writeln!(
        o,
        "settings: net = {net}(layers = {}, width = {}), steps = {}, batch = {}, lr = {}, lr_schedule = {sched}, second_order = {so}, dtype = {}, seed = {}",
        st.plan.net.layers,
        st.plan.net.width,
        st.run.steps,
        st.plan.batch,
        match st.run.lr_auto {
            true => "auto".to_string(),
            false => num(st.run.lr),
        },
        match st.plan.dtype {
            DType::F32 => "f32",
            DType::F64 => "f64",
        },
        st.run.seed
    );
    if st.run.lr_auto {
        let _ = writeln!(o, "{}", lr_auto_line(st.run.steps));
    }
    if plan.networks.len() > 1 {
        let _ = writeln!(o, "networks:");
        for line in crate::plan::networks::describe(&plan.networks, &plan.unknowns, &plan.layout) {
            let _ = writeln!(o, "{line}");
        }
    }
    if let Some(po) = &st.run.polish {
        let budget = po
            .time_limit
            .map_or(String::new(), |t| format!(", time_limit = {t}"));
        let _ = writeln!(
            o,
            "then polish = lbfgs(steps = {}, batches = {}, history = {}{budget}): L-BFGS on {} fixed points of the PDE term ({} batches), each iteration about {} steps' loss and gradient",
            po.steps,
            po.batches,
            po.history,
            po.batches * plan.pde_batch(),
            po.batches,
            po.batches
        );
        if plan.terms.iter().any(|t| t.kind == TermKind::Gauge) {
            let _ = writeln!(
                o,
                "  a gauge, on the polish's fixed points, is the square of its mean change since the polish began: the constant stays where the Adam steps put it (the fixed points' own mean differs from the domain's by their sampling error)"
            );
        }
    }
}

/// "two independent estimates of 2 draws each": how the loss's two factors are drawn.
fn estimates_text(mc: &MonteCarloPlan) -> String {
    let each = match mc.draws_per_estimate {
        1 => "one draw each".to_string(),
        n => format!("{n} draws averaged in each"),
    };
    format!("{} independent estimates, {each}", mc.estimates)
}

/// The Monte Carlo lines of the work per point: exactly what the training step evaluates.
fn monte_carlo_work(o: &mut String, plan: &Plan, mc: &MonteCarloPlan) {
    let per_term = format!(
        "{} estimates x {} draw(s)",
        mc.estimates, mc.draws_per_estimate
    );
    if mc.shifted_points() > 0 {
        let replaced: usize = plan
            .second_order
            .iter()
            .filter(|t| t.path == Path::MonteCarlo)
            .map(|t| t.directions)
            .sum();
        let terms = match mc.factors.len() {
            1 => String::new(),
            n => format!(" x {n} terms"),
        };
        let what = match mc.shifted_tangent() {
            true => {
                "network passes at shifted points x +- v, each with one Jacobian-vector product along v"
            }
            false => "value-only network passes at shifted points x +- v",
        };
        let difference = match mc.difference {
            McDifference::Values => "values",
            McDifference::Gradients => "gradients",
        };
        let _ = writeln!(
            o,
            "  monte carlo path: {} {what} ({per_term} x 2 points{terms}; mc_difference = {difference}), independent of the {replaced} direction(s) it replaces",
            mc.shifted_points()
        );
    }
    if mc.point_tangents() > 0 {
        let terms = match mc.gradient_squares.len() {
            1 => String::new(),
            n => format!(" x {n} terms"),
        };
        let _ = writeln!(
            o,
            "  gradient squares: {} directional derivative(s) at the point ({per_term}{terms}), instead of one tangent per component",
            mc.point_tangents()
        );
    }
    let law = match mc.noise {
        McNoise::Rademacher => "Rademacher (+- sqrt(delta))".to_string(),
        McNoise::Gaussian => "Gaussian N(0, delta)".to_string(),
        McNoise::Coordinates => format!(
            "coordinates (stochastic dimension, SDGD): each draw one column b_i of B (of the gradient, for a square), w = sqrt(delta) e_i, {} distinct of the n = {} per estimate (mc_draws), an estimate (n / k) sum over the sampled i of b_i^T H b_i, unbiased; the value per draw is i, and a diagonal B moves one input column (its products are columns of the input weights); mc_noise = coordinates",
            mc.draws_per_estimate,
            columns_list(mc)
        ),
    };
    let _ = writeln!(
        o,
        "  monte carlo noise: {} value(s) per point, {law}",
        mc.noise_per_point(),
    );
}

/// The columns of each Monte Carlo term, as `n` in the explanation of coordinate draws.
fn columns_list(mc: &MonteCarloPlan) -> String {
    let mut cols: Vec<String> = mc
        .factors
        .iter()
        .chain(&mc.gradient_squares)
        .map(|b| b.columns.to_string())
        .collect();
    cols.dedup();
    cols.join(", ")
}

/// What `lr = auto` will do for a run of `steps` steps (the probe itself runs at training).
fn lr_auto_line(steps: u64) -> String {
    use crate::settings::lr_auto;
    if !lr_auto::probes(steps) {
        return format!(
            "lr = auto: a run of fewer than {} steps takes lr = {} without a probe",
            lr_auto::MIN_STEPS,
            num(lr_auto::WITHOUT_PROBE)
        );
    }
    let tried: Vec<String> = lr_auto::CANDIDATES.iter().map(|&c| num(c)).collect();
    format!(
        "lr = auto: before training, lr = {} each train {} steps from the same weights on the run's first points; the run starts again with the one whose loss terms fell furthest (the mean of each term's log fall; summary.json's `lr_probe`)",
        tried.join(", "),
        lr_auto::probe_steps(steps)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const HEAT: &str = "problem heat\nconst d = 20\ntime t in [0, 1]\nspace x in [0, 1]^d\n\
        unknown u(t, x)\npde d(u, t) = lap(u)\ninitial u = 0\nboundary on(x): u = 0\n";

    /// Each statement's text is the whole explanation's lines for its term.
    #[test]
    fn a_statement_is_explained_with_the_lines_of_the_whole() {
        let c = crate::driver::compile(
            SourceFile {
                name: "heat.pde".into(),
                text: HEAT.into(),
            },
            &[],
        );
        let (Some(checked), Some(analysis), Some(plan)) = (&c.checked, &c.analysis, &c.plan) else {
            panic!("compiles: {:?}", c.diags)
        };
        let whole = explain("heat.pde", checked, analysis, plan);
        let of = |keyword: &str| {
            let item = c
                .program
                .user()
                .ast
                .items
                .iter()
                .find(|i| i.kind.keyword() == keyword);
            statement(checked, analysis, plan, item.expect("a statement").span)
        };
        let pde = of("pde").expect("the pde is a term");
        assert!(pde.contains("path: monte_carlo"), "{pde}");
        assert!(pde.contains("B = sqrt(s) D L has 20 column(s)"), "{pde}");
        assert!(pde.contains("work per collocation point"), "{pde}");
        let initial = of("initial").expect("a condition is a term");
        assert!(initial.contains("initial "), "{initial}");
        assert!(!initial.contains("path:"), "{initial}");
        for text in [&pde, &initial] {
            for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
                assert!(whole.contains(line), "`{line}` is not in:\n{whole}");
            }
        }
        assert!(of("const").is_none());
    }
}
