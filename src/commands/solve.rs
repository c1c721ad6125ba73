//! `pdec solve FILE | --resume RUN_DIR`: the training command, step by step. It opens the
//! device and settles the threads, gathers the inputs (the problem file, or a run directory's
//! copy and its overrides for `--resume`), compiles them, reads the problem's `reference`
//! table, then either prints the dry run or refuses a step that cannot fit in memory, trains
//! through [`crate::run::solve`] and draws the plots. `--seeds` trains once per seed through
//! [`solve_seeds`]. The steps it shares with the library's `solve` (the reference table,
//! `--resume`'s inputs, `--init-from`'s network) are in [`crate::api`].

use crate::commands::report::{compile_file_in, memory_fits, open_device, print_one, run_result};
use crate::commands::solve_seeds;
use pdec_lang::diag::render::Format;
use std::path::PathBuf;

/// `pdec solve`'s options.
#[derive(clap::Args, Debug)]
pub struct SolveArgs {
    /// The problem file (not with `--resume`, which reads the run's copy).
    #[arg(required_unless_present = "resume")]
    pub file: Option<PathBuf>,
    /// Run directory (default: runs/<problem>-<time>/).
    #[arg(long, conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Continue a run from its last checkpoint (network, optimizer, step); `--set` may
    /// change settings such as `steps`. The continued run matches an uninterrupted one.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "file")]
    pub resume: Option<PathBuf>,
    /// Start from another run's trained network (its model.safetensors) instead of a
    /// random one: the same `net` and the same inputs in the same order, ranges and
    /// coefficients may differ. Optimizer, step and schedule start fresh. Not with `--resume`.
    #[arg(long, value_name = "RUN_DIR")]
    pub init_from: Option<PathBuf>,
    /// Override a `solve { }` setting, e.g. `--set steps=20000`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Shorthand for `--set seed=N`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Train once per seed (`0,1,2`, or `0..3` for 0, 1, 2) and report each value as the
    /// median, min and max over them: a run directory per seed (`DIR/seed-N/` with `--out
    /// DIR`) and the group's summary.json. Seeds train side by side, sharing `--threads`.
    #[arg(long, value_name = "LIST")]
    pub seeds: Option<String>,
    /// Where to train: `cpu`, `cuda`, `cuda:N` or `auto` (a GPU when the build has CUDA
    /// and one answers, else the CPU). CUDA needs a build with `--features cuda`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Threads that split each step's batch on the CPU (their gradients summed): `auto`
    /// (the physical cores, shared among MPI ranks) or N. The loss does not depend on it
    /// beyond floating-point rounding. With `--seeds`, as many seeds train at once as there
    /// are threads, each with an equal share.
    #[arg(long, default_value = "auto")]
    pub threads: String,
    /// Print only the final report.
    #[arg(long)]
    pub quiet: bool,
    /// Plain progress lines every N steps instead of the live bar (also sets
    /// `log_every`, the interval of loss.csv).
    #[arg(long, value_name = "N")]
    pub log_every: Option<u64>,
    /// Print the resolved settings and the plan, then stop: no training, no run directory.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not draw loss.png, solution.png, ... at the end (`pdec plot` draws them later).
    #[arg(long)]
    pub no_plots: bool,
    /// Do not write the TensorBoard event file (`events.out.tfevents.*`: loss.csv's values
    /// while training, the plots at the end).
    #[arg(long)]
    pub no_tensorboard: bool,
    /// Refuse to train when a step's estimated memory exceeds SIZE (`8G`, `512M`); on
    /// the CPU the machine's available memory is always a limit too.
    #[arg(long, value_name = "SIZE", value_parser = pdec_solve::memory::parse_size)]
    pub max_memory: Option<u64>,
    /// Make every training-health finding (`pdec::health::*`: a stalled term, a network at
    /// a constant, a learning rate decayed too early, a growing free-boundary violation) an
    /// error: the training stops at the first, saves the model and summary.json, and exits
    /// with code 4.
    #[arg(long)]
    pub strict: bool,
}

/// Trains the problem of `args` (or prints its dry run); the exit code of [`run_result`].
pub fn execute(args: SolveArgs, format: Format) -> i32 {
    // SIGINT, SIGTERM and SIGHUP from now on stop the run cleanly at its next step (a
    // checkpoint, the model and summary.json written) instead of killing it mid-write.
    let _ = crate::run::interrupt_flag();
    if let (Some(_), Some(r)) = (&args.init_from, &args.resume) {
        print_one(crate::api::init_from_resume(r), format);
        return 1;
    }
    let seeds = match solve_seeds::seeds_of(
        args.seeds.as_deref(),
        args.seed,
        &args.set,
        args.resume.is_some(),
    ) {
        Ok(s) => s,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    let SolveArgs {
        file,
        out,
        resume,
        init_from,
        mut set,
        seed,
        seeds: _,
        device,
        threads,
        quiet,
        log_every,
        dry_run,
        no_plots,
        no_tensorboard,
        max_memory,
        strict,
    } = args;
    let Some(device) = open_device(&device, format) else {
        return 1;
    };
    // Under `mpirun` (and a build with `--features mpi`): this rank of the job.
    let comm = pdec_solve::distributed::Comm::init();
    if seeds.is_some() && comm.size() > 1 {
        print_one(*solve_seeds::refuse_ranks(comm.size()), format);
        return 1;
    }
    let threads = match pdec_solve::device::threads(&threads, &device, comm.size()) {
        Ok(n) => n,
        Err(d) => {
            print_one(*d, format);
            return 1;
        }
    };
    if let Some(s) = seed {
        set.push(format!("seed={s}"));
    }
    let user_sets = set.clone();
    // Before the merge below, so that `--log-every` replaces a resumed run's own.
    let sets_after_seed: Vec<String> = log_every
        .map(|n| format!("log_every={n}"))
        .into_iter()
        .collect();
    set.extend(sets_after_seed.iter().cloned());
    // A resumed run compiles the run's copy of the problem with the run's overrides,
    // then this command's (which replace those of the same key).
    let (file, source) = match (&resume, file) {
        (Some(dir), _) => match crate::api::resume_inputs(dir, &mut set) {
            Ok(source) => (dir.join("problem.pde"), source),
            Err(d) => {
                print_one(*d, format);
                return 1;
            }
        },
        (None, Some(f)) => (f.clone(), Some(f)),
        (None, None) => return 1,
    };
    // A resumed run's `observe` data are its own copies.
    let copies = resume.as_deref().map(crate::run::reference_folder);
    let Some(compiled) = compile_file_in(
        &file,
        &set,
        format,
        "nothing was trained",
        copies.as_deref(),
    ) else {
        return 1;
    };
    let text = compiled.user_text().to_string();
    let (reference, reference_file) =
        match crate::api::reference(&compiled, &file, resume.as_deref(), source.as_deref()) {
            Ok(r) => r,
            Err(d) => {
                print_one(*d, format);
                return 1;
            }
        };
    // Checked before the dry run and before anything is written.
    let init_from = match init_from.map(|d| crate::api::warm_start(&compiled, &d)) {
        None => None,
        Some(Ok(w)) => Some(std::sync::Arc::new(w)),
        Some(Err(e)) => return run_result(Err(e), format),
    };
    if dry_run {
        return match crate::commands::dry_run::text(&compiled, &file.display().to_string(), &set) {
            Ok(t) => {
                print!("{t}");
                if let Some(seeds) = &seeds {
                    print!("{}", solve_seeds::dry_run_text(seeds, threads));
                }
                0
            }
            Err(e) => run_result(Err(e), format),
        };
    }
    let opts = crate::run::SolveOptions {
        out,
        reference,
        reference_file,
        sets: set,
        quiet,
        device,
        resume,
        source: source.map(|p| std::path::absolute(&p).unwrap_or(p)),
        log_every,
        comm,
        threads,
        strict,
        tensorboard: !no_tensorboard,
        busy_threads: threads,
        label: None,
        init_from,
        json_progress: matches!(format, Format::Json),
        stop: None,
    };
    if let Some(seeds) = seeds {
        let group = solve_seeds::Group {
            seeds,
            compiled: &compiled,
            text: &text,
            sets: user_sets,
            sets_after_seed,
            opts,
            no_plots,
            max_memory,
        };
        return solve_seeds::execute(group, format);
    }
    // Refuse a step that cannot fit before anything is allocated.
    if !memory_fits(&compiled, max_memory, opts.device.is_cpu(), 1, format) {
        return 1;
    }
    let reference = opts.reference.clone();
    let dir = match crate::run::solve(&compiled, &text, &opts) {
        Ok(dir) => dir,
        Err(e) => return run_result(Err(e), format),
    };
    if !no_plots && opts.comm.is_root() {
        crate::commands::plot::after_solve(&dir, reference.as_ref(), quiet, format);
    }
    0
}
