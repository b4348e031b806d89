//! One group (dataset): splitting, checksum and shape checks.
//!
//! A group is the bytes between LF and CR. The last byte is the checksum (it may be a space, so
//! the line is never whitespace-split or trimmed) and the byte before it is the separator, which
//! also tells the mode: SP for historic, HT for standard. The fields are then taken positionally:
//! historic `LABEL SP VALUE` (the value is everything after the first SP), standard
//! `LABEL HT [HORODATE HT] VALUE` (the value may be empty, as for `DATE`).

use super::Mode;
use super::horodate;
use super::label::{Charset, Horodated, Label};

/// Longest label accepted for an unknown label (known labels are at most 9 characters).
pub const MAX_LABEL_LEN: usize = 16;

/// Why a group was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// The checksum character does not match the group's bytes.
    #[error("checksum mismatch: expected {expected:?}, found {found:?}", expected = *expected as char, found = *found as char)]
    Checksum { expected: u8, found: u8 },
    /// The checksum matched (or could not be located) but the group's shape is wrong.
    #[error("malformed group: {0}")]
    Format(#[from] FormatError),
}

/// The ways a group can be malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("too short to hold a label, a separator and a checksum")]
    TooShort,
    #[error("the byte before the checksum is neither SP nor HT")]
    NoSeparatorBeforeChecksum,
    #[error("no separator between label and value")]
    NoValue,
    #[error("label is empty, too long or has non-printable characters")]
    BadLabel,
    #[error("more fields than label, horodate and value")]
    TooManyFields,
    #[error("horodate is not SYYMMDDhhmmss")]
    BadHorodate,
    #[error("{0:?} needs a horodate")]
    MissingHorodate(Label),
    #[error("{0:?} has an unexpected horodate")]
    UnexpectedHorodate(Label),
    #[error("{label:?} value has {found} characters, expected {expected}")]
    BadWidth {
        label: Label,
        expected: u8,
        found: usize,
    },
    #[error("{0:?} value has characters outside its character set")]
    BadCharacters(Label),
    #[error("value has non-printable characters")]
    NonPrintableValue,
}

/// Where the fields of a valid group lie within its content (offsets from the byte after LF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedGroup {
    pub mode: Mode,
    pub label: Option<Label>,
    pub label_end: usize,
    /// Start and end of the horodate, if any.
    pub horodate: Option<(usize, usize)>,
    pub value_start: usize,
    pub value_end: usize,
}

/// Character classes, one bit each, so that one AND over a field tells which classes all of
/// its bytes belong to.
const DIGIT: u8 = 1;
const HEX: u8 = 2;
const PRINTABLE: u8 = 4;
const LABEL_CHAR: u8 = 8;
const ALL_CLASSES: u8 = DIGIT | HEX | PRINTABLE | LABEL_CHAR;

#[allow(
    clippy::cast_possible_truncation,
    reason = "the index runs below 256, and try_from is not const"
)]
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_digit() {
            c |= DIGIT | HEX;
        }
        if matches!(b, b'A'..=b'F') {
            c |= HEX;
        }
        if b >= 0x20 && b <= 0x7E {
            c |= PRINTABLE;
        }
        // Labels of both specifications use upper-case letters, digits, `+` and `-` only, and
        // start with a letter (checked in `parse`).
        // Refusing anything else also catches the ±64 substitutions the checksum cannot see in
        // a label (an upper-case letter becomes a control byte, a digit a lower-case letter).
        if b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'_') {
            c |= LABEL_CHAR;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Splits, checksums and shape-checks the content of one group (the bytes between LF and the
/// terminator, already masked to 7 bits).
///
/// The decoder's one group parser: every group of the stream, valid or not, is judged here, so
/// the sum and the separator search take eight bytes at a time, and the label is found with one
/// `match` ([`Label::lookup`]). The checksum is judged before the shape, so that line noise is
/// reported as a checksum error.
pub fn parse(content: &[u8]) -> Result<ParsedGroup, GroupError> {
    let len = content.len();
    if len < 3 {
        return Err(FormatError::TooShort.into());
    }
    let found = content[len - 1];
    let mode = match content[len - 2] {
        b' ' => Mode::Historic,
        b'\t' => Mode::Standard,
        _ => return Err(FormatError::NoSeparatorBeforeChecksum.into()),
    };
    let sep = mode.separator();
    let fields = &content[..len - 2];
    // Method 1 stops before the last separator, method 2 includes it.
    let sum = byte_sum(fields)
        + match mode {
            Mode::Historic => 0,
            Mode::Standard => u32::from(sep),
        };
    let expected = checksum_of_sum(sum);
    if expected != found {
        return Err(GroupError::Checksum { expected, found });
    }

    let label_end = find(fields, sep).ok_or(FormatError::NoValue)?;
    let label_bytes = &fields[..label_end];
    let rest_start = label_end + 1;
    let (horodate, value_start) = match mode {
        Mode::Historic => (None, rest_start),
        Mode::Standard => match find(&fields[rest_start..], b'\t') {
            None => (None, rest_start),
            Some(i) => {
                let h_end = rest_start + i;
                let horodate = &fields[rest_start..h_end];
                if !horodate::is_well_formed(horodate) {
                    return Err(if fields[h_end + 1..].contains(&b'\t') {
                        FormatError::TooManyFields
                    } else {
                        FormatError::BadHorodate
                    }
                    .into());
                }
                (Some((rest_start, h_end)), h_end + 1)
            }
        },
    };
    let value = &fields[value_start..];
    // The label's head ([`Label::lookup`]) is in the first word, read for the sum already.
    let keep = u32::try_from(8 * 8usize.saturating_sub(label_end))
        .ok()
        .and_then(|bits| u64::MAX.checked_shr(bits));
    let head = word_at(fields) & keep.unwrap_or(0);
    let label = Label::lookup_head(mode, head, label_bytes);
    match label {
        // A known label is well formed by definition; only its value needs checking.
        Some(label) => check_known(label, horodate.is_some(), value)?,
        None => check_unknown(label_bytes, value)?,
    }
    Ok(ParsedGroup {
        mode,
        label,
        label_end,
        horodate,
        value_start,
        value_end: fields.len(),
    })
}

/// Checks the group of a label this decoder does not know: kept when it has the shape of one.
fn check_unknown(label: &[u8], value: &[u8]) -> Result<(), FormatError> {
    // Every label of both specifications starts with a letter; a "label" of digits is the tail
    // of a value after a corrupted byte became LF (e.g. `00\t237\t.`, whose checksum happens
    // to match).
    if label.is_empty()
        || label.len() > MAX_LABEL_LEN
        || !label[0].is_ascii_uppercase()
        || class_of(label) & LABEL_CHAR == 0
    {
        return Err(FormatError::BadLabel);
    }
    if class_of(value) & PRINTABLE == 0 {
        return Err(if value.contains(&b'\t') {
            FormatError::TooManyFields
        } else {
            FormatError::NonPrintableValue
        });
    }
    Ok(())
}

/// Index of the first `needle` in `haystack`, eight bytes at a time.
///
/// Not `memchr`: the searches here are short (a label of 4 to 9 bytes, a horodate of 13), where
/// `memchr`'s call and set-up cost about 60 instructions against some 15 for this loop (counted
/// with callgrind). In a word XORed with the needle, `(w - 0x01…) & !w & 0x80…` flags zero
/// bytes; only bytes above the first zero can be flagged wrongly (by its borrow), so the lowest
/// flag is exact.
fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = haystack.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = word_at(word) ^ (ONES * u64::from(needle));
        let zeros = w.wrapping_sub(ONES) & !w & HIGH;
        if zeros != 0 {
            return Some(at + zeros.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = words.remainder();
    tail.iter().position(|&b| b == needle).map(|i| at + i)
}

/// The first eight bytes of `bytes` as a little-endian word (zero-padded if fewer).
fn word_at(bytes: &[u8]) -> u64 {
    match bytes.first_chunk() {
        Some(word) => u64::from_le_bytes(*word),
        None => bytes
            .iter()
            .rev()
            .fold(0, |acc, &b| (acc << 8) | u64::from(b)),
    }
}

/// Sum of the bytes, eight at a time.
///
/// Groups are short (15 to 30 bytes mostly), too short for the compiler's vectorised loop to
/// pay for its set-up. Here each word adds its bytes pairwise into four 16-bit lanes, and one
/// multiplication adds the lanes up into the top 16 bits; a block of 32 words (the longest
/// group) sums to at most 32 × 8 × 255 < 2^16, so neither overflows. The last bytes are read
/// as one word that overlaps the previous ones, its bytes already counted shifted out, rather
/// than added one by one.
fn byte_sum(bytes: &[u8]) -> u32 {
    const BLOCK: usize = 32 * 8;
    if bytes.len() <= BLOCK {
        block_sum(bytes)
    } else {
        bytes.chunks(BLOCK).map(block_sum).sum()
    }
}

/// [`byte_sum`] of at most 32 words.
#[inline(always)]
fn block_sum(bytes: &[u8]) -> u32 {
    const LOW: u64 = 0x00FF_00FF_00FF_00FF;
    const LANES: u64 = 0x0001_0001_0001_0001;
    let pairs = |w: u64| (w & LOW) + ((w >> 8) & LOW);
    let Some(&last) = bytes.last_chunk::<8>() else {
        return (pairs(word_at(bytes)).wrapping_mul(LANES) >> 48) as u32;
    };
    let mut words = bytes.chunks_exact(8);
    let mut lanes = 0u64;
    for word in &mut words {
        lanes += pairs(word_at(word));
    }
    let tail = words.remainder().len();
    if tail != 0 {
        lanes += pairs(u64::from_le_bytes(last) >> (8 * (8 - tail)));
    }
    (lanes.wrapping_mul(LANES) >> 48) as u32
}

/// The classes every byte of `bytes` belongs to.
fn class_of(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(ALL_CLASSES, |acc, &b| acc & CLASS[usize::from(b)])
}

/// The checksum character of a zone whose bytes add up to `sum` (see [`checksum`]).
fn checksum_of_sum(sum: u32) -> u8 {
    ((sum & 0x3F) as u8) + 0x20
}

/// Checks a known label's value width, character set and horodate presence.
fn check_known(label: Label, has_horodate: bool, value: &[u8]) -> Result<(), FormatError> {
    let spec = label.spec();
    match (spec.horodated, has_horodate) {
        (Horodated::Yes, false) => return Err(FormatError::MissingHorodate(label)),
        (Horodated::No, true) => return Err(FormatError::UnexpectedHorodate(label)),
        _ => {}
    }
    // Free text (NGTF, LTARF, MSG1, MSG2) is padded with spaces to its width by the meter,
    // but real meters and captures also send it unpadded (`NGTF\tPRODUCTEUR\t.`), and the
    // 6-bit checksum cannot tell: two spaces add 0x40. So any length up to the width is
    // honest; readers trim it once ([`crate::tic::Group::value_trimmed`]).
    let width_ok = match spec.charset {
        Charset::Printable => (1..=usize::from(spec.width)).contains(&value.len()),
        _ => value.len() == usize::from(spec.width),
    };
    if !width_ok {
        return Err(FormatError::BadWidth {
            label,
            expected: spec.width,
            found: value.len(),
        });
    }
    if charset_ok(spec.charset, value) {
        Ok(())
    } else {
        Err(FormatError::BadCharacters(label))
    }
}

/// True when every character of `value` is allowed by `charset`.
fn charset_ok(charset: Charset, value: &[u8]) -> bool {
    match charset {
        Charset::Digits => all_digits(value),
        Charset::Hex => class_of(value) & HEX != 0,
        Charset::Printable => class_of(value) & PRINTABLE != 0,
        // A code outside the specification's set is still honest when its checksum holds:
        // older meters send some (`HHPHC H` on a 2005 meter). It is kept as sent and its
        // typed reading says it is unknown, so it never becomes a metric label. Only the
        // characters codes are made of are allowed: a ±64 substitution, which the checksum
        // cannot see, turns each of them into a control byte or a lower-case letter.
        Charset::OneOf(codes) => {
            codes.iter().any(|c| c.as_bytes() == value) || value.iter().all(|&b| is_code_char(b))
        }
        Charset::TariffOption => match value {
            b"BASE" | b"HC.." | b"EJP." => true,
            [b'B', b'B', b'R', p] => is_printable(*p),
            _ => false,
        },
        // Blocks of 8 bytes separated by single spaces, so at fixed positions: walking them
        // by position is several times cheaper than splitting the 98 bytes on spaces.
        Charset::DayProfile => {
            value.len() % 9 == 8
                && value.chunks(9).all(|chunk| {
                    let (block, sep) = chunk.split_at(8);
                    (sep.is_empty() || sep == b" ") && is_day_block(block)
                })
        }
    }
}

/// True when every byte is an ASCII digit, eight at a time (most values are indexes and
/// powers of 2 to 14 digits, and every group of them is checked).
///
/// A 7-bit byte is a digit when adding 0x50 carries into bit 7 (it is at least 0x30) and adding
/// 0x46 does not (it is below 0x3A); no sum crosses into the next byte. A byte with bit 7 set
/// fails on its own bit 7, whatever its carry does to the byte above. The last bytes are one
/// word that overlaps the previous ones.
fn all_digits(value: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let digits = |w: u64| w.wrapping_add(ONES * 0x50) & !w.wrapping_add(ONES * 0x46) & !w & HIGH;
    let Some(&last) = value.last_chunk::<8>() else {
        return value.iter().all(u8::is_ascii_digit);
    };
    value
        .chunks_exact(8)
        .all(|word| digits(word_at(word)) == HIGH)
        && digits(u64::from_le_bytes(last)) == HIGH
}

/// The characters of the specification's codes (PTEC, DEMAIN, HHPHC): upper-case letters,
/// digits, `.` and `-`.
fn is_code_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-')
}

/// One block of a day profile: `NONUTILE`, or `HHMM` and four hexadecimal digits.
fn is_day_block(block: &[u8]) -> bool {
    block == b"NONUTILE"
        || (block.len() == 8
            && block[..4].iter().all(u8::is_ascii_digit)
            && block[4..].iter().all(u8::is_ascii_hexdigit))
}

/// Printable ASCII, space included (54E §6.2.1.2).
pub(crate) fn is_printable(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tic::checksum::checksum;
    use crate::tic::label::LabelSpec;
    use proptest::collection::SizeRange;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn fields(content: &[u8]) -> (Mode, &str, Option<&str>, &str) {
        let p = parse(content)
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(content)));
        let s = |a: usize, b: usize| std::str::from_utf8(&content[a..b]).unwrap();
        (
            p.mode,
            s(0, p.label_end),
            p.horodate.map(|(a, b)| s(a, b)),
            s(p.value_start, p.value_end),
        )
    }

    #[test]
    fn historic_group_whose_checksum_is_a_space() {
        assert_eq!(
            fields(b"HCHC 000723392  "),
            (Mode::Historic, "HCHC", None, "000723392")
        );
        assert_eq!(
            fields(b"PTEC HP..  "),
            (Mode::Historic, "PTEC", None, "HP..")
        );
    }

    #[test]
    fn standard_group_whose_checksum_is_a_space() {
        assert_eq!(
            fields(b"EAIT\t004812345\t "),
            (Mode::Standard, "EAIT", None, "004812345")
        );
    }

    #[test]
    fn date_keeps_its_empty_value() {
        assert_eq!(
            fields(b"DATE\tE200426181830\t\tA"),
            (Mode::Standard, "DATE", Some("E200426181830"), "")
        );
    }

    #[test]
    fn mobile_peak_horodates_start_with_a_space() {
        assert_eq!(
            fields(b"DPM1\t 240716060000\t00\t'"),
            (Mode::Standard, "DPM1", Some(" 240716060000"), "00")
        );
    }

    #[test]
    fn nine_character_labels_are_kept_whole() {
        let (_, label, _, value) = fields(b"SMAXSN1-1\tE240714233916\t02003\tH");
        assert_eq!((label, value), ("SMAXSN1-1", "02003"));
        assert_eq!(
            parse(b"SMAXSN1-1\tE240714233916\t02003\tH").unwrap().label,
            Some(Label::Smaxsn1Yesterday)
        );
    }

    #[test]
    fn padded_text_values_are_kept_raw() {
        assert_eq!(
            fields(b"LTARF\t  HEURE  PLEINE \tA"),
            (Mode::Standard, "LTARF", None, "  HEURE  PLEINE ")
        );
    }

    #[test]
    fn wrong_method_is_a_checksum_error() {
        // "PAPP 00750" is '-' with method 1; method 2 would give 'M'.
        assert!(matches!(
            parse(b"PAPP 00750 M"),
            Err(GroupError::Checksum {
                expected: b'-',
                found: b'M'
            })
        ));
    }

    #[test]
    fn a_value_that_passes_the_checksum_but_not_its_width_is_a_format_error() {
        // Two spaces more add 64 to the sum: same checksum, wrong width.
        let mut g = b"PAPP 0  0750".to_vec();
        g.extend_from_slice(b" -");
        assert_eq!(
            parse(&g),
            Err(GroupError::Format(FormatError::BadWidth {
                label: Label::Papp,
                expected: 5,
                found: 7
            }))
        );
    }

    #[test]
    fn digit_replaced_by_a_letter_with_the_same_checksum_is_a_format_error() {
        // '0' (0x30) + 64 = 'p' (0x70): invisible to the 6-bit checksum.
        assert_eq!(
            parse(b"PAPP p0750 -"),
            Err(GroupError::Format(FormatError::BadCharacters(Label::Papp)))
        );
    }

    #[test]
    fn unknown_labels_with_a_valid_checksum_are_kept() {
        let mut g = b"NEWLBL\t42\t".to_vec();
        g.push(checksum(&g));
        let p = parse(&g).unwrap();
        assert_eq!(p.label, None);
        assert_eq!(&g[p.value_start..p.value_end], b"42");
    }

    #[test]
    fn label_of_the_other_mode_is_not_checked_as_known() {
        // "ADCO" is historic; sent with HT it is an unknown standard label.
        let mut g = b"ADCO\t1\t".to_vec();
        g.push(checksum(&g));
        assert_eq!(parse(&g).unwrap().label, None);
    }

    /// The bytes of a valid group (without LF and CR), its checksum computed by the method of
    /// its mode.
    fn build_group(mode: Mode, name: &[u8], horodate: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
        let sep = mode.separator();
        let mut g = name.to_vec();
        g.push(sep);
        if let Some(h) = horodate {
            g.extend_from_slice(h);
            g.push(sep);
        }
        g.extend_from_slice(value);
        if mode == Mode::Standard {
            g.push(sep);
            g.push(checksum(&g));
        } else {
            let c = checksum(&g);
            g.push(sep);
            g.push(c);
        }
        g
    }

    /// `n` bytes picked from `chars`.
    fn bytes_of(chars: &'static [u8], n: impl Into<SizeRange>) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(chars), n)
    }

    /// Printable ASCII, 0x20 to 0x7E: what a free-text value may hold.
    const PRINTABLE_CHARS: &[u8] = b" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    /// A horodate as a meter sends it: season, then date and time in range.
    fn horodate() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::sample::select(b"HhEe ".as_slice()),
            0..100usize,
            1..=12usize,
            1..=31usize,
            0..24usize,
            0..60usize,
            0..60usize,
        )
            .prop_map(|(season, y, mo, d, h, mi, s)| {
                let mut v = vec![season];
                v.extend_from_slice(format!("{y:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}").as_bytes());
                v
            })
    }

    /// A value that the specification allows for `spec`, of its full width.
    fn value_for(spec: &'static LabelSpec) -> BoxedStrategy<Vec<u8>> {
        let width = usize::from(spec.width);
        match spec.charset {
            Charset::Digits => bytes_of(b"0123456789", width).boxed(),
            Charset::Hex => bytes_of(b"0123456789ABCDEF", width).boxed(),
            Charset::Printable => bytes_of(PRINTABLE_CHARS, width).boxed(),
            Charset::OneOf(codes) => proptest::sample::select(codes)
                .prop_map(|c| c.as_bytes().to_vec())
                .boxed(),
            Charset::TariffOption => {
                proptest::sample::select(&["BASE", "HC..", "EJP.", "BBR("][..])
                    .prop_map(|c| c.as_bytes().to_vec())
                    .boxed()
            }
            Charset::DayProfile => proptest::collection::vec(
                proptest::sample::select(&["NONUTILE", "0000C001", "2230ABCD"][..]),
                11,
            )
            .prop_map(|blocks| blocks.join(" ").into_bytes())
            .boxed(),
        }
    }

    /// A valid group of a known label, any of them.
    fn known_group() -> impl Strategy<Value = Vec<u8>> {
        proptest::sample::select(Label::ALL).prop_flat_map(|label| {
            let spec = label.spec();
            (value_for(spec), horodate()).prop_map(move |(value, h)| {
                let h = (spec.horodated == Horodated::Yes).then_some(&h[..]);
                build_group(spec.mode, spec.name.as_bytes(), h, &value)
            })
        })
    }

    /// A valid group of an unknown label: a name of label characters that starts with a letter
    /// (none of the known labels is made of these), a printable value, in either mode.
    fn unknown_group() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::sample::select(&[Mode::Historic, Mode::Standard][..]),
            proptest::sample::select(b"ABCXYZ".as_slice()),
            bytes_of(b"ABCXYZ0129+-_", 0..12),
            bytes_of(PRINTABLE_CHARS, 0..20),
            proptest::option::of(horodate()),
        )
            .prop_map(|(mode, first, rest, value, h)| {
                let name: Vec<u8> = std::iter::once(first).chain(rest).collect();
                let h = h.as_deref().filter(|_| mode == Mode::Standard);
                build_group(mode, &name, h, &value)
            })
    }

    fn mode_of(group: &[u8]) -> Mode {
        match group[group.len() - 2] {
            b' ' => Mode::Historic,
            _ => Mode::Standard,
        }
    }

    fn label_len(group: &[u8]) -> usize {
        let sep = mode_of(group).separator();
        group.iter().position(|&b| b == sep).unwrap_or(group.len())
    }

    /// Every known label, with a value of its shape, parses as itself (the property below
    /// picks labels at random; this makes sure none is missed).
    #[test]
    fn every_known_label_parses_as_itself() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        for &label in Label::ALL {
            let spec = label.spec();
            let value = value_for(spec)
                .new_tree(&mut runner)
                .map(|tree| tree.current())
                .unwrap_or_default();
            let h = (spec.horodated == Horodated::Yes).then_some(&b"E240714233916"[..]);
            let g = build_group(spec.mode, spec.name.as_bytes(), h, &value);
            let p = parse(&g).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(&g)));
            assert_eq!(p.label, Some(label), "{:?}", String::from_utf8_lossy(&g));
        }
    }

    /// A day profile: pieces that are blocks or not, joined by spaces, maybe one byte changed.
    fn day_profile() -> impl Strategy<Value = Vec<u8>> {
        let pieces: &[&[u8]] = &[
            b"NONUTILE",
            b"0000C001",
            b"2230abcd",
            b"223",
            b" ",
            b"",
            b"X",
        ];
        (
            proptest::collection::vec(proptest::sample::select(pieces), 0..13),
            proptest::option::weighted(
                0.25,
                (
                    any::<proptest::sample::Index>(),
                    proptest::sample::select(b" 0aZ".as_slice()),
                ),
            ),
        )
            .prop_map(|(pieces, change)| {
                let mut v = pieces.join(&b' ');
                if let Some((at, byte)) = change.filter(|_| !v.is_empty()) {
                    let at = at.index(v.len());
                    v[at] = byte;
                }
                v
            })
    }

    proptest::proptest! {
        // As many cases as the loops these replaced ran (20 000 to 100 000); a case costs
        // a few microseconds.
        #![proptest_config(ProptestConfig::with_cases(50_000))]

        /// Random valid groups, of every known label (seven in eight) and of unknown ones,
        /// parse with the label and the fields they were made of.
        #[test]
        fn random_valid_groups_parse_with_their_fields(
            g in prop_oneof![7 => known_group(), 1 => unknown_group()],
        ) {
            let p = parse(&g).map_err(|e| {
                TestCaseError::fail(format!("{:?}: {e}", String::from_utf8_lossy(&g)))
            })?;
            let (mode, name) = (mode_of(&g), &g[..label_len(&g)]);
            prop_assert_eq!((p.mode, p.label_end), (mode, name.len()));
            prop_assert_eq!(p.label, Label::lookup(mode, name));
            prop_assert_eq!(p.value_end, g.len() - 2);
        }

        /// The word-at-a-time search and sum give what plain byte loops give, on bytes
        /// around the needles and the carries (HT, SP, 0x00, 0x01, 0x7F, 0x80, 0xFF), short
        /// as groups are and longer than one summing block.
        #[test]
        fn find_and_byte_sum_agree_with_plain_loops(
            v in prop_oneof![
                4 => bytes_of(b"\t \x00\x01\x7f\x80\x89\xffA", 0..40),
                1 => bytes_of(b"\t \x00\x01\x7f\x80\x89\xffA", 0..600),
            ],
        ) {
            for needle in [b'\t', b' ', 0x00, 0x01, 0x80, 0xFF] {
                prop_assert_eq!(find(&v, needle), v.iter().position(|&b| b == needle), "{:?}", v);
            }
            let sum: u32 = v.iter().map(|&b| u32::from(b)).sum();
            prop_assert_eq!(byte_sum(&v), sum, "{:?}", v);
        }

        /// The word-at-a-time digit check gives what a byte loop gives, on all-digit values
        /// (half the cases) and on digits mixed with their neighbours `/` and `:`, NUL, DEL,
        /// space, a letter and bytes whose low 7 bits are digits.
        #[test]
        fn digit_check_agrees_with_a_byte_loop(
            v in bytes_of(b"0123456789/:\x00\xb0\xb9\x7f A", 0..24),
            digits_only in any::<bool>(),
        ) {
            let v: Vec<u8> = if digits_only {
                v.iter().map(|&b| b'0' + b % 10).collect()
            } else {
                v
            };
            prop_assert_eq!(all_digits(&v), v.iter().all(u8::is_ascii_digit), "{:?}", v);
        }

        /// The positional day-profile check accepts exactly what splitting on spaces accepts.
        #[test]
        fn day_profiles_are_checked_as_if_split_on_spaces(v in day_profile()) {
            let split = v.split(|&b| b == b' ').all(is_day_block);
            prop_assert_eq!(
                charset_ok(Charset::DayProfile, &v),
                split,
                "{:?}",
                String::from_utf8_lossy(&v)
            );
        }
    }

    #[test]
    fn byte_sum_of_many_blocks() {
        let long = vec![0xFF; 5000];
        assert_eq!(byte_sum(&long), 5000 * 255);
    }

    #[test]
    fn a_label_starts_with_a_letter() {
        // The tail of `UMOY3\tE240715101000\t237\t.` after a byte became LF: its checksum
        // matches by chance.
        assert_eq!(parse(b"00\t237\t."), Err(FormatError::BadLabel.into()));
        let mut g = b"X00\t237\t".to_vec();
        g.push(crate::tic::checksum::checksum(&g));
        assert!(parse(&g).is_ok());
    }

    #[test]
    fn malformed_shapes() {
        assert_eq!(parse(b"AB"), Err(FormatError::TooShort.into()));
        assert_eq!(
            parse(b"PAPP00750x-"),
            Err(FormatError::NoSeparatorBeforeChecksum.into())
        );
        let mut g = b"A\tB\tC\tD\t".to_vec();
        g.push(checksum(&g));
        assert_eq!(parse(&g), Err(FormatError::TooManyFields.into()));
        let mut g = b"SMAXSN\tX200426132229\t06100\t".to_vec();
        g.push(checksum(&g));
        assert_eq!(parse(&g), Err(FormatError::BadHorodate.into()));
        let mut g = b"SMAXSN\t06100\t".to_vec();
        g.push(checksum(&g));
        assert_eq!(
            parse(&g),
            Err(FormatError::MissingHorodate(Label::Smaxsn).into())
        );
    }
}
