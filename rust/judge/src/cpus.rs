//! CPU affinity of the pool's workers: which CPUs the judge may use, and the one-CPU set a
//! worker's zygote and runs are pinned to (see `pool.rs` for why).

/// The CPUs this process may run on (none when the kernel does not say).
pub fn allowed() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is an empty set, filled by the kernel.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize).filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) }).collect()
}

/// The set holding one CPU.
pub fn only(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: a zeroed cpu_set_t is an empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_may_use_at_least_one_cpu_and_a_set_holds_only_its_cpu() {
        let cpus = super::allowed();
        assert!(!cpus.is_empty());
        let set = super::only(cpus[0]);
        assert!(unsafe { libc::CPU_ISSET(cpus[0], &set) });
        assert_eq!(unsafe { libc::CPU_COUNT(&set) }, 1);
    }
}
