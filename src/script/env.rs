//! `${NAME}` substitution from the environment, so that passwords need not be written in files.

use crate::error::{Code, Error, Result};

/// Replaces every `${NAME}` in `text` with `lookup(NAME)`.
///
/// `$${NAME}` stays as the literal text `${NAME}`; a `$` not followed by `{` is kept as is.
/// An unset name fails with code 4 naming it; a `${` that is not closed, or a name that is not
/// letters, digits and `_` (not starting with a digit), fails with code 2.
///
/// ```
/// use lncmail::script::expand;
/// let env = |n: &str| (n == "USER").then(|| "jean".to_string());
/// assert_eq!(expand("Hi ${USER}, 5$ and $${USER}", env).unwrap(), "Hi jean, 5$ and ${USER}");
/// assert_eq!(expand("${NOPE}", env).unwrap_err().code(), lncmail::Code::MissingProperty);
/// ```
pub fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            // `$${` is an escaped `${`: copy it through without looking the name up.
            out.push_str("${");
            rest = escaped;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        // Positions, not text, in messages: the text around a typo may be part of a password.
        let pos = text[..text.len() - rest.len() + at].chars().count() + 1;
        let end = body.find('}').ok_or_else(|| {
            Error::new(Code::Syntax, format!("the '${{' at position {pos} has no closing '}}'"))
        })?;
        let name = &body[..end];
        if !valid_name(name) {
            return Err(Error::new(
                Code::Syntax,
                format!("the '${{...}}' at position {pos} does not hold a variable name (letters, digits and _, not starting with a digit)"),
            ));
        }
        let value = lookup(name).ok_or_else(|| {
            Error::new(Code::MissingProperty, format!("environment variable {name} is not set (used as ${{{name}}})"))
        })?;
        out.push_str(&value);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            "Q" => Some("it's \"q\"".into()),
            _ => None,
        }
    }

    #[test]
    fn expanded() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("plain", "plain"),
            ("${A}", "alpha"),
            ("x${A}y${A}z", "xalphayalphaz"),
            ("${EMPTY}", ""),
            ("${Q}", "it's \"q\""),
            ("$A", "$A"),
            ("costs 5$", "costs 5$"),
            ("$${A}", "${A}"),
            ("$$", "$$"),
            ("${A}$${A}", "alpha${A}"),
            ("é${A}é", "éalphaé"),
        ];
        for (input, want) in cases {
            assert_eq!(expand(input, env).unwrap_or_else(|e| panic!("{input:?}: {e}")), *want, "{input:?}");
        }
    }

    #[test]
    fn messages_never_quote_the_text() {
        for input in ["${secret value}", "${secret-value"] {
            let e = expand(input, env).unwrap_err();
            assert!(!e.message().contains("secret"), "{e}");
        }
    }

    #[test]
    fn refused() {
        let cases: &[(&str, Code, &str)] = &[
            ("${UNSET_ONE}", Code::MissingProperty, "UNSET_ONE is not set"),
            ("a ${A} ${B}", Code::MissingProperty, "B is not set"),
            ("${A", Code::Syntax, "position 1 has no closing"),
            ("é ${A}${A", Code::Syntax, "position 7 has no closing"),
            ("${}", Code::Syntax, "not hold a variable name"),
            ("${1A}", Code::Syntax, "not hold a variable name"),
            ("xx${A B}", Code::Syntax, "position 3 does not hold a variable name"),
        ];
        for (input, code, word) in cases {
            let e = expand(input, env).expect_err(input);
            assert_eq!(e.code(), *code, "{input:?}: {e}");
            assert!(e.message().contains(word), "{input:?}: {e}");
        }
    }
}
