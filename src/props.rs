//! Property strings (SPEC section 2): `Server="smtp.example.com";port=587;enableSSL=true;report`.
//!
//! [`parse`] splits a string into items and checks each against a schema of [`Key`]s, so that
//! every command that takes properties gets the same rules and the same error messages: unknown
//! keys with a suggestion, duplicates, wrong types, unterminated quotes with their position.

use crate::error::{Code, Error, Result};

/// The type of a property's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A boolean: `true`/`false`, `yes`/`no`, `1`/`0`, `*YES`/`*NO`; a bare key means true.
    Bool,
    /// Any text (may be empty).
    Text,
    /// An integer in an inclusive range.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// One of a fixed set of words, case-insensitive; the value is the canonical spelling.
    Choice(&'static [&'static str]),
}

/// A known property: its canonical name, its type, and other accepted spellings.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The canonical name, as the documentation spells it (`enableSSL`).
    pub name: &'static str,
    /// The type of its value.
    pub kind: Kind,
    /// Other spellings accepted for the key (`EnableSLL`, `SSL Type`).
    pub aliases: &'static [&'static str],
}

impl Key {
    /// A key without aliases.
    pub const fn new(name: &'static str, kind: Kind) -> Key {
        Key { name, kind, aliases: &[] }
    }
}

/// A checked property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A [`Kind::Bool`] value.
    Bool(bool),
    /// A [`Kind::Text`] value.
    Text(String),
    /// A [`Kind::Int`] value.
    Int(i64),
    /// A [`Kind::Choice`] value, in its canonical spelling.
    Choice(&'static str),
}

/// The properties of one property string, checked against a schema.
///
/// ```
/// use lncmail::props::{parse, Key, Kind};
/// const KEYS: &[Key] = &[Key::new("subject", Kind::Text), Key::new("report", Kind::Bool)];
/// let p = parse("MAILPREP PARM2", r#"Subject="Hello; ""world""";report"#, KEYS).unwrap();
/// assert_eq!(p.text("subject"), Some(r#"Hello; "world""#));
/// assert_eq!(p.bool("report"), Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props {
    entries: Vec<(&'static str, Value)>,
}

impl Props {
    /// The value of a property, if it was given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Whether the property was given.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A boolean property.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A text property.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// An integer property.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// A choice property, in its canonical spelling.
    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.get(name)? {
            Value::Choice(c) => Some(c),
            _ => None,
        }
    }

    /// The canonical names of the given properties, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|(k, _)| *k)
    }

    /// Adds the properties of `other` that this one does not have (defaults).
    pub fn fill_from(&mut self, other: &Props) {
        for (k, v) in &other.entries {
            if !self.has(k) {
                self.entries.push((k, v.clone()));
            }
        }
    }
}

/// One item as written: key text, optional raw value, and the 1-based position of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The key as written, trimmed.
    pub key: String,
    /// The value (quotes removed, `""` unescaped); `None` for a bare key.
    pub value: Option<String>,
    /// The 1-based character position of the key in the input.
    pub pos: usize,
}

/// A position in the input: byte offset for slicing, character count for messages.
struct Cursor<'a> {
    s: &'a str,
    byte: usize,
    chars: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.byte..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.s[self.byte..].chars().nth(1)
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.byte += c.len_utf8();
            self.chars += 1;
        }
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// The 1-based position of the next character.
    fn pos(&self) -> usize {
        self.chars + 1
    }
}

/// Splits a property string into items, without a schema.
///
/// `context` names the argument in error messages (`MAILSMTP PARM1`). Works in one pass over the
/// input, so a 100 MiB value costs its own size and no more.
pub fn split(context: &str, input: &str) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut c = Cursor { s: input, byte: 0, chars: 0 };
    let syntax = |msg: String| Error::new(Code::Syntax, format!("{context}: {msg}"));
    while c.peek().is_some() {
        // Key: up to '=' or ';'.
        c.skip_blanks();
        let key_pos = c.pos();
        let key_start = c.byte;
        while let Some(ch) = c.peek() {
            if ch == '=' || ch == ';' {
                break;
            }
            if ch == '"' {
                return Err(syntax(format!("unexpected '\"' at position {} (a key cannot be quoted)", c.pos())));
            }
            c.bump();
        }
        let key = input[key_start..c.byte].trim().to_string();
        if c.peek() != Some('=') {
            c.bump(); // ';' or end
            if !key.is_empty() {
                items.push(Item { key, value: None, pos: key_pos });
            }
            continue;
        }
        if key.is_empty() {
            return Err(syntax(format!("a value without a key at position {}", c.pos())));
        }
        c.bump(); // '='
        c.skip_blanks();
        let value = if c.peek() == Some('"') {
            let quote_pos = c.pos();
            c.bump();
            let mut v = String::new();
            let mut run = c.byte;
            loop {
                match c.peek() {
                    None => {
                        return Err(syntax(format!(
                            "unterminated quote: the '\"' at position {quote_pos} (value of {}) is never closed",
                            shorten(&key)
                        )))
                    }
                    Some('"') if c.peek2() == Some('"') => {
                        v.push_str(&input[run..c.byte]);
                        v.push('"');
                        c.bump();
                        c.bump();
                        run = c.byte;
                    }
                    Some('"') => {
                        v.push_str(&input[run..c.byte]);
                        c.bump();
                        break;
                    }
                    Some(_) => c.bump(),
                }
            }
            c.skip_blanks();
            if c.peek().is_some_and(|ch| ch != ';') {
                // The text itself is not quoted back: it may be part of a password.
                return Err(syntax(format!(
                    "unexpected text at position {} after the quoted value of {} (expected ';'; write a '\"' inside a value as '\"\"')",
                    c.pos(),
                    shorten(&key)
                )));
            }
            v
        } else {
            let start = c.byte;
            while let Some(ch) = c.peek() {
                if ch == ';' {
                    break;
                }
                if ch == '"' {
                    return Err(syntax(format!(
                        "unexpected '\"' at position {} inside the unquoted value of {} (quote the whole value)",
                        c.pos(),
                        shorten(&key)
                    )));
                }
                c.bump();
            }
            input[start..c.byte].trim_end().to_string()
        };
        c.bump(); // ';' or end
        items.push(Item { key, value: Some(value), pos: key_pos });
    }
    Ok(items)
}

/// Normalizes a key for comparison: lower case, inner blanks collapsed.
fn normalize(key: &str) -> String {
    key.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

/// Parses a property string and checks every item against `schema`.
///
/// Errors: code 2 for a string that cannot be parsed (with the position), code 3 for an unknown
/// key (naming the closest known key), a duplicate key, or a value of the wrong type.
pub fn parse(context: &str, input: &str, schema: &'static [Key]) -> Result<Props> {
    let mut props = Props::default();
    let mut after_secret: Option<&str> = None;
    for item in split(context, input)? {
        let norm = normalize(&item.key);
        let key = schema
            .iter()
            .find(|k| normalize(k.name) == norm || k.aliases.iter().any(|a| normalize(a) == norm))
            .ok_or_else(|| match after_secret {
                Some(secret) => unknown_after_secret(context, &item, secret),
                None => unknown_key(context, &item, schema),
            })?;
        after_secret = SECRET_KEYS.contains(&key.name).then_some(key.name);
        if props.has(key.name) {
            return Err(Error::new(
                Code::InvalidProperty,
                format!("{context}: property {} is given twice (second at position {})", key.name, item.pos),
            ));
        }
        let value = check_value(context, key, item.value.as_deref())?;
        props.entries.push((key.name, value));
    }
    Ok(props)
}

/// Properties whose values are secrets (SPEC: never in a message).
const SECRET_KEYS: [&str; 2] = ["password", "PwdCertif"];

/// An unknown "key" right after a secret is most likely the rest of an unquoted secret that
/// holds a `;`: it is not quoted back.
fn unknown_after_secret(context: &str, item: &Item, secret: &str) -> Error {
    Error::new(
        Code::InvalidProperty,
        format!(
            "{context}: unknown property at position {} right after {secret} (not shown: if {secret} holds a ';', \
             quote the whole value: {secret}=\"...\")",
            item.pos
        ),
    )
}

fn unknown_key(context: &str, item: &Item, schema: &[Key]) -> Error {
    // A key far longer than any known one gets no suggestion (and no quadratic distance work).
    let norm = if item.key.len() <= 64 { normalize(&item.key) } else { String::new() };
    let best = schema
        .iter()
        .flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied()).map(move |s| (k.name, s)))
        .map(|(name, spelling)| (name, levenshtein(&norm, &normalize(spelling))))
        .min_by_key(|(_, d)| *d);
    let mut msg = format!("{context}: unknown property '{}' at position {}", shorten(&item.key), item.pos);
    match best {
        Some((name, d)) if !norm.is_empty() && d <= (norm.chars().count() / 2).max(2) => {
            msg.push_str(&format!(" (did you mean {name}?)"));
        }
        _ => {
            let names: Vec<&str> = schema.iter().map(|k| k.name).collect();
            msg.push_str(&format!(" (known: {})", names.join(", ")));
        }
    }
    Error::new(Code::InvalidProperty, msg)
}

/// Parses a boolean in any of the accepted spellings.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "*yes" => Some(true),
        "false" | "no" | "0" | "*no" => Some(false),
        _ => None,
    }
}

fn check_value(context: &str, key: &Key, raw: Option<&str>) -> Result<Value> {
    let name = key.name;
    let wrong = |expected: String| {
        Error::new(Code::InvalidProperty, format!("{context}: property {name} expects {expected}"))
    };
    match key.kind {
        Kind::Bool => match raw {
            None => Ok(Value::Bool(true)),
            Some(s) => parse_bool(s).map(Value::Bool).ok_or_else(|| {
                wrong(format!("true/false, yes/no, 1/0 or *YES/*NO, not '{}'", shorten(s)))
            }),
        },
        Kind::Text => match raw {
            None => Err(wrong("a value (write it as key=value)".into())),
            Some(s) => Ok(Value::Text(s.to_string())),
        },
        Kind::Int { min, max } => {
            let s = raw.ok_or_else(|| wrong(format!("a number from {min} to {max}")))?;
            match s.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
                _ => Err(wrong(format!("a number from {min} to {max}, not '{}'", shorten(s)))),
            }
        }
        Kind::Choice(options) => {
            let s = raw.ok_or_else(|| wrong(format!("one of {}", options.join(", "))))?;
            options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(s.trim()))
                .map(|o| Value::Choice(o))
                .ok_or_else(|| wrong(format!("one of {}, not '{}'", options.join(", "), shorten(s))))
        }
    }
}

/// Cuts a value for an error message, so a huge value does not make a huge message.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}...")
    }
}

/// Edit distance, for "did you mean" suggestions.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[Key] = &[
        Key::new("Server", Kind::Text),
        Key::new("port", Kind::Int { min: 1, max: 65535 }),
        Key { name: "enableSSL", kind: Kind::Bool, aliases: &["EnableSLL"] },
        Key { name: "SSLType", kind: Kind::Choice(&["TLS", "SMTPS"]), aliases: &["SSL Type"] },
        Key::new("report", Kind::Bool),
    ];

    fn ok(input: &str) -> Props {
        match parse("T", input, KEYS) {
            Ok(p) => p,
            Err(e) => panic!("{input:?}: {e}"),
        }
    }

    #[test]
    fn accepted_forms() {
        // (input, key, expected value)
        let cases: &[(&str, &str, Value)] = &[
            (r#"Server="a.b""#, "Server", Value::Text("a.b".into())),
            (r#"Server=a.b"#, "Server", Value::Text("a.b".into())),
            (r#"  server  =  a.b   "#, "Server", Value::Text("a.b".into())),
            (r#"SERVER="x;y=z""#, "Server", Value::Text("x;y=z".into())),
            (r#"Server="say ""hi""""#, "Server", Value::Text("say \"hi\"".into())),
            (r#"Server="""""#, "Server", Value::Text("\"".into())),
            (r#"Server="""#, "Server", Value::Text("".into())),
            ("Server=\"line1\nline2\"", "Server", Value::Text("line1\nline2".into())),
            (r#"Server="  padded  ""#, "Server", Value::Text("  padded  ".into())),
            ("Server=a b ;", "Server", Value::Text("a b".into())),
            ("report", "report", Value::Bool(true)),
            ("REPORT", "report", Value::Bool(true)),
            ("report=false", "report", Value::Bool(false)),
            ("report=yes", "report", Value::Bool(true)),
            ("report=NO", "report", Value::Bool(false)),
            ("report=1", "report", Value::Bool(true)),
            ("report=0", "report", Value::Bool(false)),
            ("report=*YES", "report", Value::Bool(true)),
            ("report=*no", "report", Value::Bool(false)),
            ("report=\"true\"", "report", Value::Bool(true)),
            ("EnableSLL=true", "enableSSL", Value::Bool(true)),
            ("enablessl=true", "enableSSL", Value::Bool(true)),
            ("SSL Type=smtps", "SSLType", Value::Choice("SMTPS")),
            ("ssl  type = tls", "SSLType", Value::Choice("TLS")),
            ("SSLType=Tls", "SSLType", Value::Choice("TLS")),
            ("port=587", "port", Value::Int(587)),
            ("port= 25 ", "port", Value::Int(25)),
            (";;port=25;;", "port", Value::Int(25)),
        ];
        for (input, key, want) in cases {
            let p = ok(input);
            assert_eq!(p.get(key), Some(want), "input {input:?}");
        }
    }

    #[test]
    fn several_items_and_empty_ones() {
        let p = ok(r#";Server="s";port=25;;enableSSL;"#);
        assert_eq!(p.names().collect::<Vec<_>>(), vec!["Server", "port", "enableSSL"]);
        assert_eq!(ok("").names().count(), 0);
        assert_eq!(ok(" ; ; ").names().count(), 0);
    }

    #[test]
    fn refused_forms() {
        // (input, code, words the message must contain)
        let cases: &[(&str, Code, &[&str])] = &[
            (r#"Server="abc"#, Code::Syntax, &["unterminated", "position 8"]),
            (r#"port=1;Server="a""b"#, Code::Syntax, &["unterminated", "position 15"]),
            (r#"Server="a" b"#, Code::Syntax, &["position 12"]),
            (r#"Server=a"b""#, Code::Syntax, &["position 9"]),
            (r#"=x"#, Code::Syntax, &["without a key", "position 1"]),
            (r#""Server"=x"#, Code::Syntax, &["position 1"]),
            ("Sever=x", Code::InvalidProperty, &["unknown", "Sever", "did you mean Server?"]),
            ("enableSLS=1", Code::InvalidProperty, &["did you mean enableSSL?"]),
            ("prot=25", Code::InvalidProperty, &["did you mean port?"]),
            ("zzzzzzzzzzzz=1", Code::InvalidProperty, &["unknown", "known: Server, port"]),
            ("port=1;PORT=2", Code::InvalidProperty, &["port", "twice"]),
            ("enableSSL;EnableSLL", Code::InvalidProperty, &["enableSSL", "twice"]),
            ("port=abc", Code::InvalidProperty, &["port", "number from 1 to 65535", "abc"]),
            ("port=0", Code::InvalidProperty, &["port", "1 to 65535"]),
            ("port=65536", Code::InvalidProperty, &["port"]),
            ("port", Code::InvalidProperty, &["port", "number"]),
            ("report=maybe", Code::InvalidProperty, &["report", "true/false", "maybe"]),
            ("SSLType=SSL", Code::InvalidProperty, &["SSLType", "TLS, SMTPS"]),
            ("Server", Code::InvalidProperty, &["Server", "key=value"]),
        ];
        for (input, code, words) in cases {
            let err = parse("T", input, KEYS).expect_err(input);
            assert_eq!(err.code(), *code, "input {input:?}: {err}");
            for w in *words {
                assert!(err.message().contains(w), "input {input:?}: {err} lacks {w:?}");
            }
        }
    }

    #[test]
    fn huge_values_are_shortened_in_messages() {
        let input = format!("port={}", "9".repeat(10_000));
        let err = parse("T", &input, KEYS).unwrap_err();
        assert!(err.message().len() < 200);
    }

    #[test]
    fn the_tail_of_an_unquoted_secret_is_not_quoted_back() {
        const SECRET: &[Key] = &[Key::new("password", Kind::Text), Key::new("PwdCertif", Kind::Text)];
        for input in ["password=first;TailOfSecret", "PwdCertif=a;TailOfSecret=x", "password=\"q\";TailOfSecret"] {
            let err = parse("T", input, SECRET).unwrap_err();
            assert_eq!(err.code(), Code::InvalidProperty, "{input}");
            assert!(!err.message().contains("TailOfSecret"), "{input}: {err}");
            assert!(err.message().contains("quote the whole value"), "{input}: {err}");
        }
        // Elsewhere an unknown key is still named.
        let err = parse("T", "TailOfSecret;password=x", SECRET).unwrap_err();
        assert!(err.message().contains("TailOfSecret"), "{err}");
    }
}
