//! The detection corpus: every seed search (`corpus/searches/*.spl`, verbatim from
//! `../shared/seeds/`) and every `search:` of `../shared/upstream/detections/*.yml`.
//! For each: insta snapshots of the expanded text, the canonical print and the AST
//! (spans dropped), and a print/re-parse round trip. Ignored (with the reason) when the
//! shared directory is absent.

mod common;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use minispl_parser::ast::{Command, SearchExpr};
use minispl_parser::{expand_macros, parse_expanded, print};
use serde::Deserialize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    common::workspace_root().join("corpus/searches")
}

fn guarded(f: impl FnOnce()) -> Result<Completion, Failed> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".to_string());
        Failed::from(msg)
    })?;
    Ok(Completion::Completed)
}

/// Snapshots and round trip for one search.
fn check_search(snapshot: &str, text: &str, shared: &Path) {
    let macros = common::upstream_macros(shared);
    let expanded = expand_macros(text, &macros).unwrap_or_else(|e| panic!("{}", e.render()));
    let pipeline = parse_expanded(&expanded).unwrap_or_else(|e| panic!("{}", e.render()));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/corpus");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("{snapshot}.expanded"), expanded.text);
        insta::assert_snapshot!(format!("{snapshot}.printed"), print::pipeline(&pipeline));
        insta::assert_yaml_snapshot!(format!("{snapshot}.ast"), common::without_spans(&pipeline));
    });
    common::assert_round_trip(&pipeline);
    // Every command span lies inside the expanded text and maps back into the original.
    for c in &pipeline.commands {
        let s = c.span();
        assert!(s.start <= s.end && s.end <= expanded.text.len(), "{s:?}");
        let o = expanded.origin(s);
        assert!(o.end <= text.len(), "{o:?}");
    }
}

/// The seed file a corpus search was taken from, and how its lines sit there.
const SEEDS: &[(&str, &str)] = &[
    (
        "aws_ecr_container_upload_unknown_user",
        "000_a27b1e419dce4ad4.txt",
    ),
    (
        "aws_ecr_container_upload_unknown_user_v2",
        "001_144a109f42fb663a.txt",
    ),
    (
        "aws_ecr_container_upload_outside_business_hours",
        "002_8701d5db61a48636.txt",
    ),
    (
        "new_container_uploaded_to_aws_ecr",
        "003_32b8f72865313734.txt",
    ),
    (
        "aws_ecr_container_scanning_findings_high",
        "004_ecbb9ec30c2e13eb.txt",
    ),
];

/// The .spl text occurs verbatim in the seed: as is, with every line indented by four
/// spaces (YAML block), or with every line prefixed by its 1-based line number.
fn occurs_verbatim(spl: &str, seed: &str) -> bool {
    if seed.contains(spl) {
        return true;
    }
    let indented: Vec<String> = spl.lines().map(|l| format!("    {l}")).collect();
    if seed.contains(&indented.join("\n")) {
        return true;
    }
    let numbered: Vec<String> = spl
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", i + 1))
        .collect();
    seed.contains(&numbered.join("\n"))
}

#[derive(Deserialize)]
struct Detection {
    name: String,
    search: String,
}

fn main() {
    let args = Arguments::from_args();
    let shared = common::shared_dir();
    let mut trials = Vec::new();

    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus/searches exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "spl"))
        .collect();
    files.sort();
    assert_eq!(files.len(), SEEDS.len(), "one .spl per seed detection");
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read .spl");
        let shared2 = shared.clone();
        let name2 = name.clone();
        let text2 = text.clone();
        trials.push(Trial::ignorable_test(
            format!("seed::{name}::parses"),
            move || {
                let Some(shared) = shared2 else {
                    return Ok(Completion::ignored_with(common::SHARED_MISSING));
                };
                guarded(|| check_search(&format!("seed__{name2}"), &text2, &shared))
            },
        ));
        let shared2 = shared.clone();
        trials.push(Trial::ignorable_test(
            format!("seed::{name}::verbatim"),
            move || {
                let Some(shared) = shared2 else {
                    return Ok(Completion::ignored_with(common::SHARED_MISSING));
                };
                guarded(|| {
                    let seed_file = SEEDS
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, f)| *f)
                        .unwrap_or_else(|| panic!("no seed listed for {name}"));
                    let seed = std::fs::read_to_string(shared.join("seeds").join(seed_file))
                        .expect("seed file");
                    assert!(
                        occurs_verbatim(&text, &seed),
                        "{name}.spl does not occur verbatim in {seed_file}"
                    );
                })
            },
        ));
    }

    match &shared {
        Some(dir) => {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("upstream/detections"))
                .expect("detections dir")
                .map(|e| e.expect("dir entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "yml"))
                .collect();
            paths.sort();
            for p in paths {
                let stem = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                let dir = dir.clone();
                trials.push(Trial::test(format!("upstream::{stem}"), move || {
                    guarded(|| {
                        let text = std::fs::read_to_string(&p).expect("read detection");
                        let d: Detection = serde_yaml_ng::from_str(&text).expect("detection yaml");
                        assert!(!d.name.is_empty());
                        check_search(&format!("upstream__{stem}"), &d.search, &dir);
                    })
                    .map(|_| ())
                }));
            }
        }
        None => trials.push(Trial::ignorable_test("upstream::detections", || {
            Ok(Completion::ignored_with(common::SHARED_MISSING))
        })),
    }

    let shared2 = shared.clone();
    trials.push(Trial::ignorable_test(
        "seed::business_hours_precedence",
        move || {
            let Some(shared) = shared2 else {
                return Ok(Completion::ignored_with(common::SHARED_MISSING));
            };
            guarded(|| business_hours(&shared))
        },
    ));

    libtest_mimic::run(&args, trials).exit();
}

/// R1.3 on the real detection: the first command is
/// `sourcetype=aws:cloudtrail AND eventSource AND eventName AND (date_hour>=20 OR ...)`.
fn business_hours(shared: &Path) {
    let text = std::fs::read_to_string(
        corpus_dir().join("aws_ecr_container_upload_outside_business_hours.spl"),
    )
    .expect("corpus file");
    let p = minispl_parser::parse(&text, &common::upstream_macros(shared))
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let Some(Command::Search(s)) = p.commands.first() else {
        panic!("first command is not a search: {:?}", p.commands.first());
    };
    let Some(SearchExpr::And(items)) = &s.expr else {
        panic!("not an AND: {:?}", s.expr);
    };
    let cmp = |e: &SearchExpr| match e {
        SearchExpr::Compare {
            field, op, value, ..
        } => format!("{field}{}{}", op.as_str(), value.text),
        other => panic!("not a comparison: {other:?}"),
    };
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(cmp(&items[0]), "sourcetype=aws:cloudtrail");
    assert_eq!(cmp(&items[1]), "eventSource=ecr.amazonaws.com");
    assert_eq!(cmp(&items[2]), "eventName=PutImage");
    let SearchExpr::Or(alts) = &items[3] else {
        panic!("fourth item is not an OR: {:?}", items[3]);
    };
    let alts: Vec<String> = alts.iter().map(cmp).collect();
    assert_eq!(
        alts,
        [
            "date_hour>=20",
            "date_hour<8",
            "date_wday=saturday",
            "date_wday=sunday"
        ]
    );
}
