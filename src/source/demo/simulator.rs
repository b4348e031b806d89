//! A simulated meter that writes real frames through `tic::encode`.
//!
//! Used by the `demo` sources, the tests and the load tools. Time is given by the caller (so
//! tests are deterministic); the load follows a believable house, different each day (drawn
//! from the seeded RNG): a base load and a fridge, morning, noon and evening peaks of varying
//! size, winter heating, a water heater during off-peak hours, cooking, washing and now and
//! then a dryer or a car charge, short loads at random, and now and then a burst of random
//! size above the subscription (ADPS in historic mode, ADIRn and short frames on a
//! three-phase meter, STGE bit 7 in standard mode), or one asked for (`overload_from`). Indexes grow with
//! the power drawn; a producer injects a solar bell curve. Tariff periods follow the clock
//! (off-peak 22:00–06:00) and Tempo colours follow the calendar.

use crate::config::DemoKind;
pub use crate::localtime::{Civil, paris_time};
use crate::tic::stge::TempoColor;
use crate::tic::{EncodeError, FrameWriter, Mode};

/// A small deterministic PRNG (xorshift64*): enough for a simulation, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `SYYMMDDhhmmss` for a Unix time (season E/H from the French calendar).
pub fn horodate(unix: i64) -> String {
    let (_, summer, t) = paris_time(unix);
    format!(
        "{}{:02}{:02}{:02}{:02}{:02}{:02}",
        if summer { 'E' } else { 'H' },
        t.year.rem_euclid(100),
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second
    )
}

/// Tempo colour of a day, deterministic from the date: red only in winter on weekdays, white
/// now and then, blue most days (about the real yearly split of 22 red, 43 white days).
fn tempo_color(day_number: i64, month: u8) -> TempoColor {
    let h = day_number
        .cast_unsigned()
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        >> 58; // 0..63
    let winter = matches!(month, 11 | 12 | 1 | 2 | 3);
    let weekday = (day_number + 4).rem_euclid(7); // 0 = Sunday
    if winter && weekday != 0 && weekday != 6 && h < 12 {
        TempoColor::Red
    } else if weekday != 0 && h >= 56 {
        TempoColor::White
    } else {
        TempoColor::Blue
    }
}

/// The 2-bit STGE field of a Tempo colour (the inverse of [`TempoColor::from_bits`]); 0 is
/// "not known yet", as for tomorrow's colour before the supplier announces it.
fn tempo_bits(color: Option<TempoColor>) -> u32 {
    match color {
        None => 0,
        Some(TempoColor::Blue) => 1,
        Some(TempoColor::White) => 2,
        Some(TempoColor::Red) => 3,
    }
}

/// A stretch of time (local hours of one day, possibly past 24) where an appliance draws.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: f64,
    end: f64,
    watts: f64,
}

/// What one day of the simulated house looks like, drawn at midnight from the simulator's
/// RNG (so the same seed gives the same days): how strong the meal peaks are and when, how
/// cold it is, how long the water heater runs, and which big appliances run at all today.
/// The week-long shape is then varied like a real household's, never one day copied.
#[derive(Debug, Clone)]
struct DayPlan {
    morning: f64,
    noon: f64,
    evening: f64,
    /// Early or late day, hours.
    shift: f64,
    /// Heating power on a winter day, VA.
    cold: f64,
    heater_start: f64,
    heater_hours: f64,
    heater_watts: f64,
    runs: Vec<Run>,
}

impl DayPlan {
    fn draw(rng: &mut Rng, kind: DemoKind) -> DayPlan {
        let mut u = |lo: f64, hi: f64| lo + rng.unit() * (hi - lo);
        let mut runs = Vec::new();
        let run = |runs: &mut Vec<Run>, start: f64, hours: f64, watts: f64| {
            runs.push(Run {
                start,
                end: start + hours,
                watts,
            })
        };
        let morning = u(900.0, 1800.0);
        let noon = u(200.0, 1000.0);
        let evening = u(1300.0, 2600.0);
        let shift = u(-0.6, 0.6);
        let cold = u(0.0, 2500.0);
        let heater_start = u(22.0, 23.5);
        let heater_hours = u(0.8, 4.0);
        let heater_watts = u(1800.0, 2400.0);
        // Dinner in the oven on most days, lunch some days.
        if u(0.0, 1.0) < 0.8 {
            run(&mut runs, u(18.3, 20.3), u(0.3, 1.0), u(1500.0, 3000.0));
        }
        if u(0.0, 1.0) < 0.4 {
            run(&mut runs, u(11.8, 13.0), u(0.2, 0.7), u(1000.0, 2400.0));
        }
        // Washing machine: heats the water, then turns the drum.
        if u(0.0, 1.0) < 0.45 {
            let at = u(8.0, 21.0);
            let heat = u(0.15, 0.35);
            run(&mut runs, at, heat, u(1800.0, 2300.0));
            run(&mut runs, at + heat, u(0.7, 1.3), u(150.0, 450.0));
        }
        // Dishwasher after dinner: heating, washing, drying.
        if u(0.0, 1.0) < 0.6 {
            let at = u(20.5, 23.0);
            run(&mut runs, at, 0.3, u(1800.0, 2200.0));
            run(&mut runs, at + 0.3, u(0.6, 1.0), u(80.0, 200.0));
            run(&mut runs, at + 1.2, 0.25, u(1200.0, 1700.0));
        }
        // The big ones, not every day: a tumble dryer, a car charging overnight.
        if u(0.0, 1.0) < 0.2 {
            run(&mut runs, u(9.0, 20.0), u(0.8, 1.6), u(2000.0, 2700.0));
        }
        if kind != DemoKind::Producer && u(0.0, 1.0) < 0.15 {
            run(&mut runs, u(22.0, 23.5), u(2.0, 6.0), u(2800.0, 3600.0));
        }
        DayPlan {
            morning,
            noon,
            evening,
            shift,
            cold,
            heater_start,
            heater_hours,
            heater_watts,
            runs,
        }
    }

    /// Whether the water heater runs at `hours`: tonight's run from `heater_start`, or what
    /// is left of last night's (`overnight`, hours after midnight).
    fn heater_on(&self, overnight: &f64, hours: f64) -> bool {
        hours < *overnight
            || (self.heater_start..self.heater_start + self.heater_hours).contains(&hours)
    }
}

/// The simulated meter.
#[derive(Debug, Clone)]
pub struct Simulator {
    kind: DemoKind,
    rng: Rng,
    last: Option<f64>,
    /// Energy per supplier index (Wh), fractional between frames.
    index: [f64; 10],
    injected: f64,
    reactive: [f64; 4],
    voltage: [f64; 3],
    /// An appliance running: (extra VA, until).
    appliance: Option<(f64, f64)>,
    /// A burst above the subscription: until, and its size (× subscription).
    overload_until: f64,
    burst: f64,
    /// Today's household, and what runs on past last midnight.
    plan: DayPlan,
    overnight: Vec<Run>,
    overnight_heater: f64,
    next_overload: f64,
    /// Three-phase historic: short frames are sent while overloaded and a minute after.
    short_frames_until: f64,
    short_count: u32,
    /// Today's maximum apparent power drawn and injected, and when.
    max_today: (u32, i64),
    max_yesterday: (u32, i64),
    max_injected_today: (u32, i64),
    max_injected_yesterday: (u32, i64),
    day: i64,
    /// Load curve: running sum of active power over the current 30-minute period.
    curve: CurveAccumulator,
}

#[derive(Debug, Clone, Default)]
struct CurveAccumulator {
    period_start: i64,
    sum_drawn: f64,
    sum_injected: f64,
    seconds: f64,
    points: [(i64, u32, u32); 2], // (end time, drawn W, injected W): current, previous
}

impl Simulator {
    pub fn new(kind: DemoKind, seed: u64) -> Simulator {
        let mut rng = Rng::new(seed);
        let start = 1_000_000.0 + rng.unit() * 20_000_000.0;
        Simulator {
            kind,
            last: None,
            index: [
                start * 0.6,
                start * 0.4,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
            ],
            injected: if kind == DemoKind::Producer {
                start * 0.8
            } else {
                0.0
            },
            reactive: [start * 0.01, start * 0.002, start * 0.001, start * 0.005],
            voltage: [232.0, 234.0, 231.0],
            appliance: None,
            overload_until: 0.0,
            burst: 1.12,
            plan: DayPlan::draw(&mut rng, kind),
            overnight: Vec::new(),
            overnight_heater: 0.0,
            next_overload: 0.0,
            short_frames_until: 0.0,
            short_count: 0,
            max_today: (0, 0),
            max_yesterday: (0, 0),
            max_injected_today: (0, 0),
            max_injected_yesterday: (0, 0),
            day: 0,
            curve: CurveAccumulator::default(),
            rng,
        }
    }

    /// Overloads the meter from `start` for `seconds` (Unix seconds, the demo's
    /// `overload=DURATION`): power above the subscription, hence ADPS / ADIRn or STGE bit 7,
    /// then back to normal. No random burst follows for at least 15 minutes, so that whoever
    /// tests an alert sees it fire once and resolve, not a random burst right after.
    pub fn overload_from(&mut self, start: f64, seconds: f64) {
        self.overload_until = self.overload_until.max(start + seconds);
        self.next_overload = self.next_overload.max(start + seconds + 900.0);
    }

    /// The mode this meter sends.
    pub fn mode(&self) -> Mode {
        match self.kind {
            DemoKind::Historic | DemoKind::HistoricTri => Mode::Historic,
            _ => Mode::Standard,
        }
    }

    /// Subscribed apparent power, VA.
    fn subscription(&self) -> f64 {
        match self.kind {
            DemoKind::Historic => 9000.0,
            DemoKind::HistoricTri | DemoKind::StandardTri => 12_000.0,
            DemoKind::Standard => 9000.0,
            DemoKind::Producer => 6000.0,
        }
    }

    fn three_phase(&self) -> bool {
        matches!(self.kind, DemoKind::HistoricTri | DemoKind::StandardTri)
    }

    /// Apparent power drawn at `t` (Unix seconds, `hours` local, `dt` since the last frame),
    /// VA. A house, not a formula: the day's plan ([`DayPlan`]) puts cooking, washing, a
    /// dryer or a car charge at different times and powers each day, short loads (kettle,
    /// microwave) come at random, more often at meal times, and the sum is kept under the
    /// subscription as a load-shedding relay would, except in the rare bursts above it.
    fn load(&mut self, t: f64, hours: f64, dt: f64, off_peak: bool, month: u8) -> f64 {
        let bell = |center: f64, width: f64| (-((hours - center) / width).powi(2)).exp();
        let fridge = if whole_seconds(t / 600.0) % 2 == 0 {
            120.0
        } else {
            0.0
        };
        let plan = &self.plan;
        let daily = plan.morning * bell(7.3 + plan.shift, 0.8)
            + plan.noon * bell(12.6 + plan.shift, 0.7)
            + plan.evening * bell(19.6 + plan.shift, 1.3);
        // Winter: electric heating, stronger on cold days, morning and evening.
        let winter = matches!(month, 11 | 12 | 1 | 2 | 3);
        let heating = if winter {
            plan.cold * (0.5 + 0.6 * bell(7.0, 2.0) + 0.8 * bell(20.0, 2.5))
        } else {
            0.0
        };
        let runs: f64 = plan
            .runs
            .iter()
            .chain(&self.overnight)
            .filter(|r| (r.start..r.end).contains(&hours))
            .map(|r| r.watts)
            .sum();
        let heater = if off_peak && plan.heater_on(&self.overnight_heater, hours) {
            plan.heater_watts
        } else {
            0.0
        };
        if self.appliance.is_some_and(|(_, until)| t >= until) {
            self.appliance = None;
        }
        // Short loads as a rate per second (so that the backfill's 30 s steps and the live
        // 1.5 s frames see the same house): about 12 a day, most of them around meals.
        let rate = (2.0 + 10.0 * (bell(7.5, 1.0) + bell(12.5, 1.0) + bell(19.5, 1.5))) / 86_400.0;
        if self.appliance.is_none() && self.rng.unit() < 1.0 - (-rate * dt.max(1.0)).exp() {
            let power = 700.0 + self.rng.unit() * 1600.0;
            self.appliance = Some((power, t + 60.0 + self.rng.unit() * 420.0));
        }
        let appliance = self.appliance.map_or(0.0, |(p, _)| p);
        if self.next_overload == 0.0 {
            self.next_overload = t + 600.0 + self.rng.unit() * 3.0 * 3600.0;
        }
        if t >= self.next_overload {
            // A burst of a size and length of its own each time: a real overrun is an
            // accident (oven, kettle and heater together), not a fixed event.
            // max: a random burst never cuts short one asked for with overload_from.
            self.overload_until = self.overload_until.max(t + 10.0 + self.rng.unit() * 50.0);
            self.burst = 1.02 + self.rng.unit() * 0.25;
            // Every 3 to 9 hours: often enough that a demo shows one, rare enough that the
            // charts' peaks are the house's and not a band of bursts.
            self.next_overload = t + (3.0 + self.rng.unit() * 6.0) * 3600.0;
        }
        // ±2 % on the load and ±20 VA of standby devices: a real PAPP never holds still for
        // long, and the live page's browser test relies on seeing it move, even at night.
        let r = self.rng.unit() - 0.5;
        let noise = |va: f64| va * (1.0 + r * 0.04) + r * 40.0;
        let subscription = self.subscription();
        let mut total = noise(250.0 + fridge + daily + heating + runs + appliance + heater);
        if t < self.overload_until {
            return (subscription * self.burst).max(total);
        }
        if total > subscription * 0.95 {
            // The relay sheds the water heater and half the heating first.
            total = noise(250.0 + fridge + daily + heating * 0.5 + runs + appliance);
        }
        // Then whatever is left over is what the household notices and switches off.
        total.min(subscription * (0.9 + 0.07 * self.rng.unit()))
    }

    /// Draws the next day's plan; the runs that go on past midnight are kept for the new day.
    fn plan_day(&mut self) {
        let old = std::mem::replace(&mut self.plan, DayPlan::draw(&mut self.rng, self.kind));
        self.overnight = old
            .runs
            .iter()
            .filter(|r| r.end > 24.0)
            .map(|r| Run {
                start: 0.0,
                end: r.end - 24.0,
                watts: r.watts,
            })
            .collect();
        self.overnight_heater = (old.heater_start + old.heater_hours - 24.0).max(0.0);
    }

    /// Solar production at `hours` (local), VA.
    fn solar(&mut self, hours: f64, month: u8) -> f64 {
        // Strongest in June, about half as strong in December.
        let season = 1.0 - 0.5 * (f64::from(month) - 6.5).abs() / 5.5;
        let day = ((hours - 6.5) / 14.0 * std::f64::consts::PI).sin().max(0.0);
        let clouds = 0.75 + self.rng.unit() * 0.25;
        3000.0 * season * day * clouds
    }

    /// Appends the next frame(s) at time `t` (Unix seconds) to `out`. A three-phase historic
    /// meter may append an interrupted long frame (cut by EOT) before its first short frame.
    ///
    /// An error means the simulator built a group the encoder refuses (a bug here, never a
    /// condition of the simulated line): it is returned rather than dropped so that tests see
    /// it and the demo source can log it. `out` may then hold a partial frame; the meter's
    /// state has advanced as if the frame had been sent.
    pub fn next_frame(&mut self, t: f64, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let dt = self.last.map_or(0.0, |l| (t - l).clamp(0.0, 3600.0));
        self.last = Some(t);
        let unix = whole_seconds(t);
        let (_, _, local) = paris_time(unix);
        let hours = local.hours();
        let off_peak = !(6.0..22.0).contains(&hours);
        if local.day_number() != self.day {
            self.day = local.day_number();
            self.max_yesterday = self.max_today;
            self.max_injected_yesterday = self.max_injected_today;
            self.max_today = (0, unix);
            self.max_injected_today = (0, unix);
            self.plan_day();
        }
        let drawn_total = self.load(t, hours, dt, off_peak, local.month);
        let produced = if self.kind == DemoKind::Producer {
            self.solar(hours, local.month)
        } else {
            0.0
        };
        let drawn = (drawn_total - produced).max(0.0);
        let injected = (produced - drawn_total).max(0.0);
        let color = tempo_color(local.day_number(), local.month);
        let tomorrow = if hours >= 11.0 {
            let (_, _, next) = paris_time(unix + 86_400);
            Some(tempo_color(next.day_number(), next.month))
        } else {
            None // announced at 11:00
        };
        // Energy goes to the index of the current period.
        let supplier = match self.kind {
            DemoKind::StandardTri => {
                let day = match color {
                    TempoColor::Blue => 0,
                    TempoColor::White => 1,
                    TempoColor::Red => 2,
                };
                day * 2 + usize::from(!off_peak)
            }
            DemoKind::Historic | DemoKind::Standard => usize::from(!off_peak),
            DemoKind::HistoricTri | DemoKind::Producer => 0,
        };
        let cos_phi = 0.93;
        self.index[supplier] += drawn * cos_phi * dt / 3600.0;
        self.injected += injected * dt / 3600.0;
        self.reactive[0] += drawn * 0.3 * dt / 3600.0;
        self.reactive[3] += injected * 0.1 * dt / 3600.0;
        for v in &mut self.voltage {
            *v = (*v + (self.rng.unit() - 0.5) * 1.5).clamp(225.0, 245.0);
        }
        let papp = sim_u32((drawn / 10.0).round()) * 10;
        let inj_va = sim_u32(injected.round());
        if papp > self.max_today.0 {
            self.max_today = (papp, unix);
        }
        if inj_va > self.max_injected_today.0 {
            self.max_injected_today = (inj_va, unix);
        }
        self.curve.add(unix, drawn * cos_phi, injected, dt);
        let overloaded = t < self.overload_until;
        let state = FrameState {
            unix,
            off_peak,
            color,
            tomorrow,
            supplier,
            papp,
            injected: inj_va,
            overloaded,
        };
        match self.kind {
            DemoKind::Historic => self.historic_mono(&state, out),
            DemoKind::HistoricTri => self.historic_tri(&state, t, out),
            _ => self.standard(&state, out),
        }
    }

    fn phase_split(&self) -> [f64; 3] {
        if self.three_phase() {
            [0.45, 0.2, 0.35]
        } else {
            [1.0, 0.0, 0.0]
        }
    }

    fn historic_mono(&mut self, s: &FrameState, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let amps = sim_u32((f64::from(s.papp) / self.voltage[0]).round());
        let mut w = FrameWriter::new(out, Mode::Historic);
        let groups = [
            ("ADCO", "031762120162".to_owned()),
            ("OPTARIF", "HC..".to_owned()),
            ("ISOUSC", "45".to_owned()),
            ("HCHC", index_digits(self.index[0])),
            ("HCHP", index_digits(self.index[1])),
            ("PTEC", if s.off_peak { "HC.." } else { "HP.." }.to_owned()),
            ("IINST", format!("{:03}", amps.min(999))),
        ];
        for (label, value) in &groups {
            w.group(label, value)?;
        }
        if s.overloaded {
            w.group("ADPS", &format!("{:03}", amps.min(999)))?;
        }
        for (label, value) in [
            ("IMAX", "090".to_owned()),
            ("PAPP", format!("{:05}", s.papp.min(99_999))),
            ("HHPHC", "A".to_owned()),
            ("MOTDETAT", "000000".to_owned()),
        ] {
            w.group(label, &value)?;
        }
        w.finish();
        Ok(())
    }

    fn tri_currents(&self, papp: u32) -> [u32; 3] {
        let split = self.phase_split();
        [0, 1, 2].map(|i| sim_u32((f64::from(papp) * split[i] / self.voltage[i]).round()))
    }

    fn historic_tri(
        &mut self,
        s: &FrameState,
        t: f64,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let amps = self.tri_currents(s.papp);
        let setting = 20; // ISOUSC per phase
        let over: Vec<usize> = (0..3).filter(|&i| amps[i] > setting).collect();
        if !over.is_empty() {
            if t >= self.short_frames_until {
                // The overrun starts: the long frame in progress is cut by EOT.
                let mut cut = FrameWriter::new(out, Mode::Historic);
                cut.group("ADCO", "021330274552")?;
                cut.group("OPTARIF", "BASE")?;
                out.push(crate::tic::control::EOT);
                self.short_count = 0;
            }
            self.short_frames_until = t + 60.0;
        }
        // 20 short frames, then one long frame, while overloaded and one minute after.
        if t < self.short_frames_until && self.short_count < 20 {
            self.short_count += 1;
            let mut w = FrameWriter::new(out, Mode::Historic);
            for &i in &over {
                w.group(
                    ["ADIR1", "ADIR2", "ADIR3"][i],
                    &format!("{:03}", amps[i].min(999)),
                )?;
            }
            w.group("ADCO", "021330274552")?;
            for (i, label) in ["IINST1", "IINST2", "IINST3"].iter().enumerate() {
                w.group(label, &format!("{:03}", amps[i].min(999)))?;
            }
            w.finish();
            return Ok(());
        }
        self.short_count = 0;
        let mut w = FrameWriter::new(out, Mode::Historic);
        let pmax = self.max_yesterday.0.max(1000);
        let groups = [
            ("ADCO", "021330274552".to_owned()),
            ("OPTARIF", "BASE".to_owned()),
            ("ISOUSC", format!("{setting:02}")),
            ("BASE", index_digits(self.index[0])),
            ("PTEC", "TH..".to_owned()),
            ("IINST1", format!("{:03}", amps[0].min(999))),
            ("IINST2", format!("{:03}", amps[1].min(999))),
            ("IINST3", format!("{:03}", amps[2].min(999))),
            ("IMAX1", "060".to_owned()),
            ("IMAX2", "060".to_owned()),
            ("IMAX3", "060".to_owned()),
            ("PMAX", format!("{:05}", pmax.min(99_999))),
            ("PAPP", format!("{:05}", s.papp.min(99_999))),
            ("HHPHC", "A".to_owned()),
            ("MOTDETAT", "000000".to_owned()),
            ("PPOT", "00".to_owned()),
        ];
        for (label, value) in &groups {
            w.group(label, value)?;
        }
        w.finish();
        Ok(())
    }

    fn standard(&mut self, s: &FrameState, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let producer = self.kind == DemoKind::Producer;
        let (serial, prm, ngtf, ltarf) = self.standard_names(s);
        let hc_relay = s.off_peak && !producer;
        let volts = self.voltage.map(|v| sim_u32(v.round()));
        let phases = if self.three_phase() { 3 } else { 1 };
        let ten_min = s.unix - s.unix.rem_euclid(600);
        let mut w = FrameWriter::new(out, Mode::Standard);
        w.group("ADSC", serial)?;
        w.group("VTIC", "02")?;
        w.horodated("DATE", &horodate(s.unix), "")?;
        w.group("NGTF", ngtf)?;
        w.group("LTARF", ltarf)?;
        self.standard_energy(&mut w)?;
        let amps = self.tri_currents(s.papp);
        for (i, a) in amps.iter().enumerate().take(phases) {
            w.group(&format!("IRMS{}", i + 1), &format!("{:03}", a.min(&999)))?;
        }
        for (i, v) in volts.iter().enumerate().take(phases) {
            w.group(&format!("URMS{}", i + 1), &format!("{v:03}"))?;
        }
        self.standard_power(s, &mut w)?;
        if producer {
            self.standard_injection(s, &mut w)?;
        }
        self.standard_curve(&mut w)?;
        for (i, v) in volts.iter().enumerate().take(phases) {
            w.horodated(
                &format!("UMOY{}", i + 1),
                &horodate(ten_min),
                &format!("{:03}", v.saturating_sub(1)),
            )?;
        }
        w.group("STGE", &format!("{:08X}", self.stge(s, hc_relay)))?;
        w.group("MSG1", "PAS DE          MESSAGE         ")?;
        w.group("PRM", prm)?;
        w.group("RELAIS", &format!("{:03}", u8::from(hc_relay)))?;
        w.group("NTARF", &format!("{:02}", s.supplier + 1))?;
        w.group("NJOURF", "00")?;
        w.group("NJOURF+1", "00")?;
        w.group(
            "PJOURF+1",
            "00004001 06004002 22004001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE",
        )?;
        w.finish();
        Ok(())
    }

    /// Serial number, PRM, supplier calendar name (NGTF) and current period name (LTARF) of
    /// a standard-mode meter.
    fn standard_names(
        &self,
        s: &FrameState,
    ) -> (&'static str, &'static str, &'static str, &'static str) {
        match self.kind {
            DemoKind::StandardTri => (
                "022176055084",
                "30001234567890",
                "     TEMPO      ",
                match (s.color, s.off_peak) {
                    (TempoColor::Red, false) => "    HP  ROUGE   ",
                    (TempoColor::Red, true) => "    HC  ROUGE   ",
                    (TempoColor::White, false) => "    HP  BLANC   ",
                    (TempoColor::White, true) => "    HC  BLANC   ",
                    (TempoColor::Blue, false) => "    HP  BLEU    ",
                    (TempoColor::Blue, true) => "    HC  BLEU    ",
                },
            ),
            DemoKind::Producer => (
                "041662343035",
                "09876543210987",
                "   PRODUCTEUR   ",
                " INDEX NON CONSO",
            ),
            _ => (
                "041876091249",
                "01332272002530",
                "H PLEINE/CREUSE ",
                if s.off_peak {
                    " HEURE  CREUSE  "
                } else {
                    "  HEURE  PLEINE "
                },
            ),
        }
    }

    /// The status register (STGE) of a standard-mode frame.
    fn stge(&self, s: &FrameState, hc_relay: bool) -> u32 {
        let producer = self.kind == DemoKind::Producer;
        let tempo = self.kind == DemoKind::StandardTri;
        // The supplier index is one of the six of `self.index`: four bits are plenty.
        let period_bits = u32::try_from(s.supplier & 0xF).expect("four bits fit in u32");
        let mut stge: u32 = 0x003A_0000; // standard TIC, Euridis secured, CPL new/locked
        stge |= u32::from(!hc_relay); // dry contact open except for the off-peak water heater
        stge |= u32::from(s.overloaded) << 7;
        stge |= u32::from(producer) << 8;
        stge |= u32::from(s.injected > 0) << 9;
        stge |= period_bits << 10;
        stge |= u32::from(s.supplier % 2 == 1 && !tempo) << 14;
        if tempo {
            stge |= tempo_bits(Some(s.color)) << 24;
            stge |= tempo_bits(s.tomorrow) << 26;
        }
        stge
    }

    /// The energy indexes: total, supplier, distributor, and a producer's injected and
    /// reactive ones.
    fn standard_energy(&self, w: &mut FrameWriter<'_>) -> Result<(), EncodeError> {
        let total: f64 = self.index.iter().sum();
        w.group("EAST", &index_digits(total))?;
        for (i, e) in self.index.iter().enumerate() {
            w.group(&format!("EASF{:02}", i + 1), &index_digits(*e))?;
        }
        // Distributor indexes: off-peak and peak hours, winter and summer folded together.
        let hc: f64 = self.index.iter().step_by(2).sum();
        w.group("EASD01", &index_digits(hc))?;
        w.group("EASD02", &index_digits(total - hc))?;
        w.group("EASD03", &index_digits(0.0))?;
        w.group("EASD04", &index_digits(0.0))?;
        if self.kind == DemoKind::Producer {
            w.group("EAIT", &index_digits(self.injected))?;
            for (i, q) in self.reactive.iter().enumerate() {
                w.group(&format!("ERQ{}", i + 1), &index_digits(*q))?;
            }
        }
        Ok(())
    }

    /// Reference power, apparent power now, and today's and yesterday's peaks (per phase on
    /// a three-phase meter).
    fn standard_power(&self, s: &FrameState, w: &mut FrameWriter<'_>) -> Result<(), EncodeError> {
        let pref = sim_u32(self.subscription() / 1000.0);
        w.group("PREF", &format!("{pref:02}"))?;
        w.group("PCOUP", &format!("{pref:02}"))?;
        w.group("SINSTS", &format!("{:05}", s.papp.min(99_999)))?;
        let split = self.three_phase().then(|| self.phase_split());
        if let Some(split) = split {
            for (i, share) in split.iter().enumerate() {
                let va = sim_u32(f64::from(s.papp) * share);
                w.group(
                    &format!("SINSTS{}", i + 1),
                    &format!("{:05}", va.min(99_999)),
                )?;
            }
        }
        write_peak(w, "SMAXSN", "", self.max_today, split)?;
        write_peak(w, "SMAXSN", "-1", self.max_yesterday, split)
    }

    /// A producer's injected power now and its peaks of today and yesterday.
    fn standard_injection(
        &self,
        s: &FrameState,
        w: &mut FrameWriter<'_>,
    ) -> Result<(), EncodeError> {
        w.group("SINSTI", &format!("{:05}", s.injected.min(99_999)))?;
        w.horodated(
            "SMAXIN",
            &horodate(self.max_injected_today.1),
            &format!("{:05}", self.max_injected_today.0.min(99_999)),
        )?;
        w.horodated(
            "SMAXIN-1",
            &horodate(self.max_injected_yesterday.1),
            &format!("{:05}", self.max_injected_yesterday.0.min(99_999)),
        )?;
        Ok(())
    }

    /// The load-curve points (drawn, and injected for a producer), once a period is complete.
    fn standard_curve(&self, w: &mut FrameWriter<'_>) -> Result<(), EncodeError> {
        let (curve_now, curve_prev) = (self.curve.points[0], self.curve.points[1]);
        if curve_now.0 == 0 {
            return Ok(());
        }
        w.horodated(
            "CCASN",
            &horodate(curve_now.0),
            &format!("{:05}", curve_now.1.min(99_999)),
        )?;
        if curve_prev.0 > 0 {
            w.horodated(
                "CCASN-1",
                &horodate(curve_prev.0),
                &format!("{:05}", curve_prev.1.min(99_999)),
            )?;
        }
        if self.kind == DemoKind::Producer {
            w.horodated(
                "CCAIN",
                &horodate(curve_now.0),
                &format!("{:05}", curve_now.2.min(99_999)),
            )?;
            if curve_prev.0 > 0 {
                w.horodated(
                    "CCAIN-1",
                    &horodate(curve_prev.0),
                    &format!("{:05}", curve_prev.2.min(99_999)),
                )?;
            }
        }
        Ok(())
    }
}

/// A peak of apparent power (`label` then `suffix`: SMAXSN, SMAXSN-1) with its time, and on a
/// three-phase meter (`split` given) its share on each phase (SMAXSN1, SMAXSN1-1, ...).
fn write_peak(
    w: &mut FrameWriter<'_>,
    label: &str,
    suffix: &str,
    (va, at): (u32, i64),
    split: Option<[f64; 3]>,
) -> Result<(), EncodeError> {
    w.horodated(
        &format!("{label}{suffix}"),
        &horodate(at),
        &format!("{:05}", va.min(99_999)),
    )?;
    for (i, share) in split.iter().flatten().enumerate() {
        let phase_va = sim_u32(f64::from(va) * share);
        w.horodated(
            &format!("{label}{}{suffix}", i + 1),
            &horodate(at),
            &format!("{:05}", phase_va.min(99_999)),
        )?;
    }
    Ok(())
}

/// An energy index as the meter writes it: nine digits, Wh, wrapping at a billion.
fn index_digits(wh: f64) -> String {
    format!("{:09}", sim_u64(wh) % 1_000_000_000)
}

/// A simulated power, current or voltage (VA, W, A, V) as the meter's unsigned integer,
/// truncated toward zero; callers round first where the meter rounds.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "clamped to 0..=u32::MAX first (as `as` would saturate, NaN giving 0): simulated \
              loads are non-negative and far below 4 GVA"
)]
fn sim_u32(x: f64) -> u32 {
    x.clamp(0.0, f64::from(u32::MAX)) as u32
}

/// A simulated energy index, Wh, as the meter's unsigned counter, truncated toward zero.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "clamped to 0..=u64::MAX first (as `as` would saturate, NaN giving 0): indexes \
              start at 0 and only grow, far below 1.8e19 Wh"
)]
fn sim_u64(x: f64) -> u64 {
    x.clamp(0.0, u64::MAX as f64) as u64
}

/// A simulated time (Unix seconds, or a multiple of them) as whole units, truncated toward
/// zero as the meter counts whole seconds.
#[allow(
    clippy::cast_possible_truncation,
    reason = "clamped to the range of i64 first (as `as` would saturate, NaN giving 0): \
              simulated times are around 1.7e9 s"
)]
fn whole_seconds(t: f64) -> i64 {
    t.clamp(i64::MIN as f64, i64::MAX as f64) as i64
}

impl CurveAccumulator {
    /// Averages active power over 30-minute periods; the last two complete periods are the
    /// load-curve points the meter publishes.
    fn add(&mut self, unix: i64, drawn_w: f64, injected_w: f64, dt: f64) {
        let period = unix - unix.rem_euclid(1800);
        if self.period_start == 0 {
            self.period_start = period;
        }
        if period != self.period_start {
            let avg = |sum: f64| {
                if self.seconds > 0.0 {
                    sim_u32(sum / self.seconds)
                } else {
                    0
                }
            };
            self.points[1] = self.points[0];
            self.points[0] = (period, avg(self.sum_drawn), avg(self.sum_injected));
            self.period_start = period;
            self.sum_drawn = 0.0;
            self.sum_injected = 0.0;
            self.seconds = 0.0;
        }
        self.sum_drawn += drawn_w * dt;
        self.sum_injected += injected_w * dt;
        self.seconds += dt;
    }
}

struct FrameState {
    unix: i64,
    off_peak: bool,
    color: TempoColor,
    /// None until the next day's colour is announced (11:00).
    tomorrow: Option<TempoColor>,
    supplier: usize,
    papp: u32,
    injected: u32,
    overloaded: bool,
}

/// Corrupts about one byte in `1 / probability` (the `noise=` option of demo sources).
pub fn add_noise(bytes: &mut [u8], probability: f64, rng: &mut Rng) {
    if probability <= 0.0 {
        return;
    }
    for b in bytes.iter_mut() {
        if rng.unit() < probability {
            *b = rng.next_u64().to_le_bytes()[3]; // bits 24..32
        }
    }
}

#[cfg(test)]
mod tests;
