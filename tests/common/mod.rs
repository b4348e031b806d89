//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use teleinfo_exporter::tic::{Decoder, DecoderStats, OwnedFrame};

/// Path of a file under `tests/data`.
pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// Bytes of a file under `tests/data`.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What decoding a whole stream gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub frames: Vec<OwnedFrame>,
    pub stats: DecoderStats,
    pub cooked: bool,
}

/// Decodes `bytes` fed in chunks whose sizes cycle through `chunk_sizes` (all ≥ 1).
pub fn decode_chunked(bytes: &[u8], chunk_sizes: &[usize]) -> Decoded {
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    let mut rest = bytes;
    let mut sizes = chunk_sizes.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&rest.len())).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        decoder.feed(chunk, |f| frames.push(f.to_owned()));
        rest = tail;
    }
    let cooked = decoder.looks_like_cooked_tty();
    decoder.finish();
    Decoded {
        frames,
        stats: decoder.stats(),
        cooked,
    }
}

/// Decodes `bytes` in one chunk.
pub fn decode(bytes: &[u8]) -> Decoded {
    decode_chunked(bytes, &[bytes.len().max(1)])
}

/// Undoes the Python bytes-literal escapes of `pyteleinfo__captured_frames.txt`
/// (`b'\x02\nADCO …\x03'` per frame).
pub fn unescape_python_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(body) = line.strip_prefix("b'").and_then(|l| l.strip_suffix('\'')) else {
            continue;
        };
        let mut chars = body.bytes();
        while let Some(c) = chars.next() {
            if c != b'\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some(b'n') => out.push(b'\n'),
                Some(b'r') => out.push(b'\r'),
                Some(b't') => out.push(b'\t'),
                Some(b'\\') => out.push(b'\\'),
                Some(b'\'') => out.push(b'\''),
                Some(b'x') => {
                    let hex = [chars.next().unwrap(), chars.next().unwrap()];
                    let hex = std::str::from_utf8(&hex).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                }
                other => panic!("unexpected escape {other:?}"),
            }
        }
    }
    out
}

pub mod exporter;
