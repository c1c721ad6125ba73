//! Constant tensors on the device, made once per data, device and dtype: the input scaling
//! and IR constants [`crate::lower`] evaluates with, and the networks' constant weights
//! ([`crate::nn`]). Its own module so that both read it without importing each other.

use candle_core::{DType, Device, DeviceLocation, Result, Tensor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn err(msg: impl Into<String>) -> candle_core::Error {
    candle_core::Error::Msg(msg.into())
}

/// Constant tensors (input scaling, index vectors, Cholesky factors, `const` tables) made
/// once per device and dtype and reused: on a GPU every `Tensor::from_vec` is a host-to-device
/// copy, and the training step should make exactly one (its points and noise). Keyed by the
/// data itself, so a stale entry cannot be returned.
#[derive(Clone, Debug, Default)]
pub struct ConstCache(Arc<Mutex<HashMap<ConstKey, Tensor>>>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ConstKey {
    /// `Some(k)`: `Graph::tensors[k]`, keyed by its index (a d = 1000 Cholesky factor has a
    /// million entries, too many to hash every step); `data` is then empty.
    graph: Option<usize>,
    /// f64 data as bits, or u32 indices.
    data: Vec<u64>,
    shape: Vec<usize>,
    location: DeviceLocation,
    dtype: DType,
}

impl ConstCache {
    fn get(
        &self,
        key: ConstKey,
        dev: &Device,
        build: impl FnOnce() -> Result<Tensor>,
    ) -> Result<Tensor> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| err("the constant cache was poisoned by a panic"))?;
        if let Some(t) = map.get(&key)
            && t.device().same_device(dev)
        {
            return Ok(t.clone());
        }
        let t = build()?;
        map.insert(key, t.clone());
        Ok(t)
    }

    /// `data` `shape` as a `dtype` tensor on `dev`.
    pub fn floats(
        &self,
        data: &[f64],
        shape: &[usize],
        dev: &Device,
        dtype: DType,
    ) -> Result<Tensor> {
        let key = ConstKey {
            graph: None,
            data: data.iter().map(|v| v.to_bits()).collect(),
            shape: shape.to_vec(),
            location: dev.location(),
            dtype,
        };
        self.get(key, dev, || {
            Tensor::from_vec(data.to_vec(), shape, dev)?.to_dtype(dtype)
        })
    }

    /// `Graph::tensors[k]` (its `data`) as a `dtype` tensor of `shape` on `dev`.
    pub fn graph_tensor(
        &self,
        k: usize,
        data: &[f64],
        shape: &[usize],
        dev: &Device,
        dtype: DType,
    ) -> Result<Tensor> {
        let key = ConstKey {
            graph: Some(k),
            data: vec![],
            shape: shape.to_vec(),
            location: dev.location(),
            dtype,
        };
        self.get(key, dev, || {
            Tensor::from_vec(data.to_vec(), shape, dev)?.to_dtype(dtype)
        })
    }

    /// Indices as a u32 vector on `dev`.
    pub fn indices(&self, data: &[u32], dev: &Device) -> Result<Tensor> {
        let key = ConstKey {
            graph: None,
            data: data.iter().map(|v| *v as u64).collect(),
            shape: vec![data.len()],
            location: dev.location(),
            dtype: DType::U32,
        };
        self.get(key, dev, || {
            Tensor::from_vec(data.to_vec(), data.len(), dev)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_copied_once_per_data_dtype_and_device() {
        let c = ConstCache::default();
        let dev = Device::Cpu;
        let a = c.floats(&[1.0, 2.0], &[1, 2], &dev, DType::F32).expect("a");
        let b = c.floats(&[1.0, 2.0], &[1, 2], &dev, DType::F32).expect("b");
        assert_eq!(a.id(), b.id(), "the same constant is reused");
        let other = c.floats(&[1.0, 3.0], &[1, 2], &dev, DType::F32).expect("c");
        assert_eq!(other.to_vec2::<f32>().expect("v"), [[1.0, 3.0]]);
        let f64s = c.floats(&[1.0, 2.0], &[1, 2], &dev, DType::F64).expect("d");
        assert_ne!(a.id(), f64s.id());
        assert_eq!(f64s.dtype(), DType::F64);
        let reshaped = c.floats(&[1.0, 2.0], &[2, 1], &dev, DType::F32).expect("e");
        assert_eq!(reshaped.dims(), [2, 1]);
        let g = c
            .graph_tensor(0, &[5.0], &[1], &dev, DType::F64)
            .expect("g");
        assert_eq!(g.to_vec1::<f64>().expect("v"), [5.0]);
        let i = c.indices(&[3, 1], &dev).expect("i");
        assert_eq!(i.to_vec1::<u32>().expect("v"), [3, 1]);
    }
}
