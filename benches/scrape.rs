//! Cost of one full `/metrics` scrape as the server makes it (`AppState::scrape`: lock and
//! copy every meter, render), at 1, 100 and 1 000 meters, in both exposition formats.
//!
//! Nothing is cached: each scrape renders every meter, as a Prometheus scraping every 15 s
//! meters that send a frame every 1-2 s would make a cache miss anyway.
//!
//! `cargo bench --bench scrape`

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::fed_meter;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::config::SourceConfig;
use teleinfo_exporter::meter_handle::MeterHandle;
use teleinfo_exporter::metrics::Format;
use teleinfo_exporter::source::unix_now;
use teleinfo_exporter::state::AppState;

fn state(n: usize) -> AppState {
    let meters = (0..n)
        .map(|i| {
            let name = format!("meter{i:04}");
            let source: SourceConfig = format!("{name}=demo").parse().expect("a demo source");
            let handle = MeterHandle::new(source);
            let mut meter = fed_meter(DemoKind::ALL[i % DemoKind::ALL.len()], &name, i as u64, 200);
            meter.health_mut().last_frame = Some(unix_now());
            handle.lock().meter = meter;
            Arc::new(handle)
        })
        .collect();
    // Up for the whole run: a stale meter exports almost nothing.
    AppState::new(meters, Duration::from_secs(86_400))
}

fn scrape(c: &mut Criterion) {
    let mut group = c.benchmark_group("app_scrape");
    for n in [1usize, 100, 1000] {
        let state = state(n);
        if n >= 1000 {
            group.sample_size(20);
        }
        for format in [Format::Text, Format::OpenMetrics] {
            group.bench_function(format!("{n}_meters_{format:?}"), |b| {
                b.iter(|| black_box(state.scrape(format)))
            });
        }
        // The fastest of a few scrapes: on a shared machine the mean above moves with the
        // load of the other processes, the minimum much less.
        let fastest = |format| {
            (0..30)
                .map(|_| {
                    let start = Instant::now();
                    black_box(state.scrape(format));
                    start.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        eprintln!(
            "{n} meters: {} bytes of text, {} bytes of OpenMetrics; fastest scrape \
             {:?} (text), {:?} (OpenMetrics)",
            state.scrape(Format::Text).len(),
            state.scrape(Format::OpenMetrics).len(),
            fastest(Format::Text),
            fastest(Format::OpenMetrics),
        );
    }
    group.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
