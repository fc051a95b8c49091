//! LiveCodeBench's rule for stdin problems, from `lcb_runner/evaluation/testing_util.py`
//! (LiveCodeBench/LiveCodeBench at 28fef95): `grade_stdio` (lines 372-423) with
//! `get_stripped_lines` (222-226) and `convert_line_to_decimals` (214-219).
//!
//! Both outputs are stripped whole, split at `\n` and each line stripped (Python's `str.strip`:
//! see `python_text`). The line counts must be equal, and each pair of lines must be equal as
//! text, or else both lines must split on whitespace into tokens that all parse as
//! `decimal.Decimal` and be equal as lists of Decimals (`"1.0"` equals `"1"`, `"1 2"` equals
//! `"1  2"`, but `"a b"` does not equal `"a  b"`). Rules: `lcb_exact_lines` when every line
//! pair was equal as text, `lcb_decimal` when some pair needed Decimals.
//!
//! Transitive: each line has a canonical form (its Decimals, or, when it does not parse or holds
//! a NaN, its text) and two lines match exactly when those forms are equal, because NaN (the one
//! Decimal not equal to itself) never takes part in a Decimal match. A line that is only equal to
//! itself as text (`"nan"`, `"1 nan"`) keys on its text.
//!
//! Where we differ: LiveCodeBench captures `print` into a `StringIO`, so it never sees invalid
//! UTF-8; here each invalid sequence is an opaque character. A signalling NaN compared as a
//! Decimal makes Python raise out of `grade_stdio`; here it is a plain mismatch.

use super::decimal::{self, Decimal};
use super::python_text::{split_whitespace, strip};

pub(super) fn accepting_rule(output: &[u8], reference: &[u8]) -> Option<&'static str> {
    let mut outputs = stripped_lines(output);
    let mut references = stripped_lines(reference);
    let mut needed_decimals = false;
    loop {
        match (outputs.next(), references.next()) {
            (Some(out), Some(refr)) if out == refr => {}
            (Some(out), Some(refr)) => match (decimals(out), decimals(refr)) {
                (Some(out), Some(refr)) if out == refr => needed_decimals = true,
                _ => return None,
            },
            (None, None) => break,
            _ => return None,
        }
    }
    Some(if needed_decimals {
        "lcb_decimal"
    } else {
        "lcb_exact_lines"
    })
}

/// Lines joined by `\n`, each tagged `D` and spelled by its canonical Decimals, or tagged `T` and
/// spelled as its stripped text. Stripped lines hold no `\n` and the tags keep the two kinds
/// apart, so the key is unambiguous.
pub(super) fn canonical_key(output: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(output.len() + 2);
    for (index, line) in stripped_lines(output).enumerate() {
        if index > 0 {
            key.push(b'\n');
        }
        match decimals(line) {
            Some(values) => {
                key.push(b'D');
                for (position, value) in values.iter().enumerate() {
                    if position > 0 {
                        key.push(b' ');
                    }
                    value.write_canonical(&mut key);
                }
            }
            None => {
                key.push(b'T');
                key.extend_from_slice(line);
            }
        }
    }
    key
}

/// `get_stripped_lines`: `[line.strip() for line in text.strip().split("\n")]`, so an empty
/// output is one empty line.
fn stripped_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    strip(text).split(|&byte| byte == b'\n').map(strip)
}

/// `convert_line_to_decimals`, None where it fails or where a NaN makes the list unequal to
/// every list, itself included.
fn decimals(line: &[u8]) -> Option<Vec<Decimal>> {
    split_whitespace(line)
        .into_iter()
        .map(decimal::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_rule};
    use crate::Comparator;

    const LCB: Comparator = Comparator::Lcb;

    #[test]
    fn lcb_exact_lines_when_every_stripped_line_is_equal() {
        check_rule(LCB, b"YES\n", b"YES", Some("lcb_exact_lines"));
        check_rule(
            LCB,
            b"  a b \n\tc\n\n\n",
            b"a b\nc",
            Some("lcb_exact_lines"),
        );
        check_rule(LCB, b"a b\r\nc\r\n", b"a b\nc\n", Some("lcb_exact_lines"));
        check_rule(LCB, b"a  b", b"a b", None);
        check_rule(LCB, b"Yes", b"YES", None);
        check(LCB, b"x\n y \nz", b"x\ny\nz", true);
    }

    #[test]
    fn lcb_decimal_when_a_line_needs_decimal_equality() {
        check_rule(LCB, b"1.0\n", b"1", Some("lcb_decimal"));
        check_rule(LCB, b"1e2 +5", b"100 5.000", Some("lcb_decimal"));
        check_rule(LCB, b"1  2\n", b"1 2", Some("lcb_decimal"));
        check_rule(LCB, b"-0", b"0", Some("lcb_decimal"));
        check_rule(LCB, b"inf -Infinity", b"Infinity -inf", Some("lcb_decimal"));
        check_rule(LCB, "١٢".as_bytes(), b"12", Some("lcb_decimal"));
        check_rule(LCB, b"1_000", b"1000", Some("lcb_decimal"));
        check_rule(LCB, b"abc\n2.50", b"abc\n2.5", Some("lcb_decimal"));
    }

    #[test]
    fn lcb_decimal_is_exact_not_floating_point() {
        check_rule(LCB, b"0.1000000000000000000001", b"0.1", None);
        check_rule(LCB, b"50000000000000001", b"50000000000000000", None);
        check_rule(LCB, b"1.0000001", b"1", None);
        check(
            LCB,
            b"123456789012345678901234567890",
            b"1.2345678901234567890123456789e29",
            true,
        );
    }

    #[test]
    fn lcb_needs_every_token_of_both_lines_to_be_decimal() {
        check_rule(LCB, b"Case 1.0", b"Case 1", None);
        check_rule(LCB, b"1 2", b"1 2 3", None);
        check_rule(LCB, b"0x10", b"16", None);
        check_rule(LCB, b"1,5", b"1.5", None);
    }

    #[test]
    fn lcb_nan_equals_only_its_own_text() {
        check_rule(LCB, b"nan", b"nan", Some("lcb_exact_lines"));
        check_rule(LCB, b"nan", b"NaN", None);
        check_rule(LCB, b"1 nan", b"1  nan", None);
        check_rule(LCB, b"sNaN", b"snan", None);
        check(LCB, b"1.0 nan", b"1 nan", false);
    }

    #[test]
    fn lcb_line_counts_must_be_equal() {
        check_rule(LCB, b"1\n2", b"1 2", None);
        check_rule(LCB, b"1\n\n2", b"1\n2", None);
        check_rule(LCB, b"1\n \n2", b"1\n\n2", Some("lcb_exact_lines"));
        check_rule(LCB, b"\n\n1\n2\n\n", b"1\n2", Some("lcb_exact_lines"));
    }

    #[test]
    fn lcb_empty_output_is_one_empty_line() {
        check_rule(LCB, b"", b"", Some("lcb_exact_lines"));
        check_rule(LCB, b" \n\t\n", b"", Some("lcb_exact_lines"));
        check_rule(LCB, b"", b"0", None);
        check_rule(LCB, "\u{200b}".as_bytes(), b"", None);
        check_rule(LCB, "\u{3000}".as_bytes(), b"", Some("lcb_exact_lines"));
    }

    #[test]
    fn lcb_strips_python_whitespace() {
        check_rule(LCB, "5\u{a0}\n".as_bytes(), b"5", Some("lcb_exact_lines"));
        check_rule(LCB, b"\x1f5\x1c", b"5", Some("lcb_exact_lines"));
        check_rule(LCB, b"\x0b1\x0c", b"1", Some("lcb_exact_lines"));
    }

    #[test]
    fn lcb_never_panics_on_invalid_utf8() {
        check_rule(LCB, b"\xff\n", b"\xff", Some("lcb_exact_lines"));
        check_rule(LCB, b"\xff", b"\xfe", None);
        check_rule(LCB, b"1\xff", b"1", None);
        check(LCB, b"\xc3 \xe2\x80\n", b"\xc3 \xe2\x80", true);
    }

    #[test]
    fn lcb_key_spells_decimal_lines_canonically_and_other_lines_as_text() {
        let key = |bytes: &[u8]| String::from_utf8(LCB.canonical_key(bytes).unwrap()).unwrap();
        assert_eq!(key(b" 1.50  2e1 \r\nYes  no\n"), "D15E-1 2E1\nTYes  no");
        assert_eq!(key(b""), "D");
        assert_eq!(key(b"nan"), "Tnan");
        assert!(LCB.is_transitive());
    }
}
