//! A concept graph addressed by concept names: the vocabulary plus the id-based graph.

use crate::error::GraphError;
use crate::graph::{ConceptGraph, Edge, EdgeStats};
use crate::seeds::{Seed, WeightParams};
use crate::vocabulary::Vocabulary;
use crate::walk::{Dedup, WalkParams, Walks};

#[derive(Debug, Clone)]
pub struct NamedGraph {
    pub vocabulary: Vocabulary,
    pub graph: ConceptGraph,
}

impl NamedGraph {
    /// The co-occurrence graph of seeds given as concept names, with one optional label per seed.
    pub fn from_seeds<S: AsRef<str>>(
        seeds: &[Vec<S>],
        difficulties: &[Option<f64>],
        params: &WeightParams,
    ) -> Result<Self, GraphError> {
        if difficulties.len() != seeds.len() {
            return Err(GraphError::LabelCount { labels: difficulties.len(), seeds: seeds.len() });
        }
        let vocabulary = Vocabulary::new(seeds.iter().flatten());
        let seeds = seeds
            .iter()
            .zip(difficulties)
            .map(|(concepts, &difficulty)| Ok(Seed { concepts: vocabulary.ids(concepts)?, difficulty }))
            .collect::<Result<Vec<_>, GraphError>>()?;
        let graph = ConceptGraph::from_seeds(vocabulary.len(), &seeds, params)?;
        Ok(Self { vocabulary, graph })
    }

    /// A graph from undirected edges `(sources[i], targets[i], weights[i])` with optional
    /// per-edge stats, plus `extra_nodes` (e.g. concepts without edges).
    pub fn from_edges<S: AsRef<str>>(
        sources: &[S],
        targets: &[S],
        weights: &[f64],
        stats: Option<Vec<EdgeStats>>,
        extra_nodes: &[S],
    ) -> Result<Self, GraphError> {
        for (column, got) in [("target", targets.len()), ("weight", weights.len())] {
            if got != sources.len() {
                return Err(GraphError::ColumnLength { column, got, edges: sources.len() });
            }
        }
        let vocabulary = Vocabulary::new(sources.iter().chain(targets).chain(extra_nodes));
        let (source_ids, target_ids) = (vocabulary.ids(sources)?, vocabulary.ids(targets)?);
        let edges = (0..weights.len())
            .map(|row| Edge { source: source_ids[row], target: target_ids[row], weight: weights[row] })
            .collect();
        let describe = |id: u32| format!("{:?}", vocabulary.name(id));
        let graph = ConceptGraph::from_described_edges(vocabulary.len(), edges, stats, &describe)?;
        Ok(Self { vocabulary, graph })
    }

    /// Walks starting at the named nodes, or at any node if `start_nodes` is `None`.
    pub fn sample_walks<S: AsRef<str>>(
        &self,
        start_nodes: Option<&[S]>,
        count: usize,
        params: &WalkParams,
        dedup: Dedup,
    ) -> Result<Walks, GraphError> {
        let starts = match start_nodes {
            Some(names) => self.vocabulary.ids(names)?,
            None => (0..self.vocabulary.len() as u32).collect(),
        };
        self.graph.sample_walks(&starts, count, params, dedup)
    }

    /// `(neighbour, probability)` of one step out of `node`, in the neighbours' id order.
    pub fn transition_probabilities(&self, node: &str) -> Result<Vec<(&str, f64)>, GraphError> {
        let probabilities = self.graph.transition_probabilities(self.vocabulary.id(node)?)?;
        Ok(probabilities.into_iter().map(|(id, p)| (self.vocabulary.name(id), p)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_by_name_and_edges_by_name_give_the_same_graph() {
        let seeds = vec![vec!["dp", "graph"], vec!["graph", "greedy", "dp"], vec!["math"]];
        let built = NamedGraph::from_seeds(&seeds, &[Some(2.0), Some(4.0), None], &WeightParams::default()).unwrap();
        assert_eq!(built.vocabulary.names(), ["dp", "graph", "greedy", "math"]);
        let names = |id: u32| built.vocabulary.name(id);
        let (sources, targets): (Vec<&str>, Vec<&str>) =
            built.graph.edges().iter().map(|e| (names(e.source), names(e.target))).unzip();
        let weights: Vec<f64> = built.graph.edges().iter().map(|e| e.weight).collect();
        let loaded = NamedGraph::from_edges(&targets, &sources, &weights, None, &["math"]).unwrap();
        assert_eq!(loaded.vocabulary.names(), built.vocabulary.names());
        assert_eq!(loaded.graph.edges(), built.graph.edges());
        let params = WalkParams { max_steps: 4, seed: 3 };
        let walks = |graph: &NamedGraph| graph.sample_walks::<&str>(None, 50, &params, Dedup::Off).unwrap();
        assert_eq!(walks(&loaded), walks(&built));
    }

    #[test]
    fn names_appear_in_errors() {
        let error = NamedGraph::from_edges(&["a", "b"], &["b", "a"], &[0.0, 1.0], None, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"edges 0 and 1 join the same pair ("a" - "b"); give each undirected edge once"#
        );
        let graph = NamedGraph::from_edges(&["a"], &["b"], &[0.0], None, &[]).unwrap();
        let error = graph.sample_walks(Some(&["c"]), 1, &WalkParams::default(), Dedup::Off).unwrap_err();
        assert_eq!(error, GraphError::UnknownConcept("c".into()));
    }
}
