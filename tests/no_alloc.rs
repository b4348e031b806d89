//! Steady-state decoding does not allocate: counted with a global counting allocator.
//!
//! This test runs without the libtest harness (`harness = false` in Cargo.toml): the harness
//! has threads of its own that may allocate while we count, which made the count flaky.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use teleinfo_exporter::tic::Decoder;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers every call to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    decoding_frames_allocates_nothing_after_construction();
    applying_frames_to_a_meter_allocates_nothing();
    println!("no_alloc: ok");
}

/// The whole per-frame path of a source: decode, then update the meter state.
fn applying_frames_to_a_meter_allocates_nothing() {
    use teleinfo_exporter::meter::Meter;
    use teleinfo_exporter::meter::plausibility::Stamp;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for file in [
        "synthetic/standard_tri_tempo.tic",
        "synthetic/historic_tri_interrupted.tic",
    ] {
        let frame = std::fs::read(dir.join(file)).unwrap();
        let mut meter = Meter::new("m");
        let mut decoder = Decoder::new();
        let mut t = 0.0;
        // Warm up: the first frame sets the mode and the baselines.
        decoder.feed(&frame, |f| meter.apply(f, Stamp { host: t, line: t }));
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..2000 {
            decoder.feed(&frame, |f| {
                t += 1.0;
                meter.apply(f, Stamp { host: t, line: t });
            });
            meter.record_decoder(decoder.stats(), decoder.looks_like_cooked_tty());
        }
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        assert!(meter.health().decoder.frames >= 2000);
        assert_eq!(
            after - before,
            0,
            "{file}: allocations while applying 2000 frames"
        );
    }
}

fn decoding_frames_allocates_nothing_after_construction() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut stream = Vec::new();
    for name in [
        "synthetic/historic_tri_base.tic",
        "synthetic/historic_tri_interrupted.tic",
        "synthetic/standard_tri_tempo.tic",
        "synthetic/standard_mono_producer.tic",
        "real/ticdecodecpp__continuous_linky_3P_historical_TIC_with_rx_errors.bin",
        "real/teleinfo-nom__stream_standard_raw.txt",
    ] {
        stream.extend(std::fs::read(dir.join(name)).unwrap());
    }
    let mut decoder = Decoder::new();
    let mut frames = 0u64;
    let mut power_sum = 0u64;
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..200 {
        for chunk in stream.chunks(97) {
            decoder.feed(chunk, |frame| {
                frames += 1;
                // Reading typed values is allocation-free too.
                for g in frame.groups() {
                    if let Ok(t) = g.typed() {
                        power_sum += u64::from(matches!(
                            t.reading,
                            teleinfo_exporter::tic::value::Reading::ApparentPower { .. }
                        ));
                    }
                }
            });
        }
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(frames > 5_000, "{frames}");
    assert!(power_sum > 0);
    assert_eq!(
        after - before,
        0,
        "allocations while decoding {frames} frames"
    );
}
