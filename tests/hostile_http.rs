//! Hostile and unusual HTTP clients against the real binary, on 127.0.0.1, bounded in time
//! and count: idle connections (slowloris), oversized heads, HTTP/1.0, pipelining, methods.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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

#[test]
fn a_thousand_idle_connections_do_not_block_a_scrape() {
    let _ = rlimit::increase_nofile_limit(4096);
    let e = demo(&["--web.header-timeout", "30s"]);
    let mut idle = Vec::new();
    for _ in 0..1000 {
        let mut s = TcpStream::connect(e.addr).unwrap();
        // Half of them dribble a partial request head, the others send nothing.
        if idle.len() % 2 == 0 {
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
        }
        idle.push(s);
    }
    let start = Instant::now();
    let (status, _, body) = e.request("GET", "/metrics", None);
    let took = start.elapsed();
    assert_eq!(status, 200);
    assert!(body.contains("teleinfo_papp_va{meter=\"demo\"}"));
    // Generous bound: this is about not being blocked, it normally takes milliseconds.
    assert!(
        took < Duration::from_secs(2),
        "scrape took {took:?} behind 1000 idle connections"
    );
    drop(idle);
}

#[test]
fn connections_over_the_cap_are_closed_and_idle_ones_time_out() {
    // 3 s: long enough that no idle connection times out before the 21st arrives, even on a
    // loaded machine (the other tests of this file run at the same time).
    let e = demo(&["--web.max-connections", "20", "--web.header-timeout", "3s"]);
    let idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(e.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // The 21st connection is closed at once, without an answer. The scrape that waited for
    // the meter may still hold its place for a moment after the client closed it (the server
    // has not yet read the close), so one more connection may be served first: never two.
    let answers: Vec<String> = (0..2)
        .map(|_| raw(&e, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        .collect();
    assert!(
        answers.iter().any(String::is_empty),
        "over the cap: closed without a response, got {answers:?}"
    );
    // The idle ones are dropped by the server after the header timeout; then scrapes work.
    let start = Instant::now();
    loop {
        let reply = raw(
            &e,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        if reply.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "idle connections never timed out"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(idle);
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
