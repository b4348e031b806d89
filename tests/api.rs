//! `/api/v1/meters` and the live page's routes on the real binary: the documented fields on
//! every kind of demo meter, exact values from replayed captures, the waiting and down
//! states, and the HTTP details (content types, caching, methods).

mod common;

use std::time::Instant;

use common::exporter::{DEADLINE, Exporter, sample};
use common::{data, read};
use serde_json::Value;
use teleinfo_exporter::localtime::local_midnight;
use teleinfo_exporter::tic::{FrameWriter, Mode};

/// Fields every meter entry has, `null` or not (README, "Live page and JSON API").
const METER_FIELDS: &[&str] = &[
    "name",
    "source",
    "state",
    "up",
    "source_open",
    "mode",
    "three_phase",
    "producer",
    "serial",
    "apparent_power_va",
    "injected_power_va",
    "reference_power_va",
    "cutoff_power_va",
    "subscribed_current_amperes",
    "subscribed_power_va",
    "phases",
    "overload",
    "overload_events",
    "energy_drawn_wh",
    "energy_injected_wh",
    "energy_today_wh",
    "energy_injected_today_wh",
    "today_since_unix_seconds",
    "tariff",
    "tempo",
    "mobile_peak",
    "relays",
    "status_flags",
    "status_warnings",
    "cutoff_device",
    "health",
    "history",
];
const PHASE_FIELDS: &[&str] = &[
    "phase",
    "current_amperes",
    "voltage_volts",
    "apparent_power_va",
    "overload_current_amperes",
    "overload_excess_amperes",
    "absent",
];
const TARIFF_FIELDS: &[&str] = &[
    "option",
    "calendar",
    "period",
    "period_name",
    "period_kind",
    "period_color",
    "periods",
];
const PERIOD_FIELDS: &[&str] = &[
    "period", "name", "index_wh", "today_wh", "active", "kind", "color",
];
const HEALTH_FIELDS: &[&str] = &[
    "last_frame_unix_seconds",
    "frame_age_seconds",
    "frames_total",
    "groups_total",
    "checksum_errors_total",
    "checksum_error_ratio",
    "frame_errors_total",
    "bytes_total",
    "reconnects_total",
    "cooked_tty",
    "line_errors",
    "advice",
];

fn api(e: &Exporter, query: &str) -> Value {
    let (status, headers, body) = e.request_with("GET", &format!("/api/v1/meters{query}"), &[]);
    assert_eq!(status, 200, "{body}");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("cache-control"), Some("no-store"));
    serde_json::from_str(&body).unwrap_or_else(|err| panic!("{err}: {body}"))
}

/// Polls the API until `done` holds for the response (bounded by [`DEADLINE`]).
fn wait_api(e: &Exporter, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let v = api(e, "");
        if done(&v) {
            return v;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}: {v:#}\nlog:\n{}",
            e.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn meter<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["meters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no meter {name}: {v:#}"))
}

fn has_fields(v: &Value, fields: &[&str], what: &str) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for f in fields {
        assert!(obj.contains_key(*f), "{what} lacks {f}: {v:#}");
    }
}

fn all_up(v: &Value) -> bool {
    v["meters"]
        .as_array()
        .is_some_and(|ms| ms.iter().all(|m| m["state"] == "up"))
}

#[test]
fn every_demo_meter_has_the_documented_fields_and_its_extras() {
    let e = Exporter::start(&[
        "--source",
        "demo",
        "--source",
        "tri=demo:standard-tri",
        "--source",
        "solar=demo:producer",
        "--source",
        "htri=demo:historic-tri",
    ]);
    // A three-phase historic meter that starts during an overload sends only short frames
    // (currents) for a while: wait until every meter has sent a long frame too.
    let v = wait_api(&e, "every demo meter up with a long frame", |v| {
        all_up(v)
            && v["meters"].as_array().is_some_and(|ms| {
                ms.iter()
                    .all(|m| m["apparent_power_va"].is_u64() && m["energy_drawn_wh"].is_u64())
            })
    });
    // One exporter for all the checks: starting it and waiting for four meters is the slow
    // part, so each check is a function rather than a test of its own.
    let (now, today_start) = check_response_header(&v);
    let names: Vec<&str> = v["meters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["demo", "tri", "solar", "htri"]);
    for m in v["meters"].as_array().unwrap() {
        check_documented_fields(m);
        check_common_values(m, today_start);
        check_history(m, now);
    }
    check_historic_mono(meter(&v, "demo"));
    check_standard_tempo(meter(&v, "tri"));
    check_producer(meter(&v, "solar"), meter(&v, "demo"));
    check_historic_tri(meter(&v, "htri"));

    // Without the history, for frequent polls.
    let light = api(&e, "?history=false");
    for m in light["meters"].as_array().unwrap() {
        assert_eq!(m["history"], Value::Null);
    }
}

/// A Unix time of the API as whole seconds (the floor, for the positive times it has).
#[allow(
    clippy::cast_possible_truncation,
    reason = "the API's times are around 1.8e9 s, far inside i64; `as` saturates anyway"
)]
fn unix_seconds(t: f64) -> i64 {
    t as i64
}

/// Version, staleness and the start of today; returns (now, start of today).
fn check_response_header(v: &Value) -> (f64, i64) {
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["stale_after_seconds"], 30.0);
    let now = v["now_unix_seconds"].as_f64().unwrap();
    // Today starts at French midnight (22:00 or 23:00 UTC), not at the host's.
    let today_start = v["today_start_unix_seconds"].as_i64().unwrap();
    assert_eq!(today_start, local_midnight(unix_seconds(now)));
    assert!(today_start as f64 <= now && now - (today_start as f64) < 86_400.0 + 3600.0);
    assert!([3600, 7200].contains(&(86_400 - today_start.rem_euclid(86_400))));
    (now, today_start)
}

/// Every documented field is there, in the meter and in its nested objects.
fn check_documented_fields(m: &Value) {
    let name = m["name"].as_str().unwrap();
    has_fields(m, METER_FIELDS, name);
    has_fields(&m["health"], HEALTH_FIELDS, name);
    for p in m["phases"].as_array().unwrap() {
        has_fields(p, PHASE_FIELDS, name);
    }
    has_fields(&m["tariff"], TARIFF_FIELDS, name);
    for p in m["tariff"]["periods"].as_array().unwrap() {
        has_fields(p, PERIOD_FIELDS, name);
    }
}

/// The values every up demo meter has: readings, today, health, one active period.
fn check_common_values(m: &Value, today_start: i64) {
    let name = m["name"].as_str().unwrap();
    assert_eq!(m["up"], true);
    assert!(m["apparent_power_va"].is_u64(), "{name}: {m:#}");
    assert!(m["energy_drawn_wh"].is_u64(), "{name}");
    assert!(m["energy_today_wh"].is_u64(), "{name}");
    // The demo's history starts 48 hours back: its day counts from midnight.
    assert_eq!(m["today_since_unix_seconds"], today_start as f64, "{name}");
    assert!(m["health"]["frame_age_seconds"].as_f64().unwrap() < 30.0);
    assert_eq!(m["health"]["checksum_error_ratio"], 0.0, "{name}");
    // Exactly one active period, and it is the tariff's period.
    let periods = m["tariff"]["periods"].as_array().unwrap();
    let active: Vec<&Value> = periods.iter().filter(|p| p["active"] == true).collect();
    assert_eq!(active.len(), 1, "{name}: {periods:?}");
    assert_eq!(active[0]["period"], m["tariff"]["period"]);
}

/// The bounded history, ending now.
fn check_history(m: &Value, now: f64) {
    let name = m["name"].as_str().unwrap();
    let p = &m["history"]["power_24h"];
    assert_eq!(p["step_seconds"], 120);
    assert_eq!(p["avg_va"].as_array().unwrap().len(), 720);
    assert_eq!(p["max_va"].as_array().unwrap().len(), 720);
    let start = p["start_unix_seconds"].as_i64().unwrap();
    assert_eq!(start % 120, 0);
    assert!((start + 720 * 120) as f64 > now && ((start + 719 * 120) as f64) <= now);
    assert!(p["avg_va"][719].is_u64(), "{name}: no point for now");
    let h = &m["history"]["energy_per_hour"];
    assert_eq!(h["step_seconds"], 3600);
    assert_eq!(h["drawn_wh"].as_array().unwrap().len(), 48);
}

fn check_historic_mono(demo: &Value) {
    assert_eq!(demo["mode"], "historic");
    assert_eq!(demo["source"], "demo:historic");
    assert_eq!(demo["three_phase"], false);
    assert_eq!(demo["phases"].as_array().unwrap().len(), 1);
    assert_eq!(demo["tariff"]["option"], "HC..");
    assert!(demo["phases"][0]["overload_current_amperes"].is_u64());
    assert_eq!(demo["status_flags"], Value::Null);
    assert_eq!(demo["status_warnings"], Value::Null);
}

fn check_standard_tempo(tri: &Value) {
    assert_eq!(tri["mode"], "standard");
    assert_eq!(tri["three_phase"], true);
    let phases = tri["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 3);
    for p in phases {
        assert!(
            p["voltage_volts"].is_u64() && p["apparent_power_va"].is_u64(),
            "{p}"
        );
    }
    assert!(["blue", "white", "red"].contains(&tri["tempo"]["today"].as_str().unwrap()));
    assert_eq!(tri["relays"].as_array().unwrap().len(), 8);
    assert_eq!(tri["status_flags"].as_object().unwrap().len(), 7);
    assert_eq!(tri["reference_power_va"], 12000);
}

/// The producer's injection fields, which a consumer (`demo`) has as `null`.
fn check_producer(solar: &Value, demo: &Value) {
    assert_eq!(solar["producer"], true);
    assert_eq!(solar["status_flags"]["producer"], true);
    assert!(solar["injected_power_va"].is_u64());
    assert!(solar["energy_injected_wh"].is_u64());
    assert!(solar["energy_injected_today_wh"].is_u64());
    assert_eq!(demo["energy_injected_today_wh"], Value::Null);
}

fn check_historic_tri(htri: &Value) {
    assert_eq!(htri["mode"], "historic");
    assert_eq!(htri["three_phase"], true);
    for p in htri["phases"].as_array().unwrap() {
        assert!(
            p["current_amperes"].is_u64() && p["absent"].is_boolean(),
            "{p}"
        );
    }
}

/// Replays a synthetic capture at full speed and returns the API once its frame is in.
fn replayed(fixture: &str) -> (Exporter, Value) {
    replay_file(&data(&format!("synthetic/{fixture}.tic")), 1)
}

/// Replays `path` at full speed and returns the API once its `frames` frames are in.
fn replay_file(path: &std::path::Path, frames: u64) -> (Exporter, Value) {
    let source = format!("home=file:{}", path.display());
    let e = Exporter::start(&["--source", &source, "--replay-speed", "max"]);
    let v = wait_api(&e, "the replayed frames", |v| {
        v["meters"][0]["health"]["frames_total"] == frames
    });
    let m = v["meters"][0].clone();
    (e, m)
}

/// Writes a capture made of `bytes` for one test and replays it.
fn replay_bytes(name: &str, bytes: &[u8], frames: u64) -> (Exporter, Value) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.tic"));
    std::fs::write(&path, bytes).unwrap();
    replay_file(&path, frames)
}

#[test]
fn a_single_phase_overload_gives_the_current_and_its_excess_over_the_subscription() {
    // The issue's case: 26 A drawn on a 20 A subscription. ADPS carries the current (026),
    // not the excess: 6 A over.
    let mut capture = Vec::new();
    let mut w = FrameWriter::new(&mut capture, Mode::Historic);
    for (label, value) in [
        ("ADCO", "021728123456"),
        ("OPTARIF", "BASE"),
        ("ISOUSC", "20"),
        ("BASE", "012345678"),
        ("PTEC", "TH.."),
        ("IINST", "026"),
        ("ADPS", "026"),
        ("IMAX", "090"),
        ("PAPP", "05980"),
        ("HHPHC", "A"),
        ("MOTDETAT", "000000"),
    ] {
        w.group(label, value).unwrap();
    }
    w.finish();
    let (_e, m) = replay_bytes("overload_mono", &capture, 1);
    assert_eq!(m["overload"], true);
    assert_eq!(m["subscribed_current_amperes"], 20);
    assert_eq!(m["subscribed_power_va"], 20 * 200);
    let phase = &m["phases"][0];
    assert_eq!(phase["current_amperes"], 26);
    assert_eq!(phase["overload_current_amperes"], 26);
    assert_eq!(phase["overload_excess_amperes"], 6, "{phase}");
}

#[test]
fn a_three_phase_overload_gives_the_excess_of_the_overloaded_phase_only() {
    // A long frame (ISOUSC 20 per phase), then a short frame with phase 2 at 32 A (ADIR2).
    let mut capture = read("synthetic/historic_tri_base.tic");
    capture.extend(read("synthetic/historic_tri_short.tic"));
    let (_e, m) = replay_bytes("overload_tri", &capture, 2);
    assert_eq!(m["overload"], true);
    assert_eq!(m["subscribed_current_amperes"], 20);
    // ISOUSC is per phase: 20 A × 200 V × 3.
    assert_eq!(m["subscribed_power_va"], 12_000);
    let over: Vec<(&Value, &Value)> = m["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                &p["overload_current_amperes"],
                &p["overload_excess_amperes"],
            )
        })
        .collect();
    assert_eq!(
        over,
        [
            (&0.into(), &Value::Null),
            (&32.into(), &12.into()),
            (&0.into(), &Value::Null)
        ]
    );
}

#[test]
fn a_three_phase_meter_that_starts_in_an_overload_has_no_excess_until_isousc() {
    // Only the short frame: the current is known, the subscription is not.
    let (_e, m) = replayed("historic_tri_short");
    assert_eq!(m["overload"], true);
    assert_eq!(m["subscribed_current_amperes"], Value::Null);
    assert_eq!(m["subscribed_power_va"], Value::Null);
    assert_eq!(m["phases"][1]["overload_current_amperes"], 32);
    assert_eq!(m["phases"][1]["overload_excess_amperes"], Value::Null);
}

#[test]
fn a_replayed_historic_capture_gives_its_exact_values() {
    let (_e, m) = replayed("historic_mono_hc");
    assert_eq!(m["state"], "up");
    assert_eq!(m["mode"], "historic");
    assert_eq!(m["serial"], "031762120162");
    assert_eq!(m["apparent_power_va"], 2800);
    assert_eq!(m["subscribed_current_amperes"], 45);
    assert_eq!(m["subscribed_power_va"], 45 * 200);
    assert_eq!(m["phases"][0]["current_amperes"], 12);
    assert_eq!(m["phases"][0]["overload_current_amperes"], 0);
    assert_eq!(m["phases"][0]["overload_excess_amperes"], Value::Null);
    assert_eq!(m["overload"], false);
    assert_eq!(m["energy_drawn_wh"], 1_234_567 + 7_654_321);
    let t = &m["tariff"];
    assert_eq!(
        (&t["option"], &t["period"]),
        (&"HC..".into(), &"HCHP".into())
    );
    assert_eq!(t["period_name"], "HP..");
    assert_eq!(
        (&t["period_kind"], &t["period_color"]),
        (&"peak".into(), &Value::Null)
    );
    let periods = t["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[0]["period"], "HCHC");
    assert_eq!(periods[0]["index_wh"], 1_234_567);
    assert_eq!(periods[0]["active"], false);
    assert_eq!(periods[1]["period"], "HCHP");
    assert_eq!(periods[1]["index_wh"], 7_654_321);
    assert_eq!(periods[1]["name"], "HP..");
    assert_eq!(periods[1]["active"], true);
    assert_eq!(periods[0]["kind"], "off_peak");
    assert_eq!(periods[1]["kind"], "peak");
    // One frame is a baseline: no energy yet today.
    assert_eq!(m["energy_today_wh"], 0);
    assert_eq!(periods[1]["today_wh"], 0);
    assert_eq!(m["tempo"], Value::Null);
    assert_eq!(m["health"]["checksum_error_ratio"], 0.0);
    assert_eq!(m["history"]["power_24h"]["avg_va"][719], 2800);
    assert_eq!(m["history"]["power_24h"]["max_va"][719], 2800);
}

#[test]
fn a_replayed_three_phase_tempo_capture_gives_its_exact_values() {
    let (_e, m) = replayed("standard_tri_tempo");
    assert_eq!(m["mode"], "standard");
    assert_eq!(m["three_phase"], true);
    assert_eq!(m["apparent_power_va"], 1905);
    assert_eq!(m["reference_power_va"], 12000);
    assert_eq!(m["subscribed_power_va"], 12000);
    assert_eq!(m["cutoff_power_va"], 12000);
    let phases: Vec<[u64; 3]> = m["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            [
                p["current_amperes"].as_u64().unwrap(),
                p["voltage_volts"].as_u64().unwrap(),
                p["apparent_power_va"].as_u64().unwrap(),
            ]
        })
        .collect();
    assert_eq!(phases, [[3, 238, 695], [1, 239, 250], [4, 237, 960]]);
    assert_eq!(m["tempo"]["today"], "blue");
    assert_eq!(m["tempo"]["tomorrow"], "red");
    assert_eq!(m["mobile_peak"]["notice"], 1);
    assert_eq!(m["mobile_peak"]["active"], 0);
    assert_eq!(m["tariff"]["calendar"], "TEMPO");
    assert_eq!(m["tariff"]["period"], "EASF02");
    assert_eq!(m["tariff"]["period_name"], "HP  BLEU");
    // The supplier's words, read by the API so that the page does not parse them.
    assert_eq!(m["tariff"]["period_kind"], "peak");
    assert_eq!(m["tariff"]["period_color"], "blue");
    assert_eq!(m["tariff"]["periods"].as_array().unwrap().len(), 10);
    assert_eq!(m["energy_drawn_wh"], 31_427_787);
    assert_eq!(m["relays"][0]["closed"], true);
    assert_eq!(m["relays"][1]["closed"], false);
    assert_eq!(m["cutoff_device"], "closed");
    assert_eq!(m["status_flags"]["dry_contact_open"], false);
    assert_eq!(m["status_warnings"], serde_json::json!([]));
    assert_eq!(m["producer"], false);
}

#[test]
fn a_replayed_producer_capture_gives_its_exact_values() {
    let (_e, m) = replayed("standard_mono_producer");
    assert_eq!(m["producer"], true);
    assert_eq!(m["apparent_power_va"], 0);
    assert_eq!(m["injected_power_va"], 2650);
    assert_eq!(m["energy_injected_wh"], 4_812_345);
    assert_eq!(m["energy_injected_today_wh"], 0);
    assert_eq!(m["phases"][0]["voltage_volts"], 241);
    assert_eq!(m["status_flags"]["producer"], true);
    assert_eq!(m["tariff"]["period_name"], "INDEX NON CONSO");
    assert_eq!(m["tariff"]["period_kind"], "production_only");
    assert_eq!(m["tariff"]["period_color"], Value::Null);
    let inj = &m["history"]["power_24h"]["injected_avg_va"];
    assert_eq!(inj[719], 2650);
}

#[test]
fn a_missing_device_is_waiting_and_a_stale_replay_is_down_with_its_last_values() {
    let replay = format!(
        "home=file:{}",
        data("synthetic/historic_mono_base.tic").display()
    );
    let e = Exporter::start(&[
        "--source",
        "gone=/dev/ttyTELEINFO-MISSING",
        "--source",
        &replay,
        "--replay-speed",
        "max",
        "--stale-after",
        "5s",
    ]);
    let v = wait_api(&e, "the replay to go stale", |v| {
        meter(v, "home")["state"] == "down"
    });
    let gone = meter(&v, "gone");
    assert_eq!(gone["state"], "waiting");
    assert_eq!(gone["up"], false);
    assert_eq!(gone["source_open"], false);
    assert_eq!(gone["source"], "/dev/ttyTELEINFO-MISSING");
    assert_eq!(gone["mode"], Value::Null);
    assert_eq!(gone["apparent_power_va"], Value::Null);
    assert_eq!(gone["phases"].as_array().unwrap().len(), 0);
    assert_eq!(gone["health"]["frame_age_seconds"], Value::Null);
    assert_eq!(gone["health"]["checksum_error_ratio"], Value::Null);
    assert!(
        gone["history"]["power_24h"]["avg_va"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null)
    );

    // Down: the last values stay, with their age, unlike /metrics.
    let home = meter(&v, "home");
    assert_eq!(home["up"], false);
    assert_eq!(home["apparent_power_va"], 1520);
    assert!(home["health"]["frame_age_seconds"].as_f64().unwrap() >= 1.0);
    assert!(!e.metrics().contains("teleinfo_papp_va"));
}

#[test]
fn only_get_and_head_and_the_page_assets() {
    let e = Exporter::start(&["--source", "demo"]);
    let (status, headers, _) = e.request_with("POST", "/api/v1/meters", &[]);
    assert_eq!(status, 405);
    assert!(headers.contains(&("allow".into(), "GET, HEAD".into())));
    assert_eq!(e.request("PUT", "/assets/app.js", None).0, 405);
    assert_eq!(e.request("GET", "/api/v1/meter", None).0, 404);
    assert_eq!(e.request("GET", "/assets/nope.js", None).0, 404);
    let (status, _, body) = e.request("HEAD", "/api/v1/meters", None);
    assert_eq!((status, body.as_str()), (200, ""));

    let (status, headers, page) = e.request_with("GET", "/", &[]);
    assert_eq!(status, 200);
    let header = |h: &[(String, String)], name: &str| {
        h.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert!(header(&headers, "content-security-policy").contains("default-src 'none'"));
    assert!(page.contains("/assets/app.js") && page.contains("/assets/style.css"));
    // The <noscript> table is rendered by the server.
    assert!(page.contains("<td>demo:historic</td>"), "{page}");

    for (path, ct) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/render.js", "text/javascript; charset=utf-8"),
        ("/assets/charts.js", "text/javascript; charset=utf-8"),
        ("/assets/dom.js", "text/javascript; charset=utf-8"),
        ("/assets/format.js", "text/javascript; charset=utf-8"),
        ("/assets/scale.js", "text/javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
    ] {
        let (status, headers, body) = e.request_with("GET", path, &[]);
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), ct);
        assert_eq!(header(&headers, "cache-control"), "no-cache");
        assert!(!body.is_empty());
        let etag = header(&headers, "etag");
        assert!(etag.starts_with('"'), "{etag}");
        let (status, _, body) = e.request_with("GET", path, &[("If-None-Match", &etag)]);
        assert_eq!((status, body.as_str()), (304, ""));
        let (status, _, _) = e.request_with("GET", path, &[("If-None-Match", "\"old\"")]);
        assert_eq!(status, 200);
    }
}

#[test]
fn history_accepts_only_true_and_false_and_other_values_are_refused() {
    let e = Exporter::start(&["--source", "demo"]);
    // The documented values, and unknown parameters (cache busters), which are ignored.
    for (query, with_history) in [
        ("", true),
        ("?history=true", true),
        ("?history=false", false),
        ("?_=1733580002&history=false", false),
        ("?x=1", true),
    ] {
        let v = api(&e, query);
        for m in v["meters"].as_array().unwrap() {
            assert_eq!(m["history"].is_object(), with_history, "{query}: {m:#}");
        }
    }
    // Anything else is refused, not silently read as "true".
    for query in [
        "?history=False",
        "?history=off",
        "?history=0",
        "?history=1",
        "?history=",
        "?history",
        "?history=true&history=false",
    ] {
        for method in ["GET", "HEAD"] {
            let (status, headers, body) =
                e.request_with(method, &format!("/api/v1/meters{query}"), &[]);
            assert_eq!(status, 400, "{method} {query}: {body}");
            assert!(
                headers.contains(&("content-type".into(), "text/plain; charset=utf-8".into())),
                "{query}: {headers:?}"
            );
            if method == "GET" {
                assert!(
                    body.contains("history") && body.contains("true") && body.contains("false"),
                    "{query}: {body}"
                );
            }
        }
    }
}

#[test]
fn the_checksum_error_ratio_is_bad_groups_over_groups_received_as_in_the_metrics() {
    // The HP/HC frame (11 groups), then the same frame with PAPP's checksum spoilt: 21 valid
    // groups and 1 bad checksum, so 1 / 22 of the groups received, while 1 of the 2 frames
    // is unclean (a per-frame ratio would say 50 %).
    let good = read("synthetic/historic_mono_hc.tic");
    let text = String::from_utf8(good.clone()).unwrap();
    assert!(text.contains("PAPP 02800 +"));
    let mut capture = good;
    capture.extend(text.replace("PAPP 02800 +", "PAPP 02800 *").into_bytes());
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("one_bad_checksum.tic");
    std::fs::write(&path, &capture).unwrap();
    let source = format!("home=file:{}", path.display());
    let e = Exporter::start(&["--source", &source, "--replay-speed", "max"]);
    let v = wait_api(&e, "both frames", |v| {
        v["meters"][0]["health"]["groups_total"] == 21
    });
    let h = &v["meters"][0]["health"];
    assert_eq!(h["frames_total"], 1, "{h}");
    assert_eq!(h["checksum_errors_total"], 1, "{h}");
    assert_eq!(h["checksum_error_ratio"], 0.045455, "{h}"); // 1 / 22, to 6 decimals
    // /metrics has the two counters of the same ratio.
    let m = e.metrics();
    assert_eq!(
        sample(&m, "teleinfo_groups_total{meter=\"home\"}"),
        Some(21.0)
    );
    assert_eq!(
        sample(&m, "teleinfo_checksum_errors_total{meter=\"home\"}"),
        Some(1.0)
    );
}

/// Object keys must match at every level (arrays: their first elements), and the fixed
/// steps of the history must have their real values; other values are examples.
fn same_shape(example: &Value, real: &Value, path: &str) {
    match (example, real) {
        (Value::Object(e), Value::Object(r)) => {
            let (ek, rk): (Vec<_>, Vec<_>) = (e.keys().collect(), r.keys().collect());
            assert_eq!(ek, rk, "README example keys at {path}");
            for (k, v) in e {
                let at = format!("{path}.{k}");
                if k == "step_seconds" {
                    assert_eq!(v, &r[k], "README example at {at}");
                }
                same_shape(v, &r[k], &at);
            }
        }
        (Value::Array(e), Value::Array(r)) => {
            if let (Some(e), Some(r)) = (e.first(), r.first()) {
                same_shape(e, r, &format!("{path}[0]"));
            }
        }
        _ => {}
    }
}

#[test]
fn the_readme_json_example_has_the_shape_of_a_real_answer() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let after = readme
        .split("A historic single-phase meter on HP/HC")
        .nth(1)
        .expect("the example's introduction");
    let block = after
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a json block");
    let example: Value = serde_json::from_str(block).expect("the README example is JSON");
    let source = format!(
        "home=file:{}",
        data("synthetic/historic_mono_hc.tic").display()
    );
    let e = Exporter::start(&["--source", &source, "--replay-speed", "max"]);
    let real = wait_api(&e, "the replayed frame", |v| {
        v["meters"][0]["health"]["frames_total"] == 1
    });
    same_shape(&example, &real, "$");
}

#[test]
fn a_noisy_line_gets_the_link_doctors_counts_and_advice() {
    let path = data("real/ticdecodecpp__continuous_linky_3P_historical_TIC_with_rx_errors.bin");
    let (e, _) = replay_file(&path, 5);
    let size = std::fs::metadata(&path).unwrap().len();
    let v = wait_api(&e, "the whole capture", |v| {
        v["meters"][0]["health"]["bytes_total"] == size
    });
    let h = &v["meters"][0]["health"];
    let causes = h["line_errors"]
        .as_object()
        .expect("line_errors is an object");
    assert_eq!(causes.len(), 12, "every cause, zero or not: {causes:?}");
    assert_eq!(h["line_errors"]["checksum"], h["checksum_errors_total"]);
    assert_eq!(
        h["line_errors"]["cooked_tty"].as_u64().map(|n| n > 0),
        Some(true)
    );
    // The advice: the most frequent causes first, each with its sentence, as in /metrics.
    let advice = h["advice"].as_array().expect("advice is a list");
    assert!((1..=3).contains(&advice.len()), "{advice:?}");
    let counts: Vec<u64> = advice
        .iter()
        .map(|a| a["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let metrics = e.metrics();
    for a in advice {
        let cause = a["cause"].as_str().unwrap();
        assert!(
            a["advice"].as_str().is_some_and(|t| t.ends_with('.')),
            "{a}"
        );
        let series = format!("teleinfo_line_errors_total{{meter=\"home\",cause=\"{cause}\"}}");
        assert_eq!(sample(&metrics, &series), a["count"].as_f64(), "{series}");
    }
}
