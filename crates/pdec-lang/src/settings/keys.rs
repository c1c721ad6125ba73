//! The one declaration of every setting: `TABLE`, an entry per key with its name, whether it
//! takes a name after a dot, what it shapes, its default and notes as `docs/LANGUAGE.md` shows
//! them, and its parser. `apply` dispatches through it, the did-you-mean of an unknown key
//! comes from its names (`KEYS`), and `docs_table` renders the settings table of the docs from
//! it (a test keeps the doc in step). Adding a setting: a field with its default in
//! `PlanSettings` or `RunSettings` (by its `shapes`), an entry here with its parser (in `network`, `second_order`, `sampling` or
//! `run`).
//!
//! Terms: a *key* is the name before `=` and any dot; `KEY.NAME` names a loss term
//! (`weight.pde`) or a variable (`sampling.nu`); a *row* is a line of the docs table.

use crate::diag::suggest::did_you_mean;
use crate::diag::{Diag, Diags};
use crate::settings::values::Item;
use crate::settings::{Settings, network, run, sampling, second_order};
use crate::source::Span;
use crate::syntax::ast::Setting;
use std::collections::BTreeMap;

/// Reads one item into `Settings`, or pushes why it cannot (leaving the setting as it was).
type Parse = fn(&mut Settings, &Item, &mut Diags);

/// One setting, declared once.
pub struct Key {
    /// The key as written before any dot.
    pub name: &'static str,
    /// Whether `KEY.NAME` is accepted too.
    pub dot: Dot,
    /// Its row in the docs table.
    pub row: Row,
    /// What it affects.
    pub shapes: Shapes,
    /// The default as the docs table shows it.
    pub default: &'static str,
    /// The docs table's notes (markdown; may be empty).
    pub doc: &'static str,
    parse: Parse,
}

/// What may follow the key after a dot.
pub enum Dot {
    /// Nothing: `KEY` alone.
    No,
    /// A loss term's name (`batch.TERM`, `weight.TERM`), read by the key's parser.
    Name,
    /// A variable's name, making a setting of its own (`sampling.NAME`, the law of one
    /// coordinate, read by the same parser): its default and notes, for its own row after
    /// the key's.
    Setting {
        default: &'static str,
        doc: &'static str,
    },
}

/// How a key shows in the docs table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A row of its own, `KEY`.
    Own,
    /// A row of its own, `KEY.NAME`: the key is only written with a name.
    Dotted,
    /// In the previous key's row: its name, default and notes joined to that row's cells.
    WithPrevious,
}

/// What a setting affects: the plan (its terms, networks, points, estimators) or only the
/// run loop that steps through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shapes {
    Plan,
    Run,
}

/// Every setting, in the order of the docs table (and of did-you-mean's candidates).
pub const TABLE: &[Key] = &[
    Key {
        name: "net",
        dot: Dot::Setting {
            default: "`net`",
            doc: "unknown `NAME`'s own network (`net.p = mlp(width = 30)`): `NAME` gets a \
                network of its own whatever `networks` says, of this kind, its `layers` and \
                `width` where given, else `net`'s; a vector unknown's components share it. A \
                name that is no unknown is an error (`pdec::plan::unknown_network`)",
        },
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`dgm(layers = 3, width = 50)`",
        doc: "DGM network of the paper, or a tanh MLP",
        parse: network::net,
    },
    Key {
        name: "networks",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`shared`",
        doc: "`shared`: the unknowns that take the same arguments are the outputs of one \
            network (a problem whose unknowns all take the same ones has one network, as \
            before); an unknown of fewer arguments (`unknown p(x)` beside `u(t, x)`) has a \
            network of its own that reads only its arguments and the parameters. \
            `separate`: one network per unknown (a vector unknown's components share one), \
            each with `net`'s kind and size unless `net.NAME` says otherwise. `pdec explain` \
            lists the networks when there are several",
        parse: network::networks,
    },
    Key {
        name: "output_scale",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`always`: the unknown is `shift + scale * net`, `shift` and `scale` the mean and \
            spread of the values the value conditions (`u = g`) and `exact` give `u` on fixed \
            points (`pdec explain` shows them and their sources), so that a solution around \
            1,000 or varying by 1e-3 starts where the data are. With an `ansatz` `u = g + h \
            * net` (the user's or the compiler's, `kink_ansatz`) the network's output is \
            multiplied by the size of the remainder instead: what `g` misses of the equation \
            and of the conditions left as loss terms per unit of `net`, the largest root mean \
            square ratio on fixed points (`passes::ansatz_scale`). `auto`: the same where the \
            data are an order of magnitude or more from a network's starting outputs (mean or \
            spread beyond 10, spread under 0.01: prices in the thousands, a strike of 40; a \
            remainder beyond 10 or under 0.1: the smoothed payoff's few thousandths), else \
            none (every example's data are of order one). `none`: the network's output is `u` \
            (or the ansatz's `net`)",
        parse: network::output_scale,
    },
    Key {
        name: "residual_scale",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`always`: each equation's PDE term is weighted by `1 / N^2`, `N` the size of its \
            largest term when the unknown changes by one over the domain (every derivative \
            `1 / L^k` for coordinates of range length `L`), so that the equation is trained in \
            unit ranges whatever units it is written in (`pdec explain` shows `N` and the term \
            it came from). `auto`: the same where `N` is beyond 10 or under 0.1 (a maturity \
            in days with daily rates, a domain in millimetres), else none (every example's \
            equations are within). `none`: the written weights",
        parse: network::residual_scale,
    },
    Key {
        name: "kink_ansatz",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`auto`: terminal (or initial) data `u = max(f, 0)` with a kink inside the domain \
            (a call's or a put's payoff) are imposed by an ansatz, `u = g + c * (T - t) * \
            net`, `g` the data smoothed by the equation over the time left (the Bachelier \
            price with the equation's diffusion, drift and discount linearised at the kink; \
            where the equation reads an `unknown const`, such as an implied volatility, \
            written in it instead, so the smoothing fits every value the training gives it), \
            `c` the size of what `g` misses of the equation and the conditions, so the \
            network learns a small smooth remainder instead of rounding the kink off; `pdec \
            explain` says when and prints `g` and `c`. Only for one \
            unknown without an `ansatz` or a free boundary, no parameters and one space \
            variable of one component. `none`: the data stay a loss term",
        parse: network::kink_ansatz,
    },
    Key {
        name: "time_ansatz",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`none`",
        doc: "`always`: smooth initial (or terminal) data `u = f` are imposed by an ansatz, \
            `u = f + tau * net` with `tau` the time since the data's slice as a share of the \
            interval (`t / T`, `(T - t) / T`), and the condition's loss term is dropped \
            (`pdec explain` says so): for each unknown without an `ansatz` (the user's or \
            `kink_ansatz`'s) with one value condition in time and data free of kinks, in a \
            problem without a free boundary or a gradient square; conditions on `d(u, t)` \
            stay loss terms. Opt-in: measured, it cuts the 100-D heat equation's error \
            ninefold but trains the 100-D Allen-Cahn equation and Burgers' equation worse \
            (docs/RESULTS.md, \"Smooth time data in the ansatz\"). `none`: the data stay a \
            loss term",
        parse: network::time_ansatz,
    },
    Key {
        name: "coordinates",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`as_written`",
        doc: "`log`: where the equation is Black-Scholes-type in a space variable (its \
            diffusion grows like the square of the coordinate, `x[i]^2 d(u, x[i], x[i])`, on \
            a range of positive prices), the network reads `ln(x + offset)` instead of `x` \
            (log-prices; `offset` 0 unless the range starts below 1% of its end). The \
            equation, the conditions, the points and every report, eval, export and plot stay \
            in the coordinates as written: only the network's features change (`pdec \
            explain` says so and why). Not the default: measured worse on a European call \
            (+4.2% against +1.1%) and on the 100-D basket at a short budget (+5.6% against \
            +2.2%), a little better on a 20-D basket (docs/RESULTS.md). `as_written`: the \
            network reads the coordinates as written",
        parse: network::coordinates,
    },
    Key {
        name: "hole_inputs",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`auto`: per hole of a constructive domain (a subtracted ball, box or polygon \
            enclosed by the domain, its bounding box strictly inside the domain's), the \
            network reads one more input, `a / sqrt(|x - c|^2 + (a/2)^2)` with `c` the \
            hole's centre and `a` its inner radius (`pdec explain` lists them). The network \
            spans the hole, where no point is drawn, and a solution that continues into it \
            only with sources inside (potential flow around a cylinder) is a smooth function \
            of this input: measured, `examples/plate_with_hole.pde` trains to 5.0e-4 in 3,000 \
            steps, 1.4e-3 in 2,000 instead of 1.2e-1 (docs/RESULTS.md, \"Holes\"). Points, conditions, reports and exports \
            are unchanged. `none`: the network reads the coordinates alone",
        parse: network::hole_inputs,
    },
    Key {
        name: "periodic_inputs",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`auto`: for each `periodic` coordinate `x_k` on `[lo, hi]`, the network reads \
            `cos(theta)` and `sin(theta)`, `theta = 2 pi (x_k - lo) / (hi - lo)`, instead of \
            `x_k`, so it is exactly periodic in `x_k` with all its derivatives, and the \
            periodic pair terms of the unknowns it gives directly are dropped (`pdec explain` \
            lists the inputs and the terms left; an unknown under an `ansatz` keeps its \
            terms). Measured on `examples/taylor_green.pde`, 2,000 steps, one seed: velocity \
            rel-L2 2.8e-3 against 1.6e-2 with the pair terms (docs/RESULTS.md, \"Exact \
            periodicity through the inputs\"). Points, conditions, reports and exports are \
            unchanged. A run directory trained before this setting existed loads with `none`. `none`: the coordinate as \
            it is, and one loss term per unknown asking values and normal derivatives to \
            agree on the two faces",
        parse: network::periodic_inputs,
    },
    Key {
        name: "steps",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "10000",
        doc: "",
        parse: network::steps,
    },
    Key {
        name: "batch",
        dot: Dot::Name,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "1024",
        doc: "other terms default to `batch / 4` (at least 64)",
        parse: network::batch,
    },
    Key {
        name: "lr",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`auto`",
        doc: "`auto`: before training, a probe trains 1e-3, 3e-3 and 1e-2 for a twentieth of `steps` each (10 to 200 steps), from the run's starting weights on the points its first steps draw, and the run starts again with the one whose loss terms fell furthest (the mean over the terms of the log of their fall, so a large term does not outvote the conditions; a rate that goes non-finite is out): the run is then the one `lr = CHOSEN` would give. `pdec solve` prints each rate's fall and the choice, `summary.json` and settings.json keep `lr` (and the probe, `lr_probe`), a resumed run keeps its rate; the probe's seconds count towards `time_limit`. Runs under 200 steps take 1e-3 without a probe. A number fixes the rate",
        parse: network::lr,
    },
    Key {
        name: "lr_schedule",
        dot: Dot::No,
        row: Row::WithPrevious,
        shapes: Shapes::Run,
        default: "`cosine(min_lr = 1e-5)`",
        doc: "",
        parse: network::lr_schedule,
    },
    Key {
        name: "clip",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "none",
        doc: "",
        parse: network::clip,
    },
    Key {
        name: "second_order",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`auto`",
        doc: "`auto` takes the Monte Carlo path when the factorable second-order terms need \
            at least `auto_mc_threshold` (16) directions (in a system, each equation's own \
            terms); gradient squares `c * |grad u|^2` \
            take it when they and the second-order terms together need that many and no \
            second-order term is exact (see below)",
        parse: second_order::second_order,
    },
    Key {
        name: "auto_mc_threshold",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "16",
        doc: "the second-order directions a term needs for `second_order = auto` to take the \
            Monte Carlo path",
        parse: second_order::auto_mc_threshold,
    },
    Key {
        name: "mc_noise",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`rademacher`",
        doc: "noise `w` of the Monte Carlo estimator: `rademacher` (`+-sqrt(delta)`, \
            Hutchinson: no variance from the diagonal of `B^T H B`), `gaussian` (`N(0, \
            delta)`, as in the paper) or `coordinates` (stochastic dimension gradient descent: \
            each draw one of the `n` columns `b_i` of `B`, `w = sqrt(delta) e_i`, and \
            `mc_draws` distinct ones per estimate, which averages `n b_i^T H b_i` over them: \
            no variance from the off-diagonal of `B^T H B`); all are unbiased",
        parse: second_order::mc_noise,
    },
    Key {
        name: "mc_difference",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`values`",
        doc: "the difference the Monte Carlo estimator takes along `v = B w`: `values`, \
            `(u(x + v) + u(x - v) - 2 u(x)) / delta` (values alone at the pair, the base \
            pass supplies `u(x)`: a training step a fifth to a quarter shorter than \
            `gradients`, `pdec bench --path mc,mc_gradients`), or `gradients`, `(grad u(x + \
            v) - grad u(x - v)) . v / (2 delta)` (the DGM paper's: one directional \
            derivative at each point of the antithetic pair). Both are `v^T H v` plus an \
            O(delta) bias in expectation (half as large for `values`); `values` cancels more \
            digits, still far below the estimator's own spread in f32 at the default `delta` \
            (unit test `f32_rounding_of_the_estimate_is_small_against_its_spread`)",
        parse: second_order::mc_difference,
    },
    Key {
        name: "mc_draws",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "1",
        doc: "independent draws averaged in each of the two factors `A(w)`, `A(w~)`: \
            variance / `mc_draws` at `mc_draws` times the Monte Carlo work",
        parse: second_order::mc_draws,
    },
    Key {
        name: "seed",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "0",
        doc: "",
        parse: run::seed,
    },
    Key {
        name: "dtype",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`f32`",
        doc: "Monte Carlo `delta` defaults to `1e-3` in f32 and `1e-4` in f64 (cancellation \
            against bias)",
        parse: second_order::dtype,
    },
    Key {
        name: "free_boundary",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`variational`",
        doc: "the loss of a `constraint u >= g` (or `<=`): `penalty` is the DGM paper's, the \
            squared residual where the network is off the obstacle plus the squared \
            violation `max(g - u, 0)^2`; `variational` adds the variational inequality's \
            sign condition where the network is on or below the obstacle: the residual may \
            not have the sign of \"holding on is worth more\" there (`max(u_t + L u, 0)^2` \
            for `u >= g` backward in time), without which a too-large contact region \
            (too-early exercise) costs nothing; `complementarity`: `(residual * gap)^2 + ` \
            the one-sided residual everywhere ` + ` the violation. `variational` and \
            `complementarity` take the sign from the time direction, so a problem whose \
            direction is not determined cannot use them (`pdec::plan::free_boundary_sign`); \
            where it is not, the default falls back to `penalty` (`pdec explain` shows \
            which). `variational` is the default because it halved the error near the \
            exercise boundary of the American basket at d = 100 and brought `u(0, x = 1)` \
            inside 0.2% (docs/RESULTS.md) at the same cost per step",
        parse: network::free_boundary,
    },
    Key {
        name: "sampling",
        dot: Dot::Setting {
            default: "`uniform`",
            doc: "the law of parameter `NAME` over its declared range: `uniform`, `log` \
                (uniform in `log NAME`, as many points per decade, for a scale such as a \
                viscosity whose small values are the hard ones; needs `0 < lo`, \
                `pdec::plan::log_sampling_range`), or `arcsine` (density `1 / (pi sqrt((p - \
                lo) (hi - p)))`: a fifth of the points within the outer tenth of the range \
                at each end, where `uniform` puts a tenth; for families whose hardest \
                members sit at the ends, and the box's corners gain most when several \
                parameters use it). `NAME` may also be the time variable (its draws in the \
                interior and on the boundary faces; initial and terminal terms keep their \
                fixed time) or a space variable on an interval or a box, whose every \
                coordinate is then drawn from the law over its interval, in the interior, on \
                the initial or terminal slice, and along the free coordinates of its \
                boundary faces: `sampling.x = arcsine` puts more points near the walls, \
                where boundary layers and the corners of the initial data sit (a ball has no \
                interval per coordinate, `pdec::plan::coordinate_law_on_ball`; with a \
                `sampling` law for the space points it is an error, \
                `pdec::plan::coordinate_law_with_sampling`). A name that is none of these is \
                an error (`pdec::plan::unknown_param`). Error metrics and reference points \
                are unaffected",
        },
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`uniform` (chosen by the compiler for `boundary none` with a `report`)",
        doc: "the law of space points inside their domains (interior and initial/terminal \
            terms; boundary faces stay uniform). `sobol` or `halton`: the default law, with \
            every term's points (time, space, parameters, the face's choice) taken from a \
            scrambled low-discrepancy sequence instead of pseudo-random numbers (an \
            Owen-scrambled Sobol sequence, or Halton with random linear digit scrambling; \
            the first 256 coordinates of a point, the rest pseudo-random), still a \
            function of seed and step (draw `n` of a term is its points `n * batch ..`), so \
            resumed runs and MPI ranks draw the same points; `sampling.NAME` laws apply on \
            top. `normal(center, sd, corr, uniform)` draws \
            every component as `center + sd * z`, `lognormal(...)` as `center * exp(sd * \
            z)` (`center` one number, or a point `[c1, c2, ...]` with a value per component), with `z` standard normal and pairwise correlation `corr` (default 0) \
            between the components of a vector; a share `uniform` (default 0.25) of the \
            points stays uniform so the whole domain is still trained; draws outside the \
            domain are redrawn (16 times, then a uniform point). `spread = diffusion` \
            (default `constant`) makes the spread grow with time like a diffusion started at \
            `center` at the start `t0` of the time interval: `sd * sqrt(t - t0)` at time `t` \
            (time-slice terms use their own time), which puts the points on the paths that \
            decide `u(t0, center)`: `examples/hjb.pde` draws `x = 1.5 W_t` around `x = \
            sqrt(2) W_t`; a problem without time cannot use it \
            (`pdec::plan::diffusion_without_time`). Use it to put the points where the \
            answer is wanted, e.g. around `x = 1` for option prices in many dimensions, \
            where uniform points in `[0, 2]^d` have a geometric mean near 0.74 and almost \
            never look like `x = (1, ..., 1)`. Error metrics (`exact`) are always measured \
            on uniform points",
        parse: sampling::sampling,
    },
    Key {
        name: "weight",
        dot: Dot::Name,
        row: Row::Dotted,
        shapes: Shapes::Plan,
        default: "1",
        doc: "the weight of a loss term in the total, by kind (`weight.initial`) or by name \
            (`weight.\"boundary x=0\"`; the names are under \"Loss terms\" below, and `pdec \
            explain` lists them): zero or positive",
        parse: network::weight,
    },
    Key {
        name: "resample_every",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "1",
        doc: "fresh points every step, or reuse them for k steps",
        parse: sampling::resample_every,
    },
    Key {
        name: "adaptive",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Plan,
        default: "`none`",
        doc: "`residual(power = 1, uniform = 0.5, pool = 16, every = 100)`: residual-based \
            adaptive sampling of the PDE's points (RAD, Wu et al. 2023). Every `every` \
            steps, and at each checkpoint, `pool * batch` candidates are drawn from the \
            `sampling` law and weighed by the current network's pointwise loss `r^2` (the \
            PDE residual squared; with a `constraint`, the free-boundary loss form's terms \
            at the point, weighted as in the total; with Monte Carlo terms, the product of \
            the two independent draws, as in the training loss, an unbiased estimate: a \
            point where it comes out negative weighs as zero); each step's PDE points (and \
            the constraint's, which shares them) are then drawn from the pool with \
            probability `(1 - uniform) |r|^power / sum |r|^power + uniform / M`. A front, a \
            layer or a corner of a parameter box where the network is wrong gets more \
            points; the loss is not reweighted (a zero residual minimises it under any law). \
            `power` in (0, 8], `uniform` in [0, 1], `pool` 1 to 1024 batches, `every` at \
            least 1. Building the pool costs about `pool` batches' forward passes with \
            derivatives (no backward), a batch at a time, dealt round the ranks and each \
            rank's training threads (the weights are summed over the ranks, so every rank \
            holds the same pool; each batch's Monte Carlo noise has its own stream, so the \
            pool does not depend on how many threads or ranks weigh it): per step that is \
            `pool / every` of a forward pass over a whole batch (16% at the defaults) on as \
            many cores as the step uses. The pool must fit in 1 GiB on the host (`pool * \
            batch * inputs` values, `pdec::plan::adaptive_pool_too_large`). Rebuilt at \
            checkpoints too, and the points drawn again from each new pool, so a run resumed \
            from a checkpoint rebuilds the same pool and draws the same points; a run \
            stopped between checkpoints (`time_limit`, Ctrl-C) resumes with the pool rebuilt \
            at once. Other terms (initial, boundary) keep their own draws",
        parse: sampling::adaptive,
    },
    Key {
        name: "polish",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`none`",
        doc: "`lbfgs(steps = 500, batches = 8, history = 20, time_limit = none)`: after the \
            Adam steps (however they ended, unless interrupted by Ctrl-C), L-BFGS with the \
            strong Wolfe line search (PyTorch's `LBFGS(line_search_fn = \"strong_wolfe\")`, \
            the quasi-Newton finish of DeepXDE's recipes) on a fixed set of `batches` \
            training batches drawn once (`batches` times the PDE term's batch of points, \
            each term its own batches as in training, from the `sampling` laws: an \
            `adaptive` pool is not used; Monte Carlo noise fixed with them, so the loss is a \
            function of the weights alone), for at most `steps` iterations and, with \
            `time_limit`, at most that many seconds (its own budget: the run's `time_limit` \
            bounds the Adam steps; a time-limited polish is, like a time-limited run, not \
            bitwise reproducible; ranks stop together when one reaches it), keeping \
            `history` curvature pairs. It starts from the reported network (the weight \
            average with `average`) and ends early when an iteration lowers the loss by less \
            than its rounding (`converged`); where the loss on its points is not finite at \
            the start it leaves the network unpolished, with a warning (`not_finite`). Each \
            iteration costs about one evaluation of the loss and gradient over the whole set \
            (`batches` training steps' work, no optimizer); the line search adds one now and \
            then. `loss.csv` goes on with a line every `log_every / 10` iterations (at least \
            every one; an iteration is about `batches` steps' work) and the last, numbered \
            on from the last step (the start at the step count, then the step count plus the \
            iteration), with the line search's step length in the `lr` column; \
            `summary.json` has a `polish` object (iterations, evaluations, the loss on the \
            set before and after, why it stopped: `steps`, `converged`, `time_limit`, \
            `interrupted` or `not_finite`, its wall time over every piece, \
            `resumed_at_iteration` when it went on from a saved polish, and \
            `fresh_loss_before` / `fresh_loss_after`: the loss on `batches / 4` batches of \
            fresh points, at least one, drawn apart from the set and never fitted, at the \
            network it began from and at the polished one, each term's in \
            `fresh_terms_before` / `fresh_terms_after`; when that rose while the set's loss \
            fell, a warning says the polish fits its own points more than the equation \
            between them; the residual is not the error, though, and on the Burgers family \
            the fresh loss rose in polishes that lowered the error against the reference, so \
            it is reported, not used to stop). The checkpoint keeps the Adam state, so \
            `--resume` with more `steps` continues the Adam training and then polishes again \
            from its new end; `polish.safetensors` keeps the polish's state (its iterate and \
            curvature pairs, in f64, about every `checkpoint_every / batches` iterations and \
            when it stops), so a resume with no Adam step left goes on with the polish where \
            it stopped (Ctrl-C, `time_limit`, `steps`) and reaches what one uninterrupted \
            polish would have: `steps` and `time_limit` count the whole polish, so raise \
            them to polish longer (`pdec solve --resume RUN --set \"polish=lbfgs(steps = \
            2000, time_limit = 7200)\"`); other points (`batch`, `batches`) start it again. \
            Data-parallel runs polish together (the loss and gradient summed over the \
            ranks). `steps` 1 to 1e9, `batches` 1 to 1024, `history` 1 to 1000, `time_limit` \
            (seconds) above 0 and at most 1e9. What it bought on the examples is in \
            `docs/RESULTS.md` (section \"Adam, then L-BFGS\")",
        parse: run::polish,
    },
    Key {
        name: "time_limit",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "none",
        doc: "stop after this many seconds of training; the cosine schedule then follows \
            whichever budget is further along (steps or seconds), so time-limited runs are \
            not bitwise reproducible",
        parse: run::time_limit,
    },
    Key {
        name: "log_every",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "100",
        doc: "lines of `loss.csv` and progress (with `exact` or a `reference` table, each \
            line also evaluates the relative L2 error: columns `exact_rel_l2` (a system's \
            `exact_rel_l2.NAME` per unknown), `reference_rel_l2` (a system's `reference_rel_l2.NAME` per unknown its table gives); and every `report`, one column each named by its expression)",
        parse: run::log_every,
    },
    Key {
        name: "checkpoint_every",
        dot: Dot::No,
        row: Row::WithPrevious,
        shapes: Shapes::Run,
        default: "1000",
        doc: "model checkpoints",
        parse: run::checkpoint_every,
    },
    Key {
        name: "on_nan",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`stop`",
        doc: "what a NaN or infinite loss or gradient does: `stop` ends the run with exit \
            code 3, naming the term, and keeps the last checkpoint; `rollback` goes back to \
            the last checkpoint with half the learning rate (at most 8 times)",
        parse: run::on_nan,
    },
    Key {
        name: "on_divergence",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`rollback`",
        doc: "what the loss terms jumping far above the best they reached does: `rollback` \
            goes back to the state of the best window with half the learning rate (at most \
            3 times; the progress output says so, summary.json lists each in \
            `divergence_rollbacks`). Windows of `steps / 100` steps (10 to 50); a jump is two \
            windows in a row whose geometric mean of the terms' window means (each floored \
            at a thousandth of its first window, and a term whose window mean has come out \
            negative, a Monte Carlo term's or a gauge's estimate, at the largest such \
            magnitude: swings within its noise are neither progress nor a jump) is more \
            than 4 times the best window's, read with the same floors. Off under \
            `adaptive` sampling, whose points seek high losses. `continue`: train on",
        parse: run::on_divergence,
    },
    Key {
        name: "average",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "0",
        doc: "the share of the training, at its end, over which the weights are averaged \
            (Polyak-Ruppert): the saved model and every report are that mean, whose error is \
            smaller than the wandering of the last iterates of Adam (the basket's price at \
            `d = 100` moved by about a percent between checkpoints 1,000 steps apart at \
            learning rates below `1e-4`); 0: the last iterate. The window follows steps or \
            seconds like the cosine schedule, at least 0 and below 1, e.g. `0.1`",
        parse: run::average,
    },
    Key {
        name: "balance",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`auto`",
        doc: "adaptive multipliers of the terms' weights (times `weight.NAME`), logged in \
            loss.csv as `balance.NAME`: `auto` measures each term's gradient norm once, on \
            the first step's points with the starting network, and turns `gradients()` on \
            when the PDE's gradient is 10 times or more a condition's (the 100-D heat \
            equation: 421, Poisson with mixed conditions: 23, the 5-D heat box: 58, each \
            trained 14 to 40 times more accurately; the European call: 4, left as with \
            `none`); \
            `pdec solve` says when it does. `gradients(every = 10, alpha = 0.9)` measures each \
            term's gradient norm every `every` steps (one backward per term then) and moves \
            the multiplier of each term `i` towards `max(1, |g_pde| / |g_i|)` (gradient-norm \
            balancing after Wang, Teng and Perdikaris 2021, one-sided: a condition the PDE's \
            gradient swamps is raised to match it, none is lowered, so a condition that \
            cannot be met exactly, such as kinked terminal data, keeps its weight; a \
            free-boundary `constraint` keeps its written weight: its gradient is near zero \
            wherever the network sits above the obstacle, and a multiplier grown from that \
            (measured: 4.5e5 on an American put) kicks the network at the first touch); \
            `relobralo(temperature = 0.1, alpha \
            = 0.999, lookback = 0.999)` weighs terms by how slowly their losses fall, from \
            the loss values alone (Bischof and Kraus 2021). For a PDE whose residual swamps \
            the conditions at the start (high dimension, large coefficients)",
        parse: run::balance,
    },
    Key {
        name: "extrapolate",
        dot: Dot::No,
        row: Row::Own,
        shapes: Shapes::Run,
        default: "`false`",
        doc: "`true`: a `report` outside the declared ranges of time, space and parameters \
            is a warning instead of an error (`pdec::check::report_outside_domain`): the \
            network is trained on the declared box only, and its value outside is an \
            extrapolation that no loss term controls",
        parse: run::extrapolate,
    },
];

/// Every key's name, for did-you-mean.
pub const KEYS: &[&str] = &{
    let mut names = [""; TABLE.len()];
    let mut i = 0;
    while i < TABLE.len() {
        names[i] = TABLE[i].name;
        i += 1;
    }
    names
};

/// The help of a dotted key whose key takes no name after the dot.
const DOT_HELP: &str = "only `weight.TERM` and `batch.TERM` (a loss-term name), `sampling.PARAM` (a parameter) and `net.UNKNOWN` (an unknown) take a name after the dot";

/// Applies settings in order (the file's block, then command-line overrides).
pub fn apply(settings: &mut Settings, items: &[Setting], diags: &mut Diags) {
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for s in items {
        let full = s.key.join(".");
        if let Some(prev) = seen.insert(full.clone(), s.key_span) {
            diags.push(
                Diag::error(
                    "pdec::settings::duplicate_setting",
                    format!("`{full}` is set twice"),
                )
                .primary(s.key_span, "set again here")
                .secondary(prev, "first set here")
                .help("keep one of them"),
            );
            continue;
        }
        settings.key_spans.insert(full, s.key_span);
        apply_one(settings, s, diags);
    }
}

/// One item: its key's parser, or an unknown-setting diagnostic.
fn apply_one(st: &mut Settings, s: &Setting, diags: &mut Diags) {
    let it = Item::of(s);
    let key = TABLE.iter().find(|k| k.name == it.key);
    let takes_dot = key.is_some_and(|k| !matches!(k.dot, Dot::No));
    if s.key.len() > 2 || (it.sub.is_some() && !takes_dot) {
        diags.push(
            Diag::error(
                "pdec::settings::unknown_setting",
                format!("unknown setting `{}`", s.key.join(".")),
            )
            .primary(s.key_span, "not a setting")
            .help(DOT_HELP),
        );
        return;
    }
    match key {
        Some(k) => (k.parse)(st, &it, diags),
        None => diags.push(
            Diag::error(
                "pdec::settings::unknown_setting",
                format!("unknown setting `{}`", it.key),
            )
            .primary(s.key_span, "not a setting")
            .help(match did_you_mean(it.key, KEYS.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("settings are: {}", KEYS.join(", ")),
            }),
        ),
    }
}

/// The header of the docs table: `docs_table` renders from it to the next blank line.
pub const DOCS_TABLE_HEADER: &str = "| key | default | notes |";

/// The settings table of `docs/LANGUAGE.md` (section "Solver settings"), header and rows, a
/// line each, from `TABLE`.
pub fn docs_table() -> String {
    let mut rows: Vec<[String; 3]> = Vec::new();
    for k in TABLE {
        let cell = match k.row {
            Row::Dotted => format!("`{}.NAME`", k.name),
            Row::Own | Row::WithPrevious => format!("`{}`", k.name),
        };
        match rows.last_mut() {
            Some(last) if k.row == Row::WithPrevious => {
                last[0] = format!("{}, {cell}", last[0]);
                last[1] = format!("{}, {}", last[1], k.default);
                if !k.doc.is_empty() {
                    last[2] = if last[2].is_empty() {
                        k.doc.to_string()
                    } else {
                        format!("{}; {}", last[2], k.doc)
                    };
                }
            }
            _ => rows.push([cell, k.default.to_string(), k.doc.to_string()]),
        }
        if let Dot::Setting { default, doc } = k.dot {
            let cell = format!("`{}.NAME`", k.name);
            rows.push([cell, default.to_string(), doc.to_string()]);
        }
    }
    let mut out = format!("{DOCS_TABLE_HEADER}\n| --- | --- | --- |\n");
    for [key, default, doc] in rows {
        // An empty cell is `| |`, as markdown tables are usually written.
        if doc.is_empty() {
            out.push_str(&format!("| {key} | {default} | |\n"));
        } else {
            out.push_str(&format!("| {key} | {default} | {doc} |\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/LANGUAGE.md");

    /// The doc's table: from its header to the next blank line, and where it starts and ends.
    fn doc_table(doc: &str) -> Option<(usize, usize)> {
        let start = doc.find(&format!("\n{DOCS_TABLE_HEADER}\n"))? + 1;
        let end = doc[start..]
            .find("\n\n")
            .map_or(doc.len(), |e| start + e + 1);
        Some((start, end))
    }

    #[test]
    fn the_docs_settings_table_is_rendered_from_the_table() {
        let doc = std::fs::read_to_string(DOC).expect("docs/LANGUAGE.md");
        let (start, end) = doc_table(&doc).expect("the settings table's header in the doc");
        let want = docs_table();
        if doc[start..end] == want {
            return;
        }
        if std::env::var_os("PDEC_BLESS").is_some_and(|v| v == "1") {
            let new = format!("{}{want}{}", &doc[..start], &doc[end..]);
            std::fs::write(DOC, new).expect("write docs/LANGUAGE.md");
            return;
        }
        let want_lines: Vec<&str> = want.lines().collect();
        let doc_lines: Vec<&str> = doc[start..end].lines().collect();
        let n = want_lines.len().max(doc_lines.len());
        let i = (0..n).find(|&i| want_lines.get(i) != doc_lines.get(i));
        let i = i.unwrap_or(0);
        let (w, d) = (
            want_lines.get(i).unwrap_or(&""),
            doc_lines.get(i).unwrap_or(&""),
        );
        let first = format!(
            "\nfirst difference, line {} of the table:\nthe doc:  {d}\nrendered: {w}",
            i + 1
        );
        panic!(
            "the settings table in docs/LANGUAGE.md differs from settings::keys::TABLE: edit \
             the table (the doc's is generated from it) and run `PDEC_BLESS=1 cargo test -p \
             pdec-lang --release --lib settings` to rewrite the doc's table{first}"
        );
    }

    #[test]
    fn keys_are_unique_and_the_dot_help_names_every_dotted_key() {
        for (i, k) in TABLE.iter().enumerate() {
            assert!(!KEYS[..i].contains(&k.name), "{} twice", k.name);
            if !matches!(k.dot, Dot::No) {
                assert!(DOT_HELP.contains(&format!("`{}.", k.name)), "{}", k.name);
            }
        }
        assert_eq!(KEYS.len(), TABLE.len());
    }

    /// A key tagged `Shapes::Run` is a field of `RunSettings` and every field of it is such a
    /// key, so that the plan (which holds `PlanSettings` alone) never sees a run-loop key.
    #[test]
    fn run_keys_are_exactly_the_run_settings() {
        let json = serde_json::to_value(crate::settings::RunSettings::default()).expect("json");
        let fields: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut run: Vec<&str> = TABLE
            .iter()
            .filter(|k| k.shapes == Shapes::Run)
            .map(|k| k.name)
            .collect();
        run.sort();
        let mut fields = fields;
        fields.sort();
        assert_eq!(run, fields);
    }
}
