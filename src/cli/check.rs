//! `lncmail check ADDRESS...`: each address with valid or why not.

use std::io::BufRead;

use lncmail::address::parse_mailbox;

use super::{Global, EXIT_ARGS, EXIT_FAILED, EXIT_OK};

pub const HELP: &str = "\
Check addresses as MAILSMTP's checkMail does (RFC 5322 addr-spec, an optional display name, no \
line breaks), and print each one with valid or why not. `-` reads addresses from standard \
input, one a line. Nothing is sent and no server is asked.";

pub const EXAMPLES: &str = "\
Examples:
  lncmail check you@example.com '\"Jean Dupont\" <jean@example.fr>'
  cut -d';' -f3 customers.csv | lncmail check -

Exit status:
  0  every address is valid
  1  an address is invalid
  2  the arguments (or standard input) could not be read";

/// `lncmail check` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Addresses to check (`-` for standard input, one a line).
    #[arg(required = true, value_name = "ADDRESS")]
    pub addresses: Vec<String>,
}

/// Checks the addresses; returns the exit status.
pub fn main(global: &Global, args: &Args) -> u8 {
    let mut all = Vec::new();
    for a in &args.addresses {
        if a == "-" {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(l) if l.trim().is_empty() => {}
                    Ok(l) => all.push(l.trim().to_string()),
                    Err(e) => {
                        err!("lncmail: check: cannot read standard input: {e}");
                        return EXIT_ARGS;
                    }
                }
            }
        } else {
            all.push(a.clone());
        }
    }
    let mut invalid = 0;
    for a in &all {
        match parse_mailbox(a, true) {
            Ok(_) if !global.quiet => out!("{a}: valid"),
            Ok(_) => {}
            Err(e) => {
                invalid += 1;
                if !global.quiet {
                    // The message repeats the address; say only why.
                    let why = e.message().strip_prefix("invalid address '").and_then(|m| m.split_once("': ")).map_or(e.message(), |(_, w)| w);
                    out!("{}: invalid: {why}", a.escape_debug());
                }
            }
        }
    }
    if invalid > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
