//! The HTTP server (hyper 1): `/metrics`, the live page at `/` with its assets and its JSON
//! API `/api/v1/meters`, and `/healthz`.
//!
//! Scrapes never touch a source: they copy the meters' current state and render it. The
//! server caps concurrent connections, gives clients a bounded time to send their headers,
//! and on shutdown lets requests in flight finish for up to a second.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tracing::{debug, warn};

use crate::meter_handle::MeterHandle;
use crate::metrics::{Format, Snapshot};
use crate::source::unix_now;

/// What the handlers read.
pub struct AppState {
    /// Every meter with its source and history, in the order of the command line.
    pub meters: Vec<Arc<MeterHandle>>,
    pub stale_after: Duration,
    cache: std::sync::Mutex<[Option<CachedScrape>; 2]>,
}

/// A rendered exposition and when it stops being right.
struct CachedScrape {
    /// Sum of the meters' revisions when it was rendered: revisions only grow, so any change
    /// of any meter changes the sum.
    revisions: u64,
    /// The first moment a meter that was up goes stale (its values must then disappear).
    valid_until: f64,
    body: Bytes,
}

impl AppState {
    pub fn new(meters: Vec<Arc<MeterHandle>>, stale_after: Duration) -> Self {
        AppState {
            meters,
            stale_after,
            cache: std::sync::Mutex::new([None, None]),
        }
    }

    /// The exposition in `format`. Meters change about once a second while Prometheus (or a
    /// dashboard, or a load test) may scrape far more often, so the rendered text is reused
    /// until a meter changes or one goes stale: a scrape then costs a few atomic operations.
    pub fn scrape(&self, format: Format) -> Bytes {
        let slot = match format {
            Format::Text => 0,
            Format::OpenMetrics => 1,
        };
        let now = unix_now();
        let revisions = self
            .meters
            .iter()
            .fold(0u64, |sum, m| sum.wrapping_add(m.lock().meter.revision()));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = &cache[slot]
            && c.revisions == revisions
            && now <= c.valid_until
        {
            return c.body.clone();
        }
        let snapshot = self.snapshot();
        let revisions = snapshot
            .meters
            .iter()
            .fold(0u64, |sum, m| sum.wrapping_add(m.revision()));
        let stale = snapshot.stale_after;
        let valid_until = snapshot
            .meters
            .iter()
            .filter(|m| m.is_up(snapshot.now, stale))
            .filter_map(|m| m.health().last_frame)
            .map(|t| t + stale)
            .fold(f64::INFINITY, f64::min);
        let body = Bytes::from(snapshot.render(format));
        cache[slot] = Some(CachedScrape {
            revisions,
            valid_until,
            body: body.clone(),
        });
        body
    }

    /// Where each meter reads from, in the order of `meters`.
    pub fn sources(&self) -> Vec<crate::config::SourceConfig> {
        self.meters.iter().map(|m| m.source.clone()).collect()
    }

    /// Copies every meter, each locked only for the copy.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            meters: self.meters.iter().map(|m| m.lock().meter.clone()).collect(),
            now: unix_now(),
            stale_after: self.stale_after.as_secs_f64(),
        }
    }
}

/// Server limits.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Largest request head accepted: a scrape's request is a few hundred bytes. Bounding it also
/// bounds the memory an idle or hostile connection can hold (hyper's default is ~400 KiB).
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Most request headers accepted.
const MAX_HEADERS: usize = 64;

/// How long requests in flight may take to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Picks the exposition format from an Accept header, by q-value: OpenMetrics when the client
/// prefers it (Prometheus does), Prometheus text 0.0.4 otherwise.
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text;
    };
    let mut best = (Format::Text, -1.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut version = None;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.trim().parse().unwrap_or(0.0),
                    "version" => version = Some(v.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let format = match media.as_str() {
            // We speak OpenMetrics 1.0.0; a client asking only for another version gets text.
            "application/openmetrics-text"
                if version.as_deref().is_none_or(|v| v.starts_with("1.")) =>
            {
                Format::OpenMetrics
            }
            "text/plain" | "text/*" | "*/*" => Format::Text,
            _ => continue,
        };
        if q > best.1 || (q == best.1 && format == Format::OpenMetrics) {
            best = (format, q);
        }
    }
    if best.1 > 0.0 { best.0 } else { Format::Text }
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Routes one request.
pub fn handle(req: &Request<Incoming>, state: &AppState) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let known = matches!(path, "/metrics" | "/" | "/healthz" | API_METERS)
        || crate::page::asset(path).is_some();
    if !known {
        return response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = response(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "method not allowed: use GET or HEAD\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match path {
        "/metrics" => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            let format = negotiate(accept);
            response(StatusCode::OK, format.content_type(), state.scrape(format))
        }
        "/healthz" => response(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
        API_METERS => {
            let with_history = match crate::api::wants_history(req.uri().query()) {
                Ok(h) => h,
                Err(message) => {
                    return response(
                        StatusCode::BAD_REQUEST,
                        "text/plain; charset=utf-8",
                        message,
                    );
                }
            };
            let body = crate::api::build(&state.snapshot(), &state.meters, with_history);
            let mut r = response(
                StatusCode::OK,
                "application/json",
                crate::api::to_json(&body),
            );
            // Live values: a cached copy would show a power that is no longer true.
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        "/" => {
            let mut r = response(
                StatusCode::OK,
                "text/html; charset=utf-8",
                crate::page::index(&state.snapshot(), &state.sources()),
            );
            let h = r.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(crate::page::CONTENT_SECURITY_POLICY),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        _ => match crate::page::asset(path) {
            Some(asset) => asset_response(req, asset),
            None => response(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "not found\n",
            ),
        },
    }
}

/// Raises the soft limit on open files so that `max_connections` connections, the sources
/// and the listeners fit (many systems start at 1024). Returns the limit now in force.
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

/// The JSON API's path.
pub const API_METERS: &str = "/api/v1/meters";

/// An embedded asset, revalidated on each load (`no-cache` + ETag): a new binary must never
/// run with the old script, and a revalidation costs a 304 without a body.
fn asset_response(req: &Request<Incoming>, asset: &crate::page::Asset) -> Response<Full<Bytes>> {
    let etag = asset.etag();
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut r = if fresh {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        response(StatusCode::OK, asset.content_type, asset.body)
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    r
}

/// Serves until `shutdown` resolves, then lets open requests finish for up to a second.
pub async fn serve(
    listeners: Vec<TcpListener>,
    state: Arc<AppState>,
    options: HttpOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (tx, mut rx) = mpsc::channel::<TcpStream>(64);
    let mut acceptors = Vec::new();
    for listener in listeners {
        let tx = tx.clone();
        acceptors.push(tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        if tx.send(stream).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        // Out of file descriptors, usually: back off instead of spinning.
                        warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    drop(tx);
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            stream = rx.recv() => {
                let Some(stream) = stream else { break };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    debug!("connection refused: {} connections open", options.max_connections);
                    continue; // dropping the stream closes it at once
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let service = service_fn(move |req: Request<Incoming>| {
                    let response = handle(&req, &state);
                    async move { Ok::<_, Infallible>(response) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(options.header_timeout)
                    .max_buf_size(MAX_REQUEST_HEAD)
                    .max_headers(MAX_HEADERS)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        debug!("connection ended with an error: {e}");
                    }
                    drop(permit);
                });
            }
            () = &mut shutdown => break,
        }
    }
    for a in acceptors {
        a.abort();
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => debug!("closing connections still busy"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SourceConfig, SourceSpec};

    fn state_with_one_meter(stale_after: Duration) -> AppState {
        let meter = MeterHandle::new(SourceConfig {
            name: "m".into(),
            spec: SourceSpec::Stdin,
        });
        {
            let health = &mut meter.lock().meter;
            health.health_mut().open = true;
            health.health_mut().last_frame = Some(unix_now());
        }
        AppState::new(vec![Arc::new(meter)], stale_after)
    }

    #[test]
    fn scrapes_reuse_the_rendering_until_a_meter_changes() {
        let state = state_with_one_meter(Duration::from_secs(60));
        let a = state.scrape(Format::Text);
        let b = state.scrape(Format::Text);
        assert_eq!(
            a.as_ptr(),
            b.as_ptr(),
            "second scrape should be the cached body"
        );
        assert!(
            std::str::from_utf8(&a)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 1")
        );
        let om = state.scrape(Format::OpenMetrics);
        assert_ne!(om, a, "each format has its own entry");
        state.meters[0].lock().meter.health_mut().reconnects += 1;
        let c = state.scrape(Format::Text);
        assert_ne!(a.as_ptr(), c.as_ptr());
        assert!(
            std::str::from_utf8(&c)
                .unwrap()
                .contains("teleinfo_source_reconnects_total{meter=\"m\"} 1")
        );
    }

    #[test]
    fn a_cached_scrape_expires_when_a_meter_goes_stale() {
        let state = state_with_one_meter(Duration::from_millis(200));
        let fresh = state.scrape(Format::Text);
        assert!(
            std::str::from_utf8(&fresh)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 1")
        );
        std::thread::sleep(Duration::from_millis(300));
        let stale = state.scrape(Format::Text);
        assert!(
            std::str::from_utf8(&stale)
                .unwrap()
                .contains("teleinfo_up{meter=\"m\"} 0")
        );
    }

    #[test]
    fn prometheus_gets_openmetrics() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(
            negotiate(Some(
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            )),
            Format::OpenMetrics
        );
    }

    #[test]
    fn others_get_text() {
        assert_eq!(negotiate(None), Format::Text);
        assert_eq!(negotiate(Some("*/*")), Format::Text);
        assert_eq!(negotiate(Some("text/plain;version=0.0.4")), Format::Text);
        assert_eq!(negotiate(Some("application/json")), Format::Text);
        // Only an OpenMetrics version we do not speak.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;version=0.0.1")),
            Format::Text
        );
        // Text preferred by q-value.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0.2,text/plain;q=0.9")),
            Format::Text
        );
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0")),
            Format::Text
        );
    }
}
