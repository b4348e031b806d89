//! A serial port read in batches, for what a meter costs at rest.
//!
//! A TIC line brings about 1 kB/s (standard mode) or 120 B/s (historic) in pieces of a few
//! bytes, and the kernel wakes whoever waits on the port at each piece: an async read woke the
//! process about 65 times a second (3 900 context switches and 0.26 s of CPU a minute, measured
//! by `benches/at-rest.sh` on a pty). Here a thread of its own sleeps [`READ_EVERY`] between
//! two non-blocking reads, so nobody waits on the port meanwhile and the bytes gather in the
//! kernel's buffer (4 KiB: four seconds of a 9600 Bd line); each batch goes to the async side
//! through a channel. A value reaches `/metrics` at most [`READ_EVERY`] later than it would
//! have, well under the half second a user may see.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

/// Time between two reads of the port: the longest a value may wait before it reaches
/// `/metrics` (a user may see half a second: 100 ms are left for the rest). Each read costs
/// two thread wakeups (this thread, then the sources' one), so the period sets what a meter
/// costs at rest: 0.036 s of CPU and 480 context switches a minute at 250 ms, 0.022–0.025 s
/// and 300 at 400 ms (`benches/at-rest.sh 60`, BENCHMARKS.md).
pub const READ_EVERY: Duration = Duration::from_millis(400);

/// Batches in flight between the reading thread and the source loop.
const IN_FLIGHT: usize = 4;

/// The async end: yields the batches the thread read, then the error that ended it. Dropping
/// it stops the thread and waits for it, so the port is closed (and can be opened again, as
/// speed detection does at once) when the drop returns.
pub struct Coalesced {
    batches: mpsc::Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    at: usize,
    /// Dropped to wake the thread from its wait between two reads.
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Coalesced {
    fn drop(&mut self) {
        // Closed first: a thread waiting to hand over a batch gives up instead of waiting
        // for a reader that is gone.
        self.batches.close();
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The thread is in its wait or in a read of bytes already there: it ends at once.
            let _ = thread.join();
        }
    }
}

/// Starts reading `port` every [`READ_EVERY`] on a thread that ends when the returned reader
/// is dropped (the source was lost or re-opened) or the port fails (unplugged).
pub fn spawn<P>(mut port: P, name: String) -> io::Result<Coalesced>
where
    P: Read + Send + 'static,
    P: BytesWaiting,
{
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("tic-read {name}"))
        .spawn(move || {
            let mut buf = vec![0u8; 4096];
            // Waits READ_EVERY between reads, or ends as soon as the reader is dropped.
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(READ_EVERY)
            {
                let batch = match port.bytes_waiting() {
                    // Hung up (a pty's other end closed, a USB adapter unplugged): the end of
                    // the stream, as an async read would say it.
                    Ok(None) => return,
                    Ok(Some(0)) => continue,
                    Ok(Some(n)) => {
                        let n = n.min(buf.len());
                        port.read(&mut buf[..n]).map(|got| buf[..got].to_vec())
                    }
                    Err(e) => Err(e),
                };
                // A read that fails with EIO is a hang-up too (what a pty or an unplugged
                // USB adapter gives once the other end is gone).
                if batch
                    .as_ref()
                    .is_err_and(|e| e.raw_os_error() == Some(libc::EIO))
                {
                    return;
                }
                let failed = batch.is_err();
                if tx.blocking_send(batch).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(Coalesced {
        batches: rx,
        pending: Vec::new(),
        at: 0,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// A port that can tell, without blocking, how many bytes wait to be read, or that it hung up
/// (`None`).
pub trait BytesWaiting {
    fn bytes_waiting(&mut self) -> io::Result<Option<usize>>;
}

impl<T: tokio_serial::SerialPort + std::os::fd::AsRawFd> BytesWaiting for T {
    fn bytes_waiting(&mut self) -> io::Result<Option<usize>> {
        let mut fd = libc::pollfd {
            fd: self.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, a zero timeout; the fd stays open while `self` lives.
        let ready = unsafe { libc::poll(&mut fd, 1, 0) };
        if ready < 0 {
            return Err(io::Error::last_os_error());
        }
        let hung_up = fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0;
        if fd.revents & libc::POLLIN == 0 {
            return Ok(if hung_up { None } else { Some(0) });
        }
        match self.bytes_to_read() {
            Ok(n) if n > 0 => Ok(Some(n as usize)),
            // Nothing left to read from a port that hung up, or it cannot even say.
            Ok(_) | Err(_) if hung_up => Ok(None),
            Ok(_) => Ok(Some(0)),
            Err(e) => Err(e.into()),
        }
    }
}

impl AsyncRead for Coalesced {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at == self.pending.len() {
            match self.batches.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                // The thread ended without an error: only when the port reads 0 bytes.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                Poll::Ready(Some(Ok(batch))) => {
                    self.pending = batch;
                    self.at = 0;
                }
            }
        }
        let this = &mut *self;
        let n = out.remaining().min(this.pending.len() - this.at);
        out.put_slice(&this.pending[this.at..this.at + n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A port that has `left` to give, a piece per read, then fails.
    struct Scripted {
        pieces: Vec<Vec<u8>>,
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let piece = self.pieces.remove(0);
            buf[..piece.len()].copy_from_slice(&piece);
            Ok(piece.len())
        }
    }

    impl BytesWaiting for Scripted {
        fn bytes_waiting(&mut self) -> io::Result<Option<usize>> {
            match self.pieces.first() {
                Some(p) => Ok(Some(p.len())),
                None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "unplugged")),
            }
        }
    }

    #[tokio::test]
    async fn batches_arrive_in_order_then_the_error_that_ended_the_port() {
        let port = Scripted {
            pieces: vec![b"\x02\nADCO".to_vec(), b" 0217".to_vec()],
        };
        let mut reader = spawn(port, "t".into()).unwrap();
        let mut got = vec![0u8; 11];
        reader.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"\x02\nADCO 0217");
        let e = reader.read(&mut got).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
