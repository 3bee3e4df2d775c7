//! Reading .eml files back with an independent MIME parser (Python's `email`, policy=default).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What Python's email package sees in a message (see tests/tools/parse_eml.py).
pub fn parse(path: &Path) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/parse_eml.py");
    let out = Command::new("python3").arg(&script).arg(path).output().expect("python3 must be installed");
    assert!(out.status.success(), "parse_eml.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("parse_eml.py prints JSON")
}

/// The parsed message, asserting that the parser found no defect, no bare LF, no line over 998
/// octets and no 8-bit byte (everything 7-bit on the wire).
pub fn parse_clean(path: &Path) -> Value {
    let v = parse(path);
    assert_eq!(v["defects"], serde_json::json!([]), "defects in {}", path.display());
    assert_eq!(v["bare_lf"], 0, "bare LF in {}", path.display());
    assert_eq!(v["long_lines"], 0, "line over 998 octets in {}", path.display());
    assert_eq!(v["non_ascii_bytes"], 0, "8-bit bytes in {}", path.display());
    v
}

/// The leaf parts of a parsed message.
pub fn leaves(v: &Value) -> Vec<&Value> {
    v["parts"].as_array().map(|a| a.iter().filter(|p| p.get("size").is_some()).collect()).unwrap_or_default()
}

/// The content types of every part, in order (multiparts included).
pub fn structure(v: &Value) -> Vec<String> {
    v["parts"]
        .as_array()
        .map(|a| a.iter().map(|p| p["content_type"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

/// The one .eml file in a folder.
pub fn only_eml(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("outbox folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "expected one .eml in {}: {files:?}", dir.display());
    files.into_iter().next().expect("one file")
}
