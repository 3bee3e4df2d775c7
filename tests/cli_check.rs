//! `lncmail check ADDRESS...`: each address with valid or why not; exit 1 if any is invalid.

mod cli_support;

use cli_support::lncmail;

#[test]
fn each_address_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    // (address, valid, words of the verdict)
    let cases: &[(&str, bool, &str)] = &[
        ("you@example.com", true, "you@example.com: valid"),
        ("\"Jean Dupont\" <jean@example.fr>", true, ": valid"),
        ("user@[127.0.0.1]", true, ": valid"),
        ("no-at-sign", false, "no-at-sign: invalid: not an RFC 5322 addr-spec"),
        ("a@", false, "a@: invalid:"),
        ("two words@example.com", false, "invalid"),
        ("a@example.com\r\nBcc: x@example.com", false, "control character"),
    ];
    for (addr, valid, words) in cases {
        let out = lncmail(dir.path(), &["check", addr], &[], None);
        assert_eq!(out.code, if *valid { 0 } else { 1 }, "{addr:?}: {}", out.all());
        assert!(out.stdout.contains(words), "{addr:?}: {}", out.all());
        assert_eq!(out.stdout.lines().count(), 1, "{addr:?}: {}", out.all());
    }
}

#[test]
fn several_addresses_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = lncmail(dir.path(), &["check", "a@example.com", "bad", "b@example.com"], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].ends_with(": valid") && lines[1].starts_with("bad: invalid") && lines[2].ends_with(": valid"));

    let out = lncmail(dir.path(), &["check", "-"], &[], Some("a@example.com\n\n  b@example.com  \n"));
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(out.stdout, "a@example.com: valid\nb@example.com: valid\n");

    let out = lncmail(dir.path(), &["check", "-q", "bad"], &[], None);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    let out = lncmail(dir.path(), &["check"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
}
