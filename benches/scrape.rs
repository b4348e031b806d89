//! Cost of one full `/metrics` scrape as the server makes it (`AppState::scrape`: lock and
//! copy every meter, render), at 1, 100 and 1 000 meters, in both exposition formats.
//!
//! Nothing is cached: each scrape renders every meter, as a Prometheus scraping every 15 s
//! meters that send a frame every 1-2 s would make a cache miss anyway.
//!
//! `cargo bench --bench scrape`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::config::SourceConfig;
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::Stamp;
use teleinfo_exporter::meter_handle::MeterHandle;
use teleinfo_exporter::metrics::Format;
use teleinfo_exporter::simulator::Simulator;
use teleinfo_exporter::source::unix_now;
use teleinfo_exporter::state::AppState;
use teleinfo_exporter::tic::Decoder;

const T0: f64 = 1_705_338_000.0;

const KINDS: [DemoKind; 5] = [
    DemoKind::Historic,
    DemoKind::HistoricTri,
    DemoKind::Standard,
    DemoKind::StandardTri,
    DemoKind::Producer,
];

/// A meter fed a few minutes of simulated frames (every label its kind sends has been
/// seen), up now.
fn fed_meter(kind: DemoKind, name: &str, seed: u64) -> Meter {
    let mut sim = Simulator::new(kind, seed);
    let mut bytes = Vec::new();
    for i in 0..200 {
        sim.next_frame(T0 + f64::from(i) * 1.5, &mut bytes)
            .expect("valid groups");
    }
    let mut meter = Meter::new(name);
    meter.health_mut().open = true;
    let mut decoder = Decoder::new();
    let mut t = T0;
    decoder.feed(&bytes, |f| {
        t += 1.5;
        meter.apply(
            f,
            Stamp {
                host: t,
                line: t - T0,
            },
        );
    });
    meter.record_decoder(decoder.stats(), false);
    meter.health_mut().last_frame = Some(unix_now());
    meter
}

fn state(n: usize) -> AppState {
    let meters = (0..n)
        .map(|i| {
            let name = format!("meter{i:04}");
            let source: SourceConfig = format!("{name}=demo").parse().expect("a demo source");
            let handle = MeterHandle::new(source);
            handle.lock().meter = fed_meter(KINDS[i % KINDS.len()], &name, i as u64);
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
