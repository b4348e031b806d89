//! The `serve` command: start one task per source and the HTTP server; stop on SIGTERM or
//! SIGINT.

use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::info;

use crate::config::Config;
use crate::meter_handle::MeterHandle;
use crate::server::{self, HttpOptions};
use crate::source::thread::SourceThread;
use crate::source::{self, RunOptions, SpecOpener};
use crate::state::AppState;

/// Why the server could not run.
///
/// The OS error is the `source` of each variant and is not repeated in the variant's own text:
/// `main` prints the whole chain (`{:#}`), which would otherwise show it twice.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the sources' thread")]
    SourceThread(#[source] std::io::Error),
}

/// Binds the listen addresses (so that a port already in use fails at once), then serves.
pub async fn run(config: Config) -> Result<(), RunError> {
    let mut listeners = Vec::new();
    for &addr in &config.listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| RunError::Listen { addr, source })?;
        info!(
            "listening on http://{}",
            listener.local_addr().unwrap_or(addr)
        );
        listeners.push(listener);
    }
    run_with(config, listeners, shutdown_signal()).await
}

/// Serves on already bound listeners until `shutdown` resolves (tests use this).
pub async fn run_with(
    config: Config,
    listeners: Vec<TcpListener>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RunError> {
    let options = RunOptions {
        read_timeout: config.read_timeout,
    };
    // One handle per meter, its history allocated now at its full size.
    let meters: Vec<_> = config
        .sources
        .iter()
        .map(|s| Arc::new(MeterHandle::new(s.clone())))
        .collect();
    if let Some(book) = &config.prices {
        for meter in &meters {
            meter.lock().meter.set_prices(book.clone());
        }
    }
    let sources = SourceThread::start().map_err(RunError::SourceThread)?;
    for meter in &meters {
        let (meter, replay_speed) = (meter.clone(), config.replay_speed);
        let task_meter = meter.clone();
        sources.spawn(source::supervisor::supervise(meter, move || {
            source::run(task_meter.clone(), options, SpecOpener::new(replay_speed))
        }));
    }
    let state = Arc::new(AppState::new(meters, config.stale_after));
    server::raise_open_files_limit(config.max_connections);
    let http_options = HttpOptions {
        max_connections: config.max_connections,
        header_timeout: config.header_timeout,
    };
    let handler = crate::routes::handler(state);
    server::serve(listeners, handler, http_options, shutdown).await;
    drop(sources);
    info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (systemd, docker stop) or SIGINT (Ctrl-C). Also ends `decode` of a
/// live port, which then prints its summary.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    info!("shutting down");
}
