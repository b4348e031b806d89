//! Keeps a source task alive: a panic in it (a bug) must never leave a silent dead meter
//! that `/metrics` keeps reporting as if it were merely quiet.

use std::future::Future;

use tracing::error;

use std::sync::Arc;

use super::Backoff;
use crate::meter_handle::MeterHandle;

/// Runs the task that `start` makes until it returns (a replay that ended), restarting it
/// with capped backoff each time it panics. The meter is marked closed at once, so
/// `teleinfo_up` is 0 while the task is down, and the panic is logged at error level.
pub async fn supervise<F, Fut>(meter: Arc<MeterHandle>, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = Backoff::new();
    loop {
        let outcome = tokio::spawn(start()).await;
        let panic = match outcome {
            Ok(()) => return,
            Err(e) if e.is_panic() => e.into_panic(),
            Err(_) => return, // cancelled: the runtime is shutting down
        };
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        meter.lock().meter.source_closed();
        let delay = backoff.next_delay();
        error!(meter = %meter.name(),
            "the source task failed ({message}); restarting it in {}s. This is a bug: please \
             report it with the log above", delay.as_secs());
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::config::{SourceConfig, SourceSpec};

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_is_restarted_and_its_meter_is_down_meanwhile() {
        let meter = Arc::new(MeterHandle::new(SourceConfig {
            name: "m".into(),
            spec: SourceSpec::Stdin,
        }));
        meter.lock().meter.source_opened(0.0);
        let starts = Arc::new(AtomicU32::new(0));
        // Whether the meter was open when each run started.
        let open_at_start = Arc::new(Mutex::new(Vec::new()));
        let (m, s, o) = (meter.clone(), starts.clone(), open_at_start.clone());
        let start_instant = tokio::time::Instant::now();
        supervise(meter.clone(), move || {
            let (m, s, o) = (m.clone(), s.clone(), o.clone());
            async move {
                o.lock().unwrap().push(m.lock().meter.health().open);
                let n = s.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    panic!("boom {n}");
                }
            }
        })
        .await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            3,
            "restarted after each panic"
        );
        assert_eq!(*open_at_start.lock().unwrap(), [true, false, false]);
        assert!(!meter.lock().meter.health().open);
        // Backoff: 1 s after the first panic, 2 s after the second.
        assert_eq!(start_instant.elapsed(), std::time::Duration::from_secs(3));
    }
}
