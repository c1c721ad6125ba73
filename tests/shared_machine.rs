//! Issue 38, a good citizen on shared machines: `--threads auto` follows the CPU affinity
//! mask (and the cgroup CPU quota, through `std::thread::available_parallelism`), and
//! settings.json records how the run ran (device, threads per rank, ranks, usable cores).
//! The memory guard's cgroup reading is tested on made-up cgroup trees
//! (`pdec_solve::host`'s unit tests): a test cannot set a cgroup limit without owning the
//! machine's cgroups.

mod common;

use common::{ok, out_dir};
use std::process::Command;

/// `pdec solve` of a tiny problem under `taskset -c CPUS`; its settings.json.
fn solve_pinned(cpus: &str, name: &str) -> Option<serde_json::Value> {
    let dir = out_dir("shared_machine", name);
    std::fs::create_dir_all(&dir).expect("dir");
    let p = dir.join("heat.pde");
    std::fs::write(
        &p,
        "time t in [0, 1]\nspace x in [0, 1]\nunknown u(t, x)\npde d(u, t) = d(u, x, x)\n\
         initial u = sin(pi * x)\nboundary on(x): u = 0\n\
         solve {\n  net = mlp(layers = 1, width = 4)\n  steps = 3\n  batch = 16\n}\n",
    )
    .expect("write");
    let run = dir.join("run");
    let out = match Command::new("taskset")
        .args(["-c", cpus, env!("CARGO_BIN_EXE_pdec"), "solve"])
        .arg(&p)
        .args(["--quiet", "--no-plots", "--threads", "auto", "--out"])
        .arg(&run)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: `taskset` (util-linux) is not installed");
            return None;
        }
        Err(e) => panic!("taskset: {e}"),
    };
    ok(&out);
    let text = std::fs::read_to_string(run.join("settings.json")).expect("settings.json");
    Some(serde_json::from_str(&text).expect("json"))
}

#[test]
fn threads_auto_follows_a_one_cpu_affinity_mask() {
    let Some(s) = solve_pinned("0", "one_cpu") else {
        return;
    };
    // Without the mask pdec would take every physical core (2 on the CI machine).
    assert_eq!(s["threads"], 1, "{s:#}");
    assert_eq!(s["usable_cores"], 1, "{s:#}");
    assert_eq!(s["ranks"], 1, "{s:#}");
    assert_eq!(s["ranks_on_node"], 1, "{s:#}");
    assert_eq!(s["device"], "cpu", "{s:#}");
    // One CPU of several: the mask was chosen for this process.
    let online = std::thread::available_parallelism().map_or(1, |n| n.get());
    if online > 1 {
        assert_eq!(s["cpus_pinned"], true, "{s:#}");
    }
}
