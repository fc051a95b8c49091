//! Borrowing a column of texts from Python without copying the strings.
//!
//! Accepted: any object with the Arrow PyCapsule interface (`__arrow_c_stream__`, e.g. a polars
//! Series or a pyarrow ChunkedArray; or `__arrow_c_array__`, e.g. a pyarrow Array) holding
//! utf8, large_utf8 or utf8_view values (nulls read as empty texts); or an iterable of `str`.
//! The strings are borrowed in place and read with the GIL released.

use std::ffi::{c_void, CStr};
use std::ptr::NonNull;

use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{make_array, Array, ArrayRef, LargeStringArray, StringArray, StringViewArray};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyString, PyTuple};

use crate::errors::input_error;

pub enum TextColumn<'py> {
    Python(Vec<Bound<'py, PyString>>),
    Arrow(Vec<ArrayRef>),
}

impl<'py> TextColumn<'py> {
    pub fn extract(texts: &Bound<'py, PyAny>) -> PyResult<Self> {
        if texts.hasattr("__arrow_c_stream__")? {
            return Ok(Self::Arrow(import_stream(texts)?));
        }
        if texts.hasattr("__arrow_c_array__")? {
            return Ok(Self::Arrow(vec![import_array(texts)?]));
        }
        if texts.is_instance_of::<PyString>() {
            return Err(input_error("expected a sequence of texts, got a single str".into()));
        }
        let mut strings = Vec::with_capacity(texts.len().unwrap_or(0));
        for (row, item) in texts.try_iter()?.enumerate() {
            let item = item?;
            match item.cast_into::<PyString>() {
                Ok(text) => strings.push(text),
                Err(error) => {
                    let type_name = error.into_inner().get_type().name()?;
                    return Err(input_error(format!("text at row {row} is {type_name}, not str")));
                }
            }
        }
        Ok(Self::Python(strings))
    }

    /// The texts as borrowed `&str`s, readable without the GIL.
    pub fn as_strs(&self) -> PyResult<Vec<&str>> {
        match self {
            Self::Python(strings) => strings.iter().map(|s| s.to_str()).collect(),
            Self::Arrow(arrays) => {
                let mut out = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
                for array in arrays {
                    append_strs(array.as_ref(), &mut out)?;
                }
                Ok(out)
            }
        }
    }
}

fn append_strs<'a>(array: &'a dyn Array, out: &mut Vec<&'a str>) -> PyResult<()> {
    let any = array.as_any();
    if let Some(strings) = any.downcast_ref::<StringArray>() {
        out.extend(strings.iter().map(|s| s.unwrap_or("")));
    } else if let Some(strings) = any.downcast_ref::<LargeStringArray>() {
        out.extend(strings.iter().map(|s| s.unwrap_or("")));
    } else if let Some(strings) = any.downcast_ref::<StringViewArray>() {
        out.extend(strings.iter().map(|s| s.unwrap_or("")));
    } else {
        return Err(input_error(format!("expected an Arrow string column, got {}", array.data_type())));
    }
    Ok(())
}

fn capsule_pointer<T>(capsule: &Bound<'_, PyAny>, name: &CStr) -> PyResult<NonNull<T>> {
    let capsule = capsule.cast::<PyCapsule>()?;
    let pointer: NonNull<c_void> = capsule.pointer_checked(Some(name))?;
    Ok(pointer.cast())
}

fn import_array(source: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    let capsules = source.call_method0("__arrow_c_array__")?;
    let capsules = capsules.cast::<PyTuple>()?;
    let schema = capsule_pointer::<FFI_ArrowSchema>(&capsules.get_item(0)?, c"arrow_schema")?;
    let array = capsule_pointer::<FFI_ArrowArray>(&capsules.get_item(1)?, c"arrow_array")?;
    // SAFETY: the capsules hold valid C Data Interface structs. Moving the array out leaves a
    // released (empty) struct behind, so the capsule's destructor does not release it twice.
    let data = unsafe {
        let array = std::ptr::replace(array.as_ptr(), FFI_ArrowArray::empty());
        from_ffi(array, schema.as_ref())
    }
    .map_err(|e| input_error(format!("cannot read the Arrow array: {e}")))?;
    Ok(make_array(data))
}

fn import_stream(source: &Bound<'_, PyAny>) -> PyResult<Vec<ArrayRef>> {
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let pointer = capsule_pointer::<FFI_ArrowArrayStream>(&capsule, c"arrow_array_stream")?;
    // SAFETY: as above; the moved-out stream is released when `stream` drops.
    let mut stream = unsafe { FFI_ArrowArrayStream::from_raw(pointer.as_ptr()) };
    let stream_error = |stream: &mut FFI_ArrowArrayStream, code: i32| {
        let detail = stream
            .get_last_error()
            .map(|last_error| unsafe { last_error(stream) })
            .filter(|message| !message.is_null())
            .map(|message| unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned())
            .unwrap_or_default();
        input_error(format!("cannot read the Arrow stream (error {code}): {detail}"))
    };
    let mut schema = FFI_ArrowSchema::empty();
    let get_schema = stream.get_schema().ok_or_else(|| input_error("the Arrow stream is already released".into()))?;
    let code = unsafe { get_schema(&mut stream, &mut schema) };
    if code != 0 {
        return Err(stream_error(&mut stream, code));
    }
    let get_next = stream.get_next().ok_or_else(|| input_error("the Arrow stream is already released".into()))?;
    let mut arrays = Vec::new();
    loop {
        let mut array = FFI_ArrowArray::empty();
        let code = unsafe { get_next(&mut stream, &mut array) };
        if code != 0 {
            return Err(stream_error(&mut stream, code));
        }
        if array.is_released() {
            break; // end of stream
        }
        let data = unsafe { from_ffi(array, &schema) }
            .map_err(|e| input_error(format!("cannot read the Arrow stream: {e}")))?;
        arrays.push(make_array(data));
    }
    Ok(arrays)
}
