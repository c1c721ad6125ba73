//! The front end's fuzzer (issue 6), on stable Rust:
//!
//! ```console
//! cargo run --release --example fuzz -- --cases 1000000 [--seed N] [--jobs 2] [--out DIR] [--max-seconds S]
//! cargo run --release --example fuzz -- --seed N --show I    # print case I's input
//! cargo run --release --example fuzz -- --seed N --case I    # run case I alone
//! ```
//!
//! Cases come from `pdec_lang::fuzz::generate(corpus, seed, i)`, a pure function of the seed and the
//! case number. `--jobs` worker processes (this program with `--worker`) each run a range of
//! cases on one thread with a 64 MiB stack and write one line per finished case, flushed; the
//! parent counts them, prints cases/s, and when a worker dies (a stack overflow or any abort)
//! or goes silent for `HANG` it blames the case after the worker's last line, saves its input
//! under `--out` (default `target/fuzz/`) and starts a new worker after it. A case that
//! panics, breaks a diagnostic invariant or takes over 2 s (`pdec_lang::fuzz::TIME_LIMIT`) is a
//! failure too. Exit status: 0 when no case failed, 1 otherwise.

use pdec_lang::fuzz::{self, Corpus, Verdict};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A worker silent for this long is killed and its current case counted as a hang.
const HANG: Duration = Duration::from_secs(20);

struct Args {
    cases: u64,
    seed: u64,
    jobs: usize,
    out: PathBuf,
    worker: Option<(u64, u64)>,
    /// Stop after this many seconds (the summary counts the cases done).
    max_seconds: Option<u64>,
    show: Option<u64>,
    case: Option<u64>,
}

fn usage() -> ! {
    eprintln!(
        "usage: fuzz [--cases N] [--seed N] [--jobs N] [--out DIR] [--max-seconds S] | --show I | --case I"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        cases: 10_000,
        seed: 1,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz"),
        worker: None,
        max_seconds: None,
        show: None,
        case: None,
    };
    let mut it = std::env::args().skip(1);
    let num = |v: Option<String>| -> u64 {
        v.and_then(|s| s.replace('_', "").parse().ok())
            .unwrap_or_else(|| usage())
    };
    while let Some(k) = it.next() {
        match k.as_str() {
            "--cases" => a.cases = num(it.next()),
            "--seed" => a.seed = num(it.next()),
            "--jobs" => a.jobs = num(it.next()).max(1) as usize,
            "--out" => a.out = PathBuf::from(it.next().unwrap_or_else(|| usage())),
            "--show" => a.show = Some(num(it.next())),
            "--max-seconds" => a.max_seconds = Some(num(it.next())),
            "--case" => a.case = Some(num(it.next())),
            "--worker" => {
                let from = num(it.next());
                let to = num(it.next());
                a.worker = Some((from, to));
            }
            _ => usage(),
        }
    }
    a
}

fn corpus() -> Corpus {
    Corpus::load(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// Runs cases `from..to` on a thread with the fuzz stack; one flushed line per case:
/// `i A|R micros` or `i F micros reason`.
fn worker(seed: u64, from: u64, to: u64) -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    let corpus = corpus();
    let t = std::thread::Builder::new()
        .stack_size(fuzz::STACK_BYTES)
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for i in from..to {
                let case = fuzz::generate(&corpus, seed, i);
                let (v, took) = fuzz::check_case(&case);
                let us = took.as_micros();
                let line = match v {
                    Verdict::Accepted => format!("{i} A {us}\n"),
                    Verdict::Rejected => format!("{i} R {us}\n"),
                    Verdict::Failed(why) => format!("{i} F {us} {}\n", why.replace('\n', " ")),
                };
                if out
                    .write_all(line.as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return;
                }
            }
        });
    match t.map(|h| h.join()) {
        Ok(Ok(())) => 0,
        _ => 2,
    }
}

enum Event {
    Line(usize, String),
    Exit(usize),
}

struct Worker {
    child: Child,
    /// Next case this worker will report, and the end of its range.
    next: u64,
    to: u64,
    last_line: Instant,
    generation: u64,
}

fn spawn(
    id: usize,
    generation: u64,
    seed: u64,
    from: u64,
    to: u64,
    tx: &mpsc::Sender<(u64, Event)>,
) -> Worker {
    let exe = std::env::current_exe().expect("the fuzzer's own path");
    let mut child = Command::new(exe)
        .args(["--seed", &seed.to_string(), "--worker"])
        .args([from.to_string(), to.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("a worker process");
    let stdout = child.stdout.take().expect("piped stdout");
    let tx = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((generation, Event::Line(id, line))).is_err() {
                return;
            }
        }
        let _ = tx.send((generation, Event::Exit(id)));
    });
    Worker {
        child,
        next: from,
        to,
        last_line: Instant::now(),
        generation,
    }
}

fn save(out: &Path, corpus: &Corpus, seed: u64, i: u64, why: &str) -> PathBuf {
    let _ = std::fs::create_dir_all(out);
    let case = fuzz::generate(corpus, seed, i);
    let path = out.join(format!("fail-seed{seed}-case{i}.pde"));
    let _ = std::fs::write(&path, &case.text);
    let _ = std::fs::write(
        path.with_extension("txt"),
        format!(
            "seed {seed} case {i}\nreason: {why}\n--set: {:?}\nreproduce: cargo run --release --example fuzz -- --seed {seed} --case {i}\n",
            case.sets
        ),
    );
    path
}

/// `--show I` prints case I's input and returns true; `--case I` runs it alone and exits with
/// its verdict; otherwise false.
fn one_case(args: &Args, corpus: &Corpus) -> bool {
    if let Some(i) = args.show {
        let c = fuzz::generate(corpus, args.seed, i);
        eprintln!("--set: {:?}", c.sets);
        print!("{}", c.text);
        return true;
    }
    if let Some(i) = args.case {
        let c = fuzz::generate(corpus, args.seed, i);
        let (v, took) = fuzz::check_case_isolated(c, HANG);
        println!("case {i}: {v:?} in {:.3} ms", took.as_secs_f64() * 1e3);
        std::process::exit(i32::from(matches!(v, Verdict::Failed(_))));
    }
    false
}

/// Kills every worker and waits for it (`--max-seconds` ran out).
fn stop_all(workers: &mut [Option<Worker>]) {
    for w in workers.iter_mut() {
        if let Some(mut w) = w.take() {
            let _ = w.child.kill();
            let _ = w.child.wait();
        }
    }
}

/// Runs the fuzzer as the command line asks: a worker, one case, or a campaign of worker
/// processes with a summary.
fn main() {
    let args = parse_args();
    if let Some((from, to)) = args.worker {
        std::process::exit(worker(args.seed, from, to));
    }
    let corpus = corpus();
    if one_case(&args, &corpus) {
        return;
    }
    println!(
        "fuzzing the front end: {} cases, seed {}, {} worker process(es), corpus of {} files",
        args.cases,
        args.seed,
        args.jobs,
        corpus.files.len()
    );
    let start = Instant::now();
    let (tx, rx) = mpsc::channel();
    let jobs = (args.jobs as u64).min(args.cases.max(1)) as usize;
    let per = args.cases.div_ceil(jobs as u64);
    let mut workers: Vec<Option<Worker>> = Vec::new();
    let mut generation = 0;
    for id in 0..jobs {
        let from = id as u64 * per;
        let to = ((id as u64 + 1) * per).min(args.cases);
        generation += 1;
        workers.push((from < to).then(|| spawn(id, generation, args.seed, from, to, &tx)));
    }
    let (mut accepted, mut rejected, mut done) = (0u64, 0u64, 0u64);
    let mut failures: Vec<(u64, String, PathBuf)> = Vec::new();
    let mut total_us: u128 = 0;
    let mut slowest = (0u128, 0u64);
    let mut last_report = Instant::now();
    let fail = |i: u64, why: String, failures: &mut Vec<(u64, String, PathBuf)>| {
        let path = save(&args.out, &corpus, args.seed, i, &why);
        println!("FAIL case {i}: {why}\n  input saved to {}", path.display());
        failures.push((i, why, path));
    };
    let mut stopped_early = false;
    while workers.iter().any(Option::is_some) {
        if args
            .max_seconds
            .is_some_and(|m| start.elapsed() > Duration::from_secs(m))
        {
            stop_all(&mut workers);
            stopped_early = true;
            break;
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok((g, Event::Line(id, line))) => {
                let Some(w) = workers[id].as_mut().filter(|w| w.generation == g) else {
                    continue;
                };
                w.last_line = Instant::now();
                let mut parts = line.splitn(4, ' ');
                let i: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(w.next);
                let kind = parts.next().unwrap_or("");
                let us: u128 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                w.next = i + 1;
                done += 1;
                total_us += us;
                if us > slowest.0 {
                    slowest = (us, i);
                }
                match kind {
                    "A" => accepted += 1,
                    "R" => rejected += 1,
                    _ => fail(i, parts.next().unwrap_or("?").to_string(), &mut failures),
                }
            }
            Ok((g, Event::Exit(id))) => {
                let Some(mut w) = workers[id].take() else {
                    continue;
                };
                if w.generation != g {
                    workers[id] = Some(w);
                    continue;
                }
                let status = w.child.wait().ok();
                if w.next < w.to {
                    // Died inside case `next`: a stack overflow, an abort, a kill.
                    let why = match status {
                        Some(s) if s.success() => "the worker stopped early".to_string(),
                        Some(s) => format!("the process died ({s}): a stack overflow or an abort"),
                        None => "the process died".to_string(),
                    };
                    done += 1;
                    fail(w.next, why, &mut failures);
                    if w.next + 1 < w.to {
                        generation += 1;
                        workers[id] = Some(spawn(id, generation, args.seed, w.next + 1, w.to, &tx));
                    }
                }
            }
            Err(_) => {}
        }
        for w in workers.iter_mut().flatten() {
            if w.last_line.elapsed() > HANG {
                // The reader thread then reports the exit, which blames case `next`.
                let _ = w.child.kill();
                w.last_line = Instant::now();
            }
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            last_report = Instant::now();
            let s = start.elapsed().as_secs_f64();
            println!(
                "  {done} cases in {s:.0} s ({:.0} cases/s), {} failure(s)",
                done as f64 / s,
                failures.len()
            );
        }
    }
    let s = start.elapsed().as_secs_f64();
    if stopped_early {
        println!(
            "stopped by --max-seconds after {done} of {} cases",
            args.cases
        );
    }
    println!(
        "done: {done} cases in {s:.1} s ({:.0} cases/s with {jobs} worker(s)): {accepted} accepted, {rejected} rejected with diagnostics, {} failed",
        done as f64 / s,
        failures.len()
    );
    println!(
        "time per case: mean {:.3} ms, slowest {:.1} ms (case {}, limit {} s)",
        total_us as f64 / done.max(1) as f64 / 1e3,
        slowest.0 as f64 / 1e3,
        slowest.1,
        fuzz::TIME_LIMIT.as_secs()
    );
    for (i, why, p) in &failures {
        println!("  case {i}: {why} ({})", p.display());
    }
    std::process::exit(i32::from(!failures.is_empty()));
}
