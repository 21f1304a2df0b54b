//! How a subcommand fails: a message for stderr and the exit status that goes with it.

use std::process::ExitCode;

/// A failure that ends the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: u8,
    /// Printed to stderr as is when `rendered`, else after `minispl: error: `.
    pub message: String,
    pub rendered: bool,
}

/// Exit status for a bad search or bad arguments (as clap uses for usage errors).
pub const BAD_SEARCH: u8 = 2;
/// Exit status for unreadable input, a failed run or failed detection tests.
pub const FAILED: u8 = 1;

impl Failure {
    pub fn new(status: u8, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            rendered: false,
        }
    }

    /// A bad search: the compiler-style diagnostic (with its caret) is printed verbatim.
    pub fn bad_search(diagnostic: impl Into<String>) -> Self {
        Failure {
            status: BAD_SEARCH,
            message: diagnostic.into(),
            rendered: true,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Failure::new(FAILED, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(BAD_SEARCH, message)
    }

    /// From a rules-crate error: its rendered diagnostic when it has one.
    pub fn from_rules(err: &minispl_rules::RulesError, status: u8) -> Self {
        match &err.rendered {
            Some(r) => Failure {
                status,
                message: r.clone(),
                rendered: true,
            },
            None => Failure::new(status, err.message.clone()),
        }
    }

    /// Print to stderr and give the exit status.
    pub fn report(&self) -> ExitCode {
        if self.message.is_empty() {
            // Nothing to say (a closed output pipe).
        } else if self.rendered {
            eprintln!("{}", self.message.trim_end());
        } else {
            eprintln!("minispl: error: {}", self.message);
        }
        ExitCode::from(self.status)
    }
}

/// Writing to stdout failed: a closed pipe (`minispl ... | head`) ends the run quietly.
pub fn output_error(err: std::io::Error) -> Failure {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        Failure {
            status: 0,
            message: String::new(),
            rendered: true,
        }
    } else {
        Failure::failed(format!("writing output: {err}"))
    }
}

pub type CliResult = Result<ExitCode, Failure>;
