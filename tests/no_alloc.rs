//! Steady-state decoding does not allocate: counted with a global counting allocator.
//! (One test per file, so no other test thread allocates while we count.)

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

#[test]
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
                        power_sum += matches!(
                            t.reading,
                            teleinfo_exporter::tic::value::Reading::ApparentPower { .. }
                        ) as u64;
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
