//! What the routes read: each meter's handle (its source as configured, and one lock over its
//! state and history).
//!
//! The fields are private and read only by the methods below, so that the routes never
//! depend on how the meters are held.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::api::{self, MetersResponse};
use crate::meter_handle::MeterHandle;
use crate::metrics::{Format, Snapshot};
use crate::source::unix_now;

/// The meters as the HTTP routes see them.
pub struct AppState {
    /// Every meter, in the order of the command line.
    meters: Vec<Arc<MeterHandle>>,
    stale_after: Duration,
}

impl AppState {
    pub fn new(meters: Vec<Arc<MeterHandle>>, stale_after: Duration) -> Self {
        AppState {
            meters,
            stale_after,
        }
    }

    /// The exposition in `format`, rendered now.
    ///
    /// Not cached: a full scrape of 1 000 meters takes about 11 ms (`cargo bench --bench
    /// scrape`), so a Prometheus scraping them every 15 s costs under 0.1 % of a core; and
    /// with meters that change every second or two, a cache would almost never hit.
    pub fn scrape(&self, format: Format) -> Bytes {
        Bytes::from(self.snapshot().render(format))
    }

    /// Copies every meter, each locked only for the copy.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            meters: self.meters.iter().map(|m| m.lock().meter.clone()).collect(),
            now: unix_now(),
            stale_after: self.stale_after.as_secs_f64(),
        }
    }

    /// The body of `/api/v1/meters`.
    pub fn meters_json(&self, with_history: bool) -> MetersResponse {
        api::build(&self.snapshot(), &self.meters, with_history)
    }

    /// The live page, with its table of the meters for browsers without JavaScript.
    pub fn page(&self) -> String {
        let sources: Vec<_> = self.meters.iter().map(|m| m.source.clone()).collect();
        crate::page::index(&self.snapshot(), &sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SourceConfig, SourceSpec};

    fn state_with_one_meter(
        last_frame: f64,
        stale_after: Duration,
    ) -> (AppState, Arc<MeterHandle>) {
        let meter = Arc::new(MeterHandle::new(SourceConfig {
            name: "m".into(),
            spec: SourceSpec::Stdin,
        }));
        {
            let health = &mut meter.lock().meter;
            health.health_mut().open = true;
            health.health_mut().last_frame = Some(last_frame);
        }
        let state = AppState::new(vec![meter.clone()], stale_after);
        (state, meter)
    }

    fn text(body: &Bytes) -> &str {
        std::str::from_utf8(body).expect("the exposition is UTF-8")
    }

    #[test]
    fn a_scrape_shows_a_change_of_a_meter_at_once() {
        let (state, meter) = state_with_one_meter(unix_now(), Duration::from_secs(60));
        let a = state.scrape(Format::Text);
        assert!(text(&a).contains("teleinfo_up{meter=\"m\"} 1"));
        assert_ne!(state.scrape(Format::OpenMetrics), a, "each format its own");
        meter.lock().meter.health_mut().reconnects += 1;
        let b = state.scrape(Format::Text);
        assert!(text(&b).contains("teleinfo_source_reconnects_total{meter=\"m\"} 1"));
    }

    #[test]
    fn a_meter_without_a_frame_for_stale_after_is_down() {
        let stale_after = Duration::from_millis(200);
        let (state, meter) = state_with_one_meter(unix_now(), stale_after);
        assert!(text(&state.scrape(Format::Text)).contains("teleinfo_up{meter=\"m\"} 1"));
        // The last frame is now older than `stale_after`: no clock to wait on.
        meter.lock().meter.health_mut().last_frame = Some(unix_now() - 0.3);
        assert!(text(&state.scrape(Format::Text)).contains("teleinfo_up{meter=\"m\"} 0"));
    }
}
