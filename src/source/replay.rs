//! Capture replay: `file:PATH` and `-` (stdin), at the line rate of the capture's mode times
//! `--replay-speed`, or as fast as possible with `max`. At the end of the input the source
//! ends and its meter goes stale as usual.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use super::{OpenError, Opened};
use crate::config::ReplaySpeed;

fn pace(speed: ReplaySpeed) -> Option<f64> {
    match speed {
        ReplaySpeed::Factor(f) => Some(f),
        ReplaySpeed::Max => None,
    }
}

pub async fn open_file(path: &Path, speed: ReplaySpeed) -> Result<Opened, OpenError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| OpenError::Hint {
            message: format!("cannot read capture {}: {e}", path.display()),
        })?;
    Ok(Opened {
        reader: Box::pin(file),
        baud: None,
        ends: true,
        probation: None,
        pace: pace(speed),
    })
}

pub fn open_stdin(speed: ReplaySpeed) -> Opened {
    Opened {
        reader: Box::pin(tokio::io::stdin()),
        baud: None,
        ends: true,
        probation: None,
        pace: pace(speed),
    }
}

/// When `bytes` read since `started` are due at `baud` × `factor` (10 bits per character).
/// Never panics: a deadline too far to represent becomes a day from now (the factor is
/// bounded by the command line, so only an absurd byte count gets there).
pub fn due(started: Instant, bytes: u64, baud: u32, factor: f64) -> Instant {
    let seconds = bytes as f64 * 10.0 / (f64::from(baud) * factor);
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|d| started.checked_add(d))
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pacing_follows_the_line_rate_and_never_overflows() {
        let t0 = Instant::now();
        // 120 characters at 1200 Bd: one second; twice as fast: half a second.
        assert_eq!(due(t0, 120, 1200, 1.0), t0 + Duration::from_secs(1));
        assert_eq!(due(t0, 120, 1200, 2.0), t0 + Duration::from_millis(500));
        // Values no command line allows must still not panic.
        for factor in [1e-300, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            let _ = due(t0, u64::MAX, 1200, factor);
        }
    }
}
