//! Live sources into the real binary: a pty pair standing in for the serial port, and a TCP
//! peer standing in for ser2net. Each is then lost, and the exporter must say so, keep its
//! health series, and try to re-open.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::exporter::{DEADLINE, Exporter, sample};
use common::read;
use serialport::SerialPort;

/// Writes the frames of a fixture to `w` every 100 ms until `stop` is set.
fn keep_writing(
    mut w: impl Write + Send + 'static,
    bytes: Vec<u8>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let start = Instant::now();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) && start.elapsed() < DEADLINE {
            if w.write_all(&bytes).is_err() {
                return;
            }
            let _ = w.flush();
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

#[test]
fn serial_port_on_a_pty_then_unplugged() {
    let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let device = slave.name().expect("slave name");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = keep_writing(master, read("synthetic/historic_mono_hc.tic"), stop.clone());
    // No speed given: detection starts at 1200 Bd (a pty delivers at any speed).
    let exporter = Exporter::start(&[
        "--source",
        &format!("tic={device}"),
        "--source.timeout",
        "2s",
    ]);
    let m = exporter.wait_for("values from the pty", |m| {
        m.contains("teleinfo_papp_va{meter=\"tic\"} 2800")
            && sample(m, "teleinfo_frames_total{meter=\"tic\"}").unwrap_or(0.0) >= 3.0
    });
    assert!(m.contains("teleinfo_up{meter=\"tic\"} 1"), "{m}");
    assert!(
        m.contains("teleinfo_index_wh_total{meter=\"tic\",period=\"HCHP\"} 7654321"),
        "{m}"
    );
    assert_eq!(
        sample(&m, "teleinfo_checksum_errors_total{meter=\"tic\"}"),
        Some(0.0)
    );

    // Unplug: the master side goes away.
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    drop(slave);
    let m = exporter.wait_for("the loss and a reconnect attempt", |m| {
        m.contains("teleinfo_up{meter=\"tic\"} 0")
            && sample(m, "teleinfo_source_reconnects_total{meter=\"tic\"}").unwrap_or(0.0) >= 1.0
    });
    assert!(
        !m.contains("teleinfo_papp_va{meter=\"tic\"}"),
        "values must leave /metrics:\n{m}"
    );
    assert!(m.contains("teleinfo_frames_total{meter=\"tic\"}"), "{m}");
    let log = exporter.log();
    assert!(log.contains("source lost"), "{log}");
    // The process is still serving.
    assert_eq!(exporter.request("GET", "/healthz", None).0, 200);
}

#[test]
fn missing_device_at_start_is_retried_not_fatal() {
    let exporter = Exporter::start(&["--source", "gone=/dev/ttyTELEINFO-none@1200"]);
    let m = exporter.wait_for("a retry", |m| {
        sample(m, "teleinfo_source_reconnects_total{meter=\"gone\"}").unwrap_or(0.0) >= 1.0
    });
    assert!(m.contains("teleinfo_up{meter=\"gone\"} 0"), "{m}");
    assert!(
        exporter.log().contains("does not exist"),
        "{}",
        exporter.log()
    );
}

#[test]
fn tcp_peer_closing_is_a_lost_source_that_comes_back() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let frames = read("synthetic/standard_tri_tempo.tic");
    // Serve two connections: each sends the frame a few times, then closes.
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut conn, _) = listener.accept().unwrap();
            for _ in 0..20 {
                if conn.write_all(&frames).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let exporter = Exporter::start(&["--source", &format!("net=tcp://127.0.0.1:{port}")]);
    exporter.wait_for("values of the first session", |m| {
        m.contains("teleinfo_tempo_color{meter=\"net\",day=\"tomorrow\",color=\"red\"} 1")
    });
    exporter.wait_for("the second session", |m| {
        sample(m, "teleinfo_source_reconnects_total{meter=\"net\"}").unwrap_or(0.0) >= 1.0
            && sample(m, "teleinfo_frames_total{meter=\"net\"}").unwrap_or(0.0) >= 25.0
    });
    server.join().unwrap();
    let m = exporter.wait_for("the end of the second session", |m| {
        m.contains("teleinfo_up{meter=\"net\"} 0")
    });
    assert_eq!(
        sample(&m, "teleinfo_frames_total{meter=\"net\"}"),
        Some(40.0),
        "{m}"
    );
}

/// Polls the exporter's log until it contains `needle` (bounded by [`DEADLINE`]).
fn wait_for_log(exporter: &Exporter, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let log = exporter.log();
        if log.contains(needle) {
            return log;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no {needle:?} in the log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_silent_meter_behind_a_present_adapter_is_down_at_the_source_timeout() {
    // The meter-side wires are pulled: the adapter (here the pty) stays, so the port
    // re-opens at once. The meter must be down from the loss on, not only after
    // --source.stale-after (60 s here), and the log must say when the port is back and at what
    // speed the frames came again.
    let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let device = slave.name().expect("slave name");
    let second_writer = master.try_clone_native().expect("clone the pty master");
    let frames = read("synthetic/historic_mono_hc.tic");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = keep_writing(master, frames.clone(), stop.clone());
    let exporter = Exporter::start(&[
        "--source",
        &format!("tic={device}"),
        "--source.timeout",
        "2s",
        "--source.stale-after",
        "60s",
    ]);
    exporter.wait_for("the meter up", |m| {
        m.contains("teleinfo_up{meter=\"tic\"} 1")
    });
    wait_for_log(&exporter, "speed detected: 1200 Bd (historic mode)");

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    wait_for_log(&exporter, "source lost: no byte for 2s");
    wait_for_log(&exporter, "source re-opened");
    let m = exporter.metrics();
    assert!(
        m.contains("teleinfo_up{meter=\"tic\"} 0"),
        "re-opened without a new frame, yet up:\n{m}"
    );
    assert!(!m.contains("teleinfo_papp_va{meter=\"tic\"}"), "{m}");

    // The meter talks again.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = keep_writing(second_writer, frames, stop.clone());
    exporter.wait_for("the meter up again", |m| {
        m.contains("teleinfo_up{meter=\"tic\"} 1")
    });
    // The speed is logged after the re-open too.
    let start = Instant::now();
    while exporter.log().matches("speed detected: 1200 Bd").count() < 2 {
        assert!(start.elapsed() < DEADLINE, "{}", exporter.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    drop(slave);
}

#[test]
fn debug_logs_say_why_groups_are_rejected() {
    // What deploy/systemd/teleinfo-exporter.default promises for --log.level debug (the
    // test harness always runs the exporter at debug level).
    let exporter = Exporter::start(&["--source", "noisy=demo:standard?noise=0.02"]);
    let log = wait_for_log(&exporter, "line errors since the start:");
    let line = log
        .lines()
        .find(|l| l.contains("line errors since the start:"))
        .unwrap_or_default();
    // Noise flips random bits: the first cause seen may be a checksum, a shape or a width
    // error. Every item must be "<count> <cause>" with a cause of the link doctor's table.
    let (_, causes) = line
        .split_once("line errors since the start: ")
        .unwrap_or_default();
    let causes = causes
        .split(" (see teleinfo_line_errors_total)")
        .next()
        .unwrap_or_default();
    assert!(!causes.is_empty(), "{line}");
    for item in causes.split(", ") {
        let (count, cause) = item.split_once(' ').unwrap_or_default();
        assert!(count.parse::<u64>().is_ok_and(|n| n > 0), "{line}");
        assert!(
            teleinfo_exporter::doctor::CAUSES
                .iter()
                .any(|c| c.name == cause),
            "{cause:?} is not a cause of the link doctor: {line}"
        );
    }
}
