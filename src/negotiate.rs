//! Content negotiation for `/metrics`: which exposition format a scraper asked for.
//!
//! Prometheus sends an Accept header listing OpenMetrics first and the classic text format
//! as a fallback; curl and browsers send nothing useful. The choice is by q-value so that a
//! client that prefers text gets text, and OpenMetrics only in a version this server speaks.

use crate::metrics::Format;

/// Picks the exposition format from an Accept header, by q-value: OpenMetrics when the client
/// prefers it (Prometheus does), Prometheus text 0.0.4 otherwise.
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text;
    };
    let mut best = (Format::Text, -1.0f32);
    for range in accept.split(',') {
        let Some((format, q)) = media_range(range) else {
            continue;
        };
        if q > best.1 || (q == best.1 && format == Format::OpenMetrics) {
            best = (format, q);
        }
    }
    if best.1 > 0.0 { best.0 } else { Format::Text }
}

/// One media range of an Accept header: the format it names and its q-value, or `None` for
/// a type no exposition answers (`application/json`, an OpenMetrics version we do not speak).
fn media_range(range: &str) -> Option<(Format, f32)> {
    let mut parts = range.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut q = 1.0f32;
    let mut version = None;
    for param in parts {
        if let Some((k, v)) = param.split_once('=') {
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => q = v.trim().parse().unwrap_or(0.0),
                "version" => version = Some(v.trim()),
                _ => {}
            }
        }
    }
    let format = match media.as_str() {
        // We speak OpenMetrics 1.0.0; a client asking only for another version gets text.
        "application/openmetrics-text" if version.is_none_or(|v| v.starts_with("1.")) => {
            Format::OpenMetrics
        }
        "text/plain" | "text/*" | "*/*" => Format::Text,
        _ => return None,
    };
    Some((format, q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_gets_openmetrics() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(
            negotiate(Some(
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            )),
            Format::OpenMetrics
        );
    }

    #[test]
    fn others_get_text() {
        assert_eq!(negotiate(None), Format::Text);
        assert_eq!(negotiate(Some("*/*")), Format::Text);
        assert_eq!(negotiate(Some("text/plain;version=0.0.4")), Format::Text);
        assert_eq!(negotiate(Some("application/json")), Format::Text);
        // Only an OpenMetrics version we do not speak.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;version=0.0.1")),
            Format::Text
        );
        // Text preferred by q-value.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0.2,text/plain;q=0.9")),
            Format::Text
        );
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0")),
            Format::Text
        );
    }

    #[test]
    fn a_garbled_header_gets_text_and_no_panic() {
        for accept in [
            "",
            ",,,",
            ";q=1",
            "application/openmetrics-text;q=abc",
            "\u{e9};;=",
        ] {
            assert_eq!(negotiate(Some(accept)), Format::Text, "{accept:?}");
        }
    }
}
