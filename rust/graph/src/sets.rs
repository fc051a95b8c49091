//! Turning a walk's path into its concept set: sort, then drop repeats. Paths are short (7 nodes
//! for the default 6 steps), and a comparison sort branches on random node ids, mispredicting
//! about half the time, which made sorting the costliest part of a walk. A path of up to
//! `SHORT_PATH` nodes is therefore held in a fixed array, padded with `PADDING`, and sorted by a
//! branch-free sorting network; its repeats are dropped without branches too.

pub const SHORT_PATH: usize = 8;
/// Fills a short path's unused places. Never a node id: graphs have fewer than `u32::MAX` nodes.
pub const PADDING: u32 = u32::MAX;

/// Sorts 8 values with Knuth's optimal 19-comparator network (TAOCP 5.3.4), depth 6. Written out
/// (a loop over a table of pairs is not unrolled, and then the values live in memory), so the
/// values stay in registers and each comparator is a compare and two cmov.
#[inline(always)]
fn sort_8(mut path: [u32; SHORT_PATH]) -> [u32; SHORT_PATH] {
    // One line per layer of the network: comparators on a line touch disjoint places.
    macro_rules! comparators {
        ($($(($i:literal, $j:literal))+);+ $(;)?) => {
            $($(let (low, high) = (path[$i].min(path[$j]), path[$i].max(path[$j]));
            path[$i] = low;
            path[$j] = high;)+)+
        };
    }
    comparators! {
        (0, 2) (1, 3) (4, 6) (5, 7);
        (0, 4) (1, 5) (2, 6) (3, 7);
        (0, 1) (2, 3) (4, 5) (6, 7);
        (2, 4) (3, 5);
        (1, 4) (3, 6);
        (1, 2) (3, 4) (5, 6);
    }
    path
}

/// A padded short path's distinct nodes, sorted, at the front (what follows them is unspecified),
/// and how many there are.
#[inline]
pub fn short_path_set(path: [u32; SHORT_PATH]) -> ([u32; SHORT_PATH], usize) {
    let mut set = [PADDING; SHORT_PATH];
    let (mut distinct, mut previous) = (0, PADDING);
    for node in sort_8(path) {
        // Always write, advance only past a new node; padding sorts last and is never new.
        set[distinct.min(SHORT_PATH - 1)] = node;
        distinct += (node != previous && node != PADDING) as usize;
        previous = node;
    }
    (set, distinct)
}

/// Sorts a path of any length and moves its distinct nodes to the front; returns how many.
pub fn path_set(path: &mut [u32]) -> usize {
    path.sort_unstable();
    let mut distinct = 0;
    for i in 0..path.len() {
        if distinct == 0 || path[i] != path[distinct - 1] {
            path[distinct] = path[i];
            distinct += 1;
        }
    }
    distinct
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_sorts_every_zero_one_input() {
        // The 0-1 principle: a comparator network that sorts all 2^8 binary inputs sorts any input.
        for bits in 0u32..256 {
            let path = sort_8(std::array::from_fn(|i| (bits >> i) & 1));
            assert!(path.windows(2).all(|pair| pair[0] <= pair[1]), "{bits:08b} -> {path:?}");
        }
    }

    #[test]
    fn short_and_long_paths_give_the_same_sets() {
        let cases: [&[u32]; 6] =
            [&[5], &[3, 3], &[9, 1, 9, 4, 1, 0, 4], &[7, 6, 5, 4, 3, 2, 1, 0], &[2, 2, 2, 2, 2, 2, 2, 2], &[0, 8]];
        for case in cases {
            let mut expected = case.to_vec();
            expected.sort_unstable();
            expected.dedup();
            let mut long = case.to_vec();
            let distinct = path_set(&mut long);
            assert_eq!(&long[..distinct], expected, "{case:?}");
            let mut padded = [PADDING; SHORT_PATH];
            padded[..case.len()].copy_from_slice(case);
            let (set, distinct) = short_path_set(padded);
            assert_eq!(&set[..distinct], expected, "{case:?}");
        }
    }
}
