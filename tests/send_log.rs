//! The send log (SPEC section 6): its rows through real sessions, and concurrent writers.

mod common;

use std::path::Path;
use std::process::Command;

use lncmail::log::{self, Row, Status, COLUMNS};
use lncmail::{session::outcome, Code, Session};

fn read_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::ReaderBuilder::new().delimiter(b';').has_headers(true).from_path(path).unwrap();
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS.to_vec());
    r.records().map(|x| x.expect("a well-formed row")).collect()
}

#[test]
fn rows_through_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let logfile = dir.path().join("send.csv");
    let att = dir.path().join("a.txt");
    std::fs::write(&att, "x").unwrap();
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &format!(
            r#"Server="file:{}";Sender="Me <me@example.com>";logfile="{}";UserId="u";password="pw-S3CRET-42""#,
            dir.path().join("out").display(),
            logfile.display()
        ),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "a@example.com, \"B\" <b@example.com>", "subject=\"=cmd|' /C calc'!A0\"").unwrap();
    s.execute("MAILCC", "c@example.com", "").unwrap();
    s.execute("MAILBCC", "secret1@example.com; secret2@example.com", "").unwrap();
    s.execute("MAILATT", &att.display().to_string(), "").unwrap();
    let sent = s.execute("MAILSEND", "", "").unwrap();
    // A failed attempt is logged too.
    s.execute("MAILPREP", "a@example.com", "").unwrap();
    s.execute("MAILATT", &att.display().to_string(), "").unwrap();
    std::fs::remove_file(&att).unwrap();
    assert!(s.execute("MAILSEND", "", "").is_err());

    let rows = read_rows(&logfile);
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    chrono::DateTime::parse_from_rfc3339(&r[0]).expect("RFC 3339 timestamp");
    assert_eq!(&r[1], s.id().to_string());
    assert!(r[2].ends_with("@example.com"));
    assert_eq!(&r[3], "me@example.com");
    assert_eq!(&r[4], "a@example.com,b@example.com");
    assert_eq!(&r[5], "c@example.com");
    assert_eq!(&r[6], "2");
    assert_eq!(&r[7], "'=cmd|' /C calc'!A0", "formula injection guard");
    assert_eq!(&r[8], "1");
    let eml = sent.detail().unwrap();
    assert_eq!(r[9].parse::<u64>().unwrap(), std::fs::metadata(eml).unwrap().len());
    assert_eq!(&r[10], "SENT");
    assert_eq!(&r[11], "0");
    assert_eq!(&r[12], eml);
    assert!(r[13].starts_with("file:"));
    r[14].parse::<u64>().expect("duration in ms");
    let f = &rows[1];
    assert_eq!((&f[10], &f[11]), ("FAILED", "7"));
    assert!(f[12].contains("cannot be read"));

    let text = std::fs::read_to_string(&logfile).unwrap();
    assert!(!text.contains("secret1") && !text.contains("secret2"), "Bcc addresses are counted, not listed");
    assert!(!text.contains("S3CRET"), "no password in the log");
}

#[test]
fn unwritable_log_is_code_13_and_the_mail_result_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &format!(r#"Server="file:{}";Sender="me@example.com";logfile="{}/no/such/dir/log.csv""#, dir.path().display(), dir.path().display()),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "a@example.com", "").unwrap();
    let r = s.execute("MAILSEND", "", "");
    let (code, text) = outcome(&r);
    assert_eq!(code, Code::Logfile, "{text}");
    assert!(text.contains("the message was sent") && text.contains(".eml"), "{text}");
    assert!(s.draft().is_none(), "the message went out, so the draft is cleared");
}

fn row(writer: u32, n: u32) -> Row {
    Row {
        timestamp: Row::now(),
        session: u64::from(writer),
        message_id: format!("{writer}-{n}@example.com"),
        sender: "me@example.com".into(),
        to: vec!["a@example.com".into()],
        cc: vec![],
        bcc_count: 0,
        // Long enough that a torn write would show, with separators and quotes to escape.
        subject: format!("writer {writer} row {n}; \"quoted\" {}", "x".repeat(300)),
        attachments: 0,
        bytes: 1000,
        status: Status::Sent,
        code: 0,
        detail: "250 ok".into(),
        server: "file:x".into(),
        duration_ms: 1,
    }
}

/// Not a test on its own: the child process of `two_processes_append_without_tearing`.
#[test]
#[ignore]
fn log_writer_child() {
    let (Ok(path), Ok(writer)) = (std::env::var("LNCMAIL_TEST_LOG"), std::env::var("LNCMAIL_TEST_WRITER")) else {
        return;
    };
    let writer: u32 = writer.parse().unwrap();
    for n in 0..1000 {
        log::append(Path::new(&path), &row(writer, n)).unwrap();
    }
}

#[test]
fn two_processes_append_without_tearing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.csv");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (1..=2)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "log_writer_child", "--ignored"])
                .env("LNCMAIL_TEST_LOG", &path)
                .env("LNCMAIL_TEST_WRITER", w.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let rows = read_rows(&path);
    assert_eq!(rows.len(), 2000);
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        assert_eq!(r.len(), 15);
        let (writer, n) = r[2].trim_end_matches("@example.com").split_once('-').unwrap();
        assert_eq!(&r[7], row(writer.parse().unwrap(), n.parse().unwrap()).subject);
        assert!(seen.insert(r[2].to_string()), "duplicate row {}", &r[2]);
    }
    // Exactly one header row.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("timestamp;session;").count(), 1);
}
