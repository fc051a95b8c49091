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
        if text.is_ascii() {
            self.normalize_ascii(text.as_bytes(), out);
        } else {
            self.normalize_chars(text, out);
        }
    }

    /// The rules applied character by character: the general path, for any Unicode text.
    fn normalize_chars(&self, text: &str, out: &mut String) {
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

    /// The same rules for pure-ASCII text, without branches: every byte is written (separators as a
    /// space) and the output advances unless a separator follows a separator or starts the text.
    fn normalize_ascii(&self, text: &[u8], out: &mut String) {
        let table = &ASCII_TABLES[usize::from(self.lowercase) * 2 + usize::from(self.strip_punctuation)];
        // SAFETY: only ASCII bytes are written, so `out` stays valid UTF-8.
        let bytes = unsafe { out.as_mut_vec() };
        bytes.resize(text.len(), 0);
        let mut length = 0;
        let mut after_separator = true;
        for &byte in text {
            let mapped = table[usize::from(byte)];
            let separator = mapped == b' ';
            bytes[length] = mapped;
            length += usize::from(!(separator && after_separator));
            after_separator = separator;
        }
        if length > 0 && bytes[length - 1] == b' ' {
            length -= 1;
        }
        bytes.truncate(length);
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

/// Per ASCII byte: a space if it separates words, else the byte it becomes; indexed by `lowercase * 2 + strip_punctuation`.
static ASCII_TABLES: [[u8; 128]; 4] = [ascii_table(false, false), ascii_table(false, true), ascii_table(true, false), ascii_table(true, true)];

const fn ascii_table(lowercase: bool, strip_punctuation: bool) -> [u8; 128] {
    let mut table = [0u8; 128];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        let separator = b.is_ascii_whitespace()
            || b == 0x0b
            || (strip_punctuation && !b.is_ascii_alphanumeric());
        table[byte] = if separator { b' ' } else if lowercase { b.to_ascii_lowercase() } else { b };
        byte += 1;
    }
    table
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
    fn ascii_fast_path_agrees_with_the_general_rules() {
        let samples = ["Hello, World!\tDon't  stop\x0b(x+y)=z\r\n", "\0a\x1fb\x7f c", " ALL-CAPS_and_underscores 42 "];
        for lowercase in [true, false] {
            for strip_punctuation in [true, false] {
                let normalization = Normalization { lowercase, strip_punctuation };
                for sample in samples {
                    let (mut fast, mut general) = (String::new(), String::new());
                    normalization.normalize_ascii(sample.as_bytes(), &mut fast);
                    normalization.normalize_chars(sample, &mut general);
                    assert_eq!(fast, general, "{normalization:?} on {sample:?}");
                }
            }
        }
    }

    #[test]
    fn all_separators_give_empty_text() {
        assert_eq!(normalize(" ,.;! \n", Normalization::default()), "");
    }
}
