//! `polish.safetensors`: the L-BFGS polish's state in a run directory, so that a polish
//! stopped by Ctrl-C, its time limit or its iteration count goes on where it stopped when
//! the run is resumed (`pdec solve --resume RUN`), as Adam's steps do from
//! `checkpoint.safetensors`. Without it a resumed run would polish again from the end of the
//! Adam steps and lose hours of iterations.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};

use crate::run::dir::save_tensors;
use crate::run::error::RunError;
use pdec_lang::diag::Diag;
use pdec_solve::polish::{Pair, State};

/// What identifies a polish and how far it got, beside the minimiser's [`State`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Meta {
    /// The Adam step the polish began after: a run resumed to train on invalidates it.
    pub from_step: u64,
    /// The fixed batches and the PDE points in each: the points it minimises over.
    pub batches: u64,
    pub pde_batch: u64,
    /// The weighted total on the fixed points where the polish began.
    pub loss_before: f64,
    /// Seconds spent polishing so far (over every piece).
    pub wall_s: f64,
    /// The loss stopped falling: more iterations would change nothing.
    pub converged: bool,
}

/// A saved polish.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub meta: Meta,
    pub state: State,
}

/// The names of the stored scalars.
const SCALARS: [&str; 8] = [
    "meta.from_step",
    "meta.batches",
    "meta.pde_batch",
    "meta.loss_before",
    "meta.wall_s",
    "meta.converged",
    "meta.iterations",
    "meta.evaluations",
];

/// Writes the polish at `state` to `path` (atomically: a crash leaves the old file or the
/// new one). Weights and pairs are kept in f64, as the minimiser holds them, so that the
/// continued polish takes the steps the uninterrupted one would have.
pub fn save(path: &Path, meta: &Meta, state: &State) -> Result<(), RunError> {
    let cpu = &Device::Cpu;
    let n = state.x.len();
    let mut map = HashMap::new();
    map.insert("x".to_string(), Tensor::from_slice(&state.x, n, cpu)?);
    let k = state.pairs.len();
    if k > 0 {
        let stack = |part: fn(&Pair) -> &Vec<f64>| -> candle_core::Result<Tensor> {
            let flat: Vec<f64> = state.pairs.iter().flat_map(|p| part(p).clone()).collect();
            Tensor::from_vec(flat, (k, n), cpu)
        };
        map.insert("pairs.s".to_string(), stack(|p| &p.s)?);
        map.insert("pairs.y".to_string(), stack(|p| &p.y)?);
    }
    let values = [
        meta.from_step as f64,
        meta.batches as f64,
        meta.pde_batch as f64,
        meta.loss_before,
        meta.wall_s,
        if meta.converged { 1.0 } else { 0.0 },
        state.iterations as f64,
        state.evaluations as f64,
    ];
    for (name, v) in SCALARS.iter().zip(values) {
        map.insert(name.to_string(), Tensor::from_vec(vec![v], 1, cpu)?);
    }
    save_tensors(&map, path)
}

/// Reads a polish saved for a network of `parameters` weights; a truncated or foreign file
/// is a diagnostic.
pub fn load(path: &Path, parameters: usize) -> Result<Checkpoint, RunError> {
    let bad = |why: String| {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::bad_checkpoint",
                format!("cannot resume the polish from `{}`: {why}", path.display()),
            )
            .help("the file is damaged or belongs to another network; delete it to polish again from the end of the Adam steps"),
        ))
    };
    let map = candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| bad(e.to_string()))?;
    let floats = |name: &str| -> Result<(Vec<usize>, Vec<f64>), RunError> {
        let t = map
            .get(name)
            .ok_or_else(|| bad(format!("it has no tensor `{name}`")))?;
        let v = t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
        Ok((t.dims().to_vec(), v))
    };
    let mut scalars = [0.0; SCALARS.len()];
    for (slot, name) in scalars.iter_mut().zip(SCALARS) {
        *slot = floats(name)?
            .1
            .first()
            .copied()
            .filter(|v| v.is_finite() && (*v >= 0.0 || name == "meta.loss_before"))
            .ok_or_else(|| bad(format!("`{name}` is not a count")))?;
    }
    // The counts are whole numbers an f64 holds exactly (not `1e30`, which would saturate,
    // nor `1.5`, which would be read as 1).
    for (v, name) in scalars.iter().zip(SCALARS) {
        let count = !matches!(name, "meta.loss_before" | "meta.wall_s" | "meta.converged");
        if count && (v.fract() != 0.0 || *v > 9_007_199_254_740_992.0) {
            return Err(bad(format!(
                "`{name}` is {v}, not a whole number of at most 2^53"
            )));
        }
    }
    let [
        from_step,
        batches,
        pde_batch,
        loss_before,
        wall_s,
        converged,
        iterations,
        evaluations,
    ] = scalars;
    let (dims, x) = floats("x")?;
    if dims != [parameters] {
        return Err(bad(format!(
            "its weights have shape {dims:?}, the network has {parameters}"
        )));
    }
    let mut pairs = std::collections::VecDeque::new();
    if map.contains_key("pairs.s") {
        let (s_dims, s) = floats("pairs.s")?;
        let (y_dims, y) = floats("pairs.y")?;
        if s_dims.len() != 2 || s_dims[1] != parameters || s_dims != y_dims {
            return Err(bad(format!(
                "its curvature pairs have shapes {s_dims:?} and {y_dims:?}, the network has {parameters} weights"
            )));
        }
        for (s, y) in s.chunks(parameters).zip(y.chunks(parameters)) {
            pairs.push_back(Pair::new(s.to_vec(), y.to_vec()));
        }
    }
    Ok(Checkpoint {
        meta: Meta {
            from_step: from_step as u64,
            batches: batches as u64,
            pde_batch: pde_batch as u64,
            loss_before,
            wall_s,
            converged: converged > 0.0,
        },
        state: State {
            x,
            pairs,
            iterations: iterations as u64,
            evaluations: evaluations as u64,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in a temporary directory of its own, removed when the guard drops.
    fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("scratch dir");
        let path = dir.path().join("polish.safetensors");
        (dir, path)
    }

    fn example() -> (Meta, State) {
        let meta = Meta {
            from_step: 1200,
            batches: 4,
            pde_batch: 256,
            loss_before: 3.25e-4,
            wall_s: 12.5,
            converged: false,
        };
        let mut state = State::start(vec![0.1, -0.2, 1.0 / 3.0]);
        state
            .pairs
            .push_back(Pair::new(vec![1e-3, 2e-3, -1e-3], vec![0.5, 0.25, -0.125]));
        state
            .pairs
            .push_back(Pair::new(vec![-7e-4, 1e-9, 3e-3], vec![0.1, 0.2, 0.3]));
        state.iterations = 17;
        state.evaluations = 21;
        (meta, state)
    }

    #[test]
    fn a_saved_polish_reads_back_bit_for_bit() {
        let (_dir, path) = scratch();
        let (meta, state) = example();
        save(&path, &meta, &state).expect("save");
        let back = load(&path, 3).expect("load");
        assert_eq!(back, Checkpoint { meta, state });
    }

    #[test]
    fn a_polish_with_no_pairs_yet_reads_back() {
        let (_dir, path) = scratch();
        let (meta, _) = example();
        let state = State::start(vec![1.0, 2.0, 3.0]);
        save(&path, &meta, &state).expect("save");
        assert_eq!(load(&path, 3).expect("load").state, state);
    }

    #[test]
    fn a_polish_of_another_network_or_a_damaged_file_is_a_diagnostic() {
        let (_dir, path) = scratch();
        let (meta, state) = example();
        save(&path, &meta, &state).expect("save");
        let Err(RunError::Diag(d)) = load(&path, 4) else {
            panic!("a polish of 3 weights read for a network of 4");
        };
        assert!(d.message.contains("shape [3]"), "{}", d.message);
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
        assert!(matches!(load(&path, 3), Err(RunError::Diag(_))));
    }
}
