//! The shipped detections over the corpus, checked against the rows derived by hand in
//! `corpus/EXPECTED.md`, then pinned as snapshots. These need the parser, the evaluator
//! and the reader (stubs on the rules branch): they pass after the merge.

use minispl_eval::profile::Profile;
use minispl_eval::{Event, EventMeta, Row};
use minispl_rules::drilldown::{render_drilldowns, InfoTimes};
use minispl_rules::testrunner::{load_events, run_tests};
use minispl_rules::{Detection, DetectionOutput, Engine};
use std::path::{Path, PathBuf};

const ACCT: &str = "111122223333";
const DOCKER24: &str = r"docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.5.0-1014-aws os/linux arch/amd64 UpstreamClient(Docker-Client/24.0.7 \(linux\))";
const DOCKER25: &str = r"docker/25.0.3 go/go1.21.6 git-commit/f417435 kernel/6.6.12-linuxkit os/linux arch/arm64 UpstreamClient(Docker-Client/25.0.3 \(darwin\))";
const CLI_PUT: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off command/ecr.put-image";
const CLI_SCAN: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off command/ecr.describe-image-scan-findings";
const PAYMENTS_DIGEST: &str =
    "sha256:de4dfa1c6d914c74e51b7d6959904ac6a95858e72781eb81aaad1c2494ff1364";

/// (message, risk object, score, threat objects) of a risk event.
type RiskSummary = (String, String, u32, Vec<(String, String, String)>);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

fn events(files: &[&str]) -> Vec<Event> {
    let meta = EventMeta {
        sourcetype: Some("aws:cloudtrail".into()),
        source: Some("aws_cloudtrail".into()),
        ..EventMeta::default()
    };
    files
        .iter()
        .flat_map(|f| load_events(&corpus().join(f), &meta).expect("corpus file reads"))
        .collect()
}

const UPLOAD: &str = "aws_ecr_container_upload.json";
const SCAN: &str = "aws_ecr_scanning_findings_events.json";
const NOISE: &str = "cloudtrail_noise.json";

fn all_events() -> Vec<Event> {
    events(&[UPLOAD, SCAN, NOISE])
}

fn shipped(name: &str) -> Detection {
    Engine::builtin_detections()
        .into_iter()
        .find(|d| d.name == name)
        .expect("shipped detection")
}

fn seed001() -> Detection {
    Detection::load(&corpus().join("detections/seed001_aws_ecr_container_upload_unknown_user.yml"))
        .expect("seed 001 case loads")
}

fn engine() -> Engine {
    Engine::builtin().expect("built-in engine")
}

fn text(row: &Row, field: &str) -> String {
    row.get(field).to_strings().join("|")
}

/// The rows restricted to `cols`, as text.
fn table(rows: &[Row], cols: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| cols.iter().map(|c| text(r, c)).collect())
        .collect()
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// Readable text for snapshots: one `field: value` line per field, rows separated,
/// then the risk events.
fn render(out: &DetectionOutput) -> String {
    let mut s = String::new();
    for (i, r) in out.rows.iter().enumerate() {
        s.push_str(&format!("--- row {}\n", i + 1));
        for (k, v) in r.iter() {
            s.push_str(&format!("{k}: {}\n", v.to_strings().join(" | ")));
        }
    }
    for e in &out.risk_events {
        s.push_str(&format!(
            "--- risk: {} | {} ({}, {}) score {} | threats {:?} | {:?}\n",
            e.message,
            e.risk_object,
            e.risk_object_field,
            e.risk_object_type,
            e.risk_score,
            e.threat_objects,
            e.mitre_attack_ids
        ));
    }
    s
}

#[test]
fn unknown_user_rows_and_risk_events() {
    let det = shipped("AWS ECR Container Upload Unknown User");
    let out = engine().run_detection(&det, all_events()).unwrap();
    let cols = [
        "signature",
        "user",
        "user_agent",
        "src",
        "vendor_account",
        "vendor_region",
        "vendor_product",
        "image",
        "count",
        "firstTime",
        "lastTime",
    ];
    let expected = strings(&[
        &[
            "PutImage",
            "ci-ecr-push",
            "AWS Internal",
            "AWS Internal",
            ACCT,
            "us-east-1",
            "AWS CloudTrail",
            "orders-service",
            "1",
            "2026-03-11T21:30:00",
            "2026-03-11T21:30:00",
        ],
        &[
            "PutImage",
            "dev-bob",
            DOCKER25,
            "192.0.2.10",
            ACCT,
            "us-east-1",
            "AWS CloudTrail",
            "orders-service",
            "3",
            "2026-03-09T07:59:59",
            "2026-03-12T20:00:00",
        ],
        &[
            "PutImage",
            "mallory",
            DOCKER24,
            "203.0.113.45",
            ACCT,
            "us-east-1",
            "AWS CloudTrail",
            "payments-api",
            "2",
            "2026-03-14T03:47:29",
            "2026-03-14T04:10:02",
        ],
        &[
            "PutImage",
            "root",
            CLI_PUT,
            "198.51.100.7",
            ACCT,
            "eu-west-1",
            "AWS CloudTrail",
            "payments-api",
            "1",
            "2026-03-12T09:15:44",
            "2026-03-12T09:15:44",
        ],
    ]);
    assert_eq!(table(&out.rows, &cols), expected);

    let risk: Vec<RiskSummary> = out
        .risk_events
        .iter()
        .map(|e| {
            (
                e.message.clone(),
                e.risk_object.clone(),
                e.risk_score,
                e.threat_objects.clone(),
            )
        })
        .collect();
    let src = |v: &str| vec![("src".to_string(), "ip_address".to_string(), v.to_string())];
    assert_eq!(
        risk,
        vec![
            (
                "Container uploaded from unknown user ci-ecr-push".into(),
                "ci-ecr-push".into(),
                20,
                src("AWS Internal")
            ),
            (
                "Container uploaded from unknown user dev-bob".into(),
                "dev-bob".into(),
                20,
                src("192.0.2.10")
            ),
            (
                "Container uploaded from unknown user mallory".into(),
                "mallory".into(),
                20,
                src("203.0.113.45")
            ),
            (
                "Container uploaded from unknown user root".into(),
                "root".into(),
                20,
                src("198.51.100.7")
            ),
        ]
    );
    assert!(out
        .risk_events
        .iter()
        .all(|e| e.mitre_attack_ids == ["T1204.003"]
            && e.detection_id.as_deref() == Some("300688e4-365c-4486-a065-7c884462b31d")));
    insta::assert_snapshot!("unknown_user_rows", render(&out));
}

#[test]
fn outside_business_hours_rows() {
    let det = shipped("AWS ECR Container Upload Outside Business Hours");
    let out = engine().run_detection(&det, all_events()).unwrap();
    let cols = [
        "user",
        "user_agent",
        "src",
        "repository",
        "count",
        "firstTime",
        "lastTime",
    ];
    let expected = strings(&[
        &[
            "ci-ecr-push",
            "AWS Internal",
            "AWS Internal",
            "orders-service",
            "1",
            "2026-03-11T21:30:00",
            "2026-03-11T21:30:00",
        ],
        &[
            "dev-bob",
            DOCKER25,
            "192.0.2.10",
            "orders-service",
            "2",
            "2026-03-09T07:59:59",
            "2026-03-12T20:00:00",
        ],
        &[
            "mallory",
            DOCKER24,
            "203.0.113.45",
            "payments-api",
            "2",
            "2026-03-14T03:47:29",
            "2026-03-14T04:10:02",
        ],
        &[
            "user",
            "AWS Internal",
            "AWS Internal",
            "web-frontend",
            "2",
            "2026-03-13T23:05:00",
            "2026-03-15T13:12:40",
        ],
    ]);
    assert_eq!(table(&out.rows, &cols), expected);
    let messages: Vec<&str> = out.risk_events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages[3],
        "Container uploaded outside business hours from user"
    );
    assert!(out.risk_events.iter().all(|e| e.risk_score == 20));
    insta::assert_snapshot!("outside_business_hours_rows", render(&out));
}

#[test]
fn findings_high_rows() {
    let det = shipped("AWS ECR Container Scanning Findings High");
    let out = engine().run_detection(&det, all_events()).unwrap();
    let cols = [
        "signature",
        "dest",
        "user",
        "user_agent",
        "src",
        "vendor_account",
        "vendor_region",
        "vendor_product",
        "finding_name",
        "imageDigest",
        "repository",
        "count",
        "firstTime",
        "lastTime",
    ];
    let expected = strings(&[
        &[
            "DescribeImageScanFindings",
            "ecr.amazonaws.com",
            "alice",
            CLI_SCAN,
            "198.51.100.23",
            ACCT,
            "us-east-1",
            "AWS CloudTrail",
            "CVE-2023-44487",
            PAYMENTS_DIGEST,
            "payments-api",
            "2",
            "2026-03-12T10:05:31",
            "2026-03-12T15:22:09",
        ],
        &[
            "DescribeImageScanFindings",
            "ecr.amazonaws.com",
            "alice",
            CLI_SCAN,
            "198.51.100.23",
            ACCT,
            "us-east-1",
            "AWS CloudTrail",
            "CVE-2024-2961",
            PAYMENTS_DIGEST,
            "payments-api",
            "1",
            "2026-03-12T10:05:31",
            "2026-03-12T10:05:31",
        ],
    ]);
    assert_eq!(table(&out.rows, &cols), expected);
    assert_eq!(
        text(&out.rows[1], "finding_description"),
        "The iconv() function may overflow the output buffer by up to 4 bytes when converting strings to the ISO-2022-CN-EXT character set."
    );
    assert_eq!(out.risk_events.len(), 2);
    assert_eq!(
        out.risk_events[0].message,
        "Vulnerabilities with severity high found in repository payments-api"
    );
    assert_eq!(
        (
            out.risk_events[0].risk_object.as_str(),
            out.risk_events[0].risk_score
        ),
        ("alice", 50)
    );
    assert!(out.risk_events[0].threat_objects.is_empty());
    insta::assert_snapshot!("findings_high_rows", render(&out));
}

#[test]
fn new_container_tstats_rows() {
    let det = shipped("New container uploaded to AWS ECR");
    let out = engine().run_detection(&det, all_events()).unwrap();
    let user_arn = format!("arn:aws:iam::{ACCT}:user/user");
    let role_arn = format!("arn:aws:sts::{ACCT}:assumed-role/ci-ecr-push/codebuild-7f3a");
    let cols = [
        "image_id",
        "src_user",
        "src",
        "region",
        "msg",
        "user_type",
        "count",
        "firstTime",
        "lastTime",
    ];
    let expected = strings(&[
        &[
            "sha256:03777be6f7f77cc3fada9cbf1b9c190fcc3a2a35bb67e63350162ab73acd9129",
            &user_arn,
            "AWS Internal",
            "us-east-1",
            "success",
            "IAMUser",
            "1",
            "1773151331",
            "1773151331",
        ],
        &[
            "sha256:560d498065676f105f4769c27af3b365164aefb4f6245874ebb42bd2fec9cfe0",
            &user_arn,
            "AWS Internal",
            "us-east-1",
            "success",
            "IAMUser",
            "1",
            "1773580360",
            "1773580360",
        ],
        &[
            "sha256:6b4881557105b65ff4a8c2b87bf4802864c645b3f5392e7a649784c7d9894985",
            &user_arn,
            "AWS Internal",
            "us-east-1",
            "success",
            "IAMUser",
            "1",
            "1773443100",
            "1773443100",
        ],
        &[
            "sha256:af839a99d669ec06c701f93ede251afeba0ed4d7812b9fc58f38cc3f2917c171",
            &role_arn,
            "AWS Internal",
            "us-east-1",
            "success",
            "AssumedRole",
            "1",
            "1773264600",
            "1773264600",
        ],
        &[
            "web-frontend:v1.8.0",
            &user_arn,
            "AWS Internal",
            "us-east-1",
            "ImageAlreadyExistsException",
            "IAMUser",
            "1",
            "1773152405",
            "1773152405",
        ],
    ]);
    assert_eq!(table(&out.rows, &cols), expected);
    // `drop_dm_object_name("Compute")` removed the prefix.
    assert!(out
        .rows
        .iter()
        .all(|r| r.names().all(|n| !n.starts_with("Compute."))));
    assert!(out.risk_events.is_empty());
    insta::assert_snapshot!("new_container_rows", render(&out));
}

#[test]
fn seed001_older_search_rows() {
    let out = engine().run_detection(&seed001(), all_events()).unwrap();
    let cols = [
        "awsRegion",
        "eventName",
        "eventSource",
        "user",
        "userName",
        "src_ip",
        "imageTag",
        "registryId",
        "image",
        "phase",
        "severity",
        "firstTime",
        "lastTime",
    ];
    let row = |user: &str, ip: &str, tag: &str, image: &str, t: &str| -> Vec<String> {
        [
            "us-east-1",
            "PutImage",
            "ecr.amazonaws.com",
            user,
            user,
            ip,
            tag,
            ACCT,
            image,
            "release",
            "high",
            t,
            t,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    assert_eq!(
        table(&out.rows, &cols),
        vec![
            row(
                "ci-ecr-push",
                "AWS Internal",
                "build-1842",
                "orders-service",
                "2026-03-11T21:30:00"
            ),
            row(
                "dev-bob",
                "192.0.2.10",
                "build-1839",
                "orders-service",
                "2026-03-09T07:59:59"
            ),
            row(
                "dev-bob",
                "192.0.2.10",
                "build-1840",
                "orders-service",
                "2026-03-10T19:59:59"
            ),
            row(
                "dev-bob",
                "192.0.2.10",
                "build-1841",
                "orders-service",
                "2026-03-12T20:00:00"
            ),
            row(
                "mallory",
                "203.0.113.45",
                "latest",
                "payments-api",
                "2026-03-14T04:10:02"
            ),
            row(
                "mallory",
                "203.0.113.45",
                "v2.4.1",
                "payments-api",
                "2026-03-14T03:47:29"
            ),
        ]
    );
    assert_eq!(out.risk_events.len(), 6);
    insta::assert_snapshot!("seed001_rows", render(&out));
}

#[test]
fn noise_fires_nothing() {
    let engine = engine();
    for det in Engine::builtin_detections().into_iter().chain([seed001()]) {
        let out = engine.run_detection(&det, events(&[NOISE])).unwrap();
        assert!(
            out.rows.is_empty(),
            "{} fired on noise: {:#?}",
            det.name,
            out.rows
        );
    }
}

/// Issue 4: without the `aws:cloudtrail` profile the unknown-user detection returns no
/// rows (as in Splunk without the add-on); JSON extraction alone is not enough either.
#[test]
fn the_cloudtrail_profile_matters() {
    let det = shipped("AWS ECR Container Upload Unknown User");
    let mut e = engine();
    assert_eq!(
        e.run_detection(&det, events(&[UPLOAD])).unwrap().rows.len(),
        4
    );
    assert!(e.remove_profile("aws:cloudtrail"));
    assert!(e
        .run_detection(&det, events(&[UPLOAD]))
        .unwrap()
        .rows
        .is_empty());
    e.set_profile(Profile {
        sourcetype: "aws:cloudtrail".into(),
        kv_mode_json: true,
        ..Profile::default()
    });
    assert!(e
        .run_detection(&det, events(&[UPLOAD]))
        .unwrap()
        .rows
        .is_empty());
}

#[test]
fn test_runner_passes_on_shipped_and_fails_on_a_broken_copy() {
    let engine = engine();
    for det in Engine::builtin_detections() {
        for o in run_tests(&engine, &det, &corpus()) {
            assert!(o.passed, "{}: {:?}", det.name, o.reason);
            assert!(o.result_count > 0);
        }
    }
    let mut broken = shipped("AWS ECR Container Upload Unknown User");
    for t in &mut broken.tests {
        for ad in &mut t.attack_data {
            ad.data = ad.data.replace(UPLOAD, NOISE);
        }
    }
    let outcomes = run_tests(&engine, &broken, &corpus());
    assert!(!outcomes[0].passed);
    assert_eq!(
        outcomes[0].reason.as_deref(),
        Some("the search returned no results")
    );
}

/// Drilldowns are "ready to run": the first one narrows the detection to one user.
#[test]
fn drilldown_runs() {
    let det = shipped("AWS ECR Container Upload Unknown User");
    let engine = engine();
    let out = engine.run_detection(&det, events(&[UPLOAD])).unwrap();
    let mallory = out
        .rows
        .iter()
        .find(|r| text(r, "user") == "mallory")
        .unwrap();
    let dd = render_drilldowns(&det, mallory, &InfoTimes::default());
    assert!(dd[0].search.ends_with("| search  user = \"mallory\""));
    let rows = engine
        .compile_drilldown(&det, &dd[0].search)
        .unwrap()
        .run(events(&[UPLOAD]))
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(text(&rows[0], "count"), "2");
}

/// The profile's derived fields per PutImage event (CLOUDTRAIL.md §2, §5; the first table
/// of corpus/EXPECTED.md), in time order.
#[test]
fn profile_fields_per_push_event() {
    let search = "`cloudtrail` eventName=PutImage | sort _time \
        | table user_name userName user date_hour date_wday user_type msg errorCode \
          vendor product vendor_product object_category dest aws_account_id";
    let rows = engine()
        .compile(search)
        .unwrap()
        .run(events(&[UPLOAD]))
        .unwrap();
    let cols = [
        "user_name",
        "userName",
        "user",
        "date_hour",
        "date_wday",
        "user_type",
        "msg",
        "errorCode",
    ];
    let ok = "success";
    let exists = "ImageAlreadyExistsException";
    let expected = strings(&[
        &[
            "dev-bob", "dev-bob", "dev-bob", "7", "monday", "IAMUser", ok, ok,
        ],
        &["user", "user", "user", "14", "tuesday", "IAMUser", ok, ok],
        &[
            "user", "user", "user", "14", "tuesday", "IAMUser", exists, exists,
        ],
        &[
            "dev-bob", "dev-bob", "dev-bob", "19", "tuesday", "IAMUser", ok, ok,
        ],
        &[
            "ci-ecr-push",
            "ci-ecr-push",
            "ci-ecr-push",
            "21",
            "wednesday",
            "AssumedRole",
            ok,
            ok,
        ],
        &["root", "root", "", "9", "thursday", "Root", ok, ok],
        &[
            "dev-bob", "dev-bob", "dev-bob", "20", "thursday", "IAMUser", ok, ok,
        ],
        &["user", "user", "user", "23", "friday", "IAMUser", ok, ok],
        &[
            "mallory", "mallory", "mallory", "3", "saturday", "IAMUser", ok, ok,
        ],
        &[
            "mallory", "mallory", "mallory", "4", "saturday", "IAMUser", ok, ok,
        ],
        &["user", "user", "user", "13", "sunday", "IAMUser", ok, ok],
    ]);
    assert_eq!(table(&rows, &cols), expected);
    for r in &rows {
        assert_eq!(text(r, "vendor"), "Amazon Web Services");
        assert_eq!(text(r, "product"), "CloudTrail");
        assert_eq!(text(r, "vendor_product"), "AWS CloudTrail");
        assert_eq!(text(r, "object_category"), "container_image");
        assert_eq!(text(r, "aws_account_id"), ACCT);
        // §5: `dest` is null for ECR PutImage (a Put* call without a host).
        assert!(r.get("dest").is_null());
    }
}

/// The call-specific rules of CLOUDTRAIL.md §5 on the other events.
#[test]
fn profile_fields_on_other_calls() {
    let search = "`cloudtrail` | sort _time \
        | table eventName user_name userName user msg errorCode dest aws_account_id";
    let rows = engine()
        .compile(search)
        .unwrap()
        .run(events(&[UPLOAD, SCAN, NOISE]))
        .unwrap();
    let by_name = |n: &str| rows.iter().find(|r| text(r, "eventName") == n).unwrap();
    // IAM user management: the target user.
    let create = by_name("CreateUser");
    assert_eq!(text(create, "user_name"), "svc-backup2");
    assert_eq!(text(create, "user"), "svc-backup2");
    assert_eq!(text(create, "userName"), "mallory");
    // AssumeRole by a service: the assumed role; the recipient account.
    let assume = by_name("AssumeRole");
    assert_eq!(text(assume, "user"), "ci-ecr-push");
    assert_eq!(text(assume, "user_name"), "ci-ecr-push");
    assert_eq!(text(assume, "aws_account_id"), ACCT);
    // Console sign-in: errorCode from responseElements.ConsoleLogin; msg from the raw
    // errorCode (absent here).
    let login = by_name("ConsoleLogin");
    assert_eq!(text(login, "errorCode"), "failure");
    assert_eq!(text(login, "msg"), "success");
    // A Put* call with a host names it as dest; errors keep their code.
    let policy = by_name("PutBucketPolicy");
    assert_eq!(
        text(policy, "dest"),
        "acme-build-artifacts.s3.us-east-1.amazonaws.com"
    );
    assert_eq!(text(policy, "errorCode"), "AccessDenied");
    assert_eq!(text(policy, "msg"), "AccessDenied");
    // No call-specific rule: eventSource.
    assert_eq!(
        text(by_name("DescribeImageScanFindings"), "dest"),
        "ecr.amazonaws.com"
    );
    // `*Instances` calls coalesce the session issuer into `user` (CLOUDTRAIL.md §5)...
    assert_eq!(text(by_name("DescribeInstances"), "user"), "ops-readonly");
    // ...while the default `user` is only 'userIdentity.userName': null for an assumed
    // role, whose `user_name` still names the issuer.
    assert!(by_name("ListImages").get("user").is_null());
    assert_eq!(
        text(by_name("ListImages"), "user_name"),
        "ecr-scan-reporter"
    );
}

/// CLOUDTRAIL.md §1: a gzip `{"Records":[...]}` delivery file gives one event per record
/// with `_raw` = its compact JSON: the same as the JSON-lines copy of those events.
#[test]
fn delivery_format_gives_the_same_events() {
    let raws = |evs: Vec<Event>| -> Vec<String> {
        evs.into_iter()
            .map(|e| match e {
                Event::Raw { raw, .. } => raw,
                Event::Fields { row, .. } => row.raw().unwrap_or_default().to_string(),
            })
            .collect()
    };
    assert_eq!(
        raws(events(&["cloudtrail_noise_delivery.json.gz"])),
        raws(events(&[NOISE]))
    );
}
