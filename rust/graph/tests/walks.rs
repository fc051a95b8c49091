//! Walk sampling through the public API: determinism, early stops, unique sets, step frequencies.

use pysynth_graph::{ConceptGraph, Dedup, Edge, GraphError, WalkParams, Walks};

/// A ring of `n` nodes with chords, log weights varying by edge, plus isolated node `n`.
fn ring_with_isolated_node(n: u32) -> ConceptGraph {
    let mut edges = Vec::new();
    for u in 0..n {
        edges.push(Edge { source: u, target: (u + 1) % n, weight: (u % 3) as f64 });
        edges.push(Edge { source: u, target: (u + 7) % n, weight: -((u % 5) as f64) / 2.0 });
    }
    ConceptGraph::from_edges(n as usize + 1, edges, None).unwrap()
}

fn sample(graph: &ConceptGraph, starts: &[u32], count: usize, seed: u64, dedup: Dedup) -> Walks {
    graph.sample_walks(starts, count, &WalkParams { max_steps: 6, seed }, dedup).unwrap()
}

fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(work)
}

#[test]
fn same_seed_gives_the_same_walks_on_any_number_of_threads() {
    let graph = ring_with_isolated_node(100);
    let starts: Vec<u32> = (0..100).collect();
    for dedup in [Dedup::Off, Dedup::unique(20_000)] {
        let one = in_pool(1, || sample(&graph, &starts, 20_000, 5, dedup));
        let four = in_pool(4, || sample(&graph, &starts, 20_000, 5, dedup));
        assert_eq!(one, four, "{dedup:?}");
        assert_ne!(one, sample(&graph, &starts, 20_000, 6, dedup), "{dedup:?}: another seed, other walks");
    }
}

#[test]
fn sets_are_sorted_distinct_and_start_at_a_start_node() {
    let graph = ring_with_isolated_node(50);
    let walks = sample(&graph, &[3, 40], 2_000, 1, Dedup::Off);
    assert_eq!((walks.len(), walks.attempts), (2_000, 2_000));
    for i in 0..walks.len() {
        let set = walks.get(i);
        assert!(set.windows(2).all(|pair| pair[0] < pair[1]), "set {i} {set:?} is not sorted and distinct");
        assert!((1..=7).contains(&set.len()), "set {i} {set:?}: a 6-step walk visits 1 to 7 nodes");
        assert!(set.contains(&3) || set.contains(&40), "set {i} {set:?} misses both start nodes");
    }
}

#[test]
fn walk_stops_at_a_node_without_neighbours() {
    let graph = ring_with_isolated_node(10);
    let walks = sample(&graph, &[10], 5, 0, Dedup::Off);
    assert!((0..5).all(|i| walks.get(i) == [10]));
}

#[test]
fn unique_sets_are_distinct_and_exhaustion_is_reported() {
    let graph = ring_with_isolated_node(30);
    let walks = sample(&graph, &[0, 1], 300, 2, Dedup::unique(300));
    let sets: std::collections::HashSet<&[u32]> = (0..walks.len()).map(|i| walks.get(i)).collect();
    assert_eq!((sets.len(), walks.len()), (300, 300));
    assert!(walks.attempts >= 300);
    // Unique sets keep the first occurrence in walk order: a prefix of the unfiltered stream.
    let all = sample(&graph, &[0, 1], walks.attempts as usize, 2, Dedup::Off);
    assert_eq!(all.get(0), walks.get(0));
    // From an isolated node only one set exists, so the attempts run out.
    let stuck = sample(&graph, &[30], 10, 2, Dedup::Unique { max_attempts: 1_000 });
    assert_eq!((stuck.len(), stuck.attempts), (1, 1_000));
}

#[test]
fn one_step_frequencies_match_the_transition_probabilities() {
    let graph = ring_with_isolated_node(20);
    let draws = 200_000;
    let walks = graph.sample_walks(&[4], draws, &WalkParams { max_steps: 1, seed: 9 }, Dedup::Off).unwrap();
    for (neighbour, probability) in graph.transition_probabilities(4).unwrap() {
        let hits = (0..walks.len()).filter(|&i| walks.get(i).contains(&neighbour)).count();
        let std = (probability * (1.0 - probability) / draws as f64).sqrt();
        let share = hits as f64 / draws as f64;
        assert!((share - probability).abs() < 5.0 * std, "neighbour {neighbour}: {share} vs {probability}");
    }
}

#[test]
fn bad_start_nodes_are_errors() {
    let graph = ring_with_isolated_node(10);
    let params = WalkParams::default();
    assert_eq!(graph.sample_walks(&[], 3, &params, Dedup::Off).unwrap_err(), GraphError::NoStartNodes);
    assert!(matches!(graph.sample_walks(&[11], 3, &params, Dedup::Off), Err(GraphError::NodeId { id: 11, .. })));
    assert!(graph.sample_walks(&[], 0, &params, Dedup::Off).unwrap().is_empty());
}
