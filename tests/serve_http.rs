//! The HTTP side of the real binary: routes, methods, content negotiation, the exposition
//! checked by promtool, and a graceful stop.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::exporter::{Exporter, require_tool};

fn demo() -> Exporter {
    Exporter::start_up(&["demo=demo", "tri=demo:standard-tri"])
}

#[test]
fn content_negotiation_gives_the_exact_content_types() {
    let e = demo();
    let (status, ct, body) = e.request("GET", "/metrics", None);
    assert_eq!(status, 200);
    assert_eq!(ct, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        body.contains("# TYPE teleinfo_index_wh_total counter"),
        "{body}"
    );
    assert!(!body.contains("# EOF"));

    let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (status, ct, body) = e.request("GET", "/metrics", Some(prometheus));
    assert_eq!(status, 200);
    assert_eq!(
        ct,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(body.contains("# TYPE teleinfo_index_wh counter"), "{body}");
    assert!(body.ends_with("# EOF\n"));
}

#[test]
fn routes_and_methods() {
    let e = demo();
    assert_eq!(e.request("GET", "/healthz", None).0, 200);
    assert_eq!(e.request("GET", "/nope", None).0, 404);
    assert_eq!(e.request("POST", "/metrics", None).0, 405);
    assert_eq!(e.request("DELETE", "/", None).0, 405);
    let (status, _, body) = e.request("HEAD", "/metrics", None);
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, ct, page) = e.request("GET", "/", None);
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        page.contains("demo:standard-tri") && page.contains("/metrics"),
        "{page}"
    );
}

/// promtool's findings on an exposition (empty when it is clean).
fn promtool_report(exposition: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[cfg_attr(
    not(has_promtool),
    ignore = "needs promtool (apt-get install prometheus, then touch build.rs)"
)]
fn promtool_finds_no_problem_in_either_format() {
    require_tool("promtool", "prometheus");
    let e = Exporter::start_up(&[
        "demo=demo",
        "tri=demo:historic-tri",
        "linky=demo:standard-tri",
        "solar=demo:producer",
        "noisy=demo:standard?noise=0.001",
    ]);
    let text = e.metrics();
    let report = promtool_report(&text);
    assert!(
        report.trim().is_empty(),
        "promtool on text 0.0.4: {report}\n{text}"
    );

    // promtool 2.42 (Debian 12) only parses the text format. Given OpenMetrics, where a
    // counter family `x` has HELP/TYPE under `x` and samples `x_total`, it reports each
    // counter as "x_total no help text" and nothing else. Anything else is a real problem;
    // and each such counter must indeed carry its HELP under the family name. (The real
    // Prometheus of .ci/run scrapes OpenMetrics and checks the samples arrive.)
    let (_, _, openmetrics) = e.request(
        "GET",
        "/metrics",
        Some("application/openmetrics-text; version=1.0.0"),
    );
    let report = promtool_report(&openmetrics);
    for line in report.lines().filter(|l| !l.trim().is_empty()) {
        let family = line
            .strip_suffix("_total no help text")
            .unwrap_or_else(|| panic!("promtool on OpenMetrics: {line}\n{openmetrics}"));
        assert!(
            openmetrics.contains(&format!("# HELP {family} "))
                && openmetrics.contains(&format!("# TYPE {family} counter")),
            "{family}: {openmetrics}"
        );
    }
}

/// SIGTERM stops the real binary with success, an idle keep-alive connection open. How long
/// the server waits for requests in flight (at most a second) is tested in process, with the
/// clock paused (src/server/tests.rs).
#[test]
fn sigterm_stops_with_success_with_a_connection_open() {
    let e = demo();
    let mut idle = std::net::TcpStream::connect(e.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, _) = e.terminate();
    assert!(status.success(), "{status:?}");
    drop(idle);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"))
        .args([
            "--source",
            "demo",
            "--web.listen-address",
            &format!("127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}
