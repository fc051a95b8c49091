//! From what the sandbox measured to a verdict. Order matters: a run killed at the time limit may
//! also show a failed allocation; the limit it hit first in spirit wins (time, memory, output).

use crate::host::RawRun;
use crate::limits::Limits;
use crate::verdict::Verdict;

/// Bytes the run wrote to each stream (the files stop growing just past the output limit).
pub struct Written<'a> {
    pub stdout: u64,
    pub stderr: u64,
    pub stderr_head: &'a [u8],
}

/// The verdict of a run that did not finish cleanly, or None if it exited 0 within every limit.
pub fn failure(raw: &RawRun, limits: &Limits, written: &Written<'_>) -> Option<Verdict> {
    let status = raw.wait_status;
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    let exit_code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let clean = exit_code == Some(0);
    if raw.killed_for_time || raw.cpu_time > limits.time || signal == Some(libc::SIGXCPU) {
        return Some(Verdict::TimeLimitExceeded);
    }
    let reported_out_of_memory = [b"MemoryError".as_slice(), b"std::bad_alloc", b"Cannot allocate memory"]
        .iter()
        .any(|needle| written.stderr_head.windows(needle.len()).any(|w| w == *needle));
    let memory = raw.cgroup.is_some_and(|c| c.oom_killed || (!clean && c.hit_memory_limit))
        || (!clean && (raw.peak_memory as f64 >= 0.95 * limits.memory as f64 || reported_out_of_memory));
    if memory {
        return Some(Verdict::MemoryLimitExceeded);
    }
    if written.stdout > limits.output || written.stderr > limits.output || signal == Some(libc::SIGXFSZ) {
        return Some(Verdict::OutputLimitExceeded);
    }
    if !clean {
        return Some(Verdict::RuntimeError { exit_code, signal });
    }
    None
}
