use thiserror::Error;

/// A failure of the judge itself, kept apart from the verdicts of the programs it runs.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JudgeError {
    /// A required isolation feature is missing or could not be set up; nothing was run unsandboxed.
    #[error("sandbox error: {0}")]
    Sandbox(String),
    /// A bug or an unexpected operating-system failure inside the judge.
    #[error("internal judge error: {0}")]
    Internal(String),
    /// The caller asked for something impossible (bad limits, unknown language option).
    #[error("{0}")]
    Config(String),
    /// The caller cancelled the call (its `cancel` flag was set).
    #[error("the judge call was cancelled")]
    Cancelled,
}

pub fn internal(context: &str, error: impl std::fmt::Display) -> JudgeError {
    JudgeError::Internal(format!("{context}: {error}"))
}
