//! The metric mapping on the synthetic fixtures: exact expected exposition for each, as insta
//! snapshots in `tests/data/expected/` (reviewed line by line against the frames of the
//! protocol digest).

use super::family::{Family, Scope, Type};
use super::*;
use crate::meter::plausibility::Stamp;
use crate::tic::Decoder;

const T0: f64 = 1_700_000_000.0;

/// A meter fed with the fixture files in order, one second per frame, source open.
fn meter_from(files: &[&str]) -> Meter {
    let mut meter = Meter::new("home");
    meter.health_mut().open = true;
    let mut decoder = Decoder::new();
    let mut t = T0;
    for file in files {
        let path = format!(
            "{}/tests/data/synthetic/{file}.tic",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        decoder.feed(&bytes, |frame| {
            t += 1.0;
            meter.apply(frame, Stamp { host: t, line: 0.0 });
        });
        meter.record_decoder(decoder.stats(), false);
    }
    meter
}

fn render(meters: Vec<Meter>, now: f64, format: Format) -> String {
    Snapshot {
        meters,
        now,
        stale_after: 30.0,
    }
    .render(format)
}

/// Renders the fixtures and compares the exposition with its committed snapshot,
/// `tests/data/expected/{snapshot}.snap` (also what tests/serve_replay.rs scrapes for). A
/// mismatch fails the test; `cargo insta review` (or `INSTA_UPDATE=always`) accepts a change
/// on purpose, CI never does. The version is `@VERSION@` there, so that a release does not
/// touch the snapshots.
fn check(files: &[&str], snapshot: &str, format: Format) {
    let got = render(vec![meter_from(files)], T0 + 10.0, format);
    let got = got.replace(
        &format!("version=\"{}\"", env!("CARGO_PKG_VERSION")),
        "version=\"@VERSION@\"",
    );
    insta::with_settings!({
        snapshot_path => "../../tests/data/expected",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snapshot, got);
    });
}

#[test]
fn historic_mono_base() {
    check(
        &["historic_mono_base"],
        "historic_mono_base.prom",
        Format::Text,
    );
}

#[test]
fn historic_mono_hc() {
    check(&["historic_mono_hc"], "historic_mono_hc.prom", Format::Text);
}

#[test]
fn historic_tri_long_frame() {
    check(
        &["historic_tri_base"],
        "historic_tri_base.prom",
        Format::Text,
    );
}

#[test]
fn historic_tri_short_frame_after_a_long_one() {
    check(
        &["historic_tri_base", "historic_tri_short"],
        "historic_tri_base_then_short.prom",
        Format::Text,
    );
}

#[test]
fn historic_tri_interrupted_stream() {
    check(
        &["historic_tri_interrupted"],
        "historic_tri_interrupted.prom",
        Format::Text,
    );
}

#[test]
fn standard_mono_hchp() {
    check(
        &["standard_mono_hchp"],
        "standard_mono_hchp.prom",
        Format::Text,
    );
}

#[test]
fn standard_tri_tempo() {
    check(
        &["standard_tri_tempo"],
        "standard_tri_tempo.prom",
        Format::Text,
    );
}

#[test]
fn standard_mono_producer() {
    check(
        &["standard_mono_producer"],
        "standard_mono_producer.prom",
        Format::Text,
    );
}

#[test]
fn openmetrics_format() {
    check(
        &["standard_mono_producer"],
        "standard_mono_producer.openmetrics",
        Format::OpenMetrics,
    );
}

#[test]
fn stale_meter_keeps_only_its_health_series() {
    let text = render(
        vec![meter_from(&["historic_mono_base"])],
        T0 + 100.0,
        Format::Text,
    );
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(samples.contains(&"teleinfo_up{meter=\"home\"} 0"), "{text}");
    assert!(
        samples.iter().all(|l| !l.starts_with("teleinfo_papp_va")),
        "{text}"
    );
    assert!(
        samples.iter().all(|l| !l.starts_with("teleinfo_index_wh")),
        "{text}"
    );
    assert!(
        samples.contains(&"teleinfo_frames_total{meter=\"home\"} 1"),
        "{text}"
    );
    assert!(
        samples.contains(&"teleinfo_last_frame_timestamp_seconds{meter=\"home\"} 1700000001.0"),
        "{text}"
    );
}

#[test]
fn out_of_range_values_are_a_kind_of_frame_error_apart_from_implausible_indexes() {
    let mut m = meter_from(&["historic_mono_base"]);
    m.health_mut().implausible = 2;
    m.health_mut().out_of_range = 5;
    let text = render(vec![m], T0 + 2.0, Format::Text);
    for line in [
        "teleinfo_frame_errors_total{meter=\"home\",kind=\"implausible\"} 2\n",
        "teleinfo_frame_errors_total{meter=\"home\",kind=\"out_of_range\"} 5\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn closed_source_is_down_even_with_a_recent_frame() {
    let mut m = meter_from(&["historic_mono_base"]);
    m.health_mut().open = false;
    let text = render(vec![m], T0 + 2.0, Format::Text);
    assert!(text.contains("teleinfo_up{meter=\"home\"} 0\n"), "{text}");
    assert!(!text.contains("teleinfo_papp_va"), "{text}");
}

#[test]
fn several_meters_are_grouped_by_family() {
    let mut a = meter_from(&["historic_mono_base"]);
    let b = meter_from(&["standard_mono_producer"]);
    a = {
        let mut renamed = Meter::new("garage");
        *renamed.health_mut() = *a.health();
        let path = format!(
            "{}/tests/data/synthetic/historic_mono_base.tic",
            env!("CARGO_MANIFEST_DIR")
        );
        Decoder::new().feed(&std::fs::read(path).unwrap(), |f| {
            renamed.apply(
                f,
                Stamp {
                    host: T0 + 1.0,
                    line: 0.0,
                },
            )
        });
        renamed
    };
    let text = render(vec![a, b], T0 + 5.0, Format::Text);
    let papp: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("teleinfo_papp_va{"))
        .collect();
    assert_eq!(
        papp,
        [
            "teleinfo_papp_va{meter=\"garage\"} 1520",
            "teleinfo_papp_va{meter=\"home\"} 0"
        ]
    );
    assert_eq!(text.matches("# TYPE teleinfo_papp_va gauge").count(), 1);
}

/// One family row of a docs/metrics.md table (`| metric | type | labels | …`): the heading
/// it is under, the exposed name, the type cell and the label names.
struct DocFamily {
    section: String,
    name: String,
    kind: String,
    labels: Vec<String>,
}

/// The families of docs/metrics.md as it is written: every row of a table whose header
/// starts with `| metric | type | labels |`, under the `## ` heading it follows.
fn doc_families() -> Vec<DocFamily> {
    let doc = include_str!("../../docs/metrics.md");
    let mut section = "";
    let mut in_table = false;
    let mut families = Vec::new();
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading;
        }
        if line.starts_with("| metric | type | labels |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        families.push(DocFamily {
            section: section.to_owned(),
            name: cells[1].trim_matches('`').to_owned(),
            kind: cells[2].to_owned(),
            labels: doc_labels(cells[3]),
        });
    }
    families
}

/// The label names of a labels cell: `meter, day (today, yesterday), flag ∈ {a, b}` gives
/// meter, day, flag (the value sets in brackets are dropped).
fn doc_labels(cell: &str) -> Vec<String> {
    let mut depth = 0;
    let names: String = cell
        .chars()
        .filter(|&c| {
            match c {
                '(' | '{' => depth += 1,
                ')' | '}' => depth -= 1,
                _ => return depth == 0,
            }
            false
        })
        .collect();
    names
        .split(',')
        .filter_map(|n| n.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The type a docs/metrics.md type cell names.
fn doc_type(cell: &str) -> Type {
    match cell {
        "counter" => Type::Counter,
        "gauge (0/1)" => Type::Flag,
        "gauge (=1)" => Type::Info,
        // A plain value, or a small code with its range: `gauge (0-7)`.
        _ if cell == "gauge" || cell.starts_with("gauge (") => Type::Gauge,
        _ => panic!("docs/metrics.md: unknown type {cell:?}"),
    }
}

#[test]
fn the_family_table_is_the_catalog_of_docs_metrics_md() {
    let doc = doc_families();
    let table: Vec<String> = FAMILIES.iter().map(Family::exposed_name).collect();
    let documented: Vec<&str> = doc.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(table, documented, "the same families, in the same order");
    for (family, d) in FAMILIES.iter().zip(&doc) {
        assert_eq!(family.kind, doc_type(&d.kind), "{}: type", d.name);
        assert_eq!(family.labels, d.labels, "{}: labels", d.name);
        let health = d.section.starts_with("Reading health");
        let per_source = matches!(family.scope, Scope::Source | Scope::Process);
        assert_eq!(
            per_source, health,
            "{}: scope {:?} under {:?}",
            d.name, family.scope, d.section
        );
        match family.scope {
            Scope::Phase => assert!(family.labels.contains(&"phase"), "{}", d.name),
            Scope::Period => assert!(family.labels.contains(&"period"), "{}", d.name),
            Scope::Process => assert!(!family.labels.contains(&"meter"), "{}", d.name),
            _ => assert_eq!(family.labels.first(), Some(&"meter"), "{}", d.name),
        }
        assert!(
            !family.name.ends_with("_total"),
            "{}: the crate appends _total",
            family.name
        );
    }
}

#[test]
fn the_doc_parser_reads_every_table_row() {
    // Every backquoted teleinfo_ name at the start of a table row is a family row: none is
    // missed because its table is written another way.
    let doc = include_str!("../../docs/metrics.md");
    let rows = doc
        .lines()
        .filter(|l| l.starts_with("| `teleinfo_"))
        .count();
    assert_eq!(rows, doc_families().len());
    assert_eq!(
        doc_labels("meter, direction (drawn, injected), point (current, previous)"),
        ["meter", "direction", "point"]
    );
    assert_eq!(doc_labels("meter, flag ∈ {a, b}"), ["meter", "flag"]);
}
