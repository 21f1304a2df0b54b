//! Data models for `tstats` (R9.x, CLOUDTRAIL.md §7). A dataset is a base constraint (a
//! search-language expression over the events, after the sourcetype profile) plus field
//! definitions (eval expressions). `tstats ... FROM datamodel=M.D` evaluates the dataset
//! over the raw events, so no acceleration is needed: the fields appear as `D.field`.

use minispl_parser::ast::{Expr, SearchExpr};

#[derive(Debug, Clone, Default)]
pub struct DataModel {
    pub name: String,
    pub datasets: Vec<DataSet>,
}

#[derive(Debug, Clone)]
pub struct DataSet {
    pub name: String,
    /// A child dataset inherits its parent's constraint and fields.
    pub parent: Option<String>,
    /// Events must match this (search language) to belong to the dataset.
    pub constraint: Option<SearchExpr>,
    pub fields: Vec<DataModelField>,
}

#[derive(Debug, Clone)]
pub struct DataModelField {
    /// Unprefixed name (`user_type`); visible to `tstats` as `<Dataset>.<name>`.
    pub name: String,
    /// How the field is computed from the event; `None` means the event field of the
    /// same name.
    pub expr: Option<Expr>,
    /// Value used when the expression yields null (`unknown` for some CIM fields).
    pub fill: Option<String>,
}

/// Where `tstats` finds data models.
pub trait DataModels: Send + Sync {
    fn model(&self, name: &str) -> Option<&DataModel>;
}

impl DataModels for Vec<DataModel> {
    fn model(&self, name: &str) -> Option<&DataModel> {
        self.iter().find(|m| m.name == name)
    }
}
