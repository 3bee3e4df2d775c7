//! The CLI against a real SMTP server (aiosmtpd on 127.0.0.1): `send` with AUTH and secrets
//! from the environment, and partial deliveries counted by `run`'s summary.

mod cli_support;
mod common;

use cli_support::{lncmail, write};
use common::smtp::{ServerOptions, TestServer};

#[test]
fn send_with_auth_over_smtp_keeps_the_password_out_of_every_output() {
    let secret = "Pa55-w0rd-from-env";
    let server = TestServer::start(ServerOptions { auth: Some(("batch".into(), secret.into())), ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let out = lncmail(
        dir.path(),
        &[
            "send", "-v", "--server", "127.0.0.1", "--port", &port, "--from", "batch@example.com",
            "--to", "a@example.com", "--bcc", "hidden@example.com", "--subject", "over SMTP", "--text", "hello",
            "--set", "UserId=batch", "--set", "password=${LNC_SMTP_PASSWORD}", "--set", "logfile=log.csv",
        ],
        &[("LNC_SMTP_PASSWORD", secret)],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.starts_with("OK 250"), "{}", out.all());
    assert!(out.stderr.contains("DEBUG"), "--verbose shows diagnostics: {}", out.all());
    // The SMTP dialogue, command by command, with the credentials masked and no message text.
    for line in [">> EHLO", "<< 250", ">> AUTH ", "**** (credentials masked)", ">> MAIL FROM:<batch@example.com>", ">> RCPT TO:<hidden@example.com>", ">> DATA", ">> (the message, ", ">> QUIT"] {
        assert!(out.stderr.contains(line), "--verbose lacks {line:?}: {}", out.stderr);
    }
    assert!(!out.stderr.contains("Subject: over SMTP"), "no message text in the dialogue");
    assert!(!out.all().contains(secret), "{}", out.all());
    let log = std::fs::read_to_string(dir.path().join("log.csv")).unwrap();
    assert!(!log.contains(secret), "{log}");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].meta.contains("hidden@example.com"), "Bcc in the envelope: {}", got[0].meta);
    let text = String::from_utf8_lossy(&got[0].bytes);
    assert!(text.contains("Subject: over SMTP") && !text.contains("hidden@"), "{text}");
}

#[test]
fn partial_deliveries_are_counted_and_fail_the_exit_status() {
    let server = TestServer::start(ServerOptions { refuse: vec!["refused@example.com".into()], ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "p.lnc",
        &format!(
            "MAILSMTP '{}'\n\
             MAILPREP 'ok1@example.com'\nMAILSEND\n\
             MAILPREP 'ok2@example.com;refused@example.com'\nMAILSEND\n\
             MAILPREP 'ok3@example.com'\nMAILSEND\nMAILEND\n",
            server.props("")
        ),
    );
    let out = lncmail(dir.path(), &["run", "--keep-going", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("p.lnc:5: MAILSEND: E16 "), "{}", out.all());
    assert!(out.stdout.contains("refused@example.com"), "{}", out.all());
    assert!(out.stderr.contains("lncmail: 2 sent, 1 partial, 0 failed in "), "{}", out.all());
    assert_eq!(server.messages().len(), 3, "the partial message reached ok2");

    // Without --keep-going a partial MAILSEND stops the run like any failed command.
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("stopped at p.lnc:5"), "{}", out.all());
    assert!(out.stderr.contains("lncmail: 1 sent, 1 partial, 0 failed in "), "{}", out.all());
    assert_eq!(server.messages().len(), 5);
}
