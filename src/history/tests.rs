//! The history with explicit timestamps: real frames go through a real `Meter` (and so its
//! plausibility filter) before they are recorded, as in the source loop.

use super::*;
use crate::tic::{Decoder, FrameWriter};

/// 2024-01-15 10:00:00 UTC, 11:00 in Paris (winter time); a whole hour.
const T0: f64 = 1_705_312_800.0;
/// [`T0`] as whole seconds, for the series' start times.
const T0_UNIX: i64 = 1_705_312_800;
/// 2024-01-16 00:00 in Paris.
const MIDNIGHT: f64 = 1_705_359_600.0;

fn hc_frame(serial: &str, hchc: u64, hchp: u64, ptec: &str, papp: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = FrameWriter::new(&mut out, Mode::Historic);
    for (label, value) in [
        ("ADCO", serial.to_owned()),
        ("OPTARIF", "HC..".to_owned()),
        ("ISOUSC", "45".to_owned()),
        ("HCHC", format!("{hchc:09}")),
        ("HCHP", format!("{hchp:09}")),
        ("PTEC", ptec.to_owned()),
        ("IINST", "010".to_owned()),
        ("IMAX", "090".to_owned()),
        ("PAPP", format!("{papp:05}")),
        ("HHPHC", "A".to_owned()),
        ("MOTDETAT", "000000".to_owned()),
    ] {
        w.group(label, &value).unwrap();
    }
    w.finish();
    out
}

/// A meter, its history and a decoder, fed as the source loop does.
struct Rig {
    meter: Meter,
    history: History,
    decoder: Decoder,
    /// The ADCO sent: a new one is a replaced meter.
    serial: &'static str,
}

impl Rig {
    fn new() -> Rig {
        let mut meter = Meter::new("m");
        meter.health_mut().open = true;
        Rig {
            meter,
            history: History::new(),
            decoder: Decoder::new(),
            serial: "031762120162",
        }
    }

    fn feed(&mut self, t: f64, hchc: u64, hchp: u64, ptec: &str, papp: u64) {
        let (meter, history) = (&mut self.meter, &mut self.history);
        let at = Stamp { host: t, line: 0.0 };
        let mut frames = 0;
        self.decoder
            .feed(&hc_frame(self.serial, hchc, hchp, ptec, papp), |f| {
                meter.apply(f, at);
                history.record(meter, at);
                frames += 1;
            });
        assert_eq!(frames, 1);
    }

    fn hchp_today(&self, now: f64) -> u64 {
        let i = PERIOD_LABELS
            .iter()
            .position(|&l| l == Label::Hchp)
            .unwrap();
        self.history.today(now).unwrap().periods_wh[i]
    }
}

#[test]
fn an_empty_history_has_full_size_series_of_nothing() {
    let h = History::new();
    let p = h.power_24h(T0);
    assert_eq!(
        (p.avg_va.len(), p.max_va.len()),
        (POWER_POINTS, POWER_POINTS)
    );
    assert!(p.avg_va.iter().all(Option::is_none));
    assert_eq!(p.injected_avg_va, None);
    assert_eq!(
        p.start_unix_seconds,
        T0_UNIX - (POWER_POINTS_I64 - 1) * POWER_STEP_SECONDS
    );
    let e = h.energy_per_hour(T0);
    assert_eq!(e.drawn_wh, vec![None; HOUR_BUCKETS]);
    assert_eq!(e.start_unix_seconds, T0_UNIX - 47 * 3600);
    assert_eq!(h.today(T0), None);
}

#[test]
fn power_points_hold_the_mean_and_max_of_each_step_and_wrap_after_a_day() {
    let step = POWER_STEP_SECONDS as f64;
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1000);
    r.feed(T0 + 10.0, 1000, 5000, "HP..", 2000);
    r.feed(T0 + 20.0, 1000, 5000, "HP..", 3000);
    r.feed(T0 + step, 1000, 5000, "HP..", 500);
    let p = r.history.power_24h(T0 + step + 30.0);
    let n = POWER_POINTS;
    assert_eq!(&p.avg_va[n - 2..], &[Some(2000), Some(500)]);
    assert_eq!(&p.max_va[n - 2..], &[Some(3000), Some(500)]);
    assert_eq!(p.avg_va[n - 3], None);

    // A day later the slot of T0 is reused; T0 itself has left the window.
    let later = T0 + POWER_POINTS as f64 * step;
    r.feed(later, 1000, 5000, "HP..", 700);
    let p = r.history.power_24h(later);
    assert_eq!(p.start_unix_seconds, T0_UNIX + POWER_STEP_SECONDS);
    assert_eq!(p.avg_va[0], Some(500));
    assert_eq!(p.avg_va[n - 1], Some(700));
    assert_eq!(p.avg_va.iter().flatten().count(), 2);
    // Read again much later, nothing old shows up as recent.
    let p = r.history.power_24h(later + 2.0 * 86_400.0);
    assert!(p.avg_va.iter().all(Option::is_none));
}

#[test]
fn today_counts_index_deltas_per_tariff_period() {
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1200);
    // The first reading is only a baseline.
    let t = r.history.today(T0).unwrap();
    assert_eq!((t.since, t.drawn_wh), (T0, 0));
    r.feed(T0 + 60.0, 1000, 5010, "HP..", 1200);
    r.feed(T0 + 120.0, 1000, 5030, "HP..", 1200);
    r.feed(T0 + 180.0, 1004, 5030, "HC..", 300);
    let t = r.history.today(T0 + 200.0).unwrap();
    assert_eq!(t.drawn_wh, 34);
    assert_eq!(r.hchp_today(T0 + 200.0), 30);
    let hchc = PERIOD_LABELS
        .iter()
        .position(|&l| l == Label::Hchc)
        .unwrap();
    assert_eq!(t.periods_wh[hchc], 4);
    assert_eq!(r.history.period_name(Label::Hchp), Some("HP.."));
    assert_eq!(r.history.period_name(Label::Hchc), Some("HC.."));
    assert_eq!(r.history.period_name(Label::Base), None);
    let e = r.history.energy_per_hour(T0 + 200.0);
    assert_eq!(e.drawn_wh[HOUR_BUCKETS - 1], Some(34));
    assert_eq!(e.drawn_wh[HOUR_BUCKETS - 2], None);
    assert_eq!(e.injected_wh, None);
}

#[test]
fn today_restarts_at_local_midnight() {
    let mut r = Rig::new();
    r.feed(MIDNIGHT - 60.0, 1000, 5000, "HP..", 1000);
    r.feed(MIDNIGHT - 30.0, 1000, 5010, "HP..", 1000);
    assert_eq!(r.history.today(MIDNIGHT - 1.0).unwrap().drawn_wh, 10);
    // After midnight, before any reading: nothing is known about the new day yet.
    assert_eq!(r.history.today(MIDNIGHT + 5.0), None);
    // 20 Wh grew between 23:59:30 and 00:00:30: half of it belongs to the new day.
    r.feed(MIDNIGHT + 30.0, 1000, 5030, "HC..", 1000);
    let t = r.history.today(MIDNIGHT + 30.0).unwrap();
    assert_eq!((t.since, t.drawn_wh), (MIDNIGHT, 10));
    assert_eq!(r.hchp_today(MIDNIGHT + 30.0), 10);
    let e = r.history.energy_per_hour(MIDNIGHT + 30.0);
    assert_eq!(&e.drawn_wh[HOUR_BUCKETS - 2..], &[Some(20), Some(10)]);
}

#[test]
fn a_replaced_meter_gives_no_negative_energy() {
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1000);
    r.feed(T0 + 2.0, 1000, 5010, "HP..", 1000);
    // A new meter (a new serial number) starts near zero: its low indexes are refused until
    // the new serial has settled (three frames), then taken as the new baseline.
    r.serial = "041862220999";
    for (i, hchp) in [100, 101, 102, 103].into_iter().enumerate() {
        r.feed(T0 + 4.0 + 2.0 * i as f64, 50, hchp, "HP..", 1000);
    }
    assert_eq!(r.meter.number(Label::Hchp), Some(103));
    // 10 Wh on the old meter, then 1 Wh on the new one (102 -> 103): the drop is not energy.
    assert_eq!(r.history.today(T0 + 12.0).unwrap().drawn_wh, 11);
    // Growth on the new meter counts.
    r.feed(T0 + 14.0, 50, 110, "HP..", 1000);
    let t = r.history.today(T0 + 14.0).unwrap();
    assert_eq!(t.drawn_wh, 18);
    assert_eq!(r.hchp_today(T0 + 14.0), 18);
    assert!(r.meter.health().implausible > 0);
}

#[test]
fn a_jump_the_filter_took_as_a_new_baseline_is_not_energy() {
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1000);
    // +1 MWh in seconds, persisting: the meter's filter rebases on it after confirmations.
    for i in 0..4u32 {
        r.feed(
            T0 + 2.0 + 2.0 * f64::from(i),
            1000,
            1_005_000 + u64::from(i),
            "HP..",
            1000,
        );
    }
    assert_eq!(r.meter.number(Label::Hchp), Some(1_005_003));
    r.feed(T0 + 12.0, 1000, 1_005_008, "HP..", 1000);
    assert_eq!(r.history.today(T0 + 12.0).unwrap().drawn_wh, 5);
}

#[test]
fn energy_of_a_gap_is_spread_over_its_hours() {
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1000);
    // The source was down 2.5 hours; 2.5 kWh appear at the next reading.
    r.feed(T0 + 9000.0, 1000, 7500, "HP..", 1000);
    let e = r.history.energy_per_hour(T0 + 9000.0);
    assert_eq!(
        &e.drawn_wh[HOUR_BUCKETS - 3..],
        &[Some(1000), Some(1000), Some(500)]
    );
    assert_eq!(r.history.today(T0 + 9000.0).unwrap().drawn_wh, 2500);
}

#[test]
fn hourly_buckets_wrap_after_two_days() {
    let mut r = Rig::new();
    r.feed(T0, 1000, 5000, "HP..", 1000);
    r.feed(T0 + 60.0, 1000, 5005, "HP..", 1000);
    let later = T0 + 48.0 * 3600.0;
    // Two days later (plausible growth), in the same bucket slot as T0's hour.
    r.feed(later, 1000, 6000, "HP..", 1000);
    r.feed(later + 60.0, 1000, 6007, "HP..", 1000);
    let e = r.history.energy_per_hour(later + 60.0);
    assert_eq!(e.start_unix_seconds, T0_UNIX + 3600);
    // The gap's energy was spread over 48 h; T0's own 5 Wh left the window with its hour.
    let last = e.drawn_wh[HOUR_BUCKETS - 1].unwrap();
    assert!((7..=30).contains(&last), "{last}");
    assert_eq!(e.drawn_wh.iter().flatten().count(), HOUR_BUCKETS);
}

#[test]
fn producers_get_injected_series() {
    let mut h = History::new();
    let mut meter = Meter::new("solar");
    let mut decoder = Decoder::new();
    for (i, eait) in [4_812_345u64, 4_812_360].into_iter().enumerate() {
        let mut out = Vec::new();
        let mut w = FrameWriter::new(&mut out, Mode::Standard);
        w.group("ADSC", "041662343035").unwrap();
        w.group("EAST", "000000002").unwrap();
        w.group("EASF01", "000000002").unwrap();
        w.group("EAIT", &format!("{eait:09}")).unwrap();
        w.group("SINSTS", "00000").unwrap();
        w.group("SINSTI", "02650").unwrap();
        w.group("PCOUP", "06").unwrap();
        w.group("NTARF", "01").unwrap();
        w.group("LTARF", " INDEX NON CONSO").unwrap();
        w.finish();
        let at = Stamp {
            host: T0 + POWER_STEP_SECONDS as f64 * i as f64,
            line: 0.0,
        };
        decoder.feed(&out, |f| {
            meter.apply(f, at);
            h.record(&meter, at);
        });
    }
    assert!(h.ever_injected());
    let end = T0 + POWER_STEP_SECONDS as f64;
    let t = h.today(end).unwrap();
    assert_eq!((t.drawn_wh, t.injected_wh), (0, 15));
    let p = h.power_24h(end);
    let inj = p.injected_avg_va.unwrap();
    assert_eq!(&inj[POWER_POINTS - 2..], &[Some(2650), Some(2650)]);
    assert_eq!(p.avg_va[POWER_POINTS - 1], Some(0));
    let e = h.energy_per_hour(end);
    assert_eq!(e.injected_wh.unwrap()[HOUR_BUCKETS - 1], Some(15));
    assert_eq!(h.period_name(Label::Easf01), Some("INDEX NON CONSO"));
}
