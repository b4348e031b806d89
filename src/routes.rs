//! The HTTP routes: one `match` on method and path, and one small handler per route.
//!
//! Every route is read-only, so only GET and HEAD are allowed (405 with `Allow` otherwise,
//! on a path that exists; 404 on any other path, whatever the method). Handlers never touch
//! a source: they read [`AppState`], which copies the meters' current state.

use std::future::{Ready, ready};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::negotiate::negotiate;
use crate::page::Asset;
use crate::state::AppState;

/// The JSON API's path.
pub const API_METERS: &str = "/api/v1/meters";

/// The prefix of the live page's embedded assets.
const ASSETS: &str = "/assets/";

const TEXT: &str = "text/plain; charset=utf-8";

/// The handler [`crate::server::serve`] calls for each request: every route answers at once,
/// from memory.
pub fn handler(
    state: Arc<AppState>,
) -> impl Fn(Request<Incoming>) -> Ready<Response<Full<Bytes>>> + Clone + Send + Sync + 'static {
    move |req| ready(handle(&req, &state))
}

/// Routes one request. Generic over the body, which no route reads, so that tests can build
/// requests without a connection.
pub fn handle<B>(req: &Request<B>, state: &AppState) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    match (req.method(), path) {
        (&Method::GET | &Method::HEAD, "/metrics") => metrics(req, state),
        (&Method::GET | &Method::HEAD, "/healthz") => response(StatusCode::OK, TEXT, "ok\n"),
        (&Method::GET | &Method::HEAD, API_METERS) => meters(req, state),
        (&Method::GET | &Method::HEAD, "/") => index(state),
        (&Method::GET | &Method::HEAD, p) if p.starts_with(ASSETS) => match crate::page::asset(p) {
            Some(asset) => asset_response(req, asset),
            None => not_found(),
        },
        (_, p) if exists(p) => method_not_allowed(),
        _ => not_found(),
    }
}

/// Whether a path is served (by GET or HEAD).
fn exists(path: &str) -> bool {
    matches!(path, "/metrics" | "/" | "/healthz" | API_METERS) || crate::page::asset(path).is_some()
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn not_found() -> Response<Full<Bytes>> {
    response(StatusCode::NOT_FOUND, TEXT, "not found\n")
}

fn method_not_allowed() -> Response<Full<Bytes>> {
    let mut r = response(
        StatusCode::METHOD_NOT_ALLOWED,
        TEXT,
        "method not allowed: use GET or HEAD\n",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

/// `/metrics`, in the format the Accept header asks for.
fn metrics<B>(req: &Request<B>, state: &AppState) -> Response<Full<Bytes>> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = negotiate(accept);
    response(StatusCode::OK, format.content_type(), state.scrape(format))
}

/// `/api/v1/meters`; 400 on a `history` parameter it does not accept.
fn meters<B>(req: &Request<B>, state: &AppState) -> Response<Full<Bytes>> {
    let with_history = match crate::api::wants_history(req.uri().query()) {
        Ok(h) => h,
        Err(message) => return response(StatusCode::BAD_REQUEST, TEXT, message),
    };
    let body = crate::api::to_json(&state.meters_json(with_history));
    let mut r = response(StatusCode::OK, "application/json", body);
    // Live values: a cached copy would show a power that is no longer true.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The live page at `/`.
fn index(state: &AppState) -> Response<Full<Bytes>> {
    let mut r = response(StatusCode::OK, "text/html; charset=utf-8", state.page());
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::page::CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// An embedded asset, revalidated on each load (`no-cache` + ETag): a new binary must never
/// run with the old script, and a revalidation costs a 304 without a body.
fn asset_response<B>(req: &Request<B>, asset: &Asset) -> Response<Full<Bytes>> {
    let etag = asset.etag();
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut r = if fresh {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        response(StatusCode::OK, asset.content_type, asset.body)
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::meter_handle::MeterHandle;

    fn state() -> AppState {
        let meter = MeterHandle::new("m=demo".parse().unwrap());
        AppState::new(vec![Arc::new(meter)], Duration::from_secs(60))
    }

    fn call(method: Method, uri: &str, headers: &[(&str, &str)]) -> Response<Full<Bytes>> {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        handle(&req.body(()).unwrap(), &state())
    }

    fn header(r: &Response<Full<Bytes>>, name: header::HeaderName) -> Option<&str> {
        r.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn status_and_headers_of_each_route() {
        let r = call(Method::GET, "/metrics", &[]);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        let r = call(
            Method::GET,
            "/metrics",
            &[("accept", "application/openmetrics-text; version=1.0.0")],
        );
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
        );
        let r = call(Method::HEAD, "/healthz", &[]);
        assert_eq!(
            (r.status(), header(&r, header::CONTENT_TYPE)),
            (StatusCode::OK, Some(TEXT))
        );
        let r = call(Method::GET, "/api/v1/meters?history=false", &[]);
        assert_eq!(header(&r, header::CONTENT_TYPE), Some("application/json"));
        assert_eq!(header(&r, header::CACHE_CONTROL), Some("no-store"));
        let r = call(Method::GET, "/", &[]);
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(header(&r, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(
            header(&r, header::CONTENT_SECURITY_POLICY),
            Some(crate::page::CONTENT_SECURITY_POLICY)
        );
        assert_eq!(header(&r, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
    }

    #[test]
    fn a_bad_history_parameter_is_400_with_the_reason() {
        let r = call(Method::GET, "/api/v1/meters?history=off", &[]);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(header(&r, header::CONTENT_TYPE), Some(TEXT));
    }

    #[test]
    fn unknown_paths_are_404_whatever_the_method_and_known_ones_405() {
        for method in [Method::GET, Method::POST] {
            for path in ["/nope", "/assets/", "/assets/nope.js", "/metrics/"] {
                let r = call(method.clone(), path, &[]);
                assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
            }
        }
        for path in ["/metrics", "/", "/healthz", API_METERS, "/assets/app.js"] {
            let r = call(Method::POST, path, &[]);
            assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
            assert_eq!(header(&r, header::ALLOW), Some("GET, HEAD"));
        }
    }

    #[test]
    fn an_asset_is_revalidated_by_its_etag() {
        let r = call(Method::GET, "/assets/app.js", &[]);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(
            header(&r, header::CONTENT_TYPE),
            Some("text/javascript; charset=utf-8")
        );
        let etag = header(&r, header::ETAG).unwrap().to_owned();
        for matching in [etag.as_str(), "*", &format!("\"x\", {etag}")] {
            let r = call(
                Method::GET,
                "/assets/app.js",
                &[("if-none-match", matching)],
            );
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{matching}");
            assert_eq!(header(&r, header::ETAG), Some(etag.as_str()));
        }
        let r = call(Method::GET, "/assets/app.js", &[("if-none-match", "\"x\"")]);
        assert_eq!(r.status(), StatusCode::OK);
    }
}
