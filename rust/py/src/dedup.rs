//! Wrappers over `pysynth_dedup`: extract, release the GIL, convert back.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use pysynth_dedup::{deduplicate, optimal_params, LshIndex, MinHasher};

use crate::config::{lsh_config, minhash_config};
use crate::errors::NativeError;
use crate::texts::TextColumn;

#[pyfunction]
pub fn minhash_signatures<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    config: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let hasher = MinHasher::new(minhash_config(config)?).map_err(NativeError::from)?;
    let column = TextColumn::extract(texts)?;
    let strs = column.as_strs()?;
    let rows = strs.len();
    let flat = py.detach(|| hasher.sign_all(&strs));
    flat.into_pyarray(py).reshape([rows, hasher.num_perm()])
}

#[pyfunction]
pub fn shingles<'py>(py: Python<'py>, text: &str, config: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let shingle = minhash_config(config)?.shingle;
    Ok(shingle.shingles(text).iter().map(|s| PyBytes::new(py, s)).collect())
}

#[pyfunction]
pub fn lsh_params(threshold: f64, num_perm: usize, weights: (f64, f64)) -> PyResult<(usize, usize)> {
    let params = optimal_params(threshold, num_perm, weights).map_err(NativeError::from)?;
    Ok((params.bands, params.rows))
}

/// `(cluster_ids int64[n], keep bool[n], (bands, rows), stats dict)`.
type DedupTuple<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<bool>>, (usize, usize), Bound<'py, PyDict>);

#[pyfunction]
pub fn dedup<'py>(py: Python<'py>, texts: &Bound<'py, PyAny>, config: &Bound<'py, PyAny>) -> PyResult<DedupTuple<'py>> {
    let config = lsh_config(config)?;
    let column = TextColumn::extract(texts)?;
    let strs = column.as_strs()?;
    let outcome = py.detach(|| deduplicate(&strs, &config)).map_err(NativeError::from)?;
    let stats = PyDict::new(py);
    stats.set_item("documents", outcome.stats.documents)?;
    stats.set_item("empty_documents", outcome.stats.empty_documents)?;
    stats.set_item("candidate_pairs", outcome.stats.candidate_pairs)?;
    stats.set_item("confirmed_pairs", outcome.stats.confirmed_pairs)?;
    stats.set_item("duplicates", outcome.stats.duplicates)?;
    let cluster_ids: Vec<i64> = outcome.cluster_ids.iter().map(|&c| c as i64).collect();
    Ok((
        cluster_ids.into_pyarray(py),
        outcome.keep.into_pyarray(py),
        (outcome.params.bands, outcome.params.rows),
        stats,
    ))
}

#[pyclass(name = "LshIndex", module = "pysynth._native")]
pub struct PyLshIndex {
    inner: LshIndex,
}

#[pymethods]
impl PyLshIndex {
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let inner = LshIndex::new(&lsh_config(config)?).map_err(NativeError::from)?;
        Ok(Self { inner })
    }

    fn insert(&mut self, py: Python<'_>, texts: &Bound<'_, PyAny>, ids: Vec<u64>) -> PyResult<()> {
        let column = TextColumn::extract(texts)?;
        let strs = column.as_strs()?;
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.insert(&strs, &ids)).map_err(NativeError::from)?)
    }

    fn query(&self, py: Python<'_>, texts: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u64>>> {
        let column = TextColumn::extract(texts)?;
        let strs = column.as_strs()?;
        Ok(py.detach(|| self.inner.query(&strs)))
    }

    #[getter]
    fn params(&self) -> (usize, usize) {
        let params = self.inner.params();
        (params.bands, params.rows)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}
