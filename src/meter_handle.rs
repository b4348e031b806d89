//! One meter as the rest of the process shares it: where it reads from, and its state and
//! history behind one lock.
//!
//! The source task is the only writer; the HTTP side reads (a scrape copies the [`Meter`],
//! the API reads both). One lock over both halves, instead of a lock each, means that a
//! reader never sees a frame applied to the meter but not yet recorded in its history, and
//! that there is no lock order to get wrong. It lives beside `meter/` and `history.rs`, the
//! two things it bundles, rather than in `source/`: the server reads it as much as the source
//! writes it.

use std::sync::{Mutex, MutexGuard};

use crate::config::SourceConfig;
use crate::history::History;
use crate::meter::Meter;
use crate::meter::plausibility::Stamp;
use crate::tic::Frame;

/// A meter shared between its source task and the HTTP server, usually as an
/// `Arc<MeterHandle>`.
#[derive(Debug)]
pub struct MeterHandle {
    /// What the meter is called and where its bytes come from; fixed for the process.
    pub source: SourceConfig,
    state: Mutex<MeterState>,
}

/// What the lock of a [`MeterHandle`] guards.
#[derive(Debug)]
pub struct MeterState {
    pub meter: Meter,
    /// The live page's history; allocated at its full size when the handle is made.
    pub history: History,
}

impl MeterState {
    /// Applies a frame to the meter and records the meter's new state into the history, the
    /// one way a frame should reach them: the history always follows the meter.
    pub fn apply(&mut self, frame: &Frame<'_>, at: Stamp) {
        self.meter.apply(frame, at);
        self.history.record(&self.meter, at);
    }
}

impl MeterHandle {
    pub fn new(source: SourceConfig) -> MeterHandle {
        MeterHandle {
            state: Mutex::new(MeterState {
                meter: Meter::new(source.name.clone()),
                history: History::new(),
            }),
            source,
        }
    }

    /// The meter's name, as its `meter` label says it.
    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// Locks the meter and its history. Hold it for a copy or an update, never across an
    /// await. A panic while it was held cannot leave the state half-updated in a way that
    /// matters more than losing the process, so a poisoned lock is used as is.
    pub fn lock(&self) -> MutexGuard<'_, MeterState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
