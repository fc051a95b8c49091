//! The walking itself, tuned for throughput. A step is one table read at a random place in a
//! large table, so a walk is a chain of cache misses, each waiting on the one before. One thread
//! therefore advances `LANES` walks in lockstep: first it prefetches every lane's table column,
//! then it moves every lane, so the misses of all lanes are in flight together. Walks longer than
//! `SHORT_PATH` nodes take the plain one-walk-at-a-time route, which gives the same sets.

use std::ops::Range;

use rayon::prelude::*;

use crate::graph::ConceptGraph;
use crate::rng::{below, SplitMix64};
use crate::sets::{path_set, short_path_set, PADDING, SHORT_PATH};
use crate::walk::WalkParams;

/// Walks per parallel task: large enough to amortise scheduling, small enough to balance cores.
pub const CHUNK: u64 = 4096;
/// Walks advanced together by one thread.
const LANES: usize = 32;

/// The concept sets of a contiguous range of walks: set sizes, and the sets' ids packed together.
pub struct Batch {
    pub sizes: Vec<u32>,
    pub nodes: Vec<u32>,
}

impl Batch {
    pub fn sets(&self) -> impl Iterator<Item = &[u32]> {
        let mut rest = self.nodes.as_slice();
        self.sizes.iter().map(move |&size| {
            let (set, tail) = rest.split_at(size as usize);
            rest = tail;
            set
        })
    }
}

pub struct Sampler<'a> {
    pub graph: &'a ConceptGraph,
    pub starts: &'a [u32],
    pub params: WalkParams,
}

impl Sampler<'_> {
    fn stride(&self) -> usize {
        self.params.max_steps as usize + 1
    }

    /// The sets of walks `walks`, computed in parallel chunks. Each chunk writes into its own
    /// stride-sized region of one buffer, and the regions are then packed in place, so the ids are
    /// written once and moved once, with no allocation per chunk.
    pub fn batch(&self, walks: Range<u64>) -> Batch {
        let (count, stride) = ((walks.end - walks.start) as usize, self.stride());
        let mut nodes = vec![0u32; count * stride];
        let mut sizes = vec![0u32; count];
        let used: Vec<usize> = nodes
            .par_chunks_mut(CHUNK as usize * stride)
            .zip(sizes.par_chunks_mut(CHUNK as usize))
            .enumerate()
            .map(|(chunk, (out, sizes))| self.walk_chunk(walks.start + chunk as u64 * CHUNK, sizes, out))
            .collect();
        let mut end = 0;
        for (chunk, &used) in used.iter().enumerate() {
            let start = chunk * CHUNK as usize * stride;
            nodes.copy_within(start..start + used, end);
            end += used;
        }
        nodes.truncate(end);
        Batch { sizes, nodes }
    }

    /// Walks `first..first + sizes.len()`: their sets packed at the front of `out` (room for
    /// `sizes.len() * stride` ids) and their sizes in `sizes`. Returns the number of ids written.
    fn walk_chunk(&self, first: u64, sizes: &mut [u32], out: &mut [u32]) -> usize {
        let mut written = 0;
        if self.stride() <= SHORT_PATH {
            for (group, sizes) in sizes.chunks_mut(LANES).enumerate() {
                // Every set so far took at most `stride` ids, so the rest of `out` has room.
                written += self.walk_lanes(first + (group * LANES) as u64, sizes, &mut out[written..]);
            }
        } else {
            for (offset, size) in sizes.iter_mut().enumerate() {
                let distinct = self.walk_one(first + offset as u64, &mut out[written..]);
                *size = distinct as u32;
                written += distinct;
            }
        }
        written
    }

    /// Walks `first..first + sizes.len()` (at most `LANES`, paths of at most `SHORT_PATH` nodes)
    /// in lockstep, as `walk_chunk`.
    fn walk_lanes(&self, first: u64, sizes: &mut [u32], out: &mut [u32]) -> usize {
        let (lanes, tables) = (sizes.len(), self.graph.alias_tables());
        let mut rngs: [SplitMix64; LANES] =
            std::array::from_fn(|lane| SplitMix64::for_walk(self.params.seed, first + lane as u64));
        let mut paths = [[PADDING; SHORT_PATH]; LANES];
        let (mut current, mut lengths) = ([0u32; LANES], [1usize; LANES]);
        for lane in 0..lanes {
            current[lane] = self.starts[below(rngs[lane].next_u64(), self.starts.len() as u32) as usize];
            paths[lane][0] = current[lane];
        }
        let (mut draws, mut columns) = ([0u64; LANES], [None; LANES]);
        for _ in 0..self.params.max_steps {
            // A walk at a node without neighbours has no column, so it stays where it stopped.
            for lane in 0..lanes {
                draws[lane] = rngs[lane].next_u64();
                columns[lane] = tables.column(current[lane], draws[lane]);
                if let Some(column) = columns[lane] {
                    tables.prefetch(column);
                }
            }
            for lane in 0..lanes {
                if let Some(column) = columns[lane] {
                    current[lane] = tables.slot(column).pick(draws[lane]);
                    paths[lane][lengths[lane]] = current[lane];
                    lengths[lane] += 1;
                }
            }
        }
        let mut written = 0;
        for lane in 0..lanes {
            let (set, distinct) = short_path_set(paths[lane]);
            // A fixed-size copy is a few register moves; a variable one would call memcpy.
            match out.get_mut(written..written + SHORT_PATH) {
                Some(room) => room.copy_from_slice(&set),
                None => out[written..written + distinct].copy_from_slice(&set[..distinct]),
            }
            sizes[lane] = distinct as u32;
            written += distinct;
        }
        written
    }

    /// Walk `index`, the plain way: its set at the front of `out` (room for `stride` ids).
    /// Returns the set's size.
    fn walk_one(&self, index: u64, out: &mut [u32]) -> usize {
        let mut rng = SplitMix64::for_walk(self.params.seed, index);
        let mut node = self.starts[below(rng.next_u64(), self.starts.len() as u32) as usize];
        out[0] = node;
        let mut length = 1;
        for _ in 0..self.params.max_steps {
            match self.graph.alias_tables().step(node, rng.next_u64()) {
                Some(next) => node = next,
                None => break,
            }
            out[length] = node;
            length += 1;
        }
        path_set(&mut out[..length])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;

    #[test]
    fn lockstep_lanes_give_the_sets_of_plain_walks() {
        let mut edges: Vec<Edge> = (0..40).map(|u| Edge { source: u, target: (u * 7 + 3) % 41, weight: 0.0 }).collect();
        edges.retain(|e| e.source != e.target);
        edges.extend((0..40).map(|u| Edge { source: u, target: u + 1, weight: (u % 4) as f64 }));
        edges.sort_by_key(|e| (e.source.min(e.target), e.source.max(e.target)));
        edges.dedup_by_key(|e| (e.source.min(e.target), e.source.max(e.target)));
        let graph = ConceptGraph::from_edges(43, edges, None).unwrap(); // 41 and 42 are isolated
        let starts: Vec<u32> = (0..43).collect();
        for max_steps in 0..SHORT_PATH as u32 {
            let sampler = Sampler { graph: &graph, starts: &starts, params: WalkParams { max_steps, seed: 4 } };
            let lanes = sampler.batch(0..1000);
            let mut plain = Vec::new();
            let mut out = vec![0u32; max_steps as usize + 1];
            for index in 0..1000 {
                let distinct = sampler.walk_one(index, &mut out);
                plain.extend_from_slice(&out[..distinct]);
            }
            assert_eq!(lanes.nodes, plain, "max_steps {max_steps}");
        }
    }
}
