//! MinHash signatures under three permutation schemes.
//!
//! * `DatasketchAffine32` — datasketch >= 2.0's default: `h = fmix32(sha1_hash32(shingle))`, then
//!   `a_k * h + b_k mod 2^32` with `a_k` odd. Bit-identical to `datasketch.MinHash(num_perm, seed)`.
//! * `DatasketchLegacy` — datasketch < 2.0 (`scheme="legacy"`): `((a_k * h + b_k) mod 2^64) mod
//!   (2^61 - 1)`, truncated to 32 bits, with numpy's wrapping uint64 arithmetic reproduced exactly.
//! * `Fast` — `h = xxh3_64(shingle)` folded to 32 bits (`high ^ low`), then `a_k * h + b_k mod 2^32`
//!   with `a_k` odd, parameters from SplitMix64(seed): the affine32 construction without SHA-1.
//!   Its 32-bit value range is datasketch's default too; the bias that motivated datasketch's
//!   affine64 appears only for sets of ~10^8 shingles. The full 64-bit shingle hashes are what
//!   exact verification compares. Not comparable with datasketch's values.
//!
//! Signatures are returned as u64 for every scheme; all values fit in the low 32 bits.

use rayon::prelude::*;
use sha1::{Digest, Sha1};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::DedupError;
use crate::numpy_random::NumpyRandomState;
use crate::permute::Affine32;
use crate::shingle::{ShingleConfig, ShingleScratch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Fast,
    DatasketchAffine32,
    DatasketchLegacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinHashConfig {
    pub num_perm: usize,
    pub seed: u64,
    pub scheme: Scheme,
    pub shingle: ShingleConfig,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        Self { num_perm: 128, seed: 1, scheme: Scheme::Fast, shingle: ShingleConfig::default() }
    }
}

const MERSENNE_PRIME: u64 = (1 << 61) - 1;
const MAX_HASH_32: u64 = u32::MAX as u64;

enum Permutations {
    Affine32(Affine32),
    Legacy { a: Vec<u64>, b: Vec<u64> },
}

/// Per-thread buffers reused across documents.
#[derive(Default)]
pub struct SignScratch {
    pub(crate) shingles: ShingleScratch,
    pub(crate) hashes: Vec<u64>,
    hashes32: Vec<u32>,
    minimums32: Vec<u32>,
}

pub struct MinHasher {
    config: MinHashConfig,
    permutations: Permutations,
}

impl MinHasher {
    pub fn new(config: MinHashConfig) -> Result<Self, DedupError> {
        if !(1..=crate::MAX_NUM_PERM).contains(&config.num_perm) {
            return Err(DedupError::NumPerm { min: 1, got: config.num_perm });
        }
        if config.shingle.ngram < 1 {
            return Err(DedupError::Ngram(config.shingle.ngram));
        }
        let n = config.num_perm;
        let permutations = match config.scheme {
            Scheme::Fast => {
                let mut state = config.seed;
                let a = (0..n).map(|_| splitmix64(&mut state) as u32 | 1).collect();
                let b = (0..n).map(|_| splitmix64(&mut state) as u32).collect();
                Permutations::Affine32(Affine32 { a, b })
            }
            Scheme::DatasketchAffine32 | Scheme::DatasketchLegacy => {
                let seed = u32::try_from(config.seed).map_err(|_| DedupError::Seed(config.seed))?;
                let mut rng = NumpyRandomState::new(seed);
                if config.scheme == Scheme::DatasketchAffine32 {
                    // datasketch: a = randint(0, 2^31, n) * 2 + 1; b = randint(0, 2^32, n).
                    let a = (0..n).map(|_| rng.randint_u32(0, 1 << 31).wrapping_mul(2).wrapping_add(1)).collect();
                    let b = (0..n).map(|_| rng.randint_u32(0, 1 << 32)).collect();
                    Permutations::Affine32(Affine32 { a, b })
                } else {
                    // datasketch legacy: (a, b) pairs drawn alternately from [1, p) and [0, p).
                    let (a, b) = (0..n)
                        .map(|_| (rng.randint_u64(1, MERSENNE_PRIME), rng.randint_u64(0, MERSENNE_PRIME)))
                        .unzip();
                    Permutations::Legacy { a, b }
                }
            }
        };
        Ok(Self { config, permutations })
    }

    pub fn config(&self) -> &MinHashConfig {
        &self.config
    }

    pub fn num_perm(&self) -> usize {
        self.config.num_perm
    }

    /// The scheme's hash of one shingle, before permutation: 64 bits for `Fast` (folded to 32 for
    /// the permutations), 32 bits for the datasketch schemes.
    pub fn hash_shingle(&self, shingle: &[u8]) -> u64 {
        match self.config.scheme {
            Scheme::Fast => xxh3_64(shingle),
            Scheme::DatasketchAffine32 => u64::from(fmix32(sha1_hash32(shingle))),
            Scheme::DatasketchLegacy => u64::from(sha1_hash32(shingle)),
        }
    }

    /// Signs `text` into `out` (length `num_perm`) and returns how many shingles it had.
    /// The shingle hashes stay in `scratch.hashes` for callers that need them.
    pub fn sign_into(&self, text: &str, scratch: &mut SignScratch, out: &mut [u64]) -> usize {
        let hashes = &mut scratch.hashes;
        hashes.clear();
        self.config.shingle.for_each_shingle(text, &mut scratch.shingles, |s| hashes.push(self.hash_shingle(s)));
        match &self.permutations {
            Permutations::Affine32(affine) => {
                let hashes32 = &mut scratch.hashes32;
                hashes32.clear();
                hashes32.extend(hashes.iter().map(|&h| (h ^ (h >> 32)) as u32));
                let minimums = &mut scratch.minimums32;
                minimums.resize(affine.a.len(), u32::MAX);
                affine.permute_min(hashes32, minimums);
                for (slot, &m) in out.iter_mut().zip(minimums.iter()) {
                    *slot = u64::from(m);
                }
            }
            Permutations::Legacy { a, b } => {
                out.fill(MAX_HASH_32);
                for &h in hashes.iter() {
                    for ((slot, &ak), &bk) in out.iter_mut().zip(a).zip(b) {
                        let permuted = (ak.wrapping_mul(h).wrapping_add(bk) % MERSENNE_PRIME) & MAX_HASH_32;
                        *slot = (*slot).min(permuted);
                    }
                }
            }
        }
        hashes.len()
    }

    /// Signatures of all texts, row-major (`texts.len() x num_perm`), computed in parallel.
    pub fn sign_all(&self, texts: &[&str]) -> Vec<u64> {
        let n = self.num_perm();
        let mut out = vec![0u64; texts.len() * n];
        out.par_chunks_mut(n)
            .zip(texts.par_iter())
            .with_min_len(32)
            .for_each_init(SignScratch::default, |scratch, (row, text)| {
                self.sign_into(text, scratch, row);
            });
        out
    }
}

/// `datasketch.hashfunc.sha1_hash32`: the first 4 bytes of SHA-1, little-endian.
pub fn sha1_hash32(data: &[u8]) -> u32 {
    let digest = Sha1::digest(data);
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// MurmurHash3's 32-bit finalizer, which datasketch applies once before the affine permutations.
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values printed by datasketch 2.0.0 (MinHash(...).permutations / .hashvalues).
    #[test]
    fn affine32_permutations_match_datasketch() {
        let hasher = MinHasher::new(MinHashConfig { num_perm: 4, seed: 1, scheme: Scheme::DatasketchAffine32, ..Default::default() }).unwrap();
        let Permutations::Affine32(Affine32 { a, b }) = &hasher.permutations else { panic!("wrong scheme") };
        assert_eq!(a, &[3582191691, 4270784983, 1892572953, 3715639441]);
        assert_eq!(b, &[491263, 550290313, 1298508491, 4290846341]);
    }

    #[test]
    fn legacy_permutations_match_datasketch() {
        let hasher = MinHasher::new(MinHashConfig { num_perm: 3, seed: 7, scheme: Scheme::DatasketchLegacy, ..Default::default() }).unwrap();
        let Permutations::Legacy { a, b } = &hasher.permutations else { panic!("wrong scheme") };
        assert_eq!(a, &[1407639518939636933, 1169693746941186260, 1899821249326607546]);
        assert_eq!(b, &[551904368352831990, 1816361973745530471, 710123494352685591]);
    }

    #[test]
    fn sha1_hash32_matches_datasketch() {
        assert_eq!(sha1_hash32(b"hello"), 499578026);
    }

    fn sign(scheme: Scheme, text: &str) -> Vec<u64> {
        let shingle = ShingleConfig { ngram: 3, ..Default::default() };
        let hasher = MinHasher::new(MinHashConfig { num_perm: 4, seed: 1, scheme, shingle }).unwrap();
        let mut out = vec![0; 4];
        hasher.sign_into(text, &mut SignScratch::default(), &mut out);
        out
    }

    #[test]
    fn signatures_match_datasketch_update_batch() {
        // Shingles: "the quick brown", "quick brown fox".
        assert_eq!(sign(Scheme::DatasketchAffine32, "The quick brown fox"), [2370716273, 3350039811, 2578302449, 589353467]);
        assert_eq!(sign(Scheme::DatasketchLegacy, "The quick brown fox"), [358938649, 967113869, 116297962, 657900453]);
    }

    #[test]
    fn empty_text_keeps_the_empty_value() {
        assert_eq!(sign(Scheme::Fast, " !! "), [MAX_HASH_32; 4]);
        assert_eq!(sign(Scheme::DatasketchAffine32, ""), [MAX_HASH_32; 4]);
    }

    #[test]
    fn datasketch_schemes_reject_wide_seeds() {
        let config = MinHashConfig { seed: 1 << 32, scheme: Scheme::DatasketchAffine32, ..Default::default() };
        assert_eq!(MinHasher::new(config).err(), Some(DedupError::Seed(1 << 32)));
        assert!(MinHasher::new(MinHashConfig { seed: 1 << 40, ..Default::default() }).is_ok());
    }
}
