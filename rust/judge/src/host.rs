//! One sandbox per worker: the zygote process living in the sandbox's namespaces, the worker's
//! cgroups and unprivileged uid, and the request/response protocol with the zygote.

use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::cgroup::{CgroupUsage, SlotCgroups};
use crate::error::{internal, JudgeError};
use crate::limits::Limits;
use crate::mounts::Layout;
use crate::replies::LineReader;

const ZYGOTE_SOURCE: &str = include_str!("zygote.py");

/// What to run, in sandbox paths (under `/work` when sandboxed).
#[derive(Debug, Clone, Serialize)]
pub struct Program {
    /// An executable and its arguments; with `python` set, only the arguments (`sys.argv[1:]`).
    pub argv: Vec<String>,
    /// A Python source (with `compile_to`) or marshalled code object to run in the warm zygote.
    pub python: Option<String>,
    pub compile_to: Option<String>,
    pub cwd: String,
}

#[derive(Serialize)]
struct RunRequest<'a> {
    op: &'static str,
    #[serde(flatten)]
    program: &'a Program,
    stdin: Option<&'a str>,
    stdout: &'a str,
    stderr: &'a str,
    uid: u32,
    scratch: u64,
    rlimits: Vec<(&'static str, u64)>,
    /// A native namespace holder to fork the program into (else the zygote makes its own init).
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

pub struct HostConfig {
    pub interpreter: PathBuf,
    pub read_only: Vec<PathBuf>,
    pub job_dir: PathBuf,
    pub sandboxed: bool,
    pub cgroups: bool,
    pub seccomp: Option<Vec<u8>>,
}

pub struct SandboxHost {
    zygote: Child,
    control: ChildStdin,
    replies: LineReader,
    uid: u32,
    cgroups: Option<SlotCgroups>,
    job_dir: PathBuf,
    sandboxed: bool,
    /// The sandbox's namespaces and cgroup.procs files, for native runs of compiled programs.
    native: Option<Native>,
}

struct Native {
    namespaces: Vec<(File, libc::c_int)>,
    cgroup_procs: Vec<File>,
    seccomp: Vec<u8>,
}

/// The rlimits of a run: name (for the zygote), resource (for native runs), value.
fn rlimits(limits: &Limits, cgroups: bool) -> Vec<(&'static str, libc::c_int, u64)> {
    let address_space = if cgroups { limits.memory.saturating_mul(4) } else { limits.memory };
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

impl SandboxHost {
    pub fn start(config: &HostConfig, slot: usize, limits: &Limits) -> Result<Self, JudgeError> {
        let zygote_config = serde_json::json!({
            "sandboxed": config.sandboxed,
            "clone_nr": libc::SYS_clone,
            "seccomp": config.seccomp.as_ref().map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        });
        let mut command = Command::new(&config.interpreter);
        command
            .args(["-I", "-S", "-B", "-c", ZYGOTE_SOURCE, &zygote_config.to_string()])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(File::create(config.job_dir.join(format!("zygote-{slot}.log"))).map_err(|e| internal("zygote log", e))?);
        if config.sandboxed {
            let root = config.job_dir.join(format!(".root-{slot}"));
            std::fs::create_dir_all(&root).map_err(|e| internal("sandbox root", e))?;
            let layout = Arc::new(Layout::new(&root, &config.job_dir, &config.read_only)?);
            // SAFETY: `enter` only makes system calls on data prepared before the fork.
            unsafe { command.pre_exec(move || layout.enter()) };
        }
        let mut zygote = command
            .spawn()
            .map_err(|e| JudgeError::Sandbox(format!("cannot start the sandbox (namespaces and mounts): {e}")))?;
        let control = zygote.stdin.take().expect("piped stdin");
        let replies = LineReader::new(zygote.stdout.take().expect("piped stdout"));
        let cgroups = if config.cgroups {
            Some(SlotCgroups::create(&format!("{}-{slot}", std::process::id()), limits)?)
        } else {
            None
        };
        let uid = 60_000 + slot as u32; // one uid per worker: RLIMIT_NPROC counts per uid
        let native = match (&config.seccomp, &cgroups, config.sandboxed) {
            (Some(seccomp), Some(groups), true) => {
                let pid = zygote.id();
                let namespaces = [("mnt", libc::CLONE_NEWNS), ("net", libc::CLONE_NEWNET), ("ipc", libc::CLONE_NEWIPC), ("uts", libc::CLONE_NEWUTS)]
                    .iter()
                    .map(|(name, kind)| File::open(format!("/proc/{pid}/ns/{name}")).map(|f| (f, *kind)))
                    .collect::<std::io::Result<Vec<_>>>()
                    .map_err(|e| JudgeError::Sandbox(format!("cannot open the sandbox's namespaces: {e}")))?;
                Some(Native { namespaces, cgroup_procs: groups.procs_files()?, seccomp: seccomp.clone() })
            }
            _ => None,
        };
        let mut host = Self { zygote, control, replies, uid, cgroups, job_dir: config.job_dir.clone(), sandboxed: config.sandboxed, native };
        let ready = host.replies.line(Instant::now() + Duration::from_secs(30))?;
        if !ready.as_deref().is_some_and(|l| l.contains("ready")) {
            let log = std::fs::read_to_string(config.job_dir.join(format!("zygote-{slot}.log"))).unwrap_or_default();
            return Err(JudgeError::Sandbox(format!("the sandbox zygote did not start: {}", log.trim())));
        }
        Ok(host)
    }

    /// Runs `program` with `limits`; stdio are paths relative to the job directory. Returns a
    /// `Sandbox` error when any isolation step failed (then the program never ran). Compiled
    /// programs run natively when sandboxed; Python ones in the zygote's warm interpreter.
    pub fn run(&mut self, program: &Program, stdin: Option<&str>, stdout: &str, stderr: &str, limits: &Limits) -> Result<RawRun, JudgeError> {
        if self.native.is_some() && program.python.is_none() {
            return self.run_native(program, stdin, stdout, stderr, limits);
        }
        let path = |relative: &str| sandbox_path(self.sandboxed, &self.job_dir, relative);
        let (stdin, stdout, stderr) = (stdin.map(path), path(stdout), path(stderr));
        let rlimits = rlimits(limits, self.cgroups.is_some()).into_iter().map(|(name, _, value)| (name, value)).collect();
        // Held until the end of this function: dropping it ends the run's PID namespace.
        let holder = match &self.native {
            Some(native) => {
                let options = std::ffi::CString::new(format!("size={},mode=1777", limits.scratch)).expect("no NUL");
                Some(crate::spawn::NamespaceHolder::start(&native.namespaces, options)?)
            }
            None => None,
        };
        let join = holder.as_ref().map(|h| h.pid());
        let request = RunRequest { op: "run", program, stdin: stdin.as_deref(), stdout: &stdout, stderr: &stderr, uid: self.uid, scratch: limits.scratch, rlimits, join };
        self.send(&serde_json::to_value(&request).map_err(|e| internal("encoding a request", e))?)?;
        let started = self.expect(Instant::now() + Duration::from_secs(10))?;
        let pid = started.pid.ok_or_else(|| JudgeError::Sandbox(started.error.unwrap_or_else(|| "no pid from zygote".into())))?;
        let oom_before = match &self.cgroups {
            Some(groups) => match groups.admit(pid) {
                Ok(count) => count,
                Err(error) => {
                    self.send(&serde_json::json!({"op": "abort"}))?;
                    self.expect(Instant::now() + Duration::from_secs(10))?;
                    return Err(error);
                }
            },
            None => 0,
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
                        // SAFETY: kill(2) of the run's PID-namespace init; its whole namespace dies.
                        unsafe { libc::kill(pid, libc::SIGKILL) };
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
        let setup = finished.setup.clone().unwrap_or_default();
        if setup != "ok" && !(killed && setup.is_empty()) {
            return Err(JudgeError::Sandbox(format!("isolating the run failed: {}", if setup.is_empty() { "child died during set-up" } else { &setup })));
        }
        let status = finished.status.ok_or_else(|| internal("zygote reply", finished.error.clone().unwrap_or_default()))?;
        let reported = Duration::from_secs_f64(finished.utime.unwrap_or(0.0) + finished.stime.unwrap_or(0.0));
        let cpu_time = reported.max(observed_cpu);
        let cgroup = self.cgroups.as_ref().map(|groups| groups.usage(oom_before));
        let peak_memory = cgroup.map(|u| u.peak_memory).unwrap_or(finished.maxrss_kb.unwrap_or(0) * 1024);
        Ok(RawRun { wait_status: status, cpu_time, wall_time, peak_memory, killed_for_time: killed, cgroup })
    }

    fn run_native(&mut self, program: &Program, stdin: Option<&str>, stdout: &str, stderr: &str, limits: &Limits) -> Result<RawRun, JudgeError> {
        let native = self.native.as_ref().expect("checked by the caller");
        let groups = self.cgroups.as_ref().expect("native runs need cgroups");
        let io = |e: std::io::Error| internal("opening a run's stdio", e);
        let output = |relative: &str| {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(self.job_dir.join(relative)).map_err(io)
        };
        let stdin = match stdin {
            Some(relative) => File::open(self.job_dir.join(relative)).map_err(io)?,
            None => File::open("/dev/null").map_err(io)?,
        };
        let c_string = |text: &str| std::ffi::CString::new(text).map_err(|e| JudgeError::Config(format!("bad argument {text:?}: {e}")));
        let plan = crate::spawn::Plan {
            namespaces: &native.namespaces,
            cgroup_procs: &native.cgroup_procs,
            stdio: [stdin, output(stdout)?, output(stderr)?],
            argv: program.argv.iter().map(|a| c_string(a)).collect::<Result<_, _>>()?,
            env: vec![c_string("PATH=/usr/bin:/bin")?, c_string("LANG=C.UTF-8")?],
            rlimits: rlimits(limits, true).into_iter().map(|(_, resource, value)| (resource, value)).collect(),
            uid: self.uid,
            seccomp: &native.seccomp,
            tmp_options: c_string(&format!("size={},mode=1777", limits.scratch))?,
            cwd: c_string(&program.cwd)?,
            cpu_limit: limits.time,
            wall_limit: limits.wall_time(),
        };
        let oom_before = groups.reset()?;
        let began = Instant::now();
        let outcome = crate::spawn::run(&plan)?;
        let wall_time = began.elapsed();
        if outcome.stage != 0 {
            let step = crate::spawn::STAGES.get(outcome.stage as usize).copied().unwrap_or("unknown step");
            return Err(JudgeError::Sandbox(format!("isolating the run failed at {step}: {}", std::io::Error::from_raw_os_error(outcome.errno))));
        }
        let cgroup = groups.usage(oom_before);
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
}

impl Drop for SandboxHost {
    fn drop(&mut self) {
        let _ = self.control.write_all(b"{\"op\": \"exit\"}\n");
        let _ = self.zygote.kill();
        let _ = self.zygote.wait();
    }
}

const CPU_CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// CPU time so far of the run's init `pid` and of the processes it started (the program).
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

pub fn sandbox_path(sandboxed: bool, job_dir: &Path, relative: &str) -> String {
    if sandboxed {
        format!("{}/{relative}", crate::mounts::WORK_DIR)
    } else {
        job_dir.join(relative).to_string_lossy().into_owned()
    }
}
