//! Reading pysynth's pydantic config models (by attribute) into the pure crate's config values.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pysynth_dedup::{LshConfig, LshParams, MinHashConfig, Normalization, Scheme, ShingleConfig, ShingleUnit, Verification};

#[derive(FromPyObject)]
struct PyMinHashConfig {
    num_perm: usize,
    seed: u64,
    scheme: String,
    ngram: usize,
    unit: String,
    lowercase: bool,
    strip_punctuation: bool,
}

#[derive(FromPyObject)]
struct PyLshConfig {
    minhash: PyMinHashConfig,
    threshold: f64,
    #[pyo3(attribute("lsh_weights"))]
    weights: (f64, f64),
    bands: Option<usize>,
    rows: Option<usize>,
    verify: String,
}

fn unknown(field: &str, value: &str) -> PyErr {
    PyValueError::new_err(format!("unknown {field} {value:?}"))
}

impl PyMinHashConfig {
    fn to_config(&self) -> PyResult<MinHashConfig> {
        let scheme = match self.scheme.as_str() {
            "fast" => Scheme::Fast,
            "datasketch" => Scheme::DatasketchAffine32,
            "datasketch-legacy" => Scheme::DatasketchLegacy,
            other => return Err(unknown("scheme", other)),
        };
        let unit = match self.unit.as_str() {
            "word" => ShingleUnit::Word,
            "char" => ShingleUnit::Char,
            other => return Err(unknown("shingle unit", other)),
        };
        let normalization = Normalization { lowercase: self.lowercase, strip_punctuation: self.strip_punctuation };
        let shingle = ShingleConfig { ngram: self.ngram, unit, normalization };
        Ok(MinHashConfig { num_perm: self.num_perm, seed: self.seed, scheme, shingle })
    }
}

pub fn minhash_config(config: &Bound<'_, PyAny>) -> PyResult<MinHashConfig> {
    config.extract::<PyMinHashConfig>()?.to_config()
}

pub fn lsh_config(config: &Bound<'_, PyAny>) -> PyResult<LshConfig> {
    config.extract::<PyLshConfig>()?.into_config()
}

/// `DedupConfig`'s values given one by one (as `pysynth dedup` has them, without building the pydantic
/// model); the pure crate checks them as it checks every config.
pub struct DedupOptions {
    pub num_perm: usize,
    pub seed: u64,
    pub scheme: String,
    pub ngram: usize,
    pub unit: String,
    pub lowercase: bool,
    pub strip_punctuation: bool,
    pub threshold: f64,
    pub weights: (f64, f64),
    pub bands: Option<usize>,
    pub rows: Option<usize>,
    pub verify: String,
}

impl DedupOptions {
    pub fn into_config(self) -> PyResult<LshConfig> {
        let minhash = PyMinHashConfig {
            num_perm: self.num_perm,
            seed: self.seed,
            scheme: self.scheme,
            ngram: self.ngram,
            unit: self.unit,
            lowercase: self.lowercase,
            strip_punctuation: self.strip_punctuation,
        };
        PyLshConfig { minhash, threshold: self.threshold, weights: self.weights, bands: self.bands, rows: self.rows, verify: self.verify }
            .into_config()
    }
}

impl PyLshConfig {
    fn into_config(self) -> PyResult<LshConfig> {
        let verification = match self.verify.as_str() {
            "none" => Verification::None,
            "estimated" => Verification::Estimated,
            "exact" => Verification::Exact,
            other => return Err(unknown("verification", other)),
        };
        let params = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => Some(LshParams { bands, rows }),
            (None, None) => None,
            _ => return Err(PyValueError::new_err("give both bands and rows, or neither")),
        };
        Ok(LshConfig { minhash: self.minhash.to_config()?, threshold: self.threshold, weights: self.weights, params, verification })
    }
}
