//! The regions points are drawn from: the whole domain, a time slice, faces of the space
//! domain (each with its share of the points), or the pairs of a periodic coordinate. The
//! plan gives each loss term one; the samplers draw from it.

use crate::ir::Face;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct FacePlan {
    pub face: Face,
    pub name: String,
    /// Share of this term's boundary points drawn on the face (proportional to its area).
    pub share: f64,
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
}
