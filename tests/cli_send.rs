//! `lncmail send`: one message from flags (the LNCSNDMAIL equivalent), read back by Python's
//! email parser; same result codes and send log as a command file.

mod cli_support;
mod common;

use cli_support::{emls, lncmail, write};

#[test]
fn every_flag_reaches_the_message() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "body.txt", "from the file\nsecond line\n");
    write(dir.path(), "body.html", "<p>Hello <b>HTML</b></p>");
    write(dir.path(), "report.csv", "a;b\n1;2\n");
    let out = lncmail(
        dir.path(),
        &[
            "send", "--server", "file:outbox", "--from", "Jean Dupont <jean@example.com>", "--reply-to", "help@example.com",
            "--to", "a@example.com", "--to", "b@example.com;c@example.com", "--cc", "d@example.com",
            "--bcc", "hidden@example.com", "--subject", "Réunion \"mensuelle\"", "--text", "first line",
            "--text-file", "body.txt", "--html-file", "body.html", "--attach", "report.csv",
            "--priority", "*HIGH", "--report", "--header", "X-Job: nightly",
            "--set", "logfile=send-log.csv", "--set", "Timeout=5", "--set", "checkMail",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.starts_with("OK outbox/") && out.stdout.lines().count() == 1, "{}", out.all());
    let files = emls(&dir.path().join("outbox"));
    assert_eq!(files.len(), 1);
    let v = common::eml::parse_clean(&files[0]);
    let h = &v["headers"];
    assert_eq!(h["from"], "Jean Dupont <jean@example.com>");
    assert_eq!(h["reply-to"], "help@example.com");
    assert_eq!(h["to"], "a@example.com, b@example.com, c@example.com");
    assert_eq!(h["cc"], "d@example.com");
    assert!(h.get("bcc").is_none(), "{h}");
    assert_eq!(h["subject"], "Réunion \"mensuelle\"");
    assert_eq!(h["x-priority"], "1 (Highest)");
    assert_eq!(h["disposition-notification-to"], "Jean Dupont <jean@example.com>");
    assert_eq!(h["x-job"], "nightly");
    let types = common::eml::structure(&v);
    assert_eq!(types, ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/csv"]);
    let leaves = common::eml::leaves(&v);
    assert_eq!(leaves[0]["text"].as_str().unwrap().replace("\r\n", "\n"), "first line\nfrom the file\nsecond line\n");
    assert!(leaves[1]["text"].as_str().unwrap().contains("<b>HTML</b>"));
    assert_eq!(leaves[2]["filename"], "report.csv");
    // The same send log as a command file: one row, Bcc counted, not listed.
    let log = std::fs::read_to_string(dir.path().join("send-log.csv")).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(log.contains(";SENT;0;") && !log.contains("hidden@"), "{log}");
}

#[test]
fn failures_give_the_command_and_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["send", "--server", "file:outbox", "--from", "me@example.com", "--to", "a@example.com"];
    // (extra flags, exit status, words on standard error)
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--attach", "missing.pdf"], 1, "lncmail: send: MAILATT: E7 "),
        (&["--set", "Sever=x"], 1, "lncmail: send: MAILSMTP: E3 MAILSMTP: unknown property 'Sever' at position"),
        (&["--set", "Server=file:other"], 1, "MAILSMTP: E3 MAILSMTP: property Server is given twice"),
        (&["--priority", "urgent"], 1, "lncmail: send: MAILPRTY: E3 "),
        (&["--header", "To: evil@example.com"], 1, "lncmail: send: MAILHEADER: E3 "),
        (&["--cc", "not an address", "--set", "checkMail"], 1, "lncmail: send: MAILCC: E6 "),
        (&["--set", "a;b=c"], 2, "--set: 'a;b' is not a property name"),
        (&["--text-file", "missing.txt"], 2, "--text-file: cannot read missing.txt"),
        (&["--set", "password=${LNC_UNSET_SECRET}"], 2, "LNC_UNSET_SECRET is not set"),
        (&["--report=sometimes"], 2, "invalid value 'sometimes'"),
    ];
    for (extra, code, words) in cases {
        let args: Vec<&str> = base.iter().chain(extra.iter()).copied().collect();
        let out = lncmail(dir.path(), &args, &[], None);
        assert_eq!(out.code, *code, "{extra:?}: {}", out.all());
        assert!(out.stderr.contains(words), "{extra:?}: wanted {words:?}: {}", out.all());
        assert!(emls(&dir.path().join("outbox")).is_empty(), "{extra:?}: a message went out");
    }
    // No server at all: the usual MAILSMTP error.
    let out = lncmail(dir.path(), &["send", "--from", "me@example.com", "--to", "a@example.com"], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("MAILSMTP: E4 MAILSMTP: property Server is required"), "{}", out.all());
}

#[test]
fn send_takes_defaults_dry_run_and_env_in_set() {
    let dir = tempfile::tempdir().unwrap();
    let dft = write(dir.path(), "d.props", "Server=\"127.0.0.1\";port=9;Sender=\"dft@example.com\"");
    let out = lncmail(
        dir.path(),
        &["send", "--defaults", &dft, "--dry-run=trial", "--to", "a@example.com", "--subject", "s",
          "--set", "UserId=me", "--set", "password=${LNC_SECRET}", "--report=read"],
        &[("LNC_SECRET", "Very-S3cret")],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stdout.contains("Very-S3cret") && !out.stderr.contains("Very-S3cret"), "{}", out.all());
    let files = emls(&dir.path().join("trial"));
    assert_eq!(files.len(), 1, "{}", out.all());
    let v = common::eml::parse_clean(&files[0]);
    assert_eq!(v["headers"]["from"], "dft@example.com");
    assert_eq!(v["headers"]["disposition-notification-to"], "dft@example.com");
}

#[test]
fn quiet_send_prints_nothing_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = lncmail(
        dir.path(),
        &["-q", "send", "--server", "file:outbox", "--from", "me@example.com", "--to", "a@example.com", "--text", "x"],
        &[],
        None,
    );
    assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""), "{}", out.all());
    assert_eq!(emls(&dir.path().join("outbox")).len(), 1);
}
