//! Majority voting over the outputs of N candidate solutions, and QueST's difficulty estimate.
//!
//! Without an expected output, the judge trusts agreement: on each test input, the outputs of
//! solutions that ran validly (finished within limits) are grouped into clusters of matching
//! outputs, and the largest cluster is the majority. Invalid executions (TLE, MLE, OLE, RE, CE)
//! take no part: a crash says nothing about what the right output is.
//!
//! # Clustering rule
//!
//! - Transitive comparators (Exact, Lines, Tokens): outputs are grouped by
//!   [`Comparator::canonical_key`], which gives exactly the equivalence classes of `matches`.
//! - Float: tolerant matching is not transitive, so there are no equivalence classes. Outputs are
//!   clustered greedily in solution order: each valid output joins the first existing cluster
//!   whose *leader* it matches (`comparator.matches(output, leader_output)`), or else starts a
//!   new cluster and leads it. Members are only ever compared with the leader, never with each
//!   other, so the result depends on the order. With `absolute = 1e-6`, outputs `1.0`,
//!   `1.0000008`, `1.0000016` give clusters {0, 1} and {2} (the third is 1.6e-6 from the
//!   leader), while the order `1.0000008`, `1.0`, `1.0000016` gives one cluster of three.
//!
//! In both cases a cluster's leader is its lowest-indexed member. The majority cluster is the
//! largest; ties go to the cluster whose leader has the smallest index, so the vote is
//! deterministic.
//!
//! # Difficulty
//!
//! With `T` the tests that have at least one valid output (`valid_t > 0`):
//!
//! `delta = 1 - (1/|T|) * sum over t in T of (majority_size_t / valid_t)`
//!
//! 0 means the solutions agree on every test; values near 1 mean they rarely agree, which QueST
//! reads as a hard problem. Tests where nothing ran validly carry no agreement signal and are
//! left out of the mean (but counted), rather than counted as total disagreement.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::Comparator;

/// The vote on one test input.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    /// Index (into the outputs slice) of the solution whose output represents the majority
    /// cluster; None when no output is valid.
    pub majority_leader: Option<usize>,
    pub majority_size: usize,
    /// Outputs that took part (valid executions).
    pub valid: usize,
    /// Executions excluded from the vote (None entries: TLE, RE, MLE, OLE, CE).
    pub invalid: usize,
    /// `majority_size / valid`, or None when `valid == 0`.
    pub share: Option<f64>,
    /// Per solution: Some(true) if its output is in the majority cluster, Some(false) if valid
    /// but outside it, None if invalid.
    pub agrees: Vec<Option<bool>>,
}

/// Votes on one test. `outputs[i]` is solution i's output, or None if its execution was invalid.
pub fn majority_vote(outputs: &[Option<&[u8]>], comparator: &Comparator) -> Vote {
    let Clustering {
        clusters,
        membership,
    } = cluster(outputs, comparator);
    // Clusters are numbered in leader order, so preferring the lower number on equal sizes
    // breaks ties toward the smallest leader index.
    let majority =
        (0..clusters.len()).max_by_key(|&cluster| (clusters[cluster].size, Reverse(cluster)));

    let valid = outputs.iter().filter(|output| output.is_some()).count();
    let majority_size = majority.map_or(0, |cluster| clusters[cluster].size);
    Vote {
        majority_leader: majority.map(|cluster| clusters[cluster].leader),
        majority_size,
        valid,
        invalid: outputs.len() - valid,
        share: (valid > 0).then(|| majority_size as f64 / valid as f64),
        agrees: membership
            .iter()
            .map(|member| member.map(|cluster| Some(cluster) == majority))
            .collect(),
    }
}

/// The problem-level difficulty over the votes on all its tests (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Difficulty {
    /// `1 - mean(share)` over tests with at least one valid output; None if no test has one.
    pub delta: Option<f64>,
    /// `mean(share)` over the same tests.
    pub mean_agreement: Option<f64>,
    pub tests_with_votes: usize,
    pub tests_without_votes: usize,
}

/// Summarises the votes on all tests of one problem into its difficulty (see the module docs).
pub fn difficulty(votes: &[Vote]) -> Difficulty {
    let shares: Vec<f64> = votes.iter().filter_map(|vote| vote.share).collect();
    let mean_agreement =
        (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64);
    Difficulty {
        delta: mean_agreement.map(|agreement| 1.0 - agreement),
        mean_agreement,
        tests_with_votes: shares.len(),
        tests_without_votes: votes.len() - shares.len(),
    }
}

struct Cluster<'a> {
    leader: usize,
    leader_output: &'a [u8],
    size: usize,
}

struct Clustering<'a> {
    /// Numbered in order of creation, which is increasing leader index.
    clusters: Vec<Cluster<'a>>,
    /// Per solution, the number of its cluster; None for invalid executions.
    membership: Vec<Option<usize>>,
}

/// Applies the clustering rule of the module docs.
fn cluster<'a>(outputs: &[Option<&'a [u8]>], comparator: &Comparator) -> Clustering<'a> {
    let mut clusters: Vec<Cluster<'a>> = Vec::new();
    let mut membership = vec![None; outputs.len()];
    let mut cluster_by_key = HashMap::new();
    for (index, output) in outputs.iter().enumerate() {
        let Some(output) = *output else { continue };
        let unseen = clusters.len();
        let cluster = match comparator.canonical_form(output) {
            Some(key) => *cluster_by_key.entry(key).or_insert(unseen),
            None => clusters
                .iter()
                .position(|cluster| comparator.matches(output, cluster.leader_output))
                .unwrap_or(unseen),
        };
        if cluster == unseen {
            clusters.push(Cluster {
                leader: index,
                leader_output: output,
                size: 0,
            });
        }
        clusters[cluster].size += 1;
        membership[index] = Some(cluster);
    }
    Clustering {
        clusters,
        membership,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABSOLUTE_1E6: Comparator = Comparator::Float {
        absolute: 1e-6,
        relative: 0.0,
    };

    fn vote(outputs: &[Option<&str>], comparator: Comparator) -> Vote {
        let bytes: Vec<Option<&[u8]>> = outputs.iter().map(|o| o.map(str::as_bytes)).collect();
        majority_vote(&bytes, &comparator)
    }

    fn assert_close(actual: Option<f64>, expected: f64, what: &str) {
        let actual = actual.unwrap_or_else(|| panic!("{what}: expected {expected}, got None"));
        assert!(
            (actual - expected).abs() < 1e-12,
            "{what}: expected {expected}, got {actual}"
        );
    }

    #[test]
    fn unanimous_outputs_form_one_cluster() {
        let unanimous = vote(&[Some("7\n"), Some("7"), Some(" 7 ")], Comparator::Tokens);
        assert_eq!(
            unanimous,
            Vote {
                majority_leader: Some(0),
                majority_size: 3,
                valid: 3,
                invalid: 0,
                share: Some(1.0),
                agrees: vec![Some(true); 3],
            }
        );
        let result = difficulty(&[unanimous.clone(), unanimous]);
        assert_eq!(
            result.delta,
            Some(0.0),
            "unanimous solutions make an easy problem"
        );
        assert_eq!(result.mean_agreement, Some(1.0));
        assert_eq!(
            (result.tests_with_votes, result.tests_without_votes),
            (2, 0)
        );
    }

    #[test]
    fn known_split_gives_half_difficulty() {
        let first = vote(&[Some("A"), Some("A"), Some("B")], Comparator::Tokens);
        let second = vote(&[Some("A"), Some("B"), Some("C")], Comparator::Tokens);
        assert_close(first.share, 2.0 / 3.0, "share of A, A, B");
        assert_eq!(first.agrees, [Some(true), Some(true), Some(false)]);
        assert_close(second.share, 1.0 / 3.0, "share of A, B, C");
        assert_eq!(
            second.majority_leader,
            Some(0),
            "three-way tie goes to the first solution"
        );
        assert_eq!(second.agrees, [Some(true), Some(false), Some(false)]);
        let result = difficulty(&[first, second]);
        assert_close(result.delta, 0.5, "delta");
        assert_close(result.mean_agreement, 0.5, "mean agreement");
    }

    #[test]
    fn invalid_runs_are_excluded() {
        let result = vote(&[Some("A"), None, Some("A")], Comparator::Tokens);
        assert_eq!(
            result.share,
            Some(1.0),
            "the crashed run must not lower agreement"
        );
        assert_eq!(
            (result.valid, result.invalid, result.majority_size),
            (2, 1, 2)
        );
        assert_eq!(result.agrees, [Some(true), None, Some(true)]);
    }

    #[test]
    fn invalid_first_solution_cannot_lead() {
        let result = vote(&[None, Some("B"), Some("A"), Some("A")], Comparator::Exact);
        assert_eq!(result.majority_leader, Some(2));
        assert_eq!(result.agrees, [None, Some(false), Some(true), Some(true)]);
    }

    #[test]
    fn all_invalid_test_is_left_out_of_the_mean() {
        let silent = vote(&[None, None], Comparator::Tokens);
        assert_eq!(
            silent,
            Vote {
                majority_leader: None,
                majority_size: 0,
                valid: 0,
                invalid: 2,
                share: None,
                agrees: vec![None, None],
            }
        );
        let split = vote(&[Some("A"), Some("B")], Comparator::Tokens);
        let result = difficulty(&[silent, split]);
        assert_close(result.delta, 0.5, "delta counts only the test with votes");
        assert_eq!(
            (result.tests_with_votes, result.tests_without_votes),
            (1, 1)
        );
    }

    #[test]
    fn no_votes_at_all_has_no_difficulty() {
        let empty = vote(&[], Comparator::Tokens);
        assert_eq!(
            (empty.majority_leader, empty.valid, empty.invalid),
            (None, 0, 0)
        );
        assert!(empty.agrees.is_empty());
        let result = difficulty(&[empty, vote(&[None], Comparator::Tokens)]);
        assert_eq!(
            result,
            Difficulty {
                delta: None,
                mean_agreement: None,
                tests_with_votes: 0,
                tests_without_votes: 2,
            }
        );
        assert_eq!(difficulty(&[]).delta, None);
    }

    #[test]
    fn ties_go_to_the_smallest_leader() {
        let result = vote(
            &[Some("B"), Some("A"), Some("A"), Some("B")],
            Comparator::Tokens,
        );
        assert_eq!((result.majority_leader, result.majority_size), (Some(0), 2));
        assert_eq!(
            result.agrees,
            [Some(true), Some(false), Some(false), Some(true)]
        );
    }

    #[test]
    fn largest_cluster_wins_even_when_led_late() {
        let result = vote(
            &[Some("B"), Some("A"), Some("A"), Some("C")],
            Comparator::Tokens,
        );
        assert_eq!((result.majority_leader, result.majority_size), (Some(1), 2));
        assert_close(result.share, 0.5, "share");
    }

    #[test]
    fn tokens_cluster_ignores_layout() {
        let result = vote(
            &[Some("1 2\n3"), Some("1  2 3\n\n"), Some("1 2 4")],
            Comparator::Tokens,
        );
        assert_eq!(result.agrees, [Some(true), Some(true), Some(false)]);
    }

    #[test]
    fn lines_and_exact_cluster_by_their_own_rules() {
        let outputs = [Some("1 2\n3"), Some("1  2\r\n3\n"), Some("1 2 3")];
        let lines = vote(&outputs, Comparator::Lines);
        assert_eq!(lines.agrees, [Some(true), Some(true), Some(false)]);
        let exact = vote(&outputs, Comparator::Exact);
        assert_eq!(exact.majority_size, 1, "no two outputs are byte-identical");
        assert_eq!(exact.agrees, [Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn non_utf8_outputs_can_vote() {
        let outputs: [Option<&[u8]>; 3] = [Some(b"\xff\n"), Some(b"\xff"), Some(b"\xfe")];
        let result = majority_vote(&outputs, &Comparator::Tokens);
        assert_eq!(result.agrees, [Some(true), Some(true), Some(false)]);
    }

    #[test]
    fn float_members_are_compared_with_the_leader_only() {
        // 1.0000008 is within 1e-6 of the leader 1.0; 1.0000016 is not, although it is within
        // 1e-6 of 1.0000008. So the documented rule gives {0, 1} and {2}.
        let result = vote(
            &[Some("1.0"), Some("1.0000008"), Some("1.0000016")],
            ABSOLUTE_1E6,
        );
        assert_eq!((result.majority_leader, result.majority_size), (Some(0), 2));
        assert_eq!(result.agrees, [Some(true), Some(true), Some(false)]);
    }

    #[test]
    fn float_clustering_depends_on_order() {
        // With the middle value leading, both others are within 0.8e-6 of it: one cluster.
        let result = vote(
            &[Some("1.0000008"), Some("1.0"), Some("1.0000016")],
            ABSOLUTE_1E6,
        );
        assert_eq!((result.majority_leader, result.majority_size), (Some(0), 3));
        assert_eq!(result.share, Some(1.0));
    }

    #[test]
    fn float_new_cluster_can_outgrow_the_first() {
        let outputs = [
            Some("5"),
            Some("1.0"),
            Some("1.0000001"),
            Some("5.5"),
            Some("0.9999999"),
        ];
        let result = vote(&outputs, ABSOLUTE_1E6);
        assert_eq!((result.majority_leader, result.majority_size), (Some(1), 3));
        assert_eq!(
            result.agrees,
            [Some(false), Some(true), Some(true), Some(false), Some(true)]
        );
        assert_close(result.share, 0.6, "share");
    }

    #[test]
    fn float_relative_error_uses_the_leader_as_reference() {
        // |100 - 110| = 10 <= 0.1 * 100 (leader 100), but 10 > 0.1 * 90 (leader 90).
        let relative = Comparator::Float {
            absolute: 0.0,
            relative: 0.1,
        };
        assert_eq!(vote(&[Some("100"), Some("110")], relative).majority_size, 2);
        assert_eq!(vote(&[Some("90"), Some("100")], relative).majority_size, 1);
    }
}
