//! The `pdec` binary: parses the command line and runs it on a thread with a large stack,
//! turning any panic into exit code 2 with a bug report hint.

use clap::Parser;

// glibc maps and unmaps every large tensor buffer; mimalloc keeps them (1.3-2.7x faster
// training steps on these machines, see shared/CANDLE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The front end recurses over syntax trees (depth-bounded); a roomy stack keeps a margin.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    // candle's elementwise thread pool spins and collapses under load on 2 cores; one
    // candle thread is robust and as fast (read once, before any tensor operation).
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: single-threaded here, before any other thread exists.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let cli = pdec::cli::Cli::parse();
    let worker = std::thread::Builder::new()
        .name("pdec".into())
        .stack_size(STACK_BYTES)
        .spawn(move || pdec::cli::run(cli));
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => {
            eprintln!(
                "error: internal error in pdec (this is a bug; please report it with the input file)"
            );
            2
        }
    };
    std::process::exit(code);
}
