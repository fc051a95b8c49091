//! Shingling: word or character n-grams over normalized text, as byte slices.
//!
//! A document shorter than one n-gram (but not empty) yields its whole normalized text as a single
//! shingle, so short documents still get a signature. An empty normalized text yields no shingles.

use crate::normalize::Normalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShingleUnit {
    /// n consecutive words joined by one space.
    Word,
    /// n consecutive Unicode scalar values of the normalized text (spaces included).
    Char,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShingleConfig {
    pub ngram: usize,
    pub unit: ShingleUnit,
    pub normalization: Normalization,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        Self { ngram: 5, unit: ShingleUnit::Word, normalization: Normalization::default() }
    }
}

/// Reusable buffers, one per worker thread, so shingling allocates nothing per document.
#[derive(Default)]
pub struct ShingleScratch {
    normalized: String,
    boundaries: Vec<(usize, usize)>,
}

impl ShingleConfig {
    /// Calls `visit` with every shingle of `text` (duplicates included, in order).
    pub fn for_each_shingle(&self, text: &str, scratch: &mut ShingleScratch, mut visit: impl FnMut(&[u8])) {
        self.normalization.normalize_into(text, &mut scratch.normalized);
        let normalized = scratch.normalized.as_bytes();
        if normalized.is_empty() {
            return;
        }
        let units = &mut scratch.boundaries;
        units.clear();
        match self.unit {
            ShingleUnit::Word => {
                let mut start = 0;
                for space in memchr::memchr_iter(b' ', normalized) {
                    units.push((start, space));
                    start = space + 1;
                }
                units.push((start, normalized.len()));
            }
            ShingleUnit::Char => {
                let text = scratch.normalized.as_str();
                units.extend(text.char_indices().map(|(at, ch)| (at, at + ch.len_utf8())));
            }
        }
        let n = self.ngram.max(1);
        if units.len() < n {
            visit(normalized);
            return;
        }
        for window in units.windows(n) {
            visit(&normalized[window[0].0..window[n - 1].1]);
        }
    }

    /// All shingles of `text` as owned byte strings (for inspection and tests, not the hot path).
    pub fn shingles(&self, text: &str) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.for_each_shingle(text, &mut ShingleScratch::default(), |s| out.push(s.to_vec()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_strings(shingles: Vec<Vec<u8>>) -> Vec<String> {
        shingles.into_iter().map(|s| String::from_utf8(s).unwrap()).collect()
    }

    #[test]
    fn word_ngrams_are_space_joined() {
        let config = ShingleConfig { ngram: 2, ..Default::default() };
        assert_eq!(as_strings(config.shingles("The cat, the HAT.")), ["the cat", "cat the", "the hat"]);
    }

    #[test]
    fn short_document_is_one_shingle() {
        let config = ShingleConfig { ngram: 5, ..Default::default() };
        assert_eq!(as_strings(config.shingles("only three words")), ["only three words"]);
        assert!(config.shingles(" ... ").is_empty());
    }

    #[test]
    fn char_ngrams_count_unicode_scalars() {
        let config = ShingleConfig { ngram: 3, unit: ShingleUnit::Char, ..Default::default() };
        assert_eq!(as_strings(config.shingles("Añb c")), ["añb", "ñb ", "b c"]);
    }
}
