//! pdec: the command-line side of the compiler and solver for partial differential
//! equations (see `ARCHITECTURE.md`). The front end is [`pdec_lang`], the solver
//! [`pdec_solve`]; this crate holds the commands, run directories, reports, plots, exports,
//! benchmarks and the independent reference solvers.
#![deny(clippy::unwrap_used, clippy::todo)]

pub mod api;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod export;
pub mod grid;
pub mod lsp;
pub mod output;
pub mod plot;
pub mod progress;
pub mod reference;
pub mod run;
pub mod rundir;
pub mod table;
