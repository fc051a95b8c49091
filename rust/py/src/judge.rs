//! Wrappers over `pysynth_judge`: extract the config, release the GIL, convert the report into
//! tuples whose field order is exported (`RUN_FIELDS`, ...) and mirrored by `pysynth.judge`'s
//! result classes, which a test checks.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use pysynth_judge::{CallConfig, Comparator, FaultPoint, Isolation, JudgeError, JudgeReport, Language, Limits, Pool, RunReport, SandboxOptions, SandboxSpec, Solution, TestCase, UidRange, Verdict};

use crate::errors::NativeError;

pub const RUN_FIELDS: [&str; 11] = ["verdict", "fault", "fault_message", "exit_code", "signal", "cpu_time", "wall_time", "peak_memory", "stdout", "stderr", "accepted_by"];
pub const VOTE_FIELDS: [&str; 7] = ["leader", "majority_size", "valid", "invalid", "share", "agrees", "output"];
pub const DIFFICULTY_FIELDS: [&str; 4] = ["delta", "mean_agreement", "tests_with_votes", "tests_without_votes"];
pub const RESULT_FIELDS: [&str; 7] = ["compiles", "runs", "votes", "difficulty", "pass_rates", "isolation_notes", "python_environment"];

/// The sandbox half of `pysynth.judge.JudgeConfig` (what a pool is built from).
#[derive(FromPyObject)]
struct PySandboxConfig {
    dangerously_unsandboxed: bool,
    use_cgroups: bool,
    python: PathBuf,
    python_prefix: PathBuf,
    python_packages: Vec<PathBuf>,
    toolchain_dirs: Vec<PathBuf>,
    scratch_dir: PathBuf,
    uid_first: u32,
    uid_count: u32,
    inject_fault: Option<String>,
    workers: usize,
}

/// The per-call half of `pysynth.judge.JudgeConfig`.
#[derive(FromPyObject)]
struct PyCallConfig {
    time_limit: f64,
    wall_time_limit: Option<f64>,
    memory_limit: u64,
    output_limit: u64,
    processes: u32,
    open_files: u32,
    scratch_limit: u64,
    comparator: String,
    float_absolute: f64,
    float_relative: f64,
    workers: usize,
    cpp_compiler: PathBuf,
    cpp_flags: Vec<String>,
    c_compiler: PathBuf,
    c_flags: Vec<String>,
    java_home: PathBuf,
    go_root: PathBuf,
    rust_sysroot: Option<PathBuf>,
    node: PathBuf,
    report_bytes: usize,
    checker_program: Option<(String, String)>,
    stop_on_first_failure: bool,
}

fn config_error(message: String) -> PyErr {
    NativeError::Judge(JudgeError::Config(message)).into()
}

impl PySandboxConfig {
    fn to_spec(&self) -> PyResult<SandboxSpec> {
        let fault = match self.inject_fault.as_deref() {
            None => None,
            Some("read_stdout") => Some(FaultPoint::ReadStdout),
            Some("seal") => Some(FaultPoint::Seal),
            Some(other) => return Err(config_error(format!("unknown fault point {other:?}"))),
        };
        let options = SandboxOptions {
            isolation: if self.dangerously_unsandboxed { Isolation::DangerouslyUnsandboxed } else { Isolation::Sandboxed },
            use_cgroups: self.use_cgroups,
            python: self.python.clone(),
            python_prefix: self.python_prefix.clone(),
            python_packages: self.python_packages.clone(),
            toolchain_dirs: self.toolchain_dirs.clone(),
            scratch_dir: self.scratch_dir.clone(),
            uids: UidRange { first: self.uid_first, count: self.uid_count },
            fault,
        };
        Ok(SandboxSpec::build(options).map_err(NativeError::from)?)
    }
}

impl PyCallConfig {
    fn to_config(&self) -> PyResult<CallConfig> {
        let comparator = match self.comparator.as_str() {
            "exact" => Comparator::Exact,
            "lines" => Comparator::Lines,
            "tokens" => Comparator::Tokens,
            "lcb" => Comparator::Lcb,
            "lenient" => Comparator::Lenient,
            "call" => Comparator::Call,
            "float" => Comparator::Float { absolute: self.float_absolute, relative: self.float_relative },
            "checker" => Comparator::Tokens, // the checker decides verdicts; votes group by tokens
            other => return Err(config_error(format!("unknown comparator {other:?}"))),
        };
        let limits = Limits {
            time: Duration::from_secs_f64(self.time_limit),
            wall_time: self.wall_time_limit.map(Duration::from_secs_f64),
            memory: self.memory_limit,
            output: self.output_limit,
            processes: self.processes,
            open_files: self.open_files,
            scratch: self.scratch_limit,
        };
        let checker = match &self.checker_program {
            Some((language, source)) => Some(Solution { language: self.language(language)?, source: source.clone() }),
            None => None,
        };
        let cancel = Some(Arc::new(AtomicBool::new(false)));
        Ok(CallConfig { limits, comparator, workers: self.workers, report_bytes: self.report_bytes, checker, stop_on_first_failure: self.stop_on_first_failure, cancel })
    }

    fn language(&self, name: &str) -> PyResult<Language> {
        match name {
            "python" => Ok(Language::Python),
            "cpp" => Ok(Language::Cpp { compiler: self.cpp_compiler.clone(), flags: self.cpp_flags.clone() }),
            "c" => Ok(Language::C { compiler: self.c_compiler.clone(), flags: self.c_flags.clone() }),
            "java" => Ok(Language::Java { java_home: self.java_home.clone() }),
            "go" => Ok(Language::Go { go_root: self.go_root.clone() }),
            "rust" => match &self.rust_sysroot {
                Some(sysroot) => Ok(Language::Rust { sysroot: sysroot.clone() }),
                None => Err(config_error("a Rust solution needs rustc: none was found on PATH (set rust_sysroot)".into())),
            },
            "javascript" => Ok(Language::JavaScript { node: self.node.clone() }),
            other => Err(config_error(format!("unknown language {other:?}"))),
        }
    }

    fn inputs(&self, solutions: Vec<(String, String)>, tests: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> PyResult<(Vec<Solution>, Vec<TestCase>)> {
        let solutions = solutions.into_iter().map(|(language, source)| Ok(Solution { language: self.language(&language)?, source })).collect::<PyResult<Vec<_>>>()?;
        Ok((solutions, tests.into_iter().map(|(input, expected)| TestCase { input, expected }).collect()))
    }
}

fn run_tuple<'py>(py: Python<'py>, run: &RunReport) -> PyResult<Bound<'py, PyTuple>> {
    let (verdict, fault, message, exit_code, signal) = match &run.outcome {
        Ok(verdict) => {
            let (code, signal) = match verdict {
                Verdict::RuntimeError { exit_code, signal } => (*exit_code, *signal),
                _ => (None, None),
            };
            (Some(verdict.name()), None, None, code, signal)
        }
        Err(fault) => {
            let kind = if matches!(fault, JudgeError::Sandbox(_)) { "SandboxError" } else { "InternalError" };
            (None, Some(kind), Some(fault.to_string()), None, None)
        }
    };
    let fields: [Py<PyAny>; 11] = [
        verdict.into_pyobject(py)?.into_any().unbind(),
        fault.into_pyobject(py)?.into_any().unbind(),
        message.into_pyobject(py)?.into_any().unbind(),
        exit_code.into_pyobject(py)?.into_any().unbind(),
        signal.into_pyobject(py)?.into_any().unbind(),
        run.cpu_time.as_secs_f64().into_pyobject(py)?.into_any().unbind(),
        run.wall_time.as_secs_f64().into_pyobject(py)?.into_any().unbind(),
        run.peak_memory.into_pyobject(py)?.into_any().unbind(),
        PyBytes::new(py, &run.stdout).into_any().unbind(),
        PyBytes::new(py, &run.stderr).into_any().unbind(),
        run.accepted_by.into_pyobject(py)?.into_any().unbind(),
    ];
    PyTuple::new(py, fields)
}

fn report_tuple<'py>(py: Python<'py>, report: &JudgeReport) -> PyResult<Bound<'py, PyTuple>> {
    let compiles = PyList::empty(py);
    for compile in &report.compiles {
        compiles.append(run_tuple(py, compile)?)?;
    }
    let runs = PyList::empty(py);
    for row in &report.runs {
        let cells = PyList::empty(py);
        for cell in row {
            cells.append(run_tuple(py, cell)?)?;
        }
        runs.append(cells)?;
    }
    let votes = PyList::empty(py);
    for (vote, output) in report.votes.iter().zip(&report.majority_outputs) {
        let output = output.as_ref().map(|o| PyBytes::new(py, o));
        votes.append((vote.majority_leader, vote.majority_size, vote.valid, vote.invalid, vote.share, vote.agrees.clone(), output).into_pyobject(py)?)?;
    }
    let d = &report.difficulty;
    let difficulty = (d.delta, d.mean_agreement, d.tests_with_votes, d.tests_without_votes).into_pyobject(py)?;
    let fields: [Py<PyAny>; 7] = [
        compiles.into_any().unbind(),
        runs.into_any().unbind(),
        votes.into_any().unbind(),
        difficulty.into_any().unbind(),
        report.pass_rates.clone().into_pyobject(py)?.into_any().unbind(),
        report.isolation_notes.clone().into_pyobject(py)?.into_any().unbind(),
        report.python_environment.clone().into_pyobject(py)?.into_any().unbind(),
    ];
    PyTuple::new(py, fields)
}

/// Runs `judge` with the GIL released, on a thread of its own, while this thread checks for
/// signals every 100 ms: on Ctrl-C the call is cancelled (no new run starts; those in flight
/// end within their limits) and the signal's exception (KeyboardInterrupt) is raised.
fn interruptible(py: Python<'_>, call: &CallConfig, judge: impl FnOnce() -> Result<JudgeReport, JudgeError> + Send) -> PyResult<JudgeReport> {
    std::thread::scope(|scope| {
        let (done, finished) = channel();
        let finished = Mutex::new(finished); // detach needs a Sync borrow; only this thread locks it
        scope.spawn(move || {
            let _ = done.send(judge());
        });
        loop {
            match py.detach(|| finished.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(Duration::from_millis(100))) {
                Ok(outcome) => return Ok(outcome.map_err(NativeError::from)?),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(signal) = py.check_signals() {
                        if let Some(flag) = &call.cancel {
                            flag.store(true, Ordering::Relaxed);
                        }
                        let _ = py.detach(|| finished.lock().unwrap_or_else(|p| p.into_inner()).recv());
                        return Err(signal);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(NativeError::Judge(JudgeError::Internal("the judge thread died".into())).into()),
            }
        }
    })
}

/// A warm pool of sandboxes shared by concurrent calls (`pysynth.judge.Pool` wraps it).
#[pyclass(name = "JudgePool", frozen, module = "pysynth._native")]
pub struct PyJudgePool {
    inner: Mutex<Option<Arc<Pool>>>,
}

impl PyJudgePool {
    fn pool(&self) -> PyResult<Arc<Pool>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone().ok_or_else(|| config_error("the judge pool is closed".into()))
    }
}

#[pymethods]
impl PyJudgePool {
    #[new]
    fn new(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let sandbox: PySandboxConfig = config.extract()?;
        let spec = sandbox.to_spec()?;
        let pool = py.detach(|| Pool::new(spec, sandbox.workers)).map_err(NativeError::from)?;
        Ok(Self { inner: Mutex::new(Some(Arc::new(pool))) })
    }

    /// `solutions`: (language, source) pairs; `tests`: (input, expected or None) pairs.
    fn run<'py>(&self, py: Python<'py>, solutions: Vec<(String, String)>, tests: Vec<(Vec<u8>, Option<Vec<u8>>)>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        let raw: PyCallConfig = config.extract()?;
        let call = raw.to_config()?;
        let (solutions, tests) = raw.inputs(solutions, tests)?;
        let pool = self.pool()?;
        let report = interruptible(py, &call, || pool.judge(&solutions, &tests, &call))?;
        report_tuple(py, &report)
    }

    /// Stops the idle workers once no call is using the pool any more.
    fn close(&self, py: Python<'_>) {
        let pool = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        py.detach(|| drop(pool));
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    #[getter]
    fn size(&self) -> PyResult<usize> {
        Ok(self.pool()?.size())
    }

    #[getter]
    fn workers_replaced(&self) -> PyResult<usize> {
        Ok(self.pool()?.workers_replaced())
    }

    fn zygote_pids(&self) -> PyResult<Vec<u32>> {
        Ok(self.pool()?.zygote_pids())
    }
}

/// One call on a temporary pool: `judge.run`.
#[pyfunction]
pub fn judge<'py>(py: Python<'py>, solutions: Vec<(String, String)>, tests: Vec<(Vec<u8>, Option<Vec<u8>>)>, config: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    let sandbox: PySandboxConfig = config.extract()?;
    let raw: PyCallConfig = config.extract()?;
    let call = raw.to_config()?;
    let spec = sandbox.to_spec()?;
    let (solutions, tests) = raw.inputs(solutions, tests)?;
    let report = interruptible(py, &call, || pysynth_judge::judge(&solutions, &tests, spec, &call))?;
    report_tuple(py, &report)
}
