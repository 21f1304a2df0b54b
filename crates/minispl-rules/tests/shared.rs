//! Tests against `../shared` (the seeds, the upstream detections and macros). The
//! directory is found through `MINISPL_SHARED`, defaulting to `<workspace>/../shared`;
//! when it is absent every test here is reported as ignored with the reason, never as
//! passed.

use libtest_mimic::{Arguments, Failed, Trial};
use minispl_eval::Event;
use minispl_eval::EventMeta;
use minispl_parser::MacroTable;
use minispl_rules::macros::{builtin_macros, load_macros_path};
use minispl_rules::testrunner::load_events;
use minispl_rules::{Detection, Engine};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared_dir() -> PathBuf {
    std::env::var_os("MINISPL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared"))
}

fn read(p: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()).into())
}

/// The detection YAML embedded in a seed page: from the `name:` line to the first blank
/// line (or the end).
fn seed_yaml(text: &str) -> Option<&str> {
    let start = text.find("\nname: ")? + 1;
    let rest = &text[start..];
    Some(match rest.find("\n\n") {
        Some(end) => &rest[..end],
        None => rest,
    })
}

/// The search of a seed, in whichever form the page has it.
fn seed_search(text: &str) -> Result<String, Failed> {
    if let Some(yaml) = seed_yaml(text) {
        return Ok(Detection::from_yaml_str(yaml, "seed")?.search);
    }
    if let Some(i) = text.find("#### Search") {
        // Markdown page: the fenced block after the heading, without the blank lines
        // right inside the fences (trailing spaces on lines are part of the search).
        let rest = &text[i..];
        let open = rest.find("```\n").ok_or("no code block")? + 4;
        let close = rest[open..].find("\n```").ok_or("unclosed code block")? + open;
        return Ok(rest[open..close].trim_matches('\n').to_string());
    }
    // Numbered listing (`1`cloudtrail` ...`, `2| rename ...`).
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let digits = l.bytes().take_while(u8::is_ascii_digit).count();
            let body = &l[digits..];
            (digits > 0 && (body.starts_with('`') || body.starts_with('|'))).then_some(body)
        })
        .collect();
    if lines.is_empty() {
        return Err("no search found in the seed".into());
    }
    Ok(lines.join("\n"))
}

fn check_same_search(shipped: &Path, seed: &Path) -> Result<(), Failed> {
    let det = Detection::load(shipped)?;
    let expected = seed_search(&read(seed)?)?;
    if det.search != expected {
        return Err(format!(
            "{}: search differs from the seed {}\n--- shipped\n{:?}\n--- seed\n{:?}",
            shipped.display(),
            seed.display(),
            det.search,
            expected
        )
        .into());
    }
    Ok(())
}

fn corpus_events() -> Result<Vec<Event>, Failed> {
    let meta = EventMeta {
        sourcetype: Some("aws:cloudtrail".into()),
        source: Some("aws_cloudtrail".into()),
        ..EventMeta::default()
    };
    let mut events = Vec::new();
    for f in [
        "aws_ecr_container_upload.json",
        "aws_ecr_scanning_findings_events.json",
        "cloudtrail_noise.json",
    ] {
        events.extend(load_events(&workspace().join("corpus").join(f), &meta)?);
    }
    Ok(events)
}

fn main() {
    let args = Arguments::from_args();
    let shared = shared_dir();
    let absent = !shared.is_dir();
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let mut trials = Vec::new();

    // Shipped detections: `search:` character for character the seed's.
    for (file, seed) in [
        (
            "aws_ecr_container_upload_unknown_user.yml",
            "000_a27b1e419dce4ad4.txt",
        ),
        (
            "aws_ecr_container_upload_outside_business_hours.yml",
            "002_8701d5db61a48636.txt",
        ),
        (
            "aws_ecr_container_scanning_findings_high.yml",
            "004_ecbb9ec30c2e13eb.txt",
        ),
        (
            "new_container_uploaded_to_aws_ecr.yml",
            "003_32b8f72865313734.txt",
        ),
    ] {
        let shipped = crate_dir.join("detections").join(file);
        let seed = shared.join("seeds").join(seed);
        trials.push(Trial::test(
            format!("shipped_search_is_the_seeds::{file}"),
            move || check_same_search(&shipped, &seed),
        ));
    }
    {
        let case =
            workspace().join("corpus/detections/seed001_aws_ecr_container_upload_unknown_user.yml");
        let seed = shared.join("seeds/001_144a109f42fb663a.txt");
        trials.push(Trial::test(
            "corpus_seed001_search_is_the_seeds",
            move || check_same_search(&case, &seed),
        ));
    }

    // Every seed page with embedded YAML loads.
    for seed in [
        "000_a27b1e419dce4ad4.txt",
        "002_8701d5db61a48636.txt",
        "004_ecbb9ec30c2e13eb.txt",
    ] {
        let p = shared.join("seeds").join(seed);
        trials.push(Trial::test(format!("seed_yaml_loads::{seed}"), move || {
            let text = read(&p)?;
            let yaml = seed_yaml(&text).ok_or("no YAML in the seed")?;
            let d = Detection::from_yaml_str(yaml, &p.display().to_string())?;
            if d.risk_objects.is_empty() || d.risk_message.is_none() {
                return Err(format!("{seed}: no risk objects/message loaded").into());
            }
            Ok(())
        }));
    }

    // Every upstream detection loads, with the fields the engine needs.
    let upstream = shared.join("upstream/detections");
    let files: Vec<PathBuf> = std::fs::read_dir(&upstream)
        .map(|rd| {
            let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    if files.is_empty() {
        trials.push(Trial::test("upstream_detections_load", || Ok(())).with_ignored_flag(true));
    }
    for p in files {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let q = p.clone();
        trials.push(Trial::test(
            format!("upstream_detection_loads::{name}"),
            move || {
                let d = Detection::load(&q)?;
                if d.mitre_attack_ids.is_empty() || d.analytic_stories.is_empty() {
                    return Err("MITRE ids or analytic stories missing".into());
                }
                if !d.search.contains(&format!("`{}`", d.filter_macro_name())) {
                    return Err(format!("search does not call `{}`", d.filter_macro_name()).into());
                }
                if d.kind.as_deref() != Some("Hunting") && d.risk_objects.is_empty() {
                    return Err("no risk objects".into());
                }
                Ok(())
            },
        ));
        // Needs the parser, evaluator and reader: passes after the merge. Row counts
        // from corpus/EXPECTED.md (all corpus files together).
        let expected_rows = match name.as_str() {
            "aws_ecr_container_upload_unknown_user.yml" => 4,
            "aws_ecr_container_upload_outside_business_hours.yml" => 4,
            "aws_ecr_container_scanning_findings_high.yml" => 2,
            "aws_ecr_container_scanning_findings_medium.yml" => 3,
            "aws_ecr_container_scanning_findings_low_informational_unknown.yml" => 2,
            "new_container_uploaded_to_aws_ecr.yml" => 5,
            _ => usize::MAX,
        };
        trials.push(Trial::test(
            format!("upstream_detection_runs_over_corpus::{name}"),
            move || {
                let d = Detection::load(&p)?;
                let engine = Engine::builtin()?;
                let out = engine.run_detection(&d, corpus_events()?)?;
                if expected_rows != usize::MAX && out.rows.len() != expected_rows {
                    return Err(format!(
                        "{} rows, corpus/EXPECTED.md says {expected_rows}: {:#?}",
                        out.rows.len(),
                        out.rows
                    )
                    .into());
                }
                let per_row = d.risk_objects.len();
                if out.risk_events.len() != out.rows.len() * per_row {
                    return Err(format!(
                        "{} risk events for {} rows",
                        out.risk_events.len(),
                        out.rows.len()
                    )
                    .into());
                }
                Ok(())
            },
        ));
    }

    // The upstream macro directory loads and agrees with the built-in copies.
    {
        let dir = shared.join("upstream/macros");
        trials.push(Trial::test(
            "upstream_macros_load_and_match_builtins",
            move || {
                let defs = load_macros_path(&dir)?;
                if defs.len() < 9 {
                    return Err(format!("only {} macros loaded", defs.len()).into());
                }
                let builtin = builtin_macros()?;
                for d in &defs {
                    if let Some(b) = builtin.lookup(&d.name, d.args.len()) {
                        if b != d {
                            return Err(format!(
                                "built-in `{}` differs from upstream: {b:?} vs {d:?}",
                                d.name
                            )
                            .into());
                        }
                    }
                }
                let mut engine = Engine::empty();
                let n = engine.add_macros(&dir)?;
                if engine.macros().lookup("amazon_security_lake", 0).is_none() || n != defs.len() {
                    return Err("Engine::add_macros did not load the directory".into());
                }
                Ok(())
            },
        ));
    }

    if absent {
        let reason = format!(
            "shared data not found at {} (set MINISPL_SHARED)",
            shared.display()
        );
        trials = trials
            .into_iter()
            .map(|t| {
                let name = t.name().to_string();
                Trial::test(name, || Ok(()))
                    .with_ignored_flag(true)
                    .with_kind(reason.clone())
            })
            .collect();
    }
    libtest_mimic::run(&args, trials).exit();
}
