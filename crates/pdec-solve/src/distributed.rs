//! Data-parallel training over MPI (cargo feature `mpi`, Open MPI through the `mpi` crate).
//!
//! `mpirun -n K pdec solve FILE` splits each step's batch across the K ranks. Every rank
//! draws the same global batch (points keyed by seed and step, see `train::step_rng`) and
//! keeps its own contiguous slice of rows, so the batch does not depend on K; the Monte
//! Carlo noise is drawn for the global batch and sliced the same way. Each rank's loss terms
//! are means over its rows, scaled by its share of the term's rows, so the sum over ranks
//! is the one-process loss; the scaled gradients, the term values and two control numbers
//! (a stop request, rank 0's clock) travel in ONE flat buffer through one allreduce per
//! step. Rank 0 writes the run directory and prints; the other ranks write nothing.
//!
//! Without the feature, or started without `mpirun`, there is one rank and nothing is sent.

/// This process's place in the job.
pub struct Comm {
    rank: usize,
    size: usize,
    #[cfg(feature = "mpi")]
    world: Option<mpi::topology::SimpleCommunicator>,
    // Finalizes MPI when dropped: kept for the life of the `Comm`.
    #[cfg(feature = "mpi")]
    _universe: Option<mpi::environment::Universe>,
}

impl std::fmt::Debug for Comm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Comm {{ rank: {}, size: {} }}", self.rank, self.size)
    }
}

impl Comm {
    /// One process, no communication.
    pub fn single() -> Comm {
        Comm {
            rank: 0,
            size: 1,
            #[cfg(feature = "mpi")]
            world: None,
            #[cfg(feature = "mpi")]
            _universe: None,
        }
    }

    /// The MPI world when the build has MPI (a single rank when started without `mpirun`),
    /// else [`Comm::single`]. MPI is initialised once per process: a second call is single.
    #[cfg(feature = "mpi")]
    pub fn init() -> Comm {
        use mpi::traits::*;
        match mpi::initialize() {
            Some(universe) => {
                let world = universe.world();
                let (rank, size) = (world.rank() as usize, world.size() as usize);
                Comm {
                    rank,
                    size,
                    world: Some(world),
                    _universe: Some(universe),
                }
            }
            None => Comm::single(),
        }
    }

    #[cfg(not(feature = "mpi"))]
    pub fn init() -> Comm {
        Comm::single()
    }

    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Rank 0 writes files and prints.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// This rank's rows `lo..hi` of a global batch of `n` rows (contiguous, sizes differing
    /// by at most one).
    pub fn rows(&self, n: usize) -> (usize, usize) {
        (n * self.rank / self.size, n * (self.rank + 1) / self.size)
    }

    /// Elementwise sum over all ranks, in place (nothing to do on one rank).
    pub fn sum_in_place(&self, buf: &mut [f64]) {
        #[cfg(feature = "mpi")]
        if let Some(world) = &self.world
            && self.size > 1
        {
            use mpi::collective::SystemOperation;
            use mpi::traits::*;
            let send = buf.to_vec();
            world.all_reduce_into(&send[..], &mut *buf, SystemOperation::sum());
        }
        #[cfg(not(feature = "mpi"))]
        let _ = buf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Without the feature every field is named; with it, the MPI handles come from `single`.
    #[allow(clippy::needless_update)]
    #[test]
    fn rows_cover_the_batch_once() {
        for size in 1..6 {
            for n in [1usize, 7, 1024] {
                let mut next = 0;
                for rank in 0..size {
                    let c = Comm {
                        rank,
                        size,
                        ..Comm::single()
                    };
                    let (lo, hi) = c.rows(n);
                    assert_eq!(lo, next);
                    assert!(hi >= lo);
                    next = hi;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn one_rank_sums_to_itself() {
        let mut b = vec![1.0, 2.0];
        Comm::single().sum_in_place(&mut b);
        assert_eq!(b, vec![1.0, 2.0]);
    }
}
