//! `minispl search '<SPL>' [FILE...]`: an ad-hoc search over events.

use crate::args::SearchArgs;
use crate::failure::{CliResult, Failure, BAD_SEARCH, FAILED};
use crate::{input, output, setup};
use std::process::ExitCode;

pub fn run(args: &SearchArgs) -> CliResult {
    let env = setup::env(&args.engine)?;
    let mut plan = setup::input_plan(&args.files, &args.input, &env)?;
    let engine = setup::engine(&args.engine, &env)?;
    // A bad search is reported before any input is read (exit 2, with the caret). The
    // parse here renders syntax errors the same way `minispl parse` does; compiling
    // then catches what only the evaluator knows (unknown functions, bad regexes).
    super::parse::parse_text(&args.spl, engine.macros())?;
    let search = engine
        .compile(&args.spl)
        .map_err(|e| Failure::from_rules(&e, BAD_SEARCH))?;
    // Events the search cannot match are dropped by the reader, before an event is
    // built (issue 6). Not with --earliest/--latest: the time filter counts every event
    // outside the range, so it must see them all.
    plan.options.threads = setup::reader_threads(&engine, 0);
    if plan.range.is_all_time() {
        plan.options.filter = search.record_filter();
    }
    let program = search.program();
    let parallel = engine.context().optimizations.parallel;
    let (result, summary) = if parallel && program.plan().reads_index {
        // The reader's workers check each record and also do the search's per-event
        // work (prefilter, extraction, profile) on it, and for `... | stats` aggregate
        // each run of events into a partial table; this thread reads, and runs the
        // pipeline over what the workers made, in input order (issue 6: both cores busy,
        // no rows crossing threads for `stats`). On one core (no reader threads) all of
        // it runs on this thread, with no hand-off at all.
        let mut out = Vec::new();
        let mut pushed = Ok(());
        let summary = match program.start() {
            Ok(mut run) => {
                let summary = input::with_folds(&plan, &program.batches(), &mut |batch| {
                    // After an error the rest is only read and counted.
                    if pushed.is_ok() {
                        pushed = run.push_batch(batch, &mut out);
                    }
                });
                pushed = pushed.and_then(|()| run.finish(&mut out));
                summary
            }
            Err(e) => {
                pushed = Err(e);
                input::InputSummary::default()
            }
        };
        (
            pushed.map(|()| out).map_err(|e| search.eval_error(e)),
            summary,
        )
    } else {
        // `--no-optimize` (the reference path: events from a reader thread, then the
        // pipeline) or a generating search.
        input::with_events(&plan, |events| search.run(events))
    };
    if let Some(fatal) = &summary.fatal {
        summary.print(None, plan.quiet);
        return Err(Failure::failed(fatal.to_string()));
    }
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            summary.print(None, plan.quiet);
            return Err(Failure::from_rules(&e, FAILED));
        }
    };
    let format = args.output.output;
    super::write_stdout(|out, terminal| {
        output::write_rows(out, output::choose(format, terminal), &rows, env.tz)
    })?;
    summary.print(Some(rows.len()), plan.quiet);
    Ok(if summary.had_failures() {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
