//! Property tests of the decoder and encoder (proptest).

mod common;

use common::{decode, decode_chunked, read};
use proptest::prelude::*;
use teleinfo_exporter::tic::encode::{write_frame, write_group};
use teleinfo_exporter::tic::{Decoder, Mode, OwnedFrame, OwnedGroup};

/// A label that is not one of the known labels (those have fixed widths, tested elsewhere).
fn unknown_label() -> impl Strategy<Value = String> {
    "[A-Z][A-Z0-9+-]{0,8}".prop_map(|s| format!("X{s}"))
}

fn horodate() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!['H', 'E', 'h', 'e', ' ']),
        0u8..100,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
    )
        .prop_map(|(s, y, mo, d, h, mi, se)| format!("{s}{y:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}"))
}

fn group(mode: Mode) -> impl Strategy<Value = OwnedGroup> {
    // Historic values may contain spaces (parsed positionally); standard values never HT.
    let value = "[ -~]{0,40}";
    let horodated = match mode {
        Mode::Historic => Just(false).boxed(),
        Mode::Standard => any::<bool>().boxed(),
    };
    (unknown_label(), value, horodate(), horodated).prop_map(|(name, value, h, with_h)| {
        OwnedGroup {
            name,
            horodate: with_h.then_some(h),
            value,
        }
    })
}

fn frame() -> impl Strategy<Value = OwnedFrame> {
    prop_oneof![Just(Mode::Historic), Just(Mode::Standard)].prop_flat_map(|mode| {
        prop::collection::vec(group(mode), 1..40).prop_map(move |groups| OwnedFrame {
            mode,
            groups,
            dropped: 0,
        })
    })
}

/// Control bytes that are neither framing (STX, ETX, EOT, LF, CR) nor HT.
fn stray_bytes() -> Vec<u8> {
    (0u8..0x20)
        .filter(|b| ![0x02, 0x03, 0x04, b'\n', b'\r', b'\t'].contains(b))
        .collect()
}

/// Chunk sizes from 1 byte to 64 KiB.
fn chunking() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1usize..16, 1usize..=65536], 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encode_then_decode_gives_the_same_frames_for_every_chunking(
        frames in prop::collection::vec(frame(), 1..5),
        sizes in chunking(),
    ) {
        let mut bytes = Vec::new();
        for f in &frames {
            write_frame(&mut bytes, f).unwrap();
        }
        let d = decode_chunked(&bytes, &sizes);
        prop_assert_eq!(&d.frames, &frames);
        prop_assert_eq!(d.stats.checksum_errors + d.stats.format_errors + d.stats.size_errors, 0);
        prop_assert_eq!(d, decode(&bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_only_yield_groups_present_in_the_input(
        soup in prop::collection::vec(
            prop_oneof![
                any::<u8>(),
                prop::sample::select(vec![0x02u8, 0x03, 0x04, b'\n', b'\r', b'\t', b' ', b'0', b'A']),
            ],
            0..4000,
        ),
        sizes in chunking(),
    ) {
        let masked: Vec<u8> = soup.iter().map(|b| b & 0x7F).collect();
        let d = decode_chunked(&soup, &sizes);
        prop_assert_eq!(&d, &decode(&soup));
        for f in &d.frames {
            for g in &f.groups {
                let mut enc = Vec::new();
                write_group(&mut enc, f.mode, &g.name, g.horodate.as_deref(), &g.value).unwrap();
                // Without LF and CR: stray control bytes may stand between the LF and the
                // group, or between its checksum and the CR (the decoder trims them).
                let body = &enc[1..enc.len() - 1];
                prop_assert!(masked.windows(body.len()).any(|w| w == body), "{:?}", g);
            }
        }
    }

    /// Stray control bytes that real streams carry around groups lose nothing: NULs or any
    /// other control byte after an LF or before a CR, and an LF after a CR replaced by one.
    #[test]
    fn stray_control_bytes_around_groups_lose_no_group(
        frames in prop::collection::vec(frame(), 1..4),
        strays in prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..3, prop::sample::select(stray_bytes())),
            1..20,
        ),
        sizes in chunking(),
    ) {
        let mut clean = Vec::new();
        for f in &frames {
            write_frame(&mut clean, f).unwrap();
        }
        // Positions of the LFs, and of the CRs, of the clean stream.
        let lfs: Vec<usize> = (0..clean.len()).filter(|&i| clean[i] == b'\n').collect();
        let crs: Vec<usize> = (0..clean.len()).filter(|&i| clean[i] == b'\r').collect();
        // Edits by position: insert after (0) an LF, before (1) a CR, or replace (2) an LF
        // that follows a CR.
        let mut insert_after: Vec<(usize, u8)> = Vec::new();
        let mut replace: Vec<(usize, u8)> = Vec::new();
        for (at, how, byte) in &strays {
            match how {
                0 => insert_after.push((lfs[at.index(lfs.len())], *byte)),
                1 => insert_after.push((crs[at.index(crs.len())] - 1, *byte)),
                _ => {
                    let lf = lfs[at.index(lfs.len())];
                    if lf > 0 && clean[lf - 1] == b'\r' && !replace.iter().any(|&(p, _)| p == lf) {
                        replace.push((lf, *byte));
                    }
                }
            }
        }
        let mut noisy = Vec::new();
        for (i, &b) in clean.iter().enumerate() {
            match replace.iter().find(|&&(p, _)| p == i) {
                Some(&(_, s)) => noisy.push(s),
                None => noisy.push(b),
            }
            noisy.extend(insert_after.iter().filter(|&&(p, _)| p == i).map(|&(_, s)| s));
        }
        let d = decode_chunked(&noisy, &sizes);
        prop_assert_eq!(&d.frames, &frames);
        prop_assert_eq!(d.stats.checksum_errors + d.stats.format_errors, 0);
    }

    /// One corrupted byte per frame, anywhere (label, separator, framing, checksum, value):
    /// no group comes out altered, except in free-text values, where a ±64 substitution (space
    /// and backquote, `e` and `%`) is invisible to the checksum and to any shape check.
    #[test]
    fn one_corrupted_byte_per_frame_never_yields_an_altered_group(
        noise in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..=3),
    ) {
        let clean = read("synthetic/standard_tri_tempo.tic");
        let originals = decode(&clean).frames[0].groups.clone();
        let mut stream = Vec::new();
        for (i, b) in &noise {
            let mut copy = clean.clone();
            copy[i.index(clean.len())] = *b;
            stream.extend_from_slice(&copy);
        }
        let free_text = ["NGTF", "LTARF", "MSG1", "MSG2"];
        for f in decode(&stream).frames {
            for g in f.groups {
                prop_assert!(
                    originals.contains(&g) || free_text.contains(&g.name.as_str()),
                    "{:?}", g
                );
            }
        }
    }
}

/// Any single-byte substitution inside a numeric value of a valid frame is detected: the
/// altered group is never yielded with another value. Exhaustive over every position of every
/// numeric value of two frames and every byte value.
#[test]
fn every_single_byte_substitution_in_a_numeric_value_is_detected() {
    let mut substitutions = 0;
    for file in [
        "synthetic/historic_tri_base.tic",
        "synthetic/standard_mono_producer.tic",
    ] {
        let clean = read(file);
        let originals = decode(&clean).frames[0].groups.clone();
        // Locate each digit of each numeric value in the raw frame.
        let mut digit_positions = Vec::new();
        let mut pos = 0;
        for g in &originals {
            let needle = {
                let mut e = Vec::new();
                write_group(
                    &mut e,
                    decode(&clean).frames[0].mode,
                    &g.name,
                    g.horodate.as_deref(),
                    &g.value,
                )
                .unwrap();
                e
            };
            let at = pos
                + clean[pos..]
                    .windows(needle.len())
                    .position(|w| w == needle)
                    .unwrap();
            let value_at = at + needle.len() - 3 - g.value.len();
            if !g.value.is_empty() && g.value.bytes().all(|b| b.is_ascii_digit()) {
                digit_positions.extend(value_at..value_at + g.value.len());
            }
            pos = at + needle.len();
        }
        assert!(digit_positions.len() > 50, "{file}");
        for &p in &digit_positions {
            for b in 0..=255u8 {
                if b & 0x7F == clean[p] {
                    continue; // not a substitution once masked
                }
                let mut altered = clean.clone();
                altered[p] = b;
                for f in decode(&altered).frames {
                    for g in &f.groups {
                        assert!(
                            originals.contains(g),
                            "{file}: byte {b:#04x} at {p} gave {g:?}"
                        );
                    }
                }
                substitutions += 1;
            }
        }
    }
    assert!(substitutions > 40_000, "{substitutions}");
}

/// The decoder's state is bounded: a stream that never frames anything keeps the decoder at
/// its initial buffer sizes, and counting continues.
#[test]
fn endless_garbage_is_counted_not_buffered() {
    let mut decoder = Decoder::new();
    let mut chunk = vec![b'7'; 65536];
    chunk[0] = 0x02;
    chunk[1] = b'\n';
    for _ in 0..64 {
        decoder.feed(&chunk, |_| panic!("no frame expected"));
    }
    decoder.feed(b"\r\x03", |_| panic!("no frame expected"));
    let s = decoder.stats();
    assert_eq!(s.bytes, 64 * 65536 + 2);
    assert!(s.size_errors >= 64, "{s:?}");
    assert_eq!(s.frames, 0);
}

/// Every single-byte corruption (any position, any byte value) of a frame, exhaustively:
/// no group comes out altered, except in free-text values (see the proptest above).
#[test]
fn every_single_byte_corruption_of_a_frame_is_caught() {
    let free_text = ["NGTF", "LTARF", "MSG1", "MSG2"];
    let mut cases = 0;
    let files = [
        "synthetic/standard_tri_tempo.tic",
        "synthetic/standard_mono_producer.tic",
        "synthetic/historic_tri_base.tic",
        "synthetic/historic_mono_hc.tic",
    ];
    for file in files {
        let clean = read(file);
        let originals = decode(&clean).frames[0].groups.clone();
        let mut copy = clean.clone();
        for i in 0..clean.len() {
            for b in 0..=255u8 {
                copy[i] = b;
                let mut decoder = Decoder::new();
                decoder.feed(&copy, |f| {
                    for g in f.groups() {
                        let g = OwnedGroup::from(g);
                        assert!(
                            originals.contains(&g) || free_text.contains(&g.name.as_str()),
                            "{file}: byte {b:#04x} at {i} gave {g:?}"
                        );
                    }
                });
                cases += 1;
            }
            copy[i] = clean[i];
        }
    }
    assert_eq!(cases, (1374 + 1093 + 233 + 170) * 256);
}

/// Inputs the fuzzers found crashing (`tests/data/fuzz/`), run through the fuzz targets'
/// checks: split anywhere, the result is the same, and every group yielded re-encodes and
/// stands in the input (label to checksum).
#[test]
fn fuzz_crashes_stay_fixed() {
    let dir = common::data("fuzz");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let input = std::fs::read(&path).unwrap();
        let Some((_, bytes)) = input.split_first() else {
            continue;
        };
        let whole = decode(bytes);
        for at in 0..=bytes.len() {
            let split = decode_chunked(bytes, &[at.max(1), bytes.len()]);
            if at > 0 {
                assert_eq!(split, whole, "{}: split at {at}", path.display());
            }
        }
        let masked: Vec<u8> = bytes.iter().map(|b| b & 0x7F).collect();
        for f in &whole.frames {
            for g in &f.groups {
                let mut enc = Vec::new();
                write_group(&mut enc, f.mode, &g.name, g.horodate.as_deref(), &g.value)
                    .unwrap_or_else(|e| {
                        panic!("{}: {g:?} does not re-encode: {e}", path.display())
                    });
                // Without LF and CR: stray control bytes may stand between the LF and the
                // group, or between its checksum and the CR (the decoder trims them).
                let body = &enc[1..enc.len() - 1];
                assert!(
                    masked.windows(body.len()).any(|w| w == body),
                    "{}: {g:?}",
                    path.display()
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 2, "{checked} inputs in {}", dir.display());
}
