//! Per-box cgroup v1 `memory` and `pids` groups: an exact memory limit with peak and
//! out-of-memory accounting, and a process-count limit for fork bombs. cgroup v2's `memory.max`
//! is not usable on the machines we target, so only v1 is implemented; without it the judge uses
//! rlimits alone and says so in its isolation notes.
//!
//! Groups are named after the box (`pysynth-judge/uid-<uid>`): only the box's owner creates,
//! resets or removes them, and a group left by a dead owner is cleared by the next owner of that
//! box. Every read and write is checked: an unreadable counter is a judge fault, never a verdict.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{internal, JudgeError};
use crate::limits::Limits;
use crate::pidfd::PidFd;

const MEMORY_ROOT: &str = "/sys/fs/cgroup/memory";
const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";
const PARENT: &str = "pysynth-judge";

/// Why cgroups cannot be used here, or None when they can. Probed once per process: it creates
/// and removes a group in each controller, and the answer does not change while we run.
pub fn unavailable_reason() -> Option<String> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON.get_or_init(probe).clone()
}

fn probe() -> Option<String> {
    for (root, file) in [(MEMORY_ROOT, "memory.limit_in_bytes"), (PIDS_ROOT, "pids.max")] {
        let parent = Path::new(root).join(PARENT);
        let _ = fs::create_dir(&parent);
        let probe = parent.join(format!("probe-{}-{:?}", std::process::id(), std::thread::current().id()));
        let usable = fs::create_dir(&probe).is_ok() && probe.join(file).exists();
        let _ = fs::remove_dir(&probe);
        if !usable {
            return Some(format!("cgroup v1 controller at {root} is not writable"));
        }
    }
    None
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CgroupUsage {
    pub peak_memory: u64,
    /// The run reached its memory limit at least once.
    pub hit_memory_limit: bool,
    /// The kernel's OOM killer killed a process of the run.
    pub oom_killed: bool,
}

pub struct BoxCgroups {
    memory: PathBuf,
    pids: PathBuf,
    /// Both groups' `cgroup.procs`, open for writing: a process that writes "0" moves itself.
    procs: Vec<File>,
    /// The limits last written, so a run with the same limits writes nothing.
    applied: Option<(u64, u32)>,
    owner: u32,
}

fn write(path: &Path, value: impl ToString) -> io::Result<()> {
    fs::write(path, value.to_string())
}

fn read_number(path: &Path) -> Result<u64, JudgeError> {
    let text = fs::read_to_string(path).map_err(|e| internal(&format!("reading {}", path.display()), e))?;
    text.trim().parse().map_err(|e| internal(&format!("parsing {}", path.display()), e))
}

fn oom_kills(memory: &Path) -> Result<u64, JudgeError> {
    let path = memory.join("memory.oom_control");
    let text = fs::read_to_string(&path).map_err(|e| internal(&format!("reading {}", path.display()), e))?;
    // Kernels before 4.13 have no oom_kill line: no kill is then ever counted.
    Ok(text.lines().find_map(|l| l.strip_prefix("oom_kill ")).and_then(|n| n.trim().parse().ok()).unwrap_or(0))
}

/// Kills what is left in a group and removes it (a group can only go once it is empty). Each pid
/// is pinned with a pidfd and checked to still be a member before it is signalled, so a pid that
/// exited and was reused outside the group is never hit.
fn remove_group(dir: &Path) {
    for _ in 0..100 {
        let procs = dir.join("cgroup.procs");
        for pid in fs::read_to_string(&procs).unwrap_or_default().lines().filter_map(|p| p.trim().parse::<i32>().ok()) {
            let Ok(pinned) = PidFd::open(pid) else { continue };
            let still_member = fs::read_to_string(&procs).unwrap_or_default().lines().any(|p| p.trim() == pid.to_string());
            if still_member {
                let _ = pinned.kill();
            }
        }
        if fs::remove_dir(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Clears the groups of every box nobody holds (their owners died), once per process: a box is
/// otherwise cleared only when it is next taken, which among a thousand uids can be a long time.
/// Taking each box's lock first makes the cleanup its owner's, for that moment.
pub fn sweep_abandoned() {
    static SWEPT: OnceLock<()> = OnceLock::new();
    SWEPT.get_or_init(|| {
        let Ok(entries) = fs::read_dir(Path::new(MEMORY_ROOT).join(PARENT)) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(uid) = name.to_str().and_then(|n| n.strip_prefix("uid-")).and_then(|n| n.parse::<u32>().ok()) else { continue };
            if let Ok(Some(_owned)) = crate::boxes::try_acquire(uid) {
                remove_group(&entry.path());
                remove_group(&Path::new(PIDS_ROOT).join(PARENT).join(&name));
            }
        }
    });
}

impl BoxCgroups {
    /// The groups of the box `uid`, created empty (a group its dead previous owner left is
    /// cleared first: holding the box makes it ours).
    pub fn create(uid: u32) -> Result<Self, JudgeError> {
        let name = format!("uid-{uid}");
        let (memory, pids) = (Path::new(MEMORY_ROOT).join(PARENT).join(&name), Path::new(PIDS_ROOT).join(PARENT).join(&name));
        for dir in [&memory, &pids] {
            if dir.exists() {
                remove_group(dir);
            }
            fs::create_dir_all(dir).map_err(|e| JudgeError::Sandbox(format!("cannot create cgroup {}: {e}", dir.display())))?;
        }
        let procs = [&memory, &pids]
            .iter()
            .map(|dir| fs::OpenOptions::new().write(true).open(dir.join("cgroup.procs")))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| internal("opening cgroup.procs", e))?;
        Ok(Self { memory, pids, procs, applied: None, owner: std::process::id() })
    }

    /// Writes the run's limits (only when they changed since the last run), clears the peak and
    /// failure counters, and returns the OOM-kill count to pass to `usage`.
    pub fn prepare(&mut self, limits: &Limits) -> Result<u64, JudgeError> {
        if self.applied != Some((limits.memory, limits.processes)) {
            let configure = || -> io::Result<()> {
                let swap = self.memory.join("memory.memsw.limit_in_bytes");
                // memsw must stay >= the memory limit: lower it last, raise it first.
                if swap.exists() {
                    let _ = write(&swap, "-1");
                }
                write(&self.memory.join("memory.limit_in_bytes"), limits.memory)?;
                if swap.exists() {
                    write(&swap, limits.memory)?;
                }
                write(&self.pids.join("pids.max"), limits.processes)
            };
            configure().map_err(|e| JudgeError::Sandbox(format!("cannot set the limits of cgroup {}: {e}", self.memory.display())))?;
            self.applied = Some((limits.memory, limits.processes));
        }
        let reset = || -> io::Result<()> {
            write(&self.memory.join("memory.max_usage_in_bytes"), 0)?;
            write(&self.memory.join("memory.failcnt"), 0)
        };
        reset().map_err(|e| internal("resetting cgroup counters", e))?;
        oom_kills(&self.memory)
    }

    /// Moves `pid` into both groups.
    pub fn admit(&self, pid: i32) -> Result<(), JudgeError> {
        for dir in [&self.memory, &self.pids] {
            write(&dir.join("cgroup.procs"), pid).map_err(|e| internal("moving a run into its cgroup", e))?;
        }
        Ok(())
    }

    pub fn procs_files(&self) -> &[File] {
        &self.procs
    }

    /// Usage since `prepare`, given the OOM-kill count it returned.
    pub fn usage(&self, oom_kills_before: u64) -> Result<CgroupUsage, JudgeError> {
        Ok(CgroupUsage {
            peak_memory: read_number(&self.memory.join("memory.max_usage_in_bytes"))?,
            hit_memory_limit: read_number(&self.memory.join("memory.failcnt"))? > 0,
            oom_killed: oom_kills(&self.memory)? > oom_kills_before,
        })
    }
}

impl Drop for BoxCgroups {
    fn drop(&mut self) {
        // A forked copy of the owner (e.g. a process-pool worker) must not remove the owner's groups.
        if std::process::id() == self.owner {
            remove_group(&self.memory);
            remove_group(&self.pids);
        }
    }
}
