//! Independent reference solutions used to check the DGM solver (being written).

pub mod american;
pub mod black_scholes;
pub mod normal;
pub(crate) mod numerics;
#[cfg(test)]
mod explore;

pub use american::{american, american_binomial, american_fd};
pub use black_scholes::{OptionKind, black_scholes};
