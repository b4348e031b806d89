//! The HTTP server (hyper 1, HTTP/1.1): accepts connections on the listen addresses and
//! hands each request to a handler (the exporter's is [`crate::routes::handler`]).
//!
//! The server is generic over the handler so that its own behaviour (the connection cap, the
//! header timeout, graceful shutdown) is tested in process with handlers that stall or count,
//! independently of the routes.

mod listener;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::net::TcpListener;
use tracing::warn;

use listener::Listener;

/// Server limits.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    /// Connections open at once; one more is closed at once, without an answer.
    pub max_connections: usize,
    /// How long a client has to send a request's head (and an idle keep-alive connection
    /// may wait for its next one).
    pub header_timeout: Duration,
}

/// Largest request head accepted: a scrape's request is a few hundred bytes. Bounding it also
/// bounds the memory an idle or hostile connection can hold (hyper's default is ~400 KiB).
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Most request headers accepted.
const MAX_HEADERS: usize = 64;

/// How long requests in flight may take to finish at shutdown; those still busy are then
/// dropped, so that SIGTERM stops the process in about a second whatever the clients do.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How long to wait after a failed accept (out of file descriptors, usually) before the
/// next, instead of spinning on the error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves on `listeners` until `shutdown` resolves, then lets the requests in flight finish
/// for up to [`SHUTDOWN_GRACE`] and closes every connection before returning.
///
/// Nothing here ends the server but `shutdown`: a failed accept (out of file descriptors) is
/// logged and retried, a failed connection only ends that connection.
pub async fn serve<H, F>(
    listeners: Vec<TcpListener>,
    handler: H,
    options: HttpOptions,
    shutdown: impl Future<Output = ()>,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    Listener::new(listeners, handler, options)
        .run(shutdown)
        .await;
}

/// Raises the soft limit on open files so that `max_connections` connections, the sources
/// and the listeners fit (many systems start at 1024). Returns the limit now in force.
///
/// Kept rather than left to systemd's `LimitNOFILE=`: the binary also runs by hand, in a
/// container or under another supervisor, where the soft limit is 1024 while the hard limit
/// allows more; raising the soft limit up to the hard one needs no privilege, and the warning
/// names the fix when even the hard limit is too low.
pub fn raise_open_files_limit(max_connections: usize) -> u64 {
    let wanted = max_connections as u64 + 256;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(n) => {
            if n < wanted {
                warn!(
                    "the open files limit is {n}, below the {wanted} that {max_connections} \
                     connections need: raise it (LimitNOFILE= in the unit) or lower \
                     --web.max-connections"
                );
            }
            n
        }
        Err(e) => {
            warn!("cannot read or raise the open files limit: {e}");
            0
        }
    }
}
