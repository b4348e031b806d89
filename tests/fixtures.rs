//! The decoder on every fixture: the synthetic frames of the protocol digest, the 122 real
//! groups of `groups.tsv`, and the real captures listed in `tests/data/SOURCES.md`.

mod common;

use common::{decode, decode_chunked, read, unescape_python_bytes};
use teleinfo_exporter::meter::Meter;
use teleinfo_exporter::meter::plausibility::Stamp;
use teleinfo_exporter::tic::Decoder;
use teleinfo_exporter::tic::encode::write_group;
use teleinfo_exporter::tic::group;
use teleinfo_exporter::tic::{DecoderStats, Label, Mode, OwnedGroup};

fn g(name: &str, value: &str) -> OwnedGroup {
    OwnedGroup::new(name, value)
}

fn h(name: &str, horodate: &str, value: &str) -> OwnedGroup {
    OwnedGroup::horodated(name, horodate, value)
}

#[test]
fn historic_mono_base_decodes_to_exactly_its_groups() {
    let d = decode(&read("synthetic/historic_mono_base.tic"));
    assert_eq!(d.frames.len(), 1);
    assert_eq!(d.frames[0].mode, Mode::Historic);
    assert_eq!(
        d.frames[0].groups,
        [
            g("ADCO", "021728123456"),
            g("OPTARIF", "BASE"),
            g("ISOUSC", "30"),
            g("BASE", "012345678"),
            g("PTEC", "TH.."),
            g("IINST", "007"),
            g("IMAX", "090"),
            g("PAPP", "01520"),
            g("HHPHC", "A"),
            g("MOTDETAT", "000000"),
        ]
    );
}

#[test]
fn historic_checksum_that_is_a_space_is_kept() {
    let d = decode(&read("synthetic/historic_mono_hc.tic"));
    assert_eq!(d.frames.len(), 1);
    let groups = &d.frames[0].groups;
    assert_eq!(groups.len(), 11);
    assert_eq!(groups[3], g("HCHC", "001234567"));
    assert_eq!(groups[5], g("PTEC", "HP.."));
    assert_eq!(d.stats.checksum_errors + d.stats.format_errors, 0);
}

#[test]
fn historic_three_phase_long_and_short_frames() {
    let long = decode(&read("synthetic/historic_tri_base.tic"));
    let names: Vec<_> = long.frames[0]
        .groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ADCO", "OPTARIF", "ISOUSC", "BASE", "PTEC", "IINST1", "IINST2", "IINST3", "IMAX1",
            "IMAX2", "IMAX3", "PMAX", "PAPP", "HHPHC", "MOTDETAT", "PPOT"
        ]
    );
    let short = decode(&read("synthetic/historic_tri_short.tic"));
    assert_eq!(
        short.frames[0].groups,
        [
            g("ADIR2", "032"),
            g("ADCO", "021330274552"),
            g("IINST1", "004"),
            g("IINST2", "032"),
            g("IINST3", "002"),
        ]
    );
}

#[test]
fn eot_interrupted_long_frame_then_short_frame() {
    let d = decode(&read("synthetic/historic_tri_interrupted.tic"));
    assert_eq!(d.stats.interrupted, 1);
    assert_eq!(d.frames.len(), 1, "only the short frame is complete");
    assert_eq!(d.frames[0].groups[0], g("ADIR2", "032"));
    assert_eq!(d.frames[0].groups.len(), 5);
    assert!(d.frames[0].dropped == 0);
}

#[test]
fn standard_mono_keeps_date_with_empty_value_and_padded_text() {
    let d = decode(&read("synthetic/standard_mono_hchp.tic"));
    assert_eq!(d.frames.len(), 1);
    let f = &d.frames[0];
    assert_eq!(f.mode, Mode::Standard);
    assert_eq!(f.groups.len(), 38);
    assert_eq!(f.groups[2], h("DATE", "H231207143015", ""));
    assert_eq!(f.groups[3], g("NGTF", "H PLEINE/CREUSE "));
    assert_eq!(f.groups[4], g("LTARF", "  HEURE  PLEINE "));
    assert_eq!(f.groups[25], h("SMAXSN", "H231207071522", "03214"));
    assert_eq!(f.groups[30], g("STGE", "003A4401"));
    assert_eq!(
        f.groups[37],
        g(
            "PJOURF+1",
            "0000C001 06308002 2230C001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE"
        )
    );
}

#[test]
fn standard_tri_keeps_nine_char_labels_and_space_season_horodates() {
    let d = decode(&read("synthetic/standard_tri_tempo.tic"));
    let f = &d.frames[0];
    assert_eq!(f.groups.len(), 56);
    assert!(f.groups.contains(&h("SMAXSN1-1", "E240714233916", "02003")));
    assert!(f.groups.contains(&h("SMAXSN3-1", "E240714055736", "02516")));
    assert!(f.groups.contains(&h("DPM1", " 240716060000", "00")));
    assert!(f.groups.contains(&h("FPM1", " 240717060000", "00")));
}

#[test]
fn standard_producer_with_space_checksum() {
    let d = decode(&read("synthetic/standard_mono_producer.tic"));
    let f = &d.frames[0];
    assert_eq!(f.groups.len(), 48);
    assert!(f.groups.contains(&g("EAIT", "004812345")));
    assert!(f.groups.contains(&g("SINSTI", "02650")));
}

#[test]
fn every_known_label_of_the_synthetic_frames_reads_as_its_type() {
    let mut checked = 0;
    for name in [
        "historic_mono_base",
        "historic_mono_hc",
        "historic_tri_base",
        "historic_tri_short",
        "standard_mono_hchp",
        "standard_tri_tempo",
        "standard_mono_producer",
    ] {
        let mut decoder = teleinfo_exporter::tic::Decoder::new();
        decoder.feed(&read(&format!("synthetic/{name}.tic")), |frame| {
            for group in frame.groups() {
                assert!(group.label.is_some(), "{name}: {} unknown", group.name);
                if let Err(e) = group.typed() {
                    panic!("{name}: {}: {e}", group.name);
                }
                checked += 1;
            }
        });
    }
    assert_eq!(checked, 10 + 11 + 16 + 5 + 38 + 56 + 48);
}

#[test]
fn every_real_group_of_groups_tsv_validates() {
    let text = String::from_utf8(read("real/groups.tsv")).unwrap();
    let unescape = |s: &str| s.replace("\\t", "\t").replace("\\\\", "\\");
    let mut count = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "{line:?}");
        let mode = match cols[0] {
            "historic" => Mode::Historic,
            "standard" => Mode::Standard,
            other => panic!("mode {other}"),
        };
        let (label, horodate, value) = (cols[1], cols[2], unescape(cols[3]));
        let chk = unescape(cols[4]);
        let sep = mode.separator() as char;
        let mut content = format!("{label}{sep}");
        if !horodate.is_empty() {
            content.push_str(&format!("{horodate}{sep}"));
        }
        content.push_str(&format!("{value}{sep}{chk}"));
        let parsed = group::parse(content.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(parsed.mode, mode);
        assert!(parsed.label.is_some(), "{label} should be a known label");
        // And our encoder computes the meter's own checksum character.
        let mut out = Vec::new();
        write_group(
            &mut out,
            mode,
            label,
            (!horodate.is_empty()).then_some(horodate),
            &value,
        )
        .unwrap();
        assert_eq!(out[out.len() - 2], chk.as_bytes()[0], "{line:?}");
        count += 1;
    }
    assert_eq!(count, 122);
}

/// Expected decoder results for each real capture. `sources_valid` is the "valid" count of
/// `tests/data/SOURCES.md`; `head` is 1 when the file starts at a group without its LF (not
/// counted by design); `shape` counts groups that pass the checksum but fail a width check.
struct Capture {
    file: &'static str,
    sources_valid: u64,
    head: u64,
    shape: u64,
    /// Whole groups with a stray control byte before or after them, which the checksum-only
    /// count of SOURCES.md misses and the decoder recovers.
    stray: u64,
    frames: u64,
    checksum_errors: u64,
    format_errors: u64,
    interrupted: u64,
    cooked: bool,
}

#[rustfmt::skip]
const CAPTURES: &[Capture] = &[
    Capture { file: "ticdecodecpp__continuous_linky_1P_standard_TIC_sample.bin", sources_valid: 467, head: 0, shape: 0, stray: 0, frames: 12, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "ticdecodecpp__linky_1P_midnight.bin", sources_valid: 464, head: 0, shape: 0, stray: 0, frames: 12, checksum_errors: 3, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "ticdecodecpp__continuous_linky_3P_historical_TIC_sample.bin", sources_valid: 102, head: 0, shape: 0, stray: 0, frames: 6, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "ticdecodecpp__continuous_linky_3P_historical_TIC_2024_sample.bin", sources_valid: 71, head: 0, shape: 0, stray: 0, frames: 4, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: true },
    // `}PR`PzSOUSC 20 8` (line noise over `ISOUSC 20 8`) passes the checksum; its label does not.
    // `ISOUSC 20 8\x1d` and `PMAX 02910 2\x1d` are whole groups with a stray byte after the
    // checksum, which a checksum-only count misses and the decoder trims. With stray bytes
    // trimmed, one bad group fails its checksum instead of its shape, and a run of stray
    // bytes alone between two groups is no longer counted as a group.
    Capture { file: "ticdecodecpp__continuous_linky_3P_historical_TIC_with_rx_errors.bin", sources_valid: 304, head: 0, shape: 1, stray: 2, frames: 25, checksum_errors: 63, format_errors: 68, interrupted: 1, cooked: true },
    Capture { file: "pyteleinfo__captured_frames.bin", sources_valid: 160, head: 0, shape: 0, stray: 0, frames: 10, checksum_errors: 0, format_errors: 0, interrupted: 0, cooked: false },
    Capture { file: "pyteleinfo__conftest_VALID_FRAME.bin", sources_valid: 11, head: 0, shape: 0, stray: 0, frames: 1, checksum_errors: 0, format_errors: 0, interrupted: 0, cooked: false },
    Capture { file: "teleinfo-nom__message.txt", sources_valid: 16, head: 0, shape: 0, stray: 0, frames: 0, checksum_errors: 0, format_errors: 0, interrupted: 0, cooked: false },
    Capture { file: "teleinfo-nom__message_standard.txt", sources_valid: 55, head: 0, shape: 0, stray: 0, frames: 0, checksum_errors: 0, format_errors: 0, interrupted: 0, cooked: false },
    Capture { file: "teleinfo-nom__stream_legacy_complete.txt", sources_valid: 20, head: 0, shape: 0, stray: 0, frames: 1, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "teleinfo-nom__stream_legacy_incomplete.txt", sources_valid: 15, head: 0, shape: 0, stray: 0, frames: 0, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: false },
    // Its last group is cut after the value but still ends with CR: a checksum error.
    Capture { file: "teleinfo-nom__stream_legacy_raw.txt", sources_valid: 39, head: 1, shape: 0, stray: 0, frames: 1, checksum_errors: 1, format_errors: 0, interrupted: 1, cooked: false },
    // `EAST\t 21849107\t/` fails its checksum; `…\t@\x0c` is a whole group with a form feed
    // after its checksum (trimmed).
    Capture { file: "teleinfo-nom__stream_standard_complete.txt", sources_valid: 76, head: 1, shape: 0, stray: 1, frames: 1, checksum_errors: 1, format_errors: 0, interrupted: 1, cooked: false },
    // `EASD01\t021849107\t@\x0c` and `EASF06\t000706363\t@\x0c`: form feed after the checksum.
    Capture { file: "teleinfo-nom__stream_standard_raw.txt", sources_valid: 474, head: 0, shape: 0, stray: 2, frames: 7, checksum_errors: 13, format_errors: 1, interrupted: 1, cooked: false },
    Capture { file: "teleinfo-parser__frames.txt", sources_valid: 11, head: 1, shape: 0, stray: 0, frames: 1, checksum_errors: 0, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "teleinfo-parser__badchecksum.txt", sources_valid: 13, head: 1, shape: 0, stray: 0, frames: 1, checksum_errors: 1, format_errors: 0, interrupted: 1, cooked: false },
    Capture { file: "sanpii-teleinfo__teleinfo.txt", sources_valid: 42, head: 1, shape: 0, stray: 0, frames: 3, checksum_errors: 4, format_errors: 0, interrupted: 1, cooked: false },
    // Truncated at `ADCO 02186\r\n`: terminated, so a format error.
    Capture { file: "linky-teleinfo-prometheus-exporter__sample.txt", sources_valid: 48, head: 1, shape: 0, stray: 0, frames: 0, checksum_errors: 0, format_errors: 1, interrupted: 0, cooked: false },
    Capture { file: "teleinfo-exporter-josqu4red__TestParseFrame_input.txt", sources_valid: 10, head: 0, shape: 0, stray: 0, frames: 0, checksum_errors: 0, format_errors: 0, interrupted: 0, cooked: false },
    // ADSC anonymised to 11 digits.
    Capture { file: "goteleinfo__reader_test_StandardRawFrame.bin", sources_valid: 38, head: 0, shape: 1, stray: 0, frames: 1, checksum_errors: 0, format_errors: 1, interrupted: 0, cooked: false },
    // `\x02\rPAPP …` has no LF (not a group); HCHC has 8 digits, HCHP 7.
    Capture { file: "goteleinfo__reader_test_HistoricRawFrame.bin", sources_valid: 4, head: 1, shape: 2, stray: 0, frames: 1, checksum_errors: 0, format_errors: 2, interrupted: 0, cooked: false },
];

#[test]
fn every_real_capture_gives_the_counts_of_sources_md() {
    // Every capture is checked and every difference reported, not only the first.
    let mut wrong = Vec::new();
    for c in CAPTURES {
        let d = decode(&read(&format!("real/{}", c.file)));
        let s = d.stats;
        let got = (
            s.groups,
            s.frames,
            s.checksum_errors,
            s.format_errors,
            s.size_errors,
            s.interrupted,
            d.cooked,
        );
        let want = (
            c.sources_valid - c.head - c.shape + c.stray,
            c.frames,
            c.checksum_errors,
            c.format_errors,
            0,
            c.interrupted,
            c.cooked,
        );
        if got != want {
            wrong.push(format!("{}: got {got:?}, want {want:?}", c.file));
        }
    }
    assert!(
        wrong.is_empty(),
        "(valid groups, frames, checksum, format, size, interrupted, cooked):\n{}",
        wrong.join("\n")
    );
}

/// Every real and synthetic capture through the meter model: no reading of a real meter is
/// taken for a corrupted one, neither an energy index (`implausible`) nor an instantaneous
/// value outside its label's range (`out_of_range`). The filters are there for noise, and a
/// bound too tight for real meters would silently freeze their values.
#[test]
fn no_real_reading_is_rejected_by_the_plausibility_filters() {
    let mut inputs: Vec<(String, Vec<u8>)> = CAPTURES
        .iter()
        .map(|c| format!("real/{}", c.file))
        .chain(std::iter::once("synthetic".to_owned()).flat_map(|dir| {
            let mut files: Vec<String> = std::fs::read_dir(common::data(&dir))
                .unwrap()
                .map(|e| format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()))
                .collect();
            files.sort();
            files
        }))
        .map(|file| {
            let bytes = read(&file);
            (file, bytes)
        })
        .collect();
    let text = String::from_utf8(read("real/pyteleinfo__captured_frames.txt")).unwrap();
    inputs.push((
        "real/pyteleinfo__captured_frames.txt".to_owned(),
        unescape_python_bytes(&text),
    ));
    let mut frames = 0;
    for (file, bytes) in &inputs {
        let mut meter = Meter::new("m");
        let mut decoder = Decoder::new();
        let mut t = 1_700_000_000.0;
        decoder.feed(bytes, |f| {
            t += 1.5; // about a historic frame's time on the line
            frames += 1;
            meter.apply(f, Stamp { host: t, line: t });
        });
        let h = meter.health();
        assert_eq!((h.implausible, h.out_of_range), (0, 0), "{file}");
    }
    assert!(frames >= 100, "{frames} frames");
}

#[test]
fn python_escaped_captures_decode_once_unescaped() {
    let text = String::from_utf8(read("real/pyteleinfo__captured_frames.txt")).unwrap();
    let d = decode(&unescape_python_bytes(&text));
    assert_eq!((d.stats.frames, d.stats.groups), (10, 160));
    assert_eq!(d.stats.checksum_errors + d.stats.format_errors, 0);
    // Ten successive frames of a Tempo meter: the blue off-peak index only grows.
    let idx: Vec<u64> = d
        .frames
        .iter()
        .map(|f| {
            f.groups
                .iter()
                .find(|g| g.name == "BBRHCJB")
                .unwrap()
                .value
                .parse()
                .unwrap()
        })
        .collect();
    assert!(idx.windows(2).all(|w| w[0] <= w[1]), "{idx:?}");
}

#[test]
fn cooked_tty_capture_recovers_frames_ending_at_the_next_stx() {
    let d = decode(&read(
        "real/ticdecodecpp__continuous_linky_3P_historical_TIC_2024_sample.bin",
    ));
    assert!(d.cooked);
    assert_eq!(d.frames.len(), 4);
    for f in &d.frames {
        assert_eq!(f.groups.len(), 16, "{f:?}");
        assert_eq!(f.groups[0], g("ADCO", "056234673197"));
        assert!(f.dropped == 0);
    }
}

#[test]
fn a_raw_stream_is_not_taken_for_a_cooked_tty() {
    for file in [
        "real/ticdecodecpp__continuous_linky_3P_historical_TIC_sample.bin",
        "real/ticdecodecpp__continuous_linky_1P_standard_TIC_sample.bin",
    ] {
        assert!(!decode(&read(file)).cooked, "{file}");
    }
}

#[test]
fn every_capture_decodes_the_same_whatever_the_chunking() {
    let mut files: Vec<String> = CAPTURES
        .iter()
        .map(|c| format!("real/{}", c.file))
        .collect();
    files.extend(
        [
            "historic_mono_base",
            "historic_mono_hc",
            "historic_tri_base",
            "historic_tri_short",
            "historic_tri_interrupted",
            "standard_mono_hchp",
            "standard_tri_tempo",
            "standard_mono_producer",
        ]
        .map(|n| format!("synthetic/{n}.tic")),
    );
    for file in files {
        let bytes = read(&file);
        let whole = decode(&bytes);
        for sizes in [&[1][..], &[2], &[3, 7], &[13, 1, 64], &[4096], &[65536]] {
            assert_eq!(
                decode_chunked(&bytes, sizes),
                whole,
                "{file} in chunks {sizes:?}"
            );
        }
    }
}

#[test]
fn ports_mis_set_to_8n1_still_decode() {
    // With 8N1 the even-parity bit lands in bit 7: set it on every byte with an odd number of
    // ones, as the line would.
    let bytes = read("synthetic/standard_tri_tempo.tic");
    let with_parity: Vec<u8> = bytes
        .iter()
        .map(|&b| if b.count_ones() % 2 == 1 { b | 0x80 } else { b })
        .collect();
    assert_ne!(with_parity, bytes);
    let (eight, seven) = (decode(&with_parity), decode(&bytes));
    assert_eq!(eight.frames, seven.frames);
    // The same counts, but that groups came with bit 7 set: the link doctor's hint. Every
    // group of this frame has a byte with an odd number of ones.
    assert_eq!(eight.stats.high_bit_groups, seven.stats.groups);
    assert_eq!(
        DecoderStats {
            high_bit_groups: 0,
            ..eight.stats
        },
        seven.stats
    );
}

#[test]
fn noisy_captures_never_yield_a_group_that_fails_its_checksum() {
    // Every group yielded must appear in the (masked) input exactly as the meter sent it,
    // checksum included.
    for file in [
        "real/ticdecodecpp__continuous_linky_3P_historical_TIC_with_rx_errors.bin",
        "real/teleinfo-nom__stream_standard_raw.txt",
        "real/teleinfo-nom__stream_standard_complete.txt",
        "real/ticdecodecpp__linky_1P_midnight.bin",
        "real/sanpii-teleinfo__teleinfo.txt",
    ] {
        let bytes: Vec<u8> = read(file).iter().map(|b| b & 0x7F).collect();
        let d = decode(&bytes);
        assert!(!d.frames.is_empty(), "{file}");
        for f in &d.frames {
            for grp in &f.groups {
                let mut encoded = Vec::new();
                write_group(
                    &mut encoded,
                    f.mode,
                    &grp.name,
                    grp.horodate.as_deref(),
                    &grp.value,
                )
                .unwrap();
                let without_cr = &encoded[..encoded.len() - 1];
                assert!(
                    bytes.windows(without_cr.len()).any(|w| w == without_cr),
                    "{file}: {grp:?} is not in the input"
                );
            }
        }
    }
}

#[test]
fn frames_typed_accessors_on_a_real_standard_capture() {
    let mut decoder = teleinfo_exporter::tic::Decoder::new();
    let mut seen = 0;
    decoder.feed(&read("real/ticdecodecpp__linky_1P_midnight.bin"), |frame| {
        let date = frame.get(Label::Date).unwrap().typed().unwrap();
        let t = date.horodate.unwrap().unix_time().unwrap();
        // H240513235954 … H240514000004: winter offset (UTC+1) as the meter says.
        assert!((1_715_641_194..=1_715_641_204 + 3600).contains(&t), "{t}");
        seen += 1;
    });
    assert_eq!(seen, 12);
}
