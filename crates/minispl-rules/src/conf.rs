//! The `.conf` file syntax Splunk uses for `macros.conf` and `props.conf`, shared by the
//! macro loader, the sourcetype profile loader and the data model loader: `[stanza]`
//! headers, `key = value` lines, `#` comment lines, and a trailing `\` continuing a value
//! on the next line. Every entry keeps its 1-based line number so errors can point at it.

use std::fmt;

/// One `key = value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfEntry {
    pub key: String,
    pub value: String,
    /// Line of the key (the first line when the value is continued).
    pub line: usize,
}

/// One `[name]` stanza with its entries in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfStanza {
    pub name: String,
    pub line: usize,
    pub entries: Vec<ConfEntry>,
}

impl ConfStanza {
    /// The last value given for `key` (later lines override earlier ones, as in Splunk).
    pub fn get(&self, key: &str) -> Option<&ConfEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// A parsed file: entries before the first stanza header go to a stanza named `default`
/// (Splunk's global stanza).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfFile {
    pub stanzas: Vec<ConfStanza>,
}

/// A syntax error with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    /// File name (or a description such as `built-in aws_cloudtrail.conf`).
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ConfError {}

impl ConfError {
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Self {
        ConfError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parse `.conf` text. `file` names the source in errors.
pub fn parse_conf(text: &str, file: &str) -> Result<ConfFile, ConfError> {
    let mut out = ConfFile::default();
    let mut current: Option<ConfStanza> = None;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((idx, raw)) = lines.next() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(ConfError::new(
                    file,
                    line_no,
                    "stanza header must end with `]`",
                ));
            };
            if let Some(s) = current.take() {
                out.stanzas.push(s);
            }
            current = Some(ConfStanza {
                name: name.trim().to_string(),
                line: line_no,
                entries: Vec::new(),
            });
            continue;
        }
        let Some(eq) = line.find('=') else {
            return Err(ConfError::new(
                file,
                line_no,
                format!("expected `key = value` or `[stanza]`, found `{line}`"),
            ));
        };
        let key = line[..eq].trim().to_string();
        if key.is_empty() {
            return Err(ConfError::new(file, line_no, "missing key before `=`"));
        }
        // The value keeps its inner spacing; only the space around `=` and at the end goes.
        let mut value = line[eq + 1..].trim().to_string();
        // A trailing backslash continues the value on the next line; the line break is
        // kept (macros.conf multi-line definitions keep their layout).
        while value.ends_with('\\') {
            value.pop();
            match lines.next() {
                Some((_, next)) => {
                    value.push('\n');
                    value.push_str(next.trim_end());
                }
                None => {
                    return Err(ConfError::new(
                        file,
                        line_no,
                        "line continuation `\\` at the end of the file",
                    ))
                }
            }
        }
        let value = value.trim().to_string();
        let stanza = current.get_or_insert_with(|| ConfStanza {
            name: "default".to_string(),
            line: line_no,
            entries: Vec::new(),
        });
        stanza.entries.push(ConfEntry {
            key,
            value,
            line: line_no,
        });
    }
    if let Some(s) = current.take() {
        out.stanzas.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_entries_and_line_numbers() {
        let text = "# comment\n[a]\nk = v w \n\n[b(2)]\nx=1\n";
        let conf = parse_conf(text, "t.conf").unwrap();
        assert_eq!(conf.stanzas.len(), 2);
        assert_eq!(conf.stanzas[0].name, "a");
        assert_eq!(conf.stanzas[0].entries[0].value, "v w");
        assert_eq!(conf.stanzas[0].entries[0].line, 3);
        assert_eq!(conf.stanzas[1].name, "b(2)");
        assert_eq!(conf.stanzas[1].get("x").unwrap().line, 6);
    }

    #[test]
    fn continuation_joins_lines_and_keeps_the_break() {
        let text = "[m]\ndefinition = search a \\\n  | stats count\nargs = x\n";
        let conf = parse_conf(text, "t.conf").unwrap();
        let m = &conf.stanzas[0];
        assert_eq!(
            m.get("definition").unwrap().value,
            "search a \n  | stats count"
        );
        assert_eq!(m.get("args").unwrap().line, 4);
    }

    #[test]
    fn later_key_overrides_earlier() {
        let conf = parse_conf("[m]\na=1\na=2\n", "t").unwrap();
        assert_eq!(conf.stanzas[0].get("a").unwrap().value, "2");
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse_conf("[m]\nnot a pair\n", "x.conf").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("x.conf", 2));
        assert_eq!(err.to_string().split(':').next(), Some("x.conf"));
        let err = parse_conf("[m\n", "x.conf").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_conf("[m]\na = b \\", "x.conf").unwrap_err();
        assert!(err.message.contains("continuation"));
    }

    #[test]
    fn entries_before_a_stanza_go_to_default() {
        let conf = parse_conf("a = 1\n", "t").unwrap();
        assert_eq!(conf.stanzas[0].name, "default");
    }
}
