//! Servers for tests (issue 3 fills this in).
