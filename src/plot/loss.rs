//! `loss.png`: every loss term of the run's `loss.csv` against the step, log scale; the
//! weighted total in black; with `balance`, each term's multiplier (`balance.NAME`) thin,
//! with dots, in its term's colour. `coefficients.png`: each unknown coefficient's value as
//! training identifies it (its `loss.csv` column).

use super::figure::{Figure, LineChart, PALETTE, Series};
use crate::rundir::Opened;
use pdec_lang::diag::Diag;
use plotters::prelude::*;

/// `loss.csv`'s header and every column as `(step, value)` pairs.
type Columns = (Vec<String>, Vec<Vec<(f64, f64)>>);

fn read_loss_csv(run: &Opened) -> Result<Columns, Diag> {
    let path = run.dir.join("loss.csv");
    let bad = |why: String| {
        Diag::error(
            "pdec::plot::no_loss",
            format!("cannot read `{}`: {why}", path.display()),
        )
        .help(
            "`pdec solve` writes loss.csv into the run directory; train again, or plot another run",
        )
    };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let step = header.iter().position(|h| h == "step");
    let first = header.iter().position(|h| h == "total");
    let (Some(step), Some(first)) = (step, first) else {
        return Err(bad("it has no `step` and `total` columns".into()));
    };
    let mut cols: Vec<Vec<(f64, f64)>> = vec![Vec::new(); header.len()];
    for rec in reader.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let Some(s) = rec.get(step).and_then(|s| s.parse::<f64>().ok()) else {
            continue;
        };
        for (k, c) in cols.iter_mut().enumerate() {
            if let Some(v) = rec.get(k).and_then(|v| v.parse::<f64>().ok()) {
                c.push((s, v));
            }
        }
    }
    if cols[first].is_empty() {
        return Err(bad("it has no rows".into()));
    }
    Ok((header, cols))
}

/// `loss.csv` as columns: step, then `(name, values)` for `total` and each term.
pub(super) fn loss_figure(run: &Opened) -> Result<Figure, Diag> {
    let (header, mut cols) = read_loss_csv(run)?;
    let first = header.iter().position(|h| h == "total").unwrap_or(0);
    let mut series = Vec::new();
    let terms = header[first + 1..]
        .iter()
        .filter(|h| !h.starts_with("balance."))
        .count()
        .max(1);
    for (k, name) in header.iter().enumerate().skip(first) {
        let total = k == first;
        let multiplier = name.starts_with("balance.");
        series.push(Series {
            name: if total {
                "total (weighted)".into()
            } else {
                name.clone()
            },
            points: std::mem::take(&mut cols[k]),
            color: if total {
                BLACK
            } else {
                PALETTE[((k - first - 1) % terms) % PALETTE.len()]
            },
            width: if total {
                3
            } else if multiplier {
                1
            } else {
                2
            },
            dots: multiplier,
        });
    }
    Ok(Figure::Lines(LineChart {
        title: format!("training loss: {}", run.problem().name),
        x_label: "step".into(),
        y_label: match header.iter().any(|h| h.starts_with("balance.")) {
            true => "loss term (mean square); balance.NAME: its multiplier".into(),
            false => "loss term (mean square)".into(),
        },
        log_y: true,
        series,
        bands: Vec::new(),
        band_name: String::new(),
    }))
}

/// Each unknown coefficient's trajectory, named with the range it was declared in (log scale
/// where every coefficient is trained on one); `None` for a problem without coefficients.
pub(super) fn coefficient_figure(run: &Opened) -> Result<Option<Figure>, Diag> {
    let coefficients = &run.problem().coefficients;
    if coefficients.is_empty() {
        return Ok(None);
    }
    let (header, mut cols) = read_loss_csv(run)?;
    let mut series = Vec::new();
    for (i, c) in coefficients.iter().enumerate() {
        let Some(k) = header.iter().position(|h| *h == c.name) else {
            continue;
        };
        series.push(Series {
            name: format!("{} in [{}, {}]", c.name, c.lo, c.hi),
            points: std::mem::take(&mut cols[k]),
            color: PALETTE[i % PALETTE.len()],
            width: 2,
            dots: false,
        });
    }
    if series.is_empty() {
        return Ok(None);
    }
    Ok(Some(Figure::Lines(LineChart {
        title: format!("identified coefficients: {}", run.problem().name),
        x_label: "step".into(),
        y_label: "value as training identifies it".into(),
        log_y: coefficients.iter().all(|c| c.log),
        series,
        bands: Vec::new(),
        band_name: String::new(),
    })))
}
