//! The command line of the real binary: usage errors exit 2 naming the bad value; `decode`
//! works on every fixture.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::exporter::{Exporter, sample};
use common::{data, read};

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
        // Every frame, clean or with errors, is one JSON line.
        let frames = (summary_count(last, "clean_frames")
            + summary_count(last, "frames_with_errors")) as usize;
        for key in [
            "interrupted_frames",
            "valid_groups",
            "checksum_errors",
            "format_errors",
            "size_errors",
        ] {
            summary_count(last, key);
        }
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
        table.starts_with("frame 1: standard mode, 48 valid groups\n"),
        "{table}"
    );
    assert!(table.contains("  4 812 345 Wh\n"), "{table}");
    assert_eq!(
        stderr(&o).trim(),
        "clean_frames=1 frames_with_errors=0 interrupted_frames=0 valid_groups=48 \
         checksum_errors=0 format_errors=0 size_errors=0"
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
        Some(
            "clean_frames=4 frames_with_errors=0 interrupted_frames=1 valid_groups=71 \
             checksum_errors=0 format_errors=0 size_errors=0"
        )
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

/// The value of `key=N` in a `decode` summary line.
fn summary_count(line: &str, key: &str) -> u64 {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// `decode --stats` and `/metrics` count frames in the same words: the clean frames of the
/// summary line are `teleinfo_frames_total` of the same bytes replayed through `serve`. The
/// capture with line noise is the one where they differ most from all complete frames (25
/// frames, of which 5 clean).
#[test]
fn decode_counts_the_frames_that_teleinfo_frames_total_counts() {
    for (file, clean, with_errors) in [
        (
            "real/ticdecodecpp__continuous_linky_3P_historical_TIC_with_rx_errors.bin",
            5,
            20,
        ),
        ("real/pyteleinfo__captured_frames.bin", 10, 0),
        ("real/sanpii-teleinfo__teleinfo.txt", 0, 3),
    ] {
        let path = data(file);
        let o = run(&["decode", "--stats", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let err = stderr(&o);
        let summary = err.lines().last().unwrap_or("");
        assert_eq!(
            summary_count(summary, "clean_frames"),
            clean,
            "{file}: {summary}"
        );
        assert_eq!(
            summary_count(summary, "frames_with_errors"),
            with_errors,
            "{file}: {summary}"
        );

        let size = std::fs::metadata(&path).unwrap().len() as f64;
        let source = format!("m=file:{}", path.display());
        let exporter = Exporter::start(&["--source", &source, "--replay-speed", "max"]);
        let scrape = exporter.wait_for("the end of the replay", |m| {
            sample(m, "teleinfo_bytes_total{meter=\"m\"}") == Some(size)
        });
        assert_eq!(
            sample(&scrape, "teleinfo_frames_total{meter=\"m\"}"),
            Some(clean as f64),
            "{file}"
        );
    }
}

/// `decode` with `input` on stdin: (exit status, stdout, stderr).
fn decode_stdin(args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .arg("decode")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    (o.status.code(), out, stderr(&o))
}

/// A frame copied as text from a forum loses STX and ETX: `decode` says so on stderr with the
/// number of valid groups, and the table still shows those groups (not the JSON, whose lines
/// are frames).
#[test]
fn decode_of_groups_without_frame_markers_says_so_and_shows_the_groups() {
    let framed = read("synthetic/historic_mono_base.tic");
    let groups_only: Vec<u8> = framed
        .iter()
        .copied()
        .filter(|&b| b != 0x02 && b != 0x03)
        .collect();
    let (code, table, err) = decode_stdin(&[], &groups_only);
    assert_eq!(code, Some(0), "{err}");
    let (_, framed_table, _) = decode_stdin(&[], &framed);
    let framed_groups = framed_table.split_once('\n').map_or("", |(_, rest)| rest);
    assert!(framed_groups.contains("  BASE "), "{framed_table}");
    assert_eq!(
        table,
        format!("outside any frame (historic mode):\n{framed_groups}"),
        "{err}"
    );
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some(
            "warning: no frame markers (STX 0x02 / ETX 0x03) were found, so there is no frame, \
             only 10 valid groups, shown above outside any frame. A capture copied as text \
             (from a web page, a forum, a terminal) loses these bytes, and the exporter takes \
             values only from whole frames"
        ),
        "{err}"
    );
    assert_eq!(
        lines.next(),
        Some(
            "clean_frames=0 frames_with_errors=0 interrupted_frames=0 valid_groups=10 \
             checksum_errors=0 format_errors=0 size_errors=0"
        )
    );

    // A real capture of that kind, in standard mode; with --json nothing is printed.
    let bytes = read("real/teleinfo-nom__message_standard.txt");
    let (code, json, err) = decode_stdin(&["--json"], &bytes);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json, "", "{err}");
    assert!(
        err.contains("no frame markers (STX 0x02 / ETX 0x03) were found")
            && err.contains("only 55 valid groups, not printed (--json prints frames only"),
        "{err}"
    );
    assert_eq!(summary_count(&err, "valid_groups"), 55, "{err}");
}

/// A capture with frames gives no such warning, even if it starts mid-frame.
#[test]
fn decode_of_framed_captures_has_no_marker_warning() {
    for file in [
        "real/teleinfo-nom__stream_legacy_raw.txt",
        "synthetic/historic_mono_base.tic",
    ] {
        let (code, _, err) = decode_stdin(&["--stats"], &read(file));
        assert_eq!(code, Some(0), "{file}: {err}");
        assert!(!err.contains("warning"), "{file}: {err}");
    }
}
