//! TACO's (and APPS's) cascade for stdin problems, mirrored stage by stage so that we reproduce
//! their published pass rates. Read from FlagOpen/TACO `metrics/testing_util.py` at 4b08acb (the
//! release the paper's numbers come from; line numbers below are that file's): `run_test`'s
//! standard-input branch, lines 249-387, with `custom_compare_` and `stripped_string_compare`,
//! lines 400-418. hendrycks/apps `eval/testing_util.py` (362aedc), lines 324-456 and 468-486, is
//! the same cascade but for debug prints.
//!
//! There, the output is `stdout.splitlines()` (a list of lines, see `python_text`) and the
//! reference a string. The first stage that holds accepts, and names the rule:
//!
//! 1. `stripped_text` (249-252 calling 402-405): the output lines joined by `\n`, stripped, equal
//!    the stripped reference. Joining is what turns `\r\n` (and every other `splitlines` break)
//!    into `\n`.
//! 2. `stripped_lines` (407-411): the same with each output line stripped before joining.
//! 3. (254-272: `output == [reference]` can only hold where `stripped_text` did.)
//! 4. `reference_lines` (274-295): the output lines, as printed, equal the reference's lines
//!    (split at `\n`) that are not empty, each stripped. Blank reference lines are ignored;
//!    lines of spaces are kept, as empty lines.
//! 5. `nonempty_lines` (297-319): as 4, with empty output lines dropped first.
//! 6. `numeric_close` (321-326, accepted at 335-337): every non-empty output line and every line
//!    of 4 parses as one Python `float`, as many of each, and `np.allclose` holds with its
//!    defaults: `|out - ref| <= 1e-8 + 1e-5 * |ref|` for finite pairs, equality otherwise (so
//!    `inf` equals `1e999`, NaN equals nothing). (327-333 applies only to nested lists: inert.)
//! 7. (339-355: `output == [set, ...]` compares strings with sets; it holds only when both lists
//!    are empty, which `stripped_text` has accepted already.)
//! 8. `token_sets` (357-374): the set of the output lines' token sets (lines with no token
//!    dropped) equals the set of the reference lines' token sets (from 4, so a line of spaces
//!    is an empty set that no output line can match).
//! 9. `rounded` (376-387): as 8 with every token a `float` rounded by `round(x, 3)`, which rounds
//!    the exact binary value to three decimals, ties to even (`0.0625` becomes `0.062`).
//!
//! TACO accepts dangerously, and so does this comparator, on purpose: stages 8 and 9 ignore the
//! order of lines and of tokens and every repetition (`"2 1\n1 2\n1 2"` passes for `"1 2"`,
//! `"3 3 3"` for `"3"`, `"NO\nYES"` for `"YES\nNO"`); stage 9 passes `0.1234` for `0.1231`;
//! stages 4 and 5 ignore blank lines. Not transitive (numeric closeness), so no canonical key.
//!
//! Where we differ: invalid UTF-8 (which a `StringIO` never holds) is an opaque character here.
//! TACO's newer code (2ba6235, `compare_std_results`) runs programs in a subprocess and passes
//! stdout as one string, not a list of lines; that disables stages 2, 4 and 5, makes stage 1
//! skip the line-break normalisation and makes stages 6, 8 and 9 iterate over characters. We
//! follow the release its paper and APPS used.

use super::python_text::{parse_float, split_whitespace, splitlines, strip};

pub(super) fn accepting_rule(output: &[u8], reference: &[u8]) -> Option<&'static str> {
    let lines = splitlines(output);
    let stripped_reference = strip(reference);
    if strip(&lines.join(&b'\n')) == stripped_reference {
        return Some("stripped_text");
    }
    let stripped: Vec<&[u8]> = lines.iter().map(|line| strip(line)).collect();
    if strip(&stripped.join(&b'\n')) == stripped_reference {
        return Some("stripped_lines");
    }
    let reference_lines: Vec<&[u8]> = reference
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(strip)
        .collect();
    if lines == reference_lines {
        return Some("reference_lines");
    }
    let nonempty: Vec<&[u8]> = lines.into_iter().filter(|line| !line.is_empty()).collect();
    if nonempty == reference_lines {
        return Some("nonempty_lines");
    }
    if numeric_close(&nonempty, &reference_lines) {
        return Some("numeric_close");
    }
    let output_sets: Vec<Vec<&[u8]>> = nonempty
        .iter()
        .map(|line| split_whitespace(line))
        .filter(|tokens| !tokens.is_empty())
        .collect();
    let reference_sets: Vec<Vec<&[u8]>> = reference_lines
        .iter()
        .map(|line| split_whitespace(line))
        .collect();
    if set_of_sets(&output_sets) == set_of_sets(&reference_sets) {
        return Some("token_sets");
    }
    let rounded_equal = rounded(&output_sets)
        .zip(rounded(&reference_sets))
        .is_some_and(|(output, reference)| set_of_sets(&output) == set_of_sets(&reference));
    rounded_equal.then_some("rounded")
}

fn numeric_close(output: &[&[u8]], reference: &[&[u8]]) -> bool {
    let floats = |lines: &[&[u8]]| -> Option<Vec<f64>> {
        lines.iter().map(|line| parse_float(line)).collect()
    };
    let (Some(output), Some(reference)) = (floats(output), floats(reference)) else {
        return false;
    };
    output.len() == reference.len()
        && output.iter().zip(&reference).all(|(&out, &refr)| {
            if out.is_finite() && refr.is_finite() {
                (out - refr).abs() <= 1e-8 + 1e-5 * refr.abs()
            } else {
                out == refr
            }
        })
}

/// Each token as the bits of `round(float(token), 3)`, zeros unsigned so that `-0.0` and `0.0`
/// are one set element as in Python. None where a token is no float, or is NaN (a NaN makes its
/// frozenset unequal to every other, so the sets cannot be equal).
fn rounded(sets: &[Vec<&[u8]>]) -> Option<Vec<Vec<u64>>> {
    sets.iter()
        .map(|tokens| {
            tokens
                .iter()
                .map(|token| {
                    let value = round3(parse_float(token)?);
                    let value = if value == 0.0 { 0.0 } else { value };
                    (!value.is_nan()).then(|| value.to_bits())
                })
                .collect()
        })
        .collect()
}

/// Python's `round(value, 3)`. Rust's `{:.3}` rounds the exact binary value, ties to even, as
/// Python's dtoa does; values from 2^52 up are integers already.
fn round3(value: f64) -> f64 {
    if !value.is_finite() || value.abs() >= 4_503_599_627_370_496.0 {
        return value;
    }
    format!("{value:.3}").parse().unwrap_or(value)
}

/// `set(frozenset(s) for s in sets)`, as sorted, deduplicated vectors.
fn set_of_sets<T: Ord + Clone>(sets: &[Vec<T>]) -> Vec<Vec<T>> {
    let mut sets: Vec<Vec<T>> = sets
        .iter()
        .map(|set| {
            let mut set = set.clone();
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect();
    sets.sort_unstable();
    sets.dedup();
    sets
}

#[cfg(test)]
mod tests {
    use super::super::testing::check_rule;
    use super::round3;
    use crate::Comparator;

    const LENIENT: Comparator = Comparator::Lenient;

    fn rule(output: &[u8], reference: &[u8], expected: Option<&str>) {
        check_rule(LENIENT, output, reference, expected);
    }

    #[test]
    fn stripped_text_joins_output_lines_with_newlines() {
        rule(b"  1 2\n3\n\n", b"1 2\n3", Some("stripped_text"));
        rule(b"1\r\n2\r\n", b"1\n2", Some("stripped_text"));
        rule(b"1\x0b2\x1c3", b"1\n2\n3", Some("stripped_text"));
        rule("YES\u{a0}\n".as_bytes(), b"\tYES \n", Some("stripped_text"));
        // Spacing inside a line falls through to token_sets.
        rule(b"1 2", b"1  2", Some("token_sets"));
    }

    #[test]
    fn stripped_lines_strips_each_output_line() {
        rule(b"1  \n 2 \n", b"1\n2", Some("stripped_lines"));
        rule(b"a b \nc", b"a b\nc\n", Some("stripped_lines"));
        rule(b" a\n b c", b"a\nb", None);
    }

    #[test]
    fn reference_lines_ignore_blank_and_strip_reference_lines() {
        rule(b"a\nb", b"a\n\nb", Some("reference_lines"));
        rule(b"a\nb", b"a \n  b\n", Some("reference_lines"));
        rule(b"a\nb", b"a \n\n  b\n", Some("reference_lines"));
        rule(b"1\n2", b"1\r\n2", Some("reference_lines"));
        // A line of spaces in the reference becomes an empty line that the output must print.
        rule(b"a\n\nb", b"a\n \nb", Some("reference_lines"));
        // The output's lines are not stripped here; token_sets accepts this one.
        rule(b"a \nb", b"a\n\nb", Some("token_sets"));
    }

    #[test]
    fn nonempty_lines_drop_empty_output_lines() {
        rule(b"a\n\nb\n\n\nc", b"a\nb\nc", Some("nonempty_lines"));
        rule(b"a\n\nb", b"a\n\n\nb", Some("nonempty_lines"));
        // A line of spaces is not empty; token_sets drops it.
        rule(b"a\n \nb", b"a\nb", Some("token_sets"));
    }

    #[test]
    fn numeric_close_is_allclose_on_one_float_per_line() {
        rule(b"1.000001\n2", b"1\n2", Some("numeric_close"));
        rule(b"0.333333\n", b"0.3333333333", Some("numeric_close"));
        rule(b"100001", b"100000", Some("numeric_close"));
        rule(b"1e999", b"inf", Some("numeric_close"));
        rule(b" 1_0 \n", b"10.0", Some("numeric_close"));
        rule(b"1.01", b"1", None);
        rule(b"1\n2", b"1.000001", None);
        rule(b"-inf", b"inf", None);
        rule(b"nan", b"NaN", None);
    }

    #[test]
    fn numeric_close_tolerance_is_relative_to_the_reference() {
        // |a - b| = 0.01000005: allowed 1e-8 + 1e-5 * 1000.01000005 against the larger, but
        // only 1e-8 + 1e-5 * 1000 against the smaller.
        rule(b"1000", b"1000.01000005", Some("numeric_close"));
        rule(b"1000.01000005", b"1000", None);
    }

    #[test]
    fn token_sets_ignore_order_and_repetition() {
        rule(b"2 1\n1 2\n1 2", b"1 2", Some("token_sets"));
        rule(b"3 3 3", b"3", Some("token_sets"));
        rule(b"NO\nYES", b"YES\nNO", Some("token_sets"));
        rule(b"1.0 2.0", b"2.0  1.0", Some("token_sets"));
        rule(b"b a\n", b"a b\n\n", Some("token_sets"));
        rule(b"1 2 3", b"1 2", None);
        rule(b"1\n2", b"1 2", None);
        rule(b"Yes", b"YES", None);
    }

    #[test]
    fn token_sets_cannot_match_a_reference_line_of_spaces() {
        rule(b"b a\n", b"a b\n \n", None);
    }

    #[test]
    fn rounded_compares_floats_rounded_to_three_decimals() {
        rule(b"0.1234", b"0.1231", Some("rounded"));
        rule(b"1.0 2.0", b"1 2", Some("rounded"));
        rule(b"-0.0001", b"0", Some("rounded"));
        rule(b"2 1.0004\n1 2", b"1 2", Some("rounded"));
        rule(b"0.0625", b"0.062", Some("rounded"));
        rule(b"0.0625", b"0.063", None);
        rule(b"0.1236", b"0.1231", None);
        rule(b"1.0 x", b"1 x", None);
        rule(b"nan 1.0", b"1 nan", None);
    }

    #[test]
    fn round3_matches_python_round() {
        // Python: round(2.675, 3), round(1.0005, 3), round(0.0005, 3), round(-0.0004, 3).
        assert_eq!(round3(2.675), 2.675);
        assert_eq!(round3(1.0005), 1.0);
        assert_eq!(round3(0.0005), 0.001);
        assert_eq!(round3(-0.0004), 0.0);
        assert_eq!(round3(1e300), 1e300);
        assert_eq!(round3(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn the_first_stage_that_holds_names_the_rule() {
        rule(b"1.5\n2", b"1.5\n2", Some("stripped_text"));
        rule(b"1.5 \n2", b"1.5\n2", Some("stripped_lines"));
        rule(b"1.5\n2", b"1.5\n\n2", Some("reference_lines"));
        rule(b"1.5\n\n2", b"1.5\n2", Some("nonempty_lines"));
        rule(b"1.5000001\n2", b"1.5\n2", Some("numeric_close"));
        rule(b"2\n1.5", b"1.5\n2", Some("token_sets"));
        rule(b"2\n1.5001", b"1.5\n2", Some("rounded"));
        rule(b"2\n1.501", b"1.5\n2", None);
    }

    #[test]
    fn empty_outputs() {
        rule(b"", b"", Some("stripped_text"));
        rule(b"", b"\n\n", Some("stripped_text"));
        rule(b"\n", b" ", Some("stripped_text"));
        rule(b"", b"0", None);
        rule(b"0", b"", None);
    }

    #[test]
    fn invalid_utf8_never_panics() {
        rule(b"\xff\n", b"\xff", Some("stripped_text"));
        rule(b"\xff \x80", b"\x80 \xff", Some("token_sets"));
        rule(b"\xff", b"\xfe", None);
        rule(b"1\xff", b"1", None);
        rule(b"\xe2\x80\n1", b"\xe2\x80\n1.0", None);
    }

    #[test]
    fn lenient_is_not_transitive() {
        assert!(!LENIENT.is_transitive());
        assert_eq!(LENIENT.canonical_key(b"1"), None);
    }
}
