//! Byte sources and the loop that keeps each one read.
//!
//! Every kind of source (serial device, TCP stream, capture replay, simulated meter) only has
//! to open an [`AsyncRead`]; [`run`] does the rest for all of them: decode, apply frames to
//! the meter, watch for silence, and re-open a lost source with capped exponential backoff.
//! The process never exits because a meter went away, and never spins on a dead port.

pub mod coalesce;
pub mod demo;
pub mod replay;
pub mod serial;
pub mod supervisor;
pub mod tcp;

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt};
use tracing::{debug, info, warn};

use crate::config::{ReplaySpeed, SourceConfig, SourceSpec};
use crate::history::{self, SharedHistory};
use crate::meter::Meter;
use crate::meter::plausibility::Stamp;
use crate::tic::{Decoder, Mode};

/// A meter shared between its source task and the HTTP server.
pub type SharedMeter = Arc<Mutex<Meter>>;

/// Locks a meter. A panic while it was locked cannot leave it half-updated in a way that
/// matters more than losing the process, so a poisoned lock is used as is.
pub fn lock(meter: &SharedMeter) -> MutexGuard<'_, Meter> {
    meter
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Host Unix time in seconds.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Settings shared by all sources.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// No byte for this long: the source is lost.
    pub read_timeout: Duration,
    /// Pace of capture replays.
    pub replay_speed: ReplaySpeed,
}

/// An opened source.
pub struct Opened {
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
    /// The line speed, when known (serial ports).
    pub baud: Option<u32>,
    /// A replay ends at the end of its input instead of being re-opened.
    pub ends: bool,
    /// A serial port still being tried at a guessed speed: give up on it after this long
    /// without a valid group.
    pub probation: Option<Duration>,
    /// Replays are paced at the line rate of their mode times this factor (None = no pacing).
    pub pace: Option<f64>,
}

/// Why a source could not be opened, with what to tell the user.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{message}")]
    Hint { message: String },
}

/// Capped exponential backoff: 1 s, 2 s, 4 s … 30 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_secs(1);
    pub const CAP: Duration = Duration::from_secs(30);

    pub fn new() -> Self {
        Backoff { next: Self::FIRST }
    }

    /// The delay before the next attempt; doubles each time up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(Self::CAP);
        d
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

/// How a reading session ended.
#[derive(Debug)]
enum Ended {
    /// End of a replayed capture.
    EndOfReplay,
    /// A guessed serial speed gave no valid group; `bytes` says whether anything arrived.
    WrongSpeed { bytes: bool },
    /// The source was lost.
    Lost(String),
}

/// Bytes seen per second of line time: used to judge energy growth by line time as well as
/// host time (docs/metrics.md, plausibility).
#[derive(Debug, Default, Clone, Copy)]
struct LineClock {
    seconds: f64,
}

impl LineClock {
    fn add(&mut self, bytes: usize, baud: u32) {
        // 10 bits per character: start, 7 data, parity, stop.
        self.seconds += bytes as f64 * 10.0 / f64::from(baud);
    }
}

/// Reads one source for the life of the process (or until its replay ends), applying each
/// frame to `meter` and then recording the meter's new state into `history`.
pub async fn run(
    config: SourceConfig,
    meter: SharedMeter,
    history: SharedHistory,
    options: RunOptions,
) {
    let mut decoder = Decoder::new();
    let mut line = LineClock::default();
    let mut backoff = Backoff::new();
    let mut serial_state = serial::Detection::default();
    // Every attempt after the first failure counts as a re-open (docs/metrics.md).
    let mut lost = false;
    // A failure or a loss happened since the last successful open: the next open is
    // logged as a re-open.
    let mut announce_reopen = false;
    let mut cooked_warned = false;
    let mut rejections = RejectionLog::default();
    loop {
        if lost {
            lock(&meter).health_mut().reconnects += 1;
        }
        let opened = match &config.spec {
            SourceSpec::Serial { path, baud } => serial::open(path, *baud, &mut serial_state),
            SourceSpec::Tcp { host, port } => tcp::open(host, *port).await,
            SourceSpec::File(path) => replay::open_file(path, options.replay_speed).await,
            SourceSpec::Stdin => Ok(replay::open_stdin(options.replay_speed)),
            SourceSpec::Demo(spec) => Ok(demo::open(*spec, &history).await),
        };
        let opened = match opened {
            Ok(opened) => opened,
            Err(e) => {
                warn!(meter = %config.name, source = %config.spec, "cannot open: {e}; retrying");
                lost = true;
                announce_reopen = true;
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        let speed = match (opened.baud, opened.probation) {
            (Some(baud), Some(_)) => format!(" (trying {baud} Bd)"),
            (Some(baud), None) => format!(" at {baud} Bd"),
            (None, _) => String::new(),
        };
        if std::mem::take(&mut announce_reopen) {
            info!(meter = %config.name, source = %config.spec, "source re-opened{speed}");
        } else if !lost {
            info!(meter = %config.name, source = %config.spec, "source opened{speed}");
        } else {
            // The other speed of a detection, not after a loss.
            debug!(meter = %config.name, source = %config.spec, "source opened{speed}");
        }
        lock(&meter).source_opened(unix_now());
        let frames_before = decoder.stats().frames;
        let ended = pump(
            opened,
            &mut decoder,
            (&meter, &history),
            &mut line,
            options.read_timeout,
            (&mut cooked_warned, &mut rejections),
            &config,
        )
        .await;
        decoder.finish();
        let got_frames = decoder.stats().frames > frames_before;
        {
            let mut m = lock(&meter);
            m.record_decoder(decoder.stats(), decoder.looks_like_cooked_tty());
            if !matches!(ended, Ended::EndOfReplay) {
                m.source_closed();
            }
        }
        match ended {
            Ended::EndOfReplay => {
                info!(meter = %config.name, source = %config.spec,
                    "end of the capture; the meter goes stale after --stale-after");
                return;
            }
            Ended::WrongSpeed { bytes } => {
                lock(&meter).health_mut().wrong_speeds += 1;
                if let Some(message) = serial_state.wrong_speed(bytes) {
                    warn!(meter = %config.name, source = %config.spec, "{message}");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                // Otherwise try the other speed at once: not a lost source.
                continue;
            }
            Ended::Lost(reason) => {
                warn!(meter = %config.name, source = %config.spec,
                    "source lost: {reason}; teleinfo_up is 0 until a frame arrives again; re-opening");
                if got_frames {
                    backoff.reset();
                }
                lost = true;
                announce_reopen = true;
                let delay = backoff.next_delay();
                debug!(meter = %config.name, "next attempt in {delay:?}");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Longest a byte count may wait before it is published to the meter.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// True when frames or errors were counted since `published` (bytes and groups alone are not
/// worth a new rendering of /metrics).
fn counters_moved(published: &crate::tic::DecoderStats, now: &crate::tic::DecoderStats) -> bool {
    published.frames != now.frames
        || published.checksum_errors != now.checksum_errors
        || published.format_errors != now.format_errors
        || published.size_errors != now.size_errors
        || published.interrupted != now.interrupted
}

/// Reads until the source ends or is lost, feeding the decoder and the meter.
async fn pump(
    mut opened: Opened,
    decoder: &mut Decoder,
    (meter, history): (&SharedMeter, &SharedHistory),
    line: &mut LineClock,
    read_timeout: Duration,
    (cooked_warned, rejections): (&mut bool, &mut RejectionLog),
    config: &SourceConfig,
) -> Ended {
    // A live line delivers at most ~1 kB/s: 4 KiB per source keeps 1000 sources small. Only
    // an unpaced replay, which decodes as fast as it can read, gets a large buffer.
    let size = if opened.ends && opened.pace.is_none() {
        64 * 1024
    } else {
        4096
    };
    let mut buf = vec![0u8; size];
    let started = tokio::time::Instant::now();
    let mut paced_bytes = 0u64;
    let mut pace_baud: Option<u32> = None;
    let groups_at_start = decoder.stats().groups;
    let bytes_at_start = decoder.stats().bytes;
    let mut last_publish = tokio::time::Instant::now();
    let mut warned_garbage = false;
    // A detected speed is logged with the mode of the first complete frame at that speed.
    let mut announce_speed = false;
    let frames_at_start = decoder.stats().frames;
    loop {
        // Replays read small chunks so that pacing is smooth.
        let chunk = match opened.pace {
            Some(_) => 256,
            None => buf.len(),
        };
        let read = tokio::time::timeout(read_timeout, opened.reader.read(&mut buf[..chunk])).await;
        let n = match read {
            Err(_) => {
                if opened.probation.is_some() && decoder.stats().groups == groups_at_start {
                    return Ended::WrongSpeed {
                        bytes: decoder.stats().bytes > bytes_at_start,
                    };
                }
                return Ended::Lost(format!(
                    "no byte for {}",
                    humantime::format_duration(read_timeout)
                ));
            }
            Ok(Ok(0)) if opened.ends => return Ended::EndOfReplay,
            Ok(Ok(0)) => return Ended::Lost("end of stream".to_owned()),
            Ok(Ok(n)) => n,
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) if opened.ends => {
                warn!(meter = %config.name, "read error on the capture: {e}");
                return Ended::EndOfReplay;
            }
            Ok(Err(e)) => return Ended::Lost(e.to_string()),
        };
        let bytes = &buf[..n];
        let baud = opened.baud.unwrap_or_else(|| {
            // Until the mode is known, a byte HT means standard mode.
            let standard = lock(meter).mode() == Some(Mode::Standard) || bytes.contains(&b'\t');
            if standard { 9600 } else { 1200 }
        });
        if let Some(factor) = opened.pace {
            let baud = *pace_baud.get_or_insert(baud);
            paced_bytes += n as u64;
            tokio::time::sleep_until(replay::due(started, paced_bytes, baud, factor)).await;
        }
        line.add(n, baud);
        let stamp = Stamp {
            host: unix_now(),
            line: line.seconds,
        };
        let mut m = lock(meter);
        // Locked after the meter and never the other way round (the HTTP side takes one at a
        // time), so the two locks cannot deadlock.
        let mut h = history::lock(history);
        decoder.feed(bytes, |frame| {
            m.apply(frame, stamp);
            h.record(&m, stamp);
        });
        drop(h);
        let cooked = decoder.looks_like_cooked_tty();
        // Publish the counters when a frame or an error happened, or once a second: not on
        // every read, since each change invalidates the rendered /metrics.
        let stats = decoder.stats();
        if counters_moved(&m.health().decoder, &stats) || last_publish.elapsed() >= PUBLISH_EVERY {
            m.record_decoder(stats, cooked);
            last_publish = tokio::time::Instant::now();
        }
        let mode = m.mode();
        drop(m);
        rejections.note(&stats, config);
        if announce_speed && stats.frames > frames_at_start {
            announce_speed = false;
            let speed = opened.baud.unwrap_or_default();
            let mode = mode.map_or_else(String::new, |m| format!(" ({m} mode)"));
            info!(meter = %config.name, source = %config.spec, "speed detected: {speed} Bd{mode}");
        }
        if cooked && !*cooked_warned {
            *cooked_warned = true;
            warn!(meter = %config.name, source = %config.spec,
                "CR arrives as LF and ETX is missing: the line went through a tty in cooked mode; \
                 set the port raw (stty -F DEVICE raw, or ser2net in raw mode)");
        }
        if let Some(limit) = opened.probation {
            if decoder.stats().groups > groups_at_start {
                opened.probation = None; // the guessed speed is right
                announce_speed = true;
            } else if started.elapsed() >= limit {
                return Ended::WrongSpeed { bytes: true };
            }
        } else if !warned_garbage
            && decoder.stats().groups == groups_at_start
            && started.elapsed() >= GARBAGE_WARNING
        {
            // Bytes flow but nothing valid: with a fixed speed, usually the wrong one.
            warned_garbage = true;
            warn!(meter = %config.name, source = %config.spec,
                "{} bytes in {}s but no valid group: is the speed right (historic mode is \
                 1200 Bd, standard mode 9600 Bd)? `teleinfo-exporter probe DEVICE` tells",
                decoder.stats().bytes - bytes_at_start, GARBAGE_WARNING.as_secs());
        }
    }
}

/// How long bytes may flow without a valid group before the log says so.
const GARBAGE_WARNING: Duration = Duration::from_secs(30);

/// Shortest time between two debug lines about rejected groups: a noisy line rejects
/// several groups a second, and the log must stay readable.
const REJECTION_LOG_EVERY: Duration = Duration::from_secs(10);

/// Logs at debug level, at most every [`REJECTION_LOG_EVERY`], what went wrong on the line
/// since the last line, by the link doctor's causes (`crate::doctor`, the same words as
/// `teleinfo_line_errors_total{cause}`): what a user chasing a wiring problem runs
/// `--log.level debug` for.
#[derive(Debug, Default)]
struct RejectionLog {
    logged: crate::tic::DecoderStats,
    at: Option<tokio::time::Instant>,
}

impl RejectionLog {
    fn note(&mut self, now: &crate::tic::DecoderStats, config: &SourceConfig) {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        if self.at.is_some_and(|at| at.elapsed() < REJECTION_LOG_EVERY) {
            return;
        }
        let seen = crate::doctor::MeterCounts::default();
        let before = crate::doctor::counts(&self.logged, seen);
        let causes: Vec<String> = crate::doctor::counts(now, seen)
            .iter()
            .zip(before)
            .filter_map(|(&(cause, n), (_, then))| {
                let new = n.saturating_sub(then);
                (new > 0).then(|| format!("{new} {}", cause.name))
            })
            .collect();
        if causes.is_empty() {
            return;
        }
        let since = match self.at {
            Some(at) => format!("in the last {}s", at.elapsed().as_secs()),
            None => "since the start".to_owned(),
        };
        debug!(meter = %config.name, source = %config.spec,
            "line errors {since}: {} (see teleinfo_line_errors_total)", causes.join(", "));
        self.logged = *now;
        self.at = Some(tokio::time::Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let mut b = Backoff::new();
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }
}
