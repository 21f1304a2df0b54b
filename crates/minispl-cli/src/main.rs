//! The `minispl` command line: run SPL searches and ESCU detections over JSON events.
//!
//! Exit status: 0 success; 1 an input could not be read, a run failed, or a detection
//! test failed; 2 a bad search (diagnostic with a caret on stderr) or bad arguments.
#![forbid(unsafe_code)]

mod args;
mod bridge;
mod commands;
mod failure;
mod input;
mod output;
mod setup;
mod timeargs;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Search(a) => commands::search::run(&a),
        args::Command::Detect(a) => commands::detect::run(&a),
        args::Command::Test(a) => commands::test::run(&a),
        args::Command::Parse(a) => commands::parse::run(&a),
        args::Command::Rules(a) => commands::rules::run(&a),
        args::Command::Macros(a) => commands::macros::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}
