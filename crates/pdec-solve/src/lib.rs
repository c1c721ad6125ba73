//! pdec-solve: stage 7 of the pipeline (see `ARCHITECTURE.md`), a [`pdec_lang::plan::Plan`]
//! lowered to candle graphs of forward-mode jets ([`jet`], [`lower`]), the networks ([`nn`]),
//! fused CPU kernels ([`kernels`]), training ([`train`]: the loss program, Adam, the training
//! step over threads and MPI ranks), the L-BFGS [`polish`] and [`adaptive`] sampling.
#![deny(clippy::unwrap_used, clippy::todo)]

pub mod adaptive;
pub mod consts;
pub mod device;
pub mod distributed;
pub mod host;
pub mod jet;
pub mod kernels;
pub mod lower;
pub mod memory;
pub mod nn;
pub mod polish;
pub mod train;
