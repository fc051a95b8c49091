//! Wrappers over `pysynth_graph`: extract, release the GIL, convert back.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pysynth_graph::{Dedup, EdgeStats, NamedGraph, WalkParams, WeightParams};

use crate::errors::NativeError;
use crate::texts::TextColumn;

/// `(sources uint32[], targets uint32[], weights float64[], freq uint32[] | None, diff float64[] | None)`.
type EdgeArrays<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<f64>>,
    Option<Bound<'py, PyArray1<u32>>>,
    Option<Bound<'py, PyArray1<f64>>>,
);

/// `(offsets uint64[n + 1], node ids uint32[], walks drawn)`.
type WalkArrays<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u32>>, u64);

#[pyclass(name = "ConceptGraph", module = "pysynth._native", frozen)]
pub struct PyConceptGraph {
    inner: NamedGraph,
}

#[pymethods]
impl PyConceptGraph {
    #[staticmethod]
    #[pyo3(signature = (seeds, difficulties, alpha, eps, default_difficulty=None))]
    fn from_seeds(
        py: Python<'_>,
        seeds: Vec<Vec<String>>,
        difficulties: Vec<Option<f64>>,
        alpha: f64,
        eps: f64,
        default_difficulty: Option<f64>,
    ) -> PyResult<Self> {
        let params = WeightParams { alpha, eps, default_difficulty };
        let inner = py.detach(|| NamedGraph::from_seeds(&seeds, &difficulties, &params)).map_err(NativeError::from)?;
        Ok(Self { inner })
    }

    #[staticmethod]
    #[pyo3(signature = (sources, targets, weights, freq, diff, nodes))]
    fn from_edges(
        py: Python<'_>,
        sources: &Bound<'_, PyAny>,
        targets: &Bound<'_, PyAny>,
        weights: Vec<f64>,
        freq: Option<Vec<u32>>,
        diff: Option<Vec<f64>>,
        nodes: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let (sources, targets, nodes) =
            (TextColumn::extract(sources)?, TextColumn::extract(targets)?, TextColumn::extract(nodes)?);
        let (sources, targets, nodes) = (sources.as_strs()?, targets.as_strs()?, nodes.as_strs()?);
        let stats = match (freq, diff) {
            (None, None) => None,
            (Some(freq), Some(diff)) if freq.len() == diff.len() => {
                Some(freq.into_iter().zip(diff).map(|(freq, difficulty)| EdgeStats { freq, difficulty }).collect())
            }
            _ => return Err(NativeError::Input("give freq and diff for every edge, or neither".into()).into()),
        };
        let inner =
            py.detach(|| NamedGraph::from_edges(&sources, &targets, &weights, stats, &nodes)).map_err(NativeError::from)?;
        Ok(Self { inner })
    }

    #[getter]
    fn nodes(&self) -> Vec<String> {
        self.inner.vocabulary.names().to_vec()
    }

    fn edges<'py>(&self, py: Python<'py>) -> EdgeArrays<'py> {
        let edges = self.inner.graph.edges();
        let sources: Vec<u32> = edges.iter().map(|e| e.source).collect();
        let targets: Vec<u32> = edges.iter().map(|e| e.target).collect();
        let weights: Vec<f64> = edges.iter().map(|e| e.weight).collect();
        let stats = self.inner.graph.stats();
        let freq = stats.map(|s| s.iter().map(|s| s.freq).collect::<Vec<_>>().into_pyarray(py));
        let diff = stats.map(|s| s.iter().map(|s| s.difficulty).collect::<Vec<_>>().into_pyarray(py));
        (sources.into_pyarray(py), targets.into_pyarray(py), weights.into_pyarray(py), freq, diff)
    }

    fn transition_probabilities(&self, node: &str) -> PyResult<Vec<(String, f64)>> {
        let probabilities = self.inner.transition_probabilities(node).map_err(NativeError::from)?;
        Ok(probabilities.into_iter().map(|(name, p)| (name.to_owned(), p)).collect())
    }

    #[pyo3(signature = (count, start_nodes, max_steps, seed, unique, max_attempts=None))]
    #[allow(clippy::too_many_arguments)] // the arguments of pysynth.ConceptGraph.sample_walks_arrays
    fn sample_walks<'py>(
        &self,
        py: Python<'py>,
        count: usize,
        start_nodes: Option<Vec<String>>,
        max_steps: u32,
        seed: u64,
        unique: bool,
        max_attempts: Option<usize>,
    ) -> PyResult<WalkArrays<'py>> {
        let params = WalkParams { max_steps, seed };
        let dedup = match (unique, max_attempts) {
            (false, _) => Dedup::Off,
            (true, None) => Dedup::unique(count),
            (true, Some(max_attempts)) => Dedup::Unique { max_attempts },
        };
        let walks = py
            .detach(|| self.inner.sample_walks(start_nodes.as_deref(), count, &params, dedup))
            .map_err(NativeError::from)?;
        Ok((walks.offsets.into_pyarray(py), walks.nodes.into_pyarray(py), walks.attempts))
    }
}
