//! Decoder throughput on long generated streams (clean and noisy, both modes).
//!
//! `cargo bench --bench decoder`. Streams are built with `tic::encode` from the synthetic
//! frames of the protocol digest, with indexes and powers varied frame to frame so that the
//! checksums differ, as on a real line. Each stream is fed in 64 KiB chunks (ids `historic_clean`
//! …) and in 32-byte chunks (ids ending in `_32B_chunks`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use teleinfo_exporter::tic::encode::write_frame;
use teleinfo_exporter::tic::{Decoder, OwnedFrame};

const STREAM_BYTES: usize = 8 * 1024 * 1024;

fn template(name: &str) -> OwnedFrame {
    let path = format!(
        "{}/tests/data/synthetic/{name}.tic",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut frames = Vec::new();
    Decoder::new().feed(&bytes, |f| frames.push(f.to_owned()));
    frames.remove(0)
}

/// Consecutive frames of the templates, with every all-digit value bumped by the frame number
/// (same width), until the stream holds `STREAM_BYTES`.
fn stream(templates: &[&str]) -> Vec<u8> {
    let templates: Vec<OwnedFrame> = templates.iter().map(|t| template(t)).collect();
    let mut out = Vec::with_capacity(STREAM_BYTES + 4096);
    let mut n: u64 = 0;
    while out.len() < STREAM_BYTES {
        for t in &templates {
            let mut f = t.clone();
            for g in &mut f.groups {
                let width = g.value.len();
                if width >= 3
                    && g.value.bytes().all(|b| b.is_ascii_digit())
                    && g.name != "ADCO"
                    && g.name != "ADSC"
                {
                    let v: u64 = g.value.parse().unwrap_or(0);
                    let modulo = 10u64.pow(u32::try_from(width).expect("a group value is short"));
                    g.value = format!("{:0width$}", (v + n) % modulo);
                }
            }
            if write_frame(&mut out, &f).is_err() {
                // A bumped value that breaks a label's shape: keep the template instead.
                write_frame(&mut out, t).unwrap();
            }
            n += 1;
        }
    }
    out
}

/// Replaces about one byte in `one_in` with a pseudo-random byte (deterministic).
fn noisy(mut bytes: Vec<u8>, one_in: u64) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x.is_multiple_of(one_in) {
            *b = x.to_le_bytes()[4]; // bits 32..40
        }
    }
    bytes
}

fn decode_all(decoder: &mut Decoder, bytes: &[u8], chunk: usize) -> u64 {
    let mut groups = 0u64;
    for c in bytes.chunks(chunk) {
        decoder.feed(c, |f| groups += f.len() as u64);
    }
    groups
}

fn bench(c: &mut Criterion) {
    let historic = stream(&[
        "historic_mono_base",
        "historic_mono_hc",
        "historic_tri_base",
    ]);
    let standard = stream(&[
        "standard_mono_hchp",
        "standard_tri_tempo",
        "standard_mono_producer",
    ]);
    let cases = [
        ("historic_clean", historic.clone()),
        ("standard_clean", standard.clone()),
        ("historic_noisy_1pct", noisy(historic, 100)),
        ("standard_noisy_1pct", noisy(standard, 100)),
    ];
    let mut group = c.benchmark_group("decode");
    for (name, bytes) in &cases {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        // 64 KiB chunks: what a fast reader (file replay, TCP) hands the decoder.
        group.bench_function(*name, |b| {
            let mut decoder = Decoder::new();
            b.iter(|| black_box(decode_all(&mut decoder, black_box(bytes), 64 * 1024)))
        });
    }
    // Small chunks: what a serial port delivers (a few bytes per read), where nearly every
    // chunk ends inside a group. `standard_clean_32B_chunks` keeps its id from earlier runs.
    for (name, bytes) in &cases {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{name}_32B_chunks"), |b| {
            let mut decoder = Decoder::new();
            b.iter(|| black_box(decode_all(&mut decoder, black_box(bytes), 32)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
