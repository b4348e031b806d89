//! The subcommands other than `serve`, kept out of `main` so tests can call them.

pub mod decode;
pub mod probe;
