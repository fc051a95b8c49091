use thiserror::Error;

/// Everything that can go wrong in this crate is a configuration mistake by the caller.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DedupError {
    #[error("threshold must be strictly between 0 and 1, got {0}")]
    Threshold(f64),
    #[error("num_perm must be between {min} and {MAX_NUM_PERM}, got {got}", MAX_NUM_PERM = crate::MAX_NUM_PERM)]
    NumPerm { min: usize, got: usize },
    #[error("ngram must be at least 1, got {0}")]
    Ngram(usize),
    #[error("seed {0} is out of range: the datasketch schemes take a seed in [0, 2^32), like numpy's RandomState")]
    Seed(u64),
    #[error("LSH weights must each lie in [0, 1] and sum to 1, got ({0}, {1})")]
    Weights(f64, f64),
    #[error("LSH bands and rows must be at least 1 and bands x rows ({bands} x {rows}) must not exceed num_perm ({num_perm})")]
    Params { bands: usize, rows: usize, num_perm: usize },
    #[error("{ids} ids were given for {texts} texts; give one id per text")]
    IdCount { ids: usize, texts: usize },
}
