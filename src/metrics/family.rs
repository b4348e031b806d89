//! What one metric family is (its declared name, help, type, scope and labels) and how its
//! samples are written: the shape of the rows of [`super::families::FAMILIES`].
//!
//! The type is declared, not guessed from the first sample, so that a family's `# TYPE` line
//! says what docs/metrics.md says even for a value that happens to look like another type,
//! and so that the table can be checked against the doc.

use std::fmt;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use super::Snapshot;
use crate::meter::Meter;

/// What a family's samples mean, as docs/metrics.md's `type` column says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    /// Only goes up (`counter`); exposed with the `_total` suffix the crate appends.
    Counter,
    /// A measured value (`gauge`, or `gauge (0-7)` for a small code).
    Gauge,
    /// A state that is on or off (`gauge (0/1)`).
    Flag,
    /// Always 1, the facts are in the labels (`gauge (=1)`).
    Info,
}

impl Type {
    /// The Prometheus type on the `# TYPE` line: flags and info families are gauges there,
    /// as they always were (an OpenMetrics `info` or `stateset` would rename their series).
    pub(crate) fn exposed(self) -> MetricType {
        match self {
            Type::Counter => MetricType::Counter,
            Type::Gauge | Type::Flag | Type::Info => MetricType::Gauge,
        }
    }
}

/// Whose series a family has, which tells a scrape which meters to ask it about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// One series (or a fixed few) per meter that is up: a meter value.
    Meter,
    /// As `Meter`, one series per phase (`phase` label).
    Phase,
    /// As `Meter`, one series per tariff period (`period` label).
    Period,
    /// Reading health: per meter, up or not (the freshness rule keeps these).
    Source,
    /// One series for the whole exporter.
    Process,
}

impl Scope {
    /// Whether a meter's series are exported right now: meter values only while it is up.
    fn asks(self, m: &Meter, snapshot: &Snapshot) -> bool {
        match self {
            Scope::Source => true,
            Scope::Meter | Scope::Phase | Scope::Period => {
                m.is_up(snapshot.now, snapshot.stale_after)
            }
            Scope::Process => false,
        }
    }
}

/// How a family finds its samples.
#[derive(Clone, Copy)]
pub(crate) enum Emit {
    /// Called once per meter the scope asks about.
    Meter(fn(&Meter, &mut Series<'_, '_>) -> fmt::Result),
    /// Called once per scrape (scope [`Scope::Process`]).
    Process(fn(&mut Series<'_, '_>) -> fmt::Result),
}

/// One row of the family table.
pub(crate) struct Family {
    /// The name as registered: without `_total` for a counter (the crate appends it).
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Type,
    pub scope: Scope,
    /// Label names of every sample, in order (checked in debug builds as samples are made).
    pub labels: &'static [&'static str],
    pub emit: Emit,
}

impl Family {
    /// The name a Prometheus user sees (docs/metrics.md's).
    #[cfg(test)]
    pub(crate) fn exposed_name(&self) -> String {
        match self.kind {
            Type::Counter => format!("{}_total", self.name),
            _ => self.name.to_owned(),
        }
    }

    /// Writes this family's samples; nothing at all (no `# HELP`) when it has none.
    pub(crate) fn encode(
        &'static self,
        snapshot: &Snapshot,
        enc: &mut DescriptorEncoder<'_>,
    ) -> fmt::Result {
        let mut out = Series {
            family: self,
            snapshot,
            state: State::Pending(enc),
        };
        match self.emit {
            Emit::Process(emit) => emit(&mut out),
            Emit::Meter(emit) => {
                for m in &snapshot.meters {
                    if self.scope.asks(m, snapshot) {
                        emit(m, &mut out)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// A sample value: integers print without a decimal point, floats with one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum V {
    Uint(u64),
    Int(i64),
    Float(f64),
}

impl From<u64> for V {
    fn from(n: u64) -> V {
        V::Uint(n)
    }
}

impl From<i64> for V {
    fn from(n: i64) -> V {
        V::Int(n)
    }
}

impl From<f64> for V {
    fn from(x: f64) -> V {
        V::Float(x)
    }
}

impl From<bool> for V {
    fn from(b: bool) -> V {
        V::Uint(u64::from(b))
    }
}

/// The descriptor is written with the first sample, so that a family without samples is left
/// out entirely.
enum State<'e, 'b> {
    Pending(&'e mut DescriptorEncoder<'b>),
    Open(MetricEncoder<'e>),
    Failed,
}

/// Where an emit function writes its samples.
pub(crate) struct Series<'e, 'b> {
    family: &'static Family,
    /// The scrape: its time, for the families that depend on it (`teleinfo_up`).
    pub snapshot: &'e Snapshot,
    state: State<'e, 'b>,
}

impl Series<'_, '_> {
    /// Writes one sample with these labels (names as the table declares, in order).
    pub(crate) fn sample(&mut self, labels: &[(&str, &str)], value: impl Into<V>) -> fmt::Result {
        let family = self.family;
        debug_assert!(
            labels.iter().map(|l| l.0).eq(family.labels.iter().copied()),
            "{}: labels {labels:?}",
            family.name
        );
        if matches!(self.state, State::Pending(_)) {
            let State::Pending(enc) = std::mem::replace(&mut self.state, State::Failed) else {
                return Err(fmt::Error);
            };
            let metric =
                enc.encode_descriptor(family.name, family.help, None, family.kind.exposed())?;
            self.state = State::Open(metric);
        }
        let State::Open(metric) = &mut self.state else {
            return Err(fmt::Error);
        };
        let series = metric.encode_family(&labels)?;
        match (family.kind, value.into()) {
            (Type::Counter, V::Uint(n)) => ConstCounter::new(n).encode(series),
            // Euros: counted exactly in nano-euros, exposed as a float.
            (Type::Counter, V::Float(x)) if x >= 0.0 => ConstCounter::new(x).encode(series),
            (Type::Counter, v) => {
                debug_assert!(false, "{}: counter sample {v:?}", family.name);
                Err(fmt::Error)
            }
            (_, V::Uint(n)) => ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX)).encode(series),
            (_, V::Int(n)) => ConstGauge::new(n).encode(series),
            (_, V::Float(x)) => ConstGauge::new(x).encode(series),
        }
    }
}
