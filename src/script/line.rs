//! The line form: `COMMAND ['PARM1' ['PARM2']]`, PARMs in single quotes (`''` is a quote).

use super::{Cursor, Form, Line, SyntaxError};

/// Parses the statement that starts on `first` (already known not to be blank or a comment);
/// a quoted PARM may take further lines from `cursor`.
pub(super) fn statement(first: (usize, &str), cursor: &mut Cursor<'_>) -> Result<Line, SyntaxError> {
    let (number, text) = first;
    let fail = |msg: String| SyntaxError::new(number, msg);
    let mut cur: Vec<char> = text.trim_start().chars().collect();
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
                    match cursor.next() {
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
    Ok(Line {
        line: number,
        cmd,
        parm1: words.next().unwrap_or_default(),
        parm2: words.next().unwrap_or_default(),
        form: Form::Line,
    })
}
