//! What the source loop makes of a session beyond decoding it: the verdict on a guessed
//! speed, and the warnings that tell a user what is wrong with the line. Kept apart from the
//! read → decode → apply loop so that the loop stays that.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::serial::{Probation, Verdict};
use super::{Ended, Fed, Lost, Opened};
use crate::meter_handle::MeterHandle;
use crate::tic::DecoderStats;

/// How long bytes may flow without a valid group before the log says so.
const GARBAGE_WARNING: Duration = Duration::from_secs(30);

/// Shortest time between two debug lines about rejected groups: a noisy line rejects
/// several groups a second, and the log must stay readable.
const REJECTION_LOG_EVERY: Duration = Duration::from_secs(10);

/// Watches the sessions of one source.
pub(super) struct Watch {
    meter: Arc<MeterHandle>,
    /// No byte for this long: the source is lost.
    read_timeout: Duration,
    /// Said once per process: the advice does not change.
    cooked_warned: bool,
    rejections: RejectionLog,
    session: Session,
}

/// What is watched in one session (from an open to its end).
struct Session {
    started: Instant,
    baud: Option<u32>,
    probation: Option<Probation>,
    at_start: DecoderStats,
    /// A detected speed is logged with the mode of the first complete frame at that speed.
    announce_speed: bool,
    warned_garbage: bool,
}

impl Session {
    fn new(opened: &Opened, at_start: DecoderStats) -> Session {
        Session {
            started: Instant::now(),
            baud: opened.baud,
            probation: opened.probation.map(|w| Probation::start(w, &at_start)),
            at_start,
            announce_speed: false,
            warned_garbage: false,
        }
    }
}

impl Watch {
    pub(super) fn new(meter: Arc<MeterHandle>, read_timeout: Duration) -> Watch {
        let session = Session {
            started: Instant::now(),
            baud: None,
            probation: None,
            at_start: DecoderStats::default(),
            announce_speed: false,
            warned_garbage: false,
        };
        Watch {
            meter,
            read_timeout,
            cooked_warned: false,
            rejections: RejectionLog::default(),
            session,
        }
    }

    /// How long a read may wait for a byte.
    pub(super) fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// A session starts on `opened`, with the decoder's counters at `at_start`.
    pub(super) fn start(&mut self, opened: &Opened, at_start: DecoderStats) {
        self.session = Session::new(opened, at_start);
    }

    /// No byte for the read timeout: a guessed speed that gave nothing valid was wrong,
    /// anything else is a lost source.
    pub(super) fn silence(&self, now: &DecoderStats) -> Ended {
        match self.session.probation.map(|p| p.judge(now, true)) {
            Some(Verdict::Wrong { bytes }) => Ended::WrongSpeed { bytes },
            _ => Ended::Lost(Lost::Silence(self.read_timeout)),
        }
    }

    /// Judges the session after a read was applied; `Some` ends it.
    pub(super) fn after_read(&mut self, fed: &Fed) -> Option<Ended> {
        let source = &self.meter.source;
        let s = &mut self.session;
        self.rejections.note(&fed.stats, &self.meter);
        if s.announce_speed && fed.stats.frames > s.at_start.frames {
            s.announce_speed = false;
            let speed = s.baud.unwrap_or_default();
            let mode = fed
                .mode
                .map_or_else(String::new, |m| format!(" ({m} mode)"));
            info!(meter = %source.name, source = %source.spec, "speed detected: {speed} Bd{mode}");
        }
        if fed.cooked && !self.cooked_warned {
            self.cooked_warned = true;
            warn!(meter = %source.name, source = %source.spec,
                "CR arrives as LF and ETX is missing: the line went through a tty in cooked mode; \
                 set the port raw (stty -F DEVICE raw, or ser2net in raw mode)");
        }
        if let Some(probation) = s.probation {
            match probation.judge(&fed.stats, false) {
                Verdict::Pending => {}
                Verdict::Right => {
                    s.probation = None;
                    s.announce_speed = true;
                }
                Verdict::Wrong { bytes } => return Some(Ended::WrongSpeed { bytes }),
            }
        } else if !s.warned_garbage
            && fed.stats.groups == s.at_start.groups
            && s.started.elapsed() >= GARBAGE_WARNING
        {
            // Bytes flow but nothing valid: with a fixed speed, usually the wrong one.
            s.warned_garbage = true;
            warn!(meter = %source.name, source = %source.spec,
                "{} bytes in {}s but no valid group: is the speed right (historic mode is \
                 1200 Bd, standard mode 9600 Bd)? `teleinfo-exporter probe DEVICE` tells",
                fed.stats.bytes - s.at_start.bytes, GARBAGE_WARNING.as_secs());
        }
        None
    }
}

/// Logs at debug level, at most every [`REJECTION_LOG_EVERY`], what went wrong on the line
/// since the last line, by the link doctor's causes (`crate::doctor`, the same words as
/// `teleinfo_line_errors_total{cause}`): what a user chasing a wiring problem runs
/// `--log.level debug` for.
#[derive(Debug, Default)]
struct RejectionLog {
    logged: DecoderStats,
    at: Option<Instant>,
}

impl RejectionLog {
    fn note(&mut self, now: &DecoderStats, meter: &MeterHandle) {
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
        let source = &meter.source;
        debug!(meter = %source.name, source = %source.spec,
            "line errors {since}: {} (see teleinfo_line_errors_total)", causes.join(", "));
        self.logged = *now;
        self.at = Some(Instant::now());
    }
}
