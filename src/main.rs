//! The thin binary: parse the command line, run the chosen command, map errors to exit codes
//! (2 for bad usage, 1 for a failure at run time).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, Parser};
use teleinfo_exporter::cli::{Cli, Command, DecodeArgs, ProbeArgs, ServeArgs};
use teleinfo_exporter::commands::decode::{self, Output};
use teleinfo_exporter::config::ConfigError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Decode(args)) => run_decode(args),
        Some(Command::Serve(args)) => run_serve(args),
        Some(Command::Probe(args)) => run_probe(args),
        None => run_serve(cli.serve),
    }
}

fn run_serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_level.map(|l| l.as_str()));
    let config = match args.into_config() {
        Ok(config) => config,
        Err(e) => {
            // Every usage error names its option; this one is found only once all the
            // values are in, so clap cannot say which option it came from.
            let message = match e {
                ConfigError::DuplicateName(_) => format!("invalid '--source' values: {e}"),
                e => e.to_string(),
            };
            Cli::command()
                .error(clap::error::ErrorKind::ValueValidation, message)
                .exit()
        }
    };
    match serve(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: teleinfo_exporter::config::Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(teleinfo_exporter::app::run(config));
    // A blocking read on stdin would otherwise hold the process after shutdown.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(result?)
}

/// Logs go to stderr, without colours unless stderr is a terminal. `--log.level` wins over
/// RUST_LOG, which wins over the default (info).
fn init_logging(level: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// Exit 0 when valid frames were found, 1 otherwise (the report says why).
fn run_probe(args: ProbeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let per_speed = Duration::from_secs(args.seconds);
    let report = runtime.block_on(teleinfo_exporter::commands::probe::probe(
        &args.device,
        per_speed,
    ));
    print!("{}", report.render());
    if report.working_speed().is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_decode(args: DecodeArgs) -> ExitCode {
    let output = match (args.json, args.stats) {
        (true, _) => Output::Json,
        (_, true) => Output::Stats,
        _ => Output::Table,
    };
    let stdout = std::io::stdout().lock();
    let result = if args.input.as_os_str() == "-" {
        decode::run(std::io::stdin().lock(), stdout, output)
    } else {
        match std::fs::File::open(&args.input) {
            Ok(file) => decode::run(file, stdout, output),
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", args.input.display());
                return ExitCode::from(2);
            }
        }
    };
    match result {
        Ok(summary) => {
            for note in summary.notes() {
                eprintln!("{note}");
            }
            eprintln!("{}", summary.line());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.input.display());
            ExitCode::from(2)
        }
    }
}
