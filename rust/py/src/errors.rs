//! The one place where Rust errors become Python exceptions. The exception classes live in
//! `pysynth.errors`, so Python code and native code raise the same hierarchy.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pysynth_dedup::DedupError;

pub fn raise(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    let class = py
        .import("pysynth.errors")
        .and_then(|module| module.getattr(class_name))
        .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => PyErr::from_type(class, message),
        Err(_) => PyRuntimeError::new_err(format!("{class_name}: {message}")),
    }
}

/// A bad parameter: `pysynth.errors.ConfigError` (a `ValueError`).
pub fn config_error(error: DedupError) -> PyErr {
    Python::attach(|py| raise(py, "ConfigError", error.to_string()))
}

/// Bad input data: `pysynth.errors.InputError` (a `ValueError`).
pub fn input_error(message: String) -> PyErr {
    Python::attach(|py| raise(py, "InputError", message))
}
