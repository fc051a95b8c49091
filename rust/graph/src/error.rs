use thiserror::Error;

/// Everything that can go wrong in this crate: a bad parameter, or input data that cannot form a graph.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum GraphError {
    #[error("alpha must lie in [0, 1], got {0}")]
    Alpha(f64),
    #[error("eps must be a finite number > 0 (it keeps the log argument positive), got {0}")]
    Eps(f64),
    #[error("default_difficulty must be a finite number >= 0, got {0}")]
    DefaultDifficulty(f64),
    #[error("no seed has a difficulty label, so there is no mean label to fall back on; pass default_difficulty")]
    NoDifficultyLabels,
    #[error("{labels} difficulty labels were given for {seeds} seeds; give one per seed (None where missing)")]
    LabelCount { labels: usize, seeds: usize },
    #[error("seed {seed}: difficulty label {label} must be a finite number >= 0, or missing")]
    Label { seed: usize, label: f64 },
    #[error("{what} refers to node {id}, but the graph has {node_count} nodes")]
    NodeId { what: String, id: u32, node_count: usize },
    #[error("unknown concept {0:?}")]
    UnknownConcept(String),
    #[error("edge {row}: {node} is joined to itself; self-loops are not allowed")]
    SelfLoop { row: usize, node: String },
    #[error("edges {first} and {second} join the same pair ({} - {}); give each undirected edge once", pair.0, pair.1)]
    DuplicateEdge { first: usize, second: usize, pair: (String, String) },
    #[error("edge {row}: weight {weight} is not finite")]
    Weight { row: usize, weight: f64 },
    #[error("{got} {column} values were given for {edges} edges; give one per edge")]
    ColumnLength { column: &'static str, got: usize, edges: usize },
    #[error("a graph has at most {max} nodes, got {0}", max = u32::MAX - 1)]
    TooManyNodes(usize),
    #[error("cannot start walks: there are no start nodes (none were given, or the graph is empty)")]
    NoStartNodes,
    #[error("max_steps must be at most {max}, got {0}", max = crate::walk::MAX_STEPS)]
    MaxSteps(u32),
}
