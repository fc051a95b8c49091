//! SplitMix64 (Steele, Lea & Flood 2014): one u64 of state and it passes BigCrush. A walk needs only
//! `max_steps + 1` draws, so each walk gets its own generator, seeded from (seed, walk index):
//! walk `i` draws the same numbers whichever thread runs it, which makes sampling reproducible
//! independently of the thread count.

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function, a bijection on u64 with good avalanche.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(state: u64) -> Self {
        Self { state }
    }

    /// The generator of walk `index` in a run seeded with `seed`. The start state is a bijective
    /// hash of the index (for a fixed seed), so no two walks start alike, and since a stream
    /// advances by a constant, two walks overlap only if their start states land within a few
    /// steps of each other: a chance of about walks^2 * steps / 2^64.
    pub fn for_walk(seed: u64, index: u64) -> Self {
        Self::new(mix64(mix64(seed) ^ index.wrapping_mul(GOLDEN_GAMMA)))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }
}

/// A uniform integer in `[0, n)` from the 32 high bits of `random` (multiply-shift). The bias is
/// below n / 2^32 relative; the low 32 bits stay free for an independent coin.
#[inline]
pub fn below(random: u64, n: u32) -> u32 {
    (((random >> 32) * n as u64) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // From the reference implementation (Vigna's splitmix64.c) seeded with 1234567.
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = SplitMix64::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[below(rng.next_u64(), 5) as usize] += 1;
        }
        assert!(seen.iter().all(|&count| (1800..2200).contains(&count)), "{seen:?}");
    }
}
