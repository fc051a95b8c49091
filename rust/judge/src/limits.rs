//! Resource limits of one run, typed, with safe defaults.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// CPU time; exceeding it is TimeLimitExceeded.
    pub time: Duration,
    /// Wall-clock time after which the whole process tree is killed (catches sleeping programs).
    /// Defaults to twice `time` plus one second.
    pub wall_time: Option<Duration>,
    /// Bytes of memory (cgroup limit where available, else address space).
    pub memory: u64,
    /// Bytes each of stdout and stderr may hold; more is OutputLimitExceeded.
    pub output: u64,
    /// Processes and threads the run may have at once.
    pub processes: u32,
    pub open_files: u32,
    /// Bytes of the private /tmp the run may fill.
    pub scratch: u64,
}

pub const MIB: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(2),
            wall_time: None,
            memory: 256 * MIB,
            output: 64 * MIB,
            processes: 64,
            open_files: 64,
            scratch: 64 * MIB,
        }
    }
}

impl Limits {
    pub fn wall_time(&self) -> Duration {
        self.wall_time.unwrap_or(self.time * 2 + Duration::from_secs(1))
    }

    /// The limits a checker gets: it is trusted to be correct, not to be fast.
    pub fn for_checker() -> Self {
        Self { time: Duration::from_secs(10), wall_time: Some(Duration::from_secs(20)), memory: 1024 * MIB, ..Self::default() }
    }

    /// The limits a compiler gets: generous, but still bounded (compile-time bombs exist).
    pub fn for_compiler() -> Self {
        Self {
            time: Duration::from_secs(30),
            wall_time: Some(Duration::from_secs(60)),
            memory: 2048 * MIB,
            output: 64 * MIB,
            processes: 64,
            open_files: 256,
            scratch: 512 * MIB,
        }
    }
}
