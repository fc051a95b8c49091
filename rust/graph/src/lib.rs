//! The concept graph of QueST (Hu et al. 2025) and its random-walk sampler. Nodes are concepts,
//! edges join concepts that co-occur in a seed problem, weighted by
//! `w(u, v) = ln(alpha * freq(u, v) + (1 - alpha) * diff(u, v) + eps)`; a walk moves from `u` to `v`
//! with probability `exp(w(u, v)) / sum_v' exp(w(u, v'))`, drawn in O(1) from per-node alias
//! tables. No Python here; the binding crate converts.

mod alias;
mod error;
mod graph;
mod named;
mod rng;
mod sampler;
mod seeds;
mod sets;
mod vocabulary;
mod walk;

pub use alias::{AliasSlot, AliasTables};
pub use error::GraphError;
pub use graph::{ConceptGraph, Edge, EdgeStats};
pub use named::NamedGraph;
pub use rng::SplitMix64;
pub use seeds::{Seed, WeightParams};
pub use vocabulary::Vocabulary;
pub use walk::{Dedup, WalkParams, Walks, DEFAULT_ATTEMPTS_PER_WALK, MAX_STEPS};
