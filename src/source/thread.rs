//! The thread every source task runs on: a single-threaded runtime of its own.
//!
//! What a Raspberry Pi owner pays at rest is mostly wakeups. A batch of bytes handed from a
//! port's reading thread to the multi-threaded runtime woke two of its workers (the one that
//! ran the task, and a second one told to look for more work): about 480 wakeups a minute for
//! one meter, counted by `benches/at-rest.sh`. On a thread of their own the sources wake one
//! thread per batch, and the HTTP workers sleep until a scrape comes. One thread is plenty:
//! even 10 000 meters bring about 10 MB/s, a few percent of a core for the decoder.

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;

/// How long the sources' runtime waits, when the server stops, for blocking work (a replay
/// of stdin waiting for a line) before it is left to the end of the process.
const STOP_GRACE: Duration = Duration::from_millis(200);

/// The sources' thread. Dropping it stops every source task and waits for the thread.
pub struct SourceThread {
    handle: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SourceThread {
    /// Starts the thread and its runtime (with time and I/O).
    pub fn start() -> std::io::Result<SourceThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("tic-sources".into())
            .spawn(move || {
                // Either a stop or the sender dropped: both mean the server is done.
                let _ = runtime.block_on(stopped);
                runtime.shutdown_timeout(STOP_GRACE);
            })?;
        Ok(SourceThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `task` on the sources' thread.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.handle.spawn(task);
    }
}

impl Drop for SourceThread {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // Bounded by STOP_GRACE: the tasks are dropped at once, ports closed.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_run_on_the_thread_and_stop_with_it() {
        let thread = SourceThread::start().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        thread.spawn(async move {
            let name = std::thread::current().name().map(str::to_owned);
            let _ = tx.send(name);
            // Never ends by itself: dropping the thread must end it.
            std::future::pending::<()>().await;
        });
        let name = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(name.as_deref(), Some("tic-sources"));
        drop(thread);
    }
}
