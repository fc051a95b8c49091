//! One warm sandbox: a box (uid + cgroups), the zygote living in the box's mount, network, IPC
//! and UTS namespaces, and the protocol with it. Pools keep workers across calls; each run gets a
//! fresh PID namespace, a private /tmp and its lease's directory at /work.
//!
//! With cgroups, compiled programs are spawned natively (`spawn.rs`, no interpreter involved).
//! Python solutions (and, without cgroups, compiled ones) are forked by the zygote, a warm
//! interpreter, straight into a native namespace holder. Both apply the same privilege drop,
//! given as one `Privileges` value, in the same order.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::boxes::{self, SandboxBox};
use crate::cgroup::{BoxCgroups, CgroupUsage};
use crate::error::{internal, JudgeError};
use crate::lease::{Lease, PoolDir};
use crate::limits::Limits;
use crate::mounts::{package_dir, Layout};
use crate::pidfd::PidFd;
use crate::replies::LineReader;
use crate::spawn::{stage_name, NamespaceHolder, Plan, RunIsolation};
use crate::spec::SandboxSpec;

const ZYGOTE_SOURCE: &str = include_str!("zygote.py");
// Sorted, as std::process::Command orders the zygote's: every language sees the same environ.
const ENVIRONMENT: [&str; 2] = ["LANG=C.UTF-8", "PATH=/usr/bin:/bin"];

/// The environment of a run: the fixed one, with a program's own pairs replacing or adding names.
fn environment(extra: &[String]) -> Vec<String> {
    let name = |pair: &str| pair.split_once('=').map_or(pair.len(), |(n, _)| n.len());
    let mut pairs: Vec<String> = ENVIRONMENT.iter().filter(|fixed| !extra.iter().any(|e| e[..name(e)] == fixed[..name(fixed)])).map(|p| p.to_string()).collect();
    pairs.extend(extra.iter().cloned());
    pairs.sort();
    pairs
}

/// What to run, in the paths a program sees.
#[derive(Debug, Clone, Serialize)]
pub struct Program {
    /// An executable and its arguments; with `python` set, only the arguments (`sys.argv[1:]`).
    pub argv: Vec<String>,
    /// A marshalled Python code object to run in the warm zygote.
    pub python: Option<String>,
    /// Python sources to byte-compile, each to its target, in one run of the zygote (which prints
    /// one JSON line per source: null, or the compile error).
    pub compile: Vec<(String, String)>,
    pub cwd: String,
    /// `NAME=value` pairs added to the fixed environment (e.g. Go's cache directory).
    pub env: Vec<String>,
    /// Address space a managed runtime reserves beyond its heap (see `language`); 0 for others.
    #[serde(skip)]
    pub runtime_reserve: u64,
}

impl Program {
    /// An executable run from the private /tmp, with nothing added to the environment.
    pub fn native(argv: Vec<String>) -> Self {
        Self { argv, python: None, compile: Vec::new(), cwd: "/tmp".into(), env: Vec::new(), runtime_reserve: 0 }
    }
}

/// One run: a program, its lease, its stdio as lease-relative paths, its limits.
pub struct RunRequest<'a> {
    pub program: &'a Program,
    pub lease: &'a Lease,
    pub stdin: Option<&'a str>,
    pub stdout: &'a str,
    pub stderr: &'a str,
    pub limits: &'a Limits,
}

/// What the sandbox measured of one run; the judge turns it into a verdict.
#[derive(Debug, Clone)]
pub struct RawRun {
    pub wait_status: i32,
    pub cpu_time: Duration,
    pub wall_time: Duration,
    pub peak_memory: u64,
    /// The judge killed the run at its CPU or wall-clock limit.
    pub killed_for_time: bool,
    pub cgroup: Option<CgroupUsage>,
}

/// The rlimits of a run: name (for the zygote), resource (for native runs), value.
fn rlimits(limits: &Limits, cgroups: bool, runtime_reserve: u64) -> Vec<(&'static str, libc::c_int, u64)> {
    let address_space = match (cgroups, runtime_reserve) {
        (true, 0) => limits.memory.saturating_mul(4),
        (true, _) => libc::RLIM_INFINITY, // the cgroup bounds a managed runtime's memory
        (false, reserve) => limits.memory.saturating_add(reserve),
    };
    vec![
        // The judge compares precise CPU time; whole-second RLIMIT_CPU is only the backstop.
        ("RLIMIT_CPU", libc::RLIMIT_CPU as libc::c_int, limits.time.as_secs() + 1),
        ("RLIMIT_AS", libc::RLIMIT_AS as libc::c_int, address_space.max(64 << 20)),
        ("RLIMIT_FSIZE", libc::RLIMIT_FSIZE as libc::c_int, limits.output + 1),
        ("RLIMIT_NOFILE", libc::RLIMIT_NOFILE as libc::c_int, u64::from(limits.open_files)),
        ("RLIMIT_NPROC", libc::RLIMIT_NPROC as libc::c_int, u64::from(limits.processes)),
        ("RLIMIT_CORE", libc::RLIMIT_CORE as libc::c_int, 0),
    ]
}

/// The privilege drop of every run, as the zygote applies it (the native path applies the same
/// fields in the same order: rlimits, groups, gid, uid, no_new_privs, seccomp).
#[derive(Serialize)]
struct Privileges {
    rlimits: Vec<(&'static str, u64)>,
    /// None when unsandboxed: the identity stays the caller's.
    uid: Option<u32>,
}

#[derive(Serialize)]
struct ZygoteRun<'a> {
    op: &'static str,
    #[serde(flatten)]
    program: &'a Program,
    stdin: Option<String>,
    stdout: String,
    stderr: String,
    privileges: Privileges,
    /// The run's namespace holder to fork into (sandboxed runs).
    join: Option<i32>,
}

#[derive(Deserialize)]
struct Reply {
    pid: Option<i32>,
    status: Option<i32>,
    utime: Option<f64>,
    stime: Option<f64>,
    maxrss_kb: Option<u64>,
    setup: Option<String>,
    error: Option<String>,
}

pub struct Worker {
    spec: Arc<SandboxSpec>,
    zygote: Child,
    control: ChildStdin,
    replies: LineReader,
    cgroups: Option<BoxCgroups>,
    /// The box's namespaces (mount, network, IPC, UTS), which every run joins.
    namespaces: Vec<(File, libc::c_int)>,
    log: PathBuf,
    /// A run failed in a way that leaves the worker's state unknown: the pool replaces it.
    pub broken: bool,
    owner: u32,
    /// The CPU the zygote and every run are pinned to.
    cpu: Option<usize>,
    // Dropped last: the uid stays ours until everything that ran under it is gone.
    sandbox_box: Option<SandboxBox>,
}

impl Worker {
    pub fn start(spec: &Arc<SandboxSpec>, pool: &PoolDir, cpu: Option<usize>) -> Result<Self, JudgeError> {
        let sandbox_box = if spec.sandboxed() { Some(boxes::acquire(spec.options.uids)?) } else { None };
        let tag = sandbox_box.as_ref().map_or_else(|| format!("p{}", std::process::id()), |b| b.uid.to_string());
        let packages: Vec<String> = if spec.sandboxed() {
            (0..spec.options.python_packages.len()).map(package_dir).collect()
        } else {
            spec.options.python_packages.iter().map(|p| p.display().to_string()).collect()
        };
        let zygote_config = serde_json::json!({
            "sandboxed": spec.sandboxed(),
            "uid": sandbox_box.as_ref().map(|b| b.uid),
            "seccomp": spec.seccomp.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "packages": packages,
        });
        let log = pool.path.join(format!("zygote-{tag}.log"));
        let mut command = Command::new(&spec.options.python);
        command
            .args(["-I", "-S", "-B", "-c", ZYGOTE_SOURCE, &zygote_config.to_string()])
            .env_clear()
            .envs(ENVIRONMENT.iter().map(|pair| pair.split_once('=').expect("NAME=value")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).map_err(|e| internal("zygote log", e))?);
        let layout = if spec.sandboxed() {
            let root = pool.path.join(format!("root-{tag}"));
            std::fs::create_dir(&root).map_err(|e| internal("sandbox root", e))?;
            let shown: Vec<PathBuf> = [spec.options.python_prefix.clone()].into_iter().chain(spec.options.toolchain_dirs.iter().cloned()).collect();
            Some(Arc::new(Layout::new(&root, &pool.path, &shown, &spec.options.python_packages)?))
        } else {
            None
        };
        let pinned = cpu.map(crate::cpus::only);
        // SAFETY: only system calls on data prepared before the fork.
        unsafe {
            command.pre_exec(move || {
                // The zygote's forks (Python runs, and compiled ones without cgroups) inherit it.
                if let Some(set) = &pinned {
                    if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                // Die with the keeper thread, that is with the judge's process.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                match &layout {
                    Some(layout) => layout.enter(),
                    None => Ok(()),
                }
            })
        };
        let mut zygote = crate::keeper::spawn(command).map_err(|e| JudgeError::Sandbox(format!("cannot start the sandbox (namespaces and mounts): {e}")))?;
        let control = zygote.stdin.take().expect("piped stdin");
        let replies = LineReader::new(zygote.stdout.take().expect("piped stdout"));
        let cgroups = match (&sandbox_box, spec.cgroups) {
            (Some(owned), true) => {
                crate::cgroup::sweep_abandoned();
                Some(BoxCgroups::create(owned.uid)?)
            }
            _ => None,
        };
        let namespaces = if spec.sandboxed() {
            let pid = zygote.id();
            [("mnt", libc::CLONE_NEWNS), ("net", libc::CLONE_NEWNET), ("ipc", libc::CLONE_NEWIPC), ("uts", libc::CLONE_NEWUTS)]
                .iter()
                .map(|(name, kind)| File::open(format!("/proc/{pid}/ns/{name}")).map(|f| (f, *kind)))
                .collect::<std::io::Result<Vec<_>>>()
                .map_err(|e| JudgeError::Sandbox(format!("cannot open the sandbox's namespaces: {e}")))?
        } else {
            Vec::new()
        };
        let mut worker = Self { spec: spec.clone(), zygote, control, replies, cgroups, namespaces, log, broken: false, owner: std::process::id(), cpu, sandbox_box };
        let ready = worker.replies.line(Instant::now() + Duration::from_secs(30))?;
        if !ready.as_deref().is_some_and(|l| l.contains("ready")) {
            let log = std::fs::read_to_string(&worker.log).unwrap_or_default();
            return Err(JudgeError::Sandbox(format!("the sandbox zygote did not start: {}", log.trim())));
        }
        Ok(worker)
    }

    /// The CPU this worker's runs are pinned to.
    pub fn cpu(&self) -> Option<usize> {
        self.cpu
    }

    /// The box's uid (None when unsandboxed).
    pub fn uid(&self) -> Option<u32> {
        self.sandbox_box.as_ref().map(|b| b.uid)
    }

    /// Runs one program. Returns an error when any isolation or bookkeeping step failed (then the
    /// program never ran, or its outcome is unknown); the worker is then marked broken.
    pub fn run(&mut self, request: &RunRequest<'_>) -> Result<RawRun, JudgeError> {
        // Native spawns share the judge's address space until exec, so the kernel's peak RSS of
        // the program counts the judge's; only cgroups measure a native run's memory truly.
        let native = request.program.python.is_none() && request.program.compile.is_empty() && self.cgroups.is_some();
        let outcome = if native { self.run_native(request) } else { self.run_zygote(request) };
        if outcome.is_err() {
            self.broken = true;
        }
        outcome
    }

    fn tmp_options(limits: &Limits) -> CString {
        CString::new(format!("size={},mode=1777", limits.scratch)).expect("no NUL")
    }

    fn run_zygote(&mut self, request: &RunRequest<'_>) -> Result<RawRun, JudgeError> {
        let (lease, limits) = (request.lease, request.limits);
        // Held until the end of this function: dropping it ends the run's PID namespace.
        let holder = if self.spec.sandboxed() {
            let source = CString::new(lease.source_in_sandbox()).expect("no NUL");
            Some(NamespaceHolder::start(&self.namespaces, Self::tmp_options(limits), source)?)
        } else {
            None
        };
        let oom_before = match self.cgroups.as_mut() {
            Some(groups) => groups.prepare(limits)?,
            None => 0,
        };
        let message = ZygoteRun {
            op: "run",
            program: request.program,
            stdin: request.stdin.map(|path| lease.zygote_path(path)),
            stdout: lease.zygote_path(request.stdout),
            stderr: lease.zygote_path(request.stderr),
            privileges: Privileges {
                rlimits: rlimits(limits, self.cgroups.is_some(), request.program.runtime_reserve).into_iter().map(|(name, _, value)| (name, value)).collect(),
                uid: self.uid(),
            },
            join: holder.as_ref().map(NamespaceHolder::pid),
        };
        self.send(&serde_json::to_value(&message).map_err(|e| internal("encoding a request", e))?)?;
        let started = self.expect(Instant::now() + Duration::from_secs(10))?;
        let pid = started.pid.ok_or_else(|| JudgeError::Sandbox(started.error.unwrap_or_else(|| "no pid from zygote".into())))?;
        // The child waits for "go" and is not reaped before it has run: its pid is still its own.
        let pinned = PidFd::open(pid).map_err(|e| internal("pinning a run's process", e));
        let admitted = pinned.and_then(|pinned| self.cgroups.as_ref().map_or(Ok(()), |groups| groups.admit(pid)).map(|()| pinned));
        let pinned = match admitted {
            Ok(pinned) => pinned,
            Err(error) => {
                self.send(&serde_json::json!({"op": "abort"}))?;
                self.expect(Instant::now() + Duration::from_secs(10))?;
                return Err(error);
            }
        };
        let began = Instant::now();
        self.send(&serde_json::json!({"op": "go"}))?;
        let wall_deadline = began + limits.wall_time();
        let mut killed = false;
        let mut observed_cpu = Duration::ZERO;
        let finished = loop {
            // Wake up every few milliseconds to stop a CPU-bound run at its limit: RLIMIT_CPU only
            // counts whole seconds, which would let a 1 s limit burn 2 s.
            let wake = wall_deadline.min(Instant::now() + CPU_CHECK_INTERVAL);
            match self.replies.line(wake)? {
                Some(line) => break serde_json::from_str::<Reply>(&line).map_err(|e| internal("zygote reply", e))?,
                None if !killed => {
                    observed_cpu = cpu_time_of(pid).unwrap_or(observed_cpu);
                    if Instant::now() >= wall_deadline || observed_cpu > limits.time {
                        pinned.kill().map_err(|e| internal("killing a run at its time limit", e))?;
                        killed = true;
                    }
                }
                None => {
                    if let Some(line) = self.replies.line(Instant::now() + Duration::from_secs(10))? {
                        break serde_json::from_str::<Reply>(&line).map_err(|e| internal("zygote reply", e))?;
                    }
                    return Err(JudgeError::Internal("the zygote did not report a killed run".into()));
                }
            }
        };
        let wall_time = began.elapsed();
        drop(holder); // ends the run's namespace: nothing it started outlives the run
        let setup = finished.setup.clone().unwrap_or_default();
        if setup != "ok" && !(killed && setup.is_empty()) {
            return Err(JudgeError::Sandbox(format!("isolating the run failed: {}", if setup.is_empty() { "child died during set-up" } else { &setup })));
        }
        let status = finished.status.ok_or_else(|| internal("zygote reply", finished.error.clone().unwrap_or_default()))?;
        let reported = Duration::from_secs_f64(finished.utime.unwrap_or(0.0) + finished.stime.unwrap_or(0.0));
        let cgroup = match &self.cgroups {
            Some(groups) => Some(groups.usage(oom_before)?),
            None => None,
        };
        let peak_memory = cgroup.map(|u| u.peak_memory).unwrap_or(finished.maxrss_kb.unwrap_or(0) * 1024);
        Ok(RawRun { wait_status: status, cpu_time: reported.max(observed_cpu), wall_time, peak_memory, killed_for_time: killed, cgroup })
    }

    fn run_native(&mut self, request: &RunRequest<'_>) -> Result<RawRun, JudgeError> {
        let (lease, limits) = (request.lease, request.limits);
        let stdin = match request.stdin {
            Some(relative) => lease.open_input(relative)?,
            None => File::open("/dev/null").map_err(|e| internal("opening /dev/null", e))?,
        };
        let c_string = |text: &str| CString::new(text).map_err(|e| JudgeError::Config(format!("bad argument {text:?}: {e}")));
        let oom_before = self.cgroups.as_mut().expect("native runs have cgroups").prepare(limits)?;
        let cgroup_procs = self.cgroups.as_ref().expect("native runs have cgroups").procs_files();
        let isolation = RunIsolation {
            namespaces: &self.namespaces,
            cgroup_procs,
            uid: self.uid().expect("cgroups exist in sandboxed workers only"),
            seccomp: &self.spec.seccomp,
            tmp_options: Self::tmp_options(limits),
            lease: c_string(&lease.source_in_sandbox())?,
            cpu: self.cpu.map(crate::cpus::only),
        };
        let plan = Plan {
            isolation,
            stdio: [stdin, lease.create_output(request.stdout)?, lease.create_output(request.stderr)?],
            argv: request.program.argv.iter().map(|a| c_string(a)).collect::<Result<_, _>>()?,
            env: environment(&request.program.env).iter().map(|pair| c_string(pair)).collect::<Result<_, _>>()?,
            rlimits: rlimits(limits, self.cgroups.is_some(), request.program.runtime_reserve).into_iter().map(|(_, resource, value)| (resource, value)).collect(),
            cwd: c_string(&request.program.cwd)?,
            cpu_limit: limits.time,
            wall_limit: limits.wall_time(),
        };
        let began = Instant::now();
        let outcome = crate::spawn::run(&plan)?;
        let wall_time = began.elapsed();
        if outcome.stage != 0 {
            return Err(JudgeError::Sandbox(format!(
                "isolating the run failed at {}: {}",
                stage_name(outcome.stage),
                std::io::Error::from_raw_os_error(outcome.errno)
            )));
        }
        let cgroup = self.cgroups.as_ref().expect("native runs have cgroups").usage(oom_before)?;
        Ok(RawRun {
            wait_status: outcome.status,
            cpu_time: Duration::from_micros(outcome.cpu_micros.max(0) as u64),
            wall_time,
            peak_memory: cgroup.peak_memory,
            killed_for_time: outcome.killed_for_time != 0,
            cgroup: Some(cgroup),
        })
    }

    fn send(&mut self, message: &serde_json::Value) -> Result<(), JudgeError> {
        let mut line = message.to_string();
        line.push('\n');
        self.control.write_all(line.as_bytes()).map_err(|e| JudgeError::Sandbox(format!("the sandbox zygote died: {e}")))
    }

    fn expect(&mut self, deadline: Instant) -> Result<Reply, JudgeError> {
        let line = self.replies.line(deadline)?.ok_or_else(|| JudgeError::Internal("the sandbox zygote stopped answering".into()))?;
        serde_json::from_str(&line).map_err(|e| internal("zygote reply", e))
    }

    /// The zygote's pid (for tests that kill it to show the pool replaces the worker).
    pub fn zygote_pid(&self) -> u32 {
        self.zygote.id()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if std::process::id() != self.owner {
            return; // a forked copy: the zygote is the owner's child, not ours
        }
        let _ = self.control.write_all(b"{\"op\": \"exit\"}\n");
        let _ = self.zygote.kill();
        let _ = self.zygote.wait();
    }
}

const CPU_CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// CPU time so far of the run's process `pid` and of the processes it started.
fn cpu_time_of(pid: i32) -> Option<Duration> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let mut total = process_cpu_time(pid)?;
    for child in children.split_whitespace().filter_map(|c| c.parse::<i32>().ok()) {
        total += process_cpu_time(child).unwrap_or_default();
    }
    Some(total)
}

/// CPU time (user + system) of one process so far, from /proc/<pid>/stat.
fn process_cpu_time(pid: i32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split(' ').skip(11); // utime and stime are fields 14 and 15
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis(ticks * 1000 / per_second))
}
