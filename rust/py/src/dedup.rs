//! Wrappers over `pysynth_dedup`: extract, release the GIL, convert back.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{BooleanArray, Int64Array};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use pysynth_dedup::{deduplicate, optimal_params, DedupOutcome, DedupStats, LshIndex, MinHasher};
use pysynth_table::Table;

use crate::columns::ArrowColumn;
use crate::config::{lsh_config, minhash_config, DedupOptions};
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
    let outcome = run_dedup(py, texts, config)?;
    let cluster_ids: Vec<i64> = outcome.cluster_ids.iter().map(|&c| c as i64).collect();
    Ok((
        cluster_ids.into_pyarray(py),
        outcome.keep.into_pyarray(py),
        (outcome.params.bands, outcome.params.rows),
        stats_dict(py, &outcome.stats)?,
    ))
}

/// `dedup` with Arrow columns (int64, bool) in place of the numpy arrays: the table path, no numpy.
type DedupColumnsTuple<'py> = (ArrowColumn, ArrowColumn, (usize, usize), Bound<'py, PyDict>);

#[pyfunction]
pub fn dedup_columns<'py>(py: Python<'py>, texts: &Bound<'py, PyAny>, config: &Bound<'py, PyAny>) -> PyResult<DedupColumnsTuple<'py>> {
    let outcome = run_dedup(py, texts, config)?;
    let cluster_ids = Int64Array::from_iter_values(outcome.cluster_ids.iter().map(|&c| c as i64));
    Ok((
        ArrowColumn::new(Arc::new(cluster_ids)),
        ArrowColumn::new(Arc::new(BooleanArray::from(outcome.keep))),
        (outcome.params.bands, outcome.params.rows),
        stats_dict(py, &outcome.stats)?,
    ))
}

/// `pysynth dedup` from a Parquet file to a Parquet file, read and written here with the GIL released:
/// the command then imports neither polars (~0.3 s on 2 cores) nor pydantic (~0.15 s), so the options
/// come one by one, as `DedupConfig`'s fields, and are checked by the pure crate.
/// `(kept rows, (bands, rows), stats dict)`.
#[pyfunction]
#[pyo3(signature = (input, output, column, *, num_perm, seed, scheme, ngram, unit, lowercase, strip_punctuation,
                    threshold, weights, bands, rows, verify))]
#[allow(clippy::too_many_arguments)]
pub fn dedup_parquet_file<'py>(
    py: Python<'py>,
    input: PathBuf,
    output: PathBuf,
    column: &str,
    num_perm: usize,
    seed: u64,
    scheme: String,
    ngram: usize,
    unit: String,
    lowercase: bool,
    strip_punctuation: bool,
    threshold: f64,
    weights: (f64, f64),
    bands: Option<usize>,
    rows: Option<usize>,
    verify: String,
) -> PyResult<(usize, (usize, usize), Bound<'py, PyDict>)> {
    let config = DedupOptions {
        num_perm, seed, scheme, ngram, unit, lowercase, strip_punctuation, threshold, weights, bands, rows, verify,
    }
    .into_config()?;
    let (kept, outcome) = py.detach(|| -> Result<(usize, DedupOutcome), NativeError> {
        let table = Table::read_parquet(&input)?;
        table.ensure_absent(CLUSTER_ID)?;
        let outcome = deduplicate(&table.texts(column)?, &config)?;
        let cluster_ids: Vec<i64> = outcome.cluster_ids.iter().map(|&c| c as i64).collect();
        let kept = table.keep_with_column(&outcome.keep, CLUSTER_ID, &cluster_ids)?;
        kept.write_parquet(&output)?;
        Ok((kept.num_rows(), outcome))
    })?;
    Ok((kept, (outcome.params.bands, outcome.params.rows), stats_dict(py, &outcome.stats)?))
}

/// The column `pysynth dedup` adds: each row's cluster, named by its first row.
const CLUSTER_ID: &str = "cluster_id";

fn run_dedup(py: Python<'_>, texts: &Bound<'_, PyAny>, config: &Bound<'_, PyAny>) -> PyResult<DedupOutcome> {
    let config = lsh_config(config)?;
    let column = TextColumn::extract(texts)?;
    let strs = column.as_strs()?;
    Ok(py.detach(|| deduplicate(&strs, &config)).map_err(NativeError::from)?)
}

fn stats_dict<'py>(py: Python<'py>, stats: &DedupStats) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("documents", stats.documents)?;
    dict.set_item("empty_documents", stats.empty_documents)?;
    dict.set_item("candidate_pairs", stats.candidate_pairs)?;
    dict.set_item("confirmed_pairs", stats.confirmed_pairs)?;
    dict.set_item("duplicates", stats.duplicates)?;
    Ok(dict)
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
