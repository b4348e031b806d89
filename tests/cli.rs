//! The command line of the real binary: usage errors exit 2 naming the bad value; `decode`
//! works on every fixture.

mod common;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::exporter::{DEADLINE, Exporter, sample};
use common::{data, read};
use serialport::SerialPort;

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
        (
            &["--source", "demo:standard?noise=0.01&overload=soon"],
            "--source",
            "overload=soon",
        ),
        (&["--source", "tcp://meter"], "--source", "meter"),
        (
            &["--source", "demo", "--source.stale-after", "soon"],
            "--source.stale-after",
            "soon",
        ),
        (
            &["--source", "demo", "--web.listen-address", "11798"],
            "--web.listen-address",
            "11798",
        ),
        (
            &["--source", "demo", "--source.replay-speed", "fast"],
            "--source.replay-speed",
            "fast",
        ),
        (
            &["--source", "demo", "--replay-speed", "1e-300"],
            "--source.replay-speed",
            "1e-300",
        ),
        (
            &["--source", "demo", "--replay-speed", "1e300"],
            "--source.replay-speed",
            "1e300",
        ),
        (
            &["--source", "demo", "--stale-after", "1s"],
            "--source.stale-after",
            "at least 5s",
        ),
        (
            &["--source", "demo", "--source.timeout", "1000y"],
            "--source.timeout",
            "1000y",
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
fn a_capture_given_as_a_device_is_refused_with_the_file_hint() {
    let capture = data("synthetic/historic_mono_hc.tic");
    let capture = capture.to_str().unwrap();
    for given in [capture.to_owned(), format!("home={capture}@1200")] {
        let o = run(&["--source", &given]);
        assert_eq!(o.status.code(), Some(2), "{given}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("file:{capture}")),
            "{given}: {}",
            stderr(&o)
        );
    }
}

/// A price file with a mistake stops the exporter before it serves anything: exit 2, and
/// the message names the file, the line and the field, so that the user fixes it at once.
#[test]
fn a_bad_price_file_exits_2_naming_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.toml");
    std::fs::write(
        &prices,
        "[[base]]\nfrom = 2026-02-01\nbase = 0.1940\n\n[[tempo]]\nfrom = 2026-02-01\nblue_hc = 0.13\nblue_hp = 0,16\n",
    )
    .unwrap();
    let path = prices.to_str().unwrap();
    let o = run(&["--source", "demo", "--prices", path]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("invalid '--prices' file: {path}, line 8")),
        "{err}"
    );
    // A missing file is the same usage error, named.
    let missing = dir.path().join("nope.toml");
    let o = run(&["--source", "demo", "--prices", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nope.toml"), "{}", stderr(&o));
}

#[test]
fn no_source_is_a_usage_error() {
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--source"), "{}", stderr(&o));
}

/// An /etc/default file written for the earlier environment names keeps working, and says
/// what to rename; a bad value there is still a usage error naming the option.
#[test]
fn old_environment_names_are_read_with_a_warning() {
    let o = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .args(["--source", "demo"])
        .env_remove("TELEINFO_SOURCE_STALE_AFTER")
        .env("TELEINFO_STALE_AFTER", "1s")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let mut lines = err.lines();
    let warning = lines.next().unwrap_or_default();
    assert!(
        warning.contains("TELEINFO_STALE_AFTER") && warning.contains("TELEINFO_SOURCE_STALE_AFTER"),
        "{err}"
    );
    let error = lines.next().unwrap_or_default();
    assert!(
        error.starts_with("error: ") && error.contains("--source.stale-after"),
        "{err}"
    );
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
        "--source.stale-after",
        "--log.level",
        "TELEINFO_SOURCE",
        "TELEINFO_SOURCE_STALE_AFTER",
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
        let frames = usize::try_from(
            summary_count(last, "clean_frames") + summary_count(last, "frames_with_errors"),
        )
        .expect("a capture's frame count fits a usize");
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
        let exporter = Exporter::start(&["--source", &source, "--source.replay-speed", "max"]);
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

/// A pty standing in for a serial port left in cooked mode (as a fresh tty is, and as `cat` or
/// a cooked picocom leave it): CR turned into LF, ETX (the interrupt character) swallowed.
/// `decode DEVICE` sets it raw 7E1, as `serve` does, so the frames decode as they were sent.
struct CookedPty {
    device: String,
    stop: Arc<AtomicBool>,
    writer: Option<std::thread::JoinHandle<()>>,
    _slave: serialport::TTYPort,
}

impl CookedPty {
    /// Writes `bytes` to the master side every 50 ms until dropped.
    fn feeding(bytes: Vec<u8>) -> CookedPty {
        let (mut master, slave) = serialport::TTYPort::pair().unwrap();
        let device = slave.name().unwrap();
        let fd = slave.as_raw_fd();
        // SAFETY: fcntl, tcgetattr and tcsetattr on the pair's open descriptors, with a
        // termios that tcgetattr filled in.
        unsafe {
            // Not inherited by the decode under test: a copy of the master there would keep
            // the pty from hanging up.
            for fd in [master.as_raw_fd(), fd] {
                assert_eq!(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC), 0);
            }
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(fd, &mut t), 0);
            t.c_iflag |= libc::ICRNL;
            t.c_oflag |= libc::OPOST | libc::ONLCR;
            t.c_lflag |= libc::ICANON | libc::ISIG | libc::IEXTEN | libc::ECHO;
            assert_eq!(libc::tcsetattr(fd, libc::TCSANOW, &t), 0);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let writer = std::thread::spawn(move || {
            let start = Instant::now();
            while !flag.load(Ordering::Relaxed) && start.elapsed() < DEADLINE {
                if master.write_all(&bytes).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        CookedPty {
            device,
            stop,
            writer: Some(writer),
            _slave: slave,
        }
    }

    /// Stops writing and closes the master side: the port hangs up.
    fn hang_up(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(w) = self.writer.take() {
            w.join().unwrap();
        }
    }
}

impl Drop for CookedPty {
    fn drop(&mut self) {
        self.hang_up();
    }
}

/// A running `decode` whose stdout and stderr are collected as they come.
struct Decoding {
    child: std::process::Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    /// The threads that collect the two pipes: they end when the child's pipes close.
    collectors: Vec<std::thread::JoinHandle<()>>,
}

impl Decoding {
    fn start(args: &[&str]) -> Decoding {
        let mut child = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
            .arg("decode")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |mut pipe: Box<dyn std::io::Read + Send>| {
            let text = Arc::new(Mutex::new(String::new()));
            let sink = text.clone();
            let thread = std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut buf) {
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
            (text, thread)
        };
        let (stdout, out_thread) = collect(Box::new(child.stdout.take().unwrap()));
        let (stderr, err_thread) = collect(Box::new(child.stderr.take().unwrap()));
        Decoding {
            child,
            stdout,
            stderr,
            collectors: vec![out_thread, err_thread],
        }
    }

    /// Waits (bounded) until stdout contains `text`; false if it never did.
    fn wait_for_output(&self, text: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if self.stdout.lock().unwrap().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Sends `signal` (if any), waits (bounded) for the exit; (status code, stdout, stderr).
    fn end(mut self, signal: Option<libc::c_int>) -> (Option<i32>, String, String) {
        if let Some(signal) = signal {
            let pid = libc::pid_t::try_from(self.child.id()).expect("pids fit pid_t");
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe { libc::kill(pid, signal) };
        }
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The child is gone, so its pipes are closed: the collectors end with the last bytes.
        for collector in self.collectors.drain(..) {
            collector.join().unwrap();
        }
        let out = self.stdout.lock().unwrap().clone();
        let err = self.stderr.lock().unwrap().clone();
        (status.code(), out, err)
    }
}

/// The frames of `historic_mono_hc.tic` as the table prints them.
fn expected_hc_frame() -> String {
    let (_, table, _) = decode_stdin(&[], &read("synthetic/historic_mono_hc.tic"));
    table
        .split_once('\n')
        .map(|(_, groups)| groups.to_owned())
        .unwrap_or_default()
}

#[test]
fn decode_of_a_cooked_tty_sets_it_raw_and_stops_on_ctrl_c_with_the_summary() {
    let pty = CookedPty::feeding(read("synthetic/historic_mono_hc.tic"));
    let decoding = Decoding::start(&[&pty.device]);
    let got_frames = decoding.wait_for_output("\nframe 3: ");
    let (code, out, err) = decoding.end(Some(libc::SIGINT));
    assert!(got_frames, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(code, Some(0), "stderr:\n{err}");
    assert!(
        err.starts_with(&format!("reading {} at 1200 Bd, 7E1 raw", pty.device)),
        "{err}"
    );
    assert!(!err.contains("cooked"), "{err}");
    // Every frame whole: ended by its ETX, CR intact, nothing outside a frame.
    let groups = expected_hc_frame();
    assert!(groups.starts_with("  ADCO "), "{groups}");
    assert!(
        out.contains(&format!(
            "frame 1: historic mode, 11 valid groups\n{groups}"
        )),
        "{out}"
    );
    assert!(
        !out.contains("with errors") && !out.contains("outside"),
        "{out}"
    );
    let summary = err.lines().last().unwrap_or("");
    assert!(summary_count(summary, "clean_frames") >= 3, "{err}");
    for key in [
        "frames_with_errors",
        "checksum_errors",
        "format_errors",
        "size_errors",
    ] {
        assert_eq!(summary_count(summary, key), 0, "{key}: {err}");
    }
}

#[test]
fn decode_of_a_port_at_a_given_speed_ends_when_the_port_hangs_up() {
    let mut pty = CookedPty::feeding(read("synthetic/standard_mono_hchp.tic"));
    let decoding = Decoding::start(&["--json", &format!("{}@9600", pty.device)]);
    let got_frames = decoding.wait_for_output("}\n{");
    pty.hang_up();
    drop(pty);
    let (code, out, err) = decoding.end(None);
    assert!(got_frames, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(code, Some(0), "stderr:\n{err}");
    assert!(
        err.contains(" at 9600 Bd, 7E1 raw (Ctrl-C to stop)\n"),
        "{err}"
    );
    assert!(err.contains("the port hung up"), "{err}");
    for line in out.lines() {
        assert!(line.starts_with("{\"mode\":\"standard\""), "{line}");
    }
    let summary = err.lines().last().unwrap_or("");
    assert!(summary_count(summary, "clean_frames") >= 2, "{err}");
    assert_eq!(summary_count(summary, "checksum_errors"), 0, "{err}");
}

#[test]
fn decode_speed_on_a_file_is_a_usage_error() {
    let path = data("synthetic/historic_mono_base.tic");
    let path = path.to_str().unwrap();
    for args in [
        vec!["decode", "--speed", "1200", path],
        vec!["decode", "--speed", "4800", "/dev/ttyUSB0"],
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with("error: ") && first.contains("speed"),
            "{err}"
        );
    }
}
