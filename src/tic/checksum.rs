//! The TIC group checksum.
//!
//! Both modes use `(S & 0x3F) + 0x20` where `S` is the sum of the bytes of a zone of the group;
//! only the zone differs. Historic mode (method 1) sums `LABEL SP VALUE`: the separator before
//! the checksum is *not* counted. Standard mode (method 2) sums every byte up to and including
//! the separator just before the checksum. Mixing them up fails on every line, and with SP as
//! separator the two results always differ (adding 0x20 flips bit 5).

/// The checksum character of a zone: always printable, in `0x20..=0x5F` (it may be a space).
pub fn checksum(zone: &[u8]) -> u8 {
    // A u32 accumulator cannot overflow here: zones are at most a few hundred bytes.
    let sum = zone
        .iter()
        .fold(0u32, |acc, &b| acc.wrapping_add(u32::from(b)));
    ((sum & 0x3F) as u8) + 0x20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples_from_the_protocol_digest() {
        assert_eq!(checksum(b"ADCO 031762120162"), b'6');
        assert_eq!(checksum(b"PAPP 00750"), b'-');
        assert_eq!(checksum(b"HCHC 000723392"), b' ');
        assert_eq!(checksum(b"SINSTS\t00432\t"), b'O');
        assert_eq!(checksum(b"SMAXSN\tE200426132229\t06100\t"), b'2');
        assert_eq!(checksum(b"DATE\tE200426181830\t\t"), b'A');
    }

    #[test]
    fn counting_the_trailing_separator_in_historic_mode_gives_another_character() {
        assert_eq!(checksum(b"PAPP 00750 "), b'M');
    }
}
