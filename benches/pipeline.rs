//! Cost of the steps after decoding: applying a frame to the meter state, and rendering one
//! scrape for 1 and for 100 meters, in both exposition formats.
//!
//! `cargo bench --bench pipeline`

mod common;

use common::{T0, fed_meter};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::Stamp;
use teleinfo_exporter::metrics::{Format, Snapshot};
use teleinfo_exporter::simulator::Simulator;
use teleinfo_exporter::tic::{Decoder, OwnedFrame};

/// A meter that has seen an hour of frames from the simulator.
fn warmed_meter(kind: DemoKind, name: &str) -> Meter {
    let mut meter = fed_meter(kind, name, 7, 2400);
    meter.health_mut().last_frame = Some(T0 + 3600.0);
    meter
}

fn frames(kind: DemoKind) -> Vec<OwnedFrame> {
    let mut sim = Simulator::new(kind, 11);
    let mut bytes = Vec::new();
    for i in 0..200 {
        sim.next_frame(T0 + f64::from(i) * 1.5, &mut bytes)
            .expect("valid groups");
    }
    let mut out = Vec::new();
    Decoder::new().feed(&bytes, |f| out.push(f.to_owned()));
    out
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    for kind in [DemoKind::Historic, DemoKind::StandardTri] {
        // Re-decode encoded frames inside the loop would measure the decoder too; instead
        // feed one pre-encoded frame repeatedly through a decoder and apply it.
        let bytes = {
            let mut b = Vec::new();
            for f in frames(kind).iter().take(50) {
                teleinfo_exporter::tic::encode::write_frame(&mut b, f).unwrap();
            }
            b
        };
        let n_frames = 50;
        group.throughput(Throughput::Elements(n_frames));
        group.bench_function(format!("{kind:?}_decode_and_apply_per_frame"), |b| {
            let mut meter = warmed_meter(kind, "m");
            let mut decoder = Decoder::new();
            let mut t = T0 + 4000.0;
            b.iter(|| {
                decoder.feed(black_box(&bytes), |f| {
                    t += 1.5;
                    meter.apply(f, Stamp { host: t, line: t });
                });
            })
        });
    }
    group.finish();
}

fn scrape(c: &mut Criterion) {
    let kinds = [
        DemoKind::Historic,
        DemoKind::HistoricTri,
        DemoKind::Standard,
        DemoKind::StandardTri,
        DemoKind::Producer,
    ];
    let one = vec![warmed_meter(DemoKind::StandardTri, "home")];
    let hundred: Vec<Meter> = (0..100)
        .map(|i| warmed_meter(kinds[i % kinds.len()], &format!("meter{i:03}")))
        .collect();
    let mut group = c.benchmark_group("scrape");
    for (label, meters) in [("1_meter", &one), ("100_meters", &hundred)] {
        for format in [Format::Text, Format::OpenMetrics] {
            group.bench_function(format!("{label}_{format:?}"), |b| {
                b.iter_batched(
                    || Snapshot {
                        meters: meters.clone(),
                        now: T0 + 3601.0,
                        stale_after: 30.0,
                    },
                    |s| black_box(s.render(format)),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, apply, scrape);
criterion_main!(benches);
