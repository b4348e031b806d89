//! Fuzz the whole path after the line: arbitrary bytes → decoder → meter state → exposition.
//! Never panics; no exported counter goes backwards between two renders (but at a declared
//! reset: a mode switch for the series of a mode, a new serial number for all); the text
//! is always well-formed enough to split into `name{labels} value` lines.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::Stamp;
use teleinfo_exporter::metrics::{Format, Snapshot};
use teleinfo_exporter::tic::Decoder;

fn counters(text: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
        let v: f64 = value.parse().expect("sample value is a number");
        if series.contains("_total{") {
            out.insert(series.to_owned(), v);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let mut meter = Meter::new("fuzz");
    meter.health_mut().open = true;
    let mut decoder = Decoder::new();
    let mut previous: HashMap<String, f64> = HashMap::new();
    let mut resets = (0, 0);
    let mut t = 1_700_000_000.0;
    // The first byte picks the chunk size, so chunking is fuzzed too.
    let Some((&size, bytes)) = data.split_first() else { return };
    for chunk in bytes.chunks(usize::from(size).max(1)) {
        t += 1.0;
        let frames = decoder.stats().frames;
        decoder.feed(chunk, |f| meter.apply(f, Stamp { host: t, line: t }));
        meter.record_decoder(decoder.stats(), decoder.looks_like_cooked_tty());
        if decoder.stats().frames == frames {
            continue; // render only when a frame changed the state: one render per frame
        }
        let format = if size % 2 == 0 { Format::Text } else { Format::OpenMetrics };
        let text = Snapshot { meters: vec![meter.clone()], now: t, stale_after: 1e9 }.render(format);
        let now = counters(&text);
        let r = (meter.health().mode_switches, meter.health().rebases);
        for (series, v) in &now {
            // A mode switch restarts every series but the drawn total, which goes on; only a
            // new serial number restarts that one too.
            let same = if series.starts_with("teleinfo_energy_drawn_wh_total") {
                r.1 == resets.1
            } else {
                r == resets
            };
            if let Some(old) = previous.get(series).filter(|_| same) {
                assert!(v >= old, "{series}: {old} -> {v}");
            }
        }
        resets = r;
        previous = now;
    }
});
