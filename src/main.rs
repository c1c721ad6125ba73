//! The `pdec` binary: parses the command line and runs it on a thread with a large stack,
//! turning any panic into exit code 2 and a `pdec::run::internal` diagnostic (a bug report
//! hint) in the chosen message format.

use clap::Parser;
use pdec_lang::diag::render::Format;

// glibc maps and unmaps every large tensor buffer; mimalloc keeps them (1.3-2.7x faster
// training steps on these machines, see docs/CANDLE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay` (the position in its `mi_option_e`; the sys crate
/// names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The front end recurses over syntax trees (depth-bounded); a roomy stack keeps a margin.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    // mimalloc hands freed memory back to the OS after 1 s and the kernel zeroes it again on
    // the next touch: a d = 100 exact step (5 GB of jet buffers, 3 s) re-faulted about 70 GB
    // of huge pages per step and spent most of its time in `clear_page_erms`. Training
    // reuses the same buffer sizes every step, so keep the memory (peak RSS is unchanged).
    // SAFETY: sets a global option; valid before or after allocations.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // candle's elementwise thread pool spins and collapses under load on 2 cores; one
    // candle thread is robust and as fast (read once, before any tensor operation).
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: single-threaded here, before any other thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    // Without RAYON_NUM_THREADS, candle works out its matmul thread count (the physical core
    // count) on every matmul by reading /proc/cpuinfo: about 350 reads per Monte Carlo
    // training step, 3% of it. Setting the variable once removes the reads; its value is the
    // physical cores this process may use (within its affinity mask and cgroup CPU quota,
    // `host::cores`), so matmuls under `taskset -c 0` do not spread over cores it may not use.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = pdec_solve::host::cores().to_string();
        // SAFETY: single-threaded here, before any other thread exists.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", cores) };
    }
    // Rust ignores SIGPIPE, so a write to a closed pipe (`pdec eval ... | head -c 10`) is an
    // error that `print!` turns into a panic. The default action ends the process quietly,
    // as `cat` does; every file pdec writes is atomic, so nothing is left half written.
    // SAFETY: single-threaded here; restores the default disposition of one signal.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = match pdec::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
    let format = cli.format();
    catch_panic_messages(matches!(format, Format::Json));
    let worker = std::thread::Builder::new()
        .name("pdec".into())
        .stack_size(STACK_BYTES)
        .spawn(move || pdec::cli::run(cli));
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => {
            let what = FIRST_PANIC
                .get()
                .map_or("a thread panicked", String::as_str);
            pdec::commands::report::print_one(pdec::commands::report::internal(what), format);
            2
        }
    };
    std::process::exit(code);
}

/// A command line clap refuses: its usage text (exit code 2, help and version exit 0) as clap
/// prints it, or under `--message-format json` the diagnostic `pdec::cli::usage` as one JSON
/// line (the format is read from the raw arguments, since they did not parse).
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let json = {
        let args: Vec<String> = std::env::args().collect();
        args.windows(2)
            .any(|w| w[0] == "--message-format" && w[1] == "json")
            || args.iter().any(|a| a == "--message-format=json")
    };
    let informational = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !json || informational {
        e.exit();
    }
    let text = e.render().to_string();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let message = lines
        .next()
        .unwrap_or("the command line is not one pdec takes")
        .trim_start_matches("error: ")
        .to_string();
    let help = lines.map(str::trim).collect::<Vec<_>>().join("; ");
    let d = pdec_lang::diag::Diag::error("pdec::cli::usage", message).help(help);
    pdec::commands::report::print_one(d, Format::Json);
    std::process::exit(2);
}

/// The first panic's message and place, for the diagnostic `main` prints.
static FIRST_PANIC: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Keeps the first panic's message for `main` instead of printing it: Rust's own hook writes
/// plain text, which would break `--message-format json`'s one JSON object per line. With
/// `RUST_BACKTRACE` set and human messages, the default hook prints too (a developer asked
/// for the backtrace).
fn catch_panic_messages(json: bool) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = FIRST_PANIC.set(format!("{message}{place}"));
        if !json && std::env::var_os("RUST_BACKTRACE").is_some() {
            default(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    /// Option 15 is the purge delay: it reads mimalloc v3's documented default for
    /// `purge_delay`, 1000 ms (a mimalloc that renumbers its options fails here, not silently
    /// in production). `main` does not run in tests, so nothing has changed it.
    #[test]
    fn option_15_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads a global option.
        let got = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(got, 1000);
    }
}
