//! N solutions x M tests on a lease of a pool's workers: compile each solution once, run every
//! (solution, test) cell, classify, compare with expected outputs when given, and vote.
//!
//! Outputs are streamed, not held: a worker reads a finished run's stdout (at most the output
//! limit) to compare it and to hash it for the vote, keeps only `report_bytes` of it in the
//! report, and leaves the bytes the vote may still need on disk in the lease (`outs/`). With a
//! transitive comparator that is, per test and distinct output, the lowest-indexed solution's
//! output (the cluster leader the vote will name); with Float, every valid output, read back one
//! test at a time. Memory stays bounded by workers x output limit.
//!
//! With `stop_on_first_failure`, a solution's tests after its first failing one (by test index,
//! whatever order the workers finished in) are reported Skipped, so the report is deterministic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use xxhash_rust::xxh3::xxh3_128;

use crate::classify::{failure, Written};
use crate::compile::{compile, compile_jobs};
use crate::compare::Comparator;
use crate::error::{internal, JudgeError};
use crate::language::Language;
use crate::lease::Lease;
use crate::limits::Limits;
use crate::pool::Pool;
use crate::spec::SandboxSpec;
use crate::verdict::Verdict;
use crate::vote::{difficulty, majority_vote, Difficulty, Vote};
use crate::worker::{Program, RunRequest, Worker};

pub struct Solution {
    pub language: Language,
    pub source: String,
}

pub struct TestCase {
    pub input: Vec<u8>,
    pub expected: Option<Vec<u8>>,
}

/// What one call asks for, beyond the sandbox its pool provides.
pub struct CallConfig {
    pub limits: Limits,
    pub comparator: Comparator,
    /// Workers this call leases at most (it starts with at least one).
    pub workers: usize,
    /// Bytes of stdout and stderr kept in each report (comparison and voting use the whole output).
    pub report_bytes: usize,
    /// A testlib-style checker deciding Accepted/WrongAnswer instead of `comparator`: it runs
    /// sandboxed as `checker INPUT OUTPUT ANSWER`; exit 0 accepts, 1 or 2 reject, anything else
    /// is a checker failure (a judge fault). Votes still group outputs with `comparator`.
    pub checker: Option<Solution>,
    /// Stop each solution at its first test that is not Accepted (or Finished, without expected outputs).
    pub stop_on_first_failure: bool,
    /// Set from outside (e.g. on Ctrl-C) to stop the call: no new compile or run starts, the
    /// runs in flight end within their limits, and the call returns `JudgeError::Cancelled`.
    pub cancel: Option<Arc<AtomicBool>>,
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
    /// The comparator rule that accepted the output (e.g. which stage of the lenient cascade);
    /// None unless Accepted by a comparator.
    pub accepted_by: Option<&'static str>,
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
    /// The interpreter and packages that judged Python solutions.
    pub python_environment: String,
}

pub(crate) fn empty_report(outcome: Result<Verdict, JudgeError>) -> RunReport {
    RunReport { outcome, cpu_time: Duration::ZERO, wall_time: Duration::ZERO, peak_memory: 0, stdout: Vec::new(), stderr: Vec::new(), accepted_by: None }
}

/// A finished run's whole stdout, while its worker holds it.
pub(crate) struct Ran {
    pub report: RunReport,
    pub stdout: Option<Vec<u8>>,
}

/// Runs `program` on a worker and classifies it. The whole stdout comes back (up to the output
/// limit) only when the run finished cleanly: then it may be compared and vote.
pub(crate) fn execute(worker: &mut Worker, lease: &Lease, slot: usize, program: &Program, stdin: Option<&str>, limits: &Limits, report_bytes: usize) -> Ran {
    let (out, err) = (format!("slot-{slot}/out"), format!("slot-{slot}/err"));
    let request = RunRequest { program, lease, stdin, stdout: &out, stderr: &err, limits };
    let classified = worker.run(&request).and_then(|raw| {
        let clean = !raw.killed_for_time && raw.wait_status == 0;
        let (stdout, stdout_len) = lease.read_capped(&out, if clean { limits.output } else { report_bytes as u64 })?;
        let (stderr, stderr_len) = lease.read_capped(&err, report_bytes as u64)?;
        let written = Written { stdout: stdout_len, stderr: stderr_len, stderr_head: &stderr };
        let verdict = failure(&raw, limits, &written).unwrap_or(Verdict::Finished);
        Ok((raw, verdict, stdout, stderr))
    });
    match classified {
        Ok((raw, verdict, stdout, stderr)) => {
            let head = stdout[..stdout.len().min(report_bytes)].to_vec();
            let whole = (verdict == Verdict::Finished).then_some(stdout);
            let report = RunReport { outcome: Ok(verdict), cpu_time: raw.cpu_time, wall_time: raw.wall_time, peak_memory: raw.peak_memory, stdout: head, stderr, accepted_by: None };
            Ran { report, stdout: whole }
        }
        Err(fault) => Ran { report: empty_report(Err(fault)), stdout: None },
    }
}

/// Runs the checker on one finished run; the files it reads are copied where its uid can read them.
fn check(worker: &mut Worker, lease: &Lease, slot: usize, (checker, index): (&Solution, usize), test: usize, expected: &[u8], report_bytes: usize) -> Result<Verdict, JudgeError> {
    let dir = format!("slot-{slot}/check");
    lease.copy_for_checker(&format!("tests/{test}.in"), &format!("{dir}/input"))?;
    lease.copy_for_checker(&format!("slot-{slot}/out"), &format!("{dir}/output"))?;
    lease.write_for_checker(&format!("{dir}/answer"), expected)?;
    let arguments: Vec<String> = ["input", "output", "answer"].iter().map(|name| lease.program_path(&format!("{dir}/{name}"))).collect();
    let program = checker.language.run(&lease.program_path(&format!("sol-{index}")), &arguments, &Limits::for_checker());
    let ran = execute(worker, lease, slot, &program, None, &Limits::for_checker(), report_bytes);
    match ran.report.outcome? {
        Verdict::Finished => Ok(Verdict::Accepted),
        Verdict::RuntimeError { exit_code: Some(1 | 2), .. } => Ok(Verdict::WrongAnswer),
        other => Err(JudgeError::Internal(format!("the checker failed on test {test} ({other}): {}", String::from_utf8_lossy(&ran.report.stderr).trim()))),
    }
}

/// How a cell's output takes part in the vote.
#[derive(Clone, Copy)]
enum Ballot {
    /// Not a valid execution: no vote.
    None,
    /// The hash of the output's canonical form (transitive comparators).
    Key(u128),
    /// The output is kept at `outs/<test>-<solution>` (Float).
    Kept,
}

struct Cell {
    report: RunReport,
    ballot: Ballot,
}

/// Per test, the complete output of the majority cluster's leader.
type MajorityOutputs = Vec<Option<Vec<u8>>>;

/// Per test and output key, the lowest solution index whose output is kept on disk.
type Leaders = Mutex<HashMap<(usize, u128), usize>>;

fn kept(test: usize, solution: usize) -> String {
    format!("outs/{test}-{solution}")
}

/// Leaves on disk what the vote will need of a finished cell's output (see the module docs).
fn cast(lease: &Lease, slot: usize, comparator: &Comparator, leaders: &Leaders, (solution, test): (usize, usize), stdout: &[u8]) -> Result<Ballot, JudgeError> {
    let out = format!("slot-{slot}/out");
    let Some(form) = comparator.canonical_form(stdout) else {
        lease.rename(&out, &kept(test, solution))?;
        return Ok(Ballot::Kept);
    };
    let key = xxh3_128(&form);
    let mut leaders = leaders.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match leaders.get(&(test, key)).copied() {
        Some(current) if current < solution => {}
        previous => {
            lease.rename(&out, &kept(test, solution))?;
            if let Some(previous) = previous {
                lease.remove(&kept(test, previous))?;
            }
            leaders.insert((test, key), solution);
        }
    }
    Ok(Ballot::Key(key))
}

impl CallConfig {
    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

fn is_failure(outcome: &Result<Verdict, JudgeError>) -> bool {
    !matches!(outcome, Ok(Verdict::Accepted | Verdict::Finished))
}

/// Judges on a temporary pool of `call.workers` workers (what `Pool::judge` does on a warm one).
pub fn judge(solutions: &[Solution], tests: &[TestCase], spec: SandboxSpec, call: &CallConfig) -> Result<JudgeReport, JudgeError> {
    Pool::new(spec, call.workers.max(1))?.judge(solutions, tests, call)
}

impl Pool {
    pub fn judge(&self, solutions: &[Solution], tests: &[TestCase], call: &CallConfig) -> Result<JudgeReport, JudgeError> {
        if call.workers == 0 {
            return Err(JudgeError::Config("workers must be at least 1".into()));
        }
        let programs: Vec<&Solution> = solutions.iter().chain(&call.checker).collect();
        let wanted = call.workers.min(programs.len().max(solutions.len() * tests.len()).max(1));
        let workers = self.take(wanted)?;
        let sources: Vec<(&str, &str)> = programs.iter().map(|s| (s.language.source_name(), s.source.as_str())).collect();
        let inputs: Vec<&[u8]> = tests.iter().map(|t| t.input.as_slice()).collect();
        let lease = match Lease::create(self.dir(), self.spec().sandboxed(), self.spec().options.fault, &sources, &inputs, workers.len()) {
            Ok(lease) => lease,
            Err(error) => {
                self.give_back(workers);
                return Err(error);
            }
        };
        let (compiles, cells, workers) = self.run_lease(&lease, &programs, solutions.len(), tests, call, workers);
        self.give_back(workers);
        if call.cancelled() {
            return Err(JudgeError::Cancelled);
        }
        let mut compiles: Vec<RunReport> = compiles.into_iter().map(|c| c.unwrap_or_else(|| empty_report(Err(lost())))).collect();
        if call.checker.is_some() {
            let checker = compiles.pop().expect("the checker was compiled");
            if checker.outcome != Ok(Verdict::Finished) {
                let detail = String::from_utf8_lossy(&checker.stderr).trim().to_string();
                return match checker.outcome {
                    Err(fault) => Err(fault),
                    Ok(_) => Err(JudgeError::Config(format!("the checker does not compile: {detail}"))),
                };
            }
        }
        let mut rows: Vec<Vec<Cell>> = (0..solutions.len()).map(|_| Vec::with_capacity(tests.len())).collect();
        for (index, cell) in cells.into_iter().enumerate() {
            let cell = cell.into_inner().unwrap().unwrap_or_else(|| Cell { report: empty_report(Err(lost())), ballot: Ballot::None });
            rows[index / tests.len()].push(cell);
        }
        if call.stop_on_first_failure {
            for row in &mut rows {
                if let Some(first) = row.iter().position(|cell| is_failure(&cell.report.outcome)) {
                    for cell in &mut row[first + 1..] {
                        *cell = Cell { report: empty_report(Ok(Verdict::Skipped)), ballot: Ballot::None };
                    }
                }
            }
        }
        let (votes, majority_outputs) = self.vote(&lease, &rows, tests.len(), &call.comparator)?;
        let pass_rates = tests.iter().all(|t| t.expected.is_some()).then(|| {
            rows.iter().map(|row| row.iter().filter(|c| c.report.outcome == Ok(Verdict::Accepted)).count() as f64 / tests.len().max(1) as f64).collect()
        });
        let runs = rows.into_iter().map(|row| row.into_iter().map(|cell| cell.report).collect()).collect();
        Ok(JudgeReport {
            compiles,
            runs,
            difficulty: difficulty(&votes),
            votes,
            majority_outputs,
            pass_rates,
            isolation_notes: self.spec().notes.clone(),
            python_environment: self.spec().python_environment(),
        })
    }

    /// Compiles, then runs every cell, one thread per leased worker. Returns the workers still
    /// alive (broken ones were replaced where possible).
    #[allow(clippy::type_complexity)]
    fn run_lease(&self, lease: &Lease, programs: &[&Solution], solution_count: usize, tests: &[TestCase], call: &CallConfig, workers: Vec<Worker>) -> (Vec<Option<RunReport>>, Vec<Mutex<Option<Cell>>>, Vec<Worker>) {
        // No barrier between compiling and running: a worker out of compile jobs runs the tests of
        // solutions already compiled, and waits only for one still compiling (every claimed
        // compile job reports, faults included, so the wait ends).
        let compiles: Mutex<Vec<Option<RunReport>>> = Mutex::new(vec![None; programs.len()]);
        let compiled = Condvar::new();
        let cells: Vec<Mutex<Option<Cell>>> = (0..solution_count * tests.len()).map(|_| Mutex::new(None)).collect();
        let first_failure: Vec<AtomicUsize> = (0..solution_count).map(|_| AtomicUsize::new(usize::MAX)).collect();
        let (next_compile, next_cell) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let leaders: Leaders = Mutex::new(HashMap::new());
        let checker = call.checker.as_ref().map(|checker| (checker, solution_count));
        let sandboxed = self.spec().sandboxed();
        let compile_outcome = |index: usize| -> Result<Verdict, JudgeError> {
            let mut reports = compiles.lock().unwrap();
            while reports[index].is_none() {
                reports = compiled.wait(reports).unwrap();
            }
            reports[index].as_ref().expect("waited for").outcome.clone()
        };
        let survivors = Mutex::new(Vec::new());
        let jobs = compile_jobs(programs, workers.len());
        let jobs = &jobs;
        std::thread::scope(|scope| {
            for (slot, worker) in workers.into_iter().enumerate() {
                let (compiles, cells, first_failure, next_compile, next_cell, compiled, leaders, survivors, compile_outcome) = (&compiles, &cells, &first_failure, &next_compile, &next_cell, &compiled, &leaders, &survivors, &compile_outcome);
                scope.spawn(move || {
                    let mut worker = Some(worker);
                    // A broken worker is replaced at once, so the next run has a healthy one.
                    let renew = |worker: &mut Option<Worker>| {
                        if worker.as_ref().is_some_and(|w| w.broken) {
                            *worker = self.replace(worker.take().expect("checked")).ok();
                        }
                    };
                    while let Some(host) = worker.as_mut().filter(|_| !call.cancelled()) {
                        let Some(job) = jobs.get(next_compile.fetch_add(1, Ordering::Relaxed)) else { break };
                        let reports = compile(host, lease, slot, programs, job, call.report_bytes, sandboxed);
                        {
                            let mut stored = compiles.lock().unwrap();
                            for (index, report) in job.iter().zip(reports) {
                                stored[*index] = Some(report);
                            }
                        }
                        compiled.notify_all();
                        renew(&mut worker);
                    }
                    if let Some((_, index)) = checker {
                        if worker.is_some() && compile_outcome(index) != Ok(Verdict::Finished) {
                            survivors.lock().unwrap().extend(worker);
                            return; // reported by the caller as a configuration error
                        }
                    }
                    while let Some(host) = worker.as_mut().filter(|_| !call.cancelled()) {
                        let index = next_cell.fetch_add(1, Ordering::Relaxed);
                        if index >= cells.len() {
                            break;
                        }
                        let (solution, test) = (index / tests.len(), index % tests.len());
                        let cell = match compile_outcome(solution) {
                            // The judge failed the compile: a fault too, never a CompileError.
                            Err(fault) => Cell { report: empty_report(Err(fault)), ballot: Ballot::None },
                            Ok(verdict) if verdict != Verdict::Finished => Cell { report: empty_report(Ok(Verdict::CompileError)), ballot: Ballot::None },
                            Ok(_) if call.stop_on_first_failure && test > first_failure[solution].load(Ordering::Relaxed) => {
                                Cell { report: empty_report(Ok(Verdict::Skipped)), ballot: Ballot::None }
                            }
                            Ok(_) => {
                            let program = programs[solution].language.run(&lease.program_path(&format!("sol-{solution}")), &[], &call.limits);
                            let stdin = format!("tests/{test}.in");
                            let Ran { mut report, stdout } = execute(host, lease, slot, &program, Some(&stdin), &call.limits, call.report_bytes);
                            let mut ballot = Ballot::None;
                            if let Some(stdout) = stdout {
                                let judged = match (checker, &tests[test].expected) {
                                    (Some(checker), Some(expected)) => check(host, lease, slot, checker, test, expected, call.report_bytes),
                                    (None, Some(expected)) => {
                                        report.accepted_by = call.comparator.accepting_rule(&stdout, expected);
                                        Ok(if report.accepted_by.is_some() { Verdict::Accepted } else { Verdict::WrongAnswer })
                                    }
                                    (_, None) => Ok(Verdict::Finished),
                                };
                                ballot = match judged.and_then(|verdict| cast(lease, slot, &call.comparator, leaders, (solution, test), &stdout).map(|b| (verdict, b))) {
                                    Ok((verdict, ballot)) => {
                                        report.outcome = Ok(verdict);
                                        ballot
                                    }
                                    Err(fault) => {
                                        host.broken = true;
                                        report.outcome = Err(fault);
                                        Ballot::None
                                    }
                                };
                            }
                            if call.stop_on_first_failure && is_failure(&report.outcome) {
                                first_failure[solution].fetch_min(test, Ordering::Relaxed);
                            }
                            Cell { report, ballot }
                            }
                        };
                        *cells[index].lock().unwrap() = Some(cell);
                        renew(&mut worker);
                    }
                    survivors.lock().unwrap().extend(worker);
                });
            }
        });
        (compiles.into_inner().unwrap(), cells, survivors.into_inner().unwrap())
    }

    fn vote(&self, lease: &Lease, rows: &[Vec<Cell>], test_count: usize, comparator: &Comparator) -> Result<(Vec<Vote>, MajorityOutputs), JudgeError> {
        let mut votes = Vec::with_capacity(test_count);
        let mut outputs = Vec::with_capacity(test_count);
        for test in 0..test_count {
            let vote = if comparator.is_transitive() {
                let keys: Vec<Option<[u8; 16]>> = rows.iter().map(|row| match row[test].ballot {
                    Ballot::Key(key) => Some(key.to_le_bytes()),
                    _ => None,
                }).collect();
                let column: Vec<Option<&[u8]>> = keys.iter().map(|k| k.as_ref().map(|k| k.as_slice())).collect();
                majority_vote(&column, &Comparator::Exact)
            } else {
                let loaded: Vec<Option<Vec<u8>>> = rows
                    .iter()
                    .enumerate()
                    .map(|(solution, row)| match row[test].ballot {
                        Ballot::Kept => lease.read_capped(&kept(test, solution), u64::MAX).map(|(bytes, _)| Some(bytes)),
                        _ => Ok(None),
                    })
                    .collect::<Result<_, _>>()?;
                let column: Vec<Option<&[u8]>> = loaded.iter().map(|o| o.as_deref()).collect();
                majority_vote(&column, comparator)
            };
            let output = match vote.majority_leader {
                Some(leader) => Some(lease.read_capped(&kept(test, leader), u64::MAX).map_err(|e| internal("reading the majority output", e))?.0),
                None => None,
            };
            votes.push(vote);
            outputs.push(output);
        }
        Ok((votes, outputs))
    }
}

fn lost() -> JudgeError {
    JudgeError::Sandbox("no worker was left to run this: every replacement of a failed sandbox failed too".into())
}
