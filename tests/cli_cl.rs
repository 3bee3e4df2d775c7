//! A CL source pasted as is (PGM, DCL, comments, `+` and `-` continuations, MONMSG, labels,
//! CALL PGM(LNCCMD)) runs unchanged.

mod cli_support;

use cli_support::{emls, lncmail, only_eml_text, write};

/// As it would come out of a source member, including the frame of the program.
const PASTED: &str = r#"/*********************************************************************/
/* MONTHLY - send the monthly report                                  */
/*********************************************************************/
             PGM
             DCL        VAR(&RESULT) TYPE(*CHAR) LEN(256)
             DCL        VAR(&RTN)    TYPE(*DEC)  LEN(5 0)

/* Server settings                                                   */
             LNCCMD     CMD(MAILSMTP) +
                          PARM1('Server="file:outbox";Sender="+
                          Accounting <acct@example.com>";+
                          logfile="send-log.csv"') OPT(*NONE)
             MONMSG     MSGID(CPF0000) EXEC(GOTO CMDLBL(ERROR))

             lnccmd     cmd(MAILPREP) parm1('boss@example.com;+
                          cfo@example.com') +
                          PARM2('subject="Monthly report";priority=5;report')
             LNCCMD     CMD(MAILTEXT) PARM1('Hello,') /* greeting */
             LNCCMD     CMD(MAILTEXT) PARM1('The report for the month is - 
    attached; it''s the final one.')
             LNCCMD     PARM1('Regards') CMD(MAILTEXT)
             CALL       PGM(LNCLIB/LNCCMD) PARM('MAILCC' ' ' +
                          'archive@example.com' ' ' &RTN &RESULT)
 SEND:       LNCCMD     CMD(MAILSEND)
             LNCCMD     CMD(MAILEND)
             ENDPGM
"#;

#[test]
fn pasted_cl_source_runs_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "MONTHLY.clp", PASTED);
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    // Statements are reported at the line they start on.
    for want in [
        "MONTHLY.clp:9: MAILSMTP: OK",
        "MONTHLY.clp:15: MAILPREP: OK",
        "MONTHLY.clp:18: MAILTEXT: OK",
        "MONTHLY.clp:19: MAILTEXT: OK",
        "MONTHLY.clp:21: MAILTEXT: OK",
        "MONTHLY.clp:22: MAILCC: OK",
        "MONTHLY.clp:24: MAILSEND: OK outbox/",
        "MONTHLY.clp:25: MAILEND: OK",
    ] {
        assert!(out.stdout.contains(want), "missing {want:?}: {}", out.all());
    }
    assert_eq!(out.stdout.lines().count(), 8, "{}", out.all());
    let eml = only_eml_text(&dir.path().join("outbox"));
    assert!(eml.contains("From: Accounting <acct@example.com>"), "{eml}");
    assert!(eml.contains("To: boss@example.com, cfo@example.com"), "{eml}");
    assert!(eml.contains("Cc: archive@example.com"), "{eml}");
    assert!(eml.contains("Subject: Monthly report"), "{eml}");
    assert!(eml.contains("Disposition-Notification-To: "), "{eml}");
    // `+` drops the next line's leading blanks, `-` keeps them; '' is a quote.
    assert!(eml.contains("Hello,\r\nThe report for the month is     attached; it's the final one.\r\nRegards"), "{eml}");
    assert!(dir.path().join("send-log.csv").exists());
}

#[test]
fn other_cl_statements_are_refused_with_their_line_unless_skipped() {
    let src = format!(
        "{}             CHGVAR     VAR(&RESULT) VALUE(' ')\n",
        PASTED.replace("             ENDPGM\n", "")
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "OTHER.clp", &src);
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("lncmail: OTHER.clp:26: E2 CHGVAR is a CL statement"), "{}", out.all());
    assert!(out.stderr.contains("--cl-skip-other"), "{}", out.all());
    assert!(emls(&dir.path().join("outbox")).is_empty());

    let out = lncmail(dir.path(), &["run", "--cl-skip-other", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(emls(&dir.path().join("outbox")).len(), 1);
}

#[test]
fn cl_and_line_forms_mix_and_cl_errors_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "mix.lnc",
        "MAILSMTP 'Server=\"file:outbox\";Sender=\"me@example.com\"'\n\
         LNCCMD CMD(MAILPREP) PARM1('you@example.com') +\n   PARM2('subject=\"mixed\"')\n\
         MAILTEXT 'from the line form'\nLNCCMD CMD(MAILSEND)\n",
    );
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(only_eml_text(&dir.path().join("outbox")).contains("Subject: mixed"));

    // (CL text from line 2, line, words)
    let cases: &[(&str, usize, &str)] = &[
        ("LNCCMD CMD(MAILTEXT) +\n  PARM1('open)\n", 2, "unterminated quote"),
        ("\nLNCCMD CMD(MAILTEXT) PARM1('a') PARM1('b')\n", 3, "PARM1 is given twice"),
        ("LNCCMD MAILSEND\n", 2, "keywords"),
        ("LNCCMD CMD(MAILTEXT) PARM1(&TEXT)\n", 2, "CL variable &TEXT"),
        ("CALL PGM(QCMDEXC) PARM('x')\n", 2, "CALL is a CL statement"),
    ];
    for (cl, line, words) in cases {
        let f = write(dir.path(), "bad.clp", &format!("MAILSMTP 'Server=\"file:outbox\";Sender=\"me@example.com\"'\n{cl}"));
        let out = lncmail(dir.path(), &["run", &f], &[], None);
        assert_eq!(out.code, 1, "{cl:?}: {}", out.all());
        let want = format!("lncmail: bad.clp:{line}: E2 ");
        assert!(out.stderr.starts_with(&want) && out.stderr.contains(words), "{cl:?}: {}", out.all());
    }
}
