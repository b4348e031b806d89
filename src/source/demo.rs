//! The built-in demo meter: a [`Simulator`] whose frames are written at line rate into an
//! in-memory pipe, so that the demo goes through exactly the same reading path as a serial
//! port (decoder, meter state, freshness), optionally with line noise.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::{Opened, unix_now};
use crate::config::DemoSpec;
use crate::simulator::{Rng, Simulator, add_noise};

/// Silence between two frames (16.7–33.4 ms on a real meter).
const FRAME_GAP: Duration = Duration::from_millis(25);

pub fn open(spec: DemoSpec) -> Opened {
    let (reader, mut writer) = tokio::io::duplex(16 * 1024);
    let seed = unix_now().to_bits();
    let mut sim = Simulator::new(spec.kind, seed);
    let baud = sim.mode().baud_rate();
    tokio::spawn(async move {
        let mut rng = Rng::new(seed ^ 0x5DEE_CE66);
        let mut frame = Vec::with_capacity(2048);
        loop {
            frame.clear();
            sim.next_frame(unix_now(), &mut frame);
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
        pace: None,
    }
}
