//! Serial devices: a PiTInfo on the Raspberry Pi UART, a Micro-Teleinfo USB dongle.
//!
//! The port is opened 7E1 (7 data bits, even parity, 1 stop bit), raw, without flow control,
//! and exclusively, so that a second reader (picocom, a getty) cannot steal bytes. Without a
//! speed in the spec, 1200 Bd (historic mode, the factory setting of a Linky) and 9600 Bd
//! (standard mode) are tried in turn until one gives valid groups.

use std::path::Path;
use std::time::Duration;

use tokio_serial::{DataBits, FlowControl, Parity, StopBits};

use super::{OpenError, Opened};

/// How long a guessed speed is given to produce a valid group: a historic frame takes up to
/// two seconds at 1200 Bd, a standard one about one second at 9600 Bd.
const PROBATION_1200: Duration = Duration::from_secs(5);
const PROBATION_9600: Duration = Duration::from_secs(3);

/// Speed detection across re-opens.
#[derive(Debug, Default, Clone)]
pub struct Detection {
    /// Index in [`SPEEDS`] of the next speed to try.
    next: usize,
    /// Speeds tried without success since the last success.
    failures: usize,
    bytes_seen: bool,
}

const SPEEDS: [u32; 2] = [1200, 9600];

impl Detection {
    fn current(&self) -> u32 {
        SPEEDS[self.next % SPEEDS.len()]
    }

    /// Records that the current speed gave nothing valid and moves to the other one. Returns
    /// a diagnosis once both speeds failed.
    pub fn wrong_speed(&mut self, bytes: bool) -> Option<String> {
        self.next = (self.next + 1) % SPEEDS.len();
        self.failures += 1;
        self.bytes_seen |= bytes;
        if self.failures < SPEEDS.len() {
            return None;
        }
        self.failures = 0;
        let bytes_seen = std::mem::take(&mut self.bytes_seen);
        Some(if bytes_seen {
            "bytes arrive but no valid group at 1200 nor 9600 Bd: check the wiring to the \
             meter's I1/I2 terminals and the adapter (a TIC line is 7E1; an adapter built for \
             1200 Bd may not keep up with 9600 Bd)"
                .to_owned()
        } else {
            "no byte at 1200 nor 9600 Bd: is the adapter wired to the meter's I1/I2 terminals, \
             and is the meter's TIC output on?"
                .to_owned()
        })
    }
}

/// Opens a serial device, at `baud` or at the speed detection says to try next.
pub fn open(
    path: &Path,
    baud: Option<u32>,
    detection: &mut Detection,
) -> Result<Opened, OpenError> {
    let (speed, probation) = match baud {
        Some(b) => (b, None),
        None => {
            let speed = detection.current();
            let window = if speed == 1200 {
                PROBATION_1200
            } else {
                PROBATION_9600
            };
            (speed, Some(window))
        }
    };
    // Opened blocking (exclusive, as serialport does by default) and read in batches by a
    // thread of its own: see `coalesce` for why, and what it saves.
    let port = tokio_serial::new(path.to_string_lossy(), speed)
        .data_bits(DataBits::Seven)
        .parity(Parity::Even)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(Duration::from_millis(100))
        .open_native()
        .map_err(|e| explain(path, e))?;
    tracing::debug!(device = %path.display(), speed, "serial port opened (7E1)");
    let reader = super::coalesce::spawn(port, path.display().to_string())?;
    Ok(Opened {
        reader: Box::pin(reader),
        baud: Some(speed),
        ends: false,
        probation,
        pace: None,
    })
}

/// Turns the classic mistakes into advice.
fn explain(path: &Path, e: tokio_serial::Error) -> OpenError {
    use std::io::ErrorKind as Io;
    use tokio_serial::ErrorKind as K;
    let device = path.display();
    let message = match e.kind() {
        K::Io(Io::PermissionDenied) => format!(
            "permission denied on {device}: add the user running the exporter to the \
             'dialout' group (sudo usermod -aG dialout USER, then log in again)"
        ),
        K::Io(Io::NotFound) => {
            format!(
                "{device} does not exist (dongle unplugged? wrong name? see ls /dev/serial/by-id)"
            )
        }
        K::NoDevice => format!(
            "{device} is busy or gone: another program may hold it (a login console on the \
             serial port, ModemManager, picocom, another exporter): {}",
            e.description
        ),
        _ => format!("cannot open {device}: {}", e.description),
    };
    OpenError::Hint { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_alternates_and_diagnoses_after_both_speeds() {
        let mut d = Detection::default();
        assert_eq!(d.current(), 1200);
        assert_eq!(d.wrong_speed(true), None);
        assert_eq!(d.current(), 9600);
        let msg = d.wrong_speed(false).unwrap();
        assert!(msg.contains("no valid group"), "{msg}");
        assert_eq!(d.current(), 1200);
        d.wrong_speed(false);
        assert!(d.wrong_speed(false).unwrap().starts_with("no byte"));
    }

    #[test]
    fn missing_device_says_so() {
        let mut d = Detection::default();
        let Err(e) = open(Path::new("/dev/does-not-exist-tic"), Some(1200), &mut d) else {
            panic!("opened a missing device");
        };
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}
