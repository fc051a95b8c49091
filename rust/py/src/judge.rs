//! Wrapper over `pysynth_judge::judge`: extract, release the GIL, convert to plain Python values
//! that `pysynth.judge` wraps in typed results.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use pysynth_judge::{judge as run_judge, Comparator, Isolation, JudgeConfig, JudgeError, Language, Limits, RunReport, Solution, TestCase, Verdict};

use crate::errors::raise;

#[derive(FromPyObject)]
struct PyJudgeConfig {
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
    dangerously_unsandboxed: bool,
    python: PathBuf,
    python_prefix: PathBuf,
    cpp_compiler: PathBuf,
    cpp_flags: Vec<String>,
    scratch_dir: PathBuf,
    report_bytes: usize,
    checker_program: Option<(String, String)>,
    use_cgroups: bool,
}

impl PyJudgeConfig {
    fn to_config(&self) -> PyResult<JudgeConfig> {
        let comparator = match self.comparator.as_str() {
            "exact" => Comparator::Exact,
            "lines" => Comparator::Lines,
            "tokens" => Comparator::Tokens,
            "float" => Comparator::Float { absolute: self.float_absolute, relative: self.float_relative },
            "checker" => Comparator::Tokens, // the checker decides verdicts; votes group by tokens
            other => return Err(PyValueError::new_err(format!("unknown comparator {other:?}"))),
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
        let isolation = if self.dangerously_unsandboxed { Isolation::DangerouslyUnsandboxed } else { Isolation::Sandboxed };
        Ok(JudgeConfig {
            limits,
            comparator,
            workers: self.workers,
            isolation,
            python: self.python.clone(),
            python_prefix: self.python_prefix.clone(),
            scratch_dir: self.scratch_dir.clone(),
            report_bytes: self.report_bytes,
            checker: match &self.checker_program {
                Some((language, source)) => Some(Solution { language: self.language(language)?, source: source.clone() }),
                None => None,
            },
            use_cgroups: self.use_cgroups,
        })
    }

    fn language(&self, name: &str) -> PyResult<Language> {
        match name {
            "python" => Ok(Language::Python),
            "cpp" => Ok(Language::Cpp { compiler: self.cpp_compiler.clone(), flags: self.cpp_flags.clone() }),
            other => Err(PyValueError::new_err(format!("unknown language {other:?}"))),
        }
    }
}

pub fn judge_error(error: JudgeError) -> PyErr {
    Python::attach(|py| match &error {
        JudgeError::Sandbox(message) => raise(py, "SandboxError", message.clone()),
        JudgeError::Internal(message) => raise(py, "JudgeInternalError", message.clone()),
        JudgeError::Config(message) => raise(py, "ConfigError", message.clone()),
    })
}

fn report<'py>(py: Python<'py>, run: &RunReport) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    match &run.outcome {
        Ok(verdict) => {
            dict.set_item("verdict", verdict.name())?;
            if let Verdict::RuntimeError { exit_code, signal } = verdict {
                dict.set_item("exit_code", exit_code)?;
                dict.set_item("signal", signal)?;
            }
        }
        Err(fault) => {
            let kind = if matches!(fault, JudgeError::Sandbox(_)) { "SandboxError" } else { "InternalError" };
            dict.set_item("fault", kind)?;
            dict.set_item("fault_message", fault.to_string())?;
        }
    }
    dict.set_item("cpu_time", run.cpu_time.as_secs_f64())?;
    dict.set_item("wall_time", run.wall_time.as_secs_f64())?;
    dict.set_item("peak_memory", run.peak_memory)?;
    dict.set_item("stdout", PyBytes::new(py, &run.stdout))?;
    dict.set_item("stderr", PyBytes::new(py, &run.stderr))?;
    Ok(dict)
}

/// `solutions`: (language, source) pairs; `tests`: (input, expected or None) pairs.
#[pyfunction]
pub fn judge<'py>(
    py: Python<'py>,
    solutions: Vec<(String, String)>,
    tests: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    config: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let raw: PyJudgeConfig = config.extract()?;
    let config = raw.to_config()?;
    let solutions = solutions
        .into_iter()
        .map(|(language, source)| Ok(Solution { language: raw.language(&language)?, source }))
        .collect::<PyResult<Vec<_>>>()?;
    let tests: Vec<TestCase> = tests.into_iter().map(|(input, expected)| TestCase { input, expected }).collect();
    let outcome = py.detach(|| run_judge(&solutions, &tests, &config)).map_err(judge_error)?;
    let result = PyDict::new(py);
    let compiles = PyList::empty(py);
    for compile in &outcome.compiles {
        compiles.append(report(py, compile)?)?;
    }
    result.set_item("compiles", compiles)?;
    let runs = PyList::empty(py);
    for row in &outcome.runs {
        let cells = PyList::empty(py);
        for cell in row {
            cells.append(report(py, cell)?)?;
        }
        runs.append(cells)?;
    }
    result.set_item("runs", runs)?;
    let votes = PyList::empty(py);
    for (vote, output) in outcome.votes.iter().zip(&outcome.majority_outputs) {
        let entry = PyDict::new(py);
        entry.set_item("leader", vote.majority_leader)?;
        entry.set_item("majority_size", vote.majority_size)?;
        entry.set_item("valid", vote.valid)?;
        entry.set_item("invalid", vote.invalid)?;
        entry.set_item("share", vote.share)?;
        entry.set_item("agrees", vote.agrees.clone())?;
        entry.set_item("output", output.as_ref().map(|o| PyBytes::new(py, o)))?;
        votes.append(entry)?;
    }
    result.set_item("votes", votes)?;
    let difficulty = PyDict::new(py);
    difficulty.set_item("delta", outcome.difficulty.delta)?;
    difficulty.set_item("mean_agreement", outcome.difficulty.mean_agreement)?;
    difficulty.set_item("tests_with_votes", outcome.difficulty.tests_with_votes)?;
    difficulty.set_item("tests_without_votes", outcome.difficulty.tests_without_votes)?;
    result.set_item("difficulty", difficulty)?;
    result.set_item("pass_rates", outcome.pass_rates)?;
    result.set_item("isolation_notes", outcome.isolation_notes)?;
    Ok(result)
}
