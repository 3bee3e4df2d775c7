//! The CL form, as pasted from IBM i CL sources:
//! `LNCCMD CMD(MAILPREP) PARM1('you@example.com') PARM2('subject="test"')`, with `+` and `-`
//! continuations, `/* ... */` comments, labels, and `CALL PGM(LNCCMD) PARM(...)`.

use super::{Cursor, Form, Line, SyntaxError};

/// Statements that only frame a CL program (declarations, the program's start and end, message
/// monitors): they have nothing to do in a command file and are always skipped.
const FRAME: &[&str] = &["PGM", "ENDPGM", "DCL", "DCLF", "MONMSG", "COPYRIGHT"];

/// CL statements that may stand alone without parameters, to recognise them as CL.
const BARE: &[&str] = &["PGM", "ENDPGM", "ELSE", "ENDDO", "RETURN", "SELECT", "ENDSELECT", "OTHERWISE", "ENDSUBR"];

/// Whether the statement starting with `first` (not blank, not a `#` comment) is in CL form.
///
/// The line form always starts with a mail command name, so anything else that looks like CL
/// (a comment, a label, LNCCMD, CALL, a `KEYWORD(` parameter, a `+` continuation) is CL.
pub(super) fn looks_like(first: &str) -> bool {
    let t = first.trim();
    if t.starts_with("/*") {
        return true;
    }
    let word_end = t.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(t.len());
    let word = &t[..word_end];
    if crate::command::lookup(word).is_some() {
        return false;
    }
    if word.contains(':') {
        return true;
    }
    let upper = word.to_ascii_uppercase();
    let base = upper.rsplit('/').next().unwrap_or("");
    if base == "LNCCMD" || base == "CALL" || BARE.contains(&base) {
        return true;
    }
    let rest = t[word_end..].trim_start();
    let kw_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    (kw_end > 0 && rest[kw_end..].starts_with('(')) || t.ends_with('+')
}

/// Parses the CL statement that starts on `first`. `Ok(None)` is a statement with nothing to
/// run (a comment alone, a program frame statement, or another statement when `skip_other`).
pub(super) fn statement(
    first: (usize, &str),
    cursor: &mut Cursor<'_>,
    skip_other: bool,
) -> Result<Option<Line>, SyntaxError> {
    let number = first.0;
    let text = collect(first, cursor)?;
    let fail = |msg: String| SyntaxError::new(number, msg);
    let Some(stmt) = tokenize(&text).map_err(fail)? else {
        return Ok(None);
    };
    let upper = stmt.name.to_ascii_uppercase();
    let base = upper.rsplit('/').next().unwrap_or("");
    let parms = match base {
        "LNCCMD" => lnccmd(&stmt.params).map_err(fail)?,
        "CALL" => match call(&stmt.params).map_err(fail)? {
            Some(p) => p,
            None => return other(number, &stmt.name, skip_other),
        },
        _ if FRAME.contains(&base) => return Ok(None),
        _ => return other(number, &stmt.name, skip_other),
    };
    let [cmd, parm1, parm2] = parms;
    if cmd.trim().is_empty() {
        return Err(fail("LNCCMD needs CMD(...), the mail command to run".into()));
    }
    Ok(Some(Line { line: number, cmd, parm1, parm2, form: Form::Cl }))
}

fn other(number: usize, name: &str, skip_other: bool) -> Result<Option<Line>, SyntaxError> {
    if skip_other {
        tracing::debug!(line = number, statement = name, "CL statement skipped (cl_skip_other)");
        return Ok(None);
    }
    Err(SyntaxError::new(
        number,
        format!(
            "{name} is a CL statement that lncmail does not run: only LNCCMD and CALL PGM(LNCCMD) are run \
             (PGM, DCL, MONMSG, ENDPGM are skipped); to skip other statements too, use --cl-skip-other"
        ),
    ))
}

/// Joins a statement's lines: drops `/* */` comments (outside quotes), follows `+`
/// (continuation without the next line's leading blanks) and `-` (with them), as CL does.
fn collect(first: (usize, &str), cursor: &mut Cursor<'_>) -> Result<String, SyntaxError> {
    let start = first.0;
    let mut out = String::new();
    let mut in_quote = false;
    let mut in_comment = false;
    let mut strip_leading = false;
    let mut line = Some(first);
    while let Some((number, raw)) = line {
        let text = if strip_leading { raw.trim_start() } else { raw };
        let chars: Vec<char> = text.chars().collect();
        let mut seg = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if in_comment {
                if c == '*' && next == Some('/') {
                    in_comment = false;
                    seg.push(' ');
                    i += 1;
                }
            } else if in_quote {
                seg.push(c);
                if c == '\'' {
                    if next == Some('\'') {
                        seg.push('\'');
                        i += 1;
                    } else {
                        in_quote = false;
                    }
                }
            } else if c == '/' && next == Some('*') {
                in_comment = true;
                i += 1;
            } else {
                if c == '\'' {
                    in_quote = true;
                }
                seg.push(c);
            }
            i += 1;
        }
        if in_comment {
            // A comment spanning lines: the statement goes on after it.
            out.push_str(&seg);
            strip_leading = false;
            line = cursor.next();
            continue;
        }
        let t = seg.trim_end();
        if let Some(s) = t.strip_suffix('+') {
            out.push_str(s);
            strip_leading = true;
        } else if let Some(s) = t.strip_suffix('-') {
            out.push_str(s);
            strip_leading = false;
        } else if in_quote {
            // Errors name the line the statement starts on, like every other error of a file.
            let at = if number == start { String::new() } else { format!(" on line {number}") };
            return Err(SyntaxError::new(
                start,
                format!("unterminated quote: a ' is not closed{at} (continue a long value with + at the end of the line)"),
            ));
        } else {
            out.push_str(t);
            return Ok(out);
        }
        line = cursor.next();
    }
    let what = if in_comment { "a /* comment is never closed" } else { "the last line ends with a continuation (+ or -)" };
    Err(SyntaxError::new(start, format!("the statement starting here never ends: {what}")))
}

/// A value as written in a CL parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// `'...'`, with `''` already turned into `'`.
    Quoted(String),
    /// An unquoted word (`MAILSEND`, `*HIGH`, `&VAR`).
    Bare(String),
}

/// `KEYWORD(values)` or a positional value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    keyword: Option<String>,
    values: Vec<Value>,
}

#[derive(Debug)]
struct Stmt {
    name: String,
    params: Vec<Param>,
}

/// Splits a joined statement into its command name and parameters; `None` for an empty one.
fn tokenize(text: &str) -> Result<Option<Stmt>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let word = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && !chars[*i].is_whitespace() && !matches!(chars[*i], '(' | ')' | '\'' | ':') {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    skip_ws(&mut i);
    if i >= chars.len() {
        return Ok(None);
    }
    let mut name = word(&mut i);
    if i < chars.len() && chars[i] == ':' {
        // A label: `SEND: LNCCMD ...`.
        i += 1;
        skip_ws(&mut i);
        name = word(&mut i);
        if name.is_empty() && i >= chars.len() {
            return Ok(None);
        }
    }
    if name.is_empty() {
        return Err(format!("a statement must start with a command name, not '{}'", chars.get(i).copied().unwrap_or(' ')));
    }
    let mut params = Vec::new();
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        if chars[i] == '\'' {
            params.push(Param { keyword: None, values: vec![quoted(&chars, &mut i)?] });
            continue;
        }
        if chars[i] == '(' || chars[i] == ')' || chars[i] == ':' {
            return Err(format!("unexpected '{}' in {name}", chars[i]));
        }
        let w = word(&mut i);
        if i < chars.len() && chars[i] == '(' {
            i += 1;
            let values = list(&chars, &mut i, &w)?;
            params.push(Param { keyword: Some(w.to_ascii_uppercase()), values });
        } else {
            params.push(Param { keyword: None, values: vec![Value::Bare(w)] });
        }
    }
    Ok(Some(Stmt { name, params }))
}

/// Reads a quoted value starting at the opening quote.
fn quoted(chars: &[char], i: &mut usize) -> Result<Value, String> {
    *i += 1;
    let mut s = String::new();
    loop {
        match chars.get(*i) {
            None => return Err("unterminated quote: a ' is never closed".into()),
            Some('\'') if chars.get(*i + 1) == Some(&'\'') => {
                s.push('\'');
                *i += 2;
            }
            Some('\'') => {
                *i += 1;
                return Ok(Value::Quoted(s));
            }
            Some(c) => {
                s.push(*c);
                *i += 1;
            }
        }
    }
}

/// Reads the values of `KEYWORD(...)` up to its closing parenthesis.
fn list(chars: &[char], i: &mut usize, keyword: &str) -> Result<Vec<Value>, String> {
    let mut values = Vec::new();
    loop {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
        match chars.get(*i) {
            None => return Err(format!("{keyword}( is never closed: a ')' is missing")),
            Some(')') => {
                *i += 1;
                return Ok(values);
            }
            // A nested list (`EXEC(GOTO CMDLBL(ERR))`) is kept whole, as one value: only
            // statements that are skipped have them.
            Some('(') => values.push(Value::Bare(group(chars, i)?)),
            Some('\'') => values.push(quoted(chars, i)?),
            Some(_) => {
                let start = *i;
                while *i < chars.len() && !chars[*i].is_whitespace() && !matches!(chars[*i], '(' | ')' | '\'') {
                    *i += 1;
                }
                values.push(Value::Bare(chars[start..*i].iter().collect()));
            }
        }
    }
}

/// Reads a parenthesised group, nested groups and quotes included, as written.
fn group(chars: &[char], i: &mut usize) -> Result<String, String> {
    let start = *i;
    let mut depth = 0;
    let mut in_quote = false;
    while let Some(&c) = chars.get(*i) {
        *i += 1;
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth == 0 {
                    return Ok(chars[start..*i].iter().collect());
                }
            }
            _ => {}
        }
    }
    Err("a '(' is never closed".into())
}

/// The text of a value; a CL variable cannot be resolved outside a CL program.
fn text(keyword: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::Quoted(s) => Ok(s.clone()),
        Value::Bare(s) if s.starts_with('&') => Err(format!(
            "{keyword}({s}): CL variable {s} has no value in a command file; write the value, or use ${{{}}} for an environment variable",
            s.trim_start_matches('&')
        )),
        Value::Bare(s) if s.starts_with('(') => {
            Err(format!("{keyword}: the list {s} is not a value; put the whole value in single quotes"))
        }
        Value::Bare(s) => Ok(s.clone()),
    }
}

/// `LNCCMD CMD(...) OPT(...) PARM1(...) PARM2(...)`, keywords in any order; OPT is ignored.
fn lnccmd(params: &[Param]) -> Result<[String; 3], String> {
    let mut out: [Option<String>; 3] = [None, None, None];
    let mut opt_seen = false;
    for p in params {
        let Some(kw) = &p.keyword else {
            return Err("LNCCMD parameters must be written with their keywords: CMD(...) PARM1(...) PARM2(...) OPT(...)".into());
        };
        let slot = match kw.as_str() {
            "CMD" => 0,
            "PARM1" => 1,
            "PARM2" => 2,
            "OPT" => {
                if opt_seen {
                    return Err("LNCCMD: OPT is given twice".into());
                }
                opt_seen = true;
                continue;
            }
            _ => return Err(format!("LNCCMD has no parameter {kw} (it takes CMD, OPT, PARM1, PARM2)")),
        };
        if out[slot].is_some() {
            return Err(format!("LNCCMD: {kw} is given twice"));
        }
        let value = match p.values.as_slice() {
            [] => String::new(),
            [v] => text(kw, v)?,
            _ => return Err(format!("LNCCMD: {kw} takes one value; put the whole value in single quotes")),
        };
        out[slot] = Some(value);
    }
    let [a, b, c] = out;
    Ok([a.unwrap_or_default(), b.unwrap_or_default(), c.unwrap_or_default()])
}

/// `CALL PGM(LNCCMD) PARM(cmd opt parm1 parm2 ...)`; further parameters (the return code and
/// result variables of the original) are ignored. `None` when another program is called.
fn call(params: &[Param]) -> Result<Option<[String; 3]>, String> {
    let find = |kw: &str| params.iter().find(|p| p.keyword.as_deref() == Some(kw));
    let pgm = match find("PGM").map(|p| p.values.as_slice()) {
        Some([Value::Bare(s)]) | Some([Value::Quoted(s)]) => s.to_ascii_uppercase(),
        _ => return Ok(None),
    };
    if pgm.rsplit('/').next() != Some("LNCCMD") {
        return Ok(None);
    }
    let values = find("PARM").map(|p| p.values.as_slice()).unwrap_or(&[]);
    let mut out = [String::new(), String::new(), String::new()];
    // Positions: CMD, OPT, PARM1, PARM2.
    for (i, v) in values.iter().take(4).enumerate() {
        let t = text("PARM", v)?;
        match i {
            0 => out[0] = t,
            1 => {}
            n => out[n - 1] = t,
        }
    }
    Ok(Some(out))
}
