//! Soak test: a noisy simulated stream piped at full speed into the real exporter for a long
//! time while /metrics is scraped continuously.
//!
//! ```text
//! cargo build --release && cargo run --release --example soak -- [MINUTES] [NOISE]
//! ```
//! (defaults: 10 minutes, noise 0.002 = one corrupted byte in 500). Checks, and exits 1 if
//! any fails: resident memory stays flat after warm-up; no energy counter ever decreases
//! between two scrapes; at the end the exporter's frame and checksum-error counters equal the
//! ground truth, computed by decoding the very same bytes in this process.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::simulator::{Rng, Simulator, add_noise};
use teleinfo_exporter::tic::{Decoder, DecoderStats};

/// One HTTP/1.1 GET on a kept-alive connection; returns the body.
fn get(conn: &mut BufReader<TcpStream>, path: &str) -> std::io::Result<String> {
    conn.get_mut()
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: soak\r\n\r\n").as_bytes())?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        })
        .unwrap_or(0)
}

/// The exporter under test, reading stdin, and the address it listens on.
fn start_exporter() -> (Child, String) {
    let binary = std::env::var("TELEINFO_EXPORTER").unwrap_or_else(|_| {
        format!(
            "{}/target/release/teleinfo-exporter",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let mut child = Command::new(&binary)
        .args([
            "--source",
            "soak=-",
            "--source.replay-speed",
            "max",
            "--source.stale-after",
            "1h",
        ])
        .args(["--web.listen-address", "127.0.0.1:0", "--log.level", "info"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary}: {e} (build it with cargo build --release)"));
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("the exporter exited before listening");
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (child, addr)
}

/// What the generator shares with the main thread: when to stop, how many bytes it wrote,
/// and the ground truth of decoding them.
#[derive(Clone, Default)]
struct Generated {
    stop: Arc<AtomicBool>,
    written: Arc<AtomicU64>,
    truth: Arc<Mutex<DecoderStats>>,
}

/// Generator: a three-phase standard meter (the longest frames), simulated time advancing
/// by the line time of each frame, noise added, written as fast as the pipe takes it.
fn spawn_generator(
    mut stdin: ChildStdin,
    noise: f64,
    shared: Generated,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut sim = Simulator::new(DemoKind::StandardTri, 2024);
        let mut rng = Rng::new(99);
        let mut decoder = Decoder::new();
        let mut t = 1_700_000_000.0;
        let mut frame = Vec::new();
        let mut chunk = Vec::with_capacity(256 * 1024);
        while !shared.stop.load(Ordering::Relaxed) {
            chunk.clear();
            while chunk.len() < 200 * 1024 {
                frame.clear();
                sim.next_frame(t, &mut frame)
                    .expect("the simulator writes only groups the encoder accepts");
                t += frame.len() as f64 * 10.0 / 9600.0 + 0.025;
                chunk.extend_from_slice(&frame);
            }
            add_noise(&mut chunk, noise, &mut rng);
            decoder.feed(&chunk, |_| {});
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            shared
                .written
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            *shared.truth.lock().unwrap() = decoder.stats();
        }
        drop(stdin); // end of input: the exporter's replay ends
        decoder.finish();
        *shared.truth.lock().unwrap() = decoder.stats();
    })
}

/// What the scraper saw.
#[derive(Default)]
struct Scraped {
    scrapes: u64,
    decreases: u64,
    /// (seconds since the start, resident KiB), every 10 s.
    rss: Vec<(u64, u64)>,
}

/// Scraper: continuously until `duration` from `start`, on one kept-alive connection; every
/// energy counter must never go down; resident memory of `pid` sampled every 10 s.
fn scrape_for(
    conn: &mut BufReader<TcpStream>,
    pid: u32,
    start: Instant,
    duration: Duration,
) -> Scraped {
    let mut seen = Scraped::default();
    let mut last: HashMap<String, f64> = HashMap::new();
    let mut next_sample = Instant::now();
    while start.elapsed() < duration {
        let m = get(conn, "/metrics").expect("scrape");
        seen.scrapes += 1;
        for line in m
            .lines()
            .filter(|l| l.starts_with("teleinfo_") && l.contains("_total{"))
        {
            let Some((series, v)) = line.rsplit_once(' ') else {
                continue;
            };
            let Ok(v) = v.parse::<f64>() else { continue };
            if let Some(prev) = last.insert(series.to_owned(), v)
                && v < prev
            {
                seen.decreases += 1;
                eprintln!("DECREASE: {series} {prev} -> {v}");
            }
        }
        if Instant::now() >= next_sample {
            seen.rss.push((start.elapsed().as_secs(), rss_kib(pid)));
            next_sample += Duration::from_secs(10);
        }
    }
    seen
}

/// Waits (bounded) for the exporter to consume every one of the `total` bytes written;
/// returns the metrics then.
fn wait_consumed(conn: &mut BufReader<TcpStream>, total: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let m = get(conn, "/metrics").expect("scrape");
        if value(&m, "teleinfo_bytes_total{meter=\"soak\"}") == Some(total as f64) {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "the exporter did not consume all {total} bytes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Resident memory: after warm-up (30 s), its peak after warm-up, and at the end; KiB.
fn rss_levels(rss: &[(u64, u64)]) -> (u64, u64, u64) {
    let warm = rss
        .iter()
        .find(|(t, _)| *t >= 30)
        .or(rss.first())
        .map_or(0, |r| r.1);
    let peak_after_warm = rss
        .iter()
        .filter(|(t, _)| *t >= 30)
        .map(|r| r.1)
        .max()
        .unwrap_or(warm);
    let end = rss.last().map_or(0, |r| r.1);
    (warm, peak_after_warm, end)
}

/// The exporter's final counters for the soak meter.
struct Counted {
    frames: f64,
    checksum: f64,
    implausible: Option<f64>,
}

impl Counted {
    fn from_metrics(final_metrics: &str) -> Counted {
        let got =
            |name: &str| value(final_metrics, &format!("{name}{{meter=\"soak\"}}")).unwrap_or(-1.0);
        Counted {
            frames: got("teleinfo_frames_total"),
            checksum: got("teleinfo_checksum_errors_total"),
            implausible: value(
                final_metrics,
                "teleinfo_frame_errors_total{meter=\"soak\",kind=\"implausible\"}",
            ),
        }
    }
}

/// Prints the figures of the run.
fn report(elapsed: Duration, total: u64, seen: &Scraped, got: &Counted, truth: &DecoderStats) {
    let (warm, peak_after_warm, end) = rss_levels(&seen.rss);
    println!("duration        {:.0} s", elapsed.as_secs_f64());
    println!(
        "bytes written   {total} ({:.1} MB/s)",
        total as f64 / elapsed.as_secs_f64() / 1e6
    );
    println!("scrapes         {}", seen.scrapes);
    println!(
        "frames          exporter {}, ground truth {} (clean)",
        got.frames, truth.clean_frames
    );
    println!(
        "checksum errors exporter {}, ground truth {}",
        got.checksum, truth.checksum_errors
    );
    println!("implausible     {:?}", got.implausible);
    println!("counter decreases seen in scrapes: {}", seen.decreases);
    println!(
        "RSS KiB         after warm-up {warm}, peak after warm-up {peak_after_warm}, at end {end}"
    );
    println!("RSS samples     {:?}", seen.rss);
}

/// Prints each failed check; true when all passed.
fn verdict(seen: &Scraped, got: &Counted, truth: &DecoderStats) -> bool {
    let (warm, peak_after_warm, _) = rss_levels(&seen.rss);
    let mut ok = true;
    if got.frames != truth.clean_frames as f64 || got.checksum != truth.checksum_errors as f64 {
        println!("FAIL: counters differ from the ground truth");
        ok = false;
    }
    if seen.decreases > 0 {
        println!("FAIL: an energy counter went backwards");
        ok = false;
    }
    // Flat: no more than 1 MiB above the level after warm-up.
    if peak_after_warm > warm + 1024 {
        println!("FAIL: resident memory grew after warm-up");
        ok = false;
    }
    ok
}

fn main() {
    let mut args = std::env::args().skip(1);
    let minutes: f64 = args.next().map_or(10.0, |a| a.parse().expect("MINUTES"));
    let noise: f64 = args.next().map_or(0.002, |a| a.parse().expect("NOISE"));
    let (mut child, addr) = start_exporter();
    let pid = child.id();
    println!("soak: exporter pid {pid} on {addr}, {minutes} min, noise {noise}");

    let shared = Generated::default();
    let generator = spawn_generator(child.stdin.take().unwrap(), noise, shared.clone());
    let start = Instant::now();
    let duration = Duration::from_secs_f64(minutes * 60.0);
    let mut conn = BufReader::new(TcpStream::connect(&addr).unwrap());
    let seen = scrape_for(&mut conn, pid, start, duration);
    shared.stop.store(true, Ordering::Relaxed);
    generator.join().unwrap();
    let total = shared.written.load(Ordering::Relaxed);
    let final_metrics = wait_consumed(&mut conn, total);
    let truth = *shared.truth.lock().unwrap();
    let got = Counted::from_metrics(&final_metrics);
    let _ = child.kill();
    let _ = child.wait();

    report(start.elapsed(), total, &seen, &got, &truth);
    let ok = verdict(&seen, &got, &truth);
    println!("{}", if ok { "soak: PASS" } else { "soak: FAIL" });
    std::process::exit(if ok { 0 } else { 1 });
}
