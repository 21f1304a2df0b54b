//! Sourcetype profiles in a props.conf-like format (CLOUDTRAIL.md §4): one `[sourcetype]`
//! stanza with `TIME_PREFIX`, `TIME_FORMAT`, `MAX_TIMESTAMP_LOOKAHEAD`, `KV_MODE`,
//! `FIELDALIAS-<class> = a AS b c AS d`, `EVAL-<field> = <SPL eval expression>`,
//! `LOOKUP-<class> = <lookup command arguments>` and `EVENTTYPE-<name> = <search>` with
//! `TAGS-<name> = tag1 tag2`.
//!
//! Loading is two steps, each testable alone: [`parse_profiles`] reads the file into
//! [`ProfileDef`]s (text, with line numbers), and [`ProfileDef::compile`] parses the
//! expressions with minispl's own parser into a [`Profile`].

use crate::conf::{parse_conf, ConfError};
use minispl_eval::profile::{CalculatedField, EventType, FieldAlias, Profile, TimestampRule};
use minispl_parser::ast::Command;
use minispl_parser::Macros;

/// The built-in `aws:cloudtrail` profile.
pub const AWS_CLOUDTRAIL: &str = include_str!("../profiles/aws_cloudtrail.conf");

/// A text expression with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The class or field name after `EVAL-` / `LOOKUP-` / `EVENTTYPE-`.
    pub name: String,
    pub text: String,
    pub line: usize,
}

/// A profile as written, before its expressions are parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileDef {
    pub sourcetype: String,
    /// Where it came from (file name), for errors.
    pub origin: String,
    pub time_prefix: Option<String>,
    pub time_format: Option<String>,
    pub lookahead: Option<usize>,
    pub kv_mode_json: bool,
    pub aliases: Vec<FieldAlias>,
    pub calculated: Vec<Located>,
    pub lookups: Vec<Located>,
    pub eventtypes: Vec<(Located, Vec<String>)>,
}

/// Read every stanza of a props-like file as a profile definition.
pub fn parse_profiles(text: &str, origin: &str) -> Result<Vec<ProfileDef>, ConfError> {
    let conf = parse_conf(text, origin)?;
    let mut out = Vec::new();
    for stanza in &conf.stanzas {
        if stanza.name == "default" {
            return Err(ConfError::new(
                origin,
                stanza.line,
                "settings must follow a `[sourcetype]` stanza header",
            ));
        }
        let mut def = ProfileDef {
            sourcetype: stanza.name.clone(),
            origin: origin.to_string(),
            ..ProfileDef::default()
        };
        let mut tags: Vec<(String, Vec<String>, usize)> = Vec::new();
        for e in &stanza.entries {
            let err = |msg: String| ConfError::new(origin, e.line, msg);
            let (class, name) = match e.key.split_once('-') {
                Some((c, n)) => (c, n.trim()),
                None => (e.key.as_str(), ""),
            };
            match class {
                "TIME_PREFIX" => def.time_prefix = Some(e.value.clone()),
                "TIME_FORMAT" => def.time_format = Some(e.value.clone()),
                "MAX_TIMESTAMP_LOOKAHEAD" => {
                    def.lookahead = Some(e.value.parse().map_err(|_| {
                        err(format!(
                            "MAX_TIMESTAMP_LOOKAHEAD must be a number of characters, found `{}`",
                            e.value
                        ))
                    })?)
                }
                "KV_MODE" => {
                    def.kv_mode_json = match e.value.to_ascii_lowercase().as_str() {
                        "json" => true,
                        "none" => false,
                        other => {
                            return Err(err(format!(
                                "KV_MODE `{other}` is not supported (use `json` or `none`)"
                            )))
                        }
                    }
                }
                "FIELDALIAS" => def.aliases.extend(parse_aliases(&e.value).map_err(err)?),
                "EVAL" | "LOOKUP" | "EVENTTYPE" => {
                    if name.is_empty() {
                        return Err(err(format!("`{class}-` needs a name after the dash")));
                    }
                    if e.value.is_empty() {
                        return Err(err(format!("`{}` has an empty value", e.key)));
                    }
                    let loc = Located {
                        name: name.to_string(),
                        text: e.value.clone(),
                        line: e.line,
                    };
                    match class {
                        "EVAL" => def.calculated.push(loc),
                        "LOOKUP" => def.lookups.push(loc),
                        _ => def.eventtypes.push((loc, Vec::new())),
                    }
                }
                "TAGS" => tags.push((
                    name.to_string(),
                    e.value.split_whitespace().map(str::to_string).collect(),
                    e.line,
                )),
                // Index-time and other settings (SHOULD_LINEMERGE, TRUNCATE...) do not
                // change search results here; say so rather than guess.
                other => return Err(err(format!("unknown setting `{other}`"))),
            }
        }
        for (name, list, line) in tags {
            let Some(et) = def.eventtypes.iter_mut().find(|(l, _)| l.name == name) else {
                return Err(ConfError::new(
                    origin,
                    line,
                    format!("`TAGS-{name}` has no matching `EVENTTYPE-{name}`"),
                ));
            };
            et.1 = list;
        }
        if def.time_prefix.is_some() != def.time_format.is_some() {
            return Err(ConfError::new(
                origin,
                stanza.line,
                "TIME_PREFIX and TIME_FORMAT must be given together",
            ));
        }
        out.push(def);
    }
    Ok(out)
}

/// `a AS b c AS d` (CLOUDTRAIL.md §4 step 2). Field names may be double-quoted.
fn parse_aliases(value: &str) -> Result<Vec<FieldAlias>, String> {
    let words = split_words(value)?;
    if words.len() % 3 != 0 || words.is_empty() {
        return Err(format!(
            "FIELDALIAS must be `<from> AS <to>` pairs, found `{value}`"
        ));
    }
    let mut out = Vec::new();
    // `words.len()` is a multiple of 3 (checked above), so every chunk has 3 words.
    for chunk in words.chunks(3) {
        if !chunk[1].eq_ignore_ascii_case("as") {
            return Err(format!(
                "FIELDALIAS expects `AS` between names, found `{}`",
                chunk[1]
            ));
        }
        out.push(FieldAlias {
            from: chunk[0].clone(),
            to: chunk[2].clone(),
        });
    }
    Ok(out)
}

fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut w = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(ch) => w.push(ch),
                    None => return Err(format!("unterminated quote in `{s}`")),
                }
            }
            out.push(w);
        } else {
            let mut w = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                w.push(ch);
                chars.next();
            }
            out.push(w);
        }
    }
    Ok(out)
}

impl ProfileDef {
    /// Parse the calculated fields (`parse_eval_expr`), lookups (the parser run on
    /// `lookup <args>`) and event type searches into an evaluator profile. Errors name
    /// the file and line of the setting.
    pub fn compile(&self) -> Result<Profile, ConfError> {
        let err = |line: usize, msg: String| ConfError::new(&self.origin, line, msg);
        let mut profile = Profile {
            sourcetype: self.sourcetype.clone(),
            kv_mode_json: self.kv_mode_json,
            aliases: self.aliases.clone(),
            ..Profile::default()
        };
        if let (Some(prefix), Some(format)) = (&self.time_prefix, &self.time_format) {
            profile.timestamp = Some(TimestampRule {
                prefix: prefix.clone(),
                format: format.clone(),
                lookahead: self.lookahead.unwrap_or(128),
            });
        }
        for c in &self.calculated {
            let expr = minispl_parser::parse_eval_expr(&c.text).map_err(|e| {
                err(
                    c.line,
                    format!("EVAL-{}: {} in `{}`", c.name, e.message, c.text),
                )
            })?;
            profile.calculated.push(CalculatedField {
                name: c.name.clone(),
                expr,
                source: c.text.clone(),
            });
        }
        for l in &self.lookups {
            // Parsed as the second command of `search * | lookup <args>`: a leading
            // `| lookup` could be refused as a non-generating first command (R9.1).
            let text = format!("search * | lookup {}", l.text);
            let pipeline = minispl_parser::parse(&text, &Macros::new()).map_err(|e| {
                err(
                    l.line,
                    format!("LOOKUP-{}: {} in `{}`", l.name, e.message, l.text),
                )
            })?;
            match pipeline.commands.as_slice() {
                [Command::Search(_), Command::Lookup(lookup)] => {
                    profile.lookups.push(lookup.clone())
                }
                _ => {
                    return Err(err(
                        l.line,
                        format!("LOOKUP-{}: expected lookup arguments only", l.name),
                    ))
                }
            }
        }
        for (et, tags) in &self.eventtypes {
            let search = minispl_parser::parse_search_expr(&et.text)
                .map_err(|e| err(et.line, format!("EVENTTYPE-{}: {}", et.name, e.message)))?
                .ok_or_else(|| err(et.line, format!("EVENTTYPE-{}: empty search", et.name)))?;
            profile.eventtypes.push(EventType {
                name: et.name.clone(),
                search,
                tags: tags.clone(),
            });
        }
        Ok(profile)
    }
}

/// Parse and compile every profile in a file.
pub fn load_profiles(text: &str, origin: &str) -> Result<Vec<Profile>, ConfError> {
    parse_profiles(text, origin)?
        .iter()
        .map(ProfileDef::compile)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> ProfileDef {
        let mut defs = parse_profiles(AWS_CLOUDTRAIL, "aws_cloudtrail.conf").unwrap();
        assert_eq!(defs.len(), 1);
        defs.remove(0)
    }

    fn calc<'a>(def: &'a ProfileDef, name: &str) -> &'a str {
        &def.calculated
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no EVAL-{name}"))
            .text
    }

    #[test]
    fn builtin_cloudtrail_structure() {
        let def = builtin();
        assert_eq!(def.sourcetype, "aws:cloudtrail");
        // CLOUDTRAIL.md §1: the timestamp follows `"eventTime"\s*:\s*"`.
        assert_eq!(def.time_prefix.as_deref(), Some(r#""eventTime"\s*:\s*""#));
        assert_eq!(def.time_format.as_deref(), Some("%Y-%m-%dT%H:%M:%S%Z"));
        assert!(def.kv_mode_json);
        let alias = |from: &str, to: &str| FieldAlias {
            from: from.into(),
            to: to.into(),
        };
        // CLOUDTRAIL.md §5 aliases.
        for a in [
            alias("eventName", "signature"),
            alias("eventName", "command"),
            alias("sourceIPAddress", "src"),
            alias("sourceIPAddress", "src_ip"),
            alias("awsRegion", "region"),
            alias("awsRegion", "vendor_region"),
            alias("eventSource", "dvc"),
            alias("eventType", "app"),
            alias("eventTime", "start_time"),
            alias("userIdentity.accessKeyId", "user_access_key"),
            alias("errorMessage", "result"),
            alias("errorMessage", "reason"),
            alias("errorCode", "result_id"),
        ] {
            assert!(def.aliases.contains(&a), "missing alias {a:?}");
        }
        for f in [
            "user_agent",
            "vendor_account",
            "vendor_product",
            "msg",
            "errorCode",
            "user_arn",
            "aws_account_id",
            "userName",
            "user_name",
            "user",
            "user_type",
            "dest",
        ] {
            calc(&def, f);
        }
        assert_eq!(calc(&def, "vendor_product"), r#""AWS CloudTrail""#);
        assert_eq!(calc(&def, "msg"), r#"coalesce(errorCode, "success")"#);
        assert_eq!(
            calc(&def, "user_agent"),
            "coalesce(userAgent, 'userAgent{}')"
        );
        assert_eq!(
            calc(&def, "vendor_account"),
            "coalesce('userIdentity.accountId', recipientAccountId)"
        );
        let lookups: Vec<&str> = def.lookups.iter().map(|l| l.text.as_str()).collect();
        assert!(lookups
            .iter()
            .any(|l| l.starts_with("aws_sourcetype_vendor.csv sourcetype")));
        assert!(lookups
            .iter()
            .any(|l| l.starts_with("aws_cloudtrail_object_category.csv eventName")));
    }

    #[test]
    fn every_builtin_setting_has_a_line_number_inside_the_file() {
        let def = builtin();
        let lines = AWS_CLOUDTRAIL.lines().count();
        for c in def.calculated.iter().chain(&def.lookups) {
            assert!(c.line >= 1 && c.line <= lines);
            let line = AWS_CLOUDTRAIL.lines().nth(c.line - 1).unwrap_or_default();
            assert!(line.contains(&c.name), "line {} is `{line}`", c.line);
        }
    }

    #[test]
    fn aliases_and_tags() {
        let text = "[st]\nFIELDALIAS-a = x AS y \"a b\" as c\nEVENTTYPE-push = eventName=PutImage\nTAGS-push = cloud compute\n";
        let def = parse_profiles(text, "p.conf").unwrap().remove(0);
        assert_eq!(
            def.aliases,
            vec![
                FieldAlias {
                    from: "x".into(),
                    to: "y".into()
                },
                FieldAlias {
                    from: "a b".into(),
                    to: "c".into()
                }
            ]
        );
        assert_eq!(def.eventtypes[0].0.name, "push");
        assert_eq!(def.eventtypes[0].1, vec!["cloud", "compute"]);
    }

    #[test]
    fn errors_are_line_numbered() {
        let cases = [
            ("[st]\nKV_MODE = xml\n", 2, "KV_MODE"),
            ("[st]\n\nFIELDALIAS-a = x y z\n", 3, "AS"),
            ("[st]\nFIELDALIAS-a = x AS\n", 2, "pairs"),
            ("[st]\nEVAL- = 1\n", 2, "name"),
            ("[st]\nEVAL-x =\n", 2, "empty"),
            ("[st]\nMAX_TIMESTAMP_LOOKAHEAD = ten\n", 2, "number"),
            ("[st]\nSHOULD_LINEMERGE = false\n", 2, "unknown setting"),
            ("[st]\nTAGS-x = a\n", 2, "EVENTTYPE-x"),
            ("KV_MODE = json\n", 1, "stanza"),
            ("[st]\nTIME_PREFIX = x\n", 1, "together"),
        ];
        for (text, line, needle) in cases {
            let e = parse_profiles(text, "p.conf").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
            assert_eq!(e.file, "p.conf");
        }
    }

    #[test]
    fn lastseg_is_written_as_one_regex() {
        // CLOUDTRAIL.md §5: lastseg(x) is the part after the last `:`, then after the
        // last `/`. Removing everything up to the last `:` or `/` is the same thing.
        let def = builtin();
        assert!(calc(&def, "userName").contains(r#"replace('userIdentity.arn', "^.*[:/]", "")"#));
    }

    /// Needs `minispl_parser::parse_eval_expr` and the `lookup` parser: passes after the
    /// parser is merged.
    #[test]
    fn builtin_profile_compiles() {
        let profiles = load_profiles(AWS_CLOUDTRAIL, "aws_cloudtrail.conf").unwrap();
        let p = &profiles[0];
        assert_eq!(p.sourcetype, "aws:cloudtrail");
        assert_eq!(p.calculated.len(), builtin().calculated.len());
        assert_eq!(p.lookups.len(), 2);
        assert_eq!(p.lookups[0].table, "aws_sourcetype_vendor.csv");
        let ts = p.timestamp.as_ref().unwrap();
        assert_eq!(ts.format, "%Y-%m-%dT%H:%M:%S%Z");
    }

    /// Needs the parser (see above).
    #[test]
    fn bad_eval_reports_file_and_line() {
        let def = parse_profiles("[st]\n\nEVAL-x = coalesce(a,\n", "p.conf")
            .unwrap()
            .remove(0);
        let e = def.compile().unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("p.conf", 3));
        assert!(e.message.starts_with("EVAL-x:"), "{e}");
    }
}
