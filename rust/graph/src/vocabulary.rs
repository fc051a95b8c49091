//! Concept names and their node ids. Ids follow the names' sorted (byte) order, so a graph rebuilt
//! from the same names, e.g. loaded back from its saved edge list, gets the same ids, the same
//! alias tables and therefore the same walks for the same seed.

use std::collections::HashMap;

use crate::error::GraphError;

#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut names: Vec<String> = names.into_iter().map(|name| name.as_ref().to_owned()).collect();
        names.sort_unstable();
        names.dedup();
        let ids = names.iter().enumerate().map(|(id, name)| (name.clone(), id as u32)).collect();
        Self { names, ids }
    }

    pub fn id(&self, name: &str) -> Result<u32, GraphError> {
        self.ids.get(name).copied().ok_or_else(|| GraphError::UnknownConcept(name.to_owned()))
    }

    pub fn ids<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<u32>, GraphError> {
        names.iter().map(|name| self.id(name.as_ref())).collect()
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// All names, indexed by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_sorted_names_whatever_the_input_order() {
        let vocabulary = Vocabulary::new(["graph", "dp", "greedy", "dp"]);
        assert_eq!(vocabulary.names(), ["dp", "graph", "greedy"]);
        assert_eq!(vocabulary.ids(&["greedy", "dp"]).unwrap(), [2, 0]);
        assert_eq!(vocabulary.id("flow").unwrap_err(), GraphError::UnknownConcept("flow".into()));
    }
}
