//! JSON paths and flattening shared by `spath`, `KV_MODE=json` auto-extraction and the
//! `spath`/`json_extract` eval functions (SEMANTICS §4).

use serde_json::Value as Json;

/// Every leaf of `value`, named as Splunk names auto-extracted fields (`a.b{}.c`,
/// `tags{}`; R4.7, R4.13), with its values in document order (several values = a
/// multivalue field). Leaves are rendered as their JSON text (`true`, `1.5`), strings
/// without quotes; `null` leaves produce no value (CLOUDTRAIL.md §3). Names appear in
/// order of first occurrence.
pub fn flatten(value: &Json) -> Vec<(String, Vec<String>)> {
    let _ = value;
    todo!("json")
}

/// The values `path` selects (`a.b{1}.c`, `a{}.b`; `{N}` is 0-based, R4.3). Objects and
/// arrays selected as a whole are returned as their compact JSON text (R4.5). `None` if
/// nothing is selected.
pub fn select(value: &Json, path: &str) -> Option<Vec<String>> {
    let _ = (value, path);
    todo!("json")
}
