//! The concept graph: an undirected, weighted edge list, its adjacency lists (CSR) and the alias
//! tables that walks step with.

use crate::alias::AliasTables;
use crate::error::GraphError;

/// An undirected edge, stored once with `source < target`; `weight` is the log weight `w(u, v)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub source: u32,
    pub target: u32,
    pub weight: f64,
}

/// What an edge built from seeds was weighted with: the number of seeds containing both concepts
/// and the difficulty used in the formula (their mean label, or the default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeStats {
    pub freq: u32,
    pub difficulty: f64,
}

#[derive(Debug, Clone)]
pub struct ConceptGraph {
    node_count: usize,
    edges: Vec<Edge>,
    stats: Option<Vec<EdgeStats>>,
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
    log_weights: Vec<f64>,
    alias: AliasTables,
}

impl ConceptGraph {
    /// A graph on nodes `0..node_count` from undirected edges given in either direction, each
    /// pair at most once, with optional stats parallel to `edges`. Edges are kept sorted by
    /// (source, target) and adjacency lists by neighbour, so the same edges give the same walks
    /// whatever order they came in.
    pub fn from_edges(node_count: usize, edges: Vec<Edge>, stats: Option<Vec<EdgeStats>>) -> Result<Self, GraphError> {
        Self::from_described_edges(node_count, edges, stats, &|id| id.to_string())
    }

    /// As `from_edges`, naming nodes in error messages with `describe`.
    pub(crate) fn from_described_edges(
        node_count: usize,
        edges: Vec<Edge>,
        stats: Option<Vec<EdgeStats>>,
        describe: &dyn Fn(u32) -> String,
    ) -> Result<Self, GraphError> {
        Self::check_node_count(node_count)?;
        if let Some(stats) = &stats {
            if stats.len() != edges.len() {
                return Err(GraphError::ColumnLength { column: "stats", got: stats.len(), edges: edges.len() });
            }
        }
        for (row, edge) in edges.iter().enumerate() {
            for id in [edge.source, edge.target] {
                if id as usize >= node_count {
                    return Err(GraphError::NodeId { what: format!("edge {row}"), id, node_count });
                }
            }
            if edge.source == edge.target {
                return Err(GraphError::SelfLoop { row, node: describe(edge.source) });
            }
            if !edge.weight.is_finite() {
                return Err(GraphError::Weight { row, weight: edge.weight });
            }
        }
        let canonical = |e: &Edge| (e.source.min(e.target), e.source.max(e.target));
        let mut order: Vec<usize> = (0..edges.len()).collect();
        order.sort_unstable_by_key(|&row| (canonical(&edges[row]), row));
        for pair in order.windows(2) {
            if canonical(&edges[pair[0]]) == canonical(&edges[pair[1]]) {
                let (source, target) = canonical(&edges[pair[0]]);
                let names = (describe(source), describe(target));
                return Err(GraphError::DuplicateEdge { first: pair[0], second: pair[1], pair: names });
            }
        }
        let sorted_edges: Vec<Edge> = order
            .iter()
            .map(|&row| {
                let (source, target) = canonical(&edges[row]);
                Edge { source, target, weight: edges[row].weight }
            })
            .collect();
        let stats = stats.map(|stats| order.iter().map(|&row| stats[row]).collect());
        Ok(Self::from_sorted(node_count, sorted_edges, stats))
    }

    /// `edges` already canonical (source < target), sorted and free of duplicates.
    pub(crate) fn from_sorted(node_count: usize, edges: Vec<Edge>, stats: Option<Vec<EdgeStats>>) -> Self {
        let mut offsets = vec![0usize; node_count + 1];
        for edge in &edges {
            offsets[edge.source as usize + 1] += 1;
            offsets[edge.target as usize + 1] += 1;
        }
        for node in 0..node_count {
            offsets[node + 1] += offsets[node];
        }
        // Visiting edges sorted by (source, target) fills each list in increasing neighbour order:
        // a node's smaller neighbours arrive as sources before its larger ones as targets.
        let mut fill = offsets[..node_count].to_vec();
        let mut neighbours = vec![0u32; 2 * edges.len()];
        let mut log_weights = vec![0f64; 2 * edges.len()];
        for edge in &edges {
            for (from, to) in [(edge.source, edge.target), (edge.target, edge.source)] {
                let slot = &mut fill[from as usize];
                neighbours[*slot] = to;
                log_weights[*slot] = edge.weight;
                *slot += 1;
            }
        }
        let alias = AliasTables::build(&offsets, &neighbours, &log_weights);
        Self { node_count, edges, stats, offsets, neighbours, log_weights, alias }
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Every edge once, sorted by (source, target), with source < target.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Per edge (parallel to `edges`), its frequency and difficulty; `None` for a graph loaded
    /// from bare weights.
    pub fn stats(&self) -> Option<&[EdgeStats]> {
        self.stats.as_deref()
    }

    pub fn neighbours(&self, node: u32) -> &[u32] {
        &self.neighbours[self.offsets[node as usize]..self.offsets[node as usize + 1]]
    }

    pub fn alias_tables(&self) -> &AliasTables {
        &self.alias
    }

    /// Ids must fit in u32 with `u32::MAX` to spare: walks pad short paths with it.
    pub(crate) fn check_node_count(node_count: usize) -> Result<(), GraphError> {
        if node_count < u32::MAX as usize {
            Ok(())
        } else {
            Err(GraphError::TooManyNodes(node_count))
        }
    }

    pub(crate) fn check_node(&self, node: u32, what: &str) -> Result<(), GraphError> {
        if (node as usize) < self.node_count {
            Ok(())
        } else {
            Err(GraphError::NodeId { what: what.to_string(), id: node, node_count: self.node_count })
        }
    }

    /// One step's distribution out of `node`: `(v, exp(w(node, v)) / sum_v' exp(w(node, v')))`
    /// for each neighbour in increasing order; empty for a node without neighbours.
    pub fn transition_probabilities(&self, node: u32) -> Result<Vec<(u32, f64)>, GraphError> {
        self.check_node(node, "the node")?;
        let range = self.offsets[node as usize]..self.offsets[node as usize + 1];
        let logs = &self.log_weights[range.clone()];
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logs.iter().map(|w| (w - top).exp()).sum();
        Ok(self.neighbours[range].iter().zip(logs).map(|(&v, w)| (v, (w - top).exp() / total)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(source: u32, target: u32, weight: f64) -> Edge {
        Edge { source, target, weight }
    }

    #[test]
    fn edges_are_canonical_and_adjacency_is_symmetric() {
        let graph =
            ConceptGraph::from_edges(4, vec![edge(2, 0, 1.0), edge(0, 1, 0.0), edge(3, 2, -1.0)], None).unwrap();
        let pairs: Vec<(u32, u32)> = graph.edges().iter().map(|e| (e.source, e.target)).collect();
        assert_eq!(pairs, [(0, 1), (0, 2), (2, 3)]);
        assert_eq!(graph.neighbours(0), [1, 2]);
        assert_eq!(graph.neighbours(2), [0, 3]);
        let probabilities = graph.transition_probabilities(0).unwrap();
        let e = std::f64::consts::E;
        assert_eq!(probabilities[0].0, 1);
        assert!((probabilities[0].1 - 1.0 / (1.0 + e)).abs() < 1e-12);
        assert!((probabilities[1].1 - e / (1.0 + e)).abs() < 1e-12);
    }

    #[test]
    fn bad_edge_lists_are_rejected_with_the_row() {
        let error = |edges: Vec<Edge>| ConceptGraph::from_edges(3, edges, None).unwrap_err();
        assert!(matches!(
            error(vec![edge(0, 1, 0.0), edge(1, 0, 2.0)]),
            GraphError::DuplicateEdge { first: 0, second: 1, .. }
        ));
        assert!(matches!(error(vec![edge(1, 1, 0.0)]), GraphError::SelfLoop { row: 0, .. }));
        assert!(matches!(error(vec![edge(0, 3, 0.0)]), GraphError::NodeId { id: 3, .. }));
        assert!(matches!(error(vec![edge(0, 1, f64::NAN)]), GraphError::Weight { row: 0, .. }));
    }
}
