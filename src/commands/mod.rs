//! The subcommands other than `serve`, kept out of `main` so tests can call them.

pub mod decode;
pub mod probe;

/// `1 valid group`, `2 valid groups`: counts in the reports read as sentences.
pub(crate) fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}
