//! The link doctor: what went wrong on a meter's line, by cause, and what to check for each.
//!
//! Users fight noise and wiring for weeks when every tool only says "checksum error". Each
//! cause below is one value of the `cause` label of `teleinfo_line_errors_total`, counted from
//! the decoder's and the meter's counters, with one plain sentence on what to check. This is
//! the one table of these facts: `/metrics`, the JSON API (and so the live page) and `probe`
//! all read it.

use crate::tic::DecoderStats;

/// One cause of trouble on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    /// The value of the `cause` label.
    pub name: &'static str,
    /// What one count is.
    pub counts: &'static str,
    /// What to check, in one sentence.
    pub advice: &'static str,
}

/// Counters the doctor reads that the decoder does not keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeterCounts {
    /// Values rejected by the plausibility filters: energy indexes and out-of-range
    /// instantaneous values (power, current, voltage).
    pub implausible: u64,
    /// Speeds tried that gave no valid group (serial ports with a detected speed).
    pub wrong_speeds: u64,
}

/// Every cause, in the order they are exported.
pub const CAUSES: [Cause; 12] = [
    Cause {
        name: "checksum",
        counts: "groups whose checksum does not match",
        advice: "Bytes are corrupted on the line: check the I1/I2 wiring (tight terminals, a \
                 short cable away from power cables) and, on an adapter with a potentiometer \
                 (Micro-Teleinfo, some PiTInfo), turn it until the errors stop.",
    },
    Cause {
        name: "width",
        counts: "groups of a known label whose value has the wrong width",
        advice: "Values arrive with characters missing or extra although their checksum holds: \
                 usually noise that cancels out; check the wiring. If every frame does it, the \
                 meter sends a variant: report it with the output of `decode`.",
    },
    Cause {
        name: "charset",
        counts: "groups with characters their label does not allow",
        advice: "Values arrive with impossible characters although their checksum holds: noise \
                 that cancels out, or a port at the wrong speed; check the wiring and the speed.",
    },
    Cause {
        name: "shape",
        counts: "other malformed groups (no separator, bad horodate, cut by ETX)",
        advice: "Groups arrive cut or merged: noise on the line or bytes lost by the adapter; \
                 check the wiring, and that nothing else reads the port.",
    },
    Cause {
        name: "high_bit",
        counts: "groups that arrived with a byte whose bit 7 was set",
        advice: "Bytes arrive with their 8th bit set: the port or the TCP bridge is set to 8N1; \
                 the TIC is 7E1 (7 data bits, even parity): set ser2net or the adapter to 7E1.",
    },
    Cause {
        name: "cooked_tty",
        counts: "groups ended by LF instead of CR",
        advice: "CR arrives as LF: a tty in cooked mode is in between; set it raw (stty -F \
                 DEVICE raw, ser2net in raw mode) and make sure no login console runs on it.",
    },
    Cause {
        name: "no_frame_marks",
        counts: "valid groups outside any frame (STX and ETX lost)",
        advice: "Groups arrive without their frame marks (STX, ETX): a serial console or getty \
                 on the UART, or a tty that swallows control characters; disable the serial \
                 console (raspi-config) and set the port raw.",
    },
    Cause {
        name: "interrupted",
        counts: "frames cut before their ETX",
        advice: "Frames are cut before their end: normal now and then on a three-phase meter in \
                 an overload (it switches to short frames); often, the line drops out: check \
                 the wiring and the adapter's power.",
    },
    Cause {
        name: "too_long",
        counts: "groups or frames too long to be real",
        advice: "Frames never end: the speed is probably wrong (historic mode is 1200 Bd, \
                 standard mode 9600 Bd), or noise swallows the frame marks.",
    },
    Cause {
        name: "unknown_label",
        counts: "valid groups with a label this exporter does not know",
        advice: "The meter sends labels this exporter does not know; they are kept out of the \
                 metrics. Nothing to fix: report them (with `decode` output) to have them read.",
    },
    Cause {
        name: "implausible",
        counts: "values that passed every check but are impossible",
        advice: "Values passed their checksum but were impossible (an index going back or \
                 jumping, an absurd power or voltage): two corrupted bytes whose errors cancel; \
                 check the wiring.",
    },
    Cause {
        name: "wrong_speed",
        counts: "speeds tried that gave no valid group",
        advice: "Nothing valid at the speed tried: historic mode is 1200 Bd, standard mode \
                 9600 Bd; give the speed (@1200 or @9600) or leave detection to run, and check \
                 that the meter's TIC output is wired to I1/I2.",
    },
];

/// The count of each of [`CAUSES`], in the same order.
pub fn counts(d: &DecoderStats, m: MeterCounts) -> [(Cause, u64); CAUSES.len()] {
    let shape = d
        .format_errors
        .saturating_sub(d.width_errors)
        .saturating_sub(d.charset_errors);
    let values = [
        d.checksum_errors,
        d.width_errors,
        d.charset_errors,
        shape,
        d.high_bit_groups,
        d.lf_groups,
        d.loose_groups,
        d.interrupted,
        d.size_errors,
        d.unknown_groups,
        m.implausible,
        m.wrong_speeds,
    ];
    let mut out = [(CAUSES[0], 0); CAUSES.len()];
    for (slot, (cause, n)) in out.iter_mut().zip(CAUSES.iter().zip(values)) {
        *slot = (*cause, n);
    }
    out
}

/// The causes seen, most frequent first, at most `n` of them.
pub fn top(d: &DecoderStats, m: MeterCounts, n: usize) -> Vec<(Cause, u64)> {
    let mut seen: Vec<_> = counts(d, m).into_iter().filter(|&(_, c)| c > 0).collect();
    // Stable: among equal counts, the order of the table (the more telling cause first).
    seen.sort_by_key(|&(_, c)| std::cmp::Reverse(c));
    seen.truncate(n);
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tic::Decoder;

    fn stats_of(bytes: &[u8]) -> DecoderStats {
        let mut d = Decoder::new();
        d.feed(bytes, |_| {});
        d.finish();
        d.stats()
    }

    #[test]
    fn a_port_opened_mid_frame_is_not_a_line_without_frame_marks() {
        let frame = |groups: &[u8]| [b"\x02".as_slice(), groups, b"\x03"].concat();
        let papp = group("PAPP", "00750");
        // The tail of a frame the opening cut, then whole frames: a healthy line.
        let healthy = [papp.clone(), frame(&papp), frame(&papp)].concat();
        let d = stats_of(&healthy);
        assert_eq!((d.groups, d.loose_groups), (3, 0));
        assert!(top(&d, MeterCounts::default(), 3).is_empty());
        // Between two frames, a group without its marks counts.
        let lost = [frame(&papp), papp.clone(), frame(&papp)].concat();
        assert_eq!(stats_of(&lost).loose_groups, 1);
        // More groups than any frame holds before a first mark: the marks are lost.
        let unmarked = papp.repeat(150);
        let mut d = Decoder::new();
        d.feed(&unmarked, |_| {});
        assert_eq!(
            d.stats().loose_groups,
            150,
            "counted before the session ends"
        );
        d.feed(&frame(&papp), |_| {});
        d.finish();
        assert_eq!(d.stats().loose_groups, 150);
    }

    #[test]
    fn cause_names_are_unique_label_values() {
        for (i, c) in CAUSES.iter().enumerate() {
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                c.name
            );
            assert!(CAUSES[..i].iter().all(|o| o.name != c.name), "{}", c.name);
            assert!(c.advice.ends_with('.'), "{}", c.name);
        }
    }

    /// `LF label SP value SP checksum CR`, with the checksum of historic mode, whatever the
    /// value (the encoder refuses a wrong width).
    fn group(label: &str, value: &str) -> Vec<u8> {
        let body = format!("{label} {value}");
        let sum: u32 = body.bytes().map(u32::from).sum();
        let checksum = (sum & 0x3F) as u8 + 0x20;
        [b"\n", body.as_bytes(), &[b' ', checksum, b'\r']].concat()
    }

    #[test]
    fn each_line_defect_is_told_by_its_own_cause() {
        let frame = |groups: &[u8]| [b"\x02".as_slice(), groups, b"\x03"].concat();
        let papp = group("PAPP", "00750");
        let mut bad_checksum = papp.clone();
        let n = bad_checksum.len();
        bad_checksum[n - 2] = b'X';
        let mut high_bit = papp.clone();
        high_bit[1] |= 0x80;
        let mut lf = papp.clone();
        *lf.last_mut().unwrap() = b'\n';
        let cases: [(&str, Vec<u8>); 7] = [
            ("checksum", frame(&bad_checksum)),
            ("width", frame(&group("PAPP", "0750"))),
            ("cooked_tty", [b"\x02".as_slice(), &lf, &lf].concat()),
            ("no_frame_marks", papp.clone()),
            ("interrupted", [b"\x02".as_slice(), &papp, b"\x04"].concat()),
            ("high_bit", frame(&high_bit)),
            ("unknown_label", frame(&group("TENSION", "230"))),
        ];
        for (want, bytes) in cases {
            let top = top(&stats_of(&bytes), MeterCounts::default(), 1);
            assert_eq!(
                top.first().map(|(c, _)| c.name),
                Some(want),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let m = MeterCounts {
            implausible: 2,
            wrong_speeds: 1,
        };
        let names: Vec<_> = top(&DecoderStats::default(), m, 3)
            .iter()
            .map(|(c, _)| c.name)
            .collect();
        assert_eq!(names, ["implausible", "wrong_speed"]);
    }
}
