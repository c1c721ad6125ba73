//! The network's inputs: which variables the network reads, in which column order, and the
//! range of each column (for rescaling to [-1, 1]). The unknown's arguments come first in
//! their declared order, then every parameter in declaration order; the samplers
//! ([`crate::geometry`]) draw points in this order.

use crate::ir::{Input, Problem};
use serde::Serialize;

/// One input of the network: a time, a space variable (one column per component) or a
/// parameter.
#[derive(Clone, Debug, Serialize)]
pub struct NetInput {
    pub name: String,
    pub kind: &'static str,
    pub components: usize,
    /// Per-component range: the affine map to [-1, 1] uses it.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// The inputs of the problem's network, in column order.
pub fn inputs(problem: &Problem) -> Vec<NetInput> {
    let mut inputs = Vec::new();
    for i in &problem.unknown.args {
        match i {
            Input::Time => {
                if let Some(t) = &problem.time {
                    inputs.push(NetInput {
                        name: t.name.clone(),
                        kind: "time",
                        components: 1,
                        lo: vec![t.lo],
                        hi: vec![t.hi],
                    });
                }
            }
            Input::Space(k) => {
                let s = &problem.space[*k];
                let b = s.domain.bounds();
                inputs.push(NetInput {
                    name: s.name.clone(),
                    kind: "space",
                    components: b.len(),
                    lo: b.iter().map(|x| x.0).collect(),
                    hi: b.iter().map(|x| x.1).collect(),
                });
            }
            Input::Param(_) => {}
        }
    }
    for p in &problem.params {
        inputs.push(NetInput {
            name: p.name.clone(),
            kind: "param",
            components: 1,
            lo: vec![p.lo],
            hi: vec![p.hi],
        });
    }
    inputs
}
