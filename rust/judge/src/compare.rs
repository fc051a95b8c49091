//! Output comparison: testlib's checkers (`wcmp`, `lcmp`, `rcmp`), and the rules of the
//! benchmarks whose pass rates we reproduce (LiveCodeBench, TACO/APPS, function calls).
//!
//! Outputs are arbitrary bytes: programs may print invalid UTF-8, and a judge must not reject or
//! mangle such output, so tokens are byte slices and text is only decoded where a rule needs
//! characters (to parse numbers, or to apply Python's whitespace); there an invalid sequence is
//! an opaque character that only equals itself, and nothing panics.
//!
//! Each comparator names the rule that accepted ([`Comparator::accepting_rule`]), so a report can
//! say how lenient each pass was. The testlib comparators have one rule each, named after them;
//! the benchmark comparators have one per stage, listed on their variants.

mod call;
mod decimal;
mod json;
mod lcb;
mod lenient;
mod python_text;
#[cfg(test)]
mod testing;
mod testlib;

use std::borrow::Cow;

/// How a program's output is compared with a reference output.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Comparator {
    /// Byte-identical outputs; even a missing final newline is a difference. Rule `exact`.
    Exact,
    /// Like testlib `lcmp`: line by line (lines end at `\n`), each line's whitespace-separated
    /// tokens equal. Lines with no tokens at the end are ignored; elsewhere they count, so an
    /// extra blank line in the middle is a difference. Rule `lines`.
    Lines,
    /// Like testlib `wcmp`: the whitespace-separated token sequences are equal, whatever the
    /// amount or kind of whitespace (line breaks included). The default, because it forgives
    /// formatting that problem statements rarely pin down. Rule `tokens`.
    #[default]
    Tokens,
    /// Like testlib `rcmp`: token sequences of equal length, where a pair of tokens that both
    /// parse as finite numbers is equal if `|a - b| <= absolute` OR `|a - b| <= relative * |b|`
    /// (`b` is the reference side), and any other pair must be byte-equal. `inf`/`nan` spellings
    /// (and literals that overflow to infinity) are compared as text. Rule `float`.
    ///
    /// Both bounds are widened by two units of rounding (`2 * f64::EPSILON * max(|a|, |b|)`),
    /// the error of parsing two decimal strings into binary and subtracting them; without it
    /// `2.500001` would fail against `2.5` with `absolute = 1e-6`. testlib widens its bound by a
    /// flat `1e-15` for the same reason.
    Float { absolute: f64, relative: f64 },
    /// LiveCodeBench's stdin rule: stripped lines equal as text, or as lists of exact
    /// `decimal.Decimal`s (`"1.0"` equals `"1"`, `"1e2"` equals `"100"`). Rules
    /// `lcb_exact_lines` and `lcb_decimal`. Transitive. See `compare/lcb.rs`.
    Lcb,
    /// TACO's and APPS's stdin cascade, which accepts much (token sets ignore order and
    /// repetition): rules `stripped_text`, `stripped_lines`, `reference_lines`,
    /// `nonempty_lines`, `numeric_close`, `token_sets`, `rounded`, tried in that order. Not
    /// transitive. See `compare/lenient.rs`.
    Lenient,
    /// Function-call problems: both sides are JSON values, equal under Python's `==` (exact big
    /// integers, `1 == 1.0`, `True == 1`). Rules `equal` and `first_of_list` (the output equals
    /// the first element of a list reference, as TACO allows). Not transitive. See
    /// `compare/call.rs`.
    Call,
}

impl Comparator {
    /// The rule that accepted `output` against `reference`, or None when they do not match.
    /// `reference` is the expected output, or in voting the cluster leader's output; Float,
    /// Lenient and Call treat the two sides differently.
    pub fn accepting_rule(&self, output: &[u8], reference: &[u8]) -> Option<&'static str> {
        match *self {
            Self::Exact => (output == reference).then_some("exact"),
            Self::Lines => testlib::lines_match(output, reference).then_some("lines"),
            Self::Tokens => testlib::tokens_match(output, reference).then_some("tokens"),
            Self::Float { absolute, relative } => {
                testlib::float_tokens_match(output, reference, absolute, relative)
                    .then_some("float")
            }
            Self::Lcb => lcb::accepting_rule(output, reference),
            Self::Lenient => lenient::accepting_rule(output, reference),
            Self::Call => call::accepting_rule(output, reference),
        }
    }

    /// Do `output` and `reference` match? The testlib comparators walk tokens lazily over both
    /// sides in lockstep, so nothing is allocated and a mismatch stops the scan early.
    pub fn matches(&self, output: &[u8], reference: &[u8]) -> bool {
        self.accepting_rule(output, reference).is_some()
    }

    /// A canonical key such that two outputs match iff their keys are equal, so voting can group
    /// outputs with a hash map instead of comparing every pair. None for Float, Lenient and
    /// Call: tolerant matching is not transitive (`0`~`0.6` and `0.6`~`1.2` with tolerance 1,
    /// but not `0`~`1.2`), so no such key exists.
    pub fn canonical_key(&self, output: &[u8]) -> Option<Vec<u8>> {
        self.canonical_form(output).map(Cow::into_owned)
    }

    /// Whether `matches` is an equivalence relation (and `canonical_key` is Some).
    pub fn is_transitive(&self) -> bool {
        match self {
            Self::Exact | Self::Lines | Self::Tokens | Self::Lcb => true,
            Self::Float { .. } | Self::Lenient | Self::Call => false,
        }
    }

    /// `canonical_key` without copying the output when it is already canonical (Exact).
    pub(crate) fn canonical_form<'a>(&self, output: &'a [u8]) -> Option<Cow<'a, [u8]>> {
        match self {
            Self::Exact => Some(Cow::Borrowed(output)),
            Self::Lines => Some(Cow::Owned(testlib::lines_key(output))),
            Self::Tokens => Some(Cow::Owned(testlib::tokens_key(output))),
            Self::Lcb => Some(Cow::Owned(lcb::canonical_key(output))),
            Self::Float { .. } | Self::Lenient | Self::Call => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Comparator;

    #[test]
    fn default_is_tokens() {
        assert_eq!(Comparator::default(), Comparator::Tokens);
    }

    #[test]
    fn testlib_comparators_name_their_one_rule() {
        let float = Comparator::Float {
            absolute: 1e-6,
            relative: 0.0,
        };
        for (comparator, output, reference, rule) in [
            (Comparator::Exact, &b"1 2\n"[..], &b"1 2\n"[..], "exact"),
            (Comparator::Lines, b"1  2\n", b"1 2", "lines"),
            (Comparator::Tokens, b"1\n2", b"1 2", "tokens"),
            (float, b"1.0000001", b"1", "float"),
        ] {
            assert_eq!(
                comparator.accepting_rule(output, reference),
                Some(rule),
                "{comparator:?}"
            );
            assert_eq!(
                comparator.accepting_rule(output, b"3"),
                None,
                "{comparator:?}"
            );
        }
    }

    #[test]
    fn equivalence_comparators_are_transitive() {
        for comparator in [
            Comparator::Exact,
            Comparator::Lines,
            Comparator::Tokens,
            Comparator::Lcb,
        ] {
            assert!(comparator.is_transitive(), "{comparator:?}");
            assert!(comparator.canonical_key(b"x").is_some(), "{comparator:?}");
        }
    }

    #[test]
    fn tolerant_comparators_have_no_key() {
        let float = Comparator::Float {
            absolute: 1.0,
            relative: 0.0,
        };
        for comparator in [float, Comparator::Lenient, Comparator::Call] {
            assert!(!comparator.is_transitive(), "{comparator:?}");
            assert_eq!(comparator.canonical_key(b"1"), None, "{comparator:?}");
        }
    }
}
