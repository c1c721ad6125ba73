//! The network's input columns, defined once: which variables the network reads, in which
//! order, and the range of each column (for rescaling to [-1, 1]). The unknown's arguments
//! come first in their declared order, then every parameter in declaration order. The plan
//! carries it (`Plan::layout`); the samplers draw points in its order and the solver reads
//! its columns.

use super::features::{HoleFeature, hole_features};
use super::periodic::PeriodicFeature;
use crate::ir::{Domain, Input, Problem};
use serde::Serialize;
use std::ops::Range;

/// One input of the network: a time, a space variable (one column per component) or a
/// parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetInput {
    pub name: String,
    pub kind: &'static str,
    /// The problem's variable it is.
    #[serde(skip)]
    pub input: Input,
    /// Its first column.
    #[serde(skip)]
    pub offset: usize,
    pub components: usize,
    /// Per-component range: the map to [-1, 1] uses it.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// What the network reads of the input before the map to [-1, 1]: the coordinate, or
    /// its logarithm (`plan::coordinates`).
    #[serde(skip_serializing_if = "InputMap::is_affine")]
    pub map: InputMap,
}

/// What the network reads of an input: the coordinate as written, or `ln(x + offset)` (a
/// price's logarithm: Black-Scholes-type operators are constant-coefficient in it). Either
/// way the network is a function of the user's coordinates, so reports, eval, export and
/// plots take them unchanged; only the network's features differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMap {
    Affine,
    /// `ln(x + offset)` per component; `offset` is 0 where the range starts above zero
    /// (see `plan::coordinates::log_offset`).
    Log {
        offset: Vec<f64>,
    },
}

impl InputMap {
    pub fn is_affine(&self) -> bool {
        matches!(self, InputMap::Affine)
    }
}

/// The network's inputs in column order, and the columns of a point in all.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputLayout {
    pub inputs: Vec<NetInput>,
    #[serde(rename = "input_width")]
    pub width: usize,
    /// Extra network inputs after the columns: one per hole of a constructive domain
    /// (`geometry::features`), computed from the points, never sampled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<HoleFeature>,
    /// Then two inputs per periodic coordinate, `cos` and `sin` of its angle, read instead
    /// of its column (`geometry::periodic`, `periodic_inputs = auto`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub periodic: Vec<PeriodicFeature>,
}

impl InputLayout {
    /// The inputs of the problem's networks: the unknowns' arguments in order
    /// ([`Problem::args`]), then the parameters in declaration order.
    pub fn new(problem: &Problem) -> InputLayout {
        let mut inputs = Vec::new();
        let mut width = 0;
        let mut push = |input: Input, name: &str, kind, lo: Vec<f64>, hi: Vec<f64>| {
            let components = lo.len();
            inputs.push(NetInput {
                name: name.to_string(),
                kind,
                input,
                offset: width,
                components,
                lo,
                hi,
                map: InputMap::Affine,
            });
            width += components;
        };
        for input in problem.args() {
            match input {
                Input::Time => {
                    if let Some(t) = &problem.time {
                        push(input, &t.name, "time", vec![t.lo], vec![t.hi]);
                    }
                }
                Input::Space(k) => {
                    let s = &problem.space[k];
                    let b = s.domain.bounds();
                    let (lo, hi) = b.iter().copied().unzip();
                    push(input, &s.name, "space", lo, hi);
                }
                Input::Param(_) => {}
            }
        }
        for (k, p) in problem.params.iter().enumerate() {
            push(Input::Param(k), &p.name, "param", vec![p.lo], vec![p.hi]);
        }
        let features = inputs
            .iter()
            .filter_map(|i| match i.input {
                Input::Space(k) => match &problem.space[k].domain {
                    Domain::Csg(csg) => Some(hole_features(&i.name, csg, i.offset)),
                    _ => None,
                },
                _ => None,
            })
            .flatten()
            .collect();
        InputLayout {
            inputs,
            width,
            features,
            periodic: Vec::new(),
        }
    }

    /// How many inputs the network reads: the columns, then the holes' features, then the
    /// periodic coordinates' cos and sin.
    pub fn net_width(&self) -> usize {
        self.periodic_start() + 2 * self.periodic.len()
    }

    /// The first periodic input (`cos` of the first periodic coordinate), after the holes'.
    pub fn periodic_start(&self) -> usize {
        self.width + self.features.len()
    }

    /// Whether the network reads inputs computed from the point besides its columns.
    pub fn has_features(&self) -> bool {
        !self.features.is_empty() || !self.periodic.is_empty()
    }

    /// The columns of an input; `None` for a variable the network does not read.
    pub fn columns(&self, input: Input) -> Option<Range<usize>> {
        self.inputs
            .iter()
            .find(|i| i.input == input)
            .map(|i| i.offset..i.offset + i.components)
    }

    /// The time's column.
    pub fn time(&self) -> Option<usize> {
        self.columns(Input::Time).map(|r| r.start)
    }

    /// `(offset, len)` of space variable `k`'s columns (`len` 1 for a scalar variable).
    pub fn space(&self, k: usize) -> Option<(usize, usize)> {
        self.columns(Input::Space(k)).map(|r| (r.start, r.len()))
    }

    /// Parameter `k`'s column.
    pub fn param(&self, k: usize) -> Option<usize> {
        self.columns(Input::Param(k)).map(|r| r.start)
    }

    /// The parameters' columns in declaration order (the network reads every parameter).
    pub fn params(&self) -> impl Iterator<Item = usize> + '_ {
        self.inputs
            .iter()
            .filter(|i| matches!(i.input, Input::Param(_)))
            .map(|i| i.offset)
    }
}
