//! The local rows of the fault matrix: the `file:` folder, the log or the FailedDir cannot be
//! written, an attachment deleted between MAILATT and MAILSEND; and the owner-only (0600)
//! permissions of every file that holds mail, created fresh under umask 022.
//!
//! Tests run as root in CI, where permissions do not stop writes: an unwritable path is made
//! as a path below a regular file (`ENOTDIR` stops root too).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::peer::{Peer, Script};
use lncmail::session::outcome;
use lncmail::{Code, Session, State};

/// A path that cannot be created by anyone: its parent is a regular file.
fn blocked(dir: &Path, name: &str) -> std::path::PathBuf {
    let file = dir.join("a-regular-file");
    std::fs::write(&file, "not a folder").unwrap();
    file.join(name)
}

fn compose(s: &mut Session, props: &str, subject: &str) {
    s.execute("MAILSMTP", props, "").unwrap();
    s.execute("MAILPREP", "to@example.com", &format!("subject=\"{subject}\"")).unwrap();
    s.execute("MAILTEXT", "body text", "").unwrap();
}

fn eml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect())
        .unwrap_or_default()
}

#[test]
fn file_folder_not_writable_is_code_7_and_failed_dir_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = blocked(dir.path(), "outbox");
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let log = dir.path().join("send.csv");
    let props = format!(
        "Server=\"file:{}\";Sender=\"s@example.com\";FailedDir=\"{}\";logfile=\"{}\"",
        outbox.display(),
        failed.display(),
        log.display()
    );
    let mut s = Session::new();
    compose(&mut s, &props, "outbox blocked");
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::File, "{text}");
    assert!(text.contains(&outbox.display().to_string()), "the folder is not named: {text}");
    assert!(text.contains("message saved as "), "{text}");
    assert_eq!(s.state(), State::Composing);
    let saved = eml_files(&failed);
    assert_eq!(saved.len(), 1);
    assert!(std::fs::read_to_string(&saved[0]).unwrap().contains("Subject: outbox blocked"));
    let rows = std::fs::read_to_string(&log).unwrap();
    assert!(rows.lines().nth(1).is_some_and(|r| r.contains(";FAILED;7;")), "{rows}");
}

#[test]
fn log_not_writable_is_code_13_and_the_message_is_still_sent() {
    let dir = tempfile::tempdir().unwrap();
    let log = blocked(dir.path(), "send.csv");
    let peer = Peer::start(Script::clean());
    let mut s = Session::new();
    compose(&mut s, &peer.props(5, &format!("logfile=\"{}\"", log.display())), "log blocked");
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::Logfile, "{text}");
    assert!(text.contains("the message was sent: OK 250"), "{text}");
    assert!(text.contains(&log.display().to_string()), "the log is not named: {text}");
    assert_eq!(peer.count(|s| &s.delivered), 1);
    // Sent: the draft is cleared, so a second MAILSEND cannot send it twice.
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn log_not_writable_and_send_failed_reports_both_and_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let log = blocked(dir.path(), "send.csv");
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let port = common::smtp::free_port();
    let props = format!(
        "Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=2;logfile=\"{}\";FailedDir=\"{}\"",
        log.display(),
        failed.display()
    );
    let mut s = Session::new();
    compose(&mut s, &props, "both fail");
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    // The mail error matters more; the log error is said too.
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("also: cannot write the log"), "{text}");
    assert_eq!(eml_files(&failed).len(), 1);
    assert_eq!(s.state(), State::Composing);
}

#[test]
fn failed_dir_not_writable_keeps_the_draft_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let log = dir.path().join("send.csv");
    let port = common::smtp::free_port();
    let props = format!(
        "Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=2;logfile=\"{}\";FailedDir=\"{}\"",
        log.display(),
        failed.display()
    );
    let mut s = Session::new();
    compose(&mut s, &props, "nowhere to keep it");
    // The folder was checked at MAILSMTP; it turns into a regular file before MAILSEND.
    std::fs::remove_dir(&failed).unwrap();
    std::fs::write(&failed, "in the way").unwrap();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("could not be saved"), "{text}");
    // Nothing is lost: the draft is still there to be sent again.
    assert_eq!(s.state(), State::Composing);
    let rows = std::fs::read_to_string(&log).unwrap();
    assert!(rows.lines().nth(1).is_some_and(|r| r.contains(";FAILED;9;") && r.contains("could not be saved")), "{rows}");
}

#[test]
fn attachment_deleted_before_mailsend_is_code_7_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let att = dir.path().join("report.pdf");
    std::fs::write(&att, b"%PDF-1.4 test").unwrap();
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let log = dir.path().join("send.csv");
    let peer = Peer::start(Script::clean());
    let mut s = Session::new();
    compose(&mut s, &peer.props(5, &format!("logfile=\"{}\";FailedDir=\"{}\"", log.display(), failed.display())), "att");
    s.execute("MAILATT", &att.display().to_string(), "").unwrap();
    std::fs::remove_file(&att).unwrap();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::File, "{text}");
    assert!(text.contains("report.pdf"), "the file is not named: {text}");
    assert_eq!(s.state(), State::Composing);
    assert_eq!(peer.count(|s| &s.mails), 0, "something was sent");
    // The message could not be built, so there is nothing to keep: the draft is the message.
    assert!(eml_files(&failed).is_empty());
    let rows = std::fs::read_to_string(&log).unwrap();
    assert!(rows.lines().nth(1).is_some_and(|r| r.contains(";FAILED;7;")), "{rows}");
    // Put the file back: the same draft goes out.
    std::fs::write(&att, b"%PDF-1.4 test").unwrap();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::Ok, "{text}");
    assert_eq!(peer.count(|s| &s.delivered), 1);
}

/// The CLI run under umask 022 (what most shells have): the `file:` .eml, the FailedDir .eml
/// and the send log are still created owner-only.
#[test]
fn files_holding_mail_are_created_owner_only_under_umask_022() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let log = dir.path().join("send.csv");
    let port = common::smtp::free_port();
    // Two runs: one to a `file:` folder, one refused (the message goes to FailedDir).
    let scripts = [
        format!(
            "MAILSMTP 'Server=\"file:{}\";Sender=\"s@example.com\";logfile=\"{}\"'\n",
            outbox.display(),
            log.display()
        ),
        format!(
            "MAILSMTP 'Server=\"127.0.0.1\";port={port};Timeout=2;Sender=\"s@example.com\";logfile=\"{}\";FailedDir=\"{}\"'\n",
            log.display(),
            failed.display()
        ),
    ];
    let mut said = String::new();
    for (i, head) in scripts.iter().enumerate() {
        let script = dir.path().join(format!("perm{i}.lnc"));
        std::fs::write(&script, format!("{head}MAILPREP 'to@example.com' 'subject=\"perm\"'\nMAILTEXT 'x'\nMAILSEND\nMAILEND\n"))
            .unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 022 && exec \"$0\" run \"$1\"")
            .arg(common::lncmail_bin())
            .arg(&script)
            .output()
            .unwrap();
        said.push_str(&String::from_utf8_lossy(&out.stdout));
        said.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let sent = eml_files(&outbox);
    let kept = eml_files(&failed);
    assert_eq!((sent.len(), kept.len()), (1, 1), "{said}");
    for p in [&sent[0], &kept[0], &log] {
        assert_eq!(mode(p), 0o600, "{} is {:o}: {said}", p.display(), mode(p));
    }
}
