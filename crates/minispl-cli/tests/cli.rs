//! Integration tests: run the `minispl` binary as a user would (issue 5 "Done means", issue
//! 7 "Input faults"). Test inputs are `tests/data/*` or generated here into a temp dir.
//!
//! Most of these need the parser, evaluator and rules engine, which other branches
//! implement; `--help`, argument errors and `--tz`/`--now` validation do not.

mod common;

use common::{data, event_lines, gzip, temp};
use serde_json::Value as Json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const UNKNOWN_USER: &str = "AWS ECR Container Upload Unknown User";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_minispl"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run minispl")
}

fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn minispl");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for minispl")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn status(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The JSON-lines output as objects.
fn json_rows(o: &Output) -> Vec<Json> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// `stats count` from JSON output.
fn count(o: &Output) -> String {
    assert_eq!(status(o), 0, "stderr: {}", stderr(o));
    let rows = json_rows(o);
    assert_eq!(rows.len(), 1, "stdout: {}", stdout(o));
    rows[0]["count"].as_str().unwrap_or("?").to_string()
}

fn events_path() -> String {
    data("ecr_events.json").display().to_string()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

const COUNT: &str = "* | stats count";

// ---------------------------------------------------------------------------------
// Help and arguments (these pass on any branch)

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["search", "detect", "test", "parse", "rules", "macros"] {
        let o = run(&[sub, "--help"]);
        assert_eq!(status(&o), 0, "{sub}");
        let text = stdout(&o);
        assert!(text.contains("Examples:"), "{sub} --help: {text}");
        assert!(
            text.contains(&format!("minispl {sub}")),
            "{sub} --help: {text}"
        );
    }
    let o = run(&["--help"]);
    for sub in ["search", "detect", "test", "parse", "rules", "macros"] {
        assert!(stdout(&o).contains(sub));
    }
}

#[test]
fn search_help_lists_the_common_options() {
    let text = stdout(&run(&["search", "--help"]));
    for opt in [
        "--sourcetype",
        "--source",
        "--input",
        "--macros",
        "--lookups",
        "--tz",
        "--now",
        "--earliest",
        "--latest",
        "--output",
        "--strict",
        "--quiet",
    ] {
        assert!(text.contains(opt), "missing {opt}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(status(&run(&["search"])), 2);
    assert_eq!(status(&run(&["nosuchcommand"])), 2);
    assert_eq!(status(&run(&["search", "--output", "xml", "x"])), 2);
}

#[test]
fn a_bad_time_zone_or_now_is_a_usage_error() {
    let o = run(&["search", "--tz", "Mars/Olympus", COUNT, &events_path()]);
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains("Mars/Olympus"), "{}", stderr(&o));
    let o = run(&["search", "--now", "teatime", COUNT, &events_path()]);
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains("teatime"), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------
// search: input formats

#[test]
fn search_json_lines_file() {
    let o = run(&["search", "--output", "json", COUNT, &events_path()]);
    assert_eq!(count(&o), "3");
    assert!(stderr(&o).contains("3 events read"), "{}", stderr(&o));
}

#[test]
fn search_json_array_file() {
    let dir = temp("array");
    let path = dir.join("events.json");
    std::fs::write(&path, format!("[\n{}\n]\n", event_lines().join(",\n"))).expect("write");
    assert_eq!(
        count(&run(&["search", "--output", "json", COUNT, &p(&path)])),
        "3"
    );
}

#[test]
fn search_cloudtrail_records_file_gzipped() {
    let dir = temp("records");
    let doc = format!("{{\"Records\":[{}]}}", event_lines().join(","));
    let path = dir.join("111111111111_CloudTrail_us-east-1_20210818T2320Z_abc.json.gz");
    std::fs::write(&path, gzip(doc.as_bytes())).expect("write");
    let o = run(&[
        "search",
        "--output",
        "json",
        "eventName=PutImage | stats count by userName",
        &p(&path),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let rows = json_rows(&o);
    let users: Vec<_> = rows
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(users, vec!["mallory", "user"]);
}

#[test]
fn search_gzipped_json_lines_by_magic_bytes() {
    let dir = temp("gz-magic");
    // No .gz suffix: detected by the magic bytes.
    let path = dir.join("events.log");
    std::fs::write(
        &path,
        gzip(format!("{}\n", event_lines().join("\n")).as_bytes()),
    )
    .expect("write");
    assert_eq!(
        count(&run(&["search", "--output", "json", COUNT, &p(&path)])),
        "3"
    );
}

#[test]
fn search_a_directory_walks_it() {
    let dir = temp("walk");
    let lines = event_lines();
    std::fs::create_dir_all(dir.join("2021/08")).expect("mkdir");
    std::fs::write(dir.join("a.json"), format!("{}\n", lines[0])).expect("write");
    std::fs::write(dir.join("2021/08/b.json.gz"), gzip(lines[1].as_bytes())).expect("write");
    std::fs::write(dir.join("2021/c.json"), format!("[{}]", lines[2])).expect("write");
    assert_eq!(
        count(&run(&["search", "--output", "json", COUNT, &p(&dir)])),
        "3"
    );
}

#[test]
fn search_reads_stdin_without_files_or_with_dash() {
    let input = format!("{}\n", event_lines().join("\n"));
    let o = run_with_stdin(&["search", "--output", "json", COUNT], input.as_bytes());
    assert_eq!(count(&o), "3");
    let o = run_with_stdin(
        &["search", "--output", "json", COUNT, "-", &events_path()],
        input.as_bytes(),
    );
    assert_eq!(count(&o), "6");
}

#[test]
fn search_field_maps_have_no_profile_unless_a_sourcetype_is_given() {
    let input = b"{\"a\":\"1\",\"b\":[\"x\",\"y\"],\"_time\":1629328650}\n{\"a\":\"2\"}\n";
    let o = run_with_stdin(
        &[
            "search",
            "--input",
            "fields",
            "--output",
            "json",
            "a=1 | table a b",
        ],
        input,
    );
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(
        json_rows(&o),
        vec![serde_json::json!({"a":"1","b":["x","y"]})]
    );
}

// ---------------------------------------------------------------------------------
// search: output formats

const BY_USER: &str = "eventSource=ecr.amazonaws.com | stats count by eventName userName";

#[test]
fn output_json_is_one_object_per_row_in_column_order() {
    let o = run(&["search", "--output", "json", BY_USER, &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let lines: Vec<_> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        vec![
            r#"{"eventName":"DescribeRepositories","userName":"mallory","count":"1"}"#,
            r#"{"eventName":"PutImage","userName":"mallory","count":"1"}"#,
            r#"{"eventName":"PutImage","userName":"user","count":"1"}"#,
        ]
    );
}

#[test]
fn output_json_is_the_default_when_piped() {
    let o = run(&["search", BY_USER, &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(json_rows(&o).len(), 3);
}

#[test]
fn output_csv() {
    let o = run(&["search", "--output", "csv", BY_USER, &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "eventName,userName,count\nDescribeRepositories,mallory,1\nPutImage,mallory,1\nPutImage,user,1\n"
    );
}

#[test]
fn output_csv_joins_multivalues_with_newlines() {
    let o = run(&[
        "search",
        "--output",
        "csv",
        "eventSource=ecr.amazonaws.com | stats values(eventName) as names",
        &events_path(),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "names\n\"DescribeRepositories\nPutImage\"\n");
}

#[test]
fn output_table() {
    let o = run(&["search", "--output", "table", BY_USER, &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let expected = "\
eventName             userName  count
--------------------  --------  -----
DescribeRepositories  mallory   1
PutImage              mallory   1
PutImage              user      1
";
    assert_eq!(stdout(&o), expected);
}

#[test]
fn quiet_leaves_stderr_empty() {
    let o = run(&[
        "search",
        "--quiet",
        "--output",
        "json",
        COUNT,
        &events_path(),
    ]);
    assert_eq!(count(&o), "3");
    assert_eq!(stderr(&o), "");
}

// ---------------------------------------------------------------------------------
// search: options

#[test]
fn earliest_and_latest_bound_event_time() {
    let path = events_path();
    let o = run(&[
        "search",
        "--output",
        "json",
        "--earliest",
        "2021-08-18T12:00:00Z",
        "--latest",
        "2021-08-19T00:00:00Z",
        COUNT,
        &path,
    ]);
    assert_eq!(count(&o), "1");
    assert!(
        stderr(&o).contains("2 outside the time range"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "search",
        "--output",
        "json",
        "--earliest",
        "1629331200",
        COUNT,
        &path,
    ]);
    assert_eq!(count(&o), "1");
}

#[test]
fn relative_earliest_uses_now() {
    // now = 2021-08-19T09:30:00Z; -12h@h = 2021-08-18T21:00:00Z.
    let o = run(&[
        "search",
        "--output",
        "json",
        "--now",
        "2021-08-19T09:30:00Z",
        "--earliest",
        "-12h@h",
        COUNT,
        &events_path(),
    ]);
    assert_eq!(count(&o), "2");
}

#[test]
fn now_fixes_the_now_function() {
    let o = run(&[
        "search",
        "--output",
        "json",
        "--now",
        "1629328650",
        "* | head 1 | eval n=now() | table n",
        &events_path(),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(json_rows(&o), vec![serde_json::json!({"n":"1629328650"})]);
}

#[test]
fn tz_changes_how_time_renders() {
    let o = run(&[
        "search",
        "--output",
        "json",
        "--tz",
        "Europe/Paris",
        "eventName=PutImage userName=mallory | table _time",
        &events_path(),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(
        json_rows(&o),
        vec![serde_json::json!({"_time":"2021-08-19T01:17:30.000+02:00"})]
    );
}

#[test]
fn macros_file_adds_macros() {
    let conf = p(&data("macros.conf"));
    let o = run(&[
        "search",
        "--output",
        "json",
        "--macros",
        &conf,
        "`only_putimage` | stats count",
        &events_path(),
    ]);
    assert_eq!(count(&o), "2");
    let o = run(&["macros", "--output", "json", "--macros", &conf]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert!(json_rows(&o)
        .iter()
        .any(|r| r["name"] == "only_putimage" && r["definition"] == "eventName=PutImage"));
}

#[test]
fn lookups_directory_is_used_by_file_name() {
    let dir = temp("lookups");
    std::fs::write(
        dir.join("users.csv"),
        "userName,team\nmallory,red\nuser,blue\n",
    )
    .expect("write");
    let o = run(&[
        "search",
        "--output",
        "json",
        "--lookups",
        &p(&dir),
        "eventName=PutImage | lookup users.csv userName OUTPUT team | stats count by team",
        &events_path(),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let teams: Vec<_> = json_rows(&o).iter().map(|r| r["team"].clone()).collect();
    assert_eq!(teams, vec!["blue", "red"]);
}

#[test]
fn sourcetype_and_source_are_default_fields() {
    let o = run(&[
        "search",
        "--output",
        "json",
        "--source",
        "aws_cloudtrail",
        "sourcetype=aws:cloudtrail source=aws_cloudtrail | stats count",
        &events_path(),
    ]);
    assert_eq!(count(&o), "3");
}

// ---------------------------------------------------------------------------------
// Errors

#[test]
fn bad_spl_prints_a_caret_and_exits_2() {
    let o = run(&[
        "search",
        "eventName=\"PutImage | stats count",
        &events_path(),
    ]);
    assert_eq!(status(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains('^'), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = run(&["search", "`no_such_macro` | stats count", &events_path()]);
    assert_eq!(status(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("no_such_macro"), "{}", stderr(&o));
}

#[test]
fn missing_file_is_named_and_exits_1_after_reading_the_others() {
    let o = run(&[
        "search",
        "--output",
        "json",
        COUNT,
        "/nonexistent/trail.json",
        &events_path(),
    ]);
    assert_eq!(status(&o), 1);
    assert!(
        stderr(&o).contains("/nonexistent/trail.json"),
        "{}",
        stderr(&o)
    );
    // The other file was still read and the results printed.
    assert_eq!(json_rows(&o)[0]["count"], "3");
}

#[test]
fn missing_file_with_strict_stops() {
    let o = run(&[
        "search",
        "--strict",
        COUNT,
        "/nonexistent/trail.json",
        &events_path(),
    ]);
    assert_eq!(status(&o), 1);
    assert!(
        stderr(&o).contains("/nonexistent/trail.json"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
}

fn malformed_file(dir: &Path) -> PathBuf {
    let lines = event_lines();
    let path = dir.join("mixed.json");
    let text = format!(
        "{}\n{{\"eventName\": \n\n{}\n[1,2]\n{}\n",
        lines[0], lines[1], lines[2]
    );
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn malformed_lines_are_skipped_counted_and_located() {
    let dir = temp("malformed");
    let path = malformed_file(&dir);
    let o = run(&["search", "--output", "json", COUNT, &p(&path)]);
    assert_eq!(count(&o), "3");
    let err = stderr(&o);
    assert!(err.contains("5 records read from 1 input"), "{err}");
    assert!(
        err.contains("3 events processed, 2 skipped as malformed"),
        "{err}"
    );
    assert!(err.contains("mixed.json:line 2: invalid JSON"), "{err}");
    assert!(
        err.contains("mixed.json:line 5: not a JSON object"),
        "{err}"
    );
}

#[test]
fn malformed_lines_with_strict_fail() {
    let dir = temp("malformed-strict");
    let path = malformed_file(&dir);
    let o = run(&["search", "--strict", "--output", "json", COUNT, &p(&path)]);
    assert_eq!(status(&o), 1);
    assert!(
        stderr(&o).contains("mixed.json: line 2: invalid JSON"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
}

/// Issue 7: each input fault through the CLI, with status, message and accounting
/// (events read = events processed + events skipped).
#[test]
fn input_faults_are_reported_and_the_rest_processed() {
    let dir = temp("faults");
    let lines = event_lines();
    // Truncated gzip: the first line survives, the file is reported.
    let mut big = String::new();
    for i in 0..400 {
        big.push_str(&lines[0].replace("6b4a2f1c-2222", &format!("{i:08x}-2222")));
        big.push('\n');
    }
    let gz = gzip(big.as_bytes());
    std::fs::write(dir.join("1_truncated.json.gz"), &gz[..gz.len() * 2 / 3]).expect("write");
    // Invalid UTF-8 in a line.
    std::fs::write(dir.join("2_utf8.json"), b"{\"eventName\":\"\xff\xfe\"}\n").expect("write");
    // Valid JSON that is not an object.
    std::fs::write(dir.join("3_notobject.json"), "\"just a string\"\n").expect("write");
    // A Records array with a bad element between two good ones.
    std::fs::write(
        dir.join("4_records.json"),
        format!("{{\"Records\":[{},42,{}]}}", lines[1], lines[2]),
    )
    .expect("write");
    // An empty file.
    std::fs::write(dir.join("5_empty.json"), "").expect("write");
    // A file that cannot be read (a dangling link cannot be opened, even by root).
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("gone.json"), dir.join("6_unreadable.json"))
        .expect("symlink");

    let o = run(&["search", "--output", "json", COUNT, &p(&dir)]);
    let err = stderr(&o);
    // A truncated or unreadable file means lost input: exit 1, but results are printed.
    assert_eq!(status(&o), 1, "{err}");
    let rows = json_rows(&o);
    let searched: u64 = rows[0]["count"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    assert!(searched > 2 && searched < 402, "{searched}");
    assert!(err.contains("1_truncated.json.gz: read error"), "{err}");
    assert!(err.contains("2_utf8.json:line 1: invalid UTF-8"), "{err}");
    assert!(
        err.contains("3_notobject.json:line 1: not a JSON object"),
        "{err}"
    );
    assert!(
        err.contains("4_records.json:Records[1]: not a JSON object"),
        "{err}"
    );
    assert!(err.contains("5_empty.json: empty file"), "{err}");
    #[cfg(unix)]
    assert!(err.contains("6_unreadable.json"), "{err}");
    // Accounting: the summary's events are exactly what the search counted.
    assert!(
        err.contains(&format!(": {searched} events processed, ")),
        "{err}"
    );

    let o = run(&["search", "--strict", "--output", "json", COUNT, &p(&dir)]);
    assert_eq!(status(&o), 1);
    assert!(stderr(&o).contains("1_truncated.json.gz"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

// ---------------------------------------------------------------------------------
// detect

#[test]
fn detect_builtin_detections_print_a_section_each() {
    let o = run(&["detect", "--output", "table", &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!("== {UNKNOWN_USER} (1 result) ==")),
        "{text}"
    );
    assert!(text.contains("mallory"), "{text}");
    assert!(text.matches("== ").count() >= 4, "{text}");
}

#[test]
fn detect_one_rule_by_name_with_risk_events() {
    let o = run(&[
        "detect",
        "--rule",
        UNKNOWN_USER,
        "--risk",
        "--output",
        "json",
        &events_path(),
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let rows = json_rows(&o);
    assert_eq!(rows.len(), 2, "{}", stdout(&o));
    assert_eq!(rows[0]["search_name"], UNKNOWN_USER);
    assert_eq!(rows[0]["user"], "mallory");
    assert_eq!(rows[0]["image"], "web");
    assert_eq!(rows[0]["count"], "1");
    assert_eq!(rows[1]["risk_object"], "mallory");
    assert_eq!(rows[1]["risk_score"], "20");
    assert_eq!(
        rows[1]["risk_message"],
        "Container uploaded from unknown user mallory"
    );
}

#[test]
fn detect_a_rule_file() {
    let rule = p(&data("unknown_user_test.yml"));
    let o = run(&["detect", "--rule", &rule, "--output", "csv", &events_path()]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("search_name,"), "{text}");
    assert!(text.contains("CLI Test ECR Upload Unknown User,"), "{text}");
}

#[test]
fn detect_unknown_rule_fails() {
    let o = run(&["detect", "--rule", "No Such Detection", &events_path()]);
    assert_eq!(status(&o), 1);
    assert!(stderr(&o).contains("No Such Detection"), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------
// test

#[test]
fn test_builtin_detections_pass() {
    let o = run(&["test"]);
    assert_eq!(status(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("PASS"), "{}", stdout(&o));
    assert!(stdout(&o).contains(" 0 failed"), "{}", stdout(&o));
}

#[test]
fn test_a_detection_file_passes_with_its_data_and_fails_without() {
    let rule = p(&data("unknown_user_test.yml"));
    let o = run(&["test", &rule, "--data", &p(&data(""))]);
    assert_eq!(status(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("PASS  CLI Test ECR Upload Unknown User / True Positive Test"));
    let empty = temp("no-data");
    let o = run(&["test", &rule, "--data", &p(&empty)]);
    assert_eq!(status(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL  CLI Test ECR Upload Unknown User / True Positive Test: "));
}

// ---------------------------------------------------------------------------------
// parse, rules, macros

#[test]
fn parse_prints_the_expanded_search_and_tree() {
    let o = run(&[
        "parse",
        "`cloudtrail` eventName=PutImage | stats count by userName",
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("sourcetype=aws:cloudtrail eventName=PutImage"),
        "{text}"
    );
    assert!(text.contains("Stats"), "{text}");
}

#[test]
fn parse_json_is_machine_readable() {
    let o = run(&[
        "parse",
        "--json",
        "eventName=PutImage | stats count by userName",
    ]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let doc: Json = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        doc["expanded"],
        "eventName=PutImage | stats count by userName"
    );
    assert_eq!(doc["ast"]["commands"].as_array().map(Vec::len), Some(2));
}

#[test]
fn parse_a_rule_generates_its_filter_macro() {
    let o = run(&["parse", "--rule", &p(&data("unknown_user_test.yml"))]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("search *"), "{}", stdout(&o));
}

#[test]
fn parse_errors_show_the_caret() {
    let o = run(&["parse", "eventName=\"PutImage | stats count"]);
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains('^'), "{}", stderr(&o));
}

#[test]
fn rules_lists_the_shipped_detections() {
    let o = run(&["rules", "--output", "json"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let names: Vec<String> = json_rows(&o)
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert!(names.iter().any(|n| n == UNKNOWN_USER), "{names:?}");
    assert!(names.len() >= 4, "{names:?}");
}

#[test]
fn macros_lists_the_builtin_macros() {
    let o = run(&["macros", "--output", "csv"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("name,args,definition\n"), "{text}");
    assert!(
        text.contains("\ncloudtrail,,sourcetype=aws:cloudtrail\n"),
        "{text}"
    );
    assert!(
        text.contains("\nsecurity_content_ctime(1),field,"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------
// --props and --datamodel (issue 4: the profile is overridable, users add data models)

/// A props file whose `[aws:cloudtrail]` stanza replaces the built-in one: only JSON
/// extraction and one alias, `who`.
const PROPS_WHO: &str = "# test profile\n[aws:cloudtrail]\nKV_MODE = json\n\
    FIELDALIAS-who = userIdentity.userName AS who\n";

#[test]
fn props_file_replaces_the_sourcetype_profile() {
    let dir = temp("props");
    let conf = dir.join("who.conf");
    std::fs::write(&conf, PROPS_WHO).expect("write");
    let who = "who=mallory | stats count";
    let without = run(&["search", "--output", "json", who, &events_path()]);
    assert_eq!(count(&without), "0", "no `who` field without the file");
    let with = run(&[
        "search",
        "--output",
        "json",
        "--props",
        &p(&conf),
        who,
        &events_path(),
    ]);
    let mallory = run(&[
        "search",
        "--output",
        "json",
        "userIdentity.userName=mallory | stats count",
        &events_path(),
    ]);
    let n = count(&mallory);
    assert_ne!(n, "0", "test data has mallory events");
    assert_eq!(count(&with), n);
    // The stanza replaced the built-in profile: its `src_ip` alias is gone.
    let src_ip = "src_ip=* | stats count";
    assert_ne!(
        count(&run(&[
            "search",
            "--output",
            "json",
            src_ip,
            &events_path()
        ])),
        "0"
    );
    let replaced = run(&[
        "search",
        "--output",
        "json",
        "--props",
        &p(&conf),
        src_ip,
        &events_path(),
    ]);
    assert_eq!(count(&replaced), "0");
}

#[test]
fn props_file_adds_a_new_sourcetype() {
    let dir = temp("props_new");
    let conf = dir.join("mine.conf");
    std::fs::write(
        &conf,
        "[my:trail]\nKV_MODE = json\nEVAL-repo = upper('requestParameters.repositoryName')\n",
    )
    .expect("write");
    let o = run(&[
        "search",
        "--output",
        "json",
        "--sourcetype",
        "my:trail",
        "--props",
        &p(&conf),
        "repo=WEB | stats count",
        &events_path(),
    ]);
    assert_ne!(count(&o), "0");
}

#[test]
fn datamodel_file_makes_tstats_over_it_work() {
    let dir = temp("datamodel");
    let conf = dir.join("Pushes.conf");
    std::fs::write(
        &conf,
        "[datamodel]\nname = Registry\n\n[dataset:Pushes]\n\
         constraint = eventSource=ecr.amazonaws.com eventName=PutImage\n\
         field.repo = 'requestParameters.repositoryName'\n\
         field.user = userIdentity.userName\n",
    )
    .expect("write");
    let tstats = "| tstats count FROM datamodel=Registry.Pushes BY Pushes.repo";
    // Without the file the model is unknown: an error, not an empty result.
    let o = run(&["search", "--output", "json", tstats, &events_path()]);
    assert_ne!(status(&o), 0, "unknown data model: {}", stdout(&o));
    let expected = run(&[
        "search",
        "--output",
        "json",
        "eventSource=ecr.amazonaws.com eventName=PutImage \
         | stats count BY requestParameters.repositoryName",
        &events_path(),
    ]);
    assert_eq!(status(&expected), 0, "{}", stderr(&expected));
    let expected: Vec<(String, String)> = json_rows(&expected)
        .iter()
        .map(|r| {
            (
                r["requestParameters.repositoryName"].to_string(),
                r["count"].to_string(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    // A file and a directory of *.conf files both work.
    for path in [conf.clone(), dir.clone()] {
        let o = run(&[
            "search",
            "--output",
            "json",
            "--datamodel",
            &p(&path),
            tstats,
            &events_path(),
        ]);
        assert_eq!(status(&o), 0, "{}", stderr(&o));
        let got: Vec<(String, String)> = json_rows(&o)
            .iter()
            .map(|r| (r["Pushes.repo"].to_string(), r["count"].to_string()))
            .collect();
        assert_eq!(got, expected, "--datamodel {}", p(&path));
    }
}

#[test]
fn a_bad_props_or_datamodel_file_exits_1_naming_file_and_line() {
    let dir = temp("bad_conf");
    let props = dir.join("bad_props.conf");
    // Line 4: an EVAL that does not parse.
    std::fs::write(
        &props,
        "# bad\n[aws:cloudtrail]\nKV_MODE = json\nEVAL-x = if(a,\n",
    )
    .expect("write");
    let dm = dir.join("bad_dm.conf");
    // Line 3: a setting that is not part of the format.
    std::fs::write(&dm, "[datamodel]\nname = Bad\nnonsense = 1\n").expect("write");
    for (opt, path, line) in [("--props", &props, 4), ("--datamodel", &dm, 3)] {
        for sub in [vec!["search", COUNT], vec!["detect"], vec!["test"]] {
            let (path_arg, events) = (p(path), events_path());
            let mut args = sub.clone();
            args.extend([opt, path_arg.as_str()]);
            if sub[0] != "test" {
                args.push(&events);
            }
            let o = run(&args);
            let err = stderr(&o);
            assert_eq!(status(&o), 1, "{opt} on {}: {err}", sub[0]);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            assert!(err.contains(name), "{opt}: {err}");
            assert!(
                err.contains(&format!(":{line}")) || err.contains(&format!("line {line}")),
                "{opt}: {err}"
            );
        }
    }
    let o = run(&[
        "search",
        "--props",
        "/nonexistent/x.conf",
        COUNT,
        &events_path(),
    ]);
    assert_eq!(status(&o), 1);
    assert!(stderr(&o).contains("/nonexistent/x.conf"), "{}", stderr(&o));
}

#[test]
fn a_closed_output_pipe_ends_the_run_quietly() {
    // `minispl search ... | head -1`: the reader of stdout goes away. That is not an
    // error to report (it once said "writing output: Broken pipe" and exited 1). The
    // output must outgrow stdout's buffer so that a write, not only the flush, fails.
    let dir = temp("closed_pipe");
    let many = dir.join("many.json");
    std::fs::write(&many, (event_lines().join("\n") + "\n").repeat(2000)).expect("write");
    for format in ["json", "csv", "table"] {
        let mut child = bin()
            .args(["search", "--output", format, "* | table eventName"])
            .arg(&many)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn minispl");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait for minispl");
        assert_eq!(status(&o), 0, "{format}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("Broken pipe"),
            "{format}: {}",
            stderr(&o)
        );
    }
}
