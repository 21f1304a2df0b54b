//! Turning the common options into an environment, an engine and an input plan.

use crate::args::{EngineOpts, InputKind, InputOpts};
use crate::failure::Failure;
use crate::input::InputPlan;
use crate::timeargs::{parse_absolute, parse_time_arg, TimeRange};
use chrono_tz::Tz;
use minispl_eval::reader::{InputMode, ReadOptions};
use minispl_eval::{Env, EventMeta, Optimizations};
use minispl_rules::Engine;
use std::path::PathBuf;

/// The sourcetype raw records get unless `--sourcetype` says otherwise (issue 5): the
/// shipped detections are written for it.
pub const DEFAULT_RAW_SOURCETYPE: &str = "aws:cloudtrail";

/// `--tz` and `--now`.
pub fn env(opts: &EngineOpts) -> Result<Env, Failure> {
    let tz: Tz = opts.tz.parse().map_err(|_| {
        Failure::usage(format!(
            "unknown time zone `{}` (use an IANA name such as Europe/Paris)",
            opts.tz
        ))
    })?;
    let mut env = Env {
        tz,
        ..Env::default()
    };
    if let Some(now) = &opts.now {
        env.now = parse_absolute(now, tz).ok_or_else(|| {
            Failure::usage(format!(
                "--now `{now}` is not a time: use epoch seconds or ISO-8601"
            ))
        })?;
    }
    Ok(env)
}

/// The built-in engine extended with `--macros`, `--props`, `--datamodel` and
/// `--lookups`, running in `env`.
pub fn engine(opts: &EngineOpts, env: &Env) -> Result<Engine, Failure> {
    let mut engine =
        Engine::builtin().map_err(|e| Failure::from_rules(&e, crate::failure::FAILED))?;
    for path in &opts.macros {
        engine
            .add_macros(path)
            .map_err(|e| Failure::failed(format!("{}: {}", path.display(), e.message)))?;
    }
    // Issue 4: the profile is overridable and users add data models in the same format.
    // Their errors already name the file and line (ConfError), so they are passed on
    // as they are; `add_profiles` replaces a sourcetype's profile wholesale.
    for path in &opts.props {
        engine
            .add_profiles(path)
            .map_err(|e| Failure::from_rules(&e, crate::failure::FAILED))?;
    }
    for path in &opts.datamodels {
        engine
            .add_datamodels(path)
            .map_err(|e| Failure::from_rules(&e, crate::failure::FAILED))?;
    }
    if let Some(dir) = &opts.lookups {
        engine
            .add_lookups(dir)
            .map_err(|e| Failure::failed(format!("{}: {}", dir.display(), e.message)))?;
    }
    engine.set_env(env.clone());
    engine.set_optimizations(if opts.no_optimize {
        Optimizations::none()
    } else {
        Optimizations::from_env()
    });
    let defaults = engine.context().limits;
    engine.set_limits(minispl_eval::stats::Limits {
        max_groups: opts.max_groups.unwrap_or(defaults.max_groups),
        max_mvexpand_bytes: opts
            .max_mvexpand_bytes
            .unwrap_or(defaults.max_mvexpand_bytes),
        ..defaults
    });
    Ok(engine)
}

/// Files, read options and time range from the input options.
pub fn input_plan(files: &[PathBuf], opts: &InputOpts, env: &Env) -> Result<InputPlan, Failure> {
    let mode = match opts.input {
        InputKind::Raw => InputMode::Raw,
        InputKind::Fields => InputMode::Fields,
    };
    let sourcetype = match (&opts.sourcetype, mode) {
        (Some(st), _) => Some(st.clone()),
        (None, InputMode::Raw) => Some(DEFAULT_RAW_SOURCETYPE.to_string()),
        // Field maps have no sourcetype, and so no profile, unless one is given (issue 5).
        (None, InputMode::Fields) => None,
    };
    let bound = |text: &Option<String>, name: &str| -> Result<Option<f64>, Failure> {
        text.as_deref()
            .map(|t| parse_time_arg(t, env.now, env.tz))
            .transpose()
            .map_err(|e| Failure::usage(format!("--{name}: {e}")))
    };
    Ok(InputPlan {
        files: files.to_vec(),
        options: ReadOptions {
            mode,
            meta: EventMeta {
                sourcetype: sourcetype.map(Into::into),
                source: opts.source.as_deref().map(Into::into),
                ..EventMeta::default()
            },
            strict: opts.strict,
            // 0 = the reader's default cap.
            max_line_bytes: opts.max_line_bytes.unwrap_or(0),
            ..ReadOptions::default()
        },
        range: TimeRange {
            earliest: bound(&opts.earliest, "earliest")?,
            latest: bound(&opts.latest, "latest")?,
        },
        quiet: opts.quiet,
    })
}

/// Worker threads for the reader (issue 6: both cores validate and filter JSON lines):
/// one per core, plus `extra`; none when the engine's `parallel` optimisation is off or
/// there is one core.
///
/// `minispl detect` asks for one extra: its reading thread's own work (the read, and
/// pipelines that see ≈ 0.7% of the records) leaves gaps that a third worker fills
/// (W1 over 1M records on 2 cores, five interleaved runs: 0.58–0.66 s against
/// 0.63–0.71 s). `search` does not: its reading thread merges `stats` tables and
/// decides blocks itself while waiting, and a third worker made W4 slower.
pub fn reader_threads(engine: &Engine, extra: usize) -> usize {
    if !engine.context().optimizations.parallel {
        return 0;
    }
    match std::thread::available_parallelism().map_or(1, |n| n.get()) {
        1 => 0,
        n => n + extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_input_defaults_to_the_cloudtrail_sourcetype_fields_to_none() {
        let env = Env::default();
        let raw = input_plan(&[], &InputOpts::default(), &env).expect("plan");
        assert_eq!(
            raw.options.meta.sourcetype.as_deref(),
            Some("aws:cloudtrail")
        );
        let fields = InputOpts {
            input: InputKind::Fields,
            ..InputOpts::default()
        };
        let plan = input_plan(&[], &fields, &env).expect("plan");
        assert_eq!(plan.options.meta.sourcetype, None);
        let given = InputOpts {
            input: InputKind::Fields,
            sourcetype: Some("x".into()),
            source: Some("s".into()),
            ..InputOpts::default()
        };
        let plan = input_plan(&[], &given, &env).expect("plan");
        assert_eq!(plan.options.meta.sourcetype.as_deref(), Some("x"));
        assert_eq!(plan.options.meta.source.as_deref(), Some("s"));
    }

    #[test]
    fn env_reads_tz_and_now() {
        let opts = EngineOpts {
            tz: "Europe/Paris".into(),
            now: Some("2021-08-18T23:17:30Z".into()),
            ..EngineOpts::default()
        };
        let env = env(&opts).expect("env");
        assert_eq!(env.tz, Tz::Europe__Paris);
        assert_eq!(env.now, 1629328650.0);
        let bad = EngineOpts {
            tz: "Mars/Olympus".into(),
            ..EngineOpts::default()
        };
        assert_eq!(super::env(&bad).map(|_| ()).map_err(|f| f.status), Err(2));
    }

    #[test]
    fn absolute_bounds_are_read_against_now() {
        let env = Env {
            tz: Tz::UTC,
            now: 1629328650.0,
        };
        let opts = InputOpts {
            earliest: Some("1629320000".into()),
            latest: Some("now".into()),
            ..InputOpts::default()
        };
        let plan = input_plan(&[], &opts, &env).expect("plan");
        assert_eq!(plan.range.earliest, Some(1629320000.0));
        assert_eq!(plan.range.latest, Some(1629328650.0));
    }
}
