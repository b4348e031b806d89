//! Each synthetic fixture replayed through `file:` into the real binary: the scraped values
//! are those of the golden expositions of the unit tests (their insta snapshots).

mod common;

use common::data;
use common::exporter::{Exporter, sample};

/// The exposition in an insta snapshot of src/metrics/tests.rs: what follows its header.
fn snapshot_body(snap: &str) -> &str {
    let body = snap
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"));
    body.map_or_else(|| panic!("not an insta snapshot"), |(_, body)| body)
}

/// Lines of the golden exposition that depend on when the test runs.
fn timeless(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            !l.starts_with("teleinfo_last_frame_timestamp_seconds")
                && !l.starts_with("teleinfo_meter_clock_offset_seconds")
        })
        .map(|l| l.replace("@VERSION@", env!("CARGO_PKG_VERSION")))
        .collect()
}

fn replay_matches_golden(fixture: &str, golden: &str) {
    let source = format!(
        "home=file:{}",
        data(&format!("synthetic/{fixture}.tic")).display()
    );
    let exporter = Exporter::start(&["--source", &source, "--replay-speed", "max"]);
    let scrape = exporter.wait_for("the end of the replay", |m| {
        m.contains("teleinfo_up{meter=\"home\"} 1")
            && sample(m, "teleinfo_bytes_total{meter=\"home\"}")
                == Some(
                    std::fs::metadata(data(&format!("synthetic/{fixture}.tic")))
                        .unwrap()
                        .len() as f64,
                )
    });
    let snap = std::fs::read_to_string(data(&format!("expected/{golden}.snap"))).unwrap();
    let want = timeless(snapshot_body(&snap));
    let got = timeless(&scrape);
    assert_eq!(got, want, "{fixture}\nlog:\n{}", exporter.log());
}

#[test]
fn historic_mono_base() {
    replay_matches_golden("historic_mono_base", "historic_mono_base.prom");
}

#[test]
fn historic_mono_hc() {
    replay_matches_golden("historic_mono_hc", "historic_mono_hc.prom");
}

#[test]
fn historic_tri_base() {
    replay_matches_golden("historic_tri_base", "historic_tri_base.prom");
}

#[test]
fn historic_tri_interrupted() {
    replay_matches_golden("historic_tri_interrupted", "historic_tri_interrupted.prom");
}

#[test]
fn standard_mono_hchp() {
    replay_matches_golden("standard_mono_hchp", "standard_mono_hchp.prom");
}

#[test]
fn standard_tri_tempo() {
    replay_matches_golden("standard_tri_tempo", "standard_tri_tempo.prom");
}

#[test]
fn standard_mono_producer() {
    replay_matches_golden("standard_mono_producer", "standard_mono_producer.prom");
}

#[test]
fn a_finished_replay_goes_stale() {
    let source = format!(
        "home=file:{}",
        data("synthetic/historic_mono_base.tic").display()
    );
    let exporter = Exporter::start(&[
        "--source",
        &source,
        "--replay-speed",
        "max",
        "--stale-after",
        "5s",
    ]);
    exporter.wait_for("the frame", |m| {
        m.contains("teleinfo_papp_va{meter=\"home\"} 1520")
    });
    let stale = exporter.wait_for("staleness", |m| m.contains("teleinfo_up{meter=\"home\"} 0"));
    assert!(!stale.contains("teleinfo_papp_va"), "{stale}");
    assert!(
        stale.contains("teleinfo_frames_total{meter=\"home\"} 1"),
        "{stale}"
    );
}
