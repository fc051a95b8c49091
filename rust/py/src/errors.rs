//! The one place where Rust errors become Python exceptions. The exception classes live in
//! `pysynth.errors`, so Python code and native code raise the same hierarchy. Each crate's error
//! converts into `NativeError` (one `From` per crate, as polars does), and `NativeError` into
//! the matching `PyErr`; bindings write `.map_err(NativeError::from)?`.

use pyo3::prelude::*;
use pysynth_dedup::DedupError;
use pysynth_graph::GraphError;
use pysynth_judge::JudgeError;
use pysynth_table::TableError;

pyo3::import_exception!(pysynth.errors, ConfigError);
pyo3::import_exception!(pysynth.errors, InputError);
pyo3::import_exception!(pysynth.errors, SandboxError);
pyo3::import_exception!(pysynth.errors, JudgeInternalError);

pub enum NativeError {
    Dedup(DedupError),
    Graph(GraphError),
    Judge(JudgeError),
    Table(TableError),
    /// Bad input data found by a binding itself.
    Input(String),
}

impl From<DedupError> for NativeError {
    fn from(error: DedupError) -> Self {
        Self::Dedup(error)
    }
}

impl From<GraphError> for NativeError {
    fn from(error: GraphError) -> Self {
        Self::Graph(error)
    }
}

impl From<JudgeError> for NativeError {
    fn from(error: JudgeError) -> Self {
        Self::Judge(error)
    }
}

impl From<TableError> for NativeError {
    fn from(error: TableError) -> Self {
        Self::Table(error)
    }
}

impl From<NativeError> for PyErr {
    fn from(error: NativeError) -> Self {
        match error {
            // Every dedup error is a bad parameter.
            NativeError::Dedup(error) => ConfigError::new_err(error.to_string()),
            NativeError::Graph(error) => match error {
                GraphError::Alpha(_)
                | GraphError::Eps(_)
                | GraphError::DefaultDifficulty(_)
                | GraphError::NoDifficultyLabels
                | GraphError::UnknownConcept(_)
                | GraphError::NoStartNodes
                | GraphError::MaxSteps(_) => ConfigError::new_err(error.to_string()),
                GraphError::LabelCount { .. }
                | GraphError::Label { .. }
                | GraphError::NodeId { .. }
                | GraphError::SelfLoop { .. }
                | GraphError::DuplicateEdge { .. }
                | GraphError::Weight { .. }
                | GraphError::ColumnLength { .. }
                | GraphError::TooManyNodes(_) => InputError::new_err(error.to_string()),
            },
            NativeError::Judge(error) => match &error {
                JudgeError::Sandbox(message) => SandboxError::new_err(message.clone()),
                JudgeError::Internal(_) => JudgeInternalError::new_err(error.to_string()),
                JudgeError::Config(message) => ConfigError::new_err(message.clone()),
                // Only after a signal, whose own exception the binding raises instead.
                JudgeError::Cancelled => JudgeInternalError::new_err(error.to_string()),
            },
            NativeError::Table(error) => match error {
                // A mask or column of the wrong length: a bug in the binding, not bad input.
                TableError::Shape(_) => pyo3::exceptions::PyRuntimeError::new_err(error.to_string()),
                _ => InputError::new_err(error.to_string()),
            },
            NativeError::Input(message) => InputError::new_err(message),
        }
    }
}

/// Bad input data: `pysynth.errors.InputError` (a `ValueError`).
pub fn input_error(message: String) -> PyErr {
    NativeError::Input(message).into()
}
