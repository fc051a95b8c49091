//! N solutions x M tests: compile each solution once, run every (solution, test) cell on a pool of
//! sandboxed workers, classify, compare with expected outputs when given, and vote.

use std::fs;
use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::classify::{failure, Written};
use crate::compare::Comparator;
use crate::error::{internal, JudgeError};
use crate::host::{sandbox_path, HostConfig, Program, SandboxHost};
use crate::language::Language;
use crate::limits::Limits;
use crate::verdict::Verdict;
use crate::vote::{difficulty, majority_vote, Difficulty, Vote};
use crate::{cgroup, seccomp};

pub struct Solution {
    pub language: Language,
    pub source: String,
}

pub struct TestCase {
    pub input: Vec<u8>,
    pub expected: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Namespaces, read-only view, unprivileged uid, rlimits, seccomp, cgroups where available.
    /// Fails with `JudgeError::Sandbox` naming any required feature that is missing.
    Sandboxed,
    /// rlimits and timeouts only: the programs can read and write as the caller. For trusted code.
    DangerouslyUnsandboxed,
}

pub struct JudgeConfig {
    pub limits: Limits,
    pub comparator: Comparator,
    pub workers: usize,
    pub isolation: Isolation,
    /// The Python interpreter that runs Python solutions (and the zygote), and its installation
    /// prefix, which the sandbox exposes read-only.
    pub python: PathBuf,
    pub python_prefix: PathBuf,
    /// Where job directories are created (must be traversable by unprivileged users).
    pub scratch_dir: PathBuf,
    /// Bytes of stdout and stderr kept in each report (voting uses the whole output).
    pub report_bytes: usize,
    /// A testlib-style checker deciding Accepted/WrongAnswer instead of `comparator`: it runs
    /// sandboxed as `checker INPUT OUTPUT ANSWER`; exit 0 accepts, 1 or 2 reject, anything else
    /// is a checker failure (a judge fault). Votes still group outputs with `comparator`.
    pub checker: Option<Solution>,
    /// Use cgroup v1 limits when available (else memory is bounded by RLIMIT_AS alone).
    pub use_cgroups: bool,
}

/// One execution: a verdict or a judge fault, with what was measured.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub outcome: Result<Verdict, JudgeError>,
    pub cpu_time: Duration,
    pub wall_time: Duration,
    pub peak_memory: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

pub struct JudgeReport {
    pub compiles: Vec<RunReport>,
    /// `runs[solution][test]`.
    pub runs: Vec<Vec<RunReport>>,
    pub votes: Vec<Vote>,
    /// Per test, the complete output of the majority cluster's leader (the voted answer).
    pub majority_outputs: Vec<Option<Vec<u8>>>,
    pub difficulty: Difficulty,
    /// Per solution, the share of tests Accepted, when every test has an expected output.
    pub pass_rates: Option<Vec<f64>>,
    /// What isolation was in force, e.g. "cgroups: unavailable (...)".
    pub isolation_notes: Vec<String>,
}

struct Job {
    dir: PathBuf,
    sandboxed: bool,
}

impl Job {
    fn path(&self, relative: &str) -> String {
        sandbox_path(self.sandboxed, &self.dir, relative)
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn create_job(config: &JudgeConfig, solutions: &[Solution], tests: &[TestCase]) -> Result<Job, JudgeError> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!("pysynth-judge-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let dir = config.scratch_dir.join(name);
    let job = Job { dir, sandboxed: config.isolation == Isolation::Sandboxed };
    let io = |e: std::io::Error| internal("preparing the job directory", e);
    fs::create_dir_all(job.dir.join("tests")).map_err(io)?;
    fs::set_permissions(&job.dir, fs::Permissions::from_mode(0o711)).map_err(io)?;
    fs::set_permissions(job.dir.join("tests"), fs::Permissions::from_mode(0o700)).map_err(io)?;
    for (index, solution) in solutions.iter().chain(&config.checker).enumerate() {
        let dir = job.dir.join(format!("sol-{index}"));
        fs::create_dir_all(&dir).map_err(io)?;
        fs::write(dir.join(solution.language.source_name()), &solution.source).map_err(io)?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).map_err(io)?;
    }
    for (index, test) in tests.iter().enumerate() {
        fs::write(job.dir.join(format!("tests/{index}.in")), &test.input).map_err(io)?;
    }
    for slot in 0..config.workers {
        let dir = job.dir.join(format!("slot-{slot}"));
        fs::create_dir_all(dir.join("check")).map_err(io)?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o711)).map_err(io)?;
        fs::set_permissions(dir.join("check"), fs::Permissions::from_mode(0o755)).map_err(io)?;
    }
    Ok(job)
}

fn host_config(config: &JudgeConfig, job: &Job) -> Result<(HostConfig, Vec<String>), JudgeError> {
    let mut notes = Vec::new();
    let sandboxed = job.sandboxed;
    if sandboxed && unsafe { libc::geteuid() } != 0 {
        return Err(JudgeError::Sandbox(
            "the sandbox needs root (it creates namespaces, mounts and switches to per-worker uids); \
             run as root or pass the dangerously-unsandboxed option for trusted code"
                .into(),
        ));
    }
    if sandboxed && !Path::new("/proc/self/ns/pid").exists() {
        return Err(JudgeError::Sandbox("this kernel has no PID namespaces".into()));
    }
    if sandboxed && !config.use_cgroups {
        notes.push("cgroups: disabled by configuration; memory limited by RLIMIT_AS, processes by RLIMIT_NPROC".into());
    }
    let cgroups = sandboxed && config.use_cgroups && {
        match cgroup::unavailable_reason() {
            None => true,
            Some(reason) => {
                notes.push(format!("cgroups: unavailable ({reason}); memory limited by RLIMIT_AS, processes by RLIMIT_NPROC"));
                false
            }
        }
    };
    if !sandboxed {
        notes.push("UNSANDBOXED: programs ran with the caller's privileges, network and files".into());
    }
    let seccomp = sandboxed.then(seccomp::filter_program);
    let host = HostConfig {
        interpreter: config.python.clone(),
        read_only: vec![config.python_prefix.clone()],
        job_dir: job.dir.clone(),
        sandboxed,
        cgroups,
        seccomp,
    };
    Ok((host, notes))
}

fn empty_report(outcome: Result<Verdict, JudgeError>) -> RunReport {
    RunReport { outcome, cpu_time: Duration::ZERO, wall_time: Duration::ZERO, peak_memory: 0, stdout: Vec::new(), stderr: Vec::new() }
}

fn read_capped(path: &Path, cap: u64) -> (Vec<u8>, u64) {
    use std::io::Read;
    let length = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::new();
    if let Ok(file) = fs::File::open(path) {
        let _ = file.take(cap).read_to_end(&mut bytes);
    }
    (bytes, length)
}

/// A run's report and its whole stdout (voting compares whole outputs; reports keep a prefix).
type CellResult = (RunReport, Vec<u8>);

/// Runs `program` on one worker and classifies it; returns the report and the whole stdout.
fn execute(host: &mut SandboxHost, job: &Job, slot: usize, program: &Program, stdin: Option<&str>, limits: &Limits, report_bytes: usize) -> CellResult {
    let (out, err) = (format!("slot-{slot}/out"), format!("slot-{slot}/err"));
    let raw = match host.run(program, stdin, &out, &err, limits) {
        Ok(raw) => raw,
        Err(fault) => return (empty_report(Err(fault)), Vec::new()),
    };
    let (stdout, stdout_len) = read_capped(&job.dir.join(&out), limits.output);
    let (stderr, stderr_len) = read_capped(&job.dir.join(&err), report_bytes as u64);
    let written = Written { stdout: stdout_len, stderr: stderr_len, stderr_head: &stderr };
    let outcome = Ok(failure(&raw, limits, &written).unwrap_or(Verdict::Finished));
    let head = stdout[..stdout.len().min(report_bytes)].to_vec();
    let report = RunReport { outcome, cpu_time: raw.cpu_time, wall_time: raw.wall_time, peak_memory: raw.peak_memory, stdout: head, stderr };
    (report, stdout)
}

/// Runs the checker on one finished run; the files it reads are copied where its uid can read them.
fn check(host: &mut SandboxHost, job: &Job, slot: usize, (checker, index): (&Solution, usize), test: usize, expected: &[u8], report_bytes: usize) -> Result<Verdict, JudgeError> {
    let dir = job.dir.join(format!("slot-{slot}/check"));
    let prepare = || -> std::io::Result<()> {
        fs::copy(job.dir.join(format!("tests/{test}.in")), dir.join("input"))?;
        fs::copy(job.dir.join(format!("slot-{slot}/out")), dir.join("output"))?;
        fs::write(dir.join("answer"), expected)?;
        for name in ["input", "output", "answer"] {
            fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o644))?;
        }
        Ok(())
    };
    prepare().map_err(|e| internal("preparing the checker's files", e))?;
    let arguments: Vec<String> = ["input", "output", "answer"].iter().map(|name| job.path(&format!("slot-{slot}/check/{name}"))).collect();
    let program = checker.language.run(&job.path(&format!("sol-{index}")), &arguments);
    let (report, _) = execute(host, job, slot, &program, None, &Limits::for_checker(), report_bytes);
    match report.outcome? {
        Verdict::Finished => Ok(Verdict::Accepted),
        Verdict::RuntimeError { exit_code: Some(1 | 2), .. } => Ok(Verdict::WrongAnswer),
        other => Err(JudgeError::Internal(format!(
            "the checker failed on test {test} ({other}): {}",
            String::from_utf8_lossy(&report.stderr).trim()
        ))),
    }
}

/// Makes a compiled solution's files readable and executable by every worker, writable by none.
fn seal(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        chown(&path, Some(0), Some(0))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
    }
    chown(dir, Some(0), Some(0))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
}

pub fn judge(solutions: &[Solution], tests: &[TestCase], config: &JudgeConfig) -> Result<JudgeReport, JudgeError> {
    if config.workers == 0 {
        return Err(JudgeError::Config("workers must be at least 1".into()));
    }
    let job = create_job(config, solutions, tests)?;
    let (host_config, isolation_notes) = host_config(config, &job)?;
    let programs: Vec<&Solution> = solutions.iter().chain(&config.checker).collect();
    let compiles: Vec<Mutex<Option<RunReport>>> = programs.iter().map(|_| Mutex::new(None)).collect();
    let cells: Vec<Mutex<Option<CellResult>>> = (0..solutions.len() * tests.len()).map(|_| Mutex::new(None)).collect();
    let (next_compile, next_cell) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let compiled = std::sync::Barrier::new(config.workers);
    let startup_error: Mutex<Option<JudgeError>> = Mutex::new(None);

    std::thread::scope(|scope| {
        for slot in 0..config.workers {
            let (job, host_config, compiles, cells, programs) = (&job, &host_config, &compiles, &cells, &programs);
            let (next_compile, next_cell, compiled, startup_error) = (&next_compile, &next_cell, &compiled, &startup_error);
            scope.spawn(move || {
                let mut host = SandboxHost::start(host_config, slot, &config.limits);
                if let Err(error) = &host {
                    startup_error.lock().unwrap().get_or_insert(error.clone());
                }
                // The host check comes before claiming work, which another worker could then do.
                while let Ok(host) = host.as_mut() {
                    let index = next_compile.fetch_add(1, Ordering::Relaxed);
                    let Some(solution) = programs.get(index) else { break };
                    let dir = job.path(&format!("sol-{index}"));
                    let host_dir = job.dir.join(format!("sol-{index}"));
                    let _ = chown(&host_dir, Some(60_000 + slot as u32), Some(60_000 + slot as u32));
                    let (mut report, _) = execute(host, job, slot, &solution.language.compile(&dir), None, &Limits::for_compiler(), config.report_bytes);
                    if let Err(error) = seal(&host_dir) {
                        report.outcome = Err(internal("sealing a compiled solution", error));
                    }
                    if matches!(report.outcome, Ok(verdict) if verdict != Verdict::Finished) {
                        report.outcome = Ok(Verdict::CompileError);
                    }
                    *compiles[index].lock().unwrap() = Some(report);
                }
                compiled.wait();
                let checker = config.checker.as_ref().map(|checker| (checker, solutions.len()));
                if let Some((_, index)) = checker {
                    if !matches!(compiles[index].lock().unwrap().as_ref().map(|r| &r.outcome), Some(Ok(Verdict::Finished))) {
                        return; // reported below as a configuration error
                    }
                }
                while let Ok(host) = host.as_mut() {
                    let index = next_cell.fetch_add(1, Ordering::Relaxed);
                    if index >= cells.len() {
                        break;
                    }
                    let (solution, test) = (index / tests.len(), index % tests.len());
                    let compile_ok = matches!(compiles[solution].lock().unwrap().as_ref().map(|r| &r.outcome), Some(Ok(Verdict::Finished)));
                    let result = if compile_ok {
                        let program = solutions[solution].language.run(&job.path(&format!("sol-{solution}")), &[]);
                        let stdin = format!("tests/{test}.in");
                        let (mut report, stdout) = execute(host, job, slot, &program, Some(&stdin), &config.limits, config.report_bytes);
                        if let (Some(checker), Some(expected), Ok(Verdict::Finished)) = (checker, &tests[test].expected, &report.outcome) {
                            report.outcome = check(host, job, slot, checker, test, expected, config.report_bytes);
                        }
                        (report, stdout)
                    } else {
                        (empty_report(Ok(Verdict::CompileError)), Vec::new())
                    };
                    *cells[index].lock().unwrap() = Some(result);
                }
            });
        }
    });
    if let Some(error) = startup_error.into_inner().unwrap() {
        return Err(error);
    }
    let mut compiles: Vec<RunReport> = compiles.into_iter().map(|c| c.into_inner().unwrap().expect("every solution compiled")).collect();
    if config.checker.is_some() {
        let checker = compiles.pop().expect("the checker was compiled");
        if checker.outcome != Ok(Verdict::Finished) {
            let detail = String::from_utf8_lossy(&checker.stderr).trim().to_string();
            return Err(JudgeError::Config(format!("the checker does not compile: {detail}")));
        }
    }
    let mut outputs: Vec<Vec<CellResult>> = vec![Vec::new(); solutions.len()];
    for (index, cell) in cells.into_iter().enumerate() {
        outputs[index / tests.len().max(1)].push(cell.into_inner().unwrap().expect("every cell ran"));
    }
    for row in &mut outputs {
        for (test, (report, stdout)) in row.iter_mut().enumerate() {
            if let (Ok(Verdict::Finished), Some(expected), None) = (&report.outcome, &tests[test].expected, &config.checker) {
                report.outcome = Ok(if config.comparator.matches(stdout, expected) { Verdict::Accepted } else { Verdict::WrongAnswer });
            }
        }
    }
    let votes: Vec<Vote> = (0..tests.len())
        .map(|test| {
            let column: Vec<Option<&[u8]>> = outputs
                .iter()
                .map(|row| {
                    let (report, stdout) = &row[test];
                    matches!(report.outcome, Ok(v) if v.is_valid_execution()).then_some(stdout.as_slice())
                })
                .collect();
            majority_vote(&column, &config.comparator)
        })
        .collect();
    let majority_outputs = votes.iter().enumerate().map(|(test, vote)| vote.majority_leader.map(|leader| outputs[leader][test].1.clone())).collect();
    let pass_rates = tests.iter().all(|t| t.expected.is_some()).then(|| {
        outputs
            .iter()
            .map(|row| row.iter().filter(|(r, _)| r.outcome == Ok(Verdict::Accepted)).count() as f64 / tests.len().max(1) as f64)
            .collect()
    });
    let runs = outputs.into_iter().map(|row| row.into_iter().map(|(report, _)| report).collect()).collect();
    Ok(JudgeReport { compiles, runs, difficulty: difficulty(&votes), votes, majority_outputs, pass_rates, isolation_notes })
}
