//! Unknown coefficients and data terms: the coefficient's gradient comes out of the one
//! backward pass (checked against central differences of the loss in its parameter), and a
//! data term is the squared misfit of the network's value at the data's rows.

use super::*;
use crate::train::{DrawKey, sample};

const SRC: &str = "time t in [0, 1]\nspace x in [-1, 1]\nunknown u(t, x)\n\
    unknown const k in [0.1, 10] init 2 log\n\
    pde d(u, t) = k * d(u, x, x) + k^2 * u\ninitial u = sin(pi * x)\nboundary on(x): u = 0\n\
    observe u from \"obs.csv\"\n";

#[test]
fn an_unknown_coefficient_gets_the_loss_gradient_and_data_terms_their_misfit() {
    let c = pdec_lang::driver::compile_without_data(
        SourceFile {
            name: "t.pde".into(),
            text: SRC.into(),
        },
        &["dtype=f64".into()],
    );
    assert!(!c.diags.has_errors(), "{:?}", c.diags);
    let mut checked = c.checked.expect("checked");
    let plan = c.plan.expect("plan");
    // One row, as the front end would have read it.
    let o = &mut checked.problem.observations[0];
    (o.width, o.points, o.values) = (2, vec![0.5, 0.25], vec![0.3]);
    let prog = LossProgram::new(&checked.problem, &plan, Device::Cpu);
    let net = Net::for_plan(&plan, 3, prog.dtype, &Device::Cpu).expect("net");
    let (name, theta) = net.params.last().expect("params").clone();
    assert_eq!(name, "coef.k");
    let identified = net.identified().expect("values");
    assert!((identified[0].1 - 2.0).abs() < 1e-12, "{identified:?}");
    let batches = sample(&prog, None, DrawKey { seed: 1, number: 0 });
    let (up, noise) = prog.upload(&batches, &[]).expect("upload");
    let total = |net: &Net| -> Tensor {
        let l = prog.losses(net, &up, noise.as_ref()).expect("losses");
        let mut s = l.terms[0].clone();
        for t in &l.terms[1..] {
            s = (s + t).expect("sum");
        }
        s
    };
    let value = |t: &Tensor| {
        t.to_dtype(DType::F64)
            .expect("f64")
            .to_scalar::<f64>()
            .expect("scalar")
    };
    let g = total(&net).backward().expect("backward");
    let got = g
        .get(theta.as_tensor())
        .expect("a gradient for the coefficient");
    let got = got.to_vec1::<f64>().expect("vec")[0];
    let t0 = theta.as_tensor().to_vec1::<f64>().expect("theta")[0];
    let h = 1e-5;
    let at = |v: f64| {
        theta
            .set(&Tensor::new(&[v], &Device::Cpu).expect("t"))
            .expect("set");
        value(&total(&net))
    };
    let fd = (at(t0 + h) - at(t0 - h)) / (2.0 * h);
    at(t0);
    assert!(got.abs() > 1e-6, "{got}");
    assert!((got - fd).abs() < 1e-6 * fd.abs().max(1.0), "{got} vs {fd}");
    // The data term: (u(0.5, 0.25) - 0.3)^2.
    let data = plan
        .terms
        .iter()
        .position(|t| t.kind == TermKind::Data)
        .expect("a data term");
    let l = prog.losses(&net, &up, noise.as_ref()).expect("losses");
    let x = Tensor::new(&[[0.5f64, 0.25]], &Device::Cpu).expect("x");
    let u = crate::train::solution(&net, &checked.problem, &prog.cols, &x)
        .expect("u")
        .to_vec1::<f64>()
        .expect("u")[0];
    assert!((value(&l.terms[data]) - (u - 0.3).powi(2)).abs() < 1e-12);
}
