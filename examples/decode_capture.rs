//! Embedding the decoder: read a capture file, print each frame's apparent power and the
//! decoder's counters.
//!
//! ```text
//! cargo run --example decode_capture -- tests/data/synthetic/historic_mono_base.tic
//! ```

use std::io::Read;

use teleinfo_exporter::tic::value::Reading;
use teleinfo_exporter::tic::{Decoder, Label};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: decode_capture CAPTURE_FILE");
        std::process::exit(2);
    });
    let mut file = std::fs::File::open(&path)?;
    let mut decoder = Decoder::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Feed the bytes as they come: the decoder does not care where chunks are cut.
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        decoder.feed(&chunk[..n], |frame| {
            // Historic meters send PAPP, Linky in standard mode sends SINSTS.
            let power = [Label::Papp, Label::Sinsts]
                .into_iter()
                .find_map(|label| frame.get(label))
                .and_then(|group| group.typed().ok());
            match power.map(|t| t.reading) {
                Some(Reading::ApparentPower { va }) => {
                    println!("{} frame, {} groups, {va} VA", frame.mode(), frame.len())
                }
                _ => println!("{} frame, {} groups", frame.mode(), frame.len()),
            }
        });
    }
    decoder.finish();
    let stats = decoder.stats();
    // The words of docs/metrics.md: a frame is clean or has errors; interrupted ones are not
    // frames.
    println!(
        "{} clean frames, {} frames with errors, {} interrupted frames, {} valid groups, \
         {} checksum errors, {} format errors",
        stats.clean_frames,
        stats.frames_with_errors(),
        stats.interrupted,
        stats.groups,
        stats.checksum_errors,
        stats.format_errors
    );
    if decoder.looks_like_cooked_tty() {
        println!("the capture looks like it came through a cooked tty: set the port raw");
    }
    Ok(())
}
