//! From what the sandbox measured to a verdict. Order matters: a run killed at the time limit may
//! also show a failed allocation; the limit it hit first in spirit wins (time, memory, output).
//! One exception: a run that sat at its cgroup's memory limit when time ran out spent that time in
//! the kernel's reclaim (thrashing its own code pages), so its memory limit came first.

use crate::worker::RawRun;
use crate::limits::Limits;
use crate::verdict::Verdict;

/// Bytes the run wrote to each stream (the files stop growing just past the output limit).
pub struct Written<'a> {
    pub stdout: u64,
    pub stderr: u64,
    pub stderr_head: &'a [u8],
}

/// What each runtime prints when an allocation fails (Python, C++, libc, Java, Go, V8, Rust).
const OUT_OF_MEMORY_REPORTS: [&[u8]; 7] = [
    b"MemoryError",
    b"std::bad_alloc",
    b"Cannot allocate memory",
    b"java.lang.OutOfMemoryError",
    b"runtime: out of memory",
    b"JavaScript heap out of memory",
    b"memory allocation of",
];

/// The verdict of a run that did not finish cleanly, or None if it exited 0 within every limit.
pub fn failure(raw: &RawRun, limits: &Limits, written: &Written<'_>) -> Option<Verdict> {
    let status = raw.wait_status;
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    let exit_code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let clean = exit_code == Some(0);
    let pinned_at_memory_limit = raw
        .cgroup
        .is_some_and(|c| c.hit_memory_limit && c.peak_memory as f64 >= 0.95 * limits.memory as f64);
    if pinned_at_memory_limit && !clean {
        return Some(Verdict::MemoryLimitExceeded);
    }
    if raw.killed_for_time || raw.cpu_time > limits.time || signal == Some(libc::SIGXCPU) {
        return Some(Verdict::TimeLimitExceeded);
    }
    let reported_out_of_memory = OUT_OF_MEMORY_REPORTS
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cgroup::CgroupUsage;

    fn raw(wait_status: i32, cpu_ms: u64) -> RawRun {
        RawRun {
            wait_status,
            cpu_time: Duration::from_millis(cpu_ms),
            wall_time: Duration::from_millis(cpu_ms + 1),
            peak_memory: 10 << 20,
            killed_for_time: false,
            cgroup: Some(CgroupUsage::default()),
        }
    }

    const EXIT_0: i32 = 0;
    const EXIT_3: i32 = 3 << 8;
    const SIGNAL_9: i32 = libc::SIGKILL;
    const QUIET: Written<'static> = Written { stdout: 10, stderr: 0, stderr_head: b"" };

    #[test]
    fn clean_exit_within_limits_is_not_a_failure() {
        assert_eq!(failure(&raw(EXIT_0, 100), &Limits::default(), &QUIET), None);
    }

    #[test]
    fn time_wins_over_everything_else() {
        let mut run = raw(SIGNAL_9, 100);
        run.killed_for_time = true;
        run.cgroup = Some(CgroupUsage { oom_killed: true, ..Default::default() });
        assert_eq!(failure(&run, &Limits::default(), &QUIET), Some(Verdict::TimeLimitExceeded));
        assert_eq!(failure(&raw(EXIT_0, 2001), &Limits::default(), &QUIET), Some(Verdict::TimeLimitExceeded));
        // Touching the limit long before a slow end is still a time limit.
        let limits = Limits::default();
        run.cgroup = Some(CgroupUsage { hit_memory_limit: true, peak_memory: limits.memory / 2, ..Default::default() });
        assert_eq!(failure(&run, &limits, &QUIET), Some(Verdict::TimeLimitExceeded));
    }

    #[test]
    fn a_run_killed_for_time_while_pinned_at_its_memory_limit_exceeded_memory() {
        let limits = Limits::default();
        let mut thrashing = raw(SIGNAL_9, 2500);
        thrashing.killed_for_time = true;
        thrashing.cgroup = Some(CgroupUsage { hit_memory_limit: true, peak_memory: limits.memory, ..Default::default() });
        assert_eq!(failure(&thrashing, &limits, &QUIET), Some(Verdict::MemoryLimitExceeded));
    }

    #[test]
    fn memory_from_the_oom_killer_or_a_reported_allocation_failure() {
        let mut killed = raw(SIGNAL_9, 100);
        killed.cgroup = Some(CgroupUsage { oom_killed: true, ..Default::default() });
        assert_eq!(failure(&killed, &Limits::default(), &QUIET), Some(Verdict::MemoryLimitExceeded));
        let reported = Written { stdout: 0, stderr: 40, stderr_head: b"Traceback ...\nMemoryError\n" };
        assert_eq!(failure(&raw(1 << 8, 100), &Limits::default(), &reported), Some(Verdict::MemoryLimitExceeded));
        // A clean exit that merely touched the limit is not a failure.
        let mut touched = raw(EXIT_0, 100);
        touched.cgroup = Some(CgroupUsage { hit_memory_limit: true, ..Default::default() });
        assert_eq!(failure(&touched, &Limits::default(), &QUIET), None);
    }

    #[test]
    fn output_then_runtime_errors() {
        let limits = Limits { output: 100, ..Limits::default() };
        let flood = Written { stdout: 101, stderr: 0, stderr_head: b"" };
        assert_eq!(failure(&raw(libc::SIGXFSZ, 100), &limits, &flood), Some(Verdict::OutputLimitExceeded));
        assert_eq!(
            failure(&raw(EXIT_3, 100), &limits, &QUIET),
            Some(Verdict::RuntimeError { exit_code: Some(3), signal: None })
        );
        assert_eq!(
            failure(&raw(libc::SIGSEGV, 100), &limits, &QUIET),
            Some(Verdict::RuntimeError { exit_code: None, signal: Some(libc::SIGSEGV) })
        );
    }
}
