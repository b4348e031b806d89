//! Runs the real binary and talks to it over HTTP on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any wait in these tests may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Exporter {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

/// The value of one series in an exposition (`name{labels}` exactly as printed).
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|l| {
        let rest = l.strip_prefix(series)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

impl Exporter {
    /// Starts `teleinfo-exporter ARGS --web.listen-address 127.0.0.1:0` and waits for it to
    /// listen.
    pub fn start(args: &[&str]) -> Exporter {
        Self::start_with(args, |c| c)
    }

    pub fn start_with(args: &[&str], setup: impl FnOnce(&mut Command) -> &mut Command) -> Exporter {
        let mut command = Command::new(env!("CARGO_BIN_EXE_teleinfo-exporter"));
        command
            .args(args)
            .args([
                "--web.listen-address",
                "127.0.0.1:0",
                "--log.level",
                "debug",
            ])
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        setup(&mut command);
        let mut child = command.spawn().expect("start the exporter");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.trim().to_owned());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(DEADLINE) {
            Ok(a) => a.parse().expect("listen address"),
            Err(_) => {
                let _ = child.kill();
                panic!("exporter did not start:\n{}", log.lock().unwrap());
            }
        };
        Exporter { child, addr, log }
    }

    /// Starts with one `--source NAME=SPEC` per entry and waits until every meter is up.
    pub fn start_up(sources: &[&str]) -> Exporter {
        Exporter::start_up_with(sources, &[])
    }

    /// As [`Exporter::start_up`], with more flags.
    pub fn start_up_with(sources: &[&str], flags: &[&str]) -> Exporter {
        let mut args: Vec<&str> = sources.iter().flat_map(|s| ["--source", s]).collect();
        args.extend_from_slice(flags);
        let e = Exporter::start(&args);
        let names: Vec<String> = sources
            .iter()
            .map(|s| s.split_once('=').map_or("demo", |(n, _)| n).to_owned())
            .collect();
        e.wait_for("every meter up", |m| {
            names
                .iter()
                .all(|n| m.contains(&format!("teleinfo_up{{meter=\"{n}\"}} 1")))
        });
        e
    }

    /// Everything the exporter logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into()
    }

    /// GET (or another method) with optional Accept header: (status, content type, body).
    pub fn request(&self, method: &str, path: &str, accept: Option<&str>) -> (u16, String, String) {
        let url = format!("http://{}{path}", self.addr);
        let agent = Self::agent();
        let req = ureq::http::Request::builder().method(method).uri(&url);
        let req = match accept {
            Some(a) => req.header("Accept", a),
            None => req,
        };
        let mut resp = agent
            .run(req.body(()).unwrap())
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        (status, ct, body)
    }

    /// A request with extra headers: (status, response headers in lower case, body).
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, String) {
        let url = format!("http://{}{path}", self.addr);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = Self::agent()
            .run(req.body(()).unwrap())
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        (status, headers, body)
    }

    /// `/metrics` in Prometheus text format.
    pub fn metrics(&self) -> String {
        let (status, _, body) = self.request("GET", "/metrics", None);
        assert_eq!(status, 200);
        body
    }

    /// Scrapes until `done` holds (or fails after [`DEADLINE`]); returns that scrape.
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let m = self.metrics();
            if done(&m) {
                return m;
            }
            if start.elapsed() > DEADLINE {
                panic!(
                    "timed out waiting for {what}; last scrape:\n{m}\nlog:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and waits for the exit (bounded).
    pub fn terminate(mut self) -> (ExitStatus, Duration) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pids fit pid_t");
        let start = Instant::now();
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status, start.elapsed());
            }
            assert!(start.elapsed() < DEADLINE, "exporter ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails the test, naming the package, when a Debian tool it needs is missing. Tests that
/// call it are `#[ignore]`d at build time when the tool was not installed (see build.rs), so
/// a missing tool is either a visible "ignored" or, in CI, a failure: never a silent pass.
pub fn require_tool(tool: &str, package: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(found, "{tool} is missing: apt-get install {package}");
}
