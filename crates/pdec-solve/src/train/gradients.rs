//! Gradients of a step's loss: each parameter's (input weights' stacked products included),
//! their squared norm without a host read, and the term to blame when they are not finite.

use crate::nn::{self, Net, Projections};
use crate::train::loss::StepLosses;
use candle_core::{DType, Result, Tensor};

/// Each parameter's gradient (zeros where the loss does not depend on it), in order.
pub(super) fn gradients(
    net: &Net,
    grads: &candle_core::backprop::GradStore,
    projections: &[Projections],
) -> Result<Vec<Tensor>> {
    nn::parameter_gradients(net, grads, projections)
}

/// `sum |g|^2` over all gradients, as a one-element tensor (no host read).
pub(super) fn squared_norm(grads: &[Tensor]) -> Result<Tensor> {
    let sums: Vec<Tensor> = grads
        .iter()
        .map(|g| g.to_dtype(DType::F64)?.sqr()?.sum_all()?.reshape(1))
        .collect::<Result<_>>()?;
    Tensor::cat(&sums, 0)?.sum_all()
}

/// Which term's gradient is not finite (only called once the total's is not): one backward
/// per term, on the failing step only. The first term when none is alone to blame.
pub(super) fn nonfinite_gradient_term(net: &Net, passes: &[&StepLosses]) -> Result<usize> {
    let terms = passes.first().map_or(0, |l| l.terms.len());
    for k in 0..terms {
        for losses in passes {
            let g = gradients(net, &losses.terms[k].backward()?, &losses.projections)?;
            let n2 = squared_norm(&g)?.to_scalar::<f64>()?;
            if !n2.is_finite() {
                return Ok(k);
            }
        }
    }
    Ok(0)
}
