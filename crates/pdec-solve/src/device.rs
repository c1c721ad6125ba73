//! Where training runs: `--device cpu | cuda | cuda:N | auto`.
//!
//! A build without the `cuda` feature refuses CUDA with a diagnostic that says how to build
//! with it; `auto` picks the first GPU when the build has CUDA and a GPU answers, else the CPU.

use candle_core::Device;
use pdec_lang::diag::Diag;

/// What the user asked for, before any device is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceSpec {
    Cpu,
    /// `cuda:N`: that GPU.
    Cuda(usize),
    /// `cuda`: the first GPU, or under `mpirun` the GPU of this rank's node-local index.
    CudaAny,
    Auto,
}

pub fn parse(spec: &str) -> Result<DeviceSpec, Box<Diag>> {
    let s = spec.trim();
    match s {
        "cpu" => return Ok(DeviceSpec::Cpu),
        "cuda" | "gpu" => return Ok(DeviceSpec::CudaAny),
        "auto" => return Ok(DeviceSpec::Auto),
        _ => {}
    }
    if let Some(i) = s.strip_prefix("cuda:")
        && let Ok(i) = i.parse::<usize>()
    {
        return Ok(DeviceSpec::Cuda(i));
    }
    Err(Box::new(
        Diag::error("pdec::cli::bad_device", format!("`{spec}` is not a device"))
            .help("use `cpu`, `cuda`, `cuda:N` (the N-th GPU) or `auto`"),
    ))
}

/// Opens the device; a CUDA request that cannot be met is a diagnostic, never a panic.
pub fn open(spec: DeviceSpec) -> Result<Device, Box<Diag>> {
    match spec {
        DeviceSpec::Cpu => Ok(Device::Cpu),
        DeviceSpec::Auto => Ok(auto()),
        DeviceSpec::CudaAny => cuda(local_rank()),
        DeviceSpec::Cuda(i) => cuda(i),
    }
}

/// `--threads auto | N`: how many threads train on slices of each step's batch
/// ([`crate::train::LossProgram::workers`]). `auto` is, on the CPU, the cores this process
/// may use ([`crate::host::cores`]: physical cores within the affinity mask and the cgroup
/// CPU quota), shared among the `ranks` processes of an MPI job on this node unless a
/// launcher pinned each to its own CPUs ([`crate::host::pinned`]), and one thread
/// on a GPU (one stream does the work there). More than one thread is a CPU-only choice.
pub fn threads(spec: &str, device: &Device, ranks: usize) -> Result<usize, Box<Diag>> {
    let s = spec.trim();
    if s == "auto" {
        return Ok(match device.is_cpu() {
            // Ranks a launcher pinned to their own CPUs keep them; otherwise the ranks on
            // the node share its cores.
            true => match crate::host::pinned() {
                true => crate::host::cores(),
                false => (crate::host::cores() / local_ranks(ranks)).max(1),
            },
            false => 1,
        });
    }
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => {
            if n > 1 && !device.is_cpu() {
                return Err(Box::new(
                    Diag::error(
                        "pdec::cli::bad_threads",
                        format!(
                            "`--threads {n}` applies to the CPU, not to {}",
                            name(device)
                        ),
                    )
                    .help("leave `--threads` at `auto` (one thread drives a GPU)"),
                ));
            }
            Ok(n)
        }
        _ => Err(Box::new(
            Diag::error(
                "pdec::cli::bad_threads",
                format!("`{spec}` is not a thread count"),
            )
            .help(
                "use `auto` (the physical cores this process may use) or a number from 1 to 1024",
            ),
        )),
    }
}

/// The process's index among the ranks on its node (Open MPI's
/// `OMPI_COMM_WORLD_LOCAL_RANK`, or `MPI_LOCALRANKID` / `SLURM_LOCALID`), 0 outside a job:
/// one rank per GPU.
/// Sets when candle's CPU matmuls (gemm) split work over threads, for a network `width` wide.
/// gemm parallelises above 589,824 multiply-adds per block; on 2 cores a width-50 network's
/// jet matmuls (`[K N, 50] x [50, 50]`, about 20 million) and their weight-gradient blocks run
/// faster on one thread (`pdec bench`, width 50: Monte Carlo d = 100 188/204 -> 175/169 ms,
/// d = 1 129/143 -> 107/106 ms, exact d = 1 70 -> 50 ms), while a width-128 network still
/// gains from two (its exact d = 100 step lost 7-9% with the higher threshold), so the higher
/// threshold applies to narrow networks only. When the training threads of all ranks on the
/// machine (`busy`) already fill its cores, gemm stays on one thread: two training threads on
/// 2 cores ran the exact d = 100 step in 836/838 ms against 875/898 ms with threaded matmuls
/// (width 128: 2444/2509 against 2818/3032 ms). A process-wide setting: one training per
/// process.
pub fn tune_cpu_matmul(width: usize, busy: usize) {
    const NARROW_WORK: usize = 100_000_000;
    let threshold = if busy >= crate::host::cores() {
        usize::MAX
    } else if width <= 64 {
        NARROW_WORK
    } else {
        gemm::DEFAULT_THREADING_THRESHOLD
    };
    gemm::set_threading_threshold(threshold);
}

pub fn local_rank() -> usize {
    [
        "OMPI_COMM_WORLD_LOCAL_RANK",
        "MPI_LOCALRANKID",
        "SLURM_LOCALID",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok()?.parse().ok())
    .unwrap_or(0)
}

/// How many of the job's `ranks` run on this node (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`
/// or MPICH's `MPI_LOCALNRANKS`; all of them when neither is set): they share its cores.
pub fn local_ranks(ranks: usize) -> usize {
    ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
        .unwrap_or(ranks)
        .max(1)
}

/// A short name for logs and settings.json: `cpu` or `cuda:N`.
pub fn name(dev: &Device) -> String {
    match dev.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

#[cfg(feature = "cuda")]
fn auto() -> Device {
    Device::new_cuda(local_rank()).unwrap_or(Device::Cpu)
}

#[cfg(not(feature = "cuda"))]
fn auto() -> Device {
    Device::Cpu
}

#[cfg(feature = "cuda")]
fn cuda(i: usize) -> Result<Device, Box<Diag>> {
    Device::new_cuda(i).map_err(|e| {
        Box::new(
            Diag::error(
                "pdec::cli::no_device",
                // candle's error text may carry a backtrace: its first line says enough.
                format!(
                    "cannot open the GPU `cuda:{i}`: {}",
                    e.to_string().lines().next().unwrap_or("")
                ),
            )
            .help(
                "check `nvidia-smi` and that the CUDA driver library (libcuda.so.1) is on the \
                 library path, or train with `--device cpu`",
            ),
        )
    })
}

#[cfg(not(feature = "cuda"))]
fn cuda(i: usize) -> Result<Device, Box<Diag>> {
    Err(Box::new(
        Diag::error(
            "pdec::cli::no_device",
            format!("this build of pdec cannot train on `cuda:{i}`: it was built without CUDA"),
        )
        .help(
            "build with `CUDA_COMPUTE_CAP=90 cargo build --release --features cuda` (needs nvcc; \
             see README, `scripts/cuda-build-check.sh`), or train with `--device cpu`",
        ),
    ))
}

/// Bytes of GPU memory in use on the device (all processes), for benchmarks.
#[cfg(feature = "cuda")]
pub fn gpu_memory_used(dev: &Device) -> Option<u64> {
    if !dev.is_cuda() {
        return None;
    }
    let (free, total) = candle_core::cuda_backend::cudarc::driver::result::mem_get_info().ok()?;
    Some((total - free) as u64)
}

#[cfg(not(feature = "cuda"))]
pub fn gpu_memory_used(_dev: &Device) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!(parse("cpu").expect("ok"), DeviceSpec::Cpu);
        assert_eq!(parse("cuda").expect("ok"), DeviceSpec::CudaAny);
        assert_eq!(parse("cuda:3").expect("ok"), DeviceSpec::Cuda(3));
        assert_eq!(parse("auto").expect("ok"), DeviceSpec::Auto);
        assert!(parse("cuda:x").is_err());
        assert!(parse("tpu").is_err());
    }

    #[test]
    fn auto_and_cpu_open() {
        assert_eq!(name(&open(DeviceSpec::Cpu).expect("ok")), "cpu");
        // Without a GPU (CI), auto falls back to the CPU.
        let d = open(DeviceSpec::Auto).expect("ok");
        if !d.is_cuda() {
            assert_eq!(name(&d), "cpu");
        }
    }

    #[test]
    fn thread_counts() {
        let cores = crate::host::cores();
        assert_eq!(threads("auto", &Device::Cpu, 1).expect("auto"), cores);
        assert_eq!(
            threads("auto", &Device::Cpu, 2 * cores).expect("shared"),
            if crate::host::pinned() { cores } else { 1 },
            "more ranks than cores: one thread each, unless pinned to their own CPUs"
        );
        assert_eq!(threads(" 3 ", &Device::Cpu, 1).expect("n"), 3);
        for bad in ["0", "-1", "two", "", "5000"] {
            let d = threads(bad, &Device::Cpu, 1).expect_err(bad);
            assert_eq!(d.code, "pdec::cli::bad_threads");
        }
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cpu_build_refuses_cuda_with_a_hint() {
        let d = open(DeviceSpec::Cuda(0)).expect_err("refused");
        assert_eq!(d.code, "pdec::cli::no_device");
    }
}
