use super::*;
use crate::ingest::{EventMeta, RawRecord};
use crate::plan::FieldSet;
use crate::profile::FieldAlias;
use crate::value::Value;
use minispl_parser::ast::{self, Command, CompareOp, SearchExpr, SearchValue, TermModifier};
use std::sync::atomic::{AtomicUsize, Ordering};

fn env() -> Env {
    Env {
        tz: chrono_tz::Tz::UTC,
        now: 1_700_000_000.0,
    }
}

fn ctx_with(profiles: Vec<Profile>) -> Arc<Context> {
    Arc::new(Context {
        env: env(),
        profiles: profiles.into_iter().map(Arc::new).collect(),
        ..Context::default()
    })
}

fn empty_pipeline() -> Pipeline {
    Pipeline {
        commands: Vec::new(),
        span: Span::default(),
    }
}

fn ingestor(ctx: &Arc<Context>, pipeline: &Pipeline) -> Ingestor {
    Ingestor::new(ctx, &Plan::new(pipeline, ctx)).expect("profiles compile")
}

fn fields(pairs: &[(&str, &str)]) -> Row {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::str(*v)))
        .collect()
}

fn field_event(pairs: &[(&str, &str)]) -> Event {
    Event::Fields {
        row: fields(pairs),
        meta: EventMeta::default(),
    }
}

/// Streaming: tags each row with `seen=<n>`.
struct Tag(usize);
impl Operator for Tag {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        self.0 += 1;
        row.set("seen", Value::Num(self.0 as f64));
        out.push(row);
        Ok(())
    }
}

/// Streaming filter: keeps rows with `keep=yes`.
struct Keep;
impl Operator for Keep {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if row.get("keep") == &Value::str("yes") {
            out.push(row);
        }
        Ok(())
    }
}

/// Transforming: a count, emitted at the end (state is one number, not the events).
#[derive(Default)]
struct Count(u64);
impl Operator for Count {
    fn push(&mut self, _row: Row, _out: &mut Vec<Row>) -> Result<(), EvalError> {
        self.0 += 1;
        Ok(())
    }
    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let mut r = Row::new();
        r.set("count", Value::Num(self.0 as f64));
        out.push(r);
        Ok(())
    }
}

/// Generating: two rows from `finish`.
struct Generate;
impl Operator for Generate {
    fn push(&mut self, _row: Row, _out: &mut Vec<Row>) -> Result<(), EvalError> {
        Err(EvalError::new("a generating command got an input row"))
    }
    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        out.push(fields(&[("g", "1")]));
        out.push(fields(&[("g", "2")]));
        Ok(())
    }
}

/// Fails on the second row, without a span of its own.
struct FailSecond(usize);
impl Operator for FailSecond {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        self.0 += 1;
        if self.0 == 2 {
            return Err(EvalError::new("boom"));
        }
        out.push(row);
        Ok(())
    }
}

/// Events that count how many were pulled.
fn counted(n: usize, pulled: &AtomicUsize) -> impl Iterator<Item = Event> + '_ {
    (0..n).map(move |i| {
        pulled.fetch_add(1, Ordering::SeqCst);
        field_event(&[
            ("i", &i.to_string()),
            ("keep", if i % 2 == 0 { "yes" } else { "no" }),
        ])
    })
}

fn spans(n: usize) -> Vec<Span> {
    (0..n).map(|i| Span::new(i * 10, i * 10 + 5)).collect()
}

#[test]
fn streaming_pipeline_is_lazy() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let pulled = AtomicUsize::new(0);
    let ops: Vec<Box<dyn Operator>> = vec![Box::new(Keep), Box::new(Tag(0))];
    let mut stream = Stream::new(Run::new(&ing, ops, spans(2), true), counted(1000, &pulled));
    let first = stream.next().expect("a row").expect("no error");
    assert_eq!(first.get("i"), &Value::str("0"));
    // One event pulled for the first result: nothing is buffered ahead.
    assert_eq!(pulled.load(Ordering::SeqCst), 1);
    let second = stream.next().expect("a row").expect("no error");
    assert_eq!(second.get("i"), &Value::str("2"));
    assert_eq!(second.get("seen"), &Value::Num(2.0));
    assert_eq!(pulled.load(Ordering::SeqCst), 3);
    assert_eq!(stream.count(), 498);
}

#[test]
fn transforming_command_emits_at_end_and_feeds_the_rest() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let pulled = AtomicUsize::new(0);
    let ops: Vec<Box<dyn Operator>> =
        vec![Box::new(Keep), Box::new(Count::default()), Box::new(Tag(0))];
    let rows: Vec<Row> = Stream::new(Run::new(&ing, ops, spans(3), true), counted(10, &pulled))
        .collect::<Result<_, _>>()
        .expect("runs");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get("count"), &Value::Num(5.0));
    assert_eq!(rows[0].get("seen"), &Value::Num(1.0));
}

#[test]
fn generating_head_ignores_index_events() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let pulled = AtomicUsize::new(0);
    let ops: Vec<Box<dyn Operator>> = vec![Box::new(Generate), Box::new(Tag(0))];
    let rows: Vec<Row> = Stream::new(Run::new(&ing, ops, spans(2), false), counted(10, &pulled))
        .collect::<Result<_, _>>()
        .expect("runs");
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].get("g"), &Value::str("2"));
    assert_eq!(rows[1].get("seen"), &Value::Num(2.0));
}

#[test]
fn runtime_error_carries_the_command_span_and_ends_the_stream() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let pulled = AtomicUsize::new(0);
    let ops: Vec<Box<dyn Operator>> = vec![Box::new(Tag(0)), Box::new(FailSecond(0))];
    let mut stream = Stream::new(Run::new(&ing, ops, spans(2), true), counted(10, &pulled));
    assert!(matches!(stream.next(), Some(Ok(_))));
    let err = stream.next().expect("an item").expect_err("the error");
    assert_eq!(err.message, "boom");
    assert_eq!(err.span, Some(Span::new(10, 15)));
    assert!(stream.next().is_none());
}

#[test]
fn push_driven_run() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let ops: Vec<Box<dyn Operator>> = vec![Box::new(Keep), Box::new(Count::default())];
    let mut run = Run::new(&ing, ops, spans(2), true);
    let mut out = Vec::new();
    for i in 0..5 {
        run.push(
            field_event(&[("keep", if i < 3 { "yes" } else { "no" })]),
            &mut out,
        )
        .expect("pushes");
    }
    // The transforming command holds its count until the end.
    assert!(out.is_empty());
    run.finish(&mut out).expect("finishes");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].get("count"), &Value::Num(3.0));
    // Finishing twice emits nothing more.
    run.finish(&mut out).expect("finishes");
    assert_eq!(out.len(), 1);
}

#[test]
fn field_events_get_synthesised_raw_and_numeric_time() {
    let ctx = ctx_with(vec![]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let mut row = fields(&[("a", "1"), ("_time", "2023-11-14T22:13:20Z")]);
    row.set("u", Value::Multi(vec!["x".into(), "y".into()]));
    let out = ing
        .ingest(Event::Fields {
            row,
            meta: EventMeta {
                host: Some("h1".into()),
                ..EventMeta::default()
            },
        })
        .expect("ingests");
    // SEMANTICS preamble: compact JSON of the event as given.
    assert_eq!(
        out.raw(),
        Some(r#"{"a":"1","_time":"2023-11-14T22:13:20Z","u":["x","y"]}"#)
    );
    assert_eq!(out.time(), Some(1_700_000_000.0));
    assert_eq!(out.get("host"), &Value::str("h1"));
    // An explicit `_raw` is kept; numeric-string `_time` becomes a number.
    let out = ing
        .ingest(field_event(&[("_raw", "text"), ("_time", "12.5")]))
        .expect("ingests");
    assert_eq!(out.raw(), Some("text"));
    assert_eq!(out.get("_time"), &Value::Num(12.5));
}

fn cloudtrail_like() -> Profile {
    Profile {
        sourcetype: "aws:cloudtrail".into(),
        timestamp: Some(crate::profile::TimestampRule {
            prefix: r#""eventTime"\s*:\s*""#.into(),
            format: "%Y-%m-%dT%H:%M:%S%Z".into(),
            lookahead: 32,
        }),
        kv_mode_json: true,
        aliases: vec![FieldAlias {
            from: "eventName".into(),
            to: "signature".into(),
        }],
        ..Profile::default()
    }
}

const RAW: &str = r#"{"eventTime":"2021-08-18T23:17:30Z","eventName":"PutImage","userIdentity":{"type":"IAMUser"},"awsRegion":"us-east-1"}"#;

fn raw_event(sourcetype: Option<&str>) -> Event {
    Event::Raw {
        raw: RAW.into(),
        meta: EventMeta {
            sourcetype: sourcetype.map(Into::into),
            source: Some("aws_cloudtrail".into()),
            ..EventMeta::default()
        },
    }
}

#[test]
fn raw_event_without_profile_has_no_fields() {
    // As Splunk without the add-on: only `_raw` and the default fields.
    let ctx = ctx_with(vec![cloudtrail_like()]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let row = ing.ingest(raw_event(Some("other"))).expect("ingests");
    assert_eq!(
        row.names().cloned().collect::<Vec<_>>(),
        vec!["_raw", "sourcetype", "source"]
    );
    let row = ing.ingest(raw_event(None)).expect("ingests");
    assert_eq!(
        row.names().cloned().collect::<Vec<_>>(),
        vec!["_raw", "source"]
    );
}

#[test]
fn raw_event_with_profile_gets_time_fields_and_aliases() {
    let ctx = ctx_with(vec![cloudtrail_like()]);
    let ing = ingestor(&ctx, &empty_pipeline());
    let row = ing
        .ingest(raw_event(Some("aws:cloudtrail")))
        .expect("ingests");
    assert_eq!(row.time(), Some(1_629_328_650.0));
    assert_eq!(row.get("date_hour"), &Value::str("23"));
    assert_eq!(row.get("userIdentity.type"), &Value::str("IAMUser"));
    assert_eq!(row.get("signature"), &Value::str("PutImage"));
    assert_eq!(row.get("sourcetype"), &Value::str("aws:cloudtrail"));
}

fn cmp(field: &str, value: &str) -> SearchExpr {
    SearchExpr::Compare {
        field: field.into(),
        op: CompareOp::Eq,
        value: SearchValue {
            text: value.into(),
            quoted: false,
            modifier: TermModifier::None,
            span: Span::default(),
        },
        span: Span::default(),
    }
}

fn table(names: &[&str]) -> Command {
    Command::Table(ast::Table {
        fields: names.iter().map(|s| s.to_string()).collect(),
        span: Span::default(),
    })
}

#[test]
fn extraction_is_limited_to_what_the_plan_needs() {
    // `search signature=PutImage | table signature, awsRegion` needs `eventName` (through
    // the alias) and `awsRegion`; `userIdentity.type` is never materialised.
    let pipeline = Pipeline {
        commands: vec![
            Command::Search(ast::Search {
                expr: Some(cmp("signature", "PutImage")),
                span: Span::default(),
            }),
            table(&["signature", "awsRegion"]),
        ],
        span: Span::default(),
    };
    let ctx = ctx_with(vec![cloudtrail_like()]);
    let plan = Plan::new(&pipeline, &ctx);
    assert_eq!(
        plan.extraction_for("aws:cloudtrail"),
        FieldSet::from_names(["awsRegion", "eventName", "signature"])
    );
    let ing = ingestor(&ctx, &pipeline);
    let row = ing
        .ingest(raw_event(Some("aws:cloudtrail")))
        .expect("ingests");
    assert_eq!(row.get("signature"), &Value::str("PutImage"));
    assert_eq!(row.get("awsRegion"), &Value::str("us-east-1"));
    assert!(!row.contains("userIdentity.type"));
    assert!(!row.contains("eventTime"));
}

#[test]
fn compile_reports_the_failing_command_span() {
    // Any command the context cannot support fails at compile time with its span; here a
    // lookup of a table that does not exist.
    let span = Span::new(4, 30);
    let pipeline = Pipeline {
        commands: vec![Command::Lookup(ast::Lookup {
            options: vec![],
            table: "missing.csv".into(),
            inputs: vec![ast::FieldMapping {
                lookup_field: "user".into(),
                event_field: None,
                span,
            }],
            output: None,
            span,
        })],
        span,
    };
    let err = Program::compile(&pipeline, ctx_with(vec![])).expect_err("fails");
    assert_eq!(err.span, Some(span));
}

#[test]
fn program_runs_a_real_pipeline() {
    // Needs the `search` and `table` commands (implemented in parallel).
    let pipeline = Pipeline {
        commands: vec![
            Command::Search(ast::Search {
                expr: Some(cmp("signature", "putimage")),
                span: Span::default(),
            }),
            table(&["signature"]),
        ],
        span: Span::default(),
    };
    let program = Program::compile(&pipeline, ctx_with(vec![cloudtrail_like()])).expect("compiles");
    let rows = program
        .run(vec![raw_event(Some("aws:cloudtrail")), raw_event(None)])
        .expect("runs");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get("signature"), &Value::str("PutImage"));
    // A program can run again: fresh operators each run.
    assert_eq!(
        program
            .run(vec![raw_event(Some("aws:cloudtrail"))])
            .expect("runs")
            .len(),
        1
    );
}

#[test]
fn render_error_without_span_is_plain() {
    assert_eq!(render_error(&EvalError::new("x"), "search a"), "error: x");
}

#[test]
fn render_error_points_at_the_span() {
    // Needs `minispl_parser::diagnostic::render` (implemented in parallel).
    let text = "search a=1 | rex \"(\"";
    let rendered = render_error(
        &EvalError::at("regex does not compile", Span::new(17, 20)),
        text,
    );
    assert!(rendered.contains("regex does not compile"), "{rendered}");
    assert!(rendered.contains(text), "{rendered}");
}

/// A one-command-per-stage pipeline parsed from SPL (no macros).
fn parsed(spl: &str) -> Pipeline {
    minispl_parser::parse(spl, &minispl_parser::Macros::new()).expect("parses")
}

/// Issue 6: a raw record borrowed from the reader's block becomes the row its owned
/// event does, with `_raw` only when the search can see it; the timestamp and the JSON
/// fields are read from the borrowed text either way, and a reused (emptied) row gives
/// the same row as a new one.
#[test]
fn a_borrowed_record_is_ingested_as_its_owned_event() {
    let ctx = ctx_with(vec![cloudtrail_like()]);
    let meta = EventMeta {
        sourcetype: Some("aws:cloudtrail".into()),
        source: Some("aws_cloudtrail".into()),
        ..EventMeta::default()
    };
    let record = RawRecord {
        text: RAW,
        meta: &meta,
        json_checked: true,
        index: None,
    };
    // The search, whether it sees `_raw`, whether it needs the timestamp.
    for (spl, sees_raw, timed) in [
        (
            "search signature=PutImage | table _time signature awsRegion",
            false,
            true,
        ),
        (
            "search sourcetype=aws:cloudtrail | stats count by date_hour signature",
            false,
            true,
        ),
        ("search PutImage | stats count by signature", true, false),
        ("search signature=PutImage", true, true),
        ("search signature=PutImage | table _raw", true, false),
    ] {
        let ing = ingestor(&ctx, &parsed(spl));
        let owned = ing.ingest(record.to_event()).expect("ingests");
        let borrowed = ing.ingest_record(record, None).expect("ingests");
        assert_eq!(borrowed, owned, "{spl}");
        assert_eq!(borrowed.raw().is_some(), sees_raw, "{spl}");
        assert_eq!(borrowed.time().is_some(), timed, "{spl}");
        assert_eq!(borrowed.get("signature"), &Value::str("PutImage"), "{spl}");
        if sees_raw {
            assert_eq!(borrowed.names().next().map(|n| n.as_str()), Some("_raw"));
        }
        let mut reused = borrowed.clone();
        reused.retain(|_, _| false);
        let again = ing.ingest_record(record, Some(reused)).expect("ingests");
        assert_eq!(again, owned, "{spl}: reused row");
    }
    // Field pruning off (`--no-optimize`): `_raw` always, the reference path.
    let off = Arc::new(Context {
        optimizations: crate::program::Optimizations::none(),
        ..(*ctx).clone()
    });
    let pipeline = parsed("search sourcetype=aws:cloudtrail | stats count by signature");
    let ing = ingestor(&off, &pipeline);
    let row = ing.ingest_record(record, None).expect("ingests");
    assert_eq!(row.raw(), Some(RAW));
}
