//! Hostile and unusual HTTP clients against the real binary, on 127.0.0.1, bounded in time
//! and count: the connection cap and header timeout options, oversized heads, HTTP/1.0,
//! pipelining, methods.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::exporter::Exporter;

fn demo(extra: &[&str]) -> Exporter {
    let mut args = vec!["--source", "demo"];
    args.extend_from_slice(extra);
    let e = Exporter::start(&args);
    e.wait_for("the demo meter", |m| {
        m.contains("teleinfo_up{meter=\"demo\"} 1")
    });
    e
}

/// Sends raw bytes and reads until the server closes or `deadline` passes.
fn raw(e: &Exporter, request: &[u8]) -> String {
    let mut s = TcpStream::connect(e.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

// The connection cap, the header timeout and a thousand idle connections are tested in
// process with the clock paused (src/server/tests.rs); here only that the options reach the
// server of the real binary, waiting on what the server does rather than on the clock.

/// Reads one response (head and `Content-Length` bytes of body) from a connection kept open;
/// empty if the server closed it first.
fn read_response(s: &mut TcpStream) -> String {
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
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).into_owned(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A connection that was answered and is kept open, holding one of the server's places.
/// The scrapes that waited for the meter may hold a place until the server reads their
/// close, so a refusal is retried (bounded).
fn held_connection(e: &Exporter) -> TcpStream {
    for _ in 0..1000 {
        let mut s = TcpStream::connect(e.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .is_ok()
            && read_response(&mut s).starts_with("HTTP/1.1 200")
        {
            return s;
        }
    }
    panic!("no connection was ever accepted:\n{}", e.log());
}

#[test]
fn the_connection_cap_and_the_header_timeout_options_reach_the_server() {
    let e = demo(&["--web.max-connections", "1", "--web.header-timeout", "3s"]);
    let mut held = held_connection(&e);
    // The only place is taken: another connection is closed without an answer (closed, not
    // left waiting until the client's read times out).
    let mut refused = TcpStream::connect(e.addr).unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = refused.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = Vec::new();
    match refused.read_to_end(&mut answer) {
        Ok(_) => assert!(answer.is_empty(), "over the cap: {answer:?}"),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}"),
    }
    // The held connection, idle, is closed by the server after the header timeout: the read
    // ends at the close, not at its own 10 s timeout (that would be an error).
    let mut rest = Vec::new();
    let closed = held.read_to_end(&mut rest);
    assert!(closed.is_ok(), "{closed:?}");
    // Its place is free again.
    drop(held_connection(&e));
}

#[test]
fn oversized_heads_are_refused() {
    let e = demo(&[]);
    let big_header = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Junk: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    assert!(
        raw(&e, big_header.as_bytes()).starts_with("HTTP/1.1 431"),
        "big header"
    );
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(64 * 1024));
    assert!(
        raw(&e, long_line.as_bytes()).starts_with("HTTP/1.1 431"),
        "long request line"
    );
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert!(
        raw(&e, many.as_bytes()).starts_with("HTTP/1.1 431"),
        "too many headers"
    );
    // The server is still fine.
    assert_eq!(e.request("GET", "/healthz", None).0, 200);
}

#[test]
fn http_1_0_and_pipelined_requests_work() {
    let e = demo(&[]);
    let reply = raw(&e, b"GET /metrics HTTP/1.0\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.0 200 OK"), "{reply}");
    assert!(reply.contains("teleinfo_up{meter=\"demo\"} 1"));

    let two = raw(
        &e,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let first = two.find("HTTP/1.1 200").unwrap();
    let second = two[first + 1..]
        .find("HTTP/1.1 200")
        .map(|i| i + first + 1)
        .unwrap();
    assert!(two[first..second].contains("ok\n"), "{two}");
    assert!(
        two[second..].contains("teleinfo_up{meter=\"demo\"} 1"),
        "{two}"
    );
}

#[test]
fn methods_other_than_get_and_head_get_405() {
    let e = demo(&[]);
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = raw(
            &e,
            format!("{method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert!(reply.starts_with("HTTP/1.1 405"), "{method}: {reply}");
        assert!(
            reply.to_ascii_lowercase().contains("allow: get, head"),
            "{method}: {reply}"
        );
    }
}
