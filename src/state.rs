//! What the routes read: each meter's shared state and history, and the sources as
//! configured.
//!
//! The fields are private and read only by the methods below, so that the routes never
//! depend on how the meters are held (three vectors in the same order today).

use std::time::Duration;

use bytes::Bytes;

use crate::api::{self, MetersResponse};
use crate::config::SourceConfig;
use crate::history::SharedHistory;
use crate::metrics::{Format, Snapshot};
use crate::source::{SharedMeter, lock, unix_now};

/// The meters as the HTTP routes see them.
pub struct AppState {
    meters: Vec<SharedMeter>,
    /// The live page's history of each meter, in the order of `meters`.
    histories: Vec<SharedHistory>,
    /// Each meter's source as configured, in the order of `meters`.
    sources: Vec<SourceConfig>,
    stale_after: Duration,
    cache: std::sync::Mutex<[Option<CachedScrape>; 2]>,
}

/// A rendered exposition and when it stops being right.
struct CachedScrape {
    /// Sum of the meters' revisions when it was rendered: revisions only grow, so any change
    /// of any meter changes the sum.
    revisions: u64,
    /// The first moment a meter that was up goes stale (its values must then disappear).
    valid_until: f64,
    body: Bytes,
}

impl AppState {
    pub fn new(
        meters: Vec<SharedMeter>,
        histories: Vec<SharedHistory>,
        sources: Vec<SourceConfig>,
        stale_after: Duration,
    ) -> Self {
        AppState {
            meters,
            histories,
            sources,
            stale_after,
            cache: std::sync::Mutex::new([None, None]),
        }
    }

    /// The exposition in `format`. Meters change about once a second while Prometheus (or a
    /// dashboard, or a load test) may scrape far more often, so the rendered text is reused
    /// until a meter changes or one goes stale: a scrape then costs a few atomic operations.
    pub fn scrape(&self, format: Format) -> Bytes {
        let slot = match format {
            Format::Text => 0,
            Format::OpenMetrics => 1,
        };
        let now = unix_now();
        let revisions = self
            .meters
            .iter()
            .fold(0u64, |sum, m| sum.wrapping_add(lock(m).revision()));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = &cache[slot]
            && c.revisions == revisions
            && now <= c.valid_until
        {
            return c.body.clone();
        }
        let snapshot = self.snapshot();
        let revisions = snapshot
            .meters
            .iter()
            .fold(0u64, |sum, m| sum.wrapping_add(m.revision()));
        let stale = snapshot.stale_after;
        let valid_until = snapshot
            .meters
            .iter()
            .filter(|m| m.is_up(snapshot.now, stale))
            .filter_map(|m| m.health().last_frame)
            .map(|t| t + stale)
            .fold(f64::INFINITY, f64::min);
        let body = Bytes::from(snapshot.render(format));
        cache[slot] = Some(CachedScrape {
            revisions,
            valid_until,
            body: body.clone(),
        });
        body
    }

    /// Copies every meter, each locked only for the copy.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            meters: self.meters.iter().map(|m| lock(m).clone()).collect(),
            now: unix_now(),
            stale_after: self.stale_after.as_secs_f64(),
        }
    }

    /// The body of `/api/v1/meters`.
    pub fn meters_json(&self, with_history: bool) -> MetersResponse {
        api::build(
            &self.snapshot(),
            &self.sources,
            &self.histories,
            with_history,
        )
    }

    /// The live page, with its table of the meters for browsers without JavaScript.
    pub fn page(&self) -> String {
        crate::page::index(&self.snapshot(), &self.sources)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::meter::Meter;

    fn state_with_one_meter(stale_after: Duration) -> (AppState, SharedMeter) {
        let mut meter = Meter::new("m");
        meter.health_mut().open = true;
        meter.health_mut().last_frame = Some(unix_now());
        let meter = Arc::new(Mutex::new(meter));
        let history = crate::history::History::shared();
        let state = AppState::new(vec![meter.clone()], vec![history], Vec::new(), stale_after);
        (state, meter)
    }

    #[test]
    fn scrapes_reuse_the_rendering_until_a_meter_changes() {
        let (state, meter) = state_with_one_meter(Duration::from_secs(60));
        let a = state.scrape(Format::Text);
        let b = state.scrape(Format::Text);
        assert_eq!(
            a.as_ptr(),
            b.as_ptr(),
            "second scrape should be the cached body"
        );
        assert!(
            std::str::from_utf8(&a)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 1")
        );
        let om = state.scrape(Format::OpenMetrics);
        assert_ne!(om, a, "each format has its own entry");
        lock(&meter).health_mut().reconnects += 1;
        let c = state.scrape(Format::Text);
        assert_ne!(a.as_ptr(), c.as_ptr());
        assert!(
            std::str::from_utf8(&c)
                .unwrap()
                .contains("teleinfo_source_reconnects_total{meter=\"m\"} 1")
        );
    }

    #[test]
    fn a_cached_scrape_expires_when_a_meter_goes_stale() {
        let (state, _meter) = state_with_one_meter(Duration::from_millis(200));
        let fresh = state.scrape(Format::Text);
        assert!(
            std::str::from_utf8(&fresh)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 1")
        );
        std::thread::sleep(Duration::from_millis(300));
        let stale = state.scrape(Format::Text);
        assert!(
            std::str::from_utf8(&stale)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 0")
        );
    }
}
