//! teleinfo-exporter: read the French electricity meter's tele-information output (TIC) and
//! serve it to Prometheus.
//!
//! The crate is a library with a thin binary. Data flows one way: a [`source`] reads bytes,
//! the [`tic`] decoder turns them into frames, [`meter`] keeps each meter's state, and
//! [`metrics`] renders that state when the server is scraped (its routes read the
//! [`state`]). [`app`] wires them together.
//!
//! Public are the parts a program embedding the exporter, the benches and the tests use: the
//! protocol, the meter model and its rendering, the sources, and the serve command. The HTTP
//! plumbing, the JSON API's mapping and the live page stay inside.

mod api;
pub mod app;
pub mod commands;
pub mod config;
pub mod cost;
pub mod doctor;
mod history;
pub mod localtime;
pub mod meter;
pub mod meter_handle;
pub mod metrics;
mod negotiate;
mod page;
mod routes;
mod server;
pub mod source;
pub mod state;
pub mod tic;

/// The simulated meter lives with the demo source that drives it; this keeps the path the
/// examples and benches use (`teleinfo_exporter::simulator::Simulator`).
pub use source::demo::simulator;
