//! The typed outcome of one program run on one test.
//!
//! Judge faults (the sandbox failing, an internal error) are deliberately not verdicts: a verdict
//! always describes what the *program* did, so a broken judge can never be mistaken for a wrong
//! solution.

use std::fmt;

/// The outcome of one program run on one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Ran within limits and its output matched the expected output.
    Accepted,
    /// Ran within limits, but its output did not match the expected output.
    WrongAnswer,
    /// Ran within limits; there was no expected output to compare against (output-collection
    /// mode, e.g. gathering outputs for a majority vote).
    Finished,
    TimeLimitExceeded,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    /// Exited abnormally: a non-zero exit code, or killed by a signal the judge did not send for
    /// a limit. Either part may be unknown.
    RuntimeError {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    CompileError,
    /// Not run: `stop_on_first_failure` is set and an earlier test of this solution failed.
    Skipped,
}

impl Verdict {
    /// A stable name for logs, stats and the Python side; it never carries the exit details so
    /// that verdicts can be counted by name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::WrongAnswer => "WrongAnswer",
            Self::Finished => "Finished",
            Self::TimeLimitExceeded => "TimeLimitExceeded",
            Self::MemoryLimitExceeded => "MemoryLimitExceeded",
            Self::OutputLimitExceeded => "OutputLimitExceeded",
            Self::RuntimeError { .. } => "RuntimeError",
            Self::CompileError => "CompileError",
            Self::Skipped => "Skipped",
        }
    }

    /// True when the program ran to completion within its limits, so its output is complete and
    /// may take part in a majority vote. A crashed or killed run's output is a truncated prefix
    /// and would only add noise to the vote.
    pub fn is_valid_execution(&self) -> bool {
        matches!(self, Self::Accepted | Self::WrongAnswer | Self::Finished)
    }

    /// The conventional abbreviation, for narrow tables.
    pub fn short(&self) -> &'static str {
        match self {
            Self::Accepted => "AC",
            Self::WrongAnswer => "WA",
            Self::Finished => "OK",
            Self::TimeLimitExceeded => "TLE",
            Self::MemoryLimitExceeded => "MLE",
            Self::OutputLimitExceeded => "OLE",
            Self::RuntimeError { .. } => "RE",
            Self::CompileError => "CE",
            Self::Skipped => "SK",
        }
    }
}

/// The name, plus the exit details of a runtime error when known: `RuntimeError (exit code 3)`,
/// `RuntimeError (signal 11)`, or both comma-separated.
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        if let Self::RuntimeError { exit_code, signal } = self {
            match (exit_code, signal) {
                (Some(code), Some(signal)) => write!(f, " (exit code {code}, signal {signal})")?,
                (Some(code), None) => write!(f, " (exit code {code})")?,
                (None, Some(signal)) => write!(f, " (signal {signal})")?,
                (None, None) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Verdict; 9] = [
        Verdict::Accepted,
        Verdict::WrongAnswer,
        Verdict::Finished,
        Verdict::TimeLimitExceeded,
        Verdict::MemoryLimitExceeded,
        Verdict::OutputLimitExceeded,
        Verdict::RuntimeError {
            exit_code: Some(1),
            signal: None,
        },
        Verdict::CompileError,
        Verdict::Skipped,
    ];

    #[test]
    fn names_are_stable() {
        let names: Vec<&str> = ALL.iter().map(Verdict::name).collect();
        assert_eq!(
            names,
            [
                "Accepted",
                "WrongAnswer",
                "Finished",
                "TimeLimitExceeded",
                "MemoryLimitExceeded",
                "OutputLimitExceeded",
                "RuntimeError",
                "CompileError",
                "Skipped"
            ]
        );
    }

    #[test]
    fn short_names_are_stable() {
        let shorts: Vec<&str> = ALL.iter().map(Verdict::short).collect();
        assert_eq!(shorts, ["AC", "WA", "OK", "TLE", "MLE", "OLE", "RE", "CE", "SK"]);
    }

    #[test]
    fn only_completed_runs_are_valid_executions() {
        let valid: Vec<&str> = ALL
            .iter()
            .filter(|v| v.is_valid_execution())
            .map(Verdict::short)
            .collect();
        assert_eq!(
            valid,
            ["AC", "WA", "OK"],
            "only runs that finished within limits may vote"
        );
    }

    #[test]
    fn runtime_error_name_ignores_exit_details() {
        let crashed = Verdict::RuntimeError {
            exit_code: None,
            signal: Some(11),
        };
        assert_eq!(crashed.name(), "RuntimeError");
        assert_eq!(crashed.short(), "RE");
        assert!(!crashed.is_valid_execution());
    }

    #[test]
    fn display_shows_exit_details() {
        let display = |exit_code, signal| Verdict::RuntimeError { exit_code, signal }.to_string();
        assert_eq!(display(Some(3), None), "RuntimeError (exit code 3)");
        assert_eq!(display(None, Some(11)), "RuntimeError (signal 11)");
        assert_eq!(
            display(Some(139), Some(11)),
            "RuntimeError (exit code 139, signal 11)"
        );
        assert_eq!(display(None, None), "RuntimeError");
    }

    #[test]
    fn display_of_other_verdicts_is_the_name() {
        for verdict in ALL
            .iter()
            .filter(|v| !matches!(v, Verdict::RuntimeError { .. }))
        {
            assert_eq!(verdict.to_string(), verdict.name());
        }
    }

    #[test]
    fn runtime_errors_differ_by_details() {
        let exit = Verdict::RuntimeError {
            exit_code: Some(1),
            signal: None,
        };
        let signal = Verdict::RuntimeError {
            exit_code: None,
            signal: Some(9),
        };
        assert_ne!(exit, signal);
        assert_eq!(
            exit,
            Verdict::RuntimeError {
                exit_code: Some(1),
                signal: None
            }
        );
    }
}
