//! docs/reliability.md names a test for every row of the fault matrix: each named test exists,
//! so the matrix cannot silently outlive its tests.

use std::path::Path;

#[test]
fn every_test_named_in_the_reliability_page_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/reliability.md")).unwrap();
    let mut named = 0;
    let mut missing = Vec::new();
    // References look like `file::test_name` (a file in tests/ and a function in it).
    for quoted in doc.split('`').skip(1).step_by(2) {
        let Some((file, func)) = quoted.split_once("::") else { continue };
        if !file.chars().all(|c| c.is_ascii_lowercase() || c == '_') || !func.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        named += 1;
        let source = std::fs::read_to_string(root.join(format!("tests/{file}.rs"))).unwrap_or_default();
        if !source.contains(&format!("fn {func}(")) {
            missing.push(quoted.to_string());
        }
    }
    assert!(named >= 15, "only {named} tests named in docs/reliability.md");
    assert!(missing.is_empty(), "named in docs/reliability.md but not found: {missing:?}");
}

#[test]
fn every_matrix_cell_is_a_row_of_the_fault_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("tests/faults_smtp.rs")).unwrap();
    let steps = ["greeting", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "end of data"];
    let mut missing = Vec::new();
    for step in steps {
        for fault in ["4xx at", "5xx at", "disconnect at", "stall at"] {
            let name = match (fault, step) {
                ("4xx at", "greeting") => "421 at greeting".to_string(),
                ("5xx at", "greeting") => "554 at greeting".to_string(),
                ("disconnect at", "end of data") => "disconnect after the final dot".to_string(),
                _ => format!("{fault} {step}"),
            };
            if !source.contains(&format!("row(\"{name}\"")) {
                missing.push(name);
            }
        }
    }
    for name in ["disconnect in the middle of DATA", "stall in the middle of DATA"] {
        if !source.contains(&format!("row(\"{name}\"")) {
            missing.push(name.to_string());
        }
    }
    assert!(missing.is_empty(), "matrix cells without a row in faults_smtp.rs: {missing:?}");
}
