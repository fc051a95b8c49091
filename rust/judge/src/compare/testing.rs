//! Assertions shared by the comparators' tests.

use crate::Comparator;

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts `matches` both ways and, for transitive comparators, that keys agree with it.
pub(super) fn check(comparator: Comparator, a: &[u8], b: &[u8], expected: bool) {
    for (output, reference) in [(a, b), (b, a)] {
        assert_eq!(
            comparator.matches(output, reference),
            expected,
            "{comparator:?}: matches({:?}, {:?})",
            show(output),
            show(reference)
        );
    }
    if comparator.is_transitive() {
        let (key_a, key_b) = (comparator.canonical_key(a), comparator.canonical_key(b));
        assert_eq!(
            key_a == key_b,
            expected,
            "{comparator:?}: keys {:?} and {:?} disagree with matches",
            key_a.map(|k| show(&k)),
            key_b.map(|k| show(&k))
        );
    }
}

/// Asserts which rule accepts `output` against `reference` (None: rejected), that `matches`
/// agrees, and for transitive comparators that keys agree too.
pub(super) fn check_rule(
    comparator: Comparator,
    output: &[u8],
    reference: &[u8],
    expected: Option<&str>,
) {
    assert_eq!(
        comparator.accepting_rule(output, reference),
        expected,
        "{comparator:?}: accepting_rule({:?}, {:?})",
        show(output),
        show(reference)
    );
    assert_eq!(
        comparator.matches(output, reference),
        expected.is_some(),
        "{comparator:?}: matches({:?}, {:?}) disagrees with accepting_rule",
        show(output),
        show(reference)
    );
    if comparator.is_transitive() {
        check(comparator, output, reference, expected.is_some());
    }
}
