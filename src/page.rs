//! The page at `/`: each meter at a glance (up, last frame age, main values) and a link to
//! `/metrics`. Rendered on the server from the same snapshot as a scrape.

use std::fmt::Write;

use crate::config::SourceConfig;
use crate::metrics::Snapshot;
use crate::tic::Label;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page.
pub fn index(snapshot: &Snapshot, sources: &[SourceConfig]) -> String {
    let mut rows = String::new();
    for (m, source) in snapshot.meters.iter().zip(sources) {
        let up = m.is_up(snapshot.now, snapshot.stale_after);
        let age = m
            .health()
            .last_frame
            .map_or("no frame yet".to_owned(), |t| {
                format!("{:.0} s ago", (snapshot.now - t).max(0.0))
            });
        let power = m
            .number(Label::Papp)
            .or_else(|| m.number(Label::Sinsts))
            .map_or("–".to_owned(), |va| format!("{va} VA"));
        let energy = m.energy_drawn_wh().map_or("–".to_owned(), |wh| {
            format!("{:.3} kWh", wh as f64 / 1000.0)
        });
        let period = m.active_period().map_or("–".to_owned(), |(index, name)| {
            format!("{} ({})", esc(name), index.name())
        });
        let _ = writeln!(
            rows,
            "<tr class=\"{class}\"><td>{name}</td><td>{source}</td><td>{state}</td><td>{age}</td>\
             <td>{power}</td><td>{energy}</td><td>{period}</td><td>{overload}</td></tr>",
            class = if up { "up" } else { "down" },
            name = esc(m.name()),
            source = esc(&source.spec.to_string()),
            state = if up { "up" } else { "down" },
            overload = if m.overload() { "OVERLOAD" } else { "–" },
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"5\">\
         <title>teleinfo-exporter</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}}\
         tr.down{{color:#999}}</style></head><body>\
         <h1>teleinfo-exporter {version}</h1>\
         <table><thead><tr><th>meter</th><th>source</th><th>state</th><th>last frame</th>\
         <th>apparent power</th><th>energy drawn</th><th>tariff period</th><th>overload</th>\
         </tr></thead><tbody>\n{rows}</tbody></table>\
         <p><a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a></p>\
         </body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
    )
}
