use super::*;
use crate::datamodel::{DataModelField, DataSet};
use crate::profile::{CalculatedField, FieldAlias};
use minispl_parser::ast::{
    Aggregation, Assignment, BinaryOp, CompareOp, Conversion, ConvertFunction, DataModelRef,
    RenamePair, SearchValue, Span, TermModifier,
};
use std::sync::Arc;

const S: Span = Span::new(0, 0);

fn field(name: &str) -> Expr {
    Expr::Field {
        name: name.into(),
        span: S,
    }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        name: name.into(),
        args,
        span: S,
    }
}

fn value(text: &str) -> SearchValue {
    SearchValue {
        text: text.into(),
        quoted: false,
        modifier: TermModifier::None,
        span: S,
    }
}

fn cmp(field: &str, op: CompareOp, text: &str) -> SearchExpr {
    SearchExpr::Compare {
        field: field.into(),
        op,
        value: value(text),
        span: S,
    }
}

fn search(expr: SearchExpr) -> Command {
    Command::Search(ast::Search {
        expr: Some(expr),
        span: S,
    })
}

fn agg(function: &str, arg: Option<&str>, alias: Option<&str>) -> Aggregation {
    Aggregation {
        function: function.into(),
        argument: arg.map(|a| AggArgument::Field(a.into())),
        alias: alias.map(str::to_string),
        default_name: match arg {
            Some(a) => format!("{function}({a})"),
            None => function.into(),
        },
        span: S,
    }
}

fn stats(aggs: Vec<Aggregation>, by: &[&str]) -> Command {
    Command::Stats(ast::Stats {
        options: vec![],
        aggregations: aggs,
        by: by.iter().map(|s| s.to_string()).collect(),
        span: S,
    })
}

fn pipeline(commands: Vec<Command>) -> Pipeline {
    Pipeline { commands, span: S }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The shape of the ECR PutImage detection after macro expansion.
fn ecr_put_image() -> Pipeline {
    pipeline(vec![
        search(SearchExpr::And(vec![
            cmp("eventSource", CompareOp::Eq, "ecr.amazonaws.com"),
            cmp("eventName", CompareOp::Eq, "PutImage"),
        ])),
        Command::Rename(ast::Rename {
            pairs: vec![RenamePair {
                from: "requestParameters.*".into(),
                to: "*".into(),
                span: S,
            }],
            span: S,
        }),
        Command::Eval(ast::Eval {
            assignments: vec![Assignment {
                target: AssignTarget::Field("image".into()),
                expr: Expr::Binary {
                    op: BinaryOp::Concat,
                    lhs: Box::new(field("repositoryName")),
                    rhs: Box::new(field("imageTag")),
                    span: S,
                },
                span: S,
            }],
            span: S,
        }),
        stats(
            vec![
                agg("min", Some("_time"), Some("firstTime")),
                agg("max", Some("_time"), Some("lastTime")),
                agg("count", None, None),
            ],
            &["awsRegion", "user", "image"],
        ),
        Command::Convert(ast::Convert {
            timeformat: None,
            conversions: vec![Conversion {
                function: ConvertFunction::Ctime,
                field: "firstTime".into(),
                alias: None,
                span: S,
            }],
            span: S,
        }),
        search(SearchExpr::Term(value("*"))),
    ])
}

fn cloudtrail_profile() -> Profile {
    Profile {
        sourcetype: "aws:cloudtrail".into(),
        kv_mode_json: true,
        aliases: vec![
            FieldAlias {
                from: "awsRegion".into(),
                to: "region".into(),
            },
            FieldAlias {
                from: "eventName".into(),
                to: "signature".into(),
            },
        ],
        calculated: vec![CalculatedField {
            name: "user".into(),
            expr: call(
                "coalesce",
                vec![
                    field("userIdentity.userName"),
                    field("userIdentity.sessionContext.sessionIssuer.userName"),
                ],
            ),
            source: "coalesce(...)".into(),
        }],
        ..Profile::default()
    }
}

fn ctx() -> Context {
    Context {
        profiles: vec![Arc::new(cloudtrail_profile())],
        ..Context::default()
    }
}

#[test]
fn ecr_detection_plan() {
    let plan = Plan::new(&ecr_put_image(), &ctx());
    insta::assert_snapshot!(plan.to_string());
}

#[test]
fn needed_fields_follow_the_pipeline_backwards() {
    let plan = Plan::new(&ecr_put_image(), &ctx());
    // stats projects: only its inputs are needed upstream; `image` is computed by eval,
    // so its inputs replace it; the rename maps `requestParameters.*` in.
    let need = &plan.index_fields;
    assert!(!need.is_all());
    for name in [
        "eventSource",
        "eventName",
        "_time",
        "awsRegion",
        "user",
        "repositoryName",
        "imageTag",
    ] {
        assert!(need.contains(name), "{name} in {need}");
    }
    assert!(need.contains("requestParameters.repositoryName"));
    assert!(!need.names.contains("image"));
    // The profile's calculated field `user` reads two JSON paths.
    let ex = plan.extraction_for("aws:cloudtrail");
    assert!(ex.contains("userIdentity.userName"));
    assert!(ex.contains("userIdentity.sessionContext.sessionIssuer.userName"));
    assert!(ex.may_extend("userIdentity"));
    assert!(!ex.may_extend("responseElements"));
}

#[test]
fn streaming_only_pipeline_needs_everything() {
    // Results show every field, so a pipeline without a projection extracts all.
    let plan = Plan::new(
        &pipeline(vec![search(cmp("a", CompareOp::Ne, "1"))]),
        &ctx(),
    );
    assert!(plan.index_fields.is_all());
    assert!(plan.extraction_for("aws:cloudtrail").is_all());
}

#[test]
fn generating_head_reads_no_index_fields() {
    let p = pipeline(vec![
        Command::Makeresults(ast::Makeresults {
            count: 1,
            annotate: false,
            span: S,
        }),
        Command::Eval(ast::Eval {
            assignments: vec![Assignment {
                target: AssignTarget::Dynamic("name".into()),
                expr: field("val"),
                span: S,
            }],
            span: S,
        }),
    ]);
    let plan = Plan::new(&p, &ctx());
    assert!(!plan.reads_index);
    assert!(plan.index_fields.is_empty());
    insta::assert_snapshot!(plan.to_string());
}

#[test]
fn alias_and_lookup_inputs_are_extracted_when_outputs_are_needed() {
    let mut profile = cloudtrail_profile();
    profile.lookups.push(ast::Lookup {
        options: vec![],
        table: "actions.csv".into(),
        inputs: vec![ast::FieldMapping {
            lookup_field: "eventName".into(),
            event_field: Some("signature".into()),
            span: S,
        }],
        output: Some(ast::LookupOutput {
            new_only: false,
            fields: vec![ast::FieldMapping {
                lookup_field: "action".into(),
                event_field: None,
                span: S,
            }],
        }),
        span: S,
    });
    let ctx = Context {
        profiles: vec![Arc::new(profile)],
        ..Context::default()
    };
    let plan = Plan::new(
        &pipeline(vec![stats(vec![agg("count", None, None)], &["action"])]),
        &ctx,
    );
    // action <- lookup(signature) <- alias(eventName).
    assert_eq!(
        plan.extraction_for("aws:cloudtrail"),
        FieldSet::from_names(["action", "eventName", "signature"])
    );
    // Not needed: the region alias is not followed.
    assert!(!plan.extraction_for("aws:cloudtrail").contains("awsRegion"));
}

fn compute_model() -> DataModel {
    DataModel {
        name: "Cloud_Infrastructure".into(),
        datasets: vec![DataSet {
            name: "Compute".into(),
            parent: None,
            constraint: Some(cmp("eventName", CompareOp::Eq, "PutImage")),
            fields: vec![
                DataModelField {
                    name: "event_name".into(),
                    expr: Some(field("eventName")),
                    fill: None,
                },
                DataModelField {
                    name: "src_user".into(),
                    expr: Some(call(
                        "coalesce",
                        vec![field("userIdentity.arn"), field("userIdentity.accountId")],
                    )),
                    fill: Some("unknown".into()),
                },
                DataModelField {
                    name: "user_type".into(),
                    expr: None,
                    fill: None,
                },
            ],
        }],
    }
}

#[test]
fn tstats_reads_the_data_model_fields() {
    let ctx = Context {
        datamodels: vec![Arc::new(compute_model())],
        ..Context::default()
    };
    let p = pipeline(vec![
        Command::Tstats(ast::Tstats {
            options: vec![],
            aggregations: vec![
                agg("count", None, None),
                agg("min", Some("_time"), Some("firstTime")),
            ],
            datamodel: Some(DataModelRef {
                model: "Cloud_Infrastructure".into(),
                dataset: Some("Compute".into()),
                span: S,
            }),
            where_clause: Some(cmp("Compute.user_type", CompareOp::Ne, "AssumeRole")),
            by: strings(&["Compute.src_user", "index"]),
            bucket_span: None,
            span: S,
        }),
        Command::Rename(ast::Rename {
            pairs: vec![RenamePair {
                from: "Compute.*".into(),
                to: "*".into(),
                span: S,
            }],
            span: S,
        }),
    ]);
    let plan = Plan::new(&p, &ctx);
    assert!(plan.reads_index);
    assert_eq!(
        plan.index_fields,
        FieldSet::from_names([
            "_time",
            "eventName",
            "index",
            "user_type",
            "userIdentity.accountId",
            "userIdentity.arn"
        ])
    );
    insta::assert_snapshot!(plan.to_string());
}

#[test]
fn field_set_matching() {
    let set = FieldSet::from_names(["a.b", "tags{}", "req*"]);
    assert!(set.contains("a.b"));
    assert!(!set.contains("A.b"));
    assert!(set.contains("requestParameters.x"));
    assert!(set.may_extend("a"));
    assert!(set.may_extend("tags{}"));
    assert!(set.may_extend("requestParameters"));
    assert!(!set.may_extend("ab"));
    assert!(!set.may_extend("x"));
    assert_eq!(set.to_string(), "[a.b, tags{}, req*]");
    assert_eq!(FieldSet::all().to_string(), "all");
    let mut s = FieldSet::from_names(["x", "y"]);
    s.remove_names(&strings(&["x"]));
    assert_eq!(s, FieldSet::from_names(["y"]));
}

#[test]
fn rex_named_groups_are_written() {
    assert_eq!(
        named_groups(r"ip=(?<ip>\d+) (?P<port>\d+) (?<=x)(?:y)"),
        strings(&["ip", "port"])
    );
}

/// The hashed lookup answers exactly what a scan of the names answers, also after the set
/// is changed (the cache is rebuilt).
#[test]
fn field_set_lookup_matches_a_scan_of_the_names() {
    let scan_extends = |set: &FieldSet, prefix: &str| {
        set.names.iter().any(|name| {
            name.starts_with(prefix)
                && (name.len() == prefix.len()
                    || matches!(name.as_bytes()[prefix.len()], b'.' | b'{'))
        })
    };
    let mut set = FieldSet::from_names([
        "eventName",
        "userIdentity.sessionContext.sessionIssuer.userName",
        "resources{}.ARN",
        "nested{}{}",
        "a.b",
    ]);
    let probes = [
        "",
        "eventName",
        "eventNam",
        "eventName.x",
        "userIdentity",
        "userIdentity.sessionContext",
        "userIdentity.session",
        "resources",
        "resources{}",
        "resources{}.ARN",
        "resources{}.AR",
        "nested",
        "nested{}",
        "nested{}{}",
        "a",
        "a.b",
        "a.c",
        "b",
        "requestParameters",
    ];
    for round in 0..2 {
        for p in probes {
            assert_eq!(
                set.may_extend(p),
                scan_extends(&set, p),
                "{p:?} round {round}"
            );
            assert_eq!(
                set.contains(p),
                set.names.contains(p),
                "{p:?} round {round}"
            );
        }
        // Changing the set after lookups must not leave a stale cache.
        set.insert("requestParameters.repositoryName");
        set.remove_names(&["a.b".to_string()]);
    }
    assert!(set.may_extend("requestParameters") && !set.contains("a.b"));
}

/// Issue 6: the reader's records get a `_raw` field only when the plan's extraction set
/// holds it (`Ingestor`): never for W3/W4, always when something reads `_raw` or every
/// field, or when the events themselves are the results.
#[test]
fn the_plan_says_which_searches_see_raw() {
    let sees_raw = |spl: &str| {
        let pipeline = minispl_parser::parse(spl, &minispl_parser::Macros::new()).expect("parses");
        Plan::new(&pipeline, &ctx())
            .extraction_for("aws:cloudtrail")
            .contains("_raw")
    };
    let ct = "search sourcetype=aws:cloudtrail";
    for tail in [
        "stats count by eventSource eventName",
        "stats count dc(src) by user vendor_region",
        "spath input=requestParameters | stats count by repositoryName",
        "rex field=eventName \"(?<verb>[A-Z][a-z]+)\" | stats count by verb",
        "table eventName user",
        "eval _raw=\"x\" | stats count by _raw",
    ] {
        assert!(!sees_raw(&format!("{ct} | {tail}")), "{tail}");
    }
    for tail in [
        "search PutImage | stats count",
        "rex \"(?<verb>Put[A-Z][a-z]+)\" | stats count by verb",
        "regex _raw=\"Put\" | stats count",
        "spath | stats count by eventVersion",
        "spath output=v path=eventVersion | stats count by v",
        "table *",
        "table _raw",
        "head 3",
        "eval x=len(_raw) | stats sum(x)",
        "fields - _raw",
        "where searchmatch(\"PutImage\") | stats count",
        "fillnull | stats count by eventName",
        "fields eventName",
        // Conservative: `fields` keeps the internal fields, `_raw` among them, for
        // whatever follows (SEMANTICS §10).
        "fields eventName | stats count by eventName",
    ] {
        assert!(sees_raw(&format!("{ct} | {tail}")), "{tail}");
    }
    assert!(sees_raw(ct));
}
