//! The user's price file (`--prices FILE`): what a kWh and a month of subscription cost under
//! each tariff option, as rows dated by the day they came into force.
//!
//! Prices change on fixed dates (the regulated tariffs on 1 February and 1 August), so a price
//! is looked up for the instant the energy was drawn. A row's `from` date is French local
//! time, like the meter's calendar: a row starts at local midnight, a Tempo row at 06:00,
//! when the Tempo day starts (the night hours of 1 February before 06:00 still belong to the
//! Tempo day of 31 January, priced at the old row).
//!
//! Prices are kept as whole nano-euros per Wh (€/kWh × 10⁶): the cost of a whole number of Wh
//! is then exact, and sums over a year stay exact to the cent. A price with more than six
//! decimals in €/kWh is rounded to six.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::localtime::{Civil, local_hour_to_unix};
use crate::tic::stge::TempoColor;
use crate::tic::value::TariffPeriod;

/// Nano-euros in one euro.
pub const NANO_PER_EURO: u64 = 1_000_000_000;

/// Nano-euros per Wh in one €/kWh.
const NANO_PER_WH_PER_EURO_PER_KWH: f64 = 1e6;

/// Highest price accepted, €/kWh: a value above it is a typo (a price in cents, or a missing
/// decimal point), not a tariff.
const MAX_PRICE: f64 = 10.0;

/// Highest subscription accepted, € per month.
const MAX_SUBSCRIPTION: f64 = 10_000.0;

/// The tariff options the exporter recognises from what the meter sends (OPTARIF in historic
/// mode, NGTF in standard mode), each with its periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Builtin {
    /// One price all day.
    Base,
    /// Off-peak and peak hours (HP/HC).
    Hphc,
    /// Tempo: off-peak and peak hours on blue, white and red days.
    Tempo,
    /// EJP: normal hours and 22 mobile-peak days.
    Ejp,
}

/// `tempo` periods, in the supplier index order of a Linky on the Tempo calendar (EASF01 =
/// blue off-peak … EASF06 = red peak: tic-protocol.md, STGE cross-checks).
const TEMPO_PERIODS: [(&str, TariffPeriod); 6] = [
    ("blue_hc", tempo(TempoColor::Blue, false)),
    ("blue_hp", tempo(TempoColor::Blue, true)),
    ("white_hc", tempo(TempoColor::White, false)),
    ("white_hp", tempo(TempoColor::White, true)),
    ("red_hc", tempo(TempoColor::Red, false)),
    ("red_hp", tempo(TempoColor::Red, true)),
];

const fn tempo(color: TempoColor, peak: bool) -> TariffPeriod {
    TariffPeriod::Tempo { color, peak }
}

impl Builtin {
    /// Every option, in the order of the comparison.
    pub const ALL: [Builtin; 4] = [Builtin::Base, Builtin::Hphc, Builtin::Tempo, Builtin::Ejp];

    /// The option's name: its table in the price file and its `option` label.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Base => "base",
            Builtin::Hphc => "hphc",
            Builtin::Tempo => "tempo",
            Builtin::Ejp => "ejp",
        }
    }

    /// The option's periods as the price file names them, in the order of the meter's
    /// supplier indexes (EASF01, EASF02 … in standard mode).
    pub fn periods(self) -> &'static [(&'static str, TariffPeriod)] {
        match self {
            Builtin::Base => &[("base", TariffPeriod::AllHours)],
            Builtin::Hphc => &[("hc", TariffPeriod::OffPeak), ("hp", TariffPeriod::Peak)],
            Builtin::Tempo => &TEMPO_PERIODS,
            Builtin::Ejp => &[
                ("normal", TariffPeriod::EjpNormal),
                ("peak", TariffPeriod::EjpMobilePeak),
            ],
        }
    }

    /// The period of supplier index `n` (EASFnn, from 1) on this option's calendar.
    pub fn supplier_period(self, n: u8) -> Option<TariffPeriod> {
        let i = usize::from(n).checked_sub(1)?;
        self.periods().get(i).map(|&(_, p)| p)
    }

    /// The period of this option the energy of `period` (of another option) would have been
    /// billed on; `None` when what the meter reports cannot tell (a Base meter does not say
    /// which hours were off-peak, an HP/HC meter does not know the Tempo colours).
    pub fn equivalent(self, period: TariffPeriod) -> Option<TariffPeriod> {
        use TariffPeriod::{EjpMobilePeak, EjpNormal, OffPeak, Peak};
        match (self, period) {
            (Builtin::Base, _) => Some(TariffPeriod::AllHours),
            (Builtin::Hphc, OffPeak | Peak) => Some(period),
            (Builtin::Hphc, TariffPeriod::Tempo { peak, .. }) => {
                Some(if peak { Peak } else { OffPeak })
            }
            (Builtin::Tempo, TariffPeriod::Tempo { .. })
            | (Builtin::Ejp, EjpNormal | EjpMobilePeak) => Some(period),
            _ => None,
        }
    }

    /// Whether every period of `own` can be priced under this option: then the cost of a
    /// meter on `own` can be compared with this option's.
    pub fn can_price_all_of(self, own: Builtin) -> bool {
        own.periods()
            .iter()
            .all(|&(_, p)| self.equivalent(p).is_some())
    }

    /// The option a historic meter's OPTARIF names.
    pub fn of_optarif(option: crate::tic::value::TariffOption) -> Builtin {
        use crate::tic::value::TariffOption;
        match option {
            TariffOption::Base => Builtin::Base,
            TariffOption::OffPeakHours => Builtin::Hphc,
            TariffOption::Ejp => Builtin::Ejp,
            TariffOption::Tempo { .. } => Builtin::Tempo,
        }
    }

    /// The option a standard meter's supplier calendar name (NGTF, trimmed) stands for:
    /// `TEMPO`, `H PLEINE/CREUSE`, `BASE`, `EJP` as Linky meters send them.
    pub fn of_calendar_name(ngtf: &str) -> Option<Builtin> {
        let name = ngtf.trim().to_ascii_uppercase();
        if name.contains("TEMPO") {
            Some(Builtin::Tempo)
        } else if name.contains("EJP") {
            Some(Builtin::Ejp)
        } else if name.contains("CREUSE") || name.contains("HP/HC") || name.contains("HPHC") {
            Some(Builtin::Hphc)
        } else if name == "BASE" {
            Some(Builtin::Base)
        } else {
            None
        }
    }

    /// The local hour a row of this option comes into force on its `from` date.
    fn day_start_hour(self) -> u8 {
        if self == Builtin::Tempo { 6 } else { 0 }
    }
}

/// A tariff option of the price file: a built-in one, or a supplier calendar of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionId {
    Builtin(Builtin),
    /// The n-th `[[calendar]]` name of the file.
    Calendar(usize),
}

/// What one dated row of any option has.
#[derive(Clone, Debug, PartialEq)]
struct RowBase {
    /// Unix time the row comes into force.
    from: i64,
    /// € per month, by subscribed power in kVA.
    subscription: BTreeMap<u32, f64>,
}

/// A dated row of a built-in option: the price of each of its periods, nano-euros per Wh.
#[derive(Clone, Debug, PartialEq)]
struct BuiltinRow {
    base: RowBase,
    prices: Vec<(TariffPeriod, u64)>,
}

/// A dated row of a supplier calendar: prices by supplier index, or by the meter's name for
/// the period (LTARF).
#[derive(Clone, Debug, PartialEq)]
struct CalendarRow {
    base: RowBase,
    by_index: [Option<u64>; 10],
    by_name: Vec<(String, u64)>,
}

/// A supplier calendar of the file (standard mode), with its dated rows.
#[derive(Clone, Debug, PartialEq)]
struct Calendar {
    name: String,
    /// The meter's NGTF (trimmed) that selects this calendar.
    ngtf: Option<String>,
    rows: Vec<CalendarRow>,
}

/// The price file, checked and ready for lookups.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceBook {
    builtin: [Vec<BuiltinRow>; 4],
    calendars: Vec<Calendar>,
    /// Options set by meter name, for a meter whose own report is wrong or missing.
    meters: BTreeMap<String, OptionId>,
}

/// Why a price file cannot be used. Every variant but `Read` names the line and, where
/// there is one, the field.
/// (`Read` keeps the I/O error as text, so that the error compares and clones like the
/// configuration errors it travels with.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceFileError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Invalid(Invalid),
}

/// A mistake in a price file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, line {}", self.path, self.line)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

// ---- the file as TOML gives it ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    #[serde(default)]
    base: Vec<Spanned<RowDe>>,
    #[serde(default)]
    hphc: Vec<Spanned<RowDe>>,
    #[serde(default)]
    tempo: Vec<Spanned<RowDe>>,
    #[serde(default)]
    ejp: Vec<Spanned<RowDe>>,
    #[serde(default)]
    calendar: Vec<Spanned<CalendarDe>>,
    #[serde(default)]
    meters: BTreeMap<String, Spanned<String>>,
}

/// One row of a built-in option: every period name of every option is a field, and a row
/// must give exactly its own option's (checked after parsing, to name the line).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDe {
    from: Spanned<toml::value::Datetime>,
    #[serde(default)]
    subscription: BTreeMap<String, Spanned<f64>>,
    base: Option<Spanned<f64>>,
    hc: Option<Spanned<f64>>,
    hp: Option<Spanned<f64>>,
    blue_hc: Option<Spanned<f64>>,
    blue_hp: Option<Spanned<f64>>,
    white_hc: Option<Spanned<f64>>,
    white_hp: Option<Spanned<f64>>,
    red_hc: Option<Spanned<f64>>,
    red_hp: Option<Spanned<f64>>,
    normal: Option<Spanned<f64>>,
    peak: Option<Spanned<f64>>,
}

impl RowDe {
    fn field(&self, name: &str) -> Option<&Spanned<f64>> {
        match name {
            "base" => self.base.as_ref(),
            "hc" => self.hc.as_ref(),
            "hp" => self.hp.as_ref(),
            "blue_hc" => self.blue_hc.as_ref(),
            "blue_hp" => self.blue_hp.as_ref(),
            "white_hc" => self.white_hc.as_ref(),
            "white_hp" => self.white_hp.as_ref(),
            "red_hc" => self.red_hc.as_ref(),
            "red_hp" => self.red_hp.as_ref(),
            "normal" => self.normal.as_ref(),
            "peak" => self.peak.as_ref(),
            _ => None,
        }
    }
}

/// Every period field of [`RowDe`], to find those a row gives that its option does not have.
const ALL_PERIOD_FIELDS: [&str; 11] = [
    "base", "hc", "hp", "blue_hc", "blue_hp", "white_hc", "white_hp", "red_hc", "red_hp", "normal",
    "peak",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarDe {
    name: Spanned<String>,
    ngtf: Option<String>,
    from: Spanned<toml::value::Datetime>,
    #[serde(default)]
    subscription: BTreeMap<String, Spanned<f64>>,
    /// By supplier index: `EASF01 = 0.1520`.
    #[serde(default)]
    index: BTreeMap<String, Spanned<f64>>,
    /// By the meter's name for the period (LTARF, trimmed): `"HC SEMAINE" = 0.1520`.
    #[serde(default)]
    ltarf: BTreeMap<String, Spanned<f64>>,
}

/// Turns byte offsets into line numbers and builds the errors that name them.
struct Source<'a> {
    path: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error(&self, offset: usize, field: Option<&str>, message: impl Into<String>) -> Invalid {
        Invalid {
            path: self.path.to_owned(),
            line: self.line_of(offset),
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    /// A price, checked and turned into nano-euros per Wh.
    fn price(&self, field: &str, value: &Spanned<f64>) -> Result<u64, Invalid> {
        let p = *value.get_ref();
        if !(0.0..=MAX_PRICE).contains(&p) {
            return Err(self.error(
                value.span().start,
                Some(field),
                format!(
                    "a price is in euros per kWh, taxes included, from 0 to {MAX_PRICE}; {p} is not"
                ),
            ));
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked above: 0 ≤ p ≤ 10, so p × 10⁶ fits a u64 and is not negative"
        )]
        Ok((p * NANO_PER_WH_PER_EURO_PER_KWH).round() as u64)
    }

    fn subscription(
        &self,
        table: &BTreeMap<String, Spanned<f64>>,
    ) -> Result<BTreeMap<u32, f64>, Invalid> {
        let mut out = BTreeMap::new();
        for (kva, value) in table {
            let field = format!("subscription.{kva}");
            let at = value.span().start;
            let power = kva
                .parse::<u32>()
                .ok()
                .filter(|k| (1..=36).contains(k))
                .ok_or_else(|| {
                    self.error(
                        at,
                        Some(&field),
                        "a subscription is keyed by the subscribed power in kVA, 1 to 36",
                    )
                })?;
            let euros = *value.get_ref();
            if !(0.0..=MAX_SUBSCRIPTION).contains(&euros) {
                return Err(self.error(
                    at,
                    Some(&field),
                    format!("a subscription is in euros per month, taxes included, from 0 to {MAX_SUBSCRIPTION}; {euros} is not"),
                ));
            }
            out.insert(power, euros);
        }
        Ok(out)
    }

    /// A `from` date: a TOML local date (`from = 2026-02-01`), made the Unix time of
    /// `hour`:00 French time that day.
    fn start_of(&self, value: &Spanned<toml::value::Datetime>, hour: u8) -> Result<i64, Invalid> {
        let dt = value.get_ref();
        let date = match (dt.date, dt.time, dt.offset) {
            (Some(date), None, None) => date,
            _ => {
                return Err(self.error(
                    value.span().start,
                    Some("from"),
                    "a date without time, e.g. from = 2026-02-01 (French local time)",
                ));
            }
        };
        let day = Civil::days_from_civil(i64::from(date.year), date.month, date.day);
        Ok(local_hour_to_unix(day, hour))
    }
}

impl PriceBook {
    /// Reads and checks a price file.
    pub fn load(path: &Path) -> Result<PriceBook, PriceFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PriceFileError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        PriceBook::parse(&text, &shown).map_err(PriceFileError::Invalid)
    }

    /// Checks the text of a price file; `path` is only used in the errors.
    pub fn parse(text: &str, path: &str) -> Result<PriceBook, Invalid> {
        let src = Source { path, text };
        let file: FileDe = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            src.error(at, None, e.message().trim().to_owned())
        })?;
        let builtin = [
            builtin_rows(&src, Builtin::Base, &file.base)?,
            builtin_rows(&src, Builtin::Hphc, &file.hphc)?,
            builtin_rows(&src, Builtin::Tempo, &file.tempo)?,
            builtin_rows(&src, Builtin::Ejp, &file.ejp)?,
        ];
        let calendars = calendars(&src, &file.calendar)?;
        let mut book = PriceBook {
            builtin,
            calendars,
            meters: BTreeMap::new(),
        };
        for (meter, option) in &file.meters {
            let id = book.option_named(option.get_ref()).ok_or_else(|| {
                src.error(
                    option.span().start,
                    Some(&format!("meters.{meter}")),
                    format!("{:?} is not an option of this file (base, hphc, tempo, ejp with rows, or a calendar name)", option.get_ref()),
                )
            })?;
            book.meters.insert(meter.clone(), id);
        }
        if book.builtin.iter().all(Vec::is_empty) && book.calendars.is_empty() {
            return Err(src.error(0, None, "the file has no prices: add [[base]], [[hphc]], [[tempo]], [[ejp]] or [[calendar]] rows"));
        }
        Ok(book)
    }

    /// The option of this file called `name` (one with rows).
    fn option_named(&self, name: &str) -> Option<OptionId> {
        if let Some(b) = Builtin::ALL.into_iter().find(|b| b.name() == name) {
            return self
                .has(OptionId::Builtin(b))
                .then_some(OptionId::Builtin(b));
        }
        self.calendars
            .iter()
            .position(|c| c.name == name)
            .map(OptionId::Calendar)
    }

    /// Whether the file prices this option.
    pub fn has(&self, option: OptionId) -> bool {
        match option {
            OptionId::Builtin(b) => !self.builtin[b as usize].is_empty(),
            OptionId::Calendar(i) => i < self.calendars.len(),
        }
    }

    /// The option's name, for the `option` label and the API.
    pub fn name(&self, option: OptionId) -> &str {
        match option {
            OptionId::Builtin(b) => b.name(),
            OptionId::Calendar(i) => self.calendars.get(i).map_or("", |c| c.name.as_str()),
        }
    }

    /// The option a meter is billed on: the file's `[meters]` entry for it, else what the
    /// meter reports (its OPTARIF as a built-in option, or a calendar whose `ngtf` matches
    /// its NGTF, else the built-in option that NGTF names), if the file prices it.
    pub fn option_for(
        &self,
        meter: &str,
        reported: Option<Builtin>,
        ngtf: Option<&str>,
    ) -> Option<OptionId> {
        if let Some(&id) = self.meters.get(meter) {
            return Some(id);
        }
        if let Some(ngtf) = ngtf.map(str::trim)
            && let Some(i) = self
                .calendars
                .iter()
                .position(|c| c.ngtf.as_deref().is_some_and(|n| n.trim() == ngtf))
        {
            return Some(OptionId::Calendar(i));
        }
        reported.map(OptionId::Builtin).filter(|&id| self.has(id))
    }

    /// The price of energy drawn at `at` (Unix time) on `period` of a built-in option, in
    /// nano-euros per Wh; `None` before the option's first row or when the option has no
    /// such period.
    pub fn builtin_price(&self, option: Builtin, period: TariffPeriod, at: i64) -> Option<u64> {
        let row = in_force(&self.builtin[option as usize], at, |r| r.base.from)?;
        row.prices
            .iter()
            .find(|&&(p, _)| p == period)
            .map(|&(_, price)| price)
    }

    /// The price of energy drawn at `at` on supplier index `n` (EASFnn) of a calendar, or
    /// on the period the meter calls `ltarf`.
    pub fn calendar_price(
        &self,
        calendar: usize,
        n: u8,
        ltarf: Option<&str>,
        at: i64,
    ) -> Option<u64> {
        let row = in_force(&self.calendars.get(calendar)?.rows, at, |r| r.base.from)?;
        let by_index = usize::from(n)
            .checked_sub(1)
            .and_then(|i| row.by_index.get(i).copied().flatten());
        by_index.or_else(|| {
            let name = ltarf?.trim();
            row.by_name.iter().find(|(n, _)| n == name).map(|&(_, p)| p)
        })
    }

    /// The subscription of an option at `kva`, € per month, in force at `at`.
    pub fn subscription(&self, option: OptionId, kva: u32, at: i64) -> Option<f64> {
        let base = match option {
            OptionId::Builtin(b) => &in_force(&self.builtin[b as usize], at, |r| r.base.from)?.base,
            OptionId::Calendar(i) => {
                &in_force(&self.calendars.get(i)?.rows, at, |r| r.base.from)?.base
            }
        };
        base.subscription.get(&kva).copied()
    }
}

/// The last row whose start is at or before `at` (rows are in date order).
fn in_force<R>(rows: &[R], at: i64, from: impl Fn(&R) -> i64) -> Option<&R> {
    rows.iter().rev().find(|r| from(r) <= at)
}

/// The rows of a built-in option, checked: each gives exactly the option's periods, and the
/// rows are in date order.
fn builtin_rows(
    src: &Source<'_>,
    option: Builtin,
    rows: &[Spanned<RowDe>],
) -> Result<Vec<BuiltinRow>, Invalid> {
    let mut out: Vec<BuiltinRow> = Vec::with_capacity(rows.len());
    for spanned in rows {
        let row = spanned.get_ref();
        let at = spanned.span().start;
        let from = src.start_of(&row.from, option.day_start_hour())?;
        let mut prices = Vec::new();
        for &(name, period) in option.periods() {
            let value = row.field(name).ok_or_else(|| {
                src.error(
                    at,
                    Some(name),
                    format!(
                        "a [[{}]] row needs the price of each of its periods: {}",
                        option.name(),
                        option
                            .periods()
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            prices.push((period, src.price(name, value)?));
        }
        if let Some(stray) = ALL_PERIOD_FIELDS
            .iter()
            .find(|f| row.field(f).is_some() && !option.periods().iter().any(|(n, _)| n == *f))
        {
            let value = row.field(stray).map_or(at, |v| v.span().start);
            return Err(src.error(
                value,
                Some(stray),
                format!("not a period of {}", option.name()),
            ));
        }
        check_order(src, out.last().map(|r| r.base.from), from, &row.from)?;
        out.push(BuiltinRow {
            base: RowBase {
                from,
                subscription: src.subscription(&row.subscription)?,
            },
            prices,
        });
    }
    Ok(out)
}

fn check_order(
    src: &Source<'_>,
    previous: Option<i64>,
    from: i64,
    date: &Spanned<toml::value::Datetime>,
) -> Result<(), Invalid> {
    if previous.is_some_and(|p| p >= from) {
        return Err(src.error(
            date.span().start,
            Some("from"),
            "the rows of an option must come in date order, each after the one before",
        ));
    }
    Ok(())
}

/// The `[[calendar]]` rows, grouped by name in the order names first appear.
fn calendars(src: &Source<'_>, rows: &[Spanned<CalendarDe>]) -> Result<Vec<Calendar>, Invalid> {
    let mut out: Vec<Calendar> = Vec::new();
    for spanned in rows {
        let row = spanned.get_ref();
        let name = row.name.get_ref();
        if name.is_empty() || Builtin::ALL.iter().any(|b| b.name() == name) {
            return Err(src.error(
                row.name.span().start,
                Some("name"),
                "a calendar needs its own name, not empty nor base, hphc, tempo or ejp",
            ));
        }
        let mut by_index = [None; 10];
        for (key, value) in &row.index {
            let n = key
                .strip_prefix("EASF")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=10).contains(n))
                .ok_or_else(|| {
                    src.error(
                        value.span().start,
                        Some(&format!("index.{key}")),
                        "a supplier index is EASF01 to EASF10",
                    )
                })?;
            by_index[n - 1] = Some(src.price(&format!("index.{key}"), value)?);
        }
        let mut by_name = Vec::new();
        for (key, value) in &row.ltarf {
            by_name.push((
                key.trim().to_owned(),
                src.price(&format!("ltarf.{key}"), value)?,
            ));
        }
        if by_name.is_empty() && by_index.iter().all(Option::is_none) {
            return Err(src.error(spanned.span().start, Some("index"),
                "a calendar row needs prices, by supplier index (index.EASF01 = …) or by the meter's period name (ltarf.\"HC SEMAINE\" = …)"));
        }
        let calendar_row = CalendarRow {
            base: RowBase {
                from: src.start_of(&row.from, 0)?,
                subscription: src.subscription(&row.subscription)?,
            },
            by_index,
            by_name,
        };
        let i = match out.iter().position(|c| c.name == *name) {
            Some(i) => i,
            None => {
                out.push(Calendar {
                    name: name.clone(),
                    ngtf: row.ngtf.clone(),
                    rows: Vec::new(),
                });
                out.len() - 1
            }
        };
        let previous = out[i].rows.last().map(|r| r.base.from);
        check_order(src, previous, calendar_row.base.from, &row.from)?;
        out[i].rows.push(calendar_row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
