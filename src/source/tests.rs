//! The source loop driven in process: an opener hands it in-memory pipes, and paused time
//! checks its timeouts and backoff to the millisecond without waiting for them.

use std::sync::Mutex;

use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::*;
use crate::config::SourceSpec;
use crate::metrics::{Format, Snapshot};

/// One complete standard-mode frame.
const FRAME: &[u8] = include_bytes!("../../tests/data/synthetic/standard_tri_tempo.tic");

const TIMEOUT: Duration = Duration::from_secs(10);
const STALE_AFTER: f64 = 60.0;

#[test]
fn backoff_doubles_up_to_thirty_seconds() {
    let mut b = Backoff::new();
    let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    b.reset();
    assert_eq!(b.next_delay(), Duration::from_secs(1));
}

/// Opens a new pipe each time, handing its writing end to the test.
struct Pipes {
    ends: bool,
    baud: Option<u32>,
    writers: mpsc::UnboundedSender<DuplexStream>,
    opens: Arc<Mutex<Vec<Instant>>>,
}

impl Opener for Pipes {
    async fn open(&mut self, _meter: &MeterHandle) -> Result<Opened, OpenError> {
        self.opens.lock().unwrap().push(Instant::now());
        let (reader, writer) = tokio::io::duplex(64 * 1024);
        let _ = self.writers.send(writer);
        Ok(Opened {
            reader: Box::pin(reader),
            baud: self.baud,
            ends: self.ends,
            probation: None,
        })
    }
}

struct Harness {
    meter: Arc<MeterHandle>,
    writers: mpsc::UnboundedReceiver<DuplexStream>,
    opens: Arc<Mutex<Vec<Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts the loop on a meter "m" whose opens give pipes (`ends`: a replay's).
fn start(ends: bool, baud: Option<u32>) -> Harness {
    let meter = Arc::new(MeterHandle::new(SourceConfig {
        name: "m".into(),
        spec: SourceSpec::Stdin,
    }));
    let (tx, writers) = mpsc::unbounded_channel();
    let opens = Arc::new(Mutex::new(Vec::new()));
    let opener = Pipes {
        ends,
        baud,
        writers: tx,
        opens: opens.clone(),
    };
    let options = RunOptions {
        read_timeout: TIMEOUT,
    };
    let task = tokio::spawn(run(meter.clone(), options, opener));
    Harness {
        meter,
        writers,
        opens,
        task,
    }
}

impl Harness {
    /// What `/metrics` would say of `teleinfo_up`, `later` seconds from now.
    fn up(&self, later: f64) -> &'static str {
        let snapshot = Snapshot {
            meters: vec![self.meter.lock().meter.clone()],
            now: unix_now() + later,
            stale_after: STALE_AFTER,
        };
        let text = snapshot.render(Format::Text);
        if text.contains("teleinfo_up{meter=\"m\"} 1") {
            "up"
        } else if text.contains("teleinfo_up{meter=\"m\"} 0") {
            "down"
        } else {
            panic!("no teleinfo_up in {text}")
        }
    }

    fn frames(&self) -> u64 {
        self.meter.lock().meter.health().decoder.frames
    }

    /// Time between each open and the next.
    fn gaps(&self) -> Vec<Duration> {
        let opens = self.opens.lock().unwrap();
        opens.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_source_is_down_after_the_source_timeout_and_reopened() {
    let mut h = start(false, Some(9600));
    let t0 = Instant::now();
    let mut w = h.writers.recv().await.unwrap();
    w.write_all(FRAME).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(h.frames(), 1);
    assert_eq!(h.up(0.0), "up");
    // Silence, the writer still there: up until the timeout, down at once after it, long
    // before the frame would be stale.
    tokio::time::sleep_until(t0 + TIMEOUT - Duration::from_millis(1)).await;
    assert_eq!(h.up(0.0), "up");
    tokio::time::sleep_until(t0 + TIMEOUT + Duration::from_millis(1)).await;
    assert_eq!(h.up(0.0), "down");
    assert!(!h.meter.lock().meter.health().open);
    // Re-opened after the first backoff delay (it had brought a frame: backoff was reset).
    let _w2 = h.writers.recv().await.unwrap();
    assert_eq!(h.gaps(), [TIMEOUT + Backoff::FIRST]);
    assert_eq!(h.meter.lock().meter.health().reconnects, 1);
    drop(w);
    h.task.abort();
}

#[tokio::test(start_paused = true)]
async fn an_ended_stream_is_down_at_once_and_reopened_with_capped_backoff() {
    let mut h = start(false, Some(9600));
    let mut w = h.writers.recv().await.unwrap();
    w.write_all(FRAME).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(h.up(0.0), "up");
    drop(w);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        h.up(0.0),
        "down",
        "EOF: teleinfo_up 0 without waiting for anything"
    );
    // From now on every stream ends as soon as it is opened.
    let mut writers = std::mem::replace(&mut h.writers, mpsc::unbounded_channel().1);
    tokio::spawn(async move { while writers.recv().await.is_some() {} });
    tokio::time::sleep(Duration::from_secs(100)).await;
    // 1 s after the session that brought a frame (which lasted 10 ms), then doubling up to
    // 30 s, since the sessions after it bring nothing.
    let secs = |s: &[u64]| {
        s.iter()
            .map(|&s| Duration::from_secs(s))
            .collect::<Vec<_>>()
    };
    let mut expected = secs(&[1, 2, 4, 8, 16, 30, 30]);
    expected[0] += Duration::from_millis(10);
    assert_eq!(h.gaps(), expected);
    assert_eq!(h.meter.lock().meter.health().reconnects, 7);
    assert_eq!(h.up(0.0), "down");
    h.task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_finished_replay_is_not_reopened_and_goes_stale() {
    let mut h = start(true, None);
    let mut w = h.writers.recv().await.unwrap();
    w.write_all(FRAME).await.unwrap();
    drop(w);
    (&mut h.task).await.unwrap(); // the loop ends with the capture
    assert_eq!(h.opens.lock().unwrap().len(), 1);
    assert_eq!(h.frames(), 1);
    // Not closed like a lost source: up while its last frame is fresh, down once stale.
    assert_eq!(h.up(0.0), "up");
    assert_eq!(h.up(STALE_AFTER + 1.0), "down");
}

#[tokio::test(start_paused = true)]
async fn a_paced_replay_reaches_the_meter_at_line_rate() {
    // The same frame through `Paced`, as `file:` and `-` with --replay-speed 1 do: a
    // standard frame of 1374 characters at 9600 Bd takes 1.43 s.
    let meter = Arc::new(MeterHandle::new(SourceConfig {
        name: "m".into(),
        spec: SourceSpec::Stdin,
    }));
    struct PacedPipe(Option<DuplexStream>);
    impl Opener for PacedPipe {
        async fn open(&mut self, _meter: &MeterHandle) -> Result<Opened, OpenError> {
            let reader = self
                .0
                .take()
                .ok_or(OpenError::Io(io::ErrorKind::NotFound.into()))?;
            Ok(Opened {
                reader: Box::pin(replay::Paced::new(reader, 1.0)),
                baud: None,
                ends: true,
                probation: None,
            })
        }
    }
    let (reader, mut w) = tokio::io::duplex(64 * 1024);
    w.write_all(FRAME).await.unwrap();
    drop(w);
    let options = RunOptions {
        read_timeout: TIMEOUT,
    };
    let t0 = Instant::now();
    let task = tokio::spawn(run(meter.clone(), options, PacedPipe(Some(reader))));
    let line_time = Duration::from_secs_f64(FRAME.len() as f64 * 10.0 / 9600.0);
    tokio::time::sleep(line_time - Duration::from_millis(50)).await;
    assert_eq!(meter.lock().meter.health().decoder.frames, 0, "not yet");
    task.await.unwrap();
    assert_eq!(meter.lock().meter.health().decoder.frames, 1);
    assert!(t0.elapsed().abs_diff(line_time) < Duration::from_millis(5));
}

#[tokio::test(start_paused = true)]
async fn a_guessed_speed_that_stays_silent_tries_the_other_at_once_then_backs_off() {
    /// Silent pipes at a guessed speed; every second wrong speed is a diagnosis.
    struct Guessing {
        writers: Vec<DuplexStream>,
        opens: Arc<Mutex<Vec<Instant>>>,
        wrong: u32,
    }
    impl Opener for Guessing {
        async fn open(&mut self, _meter: &MeterHandle) -> Result<Opened, OpenError> {
            self.opens.lock().unwrap().push(Instant::now());
            let (reader, writer) = tokio::io::duplex(1024);
            self.writers.push(writer); // kept: silence, not an end of stream
            Ok(Opened {
                reader: Box::pin(reader),
                baud: Some(1200),
                ends: false,
                probation: Some(Duration::from_secs(3)),
            })
        }
        fn wrong_speed(&mut self, bytes: bool) -> Option<serial::SpeedDiagnosis> {
            assert!(!bytes);
            self.wrong += 1;
            self.wrong
                .is_multiple_of(2)
                .then_some(serial::SpeedDiagnosis::NoByte)
        }
    }
    let meter = Arc::new(MeterHandle::new(SourceConfig {
        name: "m".into(),
        spec: SourceSpec::Stdin,
    }));
    let opens = Arc::new(Mutex::new(Vec::new()));
    let opener = Guessing {
        writers: Vec::new(),
        opens: opens.clone(),
        wrong: 0,
    };
    let options = RunOptions {
        read_timeout: TIMEOUT,
    };
    let task = tokio::spawn(run(meter.clone(), options, opener));
    tokio::time::sleep(2 * TIMEOUT + Duration::from_millis(1500)).await;
    let opens = opens.lock().unwrap().clone();
    let gaps: Vec<Duration> = opens.windows(2).map(|w| w[1] - w[0]).collect();
    // The other speed at once after the first silence; after both, the backoff's first step.
    assert_eq!(gaps, [TIMEOUT, TIMEOUT + Backoff::FIRST]);
    let health = *meter.lock().meter.health();
    assert_eq!((health.wrong_speeds, health.reconnects), (2, 0));
    task.abort();
}
