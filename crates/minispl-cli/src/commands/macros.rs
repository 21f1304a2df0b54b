//! `minispl macros`: the macros built in (and loaded with `--macros`).

use crate::args::MacrosArgs;
use crate::failure::CliResult;
use crate::{output, setup};
use minispl_eval::{Row, Value};
use minispl_parser::MacroDef;
use std::process::ExitCode;

pub fn run(args: &MacrosArgs) -> CliResult {
    let env = setup::env(&args.engine)?;
    let engine = setup::engine(&args.engine, &env)?;
    let mut defs: Vec<&MacroDef> = engine.macros().iter().collect();
    // The table is a hash map: sort so the listing is stable.
    defs.sort_by(|a, b| (&a.name, a.args.len()).cmp(&(&b.name, b.args.len())));
    let rows: Vec<Row> = defs.into_iter().map(macro_row).collect();
    let format = args.output.output;
    super::write_stdout(|out, terminal| {
        output::write_rows(out, output::choose(format, terminal), &rows, env.tz)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A macro as its stanza name (`name(N)` with arguments, R2.4), arguments, definition.
pub fn macro_row(def: &MacroDef) -> Row {
    let mut row = Row::new();
    let stanza = if def.args.is_empty() {
        def.name.clone()
    } else {
        format!("{}({})", def.name, def.args.len())
    };
    row.set("name", Value::str(stanza));
    row.set("args", Value::str(def.args.join(",")));
    row.set("definition", Value::str(def.definition.as_str()));
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanza_names_carry_the_arity() {
        let def = MacroDef {
            name: "security_content_ctime".into(),
            args: vec!["field".into()],
            definition: "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)".into(),
        };
        let row = macro_row(&def);
        assert_eq!(row.get("name"), &Value::str("security_content_ctime(1)"));
        assert_eq!(row.get("args"), &Value::str("field"));
    }
}
