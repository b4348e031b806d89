//! teleinfo-exporter: read the French electricity meter's tele-information output (TIC) and
//! serve it to Prometheus.
//!
//! The crate is a library with a thin binary. [`tic`] is the protocol (pure, no I/O);
//! [`commands`] holds the subcommands other than the server.

pub mod cli;
pub mod commands;
pub mod meter;
pub mod metrics;
pub mod tic;
