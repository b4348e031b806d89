//! One meter's cost account: the growth of each period index, priced at the price in force
//! when it was drawn, frame by frame.
//!
//! Only the indexes the meter kept (those that passed the plausibility filter,
//! `meter::plausibility`) are priced, so a corrupted index never costs anything. The account
//! starts at zero when the exporter starts: the first frame is the baseline, and
//! Prometheus' `increase()` takes the restart as the counter reset it is. Energy that arrives
//! across a gap (the line or the exporter was away) is priced at the price in force at the
//! frame that brings it, the end of the gap: nothing tells when within the gap it was drawn.
//!
//! Besides the meter's own option, the same energy is priced under each other option of the
//! price file whose periods the meter's report can tell apart ([`Builtin::can_price_all_of`]):
//! every option against Base, Tempo against HP/HC (the Tempo off-peak hours are the HP/HC
//! ones), never HP/HC against Tempo (an HP/HC meter does not know the day colours).

use std::sync::Arc;

use super::prices::{Builtin, NANO_PER_EURO, OptionId, PriceBook};
use crate::localtime::{Civil, local_day, local_hour_to_unix, paris_time};
use crate::meter::{Meter, PERIOD_INDEXES, SUPPLIER_INDEXES};
use crate::tic::value::{Reading, ShortText, TariffPeriod};
use crate::tic::{Label, Mode};

const INDEXES: usize = PERIOD_INDEXES.len();
const OPTIONS: usize = Builtin::ALL.len();

/// Cost accumulated since a local day or month started (or since the exporter started, if
/// later), nano-euros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Local day number, or year × 12 + month.
    key: i64,
    /// Unix time the window's figures start from.
    pub since: i64,
    /// Cost under the meter's own option.
    pub own: u64,
    /// Cost under each built-in option (meaningful for the compared ones).
    pub compared: [u64; OPTIONS],
}

impl Window {
    const NONE: Window = Window {
        key: i64::MIN,
        since: 0,
        own: 0,
        compared: [0; OPTIONS],
    };

    fn starting(key: i64, since: i64) -> Window {
        Window {
            key,
            since,
            ..Window::NONE
        }
    }

    fn add(&mut self, own: u64, option: Option<Builtin>, compared: u64) {
        self.own += own;
        if let Some(b) = option {
            self.compared[b as usize] += compared;
        }
    }
}

/// The cost account of one meter (see the module documentation).
#[derive(Clone, Debug)]
pub struct Ledger {
    book: Arc<PriceBook>,
    /// The option the meter was billed on at the last frame.
    option: Option<OptionId>,
    /// The index value last priced, per period index.
    seen: [Option<u64>; INDEXES],
    /// Cost on the own option per period index, nano-euros.
    own: [u64; INDEXES],
    /// Price in force at the last frame per period index, nano-euros per Wh.
    price_now: [Option<u64>; INDEXES],
    /// Cost of the same energy under each built-in option, nano-euros.
    compared: [u64; OPTIONS],
    /// Which built-in options the meter's energy can be priced under.
    comparable: [bool; OPTIONS],
    /// Subscription of the own option and of each built-in one at the meter's power, €/month.
    subscription: Option<f64>,
    compared_subscription: [Option<f64>; OPTIONS],
    /// Energy drawn that no row prices (before the first row, or a period the file lacks), Wh.
    unpriced_wh: u64,
    /// The meter's name (LTARF) for each supplier index, as seen while it was the current one.
    names: [Option<ShortText>; 10],
    today: Window,
    month: Window,
    /// Unix time of the last frame priced.
    last: Option<i64>,
}

impl Ledger {
    pub fn new(book: Arc<PriceBook>) -> Ledger {
        Ledger {
            book,
            option: None,
            seen: [None; INDEXES],
            own: [0; INDEXES],
            price_now: [None; INDEXES],
            compared: [0; OPTIONS],
            comparable: [false; OPTIONS],
            subscription: None,
            compared_subscription: [None; OPTIONS],
            unpriced_wh: 0,
            names: [None; 10],
            today: Window::NONE,
            month: Window::NONE,
            last: None,
        }
    }

    /// The indexes no longer continue the ones priced (a mode switch, another meter): the
    /// next values are a new baseline, and what they grow from there is priced.
    pub fn rebaseline(&mut self) {
        self.seen = [None; INDEXES];
    }

    /// Prices what the meter's indexes grew since the last frame; `at` is the host time of
    /// the frame, Unix seconds.
    pub fn record(&mut self, meter: &Meter, at: i64) {
        self.option = own_option(&self.book, meter);
        self.learn_period_name(meter);
        self.roll_windows(at);
        self.comparable =
            Builtin::ALL.map(|b| self.book.has(OptionId::Builtin(b)) && self.compares(b));
        for (i, &label) in PERIOD_INDEXES.iter().enumerate() {
            self.price_now[i] = self.own_price(label, at);
            let Some(now) = meter.number(label) else {
                continue;
            };
            let growth = self.seen[i].filter(|&s| now >= s).map_or(0, |s| now - s);
            self.seen[i] = Some(now);
            if growth > 0 {
                self.price_growth(i, label, growth, at);
            }
        }
        let kva = meter
            .subscribed_power_va()
            .and_then(|va| u32::try_from(va / 1000).ok());
        self.subscription = self
            .option
            .zip(kva)
            .and_then(|(o, kva)| self.book.subscription(o, kva, at));
        self.compared_subscription = Builtin::ALL.map(|b| {
            kva.filter(|_| self.comparable[b as usize])
                .and_then(|kva| self.book.subscription(OptionId::Builtin(b), kva, at))
        });
        self.last = Some(at);
    }

    fn price_growth(&mut self, i: usize, label: Label, wh: u64, at: i64) {
        let own = self.price_now[i].map(|p| wh.saturating_mul(p));
        match own {
            Some(cost) => self.own[i] = self.own[i].saturating_add(cost),
            None => self.unpriced_wh = self.unpriced_wh.saturating_add(wh),
        }
        let own = own.unwrap_or(0);
        self.today.add(own, None, 0);
        self.month.add(own, None, 0);
        let period = self.period_of(label);
        for b in Builtin::ALL {
            if !self.comparable[b as usize] {
                continue;
            }
            let equivalent = if b == Builtin::Base {
                Some(TariffPeriod::AllHours)
            } else {
                period.and_then(|p| b.equivalent(p))
            };
            let Some(price) = equivalent.and_then(|p| self.book.builtin_price(b, p, at)) else {
                continue;
            };
            let cost = wh.saturating_mul(price);
            self.compared[b as usize] = self.compared[b as usize].saturating_add(cost);
            self.today.add(0, Some(b), cost);
            self.month.add(0, Some(b), cost);
        }
    }

    /// Whether the energy of the meter's option can be priced under `b`.
    fn compares(&self, b: Builtin) -> bool {
        match self.option {
            Some(OptionId::Builtin(own)) => b.can_price_all_of(own),
            Some(OptionId::Calendar(_)) => b == Builtin::Base,
            None => false,
        }
    }

    /// The period `label` counts on the own option's calendar (`None` for a calendar of
    /// the file, whose periods are its own).
    fn period_of(&self, label: Label) -> Option<TariffPeriod> {
        match supplier_index(label) {
            None => TariffPeriod::of_index(label),
            Some(n) => match self.option? {
                OptionId::Builtin(b) => b.supplier_period(n),
                OptionId::Calendar(_) => None,
            },
        }
    }

    /// The price in force at `at` for energy on `label`, own option.
    fn own_price(&self, label: Label, at: i64) -> Option<u64> {
        match self.option? {
            OptionId::Builtin(b) => self.book.builtin_price(b, self.period_of(label)?, at),
            OptionId::Calendar(c) => {
                let n = supplier_index(label)?;
                let name = self.names[usize::from(n) - 1];
                self.book
                    .calendar_price(c, n, name.as_ref().map(ShortText::as_str), at)
            }
        }
    }

    /// In standard mode, the meter names its current period (LTARF) beside its index
    /// (NTARF): kept per index, for calendars priced by period name.
    fn learn_period_name(&mut self, meter: &Meter) {
        if meter.mode() != Some(Mode::Standard) {
            return;
        }
        if let Some((label, name)) = meter.active_period()
            && let Some(n) = supplier_index(label)
            && !name.is_empty()
        {
            self.names[usize::from(n) - 1] = Some(ShortText::new(name.trim()));
        }
    }

    /// Starts a new day or month window when `at` is in another local day or month. The
    /// first windows start at the first frame; the next ones at local midnight, the exporter
    /// having run through it.
    fn roll_windows(&mut self, at: i64) {
        let day = local_day(at);
        let civil = paris_time(at).2;
        let month = civil.year * 12 + i64::from(civil.month);
        let running = self.last.is_some();
        if self.today.key != day {
            let since = if running {
                local_hour_to_unix(day, 0)
            } else {
                at
            };
            self.today = Window::starting(day, since);
        }
        if self.month.key != month {
            let first = Civil::days_from_civil(civil.year, civil.month, 1);
            let since = if running {
                local_hour_to_unix(first, 0)
            } else {
                at
            };
            self.month = Window::starting(month, since);
        }
    }

    /// The option the meter is billed on, as of the last frame.
    pub fn option(&self) -> Option<OptionId> {
        self.option
    }

    /// The option's name.
    pub fn option_name(&self) -> Option<&str> {
        self.option.map(|o| self.book.name(o))
    }

    /// Cost per period index since the exporter started, euros: every index priced so far.
    /// Only the indexes the option prices (a Linky sends EASF01…10 whatever its calendar
    /// uses: the unused ones would be series stuck at 0), and any that cost something.
    pub fn period_costs(&self) -> impl Iterator<Item = (Label, f64)> + '_ {
        PERIOD_INDEXES
            .iter()
            .zip(self.seen.iter().zip(&self.price_now))
            .zip(&self.own)
            .filter(|((_, (seen, price)), nano)| {
                seen.is_some() && self.option.is_some() && (price.is_some() || **nano > 0)
            })
            .map(|((&label, _), &nano)| (label, euros(nano)))
    }

    /// The price in force at the last frame per period index the meter sends, €/kWh.
    pub fn prices_now(&self) -> impl Iterator<Item = (Label, f64)> + '_ {
        PERIOD_INDEXES
            .iter()
            .zip(&self.seen)
            .zip(&self.price_now)
            .filter_map(|((&label, seen), price)| {
                Some((label, per_kwh(price.filter(|_| seen.is_some())?)))
            })
    }

    /// The own option's subscription at the meter's power, €/month.
    pub fn subscription(&self) -> Option<f64> {
        self.subscription
    }

    /// The cost of the same energy under each option it can be priced under, euros since
    /// the exporter started, with that option's subscription at the meter's power.
    pub fn compared(&self) -> impl Iterator<Item = (Builtin, f64, Option<f64>)> + '_ {
        Builtin::ALL
            .into_iter()
            .filter(|&b| self.comparable[b as usize])
            .map(|b| {
                (
                    b,
                    euros(self.compared[b as usize]),
                    self.compared_subscription[b as usize],
                )
            })
    }

    /// A window's energy under each option it can be priced under, the meter's own among
    /// them, cheapest first with the subscription's share for the window (`since` to `now`)
    /// counted: a cheaper kWh with a dearer subscription is not cheaper over a day. An option
    /// with no subscription at the meter's power cannot be weighed so and comes last.
    pub fn comparison(&self, window: &Window, now: i64) -> Vec<Compared> {
        let own = self.option();
        let mut options: Vec<_> = self
            .compared()
            .map(|(option, _, subscription)| {
                let energy = euros(window.compared[option as usize]);
                Compared {
                    option,
                    own: own == Some(OptionId::Builtin(option)),
                    euros: energy,
                    subscription,
                    with_subscription: subscription
                        .map(|s| energy + subscription_share(s, window.since, now)),
                }
            })
            .collect();
        options.sort_by(|a, b| match (a.with_subscription, b.with_subscription) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (x, y) => y
                .is_some()
                .cmp(&x.is_some())
                .then(a.euros.total_cmp(&b.euros)),
        });
        options
    }

    /// Energy drawn that no price covered, Wh.
    pub fn unpriced_wh(&self) -> u64 {
        self.unpriced_wh
    }

    /// Today's window as of `now` (an empty one from local midnight when no frame came
    /// today yet).
    pub fn today(&self, now: i64) -> Window {
        let day = local_day(now);
        if self.today.key == day {
            self.today
        } else {
            Window::starting(day, local_hour_to_unix(day, 0).max(self.last.unwrap_or(0)))
        }
    }

    /// This month's window as of `now`.
    pub fn month(&self, now: i64) -> Window {
        let civil = paris_time(now).2;
        let key = civil.year * 12 + i64::from(civil.month);
        if self.month.key == key {
            self.month
        } else {
            let first = local_hour_to_unix(Civil::days_from_civil(civil.year, civil.month, 1), 0);
            Window::starting(key, first.max(self.last.unwrap_or(0)))
        }
    }
}

/// The supplier index number (1–10) of EASFnn.
fn supplier_index(label: Label) -> Option<u8> {
    let i = SUPPLIER_INDEXES.iter().position(|&l| l == label)?;
    u8::try_from(i + 1).ok()
}

/// The option the meter is billed on: see [`PriceBook::option_for`].
fn own_option(book: &PriceBook, meter: &Meter) -> Option<OptionId> {
    let reported = match meter.mode()? {
        Mode::Historic => match meter.reading(Label::Optarif)? {
            Reading::TariffOption(o) => Some(Builtin::of_optarif(*o)),
            _ => None,
        },
        Mode::Standard => meter.tariff_name().and_then(Builtin::of_calendar_name),
    };
    book.option_for(meter.name(), reported, meter.tariff_name())
}

/// One option of a window's comparison ([`Ledger::comparison`]), euros.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Compared {
    pub option: Builtin,
    /// The meter is billed on this option.
    pub own: bool,
    /// The window's energy priced under this option.
    pub euros: f64,
    /// This option's subscription at the meter's power, €/month.
    pub subscription: Option<f64>,
    /// `euros` plus the subscription's share for the window.
    pub with_subscription: Option<f64>,
}

/// The mean month, in seconds (365.25 / 12 days): what a subscription per month is spread
/// over. The recording rules of deploy/prometheus use the same figure.
pub const MEAN_MONTH_SECONDS: i64 = 2_629_800;

/// The share of a subscription (euros a month) for the time from `since` to `now`: what
/// makes options with different subscriptions comparable over a day or a month so far.
pub fn subscription_share(euros_per_month: f64, since: i64, now: i64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a span of seconds is far below 2^53"
    )]
    let seconds = (now - since).max(0) as f64;
    #[expect(clippy::cast_precision_loss, reason = "a small constant")]
    let month = MEAN_MONTH_SECONDS as f64;
    euros_per_month * seconds / month
}

/// Nano-euros as euros: exact to the nano-euro up to 2^53 of them (9 million euros).
pub fn euros(nano: u64) -> f64 {
    nano as f64 / NANO_PER_EURO as f64
}

/// Nano-euros per Wh as €/kWh.
fn per_kwh(nano_per_wh: u64) -> f64 {
    nano_per_wh as f64 / 1e6
}

#[cfg(test)]
mod tests;
