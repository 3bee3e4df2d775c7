#![allow(clippy::type_complexity)]
//! Messages written by the `file:` transport, read back by an independent MIME parser
//! (Python's email package): structure, encodings, headers, charsets, large attachments.

mod common;

use std::path::{Path, PathBuf};

use common::eml::{leaves, only_eml, parse_clean, structure};
use lncmail::{session::outcome, Code, Session};
use serde_json::Value;

/// Runs commands on a session writing into `dir`, sends, and returns the written file.
fn send(dir: &Path, smtp_extra: &str, commands: &[(&str, &str, &str)]) -> PathBuf {
    let out = dir.join("out");
    let mut s = Session::new();
    s.execute("MAILSMTP", &format!(r#"Server="file:{}";Sender="me@example.com";{smtp_extra}"#, out.display()), "")
        .unwrap();
    for (c, p1, p2) in commands {
        s.execute(c, p1, p2).unwrap_or_else(|e| panic!("{c}: {e}"));
    }
    let r = s.execute("MAILSEND", "", "").unwrap();
    let path = PathBuf::from(r.detail().unwrap());
    assert_eq!(path, only_eml(&out));
    path
}

/// Text as a reader sees it: line ends as LF, the final line break(s) dropped.
fn text_of(part: &Value) -> String {
    part["text"].as_str().expect("a text part").replace("\r\n", "\n").trim_end_matches('\n').to_string()
}

fn leaf<'a>(v: &'a Value, content_type: &str) -> &'a Value {
    leaves(v).into_iter().find(|p| p["content_type"] == content_type).unwrap_or_else(|| panic!("no {content_type} part"))
}

#[test]
fn structures() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("logo.png");
    std::fs::write(&png, [0x89, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 fake").unwrap();
    let (png, pdf) = (png.display().to_string(), pdf.display().to_string());
    // (commands, expected content types of every part in order)
    let cases: Vec<(Vec<(&str, &str, &str)>, Vec<&str>)> = vec![
        (vec![("MAILPREP", "a@example.com", "")], vec!["text/plain"]),
        (vec![("MAILPREP", "a@example.com", ""), ("MAILTEXT", "t", "")], vec!["text/plain"]),
        (vec![("MAILPREP", "a@example.com", ""), ("MAILHTML", "<p>h</p>", "")], vec!["text/html"]),
        (
            vec![("MAILPREP", "a@example.com", ""), ("MAILTEXT", "t", ""), ("MAILHTML", "<p>h</p>", "")],
            vec!["multipart/alternative", "text/plain", "text/html"],
        ),
        (
            vec![("MAILPREP", "a@example.com", ""), ("MAILTEXT", "t", ""), ("MAILATT", &pdf, "")],
            vec!["multipart/mixed", "text/plain", "application/pdf"],
        ),
        (
            vec![
                ("MAILPREP", "a@example.com", ""),
                ("MAILHTML", "<img src=\"cid:logo\">", ""),
                ("MAILATT", &png, "cid=logo"),
            ],
            vec!["multipart/related", "text/html", "image/png"],
        ),
        (
            vec![
                ("MAILPREP", "a@example.com", ""),
                ("MAILTEXT", "t", ""),
                ("MAILHTML", "<img src=\"cid:logo\">", ""),
                ("MAILATT", &png, "cid=logo"),
                ("MAILATT", &pdf, ""),
            ],
            vec!["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png", "application/pdf"],
        ),
    ];
    for (i, (commands, want)) in cases.iter().enumerate() {
        let case_dir = dir.path().join(format!("case{i}"));
        let v = parse_clean(&send(&case_dir, "", commands));
        assert_eq!(structure(&v), *want, "case {i}: {commands:?}");
        assert_eq!(v["headers"]["mime-version"], "1.0");
        assert!(v["headers"]["date"].is_string());
        assert!(v["headers"]["message-id"].as_str().unwrap().ends_with("@example.com>"));
    }
    // The inline image carries its Content-ID and inline disposition.
    let v = parse_clean(&send(
        &dir.path().join("inline"),
        "",
        &[("MAILPREP", "a@example.com", ""), ("MAILHTML", "<img src=\"cid:logo\">", ""), ("MAILATT", &png, "cid=logo")],
    ));
    let img = leaf(&v, "image/png");
    assert_eq!(img["content_id"], "<logo>");
    assert_eq!(img["disposition"], "inline");
    assert_eq!(img["size"], 8);
}

#[test]
fn non_ascii_headers_and_file_names_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let att = dir.path().join("plain.txt");
    std::fs::write(&att, "x").unwrap();
    let subject = "Rapport de décembre — 東京 ✓ ünïcödé and a long subject that must be folded over several lines of the header";
    let v = parse_clean(&send(
        dir.path(),
        r#"reply="Zoë Ångström <zoe@example.com>""#,
        &[
            ("MAILPREP", "\"Jérôme Müller\" <jm@example.de>", &format!("subject=\"{subject}\"")),
            ("MAILCC", "\"Doe, John\" <john@example.com>; Łukasz <lukasz@example.pl>", ""),
            ("MAILTEXT", "Grüße aus Köln — 東京", ""),
            ("MAILATT", &att.display().to_string(), "name=\"Überweisung März 2026 – café.pdf\""),
            ("MAILHEADER", "X-Note: naïve café", ""),
        ],
    ));
    let h = &v["headers"];
    assert_eq!(h["subject"], subject);
    assert_eq!(h["to"], "Jérôme Müller <jm@example.de>");
    assert_eq!(h["cc"], "\"Doe, John\" <john@example.com>, Łukasz <lukasz@example.pl>");
    assert_eq!(h["reply-to"], "Zoë Ångström <zoe@example.com>");
    assert_eq!(h["x-note"], "naïve café");
    assert_eq!(text_of(leaf(&v, "text/plain")), "Grüße aus Köln — 東京");
    assert_eq!(leaf(&v, "application/pdf")["filename"], "Überweisung März 2026 – café.pdf");
}

#[test]
fn priority_read_report_custom_headers_and_bcc() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[("*HIGH", "1 (Highest)", "high"), ("*NORMAL", "3 (Normal)", "normal"), ("*LOW", "5 (Lowest)", "low"), ("0", "5 (Lowest)", "low"), ("4", "1 (Highest)", "high")];
    for (i, (prty, x, importance)) in cases.iter().enumerate() {
        let v = parse_clean(&send(
            &dir.path().join(format!("p{i}")),
            "",
            &[("MAILPREP", "a@example.com", ""), ("MAILPRTY", prty, "")],
        ));
        assert_eq!(v["headers"]["x-priority"], *x, "{prty}");
        assert_eq!(v["headers"]["importance"], *importance, "{prty}");
    }
    let v = parse_clean(&send(
        &dir.path().join("r"),
        "",
        &[("MAILPREP", "a@example.com", "report"), ("MAILBCC", "hidden@example.com", ""), ("MAILHEADER", "X-Job-Id: 42", "")],
    ));
    let h = &v["headers"];
    assert_eq!(h["disposition-notification-to"], "me@example.com");
    assert_eq!(h["x-job-id"], "42");
    assert!(h.get("bcc").is_none(), "no Bcc header");
    let raw = std::fs::read_to_string(only_eml(&dir.path().join("r/out"))).unwrap();
    assert!(!raw.contains("hidden@example.com"), "a Bcc address never appears in the message");
    // Without a report: no Disposition-Notification-To; MAILREPORT delivery alone adds none either.
    let v = parse_clean(&send(&dir.path().join("n"), "", &[("MAILPREP", "a@example.com", ""), ("MAILREPORT", "delivery", "")]));
    assert!(v["headers"].get("disposition-notification-to").is_none());
}

#[test]
fn charsets() {
    let dir = tempfile::tempdir().unwrap();
    // (charset, text, MIME charset name)
    let cases: &[(&str, &str, &str)] = &[
        ("UTF-8", "naïve € 東京", "utf-8"),
        ("Unicode", "naïve € 東京", "utf-8"),
        ("ISO-8859-1", "naïve café ÿ", "iso-8859-1"),
        ("ISO-8859-15", "prix: 5 € œuvre", "iso-8859-15"),
        ("Windows-1252", "“quoted” – 5 €", "windows-1252"),
        ("US-ASCII", "plain ascii", "us-ascii"),
        ("ascii", "plain ascii", "us-ascii"),
    ];
    for (i, (charset, text, mime)) in cases.iter().enumerate() {
        let v = parse_clean(&send(
            &dir.path().join(format!("c{i}")),
            "",
            &[("MAILPREP", "a@example.com", &format!("charset={charset}")), ("MAILTEXT", text, ""), ("MAILHTML", &format!("<p>{text}</p>"), "")],
        ));
        let plain = leaf(&v, "text/plain");
        assert_eq!(plain["charset"], *mime, "{charset}");
        assert_eq!(text_of(plain), *text, "{charset}");
        assert_eq!(text_of(leaf(&v, "text/html")), format!("<p>{text}</p>"), "{charset}");
    }
    // A character the charset cannot hold: code 3 at MAILSEND, draft kept.
    for (charset, text) in [("US-ASCII", "café"), ("ISO-8859-1", "5 €"), ("ISO-8859-15", "東京"), ("Windows-1252", "東")] {
        let mut s = Session::new();
        s.execute("MAILSMTP", &format!(r#"Server="file:{}";Sender="me@example.com""#, dir.path().join("bad").display()), "").unwrap();
        s.execute("MAILPREP", "a@example.com", &format!("charset={charset}")).unwrap();
        s.execute("MAILTEXT", text, "").unwrap();
        let r = s.execute("MAILSEND", "", "");
        let (c, t) = outcome(&r);
        assert_eq!(c, Code::InvalidProperty, "{charset}: {t}");
        assert!(t.contains("cannot hold"), "{t}");
        assert!(s.draft().is_some());
    }
}

#[test]
fn crlf_everywhere_and_long_lines_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let lines = format!("unix\nline ends\r\nand mac? {}\n", "x".repeat(2000));
    let v = parse_clean(&send(dir.path(), "", &[("MAILPREP", "a@example.com", ""), ("MAILTEXT", &lines, "")]));
    assert_eq!(text_of(leaf(&v, "text/plain")), format!("unix\nline ends\nand mac? {}", "x".repeat(2000)));
}

#[test]
fn twenty_mib_binary_attachment_is_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    // Every byte value, bare CR and LF included, in a pattern that does not repeat quickly.
    let mut data = Vec::with_capacity(20 << 20);
    let mut x: u32 = 0x1234_5678;
    while data.len() < 20 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(&path, &data).unwrap();
    let digest = openssl::sha::sha256(&data).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let v = parse_clean(&send(
        dir.path(),
        "",
        &[("MAILPREP", "a@example.com", ""), ("MAILTEXT", "see attachment", ""), ("MAILATT", &path.display().to_string(), "")],
    ));
    let att = leaf(&v, "application/octet-stream");
    assert_eq!(att["size"], 20 << 20);
    assert_eq!(att["sha256"], digest);
    assert_eq!(att["filename"], "big.bin");
    assert_eq!(att["cte"], "base64");
}

#[test]
fn attachment_types_names_and_sanitizing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.bin");
    std::fs::write(&f, "x").unwrap();
    let f = f.display().to_string();
    let v = parse_clean(&send(
        dir.path(),
        "",
        &[
            ("MAILPREP", "a@example.com", ""),
            ("MAILATT", &f, "name=\"photo.JPG\""),
            ("MAILATT", &f, "name=\"x.pdf\";type=\"text/csv\""),
            ("MAILATT", &f, "name=\"../../etc/passwd\""),
            ("MAILATT", &f, "name=\"tab\there.txt\""),
        ],
    ));
    let l = leaves(&v);
    assert_eq!((l[1]["content_type"].as_str(), l[1]["filename"].as_str()), (Some("image/jpeg"), Some("photo.JPG")));
    assert_eq!((l[2]["content_type"].as_str(), l[2]["filename"].as_str()), (Some("text/csv"), Some("x.pdf")));
    assert_eq!(l[3]["filename"], "passwd");
    assert_eq!(l[4]["filename"], "tab_here.txt");
}

#[test]
fn header_lines_stay_within_998_octets() {
    let dir = tempfile::tempdir().unwrap();
    // Many words: folded at blanks, every line short.
    let long_subject = vec!["word"; 600].join(" ");
    let header = format!("X-Long: {}", vec!["abcdefghij"; 300].join(" "));
    let v = parse_clean(&send(
        dir.path(),
        "",
        &[("MAILPREP", "a@example.com", &format!("subject=\"{long_subject}\"")), ("MAILHEADER", &header, "")],
    ));
    assert_eq!(v["headers"]["subject"], long_subject);
    // One word too long to fold: refused with code 3 at the command that gives it.
    let word = "x".repeat(1000);
    let mut s = Session::new();
    let smtp = format!(r#"Server="file:{}";Sender="me@example.com""#, dir.path().display());
    assert_eq!(outcome(&s.execute("MAILSMTP", &format!("{smtp};Sign;Certif=x;WrapperSubject=\"{word}\""), "")).0, Code::InvalidProperty);
    s.execute("MAILSMTP", &smtp, "").unwrap();
    s.execute("MAILPREP", "a@example.com", "").unwrap();
    for (c, p1, p2) in [
        ("MAILSUBJ", word.clone(), String::new()),
        ("MAILHEADER", format!("X-A: {word}"), String::new()),
        ("MAILTO", format!("{word} <b@example.com>"), String::new()),
        ("MAILPREP", "a@example.com".to_string(), format!("subject=\"{word}\"")),
    ] {
        let r = s.execute(c, &p1, &p2);
        assert_eq!(outcome(&r).0, Code::InvalidProperty, "{c}: {}", outcome(&r).1);
        assert!(outcome(&r).1.contains("998"), "{}", outcome(&r).1);
    }
}
