//! Every SPL string of `../shared/spec/CONFORMANCE.md` parses with the fixture macros
//! listed there, except EC-043 (undefined macro), which must be an error. EC-050 and
//! EC-089 parse: they fail at evaluation. Each case is parsed twice: Splunk's way (the
//! first segment is an implicit search; required for the cases that are searches) and the
//! CONFORMANCE.md way (a first word naming a command is that command; required for all),
//! where the first command must be the one the case names.

mod common;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use minispl_parser::{parse, parse_with, FirstSegment, ParseOptions};

/// `(case id, spl)` for every `- SPL:` line.
fn cases(md: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut id = String::new();
    for line in md.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            id = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
        if let Some(rest) = line.strip_prefix("- SPL: ") {
            let spl =
                if let Some(inner) = rest.strip_prefix("`` ").and_then(|r| r.strip_suffix(" ``")) {
                    inner
                } else {
                    rest.trim_start_matches('`').trim_end_matches('`')
                };
            out.push((id.clone(), spl.to_string()));
        }
    }
    out
}

fn run_case(id: &str, spl: &str) -> Result<(), Failed> {
    let macros = common::conformance_macros();
    let implicit = parse(spl, &macros);
    let commands = parse_with(
        spl,
        &macros,
        ParseOptions {
            first_segment: FirstSegment::CommandIfKnown,
        },
    );
    if id == "EC-043" {
        let err = implicit.err().ok_or("EC-043 must be an error")?;
        if !err.message.contains("no_such_macro") {
            return Err(format!("wrong error: {}", err.render()).into());
        }
        return Ok(());
    }
    let first_word = spl
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let names_command = first_word != "search"
        && minispl_parser::commands::COMMAND_NAMES.contains(&first_word.as_str());
    // Read Splunk's way, a case starting with a command name is a search for words like
    // `eval`; that need not parse (`eval d=case(..., true(), ...)` has `()`), so only
    // the genuine searches are held to it.
    if !names_command {
        common::assert_round_trip(&implicit.map_err(|e| e.render())?);
    }
    let commands = commands.map_err(|e| e.render())?;
    common::assert_round_trip(&commands);
    let first = commands.commands.first().ok_or("no command")?;
    if minispl_parser::commands::COMMAND_NAMES.contains(&first_word.as_str())
        && first.name() != first_word
    {
        return Err(format!(
            "{id}: first command is `{}`, expected `{first_word}`",
            first.name()
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    match common::shared_dir() {
        Some(dir) => {
            let md =
                std::fs::read_to_string(dir.join("spec/CONFORMANCE.md")).expect("CONFORMANCE.md");
            let all = cases(&md);
            assert!(all.len() > 80, "found only {} cases", all.len());
            for (id, spl) in all {
                trials.push(Trial::test(id.clone(), move || run_case(&id, &spl)));
            }
        }
        None => trials.push(Trial::ignorable_test("conformance", || {
            Ok(Completion::ignored_with(common::SHARED_MISSING))
        })),
    }
    libtest_mimic::run(&args, trials).exit();
}
