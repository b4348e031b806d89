//! `teleinfo-exporter probe` on a pty standing in for the serial port: what it finds and what
//! it advises, for a good line and for the classic mistakes.

mod common;

use std::io::Write;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::exporter::DEADLINE;
use common::read;
use serialport::SerialPort;

fn probe(device: &str) -> (Output, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .args(["probe", device, "--seconds", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    (o, text)
}

/// Writes `bytes` to the master side every 50 ms while the probe runs.
fn feeding(bytes: Vec<u8>, run: impl FnOnce(&str) -> (Output, String)) -> (Output, String) {
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let device = slave.name().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let writer = std::thread::spawn(move || {
        let start = Instant::now();
        while !flag.load(Ordering::Relaxed) && start.elapsed() < DEADLINE {
            if !bytes.is_empty() && master.write_all(&bytes).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let result = run(&device);
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    drop(slave);
    result
}

#[test]
fn a_good_historic_line() {
    let (o, text) = feeding(read("synthetic/historic_mono_hc.tic"), probe);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("historic-mode frames at 1200 Bd"), "{text}");
    // The counts use the words of docs/metrics.md: frames are clean or with errors.
    let line = text
        .lines()
        .find(|l| l.contains(" 1200 Bd 7E1: "))
        .unwrap_or("");
    assert!(
        line.contains(" clean frames, 0 frames with errors, ") && line.contains(" valid groups, "),
        "{text}"
    );
    assert!(text.contains("serial number   031762120162"), "{text}");
    assert!(
        text.contains("tariff          off-peak hours (HC)\n"),
        "{text}"
    );
    assert!(text.contains("apparent power  2 800 VA\n"), "{text}");
}

#[test]
fn a_good_standard_line_advises_9600() {
    let (o, text) = feeding(read("synthetic/standard_mono_producer.tic"), probe);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("standard-mode frames at 9600 Bd"), "{text}");
    assert!(text.contains("@9600"), "{text}");
    assert!(text.contains("PRODUCTEUR"), "{text}");
}

#[test]
fn no_signal() {
    let (o, text) = feeding(Vec::new(), probe);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("no signal at all"), "{text}");
}

#[test]
fn garbage_only() {
    let garbage: Vec<u8> = (0..600u32).map(|i| (i * 37 % 251) as u8 | 0x20).collect();
    let (o, text) = feeding(garbage, probe);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("never a frame"), "{text}");
}

#[test]
fn parity_bit_left_in_bit_7_by_an_8n1_reader_upstream() {
    let with_parity: Vec<u8> = read("synthetic/historic_mono_base.tic")
        .into_iter()
        .map(|b| if b.count_ones() % 2 == 1 { b | 0x80 } else { b })
        .collect();
    let (o, text) = feeding(with_parity, probe);
    assert_eq!(o.status.code(), Some(0), "frames still decode: {text}");
    assert!(text.contains("bit 7"), "{text}");
}

#[test]
fn missing_device() {
    let (o, text) = probe("/dev/ttyTELEINFO-none");
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

#[test]
fn busy_device() {
    let (o, text) = feeding(read("synthetic/historic_mono_base.tic"), |device| {
        // Another program holds the port exclusively (TIOCEXCL + flock), as picocom would.
        let _holder = serialport::new(device, 1200).open().unwrap();
        probe(device)
    });
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("busy"), "{text}");
}
