//! Table-driven tests of both forms.

use super::*;

fn one(text: &str) -> (String, String, String) {
    let l = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}")).remove(0);
    (l.cmd, l.parm1, l.parm2)
}

fn s(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), c.to_string())
}

#[test]
fn line_form_accepted() {
    let cases: &[(&str, (String, String, String))] = &[
        ("MAILSEND", s("MAILSEND", "", "")),
        ("  mailsend  ", s("mailsend", "", "")),
        ("MAILTO 'a@x.org'", s("MAILTO", "a@x.org", "")),
        ("MAILPREP 'a@x.org' 'subject=\"Hi\"'", s("MAILPREP", "a@x.org", "subject=\"Hi\"")),
        ("MAILTEXT 'It''s fine'", s("MAILTEXT", "It's fine", "")),
        ("MAILTEXT ''", s("MAILTEXT", "", "")),
        ("MAILTEXT ''''", s("MAILTEXT", "'", "")),
        ("MAILPRTY *HIGH", s("MAILPRTY", "*HIGH", "")),
        ("MAILTEXT 'a # not a comment' # a comment", s("MAILTEXT", "a # not a comment", "")),
        ("MAILTEXT 'line1\nline2'", s("MAILTEXT", "line1\nline2", "")),
        ("MAILTEXT 'crlf'\r\n", s("MAILTEXT", "crlf", "")),
        ("\tMAILSUBJ\t'tab'", s("MAILSUBJ", "tab", "")),
        ("MAILTEXT 'a /* not a comment */ +'", s("MAILTEXT", "a /* not a comment */ +", "")),
        ("MAILTEXT '${KEPT} as written'", s("MAILTEXT", "${KEPT} as written", "")),
        ("MAILFOO 'x'", s("MAILFOO", "x", "")),
    ];
    for (text, want) in cases {
        assert_eq!(&one(text), want, "{text:?}");
    }
}

#[test]
fn cl_form_accepted() {
    let cases: &[(&str, (String, String, String))] = &[
        ("LNCCMD CMD(MAILSEND)", s("MAILSEND", "", "")),
        ("lnccmd cmd(mailsend) opt(*none)", s("mailsend", "", "")),
        (
            "LNCCMD CMD(MAILPREP) PARM1('you@example.com') PARM2('subject=\"test\";priority=5;report')",
            s("MAILPREP", "you@example.com", "subject=\"test\";priority=5;report"),
        ),
        ("LNCCMD PARM2('p2') OPT(' ') PARM1('p1') CMD('MAILPREP')", s("MAILPREP", "p1", "p2")),
        ("LNCCMD CMD(MAILTEXT) PARM1('It''s')", s("MAILTEXT", "It's", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('')", s("MAILTEXT", "", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1()", s("MAILTEXT", "", "")),
        ("LNCCMD CMD(MAILPRTY) PARM1(*HIGH)", s("MAILPRTY", "*HIGH", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('a /* kept */ b') /* dropped */", s("MAILTEXT", "a /* kept */ b", "")),
        ("/* c */ LNCCMD /* c */ CMD(MAILSEND) /* c */", s("MAILSEND", "", "")),
        ("LNCCMD CMD(MAILTEXT) +\n        PARM1('x')", s("MAILTEXT", "x", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('abc+\n     def')", s("MAILTEXT", "abcdef", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('abc-\n  def')", s("MAILTEXT", "abc  def", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('abc +\n   def')", s("MAILTEXT", "abc def", "")),
        ("LNCCMD CMD(MAILTEXT) /* a\n long comment */ PARM1('x')", s("MAILTEXT", "x", "")),
        ("LNCCMD CMD(MAILTEXT) +  /* why */\n  PARM1('x')", s("MAILTEXT", "x", "")),
        ("SEND:  LNCCMD CMD(MAILSEND)", s("MAILSEND", "", "")),
        ("QGPL/LNCCMD CMD(MAILEND)", s("MAILEND", "", "")),
        ("CALL PGM(LNCCMD) PARM('MAILPREP' ' ' 'a@x.org' 'subject=\"s\"' &RTN &RESULT)", s("MAILPREP", "a@x.org", "subject=\"s\"")),
        ("call pgm(LNCLIB/LNCCMD) parm('MAILSEND')", s("MAILSEND", "", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('${PW}')", s("MAILTEXT", "${PW}", "")),
        ("LNCCMD CMD(MAILTEXT) PARM1('x')\r\n", s("MAILTEXT", "x", "")),
    ];
    for (text, want) in cases {
        assert_eq!(&one(text), want, "{text:?}");
        assert_eq!(parse(text).unwrap()[0].form, Form::Cl, "{text:?}");
    }
}

#[test]
fn frames_and_comments_are_skipped() {
    let src = "PGM PARM(&A)\nMONMSG MSGID(CPF0000) EXEC(GOTO CMDLBL(ERR))\n/* header\n   comment */\nDCL VAR(&A) TYPE(*CHAR) LEN(10)\n\
               LNCCMD CMD(MAILSEND)\nMONMSG MSGID(CPF0000)\n# hash\n\nENDPGM\n";
    let lines = parse(src).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].line, 6);
}

#[test]
fn mixed_forms_and_line_numbers() {
    let src = "# c\n\n   # indented\nMAILTEXT 'a\nb'\nLNCCMD CMD(MAILTEXT) +\n  PARM1('c')\nMAILSEND\n";
    let lines = parse(src).unwrap();
    assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![4, 6, 8]);
    assert_eq!(lines.iter().map(|l| l.form).collect::<Vec<_>>(), vec![Form::Line, Form::Cl, Form::Line]);
}

#[test]
fn refused() {
    // (text, line of the error, words of the message)
    let cases: &[(&str, usize, &str)] = &[
        ("MAILSEND\nMAILTEXT 'never closed", 2, "unterminated"),
        ("MAILTEXT 'a'b", 1, "after a closing quote"),
        ("MAILTEXT don't", 1, "single quotes"),
        ("MAILPREP 'a' 'b' 'c'", 1, "at most two"),
        ("\n\nMAILPREP x\"y", 3, "single quotes"),
        ("MAILSEND\nLNCCMD CMD(MAILTEXT) PARM1('open\nMAILSEND", 2, "unterminated"),
        ("LNCCMD CMD(MAILTEXT) +", 1, "never ends"),
        ("MAILSEND\n/* never closed\nMAILSEND", 2, "never closed"),
        ("LNCCMD CMD(MAILTEXT) PARM1('x'", 1, "never closed"),
        ("LNCCMD CMD(MAILTEXT) FOO('x')", 1, "no parameter FOO"),
        ("LNCCMD CMD(MAILTEXT) PARM1('a') PARM1('b')", 1, "twice"),
        ("LNCCMD CMD(MAILTEXT) PARM1('a' 'b')", 1, "one value"),
        ("LNCCMD MAILSEND", 1, "keywords"),
        ("LNCCMD PARM1('x')", 1, "needs CMD"),
        ("LNCCMD CMD(MAILTEXT) PARM1(&TEXT)", 1, "${TEXT}"),
        ("LNCCMD CMD(MAILTEXT) PARM1((a))", 1, "not a value"),
        ("LNCCMD CMD(MAILTEXT) +\n PARM1('open\n", 1, "not closed on line 2"),
        ("PGM\n  CHGVAR VAR(&X) VALUE(1)\nENDPGM", 2, "CHGVAR is a CL statement"),
        ("CALL PGM(OTHER)", 1, "--cl-skip-other"),
        ("IF COND(&A) THEN(DO)", 1, "IF"),
    ];
    for (text, line, word) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.line, *line, "{text:?}: {e:?}");
        assert_eq!(e.error.code(), Code::Syntax);
        assert!(e.error.message().contains(word), "{text:?}: {}", e.error);
    }
}

#[test]
fn other_cl_statements_can_be_skipped() {
    let opts = Options { cl_skip_other: true };
    let lines = parse_with("CHGVAR VAR(&X) VALUE(1)\nCALL PGM(OTHER)\nLNCCMD CMD(MAILEND)\n", &opts).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].line, 3);
}

#[test]
fn no_panic_on_odd_input() {
    // Cut a few valid statements at every position: parse must answer, never panic.
    let samples = [
        "LNCCMD CMD(MAILPREP) PARM1('a@x.org') +\n  PARM2('subject=\"é''\"') /* c */",
        "CALL PGM(LNCCMD) PARM('MAILSEND' ' ')\nL: MAILTEXT 'x''y'",
        "MAILTEXT 'a\nb' # c\n${X}",
    ];
    for s in samples {
        for (i, _) in s.char_indices() {
            let _ = parse(&s[..i]);
            let _ = parse(&s[i..]);
        }
    }
}

/// Runs `body` (after a MAILSMTP writing into a temporary folder) and returns the summary, the
/// line numbers skipped, and the .eml count.
fn run_body(body: &str, keep_going: bool) -> (Summary, Vec<usize>, usize, bool) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("MAILSMTP 'Server=\"file:{}\";Sender=\"me@example.com\"'\n{body}", dir.path().display());
    let lines = parse(&text).unwrap();
    let mut runner = Runner::with_env(RunOptions { keep_going }, |n| (n == "TO").then(|| "to@example.com".into()));
    let mut skipped = Vec::new();
    let finished = runner.run(&mut crate::Session::new(), &lines, |e| {
        if let Event::Skipped(l) = e {
            skipped.push(l.line);
        }
    });
    let emls = std::fs::read_dir(dir.path()).unwrap().count();
    (runner.summary().clone(), skipped, emls, finished)
}

#[test]
#[allow(clippy::type_complexity)] // a table of cases reads best as tuples
fn runner_counts_and_skips() {
    let sum = |sent, failed, errors, skipped| Summary { sent, partial: 0, failed, errors, skipped };
    // (body from line 2, keep going, summary, skipped lines, messages written, finished)
    let cases: &[(&str, bool, Summary, &[usize], usize, bool)] = &[
        ("MAILPREP '${TO}'\nMAILSEND\n", false, sum(1, 0, 0, 0), &[], 1, true),
        ("MAILPREP 'a@x.org'\nMAILPRTY bad\nMAILSEND\n", false, sum(0, 1, 1, 0), &[], 0, false),
        ("MAILPREP 'a@x.org'\nMAILPRTY bad\nMAILSEND\nMAILPREP 'b@x.org'\nMAILSEND\n", true, sum(1, 1, 1, 1), &[4], 1, true),
        // A failure outside a message skips nothing.
        ("MAILTO 'a@x.org'\nMAILPREP 'b@x.org'\nMAILSEND\n", true, sum(1, 0, 1, 0), &[], 1, true),
        // A failed MAILSEND (no recipient) keeps its draft; the next MAILPREP replaces it.
        ("MAILPREP ''\nMAILSEND\nMAILTEXT 'x'\nMAILPREP 'b@x.org'\nMAILSEND\n", true, sum(1, 1, 1, 1), &[4], 1, true),
        // Resuming at MAILSMTP drops the open draft first.
        ("MAILPREP 'a@x.org'\nMAILFOO\nMAILSEND\nMAILSMTP 'Server=\"file:/nonexistent-never\";Sender=\"x\"'\nMAILPREP 'c@x.org'\nMAILSEND\nMAILEND\n", true, sum(0, 2, 2, 3), &[4, 6, 7], 0, true),
    ];
    for (body, keep, want, skipped, emls, finished) in cases {
        let got = run_body(body, *keep);
        assert_eq!(got, (want.clone(), skipped.to_vec(), *emls, *finished), "{body:?}");
    }
}
