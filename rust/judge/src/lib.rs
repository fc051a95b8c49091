//! The sandboxed multi-test code judge. No Python here; the binding crate converts.

mod cgroup;
mod classify;
mod compare;
mod error;
mod host;
mod judge;
mod language;
mod limits;
mod mounts;
mod replies;
mod seccomp;
mod spawn;
mod verdict;
mod vote;

pub use compare::Comparator;
pub use error::JudgeError;
pub use judge::{judge, Isolation, JudgeConfig, JudgeReport, RunReport, Solution, TestCase};
pub use language::Language;
pub use limits::Limits;
pub use verdict::Verdict;
pub use vote::{difficulty, majority_vote, Difficulty, Vote};
