"""pdec from Python: compile, solve and evaluate `.pde` problems.

    import numpy as np, pdec
    run = pdec.solve("examples/burgers.pde", set={"steps": 2000}, seed=0)
    u = run.eval(np.array([[0.5, 0.0], [0.5, 0.25]]))   # columns: run.inputs, here t, x
    du = run.gradient(np.array([[0.5, 0.0]]))            # (1, 2): du/dt, du/dx
    run.loss, run.summary["reference_metrics"]           # final loss per term, summary.json

The training, the compiler and the run directory are those of the `pdec` command (the
native module `pdec._pdec` calls the same Rust code; nothing shells out). Every error is a
`PdecError` carrying the diagnostics `pdec` prints, each a `Diagnostic` with its code, message,
span and help. See python/README.md.
"""

import csv
import json
import os
import pathlib
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

# As the `pdec` binary does before any tensor operation (src/main.rs): one thread for
# candle's elementwise pool, which spins and collapses under load on small machines; candle
# reads the variable once, at its first operation.
os.environ.setdefault("CANDLE_NUM_THREADS", "1")

from . import _pdec  # noqa: E402

# candle's matmul thread count, set once (it reads /proc/cpuinfo on every matmul otherwise).
os.environ.setdefault("RAYON_NUM_THREADS", str(_pdec.physical_cores()))

__version__ = _pdec.__version__

__all__ = [
    "Diagnostic",
    "PdecError",
    "PdecWarning",
    "Run",
    "Span",
    "check",
    "open",
    "resume",
    "solve",
]

PathLike = Union[str, "os.PathLike[str]"]
Settings = Union[None, Mapping[str, object], Sequence[str]]


@dataclass(frozen=True)
class Span:
    """Where a diagnostic points: byte offsets `[start, end)` in `file`, and the 1-based
    line and column of `start`."""

    file: str
    start: int
    end: int
    line: int
    column: int


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic of pdec: `code` is stable (`pdec::resolve::unknown_name`, listed in
    docs/DIAGNOSTICS.md), `severity` is "error", "warning" or "note", `span` is None for a
    diagnostic about no text (a path, an option), `label` the words at the span, `text` the
    diagnostic as the `pdec` command prints it."""

    code: str
    severity: str
    message: str
    span: Optional[Span]
    label: Optional[str]
    help: Optional[str]
    text: str = field(repr=False)

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def _from_native(d: dict) -> "Diagnostic":
        span = None
        if d["start"] is not None:
            span = Span(d["file"], d["start"], d["end"], d["line"], d["column"])
        return Diagnostic(
            d["code"], d["severity"], d["message"], span, d["label"], d["help"], d["text"]
        )


class PdecError(Exception):
    """A call that failed: `code` and `message` of its first error, `diagnostics` all of
    them (warnings included, in source order), `exit_code` the `pdec` command's for it (1 the
    input, 2 a bug in pdec, 3 a loss that became NaN, 4 a training-health finding under
    `strict=True`)."""

    def __init__(self, diagnostics: List[Diagnostic], exit_code: int = 1):
        self.diagnostics = list(diagnostics)
        self.exit_code = exit_code
        first = next((d for d in self.diagnostics if d.severity == "error"), None)
        if first is None and self.diagnostics:
            first = self.diagnostics[0]
        self.code = first.code if first else "pdec::run::internal"
        self.message = first.message if first else "an error without a diagnostic"
        # The constructor's arguments, so that the exception pickles (multiprocessing).
        super().__init__(self.diagnostics, exit_code)

    def __str__(self) -> str:
        return "\n".join(d.text for d in self.diagnostics) or self.message


class PdecWarning(UserWarning):
    """A warning of pdec (its `diagnostic` attribute is the `Diagnostic`)."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.text)
        self.diagnostic = diagnostic


def _error(e: "_pdec.Error") -> PdecError:
    exit_code, diagnostics = e.args
    return PdecError([Diagnostic._from_native(d) for d in diagnostics], exit_code)


def _python_error(code: str, message: str, help: str) -> PdecError:
    """An error found before pdec is called, as the diagnostic pdec would print."""
    text = f"{code}\n\n  \u00d7 {message}\n  help: {help}"
    return PdecError([Diagnostic(code, "error", message, None, None, help, text)])


def _bad_argument(message: str, help: str) -> PdecError:
    return _python_error("pdec::python::bad_argument", message, help)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _sets(set: Settings, seed: Optional[int]) -> List[str]:
    """`set` as `--set key=value` strings (a mapping, or strings "key=value"), then
    `seed=N` (as `--seed N`)."""
    if set is None:
        out = []
    elif isinstance(set, Mapping):
        out = [f"{k}={_value(v)}" for k, v in set.items()]
    elif isinstance(set, str):
        out = [set]
    else:
        out = [str(s) for s in set]
    if seed is not None:
        out.append(f"seed={_value(seed)}")
    return out


def _path(p: Optional[PathLike], what: str) -> Optional[str]:
    if p is None:
        return None
    try:
        return os.fspath(p)
    except TypeError:
        raise _bad_argument(
            f"`{what}` is {type(p).__name__}, not a path", "give a str or a pathlib.Path"
        ) from None


def _warn(diagnostics: List[dict]) -> None:
    for d in diagnostics:
        diag = Diagnostic._from_native(d)
        if diag.severity == "warning":
            warnings.warn(PdecWarning(diag), stacklevel=4)


class Run:
    """A trained run directory: its network at points, its summary and its losses.

    `inputs` names the columns of a point, in order: the unknown's arguments as declared
    (`t`, `x`, or `x1`, `x2`, ... for a vector variable), then each parameter; these are
    the columns of `pdec eval --points` and of `pdec export`.
    """

    def __init__(self, native: "_pdec.Run"):
        self._native = native

    def __repr__(self) -> str:
        return f"pdec.Run({str(self.dir)!r})"

    @property
    def dir(self) -> pathlib.Path:
        """The run directory."""
        return pathlib.Path(self._native.dir)

    @property
    def inputs(self) -> List[str]:
        """The names of a point's columns, in order."""
        return list(self._native.inputs)

    def _points(self, points) -> np.ndarray:
        try:
            a = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _python_error(
                "pdec::python::bad_points",
                f"the points are not an array of numbers: {e}",
                f"give an array of shape (n, {len(self.inputs)}) with columns "
                + ", ".join(self.inputs),
            ) from None
        if a.ndim == 1 and a.shape[0] == len(self.inputs):
            a = a[np.newaxis, :]
        if a.ndim != 2:
            raise _python_error(
                "pdec::python::bad_points",
                f"the points have shape {a.shape}; an array (n, {len(self.inputs)}) is needed",
                "one row per point, one column per input: " + ", ".join(self.inputs),
            )
        return np.ascontiguousarray(a)

    def eval(self, points) -> np.ndarray:
        """The solution at each row of `points` (shape `(n, k)`, `k = len(run.inputs)`; one
        point may be given as a 1-D array of `k` values): an array of shape `(n,)`, the values
        `pdec eval --points` prints (projected onto a free-boundary constraint, the ansatz
        applied)."""
        try:
            return self._native.eval(self._points(points))
        except _pdec.Error as e:
            raise _error(e) from None

    def gradient(self, points) -> np.ndarray:
        """The solution's derivatives at each row of `points`: shape `(n, k)`, column `j` the
        derivative along input `run.inputs[j]` (time, each space component, each parameter).
        Forward-mode derivatives through the network, as `pdec export --gradient` writes
        the space ones; see python/README.md for an ansatz and a free boundary."""
        try:
            return self._native.gradient(self._points(points))
        except _pdec.Error as e:
            raise _error(e) from None

    @property
    def summary(self) -> dict:
        """summary.json (docs/OUTPUTS.md): reports, error metrics, final losses, health."""
        with (self.dir / "summary.json").open(encoding="utf-8") as f:
            return json.load(f)

    @property
    def loss(self) -> Dict[str, float]:
        """Each loss term's value at the last training step (summary.json's `final_loss`)."""
        return dict(self.summary["final_loss"])

    @property
    def history(self) -> Dict[str, np.ndarray]:
        """loss.csv as arrays, one per column: `step`, `wall_s`, `lr`, errors and reports
        where the problem has them, `total`, each loss term (a row per logged step)."""
        with (self.dir / "loss.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        return {
            name: np.array([float(r[i]) if r[i] else np.nan for r in body])
            for i, name in enumerate(header)
        }

    @property
    def settings(self) -> dict:
        """settings.json: every resolved setting, the seed, the `--set` overrides."""
        with (self.dir / "settings.json").open(encoding="utf-8") as f:
            return json.load(f)


def check(path: PathLike, set: Settings = None) -> List[Diagnostic]:
    """`pdec check`: the file's diagnostics (errors, warnings, notes) in source order; an
    empty list for a problem that can be trained. A file that cannot be read is a
    diagnostic too (`pdec::load::*`)."""
    try:
        return [Diagnostic._from_native(d) for d in _pdec.check(_path(path, "path"), _sets(set, None))]
    except _pdec.Error as e:
        raise _error(e) from None


def open(run_dir: PathLike) -> Run:
    """A finished run directory (written by `pdec solve` or `pdec.solve`)."""
    try:
        return Run(_pdec.open(_path(run_dir, "run_dir")))
    except _pdec.Error as e:
        raise _error(e) from None


def _solve(file, resume, set, seed, out, init_from, device, threads, quiet, log_every,
           plots, tensorboard, max_memory, strict) -> Run:
    if log_every is not None and (
        isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1
    ):
        raise _bad_argument(
            f"`log_every = {log_every!r}`: not a whole number of steps of at least 1",
            "e.g. `log_every=100`: a progress line every 100 steps",
        )
    try:
        native, diagnostics = _pdec.solve(
            file,
            _sets(set, seed),
            out=_path(out, "out"),
            resume=resume,
            init_from=_path(init_from, "init_from"),
            device=str(device),
            threads=str(threads),
            quiet=bool(quiet),
            log_every=log_every,
            plots=bool(plots),
            tensorboard=bool(tensorboard),
            max_memory=None if max_memory is None else str(max_memory),
            strict=bool(strict),
        )
    except _pdec.Error as e:
        raise _error(e) from None
    _warn(diagnostics)
    return Run(native)


def solve(
    path: PathLike,
    set: Settings = None,
    seed: Optional[int] = None,
    out: Optional[PathLike] = None,
    *,
    init_from: Optional[PathLike] = None,
    device: str = "cpu",
    threads: Union[str, int] = "auto",
    quiet: bool = False,
    log_every: Optional[int] = None,
    plots: bool = True,
    tensorboard: bool = True,
    max_memory: Optional[str] = None,
    strict: bool = False,
) -> Run:
    """`pdec solve PATH`: trains the problem and returns its `Run`.

    `set` overrides `solve { }` settings as `--set key=value` does (`{"steps": 2000}`, or
    strings `"steps=2000"`); `seed` is `--seed`; `out` the run directory (default
    `runs/<problem>-<UTC time>/` under the current directory). The other options are the
    command's. Progress goes to standard error unless `quiet`; warnings of the problem are
    issued as `PdecWarning`s. The GIL is released while it trains. Ctrl-C stops the training
    at its next step, as it stops `pdec solve` (the checkpoint, the model and summary.json
    are written), then raises KeyboardInterrupt (its `run_dir` attribute names the run, which
    `pdec.resume` continues)."""
    return _solve(_path(path, "path"), None, set, seed, out, init_from, device, threads,
                  quiet, log_every, plots, tensorboard, max_memory, strict)


def resume(
    run_dir: PathLike,
    set: Settings = None,
    *,
    device: str = "cpu",
    threads: Union[str, int] = "auto",
    quiet: bool = False,
    log_every: Optional[int] = None,
    plots: bool = True,
    tensorboard: bool = True,
    max_memory: Optional[str] = None,
    strict: bool = False,
) -> Run:
    """`pdec solve --resume RUN_DIR`: continues a run from its last checkpoint (`set` may
    change settings such as `steps`); the continued run matches an uninterrupted one."""
    return _solve(None, _path(run_dir, "run_dir"), set, None, None, None, device, threads,
                  quiet, log_every, plots, tensorboard, max_memory, strict)
