//! The seccomp filter every run gets: a deny list of system calls a contest program never needs
//! and a sandbox escape would (namespaces, mounts, tracing, kernel modules, BPF, keyrings, ...).
//! Denied calls fail with EPERM rather than killing, so programs see an ordinary error.
//! A foreign architecture (e.g. the x32 ABI) is killed outright.
//!
//! The program is serialized as `struct sock_filter[]` for the zygote to install with
//! `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ...)` after it has dropped privileges.

const LOAD_WORD: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JUMP_EQUAL: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JUMP_GREATER_EQUAL: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JUMP_SET: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RETURN: u16 = 0x06; // BPF_RET | BPF_K

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;

const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0: u32 = 16;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u32;

#[rustfmt::skip]
const DENIED: &[libc::c_long] = &[
    libc::SYS_ptrace, libc::SYS_process_vm_readv, libc::SYS_process_vm_writev,
    libc::SYS_mount, libc::SYS_umount2, libc::SYS_pivot_root, libc::SYS_chroot,
    libc::SYS_unshare, libc::SYS_setns,
    libc::SYS_kexec_load, libc::SYS_kexec_file_load, libc::SYS_reboot,
    libc::SYS_init_module, libc::SYS_finit_module, libc::SYS_delete_module,
    libc::SYS_bpf, libc::SYS_perf_event_open, libc::SYS_userfaultfd,
    libc::SYS_keyctl, libc::SYS_add_key, libc::SYS_request_key,
    libc::SYS_swapon, libc::SYS_swapoff, libc::SYS_acct, libc::SYS_syslog, libc::SYS_quotactl,
    libc::SYS_io_uring_setup, libc::SYS_io_uring_enter, libc::SYS_io_uring_register,
    libc::SYS_open_by_handle_at, libc::SYS_name_to_handle_at, libc::SYS_fanotify_init,
    libc::SYS_settimeofday, libc::SYS_clock_settime, libc::SYS_adjtimex,
    libc::SYS_sethostname, libc::SYS_setdomainname, libc::SYS_vhangup,
    // A run keeps the worker's CPU: leaving it would take time from the neighbouring runs.
    libc::SYS_sched_setaffinity,
    #[cfg(target_arch = "x86_64")] libc::SYS_iopl,
    #[cfg(target_arch = "x86_64")] libc::SYS_ioperm,
];

fn instruction(code: u16, jump_true: u8, jump_false: u8, k: u32) -> [u8; 8] {
    let mut bytes = [0u8; 8];
    bytes[0..2].copy_from_slice(&code.to_ne_bytes());
    bytes[2] = jump_true;
    bytes[3] = jump_false;
    bytes[4..8].copy_from_slice(&k.to_ne_bytes());
    bytes
}

/// The filter as raw `struct sock_filter` bytes (8 per instruction).
pub fn filter_program() -> Vec<u8> {
    let deny = RET_ERRNO | libc::EPERM as u32;
    let mut program = vec![
        instruction(LOAD_WORD, 0, 0, OFFSET_ARCH),
        instruction(JUMP_EQUAL, 1, 0, AUDIT_ARCH),
        instruction(RETURN, 0, 0, RET_KILL_PROCESS),
        instruction(LOAD_WORD, 0, 0, OFFSET_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    program.extend([
        instruction(JUMP_GREATER_EQUAL, 0, 1, 0x4000_0000), // x32 system calls
        instruction(RETURN, 0, 0, RET_KILL_PROCESS),
    ]);
    for &call in DENIED {
        program.push(instruction(JUMP_EQUAL, 0, 1, call as u32));
        program.push(instruction(RETURN, 0, 0, deny));
    }
    // clone3 passes its flags in memory the filter cannot read: make glibc fall back to clone.
    program.push(instruction(JUMP_EQUAL, 0, 1, libc::SYS_clone3 as u32));
    program.push(instruction(RETURN, 0, 0, RET_ERRNO | libc::ENOSYS as u32));
    // clone may not create namespaces. This reloads the accumulator, so it comes last.
    program.push(instruction(JUMP_EQUAL, 0, 3, libc::SYS_clone as u32));
    program.push(instruction(LOAD_WORD, 0, 0, OFFSET_ARG0));
    program.push(instruction(JUMP_SET, 0, 1, NAMESPACE_FLAGS));
    program.push(instruction(RETURN, 0, 0, deny));
    program.push(instruction(RETURN, 0, 0, RET_ALLOW));
    program.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_is_well_formed() {
        let program = filter_program();
        assert_eq!(program.len() % 8, 0);
        let count = program.len() / 8;
        assert!(count < 4096, "BPF programs are limited to 4096 instructions");
        let last = &program[program.len() - 8..];
        assert_eq!(u32::from_ne_bytes(last[4..8].try_into().unwrap()), RET_ALLOW);
        // Every jump stays inside the program.
        for (index, insn) in program.chunks(8).enumerate() {
            let code = u16::from_ne_bytes([insn[0], insn[1]]);
            if code & 0x07 == 0x05 {
                assert!(index + 1 + (insn[2].max(insn[3]) as usize) < count, "jump at {index} leaves the program");
            }
        }
    }
}
