//! `teleinfo-exporter probe DEVICE`: the setup-time check of a serial line.
//!
//! Opens the port 7E1 at 1200 Bd (historic mode) and at 9600 Bd (standard mode), reads each
//! for a few seconds, and says in plain words what it found: which speed and mode give valid
//! frames, the meter's serial number and tariff, error counts, and what to fix when nothing
//! valid arrives (permissions, a busy device, no signal, the wrong speed, a line read as 8N1
//! upstream, a tty in cooked mode, a noisy line).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::counted;
use crate::doctor;
use crate::source::serial::{self, Detection};
use crate::tic::{Decoder, DecoderStats, Label, Mode};

/// Causes of trouble the diagnosis explains, at most.
const ADVICE_COUNT: usize = 3;

/// What one speed gave.
#[derive(Debug, Clone, Default)]
pub struct SpeedResult {
    pub baud: u32,
    /// Why the port could not be opened at this speed.
    pub open_error: Option<String>,
    pub stats: DecoderStats,
    pub mode: Option<Mode>,
    pub serial: Option<String>,
    /// The tariff option (OPTARIF) or name (NGTF), as words.
    pub tariff: Option<String>,
    /// The apparent power (PAPP or SINSTS) with its unit, e.g. `740 VA`.
    pub apparent_power: Option<String>,
}

/// The whole probe.
#[derive(Debug, Clone)]
pub struct Report {
    pub device: String,
    pub results: Vec<SpeedResult>,
}

/// Reads `device` for `per_speed` at each speed.
pub async fn probe(device: &Path, per_speed: Duration) -> Report {
    let mut results = Vec::new();
    for baud in [1200, 9600] {
        results.push(probe_speed(device, baud, per_speed).await);
        if results.last().is_some_and(|r| r.open_error.is_some()) {
            break; // the same error at the other speed tells nothing new
        }
    }
    Report {
        device: device.display().to_string(),
        results,
    }
}

async fn probe_speed(device: &Path, baud: u32, duration: Duration) -> SpeedResult {
    let mut result = SpeedResult {
        baud,
        ..SpeedResult::default()
    };
    let mut opened = match serial::open(device, Some(baud), &mut Detection::default()) {
        Ok(o) => o,
        Err(e) => {
            result.open_error = Some(e.to_string());
            return result;
        }
    };
    let mut decoder = Decoder::new();
    let mut buf = vec![0u8; 4096];
    let deadline = Instant::now() + duration;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let n = match tokio::time::timeout(left, opened.reader.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            Ok(Ok(_)) | Ok(Err(_)) => break, // device gone
            Err(_) => break,                 // time is up
        };
        let bytes = &buf[..n];
        decoder.feed(bytes, |frame| {
            result.mode = Some(frame.mode());
            // Values as a person reads them (`740 VA`, not `00740`); a value that does not
            // read as its type is shown as sent rather than hidden.
            let shown = |l: Label| {
                frame.get(l).map(|g| {
                    g.typed()
                        .map_or_else(|_| g.text().to_owned(), |t| t.to_string())
                })
            };
            if let Some(s) = shown(Label::Adco).or_else(|| shown(Label::Adsc)) {
                result.serial = Some(s);
            }
            if let Some(t) = shown(Label::Optarif).or_else(|| shown(Label::Ngtf)) {
                result.tariff = Some(t);
            }
            if let Some(p) = shown(Label::Papp).or_else(|| shown(Label::Sinsts)) {
                result.apparent_power = Some(p);
            }
        });
    }
    decoder.finish();
    result.stats = decoder.stats();
    result
}

impl Report {
    /// The speed at which frames arrive (clean or with errors: a noisy line is still the
    /// right speed) and match it (a historic frame at 1200 Bd, a standard one at 9600 Bd). A
    /// pty or a TCP bridge delivers at any speed, so both may decode.
    pub fn working_speed(&self) -> Option<&SpeedResult> {
        let valid = |r: &&SpeedResult| r.stats.frames > 0;
        self.results
            .iter()
            .filter(valid)
            .find(|r| r.mode.is_some_and(|m| m.baud_rate() == r.baud))
            .or_else(|| self.results.iter().find(valid))
    }

    /// The plain-words diagnosis, one advice per line.
    pub fn diagnosis(&self) -> Vec<String> {
        let mut advice = Vec::new();
        if let Some(e) = self.results.iter().find_map(|r| r.open_error.as_ref()) {
            advice.push(e.clone());
            return advice;
        }
        let bytes: u64 = self.results.iter().map(|r| r.stats.bytes).sum();
        match self.working_speed() {
            None if bytes == 0 => advice.push(
                "no signal at all: check the wiring to the meter's I1 and I2 terminals, that \
                 the adapter is powered (Linky terminal A, or the board's supply), and that \
                 nothing else reads the port"
                    .to_owned(),
            ),
            None => advice.push(
                "bytes arrive but never a frame (STX, valid groups, ETX) at 1200 nor 9600 Bd: \
                 check the wiring (I1/I2), that the adapter suits the speed (some 1200 Bd \
                 adapters cannot do 9600 Bd), and that this is a TIC line"
                    .to_owned(),
            ),
            Some(r) => {
                let mode = r.mode.map_or("unknown", |m| m.as_str());
                advice.push(format!(
                    "the meter sends {mode}-mode frames at {} Bd: use --source {}@{}",
                    r.baud,
                    self.device,
                    r.mode.map_or(r.baud, |m| m.baud_rate())
                ));
            }
        }
        // What went wrong on the line, in the link doctor's words: the speed that works, or
        // else the one that brought the most bytes.
        let basis = self
            .working_speed()
            .or_else(|| self.results.iter().max_by_key(|r| r.stats.bytes));
        if let Some(r) = basis {
            for (cause, n) in doctor::top(&r.stats, doctor::MeterCounts::default(), ADVICE_COUNT) {
                advice.push(format!("{n} × {}: {}", cause.counts, cause.advice));
            }
        }
        advice
    }

    /// The report as printed.
    pub fn render(&self) -> String {
        let mut out = format!("probing {}\n", self.device);
        for r in &self.results {
            let _ = write!(out, "  {:>5} Bd 7E1: ", r.baud);
            if let Some(e) = &r.open_error {
                let _ = writeln!(out, "cannot open ({e})");
                continue;
            }
            // The words of docs/metrics.md, as in `decode`'s summary line.
            let s = &r.stats;
            let _ = writeln!(
                out,
                "{}, {}, {}, {}, {}, {}, {}{}",
                counted(s.bytes, "byte", "bytes"),
                counted(s.clean_frames, "clean frame", "clean frames"),
                counted(
                    s.frames_with_errors(),
                    "frame with errors",
                    "frames with errors"
                ),
                counted(s.interrupted, "interrupted frame", "interrupted frames"),
                counted(s.groups, "valid group", "valid groups"),
                counted(s.checksum_errors, "checksum error", "checksum errors"),
                counted(s.format_errors, "format error", "format errors"),
                r.mode.map_or(String::new(), |m| format!(", {m} mode")),
            );
        }
        if let Some(r) = self.working_speed() {
            let _ = writeln!(out, "meter:");
            let _ = writeln!(
                out,
                "  serial number   {}",
                r.serial.as_deref().unwrap_or("not sent")
            );
            let _ = writeln!(
                out,
                "  tariff          {}",
                r.tariff.as_deref().unwrap_or("not sent")
            );
            let _ = writeln!(
                out,
                "  apparent power  {}",
                r.apparent_power.as_deref().unwrap_or("not sent")
            );
        }
        let _ = writeln!(out, "diagnosis:");
        for line in self.diagnosis() {
            let _ = writeln!(out, "  - {line}");
        }
        out
    }
}
