//! docs/commands.md and the code name the same commands, properties and result codes.

use std::collections::BTreeSet;

use lncmail::command::COMMANDS;
use lncmail::draft::{MAILATT_KEYS, MAILPREP_KEYS, MAILREPORT_KEYS};
use lncmail::props::Key;
use lncmail::settings::MAILSMTP_KEYS;
use lncmail::Code;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md")).unwrap()
}

/// The first cells of the table after `<!-- marker -->`.
fn table(doc: &str, marker: &str) -> Vec<String> {
    let start = doc.find(&format!("<!-- {marker} -->")).unwrap_or_else(|| panic!("no marker {marker}"));
    doc[start..]
        .lines()
        .skip(3) // marker, header row, separator row
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').nth(1).unwrap().trim().trim_matches('`').to_string())
        .collect()
}

fn names(keys: &[Key]) -> BTreeSet<String> {
    keys.iter().map(|k| k.name.to_string()).collect()
}

#[test]
fn every_command_is_documented_and_every_documented_command_exists() {
    let doc = doc();
    let documented: BTreeSet<String> =
        doc.lines().filter_map(|l| l.strip_prefix("### ")).map(|s| s.trim().to_string()).collect();
    let code: BTreeSet<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
    assert_eq!(documented, code);
    for c in COMMANDS {
        for alias in c.aliases {
            assert!(doc.contains(&format!("`{alias}`")), "alias {alias} undocumented");
        }
    }
}

#[test]
fn every_property_is_documented_and_every_documented_property_exists() {
    let doc = doc();
    for (marker, keys) in [("MAILSMTP", MAILSMTP_KEYS), ("MAILPREP", MAILPREP_KEYS), ("MAILATT", MAILATT_KEYS), ("MAILREPORT", MAILREPORT_KEYS)] {
        let documented: BTreeSet<String> = table(&doc, &format!("props:{marker}")).into_iter().collect();
        assert_eq!(documented, names(keys), "{marker} properties");
        for k in keys {
            for alias in k.aliases {
                assert!(doc.contains(&format!("`{alias}`")), "alias {alias} undocumented");
            }
        }
    }
}

#[test]
fn every_result_code_is_documented() {
    let doc = doc();
    let start = doc.find("<!-- codes -->").unwrap();
    let rows: Vec<(i32, String, String)> = doc[start..]
        .lines()
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].parse().unwrap(), cells[2].to_string(), cells[3].trim_matches('`').to_string())
        })
        .collect();
    assert_eq!(rows.len(), Code::ALL.len());
    for ((n, name, example), code) in rows.iter().zip(Code::ALL) {
        assert_eq!((*n, name.as_str()), (code as i32, code.name()));
        let prefix = if code == Code::Ok { "OK".to_string() } else { format!("E{n} ") };
        assert!(example.starts_with(&prefix), "example for {name}: {example}");
    }
}
