//! `pdec solve FILE --seeds LIST`: the problem trained once per seed, side by side, and the
//! spread of what they report. Checks the list and what it cannot go with (`--seed`,
//! `--set seed=...`, `--resume`, MPI ranks), prints its part of the dry run, and trains the
//! group: the group directory (`--out DIR`, else `runs/<problem>-<time>/`) holds a complete
//! run directory per seed (`seed-N/`, what `pdec solve --seed N --threads T` writes, `T` the
//! seed's share of `--threads`) and the group's `summary.json`
//! ([`crate::run::spread::GroupSummary`]). Every seed's failure is printed under its seed;
//! the exit code is the first failed seed's (1, 2 or 3), else 0.

use crate::commands::report::{memory_fits, run_result};
use crate::run::seeds::{
    Outcome, SeedJob, bad_seeds, parse_seeds, seed_dir, split_threads, train_seeds,
};
use crate::run::spread::GroupSummary;
use crate::run::{RunError, SolveOptions};
use pdec_lang::diag::Diag;
use pdec_lang::diag::render::Format;
use pdec_lang::driver::Compiled;
use std::path::PathBuf;

/// The seeds of `--seeds LIST` (none without it), or why they cannot be trained as asked
/// with the command's `--seed`, `--set` overrides and `--resume`.
pub fn seeds_of(
    list: Option<&str>,
    seed: Option<u64>,
    set: &[String],
    resume: bool,
) -> Result<Option<Vec<u64>>, Box<Diag>> {
    let Some(list) = list else {
        return Ok(None);
    };
    let seeds = parse_seeds(list).map_err(|why| {
        bad_seeds(
            format!("`--seeds {list}`: {why}"),
            "give seeds separated by commas, or a range `A..B` (A, A+1, ..., B-1): `--seeds 0,1,2`, `--seeds 0..5`",
        )
    })?;
    if seed.is_some() {
        return Err(bad_seeds(
            "`--seeds` and `--seed` both choose the seed".into(),
            "keep one: `--seed N` trains one run, `--seeds LIST` one run per seed",
        ));
    }
    if set
        .iter()
        .any(|s| s.split('=').next().unwrap_or("").trim() == "seed")
    {
        return Err(bad_seeds(
            "`--seeds` sets each run's `seed`: `--set seed=...` would be replaced".into(),
            "drop `--set seed=...`",
        ));
    }
    if resume {
        return Err(bad_seeds(
            "`--seeds` starts new runs; it cannot `--resume` one".into(),
            "resume one seed's run with `pdec solve --resume DIR/seed-N`",
        ));
    }
    Ok(Some(seeds))
}

/// `--seeds` under `mpirun` with several ranks: refused.
pub fn refuse_ranks(ranks: usize) -> Box<Diag> {
    bad_seeds(
        format!(
            "`--seeds` trains its seeds side by side in one process, not over {ranks} MPI ranks"
        ),
        "run `pdec solve --seed N` under `mpirun` once per seed, or `--seeds` without `mpirun`",
    )
}

/// The dry run's last lines: the seeds and how they would train.
pub fn dry_run_text(seeds: &[u64], threads: usize) -> String {
    let (at_once, each) = split_threads(seeds.len(), threads);
    let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
    format!(
        "\nseeds: {} ({} runs, each as `pdec solve --seed N --threads {each}` with the `seed` above replaced; {at_once} at a time; a run directory each, DIR/seed-N/, and the group's summary.json in DIR)\n",
        list.join(", "),
        seeds.len()
    )
}

/// What the group shares: the command's resolved inputs.
pub struct Group<'a> {
    pub seeds: Vec<u64>,
    /// The problem compiled without a seed (its diagnostics already printed).
    pub compiled: &'a Compiled,
    pub text: &'a str,
    /// `--set` overrides, and those that go after the seed (`log_every` of `--log-every`),
    /// so that each seed's list is the one `--seed N` makes.
    pub sets: Vec<String>,
    pub sets_after_seed: Vec<String>,
    /// The options of a single run (`out` the group directory, `threads` all of them).
    pub opts: SolveOptions,
    pub no_plots: bool,
    pub max_memory: Option<u64>,
}

/// Trains the group; the exit code.
pub fn execute(group: Group, format: Format) -> i32 {
    let Group {
        seeds,
        compiled,
        text,
        sets,
        sets_after_seed,
        opts,
        no_plots,
        max_memory,
    } = group;
    let Some(checked) = &compiled.checked else {
        return run_result(Err(RunError::Internal("no plan".into())), format);
    };
    let (at_once, each) = split_threads(seeds.len(), opts.threads);
    // Refuse steps that cannot fit side by side before anything is written.
    if !memory_fits(compiled, max_memory, opts.device.is_cpu(), at_once, format) {
        return 1;
    }
    let dir = match crate::run::dir::create(&checked.problem.name, opts.out.as_deref()) {
        Ok(d) => d,
        Err(e) => return run_result(Err(e.into()), format),
    };
    let source = compiled
        .program
        .sources
        .get(compiled.program.user().file)
        .clone();
    let sets_of = |seed: u64| -> Vec<String> {
        let mut s = sets.clone();
        s.push(format!("seed={seed}"));
        s.extend(sets_after_seed.iter().cloned());
        s
    };
    let jobs: Vec<SeedJob> = seeds
        .iter()
        .map(|&seed| SeedJob {
            seed,
            compiled: pdec_lang::driver::compile(source.clone(), &sets_of(seed)),
        })
        .collect();
    let SolveOptions {
        reference,
        reference_file,
        quiet,
        device,
        source,
        log_every,
        strict,
        tensorboard,
        init_from,
        json_progress,
        ..
    } = opts;
    let (reference, reference_file) = (reference.as_ref(), reference_file.as_ref());
    let options = |seed: u64| SolveOptions {
        out: Some(seed_dir(&dir, seed)),
        reference: reference.cloned(),
        reference_file: reference_file.cloned(),
        sets: sets_of(seed),
        quiet,
        device: device.clone(),
        resume: None,
        source: source.clone(),
        log_every,
        comm: pdec_solve::distributed::Comm::single(),
        threads: each,
        busy_threads: each * at_once,
        label: Some(format!("seed {seed}")),
        strict,
        tensorboard,
        // Every seed starts from the same network (its points differ).
        init_from: init_from.clone(),
        json_progress,
        stop: None,
    };
    if !quiet {
        let note = format!(
            "training {} from {} seeds, {at_once} at a time with {each} thread{} each, in {}",
            checked.problem.name,
            seeds.len(),
            if each == 1 { "" } else { "s" },
            dir.display()
        );
        match json_progress {
            true => crate::progress::json_event("", "note", note.into()),
            false => eprintln!("{note}"),
        }
    }
    let start = std::time::Instant::now();
    let outcomes = train_seeds(&jobs, text, at_once, &options);
    let summary = GroupSummary::new(
        &checked.problem.name,
        &seeds,
        &outcomes,
        (at_once, each),
        start.elapsed().as_secs_f64(),
    );
    let written = summary.write(&dir);
    summary.print(&dir);
    finish(
        &seeds, outcomes, written, reference, no_plots, quiet, format,
    )
}

/// Draws each finished seed's plots, prints each failure under its seed; the exit code.
fn finish(
    seeds: &[u64],
    outcomes: Vec<Outcome>,
    written: Result<(), RunError>,
    reference: Option<&crate::table::Table>,
    no_plots: bool,
    quiet: bool,
    format: Format,
) -> i32 {
    let mut code = 0;
    let mut plotted: Vec<PathBuf> = Vec::new();
    for (seed, outcome) in seeds.iter().zip(outcomes) {
        match outcome {
            Outcome::Done { dir, .. } => plotted.push(dir),
            Outcome::Failed(e) => {
                // The group's summary has the seeds that finished.
                let c = run_result(Err(e.for_seed(*seed)), format);
                if code == 0 {
                    code = c;
                }
            }
            Outcome::NotStarted => {}
        }
    }
    if !no_plots {
        for dir in &plotted {
            crate::commands::plot::after_solve(dir, reference, true, format);
        }
        if !quiet && !plotted.is_empty() {
            println!("  plots: in each seed's run directory");
        }
    }
    match written {
        Err(e) if code == 0 => run_result(Err(e), format),
        Err(e) => {
            run_result(Err(e), format);
            code
        }
        Ok(()) => code,
    }
}
