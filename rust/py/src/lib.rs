//! `pysynth._native`: the Python binding of pysynth's Rust crates. Private; import from `pysynth`.

mod columns;
mod config;
mod dedup;
mod errors;
mod graph;
mod judge;
mod texts;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(dedup::minhash_signatures, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::shingles, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::lsh_params, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::dedup, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::dedup_columns, module)?)?;
    module.add_function(wrap_pyfunction!(dedup::dedup_parquet_file, module)?)?;
    module.add_class::<columns::ArrowColumn>()?;
    module.add_class::<dedup::PyLshIndex>()?;
    module.add_class::<graph::PyConceptGraph>()?;
    module.add_function(wrap_pyfunction!(judge::judge, module)?)?;
    module.add_class::<judge::PyJudgePool>()?;
    module.add("RUN_FIELDS", PyTuple::new(module.py(), judge::RUN_FIELDS)?)?;
    module.add("VOTE_FIELDS", PyTuple::new(module.py(), judge::VOTE_FIELDS)?)?;
    module.add("DIFFICULTY_FIELDS", PyTuple::new(module.py(), judge::DIFFICULTY_FIELDS)?)?;
    module.add("RESULT_FIELDS", PyTuple::new(module.py(), judge::RESULT_FIELDS)?)?;
    module.add("JUDGE_LOCK_DIR", pysynth_judge::LOCK_DIR)?;
    Ok(())
}
