//! `checkpoint.safetensors`: the Adam steps' state, saved every `checkpoint_every` steps and
//! at the end, so that `pdec solve --resume RUN` continues as if the run had never stopped;
//! the same [`Checkpoint`] in memory is the state a NaN rollback goes back to. The polish's
//! own state is `polish_checkpoint.rs` beside it.

use crate::run::dir::save_tensors;
use crate::run::error::RunError;
use candle_core::{DType, Device, Tensor};
use pdec_lang::diag::Diag;
use pdec_solve::nn::Net;
use pdec_solve::train::{self, Adam, WeightAverage};
use std::collections::HashMap;
use std::path::Path;

/// The largest step or count a checkpoint may hold: 2^53, below which every whole number
/// is an exact f64 (the checkpoint stores them as f64 scalars).
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Everything a resumed run needs to continue as if it had never stopped: the network, the
/// optimizer's moments and step, the step reached, the wall time spent and the
/// learning-rate scale left by NaN rollbacks. Points and noise are keyed by seed and step,
/// so no random state needs saving.
pub struct Checkpoint {
    pub step: u64,
    pub wall_s: f64,
    pub lr_scale: f64,
    pub params: Vec<Tensor>,
    pub adam_m: Vec<Tensor>,
    pub adam_v: Vec<Tensor>,
    pub adam_step: u64,
    /// The weight average so far (`average` setting).
    pub average: WeightAverage,
    /// Each loss term's value at the last step taken (empty before the first), so that a
    /// run resumed with no step left still reports its final loss.
    pub last_loss: Vec<f64>,
    /// The balance's state (`TermBalance::to_vec`; empty without balancing).
    pub balance: Vec<f64>,
    /// The `steps` the schedule was following (`None` in checkpoints written before it was
    /// kept), so that a resume that changes it continues the cosine from where it was.
    pub planned_steps: Option<u64>,
    /// The continued cosine of an earlier resume that changed `steps`.
    pub continued: Option<train::Continued>,
    /// The peak learning rate the run trained with (`lr = auto` resolved; `None` in
    /// checkpoints written before it was kept), so that a resumed `lr = auto` run goes on
    /// with it instead of probing again.
    pub lr: Option<f64>,
}

impl Checkpoint {
    /// A copy of the current state (tensors are immutable: cloning shares storage, and the
    /// training step replaces rather than mutates them).
    pub fn take(
        net: &Net,
        adam: &Adam,
        step: u64,
        wall_s: f64,
        lr_scale: f64,
        average: &WeightAverage,
    ) -> Result<Checkpoint, RunError> {
        // `Var::set` writes into the variable's storage, so the parameters are copied; the
        // optimizer's moments are replaced each step, so sharing them is safe.
        let params = net
            .params
            .iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<candle_core::Result<_>>()?;
        Ok(Checkpoint {
            step,
            wall_s,
            lr_scale,
            params,
            adam_m: adam.m.clone(),
            adam_v: adam.v.clone(),
            adam_step: adam.step,
            // The mean's tensors are replaced, never written into: sharing them is safe.
            average: average.clone(),
            last_loss: Vec::new(),
            balance: Vec::new(),
            planned_steps: None,
            continued: None,
            lr: None,
        })
    }

    /// Puts the network, optimizer and weight average back to this state.
    pub fn restore(
        &self,
        net: &Net,
        adam: &mut Adam,
        average: &mut WeightAverage,
    ) -> Result<(), RunError> {
        if self.params.len() != net.params.len() {
            return Err(RunError::Internal("checkpoint of another network".into()));
        }
        for ((_, var), t) in net.params.iter().zip(&self.params) {
            var.set(t)?;
        }
        adam.m = self.adam_m.clone();
        adam.v = self.adam_v.clone();
        adam.step = self.adam_step;
        *average = self.average.clone();
        Ok(())
    }

    /// Writes this checkpoint to `path` (atomically).
    pub fn save(&self, net: &Net, path: &Path) -> Result<(), RunError> {
        let mut map = HashMap::new();
        for (i, (name, _)) in net.params.iter().enumerate() {
            map.insert(name.clone(), self.params[i].clone());
            map.insert(format!("adam.m.{name}"), self.adam_m[i].clone());
            map.insert(format!("adam.v.{name}"), self.adam_v[i].clone());
            if let Some(m) = self.average.mean.get(i) {
                map.insert(format!("average.{name}"), m.clone());
            }
        }
        let scalar = |v: f64| Tensor::from_vec(vec![v], 1, &Device::Cpu);
        map.insert("meta.step".into(), scalar(self.step as f64)?);
        map.insert("meta.wall_s".into(), scalar(self.wall_s)?);
        map.insert("meta.lr_scale".into(), scalar(self.lr_scale)?);
        map.insert("meta.adam_step".into(), scalar(self.adam_step as f64)?);
        map.insert(
            "meta.average_count".into(),
            scalar(self.average.count as f64)?,
        );
        if !self.last_loss.is_empty() {
            map.insert(
                "meta.last_loss".into(),
                Tensor::from_slice(&self.last_loss, self.last_loss.len(), &Device::Cpu)?,
            );
        }
        if !self.balance.is_empty() {
            map.insert(
                "meta.balance".into(),
                Tensor::from_slice(&self.balance, self.balance.len(), &Device::Cpu)?,
            );
        }
        if let Some(steps) = self.planned_steps {
            map.insert("meta.planned_steps".into(), scalar(steps as f64)?);
        }
        if let Some(lr) = self.lr {
            map.insert("meta.lr".into(), scalar(lr)?);
        }
        if let Some(c) = self.continued {
            map.insert(
                "meta.continued_from_step".into(),
                scalar(c.from_step as f64)?,
            );
            map.insert("meta.continued_from_lr".into(), scalar(c.from_lr)?);
        }
        if let Some((step, wall)) = self.average.first {
            map.insert("meta.average_first_step".into(), scalar(step as f64)?);
            map.insert("meta.average_first_wall_s".into(), scalar(wall)?);
        }
        save_tensors(&map, path)
    }

    /// Reads a checkpoint for this network; a missing, truncated or foreign file is a
    /// diagnostic.
    pub fn load(net: &Net, path: &Path, device: &Device) -> Result<Checkpoint, RunError> {
        let bad = |why: String| {
            RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!("cannot resume from `{}`: {why}", path.display()),
                )
                .help("the checkpoint is missing or damaged, or the problem's network settings changed; start a new run"),
            ))
        };
        let map = candle_core::safetensors::load(path, device).map_err(|e| bad(e.to_string()))?;
        let get = |name: &str, like: Option<&candle_core::Var>| -> Result<Tensor, RunError> {
            let t = map
                .get(name)
                .ok_or_else(|| bad(format!("it has no tensor `{name}`")))?;
            if let Some(v) = like {
                if t.dims() != v.dims() {
                    return Err(bad(format!(
                        "tensor `{name}` has shape {:?}, the network expects {:?}",
                        t.dims(),
                        v.dims()
                    )));
                }
                return Ok(t.to_dtype(v.dtype())?);
            }
            Ok(t.clone())
        };
        let meta = |name: &str| -> Result<f64, RunError> {
            let v = get(name, None)?
                .to_dtype(DType::F64)?
                .flatten_all()?
                .to_vec1::<f64>()?;
            v.first()
                .copied()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| bad(format!("`{name}` is not a count")))
        };
        // Steps and counts are whole numbers that an f64 holds exactly (a damaged `1e30` would
        // saturate to u64::MAX, `1.5` would be read as 1).
        let count = |name: &str| -> Result<u64, RunError> {
            let x = meta(name)?;
            match x.fract() == 0.0 && x <= MAX_COUNT {
                true => Ok(x as u64),
                false => Err(bad(format!(
                    "`{name}` is {x}, not a whole number of at most {MAX_COUNT}"
                ))),
            }
        };
        let mut c = Checkpoint {
            step: count("meta.step")?,
            wall_s: meta("meta.wall_s")?,
            lr_scale: meta("meta.lr_scale")?,
            params: Vec::new(),
            adam_m: Vec::new(),
            adam_v: Vec::new(),
            adam_step: count("meta.adam_step")?,
            average: WeightAverage::default(),
            last_loss: Vec::new(),
            balance: Vec::new(),
            planned_steps: None,
            continued: None,
            lr: None,
        };
        // Checkpoints written before the schedule was kept have neither.
        if map.contains_key("meta.planned_steps") {
            c.planned_steps = Some(count("meta.planned_steps")?);
        }
        if map.contains_key("meta.lr") {
            let lr = meta("meta.lr")?;
            if lr <= 0.0 || lr >= 10.0 {
                return Err(bad(format!("`meta.lr` is {lr}, not a learning rate")));
            }
            c.lr = Some(lr);
        }
        if map.contains_key("meta.continued_from_step") {
            c.continued = Some(train::Continued {
                from_step: count("meta.continued_from_step")?,
                from_lr: meta("meta.continued_from_lr")?,
            });
        }
        // Runs without balancing (and older checkpoints) have no balance state.
        if map.contains_key("meta.balance") {
            c.balance = get("meta.balance", None)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
        }
        // Checkpoints written before the last step's loss was kept have none.
        if map.contains_key("meta.last_loss") {
            c.last_loss = get("meta.last_loss", None)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
        }
        // Checkpoints written before weight averaging existed have no average: none so far.
        if map.contains_key("meta.average_count") {
            c.average.count = count("meta.average_count")?;
        }
        // Checkpoints written before the first averaged iterate was recorded have none: a
        // resumed run then starts its average again.
        if map.contains_key("meta.average_first_step") {
            c.average.first = Some((
                count("meta.average_first_step")?,
                meta("meta.average_first_wall_s")?,
            ));
        }
        for (name, var) in &net.params {
            c.params.push(get(name, Some(var))?);
            c.adam_m.push(get(&format!("adam.m.{name}"), Some(var))?);
            c.adam_v.push(get(&format!("adam.v.{name}"), Some(var))?);
            if c.average.count > 0 {
                c.average
                    .mean
                    .push(get(&format!("average.{name}"), Some(var))?);
            }
        }
        Ok(c)
    }
}
