//! Issue 7 "Done means" bullet 2: each input fault fed through the CLI, one test per
//! fault, checking the exit status, the message (file and line or element index) and the
//! accounting (records read = events processed + records skipped), that the other input
//! is still processed, and that `--strict` turns the fault into a failure.

mod common;

use common::{event_lines, gzip, temp};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const COUNT: &str = "* | stats count";

/// The outcome of one run: status, stdout, stderr.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The `count` the search printed (`None` when nothing was printed).
    fn count(&self) -> Option<u64> {
        let line = self.stdout.lines().next()?;
        let row: serde_json::Value = serde_json::from_str(line).ok()?;
        row["count"].as_str()?.parse().ok()
    }

    /// `(records read, events processed, records skipped)` from the summary line:
    /// `N records read from ...: E events processed, S skipped as malformed` or, when
    /// nothing was skipped, `N events read from ...`.
    fn accounting(&self) -> (u64, u64, u64) {
        let line = self
            .stderr
            .lines()
            .find(|l| l.contains(" read from "))
            .unwrap_or_else(|| panic!("no summary line in:\n{}", self.stderr));
        let number = |s: &str| -> u64 {
            s.trim()
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no number in {s:?} ({line})"))
        };
        let after = line.trim_start_matches("minispl: ");
        if let Some((head, tail)) = after.split_once(": ") {
            if tail.contains("processed") {
                let (processed, skipped) = tail.split_once(", ").expect("two counts");
                return (number(head), number(processed), number(skipped));
            }
        }
        let n = number(after);
        (n, n, 0)
    }
}

/// `minispl search COUNT <files>` in `dir`, optionally `--strict`.
fn search(dir: &Path, files: &[&str], strict: bool) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    cmd.arg("search").args(["--output", "json"]);
    if strict {
        cmd.arg("--strict");
    }
    cmd.arg(COUNT).args(files).current_dir(dir);
    let o: Output = cmd.stdin(Stdio::null()).output().expect("run minispl");
    Run {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A directory holding `good.json` (three events) and the faulty file.
fn with_fault(name: &str, file: &str, bytes: &[u8]) -> PathBuf {
    let dir = temp(name);
    std::fs::write(dir.join("good.json"), event_lines().join("\n") + "\n").expect("write");
    std::fs::write(dir.join(file), bytes).expect("write");
    dir
}

/// The accounting holds and matches what the search counted.
fn assert_accounting(run: &Run, processed: u64, skipped: u64) {
    let (r, p, s) = run.accounting();
    assert_eq!(
        r,
        p + s,
        "records read = processed + skipped: {}",
        run.stderr
    );
    assert_eq!((p, s), (processed, skipped), "{}", run.stderr);
    assert_eq!(run.count(), Some(processed), "{}", run.stdout);
}

/// Under `--strict` the fault fails the run: exit 1, no results, the fault named.
fn assert_strict_fails(dir: &Path, files: &[&str], message: &str) {
    let run = search(dir, files, true);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "", "no results under --strict");
    assert!(
        run.stderr.contains(message),
        "{message:?} in:\n{}",
        run.stderr
    );
}

#[test]
fn truncated_gzip_keeps_what_was_decoded_and_fails_the_run() {
    let lines = event_lines();
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&lines[0].replace("6b4a2f1c-2222", &format!("{i:08x}-2222")));
        text.push('\n');
    }
    let gz = gzip(text.as_bytes());
    let dir = with_fault("truncated-gzip", "trail.json.gz", &gz[..gz.len() * 2 / 3]);
    let run = search(&dir, &["good.json", "trail.json.gz"], false);
    // Lost input: exit 1, but the results of everything read are printed.
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("trail.json.gz: read error"),
        "{}",
        run.stderr
    );
    let (r, p, s) = run.accounting();
    assert_eq!(r, p + s, "{}", run.stderr);
    // Some of the gzip's lines were decoded before the cut, not all of them.
    assert!(p > 3 && p < 403, "{}", run.stderr);
    assert_eq!(run.count(), Some(p));
    assert_strict_fails(&dir, &["good.json", "trail.json.gz"], "trail.json.gz");
}

#[test]
fn invalid_utf8_skips_the_line_and_reads_the_next() {
    let lines = event_lines();
    let mut bytes = b"{\"eventName\":\"\xff\xfe\"}\n".to_vec();
    bytes.extend_from_slice(lines[0].as_bytes());
    bytes.push(b'\n');
    let dir = with_fault("invalid-utf8", "utf8.json", &bytes);
    let run = search(&dir, &["good.json", "utf8.json"], false);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("utf8.json:line 1: invalid UTF-8"),
        "{}",
        run.stderr
    );
    assert_accounting(&run, 4, 1);
    assert_strict_fails(
        &dir,
        &["good.json", "utf8.json"],
        "utf8.json: line 1: invalid UTF-8",
    );
}

#[test]
fn valid_json_that_is_not_an_object_is_skipped_with_its_line() {
    let lines = event_lines();
    let text = format!("\"just a string\"\n{}\n[1,2]\n", lines[1]);
    let dir = with_fault("not-object", "values.json", text.as_bytes());
    let run = search(&dir, &["good.json", "values.json"], false);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("values.json:line 1: not a JSON object (found a string)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("values.json:line 3: not a JSON object"),
        "{}",
        run.stderr
    );
    assert_accounting(&run, 4, 2);
    assert_strict_fails(
        &dir,
        &["good.json", "values.json"],
        "values.json: line 1: not a JSON object",
    );
}

#[test]
fn a_bad_records_element_is_skipped_with_its_index() {
    let lines = event_lines();
    let text = format!("{{\"Records\":[{},42,{}]}}", lines[1], lines[2]);
    let dir = with_fault("records", "trail.json", text.as_bytes());
    let run = search(&dir, &["good.json", "trail.json"], false);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("trail.json:Records[1]: not a JSON object (found a number)"),
        "{}",
        run.stderr
    );
    assert_accounting(&run, 5, 1);
    assert_strict_fails(
        &dir,
        &["good.json", "trail.json"],
        "trail.json: Records[1]: not a JSON object",
    );
}

#[test]
fn an_empty_file_is_mentioned_and_the_others_read() {
    let dir = with_fault("empty", "empty.json", b"");
    let run = search(&dir, &["good.json", "empty.json"], false);
    // An empty file loses nothing: a mention, not a failure.
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("empty.json: empty file"),
        "{}",
        run.stderr
    );
    assert_accounting(&run, 3, 0);
    assert_strict_fails(&dir, &["good.json", "empty.json"], "empty.json: empty file");
}

#[test]
fn an_unreadable_file_among_many_is_named_and_the_others_read() {
    let dir = with_fault("unreadable", "also_good.json", event_lines()[0].as_bytes());
    // A dangling link cannot be opened, even by root (file permissions would not stop
    // a root test run).
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("gone.json"), dir.join("unreadable.json"))
        .expect("symlink");
    #[cfg(not(unix))]
    let _ = std::fs::create_dir(dir.join("unreadable.json"));
    let files = ["good.json", "unreadable.json", "also_good.json"];
    let run = search(&dir, &files, false);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: unreadable.json"),
        "{}",
        run.stderr
    );
    assert_accounting(&run, 4, 0);
    assert_strict_fails(&dir, &files, "unreadable.json");
}

#[test]
fn a_line_over_max_line_bytes_is_skipped_with_its_line_and_a_long_one_is_read() {
    let lines = event_lines();
    // A 3 MiB event: read whole under the default cap (64 MiB), not truncated.
    let padding = "x".repeat(3 << 20);
    let long = lines[0].replacen('{', &format!("{{\"pad\":\"{padding}\","), 1);
    let text = format!("{long}\n{}\n", lines[1]);
    let dir = with_fault("long-line", "long.json", text.as_bytes());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    let o = cmd
        .args([
            "search",
            "--output",
            "json",
            "* | eval n=len(pad) | stats max(n) AS n count",
        ])
        .args(["good.json", "long.json"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(&format!("\"n\":\"{}\"", 3 << 20)), "{out}");
    assert!(out.contains("\"count\":\"5\""), "{out}");
    // With --max-line-bytes below it, that line is a located problem; the rest is read.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    let o = cmd
        .args([
            "search",
            "--output",
            "json",
            "--max-line-bytes",
            "1048576",
            COUNT,
        ])
        .args(["good.json", "long.json"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let run = Run {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("long.json:line 1:"), "{}", run.stderr);
    assert!(run.stderr.contains("1048576"), "{}", run.stderr);
    assert_accounting(&run, 4, 1);
}

#[test]
fn max_groups_is_configurable_with_a_clear_error() {
    let dir = with_fault("max-groups", "more.json", b"");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    let o = cmd
        .args(["search", "--output", "json", "--max-groups", "2"])
        .args(["* | stats count by eventID", "good.json"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("too many groups: more than 2 distinct BY values"),
        "{err}"
    );
    assert!(err.contains("--max-groups"), "{err}");
    // The default holds the three groups.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    let o = cmd
        .args([
            "search",
            "--output",
            "json",
            "* | stats count by eventID",
            "good.json",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    // 0 is refused as a usage error.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minispl"));
    let o = cmd
        .args(["search", "--max-groups", "0", COUNT, "good.json"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn max_mvexpand_bytes_is_configurable_with_a_clear_error() {
    let dir = with_fault("max-mvexpand", "more.json", b"");
    let spl = "| makeresults | eval u=split(\"a,b,c,d,e,f,g,h\", \",\") | mvexpand u | stats count";
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_minispl"))
            .args(["search", "--output", "json"])
            .args(extra)
            .args([spl, "good.json"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .expect("run")
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"count\":\"8\""));
    let o = run(&["--max-mvexpand-bytes", "100"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("mvexpand: expanding the 8 values of `u`"),
        "{err}"
    );
    assert!(err.contains("over the limit of 100 bytes"), "{err}");
    assert!(err.contains("max_mvexpand_bytes"), "{err}");
}

/// `minispl detect` reads through the reader's workers too (issue 6): a malformed line
/// between records is skipped, named and counted, and the detections give what they give
/// on the clean file; `--strict` stops with exit 1 and no results. With `--earliest`
/// (no reader filter) the same.
#[test]
fn detect_skips_a_malformed_line_and_strict_stops() {
    let lines = event_lines();
    let dir = temp("detect-fault");
    let clean = lines.join("\n") + "\n";
    let mut faulty = String::new();
    for (i, line) in lines.iter().enumerate() {
        faulty.push_str(line);
        faulty.push('\n');
        if i == 0 {
            faulty.push_str("{\"eventName\":\n");
        }
    }
    std::fs::write(dir.join("clean.json"), &clean).expect("write");
    std::fs::write(dir.join("faulty.json"), &faulty).expect("write");
    let detect = |file: &str, extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_minispl"))
            .arg("detect")
            .args(["--output", "json"])
            .args(extra)
            .arg(file)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .expect("run minispl");
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    for extra in [&[][..], &["--earliest", "0"][..]] {
        let expected = detect("clean.json", extra);
        assert_eq!(expected.status, 0, "{}", expected.stderr);
        assert!(!expected.stdout.is_empty(), "the events fire detections");
        let run = detect("faulty.json", extra);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert_eq!(run.stdout, expected.stdout, "{extra:?}");
        assert!(
            run.stderr.contains("faulty.json:line 2: invalid JSON"),
            "{}",
            run.stderr
        );
        assert_eq!(run.accounting(), (4, 3, 1), "{}", run.stderr);
        let mut strict = extra.to_vec();
        strict.push("--strict");
        let run = detect("faulty.json", &strict);
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert_eq!(run.stdout, "", "no results under --strict");
        assert!(run.stderr.contains("line 2"), "{}", run.stderr);
    }
}
