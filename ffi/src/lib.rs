//! The C ABI of lncmail (SPEC section 7): `liblncmail.so`, `liblncmail.a` and
//! `include/lncmail.h` (generated from this crate by cbindgen).
//!
//! The layer is thin, after rustls-ffi: each export converts and checks its arguments
//! ([`args`]), finds the session ([`handle`]), calls `Session::execute`, and copies the reply
//! out, all inside a panic boundary ([`panic`]). No mail logic lives here. The manual is
//! `docs/c-api.md`.

mod args;
mod codes;
mod handle;
mod panic;

use std::ffi::{c_char, CStr};
use std::sync::LazyLock;

use lncmail_core::{session::outcome, Code, Error};

pub use codes::*;

use panic::{boundary, PANIC_CODE};

/// Result text of a call that hit a bug on our side.
const PANIC_TEXT: &str = "E15 internal error: a bug in lncmail was caught and the call abandoned";

/// Opens a session (state NEW) and returns its handle.
///
/// Returns a handle > 0, or minus a result code (`-LNC_INTERNAL`) if none could be opened.
/// The handle stays valid until `lnc_close`; `MAILEND` does not close it. Handle numbers are
/// not reused soon after `lnc_close`, so a stale handle gives `LNC_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn lnc_open() -> i32 {
    boundary(-PANIC_CODE, || match handle::open() {
        Ok(h) => h,
        Err(e) => -(e.code() as i32),
    })
}

/// Closes a handle: frees its session and closes its SMTP connection (QUIT).
///
/// Returns `LNC_OK`, or `LNC_INVALID_ARGUMENT` for an unknown or already closed handle.
/// A call still running on the handle in another thread finishes first; the session is freed
/// when it returns.
#[no_mangle]
pub extern "C" fn lnc_close(handle: i32) -> i32 {
    boundary(PANIC_CODE, || match handle::close(handle) {
        Ok(()) => LNC_OK,
        Err(e) => e.code() as i32,
    })
}

/// Runs one command on a handle.
///
/// `cmd` (required), `opt`, `parm1`, `parm2` are NUL-terminated UTF-8; NULL for `opt`, `parm1`
/// or `parm2` means empty. `opt` is ignored (LNCCMD compatibility). The result text (`OK ...`
/// or `E<code> ...`) is copied into `result`, always NUL-terminated, truncated to
/// `result_len` bytes without splitting a UTF-8 character; with `result` NULL or `result_len`
/// 0 nothing is written. Returns the result code (`LNC_OK` ...). A NULL `cmd`, invalid UTF-8 or
/// an unknown handle give `LNC_INVALID_ARGUMENT`.
///
/// # Safety
/// Each non-NULL string argument must be NUL-terminated; `result` must be NULL or have
/// `result_len` writable bytes. The arguments are only read during the call.
#[no_mangle]
pub unsafe extern "C" fn lnc_cmd(
    handle: i32,
    cmd: *const c_char,
    opt: *const c_char,
    parm1: *const c_char,
    parm2: *const c_char,
    result: *mut c_char,
    result_len: usize,
) -> i32 {
    let outcome = boundary(None, || {
        // SAFETY: the caller's contract above.
        let args = unsafe {
            (|| -> Result<_, Error> {
                let cmd = args::c_str(cmd, "cmd")?.ok_or_else(|| args::invalid("cmd is NULL".into()))?;
                args::c_str(opt, "opt")?;
                let parm1 = args::c_str(parm1, "parm1")?.unwrap_or("");
                let parm2 = args::c_str(parm2, "parm2")?.unwrap_or("");
                Ok((cmd, parm1, parm2))
            })()
        };
        Some(run(handle, "lnc_cmd", args))
    });
    let (code, text) = outcome.unwrap_or((PANIC_CODE, PANIC_TEXT.into()));
    // SAFETY: the caller's contract above.
    boundary((), || unsafe { args::write_c(result, result_len, &text) });
    code
}

/// Runs one command on a handle, with fixed-length fields as CL, RPG and COBOL pass them.
///
/// Each field is `*_len` bytes, no NUL needed; trailing blanks (and trailing NULs) are
/// ignored. A NULL field with length 0 is empty; `cmd` must not be empty. The result text is
/// copied into `result`, truncated to `result_len` bytes without splitting a UTF-8 character
/// and padded with blanks, with no NUL. Returns the result code, as `lnc_cmd`.
///
/// # Safety
/// Each non-NULL field must have its length in readable bytes; `result` must be NULL or have
/// `result_len` writable bytes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lnc_cmd_fixed(
    handle: i32,
    cmd: *const c_char,
    cmd_len: usize,
    opt: *const c_char,
    opt_len: usize,
    parm1: *const c_char,
    parm1_len: usize,
    parm2: *const c_char,
    parm2_len: usize,
    result: *mut c_char,
    result_len: usize,
) -> i32 {
    let outcome = boundary(None, || {
        // SAFETY: the caller's contract above.
        let args = unsafe {
            (|| -> Result<_, Error> {
                if cmd.is_null() {
                    return Err(args::invalid("cmd is NULL".into()));
                }
                let cmd = args::fixed(cmd, cmd_len, "cmd")?;
                args::fixed(opt, opt_len, "opt")?;
                let parm1 = args::fixed(parm1, parm1_len, "parm1")?;
                let parm2 = args::fixed(parm2, parm2_len, "parm2")?;
                Ok((cmd, parm1, parm2))
            })()
        };
        Some(run(handle, "lnc_cmd_fixed", args))
    });
    let (code, text) = outcome.unwrap_or((PANIC_CODE, PANIC_TEXT.into()));
    // SAFETY: the caller's contract above.
    boundary((), || unsafe { args::write_fixed(result, result_len, &text) });
    code
}

/// Finds the session and runs the command: the code and result text.
fn run(handle: i32, function: &str, args: Result<(&str, &str, &str), Error>) -> (i32, String) {
    let result = args.and_then(|(cmd, parm1, parm2)| {
        let session = handle::get(handle)?;
        handle::with_session(&session, handle, |s| {
            #[cfg(test)]
            tests::maybe_panic(cmd);
            s.execute(cmd, parm1, parm2)
        })?
    });
    let result = result.map_err(|e| match e.code() {
        Code::InvalidArgument => e.context(function),
        _ => e,
    });
    let (code, text) = outcome(&result);
    (code as i32, text)
}

/// Static descriptions, built once from `Code::description` so C and Rust say the same.
static DESCRIPTIONS: LazyLock<Vec<std::ffi::CString>> = LazyLock::new(|| {
    Code::ALL
        .iter()
        .map(|c| std::ffi::CString::new(c.description()).unwrap_or_default())
        .collect()
});

const UNKNOWN_CODE: &CStr = c"unknown code";

/// A static, NUL-terminated description of a result code ("unknown code" for a number that
/// is not one). The text must not be freed or changed.
#[no_mangle]
pub extern "C" fn lnc_strerror(code: i32) -> *const c_char {
    boundary(UNKNOWN_CODE.as_ptr(), || {
        usize::try_from(code)
            .ok()
            .and_then(|i| DESCRIPTIONS.get(i))
            .map_or(UNKNOWN_CODE.as_ptr(), |d| d.as_ptr())
    })
}

const VERSION: &str = concat!("lncmail ", env!("CARGO_PKG_VERSION"), "\0");

/// The static, NUL-terminated text `lncmail <version>`. The text must not be freed or changed.
#[no_mangle]
pub extern "C" fn lnc_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command that panics while holding the session, to reach the panic boundary through
    /// the real exports (unit tests only).
    pub(crate) fn maybe_panic(cmd: &str) {
        if cmd == "TEST-PANIC" {
            panic!("simulated bug inside a command");
        }
    }

    fn cmd(handle: i32, command: &CStr) -> (i32, String) {
        let mut buf = [0 as c_char; 256];
        let code = unsafe {
            lnc_cmd(handle, command.as_ptr(), std::ptr::null(), std::ptr::null(), std::ptr::null(), buf.as_mut_ptr(), buf.len())
        };
        (code, unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string())
    }

    #[test]
    fn a_panic_inside_a_command_gives_15_and_retires_the_handle() {
        let h = lnc_open();
        let other = lnc_open();
        assert!(h > 0 && other > 0);
        assert_eq!(cmd(h, c"TEST-PANIC"), (LNC_INTERNAL, PANIC_TEXT.to_string()));
        let (code, text) = cmd(h, c"MAILEND");
        assert_eq!(code, LNC_INTERNAL);
        assert!(text.contains("lnc_close it"), "{text}");
        // The fixed form too, with its blank-padded result.
        let mut buf = [0 as c_char; 20];
        let code = unsafe {
            lnc_cmd_fixed(h, c"TEST-PANIC".as_ptr(), 10, std::ptr::null(), 0, std::ptr::null(), 0, std::ptr::null(), 0, buf.as_mut_ptr(), buf.len())
        };
        assert_eq!(code, LNC_INTERNAL);
        assert_eq!(buf[..4].iter().map(|&c| c as u8).collect::<Vec<_>>(), b"E15 ");
        assert_eq!(lnc_close(h), LNC_OK);
        assert_eq!(cmd(h, c"MAILEND").0, LNC_INVALID_ARGUMENT);
        assert_eq!(cmd(other, c"MAILEND"), (LNC_OK, "OK".to_string()));
        assert_eq!(lnc_close(other), LNC_OK);
    }

    #[test]
    fn strerror_matches_the_rust_descriptions() {
        for code in Code::ALL {
            let text = unsafe { CStr::from_ptr(lnc_strerror(code as i32)) };
            assert_eq!(text.to_str().unwrap(), code.description());
        }
        for n in [-1, 17, i32::MIN, i32::MAX] {
            assert_eq!(unsafe { CStr::from_ptr(lnc_strerror(n)) }, UNKNOWN_CODE);
        }
        let v = unsafe { CStr::from_ptr(lnc_version()) }.to_str().unwrap();
        assert_eq!(v, format!("lncmail {}", env!("CARGO_PKG_VERSION")));
    }
}
