//! A C host program does not ignore SIGPIPE (Rust programs do, so only a C host shows this):
//! writing to a peer that has gone must give an error code, never kill the caller's process.
//! Two peers that go away in the middle of a large message: a sendmail program that exits
//! without reading its standard input, and an SMTP server that closes in the middle of DATA.
//! The program is built with `cc` against the library (`common::clib`).

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use common::peer::{Action, Peer, Script, Step};

const PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lncmail.h"

/* argv[1]: MAILSMTP properties. Sends one message with a 4 MB body; prints the code. */
int main(int argc, char **argv) {
    char r[1024];
    size_t n = 4u * 1024u * 1024u;
    char *big = malloc(n + 1);
    if (argc < 2 || big == NULL) return 2;
    for (size_t i = 0; i < n; i++) big[i] = (i % 77 == 76) ? '\n' : 'a' + (char)(i % 26);
    big[n] = 0;
    int h = lnc_open();
    int c = lnc_cmd(h, "MAILSMTP", NULL, argv[1], NULL, r, sizeof r);
    if (c != 0) { printf("MAILSMTP %d %s\n", c, r); return 3; }
    lnc_cmd(h, "MAILPREP", NULL, "you@example.com", NULL, r, sizeof r);
    lnc_cmd(h, "MAILTEXT", NULL, big, NULL, r, sizeof r);
    c = lnc_cmd(h, "MAILSEND", NULL, NULL, NULL, r, sizeof r);
    printf("MAILSEND %d %s\n", c, r);
    lnc_close(h);
    printf("alive\n");
    fflush(stdout);
    free(big);
    return 0;
}
"#;

fn run(exe: &Path, props: &str) -> (String, std::process::ExitStatus) {
    let out = Command::new(exe).arg(props).output().unwrap();
    (String::from_utf8_lossy(&out.stdout).to_string(), out.status)
}

#[test]
fn a_peer_going_away_mid_message_does_not_kill_a_c_host() {
    let dir = tempfile::tempdir().unwrap();
    let exe = common::clib::build(dir.path(), "sigpipe", PROGRAM);

    // A sendmail program that refuses at once (EX_TEMPFAIL) without reading the message.
    let sendmail = dir.path().join("early-exit-sendmail.sh");
    std::fs::write(&sendmail, "#!/bin/sh\necho 'queue full, not reading' >&2\nexit 75\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&sendmail, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (out, status) = run(&exe, &format!("Server=\"sendmail:{}\";Sender=\"me@example.com\";Timeout=20", sendmail.display()));
    assert_eq!(status.signal(), None, "sendmail: the C host was killed by signal {:?} (13 is SIGPIPE); said: {out}", status.signal());
    assert!(out.contains("MAILSEND 12 ") && out.contains("alive"), "sendmail: {out}");

    // An SMTP server that closes the connection after the first line of DATA.
    let peer = Peer::start(Script::fault(Step::MidData, Action::Drop));
    let (out, status) = run(&exe, &peer.props(20, ""));
    assert_eq!(status.signal(), None, "smtp: the C host was killed by signal {:?}; said: {out}", status.signal());
    assert!(out.contains("MAILSEND 9 ") && out.contains("alive"), "smtp: {out}");

    // The same over TLS (OpenSSL writes through the same socket calls).
    let cert = common::smtp::self_signed_cert(dir.path());
    let mut b = openssl::ssl::SslAcceptor::mozilla_intermediate_v5(openssl::ssl::SslMethod::tls()).unwrap();
    b.set_private_key_file(&cert.key, openssl::ssl::SslFiletype::PEM).unwrap();
    b.set_certificate_chain_file(&cert.cert).unwrap();
    let tls_peer = Peer::start(Script {
        tls: Some(std::sync::Arc::new(b.build())),
        ..Script::fault(Step::MidData, Action::Drop)
    });
    let (out, status) = run(&exe, &tls_peer.props(20, "enableSSL=true;SSLType=SMTPS;useTestMode=true"));
    assert_eq!(status.signal(), None, "smtps: the C host was killed by signal {:?}; said: {out}", status.signal());
    assert!(out.contains("MAILSEND 9 ") && out.contains("alive"), "smtps: {out}");
}
