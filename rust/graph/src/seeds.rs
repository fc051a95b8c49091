//! Edge weights from seed problems: `w(u, v) = ln(alpha * freq(u, v) + (1 - alpha) * diff(u, v) + eps)`.
//!
//! `freq(u, v)` counts the seeds containing both concepts (a concept listed twice in one seed
//! counts once). `diff(u, v)` is the mean difficulty label of those seeds, leaving out seeds
//! without a label; a pair none of whose seeds has a label gets `default_difficulty`, by default
//! the mean label over all labelled seeds. Labels and the default must be finite and >= 0 (QueST
//! labels difficulty 1 to 5); with alpha in [0, 1], freq >= 1 and eps > 0 that keeps the log
//! argument >= eps > 0, so every weight is finite.

use rayon::prelude::*;

use crate::error::GraphError;
use crate::graph::{ConceptGraph, Edge, EdgeStats};

/// A seed problem: the concepts it uses and its difficulty label, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    pub concepts: Vec<u32>,
    pub difficulty: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightParams {
    /// Share of frequency against difficulty in the weight, in [0, 1].
    pub alpha: f64,
    /// Added inside the log so that it stays finite; > 0.
    pub eps: f64,
    /// `diff` of a pair whose seeds have no label; `None` means the mean of all labels.
    pub default_difficulty: Option<f64>,
}

impl Default for WeightParams {
    fn default() -> Self {
        Self { alpha: 0.5, eps: 1e-6, default_difficulty: None }
    }
}

impl WeightParams {
    pub fn validate(&self) -> Result<(), GraphError> {
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(GraphError::Alpha(self.alpha));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(GraphError::Eps(self.eps));
        }
        match self.default_difficulty {
            Some(d) if !(d.is_finite() && d >= 0.0) => Err(GraphError::DefaultDifficulty(d)),
            _ => Ok(()),
        }
    }

    /// The log weight of a pair seen in `freq` seeds with difficulty `difficulty`.
    pub fn weight(&self, freq: u32, difficulty: f64) -> f64 {
        (self.alpha * freq as f64 + (1.0 - self.alpha) * difficulty + self.eps).ln()
    }
}

impl ConceptGraph {
    /// The co-occurrence graph of `seeds` on nodes `0..node_count`.
    pub fn from_seeds(node_count: usize, seeds: &[Seed], params: &WeightParams) -> Result<Self, GraphError> {
        params.validate()?;
        Self::check_node_count(node_count)?;
        let mut labels = Vec::new();
        for (index, seed) in seeds.iter().enumerate() {
            if let Some(label) = seed.difficulty {
                if !(label.is_finite() && label >= 0.0) {
                    return Err(GraphError::Label { seed: index, label });
                }
                labels.push(label);
            }
            for &id in &seed.concepts {
                if id as usize >= node_count {
                    return Err(GraphError::NodeId { what: format!("seed {index}"), id, node_count });
                }
            }
        }
        let fallback = match params.default_difficulty {
            Some(difficulty) => Some(difficulty),
            None if labels.is_empty() => None,
            None => Some(labels.iter().sum::<f64>() / labels.len() as f64),
        };
        // (u, v, seed index) for every pair in every seed; sorting groups a pair's seeds in seed
        // order, so the mean is summed in the same order on every run.
        let mut pairs: Vec<(u32, u32, u32)> = seeds
            .par_iter()
            .enumerate()
            .flat_map_iter(|(index, seed)| {
                let mut concepts = seed.concepts.clone();
                concepts.sort_unstable();
                concepts.dedup();
                let pairs: Vec<(u32, u32, u32)> = (0..concepts.len())
                    .flat_map(|i| (i + 1..concepts.len()).map(move |j| (i, j)))
                    .map(|(i, j)| (concepts[i], concepts[j], index as u32))
                    .collect();
                pairs
            })
            .collect();
        pairs.par_sort_unstable();
        let (mut edges, mut stats) = (Vec::new(), Vec::new());
        for group in pairs.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let group_labels: Vec<f64> =
                group.iter().filter_map(|&(_, _, seed)| seeds[seed as usize].difficulty).collect();
            let difficulty = if group_labels.is_empty() {
                fallback.ok_or(GraphError::NoDifficultyLabels)?
            } else {
                group_labels.iter().sum::<f64>() / group_labels.len() as f64
            };
            let freq = group.len() as u32;
            edges.push(Edge { source: group[0].0, target: group[0].1, weight: params.weight(freq, difficulty) });
            stats.push(EdgeStats { freq, difficulty });
        }
        Ok(Self::from_sorted(node_count, edges, Some(stats)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(concepts: &[u32], difficulty: Option<f64>) -> Seed {
        Seed { concepts: concepts.to_vec(), difficulty }
    }

    #[test]
    fn weights_follow_the_formula_on_a_hand_made_example() {
        let seeds =
            [seed(&[0, 1, 2], Some(3.0)), seed(&[1, 0], Some(5.0)), seed(&[2, 1, 1], None), seed(&[3], Some(1.0))];
        let params = WeightParams { alpha: 0.3, eps: 0.01, default_difficulty: None };
        let graph = ConceptGraph::from_seeds(4, &seeds, &params).unwrap();
        // (0,1): seeds 0 and 1 -> freq 2, diff (3+5)/2 = 4. (0,2): seed 0 -> freq 1, diff 3.
        // (1,2): seeds 0 and 2 -> freq 2, diff 3 (seed 2 has no label). Node 3 is isolated.
        let expected = [(0, 1, 2, 4.0), (0, 2, 1, 3.0), (1, 2, 2, 3.0)];
        assert_eq!(graph.edges().len(), expected.len());
        for ((edge, stats), (source, target, freq, diff)) in
            graph.edges().iter().zip(graph.stats().unwrap()).zip(expected)
        {
            assert_eq!((edge.source, edge.target, stats.freq, stats.difficulty), (source, target, freq, diff));
            let hand = (0.3 * freq as f64 + 0.7 * diff + 0.01).ln();
            assert!((edge.weight - hand).abs() < 1e-12, "edge ({source}, {target}): {} != {hand}", edge.weight);
        }
        assert!(graph.neighbours(3).is_empty());
    }

    #[test]
    fn unlabelled_pairs_fall_back_to_the_mean_label_or_the_default() {
        let seeds = [seed(&[0, 1], Some(2.0)), seed(&[1, 2], None), seed(&[3, 4], Some(4.0))];
        let mean = ConceptGraph::from_seeds(5, &seeds, &WeightParams::default()).unwrap();
        assert_eq!(mean.stats().unwrap()[1].difficulty, 3.0);
        let params = WeightParams { default_difficulty: Some(1.5), ..WeightParams::default() };
        let fixed = ConceptGraph::from_seeds(5, &seeds, &params).unwrap();
        assert_eq!(fixed.stats().unwrap()[1].difficulty, 1.5);
        let unlabelled = [seed(&[0, 1], None)];
        let error = ConceptGraph::from_seeds(2, &unlabelled, &WeightParams::default()).unwrap_err();
        assert_eq!(error, GraphError::NoDifficultyLabels);
    }

    #[test]
    fn parameters_and_labels_are_validated() {
        let seeds = [seed(&[0, 1], Some(1.0))];
        let build =
            |alpha, eps| ConceptGraph::from_seeds(2, &seeds, &WeightParams { alpha, eps, default_difficulty: None });
        assert_eq!(build(1.5, 1e-6).unwrap_err(), GraphError::Alpha(1.5));
        assert_eq!(build(0.5, 0.0).unwrap_err(), GraphError::Eps(0.0));
        assert!(build(0.0, 1e-6).is_ok() && build(1.0, 1e-6).is_ok());
        let negative = [seed(&[0, 1], Some(-2.0))];
        let error = ConceptGraph::from_seeds(2, &negative, &WeightParams::default()).unwrap_err();
        assert_eq!(error, GraphError::Label { seed: 0, label: -2.0 });
    }
}
