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
        // Labels of both specifications use upper-case letters, digits, `+` and `-` only.
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
/// This runs for every group of the stream, so it is written as a few tight loops that the
/// compiler vectorises (byte sum, separator search, class test) rather than one loop with
/// branches per byte. The checksum is judged before the shape, so that line noise is reported
/// as a checksum error.
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

    let label_end = fields
        .iter()
        .position(|&b| b == sep)
        .ok_or(FormatError::NoValue)?;
    let label_bytes = &fields[..label_end];
    let rest_start = label_end + 1;
    let (horodate, value_start) = match mode {
        Mode::Historic => (None, rest_start),
        Mode::Standard => match fields[rest_start..].iter().position(|&b| b == b'\t') {
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
    let label = Label::lookup(mode, label_bytes);
    match label {
        // A known label is well formed by definition; only its value needs checking.
        Some(label) => check_known(label, horodate.is_some(), value)?,
        None => {
            if label_bytes.is_empty()
                || label_bytes.len() > MAX_LABEL_LEN
                || class_of(label_bytes) & LABEL_CHAR == 0
            {
                return Err(FormatError::BadLabel.into());
            }
            if class_of(value) & PRINTABLE == 0 {
                return Err(if value.contains(&b'\t') {
                    FormatError::TooManyFields
                } else {
                    FormatError::NonPrintableValue
                }
                .into());
            }
        }
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

/// Sum of the bytes (a plain loop the compiler vectorises).
fn byte_sum(bytes: &[u8]) -> u32 {
    bytes.iter().map(|&b| u32::from(b)).sum()
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
    if value.len() != usize::from(spec.width) {
        return Err(FormatError::BadWidth {
            label,
            expected: spec.width,
            found: value.len(),
        });
    }
    let ok = match spec.charset {
        Charset::Digits => value.iter().all(u8::is_ascii_digit),
        Charset::Hex => class_of(value) & HEX != 0,
        Charset::Printable => class_of(value) & PRINTABLE != 0,
        Charset::OneOf(codes) => codes.iter().any(|c| c.as_bytes() == value),
        Charset::TariffOption => match value {
            b"BASE" | b"HC.." | b"EJP." => true,
            [b'B', b'B', b'R', p] => is_printable(*p),
            _ => false,
        },
        Charset::DayProfile => value.split(|&b| b == b' ').all(|block| {
            block == b"NONUTILE"
                || (block.len() == 8
                    && block[..4].iter().all(u8::is_ascii_digit)
                    && block[4..].iter().all(u8::is_ascii_hexdigit))
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(FormatError::BadCharacters(label))
    }
}

/// Printable ASCII, space included (54E §6.2.1.2).
pub(crate) fn is_printable(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tic::checksum::checksum;

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
