//! Text normalization applied before shingling.
//!
//! The rules, in order, for every Unicode scalar value of the input:
//! 1. Whitespace (`char::is_whitespace`) separates words.
//! 2. With `strip_punctuation`, every character that is neither alphanumeric
//!    (`char::is_alphanumeric`: Unicode Alphabetic or Numeric) nor whitespace also separates words,
//!    so "don't" becomes "don t" and "x+y=z" becomes "x y z". Without it, such characters stay
//!    inside their words.
//! 3. With `lowercase`, characters are lowercased by Unicode's full mapping (`char::to_lowercase`),
//!    per character (no context rules such as Greek final sigma), so "ÉCOLE" becomes "école".
//! 4. The output is the words joined by exactly one ASCII space, with no leading or trailing space.
//!
//! Because words are joined by single spaces, a word n-gram is a contiguous slice of the output.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalization {
    pub lowercase: bool,
    pub strip_punctuation: bool,
}

impl Default for Normalization {
    fn default() -> Self {
        Self { lowercase: true, strip_punctuation: true }
    }
}

impl Normalization {
    /// Writes the normalized form of `text` into `out`, replacing its contents.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        out.reserve(text.len());
        let mut separator_pending = false;
        for ch in text.chars() {
            if self.is_separator(ch) {
                separator_pending = !out.is_empty();
                continue;
            }
            if separator_pending {
                out.push(' ');
                separator_pending = false;
            }
            if !self.lowercase {
                out.push(ch);
            } else if ch.is_ascii() {
                out.push(ch.to_ascii_lowercase());
            } else {
                out.extend(ch.to_lowercase());
            }
        }
    }

    fn is_separator(&self, ch: char) -> bool {
        if ch.is_ascii() {
            let byte = ch as u8;
            return byte.is_ascii_whitespace()
                || byte == 0x0b // vertical tab: whitespace to Unicode, not to is_ascii_whitespace
                || (self.strip_punctuation && !byte.is_ascii_alphanumeric());
        }
        ch.is_whitespace() || (self.strip_punctuation && !ch.is_alphanumeric())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(text: &str, normalization: Normalization) -> String {
        let mut out = String::new();
        normalization.normalize_into(text, &mut out);
        out
    }

    #[test]
    fn lowercases_and_splits_on_punctuation() {
        let got = normalize("  Hello, World!  Don't\tstop\n", Normalization::default());
        assert_eq!(got, "hello world don t stop");
    }

    #[test]
    fn unicode_lowercase_and_punctuation() {
        let got = normalize("ÉCOLE — «Ünïcode»; ΣΊΣΥΦΟΣ", Normalization::default());
        // Lowercasing is per character, so a word-final capital sigma becomes σ, not ς.
        assert_eq!(got, "école ünïcode σίσυφοσ");
    }

    #[test]
    fn keeps_punctuation_when_asked() {
        let keep = Normalization { lowercase: false, strip_punctuation: false };
        assert_eq!(normalize("A+B = C!", keep), "A+B = C!");
    }

    #[test]
    fn all_separators_give_empty_text() {
        assert_eq!(normalize(" ,.;! \n", Normalization::default()), "");
    }
}
