//! STARTTLS, SMTPS, certificate checks, AUTH, per-recipient refusals and SIZE against a real
//! server (aiosmtpd, tests/support/smtp_server.py) on 127.0.0.1.

mod common;

use common::smtp::{ServerOptions, TestServer, TlsMode};
use lncmail::session::outcome;
use lncmail::{Code, Session};

const USER: &str = "alice";
const PASSWORD: &str = "s3cret-Pa55";

fn send(props: &str, to: &str) -> (Code, String) {
    send_text(props, to, "hello over TLS")
}

fn send_text(props: &str, to: &str, text: &str) -> (Code, String) {
    let mut s = Session::new();
    for (cmd, p1, p2) in [("MAILSMTP", props, ""), ("MAILPREP", to, "subject=\"tls test\""), ("MAILTEXT", text, "")] {
        let (code, text) = outcome(&s.execute(cmd, p1, p2));
        assert_eq!(code, Code::Ok, "{cmd}: {text}");
    }
    let r = outcome(&s.execute("MAILSEND", "", ""));
    s.execute("MAILEND", "", "").unwrap();
    r
}

fn auth_server(mode: TlsMode) -> TestServer {
    TestServer::start(ServerOptions { mode, auth: Some((USER.into(), PASSWORD.into())), ..ServerOptions::default() })
}

fn creds() -> String {
    format!("UserId=\"{USER}\";password=\"{PASSWORD}\"")
}

#[test]
fn starttls_with_cafile_and_auth_delivers() {
    let server = auth_server(TlsMode::StartTls);
    let props = server.props(&format!("enableSSL=true;SSLType=TLS;CAFile=\"{}\";{}", server.cert.cert.display(), creds()));
    let (code, text) = send(&props, "bob@example.com");
    assert_eq!(code, Code::Ok, "{text}");
    assert!(text.starts_with("OK 250 2.0.0 Ok: queued as TEST1"), "{text}");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].meta.contains("\"tls\": true"), "{}", got[0].meta);
    assert!(String::from_utf8_lossy(&got[0].bytes).contains("hello over TLS"));
}

#[test]
fn smtps_with_test_mode_and_auth_delivers() {
    let server = auth_server(TlsMode::Smtps);
    let props = server.props(&format!("enableSSL=true;SSLType=SMTPS;useTestMode=true;{}", creds()));
    let (code, text) = send(&props, "bob@example.com");
    assert_eq!(code, Code::Ok, "{text}");
    assert!(server.messages()[0].meta.contains("\"tls\": true"));
}

#[test]
fn self_signed_certificate_fails_without_test_mode_or_cafile_and_passes_with_either() {
    for (mode, ssl) in [(TlsMode::StartTls, "TLS"), (TlsMode::Smtps, "SMTPS")] {
        let server = auth_server(mode);
        let base = format!("enableSSL=true;SSLType={ssl};{}", creds());
        let (code, text) = send(&server.props(&format!("{base};Retries=2")), "bob@example.com");
        assert_eq!(code, Code::Connection, "{ssl} without trust: {text}");
        assert!(text.to_lowercase().contains("certificate"), "{ssl}: {text}");
        assert!(text.contains("TLS failed") && !text.contains("gave up"), "{ssl}: not retried: {text}");
        assert!(server.messages().is_empty());

        let (code, text) = send(&server.props(&format!("{base};useTestMode=true")), "bob@example.com");
        assert_eq!(code, Code::Ok, "{ssl} useTestMode: {text}");
        let (code, text) =
            send(&server.props(&format!("{base};CAFile=\"{}\"", server.cert.cert.display())), "bob@example.com");
        assert_eq!(code, Code::Ok, "{ssl} CAFile: {text}");
        assert_eq!(server.messages().len(), 2);
    }
}

#[test]
fn cafile_with_another_ca_still_fails() {
    let server = auth_server(TlsMode::StartTls);
    let other = tempfile::tempdir().unwrap();
    let other_cert = common::smtp::self_signed_cert(other.path());
    let props =
        server.props(&format!("enableSSL=true;CAFile=\"{}\";{}", other_cert.cert.display(), creds()));
    let (code, text) = send(&props, "bob@example.com");
    assert_eq!(code, Code::Connection, "{text}");
}

#[test]
fn starttls_required_never_downgrades() {
    let server = TestServer::start(ServerOptions::default());
    let (code, text) = send(&server.props("enableSSL=true;useTestMode=true"), "bob@example.com");
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("does not offer STARTTLS"), "{text}");
    assert!(server.messages().is_empty(), "sent in clear");
}

#[test]
fn wrong_password_is_code_10_with_the_server_reply() {
    let server = auth_server(TlsMode::StartTls);
    let props = server.props(&format!("enableSSL=true;useTestMode=true;UserId=\"{USER}\";password=\"wrong-one\""));
    let (code, text) = send(&props, "bob@example.com");
    assert_eq!(code, Code::Auth, "{text}");
    assert!(text.contains("535"), "{text}");
    assert!(!text.contains("wrong-one"), "{text}");
    assert!(server.messages().is_empty());
}

#[test]
fn each_auth_mechanism_works() {
    let token = "ya29.test-token-XYZ";
    let server = TestServer::start(ServerOptions {
        mode: TlsMode::Smtps,
        auth: Some((USER.into(), PASSWORD.into())),
        token: Some(token.into()),
        ..ServerOptions::default()
    });
    for (mech, secret, expected) in [
        ("PLAIN", PASSWORD, Code::Ok),
        ("LOGIN", PASSWORD, Code::Ok),
        ("XOAUTH2", token, Code::Ok),
        ("XOAUTH2", "expired-token", Code::Auth),
        ("LOGIN", "bad", Code::Auth),
    ] {
        let props = server.props(&format!(
            "enableSSL=true;SSLType=SMTPS;useTestMode=true;UserId=\"{USER}\";password=\"{secret}\";AuthMech={mech}"
        ));
        let (code, text) = send(&props, "bob@example.com");
        assert_eq!(code, expected, "{mech} {secret}: {text}");
        if expected == Code::Auth {
            assert!(text.contains("535"), "{mech}: {text}");
        }
    }
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn plain_auth_on_loopback_is_allowed() {
    let server = auth_server(TlsMode::Plain);
    let (code, text) = send(&server.props(&creds()), "bob@example.com");
    assert_eq!(code, Code::Ok, "{text}");
}

#[test]
fn refused_recipients_give_partial_and_all_refused_gives_11() {
    let server = TestServer::start(ServerOptions {
        refuse: vec!["nobody@example.com".into(), "ghost@example.com".into()],
        ..ServerOptions::default()
    });
    let (code, text) = send(&server.props(""), "nobody@example.com;bob@example.com;ghost@example.com");
    assert_eq!(code, Code::Partial, "{text}");
    assert!(text.contains("nobody@example.com (550 5.1.1"), "{text}");
    assert!(text.contains("ghost@example.com (550 5.1.1"), "{text}");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].meta.contains("\"rcpt_tos\": [\"bob@example.com\"]"), "{}", got[0].meta);

    let (code, text) = send(&server.props(""), "nobody@example.com;ghost@example.com");
    assert_eq!(code, Code::Rejected, "{text}");
    assert!(text.contains("every recipient was refused"), "{text}");
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn message_over_the_size_limit_fails_before_any_data() {
    let server = TestServer::start(ServerOptions { size: Some(2000), ..ServerOptions::default() });
    let big = "x".repeat(3000);
    let (code, text) = send_text(&server.props(""), "bob@example.com", &big);
    assert_eq!(code, Code::Rejected, "{text}");
    assert!(text.contains("at most 2000 bytes (SIZE)"), "{text}");
    assert!(server.messages().is_empty());
    // A small one passes and declares its size.
    let (code, text) = send(&server.props(""), "bob@example.com");
    assert_eq!(code, Code::Ok, "{text}");
    assert!(server.messages()[0].meta.contains("SIZE="), "{}", server.messages()[0].meta);
}
