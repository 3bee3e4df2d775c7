//! `lncmail run` on command files: the line form, errors with file and line, `${NAME}`,
//! `--keep-going`, `--dry-run`, standard input, exit codes, `--quiet`, `--verbose`, summary.

mod cli_support;

use cli_support::{emls, lncmail, only_eml_text, write, SMTP_FILE};

fn script(body: &str) -> String {
    format!("{SMTP_FILE}\n{body}")
}

#[test]
fn line_form_runs_and_reports_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "m.lnc",
        &script(
            "# a comment\n\
             MAILPREP 'you@example.com' 'subject=\"It''s here\"'   # trailing comment\n\
             MAILTEXT 'first line\n\
             second line'\n\
             mailprty *HIGH\n\
             \n\
             MAILSEND\n\
             MAILEND\n",
        ),
    );
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", out.all());
    assert_eq!(lines[0], "m.lnc:1: MAILSMTP: OK");
    assert_eq!(lines[1], "m.lnc:3: MAILPREP: OK");
    assert_eq!(lines[2], "m.lnc:4: MAILTEXT: OK");
    assert_eq!(lines[3], "m.lnc:6: MAILPRTY: OK");
    assert!(lines[4].starts_with("m.lnc:8: MAILSEND: OK outbox/"), "{}", out.all());
    assert_eq!(lines[5], "m.lnc:9: MAILEND: OK");
    assert!(out.stderr.contains("lncmail: 1 sent, 0 partial, 0 failed in "), "{}", out.all());
    let eml = only_eml_text(&dir.path().join("outbox"));
    assert!(eml.contains("Subject: It's here"), "{eml}");
    assert!(eml.contains("first line\r\nsecond line"), "{eml}");
    assert!(eml.contains("X-Priority: 1"), "{eml}");
}

#[test]
fn syntax_errors_name_file_and_line_and_nothing_runs() {
    // A MAILSEND before each error proves the whole file is parsed before anything runs.
    let head = script("MAILPREP 'a@example.com'\nMAILSEND\n"); // lines 1-3
    // (body from line 4, line of the error, words of the message)
    let cases: &[(&str, usize, &str)] = &[
        ("MAILTEXT 'never closed\nMAILSEND\n", 4, "E2 unterminated quote"),
        ("MAILTEXT 'a'b\n", 4, "E2 unexpected 'b' right after a closing quote"),
        ("MAILTEXT don't\n", 4, "put the whole PARM in single quotes"),
        ("MAILPREP 'a' 'b' 'c'\n", 4, "takes at most two PARMs, found 3"),
        ("\n\nLNCCMD CMD(MAILTEXT) PARM1('x') FOO(1)\n", 6, "LNCCMD has no parameter FOO"),
        ("LNCCMD CMD(MAILTEXT) +\n", 4, "never ends"),
        ("MAILSEND\n/* open comment\nMAILSEND\n", 5, "comment is never closed"),
        ("CHGVAR VAR(&X) VALUE('1')\n", 4, "CHGVAR is a CL statement"),
        ("LNCCMD CMD(MAILTEXT) PARM1(&BODY)\n", 4, "${BODY}"),
        ("MAILTEXT '${LNCMAIL_TEST_UNSET_VARIABLE}'\n", 4, "E4 environment variable LNCMAIL_TEST_UNSET_VARIABLE is not set"),
        ("MAILTEXT '${not a name}'\n", 4, "position 1 does not hold a variable name"),
    ];
    for (body, line, words) in cases {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "bad.lnc", &format!("{head}{body}"));
        let out = lncmail(dir.path(), &["run", &f], &[], None);
        assert_eq!(out.code, 1, "{body:?}: {}", out.all());
        let want = format!("lncmail: bad.lnc:{line}: ");
        assert!(out.stderr.starts_with(&want), "{body:?}: wanted {want:?}: {}", out.all());
        assert!(out.stderr.contains(words), "{body:?}: wanted {words:?}: {}", out.all());
        assert!(out.stdout.is_empty(), "{body:?}: {}", out.all());
        assert!(emls(&dir.path().join("outbox")).is_empty(), "{body:?}: something ran");
    }
}

#[test]
fn a_failed_command_names_file_line_and_code_and_stops_the_run() {
    // (body from line 2, line, command, code)
    let cases: &[(&str, usize, &str, &str)] = &[
        ("MAILFOO 'x'\n", 2, "MAILFOO", "E1 unknown command"),
        ("MAILSMTP 'Sever=\"x\"'\n", 2, "MAILSMTP", "E3 "),
        ("MAILPREP 'a@example.com'\nMAILATT 'no-such-file.pdf'\n", 3, "MAILATT", "E7 "),
        ("MAILSEND\n", 2, "MAILSEND", "E5 "),
        ("MAILPREP 'a@example.com'\nMAILPRTY 'urgent'\n", 3, "MAILPRTY", "E3 "),
        ("MAILPREP 'not an address'\n", 2, "MAILPREP", "E6 "),
    ];
    for (body, line, cmd, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "f.lnc", &script(&format!("{body}MAILEND\n")));
        let out = lncmail(dir.path(), &["run", &f], &[], None);
        assert_eq!(out.code, 1, "{body:?}: {}", out.all());
        let err = format!("lncmail: f.lnc:{line}: {cmd} failed: {code}");
        assert!(out.stderr.contains(&err), "{body:?}: wanted {err:?}: {}", out.all());
        assert!(out.stdout.contains(&format!("f.lnc:{line}: {cmd}: {code}")), "{}", out.all());
        assert!(out.stderr.contains(&format!("stopped at f.lnc:{line}")), "{}", out.all());
        assert!(!out.stdout.contains("MAILEND: OK"), "the run must stop: {}", out.all());
    }
}

#[test]
fn env_variables_are_substituted_when_the_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "env.lnc",
        &script("MAILPREP '${LNC_TO}' 'subject=\"Report for ${LNC_WHO}\"'\nMAILTEXT 'costs 5$, literal $${LNC_WHO}'\nMAILSEND\n"),
    );
    let out = lncmail(dir.path(), &["run", &f], &[("LNC_TO", "boss@example.com"), ("LNC_WHO", "Ann")], None);
    assert_eq!(out.code, 0, "{}", out.all());
    let eml = only_eml_text(&dir.path().join("outbox"));
    assert!(eml.contains("To: boss@example.com"), "{eml}");
    assert!(eml.contains("Subject: Report for Ann"), "{eml}");
    assert!(eml.contains("costs 5$, literal ${LNC_WHO}"), "{eml}");
    // The file as parsed keeps ${...}: the value is not echoed in result lines.
    assert!(!out.stdout.contains("Ann"), "{}", out.all());
}

#[test]
fn a_secret_from_the_environment_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "s.lnc",
        "MAILSMTP 'Server=\"file:outbox\";Sender=\"me@example.com\";UserId=\"me\";password=\"${LNC_PW}\";logfile=\"log.csv\"'\n\
         MAILPREP 'a@example.com'\nMAILSEND\nMAILSMTP 'Server=\"file:outbox\";Sender=\"me@example.com\";UserId=\"me\";password=\"${LNC_PW}\";Timeout=0'\n",
    );
    let secret = "S3cr3t-Pa55";
    for flags in [&["run", "--verbose"][..], &["run"][..]] {
        let args: Vec<&str> = flags.iter().copied().chain([f.as_str()]).collect();
        let out = lncmail(dir.path(), &args, &[("LNC_PW", secret)], None);
        assert_eq!(out.code, 1, "{}", out.all()); // Timeout=0 fails the last MAILSMTP
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "{}", out.all());
    }
    let log = std::fs::read_to_string(dir.path().join("log.csv")).unwrap();
    assert!(!log.contains(secret), "{log}");
}

#[test]
fn keep_going_skips_to_the_next_message_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "k.lnc",
        &script(
            "MAILPREP 'one@example.com'\nMAILSEND\n\
             MAILPREP 'two@example.com'\nMAILATT 'missing.pdf'\nMAILTEXT 'never'\nMAILSEND\n\
             MAILPREP 'three@example.com'\nMAILSEND\n\
             MAILEND\n",
        ),
    );
    let out = lncmail(dir.path(), &["run", "--keep-going", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(emls(&dir.path().join("outbox")).len(), 2, "{}", out.all());
    assert!(out.stderr.contains("lncmail: k.lnc:5: MAILATT failed: E7 "), "{}", out.all());
    assert!(out.stdout.contains("k.lnc:6: MAILTEXT: skipped (after an earlier failure)"), "{}", out.all());
    assert!(out.stdout.contains("k.lnc:7: MAILSEND: skipped"), "{}", out.all());
    assert!(out.stdout.contains("k.lnc:8: MAILPREP: OK"), "{}", out.all());
    assert!(out.stdout.contains("k.lnc:10: MAILEND: OK"), "{}", out.all());
    assert!(out.stderr.contains("lncmail: 2 sent, 0 partial, 1 failed in "), "{}", out.all());

    // Without --keep-going the run stops at line 5.
    let dir2 = tempfile::tempdir().unwrap();
    let f2 = write(dir2.path(), "k.lnc", &std::fs::read_to_string(dir.path().join(&f)).unwrap());
    let out = lncmail(dir2.path(), &["run", &f2], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(emls(&dir2.path().join("outbox")).len(), 1);
    assert!(out.stderr.contains("stopped at k.lnc:5"), "{}", out.all());
    assert!(out.stderr.contains("lncmail: 1 sent, 0 partial, 1 failed in "), "{}", out.all());
}

#[test]
fn keep_going_after_a_failed_mailsmtp_skips_to_the_next_mailsmtp() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "k.lnc",
        "MAILSMTP 'Server=\"file:first\";Sender=\"me@example.com\"'\n\
         MAILPREP 'a@example.com'\nMAILSEND\n\
         MAILPREP 'b@example.com'\nMAILTO 'bad address'\n\
         MAILSMTP 'Server=\"file:second\";Sender=\"not an address\"'\n\
         MAILPREP 'c@example.com'\nMAILSEND\n\
         MAILSMTP 'Server=\"file:third\";Sender=\"me@example.com\"'\n\
         MAILPREP 'd@example.com'\nMAILSEND\n",
    );
    let out = lncmail(dir.path(), &["run", "-k", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    // Message b was being composed when MAILTO failed; MAILSMTP at line 6 resumes (and fails);
    // message c must not go out with the first settings; the third MAILSMTP resumes.
    assert_eq!(emls(&dir.path().join("first")).len(), 1, "{}", out.all());
    assert!(emls(&dir.path().join("second")).is_empty());
    assert_eq!(emls(&dir.path().join("third")).len(), 1, "{}", out.all());
    assert!(out.stdout.contains("k.lnc:8: MAILSEND: skipped"), "{}", out.all());
    assert!(out.stderr.contains("lncmail: 2 sent, 0 partial, 1 failed in "), "{}", out.all());
}

#[test]
fn dry_run_writes_files_instead_of_sending_and_leaves_the_log_alone() {
    // The scripts name a real-looking server on loopback: with --dry-run it is never contacted.
    let body = "MAILSMTP 'Server=\"127.0.0.1\";port=9;Sender=\"me@example.com\";logfile=\"prod-log.csv\"'\n\
                MAILPREP 'a@example.com' 'subject=\"rehearsal\"'\nMAILSEND\n\
                MAILSMTP 'Server=\"sendmail:/nonexistent/sendmail\";Sender=\"me@example.com\"'\n\
                MAILPREP 'b@example.com'\nMAILSEND\nMAILEND\n";
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "d.lnc", body);
    let out = lncmail(dir.path(), &["run", "--dry-run=rehearsal", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(emls(&dir.path().join("rehearsal")).len(), 2, "{}", out.all());
    assert!(!dir.path().join("prod-log.csv").exists());
    assert!(out.stderr.contains("dry run: nothing was sent, the messages are in rehearsal"), "{}", out.all());

    // The default folder, and --dry-run written before the subcommand.
    let out = lncmail(dir.path(), &["--dry-run", "run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(emls(&dir.path().join("lncmail-dry-run")).len(), 2, "{}", out.all());
}

#[test]
fn standard_input_and_several_files_share_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.lnc", &format!("{SMTP_FILE}\n"));
    let c = write(dir.path(), "c.lnc", "MAILEND\n");
    let stdin = "MAILPREP 'a@example.com' 'subject=\"from stdin\"'\nMAILSEND\n";
    let out = lncmail(dir.path(), &["run", &a, "-", &c], &[], Some(stdin));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("a.lnc:1: MAILSMTP: OK"), "{}", out.all());
    assert!(out.stdout.contains("<stdin>:2: MAILSEND: OK outbox/"), "{}", out.all());
    assert!(out.stdout.contains("c.lnc:1: MAILEND: OK"), "{}", out.all());
    assert!(only_eml_text(&dir.path().join("outbox")).contains("Subject: from stdin"));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.lnc", &script("MAILEND\n"));
    let failing = write(dir.path(), "fail.lnc", &script("MAILSEND\n"));
    let defaults = write(dir.path(), "bad.props", "Sever=\"x\"\n");
    // (arguments, exit status)
    let cases: &[(&[&str], i32)] = &[
        (&["run", &ok], 0),
        (&["run", &failing], 1),
        (&["run", "no-such-file.lnc"], 2),
        (&["run", &ok, "no-such-file.lnc"], 2),
        (&["run"], 2),
        (&["run", "--no-such-flag", &ok], 2),
        (&["frobnicate"], 2),
        (&["run", "--defaults", "no-such.props", &ok], 2),
        (&["run", "--defaults", &defaults, &ok], 2),
        (&["run", "--help"], 0),
        (&["--version"], 0),
    ];
    for (args, code) in cases {
        let out = lncmail(dir.path(), args, &[], None);
        assert_eq!(out.code, *code, "{args:?}: {}", out.all());
    }
    let out = lncmail(dir.path(), &["run", "--defaults", &defaults, &ok], &[], None);
    assert!(out.stderr.contains("defaults file bad.props: unknown property 'Sever'"), "{}", out.all());
    assert!(out.stderr.contains("did you mean Server?"), "{}", out.all());
}

#[test]
fn quiet_prints_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.lnc", &script("MAILPREP 'a@example.com'\nMAILSEND\n"));
    let out = lncmail(dir.path(), &["run", "--quiet", &ok], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", out.all());
    let bad = write(dir.path(), "bad.lnc", &script("MAILSEND\n"));
    let out = lncmail(dir.path(), &["run", "-q", &bad], &[], None);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "{}", out.all());
    assert!(out.stderr.contains("bad.lnc:2: MAILSEND failed: E5"), "{}", out.all());
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..30).map(|i| format!("MAILPREP 'n{i}@example.com'\nMAILSEND\n")).collect();
    let f = write(dir.path(), "many.lnc", &script(&body));
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(emls(&dir.path().join("outbox")).len(), 30);
    // Only the summary: no bar, no escape sequences.
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.all());
    assert!(out.stderr.starts_with("lncmail: 30 sent, 0 partial, 0 failed in "), "{}", out.all());
    assert!(!out.stderr.contains('\x1b') && !out.stderr.contains('\r'), "{:?}", out.stderr);
}

#[test]
fn verbose_turns_on_diagnostics_and_rust_log_wins() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "v.lnc", &script("MAILEND\n"));
    let quiet = lncmail(dir.path(), &["run", &f], &[], None);
    assert!(!quiet.stderr.contains("DEBUG"), "{}", quiet.all());
    let verbose = lncmail(dir.path(), &["run", "--verbose", &f], &[], None);
    assert_eq!(verbose.code, 0, "{}", verbose.all());
    assert!(verbose.stderr.contains("DEBUG") && verbose.stderr.contains("cmd=\"MAILSMTP\""), "{}", verbose.all());
    let ruled = lncmail(dir.path(), &["run", "--verbose", &f], &[("RUST_LOG", "error")], None);
    assert!(!ruled.stderr.contains("DEBUG"), "{}", ruled.all());
}

#[test]
fn a_progress_bar_is_drawn_when_stderr_is_a_terminal() {
    // util-linux `script` gives the run a pseudo-terminal and records what it draws.
    let recorder = cli_support::require_script();
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..30).map(|i| format!("MAILPREP 'n{i}@example.com'\nMAILSEND\n")).collect();
    let f = write(dir.path(), "many.lnc", &script(&body));
    let cmd = format!("{} run {f} > stdout.txt", env!("CARGO_BIN_EXE_lncmail"));
    let rec = std::process::Command::new(recorder)
        .args(["-qec", &cmd, "tty.log"])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("LNCMAIL_DEFAULTS")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(rec.status.success(), "{rec:?}");
    let tty = String::from_utf8_lossy(&std::fs::read(dir.path().join("tty.log")).unwrap()).into_owned();
    assert!(tty.contains("/30 messages"), "no bar drawn: {tty:?}");
    assert!(tty.contains("lncmail: 30 sent, 0 partial, 0 failed in "), "{tty:?}");
    // The result lines went to standard output, untouched by the bar.
    let stdout = std::fs::read_to_string(dir.path().join("stdout.txt")).unwrap();
    assert_eq!(stdout.lines().count(), 61);
    assert!(!stdout.contains("messages") && !stdout.contains('\x1b'));
}

#[test]
fn a_closed_standard_output_does_not_stop_the_batch() {
    // As in `lncmail run batch.lnc | head -1`: the reader goes away, the mail must still go out.
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..50).map(|i| format!("MAILPREP 'n{i}@example.com'\nMAILTEXT '{}'\nMAILSEND\n", "x".repeat(2000))).collect();
    let f = write(dir.path(), "many.lnc", &script(&body));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lncmail"))
        .args(["run", &f])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("LNCMAIL_DEFAULTS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("lncmail: 50 sent"), "{stderr}");
    assert_eq!(emls(&dir.path().join("outbox")).len(), 50);
}

#[test]
fn help_of_each_subcommand_is_a_manual() {
    let dir = tempfile::tempdir().unwrap();
    // (arguments, words the manual must hold)
    let cases: &[(&[&str], &[&str])] = &[
        (&["run", "--help"], &["LNCCMD CMD(", "--keep-going", "${NAME}", "Examples:", "Exit status:", "--dry-run"]),
        (&["help", "run"], &["CL form", "Exit status:"]),
        (&["send", "--help"], &["LNCSNDMAIL", "--set <KEY=VALUE>", "Examples:", "Exit status:"]),
        (&["check", "--help"], &["RFC 5322", "Examples:", "Exit status:"]),
        (&["--help"], &["lncmail run FILE", "Exit status:", "LNCMAIL_DEFAULTS"]),
    ];
    for (args, words) in cases {
        let out = lncmail(dir.path(), args, &[], None);
        assert_eq!(out.code, 0, "{args:?}: {}", out.all());
        for w in *words {
            assert!(out.stdout.contains(w), "{args:?} lacks {w:?}: {}", out.stdout);
        }
    }
}
