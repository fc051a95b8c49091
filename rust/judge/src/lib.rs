//! The sandboxed multi-test code judge. No Python here; the binding crate converts.
//!
//! The box model: a `SandboxSpec` (built once) describes every sandbox; a `Pool` keeps warm
//! `Worker`s, each one box (a uid locked host-wide, its cgroups, its zygote); each call leases
//! workers and gets its own lease directory; each run gets a fresh PID namespace, a private /tmp
//! and its lease at /work.

mod boxes;
mod cgroup;
mod classify;
mod compare;
mod compile;
mod cpus;
mod error;
mod judge;
mod keeper;
mod language;
mod lease;
mod limits;
mod mounts;
mod pidfd;
mod pool;
mod replies;
mod seccomp;
mod spawn;
mod spec;
mod verdict;
mod vote;
mod worker;

pub use boxes::{UidRange, LOCK_DIR};
pub use compare::Comparator;
pub use error::JudgeError;
pub use judge::{judge, CallConfig, JudgeReport, RunReport, Solution, TestCase};
pub use language::Language;
pub use limits::Limits;
pub use pool::Pool;
pub use spec::{FaultPoint, Isolation, SandboxOptions, SandboxSpec};
pub use verdict::Verdict;
pub use vote::{difficulty, majority_vote, Difficulty, Vote};
