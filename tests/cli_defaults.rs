//! The defaults file (`--defaults FILE` or `$LNCMAIL_DEFAULTS`): MAILSMTP properties used where
//! a MAILSMTP does not give them, with the script winning and the flag winning over the variable.

mod cli_support;

use cli_support::{lncmail, only_eml_text, write};

fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "s.lnc",
        "MAILSMTP 'Server=\"file:outbox\"'\nMAILPREP 'you@example.com'\nMAILSEND\nMAILEND\n",
    );
    (dir, script)
}

#[test]
fn defaults_fill_what_the_script_does_not_give() {
    let (dir, script) = setup();
    let dft = write(
        dir.path(),
        "site.props",
        "# site defaults\nServer=\"file:never-used\";\nSender=\"Batch <batch@example.com>\";\nreply=\"${LNC_REPLY}\";logfile=\"log.csv\"\n",
    );
    let out = lncmail(dir.path(), &["run", "--defaults", &dft, &script], &[("LNC_REPLY", "help@example.com")], None);
    assert_eq!(out.code, 0, "{}", out.all());
    let eml = only_eml_text(&dir.path().join("outbox")); // the script's Server wins
    assert!(eml.contains("From: Batch <batch@example.com>"), "{eml}");
    assert!(eml.contains("Reply-To: help@example.com"), "{eml}");
    assert!(dir.path().join("log.csv").exists());
    assert!(!dir.path().join("never-used").exists());
}

#[test]
fn the_flag_wins_over_the_environment_variable() {
    let (dir, script) = setup();
    let by_env = write(dir.path(), "env.props", "Sender=\"env@example.com\"");
    let by_flag = write(dir.path(), "flag.props", "Sender=\"flag@example.com\"");
    let out = lncmail(dir.path(), &["run", &script], &[("LNCMAIL_DEFAULTS", &by_env)], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(only_eml_text(&dir.path().join("outbox")).contains("From: env@example.com"));
    std::fs::remove_dir_all(dir.path().join("outbox")).unwrap();

    let out = lncmail(dir.path(), &["run", "--defaults", &by_flag, &script], &[("LNCMAIL_DEFAULTS", &by_env)], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(only_eml_text(&dir.path().join("outbox")).contains("From: flag@example.com"));
}

#[test]
fn without_defaults_a_missing_property_is_the_usual_error() {
    let (dir, script) = setup();
    let out = lncmail(dir.path(), &["run", &script], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("s.lnc:1: MAILSMTP failed: E4 MAILSMTP: property Sender is required"), "{}", out.all());
}

#[test]
fn a_bad_defaults_file_is_refused_before_anything_runs() {
    let (dir, script) = setup();
    // (file content, words of the message)
    let cases: &[(&str, &str)] = &[
        ("Sender=\"a@example.com\";Sender=\"b@example.com\"", "property Sender is given twice"),
        ("port=abc", "property port expects a number"),
        ("Sender=\"unterminated", "unterminated quote"),
        ("password=\"${LNC_UNSET_PASSWORD}\"", "LNC_UNSET_PASSWORD is not set"),
    ];
    for (text, words) in cases {
        let dft = write(dir.path(), "bad.props", text);
        let out = lncmail(dir.path(), &["run", "--defaults", &dft, &script], &[], None);
        assert_eq!(out.code, 2, "{text:?}: {}", out.all());
        assert!(out.stderr.contains("defaults file bad.props") && out.stderr.contains(words), "{text:?}: {}", out.all());
        assert!(out.stdout.is_empty(), "{}", out.all());
    }
}
