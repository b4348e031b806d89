//! Property: whatever bytes arrive, no exported counter goes backwards and no energy counter
//! grows faster than the plausibility bound, through the whole pipeline (decoder → meter
//! state → exposition text).

use std::collections::HashMap;

use proptest::prelude::*;
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::{POWER_MARGIN, SLACK_WH, Stamp};
use teleinfo_exporter::metrics::{Format, Snapshot};
use teleinfo_exporter::tic::{Decoder, FrameWriter, Mode};

/// A valid historic frame with the given index, power and subscription.
fn historic_frame(index: u32, papp: u32, isousc: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = FrameWriter::new(&mut out, Mode::Historic);
    let _ = w.group("ADCO", SERIAL);
    let _ = w.group("OPTARIF", "BASE");
    let _ = w.group("ISOUSC", &format!("{:02}", isousc % 100));
    let _ = w.group("BASE", &format!("{:09}", index % 1_000_000_000));
    let _ = w.group("PTEC", "TH..");
    let _ = w.group("PAPP", &format!("{:05}", papp % 100_000));
    w.finish();
    out
}

/// The serial number of the historic frames: a Linky keeps it when switched to standard mode.
const SERIAL: &str = "021728123456";

/// A valid standard frame with the given total and cut-off power, of the same meter as the
/// historic frames (a mode switch) or of another one (a new meter).
fn standard_frame(east: u32, pcoup: u8, other_meter: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = FrameWriter::new(&mut out, Mode::Standard);
    let _ = w.group("ADSC", if other_meter { "041876091249" } else { SERIAL });
    let _ = w.group("EAST", &format!("{:09}", east % 1_000_000_000));
    let _ = w.group("EASF01", &format!("{:09}", east % 1_000_000_000));
    let _ = w.group("PCOUP", &format!("{:02}", pcoup % 100));
    let _ = w.group("SINSTS", "01000");
    w.finish();
    out
}

#[derive(Debug, Clone)]
enum Piece {
    Soup(Vec<u8>),
    Historic {
        index: u32,
        papp: u32,
        isousc: u8,
    },
    Standard {
        east: u32,
        pcoup: u8,
        other_meter: bool,
    },
    /// Three valid frames in a row of one mode, with a growing index: enough to settle a
    /// switch to that mode (with EAST unrelated to the historic index).
    Run {
        standard: bool,
        index: u32,
        other_meter: bool,
    },
    /// A valid frame with one byte replaced.
    Corrupted {
        index: u32,
        at: prop::sample::Index,
        byte: u8,
    },
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300).prop_map(Piece::Soup),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(index, papp, isousc)| {
            Piece::Historic {
                index,
                papp,
                isousc,
            }
        }),
        // Mostly small steps from a common base, sometimes anything.
        (1_000_000u32..1_000_050, any::<u32>(), any::<u8>()).prop_map(|(index, papp, isousc)| {
            Piece::Historic {
                index,
                papp,
                isousc,
            }
        }),
        (any::<u32>(), any::<u8>(), prop::bool::weighted(0.2)).prop_map(
            |(east, pcoup, other_meter)| Piece::Standard {
                east,
                pcoup,
                other_meter
            }
        ),
        (any::<bool>(), any::<u32>(), prop::bool::weighted(0.2)).prop_map(
            |(standard, index, other_meter)| Piece::Run {
                standard,
                index,
                other_meter
            }
        ),
        (
            1_000_000u32..1_000_050,
            any::<prop::sample::Index>(),
            any::<u8>()
        )
            .prop_map(|(index, at, byte)| Piece::Corrupted { index, at, byte }),
    ]
}

fn bytes_of(p: &Piece) -> Vec<u8> {
    match p {
        Piece::Soup(b) => b.clone(),
        Piece::Historic {
            index,
            papp,
            isousc,
        } => historic_frame(*index, *papp, *isousc),
        Piece::Standard {
            east,
            pcoup,
            other_meter,
        } => standard_frame(*east, *pcoup, *other_meter),
        Piece::Run {
            standard,
            index,
            other_meter,
        } => (0..3u32)
            .flat_map(|i| {
                let index = index.wrapping_add(5 * i);
                if *standard {
                    standard_frame(index, 9, *other_meter)
                } else {
                    historic_frame(index, 1000, 30)
                }
            })
            .collect(),
        Piece::Corrupted { index, at, byte } => {
            let mut f = historic_frame(*index, 1000, 30);
            let i = at.index(f.len());
            f[i] = *byte;
            f
        }
    }
}

/// Every `*_total` series of an exposition.
fn counters(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains("_total{"))
        .filter_map(|l| {
            let (series, v) = l.rsplit_once(' ')?;
            Some((series.to_owned(), v.parse().ok()?))
        })
        .collect()
}

fn is_energy(series: &str) -> bool {
    series.contains("_wh_total") || series.contains("_varh_total")
}

/// The energy drawn, the one series a mode switch of the same meter continues.
fn is_drawn_total(series: &str) -> bool {
    series.starts_with("teleinfo_energy_drawn_wh_total{")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn byte_soup_never_moves_a_counter_back_or_too_far(
        pieces in prop::collection::vec(piece(), 1..40),
        seconds_per_piece in 1.0f64..30.0,
    ) {
        let mut meter = Meter::new("p");
        meter.health_mut().open = true;
        let mut decoder = Decoder::new();
        let (mut host, mut line) = (1_700_000_000.0f64, 0.0f64);
        // Per series: the value and the stamp of the piece that brought it.
        let mut seen: HashMap<String, (f64, Stamp)> = HashMap::new();
        let (mut switches, mut rebases) = (0, 0);
        let mut max_power: f64 = 0.0;
        // A first clean frame sets the baselines.
        let start = historic_frame(1_000_000, 500, 30);
        for p in std::iter::once(Piece::Soup(start)).chain(pieces) {
            let bytes = bytes_of(&p);
            host += seconds_per_piece;
            line += bytes.len() as f64 * 10.0 / 1200.0;
            let stamp = Stamp { host, line };
            max_power = max_power.max(meter.max_power_va());
            decoder.feed(&bytes, |f| meter.apply(f, stamp));
            meter.record_decoder(decoder.stats(), decoder.looks_like_cooked_tty());
            max_power = max_power.max(meter.max_power_va());
            let text = Snapshot { meters: vec![meter.clone()], now: host, stale_after: 1e9 }
                .render(Format::Text);
            // The declared discontinuities: a rebase (a jump confirmed by three clean frames,
            // or another meter by its serial number) for every counter; a settled mode switch
            // of the same meter for every counter but the energy drawn, which goes on across
            // it: it must neither go back nor jump by more than the power bound allows.
            // Anything else must be monotonic and bounded.
            let health = *meter.health();
            if health.rebases != rebases {
                seen.clear();
            } else if health.mode_switches != switches {
                seen.retain(|series, _| is_drawn_total(series));
            }
            (switches, rebases) = (health.mode_switches, health.rebases);
            for (series, v) in counters(&text) {
                match seen.get(&series) {
                    Some(&(old, _)) if v == old => {}
                    Some(&(old, at)) => {
                        prop_assert!(v > old, "{} went back: {} -> {}", series, old, v);
                        // The total drawn too: each frame here carries one index, so its
                        // growth is that index's, under the same bound.
                        if is_energy(&series) {
                            let allowed = max_power * POWER_MARGIN * stamp.since(&at) / 3600.0
                                + SLACK_WH as f64;
                            prop_assert!(v - old <= allowed, "{} jumped {} -> {} (bound {})", series, old, v, allowed);
                        }
                        seen.insert(series, (v, stamp));
                    }
                    None => {
                        seen.insert(series, (v, stamp));
                    }
                }
            }
        }
    }
}

/// Inputs the pipeline fuzz target found failing (`tests/data/fuzz/pipeline-*.bin`), run
/// through the target's check: no exported counter goes back between two frames, except at a
/// declared reset.
#[test]
fn pipeline_fuzz_crashes_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("pipeline-")
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let Some((&size, bytes)) = data.split_first() else {
            continue;
        };
        let mut meter = Meter::new("fuzz");
        meter.health_mut().open = true;
        let mut decoder = Decoder::new();
        let mut previous: HashMap<String, f64> = HashMap::new();
        let mut resets = (0, 0);
        let mut t = 1_700_000_000.0;
        for chunk in bytes.chunks(usize::from(size).max(1)) {
            t += 1.0;
            decoder.feed(chunk, |f| meter.apply(f, Stamp { host: t, line: t }));
            meter.record_decoder(decoder.stats(), decoder.looks_like_cooked_tty());
            let text = Snapshot {
                meters: vec![meter.clone()],
                now: t,
                stale_after: 1e9,
            }
            .render(Format::Text);
            let now = counters(&text);
            let r = (meter.health().mode_switches, meter.health().rebases);
            for (series, v) in &now {
                // A mode switch restarts every series but the drawn total, which goes on;
                // only a new serial number restarts that one too.
                let same = if series.starts_with("teleinfo_energy_drawn_wh_total") {
                    r.1 == resets.1
                } else {
                    r == resets
                };
                if let Some(old) = previous.get(series).filter(|_| same) {
                    assert!(v >= old, "{}: {series}: {old} -> {v}", path.display());
                }
            }
            resets = r;
            previous = now;
        }
        checked += 1;
    }
    assert!(checked >= 1);
}
