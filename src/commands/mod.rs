//! The subcommands of `pdec`, one file each: `cli` parses the command line and calls the
//! command's `execute`, which does the work and returns the exit code. Every command prints
//! its diagnostics and errors through [`report`], the one printer. Commands import `report`
//! and the library modules (`api`, `run`, `rundir`, `plot`, `export`, `bench`, `reference`),
//! never `cli` or each other, except that `solve` draws its plots through `plot`, prints its
//! dry run through `dry_run` and trains `--seeds` through `solve_seeds`.

pub mod bench;
pub mod check;
pub mod dry_run;
pub mod eval;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod lsp;
pub mod new;
pub mod plot;
pub mod reference;
pub mod reference_exact;
pub mod report;
pub mod solve;
pub mod solve_seeds;
pub mod std;

#[cfg(test)]
mod tests;
