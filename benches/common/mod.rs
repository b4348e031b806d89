//! What the benches that render scrapes share: a meter fed simulated frames.

use teleinfo_exporter::config::DemoKind;
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::Stamp;
use teleinfo_exporter::simulator::Simulator;
use teleinfo_exporter::tic::Decoder;

/// Start of the simulated line time (2024-01-15 17:00 UTC, a winter weekday evening).
pub const T0: f64 = 1_705_338_000.0;

/// A meter of `kind` that has decoded and applied `frames` simulated frames, 1.5 s apart from
/// [`T0`], with its source open. The caller sets when its last frame arrived.
pub fn fed_meter(kind: DemoKind, name: &str, seed: u64, frames: u32) -> Meter {
    let mut sim = Simulator::new(kind, seed);
    let mut bytes = Vec::new();
    for i in 0..frames {
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
    meter
}
