//! Vose's alias method, one table per node, laid out like the adjacency lists (CSR): node `u`'s
//! table is `slots[offsets[u]..offsets[u + 1]]`, one column per neighbour. A step draws a column
//! uniformly and a 32-bit coin, so it costs one random number and one slot read whatever the degree.

use crate::rng::below;

/// One column of a node's alias table: the step goes to `node` when the coin is below `keep`
/// (out of 2^32), else to `alias`. A full column has `alias == node`, so the coin cannot matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AliasSlot {
    pub keep: u32,
    pub node: u32,
    pub alias: u32,
}

impl AliasSlot {
    /// `node` or `alias` by the coin in the low 32 bits of `random`. Branch-free: the coin is a
    /// fair guess for the branch predictor, and a mispredicted branch would discard the cache
    /// misses of the other walks in flight.
    #[inline]
    pub fn pick(&self, random: u64) -> u32 {
        let take_alias = 0u32.wrapping_sub(((random as u32) >= self.keep) as u32);
        self.node ^ ((self.node ^ self.alias) & take_alias)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AliasTables {
    offsets: Vec<usize>,
    slots: Vec<AliasSlot>,
}

const COIN_SCALE: f64 = 4_294_967_296.0; // 2^32

impl AliasTables {
    /// Tables drawing node `u`'s neighbour `neighbours[i]` (for `i` in `offsets[u]..offsets[u + 1]`)
    /// with probability proportional to `exp(log_weights[i])`.
    pub fn build(offsets: &[usize], neighbours: &[u32], log_weights: &[f64]) -> Self {
        let mut slots = Vec::with_capacity(neighbours.len());
        let (mut scaled, mut small, mut large) = (Vec::new(), Vec::new(), Vec::new());
        for range in offsets.windows(2) {
            let (targets, logs) = (&neighbours[range[0]..range[1]], &log_weights[range[0]..range[1]]);
            // Subtracting the largest log weight keeps exp() finite for any weights.
            let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            scaled.clear();
            scaled.extend(logs.iter().map(|&w| (w - top).exp()));
            let total: f64 = scaled.iter().sum();
            scaled.iter_mut().for_each(|p| *p *= targets.len() as f64 / total);
            small.clear();
            large.clear();
            for (column, &p) in scaled.iter().enumerate() {
                if p < 1.0 {
                    small.push(column)
                } else {
                    large.push(column)
                }
            }
            let base = slots.len();
            slots.extend(targets.iter().map(|&node| AliasSlot { keep: u32::MAX, node, alias: node }));
            while let (Some(&light), Some(&heavy)) = (small.last(), large.last()) {
                small.pop();
                slots[base + light].keep = (scaled[light] * COIN_SCALE) as u32;
                slots[base + light].alias = targets[heavy];
                scaled[heavy] -= 1.0 - scaled[light];
                if scaled[heavy] < 1.0 {
                    large.pop();
                    small.push(heavy);
                }
            }
            // Whatever is left in either list is 1 up to rounding: a full column, as initialised.
        }
        Self { offsets: offsets.to_vec(), slots }
    }

    /// The node one step from `node`, chosen with `random`; `None` if `node` has no neighbours.
    #[inline]
    pub fn step(&self, node: u32, random: u64) -> Option<u32> {
        self.column(node, random).map(|column| self.slots[column].pick(random))
    }

    /// The index of the column of `node`'s table that `random` lands in; `None` if `node` has
    /// no neighbours.
    #[inline]
    pub fn column(&self, node: u32, random: u64) -> Option<usize> {
        let start = self.offsets[node as usize];
        let degree = self.offsets[node as usize + 1] - start;
        (degree > 0).then(|| start + below(random, degree as u32) as usize)
    }

    /// Asks the CPU to start loading column `column`. Unlike a load, a prefetch does not hold up
    /// the instructions after it, so many walks' cache misses can be in flight at once.
    #[inline]
    pub fn prefetch(&self, column: usize) {
        let slot: *const AliasSlot = &self.slots[column];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that never faults; the address is in bounds anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    #[inline]
    pub fn slot(&self, column: usize) -> AliasSlot {
        self.slots[column]
    }

    /// The table of `node`.
    pub fn slots(&self, node: u32) -> &[AliasSlot] {
        &self.slots[self.offsets[node as usize]..self.offsets[node as usize + 1]]
    }

    /// The exact distribution `node`'s table draws from, as (neighbour, probability) in table order.
    pub fn probabilities(&self, node: u32) -> Vec<(u32, f64)> {
        let slots = self.slots(node);
        let mut out: Vec<(u32, f64)> = slots.iter().map(|slot| (slot.node, 0.0)).collect();
        let column_share = 1.0 / slots.len() as f64;
        for slot in slots {
            let keep = if slot.alias == slot.node { 1.0 } else { slot.keep as f64 / COIN_SCALE };
            let position = |target: u32| slots.iter().position(|s| s.node == target).expect("alias is a neighbour");
            out[position(slot.node)].1 += keep * column_share;
            out[position(slot.alias)].1 += (1.0 - keep) * column_share;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// exp(w) / sum exp(w), shifted by the largest w so that huge weights stay finite.
    fn softmax(logs: &[f64]) -> Vec<f64> {
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logs.iter().map(|w| (w - top).exp()).sum();
        logs.iter().map(|w| (w - top).exp() / total).collect()
    }

    #[test]
    fn tables_encode_the_softmax_of_the_log_weights() {
        let cases: [&[f64]; 5] = [&[0.0], &[1.0, 1.0], &[0.1, 2.0, -3.0, 0.5], &[700.0, 699.0, 1.0], &[5.0; 7]];
        for logs in cases {
            let neighbours: Vec<u32> = (10..10 + logs.len() as u32).collect();
            let tables = AliasTables::build(&[0, logs.len()], &neighbours, logs);
            let implied = tables.probabilities(0);
            for ((node, p), (expected_node, q)) in implied.iter().zip(neighbours.iter().zip(softmax(logs))) {
                assert_eq!(node, expected_node);
                assert!((p - q).abs() < 1e-9, "{logs:?}: neighbour {node} drawn with {p}, expected {q}");
            }
        }
    }

    #[test]
    fn sampled_frequencies_follow_the_table() {
        let logs = [0.0, (2.0f64).ln(), (5.0f64).ln()];
        let tables = AliasTables::build(&[0, 3], &[4, 5, 6], &logs);
        let mut rng = SplitMix64::new(99);
        let mut counts = [0u32; 3];
        let draws = 400_000;
        for _ in 0..draws {
            counts[(tables.step(0, rng.next_u64()).unwrap() - 4) as usize] += 1;
        }
        for (count, expected) in counts.iter().zip([1.0 / 8.0, 2.0 / 8.0, 5.0 / 8.0]) {
            let std = (expected * (1.0 - expected) / draws as f64).sqrt();
            let share = *count as f64 / draws as f64;
            assert!((share - expected).abs() < 5.0 * std, "share {share}, expected {expected}");
        }
    }

    #[test]
    fn node_without_neighbours_has_no_step() {
        let tables = AliasTables::build(&[0, 1, 1, 2], &[2, 0], &[0.0, 0.0]);
        assert_eq!(tables.step(1, 12345), None);
        assert_eq!(tables.step(0, 12345), Some(2));
    }
}
