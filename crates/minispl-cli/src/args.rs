//! Command-line arguments (issue 5): subcommands and their options.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "minispl",
    version,
    about = "Run Splunk SPL searches and ESCU detections over JSON events (CloudTrail and others)",
    after_help = "Examples:\n  \
        minispl search 'eventName=PutImage | stats count by userName' cloudtrail.json.gz\n  \
        minispl detect corpus/\n  \
        minispl test\n  \
        minispl parse '`cloudtrail` eventName=PutImage | stats count'\n\n\
        Exit status: 0 success; 1 unreadable input, failed run or failed tests; 2 bad search."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an ad-hoc search over events
    #[command(after_help = "Examples:\n  \
        minispl search 'eventSource=ecr.amazonaws.com | stats count by eventName' logs/\n  \
        zcat trail.json.gz | minispl search '`cloudtrail` | table _time eventName' -\n  \
        minispl search --earliest -24h@h --now 2024-05-01T12:00:00Z 'eventName=PutImage' a.json\n  \
        minispl search --input fields 'a=1' cases.jsonl")]
    Search(SearchArgs),
    /// Run the built-in detections (or the given ones) over events
    #[command(after_help = "Examples:\n  \
        minispl detect corpus/\n  \
        minispl detect --rule 'AWS ECR Container Upload Unknown User' --risk trail.json.gz\n  \
        minispl detect --rule my_detection.yml --output json logs/ > findings.jsonl")]
    Detect(DetectArgs),
    /// Run the detections' unit tests (tests[].attack_data); exit 1 unless all pass
    #[command(after_help = "Examples:\n  \
        minispl test\n  \
        minispl test detections/aws_ecr_container_upload_unknown_user.yml --data corpus/")]
    Test(TestArgs),
    /// Print the macro-expanded search and its syntax tree, or the diagnostic
    #[command(after_help = "Examples:\n  \
        minispl parse 'eventName=PutImage | stats count by userName'\n  \
        minispl parse --json '`cloudtrail` | rename a.* AS *'\n  \
        minispl parse --rule aws_ecr_container_upload_unknown_user.yml")]
    Parse(ParseArgs),
    /// List the detections built in (and loaded with --rule)
    #[command(after_help = "Examples:\n  \
        minispl rules\n  \
        minispl rules --rule my_detection.yml --output csv")]
    Rules(RulesArgs),
    /// List the macros built in (and loaded with --macros)
    #[command(after_help = "Examples:\n  \
        minispl macros\n  \
        minispl macros --macros ../shared/upstream/macros --output json")]
    Macros(MacrosArgs),
}

/// Knowledge objects and the run environment.
#[derive(Debug, Args, Clone, Default)]
pub struct EngineOpts {
    /// Add or override macros: a macros.conf file or a directory of macro YAML (repeatable)
    #[arg(long = "macros", value_name = "PATH")]
    pub macros: Vec<PathBuf>,
    /// Add or replace sourcetype profiles: a props-format file such as the built-in
    /// aws_cloudtrail.conf (aliases, calculated fields, lookups, tags) (repeatable)
    #[arg(long = "props", value_name = "PATH")]
    pub props: Vec<PathBuf>,
    /// Add or replace data models for tstats: a definition file such as the built-in
    /// Cloud_Infrastructure.conf, or a directory of *.conf ones (repeatable)
    #[arg(long = "datamodel", value_name = "PATH")]
    pub datamodels: Vec<PathBuf>,
    /// Directory of CSV lookup tables, used by file name
    #[arg(long, value_name = "DIR")]
    pub lookups: Option<PathBuf>,
    /// Time zone for rendering and parsing times (IANA name)
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
    /// Fix now() for reproducible runs: epoch seconds or ISO-8601
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Turn off every performance mechanism (prefilter, field pruning, one pass for
    /// several detections, parallel reading); results are identical, only slower. Also
    /// set by the environment variable MINISPL_NO_OPTIMIZE=1
    #[arg(long)]
    pub no_optimize: bool,
    /// Most distinct BY groups one stats/eventstats/streamstats/tstats may hold; more is an
    /// error (bounds memory on high-cardinality fields; docs/LIMITS.md) [default: 1000000]
    #[arg(long, value_name = "N", value_parser = positive)]
    pub max_groups: Option<usize>,
    /// Most bytes mvexpand may produce from one result; more is an error (docs/LIMITS.md)
    /// [default: 524288000]
    #[arg(long, value_name = "BYTES", value_parser = positive)]
    pub max_mvexpand_bytes: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum InputKind {
    /// Raw records: each line or array element is an event's _raw
    #[default]
    Raw,
    /// Field maps: each JSON object is an event's field set
    Fields,
}

/// Where events come from and how they are read.
#[derive(Debug, Args, Clone, Default)]
pub struct InputOpts {
    /// Sourcetype of the events [default: aws:cloudtrail for raw input, none for fields]
    #[arg(long, value_name = "ST")]
    pub sourcetype: Option<String>,
    /// The `source` default field of the events
    #[arg(long, value_name = "S")]
    pub source: Option<String>,
    /// Input records: raw events or field maps
    #[arg(long = "input", value_enum, default_value_t = InputKind::Raw)]
    pub input: InputKind,
    /// Only events at or after this time: epoch, ISO-8601 or relative (-24h@h). Compared with
    /// a field map's _time or a raw record's CloudTrail eventTime; events without one are
    /// left out when a bound is given
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub earliest: Option<String>,
    /// Only events before this time: epoch, ISO-8601 or relative (now, -1h)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub latest: Option<String>,
    /// A malformed record or unreadable file is fatal instead of skipped and counted
    #[arg(long)]
    pub strict: bool,
    /// Longest input line (JSON-lines record) read; a longer one is reported and skipped
    /// (docs/LIMITS.md) [default: 67108864]
    #[arg(long, value_name = "BYTES", value_parser = positive)]
    pub max_line_bytes: Option<usize>,
    /// No progress bar and no summary on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns
    Table,
    /// One JSON object per line, values as strings (multivalue: array of strings)
    Json,
    /// CSV with a header; multivalue values newline-joined
    Csv,
}

#[derive(Debug, Args, Clone, Default)]
pub struct OutputOpts {
    /// Output format [default: table on a terminal, json otherwise]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The search, e.g. 'eventName=PutImage | stats count by userName'
    pub spl: String,
    /// Input files or directories; none or `-` reads stdin
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub engine: EngineOpts,
    #[command(flatten)]
    pub input: InputOpts,
    #[command(flatten)]
    pub output: OutputOpts,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// A built-in detection name or a detection YAML file (repeatable; default: all built-in)
    #[arg(long = "rule", value_name = "NAME|FILE.yml")]
    pub rules: Vec<String>,
    /// Also print the risk events of each detection
    #[arg(long)]
    pub risk: bool,
    /// Input files or directories; none or `-` reads stdin
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub engine: EngineOpts,
    #[command(flatten)]
    pub input: InputOpts,
    #[command(flatten)]
    pub output: OutputOpts,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Detection YAML files (default: the built-in detections)
    #[arg(value_name = "DETECTION.yml")]
    pub detections: Vec<PathBuf>,
    /// Directory where the tests' attack_data files are found (by file name)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineOpts,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The search to parse (or use --rule)
    #[arg(required_unless_present = "rule", conflicts_with = "rule")]
    pub spl: Option<String>,
    /// Parse a detection's search, with its filter macro generated as upstream does
    #[arg(long, value_name = "FILE.yml|NAME")]
    pub rule: Option<String>,
    /// Print the syntax tree as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineOpts,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Also list these detection YAML files (repeatable)
    #[arg(long = "rule", value_name = "FILE.yml")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputOpts,
}

#[derive(Debug, Args)]
pub struct MacrosArgs {
    #[command(flatten)]
    pub engine: EngineOpts,
    #[command(flatten)]
    pub output: OutputOpts,
}

/// A count that must be at least 1 (0 would mean "the default" to the reader, which
/// surprises on the command line).
fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_argument_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn common_options_parse_on_search() {
        let cli = Cli::try_parse_from([
            "minispl",
            "search",
            "--input",
            "fields",
            "--earliest",
            "-24h@h",
            "--macros",
            "a.conf",
            "--macros",
            "dir",
            "--output",
            "csv",
            "x=1",
            "a.json",
            "-",
        ])
        .expect("valid arguments");
        let Command::Search(a) = cli.command else {
            panic!("expected search");
        };
        assert_eq!(a.spl, "x=1");
        assert_eq!(a.files, vec![PathBuf::from("a.json"), PathBuf::from("-")]);
        assert_eq!(a.input.input, InputKind::Fields);
        assert_eq!(a.input.earliest.as_deref(), Some("-24h@h"));
        assert_eq!(a.engine.macros.len(), 2);
        assert_eq!(a.output.output, Some(OutputFormat::Csv));
        assert_eq!(a.engine.tz, "UTC");
    }

    #[test]
    fn props_and_datamodel_repeat_on_every_searching_subcommand() {
        for sub in ["search", "detect", "test"] {
            let mut argv = vec![
                "minispl",
                sub,
                "--props",
                "a.conf",
                "--props",
                "b.conf",
                "--datamodel",
                "dm/",
            ];
            if sub == "search" {
                argv.push("x=1");
            }
            let cli = Cli::try_parse_from(argv).expect(sub);
            let engine = match cli.command {
                Command::Search(a) => a.engine,
                Command::Detect(a) => a.engine,
                Command::Test(a) => a.engine,
                _ => panic!("{sub}"),
            };
            assert_eq!(
                engine.props,
                vec![PathBuf::from("a.conf"), PathBuf::from("b.conf")],
                "{sub}"
            );
            assert_eq!(engine.datamodels, vec![PathBuf::from("dm/")], "{sub}");
        }
    }

    #[test]
    fn parse_needs_a_search_or_a_rule_but_not_both() {
        assert!(Cli::try_parse_from(["minispl", "parse"]).is_err());
        assert!(Cli::try_parse_from(["minispl", "parse", "x", "--rule", "r.yml"]).is_err());
        assert!(Cli::try_parse_from(["minispl", "parse", "--rule", "r.yml"]).is_ok());
    }
}
