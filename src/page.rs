//! The live page at `/`: a hand-written HTML page, style sheet and script embedded in the
//! binary (no CDN, no build step, nothing fetched from elsewhere), which polls
//! `/api/v1/meters` and draws the values and charts.
//!
//! The page also carries a server-rendered table of the meters inside `<noscript>`, so that a
//! browser without JavaScript (a text browser over ssh on the Pi) still sees each meter's
//! state and main values, refreshed by a `<meta refresh>` that only such a browser obeys.

use std::fmt::Write;

use crate::config::SourceConfig;
use crate::metrics::Snapshot;

/// The page; `<!--noscript-table-->` is replaced by the table at each request.
const INDEX_HTML: &str = include_str!("web/index.html");
const NOSCRIPT_MARK: &str = "<!--noscript-table-->";

/// Everything the page loads comes from this server, and it loads nothing else: the script
/// cannot be made to send readings elsewhere, and a phone never waits on a third party.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// A static file of the page.
#[derive(Debug)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
    hash: u64,
}

impl Asset {
    const fn new(content_type: &'static str, body: &'static str) -> Asset {
        Asset {
            content_type,
            body,
            hash: fnv1a(body.as_bytes()),
        }
    }

    /// A strong ETag: the content's hash, fixed at compile time.
    pub fn etag(&self) -> String {
        format!("\"{:016x}\"", self.hash)
    }
}

/// FNV-1a, 64 bits: enough to tell two versions of a file apart.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

const JS: &str = "text/javascript; charset=utf-8";

/// The script, as ES modules loaded by the browser itself (no bundler): `app.js` is the entry
/// (`<script type="module">`) and imports the others from `/assets/` by relative paths.
static SCRIPTS: [(&str, Asset); 6] = [
    ("/assets/app.js", Asset::new(JS, include_str!("web/app.js"))),
    (
        "/assets/render.js",
        Asset::new(JS, include_str!("web/render.js")),
    ),
    (
        "/assets/charts.js",
        Asset::new(JS, include_str!("web/charts.js")),
    ),
    ("/assets/dom.js", Asset::new(JS, include_str!("web/dom.js"))),
    (
        "/assets/format.js",
        Asset::new(JS, include_str!("web/format.js")),
    ),
    (
        "/assets/scale.js",
        Asset::new(JS, include_str!("web/scale.js")),
    ),
];
static STYLE_CSS: Asset = Asset::new("text/css; charset=utf-8", include_str!("web/style.css"));

/// The asset served at `path`, if any.
pub fn asset(path: &str) -> Option<&'static Asset> {
    match path {
        "/assets/style.css" => Some(&STYLE_CSS),
        _ => SCRIPTS.iter().find(|(p, _)| *p == path).map(|(_, a)| a),
    }
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page, with the `<noscript>` table of the meters now.
pub fn index(snapshot: &Snapshot, sources: &[SourceConfig]) -> String {
    INDEX_HTML.replacen(NOSCRIPT_MARK, &noscript_table(snapshot, sources), 1)
}

/// Each meter at a glance: up or down, last frame age, power, energy, tariff period.
fn noscript_table(snapshot: &Snapshot, sources: &[SourceConfig]) -> String {
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
            .apparent_power_va()
            .map_or("–".to_owned(), |va| format!("{va} VA"));
        let energy = m.energy_drawn_wh().map_or("–".to_owned(), |wh| {
            format!("{:.3} kWh", wh as f64 / 1000.0)
        });
        let period = m.active_period().map_or("–".to_owned(), |(index, name)| {
            format!("{} ({})", esc(name), index.name())
        });
        let _ = writeln!(
            rows,
            "<tr><td>{name}</td><td>{source}</td><td>{state}</td><td>{age}</td>\
             <td>{power}</td><td>{energy}</td><td>{period}</td><td>{overload}</td></tr>",
            name = esc(m.name()),
            source = esc(&source.spec.to_string()),
            state = if up { "up" } else { "down" },
            overload = if m.overload() { "OVERLOAD" } else { "–" },
        );
    }
    format!(
        "<table class=\"plain\"><thead><tr><th>meter</th><th>source</th><th>state</th>\
         <th>last frame</th><th>apparent power</th><th>energy drawn</th><th>tariff period</th>\
         <th>overload</th></tr></thead><tbody>\n{rows}</tbody></table>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_small_and_self_contained() {
        let scripts = SCRIPTS.iter().map(|(_, a)| a.body);
        let total: usize = [INDEX_HTML, STYLE_CSS.body]
            .into_iter()
            .chain(scripts.clone())
            .map(str::len)
            .sum();
        assert!(total < 40 * 1024, "the page grew to {total} bytes");
        assert_eq!(INDEX_HTML.matches(NOSCRIPT_MARK).count(), 1);
        for text in [INDEX_HTML, STYLE_CSS.body].into_iter().chain(scripts) {
            // Nothing is loaded from another host (the SVG namespace is a name, not a load).
            let text = text.replace("http://www.w3.org/2000/svg", "");
            assert!(!text.contains("http://") && !text.contains("https://"));
            assert!(!text.contains("//cdn"));
        }
    }

    #[test]
    fn etags_differ_by_content() {
        let app = asset("/assets/app.js").unwrap();
        assert_ne!(app.etag(), STYLE_CSS.etag());
        assert_eq!(app.etag().len(), 18);
    }

    /// Every module a script imports is served, under the path the browser resolves it to
    /// (relative to `/assets/`), as JavaScript: a module with another type is refused.
    #[test]
    fn every_imported_module_is_served_as_javascript() {
        let mut imports = 0;
        for (path, a) in &SCRIPTS {
            assert_eq!(asset(path).map(|x| x.body), Some(a.body));
            assert!(a.content_type.starts_with("text/javascript"));
            for line in a.body.lines().filter(|l| l.starts_with("import ")) {
                let target = line
                    .split("from './")
                    .nth(1)
                    .and_then(|t| t.split('\'').next())
                    .unwrap_or_else(|| panic!("{path}: not a relative import: {line}"));
                assert!(
                    asset(&format!("/assets/{target}")).is_some(),
                    "{path}: {line}"
                );
                imports += 1;
            }
        }
        assert!(imports >= SCRIPTS.len() - 1, "{imports} imports");
        assert!(INDEX_HTML.contains(r#"<script type="module" src="/assets/app.js">"#));
    }
}
