//! The command line of the real binary: usage errors exit 2 naming the bad value; `decode`
//! works on every fixture.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::data;
use common::exporter::Exporter;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .args(args)
        .env_remove("TELEINFO_SOURCE")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What the README promises: exit status 2, a first line `error: …` that names the option and
/// the bad value, and clap's hint to `--help` as the last line (with, for some errors, the
/// usage in between).
#[test]
fn bad_values_exit_2_and_name_the_option_and_the_value() {
    for (args, option, named) in [
        (&["--source", "ttyAMA0"][..], "--source", "ttyAMA0"),
        (&["--source", "/dev/ttyUSB0@4800"], "--source", "4800"),
        (&["--source", "demo:gas"], "--source", "gas"),
        (&["--source", "tcp://meter"], "--source", "meter"),
        (
            &["--source", "demo", "--stale-after", "soon"],
            "--stale-after",
            "soon",
        ),
        (
            &["--source", "demo", "--web.listen-address", "11798"],
            "--web.listen-address",
            "11798",
        ),
        (
            &["--source", "demo", "--replay-speed", "fast"],
            "--replay-speed",
            "fast",
        ),
        (
            &["--source", "demo", "--log.level", "loud"],
            "--log.level",
            "loud",
        ),
        (
            &["--source", "a=demo", "--source", "a=demo:standard"],
            "--source",
            "\"a\"",
        ),
        (&["--bogus"], "--bogus", "--bogus"),
    ] {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("error: "), "{args:?}: {err}");
        assert!(
            first.contains(option) && first.contains(named),
            "{args:?}: the first line should name {option} and {named}: {err}"
        );
        assert_eq!(
            err.lines().last(),
            Some("For more information, try '--help'."),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn no_source_is_a_usage_error() {
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--source"), "{}", stderr(&o));
}

#[test]
fn version_and_help() {
    let o = run(&["--version"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
    let o = run(&["--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--source",
        "--web.listen-address",
        "--stale-after",
        "--log.level",
        "TELEINFO_SOURCE",
        "decode",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn decode_json_on_every_fixture() {
    let mut files: Vec<_> = std::fs::read_dir(data("real"))
        .unwrap()
        .chain(std::fs::read_dir(data("synthetic")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "tsv"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{}", files.len());
    let mut total_frames = 0;
    for path in files {
        let o = run(&["decode", "--json", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", path.display());
        let summary = stderr(&o);
        let last = summary.lines().last().unwrap_or("");
        let frames: usize = last
            .strip_prefix("frames=")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}: summary {last:?}", path.display()));
        assert!(
            last.contains(" checksum_errors=")
                && last.contains(" format_errors=")
                && last.contains(" size_errors=")
                && last.contains(" interrupted="),
            "{last}"
        );
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert_eq!(stdout.lines().count(), frames, "{}", path.display());
        for line in stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let mode = v["mode"].as_str().unwrap();
            assert!(mode == "historic" || mode == "standard");
            assert!(v["errors"].as_u64().is_some());
            for g in v["groups"].as_array().unwrap() {
                assert!(g["label"].is_string() && g["value"].is_string(), "{g}");
                let keys = g.as_object().unwrap().len();
                assert!(keys == 2 || (keys == 3 && g["horodate"].is_string()), "{g}");
            }
        }
        total_frames += frames;
    }
    assert!(total_frames > 80, "{total_frames}");
}

#[test]
fn decode_reads_stdin_and_prints_a_table() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(data("synthetic/standard_mono_producer.tic")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.starts_with("frame 1: standard mode, 48 groups"),
        "{table}"
    );
    assert!(table.contains("  4 812 345 Wh\n"), "{table}");
    assert_eq!(
        stderr(&o).trim(),
        "frames=1 checksum_errors=0 format_errors=0 size_errors=0 interrupted=0"
    );
}

#[test]
fn decode_of_a_missing_file_exits_2() {
    let o = run(&["decode", "/nonexistent/capture.bin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/capture.bin"));
}

#[test]
fn decode_flags_a_cooked_tty_capture() {
    let path = data("real/ticdecodecpp__continuous_linky_3P_historical_TIC_2024_sample.bin");
    let o = run(&["decode", "--stats", path.to_str().unwrap()]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("cooked"), "{err}");
    assert_eq!(
        err.lines().last(),
        Some("frames=4 checksum_errors=0 format_errors=0 size_errors=0 interrupted=1")
    );
}

/// A port in use is a failure at run time, not a usage error: the command line is right and the
/// same command works once the port is free. Its error is printed once: the OS message used to
/// come twice, once in the error's own text and once more as its source in the chain.
#[test]
fn a_port_in_use_is_one_error_and_exit_1() {
    let first = Exporter::start(&["--source", "demo"]);
    let addr = first.addr.to_string();
    let o = run(&["--source", "demo", "--web.listen-address", &addr]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains(&format!("cannot listen on {addr}")),
        "{err}"
    );
    assert_eq!(err.matches("Address already in use").count(), 1, "{err}");
}
