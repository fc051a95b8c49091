//! Batch near-duplicate detection: sketch every document, bucket by LSH band, verify candidate
//! pairs, and cluster with union-find. Clusters are single-linkage: A~B and B~C put A, B and C
//! together even if A and C are not similar. Each cluster keeps its first document.

use rayon::prelude::*;

use crate::cluster::UnionFind;
use crate::error::DedupError;
use crate::lsh::LshParams;
use crate::minhash::SignScratch;
use crate::sketch::{DocumentSketch, LshConfig, Sketcher, Verification};

/// Within a bucket larger than this, verification compares each member with the bucket's first and
/// with its predecessor only, instead of with every earlier member, to bound the work.
const ALL_PAIRS_BUCKET_LIMIT: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DedupStats {
    pub documents: usize,
    /// Documents with no shingles after normalization; each stays its own cluster.
    pub empty_documents: usize,
    /// Distinct document pairs that shared at least one bucket.
    pub candidate_pairs: usize,
    /// Candidate pairs that passed verification.
    pub confirmed_pairs: usize,
    /// Documents not kept because an earlier document of their cluster is.
    pub duplicates: usize,
}

#[derive(Debug, Clone)]
pub struct DedupOutcome {
    /// For each document, the index of its cluster's first document.
    pub cluster_ids: Vec<u64>,
    pub keep: Vec<bool>,
    pub params: LshParams,
    pub stats: DedupStats,
}

pub fn deduplicate(texts: &[&str], config: &LshConfig) -> Result<DedupOutcome, DedupError> {
    let sketcher = Sketcher::new(config)?;
    let params = sketcher.params();
    let mut sketches: Vec<DocumentSketch> = texts
        .par_iter()
        .with_min_len(32)
        .map_init(SignScratch::default, |scratch, text| sketcher.sketch_deferred(text, scratch))
        .collect();

    let verify_all_pairs = config.verification != Verification::None;
    let mut candidates: Vec<(u32, u32)> = (0..params.bands)
        .into_par_iter()
        .flat_map_iter(|band| bucket_pairs(&sketches, band, verify_all_pairs))
        .collect();
    candidates.par_sort_unstable();
    candidates.dedup();

    let mut in_a_pair = vec![false; texts.len()];
    for &(a, b) in &candidates {
        in_a_pair[a as usize] = true;
        in_a_pair[b as usize] = true;
    }
    sketches
        .par_iter_mut()
        .zip(texts.par_iter())
        .zip(in_a_pair.par_iter())
        .with_min_len(32)
        .filter(|(_, &needed)| needed)
        .for_each_init(SignScratch::default, |scratch, ((sketch, text), _)| sketcher.add_shingle_set(sketch, text, scratch));

    let confirmed: Vec<(u32, u32)> = candidates
        .par_iter()
        .copied()
        .filter(|&(a, b)| sketcher.is_duplicate(&sketches[a as usize], &sketches[b as usize]))
        .collect();

    let mut clusters = UnionFind::new(texts.len());
    for &(a, b) in &confirmed {
        clusters.union(a, b);
    }
    let cluster_ids: Vec<u64> = (0..texts.len() as u32).map(|i| u64::from(clusters.find(i))).collect();
    let keep: Vec<bool> = cluster_ids.iter().enumerate().map(|(i, &c)| c == i as u64).collect();
    let stats = DedupStats {
        documents: texts.len(),
        empty_documents: sketches.iter().filter(|s| s.band_keys.is_empty()).count(),
        candidate_pairs: candidates.len(),
        confirmed_pairs: confirmed.len(),
        duplicates: keep.iter().filter(|&&k| !k).count(),
    };
    Ok(DedupOutcome { cluster_ids, keep, params, stats })
}

/// Candidate pairs `(earlier, later)` among documents sharing a bucket in `band`.
fn bucket_pairs(sketches: &[DocumentSketch], band: usize, all_pairs: bool) -> Vec<(u32, u32)> {
    let mut entries: Vec<(u64, u32)> = sketches
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.band_keys.is_empty())
        .map(|(doc, s)| (s.band_keys[band], doc as u32))
        .collect();
    entries.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
        let first = bucket[0].1;
        for (position, &(_, doc)) in bucket.iter().enumerate().skip(1) {
            if !all_pairs {
                pairs.push((first, doc));
            } else if bucket.len() <= ALL_PAIRS_BUCKET_LIMIT {
                pairs.extend(bucket[..position].iter().map(|&(_, earlier)| (earlier, doc)));
            } else {
                pairs.push((first, doc));
                pairs.push((bucket[position - 1].1, doc));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "the committee met on tuesday to discuss the annual budget for the city library \
        and agreed to extend opening hours on weekends while reducing spending on printed newspapers";

    fn config(verification: Verification) -> LshConfig {
        LshConfig { verification, ..Default::default() }
    }

    #[test]
    fn clusters_near_duplicates_and_keeps_the_first() {
        // Editing the last word changes 1 of 26 five-word shingles: Jaccard 25/27, about 0.93.
        let edited = BASE.replace("newspapers", "magazines");
        let other = "a completely different text about mountain hiking trails, weather and safe camping gear";
        let texts = [other, BASE, other, &edited, "", ""];
        for verification in [Verification::None, Verification::Estimated, Verification::Exact] {
            let outcome = deduplicate(&texts, &config(verification)).unwrap();
            assert_eq!(outcome.cluster_ids, [0, 1, 0, 1, 4, 5], "{verification:?}");
            assert_eq!(outcome.keep, [true, true, false, false, true, true]);
            assert_eq!(outcome.stats.duplicates, 2);
            assert_eq!(outcome.stats.empty_documents, 2);
        }
    }

    #[test]
    fn verification_rejects_pairs_below_threshold() {
        // Forcing a single one-row band makes almost every pair a candidate.
        let loose = |verification| LshConfig {
            params: Some(LshParams { bands: 1, rows: 1 }),
            ..config(verification)
        };
        let texts = [BASE, "the committee met on tuesday to discuss something else entirely, nothing shared"];
        let unverified = deduplicate(&texts, &loose(Verification::None)).unwrap();
        let verified = deduplicate(&texts, &loose(Verification::Exact)).unwrap();
        if unverified.stats.candidate_pairs == 1 {
            assert_eq!(unverified.keep, [true, false]);
        }
        assert_eq!(verified.keep, [true, true]);
        assert_eq!(verified.stats.confirmed_pairs, 0);
    }
}
