//! One group (dataset): splitting, checksum and shape checks.
//!
//! A group is the bytes between LF and CR. The last byte is the checksum (it may be a space, so
//! the line is never whitespace-split or trimmed) and the byte before it is the separator, which
//! also tells the mode: SP for historic, HT for standard. The fields are then taken positionally:
//! historic `LABEL SP VALUE` (the value is everything after the first SP), standard
//! `LABEL HT [HORODATE HT] VALUE` (the value may be empty, as for `DATE`).

use super::Mode;
use super::horodate;
use super::label::{
    CODE_SETS, Charset, FAST, FAST_LEN, FAST_TABLE, Fast, Horodated, Label, fast_slot,
};

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
    let label = Label::lookup(mode, label_bytes);
    match label {
        // A known label is well formed by definition; only its value needs checking.
        Some(label) => check_known(label, horodate.is_some(), value)?,
        None => {
            // Every label of both specifications starts with a letter; a "label" of digits is
            // the tail of a value after a corrupted byte became LF (e.g. `00\t237\t.`, whose
            // checksum happens to match).
            if label_bytes.is_empty()
                || label_bytes.len() > MAX_LABEL_LEN
                || !label_bytes[0].is_ascii_uppercase()
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

/// Index of the first `needle` in `haystack`, eight bytes at a time.
///
/// `parse` searches the separators of the long groups (PJOURF+1 and PPOINTE have 98-byte values)
/// here: a byte loop costs a few instructions and a branch per byte, this a few per word. In a
/// word XORed with the needle, `(w - 0x01…) & !w & 0x80…` flags zero bytes; only bytes above
/// the first zero can be flagged wrongly (by its borrow), so the lowest flag is exact.
fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = haystack.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes) ^ (ONES * u64::from(needle));
        let zeros = w.wrapping_sub(ONES) & !w & HIGH;
        if zeros != 0 {
            return Some(at + zeros.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = words.remainder();
    tail.iter().position(|&b| b == needle).map(|i| at + i)
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
        Charset::Digits => value.iter().all(u8::is_ascii_digit),
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

/// Length of the window [`parse_window`] reads. Every group of both specifications fits in it
/// with its CR, except the three longest of standard mode (MSG1, PJOURF+1, PPOINTE).
pub(crate) const WINDOW: usize = 32;

/// The fast path of [`parse`]: the group at the start of a 32-byte window, up to the first
/// CR. Returns its content length (the index of the CR) and what [`parse`] returns for it.
///
/// It answers only for a valid group of a known label that is plain text (printable ASCII and
/// HT, so no byte with bit 7 set and no framing byte before the CR), and then exactly as
/// [`parse`] does. For anything else (an error, an unknown label, a group that does not end in
/// the window) it returns `None` and the caller runs [`parse`], which says what is wrong.
///
/// The mode is that of the first separator; [`check_window`] does the work.
#[inline(always)]
pub(crate) fn parse_window(window: &[u8; WINDOW]) -> Option<(usize, ParsedGroup)> {
    let ht = lanes::eq_mask(window, b'\t');
    let sp = lanes::eq_mask(window, b' ');
    // The first separator gives the mode. (If it is not the mode of the separator before the
    // checksum, the template check fails.)
    let seps = sp | ht;
    let fast = if ht & seps & seps.wrapping_neg() != 0 {
        check_window::<true>(window)
    } else {
        check_window::<false>(window)
    }?;
    Some((usize::from(fast.len), parsed(fast)))
}

/// What [`parse`] returns for a group [`check_window`] took as `fast`'s.
pub(crate) fn parsed(fast: &Fast) -> ParsedGroup {
    let label_end = usize::from(fast.label_len);
    let spec = fast.label.spec();
    let value_end = usize::from(fast.value_end);
    ParsedGroup {
        mode: spec.mode,
        label: Some(fast.label),
        label_end,
        horodate: fast.horodated.then_some((label_end + 1, label_end + 14)),
        value_start: value_end - usize::from(spec.width),
        value_end,
    }
}

/// The decoder's fast path: the valid group of a known label of standard mode (`STANDARD`) or
/// historic mode at the start of a 32-byte window, ending at a CR in the window, as its
/// label's [`Fast`] template. `None` for anything else, which [`parse`] then judges (see
/// [`parse_window`]).
///
/// Why a second parser: [`parse`] answers each question about the group (where it ends, where
/// the separators are, are all value bytes digits, ...) with a loop whose exit depends on the
/// data, and those exits were most of the decoder's branch mispredictions; and most of what
/// it finds out is known in advance once the label is. Here the first separator (one SIMD
/// compare) gives the label, through a hash table with no comparison of names, and the
/// label's template then checks every byte of the window at once (label, separators, value
/// characters, CR), so the whole group is checked with no search and no branch that depends
/// on the bytes. A name that is not the label its hash gives fails the template.
#[inline(always)]
pub(crate) fn check_window<const STANDARD: bool>(window: &[u8; WINDOW]) -> Option<&'static Fast> {
    let sep = if STANDARD { b'\t' } else { b' ' };
    let label_len = lanes::first_eq_in_16(window, sep);
    let Some(head) = window.first_chunk::<8>() else {
        unreachable!("the window is longer than 8 bytes")
    };
    let slot = fast_slot(
        STANDARD,
        u64::from_le_bytes(*head),
        label_len,
        FAST_TABLE.multiplier,
    );
    let fast = &FAST[usize::from(FAST_TABLE.slots[slot]) & (FAST_LEN - 1)];
    let n = usize::from(fast.len);
    if n == 0 || !lanes::fits(window, &fast.lo, &fast.span) {
        return None;
    }
    // The checksum is in `0x20..=0x5F` (the template made sure) and adds up the bytes `sum`
    // keeps. `n` is at least 4: a label, two separators and the checksum.
    let sum = lanes::masked_sum(window, &fast.sum);
    if checksum_of_sum(sum) != window[(n - 1) % WINDOW] {
        return None;
    }
    if fast.hex != 0 && lanes::range_mask(window, b'9' + 1, b'A' - 1) & fast.hex != 0 {
        return None;
    }
    if STANDARD && fast.horodated {
        let start = usize::from(fast.label_len) + 1;
        if !window
            .get(start..start + 13)
            .is_some_and(horodate::is_well_formed)
        {
            return None;
        }
    }
    if !STANDARD && fast.codes != 0 {
        // A coded value: compared with every accepted code, with no search. The four bytes
        // may run past the value; the masks ignore them.
        let value_start = usize::from(fast.label_len) + 1;
        let value_word = window
            .get(value_start..value_start + 4)
            .and_then(|b| b.first_chunk())
            .map_or(0, |b| u32::from_le_bytes(*b));
        let coded = CODE_SETS[usize::from(fast.codes) & (CODE_SETS.len() - 1)]
            .iter()
            .fold(false, |ok, &(code, mask)| ok | (value_word & mask == code));
        if !coded {
            return None;
        }
    }
    Some(fast)
}

/// Per-byte class tests over a 32-byte window, as bitmasks: bit `i` of the result is the
/// answer for byte `i`.
///
/// On x86_64 each mask is two 16-byte SIMD compares and a `movemask` (SSE2, which every x86_64
/// CPU has). Elsewhere a plain loop computes the same masks; the tests check that both agree.
mod lanes {
    use super::WINDOW;

    #[cfg(target_arch = "x86_64")]
    pub(super) use sse2::{eq_mask, first_eq_in_16, fits, masked_sum, range_mask};

    #[cfg(not(target_arch = "x86_64"))]
    pub(super) use portable::{eq_mask, first_eq_in_16, fits, masked_sum, range_mask};

    /// The SSE2 version.
    ///
    /// SAFETY, for every `unsafe` block of this module: SSE2 is part of the x86_64 baseline, so
    /// its intrinsics can always be executed on this target (they are `unsafe` to call only
    /// because they are `#[target_feature]` functions). The only memory accesses are the two
    /// unaligned 16-byte loads of [`halves`], at offsets 0 and 16 of a 32-byte array: in bounds.
    /// (The templates' arrays are loaded through [`halves`] too.)
    ///
    /// [`halves`]: sse2::halves
    #[cfg(target_arch = "x86_64")]
    mod sse2 {
        use super::WINDOW;
        use std::arch::x86_64::{
            __m128i, _mm_add_epi64, _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi128_si64,
            _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_sad_epu8,
            _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8, _mm_subs_epu8, _mm_unpackhi_epi64,
        };

        #[inline(always)]
        fn halves(w: &[u8; WINDOW]) -> [__m128i; 2] {
            let (lo, hi) = w.split_at(16);
            // SAFETY: see the module documentation; `lo` and `hi` are 16 bytes each.
            unsafe {
                [
                    _mm_loadu_si128(lo.as_ptr().cast()),
                    _mm_loadu_si128(hi.as_ptr().cast()),
                ]
            }
        }

        /// Bit `i` set when the top bit of byte `i` of the compare result is.
        #[inline(always)]
        fn movemask([lo, hi]: [__m128i; 2]) -> u32 {
            // SAFETY: see the module documentation.
            let (lo, hi) = unsafe { (_mm_movemask_epi8(lo), _mm_movemask_epi8(hi)) };
            // Each movemask is 16 bits, so the casts are exact.
            (lo as u32) | ((hi as u32) << 16)
        }

        #[inline(always)]
        pub fn eq_mask(w: &[u8; WINDOW], b: u8) -> u32 {
            let [lo, hi] = halves(w);
            // SAFETY: see the module documentation.
            movemask(unsafe {
                let k = _mm_set1_epi8(b as i8);
                [_mm_cmpeq_epi8(lo, k), _mm_cmpeq_epi8(hi, k)]
            })
        }

        /// Bytes in `lo..=hi` (unsigned): `byte - lo <= hi - lo` with wrapping subtraction,
        /// tested as `min(d, hi - lo) == d` since SSE2 has no unsigned byte comparison.
        #[inline(always)]
        pub fn range_mask(w: &[u8; WINDOW], lo: u8, hi: u8) -> u32 {
            let [a, b] = halves(w);
            // SAFETY: see the module documentation.
            movemask(unsafe {
                let base = _mm_set1_epi8(lo as i8);
                let span = _mm_set1_epi8(hi.wrapping_sub(lo) as i8);
                let (da, db) = (_mm_sub_epi8(a, base), _mm_sub_epi8(b, base));
                [
                    _mm_cmpeq_epi8(_mm_min_epu8(da, span), da),
                    _mm_cmpeq_epi8(_mm_min_epu8(db, span), db),
                ]
            })
        }

        /// Index of the first byte equal to `b` among the first 16, or 16.
        #[inline(always)]
        pub fn first_eq_in_16(w: &[u8; WINDOW], b: u8) -> usize {
            let [lo, _] = halves(w);
            // SAFETY: see the module documentation.
            let mask = unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(lo, _mm_set1_epi8(b as i8))) };
            // A movemask of 16 lanes: bit 16 is clear, so the result is at most 16.
            (mask as u32 | 1 << 16).trailing_zeros() as usize
        }

        /// Every byte `w[i]` in `lo[i] ..= lo[i] + span[i]`: `w[i] - lo[i]` (wrapping) minus
        /// `span[i]` with unsigned saturation is zero for all of them.
        #[inline(always)]
        pub fn fits(w: &[u8; WINDOW], lo: &[u8; WINDOW], span: &[u8; WINDOW]) -> bool {
            let [a, b] = halves(w);
            let [lo_a, lo_b] = halves(lo);
            let [span_a, span_b] = halves(span);
            // SAFETY: see the module documentation.
            let zero = unsafe {
                let over_a = _mm_subs_epu8(_mm_sub_epi8(a, lo_a), span_a);
                let over_b = _mm_subs_epu8(_mm_sub_epi8(b, lo_b), span_b);
                let over = _mm_or_si128(over_a, over_b);
                _mm_movemask_epi8(_mm_cmpeq_epi8(over, _mm_setzero_si128()))
            };
            zero == 0xFFFF
        }

        /// Sum of the bytes of `w` where `keep` is 0xFF (`keep` holds 0 or 0xFF): the others
        /// are zeroed, then `psadbw` adds each 8-byte group.
        #[inline(always)]
        pub fn masked_sum(w: &[u8; WINDOW], keep: &[u8; WINDOW]) -> u32 {
            let [lo, hi] = halves(w);
            let [keep_lo, keep_hi] = halves(keep);
            // SAFETY: see the module documentation.
            let sum = unsafe {
                let lo = _mm_and_si128(lo, keep_lo);
                let hi = _mm_and_si128(hi, keep_hi);
                let zero = _mm_setzero_si128();
                let s = _mm_add_epi64(_mm_sad_epu8(lo, zero), _mm_sad_epu8(hi, zero));
                _mm_cvtsi128_si64(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s)))
            };
            // At most 32 × 255.
            sum as u32
        }
    }

    /// The portable version, and the reference the SSE2 one is tested against.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    pub(super) mod portable {
        use super::WINDOW;

        fn mask(w: &[u8; WINDOW], f: impl Fn(u8) -> bool) -> u32 {
            w.iter()
                .enumerate()
                .fold(0, |m, (i, &b)| m | (u32::from(f(b)) << i))
        }

        pub fn eq_mask(w: &[u8; WINDOW], b: u8) -> u32 {
            mask(w, |x| x == b)
        }

        pub fn range_mask(w: &[u8; WINDOW], lo: u8, hi: u8) -> u32 {
            mask(w, |x| (lo..=hi).contains(&x))
        }

        pub fn first_eq_in_16(w: &[u8; WINDOW], b: u8) -> usize {
            w[..16].iter().position(|&x| x == b).unwrap_or(16)
        }

        pub fn fits(w: &[u8; WINDOW], lo: &[u8; WINDOW], span: &[u8; WINDOW]) -> bool {
            (0..WINDOW).all(|i| w[i].wrapping_sub(lo[i]) <= span[i])
        }

        pub fn masked_sum(w: &[u8; WINDOW], keep: &[u8; WINDOW]) -> u32 {
            w.iter().zip(keep).map(|(&b, &k)| u32::from(b & k)).sum()
        }
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

    /// A deterministic xorshift generator for the randomised tests below.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() >> 16) as usize % n
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// A valid group of a random known or unknown label, without LF and CR.
    fn random_group(rng: &mut Rng) -> Vec<u8> {
        let printable: Vec<u8> = (0x20..=0x7E).collect();
        let (mode, name, horodated, value): (Mode, String, bool, Vec<u8>) = if rng.below(8) == 0 {
            let mode = *rng.pick(&[Mode::Historic, Mode::Standard]);
            let chars = b"ABCXYZ0129+-_";
            // Labels start with a letter.
            let name = std::iter::once(char::from(*rng.pick(b"ABCXYZ")))
                .chain((0..rng.below(12)).map(|_| char::from(*rng.pick(chars))))
                .collect();
            let value = (0..rng.below(20)).map(|_| *rng.pick(&printable)).collect();
            let horodated = mode == Mode::Standard && rng.below(3) == 0;
            (mode, name, horodated, value)
        } else {
            let label = *rng.pick(Label::ALL);
            let spec = label.spec();
            let width = usize::from(spec.width);
            let value = match spec.charset {
                Charset::Digits => (0..width).map(|_| *rng.pick(b"0123456789")).collect(),
                Charset::Hex => (0..width).map(|_| *rng.pick(b"0123456789ABCDEF")).collect(),
                Charset::Printable => (0..width).map(|_| *rng.pick(&printable)).collect(),
                Charset::OneOf(codes) => rng.pick(codes).as_bytes().to_vec(),
                Charset::TariffOption => rng
                    .pick(&["BASE", "HC..", "EJP.", "BBR("])
                    .as_bytes()
                    .to_vec(),
                Charset::DayProfile => {
                    let blocks: Vec<&str> = (0..11)
                        .map(|_| *rng.pick(&["NONUTILE", "0000C001", "2230ABCD"]))
                        .collect();
                    blocks.join(" ").into_bytes()
                }
            };
            (
                spec.mode,
                spec.name.to_string(),
                spec.horodated == Horodated::Yes,
                value,
            )
        };
        let sep = mode.separator();
        let mut g = name.into_bytes();
        g.push(sep);
        if horodated {
            let season = *rng.pick(b"HhEe ");
            let h = format!(
                "{}{:02}{:02}{:02}{:02}{:02}{:02}",
                char::from(season),
                rng.below(100),
                1 + rng.below(12),
                1 + rng.below(31),
                rng.below(24),
                rng.below(60),
                rng.below(60)
            );
            g.extend_from_slice(h.as_bytes());
            g.push(sep);
        }
        g.extend_from_slice(&value);
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

    fn mode_of(group: &[u8]) -> Mode {
        match group[group.len() - 2] {
            b' ' => Mode::Historic,
            _ => Mode::Standard,
        }
    }

    fn label_len(group: &[u8]) -> usize {
        let sep = mode_of(group).separator();
        group.iter().position(|&b| b == sep).unwrap()
    }

    #[test]
    fn find_agrees_with_position() {
        let mut rng = Rng(0x0F1E_2D3C_4B5A_6978);
        for _ in 0..20_000 {
            let v: Vec<u8> = (0..rng.below(40))
                .map(|_| *rng.pick(b"\t \x00\x01\x7f\x80\x89\xffA"))
                .collect();
            for needle in [b'\t', b' ', 0x00, 0x01, 0x80, 0xFF] {
                assert_eq!(
                    find(&v, needle),
                    v.iter().position(|&b| b == needle),
                    "{v:?}"
                );
            }
        }
    }

    #[test]
    fn day_profiles_are_checked_as_if_split_on_spaces() {
        let split = |value: &[u8]| value.split(|&b| b == b' ').all(is_day_block);
        let mut rng = Rng(0x1357_9BDF_2468_ACE0);
        let pieces: [&[u8]; 7] = [
            b"NONUTILE",
            b"0000C001",
            b"2230abcd",
            b"223",
            b" ",
            b"",
            b"X",
        ];
        for _ in 0..100_000 {
            let mut v = Vec::new();
            for i in 0..rng.below(13) {
                if i > 0 {
                    v.push(b' ');
                }
                let piece: &&[u8] = rng.pick(&pieces);
                v.extend_from_slice(piece);
            }
            if !v.is_empty() && rng.below(4) == 0 {
                let at = rng.below(v.len());
                v[at] = *rng.pick(b" 0aZ");
            }
            assert_eq!(
                charset_ok(Charset::DayProfile, &v),
                split(&v),
                "{:?}",
                String::from_utf8_lossy(&v)
            );
        }
    }

    #[test]
    fn lanes_agree_with_the_portable_masks() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mut w = [0u8; WINDOW];
            for b in &mut w {
                *b = match rng.below(4) {
                    0 => rng.next() as u8,
                    _ => *rng.pick(b"\t\r\n AZ09+-_\x7f\x80\xff\x00"),
                };
            }
            for b in [b'\t', b' ', b'+', 0x00, 0x80, 0xFF, rng.next() as u8] {
                assert_eq!(lanes::eq_mask(&w, b), lanes::portable::eq_mask(&w, b));
            }
            for (lo, hi) in [
                (0x20, 0x7E),
                (b'0', b'9'),
                (b'A', b'F'),
                (0, 0xFF),
                (0x80, 0x90),
            ] {
                assert_eq!(
                    lanes::range_mask(&w, lo, hi),
                    lanes::portable::range_mask(&w, lo, hi)
                );
            }
            for b in [b'\t', b' ', w[rng.below(WINDOW)]] {
                assert_eq!(
                    lanes::first_eq_in_16(&w, b),
                    lanes::portable::first_eq_in_16(&w, b)
                );
            }
            let keep: [u8; WINDOW] = std::array::from_fn(|_| *rng.pick(&[0, 0xFF]));
            assert_eq!(
                lanes::masked_sum(&w, &keep),
                lanes::portable::masked_sum(&w, &keep)
            );
            let mut lo = [0u8; WINDOW];
            let mut span = [0u8; WINDOW];
            for i in 0..WINDOW {
                // Ranges that hold the byte about half the time, some of them exact.
                let any = rng.next() as u8;
                span[i] = *rng.pick(&[0, 0, 1, 9, 0x5E, 0xFF, any]);
                let d = if rng.below(2) == 0 {
                    rng.below(usize::from(span[i]) + 1) as u8
                } else {
                    rng.next() as u8
                };
                lo[i] = w[i].wrapping_sub(d);
            }
            assert_eq!(
                lanes::fits(&w, &lo, &span),
                lanes::portable::fits(&w, &lo, &span)
            );
            // One byte out of its range is enough.
            span = [0xFF; WINDOW];
            assert!(lanes::fits(&w, &lo, &span));
            let i = rng.below(WINDOW);
            span[i] = 0;
            lo[i] = w[i].wrapping_add(1);
            assert!(!lanes::fits(&w, &lo, &span));
        }
    }

    /// The fast path is only worth it if it takes every valid group of a known label that fits.
    #[test]
    fn window_parser_takes_valid_groups_and_agrees_with_parse() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut taken = 0;
        for _ in 0..50_000 {
            let g = random_group(&mut rng);
            assert!(parse(&g).is_ok(), "{:?}", String::from_utf8_lossy(&g));
            if g.len() > WINDOW {
                continue;
            }
            let mut w = [0u8; WINDOW];
            w[..g.len()].copy_from_slice(&g);
            for b in &mut w[g.len()..] {
                *b = rng.next() as u8;
            }
            let known = Label::lookup(mode_of(&g), &g[..label_len(&g)]).is_some();
            if g.len() < WINDOW && known {
                // A window that holds a whole group.
                w[g.len()] = b'\r';
                assert_eq!(parse_window(&w), Some((g.len(), parse(&g).unwrap())));
                taken += 1;
            }
            // Without its CR, a group is never taken.
            let mut w2 = w;
            if let Some(b) = w2.get_mut(g.len()) {
                *b = b'\n';
            }
            assert_eq!(parse_window(&w2), None);
        }
        assert!(taken > 30_000, "{taken}");
    }

    /// Coded values are checked against their code lists without a search: every value of
    /// four characters from the codes' alphabet the fast path takes, [`parse`] takes alike;
    /// what it leaves, [`parse`] takes only as an unknown code made of code characters.
    #[test]
    fn window_parser_checks_coded_values_like_parse() {
        let alphabet = b"ABCDEGHJLMNOPRSTUWY.-( ";
        let mut accepted = 0;
        for label in [Label::Ptec, Label::Demain, Label::Hhphc, Label::Optarif] {
            let width = u32::from(label.spec().width);
            for i in 0..alphabet.len().pow(width) {
                let value: Vec<u8> = (0..width)
                    .map(|k| alphabet[i / alphabet.len().pow(k) % alphabet.len()])
                    .collect();
                let mut g = format!("{} ", label.name()).into_bytes();
                g.extend_from_slice(&value);
                let c = checksum(&g);
                g.extend_from_slice(&[b' ', c, b'\r']);
                let mut w = [b'\n'; WINDOW];
                w[..g.len()].copy_from_slice(&g);
                let fast = parse_window(&w);
                let slow = parse(&g[..g.len() - 1]);
                if let Some((_, p)) = fast {
                    accepted += 1;
                    assert_eq!(Ok(p), slow, "{:?}", String::from_utf8_lossy(&g));
                } else if slow.is_ok() {
                    assert!(
                        label != Label::Optarif && value.iter().all(|&b| is_code_char(b)),
                        "{:?}",
                        String::from_utf8_lossy(&g)
                    );
                }
            }
        }
        // 11 periods, 4 colours, 5 schedules, 3 options and BBR with any of the characters.
        assert_eq!(accepted, 11 + 4 + 5 + 3 + alphabet.len());
    }

    /// Whenever the fast path accepts a group, [`parse`] accepts it with the same fields: over
    /// valid groups with up to three random substitutions, insertions or deletions.
    #[test]
    fn window_parser_never_accepts_what_parse_rejects() {
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        let mut accepted = 0;
        for round in 0..400_000 {
            let mut g = random_group(&mut rng);
            for _ in 0..rng.below(4) {
                let at = rng.below(g.len() + 1);
                let byte = match rng.below(3) {
                    0 => rng.next() as u8,
                    1 => *rng.pick(b"\t 0123456789AEH+-_.~"),
                    _ => g.get(at).map_or(b'0', |b| b ^ 0x40),
                };
                match rng.below(4) {
                    0 if at < g.len() => {
                        g.remove(at);
                    }
                    1 => g.insert(at, byte),
                    _ if at < g.len() => g[at] = byte,
                    _ => {}
                }
            }
            if round % 2 == 0 {
                // Repair the checksum so that the shape checks are reached.
                if let Some(&sep) = g.get(g.len().wrapping_sub(2)) {
                    let end = g.len() - if sep == b'\t' { 1 } else { 2 };
                    let c = checksum(&g[..end]);
                    *g.last_mut().unwrap() = c;
                }
            }
            let mut w = [0u8; WINDOW];
            let n = g.len().min(WINDOW);
            w[..n].copy_from_slice(&g[..n]);
            for b in &mut w[n..] {
                *b = *rng.pick(b"\t \r\r0A\n\x8d");
            }
            if let Some((end, p)) = parse_window(&w) {
                accepted += 1;
                assert_eq!(w[end], b'\r');
                assert_eq!(Ok(p), parse(&w[..end]), "{:?}", String::from_utf8_lossy(&g));
            }
        }
        assert!(accepted > 15_000, "{accepted}");
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
