//! The one value that describes a sandbox: isolation, cgroup mode, the interpreter and what the
//! view shows, the uid range, the seccomp program and where scratch directories go. Built once
//! (checking what the host offers), then handed unchanged to the pool, every worker and every run.

use std::path::{Path, PathBuf};

use crate::boxes::UidRange;
use crate::error::JudgeError;
use crate::{cgroup, seccomp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Namespaces, read-only view, unprivileged uid per box, rlimits, seccomp, cgroups where
    /// available. Building the spec fails with `JudgeError::Sandbox` naming any missing feature.
    Sandboxed,
    /// rlimits and timeouts only: the programs can read and write as the caller. For trusted code.
    DangerouslyUnsandboxed,
}

/// A failure the judge's own bookkeeping can be made to hit, so tests can show that each one
/// surfaces as a fault and never as a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// Reading a run's stdout file fails.
    ReadStdout,
    /// Sealing a compiled solution (handing its files to root) fails.
    Seal,
}

/// What the caller asks for; `SandboxSpec::build` checks it against the host.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub isolation: Isolation,
    /// Use cgroup v1 limits when the host has them (else memory is bounded by RLIMIT_AS alone).
    pub use_cgroups: bool,
    /// The interpreter of Python solutions (and of the warm zygote), and its installation prefix,
    /// which the sandbox shows read-only at the same path.
    pub python: PathBuf,
    pub python_prefix: PathBuf,
    /// Directories of extra packages importable by Python solutions, read-only.
    pub python_packages: Vec<PathBuf>,
    /// Toolchain directories outside the system ones (e.g. a rustup sysroot), shown read-only at
    /// their own paths so compilers and runtimes installed there work in the sandbox.
    pub toolchain_dirs: Vec<PathBuf>,
    /// Where pools put their lease directories.
    pub scratch_dir: PathBuf,
    pub uids: UidRange,
    pub fault: Option<FaultPoint>,
}

/// The checked sandbox: what was asked for, and what the host turned it into.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    pub options: SandboxOptions,
    /// cgroup v1 limits are in force for every run (asked for, and available).
    pub cgroups: bool,
    /// The seccomp program every sandboxed run installs (empty when unsandboxed).
    pub seccomp: Vec<u8>,
    /// What isolation is in force, e.g. "cgroups: unavailable (...)".
    pub notes: Vec<String>,
}

impl SandboxSpec {
    pub fn build(options: SandboxOptions) -> Result<Self, JudgeError> {
        let sandboxed = options.isolation == Isolation::Sandboxed;
        let mut notes = Vec::new();
        // SAFETY: geteuid has no preconditions.
        if sandboxed && unsafe { libc::geteuid() } != 0 {
            return Err(JudgeError::Sandbox(
                "the sandbox needs root (it creates namespaces, mounts and switches to per-box uids); \
                 run as root or pass the dangerously-unsandboxed option for trusted code"
                    .into(),
            ));
        }
        if sandboxed && !Path::new("/proc/self/ns/pid").exists() {
            return Err(JudgeError::Sandbox("this kernel has no PID namespaces".into()));
        }
        for dir in &options.python_packages {
            if !dir.is_dir() {
                return Err(JudgeError::Config(format!("python_packages: {} is not a directory", dir.display())));
            }
        }
        let cgroups = sandboxed && options.use_cgroups && {
            match cgroup::unavailable_reason() {
                None => true,
                Some(reason) => {
                    notes.push(format!("cgroups: unavailable ({reason}); memory limited by RLIMIT_AS, processes by RLIMIT_NPROC"));
                    false
                }
            }
        };
        if sandboxed && !options.use_cgroups {
            notes.push("cgroups: disabled by configuration; memory limited by RLIMIT_AS, processes by RLIMIT_NPROC".into());
        }
        if !sandboxed {
            notes.push("UNSANDBOXED: programs ran with the caller's privileges, network and files".into());
        }
        let seccomp = if sandboxed { seccomp::filter_program() } else { Vec::new() };
        Ok(Self { options, cgroups, seccomp, notes })
    }

    pub fn sandboxed(&self) -> bool {
        self.options.isolation == Isolation::Sandboxed
    }

    /// Which Python environment judges Python solutions: the interpreter, and the package
    /// directories beyond its standard library.
    pub fn python_environment(&self) -> String {
        let packages = if self.options.python_packages.is_empty() {
            "standard library only".to_string()
        } else {
            let dirs: Vec<String> = self.options.python_packages.iter().map(|p| p.display().to_string()).collect();
            format!("standard library + {}", dirs.join(", "))
        };
        format!("{} ({packages})", self.options.python.display())
    }
}
