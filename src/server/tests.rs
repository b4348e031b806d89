//! The server in process, on 127.0.0.1 port 0, driven by raw HTTP/1.1 over a `TcpStream`.
//!
//! Where time matters (header timeout, shutdown grace) the runtime's clock is paused
//! (`start_paused`): it jumps to the next timer whenever every task waits, so a 5 s timeout
//! takes no real time and the elapsed time read from `tokio::time::Instant` is exact.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::*;
use crate::meter_handle::MeterHandle;
use crate::source::unix_now;
use crate::state::AppState;

type BoxedResponse = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;

/// A server running in this runtime.
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    done: JoinHandle<()>,
}

impl Server {
    async fn start<H, F>(options: HttpOptions, handler: H) -> Server
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(serve(vec![listener], handler, options, async {
            let _ = stopped.await;
        }));
        Server { addr, stop, done }
    }

    /// Asks the server to stop and waits for `serve` to return; how long that took.
    async fn stop(self) -> Duration {
        let start = Instant::now();
        self.stop.send(()).unwrap();
        self.done.await.unwrap();
        start.elapsed()
    }
}

fn options(max_connections: usize, header_timeout: Duration) -> HttpOptions {
    HttpOptions {
        max_connections,
        header_timeout,
    }
}

/// Answers `/slow/MS` after MS milliseconds (telling `started` first), anything else at once.
fn test_handler(
    started: Arc<Notify>,
) -> impl Fn(Request<Incoming>) -> BoxedResponse + Clone + Send + Sync + 'static {
    move |req| {
        let started = started.clone();
        Box::pin(async move {
            if let Some(ms) = req.uri().path().strip_prefix("/slow/") {
                started.notify_one();
                let ms = ms.parse().unwrap();
                tokio::time::sleep(Duration::from_millis(ms)).await;
                return Response::new(Full::new(Bytes::from_static(b"slow\n")));
            }
            Response::new(Full::new(Bytes::from_static(b"ok\n")))
        })
    }
}

fn get(path: &str, close: bool) -> Vec<u8> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n{connection}\r\n").into_bytes()
}

/// Everything the server sends until it closes the connection (a reset ends it too).
async fn read_all(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `request` on a new connection and reads until the server closes it.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // A connection over the cap may be reset before the request is written: then the answer
    // is empty, as when it is closed after.
    let _ = s.write_all(request).await;
    read_all(&mut s).await
}

/// Reads one response (its head and `Content-Length` bytes of body) from a connection kept
/// open.
async fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + length {
                return String::from_utf8_lossy(&buf).into_owned();
            }
        }
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed in the middle of a response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test(start_paused = true)]
async fn connections_over_the_cap_are_closed_at_once_without_an_answer() {
    let server = Server::start(
        options(2, Duration::from_secs(30)),
        test_handler(Arc::default()),
    )
    .await;
    // Two connections that were answered hold the two places, idle between requests.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(&get("/", false)).await.unwrap();
        assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let start = Instant::now();
    assert_eq!(exchange(server.addr, &get("/", true)).await, "");
    assert!(start.elapsed() < Duration::from_secs(1), "not at once");
    // A place is free again once the server has read a client's close.
    drop(held.pop());
    let mut reply = String::new();
    for _ in 0..100 {
        reply = exchange(server.addr, &get("/", true)).await;
        if !reply.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    // The one still held keeps working.
    held[0].write_all(&get("/", false)).await.unwrap();
    assert!(
        read_response(&mut held[0])
            .await
            .starts_with("HTTP/1.1 200")
    );
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_client_gets_the_header_timeout_to_send_its_head_and_no_more() {
    let timeout = Duration::from_secs(5);
    let server = Server::start(options(10, timeout), test_handler(Arc::default())).await;
    // Silent, or stuck in the middle of the head: closed after the timeout, unanswered.
    for sent in [&b""[..], b"GET / HTTP/1.1\r\nHost: x\r\n"] {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(sent).await.unwrap();
        let start = Instant::now();
        let reply = read_all(&mut s).await;
        let took = start.elapsed();
        assert!(!reply.contains("200 OK"), "{reply:?}");
        assert!(
            timeout <= took && took < timeout + Duration::from_secs(1),
            "{took:?}"
        );
    }
    // The end of the head just in time: answered.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    tokio::time::sleep(timeout - Duration::from_millis(100)).await;
    s.write_all(b"Connection: close\r\n\r\n").await.unwrap();
    assert!(read_all(&mut s).await.starts_with("HTTP/1.1 200"));
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_thousand_idle_connections_do_not_delay_a_request() {
    let _ = rlimit::increase_nofile_limit(4096);
    let timeout = Duration::from_secs(30);
    let server = Server::start(options(2000, timeout), test_handler(Arc::default())).await;
    let mut idle = Vec::new();
    for i in 0..1000 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        // Half of them dribble a partial request head, the others send nothing.
        if i % 2 == 0 {
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        }
        idle.push(s);
    }
    let start = Instant::now();
    let reply = exchange(server.addr, &get("/", true)).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    // Answered before any idle connection timed out: none of them stood in the way.
    assert!(start.elapsed() < timeout, "{:?}", start.elapsed());
    drop(idle);
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn oversized_request_heads_get_431() {
    let server = Server::start(
        options(10, Duration::from_secs(5)),
        test_handler(Arc::default()),
    )
    .await;
    let junk = "a".repeat(2 * MAX_REQUEST_HEAD);
    let big_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Junk: {junk}\r\n\r\n");
    let many: String = (0..=MAX_HEADERS)
        .map(|i| format!("X-H{i}: v\r\n"))
        .collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    for request in [big_header, many] {
        let reply = exchange(server.addr, request.as_bytes()).await;
        assert!(reply.starts_with("HTTP/1.1 431"), "{reply:?}");
    }
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_a_request_in_flight_finish() {
    let started = Arc::new(Notify::new());
    let server = Server::start(
        options(10, Duration::from_secs(5)),
        test_handler(started.clone()),
    )
    .await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(&get("/slow/500", false)).await.unwrap();
    started.notified().await;
    let stopping = tokio::spawn(server.stop());
    // Answered, then closed although the client asked for keep-alive.
    let reply = read_all(&mut s).await;
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("slow\n"),
        "{reply:?}"
    );
    let took = stopping.await.unwrap();
    assert!(
        Duration::from_millis(500) <= took && took < SHUTDOWN_GRACE,
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_drops_a_request_still_busy_after_the_grace() {
    let started = Arc::new(Notify::new());
    let server = Server::start(
        options(10, Duration::from_secs(5)),
        test_handler(started.clone()),
    )
    .await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(&get("/slow/10000", false)).await.unwrap();
    started.notified().await;
    let took = server.stop().await;
    assert!(
        SHUTDOWN_GRACE <= took && took < SHUTDOWN_GRACE + Duration::from_millis(100),
        "{took:?}"
    );
    // The connection was closed by the server, without an answer.
    assert_eq!(read_all(&mut s).await, "");
}

#[tokio::test(start_paused = true)]
async fn shutdown_closes_idle_connections_at_once_and_stops_listening() {
    let server = Server::start(
        options(10, Duration::from_secs(5)),
        test_handler(Arc::default()),
    )
    .await;
    let addr = server.addr;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&get("/", false)).await.unwrap();
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    let took = server.stop().await;
    assert!(took < Duration::from_millis(100), "{took:?}");
    assert_eq!(read_all(&mut s).await, "");
    assert!(TcpStream::connect(addr).await.is_err(), "still listening");
}

/// The exporter's own routes behind the server, on one meter that is up.
async fn exporter() -> Server {
    let meter = MeterHandle::new("m=demo".parse().unwrap());
    {
        let health = &mut meter.lock().meter;
        health.health_mut().open = true;
        health.health_mut().last_frame = Some(unix_now());
    }
    let state = AppState::new(vec![Arc::new(meter)], Duration::from_secs(60));
    let handler = crate::routes::handler(Arc::new(state));
    Server::start(options(10, Duration::from_secs(5)), handler).await
}

fn request(method: &str, path: &str, headers: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n")
        .into_bytes()
}

#[tokio::test]
async fn metrics_are_negotiated_over_http() {
    let server = exporter().await;
    let text = exchange(server.addr, &request("GET", "/metrics", "")).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    assert!(text.contains("teleinfo_up{meter=\"m\"} 1") && !text.contains("# EOF"));

    let prometheus = "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n";
    let om = exchange(server.addr, &request("GET", "/metrics", prometheus)).await;
    let lower = om.to_ascii_lowercase();
    assert!(
        lower.contains(
            "content-type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"
        ),
        "{om}"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");

    // HEAD: the same head, no body.
    let head = exchange(server.addr, &request("HEAD", "/metrics", "")).await;
    assert!(
        head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_get_404_and_other_methods_405_over_http() {
    let server = exporter().await;
    for (method, path, status) in [
        ("GET", "/nope", "404"),
        ("POST", "/nope", "404"),
        ("GET", "/assets/nope.js", "404"),
        ("POST", "/metrics", "405"),
        ("DELETE", "/", "405"),
        ("PUT", "/assets/app.js", "405"),
        ("GET", "/api/v1/meters?history=maybe", "400"),
        ("GET", "/healthz", "200"),
    ] {
        let reply = exchange(server.addr, &request(method, path, "Content-Length: 0\r\n")).await;
        assert!(
            reply.starts_with(&format!("HTTP/1.1 {status}")),
            "{method} {path}: {reply}"
        );
        if status == "405" {
            assert!(
                reply
                    .to_ascii_lowercase()
                    .contains("\r\nallow: get, head\r\n"),
                "{reply}"
            );
        }
    }
    server.stop().await;
}
