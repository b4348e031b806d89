use super::*;
use crate::tic::{Decoder, Label};

/// Runs a simulator for `hours` from a fixed start, one frame every 1.5 s, and decodes it.
fn run(
    kind: DemoKind,
    start: i64,
    hours: f64,
) -> (Vec<crate::tic::OwnedFrame>, crate::tic::DecoderStats) {
    let mut sim = Simulator::new(kind, 42);
    let mut out = Vec::new();
    let mut t = start as f64;
    while t < start as f64 + hours * 3600.0 {
        sim.next_frame(t, &mut out).unwrap();
        t += 1.5;
    }
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    decoder.feed(&out, |f| frames.push(f.to_owned()));
    (frames, decoder.stats())
}

fn values(frames: &[crate::tic::OwnedFrame], label: &str) -> Vec<u64> {
    frames
        .iter()
        .filter_map(|f| f.groups.iter().find(|g| g.name == label))
        .map(|g| g.value.parse().unwrap())
        .collect()
}

// 2024-01-15 17:00 UTC: a winter weekday evening.
const WINTER_EVENING: i64 = 1_705_338_000;
// 2024-06-12 10:00 UTC: a sunny summer day.
const SUMMER_NOON: i64 = 1_718_186_400;

#[test]
fn every_kind_sends_only_valid_frames_with_growing_indexes() {
    for kind in [
        DemoKind::Historic,
        DemoKind::HistoricTri,
        DemoKind::Standard,
        DemoKind::StandardTri,
        DemoKind::Producer,
    ] {
        let (frames, stats) = run(kind, WINTER_EVENING, 3.0);
        assert!(frames.len() > 6000, "{kind:?}: {}", frames.len());
        assert_eq!(
            (
                stats.checksum_errors,
                stats.format_errors,
                stats.size_errors
            ),
            (0, 0, 0),
            "{kind:?}"
        );
        assert!(frames.iter().all(|f| f.dropped == 0));
        for f in &frames {
            for g in &f.groups {
                let label = Label::lookup(f.mode, g.name.as_bytes());
                assert!(label.is_some(), "{kind:?}: unknown label {}", g.name);
            }
        }
        let index = match kind {
            DemoKind::Historic => "HCHP",
            DemoKind::HistoricTri => "BASE",
            _ => "EAST",
        };
        let v = values(&frames, index);
        assert!(
            v.windows(2).all(|w| w[0] <= w[1]),
            "{kind:?}: {index} decreased"
        );
        assert!(v.last() > v.first(), "{kind:?}: {index} did not grow");
    }
}

#[test]
fn overloads_happen_and_end() {
    let (frames, _) = run(DemoKind::Historic, WINTER_EVENING, 3.0);
    let with_adps = frames
        .iter()
        .filter(|f| f.groups.iter().any(|g| g.name == "ADPS"))
        .count();
    assert!(
        with_adps > 0 && with_adps < frames.len() / 10,
        "{with_adps}"
    );

    let (frames, stats) = run(DemoKind::HistoricTri, WINTER_EVENING, 3.0);
    let short = frames
        .iter()
        .filter(|f| f.groups[0].name.starts_with("ADIR"))
        .count();
    assert!(short > 0, "no short frame");
    assert!(
        stats.interrupted > 0,
        "the first short frame follows a long frame cut by EOT"
    );

    let (frames, _) = run(DemoKind::StandardTri, WINTER_EVENING, 3.0);
    let overloaded = frames
        .iter()
        .filter_map(|f| f.groups.iter().find(|g| g.name == "STGE"))
        .filter(|g| u32::from_str_radix(&g.value, 16).unwrap() & 0x80 != 0)
        .count();
    assert!(overloaded > 0);
}

#[test]
fn tariff_periods_follow_the_clock() {
    // 21:00 to 23:00 local: peak then off-peak hours.
    let (frames, _) = run(DemoKind::Historic, WINTER_EVENING + 3 * 3600, 2.0);
    let periods: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.groups.iter().find(|g| g.name == "PTEC"))
        .map(|g| g.value.as_str())
        .collect();
    assert_eq!(periods.first(), Some(&"HP.."));
    assert_eq!(periods.last(), Some(&"HC.."));
}

#[test]
fn producer_injects_in_daylight() {
    let (frames, _) = run(DemoKind::Producer, SUMMER_NOON, 1.0);
    let injected = values(&frames, "SINSTI");
    assert!(injected.iter().any(|&v| v > 500), "{:?}", &injected[..10]);
    let eait = values(&frames, "EAIT");
    assert!(eait.last() > eait.first());
}

#[test]
fn french_time_and_horodates() {
    // 2024-03-31 00:59:59 UTC is still winter time; 01:00:00 UTC is summer time.
    assert_eq!(horodate(1_711_846_799), "H240331015959");
    assert_eq!(horodate(1_711_846_800), "E240331030000");
    // 2024-10-27 00:59:59 UTC summer; 01:00:00 UTC back to winter.
    assert_eq!(horodate(1_729_990_799), "E241027025959");
    assert_eq!(horodate(1_729_990_800), "H241027020000");
    // Round trip through the decoder's horodate parser.
    let h = crate::tic::Horodate::parse(horodate(1_718_186_400).as_bytes()).unwrap();
    assert_eq!(h.unix_time(), Ok(1_718_186_400));
}

#[test]
fn noise_corrupts_about_the_requested_share() {
    let mut bytes = vec![b'0'; 100_000];
    add_noise(&mut bytes, 0.01, &mut Rng::new(7));
    let changed = bytes.iter().filter(|&&b| b != b'0').count();
    assert!((700..1300).contains(&changed), "{changed}");
}

/// Over a whole simulated day (every tariff period, a Tempo colour change, a day's maximum
/// rolling over at midnight, overloads) every frame of every kind is accepted by the encoder
/// (`next_frame` returns Ok) and decoded without a single error: a group the simulator gets
/// wrong at one hour of the day only would fail here.
#[test]
fn every_kind_decodes_without_error_over_a_day() {
    for kind in [
        DemoKind::Historic,
        DemoKind::HistoricTri,
        DemoKind::Standard,
        DemoKind::StandardTri,
        DemoKind::Producer,
    ] {
        let mut sim = Simulator::new(kind, 3);
        let mut decoder = Decoder::new();
        let mut frame = Vec::new();
        let (mut sent, mut decoded) = (0, 0);
        let mut t = WINTER_EVENING as f64;
        while t < (WINTER_EVENING + 86_400) as f64 {
            frame.clear();
            if let Err(e) = sim.next_frame(t, &mut frame) {
                panic!("{kind:?} at {t}: {e}");
            }
            sent += frame
                .iter()
                .filter(|&&b| b == crate::tic::control::ETX)
                .count();
            decoder.feed(&frame, |f| {
                assert_eq!(f.dropped, 0, "{kind:?} at {t}");
                decoded += 1;
            });
            t += 4.0;
        }
        let s = decoder.stats();
        let errors = [
            s.checksum_errors,
            s.format_errors,
            s.size_errors,
            s.width_errors,
            s.charset_errors,
            s.unknown_groups,
        ];
        assert_eq!(errors, [0; 6], "{kind:?}: {s:?}");
        assert_eq!(decoded, sent, "{kind:?}: every frame sent is decoded");
        assert!(sent > 20_000, "{kind:?}: {sent}");
    }
}

/// The Tempo meter's STGE colours decode to what its LTARF says today, tomorrow's colour is
/// unknown before 11:00 and known after, and over a winter month all three colours occur.
#[test]
fn tempo_colours_agree_between_stge_and_ltarf() {
    use crate::tic::stge::{Stge, TempoColor};
    let mut seen = std::collections::HashSet::new();
    for day in 0..30 {
        // 09:00 and 13:00 local (UTC+1) on successive January days.
        for (hour, announced) in [(8, false), (12, true)] {
            let t = WINTER_EVENING - 17 * 3600 + day * 86_400 + hour * 3600;
            let mut sim = Simulator::new(DemoKind::StandardTri, 5);
            let mut out = Vec::new();
            sim.next_frame(t as f64, &mut out).unwrap();
            let mut frames = Vec::new();
            Decoder::new().feed(&out, |f| frames.push(f.to_owned()));
            let value = |label: &str| {
                let g = frames[0].groups.iter().find(|g| g.name == label).unwrap();
                g.value.clone()
            };
            let stge = Stge::parse(&value("STGE")).unwrap();
            let today = stge.tempo_today().unwrap();
            let word = match today {
                TempoColor::Blue => "BLEU",
                TempoColor::White => "BLANC",
                TempoColor::Red => "ROUGE",
            };
            assert!(value("LTARF").contains(word), "day {day}: {today:?}");
            assert_eq!(
                stge.tempo_tomorrow().is_some(),
                announced,
                "day {day} {hour}h"
            );
            seen.insert(today);
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}

/// `overload=60s`: the meter state built from the frames (what teleinfo_overload exports)
/// says overloaded for the whole window, every kind, and not at all in the 10 minutes after.
/// A three-phase historic meter is the one exception the specification makes: during an
/// overrun it sends one long frame (without ADIRn) after every 20 short ones, and the state
/// follows that frame for its 1.5 s.
#[test]
fn overload_on_demand_holds_for_the_window_then_ends() {
    use crate::meter::Meter;
    use crate::meter::plausibility::Stamp;
    // A summer night: the load is low, so only the asked-for overload can trip the meter.
    let start = (SUMMER_NOON + 14 * 3600) as f64;
    for kind in [
        DemoKind::Historic,
        DemoKind::HistoricTri,
        DemoKind::Standard,
        DemoKind::StandardTri,
        DemoKind::Producer,
    ] {
        let mut sim = Simulator::new(kind, 9);
        let mut meter = Meter::new("demo");
        let mut decoder = Decoder::new();
        let mut frame = Vec::new();
        let (mut short, mut long) = (0, 0);
        // Returns whether the last frame decoded was a long one.
        let mut feed = |sim: &mut Simulator, meter: &mut Meter, t: f64| {
            frame.clear();
            sim.next_frame(t, &mut frame).unwrap();
            let at = Stamp { host: t, line: 0.0 };
            let mut was_long = false;
            decoder.feed(&frame, |f| {
                was_long = !f
                    .groups()
                    .next()
                    .is_some_and(|g| g.name.starts_with("ADIR"));
                meter.apply(f, at);
            });
            was_long
        };
        // Ten quiet minutes first: the overload has to start when asked, not be there already.
        let mut t = start - 600.0;
        while t < start {
            feed(&mut sim, &mut meter, t);
            t += 1.5;
        }
        assert!(!meter.overload(), "{kind:?}: overloaded before asked");
        let events = meter.overload_events();
        sim.overload_from(start, 60.0);
        while t < start + 60.0 {
            let was_long = feed(&mut sim, &mut meter, t);
            if kind == DemoKind::HistoricTri && was_long {
                long += 1;
            } else {
                short += 1;
                assert!(
                    meter.overload(),
                    "{kind:?}: not overloaded at +{}s",
                    t - start
                );
            }
            t += 1.5;
        }
        assert!(
            long <= short / 20,
            "{kind:?}: {long} long frames, {short} others"
        );
        // One overload, plus one more each time the state came back after a long frame.
        assert_eq!(
            meter.overload_events(),
            events + 1 + long,
            "{kind:?}: one overload"
        );
        // A frame or two to see the end (a three-phase meter's next long frame).
        while t < start + 70.0 {
            feed(&mut sim, &mut meter, t);
            t += 1.5;
        }
        while t < start + 660.0 {
            feed(&mut sim, &mut meter, t);
            assert!(
                !meter.overload(),
                "{kind:?}: still overloaded at +{}s",
                t - start
            );
            t += 1.5;
        }
    }
}

/// PAPP every 30 s (the backfill's pace) for `days` from a winter midnight, Paris time.
fn papp_every_30s(seed: u64, days: i64) -> Vec<u64> {
    let mut sim = Simulator::new(DemoKind::Historic, seed);
    let start = WINTER_EVENING - 18 * 3600; // 2024-01-15 00:00 local
    let mut out = Vec::new();
    for i in 0..days * 2880 {
        sim.next_frame((start + i * 30) as f64, &mut out).unwrap();
    }
    let mut frames = Vec::new();
    Decoder::new().feed(&out, |f| frames.push(f.to_owned()));
    values(&frames, "PAPP")
}

/// The demo's history looks like a house, not a pattern: the peaks of the past 48 h (what
/// the page's charts show) differ from hour to hour instead of one repeated burst value, the
/// days differ from each other, and the same seed gives the same days (the tests and the
/// screenshots rely on it) while another seed gives other days.
#[test]
fn the_load_varies_like_a_house_and_is_deterministic() {
    let papp = papp_every_30s(42, 14);
    let hourly_max: Vec<u64> = papp[..2 * 2880]
        .chunks(120)
        .map(|h| *h.iter().max().unwrap())
        .collect();
    let mut counts = std::collections::HashMap::new();
    for m in &hourly_max {
        *counts.entry(m).or_insert(0) += 1;
    }
    let (value, most) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(
        *most <= 3,
        "{most} hours peak at {value} VA: {hourly_max:?}"
    );
    // Days differ: in energy (by a third at least over two weeks) and in shape.
    let days: Vec<&[u64]> = papp.chunks(2880).collect();
    let mean: Vec<u64> = days.iter().map(|d| d.iter().sum::<u64>() / 2880).collect();
    let (lo, hi) = (mean.iter().min().unwrap(), mean.iter().max().unwrap());
    assert!(*hi as f64 > *lo as f64 * 1.33, "daily means {mean:?}");
    for pair in days.windows(2) {
        let hour_means = |d: &[u64]| -> Vec<u64> {
            d.chunks(120).map(|h| h.iter().sum::<u64>() / 120).collect()
        };
        assert_ne!(hour_means(pair[0]), hour_means(pair[1]));
    }
    assert_eq!(papp_every_30s(42, 1), papp[..2880], "same seed, same day");
    assert_ne!(
        papp_every_30s(43, 1),
        papp[..2880],
        "another seed, another day"
    );
}
