//! The accept loop, after tokio-rs/mini-redis's `Listener`: one semaphore permit per open
//! connection, one task per connection, and a graceful stop.
//!
//! Every listening socket is polled by the same loop (no task per socket and no channel
//! between them), so that stopping is one `select!` and the permits, the shutdown watcher and
//! the connection tasks are all owned here.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{debug, warn};

use super::{ACCEPT_BACKOFF, HttpOptions, MAX_HEADERS, MAX_REQUEST_HEAD, SHUTDOWN_GRACE};

/// Accepts connections and runs each in its own task.
pub(super) struct Listener<H> {
    listeners: Vec<TcpListener>,
    /// One permit per open connection. A connection over the cap is closed at once rather
    /// than left waiting (as mini-redis does): a scraper then fails fast and retries, instead
    /// of timing out behind connections that may never finish.
    limit: Arc<Semaphore>,
    /// Tells the connections to finish their request and close, at shutdown.
    graceful: GracefulShutdown,
    /// The connection tasks, so that those still busy after the grace can be dropped.
    connections: JoinSet<()>,
    handler: H,
    options: HttpOptions,
    /// The listener polled first by the next accept, so that a busy one cannot starve another.
    first: usize,
}

impl<H, F> Listener<H>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    pub(super) fn new(listeners: Vec<TcpListener>, handler: H, options: HttpOptions) -> Self {
        Listener {
            listeners,
            limit: Arc::new(Semaphore::new(options.max_connections)),
            graceful: GracefulShutdown::new(),
            connections: JoinSet::new(),
            handler,
            options,
            first: 0,
        }
    }

    /// Accepts until `shutdown` resolves, then stops as [`super::serve`] says.
    pub(super) async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.accept() => accepted,
                () = &mut shutdown => break,
            };
            match accepted {
                Ok(stream) => self.spawn(stream),
                Err(e) => {
                    warn!("accept failed: {e}");
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                        () = &mut shutdown => break,
                    }
                }
            }
            // Forget the connections that ended, so that the set stays as small as the cap.
            while self.connections.try_join_next().is_some() {}
        }
        // No new connection from here on.
        self.listeners.clear();
        tokio::select! {
            () = self.graceful.shutdown() => {}
            () = tokio::time::sleep(SHUTDOWN_GRACE) => debug!("closing connections still busy"),
        }
        self.connections.shutdown().await;
    }

    /// The next connection on any listener.
    async fn accept(&mut self) -> io::Result<TcpStream> {
        let n = self.listeners.len();
        let first = self.first;
        let listeners = &self.listeners;
        let accepted = std::future::poll_fn(|cx| {
            for i in 0..n {
                let l = &listeners[(first + i) % n];
                if let Poll::Ready(r) = l.poll_accept(cx) {
                    return Poll::Ready(r.map(|(stream, _)| stream));
                }
            }
            Poll::Pending
        })
        .await;
        self.first = (first + 1) % n.max(1);
        accepted
    }

    /// Serves one connection in its own task, if a permit is left; drops it otherwise.
    fn spawn(&mut self, stream: TcpStream) {
        let Ok(permit) = self.limit.clone().try_acquire_owned() else {
            debug!(
                "connection refused: {} connections open",
                self.options.max_connections
            );
            return; // dropping the stream closes it at once
        };
        let _ = stream.set_nodelay(true);
        let handler = self.handler.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let response = handler(req);
            async move { Ok::<_, Infallible>(response.await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.options.header_timeout)
            .max_buf_size(MAX_REQUEST_HEAD)
            .max_headers(MAX_HEADERS)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let conn = self.graceful.watch(conn);
        self.connections.spawn(async move {
            if let Err(e) = conn.await {
                debug!("connection ended with an error: {e}");
            }
            drop(permit);
        });
    }
}
