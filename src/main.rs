//! The thin binary: parse the command line, run the chosen command, map errors to exit codes
//! (2 for bad usage, 1 for a failure at run time).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

mod cli;

use anyhow::Context;
use clap::CommandFactory;
use cli::{Cli, Command, DecodeArgs, ProbeArgs, ServeArgs};
use teleinfo_exporter::commands::decode::{self, Input, Output, PortEnd};
use teleinfo_exporter::config::ConfigError;

/// The exit statuses the README promises: 0 when the command did its job, 1 when it failed at
/// run time (a port in use, an unreadable device, no valid frame for `probe`), 2 for bad usage
/// (clap's own errors exit 2 as well).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

fn main() -> ExitCode {
    let parsed = cli::parse_from(std::env::args_os().collect(), |name| std::env::var_os(name));
    for warning in &parsed.warnings {
        eprintln!("{warning}");
    }
    let cli = parsed.cli.unwrap_or_else(|e| e.exit());
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
        Ok(()) => Exit::Ok.into(),
        Err(e) => {
            tracing::error!("{e:#}");
            Exit::Failure.into()
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

/// The single-threaded runtime of the commands that read one port (`probe`, `decode DEVICE`).
fn small_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            Exit::Failure.into()
        })
}

/// Exit 0 when frames (clean or with errors) arrived, 1 otherwise (the report says why).
fn run_probe(args: ProbeArgs) -> ExitCode {
    let runtime = match small_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let per_speed = Duration::from_secs(args.seconds);
    let report = runtime.block_on(teleinfo_exporter::commands::probe::probe(
        &args.device,
        per_speed,
    ));
    print!("{}", report.render());
    if report.working_speed().is_some() {
        Exit::Ok.into()
    } else {
        Exit::Failure.into()
    }
}

/// Exit 0 when the input was read to its end (or to Ctrl-C), 2 when it cannot be opened or
/// the arguments are wrong, 1 when a port fails while being read.
fn run_decode(args: DecodeArgs) -> ExitCode {
    let output = match (args.json, args.stats) {
        (true, _) => Output::Json,
        (_, true) => Output::Stats,
        _ => Output::Table,
    };
    let input = match decode::input(&args.input, args.speed) {
        Ok(input) => input,
        Err(e) => Cli::command()
            .error(clap::error::ErrorKind::ValueValidation, e)
            .exit(),
    };
    let stdout = std::io::stdout().lock();
    let (result, name) = match input {
        Input::Stdin => (
            decode::run(std::io::stdin().lock(), stdout, output),
            "-".into(),
        ),
        Input::File(path) => match std::fs::File::open(&path) {
            Ok(file) => (decode::run(file, stdout, output), path),
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", path.display());
                return Exit::Usage.into();
            }
        },
        Input::Port { device, baud } => return run_decode_port(&device, baud, stdout, output),
    };
    match result {
        Ok(summary) => {
            print_summary(&summary);
            Exit::Ok.into()
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", name.display());
            Exit::Usage.into()
        }
    }
}

fn print_summary(summary: &decode::Summary) {
    for note in summary.notes() {
        eprintln!("{note}");
    }
    eprintln!("{}", summary.line());
}

fn run_decode_port(
    device: &Path,
    baud: Option<u32>,
    out: impl std::io::Write,
    output: Output,
) -> ExitCode {
    let runtime = match small_runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let result = runtime.block_on(decode::run_port(
        device,
        baud,
        out,
        output,
        teleinfo_exporter::app::shutdown_signal(),
        |note| eprintln!("{note}"),
    ));
    match result {
        Ok((summary, end)) => {
            let code = match &end {
                PortEnd::Stopped | PortEnd::OutputClosed => Exit::Ok.into(),
                PortEnd::HungUp => {
                    eprintln!(
                        "{}: the port hung up (adapter unplugged?)",
                        device.display()
                    );
                    Exit::Ok.into()
                }
                PortEnd::Lost(e) => {
                    eprintln!("error: cannot read {}: {e}", device.display());
                    Exit::Failure.into()
                }
            };
            print_summary(&summary);
            code
        }
        Err(e) => {
            eprintln!("error: {:#}", anyhow::Error::from(e));
            Exit::Usage.into()
        }
    }
}
