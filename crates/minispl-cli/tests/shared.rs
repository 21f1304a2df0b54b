//! The CLI over the upstream files in `../shared` (located by `MINISPL_SHARED`, default
//! `<workspace root>/../shared`): every upstream detection YAML loads with
//! `parse --rule` and runs with `detect --rule`; the upstream macro directory loads with
//! `--macros`. When the directory is absent each test is reported as ignored, with the
//! reason, never as passed.

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn shared_dir() -> PathBuf {
    match std::env::var_os("MINISPL_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn run(args: &[&str]) -> Result<Output, Failed> {
    Command::new(env!("CARGO_BIN_EXE_minispl"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failed::from(format!("running minispl: {e}")))
}

fn expect_success(o: &Output) -> Result<String, Failed> {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    if o.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "exit {:?}\nstdout: {out}\nstderr: {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        )
        .into())
    }
}

fn events() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ecr_events.json")
        .display()
        .to_string()
}

/// A trial that needs `dir` to exist.
fn needs_shared(
    name: String,
    dir: PathBuf,
    body: impl FnOnce() -> Result<(), Failed> + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name, move || {
        if !dir.exists() {
            return Ok(Completion::ignored_with(format!(
                "{} not found (set MINISPL_SHARED)",
                dir.display()
            )));
        }
        body().map(|()| Completion::Completed)
    })
}

fn main() {
    let args = Arguments::from_args();
    let shared = shared_dir();
    let mut trials = Vec::new();

    let macros = shared.join("upstream/macros");
    let dir = macros.clone();
    trials.push(needs_shared(
        "macros_from_upstream_yaml_directory".into(),
        macros,
        move || {
            let path = dir.display().to_string();
            let out = expect_success(&run(&["macros", "--output", "csv", "--macros", &path])?)?;
            if out.contains("\naws_ecr_users,,userName IN (user)\n") {
                Ok(())
            } else {
                Err(format!("aws_ecr_users not listed:\n{out}").into())
            }
        },
    ));

    let detections = shared.join("upstream/detections");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&detections)
        .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yml"));
    files.sort();
    if files.is_empty() {
        // Keep one visible trial so an absent directory shows up as ignored.
        trials.push(needs_shared(
            "upstream_detections".into(),
            detections.clone(),
            || Err("no detection YAML found".into()),
        ));
    }
    for file in files {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = file.display().to_string();
        let p = path.clone();
        trials.push(needs_shared(
            format!("parse_rule::{stem}"),
            file.clone(),
            move || {
                let out = expect_success(&run(&["parse", "--rule", &p])?)?;
                if out.contains("syntax tree:") {
                    Ok(())
                } else {
                    Err(format!("no syntax tree printed:\n{out}").into())
                }
            },
        ));
        trials.push(needs_shared(
            format!("detect_rule::{stem}"),
            file,
            move || {
                expect_success(&run(&[
                    "detect",
                    "--quiet",
                    "--output",
                    "json",
                    "--rule",
                    &path,
                    &events(),
                ])?)
                .map(|_| ())
            },
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}
