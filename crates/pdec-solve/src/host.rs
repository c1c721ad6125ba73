//! What this machine lets the process use: CPU cores and memory, as a shared machine or a
//! container limits them (issue 38: a good citizen on shared machines).
//!
//! Cores: the machine's physical cores (training threads gain nothing from a core's second
//! hardware thread), capped by [`std::thread::available_parallelism`], which on Linux counts
//! the CPUs of the process's affinity mask (`sched_getaffinity`, so `taskset -c 0` gives 1)
//! and caps them by the cgroup CPU quota (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us /
//! cpu.cfs_period_us`, rounded down, at least 1). std already reads both, so no crate and no
//! file reading of ours is needed there.
//!
//! Memory: the host's `MemAvailable` and, where the process sits in a cgroup with a memory
//! limit (a container, a batch job, a systemd slice), that limit less what the cgroup already
//! uses, reclaimable page cache not counted, over the process's cgroup and every cgroup above
//! it (v2 `memory.max` / `memory.current`; v1 `memory.limit_in_bytes` /
//! `memory.usage_in_bytes`).

use std::path::{Path, PathBuf};

/// The cores training threads may use: physical cores within the affinity mask and the CPU
/// quota (at least 1).
pub fn cores() -> usize {
    num_cpus::get_physical().min(usable_cpus()).max(1)
}

/// The CPUs (hardware threads) the process may run on: the affinity mask capped by the cgroup
/// CPU quota (`std::thread::available_parallelism`; 1 where it cannot tell).
pub fn usable_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether the process's affinity mask leaves out some of the machine's online CPUs: a
/// launcher (`mpirun`'s binding, `taskset`, a batch scheduler's cpuset) chose its CPUs, so
/// the cores within the mask are this process's own, not shared with the other MPI ranks
/// on the node.
pub fn pinned() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity writes at most
        // its size; sysconf and CPU_COUNT only read.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            let ok = libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
            let online = libc::sysconf(libc::_SC_NPROCESSORS_ONLN);
            if ok == 0 && online > 0 {
                return i64::from(libc::CPU_COUNT(&set)) < online as i64;
            }
        }
    }
    false
}

/// Memory this process may still take, in bytes, and what bounds it: the smaller of the
/// host's `MemAvailable` and the room left under a cgroup memory limit. `None` where neither
/// can be read.
pub fn memory_available() -> Option<(f64, MemoryBound)> {
    let host = mem_available();
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|text| cgroup_room(Path::new("/sys/fs/cgroup"), &text));
    match (host, cgroup) {
        (Some(h), Some(c)) if c < h => Some((c, MemoryBound::Cgroup)),
        (Some(h), _) => Some((h, MemoryBound::Host)),
        (None, Some(c)) => Some((c, MemoryBound::Cgroup)),
        (None, None) => None,
    }
}

/// Which limit [`memory_available`] found the tighter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryBound {
    /// `MemAvailable` in `/proc/meminfo`.
    Host,
    /// A cgroup's memory limit less its usage.
    Cgroup,
}

impl MemoryBound {
    /// In words, for the resource guard's diagnostic.
    pub fn describe(self) -> &'static str {
        match self {
            MemoryBound::Host => "the memory available on this machine (MemAvailable)",
            MemoryBound::Cgroup => {
                "the memory left under this process's cgroup limit (memory.max or memory.limit_in_bytes)"
            }
        }
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes (`None` where there is no such file).
pub fn mem_available() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// A limit at or above this is no limit (cgroup v1 writes `9223372036854771712` for none).
const UNLIMITED: f64 = (1u64 << 60) as f64;

/// The room under the tightest cgroup memory limit of the cgroups in `proc_self_cgroup`
/// (the text of `/proc/self/cgroup`) and their ancestors, with the hierarchies mounted under
/// `root`; `None` where no limit is set or none can be read.
pub fn cgroup_room(root: &Path, proc_self_cgroup: &str) -> Option<f64> {
    let mut room: Option<f64> = None;
    for line in proc_self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let files = if controllers.is_empty() {
            // v2: `0::/path`, the unified hierarchy at the root (or at `unified/` on a
            // hybrid system, where it carries no memory controller files to read).
            Files {
                dir: root.to_path_buf(),
                limit: "memory.max",
                usage: "memory.current",
                inactive: "inactive_file",
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            Files {
                dir: root.join("memory"),
                limit: "memory.limit_in_bytes",
                usage: "memory.usage_in_bytes",
                inactive: "total_inactive_file",
            }
        } else {
            continue;
        };
        // From the process's cgroup up to the hierarchy's root: a limit on any of them binds.
        // Inside a container without its own cgroup namespace the path is the host's and
        // does not exist here, and the container's own cgroup is the root that is mounted.
        let mut rel = PathBuf::from(path.trim().trim_start_matches('/'));
        loop {
            if let Some(r) = files.room(&files.dir.join(&rel)) {
                room = Some(room.map_or(r, |b| b.min(r)));
            }
            if !rel.pop() {
                break;
            }
        }
    }
    room
}

struct Files {
    dir: PathBuf,
    limit: &'static str,
    usage: &'static str,
    inactive: &'static str,
}

impl Files {
    /// The limit of the cgroup in `dir` less its usage (inactive page cache, which the kernel
    /// reclaims before it fails an allocation, not counted); `None` without a limit.
    fn room(&self, dir: &Path) -> Option<f64> {
        let limit = number(&dir.join(self.limit))?;
        if limit >= UNLIMITED {
            return None;
        }
        let usage = number(&dir.join(self.usage)).unwrap_or(0.0);
        let inactive = std::fs::read_to_string(dir.join("memory.stat"))
            .ok()
            .and_then(|s| {
                s.lines().find_map(|l| {
                    let (k, v) = l.split_once(' ')?;
                    (k == self.inactive).then(|| v.trim().parse::<f64>().ok())?
                })
            })
            .unwrap_or(0.0);
        Some((limit - (usage - inactive).max(0.0)).max(0.0))
    }
}

/// A file holding one number (`max`, no limit, reads as `None`).
fn number(path: &Path) -> Option<f64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pdec-host-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn cores_are_within_the_usable_cpus() {
        assert!(cores() >= 1);
        assert!(cores() <= usable_cpus());
        assert!(cores() <= num_cpus::get_physical().max(1));
    }

    #[test]
    fn cgroup_v2_limits_of_the_group_and_its_parents() {
        let root = tree("v2");
        let leaf = root.join("user.slice/job");
        write(&leaf.join("memory.max"), "max\n");
        write(&leaf.join("memory.current"), "100\n");
        // No limit anywhere: no room to report.
        assert_eq!(cgroup_room(&root, "0::/user.slice/job\n"), None);
        // The parent's limit binds its children; the page cache is reclaimable.
        write(&root.join("user.slice/memory.max"), "1000\n");
        write(&root.join("user.slice/memory.current"), "400\n");
        write(
            &root.join("user.slice/memory.stat"),
            "anon 300\ninactive_file 100\n",
        );
        assert_eq!(cgroup_room(&root, "0::/user.slice/job\n"), Some(700.0));
        // A tighter limit on the process's own cgroup.
        write(&leaf.join("memory.max"), "250\n");
        assert_eq!(cgroup_room(&root, "0::/user.slice/job\n"), Some(150.0));
        // Usage over the limit leaves no room, not a negative one.
        write(&leaf.join("memory.current"), "300\n");
        assert_eq!(cgroup_room(&root, "0::/user.slice/job\n"), Some(0.0));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn cgroup_v1_memory_controller() {
        let root = tree("v1");
        let g = root.join("memory/batch/42");
        write(&g.join("memory.limit_in_bytes"), "2048\n");
        write(&g.join("memory.usage_in_bytes"), "1024\n");
        write(
            &root.join("memory/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        let text = "4:memory:/batch/42\n3:cpu,cpuacct:/\n0::/\n";
        assert_eq!(cgroup_room(&root, text), Some(1024.0));
        // Other controllers are not read as memory limits.
        assert_eq!(cgroup_room(&root, "3:cpu,cpuacct:/batch/42\n"), None);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_container_sees_its_own_cgroup_at_the_root() {
        // The path names the host's cgroup, which the container cannot see; its own limit is
        // on the mounted root.
        let root = tree("container");
        write(&root.join("memory.max"), "4096\n");
        write(&root.join("memory.current"), "96\n");
        assert_eq!(cgroup_room(&root, "0::/docker/abc123\n"), Some(4000.0));
        let _ = std::fs::remove_dir_all(&root);
    }
}
