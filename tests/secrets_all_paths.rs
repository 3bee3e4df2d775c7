//! Secrets (password, OAuth2 token, .p12 password) never appear in a result text, an error, a
//! log row, Debug output or a trace, on any path: success, wrong password, AUTH refused or
//! deferred, TLS failure, the insecure-auth refusal, XOAUTH2 accepted and refused, an
//! unusable mechanism, a wrong .p12 password, MAILSMTP property strings that fail to parse
//! around a password, Debug of Session and Settings, and the CLI under RUST_LOG=trace, and the result texts read by a C program.
//! The C layer's result texts are read by a C program built against the library.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use common::certs::{Pki, P12_PASSWORD};
use common::peer::{Action, Peer, Script, Step};
use common::smtp::{ServerOptions, TestServer, TlsMode};
use lncmail::session::outcome;
use lncmail::settings::Settings;
use lncmail::{Code, Session};

const USER: &str = "erin";
const PASSWORD: &str = "Pw-4c1d-SECRET-allpaths";
const TOKEN: &str = "ya29.TOKEN-allpaths-8e7f";
const WRONG_P12: &str = "P12-WRONG-allpaths-31";
/// A password holding `;`, written unquoted by mistake: its tail then reads as a property name.
const SEMI_PASSWORD: &str = "Semi-first-9a;TailSecret-allpaths";

/// Every form a secret could leak in: itself, its pieces around `;`, and the base64 of what
/// AUTH PLAIN, LOGIN and XOAUTH2 send.
fn forms(secret: &str) -> Vec<String> {
    let b64 = |b: &[u8]| openssl::base64::encode_block(b);
    let mut v = vec![
        secret.to_string(),
        b64(secret.as_bytes()),
        b64(format!("\0{USER}\0{secret}").as_bytes()),
        b64(format!("user={USER}\x01auth=Bearer {secret}\x01\x01").as_bytes()),
    ];
    v.extend(secret.split(';').filter(|p| p.len() >= 6 && *p != secret).map(String::from));
    v
}

fn all_forms() -> Vec<(String, &'static str)> {
    let mut v = Vec::new();
    for secret in [PASSWORD, TOKEN, P12_PASSWORD, WRONG_P12, SEMI_PASSWORD] {
        for f in forms(secret) {
            v.push((f, secret));
        }
    }
    v
}

/// A C program: MAILSMTP with argv[1], then a message if that worked; prints every result.
const C_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include "lncmail.h"
int main(int argc, char **argv) {
    char r[2048];
    if (argc < 2) return 2;
    int h = lnc_open();
    int c = lnc_cmd(h, "MAILSMTP", NULL, argv[1], NULL, r, sizeof r);
    printf("MAILSMTP %d %s\n", c, r);
    if (c == 0) {
        lnc_cmd(h, "MAILPREP", NULL, "frank@example.com", NULL, r, sizeof r);
        lnc_cmd(h, "MAILTEXT", NULL, "body", NULL, r, sizeof r);
        c = lnc_cmd(h, "MAILSEND", NULL, NULL, NULL, r, sizeof r);
        printf("MAILSEND %d %s\n", c, r);
    }
    lnc_close(h);
    return 0;
}
"#;

/// Everything the library traced in this process (a TRACE subscriber installed once).
fn traces() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer_buf = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || SharedWriter(Arc::clone(&writer_buf)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        buf
    })
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Collected outputs: (where, text).
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn add(&mut self, place: impl Into<String>, text: impl Into<String>) {
        self.0.push((place.into(), text.into()));
    }

    /// Fails naming every place a secret form shows up.
    fn assert_clean(&self) {
        let mut leaks = Vec::new();
        for (place, text) in &self.0 {
            for (form, secret) in all_forms() {
                if text.contains(&form) {
                    leaks.push(format!("{place}: {form:?} (from secret {secret:?}) in:\n{text}\n"));
                }
            }
        }
        assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    }
}

/// Runs MAILSMTP (and, when it succeeds, one message) in-process; records every result text,
/// the Debug of the session, and the log. Returns the codes of MAILSMTP and MAILSEND.
fn run_session(out: &mut Outputs, name: &str, props: &str, dir: &Path) -> (Code, Option<Code>) {
    let log = dir.join(format!("{name}.csv"));
    let props = format!("{props};logfile=\"{}\"", log.display());
    let mut s = Session::new();
    let (smtp_code, text) = outcome(&s.execute("MAILSMTP", &props, ""));
    out.add(format!("{name}: MAILSMTP result"), text);
    if let Err(e) = Settings::parse(&props) {
        out.add(format!("{name}: Settings::parse error Debug"), format!("{e:?}"));
    }
    if let Ok(settings) = Settings::parse(&props) {
        out.add(format!("{name}: Settings Debug"), format!("{settings:?} {settings:#?}"));
    }
    out.add(format!("{name}: Session Debug after MAILSMTP"), format!("{s:?} {s:#?}"));
    if smtp_code != Code::Ok {
        return (smtp_code, None);
    }
    s.execute("MAILPREP", "frank@example.com", "subject=\"secret paths\"").unwrap();
    s.execute("MAILTEXT", "body", "").unwrap();
    let result = s.execute("MAILSEND", "", "");
    out.add(format!("{name}: MAILSEND result Debug"), format!("{result:?}"));
    let (code, text) = outcome(&result);
    out.add(format!("{name}: MAILSEND result"), text);
    out.add(format!("{name}: Session Debug after MAILSEND"), format!("{s:?}"));
    let _ = s.execute("MAILEND", "", "");
    out.add(format!("{name}: log"), std::fs::read_to_string(&log).unwrap_or_default());
    (Code::Ok, Some(code))
}

/// Runs a command file with the CLI under RUST_LOG=trace, the password in the environment or
/// written in the file; returns its exit status and records its output and log.
fn run_cli(out: &mut Outputs, name: &str, mailsmtp: &str, dir: &Path) -> i32 {
    let log = dir.join(format!("cli-{name}.csv"));
    let script = dir.join(format!("{name}.lnc"));
    std::fs::write(
        &script,
        format!(
            "MAILSMTP '{};logfile=\"{}\"'\nMAILPREP 'frank@example.com' 'subject=\"cli\"'\nMAILTEXT 'body'\nMAILSEND\nMAILEND\n",
            mailsmtp.replace('\'', "''"),
            log.display()
        ),
    )
    .unwrap();
    let o = Command::new(common::lncmail_bin())
        .arg("run")
        .arg(&script)
        .env("RUST_LOG", "trace")
        .env("SMTP_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("MAILSMTP"), "{name}: the CLI said nothing about MAILSMTP: {text}");
    out.add(format!("cli {name}: output"), text);
    out.add(format!("cli {name}: log"), std::fs::read_to_string(&log).unwrap_or_default());
    o.status.code().unwrap_or(-1)
}

#[test]
fn no_secret_on_any_path() {
    let trace_buf = traces();
    let dir = tempfile::tempdir().unwrap();
    let mut out = Outputs::default();
    let creds = format!("UserId=\"{USER}\";password=\"{PASSWORD}\"");

    // A peer that accepts AUTH, one that refuses it, one that defers it.
    let ok_peer = Peer::start(Script::clean());
    let refusing = Peer::start(Script::fault(Step::Auth, Action::Reply("535 5.7.8 Authentication credentials invalid")));
    let deferring = Peer::start(Script::fault(Step::Auth, Action::Reply("454 4.7.0 Temporary authentication failure")));
    // aiosmtpd over SMTPS with a real PLAIN/LOGIN check and XOAUTH2 with RFC 7628 error challenges.
    let oauth = TestServer::start(ServerOptions {
        mode: TlsMode::Smtps,
        auth: Some((USER.into(), PASSWORD.into())),
        token: Some(TOKEN.into()),
        ..ServerOptions::default()
    });
    let smtps = "enableSSL=true;SSLType=SMTPS;useTestMode=true";
    let pki = Pki::get();

    let cases: Vec<(&str, String, Code, Option<Code>)> = vec![
        ("auth ok", ok_peer.props(5, &format!("{creds};AuthMech=PLAIN")), Code::Ok, Some(Code::Ok)),
        ("auth refused", refusing.props(5, &creds), Code::Ok, Some(Code::Auth)),
        ("auth deferred", deferring.props(5, &format!("{creds};Retries=1")), Code::Ok, Some(Code::Transient)),
        ("mechanism not offered", ok_peer.props(5, &format!("{creds};AuthMech=XOAUTH2")), Code::Ok, Some(Code::Auth)),
        ("tls failure", ok_peer.props(5, &format!("{creds};{smtps}")), Code::Ok, Some(Code::Connection)),
        // "127.1" is 127.0.0.1 to the resolver but not a name lncmail knows as loopback: the
        // credentials would cross a network in clear, so they are not sent.
        (
            "insecure auth refused",
            format!("Server=\"127.1\";port={};Sender=\"s@example.com\";Timeout=5;{creds}", ok_peer.port),
            Code::Ok,
            Some(Code::Auth),
        ),
        ("wrong password", oauth.props(&format!("{smtps};UserId=\"{USER}\";password=\"{TOKEN}\";AuthMech=LOGIN")), Code::Ok, Some(Code::Auth)),
        ("login ok", oauth.props(&format!("{smtps};{creds};AuthMech=LOGIN")), Code::Ok, Some(Code::Ok)),
        ("xoauth2 ok", oauth.props(&format!("{smtps};UserId=\"{USER}\";password=\"{TOKEN}\";AuthMech=XOAUTH2")), Code::Ok, Some(Code::Ok)),
        ("xoauth2 refused", oauth.props(&format!("{smtps};UserId=\"{USER}\";password=\"{PASSWORD}\";AuthMech=XOAUTH2")), Code::Ok, Some(Code::Auth)),
        (
            "right p12 password",
            format!(
                "Server=\"file:{}\";Sender=\"sender@example.com\";Sign=true;Certif=\"{}\";PwdCertif=\"{P12_PASSWORD}\";{creds}",
                dir.path().join("out").display(),
                pki.sender_p12.display()
            ),
            Code::Ok,
            Some(Code::Ok),
        ),
        (
            "wrong p12 password",
            format!(
                "Server=\"file:{}\";Sender=\"sender@example.com\";Sign=true;Certif=\"{}\";PwdCertif=\"{WRONG_P12}\"",
                dir.path().join("out").display(),
                pki.sender_p12.display()
            ),
            Code::Certificate,
            None,
        ),
        ("password given twice", ok_peer.props(5, &format!("password=\"first\";{creds}")), Code::InvalidProperty, None),
        ("password twice, secret first", ok_peer.props(5, &format!("{creds};password=\"second\"")), Code::InvalidProperty, None),
        ("quote inside unquoted password", ok_peer.props(5, &format!("UserId=u;password={PASSWORD}\"x")), Code::Syntax, None),
        ("junk after quoted password", ok_peer.props(5, &format!("UserId=u;password=\"{PASSWORD}\"x")), Code::Syntax, None),
        ("unterminated password", ok_peer.props(5, &format!("UserId=u;password=\"{PASSWORD}")), Code::Syntax, None),
        ("semicolon in unquoted password", ok_peer.props(5, &format!("UserId=u;password={SEMI_PASSWORD}")), Code::InvalidProperty, None),
        ("semicolon in unquoted p12 password", ok_peer.props(5, &format!("PwdCertif={SEMI_PASSWORD}")), Code::InvalidProperty, None),
        ("misspelt password key", ok_peer.props(5, &format!("UserId=u;passwrd=\"{PASSWORD}\"")), Code::InvalidProperty, None),
        ("password without user", ok_peer.props(5, &format!("password=\"{PASSWORD}\"")), Code::MissingProperty, None),
        ("bad value beside a password", ok_peer.props(5, &format!("{creds};Retries=99")), Code::InvalidProperty, None),
    ];
    let mut wrong_codes = Vec::new();
    for (name, props, smtp_code, send_code) in &cases {
        let got = run_session(&mut out, name, props, dir.path());
        if got != (*smtp_code, *send_code) {
            wrong_codes.push(format!("{name}: got {got:?}, expected {:?}", (smtp_code, send_code)));
        }
    }
    assert!(wrong_codes.is_empty(), "the paths were not the ones meant:\n{}", wrong_codes.join("\n"));
    assert_eq!(ok_peer.count(|s| &s.auths), 1, "credentials were sent where they should not have been");

    // The CLI, traced: password from the environment and written in the file.
    let env_creds = format!("UserId=\"{USER}\";password=\"${{SMTP_PASSWORD}}\"");
    assert_eq!(run_cli(&mut out, "env ok", &ok_peer.props(5, &env_creds), dir.path()), 0);
    assert_eq!(run_cli(&mut out, "env refused", &refusing.props(5, &env_creds), dir.path()), 1);
    assert_eq!(run_cli(&mut out, "literal refused", &refusing.props(5, &creds), dir.path()), 1);
    assert_eq!(run_cli(&mut out, "literal tls", &ok_peer.props(5, &format!("{creds};{smtps}")), dir.path()), 1);
    assert_eq!(
        run_cli(&mut out, "literal semicolon", &ok_peer.props(5, &format!("UserId=u;password={SEMI_PASSWORD}")), dir.path()),
        1
    );
    let p12 = format!(
        "Server=\"file:{}\";Sender=\"sender@example.com\";Sign=true;Certif=\"{}\";PwdCertif=\"{WRONG_P12}\"",
        dir.path().join("out").display(),
        pki.sender_p12.display()
    );
    assert_eq!(run_cli(&mut out, "wrong p12", &p12, dir.path()), 1);

    // The C layer: the result texts as a C program reads them.
    let c_prog = common::clib::build(dir.path(), "secrets", C_PROGRAM);
    for (name, props, expected) in [
        ("auth refused", refusing.props(5, &creds), "MAILSEND 10 E10 "),
        ("semicolon in unquoted password", ok_peer.props(5, &format!("UserId=u;password={SEMI_PASSWORD}")), "MAILSMTP 3 E3 "),
        ("wrong p12 password", p12.clone(), "MAILSMTP 8 E8 "),
        ("tls failure", ok_peer.props(5, &format!("{creds};{smtps}")), "MAILSEND 9 E9 "),
    ] {
        let o = Command::new(&c_prog).arg(&props).output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(text.contains(expected), "C {name}: expected {expected:?} in {text}");
        out.add(format!("C layer {name}: result texts"), text);
    }

    let traced = String::from_utf8_lossy(&trace_buf.lock().unwrap()).to_string();
    assert!(traced.contains("MAILSEND") && traced.contains(">> AUTH "), "nothing was traced:\n{traced}");
    out.add("in-process TRACE output", traced);
    out.assert_clean();
}
