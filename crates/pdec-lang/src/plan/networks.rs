//! The networks of a problem: which unknowns each one outputs, which input columns it
//! reads, and its kind and size. By default (`networks = shared`) the unknowns that take the
//! same arguments share one multi-output network, so a problem whose unknowns all take the
//! same ones has the one network it always had; `networks = separate` gives each unknown its
//! own (a vector unknown's components share theirs), and `net.NAME` one unknown. A network
//! whose unknowns take fewer arguments than the problem has inputs (`unknown p(x)` beside
//! `u(t, x)`) reads only its arguments' columns and the parameters': the solver keeps its
//! other input weights at zero, so its derivatives along them are exactly zero.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::geometry::inputs::InputLayout;
use crate::ir::{Input, Problem, declared_name};
use crate::settings::{Net, NetKind, PlanSettings};
use serde::Serialize;

/// One network of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkPlan {
    /// The prefix of its parameters' names: empty for the first network (whose names are
    /// those of a problem with one network), `net.NAME.` for the others, `NAME` its first
    /// unknown's (a vector unknown's base name).
    pub prefix: String,
    /// Its outputs, unknown indices in increasing order.
    pub unknowns: Vec<usize>,
    /// The input columns it reads, in increasing order (all of them when its unknowns take
    /// every input of the problem).
    pub columns: Vec<usize>,
    pub net: Net,
}

impl NetworkPlan {
    /// Whether it reads every input column.
    pub fn reads_all(&self, width: usize) -> bool {
        self.columns.len() == width
    }

    /// The number of trained parameters: its weights and biases less the input weights'
    /// columns it does not read (held at zero).
    pub fn trained_parameters(&self) -> usize {
        let (d, w, l, m) = (
            self.columns.len(),
            self.net.width,
            self.net.layers,
            self.unknowns.len(),
        );
        match self.net.kind {
            NetKind::Mlp if l == 0 => m * d + m,
            NetKind::Mlp => (w * d + w) + (l - 1) * (w * w + w) + (m * w + m),
            NetKind::Dgm => (w * d + w) + l * 4 * (w * d + w + w * w) + (m * w + m),
        }
    }
}

/// One network (the plan's JSON leaves the list out then, as before there were several).
pub fn is_one(n: &[NetworkPlan]) -> bool {
    n.len() <= 1
}

/// The problem's networks under the settings; a `net.NAME` that names no unknown is an
/// error on the setting's span.
pub fn networks(
    problem: &Problem,
    layout: &InputLayout,
    settings: &crate::settings::Settings,
    diags: &mut Diags,
) -> Vec<NetworkPlan> {
    check_names(problem, settings, diags);
    group(problem, layout, &settings.plan)
}

fn check_names(problem: &Problem, settings: &crate::settings::Settings, diags: &mut Diags) {
    let mut names: Vec<&str> = Vec::new();
    for u in &problem.unknowns {
        let b = declared_name(&u.name);
        if !names.contains(&b) {
            names.push(b);
        }
    }
    for name in settings.plan.net_per_unknown.keys() {
        if names.contains(&name.as_str()) {
            continue;
        }
        let mut d = Diag::error(
            "pdec::plan::unknown_network",
            format!("`net.{name}` names no unknown of this problem"),
        );
        if let Some(span) = settings.key_spans.get(&format!("net.{name}")) {
            d = d.primary(*span, "no such unknown");
        }
        diags.push(d.help(match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("did you mean `net.{s}`?"),
            None => format!("this problem's unknowns: {}", names.join(", ")),
        }));
    }
}

/// The grouping itself: unknowns in order, each joining the first earlier network with the
/// same arguments (under `shared`, unless either has a `net.NAME`) or its vector's.
fn group(problem: &Problem, layout: &InputLayout, s: &PlanSettings) -> Vec<NetworkPlan> {
    struct Key {
        args: Vec<Input>,
        base: String,
        own: bool,
    }
    let mut keys: Vec<Key> = Vec::new();
    let mut out: Vec<NetworkPlan> = Vec::new();
    for (k, u) in problem.unknowns.iter().enumerate() {
        let base = declared_name(&u.name).to_string();
        let own = s.net_per_unknown.contains_key(&base);
        let mut args = u.args.clone();
        args.sort();
        let joins = keys.iter().position(|key| {
            key.base == base || (s.networks.is_shared() && !own && !key.own && key.args == args)
        });
        match joins {
            Some(i) => out[i].unknowns.push(k),
            None => {
                let mut columns: Vec<usize> = layout
                    .inputs
                    .iter()
                    .filter(|i| matches!(i.input, Input::Param(_)) || u.args.contains(&i.input))
                    .flat_map(|i| i.offset..i.offset + i.components)
                    .collect();
                // The holes' features, after the columns, of the space variables it reads.
                let features: Vec<usize> = (layout.features.iter().enumerate())
                    .filter(|(_, f)| columns.contains(&f.offset))
                    .map(|(j, _)| layout.width + j)
                    .collect();
                // A periodic coordinate it reads: cos and sin instead of the column.
                let periodic: Vec<usize> = (layout.periodic.iter().enumerate())
                    .filter(|(_, f)| columns.contains(&f.column))
                    .flat_map(|(j, _)| {
                        let c = layout.periodic_start() + 2 * j;
                        [c, c + 1]
                    })
                    .collect();
                columns.retain(|c| !layout.periodic.iter().any(|f| f.column == *c));
                columns.extend(features);
                columns.extend(periodic);
                let net = match s.net_per_unknown.get(&base) {
                    Some(o) => o.over(&s.net),
                    None => s.net.clone(),
                };
                out.push(NetworkPlan {
                    prefix: match out.is_empty() {
                        true => String::new(),
                        false => format!("net.{base}."),
                    },
                    unknowns: vec![k],
                    columns,
                    net,
                });
                keys.push(Key { args, base, own });
            }
        }
    }
    if out.is_empty() {
        // No unknown (a problem that failed earlier): the one network of one output.
        out.push(NetworkPlan {
            prefix: String::new(),
            unknowns: Vec::new(),
            columns: (0..layout.net_width()).collect(),
            net: s.net.clone(),
        });
    }
    out
}

/// `pdec explain`'s line for each network, when there are several.
pub fn describe(
    plan_networks: &[NetworkPlan],
    unknowns: &[String],
    layout: &InputLayout,
) -> Vec<String> {
    plan_networks
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let names: Vec<&str> = n.unknowns.iter().map(|k| unknowns[*k].as_str()).collect();
            // An input it reads a column of, or the periodic features of.
            let periodic = |c: usize| {
                (layout.periodic.iter().enumerate()).any(|(j, f)| {
                    f.column == c && n.columns.contains(&(layout.periodic_start() + 2 * j))
                })
            };
            let inputs: Vec<&str> = layout
                .inputs
                .iter()
                .filter(|c| {
                    (c.offset..c.offset + c.components)
                        .any(|k| n.columns.contains(&k) || periodic(k))
                })
                .map(|c| c.name.as_str())
                .collect();
            let kind = match n.net.kind {
                NetKind::Dgm => "dgm",
                NetKind::Mlp => "mlp",
            };
            format!(
                "  network {}: {} from ({}), {kind} {} x {}, {} parameters",
                i + 1,
                names.join(", "),
                inputs.join(", "),
                n.net.width,
                n.net.layers,
                n.trained_parameters()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn networks_of(src: &str) -> Vec<NetworkPlan> {
        let c = crate::driver::compile(
            SourceFile {
                name: "t.pde".into(),
                text: src.into(),
            },
            &[],
        );
        assert!(!c.diags.has_errors(), "{:?}", c.diags);
        c.plan.expect("a plan").networks
    }

    const SYSTEM: &str = "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\nunknown p(x)\nunknown v(t, x)\npde u: d(u, t) = d(u, x, x) + p\npde p: d(p, x, x) = 1\npde v: d(v, t) = d(v, x, x) + u\ninitial u = 0\ninitial v = 0\nboundary on(x): u = 0\nboundary on(x): p = 0\nboundary on(x): v = 0\n";

    /// The unknowns that take the same arguments share a network; `p(x)` reads `x` alone.
    #[test]
    fn unknowns_are_grouped_by_their_arguments() {
        let n = networks_of(SYSTEM);
        assert_eq!(n.len(), 2);
        assert_eq!(
            (n[0].unknowns.clone(), n[0].columns.clone()),
            (vec![0, 2], vec![0, 1])
        );
        assert_eq!(
            (n[1].unknowns.clone(), n[1].columns.clone()),
            (vec![1], vec![1])
        );
        assert_eq!((n[0].prefix.as_str(), n[1].prefix.as_str()), ("", "net.p."));
        // A DGM of width 50 and 3 layers reading one column of two: 50 input weights fewer.
        let d = NetworkPlan {
            columns: vec![0, 1],
            ..n[1].clone()
        };
        assert_eq!(d.trained_parameters() - n[1].trained_parameters(), 13 * 50);
    }

    /// A hole's feature (`geometry::features`, after the columns) is read by the networks
    /// whose unknowns take its space variable, and by no other.
    #[test]
    fn a_holes_feature_goes_with_its_space_variable() {
        let src = "time t in [0, 1]\nspace x in box([-1, 1]^2) - ball(center = [0, 0], radius = 0.3)\n\
            unknown u(t, x)\nunknown q(t)\npde u: d(u, t) = lap(u) + q\npde q: d(q, t) = -q\n\
            initial u = 0\ninitial q = 1\nboundary on(x): u = 0\n";
        let n = networks_of(src);
        assert_eq!(n.len(), 2);
        // Columns t, x[1], x[2], then the hole's feature at 3.
        assert_eq!(n[0].columns, vec![0, 1, 2, 3]);
        assert_eq!(n[1].columns, vec![0]);
    }

    /// `separate` gives each unknown its own; `net.NAME` one unknown, with its own size.
    #[test]
    fn separate_and_per_unknown_networks() {
        let n = networks_of(&format!("{SYSTEM}solve {{\n  networks = separate\n}}\n"));
        assert_eq!(
            n.iter().map(|n| n.unknowns.clone()).collect::<Vec<_>>(),
            vec![vec![0], vec![1], vec![2]]
        );
        let n = networks_of(&format!("{SYSTEM}solve {{\n  net.v = mlp(width = 7)\n}}\n"));
        assert_eq!(n.len(), 3);
        assert_eq!(n[2].unknowns, vec![2]);
        assert_eq!(
            (n[2].net.kind, n[2].net.width, n[2].net.layers),
            (NetKind::Mlp, 7, 3)
        );
        assert_eq!(n[2].prefix, "net.v.");
    }
}
