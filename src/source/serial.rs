//! Serial devices: a PiTInfo on the Raspberry Pi UART, a Micro-Teleinfo USB dongle.
//!
//! The port is opened 7E1 (7 data bits, even parity, 1 stop bit), raw, without flow control,
//! and exclusively, so that a second reader (picocom, a getty) cannot steal bytes. Without a
//! speed in the spec, 1200 Bd (historic mode, the factory setting of a Linky) and 9600 Bd
//! (standard mode) are tried in turn until one gives valid groups: [`Detection`] says which
//! speed to try next, and [`Probation`] judges a session at a guessed speed.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;
use tokio_serial::{DataBits, FlowControl, Parity, StopBits};

use super::{OpenError, Opened};
use crate::tic::DecoderStats;

/// How long a guessed speed is given to produce a valid group: a historic frame takes up to
/// two seconds at 1200 Bd, a standard one about one second at 9600 Bd.
const PROBATION_1200: Duration = Duration::from_secs(5);
const PROBATION_9600: Duration = Duration::from_secs(3);

/// Speed detection across re-opens.
#[derive(Debug, Default, Clone)]
pub struct Detection {
    /// Index in [`SPEEDS`] of the next speed to try.
    next: usize,
    /// Speeds tried without success since the last success.
    failures: usize,
    bytes_seen: bool,
}

const SPEEDS: [u32; 2] = [1200, 9600];

/// Why both speeds failed, as the log and `decode` tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpeedDiagnosis {
    #[error(
        "bytes arrive but no valid group at 1200 nor 9600 Bd: check the wiring to the \
         meter's I1/I2 terminals and the adapter (a TIC line is 7E1; an adapter built for \
         1200 Bd may not keep up with 9600 Bd)"
    )]
    NoValidGroup,
    #[error(
        "no byte at 1200 nor 9600 Bd: is the adapter wired to the meter's I1/I2 terminals, \
         and is the meter's TIC output on?"
    )]
    NoByte,
}

impl Detection {
    fn current(&self) -> u32 {
        SPEEDS[self.next % SPEEDS.len()]
    }

    /// Records that the current speed gave nothing valid and moves to the other one. Returns
    /// a diagnosis once both speeds failed.
    pub fn wrong_speed(&mut self, bytes: bool) -> Option<SpeedDiagnosis> {
        self.next = (self.next + 1) % SPEEDS.len();
        self.failures += 1;
        self.bytes_seen |= bytes;
        if self.failures < SPEEDS.len() {
            return None;
        }
        self.failures = 0;
        Some(if std::mem::take(&mut self.bytes_seen) {
            SpeedDiagnosis::NoValidGroup
        } else {
            SpeedDiagnosis::NoByte
        })
    }
}

/// A session at a guessed speed: it must bring a valid group within its window, or the
/// other speed is tried. A speed given in the spec has no probation.
#[derive(Debug, Clone, Copy)]
pub struct Probation {
    pub window: Duration,
    started: Instant,
    groups_at_start: u64,
    bytes_at_start: u64,
}

/// What a [`Probation`] makes of the decoder's counters so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing valid yet, but the window is still open.
    Pending,
    /// A valid group came: the speed is right.
    Right,
    /// The window closed without a valid group; `bytes` says whether anything arrived.
    Wrong { bytes: bool },
}

impl Probation {
    /// Starts the window now, counting from the decoder's counters `at_start`.
    pub fn start(window: Duration, at_start: &DecoderStats) -> Probation {
        Probation {
            window,
            started: Instant::now(),
            groups_at_start: at_start.groups,
            bytes_at_start: at_start.bytes,
        }
    }

    /// The verdict after a read (`silent`: the read timed out, the window is over anyway).
    pub fn judge(&self, now: &DecoderStats, silent: bool) -> Verdict {
        if now.groups > self.groups_at_start {
            Verdict::Right
        } else if silent || self.started.elapsed() >= self.window {
            Verdict::Wrong {
                bytes: now.bytes > self.bytes_at_start,
            }
        } else {
            Verdict::Pending
        }
    }
}

/// Opens a serial device, at `baud` or at the speed detection says to try next.
pub fn open(
    path: &Path,
    baud: Option<u32>,
    detection: &mut Detection,
) -> Result<Opened, OpenError> {
    let (speed, probation) = match baud {
        Some(b) => (b, None),
        None => {
            let speed = detection.current();
            let window = if speed == 1200 {
                PROBATION_1200
            } else {
                PROBATION_9600
            };
            (speed, Some(window))
        }
    };
    // Opened blocking (exclusive, as serialport does by default) and read in batches by a
    // thread of its own: see `coalesce` for why, and what it saves.
    let port = tokio_serial::new(path.to_string_lossy(), speed)
        .data_bits(DataBits::Seven)
        .parity(Parity::Even)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(Duration::from_millis(100))
        .open_native()
        .map_err(|e| explain(path, e))?;
    tracing::debug!(device = %path.display(), speed, "serial port opened (7E1)");
    let reader = super::coalesce::spawn(port, path.display().to_string())?;
    Ok(Opened {
        reader: Box::pin(reader),
        baud: Some(speed),
        ends: false,
        probation,
    })
}

/// Turns the classic mistakes into advice.
fn explain(path: &Path, e: tokio_serial::Error) -> OpenError {
    use std::io::ErrorKind as Io;
    use tokio_serial::ErrorKind as K;
    let device = path.display().to_string();
    match e.kind() {
        K::Io(Io::PermissionDenied) => OpenError::PermissionDenied { device },
        K::Io(Io::NotFound) => OpenError::NoSuchDevice { device },
        K::NoDevice => OpenError::Busy {
            device,
            detail: e.description,
        },
        _ => OpenError::Serial {
            device,
            detail: e.description,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_alternates_and_diagnoses_after_both_speeds() {
        let mut d = Detection::default();
        assert_eq!(d.current(), 1200);
        assert_eq!(d.wrong_speed(true), None);
        assert_eq!(d.current(), 9600);
        let msg = d.wrong_speed(false).unwrap().to_string();
        assert!(msg.contains("no valid group"), "{msg}");
        assert_eq!(d.current(), 1200);
        d.wrong_speed(false);
        let msg = d.wrong_speed(false).unwrap().to_string();
        assert!(msg.starts_with("no byte"), "{msg}");
    }

    #[test]
    fn missing_device_says_so() {
        let mut d = Detection::default();
        let Err(e) = open(Path::new("/dev/does-not-exist-tic"), Some(1200), &mut d) else {
            panic!("opened a missing device");
        };
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn probation_ends_with_a_valid_group_or_its_window() {
        let start = DecoderStats::default();
        let p = Probation::start(PROBATION_9600, &start);
        let mut now = start;
        now.bytes = 10;
        assert_eq!(p.judge(&now, false), Verdict::Pending);
        assert_eq!(p.judge(&now, true), Verdict::Wrong { bytes: true });
        tokio::time::advance(PROBATION_9600).await;
        assert_eq!(p.judge(&start, false), Verdict::Wrong { bytes: false });
        now.groups = 1;
        assert_eq!(p.judge(&now, false), Verdict::Right);
    }
}
