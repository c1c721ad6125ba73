//! pdec: a compiler and solver for partial differential equations.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! source → [`syntax`] → [`resolve`] → [`check`] → [`ir::Problem`] → [`passes`] → [`plan`].
#![deny(clippy::unwrap_used, clippy::todo)]

pub mod diag;
pub mod source;
pub mod syntax;
pub mod builtins;
pub mod loader;
pub mod resolve;
pub mod std_lib;
pub mod ir;
pub mod settings;
pub mod check;
pub mod passes;
pub mod plan;
pub mod driver;
pub mod explain;
pub mod cli;
