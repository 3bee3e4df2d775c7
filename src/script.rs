//! Command files (SPEC section 7): one command per line, `COMMAND ['PARM1' ['PARM2']]`.
//!
//! ```text
//! # a comment
//! MAILSMTP 'Server="file:outbox";Sender="me@example.com"'
//! MAILPREP 'you@example.com' 'subject="It''s here"'
//! MAILSEND
//! ```
//!
//! A PARM is written in single quotes (a literal `'` is `''`), so property strings keep their
//! double quotes; a quoted PARM may go on over several lines. A PARM without blanks or quotes
//! may also be written bare (`MAILPRTY *HIGH`).

use crate::error::{Code, Error, Result};

/// One command of a file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number where the command starts.
    pub line: usize,
    /// The command name.
    pub cmd: String,
    /// PARM1 (empty when not given).
    pub parm1: String,
    /// PARM2 (empty when not given).
    pub parm2: String,
}

/// A syntax error in a command file, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// The error (code 2).
    pub error: Error,
}

/// Parses a whole command file.
///
/// ```
/// use lncmail::script::parse;
/// let lines = parse("# hi\nMAILPREP 'you@example.com' 'subject=\"It''s\"'\n\nMAILSEND\n").unwrap();
/// assert_eq!(lines.len(), 2);
/// assert_eq!(lines[0].line, 2);
/// assert_eq!(lines[0].parm2, "subject=\"It's\"");
/// assert_eq!(lines[1].cmd, "MAILSEND");
/// ```
pub fn parse(text: &str) -> std::result::Result<Vec<Line>, SyntaxError> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fail = |msg: String| SyntaxError { line: number, error: Error::new(Code::Syntax, msg) };
        let mut cur: Vec<char> = trimmed.chars().collect();
        let mut pos = 0;
        let mut words: Vec<String> = Vec::new();
        loop {
            while pos < cur.len() && cur[pos].is_whitespace() {
                pos += 1;
            }
            if pos >= cur.len() {
                break;
            }
            if cur[pos] == '#' && !words.is_empty() {
                break; // a trailing comment
            }
            if cur[pos] == '\'' {
                pos += 1;
                let mut word = String::new();
                loop {
                    if pos >= cur.len() {
                        // The quote goes on over the next line.
                        match lines.next() {
                            Some((_, next)) => {
                                word.push('\n');
                                cur = next.chars().collect();
                                pos = 0;
                                continue;
                            }
                            None => return Err(fail("unterminated quote: a ' is never closed".into())),
                        }
                    }
                    if cur[pos] == '\'' {
                        if pos + 1 < cur.len() && cur[pos + 1] == '\'' {
                            word.push('\'');
                            pos += 2;
                            continue;
                        }
                        pos += 1;
                        break;
                    }
                    word.push(cur[pos]);
                    pos += 1;
                }
                if pos < cur.len() && !cur[pos].is_whitespace() {
                    return Err(fail(format!("unexpected '{}' right after a closing quote", cur[pos])));
                }
                words.push(word);
            } else {
                let start = pos;
                while pos < cur.len() && !cur[pos].is_whitespace() {
                    if cur[pos] == '\'' || cur[pos] == '"' {
                        return Err(fail(format!(
                            "unexpected {} inside a bare word: put the whole PARM in single quotes",
                            cur[pos]
                        )));
                    }
                    pos += 1;
                }
                words.push(cur[start..pos].iter().collect());
            }
        }
        if words.len() > 3 {
            return Err(fail(format!("{} takes at most two PARMs, found {}", words[0], words.len() - 1)));
        }
        let mut words = words.into_iter();
        let cmd = words.next().unwrap_or_default();
        if cmd.is_empty() {
            return Err(fail("a line must start with a command name".into()));
        }
        out.push(Line { line: number, cmd, parm1: words.next().unwrap_or_default(), parm2: words.next().unwrap_or_default() });
    }
    Ok(out)
}

/// Runs parsed lines on a session, calling `report` with each line and its outcome; stops at the
/// first failure and returns it.
pub fn run(
    session: &mut crate::Session,
    lines: &[Line],
    mut report: impl FnMut(&Line, &Result<crate::Reply>),
) -> std::result::Result<(), (usize, Error)> {
    for l in lines {
        let result = session.execute(&l.cmd, &l.parm1, &l.parm2);
        report(l, &result);
        if let Err(e) = result {
            return Err((l.line, e));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (String, String, String) {
        let l = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}")).remove(0);
        (l.cmd, l.parm1, l.parm2)
    }

    #[test]
    fn accepted() {
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
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
        ];
        for (text, want) in cases {
            assert_eq!(&one(text), want, "{text:?}");
        }
    }

    #[test]
    fn comments_blank_lines_and_line_numbers() {
        let lines = parse("# c\n\n   # indented comment\nMAILTEXT 'a\nb'\nMAILSEND\n").unwrap();
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![4, 6]);
    }

    #[test]
    fn refused() {
        let cases: &[(&str, usize, &str)] = &[
            ("MAILSEND\nMAILTEXT 'never closed", 2, "unterminated"),
            ("MAILTEXT 'a'b", 1, "after a closing quote"),
            ("MAILTEXT don't", 1, "single quotes"),
            ("MAILPREP 'a' 'b' 'c'", 1, "at most two"),
            ("\n\nMAILPREP x\"y", 3, "single quotes"),
        ];
        for (text, line, word) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, *line, "{text:?}");
            assert_eq!(e.error.code(), Code::Syntax);
            assert!(e.error.message().contains(word), "{text:?}: {}", e.error);
        }
    }
}
