//! Passwords and tokens never appear in result texts, the send log, or `RUST_LOG=trace` output
//! of the CLI, whether AUTH succeeds or fails.

mod common;

use std::process::Command;

use common::smtp::{ServerOptions, TestServer, TlsMode};

const USER: &str = "carol";
const PASSWORD: &str = "Pw-7f3a9c-secret";
const TOKEN: &str = "ya29.A0tokenVALUE-9d8e";

/// Every form a secret could leak in: itself, and base64 of what AUTH sends.
fn forms(secret: &str) -> Vec<String> {
    let b64 = |b: &[u8]| openssl::base64::encode_block(b);
    vec![
        secret.to_string(),
        b64(secret.as_bytes()),
        b64(format!("\0{USER}\0{secret}").as_bytes()),
        b64(format!("user={USER}\x01auth=Bearer {secret}\x01\x01").as_bytes()),
    ]
}

/// Runs a command file with the CLI under RUST_LOG=trace; returns (stdout + stderr, log file).
fn run_cli(server: &TestServer, extra: &str, dir: &std::path::Path, name: &str) -> (String, String) {
    let log = dir.join(format!("{name}.csv"));
    let script = dir.join(format!("{name}.lnc"));
    let props = server.props(&format!("{extra};logfile=\"{}\"", log.display()));
    std::fs::write(
        &script,
        format!(
            "MAILSMTP '{}'\nMAILPREP 'dave@example.com' 'subject=\"secrets\"'\nMAILTEXT 'body'\nMAILSEND\nMAILEND\n",
            props.replace('\'', "''")
        ),
    )
    .unwrap();
    let out = Command::new(common::lncmail_bin()).arg("run").arg(&script).env("RUST_LOG", "trace").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    (text, log_text)
}

#[test]
fn secrets_stay_out_of_results_logs_and_traces() {
    let dir = tempfile::tempdir().unwrap();
    let plain = TestServer::start(ServerOptions {
        mode: TlsMode::Plain,
        auth: Some((USER.into(), PASSWORD.into())),
        ..ServerOptions::default()
    });
    let oauth = TestServer::start(ServerOptions {
        mode: TlsMode::Smtps,
        auth: Some((USER.into(), PASSWORD.into())),
        token: Some(TOKEN.into()),
        ..ServerOptions::default()
    });
    let wrong_password = "Wrong-Pw-55aa";
    let wrong_token = "ya29.EXPIRED-0000";
    let runs = [
        (&plain, format!("UserId=\"{USER}\";password=\"{PASSWORD}\";AuthMech=PLAIN"), PASSWORD, true),
        (&plain, format!("UserId=\"{USER}\";password=\"{PASSWORD}\";AuthMech=LOGIN"), PASSWORD, true),
        (&plain, format!("UserId=\"{USER}\";password=\"{wrong_password}\""), wrong_password, false),
        (
            &oauth,
            format!("enableSSL=true;SSLType=SMTPS;useTestMode=true;UserId=\"{USER}\";password=\"{TOKEN}\";AuthMech=XOAUTH2"),
            TOKEN,
            true,
        ),
        (
            &oauth,
            format!("enableSSL=true;SSLType=SMTPS;useTestMode=true;UserId=\"{USER}\";password=\"{wrong_token}\";AuthMech=XOAUTH2"),
            wrong_token,
            false,
        ),
    ];
    for (i, (server, extra, secret, ok)) in runs.iter().enumerate() {
        let (output, log) = run_cli(server, extra, dir.path(), &format!("run{i}"));
        // The run really happened and was traced.
        assert!(output.contains("MAILSEND"), "run {i}: {output}");
        assert!(output.to_lowercase().contains("trace") || output.contains("DEBUG"), "run {i}: no trace output: {output}");
        let expected = if *ok { ";SENT;0;" } else { ";FAILED;10;" };
        assert!(log.contains(expected), "run {i}: {log}");
        for form in forms(secret) {
            assert!(!output.contains(&form), "run {i}: secret form {form:?} in the output:\n{output}");
            assert!(!log.contains(&form), "run {i}: secret form {form:?} in the log:\n{log}");
        }
    }
}
