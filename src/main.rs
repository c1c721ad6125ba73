//! The `pdec` binary: parses the command line and runs it on a thread with a large stack,
//! turning any panic into exit code 2 with a bug report hint.

use clap::Parser;

/// The front end recurses over syntax trees (depth-bounded); a roomy stack keeps a margin.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
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
