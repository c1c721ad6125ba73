//! `model.safetensors`: the trained network's weights (the weight average, polished, when
//! the run has them), saved at checkpoints and at the end, and read back for `pdec eval`,
//! `pdec plot` and `pdec export`.

use crate::run::dir::save_tensors;
use crate::run::error::RunError;
use candle_core::{DType, Device, Tensor};
use pdec_lang::check::Checked;
use pdec_lang::diag::Diag;
use pdec_lang::driver::Compiled;
use pdec_solve::nn::Net;
use pdec_solve::train;
use std::collections::HashMap;
use std::path::Path;

pub(crate) fn dtype(c: &Checked) -> DType {
    match c.settings.plan.dtype {
        pdec_lang::settings::DType::F32 => DType::F32,
        pdec_lang::settings::DType::F64 => DType::F64,
    }
}

pub(crate) fn save_model(net: &Net, path: &Path) -> Result<(), RunError> {
    let tensors: HashMap<String, Tensor> = net
        .params
        .iter()
        .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
        .collect();
    save_tensors(&tensors, path)
}

fn load_model(net: &Net, path: &Path) -> Result<(), RunError> {
    let map = candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| {
        RunError::Diag(Box::new(
            Diag::error(
                "pdec::run::bad_checkpoint",
                format!("cannot read the model in `{}`: {e}", path.display()),
            )
            .help("the run directory may be incomplete; train again or point at another run"),
        ))
    })?;
    for (name, var) in &net.params {
        let t = map.get(name).ok_or_else(|| {
            RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!("the model in `{}` has no tensor `{name}`", path.display()),
                )
                .help("the model does not match the problem's network settings"),
            ))
        })?;
        if t.dims() != var.dims() {
            return Err(RunError::Diag(Box::new(
                Diag::error(
                    "pdec::run::bad_checkpoint",
                    format!(
                        "tensor `{name}` has shape {:?}, the network expects {:?}",
                        t.dims(),
                        var.dims()
                    ),
                )
                .help("the model does not match the problem's network settings"),
            )));
        }
        var.set(&t.to_dtype(var.dtype())?)?;
    }
    Ok(())
}

/// Loads a run's trained network for its (recompiled) problem.
pub fn load_net(compiled: &Compiled, run: &Path) -> Result<(Net, DType), RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("eval called without a plan".into()));
    };
    let dt = dtype(checked);
    let net = Net::for_plan(plan, checked.settings.run.seed, dt, &Device::Cpu)?;
    load_model(&net, &run.join("model.safetensors"))?;
    Ok((net, dt))
}

/// `pdec eval RUN_DIR --at "t = 0, x = 1"`: values of a trained network.
pub fn eval_at(compiled: &Compiled, run: &Path) -> Result<Vec<(String, f64)>, RunError> {
    let (Some(checked), Some(plan)) = (&compiled.checked, &compiled.plan) else {
        return Err(RunError::Internal("eval called without a plan".into()));
    };
    let problem = &checked.problem;
    let dt = dtype(checked);
    let device = Device::Cpu;
    let net = Net::for_plan(plan, checked.settings.run.seed, dt, &device)?;
    load_model(&net, &run.join("model.safetensors"))?;
    let cols = pdec_solve::lower::Columns::new(&plan.layout);
    let mut out = Vec::new();
    for r in &problem.reports {
        let row = train::report_row(problem, &cols, r);
        let x = Tensor::from_vec(row, (1, cols.layout.width), &device)?.to_dtype(dt)?;
        let v = train::solution_of(&net, problem, &cols, &x, r.unknown)?
            .to_dtype(DType::F64)?
            .to_vec1::<f64>()?[0];
        out.push((r.text.clone(), v));
    }
    Ok(out)
}
