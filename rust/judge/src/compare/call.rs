//! Function-call problems: the output is the JSON a harness printed for the return value
//! (`json.dumps(result)`, tuples already lists) and the reference the JSON of the expected
//! value; they match when the parsed values are equal under Python's `==`.
//!
//! Python's `==` on those values: integers compare exactly at any size (never through `f64`),
//! an int equals a float of the same value (`1 == 1.0`, but `2**53 + 1 != 2.0**53`), `bool` is
//! an int (`True == 1`, `False == 0.0`; Python's rule, however odd), strings by code points,
//! `null` only to `null`, lists element-wise, objects by key set and values.
//!
//! Rules: `equal` when the values are equal, else `first_of_list` when the reference is a
//! non-empty list whose first element equals the output: TACO and APPS wrap expected return
//! values in a list (TACO `metrics/testing_util.py` at 4b08acb, lines 189-191:
//! `output == expected or output == expected[0]`; APPS `eval/testing_util.py` the same).
//! Output or reference that `json.loads` rejects, or that is not JSON at all (Python's `NaN`
//! and `Infinity`), matches nothing. Not transitive: `first_of_list` is asymmetric.
//!
//! Where we differ: TACO also tries `[list(x) for x in output] == expected[0]` for a list of
//! tuples; tuples arrive here as lists, so that is `first_of_list`, and tuples nested anywhere
//! compare equal to lists (in TACO `[(1, 2)] != [[1, 2]]`). TACO turns the expected dict's keys
//! into ints; JSON keeps both sides' keys as strings. Python 3.11 refuses ints of over 4300
//! digits in `json.loads`; we compare them.

use super::json::{self, Value};

pub(super) fn accepting_rule(output: &[u8], reference: &[u8]) -> Option<&'static str> {
    let output = json::parse(output)?;
    let reference = json::parse(reference)?;
    if python_eq(&output, &reference) {
        return Some("equal");
    }
    match &reference {
        Value::List(items) if items.first().is_some_and(|first| python_eq(&output, first)) => {
            Some("first_of_list")
        }
        _ => None,
    }
}

fn python_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| python_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((key_a, a), (key_b, b))| key_a == key_b && python_eq(a, b))
        }
        _ => match (number(a), number(b)) {
            (Some(a), Some(b)) => numbers_eq(a, b),
            _ => false,
        },
    }
}

enum Number<'a> {
    Int { negative: bool, digits: &'a [u8] },
    Float(f64),
}

/// Numbers and booleans, which Python compares as numbers.
fn number(value: &Value) -> Option<Number<'_>> {
    match value {
        Value::Bool(true) => Some(Number::Int {
            negative: false,
            digits: b"1",
        }),
        Value::Bool(false) => Some(Number::Int {
            negative: false,
            digits: b"0",
        }),
        Value::Int { negative, digits } => Some(Number::Int {
            negative: *negative,
            digits,
        }),
        Value::Float(value) => Some(Number::Float(*value)),
        _ => None,
    }
}

fn numbers_eq(a: Number, b: Number) -> bool {
    match (a, b) {
        (Number::Float(a), Number::Float(b)) => a == b,
        (
            Number::Int {
                negative: a_negative,
                digits: a,
            },
            Number::Int { negative, digits },
        ) => a_negative == negative && a == digits,
        (Number::Int { negative, digits }, Number::Float(float))
        | (Number::Float(float), Number::Int { negative, digits }) => {
            int_eq_float(negative, digits, float)
        }
    }
}

/// Python compares an int with a float exactly: the float must be an integer whose exact
/// decimal expansion (what `{:.0}` prints for an integral `f64`) is the int's digits.
fn int_eq_float(negative: bool, digits: &[u8], float: f64) -> bool {
    if !float.is_finite() || float.fract() != 0.0 {
        return false;
    }
    if float == 0.0 {
        return digits == b"0";
    }
    negative == (float < 0.0) && format!("{:.0}", float.abs()).as_bytes() == digits
}

#[cfg(test)]
mod tests {
    use super::super::testing::check_rule;
    use crate::Comparator;

    const CALL: Comparator = Comparator::Call;

    fn rule(output: &str, reference: &str, expected: Option<&str>) {
        check_rule(CALL, output.as_bytes(), reference.as_bytes(), expected);
    }

    #[test]
    fn equal_values_are_equal() {
        rule("[1, 2, 3]", "[1,2,3]", Some("equal"));
        rule(
            "{\"b\": [true], \"a\": null}",
            "{\"a\":null,\"b\":[true]}",
            Some("equal"),
        );
        rule("\"h\\u00e9\"", "\"hé\"", Some("equal"));
        rule("  7\n", "7", Some("equal"));
        rule("[[1, [2]], []]", "[[1,[2]],[]]", Some("equal"));
        rule("[1, 2]", "[2, 1]", None);
        rule("[1, 2]", "[1, 2, 3]", None);
        rule("{\"a\": 1}", "{\"a\": 1, \"b\": 2}", None);
        rule("\"1\"", "1", None);
        rule("null", "0", None);
        rule("\"abc\"", "\"abd\"", None);
    }

    #[test]
    fn equal_compares_big_integers_exactly() {
        let big = "123456789012345678901234567890123456789";
        rule(big, big, Some("equal"));
        rule(big, "123456789012345678901234567890123456788", None);
        rule("9007199254740993", "9007199254740992", None);
        rule("-5", "5", None);
        rule("-0", "0", Some("equal"));
    }

    #[test]
    fn equal_compares_int_and_float_by_exact_value() {
        rule("1", "1.0", Some("equal"));
        rule("1.0", "1", Some("equal"));
        rule("100", "1e2", Some("equal"));
        rule("-0.0", "0", Some("equal"));
        rule("9007199254740992", "9007199254740992.0", Some("equal"));
        rule("9007199254740993", "9007199254740992.0", None);
        rule("1e300", &format!("{:.0}", 1e300), Some("equal"));
        rule("1e300", &format!("1{}", "0".repeat(300)), None);
        rule("1.5", "1", None);
        rule("1e400", "1e401", Some("equal"));
        rule("1e400", "1", None);
        rule("0.1", "0.10000000000000001", Some("equal"));
    }

    #[test]
    fn equal_treats_bool_as_int_like_python() {
        rule("true", "1", Some("equal"));
        rule("false", "0", Some("equal"));
        rule("[true, false]", "[1.0, 0]", Some("equal"));
        rule("true", "2", None);
        rule("true", "\"true\"", None);
        rule("false", "null", None);
    }

    #[test]
    fn first_of_list_unwraps_a_wrapped_reference() {
        rule("5", "[5]", Some("first_of_list"));
        rule("[1, 2]", "[[1, 2]]", Some("first_of_list"));
        rule("\"a\"", "[\"a\", \"b\"]", Some("first_of_list"));
        rule("[5]", "[5]", Some("equal"));
        rule("[5]", "5", None);
        rule("5", "[[5]]", None);
        rule("null", "[]", None);
        rule("\"b\"", "[\"a\", \"b\"]", None);
    }

    #[test]
    fn invalid_json_is_rejected() {
        for (output, reference) in [
            ("NaN", "NaN"),
            ("Infinity", "Infinity"),
            ("[1, -Infinity]", "[1, -Infinity]"),
            ("(1, 2)", "[1, 2]"),
            ("True", "true"),
            ("'a'", "\"a\""),
            ("", ""),
            ("1 2", "1"),
            ("[1, 2]", "[1, 2"),
            ("{\"a\": 1,}", "{\"a\": 1}"),
        ] {
            rule(output, reference, None);
        }
        check_rule(CALL, b"\"\xff\"", b"\"\xff\"", None);
        check_rule(CALL, &[b'['; 100_000], b"[]", None);
    }

    #[test]
    fn call_is_not_transitive() {
        assert!(!CALL.is_transitive());
        assert_eq!(CALL.canonical_key(b"1"), None);
    }
}
