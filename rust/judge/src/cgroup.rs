//! Per-worker cgroup v1 `memory` and `pids` groups: an exact memory limit with peak and
//! out-of-memory accounting, and a process-count limit for fork bombs. cgroup v2's `memory.max`
//! is not usable on the machines we target, so only v1 is implemented; without it the judge falls
//! back to rlimits and reports that it did.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{internal, JudgeError};
use crate::limits::Limits;

const MEMORY_ROOT: &str = "/sys/fs/cgroup/memory";
const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";

/// Why cgroups cannot be used here, or None when they can. Probed once per process: it creates
/// and removes a group in each controller, and the answer does not change while we run.
pub fn unavailable_reason() -> Option<String> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON.get_or_init(probe).clone()
}

fn probe() -> Option<String> {
    for (root, file) in [(MEMORY_ROOT, "memory.limit_in_bytes"), (PIDS_ROOT, "pids.max")] {
        let probe = Path::new(root).join(format!("pysynth-probe-{}", std::process::id()));
        let usable = fs::create_dir(&probe).is_ok() && probe.join(file).exists();
        let _ = fs::remove_dir(&probe);
        if !usable {
            return Some(format!("cgroup v1 controller at {root} is not writable"));
        }
    }
    None
}

pub struct SlotCgroups {
    memory: PathBuf,
    pids: PathBuf,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CgroupUsage {
    pub peak_memory: u64,
    /// The run reached its memory limit at least once.
    pub hit_memory_limit: bool,
    /// The kernel's OOM killer killed a process of the run.
    pub oom_killed: bool,
}

fn write(path: &Path, value: impl ToString) -> io::Result<()> {
    fs::write(path, value.to_string())
}

fn read_number(path: &Path) -> u64 {
    fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

fn oom_kills(memory: &Path) -> u64 {
    let text = fs::read_to_string(memory.join("memory.oom_control")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix("oom_kill ")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

/// Kills what is left in a group and removes it (a group can only go once it is empty).
fn remove_group(dir: &Path) {
    for _ in 0..50 {
        for pid in fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default().lines() {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: plain kill(2) of a process placed in one of the judge's groups.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if fs::remove_dir(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Removes groups left by judge processes that died without cleaning up (named `<pid>-<slot>`).
fn sweep_abandoned(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            remove_group(&entry.path());
        }
    }
}

impl SlotCgroups {
    pub fn create(name: &str, limits: &Limits) -> Result<Self, JudgeError> {
        let (memory_parent, pids_parent) = (Path::new(MEMORY_ROOT).join("pysynth-judge"), Path::new(PIDS_ROOT).join("pysynth-judge"));
        sweep_abandoned(&memory_parent);
        sweep_abandoned(&pids_parent);
        let (memory, pids) = (memory_parent.join(name), pids_parent.join(name));
        for dir in [&memory, &pids] {
            fs::create_dir_all(dir).map_err(|e| JudgeError::Sandbox(format!("cannot create cgroup {}: {e}", dir.display())))?;
        }
        let groups = Self { memory, pids };
        let configure = || -> io::Result<()> {
            write(&groups.memory.join("memory.limit_in_bytes"), limits.memory)?;
            let swap = groups.memory.join("memory.memsw.limit_in_bytes");
            if swap.exists() {
                write(&swap, limits.memory)?;
            }
            write(&groups.pids.join("pids.max"), limits.processes)
        };
        configure().map_err(|e| JudgeError::Sandbox(format!("cannot configure cgroup {name}: {e}")))?;
        Ok(groups)
    }

    /// Clears the peak and failure counters; returns the OOM-kill count to pass to `usage`.
    pub fn reset(&self) -> Result<u64, JudgeError> {
        let reset = || -> io::Result<()> {
            write(&self.memory.join("memory.max_usage_in_bytes"), 0)?;
            write(&self.memory.join("memory.failcnt"), 0)
        };
        reset().map_err(|e| internal("resetting cgroup counters", e))?;
        Ok(oom_kills(&self.memory))
    }

    /// Resets the counters and moves `pid` into both groups.
    pub fn admit(&self, pid: i32) -> Result<u64, JudgeError> {
        let oom_kills_before = self.reset()?;
        for dir in [&self.memory, &self.pids] {
            write(&dir.join("cgroup.procs"), pid).map_err(|e| internal("moving a run into its cgroup", e))?;
        }
        Ok(oom_kills_before)
    }

    /// Both groups' `cgroup.procs`, open for writing: a process that writes "0" moves itself.
    pub fn procs_files(&self) -> Result<Vec<File>, JudgeError> {
        [&self.memory, &self.pids]
            .iter()
            .map(|dir| fs::OpenOptions::new().write(true).open(dir.join("cgroup.procs")))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| internal("opening cgroup.procs", e))
    }

    /// Usage since `admit`, given the OOM-kill count `admit` returned.
    pub fn usage(&self, oom_kills_before: u64) -> CgroupUsage {
        CgroupUsage {
            peak_memory: read_number(&self.memory.join("memory.max_usage_in_bytes")),
            hit_memory_limit: read_number(&self.memory.join("memory.failcnt")) > 0,
            oom_killed: oom_kills(&self.memory) > oom_kills_before,
        }
    }
}

impl Drop for SlotCgroups {
    fn drop(&mut self) {
        remove_group(&self.memory);
        remove_group(&self.pids);
    }
}
