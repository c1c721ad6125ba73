//! `pdec solve NEW.pde --init-from RUN_DIR`: a new run that starts from another run's trained
//! network (its `model.safetensors`: the weight average, polished, when the run has them)
//! instead of a random one. Only the weights are taken: Adam's state, the step, the schedule
//! and the balance multipliers start fresh, as in any new run.
//!
//! [`from_run`] checks that an opened run's network means something for the new problem
//! (the same `net`; the same inputs in the same order, read through the same maps) and
//! refuses with a coded diagnostic naming the difference; all before anything is written.
//! Where the two plans differ only in ranges or in the output scale, the weights are
//! rewritten so that the new network is the same function of the user's coordinates: the
//! map to [-1, 1] and `shift + scale * net` are affine, and so are the layers that read them.

use crate::run::RunError;
use candle_core::{DType, Device, Tensor};
use pdec_lang::diag::Diag;
use pdec_lang::plan::Plan;
use pdec_solve::lower::Columns;
use pdec_solve::nn::Net;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Another run's network, checked against the new problem and rewritten for its plan.
#[derive(Debug)]
pub struct WarmStart {
    /// The run it comes from (as given, made absolute).
    pub dir: PathBuf,
    /// The steps that run trained (its summary.json), when it says.
    pub step: Option<u64>,
    /// The weights by name, on the CPU in f64 (converted to the new run's dtype and device
    /// when loaded).
    tensors: HashMap<String, Tensor>,
    /// What was rewritten (ranges, output scale), for the run's opening lines.
    pub notes: Vec<String>,
}

fn refuse(code: &'static str, message: String, help: &str) -> RunError {
    RunError::Diag(Box::new(Diag::error(code, message).help(help)))
}

/// Checks the network of the run in `from` (its plan `old` and network `old_net`, opened by
/// the caller: `commands::solve` through `rundir`) against the new problem's plan `new`, and
/// rewrites its weights for it; a coded diagnostic when the network does not fit.
pub fn from_run(new: &Plan, old: &Plan, old_net: &Net, from: &Path) -> Result<WarmStart, RunError> {
    check_network(old, new, from)?;
    check_inputs(old, new, from)?;
    check_networks(old, new, from)?;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (name, var) in &old_net.params {
        tensors.insert(name.clone(), var.as_tensor().to_dtype(DType::F64)?);
    }
    let mut notes = Vec::new();
    if let Some(n) = refit_ranges(&mut tensors, old_net, old, new)? {
        notes.push(n);
    }
    if let Some(n) = refit_output(&mut tensors, old, new)? {
        notes.push(n);
    }
    Ok(WarmStart {
        dir: std::path::absolute(from).unwrap_or_else(|_| from.to_path_buf()),
        step: trained_steps(from),
        tensors,
        notes,
    })
}

impl WarmStart {
    /// Sets `net`'s weights to the run's (in `net`'s dtype, on its device).
    pub fn load_into(&self, net: &Net) -> Result<(), RunError> {
        for (name, var) in &net.params {
            let t = self.tensors.get(name).ok_or_else(|| {
                RunError::Internal(format!("init-from: no tensor `{name}` after the check"))
            })?;
            var.set(&t.to_dtype(var.dtype())?.to_device(var.device())?)?;
        }
        Ok(())
    }

    /// settings.json's `init_from`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "run": self.dir.display().to_string(), "step": self.step })
    }

    /// The opening line that says where the run starts.
    pub fn note(&self) -> String {
        let at = self.step.map_or(String::new(), |s| format!(" (step {s})"));
        let mut n = format!(
            "starting from the network of {}{at}; the optimizer, step and schedule start fresh",
            self.dir.display()
        );
        for m in &self.notes {
            n.push_str("; ");
            n.push_str(m);
        }
        n
    }
}

/// The `init_from` a run's settings.json recorded (null when none): a resumed run keeps it.
pub fn recorded(dir: &Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join("settings.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map_or(serde_json::Value::Null, |v| v["init_from"].clone())
}

/// The steps the run trained, from its summary.json.
fn trained_steps(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    serde_json::from_str::<serde_json::Value>(&text).ok()?["steps"].as_u64()
}

fn check_network(old: &Plan, new: &Plan, from: &Path) -> Result<(), RunError> {
    let (a, b) = (&old.settings.net, &new.settings.net);
    if a == b {
        return Ok(());
    }
    let show = |n: &pdec_lang::settings::Net| {
        let kind = match n.kind {
            pdec_lang::settings::NetKind::Dgm => "dgm",
            pdec_lang::settings::NetKind::Mlp => "mlp",
        };
        format!("{kind}(layers = {}, width = {})", n.layers, n.width)
    };
    Err(refuse(
        "pdec::run::init_from_network",
        format!(
            "`--init-from {}`: its network is `net = {}`, this problem's is `net = {}`",
            from.display(),
            show(a),
            show(b)
        ),
        "a warm start keeps the network's shape: give this problem the run's `net` (`--set net=...`), or start cold",
    ))
}

/// The same networks: the unknowns grouped alike, each network of the same shape reading the
/// same columns (after [`check_inputs`], so that a changed input is named as such).
fn check_networks(old: &Plan, new: &Plan, from: &Path) -> Result<(), RunError> {
    if old.networks != new.networks {
        let show = |p: &Plan| {
            p.networks
                .iter()
                .map(|n| {
                    let u: Vec<&str> = n.unknowns.iter().map(|k| p.unknowns[*k].as_str()).collect();
                    let i: Vec<&str> = p
                        .layout
                        .inputs
                        .iter()
                        .filter(|c| n.columns.contains(&c.offset))
                        .map(|c| c.name.as_str())
                        .collect();
                    format!("{} from ({})", u.join(", "), i.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(refuse(
            "pdec::run::init_from_network",
            format!(
                "`--init-from {}`: its networks are {}, this problem's are {}",
                from.display(),
                show(old),
                show(new)
            ),
            "a warm start keeps the networks: give this problem the run's `networks` and `net.NAME` settings and arguments, or start cold",
        ));
    }
    Ok(())
}

/// The inputs must be the same columns: names, kinds and components in the same order, read
/// through the same maps (ranges may differ).
fn check_inputs(old: &Plan, new: &Plan, from: &Path) -> Result<(), RunError> {
    let show = |p: &Plan| {
        p.layout
            .inputs
            .iter()
            .map(|i| match i.components {
                1 => format!("{} {}", i.kind, i.name),
                n => format!("{} {} ({n} components)", i.kind, i.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let help = "a warm start needs the same inputs in the same order (time, space variables with their components, parameters); ranges may differ";
    let same = old.layout.inputs.len() == new.layout.inputs.len()
        && old
            .layout
            .inputs
            .iter()
            .zip(&new.layout.inputs)
            .all(|(a, b)| a.name == b.name && a.kind == b.kind && a.components == b.components);
    if !same {
        return Err(refuse(
            "pdec::run::init_from_inputs",
            format!(
                "`--init-from {}`: the run's network reads {}; this problem's reads {}",
                from.display(),
                show(old),
                show(new)
            ),
            help,
        ));
    }
    if old.layout.periodic != new.layout.periodic {
        let show = |p: &Plan| match p.layout.periodic.is_empty() {
            true => "no periodic coordinate through cos and sin".to_string(),
            false => (p.layout.periodic.iter())
                .map(|f| format!("cos and sin of `{}` over [{}, {}]", f.var, f.lo, f.hi))
                .collect::<Vec<_>>()
                .join(", "),
        };
        return Err(refuse(
            "pdec::run::init_from_inputs",
            format!(
                "`--init-from {}`: the run's network reads {}, this problem's reads {}",
                from.display(),
                show(old),
                show(new)
            ),
            "a periodic coordinate is read through cos and sin of its angle (`periodic_inputs`): give both problems the same periodic coordinates, ranges and `periodic_inputs` setting, or start cold",
        ));
    }
    for (a, b) in old.layout.inputs.iter().zip(&new.layout.inputs) {
        if a.map != b.map {
            let map = |m: &pdec_lang::geometry::inputs::InputMap| match m {
                pdec_lang::geometry::inputs::InputMap::Affine => "the coordinate".to_string(),
                pdec_lang::geometry::inputs::InputMap::Log { offset } => {
                    format!("ln({} + {offset:?})", b.name)
                }
            };
            return Err(refuse(
                "pdec::run::init_from_inputs",
                format!(
                    "`--init-from {}`: the run's network reads {} of `{}`, this problem's reads {}",
                    from.display(),
                    map(&a.map),
                    a.name,
                    map(&b.map)
                ),
                "the network reads a price's logarithm where the range allows (`coordinates`): give both problems the same `coordinates` setting, or start cold",
            ));
        }
    }
    Ok(())
}

/// Rewrites the weights that read the inputs so that a changed range maps the same point to
/// the same features: with `z = s x + h` per column, the old `z` is `r z' + c` in the new
/// one's terms (`r = s_old / s_new`, `c = h_old - r h_new`), and `W z + b` becomes
/// `(W r) z' + (b + W c)`.
fn refit_ranges(
    tensors: &mut HashMap<String, Tensor>,
    old_net: &Net,
    old: &Plan,
    new: &Plan,
) -> Result<Option<String>, RunError> {
    let changed: Vec<&str> = old
        .layout
        .inputs
        .iter()
        .zip(&new.layout.inputs)
        .filter(|(a, b)| a.lo != b.lo || a.hi != b.hi)
        .map(|(a, _)| a.name.as_str())
        .collect();
    if changed.is_empty() {
        return Ok(None);
    }
    let (a, b) = (Columns::new(&old.layout), Columns::new(&new.layout));
    let mut r: Vec<f64> = a.scale.iter().zip(&b.scale).map(|(x, y)| x / y).collect();
    let mut c: Vec<f64> = (0..r.len())
        .map(|j| a.shift[j] - r[j] * b.shift[j])
        .collect();
    // The features after the columns (holes', periodic coordinates') are kept as they are:
    // the periodic ones are the same functions (`check_inputs` refuses changed ones).
    let w = new.layout.net_width();
    r.resize(w, 1.0);
    c.resize(w, 0.0);
    let r = Tensor::from_vec(r, (1, w), &Device::Cpu)?;
    let c = Tensor::from_vec(c, (w, 1), &Device::Cpu)?;
    let inputs: Vec<_> = old_net.input_weights().iter().map(Tensor::id).collect();
    for (name, var) in &old_net.params {
        if !inputs.contains(&var.as_tensor().id()) {
            continue;
        }
        let bias = name.replace(".weight", ".bias");
        let Some(wt) = tensors.get(name).cloned() else {
            continue;
        };
        let moved = wt.matmul(&c)?.squeeze(1)?;
        tensors.insert(name.clone(), wt.broadcast_mul(&r)?);
        if let Some(bt) = tensors.get(&bias) {
            let bt = bt.add(&moved)?;
            tensors.insert(bias, bt);
        }
    }
    Ok(Some(format!(
        "the range of {} changed: the weights are rewritten so that the network is the same function of the coordinates (outside the run's old range it extrapolates)",
        changed.join(", ")
    )))
}

/// Rewrites the output layer for a changed output scale: `s + c net` equals `s' + c' net'`
/// with `net' = (c / c') net + (s - s') / c'`.
fn refit_output(
    tensors: &mut HashMap<String, Tensor>,
    old: &Plan,
    new: &Plan,
) -> Result<Option<String>, RunError> {
    let pair = |p: &Plan| p.output.as_ref().map_or((0.0, 1.0), |o| (o.shift, o.scale));
    let ((s, c), (s2, c2)) = (pair(old), pair(new));
    if (s, c) == (s2, c2) {
        return Ok(None);
    }
    let prefixes: Vec<String> = match new.networks.is_empty() {
        true => vec![String::new()],
        false => new.networks.iter().map(|n| n.prefix.clone()).collect(),
    };
    for p in prefixes {
        let (wn, bn) = (format!("{p}out.weight"), format!("{p}out.bias"));
        let (Some(w), Some(b)) = (tensors.get(&wn), tensors.get(&bn)) else {
            return Err(RunError::Internal(
                "init-from: a network without `out`".into(),
            ));
        };
        let (w, b) = (w.clone(), b.clone());
        tensors.insert(wn, w.affine(c / c2, 0.0)?);
        tensors.insert(bn, b.affine(c / c2, (s - s2) / c2)?);
    }
    Ok(Some(format!(
        "the output scale changed (u = {s} + {c} net, now {s2} + {c2} net): the output layer is rewritten to match"
    )))
}
