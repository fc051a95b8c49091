//! Native runs of compiled programs, without forking any interpreter.
//!
//! The worker thread clones the run's init straight into a new PID namespace, sharing memory
//! (`CLONE_VM | CLONE_VFORK`: no page tables are copied and the thread waits until the init is
//! done). The init joins the sandbox's mount, network, IPC and UTS namespaces through the zygote's
//! `/proc/<pid>/ns/*` handles, mounts a private /tmp, moves itself into the worker's cgroups, and
//! vfork-clones the program, which takes its limits, uid, no_new_privs and seccomp filter and
//! execs. The init enforces the CPU and wall-clock limits (pidfd + the program's CPU clock), reaps
//! the program and writes the outcome into memory the worker reads after the init exits.
//!
//! Everything after `clone` runs in processes that share this address space with a multi-threaded
//! parent: only system calls on data prepared beforehand, no allocation, no locks, no panics.

use std::ffi::{c_int, c_void, CString};
use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use crate::error::{internal, JudgeError};

const STACK_BYTES: usize = 256 * 1024;

/// A system call that failed in the init or before the program's exec (`stage` names it).
#[derive(Debug, Default, Clone, Copy)]
#[repr(C)]
pub struct Outcome {
    pub stage: i32,
    pub errno: i32,
    pub status: i32,
    pub cpu_micros: i64,
    pub killed_for_time: i32,
}

pub const STAGES: &[&str] = &[
    "none", "join namespaces", "unshare mount namespace", "mount private /tmp", "enter cgroups",
    "clone program", "chdir", "set rlimits", "drop groups", "set gid", "set uid", "set no_new_privs",
    "install seccomp filter", "reset signals", "redirect stdio", "watch program", "bind the lease at /work",
    "set the parent-death signal", "close inherited descriptors", "pin to the worker's CPU",
];
const STAGE_BIND_LEASE: i32 = 16;
const STAGE_DEATH_SIGNAL: i32 = 17;
const STAGE_CLOSE_RANGE: i32 = 18;
const STAGE_PIN_CPU: i32 = 19;

/// The name of a failed set-up stage, for the fault message.
pub fn stage_name(stage: i32) -> &'static str {
    STAGES.get(stage as usize).copied().unwrap_or("unknown step")
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const u8,
}

/// What isolates a run.
pub struct RunIsolation<'a> {
    pub namespaces: &'a [(File, c_int)],
    /// `cgroup.procs` of the box's groups (empty without cgroups).
    pub cgroup_procs: &'a [File],
    pub uid: u32,
    pub seccomp: &'a [u8],
    pub tmp_options: CString,
    /// The lease directory, as the worker's namespaces show it, to bind at `/work`.
    pub lease: CString,
    /// The worker's CPU, which the run and everything it starts share.
    pub cpu: Option<libc::cpu_set_t>,
}

/// Everything the init and the program need, prepared before `clone`.
pub struct Plan<'a> {
    pub isolation: RunIsolation<'a>,
    pub stdio: [File; 3],
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
    pub rlimits: Vec<(c_int, u64)>,
    pub cwd: CString,
    pub cpu_limit: Duration,
    pub wall_limit: Duration,
}

struct Context<'a> {
    plan: &'a Plan<'a>,
    argv: Vec<*const libc::c_char>,
    env: Vec<*const libc::c_char>,
    fprog: SockFprog,
    namespaces: Vec<(RawFd, c_int)>,
    program_stack: Vec<u8>,
    outcome: Outcome,
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn stack_top(stack: &mut [u8]) -> *mut c_void {
    let top = stack.as_mut_ptr() as usize + stack.len();
    (top & !15) as *mut c_void
}

/// In a freshly cloned run init (or namespace holder), before anything else: die with the
/// thread that cloned us, join the worker's namespaces, then make the run's own mount namespace
/// with a private /tmp and the lease at /work. Only system calls on prepared data. Returns the
/// failed stage.
unsafe fn enter_run(namespaces: &[(RawFd, c_int)], tmp_options: &CString, lease: &CString) -> Result<(), i32> {
    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
        return Err(STAGE_DEATH_SIGNAL);
    }
    for &(fd, kind) in namespaces {
        if libc::setns(fd, kind) != 0 {
            return Err(1);
        }
    }
    if libc::unshare(libc::CLONE_NEWNS) != 0 {
        return Err(2);
    }
    let tmpfs = c"tmpfs".as_ptr();
    if libc::mount(tmpfs, c"/tmp".as_ptr(), tmpfs, libc::MS_NOSUID | libc::MS_NODEV, tmp_options.as_ptr().cast()) != 0 {
        return Err(3);
    }
    if libc::mount(lease.as_ptr(), c"/work".as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null()) != 0 {
        return Err(STAGE_BIND_LEASE);
    }
    Ok(())
}

/// Runs `plan` and returns the outcome (the worker thread waits for the whole run).
pub fn run(plan: &Plan<'_>) -> Result<Outcome, JudgeError> {
    let pointers = |strings: &[CString]| strings.iter().map(|s| s.as_ptr()).chain([std::ptr::null()]).collect::<Vec<_>>();
    let seccomp = plan.isolation.seccomp;
    let mut context = Context {
        plan,
        argv: pointers(&plan.argv),
        env: pointers(&plan.env),
        fprog: SockFprog { len: (seccomp.len() / 8) as u16, filter: seccomp.as_ptr() },
        namespaces: plan.isolation.namespaces.iter().map(|(f, k)| (f.as_raw_fd(), *k)).collect(),
        program_stack: vec![0u8; STACK_BYTES],
        outcome: Outcome::default(),
    };
    let mut init_stack = vec![0u8; STACK_BYTES];
    let flags = libc::CLONE_NEWPID | libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD;
    // SAFETY: `init` only makes system calls on `context`, which outlives it (CLONE_VFORK makes this
    // thread wait until the init has exited); the stack is ours and unused by anything else.
    let pid = unsafe { libc::clone(init, stack_top(&mut init_stack), flags, (&mut context as *mut Context).cast()) };
    if pid < 0 {
        return Err(JudgeError::Sandbox(format!("cannot clone a run into a new PID namespace: {}", std::io::Error::last_os_error())));
    }
    let mut status = 0;
    // SAFETY: reaping our own child.
    if unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        return Err(internal("reaping a run's init", std::io::Error::last_os_error()));
    }
    Ok(context.outcome)
}

macro_rules! fail {
    ($outcome:expr, $stage:expr, $code:expr) => {{
        $outcome.stage = $stage;
        $outcome.errno = errno();
        return $code;
    }};
}

extern "C" fn init(argument: *mut c_void) -> c_int {
    // SAFETY: `run` passes a live `Context` and waits for this process to exit.
    let context = unsafe { &mut *(argument as *mut Context) };
    let plan = context.plan;
    unsafe {
        let isolation = &plan.isolation;
        if let Err(stage) = enter_run(&context.namespaces, &isolation.tmp_options, &isolation.lease) {
            fail!(context.outcome, stage, 120);
        }
        if let Some(cpu) = &isolation.cpu {
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), cpu) != 0 {
                fail!(context.outcome, STAGE_PIN_CPU, 120);
            }
        }
        for procs in isolation.cgroup_procs {
            if libc::write(procs.as_raw_fd(), b"0".as_ptr().cast(), 1) != 1 {
                fail!(context.outcome, 4, 120);
            }
        }
        let program_top = stack_top(&mut context.program_stack);
        let pid = libc::clone(program, program_top, libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD, argument);
        if pid < 0 {
            fail!(context.outcome, 5, 120);
        }
        if context.outcome.stage != 0 {
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
            return 120; // the program failed before exec; its stage and errno are recorded
        }
        watch(context, pid)
    }
}

/// Waits for the program, killing it at the CPU or wall-clock limit; records status and usage.
unsafe fn watch(context: &mut Context, pid: libc::pid_t) -> c_int {
    let plan = context.plan;
    let mut clock: libc::clockid_t = 0;
    let has_clock = libc::clock_getcpuclockid(pid, &mut clock) == 0;
    let pidfd = libc::syscall(libc::SYS_pidfd_open, pid, 0) as RawFd;
    if pidfd < 0 {
        libc::kill(pid, libc::SIGKILL);
        fail!(context.outcome, 15, 120);
    }
    let mut started = std::mem::zeroed::<libc::timespec>();
    libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut started);
    let elapsed = |since: &libc::timespec| {
        let mut now = std::mem::zeroed::<libc::timespec>();
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
        Duration::new((now.tv_sec - since.tv_sec) as u64, 0) + Duration::from_nanos(now.tv_nsec as u64) - Duration::from_nanos(since.tv_nsec as u64)
    };
    loop {
        let mut poll = libc::pollfd { fd: pidfd, events: libc::POLLIN, revents: 0 };
        if libc::poll(&mut poll, 1, 20) > 0 {
            break;
        }
        let mut cpu = std::mem::zeroed::<libc::timespec>();
        let cpu_used = if has_clock && libc::clock_gettime(clock, &mut cpu) == 0 {
            Duration::new(cpu.tv_sec as u64, cpu.tv_nsec as u32)
        } else {
            Duration::ZERO
        };
        if cpu_used > plan.cpu_limit || elapsed(&started) > plan.wall_limit {
            // Through the pidfd: the program is our unreaped child, but say which process we mean.
            libc::syscall(libc::SYS_pidfd_send_signal, pidfd, libc::SIGKILL, std::ptr::null::<u8>(), 0);
            context.outcome.killed_for_time = 1;
            break;
        }
    }
    let mut status = 0;
    let mut usage = std::mem::zeroed::<libc::rusage>();
    libc::wait4(pid, &mut status, 0, &mut usage);
    libc::close(pidfd);
    let micros = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    context.outcome.status = status;
    context.outcome.cpu_micros = micros(usage.ru_utime) + micros(usage.ru_stime);
    0
}

extern "C" fn program(argument: *mut c_void) -> c_int {
    // SAFETY: as for `init`; this process shares memory with the init, which waits (CLONE_VFORK).
    let context = unsafe { &mut *(argument as *mut Context) };
    let plan = context.plan;
    unsafe {
        if libc::chdir(plan.cwd.as_ptr()) != 0 {
            fail!(context.outcome, 6, 120);
        }
        for &(resource, value) in &plan.rlimits {
            let limit = libc::rlimit { rlim_cur: value, rlim_max: value };
            if libc::setrlimit(resource as _, &limit) != 0 {
                fail!(context.outcome, 7, 120);
            }
        }
        let uid = plan.isolation.uid;
        if libc::setgroups(0, std::ptr::null()) != 0 {
            fail!(context.outcome, 8, 120);
        }
        if libc::setresgid(uid, uid, uid) != 0 {
            fail!(context.outcome, 9, 120);
        }
        if libc::setresuid(uid, uid, uid) != 0 {
            fail!(context.outcome, 10, 120);
        }
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            fail!(context.outcome, 11, 120);
        }
        if libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &context.fprog as *const SockFprog, 0, 0) != 0 {
            fail!(context.outcome, 12, 120);
        }
        // The parent is a Python process, which ignores these; ignored signals survive exec.
        for signal in [libc::SIGPIPE, libc::SIGXFSZ] {
            if libc::signal(signal, libc::SIG_DFL) == libc::SIG_ERR {
                fail!(context.outcome, 13, 120);
            }
        }
        for (target, file) in plan.stdio.iter().enumerate() {
            if libc::dup2(file.as_raw_fd(), target as c_int) < 0 {
                fail!(context.outcome, 14, 120);
            }
        }
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            fail!(context.outcome, STAGE_CLOSE_RANGE, 120);
        }
        libc::execve(context.argv[0], context.argv.as_ptr(), context.env.as_ptr());
        // exec failed: a program problem (like a shell's 127), not a sandbox one.
        libc::_exit(127)
    }
}

/// Holds a fresh PID namespace (as its init, PID 1) and a mount namespace with a private /tmp,
/// for a program the zygote forks into them: Python solutions must come from the warm
/// interpreter, but need not pay for a second interpreter fork to get an init. Killing the
/// holder (on drop) ends the namespace and everything the program left in it.
pub struct NamespaceHolder {
    pid: libc::pid_t,
    _stack: Vec<u8>,
    _context: Box<HolderContext>,
}

struct HolderContext {
    namespaces: Vec<(RawFd, c_int)>,
    tmp_options: CString,
    lease: CString,
    ready: RawFd,
    stage: i32,
    errno: i32,
}

impl NamespaceHolder {
    pub fn start(namespaces: &[(File, c_int)], tmp_options: CString, lease: CString) -> Result<Self, JudgeError> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe2 fills two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(internal("pipe", std::io::Error::last_os_error()));
        }
        let (ready_read, ready_write) = (fds[0], fds[1]);
        let mut context = Box::new(HolderContext {
            namespaces: namespaces.iter().map(|(file, kind)| (file.as_raw_fd(), *kind)).collect(),
            tmp_options,
            lease,
            ready: ready_write,
            stage: 0,
            errno: 0,
        });
        let mut stack = vec![0u8; 64 * 1024];
        let flags = libc::CLONE_NEWPID | libc::CLONE_VM | libc::SIGCHLD;
        // SAFETY: the holder only makes system calls on `context` and its own stack, both owned by
        // the returned value, whose drop kills and reaps the holder before freeing them.
        let pid = unsafe { libc::clone(holder, stack_top(&mut stack), flags, (&mut *context as *mut HolderContext).cast()) };
        unsafe { libc::close(ready_write) };
        if pid < 0 {
            unsafe { libc::close(ready_read) };
            return Err(JudgeError::Sandbox(format!("cannot clone a run into a new PID namespace: {}", std::io::Error::last_os_error())));
        }
        let holder = Self { pid, _stack: stack, _context: context };
        let mut byte = 0u8;
        // SAFETY: reading one byte into a local.
        let got = unsafe { libc::read(ready_read, (&mut byte as *mut u8).cast(), 1) };
        unsafe { libc::close(ready_read) };
        if got != 1 {
            let (stage, errno) = (holder._context.stage, holder._context.errno);
            return Err(JudgeError::Sandbox(format!("isolating the run failed at {}: {}", stage_name(stage), std::io::Error::from_raw_os_error(errno))));
        }
        Ok(holder)
    }

    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }
}

impl Drop for NamespaceHolder {
    fn drop(&mut self) {
        let mut status = 0;
        // SAFETY: kill and reap our own child before its stack and context are freed.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, &mut status, 0);
        }
    }
}

extern "C" fn holder(argument: *mut c_void) -> c_int {
    // SAFETY: `NamespaceHolder::start` passes a live context that outlives this process.
    let context = unsafe { &mut *(argument as *mut HolderContext) };
    unsafe {
        if let Err(stage) = enter_run(&context.namespaces, &context.tmp_options, &context.lease) {
            fail!(context, stage, 120);
        }
        if libc::write(context.ready, b"1".as_ptr().cast(), 1) != 1 {
            fail!(context, 15, 120);
        }
        loop {
            libc::pause();
        }
    }
}
