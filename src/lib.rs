//! pdec: a compiler and solver for partial differential equations.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! source → [`syntax`] → [`resolve`] → [`check`] → [`ir::Problem`] → [`passes`] → [`plan`].
#![deny(clippy::unwrap_used, clippy::todo)]

pub mod adaptive;
pub mod bench;
pub mod builtins;
pub mod check;
pub mod cli;
pub mod cli_outputs;
pub mod device;
pub mod diag;
pub mod distributed;
pub mod driver;
pub mod dry_run;
pub mod explain;
pub mod export;
pub mod fmt;
#[doc(hidden)]
pub mod fuzz;
pub mod geometry;
pub mod grid;
pub mod ir;
pub mod jet;
pub mod kernels;
pub mod loader;
pub mod lower;
pub mod memory;
pub mod nn;
pub mod passes;
pub mod plan;
pub mod plot;
pub mod polish;
pub mod progress;
pub mod reference;
pub mod resolve;
pub mod run;
pub mod rundir;
pub mod settings;
pub mod source;
pub mod std_lib;
pub mod syntax;
pub mod table;
pub mod templates;
pub mod train;
