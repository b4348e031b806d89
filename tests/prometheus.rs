//! A real Prometheus (Debian's `prometheus`) scrapes the demo exporter on 127.0.0.1, with the
//! shipped alert and recording rules loaded; its HTTP API must show the samples, and every
//! query of the shipped Grafana dashboard must be valid and return data where the demo meters
//! produce it. Skipped with a reason when prometheus is absent, a failure when CI is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::exporter::{DEADLINE, Exporter, require_tool};

struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn start_prometheus(target: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let rules = repo("deploy/prometheus/rules/teleinfo.rules.yml");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: teleinfo\n    static_configs:\n      - targets: ['{target}']\n",
        rules.display()
    );
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

fn query(prom: &Prometheus, expr: &str) -> Option<serde_json::Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut resp = agent
        .get(format!("{}/api/v1/query", prom.url))
        .query("query", expr)
        .call()
        .ok()?;
    let body = resp.body_mut().read_to_string().ok()?;
    serde_json::from_str(&body).ok()
}

/// Polls a query until it returns at least one series (bounded).
fn wait_for_series(prom: &Prometheus, expr: &str) -> serde_json::Value {
    let start = Instant::now();
    loop {
        if let Some(v) = query(prom, expr)
            && v["status"] == "success"
            && v["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        {
            return v;
        }
        assert!(start.elapsed() < DEADLINE * 2, "no series for {expr}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Every PromQL expression of the dashboard, template variables substituted.
fn dashboard_queries(meter: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo("deploy/grafana/dashboards/teleinfo.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, title: &str, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                let title = map
                    .get("title")
                    .and_then(|t| t.as_str())
                    .unwrap_or(title)
                    .to_owned();
                if let Some(expr) = map.get("expr").and_then(|e| e.as_str())
                    && !expr.is_empty()
                {
                    out.push((title.clone(), expr.to_owned()));
                }
                for (k, child) in map {
                    if k != "templating" {
                        walk(child, &title, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, title, out)),
            _ => {}
        }
    }
    walk(&json, "", &mut out);
    out.into_iter()
        .map(|(title, e)| {
            let e = e
                .replace("${meter}", meter)
                .replace("$meter", meter)
                .replace("$__rate_interval", "1m")
                .replace("$__interval", "1m")
                // `$__range_s` first: it starts with `$__range`.
                .replace("$__range_s", "3600")
                .replace("$__range", "1h");
            (title, e)
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(has_prometheus),
    ignore = "needs Debian's prometheus (apt-get install prometheus, then touch build.rs)"
)]
fn a_real_prometheus_scrapes_the_demo_exporter() {
    require_tool("prometheus", "prometheus");
    // With the example price file, so that the cost panels have data (the producer's
    // calendar is one the file does not price: it has no cost series).
    let prices = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/prices.toml");
    let exporter = Exporter::start_up_with(
        &[
            "demo=demo",
            "tri=demo:historic-tri",
            "linky=demo:standard-tri",
            "solar=demo:producer",
        ],
        &["--prices", prices],
    );
    let prom = start_prometheus(&exporter.addr.to_string());

    let papp = wait_for_series(&prom, "teleinfo_papp_va");
    let meters: Vec<&str> = papp["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["metric"]["meter"].as_str())
        .collect();
    assert!(
        meters.contains(&"demo") && meters.contains(&"linky"),
        "{papp}"
    );
    let index = wait_for_series(&prom, "teleinfo_index_wh_total");
    assert!(
        index["data"]["result"].as_array().unwrap().len() >= 4,
        "{index}"
    );
    // The scrape itself is healthy: no failed scrape, samples arrived.
    let up = wait_for_series(&prom, "up{job=\"teleinfo\"} == 1");
    assert_eq!(up["data"]["result"].as_array().unwrap().len(), 1);
    // Recording rules of deploy/ evaluate against the real series.
    wait_for_series(&prom, "teleinfo:energy_wh:increase1h");

    // The cost of the three priced meters, and the Tempo meter compared with Base and HP/HC.
    wait_for_series(&prom, "count(teleinfo_cost_euros_total > 0) >= 3");
    wait_for_series(
        &prom,
        "count(teleinfo_option_cost_euros_total{meter=\"linky\"}) == 3",
    );

    // Rates need two scrapes with new frames of every meter.
    wait_for_series(&prom, "count(rate(teleinfo_frames_total[1m]) > 0) == 4");

    // Every dashboard query is valid PromQL for this Prometheus. The dashboard's $meter is a
    // regex (`=~`): with the four demo meters selected, every panel must return data except
    // those that only show trouble (an overload in the last minute, a meter down, a current
    // over the subscription).
    let only_on_trouble = [
        "changes(teleinfo_overload_events_total",
        "teleinfo_up{meter=~\"demo|tri|linky|solar\"} == 0",
        "teleinfo_adps_amperes{meter=~\"demo|tri|linky|solar\"} > 0",
    ];
    // Rates and increases need a few scrapes of every meter: retry, bounded.
    let start = Instant::now();
    loop {
        let mut unexpected = Vec::new();
        for (panel, expr) in dashboard_queries("demo|tri|linky|solar") {
            let v = query(&prom, &expr).unwrap_or_else(|| panic!("{panel}: no answer for {expr}"));
            assert_eq!(v["status"], "success", "{panel}: {expr}: {v}");
            let empty = v["data"]["result"].as_array().is_some_and(|r| r.is_empty());
            if empty && !only_on_trouble.iter().any(|a| expr.contains(a)) {
                unexpected.push(format!("{panel}: {expr}"));
            }
        }
        if unexpected.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE * 2,
            "dashboard queries without data: {unexpected:#?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}
