//! The regions points are drawn from: the whole domain, a time slice, faces of the space
//! domain (each with its share of the points), or the pairs of a periodic coordinate. The
//! plan gives each loss term one; the samplers draw from it.

use crate::ir::{Face, NodeId};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct FacePlan {
    pub face: Face,
    pub name: String,
    /// Share of this term's boundary points drawn on the face (proportional to its area).
    pub share: f64,
    /// A `where` restriction (a truth value of the face's point): points are drawn on the
    /// part of the face where it holds, by rejection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<NodeId>,
    /// The share of the face the restriction keeps: the rejection's acceptance rate (1
    /// without one).
    #[serde(skip_serializing_if = "is_one")]
    pub acceptance: f64,
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

impl FacePlan {
    /// Each face of a condition's region with share 1, keeping its restriction: for checks
    /// that draw on every face in turn.
    pub fn each(
        faces: &[Face],
        restriction: Option<&crate::ir::restrict::Restriction>,
    ) -> Vec<FacePlan> {
        faces
            .iter()
            .enumerate()
            .map(|(i, f)| FacePlan {
                face: *f,
                name: String::new(),
                share: 1.0,
                restriction: restriction.map(|r| r.node),
                acceptance: restriction.map_or(1.0, |r| r.shares[i]),
            })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Region {
    /// The whole space-time-parameter domain.
    Interior,
    TimeSlice {
        at: f64,
    },
    Faces {
        faces: Vec<FacePlan>,
    },
    Periodic {
        var: usize,
        comp: Option<usize>,
    },
    /// The rows of data set `set` ([`crate::ir::Problem::observations`]).
    Data {
        set: usize,
    },
    /// A gauge's groups of interior points: `group` batches whose rows share time and
    /// parameters, space drawn independently ([`crate::geometry::sample_gauge_groups`]).
    Gauge {
        group: usize,
    },
}
