//! A deterministic generator of synthetic AWS CloudTrail records, for benchmarks and
//! large-input tests (issue 6). The same seed gives the same bytes on every machine.
//!
//! The mix models a real organisation's trail: about 40 services and 150 API calls with
//! skewed frequencies, every `userIdentity` type, record sizes from a few hundred bytes
//! to tens of kilobytes (large `Describe*` responses), about 0.5% ECR `PutImage` and 0.2%
//! `DescribeImageScanFindings` with up to dozens of findings (CLOUDTRAIL.md §6).

use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    pub seed: u64,
    /// Number of records.
    pub records: u64,
    /// `eventTime` of the first record, epoch seconds.
    pub start: i64,
    /// Mean seconds between records.
    pub interval: f64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 42,
            records: 10_000,
            start: 1_700_000_000,
            interval: 0.5,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratorStats {
    pub records: u64,
    pub bytes: u64,
    pub put_image: u64,
    pub scan_findings: u64,
}

/// SplitMix64: tiny, fast and good enough for synthetic data; no dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn hex(&mut self, len: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..len)
            .map(|_| HEX[self.below(16) as usize] as char)
            .collect()
    }
    fn upper_alnum(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| CHARS[self.below(32) as usize] as char)
            .collect()
    }
    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }
}

/// (eventSource prefix, weight, API calls). Weights approximate a busy trail where reads
/// dominate; ECR is handled separately to hit its target shares exactly in expectation.
const SERVICES: &[(&str, u32, &[&str])] = &[
    (
        "ec2",
        200,
        &[
            "DescribeInstances",
            "DescribeSecurityGroups",
            "DescribeVolumes",
            "RunInstances",
            "TerminateInstances",
            "StartInstances",
            "StopInstances",
            "CreateTags",
            "DescribeSubnets",
            "DescribeVpcs",
            "AuthorizeSecurityGroupIngress",
            "CreateVolume",
            "AttachVolume",
            "DescribeImages",
            "DescribeNetworkInterfaces",
        ],
    ),
    (
        "s3",
        180,
        &[
            "GetObject",
            "PutObject",
            "ListBuckets",
            "GetBucketAcl",
            "GetBucketPolicy",
            "PutBucketPolicy",
            "CreateBucket",
            "DeleteObject",
            "GetBucketLocation",
            "HeadBucket",
        ],
    ),
    (
        "sts",
        150,
        &[
            "AssumeRole",
            "GetCallerIdentity",
            "AssumeRoleWithWebIdentity",
            "GetSessionToken",
            "AssumeRoleWithSAML",
        ],
    ),
    (
        "iam",
        60,
        &[
            "ListRoles",
            "GetRole",
            "ListUsers",
            "CreateUser",
            "DeleteUser",
            "CreateAccessKey",
            "AttachRolePolicy",
            "PutRolePolicy",
            "GetPolicy",
            "ListAttachedRolePolicies",
            "CreateLoginProfile",
            "UpdateUser",
        ],
    ),
    (
        "kms",
        90,
        &[
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "DescribeKey",
            "ListAliases",
        ],
    ),
    (
        "lambda",
        50,
        &[
            "Invoke",
            "ListFunctions20150331",
            "GetFunction20150331v2",
            "UpdateFunctionCode20150331v2",
            "CreateFunction20150331",
        ],
    ),
    (
        "logs",
        70,
        &[
            "CreateLogStream",
            "DescribeLogGroups",
            "PutRetentionPolicy",
            "DescribeLogStreams",
            "FilterLogEvents",
        ],
    ),
    (
        "cloudwatch",
        40,
        &[
            "DescribeAlarms",
            "PutMetricAlarm",
            "GetMetricData",
            "ListMetrics",
        ],
    ),
    (
        "dynamodb",
        40,
        &["DescribeTable", "ListTables", "CreateTable", "UpdateTable"],
    ),
    (
        "rds",
        25,
        &[
            "DescribeDBInstances",
            "DescribeDBClusters",
            "CreateDBSnapshot",
            "ModifyDBInstance",
        ],
    ),
    (
        "autoscaling",
        20,
        &[
            "DescribeAutoScalingGroups",
            "UpdateAutoScalingGroup",
            "DescribeScalingActivities",
        ],
    ),
    (
        "elasticloadbalancing",
        20,
        &[
            "DescribeLoadBalancers",
            "DescribeTargetHealth",
            "RegisterTargets",
        ],
    ),
    (
        "cloudformation",
        15,
        &[
            "DescribeStacks",
            "ListStacks",
            "CreateStack",
            "UpdateStack",
            "DescribeStackEvents",
        ],
    ),
    (
        "ssm",
        35,
        &[
            "GetParameter",
            "GetParameters",
            "DescribeInstanceInformation",
            "SendCommand",
            "UpdateInstanceInformation",
        ],
    ),
    (
        "secretsmanager",
        20,
        &["GetSecretValue", "DescribeSecret", "ListSecrets"],
    ),
    ("sns", 12, &["Publish", "ListTopics", "Subscribe"]),
    (
        "sqs",
        12,
        &["ReceiveMessage", "ListQueues", "GetQueueAttributes"],
    ),
    (
        "route53",
        8,
        &[
            "ListHostedZones",
            "ChangeResourceRecordSets",
            "ListResourceRecordSets",
        ],
    ),
    (
        "cloudtrail",
        6,
        &[
            "DescribeTrails",
            "LookupEvents",
            "GetTrailStatus",
            "StopLogging",
        ],
    ),
    (
        "config",
        8,
        &[
            "PutEvaluations",
            "DescribeConfigRules",
            "GetComplianceDetailsByConfigRule",
        ],
    ),
    (
        "guardduty",
        6,
        &["ListDetectors", "GetFindings", "ListFindings"],
    ),
    ("securityhub", 5, &["BatchImportFindings", "GetFindings"]),
    (
        "organizations",
        4,
        &["DescribeOrganization", "ListAccounts"],
    ),
    ("signin", 6, &["ConsoleLogin", "SwitchRole"]),
    (
        "ecs",
        15,
        &[
            "DescribeServices",
            "ListTasks",
            "DescribeTasks",
            "RunTask",
            "UpdateService",
        ],
    ),
    (
        "eks",
        8,
        &["DescribeCluster", "ListClusters", "ListNodegroups"],
    ),
    (
        "elasticache",
        4,
        &["DescribeCacheClusters", "DescribeReplicationGroups"],
    ),
    (
        "es",
        3,
        &["DescribeElasticsearchDomains", "ListDomainNames"],
    ),
    ("glue", 6, &["GetTables", "GetDatabases", "StartJobRun"]),
    (
        "athena",
        5,
        &[
            "StartQueryExecution",
            "GetQueryExecution",
            "GetQueryResults",
        ],
    ),
    (
        "kinesis",
        5,
        &["DescribeStream", "ListStreams", "PutRecord"],
    ),
    (
        "firehose",
        3,
        &["DescribeDeliveryStream", "ListDeliveryStreams"],
    ),
    (
        "apigateway",
        5,
        &["GetRestApis", "GetStages", "CreateDeployment"],
    ),
    ("cloudfront", 3, &["ListDistributions", "GetDistribution"]),
    ("acm", 3, &["ListCertificates", "DescribeCertificate"]),
    ("waf", 2, &["ListWebACLs", "GetWebACL"]),
    ("backup", 3, &["ListBackupJobs", "StartBackupJob"]),
    (
        "ecr",
        10,
        &[
            "GetAuthorizationToken",
            "BatchGetImage",
            "GetDownloadUrlForLayer",
            "DescribeRepositories",
            "ListImages",
            "BatchCheckLayerAvailability",
            "InitiateLayerUpload",
            "CompleteLayerUpload",
            "DescribeImages",
        ],
    ),
    ("servicecatalog", 2, &["SearchProducts", "DescribeProduct"]),
    ("health", 2, &["DescribeEvents", "DescribeEventAggregates"]),
];

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "us-west-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];
const ACCOUNTS: &[&str] = &[
    "111111111111",
    "222222222222",
    "123456789012",
    "444455556666",
];
const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "deploy-bot",
    "ci-runner",
    "mallory",
    "svc-backup",
    "dave.ops",
    "erin",
    "frank",
];
const ROLES: &[&str] = &[
    "AdminRole",
    "ReadOnly",
    "EKSNodeRole",
    "LambdaExecution",
    "GitHubActionsDeploy",
    "OrganizationAccountAccessRole",
    "SecurityAudit",
];
const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.ls",
    "Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.64",
    "aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.1",
    "console.amazonaws.com",
    "AWS Internal",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "terraform-provider-aws/5.40.0 (+https://registry.terraform.io) aws-sdk-go-v2/1.25.3",
    "aws-internal/3 aws-sdk-java/1.12.672 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402",
];
const SERVICE_PRINCIPALS: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "autoscaling.amazonaws.com",
    "config.amazonaws.com",
    "cloudformation.amazonaws.com",
    "ecs-tasks.amazonaws.com",
];
const REPOSITORIES: &[&str] = &[
    "web-frontend",
    "payments-api",
    "batch/etl-worker",
    "base-images/python",
    "internal/auth-service",
    "ml/inference",
];
const SEVERITIES: &[&str] = &[
    "CRITICAL",
    "HIGH",
    "HIGH",
    "MEDIUM",
    "MEDIUM",
    "MEDIUM",
    "LOW",
    "LOW",
    "INFORMATIONAL",
    "UNDEFINED",
];
const PACKAGES: &[&str] = &[
    "openssl",
    "glibc",
    "zlib",
    "curl",
    "libxml2",
    "expat",
    "sqlite",
    "busybox",
    "ncurses",
    "perl",
    "python3.11",
    "libssh2",
];

struct Gen {
    rng: Rng,
    total_weight: u32,
}

impl Gen {
    fn identity(&mut self, account: &str, kind: u64) -> (Value, String) {
        let key = format!("AKIA{}", self.rng.upper_alnum(16));
        let principal = format!("AIDA{}", self.rng.upper_alnum(17));
        match kind {
            // IAMUser is the most common in small accounts; AssumedRole in large ones.
            0..=39 => {
                let user = self.rng.pick(USERS).to_string();
                let id = json!({
                    "type": "IAMUser",
                    "principalId": principal,
                    "arn": format!("arn:aws:iam::{account}:user/{user}"),
                    "accountId": account,
                    "accessKeyId": key,
                    "userName": user,
                });
                (id, "IAMUser".into())
            }
            40..=84 => {
                let role = self.rng.pick(ROLES).to_string();
                let session = format!("{}-{}", self.rng.pick(USERS), self.rng.below(100_000));
                let id = json!({
                    "type": "AssumedRole",
                    "principalId": format!("AROA{}:{session}", self.rng.upper_alnum(17)),
                    "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                    "accountId": account,
                    "accessKeyId": format!("ASIA{}", self.rng.upper_alnum(16)),
                    "sessionContext": {
                        "sessionIssuer": {
                            "type": "Role",
                            "principalId": format!("AROA{}", self.rng.upper_alnum(17)),
                            "arn": format!("arn:aws:iam::{account}:role/{role}"),
                            "accountId": account,
                            "userName": role,
                        },
                        "webIdFederationData": {},
                        "attributes": {
                            "creationDate": "2023-11-14T21:40:02Z",
                            "mfaAuthenticated": if self.rng.below(4) == 0 { "true" } else { "false" },
                        },
                    },
                });
                (id, "AssumedRole".into())
            }
            85..=87 => (
                json!({
                    "type": "Root",
                    "principalId": account,
                    "arn": format!("arn:aws:iam::{account}:root"),
                    "accountId": account,
                    "accessKeyId": key,
                }),
                "Root".into(),
            ),
            88..=96 => (
                json!({"type": "AWSService", "invokedBy": *self.rng.pick(SERVICE_PRINCIPALS)}),
                "AWSService".into(),
            ),
            _ => (
                json!({
                    "type": "AWSAccount",
                    "principalId": format!("AIDA{}", self.rng.upper_alnum(17)),
                    "accountId": *self.rng.pick(ACCOUNTS),
                }),
                "AWSAccount".into(),
            ),
        }
    }

    fn source_ip(&mut self, kind: &str) -> String {
        if kind == "AWSService" {
            return self.rng.pick(SERVICE_PRINCIPALS).to_string();
        }
        match self.rng.below(10) {
            0 => "AWS Internal".into(),
            1..=3 => format!(
                "10.{}.{}.{}",
                self.rng.below(256),
                self.rng.below(256),
                1 + self.rng.below(254)
            ),
            _ => format!(
                "{}.{}.{}.{}",
                3 + self.rng.below(200),
                self.rng.below(256),
                self.rng.below(256),
                1 + self.rng.below(254)
            ),
        }
    }

    /// A request/response body; a few calls carry large responses.
    fn bodies(&mut self, name: &str, region: &str, account: &str) -> (Value, Value) {
        match name {
            "DescribeInstances" => {
                let max = if self.rng.below(10) == 0 { 60 } else { 4 };
                let n = 1 + self.rng.below(max);
                let items: Vec<Value> = (0..n)
                    .map(|_| {
                        json!({
                            "instanceId": format!("i-{}", self.rng.hex(17)),
                            "imageId": format!("ami-{}", self.rng.hex(17)),
                            "instanceState": {"code": 16, "name": "running"},
                            "privateDnsName": format!("ip-10-0-{}-{}.{region}.compute.internal", self.rng.below(256), self.rng.below(256)),
                            "instanceType": *self.rng.pick(&["t3.micro", "m5.large", "c6i.xlarge", "r6g.2xlarge"]),
                            "placement": {"availabilityZone": format!("{region}a"), "tenancy": "default"},
                            "subnetId": format!("subnet-{}", self.rng.hex(17)),
                            "vpcId": format!("vpc-{}", self.rng.hex(17)),
                            "tagSet": {"items": [{"key": "Name", "value": format!("node-{}", self.rng.below(1000))}, {"key": "team", "value": *self.rng.pick(USERS)}]},
                        })
                    })
                    .collect();
                (
                    json!({"instancesSet": {}, "filterSet": {}}),
                    json!({"requestId": self.rng.uuid(), "reservationSet": {"items": [{"reservationId": format!("r-{}", self.rng.hex(17)), "ownerId": account, "instancesSet": {"items": items}}]}}),
                )
            }
            "GetObject" | "PutObject" | "DeleteObject" => (
                json!({"bucketName": format!("{}-data-{}", self.rng.pick(USERS), account), "Host": format!("s3.{region}.amazonaws.com"), "key": format!("exports/{}/{}.parquet", self.rng.below(365), self.rng.hex(12))}),
                Value::Null,
            ),
            "AssumeRole" => {
                let role = self.rng.pick(ROLES).to_string();
                (
                    json!({"roleArn": format!("arn:aws:iam::{account}:role/{role}"), "roleSessionName": format!("session-{}", self.rng.below(100_000)), "durationSeconds": 3600}),
                    json!({"credentials": {"accessKeyId": format!("ASIA{}", self.rng.upper_alnum(16)), "sessionToken": self.rng.hex(300), "expiration": "Nov 14, 2023, 11:13:20 PM"}, "assumedRoleUser": {"assumedRoleId": format!("AROA{}:session", self.rng.upper_alnum(17)), "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/session")}}),
                )
            }
            "ConsoleLogin" => (
                Value::Null,
                json!({"ConsoleLogin": if self.rng.below(8) == 0 { "Failure" } else { "Success" }}),
            ),
            "CreateUser" | "DeleteUser" | "CreateAccessKey" | "CreateLoginProfile"
            | "UpdateUser" => (
                json!({"userName": format!("{}-{}", self.rng.pick(USERS), self.rng.below(100))}),
                json!({"user": {"path": "/", "userId": format!("AIDA{}", self.rng.upper_alnum(17))}}),
            ),
            _ => {
                let extra = 2 + self.rng.below(8);
                let mut req = Map::new();
                for i in 0..extra {
                    req.insert(
                        format!("param{i}"),
                        Value::String(self.rng.hex(8 + (i as usize) * 6)),
                    );
                }
                let resp = if self.rng.below(3) == 0 {
                    json!({"requestId": self.rng.uuid(), "nextToken": self.rng.hex(96)})
                } else {
                    Value::Null
                };
                (Value::Object(req), resp)
            }
        }
    }

    fn finding(&mut self) -> Value {
        let pkg = self.rng.pick(PACKAGES).to_string();
        let cve = format!(
            "CVE-20{}-{}",
            18 + self.rng.below(7),
            1000 + self.rng.below(40000)
        );
        json!({
            "name": cve,
            "description": format!("A flaw was found in {pkg} that may allow a remote attacker to cause a denial of service or execute code via crafted input."),
            "uri": format!("https://security-tracker.debian.org/tracker/{cve}"),
            "severity": *self.rng.pick(SEVERITIES),
            "attributes": [
                {"key": "package_version", "value": format!("{}.{}.{}-{}", self.rng.below(4), self.rng.below(20), self.rng.below(30), self.rng.below(5))},
                {"key": "package_name", "value": pkg},
                {"key": "CVSS2_VECTOR", "value": "AV:N/AC:M/Au:N/C:P/I:P/A:P"},
                {"key": "CVSS2_SCORE", "value": format!("{}.{}", 4 + self.rng.below(6), self.rng.below(10))},
            ],
        })
    }

    fn record(&mut self, seq: u64, time: i64) -> (Value, u8) {
        let account = self.rng.pick(ACCOUNTS).to_string();
        let region = self.rng.pick(REGIONS).to_string();
        let roll = self.rng.below(1000);
        // 5 in 1000 PutImage, 2 in 1000 DescribeImageScanFindings (issue 6's mix).
        let (source, name, special) = if roll < 5 {
            ("ecr".to_string(), "PutImage".to_string(), 1u8)
        } else if roll < 7 {
            (
                "ecr".to_string(),
                "DescribeImageScanFindings".to_string(),
                2u8,
            )
        } else {
            let mut w = self.rng.below(self.total_weight as u64) as u32;
            let mut chosen = &SERVICES[0];
            for s in SERVICES {
                if w < s.1 {
                    chosen = s;
                    break;
                }
                w -= s.1;
            }
            (
                chosen.0.to_string(),
                self.rng.pick(chosen.2).to_string(),
                0u8,
            )
        };
        let kind_roll = self.rng.below(100);
        let (identity, kind) = self.identity(&account, kind_roll);
        let ip = if special == 1 && self.rng.below(2) == 0 {
            "AWS Internal".to_string()
        } else {
            self.source_ip(&kind)
        };
        let agent = if special == 1 && ip == "AWS Internal" {
            "AWS Internal".to_string()
        } else {
            self.rng.pick(AGENTS).to_string()
        };
        let (req, resp) = match special {
            1 => {
                let repo = self.rng.pick(REPOSITORIES).to_string();
                let tag = format!(
                    "v{}.{}.{}",
                    self.rng.below(5),
                    self.rng.below(30),
                    self.rng.below(50)
                );
                let digest = format!("sha256:{}", self.rng.hex(64));
                let manifest = format!(
                    "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":{},\"digest\":\"sha256:{}\"}},\"layers\":[{{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":{},\"digest\":\"sha256:{}\"}}]}}",
                    1000 + self.rng.below(9000),
                    self.rng.hex(64),
                    100_000 + self.rng.below(9_000_000),
                    self.rng.hex(64)
                );
                (
                    json!({"registryId": account, "repositoryName": repo, "imageTag": tag, "imageManifest": manifest, "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}),
                    json!({"image": {"registryId": account, "repositoryName": repo, "imageId": {"imageDigest": digest, "imageTag": tag}, "imageManifest": manifest, "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}}),
                )
            }
            2 => {
                let repo = self.rng.pick(REPOSITORIES).to_string();
                let digest = format!("sha256:{}", self.rng.hex(64));
                let max = if self.rng.below(5) == 0 { 80 } else { 12 };
                let n = self.rng.below(max);
                let findings: Vec<Value> = (0..n).map(|_| self.finding()).collect();
                let mut counts = Map::new();
                for f in &findings {
                    let sev = f["severity"].as_str().unwrap_or("UNDEFINED").to_string();
                    let c = counts.get(&sev).and_then(Value::as_u64).unwrap_or(0);
                    counts.insert(sev, json!(c + 1));
                }
                (
                    json!({"repositoryName": repo, "imageId": {"imageDigest": digest}, "maxResults": 1000}),
                    json!({"registryId": account, "repositoryName": repo, "imageId": {"imageDigest": digest}, "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."}, "imageScanFindings": {"imageScanCompletedAt": "Nov 14, 2023, 10:10:01 PM", "vulnerabilitySourceUpdatedAt": "Nov 14, 2023, 3:42:18 AM", "findingSeverityCounts": counts, "findings": findings}}),
                )
            }
            _ => self.bodies(&name, &region, &account),
        };
        let error = if special == 0 && self.rng.below(40) == 0 {
            Some(*self.rng.pick(&[
                "AccessDenied",
                "ThrottlingException",
                "NoSuchEntityException",
                "Client.UnauthorizedOperation",
            ]))
        } else {
            None
        };
        let mut rec = Map::new();
        rec.insert("eventVersion".into(), json!("1.08"));
        rec.insert("userIdentity".into(), identity);
        rec.insert("eventTime".into(), json!(format_time(time)));
        rec.insert(
            "eventSource".into(),
            json!(format!("{source}.amazonaws.com")),
        );
        rec.insert("eventName".into(), json!(name));
        rec.insert("awsRegion".into(), json!(region));
        rec.insert("sourceIPAddress".into(), json!(ip));
        rec.insert("userAgent".into(), json!(agent));
        if let Some(code) = error {
            rec.insert("errorCode".into(), json!(code));
            rec.insert(
                "errorMessage".into(),
                json!(format!(
                    "User is not authorized to perform: {source}:{name}"
                )),
            );
        }
        rec.insert("requestParameters".into(), req);
        rec.insert("responseElements".into(), resp);
        rec.insert("requestID".into(), json!(self.rng.uuid()));
        rec.insert("eventID".into(), json!(self.rng.uuid()));
        rec.insert(
            "readOnly".into(),
            json!(
                name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List")
            ),
        );
        if special == 1 {
            rec.insert("resources".into(), json!([{"ARN": format!("arn:aws:ecr:{region}:{account}:repository/{}", rec["requestParameters"]["repositoryName"].as_str().unwrap_or("repo")), "accountId": account}]));
        }
        rec.insert(
            "eventType".into(),
            json!(if name == "ConsoleLogin" {
                "AwsConsoleSignIn"
            } else {
                "AwsApiCall"
            }),
        );
        rec.insert("managementEvent".into(), json!(true));
        rec.insert("recipientAccountId".into(), json!(account));
        rec.insert("eventCategory".into(), json!("Management"));
        if kind != "AWSService" {
            rec.insert(
                "tlsDetails".into(),
                json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": format!("{source}.{region}.amazonaws.com")}),
            );
            rec.insert(
                "sessionCredentialFromConsole".into(),
                json!(agent == "console.amazonaws.com"),
            );
        }
        let _ = seq;
        (Value::Object(rec), special)
    }
}

/// `2023-11-14T22:13:20Z` without a date library: days-from-civil, inverted.
fn format_time(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Write `config.records` CloudTrail records as JSON lines.
pub fn generate(config: &GeneratorConfig, out: &mut dyn Write) -> io::Result<GeneratorStats> {
    let mut g = Gen {
        rng: Rng(config.seed),
        total_weight: SERVICES.iter().map(|s| s.1).sum(),
    };
    let mut stats = GeneratorStats::default();
    let mut t = config.start as f64;
    let mut line = Vec::with_capacity(4096);
    for seq in 0..config.records {
        t += g.rng.unit() * 2.0 * config.interval;
        let (rec, special) = g.record(seq, t as i64);
        line.clear();
        serde_json::to_writer(&mut line, &rec)?;
        line.push(b'\n');
        out.write_all(&line)?;
        stats.records += 1;
        stats.bytes += line.len() as u64;
        match special {
            1 => stats.put_image += 1,
            2 => stats.scan_findings += 1,
            _ => {}
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let cfg = GeneratorConfig {
            records: 3000,
            ..Default::default()
        };
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = generate(&cfg, &mut a).unwrap();
        let sb = generate(&cfg, &mut b).unwrap();
        assert_eq!(a, b, "same seed, same bytes");
        assert_eq!(sa, sb);
        assert_eq!(sa.records, 3000);
        assert_eq!(sa.bytes as usize, a.len());
        let mut max_len = 0;
        for line in a.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            let v: Value = serde_json::from_slice(line).expect("every line is JSON");
            assert!(v["eventTime"].as_str().unwrap().ends_with('Z'));
            max_len = max_len.max(line.len());
        }
        // The mix includes large records (tens of kilobytes) and the ECR calls.
        assert!(max_len > 10_000, "largest record {max_len} bytes");
        assert!(sa.put_image > 5 && sa.scan_findings > 1, "{sa:?}");
    }

    #[test]
    fn time_format() {
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }
}
