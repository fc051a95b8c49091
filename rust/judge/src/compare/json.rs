//! A JSON reader that keeps what Python's `json.loads` keeps: integers as exact digit strings
//! (Python ints are unbounded), floats as `f64` (Python's `float()` of the literal), strings as
//! code points (lone surrogates included).
//!
//! Hand-written because `serde_json` turns integers beyond 64 bits into `f64` unless its
//! `arbitrary_precision` feature is on, and that feature changes `serde_json::Number` for every
//! crate in the build (the judge's worker protocol uses `serde_json::Value` too).
//!
//! The grammar is RFC 8259, which `json.loads` also follows, except that we reject Python's
//! extensions `NaN`, `Infinity` and `-Infinity` (a harness that prints them has not printed
//! JSON). Like `json.loads`: surrounding whitespace is ` \t\n\r`; raw control characters in
//! strings are errors; `\uD83D\uDE00` pairs combine into one code point and unpaired surrogates
//! stay; of duplicate object keys the last wins. Nesting deeper than [`MAX_DEPTH`] is rejected
//! (Python hits its recursion limit near 1000), so a hostile output cannot exhaust the stack.

/// How deeply arrays and objects may nest.
const MAX_DEPTH: usize = 512;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    /// An integer literal: `digits` ASCII without leading zeros (`"0"` for zero, which is never
    /// negative).
    Int {
        negative: bool,
        digits: Vec<u8>,
    },
    Float(f64),
    /// Code points, encoded as UTF-8 extended to surrogates, so equal strings are equal bytes.
    Str(Vec<u8>),
    List(Vec<Value>),
    /// Sorted by key, keys unique.
    Object(Vec<(Vec<u8>, Value)>),
}

/// `json.loads(text)`, or None where it raises (or where `text` is not UTF-8).
pub(super) fn parse(text: &[u8]) -> Option<Value> {
    std::str::from_utf8(text).ok()?;
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    (reader.at == text.len()).then_some(value)
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn keyword(&mut self, word: &[u8], value: Value) -> Option<Value> {
        let found = self.text[self.at..].starts_with(word);
        self.at += if found { word.len() } else { 0 };
        found.then_some(value)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'n' => self.keyword(b"null", Value::Null),
            b't' => self.keyword(b"true", Value::Bool(true)),
            b'f' => self.keyword(b"false", Value::Bool(false)),
            b'"' => self.string().map(Value::Str),
            b'[' if depth < MAX_DEPTH => self.list(depth + 1),
            b'{' if depth < MAX_DEPTH => self.object(depth + 1),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn list(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Some(Value::List(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Some(Value::List(items));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return None;
                }
                let key = self.string()?;
                self.skip_whitespace();
                if !self.eat(b':') {
                    return None;
                }
                members.push((key, self.value(depth)?));
                self.skip_whitespace();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        // A stable sort keeps duplicates in order, so the last of each run is the one written last.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(Vec<u8>, Value)> = Vec::with_capacity(members.len());
        for member in members {
            match unique.last_mut() {
                Some(last) if last.0 == member.0 => *last = member,
                _ => unique.push(member),
            }
        }
        Some(Value::Object(unique))
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, an int unless it has a fraction or an
    /// exponent (Python's `NUMBER_RE`).
    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        let negative = self.eat(b'-');
        let digits_start = self.at;
        if !self.eat(b'0') && self.digits() == 0 {
            return None;
        }
        let digits_end = self.at;
        let mut is_float = false;
        if self.eat(b'.') {
            is_float = true;
            if self.digits() == 0 {
                return None;
            }
        }
        if self.eat(b'e') || self.eat(b'E') {
            is_float = true;
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return None;
            }
        }
        if is_float {
            let literal = std::str::from_utf8(&self.text[start..self.at]).ok()?;
            return literal.parse().ok().map(Value::Float);
        }
        let digits = self.text[digits_start..digits_end].to_vec();
        let negative = negative && digits != b"0";
        Some(Value::Int { negative, digits })
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        self.at += 1;
        let mut decoded = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(decoded);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = self.peek()?;
                    self.at += 1;
                    match escaped {
                        b'"' | b'\\' | b'/' => decoded.push(escaped),
                        b'b' => decoded.push(0x08),
                        b'f' => decoded.push(0x0C),
                        b'n' => decoded.push(b'\n'),
                        b'r' => decoded.push(b'\r'),
                        b't' => decoded.push(b'\t'),
                        b'u' => push_code_point(&mut decoded, self.unicode_escape()?),
                        _ => return None,
                    }
                }
                0x00..=0x1F => return None,
                byte => {
                    decoded.push(byte);
                    self.at += 1;
                }
            }
        }
    }

    /// The code point of `\uXXXX` (just past `\u`), combined with a following `\uXXXX` when the
    /// two form a surrogate pair.
    fn unicode_escape(&mut self) -> Option<u32> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.text[self.at..].starts_with(b"\\u") {
            let after_first = self.at;
            self.at += 2;
            match self.hex4() {
                Some(second) if (0xDC00..0xE000).contains(&second) => {
                    return Some(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
                }
                _ => self.at = after_first,
            }
        }
        Some(first)
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = self.text.get(self.at..self.at + 4)?;
        let hex = std::str::from_utf8(hex).ok()?;
        if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(hex, 16).ok()
    }
}

/// UTF-8's bit layout applied to any code point below 0x10000 that is not ASCII, surrogates
/// included (which `char` cannot hold).
fn push_code_point(bytes: &mut Vec<u8>, code: u32) {
    match char::from_u32(code) {
        Some(c) => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        None => bytes.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(negative: bool, digits: &str) -> Value {
        Value::Int {
            negative,
            digits: digits.as_bytes().to_vec(),
        }
    }

    fn string(text: &str) -> Value {
        Value::Str(text.as_bytes().to_vec())
    }

    #[test]
    fn integers_keep_every_digit() {
        let big = "123456789012345678901234567890123456789";
        assert_eq!(parse(big.as_bytes()), Some(int(false, big)));
        assert_eq!(parse(b"-17"), Some(int(true, "17")));
        assert_eq!(parse(b"-0"), Some(int(false, "0")));
    }

    #[test]
    fn fractions_and_exponents_make_floats() {
        assert_eq!(parse(b"1.5"), Some(Value::Float(1.5)));
        assert_eq!(parse(b"-2E+2"), Some(Value::Float(-200.0)));
        assert_eq!(parse(b"1e400"), Some(Value::Float(f64::INFINITY)));
        assert_eq!(parse(b"-0.0"), Some(Value::Float(-0.0)));
    }

    #[test]
    fn strings_decode_escapes_and_surrogate_pairs() {
        assert_eq!(
            parse(br#""a\"\\\/\b\f\n\r\t""#),
            Some(string("a\"\\/\x08\x0c\n\r\t"))
        );
        assert_eq!(parse(br#""\u00e9""#), Some(string("é")));
        assert_eq!(parse("\"é\"".as_bytes()), Some(string("é")));
        assert_eq!(parse(br#""\ud83d\ude00""#), Some(string("😀")));
        assert_eq!(
            parse(br#""\ud83dx""#),
            Some(Value::Str(b"\xed\xa0\xbdx".to_vec()))
        );
        assert_eq!(
            parse(br#""\ud83d\u0041""#),
            Some(Value::Str(b"\xed\xa0\xbdA".to_vec()))
        );
    }

    #[test]
    fn objects_are_sorted_and_the_last_duplicate_wins() {
        let parsed = parse(br#"{"b": 1, "a": 2, "b": 3}"#);
        let expected = vec![
            (b"a".to_vec(), int(false, "2")),
            (b"b".to_vec(), int(false, "3")),
        ];
        assert_eq!(parsed, Some(Value::Object(expected)));
        assert_eq!(parse(b" { } "), Some(Value::Object(Vec::new())));
    }

    #[test]
    fn nested_values_and_whitespace() {
        let parsed = parse(b" \r\n[1, [true, null], {\"k\": []}]\n");
        let expected = Value::List(vec![
            int(false, "1"),
            Value::List(vec![Value::Bool(true), Value::Null]),
            Value::Object(vec![(b"k".to_vec(), Value::List(Vec::new()))]),
        ]);
        assert_eq!(parsed, Some(expected));
    }

    #[test]
    fn what_json_loads_rejects_is_none() {
        for text in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "-",
            "0x10",
            "[1,]",
            "[1 2]",
            "{\"a\"}",
            "{\"a\":1,}",
            "{1: 2}",
            "'a'",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\t\"",
            "tru",
            "nul",
            "True",
            "None",
            "1 2",
            "[",
            "]",
            "\u{feff}1",
            "\x0c1",
        ] {
            assert_eq!(parse(text.as_bytes()), None, "json.loads({text:?}) raises");
        }
    }

    #[test]
    fn python_extensions_nan_and_infinity_are_rejected() {
        for text in ["NaN", "Infinity", "-Infinity", "[NaN]"] {
            assert_eq!(parse(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_and_deep_nesting_are_rejected_without_panic() {
        assert_eq!(parse(b"\"\xff\""), None);
        assert_eq!(parse(b"\xff"), None);
        let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(deep(MAX_DEPTH).as_bytes()).is_some());
        assert_eq!(parse(deep(MAX_DEPTH + 1).as_bytes()), None);
        assert_eq!(parse(deep(1_000_000).as_bytes()), None);
        assert_eq!(parse("{\"a\":".repeat(100_000).as_bytes()), None);
    }
}
