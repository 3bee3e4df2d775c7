//! SMTP smuggling (a bare LF or CR around a dot ending the DATA early for some servers, letting
//! the rest pass as new commands): whatever line ends the caller's text, HTML or HTML file
//! holds, the message on the wire has only CRLF line ends, so no server sees an early end.

mod common;

use lncmail::Session;

#[test]
fn bodies_with_bare_line_ends_and_dots_go_out_with_crlf_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let tricky = "a\n.\nMAIL FROM:<evil@example.com>\r.\rRCPT TO:<victim@example.com>\r\n.\r\nDATA\n\r.\n\rend";
    let html = dir.path().join("body.html");
    std::fs::write(&html, format!("<p>{tricky}</p>")).unwrap();
    for charset in ["UTF-8", "ISO-8859-1", "US-ASCII"] {
        let mut s = Session::new();
        s.execute("MAILSMTP", &format!("Server=\"file:{}\";Sender=\"me@example.com\"", out.display()), "").unwrap();
        s.execute("MAILPREP", "to@example.com", &format!("subject=\"smuggling\";charset={charset}")).unwrap();
        s.execute("MAILTEXT", tricky, "").unwrap();
        s.execute("MAILHTML", tricky, "").unwrap();
        let reply = s.execute("MAILSEND", "", "").unwrap();
        let bytes = std::fs::read(reply.detail().unwrap()).unwrap();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                assert!(i > 0 && bytes[i - 1] == b'\r', "{charset}: bare LF at byte {i}");
            }
            if *b == b'\r' {
                assert!(bytes.get(i + 1) == Some(&b'\n'), "{charset}: bare CR at byte {i}: {:?}", String::from_utf8_lossy(&bytes[i.saturating_sub(200)..(i + 60).min(bytes.len())]));
            }
        }
        // MAILBODYF: the HTML from a file.
        s.execute("MAILPREP", "to@example.com", &format!("charset={charset}")).unwrap();
        s.execute("MAILBODYF", &html.display().to_string(), "").unwrap();
        let reply = s.execute("MAILSEND", "", "").unwrap();
        let bytes = std::fs::read(reply.detail().unwrap()).unwrap();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                assert!(i > 0 && bytes[i - 1] == b'\r', "{charset} MAILBODYF: bare LF at byte {i}");
            }
            if *b == b'\r' {
                assert!(bytes.get(i + 1) == Some(&b'\n'), "{charset} MAILBODYF: bare CR at byte {i}");
            }
        }
    }
}
