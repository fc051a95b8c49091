//! The compile step of a lease: each solution compiled once, sandboxed, with compiler limits;
//! Python sources in one batch per worker (forking a sandboxed process costs more than compiling
//! a source), every other solution on its own.

use std::time::Duration;

use crate::error::internal;
use crate::judge::{empty_report, execute, Ran, RunReport, Solution};
use crate::language::Language;
use crate::lease::Lease;
use crate::limits::Limits;
use crate::verdict::Verdict;
use crate::worker::Worker;

/// The compile steps of a lease: Python solutions in one batch per worker (forking a sandboxed
/// process costs more than compiling a source), every other solution on its own.
pub(crate) fn compile_jobs(programs: &[&Solution], workers: usize) -> Vec<Vec<usize>> {
    let (python, others): (Vec<usize>, Vec<usize>) = (0..programs.len()).partition(|&i| programs[i].language == Language::Python);
    let per_job = python.len().div_ceil(workers.max(1)).max(1);
    let mut jobs: Vec<Vec<usize>> = python.chunks(per_job).map(<[usize]>::to_vec).collect();
    jobs.extend(others.into_iter().map(|index| vec![index]));
    jobs
}

/// Runs one compile step for the programs `job` names and reports each: Finished, CompileError
/// (with the compiler's message) or a fault. A batch that fails as a whole (a compile-time bomb
/// among its sources) is retried one source at a time, so one bad source fails only itself.
pub(crate) fn compile(worker: &mut Worker, lease: &Lease, slot: usize, programs: &[&Solution], job: &[usize], report_bytes: usize, sandboxed: bool) -> Vec<RunReport> {
    let all = |report: RunReport| vec![report; job.len()];
    if let Some(uid) = worker.uid() {
        if let Some(fault) = job.iter().find_map(|&index| lease.lend(index, uid).err()) {
            return all(empty_report(Err(fault)));
        }
    }
    let dirs: Vec<String> = job.iter().map(|index| lease.program_path(&format!("sol-{index}"))).collect();
    let python = programs[job[0]].language == Language::Python;
    let program = if python { Language::compile_python(&dirs) } else { programs[job[0]].language.compile(&dirs[0], &programs[job[0]].source) };
    let Ran { report, stdout } = execute(worker, lease, slot, &program, None, &Limits::for_compiler(), report_bytes);
    let mut reports = match (python, &report.outcome, stdout) {
        (true, Ok(Verdict::Finished), Some(stdout)) => split_batch(&report, &stdout, job.len()),
        (true, Ok(_), _) if job.len() > 1 => {
            return job.iter().flat_map(|&index| compile(worker, lease, slot, programs, &[index], report_bytes, sandboxed)).collect();
        }
        _ => all(report),
    };
    for (&index, report) in job.iter().zip(&mut reports) {
        if sandboxed && report.outcome.is_ok() {
            if let Err(error) = lease.seal(index, programs[index].language.kept_files()) {
                report.outcome = Err(error);
            }
        }
        if matches!(report.outcome, Ok(verdict) if verdict != Verdict::Finished) {
            report.outcome = Ok(Verdict::CompileError);
        }
    }
    reports
}

/// Per-source reports of a Python compile batch, from its JSON lines (null or the error). The
/// batch's measured time is shared evenly among its sources.
fn split_batch(batch: &RunReport, stdout: &[u8], count: usize) -> Vec<RunReport> {
    let lines: Vec<Option<String>> = stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).filter_map(|line| serde_json::from_slice(line).ok()).collect();
    if lines.len() != count {
        return vec![empty_report(Err(internal("a Python compile batch", format!("{} results for {count} sources", lines.len())))); count];
    }
    let share = |duration: Duration| duration / count as u32;
    lines
        .into_iter()
        .map(|error| RunReport {
            outcome: Ok(if error.is_some() { Verdict::CompileError } else { Verdict::Finished }),
            cpu_time: share(batch.cpu_time),
            wall_time: share(batch.wall_time),
            peak_memory: batch.peak_memory,
            stdout: Vec::new(),
            stderr: error.unwrap_or_default().into_bytes(),
            accepted_by: None,
        })
        .collect()
}

