//! Near-duplicate detection for pysynth: text normalization, shingling, MinHash signatures
//! (datasketch-compatible or fast), LSH banding, and clustering. No Python here; the binding crate
//! converts.

mod cluster;
mod dedup;
mod error;
mod index;
mod lsh;
mod minhash;
mod normalize;
mod numpy_random;
mod permute;
mod shingle;
mod sketch;

/// The most MinHash permutations a signature may have (as `pysynth.dedup.MinHashConfig` allows).
pub const MAX_NUM_PERM: usize = 16384;

pub use dedup::{deduplicate, DedupOutcome, DedupStats};
pub use error::DedupError;
pub use index::LshIndex;
pub use lsh::{optimal_params, LshParams};
pub use minhash::{fmix32, sha1_hash32, MinHashConfig, MinHasher, Scheme, SignScratch};
pub use normalize::Normalization;
pub use shingle::{ShingleConfig, ShingleScratch, ShingleUnit};
pub use sketch::{estimated_jaccard, exact_jaccard, LshConfig, Verification};
