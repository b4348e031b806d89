//! Tells the integration tests whether Debian's `prometheus` package (the `prometheus` and
//! `promtool` binaries) is installed, so that the tests that need it are reported as
//! ignored, with the reason, instead of passing without having run. In CI (`CI` set) they
//! are always compiled in, and a missing tool fails them.
//!
//! The answer is taken at build time: after installing the package, `touch build.rs` (or
//! set `CI=1`) so that the next `cargo test` runs those tests.

use std::path::Path;

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| Path::new(&dir).join(tool).is_file())
    })
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rustc-check-cfg=cfg(has_promtool, has_prometheus)");
    let ci = std::env::var_os("CI").is_some();
    if ci || on_path("promtool") {
        println!("cargo::rustc-cfg=has_promtool");
    }
    if ci || on_path("prometheus") {
        println!("cargo::rustc-cfg=has_prometheus");
    }
}
