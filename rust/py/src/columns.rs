//! Handing a computed column back to Python through the Arrow PyCapsule interface, the way texts
//! come in (`texts.rs`): `pl.Series(column)` (or `pyarrow.array(column)`) takes the buffers without
//! a copy, and neither side imports numpy. `pysynth dedup` uses it so that the command never pays
//! numpy's import (~0.2 s of a 20k-document run); the public API keeps its numpy arrays.

use arrow_array::ffi::{to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, ArrayRef};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// One immutable Arrow array; each `__arrow_c_array__` call exports it anew (shared buffers).
#[pyclass(name = "ArrowColumn", module = "pysynth._native", frozen)]
pub struct ArrowColumn {
    array: ArrayRef,
}

impl ArrowColumn {
    pub fn new(array: ArrayRef) -> Self {
        Self { array }
    }
}

#[pymethods]
impl ArrowColumn {
    /// `(schema capsule, array capsule)`. A `requested_schema` is not honoured: the interface lets
    /// a producer answer in its own type, and the consumer casts if it wants another.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        // Fails only for types the C data interface lacks, never for the integer and boolean
        // columns made here: a bug, so not one of pysynth's error classes.
        let (array, schema): (FFI_ArrowArray, FFI_ArrowSchema) = to_ffi(&self.array.to_data())
            .map_err(|e| PyRuntimeError::new_err(format!("cannot export the Arrow array: {e}")))?;
        // A consumer moves the structs out and leaves released ones behind; the capsules drop
        // whatever remains, which releases the buffers only if nobody took them.
        Ok((PyCapsule::new_with_value(py, schema, c"arrow_schema")?, PyCapsule::new_with_value(py, array, c"arrow_array")?))
    }

    fn __len__(&self) -> usize {
        self.array.len()
    }
}
