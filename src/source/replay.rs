//! Capture replay: `file:PATH` and `-` (stdin), at the line rate of the capture's mode times
//! `--replay-speed`, or as fast as possible with `max`. At the end of the input the source
//! ends and its meter goes stale as usual.

use std::path::Path;

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
