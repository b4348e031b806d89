//! `teleinfo-exporter decode`: print the frames of a capture, the setup-time replacement for
//! `picocom` or `cat /dev/ttyAMA0`.

use std::io::{self, Read, Write};

use serde::Serialize;

use super::counted;
use crate::tic::{Decoder, DecoderStats, Frame};

/// How frames are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A readable table per frame, with typed values.
    Table,
    /// One JSON object per frame, one per line.
    Json,
    /// Only the summary line.
    Stats,
}

#[derive(Serialize)]
struct JsonFrame<'a> {
    mode: &'static str,
    groups: Vec<JsonGroup<'a>>,
    errors: u32,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    horodate: Option<&'a str>,
    value: &'a str,
}

/// The summary line printed on stderr at the end, in the words of docs/metrics.md. No count
/// is a bare "frames": `clean_frames` is what `teleinfo_frames_total` counts for the same
/// bytes, and a reader comparing the two must not find another number under that name.
pub fn summary_line(stats: &DecoderStats) -> String {
    format!(
        "clean_frames={} frames_with_errors={} interrupted_frames={} valid_groups={} \
         checksum_errors={} format_errors={} size_errors={}",
        stats.clean_frames,
        stats.frames_with_errors(),
        stats.interrupted,
        stats.groups,
        stats.checksum_errors,
        stats.format_errors,
        stats.size_errors,
    )
}

/// Decodes `input` to the end, printing frames on `out`. Returns the decoder's counters and
/// whether the stream looked like a cooked tty. Stops early (without error) if `out` is a
/// closed pipe.
pub fn run(
    mut input: impl Read,
    out: impl Write,
    output: Output,
) -> io::Result<(DecoderStats, bool)> {
    let mut out = io::BufWriter::new(out);
    let mut decoder = Decoder::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut cooked = false;
    let mut write_error: Option<io::Error> = None;
    let mut index = 0u64;
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        decoder.feed(&chunk[..n], |frame| {
            if write_error.is_some() {
                return;
            }
            index += 1;
            let result = match output {
                Output::Table => write_table(&mut out, index, frame),
                Output::Json => write_json(&mut out, frame),
                Output::Stats => Ok(()),
            };
            if let Err(e) = result {
                write_error = Some(e);
            }
        });
        cooked |= decoder.looks_like_cooked_tty();
        if write_error.is_some() {
            break;
        }
    }
    decoder.finish();
    match write_error.map_or_else(|| out.flush(), Err) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok((decoder.stats(), cooked))
}

fn write_json(out: &mut impl Write, frame: &Frame<'_>) -> io::Result<()> {
    let json = JsonFrame {
        mode: frame.mode().as_str(),
        groups: frame
            .groups()
            .map(|g| JsonGroup {
                label: g.name,
                horodate: g.horodate,
                value: g.value,
            })
            .collect(),
        errors: frame.dropped_groups(),
    };
    serde_json::to_writer(&mut *out, &json)?;
    out.write_all(b"\n")
}

fn write_table(out: &mut impl Write, index: u64, frame: &Frame<'_>) -> io::Result<()> {
    let valid = counted(frame.len() as u64, "valid group", "valid groups");
    match frame.dropped_groups() {
        0 => writeln!(out, "frame {index}: {} mode, {valid}", frame.mode())?,
        n => writeln!(
            out,
            "frame {index}, with errors: {} mode, {valid}, {} dropped",
            frame.mode(),
            counted(n, "bad group", "bad groups")
        )?,
    }
    for g in frame.groups() {
        let value = if g.value.starts_with(' ') || g.value.ends_with(' ') || g.value.is_empty() {
            format!("{:?}", g.value)
        } else {
            g.value.to_owned()
        };
        // What the value means, in words and units; left out where it would only repeat the
        // value (a serial number, a free text) or where the value does not read as its
        // label's type.
        let meaning = g
            .typed()
            .map(|t| t.to_string())
            .ok()
            .filter(|m| m != g.value.trim())
            .unwrap_or_default();
        let line = format!(
            "  {:<9}  {:<13}  {:<20} {meaning}",
            g.name,
            g.horodate.unwrap_or(""),
            value
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &[u8] = b"\x02\nADCO 021728123456 @\r\nPAPP 01520 )\r\x03";

    #[test]
    fn json_is_one_object_per_frame() {
        let mut out = Vec::new();
        let (stats, cooked) = run(FRAME.repeat(2).as_slice(), &mut out, Output::Json).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = r#"{"mode":"historic","groups":[{"label":"ADCO","value":"021728123456"},{"label":"PAPP","value":"01520"}],"errors":0}"#;
        assert_eq!(text, format!("{line}\n{line}\n"));
        assert_eq!(stats.frames, 2);
        assert!(!cooked);
        assert_eq!(
            summary_line(&stats),
            "clean_frames=2 frames_with_errors=0 interrupted_frames=0 valid_groups=4 \
             checksum_errors=0 format_errors=0 size_errors=0"
        );
    }

    #[test]
    fn json_counts_dropped_groups_and_keeps_horodates() {
        let input = b"\x02\nDATE\tE200426181830\t\tA\r\nSINSTS\t00432\tX\r\x03";
        let mut out = Vec::new();
        run(&input[..], &mut out, Output::Json).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"mode\":\"standard\",\"groups\":[{\"label\":\"DATE\",\"horodate\":\"E200426181830\",\"value\":\"\"}],\"errors\":1}\n"
        );
    }

    #[test]
    fn table_shows_values_as_words_and_units() {
        let input = b"\x02\nADCO 021728123456 @\r\nPTEC HCJB C\r\nPAPP 01520 )\r\x03";
        let mut out = Vec::new();
        run(&input[..], &mut out, Output::Table).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "frame 1: historic mode, 3 valid groups\n\
             \x20 ADCO                      021728123456\n\
             \x20 PTEC                      HCJB                 Tempo blue day, off-peak\n\
             \x20 PAPP                      01520                1 520 VA\n"
        );
    }

    #[test]
    fn a_frame_with_errors_says_so_and_counts_apart() {
        // The second PAPP has a bad checksum: one clean frame, one frame with errors.
        let mut input = FRAME.to_vec();
        input.extend_from_slice(b"\x02\nADCO 021728123456 @\r\nPAPP 01520 X\r\x03");
        let mut out = Vec::new();
        let (stats, _) = run(&input[..], &mut out, Output::Table).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "\nframe 2, with errors: historic mode, 1 valid group, 1 bad group dropped\n"
            ),
            "{text}"
        );
        assert_eq!(
            summary_line(&stats),
            "clean_frames=1 frames_with_errors=1 interrupted_frames=0 valid_groups=3 \
             checksum_errors=1 format_errors=0 size_errors=0"
        );
    }

    #[test]
    fn stats_prints_nothing_per_frame() {
        let mut out = Vec::new();
        let (stats, _) = run(FRAME, &mut out, Output::Stats).unwrap();
        assert!(out.is_empty());
        assert_eq!(stats.frames, 1);
    }
}
