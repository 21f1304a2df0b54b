//! The macro table (SEMANTICS.md §2): the built-in ESCU/CIM macros, stored in the crate as
//! upstream macro YAML (`macros/*.yml`), plus user macros from a `macros.conf` file or a
//! directory of macro YAML. Later definitions override earlier ones with the same name
//! and arity (R2.4). Each detection's `<name>_filter` macro is generated as `search *`
//! when nobody defined it, as the upstream build does (R2.11).

use crate::conf::parse_conf;
use crate::detection::{yaml_files, Detection};
use crate::engine::RulesError;
use minispl_parser::{MacroDef, MacroTable, Macros};
use serde_yaml_ng::Value as Yaml;
use std::path::Path;

/// The built-in macro files: (file name, YAML text).
const BUILTIN: &[(&str, &str)] = &[
    ("cloudtrail.yml", include_str!("../macros/cloudtrail.yml")),
    (
        "aws_ecr_users.yml",
        include_str!("../macros/aws_ecr_users.yml"),
    ),
    (
        "security_content_ctime.yml",
        include_str!("../macros/security_content_ctime.yml"),
    ),
    (
        "security_content_summariesonly.yml",
        include_str!("../macros/security_content_summariesonly.yml"),
    ),
    (
        "summariesonly_config.yml",
        include_str!("../macros/summariesonly_config.yml"),
    ),
    (
        "oldsummaries_config.yml",
        include_str!("../macros/oldsummaries_config.yml"),
    ),
    (
        "fillnull_config.yml",
        include_str!("../macros/fillnull_config.yml"),
    ),
    (
        "drop_dm_object_name.yml",
        include_str!("../macros/drop_dm_object_name.yml"),
    ),
];

/// What a filter macro expands to when it is not defined (the ESCU default).
pub const DEFAULT_FILTER_DEFINITION: &str = "search *";

/// The built-in macro table.
pub fn builtin_macros() -> Result<Macros, RulesError> {
    let mut macros = Macros::new();
    for (file, text) in BUILTIN {
        macros.insert(parse_macro_yaml(text, &format!("built-in macros/{file}"))?);
    }
    Ok(macros)
}

/// One upstream macro YAML document (`name`, `definition`, optional `arguments`).
pub fn parse_macro_yaml(text: &str, origin: &str) -> Result<MacroDef, RulesError> {
    let doc: Yaml = serde_yaml_ng::from_str(text)
        .map_err(|e| RulesError::msg(format!("{origin}: invalid macro YAML: {e}")))?;
    let text_of = |key: &str| -> Option<String> {
        match doc.get(key)? {
            Yaml::String(s) => Some(s.clone()),
            Yaml::Number(n) => Some(n.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let name = text_of("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| RulesError::msg(format!("{origin}: the macro has no `name:`")))?;
    // An empty definition is allowed: it expands to the empty string (R2.11).
    let definition = match doc.get("definition") {
        None | Some(Yaml::Null) => {
            return Err(RulesError::msg(format!(
                "{origin}: macro `{name}` has no `definition:`"
            )))
        }
        Some(_) => text_of("definition").ok_or_else(|| {
            RulesError::msg(format!(
                "{origin}: macro `{name}`: `definition:` must be text"
            ))
        })?,
    };
    let args = match doc.get("arguments") {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Sequence(items)) => items
            .iter()
            .map(|i| match i {
                Yaml::String(s) => Ok(s.clone()),
                _ => Err(RulesError::msg(format!(
                    "{origin}: macro `{name}`: each argument must be a name"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(RulesError::msg(format!(
                "{origin}: macro `{name}`: `arguments:` must be a list"
            )))
        }
    };
    Ok(MacroDef {
        name: name.trim().to_string(),
        args,
        definition,
    })
}

/// A `macros.conf` file: stanzas `[name]` / `[name(N)]` with `definition`, `args` (comma
/// separated, R2.5) and optionally `iseval`. `iseval = true` is refused: eval-based
/// macros are optional for a mini interpreter (R2.10) and silently treating the
/// expression as search text would give wrong results.
pub fn parse_macros_conf(text: &str, file: &str) -> Result<Vec<MacroDef>, RulesError> {
    let conf = parse_conf(text, file).map_err(|e| RulesError::msg(e.to_string()))?;
    let mut out = Vec::new();
    for stanza in &conf.stanzas {
        if stanza.name == "default" {
            continue;
        }
        let at = |line: usize, msg: String| RulesError::msg(format!("{file}:{line}: {msg}"));
        let (name, arity) = split_stanza_name(&stanza.name)
            .ok_or_else(|| at(stanza.line, format!("bad macro stanza `[{}]`", stanza.name)))?;
        if let Some(e) = stanza.get("iseval") {
            if matches!(
                e.value.to_ascii_lowercase().as_str(),
                "1" | "true" | "t" | "yes"
            ) {
                return Err(at(
                    e.line,
                    format!("macro `{}`: `iseval = true` is not supported", stanza.name),
                ));
            }
        }
        let definition = stanza.get("definition").ok_or_else(|| {
            at(
                stanza.line,
                format!("macro `{}` has no `definition`", stanza.name),
            )
        })?;
        let args: Vec<String> = match stanza.get("args") {
            Some(a) => a
                .value
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => Vec::new(),
        };
        // R2.4: the stanza's `(N)` is the arity; `args` must name exactly N arguments.
        if args.len() != arity {
            return Err(at(
                stanza.line,
                format!(
                    "macro `{}` declares {arity} argument(s) but `args` names {}",
                    stanza.name,
                    args.len()
                ),
            ));
        }
        out.push(MacroDef {
            name: name.to_string(),
            args,
            definition: definition.value.clone(),
        });
    }
    Ok(out)
}

/// `name(2)` → (`name`, 2); `name` → (`name`, 0).
fn split_stanza_name(stanza: &str) -> Option<(&str, usize)> {
    let stanza = stanza.trim();
    match stanza.find('(') {
        None => (!stanza.is_empty()).then_some((stanza, 0)),
        Some(open) => {
            let inner = stanza[open + 1..].strip_suffix(')')?;
            let n = inner.trim().parse::<usize>().ok()?;
            let name = stanza[..open].trim();
            (!name.is_empty()).then_some((name, n))
        }
    }
}

/// Load macros from `path`: a directory of macro YAML files (name order) or a
/// `macros.conf` file; a single `.yml`/`.yaml` file is one macro. Returns the
/// definitions in load order (later ones override earlier ones when inserted).
pub fn load_macros_path(path: &Path) -> Result<Vec<MacroDef>, RulesError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| RulesError::msg(format!("{}: {e}", p.display())))
    };
    if path.is_dir() {
        let mut out = Vec::new();
        for file in yaml_files(path)? {
            out.push(parse_macro_yaml(
                &read(&file)?,
                &file.display().to_string(),
            )?);
        }
        return Ok(out);
    }
    let text = read(path)?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("yml") | Some("yaml") => {
            Ok(vec![parse_macro_yaml(&text, &path.display().to_string())?])
        }
        _ => parse_macros_conf(&text, &path.display().to_string()),
    }
}

/// The macro table for running `detection`: `base` plus its `<name>_filter` macro as
/// `search *` when `base` does not define it.
pub fn with_filter_macro(base: &Macros, detection: &Detection) -> Macros {
    let mut macros = base.clone();
    let name = detection.filter_macro_name();
    if macros.lookup(&name, 0).is_none() {
        macros.insert(MacroDef {
            name,
            args: Vec::new(),
            definition: DEFAULT_FILTER_DEFINITION.to_string(),
        });
    }
    macros
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_has_the_escu_and_cim_macros() {
        let m = builtin_macros().unwrap();
        assert_eq!(
            m.lookup("cloudtrail", 0).unwrap().definition,
            "sourcetype=aws:cloudtrail"
        );
        assert_eq!(
            m.lookup("aws_ecr_users", 0).unwrap().definition,
            "userName IN (user)"
        );
        let ctime = m.lookup("security_content_ctime", 1).unwrap();
        assert_eq!(ctime.args, vec!["field"]);
        assert_eq!(
            ctime.definition,
            r#"convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)"#
        );
        // R2.4: arity is part of the key.
        assert!(m.lookup("security_content_ctime", 0).is_none());
        let drop = m.lookup("drop_dm_object_name", 1).unwrap();
        assert_eq!(
            (drop.args.as_slice(), drop.definition.as_str()),
            (&["object".to_string()][..], "rename $object$.* AS *")
        );
        assert_eq!(
            m.lookup("security_content_summariesonly", 0).unwrap().definition,
            "summariesonly=`summariesonly_config` allow_old_summaries=`oldsummaries_config` fillnull_value=`fillnull_config`"
        );
        assert_eq!(
            m.lookup("summariesonly_config", 0).unwrap().definition,
            "false"
        );
        assert_eq!(
            m.lookup("oldsummaries_config", 0).unwrap().definition,
            "true"
        );
        assert_eq!(m.lookup("fillnull_config", 0).unwrap().definition, "null");
    }

    #[test]
    fn macros_conf_stanzas_args_and_continuations() {
        let text = "\
# site macros
[cloudtrail]
definition = index=aws sourcetype=aws:cloudtrail

[pair(2)]
args = a, b
definition = search $a$=$b$ \\
  | head 1
";
        let defs = parse_macros_conf(text, "macros.conf").unwrap();
        assert_eq!(defs.len(), 2);
        assert_eq!(defs[0].name, "cloudtrail");
        assert_eq!(defs[0].definition, "index=aws sourcetype=aws:cloudtrail");
        assert_eq!(defs[1].name, "pair");
        assert_eq!(defs[1].args, vec!["a", "b"]);
        assert_eq!(defs[1].definition, "search $a$=$b$ \n  | head 1");
    }

    #[test]
    fn macros_conf_errors() {
        let e = parse_macros_conf("[m]\niseval = 1\ndefinition = 1+1\n", "x.conf").unwrap_err();
        assert!(e.message.starts_with("x.conf:2:"), "{}", e.message);
        assert!(e.message.contains("iseval"));
        let e = parse_macros_conf("[m(2)]\nargs = a\ndefinition = x\n", "x.conf").unwrap_err();
        assert!(e.message.contains("declares 2"), "{}", e.message);
        let e = parse_macros_conf("[m]\nargs = a\n", "x.conf").unwrap_err();
        assert!(e.message.contains("no `definition`"));
        let e = parse_macros_conf("[m(x)]\ndefinition = a\n", "x.conf").unwrap_err();
        assert!(e.message.contains("bad macro stanza"));
        // iseval = false is the default and fine.
        assert!(parse_macros_conf("[m]\niseval = false\ndefinition = a\n", "x").is_ok());
    }

    #[test]
    fn macro_yaml_errors_name_the_file() {
        let e = parse_macro_yaml("definition: x\n", "dir/m.yml").unwrap_err();
        assert!(e.message.contains("dir/m.yml") && e.message.contains("name"));
        let e = parse_macro_yaml("name: m\n", "dir/m.yml").unwrap_err();
        assert!(e.message.contains("definition"));
        let empty = parse_macro_yaml("name: m\ndefinition: ''\n", "m.yml").unwrap();
        assert_eq!(empty.definition, "");
    }

    #[test]
    fn later_definitions_override_and_directories_load() {
        let dir = std::env::temp_dir().join(format!("minispl-macros-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("aws_ecr_users.yml"),
            "name: aws_ecr_users\ndefinition: userName IN (alice, bob)\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let defs = load_macros_path(&dir).unwrap();
        assert_eq!(defs.len(), 1);
        let mut m = builtin_macros().unwrap();
        for d in defs {
            m.insert(d);
        }
        assert_eq!(
            m.lookup("aws_ecr_users", 0).unwrap().definition,
            "userName IN (alice, bob)"
        );
        let conf = dir.join("macros.conf");
        std::fs::write(&conf, "[cloudtrail]\ndefinition = index=main\n").unwrap();
        let defs = load_macros_path(&conf).unwrap();
        assert_eq!(defs[0].definition, "index=main");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn filter_macro_generated_only_when_missing() {
        let det = Detection {
            name: "AWS ECR Container Upload Unknown User".into(),
            ..Detection::default()
        };
        let base = builtin_macros().unwrap();
        let m = with_filter_macro(&base, &det);
        assert_eq!(
            m.lookup("aws_ecr_container_upload_unknown_user_filter", 0)
                .unwrap()
                .definition,
            "search *"
        );
        let mut custom = base.clone();
        custom.insert(MacroDef {
            name: "aws_ecr_container_upload_unknown_user_filter".into(),
            args: vec![],
            definition: "search user!=ci".into(),
        });
        let m = with_filter_macro(&custom, &det);
        assert_eq!(
            m.lookup("aws_ecr_container_upload_unknown_user_filter", 0)
                .unwrap()
                .definition,
            "search user!=ci"
        );
    }
}
