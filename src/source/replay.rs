//! Capture replay: `file:PATH` and `-` (stdin), at the line rate of the capture's mode times
//! `--replay-speed`, or as fast as possible with `max`. At the end of the input the source
//! ends and its meter goes stale as usual.
//!
//! Pacing is a reader of its own, [`Paced`], so that the source loop reads a replay exactly
//! as it reads a serial port: bytes simply come at the pace a meter would send them.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::{OpenError, Opened};
use crate::config::ReplaySpeed;

pub async fn open_file(path: &Path, speed: ReplaySpeed) -> Result<Opened, OpenError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|source| OpenError::Capture {
            path: path.to_owned(),
            source,
        })?;
    Ok(replay(file, speed))
}

pub fn open_stdin(speed: ReplaySpeed) -> Opened {
    replay(tokio::io::stdin(), speed)
}

fn replay<R: AsyncRead + Send + Unpin + 'static>(reader: R, speed: ReplaySpeed) -> Opened {
    let reader: Pin<Box<dyn AsyncRead + Send>> = match speed {
        ReplaySpeed::Factor(factor) => Box::pin(Paced::new(reader, factor)),
        ReplaySpeed::Max => Box::pin(reader),
    };
    Opened {
        reader,
        // Told by the capture itself (see `Paced`), and by the meter's mode once known.
        baud: None,
        ends: true,
        probation: None,
    }
}

/// Largest piece a [`Paced`] reader hands over at once.
pub const PACED_CHUNK: usize = 256;

/// Line time of one paced piece: a replay moves smoothly, and however slow it is (down to
/// `--replay-speed 0.01`, 1.2 characters a second), a read never waits long enough to look
/// like a silent line to the source loop's `--source.timeout`.
const PIECE_SECONDS: f64 = 0.25;

/// Characters in a piece of [`PIECE_SECONDS`] at `baud` × `factor`: at least one.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "saturating on purpose, then clamped to 1..=PACED_CHUNK: any speed, even NaN or \
              negative, gives a piece of a sane length"
)]
fn piece_len(baud: u32, factor: f64) -> usize {
    // `as` saturates, and NaN becomes 0: the clamp then makes it one character.
    ((f64::from(baud) / 10.0 * factor * PIECE_SECONDS) as usize).clamp(1, PACED_CHUNK)
}

/// A reader whose bytes come at `baud` × `factor` (10 bits per character), as from a meter.
///
/// The speed is that of the capture's mode, told by its first bytes: a horizontal tab only
/// appears in standard mode (9600 Bd); otherwise it is historic (1200 Bd). Each piece read
/// from the inner reader (a quarter of a second of line time) is held until the moment its
/// last byte is due.
pub struct Paced<R> {
    inner: R,
    factor: f64,
    baud: Option<u32>,
    started: Option<Instant>,
    /// Bytes read from `inner` so far.
    bytes: u64,
    held: Box<[u8; PACED_CHUNK]>,
    /// `held[at..len]` waits to be handed over once `sleep` is over.
    at: usize,
    len: usize,
    sleep: Pin<Box<Sleep>>,
    sleeping: bool,
}

impl<R> Paced<R> {
    pub fn new(inner: R, factor: f64) -> Self {
        Paced {
            inner,
            factor,
            baud: None,
            started: None,
            bytes: 0,
            held: Box::new([0; PACED_CHUNK]),
            at: 0,
            len: 0,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            sleeping: false,
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Paced<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.at == this.len {
            let len = piece_len(this.baud.unwrap_or(1200), this.factor);
            let mut piece = ReadBuf::new(&mut this.held[..len]);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut piece))?;
            let n = piece.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(())); // end of the capture
            }
            let started = *this.started.get_or_insert_with(Instant::now);
            let baud = *this.baud.get_or_insert_with(|| {
                if piece.filled().contains(&b'\t') {
                    9600
                } else {
                    1200
                }
            });
            this.bytes += n as u64;
            this.at = 0;
            this.len = n;
            let due = due(started, this.bytes, baud, this.factor);
            this.sleep.as_mut().reset(due);
            this.sleeping = true;
        }
        if this.sleeping {
            ready!(this.sleep.as_mut().poll(cx));
            this.sleeping = false;
        }
        let n = out.remaining().min(this.len - this.at);
        out.put_slice(&this.held[this.at..this.at + n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

/// When `bytes` read since `started` are due at `baud` × `factor` (10 bits per character).
/// Never panics: a deadline too far to represent becomes a day from now (the factor is
/// bounded by the command line, so only an absurd byte count gets there).
pub fn due(started: Instant, bytes: u64, baud: u32, factor: f64) -> Instant {
    let seconds = bytes as f64 * 10.0 / (f64::from(baud) * factor);
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|d| started.checked_add(d))
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn pacing_follows_the_line_rate_and_never_overflows() {
        let t0 = Instant::now();
        // 120 characters at 1200 Bd: one second; twice as fast: half a second.
        assert_eq!(due(t0, 120, 1200, 1.0), t0 + Duration::from_secs(1));
        assert_eq!(due(t0, 120, 1200, 2.0), t0 + Duration::from_millis(500));
        // Values no command line allows must still not panic.
        for factor in [1e-300, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            let _ = due(t0, u64::MAX, 1200, factor);
        }
    }

    /// Reads everything from `reader`, noting when each byte count was reached.
    async fn arrivals(mut reader: impl AsyncRead + Unpin) -> Vec<(usize, Duration)> {
        let t0 = Instant::now();
        let mut buf = [0u8; 4096];
        let (mut total, mut seen) = (0, Vec::new());
        loop {
            let n = reader.read(&mut buf).await.unwrap();
            if n == 0 {
                return seen;
            }
            total += n;
            seen.push((total, t0.elapsed()));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_historic_capture_comes_at_1200_baud_times_the_factor() {
        // 1200 bytes with no tab: historic, 10 s at 1200 Bd, 5 s at twice the speed.
        let (mut w, r) = tokio::io::duplex(64 * 1024);
        w.write_all(&[b'A'; 1200]).await.unwrap();
        drop(w);
        let seen = arrivals(Paced::new(r, 2.0)).await;
        let mut before = Duration::ZERO;
        for &(bytes, at) in &seen {
            let expected = Duration::from_secs_f64(bytes as f64 * 10.0 / 2400.0);
            assert!(at.abs_diff(expected) < Duration::from_millis(2), "{seen:?}");
            // In pieces of a quarter of a second, not in one burst at the end.
            assert!(at - before <= Duration::from_millis(251), "{seen:?}");
            before = at;
        }
        assert_eq!(seen.last().map(|s| s.0), Some(1200));
        assert!(before.abs_diff(Duration::from_secs(5)) < Duration::from_millis(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_tab_in_the_first_bytes_means_standard_mode_at_9600_baud() {
        let (mut w, r) = tokio::io::duplex(64 * 1024);
        let mut capture = vec![b'A'; 960];
        capture[10] = b'\t';
        w.write_all(&capture).await.unwrap();
        drop(w);
        let seen = arrivals(Paced::new(r, 1.0)).await;
        let &(bytes, at) = seen.last().unwrap();
        assert_eq!(bytes, 960);
        // 960 characters at 9600 Bd: one second.
        assert!(at.abs_diff(Duration::from_secs(1)) < Duration::from_millis(2));
    }

    #[tokio::test(start_paused = true)]
    async fn the_slowest_replay_still_reads_more_often_than_a_source_timeout() {
        let (mut w, r) = tokio::io::duplex(64 * 1024);
        w.write_all(&[b'A'; 5]).await.unwrap();
        drop(w);
        // 1200 Bd × 0.01: 1.2 characters a second, one character per read.
        let seen = arrivals(Paced::new(r, 0.01)).await;
        assert_eq!(seen.len(), 5, "{seen:?}");
        let last = seen.last().map(|s| s.1).unwrap_or_default();
        assert!(last.abs_diff(Duration::from_secs_f64(5.0 / 1.2)) < Duration::from_millis(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_waits_for_the_meter_not_for_itself() {
        // Bytes that come late (a slow pipe into stdin) are already due: they are handed
        // over at once, pacing only ever delays.
        let (mut w, r) = tokio::io::duplex(64 * 1024);
        let mut paced = Paced::new(r, 1.0);
        w.write_all(&[b'A'; 12]).await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(paced.read(&mut buf).await.unwrap(), 12);
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(5)).await;
        w.write_all(&[b'B'; 12]).await.unwrap();
        assert_eq!(paced.read(&mut buf).await.unwrap(), 12);
        assert_eq!(t0.elapsed(), Duration::from_secs(5));
    }
}
