//! pdec-lang: the front end of pdec, stages 1-6 of the pipeline (see `ARCHITECTURE.md`):
//! source → [`syntax`] → [`resolve`] → [`check`] → [`ir::Problem`] → [`passes`] → [`plan`].
//! [`driver::compile`] runs them all. Nothing here depends on a tensor library: `pdec check`,
//! `pdec explain` and every diagnostic run in milliseconds.
#![deny(clippy::unwrap_used, clippy::todo)]

pub mod builtins;
pub mod check;
pub mod diag;
pub mod driver;
pub mod explain;
pub mod fmt;
#[doc(hidden)]
pub mod fuzz;
pub mod geometry;
pub mod ir;
pub mod limits;
pub mod loader;
pub mod passes;
pub mod plan;
pub mod resolve;
pub mod settings;
pub mod source;
pub mod std_lib;
pub mod syntax;
