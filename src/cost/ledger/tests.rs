use super::*;
use crate::meter::plausibility::Stamp;
use crate::tic::{Decoder, FrameWriter};

/// Prices chosen so that every case gives a different figure: the Tempo blue off-peak price
/// changes on 29 March 2026, the day summer time starts (02:00 → 03:00 local, 01:00 UTC).
const PRICES: &str = "\
[[base]]
from = 2026-03-01
base = 0.25
subscription = { 9 = 20.00 }
[[hphc]]
from = 2026-03-01
hc = 0.18
hp = 0.22
subscription = { 9 = 21.00 }
[[tempo]]
from = 2026-03-01
blue_hc = 0.10
blue_hp = 0.20
white_hc = 0.30
white_hp = 0.40
red_hc = 0.50
red_hp = 0.60
subscription = { 9 = 22.00 }
[[tempo]]
from = 2026-03-29
blue_hc = 0.15
blue_hp = 0.20
white_hc = 0.30
white_hp = 0.40
red_hc = 0.50
red_hp = 0.60
subscription = { 9 = 23.00 }
";

fn book() -> Arc<PriceBook> {
    Arc::new(PriceBook::parse(PRICES, "test").unwrap())
}

/// Unix time of a French local time on a day of 2026.
fn local(month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
    local_hour_to_unix(Civil::days_from_civil(2026, month, day), hour)
        + i64::from(minute) * 60
        + i64::from(second)
}

/// A historic Tempo meter (9 kVA: ISOUSC 45 A × 200 V).
struct TempoMeter {
    meter: Meter,
    decoder: Decoder,
}

impl TempoMeter {
    fn new(book: Arc<PriceBook>) -> TempoMeter {
        let mut meter = Meter::new("house");
        meter.set_prices(book);
        TempoMeter {
            meter,
            decoder: Decoder::new(),
        }
    }

    /// One frame at `at`: the period now, and the blue-day indexes (the others stay).
    fn frame(&mut self, at: i64, ptec: &str, blue_hc: u64, blue_hp: u64) {
        let mut bytes = Vec::new();
        let mut w = FrameWriter::new(&mut bytes, Mode::Historic);
        let (hc, hp) = (format!("{blue_hc:09}"), format!("{blue_hp:09}"));
        for (label, value) in [
            ("ADCO", "031762120162"),
            ("OPTARIF", "BBR("),
            ("ISOUSC", "45"),
            ("BBRHCJB", hc.as_str()),
            ("BBRHPJB", hp.as_str()),
            ("BBRHCJW", "000100000"),
            ("BBRHPJW", "000200000"),
            ("BBRHCJR", "000030000"),
            ("BBRHPJR", "000040000"),
            ("PTEC", ptec),
            ("DEMAIN", "----"),
            ("IINST", "010"),
            ("IMAX", "090"),
            ("PAPP", "02300"),
            ("HHPHC", "Y"),
        ] {
            w.group(label, value).unwrap();
        }
        w.finish();
        let meter = &mut self.meter;
        #[expect(
            clippy::cast_precision_loss,
            reason = "test times are Unix seconds of 2026"
        )]
        let host = at as f64;
        self.decoder
            .feed(&bytes, |f| meter.apply(f, Stamp { host, line: 0.0 }));
    }

    fn ledger(&self) -> &Ledger {
        self.meter.cost().unwrap()
    }

    fn cost_of(&self, label: Label) -> f64 {
        self.ledger()
            .period_costs()
            .find(|&(l, _)| l == label)
            .unwrap()
            .1
    }

    fn compared(&self, b: Builtin) -> Option<f64> {
        self.ledger()
            .compared()
            .find(|&(o, _, _)| o == b)
            .map(|(_, euros, _)| euros)
    }
}

/// The frames of the night of 28 to 29 March 2026 and its morning.
fn the_night_of_the_switch(m: &mut TempoMeter) {
    // 00:30 local (winter time, 23:30 UTC on the 28th): the baseline, nothing priced.
    m.frame(local(3, 29, 0, 30, 0), "HCJB", 1_000_000, 500_000);
    // 03:30 local, summer time already: +2 000 Wh off-peak at the old price, 0.10.
    m.frame(local(3, 29, 3, 30, 0), "HCJB", 1_002_000, 500_000);
    // 05:59:50: +1 000 Wh, still the old price (the new row starts at 06:00 local, 04:00 UTC;
    // a clock one hour off, in winter time, would have started it at 05:00 local).
    m.frame(local(3, 29, 5, 59, 50), "HCJB", 1_003_000, 500_000);
    // 06:00:10: +500 Wh off-peak that arrives after 06:00: priced at the new 0.15.
    m.frame(local(3, 29, 6, 0, 10), "HPJB", 1_003_500, 500_000);
    // 07:00: +3 000 Wh peak at 0.20.
    m.frame(local(3, 29, 7, 0, 0), "HPJB", 1_003_500, 503_000);
}

#[test]
fn cost_across_a_price_change_at_six_on_the_day_summer_time_starts() {
    let mut m = TempoMeter::new(book());
    the_night_of_the_switch(&mut m);
    // By hand: off-peak 2 000 × 0.10 + 1 000 × 0.10 + 500 × 0.15 = 0.375 €;
    // peak 3 000 × 0.20 = 0.60 €.
    assert_eq!(m.cost_of(Label::Bbrhcjb), 0.375);
    assert_eq!(m.cost_of(Label::Bbrhpjb), 0.60);
    assert_eq!(m.cost_of(Label::Bbrhpjr), 0.0);
    assert_eq!(m.ledger().option_name(), Some("tempo"));
    // The same 6 500 Wh on Base: 6 500 × 0.25 = 1.625 €; on HP/HC, Tempo's off-peak hours
    // being HP/HC's: 3 500 × 0.18 + 3 000 × 0.22 = 1.29 €. Tempo itself: 0.975 €.
    assert_eq!(m.compared(Builtin::Base), Some(1.625));
    assert_eq!(m.compared(Builtin::Hphc), Some(1.29));
    assert_eq!(m.compared(Builtin::Tempo), Some(0.975));
    assert_eq!(m.compared(Builtin::Ejp), None);
    assert_eq!(m.ledger().subscription(), Some(23.00));
    assert_eq!(m.ledger().unpriced_wh(), 0);
    // Prices now: the new row.
    let now: Vec<_> = m.ledger().prices_now().collect();
    assert!(now.contains(&(Label::Bbrhcjb, 0.15)), "{now:?}");
}

#[test]
fn today_starts_at_the_first_frame_then_at_local_midnight() {
    let mut m = TempoMeter::new(book());
    the_night_of_the_switch(&mut m);
    let today = m.ledger().today(local(3, 29, 8, 0, 0));
    assert_eq!(today.since, local(3, 29, 0, 30, 0));
    assert_eq!(euros(today.own), 0.975);
    assert_eq!(euros(today.compared[Builtin::Base as usize]), 1.625);
    // The next day, a frame after midnight: today starts at local midnight (22:00 UTC in
    // summer), with what was drawn since.
    m.frame(local(3, 30, 0, 10, 0), "HCJB", 1_004_500, 503_000);
    let today = m.ledger().today(local(3, 30, 0, 20, 0));
    assert_eq!(today.since, local(3, 30, 0, 0, 0));
    assert_eq!(euros(today.own), 0.15); // 1 000 Wh × 0.15
    // This month kept the whole of it.
    let month = m.ledger().month(local(3, 30, 0, 20, 0));
    assert_eq!(month.since, local(3, 29, 0, 30, 0));
    assert_eq!(euros(month.own), 1.125);
    // A day with no frame yet reads as nothing since its midnight.
    let later = m.ledger().today(local(3, 31, 9, 0, 0));
    assert_eq!((later.since, later.own), (local(3, 31, 0, 0, 0), 0));
}

#[test]
fn a_restart_starts_from_zero_and_prices_only_what_comes_after() {
    let mut m = TempoMeter::new(book());
    m.frame(local(3, 29, 5, 59, 50), "HCJB", 1_003_000, 500_000);
    assert_eq!(m.cost_of(Label::Bbrhcjb), 0.0);
    m.frame(local(3, 29, 7, 0, 0), "HPJB", 1_003_500, 503_000);
    assert_eq!(m.cost_of(Label::Bbrhcjb), 0.075);
    assert_eq!(m.cost_of(Label::Bbrhpjb), 0.60);
}

#[test]
fn energy_before_the_first_row_is_counted_as_unpriced() {
    let mut m = TempoMeter::new(book());
    m.frame(local(2, 27, 12, 0, 0), "HPJB", 1_000_000, 500_000);
    m.frame(local(2, 27, 13, 0, 0), "HPJB", 1_000_000, 501_000);
    assert_eq!(m.ledger().unpriced_wh(), 1_000);
    // No price, so no cost series yet: not a cost of 0 € that would read as free energy.
    assert!(m.ledger().period_costs().next().is_none());
    assert!(m.ledger().prices_now().next().is_none());
}

#[test]
fn after_a_rebaseline_the_next_values_are_a_baseline_not_a_cost() {
    // The meter keeps its own cost account; this one is driven by hand.
    let mut m = TempoMeter::new(book());
    let mut ledger = Ledger::new(book());
    m.frame(local(3, 29, 7, 0, 0), "HPJB", 1_000_000, 500_000);
    ledger.record(&m.meter, local(3, 29, 7, 0, 0));
    m.frame(local(3, 29, 7, 1, 0), "HPJB", 1_000_000, 500_100);
    ledger.record(&m.meter, local(3, 29, 7, 1, 0));
    // Another meter (or mode) whose index is far ahead: a new baseline, not 399 900 Wh.
    ledger.rebaseline();
    let mut other = TempoMeter::new(book());
    other.frame(local(3, 29, 7, 2, 0), "HPJB", 1_000_000, 900_000);
    ledger.record(&other.meter, local(3, 29, 7, 2, 0));
    other.frame(local(3, 29, 7, 3, 0), "HPJB", 1_000_000, 900_100);
    ledger.record(&other.meter, local(3, 29, 7, 3, 0));
    let peak = ledger
        .period_costs()
        .find(|&(l, _)| l == Label::Bbrhpjb)
        .unwrap()
        .1;
    assert_eq!(peak, 0.04); // 2 × 100 Wh × 0.20
}

/// A Linky in standard mode on the Tempo calendar: EASF02 is blue peak hours.
#[test]
fn standard_mode_prices_the_supplier_indexes_by_the_calendar() {
    let mut meter = Meter::new("linky");
    meter.set_prices(book());
    let mut decoder = Decoder::new();
    // 100 Wh in a minute (6 kW, under the 9 kVA subscribed: plausible). EAST is the sum of
    // the supplier indexes and grows with them, as on a real meter.
    for (minute, easf02) in [(0u8, 6_410_904u64), (1, 6_411_004)] {
        let mut bytes = Vec::new();
        let mut w = FrameWriter::new(&mut bytes, Mode::Standard);
        let v = format!("{easf02:09}");
        let east = format!("{:09}", 24_921_074 + easf02);
        for (label, value) in [
            ("ADSC", "022176055084"),
            ("NGTF", "     TEMPO      "),
            ("LTARF", "    HP  BLEU    "),
            ("EAST", east.as_str()),
            ("EASF01", "024921074"),
            ("EASF02", v.as_str()),
            ("PREF", "09"),
            ("PCOUP", "09"),
            ("NTARF", "02"),
        ] {
            w.group(label, value).unwrap();
        }
        w.finish();
        #[expect(
            clippy::cast_precision_loss,
            reason = "test times are Unix seconds of 2026"
        )]
        let host = local(4, 2, 10, minute, 0) as f64;
        decoder.feed(&bytes, |f| meter.apply(f, Stamp { host, line: 0.0 }));
    }
    let ledger = meter.cost().unwrap();
    let cost: Vec<_> = ledger.period_costs().filter(|&(_, e)| e > 0.0).collect();
    assert_eq!(cost, [(Label::Easf02, 0.02)]); // 100 Wh × 0.20
    assert_eq!(ledger.subscription(), Some(23.00));
}

/// The figure end to end: frames across a price change at 06:00 on the day summer
/// time starts, and `/metrics` carries the hand-computed cost to the cent.
#[test]
fn the_exposition_carries_the_hand_computed_cost() {
    use crate::metrics::{Format, Snapshot};
    let mut m = TempoMeter::new(book());
    m.meter.health_mut().open = true;
    the_night_of_the_switch(&mut m);
    #[expect(
        clippy::cast_precision_loss,
        reason = "test times are Unix seconds of 2026"
    )]
    let now = local(3, 29, 7, 0, 5) as f64;
    let text = Snapshot {
        meters: vec![m.meter],
        now,
        stale_after: 30.0,
    }
    .render(Format::Text);
    for line in [
        "teleinfo_cost_euros_total{meter=\"house\",period=\"BBRHCJB\"} 0.375",
        "teleinfo_cost_euros_total{meter=\"house\",period=\"BBRHPJB\"} 0.6",
        "teleinfo_cost_euros_total{meter=\"house\",period=\"BBRHCJR\"} 0.0",
        "teleinfo_price_euros_per_kwh{meter=\"house\",period=\"BBRHCJB\"} 0.15",
        "teleinfo_subscription_euros_per_month{meter=\"house\"} 23.0",
        "teleinfo_option_cost_euros_total{meter=\"house\",option=\"base\"} 1.625",
        "teleinfo_option_cost_euros_total{meter=\"house\",option=\"hphc\"} 1.29",
        "teleinfo_option_cost_euros_total{meter=\"house\",option=\"tempo\"} 0.975",
        "teleinfo_option_subscription_euros_per_month{meter=\"house\",option=\"base\"} 20.0",
        "teleinfo_unpriced_energy_wh_total{meter=\"house\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
    }
    assert!(
        !text.contains("option=\"ejp\""),
        "EJP cannot price Tempo's periods"
    );
}

/// "Which option is cheaper" counts the subscriptions: Tempo's kWh are the cheapest of the
/// night, but at 500 € a month its subscription for the hours of the window outweighs them.
#[test]
fn the_comparison_counts_each_options_subscription_for_the_window() {
    let prices = PRICES.replace(
        "subscription = { 9 = 23.00 }",
        "subscription = { 9 = 500.00 }",
    );
    let mut m = TempoMeter::new(Arc::new(PriceBook::parse(&prices, "test").unwrap()));
    the_night_of_the_switch(&mut m);
    let now = local(3, 29, 7, 0, 5);
    let today = m.ledger().today(now);
    let got = m.ledger().comparison(&today, now);
    let options: Vec<_> = got.iter().map(|c| c.option).collect();
    assert_eq!(options, [Builtin::Hphc, Builtin::Base, Builtin::Tempo]);
    // By energy alone the order is the other way round.
    let energy = |b| m.compared(b).unwrap();
    assert!(energy(Builtin::Tempo) < energy(Builtin::Hphc));
    assert!(energy(Builtin::Hphc) < energy(Builtin::Base));
    // Since the first frame, 00:30 local: 5.5 hours and 5 s (summer time took one), 19 805 s
    // of a 2 629 800 s month.
    assert_eq!(now - today.since, 19_805);
    let tempo = got[2];
    assert!(tempo.own && !got[0].own);
    assert_eq!(tempo.euros, energy(Builtin::Tempo));
    assert_eq!(tempo.subscription, Some(500.0));
    let share = 500.0 * 19_805.0 / 2_629_800.0;
    assert_eq!(tempo.with_subscription, Some(tempo.euros + share));
}

#[test]
fn an_option_without_a_subscription_at_the_meters_power_comes_last() {
    let prices = PRICES.replace(
        "subscription = { 9 = 20.00 }",
        "subscription = { 12 = 20.00 }",
    );
    let mut m = TempoMeter::new(Arc::new(PriceBook::parse(&prices, "test").unwrap()));
    the_night_of_the_switch(&mut m);
    let now = local(3, 29, 7, 0, 5);
    let got = m.ledger().comparison(&m.ledger().today(now), now);
    let last = got.last().unwrap();
    assert_eq!((last.option, last.with_subscription), (Builtin::Base, None));
    assert!(got[..2].iter().all(|c| c.with_subscription.is_some()));
}
