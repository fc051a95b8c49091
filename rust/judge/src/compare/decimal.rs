//! Python's `decimal.Decimal(text)` and `==` between Decimals, exactly (never through `f64`).
//!
//! The syntax is CPython's C `_decimal` (checked on 3.11.7): an optional sign, then digits with
//! an optional point (at least one digit), an optional exponent `e`/`E` with optional sign and
//! digits; or `inf`/`infinity`; or a NaN, all case-insensitive. Digits of any script count
//! (`'٣'` is 3), and every `_` is dropped before parsing, wherever it stands (`"_1"`, `"1__0"`,
//! `"in_f"` are all valid: `_decimal` ignores underscores rather than checking PEP 515's
//! placement, unlike `float()`).
//!
//! Construction is exact under libmpdec's maximum context, so a literal is valid only while
//! `etiny <= exponent` and `adjusted exponent <= emax` (the 64-bit limits below); beyond them
//! Python raises `InvalidOperation` as for any other invalid text: `"1e999999999999999999"` is
//! valid, `"1e1000000000000000000"` is not.
//!
//! Equality is by value: `1.0 == 1`, `1e2 == 100`, `-0 == 0`, `inf == Infinity`. NaN equals
//! nothing (and comparing a signalling NaN raises), so [`parse`] returns None for NaNs just as
//! for invalid text: a NaN token can never take part in an equality that holds.

use super::python_text::{chars, decimal_digit};

/// libmpdec's 64-bit `MPD_MAX_EMAX`, and `etiny = MIN_EMIN - MAX_PREC + 1` of its max context.
const EMAX: i128 = 999_999_999_999_999_999;
const ETINY: i128 = -1_999_999_999_999_999_997;

/// A non-NaN Decimal reduced so that equal values are equal structs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decimal {
    Zero,
    /// `±digits × 10^exponent`, `digits` ASCII with no leading or trailing zeros.
    Finite {
        negative: bool,
        digits: Vec<u8>,
        exponent: i128,
    },
    Infinite {
        negative: bool,
    },
}

/// `Decimal(token)`, or None where Python raises or makes a NaN.
pub(super) fn parse(token: &[u8]) -> Option<Decimal> {
    let text = to_ascii(token)?;
    let (negative, unsigned) = split_sign(text.as_bytes());
    if unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity") {
        return Some(Decimal::Infinite { negative });
    }
    let (mantissa, exponent) = match unsigned.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &mantissa[..0]),
    };
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let written_exponent = match exponent {
        Some(exponent) => parse_exponent(exponent)?,
        None => 0,
    };
    // The exponent of the last digit written, as libmpdec keeps it.
    let exponent = written_exponent - fraction.len() as i128;
    let coefficient: Vec<u8> = whole.iter().chain(fraction).copied().collect();
    let first_significant = coefficient.iter().position(|&b| b != b'0');
    let significant = first_significant.map_or(1, |first| coefficient.len() - first);
    if exponent < ETINY || exponent + significant as i128 - 1 > EMAX {
        return None;
    }
    let Some(first) = first_significant else {
        return Some(Decimal::Zero);
    };
    let last = coefficient
        .iter()
        .rposition(|&b| b != b'0')
        .unwrap_or(first);
    Some(Decimal::Finite {
        negative,
        digits: coefficient[first..=last].to_vec(),
        exponent: exponent + (coefficient.len() - 1 - last) as i128,
    })
}

/// What `_decimal` hands libmpdec: underscores dropped, digits of any script made ASCII; any
/// other non-ASCII character (or NUL) makes the literal invalid.
fn to_ascii(token: &[u8]) -> Option<String> {
    let mut ascii = String::with_capacity(token.len());
    for (_, c) in chars(token) {
        match c? {
            '_' => {}
            c if c.is_ascii() && c != '\0' => ascii.push(c),
            c => ascii.push(char::from(b'0' + decimal_digit(c)?)),
        }
    }
    Some(ascii)
}

/// An optional leading sign: whether it is `-`, and the rest.
fn split_sign(text: &[u8]) -> (bool, &[u8]) {
    match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        rest => (false, rest),
    }
}

/// `[+-]digits`. libmpdec reads it with `strtoll`, which saturates, so a huge exponent stays
/// huge (and out of range) instead of wrapping.
fn parse_exponent(exponent: &[u8]) -> Option<i128> {
    let (negative, digits) = split_sign(exponent);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0_i128, |value, &digit| {
        (value * 10 + i128::from(digit - b'0')).min(i128::from(i64::MAX) + 1)
    });
    Some(if negative {
        -magnitude
    } else {
        magnitude.min(i128::from(i64::MAX))
    })
}

impl Decimal {
    /// A spelling that is the same for equal values: `0`, `inf`, `-inf`, or `[-]digitsE±n`.
    pub(super) fn write_canonical(&self, key: &mut Vec<u8>) {
        match self {
            Self::Zero => key.push(b'0'),
            Self::Infinite { negative } => {
                key.extend_from_slice(if *negative { b"-inf" } else { b"inf" })
            }
            Self::Finite {
                negative,
                digits,
                exponent,
            } => {
                if *negative {
                    key.push(b'-');
                }
                key.extend_from_slice(digits);
                key.extend_from_slice(format!("E{exponent}").as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> Option<String> {
        parse(text.as_bytes()).map(|value| {
            let mut key = Vec::new();
            value.write_canonical(&mut key);
            String::from_utf8(key).unwrap()
        })
    }

    #[test]
    fn equal_values_have_one_canonical_spelling() {
        for (spellings, expected) in [
            (
                &["1", "1.0", "+1", "1.000", "0001", "10e-1", "0.1e1", "1."][..],
                "1E0",
            ),
            (&["100", "1e2", "1E+2", "100.00", "0.001e5"][..], "1E2"),
            (&["0", "-0", "0.000", "0e5", ".0", "-.0e-0", "00"][..], "0"),
            (&["-2.50", "-25e-1", "-.25E1"][..], "-25E-1"),
            (&["inf", "Inf", "+INFINITY", "in_f"][..], "inf"),
            (&["-infinity", "-Inf"][..], "-inf"),
        ] {
            for spelling in spellings {
                assert_eq!(
                    canonical(spelling).as_deref(),
                    Some(expected),
                    "Decimal({spelling:?})"
                );
            }
        }
    }

    #[test]
    fn decimals_are_exact_at_any_length() {
        assert_ne!(canonical("0.1000000000000000000001"), canonical("0.1"));
        assert_ne!(
            canonical("50000000000000000"),
            canonical("50000000000000001")
        );
        assert_eq!(
            canonical("123456789012345678901234567890").as_deref(),
            Some("12345678901234567890123456789E1")
        );
    }

    #[test]
    fn underscores_are_dropped_anywhere() {
        // Python 3.11: Decimal("_1") == Decimal("1_") == Decimal("1__0") / 10 == 1.
        for spelling in [
            "1_000", "_1000", "1000_", "1__000", "1_0_0_0", "1e+_3", "1E_3",
        ] {
            assert_eq!(
                canonical(spelling).as_deref(),
                Some("1E3"),
                "Decimal({spelling:?})"
            );
        }
        assert_eq!(canonical("_"), None);
    }

    #[test]
    fn digits_of_any_script_count() {
        assert_eq!(canonical("١٢").as_deref(), Some("12E0"));
        assert_eq!(canonical("٣.5").as_deref(), Some("35E-1"));
        assert_eq!(canonical("１e٢").as_deref(), Some("1E2"));
    }

    #[test]
    fn invalid_literals_and_nans_are_none() {
        for text in [
            "",
            ".",
            "e5",
            ".e5",
            "1e",
            "1e+",
            "1e++5",
            "1ee5",
            "1e5.0",
            "1.2.3",
            "0x10",
            "+",
            "-",
            "+-1",
            "infinit",
            "infinityy",
            "nan",
            "NaN",
            "-nan",
            "NaN12",
            "sNaN",
            "snan",
            "n_a_n",
            "1 2",
            "1\0",
            "1²",
            "\u{a0}1",
        ] {
            assert_eq!(canonical(text), None, "Decimal({text:?})");
        }
        assert_eq!(parse(b"1\xff"), None);
    }

    #[test]
    fn exponents_stay_within_libmpdec_max_context() {
        let valid = [
            "1e999999999999999999",
            "0e999999999999999999",
            "0.1e1000000000000000000",
            "1000e999999999999999996",
            "1e-1999999999999999997",
            "0.000e-1999999999999999994",
            "12.5e-1999999999999999996",
        ];
        let invalid = [
            "1e1000000000000000000",
            "10e999999999999999999",
            "0e1000000000000000000",
            "1e-1999999999999999998",
            "10e-1999999999999999998",
            "12.5e-1999999999999999997",
            "0.000e-1999999999999999995",
            "1e9223372036854775808",
            "1e99999999999999999999999999999999999999999",
            "0.1e-99999999999999999999999999999999999999999",
        ];
        for text in valid {
            assert!(
                canonical(text).is_some(),
                "Decimal({text:?}) is valid in Python"
            );
        }
        for text in invalid {
            assert_eq!(canonical(text), None, "Decimal({text:?}) raises in Python");
        }
    }
}
