//! What dedup and the index keep per document: LSH bucket keys, plus whatever the chosen
//! verification of candidate pairs needs (the signature, or the exact shingle set).

use xxhash_rust::xxh3::xxh3_64;

use crate::error::DedupError;
use crate::lsh::{optimal_params, validate_threshold, LshParams};
use crate::minhash::{MinHashConfig, MinHasher, Scheme, SignScratch};

/// How candidate pairs from LSH buckets are confirmed before they are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Every pair sharing a bucket is a duplicate (plain MinHash LSH, like datasketch).
    None,
    /// Keep pairs whose signatures agree in at least `threshold` of their positions.
    Estimated,
    /// Keep pairs whose shingle sets (64-bit hashes) have Jaccard >= `threshold`.
    Exact,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LshConfig {
    pub minhash: MinHashConfig,
    pub threshold: f64,
    /// (false positive weight, false negative weight) for choosing bands and rows. With verification,
    /// false positives only cost a comparison, so the default weighs missed duplicates.
    pub weights: (f64, f64),
    /// Explicit (bands, rows); chosen from the threshold when absent.
    pub params: Option<LshParams>,
    pub verification: Verification,
}

impl Default for LshConfig {
    fn default() -> Self {
        Self {
            minhash: MinHashConfig::default(),
            threshold: 0.8,
            weights: (0.05, 0.95),
            params: None,
            verification: Verification::Exact,
        }
    }
}

pub struct DocumentSketch {
    /// Empty when the document has no shingles: it never joins a bucket.
    pub band_keys: Vec<u64>,
    pub signature: Vec<u64>,
    pub shingle_set: Vec<u64>,
}

pub struct Sketcher {
    hasher: MinHasher,
    params: LshParams,
    threshold: f64,
    verification: Verification,
}

impl Sketcher {
    pub fn new(config: &LshConfig) -> Result<Self, DedupError> {
        validate_threshold(config.threshold)?;
        let hasher = MinHasher::new(config.minhash)?;
        let num_perm = config.minhash.num_perm;
        let params = match config.params {
            Some(p) => LshParams::validated(p.bands, p.rows, num_perm)?,
            None => optimal_params(config.threshold, num_perm, config.weights)?,
        };
        Ok(Self { hasher, params, threshold: config.threshold, verification: config.verification })
    }

    pub fn params(&self) -> LshParams {
        self.params
    }

    pub fn sketch(&self, text: &str, scratch: &mut SignScratch) -> DocumentSketch {
        let mut sketch = self.sketch_deferred(text, scratch);
        if self.verification == Verification::Exact && !sketch.band_keys.is_empty() {
            // Fast's signature hashes are the set's xxh3 hashes: `scratch.hashes` still holds them.
            sketch.shingle_set = self.shingle_set(text, scratch, self.hasher.config().scheme == Scheme::Fast);
        }
        sketch
    }

    /// `sketch` without the exact shingle set, which `add_shingle_set` fills in later. Batch dedup
    /// verifies only the documents of candidate pairs (at most 4,210 of the benchmark's 20,000): a
    /// set for every document was ~30% of its time (0.25 -> 0.19 s on one thread) and 8 bytes a shingle.
    pub fn sketch_deferred(&self, text: &str, scratch: &mut SignScratch) -> DocumentSketch {
        let mut signature = vec![0u64; self.hasher.num_perm()];
        let shingle_count = self.hasher.sign_into(text, scratch, &mut signature);
        if shingle_count == 0 {
            return DocumentSketch { band_keys: Vec::new(), signature: Vec::new(), shingle_set: Vec::new() };
        }
        let band_keys = (0..self.params.bands).map(|band| self.params.band_key(&signature, band)).collect();
        if self.verification != Verification::Estimated {
            signature = Vec::new();
        }
        DocumentSketch { band_keys, signature, shingle_set: Vec::new() }
    }

    /// The shingle set `sketch_deferred` left out of `sketch` (of `text`), when exact verification needs one.
    pub fn add_shingle_set(&self, sketch: &mut DocumentSketch, text: &str, scratch: &mut SignScratch) {
        if self.verification == Verification::Exact && !sketch.band_keys.is_empty() && sketch.shingle_set.is_empty() {
            sketch.shingle_set = self.shingle_set(text, scratch, false);
        }
    }

    /// Sorted, deduplicated xxh3 hashes of `text`'s shingles; `reuse_hashes` when `scratch.hashes`
    /// holds them already (right after signing `text` with the Fast scheme).
    fn shingle_set(&self, text: &str, scratch: &mut SignScratch, reuse_hashes: bool) -> Vec<u64> {
        let mut set = if reuse_hashes {
            scratch.hashes.clone()
        } else {
            let mut hashes = Vec::new();
            self.hasher.config().shingle.for_each_shingle(text, &mut scratch.shingles, |s| hashes.push(xxh3_64(s)));
            hashes
        };
        set.sort_unstable();
        set.dedup();
        set
    }

    pub fn is_duplicate(&self, a: &DocumentSketch, b: &DocumentSketch) -> bool {
        match self.verification {
            Verification::None => true,
            Verification::Estimated => estimated_jaccard(&a.signature, &b.signature) >= self.threshold,
            Verification::Exact => exact_jaccard(&a.shingle_set, &b.shingle_set) >= self.threshold,
        }
    }
}

pub fn estimated_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len().max(1) as f64
}

/// Jaccard similarity of two sorted, deduplicated sets.
pub fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_of_sorted_sets() {
        assert_eq!(exact_jaccard(&[1, 2, 3, 4], &[3, 4, 5]), 2.0 / 5.0);
        assert_eq!(exact_jaccard(&[], &[]), 0.0);
        assert_eq!(estimated_jaccard(&[1, 2, 3, 4], &[1, 0, 3, 0]), 0.5);
    }
}
