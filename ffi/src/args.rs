//! Arguments in, result text out: C strings and fixed-length fields to `&str`, and the reply
//! copied into the caller's buffer. Every check the C layer makes is here; all give code 14.

use std::ffi::{c_char, CStr};

use lncmail_core::{Code, Error};

/// A NUL-terminated argument. `NULL` is `None`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    utf8(bytes, what).map(Some)
}

/// A fixed-length field as CL, RPG and COBOL pass them: `len` bytes, no NUL needed, trailing
/// blanks ignored. Trailing NULs are ignored too, so a C `char field[N]` works as well. `NULL`
/// with length 0 is an empty field.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for `'a`.
pub(crate) unsafe fn fixed<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a str, Error> {
    if len == 0 {
        return Ok("");
    }
    if ptr.is_null() {
        return Err(invalid(format!("{what} is NULL but its length is {len}")));
    }
    if len > isize::MAX as usize {
        return Err(invalid(format!("{what}: length {len} is too large")));
    }
    // SAFETY: non-NULL, `len` readable bytes by the caller's contract, and `len` fits isize.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    let end = bytes.iter().rposition(|&b| b != b' ' && b != 0).map_or(0, |i| i + 1);
    let bytes = &bytes[..end];
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(invalid(format!("{what} holds a NUL byte at position {} (only trailing padding may be NUL)", at + 1)));
    }
    utf8(bytes, what)
}

fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes)
        .map_err(|e| invalid(format!("{what} is not valid UTF-8 (byte {})", e.valid_up_to() + 1)))
}

/// An error of code 14.
pub(crate) fn invalid(message: String) -> Error {
    Error::new(Code::InvalidArgument, message)
}

/// The longest prefix of `text` of at most `max` bytes that does not split a character.
fn prefix(text: &str, max: usize) -> &[u8] {
    let mut n = text.len().min(max);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    &text.as_bytes()[..n]
}

/// Copies `text` as a NUL-terminated string into `buf` of `len` bytes, truncated to fit on a
/// character boundary. Nothing is written when `buf` is NULL or `len` is 0.
///
/// # Safety
/// `buf` is NULL or points to `len` writable bytes.
pub(crate) unsafe fn write_c(buf: *mut c_char, len: usize, text: &str) {
    if buf.is_null() || len == 0 {
        return;
    }
    let bytes = prefix(text, len - 1);
    // SAFETY: `bytes.len() + 1 <= len` bytes are writable; `ptr::copy` allows the caller's
    // buffer to be anywhere, `text` is our own memory.
    unsafe {
        std::ptr::copy(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
    }
}

/// Copies `text` into the fixed-length field `buf` of `len` bytes, truncated on a character
/// boundary and padded with blanks; no NUL. Nothing is written when `buf` is NULL.
///
/// # Safety
/// `buf` is NULL or points to `len` writable bytes.
pub(crate) unsafe fn write_fixed(buf: *mut c_char, len: usize, text: &str) {
    if buf.is_null() || len == 0 {
        return;
    }
    let bytes = prefix(text, len);
    // SAFETY: `len` bytes are writable and `bytes.len() <= len`.
    unsafe {
        std::ptr::copy(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        std::ptr::write_bytes(buf.cast::<u8>().add(bytes.len()), b' ', len - bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_fields() {
        // (field, expected text or None for code 14)
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"MAILSEND  ", Some("MAILSEND")),
            (b"  MAILSEND", Some("  MAILSEND")),
            (b"a b   ", Some("a b")),
            (b"      ", Some("")),
            (b"abc\0\0\0", Some("abc")),
            (b"ab\0c  ", None),
            (b"\xc3\xa9t\xc3\xa9 ", Some("\u{e9}t\u{e9}")),
            (b"\xc3 ", None),
        ];
        for (field, expected) in cases {
            let got = unsafe { fixed(field.as_ptr().cast(), field.len(), "parm1") };
            match expected {
                Some(s) => assert_eq!(got.unwrap(), *s, "{field:?}"),
                None => assert_eq!(got.unwrap_err().code(), Code::InvalidArgument, "{field:?}"),
            }
        }
        assert_eq!(unsafe { fixed(std::ptr::null(), 0, "x") }.unwrap(), "");
        assert_eq!(unsafe { fixed(std::ptr::null(), 3, "x") }.unwrap_err().code(), Code::InvalidArgument);
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        let text = "E1 \u{e9}\u{e9}";
        let mut buf = [b'#'; 8];
        for len in 0..=8 {
            buf = [b'#'; 8];
            unsafe { write_c(buf.as_mut_ptr().cast(), len, text) };
            if len == 0 {
                assert_eq!(buf, [b'#'; 8]);
                continue;
            }
            let s = CStr::from_bytes_until_nul(&buf).unwrap().to_str().unwrap();
            assert!(text.starts_with(s) && s.len() < len, "{len}: {s:?}");
        }
        unsafe { write_fixed(buf.as_mut_ptr().cast(), 5, text) };
        assert_eq!(&buf[..5], b"E1 \xc3\xa9");
        unsafe { write_fixed(buf.as_mut_ptr().cast(), 4, text) };
        assert_eq!(&buf[..4], b"E1  ");
    }
}
