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
            pub fn lookup(mode: Mode, name: &[u8]) -> Option<Label> {
                if name.len() > MAX_KNOWN_LEN {
                    return None;
                }
                // The key holds the length: a name with leading NULs is not the label it ends
                // with (the first packing ignored them, and the fuzzer found "\0IMAX3" taken for
                // IMAX3).
                Label::lookup_key(name_key(mode, name))
            }

            /// Finds a known label by its key ([`name_key`]). (The decoder's fast path has a
            /// table of its own, [`FAST_TABLE`].)
            #[inline]
            fn lookup_key(key: u128) -> Option<Label> {
                let slot = usize::from(HASH_TABLE.slots[hash(key, HASH_TABLE.multiplier)]);
                let label = *Label::ALL.get(slot)?;
                (KEYS[slot] == key).then_some(label)
            }
        }
    };
}

/// Slots of the label hash table (a power of two).
const HASH_BITS: u32 = 12;

/// The hash table key of a name of at most 15 bytes and a mode: the name's bytes
/// little-endian, zero-padded, with the length and the mode in the top byte. Distinct names
/// have distinct keys, and one comparison checks both the name and the mode.
const fn name_key(mode: Mode, name: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    let mut i = 0;
    while i < name.len() && i < 15 {
        bytes[i] = name[i];
        i += 1;
    }
    bytes[15] = tag(mode, name.len());
    u128::from_le_bytes(bytes)
}

/// The top byte of a key: length in the low bits, mode in the top bit.
const fn tag(mode: Mode, len: usize) -> u8 {
    (len as u8 & 0x7F)
        | if matches!(mode, Mode::Standard) {
            0x80
        } else {
            0
        }
}

/// The hash table key of a known label.
const fn key_of(spec: &LabelSpec) -> u128 {
    name_key(spec.mode, spec.name.as_bytes())
}

/// Index of `key` in the hash table for a given multiplier.
const fn hash(key: u128, multiplier: u64) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (folded.wrapping_mul(multiplier) >> (64 - HASH_BITS)) as usize
}

/// A collision-free hash table from packed label to `Label` index (`u8::MAX` = empty).
struct HashTable {
    multiplier: u64,
    slots: [u8; 1 << HASH_BITS],
}

/// Built at compile time: odd multipliers are tried in turn until every known label gets a
/// slot of its own, so a lookup is one multiply, one load and one comparison. Every group of
/// the stream is looked up, which made this the decoder's most expensive step before.
static HASH_TABLE: HashTable = {
    let mut multiplier: u64 = 0x9E37_79B9_7F4A_7C15;
    loop {
        let mut slots = [u8::MAX; 1 << HASH_BITS];
        let mut ok = true;
        let mut i = 0;
        while i < SPECS.len() {
            let h = hash(key_of(&SPECS[i]), multiplier);
            if slots[h] != u8::MAX {
                ok = false;
                break;
            }
            slots[h] = i as u8;
            i += 1;
        }
        if ok {
            break HashTable { multiplier, slots };
        }
        multiplier = multiplier.wrapping_add(0x2545_F491_4F6C_DD1E) | 1;
    }
};

/// The hash table key of every known label, indexed like `SPECS`: comparing against it is one
/// 128-bit comparison instead of packing the name again and comparing the mode.
static KEYS: [u128; SPECS.len()] = {
    let mut keys = [0u128; SPECS.len()];
    let mut i = 0;
    while i < SPECS.len() {
        keys[i] = key_of(&SPECS[i]);
        i += 1;
    }
    keys
};

/// Where things must be in a known label's group, for the decoder's fast path: once the
/// label is known, its group has a fixed length and fixed positions for its separators,
/// horodate and value, so checking it is a handful of comparisons of bitmasks (bit `i` for
/// byte `i` of the group's content, the bytes between LF and CR) instead of a search.
///
/// Only groups that fit in 32 bytes with their CR have a layout (`len` is 0 for the others).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Content length: up to and including the checksum.
    pub len: u8,
    /// Where the value starts (it ends at `len - 2`).
    pub value_start: u8,
    /// Length of the label.
    pub label_len: u8,
    /// The group has a 13-byte horodate after the label's separator.
    pub horodated: bool,
    /// For a label whose value is a code (PTEC, DEMAIN, HHPHC, OPTARIF), the index of its
    /// codes in [`CODE_SETS`]; 0 for the others.
    pub codes: u8,
    /// The exact positions of HT (the separators of standard mode, none in historic mode).
    pub ht: u32,
    /// Positions that hold SP (the separators of historic mode).
    pub sp: u32,
    /// Positions that hold a decimal digit, an upper-case hexadecimal digit. (The other
    /// value bytes are printable characters: the charset says so, or the horodate or code
    /// check says more.)
    pub digits: u32,
    pub hex: u32,
}

/// The values a coded label accepts, as `(code, mask)` pairs: a value is accepted when its
/// first four bytes, read little-endian, give `code` once ANDed with `mask` for one of the
/// pairs. Comparing against every pair with no early exit is branch-free, unlike a search
/// through the list of codes. Set 0 (labels without codes) is not used; unused pairs match
/// nothing, and so do the sets that pad the table to a power of two (an index masked to it
/// needs no bounds check).
pub(crate) static CODE_SETS: [[(u32, u32); 11]; 8] = {
    const NONE: (u32, u32) = (u32::MAX, 0);
    /// A code of up to four bytes, compared on its own length.
    const fn code(text: &str) -> (u32, u32) {
        let b = text.as_bytes();
        let mut word = [0u8; 4];
        let mut mask = [0u8; 4];
        let mut i = 0;
        while i < b.len() {
            word[i] = b[i];
            mask[i] = 0xFF;
            i += 1;
        }
        (u32::from_le_bytes(word), u32::from_le_bytes(mask))
    }
    const fn set(codes: &[&str]) -> [(u32, u32); 11] {
        let mut set = [NONE; 11];
        let mut i = 0;
        while i < codes.len() {
            set[i] = code(codes[i]);
            i += 1;
        }
        set
    }
    let mut tariff = set(&["BASE", "HC..", "EJP.", "BBR"]);
    // `BBR` and any programme character: printable, which the fast path has checked.
    tariff[3].1 = 0x00FF_FFFF;
    [
        [NONE; 11],
        set(PERIOD_CODES),
        set(TOMORROW_CODES),
        set(SCHEDULE_CODES),
        tariff,
        [NONE; 11],
        [NONE; 11],
        [NONE; 11],
    ]
};

/// Two code lists are the same (a `const` comparison of their texts).
const fn same_codes(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        let (x, y) = (a[i].as_bytes(), b[i].as_bytes());
        if x.len() != y.len() {
            return false;
        }
        let mut j = 0;
        while j < x.len() {
            if x[j] != y[j] {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// The [`Layout`] of every known label, indexed like `SPECS`.
pub(crate) static LAYOUTS: [Layout; SPECS.len()] = {
    let empty = Layout {
        len: 0,
        value_start: 0,
        label_len: 0,
        horodated: false,
        codes: 0,
        ht: 0,
        sp: 0,
        digits: 0,
        hex: 0,
    };
    let mut layouts = [empty; SPECS.len()];
    let mut i = 0;
    while i < SPECS.len() {
        let spec = &SPECS[i];
        let name_len = spec.name.len();
        let horodated = matches!(spec.horodated, Horodated::Yes);
        // LABEL sep [HORODATE sep] VALUE sep CHECKSUM
        let value_start = name_len + 1 + if horodated { 14 } else { 0 };
        let len = value_start + spec.width as usize + 2;
        if len < 32 {
            let value = ((1u32 << spec.width) - 1) << value_start;
            let horodate_sep = if horodated { 1 << (name_len + 14) } else { 0 };
            let seps = (1 << name_len) | (1 << (len - 2)) | horodate_sep;
            let standard = matches!(spec.mode, Mode::Standard);
            layouts[i] = Layout {
                len: len as u8,
                value_start: value_start as u8,
                label_len: name_len as u8,
                horodated,
                codes: match spec.charset {
                    Charset::OneOf(codes) if same_codes(codes, PERIOD_CODES) => 1,
                    Charset::OneOf(codes) if same_codes(codes, TOMORROW_CODES) => 2,
                    Charset::OneOf(codes) if same_codes(codes, SCHEDULE_CODES) => 3,
                    Charset::TariffOption => 4,
                    Charset::Digits | Charset::Hex | Charset::Printable => 0,
                    // Another code list or a day profile: no layout, the slow path checks it.
                    _ => {
                        i += 1;
                        continue;
                    }
                },
                ht: if standard { seps } else { 0 },
                sp: if standard { 0 } else { seps },
                digits: if matches!(spec.charset, Charset::Digits) {
                    value
                } else {
                    0
                },
                hex: if matches!(spec.charset, Charset::Hex) {
                    value
                } else {
                    0
                },
            };
        }
        i += 1;
    }
    layouts
};

/// A known label's group as a per-byte template, for the decoder's fast path
/// ([`super::group::check_window`]): byte `i` of a valid group's window (the content, its CR,
/// then anything) lies in `lo[i] ..= lo[i] + span[i]`. Label bytes, separators and the CR are
/// exact (span 0), values are digits, hexadecimal or printable by their charset, the checksum
/// is in `0x20..=0x5F` and the bytes past the CR are free (span 0xFF). So one wrapping
/// subtraction and one unsigned comparison per byte, over the whole window at once, check the
/// label, the length, the mode and the shape; what remains is the checksum and, for a few
/// labels, the horodate, the hexadecimal digits or the code.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
pub(crate) struct Fast {
    pub lo: [u8; 32],
    pub span: [u8; 32],
    /// 0xFF for the bytes the checksum adds up (method 1 or 2 by the mode), 0 for the others.
    pub sum: [u8; 32],
    /// Positions that must be hexadecimal digits: the template lets `0x30..=0x46` through,
    /// and `0x3A..=0x40` must then be refused.
    pub hex: u32,
    /// Content length (the index of the CR); 0 for an entry that matches no group.
    pub len: u8,
    /// Where the value ends: the length of the group once its separator and checksum are
    /// dropped.
    pub value_end: u8,
    pub label_len: u8,
    pub horodated: bool,
    /// As [`Layout::codes`].
    pub codes: u8,
    pub label: Label,
}

/// Entries of [`FAST`]: the known labels, then entries that match nothing (`len` 0), to a
/// power of two so that an index masked to it needs no bounds check.
pub(crate) const FAST_LEN: usize = 128;
const _: () = assert!(SPECS.len() < FAST_LEN);

/// The [`Fast`] template of every known label with a layout, indexed like `SPECS`.
pub(crate) static FAST: [Fast; FAST_LEN] = {
    let none = Fast {
        lo: [0; 32],
        span: [0; 32],
        sum: [0; 32],
        hex: 0,
        len: 0,
        value_end: 0,
        label_len: 0,
        horodated: false,
        codes: 0,
        label: Label::ALL[0],
    };
    let mut table = [none; FAST_LEN];
    let mut i = 0;
    while i < SPECS.len() {
        let spec = &SPECS[i];
        let layout = &LAYOUTS[i];
        let len = layout.len as usize;
        if len == 0 {
            i += 1;
            continue;
        }
        let mut f = none;
        f.span = [0xFF; 32];
        let name = spec.name.as_bytes();
        let standard = matches!(spec.mode, Mode::Standard);
        let sep = if standard { b'\t' } else { b' ' };
        let mut p = 0;
        while p < len {
            let bit = 1u32 << p;
            let (lo, span) = if p < name.len() {
                (name[p], 0)
            } else if (layout.ht | layout.sp) & bit != 0 {
                (sep, 0)
            } else if p == len - 1 {
                (0x20, 0x3F)
            } else if layout.digits & bit != 0 {
                (b'0', 9)
            } else if layout.hex & bit != 0 {
                (b'0', b'F' - b'0')
            } else {
                // Printable values, coded values and horodates (checked further).
                (0x20, 0x7E - 0x20)
            };
            f.lo[p] = lo;
            f.span[p] = span;
            p += 1;
        }
        f.lo[len] = b'\r';
        f.span[len] = 0;
        // Method 1 stops before the last separator, method 2 includes it.
        let summed = if standard { len - 1 } else { len - 2 };
        let mut p = 0;
        while p < summed {
            f.sum[p] = 0xFF;
            p += 1;
        }
        f.hex = layout.hex;
        f.len = len as u8;
        f.value_end = (len - 2) as u8;
        f.label_len = layout.label_len;
        f.horodated = layout.horodated;
        f.codes = layout.codes;
        f.label = Label::ALL[i];
        table[i] = f;
        i += 1;
    }
    table
};

/// Slots of the fast path's label hash table (a power of two).
const FAST_HASH_BITS: u32 = 12;

/// The fast path's hash of a label: its first bytes (up to 8, read little-endian as `head`,
/// the bytes past the label ignored), its length `len` and the mode. Not unique (a label of
/// more than 8 bytes is known by its first 8), and it need not be: the template says whether
/// the group is that label's. It only has to give every known label a slot of its own.
#[inline(always)]
pub(crate) const fn fast_slot(standard: bool, head: u64, len: usize, multiplier: u64) -> usize {
    /// `KEEP[n]` keeps the low `n` bytes.
    const KEEP: [u64; 9] = {
        let mut keep = [u64::MAX; 9];
        let mut n = 0;
        while n < 8 {
            keep[n] = (1 << (8 * n)) - 1;
            n += 1;
        }
        keep
    };
    let tag = (len as u64 & 0x3F) | if standard { 0x40 } else { 0 };
    let key = (head & KEEP[if len < 8 { len } else { 8 }]) ^ (tag << 56);
    (key.wrapping_mul(multiplier) >> (64 - FAST_HASH_BITS)) as usize
}

/// The fast path's label table: slot ([`fast_slot`]) to index in [`FAST`] (an entry that
/// matches nothing for empty slots). Built at compile time like [`HASH_TABLE`].
pub(crate) struct FastTable {
    pub multiplier: u64,
    pub slots: [u8; 1 << FAST_HASH_BITS],
}

pub(crate) static FAST_TABLE: FastTable = {
    let mut multiplier: u64 = 0x9E37_79B9_7F4A_7C15;
    loop {
        let mut slots = [(FAST_LEN - 1) as u8; 1 << FAST_HASH_BITS];
        let mut ok = true;
        let mut i = 0;
        while i < SPECS.len() {
            if LAYOUTS[i].len != 0 {
                let spec = &SPECS[i];
                let name = spec.name.as_bytes();
                let mut head = [0u8; 8];
                let mut j = 0;
                while j < name.len() && j < 8 {
                    head[j] = name[j];
                    j += 1;
                }
                let standard = matches!(spec.mode, Mode::Standard);
                let h = fast_slot(standard, u64::from_le_bytes(head), name.len(), multiplier);
                if slots[h] != (FAST_LEN - 1) as u8 {
                    ok = false;
                    break;
                }
                slots[h] = i as u8;
            }
            i += 1;
        }
        if ok {
            break FastTable { multiplier, slots };
        }
        multiplier = multiplier.wrapping_add(0x2545_F491_4F6C_DD1E) | 1;
    }
};

/// Longest known label (`SMAXSN1-1`).
const MAX_KNOWN_LEN: usize = 9;

// Keys hold names of at most 15 bytes.
const _: () = assert!(MAX_KNOWN_LEN < 16);

/// A label packed big-endian into an integer: unique for labels of up to 16 bytes that contain
/// no NUL (the keys used to be built this way; kept for the uniqueness test).
#[cfg(test)]
const fn pack(name: &[u8]) -> u128 {
    let mut key = 0u128;
    let mut i = 0;
    while i < name.len() {
        key = (key << 8) | name[i] as u128;
        i += 1;
    }
    key
}

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
        let mut keys: Vec<u128> = Label::ALL
            .iter()
            .map(|l| pack(l.name().as_bytes()))
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Label::ALL.len());
        assert!(Label::ALL.len() < usize::from(u8::MAX));
    }
}
