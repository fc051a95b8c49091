//! An incremental LSH index: insert reference documents (e.g. a benchmark), then query new
//! documents for near-duplicates of them, for decontamination.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::DedupError;
use crate::lsh::LshParams;
use crate::minhash::SignScratch;
use crate::sketch::{DocumentSketch, LshConfig, Sketcher};

pub struct LshIndex {
    sketcher: Sketcher,
    buckets: Vec<HashMap<u64, Vec<u32>>>,
    ids: Vec<u64>,
    sketches: Vec<DocumentSketch>,
}

impl LshIndex {
    pub fn new(config: &LshConfig) -> Result<Self, DedupError> {
        let sketcher = Sketcher::new(config)?;
        let buckets = vec![HashMap::new(); sketcher.params().bands];
        Ok(Self { sketcher, buckets, ids: Vec::new(), sketches: Vec::new() })
    }

    pub fn params(&self) -> LshParams {
        self.sketcher.params()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn sketch_all(&self, texts: &[&str]) -> Vec<DocumentSketch> {
        texts
            .par_iter()
            .with_min_len(32)
            .map_init(SignScratch::default, |scratch, text| self.sketcher.sketch(text, scratch))
            .collect()
    }

    /// Adds `texts` under the caller's `ids` (one per text; ids may repeat).
    pub fn insert(&mut self, texts: &[&str], ids: &[u64]) -> Result<(), DedupError> {
        if texts.len() != ids.len() {
            return Err(DedupError::IdCount { ids: ids.len(), texts: texts.len() });
        }
        for (sketch, &id) in self.sketch_all(texts).into_iter().zip(ids) {
            let slot = self.sketches.len() as u32;
            for (band, &key) in sketch.band_keys.iter().enumerate() {
                self.buckets[band].entry(key).or_default().push(slot);
            }
            self.sketches.push(sketch);
            self.ids.push(id);
        }
        Ok(())
    }

    /// For each text, the sorted, distinct ids of indexed documents it near-duplicates.
    pub fn query(&self, texts: &[&str]) -> Vec<Vec<u64>> {
        self.sketch_all(texts)
            .par_iter()
            .map(|sketch| {
                let mut slots: Vec<u32> = sketch
                    .band_keys
                    .iter()
                    .enumerate()
                    .filter_map(|(band, key)| self.buckets[band].get(key))
                    .flatten()
                    .copied()
                    .collect();
                slots.sort_unstable();
                slots.dedup();
                let mut ids: Vec<u64> = slots
                    .into_iter()
                    .filter(|&slot| self.sketcher.is_duplicate(sketch, &self.sketches[slot as usize]))
                    .map(|slot| self.ids[slot as usize])
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_contaminated_queries() {
        let benchmark = [
            "given an array of n integers find the length of the longest strictly increasing subsequence",
            "count the number of shortest paths from vertex one to vertex n in a weighted directed graph",
        ];
        let mut index = LshIndex::new(&LshConfig::default()).unwrap();
        index.insert(&benchmark, &[10, 20]).unwrap();
        let queries = [
            "Given an array of N integers, find the length of the longest strictly increasing subsequence!",
            "write a poem about the sea",
        ];
        assert_eq!(index.query(&queries), vec![vec![10], vec![]]);
        assert_eq!(index.insert(&benchmark, &[1]), Err(DedupError::IdCount { ids: 1, texts: 2 }));
    }
}
