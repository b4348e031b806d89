//! Byte sources and the loop that keeps each one read.
//!
//! Every kind of source (serial device, TCP stream, capture replay, simulated meter) only has
//! to open an [`AsyncRead`] (see [`Opener`]); [`run`] does the rest for all of them: decode,
//! apply frames to the meter, watch for silence, and re-open a lost source with capped
//! exponential backoff. The process never exits because a meter went away, and never spins
//! on a dead port. What differs between sources stays with them: replay pacing is a reader
//! ([`replay::Paced`]), speed guessing is serial's ([`serial::Probation`]).

pub mod coalesce;
pub mod demo;
pub mod open;
pub mod replay;
pub mod serial;
pub mod supervisor;
pub mod tcp;
pub mod thread;
mod watch;

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt};
use tracing::{debug, info, warn};

pub use self::open::{Opener, SpecOpener};
use self::watch::Watch;
use crate::config::SourceConfig;
use crate::meter::plausibility::Stamp;
use crate::meter_handle::MeterHandle;
use crate::tic::{Decoder, DecoderStats, Mode};

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
}

/// An opened source.
pub struct Opened {
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
    /// The line speed, when known (serial ports).
    pub baud: Option<u32>,
    /// A replay ends at the end of its input instead of being re-opened.
    pub ends: bool,
    /// A serial port still being tried at a guessed speed: give up on it after this long
    /// without a valid group (see [`serial::Probation`]).
    pub probation: Option<Duration>,
}

/// Why a source could not be opened, in the words the user reads in the log (and that
/// `decode` and `probe` print).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error(
        "permission denied on {device}: add the user running the exporter to the \
         'dialout' group (sudo usermod -aG dialout USER, then log in again)"
    )]
    PermissionDenied { device: String },
    #[error("{device} does not exist (dongle unplugged? wrong name? see ls /dev/serial/by-id)")]
    NoSuchDevice { device: String },
    #[error(
        "{device} is busy or gone: another program may hold it (a login console on the \
         serial port, ModemManager, picocom, another exporter): {detail}"
    )]
    Busy { device: String, detail: String },
    #[error("cannot open {device}: {detail}")]
    Serial { device: String, detail: String },
    #[error("cannot read capture {}: {source}", path.display())]
    Capture { path: PathBuf, source: io::Error },
    #[error("no answer from {host}:{port} within {within:?}")]
    NoAnswer {
        host: String,
        port: u16,
        within: Duration,
    },
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
    Lost(Lost),
}

/// Why a source was lost, as the log says it.
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error("no byte for {}", humantime::format_duration(*.0))]
    Silence(Duration),
    #[error("end of stream")]
    EndOfStream,
    #[error("{0}")]
    Read(io::Error),
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

/// The decoding side of a source, kept across sessions so that counters and the line clock
/// go on after a re-open.
struct Reading {
    meter: Arc<MeterHandle>,
    decoder: Decoder,
    line: LineClock,
}

/// What one read did to the meter.
struct Fed {
    stats: DecoderStats,
    cooked: bool,
    mode: Option<Mode>,
}

impl Reading {
    /// Decodes `bytes` and applies every frame to the meter (and its history), then publishes
    /// the decoder's counters: all under one lock, taken once per read.
    fn feed(&mut self, bytes: &[u8], baud: Option<u32>) -> Fed {
        let mut guard = self.meter.lock();
        let state = &mut *guard;
        let baud = baud.unwrap_or_else(|| {
            // Until the mode is known, a byte HT means standard mode.
            let standard = state.meter.mode() == Some(Mode::Standard) || bytes.contains(&b'\t');
            if standard { 9600 } else { 1200 }
        });
        self.line.add(bytes.len(), baud);
        let stamp = Stamp {
            host: unix_now(),
            line: self.line.seconds,
        };
        self.decoder.feed(bytes, |frame| state.apply(frame, stamp));
        let stats = self.decoder.stats();
        let cooked = self.decoder.looks_like_cooked_tty();
        state.meter.record_decoder(stats, cooked);
        Fed {
            stats,
            cooked,
            mode: state.meter.mode(),
        }
    }

    /// Closes a session: what the decoder held is dropped and counted, and the meter is
    /// closed (teleinfo_up 0 at once) unless a replay ended, whose meter goes stale instead.
    fn end(&mut self, ended: &Ended) {
        self.decoder.finish();
        let mut state = self.meter.lock();
        state
            .meter
            .record_decoder(self.decoder.stats(), self.decoder.looks_like_cooked_tty());
        if !matches!(ended, Ended::EndOfReplay) {
            state.meter.source_closed();
        }
    }
}

/// Reads one source for the life of the process (or until its replay ends), opening it with
/// `opener` and applying each frame to `meter`.
pub async fn run(meter: Arc<MeterHandle>, options: RunOptions, mut opener: impl Opener) {
    let mut reading = Reading {
        meter: meter.clone(),
        decoder: Decoder::new(),
        line: LineClock::default(),
    };
    let mut watch = Watch::new(meter.clone(), options.read_timeout);
    let mut backoff = Backoff::new();
    let source = &meter.source;
    // Every attempt after the first failure counts as a re-open (docs/metrics.md).
    let mut lost = false;
    // A failure or a loss happened since the last successful open: the next open is
    // logged as a re-open.
    let mut announce_reopen = false;
    loop {
        if lost {
            meter.lock().meter.health_mut().reconnects += 1;
        }
        let mut opened = match opener.open(&meter).await {
            Ok(opened) => opened,
            Err(e) => {
                warn!(meter = %source.name, source = %source.spec, "cannot open: {e}; retrying");
                lost = true;
                announce_reopen = true;
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        announce_open(source, &opened, std::mem::take(&mut announce_reopen), lost);
        meter.lock().meter.source_opened(unix_now());
        let at_start = reading.decoder.stats();
        watch.start(&opened, at_start);
        let ended = pump(&mut opened, &mut reading, &mut watch).await;
        // Closed before any wait: a serial port can then be opened again at once.
        drop(opened);
        reading.end(&ended);
        match ended {
            Ended::EndOfReplay => {
                info!(meter = %source.name, source = %source.spec,
                    "end of the capture; the meter goes stale after --stale-after");
                return;
            }
            Ended::WrongSpeed { bytes } => {
                meter.lock().meter.health_mut().wrong_speeds += 1;
                if let Some(diagnosis) = opener.wrong_speed(bytes) {
                    warn!(meter = %source.name, source = %source.spec, "{diagnosis}");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                // Otherwise try the other speed at once: not a lost source.
            }
            Ended::Lost(reason) => {
                warn!(meter = %source.name, source = %source.spec,
                    "source lost: {reason}; teleinfo_up is 0 until a frame arrives again; re-opening");
                if reading.decoder.stats().frames > at_start.frames {
                    backoff.reset();
                }
                lost = true;
                announce_reopen = true;
                let delay = backoff.next_delay();
                debug!(meter = %source.name, "next attempt in {delay:?}");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Logs an open: at info level the first one and a re-open after a loss, at debug level the
/// other speed of a detection.
fn announce_open(source: &SourceConfig, opened: &Opened, reopen: bool, lost: bool) {
    let speed = match (opened.baud, opened.probation) {
        (Some(baud), Some(_)) => format!(" (trying {baud} Bd)"),
        (Some(baud), None) => format!(" at {baud} Bd"),
        (None, _) => String::new(),
    };
    if reopen {
        info!(meter = %source.name, source = %source.spec, "source re-opened{speed}");
    } else if !lost {
        info!(meter = %source.name, source = %source.spec, "source opened{speed}");
    } else {
        debug!(meter = %source.name, source = %source.spec, "source opened{speed}");
    }
}

/// Reads until the source ends or is lost: read → decode → apply, then `watch` judges the
/// session (a speed on probation, warnings about the line).
async fn pump(opened: &mut Opened, reading: &mut Reading, watch: &mut Watch) -> Ended {
    // A live line delivers at most ~1 kB/s, a frame or a quarter second at a time: 1 KiB
    // per source keeps 10 000 sources in one process small (30 MB less than 4 KiB). A
    // replay, which may decode as fast as it can read, gets a large buffer (a paced one
    // only ever fills a small piece of it).
    let mut buf = vec![0u8; if opened.ends { 64 * 1024 } else { 1024 }];
    loop {
        let read = tokio::time::timeout(watch.read_timeout(), opened.reader.read(&mut buf)).await;
        let n = match read {
            Err(_) => return watch.silence(&reading.decoder.stats()),
            Ok(Ok(0)) if opened.ends => return Ended::EndOfReplay,
            Ok(Ok(0)) => return Ended::Lost(Lost::EndOfStream),
            Ok(Ok(n)) => n,
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) if opened.ends => {
                warn!(meter = %reading.meter.name(), "read error on the capture: {e}");
                return Ended::EndOfReplay;
            }
            Ok(Err(e)) => return Ended::Lost(Lost::Read(e)),
        };
        let fed = reading.feed(&buf[..n], opened.baud);
        if let Some(ended) = watch.after_read(&fed) {
            return ended;
        }
    }
}

#[cfg(test)]
mod tests;
