//! Data model definition files (CLOUDTRAIL.md §7): a readable format in the spirit of
//! Splunk's data model JSON, turned into `minispl_eval::datamodel::DataModel` for
//! `tstats`.
//!
//! ```text
//! [datamodel]
//! name = Cloud_Infrastructure
//!
//! [dataset:Compute]
//! parent = <dataset>            (optional: inherit constraint and fields)
//! constraint = <search-language expression over the profiled events>
//! field.<name> = <eval expression>   (empty: the event field of the same name)
//! fill.<name> = <value used when the field is null>
//! ```
//!
//! As with profiles, reading ([`parse_datamodel`]) and parsing the expressions
//! ([`DataModelDef::compile`]) are separate steps.

use crate::conf::{parse_conf, ConfError};
use minispl_eval::datamodel::{DataModel, DataModelField, DataSet};

/// The built-in `Cloud_Infrastructure` data model.
pub const CLOUD_INFRASTRUCTURE: &str = include_str!("../datamodels/Cloud_Infrastructure.conf");

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataModelDef {
    pub name: String,
    pub origin: String,
    pub datasets: Vec<DataSetDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataSetDef {
    pub name: String,
    pub parent: Option<String>,
    /// `(text, line)`.
    pub constraint: Option<(String, usize)>,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: String,
    /// `None`: the event field of the same name.
    pub expr: Option<String>,
    pub fill: Option<String>,
    pub line: usize,
}

/// Read a data model definition file.
pub fn parse_datamodel(text: &str, origin: &str) -> Result<DataModelDef, ConfError> {
    let conf = parse_conf(text, origin)?;
    let mut def = DataModelDef {
        origin: origin.to_string(),
        ..DataModelDef::default()
    };
    for stanza in &conf.stanzas {
        if stanza.name == "datamodel" {
            for e in &stanza.entries {
                match e.key.as_str() {
                    "name" => def.name = e.value.clone(),
                    other => {
                        return Err(ConfError::new(
                            origin,
                            e.line,
                            format!("unknown data model setting `{other}`"),
                        ))
                    }
                }
            }
            continue;
        }
        let Some(ds_name) = stanza.name.strip_prefix("dataset:") else {
            return Err(ConfError::new(
                origin,
                stanza.line,
                format!(
                    "expected `[datamodel]` or `[dataset:<name>]`, found `[{}]`",
                    stanza.name
                ),
            ));
        };
        let mut ds = DataSetDef {
            name: ds_name.trim().to_string(),
            ..DataSetDef::default()
        };
        for e in &stanza.entries {
            let err = |m: String| ConfError::new(origin, e.line, m);
            if e.key == "parent" {
                ds.parent = Some(e.value.clone());
            } else if e.key == "constraint" {
                ds.constraint = Some((e.value.clone(), e.line));
            } else if let Some(f) = e.key.strip_prefix("field.") {
                if ds.fields.iter().any(|x| x.name == f) {
                    return Err(err(format!("field `{f}` defined twice")));
                }
                ds.fields.push(FieldDef {
                    name: f.to_string(),
                    expr: (!e.value.is_empty()).then(|| e.value.clone()),
                    fill: None,
                    line: e.line,
                });
            } else if let Some(f) = e.key.strip_prefix("fill.") {
                let Some(field) = ds.fields.iter_mut().find(|x| x.name == f) else {
                    return Err(err(format!("`fill.{f}` before (or without) `field.{f}`")));
                };
                field.fill = Some(e.value.clone());
            } else {
                return Err(err(format!("unknown dataset setting `{}`", e.key)));
            }
        }
        def.datasets.push(ds);
    }
    if def.name.is_empty() {
        return Err(ConfError::new(
            origin,
            1,
            "the data model has no `name` (a `[datamodel]` stanza with `name = ...`)",
        ));
    }
    for ds in &def.datasets {
        if let Some(p) = &ds.parent {
            if !def.datasets.iter().any(|d| &d.name == p) {
                return Err(ConfError::new(
                    origin,
                    1,
                    format!("dataset `{}` has unknown parent `{p}`", ds.name),
                ));
            }
        }
    }
    Ok(def)
}

impl DataModelDef {
    /// Parse the constraints (`parse_search_expr`) and field expressions
    /// (`parse_eval_expr`).
    pub fn compile(&self) -> Result<DataModel, ConfError> {
        let mut model = DataModel {
            name: self.name.clone(),
            datasets: Vec::new(),
        };
        for ds in &self.datasets {
            let constraint = match &ds.constraint {
                Some((text, line)) => minispl_parser::parse_search_expr(text).map_err(|e| {
                    ConfError::new(
                        &self.origin,
                        *line,
                        format!("dataset `{}` constraint: {}", ds.name, e.message),
                    )
                })?,
                None => None,
            };
            let mut fields = Vec::new();
            for f in &ds.fields {
                let expr = match &f.expr {
                    Some(text) => Some(minispl_parser::parse_eval_expr(text).map_err(|e| {
                        ConfError::new(
                            &self.origin,
                            f.line,
                            format!("field `{}.{}`: {}", ds.name, f.name, e.message),
                        )
                    })?),
                    None => None,
                };
                fields.push(DataModelField {
                    name: f.name.clone(),
                    expr,
                    fill: f.fill.clone(),
                });
            }
            model.datasets.push(DataSet {
                name: ds.name.clone(),
                parent: ds.parent.clone(),
                constraint,
                fields,
            });
        }
        Ok(model)
    }
}

/// Parse and compile a data model file.
pub fn load_datamodel(text: &str, origin: &str) -> Result<DataModel, ConfError> {
    parse_datamodel(text, origin)?.compile()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> DataModelDef {
        parse_datamodel(CLOUD_INFRASTRUCTURE, "Cloud_Infrastructure.conf").unwrap()
    }

    #[test]
    fn cloud_infrastructure_compute_fields() {
        let def = builtin();
        assert_eq!(def.name, "Cloud_Infrastructure");
        let compute = def.datasets.iter().find(|d| d.name == "Compute").unwrap();
        let names: Vec<&str> = compute.fields.iter().map(|f| f.name.as_str()).collect();
        // CLOUDTRAIL.md §7: the Compute dataset's fields.
        for n in [
            "status",
            "image_id",
            "instance_type",
            "event_name",
            "msg",
            "region",
            "user_type",
            "http_user_agent",
            "instance_id",
            "vendor",
            "vendor_product",
            "account",
            "action",
            "src",
            "src_user",
            "dest",
        ] {
            assert!(names.contains(&n), "missing Compute.{n}");
        }
        // account, action, src, src_user, dest are `unknown` when null; nothing else is.
        let filled: Vec<&str> = compute
            .fields
            .iter()
            .filter(|f| f.fill.as_deref() == Some("unknown"))
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(filled, vec!["account", "action", "src", "src_user", "dest"]);
        let expr = |n: &str| {
            compute
                .fields
                .iter()
                .find(|f| f.name == n)
                .and_then(|f| f.expr.clone())
                .unwrap_or_default()
        };
        assert_eq!(expr("event_name"), "eventName");
        assert_eq!(expr("http_user_agent"), "userAgent");
        assert_eq!(
            expr("src_user"),
            "coalesce('userIdentity.arn', 'userIdentity.accountId')"
        );
        // ECR pushes are in Compute: the digest, else repository:tag.
        assert!(expr("image_id").contains("'responseElements.image.imageId.imageDigest'"));
        assert!(expr("image_id")
            .contains(r#"'requestParameters.repositoryName'.":".'requestParameters.imageTag'"#));
        let (constraint, _) = compute.constraint.clone().unwrap();
        assert!(constraint.contains("eventName=PutImage"), "{constraint}");
    }

    #[test]
    fn format_errors_are_line_numbered() {
        let cases = [
            ("[datamodel]\nname = M\n[oops]\n", 3, "dataset:"),
            (
                "[datamodel]\nname = M\n[dataset:D]\nfill.x = 1\n",
                4,
                "fill.x",
            ),
            (
                "[datamodel]\nname = M\n[dataset:D]\nfield.x =\nfield.x = a\n",
                5,
                "twice",
            ),
            (
                "[datamodel]\nname = M\n[dataset:D]\ncolour = red\n",
                4,
                "unknown",
            ),
            ("[dataset:D]\nconstraint = a=1\n", 1, "no `name`"),
            ("[datamodel]\nname = M\nversion = 2\n", 3, "unknown"),
            (
                "[datamodel]\nname = M\n[dataset:D]\nparent = E\n",
                1,
                "parent",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse_datamodel(text, "m.conf").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn empty_field_means_same_name() {
        let def = parse_datamodel(
            "[datamodel]\nname = M\n[dataset:D]\nfield.status =\nfill.status = none\n",
            "m.conf",
        )
        .unwrap();
        assert_eq!(
            def.datasets[0].fields[0],
            FieldDef {
                name: "status".into(),
                expr: None,
                fill: Some("none".into()),
                line: 4
            }
        );
    }

    /// Needs `parse_search_expr`/`parse_eval_expr`: passes after the parser is merged.
    #[test]
    fn builtin_compiles() {
        let m = load_datamodel(CLOUD_INFRASTRUCTURE, "Cloud_Infrastructure.conf").unwrap();
        let compute = m.datasets.iter().find(|d| d.name == "Compute").unwrap();
        assert!(compute.constraint.is_some());
        assert_eq!(compute.fields.len(), builtin().datasets[0].fields.len());
    }
}
