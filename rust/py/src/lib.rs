//! `pysynth._native`: the Python binding of pysynth's Rust crates. Private; import from `pysynth`.

mod config;
mod dedup;
mod errors;
mod graph;
mod judge;
mod texts;

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(dedup::minhash_signatures, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::shingles, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::lsh_params, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::dedup, module)?)?;
    module.add_class::<dedup::PyLshIndex>()?;
    module.add_class::<graph::PyConceptGraph>()?;
    module.add_function(wrap_pyfunction!(judge::judge, module)?)?;
    Ok(())
}
