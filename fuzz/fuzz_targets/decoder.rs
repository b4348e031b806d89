//! Fuzz the streaming decoder: arbitrary bytes, split at a fuzzer-chosen point, must never
//! panic, must give the same result whatever the split, and may only yield groups that are
//! present in the input with their checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleinfo_exporter::tic::encode::write_group;
use teleinfo_exporter::tic::{Decoder, OwnedFrame};

fn decode(chunks: &[&[u8]]) -> (Vec<OwnedFrame>, teleinfo_exporter::tic::DecoderStats) {
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, |f| frames.push(f.to_owned()));
    }
    decoder.finish();
    (frames, decoder.stats())
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(bytes.len());
    let whole = decode(&[bytes]);
    let split = decode(&[&bytes[..at], &bytes[at..]]);
    assert_eq!(whole, split);
    let masked: Vec<u8> = bytes.iter().map(|b| b & 0x7F).collect();
    for frame in &whole.0 {
        for g in &frame.groups {
            let mut encoded = Vec::new();
            write_group(&mut encoded, frame.mode, &g.name, g.horodate.as_deref(), &g.value)
                .expect("a decoded group re-encodes");
            // Label to checksum: stray control bytes may stand between the LF and the group,
            // or between its checksum and the CR (the decoder trims them).
            let body = &encoded[1..encoded.len() - 1];
            assert!(memchr::memmem::find(&masked, body).is_some());
        }
    }
});
