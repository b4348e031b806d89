//! The built-in demo meter: a [`Simulator`] whose frames are written at line rate into an
//! in-memory pipe, so that the demo goes through exactly the same reading path as a serial
//! port (decoder, meter state, freshness), optionally with line noise.
//!
//! Before going live, the same simulator plays the past 48 hours into the meter's history
//! (not into the meter, and so not into `/metrics`): someone trying the live page on the demo
//! sees what its charts look like after a day, instead of empty charts.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::{Opened, unix_now};
use crate::config::DemoSpec;
use crate::history::History;
use crate::meter::Meter;
use crate::meter::plausibility::Stamp;
use crate::meter_handle::MeterHandle;
use crate::tic::EncodeError;
pub mod simulator;

use simulator::{Rng, Simulator, add_noise};

/// Silence between two frames (16.7–33.4 ms on a real meter).
const FRAME_GAP: Duration = Duration::from_millis(25);

/// How far back the backfill goes: the whole span of the page's charts.
const BACKFILL_SECONDS: f64 = 48.0 * 3600.0;

/// Simulated time between two frames of the backfill: two readings per minute, so that each
/// minute has a mean and a peak, in 5760 frames (well under a second, even unoptimised).
const BACKFILL_STEP_SECONDS: f64 = 30.0;

pub async fn open(spec: DemoSpec, meter: &MeterHandle) -> Opened {
    let (reader, mut writer) = tokio::io::duplex(16 * 1024);
    let seed = unix_now().to_bits();
    let sim = Simulator::new(spec.kind, seed);
    // Thousands of frames of CPU work: on a blocking thread, so that the runtime's workers
    // keep serving HTTP and the other meters meanwhile. A panic in it is the source task's
    // (the supervisor restarts it).
    // The history is played into a history of its own, outside the meter's lock: scrapes
    // go on meanwhile. Re-opened, the meter's history is real by now and is kept.
    let fresh = meter.lock().history.is_empty();
    let backfilled = tokio::task::spawn_blocking(move || {
        let mut sim = sim;
        let history = fresh.then(|| backfill(&mut sim, unix_now()));
        (sim, history)
    })
    .await;
    let mut sim = match backfilled {
        Ok((sim, history)) => {
            if let Some(history) = history {
                meter.lock().history = history;
            }
            sim
        }
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: the runtime is shutting down, nothing more to read.
        Err(_) => std::future::pending().await,
    };
    if let Some(d) = spec.overload {
        // After the backfill, so that the history's past does not eat the window.
        sim.overload_from(unix_now(), d.as_secs_f64());
        tracing::info!(
            seconds = d.as_secs_f64(),
            "demo meter: overload for the requested time"
        );
    }
    let baud = sim.mode().baud_rate();
    tokio::spawn(async move {
        let mut rng = Rng::new(seed ^ 0x5DEE_CE66);
        let mut frame = Vec::with_capacity(2048);
        let mut logged = false;
        loop {
            frame.clear();
            if let Err(e) = sim.next_frame(unix_now(), &mut frame) {
                // A partial frame would only test the decoder on a fault of our own: skip it,
                // and keep the source up (the next frame may well be fine).
                refused(&mut logged, &e);
                tokio::time::sleep(FRAME_GAP).await;
                continue;
            }
            add_noise(&mut frame, spec.noise, &mut rng);
            // Write group by group (LF-delimited pieces), each after the time it takes on
            // the line, so a reader sees bytes arrive as from a real meter.
            for piece in frame.split_inclusive(|&b| b == b'\r') {
                let line_time =
                    Duration::from_secs_f64(piece.len() as f64 * 10.0 / f64::from(baud));
                tokio::time::sleep(line_time).await;
                if writer.write_all(piece).await.is_err() {
                    return; // the reader is gone
                }
            }
            tokio::time::sleep(FRAME_GAP).await;
        }
    });
    Opened {
        reader: Box::pin(reader),
        baud: Some(baud),
        ends: false,
        probation: None,
    }
}

/// Plays the 48 hours before `now` into a new history, through a scratch meter so that the
/// history records exactly what it would have recorded live. The simulator then goes on
/// from `now` with its indexes where the day left them.
fn backfill(sim: &mut Simulator, now: f64) -> History {
    let mut h = History::new();
    let mut meter = Meter::new("backfill");
    let mut decoder = crate::tic::Decoder::new();
    let mut frame = Vec::with_capacity(2048);
    let mut t = now - BACKFILL_SECONDS;
    let mut logged = false;
    while t < now {
        frame.clear();
        if let Err(e) = sim.next_frame(t, &mut frame) {
            refused(&mut logged, &e);
            t += BACKFILL_STEP_SECONDS;
            continue;
        }
        let at = Stamp { host: t, line: 0.0 };
        decoder.feed(&frame, |f| {
            meter.apply(f, at);
            h.record(&meter, at);
        });
        t += BACKFILL_STEP_SECONDS;
    }
    h
}

/// Logs a frame the encoder refused. It is a bug in the simulator, not a line condition: the
/// first one is an error worth reporting, the same fault every frame after it would only
/// flood the log, so those go to debug.
fn refused(logged: &mut bool, e: &EncodeError) {
    if *logged {
        tracing::debug!(error = %e, "demo meter: frame skipped");
    } else {
        tracing::error!(error = %e, "demo meter: the simulator wrote a group the encoder refuses; frame skipped (a bug, please report it)");
        *logged = true;
    }
}
