//! Lookup tables (CSV), by file name (`users.csv`) or stanza name.

use std::collections::HashMap;
use std::sync::Arc;

/// A loaded lookup table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Matching is case-sensitive by default (EC-134).
    pub case_sensitive: bool,
}

/// The lookup tables a run can see, by name.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub tables: HashMap<String, Arc<LookupTable>>,
}

impl Lookups {
    pub fn get(&self, name: &str) -> Option<&Arc<LookupTable>> {
        self.tables.get(name)
    }
}
