//! The known labels of both TIC modes and the shape of their values.
//!
//! The 6-bit checksum is weak (two extra spaces or a dropped 4-byte block can pass it), so each
//! known label also carries the exact width and character set of its value. A group that passes
//! its checksum but not its label's shape is rejected as a format error. The table follows the
//! Enedis specifications (historic mode: ERDF-NOI-CPT_02E, standard mode: Enedis-NOI-CPT_54E);
//! see `docs/tic-protocol.md` §4 in the design notes.

use super::Mode;

/// The characters a value may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// ASCII digits `0-9` only (indexes, powers, currents, identifiers).
    Digits,
    /// Upper-case hexadecimal digits (STGE, PPOT).
    Hex,
    /// Any printable ASCII character, space included (names, messages).
    Printable,
    /// One of a fixed list of codes (PTEC, DEMAIN, HHPHC): a substitution the checksum misses
    /// cannot turn a code into another valid one.
    OneOf(&'static [&'static str]),
    /// OPTARIF: `BASE`, `HC..`, `EJP.` or `BBR` followed by a programme character.
    TariffOption,
    /// PJOURF+1 / PPOINTE: eleven space-separated blocks, each `NONUTILE` or `HHMM` + 4 hex.
    DayProfile,
}

/// PTEC values (02E §2.3).
pub const PERIOD_CODES: &[&str] = &[
    "TH..", "HC..", "HP..", "HN..", "PM..", "HCJB", "HCJW", "HCJR", "HPJB", "HPJW", "HPJR",
];
/// DEMAIN values.
pub const TOMORROW_CODES: &[&str] = &["----", "BLEU", "BLAN", "ROUG"];
/// HHPHC values.
pub const SCHEDULE_CODES: &[&str] = &["A", "C", "D", "E", "Y"];

/// Whether a group carries a horodate (standard mode only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horodated {
    No,
    Yes,
}

/// The expected shape of one label's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelSpec {
    /// The label as sent on the line.
    pub name: &'static str,
    /// The mode that sends it.
    pub mode: Mode,
    /// Exact number of value characters.
    pub width: u8,
    /// Allowed value characters.
    pub charset: Charset,
    /// Whether the group has a horodate field.
    pub horodated: Horodated,
}

/// What a label's value is about, beyond its shape: the columns of the label table that the
/// meter and the metric mapping read, so that neither keeps lists of labels of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// What it measures; [`Quantity::Other`] for identifiers, codes, texts and registers.
    pub quantity: Quantity,
    /// The phase it is about (1-3), or 0 for the whole meter. A single-phase meter's current
    /// (IINST, ADPS, IMAX) is phase 1.
    pub phase: u8,
    /// Only a three-phase meter sends it: one such group makes the meter three-phase.
    pub three_phase: bool,
}

/// What a label measures. Labels of one quantity are one metric family (`teleinfo_iinst_amperes`
/// is every [`Quantity::Current`]), and the quantity gives the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Not a measure (its typed reading says what it is).
    Other,
    /// The energy index of a tariff period: a historic option index or EASFnn, Wh.
    PeriodIndex,
    /// A distributor index (EASDnn), Wh.
    DistributorIndex,
    /// Total active energy drawn (EAST), Wh.
    EnergyDrawn,
    /// Total active energy injected (EAIT), Wh.
    EnergyInjected,
    /// Reactive energy of one quadrant (ERQn), varh.
    ReactiveEnergy { quadrant: u8 },
    /// Apparent power drawn now, VA: the whole meter (phase 0) or one phase.
    ApparentPower,
    /// Apparent power injected now (SINSTI), VA.
    InjectedPower,
    /// Maximum apparent power drawn on a day, VA (PMAX is yesterday's on a Linky).
    MaxPower(Day),
    /// Maximum apparent power injected on a day, VA.
    MaxInjectedPower(Day),
    /// Active power of a load-curve point, W.
    LoadCurve { injected: bool, previous: bool },
    /// A power setting of the contract, kVA (PREF, PCOUP).
    PowerSetting,
    /// RMS current, A.
    Current,
    /// The current of a phase above the subscription (ADPS, ADIRn), A.
    OverloadCurrent,
    /// Maximum current (IMAX), A.
    MaxCurrent,
    /// Subscribed current (ISOUSC), A.
    SubscribedCurrent,
    /// RMS voltage, V.
    Voltage,
    /// Mean voltage over 10 minutes, V.
    AverageVoltage,
    /// A notice in minutes (PEJP).
    Notice,
}

/// The day a daily maximum is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Today,
    Yesterday,
}

impl Day {
    /// As in the `day` metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Day::Today => "today",
            Day::Yesterday => "yesterday",
        }
    }
}

impl Facts {
    /// A label that measures nothing, of the whole meter.
    pub const OTHER: Facts = Facts::of(Quantity::Other);

    /// A label of the whole meter that measures `quantity`.
    pub const fn of(quantity: Quantity) -> Facts {
        Facts {
            quantity,
            phase: 0,
            three_phase: false,
        }
    }

    /// The same facts, about phase `n`.
    pub const fn phase(self, n: u8) -> Facts {
        Facts { phase: n, ..self }
    }

    /// The same facts, for a label only a three-phase meter sends.
    pub const fn three_phase(self) -> Facts {
        Facts {
            three_phase: true,
            ..self
        }
    }

    /// An energy counter: a value that never goes down, watched by the plausibility filter.
    pub const fn energy_counter(&self) -> bool {
        matches!(
            self.quantity,
            Quantity::PeriodIndex
                | Quantity::DistributorIndex
                | Quantity::EnergyDrawn
                | Quantity::EnergyInjected
                | Quantity::ReactiveEnergy { .. }
        )
    }
}

/// The labels whose [`Facts`] meet a condition, in table order, as a constant array:
/// `labels_where!(l => matches!(l.facts().quantity, Quantity::Current))`. Evaluated at
/// compile time, so a scrape walks a short list instead of the whole table.
macro_rules! labels_where {
    ($l:ident => $cond:expr) => {{
        use $crate::tic::Label;
        const N: usize = {
            let (mut n, mut i) = (0, 0);
            while i < Label::ALL.len() {
                let $l = Label::ALL[i];
                if $cond {
                    n += 1;
                }
                i += 1;
            }
            n
        };
        const LABELS: [Label; N] = {
            let mut out = [Label::ALL[0]; N];
            let (mut n, mut i) = (0, 0);
            while i < Label::ALL.len() {
                let $l = Label::ALL[i];
                if $cond {
                    out[n] = $l;
                    n += 1;
                }
                i += 1;
            }
            out
        };
        LABELS
    }};
}
pub(crate) use labels_where;

impl Label {
    /// The facts of this label (its row of the label table).
    pub const fn facts(self) -> &'static Facts {
        &FACTS[self as usize]
    }

    /// The mode that sends this label.
    pub const fn mode(self) -> Mode {
        SPECS[self as usize].mode
    }
}

/// A row's facts, [`Facts::OTHER`] when the row gives none.
macro_rules! facts_or_other {
    () => {
        Facts::OTHER
    };
    ($facts:expr) => {
        $facts
    };
}

macro_rules! labels {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $mode:ident, $width:literal, $charset:expr, $horodated:ident $(=> $facts:expr)?; )*) => {
        /// The facts of every known label, indexed by `Label as usize`.
        const FACTS: &[Facts] = &[ $( facts_or_other!($($facts)?), )* ];

        /// A label this decoder knows, in emission order within each mode.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Label {
            $( $(#[$doc])* $variant, )*
        }

        /// The shape of every known label, indexed by `Label as usize`.
        const SPECS: &[LabelSpec] = &[
            $( LabelSpec {
                name: $name,
                mode: Mode::$mode,
                width: $width,
                charset: $charset,
                horodated: Horodated::$horodated,
            }, )*
        ];

        impl Label {
            /// The shape of this label's group.
            pub fn spec(self) -> &'static LabelSpec {
                &SPECS[self as usize]
            }

            /// The label as sent on the line.
            pub fn name(self) -> &'static str {
                self.spec().name
            }

            /// Every known label, in table order.
            pub const ALL: &'static [Label] = &[ $( Label::$variant, )* ];

            /// Finds a known label of `mode` by its name on the line.
            ///
            /// Every group of the stream is looked up, so this is a `match` on the name's first
            /// eight bytes as one integer (the compiler makes it a few comparisons, where a
            /// `match` on the names would compare them one after the other), then one check of
            /// the length, the last byte and the mode. The length check keeps a name with NULs
            /// from being the label it contains (the fuzzer found "\0IMAX3" taken for IMAX3 by
            /// an earlier lookup).
            pub fn lookup(mode: Mode, name: &[u8]) -> Option<Label> {
                Label::lookup_head(mode, head(name), name)
            }

            /// [`Label::lookup`] for a parser that has the name's [`head`] at hand already.
            #[inline(always)]
            pub(crate) fn lookup_head(mode: Mode, head: u64, name: &[u8]) -> Option<Label> {
                if name.len() > MAX_KNOWN_LEN {
                    return None;
                }
                #[deny(unreachable_patterns)] // two labels with the same head
                let label = match head {
                    $( heads::$variant => Label::$variant, )*
                    _ => return None,
                };
                let spec = label.spec();
                let known = spec.name.as_bytes();
                (known.len() == name.len() && known.last() == name.last() && spec.mode == mode)
                    .then_some(label)
            }
        }

        /// The [`head`] of every known label, as constants to `match` on.
        #[allow(non_upper_case_globals)]
        mod heads {
            $( pub(super) const $variant: u64 = super::head($name.as_bytes()); )*
        }
    };
}

/// The first eight bytes of a name (of fewer, zero-padded) as one integer: the key of
/// [`Label::lookup`]'s `match`. Known labels differ in their first eight bytes (the three
/// 9-character ones too: `SMAXSN1-`, `SMAXSN2-`, `SMAXSN3-`).
const fn head(name: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < name.len() && i < 8 {
        key |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

/// Longest known label (`SMAXSN1-1`).
const MAX_KNOWN_LEN: usize = 9;

// The head and the last byte cover every byte of a known label.
const _: () = assert!(MAX_KNOWN_LEN <= 9);

labels! {
    // ---- historic mode (02E tables 2-6, 54E §6.1) ----
    /// Meter address (serial number).
    Adco = "ADCO", Historic, 12, Charset::Digits, No;
    /// Tariff option (`BASE`, `HC..`, `EJP.`, `BBRx`).
    Optarif = "OPTARIF", Historic, 4, Charset::TariffOption, No;
    /// Subscribed current, A.
    Isousc = "ISOUSC", Historic, 2, Charset::Digits, No
        => Facts::of(Quantity::SubscribedCurrent);
    /// Index, Base option, Wh.
    Base = "BASE", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, HC option, off-peak hours, Wh.
    Hchc = "HCHC", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, HC option, peak hours, Wh.
    Hchp = "HCHP", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, EJP option, normal hours, Wh.
    Ejphn = "EJPHN", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, EJP option, mobile-peak hours, Wh.
    Ejphpm = "EJPHPM", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo blue days, off-peak, Wh.
    Bbrhcjb = "BBRHCJB", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo blue days, peak, Wh.
    Bbrhpjb = "BBRHPJB", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo white days, off-peak, Wh.
    Bbrhcjw = "BBRHCJW", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo white days, peak, Wh.
    Bbrhpjw = "BBRHPJW", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo red days, off-peak, Wh.
    Bbrhcjr = "BBRHCJR", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Index, Tempo red days, peak, Wh.
    Bbrhpjr = "BBRHPJR", Historic, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// EJP start notice, minutes (always `30`).
    Pejp = "PEJP", Historic, 2, Charset::Digits, No
        => Facts::of(Quantity::Notice);
    /// Current tariff period (`TH..`, `HC..`, `HPJB`, …).
    Ptec = "PTEC", Historic, 4, Charset::OneOf(PERIOD_CODES), No;
    /// Tomorrow's Tempo colour (`----`, `BLEU`, `BLAN`, `ROUG`).
    Demain = "DEMAIN", Historic, 4, Charset::OneOf(TOMORROW_CODES), No;
    /// Instantaneous current, single-phase, A.
    Iinst = "IINST", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(1);
    /// Instantaneous current, phase 1, A.
    Iinst1 = "IINST1", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(1).three_phase();
    /// Instantaneous current, phase 2, A.
    Iinst2 = "IINST2", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(2).three_phase();
    /// Instantaneous current, phase 3, A.
    Iinst3 = "IINST3", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(3).three_phase();
    /// Over-subscription warning (single-phase), A; sent only while overloaded.
    Adps = "ADPS", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::OverloadCurrent).phase(1);
    /// Over-current on phase 1, A; three-phase short frames only.
    Adir1 = "ADIR1", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::OverloadCurrent).phase(1).three_phase();
    /// Over-current on phase 2, A.
    Adir2 = "ADIR2", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::OverloadCurrent).phase(2).three_phase();
    /// Over-current on phase 3, A.
    Adir3 = "ADIR3", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::OverloadCurrent).phase(3).three_phase();
    /// Maximum current, single-phase, A.
    Imax = "IMAX", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::MaxCurrent).phase(1);
    /// Maximum current, phase 1, A.
    Imax1 = "IMAX1", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::MaxCurrent).phase(1).three_phase();
    /// Maximum current, phase 2, A.
    Imax2 = "IMAX2", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::MaxCurrent).phase(2).three_phase();
    /// Maximum current, phase 3, A.
    Imax3 = "IMAX3", Historic, 3, Charset::Digits, No
        => Facts::of(Quantity::MaxCurrent).phase(3).three_phase();
    /// Maximum three-phase power (Linky: yesterday's maximum apparent power, VA).
    Pmax = "PMAX", Historic, 5, Charset::Digits, No
        => Facts::of(Quantity::MaxPower(Day::Yesterday));
    /// Apparent power, VA.
    Papp = "PAPP", Historic, 5, Charset::Digits, No
        => Facts::of(Quantity::ApparentPower);
    /// HP/HC schedule group.
    Hhphc = "HHPHC", Historic, 1, Charset::OneOf(SCHEDULE_CODES), No;
    /// Meter status word (reserved to the distributor).
    Motdetat = "MOTDETAT", Historic, 6, Charset::Hex, No;
    /// Phase presence bits (three-phase).
    Ppot = "PPOT", Historic, 2, Charset::Hex, No
        => Facts::OTHER.three_phase();

    // ---- standard mode (54E §6.2.2) ----
    /// Secondary meter address (serial number).
    Adsc = "ADSC", Standard, 12, Charset::Digits, No;
    /// TIC version.
    Vtic = "VTIC", Standard, 2, Charset::Digits, No;
    /// Current date and time (value empty, the horodate carries it).
    Date = "DATE", Standard, 0, Charset::Digits, Yes;
    /// Supplier tariff calendar name.
    Ngtf = "NGTF", Standard, 16, Charset::Printable, No;
    /// Current supplier tariff label.
    Ltarf = "LTARF", Standard, 16, Charset::Printable, No;
    /// Total active energy drawn, Wh.
    East = "EAST", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::EnergyDrawn);
    /// Active energy drawn, supplier index 1, Wh.
    Easf01 = "EASF01", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 2, Wh.
    Easf02 = "EASF02", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 3, Wh.
    Easf03 = "EASF03", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 4, Wh.
    Easf04 = "EASF04", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 5, Wh.
    Easf05 = "EASF05", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 6, Wh.
    Easf06 = "EASF06", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 7, Wh.
    Easf07 = "EASF07", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 8, Wh.
    Easf08 = "EASF08", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 9, Wh.
    Easf09 = "EASF09", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Supplier index 10, Wh.
    Easf10 = "EASF10", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::PeriodIndex);
    /// Active energy drawn, distributor index 1, Wh.
    Easd01 = "EASD01", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::DistributorIndex);
    /// Distributor index 2, Wh.
    Easd02 = "EASD02", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::DistributorIndex);
    /// Distributor index 3, Wh.
    Easd03 = "EASD03", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::DistributorIndex);
    /// Distributor index 4, Wh.
    Easd04 = "EASD04", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::DistributorIndex);
    /// Total active energy injected, Wh (producers).
    Eait = "EAIT", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::EnergyInjected);
    /// Total reactive energy, quadrant 1, varh.
    Erq1 = "ERQ1", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::ReactiveEnergy { quadrant: 1 });
    /// Total reactive energy, quadrant 2, varh.
    Erq2 = "ERQ2", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::ReactiveEnergy { quadrant: 2 });
    /// Total reactive energy, quadrant 3, varh.
    Erq3 = "ERQ3", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::ReactiveEnergy { quadrant: 3 });
    /// Total reactive energy, quadrant 4, varh.
    Erq4 = "ERQ4", Standard, 9, Charset::Digits, No
        => Facts::of(Quantity::ReactiveEnergy { quadrant: 4 });
    /// RMS current, phase 1, A.
    Irms1 = "IRMS1", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(1);
    /// RMS current, phase 2, A.
    Irms2 = "IRMS2", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(2).three_phase();
    /// RMS current, phase 3, A.
    Irms3 = "IRMS3", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Current).phase(3).three_phase();
    /// RMS voltage, phase 1, V.
    Urms1 = "URMS1", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Voltage).phase(1);
    /// RMS voltage, phase 2, V.
    Urms2 = "URMS2", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Voltage).phase(2).three_phase();
    /// RMS voltage, phase 3, V.
    Urms3 = "URMS3", Standard, 3, Charset::Digits, No
        => Facts::of(Quantity::Voltage).phase(3).three_phase();
    /// Reference (subscribed) apparent power, kVA.
    Pref = "PREF", Standard, 2, Charset::Digits, No
        => Facts::of(Quantity::PowerSetting);
    /// Cut-off apparent power, kVA.
    Pcoup = "PCOUP", Standard, 2, Charset::Digits, No
        => Facts::of(Quantity::PowerSetting);
    /// Instantaneous apparent power drawn, VA.
    Sinsts = "SINSTS", Standard, 5, Charset::Digits, No
        => Facts::of(Quantity::ApparentPower);
    /// Instantaneous apparent power drawn, phase 1, VA.
    Sinsts1 = "SINSTS1", Standard, 5, Charset::Digits, No
        => Facts::of(Quantity::ApparentPower).phase(1).three_phase();
    /// Phase 2, VA.
    Sinsts2 = "SINSTS2", Standard, 5, Charset::Digits, No
        => Facts::of(Quantity::ApparentPower).phase(2).three_phase();
    /// Phase 3, VA.
    Sinsts3 = "SINSTS3", Standard, 5, Charset::Digits, No
        => Facts::of(Quantity::ApparentPower).phase(3).three_phase();
    /// Maximum apparent power drawn today, VA.
    Smaxsn = "SMAXSN", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Today));
    /// Maximum today, phase 1, VA.
    Smaxsn1 = "SMAXSN1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Today)).phase(1);
    /// Maximum today, phase 2, VA.
    Smaxsn2 = "SMAXSN2", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Today)).phase(2);
    /// Maximum today, phase 3, VA.
    Smaxsn3 = "SMAXSN3", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Today)).phase(3);
    /// Maximum apparent power drawn yesterday, VA.
    SmaxsnYesterday = "SMAXSN-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Yesterday));
    /// Maximum yesterday, phase 1, VA (a 9-character label).
    Smaxsn1Yesterday = "SMAXSN1-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Yesterday)).phase(1);
    /// Maximum yesterday, phase 2, VA.
    Smaxsn2Yesterday = "SMAXSN2-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Yesterday)).phase(2);
    /// Maximum yesterday, phase 3, VA.
    Smaxsn3Yesterday = "SMAXSN3-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxPower(Day::Yesterday)).phase(3);
    /// Instantaneous apparent power injected, VA.
    Sinsti = "SINSTI", Standard, 5, Charset::Digits, No
        => Facts::of(Quantity::InjectedPower);
    /// Maximum apparent power injected today, VA.
    Smaxin = "SMAXIN", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxInjectedPower(Day::Today));
    /// Maximum apparent power injected yesterday, VA.
    SmaxinYesterday = "SMAXIN-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::MaxInjectedPower(Day::Yesterday));
    /// Load-curve point n, active power drawn, W.
    Ccasn = "CCASN", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::LoadCurve { injected: false, previous: false });
    /// Load-curve point n-1, active power drawn, W.
    CcasnPrevious = "CCASN-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::LoadCurve { injected: false, previous: true });
    /// Load-curve point n, active power injected, W.
    Ccain = "CCAIN", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::LoadCurve { injected: true, previous: false });
    /// Load-curve point n-1, active power injected, W.
    CcainPrevious = "CCAIN-1", Standard, 5, Charset::Digits, Yes
        => Facts::of(Quantity::LoadCurve { injected: true, previous: true });
    /// Mean voltage over 10 minutes, phase 1, V.
    Umoy1 = "UMOY1", Standard, 3, Charset::Digits, Yes
        => Facts::of(Quantity::AverageVoltage).phase(1);
    /// Mean voltage, phase 2, V.
    Umoy2 = "UMOY2", Standard, 3, Charset::Digits, Yes
        => Facts::of(Quantity::AverageVoltage).phase(2);
    /// Mean voltage, phase 3, V.
    Umoy3 = "UMOY3", Standard, 3, Charset::Digits, Yes
        => Facts::of(Quantity::AverageVoltage).phase(3);
    /// Status register, 8 hexadecimal digits.
    Stge = "STGE", Standard, 8, Charset::Hex, No;
    /// Mobile peak 1 start.
    Dpm1 = "DPM1", Standard, 2, Charset::Digits, Yes;
    /// Mobile peak 1 end.
    Fpm1 = "FPM1", Standard, 2, Charset::Digits, Yes;
    /// Mobile peak 2 start.
    Dpm2 = "DPM2", Standard, 2, Charset::Digits, Yes;
    /// Mobile peak 2 end.
    Fpm2 = "FPM2", Standard, 2, Charset::Digits, Yes;
    /// Mobile peak 3 start.
    Dpm3 = "DPM3", Standard, 2, Charset::Digits, Yes;
    /// Mobile peak 3 end.
    Fpm3 = "FPM3", Standard, 2, Charset::Digits, Yes;
    /// Short message.
    Msg1 = "MSG1", Standard, 32, Charset::Printable, No;
    /// Ultra-short message.
    Msg2 = "MSG2", Standard, 16, Charset::Printable, No;
    /// Delivery point identifier.
    Prm = "PRM", Standard, 14, Charset::Digits, No;
    /// Relay states, decimal 000-255.
    Relais = "RELAIS", Standard, 3, Charset::Digits, No;
    /// Current supplier tariff index number, 01-10.
    Ntarf = "NTARF", Standard, 2, Charset::Digits, No;
    /// Today's supplier day-profile number.
    Njourf = "NJOURF", Standard, 2, Charset::Digits, No;
    /// Tomorrow's supplier day-profile number.
    NjourfTomorrow = "NJOURF+1", Standard, 2, Charset::Digits, No;
    /// Tomorrow's supplier day profile.
    PjourfTomorrow = "PJOURF+1", Standard, 98, Charset::DayProfile, No;
    /// Next peak day profile.
    Ppointe = "PPOINTE", Standard, 98, Charset::DayProfile, No;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_is_found_by_its_name_in_its_mode_only() {
        for &label in Label::ALL {
            let spec = label.spec();
            assert_eq!(Label::lookup(spec.mode, spec.name.as_bytes()), Some(label));
            let other = match spec.mode {
                Mode::Historic => Mode::Standard,
                Mode::Standard => Mode::Historic,
            };
            assert_eq!(Label::lookup(other, spec.name.as_bytes()), None);
        }
        assert_eq!(Label::lookup(Mode::Historic, b"PAP"), None);
        assert_eq!(Label::lookup(Mode::Historic, b"PAPPP"), None);
        assert_eq!(Label::lookup(Mode::Standard, b"SMAXSN1-12"), None);
        assert_eq!(Label::lookup(Mode::Standard, b""), None);
    }

    #[test]
    fn lookup_takes_no_name_with_nuls() {
        assert_eq!(Label::lookup(Mode::Historic, b"\0PAPP"), None);
        assert_eq!(Label::lookup(Mode::Historic, b"\0\0IMAX3"), None);
        assert_eq!(Label::lookup(Mode::Historic, b"PAPP\0"), None);
        assert_eq!(Label::lookup(Mode::Historic, b"PA\0PP"), None);
        assert_eq!(Label::lookup(Mode::Historic, b"\0\0\0"), None);
    }

    #[test]
    fn names_are_unique() {
        let mut keys: Vec<&str> = Label::ALL.iter().map(|l| l.name()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Label::ALL.len());
        assert!(Label::ALL.len() < usize::from(u8::MAX));
    }
}
