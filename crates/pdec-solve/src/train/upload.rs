//! Points and noise to the device: a step's batches and its Monte Carlo noise in one
//! host-to-device transfer ([`LossProgram::upload`]), a batch on its own
//! ([`LossProgram::tensor`]).

use crate::train::program::LossProgram;
use candle_core::{Result, Tensor};
use pdec_lang::geometry;
#[cfg(test)]
use rand_chacha::ChaCha8Rng;

/// A batch's points `[N, D]` (and face normals) on the device.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub x: Tensor,
    pub normals: Option<Tensor>,
    /// A data term's observed values `[N]`.
    pub values: Option<Tensor>,
}

impl LossProgram<'_> {
    /// Every batch of a step and its Monte Carlo noise on the device in ONE host-to-device
    /// transfer: points, normals and noise in one buffer, then views of it.
    pub fn upload(
        &self,
        batches: &[Vec<geometry::Batch>],
        noise: &[f64],
    ) -> Result<(Vec<Vec<Uploaded>>, Option<Tensor>)> {
        let width = self.cols.layout.width.max(1);
        let mut buf: Vec<f64> = Vec::new();
        for b in batches.iter().flatten() {
            buf.extend_from_slice(&b.points);
            if let Some(n) = &b.normals {
                buf.extend_from_slice(n);
            }
            if let Some(v) = &b.values {
                buf.extend_from_slice(v);
            }
        }
        let points = buf.len();
        buf.extend_from_slice(noise);
        let len = buf.len();
        let all = Tensor::from_vec(buf, len, &self.device)?.to_dtype(self.dtype)?;
        let mut at = 0;
        // The next `len` values, flat.
        let mut take = |len: usize| -> Result<Tensor> {
            let t = all.narrow(0, at, len)?;
            at += len;
            Ok(t)
        };
        let mut out = Vec::with_capacity(batches.len());
        for term in batches {
            let mut v = Vec::with_capacity(term.len());
            for b in term {
                let x = take(b.n * width)?.reshape((b.n, width))?;
                let normals = match &b.normals {
                    Some(_) => Some(take(b.n * width)?.reshape((b.n, width))?),
                    None => None,
                };
                let values = match &b.values {
                    Some(_) => Some(take(b.n)?),
                    None => None,
                };
                v.push(Uploaded { x, normals, values });
            }
            out.push(v);
        }
        let noise = match noise.is_empty() {
            true => None,
            false => Some(all.narrow(0, points, noise.len())?),
        };
        Ok((out, noise))
    }

    /// Noise drawn on the host as a flat tensor on the device (`None` when there is none).
    pub(super) fn noise_on_device(&self, w: Vec<f64>) -> Result<Option<Tensor>> {
        match w.is_empty() {
            true => Ok(None),
            false => {
                let len = w.len();
                Ok(Some(
                    Tensor::from_vec(w, len, &self.device)?.to_dtype(self.dtype)?,
                ))
            }
        }
    }

    /// Monte Carlo noise for a PDE batch of `rows` points on its own (tests).
    #[cfg(test)]
    pub fn noise_tensor(&self, rng: &mut ChaCha8Rng, rows: usize) -> Result<Option<Tensor>> {
        let w = self.noise.draw(rng, rows, self.rows(rows));
        self.noise_on_device(w)
    }

    /// One batch's points `[N, D]` and normals on the device.
    pub fn tensor(&self, b: &geometry::Batch) -> Result<(Tensor, Option<Tensor>)> {
        let x = Tensor::from_vec(b.points.clone(), (b.n, b.width), &self.device)?
            .to_dtype(self.dtype)?;
        let nm = b
            .normals
            .as_ref()
            .map(|n| {
                Tensor::from_vec(n.clone(), (b.n, b.width), &self.device)?.to_dtype(self.dtype)
            })
            .transpose()?;
        Ok((x, nm))
    }
}
