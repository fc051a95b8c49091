//! testlib's checkers (`wcmp`, `lcmp`, `rcmp`) on byte tokens: the Exact, Lines, Tokens and
//! Float comparators.
//!
//! Whitespace is the ASCII set that C's `isspace` and Python's `bytes.split()` use: space, `\t`,
//! `\n`, `\r`, `\x0B` (vertical tab) and `\x0C` (form feed). Treating `\r` as whitespace is what
//! makes `"\r\n"` equal `"\n"` under every one of these comparators but Exact.

/// Tokens are walked lazily over both sides in lockstep, so nothing is allocated and a mismatch
/// stops the scan early.
pub(super) fn tokens_match(output: &[u8], reference: &[u8]) -> bool {
    tokens(output).eq(tokens(reference))
}

pub(super) fn tokens_key(output: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(output.len());
    push_joined(&mut key, tokens(output));
    key
}

pub(super) fn float_tokens_match(
    output: &[u8],
    reference: &[u8],
    absolute: f64,
    relative: f64,
) -> bool {
    let mut outputs = tokens(output);
    let mut references = tokens(reference);
    loop {
        match (outputs.next(), references.next()) {
            (Some(out), Some(refr)) if floats_match(out, refr, absolute, relative) => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

fn tokens(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&byte| is_space(byte))
        .filter(|token| !token.is_empty())
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&byte| byte == b'\n')
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&byte| is_space(byte))
}

pub(super) fn lines_match(output: &[u8], reference: &[u8]) -> bool {
    let mut outputs = lines(output);
    let mut references = lines(reference);
    loop {
        match (outputs.next(), references.next()) {
            (Some(out), Some(refr)) => {
                if !tokens(out).eq(tokens(refr)) {
                    return false;
                }
            }
            // One side ran out: the rest of the other may only be trailing blank lines.
            (Some(extra), None) => return is_blank(extra) && outputs.all(is_blank),
            (None, Some(extra)) => return is_blank(extra) && references.all(is_blank),
            (None, None) => return true,
        }
    }
}

/// Tokens joined by one space per line, lines joined by `\n`, trailing blank lines dropped.
/// Tokens contain no whitespace, so the key is unambiguous.
pub(super) fn lines_key(output: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(output.len());
    let mut newlines_written = 0;
    for (index, line) in lines(output).enumerate() {
        let mut line_tokens = tokens(line).peekable();
        if line_tokens.peek().is_none() {
            // Written only once a later non-blank line shows the blank is not trailing.
            continue;
        }
        key.resize(key.len() + (index - newlines_written), b'\n');
        newlines_written = index;
        push_joined(&mut key, line_tokens);
    }
    key
}

fn push_joined<'a>(key: &mut Vec<u8>, tokens: impl Iterator<Item = &'a [u8]>) {
    for (position, token) in tokens.enumerate() {
        if position > 0 {
            key.push(b' ');
        }
        key.extend_from_slice(token);
    }
}

fn floats_match(output: &[u8], reference: &[u8], absolute: f64, relative: f64) -> bool {
    if output == reference {
        return true;
    }
    let (Some(value), Some(expected)) = (parse_finite(output), parse_finite(reference)) else {
        return false;
    };
    let difference = (value - expected).abs();
    let rounding = 2.0 * f64::EPSILON * value.abs().max(expected.abs());
    difference <= absolute + rounding || difference <= relative * expected.abs() + rounding
}

/// Whatever `str::parse::<f64>` accepts (`1`, `-2.5`, `.5`, `1e-3`, `+7`), except spellings of
/// infinity and NaN, which the judge compares as text.
fn parse_finite(token: &[u8]) -> Option<f64> {
    let value: f64 = std::str::from_utf8(token).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::super::testing::check;
    use crate::Comparator;

    const FLOAT_1E6: Comparator = Comparator::Float {
        absolute: 1e-6,
        relative: 1e-6,
    };
    const ABSOLUTE_1E6: Comparator = Comparator::Float {
        absolute: 1e-6,
        relative: 0.0,
    };
    const RELATIVE_1E6: Comparator = Comparator::Float {
        absolute: 0.0,
        relative: 1e-6,
    };

    #[test]
    fn exact_compares_bytes() {
        check(Comparator::Exact, b"1 2\n", b"1 2\n", true);
        check(Comparator::Exact, b"1 2\n", b"1 2", false);
        check(Comparator::Exact, b"1 2\r\n", b"1 2\n", false);
        check(Comparator::Exact, b"", b"", true);
        check(Comparator::Exact, b"\xff\xfe", b"\xff\xfe", true);
        assert_eq!(
            Comparator::Exact.canonical_key(b"a \n"),
            Some(b"a \n".to_vec())
        );
    }

    #[test]
    fn tokens_ignore_all_whitespace_layout() {
        check(Comparator::Tokens, b"1 2\n3", b"1  2 3\n\n", true);
        check(Comparator::Tokens, b"\t1\r\n2\x0b3\x0c", b"1 2 3", true);
        check(Comparator::Tokens, b"", b" \n\n\t", true);
        check(Comparator::Tokens, b"1 2", b"12", false);
        check(Comparator::Tokens, b"1 2", b"1 2 3", false);
        check(Comparator::Tokens, b"1 2 3", b"1 2", false);
        check(Comparator::Tokens, b"1.0", b"1", false);
        check(Comparator::Tokens, b"Yes", b"yes", false);
    }

    #[test]
    fn tokens_key_is_space_joined() {
        assert_eq!(
            Comparator::Tokens.canonical_key(b"\n a\tb\r\nc \n"),
            Some(b"a b c".to_vec())
        );
        assert_eq!(Comparator::Tokens.canonical_key(b" \n "), Some(Vec::new()));
    }

    #[test]
    fn tokens_handle_non_utf8() {
        check(Comparator::Tokens, b"\xff \x80\n", b"\xff\x80", false);
        check(Comparator::Tokens, b"\xff  \x80\n", b"\xff \x80", true);
    }

    #[test]
    fn lines_compare_tokens_per_line() {
        check(Comparator::Lines, b"1  2\n3\n", b"1 2\n3", true);
        check(Comparator::Lines, b"1 2\n3", b"1\n2 3", false);
        check(Comparator::Lines, b"1 2 3", b"1 2\n3", false);
        check(Comparator::Lines, b" a\t b \n", b"a b", true);
    }

    #[test]
    fn lines_treat_crlf_as_lf() {
        check(Comparator::Lines, b"1 2\r\n3\r\n", b"1 2\n3\n", true);
        check(Comparator::Lines, b"1\r\n\r\n", b"1", true);
    }

    #[test]
    fn lines_ignore_only_trailing_blank_lines() {
        check(Comparator::Lines, b"a\n\n\n", b"a", true);
        check(Comparator::Lines, b"a\n \n\t\n", b"a\n", true);
        check(Comparator::Lines, b"a\n\nb", b"a\nb", false);
        check(Comparator::Lines, b"\na", b"a", false);
        check(Comparator::Lines, b"\n\n", b"", true);
        check(Comparator::Lines, b"a\n\nb\n", b"a\n  \nb", true);
    }

    #[test]
    fn lines_key_drops_trailing_blanks_only() {
        let key = |bytes: &[u8]| Comparator::Lines.canonical_key(bytes).unwrap();
        assert_eq!(key(b"a  b\r\n\n c \n\n\n"), b"a b\n\nc");
        assert_eq!(key(b"\n\na"), b"\n\na");
        assert_eq!(key(b" \n\n"), b"");
    }

    #[test]
    fn float_accepts_absolute_or_relative_error() {
        check(ABSOLUTE_1E6, b"1.0000005", b"1", true);
        check(ABSOLUTE_1E6, b"1.000002", b"1", false);
        check(RELATIVE_1E6, b"1000000.5", b"1000000", true);
        check(RELATIVE_1E6, b"1000002", b"1000000", false);
        // Large values pass on relative error alone, small ones on absolute error alone.
        check(FLOAT_1E6, b"1000000.5", b"1000000", true);
        check(FLOAT_1E6, b"0.0000005", b"0", true);
        check(FLOAT_1E6, b"0.000002", b"0", false);
    }

    #[test]
    fn float_relative_error_is_measured_against_the_reference() {
        // |a - b| = 1; allowed relative * |reference| = 0.5 * 2 = 1, but 0.5 * 1 = 0.5.
        let comparator = Comparator::Float {
            absolute: 0.0,
            relative: 0.5,
        };
        assert!(comparator.matches(b"1", b"2"));
        assert!(!comparator.matches(b"2", b"1"));
    }

    #[test]
    fn float_forgives_decimal_rounding_at_the_boundary() {
        // In binary, 2.500001 - 2.5 is slightly above 1e-6.
        assert!((2.500_001_f64 - 2.5).abs() > 1e-6);
        check(ABSOLUTE_1E6, b"2.500001", b"2.5", true);
        check(ABSOLUTE_1E6, b"2.5000011", b"2.5", false);
    }

    #[test]
    fn float_compares_number_spellings_by_value() {
        let zero = Comparator::Float {
            absolute: 0.0,
            relative: 0.0,
        };
        check(zero, b"1", b"1.0", true);
        check(zero, b"1e3", b"1000.000", true);
        check(zero, b"+7", b"7", true);
        check(zero, b".5", b"0.5", true);
        check(zero, b"-0", b"0", true);
        check(zero, b"1", b"1.001", false);
    }

    #[test]
    fn float_compares_non_numbers_as_text() {
        check(FLOAT_1E6, b"YES 1.0", b"YES 1", true);
        check(FLOAT_1E6, b"YES", b"yes", false);
        check(FLOAT_1E6, b"inf", b"inf", true);
        check(FLOAT_1E6, b"inf", b"infinity", false);
        check(FLOAT_1E6, b"nan", b"NaN", false);
        check(FLOAT_1E6, b"nan", b"nan", true);
        check(FLOAT_1E6, b"1e999", b"1e998", false);
        check(FLOAT_1E6, b"0x10", b"16", false);
        check(FLOAT_1E6, b"\xff", b"\xff", true);
        check(FLOAT_1E6, b"\xff", b"\xfe", false);
    }

    #[test]
    fn float_needs_equal_token_counts() {
        check(FLOAT_1E6, b"1 2", b"1 2 3", false);
        check(FLOAT_1E6, b"1 2 3", b"1 2", false);
        check(FLOAT_1E6, b"", b"\n", true);
        check(FLOAT_1E6, b"1.0000001\n2\r\n", b"1 2.0000001", true);
    }

    #[test]
    fn float_is_not_transitive() {
        let comparator = Comparator::Float {
            absolute: 1.0,
            relative: 0.0,
        };
        assert!(!comparator.is_transitive());
        assert_eq!(comparator.canonical_key(b"1"), None);
        assert!(comparator.matches(b"0", b"0.6") && comparator.matches(b"0.6", b"1.2"));
        assert!(!comparator.matches(b"0", b"1.2"));
    }
}
