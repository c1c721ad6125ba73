//! `pdec solve --seeds LIST`: one problem trained from several seeds, each into its own
//! complete run directory (`DIR/seed-N/`), side by side in this process. The list
//! ([`parse_seeds`]), how the threads are shared ([`split_threads`]), and the training of
//! the group ([`train_seeds`]); the group's `summary.json` and printed table are
//! `run::spread`'s.
//!
//! Each seed trains on a thread of its own through [`crate::run::train`], exactly as `pdec
//! solve --seed N --threads T` would with its share `T` of the threads (child processes
//! would add nothing but a second parse of the command line and a pipe per seed: the runs
//! share no state but gemm's threading threshold, which only decides how a product's output
//! tiles are split among threads, never the order of a sum, and the Ctrl-C flag, which must
//! stop them all). Runs whose threads are fewer than the cores therefore give the same bits
//! as the single runs.

use crate::run::error::RunError;
use crate::run::summary::Summary;
use crate::run::{SolveOptions, interrupt_flag, strict_verdict, train};
use pdec_lang::diag::Diag;
use pdec_lang::driver::Compiled;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// At most this many seeds in one group (`0..100000` is more likely a typo than a plan):
/// 1024 unless `--limit seeds=N`.
fn max_seeds() -> usize {
    pdec_lang::limits::Limit::Seeds.get_usize()
}

/// The refusal of a list over [`max_seeds`].
fn too_many() -> String {
    format!(
        "too many seeds: {}",
        pdec_lang::limits::Limit::Seeds.raise_hint()
    )
}

/// Stack of a seed's thread: the training runs on it (one training thread) as on `main`'s.
const SEED_STACK: usize = 256 * 1024 * 1024;

/// `--seeds`: whole numbers and ranges `A..B` (A, A+1, ..., B-1) separated by commas, each
/// seed once, in the order given.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, String> {
    let mut seeds: Vec<u64> = Vec::new();
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{}` is not a seed (a whole number from 0)", s.trim()))
    };
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(match text.trim().is_empty() {
                true => "the list of seeds is empty".into(),
                false => format!("`{text}` has an empty item between commas"),
            });
        }
        let range = match item.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if b <= a {
                    return Err(format!(
                        "the range `{item}` is empty (`A..B` means A, A+1, ..., B-1)"
                    ));
                }
                a..b
            }
            None => {
                let a = number(item)?;
                a..a.saturating_add(1)
            }
        };
        if range.end - range.start > max_seeds() as u64 {
            return Err(too_many());
        }
        for s in range {
            if seeds.contains(&s) {
                return Err(format!("seed {s} appears twice"));
            }
            seeds.push(s);
            if seeds.len() > max_seeds() {
                return Err(too_many());
            }
        }
    }
    Ok(seeds)
}

/// The diagnostic for a `--seeds` that cannot be done.
pub fn bad_seeds(message: String, help: &str) -> Box<Diag> {
    Box::new(Diag::error("pdec::cli::bad_seeds", message).help(help))
}

/// How `threads` training threads are shared among `seeds` runs: `(at once, threads each)`.
/// As many seeds train at once as there are threads (at most all of them), each with an
/// equal share; threads left over by the division stay idle, so that every seed's run is
/// the run of `--threads` its share.
pub fn split_threads(seeds: usize, threads: usize) -> (usize, usize) {
    let at_once = seeds.min(threads).max(1);
    (at_once, (threads / at_once).max(1))
}

/// One seed's run, ready to train: its problem compiled with `seed = N`.
pub struct SeedJob {
    pub seed: u64,
    pub compiled: Compiled,
}

/// A seed's [`SolveOptions`] (`out` its own directory), made on the thread that trains it.
pub type OptionsOf<'a> = &'a (dyn Fn(u64) -> SolveOptions + Sync);

/// How one seed's run ended.
pub enum Outcome {
    Done {
        dir: PathBuf,
        summary: Box<Summary>,
    },
    Failed(RunError),
    /// Ctrl-C came before its turn.
    NotStarted,
}

/// A seed's run directory in the group directory `group`.
pub fn seed_dir(group: &Path, seed: u64) -> PathBuf {
    group.join(format!("seed-{seed}"))
}

/// Trains every job, `at_once` at a time, each on a thread of its own with the options
/// `options` makes for its seed; the outcomes in the jobs' order. A seed that fails (or
/// panics) does not stop the others; Ctrl-C stops the running ones (they end as an
/// interrupted run does) and starts no more.
pub fn train_seeds(
    jobs: &[SeedJob],
    source_text: &str,
    at_once: usize,
    options: OptionsOf,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let stop = interrupt_flag();
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(job) = jobs.get(i) else { break };
            let outcome = match stop.load(Ordering::SeqCst) {
                true => Outcome::NotStarted,
                false => train_one(job, source_text, options),
            };
            if let Ok(mut o) = outcomes.lock() {
                o[i] = Some(outcome);
            }
        }
    };
    std::thread::scope(|s| {
        for w in 0..at_once.clamp(1, jobs.len().max(1)) {
            // A thread that cannot start leaves its jobs to the others.
            let _ = std::thread::Builder::new()
                .name(format!("seeds-{w}"))
                .stack_size(SEED_STACK)
                .spawn_scoped(s, work);
        }
    });
    let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    outcomes
        .into_iter()
        .zip(jobs)
        .map(|(o, job)| {
            o.unwrap_or_else(|| {
                Outcome::Failed(RunError::Internal(format!(
                    "no thread could be started for seed {}",
                    job.seed
                )))
            })
        })
        .collect()
}

/// One seed's run; a panic becomes its internal error.
fn train_one(job: &SeedJob, source_text: &str, options: OptionsOf) -> Outcome {
    let opts = options(job.seed);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        train(&job.compiled, source_text, &opts)
    }));
    match run {
        Ok(Ok((dir, Some(summary)))) => match strict_verdict(&opts, &dir, &summary) {
            Ok(()) => Outcome::Done {
                dir,
                summary: Box::new(summary),
            },
            Err(unhealthy) => Outcome::Failed(unhealthy),
        },
        Ok(Ok((_, None))) => {
            Outcome::Failed(RunError::Internal("a seed's run wrote no summary".into()))
        }
        Ok(Err(error)) => Outcome::Failed(error),
        Err(_) => Outcome::Failed(RunError::Internal("the seed's training panicked".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        assert_eq!(parse_seeds("0,1,2"), Ok(vec![0, 1, 2]));
        assert_eq!(parse_seeds(" 7 , 3 "), Ok(vec![7, 3]));
        assert_eq!(parse_seeds("0..3"), Ok(vec![0, 1, 2]));
        assert_eq!(parse_seeds("0..2,10"), Ok(vec![0, 1, 10]));
        assert_eq!(parse_seeds("5"), Ok(vec![5]));
    }

    #[test]
    fn refusals() {
        let why = |list: &str| parse_seeds(list).expect_err(list);
        assert!(why("").contains("empty"));
        assert!(why("1,,2").contains("empty item"));
        assert!(why("1,2,1").contains("seed 1 appears twice"));
        assert!(why("0..3,2").contains("twice"));
        assert!(why("3..3").contains("is empty"));
        assert!(why("-1").contains("not a seed"));
        assert!(why("a").contains("not a seed"));
        assert!(why("0..100000").contains("too many seeds"));
        assert!(why("0..1024,5000").contains("too many seeds: the limit is 1024"));
    }

    #[test]
    fn threads_are_shared_equally() {
        assert_eq!(split_threads(3, 2), (2, 1));
        assert_eq!(split_threads(3, 8), (3, 2));
        assert_eq!(split_threads(2, 8), (2, 4));
        assert_eq!(split_threads(5, 1), (1, 1));
    }
}
