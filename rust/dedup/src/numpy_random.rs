//! numpy's legacy `RandomState` (MT19937) and its masked `randint`, reproduced bit for bit.
//!
//! datasketch draws its permutation parameters from `np.random.RandomState(seed).randint(...)`;
//! to emit identical MinHash values we must draw the identical integers.

const N: usize = 624;
const M: usize = 397;

/// The Mersenne Twister state as numpy's `RandomState(seed)` initialises it (`init_genrand`).
pub struct NumpyRandomState {
    state: [u32; N],
    position: usize,
}

impl NumpyRandomState {
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let previous = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, position: N }
    }

    fn regenerate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        for i in 0..N {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % N] & LOWER);
            let mut next = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= MATRIX_A;
            }
            self.state[i] = next;
        }
        self.position = 0;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.position >= N {
            self.regenerate();
        }
        let mut y = self.state[self.position];
        self.position += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// numpy's `mt19937_next64`: the first 32-bit draw is the high half.
    pub fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        let low = u64::from(self.next_u32());
        (high << 32) | low
    }

    /// `randint(low, high, dtype=np.uint32)`: masked rejection sampling over `high - low - 1`.
    pub fn randint_u32(&mut self, low: u64, high: u64) -> u32 {
        let range = high - low - 1;
        if range == u64::from(u32::MAX) {
            return (low + u64::from(self.next_u32())) as u32;
        }
        let mask = mask_covering(range);
        loop {
            let value = u64::from(self.next_u32()) & mask;
            if value <= range {
                return (low + value) as u32;
            }
        }
    }

    /// `randint(low, high, dtype=np.uint64)`: 32-bit draws while the range fits, else 64-bit draws.
    pub fn randint_u64(&mut self, low: u64, high: u64) -> u64 {
        let range = high - low - 1;
        let mask = mask_covering(range);
        loop {
            let value = if range <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if value <= range {
                return low + value;
            }
        }
    }
}

/// The smallest all-ones bit mask that is >= `range`.
fn mask_covering(range: u64) -> u64 {
    if range == 0 {
        0
    } else {
        u64::MAX >> range.leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference: the C implementation's published first output for init_genrand(5489).
    #[test]
    fn matches_reference_mt19937_output() {
        let mut rng = NumpyRandomState::new(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
    }

    #[test]
    fn mask_covers_range() {
        assert_eq!(mask_covering(0), 0);
        assert_eq!(mask_covering(1), 1);
        assert_eq!(mask_covering(5), 7);
        assert_eq!(mask_covering((1 << 61) - 3), (1 << 61) - 1);
    }
}
