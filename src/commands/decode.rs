//! `teleinfo-exporter decode`: print the frames of a capture or of a live serial port, the
//! setup-time replacement for `picocom` or `cat /dev/ttyAMA0`.
//!
//! A serial device is opened as `serve` opens it ([`serial::open`]: 7E1, raw, exclusive), at
//! the speed given or detected. Read as a plain file instead, a tty stays in whatever mode it
//! was left, usually cooked: CR arrives as LF and ETX (Ctrl-C for the line discipline) is
//! swallowed, which is why `cat` and a cooked `picocom` show mangled frames.

use std::future::Future;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use super::counted;
use crate::config::ConfigError;
use crate::source::OpenError;
use crate::source::serial::{self, Detection};
use crate::tic::control::{ETX, STX};
use crate::tic::{Decoder, DecoderStats, Frame, Group, Mode, Sink};

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

/// What a whole decode found: the counters, and what the notes on stderr are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub stats: DecoderStats,
    /// The stream looked like it went through a tty in cooked mode.
    pub cooked: bool,
    /// Valid groups that came outside any frame.
    pub loose_groups: u64,
    /// Whether an STX and an ETX were seen anywhere in the input.
    pub stx_seen: bool,
    pub etx_seen: bool,
    pub output: Output,
}

impl Summary {
    /// The summary line (see [`summary_line`]).
    pub fn line(&self) -> String {
        summary_line(&self.stats)
    }

    /// Warnings for stderr, before the summary line: what went wrong with the capture itself
    /// and how to fix it, so that an empty table never goes unexplained.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.cooked {
            notes.push(
                "warning: CR arrived as LF and ETX never came: the tty is in cooked mode; \
                 set it raw (stty -F DEVICE raw) before capturing, or give decode the device \
                 itself, which it sets raw"
                    .to_owned(),
            );
        }
        if self.stats.frames == 0 && self.loose_groups > 0 {
            let missing = match (self.stx_seen, self.etx_seen) {
                (false, false) => "no frame markers (STX 0x02 / ETX 0x03) were found",
                (false, true) => "no frame start marker (STX 0x02) was found",
                (true, false) => "no frame end marker (ETX 0x03) was found",
                (true, true) => "no frame was complete",
            };
            let groups = counted(self.loose_groups, "valid group", "valid groups");
            let shown = match self.output {
                Output::Table => format!("{groups}, shown above outside any frame"),
                Output::Json => format!(
                    "{groups}, not printed (--json prints frames only; the table shows them)"
                ),
                Output::Stats => groups,
            };
            notes.push(format!(
                "warning: {missing}, so there is no frame, only {shown}. A capture copied as \
                 text (from a web page, a forum, a terminal) loses these bytes, and the \
                 exporter takes values only from whole frames"
            ));
        }
        notes
    }
}

/// Prints what the decoder hands out, as it comes.
struct Printer<W: Write> {
    out: W,
    output: Output,
    /// Frames printed so far (the table numbers them).
    frames: u64,
    loose_groups: u64,
    /// The last thing printed was a group outside any frame (so no new heading is needed).
    in_loose_run: bool,
    /// The first write error; nothing more is printed after it.
    error: Option<io::Error>,
}

impl<W: Write> Printer<W> {
    fn print(&mut self, print: impl FnOnce(&mut W, Output) -> io::Result<()>) {
        if self.error.is_none()
            && let Err(e) = print(&mut self.out, self.output)
        {
            self.error = Some(e);
        }
    }
}

impl<W: Write> Sink for Printer<W> {
    const LOOSE_GROUPS: bool = true;

    fn frame(&mut self, frame: &Frame<'_>) {
        self.frames += 1;
        self.in_loose_run = false;
        let index = self.frames;
        self.print(|out, output| match output {
            Output::Table => write_table(out, index, frame),
            Output::Json => write_json(out, frame),
            Output::Stats => Ok(()),
        });
    }

    /// Shown in the table, not in JSON: a JSON line is a frame, and these groups are not part
    /// of one (so their values would not reach /metrics either).
    fn loose_group(&mut self, mode: Mode, group: Group<'_>) {
        self.loose_groups += 1;
        let heading = !std::mem::replace(&mut self.in_loose_run, true);
        self.print(|out, output| {
            if output != Output::Table {
                return Ok(());
            }
            if heading {
                writeln!(out, "outside any frame ({mode} mode):")?;
            }
            write_group(out, &group)
        });
    }
}

/// One decode: the decoder, what it printed, and which frame markers were seen. Fed in
/// chunks from a file, stdin or a serial port.
pub struct Session<W: Write> {
    decoder: Decoder,
    printer: Printer<io::BufWriter<W>>,
    stx_seen: bool,
    etx_seen: bool,
    cooked: bool,
}

impl<W: Write> Session<W> {
    pub fn new(out: W, output: Output) -> Self {
        Session {
            decoder: Decoder::new(),
            printer: Printer {
                out: io::BufWriter::new(out),
                output,
                frames: 0,
                loose_groups: 0,
                in_loose_run: false,
                error: None,
            },
            stx_seen: false,
            etx_seen: false,
            cooked: false,
        }
    }

    /// Decodes a chunk and prints what it completes. False once the output is closed or
    /// failed: there is no point reading on.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if !(self.stx_seen && self.etx_seen) {
            for &b in bytes {
                self.stx_seen |= b & 0x7F == STX;
                self.etx_seen |= b & 0x7F == ETX;
            }
        }
        self.decoder.feed_sink(bytes, &mut self.printer);
        self.cooked |= self.decoder.looks_like_cooked_tty();
        self.printer.error.is_none()
    }

    /// Flushes what is printed, so that a live line shows each frame when it ends.
    pub fn flush(&mut self) -> bool {
        if self.printer.error.is_none()
            && let Err(e) = self.printer.out.flush()
        {
            self.printer.error = Some(e);
        }
        self.printer.error.is_none()
    }

    /// The counters so far.
    pub fn stats(&self) -> DecoderStats {
        self.decoder.stats()
    }

    /// Starts the counts again on a fresh decoder, keeping what was printed: after a guessed
    /// speed gave nothing valid, its garbage is not the meter's errors.
    pub fn restart(&mut self) {
        self.decoder = Decoder::new();
        self.stx_seen = false;
        self.etx_seen = false;
        self.cooked = false;
    }

    /// Ends the input. A closed pipe on the output (`decode … | head`) is not an error.
    pub fn finish(mut self) -> io::Result<Summary> {
        self.decoder.finish();
        self.flush();
        match self.printer.error.take() {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
        Ok(Summary {
            stats: self.decoder.stats(),
            cooked: self.cooked,
            loose_groups: self.printer.loose_groups,
            stx_seen: self.stx_seen,
            etx_seen: self.etx_seen,
            output: self.printer.output,
        })
    }
}

/// Decodes `input` to the end, printing on `out`. Stops early (without error) if `out` is a
/// closed pipe. A read error is returned; so is a write error other than a closed pipe.
pub fn run(mut input: impl Read, out: impl Write, output: Output) -> io::Result<Summary> {
    let mut session = Session::new(out, output);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !session.feed(&chunk[..n]) {
            break;
        }
    }
    session.finish()
}

/// Where `decode` reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    /// A capture file (or a pipe, or a path that does not exist: opening it says why).
    File(PathBuf),
    /// A serial device, with its speed when one was given (`DEVICE@1200`, `--speed`).
    Port {
        device: PathBuf,
        baud: Option<u32>,
    },
}

/// A `decode` argument that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Speed(#[from] ConfigError),
    #[error("'--speed {option}' and '@{suffix}' disagree: give the speed once")]
    TwoSpeeds { option: u32, suffix: u32 },
    #[error("{path} is not a serial device: a speed ('--speed' or '@SPEED') applies only to one")]
    SpeedForFile { path: String },
}

/// Parses a speed as `serve`'s `DEVICE@SPEED` does: 1200 or 9600 Bd.
pub fn speed(s: &str) -> Result<u32, ConfigError> {
    match s {
        "1200" => Ok(1200),
        "9600" => Ok(9600),
        _ => Err(ConfigError::BadSpeed(s.to_owned())),
    }
}

/// What the `decode` argument names. `DEVICE@SPEED` is split only when the path as written
/// does not exist (a file may have `@` in its name); a terminal device is a serial port.
pub fn input(arg: &Path, option: Option<u32>) -> Result<Input, InputError> {
    if arg.as_os_str() == "-" {
        return match option {
            Some(_) => Err(InputError::SpeedForFile {
                path: "stdin".to_owned(),
            }),
            None => Ok(Input::Stdin),
        };
    }
    let (path, suffix) = match arg.to_str().and_then(|s| s.rsplit_once('@')) {
        Some((path, digits))
            if !arg.exists()
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (PathBuf::from(path), Some(speed(digits)?))
        }
        _ => (arg.to_path_buf(), None),
    };
    let baud = match (option, suffix) {
        (Some(option), Some(suffix)) if option != suffix => {
            return Err(InputError::TwoSpeeds { option, suffix });
        }
        (option, suffix) => option.or(suffix),
    };
    if is_tty(&path) {
        return Ok(Input::Port { device: path, baud });
    }
    if baud.is_some() && path.exists() {
        return Err(InputError::SpeedForFile {
            path: path.display().to_string(),
        });
    }
    Ok(Input::File(path))
}

/// True for a terminal device (a UART, a USB serial adapter, a pty), which must be set raw;
/// false for anything else, `/dev/null` and `/dev/urandom` included, which is read as a file.
///
/// The test opens the device without blocking and without making it the controlling terminal:
/// a plain open of a serial port can wait forever for a carrier that a TIC adapter never
/// raises.
#[cfg(unix)]
fn is_tty(path: &Path) -> bool {
    use std::io::IsTerminal;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let char_device = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device());
    char_device
        && std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .is_ok_and(|f| f.is_terminal())
}

#[cfg(not(unix))]
fn is_tty(_: &Path) -> bool {
    false
}

/// How the reading of a port ended.
#[derive(Debug)]
pub enum PortEnd {
    /// `stop` resolved: Ctrl-C or SIGTERM.
    Stopped,
    /// The port hung up: end of input (a USB adapter unplugged, the other end of a pty closed).
    HungUp,
    /// Nobody reads the output any more (`decode DEVICE | head`).
    OutputClosed,
    /// A read failed.
    Lost(io::Error),
}

/// Why a port could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The hint says what to fix (permissions, a busy or missing device).
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot write the output")]
    Output(#[source] io::Error),
}

/// How long a fixed speed may bring bytes but no valid group, or no byte at all, before a
/// note says what that usually means (the exporter logs the same after 30 s; a person
/// watching a terminal wants to know sooner).
const QUIET_NOTE_AFTER: Duration = Duration::from_secs(10);

/// Decodes a serial port until `stop` resolves or the port ends, printing on `out` as frames
/// complete; `note` receives what to tell the person on stderr (the speed tried, what a
/// silent line means). The port is opened by [`serial::open`], as `serve` does. Without
/// `baud`, 1200 Bd then 9600 Bd are tried in turn until one gives a valid group, with the
/// probation windows of the exporter's own detection; the counters then start again, so the
/// summary is about the speed that works.
pub async fn run_port<W: Write>(
    device: &Path,
    baud: Option<u32>,
    out: W,
    output: Output,
    stop: impl Future<Output = ()>,
    mut note: impl FnMut(&str),
) -> Result<(Summary, PortEnd), PortError> {
    let mut session = Session::new(out, output);
    let mut detection = Detection::default();
    let mut buf = vec![0u8; 4096];
    let mut cycles_told = false;
    tokio::pin!(stop);
    loop {
        let mut opened = serial::open(device, baud, &mut detection)?;
        let speed = opened.baud.unwrap_or(1200);
        // Once both speeds failed and the person was told, the alternation goes on quietly.
        if !cycles_told {
            note(&format!(
                "reading {} at {speed} Bd, 7E1 raw{} (Ctrl-C to stop)",
                device.display(),
                if opened.probation.is_some() {
                    ", speed not given: trying it"
                } else {
                    ""
                }
            ));
        }
        let started = Instant::now();
        let mut quiet_told = false;
        let end = loop {
            // Wake up at the end of the probation, or when a silent line deserves a note.
            let wake = match opened.probation {
                Some(window) => started + window,
                None if !quiet_told => started + QUIET_NOTE_AFTER,
                None => started + Duration::from_secs(24 * 3600),
            };
            let read = tokio::select! {
                () = &mut stop => break Some(PortEnd::Stopped),
                read = tokio::time::timeout_at(wake, opened.reader.read(&mut buf)) => read,
            };
            let valid = session.stats().groups > 0;
            match read {
                Err(_) if opened.probation.is_some() && !valid => break None,
                Err(_) => {
                    // The one wake-up for the note: said only if nothing valid came.
                    quiet_told = true;
                    if !valid {
                        note(&quiet_note(session.stats().bytes, speed));
                    }
                }
                Ok(Ok(0)) => break Some(PortEnd::HungUp),
                Ok(Ok(n)) => {
                    if !(session.feed(&buf[..n]) && session.flush()) {
                        break Some(PortEnd::OutputClosed);
                    }
                    if session.stats().groups > 0 {
                        opened.probation = None; // the guessed speed is right
                    }
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => break Some(PortEnd::Lost(e)),
            }
        };
        match end {
            Some(end) => {
                let summary = session.finish().map_err(PortError::Output)?;
                return Ok((summary, end));
            }
            None => {
                let bytes = session.stats().bytes > 0;
                let diagnosis = detection.wrong_speed(bytes);
                if !cycles_told {
                    note(&format!(
                        "no valid group at {speed} Bd in {} s",
                        opened.probation.unwrap_or_default().as_secs()
                    ));
                    if let Some(diagnosis) = diagnosis {
                        // Both speeds failed: say why once, then keep trying quietly.
                        note(&format!(
                            "warning: {diagnosis} (still trying both speeds; Ctrl-C to stop)"
                        ));
                        cycles_told = true;
                    }
                }
                session.restart();
            }
        }
    }
}

/// What a line that brought nothing valid at a fixed speed usually means.
fn quiet_note(bytes: u64, speed: u32) -> String {
    let secs = QUIET_NOTE_AFTER.as_secs();
    if bytes == 0 {
        format!(
            "warning: no byte in {secs} s: is the adapter wired to the meter's I1/I2 terminals, \
             and is the meter's TIC output on?"
        )
    } else {
        format!(
            "warning: {bytes} bytes in {secs} s but no valid group at {speed} Bd: is the speed \
             right (historic mode 1200 Bd, standard mode 9600 Bd)? Without a speed, decode \
             tries both"
        )
    }
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
        write_group(out, &g)?;
    }
    Ok(())
}

/// One table line: label, horodate, the value as sent (quoted when its padding matters), and
/// what it means.
fn write_group(out: &mut impl Write, g: &Group<'_>) -> io::Result<()> {
    let value = if g.value.starts_with(' ') || g.value.ends_with(' ') || g.value.is_empty() {
        format!("{:?}", g.value)
    } else {
        g.value.to_owned()
    };
    // What the value means, in words and units; left out where it would only repeat the
    // value (a serial number, a free text) or where the value does not read as its label's
    // type.
    let meaning = g
        .typed()
        .map(|t| t.to_string())
        .ok()
        .filter(|m| m != g.text())
        .unwrap_or_default();
    let line = format!(
        "  {:<9}  {:<13}  {:<20} {meaning}",
        g.name,
        g.horodate.unwrap_or(""),
        value
    );
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &[u8] = b"\x02\nADCO 021728123456 @\r\nPAPP 01520 )\r\x03";

    #[test]
    fn json_is_one_object_per_frame() {
        let mut out = Vec::new();
        let summary = run(FRAME.repeat(2).as_slice(), &mut out, Output::Json).unwrap();
        let (stats, cooked) = (summary.stats, summary.cooked);
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
        let stats = run(&input[..], &mut out, Output::Table).unwrap().stats;
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
    fn the_argument_names_stdin_a_file_or_a_port_with_its_speed() {
        use serialport::SerialPort;
        let path = |s: &str| PathBuf::from(s);
        assert_eq!(input(&path("-"), None), Ok(Input::Stdin));
        assert!(matches!(
            input(&path("-"), Some(1200)),
            Err(InputError::SpeedForFile { .. })
        ));
        // Not a tty: read as a file, even though it is a character device.
        assert_eq!(
            input(&path("/dev/null"), None),
            Ok(Input::File(path("/dev/null")))
        );
        // A missing path loses its speed suffix, so that opening it names the device.
        assert_eq!(
            input(&path("/dev/ttyGONE@1200"), None),
            Ok(Input::File(path("/dev/ttyGONE")))
        );
        assert_eq!(
            input(&path("/dev/ttyGONE@4800"), None),
            Err(InputError::Speed(ConfigError::BadSpeed("4800".to_owned())))
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("capture@1200");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(input(&file, None), Ok(Input::File(file.clone())));
        assert!(matches!(
            input(&file, Some(9600)),
            Err(InputError::SpeedForFile { .. })
        ));

        let (_master, slave) = serialport::TTYPort::pair().unwrap();
        let device = slave.name().unwrap();
        assert_eq!(
            input(&path(&device), None),
            Ok(Input::Port {
                device: path(&device),
                baud: None
            })
        );
        for (arg, option) in [
            (format!("{device}@9600"), None),
            (device.clone(), Some(9600)),
        ] {
            assert_eq!(
                input(&path(&arg), option),
                Ok(Input::Port {
                    device: path(&device),
                    baud: Some(9600)
                }),
                "{arg} {option:?}"
            );
        }
        assert_eq!(
            input(&path(&format!("{device}@1200")), Some(9600)),
            Err(InputError::TwoSpeeds {
                option: 9600,
                suffix: 1200
            })
        );
    }

    #[test]
    fn stats_prints_nothing_per_frame() {
        let mut out = Vec::new();
        let stats = run(FRAME, &mut out, Output::Stats).unwrap().stats;
        assert!(out.is_empty());
        assert_eq!(stats.frames, 1);
    }
}
