//! The one diagnostic printer of the commands: every command prints its diagnostics, turns a
//! [`RunError`] or a run directory's [`Failure`] into an exit code, and writes its uncoded
//! notes through this module, so all of them read alike (JSON lines under JSON messages). Exit codes: 0 accepted,
//! 1 the input has errors, 2 internal error (a bug), 3 training diverged, 4 a training-health
//! finding under `pdec solve --strict`. Also the two
//! steps several commands share and that end in a diagnostic: compiling a problem file
//! ([`compile_file`]), opening `--device` ([`open_device`]) and the memory guard
//! ([`memory_fits`]).

use crate::run::RunError;
use crate::rundir::Failure;
use pdec_lang::diag::render::{self, Format};
use pdec_lang::diag::{Diag, Diags};
use pdec_lang::driver::{self, Compiled};
use pdec_lang::source::SourceMap;
use std::path::Path;

/// The diagnostic of an internal error (a bug): `pdec::run::internal`.
pub use crate::run::error::internal;

/// Prints one diagnostic that has no source text (a path, a command-line value).
pub fn print_one(d: Diag, format: Format) {
    let mut diags = Diags::default();
    diags.push(d);
    print_diags(&diags, &SourceMap::default(), format, "");
}

/// Prints diagnostics with their source text; with errors, a summary line saying that
/// `what` (e.g. "nothing was trained") did not happen (none when `what` is empty).
pub fn print_diags(diags: &Diags, sources: &SourceMap, format: Format, what: &str) {
    let text = render::render_all(diags, sources, format, what);
    eprint!("{text}");
}

/// A note without a diagnostic code on standard error: a `note: MESSAGE` line, or under
/// JSON messages a `{"note": MESSAGE}` object (standard error stays JSON lines).
pub fn note(message: &str, format: Format) {
    match format {
        Format::Json => crate::progress::json_event("", "note", message.into()),
        Format::Human { .. } => eprintln!("note: {message}"),
    }
}

/// A training's outcome as an exit code, its error printed.
pub fn run_result(r: Result<(), RunError>, format: Format) -> i32 {
    let Err(e) = r else {
        return 0;
    };
    let code = e.exit_code();
    // A diagnostic of its own in both message formats; the exit code tells the kinds apart
    // (3 a non-finite loss, 4 an unhealthy run under `--strict`, 2 a bug).
    print_one(e.into_diag(), format);
    code
}

/// A run directory that could not be opened or used, as an exit code, its error printed.
pub fn failure(f: Failure, format: Format) -> i32 {
    match f {
        Failure::Compile(c) => {
            print_diags(&c.diags, &c.program.sources, format, "");
            1
        }
        Failure::Run(e) => run_result(Err(e), format),
    }
}

/// Loads and compiles; prints diagnostics. `None` when the file had errors.
pub fn compile_file(path: &Path, set: &[String], format: Format, what: &str) -> Option<Compiled> {
    compile_file_in(path, set, format, what, None)
}

/// [`compile_file`], with `observe` data read under `data` (a run directory's copies).
pub fn compile_file_in(
    path: &Path,
    set: &[String],
    format: Format,
    what: &str,
    data: Option<&Path>,
) -> Option<Compiled> {
    let source = match pdec_lang::loader::read_file(path) {
        Ok(s) => s,
        Err(d) => {
            // No source to show (the message names the path), so no summary line either.
            print_one(*d, format);
            return None;
        }
    };
    let compiled = driver::compile_in(source, set, data);
    print_diags(&compiled.diags, &compiled.program.sources, format, what);
    if compiled.diags.has_errors() {
        return None;
    }
    Some(compiled)
}

/// Whether `runs` training steps of the compiled plan side by side fit in memory
/// (`--max-memory`, and the machine's available memory on the CPU); the refusal printed
/// with the problem's source when not.
pub fn memory_fits(
    compiled: &Compiled,
    max_memory: Option<u64>,
    cpu: bool,
    runs: usize,
    format: Format,
) -> bool {
    let (Some(plan), Some(checked)) = (&compiled.plan, &compiled.checked) else {
        return true;
    };
    match pdec_solve::memory::guard_runs(plan, &checked.settings, max_memory, cpu, runs) {
        Ok(_) => true,
        Err(d) => {
            let mut diags = Diags::default();
            diags.push(*d);
            print_diags(
                &diags,
                &compiled.program.sources,
                format,
                "nothing was trained",
            );
            false
        }
    }
}

/// `--device`, opened, or its diagnostic printed.
pub fn open_device(name: &str, format: Format) -> Option<candle_core::Device> {
    match pdec_solve::device::parse(name).and_then(pdec_solve::device::open) {
        Ok(d) => Some(d),
        Err(d) => {
            print_one(*d, format);
            None
        }
    }
}
