//! Random walks on the concept graph, each yielding a concept set.
//!
//! A walk starts at a start node drawn uniformly and takes up to `max_steps` steps, moving from `u`
//! to `v` with probability `exp(w(u, v)) / sum_v' exp(w(u, v'))`. It may step back onto a node it
//! already visited (the chain is exactly the one the formula describes); its concept set is the
//! distinct nodes it visited, sorted, so a set has 1 to `max_steps + 1` concepts. A walk stops early
//! only at a node without neighbours, which in an undirected graph means an isolated start node.
//!
//! Walk `i` draws from its own generator seeded by (seed, i) and walks run in fixed chunks on
//! rayon's pool, so the output depends on the seed alone, not on the number of threads.

use hashbrown::HashTable;

use crate::error::GraphError;
use crate::graph::ConceptGraph;
use crate::rng::mix64;
use crate::sampler::{Batch, Sampler, CHUNK};

/// Concept sets come from short walks (QueST's have a handful of steps); the cap keeps a typo
/// from reserving memory for billions of steps per walk.
pub const MAX_STEPS: u32 = 1024;
/// With `Dedup::unique`, give up after drawing this many walks per set asked for.
pub const DEFAULT_ATTEMPTS_PER_WALK: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkParams {
    pub max_steps: u32,
    pub seed: u64,
}

impl Default for WalkParams {
    fn default() -> Self {
        Self { max_steps: 6, seed: 0 }
    }
}

/// Whether repeated concept sets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedup {
    /// Every walk's set, repeats included: exactly `count` sets.
    Off,
    /// The first occurrence of each distinct set, in walk order, drawing walks until `count`
    /// distinct sets are found or `max_attempts` walks were drawn.
    Unique { max_attempts: usize },
}

impl Dedup {
    pub fn unique(count: usize) -> Self {
        Self::Unique { max_attempts: count.saturating_mul(DEFAULT_ATTEMPTS_PER_WALK) }
    }
}

/// Concept sets, flat: set `i` is `nodes[offsets[i]..offsets[i + 1]]`, sorted ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walks {
    pub offsets: Vec<u64>,
    pub nodes: Vec<u32>,
    /// How many walks were drawn to produce these sets.
    pub attempts: u64,
}

impl Walks {
    fn with_capacity(walks: usize, nodes: usize) -> Self {
        let mut offsets = Vec::with_capacity(walks + 1);
        offsets.push(0);
        Self { offsets, nodes: Vec::with_capacity(nodes), attempts: 0 }
    }

    fn push(&mut self, set: &[u32]) {
        self.nodes.extend_from_slice(set);
        self.offsets.push(self.nodes.len() as u64);
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> &[u32] {
        &self.nodes[self.offsets[index] as usize..self.offsets[index + 1] as usize]
    }
}

impl Sampler<'_> {
    fn all(&self, count: usize) -> Walks {
        let Batch { sizes, nodes } = self.batch(0..count as u64);
        let mut offsets = Vec::with_capacity(count + 1);
        offsets.push(0);
        let mut end = 0;
        offsets.extend(sizes.iter().map(|&size| {
            end += size as u64;
            end
        }));
        Walks { offsets, nodes, attempts: count as u64 }
    }

    fn unique(&self, count: usize, max_attempts: usize) -> Walks {
        let mut walks = Walks::with_capacity(count, 0);
        // Indices into `walks`: each distinct set is stored once, in the output itself.
        let mut seen: HashTable<usize> = HashTable::with_capacity(count);
        let (mut drawn, max_attempts) = (0u64, max_attempts as u64);
        'drawing: while walks.len() < count && drawn < max_attempts {
            let wanted = (count - walks.len()) as u64;
            // Enough walks for the sets still wanted if few repeat; more rounds follow if many do.
            let end = (drawn + wanted + wanted / 4 + CHUNK).min(max_attempts);
            for set in self.batch(drawn..end).sets() {
                drawn += 1;
                let hash = set_hash(set);
                if seen.find(hash, |&index| walks.get(index) == set).is_none() {
                    walks.push(set);
                    seen.insert_unique(hash, walks.len() - 1, |&index| set_hash(walks.get(index)));
                    if walks.len() == count {
                        break 'drawing;
                    }
                }
            }
        }
        walks.attempts = drawn;
        walks
    }
}

fn set_hash(set: &[u32]) -> u64 {
    set.iter().fold(set.len() as u64, |hash, &node| mix64(hash ^ node as u64))
}

impl ConceptGraph {
    /// `count` concept sets from walks starting uniformly among `starts` (duplicates ignored).
    pub fn sample_walks(
        &self,
        starts: &[u32],
        count: usize,
        params: &WalkParams,
        dedup: Dedup,
    ) -> Result<Walks, GraphError> {
        if params.max_steps > MAX_STEPS {
            return Err(GraphError::MaxSteps(params.max_steps));
        }
        for &node in starts {
            self.check_node(node, "a start node")?;
        }
        let mut starts = starts.to_vec();
        starts.sort_unstable();
        starts.dedup();
        if count == 0 {
            return Ok(Walks::with_capacity(0, 0));
        }
        if starts.is_empty() {
            return Err(GraphError::NoStartNodes);
        }
        let sampler = Sampler { graph: self, starts: &starts, params: *params };
        Ok(match dedup {
            Dedup::Off => sampler.all(count),
            Dedup::Unique { max_attempts } => sampler.unique(count, max_attempts),
        })
    }
}
