//! `pdec._pdec`, the native module of the Python package `pdec` (python/pdec/__init__.py is
//! its public face): the library functions of [`pdec::api`] for Python, with NumPy arrays
//! in and out. Nothing here shells out to the `pdec` binary: a solve trains through the same
//! code as `pdec solve`, in this process.
//!
//! Every failure is the exception [`Error`] with `(exit_code, diagnostics)` as its arguments,
//! each diagnostic a dict (`code`, `severity`, `message`, `label`, `help`, `file`, `start`,
//! `end`, `line`, `column`, and `text`, the diagnostic as `pdec` prints it); the Python layer
//! turns them into `pdec.PdecError` and `pdec.Diagnostic` objects. Work runs with the GIL
//! released, on a thread with the large stack the `pdec` binary gives its commands (the
//! front end recurses over syntax trees); a panic there is the internal error
//! `pdec::run::internal`, never a crash of the interpreter.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pdec::api::{self, Diagnostics, SolveRequest};
use pdec::rundir::Opened;
use pdec_lang::diag::render::{self, Format};
use pdec_lang::diag::{Diag, Severity};
use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

// Rust's allocations in this module (the training's tensors) go to mimalloc, with its purge
// delay off, as in the `pdec` binary (src/main.rs says why: 1.3-2.7x faster steps).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay` (the binary's test pins the number).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The stack of the threads that compile and train (the binary's).
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// How often a training started from Python looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(100);

create_exception!(
    _pdec,
    Error,
    pyo3::exceptions::PyException,
    "A failed call: args are (exit_code, diagnostics), each diagnostic a dict."
);

/// One diagnostic as a dict: its JSON form (`--message-format json`) and its text.
fn diag_dict<'py>(
    py: Python<'py>,
    d: &Diag,
    sources: &pdec_lang::source::SourceMap,
) -> PyResult<Bound<'py, PyDict>> {
    let j = render::to_json(d, sources);
    let out = PyDict::new(py);
    out.set_item(
        "severity",
        match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        },
    )?;
    out.set_item("code", j.code)?;
    out.set_item("message", j.message)?;
    out.set_item("label", j.label)?;
    out.set_item("help", j.help)?;
    out.set_item("file", j.file)?;
    out.set_item("start", j.span.map(|s| s[0]))?;
    out.set_item("end", j.span.map(|s| s[1]))?;
    out.set_item("line", j.line)?;
    out.set_item("column", j.column)?;
    let text = render::render_one(
        d,
        sources,
        Format::Human {
            color: false,
            width: 100,
        },
    );
    out.set_item("text", text.trim_end())?;
    Ok(out)
}

fn diag_list<'py>(py: Python<'py>, ds: &Diagnostics) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for d in &ds.list {
        list.append(diag_dict(py, d, &ds.sources)?)?;
    }
    Ok(list)
}

/// An [`api::Error`] as the exception [`Error`].
fn raise(py: Python<'_>, e: api::Error) -> PyErr {
    match diag_list(py, &e.diagnostics) {
        Ok(list) => Error::new_err((e.exit_code, list.unbind())),
        Err(err) => err,
    }
}

/// The internal error of a panic or a thread that could not start (a bug, exit code 2).
fn internal(what: &str) -> api::Error {
    api::Error {
        diagnostics: Diagnostics::one(pdec::run::error::internal(what)),
        exit_code: 2,
    }
}

/// `f` on a thread with the binary's stack, with the GIL released.
fn on_big_stack<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, api::Error> + Send,
) -> Result<T, api::Error> {
    py.detach(|| {
        std::thread::scope(|s| {
            match std::thread::Builder::new()
                .name("pdec".into())
                .stack_size(STACK_BYTES)
                .spawn_scoped(s, f)
            {
                Ok(h) => h
                    .join()
                    .unwrap_or_else(|_| Err(internal("a panic in pdec (the message is above)"))),
                Err(e) => Err(internal(&format!("cannot start a thread: {e}"))),
            }
        })
    })
}

/// `pdec check FILE [--set ...]`: every diagnostic of the file, as dicts.
#[pyfunction]
#[pyo3(signature = (file, sets))]
fn check<'py>(py: Python<'py>, file: PathBuf, sets: Vec<String>) -> PyResult<Bound<'py, PyList>> {
    let ds = on_big_stack(py, || Ok(api::check(&file, &sets))).map_err(|e| raise(py, e))?;
    diag_list(py, &ds)
}

/// A finished run directory, opened (its problem recompiled, its network loaded).
#[pyfunction]
fn open(py: Python<'_>, dir: PathBuf) -> PyResult<Run> {
    let opened = on_big_stack(py, || api::open(&dir)).map_err(|e| raise(py, e))?;
    Ok(Run { opened })
}

/// `pdec solve`: trains and opens the run; `(run, warnings)`. Ctrl-C stops the training at
/// its next step as it stops `pdec solve` (the checkpoint, the model and summary.json are
/// written), then the interrupt is raised, with the run directory as its `run_dir`.
#[pyfunction]
#[pyo3(signature = (file, sets, out=None, resume=None, init_from=None, device="cpu".to_string(), threads="auto".to_string(), quiet=false, log_every=None, plots=true, tensorboard=true, max_memory=None, strict=false))]
#[allow(clippy::too_many_arguments)]
fn solve<'py>(
    py: Python<'py>,
    file: Option<PathBuf>,
    sets: Vec<String>,
    out: Option<PathBuf>,
    resume: Option<PathBuf>,
    init_from: Option<PathBuf>,
    device: String,
    threads: String,
    quiet: bool,
    log_every: Option<u64>,
    plots: bool,
    tensorboard: bool,
    max_memory: Option<String>,
    strict: bool,
) -> PyResult<(Run, Bound<'py, PyList>)> {
    let max_memory = match max_memory {
        Some(m) => Some(
            pdec_solve::memory::parse_size(&m)
                .map_err(|why| {
                    Diag::error(
                        "pdec::python::bad_argument",
                        format!("`max_memory = {m:?}`: {why}"),
                    )
                    .help("a size such as \"8G\" or \"512M\"")
                })
                .map_err(|d| raise(py, d.into()))?,
        ),
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let request = SolveRequest {
        file,
        out,
        resume,
        init_from,
        sets,
        seed: None,
        device,
        threads,
        quiet,
        log_every,
        plots,
        tensorboard,
        max_memory,
        strict,
        stop: Some(stop.clone()),
    };
    let (done, finished) = mpsc::channel::<()>();
    // Behind a lock so that the GIL-free waits below may borrow it.
    let finished = Mutex::new(finished);
    let worker = std::thread::Builder::new()
        .name("pdec".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let solved = api::solve(request).and_then(|s| {
                let opened = api::open(&s.dir)?;
                Ok((opened, s.warnings))
            });
            let _ = done.send(());
            solved
        })
        .map_err(|e| raise(py, internal(&format!("cannot start a thread: {e}"))))?;
    // Python runs its signal handlers only when asked: poll, and on Ctrl-C (the handler's
    // KeyboardInterrupt) stop the training as pdec solve's Ctrl-C does.
    let mut interrupt: Option<PyErr> = None;
    loop {
        let waited = py.detach(|| match finished.lock() {
            Ok(r) => r.recv_timeout(SIGNAL_POLL),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        });
        if waited != Err(mpsc::RecvTimeoutError::Timeout) {
            break;
        }
        if interrupt.is_none()
            && let Err(e) = py.check_signals()
        {
            stop.store(true, Ordering::SeqCst);
            interrupt = Some(e);
        }
    }
    let solved = py
        .detach(|| worker.join())
        .unwrap_or_else(|_| Err(internal("a panic in pdec (the message is above)")));
    if let Some(e) = interrupt {
        if let Ok((opened, _)) = &solved {
            let dir = opened.dir.display().to_string();
            if !quiet {
                eprintln!(
                    "stopped by Ctrl-C; the run is in {dir} (`pdec.resume({dir:?})` goes on)"
                );
            }
            e.value(py).setattr("run_dir", dir)?;
        }
        return Err(e);
    }
    let (opened, warnings) = solved.map_err(|e| raise(py, e))?;
    Ok((Run { opened }, diag_list(py, &warnings)?))
}

/// The physical cores this process may use, within its affinity mask and cgroup CPU quota
/// (the thread count the `pdec` binary gives candle's matmuls).
#[pyfunction]
fn physical_cores() -> usize {
    pdec_solve::host::cores()
}

/// A trained run: its network at points.
#[pyclass(frozen, module = "pdec._pdec")]
struct Run {
    opened: Opened,
}

impl Run {
    /// The rows of `points` (one column per input) in the network's column order, or the
    /// diagnostic `pdec::python::bad_points`.
    fn rows(&self, points: &PyReadonlyArray2<'_, f64>) -> Result<(Vec<f64>, usize), api::Error> {
        let view = points.as_array();
        let (rows, width) = view.dim();
        let names = self.opened.input_names();
        let bad = |why: String| {
            api::Error::from(Diag::error("pdec::python::bad_points", why).help(format!(
                "give an array of shape (n, {}), one column per input in this order: {}",
                names.len(),
                names.join(", ")
            )))
        };
        if width != names.len() {
            return Err(bad(format!(
                "the points have {width} column{}; the problem has {} input{}",
                if width == 1 { "" } else { "s" },
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            )));
        }
        let values: Vec<f64> = view.iter().copied().collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "point {} has the value {} for `{}`",
                i / width,
                values[i],
                names[i % width]
            )));
        }
        Ok((values, rows))
    }
}

#[pymethods]
impl Run {
    /// The run directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.opened.dir.clone()
    }

    /// The inputs in column order: `t`, `x` (or `x1`, `x2`, ... for a vector), parameters.
    #[getter]
    fn inputs(&self) -> Vec<String> {
        self.opened.input_names()
    }

    /// The solution at the rows of `points` (as `pdec eval --points`).
    fn eval<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (x, rows) = self.rows(&points).map_err(|e| raise(py, e))?;
        let values =
            on_big_stack(py, || Ok(self.opened.solution(&x, rows)?)).map_err(|e| raise(py, e))?;
        Ok(PyArray1::from_vec(py, values))
    }

    /// The solution's derivative along every input at the rows of `points`: `(n, k)`.
    fn gradient<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (x, rows) = self.rows(&points).map_err(|e| raise(py, e))?;
        let width = self.opened.cols.layout.width;
        let columns: Vec<usize> = (0..width).collect();
        let by_column = on_big_stack(py, || Ok(self.opened.gradient_along(&columns, &x, rows)?))
            .map_err(|e| raise(py, e))?;
        let mut flat = vec![0.0; rows * width];
        for (c, column) in by_column.iter().enumerate() {
            for (r, v) in column.iter().enumerate() {
                flat[r * width + c] = *v;
            }
        }
        PyArray1::from_vec(py, flat).reshape([rows, width])
    }
}

#[pymodule]
fn _pdec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // SAFETY: sets a global option of the allocator; valid before or after allocations.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Run>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(physical_cores, m)?)?;
    Ok(())
}
