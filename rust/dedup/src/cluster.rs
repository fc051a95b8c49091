//! Union-find whose root is always the smallest member, so a cluster's representative is its
//! first document in input order.

pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub fn new(size: usize) -> Self {
        Self { parent: (0..size as u32).collect() }
    }

    pub fn find(&mut self, mut item: u32) -> u32 {
        while self.parent[item as usize] != item {
            let grandparent = self.parent[self.parent[item as usize] as usize];
            self.parent[item as usize] = grandparent;
            item = grandparent;
        }
        item
    }

    /// Joins the clusters of `a` and `b`; returns false if they were already one.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (root_a, root_b) = (self.find(a), self.find(b));
        if root_a == root_b {
            return false;
        }
        let (low, high) = if root_a < root_b { (root_a, root_b) } else { (root_b, root_a) };
        self.parent[high as usize] = low;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_smallest_member() {
        let mut sets = UnionFind::new(6);
        assert!(sets.union(4, 5));
        assert!(sets.union(5, 2));
        assert!(!sets.union(4, 2));
        assert_eq!((sets.find(4), sets.find(5), sets.find(2)), (2, 2, 2));
        assert_eq!(sets.find(0), 0);
    }
}
