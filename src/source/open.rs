//! How the source loop gets its bytes: an [`Opener`] opens the stream of a meter, and the
//! loop neither knows nor cares what is behind it. The real one, [`SpecOpener`], opens what
//! the meter's `SourceSpec` names; tests hand the loop in-memory pipes instead.

use std::future::Future;

use super::serial::{self, Detection, SpeedDiagnosis};
use super::{OpenError, Opened, demo, replay, tcp};
use crate::config::{ReplaySpeed, SourceSpec};
use crate::meter_handle::MeterHandle;

/// Opens the byte stream of a meter, each time the source loop needs it (at start, after a
/// loss, after a wrong speed).
pub trait Opener: Send {
    /// Opens the bytes of `meter.source.spec`. The demo source also fills `meter`'s history.
    fn open<'a>(
        &'a mut self,
        meter: &'a MeterHandle,
    ) -> impl Future<Output = Result<Opened, OpenError>> + Send + 'a;

    /// The session at a guessed speed gave no valid group (`bytes`: whether anything
    /// arrived): the next open tries the other speed. Returns what to tell once both failed.
    /// Only a source that guesses its speed ([`Opened::probation`]) is ever told.
    fn wrong_speed(&mut self, bytes: bool) -> Option<SpeedDiagnosis> {
        let _ = bytes;
        None
    }
}

/// Opens what the spec says: a serial device, a TCP stream, a capture, or the demo meter.
#[derive(Debug)]
pub struct SpecOpener {
    replay_speed: ReplaySpeed,
    /// Which serial speed to try next, across re-opens.
    detection: Detection,
}

impl SpecOpener {
    pub fn new(replay_speed: ReplaySpeed) -> Self {
        SpecOpener {
            replay_speed,
            detection: Detection::default(),
        }
    }
}

impl Opener for SpecOpener {
    async fn open(&mut self, meter: &MeterHandle) -> Result<Opened, OpenError> {
        match &meter.source.spec {
            SourceSpec::Serial { path, baud } => serial::open(path, *baud, &mut self.detection),
            SourceSpec::Tcp { host, port } => tcp::open(host, *port).await,
            SourceSpec::File(path) => replay::open_file(path, self.replay_speed).await,
            SourceSpec::Stdin => Ok(replay::open_stdin(self.replay_speed)),
            SourceSpec::Demo(spec) => Ok(demo::open(*spec, meter).await),
        }
    }

    fn wrong_speed(&mut self, bytes: bool) -> Option<SpeedDiagnosis> {
        self.detection.wrong_speed(bytes)
    }
}
