//! Test certificates (issue 4 fills this in).
