//! Hostile input: random and huge inputs to the parsers and random command sequences against a
//! session. Nothing panics or hangs, errors carry the right codes, and a failed command leaves the
//! session as it was.

use lncmail::{address, props, script, session::outcome, settings::MAILSMTP_KEYS, Code, Session};
use proptest::prelude::*;

/// Strings made of the characters that matter to the parsers, plus anything else.
fn tricky() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("'".to_string()),
        Just("''".to_string()),
        Just(";".to_string()),
        Just("=".to_string()),
        Just(",".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("@".to_string()),
        Just("\\".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\0".to_string()),
        Just(" ".to_string()),
        Just("#".to_string()),
        Just("Server".to_string()),
        Just("Sender".to_string()),
        Just("a@example.com".to_string()),
        Just("é東✓".to_string()),
        "[a-zA-Z0-9]{1,8}",
        any::<String>(),
    ];
    prop::collection::vec(atoms, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn property_parser_never_panics(input in tricky()) {
        match props::parse("T", &input, MAILSMTP_KEYS) {
            Ok(_) => {}
            Err(e) => prop_assert!(matches!(e.code(), Code::Syntax | Code::InvalidProperty), "{e}"),
        }
        let _ = lncmail::settings::Settings::parse(&input);
    }

    #[test]
    fn address_check_never_panics(input in tricky(), strict in any::<bool>()) {
        if let Err(e) = address::parse_list(&input, strict) {
            prop_assert!(matches!(e.code(), Code::InvalidAddress | Code::InvalidProperty), "{e}");
        }
    }

    #[test]
    fn command_file_parser_never_panics(input in tricky()) {
        let _ = script::parse(&input);
    }
}

const COMMANDS: &[&str] = &[
    "MAILSMTP", "MAILPREP", "MAILTO", "MAILCC", "MAILBCC", "MAILSUBJ", "MAILTEXT", "MAILHTML", "MAILBODYF",
    "MAILATT", "MAILPRTY", "MAILREPORT", "MAILHEADER", "MAILSEND", "MAILEND", "MAILFOO", "", "mailsend ",
];

/// PARMs; `OUTBOX` is replaced by the test's folder.
fn parm() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Server=\"file:OUTBOX\";Sender=\"me@example.com\"".to_string()),
        Just("Server=\"file:OUTBOX\";Sender=\"me@example.com\";checkMail".to_string()),
        Just("you@example.com".to_string()),
        Just("\"Doe, J\" <j@example.com>; k@example.com".to_string()),
        Just("subject=\"hi\";priority=5;report".to_string()),
        Just("*HIGH".to_string()),
        Just("X-Test: 1".to_string()),
        Just(file!().to_string()),
        Just("name=\"x.txt\";cid=img".to_string()),
        Just("x\r\nBcc: evil@example.com".to_string()),
        tricky(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences(
        steps in prop::collection::vec((0..COMMANDS.len(), parm(), parm()), 1..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("out").display().to_string();
        let mut s = Session::new();
        for (cmd_index, p1, p2) in steps {
            let (p1, p2) = (p1.replace("OUTBOX", &outbox), p2.replace("OUTBOX", &outbox));
            let cmd = COMMANDS[cmd_index];
            let before = format!("{:?}", (s.state(), s.settings(), s.draft()));
            let result = s.execute(cmd, &p1, &p2);
            let (code, text) = outcome(&result);
            prop_assert!(!text.is_empty());
            prop_assert_ne!(code, Code::Internal, "{} {:?} {:?}: {}", cmd, p1, p2, text);
            let is_send = cmd.trim().eq_ignore_ascii_case("MAILSEND");
            if result.is_err() && !is_send {
                prop_assert_eq!(format!("{:?}", (s.state(), s.settings(), s.draft())), before, "{} changed the session", cmd);
            }
        }
    }
}

#[test]
fn deep_quoting_and_huge_values() {
    // Deep quoting: thousands of escaped quotes.
    let deep = format!("Server=\"{}\";Sender=\"me@example.com\"", "\"\"".repeat(50_000));
    let e = lncmail::settings::Settings::parse(&deep).unwrap_err();
    assert_eq!(e.code(), Code::InvalidProperty);
    assert!(e.message().len() < 300, "messages stay short");
    let unbalanced = "\"".repeat(100_001);
    assert!(props::parse("T", &format!("Server={unbalanced}"), MAILSMTP_KEYS).is_err());

    // 100 MiB values: parsed in one pass, refused or accepted cleanly, messages stay short.
    let huge = "x".repeat(100 << 20);
    for input in [
        format!("{huge}=1"),
        format!("Server=\"{huge}"),
        format!("port={huge}"),
        format!("Sender=\"{huge}\";Server=s"),
    ] {
        let e = lncmail::settings::Settings::parse(&input).unwrap_err();
        assert!(e.message().len() < 400, "{}", &e.message()[..200]);
    }
    let mut s = Session::new();
    let dir = tempfile::tempdir().unwrap();
    s.execute("MAILSMTP", &format!("Server=\"file:{}\";Sender=\"me@example.com\"", dir.path().display()), "").unwrap();
    s.execute("MAILPREP", "a@example.com", "").unwrap();
    let r = s.execute("MAILTO", &huge, "");
    assert_eq!(outcome(&r).0, Code::InvalidAddress);
    assert!(outcome(&r).1.len() < 100_000);
    let r = s.execute("MAILHEADER", &format!("X-Big: {huge}\nBcc: evil@example.com"), "");
    assert_eq!(outcome(&r).0, Code::InvalidProperty);
    assert_eq!(outcome(&s.execute(&huge, "", "")).0, Code::UnknownCommand);
}

#[test]
fn nul_and_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new();
    let smtp = format!("Server=\"file:{}\";Sender=\"me@example.com\"", dir.path().display());
    assert_eq!(outcome(&s.execute("MAILSMTP", &format!("{smtp};Helo=\"a\0b\""), "")).0, Code::InvalidProperty);
    s.execute("MAILSMTP", &smtp, "").unwrap();
    s.execute("MAILPREP", "a@example.com", "").unwrap();
    for (c, p) in [("MAILTO", "a\0@example.com"), ("MAILSUBJ", "a\rb"), ("MAILHEADER", "X-A: a\rb"), ("MAILATT", "/tmp/\0x")] {
        let code = outcome(&s.execute(c, p, "")).0;
        assert!(matches!(code, Code::InvalidProperty | Code::File), "{c}: {code:?}");
    }
    // NUL inside the text body is carried (base64/QP-encoded), not a crash.
    s.execute("MAILTEXT", "before\0after", "").unwrap();
    s.execute("MAILSEND", "", "").unwrap();
}
